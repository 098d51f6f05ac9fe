// Unrolling: an Unrolled loop of constant extent becomes a Seq of copies of its body with
// the variable replaced by each value. A symbolic extent is left as a serial loop.
//
// Code-size budget: a loop whose copies would hold more than kMaxUnrolledNodes IR nodes
// (inner unrolled loops and loop-partition copies included) is left as a serial loop, so a
// schedule such as unroll(fuse(i, j)) over a large nest cannot produce a function that
// LLVM needs minutes to compile. The budget is far above any register-tile micro-kernel.
#pragma once
#include <cstdint>

#include "tessera/ir/stmt.h"

namespace tessera::lower {
inline constexpr int64_t kMaxUnrolledNodes = 1 << 14;

ir::Stmt unroll_loops(const ir::Stmt& s);
}  // namespace tessera::lower
