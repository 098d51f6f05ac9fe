// The LLVM CPU code generator on memory and control flow: gather/scatter, strides and byte
// offsets, local and workspace allocations, asserts, parallel loops, JIT compilation from
// several threads, object emission for the host, generic x86-64 and aarch64, bad input.
#include <gtest/gtest.h>

#include "codegen_llvm_util.h"

namespace {

using namespace codegen_llvm_test;

// ---- vectors, memory and control flow -----------------------------------------------------

TEST(CodegenLLVM, GatherScatterReverseAndSelect) {
  const DataType f32 = DataType::Float(32), i32t = DataType::Int(32);
  // buf0: source (3n floats), buf1: int32 indices (n), buf2: output (2n floats)
  Kernel1D k("memory", {f32, i32t, f32});
  Var o("o");
  const int L = 8;
  Expr base = bin(BinaryOp::Mul, o, idx(L));
  Expr gathered = k.load(0, k.load(1, RampNode::make(base, idx(1), L)));             // a[idx[i]]
  Expr strided = k.load(0, RampNode::make(bin(BinaryOp::Mul, base, idx(3)), idx(3), L));  // a[3i]
  Expr reversed = k.load(0, RampNode::make(bin(BinaryOp::Add, base, idx(L - 1)), idx(-1), L));
  Expr positive = bin(BinaryOp::GT, strided, make_const(f32.with_lanes(L), 0.0));
  Var sum("sum", f32.with_lanes(L));
  Expr value = LetNode::make(sum, bin(BinaryOp::Add, gathered, SelectNode::make(positive, strided, reversed)),
                             bin(BinaryOp::Mul, sum, make_const(f32.with_lanes(L), 2.0)));
  // Scatter to the even slots of the output, and the broadcast of lane 0 to the odd ones.
  Stmt body = SeqNode::make({k.store(2, value, RampNode::make(bin(BinaryOp::Mul, base, idx(2)), idx(2), L)),
                             k.store(2, BroadcastNode::make(k.load(0, base), L),
                                     RampNode::make(bin(BinaryOp::Add, bin(BinaryOp::Mul, base, idx(2)), idx(1)), idx(2), L))});
  auto jit = jit_compile({k.finish(ForNode::make(o, idx(0), bin(BinaryOp::Div, k.n(), idx(3 * L)), ForKind::Serial, body))});
  const int64_t n = 3 * 64;
  std::mt19937_64 rng(1);
  std::vector<float> a(n);
  for (float& v : a) v = static_cast<float>(std::uniform_real_distribution<double>(-5, 5)(rng));
  std::vector<int32_t> index(n);
  for (int32_t& v : index) v = static_cast<int32_t>(rng() % n);
  std::vector<float> out(2 * n, -1), want(2 * n, -1);
  Args args;
  args.tensor(a.data(), f32, {n});
  args.tensor(index.data(), i32t, {n});
  args.tensor(out.data(), f32, {2 * n});
  ASSERT_EQ(args.run(get_kernel(*jit, "memory")), 0) << tessera_last_error();
  for (int64_t blk = 0; blk < n / (3 * L); ++blk)
    for (int j = 0; j < L; ++j) {
      int64_t i = blk * L + j;
      float s = a[3 * i] > 0 ? a[3 * i] : a[blk * L + (L - 1 - j)];
      want[2 * i] = (a[index[i]] + s) * 2;
      want[2 * i + 1] = a[blk * L];
    }
  EXPECT_EQ(out, want);
}

TEST(CodegenLLVM, StridesByteOffsetAndIf) {
  // out[i * cols + j] = a[i * s0 + j * s1] with strides and byte_offset from the DLTensor,
  // plus the stride values themselves (0 for NULL strides) in out2.
  const DataType f64 = DataType::Float(64), i64 = DataType::Int(64);
  Var h0("h0", DataType::Handle()), h1("h1", DataType::Handle()), h2("h2", DataType::Handle());
  Var rows("rows"), cols("cols"), s0("s0"), s1("s1");
  Buffer a = Buffer::make("a", f64, {rows, cols});
  Buffer out = Buffer::make("out", f64, {bin(BinaryOp::Mul, rows, cols)});
  Buffer out2 = Buffer::make("out2", i64, {idx(4)});
  Var i("i"), j("j");
  Expr src = LoadNode::make(a, {bin(BinaryOp::Add, bin(BinaryOp::Mul, i, s0), bin(BinaryOp::Mul, j, s1))});
  Stmt copy = ForNode::make(i, idx(0), rows, ForKind::Serial,
                            ForNode::make(j, idx(0), cols, ForKind::Serial,
                                          IfThenElseNode::make(bin(BinaryOp::LT, j, idx(2)),
                                                               StoreNode::make(out, src, {bin(BinaryOp::Add, bin(BinaryOp::Mul, i, cols), j)}),
                                                               StoreNode::make(out, bin(BinaryOp::Sub, make_const(f64, 0.0), src),
                                                                               {bin(BinaryOp::Add, bin(BinaryOp::Mul, i, cols), j)}))));
  auto stride = [](const Var& h, int d) { return call(DataType::Int(64), Intrinsic::TensorStride, {h, i32(d)}); };
  Stmt strides_out = SeqNode::make({StoreNode::make(out2, stride(h0, 0), {idx(0)}), StoreNode::make(out2, stride(h0, 1), {idx(1)}),
                                    StoreNode::make(out2, stride(h1, 0), {idx(2)}),
                                    StoreNode::make(out2, CastNode::make(i64, call(DataType::Bool(), Intrinsic::TensorHasStrides, {h1})), {idx(3)})});
  Stmt body = SeqNode::make({copy, strides_out});
  body = LetStmtNode::make(out2->data, call(DataType::Handle(), Intrinsic::TensorData, {h2}), body);
  body = LetStmtNode::make(out->data, call(DataType::Handle(), Intrinsic::TensorData, {h1}), body);
  body = LetStmtNode::make(a->data, call(DataType::Handle(), Intrinsic::TensorData, {h0}), body);
  body = LetStmtNode::make(s1, stride(h0, 1), body);
  body = LetStmtNode::make(s0, stride(h0, 0), body);
  body = LetStmtNode::make(cols, call(DataType::Int(64), Intrinsic::TensorShape, {h0, i32(1)}), body);
  body = LetStmtNode::make(rows, call(DataType::Int(64), Intrinsic::TensorShape, {h0, i32(0)}), body);
  for (auto [h, n] : {std::pair{h2, 2}, {h1, 1}, {h0, 0}})
    body = LetStmtNode::make(h, call(DataType::Handle(), Intrinsic::ArgHandle, {i32(n)}), body);
  auto jit = jit_compile({LoweredFunc{"strided", {}, body, true, "llvm"}});

  // A transposed 3x5 view of a 5x3 row-major matrix, starting at element 2.
  std::vector<double> storage(40);
  for (size_t e = 0; e < storage.size(); ++e) storage[e] = static_cast<double>(e) * 1.5;
  std::vector<double> result(15, 0);
  std::vector<int64_t> strides_seen(4, -7);
  Args args;
  args.tensor(storage.data(), f64, {3, 5}, {1, 3}, 2 * sizeof(double));
  args.tensor(result.data(), f64, {15});
  args.tensor(strides_seen.data(), i64, {4});
  ASSERT_EQ(args.run(get_kernel(*jit, "strided")), 0) << tessera_last_error();
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 5; ++c) {
      double v = storage[2 + r * 1 + c * 3];
      EXPECT_EQ(result[r * 5 + c], c < 2 ? v : -v) << r << "," << c;
    }
  EXPECT_EQ(strides_seen, (std::vector<int64_t>{1, 3, 0, 0}));
}

