"""Calling tessera operators on NumPy arrays (the test and benchmark interface).

`call("add", a, b)` allocates the output with the planned shape and dtype and returns it;
`out=` writes into an existing array. bfloat16 arrays come from the ml_dtypes package.
"""
import numpy as np

from ._arrays import dtype_name as _arrays_dtype_name
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


def _axes(x, axis):
    if axis is None:
        return []  # every axis (argmin/argmax: the flattened array)
    return list(axis) if isinstance(axis, (tuple, list)) else [axis]


def _dtype_name(dtype):
    return None if dtype is None else _arrays_dtype_name(dtype)


def _run(planned, run, out):
    shape, dtype = planned
    if out is None:
        out = np.empty(tuple(shape), dtype=_numpy_dtype(dtype))
    run(_spec(out))
    return out


def _reduce_no_axes(op, x, keepdims, dtype, out, correction):
    """NumPy's axis=(): nothing is reduced. The operator library reads an empty axis list as
    "every axis", so the array namespace (whose C++ reductions take axis=() as NumPy) answers."""
    from . import _namespace as ns

    kwargs = {"axis": (), "keepdims": keepdims}
    if op in ("sum", "prod"):
        kwargs["dtype"] = None if dtype is None else getattr(ns, _dtype_name(dtype))
    if op in ("var", "std"):
        kwargs["correction"] = correction
    result = np.array(getattr(ns, op)(ns.asarray(x), **kwargs), copy=True)
    if out is None:
        return result
    out[...] = result
    return out


def reduce(op, x, axis=None, keepdims=False, dtype=None, out=None, correction=0):
    """sum, prod, min, max, mean, var, std, argmin, argmax, all, any, count_nonzero."""
    x = np.asarray(x)
    if isinstance(axis, (tuple, list)) and len(axis) == 0:
        return _reduce_no_axes(op, x, keepdims, dtype, out, correction)
    axes, dt = _axes(x, axis), _dtype_name(dtype)
    planned = _ops.plan_reduce(op, _spec(x), axes, keepdims, dt, int(correction))
    return _run(planned, lambda o: _ops.reduce(op, _spec(x), axes, keepdims, dt, o, float(correction)), out)


def cumulative(op, x, axis=None, dtype=None, include_initial=False, out=None):
    x = np.asarray(x)
    dt = _dtype_name(dtype)
    planned = _ops.plan_cumulative(op, _spec(x), axis, dt, include_initial)
    return _run(planned, lambda o: _ops.cumulative(op, _spec(x), axis, dt, include_initial, o), out)


def matmul(a, b, out=None):
    a, b = np.asarray(a), np.asarray(b)
    return _run(_ops.plan_matmul(_spec(a), _spec(b)), lambda o: _ops.matmul(_spec(a), _spec(b), o), out)


def tensordot(a, b, axes=2, out=None):
    a, b = np.asarray(a), np.asarray(b)
    return _run(_ops.plan_tensordot(_spec(a), _spec(b), axes), lambda o: _ops.tensordot(_spec(a), _spec(b), axes, o), out)


def vecdot(a, b, axis=-1, out=None):
    a, b = np.asarray(a), np.asarray(b)
    return _run(_ops.plan_vecdot(_spec(a), _spec(b), axis), lambda o: _ops.vecdot(_spec(a), _spec(b), axis, o), out)
