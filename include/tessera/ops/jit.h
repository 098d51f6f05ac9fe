// The operators' JIT, part of tessera_compiler (LLVM).
//
// The operator library (tessera_array) runs kernels from ahead-of-time libraries only.
// Loading libtessera_compiler installs the JIT, which compiles variants the libraries lack
// on first use (and user-defined operators); ops::jit_available() says whether it is there.
// A linker with --as-needed drops a library whose symbols a program never references, so
// the CMake target adds --no-as-needed for its users; other builds can call install_jit(),
// which also makes the dependency explicit.
#pragma once

namespace tessera::ops {

// Installs the JIT into dispatch (idempotent; it is already installed once the library loads).
void install_jit();

}  // namespace tessera::ops
