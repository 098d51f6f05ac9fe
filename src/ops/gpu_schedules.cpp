// GPU schedules (see gpu_schedules.h).
#include "ops/gpu_schedules.h"

#include <algorithm>

namespace tessera::ops {
namespace {

constexpr int kThreadsPerBlock = 256;
constexpr int kVectorBytes = 16;
constexpr int kRowUnroll = 8;  // elements per thread of a row-block schedule

int widest_bytes(const Signature& sig) {
  int bytes = 1;
  for (DataType t : sig.inputs) bytes = std::max(bytes, t.bytes());
  for (DataType t : sig.outputs) bytes = std::max(bytes, t.bytes());
  return bytes;
}

}  // namespace

void schedule_elementwise_gpu(schedule::Schedule& s, const te::Tensor& out, const Variant& v) {
  if (v.ndim == 0) return;
  auto st = s[out];
  const auto& axes = st.axis();
  if (v.ndim == 1 && v.layout == Layout::Contiguous) {
    int lanes = std::max(1, kVectorBytes / widest_bytes(v.sig));
    auto [vectors, lane] = st.split(axes[0], lanes);
    auto [blocks, threads] = st.split(vectors, kThreadsPerBlock);
    st.bind(blocks, "blockIdx.x").bind(threads, "threadIdx.x");
    if (lanes > 1) st.vectorize(lane);
    return;
  }
  if (v.ndim >= 2 && v.attrs.size() >= 2 && v.attrs[1] == 1) {
    // Row blocks: a block takes kRowUnroll * 256 consecutive elements of one row; thread t
    // takes elements t, t + 256, ... as one vector (coalesced, kRowUnroll independent loads
    // in flight), and the block's coordinates are divided out once per thread.
    auto [jo, jr] = st.split(axes.back(), kRowUnroll * kThreadsPerBlock);
    auto [ju, jt] = st.split(jr, kThreadsPerBlock);
    std::vector<ir::IterVar> outer(axes.begin(), axes.end() - 1);
    outer.push_back(jo);
    ir::IterVar block = st.fuse(outer);
    st.reorder({block, jt, ju}).bind(block, "blockIdx.x").bind(jt, "threadIdx.x").vectorize(ju);
    return;
  }
  ir::IterVar all = v.ndim == 1 ? axes[0] : st.fuse(axes);
  auto [blocks, threads] = st.split(all, kThreadsPerBlock);
  st.bind(blocks, "blockIdx.x").bind(threads, "threadIdx.x");
}

}  // namespace tessera::ops
