"""Reductions, scans and linear algebra against NumPy 2 on random data with special values.

Tolerance policy: integer and bool results, min/max/argmin/argmax, all/any/count_nonzero
are exact (NaN compared as NaN). Float sums, means, products and dot products may differ
from NumPy in rounding order, so they are compared with a tolerance scaled by the sum of
magnitudes: |got - want| <= k * eps(dtype) * sum(|terms|) (k = 8; NumPy's own pairwise
bound is of that order). var/std are compared relative to the result. float16/bfloat16
results are computed with float32/float64 accumulators, so they are at most one rounding
from the float64 result rounded to the dtype.
"""
import itertools

import numpy as np
import pytest

from tessera import _testing as ts

ml_dtypes = pytest.importorskip("ml_dtypes")
BF16 = np.dtype(ml_dtypes.bfloat16)
RNG = np.random.default_rng()

INTS = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]
FLOATS = ["float16", "float32", "float64"]
ALL = ["bool"] + INTS + FLOATS
SHAPES = [(), (0,), (1,), (7,), (3, 0), (5, 6), (2, 3, 4), (4, 1, 33), (2, 3, 2, 5)]


def random_array(shape, dtype):
    dt = np.dtype(dtype)
    n = int(np.prod(shape))
    if dt == np.bool_:
        return RNG.integers(0, 2, n).astype(bool).reshape(shape)
    if dt.kind in "iu":
        info = np.iinfo(dt)
        return RNG.integers(max(info.min, -100), min(info.max, 100), n, endpoint=True).astype(dt).reshape(shape)
    return RNG.uniform(-4, 4, n).astype(dt).reshape(shape)


def views(a):
    """The array, a transposed view and a negative-step view (when they exist)."""
    yield a
    if a.ndim >= 2:
        yield np.swapaxes(a, 0, -1)
    if a.ndim >= 1 and a.shape[0] > 1:
        yield a[::-1]


def axis_choices(ndim):
    yield None
    for k in range(1, ndim + 1):
        for axes in itertools.combinations(range(ndim), k):
            yield axes if k > 1 else axes[0]
    if ndim:
        yield -1


def float_tol(x, dtype, axis, keepdims=False):
    mag = np.sum(np.abs(x.astype(np.float64)), axis=axis, keepdims=keepdims)
    return 8 * np.finfo(np.dtype(dtype) if np.dtype(dtype) != BF16 else np.float32).eps * mag + 1e-300


def check_close(got, want, tol):
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape
    both_nan = np.isnan(got) & np.isnan(want)
    ok = both_nan | (got == want) | (np.abs(got - want) <= tol)
    assert ok.all(), f"max error {np.nanmax(np.abs(got - want))}"


@pytest.mark.parametrize("dtype", ALL)
@pytest.mark.parametrize("op", ["sum", "prod"])
def test_sum_prod(op, dtype):
    for shape in SHAPES:
        for x in views(random_array(shape, dtype)):
            if op == "prod" and np.dtype(dtype).kind == "f":
                x = (x / 4 + 1).astype(dtype)  # keep products finite
            for axis in axis_choices(x.ndim):
                for keepdims in (False, True):
                    want = getattr(np, op)(x, axis=axis, keepdims=keepdims)
                    got = ts.reduce(op, x, axis=axis, keepdims=keepdims)
                    assert got.dtype == want.dtype, (op, dtype, shape, axis)
                    if want.dtype == np.float16:
                        # NumPy rounds float16 at every step; tessera accumulates wider and
                        # rounds once: compare with the float64 result rounded to float16.
                        exact = getattr(np, op)(x.astype(np.float64), axis=axis, keepdims=keepdims).astype(np.float16)
                        check_close(got, exact, 2 * np.abs(np.spacing(exact)))
                    elif want.dtype.kind == "f":
                        # NumPy rounds a product at every step: up to (count) eps apart from ours.
                        count = x.size // max(np.size(want), 1)
                        tol = (float_tol(x, want.dtype, axis, keepdims) if op == "sum"
                               else (count + 8) * np.finfo(want.dtype).eps * np.abs(want))
                        check_close(got, want, tol)
                    else:
                        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("dtype", ["int8", "uint16", "int32", "float32", "float64", "bool"])
