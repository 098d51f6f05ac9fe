// The prover and the rules that rely on it (simplify_internal.h): upper and lower bounds of
// int64 linear forms beyond their plain intervals, min/max selection, and comparisons.
#include "simplify_internal.h"

namespace tessera::ir::detail {
namespace {

// Ordinary inputs nest at most once and stay far below these; they bound the stack and
// the work on cyclic bounds (simplify_internal.h).
constexpr int kStepsPerQuery = 24;
constexpr int kStepsPerOutermostQuery = 1024;  // its nested queries' steps included
constexpr int kMaxNesting = 8;

}  // namespace

i128 Simplifier::bounded_upper_bound(const Linear& l) {
  if (prover_nesting_ == 0) prover_steps_left_ = kStepsPerOutermostQuery;
  int budget = prover_nesting_ < kMaxNesting ? kStepsPerQuery : 0;  // 0: the plain interval
  struct Nest {
    int& depth;
    explicit Nest(int& d) : depth(d) { ++depth; }
    ~Nest() { --depth; }
  } nest(prover_nesting_);
  return upper_bound(l, budget);
}

// An upper bound of l's value: its interval, improved by splitting a min/max atom
// (c * min(x, y) <= c * x and <= c * y for c > 0), by replacing a variable with its symbolic
// bound (variables whose bounds mention no other present variable's bound first), and by
// c * (x / d) <= (c / d) * x.
i128 Simplifier::upper_bound(const Linear& l, int& budget) {
  if (l.wrapped) return kInf;  // no longer the polynomial's value
  i128 best = interval(l).hi;
  if (!no_overflow_assumed(l.type) || budget <= 0 || prover_steps_left_ <= 0) return best;
  --budget;
  --prover_steps_left_;
  for (size_t i = 0; i < l.terms.size(); ++i) {
    const Term& term = l.terms[i];
    const auto* mm = term.atom.as<BinaryNode>();
    if (term.coef == 0 || !mm || (mm->op != BinaryOp::Min && mm->op != BinaryOp::Max)) continue;
    i128 ua = upper_bound(replace_term(l, i, mm->a), budget);
    i128 ub = upper_bound(replace_term(l, i, mm->b), budget);
    bool both_bound = (mm->op == BinaryOp::Min) == (term.coef > 0);
    return std::min(best, both_bound ? std::min(ua, ub) : std::max(ua, ub));
  }
  for (size_t i = 0; i < l.terms.size(); ++i) {
    const Term& term = l.terms[i];
    const auto* v = term.atom.as<VarNode>();
    const Interval* iv = v && term.coef != 0 ? lookup(v) : nullptr;
    if (!iv) continue;
    Interval bounds = *iv;
    Expr end = term.coef > 0 ? bounds.max : bounds.min;
    if (!end.defined() || end.type() != v->type) continue;
    end = mutate(end);
    if (end.as<IntImmNode>()) continue;  // already in the interval
    bool needed_by_other = false;
    for (const Term& other : l.terms) {
      const auto* u = other.atom.as<VarNode>();
      if (!u || u == v || other.coef == 0) continue;
      const auto& deps = var_deps(u);
      needed_by_other = needed_by_other || std::find(deps.begin(), deps.end(), v) != deps.end();
    }
    if (needed_by_other) continue;
    return std::min(best, upper_bound(replace_term(l, i, end), budget));
  }
  for (size_t i = 0; i < l.terms.size(); ++i) {
    const Term& term = l.terms[i];
    const auto* d = term.atom.as<BinaryNode>();
    if (!d || d->op != BinaryOp::Div) continue;
    auto c = int_value(d->b);
    if (!c || *c <= 0 || term.coef % *c != 0) continue;
    Linear r = l;
    r.terms[i].coef = 0;
    Linear x = linear_of(d->a);
    if (term.coef < 0) x.constant -= *c - 1;
    add_scaled(r, x, term.coef / *c);
    return std::min(best, upper_bound(r, budget));
  }
  return best;
}

bool Simplifier::proves_le(const Linear& d, i128 bound) {
  if (d.wrapped) return false;
  if (interval(d).hi <= bound) return true;
  return no_overflow_assumed(d.type) && bounded_upper_bound(d) <= bound;
}

bool Simplifier::proves_ge(const Linear& d, i128 bound) {
  if (d.wrapped) return false;
  if (interval(d).lo >= bound) return true;
  if (!no_overflow_assumed(d.type)) return false;
  Linear n{d.type};
  add_scaled(n, d, -1);
  return -bounded_upper_bound(n) >= bound;
}

Expr Simplifier::min_max(BinaryOp op, Expr a, Expr b, const std::function<Expr()>& rebuild) {
  DataType t = a.type();
  bool is_min = op == BinaryOp::Min;
  bool swapped = false;
  if (int_value(a) && !int_value(b)) {  // constants go right
    std::swap(a, b);
    swapped = true;
  }
  Linear la = linear_of(a), lb = linear_of(b);
  Linear d = minus(la, lb);
  if (!has_terms(d, t) && wrap_signed(t, d.constant) == 0) return a;
  if (fits(la) && fits(lb)) {
    if (proves_le(d, 0)) return is_min ? a : b;
    if (proves_ge(d, 0)) return is_min ? b : a;
  }
  // min(min(x, c1), c2) == min(x, min(c1, c2))
  if (auto cb = int_value(b)) {
    const auto* inner = a.as<BinaryNode>();
    if (inner && inner->op == op)
      if (auto ci = int_value(inner->b))
        return bin(op, inner->a, make_int(t, is_min ? std::min(*ci, *cb) : std::max(*ci, *cb)));
  }
  return swapped ? bin(op, a, b) : rebuild();
}

// Folds what the ranges decide; otherwise rewrites to `positive terms op negative terms`,
// which cancels common terms and moves the constant right.
Expr Simplifier::compare(BinaryOp op, const Expr& a, const Expr& b,
                         const std::function<Expr()>& rebuild) {
  DataType t = a.type();
  bool eq_ne = op == BinaryOp::EQ || op == BinaryOp::NE;
  if (!is_int_scalar(t)) {
    if (t.is_bool() && equal(a, b)) return make_bool(op == BinaryOp::EQ || op == BinaryOp::LE || op == BinaryOp::GE);
    return rebuild();
  }
  Linear la = linear_of(a), lb = linear_of(b);
  Linear d = minus(la, lb);
  if (!has_terms(d, t)) {  // a - b is a constant in Z/2^bits
    i128 k = wrap_signed(t, d.constant);
    if (k == 0) return make_bool(op == BinaryOp::EQ || op == BinaryOp::LE || op == BinaryOp::GE);
    if (eq_ne) return make_bool(op == BinaryOp::NE);
  }
  bool exact = fits(la) && fits(lb);
  if (exact) {
    switch (op) {
      case BinaryOp::LT:
        if (proves_le(d, -1)) return make_bool(true);
        if (proves_ge(d, 0)) return make_bool(false);
        break;
      case BinaryOp::LE:
        if (proves_le(d, 0)) return make_bool(true);
        if (proves_ge(d, 1)) return make_bool(false);
        break;
      case BinaryOp::GT:
        if (proves_ge(d, 1)) return make_bool(true);
        if (proves_le(d, 0)) return make_bool(false);
        break;
      case BinaryOp::GE:
        if (proves_ge(d, 0)) return make_bool(true);
        if (proves_le(d, -1)) return make_bool(false);
        break;
      default:  // EQ, NE
        if (proves_ge(d, 1) || proves_le(d, -1)) return make_bool(op == BinaryOp::NE);
        break;
    }
  }
  // Canonical form: P op N - k where d = P - N + k. Valid in Z/2^bits for == and !=; for
  // ordered comparisons only when neither side wraps.
  Linear p{t}, n{t};
  for (const Term& term : d.terms) {
    if (wrap_signed(t, term.coef) == 0) continue;
    if (term.coef > 0) add_term(p, term.atom, term.coef);
    else add_term(n, term.atom, -term.coef);
  }
  if (p.terms.empty() && n.terms.empty()) return rebuild();
  Expr lhs, rhs;
  BinaryOp cmp = op;
  if (p.terms.empty()) {  // k op N: put the constant right
    if (!eq_ne && !(exact && fits_exactly(n) && inside({d.constant, d.constant}, t))) return rebuild();
    if (!buildable(n) || (no_overflow_assumed(t) && !inside({d.constant, d.constant}, t))) return rebuild();
    lhs = to_expr(n);
    rhs = make_int(t, d.constant);
    cmp = swap_cmp(op);
  } else {
    n.constant = -d.constant;
    if (!eq_ne && !(exact && fits_exactly(p) && fits_exactly(n))) return rebuild();
    if (!buildable(p) || !buildable(n)) return rebuild();
    lhs = to_expr(p);
    rhs = to_expr(n);
  }
  if (cmp == op && equal(lhs, a) && equal(rhs, b)) return rebuild();
  return bin(cmp, lhs, rhs);
}

}  // namespace tessera::ir::detail
