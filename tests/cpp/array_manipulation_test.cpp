// Joining, rolling, tiling, repeating, broadcasting and gathering, against references
// computed element by element from the inputs' memory.
#include "array_test_util.h"

namespace tessera {
namespace {

using array_testing::expect_error;
using array_testing::expect_values;
using array_testing::load;
using array_testing::values;

TEST(ArrayManipulation, ConcatAndStack) {
  Array a = array_testing::random_array(int16, {2, 3}, 1), b = array_testing::random_array(float32, {4, 3}, 2).T().mT();
  Array c = concat({a, b});
  ASSERT_EQ(c.shape(), Shape({6, 3}));
  EXPECT_EQ(c.dtype(), float32);
  for (const auto& idx : testing::all_indices({6, 3}))
    ASSERT_EQ(load(c, idx), idx[0] < 2 ? load(a, idx) : load(b, {idx[0] - 2, idx[1]}));
  Array d = concat({a.T(), b.T()}, -1);
  ASSERT_EQ(d.shape(), Shape({3, 6}));
  expect_values(values(d), values(c.T()));
  std::vector<double> flat = values(a), fb = values(b);
  flat.insert(flat.end(), fb.begin(), fb.end());
  expect_values(values(concat({a, b}, std::nullopt)), flat);
  EXPECT_EQ(concat({zeros({0, 3}), a}).shape(), Shape({2, 3}));

  Array s0 = stack({a, a + 1, a + 2}), s2 = stack({a, a + 1}, -1);
  ASSERT_EQ(s0.shape(), Shape({3, 2, 3}));
  ASSERT_EQ(s2.shape(), Shape({2, 3, 2}));
  for (const auto& idx : testing::all_indices({3, 2, 3})) ASSERT_EQ(load(s0, idx), load(a, {idx[1], idx[2]}) + idx[0]);
  for (const auto& idx : testing::all_indices({2, 3, 2})) ASSERT_EQ(load(s2, idx), load(a, {idx[0], idx[1]}) + idx[2]);
  std::vector<Array> parts = unstack(s0);
  ASSERT_EQ(parts.size(), 3u);
  expect_values(values(parts[2]), values(a + 2));

  expect_error([&] { concat({}); }, Error::Kind::Value, "need at least one array");
  expect_error([&] { concat({a, zeros({2, 4})}); }, Error::Kind::Value, "along dimension 1, the array at index 0 has size 3");
  expect_error([&] { concat({a, zeros({3})}); }, Error::Kind::Value, "same number of dimensions");
  expect_error([&] { concat({full({}, 1), full({}, 2)}); }, Error::Kind::Value, "zero-dimensional");
  expect_error([&] { stack({a, zeros({3, 2})}); }, Error::Kind::Value, "same shape");
  expect_error([&] { concat({a, a}, 2); }, Error::Kind::Value, "axis 2 is out of bounds");
}

TEST(ArrayManipulation, RollTileRepeat) {
  std::vector<double> v = array_testing::random_values(uint8, 12, 3);
  Array x = array_testing::make_array(v, uint8, {3, 4});
  auto at = [&](int64_t i, int64_t j) { return v[i * 4 + j]; };
  auto mod = [](int64_t a, int64_t n) { return ((a % n) + n) % n; };
  Array r1 = roll(x, 5), r2 = roll(x, -1, 1), r3 = roll(x, {1, 7}, {0, 1}), r4 = roll(x, {1, 1}, {1, 1});
  for (const auto& idx : testing::all_indices({3, 4})) {
    int64_t i = idx[0], j = idx[1], flat = i * 4 + j;
    ASSERT_EQ(load(r1, idx), v[mod(flat - 5, 12)]);
    ASSERT_EQ(load(r2, idx), at(i, mod(j + 1, 4)));
    ASSERT_EQ(load(r3, idx), at(mod(i - 1, 3), mod(j - 7, 4)));
    ASSERT_EQ(load(r4, idx), at(i, mod(j - 2, 4)));
  }
  expect_values(values(roll(zeros({0, 2}), 3, 0)), {});

  Array t = tile(x[{Slice{{}, {}, -1}}], {2, 1, 3});  // reps longer than ndim
  ASSERT_EQ(t.shape(), Shape({2, 3, 12}));
  for (const auto& idx : testing::all_indices(t.shape())) ASSERT_EQ(load(t, idx), at(2 - idx[1], idx[2] % 4));
  Array t1 = tile(x, {2});  // reps shorter: applies to the last axis
  ASSERT_EQ(t1.shape(), Shape({3, 8}));
  for (const auto& idx : testing::all_indices(t1.shape())) ASSERT_EQ(load(t1, idx), at(idx[0], idx[1] % 4));
  EXPECT_EQ(tile(x, {0, 2}).shape(), Shape({0, 8}));

  Array p = repeat(x, 2, 1), q = repeat(x, 3), w = repeat(x, asarray(std::vector<int64_t>{0, 2, 1}), 0);
  ASSERT_EQ(p.shape(), Shape({3, 8}));
  for (const auto& idx : testing::all_indices(p.shape())) ASSERT_EQ(load(p, idx), at(idx[0], idx[1] / 2));
  ASSERT_EQ(q.shape(), Shape({36}));
  for (int64_t k = 0; k < 36; ++k) ASSERT_EQ(load(q, {k}), v[k / 3]);
  ASSERT_EQ(w.shape(), Shape({3, 4}));
  for (int64_t j = 0; j < 4; ++j) {
    EXPECT_EQ(load(w, {0, j}), at(1, j));
    EXPECT_EQ(load(w, {1, j}), at(1, j));
    EXPECT_EQ(load(w, {2, j}), at(2, j));
  }
  expect_error([&] { repeat(x, -1); }, Error::Kind::Value, "negative repeat count");
  expect_error([&] { repeat(x, asarray(std::vector<int64_t>{1, 2}), 1); }, Error::Kind::Value, "could not be broadcast");
  expect_error([&] { repeat(x, asarray(std::vector<double>{1, 2, 3}), 0); }, Error::Kind::Type, "must be integers");
  expect_error([&] { tile(x, {-1}); }, Error::Kind::Value, "negative repetition");
}

TEST(ArrayManipulation, BroadcastArrays) {
  Array a = zeros({3, 1}), b = zeros({4}, int8), c = full({}, 1);
  std::vector<Array> out = broadcast_arrays({a, b, c});
  for (const Array& o : out) EXPECT_EQ(o.shape(), Shape({3, 4}));
  EXPECT_EQ(out[1].dtype(), int8);
  EXPECT_EQ(broadcast_shapes({{2, 1, 3}, {5, 1}, {}}), Shape({2, 5, 3}));
  expect_error([&] { broadcast_shapes({{2}, {3}}); }, Error::Kind::Value, "could not be broadcast");
}

TEST(ArrayManipulation, TakeOnEveryDtypeWithEveryIndexDtype) {
  for (DataType t : array_testing::all_dtypes()) {
    SCOPED_TRACE(t.str());
    std::vector<double> v = array_testing::random_values(t, 30, 4);
    Array x = array_testing::make_array(v, t, {5, 6})[{Slice{}, Slice{{}, {}, -1}}];  // (5, 6), reversed columns
    auto at = [&](int64_t i, int64_t j) { return v[i * 6 + (5 - j)]; };
    Array idx = array_testing::make_array({2, -1, 0, 5, -6, 3}, int64, {2, 3});
    Array r = take(x, idx, 1);
    ASSERT_EQ(r.shape(), Shape({5, 2, 3}));
    ASSERT_EQ(r.dtype(), t);
    std::vector<double> iv = values(idx);
    for (const auto& i : testing::all_indices(r.shape())) {
      int64_t k = static_cast<int64_t>(iv[i[1] * 3 + i[2]]);
      ASSERT_EQ(load(r, i), at(i[0], k < 0 ? k + 6 : k));
    }
  }
  Array x = array_testing::random_array(float64, {4, 3}, 5);
  std::vector<double> v = values(x);
  for (DataType it : {int8, uint8, int16, uint32, uint64, bool_}) {
    SCOPED_TRACE(it.str());
    Array idx = array_testing::make_array({1, 0, 1}, it, {3});
    Array r0 = take(x, idx, 0), rf = take(x, idx);
    for (int64_t a = 0; a < 3; ++a) {
      int64_t k = a == 1 ? 0 : 1;
      for (int64_t j = 0; j < 3; ++j) ASSERT_EQ(load(r0, {a, j}), v[k * 3 + j]);
      ASSERT_EQ(load(rf, {a}), v[k]);
    }
  }
  EXPECT_EQ(take(x, zeros({0}, int32), 1).shape(), Shape({4, 0}));
  EXPECT_EQ(take(x, full({}, -1), 0).shape(), Shape({3}));
  expect_error([&] { take(x, asarray(std::vector<int64_t>{0, 4}), 0); }, Error::Kind::Index,
               "take: index 4 is out of bounds for axis 0 with size 4");
  expect_error([&] { take(x, asarray(std::vector<int64_t>{-5}), 0); }, Error::Kind::Index, "index -5 is out of bounds");
  expect_error([&] { take(x, asarray(std::vector<uint64_t>{uint64_t{1} << 63}), 1); }, Error::Kind::Index,
               "index 9223372036854775808 is out of bounds for axis 1 with size 3");
  expect_error([&] { take(x, asarray(std::vector<int64_t>{12})); }, Error::Kind::Index, "size 12");
  expect_error([&] { take(zeros({0, 2}), asarray(std::vector<int64_t>{0}), 0); }, Error::Kind::Index,
               "non-empty take from an empty axis");
  expect_error([&] { take(x, asarray(std::vector<float>{0})); }, Error::Kind::Type, "indices must be integers");
  expect_error([&] { take(x, asarray(std::vector<int64_t>{0}), 2); }, Error::Kind::Value, "axis 2 is out of bounds");
}

TEST(ArrayManipulation, TakeAlongAxis) {
  std::vector<double> v = array_testing::random_values(int32, 20, 6);
  Array x = array_testing::make_array(v, int32, {4, 5});
  std::vector<double> iv = array_testing::random_values(uint8, 12, 7);
  for (double& i : iv) i = static_cast<double>(static_cast<int64_t>(i) % 9 - 4);  // [-4, 4]
  Array idx = array_testing::make_array(iv, int64, {4, 3});
  Array r = take_along_axis(x, idx, 1);
  ASSERT_EQ(r.shape(), Shape({4, 3}));
  for (const auto& i : testing::all_indices({4, 3})) {
    int64_t k = static_cast<int64_t>(iv[i[0] * 3 + i[1]]);
    ASSERT_EQ(load(r, i), v[i[0] * 5 + (k < 0 ? k + 5 : k)]);
  }
  // Indices broadcast against x outside the axis, and x against the indices.
  Array row = array_testing::make_array({3, 0}, int8, {1, 2});
  Array rb = take_along_axis(x.T(), row.T(), 0);  // x.T (5, 4), indices (2, 1)
  ASSERT_EQ(rb.shape(), Shape({2, 4}));
  for (int64_t j = 0; j < 4; ++j) {
    EXPECT_EQ(load(rb, {0, j}), v[j * 5 + 3]);
    EXPECT_EQ(load(rb, {1, j}), v[j * 5 + 0]);
  }
  Array col = take_along_axis(x[{Slice{}, Slice{{}, 1}}], zeros({4, 2}, int16), 1);  // x (4, 1) broadcasts
  ASSERT_EQ(col.shape(), Shape({4, 2}));
  for (int64_t i = 0; i < 4; ++i) EXPECT_EQ(load(col, {i, 1}), v[i * 5]);
  expect_error([&] { take_along_axis(x, zeros({3}, int64), 1); }, Error::Kind::Value, "same number of dimensions");
  expect_error([&] { take_along_axis(x, full({4, 1}, 5, int64), 1); }, Error::Kind::Index, "index 5 is out of bounds");
  expect_error([&] { take_along_axis(x, zeros({3, 2}, int64), 1); }, Error::Kind::Value, "do not broadcast");
}

}  // namespace
}  // namespace tessera
