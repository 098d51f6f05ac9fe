// Bound inference: the loop ranges of every stage.
//
// Root stages cover their whole domain. A stage computed at loop `iv` of a consumer covers
// the region that the consumer reads during one iteration of `iv`: the consumer's indices,
// written in its leaf loop variables, are bounded with the loops inside `iv` relaxed over
// their ranges, then clipped to the stage's domain. The stage's storage is that region
// (StageGraph::realize), sized by the largest region over all iterations.
#pragma once
#include "lower/stage_graph.h"

namespace tessera::lower {
void infer_bounds(StageGraph* graph);  // needs StageGraph::body (inline_stages)
}
