// Operators defined in Python (tessera.defop): an ops::OpDef whose generate calls back into
// Python under the GIL, so dispatch, broadcasting, dimension collapsing and the kernel cache
// are the built-in operators' own.
//
// The Python layer probes the function once per dtype at definition time, so the type rule
// is a table lookup that never enters Python: every input must already have the operator's
// compute dtype (the Python layer casts mixed inputs to their NumPy promotion first).
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <map>

#include "bindings.h"
#include "tessera/ops/dispatch.h"
#include "tessera/ops/elementwise.h"

namespace tessera::python {
namespace {

using ops::OpError;

struct PythonOpSpec {
  std::string name;
  int num_inputs = 0;
  int num_outputs = 0;
  std::map<std::string, std::vector<ir::DataType>> outputs_by_dtype;  // compute dtype -> outputs
};

std::string layout_name(ops::Layout l) { return l == ops::Layout::Contiguous ? "contiguous" : "strided"; }

std::vector<std::string> names(const std::vector<ir::DataType>& ts) {
  std::vector<std::string> out;
  for (ir::DataType t : ts) out.push_back(t.str());
  return out;
}

[[noreturn]] void bad_generator(const PythonOpSpec& spec, const ops::Variant& v, const std::string& msg) {
  throw OpError(OpError::Kind::Value, "defop " + spec.name + ": the generator for variant " + v.name(spec.name) +
                                          " " + msg);
}

// The generator's tensors must be the variant's inputs then outputs, of its dtypes and rank.
void check_generated(const PythonOpSpec& spec, const ops::Variant& v, const std::vector<lower::Arg>& args) {
  if (static_cast<int>(args.size()) != spec.num_inputs + spec.num_outputs)
    bad_generator(spec, v, "returned " + std::to_string(args.size()) + " arguments, expected " +
                               std::to_string(spec.num_inputs) + " inputs and " + std::to_string(spec.num_outputs) +
                               " outputs");
  for (size_t i = 0; i < args.size(); ++i) {
    const auto* t = std::get_if<te::Tensor>(&args[i].value);
    if (!t) bad_generator(spec, v, "returned a scalar argument; defop operators take arrays only");
    bool input = static_cast<int>(i) < spec.num_inputs;
    ir::DataType want = input ? v.sig.inputs[i] : v.sig.outputs[i - spec.num_inputs];
    std::string what = "argument " + std::to_string(i) + " (" + t->name() + ")";
    if ((t->op()->kind == te::OpKind::Placeholder) != input)
      bad_generator(spec, v, "returned " + what + (input ? " that is not a placeholder" : " that is a placeholder") +
                                 "; list the input placeholders first, then the outputs");
    if (t->dtype() != want)
      bad_generator(spec, v, "returned " + what + " of dtype " + t->dtype().str() + ", expected " + want.str());
    if (t->ndim() != v.ndim)
      bad_generator(spec, v, "returned " + what + " of rank " + std::to_string(t->ndim()) + ", expected " +
                                 std::to_string(v.ndim));
  }
}

ops::OpDef make_def(std::shared_ptr<const PythonOpSpec> spec, bool auto_broadcast, std::vector<int> ndims,
                    PyObject* generate) {
  ops::OpDef def;
  def.name = spec->name;
  def.num_inputs = spec->num_inputs;
  def.num_outputs = spec->num_outputs;
  def.auto_broadcast = auto_broadcast;
  def.ndims = std::move(ndims);
  for (const auto& [dtype, outs] : spec->outputs_by_dtype)
    def.aot_input_dtypes.push_back(std::vector<ir::DataType>(spec->num_inputs, ir::DataType::parse(dtype)));
  def.type_rule = [spec](const std::vector<ir::DataType>& in) -> std::optional<ops::Signature> {
    if (in.empty()) return std::nullopt;
    for (ir::DataType t : in)
      if (t != in[0]) return std::nullopt;
    auto it = spec->outputs_by_dtype.find(in[0].str());
    if (it == spec->outputs_by_dtype.end()) return std::nullopt;
    return ops::Signature{in, in, it->second};
  };
  def.generate = [spec, generate](const ops::Variant& v) {
    nb::gil_scoped_acquire gil;
    nb::object result = nb::borrow<nb::callable>(generate)(nb::cast(v, nb::rv_policy::copy));
    if (!nb::isinstance<nb::tuple>(result) || nb::len(result) != 2 ||
        !nb::isinstance<schedule::Schedule>(result[0]))
      bad_generator(*spec, v, "must return (schedule, args)");
    ops::Generated g{nb::cast<schedule::Schedule>(result[0]), to_lower_args(result[1])};
    check_generated(*spec, v, g.args);
    return g;
  };
  return def;
}

}  // namespace

void register_defop(nb::module_& m) {
  nb::class_<ops::Variant>(m, "Variant", "One kernel of an operator: dtypes, rank, layout and target.")
      .def_prop_ro("input_dtypes", [](const ops::Variant& v) { return names(v.sig.inputs); })
      .def_prop_ro("compute_dtypes", [](const ops::Variant& v) { return names(v.sig.compute); })
      .def_prop_ro("output_dtypes", [](const ops::Variant& v) { return names(v.sig.outputs); })
      .def_prop_ro("ndim", [](const ops::Variant& v) { return v.ndim; })
      .def_prop_ro("layout", [](const ops::Variant& v) { return layout_name(v.layout); })
      .def_prop_ro("target", [](const ops::Variant& v) { return v.target; })
      .def_prop_ro("attrs", [](const ops::Variant& v) { return v.attrs; })
      .def("name", &ops::Variant::name, nb::arg("op"))
      .def("__repr__", [](const ops::Variant& v) {
        std::string in;
        for (const auto& n : names(v.sig.inputs)) in += (in.empty() ? "" : ", ") + n;
        return "<Variant (" + in + ") rank " + std::to_string(v.ndim) + " " + layout_name(v.layout) + ">";
      });

  m.def("elementwise_op_names", &ops::elementwise_op_names);

  m.def("register_python_op", [](const std::string& name, int num_inputs, int num_outputs, bool auto_broadcast,
                                 const std::vector<std::pair<std::string, std::vector<std::string>>>& signatures,
                                 std::vector<int> ndims, nb::callable generate) {
    if (ops::find_op(name))
      throw nb::value_error(("defop: an operator named '" + name + "' already exists").c_str());
    if (num_inputs < 1 || num_outputs < 1) throw nb::value_error("defop: an operator needs inputs and outputs");
    auto spec = std::make_shared<PythonOpSpec>();
    spec->name = name;
    spec->num_inputs = num_inputs;
    spec->num_outputs = num_outputs;
    for (const auto& [dtype, outs] : signatures) {
      std::vector<ir::DataType>& o = spec->outputs_by_dtype[to_dtype(nb::str(dtype.c_str())).str()];
      for (const std::string& s : outs) o.push_back(to_dtype(nb::str(s.c_str())));
      if (static_cast<int>(o.size()) != num_outputs) throw nb::value_error("defop: output dtype count mismatch");
    }
    // The registry lives for the whole program (past interpreter shutdown), so the
    // generator is kept with a reference that is never released.
    PyObject* gen = generate.release().ptr();
    ops::defop(make_def(spec, auto_broadcast, std::move(ndims), gen));
  }, nb::arg("name"), nb::arg("num_inputs"), nb::arg("num_outputs"), nb::arg("auto_broadcast"),
     nb::arg("signatures"), nb::arg("ndims"), nb::arg("generate"));
}

}  // namespace tessera::python
