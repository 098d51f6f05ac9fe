// Binary operators and pure intrinsics on lane values, following tessera/ir/expr.h:
// integers wrap, floor division and modulo with x/0 == 0, NumPy shifts, NaN-propagating
// min/max, float math in double rounded once to the result type.
#include <algorithm>
#include <cmath>
#include <string>

#include "value.h"

namespace tessera::interp {

using ir::BinaryOp;
using ir::DataType;
using ir::Intrinsic;
using ir::IRError;

namespace {

// ---- integers (words are sign-extended for Int, zero-extended for UInt) ------------------

int64_t add(int64_t a, int64_t b) { return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b)); }
int64_t sub(int64_t a, int64_t b) { return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b)); }
int64_t mul(int64_t a, int64_t b) { return static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b)); }

// Floor division and modulo; x / 0 == x % 0 == 0, INT64_MIN / -1 wraps to INT64_MIN.
int64_t floor_div(int64_t a, int64_t b, bool is_unsigned) {
  if (b == 0) return 0;
  if (is_unsigned) return static_cast<int64_t>(static_cast<uint64_t>(a) / static_cast<uint64_t>(b));
  if (b == -1) return sub(0, a);
  int64_t q = a / b;
  if (a % b != 0 && ((a % b < 0) != (b < 0))) --q;
  return q;
}

int64_t floor_mod(int64_t a, int64_t b, bool is_unsigned) {
  if (b == 0) return 0;
  if (is_unsigned) return static_cast<int64_t>(static_cast<uint64_t>(a) % static_cast<uint64_t>(b));
  if (b == -1) return 0;
  int64_t r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}

int64_t shift(BinaryOp op, int64_t a, int64_t b, DataType t) {
  bool is_signed = t.is_int();
  bool in_range = is_signed ? (b >= 0 && b < t.bits) : static_cast<uint64_t>(b) < t.bits;
  if (!in_range) return op == BinaryOp::Shr && is_signed && a < 0 ? -1 : 0;
  if (op == BinaryOp::Shl) return static_cast<int64_t>(static_cast<uint64_t>(a) << b);
  return is_signed ? a >> b : static_cast<int64_t>(static_cast<uint64_t>(a) >> b);
}

bool less(const Lane& a, const Lane& b, DataType t) {
  if (t.is_float()) return a.f < b.f;
  if (t.is_uint()) return a.u < b.u;
  if (t.is_handle()) return a.p < b.p;
  return a.i < b.i;
}

bool equal(const Lane& a, const Lane& b, DataType t) {
  if (t.is_float()) return a.f == b.f;
  if (t.is_handle()) return a.p == b.p;
  return a.i == b.i;
}

int64_t integer_binary(BinaryOp op, const Lane& x, const Lane& y, DataType t) {
  int64_t a = x.i, b = y.i;
  switch (op) {
    case BinaryOp::Add: return add(a, b);
    case BinaryOp::Sub: return sub(a, b);
    case BinaryOp::Mul: return mul(a, b);
    case BinaryOp::Div: return floor_div(a, b, t.is_uint());
    case BinaryOp::Mod: return floor_mod(a, b, t.is_uint());
    case BinaryOp::Min: return less(y, x, t) ? b : a;
    case BinaryOp::Max: return less(x, y, t) ? b : a;
    case BinaryOp::And: return a != 0 && b != 0;
    case BinaryOp::Or: return a != 0 || b != 0;
    case BinaryOp::BitAnd: return a & b;
    case BinaryOp::BitOr: return a | b;
    case BinaryOp::BitXor: return a ^ b;
    case BinaryOp::Shl: case BinaryOp::Shr: return shift(op, a, b, t);
    default: break;
  }
  throw IRError(std::string("interpreter: integer operator ") + to_string(op) + " on " + t.str());
}

// ---- floats --------------------------------------------------------------------------------

// NumPy's remainder: the result has the divisor's sign (a zero result too).
double remainder(double a, double b) {
  double r = std::fmod(a, b);
  if (b == 0.0) return r;
  if (r != 0.0) {
    if ((b < 0) != (r < 0)) r += b;
  } else {
    r = std::copysign(0.0, b);
  }
  return r;
}

