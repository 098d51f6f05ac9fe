// Build for NVIDIA GPUs: schedule -> lowered kernel -> host function + CUDA C -> kernel.
//
//   auto [bx, tx] = s[C].split(s[C].axis()[0], 256);
//   s[C].bind(bx, "blockIdx.x").bind(tx, "threadIdx.x");
//   CudaKernel k = tessera::build_cuda(s, {A, B, C}, "vadd");
//   k({&a, &b, &c});          // DLTensors on {kDLCUDA, id}; the legacy default stream
//   k({&a, &b, &c}, stream);  // or a DLPack stream value (see tessera/runtime/cuda.h)
//
// The host function (the packed kernel's argument checks, compiled for the CPU by LLVM)
// refuses bad arguments with the messages a CPU kernel gives (a CPU tensor: "expects
// device cuda, got cpu"); the device part is compiled by NVRTC. call() has the shape of
// tessera::Kernel::call plus a stream, so a kernel cache can hold both kinds side by side.
// Launches are asynchronous: synchronize (cuda::synchronize) before reading results.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "tessera/build.h"
#include "tessera/codegen/cuda.h"
#include "tessera/runtime/cuda.h"

namespace tessera {

struct CudaBuildOptions {
  lower::LowerOptions lower;  // device_type and target are set to kDLCUDA and "cuda"
  codegen::CudaTarget target;
  codegen::CpuTarget host = codegen::CpuTarget::host();  // for the host function
};

class CudaKernel {
 public:
  CudaKernel(ir::LoweredFunc func, std::string source, std::shared_ptr<codegen::JitModule> host_module,
             std::shared_ptr<cuda::DeviceKernel> device)
      : func_(std::move(func)), source_(std::move(source)), host_module_(std::move(host_module)),
        device_(std::move(device)) {}

  // Throws KernelError with the kernel's message when it refuses the arguments or the
  // launch fails.
  void operator()(const std::vector<KernelArgValue>& args, cuda::Stream stream = cuda::kLegacyStream) const;
  // The raw call; returns the status (message in tessera_last_error()).
  int32_t call(const TesseraValue* args, const int32_t* type_codes, int32_t num_args,
               cuda::Stream stream = cuda::kLegacyStream) const {
    return device_->call(args, type_codes, num_args, stream);
  }
  const ir::LoweredFunc& lowered() const { return func_; }  // the packed function
  const std::string& source() const { return source_; }     // the CUDA C
  const cuda::DeviceKernel& device() const { return *device_; }

 private:
  ir::LoweredFunc func_;
  std::string source_;
  std::shared_ptr<codegen::JitModule> host_module_;  // keeps the host function alive
  std::shared_ptr<cuda::DeviceKernel> device_;
};

// Throws schedule::ScheduleError for a schedule a GPU cannot run (see
// src/lower/verify_gpu_schedule.h), std::runtime_error when NVRTC is missing or fails.
// Needs no GPU: the kernel loads on its device at the first call.
CudaKernel build_cuda(const schedule::Schedule& sched, const std::vector<lower::Arg>& args,
                      const std::string& name, const CudaBuildOptions& options = {});

}  // namespace tessera
