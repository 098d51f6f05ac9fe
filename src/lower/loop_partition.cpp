// Loop partitioning (see loop_partition.h).
//
// For each loop over v (GPU thread bindings excepted), every If conjunct `lhs cmp rhs`
// (cmp in <, <=, >, >=) whose two sides are linear in v is rewritten as `c * v + rest < 0`.
// With R the largest value of `rest` over the loops between v and the If, the conjunct
// holds for every inner iteration when
//   c > 0:  v <  floordiv(c - 1 - R, c)        (an upper bound, guard fails at the end)
//   c < 0:  v >= floordiv(R + |c|, |c|)        (a lower bound, guard fails at the start)
// provided R does not depend on v or on anything bound inside the loop. The loop becomes
// [min, lo) + [lo, hi) + [hi, min + extent) where [lo, hi) is the intersection of all
// such bounds clamped to the loop's range; the middle part has those conjuncts replaced by
// true. The outer parts keep the original body, except that a conjunct with no inner
// dependence (exact) is false there, so when one such bound decides a side its Ifs go and
// an outer part left without effects is dropped. Nested loops are partitioned afterwards,
// so 2-D tiles with two non-dividing axes get a guard-free main block, and tails become
// loops of computed extent. A Vectorized loop may thus get a symbolic extent: it was
// guarded, so it would have run serially anyway.
#include "lower/loop_partition.h"

#include <optional>
#include <unordered_set>

#include "tessera/ir/bounds.h"
#include "tessera/ir/functor.h"
#include "tessera/ir/op.h"
#include "tessera/ir/simplify.h"
#include "tessera/ir/utils.h"

