// Interval analysis (bounds.h).
//
// bounds_of relaxes the scope's variables one at a time, dependents first: a variable whose
// bounds mention another scope variable is relaxed before that one, so `j - i` with j in
// [0, i] and i in [0, 9] gives [-9, 0] rather than [-9, 9]. Each step evaluates the interval
// of the current ends with one variable ranging over its bounds and the others held fixed,
// then simplifies them. As in the simplifier, int64 arithmetic is assumed not to overflow
// (constant ends are computed exactly and clipped to int64). Narrower and unsigned types may
// wrap, so their subexpressions get numeric intervals instead: every scope variable relaxed
// at once to constant bounds; an end that is not a constant inside the type falls back to
// the type's whole range.
#include "tessera/ir/bounds.h"

#include <algorithm>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "tessera/ir/simplify.h"
#include "tessera/ir/utils.h"

namespace tessera::ir {

bool Interval::is_single_point() const {
  return min.defined() && max.defined() && (min.same_as(max) || equal(min, max));
}

namespace {

using i128 = __int128;

bool is_intlike(DataType t) { return t.is_integer() || t.is_bool(); }
bool no_overflow_assumed(DataType t) { return t.is_int() && t.bits == 64; }
i128 type_min(DataType t) { return t.is_int() ? -(static_cast<i128>(1) << (t.bits - 1)) : 0; }
i128 type_max(DataType t) {
  if (t.is_bool()) return 1;
  return (static_cast<i128>(1) << (t.is_int() ? t.bits - 1 : t.bits)) - 1;
}
std::optional<i128> const_value(const Expr& e) {
  const auto* n = e.defined() ? e.as<IntImmNode>() : nullptr;
  if (!n) return std::nullopt;
  if (n->type.is_uint() && n->type.bits == 64) return static_cast<i128>(static_cast<uint64_t>(n->value));
  return n->value;  // stored wrapped: sign-extended for Int, zero-extended for UInt
}
i128 floor_div(i128 a, i128 b) {
  i128 q = a / b;
  if (a % b != 0 && ((a < 0) != (b < 0))) --q;
  return q;
}
Expr make_value(DataType t, i128 v) { return make_const(t, static_cast<int64_t>(static_cast<uint64_t>(v))); }

// Operations on interval ends; an undefined end (unbounded) stays undefined.
Expr bin(BinaryOp op, const Expr& a, const Expr& b) {
  return a.defined() && b.defined() ? BinaryNode::make(op, a, b) : Expr();
}
// For a min of lower ends both must be known; for a min of upper ends either suffices.
Expr min_of_lower(const Expr& a, const Expr& b) { return bin(BinaryOp::Min, a, b); }
Expr min_of_upper(const Expr& a, const Expr& b) {
  if (!a.defined()) return b;
  if (!b.defined()) return a;
  return BinaryNode::make(BinaryOp::Min, a, b);
}
Expr max_of_upper(const Expr& a, const Expr& b) { return bin(BinaryOp::Max, a, b); }
Expr max_of_lower(const Expr& a, const Expr& b) {
  if (!a.defined()) return b;
  if (!b.defined()) return a;
  return BinaryNode::make(BinaryOp::Max, a, b);
}
Expr not_of(const Expr& b) {
  return b.defined() ? CallNode::make(DataType::Bool(), Intrinsic::LogicalNot, {b}) : Expr();
}

// The exact value of an end built from constants by + - * / min max and value-preserving
// casts (no wrap-around).
std::optional<i128> exact_value(const Expr& e) {
  if (auto c = const_value(e)) return c;
  if (const auto* cast = e.defined() ? e.as<CastNode>() : nullptr) {
    auto v = exact_value(cast->value);
    DataType t = cast->type;
    if (!v || !t.is_scalar() || !t.is_integer() || *v < type_min(t) || *v > type_max(t)) return std::nullopt;
    return v;
  }
  const auto* b = e.defined() ? e.as<BinaryNode>() : nullptr;
  if (!b) return std::nullopt;
  auto x = exact_value(b->a), y = exact_value(b->b);
  if (!x || !y) return std::nullopt;
  i128 r;
  switch (b->op) {
    case BinaryOp::Add: return *x + *y;
    case BinaryOp::Sub: return *x - *y;
    case BinaryOp::Mul: return __builtin_mul_overflow(*x, *y, &r) ? std::nullopt : std::optional<i128>(r);
    case BinaryOp::Div: return *y == 0 ? 0 : floor_div(*x, *y);
    case BinaryOp::Min: return std::min(*x, *y);
    case BinaryOp::Max: return std::max(*x, *y);
    default: return std::nullopt;
  }
}

// An int64 end with exact value v. Beyond the type it is an overflowing sum of two
// constants, which the simplifier leaves unfolded and exact_value reads back; beyond twice
// the type it is dropped (unbounded).
Expr exact_end(DataType t, i128 v) {
  if (v >= type_min(t) && v <= type_max(t)) return make_value(t, v);
  i128 first = std::clamp(v, type_min(t), type_max(t)), rest = v - first;
  if (rest < type_min(t) || rest > type_max(t)) return Expr();
  return BinaryNode::make(BinaryOp::Add, make_value(t, first), make_value(t, rest));
}

Interval unknown(DataType t) {
  t = t.element_of();
  if (t.is_bool()) return {make_bool(false), make_bool(true)};
  if (!t.is_integer() || no_overflow_assumed(t)) return {};
  if (t.is_uint() && t.bits == 64) return {make_zero(t), Expr()};
  return {min_value(t), max_value(t)};
}

class Relaxer;

// Constant bounds of scope variables, found by relaxing their bounds' variables in turn.
class NumericScope {
 public:
  explicit NumericScope(const BoundsScope& scope) : scope_(scope) {}
  Interval of(const VarNode* v);

