// Elementwise functions and operators on arrays: dtypes (NumPy 2 promotion, NEP 50 weak
// scalars), values against plain C++ references on random inputs (strided, transposed,
// negative-step, 0-d, empty), in-place rules, and errors.
#include <cmath>

#include "array_test_util.h"
#include "tessera/ir/op.h"
#include "tessera/ops/elementwise.h"
#include "tessera/ops/library.h"

namespace tessera {
namespace {

using array_testing::expect_error;
using array_testing::to_dtype;
using array_testing::values;

// Python's floor division and modulo on integers (x // 0 == x % 0 == 0, as NumPy).
double int_floordiv(double a, double b) { return b == 0 ? 0 : std::floor(a / b); }
double int_mod(double a, double b) { return b == 0 ? 0 : a - b * std::floor(a / b); }

TEST(ArrayOps, ArithmeticOnEveryDtype) {
  for (DataType t : array_testing::all_dtypes()) {
    SCOPED_TRACE(t.str());
    std::vector<double> av = array_testing::random_values(t, 24, 1), bv = array_testing::random_values(t, 24, 2, true);
    Array a = array_testing::make_array(av, t, {4, 6}), b = array_testing::make_array(bv, t, {4, 6});
    auto check = [&](const Array& got, DataType want_t, double (*f)(double, double)) {
      ASSERT_EQ(got.dtype(), want_t);
      std::vector<double> want;
      for (size_t i = 0; i < av.size(); ++i) want.push_back(to_dtype(f(av[i], bv[i]), want_t));
      array_testing::expect_values(values(got), want);
    };
    const bool b8 = t.is_bool();
    // bool + bool is logical or, bool * bool logical and (NumPy).
    check(a + b, t, [](double x, double y) { return x + y; });
    check(a * b, t, [](double x, double y) { return x * y; });
    check(maximum(a, b), t, [](double x, double y) { return std::max(x, y); });
    check(a / b, t.is_float() ? t : float64, [](double x, double y) { return x / y; });
    if (b8) {
      expect_error([&] { a - b; }, Error::Kind::Type, "subtract");
      continue;
    }
    check(a - b, t, [](double x, double y) { return x - y; });
    if (t.is_integer()) {
      check(floor_divide(a, b), t, int_floordiv);
      check(a % b, t, int_mod);
      check(a & b, t, [](double x, double y) { return double(int64_t(x) & int64_t(y)); });
      check(a ^ b, t, [](double x, double y) { return double(int64_t(x) ^ int64_t(y)); });
    }
  }
}

TEST(ArrayOps, MixedDtypesPromoteAsNumPy) {
  struct Case {
    DataType a, b, want;
  } cases[] = {{int8, uint8, int16},        {int64, uint64, float64}, {float16, bfloat16, float32},
               {int32, float32, float64},   {bool_, int8, int8},      {uint16, float16, float32},
               {uint32, int8, int64},       {int16, float16, float32}, {uint8, bfloat16, bfloat16}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.a.str() + " + " + c.b.str());
    EXPECT_EQ(result_type(c.a, c.b), c.want);
    std::vector<double> av = array_testing::random_values(c.a, 10, 3), bv = array_testing::random_values(c.b, 10, 4);
    Array r = array_testing::make_array(av, c.a, {10}) + array_testing::make_array(bv, c.b, {10});
    ASSERT_EQ(r.dtype(), c.want);
    std::vector<double> want;
    for (size_t i = 0; i < av.size(); ++i) want.push_back(to_dtype(av[i] + bv[i], c.want));
    array_testing::expect_values(values(r), want);
  }
  for (DataType x : array_testing::all_dtypes())
    for (DataType y : array_testing::all_dtypes()) EXPECT_EQ(result_type(x, y), ir::promote_types(x, y));
}

TEST(ArrayOps, BroadcastingOverStridedTransposedAndReversedViews) {
  std::vector<double> av = array_testing::random_values(float32, 60, 5), bv = array_testing::random_values(int16, 20, 6);
  Array a = array_testing::make_array(av, float32, {3, 4, 5});
  Array b = array_testing::make_array(bv, int16, {5, 4});
  // a2[i, j, k] = a[2 - i, k, j] for k < 4 by steps of 1; b2[j, k] = b[j, 3 - k]... (5, 4) -> (5, 4)
  Array a2 = a[{Slice{{}, {}, -1}}].mT();                 // (3, 5, 4)
  Array b2 = b[{Slice{}, Slice{{}, {}, -1}}];             // (5, 4), reversed columns
  Array r = a2 * b2 - 1.5;
  ASSERT_EQ(r.shape(), Shape({3, 5, 4}));
  ASSERT_EQ(r.dtype(), float32);
  for (const auto& idx : testing::all_indices(r.shape())) {
    int64_t i = idx[0], j = idx[1], k = idx[2];
    double x = av[((2 - i) * 4 + k) * 5 + j], y = bv[j * 4 + (3 - k)];
    ASSERT_EQ(array_testing::load(r, idx), to_dtype(to_dtype(x * y, float32) - 1.5, float32));
  }
  // 0-d with 0-d, 0-d with empty, empty with empty.
  Array s = full({}, 3, int32) * full({}, 4, int32);
  EXPECT_EQ(s.ndim(), 0);
  EXPECT_EQ(s.item<int>(), 12);
  EXPECT_EQ((full({}, 2.0) + zeros({0, 3})).shape(), Shape({0, 3}));
  EXPECT_EQ((zeros({2, 0}) * zeros({1, 0})).shape(), Shape({2, 0}));
  expect_error([&] { zeros({2, 3}) + zeros({4}); }, Error::Kind::Value, "could not be broadcast");
}

TEST(ArrayOps, WeakScalarsFollowNep50) {
  struct Case {
    DataType array;
    Scalar scalar;
    DataType want;
  } cases[] = {{int8, 1, int8},          {uint8, 1, uint8},       {int8, 1.5, float64}, {float16, 1, float16},
               {float16, 1.5, float16},  {float32, 2, float32},   {bool_, 1, int64},    {bool_, 1.5, float64},
               {bool_, true, bool_},     {uint64, 3, uint64},     {bfloat16, 2.5, bfloat16}, {int16, 2.0, float64}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.array.str() + " + " + c.scalar.str());
    std::vector<double> av = array_testing::random_values(c.array, 8, 7);
    Array a = array_testing::make_array(av, c.array, {8});
    Array r = a + c.scalar, l = add(c.scalar, a);
    ASSERT_EQ(r.dtype(), c.want);
    ASSERT_EQ(l.dtype(), c.want);
    std::vector<double> want;
    double s = c.want.is_float() ? to_dtype(c.scalar.as_double(), c.want) : c.scalar.as_double();
    for (double x : av) want.push_back(to_dtype(x + s, c.want));
    array_testing::expect_values(values(r), want);
    array_testing::expect_values(values(l), want);
  }
  Array u = zeros({3}, uint8);
  EXPECT_EQ((u - 1).dtype(), uint8);
  EXPECT_EQ(values(u - 1)[0], 255);
  EXPECT_EQ((arange(0, 4, 1, int8) / 2).dtype(), float64);
  EXPECT_EQ((ones({2}, float32) / 2).dtype(), float32);
  EXPECT_EQ(add(1, 2.5).dtype(), float64);
  EXPECT_EQ(add(1, 2).dtype(), int64);
  expect_error([&] { zeros({2}, int8) + 1000; }, Error::Kind::Overflow, "Python integer 1000 out of bounds for int8");
  expect_error([&] { 300 - zeros({2}, uint8); }, Error::Kind::Overflow, "out of bounds for uint8");
  expect_error([&] { zeros({2}, uint8) * -1; }, Error::Kind::Overflow, "Python integer -1 out of bounds for uint8");
  expect_error([&] { zeros({2}, int64) + (uint64_t{1} << 63); }, Error::Kind::Overflow, "out of bounds for int64");
  // Comparisons with integers beyond the dtype's range are exact (NumPy 2).
  Array i8 = array_testing::random_array(int8, {5}, 8);
  array_testing::expect_values(values(i8 < 1000), {1, 1, 1, 1, 1});
  array_testing::expect_values(values(i8 >= 1000), {0, 0, 0, 0, 0});
  array_testing::expect_values(values(1000 > i8), {1, 1, 1, 1, 1});
  array_testing::expect_values(values(i8 == -1000), {0, 0, 0, 0, 0});
  array_testing::expect_values(values(u != -1), {1, 1, 1});
  array_testing::expect_values(values(-1 < u), {1, 1, 1});
  array_testing::expect_values(values(u <= -1), {0, 0, 0});
}