namespace tessera::lower {
namespace {

using namespace ir;

// e == coeff * v + rest, with rest free of v.
struct LinearForm {
  int64_t coeff;
  Expr rest;
};

// Coefficients beyond this are not worth the overflow risk.
constexpr int64_t kMaxCoeff = int64_t{1} << 31;

Expr add_terms(const Expr& a, const Expr& b) {
  if (is_const_int(a, 0)) return b;
  if (is_const_int(b, 0)) return a;
  return a + b;
}

Expr sub_terms(const Expr& a, const Expr& b) {
  if (is_const_int(b, 0)) return a;
  return a - b;
}

std::optional<LinearForm> linear_in(const Expr& e, const VarNode* v) {
  if (!uses_var(e, v)) return LinearForm{0, e};
  if (e.get() == v) return LinearForm{1, make_zero(e.type())};
  if (const auto* call = e.as<CallNode>(); call && call->op == Intrinsic::Neg) {
    auto x = linear_in(call->args[0], v);
    if (!x) return std::nullopt;
    return LinearForm{-x->coeff, is_const_int(x->rest, 0) ? x->rest : -x->rest};
  }
  const auto* bin = e.as<BinaryNode>();
  if (!bin) return std::nullopt;
  switch (bin->op) {
    case BinaryOp::Add:
    case BinaryOp::Sub: {
      auto a = linear_in(bin->a, v);
      auto b = linear_in(bin->b, v);
      if (!a || !b) return std::nullopt;
      bool add = bin->op == BinaryOp::Add;
      int64_t c = add ? a->coeff + b->coeff : a->coeff - b->coeff;
      if (c > kMaxCoeff || c < -kMaxCoeff) return std::nullopt;
      return LinearForm{c, add ? add_terms(a->rest, b->rest) : sub_terms(a->rest, b->rest)};
    }
    case BinaryOp::Mul: {
      const Expr* factor = &bin->b;
      const Expr* term = &bin->a;
      if (!bin->b.as<IntImmNode>()) std::swap(factor, term);
      const auto* k = factor->as<IntImmNode>();
      if (!k || k->value > kMaxCoeff || k->value < -kMaxCoeff) return std::nullopt;
      auto t = linear_in(*term, v);
      if (!t) return std::nullopt;
      int64_t c = t->coeff * k->value;
      if (c > kMaxCoeff || c < -kMaxCoeff) return std::nullopt;
      Expr rest = is_const_int(t->rest, 0) ? t->rest : t->rest * *factor;
      return LinearForm{c, rest};
    }
    default:
      return std::nullopt;
  }
}

// The range of v where a guard conjunct holds for every inner iteration.
struct GuardBound {
  bool is_upper;  // v < bound when true, v >= bound otherwise
  Expr bound;
  bool exact;  // the conjunct depends on nothing inner: it is false outside that range
  // Upper bounds only: from this v on the conjunct is false for every inner iteration
  // (undefined when that point cannot be computed).
  Expr live_end;
};

bool contains_load(const Expr& e) {
  bool found = false;
  post_order_visit(e, [&](const Expr& x) { found = found || x.as<LoadNode>() != nullptr; });
  return found;
}

// What a loop over `var` knows while looking for guards in its body.
struct LoopContext {
  const VarNode* var;
  std::unordered_set<const VarNode*> bound_inside;  // vars bound within the loop (and var)
};

std::optional<GuardBound> analyze_conjunct(const Expr& cond, const LoopContext& loop,
                                           const BoundsScope& inner_scope) {
  Expr c = cond;
  bool negated = false;
  if (const auto* call = c.as<CallNode>(); call && call->op == Intrinsic::LogicalNot) {
    c = call->args[0];
    negated = true;
  }
  const auto* cmp = c.as<BinaryNode>();
  if (!cmp || cmp->a.type() != DataType::Index()) return std::nullopt;
  BinaryOp op = cmp->op;
  if (negated) {
    switch (op) {
      case BinaryOp::LT:
        op = BinaryOp::GE;
        break;
      case BinaryOp::LE:
        op = BinaryOp::GT;
        break;
      case BinaryOp::GT:
        op = BinaryOp::LE;
        break;
      case BinaryOp::GE:
        op = BinaryOp::LT;
        break;
      default:
        return std::nullopt;
    }
  }
  // Normalize to `lhs < rhs` or `lhs <= rhs`.
  Expr lhs, rhs;
  bool strict;
  switch (op) {
    case BinaryOp::LT:
      lhs = cmp->a;
      rhs = cmp->b;
      strict = true;
      break;
    case BinaryOp::LE:
      lhs = cmp->a;
      rhs = cmp->b;
      strict = false;
      break;
    case BinaryOp::GT:
      lhs = cmp->b;
      rhs = cmp->a;
      strict = true;
      break;
    case BinaryOp::GE:
      lhs = cmp->b;
      rhs = cmp->a;
      strict = false;
      break;
    default:
      return std::nullopt;
  }
  auto l = linear_in(lhs, loop.var);
  auto r = linear_in(rhs, loop.var);
  if (!l || !r) return std::nullopt;
  int64_t coeff = l->coeff - r->coeff;
  if (coeff == 0 || coeff > kMaxCoeff || coeff < -kMaxCoeff) return std::nullopt;
  // Condition: coeff * v + rest < 0.
  Expr rest = sub_terms(l->rest, r->rest);
  if (!strict) rest = rest - 1;
  if (contains_load(rest)) return std::nullopt;
  Expr rest_max = bounds_of(rest, inner_scope).max;
  if (!rest_max.defined() || contains_load(rest_max)) return std::nullopt;
  bool invariant =
      !uses_any(rest_max, [&](const VarNode* x) { return loop.bound_inside.count(x) != 0; });
  if (!invariant) return std::nullopt;
  bool exact = !uses_any(rest, [&](const VarNode* x) {
    return loop.bound_inside.count(x) != 0 || inner_scope.count(x) != 0;
  });
  if (coeff < 0) return GuardBound{false, simplify(floordiv(rest_max + Expr(-coeff), Expr(-coeff))), exact, Expr()};
  Expr live_end;
  Expr rest_min = bounds_of(rest, inner_scope).min;
  if (rest_min.defined() && !contains_load(rest_min) &&
      !uses_any(rest_min, [&](const VarNode* x) { return loop.bound_inside.count(x) != 0; }))
    live_end = simplify(floordiv(Expr(coeff - 1) - rest_min, Expr(coeff)));
  return GuardBound{true, simplify(floordiv(Expr(coeff - 1) - rest_max, Expr(coeff))), exact, live_end};
}

void split_conjuncts(const Expr& cond, std::vector<Expr>* out) {
  if (const auto* b = cond.as<BinaryNode>(); b && b->op == BinaryOp::And) {
    split_conjuncts(b->a, out);
    split_conjuncts(b->b, out);
  } else {
    out->push_back(cond);
  }
}

Interval loop_range(const ForNode* op) {
  return Interval(op->min, simplify(op->min + op->extent - 1));
}

// Walks a loop's body with the scope of its inner loops, in one of four modes:
// collect the guard bounds; in the main range, drop the conjuncts they came from (they
// hold); in the part past every upper bound (or before every lower bound), drop the Ifs
// whose exact conjunct is false there.
class GuardRemover : public IRMutator {
 public:
  enum class Mode { Collect, DropTrue, FalseAbove, FalseBelow };

