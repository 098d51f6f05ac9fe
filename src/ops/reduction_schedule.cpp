// Schedules of reduction kernels (see VecMode in reduction_internal.h).
//
// With kept axes, the output stage's kept loops are fused into one parallel loop and each
// accumulator stage is computed at it in local memory, so accumulators stay in registers:
//  - Inner: the last reduced axis is split into vector lanes that rfactor turns into a
//    local vector of partial results, summed once per output element.
//  - Outer: the last kept axis is split into blocks of vectors; the reduction loops run
//    outside the block, so every step loads a contiguous run of input and updates local
//    accumulators.
//  - OuterRows: see VecMode; for sum(axis=0) of a tall matrix, as NumPy walks it.
// With nothing kept (a full reduction), partial results of blocks are computed in parallel
// (rfactor over the outer reduced axis), each with vector lanes when the inner reduced
// axis is contiguous, then combined in order.
#include "ops/reduction_internal.h"

namespace tessera::ops::reduction_detail {
namespace {

using schedule::Schedule;
using schedule::Stage;
using te::Tensor;

constexpr int64_t kBlockElements = 16384;  // per parallel task of a 1-D full reduction
constexpr int64_t kParts = 64;             // parallel tasks of a multi-axis full reduction
constexpr int64_t kRowParts = 16;          // parallel blocks of rows of an OuterRows reduction
// Kept elements per task of an Outer reduction: each step of the reduction loop reads a
// contiguous run of this many elements (whole cache lines, one page) into local accumulators.
constexpr int64_t kColumnBlock = 1024;

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

void schedule_full(Schedule& s, const Tensor& t, int reduced_rank, VecMode mode, int lanes) {
  Tensor base = t;
  if (mode == VecMode::Inner) base = vector_partials(s, t, lanes);
  Stage bs = s[base];
  // base: axes (lane?, 0), reduce (r0, ...): split r0 into parallel blocks.
  ir::IterVar first = bs.reduce_axis()[0];
  int64_t block = mode == VecMode::Inner ? kBlockElements / lanes : kBlockElements;
  auto [po, pi] = reduced_rank == 1 ? bs.split(first, block) : bs.split_nparts(first, kParts);
  (void)pi;
  Tensor blocks = s.rfactor(base, po);  // blocks[po, (lane,) 0] reduces (pi, ...)
  Stage ps = s[blocks];
  const auto& ax = ps.axis();
  std::vector<ir::IterVar> order = {ax[0], ax.back()};
  order = concat(order, ps.reduce_axis());
  if (mode == VecMode::Inner) order.push_back(ax[1]);
  ps.reorder(order).parallel(ax[0]);
  if (mode == VecMode::Inner) ps.vectorize(ax[1]);
}

// OuterRows: stage t reduces, per kept element, kRowParts partial results computed in
// parallel over blocks of the first reduced axis; every stage is a root stage.
void schedule_row_partials(Schedule& s, const Tensor& t, int kept_rank, int lanes) {
  Stage st = s[t];
  auto [ro, ri] = st.split_nparts(st.reduce_axis()[0], kRowParts);
  (void)ri;
  Tensor rf = s.rfactor(t, ro);  // rf[part, kept...] reduces (ri, r1, ...)
  Stage rs = s[rf];
  std::vector<ir::IterVar> ax = rs.axis();
  auto [kv, kl] = rs.split(ax.back(), lanes);
  std::vector<ir::IterVar> order = {ax[0]};
  order.insert(order.end(), ax.begin() + 1, ax.end() - 1);
  order = concat(concat(order, rs.reduce_axis()), {kv, kl});
  rs.reorder(order).parallel(ax[0]).vectorize(kl);
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
  if (mode == VecMode::OuterRows) {
    for (const Tensor& t : reductions) schedule_row_partials(s, t, kept_rank, lanes);
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
      Stage ps = s[partials];
      ps.compute_at(st, st.axis().back()).set_scope("local");
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

}  // namespace tessera::ops::reduction_detail
