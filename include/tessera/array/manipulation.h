// Joining, repeating, rolling and gathering arrays (NumPy / Array API names). Results are
// new arrays; views (flip, moveaxis, unstack, broadcast_to, ...) are in views.h.
#pragma once
#include <optional>
#include <vector>

#include "tessera/array/array.h"

namespace tessera {

// Joined along an existing axis; the result dtype is the promotion of all inputs.
// axis = nullopt flattens every input first.
Array concat(const std::vector<Array>& arrays, std::optional<int> axis = 0);
// Joined along a new axis (inputs of one shape).
Array stack(const std::vector<Array>& arrays, int axis = 0);
// Elements shifted by `shift` along each of `axes`, wrapping around; without axes, along
// the flattened array (then one shift).
Array roll(const Array& x, const std::vector<int64_t>& shift, const std::vector<int>& axes = {});
Array roll(const Array& x, int64_t shift, std::optional<int> axis = std::nullopt);
// x repeated reps[i] times along each axis (NumPy's tile, reps aligned to the right).
Array tile(const Array& x, const std::vector<int64_t>& reps);
// Each element repeated `repeats` times along axis (flattened when none); the array form
// gives one count per element along the axis.
Array repeat(const Array& x, int64_t repeats, std::optional<int> axis = std::nullopt);
Array repeat(const Array& x, const Array& repeats, std::optional<int> axis = std::nullopt);
// All inputs broadcast to their common shape (read-only views).
std::vector<Array> broadcast_arrays(const std::vector<Array>& arrays);
// The common broadcast shape (OpError(Value) when there is none).
Shape broadcast_shapes(const std::vector<Shape>& shapes);

// Elements at `indices` along axis (the flattened x when none). Indices outside [-n, n)
// raise OpError(Index) before anything is read.
Array take(const Array& x, const Array& indices, std::optional<int> axis = std::nullopt);
// x[..., indices[..., j, ...], ...] along axis, indices broadcasting against x elsewhere.
Array take_along_axis(const Array& x, const Array& indices, int axis = -1);

}  // namespace tessera

namespace tessera {

// Sorting and searching (src/array/sorting.cpp), on the host. Orders are NumPy's: NaNs
// sort last (also when descending); `stable` keeps equal elements in their original order
// (sorting is always stable here). Bool arrays sort False before True.
Array sort(const Array& x, int axis = -1, bool descending = false, bool stable = true);
// int64 indices that sort x along axis.
Array argsort(const Array& x, int axis = -1, bool descending = false, bool stable = true);
// int64 insertion points of x2's elements in the sorted 1-D x1 (side "left": before equal
// elements, right = true: after them); sorter, when given, holds x1's sorting indices.
Array searchsorted(const Array& x1, const Array& x2, bool right = false, const Array* sorter = nullptr);
// The distinct elements of x, sorted, as a 1-D array (NaNs each count as distinct, as NumPy 2's
// unique_values with equal_nan=False).
Array unique_values(const Array& x);

}  // namespace tessera
