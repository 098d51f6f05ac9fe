// Reduction calls: axis normalization, result shape and dtype, then the kernel's view of
// the input. Reduced axes move last; size-1 axes drop; neighbours that are contiguous
// merge (kept axes when they are in both input and output, reduced axes in the input,
// after ordering them by stride when the result does not depend on element order). The
// variant is chosen by (kept rank, reduced rank, vector mode).
#include <algorithm>
#include <cstdint>

#include "ops/gpu_hooks.h"
#include "ops/kernel_cache.h"
#include "ops/reduction_internal.h"
#include "tessera/ops/reduction.h"

namespace tessera::ops {
namespace {

using reduction_detail::fail;
using reduction_detail::ReduceKind;
using reduction_detail::ReduceOpInfo;
using reduction_detail::VecMode;

const ReduceOpInfo& lookup(const std::string& op) {
  const ReduceOpInfo* info = reduction_detail::find_reduction(op);
  if (!info) throw OpError(OpError::Kind::Value, "no reduction named '" + op + "'");
  return *info;
}

// The kernels index with int64 byte offsets: refuse tensors whose size in bytes does not
// fit (NumPy's "array is too big"; zero extents are skipped as NumPy does).
void check_size(const std::string& op, const DLTensor* t, const std::string& what) {
  int64_t bytes = std::max<int64_t>((t->dtype.bits + 7) / 8, 1);
  for (int d = 0; d < t->ndim; ++d)
    if (t->shape[d] > 0 && __builtin_mul_overflow(bytes, t->shape[d], &bytes))
      fail(OpError::Kind::Value, op, what + " has shape " + reduction_detail::shape_str(reduction_detail::shape_of(t)) +
                                         ", whose size in bytes overflows int64");
}

// An output that is a broadcast view (stride 0, extent > 1) would get several results in
// one element; NumPy refuses to write it.
void check_writeable(const std::string& op, const DLTensor* out) {
  if (!out || !out->strides) return;
  for (int d = 0; d < out->ndim; ++d)
    if (out->shape[d] == 0) return;  // no elements: compact strides of an empty shape may be 0
  for (int d = 0; d < out->ndim; ++d)
    if (out->strides[d] == 0 && out->shape[d] > 1)
      fail(OpError::Kind::Value, op, "output is a broadcast view (stride 0 along dimension " + std::to_string(d) +
                                         "), which cannot be written");
}

// Which axes are reduced; NumPy's errors for bad axes and empty reductions without identity.
std::vector<bool> reduced_axes(const ReduceOpInfo& info, const DLTensor* x, const std::vector<int>& axes) {
  const int nd = x->ndim;
  std::vector<bool> reduced(nd, axes.empty());
  if (info.one_axis && axes.size() > 1)
    fail(OpError::Kind::Type, info.name, "takes one axis, not " + std::to_string(axes.size()));
  for (int a : axes) {
    // argmin/argmax view a 0-d array as 1-d (NumPy ravels it), so axis 0 and -1 are valid.
    if (info.one_axis && nd == 0) {
      reduction_detail::normalize_axis(info.name, a, 1);
      continue;
    }
    int d = reduction_detail::normalize_axis(info.name, a, nd);
    if (reduced[d]) fail(OpError::Kind::Value, info.name, "duplicate value in 'axis'");
    reduced[d] = true;
  }
  bool empty = false;
  for (int d = 0; d < nd; ++d) empty = empty || (reduced[d] && x->shape[d] == 0);
  if (empty && (info.kind == ReduceKind::Min || info.kind == ReduceKind::Max))
    fail(OpError::Kind::Value, info.name,
         std::string("zero-size array to reduction operation ") +
             (info.kind == ReduceKind::Min ? "minimum" : "maximum") + " which has no identity");
  if (empty && info.one_axis)
    fail(OpError::Kind::Value, info.name, std::string("attempt to get ") + info.name + " of an empty sequence");
  return reduced;
}

using Dim = reduction_detail::ReduceDim;

// The kernel's view of one call: [kept..., reduced...] dimensions of the input.
struct Problem {
  std::vector<Dim> kept, reduced;
  uint64_t x_byte_offset = 0;
};

Problem collapse(const ReduceOpInfo& info, const DLTensor* x, const std::vector<bool>& reduced, bool keepdims,
                 const DLTensor* out) {
  Problem p;
  p.x_byte_offset = x->byte_offset;
  std::vector<int64_t> xs = reduction_detail::strides_of(x), os = reduction_detail::strides_of(out);
  const int64_t bytes = (x->dtype.bits + 7) / 8;
  int od = 0;
  for (int d = 0; d < x->ndim; ++d) {
    int64_t e = x->shape[d];
    if (reduced[d]) {
      if (keepdims) ++od;
      if (e == 1) continue;
      Dim dim{e, xs[d], 0};
      // Order-free reductions read a reversed axis forwards.
      if (!info.order_matters && dim.x_stride < 0 && e > 0) {
        p.x_byte_offset += static_cast<uint64_t>((e - 1) * dim.x_stride * bytes);
        dim.x_stride = -dim.x_stride;
      }
      p.reduced.push_back(dim);
    } else {
      if (e != 1) p.kept.push_back({e, xs[d], os[od]});
      ++od;
    }
  }
  if (!info.order_matters)
    std::stable_sort(p.reduced.begin(), p.reduced.end(),
                     [](const Dim& a, const Dim& b) { return a.x_stride > b.x_stride; });
  reduction_detail::merge_contiguous(p.kept, true);
  reduction_detail::merge_contiguous(p.reduced, false);
  if (p.reduced.empty()) p.reduced.push_back({1, 0, 0});  // nothing to reduce: one element
  return p;
}

// OuterRows is chosen from this many rows, while the partial results (kept elements times
// 16 parts) stay small.
constexpr int64_t kTallRows = 512;
constexpr int64_t kMaxRowPartials = int64_t{1} << 17;
// Rows of at most a page, with a row of partials of at most 8 KiB, are added one at a time
// (OuterRowByRow). Measured cold on a Zen 4 VM (bench/results/2026-11-24-vm-s8-notes.md), one
// row at a time read such rows 1.03x to 2.4x faster than groups of 8 (from 256 B to 4 KiB per
// row); rows of 8 KiB of int8 and partials of 16 KiB or more (float32 sums of 2048 columns)
// were faster in groups.
constexpr int64_t kRowByRowMaxBytes = 4096;
constexpr int64_t kRowByRowPartialBytes = 8192;

VecMode choose_mode(const Problem& p, int lanes, int64_t element_bytes, int64_t accumulator_bytes) {
  const Dim& r = p.reduced.back();
  if (p.kept.empty())
    return p.reduced.size() == 1 || (r.x_stride == 1 && r.extent >= lanes) ? VecMode::Inner : VecMode::None;
  if (r.x_stride == 1 && r.extent >= 2 * lanes) return VecMode::Inner;
  const Dim& k = p.kept.back();
  if (k.x_stride == 1 && k.extent >= lanes) {
    // Many rows and a modest output: parallel blocks of whole rows, as they lie in memory.
    int64_t kept_elems = 1;
    for (const Dim& d : p.kept) kept_elems *= d.extent;
    bool tall = p.kept.size() == 1 && p.reduced.front().extent >= kTallRows && kept_elems <= kMaxRowPartials;
    if (!tall) return VecMode::Outer;
    const int64_t row_bytes = kept_elems * element_bytes;
    bool short_rows = row_bytes <= kRowByRowMaxBytes && kept_elems * accumulator_bytes <= kRowByRowPartialBytes;
    return short_rows ? VecMode::OuterRowByRow : VecMode::OuterRows;
  }
  return VecMode::None;
}

bool compact(const std::vector<int64_t>& shape, const std::vector<int64_t>& strides) {
  int64_t expect = 1;
  for (size_t d = shape.size(); d-- > 0;) {
    if (strides[d] != expect) return false;
    expect *= shape[d];
  }
  return true;
}

// A checked call: the operator, its kernel signature, the reduced axes and the result.
struct Call {
  const ReduceOpInfo* info;
  Signature sig;
  std::vector<bool> reduced;
  ReducePlan plan;
};

Call resolve(const std::string& op, const DLTensor* x, const std::vector<int>& axes, bool keepdims,
             std::optional<DataType> dtype) {
  Call c;
  c.info = &lookup(op);
  DataType x_dtype = reduction_detail::checked_dtype(op, x, "input");
  check_size(op, x, "input");
  c.sig = reduction_detail::reduce_signature(*c.info, x_dtype, dtype);
  c.reduced = reduced_axes(*c.info, x, axes);
  c.plan.dtype = c.sig.outputs[0];
  for (int d = 0; d < x->ndim; ++d) {
    if (c.reduced[d]) c.plan.axes.push_back(d);
    if (!c.reduced[d])
      c.plan.shape.push_back(x->shape[d]);
    else if (keepdims)
      c.plan.shape.push_back(1);
  }
  return c;
}

void run_reduction(const Call& c, const DLTensor* x, bool keepdims, DLTensor* out, double correction) {
  const ReduceOpInfo& info = *c.info;
  const Signature& sig = c.sig;
  Problem p = collapse(info, x, c.reduced, keepdims, out);
  const int lanes = reduction_detail::reduce_lanes(sig);
  VecMode mode = choose_mode(p, lanes, sig.inputs[0].bytes(), sig.compute[1].bytes());
  // argmin/argmax by lanes count vector steps in int32 (reduction_defs.cpp, ArgKey).
  if (info.one_axis && mode == VecMode::Inner && p.reduced.back().extent / lanes >= INT32_MAX) mode = VecMode::None;
  const int kept_rank = static_cast<int>(p.kept.size()), reduced_rank = static_cast<int>(p.reduced.size());

  static uint64_t dummy = 0;  // an empty input may have no data; the kernel reads none
  reduction_detail::View xv, ov;
  xv.data = x->data ? x->data : &dummy;
  xv.byte_offset = p.x_byte_offset;
  xv.dtype = x->dtype;
  ov.data = out->data;
  ov.byte_offset = out->byte_offset;
  ov.dtype = out->dtype;
  for (const Dim& d : p.kept) {
    xv.shape.push_back(d.extent);
    xv.strides.push_back(d.x_stride);
    ov.shape.push_back(d.extent);
    ov.strides.push_back(d.out_stride);
  }
  for (const Dim& d : p.reduced) {
    xv.shape.push_back(d.extent);
    xv.strides.push_back(d.x_stride);
  }
  if (kept_rank == 0) {
    ov.shape = {1};
    ov.strides = {1};
  }
  bool contiguous = compact(xv.shape, xv.strides) && compact(ov.shape, ov.strides);
  Variant v{sig,
            kept_rank + reduced_rank,
            contiguous ? Layout::Contiguous : Layout::Strided,
            "llvm",
            {kept_rank, reduced_rank, static_cast<int64_t>(mode)}};
  const Kernel& k = detail::kernel_for(reduction_detail::reduction_opdef(info), v);
  std::vector<double> scalars;
  if (info.kind == ReduceKind::Var || info.kind == ReduceKind::Std) scalars.push_back(correction);
  reduction_detail::run_kernel(k, {xv.get(), ov.get()}, scalars);
}

}  // namespace

ReducePlan plan_reduce(const std::string& op, const DLTensor* x, std::vector<int> axes, bool keepdims,
                       std::optional<DataType> dtype, int64_t /*correction*/) {
  return resolve(op, x, axes, keepdims, dtype).plan;
}

void reduce(const std::string& op, const DLTensor* x, const std::vector<int>& axes, bool keepdims,
            std::optional<DataType> dtype, DLTensor* out, double correction) {
  if (detail::DeviceReduceFn gpu = detail::cuda_reduce(); gpu && x && x->device.device_type == kDLCUDA)
    return gpu(op, x, axes, keepdims, dtype, out, correction);  // ops/gpu_hooks.h
  Call c = resolve(op, x, axes, keepdims, dtype);
  reduction_detail::check_output(op, out, c.plan.shape, c.plan.dtype);
  check_writeable(op, out);
  if (reduction_detail::numel(c.plan.shape) == 0) return;
  if (reduction_detail::may_overlap(x, out)) {
    reduction_detail::Scratch tmp(c.plan.shape, c.plan.dtype);
    run_reduction(c, x, keepdims, &tmp.dl, correction);
    reduction_detail::copy_elements(&tmp.dl, out);
    return;
  }
  run_reduction(c, x, keepdims, out, correction);
}

void register_reduction_ops() {
  reduction_detail::register_reductions();
  reduction_detail::register_scans();
  reduction_detail::register_matmul();
  reduction_detail::register_vecdot();
}

std::vector<std::string> reduction_ops() {
  std::vector<std::string> names;
  for (const ReduceOpInfo& r : reduction_detail::reduction_table()) names.push_back(r.name);
  return names;
}

}  // namespace tessera::ops
