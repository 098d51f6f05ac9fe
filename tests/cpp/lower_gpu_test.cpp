// Lowering for GPUs: the schedule check (verify_gpu_schedule), whole-vector guards
// (guard_vector_lanes) and the host/device split with its launch record, run through the
// LLVM-compiled host function on fake CUDA tensors (no GPU needed).
#include <gtest/gtest.h>

#include <bit>
#include <cstring>

#include "lower/guard_vector_lanes.h"
#include "lower/split_host_device.h"
#include "tessera/codegen/llvm.h"
#include "tessera/ir/printer.h"
#include "tessera/ir/utils.h"
#include "tessera/lower/lower.h"
#include "tessera/runtime/cuda.h"
#include "tessera/schedule/schedule.h"
#include "tessera/te/tensor.h"

namespace tessera {
namespace {

using ir::DataType;
using schedule::ScheduleError;

lower::LowerOptions cuda_options(bool contiguous = false) {
  lower::LowerOptions o;
  o.device_type = kDLCUDA;
  o.target = "cuda";
  o.contiguous = contiguous;
  return o;
}

struct VAdd {
  ir::Var n = te::size_var("n");
  te::Tensor A = te::placeholder({n}, DataType::Float(32), "A");
  te::Tensor B = te::placeholder({n}, DataType::Float(32), "B");
  te::Tensor C = te::compute({n}, [&](ir::Var i) { return A(i) + B(i); }, "C");
  schedule::Schedule s = schedule::create_schedule({C});
  std::vector<lower::Arg> args() const { return {A, B, C}; }
};

struct Grid2D {
  ir::Var n = te::size_var("n"), m = te::size_var("m");
  te::Tensor A = te::placeholder({n, m}, DataType::Float(32), "A");
  te::Tensor C = te::compute({n, m}, [&](ir::Var i, ir::Var j) { return A(i, j) * 2; }, "C");
  schedule::Schedule s = schedule::create_schedule({C});
  std::vector<lower::Arg> args() const { return {A, C}; }
};

// The message of the ScheduleError that lowering for CUDA throws ("" if none).
template <class K> std::string gpu_error(const K& k) {
  try {
    lower::lower(k.s, k.args(), "k", cuda_options());
  } catch (const ScheduleError& e) {
    return e.what();
  }
  return "";
}

TEST(VerifyGpuSchedule, RefusesUnboundLoops) {
  VAdd k;
  EXPECT_NE(gpu_error(k).find("stage C: no axis is bound to a GPU thread; bind axis i0"), std::string::npos)
      << gpu_error(k);
}

TEST(VerifyGpuSchedule, RefusesTooManyThreadsPerBlock) {
  VAdd k;
  auto [bx, tx] = k.s[k.C].split(k.s[k.C].axis()[0], 2048);
  k.s[k.C].bind(bx, "blockIdx.x").bind(tx, "threadIdx.x");
  EXPECT_NE(gpu_error(k).find("makes 2048 threads per block; at most 1024"), std::string::npos) << gpu_error(k);

  Grid2D g;
  auto t = g.s[g.C].tile(g.s[g.C].axis()[0], g.s[g.C].axis()[1], 32, 64);
  g.s[g.C].bind(t[0], "blockIdx.y").bind(t[1], "blockIdx.x").bind(t[2], "threadIdx.y").bind(t[3], "threadIdx.x");
  EXPECT_NE(gpu_error(g).find("axis i1.inner to threadIdx.x makes 2048 threads"), std::string::npos) << gpu_error(g);
}

TEST(VerifyGpuSchedule, RefusesAnUnboundLoopAroundBoundOnes) {
  Grid2D g;
  auto [bx, tx] = g.s[g.C].split(g.s[g.C].axis()[1], 128);
  g.s[g.C].bind(bx, "blockIdx.x").bind(tx, "threadIdx.x");
  EXPECT_NE(gpu_error(g).find("stage C: axis i0 is not bound to a GPU thread but encloses thread-bound loops"),
            std::string::npos)
      << gpu_error(g);
}

TEST(VerifyGpuSchedule, RefusesParallelNestedTagsAndSymbolicBlocks) {
  VAdd p;
  auto [bx, tx] = p.s[p.C].split(p.s[p.C].axis()[0], 256);
  p.s[p.C].parallel(bx).bind(tx, "threadIdx.x");
  EXPECT_NE(gpu_error(p).find("axis i0.outer is parallel (CPU threads)"), std::string::npos) << gpu_error(p);

  Grid2D g;
  g.s[g.C].bind(g.s[g.C].axis()[0], "blockIdx.x").bind(g.s[g.C].axis()[1], "blockIdx.x");
  EXPECT_NE(gpu_error(g).find("axis i1 is bound to blockIdx.x inside axis i0, already bound to it"), std::string::npos)
      << gpu_error(g);

  VAdd sym;
  sym.s[sym.C].bind(sym.s[sym.C].axis()[0], "threadIdx.x");
  EXPECT_NE(gpu_error(sym).find("threadIdx.x with a symbolic extent"), std::string::npos) << gpu_error(sym);
}

// Two stages: T = A + 1 (intermediate or second output) and C = T * 2 over rows of m.
struct TwoStages {
  ir::Var n = te::size_var("n"), m = te::size_var("m");
  te::Tensor A = te::placeholder({n, m}, DataType::Float(32), "A");
  te::Tensor T = te::compute({n, m}, [&](ir::Var i, ir::Var j) { return A(i, j) + 1; }, "T");
  te::Tensor C = te::compute({n, m}, [&](ir::Var i, ir::Var j) { return T(i, j) * 2; }, "C");
  schedule::Schedule s;
  bool t_is_output;
  explicit TwoStages(bool t_output)
      : s(t_output ? schedule::create_schedule({T, C}) : schedule::create_schedule({C})), t_is_output(t_output) {}
  std::vector<lower::Arg> args() const {
    return t_is_output ? std::vector<lower::Arg>{A, T, C} : std::vector<lower::Arg>{A, C};
  }
  void bind_rows(const te::Tensor& t) { s[t].bind(s[t].axis()[0], "blockIdx.x"); }
};

TEST(VerifyGpuSchedule, RefusesGlobalOrSymbolicStorageInsideThreads) {
  // T computed per row inside C's block loop: its storage is a row of symbolic length m.
  TwoStages row(false);
  row.bind_rows(row.C);
  row.s[row.T].compute_at(row.s[row.C], row.s[row.C].axis()[0]);
  EXPECT_NE(gpu_error(row).find("stage T: is computed inside the kernel but its scope is global; "
                                "set_scope(\"local\")"),
            std::string::npos)
      << gpu_error(row);
  row.s[row.T].set_scope("local");
  EXPECT_NE(gpu_error(row).find("stage T: needs storage of symbolic size (m)"), std::string::npos) << gpu_error(row);
  // Per element, local: one value per thread, accepted.
  TwoStages elem(false);
  elem.bind_rows(elem.C);
  elem.s[elem.T].compute_at(elem.s[elem.C], elem.s[elem.C].axis()[1]).set_scope("local");
  EXPECT_EQ(gpu_error(elem), "");
}

TEST(VerifyGpuSchedule, RefusesReadingWhatAnotherNestOfTheKernelWrites) {
  // T and C both outputs, each over its own thread nest: C's threads would read T before
  // other threads have written it.
  TwoStages k(true);
  k.bind_rows(k.T);
  k.bind_rows(k.C);
  EXPECT_NE(gpu_error(k).find("stage C: reads T, which an earlier part of the kernel writes from other GPU threads"),
            std::string::npos)
      << gpu_error(k);
}

TEST(VerifyGpuSchedule, AcceptsGridsOfTiles) {
  Grid2D g;
  auto t = g.s[g.C].tile(g.s[g.C].axis()[0], g.s[g.C].axis()[1], 16, 16);
  g.s[g.C].bind(t[0], "blockIdx.y").bind(t[1], "blockIdx.x").bind(t[2], "threadIdx.y").bind(t[3], "threadIdx.x");
  EXPECT_EQ(gpu_error(g), "");
}

// ---- guard_vector_lanes -----------------------------------------------------------------------

TEST(GuardVectorLanes, SplitsAGuardedVectorIntoWholeVectorAndTail) {
  VAdd k;
  auto [vectors, lane] = k.s[k.C].split(k.s[k.C].axis()[0], 4);
  auto [bx, tx] = k.s[k.C].split(vectors, 256);
  k.s[k.C].bind(bx, "blockIdx.x").bind(tx, "threadIdx.x").vectorize(lane);
  ir::Stmt loops = lower::lower_to_loops(k.s, k.args(), cuda_options(true));
  std::string out = ir::to_string(lower::guard_vector_lanes(loops));
  // The lane-dependent bound (index < n) is checked at the last lane only; the tail keeps it.
  EXPECT_NE(out.find("if i0.outer.outer * 256 + i0.outer.inner < (n + 3) / 4 && i0.outer.outer * 1024 + "
                     "i0.outer.inner * 4 + 3 < n:\n"
                     "      vector for i0.inner in [0, 4):\n"
                     "        C[i0.outer.outer * 1024 + i0.outer.inner * 4 + i0.inner] ="),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("    else:\n      for i0.inner in [0, 4):\n        if "), std::string::npos) << out;

  // Through the whole pipeline the first branch is vector code.
  ir::LoweredFunc f = lower::lower(k.s, k.args(), "k", cuda_options(true));
  EXPECT_NE(ir::to_string(f.body).find("C[ramp(i0.outer.outer * 1024 + i0.outer.inner * 4, 1, 4)] = "),
            std::string::npos)
      << f.body;
}

TEST(GuardVectorLanes, LeavesGuardsThatTheEndsDoNotDecide) {
  // A guard on i % 3 is not affine in the lane: unchanged.
  ir::Var i("i"), n("n");
  ir::Buffer out = ir::Buffer::make("out", DataType::Float(32), {n});
  ir::Stmt body = ir::IfThenElseNode::make(ir::floormod(i, 3) < 2, ir::StoreNode::make(out, ir::make_const(DataType::Float(32), 1.0), {i}));
  ir::Stmt loop = ir::ForNode::make(i, ir::Expr(0), ir::Expr(4), ir::ForKind::Vectorized, body);
  EXPECT_TRUE(lower::guard_vector_lanes(loop).same_as(loop));
}

// ---- split_host_device ----------------------------------------------------------------------

// A CUDA tensor descriptor over a made-up device address.
struct FakeCudaTensor {
  std::vector<int64_t> shape, strides;
  DLTensor dl{};
  FakeCudaTensor(uintptr_t address, std::vector<int64_t> shp, std::vector<int64_t> str = {},
                 DLDataType dtype = {kDLFloat, 32, 1})
      : shape(std::move(shp)), strides(std::move(str)) {
    dl.data = reinterpret_cast<void*>(address);
    dl.device = {kDLCUDA, 0};
    dl.ndim = static_cast<int32_t>(shape.size());
    dl.dtype = dtype;
    dl.shape = shape.data();
    dl.strides = strides.empty() ? nullptr : strides.data();
  }
};

// Runs the host function; returns its status and fills `record` (message in *error).
struct HostRun {
  std::unique_ptr<codegen::JitModule> module;
  TesseraKernelFn fn = nullptr;
  int num_params = 0;
  explicit HostRun(const lower::HostDeviceSplit& split)
      : module(codegen::jit_compile({split.host})), num_params(static_cast<int>(split.device.params.size())) {
    fn = module->lookup(split.host.name);
  }
  int32_t operator()(std::vector<TesseraValue> args, std::vector<int32_t> codes, std::vector<int64_t>* record) {
    record->assign(num_params + cuda::kLaunchDims, -7);
    int32_t n = static_cast<int32_t>(args.size());
    TesseraValue r{};
    r.v_handle = record->data();
    args.push_back(r);
    return fn(args.data(), codes.data(), n);
  }
};

TesseraValue handle(DLTensor* t) {
  TesseraValue v{};
  v.v_handle = t;
  return v;
}

TEST(SplitHostDevice, HostChecksArgumentsAndWritesTheLaunchRecord) {
  VAdd k;
  auto [vectors, lane] = k.s[k.C].split(k.s[k.C].axis()[0], 4);
  auto [bx, tx] = k.s[k.C].split(vectors, 256);
  k.s[k.C].bind(bx, "blockIdx.x").bind(tx, "threadIdx.x").vectorize(lane);
  lower::HostDeviceSplit split = lower::split_host_device(lower::lower(k.s, k.args(), "vadd", cuda_options(true)));

  // Device params: the tensors in argument order (only C written), then the extent.
  const auto& p = split.device.params;
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[0].buffer->name, "A");
  EXPECT_FALSE(p[0].is_output);
  EXPECT_EQ(p[2].buffer->name, "C");
  EXPECT_TRUE(p[2].is_output);
  EXPECT_EQ(p[3].kind, ir::KernelParam::Kind::Int);
  EXPECT_EQ(p[3].var.name(), "n");
  EXPECT_EQ(split.device.target, "cuda");
  EXPECT_FALSE(split.device.packed);
  EXPECT_EQ(split.host.name, "vadd_launch");

