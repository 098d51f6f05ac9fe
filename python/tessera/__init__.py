"""tessera: a NumPy-compatible array library whose operators are compiled tensor expressions.

- ``ts.te``: the tensor-expression DSL (placeholder, compute, reductions, schedules);
- ``ts.lower`` / ``ts.build``: readable IR and JIT-compiled kernels from a schedule;
- ``@ts.defop``: new operators from Python, callable as ``ts.ops.<name>``;
- ``ts.ops``: every operator by name, on NumPy arrays.

- ``ts.Array`` and the array namespace: the Array API standard 2024.12 with NumPy 2
  behaviour (``ts.asarray``, ``ts.sum``, ``ts.float32``, ...), DLPack and NumPy interop.

``tessera._testing`` is the operator interface the test suite and benchmarks use.
"""
from . import _namespace
from ._namespace import *  # noqa: F401,F403 - the array namespace
from ._namespace import __array_api_version__, __array_namespace_info__  # noqa: F401
from . import linalg, ops, te
from ._build import Kernel, build, lower
from ._defop import AllTypes, FloatTypes, IntegerTypes, NumericTypes, Operator, defop
from .te import create_schedule

__version__ = "0.1.0"

__all__ = list(_namespace.__all__) + ["linalg", "te", "ops", "lower", "build", "Kernel", "defop", "Operator", "create_schedule",
           "AllTypes", "NumericTypes", "IntegerTypes", "FloatTypes"]
