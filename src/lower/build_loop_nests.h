// Loop-nest construction: one loop nest per stage from its leaf iteration variables, with
// root variables rewritten in terms of the leaves, split guards as an If around the body,
// reductions as an initialization nest followed by an update nest, and stages computed at
// a loop placed (with their storage) at the start of that loop's body. Root intermediates
// are allocated around the whole function. Loads and Stores are still multi-dimensional
// and refer to the operations' buffers; storage_flatten maps them to memory.
#pragma once
#include "lower/stage_graph.h"
#include "tessera/ir/stmt.h"

namespace tessera::lower {
// Needs StageGraph::body and ranges (inline_stages, infer_bounds).
ir::Stmt build_loop_nests(const StageGraph& graph);
}
