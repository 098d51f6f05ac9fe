// substitute, uses_var, free_vars, structural equality and post-order traversal.
#include "tessera/ir/utils.h"

#include <cmath>

#include "tessera/ir/functor.h"

namespace tessera::ir {

namespace {

class Substituter : public IRMutator {
 public:
  explicit Substituter(const VarMap& map) : map_(map) {}

 protected:
  Expr mutate_var(const VarNode* op, const Expr& self) override {
    auto it = map_.find(op);
    return it == map_.end() ? self : it->second;
  }

 private:
  const VarMap& map_;
};

class VarUseFinder : public IRVisitor {
 public:
  explicit VarUseFinder(const std::function<bool(const VarNode*)>& pred) : pred_(pred) {}
  bool found = false;

  void visit(const Expr& e) override {
    if (!found) IRVisitor::visit(e);
  }
  void visit(const Stmt& s) override {
    if (!found) IRVisitor::visit(s);
  }

 protected:
  void visit_var(const VarNode* op) override { found = found || pred_(op); }

 private:
  const std::function<bool(const VarNode*)>& pred_;
};

// Collects variables that are read outside the scope that binds them.
class FreeVarCollector : public IRVisitor {
 public:
  std::vector<Var> result;

 protected:
  void visit_var(const VarNode* op) override {
    if (bound_.count(op) || seen_.count(op)) return;
    seen_.insert(op);
    result.push_back(Var(std::static_pointer_cast<const VarNode>(current_var_ptr_)));
  }

 public:
  // visit_var only receives the raw node; keep the owning pointer while dispatching.
  void visit(const Expr& e) override {
    if (e.defined() && e.kind() == ExprKind::Var) current_var_ptr_ = e.ptr();
    IRVisitor::visit(e);
  }
  using IRVisitor::visit;

 protected:
  void visit_let(const LetNode* op) override {
    visit(op->value);
    bind(op->var, [&] { visit(op->body); });
  }
  void visit_reduce(const ReduceNode* op) override {
    for (const IterVar& iv : op->axes) {
      visit(iv->dom.min);
      visit(iv->dom.extent);
    }
    for (const IterVar& iv : op->axes) bound_.insert(iv->var.get());
    for (const Expr& s : op->source) visit(s);
    visit(op->condition);
    for (const IterVar& iv : op->axes) bound_.erase(bound_.find(iv->var.get()));
  }
  void visit_for(const ForNode* op) override {
    visit(op->min);
    visit(op->extent);
    bind(op->var, [&] { visit(op->body); });
  }
  void visit_let_stmt(const LetStmtNode* op) override {
    visit(op->value);
    bind(op->var, [&] { visit(op->body); });
  }
  void visit_allocate(const AllocateNode* op) override {
    for (const Expr& e : op->buffer->shape) visit(e);
    bind(op->buffer->data, [&] { visit(op->body); });
  }

 private:
  template <class F>
  void bind(const Var& v, F&& body) {
    auto it = bound_.insert(v.get());
    body();
    bound_.erase(it);
  }

