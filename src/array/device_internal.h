// Device placement inside the array layer (see tessera/array/device.h for the rules).
#pragma once
#include <string>
#include <vector>

#include "tessera/array/device.h"

namespace tessera::array_detail {

// A new compact, uninitialized array on `device` (array_detail::allocate for the CPU).
Array allocate_on(const Shape& shape, DataType dtype, DLDevice device);

// The device an operator on these operands runs on: the CPU when all are there (then
// `placed` stays empty, the fast path). Otherwise `placed` receives the n operands with
// 0-d CPU arrays copied to the device; any other mix raises OpError(Value) naming fn.
// Undefined operands are passed through (the caller reports them).
DLDevice place_operands(const std::string& fn, const Array* const* inputs, int n, std::vector<Array>* placed);

// x on `device` when it is there or is a 0-d CPU array (copied); OpError(Value) otherwise.
Array match_device(const std::string& fn, const Array& x, DLDevice device);

// t seen as a CPU tensor, for the ops planning functions (they read metadata only).
inline DLTensor planning_view(DLTensor t) {
  t.device = {kDLCPU, 0};
  return t;
}

}  // namespace tessera::array_detail
