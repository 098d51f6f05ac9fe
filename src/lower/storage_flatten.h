// Storage flattening: every multi-dimensional Load/Store becomes a 1-D access of the
// buffer that actually holds the data: a kernel parameter (strided), a root intermediate
// (compact) or the region of a compute_at stage (compact, offset by the region's start).
#pragma once
#include <map>

#include "tessera/ir/buffer.h"
#include "tessera/ir/stmt.h"

namespace tessera::lower {
// `storage` maps each operation buffer to the buffer that stores it.
ir::Stmt storage_flatten(const ir::Stmt& s, const std::map<const ir::BufferNode*, ir::Buffer>& storage);
}
