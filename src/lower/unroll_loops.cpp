// Unrolling (see unroll_loops.h).
//
// Outer loops are unrolled first, so an inner Unrolled loop whose extent depends on an
// outer unrolled variable gets a constant extent in each copy.
#include "lower/unroll_loops.h"

#include "tessera/ir/functor.h"
#include "tessera/ir/op.h"
#include "tessera/ir/simplify.h"
#include "tessera/ir/utils.h"

namespace tessera::lower {
namespace {

using namespace ir;

class LoopUnroller : public IRMutator {
 protected:
  Stmt mutate_for(const ForNode* op, const Stmt& self) override {
    if (op->for_kind != ForKind::Unrolled) return IRMutator::mutate_for(op, self);
    Expr simplified_extent = simplify(op->extent);
    const int64_t* extent = as_const_int(simplified_extent);
    if (!extent) {
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
