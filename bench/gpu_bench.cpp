// GPU benchmark of tessera's CUDA kernels (issues 5 and 7): the CPU benchmark's cases
// (elementwise add and exp, the fused exp(a)*b+tanh(a), broadcast add by row and by column,
// sums over each axis and all, softmax over rows, float32 matmul 1024 and 2048) against the
// device-to-device copy bandwidth (memory-bound rows) measured in the same run; matmul rows
// are compared with cuBLAS by bench/gpu_report.py (PyTorch's matmul in the same run).
//
//   gpu_bench [results.json]      (exits 0 with a note when there is no GPU or NVRTC)
//
// Kernels come from the operators' own definitions and GPU schedules (the variants that
// dispatch picks for these shapes), compiled by NVRTC; softmax and matmul, which have no
// operator yet, are tensor expressions with GPU schedules written here. Each new kernel's
// result is checked against a float64 host reference on a sample before it is timed. Each row is timed with CUDA events
// around single launches after warm-up; the median of kRepeats is reported, as GB/s
// counting bytes read plus written once. Inputs are random (never zeros) and 256 MiB per
// float32 operand, five times the H100's 50 MB L2. bench/gpu_peers.py times PyTorch and
// CuPy on the same shapes; bench/gpu_report.py joins the two.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "tessera/build_cuda.h"
#include "tessera/ops/defop.h"
#include "tessera/ops/library.h"
#include "softmax_def.h"

using namespace tessera;
using ir::DataType;
using ir::Var;
using te::Tensor;

namespace {

constexpr int64_t kRows = 8192, kCols = 8192, kN = kRows * kCols;  // 64M elements
constexpr int kWarmup = 3, kRepeats = 30;

struct Buffer {
  void* ptr = nullptr;
  size_t bytes = 0;
  explicit Buffer(size_t n) : ptr(cuda::device_alloc(n)), bytes(n) {}
  ~Buffer() { cuda::device_free(ptr); }
};

DLDataType dl_type(DataType t) {
  uint8_t code = t.is_bfloat16() ? kDLBfloat : t.is_float() ? kDLFloat : t.is_int() ? kDLInt : kDLUInt;
  return DLDataType{code, static_cast<uint8_t>(t.bits), 1};
}

struct View {
  std::vector<int64_t> shape, strides;
  DLTensor dl{};
  View(void* data, DataType t, std::vector<int64_t> shp, std::vector<int64_t> str)
      : shape(std::move(shp)), strides(std::move(str)) {
    dl.data = data;
    dl.device = {kDLCUDA, 0};
    dl.ndim = static_cast<int32_t>(shape.size());
    dl.dtype = dl_type(t);
    dl.shape = shape.data();
    dl.strides = strides.data();
  }
  View(const View& o) : View(o.dl.data, DataType::Float(32), o.shape, o.strides) { dl.dtype = o.dl.dtype; }
};

// Uniform values in [-2, 2) from a xorshift generator (fast enough for 64M elements).
void fill_random(const Buffer& b, DataType t, uint64_t seed) {
  size_t n = b.bytes / t.bytes();
  std::vector<uint8_t> host(b.bytes);
  uint64_t state = seed * 0x9E3779B97F4A7C15ull + 1;
  for (size_t i = 0; i < n; ++i) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    float f = static_cast<float>(state >> 40) * (4.0f / 16777216.0f) - 2.0f;
    if (t.is_float16()) {
      _Float16 h = static_cast<_Float16>(f);
      std::memcpy(&host[i * 2], &h, 2);
    } else {
      std::memcpy(&host[i * 4], &f, 4);
    }
  }
  cuda::copy_to_device(b.ptr, host.data(), host.size());
}

CudaKernel build_variant(const ops::OpDef& op, const ops::Variant& v) {
  ops::Generated g = op.generate(v);
  CudaBuildOptions options;
  options.lower.contiguous = v.layout == ops::Layout::Contiguous;
  return build_cuda(g.sched, g.args, v.name(op.name), options);
}

CudaKernel elementwise(const std::string& name, DataType t, int ndim, ops::Layout layout,
                       std::vector<int64_t> attrs = {}) {
  const ops::OpDef* op = ops::find_op(name);
  std::vector<DataType> in(op->num_inputs, t);
  return build_variant(*op, ops::Variant{*op->type_rule(in), ndim, layout, "cuda", std::move(attrs)});
}

