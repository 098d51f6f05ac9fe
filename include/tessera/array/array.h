// Array: tessera's n-dimensional array, NumPy's ndarray in C++.
//
// An Array is a view: shape, strides (in elements, any sign, 0 for broadcast), dtype, a
// byte offset into a shared, reference-counted Storage, and a writeable flag. Copying an
// Array shares the memory (as Python names do); views (indexing, reshape, transposes)
// share it too. `b = a` rebinds b; writing values takes assign(), an in-place operator, or
// assignment to a temporary view: `a[{0}] = 5` and `a[{Slice{}, 1}] = b` write into a.
//
// Every operation runs through the operator library (ops::call and friends), which
// receives DLTensor views of arrays (dl()). Errors are ops::OpError (alias tessera::Error),
// whose kind() names NumPy's exception: Type (TypeError), Value (ValueError), Index
// (IndexError), Overflow (OverflowError). Arrays live on the CPU or on a CUDA device
// (device.h: creation, copies, the mixed-device rules); DLPack imports of other devices
// keep their device and support views, and operators reject them.
//
// Thread safety: distinct Array objects may be used from different threads, including
// views of one storage; one Array object must not be modified while another thread uses it.
#pragma once
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "tessera/array/dims.h"
#include "tessera/array/dtype.h"
#include "tessera/array/index.h"
#include "tessera/array/scalar.h"
#include "tessera/dlpack.h"
#include "tessera/ops/dispatch.h"

namespace tessera {

using Error = ops::OpError;
// Shapes passed to functions. An Array holds its shape and strides as Dims (dims.h), which
// converts to and from Shape.
using Shape = std::vector<int64_t>;

// Memory shared by an array and its views. Non-copyable; held through shared_ptr.
//
// allocate() makes one heap block for small arrays (kInlineBytes or less): the shared_ptr
// control block, the Storage and the data after them, so a small result costs one
// allocation. Larger data gets its own aligned buffer, freed when the Storage dies (a
// weak_ptr then keeps only the control block alive, not the data).
class Storage {
  struct Key {  // only Storage's factories construct one (make_shared needs a public constructor)
    explicit Key() = default;
  };

 public:
  static constexpr int64_t kInlineBytes = 256;

  // nbytes of CPU memory, 64-byte aligned (at least one byte is allocated); from 32 MiB on,
  // 2 MiB aligned and advised to use transparent huge pages.
  static std::shared_ptr<Storage> allocate(int64_t nbytes);
  // Memory owned elsewhere (DLPack imports): `release` runs exactly once, when the last
  // array using it is destroyed. nbytes is -1 when unknown.
  static std::shared_ptr<Storage> adopt(void* data, DLDevice device, std::function<void()> release,
                                        int64_t nbytes = -1);
  explicit Storage(Key) {}
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  ~Storage();

  void* data() const { return data_; }
  DLDevice device() const { return device_; }
  int64_t nbytes() const { return nbytes_; }

 private:
  void* data_ = nullptr;
  void* owned_ = nullptr;  // a separate aligned buffer of allocate(), freed by the destructor
  DLDevice device_{kDLCPU, 0};
  int64_t nbytes_ = -1;
  std::function<void()> release_;
};

class Array;

// An operand of a NumPy function: an array or a weak scalar (see scalar.h). Holds a
// pointer to the array, so it is meant for parameters only.
class Operand {
 public:
  Operand(const Array& a) : array_(&a), scalar_(false) {}  // NOLINT
  template <class T>
    requires std::is_arithmetic_v<T>
  Operand(T v) : scalar_(v) {}  // NOLINT
  Operand(Scalar s) : scalar_(s) {}  // NOLINT
  const Array* array() const { return array_; }
  const Scalar& scalar() const { return scalar_; }

 private:
  const Array* array_ = nullptr;
  Scalar scalar_;
};

// The dtype of a C++ element type (bool, fixed-width integers, float, double).
template <class T>
constexpr DataType dtype_of() {
  if constexpr (std::is_same_v<T, bool>) return bool_;
  else if constexpr (std::is_floating_point_v<T>) {
    static_assert(sizeof(T) == 4 || sizeof(T) == 8, "dtype_of: float or double");
    return DataType::Float(sizeof(T) * 8);
  } else {
    static_assert(std::is_integral_v<T>, "dtype_of: an arithmetic type");
    return std::is_signed_v<T> ? DataType::Int(sizeof(T) * 8) : DataType::UInt(sizeof(T) * 8);
  }
}

class Array {
 public:
  // An undefined array (defined() is false); operations on it raise OpError(Value).
  Array() = default;
  // A view of `storage`. Raises OpError(Value) for a negative extent, a dtype arrays do
  // not hold, or (when the storage's size is known) an element outside it.
  Array(std::shared_ptr<Storage> storage, DataType dtype, Dims shape, Dims strides, int64_t byte_offset,
        bool writeable = true);

