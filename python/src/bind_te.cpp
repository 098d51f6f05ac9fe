// Tensor expressions from Python: tensors, operations, placeholder, compute (the Python
// function is called once, with the axis variables, to build the body), reduce axes and
// reducers, including reducers whose combiner is a Python function.
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "bindings.h"
#include "tessera/ir/printer.h"

namespace tessera::python {
namespace {

using ir::Expr;

std::vector<Expr> exprs_of(nb::handle result, const char* what) {
  if (nb::isinstance<nb::tuple>(result) || nb::isinstance<nb::list>(result)) return to_expr_list(result, what);
  return {to_expr(result, what)};
}

// Indices of one element read; NumPy's IndexError for a wrong count or a non-integer index.
Expr read(const te::Tensor& t, nb::handle index) {
  std::vector<nb::handle> items;
  if (nb::isinstance<nb::tuple>(index) || nb::isinstance<nb::list>(index)) {
    for (nb::handle x : index) items.push_back(x);
  } else {
    items.push_back(index);
  }
  if (static_cast<int>(items.size()) != t.ndim())
    throw nb::index_error(("tensor " + t.name() + " is " + std::to_string(t.ndim()) + "-dimensional, but " +
                           std::to_string(items.size()) + " indices were given")
                              .c_str());
  std::vector<Expr> idx;
  for (nb::handle x : items) {
    std::optional<Operand> op = to_operand(x);
    Expr e = op ? std::visit([](const auto& v) { return Expr(v); }, *op) : Expr();
    if (!e.defined() || !e.type().is_integer() || !e.type().is_scalar())
      throw nb::index_error(("tensor " + t.name() + ": indices must be integer expressions, got " +
                             (e.defined() ? e.type().str() : std::string(nb::str(x.type()).c_str())))
                                .c_str());
    idx.push_back(e);
  }
  return t(idx);
}

std::vector<Expr> call_reducer(const te::Reducer& r, nb::handle source, nb::handle axis, nb::handle where) {
  std::vector<Expr> src = exprs_of(source, "reduction source");
  Expr cond = where.is_none() ? Expr() : to_expr(where, "where");
  return r(src, to_iter_vars(axis, "reduction axes"), cond);
}

}  // namespace

void register_te(nb::module_& m) {
  nb::class_<OperationRef>(m, "Operation", "A placeholder or compute operation (the producer of tensors).")
      .def_prop_ro("name", [](const OperationRef& o) { return o.op->name; })
      .def_prop_ro("kind", [](const OperationRef& o) {
        return o.op->kind == te::OpKind::Placeholder ? "placeholder" : "compute";
      })
      .def_prop_ro("axis", [](const OperationRef& o) { return iter_var_refs(o.op->axis); },
                   "The data-parallel axes, one per output dimension.")
      .def_prop_ro("reduce_axis", [](const OperationRef& o) { return iter_var_refs(o.op->reduce_axis); })
      .def_prop_ro("body", [](const OperationRef& o) { return o.op->body; })
      .def_prop_ro("input_tensors", [](const OperationRef& o) { return o.op->inputs; })
      .def_prop_ro("num_outputs", [](const OperationRef& o) { return o.op->num_outputs(); })
      .def("output", [](const OperationRef& o, int i) {
        if (i < 0 || i >= o.op->num_outputs())
          throw nb::index_error(("operation " + o.op->name + " has " + std::to_string(o.op->num_outputs()) +
                                 " output(s); index " + std::to_string(i) + " is out of range").c_str());
        return te::Tensor(o.op, i);
      }, nb::arg("index"))
      .def("__eq__", [](const OperationRef& a, nb::handle b) {
        return nb::isinstance<OperationRef>(b) && nb::cast<const OperationRef&>(b).op == a.op;
      })
      .def("__hash__", [](const OperationRef& o) { return reinterpret_cast<uintptr_t>(o.op.get()); })
      .def("__repr__", [](const OperationRef& o) {
        return std::string("<Operation ") + (o.op->kind == te::OpKind::Placeholder ? "placeholder " : "compute ") +
               o.op->name + ">";
      });

  auto tensor = nb::class_<te::Tensor>(m, "Tensor", "One output of an operation; index it to read elements.");
  tensor.def_prop_ro("shape", [](const te::Tensor& t) { return t.shape(); })
      .def_prop_ro("dtype", [](const te::Tensor& t) { return t.dtype().str(); })
      .def_prop_ro("name", [](const te::Tensor& t) { return t.name(); })
      .def_prop_ro("ndim", &te::Tensor::ndim)
      .def_prop_ro("op", [](const te::Tensor& t) { return OperationRef{t.op()}; })
      .def_prop_ro("value_index", &te::Tensor::value_index)
      .def("__getitem__", &read, nb::arg("index"))
      .def("__call__", [](const te::Tensor& t, nb::args idx) { return read(t, idx); })
      .def("__eq__", [](const te::Tensor& a, nb::handle b) {
        return nb::isinstance<te::Tensor>(b) && nb::cast<const te::Tensor&>(b).same_as(a);
      })
      .def("__hash__", [](const te::Tensor& t) {
        return reinterpret_cast<uintptr_t>(t.op().get()) * 31 + static_cast<uintptr_t>(t.value_index());
      })
      .def("__len__", [](const te::Tensor& t) -> int64_t {
        if (t.ndim() == 0) throw nb::type_error("len() of a 0-d tensor");
        const int64_t* c = ir::as_const_int(t.shape()[0]);
        if (!c) throw nb::type_error(("len(): the first dimension of " + t.name() + " is symbolic").c_str());
        return *c;
      })
      .def("__repr__", [](const te::Tensor& t) {
        std::string shape;
        for (size_t i = 0; i < t.shape().size(); ++i) shape += (i ? ", " : "") + ir::to_string(t.shape()[i]);
        if (t.shape().size() == 1) shape += ",";
        return "<Tensor " + t.name() + " (" + shape + ") " + t.dtype().str() + ">";
      });
  tensor.attr("__array_ufunc__") = nb::none();

  m.def("placeholder", [](nb::handle shape, nb::handle dtype, const std::string& name) {
    return te::placeholder(to_expr_list(shape, "shape"), to_dtype(dtype), name);
  }, nb::arg("shape"), nb::arg("dtype"), nb::arg("name"));

  m.def("compute", [](nb::handle shape, nb::callable fcompute, const std::string& name,
                      std::vector<std::string> axis_names) {
    auto body = [&](const std::vector<ir::Var>& vars) {
      nb::list args;
      for (const ir::Var& v : vars) args.append(nb::cast(v));
      return exprs_of(fcompute(*args), "the compute function's result");
    };
    return te::compute_multi(to_expr_list(shape, "shape"), body, name, std::move(axis_names));
  }, nb::arg("shape"), nb::arg("fcompute"), nb::arg("name"), nb::arg("axis_names"),
     "All outputs of a compute whose function returns one expression or a tuple of them.");

  m.def("reduce_axis", [](nb::handle min, nb::handle extent, const std::string& name) {
    Expr lo = to_expr(min, "reduce_axis bound"), n = to_expr(extent, "reduce_axis bound");
    for (const Expr& e : {lo, n})
      if (!e.type().is_integer())
        throw nb::type_error(("reduce_axis " + name + ": bounds must be integers, got " + e.type().str()).c_str());
    return IterVarRef{te::reduce_axis(lo, n, name)};
  }, nb::arg("min"), nb::arg("extent"), nb::arg("name"));

  nb::class_<te::Reducer>(m, "Reducer", "A commutative reducer; call it on source expressions and axes.")
      .def("__init__", [](te::Reducer* self, nb::callable combine, nb::callable identity, const std::string& name) {
        // Called while the reducer is applied, under the GIL; the callables live as long as the Reducer.
        auto c = [combine](const std::vector<Expr>& lhs, const std::vector<Expr>& rhs) {
          return exprs_of(combine(lhs, rhs), "the combiner's result");
        };
        auto i = [identity](const std::vector<ir::DataType>& types) {
          nb::list names;
          for (ir::DataType t : types) names.append(nb::str(t.str().c_str()));
          return exprs_of(identity(names), "the identity's result");
        };
        new (self) te::Reducer(te::comm_reducer(c, i, name));
      }, nb::arg("combine"), nb::arg("identity"), nb::arg("name"))
      .def("__call__", &call_reducer, nb::arg("source"), nb::arg("axis"), nb::arg("where").none());

  using Builtin = Expr (*)(const Expr&, const std::vector<ir::IterVar>&, Expr);
  struct Entry {
    const char* name;
    Builtin fn;
  };
  static const Entry builtins[] = {{"reduce_sum", &te::sum}, {"reduce_prod", &te::prod},
                                   {"reduce_min", &te::min}, {"reduce_max", &te::max}};
  for (const Entry& e : builtins)
    m.def(e.name, [fn = e.fn](nb::handle source, nb::handle axis, nb::handle where) {
      Expr cond = where.is_none() ? Expr() : to_expr(where, "where");
      return fn(to_expr(source, "reduction source"), to_iter_vars(axis, "reduction axes"), cond);
    }, nb::arg("source"), nb::arg("axis"), nb::arg("where").none());
}

}  // namespace tessera::python
