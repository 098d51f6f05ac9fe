// Views: basic indexing, reshape, axis permutations, broadcasting, flips.
#include "tessera/array/views.h"

#include <algorithm>
#include <limits>

#include "array/internal.h"

namespace tessera {

using array_detail::raise;
using array_detail::shape_str;

namespace {

Array make_view(const Array& x, Shape shape, Shape strides, int64_t byte_offset, bool writeable) {
  return Array(x.storage(), x.dtype(), std::move(shape), std::move(strides), byte_offset, writeable);
}

// Python's slice.indices(n): start, step and length of the selected range.
struct Range {
  int64_t start, step, len;
};

Range slice_range(const Slice& s, int64_t n) {
  int64_t step = s.step.value_or(1);
  if (step == 0) raise(Error::Kind::Value, "index", "slice step cannot be zero");
  step = std::max(step, -std::numeric_limits<int64_t>::max());
  auto adjust = [n](int64_t v, int64_t lo, int64_t hi) {
    if (v < 0) v = v < -n ? lo : v + n;
    return std::clamp(v, lo, hi);
  };
  int64_t start, stop;
  if (step > 0) {
    start = s.start ? adjust(*s.start, 0, n) : 0;
    stop = s.stop ? adjust(*s.stop, 0, n) : n;
  } else {
    start = s.start ? adjust(*s.start, -1, n - 1) : n - 1;
    stop = s.stop ? adjust(*s.stop, -1, n - 1) : -1;
  }
  int64_t len = 0;
  if (step > 0 && stop > start) len = (stop - start - 1) / step + 1;
  if (step < 0 && start > stop) len = (start - stop - 1) / -step + 1;
  return {start, step, len};
}

// Strides that give `shape` over x's elements in row-major order without copying, or
// nullopt. Old dimensions are grouped with new ones of equal product; each group of old
// dimensions must be contiguous within itself.
std::optional<Shape> reshape_strides(const Array& x, const Shape& shape) {
  Shape os, ost;
  for (int d = 0; d < x.ndim(); ++d)
    if (x.shape()[d] != 1) {
      os.push_back(x.shape()[d]);
      ost.push_back(x.strides()[d]);
    }
  Shape st(shape.size(), 1);
  size_t oi = 0, ni = 0;
  while (ni < shape.size() && oi < os.size()) {
    size_t nj = ni + 1, oj = oi + 1;
    int64_t np = shape[ni], op = os[oi];
    while (np != op) {
      if (np < op) np *= shape[nj++];
      else op *= os[oj++];
    }
    for (size_t k = oi; k + 1 < oj; ++k)
      if (ost[k] != ost[k + 1] * os[k + 1]) return std::nullopt;
    st[nj - 1] = ost[oj - 1];
    for (size_t k = nj - 1; k > ni; --k) st[k - 1] = st[k] * shape[k];
    ni = nj;
    oi = oj;
  }
  return st;
}

Shape resolve_shape(const Array& x, const Shape& shape) {
  Shape out = shape;
  int unknown = -1;
  int64_t known = 1;
  bool overflow = false, has_zero = false;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == -1) {
      if (unknown >= 0) raise(Error::Kind::Value, "reshape", "can only specify one unknown dimension");
      unknown = static_cast<int>(d);
    } else if (shape[d] < 0) {
      raise(Error::Kind::Value, "reshape", "negative dimensions not allowed in " + shape_str(shape));
    } else {
      has_zero |= shape[d] == 0;
      overflow |= __builtin_mul_overflow(known, shape[d], &known);
    }
  }
  auto fail = [&] {
    raise(Error::Kind::Value, "reshape",
          "cannot reshape array of size " + std::to_string(x.size()) + " into shape " + shape_str(shape));
  };
  if (has_zero) known = 0;
  else if (overflow) fail();  // no array has more than 2^63 elements
  if (unknown >= 0) {
    if (known == 0 || x.size() % known != 0) fail();
    out[unknown] = x.size() / known;
  } else if (known != x.size()) {
    fail();
  }
  return out;
}

}  // namespace

