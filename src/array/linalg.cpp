// cholesky, inv, det, slogdet and solve: batched LU / Cholesky in double on the host.
#include "tessera/array/linalg.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "internal.h"
#include "tessera/array/creation.h"
#include "tessera/array/elementwise.h"
#include "tessera/array/views.h"

namespace tessera::linalg {
namespace {

using array_detail::raise;

// The dtype of results (float32 or float64), after checking x is a stack of square matrices.
DataType checked_square(const std::string& fn, const Array& x, const char* what = "x") {
  array_detail::check_defined(fn, x, what);
  if (x.ndim() < 2)
    raise(Error::Kind::Value, fn,
          std::to_string(x.ndim()) + "-dimensional array given. Array must be at least two-dimensional");
  if (x.shape()[x.ndim() - 1] != x.shape()[x.ndim() - 2])
    raise(Error::Kind::Value, fn, "Last 2 dimensions of the array must be square");
  const DataType t = x.dtype();
  if (t == float16 || t == bfloat16) raise(Error::Kind::Type, fn, "array type " + t.str() + " is unsupported in linalg");
  return t == float32 ? float32 : float64;
}

Shape batch_of(const Array& x, int trailing) {
  return Shape(x.shape().begin(), x.shape().end() - trailing);
}

Array from_doubles(const std::vector<double>& v, const Shape& shape, DataType t) {
  return astype(asarray(v, shape), t, false);
}

// In-place LU of the n x n row-major matrix a with partial pivoting. Returns false when a
// pivot is exactly zero (singular); `swaps` counts row exchanges, `perm` the row order.
bool lu(double* a, int64_t n, std::vector<int64_t>& perm, int& swaps) {
  perm.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) perm[static_cast<size_t>(i)] = i;
  swaps = 0;
  bool regular = true;
  for (int64_t k = 0; k < n; ++k) {
    int64_t p = k;
    for (int64_t i = k + 1; i < n; ++i)
      if (std::abs(a[i * n + k]) > std::abs(a[p * n + k])) p = i;
    if (p != k) {
      for (int64_t j = 0; j < n; ++j) std::swap(a[k * n + j], a[p * n + j]);
      std::swap(perm[static_cast<size_t>(k)], perm[static_cast<size_t>(p)]);
      ++swaps;
    }
    const double pivot = a[k * n + k];
    if (pivot == 0.0) {
      regular = false;
      continue;
    }
    for (int64_t i = k + 1; i < n; ++i) {
      const double f = a[i * n + k] / pivot;
      a[i * n + k] = f;
      for (int64_t j = k + 1; j < n; ++j) a[i * n + j] -= f * a[k * n + j];
    }
  }
  return regular;
}

// Solves LU x = P b for the k columns of b (n x k, row-major), in place.
void lu_solve(const double* lu_a, const std::vector<int64_t>& perm, int64_t n, double* b, int64_t k) {
  std::vector<double> pb(static_cast<size_t>(n * k));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < k; ++j) pb[static_cast<size_t>(i * k + j)] = b[perm[static_cast<size_t>(i)] * k + j];
  for (int64_t i = 0; i < n; ++i)
    for (int64_t r = 0; r < i; ++r)
      for (int64_t j = 0; j < k; ++j) pb[static_cast<size_t>(i * k + j)] -= lu_a[i * n + r] * pb[static_cast<size_t>(r * k + j)];
  for (int64_t i = n - 1; i >= 0; --i) {
    for (int64_t r = i + 1; r < n; ++r)
      for (int64_t j = 0; j < k; ++j) pb[static_cast<size_t>(i * k + j)] -= lu_a[i * n + r] * pb[static_cast<size_t>(r * k + j)];
    for (int64_t j = 0; j < k; ++j) pb[static_cast<size_t>(i * k + j)] /= lu_a[i * n + i];
  }
  std::copy(pb.begin(), pb.end(), b);
}

}  // namespace

Array cholesky(const Array& x, bool upper) {
  const DataType t = checked_square("cholesky", x);
  const int64_t n = x.shape().back();
  std::vector<double> a = x.to_vector<double>();
  std::vector<double> l(a.size(), 0.0);
  for (size_t base = 0; base < a.size(); base += static_cast<size_t>(n * n)) {
    const double* m = a.data() + base;
    double* o = l.data() + base;
    for (int64_t j = 0; j < n; ++j) {
      double d = m[j * n + j];
      for (int64_t r = 0; r < j; ++r) d -= o[j * n + r] * o[j * n + r];
      if (!(d > 0.0)) raise(Error::Kind::Value, "cholesky", "Matrix is not positive definite");
      const double root = std::sqrt(d);
      o[j * n + j] = root;
      for (int64_t i = j + 1; i < n; ++i) {
        double s = m[i * n + j];
        for (int64_t r = 0; r < j; ++r) s -= o[i * n + r] * o[j * n + r];
        o[i * n + j] = s / root;
      }
    }
  }
  Array out = from_doubles(l, x.shape(), t);
  return upper ? matrix_transpose(out).copy() : out;
}