def test_sum_dtype_argument(dtype):
    x = random_array((6, 5), dtype)
    for out_dtype in ["int64", "float64", "float32", "uint8"]:
        want = np.sum(x, axis=0, dtype=out_dtype)
        got = ts.reduce("sum", x, axis=0, dtype=out_dtype)
        assert got.dtype == want.dtype
        if want.dtype.kind == "f":
            check_close(got, want, float_tol(x, out_dtype, 0))
        else:
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("dtype", ALL)
@pytest.mark.parametrize("op", ["min", "max", "argmin", "argmax"])
def test_min_max_arg(op, dtype):
    npop = {"min": np.min, "max": np.max, "argmin": np.argmin, "argmax": np.argmax}[op]
    for shape in SHAPES:
        if 0 in shape:
            continue
        for x in views(random_array(shape, dtype)):
            if np.dtype(dtype).kind == "f" and x.size > 2:
                x = x.copy()
                x.flat[RNG.integers(0, x.size)] = np.nan  # NaN wins, first NaN's index
            axes = [None] + list(range(x.ndim)) if op.startswith("arg") else list(axis_choices(x.ndim))
            for axis in axes:
                want = npop(x, axis=axis)
                got = ts.reduce(op, x, axis=axis)
                assert got.dtype == want.dtype
                np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int16", "uint8", "int64"])
def test_mean_var_std(dtype):
    for shape in [(7,), (5, 6), (2, 3, 4)]:
        for x in views(random_array(shape, dtype)):
            for axis in axis_choices(x.ndim):
                want = np.mean(x, axis=axis)
                check_close(ts.reduce("mean", x, axis=axis), want, 8 * np.finfo(want.dtype).eps * (np.abs(want) + 4))
                for correction in (0, 1):
                    for op in ("var", "std"):
                        want = getattr(np, op)(x, axis=axis, ddof=correction)
                        got = ts.reduce(op, x, axis=axis, correction=correction)
                        assert got.dtype == want.dtype
                        check_close(got, want, 64 * np.finfo(want.dtype).eps * (np.abs(want) + 1))


