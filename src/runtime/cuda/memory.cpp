// Device memory, copies, streams and synchronization (tessera/runtime/cuda.h).
#include "driver_api.h"
#include "tessera/runtime/cuda.h"

namespace tessera::cuda {
namespace {

using detail::CUdeviceptr;
using detail::CUresult;
using detail::CUstream;
using detail::CUevent;

// Binds the device's context to this thread; returns the driver.
const detail::DriverApi& on_device(int device, const char* what) {
  std::string why;
  const detail::DriverApi* api = detail::driver(&why);
  if (!api) throw CudaError(std::string(what) + ": " + why);
  if (std::string err = detail::bind_device(device); !err.empty())
    throw CudaError(std::string(what) + ": " + err);
  return *api;
}

void check(CUresult r, const char* what) {
  if (r != detail::kSuccess) throw CudaError(std::string(what) + " failed: " + detail::describe(r));
}

CUdeviceptr dptr(const void* p) { return static_cast<CUdeviceptr>(reinterpret_cast<uintptr_t>(p)); }

}  // namespace

void* device_alloc(size_t bytes, int device) {
  const auto& api = on_device(device, "device_alloc");
  CUdeviceptr p = 0;
  check(api.cuMemAlloc(&p, bytes == 0 ? 1 : bytes), "cuMemAlloc");
  return reinterpret_cast<void*>(static_cast<uintptr_t>(p));
}

void device_free(void* ptr, int device) {
  if (!ptr) return;
  check(on_device(device, "device_free").cuMemFree(dptr(ptr)), "cuMemFree");
}

void copy_to_device(void* dst, const void* src, size_t bytes, int device) {
  if (bytes == 0) return;
  check(on_device(device, "copy_to_device").cuMemcpyHtoD(dptr(dst), src, bytes), "cuMemcpyHtoD");
}

void copy_to_host(void* dst, const void* src, size_t bytes, int device) {
  if (bytes == 0) return;
  check(on_device(device, "copy_to_host").cuMemcpyDtoH(dst, dptr(src), bytes), "cuMemcpyDtoH");
}

void device_memset(void* dst, uint8_t value, size_t bytes, int device) {
  if (bytes == 0) return;
  check(on_device(device, "device_memset").cuMemsetD8(dptr(dst), value, bytes), "cuMemsetD8");
}

void synchronize(int device) {
  check(on_device(device, "synchronize").cuCtxSynchronize(), "cuCtxSynchronize");
}

Stream create_stream(int device) {
  CUstream s = nullptr;
  check(on_device(device, "create_stream").cuStreamCreate(&s, 0), "cuStreamCreate");
  return reinterpret_cast<Stream>(s);
}

void destroy_stream(Stream stream, int device) {
  if (stream == 0 || stream == kLegacyStream || stream == kPerThreadStream) return;
  check(on_device(device, "destroy_stream").cuStreamDestroy(reinterpret_cast<CUstream>(stream)),
        "cuStreamDestroy");
}

void synchronize_stream(Stream stream, int device) {
  check(on_device(device, "synchronize_stream").cuStreamSynchronize(reinterpret_cast<CUstream>(stream)),
        "cuStreamSynchronize");
}

void device_copy_async(void* dst, const void* src, size_t bytes, Stream stream, int device) {
  if (bytes == 0) return;
  check(on_device(device, "device_copy_async")
            .cuMemcpyDtoDAsync(dptr(dst), dptr(src), bytes, reinterpret_cast<CUstream>(stream)),
        "cuMemcpyDtoDAsync");
}

EventTimer::EventTimer(Stream stream, int device) : stream_(stream), device_(device) {
  const auto& api = on_device(device, "EventTimer");
  CUevent a = nullptr, b = nullptr;
  check(api.cuEventCreate(&a, 0), "cuEventCreate");
  if (CUresult r = api.cuEventCreate(&b, 0); r != detail::kSuccess) {
    api.cuEventDestroy(a);
    check(r, "cuEventCreate");
  }
  begin_ = a;
  end_ = b;
}

EventTimer::~EventTimer() {
  std::string why;
  if (const detail::DriverApi* api = detail::driver(&why); api && detail::bind_device(device_).empty()) {
    api->cuEventDestroy(static_cast<CUevent>(begin_));
    api->cuEventDestroy(static_cast<CUevent>(end_));
  }
}

void EventTimer::start() {
  check(on_device(device_, "EventTimer::start").cuEventRecord(static_cast<CUevent>(begin_), reinterpret_cast<CUstream>(stream_)),
        "cuEventRecord");
}

float EventTimer::stop() {
  const auto& api = on_device(device_, "EventTimer::stop");
  check(api.cuEventRecord(static_cast<CUevent>(end_), reinterpret_cast<CUstream>(stream_)), "cuEventRecord");
  check(api.cuEventSynchronize(static_cast<CUevent>(end_)), "cuEventSynchronize");
  float ms = 0;
  check(api.cuEventElapsedTime(&ms, static_cast<CUevent>(begin_), static_cast<CUevent>(end_)), "cuEventElapsedTime");
  return ms;
}

}  // namespace tessera::cuda