double float_binary(BinaryOp op, double a, double b, DataType t) {
  switch (op) {
    case BinaryOp::Add: return a + b;
    case BinaryOp::Sub: return a - b;
    case BinaryOp::Mul: return a * b;
    case BinaryOp::Div: return a / b;
    case BinaryOp::Mod: return remainder(a, b);
    case BinaryOp::Min: return (a <= b || std::isnan(a)) ? a : b;
    case BinaryOp::Max: return (a >= b || std::isnan(a)) ? a : b;
    default: break;
  }
  throw IRError(std::string("interpreter: float operator ") + to_string(op) + " on " + t.str());
}

bool compare(BinaryOp op, const Lane& a, const Lane& b, DataType t) {
  switch (op) {
    case BinaryOp::EQ: return equal(a, b, t);
    case BinaryOp::NE: return !equal(a, b, t);  // true when either is NaN
    case BinaryOp::LT: return less(a, b, t);
    case BinaryOp::LE: return less(a, b, t) || equal(a, b, t);
    case BinaryOp::GT: return less(b, a, t);
    case BinaryOp::GE: return less(b, a, t) || equal(a, b, t);
    default: return false;
  }
}

// Wrapping integer power; a negative exponent gives 0 except for bases 1 and -1.
int64_t integer_power(int64_t base, int64_t exponent, DataType t) {
  if (t.is_int() && exponent < 0) {
    if (base == 1) return 1;
    if (base == -1) return (exponent & 1) ? -1 : 1;
    return 0;
  }
  uint64_t result = 1, x = static_cast<uint64_t>(base), n = static_cast<uint64_t>(exponent);
  for (; n != 0; n >>= 1) {
    if (n & 1) result *= x;
    x *= x;
  }
  return static_cast<int64_t>(result);
}

// nextafter on the grid of the lane type.
double next_after(double a, double b, DataType t) {
  if (t.bits == 64) return std::nextafter(a, b);
  if (t.bits == 32 && !t.is_bfloat16()) return std::nextafterf(static_cast<float>(a), static_cast<float>(b));
  if (std::isnan(a) || std::isnan(b)) return NAN;
  if (a == b) return b;
  bool bf = t.is_bfloat16();
  if (a == 0.0) {  // the smallest subnormal toward b
    uint16_t tiny = std::signbit(b) ? 0x8001 : 0x0001;
    return bf ? bfloat16_value(tiny) : float16_value(tiny);
  }
  uint16_t bits = bf ? bfloat16_bits(static_cast<float>(a)) : float16_bits(a);
  bits = ((b > a) == (a > 0.0)) ? bits + 1 : bits - 1;  // away from or toward zero
  return bf ? bfloat16_value(bits) : float16_value(bits);
}

double fused_multiply_add(double a, double b, double c, DataType t) {
  if (t.bits == 64) return std::fma(a, b, c);
  // float32, and float16/bfloat16 which compute in float32 (expr.h).
  return std::fma(static_cast<float>(a), static_cast<float>(b), static_cast<float>(c));
}

double unary_math(Intrinsic op, double x) {
  switch (op) {
    case Intrinsic::Exp: return std::exp(x);
    case Intrinsic::Exp2: return std::exp2(x);
    case Intrinsic::Expm1: return std::expm1(x);
    case Intrinsic::Log: return std::log(x);
    case Intrinsic::Log2: return std::log2(x);
    case Intrinsic::Log10: return std::log10(x);
    case Intrinsic::Log1p: return std::log1p(x);
    case Intrinsic::Sqrt: return std::sqrt(x);
    case Intrinsic::Sin: return std::sin(x);
    case Intrinsic::Cos: return std::cos(x);
    case Intrinsic::Tan: return std::tan(x);
    case Intrinsic::Asin: return std::asin(x);
    case Intrinsic::Acos: return std::acos(x);
    case Intrinsic::Atan: return std::atan(x);
    case Intrinsic::Sinh: return std::sinh(x);
    case Intrinsic::Cosh: return std::cosh(x);
    case Intrinsic::Tanh: return std::tanh(x);
    case Intrinsic::Asinh: return std::asinh(x);
    case Intrinsic::Acosh: return std::acosh(x);
    case Intrinsic::Atanh: return std::atanh(x);
    case Intrinsic::Floor: return std::floor(x);
    case Intrinsic::Ceil: return std::ceil(x);
    case Intrinsic::Trunc: return std::trunc(x);
    case Intrinsic::Round: return std::nearbyint(x);  // half to even in the default mode
    default: break;
  }
  throw IRError(std::string("interpreter: ") + to_string(op) + " is not a unary math function");
}

