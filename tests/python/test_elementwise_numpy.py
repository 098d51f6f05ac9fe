"""Elementwise operators against NumPy 2 on random data with special values.

Tolerance policy: exact (NaN == NaN, signed zeros compared) for arithmetic, comparison,
bitwise, rounding and selection operators; for transcendental functions at most 4 ULP
from NumPy's float64 result rounded to the dtype (libmvec's documented bound), 1 ULP
for float16/bfloat16 (computed in float32, then rounded once).
"""
import numpy as np
import pytest

from tessera import _testing as ts

ml_dtypes = pytest.importorskip("ml_dtypes")
BF16 = np.dtype(ml_dtypes.bfloat16)

INTS = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]
FLOATS = ["float16", "float32", "float64"]
RNG = np.random.default_rng()


def special(dtype):
    dt = np.dtype(dtype)
    if dt.kind == "f" or dt == BF16:
        return np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 0.5], dtype=dt)
    if dt.kind in "iu":
        info = np.iinfo(dt)
        return np.array([info.min, info.max, 0, 1, info.max - 1] + ([-1] if dt.kind == "i" else []), dtype=dt)
    return np.array([True, False])


def random_array(shape, dtype, lo=-20, hi=20):
    dt = np.dtype(dtype)
    n = int(np.prod(shape))
    if dt == np.bool_:
        a = RNG.integers(0, 2, n).astype(bool)
    elif dt.kind in "iu":
        info = np.iinfo(dt)
        a = RNG.integers(max(info.min, -1000), min(info.max, 1000), n, endpoint=True).astype(dt)
    else:
        a = RNG.uniform(lo, hi, n).astype(dt)
    s = special(dt)
    k = min(len(s), n)
    if k:
        a[RNG.choice(n, k, replace=False)] = s[:k]
    return a.reshape(shape)


def ulp_diff(a, b):
    """ULP distance of two float arrays of the same dtype (NaN == NaN, inf == inf)."""
    a = np.asarray(a)
    b = np.asarray(b)
    both_nan = np.isnan(a.astype(np.float64)) & np.isnan(b.astype(np.float64))
    sint = {2: np.int16, 4: np.int32, 8: np.int64}[a.dtype.itemsize]
    lowest = np.iinfo(sint).min
    # Map the sign-magnitude bit patterns onto a monotonic integer line.
    ia = a.view(sint)
    ib = b.view(sint)
    ia = np.where(ia < 0, lowest - ia, ia).ravel()
    ib = np.where(ib < 0, lowest - ib, ib).ravel()
    d = np.array([abs(int(x) - int(y)) for x, y in zip(ia, ib)], dtype=object).reshape(a.shape)
    both_nan = both_nan.reshape(a.shape)
    return np.where(both_nan, 0, d).astype(np.float64)


def assert_exact(got, want):
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    assert got.shape == want.shape
    if got.dtype.kind == "f" or got.dtype == BF16:
        assert np.all(ulp_diff(got, want) == 0), (got, want)
    else:
        np.testing.assert_array_equal(got, want)


# ---- exact operators ---------------------------------------------------------------------

BINARY_EXACT = {
    "add": np.add, "subtract": np.subtract, "multiply": np.multiply,
    "maximum": np.maximum, "minimum": np.minimum,
    "equal": np.equal, "not_equal": np.not_equal, "less": np.less,
    "less_equal": np.less_equal, "greater": np.greater, "greater_equal": np.greater_equal,
    "floor_divide": np.floor_divide, "remainder": np.remainder,
    "copysign": np.copysign, "nextafter": np.nextafter,
}


FLOAT_ONLY = {"copysign", "nextafter"}
BINARY_CASES = [(op, dt) for op in sorted(BINARY_EXACT) for dt in INTS + FLOATS
                if op not in FLOAT_ONLY or np.dtype(dt).kind == "f"]


@pytest.mark.parametrize("op,dtype", BINARY_CASES)
def test_binary_exact(op, dtype):
    if op not in ts.list_ops():
        pytest.fail(f"operator {op} is not registered")
    a = random_array((5, 7), dtype)
    b = random_array((7,), dtype)  # broadcast along rows
    with np.errstate(all="ignore"):
        want = BINARY_EXACT[op](a, b)
    got = ts.call(op, a, b)
    assert_exact(got, want)


def test_broadcast_views_and_negative_strides():
    base = random_array((6, 9), "float32")
    a = base.T[::-1]           # transposed, reversed rows
    b = random_array((6, 1), "float32")[::-1].T  # (1, 6) view with negative stride
    got = ts.call("add", a, b)
    assert_exact(got, np.add(a, b))


def test_mixed_dtypes_promote_like_numpy():
    a = random_array((4, 3), "int8")
    b = random_array((3,), "float32")
    got = ts.call("multiply", a, b)
    assert_exact(got, np.multiply(a, b))


def test_zero_size_and_scalar_shapes():
    for shape in [(), (0,), (1,), (3, 0, 2)]:
        a = random_array(shape, "float64")
        b = random_array(shape, "float64")
        assert_exact(ts.call("add", a, b), np.add(a, b))


def test_errors_are_numpy_exception_types():
    with pytest.raises(ValueError):
        ts.call("add", np.ones(3, np.float32), np.ones(4, np.float32))
    with pytest.raises(TypeError):
        ts.call("bitwise_and", np.ones(3, np.float32), np.ones(3, np.float32))
    out = np.zeros(3, np.int32)
    with pytest.raises(TypeError):
        ts.call("add", np.ones(3, np.float32), np.ones(3, np.float32), out=out)
    np.testing.assert_array_equal(out, 0)  # nothing written


# ---- transcendental functions ------------------------------------------------------------

UNARY_MATH = {
    "exp": np.exp, "expm1": np.expm1, "log": np.log, "log2": np.log2, "log10": np.log10,
    "log1p": np.log1p, "sqrt": np.sqrt, "sin": np.sin, "cos": np.cos, "tan": np.tan,
    "asin": np.arcsin, "acos": np.arccos, "atan": np.arctan, "sinh": np.sinh, "cosh": np.cosh,
    "tanh": np.tanh, "asinh": np.arcsinh, "acosh": np.arccosh, "atanh": np.arctanh,
}


@pytest.mark.parametrize("op", sorted(UNARY_MATH))
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "bfloat16"])
def test_unary_math_ulp(op, dtype):
    if op not in ts.list_ops():
        pytest.fail(f"operator {op} is not registered")
    dt = BF16 if dtype == "bfloat16" else np.dtype(dtype)
    lo, hi = (-0.99, 0.99) if op in ("asin", "acos", "atanh") else (1.0, 8.0) if op == "acosh" else (-8, 8)
    a = random_array((1003,), "float32", lo, hi).astype(dt)
    got = ts.call(op, a)
    with np.errstate(all="ignore"):
        want = UNARY_MATH[op](a.astype(np.float64)).astype(dt)
    assert got.dtype == dt
    limit = 1 if dt.itemsize == 2 else 4
    d = ulp_diff(got, want)
    assert d.max() <= limit, (op, dtype, d.max(), a[np.argmax(d)])


@pytest.mark.parametrize("dtype", ["int16", "float32", "float64"])
def test_column_broadcast(dtype):
    a = random_array((9, 33), dtype)
    col = random_array((9, 1), dtype)
    assert_exact(ts.call("subtract", a, col), np.subtract(a, col))
    assert_exact(ts.call("subtract", col, a), np.subtract(col, a))