TEST(ArrayOps, InPlaceFollowsSameKindCasting) {
  std::vector<double> av = array_testing::random_values(int8, 6, 9);
  Array a = array_testing::make_array(av, int8, {2, 3});
  a += 100;  // wraps in int8
  std::vector<double> want;
  for (double x : av) want.push_back(to_dtype(x + 100, int8));
  array_testing::expect_values(values(a), want);
  a *= array_testing::make_array({1, 2, 3}, int8, {3});
  for (int i = 0; i < 6; ++i) want[i] = to_dtype(want[i] * (i % 3 + 1), int8);
  array_testing::expect_values(values(a), want);

  Array f = array_testing::make_array({1, 2, 3}, float32, {3});
  f += array_testing::make_array({0.1, 0.2, 0.3}, float64, {3});  // float64 -> float32: same kind
  array_testing::expect_values(values(f), {to_dtype(1 + 0.1, float32), to_dtype(2 + 0.2, float32), to_dtype(3 + 0.3, float32)});
  f /= 2;
  EXPECT_EQ(f.dtype(), float32);
  inplace("pow", f, 2);
  inplace("floor_divide", f, 0.5);
  EXPECT_EQ(f.dtype(), float32);

  expect_error([&] { a += 1.5; }, Error::Kind::Type, "cannot cast ufunc 'add' output from float64 to int8 with casting rule 'same_kind'");
  expect_error([&] { a /= 2; }, Error::Kind::Type, "output from float64 to int8");
  Array u8 = zeros({3}, uint8);
  expect_error([&] { u8 += array_testing::make_array({1, 2, 3}, int8, {3}); }, Error::Kind::Type, "from int16 to uint8");
  Array b = zeros({3}, bool_);
  expect_error([&] { b += 1; }, Error::Kind::Type, "from int64 to bool");
  b |= true;
  array_testing::expect_values(values(b), {1, 1, 1});
  expect_error([&] { u8 += zeros({2, 3}, uint8); }, Error::Kind::Value, "non-broadcastable output operand with shape (3,)");
  expect_error([&] { u8 += 256; }, Error::Kind::Overflow, "out of bounds for uint8");
  Array i32 = zeros({3}, int32);
  i32 -= array_testing::make_array({1, 2, 3}, uint8, {3});  // int32 result
  array_testing::expect_values(values(i32), {-1, -2, -3});
}

