// From a stage's split/fuse relations to loops: the range of every iteration variable,
// and the value of every root variable in terms of the leaf loop variables.
//
// Leaf loops that are root axes run over their own range [min, min+extent); derived axes
// (split/fuse results) run from 0. A split whose factor may not divide its parent's
// extent yields a predicate `offset < extent` that guards the stage's body.
#pragma once
#include <map>
#include <vector>

#include "tessera/schedule/schedule.h"

namespace tessera::schedule {

using RangeMap = std::map<const ir::IterVarNode*, ir::Range>;

// Adds the ranges of all derived iteration variables of `stage` to `ranges`, which must
// already hold the stage's root ranges.
void derive_ranges(const StageNode& stage, RangeMap* ranges);

struct LeafMapping {
  std::map<const ir::IterVarNode*, Expr> value;  // every iter var -> its value from leaf vars
  std::vector<Expr> predicates;                  // must all hold for an iteration to run
};

// Needs the ranges of all of the stage's iteration variables (derive_ranges).
LeafMapping map_to_leaves(const StageNode& stage, const RangeMap& ranges);

}  // namespace tessera::schedule
