// Schedules of reduction kernels (see VecMode in reduction_internal.h).
//
// With kept axes, the output stage's kept loops are fused into one parallel loop and each
// accumulator stage is computed at it in local memory, so accumulators stay in registers:
//  - Inner: the last reduced axis is split into vector lanes that rfactor turns into a
//    local vector of partial results, summed once per output element.
//  - Outer: the last kept axis is split into vectors; the reduction loops run outside the
//    vector, so every step loads contiguous input and updates a vector of accumulators.
// With nothing kept (a full reduction), partial results of blocks are computed in parallel
// (rfactor over the outer reduced axis), each with vector lanes when the inner reduced
// axis is contiguous, then combined in order.
#include "ops/reduction_internal.h"

namespace tessera::ops::detail {
namespace {

using schedule::Schedule;
using schedule::Stage;
using te::Tensor;

constexpr int64_t kBlockElements = 16384;  // per parallel task of a 1-D full reduction
constexpr int64_t kParts = 64;             // parallel tasks of a multi-axis full reduction

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

}  // namespace

void schedule_reduction(Schedule& s, const std::vector<Tensor>& reductions, const Tensor& out, int kept_rank,
                        int reduced_rank, VecMode mode, int lanes) {
  if (kept_rank == 0) {
    for (const Tensor& t : reductions) schedule_full(s, t, reduced_rank, mode, lanes);
    return;
  }
  Stage os = s[out];
  std::vector<ir::IterVar> kept = os.axis();
  ir::IterVar vec;
  if (mode == VecMode::Outer) {
    auto [jo, ji] = os.split(kept.back(), lanes);
    kept.back() = jo;
    vec = ji;
  }
  ir::IterVar outer = kept.size() > 1 ? os.fuse(kept) : kept[0];
  os.parallel(outer);
  if (vec) os.vectorize(vec);
  for (const Tensor& t : reductions) {
    Tensor partials = mode == VecMode::Inner ? vector_partials(s, t, lanes) : Tensor();
    Stage st = s[t];
    st.compute_at(os, outer).set_scope("local");
    if (partials.defined()) s[partials].compute_at(st, st.axis().back()).set_scope("local");
    if (mode == VecMode::Outer) {
      std::vector<ir::IterVar> order(st.axis().begin(), st.axis().end() - 1);
      order = concat(concat(order, st.reduce_axis()), {st.axis().back()});
      st.reorder(order).vectorize(st.axis().back());
    }
  }
}

}  // namespace tessera::ops::detail
