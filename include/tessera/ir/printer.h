// Readable text for IR, used by TESSERA_DEBUG dumps and golden tests.
//
// Statements print as an indented, Python-like listing:
//   parallel for i.outer in [0, (n + 15) / 16):
//     vector for i.inner in [0, 16):
//       C[i.outer * 16 + i.inner] = A[...] + B[...]
// Expressions print in infix with minimal parentheses; Div and Mod print as `/` and `%`
// (floor semantics for integers, see expr.h), casts as `float32(x)`, constants with a
// suffix when not int64/float64 (`3i32`, `1.5f`). Variable names are printed as given;
// two distinct Vars with the same name get a `#k` suffix to stay unambiguous.
#pragma once
#include <ostream>
#include <string>

#include "tessera/ir/expr.h"
#include "tessera/ir/stmt.h"

namespace tessera::ir {

std::string to_string(const Expr& e);
std::string to_string(const Stmt& s);
std::ostream& operator<<(std::ostream& os, const Expr& e);
std::ostream& operator<<(std::ostream& os, const Stmt& s);

}  // namespace tessera::ir
