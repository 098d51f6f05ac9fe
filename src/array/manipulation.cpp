// Joining, tiling, repeating, rolling and gathering. Joins and rolls write slices of the
// result through views (astype copies); tile and repeat copy broadcast views; gathers run
// ops::take and ops::take_along_axis.
#include "tessera/array/manipulation.h"

#include "array/internal.h"
#include "tessera/array/creation.h"
#include "tessera/array/views.h"
#include "tessera/ops/indexing.h"

namespace tessera {

using array_detail::raise;
using array_detail::shape_str;

namespace {

// The view x[:, ..., :, start:stop] with the slice at `axis`.
Array slice_along(const Array& x, int axis, int64_t start, int64_t stop) {
  std::vector<Index> idx(axis, Slice{});
  idx.push_back(Slice{start, stop, 1});
  return index(x, idx);
}

Array roll_axis(const Array& x, int64_t shift, int axis) {
  const int64_t n = x.shape()[axis];
  Array out = empty(x.shape(), x.dtype());
  if (n == 0 || x.size() == 0) return out;
  const int64_t s = ((shift % n) + n) % n;
  slice_along(out, axis, s, n).assign(slice_along(x, axis, 0, n - s));
  if (s > 0) slice_along(out, axis, 0, s).assign(slice_along(x, axis, n - s, n));
  return out;
}

}  // namespace

Array concat(const std::vector<Array>& arrays, std::optional<int> axis) {
  if (arrays.empty()) raise(Error::Kind::Value, "concat", "need at least one array to concatenate");
  std::vector<Array> xs;
  for (const Array& a : arrays) {
    array_detail::check_defined("concat", a);
    xs.push_back(axis ? a : reshape(a, {-1}));
  }
  const int nd = xs[0].ndim();
  if (nd == 0) raise(Error::Kind::Value, "concat", "zero-dimensional arrays cannot be concatenated");
  const int a = array_detail::normalize_axis("concat", axis.value_or(0), nd);
  Shape shape = xs[0].shape();
  DataType dtype = xs[0].dtype();
  shape[a] = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    const Array& x = xs[i];
    if (x.ndim() != nd)
      raise(Error::Kind::Value, "concat",
            "all the input arrays must have the same number of dimensions, but the array at index 0 has " +
                std::to_string(nd) + " and the array at index " + std::to_string(i) + " has " + std::to_string(x.ndim()));
    for (int d = 0; d < nd; ++d)
      if (d != a && x.shape()[d] != xs[0].shape()[d])
        raise(Error::Kind::Value, "concat",
              "all the input array dimensions except for the concatenation axis must match exactly, but along "
              "dimension " + std::to_string(d) + ", the array at index 0 has size " + std::to_string(xs[0].shape()[d]) +
                  " and the array at index " + std::to_string(i) + " has size " + std::to_string(x.shape()[d]));
    shape[a] += x.shape()[a];
    dtype = result_type(dtype, x.dtype());
  }
  Array out = empty(shape, dtype);
  int64_t pos = 0;
  for (const Array& x : xs) {
    slice_along(out, a, pos, pos + x.shape()[a]).assign(x);
    pos += x.shape()[a];
  }
  return out;
}

Array stack(const std::vector<Array>& arrays, int axis) {
  if (arrays.empty()) raise(Error::Kind::Value, "stack", "need at least one array to stack");
  std::vector<Array> expanded;
  for (const Array& x : arrays) {
    array_detail::check_defined("stack", x);
    if (x.shape() != arrays[0].shape())
      raise(Error::Kind::Value, "stack",
            "all input arrays must have the same shape, got " + shape_str(arrays[0].shape()) + " and " +
                shape_str(x.shape()));
  }
  const int a = array_detail::normalize_axis("stack", axis, arrays[0].ndim() + 1);
  for (const Array& x : arrays) expanded.push_back(expand_dims(x, a));
  return concat(expanded, a);
}

Array roll(const Array& x, const std::vector<int64_t>& shift, const std::vector<int>& axes) {
  array_detail::check_defined("roll", x);
  if (axes.empty()) {
    if (shift.size() != 1) raise(Error::Kind::Value, "roll", "a flattened roll takes one shift");
    return reshape(roll_axis(reshape(x, {-1}), shift[0], 0), x.shape());
  }
  if (shift.size() != axes.size() && shift.size() != 1)
    raise(Error::Kind::Value, "roll", "shift and axis must have the same length");
  Shape total(x.ndim(), 0);
  for (size_t i = 0; i < axes.size(); ++i)
    total[array_detail::normalize_axis("roll", axes[i], x.ndim())] += shift[shift.size() == 1 ? 0 : i];
  Array out = x.copy();
  for (int d = 0; d < x.ndim(); ++d)
    if (total[d] != 0) out = roll_axis(out, total[d], d);
  return out;
}

Array roll(const Array& x, int64_t shift, std::optional<int> axis) {
  return axis ? roll(x, std::vector<int64_t>{shift}, std::vector<int>{*axis}) : roll(x, std::vector<int64_t>{shift});
}

