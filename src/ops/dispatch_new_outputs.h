// Dispatch for callers that allocate the results themselves (the Array API): one planning
// pass instead of plan_call() followed by call(). Internal to tessera_array for now; it
// could join tessera/ops/dispatch.h when other callers want it.
#pragma once
#include <cstdint>
#include <memory>
#include <type_traits>

#include "tessera/ops/dispatch.h"

namespace tessera::ops {

// A reference to the caller's callable DLTensor*(int index, const int64_t* shape, int ndim,
// DataType dtype), valid for one call (no std::function: nothing to copy or allocate).
class OutputFactory {
 public:
  template <class F>
    requires(!std::is_same_v<std::remove_cvref_t<F>, OutputFactory>)
  OutputFactory(F&& f)  // NOLINT: implicit, from a lambda at the call
      : callable_(const_cast<void*>(static_cast<const void*>(std::addressof(f)))),
        invoke_([](void* c, int index, const int64_t* shape, int ndim, DataType dtype) -> DLTensor* {
          return (*static_cast<std::remove_reference_t<F>*>(c))(index, shape, ndim, dtype);
        }) {}
  DLTensor* operator()(int index, const int64_t* shape, int ndim, DataType dtype) const {
    return invoke_(callable_, index, shape, ndim, dtype);
  }

 private:
  void* callable_;
  DLTensor* (*invoke_)(void*, int, const int64_t*, int, DataType);
};

// Plans the call, asks make_output for output `index` given the planned shape (ndim
// extents) and dtype, checks the returned tensor as call() does, and runs.
void call_with_new_outputs(const OpDef& op, const DLTensor* const* inputs, int num_inputs,
                           const OutputFactory& make_output);

}  // namespace tessera::ops
