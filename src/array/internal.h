// Shared by the array layer's files: errors, shape helpers, scalar conversion, and running
// one elementwise operator on arrays.
#pragma once
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tessera/array/array.h"

namespace tessera::array_detail {

[[noreturn]] void raise(Error::Kind kind, const std::string& fn, const std::string& msg);
void check_defined(const std::string& fn, const Array& a, const std::string& what = "array");
// The same without building strings unless it raises (hot paths: data(), dl()).
[[noreturn]] void raise_undefined(const char* fn, const char* what);
inline void check_defined(const char* fn, const Array& a, const char* what = "array") {
  if (!a.defined()) raise_undefined(fn, what);
}

// Shape helpers take a span, so Shape and an Array's Dims pass without a copy.
std::string shape_str(std::span<const int64_t> shape);
int64_t numel(std::span<const int64_t> shape);
Shape compact_strides(std::span<const int64_t> shape);
// NumPy's AxisError text, raised as OpError(Value): "fn: axis 3 is out of bounds for array
// of dimension 2".
int normalize_axis(const std::string& fn, int64_t axis, int ndim);
// Normalized axes, in the given order; a repeated axis is OpError(Value).
std::vector<int> normalize_axes(const std::string& fn, const std::vector<int>& axes, int ndim);
// NumPy's broadcast of shapes (OpError(Value) naming fn when they do not broadcast).
Shape broadcast_shapes(const std::string& fn, const std::vector<Shape>& shapes);

// A new compact CPU array, uninitialized. A shape whose size in bytes overflows int64 is
// OpError(Value) "fn: array is too big: (...)", naming the function that wanted it.
Array allocate(const Dims& shape, DataType dtype, const char* fn = "empty");

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

// ops::find_op after ops::ensure_registered, which runs once per process (a function-local
// static: one load on later calls, where std::call_once costs a TLS round trip each time).
const ops::OpDef* find_registered_op(const std::string& op);

// Runs the elementwise operator `op` on arrays (already materialized) into a new array.
Array run_elementwise(const std::string& op, const std::vector<Array>& inputs);
// The same on `n` arrays given by address (no copies: the Array API's fast path).
Array run_elementwise(const std::string& op, const Array* const* inputs, int n);
// Operands to arrays: weak scalars take their dtype from the promoted dtype of the arrays
// among `operands` whose position is not listed in `ignore` (where's condition).
std::vector<Array> materialize(const std::string& fn, const std::vector<Operand>& operands,
                               const std::vector<size_t>& ignore = {});

}  // namespace tessera::array_detail
