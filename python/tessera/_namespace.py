"""The array namespace (Array API standard 2024.12, NumPy 2 behaviour).

Each function here only gives the standard's signature (positional-only and keyword-only
parameters, defaults) to a C++ function of ``tessera._core.xp``; conversions, checks and
the computation live in C++. ``ts.Array``'s operators are C++ methods with no Python layer.
"""
import builtins as _builtins
import math as _math
from typing import NamedTuple as _NamedTuple

from ._core import Array, Device
from ._core import _cuda_device_count
from ._core import cpu as _cpu
from ._core import xp as _xp

__array_api_version__ = "2024.12"

dtype = _xp.dtype
_DTYPES = _xp.dtypes
bool = _DTYPES["bool"]  # noqa: A001 - the standard's name
int8, int16, int32, int64 = (_DTYPES[n] for n in ("int8", "int16", "int32", "int64"))
uint8, uint16, uint32, uint64 = (_DTYPES[n] for n in ("uint8", "uint16", "uint32", "uint64"))
float16, bfloat16, float32, float64 = (_DTYPES[n] for n in ("float16", "bfloat16", "float32", "float64"))

e = _math.e
inf = _math.inf
nan = _math.nan
pi = _math.pi
newaxis = None

# ---- elementwise --------------------------------------------------------------------------


def _unary(name):
    impl = getattr(_xp, name)

    def fn(x, /):
        return impl(x)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise {name}(x), as the Array API standard (NumPy 2 semantics)."
    return fn


def _binary(name):
    impl = getattr(_xp, name)

    def fn(x1, x2, /):
        return impl(x1, x2)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise {name}(x1, x2) with broadcasting; either operand may be a Python scalar."
    return fn


_UNARY = ("abs", "acos", "acosh", "asin", "asinh", "atan", "atanh", "bitwise_invert", "ceil", "cos", "cosh", "exp",
          "expm1", "floor", "isfinite", "isinf", "isnan", "log", "log10", "log1p", "log2", "logical_not", "negative",
          "positive", "reciprocal", "round", "sign", "signbit", "sin", "sinh", "sqrt", "square", "tan", "tanh", "trunc")
_BINARY = ("add", "atan2", "bitwise_and", "bitwise_left_shift", "bitwise_or", "bitwise_right_shift", "bitwise_xor",
           "copysign", "divide", "equal", "floor_divide", "greater", "greater_equal", "hypot", "less", "less_equal",
           "logaddexp", "logical_and", "logical_or", "logical_xor", "maximum", "minimum", "multiply", "nextafter",
           "not_equal", "pow", "remainder", "subtract")
for _name in _UNARY:
    globals()[_name] = _unary(_name)
for _name in _BINARY:
    globals()[_name] = _binary(_name)


def clip(x, /, min=None, max=None):  # noqa: A002 - the standard's names
    """x clamped to [min, max]; a None bound is no bound."""
    return _xp.clip(x, min, max)


def where(condition, x1, x2, /):
    """x1 where condition is true, else x2 (broadcast together)."""
    return _xp.where(condition, x1, x2)


# ---- data types ---------------------------------------------------------------------------


def astype(x, dtype, /, *, copy=True, device=None):
    """x cast to dtype (unsafe casting, as NumPy's astype)."""
    return _xp.astype(x, dtype, copy, device)


def can_cast(from_, to, /):
    """Whether from_ (a dtype or an array) casts safely to `to`."""
    return _xp.can_cast(from_, to)


def result_type(*arrays_and_dtypes):
    """The promoted dtype of arrays, dtypes and (weak) Python scalars."""
    return _xp.result_type(arrays_and_dtypes)


class finfo_object:
    """Machine limits of a floating-point dtype."""

    def __init__(self, dtype, bits, eps, max, min, smallest_normal):  # noqa: A002
        self.dtype, self.bits, self.eps, self.max, self.min = dtype, bits, eps, max, min
        self.smallest_normal = smallest_normal

    def __repr__(self):
        return f"finfo(bits={self.bits}, eps={self.eps}, max={self.max}, min={self.min}, dtype={self.dtype})"


