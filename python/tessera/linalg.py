"""``ts.linalg``: the Array API 2024.12 linalg extension, as far as tessera implements it.

Implemented (NumPy 2's numpy.linalg semantics): cholesky, cross, det, diagonal, inv, matmul,
matrix_norm, matrix_power, matrix_transpose, outer, slogdet, solve, tensordot, trace,
vecdot, vector_norm. cholesky/det/inv/slogdet/solve run a batched LU or Cholesky in C++
(src/array/linalg.cpp); the others compose the array namespace's operations.

Not implemented (they need an SVD or an eigensolver): eigh, eigvalsh, matrix_rank, pinv, qr,
svd, svdvals, and matrix_norm with ord=2, -2 or 'nuc' (these raise NotImplementedError).
The missing functions are absent, so ``hasattr(ts.linalg, name)`` tells the truth.
"""
import math as _math
from typing import NamedTuple as _NamedTuple

from . import _namespace as _ns
from ._core import Array
from ._core import xp as _xp

matmul = _ns.matmul
matrix_transpose = _ns.matrix_transpose
tensordot = _ns.tensordot
vecdot = _ns.vecdot

NOT_IMPLEMENTED = ("eigh", "eigvalsh", "matrix_rank", "pinv", "qr", "svd", "svdvals")


class SlogdetResult(_NamedTuple):
    sign: Array
    logabsdet: Array


def _as_array(x):
    return x if isinstance(x, Array) else _ns.asarray(x)


def _floating(x):
    """x as a float array: bool and integers become float64 (NumPy's linalg rule)."""
    x = _as_array(x)
    return x if _ns.isdtype(x.dtype, "real floating") else _ns.astype(x, _ns.float64)


def _matrix_stack(x, fn):
    x = _as_array(x)
    if x.ndim < 2:
        raise ValueError(f"{fn}: {x.ndim}-dimensional array given. Array must be at least two-dimensional")
    return x


def cholesky(x, /, *, upper=False):
    """The lower (upper=True: upper) Cholesky factor of each symmetric positive-definite matrix."""
    return _xp.linalg_cholesky(x, upper)


def det(x, /):
    return _xp.linalg_det(x)


def inv(x, /):
    return _xp.linalg_inv(x)


def slogdet(x, /):
    return SlogdetResult(*_xp.linalg_slogdet(x))


def solve(x1, x2, /):
    """The solution of x1 @ out = x2; x2 is a vector only when it is 1-D (NumPy 2, the standard)."""
    return _xp.linalg_solve(x1, x2)


def diagonal(x, /, *, offset=0):
    """The offset-th diagonal of each matrix of x (a new array; NumPy returns a read-only view)."""
    x = _matrix_stack(x, "diagonal")
    if isinstance(offset, bool) or not isinstance(offset, int):
        raise TypeError("diagonal: offset must be an integer")
    rows, cols = x.shape[-2], x.shape[-1]
    length = max(0, min(rows, cols - offset) if offset >= 0 else min(rows + offset, cols))
    i = _ns.arange(length) + max(0, -offset)
    flat = _ns.reshape(x, x.shape[:-2] + (rows * cols,))
    return _ns.take(flat, i * cols + (i + offset), axis=-1)


def trace(x, /, *, offset=0, dtype=None):
    """The sum of the offset-th diagonal of each matrix, with sum's dtype rules."""
    return _ns.sum(diagonal(x, offset=offset), axis=-1, dtype=dtype)


def outer(x1, x2, /):
    x1, x2 = _as_array(x1), _as_array(x2)
    if x1.ndim != 1 or x2.ndim != 1:
        raise ValueError(f"outer: x1 and x2 must be one-dimensional, got {x1.ndim} and {x2.ndim} dimensions")
    return _ns.multiply(_ns.reshape(x1, (-1, 1)), _ns.reshape(x2, (1, -1)))


def cross(x1, x2, /, *, axis=-1):
    """The cross product of 3-element vectors along axis (after broadcasting x1 and x2)."""
    x1, x2 = _ns.broadcast_arrays(_as_array(x1), _as_array(x2))
    if x1.ndim == 0:
        raise ValueError("cross: the arrays must have at least one dimension")
    if not -x1.ndim <= axis < x1.ndim:
        raise ValueError(f"cross: axis {axis} is out of bounds for array of dimension {x1.ndim}")
    if x1.shape[axis] != 3:
        raise ValueError(f"cross: the vectors along axis {axis} must have 3 elements, not {x1.shape[axis]}")
    a0, a1, a2 = _ns.unstack(x1, axis=axis)
    b0, b1, b2 = _ns.unstack(x2, axis=axis)
    return _ns.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=axis)


