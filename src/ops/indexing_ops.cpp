// take and take_along_axis: gathers along one axis, bounds-checked before they run.
//
// The kernel's view of a call is [outer..., gathered..., inner...]: x is indexed as
// x[outer..., idx(...), inner...]. Neighbouring dimensions of a group merge when they are
// contiguous in every operand of the group, and size-1 dimensions drop, so most calls run
// a kernel of rank 2 or 3. The bounds check reduces the indices to their minimum and
// maximum with ops::reduce, so the kernel only ever sees valid indices.
#include <algorithm>

#include "ops/kernel_cache.h"
#include "ops/reduction_internal.h"
#include "tessera/ir/op.h"
#include "tessera/ops/indexing.h"

namespace tessera::ops {
namespace {

using ir::Var;
using reduction_detail::fail;
using reduction_detail::StridedDim;

// attrs: {outer rank, indices rank, inner rank}. For take_along_axis the gathered group
// is the single axis, and outer/inner dimensions are shared by x, indices and out.
Generated generate_gather(const Variant& v, bool along_axis) {
  if (v.attrs.size() != 3) throw OpError(OpError::Kind::Value, "gather: runs through ops::take");
  const int n_outer = static_cast<int>(v.attrs[0]), n_idx = static_cast<int>(v.attrs[1]);
  const int n_inner = static_cast<int>(v.attrs[2]);
  auto vars = [](const std::string& prefix, int n) {
    std::vector<Expr> out;
    for (int d = 0; d < n; ++d) out.push_back(te::size_var(prefix + std::to_string(d)));
    return out;
  };
  std::vector<Expr> outer = vars("o", n_outer), gathered = vars("g", n_idx), inner = vars("i", n_inner);
  Var axis_len = te::size_var("len");
  auto concat = [](std::vector<Expr> a, const std::vector<Expr>& b, const std::vector<Expr>& c) {
    a.insert(a.end(), b.begin(), b.end());
    a.insert(a.end(), c.begin(), c.end());
    return a;
  };
  std::vector<Expr> out_shape = concat(outer, gathered, inner);
  te::Tensor x = te::placeholder(concat(outer, {axis_len}, inner), v.sig.inputs[0], "x");
  te::Tensor idx = te::placeholder(along_axis ? out_shape : gathered, v.sig.inputs[1], "indices");
  te::Tensor out = te::compute(
      out_shape,
      [&](const std::vector<Var>& iv) {
        std::vector<Expr> at(iv.begin(), iv.end());
        std::vector<Expr> idx_at = along_axis ? at : std::vector<Expr>(at.begin() + n_outer, at.end() - n_inner);
        Expr i = ir::cast(DataType::Int(64), idx(idx_at));
        i = ir::select(i < 0, i + axis_len, i);
        std::vector<Expr> x_at(at.begin(), at.begin() + n_outer);
        x_at.push_back(i);
        x_at.insert(x_at.end(), at.end() - n_inner, at.end());
        return x(x_at);
      },
      "out");
  schedule::Schedule s = schedule::create_schedule({out});
  schedule::Stage st = s[out];
  std::vector<ir::IterVar> axes = st.axis();
  if (axes.size() == 1) {
    auto [blocks, block] = st.split(axes[0], 4096);
    st.parallel(blocks);
  } else if (!axes.empty()) {
    std::vector<ir::IterVar> lead(axes.begin(), axes.end() - 1);
    st.parallel(lead.size() > 1 ? st.fuse(lead) : lead[0]);
  }
  std::vector<lower::Arg> args = {x, idx, out};
  return Generated{s, args};
}

const OpDef& gather_def(bool along_axis) {
  static const std::vector<const OpDef*> defs = [] {
    std::vector<const OpDef*> out;
    for (bool along : {false, true}) {
      OpDef def;
      def.name = along ? "take_along_axis" : "take";
      def.num_inputs = 2;
      def.auto_broadcast = false;
      def.type_rule = [](const std::vector<DataType>& in) -> std::optional<Signature> {
        if (in.size() != 2 || !(in[1].is_integer() || in[1].is_bool())) return std::nullopt;
        return Signature{in, in, {in[0]}};
      };
      def.generate = [along](const Variant& v) { return generate_gather(v, along); };
      for (DataType t : all_types()) def.aot_input_dtypes.push_back({t, DataType::Int(64)});
      def.valid = [](const Variant& v) { return v.attrs.size() == 3; };
      out.push_back(&defop(std::move(def)));
    }
    return out;
  }();
  return *defs[along_axis ? 1 : 0];
}

// One index value read from a 0-d reduction result: `huge` marks uint64 values above the
// int64 range (always out of bounds).
struct IndexValue {
  int64_t value;
  bool huge;
};

IndexValue read_index(const reduction_detail::Scratch& s, DataType t) {
  const void* p = s.storage.data();
  auto load = [p]<class T>(T) { return *static_cast<const T*>(p); };
  if (t.is_bool()) return {load(uint8_t{}) != 0 ? 1 : 0, false};
  if (t.is_uint()) {
    uint64_t u = t.bits == 8 ? load(uint8_t{}) : t.bits == 16 ? load(uint16_t{}) : t.bits == 32 ? load(uint32_t{}) : load(uint64_t{});
    return {static_cast<int64_t>(u), u > static_cast<uint64_t>(INT64_MAX)};
  }
  int64_t i = t.bits == 8 ? load(int8_t{}) : t.bits == 16 ? load(int16_t{}) : t.bits == 32 ? load(int32_t{}) : load(int64_t{});
  return {i, false};
}

// Raises OpError(Index) unless every index lies in [-n, n).
void check_bounds(const std::string& op, const DLTensor* indices, DataType it, int axis, int64_t n) {
  if (reduction_detail::numel(reduction_detail::shape_of(indices)) == 0) return;
  auto bad = [&](const std::string& value) {
    fail(OpError::Kind::Index, op,
         "index " + value + " is out of bounds for axis " + std::to_string(axis) + " with size " + std::to_string(n));
  };
  if (n == 0) fail(OpError::Kind::Index, op, "cannot do a non-empty take from an empty axis");
  for (const char* which : {"max", "min"}) {
    reduction_detail::Scratch r(std::vector<int64_t>{}, it);
    reduce(which, indices, {}, false, std::nullopt, &r.dl);
    IndexValue v = read_index(r, it);
    if (v.huge) bad(std::to_string(static_cast<uint64_t>(v.value)));
    if (v.value >= n || v.value < -n) bad(std::to_string(v.value));
  }
}

DataType index_dtype(const std::string& op, const DLTensor* indices) {
  DataType it = reduction_detail::checked_dtype(op, indices, "indices");
  if (!it.is_integer() && !it.is_bool())
    fail(OpError::Kind::Type, op, "indices must be integers or bool, not " + it.str());
  return it;
}

// Kernel view of one group of dimensions for several operands.
void append_group(const std::vector<StridedDim>& dims, std::vector<reduction_detail::View*> views,
                  std::vector<int> which) {
  for (const StridedDim& d : dims)
    for (size_t k = 0; k < views.size(); ++k) {
      views[k]->shape.push_back(d.extent);
      views[k]->strides.push_back(d.strides[which[k]]);
    }
}

void run_gather(bool along, DataType xt, DataType it, std::vector<reduction_detail::View*> views,
                const std::vector<int64_t>& ranks) {
  const Kernel& k = detail::kernel_for(gather_def(along), Variant{Signature{{xt, it}, {xt, it}, {xt}},
                                                                  static_cast<int>(views[2]->shape.size()),
                                                                  Layout::Strided, "llvm", ranks});
  try {
    k({views[0]->get(), views[1]->get(), views[2]->get()});
  } catch (const KernelError& e) {
    throw OpError(OpError::Kind::Value, e.what());
  }
}

reduction_detail::View empty_view(const DLTensor* t) {
  reduction_detail::View v = reduction_detail::view_of(t);
  v.shape.clear();
  v.strides.clear();
  return v;
}

}  // namespace

OutputPlan plan_take(const DLTensor* x, const DLTensor* indices, int axis) {
  DataType xt = reduction_detail::checked_dtype("take", x, "x");
  index_dtype("take", indices);
  axis = reduction_detail::normalize_axis("take", axis, x->ndim);
  OutputPlan p{{}, xt};
  for (int d = 0; d < axis; ++d) p.shape.push_back(x->shape[d]);
  for (int d = 0; d < indices->ndim; ++d) p.shape.push_back(indices->shape[d]);
  for (int d = axis + 1; d < x->ndim; ++d) p.shape.push_back(x->shape[d]);
  return p;
}

void take(const DLTensor* x, const DLTensor* indices, int axis, DLTensor* out) {
  OutputPlan p = plan_take(x, indices, axis);
  DataType it = index_dtype("take", indices);
  axis = axis < 0 ? axis + x->ndim : axis;
  reduction_detail::check_output("take", out, p.shape, p.dtype);
  check_bounds("take", indices, it, axis, x->shape[axis]);
  if (reduction_detail::numel(p.shape) == 0) return;
  reduction_detail::with_output(p.shape, p.dtype, out, {x, indices}, [&](DLTensor* dst) {
    std::vector<int64_t> xs = reduction_detail::strides_of(x), is = reduction_detail::strides_of(indices);
    std::vector<int64_t> os = reduction_detail::strides_of(dst);
    const int n_idx = indices->ndim;
    std::vector<StridedDim> outer, gathered, inner;
    for (int d = 0; d < axis; ++d) outer.push_back({x->shape[d], {xs[d], os[d]}});
    for (int d = 0; d < n_idx; ++d) gathered.push_back({indices->shape[d], {is[d], os[axis + d]}});
    for (int d = axis + 1; d < x->ndim; ++d) inner.push_back({x->shape[d], {xs[d], os[d - 1 + n_idx]}});
    outer = reduction_detail::collapse_dims(outer);
    gathered = reduction_detail::collapse_dims(gathered);
    inner = reduction_detail::collapse_dims(inner);
    if (outer.empty() && gathered.empty() && inner.empty()) gathered.push_back({1, {0, 0}});
    reduction_detail::View xv = empty_view(x), iv = empty_view(indices), ov = empty_view(dst);
    append_group(outer, {&xv, &ov}, {0, 1});
    xv.shape.push_back(x->shape[axis]);
    xv.strides.push_back(xs[axis]);
    append_group(gathered, {&iv, &ov}, {0, 1});
    append_group(inner, {&xv, &ov}, {0, 1});
    run_gather(false, p.dtype, it, {&xv, &iv, &ov},
               {static_cast<int64_t>(outer.size()), static_cast<int64_t>(gathered.size()),
                static_cast<int64_t>(inner.size())});
  });
}

OutputPlan plan_take_along_axis(const DLTensor* x, const DLTensor* indices, int axis) {
  const std::string op = "take_along_axis";
  DataType xt = reduction_detail::checked_dtype(op, x, "x");
  index_dtype(op, indices);
  if (indices->ndim != x->ndim)
    fail(OpError::Kind::Value, op,
         "indices and x must have the same number of dimensions, got " + std::to_string(indices->ndim) + " and " +
             std::to_string(x->ndim));
  axis = reduction_detail::normalize_axis(op, axis, x->ndim);
  OutputPlan p{{}, xt};
  for (int d = 0; d < x->ndim; ++d) {
    int64_t a = x->shape[d], b = indices->shape[d];
    if (d == axis) {
      p.shape.push_back(b);
      continue;
    }
    if (a != b && a != 1 && b != 1)
      fail(OpError::Kind::Value, op,
           "shape mismatch: x " + reduction_detail::shape_str(reduction_detail::shape_of(x)) + " and indices " +
               reduction_detail::shape_str(reduction_detail::shape_of(indices)) +
               " do not broadcast outside axis " + std::to_string(axis));
    p.shape.push_back(a == 1 ? b : a);
  }
  return p;
}

void take_along_axis(const DLTensor* x, const DLTensor* indices, int axis, DLTensor* out) {
  const std::string op = "take_along_axis";
  OutputPlan p = plan_take_along_axis(x, indices, axis);
  DataType it = index_dtype(op, indices);
  axis = axis < 0 ? axis + x->ndim : axis;
  reduction_detail::check_output(op, out, p.shape, p.dtype);
  check_bounds(op, indices, it, axis, x->shape[axis]);
  if (reduction_detail::numel(p.shape) == 0) return;
  reduction_detail::with_output(p.shape, p.dtype, out, {x, indices}, [&](DLTensor* dst) {
    std::vector<int64_t> xs = reduction_detail::broadcast_strides(reduction_detail::shape_of(x),
                                                                  reduction_detail::strides_of(x), p.shape);
    std::vector<int64_t> is = reduction_detail::broadcast_strides(reduction_detail::shape_of(indices),
                                                                  reduction_detail::strides_of(indices), p.shape);
    std::vector<int64_t> os = reduction_detail::strides_of(dst);
    std::vector<StridedDim> before, after;
    for (int d = 0; d < x->ndim; ++d)
      if (d != axis) (d < axis ? before : after).push_back({p.shape[d], {xs[d], is[d], os[d]}});
    before = reduction_detail::collapse_dims(before);
    after = reduction_detail::collapse_dims(after);
    reduction_detail::View xv = empty_view(x), iv = empty_view(indices), ov = empty_view(dst);
    append_group(before, {&xv, &iv, &ov}, {0, 1, 2});
    xv.shape.push_back(x->shape[axis]);
    xv.strides.push_back(reduction_detail::strides_of(x)[axis]);
    iv.shape.push_back(p.shape[axis]);
    iv.strides.push_back(is[axis]);
    ov.shape.push_back(p.shape[axis]);
    ov.strides.push_back(os[axis]);
    append_group(after, {&xv, &iv, &ov}, {0, 1, 2});
    run_gather(true, p.dtype, it, {&xv, &iv, &ov},
               {static_cast<int64_t>(before.size()), 1, static_cast<int64_t>(after.size())});
  });
}

void register_indexing_ops() {
  gather_def(false);
  gather_def(true);
}

}  // namespace tessera::ops
