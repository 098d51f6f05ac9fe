// Creating arrays (NumPy / Array API names). New arrays are compact row-major CPU arrays.
// Default dtypes are NumPy's: float64 for zeros/ones/empty/eye/linspace; from the value
// for full (bool, int64 or float64) and arange (int64 unless an argument is a float).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "tessera/array/array.h"

namespace tessera {

Array empty(const Shape& shape, DataType dtype = float64);
Array zeros(const Shape& shape, DataType dtype = float64);
Array ones(const Shape& shape, DataType dtype = float64);
// An int out of dtype's range raises OpError(Overflow); a float truncates into integers.
Array full(const Shape& shape, Scalar value, std::optional<DataType> dtype = std::nullopt);
Array empty_like(const Array& x, std::optional<DataType> dtype = std::nullopt);
Array zeros_like(const Array& x, std::optional<DataType> dtype = std::nullopt);
Array ones_like(const Array& x, std::optional<DataType> dtype = std::nullopt);
Array full_like(const Array& x, Scalar value, std::optional<DataType> dtype = std::nullopt);

// Copies host values (row-major) into a new array of dtype_of<T>(); shape defaults to 1-D.
template <class T>
Array asarray(const std::vector<T>& values, std::optional<Shape> shape = std::nullopt);
// Copies raw elements of `dtype` (e.g. float16 bit patterns) from host memory.
Array asarray(const void* data, DataType dtype, const Shape& shape);
// x itself when it already has `dtype` and copy is not requested; else a converted copy.
// copy = false raises OpError(Value) when a conversion is needed.
Array asarray(const Array& x, std::optional<DataType> dtype = std::nullopt, std::optional<bool> copy = std::nullopt);

// [0, stop) and [start, stop) by step, with NumPy's length ceil((stop - start) / step) and
// its fill: the first two values are cast to dtype, later ones are first + i * difference.
Array arange(Scalar stop);
Array arange(Scalar start, Scalar stop, Scalar step = 1, std::optional<DataType> dtype = std::nullopt);
// num values from start to stop (NumPy 2's algorithm; integer dtypes take the floor).
Array linspace(double start, double stop, int64_t num, std::optional<DataType> dtype = std::nullopt,
               bool endpoint = true);
// Ones on the k-th diagonal of an n_rows x n_cols matrix.
Array eye(int64_t n_rows, std::optional<int64_t> n_cols = std::nullopt, int64_t k = 0, DataType dtype = float64);
// x with the elements above (tril) or below (triu) the k-th diagonal set to 0.
Array tril(const Array& x, int64_t k = 0);
Array triu(const Array& x, int64_t k = 0);
// Coordinate matrices of 1-D arrays; indexing "xy" (Cartesian) or "ij" (matrix).
std::vector<Array> meshgrid(const std::vector<Array>& arrays, const std::string& indexing = "xy");

template <class T>
Array asarray(const std::vector<T>& values, std::optional<Shape> shape) {
  Shape s = shape.value_or(Shape{static_cast<int64_t>(values.size())});
  int64_t n = 1;
  for (int64_t e : s) n *= e;
  if (n != static_cast<int64_t>(values.size()))
    throw Error(Error::Kind::Value, "asarray: " + std::to_string(values.size()) + " values do not fill the shape");
  if constexpr (std::is_same_v<T, bool>) {
    std::vector<uint8_t> bytes(values.begin(), values.end());
    return asarray(bytes.data(), bool_, s);
  } else {
    return asarray(values.data(), dtype_of<T>(), s);
  }
}

}  // namespace tessera
