// GPU code generation: lowered kernels -> readable CUDA C -> cubin and PTX through NVRTC.
//
// The CUDA C carries the semantics of tessera/ir/expr.h in a small prelude of helper
// functions (floor division, NumPy shifts and remainder, NaN-propagating min/max);
// float16 and bfloat16 are cuda_fp16.h's __half and cuda_bf16.h's __nv_bfloat16, computed
// in float and rounded after every operation. NVRTC runs without FMA contraction
// (--fmad=false) so float results match the CPU backend's IEEE arithmetic.
//
// NVRTC is loaded with dlopen on first use (TESSERA_NVRTC names the library to use, else
// libnvrtc.so, libnvrtc.so.13, libnvrtc.so.12, then the same under /usr/local/cuda/lib64);
// nothing links it at build time. The fp16/bf16 headers come from TESSERA_CUDA_INCLUDE,
// $CUDA_HOME/include, $CUDA_PATH/include, the include folder beside NVRTC, or
// /usr/local/cuda/include. TESSERA_DUMP_CUDA=1 prints every source before compiling it.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "tessera/ir/module.h"

namespace tessera::codegen {

struct CudaTarget {
  // Compute capability major * 10 + minor: compile a cubin for sm_<arch> and PTX for
  // compute_<arch>, which the driver JIT-compiles for newer GPUs. 0: the first GPU's, or
  // 90 (Hopper) on a machine without one; clamped to the newest NVRTC supports.
  int arch = 0;
  bool line_info = true;  // -lineinfo, so compute-sanitizer reports name source lines
  // --Ofast-compile=max: about 3x faster compiles of slower code with the same results
  // (for tests that only check that kernels compile). Needs NVRTC 12.8 or newer.
  bool fast_compile = false;
};

// CUDA C with one extern "C" __global__ function per kernel, named like the kernel. A
// kernel is either a packed CUDA function from lower() (its device part is emitted, see
// src/lower/split_host_device.h) or such a device part itself (target "cuda", not packed).
// Throws ir::IRError on IR the backend cannot express.
std::string emit_cuda(const std::vector<ir::LoweredFunc>& kernels);

struct CudaBinary {
  std::vector<uint8_t> cubin;  // sm_<arch> machine code
  std::string ptx;             // compute_<arch>
  int arch = 0;                // the architecture compiled for
  std::string log;             // NVRTC's warnings, if any
};

// Compiles CUDA C with NVRTC. Throws std::runtime_error when NVRTC cannot be loaded (saying
// where it looked) or the source does not compile (with NVRTC's log and the source's name).
CudaBinary compile_cuda(const std::string& source, const CudaTarget& target = {},
                        const std::string& name = "tessera_kernels.cu");

// Whether NVRTC can be loaded, and why not (for tests that skip without it).
bool nvrtc_available(std::string* why = nullptr);

}  // namespace tessera::codegen
