// tessera._core.xp: the set functions (unique_all/counts/inverse, isin), diff and the
// factorization-based linalg functions (src/array/set_ops.cpp, src/array/linalg.cpp).
// python/tessera/_namespace.py and python/tessera/linalg.py give them the standard's
// signatures and result named tuples; arguments arrive positionally.
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>

#include "array_convert.h"
#include "bindings.h"

#include "tessera/array/linalg.h"
#include "tessera/array/set_ops.h"

namespace tessera::python {
namespace {

bool flag(nb::handle h, const char* fn, const char* what) {
  if (!PyBool_Check(h.ptr())) throw nb::type_error((std::string(fn) + ": " + what + " must be True or False").c_str());
  return h.ptr() == Py_True;
}

int64_t integer(nb::handle h, const char* fn, const char* what) {
  if (PyBool_Check(h.ptr()) || !PyIndex_Check(h.ptr()))
    throw nb::type_error((std::string(fn) + ": " + what + " must be an integer").c_str());
  Py_ssize_t v = PyNumber_AsSsize_t(h.ptr(), PyExc_OverflowError);
  if (v == -1 && PyErr_Occurred()) throw nb::python_error();
  return v;
}

std::optional<Array> optional_array(nb::handle h, const char* fn) {
  if (h.is_none()) return std::nullopt;
  return array_arg(h, fn);
}

}  // namespace

void register_set_ops(nb::module_& m) {
  m.def("unique_all", [](nb::handle x) {
    UniqueAll r = tessera::unique_all(array_arg(x, "unique_all"));
    return nb::make_tuple(r.values, r.indices, r.inverse_indices, r.counts);
  }, nb::arg("x").none());
  m.def("unique_counts", [](nb::handle x) {
    UniqueCounts r = tessera::unique_counts(array_arg(x, "unique_counts"));
    return nb::make_tuple(r.values, r.counts);
  }, nb::arg("x").none());
  m.def("unique_inverse", [](nb::handle x) {
    UniqueInverse r = tessera::unique_inverse(array_arg(x, "unique_inverse"));
    return nb::make_tuple(r.values, r.inverse_indices);
  }, nb::arg("x").none());
  m.def("isin", [](nb::handle x1, nb::handle x2, nb::handle invert) {
    if (python_scalar(x1) && python_scalar(x2)) throw nb::type_error("isin: at least one argument must be an array");
    return tessera::isin(array_arg(x1, "isin"), array_arg(x2, "isin"), flag(invert, "isin", "invert"));
  }, nb::arg("x1").none(), nb::arg("x2").none(), nb::arg("invert").none());
  m.def("diff", [](nb::handle x, nb::handle axis, nb::handle n, nb::handle prepend, nb::handle append) {
    return tessera::diff(array_arg(x, "diff"), int_arg(axis, "diff", "axis"), integer(n, "diff", "n"),
                         optional_array(prepend, "diff"), optional_array(append, "diff"));
  }, nb::arg("x").none(), nb::arg("axis").none(), nb::arg("n").none(), nb::arg("prepend").none(),
        nb::arg("append").none());

  m.def("linalg_cholesky", [](nb::handle x, nb::handle upper) {
    return tessera::linalg::cholesky(array_arg(x, "cholesky"), flag(upper, "cholesky", "upper"));
  }, nb::arg("x").none(), nb::arg("upper").none());
  m.def("linalg_inv", [](nb::handle x) { return tessera::linalg::inv(array_arg(x, "inv")); }, nb::arg("x").none());
  m.def("linalg_det", [](nb::handle x) { return tessera::linalg::det(array_arg(x, "det")); }, nb::arg("x").none());
  m.def("linalg_slogdet", [](nb::handle x) {
    auto [sign, logabsdet] = tessera::linalg::slogdet(array_arg(x, "slogdet"));
    return nb::make_tuple(sign, logabsdet);
  }, nb::arg("x").none());
  m.def("linalg_solve", [](nb::handle x1, nb::handle x2) {
    return tessera::linalg::solve(array_arg(x1, "solve"), array_arg(x2, "solve"));
  }, nb::arg("x1").none(), nb::arg("x2").none());
}

}  // namespace tessera::python
