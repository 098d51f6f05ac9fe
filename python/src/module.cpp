// tessera._core: the compiler and the operator library, for the Python layer in
// python/tessera (which gives them their user-facing signatures).
#include "bindings.h"

#include "tessera/ops/library.h"

NB_MODULE(_core, m) {
  using namespace tessera::python;
  m.doc() = "tessera compiler core (use the tessera package, not this module)";
  tessera::ops::ensure_registered();
  register_errors(m);
  register_expr(m);
  register_te(m);
  register_schedule(m);
  register_build(m);
  nb::module_ oplib = m.def_submodule("oplib", "the operator library on arrays described by ArraySpecs");
  register_oplib(oplib);
  register_reductions(oplib);
  register_defop(oplib);
  register_ops_numpy(oplib);
  nb::module_ xp = m.def_submodule("xp", "the array namespace's functions (tessera wraps them with their signatures)");
  register_array_api(xp);
  register_set_ops(xp);
  register_array(m);
}
