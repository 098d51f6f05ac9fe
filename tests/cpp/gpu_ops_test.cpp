// Elementwise operators as CUDA kernels on a real GPU, against scalar references
// (gpu_ops_harness.h): every operator with a reference on every dtype it accepts, with
// special values (NaN, +-inf, +-0, extreme integers, subnormals); broadcasting, transposed,
// reversed, step-2 and misaligned views, 0-d and empty arrays; streams; and clear errors
// for CPU tensors, missing devices and faults inside kernels.
//
// Skips (GTEST_SKIP, with the reason) when the driver or a device is missing, or NVRTC is.
// scripts/gpu_check.sh runs it on the GPU machine, also under compute-sanitizer.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <memory>

#include "gpu_skip.h"
#include "gpu_ops_harness.h"
#include "tessera/build_cuda.h"
#include "tessera/ops/library.h"

namespace tessera {
namespace {

using gpu_test::Scenario;
using ir::DataType;

class CudaBackend : public gpu_test::Backend {
 public:
  explicit CudaBackend(cuda::Stream stream = cuda::kLegacyStream) : stream_(stream) {}
  void* alloc(size_t bytes) override { return cuda::device_alloc(bytes); }
  void release(void* p) override { cuda::device_free(p); }
  void upload(void* dst, const void* src, size_t n) override { cuda::copy_to_device(dst, src, n); }
  void download(void* dst, const void* src, size_t n) override { cuda::copy_to_host(dst, src, n); }

  const CudaKernel& kernel(const ops::OpDef& op, const ops::Variant& v) {
    std::string name = v.name(op.name);
    auto it = kernels_.find(name);
    if (it != kernels_.end()) return *it->second;
    ops::Generated g = op.generate(v);
    CudaBuildOptions options;
    options.lower.contiguous = v.layout == ops::Layout::Contiguous;
    return *kernels_.emplace(name, std::make_unique<CudaKernel>(build_cuda(g.sched, g.args, name, options)))
                .first->second;
  }

  void run(const ops::OpDef& op, const ops::Variant& v, const std::vector<DLTensor*>& args) override {
    const CudaKernel& k = kernel(op, v);
    k(std::vector<KernelArgValue>(args.begin(), args.end()), stream_);
    if (stream_ == cuda::kLegacyStream) cuda::synchronize();  // surfaces faults inside the kernel
    else cuda::synchronize_stream(stream_);
  }

