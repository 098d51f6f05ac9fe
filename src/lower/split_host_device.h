// Host/device split of a packed CUDA kernel (lower() with device_type kDLCUDA).
//
// A GPU cannot read the DLTensor descriptors, which live in host memory, so the packed
// function is cut in two where its argument checks end:
// - host: a packed CPU function with the same ABI and the very same checks (so a GPU
//   kernel refuses bad arguments with a CPU kernel's messages), ending in stores of the
//   launch record instead of the loops;
// - device: the __global__ function (target "cuda", not packed). Its params are the
//   values its body reads from outside: data pointers (Tensor params whose buffer has the
//   pointer's dtype; is_output when stored to) in argument order, then shapes, strides
//   and scalars (Int and Float params holding their Var) in order of first use. Its body
//   is the loop nest, thread-bound loops included.
// The record layout is tessera/runtime/cuda.h's (DeviceKernel): one int64 slot per device
// param holding its bits, then grid x, y, z and block x, y, z; the host function finds the
// record's address one argument past its caller's (args[num_args]). A launch dimension is
// the extent of the loops bound to its tag (when loops of one tag differ in extent, the
// largest, and the others are guarded); unused dimensions are 1, and a device part with
// nothing to do gives a grid of 0. Launch extents may only use values the host binds.
#pragma once
#include "tessera/ir/module.h"

namespace tessera::lower {

struct HostDeviceSplit {
  ir::LoweredFunc host;    // named <name>_launch
  ir::LoweredFunc device;  // named <name>
};

// Throws ir::IRError when the function is not packed or a launch extent depends on values
// computed inside the kernel.
HostDeviceSplit split_host_device(const ir::LoweredFunc& packed);

}  // namespace tessera::lower
