// ensure_registered: registers each operator family once.
#include "tessera/ops/library.h"

#include <mutex>

#include "tessera/ops/creation.h"
#include "tessera/ops/elementwise.h"
#include "tessera/ops/indexing.h"
#include "tessera/ops/reduction.h"

namespace tessera::ops {

void ensure_registered() {
  static std::once_flag once;
  std::call_once(once, [] {
    register_elementwise_ops();
    register_reduction_ops();  // called through reduce()/matmul(), listed by name
    register_creation_ops();   // arange, linspace, eye, tril, triu: called through ops/creation.h
    register_indexing_ops();   // take, take_along_axis: called through ops/indexing.h
  });
}

}  // namespace tessera::ops
