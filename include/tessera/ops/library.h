// The operator library as a whole.
//
// Registration is an explicit call rather than static initializers: a shared library's
// initializers run only if something references its object file, so operators defined in
// files nothing else touches would silently be missing. ensure_registered() is cheap after
// the first call; ops::call(name, ...) calls it, so lookups by name always see the library.
#pragma once

namespace tessera::ops {

// Registers every family of the library once (elementwise today; reductions and the
// rest as they land). Thread-safe.
void ensure_registered();

}  // namespace tessera::ops
