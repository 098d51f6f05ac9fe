"""Bad input to every public Python entry point raises the exception NumPy raises, with a clear
message, and never crashes the interpreter. One row per case: (id, call, exception type,
message fragment). This table is part of issue 8's bad-input table."""
import numpy as np
import pytest

import tessera as ts
from tessera import te


def A(*values, dtype=None):
    return ts.asarray(list(values) if values else [1.0, 2.0, 3.0], dtype=dtype)


M = ts.reshape(ts.arange(6.0), (2, 3))
I8 = ts.asarray([1, 2, 3], dtype=ts.int8)
RO = ts.broadcast_to(ts.asarray([1.0, 2.0]), (2, 2))


def consumed_capsule():
    cap = A().__dlpack__(max_version=(1, 0))
    ts.from_dlpack(cap)
    return cap


def readonly_numpy():
    x = np.arange(3.0)
    x.flags.writeable = False
    return ts.asarray(x)


def setitem(x, key, value):
    x[key] = value


def inplace(x, op, y):
    ns = {"x": x, "y": y}
    exec(f"x {op} y", ns)


def vadd_redefined():
    @ts.defop(name="add", dtype="float32", ndim=[1])
    def f(A, B):
        return te.compute(A.shape, lambda i: A[i] + B[i])


def defop_bad_return():
    @ts.defop(name="bad_return_op", dtype="float32", ndim=[1])
    def f(dtype, ndim):
        return 42


