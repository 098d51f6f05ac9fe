// ensure_registered: registers each operator family once.
#include "tessera/ops/library.h"

#include <mutex>

#include "tessera/ops/elementwise.h"
#include "tessera/ops/reduction.h"

namespace tessera::ops {

void ensure_registered() {
  static std::once_flag once;
  std::call_once(once, [] {
    register_elementwise_ops();
    register_reduction_ops();  // called through reduce()/matmul(), listed by name
  });
}

}  // namespace tessera::ops