Array tile(const Array& x, const std::vector<int64_t>& reps) {
  array_detail::check_defined("tile", x);
  for (int64_t r : reps)
    if (r < 0) raise(Error::Kind::Value, "tile", "negative repetition count " + std::to_string(r));
  const int nd = std::max<int>(x.ndim(), static_cast<int>(reps.size()));
  Shape xs(nd - x.ndim(), 1), rs(nd - reps.size(), 1);
  xs.insert(xs.end(), x.shape().begin(), x.shape().end());
  rs.insert(rs.end(), reps.begin(), reps.end());
  // (r0, s0, r1, s1, ...) with the repetitions broadcast, then merged pairwise.
  std::vector<int> at;
  Shape pairs, merged;
  for (int d = 0; d < nd; ++d) {
    at.push_back(2 * d);
    pairs.insert(pairs.end(), {rs[d], xs[d]});
    merged.push_back(rs[d] * xs[d]);
  }
  Array view = broadcast_to(expand_dims(reshape(x, xs), at), pairs);
  return reshape(view, merged, true);
}

Array repeat(const Array& x, int64_t repeats, std::optional<int> axis) {
  array_detail::check_defined("repeat", x);
  if (repeats < 0) raise(Error::Kind::Value, "repeat", "negative repeat count " + std::to_string(repeats));
  Array flat = axis ? x : reshape(x, {-1});
  const int a = array_detail::normalize_axis("repeat", axis.value_or(0), flat.ndim());
  Shape wide = flat.shape(), merged = flat.shape();
  wide.insert(wide.begin() + a + 1, repeats);
  merged[a] *= repeats;
  return reshape(broadcast_to(expand_dims(flat, a + 1), wide), merged, true);
}

Array repeat(const Array& x, const Array& repeats, std::optional<int> axis) {
  array_detail::check_defined("repeat", x);
  array_detail::check_defined("repeat", repeats, "repeats");
  if (!repeats.dtype().is_integer() && !repeats.dtype().is_bool())
    raise(Error::Kind::Type, "repeat", "repeats must be integers, not " + repeats.dtype().str());
  if (repeats.ndim() > 1) raise(Error::Kind::Value, "repeat", "repeats must be 0-d or 1-d");
  if (repeats.size() == 1) return repeat(x, repeats.reshape({}).item<int64_t>(), axis);
  Array flat = axis ? x : reshape(x, {-1});
  const int a = array_detail::normalize_axis("repeat", axis.value_or(0), flat.ndim());
  const int64_t n = flat.shape()[a];
  if (repeats.size() != n)
    raise(Error::Kind::Value, "repeat",
          "operands could not be broadcast together with shape (" + std::to_string(n) + ",) (" +
              std::to_string(repeats.size()) + ",)");
  std::vector<int64_t> counts = repeats.to_vector<int64_t>(), idx;
  for (int64_t i = 0; i < n; ++i) {
    if (counts[i] < 0) raise(Error::Kind::Value, "repeat", "negative repeat count " + std::to_string(counts[i]));
    idx.insert(idx.end(), static_cast<size_t>(counts[i]), i);
  }
  return take(flat, asarray(idx), a);
}

Shape broadcast_shapes(const std::vector<Shape>& shapes) { return array_detail::broadcast_shapes("broadcast_shapes", shapes); }

std::vector<Array> broadcast_arrays(const std::vector<Array>& arrays) {
  std::vector<Shape> shapes;
  for (const Array& a : arrays) {
    array_detail::check_defined("broadcast_arrays", a);
    shapes.push_back(a.shape());
  }
  Shape shape = array_detail::broadcast_shapes("broadcast_arrays", shapes);
  std::vector<Array> out;
  for (const Array& a : arrays) out.push_back(broadcast_to(a, shape));
  return out;
}

Array take(const Array& x, const Array& indices, std::optional<int> axis) {
  array_detail::check_defined("take", x);
  array_detail::check_defined("take", indices, "indices");
  Array src = axis ? x : reshape(x, {-1});
  DLTensor xd = src.dl(), id = indices.dl();
  ops::OutputPlan plan = ops::plan_take(&xd, &id, axis.value_or(0));
  Array out = array_detail::allocate(plan.shape, plan.dtype, "take");
  DLTensor o = out.dl();
  ops::take(&xd, &id, axis.value_or(0), &o);
  return out;
}

Array take_along_axis(const Array& x, const Array& indices, int axis) {
  array_detail::check_defined("take_along_axis", x);
  array_detail::check_defined("take_along_axis", indices, "indices");
  DLTensor xd = x.dl(), id = indices.dl();
  ops::OutputPlan plan = ops::plan_take_along_axis(&xd, &id, axis);
  Array out = array_detail::allocate(plan.shape, plan.dtype, "take_along_axis");
  DLTensor o = out.dl();
  ops::take_along_axis(&xd, &id, axis, &o);
  return out;
}

}  // namespace tessera
