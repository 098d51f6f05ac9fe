#include "array_convert.h"

#include <nanobind/ndarray.h>
#include <nanobind/stl/string.h>

#include <cstring>
#include <string>

#include "convert.h"

namespace tessera::python {
namespace {

[[noreturn]] void buffer_error(const std::string& msg) {
  PyErr_SetString(PyExc_BufferError, msg.c_str());
  throw nb::python_error();
}

std::string py_type_name(nb::handle h) {
  return nb::cast<std::string>(nb::handle(reinterpret_cast<PyObject*>(Py_TYPE(h.ptr()))).attr("__name__"));
}

// ---- nested sequences --------------------------------------------------------------------

struct Nested {
  Shape shape;
  bool shape_known = false;
  Scalar::Kind kind = Scalar::Kind::Bool;
  std::vector<Scalar> values;
};

bool is_sequence(nb::handle h) {
  return PyList_Check(h.ptr()) || PyTuple_Check(h.ptr()) || PyRange_Check(h.ptr());
}

Scalar leaf_value(nb::handle h) {
  if (std::optional<Scalar> s = python_scalar(h)) return *s;
  if (PyComplex_Check(h.ptr())) throw nb::type_error("asarray: complex values are not supported");
  if (nb::hasattr(h, "dtype") && nb::hasattr(h, "item")) {  // a NumPy scalar: its value
    nb::object v = h.attr("item")();
    if (std::optional<Scalar> s = python_scalar(v)) return *s;
  }
  throw nb::type_error(("asarray: cannot convert an element of type " + py_type_name(h) + " to a number").c_str());
}

void walk(nb::handle h, size_t depth, Nested* out) {
  if (!is_sequence(h)) {
    if (!out->shape_known) {
      out->shape.resize(depth);
      out->shape_known = true;
    } else if (out->shape.size() != depth) {
      throw nb::value_error("asarray: the nested sequence has an inhomogeneous shape");
    }
    Scalar s = leaf_value(h);
    if (static_cast<int>(s.kind()) > static_cast<int>(out->kind)) out->kind = s.kind();
    out->values.push_back(s);
    return;
  }
  if (depth >= 32) throw nb::value_error("asarray: sequences nested deeper than 32 levels");
  nb::sequence seq = nb::borrow<nb::sequence>(h);
  const int64_t n = static_cast<int64_t>(nb::len(seq));
  if (!out->shape_known && n == 0) {
    out->shape.resize(depth + 1);
    out->shape[depth] = 0;
    out->shape_known = true;
    return;
  }
  if (out->shape_known) {
    if (out->shape.size() <= depth || out->shape[depth] != n)
      throw nb::value_error("asarray: the nested sequence has an inhomogeneous shape");
  } else if (out->shape.size() <= depth) {
    out->shape.resize(depth + 1);
    out->shape[depth] = n;
  }
  for (nb::handle item : seq) walk(item, depth + 1, out);
}

Array from_nested(nb::handle obj, std::optional<DataType> dtype) {
  Nested nested;
  walk(obj, 0, &nested);
  if (!nested.shape_known) nested.shape_known = true;
  DataType natural = nested.values.empty() ? float64
                   : nested.kind == Scalar::Kind::Bool ? bool_
                   : nested.kind == Scalar::Kind::Int ? int64
                   : float64;
  DataType t = dtype.value_or(natural);
  Array out;
  if (natural == float64) {
    std::vector<double> v;
    for (const Scalar& s : nested.values) v.push_back(s.as_double());
    out = tessera::asarray(v, nested.shape);
  } else if (natural == bool_) {
    std::vector<bool> v;
    for (const Scalar& s : nested.values) v.push_back(s.as_int64() != 0);
    out = tessera::asarray(v, nested.shape);
  } else {
    std::vector<int64_t> v;
    for (const Scalar& s : nested.values) {
      // NumPy 2 refuses Python ints that do not fit the requested (or default) dtype.
      bool fits = !s.is_big() || (t.is_uint() && t.bits == 64);
      if (fits && t.is_integer()) {
        fits = s.is_big() ? s.as_uint64() <= int_max(t)
                          : s.as_int64() >= int_min(t) && (s.as_int64() < 0 || static_cast<uint64_t>(s.as_int64()) <= int_max(t));
      }
      if (!fits) throw std::overflow_error("Python integer " + s.str() + " out of bounds for " + t.str());
      v.push_back(s.as_int64());
    }
    if (t == uint64) {  // keep values above INT64_MAX exact
      Array u = tessera::asarray(v, nested.shape);
      return Array(u.storage(), uint64, u.shape(), u.strides(), u.byte_offset());
    }
    out = tessera::asarray(v, nested.shape);
  }
  return out.dtype() == t ? out : out.astype(t);
}

// ---- DLPack --------------------------------------------------------------------------------

void delete_versioned(PyObject* cap) {
  if (PyCapsule_IsValid(cap, "dltensor_versioned")) {
    auto* t = static_cast<DLManagedTensorVersioned*>(PyCapsule_GetPointer(cap, "dltensor_versioned"));
    if (t && t->deleter) t->deleter(t);
  }
}

void delete_legacy(PyObject* cap) {
  if (PyCapsule_IsValid(cap, "dltensor")) {
    auto* t = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(cap, "dltensor"));
    if (t && t->deleter) t->deleter(t);
  }
}

Array from_capsule(nb::handle cap) {
  PyObject* c = cap.ptr();
  const char* name = PyCapsule_GetName(c);
  if (!name) {
    PyErr_Clear();
    buffer_error("from_dlpack: the capsule has no name; expected a DLPack capsule");
  }
  if (std::strcmp(name, "dltensor_versioned") == 0) {
    auto* t = static_cast<DLManagedTensorVersioned*>(PyCapsule_GetPointer(c, name));
    if (!t) throw nb::python_error();
    PyCapsule_SetName(c, "used_dltensor_versioned");
    return tessera::from_dlpack(t);
  }
  if (std::strcmp(name, "dltensor") == 0) {
    auto* t = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(c, name));
    if (!t) throw nb::python_error();
    PyCapsule_SetName(c, "used_dltensor");
    return tessera::from_dlpack(t);
  }
  if (std::strncmp(name, "used_", 5) == 0)
    buffer_error("from_dlpack: the DLPack capsule was already consumed");
  buffer_error(std::string("from_dlpack: a capsule named '") + name + "' is not a DLPack capsule");
}

