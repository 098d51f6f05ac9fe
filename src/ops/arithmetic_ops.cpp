// Arithmetic: add subtract multiply divide floor_divide remainder pow negative positive
// abs sign square reciprocal maximum minimum clip.
//
// Integer semantics come from the IR (wrapping, floor division and modulo, x // 0 == 0 and
// x % 0 == 0); integer floor_divide and remainder up to 32 bits compute the same values
// through float division, which vectorizes (see small_int_floor_divide); float remainder is
// the IR's Mod, which is NumPy's. Float floor_divide is written out below because NumPy's
// differs from floor(a / b) at the edges.
#include <optional>

#include "ops/elementwise_internal.h"

namespace tessera::ops::detail {
namespace {

// NumPy's npy_floor_divide: b == 0 gives a / b (+-inf or NaN); otherwise the quotient is
// rebuilt from fmod so that a == b * q + mod holds as nearly as possible, snapped to an
// integer, and a zero quotient takes the sign of a / b. inf // x is NaN.
Expr float_floor_divide(const Expr& a0, const Expr& b0) {
  return in_float32({a0, b0}, [](const std::vector<Expr>& v) {
    const Expr& a = v[0];
    const Expr& b = v[1];
    Expr mod = ir::fmod(a, b);
    Expr div = (a - mod) / b;
    div = ir::select(mod != 0 && ((b < 0) != (mod < 0)), div - 1, div);  // NaN mod counts as nonzero
    Expr floored = ir::floor(div);
    Expr snapped = ir::select(div - floored > 0.5, floored + 1, floored);
    Expr quotient = ir::select(div != 0, snapped, ir::copysign(0.0, a / b));
    return ir::select(b == 0, a / b, quotient);
  });
}

// Integer floor division of types up to 32 bits, through floats: CPUs have no vector
// integer division, so the IR's floordiv runs one scalar divide per lane. a and b convert
// exactly (16-bit integers into float32, 32-bit into float64), and floor(a / b) of the
// rounded quotient is exact: a non-integer quotient lies at least 1/|b| from the next
// integer, while rounding moves it by at most |a/b| * 2^-24 (2^-53) < 1/|b|. Division by
// zero gives 0 (NumPy); INT_MIN // -1 gives 2^31 in float64, which the cast through int64
// wraps to INT_MIN, as NumPy's integer loop does. Null for types this does not cover.
std::optional<Expr> small_int_floor_divide(const Expr& a, const Expr& b) {
  DataType t = a.type();
  if (!t.is_integer() || t.bits > 32) return std::nullopt;
  DataType ft = DataType::Float(t.bits <= 16 ? 32 : 64, t.lanes);
  DataType wide = DataType::Int(64, t.lanes);
  Expr divisor = ir::select(b == 0, ir::make_const(ft, 1.0), ir::cast(ft, b));
  Expr q = ir::floor(ir::cast(ft, a) / divisor);
  q = ir::cast(t, ir::cast(wide, q));
  return ir::select(b == 0, ir::make_zero(t), q);
}

Expr floor_divide(const Expr& a, const Expr& b) {
  if (a.type().is_float()) return float_floor_divide(a, b);
  if (std::optional<Expr> q = small_int_floor_divide(a, b)) return *q;
  return ir::floordiv(a, b);
}

// NumPy's integer remainder: a - (a // b) * b with wrapping arithmetic (the sign follows b),
// and 0 for b == 0 (where the quotient is 0, so a - q * b would give a).
Expr remainder(const Expr& a, const Expr& b) {
  std::optional<Expr> q = a.type().is_float() ? std::nullopt : small_int_floor_divide(a, b);
  if (!q) return a % b;
  return ir::select(b == 0, ir::make_zero(a.type()), a - *q * b);
}

// NumPy 2: -1, 0 or 1; sign(+-0.0) is +0.0 and sign(NaN) is that NaN.
Expr sign(const Expr& x) {
  DataType t = x.type();
  Expr one = ir::make_const(t, int64_t{1}), zero = ir::make_zero(t);
  if (t.is_uint()) return ir::select(x > 0, one, zero);
  Expr minus_one = ir::make_const(t, int64_t{-1});
  Expr inner = t.is_float() ? ir::select(x == 0, zero, x) : zero;
  return ir::select(x > 0, one, ir::select(x < 0, minus_one, inner));
}

void binary(const std::string& name, TypeRule rule, Expr (*f)(const Expr&, const Expr&)) {
  defop(elementwise(name, 2, std::move(rule), [f](const Values& x, DataType) { return f(x[0], x[1]); }));
}

void unary(const std::string& name, TypeRule rule, Expr (*f)(const Expr&)) {
  defop(elementwise(name, 1, std::move(rule), [f](const Values& x, DataType) { return f(x[0]); }));
}

}  // namespace

void register_arithmetic_ops() {
  const DataType i8 = DataType::Int(8);
  TypeRule promote = promote_bool_as(std::nullopt);  // bool stays bool: add is "or", multiply "and"

  binary("add", promote, [](const Expr& a, const Expr& b) { return a + b; });
  binary("subtract", promote_no_bool(), [](const Expr& a, const Expr& b) { return a - b; });
  binary("multiply", promote, [](const Expr& a, const Expr& b) { return a * b; });
  binary("divide", true_divide_rule(), [](const Expr& a, const Expr& b) { return a / b; });
  binary("floor_divide", promote_bool_as(i8), floor_divide);
  binary("remainder", promote_bool_as(i8), remainder);
  binary("pow", promote_bool_as(i8), [](const Expr& a, const Expr& b) { return ir::pow(a, b); });
  binary("maximum", promote, np_maximum);
  binary("minimum", promote, np_minimum);

  unary("negative", promote_no_bool(), [](const Expr& x) { return -x; });
  unary("positive", promote_no_bool(), [](const Expr& x) { return x; });
  unary("abs", promote, [](const Expr& x) { return ir::abs(x); });
  unary("sign", promote_no_bool(), sign);
  unary("square", promote_bool_as(i8), [](const Expr& x) { return x * x; });
  unary("reciprocal", math_float_rule(), [](const Expr& x) { return 1.0 / x; });

  defop(elementwise("clip", 3, promote, [](const Values& x, DataType) {
    return np_minimum(np_maximum(x[0], x[1]), x[2]);
  }));
}

}  // namespace tessera::ops::detail
