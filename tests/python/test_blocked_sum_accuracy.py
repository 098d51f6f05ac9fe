"""float32 var/std and vecdot of rows run as blocked float32 sums (src/ops/reduction_blocked.h):
float32 additions inside blocks of 64 lanes x 8 terms, float64 past them. Their error must be
no worse than NumPy's float32 algorithms (pairwise sums for var, BLAS sdot for vecdot), on
inputs chosen to be hard: a large mean with a small spread, long rows, rows whose length is
not a multiple of the block, an outlier, constant rows. References are computed in float64
from the same float32 inputs (exact enough: 29 more bits than float32).
"""
import numpy as np
import pytest

from tessera import _testing as ts

EPS32 = float(np.finfo(np.float32).eps)
RNG = np.random.default_rng(20261124)
RNG_VAR = np.random.default_rng(20261125)  # var's one-pass cases (the other tests keep RNG's stream)


def hard_rows():
    """(name, float32 matrix): var along axis 1 of each."""
    yield "large mean, small spread", (1e4 + RNG.uniform(-1, 1, (3, 100003))).astype(np.float32)
    yield "mean 1e3, spread 1e-2", (1e3 + 1e-2 * RNG.standard_normal((4, 4096))).astype(np.float32)
    yield "long rows", RNG.standard_normal((2, 1 << 20)).astype(np.float32)
    yield "short rows, tails", (7 + RNG.uniform(0, 1, (5, 37))).astype(np.float32)
    x = RNG.uniform(-1, 1, (3, 5000)).astype(np.float32)
    x[:, 0] = 1e6
    yield "outlier first", x
    yield "constant rows", np.full((3, 1000), 0.1, np.float32)
    # var's one pass is shifted by the mean of the first 8 elements (reduction_blocked.h):
    # rows where that estimate is far from the mean take a second pass.
    x = RNG_VAR.uniform(-1, 1, (3, 5000)).astype(np.float32)
    x[:, 3] = 1e4
    yield "outlier among the first 8", x
    x = (1e3 + 1e-2 * RNG_VAR.standard_normal((4, 4096))).astype(np.float32)
    x[:, :8] = np.float32(1e3 + 0.7e-2)  # rho = 0.49: just kept in one pass
    yield "estimate 0.7 sd off", x
    x = (1e3 + 1e-2 * RNG_VAR.standard_normal((4, 4096))).astype(np.float32)
    x[:, :8] = np.float32(1e3 + 5e-2)
    yield "estimate 5 sd off", x
    yield "mean 1e6, spread 1", (1e6 + RNG_VAR.standard_normal((3, 3000))).astype(np.float32)
    yield "mean 1e6, spread 1e-3", (1e6 + 1e-3 * RNG_VAR.standard_normal((3, 3000))).astype(np.float32)
    yield "sorted rows", np.sort(50 + RNG_VAR.standard_normal((3, 4096)), axis=1).astype(np.float32)
    yield "ramp", (1e3 + np.arange(2 * 1537, dtype=np.float64).reshape(2, 1537)).astype(np.float32)
    for n in (2, 3, 9):
        yield f"rows of {n}", (100 + RNG_VAR.standard_normal((40, n))).astype(np.float32)


def rel_err(got, want):
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    return np.abs(got - want) / np.maximum(np.abs(want), 1e-300)


@pytest.mark.parametrize("op", ["var", "std"])
def test_var_std_no_worse_than_numpy(op):
    for name, x in hard_rows():
        for ddof in (0, 1):
            ref = getattr(np, op)(x.astype(np.float64), axis=1, ddof=ddof)
            got = ts.reduce(op, x, axis=1, correction=ddof)
            assert got.dtype == np.float32
            ours = rel_err(got, ref) if ref.any() else np.abs(np.asarray(got, np.float64))
            theirs = rel_err(getattr(np, op)(x, axis=1, ddof=ddof), ref) if ref.any() else 0
            # float32 rounding of the result itself is allowed on top of NumPy's error.
            bound = np.maximum(theirs, 0) + 2 * EPS32 + (0 if ref.any() else 1e-12)
            assert np.all(ours <= bound), f"{op} {name} ddof={ddof}: ours {ours.max()} numpy {np.max(theirs)}"


def test_var_within_a_few_float32_roundings():
    # The documented bound: a few float32 roundings of the exact result, whatever the mean.
    for name, x in hard_rows():
        ref = np.var(x.astype(np.float64), axis=1)
        if not ref.any():
            continue
        err = rel_err(ts.reduce("var", x, axis=1), ref)
        assert err.max() <= 16 * EPS32, f"{name}: {err.max() / EPS32} eps"


