"""cumulative_sum / cumulative_prod are bit-identical to NumPy's sequential accumulate.

reduction_scan.cpp keeps NumPy's order of rounding on purpose (out[i] = out[i-1] + x[i],
rounded every step in the result dtype): along the last axis the running values of four
interleaved rows are kept in registers (the Rows mode and the register-carry pass), a 1-d
scan runs by blocks of vector lanes, and a scan along an outer axis adds rows of vectors.
Every path is compared here with NumPy bit for bit (signed zeros included, NaN as NaN):
row counts around the interleaved group of 4, lengths 0, 1 and around the vector width,
strided, transposed and reversed views, every accepted dtype, and include_initial. With as
many rows and columns as a Lanes vector has lanes (4), the rows go in vector lanes (the
Lanes mode and the transpose_lane_tiles pass): row and column counts around 4 and its
multiples.
"""
import numpy as np
import pytest

from tessera import _testing as ts

ml_dtypes = pytest.importorskip("ml_dtypes")
BF16 = np.dtype(ml_dtypes.bfloat16)
RNG = np.random.default_rng(20261124)

DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float16", "float32", "float64", BF16]


def random_array(shape, dtype, prod=False):
    dt = np.dtype(dtype)
    n = int(np.prod(shape))
    if dt == np.bool_:
        return RNG.integers(0, 2, n).astype(bool).reshape(shape)
    if dt.kind in "iu":
        lo = -3 if prod and dt.kind == "i" else (0 if dt.kind == "u" else -100)
        hi = 3 if prod else 100
        return RNG.integers(lo, hi, n, endpoint=True).astype(dt).reshape(shape)
    if prod:  # near 1, so that products neither vanish nor overflow at once
        return (1 + RNG.uniform(-0.25, 0.25, n)).astype(dt).reshape(shape)
    return RNG.uniform(-4, 4, n).astype(dt).reshape(shape)


def assert_bit_identical(got, want):
    assert got.dtype == want.dtype and got.shape == want.shape
    if want.dtype.kind == "f" or want.dtype == BF16:
        g, w = got.astype(np.float64), want.astype(np.float64)
        both_nan = np.isnan(g) & np.isnan(w)
        bits = np.dtype(f"u{want.dtype.itemsize}")
        same = (np.ascontiguousarray(got).view(bits) == np.ascontiguousarray(want).view(bits)) | both_nan
        assert same.all(), f"first difference at {np.argwhere(~same)[0]}: {g[~same][0]!r} != {w[~same][0]!r}"
    else:
        np.testing.assert_array_equal(got, want)


def check(op, x, axis, include_initial=False, dtype=None):
    npop = np.cumulative_sum if op == "cumulative_sum" else np.cumulative_prod
    want = npop(x, axis=axis, include_initial=include_initial, dtype=dtype)
    got = ts.cumulative(op, x, axis=axis, include_initial=include_initial, dtype=dtype)
    assert_bit_identical(got, want)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("op", ["cumulative_sum", "cumulative_prod"])
def test_last_axis_rows_around_the_interleaved_group(op, dtype):
    for rows in (1, 2, 3, 4, 5, 7, 8, 9):
        for length in (0, 1, 2, 17, 100):
            x = random_array((rows, length), dtype, prod=op == "cumulative_prod")
            check(op, x, 1)
            check(op, x, -1, include_initial=True)


LANE_ROWS = 4  # rows per vector of the Lanes mode (reduction_scan.cpp kLaneRows)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("op", ["cumulative_sum", "cumulative_prod"])
def test_last_axis_rows_in_vector_lanes(op, dtype):
    # Lanes mode: L rows per vector, L x L tiles transposed in registers, the last columns
    # one at a time, the rows past the last whole vector in a Rows call of their own.
    lanes = LANE_ROWS
    for rows in (lanes, lanes + 1, 2 * lanes + 3, 16 * lanes + 1):
        for length in (lanes - 1, lanes, lanes + 1, 3 * lanes + 5, 64 * lanes + 3):
            x = random_array((rows, length), dtype, prod=op == "cumulative_prod")
            check(op, x, 1)
            check(op, x, -1, include_initial=True)
    wide = random_array((lanes + 2, 3 * lanes + 8), dtype, prod=op == "cumulative_prod")
    check(op, wide[1:, 3:-2], 1)      # rows apart by more than their length
    check(op, wide[::-1], 1)          # rows in reverse
    check(op, wide[::2], 1)           # every other row


@pytest.mark.parametrize("dtype", ["int8", "uint16", "float32", BF16], ids=str)
def test_rows_in_vector_lanes_with_a_result_dtype(dtype):
    lanes = LANE_ROWS
    for result in (np.int8, np.uint8, np.int16, np.float32, np.float64, np.bool_):
        x = random_array((lanes + 1, 2 * lanes + 1), dtype)
        check("cumulative_sum", x, 1, dtype=result)
        check("cumulative_sum", x.reshape(lanes + 1, 1, -1), 2, dtype=result)  # 3-d, merged rows


@pytest.mark.parametrize("dtype", ["int32", "float16", "float32", "float64", BF16], ids=str)
def test_views_and_higher_ranks(dtype):
    x = random_array((6, 5, 40), dtype)
    for axis in (0, 1, 2):
        check("cumulative_sum", x, axis)
    check("cumulative_sum", x[:, ::2, ::-3], 2)   # strided and reversed along the scan
    check("cumulative_sum", x[::-1, 1:, :], -1)
    t = np.swapaxes(x, 1, 2)                       # scan axis with a large stride
    check("cumulative_sum", t, 2)
    check("cumulative_sum", t, 1)
    check("cumulative_sum", x[0].T, 1)             # rows contiguous along the kept axis
    check("cumulative_sum", x.reshape(-1), 0)      # 1-d, by blocks


def test_result_dtypes_and_special_values():
    x = random_array((5, 33), "float32")
    x[1, 3] = np.nan
    x[2, :] = -0.0
    x[3, 5] = np.inf
    x[4, 7] = -np.inf
    check("cumulative_sum", x, 1)
    check("cumulative_sum", x, 1, dtype=np.float64)
    check("cumulative_sum", x.astype(np.float64), 1, dtype=np.float32)
    check("cumulative_prod", x, 1)
    check("cumulative_sum", random_array((5, 33), "int8"), 1, dtype=np.int8)   # wraps
    check("cumulative_sum", random_array((5, 33), "uint8"), 1, dtype=np.uint8)
    check("cumulative_sum", random_array((5, 33), "int16"), 1, dtype=np.float16)
    b = random_array((6, 21), "bool")
    check("cumulative_sum", b, 1, dtype=np.bool_)
    check("cumulative_prod", b, 1, dtype=np.bool_)


def test_large_sums_round_every_step():
    # Terms of mixed magnitude make the running sum's rounding visible.
    x = (RNG.standard_normal((9, 4099)) * 10.0 ** RNG.integers(-3, 6, (9, 4099))).astype(np.float32)
    check("cumulative_sum", x, 1)
    check("cumulative_sum", (x / 1e4).astype(np.float16), 1)


def test_output_overlapping_the_input():
    x = random_array((7, 50), "float32")
    want = np.cumulative_sum(x, axis=1)
    ts.cumulative("cumulative_sum", x, axis=1, out=x)
    assert_bit_identical(x, want)
