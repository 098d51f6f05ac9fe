// The LLVM CPU code generator on floats: operator semantics with special values, exact
// operations, every math function within 4 ULP (scalar, native and odd vector widths),
// float16/bfloat16 conversion rounding and 16-bit arithmetic, against plain C++ references.
#include <gtest/gtest.h>

#include "codegen_llvm_util.h"

namespace {

using namespace codegen_llvm_test;

// ---- float semantics ----------------------------------------------------------------------

template <class F>
bool same_float(F a, F b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::memcmp(&a, &b, sizeof(F)) == 0;
}

template <class F>
F ref_float(BinaryOp op, F a, F b) {
  switch (op) {
    case BinaryOp::Add: return a + b;
    case BinaryOp::Sub: return a - b;
    case BinaryOp::Mul: return a * b;
    case BinaryOp::Div: return a / b;
    case BinaryOp::Mod: {  // NumPy remainder
      F m = std::fmod(a, b);
      if (b == 0) return m;
      if (m != 0) {
        if ((b < 0) != (m < 0)) m += b;
      } else {
        m = std::copysign(F(0), b);
      }
      return m;
    }
    case BinaryOp::Max: return (a >= b || std::isnan(a)) ? a : b;
    case BinaryOp::Min: return (a <= b || std::isnan(a)) ? a : b;
    default: throw std::logic_error("not a float op");
  }
}

bool ref_compare(BinaryOp op, double a, double b) {
  switch (op) {
    case BinaryOp::EQ: return a == b;
    case BinaryOp::NE: return a != b;
    case BinaryOp::LT: return a < b;
    case BinaryOp::LE: return a <= b;
    case BinaryOp::GT: return a > b;
    default: return a >= b;
  }
}

template <class F>
std::vector<F> float_specials() {
  const F inf = std::numeric_limits<F>::infinity();
  return {F(0), -F(0), F(1), F(-1), F(0.5), F(-0.5), F(1.5), F(2.5), F(-2.5), F(3), F(-7.25), inf, -inf,
          std::numeric_limits<F>::quiet_NaN(), std::numeric_limits<F>::denorm_min(),
          -std::numeric_limits<F>::denorm_min(), std::numeric_limits<F>::max(), -std::numeric_limits<F>::max(),
          std::numeric_limits<F>::min(), F(1e10), F(-3.5)};
}

// Pairs of specials, then random values of varied magnitude.
template <class F>
void float_pairs(std::vector<F>* a, std::vector<F>* b, uint64_t seed, int random_count = 2000) {
  for (F x : float_specials<F>())
    for (F y : float_specials<F>()) {
      a->push_back(x);
      b->push_back(y);
    }
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> mant(-10, 10);
  std::uniform_int_distribution<int> expo(-20, 20);
  for (int i = 0; i < random_count; ++i) {
    a->push_back(static_cast<F>(std::ldexp(mant(rng), expo(rng))));
    b->push_back(static_cast<F>(i % 3 ? std::ldexp(mant(rng), expo(rng)) : mant(rng)));
  }
}

template <class F>
void check_float_semantics() {
  const DataType t = dtype_of<F>();
  const std::vector<BinaryOp> arith = {BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Div,
                                       BinaryOp::Mod, BinaryOp::Min, BinaryOp::Max};
  const std::vector<BinaryOp> cmps = {BinaryOp::EQ, BinaryOp::NE, BinaryOp::LT,
                                      BinaryOp::LE, BinaryOp::GT, BinaryOp::GE};
  std::vector<LoweredFunc> funcs;
  for (int lanes : {1, 8}) {
    for (BinaryOp op : arith)
      funcs.push_back(elementwise(std::string(op_name(op)) + "_" + std::to_string(lanes), {t, t}, t, lanes,
                                  [op](const std::vector<Expr>& x) { return bin(op, x[0], x[1]); }));
    for (BinaryOp op : cmps)
      funcs.push_back(elementwise(std::string(op_name(op)) + "_" + std::to_string(lanes), {t, t}, DataType::Bool(), lanes,
                                  [op](const std::vector<Expr>& x) { return bin(op, x[0], x[1]); }));
  }
  auto jit = jit_compile(funcs);
  std::vector<F> a, b;
  float_pairs(&a, &b, 3);
  Array A = make_array(t, a), B = make_array(t, b);
  for (int lanes : {1, 8}) {
    for (BinaryOp op : arith) {
      Array out = run_elementwise(*jit, std::string(op_name(op)) + "_" + std::to_string(lanes), {&A, &B}, t);
      Mismatches bad(t.str() + " " + op_name(op) + " lanes " + std::to_string(lanes));
      for (size_t i = 0; i < a.size(); ++i)
        if (!same_float(out.get<F>(i), ref_float(op, a[i], b[i])))
          bad.add(show(a[i]) + " " + op_name(op) + " " + show(b[i]) + " = " + show(out.get<F>(i)) + ", want " +
                  show(ref_float(op, a[i], b[i])));
    }
    for (BinaryOp op : cmps) {
      Array out = run_elementwise(*jit, std::string(op_name(op)) + "_" + std::to_string(lanes), {&A, &B}, DataType::Bool());
      Mismatches bad(t.str() + " " + op_name(op) + " lanes " + std::to_string(lanes));
      for (size_t i = 0; i < a.size(); ++i)
        if (out.get<uint8_t>(i) != (ref_compare(op, a[i], b[i]) ? 1 : 0))
          bad.add(show(a[i]) + " " + op_name(op) + " " + show(b[i]) + " = " + std::to_string(out.get<uint8_t>(i)));
    }
  }
}

TEST(CodegenLLVM, FloatSemanticsFloat32) { check_float_semantics<float>(); }
TEST(CodegenLLVM, FloatSemanticsFloat64) { check_float_semantics<double>(); }

// Operations with exact results: compared bit for bit with <cmath>.
template <class F>
void check_exact_float_ops() {
  const DataType t = dtype_of<F>();
  struct Op {
    std::string name;
    Intrinsic op;
    int arity;
    std::function<F(F, F, F)> ref;
  };
  const std::vector<Op> ops = {
      {"sqrt", Intrinsic::Sqrt, 1, [](F x, F, F) { return std::sqrt(x); }},
      {"floor", Intrinsic::Floor, 1, [](F x, F, F) { return std::floor(x); }},
      {"ceil", Intrinsic::Ceil, 1, [](F x, F, F) { return std::ceil(x); }},
      {"trunc", Intrinsic::Trunc, 1, [](F x, F, F) { return std::trunc(x); }},
      {"round", Intrinsic::Round, 1, [](F x, F, F) { return std::nearbyint(x); }},
      {"abs", Intrinsic::Abs, 1, [](F x, F, F) { return std::fabs(x); }},
      {"neg", Intrinsic::Neg, 1, [](F x, F, F) { return -x; }},
      {"copysign", Intrinsic::Copysign, 2, [](F x, F y, F) { return std::copysign(x, y); }},
      {"nextafter", Intrinsic::Nextafter, 2, [](F x, F y, F) { return std::nextafter(x, y); }},
      {"fmod", Intrinsic::Fmod, 2, [](F x, F y, F) { return std::fmod(x, y); }},
      {"fma", Intrinsic::Fma, 3, [](F x, F y, F z) { return std::fma(x, y, z); }},
  };
  const std::vector<std::pair<Intrinsic, std::function<bool(F)>>> predicates = {
      {Intrinsic::IsNan, [](F x) { return std::isnan(x); }},
      {Intrinsic::IsInf, [](F x) { return std::isinf(x); }},
      {Intrinsic::IsFinite, [](F x) { return std::isfinite(x); }},
      {Intrinsic::Signbit, [](F x) { return std::signbit(x); }}};
  std::vector<LoweredFunc> funcs;
  for (int lanes : {1, 8}) {
    for (const Op& op : ops)
      funcs.push_back(elementwise(op.name + std::to_string(lanes), {t, t, t}, t, lanes, [&](const std::vector<Expr>& x) {
        return call(x[0].type(), op.op, std::vector<Expr>(x.begin(), x.begin() + op.arity));
      }));
    for (size_t p = 0; p < predicates.size(); ++p)
      funcs.push_back(elementwise("pred" + std::to_string(p) + "_" + std::to_string(lanes), {t}, DataType::Bool(), lanes,
                                  [&](const std::vector<Expr>& x) {
                                    return call(DataType::Bool(x[0].type().lanes), predicates[p].first, {x[0]});
                                  }));
  }
  auto jit = jit_compile(funcs);
  std::vector<F> a, b, c;
  float_pairs(&a, &b, 11);
  std::mt19937_64 rng(5);
  for (size_t i = 0; i < a.size(); ++i) c.push_back(static_cast<F>(std::uniform_real_distribution<double>(-100, 100)(rng)));
  // Rounding ties and a NaN with its sign bit set.
  for (double v : {0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 4503599627370497.0}) {
    a.push_back(static_cast<F>(v));
    b.push_back(1);
    c.push_back(0);
  }
  a.push_back(-std::numeric_limits<F>::quiet_NaN());
  b.push_back(1);
  c.push_back(0);
  // fmod with quotients around the precision limit, just beside a multiple of b.
  const int digits = std::numeric_limits<F>::digits;
  for (int k = 0; k < 200; ++k) {
    F divisor = static_cast<F>(std::uniform_real_distribution<double>(0.1, 10)(rng));
    double q = std::ldexp(1.0, digits - 2 + k % 4) + (k % 3) - 1;
    F dividend = static_cast<F>(q * divisor);
    for (F v : {dividend, std::nextafter(dividend, F(0)), std::nextafter(dividend, F(INFINITY))}) {
      a.push_back(k % 2 ? -v : v);
      b.push_back(k % 5 ? divisor : -divisor);
      c.push_back(0);
    }
  }
  Array A = make_array(t, a), B = make_array(t, b), C = make_array(t, c);
  for (int lanes : {1, 8}) {
    for (const Op& op : ops) {
      Array out = run_elementwise(*jit, op.name + std::to_string(lanes), {&A, &B, &C}, t);
      Mismatches bad(t.str() + " " + op.name + " lanes " + std::to_string(lanes));
      for (size_t i = 0; i < a.size(); ++i) {
        F want = op.ref(a[i], b[i], c[i]);
        if (!same_float(out.get<F>(i), want))
          bad.add(op.name + "(" + show(a[i]) + ", " + show(b[i]) + ", " + show(c[i]) + ") = " + show(out.get<F>(i)) +
                  ", want " + show(want));
      }
    }
    for (size_t p = 0; p < predicates.size(); ++p) {
      Array out = run_elementwise(*jit, "pred" + std::to_string(p) + "_" + std::to_string(lanes), {&A}, DataType::Bool());
      Mismatches bad(t.str() + " predicate " + to_string(predicates[p].first));
      for (size_t i = 0; i < a.size(); ++i)
        if (out.get<uint8_t>(i) != (predicates[p].second(a[i]) ? 1 : 0)) bad.add(show(a[i]));
    }
  }
}

TEST(CodegenLLVM, ExactFloatOpsFloat32) { check_exact_float_ops<float>(); }
TEST(CodegenLLVM, ExactFloatOpsFloat64) { check_exact_float_ops<double>(); }

// ---- math functions -----------------------------------------------------------------------

template <class F>
double ulp_distance(F got, F want) {
  if (std::isnan(got) || std::isnan(want)) return std::isnan(got) && std::isnan(want) ? 0 : INFINITY;
  if (got == want) return 0;
  using I = std::conditional_t<sizeof(F) == 4, int32_t, int64_t>;
  auto ordered = [](F x) {
    I i = std::bit_cast<I>(x);
    return static_cast<long double>(i < 0 ? std::numeric_limits<I>::min() - i : i);
  };
  return static_cast<double>(std::fabs(ordered(got) - ordered(want)));
}

struct MathFn {
  const char* name;
  Intrinsic op;
  int arity;
  double lo, hi;              // random inputs (first and second argument)
  double lo64, hi64;          // for float64, where the range differs
  long double (*ref)(long double, long double);
};

const std::vector<MathFn>& math_functions() {
  using L = long double;
  static const std::vector<MathFn> fns = {
      {"exp", Intrinsic::Exp, 1, -87, 87, -700, 700, [](L x, L) { return std::exp(x); }},
      {"exp2", Intrinsic::Exp2, 1, -125, 125, -1000, 1000, [](L x, L) { return std::exp2(x); }},
      {"expm1", Intrinsic::Expm1, 1, -10, 10, -10, 10, [](L x, L) { return std::expm1(x); }},
      {"log", Intrinsic::Log, 1, 1e-6, 1e6, 1e-6, 1e6, [](L x, L) { return std::log(x); }},
      {"log2", Intrinsic::Log2, 1, 1e-6, 1e6, 1e-6, 1e6, [](L x, L) { return std::log2(x); }},
      {"log10", Intrinsic::Log10, 1, 1e-6, 1e6, 1e-6, 1e6, [](L x, L) { return std::log10(x); }},
      {"log1p", Intrinsic::Log1p, 1, -0.99, 10, -0.99, 10, [](L x, L) { return std::log1p(x); }},
      {"sin", Intrinsic::Sin, 1, -10, 10, -10, 10, [](L x, L) { return std::sin(x); }},
      {"cos", Intrinsic::Cos, 1, -10, 10, -10, 10, [](L x, L) { return std::cos(x); }},
      {"tan", Intrinsic::Tan, 1, -10, 10, -10, 10, [](L x, L) { return std::tan(x); }},
      {"asin", Intrinsic::Asin, 1, -1, 1, -1, 1, [](L x, L) { return std::asin(x); }},
      {"acos", Intrinsic::Acos, 1, -1, 1, -1, 1, [](L x, L) { return std::acos(x); }},
      {"atan", Intrinsic::Atan, 1, -100, 100, -100, 100, [](L x, L) { return std::atan(x); }},
      {"sinh", Intrinsic::Sinh, 1, -80, 80, -700, 700, [](L x, L) { return std::sinh(x); }},
      {"cosh", Intrinsic::Cosh, 1, -80, 80, -700, 700, [](L x, L) { return std::cosh(x); }},
      {"tanh", Intrinsic::Tanh, 1, -10, 10, -10, 10, [](L x, L) { return std::tanh(x); }},
      {"asinh", Intrinsic::Asinh, 1, -1000, 1000, -1000, 1000, [](L x, L) { return std::asinh(x); }},
      {"acosh", Intrinsic::Acosh, 1, 1, 1000, 1, 1000, [](L x, L) { return std::acosh(x); }},
      {"atanh", Intrinsic::Atanh, 1, -0.999, 0.999, -0.999, 0.999, [](L x, L) { return std::atanh(x); }},
      {"atan2", Intrinsic::Atan2, 2, -10, 10, -10, 10, [](L y, L x) { return std::atan2(y, x); }},
      {"pow", Intrinsic::Pow, 2, 0.01, 10, 0.01, 10, [](L x, L y) { return std::pow(x, y); }},
      {"hypot", Intrinsic::Hypot, 2, -1000, 1000, -1000, 1000, [](L x, L y) { return std::hypot(x, y); }},
  };
  return fns;
}

template <class F>
void check_math_functions(int lanes) {
  const DataType t = dtype_of<F>();
  const bool f64 = sizeof(F) == 8;
  std::vector<LoweredFunc> funcs;
  for (const MathFn& fn : math_functions())
    funcs.push_back(elementwise(std::string("k_") + fn.name, {t, t}, t, lanes, [&](const std::vector<Expr>& x) {
      return call(x[0].type(), fn.op, std::vector<Expr>(x.begin(), x.begin() + fn.arity));
    }));
  auto jit = jit_compile(funcs);
  std::mt19937_64 rng(lanes * 1000 + sizeof(F));
  for (const MathFn& fn : math_functions()) {
    const double lo = f64 ? fn.lo64 : fn.lo, hi = f64 ? fn.hi64 : fn.hi;
    const bool log_scale = lo > 0 && hi / lo > 1e3;
    std::uniform_real_distribution<double> dist(log_scale ? std::log(lo) : lo, log_scale ? std::log(hi) : hi);
    std::vector<F> x, y;
    x.push_back(std::numeric_limits<F>::quiet_NaN());  // NaN propagates
    y.push_back(F(2.5));
    for (int i = 0; i < 997; ++i) {
      double u = dist(rng), v = std::uniform_real_distribution<double>(-10, 10)(rng);
      x.push_back(static_cast<F>(log_scale ? std::exp(u) : u));
      y.push_back(static_cast<F>(fn.op == Intrinsic::Atan2 || fn.op == Intrinsic::Hypot ? dist(rng) : v));
    }
    Array X = make_array(t, x), Y = make_array(t, y);
    Array out = run_elementwise(*jit, std::string("k_") + fn.name, {&X, &Y}, t);
    double worst = 0;
    std::string worst_case;
    for (size_t i = 0; i < x.size(); ++i) {
      F want = static_cast<F>(fn.ref(x[i], y[i]));
      double d = ulp_distance(out.get<F>(i), want);
      if (d > worst) {
        worst = d;
        worst_case = std::string(fn.name) + "(" + show(x[i]) + (fn.arity == 2 ? ", " + show(y[i]) : "") + ") = " +
                     show(out.get<F>(i)) + ", want " + show(want);
      }
    }
    EXPECT_LE(worst, 4.0) << t.str() << " lanes " << lanes << ": " << worst_case;
  }
}

TEST(CodegenLLVM, MathFloat32Scalar) { check_math_functions<float>(1); }
TEST(CodegenLLVM, MathFloat32Native) { check_math_functions<float>(CpuTarget::host().vector_bits() / 32); }
TEST(CodegenLLVM, MathFloat32OddWidths) {
  check_math_functions<float>(5);
  check_math_functions<float>(37);
}
TEST(CodegenLLVM, MathFloat64Scalar) { check_math_functions<double>(1); }
TEST(CodegenLLVM, MathFloat64Native) { check_math_functions<double>(CpuTarget::host().vector_bits() / 64); }
TEST(CodegenLLVM, MathFloat64OddWidths) {
  check_math_functions<double>(3);
  check_math_functions<double>(19);
}

TEST(CodegenLLVM, VectorMathCallsLibmvec) {
  CpuTarget host = CpuTarget::host();
  if (!host.has_feature("avx512f")) GTEST_SKIP() << "host has no AVX-512";
  std::string ir = tessera::codegen::emit_llvm_ir({elementwise("vexp", {DataType::Float(32)}, DataType::Float(32), 32,
                                                               [](const std::vector<Expr>& x) {
                                                                 return call(x[0].type(), Intrinsic::Exp, {x[0]});
                                                               })});
  EXPECT_NE(ir.find("_ZGVeN16v_expf"), std::string::npos) << ir;
  EXPECT_NE(ir.find("define i32 @vexp(ptr"), std::string::npos);
}

TEST(CodegenLLVM, Float16Conversions) {
  const DataType f16 = DataType::Float(16), f32 = DataType::Float(32), f64 = DataType::Float(64);
  std::vector<LoweredFunc> funcs;
  for (int lanes : {1, 8, 16}) {
    auto cast_to = [](DataType to) {
      return [to](const std::vector<Expr>& x) { return CastNode::make(to.with_lanes(x[0].type().lanes), x[0]); };
    };
    funcs.push_back(elementwise("h2f_" + std::to_string(lanes), {f16}, f32, lanes, cast_to(f32)));
    funcs.push_back(elementwise("f2h_" + std::to_string(lanes), {f32}, f16, lanes, cast_to(f16)));
    funcs.push_back(elementwise("d2h_" + std::to_string(lanes), {f64}, f16, lanes, cast_to(f16)));
    funcs.push_back(elementwise("h2d_" + std::to_string(lanes), {f16}, f64, lanes, cast_to(f64)));
  }
  auto jit = jit_compile(funcs);

  std::vector<uint16_t> all_bits(65536);
  for (int i = 0; i < 65536; ++i) all_bits[i] = static_cast<uint16_t>(i);
  Array H = make_array(f16, all_bits);
  // Midpoints between neighbouring halves (exact in float), and a float ulp around them.
  std::vector<float> floats;
  std::vector<double> doubles;
  for (int i = 0; i < 0x7C00; i += 7) {
    for (int sign : {0, 0x8000}) {
      double lo = static_cast<double>(half_from(static_cast<uint16_t>(i | sign)));
      double hi = static_cast<double>(half_from(static_cast<uint16_t>((i + 1) | sign)));
      float mid = static_cast<float>((lo + hi) / 2);
      floats.insert(floats.end(), {mid, std::nextafter(mid, 0.0f), std::nextafter(mid, 1e30f), static_cast<float>(lo)});
      double dmid = (lo + hi) / 2;
      doubles.insert(doubles.end(), {dmid, std::nextafter(dmid, 0.0), std::nextafter(dmid, 1e300), dmid * (1 + 1e-12)});
    }
  }
  floats.insert(floats.end(), {65504.f, 65519.f, 65520.f, 1e10f, -1e10f, INFINITY, -INFINITY, NAN, 1e-10f, -0.0f});
  doubles.insert(doubles.end(), {65519.99999, 65520.0, 1e300, -1e-300, NAN, -INFINITY});
  Array F = make_array(f32, floats), D = make_array(f64, doubles);

  for (int lanes : {1, 8, 16}) {
    const std::string l = std::to_string(lanes);
    {
      Array out = run_elementwise(*jit, "h2f_" + l, {&H}, f32);
      Mismatches bad("float16->float32 lanes " + l);
      for (int i = 0; i < 65536; ++i)
        if (!same_float(out.get<float>(i), static_cast<float>(half_from(all_bits[i])))) bad.add(std::to_string(i));
      Array out64 = run_elementwise(*jit, "h2d_" + l, {&H}, f64);
      Mismatches bad64("float16->float64 lanes " + l);
      for (int i = 0; i < 65536; ++i)
        if (!same_float(out64.get<double>(i), static_cast<double>(half_from(all_bits[i])))) bad64.add(std::to_string(i));
    }
    {
      Array out = run_elementwise(*jit, "f2h_" + l, {&F}, f16);
      Mismatches bad("float32->float16 lanes " + l);
      for (size_t i = 0; i < floats.size(); ++i) {
        _Float16 want = static_cast<_Float16>(floats[i]);
        _Float16 got = half_from(out.get<uint16_t>(i));
        if (!(half_bits(got) == half_bits(want) || (std::isnan(floats[i]) && got != got)))
          bad.add(show(floats[i]) + " -> " + std::to_string(half_bits(got)) + ", want " + std::to_string(half_bits(want)));
      }
    }
    {
      Array out = run_elementwise(*jit, "d2h_" + l, {&D}, f16);
      Mismatches bad("float64->float16 lanes " + l);
      for (size_t i = 0; i < doubles.size(); ++i) {
        _Float16 want = static_cast<_Float16>(doubles[i]);
        _Float16 got = half_from(out.get<uint16_t>(i));
        if (!(half_bits(got) == half_bits(want) || (std::isnan(doubles[i]) && got != got)))
          bad.add(show(doubles[i]) + " -> " + std::to_string(half_bits(got)) + ", want " + std::to_string(half_bits(want)));
      }
    }
  }
}

TEST(CodegenLLVM, BFloat16Conversions) {
  const DataType bf = DataType::BFloat16(), f32 = DataType::Float(32), f64 = DataType::Float(64);
  std::vector<LoweredFunc> funcs;
  for (int lanes : {1, 8, 16}) {
    auto cast_to = [](DataType to) {
      return [to](const std::vector<Expr>& x) { return CastNode::make(to.with_lanes(x[0].type().lanes), x[0]); };
    };
    funcs.push_back(elementwise("b2f_" + std::to_string(lanes), {bf}, f32, lanes, cast_to(f32)));
    funcs.push_back(elementwise("f2b_" + std::to_string(lanes), {f32}, bf, lanes, cast_to(bf)));
    funcs.push_back(elementwise("d2b_" + std::to_string(lanes), {f64}, bf, lanes, cast_to(bf)));
  }
  auto jit = jit_compile(funcs);

  std::vector<uint16_t> all_bits(65536);
  for (int i = 0; i < 65536; ++i) all_bits[i] = static_cast<uint16_t>(i);
  Array B = make_array(bf, all_bits);
  std::vector<float> floats;
  std::vector<double> doubles;
  std::mt19937_64 rng(9);
  for (int i = 0; i < 20000; ++i) {
    uint32_t r = static_cast<uint32_t>(rng());
    floats.push_back(std::bit_cast<float>(r));
    // Exact ties, their float neighbours, and doubles just beside a tie.
    uint32_t tie = (r & 0xFFFF0000u) | 0x8000u;
    floats.push_back(std::bit_cast<float>(tie));
    floats.push_back(std::bit_cast<float>(tie + 1));
    double dtie = static_cast<double>(std::bit_cast<float>(tie));
    doubles.insert(doubles.end(), {dtie, std::nextafter(dtie, 0.0), std::nextafter(dtie, INFINITY),
                                   static_cast<double>(std::bit_cast<float>(r))});
  }
  floats.insert(floats.end(), {INFINITY, -INFINITY, NAN, -NAN, 3.4028235e38f, -0.0f});
  doubles.insert(doubles.end(), {1e300, -1e300, 3.4e38, 1e-300, -1e-40, NAN});
  Array F = make_array(f32, floats), D = make_array(f64, doubles);
  for (int lanes : {1, 8, 16}) {
    const std::string l = std::to_string(lanes);
    {
      Array out = run_elementwise(*jit, "b2f_" + l, {&B}, f32);
      Mismatches bad("bfloat16->float32 lanes " + l);
      for (int i = 0; i < 65536; ++i)
        if (std::bit_cast<uint32_t>(out.get<float>(i)) != static_cast<uint32_t>(i) << 16) bad.add(std::to_string(i));
    }
    {
      Array out = run_elementwise(*jit, "f2b_" + l, {&F}, bf);
      Mismatches bad("float32->bfloat16 lanes " + l);
      for (size_t i = 0; i < floats.size(); ++i)
        if (out.get<uint16_t>(i) != ref_float_to_bf16(floats[i]))
          bad.add(show(floats[i]) + " -> " + std::to_string(out.get<uint16_t>(i)) + ", want " +
                  std::to_string(ref_float_to_bf16(floats[i])));
    }
    {
      Array out = run_elementwise(*jit, "d2b_" + l, {&D}, bf);
      Mismatches bad("float64->bfloat16 lanes " + l);
      for (size_t i = 0; i < doubles.size(); ++i)
        if (out.get<uint16_t>(i) != ref_double_to_bf16(doubles[i]) &&
            !(std::isnan(doubles[i]) && std::isnan(bf16_to_float(out.get<uint16_t>(i))) &&
              (out.get<uint16_t>(i) & 0x8040) == (ref_double_to_bf16(doubles[i]) & 0x8040)))  // any quiet NaN
          bad.add(show(doubles[i]) + " -> " + std::to_string(out.get<uint16_t>(i)) + ", want " +
                  std::to_string(ref_double_to_bf16(doubles[i])));
    }
  }
}

// Arithmetic on 16-bit floats is float32 arithmetic rounded after every operation.
TEST(CodegenLLVM, SixteenBitArithmetic) {
  const DataType f16 = DataType::Float(16), bf = DataType::BFloat16();
  std::vector<LoweredFunc> funcs;
  for (DataType t : {f16, bf})
    for (int lanes : {1, 8}) {
      const std::string s = (t.is_bfloat16() ? "bf_" : "h_") + std::to_string(lanes);
      funcs.push_back(elementwise("add_" + s, {t, t}, t, lanes, [](const std::vector<Expr>& x) { return bin(BinaryOp::Add, x[0], x[1]); }));
      funcs.push_back(elementwise("mul_" + s, {t, t}, t, lanes, [](const std::vector<Expr>& x) { return bin(BinaryOp::Mul, x[0], x[1]); }));
      funcs.push_back(elementwise("div_" + s, {t, t}, t, lanes, [](const std::vector<Expr>& x) { return bin(BinaryOp::Div, x[0], x[1]); }));
      funcs.push_back(elementwise("max_" + s, {t, t}, t, lanes, [](const std::vector<Expr>& x) { return bin(BinaryOp::Max, x[0], x[1]); }));
      funcs.push_back(elementwise("sqrt_" + s, {t, t}, t, lanes, [](const std::vector<Expr>& x) { return call(x[0].type(), Intrinsic::Sqrt, {x[0]}); }));
      funcs.push_back(elementwise("exp_" + s, {t, t}, t, lanes, [](const std::vector<Expr>& x) { return call(x[0].type(), Intrinsic::Exp, {x[0]}); }));
      funcs.push_back(elementwise("next_" + s, {t, t}, t, lanes, [](const std::vector<Expr>& x) { return call(x[0].type(), Intrinsic::Nextafter, {x[0], x[1]}); }));
      funcs.push_back(elementwise("lit_" + s, {t, t}, t, lanes, [](const std::vector<Expr>& x) { return bin(BinaryOp::Add, x[0], make_const(x[0].type(), 0.1)); }));
    }
  auto jit = jit_compile(funcs);
  std::mt19937_64 rng(17);
  std::vector<uint16_t> a, b;
  for (int i = 0; i < 5000; ++i) {
    a.push_back(static_cast<uint16_t>(rng()));
    b.push_back(static_cast<uint16_t>(rng()));
  }
  for (DataType t : {f16, bf}) {
    auto to_f = [&](uint16_t v) { return t.is_bfloat16() ? bf16_to_float(v) : static_cast<float>(half_from(v)); };
    auto round = [&](float v) { return t.is_bfloat16() ? ref_float_to_bf16(v) : half_bits(static_cast<_Float16>(v)); };
    auto same = [&](uint16_t x, uint16_t y) { return x == y || (std::isnan(to_f(x)) && std::isnan(to_f(y))); };
    // nextafter steps in the 16-bit format itself.
    auto next16 = [&](uint16_t x, uint16_t y) -> uint16_t {
      float fx = to_f(x), fy = to_f(y);
      if (std::isnan(fx)) return x;
      if (std::isnan(fy)) return y;
      if (fx == fy) return y;
      if (fx == 0) return static_cast<uint16_t>((y & 0x8000) | 1);
      return (fx < fy) == (fx > 0) ? static_cast<uint16_t>(x + 1) : static_cast<uint16_t>(x - 1);
    };
    Array A = make_array(t, a), B = make_array(t, b);
    for (int lanes : {1, 8}) {
      const std::string s = (t.is_bfloat16() ? "bf_" : "h_") + std::to_string(lanes);
      const std::vector<std::pair<std::string, std::function<uint16_t(uint16_t, uint16_t)>>> cases = {
          {"add_", [&](uint16_t x, uint16_t y) { return round(to_f(x) + to_f(y)); }},
          {"mul_", [&](uint16_t x, uint16_t y) { return round(to_f(x) * to_f(y)); }},
          {"div_", [&](uint16_t x, uint16_t y) { return round(to_f(x) / to_f(y)); }},
          {"max_", [&](uint16_t x, uint16_t y) { return (to_f(x) >= to_f(y) || std::isnan(to_f(x))) ? x : y; }},
          {"sqrt_", [&](uint16_t x, uint16_t) { return round(std::sqrt(to_f(x))); }},
          {"next_", next16},
          {"lit_", [&](uint16_t x, uint16_t) {
             float c = t.is_bfloat16() ? bf16_to_float(ref_double_to_bf16(0.1)) : static_cast<float>(static_cast<_Float16>(0.1));
             return round(to_f(x) + c);
           }},
      };
      for (const auto& [name, ref] : cases) {
        Array out = run_elementwise(*jit, name + s, {&A, &B}, t);
        Mismatches bad(name + s);
        for (size_t i = 0; i < a.size(); ++i)
          if (!same(out.get<uint16_t>(i), ref(a[i], b[i])))
            bad.add(show(to_f(a[i])) + ", " + show(to_f(b[i])) + " -> " + show(to_f(out.get<uint16_t>(i))) + ", want " +
                    show(to_f(ref(a[i], b[i]))));
      }
      // exp goes through float32 libm/libmvec (<= 4 ULP there): within one 16-bit ULP.
      Array out = run_elementwise(*jit, "exp_" + s, {&A, &B}, t);
      Mismatches bad("exp_" + s);
      for (size_t i = 0; i < a.size(); ++i) {
        uint16_t want = round(static_cast<float>(std::exp(static_cast<double>(to_f(a[i])))));
        uint16_t got = out.get<uint16_t>(i);
        if (!same(got, want) && std::abs(static_cast<int>(got) - static_cast<int>(want)) > 1)
          bad.add(show(to_f(a[i])) + " -> " + show(to_f(got)) + ", want " + show(to_f(want)));
      }
    }
  }
}

}  // namespace
