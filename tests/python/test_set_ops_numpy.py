"""unique_all / unique_counts / unique_inverse, isin and diff against NumPy 2 on random
inputs: several dtypes and shapes (0-d, size 0, non-contiguous views), NaNs (each NaN is a
distinct value, the standard's rule and NumPy 2's unique_* default), and bad input."""
import numpy as np
import pytest

import tessera as ts

RNG = np.random.default_rng(2024)
DTYPES = ["bool", "int8", "int32", "uint8", "uint64", "int64", "float16", "float32", "float64"]


def rand(shape, dtype, span=6):
    """Values from a small set, so that repeats are common."""
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return RNG.random(shape) < 0.5
    v = RNG.integers(0, span, size=shape)
    if dtype.kind == "i":
        v = v - span // 2
    if dtype.kind == "f":
        v = v / 2 - 1
    return v.astype(dtype)


def with_nans(x):
    x = x.copy()
    if x.dtype.kind == "f" and x.size:
        x.flat[RNG.random(x.size) < 0.3] = np.nan
    return x


def views(a):
    """a itself, a transposed view and a reversed (negative-stride) view."""
    yield a
    if a.ndim >= 2:
        yield a.T
    if a.ndim >= 1 and a.shape[0] > 1:
        yield a[::-1]


def check(got, want):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, (got.shape, want.shape)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    np.testing.assert_array_equal(got, want)


