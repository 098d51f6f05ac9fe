// Register carry of read-back values (see carry_read_back.h).
#include "lower/carry_read_back.h"

#include <set>
#include <unordered_set>

#include "tessera/ir/functor.h"
#include "tessera/ir/op.h"
#include "tessera/ir/simplify.h"
#include "tessera/ir/utils.h"

namespace tessera::lower {
namespace {

using namespace ir;

using ReadBacks = std::map<const BufferNode*, const BufferNode*>;  // state -> output

// The one store into an argument buffer in a loop body, with the Unrolled (or Vectorized)
// loops around it; `failed` when the body has another one, or the store sits where the
// pass cannot follow it (another kind of loop, a condition on the loop variable, an effect).
class FindStore : public IRVisitor {
 public:
  FindStore(const VarNode* loop_var, const ReadBacks& read_backs) : read_backs_(read_backs) {
    dependent_.insert(loop_var);
  }

  bool failed = false;
  const StoreNode* store = nullptr;
  std::vector<const ForNode*> unrolled;  // Unrolled or Vectorized, around the store, outermost first

 protected:
  void visit_for(const ForNode* op) override {
    const bool follow = (op->for_kind == ForKind::Unrolled || op->for_kind == ForKind::Vectorized) &&
                        as_const_int(simplify(op->min)) &&
                        as_const_int(simplify(op->extent));
    if (follow) path_.push_back(op);
    else ++opaque_;
    IRVisitor::visit_for(op);
    if (follow) path_.pop_back();
    else --opaque_;
  }

  void visit_if(const IfThenElseNode* op) override {
    const bool dependent = depends(op->condition);
    opaque_ += dependent;
    IRVisitor::visit_if(op);
    opaque_ -= dependent;
  }

  void visit_let_stmt(const LetStmtNode* op) override {
    if (depends(op->value)) dependent_.insert(op->var.get());
    IRVisitor::visit_let_stmt(op);
  }

  void visit_allocate(const AllocateNode* op) override {
    local_.insert(op->buffer.get());
    IRVisitor::visit_allocate(op);
  }

  void visit_evaluate(const EvaluateNode* op) override {
    failed = true;
    IRVisitor::visit_evaluate(op);
  }

  void visit_store(const StoreNode* op) override {
    IRVisitor::visit_store(op);
    if (local_.count(op->buffer.get())) return;
    if (store || opaque_ > 0 || op->value.type().lanes != 1 || !is_read_back_output(op->buffer.get())) {
      failed = true;
      return;
    }
    store = op;
    unrolled = path_;
  }

 private:
  bool depends(const Expr& e) const {
    return uses_any(e, [&](const VarNode* v) { return dependent_.count(v) > 0; });
  }

  bool is_read_back_output(const BufferNode* b) const {
    for (const auto& [state, output] : read_backs_)
      if (output == b) return true;
    return false;
  }

  const ReadBacks& read_backs_;
  std::unordered_set<const VarNode*> dependent_;  // the loop variable and lets of it
  std::unordered_set<const BufferNode*> local_;
  std::vector<const ForNode*> path_;
  int opaque_ = 0;
};

// Each variable in `vars` is the only one of them in some index, which it moves by a
// nonzero constant step: distinct values of vars give distinct elements.
bool injective(const std::vector<Expr>& indices, const std::vector<Var>& vars) {
  for (const Var& v : vars) {
    bool alone = false;
    for (const Expr& index : indices) {
      bool others = false;
      for (const Var& w : vars) others = others || (!w.same_as(v) && uses_var(index, w.get()));
      if (others || !uses_var(index, v.get())) continue;
      const Expr step = simplify(substitute(index, VarMap{{v.get(), v + make_const(v.type(), int64_t{1})}}) - index);
      const int64_t* c = as_const_int(step);
      if (c && *c != 0) alone = true;
    }
    if (!alone) return false;
  }
  return true;
}

// The store, its value keeping a copy in carry; with `from_carry`, the matched loads
// read carry instead of memory.
class RewriteStore : public IRMutator {
 public:
  RewriteStore(const StoreNode* store, const std::set<const LoadNode*>& loads, const Buffer& carry,
               std::vector<Expr> carry_index, bool from_carry)
      : store_(store), loads_(loads), carry_(carry), carry_index_(std::move(carry_index)), from_carry_(from_carry) {}

 protected:
  Expr mutate_load(const LoadNode* op, const Expr& self) override {
    if (from_carry_ && loads_.count(op)) return carry_.load(carry_index_);
    return IRMutator::mutate_load(op, self);
  }

