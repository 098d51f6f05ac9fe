// Sorting, searching and unique values on the host: elements are read as int64, uint64 or
// double (each dtype's values exactly), rows along the axis are sorted with std::stable_sort,
// and results are cast back to the input dtype.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "tessera/array/creation.h"
#include "tessera/array/elementwise.h"
#include "tessera/array/manipulation.h"
#include "tessera/array/views.h"

namespace tessera {
namespace {

[[noreturn]] void fail(Error::Kind kind, const std::string& msg) { throw Error(kind, msg); }

// These run on the host: device arrays raise rather than come back on the CPU.
void check_on_cpu(const std::string& fn, const Array& x) {
  if (x.defined() && x.device().device_type != kDLCPU)
    fail(Error::Kind::Value, fn + ": runs on the CPU only; copy the array there first (to_device)");
}

int checked_axis(const std::string& fn, int axis, int ndim) {
  if (ndim == 0) fail(Error::Kind::Value, fn + ": the array must have at least one dimension");
  if (axis < -ndim || axis >= ndim)
    fail(Error::Kind::Value, fn + ": axis " + std::to_string(axis) + " is out of bounds for array of dimension " +
                                 std::to_string(ndim));
  return axis < 0 ? axis + ndim : axis;
}

// NaN-last ordering of doubles (integers compare as themselves).
template <class T>
bool less_nan_last(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(a)) return false;
    if (std::isnan(b)) return true;
  }
  return a < b;
}

template <class T>
bool greater_nan_last(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(a)) return false;
    if (std::isnan(b)) return true;
  }
  return a > b;
}

// Calls f with the element type that holds x's values exactly.
template <class F>
auto with_host_type(DataType t, F&& f) {
  if (t.is_float()) return f(double{});
  if (t == uint64) return f(uint64_t{});
  return f(int64_t{});
}

// Sorting indices of every row (last axis) of the compact array `rows`.
template <class T>
std::vector<int64_t> row_order(const Array& rows, bool descending) {
  std::vector<T> v = rows.to_vector<T>();
  const int64_t n = rows.shape().back();
  std::vector<int64_t> order(v.size());
  for (size_t start = 0; start < v.size(); start += static_cast<size_t>(n)) {
    auto first = order.begin() + static_cast<std::ptrdiff_t>(start);
    std::iota(first, first + n, int64_t{0});
    const T* row = v.data() + start;
    if (descending)
      std::stable_sort(first, first + n, [&](int64_t a, int64_t b) { return greater_nan_last(row[a], row[b]); });
    else
      std::stable_sort(first, first + n, [&](int64_t a, int64_t b) { return less_nan_last(row[a], row[b]); });
  }
  return order;
}

Array argsort_impl(const std::string& fn, const Array& x, int axis, bool descending) {
  if (!x.defined()) fail(Error::Kind::Value, fn + ": the array is undefined");
  check_on_cpu(fn, x);
  const int ax = checked_axis(fn, axis, x.ndim());
  Array rows = moveaxis(x, {ax}, {-1}).copy();
  if (rows.size() == 0) return moveaxis(empty(rows.shape(), int64), {-1}, {ax});
  std::vector<int64_t> order =
      with_host_type(x.dtype(), [&](auto tag) { return row_order<decltype(tag)>(rows, descending); });
  return moveaxis(asarray(order, rows.shape()), {-1}, {ax}).copy();
}

}  // namespace

Array argsort(const Array& x, int axis, bool descending, bool) { return argsort_impl("argsort", x, axis, descending); }

Array sort(const Array& x, int axis, bool descending, bool) {
  Array idx = argsort_impl("sort", x, axis, descending);
  return take_along_axis(x, idx, axis);
}

Array searchsorted(const Array& x1, const Array& x2, bool right, const Array* sorter) {
  if (!x1.defined() || !x2.defined()) fail(Error::Kind::Value, "searchsorted: an array is undefined");
  check_on_cpu("searchsorted", x1);
  check_on_cpu("searchsorted", x2);
  if (x1.ndim() != 1) fail(Error::Kind::Value, "searchsorted: x1 must be one-dimensional");
  Array sorted = x1;
  if (sorter) {
    if (!sorter->dtype().is_integer()) fail(Error::Kind::Type, "searchsorted: sorter must hold integers");
    if (sorter->shape() != x1.shape()) fail(Error::Kind::Value, "searchsorted: sorter must have x1's shape");
    sorted = take(x1, *sorter);
  }
  const DataType common = result_type(x1.dtype(), x2.dtype());
  return with_host_type(common, [&](auto tag) {
    using T = decltype(tag);
    std::vector<T> hay = astype(sorted, common, false).to_vector<T>();
    std::vector<T> needles = astype(x2, common, false).to_vector<T>();
    std::vector<int64_t> out;
    out.reserve(needles.size());
    for (T v : needles) {
      auto it = right ? std::upper_bound(hay.begin(), hay.end(), v, less_nan_last<T>)
                      : std::lower_bound(hay.begin(), hay.end(), v, less_nan_last<T>);
      out.push_back(it - hay.begin());
    }
    return asarray(out, x2.shape());
  });
}

Array unique_values(const Array& x) {
  if (!x.defined()) fail(Error::Kind::Value, "unique_values: the array is undefined");
  Array flat = reshape(x, {x.size()});
  if (flat.size() == 0) return empty({0}, x.dtype());
  Array sorted = sort(flat);
  return with_host_type(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    std::vector<T> v = sorted.to_vector<T>();
    std::vector<int64_t> keep;
    for (size_t i = 0; i < v.size(); ++i) {
      bool nan = false;
      if constexpr (std::is_floating_point_v<T>) nan = std::isnan(v[i]);
      if (i == 0 || nan || v[i] != v[i - 1]) keep.push_back(static_cast<int64_t>(i));
    }
    return take(sorted, asarray(keep));
  });
}

}  // namespace tessera
