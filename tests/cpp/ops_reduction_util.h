// Shared helpers of ops_reduction_test.cpp and ops_scan_linalg_test.cpp: 16-bit float
// conversions, arrays of any dtype and layout (transposed, strided, reversed views) with
// random data and special values, expected values, and error expectations.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <numeric>
#include <random>

#include "tessera/ops/reduction.h"
#include "test_util.h"

namespace tessera::ops_reduction_test {

using ir::DataType;
using ops::OpError;

inline const DataType kBool = DataType::Bool(), kI8 = DataType::Int(8), kI16 = DataType::Int(16), kI32 = DataType::Int(32),
               kI64 = DataType::Int(64), kU8 = DataType::UInt(8), kU16 = DataType::UInt(16), kU32 = DataType::UInt(32),
               kU64 = DataType::UInt(64), kF16 = DataType::Float(16), kBF16 = DataType::BFloat16(),
               kF32 = DataType::Float(32), kF64 = DataType::Float(64);

// ---- 16-bit floats -----------------------------------------------------------------------

inline uint16_t to_bf16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  if (std::isnan(f)) return static_cast<uint16_t>((x >> 16) | 0x40);
  return static_cast<uint16_t>((x + 0x7FFF + ((x >> 16) & 1)) >> 16);
}
inline float from_bf16(uint16_t h) {
  uint32_t x = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}
inline uint16_t to_f16(float f) {
  _Float16 h = static_cast<_Float16>(f);
  uint16_t b;
  std::memcpy(&b, &h, 2);
  return b;
}
inline float from_f16(uint16_t b) {
  _Float16 h;
  std::memcpy(&h, &b, 2);
  return static_cast<float>(h);
}

// Value of v rounded to dtype t (floats), as long double.
inline long double round_to(DataType t, long double v) {
  if (t == kF64) return static_cast<double>(v);
  if (t == kF32) return static_cast<float>(v);
  if (t == kF16) return from_f16(to_f16(static_cast<float>(static_cast<double>(v))));
  if (t == kBF16) return from_bf16(to_bf16(static_cast<float>(static_cast<double>(v))));
  return v;
}

// Distance to the next representable value of a float dtype at |v|.
inline long double ulp(DataType t, long double v) {
  int mant = t == kF64 ? 52 : t == kF32 ? 23 : t == kF16 ? 10 : 7;
  int min_exp = t == kF64 ? -1022 : t == kF32 ? -126 : t == kF16 ? -14 : -126;
  int e = v == 0 ? min_exp : std::max(min_exp, std::ilogb(static_cast<double>(std::fabs(v))));
  return std::ldexp(1.0L, e - mant);
}

// Integer v (two's complement bits) truncated to t's width, sign-extended.
inline uint64_t wrap(DataType t, uint64_t v) {
  if (t.is_bool()) return v != 0;
  if (t.bits == 64) return v;
  uint64_t mask = (uint64_t{1} << t.bits) - 1;
  v &= mask;
  if (t.is_int() && (v >> (t.bits - 1))) v |= ~mask;
  return v;
}

// ---- arrays of any dtype and layout ------------------------------------------------------

inline std::vector<int64_t> compact_strides(const std::vector<int64_t>& shape) {
  std::vector<int64_t> s(shape.size(), 1);
  for (size_t d = shape.size(); d-- > 1;) s[d - 1] = s[d] * shape[d];
  return s;
}

inline int64_t count(const std::vector<int64_t>& shape) {
  return std::accumulate(shape.begin(), shape.end(), int64_t{1}, std::multiplies<>());
}

inline DLDataType dl_of(DataType t) {
  uint8_t code = t.is_bool()       ? kDLBool
                 : t.is_int()      ? kDLInt
                 : t.is_uint()     ? kDLUInt
                 : t.is_bfloat16() ? kDLBfloat
                                   : kDLFloat;
  return {code, t.bits, 1};
}

inline std::vector<std::vector<int64_t>> indices(const std::vector<int64_t>& shape) {
  return testing::all_indices(shape);
}

struct Arr {
  DataType dtype;
  std::vector<int64_t> shape, strides;
  int64_t offset = 0;  // elements
  std::shared_ptr<std::vector<uint64_t>> mem;
  DLTensor dl{};

