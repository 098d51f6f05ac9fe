"""@ts.defop: operators written in Python, dispatched like the built-in ones, against NumPy.

The RFC's vadd runs as written (tvm. -> ts.te., the lambda passed as fcompute=) and must
give NumPy's a + b for every listed dtype and ranks 0-5 with broadcasting.
"""
import numpy as np
import pytest

import tessera as ts
from tessera import _testing

te = ts.te
RNG = np.random.default_rng(11)

try:
    import ml_dtypes

    BF16 = np.dtype(ml_dtypes.bfloat16)
except ImportError:  # pragma: no cover
    BF16 = None


# The RFC's example, as written there.
@ts.defop(name="vadd", target="cpu", auto_broadcast=True, dtype=ts.AllTypes, ndim=list(range(6)))
def vadd(dtype, ndim):
    A = ts.te.placeholder(shape=[ts.te.var() for _ in range(ndim)], name='A', dtype=dtype)
    B = ts.te.placeholder(shape=[ts.te.var() for _ in range(ndim)], name='B', dtype=dtype)
    C = ts.te.compute(shape=[ts.te.var() for _ in range(ndim)], fcompute=lambda *index: A[index] + B[index], name='C')
    s = ts.te.create_schedule(C.op)
    axes = [axis for axis in C.op.axis]
    fused = s[C].fuse(*axes)
    s[C].parallel(fused)
    return s, [A, B, C]


def numpy_dtype(name):
    if name == "bfloat16":
        if BF16 is None:
            pytest.skip("bfloat16 needs ml_dtypes")
        return BF16
    return np.dtype(name)


def random_array(shape, dtype):
    n = int(np.prod(shape))
    if dtype == np.bool_:
        return RNG.integers(0, 2, n).astype(bool).reshape(shape)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        a = RNG.integers(info.min, info.max, n, endpoint=True, dtype=dtype)
        return a.reshape(shape)  # full range: sums wrap as in NumPy
    a = RNG.uniform(-100, 100, n).astype(dtype)
    if n >= 3:
        a[:3] = [np.nan, np.inf, -0.0]
    return a.reshape(shape)


def broadcast_pair(rank):
    """Two shapes that broadcast to a random rank-`rank` shape, with size-1 and missing axes."""
    full = [int(x) for x in RNG.integers(1, 5, rank)]
    a = [1 if RNG.random() < 0.3 else d for d in full]
    b = [1 if RNG.random() < 0.3 else d for d in full]
    drop = int(RNG.integers(0, rank + 1))  # b may have fewer dimensions
    return tuple(a), tuple(b[drop:])


def assert_same(got, want):
    assert got.dtype == want.dtype and got.shape == want.shape, (got.dtype, want.dtype, got.shape, want.shape)
    if want.dtype.kind == "f" or want.dtype == BF16:
        np.testing.assert_array_equal(got.astype(np.float64), want.astype(np.float64))  # NaN == NaN
    else:
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("dtype", ts.AllTypes)
@pytest.mark.parametrize("rank", range(6))
def test_vadd_matches_numpy(dtype, rank):
    dt = numpy_dtype(dtype)
    for _ in range(3):
        sa, sb = broadcast_pair(rank)
        a, b = random_array(sa, dt), random_array(sb, dt)
        with np.errstate(all="ignore"):
            want = np.add(a, b)
        assert_same(ts.ops.vadd(a, b), want)
        assert_same(ts.ops.vadd(b, a), np.add(b, a))


def test_vadd_views_out_and_zero_size():
    a = random_array((6, 8), np.dtype(np.float32))
    b = random_array((8, 6), np.dtype(np.float32)).T[::-1]  # transposed, reversed view
    out = np.empty((6, 8), np.float32)
    assert ts.ops.vadd(a, b, out=out) is out
    assert_same(out, a + b)
    assert ts.ops.vadd(np.ones((0, 3)), np.ones(3)).shape == (0, 3)


def test_vadd_mixed_dtypes_and_weak_scalars():
    i8 = random_array((5,), np.dtype(np.int8))
    f32 = random_array((5,), np.dtype(np.float32))
    assert_same(ts.ops.vadd(i8, f32), i8 + f32)  # promoted first, as NumPy does
    assert_same(ts.ops.vadd(i8, 3), i8 + 3)  # a Python int keeps int8 (NEP 50)
    assert_same(ts.ops.vadd(2.5, f32), 2.5 + f32)
    assert ts.ops.vadd(1, 2) == 3


def test_registered_like_builtins():
    assert ts.ops.vadd is vadd
    assert "vadd" in dir(ts.ops) and "add" in dir(ts.ops)
    assert "vadd" in _testing.list_ops()
    a, b = np.arange(6.0).reshape(2, 3), np.arange(3.0)
    np.testing.assert_array_equal(_testing.call("vadd", a, b), a + b)
    np.testing.assert_array_equal(ts.ops.add(a, b), a + b)  # a built-in through the same namespace


# ---- other forms of operator functions ---------------------------------------------------------

