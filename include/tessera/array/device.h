// Arrays on CUDA devices: creating them, copying between the host and devices, and the
// rules for operands on different devices.
//
// A device array is an ordinary Array whose Storage lives on a CUDA device (DLDevice
// {kDLCUDA, id}): views (indexing, reshape, transposes) work as on the CPU, DLPack exports
// it as a kDLCUDA tensor, and operators go through ops::call / ops::reduce, which route
// CUDA tensors to the NVRTC-compiled GPU variants (tessera_compiler must be linked for
// that). Results are allocated on the operands' device. Kernels run on the legacy default
// stream (cuda::kLegacyStream), so work is ordered with other libraries' default streams.
//
// Mixing devices: every array operand must be on one device. 0-d CPU arrays are the one
// exception (Python scalars become such arrays, as in PyTorch): they are copied to the
// device. Anything else raises OpError(Value) naming the function and both devices; copy
// explicitly with to_device. Functions that only run on the CPU (sorting, advanced
// indexing, matmul, ...) raise for device arrays rather than touch device memory.
//
// Copies through the host are synchronous; copy_to_host (and so to_vector, item) of a
// device array copies its elements back, which waits for the kernels queued before.
#pragma once
#include <string>

#include "tessera/array/array.h"

namespace tessera {

inline DLDevice cpu_device() { return DLDevice{kDLCPU, 0}; }
inline DLDevice cuda_device(int id = 0) { return DLDevice{kDLCUDA, id}; }
inline bool same_device(DLDevice a, DLDevice b) { return a.device_type == b.device_type && a.device_id == b.device_id; }
// "cpu", "cuda:0" (other DLPack device types: "device(type, id)").
std::string device_str(DLDevice device);

// A new compact, uninitialized array on `device` (kDLCPU or kDLCUDA; others raise
// OpError(Value)). CUDA memory comes from cuda::device_alloc (a CudaError without a GPU).
Array empty(const Shape& shape, DataType dtype, DLDevice device);
Array zeros(const Shape& shape, DataType dtype, DLDevice device);

// x on `device`: x itself when it is already there (unless copy), else a compact copy
// (C order) of its elements. CPU <-> CUDA and CUDA <-> CUDA (through the host).
Array to_device(const Array& x, DLDevice device, bool copy = false);

}  // namespace tessera
