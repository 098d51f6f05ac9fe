// tessera._ops: the operator library for Python tests and benchmarks.
//
// Arrays cross as (address, shape, byte strides, dtype name) tuples built by the Python
// side from __array_interface__, so any NumPy-like array works, ml_dtypes' bfloat16 too.
// (The NumPy-compatible Array and DLPack interop of the full package come later.)
#include <nanobind/nanobind.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include "../../bench/bench_util.h"
#include "tessera/ops/dispatch.h"
#include "tessera/ops/library.h"

namespace nb = nanobind;
using namespace tessera;

namespace {

using ArraySpec = std::tuple<uintptr_t, std::vector<int64_t>, std::vector<int64_t>, std::string>;

struct TensorView {
  DLTensor t{};
  std::vector<int64_t> shape, strides;
};

DLDataType dl_dtype(const std::string& name) {
  ir::DataType d = ir::DataType::parse(name);
  uint8_t code = d.is_bool() ? kDLBool : d.is_bfloat16() ? kDLBfloat : d.is_float() ? kDLFloat
               : d.is_uint() ? kDLUInt : kDLInt;
  return {code, d.bits, 1};
}

TensorView view(const ArraySpec& spec) {
  TensorView v;
  const auto& [addr, shape, byte_strides, dtype] = spec;
  v.shape = shape;
  v.t.dtype = dl_dtype(dtype);
  int64_t item = (v.t.dtype.bits + 7) / 8;
  for (int64_t s : byte_strides) {
    if (s % item != 0) throw nb::value_error("strides must be multiples of the item size");
    v.strides.push_back(s / item);
  }
  v.t.data = reinterpret_cast<void*>(addr);
  v.t.device = {kDLCPU, 0};
  v.t.ndim = static_cast<int32_t>(shape.size());
  v.t.shape = v.shape.data();
  v.t.strides = v.strides.data();
  return v;
}

std::vector<TensorView> views(const std::vector<ArraySpec>& specs) {
  std::vector<TensorView> out;
  for (const auto& s : specs) out.push_back(view(s));
  for (auto& v : out) {  // re-point after the vector stopped moving
    v.t.shape = v.shape.data();
    v.t.strides = v.strides.data();
  }
  return out;
}

template <class F>
auto translate_errors(F&& f) {
  try {
    return f();
  } catch (const ops::OpError& e) {
    if (e.kind() == ops::OpError::Kind::Type) throw nb::type_error(e.what());
    throw nb::value_error(e.what());
  }
}

}  // namespace

NB_MODULE(_ops, m) {
  m.doc() = "tessera operator library (test and benchmark interface)";
  ops::ensure_registered();
  m.def("list_ops", &ops::list_ops);
  m.def("plan", [](const std::string& name, const std::vector<ArraySpec>& inputs) {
    return translate_errors([&] {
      const ops::OpDef* op = ops::find_op(name);
      if (!op) throw nb::value_error(("no operator named '" + name + "'").c_str());
      auto in = views(inputs);
      std::vector<const DLTensor*> ptrs;
      for (auto& v : in) ptrs.push_back(&v.t);
      ops::CallPlan p = ops::plan_call(*op, ptrs);
      std::vector<std::string> outs;
      for (auto t : p.sig.outputs) outs.push_back(t.str());
      return std::make_tuple(p.shape, outs);
    });
  });
  m.def("call", [](const std::string& name, const std::vector<ArraySpec>& inputs, const std::vector<ArraySpec>& outputs) {
    translate_errors([&] {
      auto in = views(inputs);
      auto out = views(outputs);
      std::vector<const DLTensor*> ip;
      std::vector<DLTensor*> op;
      for (auto& v : in) ip.push_back(&v.t);
      for (auto& v : out) op.push_back(&v.t);
      nb::gil_scoped_release release;
      ops::call(name, ip, op);
      return 0;
    });
  });
  m.def("compiled_kernel_count", &ops::compiled_kernel_count);
  // The machine's ceiling for benchmarks: memcpy bandwidth (bytes read + written per second)
  // over n float32 with `threads` threads, measured now.
  m.def("copy_bandwidth", [](int64_t n, int threads) {
    std::vector<float> src(n, 1.0f), dst(n);
    nb::gil_scoped_release release;
    return bench::copy_bandwidth(src.data(), dst.data(), n, threads);
  });
}
