// Device arguments of the Python API (device=, to_device, dl_device) and placing arrays on
// them; the rules of device arrays are in tessera/array/device.h.
#include <nanobind/stl/string.h>

#include <cctype>
#include <string>

#include "array_convert.h"
#include "tessera/array/device.h"
#include "tessera/runtime/cuda.h"

namespace tessera::python {
namespace {

[[noreturn]] void bad_device(nb::handle h, const char* fn) {
  throw nb::value_error((std::string(fn) + ": unsupported device " + nb::cast<std::string>(nb::repr(h)) +
                         " (expected None, tessera.Device, 'cpu', 'cuda' or 'cuda:N')").c_str());
}

// "cpu", "cuda", "cuda:N" (also what str() of a torch.device gives); nullopt otherwise.
std::optional<DLDevice> parse_device(const std::string& s) {
  if (s == "cpu") return cpu_device();
  if (s == "cuda") return cuda_device(0);
  if (s.rfind("cuda:", 0) != 0 || s.size() == 5 || s.size() > 12) return std::nullopt;
  int id = 0;
  for (size_t i = 5; i < s.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
    id = id * 10 + (s[i] - '0');
  }
  return cuda_device(id);
}

}  // namespace

std::optional<DLDevice> device_arg(nb::handle h, const char* fn) {
  if (h.is_none()) return std::nullopt;
  if (nb::isinstance<Device>(h)) {
    const Device& d = nb::cast<const Device&>(h);
    return DLDevice{static_cast<DLDeviceType>(d.type), d.id};
  }
  if (nb::isinstance<nb::str>(h)) {
    if (auto d = parse_device(nb::cast<std::string>(h))) return d;
    bad_device(h, fn);
  }
  // Other libraries' device objects: torch.device prints as "cuda:0", CuPy's has an id.
  nb::object type = nb::getattr(h, "type", nb::none());
  if (nb::isinstance<nb::str>(type)) {
    if (auto d = parse_device(nb::cast<std::string>(nb::str(h)))) return d;
  }
  std::string module = nb::cast<std::string>(nb::str(nb::getattr(h, "__module__", nb::str(""))));
  nb::object id = nb::getattr(h, "id", nb::none());
  if (module.rfind("cupy", 0) == 0 && PyLong_Check(id.ptr())) return cuda_device(nb::cast<int>(id));
  bad_device(h, fn);
}

nb::object device_object(DLDevice d) { return nb::cast(Device{static_cast<int>(d.device_type), d.device_id}); }

std::string device_name(int type, int id) { return device_str(DLDevice{static_cast<DLDeviceType>(type), id}); }

Array place(const Array& a, nb::handle device, const char* fn) {
  std::optional<DLDevice> d = device_arg(device, fn);
  if (!d || same_device(*d, a.device())) return a;
  return to_device(a, *d);
}

Array place_like(const Array& a, nb::handle device, const Array& like, const char* fn) {
  if (!device.is_none()) return place(a, device, fn);
  return same_device(a.device(), like.device()) ? a : to_device(a, like.device());
}

void sync_for_stream(const Array& x, nb::handle stream, const char* fn) {
  if (x.device().device_type != kDLCUDA) {
    if (!stream.is_none()) {
      PyErr_SetString(PyExc_BufferError, (std::string(fn) + ": stream must be None for CPU arrays").c_str());
      throw nb::python_error();
    }
    return;
  }
  if (stream.is_none()) return;  // the legacy default stream, where tessera's kernels run
  if (!PyLong_Check(stream.ptr()) || PyBool_Check(stream.ptr()))
    throw nb::type_error((std::string(fn) + ": stream must be None or an integer").c_str());
  const long long s = nb::cast<long long>(stream);
  if (s == 0)
    throw nb::value_error((std::string(fn) + ": stream 0 is ambiguous for CUDA; use 1 (legacy default) or 2 "
                                             "(per-thread default)").c_str());
  if (s == -1 || s == static_cast<long long>(cuda::kLegacyStream)) return;  // no sync asked / same stream
  // Another stream: wait for every kernel queued so far, so work the consumer enqueues on
  // its stream sees the results.
  try {
    cuda::synchronize(x.device().device_id);
  } catch (const cuda::CudaError& e) {
    throw nb::value_error((std::string(fn) + ": " + e.what()).c_str());
  }
}

int cuda_device_count() { return cuda::device_count(); }

DLDevice place_inputs(const std::string& fn, std::vector<Array>* inputs) {
  DLDevice device = cpu_device();
  for (const Array& a : *inputs)
    if (a.defined() && a.device().device_type != kDLCPU) {
      device = a.device();
      break;
    }
  if (device.device_type == kDLCPU) return device;
  for (Array& a : *inputs) {
    if (!a.defined() || same_device(a.device(), device)) continue;
    if (a.device().device_type == kDLCPU && a.ndim() == 0) {
      a = to_device(a, device);
      continue;
    }
    throw nb::value_error((fn + ": operands are on different devices, " + device_str(device) + " and " +
                           device_str(a.device()) + "; copy one with to_device first").c_str());
  }
  return device;
}

}  // namespace tessera::python
