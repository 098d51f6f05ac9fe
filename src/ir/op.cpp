// Expression builders with NumPy 2 promotion (NEP 50: C++ literals are weak scalars).
#include "tessera/ir/op.h"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace tessera::ir {

namespace {

[[noreturn]] void user_error(const std::string& msg) { throw std::invalid_argument(msg); }

void require_defined(const char* what, const Expr& e) {
  if (!e.defined()) user_error(std::string(what) + ": operand is an undefined expression");
}

bool is_numeric(DataType t) { return t.is_bool() || t.is_integer() || t.is_float(); }

// A vector operand beside a scalar one: broadcast the scalar (lanes must otherwise match).
void match_lanes(const char* what, Expr* a, Expr* b) {
  int la = a->type().lanes, lb = b->type().lanes;
  if (la == lb) return;
  if (la == 1) *a = BroadcastNode::make(*a, lb);
  else if (lb == 1) *b = BroadcastNode::make(*b, la);
  else user_error(std::string(what) + ": operands have different lanes (" + a->type().str() +
                  " vs " + b->type().str() + ")");
}

// Smallest float type that holds every value of an integer type, as NumPy promotes.
int float_bits_for_integer(DataType t) {
  if (t.bits <= 8) return 16;
  if (t.bits <= 16) return 32;
  return 64;
}

// NumPy's default float for math on integer and bool inputs (see op.h).
DataType math_float_type(const char* what, DataType t) {
  if (t.is_float()) return t;
  // NumPy's float for integer math: float16 for bool and 8-bit, float32 for 16-bit.
  if (t.is_bool() || (t.is_integer() && t.bits <= 8)) return DataType::Float(16, t.lanes);
  if (t.is_integer() && t.bits <= 16) return DataType::Float(32, t.lanes);
  if (t.is_integer()) return DataType::Float(64, t.lanes);
  user_error(std::string(what) + ": needs a numeric operand, got " + t.str());
}

bool is_16bit_float(DataType t) { return t.is_float() && t.bits == 16; }

// Builds op on operands of one type, applying NumPy's rules for bool operands.
Expr build(BinaryOp op, const Expr& a, const Expr& b) {
  DataType t = a.type();
  std::string what = std::string("operator") + to_string(op);
  switch (op) {
    case BinaryOp::Add:
      if (t.is_bool()) return BinaryNode::make(BinaryOp::Or, a, b);  // np.add on bool
      break;
    case BinaryOp::Mul:
      if (t.is_bool()) return BinaryNode::make(BinaryOp::And, a, b);
      break;
    case BinaryOp::Sub:
      if (t.is_bool()) user_error("operator-: subtracting bool values is not supported (NumPy)");
      break;
    case BinaryOp::Div:
    case BinaryOp::Mod:
      if (t.is_bool()) {  // np.floor_divide / np.remainder on bool give int8
        DataType i8 = DataType::Int(8, t.lanes);
        return BinaryNode::make(op, cast(i8, a), cast(i8, b));
      }
      break;
    case BinaryOp::Shl:
    case BinaryOp::Shr:
      if (t.is_bool()) {
        DataType i8 = DataType::Int(8, t.lanes);
        return BinaryNode::make(op, cast(i8, a), cast(i8, b));
      }
      if (!t.is_integer()) user_error(what + ": needs integer operands, got " + t.str());
      break;
    case BinaryOp::BitAnd:
    case BinaryOp::BitOr:
    case BinaryOp::BitXor:
      if (!t.is_integer() && !t.is_bool())
        user_error(what + ": needs integer or bool operands, got " + t.str());
      break;
    default: break;
  }
  if (!is_numeric(t)) user_error(what + ": needs numeric operands, got " + t.str());
  return BinaryNode::make(op, a, b);
}

Expr binary(BinaryOp op, Expr a, Expr b) {
  std::string what = std::string("operator") + to_string(op);
  require_defined(what.c_str(), a);
  require_defined(what.c_str(), b);
  match_lanes(what.c_str(), &a, &b);
  DataType t = promote_types(a.type(), b.type());
  return build(op, cast(t, a), cast(t, b));
}

bool float_fits(DataType t, double r) {
  if (!std::isfinite(r)) return false;
  double span = std::ldexp(1.0, t.bits - (t.is_int() ? 1 : 0));
  return t.is_int() ? (r >= -span && r < span) : (r >= 0 && r < span);
}

bool fits(DataType t, int64_t v) {
  if (t.is_uint()) return v >= 0 && (t.bits >= 64 || v < (int64_t{1} << t.bits));
  if (t.is_int() && t.bits < 64) {
    int64_t hi = (int64_t{1} << (t.bits - 1)) - 1;
    return v >= -hi - 1 && v <= hi;
  }
  return true;
}

// `x op v` with an integer literal outside x's range: NumPy 2 answers comparisons exactly.
Expr compare_out_of_range(BinaryOp op, const Expr& x, int64_t v, bool literal_left) {
  bool literal_above = v > 0;  // v is beyond max if positive, below min if negative
  bool x_less = literal_left ? !literal_above : literal_above;  // is (left < right)?
  bool r = false;
  switch (op) {
    case BinaryOp::EQ: r = false; break;
    case BinaryOp::NE: r = true; break;
    case BinaryOp::LT: case BinaryOp::LE: r = x_less; break;
    case BinaryOp::GT: case BinaryOp::GE: r = !x_less; break;
    default: break;
  }
  return make_const(DataType::Bool(x.type().lanes), int64_t{r});
}

Expr weak_int(BinaryOp op, const Expr& x, int64_t v, bool literal_left) {
  std::string what = std::string("operator") + to_string(op);
  require_defined(what.c_str(), x);
  DataType t = x.type();
  if (!is_numeric(t)) user_error(what + ": needs a numeric operand, got " + t.str());
  if (t.is_bool()) t = DataType::Int(64, t.lanes);  // Python int beside bool -> default int
  if (t.is_integer() && is_comparison(op) && !fits(t, v)) return compare_out_of_range(op, x, v, literal_left);
  Expr lit = make_const(t, v);
  Expr xc = cast(t, x);
  return literal_left ? build(op, lit, xc) : build(op, xc, lit);
}

Expr weak_float(BinaryOp op, const Expr& x, double v, bool literal_left) {
  std::string what = std::string("operator") + to_string(op);
  require_defined(what.c_str(), x);
  DataType t = x.type();
  if (!is_numeric(t)) user_error(what + ": needs a numeric operand, got " + t.str());
  if (!t.is_float()) t = DataType::Float(64, t.lanes);
  Expr lit = make_const(t, v);
  Expr xc = cast(t, x);
  return literal_left ? build(op, lit, xc) : build(op, xc, lit);
}

Expr to_bool(const char* what, const Expr& e) {
  require_defined(what, e);
  if (!is_numeric(e.type())) user_error(std::string(what) + ": needs a numeric operand, got " + e.type().str());
  return cast(DataType::Bool(e.type().lanes), e);
}

// Calls a float intrinsic on args of one float type; 16-bit floats compute in float32.
Expr float_call(Intrinsic op, std::vector<Expr> args) {
  DataType t = args[0].type();
  if (!is_16bit_float(t)) return CallNode::make(t, op, std::move(args));
  DataType f32 = DataType::Float(32, t.lanes);
  for (Expr& a : args) a = cast(f32, a);
  return cast(t, CallNode::make(f32, op, std::move(args)));
}

Expr unary_math(const char* what, Intrinsic op, const Expr& x) {
  require_defined(what, x);
  return float_call(op, {cast(math_float_type(what, x.type()), x)});
}

Expr binary_math(const char* what, Intrinsic op, Expr x, Expr y) {
  require_defined(what, x);
  require_defined(what, y);
  match_lanes(what, &x, &y);
  // Each operand's own float first: atan2(int8, uint8) is float16, as in NumPy.
  DataType t = promote_types(math_float_type(what, x.type()), math_float_type(what, y.type()));
  // nextafter steps in the operands' own precision, so 16-bit floats are not widened.
  if (op == Intrinsic::Nextafter) return CallNode::make(t, op, {cast(t, x), cast(t, y)});
  return float_call(op, {cast(t, x), cast(t, y)});
}

// Rounding functions leave integers and bools as they are.
Expr rounding(const char* what, Intrinsic op, const Expr& x) {
  require_defined(what, x);
  DataType t = x.type();
  if (t.is_integer() || t.is_bool()) return x;
  if (!t.is_float()) user_error(std::string(what) + ": needs a numeric operand, got " + t.str());
  return float_call(op, {x});
}

Expr predicate(const char* what, Intrinsic op, const Expr& x, bool integer_answer) {
  require_defined(what, x);
  DataType t = x.type();
  if (t.is_integer() || t.is_bool()) return make_const(DataType::Bool(t.lanes), int64_t{integer_answer});
  if (!t.is_float()) user_error(std::string(what) + ": needs a numeric operand, got " + t.str());
  Expr arg = is_16bit_float(t) ? cast(DataType::Float(32, t.lanes), x) : x;  // exact widening
  return CallNode::make(DataType::Bool(t.lanes), op, {arg});
}

}  // namespace

