// Dispatch for callers that allocate the results themselves (the Array API): one planning
// pass instead of plan_call() followed by call(). Internal to tessera_array for now; it
// could join tessera/ops/dispatch.h when other callers want it.
#pragma once
#include <cstdint>
#include <functional>

#include "tessera/ops/dispatch.h"

namespace tessera::ops {

// Plans the call, asks make_output for output `index` given the planned shape (ndim
// extents) and dtype, checks the returned tensor as call() does, and runs.
using OutputFactory = std::function<DLTensor*(int index, const int64_t* shape, int ndim, DataType dtype)>;
void call_with_new_outputs(const OpDef& op, const DLTensor* const* inputs, int num_inputs,
                           const OutputFactory& make_output);

}  // namespace tessera::ops