// GPU reduction modes (src/ops/gpu_reduction_schedules.h, GpuReduceMode): a thread per
// output, or a block per row.
constexpr int64_t kSerialMode = 0, kRowsMode = 1;

CudaKernel reduction(const std::string& name, DataType t, int kept, int reduced, int64_t mode) {
  const ops::OpDef* op = ops::find_op(name);
  return build_variant(*op, ops::Variant{*op->type_rule({t}), kept + reduced, ops::Layout::Strided, "cuda",
                                         {kept, reduced, mode}});
}

// ---- kernels without an operator: tensor expressions with GPU schedules ---------------------

CudaBuildOptions compact() {
  CudaBuildOptions o;
  o.lower.contiguous = true;  // compact row-major operands, as the peers' kernels
  return o;
}

// softmax over rows: a block of kSoftmaxThreads threads per row; the row max and the row sum
// are cross-thread reductions (partials in shared memory, a fixed tree, as the GPU Rows
// reductions), exp is inlined into the sum and into the divide. Three reads of a row (max,
// sum, divide), mostly from L1/L2, and one write.
constexpr int kSoftmaxThreads = 512;
CudaKernel build_softmax(int64_t rows, int64_t cols) {
  auto [X, mx, e, sum, Y] = bench::softmax_over_rows(rows, cols, DataType::Float(32));
  auto s = schedule::create_schedule({Y});
  auto y = s[Y];
  ir::IterVar row = y.axis()[0];
  auto [jo, ji] = y.split(y.axis()[1], kSoftmaxThreads);
  y.reorder({row, ji, jo}).bind(row, "blockIdx.x").bind(ji, "threadIdx.x");
  s[e].compute_inline();
  for (const Tensor& t : {mx, sum}) {
    auto [ro, ri] = s[t].split(s[t].reduce_axis()[0], kSoftmaxThreads);
    (void)ro;
    Tensor rf = s.rfactor(t, ri);  // rf[thread, row] reduces the thread's elements
    s[t].compute_at(y, row).set_scope("local");
    auto r = s[rf];
    r.compute_at(s[t], s[t].axis().back()).set_scope("shared");
    r.bind(r.axis()[0], "threadIdx.x");
  }
  return build_cuda(s, {X, Y}, "bench_softmax", compact());
}

// C = A B, float32: a block of 16 x 16 threads computes a 64 x 64 tile of C, each thread a
// 4 x 4 register tile (a local cache_write stage at the thread) over the whole k loop, B's
// four columns as one 16-byte load. No shared-memory staging: A and B come through L1/L2.
constexpr int kMatmulThreadTile = 4, kMatmulThreads = 16;
CudaKernel build_matmul(int64_t n) {
  const DataType f32 = DataType::Float(32);
  Tensor A = te::placeholder({n, n}, f32, "A"), B = te::placeholder({n, n}, f32, "B");
  ir::IterVar k = te::reduce_axis(0, n, "k");
  Tensor C = te::compute({n, n}, [&](Var i, Var j) { return te::sum(A(i, k->var) * B(k->var, j), {k}); }, "C");
  auto s = schedule::create_schedule({C});
  Tensor CC = s.cache_write(C, "local");
  auto c = s[C];
  const int block = kMatmulThreadTile * kMatmulThreads;
  ir::IterVar ci = c.axis()[0], cj = c.axis()[1];
  auto [bi, ri] = c.split(ci, block);
  auto [ti, ii] = c.split(ri, kMatmulThreadTile);
  auto [bj, rj] = c.split(cj, block);
  auto [tj, jj] = c.split(rj, kMatmulThreadTile);
  c.reorder({bi, bj, ti, tj, ii, jj});
  c.bind(bi, "blockIdx.y").bind(bj, "blockIdx.x").bind(ti, "threadIdx.y").bind(tj, "threadIdx.x");
  c.unroll(ii).vectorize(jj);
  auto cc = s[CC];
  cc.compute_at(c, tj);
  cc.reorder({cc.reduce_axis()[0], cc.axis()[0], cc.axis()[1]}).unroll(cc.axis()[0]).vectorize(cc.axis()[1]);
  return build_cuda(s, {A, B, C}, "bench_matmul_" + std::to_string(n), compact());
}

// The fused expression as a new operator (as in the CPU benchmark): its GPU variant comes
// from the elementwise GPU schedule.
const ops::OpDef& fused_op() {
  static const ops::OpDef& def = ops::defop(ops::elementwise(
      "bench_exp_mul_add_tanh", 2, ops::float_rule(),
      [](const ops::Values& x, DataType) { return ir::exp(x[0]) * x[1] + ir::tanh(x[0]); }));
  return def;
}

