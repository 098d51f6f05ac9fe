"""tessera: a NumPy-compatible array library whose operators are compiled tensor expressions.

- ``ts.te``: the tensor-expression DSL (placeholder, compute, reductions, schedules);
- ``ts.lower`` / ``ts.build``: readable IR and JIT-compiled kernels from a schedule;
- ``@ts.defop``: new operators from Python, callable as ``ts.ops.<name>``;
- ``ts.ops``: every operator by name, on NumPy arrays.

``tessera._testing`` is the operator interface the test suite and benchmarks use.
"""
from . import ops, te
from ._build import Kernel, build, lower
from ._defop import AllTypes, FloatTypes, IntegerTypes, NumericTypes, Operator, defop
from .te import create_schedule

__version__ = "0.1.0"

__all__ = ["te", "ops", "lower", "build", "Kernel", "defop", "Operator", "create_schedule",
           "AllTypes", "NumericTypes", "IntegerTypes", "FloatTypes"]