def check_inverse(x, got, want):
    """Equal inverse indices, except that distinct NaN slots may be assigned to the NaNs of x in
    any order (NumPy's unique_inverse sorts unstably; tessera gives the k-th NaN of x, row-major,
    the k-th NaN slot, as its unique_all does)."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape and got.dtype == want.dtype
    nan = np.isnan(x) if x.dtype.kind == "f" else np.zeros(x.shape, bool)
    np.testing.assert_array_equal(got[~nan], want[~nan])
    assert sorted(got[nan].tolist()) == sorted(want[nan].tolist())
    assert got[nan].tolist() == sorted(got[nan].tolist())


SHAPES = [(), (0,), (1,), (7,), (3, 4), (2, 0, 3), (2, 3, 4)]


def cases():
    for dtype in DTYPES:
        for shape in SHAPES:
            base = with_nans(rand(shape, dtype))
            yield from views(base)


@pytest.mark.parametrize("x", list(cases()), ids=lambda x: f"{x.dtype}{x.shape}{'' if x.flags.c_contiguous else 'v'}")
def test_unique_against_numpy(x):
    t = ts.asarray(x)
    want = np.unique_all(x)
    got = ts.unique_all(t)
    assert type(got).__name__ == "UniqueAllResult" and got._fields == ("values", "indices", "inverse_indices", "counts")
    check(got.values, want.values)
    check(got.counts, want.counts)
    check(got.inverse_indices, want.inverse_indices)
    check(got.indices, want.indices)  # first occurrences (NumPy's return_index)
    vc = ts.unique_counts(t)
    check(vc.values, np.unique_counts(x).values)
    check(vc.counts, np.unique_counts(x).counts)
    vi = ts.unique_inverse(t)
    check(vi.values, np.unique_inverse(x).values)
    check_inverse(x, vi.inverse_indices, np.unique_inverse(x).inverse_indices)
    check(ts.unique_values(t), np.unique(x, equal_nan=False))  # NumPy >= 2.3's unique_values is unsorted


def test_unique_nans_are_distinct():
    x = np.array([3.0, np.nan, 1.0, np.nan, 3.0])
    r = ts.unique_all(ts.asarray(x))
    check(r.values, [1.0, 3.0, np.nan, np.nan])
    check(r.indices, np.array([2, 0, 1, 3]))
    check(r.inverse_indices, np.array([1, 2, 0, 3, 1]))
    check(r.counts, np.array([1, 2, 1, 1]))


def test_unique_large_random():
    x = RNG.integers(-50, 50, size=(40, 30)).astype(np.int32)
    r = ts.unique_all(ts.asarray(x))
    w = np.unique_all(x)
    check(r.values, w.values)
    check(r.counts, w.counts)
    check(r.inverse_indices, w.inverse_indices)
    np.testing.assert_array_equal(np.asarray(r.values)[np.asarray(r.inverse_indices)], x)


def test_unique_array_api_strict():
    xps = pytest.importorskip("array_api_strict")
    x = with_nans(rand((4, 5), "float64"))
    ref = xps.unique_all(xps.asarray(x))
    got = ts.unique_all(ts.asarray(x))
    for name in ("values", "inverse_indices", "counts"):
        np.testing.assert_array_equal(np.asarray(getattr(got, name)), np.asarray(getattr(ref, name)._array))


@pytest.mark.parametrize("dt1,dt2", [("int32", "int32"), ("int8", "int64"), ("uint8", "int16"), ("float32", "float64"),
                                     ("int64", "float64"), ("bool", "bool"), ("float16", "float16")])
@pytest.mark.parametrize("invert", [False, True])
def test_isin(dt1, dt2, invert):
    for s1, s2 in [((), (4,)), ((6,), (5,)), ((3, 4), (2, 3)), ((0,), (3,)), ((5,), (0,)), ((2, 3), ())]:
        a, b = with_nans(rand(s1, dt1, 10)), with_nans(rand(s2, dt2, 10))
        for va in views(a):
            for vb in views(b):
                check(ts.isin(ts.asarray(va), ts.asarray(vb), invert=invert), np.isin(va, vb, invert=invert))


def test_isin_scalars_and_nan():
    a = np.array([1.0, np.nan, 2.0])
    check(ts.isin(ts.asarray(a), ts.asarray(np.array([np.nan, 2.0]))), np.array([False, False, True]))
    check(ts.isin(ts.asarray(np.array([1, 5, 7])), 5), np.array([False, True, False]))
    check(ts.isin(5, ts.asarray(np.array([1, 5, 7]))), np.array(True))
    big = np.array([2**62 + 1, 3], np.int64)
    check(ts.isin(ts.asarray(big), ts.asarray(np.array([2**62 + 1], np.int64))), np.array([True, False]))
    with pytest.raises(TypeError):
        ts.isin(1, 2)
    with pytest.raises(TypeError):
        ts.isin(ts.asarray(a), ts.asarray(a), invert=1)


@pytest.mark.parametrize("dtype", ["bool", "int8", "uint8", "int32", "int64", "float32", "float64"])
def test_diff(dtype):
    x = rand((4, 5, 3), dtype, 50)
    for v in views(x):
        t = ts.asarray(v)
        for axis in (-1, 0, 1, -3):
            for n in (0, 1, 2, 3, 6):
                check(ts.diff(t, axis=axis, n=n), np.diff(v, axis=axis, n=n))
    check(ts.diff(ts.asarray(x[0, :, 0])), np.diff(x[0, :, 0]))
    check(ts.diff(ts.asarray(x[:0, 0, 0])), np.diff(x[:0, 0, 0]))


def test_diff_prepend_append():
    x = rand((3, 4), "int16", 30)
    p, a = rand((3, 2), "int16", 30), rand((3, 1), "int32", 30)
    t = ts.asarray(x)
    check(ts.diff(t, prepend=ts.asarray(p)), np.diff(x, prepend=p))
    check(ts.diff(t, append=ts.asarray(a), n=2), np.diff(x, append=a, n=2))
    q = rand((3, 4), "int8", 30)
    check(ts.diff(t, axis=0, prepend=ts.asarray(q[:1]), append=ts.asarray(q[1:])),
          np.diff(x, axis=0, prepend=q[:1], append=q[1:]))
    f = rand((5,), "float32")
    check(ts.diff(ts.asarray(f), prepend=ts.asarray(np.float32(0.5)), append=ts.asarray(np.float64(2.0))),
          np.diff(f, prepend=np.float32(0.5), append=np.float64(2.0)))
    check(ts.diff(t, prepend=3), np.diff(x, prepend=3))


def test_diff_array_api_strict():
    xps = pytest.importorskip("array_api_strict")
    x = rand((4, 6), "float64")
    np.testing.assert_array_equal(np.asarray(ts.diff(ts.asarray(x), axis=0, n=2)),
                                  np.asarray(xps.diff(xps.asarray(x), axis=0, n=2)._array))


def test_bad_input():
    t = ts.asarray(np.arange(6.0).reshape(2, 3))
    with pytest.raises(ValueError):  # NumPy: AxisError (a ValueError)
        ts.diff(t, axis=2)
    with pytest.raises(ValueError):
        ts.diff(t, axis=-3)
    with pytest.raises(ValueError):
        np.diff(np.float64(1.0))
    with pytest.raises(ValueError):
        ts.diff(ts.asarray(1.0))
    with pytest.raises(ValueError):
        ts.diff(t, n=-1)
    with pytest.raises(TypeError):
        ts.diff(t, n=1.5)
    with pytest.raises(ValueError):  # prepend of the wrong shape
        ts.diff(t, prepend=ts.asarray(np.zeros((3, 3))))
    for fn in (ts.unique_all, ts.unique_counts, ts.unique_inverse):
        with pytest.raises(TypeError):
            fn(object())


def test_signatures():
    import inspect
    xps = pytest.importorskip("array_api_strict")
    for name in ("unique_all", "unique_counts", "unique_inverse", "isin", "diff"):
        ours, ref = inspect.signature(getattr(ts, name)), inspect.signature(getattr(xps, name))
        assert [(p.name, p.kind, p.default) for p in ours.parameters.values()] == \
               [(p.name, p.kind, p.default) for p in ref.parameters.values()], name
