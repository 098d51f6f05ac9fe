// The integer simplifier (simplify.h).
//
// Integer sums are flattened into linear forms, sum(atom * coefficient) + constant, whose
// atoms are simplified non-linear subexpressions; rebuilding a form gives the canonical sum
// (terms in order of first appearance, positive terms first, the constant last). Collecting
// terms is an identity in Z/2^bits, so it never changes a value, even when it wraps.
//
// Rules that need the mathematical value (splitting floor division, ordered comparisons,
// min/max) first show that no wrap-around happens, using an exact numeric interval for every
// simplified node. The exception is int64, the index type: like Halide and TVM, the
// simplifier assumes that the int64 +, -, *, negations and divisions of its input (and of the
// scope's bounds) do not overflow, so an input sum's value is its polynomial's value. Sums it
// builds itself (the remainder of a split division, the sides of a canonical comparison) are
// still checked, and canonical int64 sums never wrap a coefficient. Results can differ only
// for inputs where some int64 operation of the input overflows. Narrower and unsigned types
// are always exact.
//
// Comparisons the intervals cannot decide go to a small prover that substitutes symbolic
// loop bounds (dependent loops first) and splits min/max atoms. Its work is bounded: the
// queries that simplifying a substituted bound asks in turn share the outermost query's
// steps and nest only so deep, and an exhausted query answers with the plain interval.
//
// This file holds the entry points; simplify_internal.h lists the files that implement the
// Simplifier, one responsibility each.
#include "tessera/ir/simplify.h"

#include "simplify_internal.h"

namespace tessera::ir {

Expr simplify(const Expr& e, const BoundsScope& scope) { return detail::Simplifier(scope).mutate(e); }

Stmt simplify(const Stmt& s, const BoundsScope& scope) { return detail::Simplifier(scope).mutate(s); }

bool can_prove(const Expr& cond, const BoundsScope& scope) {
  Expr r = simplify(cond, scope);
  if (const auto* b = r.as<BroadcastNode>()) r = b->value;
  auto v = detail::int_value(r);
  return v && *v != 0;
}

}  // namespace tessera::ir
