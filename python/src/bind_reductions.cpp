// Reductions, scans and linear algebra on arrays described by ArraySpecs: a plan (result
// shape and dtype) and a run into a caller-allocated output, like oplib.plan / oplib.call.
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include "bindings.h"
#include "tessera/ops/reduction.h"

namespace tessera::python {
namespace {

std::optional<ir::DataType> dtype_arg(const std::optional<std::string>& name) {
  if (!name) return std::nullopt;
  return ir::DataType::parse(*name);
}

auto plan_tuple(const ops::OutputPlan& p) { return std::make_tuple(p.shape, p.dtype.str()); }

}  // namespace

void register_reductions(nb::module_& m) {
  m.def("plan_reduce", [](const std::string& op, const ArraySpec& x, std::vector<int> axes, bool keepdims,
                          std::optional<std::string> dtype, int64_t correction) {
    TensorView v(x);
    ops::ReducePlan p = ops::plan_reduce(op, v.get(), std::move(axes), keepdims, dtype_arg(dtype), correction);
    return std::make_tuple(p.shape, p.dtype.str());
  }, nb::arg("op"), nb::arg("x"), nb::arg("axes"), nb::arg("keepdims"), nb::arg("dtype").none(),
     nb::arg("correction") = 0, "(shape, dtype name) of a reduction's result.");
  m.def("reduce", [](const std::string& op, const ArraySpec& x, const std::vector<int>& axes, bool keepdims,
                     std::optional<std::string> dtype, const ArraySpec& out, double correction) {
    TensorView vx(x), vo(out);
    nb::gil_scoped_release release;
    ops::reduce(op, vx.get(), axes, keepdims, dtype_arg(dtype), vo.get(), correction);
  }, nb::arg("op"), nb::arg("x"), nb::arg("axes"), nb::arg("keepdims"), nb::arg("dtype").none(), nb::arg("out"),
     nb::arg("correction") = 0.0);
  m.def("plan_cumulative", [](const std::string& op, const ArraySpec& x, std::optional<int> axis,
                              std::optional<std::string> dtype, bool include_initial) {
    TensorView v(x);
    return plan_tuple(ops::plan_cumulative(op, v.get(), axis, dtype_arg(dtype), include_initial));
  }, nb::arg("op"), nb::arg("x"), nb::arg("axis").none(), nb::arg("dtype").none(), nb::arg("include_initial"));
  m.def("cumulative", [](const std::string& op, const ArraySpec& x, std::optional<int> axis,
                         std::optional<std::string> dtype, bool include_initial, const ArraySpec& out) {
    TensorView vx(x), vo(out);
    nb::gil_scoped_release release;
    ops::cumulative(op, vx.get(), axis, dtype_arg(dtype), include_initial, vo.get());
  }, nb::arg("op"), nb::arg("x"), nb::arg("axis").none(), nb::arg("dtype").none(), nb::arg("include_initial"),
     nb::arg("out"));
  m.def("plan_matmul", [](const ArraySpec& a, const ArraySpec& b) {
    TensorView va(a), vb(b);
    return plan_tuple(ops::plan_matmul(va.get(), vb.get()));
  });
  m.def("matmul", [](const ArraySpec& a, const ArraySpec& b, const ArraySpec& out) {
    TensorView va(a), vb(b), vo(out);
    nb::gil_scoped_release release;
    ops::matmul(va.get(), vb.get(), vo.get());
  });
  m.def("plan_tensordot", [](const ArraySpec& a, const ArraySpec& b, int axes) {
    TensorView va(a), vb(b);
    return plan_tuple(ops::plan_tensordot(va.get(), vb.get(), axes));
  });
  m.def("tensordot", [](const ArraySpec& a, const ArraySpec& b, int axes, const ArraySpec& out) {
    TensorView va(a), vb(b), vo(out);
    nb::gil_scoped_release release;
    ops::tensordot(va.get(), vb.get(), axes, vo.get());
  });
  m.def("plan_vecdot", [](const ArraySpec& a, const ArraySpec& b, int axis) {
    TensorView va(a), vb(b);
    return plan_tuple(ops::plan_vecdot(va.get(), vb.get(), axis));
  });
  m.def("vecdot", [](const ArraySpec& a, const ArraySpec& b, int axis, const ArraySpec& out) {
    TensorView va(a), vb(b), vo(out);
    nb::gil_scoped_release release;
    ops::vecdot(va.get(), vb.get(), axis, vo.get());
  });
}

}  // namespace tessera::python
