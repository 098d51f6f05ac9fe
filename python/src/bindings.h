// The pieces of tessera._core, one binding file each; module.cpp calls them in order.
#pragma once
#include <nanobind/nanobind.h>

#include "convert.h"

#include "tessera/lower/lower.h"

namespace tessera::python {

// Kernel arguments (Tensors and scalar Vars) from a Python list; bind_build.cpp.
std::vector<lower::Arg> to_lower_args(nb::handle args);

void register_errors(nb::module_& m);    // errors.cpp: C++ exceptions -> Python exceptions
void register_expr(nb::module_& m);      // bind_expr.cpp: Expr, Var, IterVar, operators, math
void register_te(nb::module_& m);        // bind_te.cpp: Tensor, Operation, placeholder, compute, reducers
void register_schedule(nb::module_& m);  // bind_schedule.cpp: Schedule and Stage primitives
void register_build(nb::module_& m);     // bind_build.cpp: lower and build (JIT kernels)
void register_oplib(nb::module_& m);     // bind_oplib.cpp: calling the operator library
void register_reductions(nb::module_& m);  // bind_reductions.cpp: reductions, scans, linear algebra
void register_defop(nb::module_& m);     // bind_defop.cpp: operators defined in Python
void register_ops_numpy(nb::module_& m);  // bind_ops_numpy.cpp: ts.ops.<name> on NumPy arrays
void register_array(nb::module_& m);     // bind_array.cpp: tessera.Array and Device
void register_array_api(nb::module_& m);  // bind_array_api.cpp: dtypes and the namespace's functions
void register_set_ops(nb::module_& m);   // bind_set_ops.cpp: unique_*, isin, diff, linalg factorizations

}  // namespace tessera::python
