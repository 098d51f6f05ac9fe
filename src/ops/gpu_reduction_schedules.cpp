// GPU schedules of reductions (see gpu_reduction_schedules.h).
#include "ops/gpu_reduction_schedules.h"

#include <stdexcept>
#include <string>

namespace tessera::ops {
namespace {

using schedule::Schedule;
using schedule::Stage;
using te::Tensor;

constexpr int kSerialThreads = 256;
constexpr int kSerialUnroll = 4;

ir::IterVar fused(Stage& st, const std::vector<ir::IterVar>& axes) {
  return axes.size() == 1 ? axes[0] : st.fuse(axes);
}

// Binds kept axes other than the last to blockIdx.y and blockIdx.z (not fused: an
// accumulator computed at a fused axis would cover a symbolic box of elements).
void bind_outer_kept(Stage& os, const std::vector<ir::IterVar>& kept) {
  static const char* tags[] = {"blockIdx.y", "blockIdx.z"};
  if (kept.size() > 3) throw std::invalid_argument("GPU reductions keep at most 3 axes");
  for (size_t i = 0; i + 1 < kept.size(); ++i) os.bind(kept[kept.size() - 2 - i], tags[i]);
}

// Rows: a block per output element (the last kept axis across blockIdx.x, others across
// blockIdx.y and z); the reduced axes fused and dealt out to the block's
// threads in turn (thread t takes elements t, t + T, ...), partials in shared memory.
void schedule_rows(Schedule& s, const std::vector<Tensor>& reductions, const Tensor& out) {
  Stage os = s[out];
  ir::IterVar block = os.axis().back();
  os.bind(block, "blockIdx.x");
  bind_outer_kept(os, os.axis());
  for (const Tensor& t : reductions) {
    Stage st = s[t];
    ir::IterVar r = fused(st, st.reduce_axis());
    auto [ro, ri] = st.split(r, kGpuRowThreads);
    (void)ro;
    Tensor rf = s.rfactor(t, ri);  // rf[ri, kept...] reduces ro
    Stage fs = s[t];
    fs.compute_at(os, block).set_scope("local");  // its loop over rf: a tree (lower/gpu_thread_reduce.h)
    Stage rs = s[rf];
    rs.compute_at(fs, fs.axis().back()).set_scope("shared");
    rs.bind(rs.axis()[0], "threadIdx.x");
  }
}

// Columns: kGpuColumnThreads output elements of the last kept axis per block across
// threadIdx.x (other kept axes across blockIdx.y and z); the reduced rows dealt out to
// kGpuColumnRows row parts across threadIdx.y (part y takes rows y, y + Y, ...), partials
// in shared memory.
void schedule_columns(Schedule& s, const std::vector<Tensor>& reductions, const Tensor& out, int kept_rank) {
  if (kept_rank < 1) throw std::invalid_argument("GPU column reduction needs a kept axis");
  Stage os = s[out];
  std::vector<ir::IterVar> kept = os.axis();
  auto [kb, kx] = os.split(kept.back(), kGpuColumnThreads);
  os.bind(kb, "blockIdx.x").bind(kx, "threadIdx.x");
  bind_outer_kept(os, kept);
  for (const Tensor& t : reductions) {
    Stage st = s[t];
    ir::IterVar r = fused(st, st.reduce_axis());
    auto [ro, ry] = st.split(r, kGpuColumnRows);
    (void)ro;
    Tensor rf = s.rfactor(t, ry);  // rf[ry, kept...] reduces ro
    // The accumulators of the block's columns (each thread keeps its own column's), and
    // the partials of the whole block computed before them, at the outer part of k.
    Stage fs = s[t];
    fs.compute_at(os, kb).set_scope("local");
    auto [ko, ki] = fs.split(fs.axis().back(), kGpuColumnThreads);
    fs.bind(ki, "threadIdx.x");
    Stage rs = s[rf];
    rs.compute_at(fs, ko).set_scope("shared");
    auto [rko, rki] = rs.split(rs.axis().back(), kGpuColumnThreads);  // rko: one iteration
    std::vector<ir::IterVar> order(rs.axis().begin() + 1, rs.axis().end() - 1);  // outer kept: one each
    order.insert(order.end(), {rko, rs.axis()[0], rki});
    rs.reorder(order).bind(rs.axis()[0], "threadIdx.y").bind(rki, "threadIdx.x");
  }
}

// Serial: a thread per output element (the last kept axis across blocks of threads, others
// across blockIdx.y and z), its reduced elements in order, kSerialUnroll at a time.
void schedule_serial(Schedule& s, const std::vector<Tensor>& reductions, const Tensor& out) {
  Stage os = s[out];
  std::vector<ir::IterVar> kept = os.axis();
  auto [blocks, threads] = os.split(kept.back(), kSerialThreads);
  os.bind(blocks, "blockIdx.x").bind(threads, "threadIdx.x");
  bind_outer_kept(os, kept);
  for (const Tensor& t : reductions) {
    Stage st = s[t];
    st.compute_at(os, threads).set_scope("local");
    // kSerialUnroll steps per iteration: their loads are in flight together (a thread's
    // steps are otherwise one dependent load each; the column sums of dispatch_cuda.h's
    // split plan need the overlap to approach the copy bandwidth).
    // With several reduced axes, fusing them would divide indices at every step: left alone.
    if (st.reduce_axis().size() != 1) continue;
    auto [ro, ri] = st.split(st.reduce_axis()[0], kSerialUnroll);
    (void)ro;
    st.unroll(ri);
  }
}

}  // namespace

void schedule_reduction_gpu(Schedule& s, const std::vector<Tensor>& reductions, const Tensor& out, int kept_rank,
                            int reduced_rank, GpuReduceMode mode) {
  (void)reduced_rank;
  switch (mode) {
    case GpuReduceMode::Rows: return schedule_rows(s, reductions, out);
    case GpuReduceMode::Columns: return schedule_columns(s, reductions, out, kept_rank);
    case GpuReduceMode::Serial: return schedule_serial(s, reductions, out);
  }
  throw std::invalid_argument("unknown GPU reduction mode " + std::to_string(static_cast<int64_t>(mode)));
}

}  // namespace tessera::ops
