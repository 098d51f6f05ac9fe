// matmul, tensordot and vecdot (NumPy semantics), as contractions.
//
// matmul runs one kernel family, C[b?, i, j] = sum_k A[b?, i, k] * B[b?, k, j], on strided
// views (a broadcast batch axis has stride 0). Dispatch merges the batch axes that are
// contiguous in all three operands; if several remain, it loops over the outer ones.
// tensordot moves the summed axes together by permuting strides and runs the same kernel
// as a 2-D matmul, copying an operand only when its axes do not collapse (as NumPy's
// reshape would). vecdot is a reduction of a * b over one axis and shares the reduction
// schedules.
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

using detail::fail;
using detail::VecMode;
using ir::Var;
using te::Tensor;

DataType matmul_accumulator(DataType t) { return t.is_float16() || t.is_bfloat16() ? DataType::Float(32) : t; }
DataType vecdot_accumulator(DataType t) { return t.is_float() ? DataType::Float(64) : t; }

Expr product(const Expr& a, const Expr& b, DataType t, DataType acc) {
  Expr x = ir::cast(t, a), y = ir::cast(t, b);
  if (t.is_bool()) return x && y;
  return ir::cast(acc, x) * ir::cast(acc, y);
}

Expr accumulate(const Expr& src, const std::vector<ir::IterVar>& axes, DataType acc) {
  static const te::Reducer any = te::comm_reducer(
      [](const std::vector<Expr>& a, const std::vector<Expr>& b) { return std::vector<Expr>{a[0] || b[0]}; },
      [](const std::vector<DataType>&) { return std::vector<Expr>{ir::make_bool(false)}; }, "any");
  return acc.is_bool() ? any(src, axes) : te::sum(src, axes);
}

Signature contraction_signature(const std::string& op, DataType a, DataType b, bool vecdot) {
  DataType t = ir::promote_types(a, b);
  return Signature{{a, b}, {t, vecdot ? vecdot_accumulator(t) : matmul_accumulator(t)}, {t}};
}

std::optional<Signature> contraction_rule(const std::vector<DataType>& in, bool vecdot) {
  if (in.size() != 2) return std::nullopt;
  return contraction_signature("", in[0], in[1], vecdot);
}

int matmul_lanes(DataType acc) { return std::clamp(128 / acc.bytes(), 16, 64); }

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
  Tensor Acc = te::compute(shape, [&](const std::vector<Var>& idx) {
    ir::IterVar k = te::reduce_axis(0, K, "k");
    std::vector<Expr> ai(idx.begin(), idx.end() - 1), bi(idx.begin(), idx.end() - 2);
    ai.push_back(k->var);
    bi.push_back(k->var);
    bi.push_back(idx.back());
    return accumulate(product(A(ai), B(bi), t, acc), {k}, acc);
  }, "acc");
  Tensor Out = te::compute(shape, [&](const std::vector<Var>& idx) {
    return ir::cast(out_t, Acc(std::vector<Expr>(idx.begin(), idx.end())));
  }, "out");

  schedule::Schedule s = schedule::create_schedule({Out});
  schedule::Stage os = s[Out];
  std::vector<ir::IterVar> axes = os.axis();
  auto [io, ii] = os.split(axes[axes.size() - 2], tile_rows);
  auto [jo, ji] = os.split(axes.back(), matmul_lanes(acc));
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
  Tensor Acc = te::compute(out_shape, [&](const std::vector<Var>& idx) {
    ir::IterVar r = te::reduce_axis(0, len, "r0");
    std::vector<Expr> at;
    if (kept_rank) at.assign(idx.begin(), idx.end());
    at.push_back(r->var);
    return accumulate(product(X1(at), X2(at), t, acc), {r}, acc);
  }, "acc");
  Tensor Out = te::compute(out_shape, [&](const std::vector<Var>& idx) {
    return ir::cast(out_t, Acc(std::vector<Expr>(idx.begin(), idx.end())));
  }, "out");
  schedule::Schedule s = schedule::create_schedule({Out});
  detail::schedule_reduction(s, {Acc}, Out, kept_rank, 1, static_cast<VecMode>(v.attrs[1]), matmul_lanes(acc));
  return Generated{s, {X1, X2, Out}};
}