TEST(CodegenLLVM, LocalAndWorkspaceAllocations) {
  const DataType f32 = DataType::Float(32);
  Kernel1D k("alloc", {f32, f32});
  // Stack: tmp[16] per block holds a*2; the block's output is tmp reversed.
  Buffer tmp = Buffer::make("tmp", f32, {idx(16)}, {}, Expr(), "local");
  Var o("o"), j("j");
  Expr block = bin(BinaryOp::Mul, o, idx(16));
  Stmt fill = ForNode::make(j, idx(0), idx(16), ForKind::Serial,
                            StoreNode::make(tmp, bin(BinaryOp::Mul, k.load(0, bin(BinaryOp::Add, block, j)), make_const(f32, 2.0)), {j}));
  Stmt drain = k.store(1, LoadNode::make(tmp, {RampNode::make(idx(15), idx(-1), 16)}), RampNode::make(block, idx(1), 16));
  Stmt stack_part = ForNode::make(o, idx(0), bin(BinaryOp::Div, k.n(), idx(16)), ForKind::Serial,
                                  AllocateNode::make(tmp, SeqNode::make({fill, drain})));
  // Workspace: big[n] (symbolic size) holds out + 1; then out[i] = big[n - 1 - i].
  Buffer big = Buffer::make("big", f32, {k.n()}, {}, Expr(), "local");
  Var i("i"), m("m");
  Stmt ws_part = AllocateNode::make(
      big, SeqNode::make({ForNode::make(i, idx(0), k.n(), ForKind::Serial,
                                        StoreNode::make(big, bin(BinaryOp::Add, k.load(1, i), make_const(f32, 1.0)), {i})),
                          ForNode::make(m, idx(0), k.n(), ForKind::Serial,
                                        k.store(1, LoadNode::make(big, {bin(BinaryOp::Sub, bin(BinaryOp::Sub, k.n(), idx(1)), m)}), m))}));
  auto jit = jit_compile({k.finish(SeqNode::make({stack_part, ws_part}))});
  // Before optimization: a 64-byte aligned stack slot, a workspace, alias scopes. With
  // LLVM's full pipeline (which unrolls the fill loop) the stack buffer lives in registers.
  tessera::codegen::CodegenOptions unoptimized, full;
  unoptimized.opt_level = 0;
  full.opt_level = 3;
  std::string ir = tessera::codegen::emit_llvm_ir({k.finish(SeqNode::make({stack_part, ws_part}))}, CpuTarget::host(), unoptimized);
  EXPECT_NE(ir.find("alloca [64 x i8], align 64"), std::string::npos) << ir;
  EXPECT_NE(ir.find("tessera_workspace_alloc"), std::string::npos);
  EXPECT_NE(ir.find("!noalias"), std::string::npos);
  std::string optimized = tessera::codegen::emit_llvm_ir({k.finish(SeqNode::make({stack_part, ws_part}))}, CpuTarget::host(), full);
  EXPECT_EQ(optimized.find("= alloca"), std::string::npos) << optimized;

  const int64_t n = 16 * 40;
  std::vector<float> a(n), out(n);
  for (int64_t e = 0; e < n; ++e) a[e] = static_cast<float>(e % 97) - 30.f;
  Args args;
  args.tensor(a.data(), f32, {n});
  args.tensor(out.data(), f32, {n});
  ASSERT_EQ(args.run(get_kernel(*jit, "alloc")), 0) << tessera_last_error();
  for (int64_t e = 0; e < n; ++e) {
    int64_t src = n - 1 - e;  // after the workspace pass
    int64_t blk = src / 16, lane = src % 16;
    float stacked = a[blk * 16 + (15 - lane)] * 2;
    ASSERT_EQ(out[e], stacked + 1) << e;
  }
}

