#include "lower/stage_graph.h"

namespace tessera::lower {

StageGraph::StageGraph(const schedule::ScheduleNode& s) : stages(s.stages), outputs(s.outputs) {
  for (const schedule::StagePtr& st : stages)
    for (const ir::Buffer& b : st->op->outputs) {
      producer[b.get()] = st;
      for (const ir::Expr& e : b->shape)
        if (const auto* v = e.as<ir::VarNode>()) extent_facts[v] = ir::Interval(ir::Expr(int64_t{0}), ir::Expr());
    }
}

std::vector<schedule::StagePtr> StageGraph::attached_to(const schedule::StageNode* parent) const {
  std::vector<schedule::StagePtr> out;
  for (const schedule::StagePtr& st : stages)
    if (st->attach == schedule::AttachKind::At && st->attach_stage.lock().get() == parent)
      out.push_back(st);
  return out;
}

}  // namespace tessera::lower
