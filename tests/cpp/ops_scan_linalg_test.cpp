// Cumulative sums/products, matmul, tensordot and vecdot: results against independent
// reference loops on random data over shapes, views, axes and dtypes; NumPy's dtype rules
// and errors.
#include <gtest/gtest.h>

#include "ops_reduction_util.h"

namespace tessera {
namespace {

using namespace ops_reduction_test;

// ---- cumulative sums and products ---------------------------------------------------------

// NumPy's accumulate: the running value is rounded to the result dtype at every step.
void check_cumulative(const std::string& op, Arr x, std::optional<int> axis, bool include_initial,
                      std::optional<DataType> dtype = std::nullopt) {
  std::string ctx = op + " " + x.dtype.str() + " shape " + str(x.shape) + " strides " + str(x.strides) +
                    (axis ? " axis " + std::to_string(*axis) : "") + (include_initial ? " initial" : "");
  ops::OutputPlan plan = ops::plan_cumulative(op, x.get(), axis, dtype, include_initial);
  Arr out(plan.dtype, plan.shape);
  ops::cumulative(op, x.get(), axis, dtype, include_initial, out.get());
  if (x.shape.empty()) {  // 0-d: viewed as (1,)
    x.shape = {1};
    x.strides = {1};
  }
  const int nd = static_cast<int>(x.shape.size());
  const int ax = axis ? (*axis < 0 ? *axis + nd : *axis) : 0;
  const DataType t = plan.dtype;
  const bool is_sum = op == "cumulative_sum";
  std::vector<int64_t> lines = x.shape;
  lines[ax] = 1;
  for (const auto& base : indices(lines)) {
    long double f = is_sum ? 0 : 1;
    uint64_t u = is_sum ? 0 : 1;
    bool first = true;
    int64_t shift = include_initial ? 1 : 0;
    if (include_initial) {
      std::vector<int64_t> o = base;
      o[ax] = 0;
      ASSERT_TRUE(matches(out, o, Expected{f, u, 0})) << ctx << " (initial)";
    }
    for (int64_t i = 0; i < x.shape[ax]; ++i) {
      std::vector<int64_t> at = base;
      at[ax] = i;
      if (t.is_float()) {
        long double v = round_to(t, x.value(at));
        // Computed as the IR does: 16-bit floats in float32, then rounded.
        if (t == kF64)
          f = first ? v
                    : static_cast<double>(is_sum ? static_cast<double>(f) + static_cast<double>(v)
                                                 : static_cast<double>(f) * static_cast<double>(v));
        else
          f = first ? v
                    : round_to(t, static_cast<float>(is_sum ? static_cast<float>(f) + static_cast<float>(v)
                                                            : static_cast<float>(f) * static_cast<float>(v)));
      } else if (t.is_bool()) {
        bool v = x.value(at) != 0;
        u = first ? v : is_sum ? (u || v) : (u && v);
      } else {
        uint64_t v = cast_bits(x, at, t);
        u = first ? v : is_sum ? u + v : u * v;
      }
      first = false;
      std::vector<int64_t> o = base;
      o[ax] = i + shift;
      ASSERT_TRUE(matches(out, o, Expected{f, u, 0})) << ctx;
      if (t.is_float() && f == 0) ASSERT_EQ(std::signbit(out.value(o)), std::signbit(f)) << ctx << " at " << str(o);
    }
  }
}

TEST(Cumulative, SumAndProdEveryAxisAndLayout) {
  uint64_t seed = 100;
  for (const char* op : {"cumulative_sum", "cumulative_prod"}) {
    bool is_sum = std::string(op) == "cumulative_sum";
    for (DataType t : {kF32, kI32, kF16, kU8, kF64, kBool}) {
      bool many = t == kF32 || t == kI32;
      for (const auto& shape :
           std::vector<std::vector<int64_t>>{{}, {0}, {1}, {9}, {4, 0}, {3, 40}, {33, 5}, {2, 3, 17}}) {
        for (Layout layout : {Layout::Contig, Layout::Transposed, Layout::Strided}) {
          if (!many && layout == Layout::Transposed) continue;
          Arr x = make(t, shape, layout, ++seed, is_sum ? Fill::Any : Fill::NearOne);
          const int nd = static_cast<int>(shape.size());
          if (nd <= 1) check_cumulative(op, x, std::nullopt, seed % 2 == 0);
          for (int a = 0; a < nd && (many || nd > 1); ++a)
            check_cumulative(op, x, a == nd - 1 ? -1 : a, (seed + a) % 2 == 1);
          if (::testing::Test::HasFatalFailure()) return;
        }
      }
    }
  }
}

TEST(Cumulative, DtypesInPlaceAndErrors) {
  Arr small = make(kI8, {4, 30}, Layout::Contig, 41);
  check_cumulative("cumulative_sum", small, 1, false);      // int64 result
  check_cumulative("cumulative_sum", small, 0, true, kI8);  // wraps in int8
  check_cumulative("cumulative_prod", make(kU16, {25}, Layout::Contig, 42), 0, true);
  check_cumulative("cumulative_sum", make(kF32, {50}, Layout::Contig, 43), 0, false, kF64);
  check_cumulative("cumulative_sum", make(kF32, {5, 2100}, Layout::Contig, 45), 0, false);  // column blocks
  check_cumulative("cumulative_prod", make(kF64, {3, 40, 20}, Layout::Contig, 46, Fill::NearOne), 1, true);
  EXPECT_EQ(ops::plan_cumulative("cumulative_sum", small.get(), 0, std::nullopt, false).dtype, kI64);
  EXPECT_EQ(ops::plan_cumulative("cumulative_prod", make(kU8, {3}, Layout::Contig, 1).get(), {}, {}, false).dtype,
            kU64);
  EXPECT_EQ(ops::plan_cumulative("cumulative_sum", small.get(), 1, std::nullopt, true).shape,
            (std::vector<int64_t>{4, 31}));
  // In place (out is x): NumPy allows it; the result is the same.
  Arr x = make(kF64, {5, 6}, Layout::Contig, 44);
  Arr ref(kF64, {5, 6});
  ops::cumulative("cumulative_sum", x.get(), 1, std::nullopt, false, ref.get());
  ops::cumulative("cumulative_sum", x.get(), 1, std::nullopt, false, x.get());
  for (const auto& i : indices({5, 6})) ASSERT_TRUE(matches(x, i, Expected{ref.value(i), 0, 0}));
  expect_error([&] { ops::plan_cumulative("cumulative_sum", x.get(), std::nullopt, std::nullopt, false); },
               OpError::Kind::Value, {"cumulative_sum", "axis"});
  expect_error([&] { ops::plan_cumulative("cumulative_prod", x.get(), 2, std::nullopt, false); }, OpError::Kind::Value,
               {"cumulative_prod", "out of bounds"});
}

// ---- matmul, tensordot, vecdot -------------------------------------------------------------

// Reference contraction: out[o] = sum over pairs (ia, ib) of a[ia] * b[ib].
Expected dot_reference(const Arr& a, const Arr& b,
                       const std::vector<std::pair<std::vector<int64_t>, std::vector<int64_t>>>& terms, DataType t) {
  Expected e;
  if (t.is_float()) {
    long double s = 0, mag = 0;
    for (const auto& [ia, ib] : terms) {
      long double p = round_to(t, a.value(ia)) * round_to(t, b.value(ib));
      s += p;
      mag += std::fabs(p);
    }
    e.value = s;
    long double acc_eps = (t == kF64) ? std::ldexp(1.0L, -52) : std::ldexp(1.0L, -23);
    e.tol = (terms.size() + 2) * acc_eps * mag;
  } else if (t.is_bool()) {
    bool any = false;
    for (const auto& [ia, ib] : terms) any = any || (a.value(ia) != 0 && b.value(ib) != 0);
    e.bits = any;
  } else {
    uint64_t s = 0;
    for (const auto& [ia, ib] : terms) s += cast_bits(a, ia, t) * cast_bits(b, ib, t);
    e.bits = s;
  }
  return e;
}

void check_matmul(Arr a, Arr b) {
  std::string ctx =
      "matmul " + a.dtype.str() + str(a.shape) + str(a.strides) + " @ " + b.dtype.str() + str(b.shape) + str(b.strides);
  ops::OutputPlan plan = ops::plan_matmul(a.get(), b.get());
  Arr out(plan.dtype, plan.shape);
  ops::matmul(a.get(), b.get(), out.get());
  // NumPy's rules, written out: promote 1-D operands, broadcast the batch dimensions.
  std::vector<int64_t> as = a.shape, bs = b.shape;
  if (as.size() == 1) as.insert(as.begin(), 1);
  if (bs.size() == 1) bs.push_back(1);
  const int64_t M = as[as.size() - 2], K = as.back(), N = bs.back();
  const size_t nb = std::max(as.size(), bs.size()) - 2;
  std::vector<int64_t> batch(nb);
  for (size_t d = 0; d < nb; ++d) {
    int64_t ea = d + as.size() - 2 >= nb ? as[d + as.size() - 2 - nb] : 1;
    int64_t eb = d + bs.size() - 2 >= nb ? bs[d + bs.size() - 2 - nb] : 1;
    batch[d] = std::max(ea, eb);
  }
  for (const auto& bi : indices(batch))
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) {
        std::vector<std::pair<std::vector<int64_t>, std::vector<int64_t>>> terms;
        for (int64_t k = 0; k < K; ++k) {
          std::vector<int64_t> ia, ib;
          for (size_t d = 0; d + 2 < as.size(); ++d) {
            size_t bd = d + nb - (as.size() - 2);
            ia.push_back(as[d] == 1 ? 0 : bi[bd]);
          }
          if (a.shape.size() > 1) ia.push_back(i);
          ia.push_back(k);
          for (size_t d = 0; d + 2 < bs.size(); ++d) {
            size_t bd = d + nb - (bs.size() - 2);
            ib.push_back(bs[d] == 1 ? 0 : bi[bd]);
          }
          ib.push_back(k);
          if (b.shape.size() > 1) ib.push_back(j);
          terms.emplace_back(ia, ib);
        }
        std::vector<int64_t> o = bi;
        if (a.shape.size() > 1) o.push_back(i);
        if (b.shape.size() > 1) o.push_back(j);
        ASSERT_TRUE(matches(out, o, dot_reference(a, b, terms, plan.dtype))) << ctx;
      }
}

TEST(Linalg, MatmulShapesAndDtypes) {
  uint64_t seed = 200;
  auto mk = [&](DataType t, std::vector<int64_t> s, Layout l = Layout::Contig) {
    return make(t, s, l, ++seed, Fill::Small);
  };
  for (DataType t : {kF32, kF64}) {
    check_matmul(mk(t, {7}), mk(t, {7}));
    check_matmul(mk(t, {5}), mk(t, {5, 3}));
    check_matmul(mk(t, {4, 6}), mk(t, {6}));
    check_matmul(mk(t, {13, 9}), mk(t, {9, 37}));
    check_matmul(mk(t, {13, 9}, Layout::Transposed), mk(t, {9, 37}, Layout::Strided));
    check_matmul(mk(t, {2, 1, 3, 4}), mk(t, {5, 4, 2}));
    check_matmul(mk(t, {3, 4, 0}), mk(t, {0, 5}));  // K = 0: zeros
    check_matmul(mk(t, {0, 4}), mk(t, {4, 5}));
  }
  check_matmul(make(kF32, {33, 70}, Layout::Contig, 1), make(kF32, {70, 45}, Layout::Contig, 2));  // special values
  for (DataType t : {kF16, kBF16, kI8, kI32, kU8, kI64, kBool}) {
    check_matmul(mk(t, {6, 5}), mk(t, {5, 19}));
    check_matmul(mk(t, {2, 3, 4}, Layout::Strided), mk(t, {4}));
  }
  check_matmul(make(kI32, {9, 17}, Layout::Contig, 3), make(kI32, {17, 4}, Layout::Contig, 4));  // wrapping
  check_matmul(mk(kI8, {4, 3}), mk(kF32, {3, 2}));                                               // mixed: float32
  check_matmul(mk(kU8, {4, 3}), mk(kI8, {3, 5}));                                                // int16
  // Batch axes that do not merge (a sliced batch): looped.
  Arr a = mk(kF64, {3, 4, 5, 6});
  a.shape = {3, 2, 5, 6};
  check_matmul(a, mk(kF64, {6, 2}));
}

TEST(Linalg, MatmulErrors) {
  Arr s(kF32, {}), m(kF32, {3, 4}), v(kF32, {3});
  expect_error([&] { ops::plan_matmul(s.get(), m.get()); }, OpError::Kind::Value,
               {"matmul", "Input operand 0", "enough dimensions"});
  expect_error([&] { ops::plan_matmul(m.get(), v.get()); }, OpError::Kind::Value,
               {"matmul", "mismatch in its core dimension 0"});
  Arr b1(kF32, {2, 3, 4}), b2(kF32, {3, 4, 5});
  expect_error([&] { ops::plan_matmul(b1.get(), b2.get()); }, OpError::Kind::Value, {"matmul", "broadcast"});
  EXPECT_EQ(ops::plan_matmul(v.get(), v.get()).shape, std::vector<int64_t>{});
  Arr i8(kI8, {3}), u8(kU8, {3});
  EXPECT_EQ(ops::plan_matmul(i8.get(), u8.get()).dtype, kI16);
}

void check_tensordot(Arr a, Arr b, const std::vector<int>& axes_a, const std::vector<int>& axes_b) {
  std::string ctx =
      "tensordot " + str(a.shape) + str(a.strides) + " " + str(b.shape) + " axes " + str(axes_a) + str(axes_b);
  ops::OutputPlan plan = ops::plan_tensordot(a.get(), b.get(), axes_a, axes_b);
  Arr out(plan.dtype, plan.shape);
  ops::tensordot(a.get(), b.get(), axes_a, axes_b, out.get());
  const int na = static_cast<int>(a.shape.size()), nb = static_cast<int>(b.shape.size());
  std::vector<bool> sa(na), sb(nb);
  std::vector<int64_t> sum_shape;
  for (size_t i = 0; i < axes_a.size(); ++i) {
    sa[(axes_a[i] + na) % na] = true;
    sb[(axes_b[i] + nb) % nb] = true;
    sum_shape.push_back(a.shape[(axes_a[i] + na) % na]);
  }
  for (const auto& o : indices(plan.shape)) {
    std::vector<std::pair<std::vector<int64_t>, std::vector<int64_t>>> terms;
    for (const auto& s : indices(sum_shape)) {
      std::vector<int64_t> ia(na), ib(nb);
      size_t pos = 0;
      for (int d = 0; d < na; ++d)
        if (!sa[d]) ia[d] = o[pos++];
      for (int d = 0; d < nb; ++d)
        if (!sb[d]) ib[d] = o[pos++];
      for (size_t i = 0; i < axes_a.size(); ++i) {
        ia[(axes_a[i] + na) % na] = s[i];
        ib[(axes_b[i] + nb) % nb] = s[i];
      }
      terms.emplace_back(ia, ib);
    }
    ASSERT_TRUE(matches(out, o, dot_reference(a, b, terms, plan.dtype))) << ctx;
  }
}

TEST(Linalg, Tensordot) {
  uint64_t seed = 300;
  auto mk = [&](DataType t, std::vector<int64_t> s, Layout l = Layout::Contig) {
    return make(t, s, l, ++seed, Fill::Small);
  };
  Arr a = mk(kF32, {3, 4, 5}), b = mk(kF32, {4, 5, 2});
  check_tensordot(a, b, {1, 2}, {0, 1});
  check_tensordot(a, b, {2, 1}, {1, 0});  // permuted pairs
  check_tensordot(a, mk(kF32, {3, 2}), {0}, {-2});
  check_tensordot(mk(kF32, {3, 4, 5}, Layout::Strided), mk(kF32, {4, 2}), {1},
                  {0});  // a's free axes do not merge: copied
  check_tensordot(mk(kF64, {3, 4, 5}, Layout::Strided), mk(kF64, {5, 4}, Layout::Transposed), {-1, 1}, {0, 1});
  check_tensordot(mk(kI32, {3, 2}), mk(kI32, {4}), {}, {});  // outer product
  check_tensordot(mk(kBool, {6, 7}), mk(kBool, {7, 3}), {1}, {0});
  Arr x = mk(kF32, {2, 3, 4}), y = mk(kF32, {3, 4, 5});
  ops::OutputPlan p = ops::plan_tensordot(x.get(), y.get(), 2);
  EXPECT_EQ(p.shape, (std::vector<int64_t>{2, 5}));
  Arr out(kF32, {2, 5});
  ops::tensordot(x.get(), y.get(), 2, out.get());
  Arr ref(kF32, {2, 5});
  ops::tensordot(x.get(), y.get(), {1, 2}, {0, 1}, ref.get());
  for (const auto& i : indices({2, 5})) EXPECT_EQ(out.value(i), ref.value(i));
  // A strided output whose axes do not merge: computed compactly, then copied.
  Arr z = mk(kI16, {2, 3, 2}), w = mk(kI16, {2, 3, 4});
  Arr compact(kI16, {2, 2, 2, 4}), strided = make(kI16, {2, 2, 2, 4}, Layout::Strided, 1);
  ops::tensordot(z.get(), w.get(), {1}, {1}, compact.get());
  ops::tensordot(z.get(), w.get(), {1}, {1}, strided.get());
  for (const auto& i : indices({2, 2, 2, 4})) EXPECT_EQ(strided.value(i), compact.value(i));
  check_tensordot(z, w, {1}, {1});
  expect_error([&] { ops::plan_tensordot(x.get(), y.get(), {0}, {0}); }, OpError::Kind::Value,
               {"tensordot", "shape-mismatch"});
  expect_error([&] { ops::plan_tensordot(x.get(), y.get(), 4); }, OpError::Kind::Value, {"tensordot"});
  expect_error(
      [&] {
        ops::plan_tensordot(x.get(), y.get(), {1, 1}, {0, 0});
      },
      OpError::Kind::Value, {"tensordot", "repeated"});
}

void check_vecdot(Arr a, Arr b, int axis) {
  std::string ctx =
      "vecdot " + a.dtype.str() + str(a.shape) + str(a.strides) + " " + str(b.shape) + " axis " + std::to_string(axis);
  ops::OutputPlan plan = ops::plan_vecdot(a.get(), b.get(), axis);
  Arr out(plan.dtype, plan.shape);
  ops::vecdot(a.get(), b.get(), axis, out.get());
  const int na = static_cast<int>(a.shape.size()), nb = static_cast<int>(b.shape.size());
  const int xa = axis < 0 ? axis + na : axis, xb = axis < 0 ? axis + nb : axis;
  for (const auto& o : indices(plan.shape)) {
    // o indexes the broadcast of a and b without their axes, right-aligned.
    std::vector<std::pair<std::vector<int64_t>, std::vector<int64_t>>> terms;
    for (int64_t k = 0; k < a.shape[xa]; ++k) {
      auto pick = [&](const Arr& t, int ax) {
        std::vector<int64_t> idx;
        int rest = static_cast<int>(t.shape.size()) - 1, off = static_cast<int>(o.size()) - rest;
        for (int d = 0, r = 0; d < static_cast<int>(t.shape.size()); ++d) {
          if (d == ax) {
            idx.push_back(k);
            continue;
          }
          idx.push_back(t.shape[d] == 1 ? 0 : o[off + r]);
          ++r;
        }
        return idx;
      };
      terms.emplace_back(pick(a, xa), pick(b, xb));
    }
    ASSERT_TRUE(matches(out, o, dot_reference(a, b, terms, plan.dtype))) << ctx;
  }
}

TEST(Linalg, Vecdot) {
  uint64_t seed = 400;
  auto mk = [&](DataType t, std::vector<int64_t> s, Layout l = Layout::Contig) {
    return make(t, s, l, ++seed, Fill::Small);
  };
  check_vecdot(mk(kF32, {100}), mk(kF32, {100}), -1);
  check_vecdot(mk(kF64, {5, 40}), mk(kF64, {40}), -1);
  check_vecdot(mk(kF32, {3, 1, 7}, Layout::Strided), mk(kF32, {4, 7}), -1);
  check_vecdot(mk(kF64, {6, 40}), mk(kF64, {6, 40}, Layout::Transposed), 0);  // axis 0: columns
  check_vecdot(mk(kI16, {4, 9}), mk(kI16, {4, 9}), 1);
  check_vecdot(mk(kBool, {5, 6}), mk(kBool, {5, 6}), -1);
  check_vecdot(mk(kF16, {3, 0}), mk(kF16, {3, 0}), -1);  // empty sum: zeros
  check_vecdot(mk(kU8, {2, 70}), mk(kI8, {70}), -1);     // int16
  Arr a(kF32, {3, 4}), b(kF32, {3, 5});
  expect_error([&] { ops::plan_vecdot(a.get(), b.get(), -1); }, OpError::Kind::Value, {"vecdot", "mismatch"});
  expect_error([&] { ops::plan_vecdot(a.get(), b.get(), 2); }, OpError::Kind::Value, {"vecdot", "out of bounds"});
}

}  // namespace
}  // namespace tessera