const OpDef& linalg_opdef(bool vecdot) {
  static const std::vector<const OpDef*> defs = [] {
    std::vector<const OpDef*> out;
    for (bool is_vecdot : {false, true}) {
      OpDef def;
      def.name = is_vecdot ? "vecdot" : "matmul";
      def.num_inputs = 2;
      def.auto_broadcast = false;
      def.type_rule = [is_vecdot](const std::vector<DataType>& in) { return contraction_rule(in, is_vecdot); };
      def.generate = is_vecdot ? generate_vecdot : generate_matmul;
      for (DataType t : all_types()) def.aot_input_dtypes.push_back({t, t});
      def.valid = [](const Variant& v) { return v.attrs.size() == 2; };
      out.push_back(&defop(std::move(def)));
    }
    return out;
  }();
  return *defs[vecdot ? 1 : 0];
}

[[maybe_unused]] const bool kRegisteredAtLoad = (linalg_opdef(false), true);

// ---- matmul dispatch ---------------------------------------------------------------------

struct Operands {
  DataType a, b;
  Signature sig;
};

Operands checked_operands(const std::string& op, const DLTensor* a, const DLTensor* b, bool vecdot) {
  Operands o;
  o.a = detail::checked_dtype(op, a, "operand 0");
  o.b = detail::checked_dtype(op, b, "operand 1");
  o.sig = contraction_signature(op, o.a, o.b, vecdot);
  return o;
}

// Right-aligned broadcast of two shapes (NumPy), or an OpError naming both.
std::vector<int64_t> broadcast_shapes(const std::string& op, const std::vector<int64_t>& x,
                                      const std::vector<int64_t>& y) {
  size_t nd = std::max(x.size(), y.size());
  std::vector<int64_t> out(nd, 1);
  for (size_t d = 0; d < nd; ++d) {
    int64_t ex = d + x.size() >= nd ? x[d + x.size() - nd] : 1;
    int64_t ey = d + y.size() >= nd ? y[d + y.size() - nd] : 1;
    if (ex != ey && ex != 1 && ey != 1)
      fail(OpError::Kind::Value, op, "operands could not be broadcast together with shapes " + detail::shape_str(x) +
                                         " " + detail::shape_str(y));
    out[d] = ex == 1 ? ey : ex;
  }
  return out;
}

// Element strides of t's leading `lead` dimensions broadcast (right-aligned) to `shape`.
std::vector<int64_t> broadcast_strides(const std::vector<int64_t>& t_shape, const std::vector<int64_t>& t_strides,
                                       const std::vector<int64_t>& shape) {
  std::vector<int64_t> out(shape.size(), 0);
  size_t off = shape.size() - t_shape.size();
  for (size_t d = 0; d < t_shape.size(); ++d) out[off + d] = t_shape[d] == 1 ? 0 : t_strides[d];
  return out;
}

struct MatmulPlan {
  Operands ops;
  bool a_vec = false, b_vec = false;  // 1-D operands, promoted
  int64_t M = 1, K = 1, N = 1;
  std::vector<int64_t> batch, out_shape;
};

MatmulPlan plan_mm(const DLTensor* a, const DLTensor* b) {
  MatmulPlan p;
  p.ops = checked_operands("matmul", a, b, false);
  for (int i = 0; i < 2; ++i) {
    const DLTensor* t = i ? b : a;
    if (t->ndim == 0)
      fail(OpError::Kind::Value, "matmul",
           "Input operand " + std::to_string(i) +
               " does not have enough dimensions (has 0, gufunc core with signature (n?,k),(k,m?)->(n?,m?) requires 1)");
  }
  std::vector<int64_t> as = detail::shape_of(a), bs = detail::shape_of(b);
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
  p.batch = broadcast_shapes("matmul", std::vector<int64_t>(as.begin(), as.end() - 2),
                             std::vector<int64_t>(bs.begin(), bs.end() - 2));
  p.out_shape = p.batch;
  if (!p.a_vec) p.out_shape.push_back(p.M);
  if (!p.b_vec) p.out_shape.push_back(p.N);
  return p;
}

struct Strided {
  int64_t extent;
  std::vector<int64_t> strides;  // one per operand
};

