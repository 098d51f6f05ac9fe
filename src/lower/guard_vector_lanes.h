// GPU vector tails: a guarded vectorized loop becomes a whole-vector case and a serial tail.
//
//   vector for l in [m, m + L): if (c(l)) S
// becomes
//   if (c(m) && c(m + L - 1)) { vector for l in [m, m + L): S } else { for l ...: if (c(l)) S }
// when every conjunct of c (nested ifs count as conjuncts) that depends on l is an
// inequality affine in l, so its two ends decide all lanes. On a GPU each thread runs one
// such vector: every thread but the grid's last takes one 16-byte access. Loop
// partitioning, the CPU answer, would instead give the vector loop a symbolic extent,
// which cannot be vectorized. Run before partition_loops, for CUDA only.
#pragma once
#include "tessera/ir/stmt.h"

namespace tessera::lower {
ir::Stmt guard_vector_lanes(const ir::Stmt& s);
}
