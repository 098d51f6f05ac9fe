// Operators that write values computed from element positions: arange, linspace, eye,
// tril and triu. They are defops whose kernels read their own indices, so they are called
// through these functions rather than ops::call: dispatch's dimension collapsing would
// change the indices they see. Each writes a preallocated output of any strides (CPU)
// and raises ops::OpError naming the operator on a bad call, before anything runs.
//
// Outputs may have every dtype of ir::kAllDTypes; the compute rules are NumPy's.
#pragma once
#include <cstdint>

#include "tessera/dlpack.h"
#include "tessera/ops/dispatch.h"

namespace tessera::ops {

// NumPy's arange fill on a 1-D output: out[i] = start + i * delta, computed in float32
// for float16/bfloat16/float32 outputs (NumPy's HALF_fill and FLOAT_fill), float64 for
// float64, and wrapping int64 arithmetic for integer and bool outputs (bool is "!= 0").
// The caller passes NumPy's values: start = dtype(start) and delta = dtype(start + step)
// - dtype(start), both already rounded to the output dtype.
void arange(double start, double delta, DLTensor* out);
void arange(int64_t start, int64_t delta, DLTensor* out);

// NumPy 2's linspace on a 1-D output of length num: y[i] = i * step + start in float64
// with step = (stop - start) / div and div = num - 1 (endpoint) or num; when step is 0,
// y[i] = i / div * (stop - start) + start; the last element is stop when endpoint and
// num > 1; integer outputs take floor(y), then every output is y cast to its dtype.
void linspace(double start, double stop, bool endpoint, DLTensor* out);

// out[i, j] = 1 where j - i == k, else 0 (2-D output).
void eye(int64_t k, DLTensor* out);

// out[..., i, j] = x[..., i, j] where j - i <= k (tril) or j - i >= k (triu), else 0.
// x has at least 2 dimensions; out has x's shape and dtype (it may be x itself).
void tril(const DLTensor* x, int64_t k, DLTensor* out);
void triu(const DLTensor* x, int64_t k, DLTensor* out);

// Registers the OpDefs above (idempotent, thread-safe); ops::ensure_registered() calls it.
void register_creation_ops();

}  // namespace tessera::ops