std::vector<float> to_host(const void* p, size_t n) {
  std::vector<float> h(n);
  cuda::synchronize();
  cuda::copy_to_host(h.data(), p, n * 4);
  return h;
}

struct Row {
  std::string name;
  double bytes, ms;
  double flops = 0;  // matmul rows: FLOP/s instead of GB/s
  std::string error;  // a failed check: the row is reported, not trusted
};

double median_ms(const std::function<void()>& launch) {
  cuda::EventTimer timer;
  for (int i = 0; i < kWarmup; ++i) launch();
  cuda::synchronize();
  std::vector<float> times;
  for (int i = 0; i < kRepeats; ++i) {
    timer.start();
    launch();
    times.push_back(timer.stop());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  std::string why;
  if (argc > 1 && std::string(argv[1]) == "--compile-only") {  // NVRTC only, no GPU needed
    ops::ensure_registered();
    CudaKernel k1 = build_softmax(kRows, kCols), k2 = build_matmul(1024);
    if (std::getenv("TESSERA_BENCH_PRINT")) std::printf("%s\n%s\n", k1.source().c_str(), k2.source().c_str());
    std::printf("gpu_bench: softmax and matmul kernels compiled\n");
    return 0;
  }
  if (!cuda::available(&why) || !codegen::nvrtc_available(&why)) {
    std::printf("gpu_bench: skipped (%s)\n", why.c_str());
    return 0;
  }
  ops::ensure_registered();
  const DataType f32 = DataType::Float(32), f16 = DataType::Float(16);
  std::printf("device: %s, sm_%d; %lld x %lld = %lld elements, median of %d launches (CUDA events)\n",
              cuda::device_name(0).c_str(), cuda::compute_capability(0), (long long)kRows, (long long)kCols,
              (long long)kN, kRepeats);

  Buffer a(kN * 4), b(kN * 4), c(kN * 4), row(kCols * 4), col(kRows * 4), part(kRows * 4), one(4);
  Buffer ha(kN * 2), hb(kN * 2), hc(kN * 2);
  fill_random(a, f32, 1);
  fill_random(b, f32, 2);
  fill_random(row, f32, 3);
  fill_random(col, f32, 4);
  fill_random(ha, f16, 5);
  fill_random(hb, f16, 6);
  const std::vector<float> host_a = to_host(a.ptr, kN), host_b = to_host(b.ptr, kN);

  std::vector<Row> rows;
  auto run = [&](const std::string& name, double bytes, const std::function<void()>& launch, double flops = 0,
                 const std::function<std::string()>& check = {}) {
    double ms = median_ms(launch);
    rows.push_back({name, bytes, ms, flops, check ? check() : std::string()});
    if (flops > 0) std::printf("%-34s %9.3f ms %8.2f TFLOP/s", name.c_str(), ms, flops / ms / 1e9);
    else std::printf("%-34s %9.3f ms %8.1f GB/s", name.c_str(), ms, bytes / ms / 1e6);
    std::printf("%s\n", rows.back().error.empty() ? "" : ("  WRONG: " + rows.back().error).c_str());
    std::fflush(stdout);
  };
  // max |got - want| / (tol * (1 + |want|)) over sampled elements: "" when within tolerance.
  auto compare = [](const std::vector<std::pair<double, double>>& got_want, double tol) {
    double worst = 0;
    for (auto [got, want] : got_want) worst = std::max(worst, std::abs(got - want) / (1 + std::abs(want)));
    if (!(worst <= tol)) return "relative error " + std::to_string(worst);
    return std::string();
  };

  run("copy float32 (device to device)", 8.0 * kN, [&] { cuda::device_copy_async(c.ptr, a.ptr, kN * 4); });

  View va(a.ptr, f32, {kN}, {1}), vb(b.ptr, f32, {kN}, {1}), vc(c.ptr, f32, {kN}, {1});
  View vha(ha.ptr, f16, {kN}, {1}), vhb(hb.ptr, f16, {kN}, {1}), vhc(hc.ptr, f16, {kN}, {1});
  CudaKernel add32 = elementwise("add", f32, 1, ops::Layout::Contiguous);
  CudaKernel exp32 = elementwise("exp", f32, 1, ops::Layout::Contiguous);
  CudaKernel add16 = elementwise("add", f16, 1, ops::Layout::Contiguous);
  CudaKernel exp16 = elementwise("exp", f16, 1, ops::Layout::Contiguous);
  run("add float32", 12.0 * kN, [&] { add32({&va.dl, &vb.dl, &vc.dl}); });
  run("exp float32", 8.0 * kN, [&] { exp32({&va.dl, &vc.dl}); });
  run("add float16", 6.0 * kN, [&] { add16({&vha.dl, &vhb.dl, &vhc.dl}); });
  run("exp float16", 4.0 * kN, [&] { exp16({&vha.dl, &vhc.dl}); });

  // exp(a)*b+tanh(a): one fused kernel (12 bytes per element).
  const ops::OpDef& fused = fused_op();
  CudaKernel fused32 = build_variant(
      fused, ops::Variant{*fused.type_rule({f32, f32}), 1, ops::Layout::Contiguous, "cuda", {}});
  run("exp(a)*b+tanh(a) float32 (fused)", 12.0 * kN, [&] { fused32({&va.dl, &vb.dl, &vc.dl}); }, 0, [&] {
    std::vector<float> got = to_host(c.ptr, kN);
    std::vector<std::pair<double, double>> gw;
    for (int64_t i = 0; i < kN; i += 9973) {
      double x = host_a[i], y = host_b[i];
      gw.push_back({got[i], std::exp(x) * y + std::tanh(x)});
    }
    return compare(gw, 1e-5);
  });

  // Broadcasts: what dispatch passes for (M,K)+(K,) and (M,K)+(M,1): the strided rank-2
  // variant with stride 0 along the broadcast dimension.
  CudaKernel add2 = elementwise("add", f32, 2, ops::Layout::Strided, {0, 1});  // row blocks, as dispatch_cuda picks
  View ma(a.ptr, f32, {kRows, kCols}, {kCols, 1}), mc(c.ptr, f32, {kRows, kCols}, {kCols, 1});
  View brow(row.ptr, f32, {kRows, kCols}, {0, 1}), bcol(col.ptr, f32, {kRows, kCols}, {1, 0});
  run("broadcast add (M,K)+(K,)", 8.0 * kN + 4.0 * kCols, [&] { add2({&ma.dl, &brow.dl, &mc.dl}); });
  run("broadcast add (M,K)+(M,1)", 8.0 * kN + 4.0 * kRows, [&] { add2({&ma.dl, &bcol.dl, &mc.dl}); });

  // Reductions of the float32 matrix a (sums accumulate in float64, as on the CPU).
  CudaKernel sum_rows = reduction("sum", f32, 1, 1, kRowsMode);
  CudaKernel sum_one_block = reduction("sum", f32, 0, 1, kRowsMode);
  CudaKernel sum_chunks = reduction("sum", f32, 2, 1, kSerialMode);
  CudaKernel sum_partials = reduction("sum", f32, 1, 1, kSerialMode);
  View rows_in(a.ptr, f32, {kRows, kCols}, {kCols, 1}), rows_out(col.ptr, f32, {kRows}, {1});
  run("sum axis=1 (rows)", 4.0 * kN + 4.0 * kRows, [&] { sum_rows({&rows_in.dl, &rows_out.dl}); });
  // sum(axis=0): dispatch_cuda's split plan for these shapes: 32 chunks of 256 rows, a thread
  // per (chunk, column) into partials, then a thread per column over its 32 partials.
  constexpr int64_t kChunks = 32, kChunkRows = kRows / kChunks;
  Buffer partials(kChunks * kCols * 4);
  View chunk_in(a.ptr, f32, {kChunks, kCols, kChunkRows}, {kChunkRows * kCols, 1, kCols});
  View chunk_out(partials.ptr, f32, {kChunks, kCols}, {kCols, 1});
  View partials_in(partials.ptr, f32, {kCols, kChunks}, {1, kCols}), cols_out(row.ptr, f32, {kCols}, {1});
  run("sum axis=0 (columns)", 4.0 * kN + 4.0 * kCols, [&] {
    sum_chunks({&chunk_in.dl, &chunk_out.dl});
    sum_partials({&partials_in.dl, &cols_out.dl});
  }, 0, [&] {
    std::vector<float> got = to_host(row.ptr, kCols);
    std::vector<std::pair<double, double>> gw;
    for (int64_t j = 0; j < kCols; j += 61) {
      double want = 0;
      for (int64_t i = 0; i < kRows; ++i) want += host_a[i * kCols + j];
      gw.push_back({got[j], want});
    }
    return compare(gw, 1e-5);
  });
  // Full sum: rows of the flat array into partials, then one block over the partials
  // (dispatch_cuda's two-stage plan; deterministic).
  View parts(part.ptr, f32, {kRows}, {1}), total(one.ptr, f32, {1}, {1});
  run("sum all (two stages)", 4.0 * kN + 4.0, [&] {
    sum_rows({&rows_in.dl, &parts.dl});
    sum_one_block({&parts.dl, &total.dl});
  });

  // softmax over the rows of the 8192 x 8192 float32 matrix.
  CudaKernel softmax = build_softmax(kRows, kCols);
  run("softmax rows float32", 8.0 * kN, [&] { softmax({&ma.dl, &mc.dl}); }, 0, [&] {
    std::vector<float> got = to_host(c.ptr, kN);
    std::vector<std::pair<double, double>> gw;
    for (int64_t i = 0; i < kRows; i += 1021) {
      double mx = -HUGE_VAL, total_exp = 0;
      for (int64_t j = 0; j < kCols; ++j) mx = std::max(mx, (double)host_a[i * kCols + j]);
      for (int64_t j = 0; j < kCols; ++j) total_exp += std::exp(host_a[i * kCols + j] - mx);
      for (int64_t j = 0; j < kCols; j += 13) gw.push_back({got[i * kCols + j] * kCols, std::exp(host_a[i * kCols + j] - mx) / total_exp * kCols});
    }
    return compare(gw, 1e-4);
  });

  // float32 matmul, n x n times n x n (2 n^3 FLOP); operands from a and b.
  for (int64_t n : {int64_t{1024}, int64_t{2048}}) {
    CudaKernel mm = build_matmul(n);
    View mA(a.ptr, f32, {n, n}, {n, 1}), mB(b.ptr, f32, {n, n}, {n, 1}), mC(c.ptr, f32, {n, n}, {n, 1});
    run("matmul " + std::to_string(n) + " float32", 12.0 * n * n, [&] { mm({&mA.dl, &mB.dl, &mC.dl}); },
        2.0 * n * n * n, [&] {
          std::vector<float> got = to_host(c.ptr, n * n);
          std::vector<std::pair<double, double>> gw;
          for (int64_t t = 0; t < 64; ++t) {
            int64_t i = (t * 131) % n, j = (t * 977 + 5) % n;
            double want = 0;
            for (int64_t k = 0; k < n; ++k) want += (double)host_a[i * n + k] * host_b[k * n + j];
            gw.push_back({got[i * n + j], want});
          }
          return compare(gw, 2e-4);  // float32 sums of n products
        });
  }

  double copy_gbs = rows[0].bytes / rows[0].ms / 1e6;
  std::string json = "{\n  \"device\": \"" + cuda::device_name(0) + "\",\n  \"elements\": " + std::to_string(kN) +
                     ",\n  \"repeats\": " + std::to_string(kRepeats) + ",\n  \"rows\": [\n";
  for (size_t i = 0; i < rows.size(); ++i) {
    double gbs = rows[i].bytes / rows[i].ms / 1e6;
    char line[768];
    std::snprintf(line, sizeof line,
                  "    {\"name\": \"%s\", \"bytes\": %.0f, \"flops\": %.0f, \"ms\": %.5f, \"gb_per_s\": %.1f, "
                  "\"tflops\": %.3f, \"pct_of_copy\": %.1f, \"error\": \"%s\"}%s\n",
                  rows[i].name.c_str(), rows[i].bytes, rows[i].flops, rows[i].ms, gbs,
                  rows[i].flops / rows[i].ms / 1e9, 100 * gbs / copy_gbs, rows[i].error.c_str(),
                  i + 1 < rows.size() ? "," : "");
    json += line;
  }
  json += "  ]\n}\n";
  if (argc > 1) std::ofstream(argv[1]) << json;
  std::printf("\n%-34s %10s %9s\n", "tessera", "GB/s", "% copy");
  for (const Row& r : rows) {
    double gbs = r.bytes / r.ms / 1e6;
    if (r.flops > 0) std::printf("%-34s %10.2f TFLOP/s\n", r.name.c_str(), r.flops / r.ms / 1e9);
    else std::printf("%-34s %10.1f %8.1f%%\n", r.name.c_str(), gbs, 100 * gbs / copy_gbs);
  }
  for (const Row& r : rows)
    if (!r.error.empty()) return 1;
  return 0;
}
