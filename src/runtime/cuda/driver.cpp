// Loading the CUDA driver with dlopen, and the device queries of tessera/runtime/cuda.h.
#include <dlfcn.h>

#include <mutex>
#include <vector>

#include "driver_api.h"
#include "tessera/runtime/cuda.h"

namespace tessera::cuda {
namespace detail {
namespace {

std::string describe_with(const DriverApi& api, CUresult r) {
  const char* name = nullptr;
  const char* text = nullptr;
  if (api.cuGetErrorName) api.cuGetErrorName(r, &name);
  if (api.cuGetErrorString) api.cuGetErrorString(r, &text);
  std::string s = name ? name : "CUDA error " + std::to_string(r);
  if (text) s += std::string(" (") + text + ")";
  return s;
}

struct LoadedDriver {
  DriverApi api{};
  bool ok = false;
  std::string why;
};

template <class F>
bool resolve(void* lib, const char* symbol, F** slot, std::string* why) {
  *slot = reinterpret_cast<F*>(dlsym(lib, symbol));
  if (!*slot) *why = std::string("libcuda.so.1 has no entry point ") + symbol;
  return *slot != nullptr;
}

LoadedDriver load() {
  LoadedDriver d;
  void* lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char* err = dlerror();
    d.why = std::string("the CUDA driver (libcuda.so.1) cannot be loaded: ") + (err ? err : "not found");
    return d;
  }
  DriverApi& a = d.api;
  bool ok = resolve(lib, "cuInit", &a.cuInit, &d.why) &&
            resolve(lib, "cuDriverGetVersion", &a.cuDriverGetVersion, &d.why) &&
            resolve(lib, "cuDeviceGetCount", &a.cuDeviceGetCount, &d.why) &&
            resolve(lib, "cuDeviceGet", &a.cuDeviceGet, &d.why) &&
            resolve(lib, "cuDeviceGetAttribute", &a.cuDeviceGetAttribute, &d.why) &&
            resolve(lib, "cuDeviceGetName", &a.cuDeviceGetName, &d.why) &&
            resolve(lib, "cuDevicePrimaryCtxRetain", &a.cuDevicePrimaryCtxRetain, &d.why) &&
            resolve(lib, "cuCtxGetCurrent", &a.cuCtxGetCurrent, &d.why) &&
            resolve(lib, "cuCtxSetCurrent", &a.cuCtxSetCurrent, &d.why) &&
            resolve(lib, "cuCtxSynchronize", &a.cuCtxSynchronize, &d.why) &&
            resolve(lib, "cuModuleLoadData", &a.cuModuleLoadData, &d.why) &&
            resolve(lib, "cuModuleLoadDataEx", &a.cuModuleLoadDataEx, &d.why) &&
            resolve(lib, "cuModuleUnload", &a.cuModuleUnload, &d.why) &&
            resolve(lib, "cuModuleGetFunction", &a.cuModuleGetFunction, &d.why) &&
            resolve(lib, "cuLaunchKernel", &a.cuLaunchKernel, &d.why) &&
            resolve(lib, "cuMemAlloc_v2", &a.cuMemAlloc, &d.why) &&
            resolve(lib, "cuMemFree_v2", &a.cuMemFree, &d.why) &&
            resolve(lib, "cuMemcpyHtoD_v2", &a.cuMemcpyHtoD, &d.why) &&
            resolve(lib, "cuMemcpyDtoH_v2", &a.cuMemcpyDtoH, &d.why) &&
            resolve(lib, "cuMemsetD8_v2", &a.cuMemsetD8, &d.why) &&
            resolve(lib, "cuStreamCreate", &a.cuStreamCreate, &d.why) &&
            resolve(lib, "cuStreamDestroy_v2", &a.cuStreamDestroy, &d.why) &&
            resolve(lib, "cuStreamSynchronize", &a.cuStreamSynchronize, &d.why) &&
            resolve(lib, "cuGetErrorName", &a.cuGetErrorName, &d.why) &&
            resolve(lib, "cuMemcpyDtoDAsync_v2", &a.cuMemcpyDtoDAsync, &d.why) &&
            resolve(lib, "cuEventCreate", &a.cuEventCreate, &d.why) &&
            resolve(lib, "cuEventDestroy_v2", &a.cuEventDestroy, &d.why) &&
            resolve(lib, "cuEventRecord", &a.cuEventRecord, &d.why) &&
            resolve(lib, "cuEventSynchronize", &a.cuEventSynchronize, &d.why) &&
            resolve(lib, "cuEventElapsedTime", &a.cuEventElapsedTime, &d.why) &&
            resolve(lib, "cuGetErrorString", &a.cuGetErrorString, &d.why);
  if (!ok) return d;  // the library stays open: harmless, and dlclose of a driver is unsafe
  if (CUresult r = a.cuInit(0); r != kSuccess) {
    d.why = "the CUDA driver failed to initialize: " + describe_with(a, r);
    return d;
  }
  d.ok = true;
  return d;
}

}  // namespace

const DriverApi* driver(std::string* why) {
  static const LoadedDriver loaded = load();
  if (!loaded.ok && why) *why = loaded.why;
  return loaded.ok ? &loaded.api : nullptr;
}

std::string describe(CUresult r) {
  const DriverApi* api = driver();
  return api ? describe_with(*api, r) : "CUDA error " + std::to_string(r);
}

std::string bind_device(int device) {
  std::string why;
  const DriverApi* api = driver(&why);
  if (!api) return why;
  // Primary contexts, retained once per device and kept for the program's life.
  static std::mutex mu;
  static std::vector<CUcontext> contexts;
  CUcontext ctx = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (device < 0 || device >= device_count())
      return "CUDA device " + std::to_string(device) + " does not exist (" +
             std::to_string(device_count()) + " present)";
    if (contexts.size() <= static_cast<size_t>(device)) contexts.resize(device + 1, nullptr);
    if (!contexts[device]) {
      CUdevice dev = 0;
      CUresult r = api->cuDeviceGet(&dev, device);
      if (r == kSuccess) r = api->cuDevicePrimaryCtxRetain(&contexts[device], dev);
      if (r != kSuccess) return "cannot open CUDA device " + std::to_string(device) + ": " + describe(r);
    }
    ctx = contexts[device];
  }
  CUcontext current = nullptr;
  api->cuCtxGetCurrent(&current);
  if (current == ctx) return "";
  if (CUresult r = api->cuCtxSetCurrent(ctx); r != kSuccess)
    return "cannot make CUDA device " + std::to_string(device) + " current: " + describe(r);
  return "";
}

}  // namespace detail

