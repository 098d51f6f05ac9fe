// The inline float32 vector kernels of vector_math.cpp (exp, tanh, sin, cos, log, log2,
// log10, log1p) against the float64 std:: functions rounded to float: dense sweeps of the bit
// patterns in each fast range, points near multiples of pi/2, special values, huge arguments
// (the libmvec fallback), vectors mixing fast and fallback lanes, and odd vector widths.
// TESSERA_VECTOR_MATH_EXHAUSTIVE=1 (or =log2, ...) also checks the log family on every float
// of its domain (slow).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <numbers>

#include "codegen_llvm_util.h"

namespace {

using namespace codegen_llvm_test;

// The inline kernels need FMA (x86-64) or aarch64; elsewhere libmvec (4 ULP) runs instead.
bool inline_kernels() {
  CpuTarget host = CpuTarget::host();
  return host.has_feature("fma") || host.triple.rfind("aarch64", 0) == 0;
}

// Distance in units in the last place, on the sign-magnitude line; NaN == NaN.
double ulps(float got, float want) {
  if (std::isnan(got) || std::isnan(want)) return std::isnan(got) && std::isnan(want) ? 0 : 1e9;
  auto line = [](float f) {
    int64_t b = std::bit_cast<int32_t>(f);
    return b < 0 ? -(b & 0x7fffffff) : b;
  };
  return static_cast<double>(std::llabs(line(got) - line(want)));
}

struct Fn {
  const char* name;
  Intrinsic op;
  double (*ref)(double);
};

const std::vector<Fn>& functions() {
  static const std::vector<Fn> fns = {
      {"exp", Intrinsic::Exp, [](double x) { return std::exp(x); }},
      {"tanh", Intrinsic::Tanh, [](double x) { return std::tanh(x); }},
      {"sin", Intrinsic::Sin, [](double x) { return std::sin(x); }},
      {"cos", Intrinsic::Cos, [](double x) { return std::cos(x); }},
      {"log", Intrinsic::Log, [](double x) { return std::log(x); }},
      {"log2", Intrinsic::Log2, [](double x) { return std::log2(x); }},
      {"log10", Intrinsic::Log10, [](double x) { return std::log10(x); }},
      {"log1p", Intrinsic::Log1p, [](double x) { return std::log1p(x); }},
  };
  return fns;
}

class VectorMathF32 : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::vector<LoweredFunc> funcs;
    const DataType f32 = DataType::Float(32);
    for (int lanes : {16, 5, 37})
      for (const Fn& fn : functions())
        funcs.push_back(elementwise(name(fn, lanes), {f32}, f32, lanes, [&](const std::vector<Expr>& x) {
          return call(x[0].type(), fn.op, {x[0]});
        }));
    jit_ = jit_compile(funcs).release();
  }
  static void TearDownTestSuite() {
    delete jit_;
    jit_ = nullptr;
  }
  static std::string name(const Fn& fn, int lanes) { return std::string("vm_") + fn.name + "_" + std::to_string(lanes); }

  // The worst ULP distance of fn over x, and exact agreement on the listed special cases.
  static double worst_ulps(const Fn& fn, const std::vector<float>& x, int lanes, std::string* where) {
    Array in = make_array(DataType::Float(32), x);
    Array out = run_elementwise(*jit_, name(fn, lanes), {&in}, DataType::Float(32));
    double worst = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      float want = static_cast<float>(fn.ref(x[i]));
      float got = out.get<float>(static_cast<int64_t>(i));
      double d = ulps(got, want);
      if (d > worst) {
        worst = d;
        *where = std::string(fn.name) + "(" + show(x[i]) + ") = " + show(got) + ", want " + show(want);
      }
    }
    return worst;
  }

  static JitModule* jit_;
};

JitModule* VectorMathF32::jit_ = nullptr;

// Every `stride`-th float bit pattern with magnitude below `limit`, both signs.
std::vector<float> sweep(float limit, uint32_t stride) {
  std::vector<float> x;
  for (uint32_t b = 0; b < std::bit_cast<uint32_t>(limit); b += stride) {
    x.push_back(std::bit_cast<float>(b));
    x.push_back(-std::bit_cast<float>(b));
  }
  return x;
}

TEST_F(VectorMathF32, DenseSweepsWithinTwoUlps) {
  if (!inline_kernels()) GTEST_SKIP() << "no inline float32 kernels on this host";
  const float inf = std::numeric_limits<float>::infinity();
  const float limits[] = {86.5f, 20.0f, 1e5f, 1e5f, inf, inf, inf, inf};  // the fast ranges
  for (size_t k = 0; k < functions().size(); ++k) {
    const Fn& fn = functions()[k];
    std::string where;
    double worst = worst_ulps(fn, sweep(limits[k], 301), 16, &where);
    EXPECT_LE(worst, 2.0) << where;
    std::printf("%s: worst %.0f ULP at %s\n", fn.name, worst, where.c_str());
  }
}