class iinfo_object:
    """Range of an integer dtype."""

    def __init__(self, dtype, bits, min, max):  # noqa: A002
        self.dtype, self.bits, self.min, self.max = dtype, bits, min, max

    def __repr__(self):
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"


def finfo(type, /):  # noqa: A002
    """Machine limits of a floating-point dtype (or of an array's dtype)."""
    dt, (bits, eps, mx, mn, smallest) = _xp.finfo(type)
    return finfo_object(dt, bits, eps, mx, mn, smallest)


def iinfo(type, /):  # noqa: A002
    """Range of an integer dtype (or of an array's dtype)."""
    dt, (bits, mn, mx) = _xp.iinfo(type)
    return iinfo_object(dt, bits, mn, mx)


_KINDS = {
    "bool": lambda d: d.kind == "b",
    "signed integer": lambda d: d.kind == "i",
    "unsigned integer": lambda d: d.kind == "u",
    "integral": lambda d: d.kind in "iu",
    "real floating": lambda d: d.kind == "f",
    "complex floating": lambda d: False,
    "numeric": lambda d: d.kind in "iuf",
}


def isdtype(dtype, kind):
    """Whether dtype is of kind: a dtype, a kind name ('integral', 'real floating', ...) or a tuple."""
    if not isinstance(dtype, _xp.dtype):
        raise TypeError(f"isdtype: expected a tessera dtype, got {dtype!r}")
    if isinstance(kind, tuple):
        return _builtins.any(isdtype(dtype, k) for k in kind)
    if isinstance(kind, str):
        if kind not in _KINDS:
            raise ValueError(f"isdtype: unknown kind {kind!r}; expected one of {sorted(_KINDS)}")
        return _KINDS[kind](dtype)
    if isinstance(kind, _xp.dtype):
        return dtype == kind
    raise TypeError(f"isdtype: kind must be a dtype, a string or a tuple of them, got {kind!r}")


# ---- creation -----------------------------------------------------------------------------


def asarray(obj, /, *, dtype=None, device=None, copy=None):
    """An array from an array, a DLPack producer, a NumPy array (shared memory), a Python
    scalar or nested sequences."""
    return _xp.asarray(obj, dtype, device, copy)


def from_dlpack(x, /, *, device=None, copy=None):
    """An array sharing the memory of a DLPack producer (or of a DLPack capsule)."""
    return _xp.from_dlpack(x, device, copy)


def arange(start, /, stop=None, step=1, *, dtype=None, device=None):
    return _xp.arange(start, stop, step, dtype, device)


def empty(shape, *, dtype=None, device=None):
    return _xp.empty(shape, dtype, device)


def empty_like(x, /, *, dtype=None, device=None):
    return _xp.empty_like(x, dtype, device)


def eye(n_rows, n_cols=None, /, *, k=0, dtype=None, device=None):
    return _xp.eye(n_rows, n_cols, k, dtype, device)


def full(shape, fill_value, *, dtype=None, device=None):
    return _xp.full(shape, fill_value, dtype, device)


def full_like(x, /, fill_value, *, dtype=None, device=None):
    return _xp.full_like(x, fill_value, dtype, device)


def linspace(start, stop, /, num, *, dtype=None, device=None, endpoint=True):
    return _xp.linspace(start, stop, num, dtype, device, endpoint)


def meshgrid(*arrays, indexing="xy"):
    return _xp.meshgrid(arrays, indexing)


def ones(shape, *, dtype=None, device=None):
    return _xp.ones(shape, dtype, device)


def ones_like(x, /, *, dtype=None, device=None):
    return _xp.ones_like(x, dtype, device)


def tril(x, /, *, k=0):
    return _xp.tril(x, k)


def triu(x, /, *, k=0):
    return _xp.triu(x, k)


def zeros(shape, *, dtype=None, device=None):
    return _xp.zeros(shape, dtype, device)


def zeros_like(x, /, *, dtype=None, device=None):
    return _xp.zeros_like(x, dtype, device)


# ---- reductions and statistics ------------------------------------------------------------


