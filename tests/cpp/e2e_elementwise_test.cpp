// Elementwise kernels end to end: compute + schedule -> JIT, checked against plain C++
// loops and against the reference interpreter.
#include <gtest/gtest.h>

#include <cmath>

#include "tessera/schedule/schedule.h"
#include "test_util.h"

namespace tessera {
namespace {

using ir::DataType;
using schedule::create_schedule;
using te::Tensor;
using testing::HostArray;

// The seed's vadd: one kernel per ndim, fuse + parallel, broadcasting through stride 0.
Kernel build_vadd(DataType dtype, int ndim) {
  std::vector<ir::Expr> shape;
  for (int d = 0; d < ndim; ++d) shape.push_back(te::size_var("n" + std::to_string(d)));
  Tensor A = te::placeholder(shape, dtype, "A");
  Tensor B = te::placeholder(shape, dtype, "B");
  Tensor C = te::compute(shape, [&](const std::vector<ir::Var>& i) {
    std::vector<ir::Expr> idx(i.begin(), i.end());
    return A(idx) + B(idx);
  }, "C");
  auto s = create_schedule({C});
  if (ndim > 0) {
    ir::IterVar fused = s[C].fuse(s[C].leaf_iter_vars());
    s[C].parallel(fused);
  }
  return build(s, {A, B, C}, "vadd" + std::to_string(ndim));
}

TEST(Elementwise, VaddEveryRankWithBroadcast) {
  for (int ndim = 0; ndim <= 5; ++ndim) {
    Kernel k = build_vadd(DataType::Float(32), ndim);
    std::vector<int64_t> shape;
    for (int d = 0; d < ndim; ++d) shape.push_back(2 + (d * 3) % 5);
    HostArray<float> a(shape), b(shape), c(shape);
    testing::fill_random(a, 1 + ndim);
    testing::fill_random(b, 100 + ndim);
    // Broadcast b along dimension 0 by giving it stride 0 there.
    if (ndim > 0) b.strides[0] = 0;
    k({a.get(), b.get(), c.get()});
    for (const auto& idx : testing::all_indices(shape))
      ASSERT_EQ(c.at(idx), a.at(idx) + b.at(idx)) << "ndim " << ndim;
  }
}

// a * b + a - b with the wrapping integer arithmetic of NumPy (plain C++ int math would
// overflow, which is undefined), and IEEE float arithmetic rounded after each operation.
template <class T>
T reference_add_mul(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    auto u = [](T x) { return static_cast<uint64_t>(x); };
    return static_cast<T>(u(a) * u(b) + u(a) - u(b));
  } else {
    return static_cast<T>(static_cast<T>(static_cast<T>(a * b) + a) - b);
  }
}

template <class T>
void check_add_mul(DataType dtype, uint64_t seed) {
  ir::Var n = te::size_var("n");
  Tensor A = te::placeholder({n}, dtype, "A");
  Tensor B = te::placeholder({n}, dtype, "B");
  Tensor C = te::compute({n}, [&](ir::Var i) { return A(i) * B(i) + A(i) - B(i); }, "C");
  auto s = create_schedule({C});
  auto [xo, xi] = s[C].split(s[C].axis()[0], 16);
  s[C].parallel(xo).vectorize(xi);
  Kernel k = build(s, {A, B, C}, "add_mul");
  for (int64_t len : {1, 7, 16, 1000, 1000003}) {
    HostArray<T> a({len}), b({len}), c({len});
    testing::fill_random(a, seed + len);
    testing::fill_random(b, seed * 3 + len);
    k({a.get(), b.get(), c.get()});
    for (int64_t i = 0; i < len; ++i) {
      T expect = reference_add_mul<T>(a.storage[i], b.storage[i]);
      ASSERT_EQ(c.storage[i], expect) << dtype.str() << " n=" << len << " i=" << i;
    }
  }
}

TEST(Elementwise, ArithmeticAcrossDtypesAndOddSizes) {
  check_add_mul<int8_t>(DataType::Int(8), 1);
  check_add_mul<uint16_t>(DataType::UInt(16), 2);
  check_add_mul<int32_t>(DataType::Int(32), 3);
  check_add_mul<int64_t>(DataType::Int(64), 4);
  check_add_mul<uint64_t>(DataType::UInt(64), 5);
  check_add_mul<float>(DataType::Float(32), 6);
  check_add_mul<double>(DataType::Float(64), 7);
}

TEST(Elementwise, NonContiguousAndNegativeStrides) {
  ir::Var n = te::size_var("n"), m = te::size_var("m");
  Tensor A = te::placeholder({n, m}, DataType::Float(64), "A");
  Tensor B = te::compute({n, m}, [&](ir::Var i, ir::Var j) { return A(i, j) * 2.0 + 1.0; }, "B");
  auto s = create_schedule({B});
  auto [jo, ji] = s[B].split(s[B].axis()[1], 8);
  s[B].vectorize(ji).parallel(s[B].axis()[0]);
  Kernel k = build(s, {A, B}, "affine");
  // A is the transpose of a 13 x 9 array, read with reversed rows.
  HostArray<double> base({13, 9});
  testing::fill_random(base, 42);
  HostArray<double> a = base;
  a.shape = {9, 13};
  a.strides = {-1, 9};
  a.offset = 8;
  HostArray<double> b({9, 13});
  k({a.get(), b.get()});
  for (int64_t i = 0; i < 9; ++i)
    for (int64_t j = 0; j < 13; ++j)
      ASSERT_EQ(b.at({i, j}), base.at({j, 8 - i}) * 2.0 + 1.0);
}

TEST(Elementwise, MathMatchesLibmAndInterpreter) {
  ir::Var n = te::size_var("n");
  Tensor A = te::placeholder({n}, DataType::Float(32), "A");
  Tensor C = te::compute({n}, [&](ir::Var i) { return ir::exp(A(i)) * ir::tanh(A(i)) + ir::sin(A(i)); }, "C");
  auto s = create_schedule({C});
  auto [xo, xi] = s[C].split(s[C].axis()[0], 16);
  s[C].vectorize(xi);
  Kernel k = build(s, {A, C}, "math");
  const int64_t len = 1003;
  HostArray<float> a({len}), c({len}), ref({len});
  testing::fill_random(a, 9, -5, 5);
  k({a.get(), c.get()});
  std::string err;
  ASSERT_EQ(testing::interpret(k, {a.get(), ref.get()}, &err), 0) << err;
  for (int64_t i = 0; i < len; ++i) {
    double x = a.storage[i];
    double expect = std::exp(x) * std::tanh(x) + std::sin(x);
    ASSERT_NEAR(c.storage[i], expect, 1e-5 * std::max(1.0, std::fabs(expect))) << "x=" << x;
    ASSERT_NEAR(ref.storage[i], expect, 1e-5 * std::max(1.0, std::fabs(expect))) << "x=" << x;
  }
}

TEST(Elementwise, IntegerFloorDivisionAndModulo) {
  ir::Var n = te::size_var("n");
  Tensor A = te::placeholder({n}, DataType::Int(32), "A");
  Tensor B = te::placeholder({n}, DataType::Int(32), "B");
  Tensor Q = te::compute({n}, [&](ir::Var i) { return A(i) / B(i); }, "Q");
  Tensor R = te::compute({n}, [&](ir::Var i) { return A(i) % B(i); }, "R");
  auto s = create_schedule({Q, R});
  s[Q].vectorize(s[Q].split(s[Q].axis()[0], 8).second);
  Kernel k = build(s, {A, B, Q, R}, "divmod");
  std::vector<int32_t> av = {7, -7, 7, -7, 0, 5, INT32_MIN, INT32_MIN, 3, -3, 123456, -1};
  std::vector<int32_t> bv = {2, 2, -2, -2, 3, 0, -1, 1, 0, 5, -7, 7};
  int64_t len = static_cast<int64_t>(av.size());
  HostArray<int32_t> a({len}), b({len}), q({len}), r({len});
  a.storage = av;
  b.storage = bv;
  k({a.get(), b.get(), q.get(), r.get()});
  for (int64_t i = 0; i < len; ++i) {
    int64_t x = av[i], y = bv[i];
    int64_t eq = 0, er = 0;
    if (y != 0) {
      eq = x / y;
      if ((x % y != 0) && ((x < 0) != (y < 0))) --eq;
      er = x - eq * y;
    }
    ASSERT_EQ(q.storage[i], static_cast<int32_t>(eq)) << x << " // " << y;
    ASSERT_EQ(r.storage[i], static_cast<int32_t>(er)) << x << " % " << y;
  }
}

}  // namespace
}  // namespace tessera
