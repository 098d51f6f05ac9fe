// Scratch memory for kernel stages too large for the stack. 64-byte alignment suits
// AVX-512 loads and keeps separate allocations off each other's cache lines.
#include <cstdint>
#include <cstdlib>

#include "tessera/runtime/kernel_abi.h"

namespace {
constexpr int64_t kAlignment = 64;
}

extern "C" {

// nullptr for a negative size or when memory runs out; a zero size still gets a
// distinct, freeable block.
void* tessera_workspace_alloc(int64_t bytes) {
  if (bytes < 0 || bytes > INT64_MAX - kAlignment) return nullptr;
  int64_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
  if (rounded == 0) rounded = kAlignment;
  return std::aligned_alloc(kAlignment, static_cast<size_t>(rounded));
}

void tessera_workspace_free(void* ptr) { std::free(ptr); }

}  // extern "C"
