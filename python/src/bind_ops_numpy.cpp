// ts.ops.<name>(...) on NumPy arrays (and tessera Arrays, DLPack producers, Python scalars):
// operands become tessera::Array views in C++ (nanobind's ndarray import, no copies), the
// operator runs through the array layer, and results go back as NumPy arrays sharing the
// output memory. tessera/_defop.py's Operator.__call__ calls this with its checks' data.
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "array_convert.h"
#include "bindings.h"
#include "tessera/array/device.h"
#include "tessera/ops/dispatch.h"
#include "tessera/ops/library.h"

namespace tessera::python {
namespace {

const ops::OpDef& find_def(const std::string& name) {
  ops::ensure_registered();
  const ops::OpDef* op = ops::find_op(name);
  if (!op) throw nb::value_error(("no operator named '" + name + "'").c_str());
  return *op;
}

std::string dtype_names(const std::vector<Array>& arrays) {
  std::string out;
  for (const Array& a : arrays) out += (out.empty() ? "" : ", ") + a.dtype().str();
  return out;
}

// A NumPy output (or a tessera Array) written in place.
Array output_arg(nb::handle h, const std::string& what) {
  if (!as_array(h) && !nb::hasattr(h, "__dlpack__") && !nb::hasattr(h, "__array_interface__"))
    throw nb::type_error((what + " must be an array").c_str());
  Array a = asarray_object(h, std::nullopt, false);
  if (!a.writeable()) throw nb::value_error((what + " is read-only").c_str());
  return a;
}

}  // namespace

void register_ops_numpy(nb::module_& m) {
  // call_arrays(name, args, out, dtypes, ndims): dtypes (a list of names) and ndims restrict
  // Python-defined operators, whose inputs are first cast to their NumPy promotion.
  m.def("call_arrays", [](const std::string& name, nb::tuple args, nb::handle out, nb::handle dtypes,
                          nb::handle ndims) -> nb::object {
    const ops::OpDef& def = find_def(name);
    std::vector<HeldOperand> operands;
    for (size_t i = 0; i < args.size(); ++i)
      operands.push_back(operand_or_throw(args[i], (name + ": operand " + std::to_string(i)).c_str()));
    std::vector<Array> inputs;
    bool numpy_out = false;
    for (size_t i = 0; i < args.size(); ++i) numpy_out = numpy_out || !as_array(args[i]);
    if (!dtypes.is_none()) {
      std::vector<ops::PromotionOperand> promo;
      for (const HeldOperand& o : operands) {
        if (!o.scalar) promo.push_back(o.array.dtype());
        else if (o.scalar->is_bool()) promo.push_back(ops::WeakScalar::of(o.scalar->as_int64() != 0));
        else if (o.scalar->is_int()) promo.push_back(ops::WeakScalar::of(o.scalar->as_int64()));
        else promo.push_back(ops::WeakScalar::of(o.scalar->as_double()));
      }
      bool any_array = false;
      for (const HeldOperand& o : operands) any_array = any_array || !o.scalar;
      // Only Python scalars: NumPy's default dtypes for them.
      DataType r = ops::result_type(promo);
      if (!any_array) {
        std::vector<ops::PromotionOperand> strong;
        for (const HeldOperand& o : operands)
          strong.push_back(o.scalar->is_bool() ? bool_ : o.scalar->is_int() ? int64 : float64);
        r = ops::result_type(strong);
      }
      std::vector<std::string> allowed = nb::cast<std::vector<std::string>>(dtypes);
      if (std::find(allowed.begin(), allowed.end(), r.str()) == allowed.end()) {
        std::vector<Array> shown;
        for (const HeldOperand& o : operands) shown.push_back(o.scalar ? full({}, *o.scalar, r) : o.array);
        std::string list;
        for (const std::string& a : allowed) list += (list.empty() ? "" : ", ") + a;
        throw nb::type_error((name + ": not supported for input dtypes (" + dtype_names(shown) + "); supported: " + list).c_str());
      }
      int rank = 0;
      for (const HeldOperand& o : operands) {
        inputs.push_back(o.scalar ? full({}, *o.scalar, r) : tessera::astype(o.array, r, false));
        rank = std::max(rank, inputs.back().ndim());
      }
      std::vector<int> ranks = nb::cast<std::vector<int>>(ndims);
      if (std::find(ranks.begin(), ranks.end(), rank) == ranks.end())
        throw nb::value_error((name + ": inputs of rank " + std::to_string(rank) + " are not supported").c_str());
    } else {
      std::vector<tessera::Operand> ops_in;
      for (const HeldOperand& o : operands) ops_in.push_back(o.get());
      if (out.is_none() && def.num_outputs == 1) {
        Array r;
        if (operands.size() == 2 && !operands[0].scalar && !operands[1].scalar &&
            fast_eligible(operands[0].array, operands[1].array)) {
          for (int i = 0; i < static_cast<int>(std::size(kFastOps)); ++i)
            if (name == kFastOps[i]) r = fast_binary(i, operands[0].array, operands[1].array);
        }
        if (!r.defined()) r = apply_op(name, ops_in);
        return numpy_out && r.device().device_type == kDLCPU ? to_numpy(r) : nb::cast(r);
      }
      // Weak scalars take the arrays' promoted dtype, as apply_op would.
      std::vector<ops::PromotionOperand> promo;
      for (const HeldOperand& o : operands)
        if (!o.scalar) promo.push_back(o.array.dtype());
      for (const HeldOperand& o : operands) {
        if (!o.scalar) {
          inputs.push_back(o.array);
          continue;
        }
        ops::WeakScalar w = o.scalar->is_bool() ? ops::WeakScalar::of(o.scalar->as_int64() != 0)
                          : o.scalar->is_int()  ? ops::WeakScalar::of(o.scalar->as_int64())
                                                : ops::WeakScalar::of(o.scalar->as_double());
        DataType t = promo.empty() ? (o.scalar->is_bool() ? bool_ : o.scalar->is_int() ? int64 : float64)
                                   : ops::weak_scalar_dtype(w, ops::result_type(promo));
        inputs.push_back(full({}, *o.scalar, t));
      }
    }
    const DLDevice device = place_inputs(name, &inputs);  // CUDA operands: results there too
    std::vector<DLTensor> in_dl, plan_dl;
    in_dl.reserve(inputs.size());
    plan_dl.reserve(inputs.size());
    std::vector<const DLTensor*> in_ptrs, plan_ptrs;
    for (const Array& a : inputs) {
      in_dl.push_back(a.dl());
      in_ptrs.push_back(&in_dl.back());
      plan_dl.push_back(in_dl.back());
      plan_dl.back().device = {kDLCPU, 0};  // planning reads metadata only
      plan_ptrs.push_back(&plan_dl.back());
    }
    std::vector<Array> outputs;
    if (out.is_none()) {
      ops::CallPlan plan = ops::plan_call(def, plan_ptrs);
      for (DataType t : plan.sig.outputs) outputs.push_back(empty(plan.shape, t, device));
    } else {
      bool several = PyTuple_Check(out.ptr()) || PyList_Check(out.ptr());
      if (several) {
        size_t j = 0;
        for (nb::handle o : out) outputs.push_back(output_arg(o, name + ": output " + std::to_string(j++)));
      } else {
        outputs.push_back(output_arg(out, name + ": output 0"));
      }
    }
    std::vector<DLTensor> out_dl;
    out_dl.reserve(outputs.size());
    std::vector<DLTensor*> out_ptrs;
    for (const Array& a : outputs) {
      out_dl.push_back(a.dl());
      out_ptrs.push_back(&out_dl.back());
    }
    {
      nb::gil_scoped_release release;  // operators defined in Python take it back to generate
      ops::call(def, in_ptrs, out_ptrs);
    }
    if (!out.is_none()) return nb::borrow(out);
    auto convert = [&](const Array& a) {
      return numpy_out && a.device().device_type == kDLCPU ? to_numpy(a) : nb::cast(a);
    };
    if (outputs.size() == 1) return convert(outputs[0]);
    nb::list results;
    for (const Array& a : outputs) results.append(convert(a));
    return nb::tuple(results);
  }, nb::arg("name"), nb::arg("args"), nb::arg("out").none(), nb::arg("dtypes").none(), nb::arg("ndims").none());
}

}  // namespace tessera::python