TEST(ArrayOps, InPlaceWithOverlappingOperands) {
  std::vector<double> v = array_testing::random_values(float64, 16, 10);
  Array a = array_testing::make_array(v, float64, {4, 4});
  a += a.T();  // NumPy reads the operands as they were before the update
  std::vector<double> want(16);
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) want[i * 4 + j] = v[i * 4 + j] + v[j * 4 + i];
  array_testing::expect_values(values(a), want);
  Array r = arange(0, 6, 1, int64);
  Array tail = r[Slice{1}];
  tail += r[Slice{{}, -1}];
  array_testing::expect_values(values(r), {0, 1, 3, 5, 7, 9});
  r -= r;
  array_testing::expect_values(values(r), {0, 0, 0, 0, 0, 0});
}

TEST(ArrayOps, UnaryOperatorsAndMath) {
  std::vector<double> v = array_testing::random_values(float64, 12, 11);
  Array a = array_testing::make_array(v, float64, {3, 4});
  Array at = a.T();  // strided input
  auto check = [&](const Array& got, double (*f)(double), double tol) {
    std::vector<double> g = values(got), in = values(at);
    for (size_t i = 0; i < g.size(); ++i) {
      double w = f(in[i]);
      if (std::isnan(w)) EXPECT_TRUE(std::isnan(g[i]));
      else EXPECT_NEAR(g[i], w, tol * std::max(1.0, std::fabs(w))) << i;
    }
  };
  check(exp(at), [](double x) { return std::exp(x); }, 1e-15);
  check(log(abs(at)), [](double x) { return std::log(std::fabs(x)); }, 1e-15);
  check(sqrt(at), [](double x) { return std::sqrt(x); }, 1e-15);
  check(sin(at), [](double x) { return std::sin(x); }, 1e-15);
  check(tanh(at), [](double x) { return std::tanh(x); }, 1e-15);
  check(-at, [](double x) { return -x; }, 0);
  check(+at, [](double x) { return x; }, 0);
  check(floor(at), [](double x) { return std::floor(x); }, 0);
  check(round(at * 2), [](double x) { return std::nearbyint(x * 2); }, 0);
  check(sign(at), [](double x) { return double((x > 0) - (x < 0)); }, 0);
  check(square(at), [](double x) { return x * x; }, 0);
  check(hypot(at, 3.0), [](double x) { return std::hypot(x, 3.0); }, 1e-15);
  check(atan2(at, -2), [](double x) { return std::atan2(x, -2.0); }, 1e-15);
  check(copysign(1.0, at), [](double x) { return std::copysign(1.0, x); }, 0);
  check(clip(at, -2, 3.5), [](double x) { return std::min(std::max(x, -2.0), 3.5); }, 0);
  Array n = full({3}, NAN);
  array_testing::expect_values(values(isnan(n)), {1, 1, 1});
  array_testing::expect_values(values(maximum(n, 1.0)), {NAN, NAN, NAN});
  array_testing::expect_values(values(n == n), {0, 0, 0});
  array_testing::expect_values(values(n != n), {1, 1, 1});
  Array i = array_testing::make_array({1, -2, 0, 5}, int32, {4});
  array_testing::expect_values(values(~i), {-2, 1, -1, -6});
  array_testing::expect_values(values(i << 2), {4, -8, 0, 20});
  array_testing::expect_values(values(i >> 1), {0, -1, 0, 2});
  array_testing::expect_values(values(logical_not(i)), {0, 0, 1, 0});
  array_testing::expect_values(values(logical_and(i, 0.5)), {1, 1, 0, 1});
  EXPECT_EQ(sqrt(i).dtype(), float64);
  EXPECT_EQ(sqrt(zeros({2}, int8)).dtype(), float16);
  expect_error([&] { bitwise_and(a, a); }, Error::Kind::Type, "bitwise_and");
  expect_error([&] { -zeros({2}, bool_); }, Error::Kind::Type, "negative");
  expect_error([&] { apply_op("no_such_op", {a}); }, Error::Kind::Value, "no operator");
}

