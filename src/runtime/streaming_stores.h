// Test hook for tessera_streaming_store_bytes (kernel_abi.h), which reads its setting once.
#pragma once
#include <cstdint>

namespace tessera::runtime {

// Re-reads TESSERA_STREAMING_STORES (and the cache size) on the next call, so a test can
// switch between the streaming and the normal path within one process.
void reset_streaming_store_bytes();

}  // namespace tessera::runtime
