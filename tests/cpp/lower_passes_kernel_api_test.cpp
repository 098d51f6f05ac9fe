// Tests of the kernel-API pass.
//
// Each transformed kernel runs in the reference interpreter (after make_kernel_api) on
// random data and is compared with a plain C++ loop; golden files pin the printed IR of
// representative cases (regenerate with TESSERA_UPDATE_GOLDEN=1 and review the diff).
#include <gtest/gtest.h>

#include "lower_passes_util.h"

namespace {

using namespace lower_passes_test;

// ---- kernel API ----------------------------------------------------------------------------

TEST(KernelApi, GoldenAndValidArguments) {
  VaddKernel k = make_vadd(true);
  LoweredFunc packed = pack(k.func);
  EXPECT_TRUE(packed.packed);
  EXPECT_TRUE(free_vars(packed.body).empty());
  expect_golden("make_kernel_api", "vadd_strided", to_string(packed.body));
  check_vadd(packed, 5);
  check_vadd(packed, 0);
}

struct ApiCase {
  VaddKernel k = make_vadd(false);
  LoweredFunc packed = pack(k.func);
  Tensor a = make_tensor({7}), b = make_tensor({7}), c = make_tensor({7});
  std::string call() { return run(packed, {tensor_arg(a), tensor_arg(b), tensor_arg(c)}); }
};

TEST(KernelApi, ArgumentErrors) {
  {
    ApiCase t;
    EXPECT_EQ(t.call(), "");
    EXPECT_EQ(run(t.packed, {tensor_arg(t.a), tensor_arg(t.b)}),
              "kernel vadd: expects 3 arguments, got 2");
    EXPECT_EQ(run(t.packed, {int_arg(3), tensor_arg(t.b), tensor_arg(t.c)}),
              "kernel vadd: argument 0 (A) must be a tensor, got an int");
    EXPECT_EQ(run(t.packed, {tensor_arg(t.a), float_arg(1.5), tensor_arg(t.c)}),
              "kernel vadd: argument 1 (B) must be a tensor, got a float");
  }
  {
    ApiCase t;
    t.b = make_tensor({7, 1});
    EXPECT_EQ(t.call(), "kernel vadd: argument 1 (B) expects ndim 1, got 2");
  }
  {
    ApiCase t;
    t.b = make_tensor({7}, {}, {kDLInt, 64, 1});
    EXPECT_EQ(t.call(), "kernel vadd: argument 1 (B) expects dtype float32, got int64");
    t.b = make_tensor({7}, {}, {kDLFloat, 32, 4});
    EXPECT_EQ(t.call(),
              "kernel vadd: argument 1 (B) expects dtype float32, got (code 2, bits 32, lanes 4)");
  }
  {
    ApiCase t;
    t.c.device = {kDLCUDA, 0};
    EXPECT_EQ(t.call(), "kernel vadd: argument 2 (C) expects device cpu, got cuda");
  }
  {
    ApiCase t;
    t.b = make_tensor({5});
    EXPECT_EQ(t.call(), "kernel vadd: dim 0 of B (5) must equal n (7)");
  }
  {
    ApiCase t;  // the contiguous specialization rejects strided views...
    t.a = make_tensor({7}, {2});
    EXPECT_EQ(t.call(), "kernel vadd: argument 0 (A) must be contiguous, got strides (2)");
    t.a = make_tensor({7}, {1});  // ...but accepts explicit compact strides
    EXPECT_EQ(t.call(), "");
  }
}

TEST(KernelApi, DtypesScalarsAndRanks) {
  // out[i, j] = select(mask[i, j], x[i, j] * alpha, bf[...] as float) + float(k) with a 0-d
  // tensor `bias` added; exercises bool, bfloat16, 0-d, int and float scalars.
  Var r("r"), c("c"), k("k"), alpha("alpha", DataType::Float(64));
  Buffer mask = Buffer::make("mask", DataType::Bool(), {r, c});
  Buffer x = Buffer::make("x", DataType::Float(32), {r, c}, {Var("x.s0"), Var("x.s1")});
  Buffer bf = Buffer::make("bf", DataType::BFloat16(), {r, Expr(3)});
  Buffer bias = Buffer::make("bias", DataType::Float(32), {});
  Buffer out = Buffer::make("out", DataType::Float(32), {r, c});
  Var i("i"), j("j");
  Expr value = select(load(mask, {i, j}), load(x, {i, j}) * cast(DataType::Float(32), alpha),
                      cast(DataType::Float(32), load(bf, {i, Expr(0)}))) +
               cast(DataType::Float(32), k) + LoadNode::make(bias, {Expr(0)});
  Stmt body =
      loop(i, 0, r, ForKind::Serial, loop(j, 0, c, ForKind::Serial, store(out, {i, j}, value)));
  LoweredFunc f = make_func(
      "mix",
      {tensor_param(mask), tensor_param(x), tensor_param(bf), tensor_param(bias),
       scalar_param(k, Kind::Int), scalar_param(alpha, Kind::Float), tensor_param(out, true)},
      body);
  LoweredFunc packed = pack(f);
  const int64_t R = 2, C = 3;
  Tensor tm = make_tensor({R, C}, {}, {kDLBool, 8, 1});
  Tensor tx = make_tensor({R, C}, {1, 2});  // column-major view
  Tensor tb = make_tensor({R, 3}, {}, {kDLBfloat, 16, 1});
  Tensor tbias = make_tensor({});
  Tensor to = make_tensor({R, C});
  tbias.at<float>({}) = 0.5f;
  for (int64_t y = 0; y < R; ++y) {
    for (int64_t z = 0; z < C; ++z) {
      tm.at<uint8_t>({y, z}) = (y + z) % 2;
      tx.at<float>({y, z}) = float(y * 10 + z);
    }
    tb.at<uint16_t>({y, 0}) = 0x4000;  // bfloat16 2.0
  }
  auto args = [&](CallArg alpha_arg) {
    return std::vector<CallArg>{tensor_arg(tm), tensor_arg(tx), tensor_arg(tb), tensor_arg(tbias),
                                int_arg(3),     alpha_arg,      tensor_arg(to)};
  };
  ASSERT_EQ(run(packed, args(float_arg(1.5))), "");
  for (int64_t y = 0; y < R; ++y)
    for (int64_t z = 0; z < C; ++z) {
      float want = ((y + z) % 2 ? float(y * 10 + z) * 1.5f : 2.0f) + 3.0f + 0.5f;
      EXPECT_EQ(to.at<float>({y, z}), want) << y << "," << z;
    }
  ASSERT_EQ(run(packed, args(int_arg(2))), "");  // an int converts to a float parameter
  EXPECT_EQ(to.at<float>({0, 1}), 1.0f * 2.0f + 3.5f);
  // Errors.
  std::vector<CallArg> bad = args(float_arg(1));
  bad[4] = float_arg(3);
  EXPECT_EQ(run(packed, bad), "kernel mix: argument 4 (k) must be an int, got a float");
  tm.dtype = {kDLUInt, 8, 1};
  EXPECT_EQ(run(packed, args(float_arg(1))),
            "kernel mix: argument 0 (mask) expects dtype bool, got uint8");
  tm.dtype = {kDLBool, 8, 1};
  tb.shape = {R, 4};
  EXPECT_EQ(run(packed, args(float_arg(1))), "kernel mix: dim 1 of bf (4) must equal 3");
  tb.shape = {R, 3};
  tbias.shape = {1};
  EXPECT_EQ(run(packed, args(float_arg(1))), "kernel mix: argument 3 (bias) expects ndim 0, got 1");
}

TEST(KernelApi, RejectsUnboundVariables) {
  Var n("n"), m("m"), i("i");
  Buffer A = Buffer::make("A", DataType::Float(32), {n});
  Stmt body = loop(i, 0, m, ForKind::Serial, store(A, {i}, f32(0)));
  LoweredFunc f = make_func("unbound", {tensor_param(A, true)}, body);
  try {
    pack(f);
    FAIL() << "expected an IRError";
  } catch (const IRError& e) {
    EXPECT_NE(std::string(e.what()).find("variable m is not bound"), std::string::npos) << e.what();
  }
  LoweredFunc packed = pack(make_func("ok", {tensor_param(A, true)}, store(A, {Expr(0)}, f32(0))));
  EXPECT_THROW(pack(packed), IRError);
}

}  // namespace
