// Harness for ops_elementwise_test.cpp: dtype-erased host arrays of any layout, random
// inputs rich in special values, NumPy's casts and rounding written independently of
// tessera (with <cmath>, _Float16 and a hand-written bfloat16 rounding), and a checker
// that runs an operator and compares every element with a scalar reference.
//
// A reference is a generic callable run on the compute dtype's C++ type: bool, the
// <cstdint> integers, float for float16/bfloat16/float32 (NumPy computes 16-bit floats in
// float32), double for float64. It returns any arithmetic type; the checker rounds that to
// the output dtype once.
#pragma once
#include <gtest/gtest.h>

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <numeric>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "tessera/ir/type.h"
#include "tessera/ops/dispatch.h"

namespace tessera::ew {

using ir::DataType;

// ---- 16-bit floats --------------------------------------------------------------------------

// Nearest bfloat16 value (ties to even, subnormals kept, overflow to inf), as a double.
inline double round_bf16(double d) {
  if (std::isnan(d) || std::isinf(d) || d == 0) return d;
  double a = std::fabs(d);
  int e = 0;
  std::frexp(a, &e);                        // a = m * 2^e, m in [0.5, 1)
  int quantum = std::max(e - 8, -133);      // 8 significant bits; subnormal spacing 2^-133
  double v = std::ldexp(std::nearbyint(std::ldexp(a, -quantum)), quantum);
  if (v > 0x1.FEp127) v = INFINITY;
  return std::copysign(v, d);
}
inline uint16_t bf16_bits(double d) {
  if (std::isnan(d)) return std::signbit(d) ? 0xFFC0 : 0x7FC0;
  return static_cast<uint16_t>(std::bit_cast<uint32_t>(static_cast<float>(round_bf16(d))) >> 16);
}
inline double bf16_value(uint16_t bits) { return std::bit_cast<float>(uint32_t{bits} << 16); }
inline double round_half(double d) { return static_cast<double>(static_cast<_Float16>(d)); }
inline uint16_t half_bits(double d) { return std::bit_cast<uint16_t>(static_cast<_Float16>(d)); }
inline double half_value(uint16_t bits) { return static_cast<double>(std::bit_cast<_Float16>(bits)); }

// ---- values of any dtype ----------------------------------------------------------------

// The exact value of one element.
struct Num {
  enum Kind { Bool, Int, UInt, Float } kind = Int;
  int64_t i = 0;   // Bool (0/1) and Int
  uint64_t u = 0;  // UInt
  double f = 0;    // Float (every supported float is exact in double)
  std::string str() const {
    std::ostringstream s;
    s.precision(17);
    if (kind == Float) s << f; else if (kind == UInt) s << u; else s << i;
    return s.str();
  }
};

inline Num decode(DataType t, uint64_t raw) {
  Num n;
  if (t.is_bool()) return {Num::Bool, raw != 0};
  if (t.is_int()) {
    int shift = 64 - t.bits;
    return {Num::Int, static_cast<int64_t>(raw << shift) >> shift};
  }
  if (t.is_uint()) return {Num::UInt, 0, raw};
  n.kind = Num::Float;
  if (t.is_bfloat16()) n.f = bf16_value(static_cast<uint16_t>(raw));
  else if (t.bits == 16) n.f = half_value(static_cast<uint16_t>(raw));
  else if (t.bits == 32) n.f = std::bit_cast<float>(static_cast<uint32_t>(raw));
  else n.f = std::bit_cast<double>(raw);
  return n;
}

// Raw bits of `v` rounded (floats) or wrapped (integers) to dtype t.
inline uint64_t encode_float(DataType t, double v) {
  if (t.is_bfloat16()) return bf16_bits(v);
  if (t.bits == 16) return half_bits(v);
  if (t.bits == 32) return std::bit_cast<uint32_t>(static_cast<float>(v));
  return std::bit_cast<uint64_t>(v);
}
inline uint64_t mask_bits(DataType t, uint64_t v) { return t.bits == 64 ? v : v & ((uint64_t{1} << t.bits) - 1); }

// Rounds a value to float dtype t (exactly representable in double afterwards).
inline double round_to(DataType t, double v) { return decode(t, encode_float(t, v)).f; }

// ---- host arrays --------------------------------------------------------------------------

enum class Layout { Compact, Transposed, Reversed, Step2 };

// A strided view over owned storage. Transposed reverses the axis order in memory,
// Reversed walks every axis backwards (negative strides), Step2 doubles every stride.
struct Array {
  DataType dt;
  std::vector<int64_t> shape, strides;
  int64_t offset = 0;  // elements
  std::vector<uint8_t> bytes;
  DLTensor dl{};

