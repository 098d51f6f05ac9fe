// Reductions as CUDA kernels on a real GPU (every mode of src/ops/gpu_reduction_schedules.h)
// against the CPU kernels of the same operators (LLVM, serial schedule) and against plain
// loops for sum, max and argmax: every reduction operator on every dtype it takes, random
// inputs with NaNs and ties, row/column/full shapes with tails, transposed views. Outputs
// are poisoned before each run.
//
// Skips (GTEST_SKIP, with the reason) without a GPU or NVRTC. scripts/gpu_check.sh runs it
// on the GPU machine, also under compute-sanitizer.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <random>

#include "gpu_skip.h"
#include "gpu_reduction_variants.h"
#include "tessera/build.h"
#include "tessera/build_cuda.h"
#include "tessera/ops/dispatch.h"
#include "tessera/ops/reduction.h"

namespace tessera {
namespace {

using ir::DataType;
using ops::GpuReduceMode;

// ---- element conversion ----------------------------------------------------------------

double load(DataType t, const uint8_t* p) {
  if (t.is_bool()) return *p != 0;
  if (t.is_bfloat16()) {
    uint32_t bits = uint32_t(p[0] | (p[1] << 8)) << 16;
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
  }
  if (t.is_float16()) {
    _Float16 h;
    std::memcpy(&h, p, 2);
    return static_cast<double>(h);
  }
#define LOAD_AS(T)   \
  {                  \
    T v;             \
    std::memcpy(&v, p, sizeof v); \
    return static_cast<double>(v); \
  }
  if (t.is_float()) {
    if (t.bits == 32) LOAD_AS(float) else LOAD_AS(double)
  }
  if (t.is_int()) {
    switch (t.bits) { case 8: LOAD_AS(int8_t) case 16: LOAD_AS(int16_t) case 32: LOAD_AS(int32_t) default: LOAD_AS(int64_t) }
  }
  switch (t.bits) { case 8: LOAD_AS(uint8_t) case 16: LOAD_AS(uint16_t) case 32: LOAD_AS(uint32_t) default: LOAD_AS(uint64_t) }
#undef LOAD_AS
}

void store(DataType t, uint8_t* p, double v) {
  if (t.is_bool()) {
    *p = v != 0;
    return;
  }
  if (t.is_bfloat16()) {
    float f = static_cast<float>(v);  // small integers and halves: exact in bfloat16
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    uint16_t hi = static_cast<uint16_t>(bits >> 16);
    std::memcpy(p, &hi, 2);
    return;
  }
#define STORE_AS(T)   \
  {                   \
    T x = static_cast<T>(v); \
    std::memcpy(p, &x, sizeof x); \
    return;           \
  }
  if (t.is_float16()) STORE_AS(_Float16)
  if (t.is_float()) {
    if (t.bits == 32) STORE_AS(float) else STORE_AS(double)
  }
  if (t.is_int()) {
    switch (t.bits) { case 8: STORE_AS(int8_t) case 16: STORE_AS(int16_t) case 32: STORE_AS(int32_t) default: STORE_AS(int64_t) }
  }
  switch (t.bits) { case 8: STORE_AS(uint8_t) case 16: STORE_AS(uint16_t) case 32: STORE_AS(uint32_t) default: STORE_AS(uint64_t) }
#undef STORE_AS
}

// ---- one case ----------------------------------------------------------------------------

struct Case {
  std::string op;
  DataType in;
  std::vector<int64_t> kept, reduced;
  GpuReduceMode mode;
  bool transposed = false;  // memory is [reduced..., kept...] (a sum over axis 0 of a C-order matrix)
  bool special = false;     // NaNs and many ties
};

std::string describe(const Case& c) {
  auto dims = [](const std::vector<int64_t>& v) {
    std::string s = "(";
    for (int64_t x : v) s += std::to_string(x) + ",";
    return s + ")";
  };
  return c.op + " " + c.in.str() + " kept" + dims(c.kept) + " reduced" + dims(c.reduced) + " mode " +
         std::to_string(static_cast<int>(c.mode)) + (c.transposed ? " transposed" : "") + (c.special ? " special" : "");
}

struct Host {
  std::vector<uint8_t> bytes;
  std::vector<int64_t> shape, strides;
  DLTensor dl{};
  DLTensor* as(DataType t, void* data, DLDevice dev) {
    dl.data = data;
    dl.device = dev;
    dl.ndim = static_cast<int32_t>(shape.size());
    dl.dtype = DLDataType{static_cast<uint8_t>(t.is_bool() ? kDLBool : t.is_bfloat16() ? kDLBfloat
                                                                 : t.is_float() ? kDLFloat
                                                                 : t.is_int()   ? kDLInt
                                                                                : kDLUInt),
                          static_cast<uint8_t>(t.bits), 1};
    dl.shape = shape.data();
    dl.strides = strides.data();
    dl.byte_offset = 0;
    return &dl;
  }
};

class Runner {
 public:
  // Returns "" when the GPU result matches the CPU kernel's, else a description.
  std::string check(const Case& c, std::mt19937& rng) {
    const auto* info = ops::reduction_detail::find_reduction(c.op);
    ops::Signature sig = ops::reduction_detail::reduce_signature(*info, c.in, std::nullopt);
    DataType out_t = sig.outputs[0];
    gpu_test::ReductionShape rs{static_cast<int>(c.kept.size()), static_cast<int>(c.reduced.size()), c.mode};
    ops::Variant gv = gpu_test::gpu_reduction_variant(sig, rs);
    ops::Variant cv = gv;
    cv.target = "llvm";
    cv.attrs[2] = 0;  // VecMode::None: the CPU's plain schedule

    // Input: [kept..., reduced...], in memory either that way or [reduced..., kept...].
    Host x;
    x.shape = c.kept;
    x.shape.insert(x.shape.end(), c.reduced.begin(), c.reduced.end());
    int nd = static_cast<int>(x.shape.size());
    std::vector<int> mem_order(nd);  // dims from outermost to innermost in memory
    for (int d = 0; d < nd; ++d) mem_order[d] = d;
    if (c.transposed) std::rotate(mem_order.begin(), mem_order.begin() + rs.kept, mem_order.end());
    x.strides.assign(nd, 0);
    int64_t n = 1;
    for (int i = nd; i-- > 0;) {
      x.strides[mem_order[i]] = n;
      n *= x.shape[mem_order[i]];
    }
    int eb = c.in.bytes();
    x.bytes.resize(std::max<int64_t>(n, 1) * eb);
    std::uniform_real_distribution<double> uni(-3, 3);
    std::uniform_int_distribution<int> small(0, 3), pct(0, 99);
    for (int64_t i = 0; i < n; ++i) {
      double v = c.special ? small(rng) : uni(rng);
      if (c.op == "prod" && !c.special) v = (pct(rng) % 2 ? -1 : 1) * (0.95 + 0.001 * pct(rng));
      if (c.in.is_float() && c.special && pct(rng) < 2) v = NAN;
      if (!c.in.is_float() && !c.in.is_bfloat16()) v = c.in.is_bool() ? (pct(rng) < 50) : std::round(c.special ? v : v * 20);
      if (c.in.is_uint()) v = std::fabs(v);
      store(c.in, &x.bytes[i * eb], v);
    }
    Host out;
    out.shape = rs.kept ? c.kept : std::vector<int64_t>{1};
    out.strides.assign(out.shape.size(), 0);
    int64_t m = 1;
    for (size_t i = out.shape.size(); i-- > 0;) {
      out.strides[i] = m;
      m *= out.shape[i];
    }
    int ob = out_t.bytes();
    std::vector<uint8_t> gpu_out(std::max<int64_t>(m, 1) * ob, 0xA5), cpu_out(gpu_out.size(), 0x5A);

    std::vector<KernelArgValue> scalars;
    if (c.op == "var" || c.op == "std") scalars.push_back(1.0);

    // CPU reference kernel.
    {
      ops::Generated g = gpu_test::reduction_op(c.op).generate(cv);
      Kernel k = build(g.sched, g.args, cv.name(c.op) + "_ref");
      Host xo = x, oo = out;
      std::vector<KernelArgValue> args = {xo.as(c.in, x.bytes.data(), {kDLCPU, 0}),
                                          oo.as(out_t, cpu_out.data(), {kDLCPU, 0})};
      args.insert(args.end(), scalars.begin(), scalars.end());
      k(args);
    }
    // GPU kernel.
    {
      const CudaKernel& k = gpu_kernel(c.op, gv);
      void* dx = cuda::device_alloc(x.bytes.size());
      void* dout = cuda::device_alloc(gpu_out.size());
      cuda::copy_to_device(dx, x.bytes.data(), x.bytes.size());
      cuda::copy_to_device(dout, gpu_out.data(), gpu_out.size());
      Host xo = x, oo = out;
      std::vector<KernelArgValue> args = {xo.as(c.in, dx, {kDLCUDA, 0}), oo.as(out_t, dout, {kDLCUDA, 0})};
      args.insert(args.end(), scalars.begin(), scalars.end());
      k(args);
      cuda::synchronize();
      cuda::copy_to_host(gpu_out.data(), dout, gpu_out.size());
      cuda::device_free(dx);
      cuda::device_free(dout);
    }
    // Compare.
    bool low = out_t.is_float16() || out_t.is_bfloat16();
    double rtol = low ? 1e-2 : out_t.is_float() && out_t.bits == 32 ? 1e-5 : 1e-9;
    for (int64_t i = 0; i < m; ++i) {
      double g = load(out_t, &gpu_out[i * ob]), r = load(out_t, &cpu_out[i * ob]);
      bool same = (std::isnan(g) && std::isnan(r)) || g == r ||
                  (out_t.is_float() || out_t.is_bfloat16() ? std::fabs(g - r) <= rtol * (std::fabs(r) + 1e-3) : false);
      if (!same)
        return describe(c) + ": element " + std::to_string(i) + " is " + std::to_string(g) + " on the GPU, " +
               std::to_string(r) + " on the CPU";
    }
    last_gpu_ = gpu_out;
    last_input_ = x.bytes;
    return "";
  }

