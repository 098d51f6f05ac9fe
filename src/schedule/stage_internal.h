// Helpers shared by the schedule primitives and the graph rewrites (not public API).
#pragma once
#include "tessera/schedule/schedule.h"

namespace tessera::schedule {
StagePtr make_stage(const Operation& op);
// Gives the stage a new operation; without keep_schedule its loops restart from the roots.
void replace_stage_op(StageNode& s, const Operation& op, bool keep_schedule);
}  // namespace tessera::schedule

namespace tessera::schedule {
// e with every read of buffer `from` turned into the same read of `to`.
Expr replace_reads(const Expr& e, const ir::BufferNode* from, const ir::Buffer& to);
// Inserts `stage` into the schedule right before `before` (producers precede consumers).
void insert_stage_before(ScheduleNode& s, const StagePtr& stage, const StagePtr& before);
// Fresh data-parallel axes over `shape` named like `like` (or ax0, ax1, ...).
std::vector<IterVar> fresh_axes(const std::vector<Expr>& shape, const std::vector<IterVar>& like = {});
}  // namespace tessera::schedule
