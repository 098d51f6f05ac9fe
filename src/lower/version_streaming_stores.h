// Streaming-store versioning: gives each loop nest that holds Streaming stores (from
// Stage::stream_stores) a run-time choice between non-temporal and normal stores.
//
// Non-temporal stores pay off only for outputs larger than the cache (they skip the
// read-for-ownership but leave nothing cached) and need 16-byte aligned vectors, which
// DLPack does not promise. So each such nest becomes
//
//   if (bytes(B) >= streaming_store_bytes() && data(B) % 16 == 0 && strides of B keep
//       rows 16-byte aligned, for every streamed buffer B) {
//     nest with Streaming stores; store_fence() at the end of every parallel iteration
//     that streamed and after the nest
//   } else {
//     nest with Normal stores
//   }
//
// In the streaming copy a store keeps its hint only when it is a dense vector (stride-1
// ramp, a whole number of 16-byte pieces) whose first element is provably 16-byte aligned
// given those run-time checks; scalar tails, scatters and unprovable stores turn Normal,
// as does every hint of a nest with no provable store (which then is not versioned). Code
// generators may trust a remaining hint. Run on the CPU pipeline after vectorization and
// unrolling, before the last simplify; the result holds no unproved Streaming store.
#pragma once
#include "tessera/ir/stmt.h"

namespace tessera::lower {
ir::Stmt version_streaming_stores(const ir::Stmt& s);
// Every Streaming hint turned Normal (targets without streaming stores, such as CUDA).
ir::Stmt drop_streaming_hints(const ir::Stmt& s);
}  // namespace tessera::lower