def sum(x, /, *, axis=None, dtype=None, keepdims=False):  # noqa: A001
    return _xp.sum(x, axis, dtype, keepdims)


def prod(x, /, *, axis=None, dtype=None, keepdims=False):
    return _xp.prod(x, axis, dtype, keepdims)


def mean(x, /, *, axis=None, keepdims=False):
    return _xp.mean(x, axis, None, keepdims)


def min(x, /, *, axis=None, keepdims=False):  # noqa: A001
    return _xp.min(x, axis, keepdims)


def max(x, /, *, axis=None, keepdims=False):  # noqa: A001
    return _xp.max(x, axis, keepdims)


def var(x, /, *, axis=None, correction=0.0, keepdims=False):
    return _xp.var(x, axis, correction, keepdims)


def std(x, /, *, axis=None, correction=0.0, keepdims=False):
    return _xp.std(x, axis, correction, keepdims)


def all(x, /, *, axis=None, keepdims=False):  # noqa: A001
    return _xp.all(x, axis, keepdims)


def any(x, /, *, axis=None, keepdims=False):  # noqa: A001
    return _xp.any(x, axis, keepdims)


def count_nonzero(x, /, *, axis=None, keepdims=False):
    return _xp.count_nonzero(x, axis, keepdims)


def argmin(x, /, *, axis=None, keepdims=False):
    return _xp.argmin(x, axis, keepdims)


def argmax(x, /, *, axis=None, keepdims=False):
    return _xp.argmax(x, axis, keepdims)


def cumulative_sum(x, /, *, axis=None, dtype=None, include_initial=False):
    return _xp.cumulative_sum(x, axis, dtype, include_initial)


def cumulative_prod(x, /, *, axis=None, dtype=None, include_initial=False):
    return _xp.cumulative_prod(x, axis, dtype, include_initial)


# ---- linear algebra -----------------------------------------------------------------------


def matmul(x1, x2, /):
    return _xp.matmul(x1, x2)


def matrix_transpose(x, /):
    return _xp.matrix_transpose(x)


def tensordot(x1, x2, /, *, axes=2):
    return _xp.tensordot(x1, x2, axes)


def vecdot(x1, x2, /, *, axis=-1):
    return _xp.vecdot(x1, x2, axis)


# ---- manipulation and indexing ------------------------------------------------------------


def broadcast_arrays(*arrays):
    return _xp.broadcast_arrays(*arrays)


def broadcast_shapes(*shapes):
    return _xp.broadcast_shapes(*shapes)


def broadcast_to(x, /, shape):
    return _xp.broadcast_to(x, shape)


def concat(arrays, /, *, axis=0):
    return _xp.concat(arrays, axis)


def expand_dims(x, /, axis=0):
    return _xp.expand_dims(x, axis)


def flip(x, /, *, axis=None):
    return _xp.flip(x, axis)


def moveaxis(x, source, destination, /):
    return _xp.moveaxis(x, source, destination)


def permute_dims(x, /, axes):
    return _xp.permute_dims(x, axes)


def repeat(x, repeats, /, *, axis=None):
    return _xp.repeat(x, repeats, axis)


def reshape(x, /, shape, *, copy=None):
    return _xp.reshape(x, shape, copy)


def roll(x, /, shift, *, axis=None):
    return _xp.roll(x, shift, axis)


def squeeze(x, /, axis):
    return _xp.squeeze(x, axis)


def stack(arrays, /, *, axis=0):
    return _xp.stack(arrays, axis)


def tile(x, repetitions, /):
    return _xp.tile(x, repetitions)


def unstack(x, /, *, axis=0):
    return _xp.unstack(x, axis)


def take(x, indices, /, *, axis=None):
    return _xp.take(x, indices, axis)


def take_along_axis(x, indices, /, *, axis=-1):
    return _xp.take_along_axis(x, indices, axis)


def nonzero(x, /):
    return _xp.nonzero(x)


# ---- sorting, searching and sets ----------------------------------------------------------


def sort(x, /, *, axis=-1, descending=False, stable=True):
    return _xp.sort(x, axis, descending, stable)


