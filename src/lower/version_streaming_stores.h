// Streaming-store versioning: gives each loop nest that holds Streaming stores (from
// Stage::stream_stores) a run-time choice between non-temporal and normal stores.
//
// Non-temporal stores pay off only for outputs larger than the cache (they skip the
// read-for-ownership but leave nothing cached) and need 16-byte aligned vectors, which
// DLPack does not promise; they are fastest a whole 64-byte cache line per instruction,
// which needs 64-byte alignment (NumPy's arrays have 16). So each such nest becomes
//
//   if (bytes(B) >= streaming_store_bytes() && data(B) % 64 == 0 && strides of B keep
//       rows 64-byte aligned, for every buffer B streamed in lines) {
//     nest with StreamingLines stores (and Streaming ones for the rest); store_fence()
//     at the end of every parallel iteration that streamed and after the nest
//   } else if (the same with 16 bytes, for every streamed buffer B) {
//     nest with Streaming stores; fences as above
//   } else {
//     nest with Normal stores
//   }
//
// The first branch exists only where some store is a dense vector of whole lines; the
// dispatcher starts contiguous calls on a line of the output (ops/dispatch.cpp). In a
// streaming copy a store keeps a hint only when it is a dense vector (stride-1 ramp, a
// whole number of 16-byte pieces, or lines for StreamingLines) whose first element is
// provably aligned given those run-time checks; scalar tails, scatters and unprovable
// stores turn Normal, as does every hint of a nest with no provable store (which then is
// not versioned). Code generators may trust a remaining hint. Run on the CPU pipeline
// after vectorization and unrolling, before the last simplify; the result holds no
// unproved streaming store.
#pragma once
#include "tessera/ir/stmt.h"

namespace tessera::lower {
ir::Stmt version_streaming_stores(const ir::Stmt& s);
// Every streaming hint turned Normal (targets without streaming stores, such as CUDA).
ir::Stmt drop_streaming_hints(const ir::Stmt& s);
}  // namespace tessera::lower
