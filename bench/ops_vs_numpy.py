"""Every operator family of tessera against NumPy on this machine, in one run.

For each case: GB/s (bytes read + written) of tessera and NumPy on the same arrays, the
ratio tessera / NumPy, and tessera against the copy bandwidth (bench_util.h copy_bytes: rep
movsb on x86-64, on tessera's threads).

Two cache states, both in every round of a case, because a 64 MB input is twice this VM's
32 MB L3 and the state decides how much of it is read from DRAM:
- cold: copy, tessera, copy, NumPy, one call each. Every timed call starts right after a copy
  of 2 x 64 MB (at the default n), as copy itself does, and is timed milliseconds from the
  copies it is compared with. This is the main figure: it compares like with like (DRAM).
- warm: then one untimed and three timed calls of tessera back to back, and the same for NumPy
  (medians of three): what a loop over the same data sees. Part of a 64 MB input stays in L3
  between calls, by an amount that depends on the replacement state, and a 16 MB one stays
  whole; on this VM this moved a sum over axis 0 between 60% and 100% of copy.
- read (reductions): then a copy and one hand-written read of the reduction's input (8-byte
  words summed, bench_util.h read_seconds). A reduction only reads, and on this VM a read
  reaches less than the copy's bytes per second, so "read / copy" is the reduction's ceiling
  in copy terms and "tessera / read" is how close the reduction comes to it.
The table reports the medians over rounds of each figure and of the per-round ratios, with
the lowest and highest per-round ratio beside the cold ones (the spread says how noisy the
run was), and the warm ratios' medians.
Elementwise cases are called as NumPy users call them, through ts.ops.<name>(..., out=) on
the NumPy arrays; astype, which ts.ops lacks, through the test interface
(tessera._testing.call, about 8 us more a call, under 1% of a call at the default n).
Reductions and scans are called through the Array API (tessera.sum(x, axis=0)) on Arrays that
share the NumPy inputs' memory; their results are new arrays, as NumPy's are.
Usage: PYTHONPATH=build/python python bench/ops_vs_numpy.py [--n 16777216] [--rounds 15] [--json PATH]
"""
import argparse
import json
import os
import platform
import time

import numpy as np

import tessera
import tessera.ops as ops
from tessera import _testing as ts
from tessera._core import oplib as _ops


def seconds(f):
    t0 = time.perf_counter()
    f()
    return time.perf_counter() - t0


class Read:
    """One hand-written read (8-byte words summed) of an array on the benchmark's threads:
    what a reduction over it could reach."""

    def __init__(self, arr, threads):
        self.arr, self.nbytes, self.threads = arr, arr.nbytes, threads

    def __call__(self):
        """Seconds."""
        return _ops.read_seconds(self.arr.ctypes.data, self.nbytes, self.threads)


class Copy:
    """One copy (bench_util.h copy_bytes) of n float32 on the benchmark's threads, between
    buffers made once."""

    def __init__(self, n, threads):
        self.src, self.dst = np.ones(n, np.float32), np.empty(n, np.float32)
        self.threads = threads
        self()  # fault in dst

    def __call__(self):
        """Bytes read + written per second."""
        t = _ops.copy_seconds(self.src.ctypes.data, self.dst.ctypes.data, self.src.nbytes, self.threads)
        return 2 * self.src.nbytes / t


def warm_seconds(f):
    """Median of three calls made right after another call of f."""
    f()
    return sorted(seconds(f) for _ in range(3))[1]


def measure(f_ts, f_np, nbytes, copy, rounds, read=None):
    """The figures of one case (see the module comment): medians over rounds. `read` times
    the hand-written read of the case's input, cold like the calls (reductions only)."""
    cold, warm, reads = [], [], []
    for _ in range(rounds):
        copy_bw = copy()
        t_ts = seconds(f_ts)
        copy_bw = (copy_bw + copy()) / 2
        t_np = seconds(f_np)
        cold.append((nbytes / t_ts, nbytes / t_np, copy_bw, t_np / t_ts, nbytes / t_ts / copy_bw))
        if read:
            read_copy_bw = copy()
            t_read = read()
            reads.append((t_read / t_ts, read.nbytes / t_read / read_copy_bw))
        w_ts, w_np = warm_seconds(f_ts), warm_seconds(f_np)
        warm.append((w_np / w_ts, nbytes / w_ts / copy_bw))
    med = [float(np.median([x[i] for x in cold])) for i in range(5)]
    r = {"tessera_GBps": med[0] / 1e9, "numpy_GBps": med[1] / 1e9, "copy_GBps": med[2] / 1e9,
         "ratio_numpy": med[3], "ratio_copy": med[4],
         "ratio_numpy_range": [min(x[3] for x in cold), max(x[3] for x in cold)],
         "ratio_copy_range": [min(x[4] for x in cold), max(x[4] for x in cold)],
         "warm_ratio_numpy": float(np.median([x[0] for x in warm])),
         "warm_ratio_copy": float(np.median([x[1] for x in warm]))}
    if reads:
        r["ratio_read"] = float(np.median([x[0] for x in reads]))
        r["read_ratio_copy"] = float(np.median([x[1] for x in reads]))
    return r