DataType promote_types(DataType a, DataType b) {
  if (a.lanes != b.lanes)
    throw IRError("promote_types: lanes differ (" + a.str() + " vs " + b.str() + ")");
  if (!is_numeric(a) || !is_numeric(b))
    throw IRError("promote_types: no promotion between " + a.str() + " and " + b.str());
  int lanes = a.lanes;
  if (a == b) return a;
  if (a.is_bool()) return b;
  if (b.is_bool()) return a;
  if (a.is_float() && b.is_float()) {
    if (a.bits == b.bits) return DataType::Float(32, lanes);  // float16 with bfloat16
    return a.bits > b.bits ? a : b;
  }
  if (a.is_float() || b.is_float()) {
    DataType f = a.is_float() ? a : b;
    DataType i = a.is_float() ? b : a;
    int need = float_bits_for_integer(i);
    return f.bits >= need ? f : DataType::Float(need, lanes);
  }
  if (a.code == b.code) return a.bits >= b.bits ? a : b;
  DataType s = a.is_int() ? a : b;
  DataType u = a.is_int() ? b : a;
  if (s.bits > u.bits) return s;
  if (u.bits < 64) return DataType::Int(2 * u.bits, lanes);
  return DataType::Float(64, lanes);  // int64 with uint64
}

Expr cast(DataType t, const Expr& e) {
  if (!e.defined()) user_error("cast: operand is an undefined expression");
  if (t.lanes == 1 && e.type().lanes != 1) t = t.with_lanes(e.type().lanes);
  if (e.type() == t) return e;
  // Fold casts of scalar constants so literals print as `3i32` rather than `int32(3)`.
  if (t.is_scalar()) {
    if (const auto* i = e.as<IntImmNode>()) {
      if (t.is_integer() || t.is_bool()) return IntImmNode::make(t, i->value);
      if (t.is_float()) {
        // Round once, straight to the target width (going through double would round twice).
        bool u = e.type().is_uint();
        auto v = static_cast<uint64_t>(i->value);
        double d = t.bits <= 32 ? static_cast<double>(u ? static_cast<float>(v) : static_cast<float>(i->value))
                                : (u ? static_cast<double>(v) : static_cast<double>(i->value));
        return FloatImmNode::make(t, d);
      }
    }
    if (const auto* f = e.as<FloatImmNode>()) {
      if (t.is_float()) return FloatImmNode::make(t, f->value);
      if (t.is_bool()) return make_bool(f->value != 0);
      // Out-of-range float->int casts are unspecified: leave those to the target.
      double r = std::trunc(f->value);
      if (t.is_integer() && float_fits(t, r)) return make_const(t, r);
    }
  }
  return CastNode::make(t, e);
}


