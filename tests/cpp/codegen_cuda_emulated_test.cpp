// The GPU code path run on the CPU (cuda_emulator.h): lowering for CUDA, the host/device
// split, the host function's checks and launch record, and the CUDA C's semantics, for
// every elementwise operator with a reference in gpu_ops_harness.h, on every dtype it
// accepts. The same checks run on a real GPU in gpu_ops_test.cpp.
//
// All kernels are compiled ahead in one host-compiler run (a few hundred kernels: the
// slow part of this test). Needs a host C++ compiler with _Float16 (g++ 12 or newer, or
// $CXX); skipped without one.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <set>
#include <memory>

#include "cuda_emulator.h"
#include "gpu_ops_harness.h"
#include "tessera/build.h"
#include "tessera/lower/lower.h"
#include "tessera/ops/library.h"

namespace tessera {
namespace {

using gpu_test::Scenario;

class EmulatorBackend : public gpu_test::Backend {
 public:
  void* alloc(size_t bytes) override { return std::calloc(1, bytes + 16); }
  void release(void* p) override { std::free(p); }
  void upload(void* dst, const void* src, size_t n) override { std::memcpy(dst, src, n); }
  void download(void* dst, const void* src, size_t n) override { std::memcpy(dst, src, n); }

  // Compiles every planned variant in one host-compiler run.
  void prepare(const std::vector<Scenario>& scenarios) {
    std::vector<ir::LoweredFunc> funcs;
    for (const Scenario& s : scenarios) {
      auto [op, v] = gpu_test::planned(s);
      std::string name = v.name(op->name);
      if (!seen_.insert(name).second) continue;
      ops::Generated g = op->generate(v);
      lower::LowerOptions lo;
      lo.contiguous = v.layout == ops::Layout::Contiguous;
      lo.device_type = kDLCUDA;
      lo.target = "cuda";
      funcs.push_back(lower::lower(g.sched, g.args, name, lo));
    }
    modules_.push_back(std::make_unique<testing::EmulatedKernels>(funcs));
    for (const ir::LoweredFunc& f : funcs) module_of_[f.name] = modules_.back().get();
  }

  void run(const ops::OpDef& op, const ops::Variant& v, const std::vector<DLTensor*>& args) override {
    std::string name = v.name(op.name);
    auto it = module_of_.find(name);
    if (it == module_of_.end()) throw std::runtime_error("variant " + name + " was not prepared");
    std::vector<KernelArgValue> values(args.begin(), args.end());
    PackedArgs packed(values);
    if (it->second->call(name, packed.values.data(), packed.codes.data(), static_cast<int32_t>(args.size())) != 0)
      throw KernelError(tessera_last_error());
  }

 private:
  std::set<std::string> seen_;
  std::vector<std::unique_ptr<testing::EmulatedKernels>> modules_;
  std::map<std::string, testing::EmulatedKernels*> module_of_;
};

bool host_compiler_works(std::string* why) {
  std::string cxx = std::getenv("CXX") ? std::getenv("CXX") : "g++";
  std::string cmd = "echo '_Float16 x;' | " + cxx + " -x c++ -std=c++17 -fsyntax-only - 2>/dev/null";
  if (std::system(cmd.c_str()) == 0) return true;
  *why = cxx + " cannot compile C++17 with _Float16";
  return false;
}

TEST(CudaEmulated, EveryOperatorOnEveryDtypeAndLayout) {
  std::string why;
  if (!host_compiler_works(&why)) GTEST_SKIP() << why;
  ops::ensure_registered();
  std::vector<gpu_test::OpCase> cases = gpu_test::op_cases();
  // 1003 elements: a few 256-thread blocks' worth of vectors, and a serial tail.
  std::vector<Scenario> scenarios = gpu_test::sweep(cases, 1003);
  const std::vector<ir::DataType> all(std::begin(ir::kAllDTypes), std::end(ir::kAllDTypes));
  for (const char* op : {"add", "where", "maximum", "floor_divide", "bitwise_right_shift", "astype_bfloat16",
                         "astype_uint8", "isnan", "exp"}) {
    std::vector<Scenario> more = gpu_test::layouts(gpu_test::find_case(cases, op), all);
    scenarios.insert(scenarios.end(), more.begin(), more.end());
  }
  EmulatorBackend backend;
  backend.prepare(scenarios);
  for (const Scenario& s : scenarios) gpu_test::run(backend, s);
}

}  // namespace
}  // namespace tessera
