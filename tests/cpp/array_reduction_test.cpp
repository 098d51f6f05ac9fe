// Reductions, cumulative sums/products and contractions on arrays, against plain C++ loops
// over random inputs (including transposed and reversed views, axis=(), keepdims, 0-d).
#include <cmath>
#include <functional>
#include <set>

#include "array_test_util.h"

namespace tessera {
namespace {

using array_testing::expect_error;
using array_testing::load;
using array_testing::values;

// The reference reduction of x over `axes` (empty set = none): f gets each output's
// elements in row-major order; the output has the kept axes (or length 1 with keepdims).
std::pair<Shape, std::vector<double>> ref_reduce(const Array& x, const std::set<int>& axes, bool keepdims,
                                                 const std::function<double(const std::vector<double>&)>& f) {
  Shape out_shape, kept_shape;
  for (int d = 0; d < x.ndim(); ++d) {
    if (!axes.count(d)) kept_shape.push_back(x.shape()[d]);
    if (!axes.count(d) || keepdims) out_shape.push_back(axes.count(d) ? 1 : x.shape()[d]);
  }
  std::vector<std::vector<double>> groups(static_cast<size_t>(array_testing::numel(kept_shape)));
  for (const auto& idx : testing::all_indices(x.shape())) {
    int64_t flat = 0;
    for (int d = 0; d < x.ndim(); ++d)
      if (!axes.count(d)) flat = flat * x.shape()[d] + idx[d];
    groups[flat].push_back(load(x, idx));
  }
  std::vector<double> out;
  for (const auto& g : groups) out.push_back(f(g));
  return {out_shape, out};
}

double ref_sum(const std::vector<double>& g) {
  double s = 0;
  for (double v : g) s += v;
  return s;
}
double ref_var(const std::vector<double>& g, double correction) {
  double m = ref_sum(g) / g.size(), s = 0;
  for (double v : g) s += (v - m) * (v - m);
  return s / std::max(g.size() - correction, 0.0);
}

void expect_close(const Array& got, const std::pair<Shape, std::vector<double>>& want, double rel) {
  ASSERT_EQ(got.shape(), want.first);
  std::vector<double> g = values(got);
  for (size_t i = 0; i < g.size(); ++i) {
    if (std::isnan(want.second[i])) EXPECT_TRUE(std::isnan(g[i])) << i;
    else EXPECT_NEAR(g[i], want.second[i], rel * std::max(1.0, std::fabs(want.second[i]))) << i;
  }
}

TEST(ArrayReductions, ReductionsOverAxesOnViews) {
  Array base = array_testing::random_array(float32, {4, 3, 5}, 1);
  Array x = base[{Slice{{}, {}, -1}}].T();  // (5, 3, 4), strided and reversed
  struct AxesCase {
    Axes axes;
    std::set<int> set;
  } cases[] = {{Axes::all(), {0, 1, 2}}, {0, {0}}, {Axes{0, 2}, {0, 2}}, {-1, {2}}, {Axes{}, {}}};
  for (const AxesCase& c : cases)
    for (bool keep : {false, true}) {
      SCOPED_TRACE(std::to_string(c.set.size()) + " axes, keepdims " + std::to_string(keep));
      expect_close(sum(x, c.axes, keep), ref_reduce(x, c.set, keep, ref_sum), 1e-6);
      expect_close(mean(x, c.axes, keep), ref_reduce(x, c.set, keep, [](auto& g) { return ref_sum(g) / g.size(); }), 1e-6);
      expect_close(var(x, c.axes, 1, keep), ref_reduce(x, c.set, keep, [](auto& g) { return ref_var(g, 1); }), 1e-5);
      expect_close(std(x, c.axes, 0, keep),
                   ref_reduce(x, c.set, keep, [](auto& g) { return std::sqrt(ref_var(g, 0)); }), 1e-5);
      auto mn = [](auto& g) { return *std::min_element(g.begin(), g.end()); };
      auto mx = [](auto& g) { return *std::max_element(g.begin(), g.end()); };
      expect_close(min(x, c.axes, keep), ref_reduce(x, c.set, keep, mn), 0);
      expect_close(max(x, c.axes, keep), ref_reduce(x, c.set, keep, mx), 0);
      auto nonzero = [](auto& g) { return double(std::count_if(g.begin(), g.end(), [](double v) { return v > 0; })); };
      Array positive = x > 0;
      expect_close(count_nonzero(positive, c.axes, keep), ref_reduce(x, c.set, keep, nonzero), 0);
      expect_close(any(positive, c.axes, keep), ref_reduce(x, c.set, keep, [&](auto& g) { return double(nonzero(g) > 0); }), 0);
      expect_close(all(positive, c.axes, keep),
                   ref_reduce(x, c.set, keep, [&](auto& g) { return double(nonzero(g) == double(g.size())); }), 0);
    }
  EXPECT_EQ(sum(x).dtype(), float32);
  EXPECT_EQ(sum(x, {}).shape(), x.shape());
}

TEST(ArrayReductions, IntegerDtypesAndDtypeArgument) {
  for (DataType t : {bool_, int8, uint16, int32, uint64}) {
    SCOPED_TRACE(t.str());
    Array x = array_testing::random_array(t, {6, 7}, 2);
    Array s = sum(x, 1), p = prod(x[{Slice{{}, 3}, Slice{{}, 3}}], 0);
    EXPECT_EQ(s.dtype(), t.is_uint() ? uint64 : int64);
    expect_close(s, ref_reduce(x, {1}, false, ref_sum), 0);
    auto product = [t](auto& g) {
      double r = 1;
      for (double v : g) r *= v;
      return array_testing::to_dtype(r, t.is_uint() ? uint64 : int64);
    };
    expect_close(p, ref_reduce(x[{Slice{{}, 3}, Slice{{}, 3}}], {0}, false, product), 0);
    EXPECT_EQ(mean(x).dtype(), float64);
    EXPECT_EQ(sum(x, Axes::all(), false, float32).dtype(), float32);
  }
  Array x = array_testing::random_array(int16, {5, 4}, 3);
  std::vector<double> v = values(x);
  Array am = argmin(x, 0), ax = argmax(x), amk = argmax(x, 1, true);
  EXPECT_EQ(am.dtype(), int64);
  EXPECT_EQ(amk.shape(), Shape({5, 1}));
  EXPECT_EQ(ax.item<int64_t>(), std::max_element(v.begin(), v.end()) - v.begin());
  for (int j = 0; j < 4; ++j) {
    int64_t best = 0;
    for (int i = 1; i < 5; ++i)
      if (v[i * 4 + j] < v[best * 4 + j]) best = i;
    EXPECT_EQ(load(am, {j}), best);
  }
  expect_error([&] { sum(x, 2); }, Error::Kind::Value, "axis 2 is out of bounds for array of dimension 2");
  expect_error([&] { sum(x, {0, 0}); }, Error::Kind::Value, "duplicate value in 'axis'");
  expect_error([&] { max(zeros({0, 3}), 0); }, Error::Kind::Value, "zero-size array");
  EXPECT_EQ(full({}, 4.0).ndim(), 0);
  EXPECT_EQ(sum(full({}, 4.0)).item<double>(), 4.0);
  EXPECT_EQ(sum(zeros({0}, int8)).item<int64_t>(), 0);
}

TEST(ArrayReductions, CumulativeSumsAndProducts) {
  Array x = array_testing::random_array(float64, {3, 4}, 4);
  Array xt = x.T();  // (4, 3)
  Array cs = cumulative_sum(xt, 1), cp = cumulative_prod(xt, 0, std::nullopt, true);
  ASSERT_EQ(cp.shape(), Shape({5, 3}));
  for (int i = 0; i < 4; ++i) {
    double run = 0;
    for (int j = 0; j < 3; ++j) {
      run += load(xt, {i, j});
      ASSERT_EQ(load(cs, {i, j}), run);
    }
  }
  for (int j = 0; j < 3; ++j) {
    double run = 1;
    ASSERT_EQ(load(cp, {0, j}), 1);
    for (int i = 0; i < 4; ++i) ASSERT_EQ(load(cp, {i + 1, j}), run *= load(xt, {i, j}));
  }
  Array i8 = array_testing::make_array({100, 100, -50}, int8, {3});
  EXPECT_EQ(cumulative_sum(i8).dtype(), int64);
  array_testing::expect_values(values(cumulative_sum(i8)), {100, 200, 150});
  expect_error([&] { cumulative_sum(x); }, Error::Kind::Value, "axis must be given");
}

TEST(ArrayReductions, MatmulTensordotVecdot) {
  Array a = array_testing::random_array(float64, {2, 3, 4}, 5);
  Array b = array_testing::random_array(float64, {5, 4}, 6).T();  // (4, 5), transposed
  Array c = matmul(a, b);
  ASSERT_EQ(c.shape(), Shape({2, 3, 5}));
  for (const auto& idx : testing::all_indices(c.shape())) {
    double s = 0;
    for (int64_t k = 0; k < 4; ++k) s += load(a, {idx[0], idx[1], k}) * load(b, {k, idx[2]});
    ASSERT_NEAR(load(c, idx), s, 1e-12);
  }
  Array ia = array_testing::random_array(int32, {4}, 7), ib = array_testing::random_array(int32, {4}, 8);
  double dot = 0;
  for (int64_t k = 0; k < 4; ++k) dot += load(ia, {k}) * load(ib, {k});
  Array d = matmul(ia, ib);
  EXPECT_EQ(d.ndim(), 0);
  EXPECT_EQ(d.item<int64_t>(), dot);
  EXPECT_EQ(vecdot(ia, ib).item<int64_t>(), dot);

  Array t1 = array_testing::random_array(float32, {3, 4, 5}, 9), t2 = array_testing::random_array(float32, {4, 5, 2}, 10);
  Array td = tensordot(t1, t2, 2), td2 = tensordot(t1, t2, {1, 2}, {0, 1});
  ASSERT_EQ(td.shape(), Shape({3, 2}));
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t j = 0; j < 2; ++j) {
      double s = 0;
      for (int64_t k = 0; k < 4; ++k)
        for (int64_t l = 0; l < 5; ++l) s += load(t1, {i, k, l}) * load(t2, {k, l, j});
      EXPECT_NEAR(load(td, {i, j}), s, 1e-4);
      EXPECT_EQ(load(td2, {i, j}), load(td, {i, j}));
    }
  Array m = array_testing::random_array(float64, {3, 4}, 11);
  Array vd = vecdot(m, b.T()[0]);  // (3,) . (4,)
  for (int64_t i = 0; i < 3; ++i) {
    double s = 0;
    for (int64_t k = 0; k < 4; ++k) s += load(m, {i, k}) * load(b, {k, 0});
    EXPECT_NEAR(load(vd, {i}), s, 1e-12);
  }
  expect_error([&] { matmul(a, a); }, Error::Kind::Value, "matmul");
  expect_error([&] { matmul(full({}, 1.0), a); }, Error::Kind::Value, "matmul");
}

}  // namespace
}  // namespace tessera
