// The GPU half of the program fuzzer's checker: a program with a GPU schedule
// (GenOptions::gpu) lowered for CUDA and run
//   - in the CPU emulator (cuda_emulator.h), on any machine: the host function, the launch
//     record and the CUDA C's semantics; the same CUDA C also goes through NVRTC when it
//     is installed (as on CI), so what the emulator accepts must compile for the GPU too;
//   - or on the GPU through tessera::build_cuda, the arguments copied to device memory
//     and back.
// The checker compares the result with the interpreter (which runs thread loops one after
// another: the generated schedules have no cross-thread dependence) and with the
// unscheduled program, as for CPU schedules.
#pragma once
#include <chrono>
#include <memory>
#include <optional>
#include <vector>

#include "cuda_emulator.h"
#include "program_fuzzer.h"
#include "tessera/build_cuda.h"

namespace tessera::fuzz {

// A tensor argument and the bytes of its whole allocation (data points at its start).
struct ArgBuffer {
  DLTensor* tensor;
  size_t bytes;
};

class GpuKernel {
 public:
  // Throws ScheduleError for a schedule a GPU cannot run, std::exception for anything else.
  GpuKernel(const schedule::Schedule& s, const std::vector<lower::Arg>& args, GpuRun how, lower::LowerOptions lo)
      : how_(how) {
    lo.device_type = kDLCUDA;
    lo.target = "cuda";
    if (how == GpuRun::Device) {
      CudaBuildOptions o;
      o.lower = lo;
      device_.emplace(build_cuda(s, args, kName, o));
      lowered_ = device_->lowered();
      return;
    }
    lowered_ = lower::lower(s, args, kName, lo);
    emulated_ = std::make_unique<testing::EmulatedKernels>(std::vector<ir::LoweredFunc>{lowered_});
    if (codegen::nvrtc_available()) codegen::compile_cuda(emulated_->source(), {}, "fuzz_kernel.cu");
  }

  const ir::LoweredFunc& lowered() const { return lowered_; }
  bool on_device() const { return how_ == GpuRun::Device; }
  // The last run's wall-clock time on the GPU (0 in the emulator, whose CPU time counts).
  double device_seconds() const { return device_seconds_; }

  // Runs on arguments in host memory, whose tensors say device cuda:0; on the GPU each
  // buffer is copied to the device and back. Returns the kernel's status.
  int32_t run(const std::vector<KernelArgValue>& args, const std::vector<ArgBuffer>& buffers) const {
    PackedArgs packed(args);
    const auto n = static_cast<int32_t>(args.size());
    if (how_ == GpuRun::Emulated) return emulated_->call(kName, packed.values.data(), packed.codes.data(), n);
    std::vector<void*> host, device;
    for (const ArgBuffer& b : buffers) {
      device.push_back(cuda::device_alloc(b.bytes));
      cuda::copy_to_device(device.back(), b.tensor->data, b.bytes);
      host.push_back(b.tensor->data);
      b.tensor->data = device.back();
    }
    // Twice: the first call loads the module; the second, timed, is what the checker weighs
    // against the interpreter's cost (outputs are a function of the inputs alone).
    int32_t status = device_->call(packed.values.data(), packed.codes.data(), n);
    if (status == 0) {
      cuda::synchronize();
      const auto start = std::chrono::steady_clock::now();
      status = device_->call(packed.values.data(), packed.codes.data(), n);
      cuda::synchronize();
      device_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    for (size_t i = 0; i < buffers.size(); ++i) {
      buffers[i].tensor->data = host[i];
      cuda::copy_to_host(host[i], device[i], buffers[i].bytes);
      cuda::device_free(device[i]);
    }
    return status;
  }

 private:
  static constexpr const char* kName = "fuzz_kernel";
  GpuRun how_;
  ir::LoweredFunc lowered_;
  std::unique_ptr<testing::EmulatedKernels> emulated_;
  std::optional<CudaKernel> device_;
  mutable double device_seconds_ = 0;
};

}  // namespace tessera::fuzz