 private:
  cuda::Stream stream_;
  std::map<std::string, std::unique_ptr<CudaKernel>> kernels_;
};

std::vector<DataType> all_dtypes() { return {std::begin(ir::kAllDTypes), std::end(ir::kAllDTypes)}; }

TEST(GpuOps, DeviceIsUsable) {
  SKIP_WITHOUT_GPU();
  std::cout << "device 0: " << cuda::device_name(0) << ", sm_" << cuda::compute_capability(0) << ", "
            << cuda::device_count() << " device(s)\n";
  EXPECT_GE(cuda::compute_capability(0), 50);
}

TEST(GpuOps, EveryOperatorOnEveryDtype) {
  SKIP_WITHOUT_GPU();
  ops::ensure_registered();
  std::vector<gpu_test::OpCase> cases = gpu_test::op_cases();
  CudaBackend backend;
  // Several hundred blocks and a serial tail for every vector width.
  for (const Scenario& s : gpu_test::sweep(cases, 40009)) gpu_test::run(backend, s);
}

TEST(GpuOps, LayoutsBroadcastingAndEmptyArrays) {
  SKIP_WITHOUT_GPU();
  ops::ensure_registered();
  std::vector<gpu_test::OpCase> cases = gpu_test::op_cases();
  CudaBackend backend;
  for (const char* op : {"add", "multiply", "where", "clip", "maximum", "floor_divide", "remainder",
                         "bitwise_right_shift", "less", "logical_xor", "isnan", "exp", "astype_float16",
                         "astype_bfloat16", "astype_int8", "astype_uint64", "astype_bool", "astype_float64"})
    for (const Scenario& s : gpu_test::layouts(gpu_test::find_case(cases, op), all_dtypes())) gpu_test::run(backend, s);
}

TEST(GpuOps, ManyBlocksOnALargeArray) {
  SKIP_WITHOUT_GPU();
  ops::ensure_registered();
  std::vector<gpu_test::OpCase> cases = gpu_test::op_cases();
  CudaBackend backend;
  const gpu_test::OpCase& add = gpu_test::find_case(cases, "add");
  gpu_test::run(backend, {&add, DataType::Float(32), {{(1 << 24) + 7}}});
  gpu_test::run(backend, {&add, DataType::Int(8), {{(1 << 24) + 9}}});
  gpu_test::run(backend, {&add, DataType::Float(64), {{1 << 12, 1 << 10}}, ew::Layout::Transposed});
}

TEST(GpuOps, ExplicitStreams) {
  SKIP_WITHOUT_GPU();
  ops::ensure_registered();
  std::vector<gpu_test::OpCase> cases = gpu_test::op_cases();
  cuda::Stream stream = cuda::create_stream();
  {
    CudaBackend on_stream(stream), per_thread(cuda::kPerThreadStream);
    gpu_test::run(on_stream, {&gpu_test::find_case(cases, "subtract"), DataType::Float(16), {{70001}}});
    gpu_test::run(per_thread, {&gpu_test::find_case(cases, "multiply"), DataType::UInt(16), {{70001}}});
  }
  cuda::destroy_stream(stream);
}

TEST(GpuOps, ZeroDimensionalKernelRunsOnOneThread) {
  SKIP_WITHOUT_GPU();
  ops::ensure_registered();
  const ops::OpDef* op = ops::find_op("add");
  ops::Variant v{*op->type_rule({DataType::Float(64), DataType::Float(64)}), 0, ops::Layout::Strided, "cuda", {}};
  ops::Generated g = op->generate(v);
  CudaKernel k = build_cuda(g.sched, g.args, "add0d");
  double host[3] = {1.25, 2.5, -1};
  auto* dev = static_cast<double*>(cuda::device_alloc(sizeof host));
  cuda::copy_to_device(dev, host, sizeof host);
  DLTensor t[3];
  for (int i = 0; i < 3; ++i) t[i] = DLTensor{dev + i, {kDLCUDA, 0}, 0, {kDLFloat, 64, 1}, nullptr, nullptr, 0};
  k({&t[0], &t[1], &t[2]});
  cuda::synchronize();
  cuda::copy_to_host(host, dev, sizeof host);
  cuda::device_free(dev);
  EXPECT_EQ(host[2], 3.75);
}

TEST(GpuOps, CpuTensorsAndMissingDevicesAreClearErrors) {
  SKIP_WITHOUT_GPU();
  ops::ensure_registered();
  const ops::OpDef* op = ops::find_op("add");
  ops::Variant v{*op->type_rule({DataType::Float(32), DataType::Float(32)}), 1, ops::Layout::Strided, "cuda", {}};
  ops::Generated g = op->generate(v);
  CudaKernel k = build_cuda(g.sched, g.args, "add_checked");
  float host[8] = {};
  auto* dev = static_cast<float*>(cuda::device_alloc(sizeof host));
  int64_t shape[1] = {8};
  DLTensor a{dev, {kDLCUDA, 0}, 1, {kDLFloat, 32, 1}, shape, nullptr, 0};
  DLTensor on_cpu{host, {kDLCPU, 0}, 1, {kDLFloat, 32, 1}, shape, nullptr, 0};
  try {
    k({&a, &on_cpu, &a});
    ADD_FAILURE() << "a CPU tensor was accepted";
  } catch (const KernelError& e) {
    EXPECT_STREQ(e.what(), "kernel add_checked: argument 1 (B) expects device cuda, got cpu");
  }
  DLTensor elsewhere = a;
  elsewhere.device.device_id = cuda::device_count();  // no such device
  try {
    k({&elsewhere, &elsewhere, &elsewhere});
    ADD_FAILURE() << "a missing device was accepted";
  } catch (const KernelError& e) {
    EXPECT_NE(std::string(e.what()).find("kernel add_checked: CUDA device " + std::to_string(cuda::device_count()) +
                                         " does not exist"),
              std::string::npos)
        << e.what();
  }
  if (cuda::device_count() > 1) {
    DLTensor other = a;
    other.device.device_id = 1;
    try {
      k({&a, &other, &a});
      ADD_FAILURE() << "tensors on two devices were accepted";
    } catch (const KernelError& e) {
      EXPECT_STREQ(e.what(), "kernel add_checked: argument 1 is on cuda:1 but an earlier tensor argument is on cuda:0");
    }
  }
  cuda::device_free(dev);
}

// Runs a kernel on a bogus device address with TESSERA_CUDA_SYNC=1; exits 0 after
// printing the error it reports.
[[noreturn]] void launch_a_fault() {
  setenv("TESSERA_CUDA_SYNC", "1", 1);
  ops::ensure_registered();
  const ops::OpDef* op = ops::find_op("negative");
  ops::Variant v{*op->type_rule({DataType::Float(32)}), 1, ops::Layout::Strided, "cuda", {}};
  ops::Generated g = op->generate(v);
  CudaKernel k = build_cuda(g.sched, g.args, "negative_fault");
  int64_t shape[1] = {1 << 20};
  DLTensor bogus{reinterpret_cast<void*>(uintptr_t{0x10}), {kDLCUDA, 0}, 1, {kDLFloat, 32, 1}, shape, nullptr, 0};
  try {
    k({&bogus, &bogus});
  } catch (const KernelError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    std::exit(0);
  }
  std::exit(1);
}

// A fault inside a kernel, in a process of its own (it poisons the CUDA context): with
// TESSERA_CUDA_SYNC=1 the error names the kernel.
TEST(GpuOps, FaultsInsideKernelsNameTheKernel) {
  SKIP_WITHOUT_GPU();
  if (std::getenv("TESSERA_UNDER_SANITIZER")) GTEST_SKIP() << "the fault is deliberate; not under compute-sanitizer";
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(launch_a_fault(), ::testing::ExitedWithCode(0), "kernel negative_fault: failed on cuda:0: CUDA_ERROR_");
}

}  // namespace
}  // namespace tessera
