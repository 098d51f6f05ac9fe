#include "ops/compiler_hooks.h"

#include <atomic>

namespace tessera::ops::detail {
namespace {
std::atomic<JitFn> g_jit{nullptr};
std::atomic<DeviceCallFn> g_cuda_call{nullptr};
}  // namespace

void set_jit(JitFn fn) { g_jit.store(fn, std::memory_order_release); }
JitFn jit() { return g_jit.load(std::memory_order_acquire); }
void set_cuda_call(DeviceCallFn fn) { g_cuda_call.store(fn, std::memory_order_release); }
DeviceCallFn cuda_call() { return g_cuda_call.load(std::memory_order_acquire); }

}  // namespace tessera::ops::detail
