// Creating arrays: filled arrays, host data, arange and linspace (NumPy's algorithms,
// checked on every dtype and on cases taken from NumPy), eye, tril/triu and meshgrid.
#include <cmath>

#include "array_test_util.h"

namespace tessera {
namespace {

using array_testing::expect_error;
using array_testing::expect_values;
using array_testing::load;
using array_testing::to_dtype;
using array_testing::values;

TEST(ArrayCreation, FilledArraysOfEveryDtype) {
  for (DataType t : array_testing::all_dtypes()) {
    SCOPED_TRACE(t.str());
    Array z = zeros({2, 3}, t), o = ones({3}, t), f = full({2, 2}, 5, t), e = empty({0, 4}, t);
    EXPECT_EQ(z.dtype(), t);
    EXPECT_TRUE(z.is_contiguous());
    expect_values(values(z), std::vector<double>(6, 0));
    expect_values(values(o), std::vector<double>(3, 1));
    expect_values(values(f), std::vector<double>(4, t.is_bool() ? 1 : 5));
    EXPECT_EQ(e.shape(), Shape({0, 4}));
    Array like = full_like(f.T(), 2.5);
    EXPECT_EQ(like.dtype(), t);
    expect_values(values(like), std::vector<double>(4, t.is_float() ? 2.5 : t.is_bool() ? 1 : 2));
    EXPECT_EQ(zeros_like(f, float32).dtype(), float32);
    EXPECT_EQ(ones_like(f).shape(), f.shape());
    EXPECT_EQ(empty_like(f).dtype(), t);
  }
  EXPECT_EQ(full({2}, true).dtype(), bool_);
  EXPECT_EQ(full({2}, 7).dtype(), int64);
  EXPECT_EQ(full({2}, 7.5).dtype(), float64);
  EXPECT_EQ(full({}, 1).ndim(), 0);
  expect_values(values(full({2}, -1.75, int16)), {-1, -1});
  expect_values(values(full({1}, 0.1, float16)), {to_dtype(0.1, float16)});
  expect_error([&] { full({2}, 1000, int8); }, Error::Kind::Overflow, "full: Python integer 1000 out of bounds for int8");
  expect_error([&] { full({2}, -1, uint32); }, Error::Kind::Overflow, "out of bounds for uint32");
  expect_error([&] { full({2}, NAN, int32); }, Error::Kind::Value, "NaN");
  expect_error([&] { zeros({2, -1}); }, Error::Kind::Value, "negative dimensions");
}

TEST(ArrayCreation, HostData) {
  Array b = asarray(std::vector<bool>{true, false, true});
  EXPECT_EQ(b.dtype(), bool_);
  expect_values(values(b), {1, 0, 1});
  Array u = asarray(std::vector<uint16_t>{1, 65535, 7, 8}, Shape{2, 2});
  EXPECT_EQ(u.dtype(), uint16);
  expect_values(values(u), {1, 65535, 7, 8});
  EXPECT_EQ(u.to_vector<int32_t>(), (std::vector<int32_t>{1, 65535, 7, 8}));
  EXPECT_EQ(u.to_vector<uint8_t>(), (std::vector<uint8_t>{1, 255, 7, 8}));
  uint16_t half_bits[] = {0x3C00, 0xC000, 0x7C00};  // 1, -2, inf
  Array h = asarray(half_bits, float16, {3});
  expect_values(values(h), {1, -2, INFINITY});
  EXPECT_EQ(h.to_vector<float>(), (std::vector<float>{1, -2, INFINITY}));
  expect_error([&] { asarray(std::vector<int>{1, 2, 3}, Shape{2, 2}); }, Error::Kind::Value, "do not fill the shape");
  EXPECT_EQ(asarray(u).storage(), u.storage());
  EXPECT_NE(asarray(u, std::nullopt, true).storage(), u.storage());
  EXPECT_EQ(asarray(u, int32).dtype(), int32);
  expect_error([&] { asarray(u, int32, false); }, Error::Kind::Value, "needs a copy");
}

// NumPy's arange: the first two values in the dtype, then first + i * (second - first)
// computed in float32 (16- and 32-bit floats), float64, or wrapping integers.
std::vector<double> ref_arange(double start, double stop, double step, DataType t) {
  int64_t n = std::max<int64_t>(0, static_cast<int64_t>(std::ceil((stop - start) / step)));
  std::vector<double> out;
  if (t.is_float()) {
    double first = to_dtype(start, t), second = to_dtype(start + step, t);
    for (int64_t i = 0; i < n; ++i) {
      if (t == float64) out.push_back(first + static_cast<double>(i) * (second - first));
      else out.push_back(to_dtype(static_cast<float>(first) + static_cast<float>(i) * (static_cast<float>(second) - static_cast<float>(first)), t));
    }
  } else {
    int64_t first = static_cast<int64_t>(std::trunc(start)), second = static_cast<int64_t>(std::trunc(start + step));
    if (t.is_bool()) first = first != 0, second = second != 0;
    for (int64_t i = 0; i < n; ++i) out.push_back(to_dtype(static_cast<double>(first + i * (second - first)), t));
  }
  return out;
}

TEST(ArrayCreation, ArangeOnEveryDtype) {
  for (DataType t : array_testing::all_dtypes()) {
    SCOPED_TRACE(t.str());
    if (t.is_bool()) {
      expect_values(values(arange(0, 2, 1, t)), {0, 1});
      expect_error([&] { arange(0, 3, 1, t); }, Error::Kind::Value, "no fill-function");
      continue;
    }
    Array r = arange(2, 100, 3, t);
    EXPECT_EQ(r.dtype(), t);
    expect_values(values(r), ref_arange(2, 100, 3, t));
    if (t.is_float()) expect_values(values(arange(-1.5, 2.2, 0.1, t)), ref_arange(-1.5, 2.2, 0.1, t));
  }
  // Cases from NumPy 2.
  expect_values(values(arange(5)), {0, 1, 2, 3, 4});
  EXPECT_EQ(arange(5).dtype(), int64);
  EXPECT_EQ(arange(0, 1, 0.25).dtype(), float64);
  expect_values(values(arange(10, 0, -3)), {10, 7, 4, 1});
  expect_values(values(arange(-3, 3, 1.5)), {-3, -1.5, 0, 1.5});
  expect_values(values(arange(0.5, 5, 1, int64)), {0, 1, 2, 3, 4});
  expect_values(values(arange(-5, 5, 2, int8)), {-5, -3, -1, 1, 3});
  EXPECT_EQ(arange(0, 1, 0.1).size(), 10);
  EXPECT_EQ(arange(1, 1.3, 0.1).size(), 4);  // (1.3 - 1) / 0.1 rounds above 3, as in NumPy
  EXPECT_EQ(arange(5, 1).size(), 0);
  Array wrap = arange(120, 140, 1, int8);  // the fill wraps past 127
  EXPECT_EQ(load(wrap, {8}), -128);
  expect_error([&] { arange(0, 5, 0); }, Error::Kind::Value, "step must not be zero");
  expect_error([&] { arange(0, 5, 1, uint8)[{Slice{}}] = -1; }, Error::Kind::Overflow, "out of bounds for uint8");
}

TEST(ArrayCreation, LinspaceMatchesNumPy) {
  expect_values(values(linspace(0, 1, 5)), {0, 0.25, 0.5, 0.75, 1});
  expect_values(values(linspace(0, 1, 5, std::nullopt, false)), {0, 0.2, 0.4, 0.6000000000000001, 0.8});
  expect_values(values(linspace(2, 3, 1)), {2});
  expect_values(values(linspace(0, 10, 4, int32)), {0, 3, 6, 10});
  expect_values(values(linspace(1, -1, 3, int8)), {1, 0, -1});
  expect_values(values(linspace(-2.5, 2.5, 3, int16)), {-3, 0, 2});
  EXPECT_EQ(linspace(-1, 1, 0).size(), 0);
  expect_values(values(linspace(5, 5, 3)), {5, 5, 5});
  // General float64 case: i * step + start, the last element stop.
  Array l = linspace(-3.7, 11.1, 37);
  std::vector<double> want;
  const double step = (11.1 - -3.7) / 36;
  for (int i = 0; i < 37; ++i) want.push_back(i == 36 ? 11.1 : i * step + -3.7);
  expect_values(values(l), want);
  Array l16 = linspace(0, 1, 7, float16);
  for (int i = 0; i < 7; ++i) EXPECT_EQ(load(l16, {i}), to_dtype(i == 6 ? 1.0 : i * (1.0 / 6), float16));
  expect_error([&] { linspace(0, 1, -1); }, Error::Kind::Value, "must be non-negative");
}

TEST(ArrayCreation, EyeTrilTriu) {
  for (DataType t : {bool_, int8, uint32, float16, float64}) {
    SCOPED_TRACE(t.str());
    for (int64_t k : {-2, 0, 1, 5}) {
      Array e = eye(4, 6, k, t);
      ASSERT_EQ(e.dtype(), t);
      for (const auto& idx : testing::all_indices({4, 6})) ASSERT_EQ(load(e, idx), idx[1] - idx[0] == k ? 1 : 0);
    }
    std::vector<double> v = array_testing::random_values(t, 2 * 5 * 4, 1);
    Array x = array_testing::make_array(v, t, {2, 5, 4}).mT();  // (2, 4, 5), strided
    for (int64_t k : {-3, -1, 0, 2}) {
      Array lo = tril(x, k), up = triu(x, k);
      for (const auto& idx : testing::all_indices(x.shape())) {
        double xv = load(x, idx), diff = static_cast<double>(idx[2] - idx[1]);
        ASSERT_EQ(load(lo, idx), diff <= k ? xv : 0);
        ASSERT_EQ(load(up, idx), diff >= k ? xv : 0);
      }
    }
  }
  EXPECT_EQ(eye(3).shape(), Shape({3, 3}));
  EXPECT_EQ(eye(0, 2).size(), 0);
  EXPECT_EQ(tril(zeros({3, 0, 2})).shape(), Shape({3, 0, 2}));
  expect_error([&] { tril(arange(3)); }, Error::Kind::Value, "at least 2-dimensional");
}

TEST(ArrayCreation, Meshgrid) {
  Array a = arange(3), b = arange(10, 12), c = arange(20, 24);
  std::vector<Array> xy = meshgrid({a, b, c}), ij = meshgrid({a, b, c}, "ij");
  ASSERT_EQ(xy[0].shape(), Shape({2, 3, 4}));
  ASSERT_EQ(ij[0].shape(), Shape({3, 2, 4}));
  for (const auto& idx : testing::all_indices({2, 3, 4})) {
    ASSERT_EQ(load(xy[0], idx), idx[1]);
    ASSERT_EQ(load(xy[1], idx), 10 + idx[0]);
    ASSERT_EQ(load(xy[2], idx), 20 + idx[2]);
  }
  for (const auto& idx : testing::all_indices({3, 2, 4})) {
    ASSERT_EQ(load(ij[0], idx), idx[0]);
    ASSERT_EQ(load(ij[1], idx), 10 + idx[1]);
  }
  EXPECT_TRUE(xy[0].writeable());
  expect_error([&] { meshgrid({a}, "yx"); }, Error::Kind::Value, "indexing must be");
}

}  // namespace
}  // namespace tessera
