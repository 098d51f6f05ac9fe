"""Streaming (non-temporal) stores give NumPy's results whichever way the run-time
threshold goes. TESSERA_STREAMING_STORES is read once per process, so each setting runs
in a fresh interpreter: "1" streams every output that qualifies, "off" none."""
import os
import subprocess
import sys

import pytest

SCRIPT = r"""
import numpy as np
from tessera import _testing as ts

rng = np.random.default_rng(7)
failures = []

def line_aligned(n, dtype):  # n elements from a 64-byte boundary (NumPy's arrays start 16 in)
    raw = np.empty(n * np.dtype(dtype).itemsize + 64, np.uint8)
    first = -raw.ctypes.data % 64
    return raw[first:first + n * np.dtype(dtype).itemsize].view(dtype)

def check(name, got, want):
    if got.dtype != want.dtype or not np.array_equal(got, want, equal_nan=True):
        failures.append(name)

for n in (1, 17, 4096 * 3 + 5, 100003):
    for dtype in ("bool", "int8", "float16", "float32", "float64", "int64"):
        if dtype == "bool":
            a, b = rng.integers(0, 2, n).astype(bool), rng.integers(0, 2, n).astype(bool)
            op = "logical_or"
            want = np.logical_or(a, b)
        else:
            a = rng.uniform(-50, 50, n).astype(dtype)
            b = rng.uniform(-50, 50, n).astype(dtype)
            op = "maximum"
            want = np.maximum(a, b)
        itemsize = np.dtype(dtype).itemsize
        # Every element offset from a cache line (the dispatcher runs the elements before
        # the output's first line as a call of their own), with the inputs off by the same
        # and by other offsets; the elements around out stay as they were.
        for shift in range(64 // itemsize):
            store = line_aligned(n + 128, dtype)
            fill = np.array(7).astype(dtype)  # True for bool
            store[:] = fill
            out = store[shift:shift + n]
            ts.call(op, a, b, out=out)
            check(f"{op} {dtype} n={n} shift={shift}", out, want)
            if not np.all(store[:shift] == fill) or not np.all(store[shift + n:] == fill):
                failures.append(f"{op} {dtype} n={n} shift={shift}: wrote outside out")
            ins = line_aligned(2 * n + 128, dtype)
            x, y = ins[shift:shift + n], ins[n + 64 + 2 * shift % 5:][:n]
            x[:], y[:] = a, b
            ts.call(op, x, y, out=x)  # in place, the inputs as far off the line as out
            check(f"{op} {dtype} n={n} shift={shift} in place", x, want)
    x = rng.uniform(-3, 3, n).astype(np.float32)
    out = np.empty(n + 1, np.float16)[1:]
    ts.call("astype_float16", x, out=out)
    check(f"astype n={n}", out, x.astype(np.float16))
    out = np.empty(n + 4, np.float32)[4:]
    ts.call("sqrt", np.abs(x), out=out)
    check(f"sqrt n={n}", out, np.sqrt(np.abs(x)))

for rows, cols in ((37, 67), (64, 256), (5, 4096 + 3)):
    m = rng.uniform(-1, 1, (rows, cols)).astype(np.float32)
    col = rng.uniform(-1, 1, (rows, 1)).astype(np.float32)
    row = rng.uniform(-1, 1, cols).astype(np.float32)
    for pad in (0, 1, 4):
        store = np.zeros((rows, cols + pad), np.float32)
        out = store[:, :cols]
        ts.call("add", m, col, out=out)
        check(f"add (M,1) {rows}x{cols} pad={pad}", out, m + col)
        ts.call("add", m, row, out=out)
        check(f"add (K,) {rows}x{cols} pad={pad}", out, m + row)
        if pad and not np.all(store[:, cols:] == 0):
            failures.append(f"padding clobbered {rows}x{cols} pad={pad}")

print("FAILURES:", failures)
raise SystemExit(1 if failures else 0)
"""


@pytest.mark.parametrize("setting", ["1", "off"])
def test_results_match_numpy(setting):
    env = dict(os.environ, TESSERA_STREAMING_STORES=setting)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    r = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