  GuardRemover(const LoopContext& loop, Mode mode) : loop_(loop), mode_(mode) {}

  std::vector<GuardBound> collect(const Stmt& body) {
    mutate(body);
    return std::move(found_);
  }

  // After collect(): the points past which each effect's enclosing guard is false for every
  // inner iteration; empty when some effect is not under such a guard.
  std::vector<Expr> effect_live_ends() const {
    return unguarded_effect_ ? std::vector<Expr>{} : effect_live_ends_;
  }

 protected:
  Stmt mutate_for(const ForNode* op, const Stmt& self) override {
    scope_[op->var.get()] = loop_range(op);
    Stmt result = IRMutator::mutate_for(op, self);
    scope_.erase(op->var.get());
    return result;
  }

  Stmt mutate_if(const IfThenElseNode* op, const Stmt& self) override {
    std::vector<Expr> conjuncts;
    split_conjuncts(op->condition, &conjuncts);
    Expr kept;
    bool removed_any = false, is_false = false;
    for (const Expr& c : conjuncts) {
      auto bound = analyze_conjunct(c, loop_, scope_);
      if (bound && mode_ == Mode::Collect) found_.push_back(*bound);
      if (bound && bound->exact && bound->is_upper == (mode_ == Mode::FalseAbove)) is_false = true;
      if (bound && mode_ == Mode::DropTrue) {
        removed_any = true;
      } else {
        kept = kept.defined() ? BinaryNode::make(BinaryOp::And, kept, c) : c;
      }
    }
    bool falsifying = mode_ == Mode::FalseAbove || mode_ == Mode::FalseBelow;
    if (falsifying && is_false) {
      return op->else_case.defined() ? mutate(op->else_case) : SeqNode::make({});
    }
    if (mode_ == Mode::Collect) guards_.push_back(live_end_of(conjuncts));
    Stmt then_case = mutate(op->then_case);
    if (mode_ == Mode::Collect) guards_.pop_back();
    Stmt else_case = op->else_case.defined() ? mutate(op->else_case) : Stmt();
    if (mode_ == Mode::Collect) return self;
    if (!kept.defined()) return then_case;
    if (!removed_any && then_case.same_as(op->then_case) && else_case.same_as(op->else_case))
      return self;
    return IfThenElseNode::make(kept, then_case, else_case);
  }

  Stmt mutate_store(const StoreNode* op, const Stmt& self) override {
    note_effect();
    return IRMutator::mutate_store(op, self);
  }
  Stmt mutate_assert(const AssertNode* op, const Stmt& self) override {
    note_effect();
    return IRMutator::mutate_assert(op, self);
  }
  Stmt mutate_evaluate(const EvaluateNode* op, const Stmt& self) override {
    note_effect();
    return IRMutator::mutate_evaluate(op, self);
  }

