// CUDA on the runtime side: device memory, streams and kernel launches, with no NVRTC and
// no link-time dependence on the driver. libcuda.so.1 is opened with dlopen on first use,
// so a program linked with the runtime starts on a machine without a GPU and gets a clear
// error (or available() == false) instead of a loader failure.
//
// Streams follow DLPack: a stream is an integer, 1 is the legacy default stream, 2 the
// per-thread default stream, and anything else a CUstream handle (the driver API uses the
// same two values for CU_STREAM_LEGACY and CU_STREAM_PER_THREAD, so they pass through).
//
// A GPU kernel is two parts (see DeviceKernel): a host function with the ordinary kernel
// ABI (kernel_abi.h) that validates the arguments exactly as a CPU kernel does and writes a
// launch record, and a __global__ function in a module image (cubin and/or PTX).
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "tessera/runtime/kernel_abi.h"

namespace tessera::cuda {

// A driver call failed, or there is no driver or device. The message says which.
class CudaError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using Stream = uintptr_t;
inline constexpr Stream kLegacyStream = 1;
inline constexpr Stream kPerThreadStream = 2;

// Whether the driver loads and sees at least one device; if not, why (for GTEST_SKIP).
bool available(std::string* why = nullptr);
int device_count();  // 0 without a driver
// major * 10 + minor, e.g. 90 for an H100. Throws CudaError.
int compute_capability(int device = 0);
std::string device_name(int device = 0);

// Device memory and copies (synchronous). All throw CudaError with the driver's message.
void* device_alloc(size_t bytes, int device = 0);
void device_free(void* ptr, int device = 0);
void copy_to_device(void* dst, const void* src, size_t bytes, int device = 0);
void copy_to_host(void* dst, const void* src, size_t bytes, int device = 0);
void device_memset(void* dst, uint8_t value, size_t bytes, int device = 0);
// Waits for all work on the device; throws CudaError with the first asynchronous error
// (an illegal address in an earlier kernel, say).
void synchronize(int device = 0);

// Device-to-device copy, asynchronous on `stream` (the bandwidth ceiling of benchmarks).
void device_copy_async(void* dst, const void* src, size_t bytes, Stream stream = kLegacyStream, int device = 0);

// GPU time between two points of a stream, from a pair of CUDA events: start(), enqueue
// work, then stop() waits for the work and returns the milliseconds between the events.
class EventTimer {
 public:
  explicit EventTimer(Stream stream = kLegacyStream, int device = 0);
  ~EventTimer();
  EventTimer(const EventTimer&) = delete;
  EventTimer& operator=(const EventTimer&) = delete;
  void start();
  float stop();

 private:
  Stream stream_;
  int device_;
  void* begin_ = nullptr;
  void* end_ = nullptr;
};

Stream create_stream(int device = 0);
void destroy_stream(Stream stream, int device = 0);
void synchronize_stream(Stream stream, int device = 0);

// Slots of the launch record after the kernel's parameters: grid x, y, z, block x, y, z.
inline constexpr int kLaunchDims = 6;

// A compiled GPU kernel: call() has the shape of tessera::Kernel::call plus a stream.
//
// call() runs the host function with one extra argument after the caller's num_args: the
// address of the launch record (int64 slots: one per __global__ parameter, holding its
// bits in the low bytes so that the slot's address is its cuLaunchKernel argument, then
// kLaunchDims). A host function error is returned as is (message in tessera_last_error()).
// Then every tensor must be on one device (device_id); the module is loaded on that device
// on first use (the cubin, or the PTX when the cubin does not fit the GPU), and the kernel
// is launched on `stream`, asynchronously. An empty grid launches nothing. Launch failures
// return non-zero with a message naming the kernel; with TESSERA_CUDA_SYNC=1 every launch
// is followed by a synchronization, so errors inside the kernel also name it.
class DeviceKernel {
 public:
  DeviceKernel(std::string name, TesseraKernelFn host, std::vector<uint8_t> cubin, std::string ptx,
               int num_params);
  ~DeviceKernel();
  DeviceKernel(const DeviceKernel&) = delete;
  DeviceKernel& operator=(const DeviceKernel&) = delete;

  int32_t call(const TesseraValue* args, const int32_t* type_codes, int32_t num_args,
               Stream stream = kLegacyStream) const;
  const std::string& name() const { return name_; }

 private:
  struct Loaded;
  std::string name_;
  TesseraKernelFn host_;
  std::vector<uint8_t> cubin_;
  std::string ptx_;
  int num_params_;
  std::unique_ptr<Loaded> loaded_;  // per-device modules, loaded on first use
};

}  // namespace tessera::cuda
