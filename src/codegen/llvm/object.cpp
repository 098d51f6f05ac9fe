// Module construction and the two non-JIT outputs: textual LLVM IR and object files.
//
// Every call builds in its own LLVMContext and TargetMachine, so these functions may run
// concurrently on several threads.
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Support/raw_ostream.h>

#include <stdexcept>

#include "codegen/llvm/emitter.h"

namespace tessera::codegen {
namespace detail {

std::unique_ptr<llvm::Module> build_module(llvm::LLVMContext& ctx,
                                           const std::vector<ir::LoweredFunc>& funcs,
                                           llvm::TargetMachine& tm, const CpuTarget& target,
                                           const CodegenOptions& options) {
  auto module = std::make_unique<llvm::Module>("tessera", ctx);
  module->setTargetTriple(target.triple);
  module->setDataLayout(tm.createDataLayout());
  Emitter emitter(*module, target);
  for (const ir::LoweredFunc& f : funcs) emitter.emit_kernel(f);
  std::string errors;
  llvm::raw_string_ostream os(errors);
  if (llvm::verifyModule(*module, &os))
    throw std::runtime_error("tessera codegen produced invalid LLVM IR: " + os.str());
  optimize_module(*module, tm, options.opt_level);
  return module;
}

std::vector<uint8_t> compile_to_object(const std::vector<ir::LoweredFunc>& funcs,
                                       const CpuTarget& target, const CodegenOptions& options) {
  llvm::LLVMContext ctx;
  std::unique_ptr<llvm::TargetMachine> tm = make_target_machine(target, options.opt_level, options.fp_contract);
  std::unique_ptr<llvm::Module> module = build_module(ctx, funcs, *tm, target, options);
  llvm::SmallVector<char, 0> buffer;
  llvm::raw_svector_ostream os(buffer);
  llvm::legacy::PassManager pm;
  if (tm->addPassesToEmitFile(pm, os, nullptr, llvm::CodeGenFileType::ObjectFile))
    throw std::runtime_error("tessera: LLVM cannot emit object files for " + target.triple);
  pm.run(*module);
  return std::vector<uint8_t>(buffer.begin(), buffer.end());
}

}  // namespace detail

std::string emit_llvm_ir(const std::vector<ir::LoweredFunc>& funcs, const CpuTarget& target,
                         const CodegenOptions& options) {
  llvm::LLVMContext ctx;
  std::unique_ptr<llvm::TargetMachine> tm = detail::make_target_machine(target, options.opt_level, options.fp_contract);
  std::unique_ptr<llvm::Module> module = detail::build_module(ctx, funcs, *tm, target, options);
  std::string text;
  llvm::raw_string_ostream os(text);
  module->print(os, nullptr);
  return os.str();
}

std::vector<uint8_t> emit_object(const std::vector<ir::LoweredFunc>& funcs,
                                 const CpuTarget& target, const CodegenOptions& options) {
  return detail::compile_to_object(funcs, target, options);
}

}  // namespace tessera::codegen
