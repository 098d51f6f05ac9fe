// In-process JIT through ORC's LLJIT.
//
// One LLJIT serves the whole process (created once, never destroyed, so kernels can
// outlive static destructors); each JitModule owns one JITDylib and removes it when
// destroyed. Kernels are compiled to an object file by our own TargetMachine (the same path
// as emit_object) and only linked by ORC, so compilation needs no lock and jit_compile is
// safe to call from several threads.
//
// Symbols: the tessera runtime functions are defined as absolute addresses (we link
// against the runtime, whether or not the executable exports them); libm and libmvec come
// from the process, libmvec loaded once with LoadLibraryPermanently.
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/Support/DynamicLibrary.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/TargetParser/Host.h>
#include <llvm/TargetParser/Triple.h>

#include <atomic>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

#include "codegen/llvm/emitter.h"
#include "codegen/llvm/process_jit.h"

namespace tessera::codegen {
namespace {

std::string message_of(llvm::Error err) { return llvm::toString(std::move(err)); }

}  // namespace

namespace detail {

llvm::orc::LLJIT& process_jit() {
  static std::once_flag once;
  static llvm::orc::LLJIT* jit = nullptr;
  static std::string error;
  std::call_once(once, [] {
    detail::initialize_llvm();
    std::string ignored;  // without libmvec only scalar math links; reported at lookup
    llvm::sys::DynamicLibrary::LoadLibraryPermanently("libmvec.so.1", &ignored);
    auto created = llvm::orc::LLJITBuilder().create();
    if (!created) {
      error = message_of(created.takeError());
      return;
    }
    jit = created->release();  // intentionally leaked, see the header comment
  });
  if (!jit) throw std::runtime_error("tessera: cannot create the LLVM JIT: " + error);
  return *jit;
}

llvm::orc::SymbolMap runtime_symbols(llvm::orc::LLJIT& jit) {
  auto def = [&](const char* name, auto* fn) {
    return std::pair{jit.mangleAndIntern(name),
                     llvm::orc::ExecutorSymbolDef(llvm::orc::ExecutorAddr::fromPtr(fn),
                                                  llvm::JITSymbolFlags::Exported |
                                                      llvm::JITSymbolFlags::Callable)};
  };
  llvm::orc::SymbolMap symbols;
  symbols.insert(def("tessera_parallel_for", &tessera_parallel_for));
  symbols.insert(def("tessera_error_begin", &tessera_error_begin));
  symbols.insert(def("tessera_error_str", &tessera_error_str));
  symbols.insert(def("tessera_error_int", &tessera_error_int));
  symbols.insert(def("tessera_error_dtype", &tessera_error_dtype));
  symbols.insert(def("tessera_error_device", &tessera_error_device));
  symbols.insert(def("tessera_workspace_alloc", &tessera_workspace_alloc));
  symbols.insert(def("tessera_workspace_free", &tessera_workspace_free));
  symbols.insert(def("tessera_streaming_store_bytes", &tessera_streaming_store_bytes));
  return symbols;
}

}  // namespace detail

std::unique_ptr<JitModule> jit_compile(const std::vector<ir::LoweredFunc>& funcs,
                                       const CpuTarget& target, const CodegenOptions& options) {
  if (llvm::Triple(target.triple).getArch() != llvm::Triple(llvm::sys::getProcessTriple()).getArch())
    throw std::runtime_error("tessera: cannot JIT code for " + target.triple + " on this host");
  std::vector<uint8_t> object = detail::compile_to_object(funcs, target, options);
  std::vector<std::string> names;
  for (const ir::LoweredFunc& f : funcs) names.push_back(f.name);
  return jit_load_object(object, names);
}

}  // namespace tessera::codegen
