"""Per-call overhead from Python: a small add on two 8-element float32 arrays.

Measures, in interleaved rounds (so machine load hits every case alike), the median time per
call of
  - NumPy              a + b                (the peer)
  - tessera            a + b on ts.Array    (C++ operator method, no Python wrapper)
  - tessera namespace  ts.add(a, b)         (one Python wrapper with the standard signature)
  - tessera ops        ts.ops.add(a, b) on NumPy arrays (converted through nb::ndarray in C++)
and prints each against NumPy, with the load average.

    PYTHONPATH=build/python python bench/python_overhead.py [--rounds 15] [--calls 20000]
"""
import argparse
import os
import statistics
import timeit

import numpy as np

import tessera as ts


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=15)
    p.add_argument("--calls", type=int, default=20000)
    args = p.parse_args()

    rng = np.random.default_rng(0)
    na, nb = rng.random(8, dtype=np.float32), rng.random(8, dtype=np.float32)
    ta, tb = ts.asarray(na), ts.asarray(nb)
    ops_add = ts.ops.add
    cases = {
        "numpy a + b": lambda: na + nb,
        "tessera a + b": lambda: ta + tb,
        "tessera ts.add(a, b)": lambda: ts.add(ta, tb),
        "tessera ts.ops.add(numpy)": lambda: ops_add(na, nb),
    }
    for fn in cases.values():  # warm-up: compile the kernels, fill caches
        for _ in range(1000):
            fn()
    times = {name: [] for name in cases}
    for _ in range(args.rounds):
        for name, fn in cases.items():
            times[name].append(timeit.timeit(fn, number=args.calls) / args.calls * 1e6)
    base = statistics.median(times["numpy a + b"])
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
          f"{args.rounds} interleaved rounds of {args.calls} calls, median")
    for name, t in times.items():
        m = statistics.median(t)
        print(f"  {name:28s} {m:6.3f} us/call   {m / base:5.2f}x NumPy")


if __name__ == "__main__":
    main()
