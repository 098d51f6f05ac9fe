// GPU schedules of the reduction operators (reduction_defs.cpp builds the tensor
// expressions; a variant whose target is "cuda" is scheduled here instead of by
// reduction_schedule.cpp).
//
// The kernel's input is [kept..., reduced...] (dispatch collapses the caller's axes into that
// form); attrs[2] picks how threads share the work (GpuReduceMode). Every mode combines the
// values of one output element in a fixed order (per-thread serial partials, then a fixed
// tree across threads), so results are deterministic run to run. The cross-thread step is
// written as rfactor into a shared-memory stage whose first axis is bound to a thread tag,
// read by a local accumulator outside loops of that tag; lower/gpu_thread_reduce.h turns
// the accumulator's loop into a tree with barriers.
#pragma once
#include <vector>

#include "tessera/schedule/schedule.h"

namespace tessera::ops {

enum class GpuReduceMode : int64_t {
  // One thread per output element, reducing serially, 4 steps per iteration so that their
  // loads overlap (the fallback for any view; also both stages of dispatch's split column
  // reductions, see dispatch_cuda.h).
  Serial = 0,
  // One block of kGpuRowThreads threads per output element (row); threads take
  // interleaved elements of the row (coalesced when the reduced axes are contiguous),
  // then combine through shared memory. With nothing kept: one block for the whole array
  // (dispatch splits large full reductions into a row pass and this, see dispatch_cuda.h).
  Rows = 1,
  // Output elements (columns) across threadIdx.x, reduced rows split across threadIdx.y:
  // every step of a warp reads consecutive columns of one row (sum(axis=0) of a C-order
  // matrix), then the row parts combine through shared memory. With several kept axes the
  // others go to blockIdx.y and z. About 53% of the copy bandwidth for sum(axis=0) of
  // 8192 x 8192 float32 on the H100 (bench/NOTES.md): dispatch prefers the split plan of
  // dispatch_cuda.h where the partials combine.
  Columns = 2,
};

inline constexpr int kGpuRowThreads = 512;
inline constexpr int kGpuColumnThreads = 32;  // threadIdx.x: columns of one block
inline constexpr int kGpuColumnRows = 32;     // threadIdx.y: row parts of one block

// At most 3 kept axes (blockIdx.y and z hold the first two of three, at most 65535 each).
// Throws std::invalid_argument otherwise.
// Schedules reduction stages (each with the kept axes of `out`, or {1} when kept_rank is 0)
// and the elementwise stage `out` that reads them.
void schedule_reduction_gpu(schedule::Schedule& s, const std::vector<te::Tensor>& reductions, const te::Tensor& out,
                            int kept_rank, int reduced_rank, GpuReduceMode mode);

}  // namespace tessera::ops
