// Runs tessera's generated CUDA C on the CPU, so the GPU code path (host function, launch
// record, CUDA C semantics) is tested on machines without a GPU.
//
// The source from codegen::emit_cuda is compiled by the host C++ compiler against a shim of
// the CUDA built-ins it uses (blockIdx/threadIdx, __half as _Float16, a bfloat16 struct
// with correct rounding, saturating float->int conversions, <math.h> for the math), with
// one wrapper per kernel that runs every block and thread in turn and reads each parameter
// from a launch-record slot as cuLaunchKernel would. Kernels with barriers (the cross-thread
// trees of GPU reductions) run each block's threads as concurrent std::threads, with
// __shared__ memory as statics (blocks run one after another) and __syncthreads and
// __syncwarp as a barrier of the whole block (every thread reaches both in tessera's
// kernels); other kernels run their threads one after another.
#pragma once
#include <dlfcn.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "codegen/cuda/emitter.h"
#include "lower/split_host_device.h"
#include "tessera/codegen/cuda.h"
#include "tessera/codegen/llvm.h"
#include "tessera/runtime/cuda.h"

namespace tessera::testing {

inline const char* kCudaShim = R"(// CPU shim of the CUDA built-ins tessera's kernels use.
#include <math.h>
#include <stdint.h>
#include <limits>
#include <stdlib.h>
#include <string.h>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>
struct shim_barrier {
  std::mutex m;
  std::condition_variable cv;
  unsigned count = 0, total = 1, generation = 0;
  void wait() {
    std::unique_lock<std::mutex> lock(m);
    unsigned g = generation;
    if (++count == total) {
      count = 0;
      ++generation;
      cv.notify_all();
    } else {
      cv.wait(lock, [&] { return generation != g; });
    }
  }
};
static shim_barrier shim_block_barrier;
inline void __syncthreads() { shim_block_barrier.wait(); }
inline void __syncwarp() { shim_block_barrier.wait(); }
#define __shared__ static
struct tessera_dim3 { unsigned int x, y, z; };
static thread_local tessera_dim3 blockIdx, threadIdx;
#define __global__
#define __device__
#define __forceinline__ inline
#define __launch_bounds__(n)
#define __trap() abort()
struct uint4 { unsigned int x, y, z, w; };
struct uint2 { unsigned int x, y; };
template <class To, class From> inline To shim_bits(From f) { To t; memcpy(&t, &f, sizeof t); return t; }
inline float __int_as_float(int x) { return shim_bits<float>(x); }
inline float __uint_as_float(unsigned int x) { return shim_bits<float>(x); }
inline double __longlong_as_double(long long x) { return shim_bits<double>(x); }
// cvt.rzi saturates and maps NaN to 0.
template <class I, class F> inline I shim_to_int(F x) {
  if (x != x) return 0;
  F t = trunc(x);
  if (t <= (F)std::numeric_limits<I>::min()) return std::numeric_limits<I>::min();
  if (t >= (F)std::numeric_limits<I>::max()) return std::numeric_limits<I>::max();
  return (I)t;
}
inline int __float2int_rz(float x) { return shim_to_int<int>(x); }
inline long long __float2ll_rz(float x) { return shim_to_int<long long>(x); }
inline unsigned long long __float2ull_rz(float x) { return shim_to_int<unsigned long long>(x); }
inline int __double2int_rz(double x) { return shim_to_int<int>(x); }
inline long long __double2ll_rz(double x) { return shim_to_int<long long>(x); }
inline unsigned long long __double2ull_rz(double x) { return shim_to_int<unsigned long long>(x); }
typedef _Float16 __half;
// As PTX's cvt.f32.f16: every NaN becomes the canonical NaN (sign and payload lost).
inline float __half2float(__half h) {
  float f = (float)h;
  return f != f ? shim_bits<float>(0x7fffffffu) : f;
}
inline __half __float2half_rn(float f) { return (__half)f; }
inline __half __double2half(double d) { return (__half)d; }
inline unsigned short __half_as_ushort(__half h) { return shim_bits<unsigned short>(h); }
inline __half __ushort_as_half(unsigned short u) { return shim_bits<__half>(u); }
struct __nv_bfloat16 { unsigned short bits; };
inline float __bfloat162float(__nv_bfloat16 b) { return shim_bits<float>((unsigned int)b.bits << 16); }
inline __nv_bfloat16 __float2bfloat16_rn(float f) {
  unsigned int u = shim_bits<unsigned int>(f);
  if (f != f) return {(unsigned short)((u >> 16) | 0x40)};
  u += 0x7fffu + ((u >> 16) & 1u);
  return {(unsigned short)(u >> 16)};
}
inline __nv_bfloat16 __double2bfloat16(double d) {  // round to odd in float, then to nearest
  float f = (float)d;
  if (d == d && (double)f != d && fabs((double)f) != INFINITY) {
    if (fabs((double)f) > fabs(d)) f = nextafterf(f, 0.0f);
    f = shim_bits<float>(shim_bits<unsigned int>(f) | 1u);
  }
  return __float2bfloat16_rn(f);
}
inline unsigned short __bfloat16_as_ushort(__nv_bfloat16 b) { return b.bits; }
inline __nv_bfloat16 __ushort_as_bfloat16(unsigned short u) { return {u}; }
)";

