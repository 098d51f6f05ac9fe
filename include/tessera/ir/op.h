// Building expressions: C++ operators, math functions and casts with NumPy type promotion.
//
// Expr (op) Expr promotes both operands to promote_types(a, b) (NumPy 2's result_type for
// two arrays). A C++ literal is a weak scalar (NEP 50): it takes the other operand's type
// (an int literal beside a float keeps the float type; a double literal beside an integer
// gives float64). So `A(i) * 2` keeps A's dtype and `i * 4 + j` stays int64.
//
// `/` and `%` are the IR's Div and Mod: floor division/modulo for integers, true division
// and NumPy remainder for floats. Use truediv() for NumPy's `/` on integers (float64).
#pragma once
#include "tessera/ir/expr.h"

namespace tessera::ir {

// NumPy 2 promotion of two array dtypes (lanes must match). Bool < integers < floats;
// int+uint of the same width go one wider (int64+uint64 -> float64); float16 with bfloat16
// -> float32.
DataType promote_types(DataType a, DataType b);

Expr cast(DataType t, const Expr& e);  // returns e itself when the type already matches

#define TESSERA_DECLARE_BINARY_OPERATOR(OP)          \
  Expr operator OP(const Expr& a, const Expr& b);     \
  Expr operator OP(const Expr& a, int64_t b);         \
  Expr operator OP(int64_t a, const Expr& b);         \
  Expr operator OP(const Expr& a, int b);             \
  Expr operator OP(int a, const Expr& b);             \
  Expr operator OP(const Expr& a, double b);          \
  Expr operator OP(double a, const Expr& b);

TESSERA_DECLARE_BINARY_OPERATOR(+)
TESSERA_DECLARE_BINARY_OPERATOR(-)
TESSERA_DECLARE_BINARY_OPERATOR(*)
TESSERA_DECLARE_BINARY_OPERATOR(/)
TESSERA_DECLARE_BINARY_OPERATOR(%)
TESSERA_DECLARE_BINARY_OPERATOR(==)
TESSERA_DECLARE_BINARY_OPERATOR(!=)
TESSERA_DECLARE_BINARY_OPERATOR(<)
TESSERA_DECLARE_BINARY_OPERATOR(<=)
TESSERA_DECLARE_BINARY_OPERATOR(>)
TESSERA_DECLARE_BINARY_OPERATOR(>=)
TESSERA_DECLARE_BINARY_OPERATOR(&)
TESSERA_DECLARE_BINARY_OPERATOR(|)
TESSERA_DECLARE_BINARY_OPERATOR(^)
TESSERA_DECLARE_BINARY_OPERATOR(<<)
TESSERA_DECLARE_BINARY_OPERATOR(>>)
#undef TESSERA_DECLARE_BINARY_OPERATOR

Expr operator&&(const Expr& a, const Expr& b);  // operands cast to Bool
Expr operator||(const Expr& a, const Expr& b);
Expr operator!(const Expr& a);
Expr operator-(const Expr& a);  // Neg: keeps signed zeros (-(0.0) is -0.0)
Expr operator~(const Expr& a);

Expr floordiv(const Expr& a, const Expr& b);
Expr floormod(const Expr& a, const Expr& b);
Expr truediv(const Expr& a, const Expr& b);  // integers are converted to float64 first
Expr min(const Expr& a, const Expr& b);
Expr max(const Expr& a, const Expr& b);
Expr select(const Expr& cond, const Expr& t, const Expr& f);  // values promoted
inline Expr if_then_else(const Expr& c, const Expr& t, const Expr& f) { return select(c, t, f); }

// Literal forms of the two-operand functions (declared for those below too): the literal
// is weak, as with the operators, so max(x, 0.0) and pow(x, 2) keep a float32 x float32.
#define TESSERA_DECLARE_WEAK_LITERAL_FORMS(NAME) \
  Expr NAME(const Expr& a, int64_t b);           \
  Expr NAME(int64_t a, const Expr& b);           \
  Expr NAME(const Expr& a, int b);               \
  Expr NAME(int a, const Expr& b);               \
  Expr NAME(const Expr& a, double b);            \
  Expr NAME(double a, const Expr& b);
TESSERA_DECLARE_WEAK_LITERAL_FORMS(floordiv)
TESSERA_DECLARE_WEAK_LITERAL_FORMS(floormod)
TESSERA_DECLARE_WEAK_LITERAL_FORMS(truediv)
TESSERA_DECLARE_WEAK_LITERAL_FORMS(min)
TESSERA_DECLARE_WEAK_LITERAL_FORMS(max)
TESSERA_DECLARE_WEAK_LITERAL_FORMS(atan2)
TESSERA_DECLARE_WEAK_LITERAL_FORMS(pow)
TESSERA_DECLARE_WEAK_LITERAL_FORMS(hypot)
TESSERA_DECLARE_WEAK_LITERAL_FORMS(copysign)
TESSERA_DECLARE_WEAK_LITERAL_FORMS(nextafter)
TESSERA_DECLARE_WEAK_LITERAL_FORMS(fmod)
#undef TESSERA_DECLARE_WEAK_LITERAL_FORMS
Expr select(const Expr& cond, const Expr& t, int64_t f);
Expr select(const Expr& cond, int64_t t, const Expr& f);
Expr select(const Expr& cond, const Expr& t, int f);
Expr select(const Expr& cond, int t, const Expr& f);
Expr select(const Expr& cond, const Expr& t, double f);
Expr select(const Expr& cond, double t, const Expr& f);

// Math. Integer and Bool arguments are converted to NumPy's float for them (float16 for
// bool and 8-bit integers, float32 for 16-bit, float64 wider); float16/bfloat16 compute in
// float32 and the result keeps the 16-bit type.
#define TESSERA_DECLARE_UNARY_MATH(NAME) Expr NAME(const Expr& x);
TESSERA_DECLARE_UNARY_MATH(exp)
TESSERA_DECLARE_UNARY_MATH(exp2)
TESSERA_DECLARE_UNARY_MATH(expm1)
TESSERA_DECLARE_UNARY_MATH(log)
TESSERA_DECLARE_UNARY_MATH(log2)
TESSERA_DECLARE_UNARY_MATH(log10)
TESSERA_DECLARE_UNARY_MATH(log1p)
TESSERA_DECLARE_UNARY_MATH(sqrt)
TESSERA_DECLARE_UNARY_MATH(sin)
TESSERA_DECLARE_UNARY_MATH(cos)
TESSERA_DECLARE_UNARY_MATH(tan)
TESSERA_DECLARE_UNARY_MATH(asin)
TESSERA_DECLARE_UNARY_MATH(acos)
TESSERA_DECLARE_UNARY_MATH(atan)
TESSERA_DECLARE_UNARY_MATH(sinh)
TESSERA_DECLARE_UNARY_MATH(cosh)
TESSERA_DECLARE_UNARY_MATH(tanh)
TESSERA_DECLARE_UNARY_MATH(asinh)
TESSERA_DECLARE_UNARY_MATH(acosh)
TESSERA_DECLARE_UNARY_MATH(atanh)
#undef TESSERA_DECLARE_UNARY_MATH
// Rounding keeps integer types unchanged.
Expr floor(const Expr& x);
Expr ceil(const Expr& x);
Expr trunc(const Expr& x);
Expr round(const Expr& x);  // half to even
Expr abs(const Expr& x);    // integers wrap: abs(INT_MIN) == INT_MIN
Expr atan2(const Expr& y, const Expr& x);
Expr pow(const Expr& x, const Expr& y);  // integers: wrapping integer power
Expr hypot(const Expr& x, const Expr& y);
Expr copysign(const Expr& x, const Expr& y);
Expr nextafter(const Expr& x, const Expr& y);
Expr fmod(const Expr& x, const Expr& y);  // C fmod (sign of dividend)
Expr isnan(const Expr& x);     // Bool; false for integers
Expr isinf(const Expr& x);
Expr isfinite(const Expr& x);
Expr signbit(const Expr& x);

}  // namespace tessera::ir