def argsort(x, /, *, axis=-1, descending=False, stable=True):
    return _xp.argsort(x, axis, descending, stable)


def searchsorted(x1, x2, /, *, side="left", sorter=None):
    return _xp.searchsorted(x1, x2, side, sorter)


def unique_values(x, /):
    return _xp.unique_values(x)


class UniqueAllResult(_NamedTuple):
    values: Array
    indices: Array
    inverse_indices: Array
    counts: Array


class UniqueCountsResult(_NamedTuple):
    values: Array
    counts: Array


class UniqueInverseResult(_NamedTuple):
    values: Array
    inverse_indices: Array


def unique_all(x, /):
    """Sorted distinct values of x, the flat index of each one's first occurrence, the index
    of each element's value (x's shape) and the counts. Every NaN is distinct (the standard;
    NumPy 2's unique_all)."""
    return UniqueAllResult(*_xp.unique_all(x))


def unique_counts(x, /):
    """Sorted distinct values of x and how often each occurs (every NaN is distinct)."""
    return UniqueCountsResult(*_xp.unique_counts(x))


def unique_inverse(x, /):
    """Sorted distinct values of x and the index of each element's value (x's shape)."""
    return UniqueInverseResult(*_xp.unique_inverse(x))


def isin(x1, x2, /, *, invert=False):
    """Whether each element of x1 occurs in x2 (standard revision 2025.12; NumPy 2's isin)."""
    return _xp.isin(x1, x2, invert)


# ---- utility ------------------------------------------------------------------------------


def diff(x, /, *, axis=-1, n=1, prepend=None, append=None):
    """The n-th forward difference along axis, after joining prepend and append (NumPy's diff)."""
    return _xp.diff(x, axis, n, prepend, append)


# ---- inspection ---------------------------------------------------------------------------


class _Info:
    """What __array_namespace_info__() returns: devices, dtypes and capabilities."""

    def capabilities(self):
        return {"boolean indexing": True, "data-dependent shapes": True, "max dimensions": 32}

    def default_device(self):
        return _cpu

    def default_dtypes(self, *, device=None):
        _xp.astype(zeros(0), float64, False, device)  # checks the device
        return {"real floating": float64, "complex floating": None, "integral": int64, "indexing": int64}

    def devices(self):
        # The CPU, then every CUDA device the driver sees (none without a GPU).
        return [_cpu] + [Device("cuda", i) for i in range(_cuda_device_count())]

    def dtypes(self, *, device=None, kind=None):
        _xp.astype(zeros(0), float64, False, device)
        names = ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                 "float16", "float32", "float64")
        out = {n: _DTYPES[n] for n in names}
        if kind is None:
            return out
        return {n: d for n, d in out.items() if isdtype(d, kind)}


def __array_namespace_info__():
    return _Info()


__all__ = (["Array", "Device", "dtype", "__array_api_version__", "__array_namespace_info__", "bool", "int8", "int16",
            "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float16", "bfloat16", "float32", "float64",
            "e", "inf", "nan", "pi", "newaxis", "clip", "where", "astype", "can_cast", "result_type", "finfo",
            "iinfo", "isdtype", "asarray", "from_dlpack", "arange", "empty", "empty_like", "eye", "full",
            "full_like", "linspace", "meshgrid", "ones", "ones_like", "tril", "triu", "zeros", "zeros_like",
            "sum", "prod", "mean", "min", "max", "var", "std", "all", "any", "count_nonzero", "argmin", "argmax",
            "cumulative_sum", "cumulative_prod", "matmul", "matrix_transpose", "tensordot", "vecdot",
            "broadcast_arrays", "broadcast_shapes", "broadcast_to", "concat", "expand_dims", "flip", "moveaxis",
            "permute_dims", "repeat", "reshape", "roll", "squeeze", "stack", "tile", "unstack", "take",
            "take_along_axis", "nonzero", "sort", "argsort", "searchsorted", "unique_values",
            "unique_all", "unique_counts", "unique_inverse", "isin", "diff"] + list(_UNARY) + list(_BINARY))
