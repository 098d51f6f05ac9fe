// Dims: the shape or strides an Array holds, a small vector of int64 extents.
//
// Why not std::vector<int64_t> (Shape): every Array carries two of them, so each new
// array paid two heap allocations before its data. Dims keeps up to kInline extents in
// the object and moves to the heap only beyond that (arrays allow 32 dimensions).
//
// It reads like a std::vector<int64_t> (size, data, [], iteration, ==) and converts both
// ways with Shape, so code written against `const Shape& shape()` keeps compiling:
// `Shape s = a.shape()`, `a.shape() == Shape{2, 3}`, passing a.shape() where a Shape is
// expected. Unlike a vector, moving a Dims moves inline extents, so a pointer from data()
// (a DLTensor from Array::dl()) is valid only while that Array object stays in place.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <type_traits>
#include <vector>

namespace tessera {

class Dims {
 public:
  using value_type = int64_t;
  using size_type = size_t;
  using difference_type = std::ptrdiff_t;
  using reference = int64_t&;
  using const_reference = const int64_t&;
  using pointer = int64_t*;
  using const_pointer = const int64_t*;
  using iterator = int64_t*;
  using const_iterator = const int64_t*;
  static constexpr size_t kInline = 6;

  Dims() noexcept = default;
  explicit Dims(size_t n, int64_t value = 0) { assign_fill(n, value); }
  Dims(std::initializer_list<int64_t> values) { assign_range(values.begin(), values.size()); }
  Dims(const int64_t* first, const int64_t* last) { assign_range(first, static_cast<size_t>(last - first)); }
  template <std::input_iterator It>
    requires(!std::is_pointer_v<It>)
  Dims(It first, It last) {
    for (; first != last; ++first) push_back(*first);
  }
  Dims(const std::vector<int64_t>& v) { assign_range(v.data(), v.size()); }  // NOLINT: implicit, as Shape
  Dims(const Dims& o) { assign_range(o.data_, o.size_); }
  Dims(Dims&& o) noexcept { take(o); }
  Dims& operator=(const Dims& o) {
    if (this != &o) assign_range(o.data_, o.size_);
    return *this;
  }
  Dims& operator=(Dims&& o) noexcept {
    if (this != &o) {
      release();
      take(o);
    }
    return *this;
  }
  Dims& operator=(std::initializer_list<int64_t> values) {
    assign_range(values.begin(), values.size());
    return *this;
  }
  ~Dims() { release(); }

  operator std::vector<int64_t>() const { return std::vector<int64_t>(begin(), end()); }  // NOLINT
  std::vector<int64_t> vec() const { return *this; }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  int64_t* data() { return data_; }
  const int64_t* data() const { return data_; }
  int64_t* begin() { return data_; }
  int64_t* end() { return data_ + size_; }
  const int64_t* begin() const { return data_; }
  const int64_t* end() const { return data_ + size_; }
  const int64_t* cbegin() const { return data_; }
  const int64_t* cend() const { return data_ + size_; }
  std::reverse_iterator<const int64_t*> rbegin() const { return std::reverse_iterator<const int64_t*>(end()); }
  std::reverse_iterator<const int64_t*> rend() const { return std::reverse_iterator<const int64_t*>(begin()); }
  int64_t& operator[](size_t i) { return data_[i]; }
  const int64_t& operator[](size_t i) const { return data_[i]; }
  int64_t& front() { return data_[0]; }
  const int64_t& front() const { return data_[0]; }
  int64_t& back() { return data_[size_ - 1]; }
  const int64_t& back() const { return data_[size_ - 1]; }

  void push_back(int64_t v) {
    if (size_ == capacity_) grow(capacity_ * 2);
    data_[size_++] = v;
  }
  void pop_back() { --size_; }
  void clear() { size_ = 0; }
  void resize(size_t n, int64_t value = 0) {
    if (n > capacity_) grow(n);
    for (size_t i = size_; i < n; ++i) data_[i] = value;
    size_ = static_cast<uint32_t>(n);
  }

  friend bool operator==(const Dims& a, const Dims& b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }
  friend bool operator==(const Dims& a, const std::vector<int64_t>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }

 private:
  bool on_heap() const { return data_ != inline_; }
  void release() {
    if (on_heap()) delete[] data_;
    data_ = inline_;
    capacity_ = kInline;
  }
  // Room for n extents; keeps the current ones.
  void grow(size_t n) {
    n = std::max(n, kInline * 2);
    auto* heap = new int64_t[n];
    std::copy(data_, data_ + size_, heap);
    if (on_heap()) delete[] data_;
    data_ = heap;
    capacity_ = static_cast<uint32_t>(n);
  }
  void reserve_exact(size_t n) {
    if (n <= capacity_) return;
    release();
    data_ = new int64_t[n];
    capacity_ = static_cast<uint32_t>(n);
  }
  void assign_range(const int64_t* src, size_t n) {
    reserve_exact(n);
    std::copy(src, src + n, data_);
    size_ = static_cast<uint32_t>(n);
  }
  void assign_fill(size_t n, int64_t value) {
    reserve_exact(n);
    std::fill(data_, data_ + n, value);
    size_ = static_cast<uint32_t>(n);
  }
  void take(Dims& o) noexcept {
    if (o.on_heap()) {
      data_ = o.data_;
      capacity_ = o.capacity_;
      o.data_ = o.inline_;
      o.capacity_ = kInline;
    } else {
      std::copy(o.inline_, o.inline_ + o.size_, inline_);
    }
    size_ = o.size_;
    o.size_ = 0;
  }

  int64_t* data_ = inline_;
  uint32_t size_ = 0;
  uint32_t capacity_ = kInline;
  int64_t inline_[kInline];
};

}  // namespace tessera
