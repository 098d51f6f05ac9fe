// A reference interpreter for lowered IR, used to cross-check generated code.
//
// It executes a packed LoweredFunc (after the kernel-API pass) on the same arguments a
// compiled kernel takes, following the semantics in tessera/ir/expr.h exactly, one lane
// at a time and without any optimization. Parallel loops run serially. Float math uses
// the C library in double precision and rounds to the expression's type, so it is the
// accuracy reference for the vectorized math of the code generators.
#pragma once
#include <string>

#include "tessera/ir/module.h"
#include "tessera/runtime/kernel_abi.h"

namespace tessera::interp {

// Returns 0 on success; otherwise non-zero with the failed assertion's message in *error.
// Throws ir::IRError on IR it cannot execute (an unpacked function, an unknown node).
int32_t run(const ir::LoweredFunc& func, const TesseraValue* args, const int32_t* type_codes,
            int32_t num_args, std::string* error);

}  // namespace tessera::interp
