// cumulative_sum and cumulative_prod (Array API), with NumPy's accumulate semantics.
//
// NumPy adds in the result dtype, one element after the other, rounding every partial
// result; a tensor expression cannot name its own previous element, so the kernel reads
// it through a second argument `prev` that aliases the output:
//   out[k..., i] = (i == 0 ? identity : prev[k..., i - 1]) (+) x[k..., i]
// with the scan loop serial and ascending. Argument buffers share one alias scope in
// codegen, so every read of prev sees the store of the previous step. The kept axes run
// in parallel, and in vectors when the last kept axis is contiguous (a scan along a
// leading axis): then every step adds a contiguous block of the row to the previous one.
//
// A scan along the last axis (Blocked mode) keeps that order of rounding but not the
// one-element-per-step chain through memory: the row is cut into blocks of `lanes`
// elements, and a vector of lanes folds the block's terms in order, lane j taking terms
// 0..j (a masked step leaves the others as they are):
//   out[k..., b*B + j] = ((carry (+) x[b*B]) (+) x[b*B + 1]) ... (+) x[b*B + j]
// where carry = prev[k..., b*B - 1] (the identity for the first block). Every lane thus
// computes NumPy's running value exactly, a block costs B + 1 vector steps, and several
// rows are interleaved so that their independent chains overlap.
//
// include_initial writes the identity into the first slot and scans into the rest.
//
// Rounding: bit-identical to NumPy, deliberately (decided 2026-11-24). A log-step
// (Hillis-Steele) prefix in registers plus a carry would be more accurate than the
// sequential sum, but users compare cumulative sums with NumPy's exactly (test suites,
// searchsorted over cumulative weights, bin edges), and those who need accuracy ask for
// float64. The way to bandwidth is therefore rows in vector lanes (one vector add per
// `lanes` elements, NumPy's order in every lane), which needs what a tensor expression
// cannot say today: a serial loop whose running value stays in a register. prev goes
// through memory, and an interleaved one-element-per-step schedule through prev measured
// 3x slower than Blocked (every step waits for the previous store). Blocked runs at about
// 2 cycles per element on Zen 4, set by LLVM's lowering of the masked steps (scalar adds
// plus inserts and blends), not by the lane count (8 or 16), the interleaved rows (4 or
// 8) or the strided addressing. Streaming stores must not be used here while the carry is
// read back from the output (a load of a line still in a write-combining buffer).
#include <cstring>

#include "ops/kernel_cache.h"
#include "ops/reduction_internal.h"
#include "tessera/ir/op.h"
#include "tessera/ops/reduction.h"