 private:
  // The live end of an If's condition: any of its upper conjuncts being false suffices.
  Expr live_end_of(const std::vector<Expr>& conjuncts) const {
    for (const Expr& c : conjuncts)
      if (auto b = analyze_conjunct(c, loop_, scope_); b && b->is_upper && b->live_end.defined()) return b->live_end;
    return Expr();
  }

  void note_effect() {
    if (mode_ != Mode::Collect) return;
    for (auto it = guards_.rbegin(); it != guards_.rend(); ++it)
      if (it->defined()) {
        effect_live_ends_.push_back(*it);
        return;
      }
    unguarded_effect_ = true;
  }

  const LoopContext& loop_;
  Mode mode_;
  BoundsScope scope_;
  std::vector<GuardBound> found_;
  std::vector<Expr> guards_;  // live ends of the enclosing Ifs (undefined: none)
  std::vector<Expr> effect_live_ends_;
  bool unguarded_effect_ = false;
};

// Whether running s changes anything (a loop over such a body can be dropped).
bool has_effects(const Stmt& s) {
  bool found = false;
  post_order_visit(s, [&](const Stmt& x) {
    found = found || x.as<StoreNode>() || x.as<AssertNode>() || x.as<EvaluateNode>();
  });
  return found;
}

// True when every bound on one side is exact and they all are the same expression, so past
// that bound every such conjunct is false.
bool one_exact_bound(const std::vector<GuardBound>& bounds, bool upper) {
  const GuardBound* first = nullptr;
  for (const GuardBound& b : bounds) {
    if (b.is_upper != upper) continue;
    if (!b.exact || (first && !equal(first->bound, b.bound))) return false;
    if (!first) first = &b;
  }
  return first != nullptr;
}


// Every partitioned loop copies its body into up to three parts, and the loops inside each
// part are partitioned in turn, so a deep nest of non-dividing splits could grow the code
// exponentially (the program fuzzer found a 10-loop nest that took seconds to lower and
// more to compile). Along any path, parts multiply up to this many copies of a body; past
// it, only main parts are partitioned further and head and tail parts keep their guards.
constexpr int64_t kMaxBodyCopies = 27;  // three levels of head, main and tail

class LoopPartitioner : public IRMutator {
 protected:
  Stmt mutate_for(const ForNode* op, const Stmt& self) override {
    if (op->for_kind != ForKind::ThreadBinding && guarded_parts_ == 0) {
      if (Stmt split = try_partition(op); split.defined()) return split;
    }
    return recurse(op, self);
  }

 private:
  Stmt recurse(const ForNode* op, const Stmt& self) {
    scope_[op->var.get()] = loop_range(op);
    Stmt result = IRMutator::mutate_for(op, self);
    scope_.erase(op->var.get());
    return result;
  }

  Stmt mutate_in_range(const Stmt& body, const ForNode* op, const Expr& lo, const Expr& extent) {
    scope_[op->var.get()] = Interval(lo, simplify(lo + extent - 1, scope_));
    Stmt result = mutate(body);
    scope_.erase(op->var.get());
    return result;
  }

  bool provably_empty(const Expr& extent) const { return can_prove(extent <= 0, scope_); }

  // a <= b, also through floor division by one positive constant (monotone), which the
  // split extents (n + 15) / 16 against guard bounds n / 16 need.
  bool prove_le(const Expr& a, const Expr& b) const {
    if (can_prove(a <= b, scope_)) return true;
    const auto* da = a.as<BinaryNode>();
    const auto* db = b.as<BinaryNode>();
    if (!da || !db || da->op != BinaryOp::Div || db->op != BinaryOp::Div) return false;
    const auto* ka = da->b.as<IntImmNode>();
    const auto* kb = db->b.as<IntImmNode>();
    return ka && kb && ka->value == kb->value && ka->value > 0 && can_prove(da->a <= db->a, scope_);
  }

  Expr min_of(const Expr& a, const Expr& b) const {
    if (prove_le(a, b)) return a;
    if (prove_le(b, a)) return b;
    return simplify(min(a, b), scope_);
  }

  Expr max_of(const Expr& a, const Expr& b) const {
    if (prove_le(a, b)) return b;
    if (prove_le(b, a)) return a;
    return simplify(max(a, b), scope_);
  }