TEST(CodegenLLVM, AssertFailureReportsMessage) {
  const DataType f32 = DataType::Float(32);
  Kernel1D k("checked", {f32});
  Buffer big = Buffer::make("scratch", f32, {k.n()}, {}, Expr(), "local");
  Stmt check = AssertNode::make(bin(BinaryOp::LT, k.n(), idx(5)),
                                {text("checked: n is "), k.n(), text(", expected < "), i32(5), text(" (bool "),
                                 bin(BinaryOp::GT, k.n(), idx(0)), text(")")});
  // The failing assert sits inside a workspace allocation, so the error path frees it.
  auto jit = jit_compile({k.finish(AllocateNode::make(big, check))});
  std::vector<float> a(10);
  Args args;
  args.tensor(a.data(), f32, {10});
  EXPECT_EQ(args.run(get_kernel(*jit, "checked")), -1);
  EXPECT_STREQ(tessera_last_error(), "checked: n is 10, expected < 5 (bool 1)");
  Args ok;
  ok.tensor(a.data(), f32, {3});
  EXPECT_EQ(ok.run(get_kernel(*jit, "checked")), 0);
}

// ---- parallel loops -----------------------------------------------------------------------

TEST(CodegenLLVM, ParallelLoops) {
  const DataType i64 = DataType::Int(64), f32 = DataType::Float(32);
  // out[i] = a[i] * 3 + i + k (k a scalar argument), over a parallel loop.
  Kernel1D k1("par_scalar", {i64, i64});
  Var i("i"), kv("k");
  Stmt body1 = ForNode::make(i, idx(0), k1.n(), ForKind::Parallel,
                             k1.store(1, bin(BinaryOp::Add, bin(BinaryOp::Add, bin(BinaryOp::Mul, k1.load(0, i), idx(3)), i), kv), i));
  LoweredFunc f1 = k1.finish(LetStmtNode::make(kv, call(i64, Intrinsic::ArgInt, {i32(2)}), body1));

  // Parallel blocks of 16 lanes with a per-block stack buffer, plus a serial tail.
  Kernel1D k2("par_vector", {f32, f32});
  Var o("o"), t("t");
  Buffer tmp = Buffer::make("tmp", f32, {idx(16)}, {}, Expr(), "local");
  Expr ramp = RampNode::make(bin(BinaryOp::Mul, o, idx(16)), idx(1), 16);
  Expr blocks = bin(BinaryOp::Div, k2.n(), idx(16));
  Stmt block = AllocateNode::make(
      tmp, SeqNode::make({StoreNode::make(tmp, bin(BinaryOp::Add, bin(BinaryOp::Mul, k2.load(0, ramp), make_const(f32.with_lanes(16), 2.0)),
                                                   make_const(f32.with_lanes(16), 1.0)),
                                          {RampNode::make(idx(0), idx(1), 16)}),
                          k2.store(1, LoadNode::make(tmp, {RampNode::make(idx(0), idx(1), 16)}), ramp)}));
  Expr tail = bin(BinaryOp::Mul, blocks, idx(16));
  Stmt body2 = SeqNode::make({ForNode::make(o, idx(0), blocks, ForKind::Parallel, block),
                              ForNode::make(t, tail, bin(BinaryOp::Sub, k2.n(), tail), ForKind::Serial,
                                            k2.store(1, bin(BinaryOp::Add, bin(BinaryOp::Mul, k2.load(0, t), make_const(f32, 2.0)),
                                                            make_const(f32, 1.0)), t))});
  LoweredFunc f2 = k2.finish(body2);

  // A parallel loop whose body fails at one element, on whichever thread runs it.
  Kernel1D k3("par_fail", {i64});
  Var p("p");
  Stmt body3 = ForNode::make(p, idx(0), k3.n(), ForKind::Parallel,
                             AssertNode::make(bin(BinaryOp::NE, k3.load(0, p), idx(-1)), {text("bad element "), p}));
  LoweredFunc f3 = k3.finish(body3);

  auto jit = jit_compile({f1, f2, f3});
  const int64_t n = 1000003;
  std::vector<int64_t> a(n), out(n, 0);
  for (int64_t e = 0; e < n; ++e) a[e] = (e * 7919) % 10007 - 5000;
  Args args1;
  args1.tensor(a.data(), i64, {n});
  args1.tensor(out.data(), i64, {n});
  args1.integer(42);
  ASSERT_EQ(args1.run(get_kernel(*jit, "par_scalar")), 0) << tessera_last_error();
  int64_t wrong = 0;
  for (int64_t e = 0; e < n; ++e) wrong += out[e] != a[e] * 3 + e + 42;
  EXPECT_EQ(wrong, 0);

  std::vector<float> fa(n), fout(n, 0);
  for (int64_t e = 0; e < n; ++e) fa[e] = static_cast<float>(e % 1013) * 0.25f;
  Args args2;
  args2.tensor(fa.data(), f32, {n});
  args2.tensor(fout.data(), f32, {n});
  ASSERT_EQ(args2.run(get_kernel(*jit, "par_vector")), 0) << tessera_last_error();
  wrong = 0;
  for (int64_t e = 0; e < n; ++e) wrong += fout[e] != fa[e] * 2 + 1;
  EXPECT_EQ(wrong, 0);

  std::vector<int64_t> marks(n, 0);
  marks[777777] = -1;
  Args args3;
  args3.tensor(marks.data(), i64, {n});
  EXPECT_EQ(args3.run(get_kernel(*jit, "par_fail")), -1);
  EXPECT_STREQ(tessera_last_error(), "bad element 777777");
}

