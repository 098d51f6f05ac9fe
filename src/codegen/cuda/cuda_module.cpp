// emit_cuda: the source of a set of kernels (tessera/codegen/cuda.h).
#include "codegen/cuda/emitter.h"
#include "lower/split_host_device.h"
#include "tessera/codegen/cuda.h"

namespace tessera::codegen {

std::string emit_cuda(const std::vector<ir::LoweredFunc>& kernels) {
  cuda_detail::CudaEmitter emitter;
  for (const ir::LoweredFunc& k : kernels)
    emitter.emit_kernel(k.packed ? lower::split_host_device(k).device : k);
  return cuda_detail::prelude(emitter.uses_fp16(), emitter.uses_bf16()) + emitter.kernels();
}

}  // namespace tessera::codegen