  std::unordered_multiset<const VarNode*> bound_;
  std::unordered_set<const VarNode*> seen_;
  std::shared_ptr<const ExprNode> current_var_ptr_;
};

// Structural comparison; Vars and buffers compare by identity.
class Comparer {
 public:
  bool eq(const Expr& a, const Expr& b) {
    if (a.same_as(b)) return true;
    if (!a.defined() || !b.defined()) return false;
    if (a.kind() != b.kind() || a.type() != b.type()) return false;
    switch (a.kind()) {
      case ExprKind::IntImm: return a.as<IntImmNode>()->value == b.as<IntImmNode>()->value;
      case ExprKind::FloatImm: {
        double x = a.as<FloatImmNode>()->value, y = b.as<FloatImmNode>()->value;
        return x == y ? std::signbit(x) == std::signbit(y) : (x != x && y != y);
      }
      case ExprKind::StringImm: return a.as<StringImmNode>()->value == b.as<StringImmNode>()->value;
      case ExprKind::Var: return false;  // distinct nodes are distinct variables
      case ExprKind::Cast: return eq(a.as<CastNode>()->value, b.as<CastNode>()->value);
      case ExprKind::Binary: {
        const auto *x = a.as<BinaryNode>(), *y = b.as<BinaryNode>();
        return x->op == y->op && eq(x->a, y->a) && eq(x->b, y->b);
      }
      case ExprKind::Select: {
        const auto *x = a.as<SelectNode>(), *y = b.as<SelectNode>();
        return eq(x->cond, y->cond) && eq(x->true_value, y->true_value) &&
               eq(x->false_value, y->false_value);
      }
      case ExprKind::Call: {
        const auto *x = a.as<CallNode>(), *y = b.as<CallNode>();
        return x->op == y->op && eq(x->args, y->args);
      }
      case ExprKind::Load: {
        const auto *x = a.as<LoadNode>(), *y = b.as<LoadNode>();
        return x->buffer == y->buffer && eq(x->indices, y->indices);
      }
      case ExprKind::Ramp: {
        const auto *x = a.as<RampNode>(), *y = b.as<RampNode>();
        return x->lanes == y->lanes && eq(x->base, y->base) && eq(x->stride, y->stride);
      }
      case ExprKind::Broadcast: {
        const auto *x = a.as<BroadcastNode>(), *y = b.as<BroadcastNode>();
        return x->lanes == y->lanes && eq(x->value, y->value);
      }
      case ExprKind::Let: {
        const auto *x = a.as<LetNode>(), *y = b.as<LetNode>();
        return x->var.same_as(y->var) && eq(x->value, y->value) && eq(x->body, y->body);
      }
      case ExprKind::Reduce: {
        const auto *x = a.as<ReduceNode>(), *y = b.as<ReduceNode>();
        if (x->value_index != y->value_index || !eq(x->combiner, y->combiner)) return false;
        if (x->axes.size() != y->axes.size()) return false;
        for (size_t i = 0; i < x->axes.size(); ++i) {
          const IterVar &p = x->axes[i], &q = y->axes[i];
          if (!p->var.same_as(q->var) || p->kind != q->kind || !eq(p->dom.min, q->dom.min) ||
              !eq(p->dom.extent, q->dom.extent))
            return false;
        }
        return eq(x->source, y->source) && eq(x->condition, y->condition);
      }
    }
    return false;
  }

  bool eq(const std::vector<Expr>& a, const std::vector<Expr>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (!eq(a[i], b[i])) return false;
    return true;
  }

  bool eq(const CommReducer& a, const CommReducer& b) {
    if (a == b) return true;
    if (!a || !b || a->lhs.size() != b->lhs.size()) return false;
    for (size_t i = 0; i < a->lhs.size(); ++i)
      if (!a->lhs[i].same_as(b->lhs[i]) || !a->rhs[i].same_as(b->rhs[i])) return false;
    return eq(a->result, b->result) && eq(a->identity, b->identity);
  }