@pytest.mark.parametrize("dtype", ALL)
def test_all_any_count_nonzero(dtype):
    for shape in SHAPES:
        x = random_array(shape, dtype)
        if x.size:
            x = x.copy()
            x.flat[: x.size // 2] = 0
        for axis in axis_choices(x.ndim):
            for op, npop in (("all", np.all), ("any", np.any), ("count_nonzero", np.count_nonzero)):
                want = np.asarray(npop(x, axis=axis))
                got = ts.reduce(op, x, axis=axis)
                np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("dtype", ALL)
def test_tall_column_reductions(dtype):
    """Reductions over the rows of tall matrices, as dispatch walks them: parallel blocks of
    rows added one at a time (short rows) or in groups of 8 (long rows or wide partials),
    with row counts that leave short blocks and groups, and views with negative steps."""
    for shape in [(600, 33), (523, 1100), (517, 4100)]:
        x = random_array(shape, dtype)
        if np.dtype(dtype).kind == "f":
            x[5, 3], x[17, 4], x[40, 5] = np.nan, np.inf, -np.inf
        for v in (x, x[::-1], x[3:, 2:]):
            for op in ("sum", "min", "max", "all", "any", "count_nonzero"):
                want = np.asarray(getattr(np, op)(v, axis=0))
                got = ts.reduce(op, v, axis=0)
                assert got.dtype == want.dtype, (op, shape)
                if op == "sum" and np.dtype(dtype).kind == "f":
                    check_close(got, want, float_tol(v, dtype, 0))
                else:
                    np.testing.assert_array_equal(got, want, err_msg=f"{op} {shape}")
            if np.dtype(dtype).kind == "f":
                check_close(ts.reduce("mean", v, axis=0), np.mean(v, axis=0), float_tol(v, dtype, 0) / v.shape[0])
                want = np.var(v, axis=0, ddof=1)
                check_close(ts.reduce("var", v, axis=0, correction=1), want, 64 * np.finfo(want.dtype).eps * (np.abs(want) + 1))
        signs = [True] if dtype == "bool" else [1, 1, 1] if np.dtype(dtype).kind == "u" else [1, -1, 1]
        ones = RNG.choice(np.array(signs, dtype=dtype), size=shape)  # products that stay finite
        ones[7, 2] = 0
        np.testing.assert_array_equal(ts.reduce("prod", ones, axis=0), np.prod(ones, axis=0))


@pytest.mark.parametrize("dtype", ["int8", "int32", "uint64", "float16", "float32", "float64", "bool"])
@pytest.mark.parametrize("op", ["cumulative_sum", "cumulative_prod"])
def test_cumulative(op, dtype):
    npop = np.cumulative_sum if op == "cumulative_sum" else np.cumulative_prod
    for shape in [(0,), (9,), (4, 5), (3, 2, 6)]:
        x = random_array(shape, dtype)
        if op == "cumulative_prod" and x.dtype.kind == "f":
            x = (x / 8 + 1).astype(dtype)
        for axis in range(x.ndim):
            for include_initial in (False, True):
                want = npop(x, axis=axis, include_initial=include_initial)
                got = ts.cumulative(op, x, axis=axis, include_initial=include_initial)
                assert got.dtype == want.dtype
                if want.dtype.kind == "f":
                    check_close(got, want, 8 * np.finfo(want.dtype).eps * np.max(np.cumsum(np.abs(x.astype(np.float64)) + 1, axis=axis), initial=0))
                else:
                    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("dtype", ["int8", "int32", "uint16", "float16", "float32", "float64", "bool"])
def test_matmul_tensordot_vecdot(dtype):
    for sa, sb in [((3, 4), (4, 5)), ((4,), (4, 2)), ((2, 3, 4), (4,)), ((2, 1, 3, 4), (5, 4, 2))]:
        a, b = random_array(sa, dtype), random_array(sb, dtype)
        want = np.matmul(a, b)
        got = ts.matmul(a, b)
        assert got.dtype == want.dtype
        if want.dtype.kind == "f":
            mag = np.matmul(np.abs(a.astype(np.float64)), np.abs(b.astype(np.float64)))
            check_close(got, want, 8 * np.finfo(want.dtype).eps * (mag + 1))
        else:
            np.testing.assert_array_equal(got, want)
    if dtype != "bool":
        a, b = random_array((3, 4, 5), dtype), random_array((4, 5, 2), dtype)
        check_contraction(ts.tensordot(a, b, axes=2), np.tensordot(a, b, axes=2),
                          np.tensordot(np.abs(a.astype(np.float64)), np.abs(b.astype(np.float64)), axes=2))
        a, b = random_array((4, 6), dtype), random_array((3, 4, 6), dtype)
        check_contraction(ts.vecdot(a, b), np.vecdot(a, b),
                          np.vecdot(np.abs(a.astype(np.float64)), np.abs(b.astype(np.float64))))


def check_contraction(got, want, magnitude):
    """Integers exactly; floats within 8 eps of the result dtype times the sum of |terms|."""
    assert got.dtype == want.dtype
    if want.dtype.kind == "f":
        check_close(got, want, 8 * np.finfo(want.dtype).eps * (magnitude + 1))
    else:
        np.testing.assert_array_equal(got, want)


def test_reduction_errors():
    x = random_array((3, 4), "float32")
    with pytest.raises(ValueError):  # NumPy: AxisError, a ValueError and IndexError
        ts.reduce("sum", x, axis=2)
    with pytest.raises(ValueError):
        ts.reduce("sum", x, axis=(0, 0))
    with pytest.raises(ValueError):
        ts.reduce("max", np.zeros((0, 3), np.float32), axis=0)  # zero-size without identity
    with pytest.raises(TypeError):
        ts.reduce("sum", x, axis=0, out=np.zeros(4, np.int32))  # out dtype is not the result's
    with pytest.raises(ValueError):
        ts.reduce("sum", x, axis=0, out=np.zeros(3, np.float32))
    with pytest.raises(ValueError):
        ts.matmul(x, random_array((3, 4), "float32"))
