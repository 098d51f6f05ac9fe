"""ts.ops: the operators by name, called on arrays (NumPy arrays for now).

``ts.ops.add(a, b)`` runs the built-in elementwise operators; operators defined with
``@ts.defop`` appear here under their names. Each call broadcasts, dispatches on dtype
and rank, and JIT-compiles a variant the first time it is needed.
"""
from . import _defop
from ._core import oplib as _oplib

_builtin = {}


def _elementwise_names():
    return set(_oplib.elementwise_op_names())


def __getattr__(name):
    op = _defop.python_ops().get(name)
    if op is not None:
        return op
    if name not in _builtin and name in _elementwise_names():
        _builtin[name] = _defop.Operator(name)
    if name in _builtin:
        return _builtin[name]
    raise AttributeError(f"tessera has no operator named {name!r}")


def __dir__():
    return sorted(_elementwise_names() | set(_defop.python_ops()))
