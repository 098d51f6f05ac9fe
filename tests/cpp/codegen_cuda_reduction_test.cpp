// CI without a GPU: every reduction operator's GPU variants (every dtype its type rule
// takes, every mode and rank of gpu_reduction_variants.h) lower, and NVRTC compiles them
// to a sm_90 cubin and PTX; the source has the cross-thread tree's barriers; and kernels of
// every mode, run by the CPU emulator of CUDA C (cuda_emulator.h, threads and barriers
// included), match the CPU kernels of the same operators.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "cuda_emulator.h"
#include "gpu_reduction_variants.h"
#include "tessera/build.h"
#include "tessera/ops/library.h"
#include "tessera/codegen/cuda.h"

namespace tessera {
namespace {

using ir::DataType;

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::vector<std::string> reduction_names() {
  std::vector<std::string> out;
  for (const auto& r : ops::reduction_detail::reduction_table()) out.push_back(r.name);
  return out;
}

TEST(GpuReductionSource, RowsCombineThroughSharedMemoryWithBarriers) {
  ops::Signature sig = ops::reduction_detail::reduce_signature(*ops::reduction_detail::find_reduction("sum"),
                                                               DataType::Float(32), std::nullopt);
  gpu_test::ReductionShape rows{1, 1, ops::GpuReduceMode::Rows};
  std::string src = codegen::emit_cuda({gpu_test::lower_gpu_reduction("sum", gpu_test::gpu_reduction_variant(sig, rows))});
  EXPECT_TRUE(has(src, "__shared__")) << src;
  EXPECT_TRUE(has(src, "__syncthreads();")) << src;
  EXPECT_TRUE(has(src, "__syncwarp();")) << src;
  gpu_test::ReductionShape cols{1, 1, ops::GpuReduceMode::Columns};
  src = codegen::emit_cuda({gpu_test::lower_gpu_reduction("sum", gpu_test::gpu_reduction_variant(sig, cols))});
  EXPECT_TRUE(has(src, "threadIdx.y")) << src;
  EXPECT_FALSE(has(src, "__syncwarp();")) << src;  // the tree runs across warps
}

class NvrtcCompilesReduction : public ::testing::TestWithParam<std::string> {};

TEST_P(NvrtcCompilesReduction, EveryGpuVariant) {
  std::string why;
  if (!codegen::nvrtc_available(&why)) GTEST_SKIP() << why;
  const std::string& name = GetParam();
  const auto* info = ops::reduction_detail::find_reduction(name);
  std::vector<ir::LoweredFunc> kernels;
  for (DataType t : ir::kAllDTypes) {
    ops::Signature sig;
    try {
      sig = ops::reduction_detail::reduce_signature(*info, t, std::nullopt);
    } catch (const std::exception&) {
      continue;  // a dtype the operator does not take
    }
    for (const gpu_test::ReductionShape& s : gpu_test::gpu_reduction_shapes())
      kernels.push_back(gpu_test::lower_gpu_reduction(name, gpu_test::gpu_reduction_variant(sig, s)));
  }
  ASSERT_FALSE(kernels.empty());
  codegen::CudaTarget target;
  target.arch = 90;
  target.fast_compile = true;
  codegen::CudaBinary bin;
  try {
    bin = codegen::compile_cuda(codegen::emit_cuda(kernels), target, name + ".cu");
  } catch (const std::exception& e) {
    FAIL() << e.what();
  }
  EXPECT_FALSE(bin.cubin.empty());
  for (const ir::LoweredFunc& k : kernels) EXPECT_TRUE(has(bin.ptx, ".entry " + k.name + "(")) << k.name;
  RecordProperty("kernels", static_cast<int>(kernels.size()));
}

INSTANTIATE_TEST_SUITE_P(Reductions, NvrtcCompilesReduction, ::testing::ValuesIn(reduction_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

// ---- emulated runs -------------------------------------------------------------------------

struct EmulatedCase {
  std::string op;
  DataType in;  // float32, float64 or int32
  std::vector<int64_t> kept, reduced;
  ops::GpuReduceMode mode;
  bool transposed;  // memory is [reduced..., kept...]
};

template <class T>
std::vector<uint8_t> fill(int64_t n, std::mt19937& rng) {
  std::vector<uint8_t> bytes(n * sizeof(T));
  std::uniform_int_distribution<int> small(-3, 3), pct(0, 99);
  for (int64_t i = 0; i < n; ++i) {
    T v = static_cast<T>(small(rng)) / (std::is_floating_point_v<T> ? 2 : 1);  // many ties
    if constexpr (std::is_floating_point_v<T>)
      if (pct(rng) == 0) v = NAN;
    std::memcpy(&bytes[i * sizeof(T)], &v, sizeof(T));
  }
  return bytes;
}

double element(DataType t, const uint8_t* p) {
  if (t == DataType::Float(32)) return *reinterpret_cast<const float*>(p);
  if (t == DataType::Float(64)) return *reinterpret_cast<const double*>(p);
  if (t == DataType::Int(64)) return static_cast<double>(*reinterpret_cast<const int64_t*>(p));
  if (t == DataType::Int(32)) return *reinterpret_cast<const int32_t*>(p);
  if (t.is_bool()) return *p;
  throw std::invalid_argument("element: " + t.str());
}

void run_emulated(const EmulatedCase& c, std::mt19937& rng) {
  SCOPED_TRACE(c.op + " " + c.in.str() + " mode " + std::to_string(static_cast<int>(c.mode)));
  const auto* info = ops::reduction_detail::find_reduction(c.op);
  ops::Signature sig = ops::reduction_detail::reduce_signature(*info, c.in, std::nullopt);
  gpu_test::ReductionShape rs{static_cast<int>(c.kept.size()), static_cast<int>(c.reduced.size()), c.mode};
  ops::Variant gv = gpu_test::gpu_reduction_variant(sig, rs), cv = gv;
  cv.target = "llvm";
  cv.attrs[2] = 0;
  std::vector<int64_t> shape = c.kept;
  shape.insert(shape.end(), c.reduced.begin(), c.reduced.end());
  const int nd = static_cast<int>(shape.size());
  std::vector<int> order(nd);
  for (int d = 0; d < nd; ++d) order[d] = d;
  if (c.transposed) std::rotate(order.begin(), order.begin() + rs.kept, order.end());
  std::vector<int64_t> strides(nd);
  int64_t n = 1;
  for (int i = nd; i-- > 0;) {
    strides[order[i]] = n;
    n *= shape[order[i]];
  }
  std::vector<uint8_t> x = c.in == DataType::Float(32)   ? fill<float>(n, rng)
                           : c.in == DataType::Float(64) ? fill<double>(n, rng)
                                                         : fill<int32_t>(n, rng);
  std::vector<int64_t> out_shape = rs.kept ? c.kept : std::vector<int64_t>{1};
  std::vector<int64_t> out_strides(out_shape.size());
  int64_t m = 1;
  for (size_t i = out_shape.size(); i-- > 0;) {
    out_strides[i] = m;
    m *= out_shape[i];
  }
  DataType ot = sig.outputs[0];
  std::vector<uint8_t> emulated(m * ot.bytes(), 0xA5), reference(m * ot.bytes(), 0x5A);
  auto dl_of = [](DataType t) {
    return DLDataType{static_cast<uint8_t>(t.is_bool() ? kDLBool : t.is_float() ? kDLFloat : kDLInt),
                      static_cast<uint8_t>(t.bits), 1};
  };
  auto tensors = [&](DLDeviceType dev, void* out) {
    std::vector<DLTensor> t(2);
    t[0] = DLTensor{x.data(), {dev, 0}, nd, dl_of(c.in), shape.data(), strides.data(), 0};
    t[1] = DLTensor{out, {dev, 0}, static_cast<int32_t>(out_shape.size()), dl_of(ot), out_shape.data(),
                    out_strides.data(), 0};
    return t;
  };
  std::vector<KernelArgValue> scalars;
  if (c.op == "var" || c.op == "std") scalars.push_back(1.0);
  {
    ops::Generated g = gpu_test::reduction_op(c.op).generate(cv);
    Kernel k = build(g.sched, g.args, cv.name(c.op) + "_ref");
    std::vector<DLTensor> t = tensors(kDLCPU, reference.data());
    std::vector<KernelArgValue> args = {&t[0], &t[1]};
    args.insert(args.end(), scalars.begin(), scalars.end());
    k(args);
  }
  {
    ir::LoweredFunc f = gpu_test::lower_gpu_reduction(c.op, gv);
    testing::EmulatedKernels kernels({f});
    std::vector<DLTensor> t = tensors(kDLCUDA, emulated.data());
    std::vector<KernelArgValue> args = {&t[0], &t[1]};
    args.insert(args.end(), scalars.begin(), scalars.end());
    PackedArgs packed(args);
    ASSERT_EQ(kernels.call(f.name, packed.values.data(), packed.codes.data(), static_cast<int32_t>(args.size())), 0)
        << tessera_last_error();
  }
  for (int64_t i = 0; i < m; ++i) {
    double e = element(ot, &emulated[i * ot.bytes()]), r = element(ot, &reference[i * ot.bytes()]);
    bool same = (std::isnan(e) && std::isnan(r)) || std::fabs(e - r) <= 1e-9 * (std::fabs(r) + 1);
    ASSERT_TRUE(same) << "element " << i << ": emulated " << e << ", CPU " << r;
  }
}

TEST(EmulatedGpuReductions, EveryModeMatchesTheCpuKernels) {
  using M = ops::GpuReduceMode;
  const DataType f32 = DataType::Float(32), f64 = DataType::Float(64), i32 = DataType::Int(32);
  std::mt19937 rng(3);
  const EmulatedCase cases[] = {
      {"sum", f32, {5}, {1000}, M::Rows, false},      {"argmax", f32, {3}, {777}, M::Rows, false},
      {"argmin", f64, {}, {3001}, M::Rows, false},    {"max", f32, {2, 3}, {5, 7}, M::Rows, false},
      {"var", f64, {4}, {300}, M::Rows, false},       {"all", i32, {6}, {3}, M::Rows, false},
      {"sum", f64, {70}, {37}, M::Columns, true},     {"argmax", f32, {33}, {40}, M::Columns, true},
      {"std", f32, {40}, {3, 5}, M::Columns, true},   {"sum", f32, {3, 40}, {50}, M::Columns, true},   {"min", i32, {300}, {17}, M::Serial, false},
      {"count_nonzero", f32, {}, {3, 50}, M::Serial, false}, {"prod", i32, {6, 7}, {13}, M::Serial, true},
  };
  for (const EmulatedCase& c : cases) run_emulated(c, rng);
}

// Strided elementwise row blocks (gpu_schedules.h, attrs {0, 1}), emulated: (M,K)+(K,) and
// (M,K)+(M,1) with a partial last block, against plain loops.
TEST(EmulatedGpuElementwise, RowBlocksOfBroadcastAdd) {
  ops::ensure_registered();
  const ops::OpDef* add = ops::find_op("add");
  const DataType f32 = DataType::Float(32);
  ops::Variant v{*add->type_rule({f32, f32}), 2, ops::Layout::Strided, "cuda", {0, 1}};
  ops::Generated g = add->generate(v);
  lower::LowerOptions lo;
  lo.device_type = kDLCUDA;
  lo.target = "cuda";
  ir::LoweredFunc f = lower::lower(g.sched, g.args, v.name("add"), lo);
  testing::EmulatedKernels kernels({f});
  const int64_t m = 3, k = 2049 + 2048;
  std::vector<float> a(m * k), row(k), col(m), out(m * k);
  for (int64_t i = 0; i < m * k; ++i) a[i] = static_cast<float>(i % 97) * 0.5f;
  for (int64_t j = 0; j < k; ++j) row[j] = static_cast<float>(j % 13);
  for (int64_t i = 0; i < m; ++i) col[i] = 100.0f * static_cast<float>(i + 1);
  int64_t shape[] = {m, k}, dense[] = {k, 1}, row_strides[] = {0, 1}, col_strides[] = {1, 0};
  for (bool by_row : {true, false}) {
    std::fill(out.begin(), out.end(), -1.0f);
    DLTensor ta{a.data(), {kDLCUDA, 0}, 2, {kDLFloat, 32, 1}, shape, dense, 0};
    DLTensor tb{by_row ? row.data() : col.data(), {kDLCUDA, 0}, 2, {kDLFloat, 32, 1}, shape,
                by_row ? row_strides : col_strides, 0};
    DLTensor tc{out.data(), {kDLCUDA, 0}, 2, {kDLFloat, 32, 1}, shape, dense, 0};
    std::vector<KernelArgValue> args = {&ta, &tb, &tc};
    PackedArgs packed(args);
    ASSERT_EQ(kernels.call(f.name, packed.values.data(), packed.codes.data(), 3), 0) << tessera_last_error();
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < k; ++j)
        ASSERT_EQ(out[i * k + j], a[i * k + j] + (by_row ? row[j] : col[i])) << i << "," << j;
  }
}

}  // namespace
}  // namespace tessera
