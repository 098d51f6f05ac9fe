// A lowered kernel: a name, its parameters, and its body.
#pragma once
#include <string>
#include <vector>

#include "tessera/ir/buffer.h"
#include "tessera/ir/stmt.h"

namespace tessera::ir {

// One kernel parameter: a tensor (bound to a Buffer) or a scalar (bound to a Var).
struct KernelParam {
  enum class Kind : uint8_t { Tensor, Int, Float };
  Kind kind;
  Buffer buffer;  // Tensor
  Var var;        // Int (int64) / Float (float64)
  bool is_output = false;
};

// Before the kernel-API pass, `body` refers to the params' buffers and vars directly.
// After it (`packed == true`), the body reads everything through Arg*/Tensor* intrinsics
// and validates the arguments first, so codegen only has to emit the packed signature
// (see tessera/runtime/kernel_abi.h).
struct LoweredFunc {
  std::string name;
  std::vector<KernelParam> params;
  Stmt body;
  bool packed = false;
  std::string target = "llvm";
};

}  // namespace tessera::ir
