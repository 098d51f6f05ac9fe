// The operator library on arrays described by ArraySpecs (python/tessera/_arrays.py builds
// them from __array_interface__): plan, call, the registry, and the copy-bandwidth ceiling
// that the benchmarks compare against.
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include <deque>

#include "../../bench/bench_util.h"
#include "bindings.h"
#include "tessera/ops/dispatch.h"
#include "tessera/ops/reduction.h"

namespace tessera::python {
namespace {

const ops::OpDef& find(const std::string& name) {
  const ops::OpDef* op = ops::find_op(name);
  if (!op) throw nb::value_error(("no operator named '" + name + "'").c_str());
  return *op;
}

std::vector<const DLTensor*> input_views(const std::vector<ArraySpec>& specs, std::deque<TensorView>* views) {
  std::vector<const DLTensor*> out;
  for (const ArraySpec& s : specs) out.push_back(views->emplace_back(s).get());
  return out;
}

}  // namespace

void register_oplib(nb::module_& m) {
  m.def("list_ops", &ops::list_ops);
  m.def("reduction_ops", &ops::reduction_ops, "Operators called through reduce(), not call().");
  m.def("plan", [](const std::string& name, const std::vector<ArraySpec>& inputs) {
    std::deque<TensorView> views;
    ops::CallPlan p = ops::plan_call(find(name), input_views(inputs, &views));
    std::vector<std::string> outs;
    for (ir::DataType t : p.sig.outputs) outs.push_back(t.str());
    return std::make_tuple(p.shape, outs);
  }, nb::arg("name"), nb::arg("inputs"), "(broadcast shape, output dtype names) of a call.");
  m.def("call", [](const std::string& name, const std::vector<ArraySpec>& inputs,
                   const std::vector<ArraySpec>& outputs) {
    const ops::OpDef& op = find(name);
    std::deque<TensorView> views;
    std::vector<const DLTensor*> in = input_views(inputs, &views);
    std::vector<DLTensor*> out;
    for (const ArraySpec& s : outputs) out.push_back(views.emplace_back(s).get());
    nb::gil_scoped_release release;  // operators defined in Python take it back to generate
    ops::call(op, in, out);
  }, nb::arg("name"), nb::arg("inputs"), nb::arg("outputs"));
  m.def("compiled_kernel_count", &ops::compiled_kernel_count);
  // The machine's ceiling for benchmarks: memcpy bandwidth (bytes read + written per second)
  // over n float32 with `threads` threads, measured now.
  m.def("copy_bandwidth", [](int64_t n, int threads) {
    std::vector<float> src(n, 1.0f), dst(n);
    nb::gil_scoped_release release;
    return bench::copy_bandwidth(src.data(), dst.data(), n, threads);
  }, nb::arg("n"), nb::arg("threads"));
  // One such copy between two caller-owned buffers (addresses as integers, e.g. NumPy's
  // arr.ctypes.data), in seconds: benchmarks interleave it with the calls they time.
  m.def("copy_seconds", [](uintptr_t src, uintptr_t dst, int64_t nbytes, int threads) {
    if (nbytes < 0 || threads < 1) throw nb::value_error("copy_seconds: nbytes >= 0 and threads >= 1");
    nb::gil_scoped_release release;
    return bench::copy_seconds(reinterpret_cast<const void*>(src), reinterpret_cast<void*>(dst), nbytes, threads);
  }, nb::arg("src"), nb::arg("dst"), nb::arg("nbytes"), nb::arg("threads"));
  // One hand-written read of a caller-owned buffer (8-byte words summed), in seconds: the
  // ceiling of a reduction over that buffer, timed the same way.
  m.def("read_seconds", [](uintptr_t src, int64_t nbytes, int threads) {
    if (nbytes < 0 || threads < 1) throw nb::value_error("read_seconds: nbytes >= 0 and threads >= 1");
    nb::gil_scoped_release release;
    uint64_t sink = 0;
    return bench::read_seconds(reinterpret_cast<const void*>(src), nbytes, threads, &sink);
  }, nb::arg("src"), nb::arg("nbytes"), nb::arg("threads"));
}

}  // namespace tessera::python
