// The elementwise operator library (ops/elementwise.h) against scalar references.
//
// Every operator runs on every dtype it accepts (math functions: the four floats plus one
// other dtype each, in rotation) on 1000 random elements rich in special values (NaN, +-inf,
// +-0, ties, extreme integers, subnormals), and is refused with a TypeError where NumPy
// refuses. Expected result dtypes are restated here from NumPy's casting table. A sample of
// operators then runs on other shapes and layouts (0-d, size 0, 1, 7, broadcasting, a
// transposed view, negative strides in and out, a step-2 view, in place), on mixed dtypes,
// and on special cases whose answers were taken from NumPy 2.4.
//
// References are independent scalar code (<cmath>, _Float16, a hand-written bfloat16
// rounding) run in NumPy's loop type: float32 for float16/bfloat16/float32, float64 for
// float64, wrapping integers.
//
// Tolerance policy:
//   - exact (identical bits; the sign of zero counts, any NaN matches any NaN) for
//     arithmetic, comparisons, logical and bitwise operators, rounding, predicates, sqrt,
//     copysign, nextafter, casts and selection;
//   - transcendental functions (exp ... atanh, atan2, hypot, pow on floats): reference in
//     float64 rounded to the output type; at most 4 ULP for float32/float64 outputs and
//     1 ULP for float16/bfloat16 outputs;
//   - logaddexp (NumPy's x + log1p(exp(y - x)) cancels): 4 / 1 ULP of the largest of the
//     result and the inputs' magnitudes.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <numbers>
#include <utility>

#include "ops_elementwise_harness.h"
#include "tessera/ops/elementwise.h"
#include "tessera/ops/library.h"

