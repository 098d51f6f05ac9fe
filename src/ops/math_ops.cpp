// Float math, rounding and float predicates.
//
// Math functions take NumPy's float for bool and integer inputs (math_float_rule); float16 and
// bfloat16 compute in float32 and round once, as NumPy's float16 loops do. Rounding keeps
// integer and bool dtypes (NumPy 2), except round(bool), which NumPy runs as float16.
#include <numbers>

#include "ops/elementwise_internal.h"

namespace tessera::ops::detail {
namespace {

using Unary = Expr (*)(const Expr&);
using Binary = Expr (*)(const Expr&, const Expr&);

// NumPy's npy_logaddexp: equal inputs (including equal infinities) give x + log(2);
// otherwise the larger plus log1p(exp(-|x - y|)); a NaN difference is returned as is.
Expr logaddexp(const Expr& x0, const Expr& y0) {
  return in_float32({x0, y0}, [](const std::vector<Expr>& v) {
    const Expr& x = v[0];
    const Expr& y = v[1];
    Expr d = x - y;
    Expr ln2 = ir::make_const(x.type(), std::numbers::ln2);
    Expr r = ir::select(d <= 0, y + ir::log1p(ir::exp(d)), d);
    r = ir::select(d > 0, x + ir::log1p(ir::exp(-d)), r);
    return ir::select(x == y, x + ln2, r);
  });
}

// The IR's nextafter computes 16-bit floats in float32, which would step by a float32
// unit; the intrinsic on the 16-bit type steps by the type's own unit. NumPy's float16
// nextafter returns x (not y) when x == y, which differs only for +-0.
Expr nextafter(const Expr& x, const Expr& y) {
  DataType t = x.type();
  if (t.bits != 16) return ir::nextafter(x, y);
  Expr step = ir::CallNode::make(t, ir::Intrinsic::Nextafter, {x, y});
  return t.is_float16() ? ir::select(x == y, x, step) : step;
}

void unary(const std::string& name, TypeRule rule, Unary f) {
  defop(elementwise(name, 1, std::move(rule), [f](const Values& x, DataType) { return f(x[0]); }));
}

void binary(const std::string& name, Binary f) {
  defop(elementwise(name, 2, math_float_rule(), [f](const Values& x, DataType) { return f(x[0], x[1]); }));
}

}  // namespace

void register_math_ops() {
  const std::pair<const char*, Unary> transcendental[] = {
      {"exp", ir::exp},     {"expm1", ir::expm1}, {"log", ir::log},     {"log1p", ir::log1p},
      {"log2", ir::log2},   {"log10", ir::log10}, {"sqrt", ir::sqrt},   {"sin", ir::sin},
      {"cos", ir::cos},     {"tan", ir::tan},     {"asin", ir::asin},   {"acos", ir::acos},
      {"atan", ir::atan},   {"sinh", ir::sinh},   {"cosh", ir::cosh},   {"tanh", ir::tanh},
      {"asinh", ir::asinh}, {"acosh", ir::acosh}, {"atanh", ir::atanh},
  };
  for (const auto& [name, f] : transcendental) unary(name, math_float_rule(), f);

  binary("atan2", [](const Expr& y, const Expr& x) { return ir::atan2(y, x); });
  binary("hypot", [](const Expr& x, const Expr& y) { return ir::hypot(x, y); });
  binary("copysign", [](const Expr& x, const Expr& y) { return ir::copysign(x, y); });
  binary("nextafter", nextafter);
  binary("logaddexp", logaddexp);

  TypeRule keep = promote_bool_as(std::nullopt);
  unary("floor", keep, [](const Expr& x) { return ir::floor(x); });
  unary("ceil", keep, [](const Expr& x) { return ir::ceil(x); });
  unary("trunc", keep, [](const Expr& x) { return ir::trunc(x); });
  unary("round", promote_bool_as(DataType::Float(16)), [](const Expr& x) { return ir::round(x); });

  unary("isfinite", predicate_rule(), [](const Expr& x) { return ir::isfinite(x); });
  unary("isinf", predicate_rule(), [](const Expr& x) { return ir::isinf(x); });
  unary("isnan", predicate_rule(), [](const Expr& x) { return ir::isnan(x); });
  unary("signbit", predicate_rule(), [](const Expr& x) { return ir::signbit(x); });
}

}  // namespace tessera::ops::detail
