// The integer simplifier: constant folding, canonical ordering of sums and products,
// and facts about symbolic extents.
//
// It rewrites integer (and Bool) subexpressions; float arithmetic is only constant-folded
// when exact (never reassociated). It knows floor division/modulo (expr.h semantics):
// (x * 16 + y) / 16 -> x + y / 16 and (x * 16 + y) % 16 -> y % 16 when y's bounds allow,
// x / 1 -> x, and (a + b) - b -> a. Comparisons whose outcome follows from the bounds of
// the scope's variables fold to true/false. Every rewrite preserves the value of the
// expression for every assignment of its variables (the simplifier fuzzer checks this),
// with one assumption, as in Halide and TVM: int64 (index) +, -, *, negation and division
// in the input and in the scope's bounds do not overflow. Narrower and unsigned integer
// types are exact, wrap-around included.
#pragma once
#include "tessera/ir/bounds.h"
#include "tessera/ir/expr.h"
#include "tessera/ir/stmt.h"

namespace tessera::ir {

Expr simplify(const Expr& e, const BoundsScope& scope = {});

// Simplifies every expression; For loops add their variable's range to the scope, If
// conditions that fold to a constant remove the branch, loops of extent 0 disappear and
// loops of extent 1 become a LetStmt (or a substitution).
Stmt simplify(const Stmt& s, const BoundsScope& scope = {});

// True only if cond (Bool) holds for every assignment within the scope.
bool can_prove(const Expr& cond, const BoundsScope& scope = {});

}  // namespace tessera::ir