  Array(DataType t, std::vector<int64_t> shp, Layout layout = Layout::Compact) : dt(t), shape(std::move(shp)) {
    const int nd = static_cast<int>(shape.size());
    strides.assign(nd, 0);
    int64_t storage = 1;
    auto compact = [&](const std::vector<int>& order) {  // order: innermost axis first
      int64_t s = 1;
      for (int d : order) {
        strides[d] = s;
        s *= std::max<int64_t>(shape[d], 1);
      }
      storage = s;
    };
    std::vector<int> inner_first(nd), outer_first(nd);
    for (int d = 0; d < nd; ++d) inner_first[d] = nd - 1 - d, outer_first[d] = d;
    if (layout == Layout::Transposed) compact(outer_first);
    else compact(inner_first);
    if (layout == Layout::Step2 && nd > 0) {
      for (int64_t& s : strides) s *= 2;
      storage *= 2;
    }
    if (layout == Layout::Reversed)
      for (int d = 0; d < nd; ++d) {
        if (shape[d] > 1) offset += (shape[d] - 1) * strides[d];
        strides[d] = -strides[d];
      }
    bytes.assign(storage * t.bytes(), 0);
  }
  int64_t numel() const { return std::accumulate(shape.begin(), shape.end(), int64_t{1}, std::multiplies<>()); }
  int64_t storage_elems() const { return static_cast<int64_t>(bytes.size()) / dt.bytes(); }
  DLTensor* get() {
    dl.data = bytes.data();
    dl.device = {kDLCPU, 0};
    dl.ndim = static_cast<int32_t>(shape.size());
    uint8_t code = dt.is_bool() ? kDLBool : dt.is_int() ? kDLInt : dt.is_uint() ? kDLUInt : dt.is_bfloat16() ? kDLBfloat : kDLFloat;
    dl.dtype = {code, static_cast<uint8_t>(dt.bits), 1};
    dl.shape = shape.data();
    dl.strides = strides.data();
    dl.byte_offset = offset * dt.bytes();
    return &dl;
  }
  uint64_t raw(int64_t elem) const {
    uint64_t v = 0;
    std::memcpy(&v, bytes.data() + elem * dt.bytes(), dt.bytes());
    return v;
  }
  void set_raw(int64_t elem, uint64_t v) { std::memcpy(bytes.data() + elem * dt.bytes(), &v, dt.bytes()); }
  // Storage element of a multi-index of `out_shape` that this array broadcasts to.
  int64_t elem_at(const std::vector<int64_t>& idx) const {
    int64_t e = offset;
    size_t lead = idx.size() - shape.size();
    for (size_t d = 0; d < shape.size(); ++d)
      if (shape[d] != 1) e += idx[lead + d] * strides[d];
    return e;
  }
};

// Random contents for every storage element: specials (extremes, zeros, NaN, inf, ties),
// small values, integer-valued floats, wide magnitudes and raw random bits.
inline void fill(Array& a, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0, 1);
  const DataType t = a.dt;
  for (int64_t e = 0; e < a.storage_elems(); ++e) {
    double p = unit(rng);
    uint64_t v;
    if (t.is_bool()) {
      v = rng() & 1;
    } else if (t.is_integer()) {
      int64_t lo = t.is_int() ? static_cast<int64_t>(~uint64_t{0} << (t.bits - 1)) : 0;  // no signed overflow
      int64_t hi = t.is_int() ? static_cast<int64_t>((uint64_t{1} << (t.bits - 1)) - 1) : -1;  // uint max as bits
      const int64_t specials[] = {lo, hi, 0, 1, -1, lo + 1, hi - 1, 2};
      if (p < 0.15) v = static_cast<uint64_t>(specials[rng() % 8]);
      else if (p < 0.5) v = static_cast<uint64_t>(static_cast<int64_t>(rng() % 21) - 10);
      else if (p < 0.65) v = rng() % (t.bits + 2);  // shift amounts around the width
      else v = rng();
      v = mask_bits(t, v);
    } else {
      const double specials[] = {NAN, -NAN, INFINITY, -INFINITY, 0.0, -0.0, 1.0, -1.0, 0.5, -0.5,
                                 2.5, -1.5, 65504.0, 3.4028234663852886e38, 1.7976931348623157e308,
                                 1.1754943508222875e-38, 2.2250738585072014e-308, 5e-324, 6e-8, -6e-8};
      double d;
      if (p < 0.12) d = specials[rng() % std::size(specials)];
      else if (p < 0.42) d = unit(rng) * 4 - 2;
      else if (p < 0.67) d = unit(rng) * 40 - 20;
      else if (p < 0.77) d = static_cast<double>(static_cast<int64_t>(rng() % 41) - 20) / 2;  // ties and integers
      else d = std::ldexp(unit(rng) + 0.5, static_cast<int>(rng() % 81) - 40) * (rng() & 1 ? 1 : -1);
      v = encode_float(t, d);
    }
    a.set_raw(e, v);
  }
}

