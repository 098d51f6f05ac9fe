// Schedules of reduction kernels (see VecMode in reduction_internal.h).
//
// With kept axes, the output stage's kept loops are fused into one parallel loop and each
// accumulator stage is computed at it in local memory, so accumulators stay in registers:
//  - Inner: the last reduced axis is split into vector lanes that rfactor turns into a
//    local vector of partial results, summed once per output element.
//  - Outer: the last kept axis is split into blocks of vectors; the reduction loops run
//    outside the block, so every step loads a contiguous run of input and updates local
//    accumulators.
//  - OuterRows: see VecMode; for sum(axis=0) of a tall matrix, as NumPy walks it, with
//    groups of rows, one from each band of a block, added into each vector of partials
//    while it is in registers.
//    OuterRowByRow adds one row at a time, for rows short enough (see choose_mode).
// With nothing kept (a full reduction), partial results of blocks are computed in parallel
// (rfactor over the outer reduced axis), each with vector lanes when the inner reduced
// axis is contiguous, then combined in order.
// Two operators bring their own stages (reduction_defs.cpp): argmin/argmax by lanes
// (schedule_lane_fold) and count_nonzero of bytes (schedule_byte_count).
#include "ops/reduction_internal.h"

namespace tessera::ops::reduction_detail {
namespace {

using schedule::Schedule;
using schedule::Stage;
using te::Tensor;

constexpr int64_t kBlockElements = 16384;  // per parallel task of a 1-D full reduction
constexpr int64_t kParts = 64;             // parallel tasks of a multi-axis full reduction
constexpr int64_t kRowParts = 16;          // parallel blocks of rows of an OuterRows reduction
constexpr int64_t kRowGroup = 8;           // rows an OuterRows step adds into one vector of partials
// Kept elements per task of an Outer reduction: each step of the reduction loop reads a
// contiguous run of this many elements (whole cache lines, one page) into local accumulators.
constexpr int64_t kColumnBlock = 1024;
// Lanes left after the vector steps of an Inner merge (see schedule_reduction).
constexpr int64_t kMergeLanes = 8;
constexpr int kTailLanes = 64;  // byte lanes of the tail of a count_nonzero of bytes

std::vector<ir::IterVar> concat(std::vector<ir::IterVar> a, const std::vector<ir::IterVar>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// Vector partials along the last reduced axis: returns the partial stage, whose loops are
// (kept..., reduced..., lanes) with the lanes vectorized.
Tensor vector_partials(Schedule& s, const Tensor& t, int lanes) {
  Stage st = s[t];
  auto [ro, ri] = st.split(st.reduce_axis().back(), lanes);
  Tensor rf = s.rfactor(t, ri);  // rf[lane, kept...] reduces (reduced..., ro)
  Stage rs = s[rf];
  std::vector<ir::IterVar> kept(rs.axis().begin() + 1, rs.axis().end());
  rs.reorder(concat(concat(kept, rs.reduce_axis()), {rs.axis()[0]}));
  rs.vectorize(rs.axis()[0]);
  return rf;
}

// base: axes (lane?, 0), reduce (r0, ...): r0 split into parallel blocks, whose results
// are combined in order.
void schedule_blocks(Schedule& s, const Tensor& base, int reduced_rank, bool with_lanes, int lanes) {
  Stage bs = s[base];
  ir::IterVar first = bs.reduce_axis()[0];
  int64_t block = with_lanes ? kBlockElements / lanes : kBlockElements;
  auto [po, pi] = reduced_rank == 1 ? bs.split(first, block) : bs.split_nparts(first, kParts);
  (void)pi;
  Tensor blocks = s.rfactor(base, po);  // blocks[po, (lane,) 0] reduces (pi, ...)
  Stage ps = s[blocks];
  const auto& ax = ps.axis();
  std::vector<ir::IterVar> order = {ax[0], ax.back()};
  order = concat(order, ps.reduce_axis());
  if (with_lanes) order.push_back(ax[1]);
  ps.reorder(order).parallel(ax[0]);
  if (with_lanes) ps.vectorize(ax[1]);
}

void schedule_full(Schedule& s, const Tensor& t, int reduced_rank, VecMode mode, int lanes) {
  Tensor base = mode == VecMode::Inner ? vector_partials(s, t, lanes) : t;
  schedule_blocks(s, base, reduced_rank, mode == VecMode::Inner, lanes);
}

// OuterRows: stage t reduces, per kept element, kRowParts partial results computed in
// parallel over blocks of the first reduced axis, `group` rows per step (1 or kRowGroup);
// every stage is a root stage.
void schedule_row_partials(Schedule& s, const Tensor& t, int kept_rank, int lanes, int64_t group) {
  Stage st = s[t];
  auto [ro, ri] = st.split_nparts(st.reduce_axis()[0], kRowParts);
  (void)ri;
  Tensor rf = s.rfactor(t, ro);  // rf[part, kept...] reduces (ri, r1, ...)
  Stage rs = s[rf];
  std::vector<ir::IterVar> ax = rs.axis();
  auto [kv, kl] = rs.split(ax.back(), lanes);
  // A group of rows at a time per vector of partials: the partials are loaded and stored
  // once per group, so a row of partials wider than L1 costs a fraction of the input's
  // traffic. The group's rows are one from each of `group` bands of the block (row
  // k * band + j for k in the group), not `group` adjacent rows: each row then continues the
  // one its stream read last, so the hardware prefetcher's run past the end of a row fetches
  // the stream's next row instead of a row read long before. With adjacent rows it fetched
  // again, from DRAM, the start of the next row of every stream; sum(axis=0) of a 4096 x 4096
  // float32 matrix read at 76-83% of the copy bandwidth, and with bands at 87-99%, as fast as
  // a full sum (bench/results/2026-11-25-vm-s11-notes.md).
  std::vector<ir::IterVar> reduce = rs.reduce_axis();
  std::vector<ir::IterVar> order = {ax[0]};
  order.insert(order.end(), ax.begin() + 1, ax.end() - 1);
  if (group == 1) {
    order = concat(concat(order, reduce), {kv, kl});
    rs.reorder(order).parallel(ax[0]).vectorize(kl);
  } else {
    auto [rr, rg] = rs.split_nparts(reduce[0], group);
    order.push_back(rg);
    order.insert(order.end(), reduce.begin() + 1, reduce.end());
    order = concat(order, {kv, rr, kl});
    rs.reorder(order).parallel(ax[0]).unroll(rr).vectorize(kl);
  }
  // The partials, added up: vectors across the last kept axis, the parts inside.
  Stage fs = s[t];
  std::vector<ir::IterVar> kept = fs.axis();
  auto [cv, cl] = fs.split(kept.back(), lanes);
  kept.back() = cv;
  fs.reorder(concat(concat(kept, fs.reduce_axis()), {cl}));
  fs.parallel(kept_rank > 1 ? fs.fuse(kept) : cv).vectorize(cl);
}

}  // namespace

void schedule_reduction(Schedule& s, const std::vector<Tensor>& reductions, const Tensor& out, int kept_rank,
                        int reduced_rank, VecMode mode, int lanes) {
  if (kept_rank == 0) {
    for (const Tensor& t : reductions) schedule_full(s, t, reduced_rank, mode, lanes);
    return;
  }
  Stage os = s[out];
  std::vector<ir::IterVar> kept = os.axis();
  if (mode == VecMode::OuterRows || mode == VecMode::OuterRowByRow) {
    const int64_t group = mode == VecMode::OuterRows ? kRowGroup : 1;
    for (const Tensor& t : reductions) schedule_row_partials(s, t, kept_rank, lanes, group);
    auto [jv, jl] = os.split(kept.back(), lanes);
    kept.back() = jv;
    os.parallel(kept_rank > 1 ? os.fuse(kept) : jv).vectorize(jl);
    return;
  }
  ir::IterVar vec;
  if (mode == VecMode::Outer) {
    auto [jo, jb] = os.split(kept.back(), kColumnBlock);
    auto [jv, jl] = os.split(jb, lanes);
    kept.back() = jo;
    vec = jl;
  }
  ir::IterVar outer = kept.size() > 1 ? os.fuse(kept) : kept[0];
  os.parallel(outer);
  if (vec) os.vectorize(vec);
  // Each stage is computed inside the loop nest of its reader (the last one inside the
  // output's, earlier ones, read by later ones, inside those), at the innermost kept loop
  // that encloses the reader's reduction loops.
  Stage anchor = os;
  ir::IterVar anchor_axis = outer;
  for (auto it = reductions.rbegin(); it != reductions.rend(); ++it) {
    Tensor partials = mode == VecMode::Inner ? vector_partials(s, *it, lanes) : Tensor();
    Stage st = s[*it];
    st.compute_at(anchor, anchor_axis).set_scope("local");
    anchor = st;
    anchor_axis = st.axis().back();
    if (partials.defined()) {  // the partials stage is the one that reads the input
      // The lanes fold into kMergeLanes lanes with vector steps before the last scalar ones.
      auto [lo, li] = st.split(st.reduce_axis()[0], kMergeLanes);
      (void)lo;
      Tensor merged = s.rfactor(*it, li);  // merged[li, kept...] reduces lo
      Stage ms = s[merged];
      ms.compute_at(st, st.axis().back()).set_scope("local");
      std::vector<ir::IterVar> order(ms.axis().begin() + 1, ms.axis().end());
      order = concat(concat(order, ms.reduce_axis()), {ms.axis()[0]});
      ms.reorder(order).vectorize(ms.axis()[0]);
      Stage ps = s[partials];
      ps.compute_at(ms, ms.axis().back()).set_scope("local");
      anchor = ps;
      anchor_axis = ps.axis().back();
    }
    if (mode == VecMode::Outer) {
      auto [ko, kb] = st.split(st.axis().back(), kColumnBlock);  // ko: one iteration
      auto [kv, kl] = st.split(kb, lanes);
      std::vector<ir::IterVar> order(st.axis().begin(), st.axis().end() - 1);
      order.push_back(ko);
      order = concat(concat(order, st.reduce_axis()), {kv, kl});
      st.reorder(order).vectorize(kl);
      anchor_axis = ko;
    }
  }
}

void schedule_lane_fold(Schedule& s, const Tensor& part, const std::vector<Tensor>& finals, const Tensor& out,
                        int kept_rank) {
  const int lanes = static_cast<int>(*ir::as_const_int(part.shape()[0]));
  if (kept_rank == 0) {  // part[lane, 0]: parallel blocks of its fold; the rest is scalar
    schedule_blocks(s, part, 1, true, lanes);
    return;
  }
  Stage os = s[out];
  std::vector<ir::IterVar> kept = os.axis();
  ir::IterVar outer = kept.size() > 1 ? os.fuse(kept) : kept[0];
  os.parallel(outer);
  for (const Tensor& t : finals) s[t].compute_at(os, outer).set_scope("local");
  Stage ps = s[part];  // read by every stage that merges lanes
  ps.compute_at(os, outer).set_scope("local");
  std::vector<ir::IterVar> order(ps.axis().begin() + 1, ps.axis().end());
  order = concat(concat(order, ps.reduce_axis()), {ps.axis()[0]});
  ps.reorder(order).vectorize(ps.axis()[0]);
}

void schedule_byte_count(Schedule& s, const Tensor& counts, const Tensor& blocks, const Tensor& tail) {
  Stage bs = s[blocks];
  bs.parallel(bs.axis()[0]);
  Stage cs = s[counts];
  cs.compute_at(bs, bs.axis()[0]).set_scope("local");
  cs.reorder({cs.axis()[0], cs.reduce_axis()[0], cs.axis()[1]}).vectorize(cs.axis()[1]);
  vector_partials(s, tail, kTailLanes);
}

}  // namespace tessera::ops::reduction_detail
