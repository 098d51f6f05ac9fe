// Array creation: filled arrays, host data, ranges, identity and triangles, meshgrid.
// Ranges, eye and triangles run the positional operators of ops/creation.h.
#include "tessera/array/creation.h"

#include <cmath>
#include <cstring>

#include "array/internal.h"
#include "tessera/array/views.h"
#include "tessera/ops/creation.h"

namespace tessera {

using array_detail::raise;

Array empty(const Shape& shape, DataType dtype) { return array_detail::allocate(shape, dtype); }

Array zeros(const Shape& shape, DataType dtype) {
  Array out = array_detail::allocate(shape, dtype);
  std::memset(out.data(), 0, static_cast<size_t>(out.nbytes()));  // all-zero bits are 0 (+0.0) in every dtype
  return out;
}

Array ones(const Shape& shape, DataType dtype) { return full(shape, 1, dtype); }

Array full(const Shape& shape, Scalar value, std::optional<DataType> dtype) {
  const DataType t = dtype.value_or(array_detail::weak_dtype(value, std::nullopt));
  Array out = array_detail::allocate(shape, t), v;
  try {
    v = array_detail::scalar_array(value, t);
  } catch (const Error& e) {
    raise(e.kind(), "full", e.what());
  }
  return out.assign(v);
}

Array empty_like(const Array& x, std::optional<DataType> dtype) {
  array_detail::check_defined("empty_like", x);
  return empty(x.shape(), dtype.value_or(x.dtype()));
}
Array zeros_like(const Array& x, std::optional<DataType> dtype) {
  array_detail::check_defined("zeros_like", x);
  return zeros(x.shape(), dtype.value_or(x.dtype()));
}
Array ones_like(const Array& x, std::optional<DataType> dtype) {
  array_detail::check_defined("ones_like", x);
  return ones(x.shape(), dtype.value_or(x.dtype()));
}
Array full_like(const Array& x, Scalar value, std::optional<DataType> dtype) {
  array_detail::check_defined("full_like", x);
  return full(x.shape(), value, dtype.value_or(x.dtype()));
}

Array asarray(const void* data, DataType dtype, const Shape& shape) {
  Array out = array_detail::allocate(shape, dtype);
  if (out.nbytes() > 0) std::memcpy(out.data(), data, static_cast<size_t>(out.nbytes()));
  return out;
}

Array asarray(const Array& x, std::optional<DataType> dtype, std::optional<bool> copy) {
  array_detail::check_defined("asarray", x);
  DataType t = dtype.value_or(x.dtype());
  if (copy == false && t != x.dtype())
    raise(Error::Kind::Value, "asarray", "converting " + x.describe() + " to " + t.str() + " needs a copy");
  return x.astype(t, copy.value_or(false));
}

namespace {

// The value NumPy stores for v in a float dtype, as a double (exact).
double rounded_to(DataType t, double v) {
  if (t.is_bfloat16()) return from_bfloat16_bits(bfloat16_bits(v));
  if (t.bits == 16) return from_float16_bits(float16_bits(v));
  if (t.bits == 32) return static_cast<float>(v);
  return v;
}

// start + step as Python computes it: exact for ints (when it fits), else in double.
Scalar python_add(const Scalar& a, const Scalar& b) {
  int64_t r;
  if (!a.is_float() && !b.is_float() && !a.is_big() && !b.is_big() &&
      !__builtin_add_overflow(a.as_int64(), b.as_int64(), &r))
    return r;
  return a.as_double() + b.as_double();
}

// v stored in integer (or bool) dtype t, read back sign- or zero-extended.
int64_t stored_int(DataType t, const Scalar& v) {
  uint64_t bits = 0;
  array_detail::store_scalar(&bits, t, v);  // little-endian: the low t.bytes() bytes
  if (t.is_int() && t.bits < 64 && (bits >> (t.bits - 1)) & 1) bits |= ~uint64_t{0} << t.bits;
  return static_cast<int64_t>(bits);
}

}  // namespace

Array arange(Scalar stop) { return arange(0, stop, 1, std::nullopt); }

Array arange(Scalar start, Scalar stop, Scalar step, std::optional<DataType> dtype) {
  const bool any_float = start.is_float() || stop.is_float() || step.is_float();
  const DataType t = dtype.value_or(any_float ? float64 : int64);
  if (step.as_double() == 0) raise(Error::Kind::Value, "arange", "step must not be zero");
  const double len_d = std::ceil((stop.as_double() - start.as_double()) / step.as_double());
  if (std::isnan(len_d)) raise(Error::Kind::Value, "arange", "cannot compute length");
  if (len_d > static_cast<double>(int64_t{1} << 48)) raise(Error::Kind::Value, "arange", "maximum allowed size exceeded");
  const int64_t len = len_d > 0 ? static_cast<int64_t>(len_d) : 0;
  if (t.is_bool() && len > 2) raise(Error::Kind::Value, "arange", "no fill-function for data-type bool (length > 2)");
  Array out = array_detail::allocate({len}, t);
  if (len == 0) return out;
  const Scalar next = python_add(start, step);
  DLTensor o = out.dl();
  try {
    if (t.is_float()) {
      double first = rounded_to(t, start.as_double()), second = rounded_to(t, next.as_double());
      double delta = t.bits == 64 ? second - first : static_cast<double>(static_cast<float>(second) - static_cast<float>(first));
      ops::arange(first, delta, &o);
    } else {
      int64_t first = stored_int(t, start), second = len > 1 ? stored_int(t, next) : first;
      ops::arange(first, static_cast<int64_t>(static_cast<uint64_t>(second) - static_cast<uint64_t>(first)), &o);
    }
  } catch (const Error& e) {
    throw Error(e.kind(), std::string("arange: ") + e.what());
  }
  return out;
}

Array linspace(double start, double stop, int64_t num, std::optional<DataType> dtype, bool endpoint) {
  if (num < 0) raise(Error::Kind::Value, "linspace", "number of samples, " + std::to_string(num) + ", must be non-negative");
  Array out = array_detail::allocate({num}, dtype.value_or(float64));
  DLTensor o = out.dl();
  ops::linspace(start, stop, endpoint, &o);
  return out;
}

Array eye(int64_t n_rows, std::optional<int64_t> n_cols, int64_t k, DataType dtype) {
  Array out = array_detail::allocate({n_rows, n_cols.value_or(n_rows)}, dtype);
  DLTensor o = out.dl();
  ops::eye(k, &o);
  return out;
}

Array tril(const Array& x, int64_t k) {
  array_detail::check_defined("tril", x);
  Array out = array_detail::allocate(x.shape(), x.dtype());
  DLTensor xd = x.dl(), o = out.dl();
  ops::tril(&xd, k, &o);
  return out;
}

Array triu(const Array& x, int64_t k) {
  array_detail::check_defined("triu", x);
  Array out = array_detail::allocate(x.shape(), x.dtype());
  DLTensor xd = x.dl(), o = out.dl();
  ops::triu(&xd, k, &o);
  return out;
}

std::vector<Array> meshgrid(const std::vector<Array>& arrays, const std::string& indexing) {
  if (indexing != "xy" && indexing != "ij")
    raise(Error::Kind::Value, "meshgrid", "indexing must be 'xy' or 'ij', not '" + indexing + "'");
  const size_t n = arrays.size();
  Shape shape;
  for (const Array& a : arrays) {
    array_detail::check_defined("meshgrid", a);
    shape.push_back(a.size());
  }
  const bool swap = indexing == "xy" && n >= 2;
  if (swap) std::swap(shape[0], shape[1]);
  std::vector<Array> out;
  for (size_t i = 0; i < n; ++i) {
    size_t at = swap && i < 2 ? 1 - i : i;  // the output axis that runs along input i
    Shape s(n, 1);
    s[at] = arrays[i].size();
    out.push_back(broadcast_to(reshape(arrays[i], s), shape).copy());
  }
  return out;
}

}  // namespace tessera
