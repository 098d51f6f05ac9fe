// Type promotion as NumPy 2 (NEP 50): result_type, can_cast, and weak scalars.
//
// A WeakScalar is what a Python int, float or bool is to NumPy 2: its kind takes part in
// promotion but its precision does not, so int8_array + 1 stays int8 and float16_array + 1.5
// stays float16, while int8_array + 1.5 becomes float64 (the default float) and
// bool_array + 1 becomes int64 (the default integer). An integer scalar that does not fit the
// dtype it takes raises OpError::Kind::Overflow, as NumPy 2 raises OverflowError.
#pragma once
#include <cstdint>
#include <variant>
#include <vector>

#include "tessera/ir/type.h"

namespace tessera::ops {

using ir::DataType;

struct WeakScalar {
  enum class Kind { Bool, Int, Float };
  Kind kind;
  int64_t int_value = 0;  // Bool and Int
  double float_value = 0;  // Float

  static WeakScalar of(bool v) { return {Kind::Bool, v ? 1 : 0, 0}; }
  static WeakScalar of(int64_t v) { return {Kind::Int, v, 0}; }
  static WeakScalar of(int v) { return of(static_cast<int64_t>(v)); }
  static WeakScalar of(double v) { return {Kind::Float, 0, v}; }
};

using PromotionOperand = std::variant<DataType, WeakScalar>;

// The dtype of an operation over these operands (arrays given by their dtype). Throws
// OpError (Type) when empty, Overflow when an integer scalar does not fit the result.
DataType result_type(const std::vector<PromotionOperand>& operands);

// The dtype a weak scalar takes beside an array of dtype `other` (result_type of the two
// when the scalar's kind is not higher than the array's, else the default dtype of its kind).
DataType weak_scalar_dtype(const WeakScalar& s, DataType other);

// NumPy's casting levels: no (same dtype), equiv (same here: no byte orders), safe (every
// value representable), same_kind (safe, or within a kind: float64 -> float16, int -> int),
// unsafe (anything).
enum class Casting { No, Equiv, Safe, SameKind, Unsafe };
bool can_cast(DataType from, DataType to, Casting casting = Casting::Safe);

}  // namespace tessera::ops
