// Loop partitioning: removes the bounds guards that non-dividing splits leave inside loops.
//
// For a loop over v whose body contains `if (c * v + r < n)` (or <=, >, >=, with c a
// positive or negative constant and r bounded by the ranges of the loops inside), the
// loop is split into a main part where the condition is provably true for every inner
// iteration (guard removed) and a tail that keeps the guard. The main loop of a split
// with a non-dividing factor is therefore free of guards.
#pragma once
#include "tessera/ir/stmt.h"

namespace tessera::lower {
ir::Stmt partition_loops(const ir::Stmt& s);
}