bool available(std::string* why) {
  if (!detail::driver(why)) return false;
  if (device_count() == 0) {
    if (why) *why = "the CUDA driver loaded but sees no device";
    return false;
  }
  return true;
}

int device_count() {
  static const int count = [] {
    const detail::DriverApi* api = detail::driver();
    int n = 0;
    if (!api || api->cuDeviceGetCount(&n) != detail::kSuccess) return 0;
    return n;
  }();
  return count;
}

namespace {

const detail::DriverApi& api_or_throw() {
  std::string why;
  const detail::DriverApi* api = detail::driver(&why);
  if (!api) throw CudaError(why);
  return *api;
}

detail::CUdevice device_handle(int device) {
  const detail::DriverApi& api = api_or_throw();
  detail::CUdevice dev = 0;
  if (detail::CUresult r = api.cuDeviceGet(&dev, device); r != detail::kSuccess)
    throw CudaError("CUDA device " + std::to_string(device) + ": " + detail::describe(r));
  return dev;
}

}  // namespace

int compute_capability(int device) {
  const detail::DriverApi& api = api_or_throw();
  detail::CUdevice dev = device_handle(device);
  int major = 0, minor = 0;
  api.cuDeviceGetAttribute(&major, detail::kAttrComputeCapabilityMajor, dev);
  api.cuDeviceGetAttribute(&minor, detail::kAttrComputeCapabilityMinor, dev);
  return major * 10 + minor;
}

std::string device_name(int device) {
  const detail::DriverApi& api = api_or_throw();
  char name[256] = {};
  api.cuDeviceGetName(name, sizeof(name) - 1, device_handle(device));
  return name;
}

}  // namespace tessera::cuda
