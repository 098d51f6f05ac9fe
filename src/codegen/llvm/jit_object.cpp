// jit_load_object: links a ready object file into an in-process LLJIT, with no compiling.
//
// Loaded objects get their own LLJIT (created once, never destroyed, like the one in
// jit.cpp) and one JITDylib per module, removed when the module is destroyed. Linking a
// kernel object this way takes well under a millisecond, which is what makes the JIT disk
// cache worth having. The runtime functions kernels call are defined as absolute
// addresses, so they resolve even when the runtime library was loaded RTLD_LOCAL; libm
// and libmvec come from the process (libmvec loaded once, permanently).
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/Support/DynamicLibrary.h>
#include <llvm/Support/MemoryBuffer.h>

#include <atomic>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

#include "codegen/llvm/emitter.h"
#include "codegen/llvm/process_jit.h"

namespace tessera::codegen {
namespace {

std::string message_of(llvm::Error err) { return llvm::toString(std::move(err)); }

class LoadedModule final : public JitModule {
 public:
  LoadedModule(llvm::orc::LLJIT& jit, llvm::orc::JITDylib& dylib) : jit_(jit), dylib_(dylib) {}
  ~LoadedModule() override { llvm::consumeError(jit_.getExecutionSession().removeJITDylib(dylib_)); }
  TesseraKernelFn lookup(const std::string& name) const override {
    auto it = kernels_.find(name);
    return it == kernels_.end() ? nullptr : it->second;
  }
  void add(const std::string& name, TesseraKernelFn fn) { kernels_[name] = fn; }

 private:
  llvm::orc::LLJIT& jit_;
  llvm::orc::JITDylib& dylib_;
  std::unordered_map<std::string, TesseraKernelFn> kernels_;
};

}  // namespace

std::unique_ptr<JitModule> jit_load_object(const std::vector<uint8_t>& object, const std::vector<std::string>& names) {
  llvm::orc::LLJIT& jit = detail::process_jit();
  static std::atomic<uint64_t> counter{0};
  auto dylib = jit.createJITDylib("tessera.loaded." + std::to_string(counter++));
  if (!dylib) throw std::runtime_error("tessera JIT: " + message_of(dylib.takeError()));
  auto module = std::make_unique<LoadedModule>(jit, *dylib);  // removes the dylib on failure too
  if (auto err = dylib->define(llvm::orc::absoluteSymbols(detail::runtime_symbols(jit))))
    throw std::runtime_error("tessera JIT: " + message_of(std::move(err)));
  llvm::StringRef bytes(reinterpret_cast<const char*>(object.data()), object.size());
  if (auto err = jit.addObjectFile(*dylib, llvm::MemoryBuffer::getMemBufferCopy(bytes, "tessera-cached-kernels")))
    throw std::runtime_error("tessera JIT: cannot load a kernel object: " + message_of(std::move(err)));
  for (const std::string& name : names) {
    auto addr = jit.lookup(*dylib, name);
    if (!addr) throw std::runtime_error("tessera JIT: " + message_of(addr.takeError()));
    module->add(name, addr->toPtr<TesseraKernelFn>());
  }
  return module;
}

}  // namespace tessera::codegen