 private:
  const BoundsScope& scope_;
  std::unordered_map<const VarNode*, Interval> done_;
  std::unordered_set<const VarNode*> in_progress_;
};

// The interval of an expression while the variables in `relaxed` range over their intervals
// and every other variable is held fixed (in its scope range, if any). In numeric mode every
// scope variable ranges over its constant bounds.
class Relaxer {
 public:
  Relaxer(const BoundsScope& scope, std::unordered_map<const VarNode*, Interval> relaxed,
          NumericScope* numeric, bool numeric_mode = false)
      : scope_(scope), relaxed_(std::move(relaxed)), numeric_(numeric), numeric_mode_(numeric_mode) {}

  Interval eval(const Expr& e) {
    DataType t = e.type();
    if (t.is_scalar() && !depends(e)) return Interval::single_point(e);
    if (!is_intlike(t.element_of())) return {};
    // Narrow arithmetic may wrap: bound it numerically, with everything relaxed.
    DataType et = t.element_of();
    if (!numeric_mode_ && et.is_integer() && !no_overflow_assumed(et) && e.kind() != ExprKind::Var)
      return numeric(e);
    switch (e.kind()) {
      case ExprKind::Var: {
        const auto* v = e.as<VarNode>();
        auto it = relaxed_.find(v);
        if (it != relaxed_.end()) return it->second;
        return numeric_->of(v);  // numeric mode: a scope variable
      }
      case ExprKind::Cast: return eval_cast(e.as<CastNode>());
      case ExprKind::Binary: return eval_binary(e.as<BinaryNode>());
      case ExprKind::Select: return eval_select(e.as<SelectNode>());
      case ExprKind::Call: return eval_call(e.as<CallNode>());
      case ExprKind::Broadcast: return eval(e.as<BroadcastNode>()->value);
      case ExprKind::Ramp: {
        const auto* r = e.as<RampNode>();
        DataType it = r->base.type();
        Var lane("lane", it);
        relaxed_[lane.get()] = Interval(make_zero(it), make_value(it, r->lanes - 1));
        Interval out = eval(BinaryNode::make(BinaryOp::Add, r->base,
                                             BinaryNode::make(BinaryOp::Mul, lane, r->stride)));
        relaxed_.erase(lane.get());
        return out;
      }
      case ExprKind::Let: {
        const auto* l = e.as<LetNode>();
        let_vars_.insert(l->var.get());
        relaxed_[l->var.get()] = eval(l->value);
        Interval out = eval(l->body);
        relaxed_.erase(l->var.get());
        return out;
      }
      default: return unknown(t);
    }
  }