def _axes_tuple(axis, ndim, fn):
    axes = tuple(range(ndim)) if axis is None else (axis if isinstance(axis, tuple) else (axis,))
    out = []
    for a in axes:
        if isinstance(a, bool) or not isinstance(a, int):
            raise TypeError(f"{fn}: axis must be an integer or a tuple of integers")
        if not -ndim <= a < ndim:
            raise ValueError(f"{fn}: axis {a} is out of bounds for array of dimension {ndim}")
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{fn}: repeated axis")
    return tuple(out)


def vector_norm(x, /, *, axis=None, keepdims=False, ord=2):  # noqa: A002 - the standard's name
    """The vector p-norm over axis (all axes when None); ord is any float, inf or -inf."""
    x = _floating(x)
    axes = _axes_tuple(axis, x.ndim, "vector_norm")
    a = _ns.abs(x)
    kw = {"axis": axes, "keepdims": keepdims}
    if ord == _math.inf:
        return _ns.max(a, **kw)
    if ord == -_math.inf:
        return _ns.min(a, **kw)
    if ord == 0:
        return _ns.astype(_ns.count_nonzero(a, **kw), x.dtype)
    if ord == 1:
        return _ns.sum(a, **kw)
    if ord == 2:
        return _ns.sqrt(_ns.sum(a * a, **kw))
    if isinstance(ord, bool) or not isinstance(ord, (int, float)):
        raise TypeError(f"vector_norm: ord must be a number, got {ord!r}")
    return _ns.sum(a ** float(ord), **kw) ** (1.0 / ord)


def matrix_norm(x, /, *, keepdims=False, ord="fro"):  # noqa: A002
    """Frobenius ('fro') or induced 1, -1, inf, -inf norm of each matrix of x."""
    x = _floating(_matrix_stack(x, "matrix_norm"))
    if ord in (2, -2, "nuc"):
        raise NotImplementedError(f"matrix_norm: ord={ord!r} needs singular values (an SVD), "
                                  "which tessera does not implement yet")
    a = _ns.abs(x)
    if ord == "fro":
        out = _ns.sqrt(_ns.sum(a * a, axis=(-2, -1), keepdims=True))
    elif ord in (1, -1):
        col_sums = _ns.sum(a, axis=-2, keepdims=True)
        out = (_ns.max if ord == 1 else _ns.min)(col_sums, axis=-1, keepdims=True)
    elif ord in (_math.inf, -_math.inf):
        row_sums = _ns.sum(a, axis=-1, keepdims=True)
        out = (_ns.max if ord > 0 else _ns.min)(row_sums, axis=-2, keepdims=True)
    else:
        raise ValueError(f"matrix_norm: invalid norm order {ord!r} for matrices")
    return out if keepdims else _ns.reshape(out, x.shape[:-2])


def matrix_power(x, n, /):
    """x @ x @ ... (n times) for each square matrix; n = 0 gives identities, n < 0 powers of inv(x)."""
    x = _matrix_stack(x, "matrix_power")
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError("matrix_power: n must be an integer")
    if x.shape[-1] != x.shape[-2]:
        raise ValueError("matrix_power: Last 2 dimensions of the array must be square")
    if n == 0:
        return _ns.asarray(_ns.broadcast_to(_ns.eye(x.shape[-1], dtype=x.dtype), x.shape), copy=True)
    if n < 0:
        if not _ns.isdtype(x.dtype, "real floating"):
            raise TypeError("matrix_power: negative powers need a floating-point array")
        x, n = inv(x), -n
    result, base = None, x
    while n:
        if n & 1:
            result = base if result is None else _ns.matmul(result, base)
        n >>= 1
        if n:
            base = _ns.matmul(base, base)
    return result


__all__ = ["cholesky", "cross", "det", "diagonal", "inv", "matmul", "matrix_norm", "matrix_power", "matrix_transpose",
           "outer", "slogdet", "solve", "tensordot", "trace", "vecdot", "vector_norm"]