@ts.defop(name="softplus_test", dtype="FloatTypes", ndim=range(4))
def softplus_test(x):
    """log(1 + exp(x)), stable for large x: the function receives the input placeholder."""
    return te.compute(x.shape, lambda *i: te.if_then_else(x[i] > 20, x[i], te.log1p(te.exp(x[i]))), name="y")


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_placeholder_style_with_default_schedule(dtype):
    x = RNG.uniform(-8, 10, (3, 50)).astype(dtype)
    x[:, :2] = [25, 30]  # the x > 20 branch
    got = softplus_test(x)
    x64 = x.astype(np.float64)
    want = np.where(x64 > 20, x64, np.log1p(np.exp(x64)))
    assert got.dtype == np.dtype(dtype)
    np.testing.assert_allclose(got.astype(np.float64), want, rtol=8 * np.finfo(dtype).eps)


SEEN = []


@ts.defop(name="absdiff_and_sum_test", dtype=["int32", np.float64], ndim=[1, 2, 3])
def absdiff_and_sum_test(a, b, variant):
    SEEN.append(variant)
    d = te.compute(a.shape, lambda *i: abs(a[i] - b[i]), name="d")
    s = te.compute(a.shape, lambda *i: a[i] + b[i], name="s")
    return d, s


def test_multiple_outputs_and_variants():
    a = RNG.integers(-100, 100, (4, 5)).astype(np.int32)
    b = RNG.integers(-100, 100, (5,)).astype(np.int32)
    del SEEN[:]
    d, s = absdiff_and_sum_test(a, b)
    np.testing.assert_array_equal(d, np.abs(a - b))
    np.testing.assert_array_equal(s, a + b)
    # The broadcast along rows makes this a strided rank-2 variant; compact operands collapse to rank 1.
    assert [(v.ndim, v.layout) for v in SEEN] == [(2, "strided")]
    d, s = absdiff_and_sum_test(a, a)
    assert (SEEN[-1].ndim, SEEN[-1].layout, SEEN[-1].input_dtypes) == (1, "contiguous", ["int32", "int32"])
    x = np.linspace(-1, 1, 7)
    d, s = absdiff_and_sum_test(x, 0.5)
    np.testing.assert_array_equal(d, np.abs(x - 0.5))


def test_generator_errors_at_call_time_do_not_break_dispatch():
    @ts.defop(name="fragile_test", dtype="float32", ndim=range(4))
    def fragile_test(dtype, ndim):
        if ndim == 2:
            raise RuntimeError("no rank-2 kernel today")
        return vadd_like(dtype, ndim)

    a = np.ones((3, 4), np.float32)
    with pytest.raises(RuntimeError, match="rank-2"):
        fragile_test(a, np.ones((3, 1), np.float32))  # a strided rank-2 variant
    np.testing.assert_array_equal(fragile_test(a, a), a + a)  # rank 1 still works


def vadd_like(dtype, ndim):
    shape = [te.size_var(f"n{d}") for d in range(ndim)]
    A = te.placeholder(shape, dtype, name="A")
    B = te.placeholder(shape, dtype, name="B")
    C = te.compute(shape, lambda *i: A[i] + B[i], name="C")
    return te.create_schedule(C.op), [A, B, C]


# ---- errors ------------------------------------------------------------------------------------

def test_call_errors():
    with pytest.raises(TypeError):
        softplus_test(np.ones(3, np.int32))  # int32 is not among FloatTypes
    with pytest.raises(ValueError):
        vadd(np.ones(3), np.ones(4))  # shapes do not broadcast
    with pytest.raises(ValueError):
        vadd(np.ones((1,) * 6), np.ones(1))  # rank 6 is not in ndim
    with pytest.raises(TypeError):
        vadd(np.ones(3))  # one input missing
    with pytest.raises(TypeError):
        vadd(np.ones(3, np.complex64), np.ones(3, np.complex64))
    with pytest.raises(TypeError):
        vadd(np.ones(3), np.ones(3), out=np.empty(3, np.int32))  # wrong output dtype
    with pytest.raises(AttributeError):
        ts.ops.no_such_operator


def test_definition_errors():
    with pytest.raises(ValueError):
        ts.defop(name="vadd")(vadd_like)  # already defined
    with pytest.raises(ValueError):
        ts.defop(name="add")(vadd_like)  # a built-in operator's name
    with pytest.raises(ValueError):
        ts.defop(name="tpu_only_test", target="tpu")  # target="cuda" is supported (test_gpu_interop.py)
    with pytest.raises(TypeError):
        ts.defop(name="bad_dtype_test", dtype=["float32", "complex128"])
    with pytest.raises(ValueError):
        ts.defop(name="bad_ndim_test", ndim=[-1])
    with pytest.raises(TypeError):
        @ts.defop(name="bad_return_test", dtype="float32")
        def bad_return_test(dtype, ndim):
            return 42
    with pytest.raises(ValueError):
        @ts.defop(name="bad_order_test", dtype="float32")
        def bad_order_test(dtype, ndim):
            s, (A, B, C) = vadd_like(dtype, ndim)
            return s, [C, A, B]
    with pytest.raises(TypeError):
        @ts.defop(name="wrong_dtype_test", dtype="float32")
        def wrong_dtype_test(dtype, ndim):
            return vadd_like("float64", ndim)
    with pytest.raises(ZeroDivisionError):
        @ts.defop(name="raising_test", dtype="float32")
        def raising_test(dtype, ndim):
            return 1 / 0
    assert "bad_return_test" not in dir(ts.ops) and "raising_test" not in _testing.list_ops()
