"""A new operator written in Python: a fused, numerically stable softplus.

    softplus(x) = log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|))

NumPy evaluates the right-hand side as five passes over memory with four temporaries;
tessera compiles it into one vectorized, parallel loop per dtype and rank, with NumPy
broadcasting and dispatch, the first time each variant is used. The example checks the
result against NumPy (float64 reference) and times both on a short run.

Run: PYTHONPATH=build/python python examples/python_new_operator.py [n]
"""
import sys
import time

import numpy as np

import tessera as ts

te = ts.te


@ts.defop(name="softplus", dtype="FloatTypes", ndim=list(range(6)))
def softplus(x):
    """Receives the input placeholder; returning the output gets the built-in elementwise
    schedule (split for vectors, outer loop parallel)."""
    return te.compute(x.shape, lambda *i: te.maximum(x[i], 0) + te.log1p(te.exp(-abs(x[i]))), name="y")


# The same operator with an explicit schedule, written as the RFC's example is.
@ts.defop(name="softplus_scheduled", dtype=["float32", "float64"], ndim=list(range(6)))
def softplus_scheduled(dtype, ndim):
    X = te.placeholder([te.size_var(f"n{d}") for d in range(ndim)], dtype, name="X")
    Y = te.compute(X.shape, lambda *i: te.maximum(X[i], 0) + te.log1p(te.exp(-abs(X[i]))), name="Y")
    s = te.create_schedule(Y.op)
    if ndim > 0:
        fused = s[Y].fuse(*Y.op.axis)
        outer, inner = s[Y].split(fused, factor=16)
        s[Y].parallel(outer)
        s[Y].vectorize(inner)
    return s, [X, Y]


def numpy_softplus(x):
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def median_seconds(f, reps=7):
    f()  # warm-up (and the first call compiles)
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return sorted(times)[len(times) // 2]


def check(op, dtype):
    rng = np.random.default_rng(0)
    x = rng.uniform(-30, 30, (37, 129)).astype(dtype)
    x[0, :4] = [0.0, -0.0, np.inf, -np.inf]
    got = op(x)
    want = numpy_softplus(x.astype(np.float64))
    finite = np.isfinite(want)
    err = np.max(np.abs(got[finite] - want[finite]) / np.maximum(np.abs(want[finite]), np.finfo(dtype).tiny))
    ok = got.dtype == x.dtype and err <= 8 * np.finfo(dtype).eps and np.array_equal(got[~finite], want[~finite])
    # Broadcasting a strided view goes through the same operator.
    ok &= np.allclose(op(x[::2, ::-3]), numpy_softplus(x[::2, ::-3]), rtol=8 * np.finfo(dtype).eps)
    print(f"  {op.name:<20} {dtype:<8} max relative error {err:.2e}  {'ok' if ok else 'FAILED'}")
    return ok


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1 << 20
    print("correctness against NumPy (float64 reference):")
    ok = all(check(op, dt) for op in (ts.ops.softplus, ts.ops.softplus_scheduled) for dt in ("float32", "float64"))
    ok &= check(ts.ops.softplus, "float16")

    # The new operator also takes tessera arrays (and returns one), mixing with the namespace.
    t = ts.linspace(-4, 4, 9, dtype=ts.float32)
    y = ts.ops.softplus(t) - ts.log1p(ts.exp(t))
    same = float(ts.max(ts.abs(y))) < 1e-5
    print(f"  ts.Array operands: softplus(t) - log1p(exp(t)) max |diff| {float(ts.max(ts.abs(y))):.1e}  "
          f"{'ok' if same else 'FAILED'}")
    ok &= same

    x = np.random.default_rng(1).uniform(-10, 10, n).astype(np.float32)
    out = np.empty_like(x)
    t_np = median_seconds(lambda: numpy_softplus(x))
    t_ts = median_seconds(lambda: ts.ops.softplus(x, out=out))
    moved = 2 * x.nbytes  # read x, write y
    print(f"\nfloat32 softplus over {n} elements (median of 7, this machine, same run):")
    print(f"  numpy (5 passes)   {t_np * 1e3:8.3f} ms  {moved / t_np / 1e9:6.2f} GB/s")
    print(f"  tessera (fused)    {t_ts * 1e3:8.3f} ms  {moved / t_ts / 1e9:6.2f} GB/s  ({t_np / t_ts:.1f}x numpy)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
