// Build: schedule -> lowered kernel -> native code, in one call.
//
//   Kernel k = tessera::build(s, {A, B, C}, "vadd");
//   k({&a, &b, &c});   // DLTensor* arguments (and int64/double scalars), in order
//
// A Kernel owns its JIT module and can be called from any thread.
#pragma once
#include <memory>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "tessera/codegen/llvm.h"
#include "tessera/ir/module.h"
#include "tessera/lower/lower.h"
#include "tessera/runtime/kernel_abi.h"

namespace tessera {

// A kernel rejected its arguments (the message names the kernel and the argument).
class KernelError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using KernelArgValue = std::variant<DLTensor*, int64_t, double>;

struct BuildOptions {
  lower::LowerOptions lower;
  codegen::CpuTarget target = codegen::CpuTarget::host();
  codegen::CodegenOptions codegen;
};

class Kernel {
 public:
  Kernel(ir::LoweredFunc func, std::shared_ptr<codegen::JitModule> module, TesseraKernelFn fn)
      : func_(std::move(func)), module_(std::move(module)), fn_(fn) {}

  // Throws KernelError with the kernel's message when it returns an error.
  void operator()(const std::vector<KernelArgValue>& args) const;
  // The raw call; returns the kernel's status (message in tessera_last_error()).
  int32_t call(const TesseraValue* args, const int32_t* type_codes, int32_t num_args) const {
    return fn_(args, type_codes, num_args);
  }
  const ir::LoweredFunc& lowered() const { return func_; }
  TesseraKernelFn fn() const { return fn_; }

 private:
  ir::LoweredFunc func_;
  std::shared_ptr<codegen::JitModule> module_;
  TesseraKernelFn fn_;
};

Kernel build(const schedule::Schedule& sched, const std::vector<lower::Arg>& args,
             const std::string& name, const BuildOptions& options = {});

// Packs arguments into the kernel ABI (also used by the reference interpreter in tests).
struct PackedArgs {
  std::vector<TesseraValue> values;
  std::vector<int32_t> codes;
  explicit PackedArgs(const std::vector<KernelArgValue>& args);
};

}  // namespace tessera