// ---- NumPy's casts into the compute type --------------------------------------------------

// The C++ type a compute dtype's values live in.
template <class Fn>
void with_compute_type(DataType t, Fn&& fn) {
  if (t.is_bool()) fn.template operator()<bool>();
  else if (t == DataType::Int(8)) fn.template operator()<int8_t>();
  else if (t == DataType::Int(16)) fn.template operator()<int16_t>();
  else if (t == DataType::Int(32)) fn.template operator()<int32_t>();
  else if (t == DataType::Int(64)) fn.template operator()<int64_t>();
  else if (t == DataType::UInt(8)) fn.template operator()<uint8_t>();
  else if (t == DataType::UInt(16)) fn.template operator()<uint16_t>();
  else if (t == DataType::UInt(32)) fn.template operator()<uint32_t>();
  else if (t == DataType::UInt(64)) fn.template operator()<uint64_t>();
  else if (t == DataType::Float(64)) fn.template operator()<double>();
  else fn.template operator()<float>();  // float16, bfloat16, float32
}

// n cast to dtype `to` (whose C++ type is T). Float -> integer casts outside the target's
// range (NaN and inf included) are unspecified: *defined is set false.
template <class T>
T cast_to(const Num& n, DataType to, bool* defined) {
  if constexpr (std::is_same_v<T, bool>) {
    return n.kind == Num::Float ? n.f != 0 : n.kind == Num::UInt ? n.u != 0 : n.i != 0;
  } else if constexpr (std::is_integral_v<T>) {
    if (n.kind != Num::Float) return static_cast<T>(n.kind == Num::UInt ? n.u : static_cast<uint64_t>(n.i));
    double t = std::trunc(n.f);
    if (!(t >= static_cast<double>(std::numeric_limits<T>::min()) &&
          t < std::ldexp(1.0, std::numeric_limits<T>::digits))) {
      *defined = false;
      return 0;
    }
    return static_cast<T>(t);
  } else {
    if (to.bits == 32 && !to.is_bfloat16()) {  // single rounding from integers too
      if (n.kind == Num::Float) return static_cast<T>(static_cast<float>(n.f));
      return static_cast<T>(n.kind == Num::UInt ? static_cast<float>(n.u) : static_cast<float>(n.i));
    }
    double v = n.kind == Num::Float ? n.f : n.kind == Num::UInt ? static_cast<double>(n.u) : static_cast<double>(n.i);
    return static_cast<T>(to.bits == 64 ? v : round_to(to, v));
  }
}

// ---- comparing ----------------------------------------------------------------------------

// Exact: identical bits (any NaN matches any NaN; the sign of zero counts). Ulp: within
// `ulps` units in the last place of the output dtype. UlpOfInputs: within `ulps` units of
// the largest of the result and the inputs' magnitudes (for formulas that cancel, e.g.
// logaddexp, whose NumPy form is x + log1p(exp(y - x))).
struct Tol {
  enum Kind { Exact, Ulp, UlpOfInputs } kind = Exact;
  int ulps32 = 0, ulps16 = 0;  // for float32/float64 and for float16/bfloat16 outputs
  static Tol exact() { return {}; }
  static Tol ulp(int wide, int narrow) { return {Ulp, wide, narrow}; }
  static Tol ulp_of_inputs(int wide, int narrow) { return {UlpOfInputs, wide, narrow}; }
};

inline __int128 ordered(DataType t, uint64_t bits) {
  uint64_t sign = uint64_t{1} << (t.bits - 1);
  __int128 mag = bits & (sign - 1);
  return (bits & sign) ? -mag : mag;
}

inline double ulp_of(DataType t, double x) {
  double a = std::fabs(x);
  double next = decode(t, encode_float(t, a)).f;  // a rounded
  uint64_t b = encode_float(t, next);
  double up = decode(t, b + 1).f;
  return std::isfinite(up) ? up - next : next - decode(t, b - 1).f;
}

