// GPU vector tails (see guard_vector_lanes.h).
#include "lower/guard_vector_lanes.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "tessera/ir/functor.h"
#include "tessera/ir/op.h"
#include "tessera/ir/simplify.h"
#include "tessera/ir/utils.h"

namespace tessera::lower {
namespace {

using namespace ir;

void split_conjuncts(const Expr& c, std::vector<Expr>* out) {
  if (const auto* b = c.as<BinaryNode>(); b && b->op == BinaryOp::And) {
    split_conjuncts(b->a, out);
    split_conjuncts(b->b, out);
    return;
  }
  out->push_back(c);
}

// e(v) == e(0) + v * (e(1) - e(0)) for every v, which the simplifier shows for affine e.
bool affine_in(const Expr& e, const Var& v) {
  Expr at0 = substitute(e, VarMap{{v.get(), make_zero(v.type())}});
  Expr at1 = substitute(e, VarMap{{v.get(), make_const(v.type(), int64_t{1})}});
  return is_const_int(simplify(e - at0 - v * (at1 - at0)), 0);
}

// Which lanes decide a conjunct: the first, the last, both, or (nullopt) none suffice.
enum class Ends { First, Last, Both, Invariant };

std::optional<Ends> deciding_ends(const Expr& c, const Var& v) {
  if (!uses_var(c, v.get())) return Ends::Invariant;
  const auto* b = c.as<BinaryNode>();
  if (!b || !(b->op == BinaryOp::LT || b->op == BinaryOp::LE || b->op == BinaryOp::GT ||
              b->op == BinaryOp::GE))
    return std::nullopt;
  if (b->a.type() != DataType::Index()) return std::nullopt;
  Expr d = b->a - b->b;
  if (!affine_in(d, v)) return std::nullopt;
  // a < b (or <=) is hardest where a - b is largest: the last lane when it grows.
  Expr at0 = substitute(d, VarMap{{v.get(), make_zero(v.type())}});
  Expr at1 = substitute(d, VarMap{{v.get(), make_const(v.type(), int64_t{1})}});
  Expr step = simplify(at1 - at0);  // as_const_int points into it: keep it alive
  const int64_t* slope = as_const_int(step);
  if (!slope) return Ends::Both;
  bool upper = b->op == BinaryOp::LT || b->op == BinaryOp::LE;
  return (*slope > 0) == upper ? Ends::Last : Ends::First;
}

class VectorLaneGuarder : public IRMutator {
 protected:
  Stmt mutate_for(const ForNode* op, const Stmt& self) override {
    Stmt visited = IRMutator::mutate_for(op, self);
    const auto* loop = visited.as<ForNode>();
    if (!loop || loop->for_kind != ForKind::Vectorized) return visited;
    const int64_t* lanes = as_const_int(loop->extent);
    if (!lanes || *lanes < 2) return visited;

    std::vector<Expr> conds;
    Stmt body = loop->body;
    while (const auto* guard = body.as<IfThenElseNode>()) {
      if (guard->else_case.defined()) break;
      split_conjuncts(guard->condition, &conds);
      body = guard->then_case;
    }
    std::vector<Ends> ends;
    for (const Expr& c : conds) {
      std::optional<Ends> e = deciding_ends(c, loop->var);
      if (!e) return visited;
      ends.push_back(*e);
    }
    if (std::all_of(ends.begin(), ends.end(), [](Ends e) { return e == Ends::Invariant; })) return visited;

    Expr first = loop->min;
    Expr last = simplify(loop->min + make_const(loop->min.type(), *lanes - 1));
    Expr whole;
    auto require = [&](const Expr& c) { whole = whole.defined() ? (whole && c) : c; };
    for (size_t i = 0; i < conds.size(); ++i) {
      auto at = [&](const Expr& lane) { return substitute(conds[i], VarMap{{loop->var.get(), lane}}); };
      if (ends[i] == Ends::Invariant) require(conds[i]);
      if (ends[i] == Ends::First || ends[i] == Ends::Both) require(at(first));
      if (ends[i] == Ends::Last || ends[i] == Ends::Both) require(at(last));
    }
    Stmt vector = ForNode::make(loop->var, loop->min, loop->extent, ForKind::Vectorized, body);
    Stmt tail = ForNode::make(loop->var, loop->min, loop->extent, ForKind::Serial, loop->body);
    return IfThenElseNode::make(simplify(whole), vector, tail);
  }
};

}  // namespace

ir::Stmt guard_vector_lanes(const ir::Stmt& s) { return VectorLaneGuarder().mutate(s); }

}  // namespace tessera::lower
