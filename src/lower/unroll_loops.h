// Unrolling: an Unrolled loop of constant extent becomes a Seq of copies of its body with
// the variable replaced by each value. A symbolic extent is left as a serial loop.
#pragma once
#include "tessera/ir/stmt.h"

namespace tessera::lower {
ir::Stmt unroll_loops(const ir::Stmt& s);
}
