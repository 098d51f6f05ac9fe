"""What bench/peers.py measures: the cases, their inputs, their NumPy references and the
bytes or flops each moves; plus the timing rule every system is measured with.

A system's case is a Kernel: `run` computes into a preallocated output that `result`
returns, and `compile_s` is its JIT time. Every result is checked against NumPy (float64
where rounding matters) before it is timed, so a fast wrong kernel cannot win.
"""
import dataclasses
import time
from typing import Callable, Optional

import numpy as np

# Split factors shared by the tessera, TVM and Halide schedules (see peer_cases.cpp).
LANES = 16          # float32 lanes of an AVX-512 vector
BLOCK = 4096        # elementwise: elements per parallel task
TILE_ROWS = 8       # matmul register tile: rows
TILE_COLS = 32      # matmul register tile: columns (two vectors), and the B panel width
ROW_PARTS = 16      # sum over axis 0: parallel blocks of rows
SUM_BLOCK = 16384   # full sum: elements per parallel task

ELEMENTWISE = ["add", "exp", "exp(a)*b+tanh(a)", "add (M,K)+(K,)", "add (M,K)+(M,1)"]
REDUCTIONS = ["sum axis 0", "sum axis 1", "sum all"]


@dataclasses.dataclass
class Sizes:
    rows: int
    cols: int
    mm: list
    reps: int

    @property
    def n(self):
        return self.rows * self.cols


def case_names(sizes):
    return ELEMENTWISE + REDUCTIONS + ["softmax rows"] + [f"matmul {s}" for s in sizes.mm]


@dataclasses.dataclass
class Kernel:
    run: Callable[[], None]
    result: Callable[[], np.ndarray]
    compile_s: Optional[float] = None


def make_inputs(sizes, seed=2026):
    """a is both the flat vector and the rows x cols matrix; values avoid zeros."""
    rng = np.random.default_rng(seed)
    uni = lambda *shape: rng.uniform(-1, 1, shape).astype(np.float32)
    x = {"a": uni(sizes.rows, sizes.cols), "b": uni(sizes.n), "row": uni(sizes.cols), "col": uni(sizes.rows, 1)}
    x["a1"] = x["a"].reshape(-1)
    for s in sizes.mm:
        x[f"mm{s}_a"], x[f"mm{s}_b"] = uni(s, s), uni(s, s)
    return x


def softmax64(m):
    e = np.exp(m.astype(np.float64) - m.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def reference(name, x):
    """(reference value, check function) for a case."""
    a, a1, b = x["a"], x["a1"], x["b"]
    f64 = lambda v: v.astype(np.float64)
    exact = lambda got, ref: np.testing.assert_array_equal(got, ref)
    close = lambda rtol, atol: lambda got, ref: np.testing.assert_allclose(got, ref, rtol=rtol, atol=atol)

    def sum_close(scale):  # float32 sums in any order: error well below 1e-5 of sum |x|
        def compare(got, ref):
            err = np.abs(got.astype(np.float64) - ref) / (scale + 1e-30)
            if not err.max() <= 1e-5:
                i = np.unravel_index(np.argmax(err), err.shape) if err.ndim else ()
                raise AssertionError(f"relative error {err.max():.3g} at {i}: {got[i]} vs {ref[i]}")
        return compare

    if name == "add":
        return a1 + b, exact
    if name == "exp":
        return np.exp(f64(a1)), close(1e-5, 0)
    if name == "exp(a)*b+tanh(a)":
        return np.exp(f64(a1)) * b + np.tanh(f64(a1)), close(1e-5, 1e-6)
    if name == "add (M,K)+(K,)":
        return a + x["row"], exact
    if name == "add (M,K)+(M,1)":
        return a + x["col"], exact
    if name == "sum axis 0":
        return f64(a).sum(axis=0), sum_close(np.abs(a).sum(axis=0))
    if name == "sum axis 1":
        return f64(a).sum(axis=1), sum_close(np.abs(a).sum(axis=1))
    if name == "sum all":
        return np.asarray(f64(a).sum()), sum_close(np.abs(f64(a)).sum())
    if name == "softmax rows":
        return softmax64(a), close(1e-4, 1e-8)
    if name.startswith("matmul "):
        s = int(name.split()[1])
        return f64(x[f"mm{s}_a"]) @ f64(x[f"mm{s}_b"]), close(1e-4, 1e-3)
    raise KeyError(name)


def work(name, sizes):
    """("GB/s", bytes read + written) or ("GFLOP/s", flops) of one call."""
    n, r, c = sizes.n, sizes.rows, sizes.cols
    table = {
        "add": 12 * n, "exp": 8 * n, "exp(a)*b+tanh(a)": 12 * n,
        "add (M,K)+(K,)": 8 * n + 4 * c, "add (M,K)+(M,1)": 8 * n + 4 * r,
        "sum axis 0": 4 * n + 4 * c, "sum axis 1": 4 * n + 4 * r, "sum all": 4 * n + 4,
        "softmax rows": 8 * n,
    }
    if name in table:
        return "GB/s", table[name]
    s = int(name.split()[1])
    return "GFLOP/s", 2 * s ** 3


def median_time(f, reps, warmup=2):
    for _ in range(warmup):
        f()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    times.sort()
    return times[len(times) // 2]


def timed_compile(build):
    """Runs build() and returns (its result, seconds)."""
    t0 = time.perf_counter()
    out = build()
    return out, time.perf_counter() - t0