TEST(ArrayOps, EveryLibraryOperatorIsCallable) {
  ops::ensure_registered();
  Array x = array_testing::random_array(float32, {2, 3}, 12);
  Array i = array_testing::random_array(int32, {2, 3}, 13, true);
  for (const std::string& name : ops::elementwise_op_names()) {
    SCOPED_TRACE(name);
    int arity = ops::find_op(name)->num_inputs;
    bool integer = name.rfind("bitwise", 0) == 0;
    const Array& arg = integer ? i : x;
    std::vector<Operand> operands(arity, Operand(arg));
    Array cond = x > 0;
    if (name == "where") operands[0] = Operand(cond);
    Array r = apply_op(name, operands);
    EXPECT_EQ(r.shape(), Shape({2, 3}));
  }
}

TEST(ArrayOps, OperatorsDefinedLaterAreCallableByName) {
  ops::defop(ops::elementwise("test_array_fma", 3, ops::promote_rule(ops::numeric_types()),
                              [](const ops::Values& x, DataType) { return x[0] * x[1] + x[2]; }));
  std::vector<double> v = array_testing::random_values(int16, 6, 15);
  Array a = array_testing::make_array(v, int16, {2, 3});
  Array r = apply_op("test_array_fma", {a.T(), 3, -1});  // weak scalars take int16
  ASSERT_EQ(r.dtype(), int16);
  for (const auto& idx : testing::all_indices({3, 2}))
    ASSERT_EQ(array_testing::load(r, idx), v[idx[1] * 3 + idx[0]] * 3 - 1);
  expect_error([&] { inplace("test_array_fma", a, 2); }, Error::Kind::Type, "expects 3 inputs, got 2");
}

TEST(ArrayOps, WhereAndAstype) {
  std::vector<double> xv = array_testing::random_values(int8, 6, 14);
  Array x = array_testing::make_array(xv, int8, {2, 3});
  Array c = array_testing::make_array({1, 0, 1}, bool_, {3});
  Array w = where(c, x, 1);
  ASSERT_EQ(w.dtype(), int8);
  for (int k = 0; k < 6; ++k) EXPECT_EQ(values(w)[k], k % 3 == 1 ? 1 : xv[k]);
  EXPECT_EQ(where(c, 1, 2.5).dtype(), float64);
  EXPECT_EQ(where(1, x, x).dtype(), int8);
  Array clipped = clip(x, -1000, 1000);  // bounds beyond int8 are clamped (NumPy 2.1)
  EXPECT_EQ(clipped.dtype(), int8);
  array_testing::expect_values(values(clipped), xv);

  Array f = array_testing::make_array({-2.75, -0.5, 0, 0.5, 1e10, 65519.0}, float64, {6});
  array_testing::expect_values(values(astype(f[Slice{{}, 4}], int32)), {-2, 0, 0, 0});
  array_testing::expect_values(values(astype(f, bool_)), {1, 1, 0, 1, 1, 1});
  array_testing::expect_values(values(astype(f, float16)), {-2.75, -0.5, 0, 0.5, INFINITY, 65504});
  array_testing::expect_values(values(astype(array_testing::make_array({-1, 300}, int32, {2}), uint8)), {255, 44});
  EXPECT_EQ(astype(f, float64, false).storage(), f.storage());
  EXPECT_NE(astype(f, float64).storage(), f.storage());
  EXPECT_EQ(f[0].item<double>(), -2.75);
  expect_error([&] { f.item<double>(); }, Error::Kind::Value, "can only convert an array of size 1");
}

}  // namespace
}  // namespace tessera
