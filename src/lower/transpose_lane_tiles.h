// Tiles transposed in registers: a serial loop whose vector accesses run across a strided
// dimension (lanes) and move one element per iteration along the loop is strip-mined into
// tiles of L iterations, where each access becomes L contiguous vectors and a transpose.
//
// The case it serves: a scan along rows with rows in vector lanes (reduction_scan.cpp),
//   for i in [min, min + extent):                       (serial)
//     let next = carry[0:L] + x[ramp(r0 * S + i, S, L)]   (lane k reads row r0 + k)
//     out[ramp(r0 * S' + i, S', L)] = next; carry[0:L] = next
// where every vector access is a gather or scatter of stride S. With the pass, a tile of
// L iterations loads L vectors x[r0 + k, i0 : i0 + L] (one per row, contiguous), turns them
// into the L columns with Intrinsic::TransposeLane, runs the L iterations on the columns
// (the carry stays in a register), keeps their results in a local L x L tile, and stores
// it transposed back as L contiguous vectors, which the streaming-store pass may stream.
//
// A serial loop over v qualifies when its body is straight-line (lets and stores) and
// - every access to a non-local buffer whose index depends on v is a vector access of L
//   lanes (one L for the loop, a power of two) with index ramp(base, stride, L), stride
//   invariant and base moving by one element per iteration: a step of 1, or a symbolic
//   stride checked at run time (no let bound in the body appears in such an index);
// - local buffers are accessed at indices that do not depend on v (the carry);
// - each non-local buffer is stored at most once in the body (the tile writes one store's
//   vectors after the other's, which must not reorder two writes of one element);
// - no buffer the body stores to (non-local) is also loaded in it, so moving the loads of a
//   tile before its stores and the stores after its loads keeps every value (an output that
//   may overlap an input is copied by the operator before the kernel runs);
// - some lane stride is not provably 1 (contiguous lanes need no transpose).
// It becomes, with h = 0, or when min is a constant the h < L steps up to a multiple of L
// (so that the tiles' vectors are as aligned as the rows, which streaming stores need):
//   if every step == 1 (checked at run time unless proved):
//     for v in [min, min + min(extent, h)): the body (the first columns)
//     allocate the result tiles (local)
//       for t in [0, max(extent - h, 0) / L): the tile at v = min + h + t * L
//     for v after the last tile, to min + extent: the body (the last columns)
//   else: the loop unchanged
// CPU only: runs after vectorize_loops and before unroll_loops.
#pragma once
#include "tessera/ir/stmt.h"

namespace tessera::lower {
ir::Stmt transpose_lane_tiles(const ir::Stmt& s);
}  // namespace tessera::lower
