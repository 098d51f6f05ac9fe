// tessera._core.xp: the array namespace's functions over tessera::Array, and the dtype
// objects. python/tessera/_namespace.py wraps each function with the Array API's exact
// signature (parameter kinds and defaults), so arguments arrive here positionally and
// nb::handle parameters convert them with the rules of array_convert.h.
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include <cmath>
#include <limits>
#include <string_view>

#include "array_convert.h"
#include "tessera/array/device.h"
#include "bindings.h"

namespace tessera::python {
namespace {

using UnaryFn = Array (*)(const Array&);
using BinaryFn = Array (*)(const tessera::Operand&, const tessera::Operand&);

// A function whose parameters all accept None (nanobind refuses None for unannotated ones);
// the Python layer passes every argument positionally.
template <class R, class... A, size_t... I>
void def_any_impl(nb::module_& m, const char* name, R (*f)(A...), std::index_sequence<I...>) {
  static constexpr const char* names[] = {"a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7"};
  static_assert(sizeof...(A) <= 8);
  m.def(name, f, nb::arg(names[I]).none()...);
}
template <class R, class... A>
void def_any(nb::module_& m, const char* name, R (*f)(A...)) {
  def_any_impl(m, name, f, std::index_sequence_for<A...>{});
}

constexpr int fast_index(std::string_view name) {
  for (int i = 0; i < static_cast<int>(std::size(kFastOps)); ++i)
    if (name == kFastOps[i]) return i;
  return -1;
}

template <UnaryFn F>
Array unary(nb::handle x) {
  return F(array_arg(x, "elementwise function"));
}

template <BinaryFn F, int Fast = -1>
Array binary(nb::handle a, nb::handle b) {
  if constexpr (Fast >= 0) {
    const Array *x = as_array(a), *y = as_array(b);
    if (x && y && fast_eligible(*x, *y)) return fast_binary(Fast, *x, *y);
  }
  HeldOperand x = operand_or_throw(a, "elementwise function"), y = operand_or_throw(b, "elementwise function");
  if (x.scalar && y.scalar) throw nb::type_error("at least one operand must be an array, not two Python scalars");
  return F(x.get(), y.get());
}

std::vector<Array> array_list(nb::handle seq, const char* fn) {
  if (!PyTuple_Check(seq.ptr()) && !PyList_Check(seq.ptr()))
    throw nb::type_error((std::string(fn) + ": expected a tuple or list of arrays").c_str());
  std::vector<Array> out;
  for (nb::handle h : seq) out.push_back(array_arg(h, fn));
  return out;
}

nb::tuple array_tuple(const std::vector<Array>& arrays) {
  nb::list out;
  for (const Array& a : arrays) out.append(nb::cast(a));
  return nb::tuple(out);
}

Scalar scalar_arg(nb::handle h, const char* fn, const char* what) {
  if (std::optional<Scalar> s = python_scalar(h)) return *s;
  if (const Array* a = as_array(h)) {
    if (a->ndim() != 0) throw nb::type_error((std::string(fn) + ": " + what + " must be a scalar").c_str());
    if (a->dtype().is_bool()) return Scalar(a->item<bool>());
    if (a->dtype() == uint64) return Scalar(a->item<uint64_t>());
    if (a->dtype().is_integer()) return Scalar(a->item<int64_t>());
    return Scalar(a->item<double>());
  }
  if (nb::hasattr(h, "dtype") && nb::hasattr(h, "item"))  // NumPy scalars
    if (std::optional<Scalar> s = python_scalar(h.attr("item")())) return *s;
  throw nb::type_error((std::string(fn) + ": " + what + " must be a bool, int or float, got " +
                        nb::cast<std::string>(nb::handle(reinterpret_cast<PyObject*>(Py_TYPE(h.ptr()))).attr("__name__")))
                           .c_str());
}

std::vector<int> int_list(nb::handle h, const char* fn, const char* what) {
  std::vector<int> out;
  if (PyTuple_Check(h.ptr()) || PyList_Check(h.ptr())) {
    for (nb::handle e : h) out.push_back(int_arg(e, fn, what));
  } else {
    out.push_back(int_arg(h, fn, what));
  }
  return out;
}

int64_t int64_arg(nb::handle h, const char* fn, const char* what) {
  if (PyBool_Check(h.ptr()) || !PyIndex_Check(h.ptr()))
    throw nb::type_error((std::string(fn) + ": " + what + " must be an integer").c_str());
  Py_ssize_t v = PyNumber_AsSsize_t(h.ptr(), PyExc_OverflowError);
  if (v == -1 && PyErr_Occurred()) throw nb::python_error();
  return v;
}

bool bool_arg(nb::handle h, const char* fn, const char* what) {
  if (!PyBool_Check(h.ptr())) throw nb::type_error((std::string(fn) + ": " + what + " must be True or False").c_str());
  return h.ptr() == Py_True;
}

std::optional<bool> optional_bool(nb::handle h, const char* fn, const char* what) {
  if (h.is_none()) return std::nullopt;
  return bool_arg(h, fn, what);
}

// (bits, eps, max, min, smallest_normal) of a float dtype.
std::tuple<int, double, double, double, double> finfo(DataType t) {
  if (!t.is_float()) throw nb::value_error(("finfo: " + t.str() + " is not a floating-point dtype").c_str());
  if (t == float16) return {16, std::ldexp(1.0, -10), 65504.0, -65504.0, std::ldexp(1.0, -14)};
  if (t == bfloat16) {
    double mx = std::ldexp(2.0 - std::ldexp(1.0, -7), 127);
    return {16, std::ldexp(1.0, -7), mx, -mx, std::ldexp(1.0, -126)};
  }
  if (t == float32)
    return {32, std::numeric_limits<float>::epsilon(), std::numeric_limits<float>::max(),
            -std::numeric_limits<float>::max(), std::numeric_limits<float>::min()};
  return {64, std::numeric_limits<double>::epsilon(), std::numeric_limits<double>::max(),
          -std::numeric_limits<double>::max(), std::numeric_limits<double>::min()};
}

nb::tuple iinfo(DataType t) {
  if (!t.is_integer()) throw nb::value_error(("iinfo: " + t.str() + " is not an integer dtype").c_str());
  return nb::make_tuple(static_cast<int>(t.bits), nb::int_(int_min(t)), nb::int_(int_max(t)));
}

std::string kind_char(DataType t) {
  return t.is_bool() ? "b" : t.is_int() ? "i" : t.is_uint() ? "u" : "f";
}

void register_dtype(nb::module_& m) {
  nb::class_<DataType>(m, "dtype", "A dtype of tessera arrays (compares equal to itself, its name and NumPy's).")
      .def_prop_ro("name", &DataType::str)
      .def_prop_ro("itemsize", &DataType::bytes)
      .def_prop_ro("kind", &kind_char)
      .def_prop_ro("dtype", [](const DataType& t) -> nb::object {  // lets np.dtype(ts.float32) work
        if (t == bfloat16) return nb::module_::import_("ml_dtypes").attr("bfloat16");
        return nb::module_::import_("numpy").attr("dtype")(t.str());
      })
      .def("__eq__", [](const DataType& a, nb::handle b) {
        if (nb::isinstance<DataType>(b)) return a == nb::cast<DataType>(b);
        if (b.is_none()) return false;
        try {
          return a == to_dtype(b);
        } catch (const nb::python_error&) {
          return false;
        } catch (const std::exception&) {
          return false;
        }
      })
      .def("__ne__", [](nb::handle a, nb::handle b) { return !nb::cast<bool>(a.attr("__eq__")(b)); })
      .def("__hash__", [](const DataType& t) { return nb::hash(nb::str(t.str().c_str())); })
      .def("__repr__", [](const DataType& t) { return "dtype('" + t.str() + "')"; })
      .def("__str__", &DataType::str);
  static const std::pair<const char*, DataType> dtypes[] = {
      {"bool", bool_}, {"int8", int8}, {"int16", int16}, {"int32", int32}, {"int64", int64},
      {"uint8", uint8}, {"uint16", uint16}, {"uint32", uint32}, {"uint64", uint64},
      {"float16", float16}, {"bfloat16", bfloat16}, {"float32", float32}, {"float64", float64}};
  nb::dict all;
  for (const auto& [name, t] : dtypes) all[name] = nb::cast(t);
  m.attr("dtypes") = all;
}

void register_elementwise(nb::module_& m) {
#define U(NAME) m.def(#NAME, &unary<static_cast<UnaryFn>(&tessera::NAME)>);
  U(abs) U(acos) U(acosh) U(asin) U(asinh) U(atan) U(atanh) U(bitwise_invert) U(ceil) U(cos) U(cosh) U(exp)
  U(expm1) U(floor) U(isfinite) U(isinf) U(isnan) U(log) U(log10) U(log1p) U(log2) U(logical_not) U(negative)
  U(positive) U(reciprocal) U(round) U(sign) U(signbit) U(sin) U(sinh) U(sqrt) U(square) U(tan) U(tanh) U(trunc)
#undef U
#define B(NAME) m.def(#NAME, &binary<static_cast<BinaryFn>(&tessera::NAME), fast_index(#NAME)>);
  B(add) B(atan2) B(bitwise_and) B(bitwise_left_shift) B(bitwise_or) B(bitwise_right_shift) B(bitwise_xor)
  B(copysign) B(divide) B(equal) B(floor_divide) B(greater) B(greater_equal) B(hypot) B(less) B(less_equal)
  B(logaddexp) B(logical_and) B(logical_or) B(logical_xor) B(maximum) B(minimum) B(multiply) B(nextafter)
  B(not_equal) B(pow) B(remainder) B(subtract)
#undef B
  def_any(m, "clip", +[](nb::handle x, nb::handle lo, nb::handle hi) {
    Array a = array_arg(x, "clip");
    HeldOperand l, h;
    // None bounds: the dtype's own range leaves values unchanged.
    auto edge = [&](bool upper) -> Scalar {
      DataType t = a.dtype();
      if (t.is_float()) return Scalar(upper ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity());
      if (t.is_bool()) return Scalar(upper);
      return upper ? Scalar(int_max(t)) : Scalar(int_min(t));
    };
    if (lo.is_none()) l.scalar = edge(false); else l = operand_or_throw(lo, "clip");
    if (hi.is_none()) h.scalar = edge(true); else h = operand_or_throw(hi, "clip");
    return tessera::clip(a, l.get(), h.get());
  });
  def_any(m, "where", +[](nb::handle c, nb::handle x, nb::handle y) {
    Array cond = array_arg(c, "where");
    HeldOperand a = operand_or_throw(x, "where"), b = operand_or_throw(y, "where");
    if (a.scalar && b.scalar) {  // two scalars: NumPy's default dtypes
      Array ax = asarray_object(x, std::nullopt, std::nullopt);
      return tessera::where(cond, ax, b.get());
    }
    return tessera::where(cond, a.get(), b.get());
  });
  def_any(m, "astype", +[](nb::handle x, nb::handle dtype, bool copy, nb::handle device) {
    Array a = array_arg(x, "astype");
    std::optional<DLDevice> d = device_arg(device, "astype");
    if (d && !same_device(*d, a.device())) return tessera::astype(to_device(a, *d), dtype_arg(dtype), false);
    return tessera::astype(a, dtype_arg(dtype), copy);
  });
}

void register_creation(nb::module_& m) {
  def_any(m, "asarray", +[](nb::handle obj, nb::handle dtype, nb::handle device, nb::handle copy) {
    std::optional<DLDevice> d = device_arg(device, "asarray");
    std::optional<bool> want_copy = optional_bool(copy, "asarray", "copy");
    Array a = asarray_object(obj, optional_dtype(dtype), want_copy);  // copy= holds on the source's device
    if (!d || same_device(*d, a.device())) return a;
    if (want_copy == false)
      throw nb::value_error(("asarray: copy=False, but the object is on " + device_name(a.device().device_type, a.device().device_id) +
                             ", not " + device_name(d->device_type, d->device_id)).c_str());
    return to_device(a, *d);
  });
  def_any(m, "from_dlpack", +[](nb::handle x, nb::handle device, nb::handle copy) {
    std::optional<DLDevice> d = device_arg(device, "from_dlpack");
    Array a = from_dlpack_object(x);
    if (d && !same_device(*d, a.device())) {
      if (!copy.is_none() && !nb::cast<bool>(copy)) {
        PyErr_SetString(PyExc_BufferError, ("from_dlpack: copy=False, but the tensor is on " +
                                            device_name(a.device().device_type, a.device().device_id)).c_str());
        throw nb::python_error();
      }
      try {
        return to_device(a, *d);
      } catch (const Error& e) {  // no GPU, say
        PyErr_SetString(PyExc_BufferError, ("from_dlpack: cannot copy the tensor from " +
                                            device_name(a.device().device_type, a.device().device_id) + " to " +
                                            device_name(d->device_type, d->device_id) + ": " + e.what()).c_str());
        throw nb::python_error();
      }
    }
    return !copy.is_none() && nb::cast<bool>(copy) ? a.copy() : a;
  });
  def_any(m, "arange", +[](nb::handle start, nb::handle stop, nb::handle step, nb::handle dtype, nb::handle device) {
    (void)device_arg(device, "arange");
    Scalar st = scalar_arg(start, "arange", "start");
    if (stop.is_none()) return place(tessera::arange(0, st, scalar_arg(step, "arange", "step"), optional_dtype(dtype)), device, "arange");
    return place(tessera::arange(st, scalar_arg(stop, "arange", "stop"), scalar_arg(step, "arange", "step"),
                           optional_dtype(dtype)), device, "arange");
  });
  def_any(m, "empty", +[](nb::handle shape, nb::handle dtype, nb::handle device) {
    (void)device_arg(device, "empty");
    return place(tessera::empty(shape_arg(shape, "empty"), optional_dtype(dtype).value_or(float64)), device, "empty");
  });
  def_any(m, "zeros", +[](nb::handle shape, nb::handle dtype, nb::handle device) {
    (void)device_arg(device, "zeros");
    return place(tessera::zeros(shape_arg(shape, "zeros"), optional_dtype(dtype).value_or(float64)), device, "zeros");
  });
  def_any(m, "ones", +[](nb::handle shape, nb::handle dtype, nb::handle device) {
    (void)device_arg(device, "ones");
    return place(tessera::ones(shape_arg(shape, "ones"), optional_dtype(dtype).value_or(float64)), device, "ones");
  });
  def_any(m, "full", +[](nb::handle shape, nb::handle value, nb::handle dtype, nb::handle device) {
    (void)device_arg(device, "full");
    return place(tessera::full(shape_arg(shape, "full"), scalar_arg(value, "full", "fill_value"), optional_dtype(dtype)), device, "full");
  });
  def_any(m, "empty_like", +[](nb::handle x, nb::handle dtype, nb::handle device) {
    (void)device_arg(device, "empty_like");
    return place_like(tessera::empty_like(array_arg(x, "empty_like"), optional_dtype(dtype)), device, array_arg(x, "empty_like"), "empty_like");
  });
  def_any(m, "zeros_like", +[](nb::handle x, nb::handle dtype, nb::handle device) {
    (void)device_arg(device, "zeros_like");
    return place_like(tessera::zeros_like(array_arg(x, "zeros_like"), optional_dtype(dtype)), device, array_arg(x, "zeros_like"), "zeros_like");
  });
  def_any(m, "ones_like", +[](nb::handle x, nb::handle dtype, nb::handle device) {
    (void)device_arg(device, "ones_like");
    return place_like(tessera::ones_like(array_arg(x, "ones_like"), optional_dtype(dtype)), device, array_arg(x, "ones_like"), "ones_like");
  });
  def_any(m, "full_like", +[](nb::handle x, nb::handle value, nb::handle dtype, nb::handle device) {
    (void)device_arg(device, "full_like");
    return place_like(tessera::full_like(array_arg(x, "full_like"), scalar_arg(value, "full_like", "fill_value"),
                              optional_dtype(dtype)), device, array_arg(x, "full_like"), "full_like");
  });
  def_any(m, "linspace", +[](nb::handle start, nb::handle stop, nb::handle num, nb::handle dtype, nb::handle device,
                       nb::handle endpoint) {
    (void)device_arg(device, "linspace");
    int64_t n = int64_arg(num, "linspace", "num");
    if (n < 0) throw nb::value_error(("linspace: num must be non-negative, got " + std::to_string(n)).c_str());
    return place(tessera::linspace(scalar_arg(start, "linspace", "start").as_double(),
                             scalar_arg(stop, "linspace", "stop").as_double(), n, optional_dtype(dtype),
                             bool_arg(endpoint, "linspace", "endpoint")), device, "linspace");
  });
  def_any(m, "eye", +[](nb::handle n_rows, nb::handle n_cols, nb::handle k, nb::handle dtype, nb::handle device) {
    (void)device_arg(device, "eye");
    std::optional<int64_t> cols;
    if (!n_cols.is_none()) cols = int64_arg(n_cols, "eye", "n_cols");
    return place(tessera::eye(int64_arg(n_rows, "eye", "n_rows"), cols, int64_arg(k, "eye", "k"),
                        optional_dtype(dtype).value_or(float64)), device, "eye");
  });
  def_any(m, "tril", +[](nb::handle x, nb::handle k) { return tessera::tril(array_arg(x, "tril"), int64_arg(k, "tril", "k")); });
  def_any(m, "triu", +[](nb::handle x, nb::handle k) { return tessera::triu(array_arg(x, "triu"), int64_arg(k, "triu", "k")); });
  def_any(m, "meshgrid", +[](nb::handle arrays, nb::handle indexing) {
    if (!nb::isinstance<nb::str>(indexing)) throw nb::type_error("meshgrid: indexing must be 'xy' or 'ij'");
    std::string ix = nb::cast<std::string>(indexing);
    if (ix != "xy" && ix != "ij") throw nb::value_error("meshgrid: indexing must be 'xy' or 'ij'");
    return array_tuple(tessera::meshgrid(array_list(arrays, "meshgrid"), ix));
  });
}

void register_data_types(nb::module_& m) {
  def_any(m, "result_type", +[](nb::handle items) {
    std::vector<ops::PromotionOperand> operands;
    for (nb::handle h : items) {
      if (const Array* a = as_array(h)) {
        operands.push_back(a->dtype());
      } else if (std::optional<Scalar> s = python_scalar(h)) {
        if (s->is_bool()) operands.push_back(ops::WeakScalar::of(s->as_int64() != 0));
        else if (s->is_int()) operands.push_back(ops::WeakScalar::of(s->as_int64()));
        else operands.push_back(ops::WeakScalar::of(s->as_double()));
      } else {
        operands.push_back(dtype_arg(h));
      }
    }
    if (operands.empty()) throw nb::value_error("result_type: at least one array or dtype is required");
    bool any_strong = false;
    for (const auto& o : operands) any_strong = any_strong || std::holds_alternative<DataType>(o);
    if (!any_strong) throw nb::value_error("result_type: at least one array or dtype is required, not only scalars");
    return ops::result_type(operands);
  });
  def_any(m, "can_cast", +[](nb::handle from, nb::handle to) {
    const Array* a = as_array(from);
    return can_cast(a ? a->dtype() : dtype_arg(from), dtype_arg(to), Casting::Safe);
  });
  def_any(m, "finfo", +[](nb::handle t) {
    const Array* a = as_array(t);
    return std::make_pair(a ? a->dtype() : dtype_arg(t), finfo(a ? a->dtype() : dtype_arg(t)));
  });
  def_any(m, "iinfo", +[](nb::handle t) {
    const Array* a = as_array(t);
    DataType d = a ? a->dtype() : dtype_arg(t);
    return std::make_pair(d, iinfo(d));
  });
  def_any(m, "dtype_arg", +[](nb::handle t) { return dtype_arg(t); });
}

void register_reduction_functions(nb::module_& m) {
#define R(NAME)                                                                                          \
  def_any(m, #NAME, +[](nb::handle x, nb::handle axis, nb::handle dtype, nb::handle keepdims) {                \
    return tessera::NAME(array_arg(x, #NAME), axes_arg(axis, #NAME), bool_arg(keepdims, #NAME, "keepdims"), \
                         optional_dtype(dtype));                                                         \
  });
  R(sum) R(prod) R(mean)
#undef R
#define R(NAME)                                                                                          \
  def_any(m, #NAME, +[](nb::handle x, nb::handle axis, nb::handle keepdims) {                                  \
    return tessera::NAME(array_arg(x, #NAME), axes_arg(axis, #NAME), bool_arg(keepdims, #NAME, "keepdims")); \
  });
  R(min) R(max) R(all) R(any) R(count_nonzero)
#undef R
#define R(NAME)                                                                                              \
  def_any(m, #NAME, +[](nb::handle x, nb::handle axis, nb::handle correction, nb::handle keepdims) {               \
    std::optional<Scalar> c = python_scalar(correction);                                                     \
    if (!c || c->is_bool()) throw nb::type_error(#NAME ": correction must be an int or a float");           \
    return tessera::NAME(array_arg(x, #NAME), axes_arg(axis, #NAME), c->as_double(),                        \
                         bool_arg(keepdims, #NAME, "keepdims"));                                              \
  });
  R(var) R(std)
#undef R
#define R(NAME)                                                                                          \
  def_any(m, #NAME, +[](nb::handle x, nb::handle axis, nb::handle keepdims) {                                  \
    return tessera::NAME(array_arg(x, #NAME), optional_axis(axis, #NAME), bool_arg(keepdims, #NAME, "keepdims")); \
  });
  R(argmin) R(argmax)
#undef R
#define R(NAME)                                                                                          \
  def_any(m, #NAME, +[](nb::handle x, nb::handle axis, nb::handle dtype, nb::handle include_initial) {         \
    return tessera::NAME(array_arg(x, #NAME), optional_axis(axis, #NAME), optional_dtype(dtype),         \
                         bool_arg(include_initial, #NAME, "include_initial"));                           \
  });
  R(cumulative_sum) R(cumulative_prod)
#undef R
  def_any(m, "matmul", +[](nb::handle a, nb::handle b) { return tessera::matmul(array_arg(a, "matmul"), array_arg(b, "matmul")); });
  def_any(m, "matrix_transpose", +[](nb::handle x) { return tessera::matrix_transpose(array_arg(x, "matrix_transpose")); });
  def_any(m, "vecdot", +[](nb::handle a, nb::handle b, nb::handle axis) {
    return tessera::vecdot(array_arg(a, "vecdot"), array_arg(b, "vecdot"), int_arg(axis, "vecdot", "axis"));
  });
  def_any(m, "tensordot", +[](nb::handle a, nb::handle b, nb::handle axes) {
    Array x = array_arg(a, "tensordot"), y = array_arg(b, "tensordot");
    if (PyTuple_Check(axes.ptr()) || PyList_Check(axes.ptr())) {
      if (nb::len(axes) != 2) throw nb::value_error("tensordot: axes must be an int or a pair of axis sequences");
      return tessera::tensordot(x, y, int_list(axes[0], "tensordot", "axes"), int_list(axes[1], "tensordot", "axes"));
    }
    int n = int_arg(axes, "tensordot", "axes");
    if (n < 0) throw nb::value_error("tensordot: axes must be a non-negative integer");
    return tessera::tensordot(x, y, n);
  });
}

void register_manipulation(nb::module_& m) {
  m.def("broadcast_arrays", [](nb::args arrays) { return array_tuple(tessera::broadcast_arrays(array_list(arrays, "broadcast_arrays"))); });
  m.def("broadcast_shapes", [](nb::args shapes) {
    std::vector<Shape> s;
    for (nb::handle h : shapes) s.push_back(shape_arg(h, "broadcast_shapes"));
    Shape r = tessera::broadcast_shapes(s);
    nb::list out;
    for (int64_t e : r) out.append(e);
    return nb::tuple(out);
  });
  def_any(m, "broadcast_to", +[](nb::handle x, nb::handle shape) {
    return tessera::broadcast_to(array_arg(x, "broadcast_to"), shape_arg(shape, "broadcast_to"));
  });
  def_any(m, "concat", +[](nb::handle arrays, nb::handle axis) {
    return tessera::concat(array_list(arrays, "concat"), optional_axis(axis, "concat"));
  });
  def_any(m, "stack", +[](nb::handle arrays, nb::handle axis) {
    return tessera::stack(array_list(arrays, "stack"), int_arg(axis, "stack", "axis"));
  });
  def_any(m, "expand_dims", +[](nb::handle x, nb::handle axis) {
    return tessera::expand_dims(array_arg(x, "expand_dims"), Axes(int_list(axis, "expand_dims", "axis")));
  });
  def_any(m, "squeeze", +[](nb::handle x, nb::handle axis) {
    return tessera::squeeze(array_arg(x, "squeeze"), Axes(int_list(axis, "squeeze", "axis")));
  });
  def_any(m, "flip", +[](nb::handle x, nb::handle axis) { return tessera::flip(array_arg(x, "flip"), axes_arg(axis, "flip")); });
  def_any(m, "moveaxis", +[](nb::handle x, nb::handle src, nb::handle dst) {
    return tessera::moveaxis(array_arg(x, "moveaxis"), int_list(src, "moveaxis", "source"),
                             int_list(dst, "moveaxis", "destination"));
  });
  def_any(m, "permute_dims", +[](nb::handle x, nb::handle axes) {
    return tessera::permute_dims(array_arg(x, "permute_dims"), int_list(axes, "permute_dims", "axes"));
  });
  def_any(m, "reshape", +[](nb::handle x, nb::handle shape, nb::handle copy) {
    return tessera::reshape(array_arg(x, "reshape"), shape_arg(shape, "reshape"), optional_bool(copy, "reshape", "copy"));
  });
  def_any(m, "repeat", +[](nb::handle x, nb::handle repeats, nb::handle axis) {
    Array a = array_arg(x, "repeat");
    if (const Array* r = as_array(repeats)) return tessera::repeat(a, *r, optional_axis(axis, "repeat"));
    int64_t n = int64_arg(repeats, "repeat", "repeats");
    if (n < 0) throw nb::value_error("repeat: repeats must be non-negative");
    return tessera::repeat(a, n, optional_axis(axis, "repeat"));
  });
  def_any(m, "roll", +[](nb::handle x, nb::handle shift, nb::handle axis) {
    Array a = array_arg(x, "roll");
    if (PyTuple_Check(shift.ptr()) || PyList_Check(shift.ptr())) {
      std::vector<int64_t> shifts;
      for (nb::handle s : shift) shifts.push_back(int64_arg(s, "roll", "shift"));
      if (axis.is_none()) throw nb::value_error("roll: a sequence of shifts needs axis");
      std::vector<int> axes = int_list(axis, "roll", "axis");
      if (axes.size() != shifts.size()) {
        if (axes.size() == 1) axes.assign(shifts.size(), axes[0]);
        else if (shifts.size() == 1) shifts.assign(axes.size(), shifts[0]);
        else throw nb::value_error("roll: shift and axis must have the same length");
      }
      return tessera::roll(a, shifts, axes);
    }
    int64_t s = int64_arg(shift, "roll", "shift");
    if (axis.is_none()) return tessera::roll(a, s, std::nullopt);
    std::vector<int> axes = int_list(axis, "roll", "axis");
    return tessera::roll(a, std::vector<int64_t>(axes.size(), s), axes);
  });
  def_any(m, "tile", +[](nb::handle x, nb::handle reps) {
    std::vector<int64_t> r;
    for (nb::handle e : nb::borrow<nb::sequence>(reps)) r.push_back(int64_arg(e, "tile", "repetitions"));
    return tessera::tile(array_arg(x, "tile"), r);
  });
  def_any(m, "unstack", +[](nb::handle x, nb::handle axis) {
    return array_tuple(tessera::unstack(array_arg(x, "unstack"), int_arg(axis, "unstack", "axis")));
  });
  def_any(m, "take", +[](nb::handle x, nb::handle indices, nb::handle axis) {
    return tessera::take(array_arg(x, "take"), array_arg(indices, "take"), optional_axis(axis, "take"));
  });
  def_any(m, "take_along_axis", +[](nb::handle x, nb::handle indices, nb::handle axis) {
    return tessera::take_along_axis(array_arg(x, "take_along_axis"), array_arg(indices, "take_along_axis"),
                                    int_arg(axis, "take_along_axis", "axis"));
  });
  def_any(m, "sort", +[](nb::handle x, nb::handle axis, nb::handle descending, nb::handle stable) {
    return tessera::sort(array_arg(x, "sort"), int_arg(axis, "sort", "axis"), bool_arg(descending, "sort", "descending"),
                         bool_arg(stable, "sort", "stable"));
  });
  def_any(m, "argsort", +[](nb::handle x, nb::handle axis, nb::handle descending, nb::handle stable) {
    return tessera::argsort(array_arg(x, "argsort"), int_arg(axis, "argsort", "axis"),
                            bool_arg(descending, "argsort", "descending"), bool_arg(stable, "argsort", "stable"));
  });
  def_any(m, "searchsorted", +[](nb::handle x1, nb::handle x2, nb::handle side, nb::handle sorter) {
    std::string s = nb::isinstance<nb::str>(side) ? nb::cast<std::string>(side) : "";
    if (s != "left" && s != "right") throw nb::value_error("searchsorted: side must be 'left' or 'right'");
    Array hay = array_arg(x1, "searchsorted");
    Array needles = array_arg(x2, "searchsorted");
    if (sorter.is_none()) return tessera::searchsorted(hay, needles, s == "right");
    Array order = array_arg(sorter, "searchsorted");
    return tessera::searchsorted(hay, needles, s == "right", &order);
  });
  def_any(m, "unique_values", +[](nb::handle x) { return tessera::unique_values(array_arg(x, "unique_values")); });
  def_any(m, "nonzero", +[](nb::handle x) { return array_tuple(tessera::nonzero(array_arg(x, "nonzero"))); });
}

}  // namespace

void register_array_api(nb::module_& m) {
  register_dtype(m);
  register_elementwise(m);
  register_creation(m);
  register_data_types(m);
  register_reduction_functions(m);
  register_manipulation(m);
}

}  // namespace tessera::python
