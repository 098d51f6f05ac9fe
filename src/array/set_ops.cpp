// unique_all / unique_counts / unique_inverse, isin and diff from existing array operations.
#include "tessera/array/set_ops.h"

#include <string>
#include <vector>

#include "internal.h"
#include "tessera/array/creation.h"
#include "tessera/array/elementwise.h"
#include "tessera/array/manipulation.h"
#include "tessera/array/reductions.h"
#include "tessera/array/views.h"

namespace tessera {
namespace {

using array_detail::raise;

// x[..., lo:hi, ...] along axis (a view).
Array slice_axis(const Array& x, int axis, std::optional<int64_t> lo, std::optional<int64_t> hi) {
  std::vector<Index> idx(static_cast<size_t>(axis), Slice{});
  idx.push_back(Slice{lo, hi, std::nullopt});
  return index(x, idx);
}

// x flattened and stably sorted, split into runs of equal elements.
struct Groups {
  int64_t size = 0;
  Array order;   // argsort of the flattened x
  Array sorted;  // the flattened x in that order
  Array starts;  // int64 positions in `sorted` where a run begins
};

Groups group(const std::string& fn, const Array& x) {
  array_detail::check_defined(fn, x);
  Groups g;
  g.size = x.size();
  Array flat = reshape(x, {g.size});
  g.order = argsort(flat);  // stable: each run starts at its first occurrence in x
  g.sorted = take(flat, g.order);
  if (g.size == 0) {
    g.starts = empty({0}, int64);
    return g;
  }
  // A run begins where an element differs from its predecessor; NaN != NaN keeps NaNs apart.
  Array changes = not_equal(slice_axis(g.sorted, 0, 1, std::nullopt), slice_axis(g.sorted, 0, std::nullopt, -1));
  Array begins = concat({ones({1}, bool_), changes});
  g.starts = nonzero(begins)[0];
  return g;
}

Array run_lengths(const Groups& g) {
  Array ends = concat({g.starts, asarray(std::vector<int64_t>{g.size})});
  return subtract(slice_axis(ends, 0, 1, std::nullopt), slice_axis(ends, 0, std::nullopt, -1));
}

// For every element of x (in x's shape), the index of its run.
Array run_of_each(const Groups& g, const Shape& shape) {
  if (g.size == 0) return empty(shape, int64);
  Array begins = zeros({g.size}, int64);
  setitem(begins, {g.starts}, Operand(int64_t{1}));
  Array run_sorted = subtract(cumulative_sum(begins), Operand(int64_t{1}));
  Array position_in_sorted = argsort(g.order);  // inverse permutation
  return reshape(take(run_sorted, position_in_sorted), shape);
}

}  // namespace

UniqueAll unique_all(const Array& x) {
  Groups g = group("unique_all", x);
  return {take(g.sorted, g.starts), take(g.order, g.starts), run_of_each(g, x.shape()), run_lengths(g)};
}

UniqueCounts unique_counts(const Array& x) {
  Groups g = group("unique_counts", x);
  return {take(g.sorted, g.starts), run_lengths(g)};
}

UniqueInverse unique_inverse(const Array& x) {
  Groups g = group("unique_inverse", x);
  return {take(g.sorted, g.starts), run_of_each(g, x.shape())};
}

Array isin(const Array& x1, const Array& x2, bool invert) {
  array_detail::check_defined("isin", x1, "x1");
  array_detail::check_defined("isin", x2, "x2");
  if (x1.size() == 0 || x2.size() == 0) return full(x1.shape(), Scalar(invert), bool_);
  const DataType common = result_type(x1.dtype(), x2.dtype());
  Array candidates = sort(reshape(astype(x2, common, false), {x2.size()}));
  Array needles = astype(x1, common, false);
  // The first candidate not below each needle is equal to it exactly when the needle is in x2.
  Array at = minimum(searchsorted(candidates, needles), Operand(x2.size() - 1));
  Array found = equal(take(candidates, at), needles);
  return invert ? logical_not(found) : found;
}

Array diff(const Array& x, int axis, int64_t n, const std::optional<Array>& prepend,
           const std::optional<Array>& append) {
  array_detail::check_defined("diff", x);
  if (x.ndim() == 0) raise(Error::Kind::Value, "diff", "diff requires input that is at least one dimensional");
  const int ax = array_detail::normalize_axis("diff", axis, x.ndim());
  if (n < 0) raise(Error::Kind::Value, "diff", "order must be non-negative but got " + std::to_string(n));
  if (n == 0) return x;
  Array a = x;
  if (prepend || append) {
    Shape slab = x.shape();
    slab[static_cast<size_t>(ax)] = 1;
    auto part = [&](const Array& p) { return p.ndim() == 0 ? broadcast_to(p, slab) : p; };
    std::vector<Array> parts;
    if (prepend) parts.push_back(part(*prepend));
    parts.push_back(x);
    if (append) parts.push_back(part(*append));
    a = concat(parts, ax);
  }
  const bool boolean = a.dtype().is_bool();
  for (int64_t i = 0; i < n && a.shape()[static_cast<size_t>(ax)] > 0; ++i) {  // empty stays empty
    Array later = slice_axis(a, ax, 1, std::nullopt), earlier = slice_axis(a, ax, std::nullopt, -1);
    a = boolean ? not_equal(later, earlier) : subtract(later, earlier);
  }
  return a;
}

}  // namespace tessera
