// The kernel-API pass: turns a LoweredFunc whose body refers to its parameters' buffers
// and variables into a packed function with the ABI of tessera/runtime/kernel_abi.h.
//
// The new body first checks the argument count and each argument's kind, then for each
// tensor its ndim, dtype, device and shape: a shape Var not yet bound is bound from the
// tensor (LetStmt), a constant or already bound extent is asserted equal. Stride Vars are
// bound from the DLTensor's strides (compact strides when they are NULL); a buffer with
// no stride Vars (the contiguous specialization) asserts that the tensor is compact.
// Buffer data Vars are bound to TensorData (which includes byte_offset). Every failed
// check yields a message naming the kernel, the argument and the expected vs actual value.
#pragma once
#include "tessera/ir/module.h"

namespace tessera::lower {
// device_type is the DLPack device the kernel runs on (kDLCPU for "llvm", kDLCUDA for "cuda").
ir::LoweredFunc make_kernel_api(const ir::LoweredFunc& func, int device_type);
}