// Drops size-1 dimensions and merges neighbours contiguous in every operand.
std::vector<Strided> collapse(const std::vector<Strided>& dims) {
  std::vector<Strided> out;
  for (const Strided& d : dims) {
    if (d.extent == 1) continue;
    bool merge = !out.empty();
    for (size_t i = 0; merge && i < d.strides.size(); ++i) merge = out.back().strides[i] == d.strides[i] * d.extent;
    if (merge) {
      out.back().extent *= d.extent;
      out.back().strides = d.strides;
    } else {
      out.push_back(d);
    }
  }
  return out;
}

// Runs the matmul kernel on 2-D (or batched 3-D) views; `batch` holds the batch dimensions
// (strides for a, b, c), of which all but the last are looped here.
void run_matmul_kernel(const Signature& sig, detail::View a, detail::View b, detail::View c,
                       const std::vector<Strided>& batch) {
  const DataType t = sig.compute[0];
  const int tile_rows = (t == DataType::Float(32) || t == DataType::Float(64)) ? 4 : 1;
  const bool batched = !batch.empty();
  Variant v{sig, batched ? 3 : 2, Layout::Strided, "llvm", {batched ? 1 : 0, tile_rows}};
  const Kernel& k = detail::kernel_for(linalg_opdef(false), v);
  static uint64_t dummy = 0;  // empty operands may have no data; the kernel reads none
  if (!a.data) a.data = &dummy;
  if (!b.data) b.data = &dummy;
  if (batched) {
    const Strided& last = batch.back();
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
    detail::run_kernel(k, {a.get(), b.get(), c.get()});
    size_t d = idx.size();
    while (d > 0 && ++idx[d - 1] == batch[d - 1].extent) idx[--d] = 0;
    if (d == 0) break;
  }
}

detail::View matrix_view(const DLTensor* t, int64_t rows, int64_t cols, int64_t row_stride, int64_t col_stride) {
  detail::View v = detail::view_of(t);
  v.shape = {rows, cols};
  v.strides = {row_stride, col_stride};
  return v;
}

void run_matmul(const MatmulPlan& p, const DLTensor* a, const DLTensor* b, DLTensor* out) {
  std::vector<int64_t> ash = detail::shape_of(a), ast = detail::strides_of(a);
  std::vector<int64_t> bsh = detail::shape_of(b), bst = detail::strides_of(b);
  std::vector<int64_t> osh = detail::shape_of(out), ost = detail::strides_of(out);
  // Core strides (row, column) of each operand; a promoted 1-D dimension has stride 0.
  int64_t a_row = p.a_vec ? 0 : ast[ast.size() - 2], a_col = ast.back();
  int64_t b_row = p.b_vec ? bst.back() : bst[bst.size() - 2], b_col = p.b_vec ? 0 : bst.back();
  size_t core_out = (p.a_vec ? 0 : 1) + (p.b_vec ? 0 : 1);
  int64_t c_row = p.a_vec ? 0 : ost[ost.size() - core_out];
  int64_t c_col = p.b_vec ? 0 : ost.back();
  size_t nb = p.batch.size();
  std::vector<int64_t> a_lead(ash.begin(), ash.end() - (p.a_vec ? 1 : 2));
  std::vector<int64_t> b_lead(bsh.begin(), bsh.end() - (p.b_vec ? 1 : 2));
  std::vector<int64_t> as = broadcast_strides(a_lead, std::vector<int64_t>(ast.begin(), ast.begin() + a_lead.size()), p.batch);
  std::vector<int64_t> bs = broadcast_strides(b_lead, std::vector<int64_t>(bst.begin(), bst.begin() + b_lead.size()), p.batch);
  std::vector<Strided> dims;
  for (size_t d = 0; d < nb; ++d) dims.push_back({p.batch[d], {as[d], bs[d], ost[d]}});
  std::vector<Strided> batch = collapse(dims);
  run_matmul_kernel(p.ops.sig, matrix_view(a, p.M, p.K, a_row, a_col), matrix_view(b, p.K, p.N, b_row, b_col),
                    matrix_view(out, p.M, p.N, c_row, c_col), batch);
}

bool overlaps_any(const DLTensor* out, std::initializer_list<const DLTensor*> inputs) {
  for (const DLTensor* t : inputs)
    if (detail::may_overlap(t, out)) return true;
  return false;
}

// ---- tensordot ---------------------------------------------------------------------------

struct DotPlan {
  Operands ops;
  std::vector<int> free_a, free_b, sum_a, sum_b;
  std::vector<int64_t> out_shape;
};

