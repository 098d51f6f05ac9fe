// Conversions between lane values, their types and their bytes in memory.
#include "value.h"

#include <cmath>
#include <cstring>
#include <string>

namespace tessera::interp {

using ir::DataType;
using ir::IRError;
using ir::TypeCode;

int64_t wrap_int(int64_t v, DataType t) {
  switch (t.code) {
    case TypeCode::Bool: return v != 0;
    case TypeCode::Int:
      if (t.bits >= 64) return v;
      return static_cast<int64_t>(static_cast<uint64_t>(v) << (64 - t.bits)) >> (64 - t.bits);
    case TypeCode::UInt:
      if (t.bits >= 64) return v;
      return static_cast<int64_t>(static_cast<uint64_t>(v) & ((uint64_t{1} << t.bits) - 1));
    default: return v;
  }
}

uint16_t float16_bits(double v) {
  uint16_t sign = std::signbit(v) ? 0x8000 : 0;
  if (std::isnan(v)) return sign | 0x7E00;
  double a = std::fabs(v);
  // 65520 is halfway between the largest half (65504) and 2^16; ties go to the even 2^16.
  if (a >= 65520.0) return sign | 0x7C00;
  if (a < 0x1p-14) {
    // Subnormal (or zero): units of 2^-24, exact in double, rounded to nearest-even.
    // A result of 1024 is the smallest normal number, whose bits are also 1024.
    return sign | static_cast<uint16_t>(std::nearbyint(a * 0x1p24));
  }
  int e;
  std::frexp(a, &e);  // a = m * 2^e, m in [0.5, 1)
  int exponent = e - 1;
  double mantissa = std::nearbyint(std::ldexp(a, 10 - exponent));  // in [1024, 2048]
  if (mantissa == 2048.0) {
    mantissa = 1024.0;
    ++exponent;
  }
  return sign | static_cast<uint16_t>((exponent + 15) << 10) |
         static_cast<uint16_t>(static_cast<int>(mantissa) - 1024);
}

double float16_value(uint16_t bits) {
  double sign = (bits & 0x8000) ? -1.0 : 1.0;
  int exponent = (bits >> 10) & 0x1F;
  int mantissa = bits & 0x3FF;
  if (exponent == 0x1F) return mantissa ? std::copysign(NAN, sign) : sign * INFINITY;
  if (exponent == 0) return sign * std::ldexp(mantissa, -24);
  return sign * std::ldexp(mantissa + 1024, exponent - 25);
}

uint16_t bfloat16_bits(float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  if (std::isnan(v)) return static_cast<uint16_t>((bits >> 16) | 0x0040);  // keep it a NaN
  bits += 0x7FFF + ((bits >> 16) & 1);  // round to nearest, ties to even; overflows to inf
  return static_cast<uint16_t>(bits >> 16);
}

double bfloat16_value(uint16_t bits) {
  uint32_t wide = static_cast<uint32_t>(bits) << 16;
  float f;
  std::memcpy(&f, &wide, sizeof f);
  return f;
}

double round_float(double v, DataType t) {
  if (t.is_bfloat16()) return bfloat16_value(bfloat16_bits(static_cast<float>(v)));
  switch (t.bits) {
    case 16: return float16_value(float16_bits(v));
    case 32: return static_cast<float>(v);
    default: return v;
  }
}

double to_double(const Lane& lane, DataType t) {
  switch (t.code) {
    case TypeCode::Float: case TypeCode::BFloat: return lane.f;
    case TypeCode::UInt: return static_cast<double>(lane.u);
    case TypeCode::Int: case TypeCode::Bool: return static_cast<double>(lane.i);
    default: throw IRError("interpreter: cannot use a " + t.str() + " value as a number");
  }
}

namespace {

[[noreturn]] void unsupported_element(DataType t) {
  throw IRError("interpreter: cannot load or store elements of type " + t.str());
}

template <class T>
T read(const void* src) {
  T v;
  std::memcpy(&v, src, sizeof v);
  return v;
}

template <class T>
void write(void* dst, T v) {
  std::memcpy(dst, &v, sizeof v);
}

// An integer or bool lane converted to a float type (one rounding, from the exact value).
double integer_to_float(const Lane& lane, DataType from, DataType to) {
  bool is_unsigned = from.is_uint();
  if (to.bits == 64 && !to.is_bfloat16())
    return is_unsigned ? static_cast<double>(lane.u) : static_cast<double>(lane.i);
  float f = is_unsigned ? static_cast<float>(lane.u) : static_cast<float>(lane.i);
  if (to.bits == 32 || to.is_bfloat16()) return round_float(f, to);
  // float16: integers beyond 2^53 are far past 65520, so the double's rounding is harmless.
  return round_float(is_unsigned ? static_cast<double>(lane.u) : static_cast<double>(lane.i), to);
}

// Truncation toward zero; out of range saturates to int64 (uint64 for large positive values
// into unsigned types) before wrapping, NaN gives 0 (expr.h leaves both unspecified).
int64_t float_to_integer(double v, DataType to) {
  if (std::isnan(v)) return 0;
  double t = std::trunc(v);
  int64_t word;
  if (to.is_uint() && t >= 0x1p63) {
    word = static_cast<int64_t>(t >= 0x1p64 ? UINT64_MAX : static_cast<uint64_t>(t));
  } else if (t >= 0x1p63) {
    word = INT64_MAX;
  } else if (t < -0x1p63) {
    word = INT64_MIN;
  } else {
    word = static_cast<int64_t>(t);
  }
  return wrap_int(word, to);
}

Lane cast_lane(const Lane& in, DataType from, DataType to) {
  Lane out;
  out.u = 0;
  if (to.is_handle()) {
    out.p = in.p;
  } else if (to.is_bool()) {
    out.i = from.is_float() ? in.f != 0.0 : in.i != 0;
  } else if (to.is_integer()) {
    out.i = from.is_float() ? float_to_integer(in.f, to) : wrap_int(in.i, to);
  } else if (to.is_float()) {
    out.f = from.is_float() ? round_float(in.f, to) : integer_to_float(in, from, to);
  } else {
    throw IRError("interpreter: cannot cast " + from.str() + " to " + to.str());
  }
  return out;
}

}  // namespace

Lane load_lane(DataType t, const void* src) {
  Lane v;
  v.u = 0;
  switch (t.code) {
    case TypeCode::Bool: v.i = read<uint8_t>(src) != 0; return v;
    case TypeCode::Int:
      switch (t.bits) {
        case 8: v.i = read<int8_t>(src); return v;
        case 16: v.i = read<int16_t>(src); return v;
        case 32: v.i = read<int32_t>(src); return v;
        case 64: v.i = read<int64_t>(src); return v;
      }
      break;
    case TypeCode::UInt:
      switch (t.bits) {
        case 8: v.u = read<uint8_t>(src); return v;
        case 16: v.u = read<uint16_t>(src); return v;
        case 32: v.u = read<uint32_t>(src); return v;
        case 64: v.u = read<uint64_t>(src); return v;
      }
      break;
    case TypeCode::Float:
      switch (t.bits) {
        case 16: v.f = float16_value(read<uint16_t>(src)); return v;
        case 32: v.f = read<float>(src); return v;
        case 64: v.f = read<double>(src); return v;
      }
      break;
    case TypeCode::BFloat:
      if (t.bits == 16) {
        v.f = bfloat16_value(read<uint16_t>(src));
        return v;
      }
      break;
    case TypeCode::Handle: v.p = read<void*>(src); return v;
    default: break;
  }
  unsupported_element(t);
}

void store_lane(DataType t, const Lane& v, void* dst) {
  switch (t.code) {
    case TypeCode::Bool: write<uint8_t>(dst, v.i != 0); return;
    case TypeCode::Int: case TypeCode::UInt:
      switch (t.bits) {
        case 8: write(dst, static_cast<uint8_t>(v.u)); return;
        case 16: write(dst, static_cast<uint16_t>(v.u)); return;
        case 32: write(dst, static_cast<uint32_t>(v.u)); return;
        case 64: write(dst, v.u); return;
      }
      break;
    case TypeCode::Float:
      switch (t.bits) {
        case 16: write(dst, float16_bits(v.f)); return;
        case 32: write(dst, static_cast<float>(v.f)); return;
        case 64: write(dst, v.f); return;
      }
      break;
    case TypeCode::BFloat:
      if (t.bits == 16) {
        write(dst, bfloat16_bits(static_cast<float>(v.f)));
        return;
      }
      break;
    case TypeCode::Handle: write(dst, v.p); return;
    default: break;
  }
  unsupported_element(t);
}

Value cast(DataType to, const Value& v) {
  if (to.lanes != v.lanes())
    throw IRError("interpreter: cast of " + v.type().str() + " to " + to.str() + " changes lanes");
  Value out(to);
  DataType from = v.type().element_of(), to_elem = to.element_of();
  for (int l = 0; l < v.lanes(); ++l) out[l] = cast_lane(v[l], from, to_elem);
  return out;
}

Value reinterpret(DataType to, const Value& v) {
  DataType from = v.type().element_of(), to_elem = to.element_of();
  int total = from.bytes() * v.lanes();
  if (from.bits % 8 != 0 || to.bits % 8 != 0 || total != to_elem.bytes() * to.lanes)
    throw IRError("interpreter: cannot reinterpret " + v.type().str() + " as " + to.str());
  std::vector<unsigned char> bytes(total);
  for (int l = 0; l < v.lanes(); ++l) store_lane(from, v[l], bytes.data() + l * from.bytes());
  Value out(to);
  for (int l = 0; l < to.lanes; ++l) out[l] = load_lane(to_elem, bytes.data() + l * to_elem.bytes());
  return out;
}

}  // namespace tessera::interp
