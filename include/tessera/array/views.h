// Views: new shapes and strides over the same memory, never a copy (reshape copies only
// when the strides cannot express the new shape, as NumPy does). Errors are OpError:
// an index out of bounds is Index; a bad axis, shape or reshape is Value.
#pragma once
#include <optional>
#include <vector>
#include <variant>

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

namespace tessera {

// NumPy's full indexing: basic entries plus integer arrays and boolean masks (advanced
// indexing, src/array/advanced_index.cpp). Without arrays, getitem is index() (a view);
// with them, the indexed elements are gathered into a new array whose shape follows
// NumPy: the broadcast index shape replaces the indexed axes when they are adjacent, else
// it comes first. A boolean mask of k dimensions stands for its nonzero() indices and must
// match the k axes it covers. Errors: IndexError (Index) for out-of-bounds indices,
// non-integer index arrays, mismatched masks and index shapes that do not broadcast.
using AdvancedIndex = std::variant<int64_t, Slice, NewAxis, Ellipsis, Array>;
Array getitem(const Array& x, const std::vector<AdvancedIndex>& idx);
// x[idx] = value: value broadcast to the shape of x[idx] and cast as NumPy's setitem (an
// int scalar out of x's range is Overflow); a repeated index keeps the last value.
// Read-only arrays raise Value.
void setitem(const Array& x, const std::vector<AdvancedIndex>& idx, const Operand& value);
// Indices of the nonzero elements, one int64 array per axis, in row-major order (0-d
// arrays raise Value, as NumPy 2).
std::vector<Array> nonzero(const Array& x);

}  // namespace tessera