// The packed CUDA kernels of one compilation, runnable on the CPU; call() has the contract
// of cuda::DeviceKernel::call (tensors must carry device type kDLCUDA; their data are host
// pointers here).
class EmulatedKernels {
 public:
  explicit EmulatedKernels(const std::vector<ir::LoweredFunc>& packed) {
    std::vector<ir::LoweredFunc> hosts, devices;
    for (const ir::LoweredFunc& f : packed) {
      lower::HostDeviceSplit split = lower::split_host_device(f);
      num_params_[f.name] = static_cast<int>(split.device.params.size());
      hosts.push_back(split.host);
      devices.push_back(split.device);
    }
    host_ = codegen::jit_compile(hosts);
    source_ = codegen::emit_cuda(devices);
    std::string program = std::string(kCudaShim) + source_;
    for (const ir::LoweredFunc& d : devices)
      program += wrapper(d, codegen::emit_cuda({d}).find("__sync") != std::string::npos);
    compile(program);
    for (const ir::LoweredFunc& f : packed) {
      entries_[f.name] = {host_->lookup(f.name + "_launch"),
                          reinterpret_cast<Run>(dlsym(library_, ("tessera_emulate_" + f.name).c_str()))};
      if (!entries_[f.name].host || !entries_[f.name].run)
        throw std::runtime_error("emulator: kernel " + f.name + " is missing");
    }
  }
  ~EmulatedKernels() {
    if (library_) dlclose(library_);
  }
  EmulatedKernels(const EmulatedKernels&) = delete;
  EmulatedKernels& operator=(const EmulatedKernels&) = delete;

  int32_t call(const std::string& name, const TesseraValue* args, const int32_t* codes, int32_t n) const {
    const Entry& e = entries_.at(name);
    int np = num_params_.at(name);
    std::vector<TesseraValue> extended(args, args + n);
    std::vector<int64_t> record(np + cuda::kLaunchDims, 0);
    TesseraValue r{};
    r.v_handle = record.data();
    extended.push_back(r);
    if (int32_t rc = e.host(extended.data(), codes, n); rc != 0) return rc;
    std::vector<void*> params(np);
    for (int i = 0; i < np; ++i) params[i] = &record[i];
    for (int i = 0; i < cuda::kLaunchDims; ++i)
      if (record[np + i] <= 0) return 0;
    e.run(params.data(), record.data() + np);
    return 0;
  }
  const std::string& source() const { return source_; }

 private:
  using Run = void (*)(void**, const int64_t*);
  struct Entry {
    TesseraKernelFn host = nullptr;
    Run run = nullptr;
  };