def spread(lo_hi, fmt):
    return "–".join(fmt.format(v) for v in lo_hi)


def cases(n, rng):
    """(family, name, bytes moved, tessera call, NumPy call[, the input a reduction reads]):
    each pair computes the same."""
    a = rng.uniform(-1, 1, n).astype(np.float32)
    b = rng.uniform(-1, 1, n).astype(np.float32)
    absa = np.abs(a)
    ia, ib = rng.integers(-1000, 1000, n, dtype=np.int32), rng.integers(1, 1000, n, dtype=np.int32)
    pa, pb = a > 0, b > 0
    out, iout, bout = np.empty_like(a), np.empty_like(ia), np.empty(n, bool)
    ta, tb = tessera.asarray(a), tessera.asarray(b)  # the Array API's path: results newly allocated
    hout = np.empty(n, np.float16)
    rows = int(np.sqrt(n))
    m = a[: rows * (n // rows)].reshape(rows, n // rows)
    pm = pa[: m.size].reshape(m.shape)
    row = rng.uniform(-1, 1, m.shape[1]).astype(np.float32)
    col = rng.uniform(-1, 1, (rows, 1)).astype(np.float32)
    outm = np.empty_like(m)
    r, c = m.shape
    # Reductions and scans through the Array API on Arrays that share the NumPy inputs'
    # memory: their results are new, as NumPy's are.
    tm, tpa, tpm = tessera.asarray(m), tessera.asarray(pa), tessera.asarray(pm)
    narrow = a[: n - n % 256].reshape(-1, 256)  # short rows: added one at a time
    tnarrow = tessera.asarray(narrow)

    def along(op, axis):  # a float32 reduction of the matrix along one axis
        nbytes = f32 * (m.size + m.shape[1 - axis])
        return ("reduction", f"{op} axis {axis}", nbytes, lambda: getattr(tessera, op)(tm, axis=axis),
                lambda: getattr(np, op)(m, axis=axis), m)

    f32 = 4
    return [
        ("elementwise", "add", 12 * n, lambda: ops.add(a, b, out=out), lambda: np.add(a, b, out=out)),
        ("elementwise", "add, new result (ts.add / np.add)", 12 * n, lambda: tessera.add(ta, tb),
         lambda: np.add(a, b)),
        ("elementwise", "multiply", 12 * n, lambda: ops.multiply(a, b, out=out),
         lambda: np.multiply(a, b, out=out)),
        ("elementwise", "maximum", 12 * n, lambda: ops.maximum(a, b, out=out),
         lambda: np.maximum(a, b, out=out)),
        ("elementwise", "floor_divide int32", 12 * n, lambda: ops.floor_divide(ia, ib, out=iout),
         lambda: np.floor_divide(ia, ib, out=iout)),
        ("comparison", "less (bool out)", 9 * n, lambda: ops.less(a, b, out=bout),
         lambda: np.less(a, b, out=bout)),
        ("logical/bitwise", "logical_and bool", 3 * n, lambda: ops.logical_and(pa, pb, out=bout),
         lambda: np.logical_and(pa, pb, out=bout)),
        ("logical/bitwise", "bitwise_xor int32", 12 * n, lambda: ops.bitwise_xor(ia, ib, out=iout),
         lambda: np.bitwise_xor(ia, ib, out=iout)),
        ("math", "exp", 8 * n, lambda: ops.exp(a, out=out), lambda: np.exp(a, out=out)),
        ("math", "tanh", 8 * n, lambda: ops.tanh(a, out=out), lambda: np.tanh(a, out=out)),
        ("math", "sqrt", 8 * n, lambda: ops.sqrt(absa, out=out), lambda: np.sqrt(absa, out=out)),
        ("math", "log", 8 * n, lambda: ops.log(absa, out=out), lambda: np.log(absa, out=out)),
        ("math", "sin", 8 * n, lambda: ops.sin(a, out=out), lambda: np.sin(a, out=out)),
        ("selection", "where", 13 * n, lambda: ops.where(pa, a, b, out=out), lambda: np.where(pa, a, b)),
        ("cast", "astype float16", 6 * n, lambda: ts.call("astype_float16", a, out=hout),
         lambda: np.copyto(hout, a, casting="unsafe")),
        ("broadcast", "add (M,K)+(K,)", 8 * m.size, lambda: ops.add(m, row, out=outm),
         lambda: np.add(m, row, out=outm)),
        ("broadcast", "add (M,K)+(M,1)", 8 * m.size, lambda: ops.add(m, col, out=outm),
         lambda: np.add(m, col, out=outm)),
        ("reduction", "sum all", f32 * n, lambda: tessera.sum(ta), lambda: np.sum(a), a),
        along("sum", 0), along("sum", 1), along("max", 0), along("max", 1), along("mean", 0), along("var", 1),
        ("reduction", "sum axis 0, rows of 256", f32 * (narrow.size + 256), lambda: tessera.sum(tnarrow, axis=0),
         lambda: np.sum(narrow, axis=0), narrow),
        ("reduction", "argmax axis 1", f32 * m.size + 8 * r, lambda: tessera.argmax(tm, axis=1),
         lambda: np.argmax(m, axis=1), m),
        ("reduction", "any axis 0 (bool)", pm.size + c, lambda: tessera.any(tpm, axis=0),
         lambda: np.any(pm, axis=0), pm),
        ("reduction", "count_nonzero all (bool)", n, lambda: tessera.count_nonzero(tpa),
         lambda: np.count_nonzero(pa), pa),
        ("scan", "cumulative_sum axis 1", 8 * m.size, lambda: tessera.cumulative_sum(tm, axis=1),
         lambda: np.cumulative_sum(m, axis=1)),
        ("linear algebra", "vecdot rows", 2 * f32 * m.size + f32 * r, lambda: tessera.vecdot(tm, tm),
         lambda: np.vecdot(m, m), m),
    ]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=1 << 24)
    p.add_argument("--rounds", type=int, default=15)
    p.add_argument("--only", help="comma-separated substrings of case names to run")
    p.add_argument("--json")
    args = p.parse_args()
    rng = np.random.default_rng(7)
    threads = int(os.environ.get("TESSERA_NUM_THREADS", os.cpu_count() or 1))
    copy = Copy(args.n, threads)
    print(f"tessera vs NumPy {np.__version__}, n = {args.n} float32 elements, tessera on {threads} threads, "
          f"NumPy on 1; median of {args.rounds} rounds; cold: copy, tessera, copy, NumPy, one call each "
          f"(the rounds' lowest and highest ratio in parentheses); warm: three calls back to back; "
          f"read: a hand-written read of a reduction's input, cold, after its own copy\n")
    print("| family | case | tessera GB/s | NumPy GB/s | copy GB/s | tessera / NumPy | tessera / copy "
          "| warm: tessera / NumPy | warm: tessera / copy | read / copy | tessera / read |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    results = []
    for family, name, nbytes, f_ts, f_np, *source in cases(args.n, rng):
        if args.only and not any(s in name for s in args.only.split(",")):
            continue
        f_ts(), f_np()  # compile and fault in outputs before timing
        read = Read(source[0], threads) if source else None
        r = {"family": family, "case": name, **measure(f_ts, f_np, nbytes, copy, args.rounds, read)}
        results.append(r)
        reads = (f"{100 * r['read_ratio_copy']:.0f}% | {100 * r['ratio_read']:.0f}%" if read else "– | –")
        print(f"| {family} | {name} | {r['tessera_GBps']:.1f} | {r['numpy_GBps']:.1f} | {r['copy_GBps']:.1f} | "
              f"{r['ratio_numpy']:.2f} ({spread(r['ratio_numpy_range'], '{:.2f}')}) | "
              f"{100 * r['ratio_copy']:.0f}% ({spread(r['ratio_copy_range'], '{:.0%}')}) | "
              f"{r['warm_ratio_numpy']:.2f} | {100 * r['warm_ratio_copy']:.0f}% | {reads} |", flush=True)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"n": args.n, "threads": threads, "rounds": args.rounds, "machine": platform.node(),
                       "date": time.strftime("%Y-%m-%d"), "numpy": np.__version__, "results": results}, fh, indent=2)


if __name__ == "__main__":
    main()
