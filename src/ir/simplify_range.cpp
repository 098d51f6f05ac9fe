// Analyses of simplified nodes (simplify_internal.h): structural hashes, which let linear
// forms find equal atoms, and exact numeric ranges, which the rules consult before relying
// on an expression's mathematical value.
#include <cstring>

#include "simplify_internal.h"

namespace tessera::ir::detail {
namespace {

CI hull(CI a, CI b) { return {std::min(a.lo, b.lo), std::max(a.hi, b.hi)}; }
CI corners(CI a, CI b, i128 (*f)(i128, i128)) {
  i128 v[4] = {f(a.lo, b.lo), f(a.lo, b.hi), f(a.hi, b.lo), f(a.hi, b.hi)};
  return {*std::min_element(v, v + 4), *std::max_element(v, v + 4)};
}
// Floor division over intervals: monotone in each operand while the divisor keeps its sign.
CI div_range(CI x, CI y) {
  auto div = [](i128 a, i128 b) { return floor_div(a, b); };
  if (y.lo > 0 || y.hi < 0) return corners(x, y, div);
  CI r{0, 0};  // division by zero gives 0
  if (y.lo < 0) r = hull(r, corners(x, {y.lo, -1}, div));
  if (y.hi > 0) r = hull(r, corners(x, {1, y.hi}, div));
  return r;
}
CI mod_range(CI x, CI y) {
  if (y.lo == y.hi) {
    i128 c = y.lo;
    if (c == 0) return {0, 0};
    if (floor_div(x.lo, c) == floor_div(x.hi, c)) return {floor_mod(x.lo, c), floor_mod(x.hi, c)};
    return c > 0 ? CI{0, c - 1} : CI{c + 1, 0};
  }
  CI r{y.lo < 0 ? y.lo + 1 : 0, y.hi > 0 ? y.hi - 1 : 0};
  if (x.lo >= 0 && y.lo > 0) r.hi = std::min(r.hi, x.hi);
  return r;
}

}  // namespace

size_t Simplifier::hash(const Expr& e) {
  if (auto hit = hashes_.find(e)) return *hit;
  size_t h = static_cast<size_t>(e.kind()) * 0x9e3779b97f4a7c15ULL;
  auto mix = [&h](size_t x) { h ^= x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2); };
  DataType t = e.type();
  mix(static_cast<size_t>(t.code) << 24 | static_cast<size_t>(t.bits) << 16 | t.lanes);
  switch (e.kind()) {
    case ExprKind::IntImm: mix(static_cast<size_t>(e.as<IntImmNode>()->value)); break;
    case ExprKind::FloatImm: {
      uint64_t bits_of;
      std::memcpy(&bits_of, &e.as<FloatImmNode>()->value, sizeof bits_of);
      mix(bits_of);
      break;
    }
    case ExprKind::StringImm: mix(std::hash<std::string>()(e.as<StringImmNode>()->value)); break;
    case ExprKind::Cast: mix(hash(e.as<CastNode>()->value)); break;
    case ExprKind::Binary: {
      const auto* b = e.as<BinaryNode>();
      mix(static_cast<size_t>(b->op));
      mix(hash(b->a));
      mix(hash(b->b));
      break;
    }
    case ExprKind::Select: {
      const auto* s = e.as<SelectNode>();
      for (const Expr* x : {&s->cond, &s->true_value, &s->false_value}) mix(hash(*x));
      break;
    }
    case ExprKind::Call: {
      const auto* c = e.as<CallNode>();
      mix(static_cast<size_t>(c->op));
      for (const Expr& a : c->args) mix(hash(a));
      break;
    }
    case ExprKind::Load: {
      const auto* l = e.as<LoadNode>();
      mix(std::hash<const void*>()(l->buffer.get()));
      for (const Expr& i : l->indices) mix(hash(i));
      break;
    }
    case ExprKind::Ramp: {
      const auto* r = e.as<RampNode>();
      mix(hash(r->base));
      mix(hash(r->stride));
      break;
    }
    case ExprKind::Broadcast: mix(hash(e.as<BroadcastNode>()->value)); break;
    case ExprKind::Let: {
      const auto* l = e.as<LetNode>();
      mix(std::hash<const void*>()(l->var.get()));
      mix(hash(l->value));
      mix(hash(l->body));
      break;
    }
    default: mix(std::hash<const void*>()(e.get())); break;  // Var, Reduce: identity
  }
  hashes_.put(e, h);
  return h;
}

CI Simplifier::range(const Expr& e) {
  DataType t = e.type();
  if (!is_intlike_scalar(t)) return {-kInf, kInf};
  if (auto hit = ranges_.find(e)) return *hit;
  CI r = compute_range(e);
  ranges_.put(e, r);
  return r;
}

