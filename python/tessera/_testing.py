"""Calling tessera operators on NumPy arrays (the test and benchmark interface).

`call("add", a, b)` allocates the output with the planned shape and dtype and returns it;
`out=` writes into an existing array. bfloat16 arrays come from the ml_dtypes package.
"""
import numpy as np

from ._arrays import numpy_dtype as _numpy_dtype
from ._arrays import spec as _array_spec
from ._core import oplib as _ops


def _spec(a):
    return _array_spec(np.asarray(a))


def plan(op, *inputs):
    shape, dtypes = _ops.plan(op, [_spec(x) for x in inputs])
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