 private:
  bool depends(const Expr& e) {
    if (!e.defined()) return false;
    auto it = depends_.find(e.get());
    if (it != depends_.end()) return it->second.second;
    bool r = false;
    switch (e.kind()) {
      case ExprKind::Var: {
        const auto* v = e.as<VarNode>();
        r = relaxed_.count(v) || let_vars_.count(v) || (numeric_mode_ && scope_.count(v));
        break;
      }
      case ExprKind::Cast: r = depends(e.as<CastNode>()->value); break;
      case ExprKind::Binary: r = depends(e.as<BinaryNode>()->a) || depends(e.as<BinaryNode>()->b); break;
      case ExprKind::Select: {
        const auto* s = e.as<SelectNode>();
        r = depends(s->cond) || depends(s->true_value) || depends(s->false_value);
        break;
      }
      case ExprKind::Call:
        for (const Expr& a : e.as<CallNode>()->args) r = r || depends(a);
        break;
      case ExprKind::Load:
        for (const Expr& i : e.as<LoadNode>()->indices) r = r || depends(i);
        break;
      case ExprKind::Ramp: r = depends(e.as<RampNode>()->base) || depends(e.as<RampNode>()->stride); break;
      case ExprKind::Broadcast: r = depends(e.as<BroadcastNode>()->value); break;
      case ExprKind::Let: {
        const auto* l = e.as<LetNode>();
        let_vars_.insert(l->var.get());  // a let variable is always replaced by its interval
        r = depends(l->value) || depends(l->body);
        break;
      }
      case ExprKind::Reduce:
        r = uses_any(e, [&](const VarNode* v) { return relaxed_.count(v) > 0; });
        break;
      default: break;
    }
    depends_.emplace(e.get(), std::make_pair(e, r));
    return r;
  }

  Interval numeric(const Expr& e) {
    Relaxer all(scope_, {}, numeric_, true);
    for (const auto& [var, iv] : relaxed_)
      all.relaxed_[var] = Interval(iv.min.defined() ? all.eval(iv.min).min : Expr(),
                                   iv.max.defined() ? all.eval(iv.max).max : Expr());
    return all.eval(e);
  }

  bool prove(const Expr& cond) { return cond.defined() && can_prove(cond, scope_); }
  std::optional<i128> constant(const Expr& e) {
    return e.defined() ? const_value(simplify(e, scope_)) : std::nullopt;
  }

  // Computes constant ends exactly. An int64 end beyond the type stays exact (see
  // exact_end) until bounds_of clips the final end; narrower and unsigned arithmetic may
  // wrap, so an end outside the type, or not constant, gives the type's whole range.
  Interval checked(DataType t, Interval r) {
    t = t.element_of();
    auto lo = exact_value(r.min), hi = exact_value(r.max);
    if (no_overflow_assumed(t)) {
      // A constant end that cannot be computed exactly would be folded with wrap-around.
      auto exact = [&](const Expr& end, std::optional<i128> v) {
        if (v) return exact_end(t, *v);
        return end.defined() && free_vars(end).empty() ? Expr() : end;
      };
      return {exact(r.min, lo), exact(r.max, hi)};
    }
    if (lo && hi && *lo >= type_min(t) && *hi <= type_max(t)) return {make_value(t, *lo), make_value(t, *hi)};
    return unknown(t);
  }