namespace tessera::ops {
namespace {

using reduction_detail::fail;

// Rows: one element per step along the last axis (kept for existing ahead-of-time
// variants); Vector: along an outer axis; Blocked: along the last axis, by blocks.
enum class ScanMode : int64_t { Rows = 0, Vector = 1, Blocked = 2 };

struct ScanInfo {
  const char* name;
  bool is_sum;
};

const ScanInfo kScans[] = {{"cumulative_sum", true}, {"cumulative_prod", false}};

const ScanInfo& lookup(const std::string& op) {
  for (const ScanInfo& s : kScans)
    if (op == s.name) return s;
  throw OpError(OpError::Kind::Value, "no cumulative operator named '" + op + "'");
}

DataType scan_default(DataType in) {
  if (in.is_bool() || (in.is_int() && in.bits < 64)) return DataType::Int(64);
  if (in.is_uint() && in.bits < 64) return DataType::UInt(64);
  return in;
}

// Columns per task of a vectorized scan: each step reads a contiguous run this long.
constexpr int64_t kColumnBlock = 1024;

int scan_lanes(DataType t) { return std::clamp(64 / t.bytes(), 8, 64); }

// Rows of a Blocked scan interleaved in one task (independent chains that overlap).
constexpr int64_t kBlockedRows = 4;
// Blocks up to this many lanes interleave the rows' steps in unrolled code.
constexpr int64_t kUnrolledRowLanes = 16;

Expr scan_identity(const ScanInfo& info, DataType t) {
  // -0.0 is the identity of float addition: the first element is copied exactly.
  if (t.is_float() && info.is_sum) return ir::make_const(t, -0.0);
  if (t.is_bool()) return ir::make_bool(!info.is_sum);
  return ir::make_const(t, int64_t{info.is_sum ? 0 : 1});
}

Expr scan_combine(const ScanInfo& info, const Expr& a, const Expr& b) {
  if (a.type().is_bool()) return info.is_sum ? (a || b) : (a && b);
  return info.is_sum ? a + b : a * b;
}

// The operands every scan variant takes: x (kept dimensions, then the scanned one of
// extent len) and prev, the output read back one step behind.
struct ScanOperands {
  std::vector<Expr> shape;
  Expr len;
  te::Tensor x, prev;
};

ScanOperands scan_operands(const Variant& v) {
  const int kept_rank = static_cast<int>(v.attrs[0]);
  ScanOperands o;
  for (int d = 0; d < kept_rank; ++d) o.shape.push_back(te::size_var("n" + std::to_string(d)));
  o.len = te::size_var("len");
  o.shape.push_back(o.len);
  o.x = te::placeholder(o.shape, v.sig.inputs[0], "x");
  o.prev = te::placeholder(o.shape, v.sig.outputs[0], "prev");
  return o;
}

// Blocked mode (see the file comment): part[kept..., block, lane] folds the block's terms
// in order; out reads it.
Generated generate_blocked_scan(const ScanInfo& info, const Variant& v) {
  const int kept_rank = static_cast<int>(v.attrs[0]);
  const DataType t = v.sig.outputs[0];
  const int64_t lanes = scan_lanes(t);
  auto [shape, len, x, prev] = scan_operands(v);
  const Expr identity = scan_identity(info, t);
  // (value, taken) pairs: a term that is not taken leaves the value as it is (one masked
  // vector step per term; the flag is only there to carry the mask).
  te::Reducer in_order = te::comm_reducer(
      [p = &info](const std::vector<Expr>& a, const std::vector<Expr>& b) {
        return std::vector<Expr>{ir::select(b[1], scan_combine(*p, a[0], b[0]), a[0]), a[1] || b[1]};
      },
      [identity](const std::vector<DataType>&) { return std::vector<Expr>{identity, ir::make_bool(false)}; },
      "scan_block");
  std::vector<Expr> part_shape(shape.begin(), shape.end() - 1);
  part_shape.push_back(floordiv(len + (lanes - 1), lanes));
  part_shape.push_back(Expr(lanes));
  te::Tensor part = te::compute_multi(
      part_shape,
      [&](const std::vector<ir::Var>& idx) {
        std::vector<Expr> row(idx.begin(), idx.end() - 2);
        const Expr b = idx[idx.size() - 2], j = idx.back();
        ir::IterVar k = te::reduce_axis(0, Expr(lanes + 1), "k");  // term 0: the carry
        std::vector<Expr> at_carry = row, at_x = row;
        at_carry.push_back(ir::max(b * lanes - 1, 0));
        at_x.push_back(ir::min(b * lanes + k->var - 1, len - 1));  // in bounds for every lane
        Expr carry = ir::select(b == 0, identity, prev(at_carry));
        Expr value = ir::select(k->var == 0, carry, ir::cast(t, x(at_x)));
        return in_order({value, k->var - 1 <= j}, {k});
      },
      "part")[0];
  te::Tensor out = te::compute(
      shape,
      [&](const std::vector<ir::Var>& idx) {
        std::vector<Expr> at(idx.begin(), idx.end() - 1);
        at.push_back(floordiv(idx.back(), lanes));
        at.push_back(floormod(idx.back(), lanes));
        return part(at);
      },
      "out");
  schedule::Schedule s = schedule::create_schedule({out});
  schedule::Stage os = s[out];
  std::vector<ir::IterVar> kept(os.axis().begin(), os.axis().end() - 1);
  auto [io, ii] = os.split(os.axis().back(), lanes);
  ir::IterVar rows;  // the interleaved rows: the inner part of the last kept axis
  if (!kept.empty()) {
    auto [ro, ri] = os.split(kept.back(), kBlockedRows);
    kept.back() = ro;
    rows = ri;
  }
  std::vector<ir::IterVar> order = kept;
  order.push_back(io);
  if (rows) order.push_back(rows);
  order.push_back(ii);
  os.reorder(order).vectorize(ii);
  if (!kept.empty()) os.parallel(kept.size() > 1 ? os.fuse(kept) : kept[0]);
  schedule::Stage ps = s[part];
  ps.compute_at(os, io).set_scope("local");
  const std::vector<ir::IterVar> pa = ps.axis();  // kept..., block, lane
  const ir::IterVar k = ps.reduce_axis()[0];
  // (kept..., block, k, last kept (the interleaved rows), lane): the rows' steps alternate.
  // Wide blocks (16-bit and 8-bit results) keep a loop over the rows instead, which the
  // core still overlaps, at a quarter of the code and compile time.
  const bool unroll_rows = kept_rank > 0 && lanes <= kUnrolledRowLanes;
  std::vector<ir::IterVar> porder(pa.begin(), pa.begin() + std::max(kept_rank - 1, 0));
  porder.push_back(pa[kept_rank]);
  if (kept_rank > 0 && !unroll_rows) porder.push_back(pa[kept_rank - 1]);
  porder.push_back(k);
  if (unroll_rows) porder.push_back(pa[kept_rank - 1]);
  porder.push_back(pa.back());
  ps.reorder(porder).vectorize(pa.back()).unroll(k);
  if (unroll_rows) ps.unroll(pa[kept_rank - 1]);
  return Generated{s, {x, prev, out}};
}

Generated generate_scan(const ScanInfo& info, const Variant& v) {
  if (v.attrs.size() != 2)
    throw OpError(OpError::Kind::Value, std::string(info.name) + ": runs through ops::cumulative");
  const int kept_rank = static_cast<int>(v.attrs[0]);
  const auto mode = static_cast<ScanMode>(v.attrs[1]);
  if (mode == ScanMode::Blocked) return generate_blocked_scan(info, v);
  const DataType t = v.sig.outputs[0];
  auto [shape, len, x, prev] = scan_operands(v);
  te::Tensor out = te::compute(
      shape,
      [&](const std::vector<ir::Var>& idx) {
        std::vector<Expr> here(idx.begin(), idx.end()), before = here;
        ir::Var i = idx.back();
        before.back() = ir::max(i - 1, 0);
        Expr elem = ir::cast(t, x(here));
        Expr acc = ir::select(i == 0, scan_identity(info, t), prev(before));
        return scan_combine(info, acc, elem);
      },
      "out");
  schedule::Schedule s = schedule::create_schedule({out});
  schedule::Stage st = s[out];
  std::vector<ir::IterVar> kept(st.axis().begin(), st.axis().end() - 1);
  ir::IterVar scan = st.axis().back();
  if (!kept.empty()) {
    ir::IterVar lane;
    ir::IterVar vecs;
    if (mode == ScanMode::Vector) {
      auto [ko, kb] = st.split(kept.back(), kColumnBlock);
      auto [kv, kl] = st.split(kb, scan_lanes(t));
      kept.back() = ko;
      vecs = kv;
      lane = kl;
    }
    ir::IterVar outer = kept.size() > 1 ? st.fuse(kept) : kept[0];
    if (lane) st.reorder({outer, scan, vecs, lane}).vectorize(lane);
    st.parallel(outer);
  }
  return Generated{s, {x, prev, out}};
}

const OpDef& scan_opdef(const ScanInfo& info) {
  static const std::vector<const OpDef*> defs = [] {
    std::vector<const OpDef*> out;
    for (const ScanInfo& s : kScans) {
      OpDef def;
      def.name = s.name;
      def.num_inputs = 1;
      def.auto_broadcast = false;
      def.type_rule = [](const std::vector<DataType>& in) -> std::optional<Signature> {
        if (in.size() != 1) return std::nullopt;
        DataType t = scan_default(in[0]);
        return Signature{{in[0]}, {t}, {t}};
      };
      const ScanInfo* p = &s;
      def.generate = [p](const Variant& v) { return generate_scan(*p, v); };
      for (DataType t : all_types()) def.aot_input_dtypes.push_back({t});
      // Ahead of time: 1-D scans, and scans of 2-D and 3-D compact inputs along the last
      // axis (Blocked) or an outer one (Vector).
      def.aot_variants = [](const Signature& sig) {
        std::vector<Variant> vs;
        for (auto [kept, mode] : {std::pair{0, ScanMode::Blocked}, {1, ScanMode::Blocked}, {1, ScanMode::Vector},
                                  {2, ScanMode::Blocked}, {2, ScanMode::Vector}})
          vs.push_back(Variant{sig, kept + 1, Layout::Strided, "llvm", {kept, static_cast<int64_t>(mode)}});
        return vs;
      };
      def.valid = [](const Variant& v) { return v.attrs.size() == 2; };
      out.push_back(&defop(std::move(def)));
    }
    return out;
  }();
  return *defs.at(static_cast<size_t>(&info - kScans));
}

// Also registers when the library loads, so list_ops shows the operator without a call.
[[maybe_unused]] const bool kRegisteredAtLoad = (scan_opdef(kScans[0]), true);

struct ScanCall {
  DataType in, out;
  int axis;     // in the (at least 1-d) input
  bool zero_d;  // the input is 0-d, viewed as shape (1,)
  std::vector<int64_t> shape;
};

ScanCall plan(const ScanInfo& info, const DLTensor* x, std::optional<int> axis, std::optional<DataType> dtype,
              bool include_initial) {
  ScanCall c;
  c.in = reduction_detail::checked_dtype(info.name, x, "input");
  if (dtype && (dtype->lanes != 1 || dtype->is_handle() || dtype->code == ir::TypeCode::Complex))
    fail(OpError::Kind::Type, info.name, "unsupported dtype " + dtype->str());
  c.out = dtype.value_or(scan_default(c.in));
  c.zero_d = x->ndim == 0;
  c.shape = c.zero_d ? std::vector<int64_t>{1} : reduction_detail::shape_of(x);
  const int nd = static_cast<int>(c.shape.size());
  if (!axis && nd > 1)
    fail(OpError::Kind::Value, info.name, "axis must be given for arrays of more than one dimension");
  c.axis = reduction_detail::normalize_axis(info.name, axis.value_or(0), nd);
  if (include_initial) c.shape[c.axis] += 1;
  return c;
}

// Writes the identity (0 or 1 of dtype t) at every element of `dst`.
void fill_identity(DLTensor* dst, DataType t, bool one) {
  uint64_t bits = 0;
  if (one) {
    if (t.is_float16())
      bits = 0x3C00;
    else if (t.is_bfloat16())
      bits = 0x3F80;
    else if (t == DataType::Float(32)) {
      float f = 1.0f;
      std::memcpy(&bits, &f, 4);
    } else if (t == DataType::Float(64)) {
      double d = 1.0;
      std::memcpy(&bits, &d, 8);
    } else {
      bits = 1;
    }
  }
  reduction_detail::Scratch one_value(std::vector<int64_t>{}, t);
  std::memcpy(one_value.storage.data(), &bits, static_cast<size_t>(t.bytes()));
  // Broadcast the single value: a view of it with every stride 0.
  reduction_detail::View src;
  src.data = one_value.dl.data;
  src.dtype = dst->dtype;
  src.shape = reduction_detail::shape_of(dst);
  src.strides.assign(src.shape.size(), 0);
  reduction_detail::copy_elements(src.get(), dst);
}

void run_scan(const ScanInfo& info, const ScanCall& c, const DLTensor* x, DLTensor* out, bool include_initial) {
  reduction_detail::View xv = reduction_detail::view_of(x), ov = reduction_detail::view_of(out);
  if (c.zero_d) {
    xv.shape = {1};
    xv.strides = {1};
  }
  const int64_t out_bytes = c.out.bytes();
  if (include_initial) {
    reduction_detail::View first = ov;
    first.shape[c.axis] = 1;
    fill_identity(first.get(), c.out, !info.is_sum);
    ov.byte_offset += static_cast<uint64_t>(ov.strides[c.axis] * out_bytes);
    ov.shape[c.axis] -= 1;
  }
  if (reduction_detail::numel(ov.shape) == 0) return;
  // Kernel view: kept axes (size 1 dropped, contiguous neighbours merged), scan axis last.
  struct Dim {
    int64_t extent, xs, os;
  };
  std::vector<Dim> kept;
  for (size_t d = 0; d < xv.shape.size(); ++d) {
    if (static_cast<int>(d) == c.axis || xv.shape[d] == 1) continue;
    Dim dim{xv.shape[d], xv.strides[d], ov.strides[d]};
    if (!kept.empty() && kept.back().xs == dim.xs * dim.extent && kept.back().os == dim.os * dim.extent) {
      kept.back() = {kept.back().extent * dim.extent, dim.xs, dim.os};
    } else {
      kept.push_back(dim);
    }
  }
  reduction_detail::View kx = xv, ko = ov;
  kx.shape.clear();
  kx.strides.clear();
  ko.shape.clear();
  ko.strides.clear();
  for (const Dim& d : kept) {
    kx.shape.push_back(d.extent);
    kx.strides.push_back(d.xs);
    ko.shape.push_back(d.extent);
    ko.strides.push_back(d.os);
  }
  kx.shape.push_back(xv.shape[c.axis]);
  kx.strides.push_back(xv.strides[c.axis]);
  ko.shape.push_back(ov.shape[c.axis]);
  ko.strides.push_back(ov.strides[c.axis]);
  ScanMode mode = !kept.empty() && kept.back().xs == 1 && kept.back().extent >= scan_lanes(c.out) ? ScanMode::Vector
                                                                                                  : ScanMode::Blocked;
  Variant v{Signature{{c.in}, {c.out}, {c.out}},
            static_cast<int>(kept.size()) + 1,
            Layout::Strided,
            "llvm",
            {static_cast<int64_t>(kept.size()), static_cast<int64_t>(mode)}};
  const Kernel& k = detail::kernel_for(scan_opdef(info), v);
  reduction_detail::View prev = ko;
  reduction_detail::run_kernel(k, {kx.get(), prev.get(), ko.get()});
}

}  // namespace

OutputPlan plan_cumulative(const std::string& op, const DLTensor* x, std::optional<int> axis,
                           std::optional<DataType> dtype, bool include_initial) {
  ScanCall c = plan(lookup(op), x, axis, dtype, include_initial);
  return {c.shape, c.out};
}

void cumulative(const std::string& op, const DLTensor* x, std::optional<int> axis, std::optional<DataType> dtype,
                bool include_initial, DLTensor* out) {
  const ScanInfo& info = lookup(op);
  ScanCall c = plan(info, x, axis, dtype, include_initial);
  reduction_detail::check_output(op, out, c.shape, c.out);
  if (reduction_detail::numel(c.shape) == 0) return;
  if (reduction_detail::may_overlap(x, out)) {
    reduction_detail::Scratch tmp(c.shape, c.out);
    run_scan(info, c, x, &tmp.dl, include_initial);
    reduction_detail::copy_elements(&tmp.dl, out);
    return;
  }
  run_scan(info, c, x, out, include_initial);
}

namespace reduction_detail {
void register_scans() { scan_opdef(kScans[0]); }
}  // namespace reduction_detail

}  // namespace tessera::ops
