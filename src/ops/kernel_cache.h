// Compiled kernels of operator variants, built on first use (JIT) and kept for the
// program's life. Lookups after the first are a hash probe on a compact key.
#pragma once
#include <cstdint>

#include "tessera/build.h"
#include "tessera/ops/defop.h"

namespace tessera::ops::detail {

// Returns the kernel of `v`; compiles it (thread-safe, once) when missing.
const Kernel& kernel_for(const OpDef& op, const Variant& v);
int64_t compiled_count();

}  // namespace tessera::ops::detail
