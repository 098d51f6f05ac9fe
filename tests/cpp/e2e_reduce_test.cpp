// Reductions end to end: per-axis, full (rfactor + parallel + vectorize), argmax, matmul.
#include <gtest/gtest.h>

#include <cmath>

#include "tessera/ir/printer.h"
#include "tessera/lower/lower.h"
#include "tessera/schedule/schedule.h"
#include "test_util.h"

namespace tessera {
namespace {

using ir::DataType;
using schedule::create_schedule;
using te::Tensor;
using testing::HostArray;

TEST(Reduce, RowAndColumnSums) {
  ir::Var n = te::size_var("n"), m = te::size_var("m");
  Tensor A = te::placeholder({n, m}, DataType::Int(32), "A");
  ir::IterVar k = te::reduce_axis(0, m, "k");
  Tensor rows = te::compute({n}, [&](ir::Var i) { return te::sum(A(i, k->var), {k}); }, "rows");
  ir::IterVar r = te::reduce_axis(0, n, "r");
  Tensor cols = te::compute({m}, [&](ir::Var j) { return te::sum(A(r->var, j), {r}); }, "cols");
  auto s = create_schedule({rows, cols});
  s[rows].parallel(s[rows].axis()[0]);
  // Column sums: reduction outside, columns inner and vectorized (coalesced walk).
  auto [jo, ji] = s[cols].split(s[cols].axis()[0], 8);
  s[cols].reorder({jo, s[cols].reduce_axis()[0], ji});
  s[cols].vectorize(ji);
  Kernel kern = build(s, {A, rows, cols}, "axis_sums");
  for (auto [nn, mm] : std::vector<std::pair<int64_t, int64_t>>{{1, 1}, {7, 13}, {64, 3}, {3, 1000}}) {
    HostArray<int32_t> a({nn, mm}), ro({nn}), co({mm});
    testing::fill_random(a, nn * 31 + mm);
    kern({a.get(), ro.get(), co.get()});
    for (int64_t i = 0; i < nn; ++i) {
      int32_t acc = 0;
      for (int64_t j = 0; j < mm; ++j) acc = static_cast<int32_t>(static_cast<uint32_t>(acc) + static_cast<uint32_t>(a.at({i, j})));
      ASSERT_EQ(ro.storage[i], acc);
    }
    for (int64_t j = 0; j < mm; ++j) {
      int32_t acc = 0;
      for (int64_t i = 0; i < nn; ++i) acc = static_cast<int32_t>(static_cast<uint32_t>(acc) + static_cast<uint32_t>(a.at({i, j})));
      ASSERT_EQ(co.storage[j], acc);
    }
  }
}

// sum(A) with partial sums: k -> (kp parallel, ko, ki vectorized).
Kernel build_full_sum(DataType acc_type) {
  ir::Var n = te::size_var("n");
  Tensor A = te::placeholder({n}, DataType::Float(32), "A");
  ir::IterVar k = te::reduce_axis(0, n, "k");
  Tensor S = te::compute({1}, [&](ir::Var) { return te::sum(ir::cast(acc_type, A(k->var)), {k}); }, "S");
  auto s = create_schedule({S});
  auto [ko, ki] = s[S].split(k, 16);
  Tensor rf = s.rfactor(S, ki);                     // rf[ki, 0] = sum over ko
  auto rfs = s[rf];
  auto [kp, kin] = rfs.split(rfs.reduce_axis()[0], 4096);
  Tensor rf2 = s.rfactor(rf, kp);                   // rf2[kp, ki, 0] = sum over kin
  auto st = s[rf2];
  const auto& ax = st.axis();                      // kp, ki, 0
  st.reorder({ax[0], ax[2], st.reduce_axis()[0], ax[1]});
  st.parallel(ax[0]).vectorize(ax[1]);
  return build(s, {A, S}, "full_sum");
}

TEST(Reduce, FullSumWithRfactorParallelVectorized) {
  Kernel k = build_full_sum(DataType::Float(64));
  for (int64_t len : {1, 7, 16, 4097, 1000003}) {
    HostArray<float> a({len});
    HostArray<double> out({1});
    testing::fill_random(a, len, -1, 1);
    k({a.get(), out.get()});
    long double ref = 0;
    for (float v : a.storage) ref += v;
    ASSERT_NEAR(out.storage[0], static_cast<double>(ref), 1e-9 * len) << "n=" << len;
  }
}

TEST(Reduce, ArgmaxWithTupleReducer) {
  // (value, index) reduction: the larger value wins, ties keep the smaller index,
  // NaN wins over everything (NumPy's argmax).
  te::Reducer argmax = te::comm_reducer(
      [](const std::vector<ir::Expr>& a, const std::vector<ir::Expr>& b) {
        ir::Expr take_b = (b[0] > a[0]) || (ir::isnan(b[0]) && !ir::isnan(a[0])) ||
                          ((b[0] == a[0] || (ir::isnan(a[0]) && ir::isnan(b[0]))) && b[1] < a[1]);
        return std::vector<ir::Expr>{ir::select(take_b, b[0], a[0]), ir::select(take_b, b[1], a[1])};
      },
      [](const std::vector<DataType>& t) {
        return std::vector<ir::Expr>{ir::make_const(t[0], -HUGE_VAL), ir::make_const(t[1], int64_t{-1})};
      },
      "argmax");
  ir::Var n = te::size_var("n"), m = te::size_var("m");
  Tensor A = te::placeholder({n, m}, DataType::Float(32), "A");
  ir::IterVar k = te::reduce_axis(0, m, "k");
  auto outs = te::compute_multi({n}, [&](const std::vector<ir::Var>& i) {
    return argmax({A(i[0], k->var), k->var}, {k});
  }, "argmax");
  auto s = create_schedule({outs[0], outs[1]});
  Kernel kern = build(s, {A, outs[0], outs[1]}, "argmax");
  HostArray<float> a({5, 7});
  testing::fill_random(a, 77);
  a.at({1, 3}) = NAN;
  a.at({2, 2}) = a.at({2, 5}) = 100.f;  // tie: first index wins
  HostArray<float> val({5});
  HostArray<int64_t> idx({5});
  kern({a.get(), val.get(), idx.get()});
  for (int64_t i = 0; i < 5; ++i) {
    int64_t best = 0;
    for (int64_t j = 1; j < 7; ++j) {
      float x = a.at({i, j}), y = a.at({i, best});
      if (std::isnan(y)) break;
      if (std::isnan(x) || x > y) best = j;
    }
    ASSERT_EQ(idx.storage[i], best) << "row " << i;
  }
}

TEST(Reduce, MatmulTiledVectorizedParallel) {
  ir::Var M = te::size_var("M"), N = te::size_var("N"), K = te::size_var("K");
  Tensor A = te::placeholder({M, K}, DataType::Float(32), "A");
  Tensor B = te::placeholder({K, N}, DataType::Float(32), "B");
  ir::IterVar k = te::reduce_axis(0, K, "k");
  Tensor C = te::compute({M, N}, [&](ir::Var i, ir::Var j) { return te::sum(A(i, k->var) * B(k->var, j), {k}); }, "C");
  auto s = create_schedule({C});
  auto [io, jo, ii, ji] = s[C].tile(s[C].axis()[0], s[C].axis()[1], 8, 16);
  auto [ko, ki] = s[C].split(k, 4);
  s[C].reorder({io, jo, ko, ii, ki, ji});
  s[C].vectorize(ji).parallel(io).unroll(ki);
  Kernel kern = build(s, {A, B, C}, "matmul");
  for (auto [m, n, kk] : std::vector<std::tuple<int64_t, int64_t, int64_t>>{{1, 1, 1}, {7, 13, 5}, {64, 64, 64}, {100, 37, 45}}) {
    HostArray<float> a({m, kk}), b({kk, n}), c({m, n});
    testing::fill_random(a, m + 1, -1, 1);
    testing::fill_random(b, n + 2, -1, 1);
    kern({a.get(), b.get(), c.get()});
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double acc = 0;
        for (int64_t t = 0; t < kk; ++t) acc += double(a.at({i, t})) * b.at({t, j});
        ASSERT_NEAR(c.at({i, j}), acc, 1e-4 * (1 + kk)) << m << "x" << n << "x" << kk;
      }
  }
}

// A reduction whose condition reads the input at k, with k split unevenly and rfactored:
// the split's guard must be tested before the condition reads A (program fuzzer seed
// 577555445, ASan in CI: the condition was evaluated first, out of bounds). The guard
// and the condition are nested branches, guard outside; results match a plain loop.
TEST(Reduce, RfactorGuardsAnUnevenSplitBeforeTheConditionReads) {
  ir::Var n = te::size_var("n");
  Tensor A = te::placeholder({n}, DataType::Float(32), "A");
  ir::IterVar k = te::reduce_axis(0, n, "k");
  Tensor S = te::compute({1}, [&](ir::Var) {
    return te::sum(ir::cast(DataType::Float(64), A(k->var)), {k}, A(k->var) > 0.0f);
  }, "S");
  auto s = create_schedule({S});
  auto [ko, ki] = s[S].split(k, 7);
  s.rfactor(S, ki);
  std::string ir = ir::to_string(lower::lower_to_loops(s, {A, S}));
  size_t guard = ir.find("if k.outer * 7 + k.inner < n:");
  size_t cond = ir.find("if A[");
  ASSERT_NE(guard, std::string::npos) << ir;
  ASSERT_NE(cond, std::string::npos) << ir;
  EXPECT_LT(guard, cond) << ir;
  EXPECT_EQ(ir.find("&&"), std::string::npos) << ir;

  Kernel kern = build(s, {A, S}, "positive_sum");
  for (int64_t len : {1, 6, 7, 8, 10, 1000}) {
    HostArray<float> a({len});
    HostArray<double> out({1});
    testing::fill_random(a, len, -1, 1);
    kern({a.get(), out.get()});
    double ref = 0;
    for (float v : a.storage) ref += v > 0 ? v : 0.0;
    EXPECT_NEAR(out.storage[0], ref, 1e-9 * (1 + std::abs(ref))) << "len " << len;
  }
}

}  // namespace
}  // namespace tessera
