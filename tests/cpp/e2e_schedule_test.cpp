// Schedule primitives that restructure stages: compute_inline, compute_at, cache_read,
// cache_write, rfactor, and the loop primitives' effect on results.
#include <gtest/gtest.h>

#include <cmath>

#include "tessera/schedule/schedule.h"
#include "test_util.h"

namespace tessera {
namespace {

using ir::DataType;
using schedule::create_schedule;
using te::Tensor;
using testing::HostArray;

struct Blur {
  ir::Var n = te::size_var("n");
  Tensor A = te::placeholder({n}, DataType::Float(32), "A");
  // Producer over n + 2 points, consumer averages three neighbours.
  Tensor P = te::compute({n + 2}, [&](ir::Var i) { return A(ir::min(i, n - 1)) * 2.0f; }, "P");
  Tensor C = te::compute({n}, [&](ir::Var i) { return (P(i) + P(i + 1) + P(i + 2)) / 3.0f; }, "C");

  void check(Kernel& k) {
    for (int64_t len : {1, 5, 16, 1001}) {
      HostArray<float> a({len}), c({len});
      testing::fill_random(a, len);
      k({a.get(), c.get()});
      auto p = [&](int64_t i) { return a.storage[std::min(i, len - 1)] * 2.0f; };
      for (int64_t i = 0; i < len; ++i)
        ASSERT_FLOAT_EQ(c.storage[i], (p(i) + p(i + 1) + p(i + 2)) / 3.0f) << "n=" << len << " i=" << i;
    }
  }
};

TEST(Schedule, ComputeRootIntermediate) {
  Blur b;
  auto s = create_schedule({b.C});
  Kernel k = build(s, {b.A, b.C}, "blur_root");
  b.check(k);
}

TEST(Schedule, ComputeInline) {
  Blur b;
  auto s = create_schedule({b.C});
  s[b.P].compute_inline();
  Kernel k = build(s, {b.A, b.C}, "blur_inline");
  b.check(k);
}

TEST(Schedule, ComputeAtTileWithNonDividingSplit) {
  Blur b;
  auto s = create_schedule({b.C});
  auto [xo, xi] = s[b.C].split(s[b.C].axis()[0], 16);
  s[b.C].parallel(xo);
  s[b.P].compute_at(s[b.C], xo).set_scope("local");
  Kernel k = build(s, {b.A, b.C}, "blur_at");
  b.check(k);
}

TEST(Schedule, CacheReadAndCacheWrite) {
  ir::Var n = te::size_var("n");
  Tensor A = te::placeholder({n}, DataType::Float(64), "A");
  ir::IterVar k = te::reduce_axis(0, 4, "k");
  Tensor C = te::compute({n}, [&](ir::Var i) { return te::sum(A(i) * ir::cast(DataType::Float(64), k->var), {k}); }, "C");
  auto s = create_schedule({C});
  Tensor AL = s.cache_read(A, "local", {C});
  Tensor CL = s.cache_write(C, "local");
  auto [xo, xi] = s[C].split(s[C].axis()[0], 8);
  s[CL].compute_at(s[C], xo);
  s[AL].compute_at(s[CL], s[CL].axis()[0]);
  Kernel kern = build(s, {A, C}, "cached");
  for (int64_t len : {1, 8, 21}) {
    HostArray<double> a({len}), c({len});
    testing::fill_random(a, len);
    kern({a.get(), c.get()});
    for (int64_t i = 0; i < len; ++i) ASSERT_DOUBLE_EQ(c.storage[i], a.storage[i] * 6.0);
  }
}

TEST(Schedule, FuseSplitNpartsReorderUnroll) {
  ir::Var n = te::size_var("n"), m = te::size_var("m");
  Tensor A = te::placeholder({n, m}, DataType::Int(16), "A");
  Tensor B = te::compute({m, n}, [&](ir::Var j, ir::Var i) { return A(i, j) * int64_t{3} - ir::cast(DataType::Int(16), i); }, "B");
  auto s = create_schedule({B});
  ir::IterVar f = s[B].fuse(s[B].axis()[0], s[B].axis()[1]);
  auto [fo, fi] = s[B].split_nparts(f, 3);
  auto [fio, fii] = s[B].split(fi, 4);
  s[B].reorder({fo, fio, fii}).unroll(fii).parallel(fo);
  Kernel k = build(s, {A, B}, "transpose_affine");
  for (auto [nn, mm] : std::vector<std::pair<int64_t, int64_t>>{{1, 1}, {5, 7}, {16, 3}}) {
    HostArray<int16_t> a({nn, mm}), b({mm, nn});
    testing::fill_random(a, nn + mm);
    k({a.get(), b.get()});
    for (int64_t j = 0; j < mm; ++j)
      for (int64_t i = 0; i < nn; ++i)
        ASSERT_EQ(b.at({j, i}), static_cast<int16_t>(a.at({i, j}) * 3 - i));
  }
}

TEST(Schedule, RfactorArgminMatchesScalarLoop) {
  te::Reducer argmin = te::comm_reducer(
      [](const std::vector<ir::Expr>& a, const std::vector<ir::Expr>& b) {
        ir::Expr take_b = (b[0] < a[0]) || (b[0] == a[0] && b[1] < a[1]);
        return std::vector<ir::Expr>{ir::select(take_b, b[0], a[0]), ir::select(take_b, b[1], a[1])};
      },
      [](const std::vector<DataType>& t) {
        return std::vector<ir::Expr>{ir::max_value(t[0]), ir::make_const(t[1], int64_t{-1})};
      },
      "argmin");
  ir::Var n = te::size_var("n");
  Tensor A = te::placeholder({n}, DataType::Int(32), "A");
  ir::IterVar k = te::reduce_axis(0, n, "k");
  auto outs = te::compute_multi({1}, [&](const std::vector<ir::Var>&) { return argmin({A(k->var), k->var}, {k}); }, "amin");
  auto s = create_schedule({outs[0], outs[1]});
  auto [ko, ki] = s[outs[0]].split(k, 8);
  Tensor rf = s.rfactor(outs[0], ki);
  s[rf].parallel(s[rf].axis()[0]);
  Kernel kern = build(s, {A, outs[0], outs[1]}, "argmin_rf");
  for (int64_t len : {1, 9, 1000}) {
    HostArray<int32_t> a({len});
    HostArray<int32_t> v({1});
    HostArray<int64_t> i({1});
    testing::fill_random(a, len);
    for (auto& x : a.storage) x %= 50;  // force ties
    kern({a.get(), v.get(), i.get()});
    int64_t best = 0;
    for (int64_t j = 1; j < len; ++j)
      if (a.storage[j] < a.storage[best]) best = j;
    ASSERT_EQ(i.storage[0], best);
    ASSERT_EQ(v.storage[0], a.storage[best]);
  }
}

// Row centering, C(i, j) = P(i, j) - mean_j P(i, j) with P = 2A: P is read by the row sum
// S and by C. Both run inside C's row loop, so P can be computed there too (one row of P
// in local storage), as can S; the row of P must cover both readers.
struct RowCentering {
  ir::Var n = te::size_var("n"), m = te::size_var("m");
  Tensor A = te::placeholder({n, m}, DataType::Float(32), "A");
  Tensor P = te::compute({n, m}, [&](ir::Var i, ir::Var j) { return A(i, j) * 2.0f; }, "P");
  ir::IterVar k = te::reduce_axis(0, m, "k");
  Tensor S = te::compute({n}, [&](ir::Var i) { return te::sum(P(i, k->var), {k}); }, "S");
  Tensor C = te::compute({n, m}, [&](ir::Var i, ir::Var j) { return P(i, j) - S(i) / ir::cast(DataType::Float(32), m); }, "C");