DotPlan plan_dot(const DLTensor* a, const DLTensor* b, const std::vector<int>& axes_a, const std::vector<int>& axes_b) {
  DotPlan p;
  p.ops = checked_operands("tensordot", a, b, false);
  if (axes_a.size() != axes_b.size()) fail(OpError::Kind::Value, "tensordot", "shape-mismatch for sum");
  std::vector<bool> used_a(a->ndim, false), used_b(b->ndim, false);
  for (size_t i = 0; i < axes_a.size(); ++i) {
    int x = detail::normalize_axis("tensordot", axes_a[i], a->ndim);
    int y = detail::normalize_axis("tensordot", axes_b[i], b->ndim);
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
    fail(OpError::Kind::Value, "tensordot", "axes must be between 0 and the operands' dimensions, got " + std::to_string(n));
  std::vector<int> axes;
  for (int i = 0; i < n; ++i) axes.push_back(first ? a->ndim - n + i : i);
  return axes;
}

// One group of axes as a single (extent, stride), when they collapse.
std::optional<std::pair<int64_t, int64_t>> group(const std::vector<int64_t>& extents, const std::vector<int64_t>& strides) {
  std::vector<Strided> dims;
  for (size_t i = 0; i < extents.size(); ++i) dims.push_back({extents[i], {strides[i]}});
  for (int64_t e : extents)
    if (e == 0) return std::make_pair(int64_t{0}, int64_t{1});
  std::vector<Strided> c = collapse(dims);
  if (c.empty()) return std::make_pair(int64_t{1}, int64_t{0});
  if (c.size() > 1) return std::nullopt;
  return std::make_pair(c[0].extent, c[0].strides[0]);
}

// A matrix view of t whose rows are axes `rows` and columns `cols` (strides permuted), or a
// compact copy when the axes do not collapse.
struct MatrixOperand {
  detail::View view;
  std::optional<detail::Scratch> copy;
};

void make_matrix(const DLTensor* t, DataType dtype, const std::vector<int>& rows, const std::vector<int>& cols,
                 MatrixOperand* m) {
  std::vector<int64_t> sh = detail::shape_of(t), st = detail::strides_of(t);
  std::vector<int64_t> re, rs, ce, cs;
  for (int d : rows) re.push_back(sh[d]), rs.push_back(st[d]);
  for (int d : cols) ce.push_back(sh[d]), cs.push_back(st[d]);
  auto r = group(re, rs), c = group(ce, cs);
  int64_t nr = detail::numel(re), nc = detail::numel(ce);
  if (r && c) {
    m->view = matrix_view(t, nr, nc, r->second, c->second);
    return;
  }
  // Copy into [rows..., cols...] compact order.
  m->copy.emplace(std::vector<int64_t>{nr, nc}, dtype);
  detail::View src = detail::view_of(t), dst;
  src.shape.clear();
  src.strides.clear();
  for (size_t i = 0; i < re.size(); ++i) src.shape.push_back(re[i]), src.strides.push_back(rs[i]);
  for (size_t i = 0; i < ce.size(); ++i) src.shape.push_back(ce[i]), src.strides.push_back(cs[i]);
  dst.data = m->copy->dl.data;
  dst.dtype = m->copy->dl.dtype;
  dst.shape = src.shape;
  dst.strides.assign(dst.shape.size(), 1);
  for (size_t d = dst.shape.size(); d-- > 1;) dst.strides[d - 1] = dst.strides[d] * dst.shape[d];
  detail::copy_elements(src.get(), dst.get());
  m->view = matrix_view(&m->copy->dl, nr, nc, nc, 1);
}

void run_dot(const DotPlan& p, const DLTensor* a, const DLTensor* b, DLTensor* out) {
  MatrixOperand ma, mb;
  make_matrix(a, p.ops.a, p.free_a, p.sum_a, &ma);
  make_matrix(b, p.ops.b, p.sum_b, p.free_b, &mb);
  std::vector<int> out_rows, out_cols;
  for (size_t i = 0; i < p.free_a.size(); ++i) out_rows.push_back(static_cast<int>(i));
  for (size_t i = 0; i < p.free_b.size(); ++i) out_cols.push_back(static_cast<int>(p.free_a.size() + i));
  std::vector<int64_t> osh = detail::shape_of(out), ost = detail::strides_of(out);
  std::vector<int64_t> re, rs, ce, cs;
  for (int d : out_rows) re.push_back(osh[d]), rs.push_back(ost[d]);
  for (int d : out_cols) ce.push_back(osh[d]), cs.push_back(ost[d]);
  auto r = group(re, rs), c = group(ce, cs);
  const int64_t M = ma.view.shape[0], N = mb.view.shape[1];
  if (r && c) {
    run_matmul_kernel(p.ops.sig, ma.view, mb.view, matrix_view(out, M, N, r->second, c->second), {});
    return;
  }
  detail::Scratch tmp(std::vector<int64_t>{M, N}, p.ops.sig.outputs[0]);
  run_matmul_kernel(p.ops.sig, ma.view, mb.view, matrix_view(&tmp.dl, M, N, N, 1), {});
  detail::View full = detail::view_of(&tmp.dl);
  full.shape = osh;
  full.strides.assign(osh.size(), 1);
  for (size_t d = osh.size(); d-- > 1;) full.strides[d - 1] = full.strides[d] * osh[d];
  detail::copy_elements(full.get(), out);
}

// ---- vecdot ------------------------------------------------------------------------------

struct VecdotPlan {
  Operands ops;
  int axis_a = 0, axis_b = 0;
  std::vector<int64_t> out_shape;
};

VecdotPlan plan_vd(const DLTensor* a, const DLTensor* b, int axis) {
  VecdotPlan p;
  p.ops = checked_operands("vecdot", a, b, true);
  for (int i = 0; i < 2; ++i)
    if ((i ? b : a)->ndim == 0)
      fail(OpError::Kind::Value, "vecdot", "operand " + std::to_string(i) + " must have at least one dimension");
  p.axis_a = detail::normalize_axis("vecdot", axis, a->ndim);
  p.axis_b = detail::normalize_axis("vecdot", axis, b->ndim);
  if (a->shape[p.axis_a] != b->shape[p.axis_b])
    fail(OpError::Kind::Value, "vecdot",
         "Input operand 1 has a mismatch in its core dimension 0, with gufunc signature (n),(n)->() (size " +
             std::to_string(b->shape[p.axis_b]) + " is different from " + std::to_string(a->shape[p.axis_a]) + ")");
  std::vector<int64_t> ra = detail::shape_of(a), rb = detail::shape_of(b);
  ra.erase(ra.begin() + p.axis_a);
  rb.erase(rb.begin() + p.axis_b);
  p.out_shape = broadcast_shapes("vecdot", ra, rb);
  return p;
}

void run_vd(const VecdotPlan& p, const DLTensor* a, const DLTensor* b, DLTensor* out) {
  std::vector<int64_t> ash = detail::shape_of(a), ast = detail::strides_of(a);
  std::vector<int64_t> bsh = detail::shape_of(b), bst = detail::strides_of(b);
  int64_t n = ash[p.axis_a], sa = ast[p.axis_a], sb = bst[p.axis_b];
  ash.erase(ash.begin() + p.axis_a);
  ast.erase(ast.begin() + p.axis_a);
  bsh.erase(bsh.begin() + p.axis_b);
  bst.erase(bst.begin() + p.axis_b);
  std::vector<int64_t> as = broadcast_strides(ash, ast, p.out_shape), bs = broadcast_strides(bsh, bst, p.out_shape);
  std::vector<int64_t> os = detail::strides_of(out);
  std::vector<Strided> dims;
  for (size_t d = 0; d < p.out_shape.size(); ++d) dims.push_back({p.out_shape[d], {as[d], bs[d], os[d]}});
  std::vector<Strided> kept = collapse(dims);
  const int lanes = matmul_lanes(p.ops.sig.compute[1]);
  VecMode mode = VecMode::None;
  if (kept.empty()) mode = VecMode::Inner;
  else if (sa == 1 && sb == 1 && n >= 2 * lanes) mode = VecMode::Inner;
  else if (kept.back().strides[0] == 1 && kept.back().strides[1] == 1 && kept.back().extent >= lanes) mode = VecMode::Outer;
  detail::View va = detail::view_of(a), vb = detail::view_of(b), vo = detail::view_of(out);
  va.shape.clear(), va.strides.clear(), vb.shape.clear(), vb.strides.clear(), vo.shape.clear(), vo.strides.clear();
  for (const Strided& d : kept) {
    va.shape.push_back(d.extent), va.strides.push_back(d.strides[0]);
    vb.shape.push_back(d.extent), vb.strides.push_back(d.strides[1]);
    vo.shape.push_back(d.extent), vo.strides.push_back(d.strides[2]);
  }
  va.shape.push_back(n), va.strides.push_back(sa);
  vb.shape.push_back(n), vb.strides.push_back(sb);
  if (kept.empty()) vo.shape = {1}, vo.strides = {1};
  static uint64_t dummy = 0;  // empty operands may have no data; the kernel reads none
  if (!va.data) va.data = &dummy;
  if (!vb.data) vb.data = &dummy;
  Variant v{p.ops.sig, static_cast<int>(kept.size()) + 1, Layout::Strided, "llvm",
            {static_cast<int64_t>(kept.size()), static_cast<int64_t>(mode)}};
  detail::run_kernel(detail::kernel_for(linalg_opdef(true), v), {va.get(), vb.get(), vo.get()});
}

// Runs f(out) directly, or into a temporary copied to out when out overlaps an input.
template <class F>
void with_output(const std::vector<int64_t>& shape, DataType dtype, DLTensor* out,
                 std::initializer_list<const DLTensor*> inputs, F f) {
  if (!overlaps_any(out, inputs)) return f(out);
  detail::Scratch tmp(shape, dtype);
  f(&tmp.dl);
  detail::copy_elements(&tmp.dl, out);
}

}  // namespace