Array index(const Array& x, const std::vector<Index>& idx) {
  array_detail::check_defined("index", x);
  int consumed = 0, ellipses = 0;
  for (const Index& i : idx) {
    if (std::holds_alternative<int64_t>(i) || std::holds_alternative<Slice>(i)) ++consumed;
    if (std::holds_alternative<Ellipsis>(i)) ++ellipses;
  }
  if (ellipses > 1) raise(Error::Kind::Index, "index", "an index can only have a single ellipsis ('...')");
  if (consumed > x.ndim())
    raise(Error::Kind::Index, "index",
          "too many indices for array: array is " + std::to_string(x.ndim()) + "-dimensional, but " +
              std::to_string(consumed) + " were indexed");
  Shape shape, strides;
  int64_t offset = x.byte_offset();
  int d = 0;
  auto keep = [&](int count) {
    for (int k = 0; k < count; ++k, ++d) {
      shape.push_back(x.shape()[d]);
      strides.push_back(x.strides()[d]);
    }
  };
  for (const Index& i : idx) {
    if (const int64_t* p = std::get_if<int64_t>(&i)) {
      int64_t n = x.shape()[d], k = *p < 0 ? *p + n : *p;
      if (k < 0 || k >= n)
        raise(Error::Kind::Index, "index",
              "index " + std::to_string(*p) + " is out of bounds for axis " + std::to_string(d) + " with size " +
                  std::to_string(n));
      offset += k * x.strides()[d] * x.itemsize();
      ++d;
    } else if (const Slice* s = std::get_if<Slice>(&i)) {
      Range r = slice_range(*s, x.shape()[d]);
      if (r.len > 0) offset += r.start * x.strides()[d] * x.itemsize();
      shape.push_back(r.len);
      strides.push_back(x.strides()[d] * r.step);
      ++d;
    } else if (std::holds_alternative<NewAxis>(i)) {
      shape.push_back(1);
      strides.push_back(0);
    } else {
      keep(x.ndim() - consumed);
    }
  }
  keep(x.ndim() - d);
  return make_view(x, shape, strides, offset, x.writeable());
}

Array reshape(const Array& x, const Shape& shape, std::optional<bool> copy) {
  array_detail::check_defined("reshape", x);
  Shape target = resolve_shape(x, shape);
  if (copy.value_or(false)) return reshape(x.copy(), target, false);
  if (x.size() == 0) return make_view(x, target, array_detail::compact_strides(target), x.byte_offset(), x.writeable());
  if (std::optional<Shape> st = reshape_strides(x, target))
    return make_view(x, target, *st, x.byte_offset(), x.writeable());
  if (copy.has_value())
    raise(Error::Kind::Value, "reshape",
          "cannot reshape " + x.describe() + " with strides " + shape_str(x.strides()) + " into " +
              shape_str(target) + " without copying");
  return reshape(x.copy(), target, false);
}

Array permute_dims(const Array& x, const std::vector<int>& axes) {
  array_detail::check_defined("permute_dims", x);
  if (static_cast<int>(axes.size()) != x.ndim())
    raise(Error::Kind::Value, "permute_dims",
          "axes don't match array: " + std::to_string(axes.size()) + " axes for " + std::to_string(x.ndim()) +
              " dimensions");
  std::vector<int> norm = array_detail::normalize_axes("permute_dims", axes, x.ndim());
  Shape shape, strides;
  for (int a : norm) {
    shape.push_back(x.shape()[a]);
    strides.push_back(x.strides()[a]);
  }
  return make_view(x, shape, strides, x.byte_offset(), x.writeable());
}

Array swapaxes(const Array& x, int axis1, int axis2) {
  array_detail::check_defined("swapaxes", x);
  int a = array_detail::normalize_axis("swapaxes", axis1, x.ndim());
  int b = array_detail::normalize_axis("swapaxes", axis2, x.ndim());
  std::vector<int> order(x.ndim());
  for (int d = 0; d < x.ndim(); ++d) order[d] = d;
  std::swap(order[a], order[b]);
  return permute_dims(x, order);
}

Array matrix_transpose(const Array& x) {
  array_detail::check_defined("matrix_transpose", x);
  if (x.ndim() < 2)
    raise(Error::Kind::Value, "matrix_transpose", "needs at least 2 dimensions, got " + x.describe());
  return swapaxes(x, -1, -2);
}

