// GPU reduction hook (see gpu_hooks.h).
#include "ops/gpu_hooks.h"

#include <atomic>

namespace tessera::ops::detail {
namespace {
std::atomic<DeviceReduceFn> g_cuda_reduce{nullptr};
}

void set_cuda_reduce(DeviceReduceFn fn) { g_cuda_reduce.store(fn, std::memory_order_release); }
DeviceReduceFn cuda_reduce() { return g_cuda_reduce.load(std::memory_order_acquire); }

}  // namespace tessera::ops::detail