  // p * [lo, hi] for p that does not vary.
  Interval scale(const Interval& x, const Expr& p, DataType t) {
    auto c = const_value(p);
    bool nonneg = c ? *c >= 0 : prove(BinaryNode::make(BinaryOp::GE, p, make_zero(p.type())));
    bool nonpos = c ? *c <= 0 : prove(BinaryNode::make(BinaryOp::LE, p, make_zero(p.type())));
    if (nonneg) return checked(t, {bin(BinaryOp::Mul, x.min, p), bin(BinaryOp::Mul, x.max, p)});
    if (nonpos) return checked(t, {bin(BinaryOp::Mul, x.max, p), bin(BinaryOp::Mul, x.min, p)});
    // Sign unknown: p * x is linear in x, so its extremes are at the ends of x's range.
    Expr at_min = bin(BinaryOp::Mul, x.min, p), at_max = bin(BinaryOp::Mul, x.max, p);
    if (at_min.defined() && at_max.defined())
      return checked(t, {min_of_lower(at_min, at_max), max_of_upper(at_min, at_max)});
    return unknown(t);
  }

  // Both operands vary: only constant ends can be combined (corners).
  std::optional<std::pair<i128, i128>> numeric(const Interval& x) {
    auto lo = constant(x.min), hi = constant(x.max);
    if (!lo || !hi) return std::nullopt;
    return std::make_pair(*lo, *hi);
  }

  Interval eval_binary(const BinaryNode* op) {
    DataType t = op->a.type().element_of();
    if (is_comparison(op->op)) return eval_compare(op);
    switch (op->op) {
      case BinaryOp::Add: {
        Interval a = eval(op->a), b = eval(op->b);
        return checked(t, {bin(BinaryOp::Add, a.min, b.min), bin(BinaryOp::Add, a.max, b.max)});
      }
      case BinaryOp::Sub: {
        Interval a = eval(op->a), b = eval(op->b);
        return checked(t, {bin(BinaryOp::Sub, a.min, b.max), bin(BinaryOp::Sub, a.max, b.min)});
      }
      case BinaryOp::Mul: {
        if (!depends(op->b) && op->b.type().is_scalar()) return scale(eval(op->a), op->b, t);
        if (!depends(op->a) && op->a.type().is_scalar()) return scale(eval(op->b), op->a, t);
        auto a = numeric(eval(op->a)), b = numeric(eval(op->b));
        if (!a || !b || t.is_uint()) return unknown(t);
        i128 v[4] = {a->first * b->first, a->first * b->second, a->second * b->first, a->second * b->second};
        i128 lo = *std::min_element(v, v + 4), hi = *std::max_element(v, v + 4);
        if (lo < type_min(t) || hi > type_max(t)) return unknown(t);
        return {make_value(t, lo), make_value(t, hi)};
      }
      case BinaryOp::Div: return eval_div(op, t);
      case BinaryOp::Mod: return eval_mod(op, t);
      case BinaryOp::Min: {
        Interval a = eval(op->a), b = eval(op->b);
        return {min_of_lower(a.min, b.min), min_of_upper(a.max, b.max)};
      }
      case BinaryOp::Max: {
        Interval a = eval(op->a), b = eval(op->b);
        return {max_of_lower(a.min, b.min), max_of_upper(a.max, b.max)};
      }
      case BinaryOp::And:
      case BinaryOp::Or: {  // monotone in both operands (false < true)
        Interval a = eval(op->a), b = eval(op->b);
        Expr lo = bin(op->op, a.min, b.min), hi = bin(op->op, a.max, b.max);
        return {lo.defined() ? lo : make_bool(false), hi.defined() ? hi : make_bool(true)};
      }
      case BinaryOp::BitAnd: {  // x & c lies in [0, c] for c >= 0
        for (const Expr* side : {&op->a, &op->b}) {
          auto c = const_value(*side);
          if (c && *c >= 0 && !t.is_bool()) return {make_zero(t), *side};
        }
        return unknown(t);
      }
      default: return unknown(t);
    }
  }

