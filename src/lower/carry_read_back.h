// Register carry: a serial loop that stores a value into an output and reads it back one
// iteration later, through a read-back state (lower::ReadBack), keeps it in a register.
// This is the running value of a scan, out[i] = out[i - 1] (+) x[i]: without the pass every
// step waits on the store and reload of the previous element (the store-to-load forwarding
// latency, about 3x an add).
//
// A serial loop over i (min, extent) qualifies when its body
// - stores into exactly one buffer that is not allocated inside it, once: an output O at
//   indices S(i, u...), where u... are the variables of Unrolled or Vectorized loops of
//   constant extent around the store inside the loop, under conditions that do not depend
//   on i;
// - reads, in the stored value, O's state at indices L(i, u...) with L(i, u...) equal to
//   S(i - 1, u...) for every i after the first (proved by the simplifier);
// - and S is injective: each of i, u... is the only one of them in some index, where it
//   moves the index by a nonzero constant step. So no other store of the loop writes the
//   element between its store and its read (outputs do not overlap themselves, as the
//   parallel loops already assume).
// The loop then becomes
//   allocate carry[u...] (local)
//     if extent > 0: the body at i = min, each stored value also kept in carry[u...]
//     for i in [min + 1, min + extent): the body, reading carry[u...] instead of the state
// The first iteration keeps its reads, which may see what an earlier loop stored. Once the
// Unrolled loops are unrolled, carry has constant indices and LLVM keeps it in registers;
// a Vectorized loop makes carry a vector, one lane per row (rows in lanes).
//
// Runs before storage_flatten, on the tensors' own indices; carry buffers are added to
// the plan's storage (they are compact already).
#pragma once
#include "lower/plan_storage.h"
#include "tessera/ir/stmt.h"

namespace tessera::lower {
ir::Stmt carry_read_back(const ir::Stmt& s, StoragePlan* plan);
}  // namespace tessera::lower
