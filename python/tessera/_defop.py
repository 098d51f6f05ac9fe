"""@ts.defop: new operators from Python, compiled per variant on first use.

The RFC's example runs as written (with ``ts.te.`` for ``tvm.`` and ``fcompute=``)::

    @ts.defop(name="vadd", target="cpu", auto_broadcast=True, dtype=ts.AllTypes, ndim=list(range(6)))
    def vadd(dtype, ndim):
        A = ts.te.placeholder(shape=[ts.te.var() for _ in range(ndim)], name='A', dtype=dtype)
        ...
        return s, [A, B, C]

    ts.ops.vadd(a, b)    # NumPy arrays in, a NumPy array out, with broadcasting

The function is called with the keywords it names among ``dtype`` (the compute dtype, a
name such as "float32"), ``ndim`` (the kernel's rank) and ``variant`` (the full Variant).
A function with other parameters instead receives one input placeholder per parameter
(shape ``(n0, ..., n{ndim-1})``, the compute dtype) and may return just the output
tensor(s); it then gets the built-in elementwise schedule.

Every input is first converted to the NumPy promotion of all inputs (Python scalars are
weak), which must be one of the operator's dtypes. The output shape is the broadcast shape.
``ndim`` lists the ranks callers may pass; dispatch collapses dimensions, so the function is
also asked for lower ranks (contiguous calls run a rank-1 kernel). The function is called
once per dtype when the operator is defined (to learn its outputs), then once per variant
when that variant is first used.
"""
import inspect

import numpy as np

from . import _arrays, _core, te
from ._core import oplib as _oplib

_call_arrays = _oplib.call_arrays

IntegerTypes = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")
FloatTypes = ("float16", "bfloat16", "float32", "float64")
NumericTypes = IntegerTypes + FloatTypes
AllTypes = ("bool",) + NumericTypes
_TYPE_SETS = {"AllTypes": AllTypes, "NumericTypes": NumericTypes, "IntegerTypes": IntegerTypes,
              "FloatTypes": FloatTypes, "RealTypes": NumericTypes}

_VARIANT_KEYWORDS = {"dtype", "ndim", "variant"}
_MAX_RANK = 32


def _dtype_list(dtype):
    items = [dtype] if isinstance(dtype, str) or not isinstance(dtype, (tuple, list, set, frozenset)) else dtype
    names = set()
    for d in items:
        if isinstance(d, str) and d in _TYPE_SETS:
            names.update(_TYPE_SETS[d])
        elif isinstance(d, (tuple, list, set, frozenset)):
            names.update(_dtype_list(d))
        else:
            try:
                names.add(_arrays.dtype_name(d) if not isinstance(d, str) or d != "bfloat16" else d)
            except TypeError:
                raise TypeError(f"defop: data type {d!r} not understood") from None
    unknown = names - set(AllTypes)
    if unknown:
        raise TypeError(f"defop: unsupported dtype(s) {sorted(unknown)}")
    if not names:
        raise ValueError("defop: dtype lists no types")
    return [t for t in AllTypes if t in names]


def _ndim_list(ndim):
    items = [ndim] if isinstance(ndim, (int, np.integer)) else list(ndim)
    out = sorted({int(n) for n in items})
    if not out or out[0] < 0 or out[-1] > _MAX_RANK:
        raise ValueError(f"defop: ndim must list ranks between 0 and {_MAX_RANK}, got {items!r}")
    return out


_ITEMSIZE = {"bool": 1, "int8": 1, "uint8": 1, "int16": 2, "uint16": 2, "float16": 2, "bfloat16": 2,
             "int32": 4, "uint32": 4, "float32": 4, "int64": 8, "uint64": 8, "float64": 8}


def _vector_lanes(dtypes):
    """Elements per vector: one 64-byte register's worth of the widest operand."""
    return max(4, 64 // max(_ITEMSIZE[d] for d in dtypes))


def elementwise_schedule(outputs, inputs, ndim, target="cpu"):
    """The built-in elementwise schedule: intermediate stages inlined, the output's loops split
    for vectors, the outer part parallel (rank 1 runs blocks of 4096 elements in parallel).
    For target "cuda": the loops fused and split into blocks of 256 threads."""
    s = te.create_schedule([t.op for t in outputs])
    out_ops = {t.op for t in outputs}
    for st in s.stages:
        if st.op.kind == "compute" and st.op not in out_ops and not st.op.reduce_axis:
            st.compute_inline()
    if ndim == 0:
        return s
    if target == "cuda":
        for op in out_ops:
            st = s[op]
            bx, tx = st.split(st.fuse(*st.op.axis), factor=256)
            st.bind(bx, "blockIdx.x")
            st.bind(tx, "threadIdx.x")
        return s
    lanes = _vector_lanes([t.dtype for t in list(inputs) + list(outputs)])
    for op in out_ops:
        st = s[op]
        axes = st.op.axis
        if ndim == 1:
            blocks, block = st.split(axes[0], factor=4096)
            _, lane = st.split(block, factor=lanes)
            st.parallel(blocks)
        else:
            _, lane = st.split(axes[-1], factor=lanes)
            st.parallel(axes[0])
        st.vectorize(lane)
    return s


class _Generator:
    """Calls the user's function for one (dtype, ndim, variant) and returns (schedule, args)."""

    def __init__(self, name, fn):
        self.name = name
        self.fn = fn
        params = list(inspect.signature(fn).parameters.values())
        self.keywords = [p.name for p in params if p.name in _VARIANT_KEYWORDS]
        self.inputs = [p.name for p in params if p.name not in _VARIANT_KEYWORDS
                       and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty]
        if any(p.kind == p.VAR_POSITIONAL for p in params):
            raise TypeError(f"defop {name}: the function cannot take *args; name its inputs or take (dtype, ndim)")

    def __call__(self, dtype, ndim, variant):
        given = {"dtype": dtype, "ndim": ndim, "variant": variant}
        kwargs = {k: given[k] for k in self.keywords}
        if not self.inputs:
            result = self.fn(**kwargs)
            if not (isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], _core.Schedule)):
                raise TypeError(f"defop {self.name}: the function must return (schedule, args)")
            return result[0], list(result[1])
        shape = [te.size_var(f"n{d}") for d in range(ndim)]
        placeholders = [te.placeholder(shape, dtype, name=n) for n in self.inputs]
        result = self.fn(*placeholders, **kwargs)
        if isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], _core.Schedule):
            return result[0], list(result[1])
        outputs = list(result) if isinstance(result, (tuple, list)) else [result]
        if not outputs or not all(isinstance(t, _core.Tensor) for t in outputs):
            raise TypeError(f"defop {self.name}: the function must return output tensor(s) or (schedule, args)")
        target = variant.target if variant is not None else "cpu"
        return elementwise_schedule(outputs, placeholders, ndim, target), placeholders + outputs

    def for_variant(self, variant):
        return self(variant.compute_dtypes[0], variant.ndim, variant)


