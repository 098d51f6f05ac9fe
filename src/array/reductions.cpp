// Reductions, scans and contractions on arrays: each plans its result with the ops API,
// allocates it and runs the operator.
#include "tessera/array/reductions.h"

#include "array/device_internal.h"
#include "array/internal.h"
#include "tessera/array/views.h"
#include "tessera/ops/reduction.h"

namespace tessera {

namespace {

Array reduce(const std::string& op, const Array& x, const Axes& axis, bool keepdims, std::optional<DataType> dtype,
             double correction = 0) {
  array_detail::check_defined(op, x);
  // axis=() reduces nothing: reduce a new length-1 last axis instead, which gives x's
  // shape with the reduction's dtype and values (sum of one element, var 0, ...).
  if (!axis.is_all() && axis.list().empty()) return reduce(op, expand_dims(x, -1), Axes{-1}, false, dtype, correction);
  DLTensor xd = x.dl(), xp = array_detail::planning_view(xd);
  ops::ReducePlan plan = ops::plan_reduce(op, &xp, axis.list(), keepdims, dtype, static_cast<int64_t>(correction));
  Array out = array_detail::allocate_on(plan.shape, plan.dtype, x.device());
  DLTensor o = out.dl();
  ops::reduce(op, &xd, axis.list(), keepdims, dtype, &o, correction);
  return out;
}

Array arg_reduce(const std::string& op, const Array& x, std::optional<int> axis, bool keepdims) {
  return reduce(op, x, axis ? Axes(*axis) : Axes::all(), keepdims, std::nullopt);
}

Array cumulative(const std::string& op, const Array& x, std::optional<int> axis, std::optional<DataType> dtype,
                 bool include_initial) {
  array_detail::check_defined(op, x);
  DLTensor xd = x.dl();
  ops::OutputPlan plan = ops::plan_cumulative(op, &xd, axis, dtype, include_initial);
  Array out = array_detail::allocate(plan.shape, plan.dtype, op.c_str());
  DLTensor o = out.dl();
  ops::cumulative(op, &xd, axis, dtype, include_initial, &o);
  return out;
}

}  // namespace

Array sum(const Array& x, const Axes& axis, bool keepdims, std::optional<DataType> dtype) {
  return reduce("sum", x, axis, keepdims, dtype);
}
Array prod(const Array& x, const Axes& axis, bool keepdims, std::optional<DataType> dtype) {
  return reduce("prod", x, axis, keepdims, dtype);
}
Array mean(const Array& x, const Axes& axis, bool keepdims, std::optional<DataType> dtype) {
  return reduce("mean", x, axis, keepdims, dtype);
}
Array var(const Array& x, const Axes& axis, double correction, bool keepdims, std::optional<DataType> dtype) {
  return reduce("var", x, axis, keepdims, dtype, correction);
}
Array std(const Array& x, const Axes& axis, double correction, bool keepdims, std::optional<DataType> dtype) {
  return reduce("std", x, axis, keepdims, dtype, correction);
}
Array min(const Array& x, const Axes& axis, bool keepdims) { return reduce("min", x, axis, keepdims, std::nullopt); }
Array max(const Array& x, const Axes& axis, bool keepdims) { return reduce("max", x, axis, keepdims, std::nullopt); }
Array all(const Array& x, const Axes& axis, bool keepdims) { return reduce("all", x, axis, keepdims, std::nullopt); }
Array any(const Array& x, const Axes& axis, bool keepdims) { return reduce("any", x, axis, keepdims, std::nullopt); }
Array count_nonzero(const Array& x, const Axes& axis, bool keepdims) {
  return reduce("count_nonzero", x, axis, keepdims, std::nullopt);
}
Array argmin(const Array& x, std::optional<int> axis, bool keepdims) { return arg_reduce("argmin", x, axis, keepdims); }
Array argmax(const Array& x, std::optional<int> axis, bool keepdims) { return arg_reduce("argmax", x, axis, keepdims); }

Array cumulative_sum(const Array& x, std::optional<int> axis, std::optional<DataType> dtype, bool include_initial) {
  return cumulative("cumulative_sum", x, axis, dtype, include_initial);
}
Array cumulative_prod(const Array& x, std::optional<int> axis, std::optional<DataType> dtype, bool include_initial) {
  return cumulative("cumulative_prod", x, axis, dtype, include_initial);
}

Array matmul(const Array& a, const Array& b) {
  array_detail::check_defined("matmul", a, "operand 0");
  array_detail::check_defined("matmul", b, "operand 1");
  DLTensor ad = a.dl(), bd = b.dl();
  ops::OutputPlan plan = ops::plan_matmul(&ad, &bd);
  Array out = array_detail::allocate(plan.shape, plan.dtype, "matmul");
  DLTensor o = out.dl();
  ops::matmul(&ad, &bd, &o);
  return out;
}

Array tensordot(const Array& a, const Array& b, int axes) {
  array_detail::check_defined("tensordot", a, "operand 0");
  array_detail::check_defined("tensordot", b, "operand 1");
  DLTensor ad = a.dl(), bd = b.dl();
  ops::OutputPlan plan = ops::plan_tensordot(&ad, &bd, axes);
  Array out = array_detail::allocate(plan.shape, plan.dtype, "tensordot");
  DLTensor o = out.dl();
  ops::tensordot(&ad, &bd, axes, &o);
  return out;
}

Array tensordot(const Array& a, const Array& b, const std::vector<int>& axes_a, const std::vector<int>& axes_b) {
  array_detail::check_defined("tensordot", a, "operand 0");
  array_detail::check_defined("tensordot", b, "operand 1");
  DLTensor ad = a.dl(), bd = b.dl();
  ops::OutputPlan plan = ops::plan_tensordot(&ad, &bd, axes_a, axes_b);
  Array out = array_detail::allocate(plan.shape, plan.dtype, "tensordot");
  DLTensor o = out.dl();
  ops::tensordot(&ad, &bd, axes_a, axes_b, &o);
  return out;
}

Array vecdot(const Array& a, const Array& b, int axis) {
  array_detail::check_defined("vecdot", a, "operand 0");
  array_detail::check_defined("vecdot", b, "operand 1");
  DLTensor ad = a.dl(), bd = b.dl();
  ops::OutputPlan plan = ops::plan_vecdot(&ad, &bd, axis);
  Array out = array_detail::allocate(plan.shape, plan.dtype, "vecdot");
  DLTensor o = out.dl();
  ops::vecdot(&ad, &bd, axis, &o);
  return out;
}

}  // namespace tessera
