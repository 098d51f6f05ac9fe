// cumulative_sum along the last axis runs four rows at a time, each row's running value
// kept in a register by lowering's register carry (reduction_scan.cpp, Rows mode; until
// 2026-11-24 by blocks of vector lanes). The results must equal NumPy's one-element-per-step
// running value bit for bit: checked here against a plain sequential loop, at lengths that
// cross the old block sizes, row counts with tails of the four-row groups, several kept
// axes, views, and dtypes of 1 to 8 bytes.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "ops_reduction_util.h"

namespace tessera::ops_reduction_test {
namespace {

// The running sum of x along `axis`, rounded to the result dtype t at every step, as bits
// of t (floats) or wrapped integers.
uint64_t sequential_bits(const Arr& x, std::vector<int64_t> at, int axis, int64_t upto, DataType t) {
  if (t.is_float()) {
    // 16-bit floats add in float32 and round after every step, as NumPy does.
    long double run = 0;
    for (int64_t i = 0; i <= upto; ++i) {
      at[axis] = i;
      long double v = round_to(t, x.value(at));
      if (i == 0)
        run = v;
      else if (t == kF64)
        run = static_cast<double>(run) + static_cast<double>(v);
      else
        run = round_to(t, static_cast<float>(run) + static_cast<float>(v));
    }
    Arr one(t, {1});
    one.set({0}, run);
    return one.bits({0});
  }
  uint64_t run = 0;
  for (int64_t i = 0; i <= upto; ++i) {
    at[axis] = i;
    uint64_t v = t.is_bool() ? (x.value(at) != 0) : cast_bits(x, at, t);
    run = t.is_bool() ? (run || v) : run + v;
  }
  return wrap(t, run);
}

void check_exact(Arr x, int axis, std::optional<DataType> dtype = std::nullopt) {
  const std::string ctx = "dtype " + x.dtype.str() + " shape " + str(x.shape) + " strides " + str(x.strides) +
                          " axis " + std::to_string(axis) + (dtype ? " to " + dtype->str() : "");
  ops::OutputPlan plan = ops::plan_cumulative("cumulative_sum", x.get(), axis, dtype, false);
  Arr out(plan.dtype, plan.shape);
  ops::cumulative("cumulative_sum", x.get(), axis, dtype, false, out.get());
  for (const auto& at : indices(x.shape)) {
    uint64_t want = sequential_bits(x, at, axis, at[axis], plan.dtype);
    uint64_t got = out.bits(at);
    if (plan.dtype.is_float()) {
      long double g = out.value(at);
      Arr w(plan.dtype, {1});
      w.set_bits({0}, want);
      if (std::isnan(g) && std::isnan(w.value({0}))) continue;  // NaN payloads may differ
    }
    ASSERT_EQ(got, want) << ctx << " at " << str(at);
  }
}

TEST(RowScan, MatchesTheSequentialRunningSumBitForBit) {
  uint64_t seed = 700;
  // Lengths around the block sizes (8, 16, 32, 64 lanes); row counts around the
  // interleaved group of 4.
  for (DataType t : {kF32, kF64, kF16, kI32, kU8}) {
    for (int64_t len : {1, 7, 8, 9, 16, 17, 33, 64, 65, 130}) {
      for (int64_t rows : {1, 3, 4, 5, 9}) {
        check_exact(make(t, {rows, len}, Layout::Contig, ++seed), 1);
        if (::testing::Test::HasFatalFailure()) return;
      }
    }
  }
}

TEST(RowScan, OneDimensionalKeptAxesAndViews) {
  uint64_t seed = 900;
  for (DataType t : {kF32, kF64, kI32}) {
    check_exact(make(t, {1000}, Layout::Contig, ++seed), 0);
    check_exact(make(t, {3, 5, 37}, Layout::Contig, ++seed), 2);   // two kept axes
    check_exact(make(t, {2, 7, 3, 19}, Layout::Contig, ++seed), 3);  // three kept axes
    for (Layout layout : {Layout::Transposed, Layout::Strided}) {
      check_exact(make(t, {6, 41}, layout, ++seed), 1);
      check_exact(make(t, {41, 6}, layout, ++seed), 0);
    }
    if (::testing::Test::HasFatalFailure()) return;
  }
}

TEST(RowScan, ResultDtypes) {
  uint64_t seed = 1100;
  // int8 input: int64 result (8 lanes); dtype=int8 wraps with 64 lanes; dtype=bool is a
  // running logical or; float32 into float64.
  check_exact(make(kI8, {5, 150}, Layout::Contig, ++seed), 1);
  check_exact(make(kI8, {5, 150}, Layout::Contig, ++seed), 1, kI8);
  check_exact(make(kU8, {3, 70}, Layout::Contig, ++seed), 1, kBool);
  check_exact(make(kBool, {4, 90}, Layout::Contig, ++seed), 1);
  check_exact(make(kF32, {3, 50}, Layout::Contig, ++seed), 1, kF64);
}

TEST(RowScan, SignedZerosAndSpecialValues) {
  // -0.0 stays -0.0 until a +0.0 or a nonzero arrives; NaN and infinities propagate.
  Arr x(kF32, {2, 20});
  for (int64_t j = 0; j < 20; ++j) {
    x.set({0, j}, j < 18 ? -0.0L : 0.0L);
    x.set({1, j}, j == 3 ? INFINITY : j == 11 ? -INFINITY : j == 17 ? NAN : 1.0L);
  }
  check_exact(x, 1);
}

}  // namespace
}  // namespace tessera::ops_reduction_test
