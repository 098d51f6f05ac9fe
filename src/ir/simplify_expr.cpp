// The expression rules (simplify_internal.h): constant folding, the dispatch of binary
// operators to their rules, bit operations, vectors, select, intrinsic calls and lets.
#include <cmath>

#include "simplify_internal.h"

namespace tessera::ir::detail {
namespace {

// ---- constant folding -----------------------------------------------------------------------

std::optional<Expr> fold_int(BinaryOp op, DataType t, i128 a, i128 b) {
  auto wrapped_mul = [](i128 x, i128 y) {
    return static_cast<i128>(static_cast<uint64_t>(x) * static_cast<uint64_t>(y));
  };
  bool arith = op == BinaryOp::Add || op == BinaryOp::Sub || op == BinaryOp::Mul ||
               op == BinaryOp::Div || op == BinaryOp::Mod || op == BinaryOp::Shl ||
               op == BinaryOp::Shr;
  if (t.is_bool() && arith) return std::nullopt;
  if (no_overflow_assumed(t)) {  // int64 overflow is outside the assumptions: leave it be
    std::optional<i128> exact;
    if (op == BinaryOp::Add) exact = a + b;
    if (op == BinaryOp::Sub) exact = a - b;
    if (op == BinaryOp::Mul) exact = a * b;
    if (op == BinaryOp::Div && b == -1) exact = -a;
    if (exact && (*exact < type_min(t) || *exact > type_max(t))) return std::nullopt;
  }
  switch (op) {
    case BinaryOp::Add: return make_int(t, a + b);
    case BinaryOp::Sub: return make_int(t, a - b);
    case BinaryOp::Mul: return make_int(t, wrapped_mul(a, b));
    case BinaryOp::Div: return make_int(t, b == 0 ? 0 : floor_div(a, b));
    case BinaryOp::Mod: return make_int(t, b == 0 ? 0 : floor_mod(a, b));
    case BinaryOp::Min: return make_int(t, std::min(a, b));
    case BinaryOp::Max: return make_int(t, std::max(a, b));
    case BinaryOp::EQ: return make_bool(a == b);
    case BinaryOp::NE: return make_bool(a != b);
    case BinaryOp::LT: return make_bool(a < b);
    case BinaryOp::LE: return make_bool(a <= b);
    case BinaryOp::GT: return make_bool(a > b);
    case BinaryOp::GE: return make_bool(a >= b);
    case BinaryOp::And: return make_bool(a != 0 && b != 0);
    case BinaryOp::Or: return make_bool(a != 0 || b != 0);
    case BinaryOp::BitAnd: return make_int(t, a & b);
    case BinaryOp::BitOr: return make_int(t, a | b);
    case BinaryOp::BitXor: return make_int(t, a ^ b);
    case BinaryOp::Shl:
      if (b < 0 || b >= t.bits) return make_int(t, 0);
      return make_int(t, static_cast<i128>(static_cast<uint64_t>(a) << static_cast<int>(b)));
    case BinaryOp::Shr:
      if (b < 0 || b >= t.bits) return make_int(t, t.is_int() && a < 0 ? -1 : 0);
      return make_int(t, a >> static_cast<int>(b));
  }
  return std::nullopt;
}

// Double arithmetic rounded once to float32 equals float32 arithmetic for + - * /.
std::optional<Expr> fold_float(BinaryOp op, DataType t, double x, double y) {
  if (!(t == DataType::Float(32) || t == DataType::Float(64))) return std::nullopt;
  double r;
  switch (op) {
    case BinaryOp::Add: r = x + y; break;
    case BinaryOp::Sub: r = x - y; break;
    case BinaryOp::Mul: r = x * y; break;
    case BinaryOp::Div: r = x / y; break;
    case BinaryOp::Min: r = (x <= y || std::isnan(x)) ? x : y; break;
    case BinaryOp::Max: r = (x >= y || std::isnan(x)) ? x : y; break;
    case BinaryOp::EQ: return make_bool(x == y);
    case BinaryOp::NE: return make_bool(x != y);
    case BinaryOp::LT: return make_bool(x < y);
    case BinaryOp::LE: return make_bool(x <= y);
    case BinaryOp::GT: return make_bool(x > y);
    case BinaryOp::GE: return make_bool(x >= y);
    default: return std::nullopt;
  }
  if (t.bits == 32) r = static_cast<double>(static_cast<float>(r));
  return FloatImmNode::make(t, r);
}

std::optional<Expr> fold_cast(DataType to, const Expr& v) {
  bool f32 = to == DataType::Float(32), f64 = to == DataType::Float(64);
  if (auto c = int_value(v)) {
    if (to.is_integer() || to.is_bool()) return make_int(to, *c);
    bool fits_signed = *c >= -kTwo63 && *c < kTwo63;
    auto s = static_cast<int64_t>(*c);
    auto u = static_cast<uint64_t>(*c);
    if (f64) return FloatImmNode::make(to, fits_signed ? static_cast<double>(s) : static_cast<double>(u));
    if (f32) return FloatImmNode::make(to, fits_signed ? static_cast<float>(s) : static_cast<float>(u));
    return std::nullopt;
  }
  const auto* f = v.as<FloatImmNode>();
  if (!f || !(f->type == DataType::Float(32) || f->type == DataType::Float(64))) return std::nullopt;
  double x = f->value;
  if (to.is_bool()) return make_bool(x != 0);
  if (to.is_integer()) {
    if (!std::isfinite(x)) return std::nullopt;
    double r = std::trunc(x);
    double lo = to.is_int() ? -std::ldexp(1.0, to.bits - 1) : 0.0;
    double hi = std::ldexp(1.0, to.is_int() ? to.bits - 1 : to.bits);
    if (r < lo || r >= hi) return std::nullopt;  // unspecified: leave it to the target
    return make_int(to, r < 0 ? static_cast<i128>(static_cast<int64_t>(r))
                              : static_cast<i128>(static_cast<uint64_t>(r)));
  }
  if (f64) return FloatImmNode::make(to, x);
  if (f32) return FloatImmNode::make(to, static_cast<double>(static_cast<float>(x)));
  return std::nullopt;
}

}  // namespace

// ---- expressions ----------------------------------------------------------------------------

Expr Simplifier::mutate_var(const VarNode* op, const Expr& self) {
  if (auto it = subst_.find(op); it != subst_.end()) return it->second;
  if (is_intlike_scalar(op->type) && lookup(op)) {
    CI r = var_range(op);
    if (r.lo == r.hi) return make_int(op->type, r.lo);
  }
  return self;
}

Expr Simplifier::mutate_cast(const CastNode* op, const Expr& self) {
  Expr v = mutate(op->value);
  DataType to = op->type, from = v.type();
  if (to == from) return v;
  if (to.is_scalar()) {
    if (auto folded = fold_cast(to, v)) return *folded;
    // cast(T, cast(U, y)) is cast(T, y) when U holds every value of y.
    const auto* inner = v.as<CastNode>();
    if (inner && is_intlike_scalar(to) && !to.is_bool() && is_intlike_scalar(from) &&
        is_intlike_scalar(inner->value.type()) && inside(range(inner->value), from)) {
      const Expr& y = inner->value;
      return y.type() == to ? y : mutate(CastNode::make(to, y));
    }
  }
  return v.same_as(op->value) ? self : CastNode::make(to, v);
}

// The recursion into children happens here; the rules live in combine(), whose large frame
// is then not on the stack of deep expressions.
Expr Simplifier::mutate_binary(const BinaryNode* op, const Expr& self) {
  bool linear_op = op->op == BinaryOp::Add || op->op == BinaryOp::Sub || op->op == BinaryOp::Mul;
  if (linear_op && is_int_scalar(op->a.type()))
    if (auto sum = canonical_sum(self)) return *sum;
  Expr a = mutate(op->a), b = mutate(op->b);
  return combine(op, self, a, b);
}

// Rebuilding an int64 sum whose coefficients left the type would hide wrap-around.
std::optional<Expr> Simplifier::canonical_sum(const Expr& e) {
  Linear l = linearize(e);
  if (!buildable(l)) return std::nullopt;
  return to_expr(l);
}

Expr Simplifier::combine(const BinaryNode* op, const Expr& self, const Expr& a, const Expr& b) {
  DataType t = op->a.type();
  std::function<Expr()> rebuild = [&] {
    return a.same_as(op->a) && b.same_as(op->b) ? self : bin(op->op, a, b);
  };
  if (!t.is_scalar()) return vector_binary(op->op, a, b, rebuild);
  auto ca = int_value(a), cb = int_value(b);
  if (ca && cb)
    if (auto r = fold_int(op->op, t, *ca, *cb)) return *r;
  if (t.is_float()) {
    const auto *fa = a.as<FloatImmNode>(), *fb = b.as<FloatImmNode>();
    if (fa && fb)
      if (auto r = fold_float(op->op, t, fa->value, fb->value)) return *r;
    // Exact identities only: x * 1 and x / 1 are x for every x, NaN included.
    if (fb && fb->value == 1.0 && (op->op == BinaryOp::Mul || op->op == BinaryOp::Div)) return a;
    if (fa && fa->value == 1.0 && op->op == BinaryOp::Mul) return b;
    return rebuild();
  }
  switch (op->op) {
    case BinaryOp::Div:
    case BinaryOp::Mod:
      return is_int_scalar(t) ? div_mod(op->op, a, b, rebuild) : rebuild();
    case BinaryOp::Min:
    case BinaryOp::Max:
      return is_int_scalar(t) ? min_max(op->op, a, b, rebuild) : rebuild();
    case BinaryOp::And:
      if (ca) return *ca ? b : make_bool(false);
      if (cb) return *cb ? a : make_bool(false);
      return equal(a, b) ? a : rebuild();
    case BinaryOp::Or:
      if (ca) return *ca ? make_bool(true) : b;
      if (cb) return *cb ? make_bool(true) : a;
      return equal(a, b) ? a : rebuild();
    case BinaryOp::BitAnd:
    case BinaryOp::BitOr:
    case BinaryOp::BitXor:
    case BinaryOp::Shl:
    case BinaryOp::Shr:
      return bits(op->op, a, b, rebuild);
    default:
      return is_comparison(op->op) ? compare(op->op, a, b, rebuild) : rebuild();
  }
}

Expr Simplifier::bits(BinaryOp op, const Expr& a, const Expr& b,
                      const std::function<Expr()>& rebuild) {
  DataType t = a.type();
  auto cb = int_value(b), ca = int_value(a);
  auto all_ones = [&](std::optional<i128> c) { return c && wrap_signed(t, *c) == (t.is_bool() ? 1 : -1); };
  switch (op) {
    case BinaryOp::BitAnd:
      if ((ca && *ca == 0) || (cb && *cb == 0)) return make_int(t, 0);
      if (all_ones(cb)) return a;
      if (all_ones(ca)) return b;
      return equal(a, b) ? a : rebuild();
    case BinaryOp::BitOr:
      if (cb && *cb == 0) return a;
      if (ca && *ca == 0) return b;
      if (all_ones(cb)) return b;
      if (all_ones(ca)) return a;
      return equal(a, b) ? a : rebuild();
    case BinaryOp::BitXor:
      if (cb && *cb == 0) return a;
      if (ca && *ca == 0) return b;
      return equal(a, b) ? make_int(t, 0) : rebuild();
    default:  // shifts
      return cb && *cb == 0 ? a : rebuild();
  }
}

Expr Simplifier::ramp(const Expr& base, const Expr& stride, int lanes) {
  Expr b = mutate(base), s = mutate(stride);
  if (auto c = int_value(s); c && *c == 0) return BroadcastNode::make(b, lanes);
  return RampNode::make(b, s, lanes);
}

// Broadcasts fold lane-wise; integer ramps absorb + - * with broadcasts (exact in Z/2^bits).
Expr Simplifier::vector_binary(BinaryOp op, const Expr& a, const Expr& b,
                               const std::function<Expr()>& rebuild) {
  const auto *ba = a.as<BroadcastNode>(), *bb = b.as<BroadcastNode>();
  if (ba && bb) return BroadcastNode::make(mutate(bin(op, ba->value, bb->value)), ba->lanes);
  if (!a.type().is_integer()) return rebuild();
  const auto *ra = a.as<RampNode>(), *rb = b.as<RampNode>();
  switch (op) {
    case BinaryOp::Add:
      if (ra && bb) return ramp(bin(op, ra->base, bb->value), ra->stride, ra->lanes);
      if (ba && rb) return ramp(bin(op, ba->value, rb->base), rb->stride, rb->lanes);
      if (ra && rb) return ramp(bin(op, ra->base, rb->base), bin(op, ra->stride, rb->stride), ra->lanes);
      break;
    case BinaryOp::Sub:
      if (ra && bb) return ramp(bin(op, ra->base, bb->value), ra->stride, ra->lanes);
      if (ba && rb)
        return ramp(bin(op, ba->value, rb->base), bin(op, make_int(rb->stride.type(), 0), rb->stride), rb->lanes);
      if (ra && rb) return ramp(bin(op, ra->base, rb->base), bin(op, ra->stride, rb->stride), ra->lanes);
      break;
    case BinaryOp::Mul:
      if (ra && bb) return ramp(bin(op, ra->base, bb->value), bin(op, ra->stride, bb->value), ra->lanes);
      if (ba && rb) return ramp(bin(op, ba->value, rb->base), bin(op, ba->value, rb->stride), rb->lanes);
      break;
    default: break;
  }
  return rebuild();
}

Expr Simplifier::mutate_select(const SelectNode* op, const Expr& self) {
  Expr c = mutate(op->cond), tv = mutate(op->true_value), fv = mutate(op->false_value);
  auto cv = int_value(c);
  if (const auto* bc = c.as<BroadcastNode>(); !cv && bc) cv = int_value(bc->value);
  if (cv) return *cv ? tv : fv;
  if (equal(tv, fv)) return tv;
  if (op->type == DataType::Bool() && c.type() == DataType::Bool()) {
    auto t1 = int_value(tv), f1 = int_value(fv);
    if (t1 && f1) return *t1 ? c : mutate(logical_not(c));
  }
  if (c.same_as(op->cond) && tv.same_as(op->true_value) && fv.same_as(op->false_value)) return self;
  return SelectNode::make(c, tv, fv);
}

Expr Simplifier::mutate_call(const CallNode* op, const Expr& self) {
  if (op->op == Intrinsic::Neg && is_int_scalar(op->type))
    if (auto sum = canonical_sum(self)) return *sum;
  Expr r = IRMutator::mutate_call(op, self);
  const auto* c = r.as<CallNode>();
  if (!c || c->args.size() != 1) return r;
  const Expr& x = c->args[0];
  DataType t = c->type;
  auto iv = int_value(x);
  const auto* fv = x.as<FloatImmNode>();
  bool exact_float = fv && (fv->type == DataType::Float(32) || fv->type == DataType::Float(64));
  switch (c->op) {
    case Intrinsic::Neg:
      if (fv) return FloatImmNode::make(t, -fv->value);
      break;
    case Intrinsic::Abs:
      if (iv && t.is_integer()) return make_int(t, abs128(*iv));
      if (exact_float) return FloatImmNode::make(t, std::fabs(fv->value));
      break;
    case Intrinsic::BitNot:
      if (iv && t.is_integer()) return make_int(t, ~*iv);
      break;
    case Intrinsic::LogicalNot: {
      if (iv) return make_bool(*iv == 0);
      if (const auto* inner = x.as<CallNode>(); inner && inner->op == Intrinsic::LogicalNot)
        return inner->args[0];
      const auto* cmp = x.as<BinaryNode>();
      bool eq_ne = cmp && (cmp->op == BinaryOp::EQ || cmp->op == BinaryOp::NE);
      // !(a < b) is a >= b except for NaN operands.
      if (cmp && is_comparison(cmp->op) && (eq_ne || !cmp->a.type().is_float()))
        return mutate(bin(negate_cmp(cmp->op), cmp->a, cmp->b));
      break;
    }
    default: break;
  }
  return r;
}

Expr Simplifier::mutate_ramp(const RampNode* op, const Expr& self) {
  Expr r = IRMutator::mutate_ramp(op, self);
  const auto* n = r.as<RampNode>();
  if (auto c = int_value(n->stride); c && *c == 0) return BroadcastNode::make(n->base, n->lanes);
  return r;
}

Expr Simplifier::mutate_let(const LetNode* op, const Expr& self) {
  Expr value = mutate(op->value);
  if (substitutable(op->var, value, Stmt(), &op->body)) {
    if (!first_binding(op->var.get())) clear_caches();
    subst_[op->var.get()] = value;
    Expr body = mutate(op->body);
    subst_.erase(op->var.get());
    return body;
  }
  std::optional<Saved> saved;
  if (is_intlike_scalar(op->var->type)) saved = bind(op->var.get(), Interval(value, value), false);
  Expr body = mutate(op->body);
  if (saved) restore(*saved, false);
  if (!uses_var(body, op->var.get()) && !used_by_buffers(Stmt(), &body, op->var.get())) return body;
  if (value.same_as(op->value) && body.same_as(op->body)) return self;
  return LetNode::make(op->var, value, body);
}

}  // namespace tessera::ir::detail
