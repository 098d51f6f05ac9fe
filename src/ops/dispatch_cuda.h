// Dispatch of operator calls whose tensors live on a CUDA device (DLTensor device kDLCUDA).
//
// tessera_compiler installs these into the operator library when it loads (ops::call through
// compiler_hooks.h's cuda_call, reduce() through gpu_hooks.h's cuda_reduce), so the same
// calls serve CPU and GPU tensors. Kernels are the operators' GPU variants (target "cuda"),
// compiled by NVRTC on first use and kept for the process (one CudaKernel per variant name).
// Launches go to the legacy default stream, asynchronously, in call order; a later call or
// cuda::synchronize() sees the results.
//
// Elementwise: every operand on one device; the contiguous rank-1 variant when every operand
// is compact with the broadcast shape, else the strided variant of the broadcast rank
// (stride 0 along broadcast dimensions).
//
// Reductions: the input is viewed as [kept..., reduced...] as on the CPU (size-1 axes drop,
// contiguous neighbours merge), then
//  - a full reduction of many elements runs in two stages: rows of the input into partial
//    results (one block each), then one block over the partials. Each stage combines in a
//    fixed order, so the result does not change from run to run. Operators whose partials
//    do not combine with themselves (mean, var, std, argmin, argmax) and float16/bfloat16
//    sums (their partials would round) run in one block;
//  - contiguous reduced axes: a block per output element (GpuReduceMode::Rows);
//  - one contiguous kept axis and one reduced axis (sum(axis=0) of a C-order matrix), for
//    operators whose partials combine as above: the rows split into chunks, a thread per
//    (chunk, column) reducing its chunk into partials, then a thread per column over its
//    chunks' partials in chunk order (both GpuReduceMode::Serial: at each step a block's
//    threads read 1 KB of one row, no shared memory, and with enough chunks every
//    multiprocessor is busy: 92% of the copy bandwidth on the H100 for 8192 x 8192 float32, where Columns
//    gave 53%, see bench/NOTES.md);
//  - otherwise one contiguous kept axis: columns across threads (GpuReduceMode::Columns);
//  - otherwise a thread per output element (GpuReduceMode::Serial).
// Not yet: output temporaries for outputs that overlap an input (an OpError), a disk cache
// of GPU kernels, CUDA operands mixed with CPU ones (an OpError), and scans.
#pragma once
#include <cstdint>

namespace tessera::ops {

// Installs the hooks (idempotent; also done by a static initializer of tessera_compiler).
void install_cuda_dispatch();

// GPU kernels compiled by this process's CUDA dispatch so far.
int64_t cuda_kernels_compiled();

}  // namespace tessera::ops
