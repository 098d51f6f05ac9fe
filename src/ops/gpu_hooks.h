// The GPU reduction hook of the LLVM-free operator library (beside compiler_hooks.h's
// cuda_call for ops::call): reduce() hands inputs that live on a CUDA device to the GPU
// dispatch that tessera_compiler installs (src/ops/dispatch_cuda.cpp); unset, they fail as
// "not on the CPU".
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "tessera/dlpack.h"
#include "tessera/ops/defop.h"

namespace tessera::ops::detail {

using DeviceReduceFn = void (*)(const std::string& op, const DLTensor* x, const std::vector<int>& axes,
                                bool keepdims, std::optional<DataType> dtype, DLTensor* out, double correction);

void set_cuda_reduce(DeviceReduceFn fn);
DeviceReduceFn cuda_reduce();  // nullptr when no GPU dispatch is linked

}  // namespace tessera::ops::detail