TEST_F(VectorMathF32, SinCosNearMultiplesOfHalfPi) {
  if (!inline_kernels()) GTEST_SKIP() << "no inline float32 kernels on this host";
  std::vector<float> x;
  std::mt19937_64 rng(11);
  std::uniform_int_distribution<int> k(-63000, 63000);
  for (int i = 0; i < 200000; ++i) {
    float v = static_cast<float>(k(rng) * (std::numbers::pi / 2));
    x.push_back(v);
    x.push_back(std::nextafter(v, 0.0f));
    x.push_back(std::nextafter(v, 1e9f));
  }
  for (const Fn& fn : functions()) {
    if (fn.op != Intrinsic::Sin && fn.op != Intrinsic::Cos) continue;
    std::string where;
    EXPECT_LE(worst_ulps(fn, x, 16, &where), 2.0) << where;
  }
}

TEST_F(VectorMathF32, SpecialAndHugeArgumentsWithFastLanes) {
  const float inf = std::numeric_limits<float>::infinity();
  const float specials[] = {std::numeric_limits<float>::quiet_NaN(), inf, -inf, 0.0f, -0.0f,
                            std::numeric_limits<float>::denorm_min(), -std::numeric_limits<float>::denorm_min(),
                            std::numeric_limits<float>::min(), std::numeric_limits<float>::max(),
                            -std::numeric_limits<float>::max(), 1e30f, -1e30f, 1e10f, 123456.7f, 86.5f, -86.5f,
                            88.72f, 88.73f, 89.0f, -87.5f, -103.9f, -104.0f, -150.0f, 9.01f, -20.0f, 1e5f};
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<float> dist(-3, 3);
  for (float s : specials) {
    // The special value in one lane of vectors whose other lanes take the fast path.
    std::vector<float> x;
    for (int i = 0; i < 16 * 3 + 7; ++i) x.push_back(i % 16 == 3 ? s : dist(rng));
    for (const Fn& fn : functions())
      for (int lanes : {16, 5, 37}) {
        std::string where;
        EXPECT_LE(worst_ulps(fn, x, lanes, &where), 4.0) << "lanes " << lanes << ": " << where;
      }
  }
}

TEST_F(VectorMathF32, SignedZerosAndLimitsExact) {
  std::vector<float> x = {0.0f, -0.0f, std::numeric_limits<float>::infinity(),
                          -std::numeric_limits<float>::infinity()};
  x.resize(16, 0.25f);
  Array in = make_array(DataType::Float(32), x);
  auto run = [&](const char* fn) {
    return run_elementwise(*jit_, std::string("vm_") + fn + "_16", {&in}, DataType::Float(32));
  };
  Array s = run("sin"), t = run("tanh"), e = run("exp");
  EXPECT_FALSE(std::signbit(s.get<float>(0)));
  EXPECT_TRUE(std::signbit(s.get<float>(1)) && s.get<float>(1) == 0);
  EXPECT_FALSE(std::signbit(t.get<float>(0)));
  EXPECT_TRUE(std::signbit(t.get<float>(1)) && t.get<float>(1) == 0);
  EXPECT_EQ(t.get<float>(2), 1.0f);
  EXPECT_EQ(t.get<float>(3), -1.0f);
  EXPECT_EQ(e.get<float>(2), std::numeric_limits<float>::infinity());
  EXPECT_EQ(e.get<float>(3), 0.0f);
  EXPECT_EQ(e.get<float>(0), 1.0f);
}

bool is_log(const Fn& fn) {
  return fn.op == Intrinsic::Log || fn.op == Intrinsic::Log2 || fn.op == Intrinsic::Log10 || fn.op == Intrinsic::Log1p;
}

// Positive floats of every binade: random bit patterns (subnormals included), the
// subnormals densely, and the neighbourhoods of 1 and of the reduction's split point.
TEST_F(VectorMathF32, LogFamilyRandomAndSubnormalWithinTwoUlps) {
  if (!inline_kernels()) GTEST_SKIP() << "no inline float32 kernels on this host";
  std::mt19937_64 rng(17);
  std::uniform_int_distribution<uint32_t> pattern(1, 0x7f7fffff);
  std::vector<float> x;
  for (int i = 0; i < 2000000; ++i) x.push_back(std::bit_cast<float>(pattern(rng)));
  for (uint32_t b = 1; b < 0x00800000; b += 7) x.push_back(std::bit_cast<float>(b));
  for (uint32_t b = 0x80000001u; b < 0xbf800000u; b += 997) x.push_back(std::bit_cast<float>(b));  // (-1, 0)
  for (float center : {1.0f, 0.70710677f, 1.4142135f, 2.0f, 0.5f, -0.29289323f, 0.41421357f}) {
    float v = center;
    for (int i = 0; i < 20000; ++i) x.push_back(v = std::nextafter(v, 0.0f));
    v = center;
    for (int i = 0; i < 20000; ++i) x.push_back(v = std::nextafter(v, 4.0f));
  }
  for (const Fn& fn : functions()) {
    if (!is_log(fn)) continue;
    for (int lanes : {16, 37}) {
      std::string where;
      double worst = worst_ulps(fn, x, lanes, &where);
      EXPECT_LE(worst, 2.0) << "lanes " << lanes << ": " << where;
      if (lanes == 16) std::printf("%s: worst %.0f ULP at %s\n", fn.name, worst, where.c_str());
    }
  }
}

