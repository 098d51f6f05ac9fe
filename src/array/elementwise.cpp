// Elementwise functions on arrays: weak scalars, out-of-range integer comparisons, in-place
// updates with NumPy's same_kind rule, and the named functions.
#include "tessera/array/elementwise.h"

#include <algorithm>
#include <span>

#include "array/device_internal.h"
#include "array/internal.h"
#include "ops/dispatch_new_outputs.h"
#include "tessera/array/creation.h"
#include "tessera/ops/library.h"

namespace tessera {

using array_detail::raise;

namespace {

const ops::OpDef& find(const std::string& op) {
  const ops::OpDef* def = array_detail::find_registered_op(op);
  if (!def) raise(Error::Kind::Value, op, "no operator with this name is registered");
  return *def;
}

// NumPy 2 compares a Python int with an integer array exactly, even outside the dtype's
// range: int8_array < 1000 is true everywhere. Returns the all-true/all-false result, or
// an undefined Array when the comparison is an ordinary one.
Array out_of_range_comparison(const std::string& op, const Operand& a, const Operand& b) {
  const bool scalar_left = a.array() == nullptr;
  const Array* arr = scalar_left ? b.array() : a.array();
  const Operand& other = scalar_left ? a : b;
  if (!arr || other.array() || !arr->dtype().is_integer() || !array_detail::int_out_of_range(other.scalar(), arr->dtype()))
    return Array();
  const bool above = other.scalar().is_big() || other.scalar().as_int64() > 0;  // the scalar lies above the range
  // The answer of "element OP scalar"; with the scalar on the left, "scalar OP element".
  bool element_below = above != scalar_left;
  bool value = false;
  if (op == "not_equal") value = true;
  else if (op == "less" || op == "less_equal") value = element_below;
  else if (op == "greater" || op == "greater_equal") value = !element_below;
  return full(arr->shape(), value, bool_);
}

// One or two array operands go straight to dispatch (no vector of operands, no copies).
Array unary(const std::string& op, const Array& x) {
  const Array* arrays[1] = {&x};
  return array_detail::run_elementwise(op, arrays, 1);
}


Array binary(const std::string& op, const Operand& a, const Operand& b) {
  const Array* x = a.array();
  const Array* y = b.array();
  if (x && y) {
    const Array* arrays[2] = {x, y};
    return array_detail::run_elementwise(op, arrays, 2);
  }
  if (!x && !y) return apply_op(op, {a, b});
  // One weak scalar: its dtype follows the array's (NEP 50), as materialize() decides.
  const Array& arr = x ? *x : *y;
  array_detail::check_defined(op, arr, x ? "operand 0" : "operand 1");
  const Scalar& value = (x ? b : a).scalar();
  Array scalar;
  try {
    scalar = array_detail::scalar_array(value, array_detail::weak_dtype(value, arr.dtype()));
  } catch (const Error& e) {
    raise(e.kind(), op, e.what());
  }
  const Array* arrays[2] = {x ? x : &scalar, x ? &scalar : y};
  return array_detail::run_elementwise(op, arrays, 2);
}

Array compare(const std::string& op, const Operand& a, const Operand& b) {
  Array fixed = out_of_range_comparison(op, a, b);
  return fixed.defined() ? fixed : binary(op, a, b);
}

// The result of an in-place operator on `a`: its shape must be a's and its dtype cast to a's
// under same_kind (NumPy's messages).
void check_inplace_result(const std::string& op, const Array& a, std::span<const int64_t> shape, DataType r) {
  if (!std::equal(shape.begin(), shape.end(), a.shape().begin(), a.shape().end()))
    raise(Error::Kind::Value, op,
          "non-broadcastable output operand with shape " + array_detail::shape_str(a.shape()) +
              " doesn't match the broadcast shape " + array_detail::shape_str(shape));
  if (!can_cast(r, a.dtype(), Casting::SameKind))
    raise(Error::Kind::Type, op,
          "cannot cast ufunc '" + op + "' output from " + r.str() + " to " + a.dtype().str() +
              " with casting rule 'same_kind'");
}

// a OP= b for CPU arrays that do not overlap (or are the same view): one planning pass,
// the result checked when dispatch knows it. False when the general path must run.
bool inplace_on_cpu(const std::string& op, const ops::OpDef& def, Array& a, const Array& b) {
  if (a.device().device_type != kDLCPU || b.device().device_type != kDLCPU) return false;
  if (array_detail::shares_storage(a, b) && !array_detail::same_view(a, b)) return false;
  struct Target {
    const std::string& op;
    Array& a;
    DLTensor da;
    Array wider;  // the result, when its dtype is not a's (then cast into a)
    DLTensor dw{};
  } t{op, a, a.dl(), Array()};
  DLTensor db = b.dl();
  const DLTensor* in[2] = {&t.da, &db};
  ops::call_with_new_outputs(def, in, 2, [&t](int, const int64_t* shape, int ndim, DataType r) -> DLTensor* {
    check_inplace_result(t.op, t.a, {shape, static_cast<size_t>(ndim)}, r);
    if (r == t.a.dtype()) return &t.da;
    t.wider = array_detail::allocate(Dims(shape, shape + ndim), r);
    t.dw = t.wider.dl();
    return &t.dw;
  });
  if (t.wider.defined()) a.assign(t.wider);
  return true;
}

// An integer clip bound beyond the range of x's integer dtype, pulled to its edge.
Operand clip_bound(const Array& x, const Operand& bound) {
  if (bound.array() || !x.dtype().is_integer() || !array_detail::int_out_of_range(bound.scalar(), x.dtype()))
    return bound;
  const Scalar& s = bound.scalar();
  if (s.is_big() || s.as_int64() > 0) return Scalar(int_max(x.dtype()));
  return Scalar(int_min(x.dtype()));
}

}  // namespace

Array apply_op(const std::string& op, const std::vector<Operand>& operands) {
  // Arrays only: nothing to convert, so no copies of the operands.
  const Array* arrays[4];
  bool all_arrays = operands.size() <= 4;
  for (size_t i = 0; i < operands.size() && all_arrays; ++i) all_arrays = (arrays[i] = operands[i].array()) != nullptr;
  if (all_arrays) return array_detail::run_elementwise(op, arrays, static_cast<int>(operands.size()));
  return array_detail::run_elementwise(op, array_detail::materialize(op, operands));
}

Array& inplace(const std::string& op, Array& a, const Operand& b) {
  array_detail::check_writeable(op, a);
  const ops::OpDef& def = find(op);
  if (const Array* bb = b.array()) {
    array_detail::check_defined(op, *bb, "operand 1");
    if (inplace_on_cpu(op, def, a, *bb)) return a;
  } else if (a.device().device_type == kDLCPU) {  // a weak scalar takes a's dtype (NEP 50)
    Array scalar;
    try {
      scalar = array_detail::scalar_array(b.scalar(), array_detail::weak_dtype(b.scalar(), a.dtype()));
    } catch (const Error& e) {
      raise(e.kind(), op, e.what());
    }
    if (inplace_on_cpu(op, def, a, scalar)) return a;
  }
  std::vector<Array> in = array_detail::materialize(op, {Operand(a), b});
  if (!same_device(in[1].device(), a.device())) in[1] = array_detail::match_device(op, in[1], a.device());
  DLTensor da = a.dl(), db = in[1].dl(), pa = array_detail::planning_view(da), pb = array_detail::planning_view(db);
  ops::CallPlan plan = ops::plan_call(def, {&pa, &pb});
  const DataType r = plan.sig.outputs[0];
  check_inplace_result(op, a, plan.shape, r);
  Array other = in[1];
  if (array_detail::shares_storage(other, a) && !array_detail::same_view(other, a)) other = other.copy();
  if (r == a.dtype()) {
    DLTensor dother = other.dl();
    ops::call(def, {&da, &dother}, {&da});
  } else {
    a.assign(array_detail::run_elementwise(op, {a, other}));
  }
  return a;
}

Array astype(const Array& x, DataType dtype, bool copy) { return x.astype(dtype, copy); }

Array abs(const Array& x) { return unary("abs", x); }
Array acos(const Array& x) { return unary("acos", x); }
Array acosh(const Array& x) { return unary("acosh", x); }
Array asin(const Array& x) { return unary("asin", x); }
Array asinh(const Array& x) { return unary("asinh", x); }
Array atan(const Array& x) { return unary("atan", x); }
Array atanh(const Array& x) { return unary("atanh", x); }
Array bitwise_invert(const Array& x) { return unary("bitwise_invert", x); }
Array ceil(const Array& x) { return unary("ceil", x); }
Array cos(const Array& x) { return unary("cos", x); }
Array cosh(const Array& x) { return unary("cosh", x); }
Array exp(const Array& x) { return unary("exp", x); }
Array expm1(const Array& x) { return unary("expm1", x); }
Array floor(const Array& x) { return unary("floor", x); }
Array isfinite(const Array& x) { return unary("isfinite", x); }
Array isinf(const Array& x) { return unary("isinf", x); }
Array isnan(const Array& x) { return unary("isnan", x); }
Array log(const Array& x) { return unary("log", x); }
Array log10(const Array& x) { return unary("log10", x); }
Array log1p(const Array& x) { return unary("log1p", x); }
Array log2(const Array& x) { return unary("log2", x); }
Array logical_not(const Array& x) { return unary("logical_not", x); }
Array negative(const Array& x) { return unary("negative", x); }
Array positive(const Array& x) { return unary("positive", x); }
Array reciprocal(const Array& x) { return unary("reciprocal", x); }
Array round(const Array& x) { return unary("round", x); }
Array sign(const Array& x) { return unary("sign", x); }
Array signbit(const Array& x) { return unary("signbit", x); }
Array sin(const Array& x) { return unary("sin", x); }
Array sinh(const Array& x) { return unary("sinh", x); }
Array sqrt(const Array& x) { return unary("sqrt", x); }
Array square(const Array& x) { return unary("square", x); }
Array tan(const Array& x) { return unary("tan", x); }
Array tanh(const Array& x) { return unary("tanh", x); }
Array trunc(const Array& x) { return unary("trunc", x); }

Array add(const Operand& a, const Operand& b) { return binary("add", a, b); }
Array atan2(const Operand& a, const Operand& b) { return binary("atan2", a, b); }
Array bitwise_and(const Operand& a, const Operand& b) { return binary("bitwise_and", a, b); }
Array bitwise_left_shift(const Operand& a, const Operand& b) { return binary("bitwise_left_shift", a, b); }
Array bitwise_or(const Operand& a, const Operand& b) { return binary("bitwise_or", a, b); }
Array bitwise_right_shift(const Operand& a, const Operand& b) { return binary("bitwise_right_shift", a, b); }
Array bitwise_xor(const Operand& a, const Operand& b) { return binary("bitwise_xor", a, b); }
Array copysign(const Operand& a, const Operand& b) { return binary("copysign", a, b); }
Array divide(const Operand& a, const Operand& b) { return binary("divide", a, b); }
Array equal(const Operand& a, const Operand& b) { return compare("equal", a, b); }
Array floor_divide(const Operand& a, const Operand& b) { return binary("floor_divide", a, b); }
Array greater(const Operand& a, const Operand& b) { return compare("greater", a, b); }
Array greater_equal(const Operand& a, const Operand& b) { return compare("greater_equal", a, b); }
Array hypot(const Operand& a, const Operand& b) { return binary("hypot", a, b); }
Array less(const Operand& a, const Operand& b) { return compare("less", a, b); }
Array less_equal(const Operand& a, const Operand& b) { return compare("less_equal", a, b); }
Array logaddexp(const Operand& a, const Operand& b) { return binary("logaddexp", a, b); }
Array logical_and(const Operand& a, const Operand& b) { return binary("logical_and", a, b); }
Array logical_or(const Operand& a, const Operand& b) { return binary("logical_or", a, b); }
Array logical_xor(const Operand& a, const Operand& b) { return binary("logical_xor", a, b); }
Array maximum(const Operand& a, const Operand& b) { return binary("maximum", a, b); }
Array minimum(const Operand& a, const Operand& b) { return binary("minimum", a, b); }
Array multiply(const Operand& a, const Operand& b) { return binary("multiply", a, b); }
Array nextafter(const Operand& a, const Operand& b) { return binary("nextafter", a, b); }
Array not_equal(const Operand& a, const Operand& b) { return compare("not_equal", a, b); }
Array pow(const Operand& a, const Operand& b) { return binary("pow", a, b); }
Array remainder(const Operand& a, const Operand& b) { return binary("remainder", a, b); }
Array subtract(const Operand& a, const Operand& b) { return binary("subtract", a, b); }

Array clip(const Array& x, const Operand& lo, const Operand& hi) {
  array_detail::check_defined("clip", x);
  return apply_op("clip", {x, clip_bound(x, lo), clip_bound(x, hi)});
}

Array where(const Operand& cond, const Operand& x, const Operand& y) {
  return array_detail::run_elementwise("where", array_detail::materialize("where", {cond, x, y}, {0}));
}

}  // namespace tessera