def test_vecdot_rows_no_worse_than_numpy():
    cases = [
        RNG.uniform(-1, 1, (4, 4096)).astype(np.float32),
        RNG.uniform(0, 1, (2, 1 << 20)).astype(np.float32),  # long, all terms positive
        (100 + RNG.uniform(-1, 1, (3, 100003))).astype(np.float32),
        RNG.uniform(-1, 1, (6, 45)).astype(np.float32),
    ]
    for a in cases:
        b = RNG.uniform(-1, 1, a.shape).astype(np.float32) if a.shape[1] == 45 else a
        ref = np.sum(a.astype(np.float64) * b.astype(np.float64), axis=1)
        mag = np.sum(np.abs(a.astype(np.float64) * b.astype(np.float64)), axis=1)
        got = np.asarray(ts.vecdot(a, b), np.float64)
        theirs = np.abs(np.vecdot(a, b).astype(np.float64) - ref)
        ours = np.abs(got - ref)
        # Bound: block roundings (8 float32 steps and the product) plus the result's rounding.
        assert np.all(ours <= 10 * EPS32 * mag + EPS32 * np.abs(ref)), a.shape
        assert np.all(ours <= theirs + EPS32 * np.abs(ref) + 1e-30), a.shape


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy's, for ddof >= n
@pytest.mark.parametrize("n", [1, 2, 3, 8, 9, 600])
def test_var_special_values_and_small_rows(n):
    # NaN and inf anywhere (first, among the estimate's first 8, last), correction >= n:
    # the NaN / inf / finite pattern of float64. Squares that overflow float32 give inf, as
    # NumPy's float32 var and std. (Not covered: rows spanning more than the float32 range,
    # whose x - c overflows; they give NaN instead of inf, as before the one-pass form.)
    rows = []
    for pos in sorted({0, min(5, n - 1), n - 1}):
        for bad in (np.nan, np.inf, -np.inf):
            r = RNG_VAR.standard_normal(n)
            r[pos] = bad
            rows.append(r)
        r = RNG_VAR.standard_normal(n)
        r[pos], r[(pos + 1) % n] = np.inf, -np.inf
        rows.append(r)
    rows += [RNG_VAR.standard_normal(n) + 7, np.zeros(n)]
    x = np.array(rows).astype(np.float32)
    big = (1e20 * np.sign(RNG_VAR.standard_normal((2, n)))).astype(np.float32)
    with np.errstate(all="ignore"):
        for op in ("var", "std"):  # inf, or (short rows summed in float64) the exact value
            got, want = ts.reduce(op, big, axis=1), getattr(np, op)(big.astype(np.float64), axis=1)
            assert np.all(np.isinf(got) | (np.abs(got - want) <= 4 * EPS32 * want)), op
        for op in ("var", "std"):
            for ddof in (0, 1, 2, 5):
                got = np.asarray(ts.reduce(op, x, axis=1, correction=ddof), np.float64)
                want = getattr(np, op)(x.astype(np.float64), axis=1, ddof=ddof).astype(np.float32)
                assert np.array_equal(np.isnan(got), np.isnan(want)), (op, ddof, got, want)
                assert np.array_equal(np.isinf(got), np.isinf(want)), (op, ddof, got, want)
                fin = np.isfinite(want)
                assert np.all(np.abs(got[fin] - want[fin]) <= 4 * EPS32 * np.abs(want[fin])), (op, ddof)


def test_var_empty_rows():
    with np.errstate(all="ignore"):
        got = ts.reduce("var", np.zeros((3, 0), np.float32), axis=1)
    assert got.shape == (3,) and np.all(np.isnan(got))


def test_blocked_views_and_kept_axes():
    # Several kept axes (fused), strided rows, broadcast operands, lengths around the block.
    for length in (32, 63, 64, 511, 512, 513, 1100):
        x = RNG.uniform(-3, 5, (2, 3, 2 * length)).astype(np.float32)
        for v in (x[..., :length], x[:, ::2, length:], x[::-1, :, ::2]):
            ref = np.var(v.astype(np.float64), axis=-1, ddof=1)
            got = ts.reduce("var", v, axis=-1, correction=1)
            assert got.shape == ref.shape
            assert np.all(rel_err(got, ref) <= 16 * EPS32), (length, v.strides)
            b = RNG.uniform(-1, 1, v.shape[-1]).astype(np.float32)
            for p, q in ((v, b), (b, v), (v, v)):
                want = np.sum(np.asarray(p, np.float64) * np.asarray(q, np.float64), axis=-1)
                mag = np.sum(np.abs(np.asarray(p, np.float64) * np.asarray(q, np.float64)), axis=-1)
                got = np.asarray(ts.vecdot(p, q), np.float64)
                assert got.shape == want.shape
                assert np.all(np.abs(got - want) <= 10 * EPS32 * mag), (length, p.shape, q.shape)
