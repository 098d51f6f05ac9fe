// tessera.Array: the C++ tessera::Array as a Python object, with NumPy's operators (each a
// nanobind method calling the C++ function directly, the per-call hot path), indexing,
// conversions to Python numbers, DLPack and NumPy interop, and repr.
//
// Operators return NotImplemented for operands they cannot read, so Python tries the other
// side and then raises TypeError, as NumPy does. Python scalars are weak (NEP 50).
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <cmath>

#include "array_convert.h"
#include "bindings.h"
#include "tessera/array/device.h"
#include "tessera/ops/dispatch.h"
#include "tessera/ops/library.h"

namespace tessera::python {
namespace {

using BinaryFn = Array (*)(const tessera::Operand&, const tessera::Operand&);

// The hot path of `a + b` on two arrays of one shape: the operator's result dtype is looked
// up in a small per-operator cache, then the output is allocated and ops::call runs the
// kernel, skipping the general path's operand materialization (same result: for two arrays
// the general path is exactly plan, allocate, call).
struct FastOp {
  const char* name;
  const ops::OpDef* def = nullptr;
  struct Sig {
    DataType a, b, out;
  };
  std::vector<Sig> sigs;
};

FastOp& fast_op(int index) {
  static std::vector<FastOp> table = [] {
    std::vector<FastOp> t;
    for (const char* name : kFastOps) t.push_back({name});
    return t;
  }();
  return table[static_cast<size_t>(index)];
}

Array fast_binary_impl(FastOp& op, const Array& x, const Array& y) {
  if (!op.def) {
    ops::ensure_registered();
    op.def = ops::find_op(op.name);
  }
  DLTensor dx = x.dl(), dy = y.dl();
  DataType out{};
  bool found = false;
  for (const FastOp::Sig& s : op.sigs)
    if (s.a == x.dtype() && s.b == y.dtype()) {
      out = s.out;
      found = true;
      break;
    }
  if (!found) {
    ops::CallPlan plan = ops::plan_call(*op.def, {&dx, &dy});
    out = plan.sig.outputs[0];
    if (op.sigs.size() < 64) op.sigs.push_back({x.dtype(), y.dtype(), out});
  }
  Array result = tessera::empty(x.shape(), out);
  DLTensor dr = result.dl();
  ops::call(*op.def, {&dx, &dy}, {&dr});
  return result;
}

}  // namespace

bool fast_eligible(const Array& x, const Array& y) {
  return x.defined() && y.defined() && x.shape() == y.shape() && x.device().device_type == kDLCPU &&
         y.device().device_type == kDLCPU;
}

Array fast_binary(int op_index, const Array& x, const Array& y) { return fast_binary_impl(fast_op(op_index), x, y); }

namespace {

// a OP b with self on the left, or (reflected) on the right.
template <BinaryFn F, bool Reflected, int Fast = -1>
nb::object binary(const Array& self, nb::handle other) {
  if constexpr (Fast >= 0) {
    if (const Array* o = as_array(other); o && fast_eligible(self, *o))
      return nb::cast(Reflected ? fast_binary(Fast, *o, self) : fast_binary(Fast, self, *o));
  }
  HeldOperand o;
  if (!to_operand(other, &o)) return nb::borrow(Py_NotImplemented);
  return nb::cast(Reflected ? F(o.get(), tessera::Operand(self)) : F(tessera::Operand(self), o.get()));
}

Array matmul_op(const tessera::Operand& a, const tessera::Operand& b) {
  if (!a.array() || !b.array()) throw nb::type_error("matmul: operands must be arrays, not scalars");
  return tessera::matmul(*a.array(), *b.array());
}

// a OP= b: in place when the result fits a (same_kind), returning a itself.
nb::object inplace_op(nb::handle self, nb::handle other, const char* op) {
  Array& a = nb::cast<Array&>(self);
  HeldOperand o;
  if (!to_operand(other, &o)) return nb::borrow(Py_NotImplemented);
  if (std::string(op) == "matmul") {
    if (!o.scalar) {
      Array r = tessera::matmul(a, o.array);
      if (r.shape() != a.shape())
        throw nb::value_error("matmul: in-place result would change the array's shape");
      if (!can_cast(r.dtype(), a.dtype(), Casting::SameKind))
        throw nb::type_error(("matmul: cannot cast the result from " + r.dtype().str() + " to " + a.dtype().str() +
                              " with casting rule 'same_kind'").c_str());
      a.assign(r);
      return nb::borrow(self);
    }
    throw nb::type_error("matmul: operands must be arrays, not scalars");
  }
  tessera::inplace(op, a, o.get());
  return nb::borrow(self);
}

// A (major, minor) or (device type, id) argument of __dlpack__.
std::pair<int, int> int_pair(nb::handle h, const char* what) {
  std::pair<int, int> out;
  if (!PyTuple_Check(h.ptr()) || nb::len(h) != 2 || !nb::try_cast(h, out))
    throw nb::type_error((std::string("__dlpack__: ") + what + " must be a tuple of two integers").c_str());
  return out;
}

// ---- indexing ----------------------------------------------------------------------------

bool is_array_index(nb::handle h) {
  return as_array(h) || PyList_Check(h.ptr()) || PyTuple_Check(h.ptr()) || nb::hasattr(h, "__dlpack__") ||
         (nb::hasattr(h, "__array__") && !PyIndex_Check(h.ptr()));
}

std::optional<int64_t> slice_part(PyObject* v) {
  if (v == Py_None) return std::nullopt;
  if (!PyIndex_Check(v)) throw nb::type_error("slice indices must be integers or None");
  Py_ssize_t n = PyNumber_AsSsize_t(v, nullptr);  // clipped, as Python's slices are
  if (n == -1 && PyErr_Occurred()) throw nb::python_error();
  return n;
}

AdvancedIndex one_index(nb::handle h) {
  PyObject* p = h.ptr();
  if (PySlice_Check(p)) {
    auto* s = reinterpret_cast<PySliceObject*>(p);
    return Slice{slice_part(s->start), slice_part(s->stop), slice_part(s->step)};
  }
  if (p == Py_None) return newaxis;
  if (p == Py_Ellipsis) return ellipsis;
  if (PyBool_Check(p)) throw nb::index_error("boolean scalar indices are not supported; use a boolean array");
  if (const Array* a = as_array(h)) return *a;
  if (PyIndex_Check(p) && !is_array_index(h)) {
    Py_ssize_t n = PyNumber_AsSsize_t(p, PyExc_IndexError);
    if (n == -1 && PyErr_Occurred()) throw nb::python_error();
    return static_cast<int64_t>(n);
  }
  if (is_array_index(h)) return asarray_object(h, std::nullopt, std::nullopt);
  throw nb::index_error(("only integers, slices (`:`), ellipsis (`...`), None (`newaxis`) and integer or boolean "
                         "arrays are valid indices, got " +
                         nb::cast<std::string>(nb::handle(reinterpret_cast<PyObject*>(Py_TYPE(p))).attr("__name__")))
                            .c_str());
}

std::vector<AdvancedIndex> index_key(nb::handle key) {
  std::vector<AdvancedIndex> out;
  if (PyTuple_Check(key.ptr())) {
    for (nb::handle k : key) out.push_back(one_index(k));
  } else {
    out.push_back(one_index(key));
  }
  return out;
}

// ---- conversions to Python numbers -------------------------------------------------------

void check_scalar_like(const Array& x, const char* what) {
  if (x.size() != 1)
    throw nb::type_error((std::string("only arrays of size 1 can be converted to Python ") + what +
                          "; this one has shape " + x.describe()).c_str());
}

nb::object item(const Array& x) {
  if (x.size() != 1)
    throw nb::value_error(("can only convert an array of size 1 to a Python scalar, got " + x.describe()).c_str());
  if (x.dtype().is_bool()) return nb::bool_(x.item<bool>());
  if (x.dtype() == uint64) return nb::int_(x.item<uint64_t>());
  if (x.dtype().is_integer()) return nb::int_(x.item<int64_t>());
  return nb::float_(x.item<double>());
}

nb::object tolist(const Array& x) {
  if (x.ndim() == 0) return item(x);
  nb::list out;
  for (int64_t i = 0; i < x.shape()[0]; ++i) out.append(tolist(x[i]));
  return out;
}

nb::object numpy_repr(const Array& x, bool repr) {
  if (x.device().device_type != kDLCPU) {  // the host copy's text, naming the device
    if (x.device().device_type != kDLCUDA) return nb::str(x.describe().c_str());
    std::string text = nb::cast<std::string>(numpy_repr(to_device(x, cpu_device()), repr));
    if (!repr || text.empty() || text.back() != ')') return nb::str(text.c_str());
    text.insert(text.size() - 1, ", device='" + device_name(x.device().device_type, x.device().device_id) + "'");
    return nb::str(text.c_str());
  }
  nb::object np = nb::module_::import_("numpy");
  nb::object arr = to_numpy(x);
  // NumPy's default integer is the 'l' spelling of int64; nanobind's views use 'q'.
  if (x.dtype() != bfloat16) arr = arr.attr("view")(np.attr("dtype")(x.dtype().str()));
  if (!repr) return nb::str(arr);
  std::string text = nb::cast<std::string>(nb::repr(arr));
  // NumPy writes "array(" and aligns continuation lines to it; "Array(" has the same width.
  if (text.rfind("array(", 0) == 0) text[0] = 'A';
  return nb::str(text.c_str());
}

// ---- buffer protocol ----------------------------------------------------------------------
// NumPy reads arrays through the buffer protocol first: np.asarray(x) is a zero-copy view,
// read-only arrays give read-only views. bfloat16 has no format character, so NumPy falls
// back to __array__ (ml_dtypes) for it.

struct BufferInfo {
  Array keep;
  std::vector<Py_ssize_t> shape, strides;
};

const char* buffer_format(DataType t) {
  if (t == bool_) return "?";
  if (t == int8) return "b";
  if (t == uint8) return "B";
  if (t == int16) return "h";
  if (t == uint16) return "H";
  if (t == int32) return "i";
  if (t == uint32) return "I";
  if (t == int64) return sizeof(long) == 8 ? "l" : "q";
  if (t == uint64) return sizeof(long) == 8 ? "L" : "Q";
  if (t == float16) return "e";
  if (t == float32) return "f";
  if (t == float64) return "d";
  return nullptr;
}

int get_buffer(PyObject* self, Py_buffer* view, int flags) noexcept {
  const Array* x = nb::inst_ptr<Array>(self);
  const char* format = buffer_format(x->dtype());
  if (!format || x->device().device_type != kDLCPU) {
    PyErr_SetString(PyExc_BufferError, "this array's dtype or device has no buffer-protocol form");
    return -1;
  }
  if ((flags & PyBUF_WRITABLE) == PyBUF_WRITABLE && !x->writeable()) {
    PyErr_SetString(PyExc_BufferError, "the array is read-only");
    return -1;
  }
  if ((flags & PyBUF_STRIDES) != PyBUF_STRIDES && !x->is_contiguous()) {
    PyErr_SetString(PyExc_BufferError, "the array is not contiguous; request strides");
    return -1;
  }
  auto* info = new BufferInfo{*x, {}, {}};
  for (int d = 0; d < x->ndim(); ++d) {
    info->shape.push_back(x->shape()[d]);
    info->strides.push_back(x->strides()[d] * x->itemsize());
  }
  view->buf = x->data();
  view->obj = Py_NewRef(self);
  view->len = x->nbytes();
  view->itemsize = x->itemsize();
  view->readonly = !x->writeable();
  view->ndim = x->ndim();
  view->format = (flags & PyBUF_FORMAT) == PyBUF_FORMAT ? const_cast<char*>(format) : nullptr;
  view->shape = (flags & PyBUF_ND) == PyBUF_ND ? info->shape.data() : nullptr;
  view->strides = (flags & PyBUF_STRIDES) == PyBUF_STRIDES ? info->strides.data() : nullptr;
  view->suboffsets = nullptr;
  view->internal = info;
  return 0;
}

void release_buffer(PyObject*, Py_buffer* view) noexcept { delete static_cast<BufferInfo*>(view->internal); }

PyType_Slot array_slots[] = {{Py_bf_getbuffer, reinterpret_cast<void*>(&get_buffer)},
                             {Py_bf_releasebuffer, reinterpret_cast<void*>(&release_buffer)},
                             {0, nullptr}};

}  // namespace

void register_array(nb::module_& m) {
  nb::class_<Device>(m, "Device", "A device arrays live on: the CPU or a CUDA device.")
      .def("__init__", [](Device* self, nb::handle spec, nb::handle index) {
        std::optional<DLDevice> d = device_arg(spec, "Device");
        if (!d) throw nb::value_error("Device: expected 'cpu', 'cuda' or 'cuda:N'");
        if (!index.is_none()) {
          if (d->device_type != kDLCUDA) throw nb::value_error("Device: only CUDA devices take an index");
          d->device_id = nb::cast<int>(index);
        }
        new (self) Device{static_cast<int>(d->device_type), d->device_id};
      }, nb::arg("device"), nb::arg("index").none() = nb::none())
      .def_prop_ro("type", [](const Device& d) { return d.type == kDLCPU ? "cpu" : d.type == kDLCUDA ? "cuda" : "other"; })
      .def_prop_ro("index", [](const Device& d) -> nb::object {
        return d.type == kDLCPU ? nb::none() : nb::object(nb::int_(d.id));
      })
      .def("__eq__", [](const Device& a, nb::handle b) {
        if (!nb::isinstance<Device>(b)) return false;
        const Device& d = nb::cast<const Device&>(b);
        return a.type == d.type && a.id == d.id;
      })
      .def("__hash__", [](const Device& d) { return d.type * 1000 + d.id; })
      .def("__repr__", [](const Device& d) { return "Device('" + device_name(d.type, d.id) + "')"; })
      .def("__str__", [](const Device& d) { return device_name(d.type, d.id); });
  m.attr("cpu") = nb::cast(Device{});
  m.def("_cuda_device_count", &cuda_device_count);

  auto cls = nb::class_<Array>(m, "Array", "An n-dimensional array (NumPy's ndarray, Array API's array).",
                              nb::type_slots(array_slots));
  cls.def_prop_ro("shape", [](const Array& x) {
       nb::tuple t = nb::steal<nb::tuple>(PyTuple_New(static_cast<Py_ssize_t>(x.ndim())));
       for (int i = 0; i < x.ndim(); ++i) PyTuple_SET_ITEM(t.ptr(), i, PyLong_FromLongLong(x.shape()[i]));
       return t;
     })
      .def_prop_ro("ndim", &Array::ndim)
      .def_prop_ro("size", [](const Array& x) { return x.size(); })
      .def_prop_ro("dtype", &Array::dtype)
      .def_prop_ro("itemsize", &Array::itemsize)
      .def_prop_ro("nbytes", &Array::nbytes)
      .def_prop_ro("strides", [](const Array& x) {  // NumPy's, in bytes
        nb::list out;
        for (int64_t s : x.strides()) out.append(s * x.itemsize());
        return nb::tuple(out);
      })
      .def_prop_ro("writeable", &Array::writeable)
      .def_prop_ro("device", [](const Array& x) { return device_object(x.device()); })
      .def_prop_ro("T", [](const Array& x) {
        if (x.ndim() > 2) throw nb::value_error("T: the array must have at most 2 dimensions; use mT or permute_dims");
        return x.T();
      })
      .def_prop_ro("mT", &Array::mT)
      .def("copy", &Array::copy)
      .def("astype", [](const Array& x, nb::handle dtype, bool copy) { return tessera::astype(x, dtype_arg(dtype), copy); },
           nb::arg("dtype").none(), nb::kw_only(), nb::arg("copy") = true)
      .def("reshape", [](const Array& x, nb::args shape) {
        if (shape.size() == 1 && (PyTuple_Check(shape[0].ptr()) || PyList_Check(shape[0].ptr())))
          return tessera::reshape(x, shape_arg(shape[0], "reshape"));
        return tessera::reshape(x, shape_arg(shape, "reshape"));
      })
      .def("item", &item)
      .def("tolist", &tolist)
      .def("to_device", [](const Array& x, nb::handle device, nb::handle stream) {
        std::optional<DLDevice> d = device_arg(device, "to_device");
        if (!stream.is_none() && x.device().device_type != kDLCUDA && (!d || d->device_type != kDLCUDA))
          throw nb::value_error("to_device: stream must be None for the CPU");
        if (!d || same_device(*d, x.device())) return x;
        // Copies are synchronous; a stream asks that work queued on it be done first.
        if (!stream.is_none() && x.device().device_type == kDLCUDA) sync_for_stream(x, stream, "to_device");
        return to_device(x, *d);
      }, nb::arg("device").none(), nb::kw_only(), nb::arg("stream").none() = nb::none())
      .def("__array_namespace__", [](const Array&, nb::handle api_version) {
        if (!api_version.is_none()) {
          std::string v = nb::isinstance<nb::str>(api_version) ? nb::cast<std::string>(api_version) : "";
          if (v != "2024.12" && v != "2023.12" && v != "2022.12" && v != "2021.12")
            throw nb::value_error(("unsupported Array API version " + nb::cast<std::string>(nb::repr(api_version)) +
                                   "; tessera implements 2024.12").c_str());
        }
        return nb::module_::import_("tessera");
      }, nb::kw_only(), nb::arg("api_version").none() = nb::none())
      // ---- DLPack and NumPy ----
      .def("__dlpack__", [](const Array& x, nb::handle stream, nb::handle max_version, nb::handle dl_device,
                            nb::handle copy) {
        auto buffer_error = [](const std::string& msg) {
          PyErr_SetString(PyExc_BufferError, msg.c_str());
          throw nb::python_error();
        };
        std::optional<bool> want_copy;
        if (!copy.is_none()) want_copy = nb::cast<bool>(copy);
        Array out = x;
        if (!dl_device.is_none()) {  // another device: a copy there, unless copies are forbidden
          auto d = int_pair(dl_device, "dl_device");
          DLDevice target{static_cast<DLDeviceType>(d.first), d.second};
          if (!same_device(target, x.device())) {
            if (want_copy == false || (target.device_type != kDLCPU && target.device_type != kDLCUDA))
              buffer_error("__dlpack__: cannot export to device (" + std::to_string(d.first) + ", " +
                           std::to_string(d.second) + ")" + (want_copy == false ? " without a copy" : ""));
            try {
              out = to_device(x, target);
            } catch (const Error& e) {  // no GPU, say: the export is impossible
              buffer_error(std::string("__dlpack__: cannot export to device ") +
                           device_name(target.device_type, target.device_id) + ": " + e.what());
            }
            want_copy = false;  // already a fresh copy
          }
        }
        if (same_device(out.device(), x.device())) {
          if (!stream.is_none() && x.device().device_type != kDLCUDA) buffer_error("__dlpack__: stream must be None for CPU arrays");
          sync_for_stream(x, stream, "__dlpack__");
        }
        bool versioned = false;
        if (!max_version.is_none()) {
          auto v = int_pair(max_version, "max_version");
          versioned = v.first >= 1;
        }
        if (want_copy == true) out = out.copy();
        // The legacy struct cannot say "read-only": export a copy unless copies are forbidden.
        if (!versioned && !out.writeable()) {
          if (want_copy == false)
            buffer_error("__dlpack__: a read-only array cannot be shared through a legacy (unversioned) capsule");
          out = out.copy();
        }
        return dlpack_capsule(out, versioned);
      }, nb::kw_only(), nb::arg("stream").none() = nb::none(), nb::arg("max_version").none() = nb::none(),
         nb::arg("dl_device").none() = nb::none(), nb::arg("copy").none() = nb::none())
      .def("__dlpack_device__", [](const Array& x) {
        return nb::make_tuple(static_cast<int>(x.device().device_type), x.device().device_id);
      })
      .def("__array__", [](const Array& x, nb::handle dtype, nb::handle copy) {
        nb::object arr = to_numpy(copy.is_valid() && !copy.is_none() && nb::cast<bool>(copy) ? x.copy() : x);
        if (!dtype.is_none()) {
          nb::object want = nb::module_::import_("numpy").attr("dtype")(dtype);
          if (!want.equal(arr.attr("dtype"))) {
            if (!copy.is_none() && !nb::cast<bool>(copy))
              throw nb::value_error("__array__: copy=False, but converting the dtype needs a copy");
            arr = arr.attr("astype")(want);
          }
        }
        return arr;
      }, nb::arg("dtype").none() = nb::none(), nb::kw_only(), nb::arg("copy").none() = nb::none())
      // ---- Python numbers ----
      .def("__bool__", [](const Array& x) {
        if (x.size() != 1)
          throw nb::value_error("The truth value of an array with more than one element is ambiguous");
        return x.item<bool>();
      })
      .def("__int__", [](const Array& x) -> nb::object {
        check_scalar_like(x, "int");
        if (x.dtype().is_float()) {
          double v = x.item<double>();
          if (std::isnan(v)) throw nb::value_error("cannot convert float NaN to integer");
          if (std::isinf(v)) throw std::overflow_error("cannot convert float infinity to integer");
          return nb::steal(PyLong_FromDouble(v));
        }
        return item(x);
      })
      .def("__index__", [](const Array& x) {
        if (!x.dtype().is_integer() || x.ndim() != 0)
          throw nb::type_error("only 0-d integer arrays can be converted to an index");
        return item(x);
      })
      .def("__float__", [](const Array& x) {
        check_scalar_like(x, "float");
        return x.item<double>();
      })
      .def("__complex__", [](const Array& x) {
        check_scalar_like(x, "complex");
        return nb::steal(PyComplex_FromDoubles(x.item<double>(), 0.0));
      })
      .def("__len__", [](const Array& x) {
        if (x.ndim() == 0) throw nb::type_error("len() of unsized object");
        return x.shape()[0];
      })
      .def("__iter__", [](const Array& x) {
        if (x.ndim() == 0) throw nb::type_error("iteration over a 0-d array");
        nb::list items;
        for (int64_t i = 0; i < x.shape()[0]; ++i) items.append(x[i]);
        return nb::iter(items);
      })
      .def("__repr__", [](const Array& x) { return numpy_repr(x, true); })
      .def("__str__", [](const Array& x) { return numpy_repr(x, false); })
      // ---- indexing ----
      .def("__getitem__", [](const Array& x, nb::handle key) { return getitem(x, index_key(key)); },
           nb::arg("key").none())
      .def("__setitem__", [](const Array& x, nb::handle key, nb::handle value) {
        std::vector<AdvancedIndex> idx = index_key(key);
        HeldOperand v = operand_or_throw(value, "__setitem__");
        setitem(x, idx, v.get());
      }, nb::arg("key").none(), nb::arg("value").none())
      // ---- unary operators ----
      .def("__neg__", [](const Array& x) { return tessera::negative(x); })
      .def("__pos__", [](const Array& x) { return tessera::positive(x); })
      .def("__abs__", [](const Array& x) { return tessera::abs(x); })
      .def("__invert__", [](const Array& x) { return tessera::bitwise_invert(x); });

#define TESSERA_BIND_BINARY(NAME, FN, FAST)                                                              \
  cls.def("__" NAME "__", &binary<static_cast<BinaryFn>(&FN), false, FAST>, nb::is_operator());             \
  cls.def("__r" NAME "__", &binary<static_cast<BinaryFn>(&FN), true, FAST>, nb::is_operator());
  TESSERA_BIND_BINARY("add", tessera::add, 0)
  TESSERA_BIND_BINARY("sub", tessera::subtract, 1)
  TESSERA_BIND_BINARY("mul", tessera::multiply, 2)
  TESSERA_BIND_BINARY("truediv", tessera::divide, 3)
  TESSERA_BIND_BINARY("floordiv", tessera::floor_divide, 4)
  TESSERA_BIND_BINARY("mod", tessera::remainder, 5)
  TESSERA_BIND_BINARY("pow", tessera::pow, 6)
  TESSERA_BIND_BINARY("and", tessera::bitwise_and, 7)
  TESSERA_BIND_BINARY("or", tessera::bitwise_or, 8)
  TESSERA_BIND_BINARY("xor", tessera::bitwise_xor, 9)
  TESSERA_BIND_BINARY("lshift", tessera::bitwise_left_shift, 10)
  TESSERA_BIND_BINARY("rshift", tessera::bitwise_right_shift, 11)
  TESSERA_BIND_BINARY("matmul", matmul_op, -1)
#undef TESSERA_BIND_BINARY
  cls.def("__eq__", &binary<static_cast<BinaryFn>(&tessera::equal), false, 12>, nb::is_operator());
  cls.def("__ne__", &binary<static_cast<BinaryFn>(&tessera::not_equal), false, 13>, nb::is_operator());
  cls.def("__lt__", &binary<static_cast<BinaryFn>(&tessera::less), false, 14>, nb::is_operator());
  cls.def("__le__", &binary<static_cast<BinaryFn>(&tessera::less_equal), false, 15>, nb::is_operator());
  cls.def("__gt__", &binary<static_cast<BinaryFn>(&tessera::greater), false, 16>, nb::is_operator());
  cls.def("__ge__", &binary<static_cast<BinaryFn>(&tessera::greater_equal), false, 17>, nb::is_operator());
  cls.attr("__hash__") = nb::none();

  static const std::pair<const char*, const char*> inplace_ops[] = {
      {"__iadd__", "add"}, {"__isub__", "subtract"}, {"__imul__", "multiply"}, {"__itruediv__", "divide"},
      {"__ifloordiv__", "floor_divide"}, {"__imod__", "remainder"}, {"__ipow__", "pow"},
      {"__iand__", "bitwise_and"}, {"__ior__", "bitwise_or"}, {"__ixor__", "bitwise_xor"},
      {"__ilshift__", "bitwise_left_shift"}, {"__irshift__", "bitwise_right_shift"}, {"__imatmul__", "matmul"}};
  for (const auto& [method, op] : inplace_ops) {
    const char* name = op;
    cls.def(method, [name](nb::handle self, nb::handle other) { return inplace_op(self, other, name); },
            nb::is_operator());
  }
}

}  // namespace tessera::python
