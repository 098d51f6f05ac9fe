// vecdot (NumPy's gufunc (n),(n)->() for real dtypes): a reduction of a * b over one axis
// of each operand, the other axes broadcast. The kernel reads both operands as
// [kept..., n] (kept axes merged where contiguous in a, b and the output) and runs the
// reduction schedules of reduction_schedule.cpp. Floats accumulate in float64; float32 rows
// along their contiguous axis add blocks of terms in float32 first (see blocked_applies).
#include "ops/kernel_cache.h"
#include "ops/reduction_blocked.h"
#include "ops/reduction_internal.h"
#include "tessera/ir/op.h"
#include "tessera/ops/reduction.h"

namespace tessera::ops {
namespace {

using ir::Var;
using reduction_detail::fail;
using reduction_detail::StridedDim;
using reduction_detail::VecMode;
using te::Tensor;

DataType vecdot_accumulator(DataType t) { return t.is_float() ? DataType::Float(64) : t; }

// float32 rows along their contiguous axis: blocked float32 sums (reduction_blocked.h),
// float32 products and sums as BLAS sdot, but float64 past each block of 8 terms per lane.
bool blocked_applies(const Variant& v) {
  return v.target != "cuda" && v.sig.compute[0] == DataType::Float(32) && v.sig.compute[1] == DataType::Float(64) &&
         v.attrs[0] >= 1 && static_cast<VecMode>(v.attrs[1]) == VecMode::Inner;
}

// attrs: {kept rank, vector mode}; inputs [kept..., n], output [kept...] or {1}.
Generated generate_vecdot(const Variant& v) {
  if (v.attrs.size() != 2) throw OpError(OpError::Kind::Value, "vecdot: runs through ops::vecdot");
  const int kept_rank = static_cast<int>(v.attrs[0]);
  const DataType t = v.sig.compute[0], acc = v.sig.compute[1], out_t = v.sig.outputs[0];
  std::vector<Expr> kept;
  for (int d = 0; d < kept_rank; ++d) kept.push_back(te::size_var("n" + std::to_string(d)));
  Expr len = te::size_var("len");
  std::vector<Expr> in_shape = kept;
  in_shape.push_back(len);
  Tensor X1 = te::placeholder(in_shape, v.sig.inputs[0], "x1");
  Tensor X2 = te::placeholder(in_shape, v.sig.inputs[1], "x2");
  std::vector<Expr> out_shape = kept_rank ? kept : std::vector<Expr>{Expr(int64_t{1})};
  if (blocked_applies(v)) {
    auto term = [&](const std::vector<Expr>& k, const Expr& pos) {
      std::vector<Expr> at = k;
      at.push_back(pos);
      return std::vector<Expr>{ir::cast(t, X1(at)) * ir::cast(t, X2(at))};
    };
    reduction_detail::BlockedSum sum = reduction_detail::blocked_sum(out_shape, len, term, "acc");
    Tensor Out = te::compute(
        out_shape, [&](const std::vector<Var>& idx) { return ir::cast(out_t, sum.value({idx.begin(), idx.end()})); },
        "out");
    schedule::Schedule s = schedule::create_schedule({Out});
    reduction_detail::schedule_blocked_rows(s, {sum}, Out);
    return Generated{s, {X1, X2, Out}};
  }
  Tensor Acc = te::compute(
      out_shape,
      [&](const std::vector<Var>& idx) {
        ir::IterVar r = te::reduce_axis(0, len, "r0");
        std::vector<Expr> at;
        if (kept_rank) at.assign(idx.begin(), idx.end());
        at.push_back(r->var);
        return reduction_detail::contraction_sum(reduction_detail::contraction_term(X1(at), X2(at), t, acc), {r}, acc);
      },
      "acc");
  Tensor Out = te::compute(
      out_shape,
      [&](const std::vector<Var>& idx) { return ir::cast(out_t, Acc(std::vector<Expr>(idx.begin(), idx.end()))); },
      "out");
  schedule::Schedule s = schedule::create_schedule({Out});
  reduction_detail::schedule_reduction(s, {Acc}, Out, kept_rank, 1, static_cast<VecMode>(v.attrs[1]),
                                       reduction_detail::contraction_lanes(acc));
  return Generated{s, {X1, X2, Out}};
}

const OpDef& vecdot_opdef() {
  static const OpDef& def = []() -> const OpDef& {
    OpDef d;
    d.name = "vecdot";
    d.num_inputs = 2;
    d.auto_broadcast = false;
    d.type_rule = [](const std::vector<DataType>& in) -> std::optional<Signature> {
      if (in.size() != 2) return std::nullopt;
      DataType t = ir::promote_types(in[0], in[1]);
      return Signature{in, {t, vecdot_accumulator(t)}, {t}};
    };
    d.generate = generate_vecdot;
    for (DataType t : all_types()) d.aot_input_dtypes.push_back({t, t});
    // Ahead of time: up to 2 kept (collapsed) dimensions, each vector mode run_vd picks.
    d.aot_variants = [](const Signature& sig) {
      std::vector<Variant> out;
      for (int64_t kept = 0; kept <= 2; ++kept)
        for (VecMode mode : {VecMode::None, VecMode::Inner, VecMode::Outer})
          if (kept > 0 || mode == VecMode::Inner)  // nothing kept: always Inner
            out.push_back({sig, static_cast<int>(kept) + 1, Layout::Strided, "llvm", {kept, static_cast<int64_t>(mode)}});
      return out;
    };
    d.valid = [](const Variant& v) { return v.attrs.size() == 2; };
    return defop(std::move(d));
  }();
  return def;
}

// Also registers when the library loads, so list_ops shows the operator without a call.
[[maybe_unused]] const bool kRegisteredAtLoad = (vecdot_opdef(), true);

struct VecdotPlan {
  reduction_detail::Operands ops;
  int axis_a = 0, axis_b = 0;
  std::vector<int64_t> out_shape;
};

VecdotPlan plan_vd(const DLTensor* a, const DLTensor* b, int axis) {
  VecdotPlan p;
  p.ops = reduction_detail::contraction_operands("vecdot", a, b, vecdot_accumulator);
  for (int i = 0; i < 2; ++i)
    if ((i ? b : a)->ndim == 0)
      fail(OpError::Kind::Value, "vecdot", "operand " + std::to_string(i) + " must have at least one dimension");
  p.axis_a = reduction_detail::normalize_axis("vecdot", axis, a->ndim);
  p.axis_b = reduction_detail::normalize_axis("vecdot", axis, b->ndim);
  if (a->shape[p.axis_a] != b->shape[p.axis_b])
    fail(OpError::Kind::Value, "vecdot",
         "Input operand 1 has a mismatch in its core dimension 0, with gufunc signature (n),(n)->() (size " +
             std::to_string(b->shape[p.axis_b]) + " is different from " + std::to_string(a->shape[p.axis_a]) + ")");
  std::vector<int64_t> ra = reduction_detail::shape_of(a), rb = reduction_detail::shape_of(b);
  ra.erase(ra.begin() + p.axis_a);
  rb.erase(rb.begin() + p.axis_b);
  p.out_shape = reduction_detail::broadcast_shapes("vecdot", ra, rb);
  return p;
}

void run_vd(const VecdotPlan& p, const DLTensor* a, const DLTensor* b, DLTensor* out) {
  std::vector<int64_t> ash = reduction_detail::shape_of(a), ast = reduction_detail::strides_of(a);
  std::vector<int64_t> bsh = reduction_detail::shape_of(b), bst = reduction_detail::strides_of(b);
  const int64_t n = ash[p.axis_a], sa = ast[p.axis_a], sb = bst[p.axis_b];
  ash.erase(ash.begin() + p.axis_a);
  ast.erase(ast.begin() + p.axis_a);
  bsh.erase(bsh.begin() + p.axis_b);
  bst.erase(bst.begin() + p.axis_b);
  std::vector<int64_t> as = reduction_detail::broadcast_strides(ash, ast, p.out_shape);
  std::vector<int64_t> bs = reduction_detail::broadcast_strides(bsh, bst, p.out_shape);
  std::vector<int64_t> os = reduction_detail::strides_of(out);
  std::vector<StridedDim> dims;
  for (size_t d = 0; d < p.out_shape.size(); ++d) dims.push_back({p.out_shape[d], {as[d], bs[d], os[d]}});
  std::vector<StridedDim> kept = reduction_detail::collapse_dims(dims);
  const int lanes = reduction_detail::contraction_lanes(p.ops.sig.compute[1]);
  VecMode mode = VecMode::None;
  if (kept.empty() || (sa == 1 && sb == 1 && n >= 2 * lanes))
    mode = VecMode::Inner;
  else if (kept.back().strides[0] == 1 && kept.back().strides[1] == 1 && kept.back().extent >= lanes)
    mode = VecMode::Outer;
  reduction_detail::View va = reduction_detail::view_of(a), vb = reduction_detail::view_of(b),
                         vo = reduction_detail::view_of(out);
  for (reduction_detail::View* v : {&va, &vb, &vo}) {
    v->shape.clear();
    v->strides.clear();
  }
  for (const StridedDim& d : kept) {
    for (int i = 0; i < 3; ++i) {
      reduction_detail::View* v = i == 0 ? &va : i == 1 ? &vb : &vo;
      v->shape.push_back(d.extent);
      v->strides.push_back(d.strides[i]);
    }
  }
  va.shape.push_back(n);
  va.strides.push_back(sa);
  vb.shape.push_back(n);
  vb.strides.push_back(sb);
  if (kept.empty()) {
    vo.shape = {1};
    vo.strides = {1};
  }
  static uint64_t dummy = 0;  // empty operands may have no data; the kernel reads none
  if (!va.data) va.data = &dummy;
  if (!vb.data) vb.data = &dummy;
  Variant v{p.ops.sig,
            static_cast<int>(kept.size()) + 1,
            Layout::Strided,
            "llvm",
            {static_cast<int64_t>(kept.size()), static_cast<int64_t>(mode)}};
  reduction_detail::run_kernel(detail::kernel_for(vecdot_opdef(), v), {va.get(), vb.get(), vo.get()});
}

}  // namespace

OutputPlan plan_vecdot(const DLTensor* a, const DLTensor* b, int axis) {
  VecdotPlan p = plan_vd(a, b, axis);
  return {p.out_shape, p.ops.sig.outputs[0]};
}

void vecdot(const DLTensor* a, const DLTensor* b, int axis, DLTensor* out) {
  VecdotPlan p = plan_vd(a, b, axis);
  reduction_detail::check_output("vecdot", out, p.out_shape, p.ops.sig.outputs[0]);
  if (reduction_detail::numel(p.out_shape) == 0) return;
  reduction_detail::with_output(p.out_shape, p.ops.sig.outputs[0], out, {a, b},
                                [&](DLTensor* o) { run_vd(p, a, b, o); });
}

namespace reduction_detail {
void register_vecdot() { vecdot_opdef(); }
}  // namespace reduction_detail

}  // namespace tessera::ops
