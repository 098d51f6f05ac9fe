"""Operator families of tessera against NumPy on this machine, in one run.

For each case: GB/s (bytes read + written) of tessera and NumPy on the same arrays, the
ratio tessera / NumPy, and tessera against the copy bandwidth measured in the same run.
Usage: PYTHONPATH=build/python python bench/ops_vs_numpy.py [--n 4194304] [--json PATH]
"""
import argparse
import json
import os
import platform
import time

import numpy as np

from tessera import _ops
from tessera import _testing as ts


def median_time(f, reps=15, warmup=3):
    for _ in range(warmup):
        f()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    times.sort()
    return times[len(times) // 2]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=1 << 24)
    p.add_argument("--json")
    args = p.parse_args()
    n = args.n
    rng = np.random.default_rng(7)
    a = rng.uniform(-1, 1, n).astype(np.float32)
    b = rng.uniform(-1, 1, n).astype(np.float32)
    rows = int(np.sqrt(n))
    m = rng.uniform(-1, 1, (rows, n // rows)).astype(np.float32)
    col = rng.uniform(-1, 1, (rows, 1)).astype(np.float32)
    row = rng.uniform(-1, 1, (n // rows,)).astype(np.float32)
    out = np.empty_like(a)
    outm = np.empty_like(m)
    threads = int(os.environ.get("TESSERA_NUM_THREADS", os.cpu_count() or 1))
    copy_bw = _ops.copy_bandwidth(n, threads)

    cases = [
        # name, bytes moved, tessera call, numpy call
        ("add", 12 * n, lambda: ts.call("add", a, b, out=out), lambda: np.add(a, b, out=out)),
        ("multiply", 12 * n, lambda: ts.call("multiply", a, b, out=out), lambda: np.multiply(a, b, out=out)),
        ("maximum", 12 * n, lambda: ts.call("maximum", a, b, out=out), lambda: np.maximum(a, b, out=out)),
        ("less (bool out)", 9 * n, None, None),
        ("exp", 8 * n, lambda: ts.call("exp", a, out=out), lambda: np.exp(a, out=out)),
        ("tanh", 8 * n, lambda: ts.call("tanh", a, out=out), lambda: np.tanh(a, out=out)),
        ("sqrt(abs)", 8 * n, None, None),
        ("broadcast add (M,K)+(K,)", 8 * m.size, lambda: ts.call("add", m, row, out=outm), lambda: np.add(m, row, out=outm)),
        ("broadcast add (M,K)+(M,1)", 8 * m.size, lambda: ts.call("add", m, col, out=outm), lambda: np.add(m, col, out=outm)),
    ]
    lt = np.empty(n, dtype=bool)
    cases[3] = ("less (bool out)", 9 * n, lambda: ts.call("less", a, b, out=lt), lambda: np.less(a, b, out=lt))
    absa = np.abs(a)
    cases[6] = ("sqrt", 8 * n, lambda: ts.call("sqrt", absa, out=out), lambda: np.sqrt(absa, out=out))

    results = []
    print(f"tessera vs NumPy {np.__version__}, n = {n} float32, {threads} threads, "
          f"copy bandwidth {copy_bw / 1e9:.1f} GB/s (measured now)\n")
    print("| case | tessera GB/s | NumPy GB/s | tessera / NumPy | tessera / copy |")
    print("|---|---|---|---|---|")
    for name, nbytes, f_ts, f_np in cases:
        t_ts = median_time(f_ts)
        t_np = median_time(f_np)
        r = {"case": name, "tessera_GBps": nbytes / t_ts / 1e9, "numpy_GBps": nbytes / t_np / 1e9}
        r["ratio_numpy"] = t_np / t_ts
        r["ratio_copy"] = nbytes / t_ts / copy_bw
        results.append(r)
        print(f"| {name} | {r['tessera_GBps']:.1f} | {r['numpy_GBps']:.1f} | "
              f"{r['ratio_numpy']:.2f} | {100 * r['ratio_copy']:.0f}% |")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"n": n, "threads": threads, "copy_GBps": copy_bw / 1e9, "machine": platform.node(),
                       "date": time.strftime("%Y-%m-%d"), "numpy": np.__version__, "results": results}, fh, indent=2)


if __name__ == "__main__":
    main()
