// Scalar references of elementwise operators for the GPU tests (gpu_ops_harness.h).
//
// Each reference is independent scalar C++ run in the compute dtype's C++ type (float for
// float16/bfloat16, as NumPy computes them), rounded once to the output dtype; signatures
// come from each operator's own type rule. Tolerances: exact, except transcendental
// functions (4 ULP for float32/float64, 1 for 16-bit outputs; CUDA documents at most 4).
#pragma once
#include <array>
#include <cmath>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "ops_elementwise_harness.h"
#include "tessera/ops/defop.h"

namespace tessera::gpu_test {

using ew::Num;
using ew::Tol;
using ir::DataType;

template <class T> constexpr bool kFloat = std::is_floating_point_v<T>;
template <class T> constexpr bool kBool = std::is_same_v<T, bool>;
template <class T> uint64_t bits64(T v) { return static_cast<uint64_t>(v); }
template <class T> T wrapped(uint64_t v) { return static_cast<T>(v); }

template <class T> T floor_div(T a, T b) {
  if constexpr (kFloat<T>) {
    T mod = std::fmod(a, b);  // NumPy's npy_divmod
    if (b == 0) return a / b;
    T div = (a - mod) / b;
    if (mod != 0 && ((b < 0) != (mod < 0))) div -= 1;
    if (div == 0) return std::copysign(T(0), a / b);
    T f = std::floor(div);
    return div - f > T(0.5) ? f + 1 : f;
  } else {
    if (b == 0) return 0;
    if constexpr (std::is_signed_v<T>)
      if (a == std::numeric_limits<T>::min() && b == T(-1)) return a;
    T q = static_cast<T>(a / b);
    return (a % b != 0 && ((a < 0) != (b < 0))) ? static_cast<T>(q - 1) : q;
  }
}

template <class T> T floor_mod(T a, T b) {
  if constexpr (kFloat<T>) {
    T mod = std::fmod(a, b);
    if (b == 0) return mod;
    if (mod == 0) return std::copysign(T(0), b);
    return (b < 0) != (mod < 0) ? mod + b : mod;
  } else {
    if (b == 0) return 0;
    if constexpr (std::is_signed_v<T>)
      if (a == std::numeric_limits<T>::min() && b == T(-1)) return 0;
    T r = static_cast<T>(a % b);
    return (r != 0 && ((r < 0) != (b < 0))) ? static_cast<T>(r + b) : r;
  }
}

template <class T> T int_pow(T base, T e) {
  if constexpr (std::is_signed_v<T>)
    if (e < 0) return base == 1 ? T(1) : base == T(-1) ? T((e & 1) ? -1 : 1) : T(0);
  uint64_t r = 1, b = bits64(base);
  for (uint64_t n = bits64(e); n; n >>= 1, b *= b)
    if (n & 1) r *= b;
  return wrapped<T>(r);
}

// NumPy maximum/minimum: NaN from either side; a tie (+0 vs -0) gives the first operand for
// float16 and the second for the other floats.
template <class T> T np_max(DataType c, T a, T b) {
  if constexpr (kFloat<T>) {
    if (std::isnan(a)) return a;
    if (std::isnan(b) || b > a) return b;
    return a > b || c.is_float16() ? a : b;
  } else if constexpr (kBool<T>) {
    return a || b;
  } else {
    return std::max(a, b);
  }
}
template <class T> T np_min(DataType c, T a, T b) {
  if constexpr (kFloat<T>) {
    if (std::isnan(a)) return a;
    if (std::isnan(b) || b < a) return b;
    return a < b || c.is_float16() ? a : b;
  } else if constexpr (kBool<T>) {
    return a && b;
  } else {
    return std::min(a, b);
  }
}

template <class T> T shift(T a, T b, bool left) {
  constexpr int bits = sizeof(T) * 8;
  bool out = bits64(b) >= static_cast<uint64_t>(bits);  // negative amounts too
  if (left) return out ? T(0) : wrapped<T>(bits64(a) << static_cast<int>(b));
  if (out) return std::is_signed_v<T> && a < 0 ? T(-1) : T(0);
  return static_cast<T>(a >> static_cast<int>(b));
}

// One step of a 16-bit float's bit pattern toward y (float16 keeps x when equal, as NumPy).
inline double nextafter16(double x, double y, DataType t) {
  if (std::isnan(x) || std::isnan(y)) return NAN;
  if (x == y) return t.is_float16() ? x : y;
  if (x == 0) return std::copysign(ew::decode(t, 1).f, y);
  uint64_t b = ew::encode_float(t, x);
  return ew::decode(t, (y > x) == (x > 0) ? b + 1 : b - 1).f;
}

// The expected raw bits of one output element, or nullopt when NumPy leaves it unspecified
// (float -> integer casts out of range).
using RefFn = std::function<std::optional<uint64_t>(const ops::Signature&, const std::vector<Num>&)>;

// Wraps a generic lambda (DataType compute, T... x) run in the compute dtype's C++ type.
template <size_t N, class F> RefFn ref(F f) {
  return [f](const ops::Signature& sig, const std::vector<Num>& in) -> std::optional<uint64_t> {
    DataType compute = sig.compute[0], out = sig.outputs[0];
    std::optional<uint64_t> result;
    ew::with_compute_type(compute, [&]<class T>() {
      std::array<T, N> x;
      bool defined = true;
      for (size_t k = 0; k < N; ++k) x[k] = ew::cast_to<T>(in[k], compute, &defined);
      if (!defined) return;
      auto r = std::apply([&](auto... v) { return f(compute, v...); }, x);
      if (out.is_float()) result = ew::encode_float(out, static_cast<double>(r));
      else if (out.is_bool()) result = r != 0;
      else result = ew::mask_bits(out, static_cast<uint64_t>(r));
    });
    return result;
  };
}

// Which compute dtypes a case's reference covers.
enum class Covers { All, Floats, NonFloats };

struct OpCase {
  std::string op;
  int arity;
  RefFn reference;
  Tol tol = Tol::exact();
  Covers covers = Covers::All;
};

template <class F> auto on_double(F f) {
  return [f](DataType, auto... x) {
    if constexpr ((kFloat<decltype(x)> && ...)) return f(static_cast<double>(x)...);
    else return 0.0;
  };
}

// astype_<to>: the kernel reads the input cast to `to`, exactly what cast_to does.
inline OpCase astype_case(DataType to) {
  return {"astype_" + to.str(), 1, ref<1>([](DataType, auto x) { return x; })};
}

inline std::vector<OpCase> op_cases() {
  const Tol math = Tol::ulp(4, 1);
  std::vector<OpCase> cases = {
      {"add", 2, ref<2>([](DataType, auto a, auto b) {
         using T = decltype(a);
         if constexpr (kFloat<T>) return T(a + b);
         else if constexpr (kBool<T>) return a || b;
         else return wrapped<T>(bits64(a) + bits64(b));
       })},
      {"subtract", 2, ref<2>([](DataType, auto a, auto b) {
         using T = decltype(a);
         if constexpr (kFloat<T>) return T(a - b);
         else return wrapped<T>(bits64(a) - bits64(b));
       })},
      {"multiply", 2, ref<2>([](DataType, auto a, auto b) {
         using T = decltype(a);
         if constexpr (kFloat<T>) return T(a * b);
         else if constexpr (kBool<T>) return a && b;
         else return wrapped<T>(bits64(a) * bits64(b));
       })},
      {"divide", 2, ref<2>([](DataType, auto a, auto b) {
         using T = decltype(a);
         if constexpr (kFloat<T>) return T(a / b);
         else return 0.0;
       })},
      {"floor_divide", 2, ref<2>([](DataType, auto a, auto b) {
         if constexpr (kBool<decltype(a)>) return a;
         else return floor_div(a, b);
       })},
      {"remainder", 2, ref<2>([](DataType, auto a, auto b) {
         if constexpr (kBool<decltype(a)>) return a;
         else return floor_mod(a, b);
       })},
      {"pow", 2, ref<2>(on_double([](double a, double b) { return std::pow(a, b); })), math, Covers::Floats},
      {"maximum", 2, ref<2>([](DataType c, auto a, auto b) { return np_max(c, a, b); })},
      {"minimum", 2, ref<2>([](DataType c, auto a, auto b) { return np_min(c, a, b); })},
      {"clip", 3, ref<3>([](DataType c, auto x, auto lo, auto hi) { return np_min(c, np_max(c, x, lo), hi); })},
      {"negative", 1, ref<1>([](DataType, auto x) {
         using T = decltype(x);
         if constexpr (kFloat<T>) return T(-x);
         else return wrapped<T>(0 - bits64(x));
       })},
      {"positive", 1, ref<1>([](DataType, auto x) { return x; })},
      {"abs", 1, ref<1>([](DataType, auto x) {
         using T = decltype(x);
         if constexpr (kFloat<T>) return std::fabs(x);
         else if constexpr (std::is_signed_v<T>) return x < 0 ? wrapped<T>(0 - bits64(x)) : x;
         else return x;
       })},
      {"sign", 1, ref<1>([](DataType, auto x) {
         using T = decltype(x);
         if constexpr (kFloat<T>) return x > 0 ? T(1) : x < 0 ? T(-1) : x == 0 ? T(0) : x;
         else return T((x > 0) - (x < 0));
       })},
      {"square", 1, ref<1>([](DataType, auto x) {
         using T = decltype(x);
         if constexpr (kFloat<T>) return T(x * x);
         else if constexpr (kBool<T>) return x;
         else return wrapped<T>(bits64(x) * bits64(x));
       })},
      {"reciprocal", 1, ref<1>([](DataType, auto x) {
         using T = decltype(x);
         if constexpr (kFloat<T>) return T(T(1) / x);
         else return 0.0;
       }), Tol::exact(), Covers::Floats},
      {"sqrt", 1, ref<1>(on_double([](double x) { return std::sqrt(x); })), Tol::exact(), Covers::Floats},
      {"exp", 1, ref<1>(on_double([](double x) { return std::exp(x); })), math, Covers::Floats},
      {"log", 1, ref<1>(on_double([](double x) { return std::log(x); })), math, Covers::Floats},
      {"expm1", 1, ref<1>(on_double([](double x) { return std::expm1(x); })), math, Covers::Floats},
      {"log1p", 1, ref<1>(on_double([](double x) { return std::log1p(x); })), math, Covers::Floats},
      {"sin", 1, ref<1>(on_double([](double x) { return std::sin(x); })), math, Covers::Floats},
      {"tanh", 1, ref<1>(on_double([](double x) { return std::tanh(x); })), math, Covers::Floats},
      {"atan2", 2, ref<2>(on_double([](double y, double x) { return std::atan2(y, x); })), math, Covers::Floats},
      {"hypot", 2, ref<2>(on_double([](double x, double y) { return std::hypot(x, y); })), math, Covers::Floats},
      {"copysign", 2, ref<2>([](DataType, auto x, auto y) {
         if constexpr (kFloat<decltype(x)>) return std::copysign(x, y);
         else return 0.0;
       }), Tol::exact(), Covers::Floats},
      {"nextafter", 2, ref<2>([](DataType c, auto x, auto y) {
         using T = decltype(x);
         if constexpr (kFloat<T>) {
           if (c.bits == 16) return static_cast<T>(nextafter16(x, y, c));
           return std::nextafter(x, y);
         } else {
           return 0.0;
         }
       }), Tol::exact(), Covers::Floats},
      {"floor", 1, ref<1>([](DataType, auto x) {
         if constexpr (kFloat<decltype(x)>) return std::floor(x);
         else return x;
       })},
      {"ceil", 1, ref<1>([](DataType, auto x) {
         if constexpr (kFloat<decltype(x)>) return std::ceil(x);
         else return x;
       })},
      {"trunc", 1, ref<1>([](DataType, auto x) {
         if constexpr (kFloat<decltype(x)>) return std::trunc(x);
         else return x;
       })},
      {"round", 1, ref<1>([](DataType, auto x) {
         if constexpr (kFloat<decltype(x)>) return std::nearbyint(x);  // half to even
         else return x;
       })},
      {"isnan", 1, ref<1>([](DataType, auto x) {
         if constexpr (kFloat<decltype(x)>) return std::isnan(x);
         else return false;
       })},
      {"isinf", 1, ref<1>([](DataType, auto x) {
         if constexpr (kFloat<decltype(x)>) return std::isinf(x);
         else return false;
       })},
      {"isfinite", 1, ref<1>([](DataType, auto x) {
         if constexpr (kFloat<decltype(x)>) return std::isfinite(x);
         else return true;
       })},
      {"signbit", 1, ref<1>([](DataType, auto x) {
         using T = decltype(x);
         if constexpr (kFloat<T>) return std::signbit(x);
         else if constexpr (std::is_signed_v<T>) return x < 0;
         else return false;
       })},
      {"equal", 2, ref<2>([](DataType, auto a, auto b) { return a == b; })},
      {"not_equal", 2, ref<2>([](DataType, auto a, auto b) { return a != b; })},
      {"less", 2, ref<2>([](DataType, auto a, auto b) { return a < b; })},
      {"less_equal", 2, ref<2>([](DataType, auto a, auto b) { return a <= b; })},
      {"greater", 2, ref<2>([](DataType, auto a, auto b) { return a > b; })},
      {"greater_equal", 2, ref<2>([](DataType, auto a, auto b) { return a >= b; })},
      {"logical_and", 2, ref<2>([](DataType, auto a, auto b) { return a && b; })},
      {"logical_or", 2, ref<2>([](DataType, auto a, auto b) { return a || b; })},
      {"logical_xor", 2, ref<2>([](DataType, auto a, auto b) { return a != b; })},
      {"logical_not", 1, ref<1>([](DataType, auto a) { return !a; })},
      {"bitwise_and", 2, ref<2>([](DataType, auto a, auto b) {
         using T = decltype(a);
         if constexpr (kFloat<T>) return a;
         else return T(a & b);
       })},
      {"bitwise_or", 2, ref<2>([](DataType, auto a, auto b) {
         using T = decltype(a);
         if constexpr (kFloat<T>) return a;
         else return T(a | b);
       })},
      {"bitwise_xor", 2, ref<2>([](DataType, auto a, auto b) {
         using T = decltype(a);
         if constexpr (kFloat<T>) return a;
         else return T(a ^ b);
       })},
      {"bitwise_invert", 1, ref<1>([](DataType, auto a) {
         using T = decltype(a);
         if constexpr (kFloat<T>) return a;
         else if constexpr (kBool<T>) return !a;
         else return wrapped<T>(~bits64(a));
       })},
      {"bitwise_left_shift", 2, ref<2>([](DataType, auto a, auto b) {
         using T = decltype(a);
         if constexpr (kFloat<T> || kBool<T>) return a;
         else return shift(a, b, true);
       })},
      {"bitwise_right_shift", 2, ref<2>([](DataType, auto a, auto b) {
         using T = decltype(a);
         if constexpr (kFloat<T> || kBool<T>) return a;
         else return shift(a, b, false);
       })},
  };
  // Integer pow: exact wrapping powers (the float case above needs a tolerance).
  cases.push_back({"pow", 2, ref<2>([](DataType, auto a, auto b) {
                     using T = decltype(a);
                     if constexpr (kFloat<T> || kBool<T>) return a;
                     else return int_pow(a, b);
                   }), Tol::exact(), Covers::NonFloats});
  cases.push_back({"where", 3, [](const ops::Signature&, const std::vector<Num>&) -> std::optional<uint64_t> {
                     return std::nullopt;  // check() uses where_reference
                   }});
  for (DataType t : ir::kAllDTypes) cases.push_back(astype_case(t));
  return cases;
}

// where(cond, x, y): cond read as bool, x and y in their promoted dtype.
inline std::optional<uint64_t> where_reference(const ops::Signature& sig, const std::vector<Num>& in) {
  bool defined = true;
  bool cond = ew::cast_to<bool>(in[0], DataType::Bool(), &defined);
  DataType t = sig.compute[1];
  std::optional<uint64_t> result;
  ew::with_compute_type(t, [&]<class T>() {
    T v = ew::cast_to<T>(in[cond ? 1 : 2], t, &defined);
    if (t.is_float()) result = ew::encode_float(t, static_cast<double>(v));
    else result = ew::mask_bits(t, static_cast<uint64_t>(v));
  });
  return defined ? result : std::nullopt;
}

}  // namespace tessera::gpu_test
