// Compiled kernels of operator variants, kept for the program's life. Lookups after the
// first are a hash probe on a compact key.
//
// A missing kernel comes from, in order:
//   1. a loaded ahead-of-time library (tessera/runtime/library.h) with the variant's name;
//   2. the JIT (when tessera_compiler is linked, see ops/compiler_hooks.h): first its disk
//      cache (ops/jit_disk_cache.h), keyed by the lowered IR, then LLVM, which also stores
//      the kernel in the disk cache;
//   3. otherwise a MissingKernelError (tessera/ops/dispatch.h) naming the variant.
// Libraries named in TESSERA_OPS_LIBRARY (paths separated by ':') are loaded on the first
// lookup; one that cannot be loaded is reported once on stderr and skipped. A kernel is
// resolved once: a library loaded after a variant's first use does not replace it.
#pragma once
#include <cstdint>

#include "tessera/build.h"
#include "tessera/ops/defop.h"

namespace tessera::ops::detail {

// Returns the kernel of `v` (thread-safe; resolved once; a failure is not remembered). The reference stays valid for
// the program's life, and so does its fn().
const Kernel& kernel_for(const OpDef& op, const Variant& v);

// Kernels compiled by the JIT so far (library and disk-cache hits are not compiles).
int64_t compiled_count();

struct KernelSources {
  int64_t compiled = 0;    // by the JIT
  int64_t disk_cache = 0;  // loaded from the JIT disk cache
  int64_t library = 0;     // found in an ahead-of-time library
};
KernelSources kernel_sources();

}  // namespace tessera::ops::detail
