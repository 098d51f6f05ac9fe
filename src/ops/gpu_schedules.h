// GPU schedules of the operator library, for variants whose target is "cuda".
#pragma once
#include "tessera/ops/defop.h"

namespace tessera::ops {

// Elementwise: 256 threads per block. Contiguous rank 1: each thread takes one 16-byte
// vector of the widest operand (4 float32, 8 float16, 16 int8), enough blocks to cover
// the array, and only the grid's last thread runs a serial tail. Strided ranks: the loops
// are fused and split the same way, one element per thread (the fused index is divided
// back into coordinates, in 32 bits when it fits). Rank 0 runs on a single thread.
void schedule_elementwise_gpu(schedule::Schedule& s, const te::Tensor& out, const Variant& v);

}  // namespace tessera::ops
