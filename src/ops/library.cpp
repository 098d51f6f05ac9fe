// ensure_registered: registers each operator family once.
#include "tessera/ops/library.h"

#include <mutex>

#include "tessera/ops/elementwise.h"

namespace tessera::ops {

void ensure_registered() {
  static std::once_flag once;
  std::call_once(once, [] {
    register_elementwise_ops();
    // Further families register here. The reductions (reduction.h) currently register
    // themselves when the library loads and are called through reduce(), not by name.
  });
}

}  // namespace tessera::ops
