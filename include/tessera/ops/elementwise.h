// The elementwise operators of the Array API 2024.12 for real dtypes, with NumPy 2
// semantics, registered as defops under their Array API names:
//
//   unary math   acos acosh asin asinh atan atanh cos cosh exp expm1 log log1p log2 log10
//                sin sinh sqrt tan tanh                       (bool/int -> NumPy's float)
//   binary math  atan2 copysign hypot logaddexp nextafter     (bool/int -> NumPy's float)
//   arithmetic   add subtract multiply divide floor_divide remainder pow
//                negative positive abs sign square reciprocal maximum minimum
//                clip(x, lo, hi) = minimum(maximum(x, lo), hi)
//   rounding     ceil floor trunc round (half to even; integers keep their dtype)
//   predicates   isfinite isinf isnan signbit                 (-> bool)
//   comparison   equal not_equal less less_equal greater greater_equal (-> bool)
//   logical      logical_and logical_or logical_xor logical_not (inputs read as != 0)
//   bitwise      bitwise_and bitwise_or bitwise_xor bitwise_invert
//                bitwise_left_shift bitwise_right_shift
//   selection    where(cond, x, y)   (cond read as != 0; result promote(x, y))
//   casts        astype_<dtype> for every dtype, e.g. astype_float32 (see astype below)
//
// Result dtypes are NumPy's: math on bool and integers gives float16 for 8-bit inputs and
// bool, float32 for 16-bit and float64 for wider; divide on integers gives float64; bool
// inputs to floor_divide, remainder, pow, square and the shifts run NumPy's int8 loops;
// subtract, negative, positive and sign refuse bool, as NumPy does; round(bool) gives
// float16. float16 and bfloat16 compute in float32 and round once.
//
// Deliberate departures from NumPy (kernels cannot raise):
//   - pow on integers with a negative exponent gives 0 (1 for base 1, +-1 for base -1)
//     where NumPy raises ValueError;
//   - reciprocal on bool and integers computes in NumPy's float (as for math functions);
//     NumPy's integer loop (1 / x in integers) is not offered;
//   - casts of NaN, infinities and out-of-range floats to integers are unspecified.
#pragma once
#include <string>
#include <vector>

#include "tessera/dlpack.h"
#include "tessera/ir/type.h"

namespace tessera::ops {

// Registers every operator above (idempotent and thread-safe). Callers normally rely on
// ops::ensure_registered() (library.h), which name-based dispatch calls.
void register_elementwise_ops();

// The operator names above, astype_<dtype> excluded, sorted.
const std::vector<std::string>& elementwise_op_names();

// "astype_" + dtype name, e.g. astype_op_name(Float(32)) == "astype_float32".
std::string astype_op_name(ir::DataType to);

// out[...] = x[...] cast to out's dtype with NumPy's casting: float -> integer truncates
// toward zero, any -> bool is "!= 0" (NaN is true), narrowing floats round to nearest even,
// integers wrap. x broadcasts to out's shape. Throws ops::OpError on a bad call.
void astype(const DLTensor* x, DLTensor* out);

}  // namespace tessera::ops
