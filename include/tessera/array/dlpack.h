// DLPack exchange without copies: arrays out as DLPack 1.x DLManagedTensorVersioned (or
// the legacy DLManagedTensor), and tensors of either kind in.
//
// Export: the returned tensor keeps the array's storage alive until its deleter runs; the
// consumer calls the deleter exactly once. A read-only array sets
// DLPACK_FLAG_BITMASK_READ_ONLY. `data` points at element 0 and byte_offset is 0.
//
// Import takes ownership of the managed tensor in every case: the deleter (when not null)
// runs exactly once, when the last array viewing the memory is destroyed, or before
// from_dlpack throws (OpError(Type) for an unsupported dtype, OpError(Value) for a bad
// tensor or an unsupported major version). A read-only tensor gives a read-only array
// (writing it raises OpError(Value)). kDLCUDA tensors give device arrays (operators run on
// the GPU, see device.h); tensors of other devices are accepted for views only.
#pragma once
#include "tessera/array/array.h"
#include "tessera/dlpack.h"

namespace tessera {

DLManagedTensorVersioned* to_dlpack(const Array& x);
DLManagedTensor* to_dlpack_unversioned(const Array& x);

Array from_dlpack(DLManagedTensorVersioned* tensor);
Array from_dlpack(DLManagedTensor* tensor);

}  // namespace tessera
