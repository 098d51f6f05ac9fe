// Shared pieces of the elementwise operator library: NumPy's loop-selection rules that
// defop.h does not already offer, NumPy's float max/min, and one registration function per
// family (arithmetic_ops.cpp, math_ops.cpp, compare_logic_ops.cpp, bitwise_ops.cpp,
// elementwise_ops.cpp for astype and where). register_elementwise_ops() calls them once.
#pragma once
#include "tessera/ir/op.h"
#include "tessera/ops/defop.h"

namespace tessera::ops::detail {

// ---- type rules (NumPy 2 loop selection) ---------------------------------------------------

// Promotion of the inputs; a bool result is computed (and returned) as `bool_as` instead,
// e.g. np.floor_divide(bool, bool) runs the int8 loop. nullopt for bool_as keeps bool.
TypeRule promote_bool_as(std::optional<DataType> bool_as);
// Promotion, refused when the result is bool (np.subtract and np.negative on bool raise).
TypeRule promote_no_bool();
// NumPy's float loop for math functions: bool and integers take float16 (8-bit and bool),
// float32 (16-bit) or float64 (wider) each, and the inputs' choices promote; so
// atan2(int8, uint8) is float16 where ops::float_rule, which maps the promoted int16, gives
// float32. With a float input, promotion decides (atan2(int16, float16) is float32).
TypeRule math_float_rule();
// np.divide: promotion, with integer and bool results computed in float64.
TypeRule true_divide_rule();
// Any dtype in, computed as it is, one bool out (isnan, signbit, ...).
TypeRule predicate_rule();
// Any dtypes in, each read as bool ("!= 0", NaN is true), one bool out.
TypeRule logical_rule();
// Comparisons: promotion with a bool result, except that a signed integer beside uint64
// (NumPy 2's exact "qQ->?" loops) compares exactly as (int64, uint64).
TypeRule compare_rule();
// Bitwise and shift operators: bool and integers; `bool_as` as in promote_bool_as.
TypeRule integer_rule(std::optional<DataType> bool_as);

// ---- element helpers ----------------------------------------------------------------------

// NumPy's maximum/minimum: NaN propagates from either side. Ties between signed zeros
// follow NumPy too: float32/float64 (and bfloat16) return the second operand, float16 the
// first (NumPy's float16 loop is scalar, the others use x86 max/min instructions).
Expr np_maximum(const Expr& a, const Expr& b);
Expr np_minimum(const Expr& a, const Expr& b);

// Runs f on float operands widened to float32 when they are 16-bit (NumPy computes float16
// in float32 and rounds once at the end), and casts the result back.
Expr in_float32(const std::vector<Expr>& x, const std::function<Expr(const std::vector<Expr>&)>& f);

// ---- families -----------------------------------------------------------------------------

void register_arithmetic_ops();
void register_math_ops();
void register_compare_logic_ops();
void register_bitwise_ops();

}  // namespace tessera::ops::detail