// ---- compilation --------------------------------------------------------------------------

LoweredFunc small_add(const std::string& name) {
  const DataType f32 = DataType::Float(32);
  return elementwise(name, {f32, f32}, f32, 16, [](const std::vector<Expr>& x) { return bin(BinaryOp::Add, x[0], x[1]); });
}

TEST(CodegenLLVM, JitTimeOfSmallKernel) {
  jit_compile({small_add("warm")});  // LLVM's one-time initialization
  std::vector<double> ms;
  for (int r = 0; r < 5; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    auto m = jit_compile({small_add("add" + std::to_string(r))});
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    ASSERT_NE(m->lookup("add" + std::to_string(r)), nullptr);
  }
  std::sort(ms.begin(), ms.end());
  std::cout << "[ info ] jit_compile of a float32 add kernel: median " << ms[2] << " ms\n";
  RecordProperty("jit_ms_median", std::to_string(ms[2]));
}

TEST(CodegenLLVM, JitFromSeveralThreads) {
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([t, &ok] {
      auto m = jit_compile({small_add("t" + std::to_string(t))});
      std::vector<float> a(100, static_cast<float>(t)), b(100, 1.0f), c(100, 0);
      Args args;
      args.tensor(a.data(), DataType::Float(32), {100});
      args.tensor(b.data(), DataType::Float(32), {100});
      args.tensor(c.data(), DataType::Float(32), {100});
      ok[t] = args.run(m->lookup("t" + std::to_string(t))) == 0 && c[99] == static_cast<float>(t) + 1;
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok, std::vector<int>(4, 1));
}

// A module that exercises most of the backend, for object emission.
std::vector<LoweredFunc> feature_module() {
  const DataType f32 = DataType::Float(32), f64 = DataType::Float(64), f16 = DataType::Float(16), bf = DataType::BFloat16();
  std::vector<LoweredFunc> funcs;
  funcs.push_back(elementwise("math32", {f32, f32}, f32, 16, [](const std::vector<Expr>& x) {
    return bin(BinaryOp::Add, call(x[0].type(), Intrinsic::Exp, {x[0]}), call(x[0].type(), Intrinsic::Pow, {x[0], x[1]}));
  }));
  funcs.push_back(elementwise("math64", {f64}, f64, 8, [](const std::vector<Expr>& x) { return call(x[0].type(), Intrinsic::Tanh, {x[0]}); }));
  funcs.push_back(elementwise("half", {f16, bf}, f16, 8, [f16](const std::vector<Expr>& x) {
    return bin(BinaryOp::Mul, x[0], CastNode::make(f16.with_lanes(x[1].type().lanes), x[1]));
  }));
  funcs.push_back(elementwise("div64", {DataType::Int(64), DataType::Int(64)}, DataType::Int(64), 4,
                              [](const std::vector<Expr>& x) { return bin(BinaryOp::Mod, x[0], x[1]); }));
  Kernel1D k("par", {f32});
  Var i("i");
  funcs.push_back(k.finish(ForNode::make(i, idx(0), k.n(), ForKind::Parallel,
                                         k.store(0, call(f32, Intrinsic::Sin, {k.load(0, i)}), i))));
  return funcs;
}

void expect_elf(const std::vector<uint8_t>& obj, uint16_t machine) {
  ASSERT_GT(obj.size(), 64u);
  EXPECT_EQ(std::memcmp(obj.data(), "\x7f" "ELF", 4), 0);
  uint16_t e_machine;
  std::memcpy(&e_machine, obj.data() + 18, 2);
  EXPECT_EQ(e_machine, machine);
}

TEST(CodegenLLVM, EmitObjectForHostAndGenericTargets) {
  constexpr uint16_t kX86_64 = 62, kAArch64 = 183;
  expect_elf(tessera::codegen::emit_object(feature_module()), kX86_64);
  expect_elf(tessera::codegen::emit_object(feature_module(), CpuTarget::generic_x86_64()), kX86_64);
  expect_elf(tessera::codegen::emit_object(feature_module(), CpuTarget::generic_aarch64()), kAArch64);
  std::string arm_ir = tessera::codegen::emit_llvm_ir(feature_module(), CpuTarget::generic_aarch64());
  EXPECT_EQ(arm_ir.find("_ZGV"), std::string::npos);  // no libmvec there: per-lane libm
  EXPECT_NE(arm_ir.find("expf"), std::string::npos);
}

TEST(CodegenLLVM, HostTargetDescription) {
  CpuTarget host = CpuTarget::host();
  EXPECT_FALSE(host.triple.empty());
  EXPECT_FALSE(host.cpu.empty());
  EXPECT_TRUE(host.has_feature("sse2"));
  EXPECT_GE(host.vector_bits(), 128);
  EXPECT_EQ(CpuTarget::generic_x86_64().vector_bits(), 128);
  EXPECT_FALSE(CpuTarget::generic_x86_64().has_feature("avx"));
}

TEST(CodegenLLVM, RejectsBadInput) {
  LoweredFunc unpacked = small_add("unpacked");
  unpacked.packed = false;
  EXPECT_THROW(jit_compile({unpacked}), IRError);
  Kernel1D k("unbound", {DataType::Float(32)});
  Var stray("stray");
  EXPECT_THROW(jit_compile({k.finish(k.store(0, make_const(DataType::Float(32), 1.0), stray))}), IRError);
  EXPECT_THROW(jit_compile({small_add("twice"), small_add("twice")}), IRError);
  EXPECT_THROW(jit_compile({small_add("arm")}, CpuTarget::generic_aarch64()), std::runtime_error);
  // A kernel may not take the name of a C math function it calls.
  EXPECT_THROW(jit_compile({elementwise("expf", {DataType::Float(32)}, DataType::Float(32), 1,
                                        [](const std::vector<Expr>& x) { return call(x[0].type(), Intrinsic::Exp, {x[0]}); })}),
               IRError);
}

}  // namespace
