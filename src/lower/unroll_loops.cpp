// Unrolling (see unroll_loops.h).
//
// Outer loops are unrolled first, so an inner Unrolled loop whose extent depends on an
// outer unrolled variable gets a constant extent in each copy. The size check counts the
// nodes of the body with every inner Unrolled loop of constant extent multiplied out.
#include "lower/unroll_loops.h"

#include <algorithm>

#include "tessera/ir/functor.h"
#include "tessera/ir/op.h"
#include "tessera/ir/simplify.h"
#include "tessera/ir/utils.h"

namespace tessera::lower {
namespace {

using namespace ir;

// IR nodes of s once its Unrolled loops of constant extent are unrolled, saturating at
// `limit` (an inner extent that depends on an outer loop variable counts once).
class UnrolledSize : public IRVisitor {
 public:
  explicit UnrolledSize(int64_t limit) : limit_(limit) {}
  int64_t nodes = 0;

  void visit(const Expr& e) override {
    if (nodes >= limit_ || !e.defined()) return;
    ++nodes;
    IRVisitor::visit(e);
  }
  void visit(const Stmt& s) override {
    if (nodes >= limit_ || !s.defined()) return;
    ++nodes;
    IRVisitor::visit(s);
  }

 protected:
  void visit_for(const ForNode* op) override {
    const Expr simplified_extent = simplify(op->extent);
    const int64_t* extent = as_const_int(simplified_extent);
    if (op->for_kind != ForKind::Unrolled || !extent || *extent <= 1) {
      IRVisitor::visit_for(op);
      return;
    }
    UnrolledSize body(limit_);
    body.visit(op->body);
    const int64_t copies = body.nodes > 0 && *extent > limit_ / body.nodes ? limit_
                                                                            : *extent * body.nodes;
    nodes = std::min(limit_, nodes + copies);
  }

 private:
  int64_t limit_;
};

bool within_unroll_budget(const Stmt& loop) {
  UnrolledSize size(kMaxUnrolledNodes + 1);
  size.visit(loop);
  return size.nodes <= kMaxUnrolledNodes;
}

class LoopUnroller : public IRMutator {
 protected:
  Stmt mutate_for(const ForNode* op, const Stmt& self) override {
    if (op->for_kind != ForKind::Unrolled) return IRMutator::mutate_for(op, self);
    Expr simplified_extent = simplify(op->extent);
    const int64_t* extent = as_const_int(simplified_extent);
    if (!extent || !within_unroll_budget(self)) {
      return ForNode::make(op->var, op->min, op->extent, ForKind::Serial, mutate(op->body));
    }
    std::vector<Stmt> copies;
    for (int64_t k = 0; k < *extent; ++k) {
      Expr value = simplify(op->min + make_const(op->min.type(), k));
      copies.push_back(mutate(substitute(op->body, VarMap{{op->var.get(), value}})));
    }
    return SeqNode::make(std::move(copies));  // empty for extent <= 0: a no-op
  }
};

}  // namespace

ir::Stmt unroll_loops(const ir::Stmt& s) { return LoopUnroller().mutate(s); }

}  // namespace tessera::lower
