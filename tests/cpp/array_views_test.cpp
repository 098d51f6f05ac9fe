// Array views: basic indexing, reshape, permutations, broadcasting, squeeze/expand, flips,
// and writes through views, against a reference that tracks which base element each view
// element is (element lists, not strides).
#include <numeric>

#include "array_test_util.h"

namespace tessera {
namespace {

using array_testing::expect_error;
using array_testing::values;

// A reference view: the base array's flat index of each element, row-major.
struct Ref {
  Shape shape;
  std::vector<int64_t> flat;
};

Ref ref_of(const Shape& shape) {
  Ref r{shape, std::vector<int64_t>(array_testing::numel(shape))};
  std::iota(r.flat.begin(), r.flat.end(), 0);
  return r;
}

// Positions a Python slice selects from range(n), by walking the range.
std::vector<int64_t> slice_positions(const Slice& s, int64_t n) {
  int64_t step = s.step.value_or(1);
  auto wrap = [n](int64_t v, int64_t lo, int64_t hi) { return std::clamp(v < 0 ? v + n : v, lo, hi); };
  std::vector<int64_t> out;
  if (step > 0) {
    for (int64_t i = s.start ? wrap(*s.start, 0, n) : 0, end = s.stop ? wrap(*s.stop, 0, n) : n; i < end; i += step)
      out.push_back(i);
  } else {
    for (int64_t i = s.start ? wrap(*s.start, -1, n - 1) : n - 1, end = s.stop ? wrap(*s.stop, -1, n - 1) : -1;
         i > end; i += step)
      out.push_back(i);
  }
  return out;
}

// Applies a (valid) index to a reference view.
Ref ref_index(const Ref& r, std::vector<Index> idx) {
  int consumed = 0;
  for (const Index& i : idx) consumed += std::holds_alternative<int64_t>(i) || std::holds_alternative<Slice>(i);
  auto ell = std::find_if(idx.begin(), idx.end(), [](const Index& i) { return std::holds_alternative<Ellipsis>(i); });
  int rest = static_cast<int>(r.shape.size()) - consumed;
  if (ell != idx.end()) ell = idx.erase(ell);
  idx.insert(ell, rest, Slice{});
  // Per output axis: the source axis and positions (source -1 for newaxis); fixed axes.
  std::vector<std::pair<int, std::vector<int64_t>>> axes;
  std::vector<int64_t> fixed(r.shape.size(), -1);
  int d = 0;
  for (const Index& i : idx) {
    if (auto* k = std::get_if<int64_t>(&i)) fixed[d] = *k < 0 ? *k + r.shape[d] : *k, ++d;
    else if (auto* s = std::get_if<Slice>(&i)) axes.push_back({d, slice_positions(*s, r.shape[d])}), ++d;
    else axes.push_back({-1, {0}});
  }
  Ref out;
  for (auto& [src, pos] : axes) out.shape.push_back(static_cast<int64_t>(pos.size()));
  Shape rs = r.shape;
  for (const auto& oi : testing::all_indices(out.shape)) {
    std::vector<int64_t> si = fixed;
    for (size_t a = 0; a < axes.size(); ++a)
      if (axes[a].first >= 0) si[axes[a].first] = axes[a].second[oi[a]];
    int64_t flat = 0;
    for (size_t k = 0; k < si.size(); ++k) flat = flat * rs[k] + si[k];
    out.flat.push_back(r.flat[flat]);
  }
  return out;
}

std::vector<double> ref_values(const Ref& r, const std::vector<double>& base) {
  std::vector<double> out;
  for (int64_t f : r.flat) out.push_back(base[f]);
  return out;
}

Index random_index(std::mt19937_64& rng, int64_t n) {
  auto pick = [&](int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(rng() % (hi - lo + 1)); };
  auto maybe = [&](int64_t lo, int64_t hi) -> std::optional<int64_t> {
    if (rng() % 3 == 0) return std::nullopt;
    return pick(lo, hi);
  };
  if (n > 0 && rng() % 4 == 0) return pick(-n, n - 1);
  int64_t step = rng() % 2 ? 0 : pick(-3, 3);
  Slice s{maybe(-n - 2, n + 2), maybe(-n - 2, n + 2), step == 0 ? std::nullopt : std::optional<int64_t>(step)};
  return s;
}

TEST(ArrayViews, RandomBasicIndexingAndChains) {
  std::mt19937_64 rng(42);
  for (int trial = 0; trial < 150; ++trial) {
    Shape shape;
    for (int d = 0, nd = 1 + static_cast<int>(rng() % 4); d < nd; ++d) shape.push_back(static_cast<int64_t>(rng() % 6));
    DataType t = array_testing::all_dtypes()[rng() % 13];
    int64_t n = array_testing::numel(shape);
    std::vector<double> base = array_testing::random_values(t, n, trial);
    Array a = array_testing::make_array(base, t, shape);
    Array view = a;
    Ref ref = ref_of(shape);
    for (int chain = 0; chain < 2; ++chain) {
      std::vector<Index> idx;
      int dims = view.ndim();
      bool ellipsis_used = false;
      for (int d = 0; d < dims; ++d) {
        if (rng() % 5 == 0) idx.push_back(newaxis);
        if (!ellipsis_used && rng() % 6 == 0) {
          idx.push_back(ellipsis);
          ellipsis_used = true;
          break;
        }
        idx.push_back(random_index(rng, view.shape()[d]));
      }
      view = view[idx];
      ref = ref_index(ref, idx);
      ASSERT_EQ(view.shape(), ref.shape) << "trial " << trial;
      std::vector<double> want = ref_values(ref, base);
      array_testing::expect_values(values(view), want, "view");
      array_testing::expect_values(values(view.copy()), want, "copy of view");
      EXPECT_EQ(view.storage(), a.storage());
    }
  }
}

TEST(ArrayViews, SlicesMatchPythonCases) {
  // list(range(5))[start:stop:step], from Python.
  struct Case {
    Slice s;
    std::vector<double> want;
  } cases[] = {
      {Slice{{}, {}, -1}, {4, 3, 2, 1, 0}}, {Slice{-2, {}, -2}, {3, 1}},   {Slice{10, -10, -1}, {4, 3, 2, 1, 0}},
      {Slice{1, -1}, {1, 2, 3}},            {Slice{-100, 2}, {0, 1}},      {Slice{3, 1}, {}},
      {Slice{{}, {}, 2}, {0, 2, 4}},        {Slice{4, 0, -3}, {4, 1}},     {Slice{-1, -6, -1}, {4, 3, 2, 1, 0}},
  };
  Array a = arange(5);
  for (const Case& c : cases) array_testing::expect_values(values(a[c.s]), c.want);
}

TEST(ArrayViews, ZeroDimAndEmpty) {
  Array s = full({}, 7.5);
  EXPECT_EQ(s[std::vector<Index>{}].ndim(), 0);
  EXPECT_EQ(s[ellipsis].ndim(), 0);
  EXPECT_EQ(s[newaxis].shape(), Shape({1}));
  EXPECT_EQ(array_testing::load(s[newaxis], {0}), 7.5);
  expect_error([&] { s[0]; }, Error::Kind::Index, "too many indices for array: array is 0-dimensional, but 1 were indexed");
  Array e = zeros({0, 3});
  EXPECT_EQ((e[{Slice{}, 1}].shape()), Shape({0}));
  EXPECT_EQ((e[{Slice{{}, {}, -1}, Slice{1}}].shape()), Shape({0, 2}));
  EXPECT_EQ(reshape(e, {3, 0, 5}).shape(), Shape({3, 0, 5}));
  EXPECT_EQ(reshape(e, {-1}).shape(), Shape({0}));
  EXPECT_EQ(e.T().shape(), Shape({3, 0}));
  expect_error([&] { reshape(e, {-1, 0}); }, Error::Kind::Value, "cannot reshape array of size 0");
}

TEST(ArrayViews, ReshapeViewsWhereStridesAllowAndCopiesOtherwise) {
  std::vector<double> base = array_testing::random_values(float32, 24, 3);
  Array a = array_testing::make_array(base, float32, {2, 3, 4});
  // Compact: every reshape is a view in row-major order.
  for (Shape s : {Shape{24}, Shape{4, 6}, Shape{2, 1, 12, 1}, Shape{-1, 8}, Shape{3, -1, 2}}) {
    Array r = reshape(a, s);
    EXPECT_EQ(r.storage(), a.storage());
    array_testing::expect_values(values(r), base);
  }
  // Transposed: merging the transposed axes needs a copy; splitting one axis does not.
  Array t = a.T();  // (4, 3, 2)
  std::vector<double> t_values = values(t);
  Array merged = reshape(t, {4, 6});
  EXPECT_NE(merged.storage(), a.storage());
  array_testing::expect_values(values(merged), t_values);
  Array split = reshape(t, {2, 2, 3, 1, 2});
  EXPECT_EQ(split.storage(), a.storage());
  array_testing::expect_values(values(split), t_values);
  expect_error([&] { reshape(t, {24}, false); }, Error::Kind::Value, "without copying");
  EXPECT_NE(reshape(a, {24}, true).storage(), a.storage());
  // A negative-step view keeps its step through reshape.
  Array rev = a[{Slice{}, Slice{}, Slice{{}, {}, -1}}];
  Array rev2 = reshape(rev, {6, 4});
  EXPECT_EQ(rev2.storage(), a.storage());
  array_testing::expect_values(values(rev2), values(rev));
  expect_error([&] { reshape(a, {5, -1}); }, Error::Kind::Value, "cannot reshape array of size 24 into shape (5, -1)");
  expect_error([&] { reshape(a, {-1, -1}); }, Error::Kind::Value, "only specify one unknown dimension");
  expect_error([&] { reshape(a, {-2, 12}); }, Error::Kind::Value, "negative dimensions");
}

TEST(ArrayViews, PermutationsTransposesAndMoves) {
  std::vector<double> base = array_testing::random_values(int16, 60, 4);
  Array a = array_testing::make_array(base, int16, {3, 4, 5});
  auto at = [&](int64_t i, int64_t j, int64_t k) { return base[(i * 4 + j) * 5 + k]; };
  Array p = permute_dims(a, {2, 0, 1});
  Array t = a.T(), mt = a.mT(), mv = moveaxis(a, {0}, {-1}), sw = swapaxes(a, 0, 2);
  EXPECT_EQ(p.shape(), Shape({5, 3, 4}));
  EXPECT_EQ(mt.shape(), Shape({3, 5, 4}));
  EXPECT_EQ(mv.shape(), Shape({4, 5, 3}));
  for (const auto& idx : testing::all_indices({3, 4, 5})) {
    int64_t i = idx[0], j = idx[1], k = idx[2];
    ASSERT_EQ(array_testing::load(p, {k, i, j}), at(i, j, k));
    ASSERT_EQ(array_testing::load(t, {k, j, i}), at(i, j, k));
    ASSERT_EQ(array_testing::load(sw, {k, j, i}), at(i, j, k));
    ASSERT_EQ(array_testing::load(mt, {i, k, j}), at(i, j, k));
    ASSERT_EQ(array_testing::load(mv, {j, k, i}), at(i, j, k));
  }
  EXPECT_EQ(moveaxis(zeros({2, 3, 4, 5}), {0, 1}, {3, 0}).shape(), Shape({3, 4, 5, 2}));
  EXPECT_EQ(matrix_transpose(a).shape(), mt.shape());
  expect_error([&] { permute_dims(a, {0, 1}); }, Error::Kind::Value, "axes don't match array");
  expect_error([&] { permute_dims(a, {0, 1, 1}); }, Error::Kind::Value, "repeated axis");
  expect_error([&] { permute_dims(a, {0, 1, 3}); }, Error::Kind::Value, "axis 3 is out of bounds for array of dimension 3");
  expect_error([&] { matrix_transpose(arange(3)); }, Error::Kind::Value, "at least 2 dimensions");
}

TEST(ArrayViews, BroadcastExpandSqueezeFlipUnstack) {
  std::vector<double> base = array_testing::random_values(float64, 6, 5);
  Array a = array_testing::make_array(base, float64, {3, 1, 2});
  Array b = broadcast_to(a, {4, 3, 5, 2});
  EXPECT_FALSE(b.writeable());
  for (const auto& idx : testing::all_indices(b.shape()))
    ASSERT_EQ(array_testing::load(b, idx), base[idx[1] * 2 + idx[3]]);
  expect_error([&] { b.assign(1.0); }, Error::Kind::Value, "read-only");
  expect_error([&] { b += 1; }, Error::Kind::Value, "read-only");
  expect_error([&] { broadcast_to(a, {3, 2, 3}); }, Error::Kind::Value, "cannot be broadcast to shape (3, 2, 3)");
  expect_error([&] { broadcast_to(a, {2}); }, Error::Kind::Value, "cannot be broadcast");

  EXPECT_EQ(expand_dims(a, {0, -1}).shape(), Shape({1, 3, 1, 2, 1}));
  EXPECT_EQ(expand_dims(a, 1).shape(), Shape({3, 1, 1, 2}));
  EXPECT_EQ(squeeze(a).shape(), Shape({3, 2}));
  EXPECT_EQ(squeeze(a, 1).shape(), Shape({3, 2}));
  EXPECT_EQ(squeeze(a, {}).shape(), a.shape());
  array_testing::expect_values(values(squeeze(expand_dims(a, {0, 4}))), base);
  expect_error([&] { squeeze(a, 0); }, Error::Kind::Value, "size not equal to one");
  expect_error([&] { expand_dims(a, 5); }, Error::Kind::Value, "out of bounds");

  Array f = flip(a, {0, 2});
  for (const auto& idx : testing::all_indices(a.shape()))
    ASSERT_EQ(array_testing::load(f, idx), base[(2 - idx[0]) * 2 + (1 - idx[2])]);
  array_testing::expect_values(values(flip(flip(a))), base);
  std::vector<Array> parts = unstack(a, 2);
  ASSERT_EQ(parts.size(), 2u);
  for (int64_t i = 0; i < 3; ++i) EXPECT_EQ(array_testing::load(parts[1], {i, 0}), base[i * 2 + 1]);
}

TEST(ArrayViews, WritesThroughViewsAndReadOnly) {
  Array a = zeros({4, 5}, int32);
  a[{Slice{{}, {}, -2}, Slice{1, {}, 3}}] = 7;   // rows 3, 1; columns 1, 4
  a[{0}] = arange(5, 10, 1, int64);               // row 0 = 5..9 (cast)
  a[{Slice{}, 0}] = a[{0, Slice{{}, 4}}];          // column 0 = row 0's first four (overlapping)
  std::vector<double> want(20, 0);
  for (int j = 0; j < 5; ++j) want[j] = 5 + j;
  for (int i : {1, 3})
    for (int j : {1, 4}) want[i * 5 + j] = 7;
  for (int i = 0; i < 4; ++i) want[i * 5] = 5 + i;
  array_testing::expect_values(values(a), want);
  a.T()[{Slice{2, 4}}] += 1;  // columns 2 and 3 of a
  for (int i = 0; i < 4; ++i) want[i * 5 + 2] += 1, want[i * 5 + 3] += 1;
  array_testing::expect_values(values(a), want);
  Array ro = a.readonly();
  expect_error([&] { ro[0] = 1; }, Error::Kind::Value, "assignment destination is read-only");
  expect_error([&] { ro[{Slice{}, 1}] *= 2; }, Error::Kind::Value, "read-only");
  EXPECT_FALSE(ro[0].writeable());
  expect_error([&] { a[{Slice{}, 1}] = arange(3); }, Error::Kind::Value, "could not broadcast input array from shape (3,)");
  expect_error([&] { a[0] = int64_t{1} << 40; }, Error::Kind::Overflow, "out of bounds for int32");
}

TEST(ArrayViews, IndexErrors) {
  Array a = zeros({2, 3});
  expect_error([&] { a[{0, 3}]; }, Error::Kind::Index, "index 3 is out of bounds for axis 1 with size 3");
  expect_error([&] { a[-3]; }, Error::Kind::Index, "index -3 is out of bounds for axis 0 with size 2");
  expect_error([&] { a[{0, 0, 0}]; }, Error::Kind::Index, "too many indices");
  expect_error([&] { a[{ellipsis, 0, ellipsis}]; }, Error::Kind::Index, "single ellipsis");
  expect_error([&] { a[Slice{{}, {}, 0}]; }, Error::Kind::Value, "slice step cannot be zero");
  expect_error([&] { Array u; u + 1; }, Error::Kind::Value, "undefined");
  auto storage = Storage::allocate(16);
  expect_error([&] { Array(storage, float32, {5}, {1}, 0); }, Error::Kind::Value, "outside its storage");
  expect_error([&] { Array(storage, float32, {2}, {-1}, 0); }, Error::Kind::Value, "outside its storage");
  EXPECT_EQ(Array(storage, float32, {2}, {-1}, 4).shape(), Shape({2}));
  EXPECT_EQ(Array(storage, float32, {0, 9}, {100, 100}, 0).size(), 0);
}

}  // namespace
}  // namespace tessera