#define TESSERA_DEFINE_BINARY_OPERATOR(OP, BOP)                                                  \
  Expr operator OP(const Expr& a, const Expr& b) { return binary(BinaryOp::BOP, a, b); }         \
  Expr operator OP(const Expr& a, int64_t b) { return weak_int(BinaryOp::BOP, a, b, false); }    \
  Expr operator OP(int64_t a, const Expr& b) { return weak_int(BinaryOp::BOP, b, a, true); }     \
  Expr operator OP(const Expr& a, int b) { return weak_int(BinaryOp::BOP, a, b, false); }        \
  Expr operator OP(int a, const Expr& b) { return weak_int(BinaryOp::BOP, b, a, true); }         \
  Expr operator OP(const Expr& a, double b) { return weak_float(BinaryOp::BOP, a, b, false); }   \
  Expr operator OP(double a, const Expr& b) { return weak_float(BinaryOp::BOP, b, a, true); }

TESSERA_DEFINE_BINARY_OPERATOR(+, Add)
TESSERA_DEFINE_BINARY_OPERATOR(-, Sub)
TESSERA_DEFINE_BINARY_OPERATOR(*, Mul)
TESSERA_DEFINE_BINARY_OPERATOR(/, Div)
TESSERA_DEFINE_BINARY_OPERATOR(%, Mod)
TESSERA_DEFINE_BINARY_OPERATOR(==, EQ)
TESSERA_DEFINE_BINARY_OPERATOR(!=, NE)
TESSERA_DEFINE_BINARY_OPERATOR(<, LT)
TESSERA_DEFINE_BINARY_OPERATOR(<=, LE)
TESSERA_DEFINE_BINARY_OPERATOR(>, GT)
TESSERA_DEFINE_BINARY_OPERATOR(>=, GE)
TESSERA_DEFINE_BINARY_OPERATOR(&, BitAnd)
TESSERA_DEFINE_BINARY_OPERATOR(|, BitOr)
TESSERA_DEFINE_BINARY_OPERATOR(^, BitXor)
TESSERA_DEFINE_BINARY_OPERATOR(<<, Shl)
TESSERA_DEFINE_BINARY_OPERATOR(>>, Shr)
#undef TESSERA_DEFINE_BINARY_OPERATOR

