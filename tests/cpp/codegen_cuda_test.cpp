// CUDA code generation: the source it writes (readable, with the semantics helpers and
// 16-bit float headers it needs), NVRTC compiling every elementwise operator for every
// dtype its type rule accepts (contiguous rank 1, strided ranks 1-3), and clear errors on
// bad input: CPU tensors, wrong dtypes, no driver, no NVRTC, code NVRTC rejects.
//
// Runs without a GPU (CI); the NVRTC tests skip only when NVRTC cannot be loaded.
#include <gtest/gtest.h>

#include <cstdlib>

#include "lower/split_host_device.h"
#include "tessera/build_cuda.h"
#include "tessera/codegen/cuda.h"
#include "tessera/ops/defop.h"
#include "tessera/ops/elementwise.h"
#include "tessera/ops/library.h"
#include "tessera/runtime/cuda.h"

namespace tessera {
namespace {

using ir::DataType;

#define SKIP_WITHOUT_NVRTC()                                \
  do {                                                      \
    std::string why;                                        \
    if (!codegen::nvrtc_available(&why)) GTEST_SKIP() << why; \
  } while (0)

ir::LoweredFunc lower_variant(const std::string& op_name, const ops::Variant& v) {
  const ops::OpDef* op = ops::find_op(op_name);
  ops::Generated g = op->generate(v);
  lower::LowerOptions lo;
  lo.contiguous = v.layout == ops::Layout::Contiguous;
  lo.device_type = kDLCUDA;
  lo.target = "cuda";
  return lower::lower(g.sched, g.args, v.name(op_name), lo);
}

ops::Variant variant(const std::string& op_name, DataType t, int ndim, ops::Layout layout) {
  ops::ensure_registered();
  const ops::OpDef* op = ops::find_op(op_name);
  return ops::Variant{*op->type_rule(std::vector<DataType>(op->num_inputs, t)), ndim, layout, "cuda", {}};
}

std::string source_of(const std::string& op, DataType t, int ndim = 1, ops::Layout layout = ops::Layout::Contiguous) {
  return codegen::emit_cuda({lower_variant(op, variant(op, t, ndim, layout))});
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// ---- the source -----------------------------------------------------------------------------

TEST(CudaSource, ContiguousAddIsOneVectorPerThread) {
  std::string src = source_of("add", DataType::Float(32));
  EXPECT_TRUE(has(src, "extern \"C\" __global__ void __launch_bounds__(256) "
                       "add__float32_float32__float32__r1_contig_cuda(const float* A, const float* B, float* out, "
                       "long long n0) {"))
      << src;
  EXPECT_TRUE(has(src, "  const long long i0_outer_outer = (long long)blockIdx.x;\n"
                       "  const long long i0_outer_inner = (long long)threadIdx.x;\n"))
      << src;
  EXPECT_TRUE(has(src, "tessera_vload<4>(A_v, A + (idx));")) << src;
  EXPECT_TRUE(has(src, "      v[lane] = (A_v[lane] + B_v[lane]);\n")) << src;
  EXPECT_TRUE(has(src, "tessera_vstore<4>(out + (idx), v);")) << src;
  EXPECT_FALSE(has(src, "cuda_fp16.h")) << "no 16-bit floats, no header";
  EXPECT_FALSE(has(src, "tensor_") || has(src, "arg_")) << "argument access stays on the host";
}

TEST(CudaSource, SixteenBitFloatsComputeInFloatAndRoundOnce) {
  std::string h = source_of("multiply", DataType::Float(16));
  EXPECT_TRUE(has(h, "#include <cuda_fp16.h>"));
  EXPECT_FALSE(has(h, "#include <cuda_bf16.h>"));
  EXPECT_TRUE(has(h, "tessera_vload<8>(A_v"));  // 16 bytes of float16
  EXPECT_TRUE(has(h, "v[lane] = __float2half_rn((tessera_half_to_float(A_v[lane]) * tessera_half_to_float(B_v[lane])));")) << h;
  std::string b = source_of("exp", DataType::BFloat16());
  EXPECT_TRUE(has(b, "#include <cuda_bf16.h>"));
  EXPECT_TRUE(has(b, "__float2bfloat16_rn(expf(__bfloat162float(A_v[lane])))")) << b;
}

TEST(CudaSource, IntegerSemanticsUseThePreludeHelpers) {
  std::string div = source_of("floor_divide", DataType::Int(64), 2, ops::Layout::Strided);
  EXPECT_TRUE(has(div, "tessera_floordiv(A[")) << div;
  EXPECT_TRUE(has(div, "template <class T> __device__ __forceinline__ T tessera_floordiv(T a, T b) {"));
  std::string shl = source_of("bitwise_left_shift", DataType::UInt(8));
  EXPECT_TRUE(has(shl, "tessera_shl(A_v[lane], B_v[lane])")) << shl;
  std::string add = source_of("add", DataType::Int(64), 1, ops::Layout::Strided);
  // Data arithmetic wraps (in unsigned); index arithmetic is plain.
  EXPECT_TRUE(has(add, "(long long)((unsigned long long)A[")) << add;
  // Strided coordinates are computed once per thread and shared by all operands.
  std::string s3 = source_of("add", DataType::Float(32), 3, ops::Layout::Strided);
  EXPECT_TRUE(has(s3, "const long long idx_1 = tessera_floordiv(idx, n2);")) << s3;
}

TEST(CudaSource, FloatMaximumPropagatesNaN) {
  std::string f16 = source_of("maximum", DataType::Float(16));
  EXPECT_TRUE(has(f16, "tessera_max(A_v[lane], B_v[lane])")) << f16;
  std::string f32 = source_of("maximum", DataType::Float(32));
  EXPECT_TRUE(has(f32, "isnan(A_v[lane])")) << f32;
}

TEST(CudaSource, TiledTwoDimensionalSchedules) {
  ir::Var n = te::size_var("n"), m = te::size_var("m");
  te::Tensor A = te::placeholder({n, m}, DataType::Float(64), "A");
  te::Tensor C = te::compute({n, m}, [&](ir::Var i, ir::Var j) { return A(j % n, i % m) * 2.0; }, "C");
  schedule::Schedule s = schedule::create_schedule({C});
  auto t = s[C].tile(s[C].axis()[0], s[C].axis()[1], 16, 16);
  s[C].bind(t[0], "blockIdx.y").bind(t[1], "blockIdx.x").bind(t[2], "threadIdx.y").bind(t[3], "threadIdx.x");
  lower::LowerOptions lo;
  lo.device_type = kDLCUDA;
  lo.target = "cuda";
  std::string src = codegen::emit_cuda({lower::lower(s, {A, C}, "tiled", lo)});
  EXPECT_TRUE(has(src, "__launch_bounds__(256) tiled(")) << src;
  EXPECT_TRUE(has(src, "(long long)threadIdx.y;")) << src;
  EXPECT_TRUE(has(src, "// tiled: blockIdx.x < (m + 15) / 16, blockIdx.y < (n + 15) / 16, threadIdx.x < 16, threadIdx.y < 16"))
      << src;
  SKIP_WITHOUT_NVRTC();
  codegen::CudaTarget target;
  target.arch = 90;
  codegen::CudaBinary bin = codegen::compile_cuda(src, target);
  EXPECT_FALSE(bin.cubin.empty());
  EXPECT_TRUE(has(bin.ptx, ".entry tiled("));
}

// A strided vector store (the broadcast row blocks: 8 lanes 256 apart) computes every lane's
// value before it stores any lane, so all the loads can be in flight together (the compiler
// may not move a load above a store to a buffer that could alias it).
TEST(CudaSource, StridedVectorStoresLoadEveryLaneFirst) {
  ops::Variant v = variant("add", DataType::Float(32), 2, ops::Layout::Strided);
  v.attrs = {0, 1};  // row blocks (src/ops/gpu_schedules.h)
  std::string src = codegen::emit_cuda({lower_variant("add", v)});
  size_t values = src.find("v[lane] = (A[");
  size_t stores = src.find("] = v[lane];");
  ASSERT_NE(values, std::string::npos) << src;
  ASSERT_NE(stores, std::string::npos) << src;
  EXPECT_LT(values, stores) << src;
  EXPECT_TRUE(has(src, "for (int lane = 0; lane < 8; ++lane)")) << src;
}

// Vector accesses to local arrays go lane by lane at constant indices (registers), never
// through the array's address (which would put it on the stack).
TEST(CudaSource, LocalVectorsStayInRegisters) {
  const int64_t n = 64;
  te::Tensor A = te::placeholder({n, n}, DataType::Float(32), "A");
  te::Tensor B = te::placeholder({n, n}, DataType::Float(32), "B");
  ir::IterVar k = te::reduce_axis(0, n, "k");
  te::Tensor C = te::compute({n, n}, [&](ir::Var i, ir::Var j) { return te::sum(A(i, k->var) * B(k->var, j), {k}); }, "C");
  schedule::Schedule s = schedule::create_schedule({C});
  te::Tensor CC = s.cache_write(C, "local");
  auto c = s[C];
  auto [io, ii] = c.split(c.axis()[0], 4);
  auto [jo, ji] = c.split(c.axis()[1], 4);
  c.reorder({io, jo, ii, ji}).bind(io, "blockIdx.x").bind(jo, "threadIdx.x").unroll(ii).vectorize(ji);
  auto cc = s[CC];
  cc.compute_at(c, jo);
  cc.reorder({cc.reduce_axis()[0], cc.axis()[0], cc.axis()[1]}).unroll(cc.axis()[0]).vectorize(cc.axis()[1]);
  lower::LowerOptions lo;
  lo.contiguous = true;
  lo.device_type = kDLCUDA;
  lo.target = "cuda";
  std::string src = codegen::emit_cuda({lower::lower(s, {A, B, C}, "local_tiles", lo)});
  EXPECT_TRUE(has(src, "float C_local[16];")) << src;
  EXPECT_TRUE(has(src, "C_local[(0ll + lane)]")) << src;
  EXPECT_FALSE(has(src, "C_local +")) << src;  // no tessera_vload/vstore through its address
  SKIP_WITHOUT_NVRTC();
  codegen::CudaTarget target;
  target.arch = 90;
  EXPECT_FALSE(codegen::compile_cuda(src, target).cubin.empty());
}

TEST(CudaSource, RefusesWhatKernelsCannotDo) {
  ir::LoweredFunc bad{"not-a-name", {}, ir::EvaluateNode::make(ir::Expr(0)), false, "cuda"};
  EXPECT_THROW(codegen::emit_cuda({bad}), ir::IRError);
  ir::Var i("i");
  ir::Buffer out = ir::Buffer::make("out", DataType::Float(32), {ir::Expr(int64_t{8})});
  ir::Stmt loop = ir::ForNode::make(i, ir::Expr(0), ir::Expr(8), ir::ForKind::Parallel,
                                    ir::StoreNode::make(out, ir::make_const(DataType::Float(32), 1.0), {i}));
  ir::KernelParam p{ir::KernelParam::Kind::Tensor, out, ir::Var(), true};
  ir::LoweredFunc parallel{"par", {p}, loop, false, "cuda"};
  try {
    codegen::emit_cuda({parallel});
    ADD_FAILURE() << "a parallel loop was accepted";
  } catch (const ir::IRError& e) {
    EXPECT_TRUE(has(e.what(), "loop i is parallel")) << e.what();
  }
}

// ---- NVRTC: every elementwise operator --------------------------------------------------------

std::vector<std::string> elementwise_ops() {
  ops::ensure_registered();
  std::vector<std::string> names = ops::elementwise_op_names();
  for (DataType t : ir::kAllDTypes) names.push_back(ops::astype_op_name(t));
  return names;
}

class NvrtcCompiles : public ::testing::TestWithParam<std::string> {};

// Every dtype the type rule accepts (same-dtype signatures), contiguous rank 1 and strided
// ranks 1-3: one NVRTC program per operator, compiled to a sm_90 cubin and PTX.
TEST_P(NvrtcCompiles, EveryVariantOfTheOperator) {
  SKIP_WITHOUT_NVRTC();
  const std::string& name = GetParam();
  const ops::OpDef* op = ops::find_op(name);
  ASSERT_NE(op, nullptr);
  std::vector<ir::LoweredFunc> kernels;
  for (DataType t : ir::kAllDTypes) {
    if (!op->type_rule(std::vector<DataType>(op->num_inputs, t))) continue;
    kernels.push_back(lower_variant(name, variant(name, t, 1, ops::Layout::Contiguous)));
    for (int ndim = 1; ndim <= 3; ++ndim) kernels.push_back(lower_variant(name, variant(name, t, ndim, ops::Layout::Strided)));
  }
  ASSERT_FALSE(kernels.empty()) << name << " accepts no dtype";
  codegen::CudaTarget target;
  target.arch = 90;
  target.fast_compile = true;  // same front end and checks, a third of the time
  codegen::CudaBinary bin;
  try {
    bin = codegen::compile_cuda(codegen::emit_cuda(kernels), target, name + ".cu");
  } catch (const std::exception& e) {
    FAIL() << e.what();
  }
  EXPECT_EQ(bin.arch, 90);
  EXPECT_FALSE(bin.cubin.empty());
  for (const ir::LoweredFunc& k : kernels) EXPECT_TRUE(has(bin.ptx, ".entry " + k.name + "(")) << k.name;
  RecordProperty("kernels", static_cast<int>(kernels.size()));
}

INSTANTIATE_TEST_SUITE_P(Elementwise, NvrtcCompiles, ::testing::ValuesIn(elementwise_ops()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

TEST(Nvrtc, ReportsCompileErrorsWithTheLog) {
  SKIP_WITHOUT_NVRTC();
  try {
    codegen::compile_cuda("extern \"C\" __global__ void k() { undeclared_thing(); }\n", {}, "broken.cu");
    ADD_FAILURE() << "broken source compiled";
  } catch (const std::runtime_error& e) {
    EXPECT_TRUE(has(e.what(), "NVRTC failed to compile broken.cu")) << e.what();
    EXPECT_TRUE(has(e.what(), "undeclared_thing")) << e.what();
  }
}

TEST(Nvrtc, DumpPrintsTheSource) {
  SKIP_WITHOUT_NVRTC();
  setenv("TESSERA_DUMP_CUDA", "1", 1);
  ::testing::internal::CaptureStderr();
  codegen::compile_cuda("extern \"C\" __global__ void dumped() {}\n", {}, "dump.cu");
  std::string err = ::testing::internal::GetCapturedStderr();
  unsetenv("TESSERA_DUMP_CUDA");
  EXPECT_TRUE(has(err, "=== CUDA source dump.cu\nextern \"C\" __global__ void dumped() {}")) << err;
}

TEST(Nvrtc, MissingLibraryIsAClearError) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");  // a fresh process: NVRTC is loaded once
  EXPECT_EXIT(
      {
        setenv("TESSERA_NVRTC", "/nonexistent/libnvrtc.so", 1);
        try {
          codegen::compile_cuda("extern \"C\" __global__ void k() {}\n");
        } catch (const std::runtime_error& e) {
          std::fprintf(stderr, "%s\n", e.what());
          std::exit(0);
        }
        std::exit(1);
      },
      ::testing::ExitedWithCode(0), "NVRTC \\(the CUDA runtime compiler\\) cannot be loaded; tried /nonexistent/libnvrtc.so");
}

// ---- bad input to a built kernel --------------------------------------------------------------

struct FakeTensor {
  std::vector<int64_t> shape;
  DLTensor dl{};
  FakeTensor(DLDevice device, DLDataType dtype, std::vector<int64_t> shp) : shape(std::move(shp)) {
    dl.data = reinterpret_cast<void*>(uintptr_t{0x7000000});
    dl.device = device;
    dl.ndim = static_cast<int32_t>(shape.size());
    dl.dtype = dtype;
    dl.shape = shape.data();
  }
};

std::string error_of(const CudaKernel& k, const std::vector<KernelArgValue>& args) {
  try {
    k(args);
  } catch (const KernelError& e) {
    return e.what();
  }
  return "";
}

TEST(CudaKernelErrors, BadArgumentsAreRefusedBeforeAnyLaunch) {
  SKIP_WITHOUT_NVRTC();
  ops::Variant v = variant("add", DataType::Float(32), 1, ops::Layout::Contiguous);
  ops::Generated g = ops::find_op("add")->generate(v);
  CudaBuildOptions options;
  options.lower.contiguous = true;
  options.target.arch = 90;
  CudaKernel k = build_cuda(g.sched, g.args, "vadd", options);
  EXPECT_TRUE(has(k.source(), "__global__ void __launch_bounds__(256) vadd("));
  const DLDevice gpu{kDLCUDA, 0}, cpu{kDLCPU, 0};
  const DLDataType f32{kDLFloat, 32, 1}, f64{kDLFloat, 64, 1};
  FakeTensor a(gpu, f32, {10}), b(gpu, f32, {10}), c(gpu, f32, {10});
  FakeTensor on_cpu(cpu, f32, {10}), wide(gpu, f64, {10}), matrix(gpu, f32, {2, 5}), short_one(gpu, f32, {9});
  EXPECT_EQ(error_of(k, {&a.dl, &on_cpu.dl, &c.dl}), "kernel vadd: argument 1 (B) expects device cuda, got cpu");
  EXPECT_EQ(error_of(k, {&a.dl, &b.dl, &wide.dl}), "kernel vadd: argument 2 (out) expects dtype float32, got float64");
  EXPECT_EQ(error_of(k, {&matrix.dl, &b.dl, &c.dl}), "kernel vadd: argument 0 (A) expects ndim 1, got 2");
  EXPECT_EQ(error_of(k, {&a.dl, &short_one.dl, &c.dl}), "kernel vadd: dim 0 of B (9) must equal n0 (10)");
  EXPECT_EQ(error_of(k, {&a.dl, &b.dl}), "kernel vadd: expects 3 arguments, got 2");
  EXPECT_EQ(error_of(k, {&a.dl, int64_t{3}, &c.dl}), "kernel vadd: argument 1 (B) must be a tensor, got an int");

  // Valid arguments on a machine without a GPU: the launch reports why it cannot run.
  std::string why;
  if (cuda::available(&why)) return;  // gpu_ops_test covers real launches
  std::string err = error_of(k, {&a.dl, &b.dl, &c.dl});
  EXPECT_TRUE(has(err, "kernel vadd: ") && has(err, why)) << err;
  EXPECT_THROW(cuda::device_alloc(16), cuda::CudaError);
  // An empty array needs no GPU at all.
  FakeTensor e0(gpu, f32, {0}), e1(gpu, f32, {0}), e2(gpu, f32, {0});
  EXPECT_EQ(error_of(k, {&e0.dl, &e1.dl, &e2.dl}), "");
}

TEST(CudaKernelErrors, SchedulesAGpuCannotRunAreRefusedAtBuild) {
  ir::Var n = te::size_var("n");
  te::Tensor A = te::placeholder({n}, DataType::Float(32), "A");
  te::Tensor C = te::compute({n}, [&](ir::Var i) { return A(i) * 2; }, "C");
  schedule::Schedule s = schedule::create_schedule({C});  // nothing bound
  EXPECT_THROW(build_cuda(s, {A, C}, "unbound"), schedule::ScheduleError);
}

}  // namespace
}  // namespace tessera