  // The partitioned loops, or an undefined Stmt when there is nothing to gain.
  Stmt try_partition(const ForNode* op) {
    using Mode = GuardRemover::Mode;
    LoopContext loop{op->var.get(), vars_bound_in(op->body)};
    loop.bound_inside.insert(op->var.get());
    GuardRemover collector(loop, Mode::Collect);
    std::vector<GuardBound> bounds = collector.collect(op->body);
    if (bounds.empty()) return Stmt();

    Expr begin = op->min;
    Expr end = simplify(add_terms(op->min, op->extent), scope_);
    // Past the last point where some effect's guard can hold, iterations do nothing.
    // (An exact upper bound already drops that part, see outer_body.)
    std::vector<Expr> live_ends = collector.effect_live_ends();
    if (!live_ends.empty() && !one_exact_bound(bounds, true)) {
      Expr live = live_ends[0];
      for (size_t i = 1; i < live_ends.size(); ++i) live = max_of(live, live_ends[i]);
      if (!prove_le(end, live)) end = max_of(min_of(live, end), begin);
    }
    Expr lo, hi;
    for (const GuardBound& b : bounds) {
      Expr& side = b.is_upper ? hi : lo;
      side =
          !side.defined() ? b.bound : (b.is_upper ? min_of(side, b.bound) : max_of(side, b.bound));
    }
    // Clamp to the loop's range: begin <= main_begin <= main_end <= end.
    Expr main_begin = lo.defined() ? min_of(max_of(lo, begin), end) : begin;
    Expr main_end = hi.defined() ? max_of(min_of(hi, end), main_begin) : end;
    Expr main_extent = simplify(sub_terms(main_end, main_begin), scope_);
    if (provably_empty(main_extent)) return Stmt();

    std::vector<Stmt> parts;
    const int64_t copies = body_copies_ * (1 + lo.defined() + hi.defined());
    const bool within_budget = copies <= kMaxBodyCopies;
    // Head and tail hold the few iterations a guard cuts off; running them in parallel
    // would cost a thread-pool dispatch for almost no work, so they run serially.
    auto add_part = [&](const Expr& from, const Expr& extent, const Stmt& body, bool main) {
      if (provably_empty(extent) || !has_effects(body)) return;
      ForKind kind = !main && op->for_kind == ForKind::Parallel ? ForKind::Serial : op->for_kind;
      const bool keep_guards = !main && !within_budget;
      const int64_t saved = body_copies_;
      body_copies_ = within_budget ? copies : saved;
      guarded_parts_ += keep_guards;
      Stmt part_body = mutate_in_range(body, op, from, extent);
      guarded_parts_ -= keep_guards;
      body_copies_ = saved;
      parts.push_back(ForNode::make(op->var, from, extent, kind, part_body, op->thread_tag));
    };
    // Outside the main range the guards stay, unless a single exact bound makes them false.
    auto outer_body = [&](bool upper) {
      if (!one_exact_bound(bounds, upper)) return op->body;
      return GuardRemover(loop, upper ? Mode::FalseAbove : Mode::FalseBelow).mutate(op->body);
    };
    if (lo.defined())
      add_part(begin, simplify(sub_terms(main_begin, begin), scope_), outer_body(false), false);
    add_part(main_begin, main_extent, GuardRemover(loop, Mode::DropTrue).mutate(op->body), true);
    if (hi.defined())
      add_part(main_end, simplify(sub_terms(end, main_end), scope_), outer_body(true), false);
    return SeqNode::make(std::move(parts));
  }

  BoundsScope scope_;         // ranges of the enclosing loops, for simplifying new bounds
  int64_t body_copies_ = 1;   // copies of the current body made by enclosing partitions
  int guarded_parts_ = 0;     // > 0 inside a head or tail part past the budget
};

}  // namespace

ir::Stmt partition_loops(const ir::Stmt& s) { return LoopPartitioner().mutate(s); }

}  // namespace tessera::lower
