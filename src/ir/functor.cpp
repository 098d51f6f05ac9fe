// IRVisitor walks every child; IRMutator rebuilds only what changed.
#include "tessera/ir/functor.h"

namespace tessera::ir {

// ---- IRVisitor --------------------------------------------------------------------------

void IRVisitor::visit(const Expr& e) {
  if (!e.defined()) return;
  switch (e.kind()) {
    case ExprKind::IntImm: return visit_int_imm(e.as<IntImmNode>());
    case ExprKind::FloatImm: return visit_float_imm(e.as<FloatImmNode>());
    case ExprKind::StringImm: return visit_string_imm(e.as<StringImmNode>());
    case ExprKind::Var: return visit_var(e.as<VarNode>());
    case ExprKind::Cast: return visit_cast(e.as<CastNode>());
    case ExprKind::Binary: return visit_binary(e.as<BinaryNode>());
    case ExprKind::Select: return visit_select(e.as<SelectNode>());
    case ExprKind::Call: return visit_call(e.as<CallNode>());
    case ExprKind::Load: return visit_load(e.as<LoadNode>());
    case ExprKind::Ramp: return visit_ramp(e.as<RampNode>());
    case ExprKind::Broadcast: return visit_broadcast(e.as<BroadcastNode>());
    case ExprKind::Let: return visit_let(e.as<LetNode>());
    case ExprKind::Reduce: return visit_reduce(e.as<ReduceNode>());
  }
}

void IRVisitor::visit(const Stmt& s) {
  if (!s.defined()) return;
  switch (s.kind()) {
    case StmtKind::For: return visit_for(s.as<ForNode>());
    case StmtKind::Store: return visit_store(s.as<StoreNode>());
    case StmtKind::Seq: return visit_seq(s.as<SeqNode>());
    case StmtKind::IfThenElse: return visit_if(s.as<IfThenElseNode>());
    case StmtKind::LetStmt: return visit_let_stmt(s.as<LetStmtNode>());
    case StmtKind::Allocate: return visit_allocate(s.as<AllocateNode>());
    case StmtKind::Assert: return visit_assert(s.as<AssertNode>());
    case StmtKind::Evaluate: return visit_evaluate(s.as<EvaluateNode>());
  }
}

void IRVisitor::visit_cast(const CastNode* op) { visit(op->value); }
void IRVisitor::visit_binary(const BinaryNode* op) {
  visit(op->a);
  visit(op->b);
}
void IRVisitor::visit_select(const SelectNode* op) {
  visit(op->cond);
  visit(op->true_value);
  visit(op->false_value);
}
void IRVisitor::visit_call(const CallNode* op) {
  for (const Expr& a : op->args) visit(a);
}
void IRVisitor::visit_load(const LoadNode* op) {
  for (const Expr& i : op->indices) visit(i);
}
void IRVisitor::visit_ramp(const RampNode* op) {
  visit(op->base);
  visit(op->stride);
}
void IRVisitor::visit_broadcast(const BroadcastNode* op) { visit(op->value); }
void IRVisitor::visit_let(const LetNode* op) {
  visit(op->value);
  visit(op->body);
}
// The combiner is a closed function of its lhs/rhs variables, so it is not walked.
void IRVisitor::visit_reduce(const ReduceNode* op) {
  for (const IterVar& iv : op->axes) {
    visit(iv->dom.min);
    visit(iv->dom.extent);
  }
  for (const Expr& s : op->source) visit(s);
  visit(op->condition);
}

void IRVisitor::visit_for(const ForNode* op) {
  visit(op->min);
  visit(op->extent);
  visit(op->body);
}
void IRVisitor::visit_store(const StoreNode* op) {
  visit(op->value);
  for (const Expr& i : op->indices) visit(i);
}
void IRVisitor::visit_seq(const SeqNode* op) {
  for (const Stmt& s : op->seq) visit(s);
}
void IRVisitor::visit_if(const IfThenElseNode* op) {
  visit(op->condition);
  visit(op->then_case);
  visit(op->else_case);
}
void IRVisitor::visit_let_stmt(const LetStmtNode* op) {
  visit(op->value);
  visit(op->body);
}
// The extents are read when the allocation happens.
void IRVisitor::visit_allocate(const AllocateNode* op) {
  for (const Expr& e : op->buffer->shape) visit(e);
  visit(op->body);
}
void IRVisitor::visit_assert(const AssertNode* op) {
  visit(op->condition);
  for (const Expr& m : op->message) visit(m);
}
void IRVisitor::visit_evaluate(const EvaluateNode* op) { visit(op->value); }

// ---- IRMutator --------------------------------------------------------------------------

namespace {

// Points Loads and Stores of one buffer at a replacement (an Allocate whose extents changed).
class BufferRetarget : public IRMutator {
 public:
  BufferRetarget(const BufferNode* from, Buffer to) : from_(from), to_(std::move(to)) {}