Array inv(const Array& x) {
  const DataType t = checked_square("inv", x);
  const int64_t n = x.shape().back();
  std::vector<double> a = x.to_vector<double>();
  std::vector<double> out(a.size());
  std::vector<int64_t> perm;
  for (size_t base = 0; base < a.size(); base += static_cast<size_t>(n * n)) {
    int swaps = 0;
    if (!lu(a.data() + base, n, perm, swaps)) raise(Error::Kind::Value, "inv", "Singular matrix");
    double* b = out.data() + base;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j) b[i * n + j] = i == j ? 1.0 : 0.0;
    lu_solve(a.data() + base, perm, n, b, n);
  }
  return from_doubles(out, x.shape(), t);
}

std::pair<Array, Array> slogdet(const Array& x) {
  const DataType t = checked_square("slogdet", x);
  const int64_t n = x.shape().back();
  std::vector<double> a = x.to_vector<double>();
  std::vector<double> sign, logabs;
  std::vector<int64_t> perm;
  const size_t count = static_cast<size_t>(array_detail::numel(batch_of(x, 2)));
  for (size_t m = 0; m < count; ++m) {
    double* lu_a = a.data() + m * static_cast<size_t>(n * n);
    int swaps = 0;
    double s = 1.0, l = 0.0;
    if (!lu(lu_a, n, perm, swaps)) {
      s = 0.0;
      l = -std::numeric_limits<double>::infinity();
    } else {
      for (int64_t i = 0; i < n; ++i) {
        const double d = lu_a[i * n + i];
        if (d < 0) s = -s;
        l += std::log(std::abs(d));
      }
      if (swaps % 2) s = -s;
    }
    sign.push_back(s);
    logabs.push_back(l);
  }
  const Shape batch = batch_of(x, 2);
  return {from_doubles(sign, batch, t), from_doubles(logabs, batch, t)};
}

Array det(const Array& x) {
  const DataType t = checked_square("det", x);
  const int64_t n = x.shape().back();
  std::vector<double> a = x.to_vector<double>();
  std::vector<double> out;
  std::vector<int64_t> perm;
  const size_t count = static_cast<size_t>(array_detail::numel(batch_of(x, 2)));
  for (size_t m = 0; m < count; ++m) {
    double* lu_a = a.data() + m * static_cast<size_t>(n * n);
    int swaps = 0;
    double d = lu(lu_a, n, perm, swaps) ? (swaps % 2 ? -1.0 : 1.0) : 0.0;
    for (int64_t i = 0; i < n && d != 0.0; ++i) d *= lu_a[i * n + i];
    out.push_back(d);
  }
  return from_doubles(out, batch_of(x, 2), t);
}

Array solve(const Array& x1, const Array& x2) {
  DataType t = checked_square("solve", x1, "x1");
  array_detail::check_defined("solve", x2, "x2");
  if (x2.dtype() == float16 || x2.dtype() == bfloat16)
    raise(Error::Kind::Type, "solve", "array type " + x2.dtype().str() + " is unsupported in linalg");
  if (x2.dtype() == float64 || (!x2.dtype().is_float() && t == float32)) t = float64;
  const int64_t n = x1.shape().back();
  const bool vector = x2.ndim() == 1;
  if (vector && x2.shape()[0] != n)
    raise(Error::Kind::Value, "solve", "x2 has " + std::to_string(x2.shape()[0]) + " elements, x1 is " +
                                           std::to_string(n) + " x " + std::to_string(n));
  if (x2.ndim() == 0) raise(Error::Kind::Value, "solve", "x2 must have at least one dimension");
  if (!vector && x2.shape()[x2.ndim() - 2] != n)
    raise(Error::Kind::Value, "solve", "x2's rows (" + std::to_string(x2.shape()[x2.ndim() - 2]) +
                                           ") do not match x1's size " + std::to_string(n));
  const int64_t k = vector ? 1 : x2.shape().back();
  Shape batch = vector ? batch_of(x1, 2) : array_detail::broadcast_shapes("solve", {batch_of(x1, 2), batch_of(x2, 2)});
  Shape a_shape = batch, b_shape = batch;
  a_shape.insert(a_shape.end(), {n, n});
  b_shape.insert(b_shape.end(), {n, k});
  std::vector<double> a = broadcast_to(x1, a_shape).to_vector<double>();
  Array b_in = vector ? broadcast_to(reshape(x2, {n, 1}), b_shape) : broadcast_to(x2, b_shape);
  std::vector<double> b = b_in.to_vector<double>();
  std::vector<int64_t> perm;
  const int64_t count = array_detail::numel(batch);
  for (int64_t m = 0; m < count && n > 0; ++m) {
    double* lu_a = a.data() + m * n * n;
    int swaps = 0;
    if (!lu(lu_a, n, perm, swaps)) raise(Error::Kind::Value, "solve", "Singular matrix");
    lu_solve(lu_a, perm, n, b.data() + m * n * k, k);
  }
  Shape out_shape = batch;
  out_shape.push_back(n);
  if (!vector) out_shape.push_back(k);
  return from_doubles(b, out_shape, t);
}

}  // namespace tessera::linalg