nb::object numpy() { return nb::module_::import_("numpy"); }

bool is_numpy_array(nb::handle h) {
  // numpy.ndarray and numpy.generic, looked up once NumPy is imported (kept for the process).
  static PyObject* ndarray = nullptr;
  static PyObject* generic = nullptr;
  if (!ndarray) {
    PyObject* mod = PyImport_GetModule(nb::str("numpy").ptr());
    if (!mod) {
      PyErr_Clear();
      return false;
    }
    nb::object np = nb::steal(mod);
    ndarray = nb::object(np.attr("ndarray")).release().ptr();
    generic = nb::object(np.attr("generic")).release().ptr();
  }
  return PyObject_TypeCheck(h.ptr(), reinterpret_cast<PyTypeObject*>(ndarray)) ||
         PyObject_TypeCheck(h.ptr(), reinterpret_cast<PyTypeObject*>(generic));
}

// The dtype of a buffer-protocol format character and item size; nullopt when arrays do
// not hold it.
std::optional<DataType> buffer_dtype(const char* format, Py_ssize_t itemsize) {
  if (!format) return uint8;
  if (*format == '<' || *format == '=' || *format == '@') ++format;  // native order only
  if (format[0] == 0 || format[1] != 0) return std::nullopt;
  const int bits = static_cast<int>(itemsize * 8);
  switch (*format) {
    case '?': return bool_;
    case 'b': case 'h': case 'i': case 'l': case 'q': return DataType::Int(bits);
    case 'B': case 'H': case 'I': case 'L': case 'Q': return DataType::UInt(bits);
    case 'e': return float16;
    case 'f': return float32;
    case 'd': return float64;
    default: return std::nullopt;
  }
}

// A view of a NumPy array through the buffer protocol (the fastest way in); an undefined
// Array when the buffer cannot be one (unsupported dtype, strides not in whole elements).
Array buffer_view(nb::handle h) {
  auto view = std::make_shared<Py_buffer>();
  if (PyObject_GetBuffer(h.ptr(), view.get(), PyBUF_RECORDS_RO) != 0) {
    PyErr_Clear();
    return Array();
  }
  std::optional<DataType> dt = buffer_dtype(view->format, view->itemsize);
  bool ok = dt && dt->bytes() == view->itemsize && view->ndim <= 32;
  Shape shape, strides;
  for (int d = 0; ok && d < view->ndim; ++d) {
    shape.push_back(view->shape[d]);
    ok = view->strides[d] % view->itemsize == 0;
    strides.push_back(view->strides[d] / view->itemsize);
  }
  if (!ok) {
    PyBuffer_Release(view.get());
    return Array();
  }
  const bool writeable = !view->readonly;
  auto storage = Storage::adopt(view->buf, DLDevice{kDLCPU, 0}, [view] {
    nb::gil_scoped_acquire gil;
    PyBuffer_Release(view.get());
  });
  return Array(storage, *dt, shape, strides, 0, writeable);
}