  Stmt mutate_store(const StoreNode* op, const Stmt& self) override {
    if (op != store_) return IRMutator::mutate_store(op, self);
    Var next(op->buffer->name + ".next", op->value.type());
    Stmt both = SeqNode::make({StoreNode::make(Buffer(op->buffer), next, op->indices, op->hint),
                               StoreNode::make(carry_, next, carry_index_)});
    return LetStmtNode::make(next, mutate(op->value), both);
  }

 private:
  const StoreNode* store_;
  const std::set<const LoadNode*>& loads_;
  const Buffer& carry_;
  std::vector<Expr> carry_index_;
  bool from_carry_;
};

class CarryReadBack : public IRMutator {
 public:
  explicit CarryReadBack(StoragePlan* plan) : plan_(plan) {}

 protected:
  Stmt mutate_for(const ForNode* op, const Stmt& self) override {
    Stmt s = IRMutator::mutate_for(op, self);
    const auto* loop = s.as<ForNode>();
    if (!loop || loop->for_kind != ForKind::Serial) return s;
    Stmt carried = carry(loop);
    return carried.defined() ? carried : s;
  }

 private:
  // The rewritten loop, or an undefined Stmt when it does not qualify.
  Stmt carry(const ForNode* loop) {
    FindStore find(loop->var.get(), plan_->read_backs);
    find.visit(loop->body);
    if (find.failed || !find.store) return Stmt();
    const StoreNode* store = find.store;
    const std::unordered_set<const VarNode*> bound = vars_bound_in(loop->body);
    std::vector<Var> vars{loop->var};
    for (const ForNode* f : find.unrolled) vars.push_back(f->var);
    // Only the unrolled variables may be bound inside the loop: lets would hide how an
    // index depends on i.
    std::unordered_set<const VarNode*> allowed;
    for (const Var& v : vars) allowed.insert(v.get());
    auto uses_let = [&](const std::vector<Expr>& indices) {
      for (const Expr& e : indices)
        if (uses_any(e, [&](const VarNode* v) { return bound.count(v) > 0 && !allowed.count(v); })) return true;
      return false;
    };
    if (uses_let(store->indices) || !injective(store->indices, vars)) return Stmt();

    // Reads of the state at the element the previous iteration stored.
    BoundsScope after_first;
    after_first[loop->var.get()] = Interval(simplify(loop->min + 1), simplify(loop->min + loop->extent - 1));
    for (const ForNode* f : find.unrolled)
      after_first[f->var.get()] = Interval(simplify(f->min), simplify(f->min + f->extent - 1));
    std::vector<Expr> previous;
    const Expr before = loop->var - make_const(loop->var.type(), int64_t{1});
    for (const Expr& e : store->indices) previous.push_back(substitute(e, VarMap{{loop->var.get(), before}}));
    std::set<const LoadNode*> loads;
    post_order_visit(store->value, [&](const Expr& e) {
      const auto* load = e.as<LoadNode>();
      if (!load) return;
      auto rb = plan_->read_backs.find(load->buffer.get());
      if (rb == plan_->read_backs.end() || rb->second != store->buffer.get()) return;
      if (load->indices.size() != previous.size() || uses_let(load->indices)) return;
      for (size_t d = 0; d < previous.size(); ++d)
        if (!can_prove(load->indices[d] == previous[d], after_first)) return;
      loads.insert(load);
    });
    if (loads.empty()) return Stmt();

    std::vector<Expr> shape, index;
    for (const ForNode* f : find.unrolled) {
      shape.push_back(simplify(f->extent));
      index.push_back(f->var - simplify(f->min));
    }
    if (shape.empty()) {
      shape.push_back(make_const(DataType::Index(), int64_t{1}));
      index.push_back(make_const(DataType::Index(), int64_t{0}));
    }
    Buffer carry = Buffer::make(store->buffer->name + ".carry", store->buffer->dtype, shape, {},
                                make_const(DataType::Index(), int64_t{0}), "local");
    plan_->storage[carry.get()] = carry;
    Stmt keep = RewriteStore(store, loads, carry, index, false).mutate(loop->body);
    Stmt read = RewriteStore(store, loads, carry, index, true).mutate(loop->body);
    Stmt first = substitute(keep, VarMap{{loop->var.get(), loop->min}});
    Stmt rest = ForNode::make(loop->var, simplify(loop->min + 1), simplify(loop->extent - 1), ForKind::Serial, read);
    Stmt body = SeqNode::make({first, rest});
    const Expr nonempty = loop->extent > make_const(loop->extent.type(), int64_t{0});
    if (!can_prove(nonempty)) body = IfThenElseNode::make(nonempty, body);
    return AllocateNode::make(carry, body);
  }

  StoragePlan* plan_;
};

}  // namespace

ir::Stmt carry_read_back(const ir::Stmt& s, StoragePlan* plan) {
  if (plan->read_backs.empty()) return s;
  return CarryReadBack(plan).mutate(s);
}

}  // namespace tessera::lower
