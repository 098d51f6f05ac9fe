// Inlining: every read of a compute_inline stage is replaced by that stage's expression,
// with its axes substituted by the read's indices. Fills StageGraph::body for all stages.
#pragma once
#include "lower/stage_graph.h"

namespace tessera::lower {
void inline_stages(StageGraph* graph);
}