  void check(Kernel& kern) {
    for (auto [rows, cols] : {std::pair<int64_t, int64_t>{1, 1}, {3, 17}, {64, 100}}) {
      HostArray<float> a({rows, cols}), c({rows, cols});
      testing::fill_random(a, rows * 131 + cols);
      kern({a.get(), c.get()});
      for (int64_t i = 0; i < rows; ++i) {
        double sum = 0;
        for (int64_t j = 0; j < cols; ++j) sum += 2.0 * a.storage[i * cols + j];
        for (int64_t j = 0; j < cols; ++j)
          ASSERT_NEAR(c.storage[i * cols + j], 2.0 * a.storage[i * cols + j] - sum / cols, 1e-4)
              << rows << "x" << cols << " at " << i << "," << j;
      }
    }
  }
};

TEST(Schedule, ComputeAtWithTwoReadersInsideTheLoop) {
  RowCentering g;
  auto s = create_schedule({g.C});
  ir::IterVar row = s[g.C].axis()[0];
  s[g.C].parallel(row);
  s[g.P].compute_at(s[g.C], row).set_scope("local");
  s[g.S].compute_at(s[g.C], row).set_scope("local");
  Kernel k = build(s, {g.A, g.C}, "center_at");
  g.check(k);
}

TEST(Schedule, ComputeAtWithAReaderNestedTwoLevelsInside) {
  // S is rfactored into vector partials computed at S, itself computed at C's row: P's
  // second reader (the partials) sits two compute_at links below C.
  RowCentering g;
  auto s = create_schedule({g.C});
  ir::IterVar row = s[g.C].axis()[0];
  s[g.C].parallel(row);
  s[g.C].vectorize(s[g.C].split(s[g.C].axis()[1], 8).second);
  Tensor rf = s.rfactor(g.S, s[g.S].split(s[g.S].reduce_axis()[0], 8).second);
  s[rf].compute_at(s[g.S], s[g.S].axis()[0]).set_scope("local");
  s[g.S].compute_at(s[g.C], row).set_scope("local");
  s[g.P].compute_at(s[g.C], row).set_scope("local");
  Kernel k = build(s, {g.A, g.C}, "center_nested");
  g.check(k);
}

TEST(Schedule, ComputeAtWithAReaderOutsideTheLoopIsRefused) {
  RowCentering g;
  auto s = create_schedule({g.C});
  s[g.P].compute_at(s[g.C], s[g.C].axis()[0]);  // S stays a root stage: it runs before C
  try {
    build(s, {g.A, g.C}, "center_bad");
    FAIL() << "expected a ScheduleError";
  } catch (const schedule::ScheduleError& e) {
    EXPECT_NE(std::string(e.what()).find("also read by S"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tessera