// A view of a NumPy array through nanobind's ndarray import (no DLPack capsule, no Python
// attribute lookups); an undefined Array when h is not one nanobind can read.
Array numpy_view(nb::handle h) {
  using RW = nb::ndarray<nb::device::cpu>;
  using RO = nb::ndarray<nb::ro, nb::device::cpu>;
  bool writeable = true;
  RO nd;
  RW rw;
  if (nb::try_cast<RW>(h, rw)) {
    nd = RO(rw);
  } else if (nb::try_cast<RO>(h, nd)) {
    writeable = false;
  } else {
    // ml_dtypes' bfloat16 has no buffer or DLPack code: read its bits as uint16.
    nb::object dt = nb::getattr(h, "dtype", nb::none());
    if (dt.is_none() || !nb::hasattr(dt, "name") || nb::cast<std::string>(nb::str(dt.attr("name"))) != "bfloat16")
      return Array();
    Array bits = numpy_view(h.attr("view")(nb::module_::import_("numpy").attr("uint16")));
    if (!bits.defined()) return Array();
    return Array(bits.storage(), bfloat16, bits.shape(), bits.strides(), bits.byte_offset(), bits.writeable());
  }
  nb::dlpack::dtype t = nd.dtype();
  DataType dt;
  try {
    dt = from_dl(DLDataType{t.code, t.bits, t.lanes});
  } catch (const Error&) {
    return Array();
  }
  Shape shape(nd.ndim()), strides(nd.ndim());
  for (size_t d = 0; d < nd.ndim(); ++d) {
    shape[d] = static_cast<int64_t>(nd.shape(d));
    strides[d] = nd.stride(d);
  }
  PyObject* ref = h.ptr();
  Py_INCREF(ref);
  auto storage = Storage::adopt(const_cast<void*>(nd.data()), DLDevice{kDLCPU, 0}, [ref] {
    nb::gil_scoped_acquire gil;
    Py_DECREF(ref);
  });
  return Array(storage, dt, shape, strides, 0, writeable);
}

}  // namespace

std::optional<Scalar> python_scalar(nb::handle h) {
  PyObject* p = h.ptr();
  if (PyBool_Check(p)) return Scalar(p == Py_True);
  if (PyLong_CheckExact(p)) {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(p, &overflow);
    if (!overflow) return Scalar(static_cast<int64_t>(v));
    if (overflow > 0) {
      unsigned long long u = PyLong_AsUnsignedLongLong(p);
      if (!PyErr_Occurred()) return Scalar(static_cast<uint64_t>(u));
      PyErr_Clear();
    }
    throw std::overflow_error("Python integer " + std::string(nb::str(h).c_str()) + " is out of bounds for every integer dtype");
  }
  if (PyFloat_CheckExact(p)) return Scalar(PyFloat_AS_DOUBLE(p));
  return std::nullopt;
}

const Array* as_array(nb::handle h) {
  if (!nb::isinstance<Array>(h)) return nullptr;
  return nb::inst_ptr<Array>(h);
}

bool to_operand(nb::handle h, HeldOperand* out) {
  if (const Array* a = as_array(h)) {
    out->array = *a;
    return true;
  }
  if (std::optional<Scalar> s = python_scalar(h)) {
    out->scalar = s;
    return true;
  }
  if (is_sequence(h) || nb::hasattr(h, "__dlpack__") || is_numpy_array(h) || nb::hasattr(h, "__array__")) {
    out->array = asarray_object(h, std::nullopt, std::nullopt);
    return true;
  }
  return false;
}

HeldOperand operand_or_throw(nb::handle h, const char* fn) {
  HeldOperand op;
  if (!to_operand(h, &op))
    throw nb::type_error((std::string(fn) + ": expected an array or a Python scalar, got " + py_type_name(h)).c_str());
  return op;
}

Array array_arg(nb::handle h, const char* fn) {
  if (const Array* a = as_array(h)) return *a;
  if (python_scalar(h) || is_sequence(h) || nb::hasattr(h, "__dlpack__") || is_numpy_array(h) ||
      nb::hasattr(h, "__array__"))
    return asarray_object(h, std::nullopt, std::nullopt);
  throw nb::type_error((std::string(fn) + ": expected an array, got " + py_type_name(h)).c_str());
}

