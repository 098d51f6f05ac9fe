// Reductions: results against independent reference loops (long double or exact integer
// arithmetic) on random data with special values, over shapes, views (transposed, strided,
// reversed), axis sets, keepdims and dtypes; NumPy's dtype rules and errors.
#include <gtest/gtest.h>

#include "ops_reduction_util.h"

namespace tessera {
namespace {

using namespace ops_reduction_test;

// The reference of one reduction over the elements `elems` of x (C order).
Expected reference(const std::string& op, const Arr& x, const std::vector<std::vector<int64_t>>& elems, DataType t,
                   double ddof) {
  Expected e;
  const long double n = static_cast<long double>(elems.size());
  const long double eps = std::ldexp(1.0L, -50);
  if (op == "sum" || op == "mean") {
    if (t.is_float()) {
      long double s = 0, mag = 0;
      for (const auto& i : elems) {
        long double v = cast_value(x, i, t);
        s += v;
        mag += std::fabs(v);
      }
      e.value = op == "mean" ? s / n : s;
      e.tol = (n + 1) * eps * (op == "mean" ? mag / std::max(n, 1.0L) : mag);
    } else {
      // Integers wrap in t, bool is logical or; mean divides that in float64 and casts back.
      uint64_t s = 0;
      bool any = false;
      for (const auto& i : elems) s += cast_bits(x, i, t), any = any || x.value(i) != 0;
      s = t.is_bool() ? any : wrap(t, s);
      if (op == "mean" && !t.is_bool())
        s = static_cast<uint64_t>(static_cast<int64_t>(static_cast<double>(static_cast<int64_t>(s)) / elems.size()));
      e.bits = s;
    }
  } else if (op == "prod") {
    if (t.is_float()) {
      long double p = 1;
      for (const auto& i : elems) p *= cast_value(x, i, t);
      e.value = p;
      e.tol = std::fabs(p) * (n + 1) * 4 * ulp(t, 1.0L);
    } else {
      uint64_t p = 1;
      bool all = true;
      for (const auto& i : elems) p *= cast_bits(x, i, t), all = all && x.value(i) != 0;
      e.bits = t.is_bool() ? all : p;
    }
  } else if (op == "min" || op == "max") {
    bool is_max = op == "max";
    size_t best = 0;
    for (size_t k = 0; k < elems.size(); ++k) {
      long double v = x.value(elems[k]), b = x.value(elems[best]);
      if (std::isnan(b)) break;
      if (std::isnan(v) || (is_max ? v > b : v < b)) best = k;
    }
    e.value = x.value(elems[best]);
    e.bits = x.bits(elems[best]);
  } else if (op == "argmin" || op == "argmax") {
    bool is_max = op == "argmax";
    size_t best = 0;
    for (size_t k = 1; k < elems.size(); ++k) {
      long double v = x.value(elems[k]), b = x.value(elems[best]);
      if (std::isnan(b)) break;
      if (std::isnan(v) || (is_max ? v > b : v < b)) best = k;
    }
    e.bits = best;
  } else if (op == "var" || op == "std") {
    long double s = 0, sq = 0;
    for (const auto& i : elems) s += cast_value(x, i, t);
    long double mean = s / n;
    for (const auto& i : elems) {
      long double d = cast_value(x, i, t) - mean;
      sq += d * d;
    }
    long double var = sq / std::max(n - static_cast<long double>(ddof), 0.0L);
    e.value = op == "var" ? var : std::sqrt(var);
    long double scale = 0;
    for (const auto& i : elems) scale += cast_value(x, i, t) * cast_value(x, i, t);
    scale /= std::max(n, 1.0L);
    e.tol = 1e-12L * (op == "var" ? scale : std::sqrt(scale)) + 1e-12L * std::fabs(e.value);
  } else if (op == "all" || op == "any" || op == "count_nonzero") {
    uint64_t nz = 0;
    for (const auto& i : elems) nz += x.value(i) != 0;
    e.bits = op == "count_nonzero" ? nz : op == "all" ? nz == elems.size() : nz > 0;
  }
  return e;
}

// Runs op and checks every output element against the reference; a reduction NumPy
// rejects (empty without identity) must throw OpError(Value) instead.
void check_reduce(const std::string& op, Arr x, const std::vector<int>& axes, bool keepdims,
                  std::optional<DataType> dtype = std::nullopt, double ddof = 0) {
  std::string ctx = op + " " + x.dtype.str() + " shape " + str(x.shape) + " strides " + str(x.strides) + " axes " +
                    str(axes) + (keepdims ? " keepdims" : "") + (dtype ? " dtype " + dtype->str() : "");
  const int nd = static_cast<int>(x.shape.size());
  std::vector<bool> reduced(nd, axes.empty());
  for (int a : axes) reduced[a < 0 ? a + nd : a] = true;
  bool empty = false;
  for (int d = 0; d < nd; ++d) empty = empty || (reduced[d] && x.shape[d] == 0);
  if (empty && (op == "min" || op == "max" || op == "argmin" || op == "argmax")) {
    try {
      ops::plan_reduce(op, x.get(), axes, keepdims, dtype);
      ADD_FAILURE() << ctx << ": expected an error";
    } catch (const OpError& err) {
      EXPECT_EQ(err.kind(), OpError::Kind::Value) << ctx;
      std::string want = op == "min"   ? "zero-size array to reduction operation minimum which has no identity"
                         : op == "max" ? "zero-size array to reduction operation maximum which has no identity"
                                       : "attempt to get " + op + " of an empty sequence";
      EXPECT_NE(std::string(err.what()).find(want), std::string::npos) << ctx << ": " << err.what();
    }
    return;
  }
  ops::ReducePlan plan = ops::plan_reduce(op, x.get(), axes, keepdims, dtype);
  Arr out(plan.dtype, plan.shape);
  ops::reduce(op, x.get(), axes, keepdims, dtype, out.get(), ddof);
  // Reference: every output position and the input elements that reduce into it.
  std::vector<int64_t> kept_shape;
  for (int d = 0; d < nd; ++d) kept_shape.push_back(reduced[d] ? 1 : x.shape[d]);
  std::vector<int64_t> red_shape;
  for (int d = 0; d < nd; ++d) red_shape.push_back(reduced[d] ? x.shape[d] : 1);
  // The dtype elements are cast to before reducing (NumPy's dtype=, or the default).
  const bool keeps_input = op == "min" || op == "max" || op == "argmin" || op == "argmax" || op == "all" ||
                           op == "any" || op == "count_nonzero";
  const DataType t = dtype ? *dtype : keeps_input ? x.dtype : plan.dtype;
  std::vector<std::vector<int64_t>> reds = indices(red_shape);
  for (const auto& k : indices(kept_shape)) {
    std::vector<std::vector<int64_t>> elems;
    for (const auto& r : reds) {
      std::vector<int64_t> i(nd);
      for (int d = 0; d < nd; ++d) i[d] = reduced[d] ? r[d] : k[d];
      elems.push_back(i);
    }
    std::vector<int64_t> o;
    for (int d = 0; d < nd; ++d)
      if (!reduced[d] || keepdims) o.push_back(k[d]);
    ASSERT_TRUE(matches(out, o, reference(op, x, elems, t, ddof))) << ctx;
  }
}

// ---- reductions over shapes, layouts and axes --------------------------------------------

const std::vector<std::vector<int64_t>> kShapes = {{},        {0},     {1},     {7},        {5, 1, 3},
                                                   {3, 0, 2}, {4, 37}, {37, 4}, {3, 5, 33}, {2, 3, 4, 5}};

// Axis sets to try for a rank: all, each axis (once negative), and pairs.
std::vector<std::vector<int>> axis_sets(int nd, bool one_axis) {
  std::vector<std::vector<int>> sets = {{}};
  for (int d = 0; d < nd; ++d) sets.push_back({d == nd - 1 ? -1 : d});
  if (!one_axis)
    for (int d = 0; d + 1 < nd; ++d) sets.push_back({d, nd - 1});
  if (!one_axis && nd == 4) sets.push_back({0, 2});
  return sets;
}

void sweep(const std::string& op, DataType t, bool all_layouts, Fill kind = Fill::Any) {
  bool one_axis = op == "argmin" || op == "argmax";
  uint64_t seed = std::hash<std::string>()(op + t.str());
  for (const auto& shape : kShapes) {
    for (Layout layout : {Layout::Contig, Layout::Transposed, Layout::Strided}) {
      if (!all_layouts && layout == Layout::Transposed) continue;
      if (shape.size() < 2 && layout == Layout::Transposed) continue;
      Arr x = make(t, shape, layout, ++seed, kind);
      for (const auto& axes : axis_sets(static_cast<int>(shape.size()), one_axis)) {
        bool keepdims = (seed + axes.size()) % 2 == 0;
        check_reduce(op, x, axes, keepdims);
        if (::testing::Test::HasFatalFailure()) return;
      }
    }
  }
}

TEST(Reduce, SumAllLayouts) {
  sweep("sum", kF32, true);
  sweep("sum", kI32, true);
  for (DataType t : {kF64, kF16, kBF16, kI8, kU16, kU64, kBool}) sweep("sum", t, false);
}

TEST(Reduce, ProdAllLayouts) {
  sweep("prod", kF64, true, Fill::NearOne);
  sweep("prod", kI16, true);
  for (DataType t : {kF32, kU32, kBool}) sweep("prod", t, false, Fill::NearOne);
  sweep("prod", kF16, false, Fill::NearOne);
}

TEST(Reduce, MinMaxPropagateNaN) {
  sweep("max", kF32, true);
  sweep("min", kF64, true);
  for (DataType t : {kI8, kU64, kI64, kBool, kF16}) {
    sweep("min", t, false);
    sweep("max", t, false);
  }
}

TEST(Reduce, MeanVarStd) {
  sweep("mean", kF32, true);
  sweep("var", kF64, true);
  sweep("std", kF32, false);
  for (DataType t : {kI32, kF16, kU8}) {
    sweep("mean", t, false);
    sweep("var", t, false);
  }
  sweep("std", kI64, false, Fill::Small);
  // ddof (NumPy's correction), including ddof >= n (division by zero: inf or NaN).
  Arr x = make(kF64, {6, 5}, Layout::Contig, 7, Fill::Small);
  for (double ddof : {1.0, 4.0, 5.0, 6.5})
    for (int axis : {0, 1}) {
      check_reduce("var", x, {axis}, false, std::nullopt, ddof);
      check_reduce("std", x, {axis}, true, std::nullopt, ddof);
    }
}

TEST(Reduce, ArgminArgmaxFirstOccurrenceAndNaN) {
  sweep("argmax", kF32, true);
  sweep("argmin", kF64, true);
  for (DataType t : {kI16, kU8, kBool, kF16}) {
    sweep("argmin", t, false);
    sweep("argmax", t, false);
  }
  // Every position of the first NaN, ties between extremes, all -inf.
  for (int64_t pos = 0; pos < 40; pos += 3) {
    Arr x = make(kF32, {40}, Layout::Contig, 1, Fill::Small);
    for (int64_t i = 0; i < 40; ++i) x.set({i}, x.value({i}) == 0 ? 0 : x.value({i}));
    x.set({pos}, NAN);
    if (pos + 5 < 40) x.set({pos + 5}, NAN);
    check_reduce("argmax", x, {}, false);
    check_reduce("argmin", x, {0}, true);
  }
  Arr inf = make(kF64, {33}, Layout::Contig, 2);
  for (int64_t i = 0; i < 33; ++i) inf.set({i}, -INFINITY);
  check_reduce("argmax", inf, {}, false);
  for (int64_t i = 0; i < 33; ++i) inf.set({i}, INFINITY);
  check_reduce("argmin", inf, {}, false);
  // A 0-d array counts as 1-d for argmax (NumPy ravels it).
  check_reduce("argmax", make(kI32, {}, Layout::Contig, 3), {}, false);
  Arr zero_d = make(kI32, {}, Layout::Contig, 3);
  ops::ReducePlan p = ops::plan_reduce("argmax", zero_d.get(), {-1}, false, std::nullopt);
  EXPECT_TRUE(p.shape.empty());
}

TEST(Reduce, ArgmaxLaneStepsOfLongRows) {
  // Vector lanes record int32 steps, turned into int64 positions when they merge: winners
  // far past 2^16 steps, ties between lanes of one step and between steps (the first wins).
  const int64_t n = int64_t{1} << 21;
  Arr x = make(kF32, {3, n}, Layout::Contig, 31, Fill::Small);
  for (int64_t i = 0; i < n; ++i) x.set({2, i}, std::floor(x.value({2, i})));
  for (int64_t pos : {n - 37, n - 5}) x.set({0, pos}, 1e6);
  for (int64_t pos : {int64_t{1234567}, int64_t{1234567 + 1}, int64_t{1234567 + 16}}) x.set({1, pos}, -1e6);
  x.set({1, n - 3}, 1e6);
  check_reduce("argmax", x, {1}, false);
  check_reduce("argmin", x, {1}, false);
  Arr ints = make(kI16, {2, n + 7}, Layout::Contig, 32, Fill::Small);
  check_reduce("argmax", ints, {1}, false);
  check_reduce("argmin", ints, {}, false);
}

TEST(Reduce, AllAnyCountNonzero) {
  for (const char* op : {"all", "any", "count_nonzero"}) {
    sweep(op, kF32, true);
    for (DataType t : {kI32, kBool, kF16}) sweep(op, t, false);
  }
  // -0.0 is false, NaN is true.
  Arr x(kF64, {3});
  x.set({0}, -0.0);
  x.set({1}, NAN);
  x.set({2}, 0.0);
  check_reduce("any", x, {}, false);
  check_reduce("all", x, {}, false);
  check_reduce("count_nonzero", x, {}, false);
}

TEST(Reduce, DtypeArgument) {
  Arr ints = make(kI32, {9, 40}, Layout::Contig, 11, Fill::Small);
  check_reduce("sum", ints, {1}, false, kF32);
  check_reduce("sum", ints, {}, false, kF16);
  check_reduce("sum", make(kU8, {50, 3}, Layout::Strided, 12), {0}, false, kI8);  // wraps in int8
  check_reduce("sum", make(kF32, {5, 40}, Layout::Contig, 13), {1}, true, kF64);
  check_reduce("sum", make(kI16, {17}, Layout::Contig, 14), {}, false, kBool);  // logical or
  check_reduce("prod", make(kI8, {4, 9}, Layout::Contig, 15), {1}, false, kI8);
  check_reduce("mean", make(kI16, {6, 33}, Layout::Contig, 16), {1}, false, kF32);
  check_reduce("mean", make(kI32, {6, 7}, Layout::Contig, 17, Fill::Small), {0}, false, kI32);  // truncates
  check_reduce("var", make(kI8, {6, 7}, Layout::Contig, 18), {1}, false, kF32);
}

TEST(Reduce, LargeParallelAndVectorPaths) {
  // Blocks of the parallel full reduction, long rows (vector partials), and columns.
  Arr big = make(kF32, {3, 20011}, Layout::Contig, 21);
  check_reduce("sum", big, {}, false);
  check_reduce("sum", big, {1}, false);
  check_reduce("mean", big.permuted({1, 0}), {0}, false);
  check_reduce("argmax", big, {1}, false);
  check_reduce("max", big, {0}, false);
  check_reduce("count_nonzero", big, {}, false);
  check_reduce("sum", make(kF32, {5, 2100}, Layout::Contig, 29), {0}, false);  // several column blocks
  Arr cols = make(kF64, {200, 70}, Layout::Contig, 22);
  check_reduce("sum", cols, {0}, false);
  check_reduce("var", cols, {0}, true);
  // Tall matrices reduced over rows: parallel blocks of whole rows, then their partials;
  // short rows are added one at a time, long ones in groups of 8.
  Arr tall = make(kF32, {1000, 70}, Layout::Contig, 24);
  check_reduce("sum", tall, {0}, false);
  check_reduce("var", tall, {0}, true);
  check_reduce("argmax", tall, {0}, false);
  Arr wide = make(kF32, {530, 2100}, Layout::Contig, 28);
  check_reduce("sum", wide, {0}, false);
  check_reduce("max", wide, {0}, true);
  check_reduce("min", make(kI16, {300, 3, 100}, Layout::Contig, 25), {0, 1}, false);
  check_reduce("any", make(kBool, {700, 130}, Layout::Contig, 26), {0}, false);
  check_reduce("all", make(kF16, {5, 130}, Layout::Contig, 27), {0}, false);
  Arr longrow = make(kI64, {50001}, Layout::Strided, 23);
  check_reduce("sum", longrow, {}, false);
  check_reduce("argmin", longrow, {}, false);
  check_reduce("min", longrow, {0}, true);
}

// NumPy's pairwise summation of float32 (numpy/_core/src/umath/loops_utils.h.src), as the
// accuracy bar: blocks of at most 128 summed with 8 accumulators, halves recursively.
float pairwise(const float* a, int64_t n) {
  if (n < 8) {
    float s = -0.0f;
    for (int64_t i = 0; i < n; ++i) s += a[i];
    return s;
  }
  if (n <= 128) {
    float r[8];
    for (int k = 0; k < 8; ++k) r[k] = a[k];
    int64_t i = 8;
    for (; i < n - n % 8; i += 8)
      for (int k = 0; k < 8; ++k) r[k] += a[i + k];
    float s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) s += a[i];
    return s;
  }
  int64_t half = n / 2;
  half -= half % 8;
  return pairwise(a, half) + pairwise(a + half, n - half);
}

TEST(Reduce, Float32SumAtLeastAsAccurateAsPairwise) {
  const int64_t n = int64_t{1} << 24;
  Arr x(kF32, {n});
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  float* data = reinterpret_cast<float*>(x.mem->data());
  for (int64_t i = 0; i < n; ++i) data[i] = u(rng);
  Arr out(kF32, {});
  ops::reduce("sum", x.get(), {}, false, std::nullopt, out.get());
  long double exact = 0;
  for (int64_t i = 0; i < n; ++i) exact += data[i];
  long double ours = std::fabs(out.value({}) - exact), numpy = std::fabs(pairwise(data, n) - exact);
  EXPECT_LE(ours, numpy) << "ours " << static_cast<double>(out.value({})) << " exact " << static_cast<double>(exact);
  EXPECT_LE(ours, ulp(kF32, exact));
}

TEST(Reduce, ResultDtypes) {
  struct Case {
    const char* op;
    DataType in;
    std::optional<DataType> dtype;
    DataType out;
  };
  const Case cases[] = {
      {"sum", kBool, {}, kI64},
      {"sum", kI8, {}, kI64},
      {"sum", kI32, {}, kI64},
      {"sum", kU8, {}, kU64},
      {"sum", kU32, {}, kU64},
      {"sum", kI64, {}, kI64},
      {"sum", kF16, {}, kF16},
      {"sum", kBF16, {}, kBF16},
      {"prod", kI16, {}, kI64},
      {"prod", kU16, {}, kU64},
      {"prod", kF32, {}, kF32},
      {"mean", kI8, {}, kF64},
      {"mean", kBool, {}, kF64},
      {"mean", kF16, {}, kF16},
      {"var", kU64, {}, kF64},
      {"std", kF32, {}, kF32},
      {"max", kI8, {}, kI8},
      {"min", kBool, {}, kBool},
      {"argmax", kF16, {}, kI64},
      {"argmin", kBool, {}, kI64},
      {"all", kF32, {}, kBool},
      {"any", kI64, {}, kBool},
      {"count_nonzero", kF64, {}, kI64},
      {"sum", kI8, kF32, kF32},
      {"mean", kI64, kF16, kF16},
      {"prod", kF64, kI8, kI8},
  };
  for (const Case& c : cases) {
    Arr x(c.in, {2, 3});
    ops::ReducePlan p = ops::plan_reduce(c.op, x.get(), {1}, true, c.dtype);
    EXPECT_EQ(p.dtype, c.out) << c.op << " " << c.in.str();
    EXPECT_EQ(p.shape, (std::vector<int64_t>{2, 1})) << c.op;
    EXPECT_EQ(p.axes, (std::vector<int>{1})) << c.op;
  }
  Arr x(kF32, {2, 3, 4});
  EXPECT_EQ(ops::plan_reduce("sum", x.get(), {-1, 0}, false, std::nullopt).shape, (std::vector<int64_t>{3}));
  EXPECT_EQ(ops::plan_reduce("sum", x.get(), {}, true, std::nullopt).shape, (std::vector<int64_t>{1, 1, 1}));
  EXPECT_EQ(ops::plan_reduce("argmax", x.get(), {}, true, std::nullopt).shape, (std::vector<int64_t>{1, 1, 1}));
  EXPECT_EQ(ops::plan_reduce("argmax", x.get(), {}, false, std::nullopt).shape, std::vector<int64_t>{});
}

TEST(Reduce, Errors) {
  Arr x(kF32, {2, 3});
  Arr out(kF32, {2});
  auto plan = [&](const std::string& op, std::vector<int> axes, std::optional<DataType> dt = std::nullopt) {
    return [&, op, axes, dt] { ops::plan_reduce(op, x.get(), axes, false, dt); };
  };
  expect_error(plan("sum", {2}), OpError::Kind::Value, {"sum", "axis 2 is out of bounds for array of dimension 2"});
  expect_error(plan("mean", {-3}), OpError::Kind::Value, {"mean", "out of bounds"});
  expect_error(plan("max", {1, -1}), OpError::Kind::Value, {"max", "duplicate value in 'axis'"});
  expect_error(plan("argmax", {0, 1}), OpError::Kind::Type, {"argmax"});
  expect_error(plan("max", {0}, kF64), OpError::Kind::Type, {"max", "dtype"});
  expect_error(plan("var", {0}, kI32), OpError::Kind::Type, {"var", "floating"});
  expect_error(plan("median", {0}), OpError::Kind::Value, {"median"});
  Arr scalar(kF32, {});
  expect_error([&] { ops::plan_reduce("sum", scalar.get(), {0}, false, std::nullopt); }, OpError::Kind::Value,
               {"sum", "axis 0 is out of bounds for array of dimension 0"});
  // The output must have the planned shape and dtype; nothing is written otherwise.
  Arr wrong_shape(kF32, {3}), wrong_dtype(kF64, {2});
  expect_error([&] { ops::reduce("sum", x.get(), {1}, false, std::nullopt, wrong_shape.get()); }, OpError::Kind::Value,
               {"sum", "shape"});
  expect_error([&] { ops::reduce("sum", x.get(), {1}, false, std::nullopt, wrong_dtype.get()); }, OpError::Kind::Type,
               {"sum", "dtype"});
  Arr empty(kI32, {0, 4});
  Arr eout(kI32, {4});
  expect_error([&] { ops::reduce("min", empty.get(), {0}, false, std::nullopt, eout.get()); }, OpError::Kind::Value,
               {"zero-size array to reduction operation minimum which has no identity"});
  Arr eout2(kI32, {0});
  ops::reduce("max", empty.get(), {1}, false, std::nullopt, eout2.get());  // nothing reduced empty: fine
}

TEST(Reduce, BroadcastInput) {
  // A stride-0 axis (a broadcast view): every row is the same memory.
  Arr x = make(kF32, {4, 50}, Layout::Contig, 28);
  x.strides = {0, 1};
  for (const auto& axes : std::vector<std::vector<int>>{{}, {0}, {1}}) {
    check_reduce("sum", x, axes, false);
    check_reduce("argmax", x, axes.size() == 2 ? std::vector<int>{} : axes, false);
    check_reduce("var", x, axes, false);
  }
}

TEST(Reduce, OutputOverlappingInput) {
  // The output is a column of the input itself: computed into a temporary first.
  Arr x = make(kF64, {6, 5}, Layout::Contig, 31);
  Arr copy(kF64, {6, 5});
  for (const auto& i : indices({6, 5})) copy.set(i, x.value(i));
  Arr col = x;
  col.shape = {6};
  col.strides = {5};
  ops::reduce("sum", x.get(), {1}, false, std::nullopt, col.get());
  for (int64_t r = 0; r < 6; ++r) {
    std::vector<std::vector<int64_t>> elems;
    for (int64_t c = 0; c < 5; ++c) elems.push_back({r, c});
    Expected e = reference("sum", copy, elems, kF64, 0);
    Arr got = x;
    EXPECT_TRUE(matches(got, {r, 0}, e));
  }
}

TEST(Reduce, RegisteredAsOperators) {
  ops::register_reduction_ops();  // also done when the library loads; idempotent
  std::vector<std::string> names = ops::list_ops();
  for (const std::string& op : ops::reduction_ops())
    EXPECT_NE(std::find(names.begin(), names.end(), op), names.end()) << op;
  for (const char* op : {"cumulative_sum", "cumulative_prod", "matmul", "vecdot"})
    EXPECT_NE(std::find(names.begin(), names.end(), op), names.end()) << op;
  EXPECT_EQ(ops::find_op("sum")->type_rule({kI8})->outputs[0], kI64);
}

}  // namespace
}  // namespace tessera
