// cumulative_sum and cumulative_prod (Array API), with NumPy's accumulate semantics.
//
// NumPy adds in the result dtype, one element after the other, rounding every partial
// result; a tensor expression cannot name its own previous element, so the kernel reads
// it through a placeholder `prev` that lowering binds to the output's storage
// (lower::ReadBack, the state of a recurrence):
//   out[k..., i] = (i == 0 ? identity : prev[k..., i - 1]) (+) x[k..., i]
// with the scan loop serial and ascending, so every read of prev sees the store of the
// previous step. The kept axes run in parallel. Three schedules:
//
// Rows (a 1-d scan, or along the last axis where Lanes does not fit): kCarriedRows rows
// interleaved and unrolled inside the scan loop. Lowering's register carry
// (src/lower/carry_read_back.h) sees that each row reads back the value it stored one step
// before and keeps it in a register, so a step is a load, an add and a store per row, and
// the rows' independent chains overlap: about 1 cycle per element on Zen 4 (four chains
// over a 3-4 cycle add), one add latency per element for a single row.
//
// Vector (along an outer axis, the last kept axis contiguous): every step adds a
// contiguous block of the row to the previous one, in vectors.
//
// Lanes (along a contiguous last axis, at least kLaneRows rows and columns): rows in vector
// lanes. The running values of L = kLaneRows rows form one vector in a register (the
// register carry follows the vectorized rows), and lowering's transpose_lane_tiles turns
// each L x L tile into L contiguous row loads, a transpose in registers, L vector adds in
// NumPy's order, a transpose back and L contiguous stores, which stream when the output is
// large. Rows that do not fill a vector go to a Rows call of their own.
//
// include_initial writes the identity into the first slot and scans into the rest.
//
// Rounding: bit-identical to NumPy, deliberately (decided 2026-11-24). A log-step
// (Hillis-Steele) prefix in registers plus a carry would be more accurate than the
// sequential sum, but users compare cumulative sums with NumPy's exactly (test suites,
// searchsorted over cumulative weights, bin edges), and those who need accuracy ask for
// float64. This replaced a Blocked mode (a masked vector step per term, lane j folding
// terms 0..j of a block; about 2 cycles per element, 1.2 ns for a 1-d float32 scan where
// Rows takes 0.84). Lanes keeps the order too: each lane is one row, added element after
// element.
// Stores: the Rows stores are scalar (streaming needs whole vectors), and Vector reads the
// previous row back from the output, which must not sit in a write-combining buffer, so
// both stay normal; the Lanes stores may stream (Stage::stream_stores): transpose_lane_tiles
// starts the tiles at a multiple of 4 columns, so that their stores are aligned
// (bench/results/2026-11-24-vm-s9-notes.md, section 3, measures what streaming gives).
#include <cstring>

#include "ops/kernel_cache.h"
#include "ops/reduction_internal.h"
#include "tessera/ir/op.h"
#include "tessera/ops/reduction.h"