Expr operator&&(const Expr& a, const Expr& b) {
  Expr x = to_bool("operator&&", a), y = to_bool("operator&&", b);
  match_lanes("operator&&", &x, &y);
  return BinaryNode::make(BinaryOp::And, x, y);
}

Expr operator||(const Expr& a, const Expr& b) {
  Expr x = to_bool("operator||", a), y = to_bool("operator||", b);
  match_lanes("operator||", &x, &y);
  return BinaryNode::make(BinaryOp::Or, x, y);
}

Expr operator!(const Expr& a) {
  Expr x = to_bool("operator!", a);
  return CallNode::make(x.type(), Intrinsic::LogicalNot, {x});
}

Expr operator-(const Expr& a) {
  require_defined("operator-", a);
  DataType t = a.type();
  if (t.is_bool()) user_error("operator-: negating a bool is not supported (NumPy); use !");
  if (!t.is_integer() && !t.is_float()) user_error("operator-: needs a numeric operand, got " + t.str());
  return CallNode::make(t, Intrinsic::Neg, {a});
}

Expr operator~(const Expr& a) {
  require_defined("operator~", a);
  DataType t = a.type();
  if (!t.is_integer() && !t.is_bool()) user_error("operator~: needs an integer or bool operand, got " + t.str());
  return CallNode::make(t, Intrinsic::BitNot, {a});
}

Expr floordiv(const Expr& a, const Expr& b) { return binary(BinaryOp::Div, a, b); }
Expr floormod(const Expr& a, const Expr& b) { return binary(BinaryOp::Mod, a, b); }

Expr truediv(const Expr& a, const Expr& b) {
  require_defined("truediv", a);
  require_defined("truediv", b);
  Expr x = a, y = b;
  match_lanes("truediv", &x, &y);
  DataType t = promote_types(x.type(), y.type());
  if (!t.is_float()) t = DataType::Float(64, t.lanes);
  return BinaryNode::make(BinaryOp::Div, cast(t, x), cast(t, y));
}

Expr min(const Expr& a, const Expr& b) { return binary(BinaryOp::Min, a, b); }
Expr max(const Expr& a, const Expr& b) { return binary(BinaryOp::Max, a, b); }

Expr select(const Expr& cond, const Expr& t, const Expr& f) {
  Expr c = to_bool("select", cond);
  require_defined("select", t);
  require_defined("select", f);
  Expr x = t, y = f;
  match_lanes("select", &x, &y);
  DataType type = promote_types(x.type(), y.type());
  x = cast(type, x);
  y = cast(type, y);
  if (c.type().lanes > 1 && type.lanes == 1) {
    x = BroadcastNode::make(x, c.type().lanes);
    y = BroadcastNode::make(y, c.type().lanes);
  } else if (c.type().lanes != 1 && c.type().lanes != type.lanes) {
    user_error("select: condition lanes " + c.type().str() + " do not match values " + type.str());
  }
  return SelectNode::make(c, x, y);
}