Array moveaxis(const Array& x, const std::vector<int>& source, const std::vector<int>& destination) {
  array_detail::check_defined("moveaxis", x);
  if (source.size() != destination.size())
    raise(Error::Kind::Value, "moveaxis", "source and destination must have the same number of elements");
  std::vector<int> src = array_detail::normalize_axes("moveaxis", source, x.ndim());
  std::vector<int> dst = array_detail::normalize_axes("moveaxis", destination, x.ndim());
  std::vector<int> order;
  for (int d = 0; d < x.ndim(); ++d)
    if (std::find(src.begin(), src.end(), d) == src.end()) order.push_back(d);
  std::vector<std::pair<int, int>> moves;
  for (size_t k = 0; k < src.size(); ++k) moves.push_back({dst[k], src[k]});
  std::sort(moves.begin(), moves.end());
  for (auto [to, from] : moves) order.insert(order.begin() + to, from);
  return permute_dims(x, order);
}

Array broadcast_to(const Array& x, const Shape& shape) {
  array_detail::check_defined("broadcast_to", x);
  for (int64_t e : shape)
    if (e < 0) raise(Error::Kind::Value, "broadcast_to", "negative dimensions are not allowed: " + shape_str(shape));
  const int off = static_cast<int>(shape.size()) - x.ndim();
  bool ok = off >= 0;
  Shape strides(shape.size(), 0);
  for (int d = 0; ok && d < x.ndim(); ++d) {
    int64_t e = x.shape()[d];
    ok = e == shape[off + d] || e == 1;
    strides[off + d] = e == 1 ? 0 : x.strides()[d];
  }
  if (!ok)
    raise(Error::Kind::Value, "broadcast_to",
          "array of shape " + shape_str(x.shape()) + " cannot be broadcast to shape " + shape_str(shape));
  return make_view(x, shape, strides, x.byte_offset(), false);
}

Array expand_dims(const Array& x, const Axes& axes) {
  array_detail::check_defined("expand_dims", x);
  if (axes.is_all()) raise(Error::Kind::Value, "expand_dims", "axes must be given");
  const int nd = x.ndim() + static_cast<int>(axes.list().size());
  std::vector<int> at = array_detail::normalize_axes("expand_dims", axes.list(), nd);
  std::vector<bool> inserted(nd, false);
  for (int a : at) inserted[a] = true;
  Shape shape, strides;
  int d = 0;
  for (int k = 0; k < nd; ++k) {
    shape.push_back(inserted[k] ? 1 : x.shape()[d]);
    strides.push_back(inserted[k] ? 0 : x.strides()[d]);
    d += inserted[k] ? 0 : 1;
  }
  return make_view(x, shape, strides, x.byte_offset(), x.writeable());
}

Array squeeze(const Array& x, const Axes& axes) {
  array_detail::check_defined("squeeze", x);
  std::vector<bool> drop(x.ndim(), false);
  if (axes.is_all()) {
    for (int d = 0; d < x.ndim(); ++d) drop[d] = x.shape()[d] == 1;
  } else {
    for (int d : array_detail::normalize_axes("squeeze", axes.list(), x.ndim())) {
      if (x.shape()[d] != 1)
        raise(Error::Kind::Value, "squeeze",
              "cannot select an axis to squeeze out which has size not equal to one (axis " + std::to_string(d) +
                  " of " + x.describe() + ")");
      drop[d] = true;
    }
  }
  Shape shape, strides;
  for (int d = 0; d < x.ndim(); ++d)
    if (!drop[d]) {
      shape.push_back(x.shape()[d]);
      strides.push_back(x.strides()[d]);
    }
  return make_view(x, shape, strides, x.byte_offset(), x.writeable());
}

Array flip(const Array& x, const Axes& axes) {
  array_detail::check_defined("flip", x);
  std::vector<int> which;
  if (axes.is_all())
    for (int d = 0; d < x.ndim(); ++d) which.push_back(d);
  else
    which = array_detail::normalize_axes("flip", axes.list(), x.ndim());
  Shape strides = x.strides();
  int64_t offset = x.byte_offset();
  for (int d : which) {
    if (x.shape()[d] > 0) offset += (x.shape()[d] - 1) * strides[d] * x.itemsize();
    strides[d] = -strides[d];
  }
  return make_view(x, x.shape(), strides, x.size() == 0 ? x.byte_offset() : offset, x.writeable());
}

std::vector<Array> unstack(const Array& x, int axis) {
  array_detail::check_defined("unstack", x);
  int a = array_detail::normalize_axis("unstack", axis, x.ndim());
  std::vector<Array> out;
  for (int64_t i = 0; i < x.shape()[a]; ++i) {
    std::vector<Index> idx(a, Slice{});
    idx.push_back(i);
    out.push_back(index(x, idx));
  }
  return out;
}

}  // namespace tessera