namespace tessera::ops {
namespace {

using reduction_detail::fail;

// Rows: along the last axis, one element per step, the running value in a register;
// Vector: along an outer axis, in vectors; Lanes: along the last axis, rows in vector lanes.
// (2 was Blocked, by blocks of vector lanes.)
enum class ScanMode : int64_t { Rows = 0, Vector = 1, Lanes = 3 };

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

// Rows of a Rows scan interleaved in one step: four chains cover the latency of a float
// add (3-4 cycles); more rows, at a large power-of-two row stride, put more streams in one
// L1 set than it has ways (8 rows of a 4096-wide float32 matrix ran 10x slower in C).
constexpr int64_t kCarriedRows = 4;
// Rows per vector of a Lanes scan, whatever the type: four, as Rows interleaves. A whole
// 32- or 64-byte vector of float32 rows (8 or 16) ran at 54-76% of copy bandwidth on a
// 4096-wide matrix against 82-85% for four (more row streams at once, and Zen 4 runs 512-bit
// shuffles at half rate); four also took the least time in cache (0.16 ns per float32
// element, 0.28 per float64, against 0.29 and 0.41 for Rows).
constexpr int64_t kLaneRows = 4;

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

// attrs: the number of kept dimensions, then the ScanMode.
bool valid_scan(const Variant& v) {
  return v.attrs.size() == 2 && v.attrs[0] >= 0 && v.attrs[0] + 1 == v.ndim &&
         (v.attrs[1] == static_cast<int64_t>(ScanMode::Rows) || v.attrs[1] == static_cast<int64_t>(ScanMode::Vector) ||
          (v.attrs[1] == static_cast<int64_t>(ScanMode::Lanes) && v.attrs[0] >= 1));
}

Generated generate_scan(const ScanInfo& info, const Variant& v) {
  if (!valid_scan(v))
    throw OpError(OpError::Kind::Value, std::string(info.name) + ": runs through ops::cumulative");
  const int kept_rank = static_cast<int>(v.attrs[0]);
  const auto mode = static_cast<ScanMode>(v.attrs[1]);
  const DataType t = v.sig.outputs[0];
  // x: the kept dimensions, then the scanned one; prev: the output, read back one step
  // behind.
  std::vector<Expr> shape;
  for (int d = 0; d < kept_rank; ++d) shape.push_back(te::size_var("n" + std::to_string(d)));
  shape.push_back(te::size_var("len"));
  te::Tensor x = te::placeholder(shape, v.sig.inputs[0], "x");
  te::Tensor prev = te::placeholder(shape, v.sig.outputs[0], "prev");
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
    if (mode == ScanMode::Vector) {
      auto [ko, kb] = st.split(kept.back(), kColumnBlock);
      auto [kv, kl] = st.split(kb, scan_lanes(t));
      kept.back() = ko;
      ir::IterVar outer = kept.size() > 1 ? st.fuse(kept) : kept[0];
      st.reorder({outer, scan, kv, kl}).vectorize(kl).parallel(outer);
    } else {
      // Rows: the interleaved rows innermost and unrolled, so that lowering keeps each
      // row's running value in a register (read back from the previous step); Lanes: the
      // rows vectorized instead (see the file comment).
      const bool lanes = mode == ScanMode::Lanes;
      auto [ro, ri] = st.split(kept.back(), lanes ? kLaneRows : kCarriedRows);
      kept.back() = ro;
      ir::IterVar outer = kept.size() > 1 ? st.fuse(kept) : kept[0];
      st.reorder({outer, scan, ri}).parallel(outer);
      if (lanes) st.vectorize(ri).stream_stores();
      else st.unroll(ri);
    }
  }
  return Generated{s, {x, out, lower::ReadBack{prev, out}}};
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
      // Ahead of time: 1-D scans, and scans of 2-D and 3-D inputs along the last axis
      // (Rows, Lanes) or an outer one (Vector).
      def.aot_variants = [](const Signature& sig) {
        std::vector<Variant> vs;
        for (auto [kept, mode] : {std::pair{0, ScanMode::Rows}, {1, ScanMode::Rows}, {1, ScanMode::Vector},
                                  {1, ScanMode::Lanes}, {2, ScanMode::Rows}, {2, ScanMode::Vector},
                                  {2, ScanMode::Lanes}})
          vs.push_back(Variant{sig, kept + 1, Layout::Strided, "llvm", {kept, static_cast<int64_t>(mode)}});
        return vs;
      };
      def.valid = valid_scan;
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
  auto run = [&](ScanMode mode, reduction_detail::View vx, reduction_detail::View vo) {
    Variant v{Signature{{c.in}, {c.out}, {c.out}},
              static_cast<int>(kept.size()) + 1,
              Layout::Strided,
              "llvm",
              {static_cast<int64_t>(kept.size()), static_cast<int64_t>(mode)}};
    const Kernel& k = detail::kernel_for(scan_opdef(info), v);
    reduction_detail::run_kernel(k, {vx.get(), vo.get()});
  };
  if (!kept.empty() && kept.back().xs == 1 && kept.back().extent >= scan_lanes(c.out)) return run(ScanMode::Vector, kx, ko);
  const int64_t lanes = kLaneRows;
  // Lanes: the scan axis contiguous in both, at least a vector of rows and of columns. Rows
  // past the last whole vector (of one kept dimension) take a Rows call.
  const int64_t rows = kept.empty() ? 0 : kept.back().extent, whole = rows / lanes * lanes;
  const bool lanes_fit = whole > 0 && (kept.size() == 1 || whole == rows) && kx.strides.back() == 1 &&
                         ko.strides.back() == 1 && kx.shape.back() >= lanes;
  if (!lanes_fit) return run(ScanMode::Rows, kx, ko);
  if (whole == rows) return run(ScanMode::Lanes, kx, ko);
  reduction_detail::View head_x = kx, head_o = ko, tail_x = kx, tail_o = ko;  // one kept dimension
  head_x.shape[0] = head_o.shape[0] = whole;
  tail_x.shape[0] = tail_o.shape[0] = rows - whole;
  tail_x.byte_offset += static_cast<uint64_t>(whole * kx.strides[0] * c.in.bytes());
  tail_o.byte_offset += static_cast<uint64_t>(whole * ko.strides[0] * out_bytes);
  run(ScanMode::Lanes, head_x, head_o);
  run(ScanMode::Rows, tail_x, tail_o);
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