  Interval eval_div(const BinaryNode* op, DataType t) {
    Interval a = eval(op->a);
    if (!depends(op->b) && op->b.type().is_scalar()) {
      const Expr& p = op->b;
      auto c = const_value(p);
      bool pos = c ? *c > 0 : prove(BinaryNode::make(BinaryOp::GT, p, make_zero(p.type())));
      bool neg = c ? *c < 0 : prove(BinaryNode::make(BinaryOp::LT, p, make_zero(p.type())));
      if (c && *c == 0) return Interval::single_point(make_zero(t));
      if (pos) return {bin(BinaryOp::Div, a.min, p), bin(BinaryOp::Div, a.max, p)};
      if (neg) return checked(t, {bin(BinaryOp::Div, a.max, p), bin(BinaryOp::Div, a.min, p)});
      return unknown(t);
    }
    auto x = numeric(a), y = numeric(eval(op->b));
    if (!x || !y) return unknown(t);
    // Floor division is monotone in each operand while the divisor keeps its sign; zero gives 0.
    i128 lo = 0, hi = 0;
    bool any = y->first <= 0 && y->second >= 0;
    auto corner = [&](i128 d1, i128 d2) {
      for (i128 n : {x->first, x->second})
        for (i128 d : {d1, d2}) {
          i128 q = floor_div(n, d);
          lo = any ? std::min(lo, q) : q;
          hi = any ? std::max(hi, q) : q;
          any = true;
        }
    };
    if (y->first < 0) corner(y->first, std::min<i128>(y->second, -1));
    if (y->second > 0) corner(std::max<i128>(y->first, 1), y->second);
    if (lo < type_min(t) || hi > type_max(t)) return unknown(t);
    return {make_value(t, lo), make_value(t, hi)};
  }

  Interval eval_mod(const BinaryNode* op, DataType t) {
    if (!depends(op->b) && op->b.type().is_scalar()) {
      const Expr& p = op->b;
      if (auto c = const_value(p)) {
        if (*c == 0) return Interval::single_point(make_zero(t));
        if (*c < 0) return {make_value(t, *c + 1), make_zero(t)};
        Interval a = eval(op->a);
        if (auto x = numeric(a); x && floor_div(x->first, *c) == floor_div(x->second, *c)) {
          i128 q = floor_div(x->first, *c) * *c;
          return {make_value(t, x->first - q), make_value(t, x->second - q)};
        }
        // x % c == x when 0 <= x < c
        if (a.min.defined() && a.max.defined() &&
            prove(BinaryNode::make(BinaryOp::GE, a.min, make_zero(t))) &&
            prove(BinaryNode::make(BinaryOp::LT, a.max, p)))
          return a;
        return {make_zero(t), make_value(t, *c - 1)};
      }
      Expr one = make_value(t, 1);
      if (prove(BinaryNode::make(BinaryOp::GT, p, make_zero(t))))
        return {make_zero(t), BinaryNode::make(BinaryOp::Sub, p, one)};
      if (prove(BinaryNode::make(BinaryOp::LT, p, make_zero(t))))
        return {BinaryNode::make(BinaryOp::Add, p, one), make_zero(t)};
      return unknown(t);
    }
    auto y = numeric(eval(op->b));
    if (!y) return unknown(t);
    return {make_value(t, y->first < 0 ? y->first + 1 : 0), make_value(t, y->second > 0 ? y->second - 1 : 0)};
  }

