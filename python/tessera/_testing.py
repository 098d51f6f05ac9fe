"""Calling tessera operators on NumPy arrays (the test and benchmark interface).

`call("add", a, b)` allocates the output with the planned shape and dtype and returns it;
`out=` writes into an existing array. bfloat16 arrays come from the ml_dtypes package.
"""
import numpy as np

from . import _ops

try:  # optional: bfloat16 support
    import ml_dtypes

    _BF16 = np.dtype(ml_dtypes.bfloat16)
except ImportError:  # pragma: no cover
    _BF16 = None


def _dtype_name(dt):
    dt = np.dtype(dt)
    if _BF16 is not None and dt == _BF16:
        return "bfloat16"
    return dt.name


def _numpy_dtype(name):
    return _BF16 if name == "bfloat16" else np.dtype(name)


def _spec(a):
    a = np.asarray(a)
    info = a.__array_interface__
    return (info["data"][0], list(a.shape), list(a.strides), _dtype_name(a.dtype))


def plan(op, *inputs):
    shape, dtypes = _ops.plan(op, [_spec(np.asarray(x)) for x in inputs])
    return tuple(shape), [_numpy_dtype(d) for d in dtypes]


def call(op, *inputs, out=None):
    arrays = [np.asarray(x) for x in inputs]
    if out is None:
        shape, dtypes = plan(op, *arrays)
        outs = [np.empty(shape, dtype=d) for d in dtypes]
    else:
        outs = list(out) if isinstance(out, (tuple, list)) else [out]
    _ops.call(op, [_spec(a) for a in arrays], [_spec(o) for o in outs])
    return outs[0] if len(outs) == 1 else tuple(outs)


def list_ops():
    return _ops.list_ops()
