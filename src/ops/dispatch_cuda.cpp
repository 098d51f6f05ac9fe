// Dispatch of CUDA operands (see dispatch_cuda.h).
#include "ops/dispatch_cuda.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>

#include "ops/compiler_hooks.h"
#include "ops/gpu_hooks.h"
#include "ops/gpu_reduction_schedules.h"
#include "ops/reduction_internal.h"
#include "tessera/build_cuda.h"
#include "tessera/ops/dispatch.h"
#include "tessera/ops/reduction.h"

namespace tessera::ops {
namespace {

using reduction_detail::ReduceKind;
using reduction_detail::ReduceOpInfo;

[[noreturn]] void fail(const std::string& op, const std::string& msg, OpError::Kind kind = OpError::Kind::Value) {
  throw OpError(kind, op + ": " + msg);
}

// A CUDA tensor's metadata seen as a CPU tensor, for the CPU planning functions (they read
// shapes, strides and dtypes only).
DLTensor host_alias(const DLTensor* t) {
  DLTensor a = *t;
  a.device = {kDLCPU, 0};
  return a;
}

int common_device(const std::string& op, const std::vector<const DLTensor*>& tensors) {
  int device = -1;
  for (const DLTensor* t : tensors) {
    if (!t) fail(op, "got a null tensor");
    if (t->device.device_type != kDLCUDA)
      fail(op, "operands must all be on one CUDA device; one is not on a CUDA device (copy it first)");
    if (device >= 0 && t->device.device_id != device)
      fail(op, "operands are on CUDA devices " + std::to_string(device) + " and " +
                   std::to_string(t->device.device_id));
    device = t->device.device_id;
  }
  return device;
}

std::vector<int64_t> strides_of(const DLTensor* t) {
  std::vector<int64_t> s(t->ndim);
  int64_t n = 1;
  for (int d = t->ndim; d-- > 0;) {
    s[d] = t->strides ? t->strides[d] : n;
    n *= t->shape[d];
  }
  return s;
}

bool same_dtype(const DLDataType& a, DataType b) {
  DLDataType x = reduction_detail::to_dl(b);
  return a.code == x.code && a.bits == x.bits && a.lanes == x.lanes;
}

// ---- kernels ---------------------------------------------------------------------------

std::mutex g_kernels_mutex;
std::map<std::string, std::unique_ptr<CudaKernel>>& kernels() {
  static auto* k = new std::map<std::string, std::unique_ptr<CudaKernel>>();
  return *k;
}
std::atomic<int64_t> g_compiled{0};

const CudaKernel& kernel_for(const OpDef& op, const Variant& v) {
  std::string name = v.name(op.name);
  std::lock_guard<std::mutex> lock(g_kernels_mutex);
  auto it = kernels().find(name);
  if (it != kernels().end()) return *it->second;
  Generated g = op.generate(v);
  CudaBuildOptions options;
  options.lower.contiguous = v.layout == Layout::Contiguous;
  auto k = std::make_unique<CudaKernel>(build_cuda(g.sched, g.args, name, options));
  ++g_compiled;
  return *kernels().emplace(name, std::move(k)).first->second;
}

void launch(const std::string& op, const CudaKernel& k, const std::vector<KernelArgValue>& args) {
  try {
    k(args);
  } catch (const KernelError& e) {
    fail(op, e.what());
  } catch (const cuda::CudaError& e) {
    fail(op, e.what());
  }
}

// A strided view handed to a kernel.
struct View {
  std::vector<int64_t> shape, strides;
  DLTensor dl{};
  View(const DLTensor* t, std::vector<int64_t> shp, std::vector<int64_t> str, int64_t extra_elements = 0)
      : shape(std::move(shp)), strides(std::move(str)) {
    dl = *t;
    dl.ndim = static_cast<int32_t>(shape.size());
    dl.shape = shape.data();
    dl.strides = strides.data();
    dl.byte_offset = t->byte_offset + static_cast<uint64_t>(extra_elements * ((t->dtype.bits + 7) / 8));
  }
};

// ---- elementwise -----------------------------------------------------------------------

constexpr int64_t kRowBlockFrom = 1024;  // last-axis extent from which strided calls use row blocks

void call_cuda(const OpDef& op, const std::vector<const DLTensor*>& inputs, const std::vector<DLTensor*>& outputs) {
  std::vector<const DLTensor*> all(inputs.begin(), inputs.end());
  all.insert(all.end(), outputs.begin(), outputs.end());
  common_device(op.name, all);
  std::vector<DLTensor> aliases;
  for (const DLTensor* t : inputs) aliases.push_back(host_alias(t));
  std::vector<const DLTensor*> alias_ptrs;
  for (const DLTensor& a : aliases) alias_ptrs.push_back(&a);
  CallPlan plan = plan_call(op, alias_ptrs);
  const int nd = static_cast<int>(plan.shape.size());
  if (outputs.size() != plan.sig.outputs.size())
    fail(op.name, "takes " + std::to_string(plan.sig.outputs.size()) + " output(s), got " + std::to_string(outputs.size()));
  int64_t total = 1;
  for (int64_t e : plan.shape) total *= e;
  for (size_t j = 0; j < outputs.size(); ++j) {
    const DLTensor* o = outputs[j];
    if (std::vector<int64_t>(o->shape, o->shape + o->ndim) != plan.shape)
      fail(op.name, "output " + std::to_string(j) + " has shape " +
                        reduction_detail::shape_str(std::vector<int64_t>(o->shape, o->shape + o->ndim)) + ", expected " +
                        reduction_detail::shape_str(plan.shape));
    if (!same_dtype(o->dtype, plan.sig.outputs[j]))
      fail(op.name, "output " + std::to_string(j) + " must have dtype " + plan.sig.outputs[j].str(), OpError::Kind::Type);
    for (const DLTensor* in : inputs)
      if (reduction_detail::may_overlap(in, o) && !(in->data == o->data && in->byte_offset == o->byte_offset &&
                                                    strides_of(in) == strides_of(o) && in->ndim == o->ndim))
        fail(op.name, "an output that partly overlaps an input is not supported on CUDA devices yet");
  }
  if (total == 0) return;
  // Broadcast strides, right-aligned; 0 along broadcast dimensions.
  std::vector<std::vector<int64_t>> strides;
  bool contiguous = true;
  for (const DLTensor* t : all) {
    std::vector<int64_t> s(nd, 0), own = strides_of(t);
    for (int d = 0; d < t->ndim; ++d) {
      int bd = nd - t->ndim + d;
      s[bd] = t->shape[d] == 1 && plan.shape[bd] != 1 ? 0 : own[d];
    }
    int64_t expect = 1;
    for (int d = nd; d-- > 0;) {
      if (plan.shape[d] != 1 && s[d] != expect) contiguous = false;
      expect *= plan.shape[d];
    }
    strides.push_back(s);
  }
  Variant v{plan.sig, contiguous ? 1 : nd, contiguous ? Layout::Contiguous : Layout::Strided, "cuda", {}};
  if (!contiguous && nd >= 2 && plan.shape.back() >= kRowBlockFrom) v.attrs = {0, 1};  // row blocks (gpu_schedules.h)
  std::vector<std::unique_ptr<View>> views;
  std::vector<KernelArgValue> args;
  for (size_t i = 0; i < all.size(); ++i) {
    if (contiguous) views.push_back(std::make_unique<View>(all[i], std::vector<int64_t>{total}, std::vector<int64_t>{1}));
    else views.push_back(std::make_unique<View>(all[i], plan.shape, strides[i]));
    args.push_back(&views.back()->dl);
  }
  launch(op.name, kernel_for(op, v), args);
}

// ---- reductions ------------------------------------------------------------------------

using Dim = reduction_detail::ReduceDim;

// Per-device scratch for the partial results of two-stage reductions (grown, never shrunk).
struct Workspace {
  std::mutex mutex;
  std::map<int, std::pair<void*, size_t>> buffers;
  void* get(int device, size_t bytes) {
    std::lock_guard<std::mutex> lock(mutex);
    auto& [ptr, size] = buffers[device];
    if (size < bytes) {
      if (ptr) {
        cuda::synchronize(device);  // kernels queued earlier may still read it
        cuda::device_free(ptr, device);
      }
      ptr = cuda::device_alloc(bytes, device);
      size = bytes;
    }
    return ptr;
  }
};
Workspace& workspace() {
  static auto* w = new Workspace();
  return *w;
}

constexpr int64_t kTwoStageMin = int64_t{1} << 16;  // full reductions from this size
constexpr int64_t kMaxPartials = 8192;
constexpr int64_t kMinRow = 4096;
constexpr int64_t kSerialBelow = 64;  // reduced elements per output: a thread each
// Split column reductions: enough chunks of rows for about this many threads in stage 1
// (two 1024-thread blocks' worth on each of an H100's 132 multiprocessors), each chunk at
// least kMinChunkRows rows.
constexpr int64_t kSplitThreads = int64_t{1} << 18;
constexpr int64_t kMinChunkRows = 32;
constexpr int64_t kMaxChunks = 65535;  // the chunk axis runs on blockIdx.y

const OpDef& opdef(const ReduceOpInfo& info) { return reduction_detail::reduction_opdef(info); }

Variant reduction_variant(const Signature& sig, int kept, int reduced, GpuReduceMode mode) {
  return Variant{sig, kept + reduced, Layout::Strided, "cuda", {kept, reduced, static_cast<int64_t>(mode)}};
}

bool splits_in_two(const ReduceOpInfo& info, const Signature& sig) {
  switch (info.kind) {
    case ReduceKind::Sum:
    case ReduceKind::Prod: return !(sig.outputs[0].is_float16() || sig.outputs[0].is_bfloat16());
    case ReduceKind::Min:
    case ReduceKind::Max:
    case ReduceKind::All:
    case ReduceKind::Any:
    case ReduceKind::CountNonzero: return true;
    default: return false;
  }
}

void reduce_cuda(const std::string& op, const DLTensor* x, const std::vector<int>& axes, bool keepdims,
                 std::optional<DataType> dtype, DLTensor* out, double correction) {
  if (!out) fail(op, "needs an output tensor");
  int device = common_device(op, {x, out});
  DLTensor xa = host_alias(x);
  ReducePlan plan = plan_reduce(op, &xa, axes, keepdims, dtype);
  const ReduceOpInfo& info = *reduction_detail::find_reduction(op);
  Signature sig = reduction_detail::reduce_signature(info, reduction_detail::checked_dtype(op, &xa, "input"), dtype);
  if (std::vector<int64_t>(out->shape, out->shape + out->ndim) != plan.shape)
    fail(op, "output has shape " + reduction_detail::shape_str(std::vector<int64_t>(out->shape, out->shape + out->ndim)) +
                 ", expected " + reduction_detail::shape_str(plan.shape));
  if (!same_dtype(out->dtype, plan.dtype)) fail(op, "output must have dtype " + plan.dtype.str(), OpError::Kind::Type);
  if (reduction_detail::may_overlap(x, out))
    fail(op, "an output that overlaps the input is not supported on CUDA devices yet");
  if (reduction_detail::numel(plan.shape) == 0) return;

  // [kept..., reduced...], size-1 axes dropped, contiguous neighbours merged.
  std::vector<bool> reduced(x->ndim, false);
  for (int a : plan.axes) reduced[a] = true;
  std::vector<int64_t> xs = strides_of(x), os = strides_of(out);
  std::vector<Dim> kept, red;
  int od = 0;
  for (int d = 0; d < x->ndim; ++d) {
    if (reduced[d]) {
      if (keepdims) ++od;
      if (x->shape[d] != 1) red.push_back({x->shape[d], xs[d], 0});
    } else {
      if (x->shape[d] != 1) kept.push_back({x->shape[d], xs[d], os[od]});
      ++od;
    }
  }
  if (!info.order_matters)
    std::stable_sort(red.begin(), red.end(), [](const Dim& a, const Dim& b) { return a.x_stride > b.x_stride; });
  reduction_detail::merge_contiguous(kept, true);
  reduction_detail::merge_contiguous(red, false);
  if (red.empty()) red.push_back({1, 0, 0});

  std::vector<KernelArgValue> scalars;
  if (info.kind == ReduceKind::Var || info.kind == ReduceKind::Std) scalars.push_back(correction);
  std::vector<int64_t> in_shape, in_strides, out_shape, out_strides;
  for (const Dim& d : kept) {
    in_shape.push_back(d.extent);
    in_strides.push_back(d.x_stride);
    out_shape.push_back(d.extent);
    out_strides.push_back(d.out_stride);
  }
  for (const Dim& d : red) {
    in_shape.push_back(d.extent);
    in_strides.push_back(d.x_stride);
  }
  if (kept.empty()) out_shape = out_strides = {1};
  out_strides[0] = kept.empty() ? 1 : out_strides[0];

  int64_t kept_elems = 1, red_elems = 1;
  for (const Dim& d : kept) kept_elems *= d.extent;
  for (const Dim& d : red) red_elems *= d.extent;

  if (kept.empty() && red.size() == 1 && red_elems >= kTwoStageMin && splits_in_two(info, sig)) {
    const ReduceOpInfo& second = info.kind == ReduceKind::CountNonzero ? *reduction_detail::find_reduction("sum") : info;
    Signature sig2 = reduction_detail::reduce_signature(second, sig.outputs[0], std::nullopt);
    if (sig2.outputs[0] == sig.outputs[0]) {
      const int64_t n = red_elems, s = red[0].x_stride;
      const int64_t row = std::max(kMinRow, (n + kMaxPartials - 1) / kMaxPartials);
      const int64_t parts = n / row, tail = n - parts * row;
      const int64_t count = parts + (tail ? 1 : 0);
      const int bytes = sig.outputs[0].bytes();
      DLTensor partials = *out;
      partials.data = workspace().get(device, static_cast<size_t>(count * bytes));
      partials.byte_offset = 0;
      View rows_in(x, {parts, row}, {row * s, s}), rows_out(&partials, {parts}, {1});
      // The first stage: a variant with one kept and one reduced axis.
      auto stage1 = [&](View& in, View& o) {
        Variant v = reduction_variant(sig, 1, 1, GpuReduceMode::Rows);
        std::vector<KernelArgValue> args = {&in.dl, &o.dl};
        launch(op, kernel_for(opdef(info), v), args);
      };
      stage1(rows_in, rows_out);
      if (tail) {
        View tail_in(x, {1, tail}, {tail * s, s}, parts * row * s), tail_out(&partials, {1}, {1}, parts);
        stage1(tail_in, tail_out);
      }
      View all_partials(&partials, {count}, {1}), result(out, {1}, {1});
      Variant v = reduction_variant(sig2, 0, 1, GpuReduceMode::Rows);
      std::vector<KernelArgValue> args = {&all_partials.dl, &result.dl};
      launch(op, kernel_for(opdef(second), v), args);
      return;
    }
  }

  if (kept.size() == 1 && kept[0].x_stride == 1 && red.size() == 1 && splits_in_two(info, sig)) {
    const ReduceOpInfo& second = info.kind == ReduceKind::CountNonzero ? *reduction_detail::find_reduction("sum") : info;
    Signature sig2 = reduction_detail::reduce_signature(second, sig.outputs[0], std::nullopt);
    const int64_t n = kept[0].extent, m = red_elems, s = red[0].x_stride;
    const int64_t chunks = std::min({(kSplitThreads + n - 1) / n, m / kMinChunkRows, kMaxChunks});
    if (sig2.outputs[0] == sig.outputs[0] && chunks >= 2) {
      const int64_t rows = (m + chunks - 1) / chunks, parts = m / rows, tail = m - parts * rows;
      const int64_t count = parts + (tail ? 1 : 0);
      DLTensor partials = *out;
      partials.data = workspace().get(device, static_cast<size_t>(count * n * sig.outputs[0].bytes()));
      partials.byte_offset = 0;
      // Stage 1: [chunks, columns, rows of a chunk] -> partials[chunk, column], a thread each.
      const CudaKernel& first = kernel_for(opdef(info), reduction_variant(sig, 2, 1, GpuReduceMode::Serial));
      View chunk_in(x, {parts, n, rows}, {rows * s, 1, s}), chunk_out(&partials, {parts, n}, {n, 1});
      std::vector<KernelArgValue> args = {&chunk_in.dl, &chunk_out.dl};
      launch(op, first, args);
      if (tail) {
        View tail_in(x, {1, n, tail}, {tail * s, 1, s}, parts * rows * s), tail_out(&partials, {1, n}, {n, 1}, parts * n);
        args = {&tail_in.dl, &tail_out.dl};
        launch(op, first, args);
      }
      // Stage 2: a thread per column over its chunks' partials, in chunk order.
      View all_partials(&partials, {n, count}, {1, n}), result(out, {n}, {kept[0].out_stride});
      args = {&all_partials.dl, &result.dl};
      launch(op, kernel_for(opdef(second), reduction_variant(sig2, 1, 1, GpuReduceMode::Serial)), args);
      return;
    }
  }

  GpuReduceMode mode;
  if (kept.empty()) mode = GpuReduceMode::Rows;
  else if (red_elems < kSerialBelow) mode = GpuReduceMode::Serial;
  else if (red.back().x_stride == 1) mode = GpuReduceMode::Rows;
  else if (kept.size() == 1 && kept[0].x_stride == 1) mode = GpuReduceMode::Columns;
  else mode = kept_elems >= 1024 ? GpuReduceMode::Serial : GpuReduceMode::Rows;
  View in(x, in_shape, in_strides), result(out, out_shape, out_strides);
  Variant v = reduction_variant(sig, static_cast<int>(kept.size()), static_cast<int>(red.size()), mode);
  std::vector<KernelArgValue> args = {&in.dl, &result.dl};
  args.insert(args.end(), scalars.begin(), scalars.end());
  launch(op, kernel_for(opdef(info), v), args);
}

[[maybe_unused]] const bool kInstalled = (install_cuda_dispatch(), true);

}  // namespace

void install_cuda_dispatch() {
  detail::set_cuda_call(&call_cuda);
  detail::set_cuda_reduce(&reduce_cuda);
}

int64_t cuda_kernels_compiled() { return g_compiled.load(); }

}  // namespace tessera::ops
