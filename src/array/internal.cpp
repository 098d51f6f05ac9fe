// Helpers of the array layer: errors, shapes, scalar conversion and elementwise calls.
#include "array/internal.h"

#include "array/device_internal.h"

#include "ops/dispatch_new_outputs.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "tessera/ops/library.h"

namespace tessera::array_detail {

void raise(Error::Kind kind, const std::string& fn, const std::string& msg) { throw Error(kind, fn + ": " + msg); }

void check_defined(const std::string& fn, const Array& a, const std::string& what) {
  if (!a.defined()) raise(Error::Kind::Value, fn, what + " is undefined (a default-constructed Array)");
}

void raise_undefined(const char* fn, const char* what) {
  raise(Error::Kind::Value, fn, std::string(what) + " is undefined (a default-constructed Array)");
}

std::string shape_str(std::span<const int64_t> shape) {
  std::string s = "(";
  for (size_t d = 0; d < shape.size(); ++d) s += (d ? ", " : "") + std::to_string(shape[d]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

int64_t numel(std::span<const int64_t> shape) {
  int64_t n = 1;
  for (int64_t e : shape) n *= e;
  return n;
}

Shape compact_strides(std::span<const int64_t> shape) {
  Shape s(shape.size(), 1);
  for (size_t d = shape.size(); d-- > 1;) s[d - 1] = s[d] * std::max<int64_t>(shape[d], 1);
  return s;
}

int normalize_axis(const std::string& fn, int64_t axis, int ndim) {
  if (axis < -ndim || axis >= ndim)
    raise(Error::Kind::Value, fn,
          "axis " + std::to_string(axis) + " is out of bounds for array of dimension " + std::to_string(ndim));
  return static_cast<int>(axis < 0 ? axis + ndim : axis);
}

std::vector<int> normalize_axes(const std::string& fn, const std::vector<int>& axes, int ndim) {
  std::vector<int> out;
  std::vector<bool> seen(ndim, false);
  for (int a : axes) {
    int d = normalize_axis(fn, a, ndim);
    if (seen[d]) raise(Error::Kind::Value, fn, "repeated axis " + std::to_string(a));
    seen[d] = true;
    out.push_back(d);
  }
  return out;
}

Shape broadcast_shapes(const std::string& fn, const std::vector<Shape>& shapes) {
  size_t nd = 0;
  for (const Shape& s : shapes) nd = std::max(nd, s.size());
  Shape out(nd, 1);
  for (const Shape& s : shapes)
    for (size_t d = 0; d < s.size(); ++d) {
      int64_t& o = out[nd - s.size() + d];
      if (o == 1) o = s[d];
      else if (s[d] != 1 && s[d] != o) {
        std::string list;
        for (const Shape& t : shapes) list += " " + shape_str(t);
        raise(Error::Kind::Value, fn, "shapes could not be broadcast together:" + list);
      }
    }
  return out;
}

Array allocate(const Dims& shape, DataType dtype, const char* fn) {
  int64_t n = 1;
  for (int64_t e : shape) {
    if (e < 0) raise(Error::Kind::Value, fn, "negative dimensions are not allowed: " + shape_str(shape));
    if (e > 0 && n > std::numeric_limits<int64_t>::max() / 8 / e)
      raise(Error::Kind::Value, fn, "array is too big: " + shape_str(shape));
    n *= e;
  }
  if (!is_array_dtype(dtype)) raise(Error::Kind::Type, fn, "unsupported dtype " + dtype.str());
  Dims strides(shape.size(), 1);
  for (size_t d = shape.size(); d-- > 1;) strides[d - 1] = strides[d] * std::max<int64_t>(shape[d], 1);
  return Array(Storage::allocate(n * dtype.bytes()), dtype, shape, std::move(strides), 0);
}

bool int_out_of_range(const Scalar& v, DataType t) {
  if (!v.is_int() || !(t.is_integer() || t.is_bool())) return false;
  if (v.is_big()) return v.as_uint64() > int_max(t);
  int64_t i = v.as_int64();
  return i < int_min(t) || (i > 0 && static_cast<uint64_t>(i) > int_max(t));
}

namespace {

template <class T>
void put(void* dst, T v) {
  std::memcpy(dst, &v, sizeof(T));
}

void store_integer(void* dst, DataType t, uint64_t bits) {
  switch (t.bits) {
    case 8: put(dst, static_cast<uint8_t>(bits)); break;
    case 16: put(dst, static_cast<uint16_t>(bits)); break;
    case 32: put(dst, static_cast<uint32_t>(bits)); break;
    default: put(dst, bits);
  }
}

}  // namespace

void store_scalar(void* dst, DataType t, const Scalar& v) {
  if (t.is_bool()) {
    put(dst, static_cast<uint8_t>(v.is_float() ? v.as_double() != 0 : v.as_int64() != 0 || v.is_big()));
    return;
  }
  if (t.is_integer()) {
    if (!v.is_float()) {
      if (int_out_of_range(v, t))
        throw Error(Error::Kind::Overflow, "Python integer " + v.str() + " out of bounds for " + t.str());
      store_integer(dst, t, v.as_uint64());
      return;
    }
    double d = v.as_double();
    if (std::isnan(d)) throw Error(Error::Kind::Value, "cannot convert float NaN to integer " + t.str());
    double r = std::trunc(d);
    bool fits = t.is_int() ? r >= static_cast<double>(int_min(t)) && r < -static_cast<double>(int_min(t))
                           : r >= 0 && r < static_cast<double>(int_max(t)) + 1.0;
    if (!fits) throw Error(Error::Kind::Overflow, "cannot convert float " + v.str() + " to " + t.str());
    store_integer(dst, t, t.is_int() ? static_cast<uint64_t>(static_cast<int64_t>(r)) : static_cast<uint64_t>(r));
    return;
  }
  double d = v.as_double();
  if (t.is_bfloat16()) put(dst, bfloat16_bits(d));
  else if (t.bits == 16) put(dst, float16_bits(d));
  else if (t.bits == 32) put(dst, static_cast<float>(d));
  else put(dst, d);
}

Array scalar_array(const Scalar& v, DataType t) {
  Array a = allocate({}, t);
  store_scalar(a.data(), t, v);
  return a;
}

DataType weak_dtype(const Scalar& v, std::optional<DataType> strong) {
  if (!strong) return v.is_bool() ? bool_ : v.is_float() ? float64 : v.is_big() ? uint64 : int64;
  // Above INT64_MAX (which ops::WeakScalar cannot hold): the strong dtype, where storing the
  // value raises the Overflow unless it is uint64 or a float.
  if (v.is_big()) return strong->is_bool() ? int64 : *strong;
  ops::WeakScalar w = v.is_bool()  ? ops::WeakScalar::of(v.as_int64() != 0)
                      : v.is_int() ? ops::WeakScalar::of(v.as_int64())
                                   : ops::WeakScalar::of(v.as_double());
  return ops::weak_scalar_dtype(w, *strong);
}

bool shares_storage(const Array& a, const Array& b) { return a.storage() == b.storage(); }

bool same_view(const Array& a, const Array& b) {
  return shares_storage(a, b) && a.byte_offset() == b.byte_offset() && a.shape() == b.shape() &&
         a.strides() == b.strides() && a.dtype() == b.dtype();
}

void check_writeable(const std::string& fn, const Array& a) {
  check_defined(fn, a);
  if (!a.writeable()) raise(Error::Kind::Value, fn, "assignment destination is read-only");
}

Array run_elementwise(const std::string& op, const std::vector<Array>& inputs) {
  std::vector<const Array*> ptrs;
  for (const Array& a : inputs) ptrs.push_back(&a);
  return run_elementwise(op, ptrs.data(), static_cast<int>(ptrs.size()));
}

const ops::OpDef* find_registered_op(const std::string& op) {
  static const bool registered = (ops::ensure_registered(), true);
  (void)registered;
  return ops::find_op(op);
}

Array run_elementwise(const std::string& op, const Array* const* inputs, int n) {
  const ops::OpDef* def = find_registered_op(op);
  if (!def) raise(Error::Kind::Value, op, "no operator with this name is registered");
  if (def->num_outputs != 1) raise(Error::Kind::Value, op, "has several outputs; call ops::call directly");
  constexpr int kStack = 8;  // operands of common operators, without allocating
  DLTensor stack_dls[kStack];
  const DLTensor* stack_ptrs[kStack];
  std::vector<DLTensor> heap_dls(n > kStack ? n : 0);
  std::vector<const DLTensor*> heap_ptrs(n > kStack ? n : 0);
  DLTensor* dls = n > kStack ? heap_dls.data() : stack_dls;
  const DLTensor** ptrs = n > kStack ? heap_ptrs.data() : stack_ptrs;
  std::vector<Array> placed;  // empty when every operand is on the CPU (device.h's rules)
  const DLDevice device = place_operands(op, inputs, n, &placed);
  for (int i = 0; i < n; ++i) {
    if (!inputs[i]->defined()) check_defined(op, *inputs[i], "operand " + std::to_string(i));
    dls[i] = placed.empty() ? inputs[i]->dl() : placed[i].dl();
    ptrs[i] = &dls[i];
  }
  if (device.device_type != kDLCPU) {  // plan on metadata, allocate on the device, run there
    std::vector<DLTensor> views;
    for (int i = 0; i < n; ++i) views.push_back(planning_view(dls[i]));
    std::vector<const DLTensor*> view_ptrs;
    for (const DLTensor& v : views) view_ptrs.push_back(&v);
    ops::CallPlan plan = ops::plan_call(*def, view_ptrs);
    Array out = allocate_on(plan.shape, plan.sig.outputs[0], device);
    DLTensor o = out.dl();
    ops::call(*def, std::vector<const DLTensor*>(ptrs, ptrs + n), {&o});
    return out;
  }
  // One planning pass: dispatch asks for the result once it knows its shape and dtype.
  Array out;
  DLTensor o{};
  ops::call_with_new_outputs(*def, ptrs, n, [&out, &o](int, const int64_t* shape, int ndim, DataType dtype) {
    out = allocate(Dims(shape, shape + ndim), dtype);
    o = out.dl();
    return &o;
  });
  return out;
}

std::vector<Array> materialize(const std::string& fn, const std::vector<Operand>& operands,
                               const std::vector<size_t>& ignore) {
  std::optional<DataType> strong;
  for (size_t i = 0; i < operands.size(); ++i) {
    const Array* a = operands[i].array();
    if (!a || std::find(ignore.begin(), ignore.end(), i) != ignore.end()) continue;
    check_defined(fn, *a, "operand " + std::to_string(i));
    strong = strong ? result_type(*strong, a->dtype()) : a->dtype();
  }
  std::vector<Array> out;
  for (size_t i = 0; i < operands.size(); ++i) {
    if (operands[i].array()) {
      out.push_back(*operands[i].array());
      continue;
    }
    const Scalar& s = operands[i].scalar();
    const bool ignored = std::find(ignore.begin(), ignore.end(), i) != ignore.end();
    try {
      out.push_back(scalar_array(s, weak_dtype(s, ignored ? std::nullopt : strong)));
    } catch (const Error& e) {
      raise(e.kind(), fn, e.what());
    }
  }
  return out;
}

}  // namespace tessera::array_detail
