// CodegenOptions::fp_contract: off, a multiply and an add round twice (NumPy's elementwise
// results); on, the code generator may fuse them into one fma, which rounds once. The
// references are computed here with an explicit rounding step and with std::fma.
#include <gtest/gtest.h>

#include <cmath>

#include "tessera/build.h"
#include "tessera/schedule/schedule.h"
#include "test_util.h"

namespace tessera {
namespace {

using ir::DataType;
using te::Tensor;
using testing::HostArray;

float rounded_twice(float a, float b, float c) {
  volatile float product = a * b;  // volatile: the host compiler must not contract this
  return product + c;
}

struct MulAdd {
  ir::Var n = te::size_var("n");
  Tensor A = te::placeholder({n}, DataType::Float(32), "A");
  Tensor B = te::placeholder({n}, DataType::Float(32), "B");
  Tensor C = te::placeholder({n}, DataType::Float(32), "C");
  Tensor D = te::compute({n}, [&](ir::Var i) { return A(i) * B(i) + C(i); }, "D");

  Kernel build_with(bool contract, const std::string& name) {
    auto s = schedule::create_schedule({D});
    s[D].vectorize(s[D].split(s[D].axis()[0], 16).second);
    BuildOptions o;
    o.codegen.fp_contract = contract;
    return build(s, {A, B, C, D}, name, o);
  }
};

// Inputs whose product is inexact, so one and two roundings differ in many elements.
void fill(HostArray<float>& a, HostArray<float>& b, HostArray<float>& c) {
  testing::fill_random(a, 7, 1, 2);
  testing::fill_random(b, 8, 1, 2);
  testing::fill_random(c, 9, -4, 4);
}

TEST(CodegenContract, OffRoundsTheProductFirst) {
  MulAdd g;
  Kernel k = g.build_with(false, "muladd_ieee");
  const int64_t n = 1003;  // a vector body and a scalar tail
  HostArray<float> a({n}), b({n}), c({n}), d({n});
  fill(a, b, c);
  k({a.get(), b.get(), c.get(), d.get()});
  for (int64_t i = 0; i < n; ++i)
    ASSERT_EQ(d.storage[i], rounded_twice(a.storage[i], b.storage[i], c.storage[i])) << i;
}

TEST(CodegenContract, OnFusesIntoOneRoundingWhereTheCpuHasFma) {
  if (!__builtin_cpu_supports("fma")) GTEST_SKIP() << "this CPU has no fused multiply-add";
  MulAdd g;
  Kernel k = g.build_with(true, "muladd_contract");
  const int64_t n = 1003;
  HostArray<float> a({n}), b({n}), c({n}), d({n});
  fill(a, b, c);
  k({a.get(), b.get(), c.get(), d.get()});
  int64_t differs = 0;
  for (int64_t i = 0; i < n; ++i) {
    ASSERT_EQ(d.storage[i], std::fma(a.storage[i], b.storage[i], c.storage[i])) << i;
    differs += d.storage[i] != rounded_twice(a.storage[i], b.storage[i], c.storage[i]);
  }
  EXPECT_GT(differs, n / 20) << "the inputs should tell one rounding from two";
}

}  // namespace
}  // namespace tessera
