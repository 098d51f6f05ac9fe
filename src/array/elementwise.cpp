// Elementwise functions on arrays: weak scalars, out-of-range integer comparisons, in-place
// updates with NumPy's same_kind rule, and the named functions.
#include "tessera/array/elementwise.h"

#include "array/internal.h"
#include "tessera/array/creation.h"
#include "tessera/ops/library.h"

namespace tessera {

using array_detail::raise;

namespace {

const ops::OpDef& find(const std::string& op) {
  ops::ensure_registered();
  const ops::OpDef* def = ops::find_op(op);
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

Array compare(const std::string& op, const Operand& a, const Operand& b) {
  Array fixed = out_of_range_comparison(op, a, b);
  return fixed.defined() ? fixed : apply_op(op, {a, b});
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
  std::vector<Array> in = array_detail::materialize(op, {Operand(a), b});
  DLTensor da = a.dl(), db = in[1].dl();
  ops::CallPlan plan = ops::plan_call(def, {&da, &db});
  if (plan.shape != a.shape())
    raise(Error::Kind::Value, op,
          "non-broadcastable output operand with shape " + array_detail::shape_str(a.shape()) +
              " doesn't match the broadcast shape " + array_detail::shape_str(plan.shape));
  const DataType r = plan.sig.outputs[0];
  if (!can_cast(r, a.dtype(), Casting::SameKind))
    raise(Error::Kind::Type, op,
          "cannot cast ufunc '" + op + "' output from " + r.str() + " to " + a.dtype().str() +
              " with casting rule 'same_kind'");
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

Array abs(const Array& x) { return apply_op("abs", {x}); }
Array acos(const Array& x) { return apply_op("acos", {x}); }
Array acosh(const Array& x) { return apply_op("acosh", {x}); }
Array asin(const Array& x) { return apply_op("asin", {x}); }
Array asinh(const Array& x) { return apply_op("asinh", {x}); }
Array atan(const Array& x) { return apply_op("atan", {x}); }
Array atanh(const Array& x) { return apply_op("atanh", {x}); }
Array bitwise_invert(const Array& x) { return apply_op("bitwise_invert", {x}); }
Array ceil(const Array& x) { return apply_op("ceil", {x}); }
Array cos(const Array& x) { return apply_op("cos", {x}); }
Array cosh(const Array& x) { return apply_op("cosh", {x}); }
Array exp(const Array& x) { return apply_op("exp", {x}); }
Array expm1(const Array& x) { return apply_op("expm1", {x}); }
Array floor(const Array& x) { return apply_op("floor", {x}); }
Array isfinite(const Array& x) { return apply_op("isfinite", {x}); }
Array isinf(const Array& x) { return apply_op("isinf", {x}); }
Array isnan(const Array& x) { return apply_op("isnan", {x}); }
Array log(const Array& x) { return apply_op("log", {x}); }
Array log10(const Array& x) { return apply_op("log10", {x}); }
Array log1p(const Array& x) { return apply_op("log1p", {x}); }
Array log2(const Array& x) { return apply_op("log2", {x}); }
Array logical_not(const Array& x) { return apply_op("logical_not", {x}); }
Array negative(const Array& x) { return apply_op("negative", {x}); }
Array positive(const Array& x) { return apply_op("positive", {x}); }
Array reciprocal(const Array& x) { return apply_op("reciprocal", {x}); }
Array round(const Array& x) { return apply_op("round", {x}); }
Array sign(const Array& x) { return apply_op("sign", {x}); }
Array signbit(const Array& x) { return apply_op("signbit", {x}); }
Array sin(const Array& x) { return apply_op("sin", {x}); }
Array sinh(const Array& x) { return apply_op("sinh", {x}); }
Array sqrt(const Array& x) { return apply_op("sqrt", {x}); }
Array square(const Array& x) { return apply_op("square", {x}); }
Array tan(const Array& x) { return apply_op("tan", {x}); }
Array tanh(const Array& x) { return apply_op("tanh", {x}); }
Array trunc(const Array& x) { return apply_op("trunc", {x}); }

Array add(const Operand& a, const Operand& b) { return apply_op("add", {a, b}); }
Array atan2(const Operand& a, const Operand& b) { return apply_op("atan2", {a, b}); }
Array bitwise_and(const Operand& a, const Operand& b) { return apply_op("bitwise_and", {a, b}); }
Array bitwise_left_shift(const Operand& a, const Operand& b) { return apply_op("bitwise_left_shift", {a, b}); }
Array bitwise_or(const Operand& a, const Operand& b) { return apply_op("bitwise_or", {a, b}); }
Array bitwise_right_shift(const Operand& a, const Operand& b) { return apply_op("bitwise_right_shift", {a, b}); }
Array bitwise_xor(const Operand& a, const Operand& b) { return apply_op("bitwise_xor", {a, b}); }
Array copysign(const Operand& a, const Operand& b) { return apply_op("copysign", {a, b}); }
Array divide(const Operand& a, const Operand& b) { return apply_op("divide", {a, b}); }
Array equal(const Operand& a, const Operand& b) { return compare("equal", a, b); }
Array floor_divide(const Operand& a, const Operand& b) { return apply_op("floor_divide", {a, b}); }
Array greater(const Operand& a, const Operand& b) { return compare("greater", a, b); }
Array greater_equal(const Operand& a, const Operand& b) { return compare("greater_equal", a, b); }
Array hypot(const Operand& a, const Operand& b) { return apply_op("hypot", {a, b}); }
Array less(const Operand& a, const Operand& b) { return compare("less", a, b); }
Array less_equal(const Operand& a, const Operand& b) { return compare("less_equal", a, b); }
Array logaddexp(const Operand& a, const Operand& b) { return apply_op("logaddexp", {a, b}); }
Array logical_and(const Operand& a, const Operand& b) { return apply_op("logical_and", {a, b}); }
Array logical_or(const Operand& a, const Operand& b) { return apply_op("logical_or", {a, b}); }
Array logical_xor(const Operand& a, const Operand& b) { return apply_op("logical_xor", {a, b}); }
Array maximum(const Operand& a, const Operand& b) { return apply_op("maximum", {a, b}); }
Array minimum(const Operand& a, const Operand& b) { return apply_op("minimum", {a, b}); }
Array multiply(const Operand& a, const Operand& b) { return apply_op("multiply", {a, b}); }
Array nextafter(const Operand& a, const Operand& b) { return apply_op("nextafter", {a, b}); }
Array not_equal(const Operand& a, const Operand& b) { return compare("not_equal", a, b); }
Array pow(const Operand& a, const Operand& b) { return apply_op("pow", {a, b}); }
Array remainder(const Operand& a, const Operand& b) { return apply_op("remainder", {a, b}); }
Array subtract(const Operand& a, const Operand& b) { return apply_op("subtract", {a, b}); }

Array clip(const Array& x, const Operand& lo, const Operand& hi) {
  array_detail::check_defined("clip", x);
  return apply_op("clip", {x, clip_bound(x, lo), clip_bound(x, hi)});
}

Array where(const Operand& cond, const Operand& x, const Operand& y) {
  return array_detail::run_elementwise("where", array_detail::materialize("where", {cond, x, y}, {0}));
}

}  // namespace tessera
