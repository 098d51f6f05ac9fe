// Linear forms (simplify_internal.h): flattening integer sums into sum(atom * coef) +
// constant, and rebuilding the canonical sum from a form.
#include "simplify_internal.h"

namespace tessera::ir::detail {
namespace {

// Past this many terms a form looks its atoms up through a hash index.
constexpr size_t kIndexFrom = 16;

}  // namespace

void Simplifier::add_term(Linear& l, const Expr& atom, i128 coef) {
  if (coef == 0) return;
  size_t h = hash(atom);
  auto same = [&](const Term& t) { return t.hash == h && (t.atom.same_as(atom) || equal(t.atom, atom)); };
  if (l.terms.size() < kIndexFrom) {
    for (Term& t : l.terms)
      if (same(t)) {
        t.coef = l.reduce(t.coef + coef);
        return;
      }
  } else {
    if (l.index.empty())
      for (size_t i = 0; i < l.terms.size(); ++i) l.index.emplace(l.terms[i].hash, i);
    auto [lo, hi] = l.index.equal_range(h);
    for (auto it = lo; it != hi; ++it)
      if (same(l.terms[it->second])) {
        Term& t = l.terms[it->second];
        t.coef = l.reduce(t.coef + coef);
        return;
      }
    l.index.emplace(h, l.terms.size());
  }
  l.terms.push_back({atom, h, l.reduce(coef)});
}

void Simplifier::add_scaled(Linear& l, const Linear& other, i128 scale) {
  l.wrapped = l.wrapped || other.wrapped;
  for (const Term& t : other.terms) add_term(l, t.atom, l.mul(t.coef, scale));
  l.constant = l.reduce(l.constant + l.mul(other.constant, scale));
}

// Adds scale * e to l. Unsimplified leaves are simplified first; a simplified leaf that is
// itself a sum contributes its terms. Chains of + and - are walked with a work list, so long
// sums do not deepen the stack.
void Simplifier::accumulate(Linear& l, const Expr& e, i128 scale, bool simplified) {
  std::vector<std::pair<const Expr*, i128>> work{{&e, scale}};
  while (!work.empty()) {
    auto [x, s] = work.back();
    work.pop_back();
    const auto* b = x->as<BinaryNode>();
    if (b && is_int_scalar(b->type) && (b->op == BinaryOp::Add || b->op == BinaryOp::Sub)) {
      work.emplace_back(&b->b, b->op == BinaryOp::Add ? s : -s);  // the left operand goes first
      work.emplace_back(&b->a, s);
    } else {
      accumulate_leaf(l, *x, s, simplified);
    }
  }
}

void Simplifier::accumulate_leaf(Linear& l, const Expr& e, i128 scale, bool simplified) {
  DataType t = l.type;
  if (auto c = int_value(e)) {
    l.constant = l.reduce(l.constant + l.mul(*c, scale));
    return;
  }
  if (const auto* b = e.as<BinaryNode>(); b && is_int_scalar(b->type)) {
    switch (b->op) {
      case BinaryOp::Mul: {
        Linear x{t}, y{t};
        accumulate(x, b->a, 1, simplified);
        accumulate(y, b->b, 1, simplified);
        l.wrapped = l.wrapped || x.wrapped || y.wrapped;
        bool x_const = !has_terms(x, t), y_const = !has_terms(y, t);
        if (x_const || y_const) {
          add_scaled(l, x_const ? y : x, l.mul(scale, x_const ? x.constant : y.constant));
          return;
        }
        if (simplified) {  // already a product atom
          add_term(l, e, scale);
          return;
        }
        // A product of two non-constant factors is an atom; constant factors move out of it.
        auto factor = [&](Linear& f, i128* c) {
          std::vector<Term> live;
          for (const Term& term : f.terms)
            if (wrap_signed(t, term.coef) != 0) live.push_back(term);
          if (live.size() == 1 && wrap_signed(t, f.constant) == 0) {
            *c = live[0].coef;
            return live[0].atom;
          }
          *c = 1;
          l.wrapped = l.wrapped || !buildable(f);
          return to_expr(f);
        };
        i128 cx, cy;
        Expr fx = factor(x, &cx), fy = factor(y, &cy);
        add_term(l, bin(BinaryOp::Mul, fx, fy), l.mul(scale, l.mul(cx, cy)));
        return;
      }
      default: break;
    }
  }
  if (const auto* c = e.as<CallNode>();
      c && c->op == Intrinsic::Neg && c->args.size() == 1 && is_int_scalar(c->type)) {
    accumulate(l, c->args[0], -scale, simplified);
    return;
  }
  if (simplified) {
    add_term(l, e, scale);
    return;
  }
  Expr s = mutate(e);
  if (s.as<IntImmNode>() || s.as<CallNode>() ||  // a Neg, or an atom
      (s.as<BinaryNode>() && (s.as<BinaryNode>()->op == BinaryOp::Add ||
                              s.as<BinaryNode>()->op == BinaryOp::Sub ||
                              s.as<BinaryNode>()->op == BinaryOp::Mul))) {
    accumulate(l, s, scale, true);
  } else {
    add_term(l, s, scale);
  }
}

Expr Simplifier::to_expr(const Linear& l) {
  DataType t = l.type;
  i128 min_rep = -(static_cast<i128>(1) << (t.bits - 1));  // its own negation
  auto term_expr = [&](const Expr& atom, i128 c) {
    return c == 1 ? atom : bin(BinaryOp::Mul, atom, make_int(t, c));
  };
  Expr acc;
  std::vector<std::pair<const Expr*, i128>> negatives;
  for (const Term& term : l.terms) {
    i128 c = wrap_signed(t, term.coef);
    if (c == 0) continue;
    if (c < 0 && c != min_rep) {
      negatives.emplace_back(&term.atom, -c);
      continue;
    }
    Expr x = term_expr(term.atom, c);
    acc = acc.defined() ? bin(BinaryOp::Add, acc, x) : x;
  }
  i128 k = wrap_signed(t, l.constant);
  if (!acc.defined() && k != 0) {
    acc = make_int(t, k);
    k = 0;
  }
  for (const auto& [atom, c] : negatives) {
    Expr x = term_expr(*atom, c);
    acc = bin(BinaryOp::Sub, acc.defined() ? acc : make_int(t, 0), x);
  }
  if (k != 0) {
    bool negative = k < 0 && wrap_signed(t, -k) != k;
    acc = negative ? bin(BinaryOp::Sub, acc, make_int(t, -k)) : bin(BinaryOp::Add, acc, make_int(t, k));
  }
  return acc.defined() ? acc : make_int(t, 0);
}

CI Simplifier::interval(const Linear& l) {
  CI r{l.constant, l.constant};
  for (const Term& term : l.terms) {
    if (term.coef == 0) continue;
    CI a = range(term.atom);
    i128 x = sat_mul(term.coef, a.lo), y = sat_mul(term.coef, a.hi);
    r.lo = sat_add(r.lo, std::min(x, y));
    r.hi = sat_add(r.hi, std::max(x, y));
  }
  return r;
}

}  // namespace tessera::ir::detail
