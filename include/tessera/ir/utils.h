// Small analyses and rewrites over the IR that many passes share.
#pragma once
#include <functional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "tessera/ir/expr.h"
#include "tessera/ir/stmt.h"

namespace tessera::ir {

using VarMap = std::unordered_map<const VarNode*, Expr>;

// Replaces variables by expressions (no capture checks: Vars are unique by identity).
Expr substitute(const Expr& e, const VarMap& map);
Stmt substitute(const Stmt& s, const VarMap& map);

// Whether e (or s) reads v / any variable accepted by pred.
bool uses_var(const Expr& e, const VarNode* v);
bool uses_var(const Stmt& s, const VarNode* v);
bool uses_any(const Expr& e, const std::function<bool(const VarNode*)>& pred);

// Variables read but not bound inside (Let, LetStmt, For and buffer data handles).
// Order of first appearance.
std::vector<Var> free_vars(const Stmt& s);
std::vector<Var> free_vars(const Expr& e);

// Variables bound inside s: loop variables, Let/LetStmt variables, allocation handles.
std::unordered_set<const VarNode*> vars_bound_in(const Stmt& s);

// Structural equality: same node kinds, types, constants and the same Var identities.
bool equal(const Expr& a, const Expr& b);
bool equal(const Stmt& a, const Stmt& b);

// Calls fn on every node in pre-order.
void post_order_visit(const Expr& e, const std::function<void(const Expr&)>& fn);
void post_order_visit(const Stmt& s, const std::function<void(const Stmt&)>& stmt_fn,
                      const std::function<void(const Expr&)>& expr_fn = nullptr);

}  // namespace tessera::ir
