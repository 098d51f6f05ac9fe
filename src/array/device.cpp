// Arrays on CUDA devices: allocation, host <-> device copies and operand placement.
#include "tessera/array/device.h"

#include <algorithm>
#include <limits>

#include "array/device_internal.h"
#include "array/internal.h"
#include "tessera/array/creation.h"
#include "tessera/runtime/cuda.h"

namespace tessera {

using array_detail::raise;

namespace {

void check_supported(const std::string& fn, DLDevice device) {
  if (device.device_type != kDLCPU && device.device_type != kDLCUDA)
    raise(Error::Kind::Value, fn, "unsupported device " + device_str(device) + " (tessera supports cpu and cuda)");
  if (device.device_id < 0) raise(Error::Kind::Value, fn, "negative device id in " + device_str(device));
}

// Driver errors (no GPU, out of memory) as OpError(Value) naming fn.
template <class F>
auto with_driver(const std::string& fn, F&& f) {
  try {
    return f();
  } catch (const cuda::CudaError& e) {
    raise(Error::Kind::Value, fn, e.what());
  }
}

std::shared_ptr<Storage> cuda_storage(int64_t nbytes, int device) {
  const size_t n = static_cast<size_t>(std::max<int64_t>(nbytes, 1));
  void* p = cuda::device_alloc(n, device);
  return Storage::adopt(
      p, cuda_device(device),
      [p, device] {
        try {
          cuda::device_free(p, device);
        } catch (const cuda::CudaError&) {  // a destructor must not throw; the context is gone
        }
      },
      nbytes);
}

}  // namespace

std::string device_str(DLDevice device) {
  if (device.device_type == kDLCPU) return "cpu";
  if (device.device_type == kDLCUDA) return "cuda:" + std::to_string(device.device_id);
  return "device(" + std::to_string(static_cast<int>(device.device_type)) + ", " + std::to_string(device.device_id) +
         ")";
}

Array empty(const Shape& shape, DataType dtype, DLDevice device) {
  return array_detail::allocate_on(shape, dtype, device);
}

Array zeros(const Shape& shape, DataType dtype, DLDevice device) {
  if (device.device_type == kDLCPU) return zeros(shape, dtype);
  Array out = array_detail::allocate_on(shape, dtype, device);
  // All-zero bits are 0 (+0.0) in every dtype.
  if (out.nbytes() > 0)
    with_driver("zeros", [&] { cuda::device_memset(out.data(), 0, static_cast<size_t>(out.nbytes()), device.device_id); });
  return out;
}

Array to_device(const Array& x, DLDevice device, bool copy) {
  const std::string fn = "to_device";
  array_detail::check_defined(fn, x);
  check_supported(fn, device);
  const DLDevice from = x.device();
  if (same_device(from, device)) return copy ? x.copy() : x;
  check_supported(fn, from);
  if (from.device_type == kDLCUDA && device.device_type == kDLCUDA)
    return to_device(to_device(x, cpu_device()), device);
  // Compact on its own device first (a GPU copy kernel for strided device views).
  const Array src = x.is_contiguous() ? x : x.copy();
  Array out = array_detail::allocate_on(x.shape(), x.dtype(), device);
  const size_t bytes = static_cast<size_t>(x.nbytes());
  if (bytes == 0) return out;
  with_driver(fn, [&] {
    if (device.device_type == kDLCUDA) cuda::copy_to_device(out.data(), src.data(), bytes, device.device_id);
    else cuda::copy_to_host(out.data(), src.data(), bytes, from.device_id);
  });
  return out;
}

namespace array_detail {

Array allocate_on(const Shape& shape, DataType dtype, DLDevice device) {
  if (device.device_type == kDLCPU) return allocate(shape, dtype);
  check_supported("empty", device);
  if (!is_array_dtype(dtype)) raise(Error::Kind::Type, "empty", "unsupported dtype " + dtype.str());
  int64_t n = 1;
  for (int64_t e : shape) {
    if (e < 0) raise(Error::Kind::Value, "empty", "negative dimensions are not allowed: " + shape_str(shape));
    if (e > 0 && n > std::numeric_limits<int64_t>::max() / 8 / e)
      raise(Error::Kind::Value, "empty", "array is too big: " + shape_str(shape));
    n *= e;
  }
  auto storage = with_driver("empty", [&] { return cuda_storage(n * dtype.bytes(), device.device_id); });
  return Array(std::move(storage), dtype, shape, compact_strides(shape), 0);
}

DLDevice place_operands(const std::string& fn, const Array* const* inputs, int n, std::vector<Array>* placed) {
  DLDevice device = cpu_device();
  bool found = false;
  for (int i = 0; i < n; ++i) {
    if (!inputs[i]->defined()) continue;
    const DLDevice d = inputs[i]->device();
    if (d.device_type == kDLCPU) continue;
    if (!found) device = d;
    else if (!same_device(d, device))
      raise(Error::Kind::Value, fn,
            "operands are on different devices, " + device_str(device) + " and " + device_str(d) +
                "; copy one with to_device first");
    found = true;
  }
  if (!found) return device;
  placed->clear();
  placed->reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i)
    placed->push_back(inputs[i]->defined() ? match_device(fn, *inputs[i], device) : *inputs[i]);
  return device;
}

Array match_device(const std::string& fn, const Array& x, DLDevice device) {
  const DLDevice d = x.device();
  if (same_device(d, device)) return x;
  if (d.device_type == kDLCPU && x.ndim() == 0) return to_device(x, device);
  raise(Error::Kind::Value, fn,
        "operands are on different devices, " + device_str(device) + " and " + device_str(d) +
            "; copy one with to_device first");
}

}  // namespace array_detail
}  // namespace tessera