  const std::vector<uint8_t>& last_gpu() const { return last_gpu_; }
  const std::vector<uint8_t>& last_input() const { return last_input_; }

 private:
  const CudaKernel& gpu_kernel(const std::string& op, const ops::Variant& v) {
    std::string name = v.name(op);
    auto it = kernels_.find(name);
    if (it != kernels_.end()) return *it->second;
    ops::Generated g = gpu_test::reduction_op(op).generate(v);
    return *kernels_.emplace(name, std::make_unique<CudaKernel>(build_cuda(g.sched, g.args, name))).first->second;
  }

  std::map<std::string, std::unique_ptr<CudaKernel>> kernels_;
  std::vector<uint8_t> last_gpu_, last_input_;
};

std::vector<std::string> op_names() {
  std::vector<std::string> out;
  for (const auto& r : ops::reduction_detail::reduction_table()) out.push_back(r.name);
  return out;
}

bool takes(const std::string& op, DataType t) {
  try {
    ops::reduction_detail::reduce_signature(*ops::reduction_detail::find_reduction(op), t, std::nullopt);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

// Every operator on these; sum, max and argmax also on the rest (each case compiles a kernel
// with NVRTC, so the list stays short).
const DataType kDtypes[] = {DataType::Float(32), DataType::Float(16), DataType::Int(32), DataType::Bool()};
const DataType kMoreDtypes[] = {DataType::Float(64), DataType::BFloat16(), DataType::UInt(8), DataType::Int(64)};

std::vector<std::pair<std::string, DataType>> op_dtypes() {
  std::vector<std::pair<std::string, DataType>> out;
  for (const std::string& op : op_names()) {
    for (DataType t : kDtypes) out.emplace_back(op, t);
    if (op == "sum" || op == "max" || op == "argmax")
      for (DataType t : kMoreDtypes) out.emplace_back(op, t);
  }
  return out;
}

void run_all(const std::vector<Case>& cases) {
  Runner runner;
  std::mt19937 rng(1234);
  int failures = 0;
  for (const Case& c : cases) {
    if (!takes(c.op, c.in)) continue;
    std::string err = runner.check(c, rng);
    if (!err.empty()) {
      ADD_FAILURE() << err;
      if (++failures > 20) return;
    }
  }
}

TEST(GpuReductions, RowsEveryOperatorAndDtype) {
  SKIP_WITHOUT_GPU();
  std::vector<Case> cases;
  for (const auto& [op, t] : op_dtypes()) {
      cases.push_back({op, t, {37}, {1000}, GpuReduceMode::Rows});
      cases.push_back({op, t, {}, {5003}, GpuReduceMode::Rows});
      cases.push_back({op, t, {3, 4}, {7, 9}, GpuReduceMode::Rows});
      cases.push_back({op, t, {5}, {3}, GpuReduceMode::Rows});  // most threads have no element
  }
  run_all(cases);
}

TEST(GpuReductions, ColumnsEveryOperatorAndDtype) {
  SKIP_WITHOUT_GPU();
  std::vector<Case> cases;
  for (const auto& [op, t] : op_dtypes()) {
      cases.push_back({op, t, {1000}, {37}, GpuReduceMode::Columns, true});
      cases.push_back({op, t, {45}, {6, 7}, GpuReduceMode::Columns, true});
      cases.push_back({op, t, {70}, {1}, GpuReduceMode::Columns});
  }
  run_all(cases);
}

TEST(GpuReductions, SerialEveryOperatorAndDtype) {
  SKIP_WITHOUT_GPU();
  std::vector<Case> cases;
  for (const auto& [op, t] : op_dtypes()) {
      cases.push_back({op, t, {300}, {17}, GpuReduceMode::Serial});
      cases.push_back({op, t, {}, {3, 50}, GpuReduceMode::Serial});
      cases.push_back({op, t, {6, 7}, {13}, GpuReduceMode::Serial, true});
  }
  run_all(cases);
}

TEST(GpuReductions, NaNsAndTiesFollowNumPy) {
  SKIP_WITHOUT_GPU();
  std::vector<Case> cases;
  for (const char* op : {"argmax", "argmin", "max", "min", "sum", "any", "all"})
    for (DataType t : {DataType::Float(32), DataType::Float(16), DataType::BFloat16(), DataType::Float(64),
                       DataType::Int(8)})
      for (GpuReduceMode mode : {GpuReduceMode::Rows, GpuReduceMode::Columns, GpuReduceMode::Serial}) {
        cases.push_back({op, t, {33}, {2049}, mode, mode == GpuReduceMode::Columns, true});
        cases.push_back({op, t, {}, {4099}, mode == GpuReduceMode::Columns ? GpuReduceMode::Rows : mode, false, true});
      }
  run_all(cases);
}

// Independent of the CPU kernels: plain loops for sum (float64), max and argmax (first index
// of the largest value, NaN first) of float32 rows.
TEST(GpuReductions, MatchPlainLoops) {
  SKIP_WITHOUT_GPU();
  Runner runner;
  std::mt19937 rng(99);
  const int64_t rows = 19, cols = 3001;
  for (const char* op : {"sum", "max", "argmax"})
    for (bool special : {false, true}) {
      Case c{op, DataType::Float(32), {rows}, {cols}, GpuReduceMode::Rows, false, special};
      ASSERT_EQ(runner.check(c, rng), "");
      const auto& in = runner.last_input();
      const auto& out = runner.last_gpu();
      for (int64_t r = 0; r < rows; ++r) {
        const float* row = reinterpret_cast<const float*>(in.data()) + r * cols;
        double sum = 0;
        float best = row[0];
        int64_t at = 0;
        for (int64_t j = 0; j < cols; ++j) {
          sum += row[j];
          if (std::isnan(best)) continue;
          if (std::isnan(row[j]) || row[j] > best) best = row[j], at = j;
        }
        if (std::string(op) == "sum") {
          float g = reinterpret_cast<const float*>(out.data())[r];
          if (std::isnan(sum)) EXPECT_TRUE(std::isnan(g)) << r;
          else EXPECT_NEAR(g, sum, 1e-4 * (std::fabs(sum) + 1)) << r;
        }
        if (std::string(op) == "max") {
          float g = reinterpret_cast<const float*>(out.data())[r];
          EXPECT_TRUE(g == best || (std::isnan(g) && std::isnan(best))) << r << ": " << g << " vs " << best;
        }
        if (std::string(op) == "argmax") {
          EXPECT_EQ(reinterpret_cast<const int64_t*>(out.data())[r], at) << r;
        }
      }
    }
}

TEST(GpuReductions, EmptyKeptAxisLaunchesNothing) {
  SKIP_WITHOUT_GPU();
  Runner runner;
  std::mt19937 rng(7);
  EXPECT_EQ(runner.check({"sum", DataType::Float(32), {0}, {100}, GpuReduceMode::Rows}, rng), "");
  EXPECT_EQ(runner.check({"sum", DataType::Float(32), {0}, {100}, GpuReduceMode::Columns, true}, rng), "");
}

// ---- dispatch of CUDA tensors through ops::call and ops::reduce ---------------------------

struct DeviceF32 {
  std::vector<int64_t> shape, strides;
  void* ptr = nullptr;
  DLTensor dl{};
  DeviceF32(std::vector<int64_t> shp, const std::vector<float>& host) : shape(std::move(shp)) {
    strides.assign(shape.size(), 0);
    int64_t n = 1;
    for (size_t i = shape.size(); i-- > 0;) {
      strides[i] = n;
      n *= shape[i];
    }
    ptr = cuda::device_alloc(std::max<int64_t>(n, 1) * 4);
    if (!host.empty()) cuda::copy_to_device(ptr, host.data(), n * 4);
    dl = DLTensor{ptr, {kDLCUDA, 0}, static_cast<int32_t>(shape.size()), {kDLFloat, 32, 1}, shape.data(), strides.data(), 0};
  }
  ~DeviceF32() { cuda::device_free(ptr); }
  std::vector<float> get() const {
    int64_t n = 1;
    for (int64_t e : shape) n *= e;
    std::vector<float> h(n);
    cuda::synchronize();
    cuda::copy_to_host(h.data(), ptr, n * 4);
    return h;
  }
};

std::vector<float> random_floats(int64_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> uni(-1, 1);
  std::vector<float> v(n);
  for (float& x : v) x = uni(rng);
  return v;
}

TEST(GpuDispatch, CallAndReduceRouteCudaTensors) {
  SKIP_WITHOUT_GPU();
  ops::ensure_registered();
  std::mt19937 rng(5);
  const int64_t m = 300, k = 517;
  std::vector<float> a = random_floats(m * k, rng), row = random_floats(k, rng);
  DeviceF32 da({m, k}, a), drow({k}, row), dc({m, k}, {});
  ops::call("add", {&da.dl, &drow.dl}, {&dc.dl});  // broadcast (M,K)+(K,)
  std::vector<float> c = dc.get();
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < k; ++j) ASSERT_EQ(c[i * k + j], a[i * k + j] + row[j]) << i << "," << j;
  DeviceF32 de({m, k}, {});
  ops::call("exp", {&da.dl}, {&de.dl});  // contiguous
  std::vector<float> e = de.get();
  for (int64_t i = 0; i < m * k; ++i) ASSERT_NEAR(e[i], std::exp(a[i]), 1e-6f * std::exp(a[i]));

  // Rows of at least 1024 elements take the row-block variant: (M,K)+(M,1) here.
  const int64_t wide = 3001;
  std::vector<float> w = random_floats(7 * wide, rng), wcol = random_floats(7, rng);
  DeviceF32 dw({7, wide}, w), dwcol({7, 1}, wcol), dwout({7, wide}, {});
  ops::call("add", {&dw.dl, &dwcol.dl}, {&dwout.dl});
  std::vector<float> wo = dwout.get();
  for (int64_t i = 0; i < 7; ++i)
    for (int64_t j = 0; j < wide; ++j) ASSERT_EQ(wo[i * wide + j], w[i * wide + j] + wcol[i]) << i << "," << j;

  DeviceF32 s0({k}, {}), s1({m}, {}), s01({}, {});
  ops::reduce("sum", &da.dl, {0}, false, std::nullopt, &s0.dl);
  ops::reduce("sum", &da.dl, {1}, false, std::nullopt, &s1.dl);
  ops::reduce("max", &da.dl, {}, false, std::nullopt, &s01.dl);
  std::vector<float> g0 = s0.get(), g1 = s1.get(), gm = s01.get();
  float mx = -INFINITY;
  for (int64_t j = 0; j < k; ++j) {
    double r = 0;
    for (int64_t i = 0; i < m; ++i) r += a[i * k + j];
    EXPECT_NEAR(g0[j], r, 1e-5) << j;
  }
  for (int64_t i = 0; i < m; ++i) {
    double r = 0;
    for (int64_t j = 0; j < k; ++j) r += a[i * k + j], mx = std::max(mx, a[i * k + j]);
    EXPECT_NEAR(g1[i], r, 1e-5) << i;
  }
  EXPECT_EQ(gm[0], mx);

  // Few columns, many rows (GpuReduceMode::Columns).
  const int64_t tall = 3000, narrow = 517;
  std::vector<float> t = random_floats(tall * narrow, rng);
  DeviceF32 dt({tall, narrow}, t), ts({narrow}, {}), tm({narrow}, {});
  ops::reduce("sum", &dt.dl, {0}, false, std::nullopt, &ts.dl);
  ops::reduce("max", &dt.dl, {0}, false, std::nullopt, &tm.dl);
  std::vector<float> gs = ts.get(), gx = tm.get();
  for (int64_t j = 0; j < narrow; ++j) {
    double r = 0;
    float best = -INFINITY;
    for (int64_t i = 0; i < tall; ++i) r += t[i * narrow + j], best = std::max(best, t[i * narrow + j]);
    EXPECT_NEAR(gs[j], r, 1e-4) << j;
    EXPECT_EQ(gx[j], best) << j;
  }
}

// Full reductions of many elements run in two stages; sizes around the split points.
TEST(GpuDispatch, TwoStageFullReductions) {
  SKIP_WITHOUT_GPU();
  ops::ensure_registered();
  std::mt19937 rng(11);
  for (int64_t n : {int64_t{1} << 16, (int64_t{1} << 20) + 7, int64_t{3} * 4096 * 8192 + 4095}) {
    std::vector<float> x = random_floats(n, rng);
    x[n / 3] = 7.5f;  // the maximum, once
    DeviceF32 dx({n}, x), sum({}, {}), mx({}, {}), am({}, {});
    ops::reduce("sum", &dx.dl, {}, false, std::nullopt, &sum.dl);
    ops::reduce("max", &dx.dl, {}, false, std::nullopt, &mx.dl);
    double r = 0;
    for (float v : x) r += v;
    EXPECT_NEAR(sum.get()[0], r, 1e-6 * n) << n;
    EXPECT_EQ(mx.get()[0], 7.5f) << n;
    // Deterministic: the same sum, bit for bit, on a second run.
    float first = sum.get()[0];
    ops::reduce("sum", &dx.dl, {}, false, std::nullopt, &sum.dl);
    EXPECT_EQ(sum.get()[0], first) << n;
    // argmax: one block, first index of the maximum.
    std::vector<int64_t> none;
    DLTensor idx{};
    void* di = cuda::device_alloc(8);
    idx = DLTensor{di, {kDLCUDA, 0}, 0, {kDLInt, 64, 1}, nullptr, nullptr, 0};
    ops::reduce("argmax", &dx.dl, {}, false, std::nullopt, &idx);
    int64_t at = -1;
    cuda::synchronize();
    cuda::copy_to_host(&at, di, 8);
    cuda::device_free(di);
    EXPECT_EQ(at, n / 3) << n;
  }
}

// Reductions over the rows of a C-order matrix run split into chunks of rows (partials, then
// a pass over them in chunk order; dispatch_cuda.h): sizes with and without a short last
// chunk, keepdims, a NaN, bit-for-bit repeatability, and argmax (whose partials do not
// combine: one pass).
TEST(GpuDispatch, SplitColumnReductions) {
  SKIP_WITHOUT_GPU();
  ops::ensure_registered();
  std::mt19937 rng(17);
  for (auto [m, n] : {std::pair<int64_t, int64_t>{4096, 64}, {2051, 300}, {65, 1031}, {8192, 33}}) {
    std::vector<float> x = random_floats(m * n, rng);
    x[(m / 2) * n + n / 3] = NAN;
    x[(m - 1) * n + n - 1] = 9.0f;
    DeviceF32 dx({m, n}, x), sum({1, n}, {}), mx({n}, {}), again({1, n}, {});
    ops::reduce("sum", &dx.dl, {0}, true, std::nullopt, &sum.dl);
    ops::reduce("max", &dx.dl, {0}, false, std::nullopt, &mx.dl);
    ops::reduce("sum", &dx.dl, {0}, true, std::nullopt, &again.dl);
    std::vector<float> gs = sum.get(), gx = mx.get(), ga = again.get();
    void* di = cuda::device_alloc(n * 8);
    std::vector<int64_t> ishape = {n};
    DLTensor idx{di, {kDLCUDA, 0}, 1, {kDLInt, 64, 1}, ishape.data(), nullptr, 0};
    ops::reduce("argmax", &dx.dl, {0}, false, std::nullopt, &idx);
    std::vector<int64_t> at(n);
    cuda::synchronize();
    cuda::copy_to_host(at.data(), di, n * 8);
    cuda::device_free(di);
    for (int64_t j = 0; j < n; ++j) {
      double r = 0;
      float best = -INFINITY;
      int64_t best_at = 0;
      for (int64_t i = 0; i < m; ++i) {
        float v = x[i * n + j];
        r += v;
        if (!(v <= best) && !std::isnan(best)) best = v, best_at = i;
      }
      const std::string where = std::to_string(m) + "x" + std::to_string(n) + " column " + std::to_string(j);
      if (std::isnan(r)) EXPECT_TRUE(std::isnan(gs[j])) << where;
      else EXPECT_NEAR(gs[j], r, 1e-4) << where;
      if (std::isnan(best)) EXPECT_TRUE(std::isnan(gx[j])) << where;
      else EXPECT_EQ(gx[j], best) << where;
      EXPECT_EQ(at[j], best_at) << where;
      EXPECT_EQ(std::memcmp(&gs[j], &ga[j], 4), 0) << where;
    }
  }
}

TEST(GpuDispatch, MixedDevicesAreAClearError) {
  SKIP_WITHOUT_GPU();
  ops::ensure_registered();
  std::vector<float> host(4, 1.0f);
  int64_t shape[] = {4};
  DLTensor cpu{host.data(), {kDLCPU, 0}, 1, {kDLFloat, 32, 1}, shape, nullptr, 0};
  DeviceF32 d({4}, host), out({4}, {});
  try {
    ops::call("add", {&d.dl, &cpu}, {&out.dl});
    FAIL() << "mixed devices were accepted";
  } catch (const ops::OpError& e) {
    EXPECT_NE(std::string(e.what()).find("CUDA device"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tessera