#define TESSERA_DEFINE_UNARY_MATH(NAME, OP) \
  Expr NAME(const Expr& x) { return unary_math(#NAME, Intrinsic::OP, x); }
TESSERA_DEFINE_UNARY_MATH(exp, Exp)
TESSERA_DEFINE_UNARY_MATH(exp2, Exp2)
TESSERA_DEFINE_UNARY_MATH(expm1, Expm1)
TESSERA_DEFINE_UNARY_MATH(log, Log)
TESSERA_DEFINE_UNARY_MATH(log2, Log2)
TESSERA_DEFINE_UNARY_MATH(log10, Log10)
TESSERA_DEFINE_UNARY_MATH(log1p, Log1p)
TESSERA_DEFINE_UNARY_MATH(sqrt, Sqrt)
TESSERA_DEFINE_UNARY_MATH(sin, Sin)
TESSERA_DEFINE_UNARY_MATH(cos, Cos)
TESSERA_DEFINE_UNARY_MATH(tan, Tan)
TESSERA_DEFINE_UNARY_MATH(asin, Asin)
TESSERA_DEFINE_UNARY_MATH(acos, Acos)
TESSERA_DEFINE_UNARY_MATH(atan, Atan)
TESSERA_DEFINE_UNARY_MATH(sinh, Sinh)
TESSERA_DEFINE_UNARY_MATH(cosh, Cosh)
TESSERA_DEFINE_UNARY_MATH(tanh, Tanh)
TESSERA_DEFINE_UNARY_MATH(asinh, Asinh)
TESSERA_DEFINE_UNARY_MATH(acosh, Acosh)
TESSERA_DEFINE_UNARY_MATH(atanh, Atanh)
#undef TESSERA_DEFINE_UNARY_MATH

Expr floor(const Expr& x) { return rounding("floor", Intrinsic::Floor, x); }
Expr ceil(const Expr& x) { return rounding("ceil", Intrinsic::Ceil, x); }
Expr trunc(const Expr& x) { return rounding("trunc", Intrinsic::Trunc, x); }
Expr round(const Expr& x) { return rounding("round", Intrinsic::Round, x); }

Expr abs(const Expr& x) {
  require_defined("abs", x);
  DataType t = x.type();
  if (t.is_bool() || t.is_uint()) return x;
  if (!t.is_int() && !t.is_float()) user_error("abs: needs a numeric operand, got " + t.str());
  return CallNode::make(t, Intrinsic::Abs, {x});
}

Expr atan2(const Expr& y, const Expr& x) { return binary_math("atan2", Intrinsic::Atan2, y, x); }
Expr hypot(const Expr& x, const Expr& y) { return binary_math("hypot", Intrinsic::Hypot, x, y); }
Expr copysign(const Expr& x, const Expr& y) { return binary_math("copysign", Intrinsic::Copysign, x, y); }
Expr nextafter(const Expr& x, const Expr& y) { return binary_math("nextafter", Intrinsic::Nextafter, x, y); }

Expr pow(const Expr& x, const Expr& y) {
  require_defined("pow", x);
  require_defined("pow", y);
  Expr a = x, b = y;
  match_lanes("pow", &a, &b);
  DataType t = promote_types(a.type(), b.type());
  if (t.is_bool()) t = DataType::Int(8, t.lanes);  // np.power on bool gives int8
  if (t.is_integer()) return CallNode::make(t, Intrinsic::IPow, {cast(t, a), cast(t, b)});
  return float_call(Intrinsic::Pow, {cast(t, a), cast(t, b)});
}

Expr fmod(const Expr& x, const Expr& y) {
  require_defined("fmod", x);
  require_defined("fmod", y);
  Expr a = x, b = y;
  match_lanes("fmod", &a, &b);
  DataType t = promote_types(a.type(), b.type());
  if (t.is_float()) return float_call(Intrinsic::Fmod, {cast(t, a), cast(t, b)});
  // Integers (np.fmod keeps them): the remainder takes the dividend's sign. From the floor
  // modulo r (sign of the divisor): when r != 0 and the operands' signs differ, r - b.
  if (t.is_bool()) t = DataType::Int(8, t.lanes);
  a = cast(t, a);
  b = cast(t, b);
  Expr r = BinaryNode::make(BinaryOp::Mod, a, b);
  if (t.is_uint()) return r;
  Expr zero = make_zero(t);
  Expr signs_differ = BinaryNode::make(BinaryOp::NE, BinaryNode::make(BinaryOp::LT, a, zero),
                                       BinaryNode::make(BinaryOp::LT, b, zero));
  Expr adjust = BinaryNode::make(BinaryOp::And, BinaryNode::make(BinaryOp::NE, r, zero), signs_differ);
  return SelectNode::make(adjust, BinaryNode::make(BinaryOp::Sub, r, b), r);
}

Expr isnan(const Expr& x) { return predicate("isnan", Intrinsic::IsNan, x, false); }
Expr isinf(const Expr& x) { return predicate("isinf", Intrinsic::IsInf, x, false); }
Expr isfinite(const Expr& x) { return predicate("isfinite", Intrinsic::IsFinite, x, true); }

Expr signbit(const Expr& x) {
  require_defined("signbit", x);
  if (x.type().is_int()) return BinaryNode::make(BinaryOp::LT, x, make_zero(x.type()));
  return predicate("signbit", Intrinsic::Signbit, x, false);
}

// ---- weak-literal forms of the functions -------------------------------------------------

namespace {

// A literal beside x becomes a constant of the type NEP 50 gives it.
Expr weak_const(const char* what, const Expr& x, int64_t v) {
  require_defined(what, x);
  DataType t = x.type();
  if (!is_numeric(t)) user_error(std::string(what) + ": needs a numeric operand, got " + t.str());
  return make_const(t.is_bool() ? DataType::Int(64, t.lanes) : t, v);
}

Expr weak_const(const char* what, const Expr& x, double v) {
  require_defined(what, x);
  DataType t = x.type();
  if (!is_numeric(t)) user_error(std::string(what) + ": needs a numeric operand, got " + t.str());
  return make_const(t.is_float() ? t : DataType::Float(64, t.lanes), v);
}

}  // namespace

#define TESSERA_DEFINE_WEAK_LITERAL_FORMS(NAME)                                                  \
  Expr NAME(const Expr& a, int64_t b) { return NAME(a, weak_const(#NAME, a, b)); }              \
  Expr NAME(int64_t a, const Expr& b) { return NAME(weak_const(#NAME, b, a), b); }              \
  Expr NAME(const Expr& a, int b) { return NAME(a, weak_const(#NAME, a, int64_t{b})); }         \
  Expr NAME(int a, const Expr& b) { return NAME(weak_const(#NAME, b, int64_t{a}), b); }         \
  Expr NAME(const Expr& a, double b) { return NAME(a, weak_const(#NAME, a, b)); }               \
  Expr NAME(double a, const Expr& b) { return NAME(weak_const(#NAME, b, a), b); }
TESSERA_DEFINE_WEAK_LITERAL_FORMS(floordiv)
TESSERA_DEFINE_WEAK_LITERAL_FORMS(floormod)
TESSERA_DEFINE_WEAK_LITERAL_FORMS(truediv)
TESSERA_DEFINE_WEAK_LITERAL_FORMS(min)
TESSERA_DEFINE_WEAK_LITERAL_FORMS(max)
TESSERA_DEFINE_WEAK_LITERAL_FORMS(atan2)
TESSERA_DEFINE_WEAK_LITERAL_FORMS(pow)
TESSERA_DEFINE_WEAK_LITERAL_FORMS(hypot)
TESSERA_DEFINE_WEAK_LITERAL_FORMS(copysign)
TESSERA_DEFINE_WEAK_LITERAL_FORMS(nextafter)
TESSERA_DEFINE_WEAK_LITERAL_FORMS(fmod)
#undef TESSERA_DEFINE_WEAK_LITERAL_FORMS

Expr select(const Expr& c, const Expr& t, int64_t f) { return select(c, t, weak_const("select", t, f)); }
Expr select(const Expr& c, int64_t t, const Expr& f) { return select(c, weak_const("select", f, t), f); }
Expr select(const Expr& c, const Expr& t, int f) { return select(c, t, weak_const("select", t, int64_t{f})); }
Expr select(const Expr& c, int t, const Expr& f) { return select(c, weak_const("select", f, int64_t{t}), f); }
Expr select(const Expr& c, const Expr& t, double f) { return select(c, t, weak_const("select", t, f)); }
Expr select(const Expr& c, double t, const Expr& f) { return select(c, weak_const("select", f, t), f); }

}  // namespace tessera::ir
