#include "convert.h"

#include <nanobind/stl/string.h>

#include <limits>

namespace tessera::python {
namespace {

[[noreturn]] void not_understood(nb::handle h) {
  std::string text = nb::borrow<nb::str>(nb::repr(h)).c_str();
  throw nb::type_error(("data type " + text + " not understood").c_str());
}

// Python int -> int64, raising OverflowError (as NumPy does) when it does not fit.
int64_t to_int64(nb::handle h) {
  int overflow = 0;
  long long v = PyLong_AsLongLongAndOverflow(h.ptr(), &overflow);
  if (overflow) throw std::overflow_error("Python integer " + std::string(nb::str(h).c_str()) +
                                          " out of bounds for int64");
  if (v == -1 && PyErr_Occurred()) throw nb::python_error();
  return v;
}

bool is_numpy_scalar(nb::handle h) {
  return nb::hasattr(h, "dtype") && nb::hasattr(h, "item") && nb::hasattr(h, "ndim") &&
         nb::cast<int>(h.attr("ndim")) == 0;
}

ir::Expr numpy_scalar(nb::handle h) {
  ir::DataType t = to_dtype(h.attr("dtype"));
  nb::object v = h.attr("item")();
  if (t.is_bool()) return ir::make_bool(nb::cast<bool>(v));
  if (t.is_float()) return ir::make_const(t, nb::cast<double>(v));
  if (t.is_uint() && t.bits == 64) {  // stored as the bit pattern
    auto u = nb::cast<uint64_t>(v);
    return ir::make_const(t, static_cast<int64_t>(u));
  }
  return ir::make_const(t, nb::cast<int64_t>(v));
}

}  // namespace

ir::DataType to_dtype(nb::handle h) {
  if (nb::isinstance<ir::DataType>(h)) return nb::cast<ir::DataType>(h);  // tessera's dtype objects
  std::string name;
  if (nb::isinstance<nb::str>(h)) {
    name = nb::cast<std::string>(h);
  } else {
    try {  // NumPy knows every spelling: np.float32, np.dtype('f4'), bool, ml_dtypes.bfloat16
      nb::object dt = nb::module_::import_("numpy").attr("dtype")(h);
      name = nb::cast<std::string>(dt.attr("name"));
    } catch (const nb::python_error&) {
      not_understood(h);
    }
  }
  try {
    ir::DataType t = ir::DataType::parse(name);
    if (!t.is_scalar() || t.is_handle()) not_understood(h);
    return t;
  } catch (const std::invalid_argument&) {
    not_understood(h);
  }
}

std::optional<Operand> to_operand(nb::handle h) {
  if (nb::isinstance<ir::Expr>(h)) return Operand(nb::cast<ir::Expr>(h));
  if (nb::isinstance<IterVarRef>(h)) return Operand(ir::Expr(nb::cast<const IterVarRef&>(h).iv->var));
  if (is_numpy_scalar(h)) return Operand(numpy_scalar(h));  // first: np.float64 is a float subclass
  if (PyBool_Check(h.ptr())) return Operand(ir::make_bool(h.ptr() == Py_True));
  if (PyLong_Check(h.ptr())) return Operand(to_int64(h));
  if (PyFloat_Check(h.ptr())) return Operand(PyFloat_AsDouble(h.ptr()));
  return std::nullopt;
}

Operand to_operand_or_throw(nb::handle h, const char* what) {
  std::optional<Operand> op = to_operand(h);
  if (!op) {
    std::string type = nb::cast<std::string>(nb::handle(reinterpret_cast<PyObject*>(Py_TYPE(h.ptr()))).attr("__name__"));
    throw nb::type_error((std::string(what) + " must be an expression or a number, got " + type).c_str());
  }
  return *op;
}

ir::Expr to_expr(nb::handle h, const char* what) {
  return std::visit([](const auto& v) { return ir::Expr(v); }, to_operand_or_throw(h, what));
}

std::vector<ir::Expr> to_expr_list(nb::handle h, const char* what) {
  std::vector<ir::Expr> out;
  if (nb::isinstance<nb::tuple>(h) || nb::isinstance<nb::list>(h)) {
    for (nb::handle x : h) out.push_back(to_expr(x, what));
  } else {
    out.push_back(to_expr(h, what));
  }
  return out;
}

std::vector<ir::IterVar> to_iter_vars(nb::handle h, const char* what) {
  std::vector<ir::IterVar> out;
  auto one = [&](nb::handle x) {
    if (!nb::isinstance<IterVarRef>(x))
      throw nb::type_error((std::string(what) + " must be IterVars (from reduce_axis or a stage's axes)").c_str());
    out.push_back(nb::cast<const IterVarRef&>(x).iv);
  };
  if (nb::isinstance<nb::tuple>(h) || nb::isinstance<nb::list>(h)) {
    for (nb::handle x : h) one(x);
  } else {
    one(h);
  }
  return out;
}

std::vector<IterVarRef> iter_var_refs(const std::vector<ir::IterVar>& ivs) {
  std::vector<IterVarRef> out;
  for (const auto& iv : ivs) out.push_back({iv});
  return out;
}

DLDataType to_dl_dtype(ir::DataType d) {
  uint8_t code = d.is_bool() ? kDLBool : d.is_bfloat16() ? kDLBfloat : d.is_float() ? kDLFloat
               : d.is_uint() ? kDLUInt : kDLInt;
  return {code, d.bits, 1};
}

TensorView::TensorView(const ArraySpec& spec) {
  const auto& [addr, shape, byte_strides, dtype] = spec;
  if (shape.size() != byte_strides.size()) throw nb::value_error("array spec: shape and strides differ in length");
  shape_ = shape;
  t_.dtype = to_dl_dtype(to_dtype(nb::str(dtype.c_str())));
  int64_t item = (t_.dtype.bits + 7) / 8;
  for (int64_t s : byte_strides) {
    if (s % item != 0) throw nb::value_error("strides must be multiples of the item size");
    strides_.push_back(s / item);
  }
  t_.data = reinterpret_cast<void*>(addr);
  t_.device = {kDLCPU, 0};
  t_.ndim = static_cast<int32_t>(shape_.size());
  t_.shape = shape_.data();
  t_.strides = strides_.data();
}

}  // namespace tessera::python
