// unique_*, isin, diff (set_ops.h) and the linalg factorizations (linalg.h) against
// references computed element by element: std::map counts, std::set membership, loops of
// differences, the Leibniz determinant, and A @ inv(A) = I / A @ solve(A, B) = B residuals.
#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>

#include "array_test_util.h"
#include "tessera/array/linalg.h"
#include "tessera/array/set_ops.h"

namespace tessera {
namespace {

using array_testing::expect_error;
using array_testing::load;
using array_testing::random_array;
using array_testing::values;

TEST(ArraySetOps, UniqueAgainstCounts) {
  for (DataType t : {int8, int32, uint16, float32, float64}) {
    Array x = floor_divide(random_array(t, {5, 7}, 3), Operand(int64_t{4})).T();  // repeats, a strided view
    std::vector<double> v = values(x);
    std::map<double, std::pair<int64_t, int64_t>> ref;  // value -> (first flat index, count)
    for (size_t i = 0; i < v.size(); ++i) {
      auto [it, fresh] = ref.try_emplace(v[i], static_cast<int64_t>(i), 0);
      ++it->second.second;
    }
    UniqueAll u = unique_all(x);
    std::vector<double> vals = values(u.values), idx = values(u.indices), cnt = values(u.counts);
    ASSERT_EQ(vals.size(), ref.size()) << t.str();
    size_t k = 0;
    for (const auto& [value, first_count] : ref) {
      EXPECT_EQ(vals[k], value);
      EXPECT_EQ(idx[k], first_count.first);
      EXPECT_EQ(cnt[k], first_count.second);
      ++k;
    }
    ASSERT_EQ(u.inverse_indices.shape(), x.shape());
    std::vector<double> inv = values(u.inverse_indices);
    for (size_t i = 0; i < v.size(); ++i) EXPECT_EQ(vals[static_cast<size_t>(inv[i])], v[i]);
  }
}

TEST(ArraySetOps, NaNsAreDistinctAndEmptyInputs) {
  const double nan = std::nan("");
  UniqueCounts c = unique_counts(asarray(std::vector<double>{nan, 2, nan, 2}));
  std::vector<double> vals = values(c.values);
  ASSERT_EQ(vals.size(), 3u);
  EXPECT_EQ(vals[0], 2);
  EXPECT_TRUE(std::isnan(vals[1]) && std::isnan(vals[2]));
  EXPECT_EQ(values(c.counts), (std::vector<double>{2, 1, 1}));
  UniqueInverse e = unique_inverse(zeros({2, 0}));
  EXPECT_EQ(e.values.shape(), Shape({0}));
  EXPECT_EQ(e.inverse_indices.shape(), Shape({2, 0}));
  EXPECT_EQ(unique_inverse(full({}, Scalar(3.0))).inverse_indices.shape(), Shape({}));
}

TEST(ArraySetOps, IsinAgainstSet) {
  Array a = random_array(int16, {4, 6}, 5), b = random_array(int32, {9}, 6);
  std::vector<double> av = values(a), bv = values(b);
  std::set<double> s(bv.begin(), bv.end());
  for (bool invert : {false, true}) {
    std::vector<double> got = values(isin(a, b, invert));
    for (size_t i = 0; i < av.size(); ++i) EXPECT_EQ(got[i], double(s.count(av[i]) != invert));
  }
  EXPECT_EQ(values(isin(a, zeros({0}))), std::vector<double>(av.size(), 0.0));
}

TEST(ArraySetOps, DiffAgainstLoops) {
  Array x = random_array(float64, {3, 5}, 9);
  for (int64_t n = 0; n <= 6; ++n) {
    Array d = diff(x, 1, n);
    const int64_t len = std::max<int64_t>(5 - n, 0);
    ASSERT_EQ(d.shape(), Shape({3, len}));
    for (int64_t r = 0; r < 3; ++r) {
      std::vector<double> row;
      for (int64_t c = 0; c < 5; ++c) row.push_back(load(x, {r, c}));
      for (int64_t k = 0; k < n && !row.empty(); ++k) {
        for (size_t c = 0; c + 1 < row.size(); ++c) row[c] = row[c + 1] - row[c];
        row.pop_back();
      }
      for (int64_t c = 0; c < len; ++c) EXPECT_NEAR(load(d, {r, c}), row[static_cast<size_t>(c)], 1e-9);
    }
  }
  EXPECT_EQ(diff(x, 0, 1, full({}, Scalar(1.0)), full({}, Scalar(2.0))).shape(), Shape({4, 5}));
  expect_error([&] { diff(x, 2); }, Error::Kind::Value, "out of bounds");
  expect_error([&] { diff(x, 0, -1); }, Error::Kind::Value, "non-negative");
  expect_error([&] { diff(full({}, Scalar(1.0))); }, Error::Kind::Value, "at least one dimensional");
}

double leibniz_det(const std::vector<double>& m, int n) {
  std::vector<int> p(static_cast<size_t>(n));
  std::iota(p.begin(), p.end(), 0);
  double total = 0;
  do {
    int inversions = 0;
    for (int i = 0; i < n; ++i)
      for (int j = i + 1; j < n; ++j) inversions += p[static_cast<size_t>(i)] > p[static_cast<size_t>(j)];
    double term = inversions % 2 ? -1 : 1;
    for (int i = 0; i < n; ++i) term *= m[static_cast<size_t>(i * n + p[static_cast<size_t>(i)])];
    total += term;
  } while (std::next_permutation(p.begin(), p.end()));
  return total;
}

TEST(ArrayLinalg, DetInvSolveCholesky) {
  for (int n : {1, 2, 3, 4}) {
    Array a = random_array(float64, {2, n, n}, 20 + n);
    std::vector<double> av = values(a), dets = values(linalg::det(a));
    for (int b = 0; b < 2; ++b) {
      std::vector<double> m(av.begin() + b * n * n, av.begin() + (b + 1) * n * n);
      EXPECT_NEAR(dets[static_cast<size_t>(b)], leibniz_det(m, n), 1e-9 * (1 + std::abs(dets[static_cast<size_t>(b)])));
    }
    Array shifted = add(a, multiply(eye(n, std::nullopt, 0, float64), Operand(double(4 * n))));
    Array identity = matmul(shifted, linalg::inv(shifted));
    Array rhs = random_array(float64, {2, n, 3}, 40 + n);
    Array residual = subtract(matmul(shifted, linalg::solve(shifted, rhs)), rhs);
    for (double r : values(residual)) EXPECT_NEAR(r, 0.0, 1e-10);
    std::vector<double> iv = values(identity);
    for (size_t i = 0; i < iv.size(); ++i) {
      const int64_t row = static_cast<int64_t>(i) / n % n, col = static_cast<int64_t>(i) % n;
      EXPECT_NEAR(iv[i], row == col ? 1.0 : 0.0, 1e-10);
    }
    Array spd = add(matmul(a, matrix_transpose(a)), eye(n, std::nullopt, 0, float64));
    Array l = linalg::cholesky(spd);
    for (double r : values(subtract(matmul(l, matrix_transpose(l)), spd))) EXPECT_NEAR(r, 0.0, 1e-10);
    for (double u : values(triu(l, 1))) EXPECT_EQ(u, 0.0);
  }
  expect_error([&] { linalg::inv(zeros({2, 2})); }, Error::Kind::Value, "Singular matrix");
  expect_error([&] { linalg::det(zeros({3})); }, Error::Kind::Value, "at least two-dimensional");
  expect_error([&] { linalg::cholesky(full({2, 2}, Scalar(-1.0))); }, Error::Kind::Value, "not positive definite");
  expect_error([&] { linalg::inv(zeros({2, 2}, float16)); }, Error::Kind::Type, "unsupported in linalg");
}

}  // namespace
}  // namespace tessera
