// What the schedule-level lowering passes know about the stages, filled in pass by pass:
// inline_stages sets `body`, infer_bounds sets `ranges` and `realize`.
#pragma once
#include <map>
#include <vector>

#include "tessera/ir/bounds.h"
#include "tessera/schedule/relations.h"
#include "tessera/schedule/schedule.h"

namespace tessera::lower {

// The storage of a compute_at stage: only the region its consumer needs at the attach
// point. Element (i0, i1, ...) lives at (i0 - min0, i1 - min1, ...) of a compact buffer.
struct Realize {
  std::vector<ir::Expr> min;           // region start per dimension (may use outer loop vars)
  std::vector<ir::Expr> alloc_extent;  // allocation size per dimension (loop-invariant)
};

struct StageGraph {
  std::vector<schedule::StagePtr> stages;  // producers first
  std::vector<te::Operation> outputs;
  // Buffer of any stage output -> the stage that computes it.
  std::map<const ir::BufferNode*, schedule::StagePtr> producer;
  // Stage bodies with inlined stages substituted (one expression per output).
  std::map<const schedule::StageNode*, std::vector<ir::Expr>> body;
  // Ranges of every iteration variable of every stage.
  schedule::RangeMap ranges;
  std::map<const schedule::StageNode*, Realize> realize;
  // Every variable that is a tensor extent is >= 0 (kernels bind them from shapes).
  ir::BoundsScope extent_facts;

  explicit StageGraph(const schedule::ScheduleNode& s);
  bool is_output(const schedule::StagePtr& s) const { return s->is_output; }
  // Stages computed at `parent`, producers first.
  std::vector<schedule::StagePtr> attached_to(const schedule::StageNode* parent) const;
};

}  // namespace tessera::lower