Array asarray_object(nb::handle obj, std::optional<DataType> dtype, std::optional<bool> copy) {
  if (const Array* a = as_array(obj)) return tessera::asarray(*a, dtype, copy);
  if (std::optional<Scalar> s = python_scalar(obj)) {
    if (copy == false) throw nb::value_error("asarray: copy=False, but a Python scalar must be copied into an array");
    DataType natural = s->is_bool() ? bool_ : s->is_int() ? int64 : float64;
    if (!dtype && s->is_big()) throw std::overflow_error("Python integer " + s->str() + " out of bounds for int64");
    return full({}, *s, dtype.value_or(natural));
  }
  if (is_sequence(obj)) {
    if (copy == false) throw nb::value_error("asarray: copy=False, but a sequence must be copied into an array");
    return from_nested(obj, dtype);
  }
  if (PyComplex_Check(obj.ptr())) throw nb::type_error("asarray: complex values are not supported");
  if (is_numpy_array(obj)) {
    Array view = buffer_view(obj);
    if (!view.defined()) view = numpy_view(obj);
    if (view.defined()) return tessera::asarray(view, dtype, copy);
  }
  if (nb::hasattr(obj, "__dlpack__")) {
    Array a;
    bool imported = true;
    try {
      a = from_dlpack_object(obj);
    } catch (const nb::python_error& e) {
      // NumPy refuses some exports (unaligned or byte-swapped arrays); a copy through NumPy
      // still works unless the caller forbade copies.
      if (!e.matches(PyExc_BufferError) || copy == false || !is_numpy_array(obj)) throw;
      imported = false;
    }
    if (imported) return tessera::asarray(a, dtype, copy);
  }
  if (PyObject_CheckBuffer(obj.ptr()) && !PyBytes_Check(obj.ptr()) && !PyByteArray_Check(obj.ptr())) {
    Array view = buffer_view(obj);  // the standard's SupportsBufferProtocol (memoryview, array.array, ...)
    if (view.defined()) return tessera::asarray(view, dtype, copy);
  }
  if (is_numpy_array(obj) || nb::hasattr(obj, "__array__")) {
    if (copy == false && !is_numpy_array(obj))
      throw nb::value_error("asarray: copy=False, but this object can only be read by copying");
    nb::object arr = numpy().attr("ascontiguousarray")(obj);
    if (nb::cast<std::string>(arr.attr("dtype").attr("kind")) == "O")
      throw nb::type_error(("asarray: cannot convert an object of type " + py_type_name(obj) + " to an array").c_str());
    return tessera::asarray(from_dlpack_object(arr), dtype, false);
  }
  throw nb::type_error(("asarray: cannot convert an object of type " + py_type_name(obj) + " to an array").c_str());
}

DataType dtype_arg(nb::handle h) {
  if (nb::isinstance<DataType>(h)) return nb::cast<DataType>(h);
  if (h.is_none()) throw nb::type_error("a dtype is required, got None");
  DataType t = to_dtype(h);
  if (!is_array_dtype(t)) throw nb::type_error(("data type " + t.str() + " is not supported by arrays").c_str());
  return t;
}

std::optional<DataType> optional_dtype(nb::handle h) {
  if (h.is_none()) return std::nullopt;
  return dtype_arg(h);
}

void check_device(nb::handle device, const char* fn) {
  if (device.is_none() || (nb::isinstance<Device>(device) && nb::cast<const Device&>(device).type == kDLCPU)) return;
  if (nb::isinstance<nb::str>(device) && nb::cast<std::string>(device) == "cpu") return;
  throw nb::value_error((std::string(fn) + ": unsupported device " + nb::cast<std::string>(nb::repr(device)) +
                         " (tessera arrays live on the CPU)").c_str());
}

nb::object dlpack_capsule(const Array& x, bool versioned) {
  PyObject* cap = versioned ? PyCapsule_New(to_dlpack(x), "dltensor_versioned", delete_versioned)
                            : PyCapsule_New(to_dlpack_unversioned(x), "dltensor", delete_legacy);
  if (!cap) throw nb::python_error();
  return nb::steal(cap);
}