OutputPlan plan_matmul(const DLTensor* a, const DLTensor* b) {
  MatmulPlan p = plan_mm(a, b);
  return {p.out_shape, p.ops.sig.outputs[0]};
}

void matmul(const DLTensor* a, const DLTensor* b, DLTensor* out) {
  MatmulPlan p = plan_mm(a, b);
  detail::check_output("matmul", out, p.out_shape, p.ops.sig.outputs[0]);
  if (detail::numel(p.out_shape) == 0) return;
  with_output(p.out_shape, p.ops.sig.outputs[0], out, {a, b}, [&](DLTensor* o) { run_matmul(p, a, b, o); });
}

OutputPlan plan_tensordot(const DLTensor* a, const DLTensor* b, int axes) {
  detail::checked_dtype("tensordot", a, "operand 0");
  detail::checked_dtype("tensordot", b, "operand 1");
  return plan_tensordot(a, b, int_axes(a, b, axes, true), int_axes(a, b, axes, false));
}

OutputPlan plan_tensordot(const DLTensor* a, const DLTensor* b, const std::vector<int>& axes_a,
                          const std::vector<int>& axes_b) {
  DotPlan p = plan_dot(a, b, axes_a, axes_b);
  return {p.out_shape, p.ops.sig.outputs[0]};
}