double binary_math(Intrinsic op, double a, double b, DataType t) {
  switch (op) {
    case Intrinsic::Atan2: return std::atan2(a, b);
    case Intrinsic::Pow: return std::pow(a, b);
    case Intrinsic::Hypot: return std::hypot(a, b);
    case Intrinsic::Copysign: return std::copysign(a, b);
    case Intrinsic::Fmod: return std::fmod(a, b);
    case Intrinsic::Nextafter: return next_after(a, b, t);
    default: break;
  }
  throw IRError(std::string("interpreter: ") + to_string(op) + " is not a binary math function");
}

// Neg, Abs, BitNot, LogicalNot, the predicates and the rounding functions, on one lane.
Lane unary(Intrinsic op, const Lane& x, DataType in, DataType out) {
  Lane r;
  r.u = 0;
  if (in.is_float()) {
    switch (op) {
      case Intrinsic::Neg: r.f = -x.f; return r;
      case Intrinsic::Abs: r.f = std::fabs(x.f); return r;
      case Intrinsic::IsNan: r.i = std::isnan(x.f); return r;
      case Intrinsic::IsInf: r.i = std::isinf(x.f); return r;
      case Intrinsic::IsFinite: r.i = std::isfinite(x.f); return r;
      case Intrinsic::Signbit: r.i = std::signbit(x.f); return r;
      default: r.f = round_float(unary_math(op, x.f), out); return r;
    }
  }
  switch (op) {
    case Intrinsic::Neg: r.i = wrap_int(sub(0, x.i), out); return r;
    case Intrinsic::Abs: r.i = wrap_int(in.is_int() && x.i < 0 ? sub(0, x.i) : x.i, out); return r;
    case Intrinsic::BitNot: r.i = in.is_bool() ? !x.i : wrap_int(~x.i, out); return r;
    case Intrinsic::LogicalNot: r.i = x.i == 0; return r;
    case Intrinsic::IsNan: case Intrinsic::IsInf: r.i = 0; return r;
    case Intrinsic::IsFinite: r.i = 1; return r;
    case Intrinsic::Signbit: r.i = in.is_int() && x.i < 0; return r;
    case Intrinsic::Floor: case Intrinsic::Ceil: case Intrinsic::Trunc: case Intrinsic::Round:
      return x;  // integers are already whole
    default: break;
  }
  // Integer arguments of float math (not produced by op.h): convert, then round.
  if (out.is_float()) {
    r.f = round_float(unary_math(op, to_double(x, in)), out);
    return r;
  }
  throw IRError(std::string("interpreter: ") + to_string(op) + " on " + in.str());
}

void require_lanes(const char* what, const Value& v, int lanes) {
  if (v.lanes() != lanes && v.lanes() != 1)
    throw IRError(std::string("interpreter: ") + what + " has " + std::to_string(v.lanes()) +
                  " lanes, expected " + std::to_string(lanes));
}

}  // namespace

Value binary(BinaryOp op, const Value& a, const Value& b) {
  DataType t = a.type().element_of();
  if (t != b.type().element_of())
    throw IRError("interpreter: operand types differ: " + a.type().str() + " vs " + b.type().str());
  int lanes = std::max(a.lanes(), b.lanes());
  require_lanes("left operand", a, lanes);
  require_lanes("right operand", b, lanes);
  bool comparison = ir::is_comparison(op);
  Value out(comparison ? DataType::Bool(lanes) : t.with_lanes(lanes));
  for (int l = 0; l < lanes; ++l) {
    const Lane& x = a.at_or_scalar(l);
    const Lane& y = b.at_or_scalar(l);
    if (comparison) {
      out[l].i = compare(op, x, y, t);
    } else if (t.is_float()) {
      out[l].f = round_float(float_binary(op, x.f, y.f, t), t);
    } else if (t.is_integer() || t.is_bool()) {
      out[l].i = wrap_int(integer_binary(op, x, y, t), t);
    } else {
      throw IRError(std::string("interpreter: operator ") + to_string(op) + " on " + t.str());
    }
  }
  return out;
}