inline bool close_enough(DataType t, uint64_t actual, uint64_t expected, const Tol& tol, double input_scale) {
  if (!t.is_float() || tol.kind == Tol::Exact) {
    if (t.is_bool()) return (actual != 0) == (expected != 0);
    if (t.is_float() && std::isnan(decode(t, actual).f) && std::isnan(decode(t, expected).f)) return true;
    return mask_bits(t, actual) == mask_bits(t, expected);
  }
  double a = decode(t, actual).f, e = decode(t, expected).f;
  if (std::isnan(a) || std::isnan(e)) return std::isnan(a) && std::isnan(e);
  int ulps = t.bits == 16 ? tol.ulps16 : tol.ulps32;
  __int128 d = ordered(t, actual) - ordered(t, expected);
  if ((d < 0 ? -d : d) <= ulps) return true;
  if (tol.kind == Tol::UlpOfInputs && std::isfinite(a) && std::isfinite(e))
    return std::fabs(a - e) <= ulps * ulp_of(t, std::max(std::fabs(e), input_scale));
  return false;
}

// The compute dtype of the element being checked, for references whose NumPy rule depends
// on the dtype beyond its C++ type (float16 vs float32 maximum ties).
inline DataType& current_compute() {
  static thread_local DataType t;
  return t;
}

inline std::vector<int64_t> broadcast_shape(const std::vector<Array*>& ins) {
  size_t nd = 0;
  for (const Array* a : ins) nd = std::max(nd, a->shape.size());
  std::vector<int64_t> shape(nd, 1);
  for (const Array* a : ins)
    for (size_t d = 0; d < a->shape.size(); ++d) {
      int64_t& s = shape[nd - a->shape.size() + d];
      if (s == 1) s = a->shape[d];
    }
  return shape;
}

inline std::vector<std::vector<int64_t>> indices_of(const std::vector<int64_t>& shape) {
  std::vector<std::vector<int64_t>> out;
  int64_t n = std::accumulate(shape.begin(), shape.end(), int64_t{1}, std::multiplies<>());
  for (int64_t flat = 0; flat < n; ++flat) {
    std::vector<int64_t> idx(shape.size());
    for (size_t d = shape.size(), r = flat; d-- > 0;) idx[d] = static_cast<int64_t>(r % shape[d]), r /= shape[d];
    out.push_back(idx);
  }
  return out;
}

// Runs `op` on `ins` into a fresh output (of `out_layout`) and compares every element with
// ref(inputs cast to `compute`) rounded to `out_dt`. Elements whose cast is unspecified are
// skipped. Reports at most a few mismatches.
template <size_t N, class Ref>
void check(const std::string& op, const std::vector<Array*>& ins, DataType compute, DataType out_dt, Ref&& ref,
           Tol tol, Layout out_layout = Layout::Compact) {
  std::vector<int64_t> shape = broadcast_shape(ins);
  Array out(out_dt, shape, out_layout);
  std::vector<const DLTensor*> in_dl;
  for (Array* a : ins) in_dl.push_back(a->get());
  std::string sig = op + "(";
  for (size_t k = 0; k < ins.size(); ++k) sig += (k ? ", " : "") + ins[k]->dt.str();
  sig += ") -> " + out_dt.str();
  try {
    ops::call(op, in_dl, {out.get()});
  } catch (const std::exception& e) {
    ADD_FAILURE() << sig << " threw: " << e.what();
    return;
  }
  int failures = 0;
  with_compute_type(compute, [&]<class T>() {
    current_compute() = compute;
    for (const auto& idx : indices_of(shape)) {
      std::array<T, N> args;
      std::array<Num, N> nums;
      bool defined = true;
      double scale = 0;
      for (size_t k = 0; k < N; ++k) {
        nums[k] = decode(ins[k]->dt, ins[k]->raw(ins[k]->elem_at(idx)));
        args[k] = cast_to<T>(nums[k], compute, &defined);
        if constexpr (std::is_floating_point_v<T>)
          if (std::isfinite(static_cast<double>(args[k]))) scale = std::max(scale, std::fabs(static_cast<double>(args[k])));
      }
      if (!defined) continue;
      auto r = std::apply(ref, args);
      uint64_t expected;
      if (out_dt.is_float()) expected = encode_float(out_dt, static_cast<double>(r));
      else if (out_dt.is_bool()) expected = r != 0;
      else expected = mask_bits(out_dt, static_cast<uint64_t>(r));
      uint64_t actual = out.raw(out.elem_at(idx));
      if (!close_enough(out_dt, actual, expected, tol, scale) && ++failures <= 4) {
        std::string in_str;
        for (size_t k = 0; k < N; ++k) in_str += (k ? ", " : "") + nums[k].str();
        ADD_FAILURE() << sig << " at " << ::testing::PrintToString(idx) << ", inputs (" << in_str << "): expected "
                      << decode(out_dt, expected).str() << ", got " << decode(out_dt, actual).str();
      }
    }
  });
  if (failures > 4) ADD_FAILURE() << sig << ": " << failures << " mismatches in all";
}

}  // namespace tessera::ew