  Arr() = default;
  Arr(DataType t, std::vector<int64_t> shp) : dtype(t), shape(std::move(shp)), strides(compact_strides(shape)) {
    mem = std::make_shared<std::vector<uint64_t>>(
        static_cast<size_t>((std::max<int64_t>(1, count(shape)) * t.bytes() + 7) / 8), 0);
  }
  int64_t numel() const { return count(shape); }
  DLTensor* get() {
    dl.data = mem->data();
    dl.device = {kDLCPU, 0};
    dl.ndim = static_cast<int32_t>(shape.size());
    dl.dtype = dl_of(dtype);
    dl.shape = shape.data();
    dl.strides = strides.data();
    dl.byte_offset = static_cast<uint64_t>(offset * dtype.bytes());
    return &dl;
  }
  char* addr(const std::vector<int64_t>& idx) const {
    int64_t e = offset;
    for (size_t d = 0; d < idx.size(); ++d) e += idx[d] * strides[d];
    return reinterpret_cast<char*>(mem->data()) + e * dtype.bytes();
  }
  // Integer value sign-extended to 64 bits (bool 0/1).
  uint64_t bits(const std::vector<int64_t>& idx) const {
    uint64_t v = 0;
    std::memcpy(&v, addr(idx), static_cast<size_t>(dtype.bytes()));
    return wrap(dtype, v);
  }
  long double value(const std::vector<int64_t>& idx) const {
    const char* p = addr(idx);
    if (dtype == kF64) return *reinterpret_cast<const double*>(p);
    if (dtype == kF32) return *reinterpret_cast<const float*>(p);
    if (dtype == kF16 || dtype == kBF16) {
      uint16_t h;
      std::memcpy(&h, p, 2);
      return dtype == kF16 ? from_f16(h) : from_bf16(h);
    }
    uint64_t b = bits(idx);
    return dtype.is_int() ? static_cast<long double>(static_cast<int64_t>(b)) : static_cast<long double>(b);
  }
  void set(const std::vector<int64_t>& idx, long double v) {
    char* p = addr(idx);
    if (dtype == kF64)
      *reinterpret_cast<double*>(p) = static_cast<double>(v);
    else if (dtype == kF32)
      *reinterpret_cast<float*>(p) = static_cast<float>(v);
    else if (dtype == kF16 || dtype == kBF16) {
      uint16_t h = dtype == kF16 ? to_f16(static_cast<float>(v)) : to_bf16(static_cast<float>(v));
      std::memcpy(p, &h, 2);
    } else {
      set_bits(idx, dtype.is_bool() ? (v != 0) : static_cast<uint64_t>(static_cast<int64_t>(v)));
    }
  }
  void set_bits(const std::vector<int64_t>& idx, uint64_t v) {
    v = wrap(dtype, v);
    std::memcpy(addr(idx), &v, static_cast<size_t>(dtype.bytes()));
  }
  Arr permuted(const std::vector<int>& perm) const {
    Arr a = *this;
    for (size_t d = 0; d < perm.size(); ++d) {
      a.shape[d] = shape[perm[d]];
      a.strides[d] = strides[perm[d]];
    }
    return a;
  }
};

enum class Fill { Any, Small, NearOne };

// Random data; floats include NaN, infinities and signed zeros, integers their extremes.
inline void fill(Arr& a, uint64_t seed, Fill kind = Fill::Any) {
  std::mt19937_64 rng(seed);
  Arr whole = a;  // every element of the storage, whatever the view
  whole.offset = 0;
  whole.shape = {static_cast<int64_t>(a.mem->size() * 8 / a.dtype.bytes())};
  whole.strides = {1};
  for (int64_t i = 0; i < whole.shape[0]; ++i) {
    uint64_t r = rng();
    std::vector<int64_t> at = {i};
    double u = std::uniform_real_distribution<double>(-1, 1)(rng);
    if (a.dtype.is_float()) {
      double v = kind == Fill::NearOne ? 1 + 0.2 * u : kind == Fill::Small ? std::round(u * 8) : 10 * u;
      if (kind == Fill::Any && r % 23 == 0)
        v = (r >> 8) % 5 == 0   ? NAN
            : (r >> 8) % 5 == 1 ? INFINITY
            : (r >> 8) % 5 == 2 ? -INFINITY
            : (r >> 8) % 5 == 3 ? 0.0
                                : -0.0;
      whole.set(at, v);
    } else if (a.dtype.is_bool()) {
      whole.set_bits(at, r % 3 == 0);
    } else if (kind == Fill::Small || kind == Fill::NearOne) {
      whole.set_bits(at, static_cast<uint64_t>(static_cast<int64_t>(u * 5)));
    } else {
      uint64_t v = r;
      if (r % 17 == 0) v = a.dtype.is_int() ? (uint64_t{1} << (a.dtype.bits - 1)) : ~uint64_t{0};  // min / max
      if (r % 17 == 1) v = a.dtype.is_int() ? (uint64_t{1} << (a.dtype.bits - 1)) - 1 : 0;
      if (r % 5 == 2) v = r % 7;  // small values make ties
      whole.set_bits(at, v);
    }
  }
}

