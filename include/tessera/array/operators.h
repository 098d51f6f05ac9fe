// C++ operators on arrays, as Python's on NumPy arrays: + - * / % & | ^ << >> and the
// comparisons (bool arrays), unary - + ~. Either side may be a C++ number, a weak scalar
// (scalar.h) or a Scalar. Python's // ** @ have no C++ operator: use floor_divide, pow and matmul;
// their in-place forms are inplace("floor_divide", a, b) and inplace("pow", a, b).
// The in-place operators (+= ...) are members of Array.
#pragma once
#include <concepts>
#include <type_traits>

#include "tessera/array/array.h"
#include "tessera/array/elementwise.h"

namespace tessera {

template <class T>
concept ArrayOrNumber = std::same_as<std::remove_cvref_t<T>, Array> || std::same_as<std::remove_cvref_t<T>, Scalar> ||
                        std::is_arithmetic_v<std::remove_cvref_t<T>>;

// At least one side is an Array (so `1 + 2` stays built in).
template <class A, class B>
concept ArrayOperands =
    ArrayOrNumber<A> && ArrayOrNumber<B> && (std::same_as<std::remove_cvref_t<A>, Array> || std::same_as<std::remove_cvref_t<B>, Array>);

#define TESSERA_ARRAY_OPERATOR(OP, FN)                \
  template <class A, class B>                         \
    requires ArrayOperands<A, B>                      \
  Array operator OP(const A& a, const B& b) {         \
    return FN(Operand(a), Operand(b));                \
  }
TESSERA_ARRAY_OPERATOR(+, add)
TESSERA_ARRAY_OPERATOR(-, subtract)
TESSERA_ARRAY_OPERATOR(*, multiply)
TESSERA_ARRAY_OPERATOR(/, divide)
TESSERA_ARRAY_OPERATOR(%, remainder)
TESSERA_ARRAY_OPERATOR(&, bitwise_and)
TESSERA_ARRAY_OPERATOR(|, bitwise_or)
TESSERA_ARRAY_OPERATOR(^, bitwise_xor)
TESSERA_ARRAY_OPERATOR(<<, bitwise_left_shift)
TESSERA_ARRAY_OPERATOR(>>, bitwise_right_shift)
TESSERA_ARRAY_OPERATOR(==, equal)
TESSERA_ARRAY_OPERATOR(!=, not_equal)
TESSERA_ARRAY_OPERATOR(<, less)
TESSERA_ARRAY_OPERATOR(<=, less_equal)
TESSERA_ARRAY_OPERATOR(>, greater)
TESSERA_ARRAY_OPERATOR(>=, greater_equal)
#undef TESSERA_ARRAY_OPERATOR

inline Array operator-(const Array& x) { return negative(x); }
inline Array operator+(const Array& x) { return positive(x); }
inline Array operator~(const Array& x) { return bitwise_invert(x); }

}  // namespace tessera