 protected:
  Expr mutate_load(const LoadNode* op, const Expr& self) override {
    Expr e = IRMutator::mutate_load(op, self);
    const auto* load = e.as<LoadNode>();
    if (load->buffer.get() != from_) return e;
    return LoadNode::make(to_, load->indices);
  }
  Stmt mutate_store(const StoreNode* op, const Stmt& self) override {
    Stmt s = IRMutator::mutate_store(op, self);
    const auto* store = s.as<StoreNode>();
    if (store->buffer.get() != from_) return s;
    return StoreNode::make(to_, store->value, store->indices, store->hint);
  }

 private:
  const BufferNode* from_;
  Buffer to_;
};

}  // namespace

Expr IRMutator::mutate(const Expr& e) {
  if (!e.defined()) return e;
  switch (e.kind()) {
    case ExprKind::IntImm: return mutate_int_imm(e.as<IntImmNode>(), e);
    case ExprKind::FloatImm: return mutate_float_imm(e.as<FloatImmNode>(), e);
    case ExprKind::StringImm: return mutate_string_imm(e.as<StringImmNode>(), e);
    case ExprKind::Var: return mutate_var(e.as<VarNode>(), e);
    case ExprKind::Cast: return mutate_cast(e.as<CastNode>(), e);
    case ExprKind::Binary: return mutate_binary(e.as<BinaryNode>(), e);
    case ExprKind::Select: return mutate_select(e.as<SelectNode>(), e);
    case ExprKind::Call: return mutate_call(e.as<CallNode>(), e);
    case ExprKind::Load: return mutate_load(e.as<LoadNode>(), e);
    case ExprKind::Ramp: return mutate_ramp(e.as<RampNode>(), e);
    case ExprKind::Broadcast: return mutate_broadcast(e.as<BroadcastNode>(), e);
    case ExprKind::Let: return mutate_let(e.as<LetNode>(), e);
    case ExprKind::Reduce: return mutate_reduce(e.as<ReduceNode>(), e);
  }
  return e;
}

Stmt IRMutator::mutate(const Stmt& s) {
  if (!s.defined()) return s;
  switch (s.kind()) {
    case StmtKind::For: return mutate_for(s.as<ForNode>(), s);
    case StmtKind::Store: return mutate_store(s.as<StoreNode>(), s);
    case StmtKind::Seq: return mutate_seq(s.as<SeqNode>(), s);
    case StmtKind::IfThenElse: return mutate_if(s.as<IfThenElseNode>(), s);
    case StmtKind::LetStmt: return mutate_let_stmt(s.as<LetStmtNode>(), s);
    case StmtKind::Allocate: return mutate_allocate(s.as<AllocateNode>(), s);
    case StmtKind::Assert: return mutate_assert(s.as<AssertNode>(), s);
    case StmtKind::Evaluate: return mutate_evaluate(s.as<EvaluateNode>(), s);
  }
  return s;
}

bool IRMutator::mutate_all(const std::vector<Expr>& in, std::vector<Expr>* out) {
  bool changed = false;
  out->clear();
  out->reserve(in.size());
  for (const Expr& e : in) {
    out->push_back(mutate(e));
    changed = changed || !out->back().same_as(e);
  }
  return changed;
}

Expr IRMutator::mutate_cast(const CastNode* op, const Expr& self) {
  Expr v = mutate(op->value);
  return v.same_as(op->value) ? self : CastNode::make(op->type, v);
}

Expr IRMutator::mutate_binary(const BinaryNode* op, const Expr& self) {
  Expr a = mutate(op->a), b = mutate(op->b);
  if (a.same_as(op->a) && b.same_as(op->b)) return self;
  return BinaryNode::make(op->op, a, b);
}

Expr IRMutator::mutate_select(const SelectNode* op, const Expr& self) {
  Expr c = mutate(op->cond), t = mutate(op->true_value), f = mutate(op->false_value);
  if (c.same_as(op->cond) && t.same_as(op->true_value) && f.same_as(op->false_value)) return self;
  return SelectNode::make(c, t, f);
}

Expr IRMutator::mutate_call(const CallNode* op, const Expr& self) {
  std::vector<Expr> args;
  if (!mutate_all(op->args, &args)) return self;
  return CallNode::make(op->type, op->op, std::move(args));
}

Expr IRMutator::mutate_load(const LoadNode* op, const Expr& self) {
  std::vector<Expr> idx;
  if (!mutate_all(op->indices, &idx)) return self;
  return LoadNode::make(Buffer(op->buffer), std::move(idx));
}

Expr IRMutator::mutate_ramp(const RampNode* op, const Expr& self) {
  Expr base = mutate(op->base), stride = mutate(op->stride);
  if (base.same_as(op->base) && stride.same_as(op->stride)) return self;
  return RampNode::make(base, stride, op->lanes);
}

Expr IRMutator::mutate_broadcast(const BroadcastNode* op, const Expr& self) {
  Expr v = mutate(op->value);
  return v.same_as(op->value) ? self : BroadcastNode::make(v, op->lanes);
}

Expr IRMutator::mutate_let(const LetNode* op, const Expr& self) {
  Expr value = mutate(op->value), body = mutate(op->body);
  if (value.same_as(op->value) && body.same_as(op->body)) return self;
  return LetNode::make(op->var, value, body);
}

Expr IRMutator::mutate_reduce(const ReduceNode* op, const Expr& self) {
  bool changed = false;
  std::vector<IterVar> axes;
  axes.reserve(op->axes.size());
  for (const IterVar& iv : op->axes) {
    Expr min = mutate(iv->dom.min), extent = mutate(iv->dom.extent);
    if (min.same_as(iv->dom.min) && extent.same_as(iv->dom.extent)) {
      axes.push_back(iv);
    } else {
      axes.push_back(std::make_shared<const IterVarNode>(IterVarNode{iv->var, Range(min, extent), iv->kind}));
      changed = true;
    }
  }
  std::vector<Expr> source;
  changed = mutate_all(op->source, &source) || changed;
  Expr cond = mutate(op->condition);
  changed = changed || !cond.same_as(op->condition);
  if (!changed) return self;
  return ReduceNode::make(op->combiner, std::move(source), std::move(axes), cond, op->value_index);
}

Stmt IRMutator::mutate_for(const ForNode* op, const Stmt& self) {
  Expr min = mutate(op->min), extent = mutate(op->extent);
  Stmt body = mutate(op->body);
  if (min.same_as(op->min) && extent.same_as(op->extent) && body.same_as(op->body)) return self;
  return ForNode::make(op->var, min, extent, op->for_kind, body, op->thread_tag);
}

Stmt IRMutator::mutate_store(const StoreNode* op, const Stmt& self) {
  Expr value = mutate(op->value);
  std::vector<Expr> idx;
  bool changed = mutate_all(op->indices, &idx);
  if (!changed && value.same_as(op->value)) return self;
  return StoreNode::make(Buffer(op->buffer), value, std::move(idx), op->hint);
}

Stmt IRMutator::mutate_seq(const SeqNode* op, const Stmt& self) {
  std::vector<Stmt> seq;
  seq.reserve(op->seq.size());
  bool changed = false;
  for (const Stmt& s : op->seq) {
    seq.push_back(mutate(s));
    changed = changed || !seq.back().same_as(s);
  }
  return changed ? SeqNode::make(std::move(seq)) : self;
}

Stmt IRMutator::mutate_if(const IfThenElseNode* op, const Stmt& self) {
  Expr cond = mutate(op->condition);
  Stmt then_case = mutate(op->then_case), else_case = mutate(op->else_case);
  if (cond.same_as(op->condition) && then_case.same_as(op->then_case) &&
      else_case.same_as(op->else_case))
    return self;
  return IfThenElseNode::make(cond, then_case, else_case);
}

Stmt IRMutator::mutate_let_stmt(const LetStmtNode* op, const Stmt& self) {
  Expr value = mutate(op->value);
  Stmt body = mutate(op->body);
  if (value.same_as(op->value) && body.same_as(op->body)) return self;
  return LetStmtNode::make(op->var, value, body);
}

// Extents that change give a new buffer node, and the body's accesses are moved onto it.
Stmt IRMutator::mutate_allocate(const AllocateNode* op, const Stmt& self) {
  std::vector<Expr> shape;
  bool shape_changed = mutate_all(op->buffer->shape, &shape);
  Stmt body = mutate(op->body);
  if (!shape_changed && body.same_as(op->body)) return self;
  Buffer buffer = op->buffer;
  if (shape_changed) {
    auto node = std::make_shared<BufferNode>(*op->buffer.get());
    node->shape = std::move(shape);
    buffer = Buffer(std::move(node));
    body = BufferRetarget(op->buffer.get(), buffer).mutate(body);
  }
  return AllocateNode::make(buffer, body);
}

Stmt IRMutator::mutate_assert(const AssertNode* op, const Stmt& self) {
  Expr cond = mutate(op->condition);
  std::vector<Expr> message;
  bool changed = mutate_all(op->message, &message);
  if (!changed && cond.same_as(op->condition)) return self;
  return AssertNode::make(cond, std::move(message));
}

Stmt IRMutator::mutate_evaluate(const EvaluateNode* op, const Stmt& self) {
  Expr v = mutate(op->value);
  return v.same_as(op->value) ? self : EvaluateNode::make(v);
}

}  // namespace tessera::ir
