"""NumPy arrays (and anything with __array_interface__ or __dlpack__) as kernel operands.

An operand crosses to C++ as an ArraySpec: (address, shape, byte strides, dtype name).
The caller keeps the array alive for the duration of the call. bfloat16 comes from the
optional ml_dtypes package.
"""
import numpy as np

try:  # optional: bfloat16 support
    import ml_dtypes

    _BF16 = np.dtype(ml_dtypes.bfloat16)
except ImportError:  # pragma: no cover
    _BF16 = None

DTYPE_NAMES = ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
               "float16", "bfloat16", "float32", "float64")


def dtype_name(dt):
    dt = np.dtype(dt)
    if _BF16 is not None and dt == _BF16:
        return "bfloat16"
    return dt.name


def numpy_dtype(name):
    if name == "bfloat16":
        if _BF16 is None:
            raise TypeError("bfloat16 arrays need the ml_dtypes package")
        return _BF16
    return np.dtype(name)


def as_array(x, what="operand"):
    """A NumPy view of x without copying when x is an array (NumPy-like or DLPack)."""
    if isinstance(x, np.ndarray):
        return x
    if hasattr(x, "__array_interface__"):
        return np.asarray(x)
    if hasattr(x, "__dlpack__"):
        return np.from_dlpack(x)
    return np.asarray(x)


def spec(a, what="operand"):
    name = dtype_name(a.dtype)
    if name not in DTYPE_NAMES:
        raise TypeError(f"{what} has unsupported dtype {a.dtype}")
    info = a.__array_interface__
    strides = a.strides  # NumPy's strides even when the interface omits them (C order)
    return (info["data"][0], list(a.shape), list(strides), name)


def output_array(x, what="output"):
    if not hasattr(x, "__array_interface__") and not hasattr(x, "__dlpack__"):
        raise TypeError(f"{what} must be an array, got {type(x).__name__}")
    a = as_array(x, what)
    if not a.flags.writeable:
        raise ValueError(f"{what} is read-only")
    return a


def _is_python_scalar(x):
    return isinstance(x, (bool, int, float)) and not isinstance(x, np.generic)


def promote(args):
    """Arrays for the operands, Python scalars taking the others' dtype (NEP 50 weak scalars).

    Returns (arrays, result dtype of NumPy's promotion).
    """
    arrays = [None if _is_python_scalar(x) else as_array(x) for x in args]
    parts = [x if a is None else a.dtype for x, a in zip(args, arrays)]
    if all(a is None for a in arrays):
        result = np.result_type(*[np.asarray(x) for x in args])
    else:
        result = np.result_type(*parts)
    arrays = [np.asarray(x, dtype=result) if a is None else a for x, a in zip(args, arrays)]
    return arrays, result
