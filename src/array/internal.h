// Shared by the array layer's files: errors, shape helpers, scalar conversion, and running
// one elementwise operator on arrays.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "tessera/array/array.h"

namespace tessera::array_detail {

[[noreturn]] void raise(Error::Kind kind, const std::string& fn, const std::string& msg);
void check_defined(const std::string& fn, const Array& a, const std::string& what = "array");

std::string shape_str(const Shape& shape);
int64_t numel(const Shape& shape);
Shape compact_strides(const Shape& shape);
// NumPy's AxisError text, raised as OpError(Value): "fn: axis 3 is out of bounds for array
// of dimension 2".
int normalize_axis(const std::string& fn, int64_t axis, int ndim);
// Normalized axes, in the given order; a repeated axis is OpError(Value).
std::vector<int> normalize_axes(const std::string& fn, const std::vector<int>& axes, int ndim);
// NumPy's broadcast of shapes (OpError(Value) naming fn when they do not broadcast).
Shape broadcast_shapes(const std::string& fn, const std::vector<Shape>& shapes);

// A new compact CPU array, uninitialized.
Array allocate(const Shape& shape, DataType dtype);

// A scalar stored as dtype t with NumPy's assignment rules: integers out of t's range are
// OpError(Overflow) ("Python integer 1000 out of bounds for int8"), floats truncate
// toward zero into integers (NaN and infinities raise), anything into bool is "!= 0".
void store_scalar(void* dst, DataType t, const Scalar& v);
// A 0-d array holding v as dtype t.
Array scalar_array(const Scalar& v, DataType t);
// NumPy 2's dtype for a Python scalar beside arrays of promoted dtype `strong` (NEP 50,
// ops::weak_scalar_dtype; OpError(Overflow) for an int that does not fit), or alone
// (int64, float64, bool) when there is none.
DataType weak_dtype(const Scalar& v, std::optional<DataType> strong);
// True when v is an int outside the range of integer dtype t.
bool int_out_of_range(const Scalar& v, DataType t);

// a and b view the same storage.
bool shares_storage(const Array& a, const Array& b);
// a and b are the same view (memory, offset, shape, strides, dtype).
bool same_view(const Array& a, const Array& b);
// Raises OpError(Value) naming fn unless `a` is writeable.
void check_writeable(const std::string& fn, const Array& a);

// Runs the elementwise operator `op` on arrays (already materialized) into a new array.
Array run_elementwise(const std::string& op, const std::vector<Array>& inputs);
// The same on `n` arrays given by address (no copies: the Array API's fast path).
Array run_elementwise(const std::string& op, const Array* const* inputs, int n);
// Operands to arrays: weak scalars take their dtype from the promoted dtype of the arrays
// among `operands` whose position is not listed in `ignore` (where's condition).
std::vector<Array> materialize(const std::string& fn, const std::vector<Operand>& operands,
                               const std::vector<size_t>& ignore = {});

}  // namespace tessera::array_detail
