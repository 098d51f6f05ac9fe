// CPU code generation through LLVM 19: packed LoweredFuncs -> LLVM IR -> JIT or object file.
//
// Vector float math (exp, log, sin, tanh, ...) calls glibc's libmvec (e.g. _ZGVeN16v_expf
// on AVX-512), at most 4 ULP per glibc's documentation; other targets fall back to scalar
// calls. float16/bfloat16 are computed in float32. Parallel loops are outlined into
// closures run by tessera_parallel_for. Buffers of scope "local" get alias metadata that
// lets LLVM keep them in registers.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tessera/ir/module.h"
#include "tessera/runtime/kernel_abi.h"

namespace tessera::codegen {

struct CpuTarget {
  std::string triple;    // e.g. "x86_64-pc-linux-gnu"
  std::string cpu;       // e.g. "skylake-avx512", "x86-64", "generic"
  std::string features;  // LLVM feature string, e.g. "+avx512f,+avx2,..."
  int vector_bits() const;  // widest native vector register (512, 256, 128)
  bool has_feature(const std::string& f) const;  // f without the leading '+'
  static CpuTarget host();            // detected from the running CPU
  static CpuTarget generic_x86_64();  // baseline x86-64 (SSE2)
  static CpuTarget generic_aarch64();
};

struct CodegenOptions {
  int opt_level = 2;  // LLVM optimization level of the function pass pipeline
  // Let the code generator fuse a float multiply and add into one fma (one rounding
  // instead of two), as C's -ffp-contract=fast and TVM's and Halide's defaults do. Off by
  // default, so elementwise results round as NumPy's; matrix products, like BLAS, want it.
  bool fp_contract = false;
};

// JIT-compiled kernels; they stay valid while the module lives.
class JitModule {
 public:
  virtual ~JitModule() = default;
  // nullptr if no kernel has that name.
  virtual TesseraKernelFn lookup(const std::string& name) const = 0;
};

// Throws std::runtime_error with LLVM's message if compilation fails.
std::unique_ptr<JitModule> jit_compile(const std::vector<ir::LoweredFunc>& funcs,
                                       const CpuTarget& target = CpuTarget::host(),
                                       const CodegenOptions& options = {});

// Textual LLVM IR of the module (after optimization), for TESSERA_DEBUG and tests.
std::string emit_llvm_ir(const std::vector<ir::LoweredFunc>& funcs,
                         const CpuTarget& target = CpuTarget::host(),
                         const CodegenOptions& options = {});

// A relocatable ELF object with one exported symbol per function, for AOT libraries.
std::vector<uint8_t> emit_object(const std::vector<ir::LoweredFunc>& funcs,
                                 const CpuTarget& target = CpuTarget::host(),
                                 const CodegenOptions& options = {});

// Links an object that emit_object made for this host into the process JIT (no compiling;
// the JIT disk cache loads its entries so) and resolves the kernels `names`. Throws
// std::runtime_error when the object is malformed or lacks one of them.
std::unique_ptr<JitModule> jit_load_object(const std::vector<uint8_t>& object,
                                           const std::vector<std::string>& names);

}  // namespace tessera::codegen
