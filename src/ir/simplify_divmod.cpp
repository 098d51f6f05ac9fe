// Floor division and modulo by constants (simplify_internal.h): folding within one period,
// nesting, and splitting a linear dividend into a quotient and a remainder.
#include "simplify_internal.h"

namespace tessera::ir::detail {
namespace {

i128 gcd128(i128 a, i128 b) {
  a = abs128(a);
  b = abs128(b);
  while (b != 0) {
    i128 t = a % b;
    a = b;
    b = t;
  }
  return a;
}
bool is_pow2(i128 c) { return c > 0 && (c & (c - 1)) == 0; }

}  // namespace

Expr Simplifier::div_mod(BinaryOp op, const Expr& a, const Expr& b,
                         const std::function<Expr()>& rebuild) {
  DataType t = a.type();
  bool is_div = op == BinaryOp::Div;
  if (auto ca = int_value(a); ca && *ca == 0) return make_int(t, 0);
  auto cb = int_value(b);
  if (!cb) return rebuild();
  i128 c = *cb;
  if (c == 0) return make_int(t, 0);
  if (c == 1) return is_div ? a : make_int(t, 0);
  if (t.is_int() && c == -1) {  // x / -1 == -x, wrapping like INT_MIN / -1
    if (!is_div) return make_int(t, 0);
    Linear n{t};
    add_scaled(n, linear_of(a), -1);
    return buildable(n) ? to_expr(n) : rebuild();
  }
  CI ra = range(a);
  i128 q = floor_div(ra.lo, c);
  if (q == floor_div(ra.hi, c)) {  // one period: a / c is constant, a % c is a - q * c
    if (is_div) return make_int(t, q);
    Linear r = linear_of(a);
    r.constant -= q * c;
    return buildable(r) ? to_expr(r) : rebuild();
  }
  if (const auto* inner = a.as<BinaryNode>(); inner && c > 0) {
    auto ci = int_value(inner->b);
    // (x / c1) / c2 == x / (c1 * c2) and (x % c1) % c2 == x % c2 when c2 divides c1.
    if (ci && *ci > 0 && is_div && inner->op == BinaryOp::Div && *ci * c <= type_max(t))
      return mutate(bin(BinaryOp::Div, inner->a, make_int(t, *ci * c)));
    if (ci && *ci > 0 && !is_div && inner->op == BinaryOp::Mod && *ci % c == 0)
      return mutate(bin(BinaryOp::Mod, inner->a, b));
  }
  Linear l = linear_of(a);
  std::optional<Expr> r = is_div ? (c > 0 ? divide(l, c) : std::nullopt) : modulo(l, c);
  return r ? *r : rebuild();
}

// (c * m + r) / c == m + r / c when nothing wraps; r / c folds when r's range allows.
std::optional<Expr> Simplifier::divide(const Linear& l, i128 c) {
  DataType t = l.type;
  if (!fits(l)) return std::nullopt;
  Linear m{t}, r{t};
  for (const Term& term : l.terms) {
    if (term.coef % c == 0) add_term(m, term.atom, term.coef / c);
    else add_term(r, term.atom, term.coef);
  }
  m.constant = floor_div(l.constant, c);
  r.constant = l.constant - m.constant * c;
  if (!has_terms(r, t)) return to_expr(m);
  if (!fits_exactly(r)) return std::nullopt;
  CI rr = interval(r);
  if (floor_div(rr.lo, c) == floor_div(rr.hi, c)) {
    m.constant += floor_div(rr.lo, c);
    return to_expr(m);
  }
  // (g * x) / c == x / (c / g) when g divides c.
  i128 g = gcd128(c, r.constant);
  for (const Term& term : r.terms) g = gcd128(g, term.coef);
  if (g > 1) {
    Linear reduced{t};
    for (const Term& term : r.terms) add_term(reduced, term.atom, term.coef / g);
    reduced.constant = r.constant / g;
    r = reduced;
    c /= g;
  } else if (!has_terms(m, t) && m.constant == 0) {
    return std::nullopt;  // nothing to split off
  }
  add_term(m, bin(BinaryOp::Div, to_expr(r), make_int(t, c)), 1);
  return to_expr(m);
}

// Terms whose coefficient c divides drop out of a % c. That holds in Z/2^bits only when c is
// a power of two; otherwise nothing may wrap.
std::optional<Expr> Simplifier::modulo(const Linear& l, i128 c) {
  DataType t = l.type;
  bool pow2 = is_pow2(abs128(c));
  if (!pow2 && !fits(l)) return std::nullopt;
  Linear r{t};
  bool changed = false;
  for (const Term& term : l.terms) {
    if (term.coef % c == 0) changed = changed || term.coef != 0;
    else add_term(r, term.atom, term.coef);
  }
  r.constant = floor_mod(l.constant, abs128(c));
  changed = changed || r.constant != l.constant;
  if (!pow2 && !fits_exactly(r)) return std::nullopt;
  if (!has_terms(r, t)) return make_int(t, floor_mod(r.constant, c));
  CI rr = fit(t, interval(r));
  i128 q = floor_div(rr.lo, c);
  if (q == floor_div(rr.hi, c)) {
    r.constant -= q * c;
    return buildable(r) ? std::optional<Expr>(to_expr(r)) : std::nullopt;
  }
  if (!changed) return std::nullopt;
  return bin(BinaryOp::Mod, to_expr(r), make_int(t, c));
}

}  // namespace tessera::ir::detail