ROWS = [
    # ---- dtypes and data-type functions ----
    ("asarray-bad-dtype-name", lambda: ts.asarray([1], dtype="float128x"), TypeError, "not understood"),
    ("asarray-complex-dtype", lambda: ts.asarray([1], dtype="complex64"), TypeError, "complex64"),
    ("asarray-complex-value", lambda: ts.asarray(1 + 2j), TypeError, "complex"),
    ("asarray-complex-in-list", lambda: ts.asarray([1, 2j]), TypeError, "complex"),
    ("asarray-string", lambda: ts.asarray("abc"), TypeError, "str"),
    ("asarray-object", lambda: ts.asarray(object()), TypeError, "object"),
    ("asarray-dict", lambda: ts.asarray({1: 2}), TypeError, "dict"),
    ("asarray-ragged", lambda: ts.asarray([[1, 2], [3]]), ValueError, "inhomogeneous"),
    ("asarray-ragged-depth", lambda: ts.asarray([[1, 2], 3]), ValueError, "inhomogeneous"),
    ("asarray-int-too-big", lambda: ts.asarray(2**70), OverflowError, "out of bounds"),
    ("asarray-list-int-too-big", lambda: ts.asarray([1, 2**64]), (OverflowError, ValueError), "out of bounds"),
    ("asarray-int8-overflow", lambda: ts.asarray([1000], dtype=ts.int8), OverflowError, "int8"),
    ("asarray-uint8-negative", lambda: ts.asarray([-1], dtype=ts.uint8), OverflowError, "uint8"),
    ("asarray-copy-false-list", lambda: ts.asarray([1, 2], copy=False), ValueError, "copy=False"),
    ("asarray-copy-false-cast", lambda: ts.asarray(A(), dtype=ts.float32, copy=False), ValueError, "copy"),
    ("asarray-bad-device", lambda: ts.asarray([1], device="tpu:0"), ValueError, "device"),
    ("asarray-copy-not-bool", lambda: ts.asarray([1], copy="yes"), TypeError, "copy"),
    ("asarray-numpy-object", lambda: ts.asarray(np.array([None, 1], dtype=object)), TypeError, ""),
    ("asarray-numpy-complex", lambda: ts.asarray(np.ones(2, np.complex64)), TypeError, ""),
    ("astype-bad-dtype", lambda: ts.astype(A(), "nope"), TypeError, "not understood"),
    ("astype-none-dtype", lambda: ts.astype(A(), None), TypeError, "dtype"),
    ("astype-not-array", lambda: ts.astype(object(), ts.float32), TypeError, "object"),
    ("can_cast-bad", lambda: ts.can_cast("float32x", ts.int8), TypeError, "not understood"),
    ("result_type-empty", lambda: ts.result_type(), ValueError, "at least one"),
    ("result_type-only-scalars", lambda: ts.result_type(1, 2.0), ValueError, "scalars"),
    ("result_type-bad", lambda: ts.result_type(ts.int8, "bogus"), TypeError, "not understood"),
    ("result_type-overflow", lambda: ts.result_type(ts.int8, 1000), OverflowError, ""),
    ("finfo-int", lambda: ts.finfo(ts.int32), ValueError, "floating"),
    ("iinfo-float", lambda: ts.iinfo(ts.float32), ValueError, "integer"),
    ("finfo-bad", lambda: ts.finfo("x"), TypeError, "not understood"),
    ("isdtype-not-dtype", lambda: ts.isdtype("float32", "integral"), TypeError, "dtype"),
    ("isdtype-bad-kind", lambda: ts.isdtype(ts.float32, "floating"), ValueError, "kind"),
    ("isdtype-bad-kind-type", lambda: ts.isdtype(ts.float32, 3), TypeError, "kind"),
    # ---- creation ----
    ("zeros-negative", lambda: ts.zeros((2, -1)), ValueError, "negative"),
    ("zeros-float-shape", lambda: ts.zeros((2.5,)), TypeError, "integers"),
    ("zeros-str-shape", lambda: ts.zeros("3"), TypeError, "integers"),
    ("ones-bad-dtype", lambda: ts.ones(3, dtype="abc"), TypeError, "not understood"),
    ("empty-bad-device", lambda: ts.empty(3, device="gpu"), ValueError, "device"),
    ("full-str-fill", lambda: ts.full(3, "a"), TypeError, "fill_value"),
    ("full-overflow", lambda: ts.full(3, 300, dtype=ts.uint8), OverflowError, "300"),
    ("full_like-bad", lambda: ts.full_like(A(), None), TypeError, "fill_value"),
    ("arange-zero-step", lambda: ts.arange(0, 10, 0), ValueError, "step"),
    ("arange-str", lambda: ts.arange("a"), TypeError, "start"),
    ("linspace-negative-num", lambda: ts.linspace(0, 1, -2), ValueError, "num"),
    ("linspace-float-num", lambda: ts.linspace(0, 1, 2.5), TypeError, "num"),
    ("linspace-endpoint-int", lambda: ts.linspace(0, 1, 3, endpoint=1), TypeError, "endpoint"),
    ("eye-negative", lambda: ts.eye(-1), ValueError, ""),
    ("eye-float", lambda: ts.eye(2.5), TypeError, "n_rows"),
    ("tril-1d", lambda: ts.tril(A()), ValueError, "dimension"),
    ("triu-bad-k", lambda: ts.triu(M, k=1.5), TypeError, "k"),
    ("meshgrid-bad-indexing", lambda: ts.meshgrid(A(), indexing="xz"), ValueError, "indexing"),
    ("zeros_like-not-array", lambda: ts.zeros_like("x"), TypeError, "str"),
    # ---- elementwise ----
    ("add-two-scalars", lambda: ts.add(1, 2), TypeError, "scalar"),
    ("add-shapes", lambda: ts.add(A(), ts.ones(4)), ValueError, "broadcast"),
    ("add-str", lambda: ts.add(A(), "x"), TypeError, "str"),
    ("add-none", lambda: ts.add(A(), None), TypeError, ""),
    ("operator-shapes", lambda: A() + ts.ones((2, 2)), ValueError, "broadcast"),
    ("operator-str", lambda: A() + "x", TypeError, "unsupported operand"),
    ("operator-none", lambda: A() * None, TypeError, "unsupported operand"),
    ("operator-complex", lambda: A() + 1j, TypeError, "unsupported operand"),
    ("operator-weak-overflow", lambda: I8 + 1000, OverflowError, "1000"),
    ("operator-weak-overflow-reflected", lambda: 1000 - I8, OverflowError, "1000"),
    ("bitwise-float", lambda: A() & A(), TypeError, "bitwise_and"),
    ("invert-float", lambda: ~A(), TypeError, "bitwise_invert"),
    ("shift-float", lambda: A() << 1, TypeError, "shift"),
    ("sqrt-str-list", lambda: ts.sqrt(["a"]), TypeError, "str"),
    ("sin-str", lambda: ts.sin("x"), TypeError, "str"),
    ("matmul-scalar", lambda: M @ 2, TypeError, "arrays"),
    ("matmul-shapes", lambda: M @ M, ValueError, ""),
    ("matmul-0d", lambda: ts.matmul(ts.asarray(1.0), M), ValueError, ""),
    ("inplace-same-kind", lambda: inplace(ts.asarray([1, 2]), "+=", A(1.5, 2.5)), TypeError, "same_kind"),
    ("inplace-shape", lambda: inplace(A(), "+=", ts.ones((2, 3))), ValueError, "broadcast"),
    ("inplace-readonly", lambda: inplace(RO, "+=", 1.0), ValueError, "read-only"),
    ("inplace-str", lambda: inplace(A(), "+=", "x"), TypeError, "unsupported operand"),
    ("imatmul-shape", lambda: inplace(M, "@=", ts.ones((3, 4))), ValueError, ""),
    ("clip-str", lambda: ts.clip(A(), "a"), TypeError, "str"),
    ("where-shapes", lambda: ts.where(ts.asarray([True, False]), A(), A()), ValueError, "broadcast"),
    ("where-bad", lambda: ts.where(object(), A(), A()), TypeError, "object"),
    # ---- reductions and linear algebra ----
    ("sum-axis-oob", lambda: ts.sum(M, axis=2), ValueError, "out of bounds"),
    ("sum-axis-float", lambda: ts.sum(M, axis=1.0), TypeError, "axis"),
    ("sum-axis-repeated", lambda: ts.sum(M, axis=(0, 0)), ValueError, "duplicate"),
    ("sum-keepdims-int", lambda: ts.sum(M, keepdims=1), TypeError, "keepdims"),
    ("sum-bad-dtype", lambda: ts.sum(M, dtype="x"), TypeError, "not understood"),
    ("mean-axis-oob", lambda: ts.mean(M, axis=4), ValueError, "out of bounds"),
    ("var-correction-str", lambda: ts.var(M, correction="1"), TypeError, "correction"),
    ("min-empty", lambda: ts.min(ts.zeros(0)), ValueError, "zero-size"),
    ("max-axis-oob", lambda: ts.max(M, axis=-3), ValueError, "out of bounds"),
    ("argmax-empty", lambda: ts.argmax(ts.zeros(0)), ValueError, "empty"),
    ("argmin-tuple-axis", lambda: ts.argmin(M, axis=(0, 1)), TypeError, "axis"),
    ("cumulative_sum-2d-no-axis", lambda: ts.cumulative_sum(M), ValueError, "axis"),
    ("cumulative_prod-axis-oob", lambda: ts.cumulative_prod(M, axis=5), ValueError, "out of bounds"),
    ("tensordot-bad-axes", lambda: ts.tensordot(M, M, axes=(1, 2, 3)), ValueError, "axes"),
    ("tensordot-negative", lambda: ts.tensordot(M, M, axes=-1), ValueError, "axes"),
    ("tensordot-mismatch", lambda: ts.tensordot(M, M, axes=1), ValueError, ""),
    ("vecdot-mismatch", lambda: ts.vecdot(A(), ts.ones(4)), ValueError, ""),
    ("matrix_transpose-1d", lambda: ts.matrix_transpose(A()), ValueError, "dimensions"),
    # ---- manipulation ----
    ("reshape-size", lambda: ts.reshape(M, (4,)), ValueError, "reshape"),
    ("reshape-two-minus-one", lambda: ts.reshape(M, (-1, -1)), ValueError, ""),
    ("reshape-copy-false", lambda: ts.reshape(M.mT, (6,), copy=False), ValueError, "copy"),
    ("permute_dims-bad", lambda: ts.permute_dims(M, (0, 0)), ValueError, ""),
    ("permute_dims-length", lambda: ts.permute_dims(M, (0,)), ValueError, ""),
    ("moveaxis-oob", lambda: ts.moveaxis(M, 0, 5), ValueError, "out of bounds"),
    ("expand_dims-oob", lambda: ts.expand_dims(M, axis=4), ValueError, "out of bounds"),
    ("squeeze-not-one", lambda: ts.squeeze(M, axis=0), ValueError, ""),
    ("flip-oob", lambda: ts.flip(M, axis=3), ValueError, "out of bounds"),
    ("broadcast_to-bad", lambda: ts.broadcast_to(A(), (2, 4)), ValueError, ""),
    ("broadcast_arrays-bad", lambda: ts.broadcast_arrays(A(), ts.ones(4)), ValueError, ""),
    ("broadcast_shapes-bad", lambda: ts.broadcast_shapes((2,), (3,)), ValueError, ""),
    ("concat-shapes", lambda: ts.concat([M, A()]), ValueError, ""),
    ("concat-not-list", lambda: ts.concat(M), TypeError, "tuple or list"),
    ("concat-empty", lambda: ts.concat([]), ValueError, ""),
    ("stack-shapes", lambda: ts.stack([A(), ts.ones(4)]), ValueError, ""),
    ("stack-axis-oob", lambda: ts.stack([A(), A()], axis=3), ValueError, "out of bounds"),
    ("roll-shift-float", lambda: ts.roll(A(), 1.5), TypeError, "shift"),
    ("roll-mismatch", lambda: ts.roll(M, (1, 2, 3), axis=(0, 1)), ValueError, ""),
    ("tile-negative", lambda: ts.tile(A(), (-1,)), ValueError, ""),
    ("repeat-negative", lambda: ts.repeat(A(), -1), ValueError, "repeats"),
    ("repeat-mismatch", lambda: ts.repeat(A(), ts.asarray([1, 2])), ValueError, ""),
    ("unstack-oob", lambda: ts.unstack(M, axis=2), ValueError, "out of bounds"),
    ("take-oob", lambda: ts.take(A(), ts.asarray([5])), IndexError, "out of bounds"),
    ("take-float-indices", lambda: ts.take(A(), ts.asarray([0.5])), TypeError, ""),
    ("take_along_axis-ndim", lambda: ts.take_along_axis(M, ts.asarray([0]), axis=0), ValueError, ""),
    ("nonzero-0d", lambda: ts.nonzero(ts.asarray(1.0)), ValueError, "0d"),
    ("sort-0d", lambda: ts.sort(ts.asarray(1.0)), ValueError, "dimension"),
    ("sort-axis-oob", lambda: ts.sort(M, axis=2), ValueError, "out of bounds"),
    ("argsort-descending-int", lambda: ts.argsort(M, descending=1), TypeError, "descending"),
    ("searchsorted-2d", lambda: ts.searchsorted(M, A()), ValueError, "one-dimensional"),
    ("searchsorted-side", lambda: ts.searchsorted(A(), A(), side="middle"), ValueError, "side"),
    ("searchsorted-sorter-float", lambda: ts.searchsorted(A(), A(), sorter=A()), TypeError, "sorter"),
    ("unique_values-bad", lambda: ts.unique_values(object()), TypeError, "object"),
    # ---- indexing ----
    ("getitem-oob", lambda: A()[3], IndexError, "out of bounds"),
    ("getitem-negative-oob", lambda: A()[-4], IndexError, "out of bounds"),
    ("getitem-too-many", lambda: A()[0, 0], IndexError, "too many indices"),
    ("getitem-two-ellipsis", lambda: M[..., ...], IndexError, "ellipsis"),
    ("getitem-float", lambda: A()[1.5], IndexError, "valid indices"),
    ("getitem-str", lambda: A()["a"], IndexError, "valid indices"),
    ("getitem-bool-scalar", lambda: A()[True], IndexError, "boolean"),
    ("getitem-slice-zero-step", lambda: A()[::0], ValueError, "step"),
    ("getitem-slice-float", lambda: A()[1.5:], TypeError, "slice indices"),
    ("getitem-array-oob", lambda: A()[ts.asarray([0, 7])], IndexError, "out of bounds"),
    ("getitem-float-array", lambda: A()[ts.asarray([0.0])], IndexError, "integer"),
    ("getitem-list-oob", lambda: A()[[0, 9]], IndexError, "out of bounds"),
    ("getitem-mask-shape", lambda: A()[ts.asarray([True, False])], IndexError, "boolean index"),
    ("getitem-index-broadcast", lambda: M[ts.asarray([0, 1]), ts.asarray([0, 1, 2])], IndexError, "broadcast"),
    ("setitem-readonly", lambda: setitem(RO, 0, 1.0), ValueError, "read-only"),
    ("setitem-readonly-numpy", lambda: setitem(readonly_numpy(), 0, 1.0), ValueError, "read-only"),
    ("setitem-readonly-advanced", lambda: setitem(RO, ts.asarray([0]), 1.0), ValueError, "read-only"),
    ("setitem-shape", lambda: setitem(ts.zeros(3), slice(None), ts.ones(2)), ValueError, ""),
    ("setitem-advanced-shape", lambda: setitem(ts.zeros(3), ts.asarray([0, 1]), ts.ones(3)), ValueError, ""),
    ("setitem-overflow", lambda: setitem(ts.zeros(3, dtype=ts.int8), 0, 1000), OverflowError, "1000"),
    ("setitem-str", lambda: setitem(ts.zeros(3), 0, "x"), TypeError, "str"),
    ("setitem-none", lambda: setitem(ts.zeros(3), 0, None), TypeError, ""),
    ("setitem-oob", lambda: setitem(ts.zeros(3), 5, 1.0), IndexError, "out of bounds"),
    # ---- conversions ----
    ("bool-many", lambda: bool(A()), ValueError, "ambiguous"),
    ("int-many", lambda: int(A()), TypeError, "size 1"),
    ("float-many", lambda: float(M), TypeError, "size 1"),
    ("complex-many", lambda: complex(M), TypeError, "size 1"),
    ("int-nan", lambda: int(ts.asarray(float("nan"))), ValueError, "NaN"),
    ("int-inf", lambda: int(ts.asarray(float("inf"))), OverflowError, "infinity"),
    ("index-float", lambda: [1, 2][ts.asarray(1.0)], TypeError, "index"),
    ("index-1d", lambda: [1, 2][ts.asarray([1])], TypeError, "index"),
    ("len-0d", lambda: len(ts.asarray(1.0)), TypeError, "unsized"),
    ("iter-0d", lambda: iter(ts.asarray(1.0)), TypeError, "0-d"),
    ("item-many", lambda: A().item(), ValueError, "size 1"),
    ("T-3d", lambda: ts.ones((2, 2, 2)).T, ValueError, "2 dimensions"),
    ("mT-1d", lambda: A().mT, ValueError, "dimensions"),
    ("hash", lambda: hash(A()), TypeError, "unhashable"),
    ("array-constructor", lambda: ts.Array(), TypeError, ""),
    ("to_device-bad", lambda: A().to_device("tpu"), ValueError, "device"),
    ("to_device-stream", lambda: A().to_device("cpu", stream=1), ValueError, "stream"),
    ("namespace-version", lambda: A().__array_namespace__(api_version="1999.01"), ValueError, "version"),
    ("numpy-array-bad-copy", lambda: np.array(A(), dtype=np.int64, copy=False), ValueError, "copy"),
    # ---- DLPack ----
    ("dlpack-consumed", lambda: ts.from_dlpack(consumed_capsule()), BufferError, "consumed"),
    ("dlpack-not-producer", lambda: ts.from_dlpack([1, 2]), TypeError, "DLPack"),
    ("dlpack-not-producer-int", lambda: ts.from_dlpack(3), TypeError, "DLPack"),
    ("dlpack-wrong-capsule", lambda: ts.from_dlpack(np.ones(2).__array_interface__ and _foreign_capsule()),
     BufferError, "not a DLPack capsule"),
    ("dlpack-device", lambda: A().__dlpack__(dl_device=(10, 0)), BufferError, "device"),  # ROCm
    ("dlpack-stream", lambda: A().__dlpack__(stream=0), BufferError, "stream"),
    ("dlpack-readonly-legacy-nocopy", lambda: RO.__dlpack__(copy=False), BufferError, "read-only"),
    ("dlpack-import-device", lambda: ts.from_dlpack(A(), device="tpu"), ValueError, "device"),
    ("dlpack-bad-max-version", lambda: A().__dlpack__(max_version="1.0"), TypeError, "tuple of two"),
    # ---- te and defop ----
    ("te-placeholder-bad-dtype", lambda: te.placeholder((3,), "float99"), TypeError, "not understood"),
    ("te-compute-bad-fn", lambda: te.compute((3,), lambda i: "x"), TypeError, ""),
    ("te-bad-operand", lambda: te.placeholder((3,), "float32")[0] + "a", TypeError, ""),
    ("defop-bad-name", lambda: ts.defop(name="not an identifier"), ValueError, "identifier"),
    ("defop-bad-target", lambda: ts.defop(name="x_op", target="tpu"), ValueError, "target"),
    ("defop-bad-dtype", lambda: ts.defop(name="x_op", dtype="complex64"), TypeError, "complex64"),
    ("defop-bad-ndim", lambda: ts.defop(name="x_op", ndim=[-1]), ValueError, "ndim"),
    ("defop-existing-name", vadd_redefined, ValueError, "already exists"),
    ("defop-bad-return", defop_bad_return, TypeError, "schedule"),
    ("ops-unknown", lambda: ts.ops.no_such_operator, AttributeError, "no operator"),
    ("ops-bad-operand", lambda: ts.ops.add(np.ones(3), "x"), TypeError, "str"),
    ("ops-readonly-out", lambda: ts.ops.add(np.ones(3), np.ones(3), out=np.broadcast_to(np.ones(1), (3,))),
     ValueError, "read-only"),
    ("ops-out-not-array", lambda: ts.ops.add(np.ones(3), np.ones(3), out=[0, 0, 0]), TypeError, "array"),
    ("ops-out-shape", lambda: ts.ops.add(np.ones(3), np.ones(3), out=np.ones(4)), ValueError, ""),
]


def _foreign_capsule():
    import ctypes
    PyCapsule_New = ctypes.pythonapi.PyCapsule_New
    PyCapsule_New.restype = ctypes.py_object
    PyCapsule_New.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
    return PyCapsule_New(ctypes.c_void_p(1), b"not_dlpack", None)


@pytest.mark.parametrize("row", ROWS, ids=[r[0] for r in ROWS])
def test_bad_input(row):
    _, call, exc, fragment = row
    with pytest.raises(exc) as info:
        call()
    assert fragment.lower() in str(info.value).lower(), str(info.value)


def test_row_count():
    assert len(ROWS) >= 150
    assert len({r[0] for r in ROWS}) == len(ROWS)
