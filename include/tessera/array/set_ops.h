// Set functions of the Array API (unique_all, unique_counts, unique_inverse, isin) and diff,
// composed from existing array operations (argsort, not_equal, nonzero, take,
// cumulative_sum, searchsorted) rather than new kernels: they are data-dependent in shape
// and rarely hot, so correctness and NumPy 2 semantics matter more than speed here.
//
// unique_*: values are sorted (NaNs last); every NaN is distinct (the standard's rule and
// NumPy 2's equal_nan=False), so k NaNs give k values with count 1 each. `indices` are the
// first occurrences in x flattened (row-major); `inverse_indices` have x's shape (a 0-d x
// gives a 0-d inverse); indices, inverse_indices and counts are int64.
#pragma once
#include <optional>

#include "tessera/array/array.h"

namespace tessera {

struct UniqueAll {
  Array values, indices, inverse_indices, counts;
};
struct UniqueCounts {
  Array values, counts;
};
struct UniqueInverse {
  Array values, inverse_indices;
};

UniqueAll unique_all(const Array& x);
UniqueCounts unique_counts(const Array& x);
UniqueInverse unique_inverse(const Array& x);

// Bool array of x1's shape: whether each element of x1 equals some element of x2 (values
// compared in their promoted dtype; NaN is in nothing). invert negates the result.
// (isin is in the standard from revision 2025.12; NumPy 2's semantics.)
Array isin(const Array& x1, const Array& x2, bool invert = false);

// The n-th forward difference along axis (NumPy's diff): out[i] = a[i+1] - a[i], applied n
// times, where a is x with prepend/append joined along axis (a 0-d prepend/append is
// broadcast to a slab of length 1; the dtype is the promotion of all three). Bool arrays
// use not_equal, as NumPy. n = 0 returns x; n < 0, a 0-d x or a bad axis raise
// OpError(Value).
Array diff(const Array& x, int axis = -1, int64_t n = 1, const std::optional<Array>& prepend = std::nullopt,
           const std::optional<Array>& append = std::nullopt);

}  // namespace tessera