// NumPy's special values, alone and beside fast lanes: log(+-0) = -inf, log(negative) = NaN,
// log(inf) = inf, log(NaN) = NaN, log(1) = +0; log1p(-1) = -inf, log1p(-0) = -0.
TEST_F(VectorMathF32, LogFamilySpecialValuesExact) {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  const float in[] = {0.0f, -0.0f, inf, -inf, nan, -nan, -1.0f, -2.0f, -std::numeric_limits<float>::denorm_min(),
                      -std::numeric_limits<float>::max(), 1.0f, std::numeric_limits<float>::denorm_min(),
                      std::numeric_limits<float>::min(), std::numeric_limits<float>::max()};
  for (const Fn& fn : functions()) {
    if (!is_log(fn)) continue;
    for (int lanes : {16, 5}) {
      for (float s : in) {
        std::vector<float> x(40, 3.0f);
        x[lanes == 16 ? 18 : 7] = s;
        Array a = make_array(DataType::Float(32), x);
        Array out = run_elementwise(*jit_, name(fn, lanes), {&a}, DataType::Float(32));
        float got = out.get<float>(lanes == 16 ? 18 : 7);
        float want = static_cast<float>(fn.ref(s));
        if (std::isnan(want)) {
          EXPECT_TRUE(std::isnan(got)) << fn.name << "(" << show(s) << ") = " << show(got);
        } else if (std::isinf(want) || want == 0) {
          EXPECT_EQ(std::bit_cast<uint32_t>(got), std::bit_cast<uint32_t>(want))
              << fn.name << "(" << show(s) << ") = " << show(got) << ", want " << show(want);
        } else {
          EXPECT_LE(ulps(got, want), 2.0) << fn.name << "(" << show(s) << ") = " << show(got);
        }
        EXPECT_LE(ulps(out.get<float>(0), static_cast<float>(fn.ref(3.0))), 1.0) << fn.name;
      }
    }
  }
}

// Every finite float of the domain (positive; log1p also (-1, 0)), in chunks; opt-in
// because it takes minutes.
TEST_F(VectorMathF32, LogFamilyExhaustive) {
  if (!inline_kernels()) GTEST_SKIP() << "no inline float32 kernels on this host";
  if (!std::getenv("TESSERA_VECTOR_MATH_EXHAUSTIVE")) GTEST_SKIP() << "set TESSERA_VECTOR_MATH_EXHAUSTIVE=1";
  const char* only = std::getenv("TESSERA_VECTOR_MATH_EXHAUSTIVE");
  for (const Fn& fn : functions()) {
    if (!is_log(fn) || (std::string(only) != "1" && std::string(only) != fn.name)) continue;
    double worst = 0;
    std::string worst_where;
    const uint64_t end = fn.op == Intrinsic::Log1p ? 0xbf800000u : 0x7f800000u;
    for (uint64_t start = 0; start < end; start += 1u << 24) {
      std::vector<float> x;
      for (uint64_t b = start; b < std::min<uint64_t>(start + (1u << 24), end); ++b)
        x.push_back(std::bit_cast<float>(static_cast<uint32_t>(b)));
      std::string where;
      double w = worst_ulps(fn, x, 16, &where);
      if (w > worst) worst = w, worst_where = where;
    }
    EXPECT_LE(worst, 2.0) << worst_where;
    std::printf("%s exhaustive: worst %.0f ULP at %s\n", fn.name, worst, worst_where.c_str());
  }
}

TEST_F(VectorMathF32, RandomOddWidths) {
  if (!inline_kernels()) GTEST_SKIP() << "no inline float32 kernels on this host";
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> mant(-10, 10);
  std::uniform_int_distribution<int> expo(-30, 4);
  std::vector<float> x;
  for (int i = 0; i < 100003; ++i) x.push_back(static_cast<float>(std::ldexp(mant(rng), expo(rng))));
  for (const Fn& fn : functions())
    for (int lanes : {5, 37}) {
      std::string where;
      EXPECT_LE(worst_ulps(fn, x, lanes, &where), 2.0) << "lanes " << lanes << ": " << where;
    }
}

}  // namespace
