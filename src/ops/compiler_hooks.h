// What tessera_compiler plugs into the LLVM-free operator library (tessera_array).
//
// Dispatch, the kernel cache and the Array API run without LLVM or NVRTC: kernels come from
// loaded ahead-of-time libraries. Compiling a variant on demand needs the compiler, so the
// compiler installs these hooks when it loads (src/ops/jit_kernel_provider.cpp; a static
// initializer, which runs whenever libtessera_compiler is loaded). Unset hooks mean "not
// linked": a variant missing from every library is then a MissingKernelError.
//
// Hooks are plain function pointers read with one atomic load, so the hot path stays free.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "tessera/build.h"
#include "tessera/dlpack.h"
#include "tessera/ops/defop.h"

namespace tessera::ops::detail {

struct JitResult {
  std::shared_ptr<Kernel> kernel;
  bool from_disk = false;  // loaded from the JIT disk cache rather than compiled
};
// Compiles variant `v` of `op` (named `name`) for this CPU. Throws on compile errors.
using JitFn = JitResult (*)(const OpDef& op, const Variant& v, const std::string& name);

// Runs an operator call whose operands live on a CUDA device (kernels from NVRTC).
using DeviceCallFn = void (*)(const OpDef& op, const std::vector<const DLTensor*>& inputs,
                              const std::vector<DLTensor*>& outputs);

void set_jit(JitFn fn);
JitFn jit();  // nullptr when no JIT is linked
void set_cuda_call(DeviceCallFn fn);
DeviceCallFn cuda_call();  // nullptr when no GPU dispatch is linked

}  // namespace tessera::ops::detail
