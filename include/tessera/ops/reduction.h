// Reductions, cumulative sums and products, and matrix products on DLTensors, with NumPy 2
// semantics (and the Array API's for cumulative_sum/cumulative_prod and vecdot).
//
// Every function takes a preallocated output; the plan_* functions give its shape and dtype
// (and check the arguments, throwing the same OpError the call would). Outputs must have
// exactly the planned shape and dtype; any strides work, and an output that overlaps an
// input is computed into a temporary first.
//
// Reductions: sum, prod, min, max, mean, var, std, argmin, argmax, all, any, count_nonzero.
//  - `axes` empty means all axes; axes may be negative; an axis out of range or given twice
//    is an OpError(Value) naming the operator. argmin/argmax take at most one axis
//    (none = the flattened array).
//  - dtypes follow NumPy: sum/prod of bool and signed integers narrower than 64 bits give
//    int64, of unsigned ones uint64; floats keep their dtype; mean/var/std of bool and
//    integers give float64; argmin/argmax/count_nonzero give int64, all/any bool. `dtype`
//    (sum, prod, mean, var, std only) sets the result dtype, and the elements are cast to it
//    first, as NumPy does. var/std take only floating dtypes (NumPy also accepts integer
//    ones; here that is an OpError(Type)).
//  - float16, bfloat16 and float32 sums (and mean, var, std) accumulate in float64, which
//    is at least as accurate as NumPy's pairwise summation; float64 sums use blocked
//    partial sums. prod multiplies in the result dtype. Integer arithmetic wraps.
//  - min/max/argmin/argmax propagate NaN (argmin/argmax return the first NaN); ties give
//    the first occurrence. Reducing an axis of length 0 is an error for min, max, argmin
//    and argmax, and gives the identity otherwise (sum 0, prod 1, all true, any false;
//    mean/var/std NaN).
//  - var/std divide by max(n - correction, 0) (correction is NumPy's ddof).
//
// The reductions are registered with ops::defop (so list_ops shows them and the kernel
// cache keys their variants), but they are called through reduce(), not ops::call: a
// reduction's variant also depends on which axes are reduced.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tessera/dlpack.h"
#include "tessera/ops/dispatch.h"

namespace tessera::ops {

struct ReducePlan {
  std::vector<int64_t> shape;  // output shape
  DataType dtype;              // output dtype
  std::vector<int> axes;       // the reduced axes, normalized and ascending
};

ReducePlan plan_reduce(const std::string& op, const DLTensor* x, std::vector<int> axes, bool keepdims,
                       std::optional<DataType> dtype, int64_t correction = 0);
void reduce(const std::string& op, const DLTensor* x, const std::vector<int>& axes, bool keepdims,
            std::optional<DataType> dtype, DLTensor* out, double correction = 0);

// The names reduce() accepts.
std::vector<std::string> reduction_ops();

// Registers the OpDefs of this header's operators (reductions, cumulative_sum/prod, matmul,
// vecdot) with defop; idempotent and thread-safe. They also register when the library
// loads; this is the explicit hook for ops::ensure_registered().
void register_reduction_ops();

// Shape and dtype of a result (cumulative and linear-algebra operators).
struct OutputPlan {
  std::vector<int64_t> shape;
  DataType dtype;
};

// cumulative_sum / cumulative_prod (Array API): `axis` may be omitted only for arrays of
// at most one dimension (a 0-d array counts as 1-d); include_initial prepends the
// identity. dtypes as for sum/prod; the running value is kept in the result dtype
// (NumPy's accumulate: a float32 cumulative sum adds in float32, in order).
OutputPlan plan_cumulative(const std::string& op, const DLTensor* x, std::optional<int> axis,
                           std::optional<DataType> dtype, bool include_initial);
void cumulative(const std::string& op, const DLTensor* x, std::optional<int> axis, std::optional<DataType> dtype,
                bool include_initial, DLTensor* out);

// matmul (NumPy): 1-D operands are promoted to matrices and the added dimension removed
// from the result; leading dimensions broadcast. Result dtype = promotion of the inputs;
// integers wrap, bool is logical or of ands; float16/bfloat16 accumulate in float32.
OutputPlan plan_matmul(const DLTensor* a, const DLTensor* b);
void matmul(const DLTensor* a, const DLTensor* b, DLTensor* out);

// tensordot (NumPy): `axes` = N sums the last N axes of a with the first N of b; or the
// explicit axis lists. Result shape = a's free axes then b's free axes.
OutputPlan plan_tensordot(const DLTensor* a, const DLTensor* b, int axes);
OutputPlan plan_tensordot(const DLTensor* a, const DLTensor* b, const std::vector<int>& axes_a,
                          const std::vector<int>& axes_b);
void tensordot(const DLTensor* a, const DLTensor* b, int axes, DLTensor* out);
void tensordot(const DLTensor* a, const DLTensor* b, const std::vector<int>& axes_a, const std::vector<int>& axes_b,
               DLTensor* out);

// vecdot (NumPy's gufunc (n),(n)->(), real dtypes): sum over `axis` of a * b. `axis` is
// taken in each operand (as NumPy does; a negative axis counts from the end as the Array
// API says), must have equal length in both, and the remaining axes broadcast.
OutputPlan plan_vecdot(const DLTensor* a, const DLTensor* b, int axis = -1);
void vecdot(const DLTensor* a, const DLTensor* b, int axis, DLTensor* out);

}  // namespace tessera::ops
