// Bitwise operators on bool and integers: bitwise_and bitwise_or bitwise_xor
// bitwise_invert (logical on bool), and the shifts bitwise_left_shift bitwise_right_shift.
//
// Shifts follow NumPy: an amount that is negative or at least the bit width gives 0, or -1
// for a right shift of a negative value; bool operands run NumPy's int8 loop.
#include "ops/elementwise_internal.h"

namespace tessera::ops::detail {

void register_bitwise_ops() {
  TypeRule bitwise = integer_rule(std::nullopt);
  TypeRule shift = integer_rule(DataType::Int(8));
  defop(elementwise("bitwise_and", 2, bitwise, [](const Values& x, DataType) { return x[0] & x[1]; }));
  defop(elementwise("bitwise_or", 2, bitwise, [](const Values& x, DataType) { return x[0] | x[1]; }));
  defop(elementwise("bitwise_xor", 2, bitwise, [](const Values& x, DataType) { return x[0] ^ x[1]; }));
  defop(elementwise("bitwise_invert", 1, bitwise, [](const Values& x, DataType) { return ~x[0]; }));
  defop(elementwise("bitwise_left_shift", 2, shift, [](const Values& x, DataType) { return x[0] << x[1]; }));
  defop(elementwise("bitwise_right_shift", 2, shift, [](const Values& x, DataType) { return x[0] >> x[1]; }));
}

}  // namespace tessera::ops::detail
