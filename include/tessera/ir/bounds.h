// Interval analysis of integer expressions: the range of values an expression can take
// when its variables range over given intervals. Used by bound inference, the simplifier
// and loop partitioning. Bounds may be symbolic (in terms of variables not in the scope).
#pragma once
#include <unordered_map>

#include "tessera/ir/expr.h"

namespace tessera::ir {

// Closed interval [min, max]; an undefined end means unbounded on that side.
struct Interval {
  Expr min, max;
  Interval() = default;
  Interval(Expr lo, Expr hi) : min(std::move(lo)), max(std::move(hi)) {}
  static Interval single_point(const Expr& e) { return {e, e}; }
  bool is_bounded() const { return min.defined() && max.defined(); }
  bool is_single_point() const;  // min and max structurally equal
};

// Variables with known ranges. Variables not in the scope are treated as symbols.
using BoundsScope = std::unordered_map<const VarNode*, Interval>;

// Conservative bounds of an integer (or Bool) expression; the result is simplified.
// Handles +, -, * (by constants and by symbols of known sign), floor div/mod by constants
// and by positive symbols, min, max, select, casts between integer types, Let, and
// comparisons (giving [0, 1] or a constant). int64 arithmetic is assumed not to overflow
// (as in simplify.h); narrower types get constant bounds, or their type's range.
Interval bounds_of(const Expr& e, const BoundsScope& scope);

// The union over a variable's range of e's bounds: a convenience for "relax v over [lo, hi]".
Interval bounds_of_relaxed(const Expr& e, const Var& v, const Interval& range,
                           const BoundsScope& scope);

}  // namespace tessera::ir