  static std::string wrapper(const ir::LoweredFunc& d, bool threaded) {
    std::string args;
    for (size_t i = 0; i < d.params.size(); ++i) {
      const ir::KernelParam& p = d.params[i];
      std::string type = p.kind == ir::KernelParam::Kind::Tensor
                             ? std::string(p.is_output ? "" : "const ") + codegen::cuda_detail::storage_type(p.buffer->dtype) + "*"
                             : codegen::cuda_detail::c_type(p.var.type());
      args += (i ? ", " : "") + std::string("*(") + type + "*)p[" + std::to_string(i) + "]";
    }
    if (threaded)
      return "extern \"C\" void tessera_emulate_" + d.name + "(void** p, const long long* g) {\n"
             "  for (unsigned bz = 0; bz < g[2]; ++bz) for (unsigned by = 0; by < g[1]; ++by)\n"
             "  for (unsigned bx = 0; bx < g[0]; ++bx) {\n"
             "    shim_block_barrier.total = (unsigned)(g[3] * g[4] * g[5]);\n"
             "    std::vector<std::thread> threads;\n"
             "    for (unsigned tz = 0; tz < g[5]; ++tz) for (unsigned ty = 0; ty < g[4]; ++ty)\n"
             "    for (unsigned tx = 0; tx < g[3]; ++tx) threads.emplace_back([=] {\n"
             "      blockIdx = {bx, by, bz};\n      threadIdx = {tx, ty, tz};\n      " +
             d.name + "(" + args + ");\n    });\n"
             "    for (std::thread& t : threads) t.join();\n  }\n}\n";
    return "extern \"C\" void tessera_emulate_" + d.name + "(void** p, const long long* g) {\n"
           "  for (unsigned bz = 0; bz < g[2]; ++bz) for (unsigned by = 0; by < g[1]; ++by)\n"
           "  for (unsigned bx = 0; bx < g[0]; ++bx) for (unsigned tz = 0; tz < g[5]; ++tz)\n"
           "  for (unsigned ty = 0; ty < g[4]; ++ty) for (unsigned tx = 0; tx < g[3]; ++tx) {\n"
           "    blockIdx = {bx, by, bz};\n    threadIdx = {tx, ty, tz};\n    " +
           d.name + "(" + args + ");\n  }\n}\n";
  }

  void compile(const std::string& program) {
    char dir_template[] = "/tmp/tessera_emulator_XXXXXX";
    if (!mkdtemp(dir_template)) throw std::runtime_error("emulator: mkdtemp failed");
    dir_ = dir_template;
    for (const char* header : {"cuda_fp16.h", "cuda_bf16.h"}) std::ofstream(dir_ + "/" + header) << "\n";
    std::ofstream(dir_ + "/kernels.cpp") << program;
    std::string cxx = std::getenv("CXX") ? std::getenv("CXX") : "g++";
    std::string cmd = cxx + " -std=c++17 -O0 -fPIC -shared -pthread -w -I" + dir_ + " -o " + dir_ + "/kernels.so " + dir_ +
                      "/kernels.cpp 2> " + dir_ + "/log.txt";
    if (std::system(cmd.c_str()) != 0) {
      std::ifstream log(dir_ + "/log.txt");
      std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
      throw std::runtime_error("emulator: the host compiler rejected the CUDA C (" + dir_ + "/kernels.cpp):\n" +
                               text.substr(0, 4000));
    }
    library_ = dlopen((dir_ + "/kernels.so").c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!library_) throw std::runtime_error(std::string("emulator: dlopen failed: ") + dlerror());
    std::remove((dir_ + "/kernels.cpp").c_str());
    std::remove((dir_ + "/kernels.so").c_str());
    std::remove((dir_ + "/log.txt").c_str());
    for (const char* header : {"cuda_fp16.h", "cuda_bf16.h"}) std::remove((dir_ + "/" + header).c_str());
    rmdir(dir_.c_str());
  }

  std::unique_ptr<codegen::JitModule> host_;
  std::string source_;
  std::string dir_;
  void* library_ = nullptr;
  std::map<std::string, Entry> entries_;
  std::map<std::string, int> num_params_;
};

}  // namespace tessera::testing
