// Reductions, cumulative sums and products, and linear algebra on arrays, through the
// operator library's reduction API (ops/reduction.h states dtypes and NumPy semantics).
//
// `axis` is Axes (index.h): Axes::all() (NumPy's None, the default), one axis, a braced
// list, or `{}` for axis=() (no axis reduced: the result has x's shape, cast to the
// reduction's dtype). keepdims keeps reduced axes with length 1.
#pragma once
#include <optional>
#include <vector>

#include "tessera/array/array.h"

namespace tessera {

Array sum(const Array& x, const Axes& axis = Axes::all(), bool keepdims = false,
          std::optional<DataType> dtype = std::nullopt);
Array prod(const Array& x, const Axes& axis = Axes::all(), bool keepdims = false,
           std::optional<DataType> dtype = std::nullopt);
Array mean(const Array& x, const Axes& axis = Axes::all(), bool keepdims = false,
           std::optional<DataType> dtype = std::nullopt);
// var/std divide by max(n - correction, 0); correction is NumPy's ddof.
Array var(const Array& x, const Axes& axis = Axes::all(), double correction = 0, bool keepdims = false,
          std::optional<DataType> dtype = std::nullopt);
Array std(const Array& x, const Axes& axis = Axes::all(), double correction = 0, bool keepdims = false,
          std::optional<DataType> dtype = std::nullopt);
Array min(const Array& x, const Axes& axis = Axes::all(), bool keepdims = false);
Array max(const Array& x, const Axes& axis = Axes::all(), bool keepdims = false);
Array all(const Array& x, const Axes& axis = Axes::all(), bool keepdims = false);
Array any(const Array& x, const Axes& axis = Axes::all(), bool keepdims = false);
Array count_nonzero(const Array& x, const Axes& axis = Axes::all(), bool keepdims = false);
// Index (int64) of the first minimum / maximum along axis, or in the flattened array.
Array argmin(const Array& x, std::optional<int> axis = std::nullopt, bool keepdims = false);
Array argmax(const Array& x, std::optional<int> axis = std::nullopt, bool keepdims = false);

// Array API: axis may be omitted only for arrays of at most one dimension.
Array cumulative_sum(const Array& x, std::optional<int> axis = std::nullopt,
                     std::optional<DataType> dtype = std::nullopt, bool include_initial = false);
Array cumulative_prod(const Array& x, std::optional<int> axis = std::nullopt,
                      std::optional<DataType> dtype = std::nullopt, bool include_initial = false);

// NumPy's matmul (Python's @), tensordot and vecdot.
Array matmul(const Array& a, const Array& b);
Array tensordot(const Array& a, const Array& b, int axes = 2);
Array tensordot(const Array& a, const Array& b, const std::vector<int>& axes_a, const std::vector<int>& axes_b);
Array vecdot(const Array& a, const Array& b, int axis = -1);

}  // namespace tessera
