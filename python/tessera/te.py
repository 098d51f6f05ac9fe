"""ts.te: tensor expressions, the Python face of tessera's C++ front end (tessera/te).

A compute definition says what each output element is; a schedule says how the loops run::

    n = ts.te.size_var("n")
    A = ts.te.placeholder((n,), "float32", name="A")
    B = ts.te.placeholder((n,), "float32", name="B")
    C = ts.te.compute((n,), lambda i: A[i] + B[i], name="C")
    s = ts.te.create_schedule(C.op)
    xo, xi = s[C].split(C.op.axis[0], factor=16)
    s[C].parallel(xo)
    s[C].vectorize(xi)
    print(ts.lower(s, [A, B, C], "vadd"))
    f = ts.build(s, [A, B, C], "vadd")

Expressions use Python operators with NumPy 2 promotion; Python numbers are weak scalars
(``A[i] * 2`` keeps A's dtype). ``/`` is true division (integers give float64), ``//`` floor
division, ``%`` floor modulo, ``**`` power. Expressions have no truth value: use
``if_then_else`` and ``all``/``any`` instead of ``if``, ``and``, ``or``.
"""
import builtins
import inspect
import itertools

from . import _core
from ._core import Expr, IterVar, Operation, Reducer, Schedule, Stage, Tensor, Var  # noqa: F401
# Elementwise math and the other expression builders, as the C++ front end names them.
from ._core import (  # noqa: F401
    abs, acos, acosh, asin, asinh, atan, atan2, atanh, ceil, copysign, cos, cosh, exp, exp2,
    expm1, floor, floordiv, floormod, fmod, hypot, isfinite, isinf, isnan, log, log1p, log2,
    log10, logical_and, logical_not, logical_or, maximum, minimum, nextafter, pow, round,
    signbit, sin, sinh, sqrt, tan, tanh, trunc, truediv,
)

power = pow
_names = itertools.count()


def _shape(shape):
    return list(shape) if isinstance(shape, (tuple, list)) else [shape]


def var(name=None, dtype="int64"):
    """A scalar variable (a size, or a scalar kernel argument); named v<k> when unnamed."""
    return _core.var(name if name is not None else f"v{next(_names)}", dtype)


def size_var(name=None):
    """An int64 variable documented to be >= 0 (a dimension size)."""
    return _core.size_var(name if name is not None else f"n{next(_names)}")


def placeholder(shape, dtype="float32", name="placeholder"):
    """An input tensor of the given shape (ints and size variables) and dtype."""
    return _core.placeholder(_shape(shape), dtype, name)


def _axis_names(fcompute, ndim):
    """The lambda's own parameter names (lambda i, j: ...) name the axes."""
    try:
        params = list(inspect.signature(fcompute).parameters.values())
    except (TypeError, ValueError):
        return []
    plain = builtins.all(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty for p in params)
    return [p.name for p in params] if plain and len(params) == ndim else []


def compute(shape, fcompute, name="compute"):
    """A tensor whose element at index (i0, i1, ...) is fcompute(i0, i1, ...).

    fcompute returns one expression, or a tuple of expressions for several outputs (then a
    list of tensors is returned, one per output, all made by one operation). A reduction
    (sum, max, a comm_reducer) must be the whole body.
    """
    if not callable(fcompute):
        raise TypeError("compute: fcompute must be callable (lambda *index: ...)")
    shape = _shape(shape)
    outs = _core.compute(shape, fcompute, name, _axis_names(fcompute, len(shape)))
    return outs[0] if len(outs) == 1 else outs


def reduce_axis(dom, name="k"):
    """A reduction axis over dom: an extent n ([0, n)) or a (begin, end) pair ([begin, end))."""
    if isinstance(dom, (tuple, list)):
        if len(dom) != 2:
            raise ValueError("reduce_axis: dom must be an extent or a (begin, end) pair")
        begin, end = dom
        return _core.reduce_axis(begin, end - begin, name)
    return _core.reduce_axis(0, dom, name)