enum class Layout { Contig, Transposed, Strided };

// An array of `shape` viewed in `layout`: compact, the transpose of a compact array, or
// every other element with the first axis reversed.
inline Arr make(DataType t, const std::vector<int64_t>& shape, Layout layout, uint64_t seed, Fill kind = Fill::Any) {
  const int nd = static_cast<int>(shape.size());
  Arr a;
  if (layout == Layout::Transposed && nd > 1) {
    std::vector<int64_t> rev(shape.rbegin(), shape.rend());
    std::vector<int> perm;
    for (int d = nd - 1; d >= 0; --d) perm.push_back(d);
    a = Arr(t, rev).permuted(perm);
  } else if (layout == Layout::Strided && nd > 0) {
    std::vector<int64_t> big;
    for (int64_t e : shape) big.push_back(2 * e + 1);
    a = Arr(t, big);
    a.shape = shape;
    for (int d = 0; d < nd; ++d) a.strides[d] *= d == 0 ? -1 : 2;
    a.offset = shape[0] > 0 ? (shape[0] - 1) * -a.strides[0] : 0;
  } else {
    a = Arr(t, shape);
  }
  fill(a, seed, kind);
  return a;
}

inline std::string str(const std::vector<int64_t>& v) {
  std::string s = "(";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::to_string(v[i]);
  return s + ")";
}
inline std::string str(const std::vector<int>& v) { return str(std::vector<int64_t>(v.begin(), v.end())); }

// ---- expected values ---------------------------------------------------------------------

struct Expected {
  long double value = 0;  // floats
  uint64_t bits = 0;      // integers and bool
  long double tol = 0;    // allowed |difference| for floats
};

::testing::AssertionResult matches(const Arr& out, const std::vector<int64_t>& idx, const Expected& e) {
  if (!out.dtype.is_float()) {
    uint64_t want = wrap(out.dtype, e.bits), got = out.bits(idx);
    if (got == want) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "at " << str(idx) << ": got " << static_cast<int64_t>(got) << ", want "
                                         << static_cast<int64_t>(want);
  }
  long double got = out.value(idx), want = round_to(out.dtype, e.value);
  bool ok = std::isnan(want)   ? std::isnan(got)
            : std::isinf(want) ? got == want
                               : !std::isnan(got) && std::fabs(got - e.value) <= e.tol + ulp(out.dtype, want);
  if (ok) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "at " << str(idx) << ": got " << static_cast<double>(got) << ", want "
                                       << static_cast<double>(e.value) << " (tol " << static_cast<double>(e.tol) << ")";
}

// Element of x cast to dtype t, as NumPy's dtype= argument does before reducing.
inline long double cast_value(const Arr& x, const std::vector<int64_t>& idx, DataType t) {
  if (t.is_float()) return round_to(t, x.value(idx));
  if (t.is_bool()) return x.value(idx) != 0;
  if (x.dtype.is_float()) return static_cast<long double>(static_cast<int64_t>(x.value(idx)));
  return x.value(idx);
}
inline uint64_t cast_bits(const Arr& x, const std::vector<int64_t>& idx, DataType t) {
  if (x.dtype.is_float()) return wrap(t, static_cast<uint64_t>(static_cast<int64_t>(x.value(idx))));
  return wrap(t, x.bits(idx));
}

template <class F>
void expect_error(F f, OpError::Kind kind, std::vector<std::string> parts) {
  try {
    f();
    ADD_FAILURE() << "expected an error mentioning " << parts[0];
  } catch (const OpError& e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
    for (const std::string& p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
  }
}

}  // namespace tessera::ops_reduction_test
