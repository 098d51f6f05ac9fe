// Cross-thread reductions on GPUs: a reduction whose axis is bound to a threadIdx tag.
//
// A GPU schedule reduces across threads in two stages (src/ops/gpu_reduction_schedules.h):
// rfactor gives a stage rf[t, ...] in shared memory whose axis t is bound to a threadIdx tag
// (each thread writes its own partial result), and the final stage, outside loops of that
// tag, reduces rf over t with a serial loop into a local (per-thread) accumulator. Run as
// written, every thread would read all partials in turn. This pass finds such a loop (a
// serial loop of constant extent n that stores only to local memory at indices free of its
// variable, and reads shared buffers written by thread loops of extent n at indices that
// use it) and replaces it by a fixed binary tree over the tag's threads (rf[i] =
// f(rf[i], rf[i + ceil(n/2)]) for i < floor(n/2), then n = ceil(n/2)), with a barrier
// between levels (__syncwarp once all remaining partials lie in warp 0 of a
// threadIdx.x-only block, __syncthreads before), after which every thread copies rf[0]
// into its accumulator. The combine f is the loop's own body with its operands renamed, so
// any reducer works (sums, min/max with NaN, argmax's (value, index) pairs); reducers are
// commutative and associative (te::comm_reducer), so the tree computes what the loop did,
// in a fixed order: results are deterministic.
//
// After the rewrite, stores to memory other than "local" that no loop bound to some
// threadIdx tag of the kernel encloses (the result's store after a reduction) are made to
// run on thread 0 of that tag only, and conditions that enclose a barrier are pushed down
// to the statements beside it, so that every thread of a block reaches every barrier.
//
// Barriers are Evaluate statements of a StringImm (gpu_barrier); the CUDA backend emits
// them. Kernels without such reductions are returned unchanged.
#pragma once
#include <string>

#include "tessera/ir/stmt.h"

namespace tessera::lower {

enum class GpuBarrier { None, Block, Warp };

ir::Stmt gpu_barrier(GpuBarrier kind);
GpuBarrier as_gpu_barrier(const ir::Stmt& s);  // None when s is not a barrier

// Throws ir::IRError when a barrier would end up under a condition that reads memory.
ir::Stmt lower_thread_reduce(const ir::Stmt& s);

}  // namespace tessera::lower