  bool eq(const Stmt& a, const Stmt& b) {
    if (a.same_as(b)) return true;
    if (!a.defined() || !b.defined() || a.kind() != b.kind()) return false;
    switch (a.kind()) {
      case StmtKind::For: {
        const auto *x = a.as<ForNode>(), *y = b.as<ForNode>();
        return x->var.same_as(y->var) && x->for_kind == y->for_kind &&
               x->thread_tag == y->thread_tag && eq(x->min, y->min) && eq(x->extent, y->extent) &&
               eq(x->body, y->body);
      }
      case StmtKind::Store: {
        const auto *x = a.as<StoreNode>(), *y = b.as<StoreNode>();
        return x->buffer == y->buffer && x->hint == y->hint && eq(x->value, y->value) &&
               eq(x->indices, y->indices);
      }
      case StmtKind::Seq: {
        const auto *x = a.as<SeqNode>(), *y = b.as<SeqNode>();
        if (x->seq.size() != y->seq.size()) return false;
        for (size_t i = 0; i < x->seq.size(); ++i)
          if (!eq(x->seq[i], y->seq[i])) return false;
        return true;
      }
      case StmtKind::IfThenElse: {
        const auto *x = a.as<IfThenElseNode>(), *y = b.as<IfThenElseNode>();
        return eq(x->condition, y->condition) && eq(x->then_case, y->then_case) &&
               (x->else_case.defined() == y->else_case.defined()) &&
               (!x->else_case.defined() || eq(x->else_case, y->else_case));
      }
      case StmtKind::LetStmt: {
        const auto *x = a.as<LetStmtNode>(), *y = b.as<LetStmtNode>();
        return x->var.same_as(y->var) && eq(x->value, y->value) && eq(x->body, y->body);
      }
      case StmtKind::Allocate: {
        const auto *x = a.as<AllocateNode>(), *y = b.as<AllocateNode>();
        return x->buffer.same_as(y->buffer) && eq(x->body, y->body);
      }
      case StmtKind::Assert: {
        const auto *x = a.as<AssertNode>(), *y = b.as<AssertNode>();
        return eq(x->condition, y->condition) && eq(x->message, y->message);
      }
      case StmtKind::Evaluate:
        return eq(a.as<EvaluateNode>()->value, b.as<EvaluateNode>()->value);
    }
    return false;
  }
};

// Calls the callbacks on each node after its children.
class PostOrder : public IRVisitor {
 public:
  PostOrder(std::function<void(const Stmt&)> stmt_fn, std::function<void(const Expr&)> expr_fn)
      : stmt_fn_(std::move(stmt_fn)), expr_fn_(std::move(expr_fn)) {}

  void visit(const Expr& e) override {
    if (!e.defined() || !expr_fn_) return;
    IRVisitor::visit(e);
    expr_fn_(e);
  }
  void visit(const Stmt& s) override {
    if (!s.defined()) return;
    IRVisitor::visit(s);
    if (stmt_fn_) stmt_fn_(s);
  }

 private:
  std::function<void(const Stmt&)> stmt_fn_;
  std::function<void(const Expr&)> expr_fn_;
};

}  // namespace

Expr substitute(const Expr& e, const VarMap& map) {
  return map.empty() ? e : Substituter(map).mutate(e);
}

Stmt substitute(const Stmt& s, const VarMap& map) {
  return map.empty() ? s : Substituter(map).mutate(s);
}

bool uses_any(const Expr& e, const std::function<bool(const VarNode*)>& pred) {
  VarUseFinder finder(pred);
  finder.visit(e);
  return finder.found;
}

bool uses_var(const Expr& e, const VarNode* v) {
  return uses_any(e, [v](const VarNode* x) { return x == v; });
}

bool uses_var(const Stmt& s, const VarNode* v) {
  std::function<bool(const VarNode*)> pred = [v](const VarNode* x) { return x == v; };
  VarUseFinder finder(pred);
  finder.visit(s);
  return finder.found;
}

std::vector<Var> free_vars(const Stmt& s) {
  FreeVarCollector c;
  c.visit(s);
  return std::move(c.result);
}

std::vector<Var> free_vars(const Expr& e) {
  FreeVarCollector c;
  c.visit(e);
  return std::move(c.result);
}

bool equal(const Expr& a, const Expr& b) { return Comparer().eq(a, b); }
bool equal(const Stmt& a, const Stmt& b) { return Comparer().eq(a, b); }

void post_order_visit(const Expr& e, const std::function<void(const Expr&)>& fn) {
  PostOrder(nullptr, fn).visit(e);
}

void post_order_visit(const Stmt& s, const std::function<void(const Stmt&)>& stmt_fn,
                      const std::function<void(const Expr&)>& expr_fn) {
  PostOrder(stmt_fn, expr_fn).visit(s);
}

std::unordered_set<const VarNode*> vars_bound_in(const Stmt& s) {
  std::unordered_set<const VarNode*> bound;
  post_order_visit(
      s,
      [&](const Stmt& x) {
        if (const auto* f = x.as<ForNode>()) bound.insert(f->var.get());
        if (const auto* l = x.as<LetStmtNode>()) bound.insert(l->var.get());
        if (const auto* a = x.as<AllocateNode>()) bound.insert(a->buffer->data.get());
      },
      [&](const Expr& x) {
        if (const auto* l = x.as<LetNode>()) bound.insert(l->var.get());
      });
  return bound;
}

}  // namespace tessera::ir
