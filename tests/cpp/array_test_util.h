// Helpers of the Array tests: arrays built from host values and read back element by
// element straight from memory (shape, strides and byte offset interpreted here, with the
// test's own 16-bit float decoding), so references never go through the library's kernels.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "tessera/array/all.h"
#include "test_util.h"

namespace tessera::array_testing {

inline int64_t numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t e : shape) n *= e;
  return n;
}

// Every dtype arrays hold.
inline std::vector<DataType> all_dtypes() { return std::vector<DataType>(std::begin(ir::kAllDTypes), std::end(ir::kAllDTypes)); }

// Decodes IEEE-style 16-bit floats independently of the library (exp_bits 5: float16, 8: bfloat16).
inline double decode16(uint16_t bits, int exp_bits) {
  const int mant = 15 - exp_bits, bias = (1 << (exp_bits - 1)) - 1;
  const int e = (bits >> mant) & ((1 << exp_bits) - 1), f = bits & ((1 << mant) - 1);
  double v = e == (1 << exp_bits) - 1 ? (f ? NAN : INFINITY)
             : e == 0                 ? std::ldexp(f, 1 - bias - mant)
                                      : std::ldexp(1.0 + std::ldexp(f, -mant), e - bias);
  return (bits >> 15) ? -v : v;
}

// The element at a multi-index of any array, as a double (exact for every dtype except
// 64-bit integers beyond 2^53), read from memory.
inline double load(const Array& a, const std::vector<int64_t>& idx) {
  int64_t off = a.byte_offset();
  for (size_t d = 0; d < idx.size(); ++d) off += idx[d] * a.strides()[d] * a.itemsize();
  const char* p = static_cast<const char*>(a.storage()->data()) + off;
  DataType t = a.dtype();
  auto get = [p]<class T>(T) {
    T v;
    std::memcpy(&v, p, sizeof(T));
    return v;
  };
  if (t.is_bool()) return get(uint8_t{}) != 0;
  if (t.is_bfloat16()) return decode16(get(uint16_t{}), 8);
  if (t.is_float16()) return decode16(get(uint16_t{}), 5);
  if (t == float32) return get(float{});
  if (t == float64) return get(double{});
  switch ((t.is_int() ? 1 : -1) * t.bits) {
    case 8: return get(int8_t{});
    case 16: return get(int16_t{});
    case 32: return get(int32_t{});
    case 64: return static_cast<double>(get(int64_t{}));
    case -8: return get(uint8_t{});
    case -16: return get(uint16_t{});
    case -32: return get(uint32_t{});
    default: return static_cast<double>(get(uint64_t{}));
  }
}

// All elements in row-major order, read from memory.
inline std::vector<double> values(const Array& a) {
  std::vector<double> out;
  for (const auto& idx : testing::all_indices(a.shape())) out.push_back(load(a, idx));
  return out;
}

// v rounded to dtype t as NumPy stores it (integers wrap modulo 2^bits; v is integral).
inline double to_dtype(double v, DataType t) {
  if (t.is_bool()) return v != 0;
  if (t == float64) return v;
  if (t == float32) return static_cast<float>(v);
  if (t.is_float16()) return from_float16_bits(float16_bits(v));
  if (t.is_bfloat16()) return from_bfloat16_bits(bfloat16_bits(v));
  if (v >= static_cast<double>(int_min(t)) && v <= static_cast<double>(int_max(t))) return v;
  const double m = std::ldexp(1.0, t.bits);  // (only narrower than 64 bits get here in the tests)
  double r = std::fmod(v, m);
  if (r < 0) r += m;
  if (t.is_int() && r >= m / 2) r -= m;
  return r;
}

// Random values exactly representable in t: small integers (so 64-bit products stay exact),
// floats in [-10, 10] rounded to t.
inline std::vector<double> random_values(DataType t, int64_t n, uint64_t seed, bool nonzero = false) {
  std::mt19937_64 rng(seed);
  std::vector<double> v;
  for (int64_t i = 0; i < n; ++i) {
    double x;
    do {
      if (t.is_bool()) x = static_cast<double>(rng() & 1);
      else if (t.is_int()) x = static_cast<double>(static_cast<int64_t>(rng() % 201) - 100);
      else if (t.is_uint()) x = static_cast<double>(rng() % 201);
      else x = to_dtype(std::uniform_real_distribution<double>(-10, 10)(rng), t);
    } while (nonzero && x == 0);
    v.push_back(x);
  }
  return v;
}

// A compact array of dtype t holding v (exactly representable values).
inline Array make_array(const std::vector<double>& v, DataType t, const Shape& shape) {
  Array a = empty(shape, t);
  char* p = static_cast<char*>(a.data());
  for (size_t i = 0; i < v.size(); ++i) {
    char* q = p + i * t.bytes();
    auto put = [q]<class T>(T x) { std::memcpy(q, &x, sizeof(T)); };
    if (t.is_bool()) put(static_cast<uint8_t>(v[i] != 0));
    else if (t.is_bfloat16()) put(bfloat16_bits(v[i]));
    else if (t.is_float16()) put(float16_bits(v[i]));
    else if (t == float32) put(static_cast<float>(v[i]));
    else if (t == float64) put(v[i]);
    else {
      uint64_t bits = t.is_int() ? static_cast<uint64_t>(static_cast<int64_t>(v[i])) : static_cast<uint64_t>(v[i]);
      std::memcpy(q, &bits, static_cast<size_t>(t.bytes()));  // little-endian: the low bytes
    }
  }
  return a;
}

inline Array random_array(DataType t, const Shape& shape, uint64_t seed, bool nonzero = false) {
  int64_t n = 1;
  for (int64_t e : shape) n *= e;
  return make_array(random_values(t, n, seed, nonzero), t, shape);
}

// Expects `f` to throw tessera::Error of `kind` whose message contains `text`.
template <class F>
void expect_error(F&& f, Error::Kind kind, const std::string& text) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one containing '" << text << "'";
  } catch (const Error& e) {
    EXPECT_EQ(static_cast<int>(e.kind()), static_cast<int>(kind)) << e.what();
    EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
  }
}

// Same values (NaN equals NaN), elementwise.
inline void expect_values(const std::vector<double>& got, const std::vector<double>& want, const std::string& what = "") {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i)
    if (!(std::isnan(got[i]) && std::isnan(want[i]))) {
      ASSERT_EQ(got[i], want[i]) << what << " at " << i;
    }
}

}  // namespace tessera::array_testing
