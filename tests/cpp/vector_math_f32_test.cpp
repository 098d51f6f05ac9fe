// The inline float32 vector kernels of vector_math.cpp (exp, tanh, sin, cos) against the
// float64 std:: functions rounded to float: dense sweeps of the bit patterns in each fast
// range, points near multiples of pi/2, special values, huge arguments (the libmvec
// fallback), vectors mixing fast and fallback lanes, and odd vector widths.
#include <gtest/gtest.h>

#include <cstdio>
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
  const float limits[] = {86.5f, 20.0f, 1e5f, 1e5f};  // exp's and sin/cos's fast ranges
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