void tensordot(const DLTensor* a, const DLTensor* b, int axes, DLTensor* out) {
  detail::checked_dtype("tensordot", a, "operand 0");
  detail::checked_dtype("tensordot", b, "operand 1");
  tensordot(a, b, int_axes(a, b, axes, true), int_axes(a, b, axes, false), out);
}

void tensordot(const DLTensor* a, const DLTensor* b, const std::vector<int>& axes_a, const std::vector<int>& axes_b,
               DLTensor* out) {
  DotPlan p = plan_dot(a, b, axes_a, axes_b);
  detail::check_output("tensordot", out, p.out_shape, p.ops.sig.outputs[0]);
  if (detail::numel(p.out_shape) == 0) return;
  with_output(p.out_shape, p.ops.sig.outputs[0], out, {a, b}, [&](DLTensor* o) { run_dot(p, a, b, o); });
}

OutputPlan plan_vecdot(const DLTensor* a, const DLTensor* b, int axis) {
  VecdotPlan p = plan_vd(a, b, axis);
  return {p.out_shape, p.ops.sig.outputs[0]};
}

void vecdot(const DLTensor* a, const DLTensor* b, int axis, DLTensor* out) {
  VecdotPlan p = plan_vd(a, b, axis);
  detail::check_output("vecdot", out, p.out_shape, p.ops.sig.outputs[0]);
  if (detail::numel(p.out_shape) == 0) return;
  with_output(p.out_shape, p.ops.sig.outputs[0], out, {a, b}, [&](DLTensor* o) { run_vd(p, a, b, o); });
}

}  // namespace tessera::ops
