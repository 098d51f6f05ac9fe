// The JIT disk cache: kernels compiled by one process are reused by the next.
//
// Directory: $TESSERA_CACHE_DIR, else $XDG_CACHE_HOME/tessera, else ~/.cache/tessera;
// TESSERA_CACHE_DIR=off (or 0, none, "") disables it. The variable is read on each miss
// of the in-memory kernel cache, so tests can point it at a temporary directory.
//
// An entry is the object file of one kernel (see cache_file.h for the format and the
// atomic writes), at <dir>/kernels-v1/<key[0:2]>/<key>.tko. The key hashes everything the
// object depends on: the lowered IR (printed body, kernel name, parameters), the compiler
// identity (content_hash.h) and the target (triple, CPU, features) and codegen options.
// A hit links the stored object into the JIT (codegen::jit_load_object), skipping LLVM's
// optimization and code generation; a corrupt entry is removed and rebuilt.
#pragma once
#include <memory>
#include <string>

#include "tessera/codegen/llvm.h"
#include "tessera/ir/module.h"

namespace tessera::ops::detail {

// "" when the cache is disabled.
std::string jit_cache_dir();

// The printed lowered IR plus what the printer leaves out (the parameters' kinds, dtypes
// and ranks): the part of every kernel cache key that describes the kernel.
std::string kernel_ir_text(const ir::LoweredFunc& func);

std::string jit_cache_key(const ir::LoweredFunc& func, const codegen::CpuTarget& target,
                          const codegen::CodegenOptions& options);

struct JitKernel {
  std::shared_ptr<codegen::JitModule> module;
  TesseraKernelFn fn = nullptr;
  bool from_disk = false;  // loaded from the cache rather than compiled
};

// The kernel of `func` (packed, as lower::lower returns it): from the disk cache, or
// compiled and then stored. Throws what codegen::jit_compile throws.
JitKernel jit_with_disk_cache(const ir::LoweredFunc& func, const codegen::CpuTarget& target,
                              const codegen::CodegenOptions& options = {});

}  // namespace tessera::ops::detail