  Interval eval_compare(const BinaryNode* op) {
    Interval unsure{make_bool(false), make_bool(true)};
    if (!is_intlike(op->a.type().element_of())) return unsure;
    Interval a = eval(op->a), b = eval(op->b);
    auto lt = [&](const Expr& x, const Expr& y) { return prove(bin(BinaryOp::LT, x, y)); };
    auto le = [&](const Expr& x, const Expr& y) { return prove(bin(BinaryOp::LE, x, y)); };
    bool yes = false, no = false;
    switch (op->op) {
      case BinaryOp::LT: yes = lt(a.max, b.min); no = le(b.max, a.min); break;
      case BinaryOp::LE: yes = le(a.max, b.min); no = lt(b.max, a.min); break;
      case BinaryOp::GT: yes = lt(b.max, a.min); no = le(a.max, b.min); break;
      case BinaryOp::GE: yes = le(b.max, a.min); no = lt(a.max, b.min); break;
      case BinaryOp::EQ:
      case BinaryOp::NE: {
        bool differ = lt(a.max, b.min) || lt(b.max, a.min);
        bool same = le(a.max, b.min) && le(b.max, a.min);
        yes = op->op == BinaryOp::EQ ? same : differ;
        no = op->op == BinaryOp::EQ ? differ : same;
        break;
      }
      default: break;
    }
    if (yes) return Interval::single_point(make_bool(true));
    if (no) return Interval::single_point(make_bool(false));
    return unsure;
  }

  Interval eval_select(const SelectNode* op) {
    Interval c = eval(op->cond);
    if (auto lo = constant(c.min); lo && *lo) return eval(op->true_value);
    if (auto hi = constant(c.max); hi && !*hi) return eval(op->false_value);
    Interval x = eval(op->true_value), y = eval(op->false_value);
    return {min_of_lower(x.min, y.min), max_of_upper(x.max, y.max)};
  }

  Interval eval_cast(const CastNode* op) {
    DataType to = op->type.element_of(), from = op->value.type().element_of();
    if (!is_intlike(from)) return unknown(to);
    Interval v = eval(op->value);
    auto cast_to = [&](const Expr& x) { return x.defined() ? CastNode::make(to, x) : Expr(); };
    if (to.is_bool()) return unknown(to);
    bool lossless = from.is_bool() || (from.code == to.code && to.bits >= from.bits) ||
                    (from.is_uint() && to.is_int() && to.bits > from.bits);
    if (lossless) return {cast_to(v.min), cast_to(v.max)};
    auto x = numeric(v);
    if (x && x->first >= type_min(to) && x->second <= type_max(to))
      return {make_value(to, x->first), make_value(to, x->second)};
    return unknown(to);
  }

  Interval eval_call(const CallNode* op) {
    DataType t = op->type.element_of();
    if (op->op == Intrinsic::Neg && op->args.size() == 1 && t.is_integer()) {
      Interval a = eval(op->args[0]);
      Expr zero = make_zero(t);
      return checked(t, {bin(BinaryOp::Sub, zero, a.max), bin(BinaryOp::Sub, zero, a.min)});
    }
    if (op->op == Intrinsic::LogicalNot && op->args.size() == 1) {
      Interval a = eval(op->args[0]);
      Expr lo = not_of(a.max), hi = not_of(a.min);
      return {lo.defined() ? lo : make_bool(false), hi.defined() ? hi : make_bool(true)};
    }
    return unknown(t);
  }

