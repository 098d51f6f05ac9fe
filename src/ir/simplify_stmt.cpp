// Statement simplification (simplify_internal.h): loops of extent 0 or 1, dead branches and
// empty bodies disappear; loops and if-conditions narrow the ranges seen inside them; lets
// of constants and variables are substituted when no buffer refers to them.
#include "simplify_internal.h"

namespace tessera::ir::detail {
namespace {

Stmt no_op() { return SeqNode::make({}); }
bool is_no_op(const Stmt& s) {
  if (!s.defined()) return true;
  if (const auto* q = s.as<SeqNode>()) return q->seq.empty();
  if (const auto* e = s.as<EvaluateNode>()) return e->value.as<IntImmNode>() != nullptr;
  return false;
}

}  // namespace

bool used_by_buffers(const Stmt& s, const Expr* e, const VarNode* v) {
  bool found = false;
  auto check = [&](const BufferNode* b) {
    if (found || !b) return;
    if (b->data.get() == v) found = true;
    for (const auto* list : {&b->shape, &b->strides})
      for (const Expr& x : *list) found = found || uses_var(x, v);
    if (b->elem_offset.defined()) found = found || uses_var(b->elem_offset, v);
  };
  auto on_expr = [&](const Expr& x) {
    if (const auto* l = x.as<LoadNode>()) check(l->buffer.get());
  };
  auto on_stmt = [&](const Stmt& x) {
    if (const auto* st = x.as<StoreNode>()) check(st->buffer.get());
    if (const auto* a = x.as<AllocateNode>()) check(a->buffer.get());
  };
  if (e) post_order_visit(*e, on_expr);
  if (s.defined()) post_order_visit(s, on_stmt, on_expr);
  return found;
}

// Let- and loop-bound variables are replaced only when nothing but expressions refer to them.
bool Simplifier::substitutable(const Var& v, const Expr& value, const Stmt& body, const Expr* body_expr) {
  if (v->type.is_handle()) return false;
  if (!(value.as<IntImmNode>() || value.as<FloatImmNode>() || value.as<VarNode>())) return false;
  return !used_by_buffers(body, body_expr, v.get());
}

Stmt Simplifier::mutate_for(const ForNode* op, const Stmt& self) {
  Expr min = mutate(op->min), extent = mutate(op->extent);
  auto ce = int_value(extent);
  if (ce && *ce <= 0) return no_op();
  if (ce && *ce == 1 && op->for_kind != ForKind::ThreadBinding) {  // substitute any min
    if (used_by_buffers(op->body, nullptr, op->var.get()))
      return mutate(LetStmtNode::make(op->var, min, op->body));
    subst_[op->var.get()] = min;
    clear_caches();
    Stmt body = mutate(op->body);
    subst_.erase(op->var.get());
    clear_caches();
    return body;
  }
  Expr max = mutate(bin(BinaryOp::Sub, bin(BinaryOp::Add, min, extent), make_int(extent.type(), 1)));
  Saved saved = bind(op->var.get(), Interval(min, max));
  Stmt body = mutate(op->body);
  restore(saved);
  if (is_no_op(body)) return no_op();
  if (min.same_as(op->min) && extent.same_as(op->extent) && body.same_as(op->body)) return self;
  return ForNode::make(op->var, min, extent, op->for_kind, body, op->thread_tag);
}

Stmt Simplifier::mutate_seq(const SeqNode* op, const Stmt& self) {
  std::vector<Stmt> out;
  bool changed = false;
  for (const Stmt& s : op->seq) {
    Stmt r = mutate(s);
    changed = changed || !r.same_as(s);
    if (is_no_op(r)) changed = true;
    else out.push_back(r);
  }
  if (!changed) return self;
  return out.empty() ? no_op() : SeqNode::make(std::move(out));
}

void Simplifier::narrow(const VarNode* v, BinaryOp op, const Expr& e, std::vector<Saved>* undo) {
  DataType t = v->type;
  auto ce = int_value(e);
  if (!no_overflow_assumed(t) && !ce) return;  // e - 1 might wrap
  auto offset = [&](int d) -> Expr {
    if (ce) {
      i128 x = *ce + d;
      return x >= type_min(t) && x <= type_max(t) ? make_int(t, x) : Expr();
    }
    return mutate(bin(BinaryOp::Add, e, make_int(t, d)));
  };
  Expr lo, hi;
  switch (op) {
    case BinaryOp::LT: hi = offset(-1); break;
    case BinaryOp::LE: hi = e; break;
    case BinaryOp::GT: lo = offset(1); break;
    case BinaryOp::GE: lo = e; break;
    case BinaryOp::EQ: lo = hi = e; break;
    default: return;
  }
  if (!lo.defined() && !hi.defined()) return;
  const Interval* old = lookup(v);
  Interval r = old ? *old : Interval();
  if (lo.defined()) r.min = r.min.defined() ? mutate(bin(BinaryOp::Max, r.min, lo)) : lo;
  if (hi.defined()) r.max = r.max.defined() ? mutate(bin(BinaryOp::Min, r.max, hi)) : hi;
  undo->push_back(bind(v, r));
}

// Narrows the ranges of variables compared against in a condition known to be `truth`.
void Simplifier::assume(const Expr& cond, bool truth, std::vector<Saved>* undo) {
  if (const auto* c = cond.as<CallNode>(); c && c->op == Intrinsic::LogicalNot) {
    assume(c->args[0], !truth, undo);
    return;
  }
  const auto* b = cond.as<BinaryNode>();
  if (!b) return;
  if ((b->op == BinaryOp::And && truth) || (b->op == BinaryOp::Or && !truth)) {
    assume(b->a, truth, undo);
    assume(b->b, truth, undo);
    return;
  }
  if (!is_comparison(b->op) || !is_int_scalar(b->a.type())) return;
  BinaryOp op = truth ? b->op : negate_cmp(b->op);
  if (const auto* v = b->a.as<VarNode>(); v && !uses_var(b->b, v)) narrow(v, op, b->b, undo);
  else if (const auto* w = b->b.as<VarNode>(); w && !uses_var(b->a, w)) narrow(w, swap_cmp(op), b->a, undo);
}

Stmt Simplifier::mutate_if(const IfThenElseNode* op, const Stmt& self) {
  Expr cond = mutate(op->condition);
  if (auto c = int_value(cond)) {
    if (*c) return mutate(op->then_case);
    return op->else_case.defined() ? mutate(op->else_case) : no_op();
  }
  auto in_branch = [&](const Stmt& s, bool truth) {
    if (!s.defined()) return s;
    std::vector<Saved> undo;
    assume(cond, truth, &undo);
    Stmt r = mutate(s);
    for (auto it = undo.rbegin(); it != undo.rend(); ++it) restore(*it);
    return r;
  };
  Stmt then_case = in_branch(op->then_case, true);
  Stmt else_case = in_branch(op->else_case, false);
  bool then_empty = is_no_op(then_case), else_empty = is_no_op(else_case);
  if (then_empty && else_empty) return no_op();
  if (then_empty) return IfThenElseNode::make(mutate(logical_not(cond)), else_case);
  if (else_empty) else_case = Stmt();
  if (cond.same_as(op->condition) && then_case.same_as(op->then_case) &&
      else_case.same_as(op->else_case))
    return self;
  return IfThenElseNode::make(cond, then_case, else_case);
}

Stmt Simplifier::mutate_let_stmt(const LetStmtNode* op, const Stmt& self) {
  Expr value = mutate(op->value);
  if (substitutable(op->var, value, op->body, nullptr)) {
    if (!first_binding(op->var.get())) clear_caches();
    subst_[op->var.get()] = value;
    Stmt body = mutate(op->body);
    subst_.erase(op->var.get());
    return body;
  }
  std::optional<Saved> saved;
  if (is_intlike_scalar(op->var->type)) saved = bind(op->var.get(), Interval(value, value), false);
  Stmt body = mutate(op->body);
  if (saved) restore(*saved, false);
  if (is_no_op(body)) return no_op();
  if (!op->var->type.is_handle() && !uses_var(body, op->var.get()) &&
      !used_by_buffers(body, nullptr, op->var.get()))
    return body;
  if (value.same_as(op->value) && body.same_as(op->body)) return self;
  return LetStmtNode::make(op->var, value, body);
}

Stmt Simplifier::mutate_allocate(const AllocateNode* op, const Stmt& self) {
  Stmt r = IRMutator::mutate_allocate(op, self);
  const auto* a = r.as<AllocateNode>();
  return a && is_no_op(a->body) ? no_op() : r;
}

Stmt Simplifier::mutate_assert(const AssertNode* op, const Stmt& self) {
  Stmt r = IRMutator::mutate_assert(op, self);
  auto c = int_value(r.as<AssertNode>()->condition);
  return c && *c ? no_op() : r;
}

Stmt Simplifier::mutate_evaluate(const EvaluateNode* op, const Stmt& self) {
  Stmt r = IRMutator::mutate_evaluate(op, self);
  const Expr& v = r.as<EvaluateNode>()->value;
  return v.as<IntImmNode>() || v.as<FloatImmNode>() ? no_op() : r;
}

}  // namespace tessera::ir::detail
