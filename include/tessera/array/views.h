// Views: new shapes and strides over the same memory, never a copy (reshape copies only
// when the strides cannot express the new shape, as NumPy does). Errors are OpError:
// an index out of bounds is Index; a bad axis, shape or reshape is Value.
#pragma once
#include <optional>
#include <vector>

#include "tessera/array/array.h"

namespace tessera {

// NumPy's basic indexing (index.h): integers drop an axis, slices keep it (negative steps
// reverse), newaxis inserts a length-1 axis, one ellipsis stands for the remaining axes.
Array index(const Array& x, const std::vector<Index>& idx);

// A view when the strides allow, otherwise a copy; one extent may be -1 (inferred).
// copy = true always copies; copy = false raises OpError(Value) instead of copying.
Array reshape(const Array& x, const Shape& shape, std::optional<bool> copy = std::nullopt);
// Axes reordered: result axis i is x's axis axes[i].
Array permute_dims(const Array& x, const std::vector<int>& axes);
// The last two axes swapped (at least 2 dimensions).
Array matrix_transpose(const Array& x);
Array swapaxes(const Array& x, int axis1, int axis2);
// Axes moved to new positions, the others keeping their order (NumPy's moveaxis).
Array moveaxis(const Array& x, const std::vector<int>& source, const std::vector<int>& destination);
// A read-only view with stride 0 along broadcast axes.
Array broadcast_to(const Array& x, const Shape& shape);
// Length-1 axes inserted at `axes` (positions in the result).
Array expand_dims(const Array& x, const Axes& axes);
// Length-1 axes removed: the listed ones (each must have length 1), or all of them.
Array squeeze(const Array& x, const Axes& axes = Axes::all());
// The order of elements reversed along `axes` (all by default): negative strides.
Array flip(const Array& x, const Axes& axes = Axes::all());
// Views of x at each index along `axis`.
std::vector<Array> unstack(const Array& x, int axis = 0);

}  // namespace tessera