  Array(const Array&) = default;
  Array(Array&&) noexcept = default;
  Array& operator=(const Array&) & = default;
  Array& operator=(Array&&) & noexcept = default;
  // Assigning to a temporary view writes its elements: a[{0}] = b, a[{Slice{}}] = 0.
  Array& operator=(const Array& values) && { return assign(values); }
  Array& operator=(Scalar value) && { return assign(value); }
  ~Array() = default;

  bool defined() const { return storage_ != nullptr; }
  DataType dtype() const { return dtype_; }
  const Dims& shape() const { return shape_; }
  int64_t shape(int axis) const;  // negative axes count from the end
  const Dims& strides() const { return strides_; }  // in elements
  int ndim() const { return static_cast<int>(shape_.size()); }
  int64_t size() const;
  int64_t itemsize() const { return dtype_.bytes(); }
  int64_t nbytes() const { return size() * itemsize(); }
  int64_t byte_offset() const { return offset_; }
  DLDevice device() const;
  const std::shared_ptr<Storage>& storage() const { return storage_; }
  bool writeable() const { return writeable_; }
  bool is_contiguous() const;  // C order
  // Address of element (0, ..., 0).
  void* data() const;
  // A DLTensor describing this view; it points into this Array, which must outlive it.
  DLTensor dl() const;
  // "array(shape=(2, 3), dtype=float32)".
  std::string describe() const;

  // Views (views.h has the free functions and their rules).
  Array operator[](int64_t i) const;
  Array operator[](const Index& index) const;
  Array operator[](std::initializer_list<Index> index) const;  // a[{Slice{}, 0}]
  Array operator[](const std::vector<Index>& index) const;
  Array T() const;   // all axes reversed
  Array mT() const;  // last two axes swapped
  Array reshape(const Shape& shape) const;

  Array copy() const;
  Array astype(DataType dtype, bool copy = true) const;
  // A read-only view of the same memory.
  Array readonly() const;

  // Writes `values` (broadcast to this shape, cast unsafely as NumPy's setitem) or a
  // scalar (an int out of the dtype's range is OpError(Overflow)). Read-only arrays raise
  // OpError(Value). Returns *this.
  Array& assign(const Array& values);
  Array& assign(Scalar value);
  Array& fill(Scalar value) { return assign(value); }

  // In place, with NumPy's same_kind rule: the result dtype must cast to this dtype
  // (operators.h has the rest of the arithmetic).
  Array& operator+=(const Operand& b);
  Array& operator-=(const Operand& b);
  Array& operator*=(const Operand& b);
  Array& operator/=(const Operand& b);
  Array& operator%=(const Operand& b);
  Array& operator&=(const Operand& b);
  Array& operator|=(const Operand& b);
  Array& operator^=(const Operand& b);
  Array& operator<<=(const Operand& b);
  Array& operator>>=(const Operand& b);

  // Elements in row-major order, converted to T as astype would.
  template <class T>
  std::vector<T> to_vector() const {
    using Elem = std::conditional_t<std::is_same_v<T, bool>, uint8_t, T>;
    std::vector<Elem> buf(static_cast<size_t>(size()));
    copy_to_host(buf.data(), dtype_of<T>());
    if constexpr (std::is_same_v<T, bool>) return std::vector<bool>(buf.begin(), buf.end());
    else return buf;
  }
  // The single element of a size-1 array (OpError(Value) otherwise).
  template <class T>
  T item() const {
    check_single("item");
    return to_vector<T>()[0];
  }
  // Writes the elements, row-major and converted to `as`, to dst (size() elements).
  void copy_to_host(void* dst, DataType as) const;

 private:
  void check_single(const char* what) const;

  std::shared_ptr<Storage> storage_;
  DataType dtype_;
  Dims shape_, strides_;
  int64_t offset_ = 0;
  bool writeable_ = true;
};

}  // namespace tessera
