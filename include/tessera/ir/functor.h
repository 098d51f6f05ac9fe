// Visiting and rewriting IR trees.
//
// IRVisitor walks every node (override a visit_* and call the base to keep walking).
// IRMutator rebuilds a tree bottom-up and returns the very same node when none of its
// children changed, so passes that change nothing cost no allocation and `same_as`
// tells whether a pass did anything.
#pragma once
#include "tessera/ir/expr.h"
#include "tessera/ir/stmt.h"

namespace tessera::ir {

class IRVisitor {
 public:
  virtual ~IRVisitor() = default;
  virtual void visit(const Expr& e);
  virtual void visit(const Stmt& s);

 protected:
  virtual void visit_int_imm(const IntImmNode*) {}
  virtual void visit_float_imm(const FloatImmNode*) {}
  virtual void visit_string_imm(const StringImmNode*) {}
  virtual void visit_var(const VarNode*) {}
  virtual void visit_cast(const CastNode* op);
  virtual void visit_binary(const BinaryNode* op);
  virtual void visit_select(const SelectNode* op);
  virtual void visit_call(const CallNode* op);
  virtual void visit_load(const LoadNode* op);
  virtual void visit_ramp(const RampNode* op);
  virtual void visit_broadcast(const BroadcastNode* op);
  virtual void visit_let(const LetNode* op);
  virtual void visit_reduce(const ReduceNode* op);

  virtual void visit_for(const ForNode* op);
  virtual void visit_store(const StoreNode* op);
  virtual void visit_seq(const SeqNode* op);
  virtual void visit_if(const IfThenElseNode* op);
  virtual void visit_let_stmt(const LetStmtNode* op);
  virtual void visit_allocate(const AllocateNode* op);
  virtual void visit_assert(const AssertNode* op);
  virtual void visit_evaluate(const EvaluateNode* op);
};

class IRMutator {
 public:
  virtual ~IRMutator() = default;
  virtual Expr mutate(const Expr& e);
  virtual Stmt mutate(const Stmt& s);

 protected:
  // Each receives the node and the Expr/Stmt holding it, so "unchanged" returns `self`.
  virtual Expr mutate_int_imm(const IntImmNode*, const Expr& self) { return self; }
  virtual Expr mutate_float_imm(const FloatImmNode*, const Expr& self) { return self; }
  virtual Expr mutate_string_imm(const StringImmNode*, const Expr& self) { return self; }
  virtual Expr mutate_var(const VarNode*, const Expr& self) { return self; }
  virtual Expr mutate_cast(const CastNode* op, const Expr& self);
  virtual Expr mutate_binary(const BinaryNode* op, const Expr& self);
  virtual Expr mutate_select(const SelectNode* op, const Expr& self);
  virtual Expr mutate_call(const CallNode* op, const Expr& self);
  virtual Expr mutate_load(const LoadNode* op, const Expr& self);
  virtual Expr mutate_ramp(const RampNode* op, const Expr& self);
  virtual Expr mutate_broadcast(const BroadcastNode* op, const Expr& self);
  virtual Expr mutate_let(const LetNode* op, const Expr& self);
  virtual Expr mutate_reduce(const ReduceNode* op, const Expr& self);

  virtual Stmt mutate_for(const ForNode* op, const Stmt& self);
  virtual Stmt mutate_store(const StoreNode* op, const Stmt& self);
  virtual Stmt mutate_seq(const SeqNode* op, const Stmt& self);
  virtual Stmt mutate_if(const IfThenElseNode* op, const Stmt& self);
  virtual Stmt mutate_let_stmt(const LetStmtNode* op, const Stmt& self);
  virtual Stmt mutate_allocate(const AllocateNode* op, const Stmt& self);
  virtual Stmt mutate_assert(const AssertNode* op, const Stmt& self);
  virtual Stmt mutate_evaluate(const EvaluateNode* op, const Stmt& self);

  // Mutates each element; returns true if any changed.
  bool mutate_all(const std::vector<Expr>& in, std::vector<Expr>* out);
};

}  // namespace tessera::ir