CI Simplifier::var_range(const VarNode* v) {
  if (auto it = var_ranges_.find(v); it != var_ranges_.end()) return it->second;
  CI r = type_range(v->type);
  const Interval* iv = lookup(v);
  if (!iv || var_ranges_in_progress_.count(v)) return r;  // cyclic bounds: give up on them
  var_ranges_in_progress_.insert(v);
  Interval bounds = *iv;  // the scope may change while the ends are simplified
  if (bounds.min.defined() && bounds.min.type() == v->type)
    r.lo = std::max(r.lo, range(mutate(bounds.min)).lo);
  if (bounds.max.defined() && bounds.max.type() == v->type)
    r.hi = std::min(r.hi, range(mutate(bounds.max)).hi);
  var_ranges_in_progress_.erase(v);
  var_ranges_[v] = r;
  return r;
}

CI Simplifier::compute_range(const Expr& e) {
  DataType t = e.type();
  switch (e.kind()) {
    case ExprKind::IntImm: {
      i128 v = *int_value(e);
      return {v, v};
    }
    case ExprKind::Var: return var_range(e.as<VarNode>());
    case ExprKind::Cast: {
      const Expr& v = e.as<CastNode>()->value;
      if (!is_intlike_scalar(v.type())) return type_range(t);
      CI r = range(v);
      if (t.is_bool()) return {(r.lo > 0 || r.hi < 0) ? 1 : 0, (r.lo == 0 && r.hi == 0) ? 0 : 1};
      return inside(r, t) ? r : type_range(t);
    }
    case ExprKind::Binary: return binary_range(e.as<BinaryNode>());
    case ExprKind::Select: {
      const auto* s = e.as<SelectNode>();
      return hull(range(s->true_value), range(s->false_value));
    }
    case ExprKind::Call: {
      const auto* c = e.as<CallNode>();
      if (c->args.size() == 1 && is_int_scalar(c->args[0].type()) && t.is_integer()) {
        CI a = range(c->args[0]);
        if (c->op == Intrinsic::Neg) return fit(t, {-a.hi, -a.lo});
        if (c->op == Intrinsic::Abs) {
          if (a.lo >= 0) return a;
          CI r = a.hi < 0 ? CI{-a.hi, -a.lo} : CI{0, std::max(-a.lo, a.hi)};
          return fit(t, r);
        }
      }
      return type_range(t);
    }
    case ExprKind::Let: {
      const auto* l = e.as<LetNode>();
      if (!is_intlike_scalar(l->var->type)) return range(l->body);
      Saved s = bind(l->var.get(), Interval(l->value, l->value), false);
      CI r = range(l->body);
      restore(s, false);
      return r;
    }
    default: return type_range(t);
  }
}

CI Simplifier::binary_range(const BinaryNode* b) {
  DataType t = b->type;
  if (is_comparison(b->op) || b->op == BinaryOp::And || b->op == BinaryOp::Or) return {0, 1};
  if (!is_intlike_scalar(b->a.type())) return type_range(t);
  CI x = range(b->a), y = range(b->b);
  switch (b->op) {
    case BinaryOp::Add: return fit(t, {x.lo + y.lo, x.hi + y.hi});
    case BinaryOp::Sub: return fit(t, {x.lo - y.hi, x.hi - y.lo});
    case BinaryOp::Mul: return fit(t, corners(x, y, sat_mul));
    case BinaryOp::Div: return fit(t, div_range(x, y));
    case BinaryOp::Mod: return fit(t, mod_range(x, y));
    case BinaryOp::Min: return {std::min(x.lo, y.lo), std::min(x.hi, y.hi)};
    case BinaryOp::Max: return {std::max(x.lo, y.lo), std::max(x.hi, y.hi)};
    case BinaryOp::BitAnd:
      if (x.lo >= 0 && y.lo >= 0) return {0, std::min(x.hi, y.hi)};
      if (x.lo >= 0) return {0, x.hi};
      if (y.lo >= 0) return {0, y.hi};
      return type_range(t);
    case BinaryOp::BitOr:
    case BinaryOp::BitXor: {
      if (x.lo < 0 || y.lo < 0) return type_range(t);
      i128 m = 1;
      while (m <= std::max(x.hi, y.hi)) m <<= 1;
      return {b->op == BinaryOp::BitOr ? std::max(x.lo, y.lo) : 0, m - 1};
    }
    case BinaryOp::Shr:
      if (y.lo == y.hi && y.lo >= 0 && y.lo < t.bits)
        return {x.lo >> static_cast<int>(y.lo), x.hi >> static_cast<int>(y.lo)};
      if (x.lo >= 0) return {0, x.hi};
      return type_range(t);
    default: return type_range(t);
  }
}

const std::vector<const VarNode*>& Simplifier::var_deps(const VarNode* v) {
  auto it = var_deps_.find(v);
  if (it != var_deps_.end()) return it->second;
  std::vector<const VarNode*> deps;
  if (const Interval* iv = lookup(v)) {
    for (const Expr* end : {&iv->min, &iv->max})
      if (end->defined())
        for (const Var& u : free_vars(*end)) deps.push_back(u.get());
  }
  return var_deps_[v] = std::move(deps);
}

}  // namespace tessera::ir::detail
