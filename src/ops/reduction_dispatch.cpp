// Reduction calls: axis normalization, result shape and dtype, then the kernel's view of
// the input. Reduced axes move last; size-1 axes drop; neighbours that are contiguous
// merge (kept axes when they are in both input and output, reduced axes in the input,
// after ordering them by stride when the result does not depend on element order). The
// variant is chosen by (kept rank, reduced rank, vector mode).
#include <algorithm>

#include "ops/kernel_cache.h"
#include "ops/reduction_internal.h"
#include "tessera/ops/reduction.h"

namespace tessera::ops {
namespace {

using detail::fail;
using detail::ReduceKind;
using detail::ReduceOpInfo;
using detail::VecMode;

const ReduceOpInfo& lookup(const std::string& op) {
  const ReduceOpInfo* info = detail::find_reduction(op);
  if (!info) throw OpError(OpError::Kind::Value, "no reduction named '" + op + "'");
  return *info;
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
      detail::normalize_axis(info.name, a, 1);
      continue;
    }
    int d = detail::normalize_axis(info.name, a, nd);
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

struct Dim {
  int64_t extent, x_stride, out_stride;
};

// The kernel's view of one call: [kept..., reduced...] dimensions of the input.
struct Problem {
  std::vector<Dim> kept, reduced;
  uint64_t x_byte_offset = 0;
};

Problem collapse(const ReduceOpInfo& info, const DLTensor* x, const std::vector<bool>& reduced, bool keepdims,
                 const DLTensor* out) {
  Problem p;
  p.x_byte_offset = x->byte_offset;
  std::vector<int64_t> xs = detail::strides_of(x), os = detail::strides_of(out);
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
  auto merge = [](std::vector<Dim>& dims, bool with_out) {
    std::vector<Dim> merged;
    for (const Dim& d : dims) {
      if (!merged.empty() && merged.back().x_stride == d.x_stride * d.extent &&
          (!with_out || merged.back().out_stride == d.out_stride * d.extent)) {
        merged.back().extent *= d.extent;
        merged.back().x_stride = d.x_stride;
        merged.back().out_stride = d.out_stride;
      } else {
        merged.push_back(d);
      }
    }
    dims = merged;
  };
  merge(p.kept, true);
  merge(p.reduced, false);
  if (p.reduced.empty()) p.reduced.push_back({1, 0, 0});  // nothing to reduce: one element
  return p;
}

VecMode choose_mode(const Problem& p, int lanes) {
  const Dim& r = p.reduced.back();
  if (p.kept.empty()) return p.reduced.size() == 1 || (r.x_stride == 1 && r.extent >= lanes) ? VecMode::Inner : VecMode::None;
  if (r.x_stride == 1 && r.extent >= 2 * lanes) return VecMode::Inner;
  const Dim& k = p.kept.back();
  if (k.x_stride == 1 && k.extent >= lanes) return VecMode::Outer;
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

void run_reduction(const ReduceOpInfo& info, const Signature& sig, const DLTensor* x, const std::vector<bool>& reduced,
                   bool keepdims, DLTensor* out, double correction) {
  Problem p = collapse(info, x, reduced, keepdims, out);
  const int lanes = detail::reduce_lanes(sig);
  VecMode mode = choose_mode(p, lanes);
  const int kept_rank = static_cast<int>(p.kept.size()), reduced_rank = static_cast<int>(p.reduced.size());

  static uint64_t dummy = 0;  // an empty input may have no data; the kernel reads none
  detail::View xv, ov;
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
  Variant v{sig, kept_rank + reduced_rank, contiguous ? Layout::Contiguous : Layout::Strided, "llvm",
            {kept_rank, reduced_rank, static_cast<int64_t>(mode)}};
  const Kernel& k = detail::kernel_for(detail::reduction_opdef(info), v);
  std::vector<double> scalars;
  if (info.kind == ReduceKind::Var || info.kind == ReduceKind::Std) scalars.push_back(correction);
  detail::run_kernel(k, {xv.get(), ov.get()}, scalars);
}

}  // namespace

ReducePlan plan_reduce(const std::string& op, const DLTensor* x, std::vector<int> axes, bool keepdims,
                       std::optional<DataType> dtype, int64_t /*correction*/) {
  const ReduceOpInfo& info = lookup(op);
  DataType in = detail::checked_dtype(op, x, "input");
  Signature sig = detail::reduce_signature(info, in, dtype);
  std::vector<bool> reduced = reduced_axes(info, x, axes);
  ReducePlan plan;
  plan.dtype = sig.outputs[0];
  for (int d = 0; d < x->ndim; ++d) {
    if (reduced[d]) plan.axes.push_back(d);
    if (!reduced[d]) plan.shape.push_back(x->shape[d]);
    else if (keepdims) plan.shape.push_back(1);
  }
  return plan;
}

void reduce(const std::string& op, const DLTensor* x, const std::vector<int>& axes, bool keepdims,
            std::optional<DataType> dtype, DLTensor* out, double correction) {
  const ReduceOpInfo& info = lookup(op);
  ReducePlan plan = plan_reduce(op, x, axes, keepdims, dtype);
  detail::check_output(op, out, plan.shape, plan.dtype);
  if (detail::numel(plan.shape) == 0) return;
  Signature sig = detail::reduce_signature(info, detail::checked_dtype(op, x, "input"), dtype);
  std::vector<bool> reduced = reduced_axes(info, x, axes);
  if (detail::may_overlap(x, out)) {
    detail::Scratch tmp(plan.shape, plan.dtype);
    run_reduction(info, sig, x, reduced, keepdims, &tmp.dl, correction);
    detail::copy_elements(&tmp.dl, out);
    return;
  }
  run_reduction(info, sig, x, reduced, keepdims, out, correction);
}

std::vector<std::string> reduction_ops() {
  std::vector<std::string> names;
  for (const ReduceOpInfo& r : detail::reduction_table()) names.push_back(r.name);
  return names;
}

}  // namespace tessera::ops