  const BoundsScope& scope_;
  std::unordered_map<const VarNode*, Interval> relaxed_;
  NumericScope* numeric_;
  bool numeric_mode_;
  std::unordered_set<const VarNode*> let_vars_;
  std::unordered_map<const ExprNode*, std::pair<Expr, bool>> depends_;
};

// A scope entry with its ends usable for v (ends of another type are dropped).
Interval usable_range(const VarNode* v, const Interval& r) {
  auto fits = [&](const Expr& x) { return x.defined() && x.type() == v->type ? x : Expr(); };
  return {fits(r.min), fits(r.max)};
}

Interval NumericScope::of(const VarNode* v) {
  if (auto it = done_.find(v); it != done_.end()) return it->second;
  if (!scope_.count(v) || in_progress_.count(v)) return unknown(v->type);  // cyclic bounds
  in_progress_.insert(v);
  Interval r = usable_range(v, scope_.at(v));
  Relaxer all(scope_, {}, this, true);
  auto constant_end = [&](const Expr& end, bool lower) {
    if (!end.defined()) return Expr();
    Interval b = all.eval(end);
    Expr x = lower ? b.min : b.max;
    return x.defined() && x.as<IntImmNode>() ? x : Expr();
  };
  Interval out(constant_end(r.min, true), constant_end(r.max, false));
  Interval whole = unknown(v->type);
  if (!out.min.defined()) out.min = whole.min;
  if (!out.max.defined()) out.max = whole.max;
  in_progress_.erase(v);
  return done_[v] = out;
}

// Scope variables reachable from `roots` through their bounds, dependents before the
// variables their bounds mention.
std::vector<const VarNode*> relax_order(const std::vector<Expr>& roots, const BoundsScope& scope) {
  std::vector<const VarNode*> post;
  std::unordered_map<const VarNode*, int> state;  // 1: on the stack, 2: done
  std::function<void(const VarNode*)> visit = [&](const VarNode* v) {
    state[v] = 1;
    const Interval& r = scope.at(v);
    for (const Expr* end : {&r.min, &r.max}) {
      if (!end->defined()) continue;
      for (const Var& u : free_vars(*end))
        if (scope.count(u.get()) && !state.count(u.get())) visit(u.get());
    }
    state[v] = 2;
    post.push_back(v);
  };
  for (const Expr& root : roots) {
    if (!root.defined()) continue;
    for (const Var& v : free_vars(root))
      if (scope.count(v.get()) && !state.count(v.get())) visit(v.get());
  }
  std::reverse(post.begin(), post.end());
  return post;
}

// Simplifies an end. A constant int64 end is computed exactly and clipped to the type: the
// simplifier leaves int64 constant arithmetic that overflows unfolded.
Expr finish(const Expr& end, const BoundsScope& scope) {
  if (!end.defined()) return end;
  Expr s = simplify(end, scope);
  DataType t = s.type();
  if (!no_overflow_assumed(t) || s.as<IntImmNode>() || !free_vars(s).empty()) return s;
  auto v = exact_value(s);
  return v ? make_value(t, std::clamp(*v, type_min(t), type_max(t))) : s;
}

}  // namespace

Interval bounds_of(const Expr& e, const BoundsScope& scope) {
  if (!e.defined() || !is_intlike(e.type().element_of())) return {};
  Expr s = simplify(e, scope);
  NumericScope numeric(scope);
  DataType t = s.type().element_of();
  if (t.is_integer() && !no_overflow_assumed(t)) {  // may wrap: numeric bounds
    Interval r = Relaxer(scope, {}, &numeric, true).eval(s);
    return Interval(r.min.defined() ? simplify(r.min, scope) : r.min, r.max.defined() ? simplify(r.max, scope) : r.max);
  }
  Interval cur = s.type().is_vector() ? Relaxer(scope, {}, &numeric).eval(s) : Interval::single_point(s);
  for (const VarNode* v : relax_order({cur.min, cur.max}, scope)) {
    bool in_min = cur.min.defined() && uses_var(cur.min, v);
    bool in_max = cur.max.defined() && uses_var(cur.max, v);
    if (!in_min && !in_max) continue;
    Relaxer relax(scope, {{v, usable_range(v, scope.at(v))}}, &numeric);
    Expr lo = in_min ? relax.eval(cur.min).min : cur.min;
    Expr hi = in_max ? relax.eval(cur.max).max : cur.max;
    cur = Interval(finish(lo, scope), finish(hi, scope));
  }
  return cur;
}

Interval bounds_of_relaxed(const Expr& e, const Var& v, const Interval& range,
                           const BoundsScope& scope) {
  BoundsScope relaxed = scope;
  relaxed[v.get()] = range;
  return bounds_of(e, relaxed);
}

}  // namespace tessera::ir