Value call_pure(Intrinsic op, DataType result, const std::vector<Value>& args) {
  auto need = [&](size_t n) {
    if (args.size() != n)
      throw IRError(std::string("interpreter: ") + to_string(op) + " expects " + std::to_string(n) +
                    " argument(s), got " + std::to_string(args.size()));
    if (op != Intrinsic::Reinterpret)  // the one intrinsic that may change the lane count
      for (const Value& v : args) require_lanes("argument", v, result.lanes);
  };
  DataType out_elem = result.element_of();
  Value out(result);
  switch (op) {
    case Intrinsic::Reinterpret:
      need(1);
      return reinterpret(result, args[0]);
    case Intrinsic::TransposeLane: {  // lane k is lane `args[0]` of vector k
      if (args.size() != static_cast<size_t>(result.lanes) + 1)
        throw IRError("interpreter: transpose_lane expects " + std::to_string(result.lanes + 1) + " arguments");
      const int64_t lane = args[0].at_or_scalar(0).i;
      for (int k = 0; k < result.lanes; ++k) {
        require_lanes("argument", args[static_cast<size_t>(k) + 1], result.lanes);
        out[k] = args[static_cast<size_t>(k) + 1][static_cast<int>(lane)];
      }
      return out;
    }
    case Intrinsic::IPow: {
      need(2);
      DataType t = args[0].type().element_of();
      if (!t.is_integer()) throw IRError("interpreter: ipow on " + t.str());
      for (int l = 0; l < result.lanes; ++l)
        out[l].i = wrap_int(integer_power(args[0].at_or_scalar(l).i, args[1].at_or_scalar(l).i, t), t);
      return out;
    }
    case Intrinsic::Atan2: case Intrinsic::Pow: case Intrinsic::Hypot: case Intrinsic::Copysign:
    case Intrinsic::Nextafter: case Intrinsic::Fmod: {
      need(2);
      DataType in0 = args[0].type().element_of(), in1 = args[1].type().element_of();
      for (int l = 0; l < result.lanes; ++l) {
        double x = to_double(args[0].at_or_scalar(l), in0), y = to_double(args[1].at_or_scalar(l), in1);
        out[l].f = round_float(binary_math(op, x, y, out_elem), out_elem);
      }
      return out;
    }
    case Intrinsic::Fma: {
      need(3);
      DataType in = args[0].type().element_of();
      for (int l = 0; l < result.lanes; ++l) {
        double x = to_double(args[0].at_or_scalar(l), in), y = to_double(args[1].at_or_scalar(l), in),
               z = to_double(args[2].at_or_scalar(l), in);
        out[l].f = round_float(fused_multiply_add(x, y, z, out_elem), out_elem);
      }
      return out;
    }
    case Intrinsic::FormatDType: case Intrinsic::FormatDevice:  // plain values outside messages
      need(1);
      return args[0];
    case Intrinsic::ArgHandle: case Intrinsic::ArgInt: case Intrinsic::ArgFloat:
    case Intrinsic::ArgTypeCode: case Intrinsic::ArgCount:
    case Intrinsic::TensorData: case Intrinsic::TensorNDim: case Intrinsic::TensorShape:
    case Intrinsic::TensorStride: case Intrinsic::TensorHasStrides: case Intrinsic::TensorDTypeCode:
    case Intrinsic::TensorDTypeBits: case Intrinsic::TensorDTypeLanes:
    case Intrinsic::TensorDeviceType: case Intrinsic::TensorByteOffset:
      throw IRError(std::string("interpreter: ") + to_string(op) + " is not a pure intrinsic");
    default: {
      need(1);
      DataType in = args[0].type().element_of();
      for (int l = 0; l < result.lanes; ++l) out[l] = unary(op, args[0].at_or_scalar(l), in, out_elem);
      return out;
    }
  }
}

}  // namespace tessera::interp
