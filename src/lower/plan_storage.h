// Storage planning: which buffer holds each operation output.
//
// Tensor arguments become kernel parameters (strided, or compact for the contiguous
// specialization); root intermediates get compact buffers in their stage's scope;
// compute_at stages get a buffer the size of their region, offset by the region's start.
#pragma once
#include <map>
#include <vector>

#include "lower/stage_graph.h"
#include "tessera/ir/module.h"
#include "tessera/lower/lower.h"

namespace tessera::lower {

struct StoragePlan {
  std::vector<ir::KernelParam> params;
  std::map<const ir::BufferNode*, ir::Buffer> storage;
  // Read-back states (lower::ReadBack) -> the outputs they read, both as the tensors'
  // buffers; storage maps a state to its output's storage.
  std::map<const ir::BufferNode*, const ir::BufferNode*> read_backs;
};

// Needs StageGraph::realize (infer_bounds). Throws if an output or a read placeholder is
// not among the arguments, or if a read-back state does not match its output.
StoragePlan plan_storage(const StageGraph& graph, const std::vector<Arg>& args, const LowerOptions& options);

}  // namespace tessera::lower
