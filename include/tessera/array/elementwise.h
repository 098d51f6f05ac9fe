// Elementwise functions under their Array API names, each running the library operator of
// the same name (ops/elementwise.h states the dtype rules and NumPy semantics), with NumPy
// broadcasting. Operands are arrays or weak scalars (scalar.h): hypot(a, 2.0) keeps a's
// float dtype; int8_array + 1000 raises OpError(Overflow). Comparisons with an integer
// outside the array's range give NumPy 2's answer (int8_array < 1000 is all true).
//
// apply_op() calls any registered elementwise operator by name, including ones defined later
// with ops::defop; inplace() is `a op= b` for any of them.
#pragma once
#include <string>
#include <vector>

#include "tessera/array/array.h"

namespace tessera {

// Any single-output operator registered with ops::defop and called through ops::call.
Array apply_op(const std::string& op, const std::vector<Operand>& operands);
// a = op(a, b) in place with NumPy's same_kind rule: the result dtype must cast to a's
// dtype (OpError(Type) otherwise), and the broadcast shape must be a's (OpError(Value)).
Array& inplace(const std::string& op, Array& a, const Operand& b);
// x cast to dtype (NumPy's astype: unsafe casting); copy = false returns x when it
// already has the dtype.
Array astype(const Array& x, DataType dtype, bool copy = true);

// ---- one operand ---------------------------------------------------------------------------
Array abs(const Array& x);
Array acos(const Array& x);
Array acosh(const Array& x);
Array asin(const Array& x);
Array asinh(const Array& x);
Array atan(const Array& x);
Array atanh(const Array& x);
Array bitwise_invert(const Array& x);
Array ceil(const Array& x);
Array cos(const Array& x);
Array cosh(const Array& x);
Array exp(const Array& x);
Array expm1(const Array& x);
Array floor(const Array& x);
Array isfinite(const Array& x);
Array isinf(const Array& x);
Array isnan(const Array& x);
Array log(const Array& x);
Array log10(const Array& x);
Array log1p(const Array& x);
Array log2(const Array& x);
Array logical_not(const Array& x);
Array negative(const Array& x);
Array positive(const Array& x);
Array reciprocal(const Array& x);
Array round(const Array& x);
Array sign(const Array& x);
Array signbit(const Array& x);
Array sin(const Array& x);
Array sinh(const Array& x);
Array sqrt(const Array& x);
Array square(const Array& x);
Array tan(const Array& x);
Array tanh(const Array& x);
Array trunc(const Array& x);

// ---- two operands --------------------------------------------------------------------------
Array add(const Operand& a, const Operand& b);
Array atan2(const Operand& a, const Operand& b);
Array bitwise_and(const Operand& a, const Operand& b);
Array bitwise_left_shift(const Operand& a, const Operand& b);
Array bitwise_or(const Operand& a, const Operand& b);
Array bitwise_right_shift(const Operand& a, const Operand& b);
Array bitwise_xor(const Operand& a, const Operand& b);
Array copysign(const Operand& a, const Operand& b);
Array divide(const Operand& a, const Operand& b);
Array equal(const Operand& a, const Operand& b);
Array floor_divide(const Operand& a, const Operand& b);
Array greater(const Operand& a, const Operand& b);
Array greater_equal(const Operand& a, const Operand& b);
Array hypot(const Operand& a, const Operand& b);
Array less(const Operand& a, const Operand& b);
Array less_equal(const Operand& a, const Operand& b);
Array logaddexp(const Operand& a, const Operand& b);
Array logical_and(const Operand& a, const Operand& b);
Array logical_or(const Operand& a, const Operand& b);
Array logical_xor(const Operand& a, const Operand& b);
Array maximum(const Operand& a, const Operand& b);
Array minimum(const Operand& a, const Operand& b);
Array multiply(const Operand& a, const Operand& b);
Array nextafter(const Operand& a, const Operand& b);
Array not_equal(const Operand& a, const Operand& b);
Array pow(const Operand& a, const Operand& b);
Array remainder(const Operand& a, const Operand& b);
Array subtract(const Operand& a, const Operand& b);

// ---- three operands ------------------------------------------------------------------------
// min(max(x, lo), hi); an integer bound beyond x's range is clamped to it (NumPy 2.1).
Array clip(const Array& x, const Operand& lo, const Operand& hi);
// x where cond (read as != 0) else y; the result dtype is promote(x, y).
Array where(const Operand& cond, const Operand& x, const Operand& y);

}  // namespace tessera
