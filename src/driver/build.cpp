#include "tessera/build.h"

namespace tessera {

// PackedArgs and Kernel::operator() are in src/ops/kernel_call.cpp (LLVM-free).

Kernel build(const schedule::Schedule& sched, const std::vector<lower::Arg>& args,
             const std::string& name, const BuildOptions& options) {
  ir::LoweredFunc func = lower::lower(sched, args, name, options.lower);
  std::shared_ptr<codegen::JitModule> module = codegen::jit_compile({func}, options.target, options.codegen);
  TesseraKernelFn fn = module->lookup(name);
  if (!fn) throw std::runtime_error("build: kernel " + name + " missing from its JIT module");
  return Kernel(std::move(func), std::move(module), fn);
}

}  // namespace tessera