  HostRun host(split);
  ASSERT_NE(host.fn, nullptr);
  FakeCudaTensor a(0x10000, {5000}), b(0x20000, {5000}), c(0x30000, {5000});
  a.dl.byte_offset = 8;
  std::vector<int64_t> record;
  ASSERT_EQ(host({handle(&a.dl), handle(&b.dl), handle(&c.dl)}, {7, 7, 7}, &record), 0) << tessera_last_error();
  EXPECT_EQ(record, (std::vector<int64_t>{0x10008, 0x20000, 0x30000, 5000, 5, 1, 1, 256, 1, 1}));

  c.shape[0] = 0;
  a.shape[0] = b.shape[0] = 0;
  ASSERT_EQ(host({handle(&a.dl), handle(&b.dl), handle(&c.dl)}, {7, 7, 7}, &record), 0);
  EXPECT_EQ(record[4], 0) << "an empty grid";

  // The same checks as a CPU kernel, with its messages.
  a.shape[0] = b.shape[0] = c.shape[0] = 10;
  b.dl.device = {kDLCPU, 0};
  EXPECT_NE(host({handle(&a.dl), handle(&b.dl), handle(&c.dl)}, {7, 7, 7}, &record), 0);
  EXPECT_STREQ(tessera_last_error(), "kernel vadd: argument 1 (B) expects device cuda, got cpu");
  b.dl.device = {kDLCUDA, 0};
  c.dl.dtype = {kDLFloat, 16, 1};
  EXPECT_NE(host({handle(&a.dl), handle(&b.dl), handle(&c.dl)}, {7, 7, 7}, &record), 0);
  EXPECT_STREQ(tessera_last_error(), "kernel vadd: argument 2 (C) expects dtype float32, got float16");
  c.dl.dtype = {kDLFloat, 32, 1};
  EXPECT_NE(host({handle(&a.dl), handle(&b.dl)}, {7, 7}, &record), 0);
  EXPECT_STREQ(tessera_last_error(), "kernel vadd: expects 3 arguments, got 2");
}

TEST(SplitHostDevice, StridesScalarsAndTwoDimensionalGrids) {
  ir::Var n = te::size_var("n"), m = te::size_var("m");
  ir::Var alpha = te::var("alpha", DataType::Float(64)), shift = te::var("shift", DataType::Int(64));
  te::Tensor A = te::placeholder({n, m}, DataType::Float(32), "A");
  te::Tensor C = te::compute({n, m}, [&](ir::Var i, ir::Var j) {
    return A(i, j) * ir::cast(DataType::Float(32), alpha) + ir::cast(DataType::Float(32), shift);
  }, "C");
  schedule::Schedule s = schedule::create_schedule({C});
  auto t = s[C].tile(s[C].axis()[0], s[C].axis()[1], 8, 32);
  s[C].bind(t[0], "blockIdx.y").bind(t[1], "blockIdx.x").bind(t[2], "threadIdx.y").bind(t[3], "threadIdx.x");
  lower::HostDeviceSplit split = lower::split_host_device(lower::lower(s, {A, C, alpha, shift}, "scale", cuda_options()));

  HostRun host(split);
  FakeCudaTensor a(0x1000, {20, 70}, {1, 20}), c(0x2000, {20, 70}, {70, 1});
  TesseraValue va{}, vs{};
  va.v_float64 = 1.5;
  vs.v_int64 = -3;
  std::vector<int64_t> record;
  ASSERT_EQ(host({handle(&a.dl), handle(&c.dl), va, vs}, {7, 7, 2, 0}, &record), 0) << tessera_last_error();
  const int np = host.num_params;
  // Grid (ceil(70 / 32), ceil(20 / 8)), blocks of 32 x 8 threads.
  EXPECT_EQ(std::vector<int64_t>(record.begin() + np, record.end()), (std::vector<int64_t>{3, 3, 1, 32, 8, 1}));
  // Each scalar's slot holds its bits in the low bytes.
  bool saw_alpha = false, saw_shift = false, saw_stride = false;
  for (int i = 0; i < np; ++i) {
    const ir::KernelParam& p = split.device.params[i];
    if (p.kind == ir::KernelParam::Kind::Tensor) continue;
    if (p.var.name() == "alpha") {
      saw_alpha = true;
      EXPECT_EQ(std::bit_cast<double>(record[i]), 1.5);
    } else if (p.var.name() == "shift") {
      saw_shift = true;
      EXPECT_EQ(record[i], -3);
    } else if (p.var.name() == "A.stride1") {
      saw_stride = record[i] == 20;
    }
  }
  EXPECT_TRUE(saw_alpha && saw_shift && saw_stride) << split.device.body;
}

TEST(SplitHostDevice, AZeroDimensionalKernelRunsOnOneThread) {
  te::Tensor A = te::placeholder({}, DataType::Float(64), "A");
  te::Tensor C = te::compute({}, [&](const std::vector<ir::Var>&) { return A(std::vector<ir::Expr>{}) + 1.0; }, "C");
  schedule::Schedule s = schedule::create_schedule({C});
  lower::HostDeviceSplit split = lower::split_host_device(lower::lower(s, {A, C}, "inc", cuda_options()));
  HostRun host(split);
  FakeCudaTensor a(0x1000, {}, {}, {kDLFloat, 64, 1}), c(0x2000, {}, {}, {kDLFloat, 64, 1});
  std::vector<int64_t> record;
  ASSERT_EQ(host({handle(&a.dl), handle(&c.dl)}, {7, 7}, &record), 0) << tessera_last_error();
  EXPECT_EQ(std::vector<int64_t>(record.end() - cuda::kLaunchDims, record.end()), (std::vector<int64_t>(6, 1)));
}

TEST(SplitHostDevice, RefusesUnpackedFunctions) {
  ir::LoweredFunc f{"f", {}, ir::EvaluateNode::make(ir::Expr(0)), false, "cuda"};
  EXPECT_THROW(lower::split_host_device(f), ir::IRError);
}

}  // namespace
}  // namespace tessera