namespace tessera {
namespace {

using ir::DataType;
using namespace ew;

const DataType kBool = DataType::Bool(), kI8 = DataType::Int(8), kI16 = DataType::Int(16),
               kI32 = DataType::Int(32), kI64 = DataType::Int(64), kU8 = DataType::UInt(8),
               kU16 = DataType::UInt(16), kU32 = DataType::UInt(32), kU64 = DataType::UInt(64),
               kF16 = DataType::Float(16), kBF16 = DataType::BFloat16(), kF32 = DataType::Float(32),
               kF64 = DataType::Float(64);

std::vector<DataType> all_dtypes() { return {std::begin(ir::kAllDTypes), std::end(ir::kAllDTypes)}; }

// ---- NumPy's result dtypes, restated ------------------------------------------------------

// Integer bits a float holds for NumPy's "safe" casts (int64 -> float64 counts as safe).
int int_capacity(DataType f) { return f.bits == 16 ? 8 : f.bits == 32 ? 16 : 64; }

bool safe_cast(DataType from, DataType to) {
  if (from == to || from.is_bool()) return true;
  if (to.is_bool()) return false;
  if (from.is_float()) return to.is_float() && to.bits > from.bits;
  if (to.is_float()) return from.bits <= int_capacity(to);
  if (from.is_uint()) return to.is_uint() ? to.bits >= from.bits : to.bits > from.bits;
  return to.is_int() && to.bits >= from.bits;
}

// The first type every input casts to safely, in NumPy's order of loops.
std::optional<DataType> first_safe(const std::vector<DataType>& in, const std::vector<DataType>& order) {
  for (DataType c : order)
    if (std::all_of(in.begin(), in.end(), [&](DataType t) { return safe_cast(t, c); })) return c;
  return std::nullopt;
}

DataType promote(const std::vector<DataType>& in) {
  return *first_safe(in, {kBool, kU8, kI8, kU16, kI16, kBF16, kF16, kU32, kI32, kF32, kU64, kI64, kF64});
}
DataType math_float(const std::vector<DataType>& in) { return *first_safe(in, {kF16, kBF16, kF32, kF64}); }

struct Expected {
  DataType compute, out;
};
using Expect = std::function<std::optional<Expected>(const std::vector<DataType>&)>;

Expect same(std::optional<DataType> bool_as = std::nullopt, bool refuse_bool = false) {
  return [=](const std::vector<DataType>& in) -> std::optional<Expected> {
    DataType t = promote(in);
    if (t.is_bool() && refuse_bool) return std::nullopt;
    if (t.is_bool() && bool_as) t = *bool_as;
    return Expected{t, t};
  };
}
Expect no_bool() { return same(std::nullopt, true); }
Expect to_float() {
  return [](const std::vector<DataType>& in) -> std::optional<Expected> {
    DataType t = math_float(in);
    return Expected{t, t};
  };
}
Expect true_divide() {
  return [](const std::vector<DataType>& in) -> std::optional<Expected> {
    DataType t = promote(in);
    if (!t.is_float()) t = kF64;
    return Expected{t, t};
  };
}
Expect to_bool(bool compute_as_bool) {
  return [=](const std::vector<DataType>& in) -> std::optional<Expected> {
    return Expected{compute_as_bool ? kBool : promote(in), kBool};
  };
}
Expect integers_only(std::optional<DataType> bool_as) {
  return [=](const std::vector<DataType>& in) -> std::optional<Expected> {
    for (DataType t : in)
      if (t.is_float()) return std::nullopt;
    DataType t = promote(in);
    if (t.is_float()) return std::nullopt;
    if (t.is_bool() && bool_as) t = *bool_as;
    return Expected{t, t};
  };
}

// ---- references ---------------------------------------------------------------------------

template <class T> constexpr bool kIsFloat = std::is_floating_point_v<T>;
template <class T> constexpr bool kIsBool = std::is_same_v<T, bool>;
template <class T> constexpr bool kIsInt = std::is_integral_v<T> && !kIsBool<T>;

// Integer arithmetic modulo 2^64, truncated to T, so nothing overflows in C++.
template <class T> T wrap(uint64_t v) { return static_cast<T>(v); }
template <class T> uint64_t u(T v) { return static_cast<uint64_t>(v); }

template <class T> T int_floor_div(T a, T b) {
  if (b == 0) return 0;
  if constexpr (std::is_signed_v<T>)
    if (a == std::numeric_limits<T>::min() && b == T(-1)) return a;
  T q = static_cast<T>(a / b);
  if (a % b != 0 && ((a < 0) != (b < 0))) q = static_cast<T>(q - 1);
  return q;
}

template <class T> T int_floor_mod(T a, T b) {
  if (b == 0) return 0;
  if constexpr (std::is_signed_v<T>)
    if (a == std::numeric_limits<T>::min() && b == T(-1)) return 0;
  T r = static_cast<T>(a % b);
  if (r != 0 && ((r < 0) != (b < 0))) r = static_cast<T>(r + b);
  return r;
}

// NumPy's npy_divmod (floor_divide and remainder on floats), in the loop's type.
template <class T> std::pair<T, T> np_divmod(T a, T b) {
  T mod = std::fmod(a, b);
  if (b == 0) return {a / b, mod};
  T div = (a - mod) / b;
  if (mod != 0) {
    if ((b < 0) != (mod < 0)) {
      mod += b;
      div -= 1;
    }
  } else {
    mod = std::copysign(T(0), b);
  }
  T floordiv;
  if (div != 0) {
    floordiv = std::floor(div);
    if (div - floordiv > T(0.5)) floordiv += 1;
  } else {
    floordiv = std::copysign(T(0), a / b);
  }
  return {floordiv, mod};
}

template <class T> T int_pow(T base, T e) {
  if constexpr (std::is_signed_v<T>)
    if (e < 0) return base == 1 ? T(1) : base == -1 ? T((e & 1) ? -1 : 1) : T(0);  // NumPy raises
  uint64_t r = 1, b = u(base), n = u(e);
  for (; n; n >>= 1, b *= b)
    if (n & 1) r *= b;
  return wrap<T>(r);
}

// NumPy maximum/minimum: NaN from either side; signed-zero ties give the first operand in
// the float16 loop and the second in the float32/float64 loops.
template <class T> T np_max(T a, T b) {
  if constexpr (kIsFloat<T>) {
    if (std::isnan(a)) return a;
    if (std::isnan(b) || b > a) return b;
    return a > b || current_compute().is_float16() ? a : b;
  } else if constexpr (kIsBool<T>) {
    return a || b;
  } else {
    return std::max(a, b);
  }
}
template <class T> T np_min(T a, T b) {
  if constexpr (kIsFloat<T>) {
    if (std::isnan(a)) return a;
    if (std::isnan(b) || b < a) return b;
    return a < b || current_compute().is_float16() ? a : b;
  } else if constexpr (kIsBool<T>) {
    return a && b;
  } else {
    return std::min(a, b);
  }
}

// One step of a 16-bit float toward y, on its own bit pattern. float16 returns x when x == y
// (NumPy's npy_half_nextafter); bfloat16 returns y, as C's nextafter does.
float nextafter16(float x, float y, DataType t) {
  if (std::isnan(x) || std::isnan(y)) return NAN;
  if (x == y) return t.is_float16() ? x : y;
  if (x == 0) return static_cast<float>(std::copysign(decode(t, 1).f, y));
  uint64_t bits = encode_float(t, x);
  return static_cast<float>(decode(t, (y > x) == (x > 0) ? bits + 1 : bits - 1).f);
}

// A math function of doubles applied to float arguments (other types never reach it).
template <class F> auto on_double(F f) {
  return [f](auto... x) {
    if constexpr ((kIsFloat<decltype(x)> && ...)) return f(static_cast<double>(x)...);
    else return 0.0;
  };
}

const Tol kExact = Tol::exact();
const Tol kMath = Tol::ulp(4, 1);

// ---- the sweep over dtypes ----------------------------------------------------------------

uint64_t seed_for(const std::string& op, DataType t, size_t k) {
  return std::hash<std::string>()(op) ^ (static_cast<uint64_t>(t.code) << 40) ^ (uint64_t{t.bits} << 48) ^ (k * 0x9E3779B97F4A7C15ull);
}

void expect_type_error(const std::string& op, const std::vector<Array*>& ins) {
  std::vector<const DLTensor*> in_dl;
  for (Array* a : ins) in_dl.push_back(a->get());
  Array out(ins[0]->dt, broadcast_shape(ins));
  try {
    ops::call(op, in_dl, {out.get()});
    ADD_FAILURE() << op << "(" << ins[0]->dt.str() << ", ...) should raise a TypeError";
  } catch (const ops::OpError& e) {
    EXPECT_EQ(e.kind(), ops::OpError::Kind::Type) << e.what();
  }
}

// Runs `op` with every input of dtype t, for each t in `dtypes`.
template <size_t N, class Ref>
void sweep(const std::string& op, const Expect& expect, Ref ref, Tol tol, const std::vector<DataType>& dtypes = all_dtypes()) {
  for (DataType t : dtypes) {
    std::vector<Array> arrays;
    for (size_t k = 0; k < N; ++k) {
      arrays.emplace_back(t, std::vector<int64_t>{1000});
      fill(arrays.back(), seed_for(op, t, k));
    }
    std::vector<Array*> ins;
    for (Array& a : arrays) ins.push_back(&a);
    std::optional<Expected> e = expect(std::vector<DataType>(N, t));
    if (!e) expect_type_error(op, ins);
    else check<N>(op, ins, e->compute, e->out, ref, tol);
  }
}

// The four floats and one other dtype, rotating with `i` so every dtype is covered.
std::vector<DataType> floats_and_one(int i) {
  const DataType others[] = {kBool, kI8, kU8, kI16, kU16, kI32, kU32, kI64, kU64};
  return {kF16, kBF16, kF32, kF64, others[i % 9]};
}

// ---- registration --------------------------------------------------------------------------

TEST(ElementwiseLibrary, EveryOperatorIsRegistered) {
  ops::ensure_registered();
  ops::register_elementwise_ops();  // idempotent
  EXPECT_EQ(ops::elementwise_op_names().size(), 65u);
  for (const std::string& name : ops::elementwise_op_names()) EXPECT_NE(ops::find_op(name), nullptr) << name;
  for (DataType t : ir::kAllDTypes) EXPECT_NE(ops::find_op(ops::astype_op_name(t)), nullptr) << t.str();
  EXPECT_EQ(ops::astype_op_name(kF32), "astype_float32");
}

// Failures that `f` reports, intercepted rather than failing the test.
template <class F> int failures_of(F f) {
  ::testing::TestPartResultArray results;
  {
    ::testing::ScopedFakeTestPartResultReporter reporter(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &results);
    f();
  }
  return results.size();
}

// The checker itself: a reference one unit off, a wrong signed-zero tie, a math reference
// off by about 8 ULP and a missing TypeError must all be reported.
TEST(ElementwiseLibrary, CheckerCatchesMistakes) {
  Array a = Array(kF64, {200}), b = Array(kF64, {200});
  fill(a, 1);
  fill(b, 2);
  a.set_raw(0, encode_float(kF64, 0.0));
  b.set_raw(0, encode_float(kF64, -0.0));
  EXPECT_GT(failures_of([&] {
    check<2>("add", {&a, &b}, kF64, kF64, [](auto x, auto y) { return std::nextafter(static_cast<double>(x + y), INFINITY); }, kExact);
  }), 0);
  EXPECT_EQ(failures_of([&] {
    check<2>("maximum", {&a, &b}, kF64, kF64, [](auto x, auto y) {
      return x == y ? x : np_max(x, y);  // float16's tie rule, wrong for float64
    }, kExact);
  }), 1);
  Array f(kF32, {200});
  fill(f, 3);
  EXPECT_GT(failures_of([&] {
    check<1>("sin", {&f}, kF32, kF32, on_double([](double x) { return std::sin(x) * (1 + 1e-6); }), kMath);
  }), 0);
  EXPECT_EQ(failures_of([&] { expect_type_error("add", {&a, &b}); }), 1);
}

// ---- arithmetic --------------------------------------------------------------------------

TEST(Elementwise, AddSubtractMultiply) {
  sweep<2>("add", same(), [](auto a, auto b) {
    using T = decltype(a);
    if constexpr (kIsBool<T>) return a || b;
    else if constexpr (kIsFloat<T>) return T(a + b);
    else return wrap<T>(u(a) + u(b));
  }, kExact);
  sweep<2>("subtract", no_bool(), [](auto a, auto b) {
    using T = decltype(a);
    if constexpr (kIsFloat<T>) return T(a - b);
    else return wrap<T>(u(a) - u(b));
  }, kExact);
  sweep<2>("multiply", same(), [](auto a, auto b) {
    using T = decltype(a);
    if constexpr (kIsBool<T>) return a && b;
    else if constexpr (kIsFloat<T>) return T(a * b);
    else return wrap<T>(u(a) * u(b));
  }, kExact);
}

TEST(Elementwise, Divisions) {
  sweep<2>("divide", true_divide(), [](auto a, auto b) {
    if constexpr (kIsFloat<decltype(a)>) return a / b;
    else return 0.0;
  }, kExact);
  sweep<2>("floor_divide", same(kI8), [](auto a, auto b) {
    using T = decltype(a);
    if constexpr (kIsFloat<T>) return np_divmod(a, b).first;
    else if constexpr (kIsInt<T>) return int_floor_div(a, b);
    else return a;
  }, kExact);
  sweep<2>("remainder", same(kI8), [](auto a, auto b) {
    using T = decltype(a);
    if constexpr (kIsFloat<T>) return np_divmod(a, b).second;
    else if constexpr (kIsInt<T>) return int_floor_mod(a, b);
    else return a;
  }, kExact);
  sweep<1>("reciprocal", to_float(), [](auto x) {
    using T = decltype(x);
    if constexpr (kIsFloat<T>) return T(1) / x;
    else return 0.0;
  }, kExact, floats_and_one(3));
}

TEST(Elementwise, Pow) {
  // Integers: exact wrapping powers; floats: std::pow in float64.
  sweep<2>("pow", same(kI8), [](auto a, auto b) {
    using T = decltype(a);
    if constexpr (kIsFloat<T>) return std::pow(static_cast<double>(a), static_cast<double>(b));
    else return 0.0;
  }, kMath, {kF16, kBF16, kF32, kF64});
  sweep<2>("pow", same(kI8), [](auto a, auto b) {
    using T = decltype(a);
    if constexpr (kIsInt<T>) return int_pow(a, b);
    else return a;
  }, kExact, {kBool, kI8, kI16, kI32, kI64, kU8, kU16, kU32, kU64});
}

TEST(Elementwise, UnaryArithmetic) {
  sweep<1>("negative", no_bool(), [](auto x) {
    using T = decltype(x);
    if constexpr (kIsFloat<T>) return T(-x);
    else return wrap<T>(0 - u(x));
  }, kExact);
  sweep<1>("positive", no_bool(), [](auto x) { return x; }, kExact);
  sweep<1>("abs", same(), [](auto x) {
    using T = decltype(x);
    if constexpr (kIsFloat<T>) return std::fabs(x);
    else if constexpr (std::is_signed_v<T>) return x < 0 ? wrap<T>(0 - u(x)) : x;
    else return x;
  }, kExact);
  sweep<1>("sign", no_bool(), [](auto x) {
    using T = decltype(x);
    if constexpr (kIsFloat<T>) return x > 0 ? T(1) : x < 0 ? T(-1) : x == 0 ? T(0) : x;
    else return T((x > 0) - (x < 0));
  }, kExact);
  sweep<1>("square", same(kI8), [](auto x) {
    using T = decltype(x);
    if constexpr (kIsFloat<T>) return T(x * x);
    else return wrap<T>(u(x) * u(x));
  }, kExact);
}

TEST(Elementwise, MaximumMinimumClip) {
  sweep<2>("maximum", same(), [](auto a, auto b) { return np_max(a, b); }, kExact);
  sweep<2>("minimum", same(), [](auto a, auto b) { return np_min(a, b); }, kExact);
  sweep<3>("clip", same(), [](auto x, auto lo, auto hi) { return np_min(np_max(x, lo), hi); }, kExact);
}

// ---- math ------------------------------------------------------------------------------------

TEST(Elementwise, TranscendentalUnary) {
  int i = 0;
  sweep<1>("exp", to_float(), on_double([](double x) { return std::exp(x); }), kMath, floats_and_one(i++));
  sweep<1>("expm1", to_float(), on_double([](double x) { return std::expm1(x); }), kMath, floats_and_one(i++));
  sweep<1>("log", to_float(), on_double([](double x) { return std::log(x); }), kMath, floats_and_one(i++));
  sweep<1>("log1p", to_float(), on_double([](double x) { return std::log1p(x); }), kMath, floats_and_one(i++));
  sweep<1>("log2", to_float(), on_double([](double x) { return std::log2(x); }), kMath, floats_and_one(i++));
  sweep<1>("log10", to_float(), on_double([](double x) { return std::log10(x); }), kMath, floats_and_one(i++));
  sweep<1>("sin", to_float(), on_double([](double x) { return std::sin(x); }), kMath, floats_and_one(i++));
  sweep<1>("cos", to_float(), on_double([](double x) { return std::cos(x); }), kMath, floats_and_one(i++));
  sweep<1>("tan", to_float(), on_double([](double x) { return std::tan(x); }), kMath, floats_and_one(i++));
  sweep<1>("asin", to_float(), on_double([](double x) { return std::asin(x); }), kMath, floats_and_one(i++));
  sweep<1>("acos", to_float(), on_double([](double x) { return std::acos(x); }), kMath, floats_and_one(i++));
  sweep<1>("atan", to_float(), on_double([](double x) { return std::atan(x); }), kMath, floats_and_one(i++));
  sweep<1>("sinh", to_float(), on_double([](double x) { return std::sinh(x); }), kMath, floats_and_one(i++));
  sweep<1>("cosh", to_float(), on_double([](double x) { return std::cosh(x); }), kMath, floats_and_one(i++));
  sweep<1>("tanh", to_float(), on_double([](double x) { return std::tanh(x); }), kMath, floats_and_one(i++));
  sweep<1>("asinh", to_float(), on_double([](double x) { return std::asinh(x); }), kMath, floats_and_one(i++));
  sweep<1>("acosh", to_float(), on_double([](double x) { return std::acosh(x); }), kMath, floats_and_one(i++));
  sweep<1>("atanh", to_float(), on_double([](double x) { return std::atanh(x); }), kMath, floats_and_one(i++));
  sweep<1>("sqrt", to_float(), on_double([](double x) { return std::sqrt(x); }), kExact, floats_and_one(i++));
}

TEST(Elementwise, BinaryMath) {
  sweep<2>("atan2", to_float(), on_double([](double y, double x) { return std::atan2(y, x); }), kMath, floats_and_one(1));
  sweep<2>("hypot", to_float(), on_double([](double x, double y) { return std::hypot(x, y); }), kMath, floats_and_one(2));
  sweep<2>("copysign", to_float(), [](auto x, auto y) {
    if constexpr (kIsFloat<decltype(x)>) return std::copysign(x, y);
    else return 0.0;
  }, kExact, floats_and_one(4));
  sweep<2>("nextafter", to_float(), [](auto x, auto y) {
    using T = decltype(x);
    if constexpr (std::is_same_v<T, float>) {
      DataType t = current_compute();
      return t == kF32 ? std::nextafter(x, y) : nextafter16(x, y, t);
    } else if constexpr (kIsFloat<T>) {
      return std::nextafter(x, y);
    } else {
      return 0.0;
    }
  }, kExact, floats_and_one(6));
  sweep<2>("logaddexp", to_float(), [](auto x, auto y) {
    using T = decltype(x);
    if constexpr (kIsFloat<T>) {
      if (x == y) return T(x + T(std::numbers::ln2));
      T d = x - y;
      if (d > 0) return T(x + T(std::log1p(std::exp(-static_cast<double>(d)))));
      if (d <= 0) return T(y + T(std::log1p(std::exp(static_cast<double>(d)))));
      return d;
    } else {
      return T(0);
    }
  }, Tol::ulp_of_inputs(4, 1), floats_and_one(8));
}

TEST(Elementwise, RoundingAndPredicates) {
  auto rounding = [](auto f) {
    return [f](auto x) {
      if constexpr (kIsFloat<decltype(x)>) return decltype(x)(f(x));
      else return x;
    };
  };
  sweep<1>("floor", same(), rounding([](auto x) { return std::floor(x); }), kExact);
  sweep<1>("ceil", same(), rounding([](auto x) { return std::ceil(x); }), kExact);
  sweep<1>("trunc", same(), rounding([](auto x) { return std::trunc(x); }), kExact);
  sweep<1>("round", same(kF16), rounding([](auto x) { return std::nearbyint(x); }), kExact);  // ties to even

  Expect pred = [](const std::vector<DataType>& in) -> std::optional<Expected> { return Expected{in[0], kBool}; };
  sweep<1>("isnan", pred, [](auto x) {
    if constexpr (kIsFloat<decltype(x)>) return std::isnan(x);
    else return false;
  }, kExact);
  sweep<1>("isinf", pred, [](auto x) {
    if constexpr (kIsFloat<decltype(x)>) return std::isinf(x);
    else return false;
  }, kExact);
  sweep<1>("isfinite", pred, [](auto x) {
    if constexpr (kIsFloat<decltype(x)>) return std::isfinite(x);
    else return true;
  }, kExact);
  sweep<1>("signbit", pred, [](auto x) {
    using T = decltype(x);
    if constexpr (kIsFloat<T>) return std::signbit(x);
    else if constexpr (std::is_signed_v<T>) return x < 0;
    else return false;
  }, kExact);
}

// ---- comparison, logical, bitwise -----------------------------------------------------------

TEST(Elementwise, Comparisons) {
  sweep<2>("equal", to_bool(false), [](auto a, auto b) { return a == b; }, kExact);
  sweep<2>("not_equal", to_bool(false), [](auto a, auto b) { return a != b; }, kExact);
  sweep<2>("less", to_bool(false), [](auto a, auto b) { return a < b; }, kExact);
  sweep<2>("less_equal", to_bool(false), [](auto a, auto b) { return a <= b; }, kExact);
  sweep<2>("greater", to_bool(false), [](auto a, auto b) { return a > b; }, kExact);
  sweep<2>("greater_equal", to_bool(false), [](auto a, auto b) { return a >= b; }, kExact);
}

// Signed integers beside uint64 compare exactly (NumPy 2), not through float64.
TEST(Elementwise, SignedAgainstUint64ComparesExactly) {
  for (DataType s : {kI8, kI64}) {
    Array a(s, {500}), b(kU64, {500});
    fill(a, 11);
    fill(b, 12);
    for (int64_t e = 0; e < 50; ++e) b.set_raw(e, a.raw(e));  // equal bit patterns, some negative
    b.set_raw(50, (uint64_t{1} << 53) + 1);
    a.set_raw(50, mask_bits(s, uint64_t{1} << 53));  // 2^53 (int64) vs 2^53 + 1: float64 would say equal
    const std::pair<const char*, std::function<bool(int64_t, uint64_t)>> ops_[] = {
        {"equal", [](int64_t x, uint64_t y) { return std::cmp_equal(x, y); }},
        {"not_equal", [](int64_t x, uint64_t y) { return std::cmp_not_equal(x, y); }},
        {"less", [](int64_t x, uint64_t y) { return std::cmp_less(x, y); }},
        {"less_equal", [](int64_t x, uint64_t y) { return std::cmp_less_equal(x, y); }},
        {"greater", [](int64_t x, uint64_t y) { return std::cmp_greater(x, y); }},
        {"greater_equal", [](int64_t x, uint64_t y) { return std::cmp_greater_equal(x, y); }},
    };
    for (const auto& [name, ref] : ops_) {
      for (bool swapped : {false, true}) {
        Array out(kBool, {500});
        if (swapped) ops::call(name, {b.get(), a.get()}, {out.get()});
        else ops::call(name, {a.get(), b.get()}, {out.get()});
        for (int64_t e = 0; e < 500; ++e) {
          int64_t x = decode(s, a.raw(e)).i;
          uint64_t y = b.raw(e);
          // Swapped: name(y, x), i.e. the mirrored comparison of (x, y).
          bool want = swapped ? (std::string(name) == "less"            ? std::cmp_greater(x, y)
                                 : std::string(name) == "less_equal"    ? std::cmp_greater_equal(x, y)
                                 : std::string(name) == "greater"       ? std::cmp_less(x, y)
                                 : std::string(name) == "greater_equal" ? std::cmp_less_equal(x, y)
                                                                         : ref(x, y))
                              : ref(x, y);
          ASSERT_EQ(out.raw(e) != 0, want) << name << (swapped ? " swapped " : " ") << s.str() << " " << x << " vs " << y;
        }
      }
    }
  }
}

TEST(Elementwise, Logical) {
  std::vector<DataType> sample = {kBool, kI8, kU32, kF16, kBF16, kF64};
  sweep<2>("logical_and", to_bool(true), [](auto a, auto b) { return bool(a) && bool(b); }, kExact, sample);
  sweep<2>("logical_or", to_bool(true), [](auto a, auto b) { return bool(a) || bool(b); }, kExact, sample);
  sweep<2>("logical_xor", to_bool(true), [](auto a, auto b) { return bool(a) != bool(b); }, kExact, sample);
  sweep<1>("logical_not", to_bool(true), [](auto a) { return !bool(a); }, kExact, sample);
}

TEST(Elementwise, Bitwise) {
  auto bits = [](auto f) {
    return [f](auto a, auto b) {
      using T = decltype(a);
      if constexpr (std::is_integral_v<T>) return static_cast<T>(f(a, b));
      else return a;
    };
  };
  sweep<2>("bitwise_and", integers_only(std::nullopt), bits([](auto a, auto b) { return a & b; }), kExact);
  sweep<2>("bitwise_or", integers_only(std::nullopt), bits([](auto a, auto b) { return a | b; }), kExact);
  sweep<2>("bitwise_xor", integers_only(std::nullopt), bits([](auto a, auto b) { return a ^ b; }), kExact);
  sweep<1>("bitwise_invert", integers_only(std::nullopt), [](auto x) {
    using T = decltype(x);
    if constexpr (kIsBool<T>) return !x;
    else if constexpr (kIsInt<T>) return static_cast<T>(~x);
    else return x;
  }, kExact);
  // Amounts outside [0, bits) give 0, or -1 for a right shift of a negative value.
  sweep<2>("bitwise_left_shift", integers_only(kI8), [](auto a, auto s) {
    using T = decltype(a);
    if constexpr (kIsInt<T>) {
      if (static_cast<int64_t>(s) < 0 || static_cast<uint64_t>(s) >= sizeof(T) * 8) return T(0);
      return wrap<T>(u(a) << s);
    } else {
      return a;
    }
  }, kExact);
  sweep<2>("bitwise_right_shift", integers_only(kI8), [](auto a, auto s) {
    using T = decltype(a);
    if constexpr (kIsInt<T>) {
      if (static_cast<int64_t>(s) < 0 || static_cast<uint64_t>(s) >= sizeof(T) * 8) return T(a < 0 ? -1 : 0);
      return T(a >> s);
    } else {
      return a;
    }
  }, kExact);
}

// ---- where and astype -----------------------------------------------------------------------

TEST(Elementwise, Where) {
  const std::tuple<DataType, DataType, DataType> cases[] = {
      {kBool, kF32, kF32}, {kBool, kI8, kU8}, {kF64, kI8, kF16}, {kI32, kBF16, kF16}, {kBool, kBool, kBool}, {kU8, kI64, kU64}};
  int seed = 0;
  for (const auto& [ct, xt, yt] : cases) {
    Array c(ct, {4, 1, 9}), x(xt, {6, 9}), y(yt, {4, 6, 1});
    fill(c, ++seed);
    fill(x, ++seed);
    fill(y, ++seed);
    DataType t = promote({xt, yt});
    Array out(t, {4, 6, 9});
    ops::call("where", {c.get(), x.get(), y.get()}, {out.get()});
    with_compute_type(t, [&]<class T>() {
      for (const auto& idx : indices_of(out.shape)) {
        bool defined = true;
        bool cond = cast_to<bool>(decode(ct, c.raw(c.elem_at(idx))), kBool, &defined);
        const Array& pick = cond ? x : y;
        T v = cast_to<T>(decode(pick.dt, pick.raw(pick.elem_at(idx))), t, &defined);
        uint64_t want = t.is_float() ? encode_float(t, static_cast<double>(v)) : t.is_bool() ? uint64_t(v != 0) : mask_bits(t, u(v));
        ASSERT_TRUE(close_enough(t, out.raw(out.elem_at(idx)), want, kExact, 0))
            << "where(" << ct.str() << ", " << xt.str() << ", " << yt.str() << ") at " << ::testing::PrintToString(idx);
      }
    });
  }
}

TEST(Elementwise, Astype) {
  // NumPy casts: floats to integers truncate (out-of-range elements are unspecified and
  // skipped), anything to bool is "!= 0", narrowing rounds to nearest even, integers wrap.
  for (DataType from : ir::kAllDTypes)
    for (DataType to : ir::kAllDTypes) {
      Array x(from, {300});
      fill(x, seed_for("astype", from, static_cast<size_t>(to.code) * 100 + to.bits));
      check<1>(ops::astype_op_name(to), {&x}, to, to, [](auto v) { return v; }, kExact);
    }
  // The helper picks the operator by the output's dtype.
  Array x(kF64, {5}), out(kI16, {5});
  const double values[] = {-1.7, 2.9, -0.0, 32767.9, -32768.5};
  for (int e = 0; e < 5; ++e) x.set_raw(e, encode_float(kF64, values[e]));
  ops::astype(x.get(), out.get());
  const int16_t want[] = {-1, 2, 0, 32767, -32768};
  for (int e = 0; e < 5; ++e) EXPECT_EQ(static_cast<int16_t>(out.raw(e)), want[e]);
}

// ---- shapes and layouts ----------------------------------------------------------------------

// A sample of operators over shapes and layouts the dtype sweep does not reach.
TEST(Elementwise, ShapesAndLayouts) {
  struct Shapes {
    std::vector<int64_t> a, b;
    Layout la, lb, out;
  };
  const Shapes shapes[] = {
      {{}, {}, Layout::Compact, Layout::Compact, Layout::Compact},                 // 0-d
      {{0}, {0}, Layout::Compact, Layout::Compact, Layout::Compact},               // empty
      {{3, 0}, {1, 0}, Layout::Compact, Layout::Compact, Layout::Compact},         // empty, broadcast
      {{1}, {1}, Layout::Compact, Layout::Compact, Layout::Compact},
      {{7}, {7}, Layout::Step2, Layout::Reversed, Layout::Compact},
      {{3, 1, 5}, {4, 5}, Layout::Compact, Layout::Compact, Layout::Compact},      // broadcast
      {{5, 7}, {5, 7}, Layout::Transposed, Layout::Compact, Layout::Compact},      // transposed view
      {{6, 7}, {7}, Layout::Reversed, Layout::Compact, Layout::Reversed},          // negative strides
      {{2, 3, 4, 5}, {}, Layout::Transposed, Layout::Compact, Layout::Step2},      // rank 4, scalar
  };
  int seed = 100;
  for (const Shapes& s : shapes) {
    auto two = [&](DataType ta, DataType tb) {
      auto a = std::make_unique<Array>(ta, s.a, s.la), b = std::make_unique<Array>(tb, s.b, s.lb);
      fill(*a, ++seed);
      fill(*b, ++seed);
      return std::make_pair(std::move(a), std::move(b));
    };
    {
      auto [a, b] = two(kF32, kF32);
      check<2>("add", {a.get(), b.get()}, kF32, kF32, [](auto x, auto y) { return x + y; }, kExact, s.out);
      check<2>("floor_divide", {a.get(), b.get()}, kF32, kF32, [](auto x, auto y) {
        if constexpr (kIsFloat<decltype(x)>) return np_divmod(x, y).first;
        else return x;
      }, kExact, s.out);
      check<2>("maximum", {a.get(), b.get()}, kF32, kF32, [](auto x, auto y) { return np_max(x, y); }, kExact, s.out);
      check<2>("less", {a.get(), b.get()}, kF32, kBool, [](auto x, auto y) { return x < y; }, kExact, s.out);
      check<1>("sin", {a.get()}, kF32, kF32, on_double([](double x) { return std::sin(x); }), kMath, s.out);
    }
    {
      auto [a, b] = two(kI16, kU8);  // mixed: int16
      check<2>("remainder", {a.get(), b.get()}, kI16, kI16, [](auto x, auto y) {
        if constexpr (kIsInt<decltype(x)>) return int_floor_mod(x, y);
        else return x;
      }, kExact, s.out);
      check<2>("bitwise_right_shift", {a.get(), b.get()}, kI16, kI16, [](auto x, auto y) {
        using T = decltype(x);
        if constexpr (kIsInt<T>) return (y < 0 || y >= 16) ? T(x < 0 ? -1 : 0) : T(x >> y);
        else return x;
      }, kExact, s.out);
    }
    {
      auto [a, b] = two(kF16, kBF16);  // mixed: float32
      check<2>("multiply", {a.get(), b.get()}, kF32, kF32, [](auto x, auto y) { return x * y; }, kExact, s.out);
      check<1>("astype_bfloat16", {a.get()}, kBF16, kBF16, [](auto x) { return x; }, kExact, s.out);
      check<1>("exp", {a.get()}, kF16, kF16, on_double([](double x) { return std::exp(x); }), kMath, s.out);
    }
  }
}

TEST(Elementwise, MixedDtypes) {
  struct Pair {
    DataType a, b;
  };
  const Pair pairs[] = {{kI8, kU8}, {kI16, kU16}, {kI8, kF16}, {kI16, kF16}, {kBool, kI32}, {kU64, kI64},
                        {kI32, kF32}, {kU32, kI8}, {kF16, kF64}, {kBF16, kI8}};
  int seed = 500;
  for (const Pair& p : pairs) {
    Array a(p.a, {3, 40}), b(p.b, {40});
    fill(a, ++seed);
    fill(b, ++seed);
    std::vector<Array*> ins = {&a, &b};
    DataType t = promote({p.a, p.b});
    check<2>("add", ins, t, t, [](auto x, auto y) {
      using T = decltype(x);
      if constexpr (kIsBool<T>) return x || y;
      else if constexpr (kIsFloat<T>) return T(x + y);
      else return wrap<T>(u(x) + u(y));
    }, kExact);
    DataType d = t.is_float() ? t : kF64;
    check<2>("divide", ins, d, d, [](auto x, auto y) {
      if constexpr (kIsFloat<decltype(x)>) return x / y;
      else return 0.0;
    }, kExact);
    DataType f = math_float({p.a, p.b});
    check<2>("atan2", ins, f, f, on_double([](double y, double x) { return std::atan2(y, x); }), kMath);
    if (!(p.a == kU64 && p.b == kI64))
      check<2>("greater_equal", ins, t, kBool, [](auto x, auto y) { return x >= y; }, kExact);
  }
}

TEST(Elementwise, InPlace) {
  Array a(kF32, {257}), b(kF32, {257});
  fill(a, 1);
  fill(b, 2);
  Array a0 = a;
  ops::call("multiply", {a.get(), b.get()}, {a.get()});
  for (int64_t e = 0; e < 257; ++e) {
    float want = static_cast<float>(decode(kF32, a0.raw(e)).f * decode(kF32, b.raw(e)).f);
    ASSERT_TRUE(close_enough(kF32, a.raw(e), encode_float(kF32, want), kExact, 0)) << e;
  }
}

// ---- special cases, answers from NumPy 2.4 ---------------------------------------------------

Array values(DataType t, const std::vector<double>& v) {
  Array a(t, {static_cast<int64_t>(v.size())});
  for (size_t e = 0; e < v.size(); ++e)
    a.set_raw(e, t.is_float() ? encode_float(t, v[e]) : mask_bits(t, static_cast<uint64_t>(static_cast<int64_t>(v[e]))));
  return a;
}

void expect_numpy(const std::string& op, std::vector<Array> ins, DataType out_t, const std::vector<double>& want) {
  Array out(out_t, {static_cast<int64_t>(want.size())});
  std::vector<const DLTensor*> in_dl;
  for (Array& a : ins) in_dl.push_back(a.get());
  ops::call(op, in_dl, {out.get()});
  Array expected = values(out_t, want);
  for (size_t e = 0; e < want.size(); ++e)
    EXPECT_TRUE(close_enough(out_t, out.raw(e), expected.raw(e), kExact, 0))
        << op << " element " << e << ": expected " << want[e] << ", got " << decode(out_t, out.raw(e)).str();
}

TEST(Elementwise, NumPySpecialCases) {
  const double inf = INFINITY, nan = NAN;
  const std::vector<double> a = {inf, -inf, 1.0, -1.0, 0.0, -0.0, 5.0, -5.0, nan, 1.0, 0.0, -7.0, 7.0};
  const std::vector<double> b = {1.0, 1.0, inf, inf, 0.0, 0.0, 0.0, 0.0, 1.0, -inf, -3.0, 2.0, -2.0};
  expect_numpy("floor_divide", {values(kF64, a), values(kF64, b)}, kF64,
               {nan, nan, 0.0, -1.0, nan, nan, inf, -inf, nan, -1.0, -0.0, -4.0, -4.0});
  expect_numpy("remainder", {values(kF64, a), values(kF64, b)}, kF64,
               {nan, nan, 1.0, inf, nan, nan, nan, nan, nan, -inf, -0.0, 1.0, -1.0});
  expect_numpy("floor_divide", {values(kF64, {0.0, -0.0, 0.0, -0.0, 1e-300, -1e-300}), values(kF64, {3.0, 3.0, -3.0, -3.0, 1e300, 1e300})},
               kF64, {0.0, -0.0, -0.0, 0.0, 0.0, -1.0});
  expect_numpy("floor_divide", {values(kI8, {-128, 5, -7, 7}), values(kI8, {-1, 0, 2, -2})}, kI8, {-128, 0, -4, -4});
  expect_numpy("remainder", {values(kI8, {-128, 5, -7, 7}), values(kI8, {-1, 0, 2, -2})}, kI8, {0, 0, 1, -1});
  expect_numpy("sign", {values(kF64, {-0.0, 0.0, nan, -2.0, inf})}, kF64, {0.0, 0.0, nan, -1.0, 1.0});
  expect_numpy("sign", {values(kF16, {-0.0, -5.0})}, kF16, {0.0, -1.0});
  expect_numpy("maximum", {values(kF64, {0.0, -0.0, nan, 1.0}), values(kF64, {-0.0, 0.0, 1.0, nan})}, kF64, {-0.0, 0.0, nan, nan});
  expect_numpy("minimum", {values(kF32, {0.0, -0.0}), values(kF32, {-0.0, 0.0})}, kF32, {-0.0, 0.0});
  expect_numpy("maximum", {values(kF16, {0.0, -0.0}), values(kF16, {-0.0, 0.0})}, kF16, {0.0, -0.0});
  expect_numpy("clip", {values(kF64, {0.0, -0.0, 1.0, nan}), values(kF64, {-0.0, 0.0, nan, 0.0}), values(kF64, {1.0, 1.0, 2.0, 2.0})},
               kF64, {-0.0, 0.0, nan, nan});
  expect_numpy("clip", {values(kF16, {0.0, -0.0}), values(kF16, {-0.0, 0.0}), values(kF16, {1.0, 1.0})}, kF16, {0.0, -0.0});
  expect_numpy("clip", {values(kI8, {5, -5, 0}), values(kI8, {3, 3, 3}), values(kI8, {1, 1, 1})}, kI8, {1, 1, 1});
  expect_numpy("nextafter", {values(kF16, {0.0, 0.0}), values(kF16, {-0.0, 1.0})}, kF16, {0.0, 0x1p-24});
  expect_numpy("nextafter", {values(kF32, {0.0, 1.0}), values(kF32, {-0.0, 2.0})}, kF32, {-0.0, 1.0 + 0x1p-23});
  expect_numpy("logaddexp", {values(kF64, {inf, -inf, inf, nan, -inf}), values(kF64, {inf, -inf, -inf, 1.0, 3.0})}, kF64,
               {inf, -inf, inf, nan, 3.0});
  expect_numpy("logaddexp", {values(kF16, {10.0}), values(kF16, {10.0})}, kF16, {10.6953125});
  expect_numpy("round", {values(kF64, {0.5, 1.5, 2.5, -0.5, -2.5, -0.4})}, kF64, {0.0, 2.0, 2.0, -0.0, -2.0, -0.0});
  expect_numpy("round", {values(kBool, {1, 0})}, kF16, {1.0, 0.0});
  expect_numpy("pow", {values(kF64, {0.0, -0.0, -8.0, 1.0, nan, -1.0}), values(kF64, {-1.0, -1.0, 1.0 / 3, nan, 0.0, inf})}, kF64,
               {inf, -inf, nan, 1.0, 1.0, 1.0});
  expect_numpy("pow", {values(kBool, {1, 0}), values(kBool, {1, 0})}, kI8, {1, 1});
  // NumPy raises for negative integer exponents; tessera gives 0 except for bases +-1.
  expect_numpy("pow", {values(kI64, {-1, 1, -1, 2, 0}), values(kI64, {-3, -5, -2, -1, -1})}, kI64, {-1, 1, 1, 0, 0});
  expect_numpy("bitwise_left_shift", {values(kBool, {1, 0}), values(kBool, {1, 1})}, kI8, {2, 0});
  expect_numpy("bitwise_left_shift", {values(kI8, {-3, 2, 1, 1}), values(kI8, {-3, 2, 8, 7})}, kI8, {0, 8, 0, -128});
  expect_numpy("bitwise_right_shift", {values(kI8, {-3, -128, 64}), values(kI8, {8, -1, 6})}, kI8, {-1, -1, 1});
  expect_numpy("bitwise_invert", {values(kBool, {1, 0})}, kBool, {0, 1});
  expect_numpy("divide", {values(kBool, {1, 0}), values(kBool, {1, 0})}, kF64, {1.0, nan});
  expect_numpy("divide", {values(kI8, {1, -3}), values(kF16, {1.5, -0.0})}, kF16, {0.66650390625, inf});
  expect_numpy("square", {values(kBool, {1, 0})}, kI8, {1, 0});
  expect_numpy("square", {values(kU8, {200})}, kU8, {64});
  expect_numpy("negative", {values(kU8, {3, 2})}, kU8, {253, 254});
  expect_numpy("abs", {values(kI8, {-128, -3})}, kI8, {-128, 3});
  expect_numpy("floor", {values(kBool, {1, 0})}, kBool, {1, 0});
  expect_numpy("atan2", {values(kI8, {-3, 2}), values(kU8, {3, 2})}, kF16, {-0.78515625, 0.78515625});
  expect_numpy("logical_and", {values(kF64, {nan, 0.0}), values(kI64, {2, 2})}, kBool, {1, 0});
  expect_numpy("logical_not", {values(kF64, {nan, 0.0, -0.0})}, kBool, {0, 1, 1});
  expect_numpy("where", {values(kF64, {nan, 0.0}), values(kI8, {-3, 2}), values(kF16, {1.5, -0.0})}, kF16, {-3.0, -0.0});
  expect_numpy("astype_bool", {values(kF64, {nan, -0.5, 0.0, -0.0})}, kBool, {1, 1, 0, 0});
  expect_numpy("astype_float16", {values(kF64, {70000.0, 65520.0, 65519.0})}, kF16, {inf, inf, 65504.0});
  expect_numpy("astype_uint32", {values(kF64, {-3.5})}, kU32, {4294967293.0});  // wraps like NumPy on x86
}

TEST(Elementwise, RefusedLikeNumPy) {
  auto refuse = [](const std::string& op, std::vector<DataType> dtypes) {
    std::vector<Array> arrays;
    for (DataType t : dtypes) arrays.emplace_back(t, std::vector<int64_t>{4});
    std::vector<Array*> ins;
    for (Array& a : arrays) ins.push_back(&a);
    expect_type_error(op, ins);
  };
  refuse("negative", {kBool});
  refuse("positive", {kBool});
  refuse("sign", {kBool});
  refuse("subtract", {kBool, kBool});
  refuse("bitwise_and", {kF32, kF32});
  refuse("bitwise_or", {kI64, kU64});
  refuse("bitwise_invert", {kF16});
  refuse("bitwise_left_shift", {kI32, kF32});
  refuse("bitwise_right_shift", {kU64, kI8});

  Array x(kF32, {4}), wrong(kF32, {3});
  EXPECT_THROW(ops::call("add", {x.get(), x.get()}, {wrong.get()}), ops::OpError);
  Array out(kF32, {4});
  out.get()->dtype.lanes = 2;
  try {
    ops::astype(x.get(), &out.dl);
    ADD_FAILURE() << "astype to a vector dtype should fail";
  } catch (const ops::OpError& e) {
    EXPECT_EQ(e.kind(), ops::OpError::Kind::Type);
  }
}

}  // namespace
}  // namespace tessera