def _split_args(name, dtype, args):
    """(input count, output dtypes) of the probe's argument list."""
    for a in args:
        if not isinstance(a, _core.Tensor):
            raise TypeError(f"defop {name}: arguments must be tensors (scalar arguments are not supported), "
                            f"got {a!r}")
    kinds = [a.op.kind for a in args]
    n_in = kinds.count("placeholder")
    if kinds != ["placeholder"] * n_in + ["compute"] * (len(args) - n_in) or n_in == len(args) or n_in == 0:
        raise ValueError(f"defop {name}: args must list the input placeholders, then the outputs")
    for a in args[:n_in]:
        if a.dtype != dtype:
            raise TypeError(f"defop {name}: input {a.name} has dtype {a.dtype}; inputs must use the dtype the "
                            f"function is given ({dtype})")
    return n_in, [a.dtype for a in args[n_in:]]


class Operator:
    """An operator of the library, called on arrays: broadcasting, dtype dispatch, out=."""

    def __init__(self, name, num_inputs=None, dtypes=None, ndims=None, doc=None, targets=None):
        self.name = name
        self.targets = targets  # Python-defined operators with their own schedule: one target
        self.num_inputs = num_inputs
        self.dtypes = dtypes  # Python-defined operators: the dtypes inputs are converted to
        self.ndims = ndims
        self.__doc__ = doc or f"The tessera operator {name}."

    def __call__(self, *args, out=None):
        if self.num_inputs is not None and len(args) != self.num_inputs:
            raise TypeError(f"{self.name}() takes {self.num_inputs} arrays, got {len(args)}")
        if self.targets is not None:
            _check_target(self.name, self.targets, args)
        # Conversion, NEP 50 promotion, dtype and rank checks and the call run in C++.
        return _call_arrays(self.name, args, out, self.dtypes, self.ndims)

    def __repr__(self):
        return f"<tessera operator {self.name}>"


def _on_cuda(x):
    device = getattr(x, "__dlpack_device__", None)
    return device is not None and device()[0] == 2  # kDLCUDA


def _check_target(name, targets, args):
    """A schedule written for one target runs only on operands of that target."""
    cuda = [_on_cuda(a) for a in args if not isinstance(a, (bool, int, float))]
    if "cuda" not in targets and any(cuda):
        raise ValueError(f"{name}: defined with target 'cpu'; its operands must be on the CPU "
                         f"(copy them with to_device('cpu') or define it with target='cuda')")
    if "cpu" not in targets and not all(cuda):
        raise ValueError(f"{name}: defined with target 'cuda'; every array operand must be on a CUDA device "
                         f"(copy it with ts.asarray(x, device='cuda'))")


_python_ops = {}


def python_ops():
    return dict(_python_ops)


def defop(name, target="cpu", auto_broadcast=True, dtype=AllTypes, ndim=tuple(range(6))):
    """Registers the decorated function as operator `name`; see the module docstring."""
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"defop: name must be an identifier, got {name!r}")
    if target not in ("cpu", "llvm", "cuda"):
        raise ValueError(f"defop {name}: target {target!r} is not supported (use 'cpu' or 'cuda')")
    dtypes = _dtype_list(dtype)
    ndims = _ndim_list(ndim)

    def decorate(fn):
        if name in _oplib.list_ops():
            raise ValueError(f"defop: an operator named '{name}' already exists")
        gen = _Generator(name, fn)
        signatures, counts = [], set()
        for dt in dtypes:
            try:
                _, args = gen(dt, 1, None)
            except Exception as e:
                if hasattr(e, "add_note"):
                    e.add_note(f"(while defining operator {name} for dtype {dt})")
                raise
            n_in, outs = _split_args(name, dt, args)
            counts.add((n_in, len(outs)))
            signatures.append((dt, outs))
        if len(counts) != 1:
            raise ValueError(f"defop {name}: the number of inputs and outputs must not depend on the dtype")
        (n_in, n_out), = counts
        _oplib.register_python_op(name, n_in, n_out, bool(auto_broadcast), signatures, ndims, gen.for_variant)
        # Operators given by their compute alone get the built-in schedule of either target;
        # a CUDA schedule checks its operands' device (CPU calls skip the check: hot path).
        targets = ("cuda",) if target == "cuda" and not gen.inputs else None
        op = Operator(name, n_in, tuple(dtypes), tuple(ndims), fn.__doc__, targets)
        _python_ops[name] = op
        return op

    return decorate
