// Gathers: take and take_along_axis (NumPy, mode "raise"), as defops called through these
// functions (a gather's output shape is not its inputs' broadcast shape, so ops::call does
// not apply).
//
// Indices are bool or integer arrays; a negative index counts from the end. Every index
// is checked before anything runs: one outside [-n, n) raises OpError(Index) naming the
// operator, the index and the axis, and no element is read out of bounds. The output
// must have exactly the planned shape and x's dtype; one that overlaps x or the indices
// is computed into a temporary first.
#pragma once
#include <optional>
#include <vector>

#include "tessera/dlpack.h"
#include "tessera/ops/reduction.h"

namespace tessera::ops {

// out = x[..., indices, ...] along `axis`: shape x.shape[:axis] + indices.shape +
// x.shape[axis+1:]. (NumPy's axis=None, the flattened x, is the caller's reshape.)
OutputPlan plan_take(const DLTensor* x, const DLTensor* indices, int axis);
void take(const DLTensor* x, const DLTensor* indices, int axis, DLTensor* out);

// out[..., j, ...] = x[..., indices[..., j, ...], ...] along `axis`: x and indices have the
// same rank and broadcast against each other in every other dimension; the result has the
// broadcast shape with indices' extent along `axis`.
OutputPlan plan_take_along_axis(const DLTensor* x, const DLTensor* indices, int axis);
void take_along_axis(const DLTensor* x, const DLTensor* indices, int axis, DLTensor* out);

// Registers the OpDefs above (idempotent, thread-safe); ops::ensure_registered() calls it.
void register_indexing_ops();

}  // namespace tessera::ops
