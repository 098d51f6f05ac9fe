// lower and build from Python (lowering IRErrors become ValueError). A Lowered prints as the kernel's signature and its loops
// (after the schedule passes, flattening and simplification); `kernel_ir` is the final
// packed kernel with its argument checks. A Kernel is called with ArraySpecs (tensors) and
// Python numbers (scalars) in parameter order; the GIL is released while it runs.
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include <deque>

#include "bindings.h"
#include "tessera/build.h"
#include "tessera/ir/printer.h"

namespace tessera::python {

std::vector<lower::Arg> to_lower_args(nb::handle args) {
  std::vector<lower::Arg> out;
  if (!nb::isinstance<nb::list>(args) && !nb::isinstance<nb::tuple>(args))
    throw nb::type_error("args must be a list of tensors and scalar variables");
  for (nb::handle h : args) {
    if (nb::isinstance<te::Tensor>(h)) {
      out.emplace_back(nb::cast<te::Tensor>(h));
    } else if (nb::isinstance<ir::Expr>(h) && nb::cast<ir::Expr>(h).as<ir::VarNode>()) {
      out.emplace_back(ir::Var::from(nb::cast<ir::Expr>(h)));
    } else {
      throw nb::type_error(("args: expected a Tensor or a scalar Var, got " +
                            std::string(nb::str(nb::repr(h)).c_str())).c_str());
    }
  }
  return out;
}

namespace {

const char* kind_name(ir::KernelParam::Kind k) {
  switch (k) {
    case ir::KernelParam::Kind::Tensor: return "tensor";
    case ir::KernelParam::Kind::Int: return "int";
    default: return "float";
  }
}

std::string param_name(const ir::KernelParam& p) {
  return p.kind == ir::KernelParam::Kind::Tensor ? p.buffer->name : p.var.name();
}

std::string signature(const ir::LoweredFunc& f) {
  std::string s = "kernel " + f.name + "(";
  for (size_t i = 0; i < f.params.size(); ++i) {
    const ir::KernelParam& p = f.params[i];
    s += (i ? ", " : "") + param_name(p) + ": ";
    if (p.kind != ir::KernelParam::Kind::Tensor) {
      s += p.kind == ir::KernelParam::Kind::Int ? "int64" : "float64";
      continue;
    }
    s += p.buffer->dtype.str() + "[";
    for (size_t d = 0; d < p.buffer->shape.size(); ++d) s += (d ? ", " : "") + ir::to_string(p.buffer->shape[d]);
    s += "]";
    if (p.is_output) s += " out";
  }
  return s + ")";
}

std::string indented(const std::string& text) {
  std::string out = "  ";
  for (char c : text) {
    out += c;
    if (c == '\n') out += "  ";
  }
  while (!out.empty() && (out.back() == ' ' || out.back() == '\n')) out.pop_back();
  return out;
}

nb::list params_info(const ir::LoweredFunc& f) {
  nb::list out;
  for (const ir::KernelParam& p : f.params) {
    bool tensor = p.kind == ir::KernelParam::Kind::Tensor;
    out.append(nb::make_tuple(kind_name(p.kind), param_name(p), tensor ? p.buffer->dtype.str() : "",
                              tensor ? p.buffer.ndim() : 0, p.is_output));
  }
  return out;
}

struct Lowered {
  ir::LoweredFunc func;
  std::string loops;
};

// Lowering and code generation report schedules they cannot run (a GPU thread binding on
// the CPU, ...) with IRError: a ValueError for the caller.
template <class F>
auto value_errors(F&& f) {
  try {
    return f();
  } catch (const ir::IRError& e) {
    throw nb::value_error(e.what());
  }
}

lower::LowerOptions options(bool contiguous) {
  lower::LowerOptions o;
  o.contiguous = contiguous;
  return o;
}

// One kernel argument: a tensor view, or a scalar of the parameter's kind.
KernelArgValue kernel_arg(const std::string& kernel, const ir::KernelParam& p, size_t i, nb::handle h,
                          std::deque<TensorView>* views) {
  std::string what = "kernel " + kernel + ": argument " + std::to_string(i) + " (" + param_name(p) + ")";
  if (p.kind == ir::KernelParam::Kind::Tensor) {
    if (!nb::isinstance<nb::tuple>(h)) throw nb::type_error((what + " must be an array").c_str());
    TensorView& v = views->emplace_back(nb::cast<ArraySpec>(h));
    DLTensor* t = v.get();
    DLDataType want = to_dl_dtype(p.buffer->dtype);
    if (t->dtype.code != want.code || t->dtype.bits != want.bits)
      throw nb::type_error((what + " expects dtype " + p.buffer->dtype.str() + ", got " +
                            std::get<3>(nb::cast<ArraySpec>(h))).c_str());
    if (t->ndim != p.buffer.ndim())
      throw nb::value_error((what + " expects " + std::to_string(p.buffer.ndim()) + " dimension(s), got " +
                             std::to_string(t->ndim)).c_str());
    return t;
  }
  if (PyBool_Check(h.ptr()) || !(PyLong_Check(h.ptr()) || PyFloat_Check(h.ptr())))
    throw nb::type_error((what + " must be a Python " +
                          (p.kind == ir::KernelParam::Kind::Int ? "int" : "float")).c_str());
  if (p.kind == ir::KernelParam::Kind::Float) return nb::cast<double>(h);
  if (!PyLong_Check(h.ptr())) throw nb::type_error((what + " must be an int").c_str());
  return to_expr(h).as<ir::IntImmNode>()->value;
}

}  // namespace

void register_build(nb::module_& m) {
  nb::class_<Lowered>(m, "Lowered", "A lowered kernel; str() is its readable IR.")
      .def_prop_ro("name", [](const Lowered& l) { return l.func.name; })
      .def_prop_ro("params", [](const Lowered& l) { return params_info(l.func); },
                   "(kind, name, dtype, ndim, is_output) per parameter.")
      .def_prop_ro("kernel_ir", [](const Lowered& l) { return ir::to_string(l.func.body); },
                   "The final packed kernel, argument checks included.")
      .def("__str__", [](const Lowered& l) { return signature(l.func) + ":\n" + indented(l.loops); })
      .def("__repr__", [](const Lowered& l) { return "<Lowered " + signature(l.func) + ">"; });

  m.def("lower", [](const schedule::Schedule& s, nb::handle args, const std::string& name, bool contiguous) {
    std::vector<lower::Arg> a = to_lower_args(args);
    return value_errors([&] {
      ir::Stmt loops = lower::lower_to_loops(s, a, options(contiguous));
      return Lowered{lower::lower(s, a, name, options(contiguous)), ir::to_string(loops)};
    });
  }, nb::arg("schedule"), nb::arg("args"), nb::arg("name"), nb::arg("contiguous"));

  nb::class_<Kernel>(m, "Kernel", "A JIT-compiled kernel.")
      .def_prop_ro("name", [](const Kernel& k) { return k.lowered().name; })
      .def_prop_ro("params", [](const Kernel& k) { return params_info(k.lowered()); })
      .def_prop_ro("kernel_ir", [](const Kernel& k) { return ir::to_string(k.lowered().body); })
      .def("call", [](const Kernel& k, nb::handle args) {
        const ir::LoweredFunc& f = k.lowered();
        std::vector<nb::handle> items;
        for (nb::handle h : args) items.push_back(h);
        if (items.size() != f.params.size())
          throw nb::type_error(("kernel " + f.name + " takes " + std::to_string(f.params.size()) +
                                " arguments, got " + std::to_string(items.size())).c_str());
        std::deque<TensorView> views;
        std::vector<KernelArgValue> values;
        for (size_t i = 0; i < items.size(); ++i) values.push_back(kernel_arg(f.name, f.params[i], i, items[i], &views));
        nb::gil_scoped_release release;
        k(values);
      }, nb::arg("args"));

  m.def("build", [](const schedule::Schedule& s, nb::handle args, const std::string& name, bool contiguous) {
    BuildOptions o;
    o.lower = options(contiguous);
    std::vector<lower::Arg> a = to_lower_args(args);
    return value_errors([&] { return build(s, a, name, o); });
  }, nb::arg("schedule"), nb::arg("args"), nb::arg("name"), nb::arg("contiguous"));
}

}  // namespace tessera::python
