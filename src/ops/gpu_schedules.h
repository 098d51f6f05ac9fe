// GPU schedules of the operator library, for variants whose target is "cuda".
#pragma once
#include "tessera/ops/defop.h"

namespace tessera::ops {

// Elementwise: 256 threads per block. Contiguous rank 1: each thread takes one 16-byte
// vector of the widest operand (4 float32, 8 float16, 16 int8), enough blocks to cover
// the array, and only the grid's last thread runs a serial tail. Strided ranks: the loops
// are fused and split the same way, one element per thread (the fused index is divided
// back into coordinates, in 32 bits when it fits). Rank 0 runs on a single thread.
// Strided ranks >= 2 with attrs[1] == 1 (attrs[0] is elementwise_def's inner-broadcast
// mask): row blocks of 2048 elements of the last axis, 8 per thread 256 apart, so the
// coordinates are divided out once per 8 elements (dispatch_cuda picks this for rows of at
// least 1024 elements, where few threads idle in a row's last block). The 8 are one vector
// (lanes 256 apart): the CUDA backend loads every lane before it stores any, so 8 loads of
// each operand are in flight (an unrolled loop stored before the next load: 85% of the
// copy bandwidth on the H100 for broadcast add, against 98% now).
void schedule_elementwise_gpu(schedule::Schedule& s, const te::Tensor& out, const Variant& v);

}  // namespace tessera::ops