Array from_dlpack_object(nb::handle obj) {
  if (PyCapsule_CheckExact(obj.ptr())) return from_capsule(obj);
  if (!nb::hasattr(obj, "__dlpack__"))
    throw nb::type_error(("from_dlpack: an object of type " + py_type_name(obj) +
                          " does not support DLPack (no __dlpack__ method)").c_str());
  nb::object cap;
  // A CUDA producer orders its work before tessera's stream (the legacy default, 1).
  nb::object stream = nb::none();
  if (nb::hasattr(obj, "__dlpack_device__")) {
    nb::object dev = obj.attr("__dlpack_device__")();
    if (nb::len(dev) == 2 && nb::cast<int>(dev[0]) == kDLCUDA) stream = nb::int_(1);
  }
  try {
    cap = stream.is_none() ? obj.attr("__dlpack__")(nb::arg("max_version") = nb::make_tuple(1, 0))
                           : obj.attr("__dlpack__")(nb::arg("stream") = stream, nb::arg("max_version") = nb::make_tuple(1, 0));
  } catch (const nb::python_error& e) {
    if (!e.matches(PyExc_TypeError)) throw;  // an older producer without max_version
    cap = stream.is_none() ? obj.attr("__dlpack__")() : obj.attr("__dlpack__")(nb::arg("stream") = stream);
  }
  if (!PyCapsule_CheckExact(cap.ptr())) buffer_error("from_dlpack: __dlpack__ did not return a capsule");
  return from_capsule(cap);
}

Axes axes_arg(nb::handle h, const char* fn) {
  if (h.is_none()) return Axes::all();
  if (PyTuple_Check(h.ptr()) || PyList_Check(h.ptr())) {
    std::vector<int> axes;
    for (nb::handle a : h) axes.push_back(int_arg(a, fn, "axis"));
    return Axes(axes);
  }
  return Axes(int_arg(h, fn, "axis"));
}

std::optional<int> optional_axis(nb::handle h, const char* fn) {
  if (h.is_none()) return std::nullopt;
  return int_arg(h, fn, "axis");
}

int int_arg(nb::handle h, const char* fn, const char* what) {
  if (PyBool_Check(h.ptr()) || !PyIndex_Check(h.ptr()))
    throw nb::type_error((std::string(fn) + ": " + what + " must be an integer, got " + py_type_name(h)).c_str());
  Py_ssize_t v = PyNumber_AsSsize_t(h.ptr(), PyExc_OverflowError);
  if (v == -1 && PyErr_Occurred()) throw nb::python_error();
  if (v < -(1LL << 31) || v >= (1LL << 31))
    throw std::overflow_error(std::string(fn) + ": " + what + " " + std::to_string(v) + " is out of range");
  return static_cast<int>(v);
}

Shape shape_arg(nb::handle h, const char* fn) {
  auto one = [&](nb::handle e) -> int64_t {
    if (PyBool_Check(e.ptr()) || !PyIndex_Check(e.ptr()))
      throw nb::type_error((std::string(fn) + ": shape entries must be integers, got " + py_type_name(e)).c_str());
    Py_ssize_t v = PyNumber_AsSsize_t(e.ptr(), PyExc_OverflowError);
    if (v == -1 && PyErr_Occurred()) throw nb::python_error();
    return v;
  };
  Shape out;
  if (PyTuple_Check(h.ptr()) || PyList_Check(h.ptr())) {
    for (nb::handle e : h) out.push_back(one(e));
  } else {
    out.push_back(one(h));
  }
  return out;
}

nb::object to_numpy(const Array& x) {
  if (x.device().device_type != kDLCPU)
    throw nb::type_error(("cannot convert an array on " + device_name(x.device().device_type, x.device().device_id) +
                          " to NumPy implicitly; copy it to the host first with x.to_device('cpu')").c_str());
  nb::object np = numpy();
  if (x.dtype() == bfloat16) {
    nb::object bf16;
    try {
      bf16 = nb::module_::import_("ml_dtypes").attr("bfloat16");
    } catch (const nb::python_error&) {
      throw nb::type_error("bfloat16 arrays need the ml_dtypes package to convert to NumPy");
    }
    Array bits(x.storage(), uint16, x.shape(), x.strides(), x.byte_offset(), x.writeable());
    return np.attr("from_dlpack")(nb::cast(bits)).attr("view")(bf16);
  }
  // The buffer protocol (bind_array.cpp) is NumPy's fastest way in; bfloat16 takes the branch above.
  static PyObject* asarray = nb::object(np.attr("asarray")).release().ptr();  // kept for the process's lifetime
  return nb::handle(asarray)(nb::cast(x));
}

}  // namespace tessera::python
