// matmul and tensordot (NumPy semantics), and the helpers shared with vecdot.
//
// matmul runs one kernel family, C[b?, i, j] = sum_k A[b?, i, k] * B[b?, k, j], on strided
// views (a broadcast batch axis has stride 0). Dispatch merges the batch axes that are
// contiguous in all three operands; if several remain, it loops over the outer ones.
// tensordot moves the summed axes together by permuting strides and runs the same kernel
// as a 2-D matmul, copying an operand only when its axes do not collapse (as NumPy's
// reshape would).
//
// The kernel accumulates a tile of C (tile_rows x lanes) in local memory, computed at the
// tile loop, with the k loop outside the vectorized column loop. float32/float64 use
// 4-row tiles; other dtypes 1-row tiles. Integers wrap; bool is or-of-ands; float16 and
// bfloat16 accumulate in float32.
#include "ops/kernel_cache.h"
#include "ops/reduction_internal.h"
#include "tessera/ir/op.h"
#include "tessera/ops/reduction.h"

namespace tessera::ops {
namespace {

using ir::Var;
using reduction_detail::fail;
using reduction_detail::Operands;
using reduction_detail::StridedDim;
using te::Tensor;

DataType matmul_accumulator(DataType t) { return t.is_float16() || t.is_bfloat16() ? DataType::Float(32) : t; }

// attrs: {batched, tile_rows}
Generated generate_matmul(const Variant& v) {
  if (v.attrs.size() != 2) throw OpError(OpError::Kind::Value, "matmul: runs through ops::matmul");
  const bool batched = v.attrs[0] != 0;
  const int tile_rows = static_cast<int>(v.attrs[1]);
  const DataType t = v.sig.compute[0], acc = v.sig.compute[1], out_t = v.sig.outputs[0];
  std::vector<Expr> lead;
  if (batched) lead.push_back(te::size_var("batch"));
  Var M = te::size_var("M"), K = te::size_var("K"), N = te::size_var("N");
  auto with_lead = [&](std::vector<Expr> tail) {
    std::vector<Expr> s = lead;
    s.insert(s.end(), tail.begin(), tail.end());
    return s;
  };
  Tensor A = te::placeholder(with_lead({M, K}), v.sig.inputs[0], "a");
  Tensor B = te::placeholder(with_lead({K, N}), v.sig.inputs[1], "b");
  std::vector<Expr> shape = with_lead({M, N});
  Tensor Acc = te::compute(
      shape,
      [&](const std::vector<Var>& idx) {
        ir::IterVar k = te::reduce_axis(0, K, "k");
        std::vector<Expr> ai(idx.begin(), idx.end() - 1), bi(idx.begin(), idx.end() - 2);
        ai.push_back(k->var);
        bi.push_back(k->var);
        bi.push_back(idx.back());
        return reduction_detail::contraction_sum(reduction_detail::contraction_term(A(ai), B(bi), t, acc), {k}, acc);
      },
      "acc");
  Tensor Out = te::compute(
      shape,
      [&](const std::vector<Var>& idx) { return ir::cast(out_t, Acc(std::vector<Expr>(idx.begin(), idx.end()))); },
      "out");

  schedule::Schedule s = schedule::create_schedule({Out});
  schedule::Stage os = s[Out];
  std::vector<ir::IterVar> axes = os.axis();
  auto [io, ii] = os.split(axes[axes.size() - 2], tile_rows);
  auto [jo, ji] = os.split(axes.back(), reduction_detail::contraction_lanes(acc));
  std::vector<ir::IterVar> order;
  if (batched) order.push_back(axes[0]);
  order.insert(order.end(), {io, jo, ii, ji});
  os.reorder(order);
  ir::IterVar outer = batched ? os.fuse(axes[0], io) : io;
  os.parallel(outer).vectorize(ji);
  schedule::Stage as = s[Acc];
  as.compute_at(os, jo).set_scope("local");
  std::vector<ir::IterVar> acc_axes = as.axis();
  std::vector<ir::IterVar> acc_order;
  if (batched) acc_order.push_back(acc_axes[0]);
  acc_order.push_back(as.reduce_axis()[0]);
  acc_order.push_back(acc_axes[acc_axes.size() - 2]);
  acc_order.push_back(acc_axes.back());
  as.reorder(acc_order).vectorize(acc_axes.back());
  if (tile_rows > 1) as.unroll(acc_axes[acc_axes.size() - 2]);
  return Generated{s, {A, B, Out}};
}

const OpDef& matmul_opdef() {
  static const OpDef& def = []() -> const OpDef& {
    OpDef d;
    d.name = "matmul";
    d.num_inputs = 2;
    d.auto_broadcast = false;
    d.type_rule = [](const std::vector<DataType>& in) -> std::optional<Signature> {
      if (in.size() != 2) return std::nullopt;
      DataType t = ir::promote_types(in[0], in[1]);
      return Signature{in, {t, matmul_accumulator(t)}, {t}};
    };
    d.generate = generate_matmul;
    for (DataType t : all_types()) d.aot_input_dtypes.push_back({t, t});
    // Ahead of time: the 2-D and the batched kernel, as run_matmul_kernel picks them.
    d.aot_variants = [](const Signature& sig) {
      const DataType t = sig.compute[0];
      const int64_t tile_rows = (t == DataType::Float(32) || t == DataType::Float(64)) ? 4 : 1;
      return std::vector<Variant>{{sig, 2, Layout::Strided, "llvm", {0, tile_rows}},
                                  {sig, 3, Layout::Strided, "llvm", {1, tile_rows}}};
    };
    d.valid = [](const Variant& v) { return v.attrs.size() == 2; };
    return defop(std::move(d));
  }();
  return def;
}

// Also registers when the library loads, so list_ops shows the operator without a call.
[[maybe_unused]] const bool kRegisteredAtLoad = (matmul_opdef(), true);

// ---- matmul dispatch ---------------------------------------------------------------------

struct MatmulPlan {
  Operands ops;
  bool a_vec = false, b_vec = false;  // 1-D operands, promoted
  int64_t M = 1, K = 1, N = 1;
  std::vector<int64_t> batch, out_shape;
};

MatmulPlan plan_mm(const DLTensor* a, const DLTensor* b) {
  MatmulPlan p;
  p.ops = reduction_detail::contraction_operands("matmul", a, b, matmul_accumulator);
  for (int i = 0; i < 2; ++i) {
    const DLTensor* t = i ? b : a;
    if (t->ndim == 0)
      fail(
          OpError::Kind::Value, "matmul",
          "Input operand " + std::to_string(i) +
              " does not have enough dimensions (has 0, gufunc core with signature (n?,k),(k,m?)->(n?,m?) requires 1)");
  }
  std::vector<int64_t> as = reduction_detail::shape_of(a), bs = reduction_detail::shape_of(b);
  p.a_vec = as.size() == 1;
  p.b_vec = bs.size() == 1;
  if (p.a_vec) as.insert(as.begin(), 1);
  if (p.b_vec) bs.push_back(1);
  p.M = as[as.size() - 2];
  p.K = as.back();
  p.N = bs.back();
  int64_t kb = bs[bs.size() - 2];
  if (kb != p.K)
    fail(OpError::Kind::Value, "matmul",
         "Input operand 1 has a mismatch in its core dimension 0, with gufunc signature (n?,k),(k,m?)->(n?,m?) (size " +
             std::to_string(kb) + " is different from " + std::to_string(p.K) + ")");
  p.batch = reduction_detail::broadcast_shapes("matmul", std::vector<int64_t>(as.begin(), as.end() - 2),
                                               std::vector<int64_t>(bs.begin(), bs.end() - 2));
  p.out_shape = p.batch;
  if (!p.a_vec) p.out_shape.push_back(p.M);
  if (!p.b_vec) p.out_shape.push_back(p.N);
  return p;
}

// Runs the matmul kernel on 2-D (or batched 3-D) views; `batch` holds the batch dimensions
// (strides for a, b, c), of which all but the last are looped here.
void run_matmul_kernel(const Signature& sig, reduction_detail::View a, reduction_detail::View b,
                       reduction_detail::View c, const std::vector<StridedDim>& batch) {
  const DataType t = sig.compute[0];
  const int tile_rows = (t == DataType::Float(32) || t == DataType::Float(64)) ? 4 : 1;
  const bool batched = !batch.empty();
  Variant v{sig, batched ? 3 : 2, Layout::Strided, "llvm", {batched ? 1 : 0, tile_rows}};
  const Kernel& k = detail::kernel_for(matmul_opdef(), v);
  static uint64_t dummy = 0;  // empty operands may have no data; the kernel reads none
  if (!a.data) a.data = &dummy;
  if (!b.data) b.data = &dummy;
  if (batched) {
    const StridedDim& last = batch.back();
    a.shape.insert(a.shape.begin(), last.extent);
    a.strides.insert(a.strides.begin(), last.strides[0]);
    b.shape.insert(b.shape.begin(), last.extent);
    b.strides.insert(b.strides.begin(), last.strides[1]);
    c.shape.insert(c.shape.begin(), last.extent);
    c.strides.insert(c.strides.begin(), last.strides[2]);
  }
  // Outer batch dimensions, looped here.
  std::vector<int64_t> idx(batch.empty() ? 0 : batch.size() - 1, 0);
  const uint64_t a0 = a.byte_offset, b0 = b.byte_offset, c0 = c.byte_offset;
  const int64_t ab = (a.dtype.bits + 7) / 8, bb = (b.dtype.bits + 7) / 8, cb = (c.dtype.bits + 7) / 8;
  for (;;) {
    int64_t ao = 0, bo = 0, co = 0;
    for (size_t d = 0; d < idx.size(); ++d) {
      ao += idx[d] * batch[d].strides[0];
      bo += idx[d] * batch[d].strides[1];
      co += idx[d] * batch[d].strides[2];
    }
    a.byte_offset = a0 + static_cast<uint64_t>(ao * ab);
    b.byte_offset = b0 + static_cast<uint64_t>(bo * bb);
    c.byte_offset = c0 + static_cast<uint64_t>(co * cb);
    reduction_detail::run_kernel(k, {a.get(), b.get(), c.get()});
    size_t d = idx.size();
    while (d > 0 && ++idx[d - 1] == batch[d - 1].extent) idx[--d] = 0;
    if (d == 0) break;
  }
}

reduction_detail::View matrix_view(const DLTensor* t, int64_t rows, int64_t cols, int64_t row_stride,
                                   int64_t col_stride) {
  reduction_detail::View v = reduction_detail::view_of(t);
  v.shape = {rows, cols};
  v.strides = {row_stride, col_stride};
  return v;
}

void run_matmul(const MatmulPlan& p, const DLTensor* a, const DLTensor* b, DLTensor* out) {
  std::vector<int64_t> ash = reduction_detail::shape_of(a), ast = reduction_detail::strides_of(a);
  std::vector<int64_t> bsh = reduction_detail::shape_of(b), bst = reduction_detail::strides_of(b);
  std::vector<int64_t> osh = reduction_detail::shape_of(out), ost = reduction_detail::strides_of(out);
  // Core strides (row, column) of each operand; a promoted 1-D dimension has stride 0.
  int64_t a_row = p.a_vec ? 0 : ast[ast.size() - 2], a_col = ast.back();
  int64_t b_row = p.b_vec ? bst.back() : bst[bst.size() - 2], b_col = p.b_vec ? 0 : bst.back();
  size_t core_out = (p.a_vec ? 0 : 1) + (p.b_vec ? 0 : 1);
  int64_t c_row = p.a_vec ? 0 : ost[ost.size() - core_out];
  int64_t c_col = p.b_vec ? 0 : ost.back();
  size_t nb = p.batch.size();
  std::vector<int64_t> a_lead(ash.begin(), ash.end() - (p.a_vec ? 1 : 2));
  std::vector<int64_t> b_lead(bsh.begin(), bsh.end() - (p.b_vec ? 1 : 2));
  std::vector<int64_t> as = reduction_detail::broadcast_strides(
      a_lead, std::vector<int64_t>(ast.begin(), ast.begin() + a_lead.size()), p.batch);
  std::vector<int64_t> bs = reduction_detail::broadcast_strides(
      b_lead, std::vector<int64_t>(bst.begin(), bst.begin() + b_lead.size()), p.batch);
  std::vector<StridedDim> dims;
  for (size_t d = 0; d < nb; ++d) dims.push_back({p.batch[d], {as[d], bs[d], ost[d]}});
  std::vector<StridedDim> batch = reduction_detail::collapse_dims(dims);
  run_matmul_kernel(p.ops.sig, matrix_view(a, p.M, p.K, a_row, a_col), matrix_view(b, p.K, p.N, b_row, b_col),
                    matrix_view(out, p.M, p.N, c_row, c_col), batch);
}

// ---- tensordot ---------------------------------------------------------------------------

struct DotPlan {
  Operands ops;
  std::vector<int> free_a, free_b, sum_a, sum_b;
  std::vector<int64_t> out_shape;
};

DotPlan plan_dot(const DLTensor* a, const DLTensor* b, const std::vector<int>& axes_a, const std::vector<int>& axes_b) {
  DotPlan p;
  p.ops = reduction_detail::contraction_operands("tensordot", a, b, matmul_accumulator);
  if (axes_a.size() != axes_b.size()) fail(OpError::Kind::Value, "tensordot", "shape-mismatch for sum");
  std::vector<bool> used_a(a->ndim, false), used_b(b->ndim, false);
  for (size_t i = 0; i < axes_a.size(); ++i) {
    int x = reduction_detail::normalize_axis("tensordot", axes_a[i], a->ndim);
    int y = reduction_detail::normalize_axis("tensordot", axes_b[i], b->ndim);
    if (used_a[x] || used_b[y]) fail(OpError::Kind::Value, "tensordot", "repeated axis in the summed axes");
    used_a[x] = used_b[y] = true;
    if (a->shape[x] != b->shape[y]) fail(OpError::Kind::Value, "tensordot", "shape-mismatch for sum");
    p.sum_a.push_back(x);
    p.sum_b.push_back(y);
  }
  for (int d = 0; d < a->ndim; ++d)
    if (!used_a[d]) {
      p.free_a.push_back(d);
      p.out_shape.push_back(a->shape[d]);
    }
  for (int d = 0; d < b->ndim; ++d)
    if (!used_b[d]) {
      p.free_b.push_back(d);
      p.out_shape.push_back(b->shape[d]);
    }
  return p;
}

std::vector<int> int_axes(const DLTensor* a, const DLTensor* b, int n, bool first) {
  if (n < 0 || n > a->ndim || n > b->ndim)
    fail(OpError::Kind::Value, "tensordot",
         "axes must be between 0 and the operands' dimensions, got " + std::to_string(n));
  std::vector<int> axes;
  for (int i = 0; i < n; ++i) axes.push_back(first ? a->ndim - n + i : i);
  return axes;
}

// One group of axes as a single (extent, stride), when they collapse.
std::optional<std::pair<int64_t, int64_t>> group(const std::vector<int64_t>& extents,
                                                 const std::vector<int64_t>& strides) {
  std::vector<StridedDim> dims;
  for (size_t i = 0; i < extents.size(); ++i) dims.push_back({extents[i], {strides[i]}});
  for (int64_t e : extents)
    if (e == 0) return std::make_pair(int64_t{0}, int64_t{1});
  std::vector<StridedDim> c = reduction_detail::collapse_dims(dims);
  if (c.empty()) return std::make_pair(int64_t{1}, int64_t{0});
  if (c.size() > 1) return std::nullopt;
  return std::make_pair(c[0].extent, c[0].strides[0]);
}

// A matrix view of t whose rows are axes `rows` and columns `cols` (strides permuted), or a
// compact copy when the axes do not collapse.
struct MatrixOperand {
  reduction_detail::View view;
  std::optional<reduction_detail::Scratch> copy;
};

void make_matrix(const DLTensor* t, DataType dtype, const std::vector<int>& rows, const std::vector<int>& cols,
                 MatrixOperand* m) {
  std::vector<int64_t> sh = reduction_detail::shape_of(t), st = reduction_detail::strides_of(t);
  std::vector<int64_t> re, rs, ce, cs;
  for (int d : rows) re.push_back(sh[d]), rs.push_back(st[d]);
  for (int d : cols) ce.push_back(sh[d]), cs.push_back(st[d]);
  auto r = group(re, rs), c = group(ce, cs);
  int64_t nr = reduction_detail::numel(re), nc = reduction_detail::numel(ce);
  if (r && c) {
    m->view = matrix_view(t, nr, nc, r->second, c->second);
    return;
  }
  // Copy into [rows..., cols...] compact order.
  m->copy.emplace(std::vector<int64_t>{nr, nc}, dtype);
  reduction_detail::View src = reduction_detail::view_of(t), dst;
  src.shape.clear();
  src.strides.clear();
  for (size_t i = 0; i < re.size(); ++i) src.shape.push_back(re[i]), src.strides.push_back(rs[i]);
  for (size_t i = 0; i < ce.size(); ++i) src.shape.push_back(ce[i]), src.strides.push_back(cs[i]);
  dst.data = m->copy->dl.data;
  dst.dtype = m->copy->dl.dtype;
  dst.shape = src.shape;
  dst.strides.assign(dst.shape.size(), 1);
  for (size_t d = dst.shape.size(); d-- > 1;) dst.strides[d - 1] = dst.strides[d] * dst.shape[d];
  reduction_detail::copy_elements(src.get(), dst.get());
  m->view = matrix_view(&m->copy->dl, nr, nc, nc, 1);
}

void run_dot(const DotPlan& p, const DLTensor* a, const DLTensor* b, DLTensor* out) {
  MatrixOperand ma, mb;
  make_matrix(a, p.ops.a, p.free_a, p.sum_a, &ma);
  make_matrix(b, p.ops.b, p.sum_b, p.free_b, &mb);
  std::vector<int> out_rows, out_cols;
  for (size_t i = 0; i < p.free_a.size(); ++i) out_rows.push_back(static_cast<int>(i));
  for (size_t i = 0; i < p.free_b.size(); ++i) out_cols.push_back(static_cast<int>(p.free_a.size() + i));
  std::vector<int64_t> osh = reduction_detail::shape_of(out), ost = reduction_detail::strides_of(out);
  std::vector<int64_t> re, rs, ce, cs;
  for (int d : out_rows) re.push_back(osh[d]), rs.push_back(ost[d]);
  for (int d : out_cols) ce.push_back(osh[d]), cs.push_back(ost[d]);
  auto r = group(re, rs), c = group(ce, cs);
  const int64_t M = ma.view.shape[0], N = mb.view.shape[1];
  if (r && c) {
    run_matmul_kernel(p.ops.sig, ma.view, mb.view, matrix_view(out, M, N, r->second, c->second), {});
    return;
  }
  reduction_detail::Scratch tmp(std::vector<int64_t>{M, N}, p.ops.sig.outputs[0]);
  run_matmul_kernel(p.ops.sig, ma.view, mb.view, matrix_view(&tmp.dl, M, N, N, 1), {});
  reduction_detail::View full = reduction_detail::view_of(&tmp.dl);
  full.shape = osh;
  full.strides.assign(osh.size(), 1);
  for (size_t d = osh.size(); d-- > 1;) full.strides[d - 1] = full.strides[d] * osh[d];
  reduction_detail::copy_elements(full.get(), out);
}

}  // namespace

OutputPlan plan_matmul(const DLTensor* a, const DLTensor* b) {
  MatmulPlan p = plan_mm(a, b);
  return {p.out_shape, p.ops.sig.outputs[0]};
}

void matmul(const DLTensor* a, const DLTensor* b, DLTensor* out) {
  MatmulPlan p = plan_mm(a, b);
  reduction_detail::check_output("matmul", out, p.out_shape, p.ops.sig.outputs[0]);
  if (reduction_detail::numel(p.out_shape) == 0) return;
  reduction_detail::with_output(p.out_shape, p.ops.sig.outputs[0], out, {a, b},
                                [&](DLTensor* o) { run_matmul(p, a, b, o); });
}

OutputPlan plan_tensordot(const DLTensor* a, const DLTensor* b, int axes) {
  reduction_detail::checked_dtype("tensordot", a, "operand 0");
  reduction_detail::checked_dtype("tensordot", b, "operand 1");
  return plan_tensordot(a, b, int_axes(a, b, axes, true), int_axes(a, b, axes, false));
}

OutputPlan plan_tensordot(const DLTensor* a, const DLTensor* b, const std::vector<int>& axes_a,
                          const std::vector<int>& axes_b) {
  DotPlan p = plan_dot(a, b, axes_a, axes_b);
  return {p.out_shape, p.ops.sig.outputs[0]};
}

void tensordot(const DLTensor* a, const DLTensor* b, int axes, DLTensor* out) {
  reduction_detail::checked_dtype("tensordot", a, "operand 0");
  reduction_detail::checked_dtype("tensordot", b, "operand 1");
  tensordot(a, b, int_axes(a, b, axes, true), int_axes(a, b, axes, false), out);
}

void tensordot(const DLTensor* a, const DLTensor* b, const std::vector<int>& axes_a, const std::vector<int>& axes_b,
               DLTensor* out) {
  DotPlan p = plan_dot(a, b, axes_a, axes_b);
  reduction_detail::check_output("tensordot", out, p.out_shape, p.ops.sig.outputs[0]);
  if (reduction_detail::numel(p.out_shape) == 0) return;
  reduction_detail::with_output(p.out_shape, p.ops.sig.outputs[0], out, {a, b},
                                [&](DLTensor* o) { run_dot(p, a, b, o); });
}

namespace reduction_detail {

Operands contraction_operands(const std::string& op, const DLTensor* a, const DLTensor* b,
                              DataType (*accumulator)(DataType)) {
  Operands o;
  o.a = checked_dtype(op, a, "operand 0");
  o.b = checked_dtype(op, b, "operand 1");
  DataType t = ir::promote_types(o.a, o.b);
  o.sig = Signature{{o.a, o.b}, {t, accumulator(t)}, {t}};
  return o;
}

Expr contraction_term(const Expr& a, const Expr& b, DataType t, DataType acc) {
  Expr x = ir::cast(t, a), y = ir::cast(t, b);
  if (t.is_bool()) return x && y;
  return ir::cast(acc, x) * ir::cast(acc, y);
}

Expr contraction_sum(const Expr& term, const std::vector<ir::IterVar>& axes, DataType acc) {
  static const te::Reducer any = te::comm_reducer(
      [](const std::vector<Expr>& a, const std::vector<Expr>& b) { return std::vector<Expr>{a[0] || b[0]}; },
      [](const std::vector<DataType>&) { return std::vector<Expr>{ir::make_bool(false)}; }, "any");
  return acc.is_bool() ? any(term, axes) : te::sum(term, axes);
}

int contraction_lanes(DataType acc) { return std::clamp(128 / acc.bytes(), 16, 64); }

void register_matmul() { matmul_opdef(); }

}  // namespace reduction_detail
}  // namespace tessera::ops
