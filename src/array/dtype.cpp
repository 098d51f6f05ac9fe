// dtype helpers of the array layer: DLPack codes, integer ranges and the exact 16-bit
// float conversions used for weak scalars.
#include "tessera/array/dtype.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "tessera/ops/dispatch.h"

namespace tessera {
namespace {

// Rounds a finite or infinite double to a binary format with `mant` fraction bits and an
// exponent range [emin, emax] (round to nearest even, once) and packs sign|exp|fraction.
uint16_t round_to_format(double v, int exp_bits, int mant, int emin, int emax) {
  const uint16_t sign = std::signbit(v) ? uint16_t(1u << (exp_bits + mant)) : uint16_t(0);
  const uint16_t exp_mask = uint16_t(((1u << exp_bits) - 1) << mant);
  if (std::isnan(v)) return uint16_t(sign | exp_mask | (1u << (mant - 1)));
  double a = std::fabs(v);
  if (std::isinf(a)) return uint16_t(sign | exp_mask);
  if (a == 0) return sign;
  int e = std::ilogb(a);
  // The spacing of representable values around a (subnormals share emin's spacing).
  double quantum = std::ldexp(1.0, std::max(e, emin) - mant);
  double r = std::nearbyint(a / quantum) * quantum;  // default rounding: to nearest even
  if (r == 0) return sign;
  int re = std::ilogb(r);
  if (re > emax) return uint16_t(sign | exp_mask);
  if (re < emin) return uint16_t(sign | static_cast<uint16_t>(r / std::ldexp(1.0, emin - mant)));
  uint16_t fraction = static_cast<uint16_t>(std::ldexp(r, mant - re) - std::ldexp(1.0, mant));
  return uint16_t(sign | (uint16_t(re + (1 << (exp_bits - 1)) - 1) << mant) | fraction);
}

double from_format(uint16_t bits, int exp_bits, int mant) {
  const int bias = (1 << (exp_bits - 1)) - 1;
  const bool negative = (bits >> (exp_bits + mant)) & 1;
  const int e = (bits >> mant) & ((1 << exp_bits) - 1);
  const int f = bits & ((1 << mant) - 1);
  double v;
  if (e == (1 << exp_bits) - 1) v = f ? std::numeric_limits<double>::quiet_NaN() : std::numeric_limits<double>::infinity();
  else if (e == 0) v = std::ldexp(f, 1 - bias - mant);
  else v = std::ldexp(f + std::ldexp(1.0, mant), e - bias - mant);
  return negative ? -v : v;
}

}  // namespace

bool is_array_dtype(DataType t) {
  for (DataType d : ir::kAllDTypes)
    if (d == t) return true;
  return false;
}

DLDataType to_dl(DataType t) {
  if (!is_array_dtype(t)) throw ops::OpError(ops::OpError::Kind::Type, "dtype " + t.str() + " is not an array dtype");
  uint8_t code = t.is_bool() ? kDLBool : t.is_int() ? kDLInt : t.is_uint() ? kDLUInt : t.is_bfloat16() ? kDLBfloat : kDLFloat;
  return {code, t.bits, 1};
}

DataType from_dl(DLDataType d) {
  if (d.lanes == 1) {
    DataType t;
    bool known = true;
    switch (d.code) {
      case kDLBool: t = DataType::Bool(); known = d.bits == 8; break;
      case kDLInt: t = DataType::Int(d.bits); break;
      case kDLUInt: t = DataType::UInt(d.bits); break;
      case kDLFloat: t = DataType::Float(d.bits); break;
      case kDLBfloat: t = DataType::BFloat16(); known = d.bits == 16; break;
      default: known = false;
    }
    if (known && is_array_dtype(t)) return t;
  }
  throw ops::OpError(ops::OpError::Kind::Type, "unsupported DLPack dtype (code " + std::to_string(d.code) + ", bits " +
                                                   std::to_string(d.bits) + ", lanes " + std::to_string(d.lanes) + ")");
}

int64_t int_min(DataType t) {
  if (t.is_int()) return t.bits == 64 ? std::numeric_limits<int64_t>::min() : -(int64_t{1} << (t.bits - 1));
  return 0;
}

uint64_t int_max(DataType t) {
  if (t.is_bool()) return 1;
  if (t.is_int()) return (uint64_t{1} << (t.bits - 1)) - 1;
  return t.bits == 64 ? std::numeric_limits<uint64_t>::max() : (uint64_t{1} << t.bits) - 1;
}

uint16_t float16_bits(double v) { return round_to_format(v, 5, 10, -14, 15); }
uint16_t bfloat16_bits(double v) { return round_to_format(v, 8, 7, -126, 127); }
double from_float16_bits(uint16_t bits) { return from_format(bits, 5, 10); }
double from_bfloat16_bits(uint16_t bits) { return from_format(bits, 8, 7); }

}  // namespace tessera
