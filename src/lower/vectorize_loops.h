// Vectorization: a Vectorized loop of constant extent L becomes vector code.
//
// The loop variable becomes Ramp(min, 1, L); expressions that depend on it become L-lane
// vectors (scalars are Broadcast where they meet vectors), Loads/Stores with a vector
// index become vector accesses (contiguous when the index is a Ramp of stride 1, gathers
// and scatters otherwise). A body that cannot be vectorized (an If or an inner loop that
// depends on the variable, a store whose index does not depend on it, ...) is left as a
// serial loop, so the result is always correct.
#pragma once
#include "tessera/ir/stmt.h"

namespace tessera::lower {
ir::Stmt vectorize_loops(const ir::Stmt& s);
}
