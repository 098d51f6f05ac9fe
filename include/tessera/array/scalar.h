// Scalar: a C++ number passed where NumPy takes a Python scalar.
//
// Scalars are weak (NEP 50, NumPy 2): in `a + 1` the 1 takes a's dtype, so int8 + 1 is
// int8, float32 + 0.5 is float32, and an integer that does not fit the dtype
// (int8_array + 1000, uint8_array - 1) raises OpError(Overflow) as NumPy 2's OverflowError.
// A float scalar beside bool or integer arrays gives float64; an int beside bool gives
// int64. bool scalars are bool.
#pragma once
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>

namespace tessera {

class Scalar {
 public:
  enum class Kind : uint8_t { Bool, Int, Float };

  template <class T>
    requires std::is_arithmetic_v<T>
  Scalar(T v) {  // NOLINT: implicit, as Python scalars are
    if constexpr (std::is_same_v<T, bool>) {
      kind_ = Kind::Bool;
      int_ = v ? 1 : 0;
    } else if constexpr (std::is_floating_point_v<T>) {
      kind_ = Kind::Float;
      float_ = static_cast<double>(v);
    } else if constexpr (std::is_unsigned_v<T>) {
      kind_ = Kind::Int;
      big_ = static_cast<uint64_t>(v) > static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
      int_ = static_cast<int64_t>(static_cast<uint64_t>(v));
    } else {
      kind_ = Kind::Int;
      int_ = static_cast<int64_t>(v);
    }
  }

  Kind kind() const { return kind_; }
  bool is_bool() const { return kind_ == Kind::Bool; }
  bool is_int() const { return kind_ == Kind::Int; }
  bool is_float() const { return kind_ == Kind::Float; }
  // Integer value (bool as 0/1); for ints above INT64_MAX, see is_big()/as_uint64().
  int64_t as_int64() const { return int_; }
  // True for an unsigned value above INT64_MAX (held as uint64).
  bool is_big() const { return big_; }
  uint64_t as_uint64() const { return static_cast<uint64_t>(int_); }
  double as_double() const;
  std::string str() const;

 private:
  Kind kind_ = Kind::Int;
  bool big_ = false;
  int64_t int_ = 0;
  double float_ = 0;
};

}  // namespace tessera