def _is_axes(axis):
    if isinstance(axis, IterVar):
        return True
    return isinstance(axis, (tuple, list)) and len(axis) > 0 and builtins.all(isinstance(a, IterVar) for a in axis)


def _reducer(core_fn, elementwise, name):
    def reduce(expr, axis=None, where=None):
        if axis is None:
            raise TypeError(f"{name}: give the reduction axis (axis=k)")
        if _is_axes(axis):
            return core_fn(expr, axis, where)
        if elementwise is None or where is not None:
            raise TypeError(f"{name}: axis must be a reduction axis or a list of them")
        return elementwise(expr, axis)  # max(a, b): the combiner on two expressions

    reduce.__name__ = name
    reduce.__doc__ = (f"{name}(expr, axis, where=None) reduces expr over the reduction axis (or list of "
                      f"axes), skipping elements where `where` is false.")
    return reduce


sum = _reducer(_core.reduce_sum, None, "sum")
prod = _reducer(_core.reduce_prod, None, "prod")
max = _reducer(_core.reduce_max, maximum, "max")
min = _reducer(_core.reduce_min, minimum, "min")


class CommReducer:
    """A reducer from a combiner and an identity (see comm_reducer)."""

    def __init__(self, fcombine, fidentity, name):
        def combine(lhs, rhs):
            return fcombine(lhs[0], rhs[0]) if len(lhs) == 1 else fcombine(tuple(lhs), tuple(rhs))

        self._fcombine = fcombine
        self._reducer = Reducer(combine, lambda dtypes: fidentity(*dtypes), name)
        self.name = name

    def __call__(self, expr, axis, where=None):
        if not _is_axes(axis):
            if where is not None:
                raise TypeError(f"{self.name}: axis must be a reduction axis or a list of them")
            return self._fcombine(expr, axis)
        several = isinstance(expr, (tuple, list))
        out = self._reducer(list(expr) if several else [expr], axis, where)
        return tuple(out) if several else out[0]

    def __repr__(self):
        return f"<CommReducer {self.name}>"


def comm_reducer(fcombine, fidentity, name="reduce"):
    """A commutative reducer: fcombine(x, y) -> value and fidentity(dtype) -> identity.

    For tuple reductions (argmax-like) fcombine takes two tuples and returns a tuple, and
    fidentity takes one dtype per element. The reducer is called as r(expr, axis, where=None)
    (or r((e0, e1), axis) for tuples); called on two expressions it combines them.
    """
    return CommReducer(fcombine, fidentity, name)


def if_then_else(cond, true_value, false_value):
    """cond ? true_value : false_value, values promoted (both are evaluated)."""
    return _core.select(cond, true_value, false_value)


select = if_then_else
where = if_then_else


def all(*conds):
    """Logical and of the conditions."""
    if not conds:
        raise TypeError("all: give at least one condition")
    out = conds[0]
    for c in conds[1:]:
        out = logical_and(out, c)
    return logical_and(out, True) if len(conds) == 1 else out


def any(*conds):
    """Logical or of the conditions."""
    if not conds:
        raise TypeError("any: give at least one condition")
    out = conds[0]
    for c in conds[1:]:
        out = logical_or(out, c)
    return logical_or(out, False) if len(conds) == 1 else out


def const(value, dtype=None):
    """A constant; int64/float64/bool by the value's Python type unless dtype is given."""
    if dtype is None:
        dtype = "bool" if isinstance(value, bool) else "int64" if isinstance(value, int) else "float64"
    return _core.const(value, dtype)


def cast(x, dtype):
    """x converted to dtype (same as x.astype(dtype))."""
    return _core.cast(dtype, x)


def create_schedule(outputs):
    """A schedule for output operations or tensors (one, or a list)."""
    items = outputs if isinstance(outputs, (tuple, list)) else [outputs]
    tensors = []
    for o in items:
        if isinstance(o, Operation):
            tensors.append(o.output(0))
        elif isinstance(o, Tensor):
            tensors.append(o)
        else:
            raise TypeError(f"create_schedule: expected Operations or Tensors, got {type(o).__name__}")
    return _core.create_schedule(tensors)
