// The Array core (Storage is in storage.cpp): construction checks, accessors, DLTensor views, copies,
// casts and element writes.
#include "tessera/array/array.h"

#include <algorithm>
#include <new>

#include "array/device_internal.h"
#include "array/internal.h"
#include "tessera/array/elementwise.h"
#include "tessera/array/views.h"
#include "tessera/ops/elementwise.h"

namespace tessera {

using array_detail::raise;

// ---- Array core ----------------------------------------------------------------------------

Array::Array(std::shared_ptr<Storage> storage, DataType dtype, Dims shape, Dims strides, int64_t byte_offset,
             bool writeable)
    : storage_(std::move(storage)), dtype_(dtype), shape_(std::move(shape)), strides_(std::move(strides)),
      offset_(byte_offset), writeable_(writeable) {
  const char* fn = "Array";  // a std::string only when raising
  if (!storage_) raise(Error::Kind::Value, fn, "storage is null");
  if (!is_array_dtype(dtype_)) raise(Error::Kind::Type, fn, "unsupported dtype " + dtype_.str());
  if (shape_.size() != strides_.size()) raise(Error::Kind::Value, fn, "shape and strides differ in length");
  if (shape_.size() > 32) raise(Error::Kind::Value, fn, "at most 32 dimensions are supported");
  int64_t lo = 0, hi = 0;
  bool empty = false, overflow = false;
  for (size_t d = 0; d < shape_.size(); ++d) {
    if (shape_[d] < 0) raise(Error::Kind::Value, fn, "negative dimension in shape " + array_detail::shape_str(shape_));
    if (shape_[d] == 0) empty = true;
    int64_t span = 0;
    if (shape_[d] > 0) {
      overflow |= __builtin_mul_overflow(strides_[d], shape_[d] - 1, &span) ||
                  __builtin_mul_overflow(span, itemsize(), &span);
      overflow |= __builtin_add_overflow(span < 0 ? lo : hi, span, span < 0 ? &lo : &hi);
    }
  }
  int64_t first = 0, end = 0;
  overflow = overflow || __builtin_add_overflow(offset_, lo, &first) || __builtin_add_overflow(offset_, hi, &end) ||
             __builtin_add_overflow(end, itemsize(), &end);
  bool known_size = storage_->nbytes() >= 0;
  if (!empty && (overflow || (known_size && (first < 0 || end > storage_->nbytes()))))
    raise(Error::Kind::Value, fn,
          "view " + array_detail::shape_str(shape_) + " with strides " + array_detail::shape_str(strides_) +
              " at byte offset " + std::to_string(offset_) + " lies outside its storage of " +
              (known_size ? std::to_string(storage_->nbytes()) + " bytes" : std::string("unknown size")) +
              (overflow ? " (its span overflows int64)" : ""));
}

int64_t Array::shape(int axis) const { return shape_[array_detail::normalize_axis("shape", axis, ndim())]; }

int64_t Array::size() const { return array_detail::numel(shape_); }

DLDevice Array::device() const { return storage_ ? storage_->device() : DLDevice{kDLCPU, 0}; }

bool Array::is_contiguous() const {
  int64_t expect = 1;
  for (size_t d = shape_.size(); d-- > 0;) {
    if (shape_[d] == 0) return true;
    if (shape_[d] != 1 && strides_[d] != expect) return false;
    expect *= shape_[d];
  }
  return true;
}

void* Array::data() const {
  array_detail::check_defined("data", *this);
  return static_cast<char*>(storage_->data()) + offset_;
}

DLTensor Array::dl() const {
  array_detail::check_defined("dl", *this);
  DLTensor t{};
  t.data = storage_->data();
  t.device = storage_->device();
  t.ndim = ndim();
  t.dtype = to_dl(dtype_);
  t.shape = const_cast<int64_t*>(shape_.data());
  t.strides = const_cast<int64_t*>(strides_.data());
  t.byte_offset = static_cast<uint64_t>(offset_);
  return t;
}

std::string Array::describe() const {
  if (!defined()) return "array(undefined)";
  return "array(shape=" + array_detail::shape_str(shape_) + ", dtype=" + dtype_.str() + ")";
}

Array Array::operator[](int64_t i) const { return index(*this, {Index(i)}); }
Array Array::operator[](const Index& i) const { return index(*this, {i}); }
Array Array::operator[](std::initializer_list<Index> idx) const { return index(*this, idx); }
Array Array::operator[](const std::vector<Index>& idx) const { return index(*this, idx); }
Array Array::T() const {
  std::vector<int> reversed(ndim());
  for (int d = 0; d < ndim(); ++d) reversed[d] = ndim() - 1 - d;
  return permute_dims(*this, reversed);
}
Array Array::mT() const { return matrix_transpose(*this); }
Array Array::reshape(const Shape& shape) const { return tessera::reshape(*this, shape); }

Array Array::copy() const { return astype(dtype_, true); }

Array Array::astype(DataType dtype, bool copy) const {
  array_detail::check_defined("astype", *this);
  if (!copy && dtype == dtype_) return *this;
  Array out = array_detail::allocate_on(shape_, dtype, device());
  DLTensor x = dl(), o = out.dl();
  ops::astype(&x, &o);
  return out;
}

Array Array::readonly() const {
  Array v = *this;
  v.writeable_ = false;
  return v;
}

Array& Array::assign(const Array& values) {
  array_detail::check_writeable("assign", *this);
  array_detail::check_defined("assign", values, "values");
  Array src = values;
  // Leading size-1 dimensions beyond this rank are dropped, as NumPy's setitem does.
  while (src.ndim() > ndim() && src.shape_[0] == 1) src = src[0];
  bool fits = src.ndim() <= ndim();
  for (int d = 0; fits && d < src.ndim(); ++d) {
    int64_t e = src.shape_[d];
    fits = e == 1 || e == shape_[ndim() - src.ndim() + d];
  }
  if (!fits)
    raise(Error::Kind::Value, "assign",
          "could not broadcast input array from shape " + array_detail::shape_str(values.shape_) + " into shape " +
              array_detail::shape_str(shape_));
  if (array_detail::shares_storage(src, *this) && !array_detail::same_view(src, *this)) src = src.copy();
  if (!same_device(src.device(), device())) src = array_detail::match_device("assign", src, device());
  // ops::astype writes an output of its input's shape: broadcast the input (stride 0).
  src = broadcast_to(src, shape_);
  DLTensor x = src.dl(), o = dl();
  ops::astype(&x, &o);
  return *this;
}

Array& Array::assign(Scalar value) {
  array_detail::check_writeable("assign", *this);
  Array v;
  try {
    v = array_detail::scalar_array(value, dtype_);
  } catch (const Error& e) {
    raise(e.kind(), "assign", e.what());
  }
  if (device().device_type != kDLCPU) v = to_device(v, device());
  v = broadcast_to(v, shape_);
  DLTensor x = v.dl(), o = dl();
  ops::astype(&x, &o);
  return *this;
}

Array& Array::operator+=(const Operand& b) { return inplace("add", *this, b); }
Array& Array::operator-=(const Operand& b) { return inplace("subtract", *this, b); }
Array& Array::operator*=(const Operand& b) { return inplace("multiply", *this, b); }
Array& Array::operator/=(const Operand& b) { return inplace("divide", *this, b); }
Array& Array::operator%=(const Operand& b) { return inplace("remainder", *this, b); }
Array& Array::operator&=(const Operand& b) { return inplace("bitwise_and", *this, b); }
Array& Array::operator|=(const Operand& b) { return inplace("bitwise_or", *this, b); }
Array& Array::operator^=(const Operand& b) { return inplace("bitwise_xor", *this, b); }
Array& Array::operator<<=(const Operand& b) { return inplace("bitwise_left_shift", *this, b); }
Array& Array::operator>>=(const Operand& b) { return inplace("bitwise_right_shift", *this, b); }

void Array::copy_to_host(void* dst, DataType as) const {
  array_detail::check_defined("copy_to_host", *this);
  if (size() == 0) return;
  if (device().device_type != kDLCPU) return to_device(*this, cpu_device()).copy_to_host(dst, as);
  Shape strides = array_detail::compact_strides(shape_);
  DLTensor o{};
  o.data = dst;
  o.device = {kDLCPU, 0};
  o.ndim = ndim();
  o.dtype = to_dl(as);
  o.shape = const_cast<int64_t*>(shape_.data());
  o.strides = strides.data();
  DLTensor x = dl();
  ops::astype(&x, &o);
}

void Array::check_single(const char* what) const {
  array_detail::check_defined(what, *this);
  if (size() != 1)
    raise(Error::Kind::Value, what, "can only convert an array of size 1, not " + describe());
}

}  // namespace tessera
