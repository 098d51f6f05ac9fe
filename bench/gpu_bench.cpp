// GPU benchmark of tessera's CUDA kernels (issue 5): elementwise, broadcast and reductions
// against the device-to-device copy bandwidth measured in the same run.
//
//   gpu_bench [results.json]      (exits 0 with a note when there is no GPU or NVRTC)
//
// Kernels come from the operators' own definitions and GPU schedules (the variants that
// dispatch picks for these shapes), compiled by NVRTC. Each row is timed with CUDA events
// around single launches after warm-up; the median of kRepeats is reported, as GB/s
// counting bytes read plus written once. Inputs are random (never zeros) and 256 MiB per
// float32 operand, five times the H100's 50 MB L2. bench/gpu_peers.py times PyTorch and
// CuPy on the same shapes; bench/gpu_report.py joins the two.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "tessera/build_cuda.h"
#include "tessera/ops/defop.h"
#include "tessera/ops/library.h"

using namespace tessera;
using ir::DataType;

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

// GPU reduction modes (src/ops/gpu_reduction_schedules.h, GpuReduceMode): a block per row,
// or columns across threads with the rows split across threadIdx.y.
constexpr int64_t kRowsMode = 1, kColumnsMode = 2;

CudaKernel reduction(const std::string& name, DataType t, int kept, int reduced, int64_t mode) {
  const ops::OpDef* op = ops::find_op(name);
  return build_variant(*op, ops::Variant{*op->type_rule({t}), kept + reduced, ops::Layout::Strided, "cuda",
                                         {kept, reduced, mode}});
}

struct Row {
  std::string name;
  double bytes, ms;
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

  std::vector<Row> rows;
  auto run = [&](const std::string& name, double bytes, const std::function<void()>& launch) {
    double ms = median_ms(launch);
    rows.push_back({name, bytes, ms});
    std::printf("%-34s %9.3f ms %8.1f GB/s\n", name.c_str(), ms, bytes / ms / 1e6);
    std::fflush(stdout);
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

  // Broadcasts: what dispatch passes for (M,K)+(K,) and (M,K)+(M,1): the strided rank-2
  // variant with stride 0 along the broadcast dimension.
  CudaKernel add2 = elementwise("add", f32, 2, ops::Layout::Strided, {0, 1});  // row blocks, as dispatch_cuda picks
  View ma(a.ptr, f32, {kRows, kCols}, {kCols, 1}), mc(c.ptr, f32, {kRows, kCols}, {kCols, 1});
  View brow(row.ptr, f32, {kRows, kCols}, {0, 1}), bcol(col.ptr, f32, {kRows, kCols}, {1, 0});
  run("broadcast add (M,K)+(K,)", 8.0 * kN + 4.0 * kCols, [&] { add2({&ma.dl, &brow.dl, &mc.dl}); });
  run("broadcast add (M,K)+(M,1)", 8.0 * kN + 4.0 * kRows, [&] { add2({&ma.dl, &bcol.dl, &mc.dl}); });

  // Reductions of the float32 matrix a (sums accumulate in float64, as on the CPU).
  CudaKernel sum_rows = reduction("sum", f32, 1, 1, kRowsMode);
  CudaKernel sum_cols = reduction("sum", f32, 1, 1, kColumnsMode);
  CudaKernel sum_one_block = reduction("sum", f32, 0, 1, kRowsMode);
  View rows_in(a.ptr, f32, {kRows, kCols}, {kCols, 1}), rows_out(col.ptr, f32, {kRows}, {1});
  View cols_in(a.ptr, f32, {kCols, kRows}, {1, kCols}), cols_out(row.ptr, f32, {kCols}, {1});
  run("sum axis=1 (rows)", 4.0 * kN + 4.0 * kRows, [&] { sum_rows({&rows_in.dl, &rows_out.dl}); });
  run("sum axis=0 (columns)", 4.0 * kN + 4.0 * kCols, [&] { sum_cols({&cols_in.dl, &cols_out.dl}); });
  // Full sum: rows of the flat array into partials, then one block over the partials
  // (dispatch_cuda's two-stage plan; deterministic).
  View parts(part.ptr, f32, {kRows}, {1}), total(one.ptr, f32, {1}, {1});
  run("sum all (two stages)", 4.0 * kN + 4.0, [&] {
    sum_rows({&rows_in.dl, &parts.dl});
    sum_one_block({&parts.dl, &total.dl});
  });

  double copy_gbs = rows[0].bytes / rows[0].ms / 1e6;
  std::string json = "{\n  \"device\": \"" + cuda::device_name(0) + "\",\n  \"elements\": " + std::to_string(kN) +
                     ",\n  \"repeats\": " + std::to_string(kRepeats) + ",\n  \"rows\": [\n";
  for (size_t i = 0; i < rows.size(); ++i) {
    double gbs = rows[i].bytes / rows[i].ms / 1e6;
    char line[512];
    std::snprintf(line, sizeof line,
                  "    {\"name\": \"%s\", \"bytes\": %.0f, \"ms\": %.5f, \"gb_per_s\": %.1f, \"pct_of_copy\": %.1f}%s\n",
                  rows[i].name.c_str(), rows[i].bytes, rows[i].ms, gbs, 100 * gbs / copy_gbs,
                  i + 1 < rows.size() ? "," : "");
    json += line;
  }
  json += "  ]\n}\n";
  if (argc > 1) std::ofstream(argv[1]) << json;
  std::printf("\n%-34s %10s %9s\n", "tessera", "GB/s", "% copy");
  for (const Row& r : rows) {
    double gbs = r.bytes / r.ms / 1e6;
    std::printf("%-34s %10.1f %8.1f%%\n", r.name.c_str(), gbs, 100 * gbs / copy_gbs);
  }
  return 0;
}
