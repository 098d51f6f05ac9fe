// DeviceKernel: validate through the host function, then launch (tessera/runtime/cuda.h).
#include <cstdlib>
#include <mutex>
#include <vector>

#include "driver_api.h"
#include "tessera/runtime/cuda.h"

namespace tessera::cuda {
namespace {

using detail::CUfunction;
using detail::CUmodule;
using detail::CUresult;

int32_t fail(const std::string& message) {
  tessera_error_begin();
  tessera_error_str(message.c_str());
  return 1;
}

// Stack storage for the common small case, the heap beyond it.
template <class T, size_t N>
class Scratch {
 public:
  explicit Scratch(size_t n) : heap_(n > N ? n : 0), data_(n > N ? heap_.data() : inline_) {}
  T* data() { return data_; }
  T& operator[](size_t i) { return data_[i]; }

 private:
  T inline_[N] = {};
  std::vector<T> heap_;
  T* data_;
};

bool sync_after_launch() {
  static const bool sync = [] {
    const char* v = std::getenv("TESSERA_CUDA_SYNC");
    return v && *v && *v != '0';
  }();
  return sync;
}

}  // namespace

struct DeviceKernel::Loaded {
  std::mutex mu;
  std::vector<CUmodule> modules;  // per device ordinal; nullptr until loaded
  std::vector<CUfunction> functions;
};

DeviceKernel::DeviceKernel(std::string name, TesseraKernelFn host, std::vector<uint8_t> cubin,
                           std::string ptx, int num_params)
    : name_(std::move(name)), host_(host), cubin_(std::move(cubin)), ptx_(std::move(ptx)),
      num_params_(num_params), loaded_(std::make_unique<Loaded>()) {
  if (!host_) throw std::invalid_argument("DeviceKernel " + name_ + ": no host function");
  if (cubin_.empty() && ptx_.empty())
    throw std::invalid_argument("DeviceKernel " + name_ + ": neither a cubin nor PTX");
  if (num_params_ < 0) throw std::invalid_argument("DeviceKernel " + name_ + ": negative parameter count");
}

DeviceKernel::~DeviceKernel() {
  const detail::DriverApi* api = detail::driver();
  if (!api) return;
  for (size_t d = 0; d < loaded_->modules.size(); ++d)
    if (loaded_->modules[d] && detail::bind_device(static_cast<int>(d)).empty())
      api->cuModuleUnload(loaded_->modules[d]);  // errors at process exit are harmless
}

namespace {

// Loads the image on the current context: the cubin first, the PTX (JIT-compiled by the
// driver) when the cubin is missing or does not fit this GPU. "" or an error message.
std::string load_module(const detail::DriverApi& api, const std::vector<uint8_t>& cubin,
                        const std::string& ptx, CUmodule* module) {
  std::string cubin_error;
  if (!cubin.empty()) {
    CUresult r = api.cuModuleLoadData(module, cubin.data());
    if (r == detail::kSuccess) return "";
    cubin_error = "the cubin does not load (" + detail::describe(r) + ")";
    if (ptx.empty()) return cubin_error;
  }
  std::vector<char> log(16384, '\0');
  int options[] = {detail::kJitErrorLogBuffer, detail::kJitErrorLogBufferSize};
  void* values[] = {log.data(), reinterpret_cast<void*>(static_cast<uintptr_t>(log.size() - 1))};
  CUresult r = api.cuModuleLoadDataEx(module, ptx.c_str(), 2, options, values);
  if (r == detail::kSuccess) return "";
  std::string msg = "the PTX does not load (" + detail::describe(r) + ")";
  if (log[0]) msg += ":\n" + std::string(log.data());
  return cubin_error.empty() ? msg : cubin_error + " and " + msg;
}

}  // namespace

int32_t DeviceKernel::call(const TesseraValue* args, const int32_t* type_codes, int32_t num_args,
                           Stream stream) const {
  auto error = [&](const std::string& message) { return fail("kernel " + name_ + ": " + message); };
  if (num_args < 0) return error("negative argument count");
  // The caller's arguments plus the launch record's address (see the header).
  Scratch<TesseraValue, 16> extended(static_cast<size_t>(num_args) + 1);
  for (int32_t i = 0; i < num_args; ++i) extended[i] = args[i];
  Scratch<int64_t, 32> record(static_cast<size_t>(num_params_) + kLaunchDims);
  extended[num_args].v_handle = record.data();
  if (int32_t rc = host_(extended.data(), type_codes, num_args); rc != 0) return rc;

  const int64_t* dims = record.data() + num_params_;
  for (int i = 0; i < kLaunchDims; ++i)
    if (dims[i] <= 0) return 0;  // an empty grid: nothing to run
  const int64_t limits[kLaunchDims] = {2147483647, 65535, 65535, 1024, 1024, 64};
  const char* names[kLaunchDims] = {"grid x", "grid y", "grid z", "block x", "block y", "block z"};
  for (int i = 0; i < kLaunchDims; ++i)
    if (dims[i] > limits[i])
      return error(std::string(names[i]) + " of " + std::to_string(dims[i]) + " exceeds the CUDA limit of " +
                  std::to_string(limits[i]) + " (the input is too large for this schedule)");

  // The host function has checked kinds and device types; all tensors must share a GPU.
  int device = -1;
  for (int32_t i = 0; i < num_args; ++i) {
    if (type_codes[i] != kTesseraArgTensor) continue;
    int id = static_cast<const DLTensor*>(args[i].v_handle)->device.device_id;
    if (device < 0) device = id;
    if (id != device)
      return error("argument " + std::to_string(i) + " is on cuda:" + std::to_string(id) +
                  " but an earlier tensor argument is on cuda:" + std::to_string(device));
  }
  if (device < 0) device = 0;

  std::string why;
  const detail::DriverApi* api = detail::driver(&why);
  if (!api) return error(why);
  if (std::string err = detail::bind_device(device); !err.empty()) return error(err);
  CUfunction function = nullptr;
  {
    std::lock_guard<std::mutex> lock(loaded_->mu);
    if (loaded_->functions.size() <= static_cast<size_t>(device)) {
      loaded_->functions.resize(device + 1, nullptr);
      loaded_->modules.resize(device + 1, nullptr);
    }
    if (!loaded_->functions[device]) {
      CUmodule module = nullptr;
      if (std::string err = load_module(*api, cubin_, ptx_, &module); !err.empty())
        return error("cannot load on cuda:" + std::to_string(device) + ": " + err);
      CUresult r = api->cuModuleGetFunction(&loaded_->functions[device], module, name_.c_str());
      if (r != detail::kSuccess) return error("not found in its module: " + detail::describe(r));
      loaded_->modules[device] = module;
    }
    function = loaded_->functions[device];
  }

  Scratch<void*, 32> params(num_params_);
  for (int i = 0; i < num_params_; ++i) params[i] = &record[i];
  auto cu_stream = reinterpret_cast<detail::CUstream>(stream);
  CUresult r = api->cuLaunchKernel(function, static_cast<unsigned>(dims[0]), static_cast<unsigned>(dims[1]),
                                   static_cast<unsigned>(dims[2]), static_cast<unsigned>(dims[3]),
                                   static_cast<unsigned>(dims[4]), static_cast<unsigned>(dims[5]), 0,
                                   cu_stream, params.data(), nullptr);
  if (r != detail::kSuccess)
    return error("launch on cuda:" + std::to_string(device) + " failed: " + detail::describe(r));
  if (sync_after_launch()) {
    r = api->cuStreamSynchronize(cu_stream);
    if (r != detail::kSuccess)
      return error("failed on cuda:" + std::to_string(device) + ": " + detail::describe(r));
  }
  return 0;
}

}  // namespace tessera::cuda
