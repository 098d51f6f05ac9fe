// Calling an operator on DLTensors: type resolution, broadcasting, dimension collapsing,
// variant choice, the kernel cache (JIT on first use) and NumPy's out= semantics.
//
// Dispatch computes the broadcast shape, then merges adjacent dimensions that are
// contiguous in every operand and drops size-1 dimensions; a broadcast dimension is a
// stride of 0. When every operand is compact the call runs the rank-1 contiguous variant
// (vectorized, no stride arithmetic); otherwise the strided variant of the collapsed rank.
// Outputs that overlap an input other than exactly (the in-place case) are computed into
// a temporary first, so results are NumPy's.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "tessera/dlpack.h"
#include "tessera/ops/defop.h"

namespace tessera::ops {

// Python maps kind Type to TypeError and Value to ValueError. Index (NumPy's IndexError:
// an index out of bounds) and Overflow (NumPy 2's OverflowError: a Python integer that
// does not fit the dtype) are appended; code that knows only Type treats them as Value.
class OpError : public std::invalid_argument {
 public:
  enum class Kind { Type, Value, Index, Overflow };
  OpError(Kind kind, const std::string& msg) : std::invalid_argument(msg), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

// A kernel variant that no loaded operator library holds, in a program without the JIT
// (tessera_compiler not linked). The message names the variant (ops::Variant::name), which
// is what an ahead-of-time library must contain (tessera-aot, ops/aot.h).
class MissingKernelError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// True when tessera_compiler is linked (loaded), so missing variants compile on first use.
bool jit_available();

// The result of an operator on given inputs, before anything runs.
struct CallPlan {
  std::vector<int64_t> shape;  // broadcast shape
  Signature sig;
};

CallPlan plan_call(const OpDef& op, const std::vector<const DLTensor*>& inputs);

// Runs `op`. Outputs must exist with the planned shape and dtypes (a clear OpError names
// the operator and operand otherwise, and nothing is written).
void call(const OpDef& op, const std::vector<const DLTensor*>& inputs, const std::vector<DLTensor*>& outputs);
void call(const std::string& op, const std::vector<const DLTensor*>& inputs, const std::vector<DLTensor*>& outputs);

// Number of kernels compiled so far by the cache (for tests and benchmarks).
int64_t compiled_kernel_count();

}  // namespace tessera::ops
