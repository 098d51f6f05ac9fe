"""NumPy (OpenBLAS for matmul) and numexpr on the cases of bench/peers_common.py.

Each function returns {case: builder}; a builder returns the case's Kernel.
NumPy runs its ufuncs on one thread and writes into preallocated outputs where the API
allows; its fused expression and softmax make temporaries, as NumPy code does. numexpr
fuses and threads the elementwise cases (it has no matmul or row reductions to offer).
"""
import numpy as np

from peers_common import Kernel


def numpy_cases(x, names):
    a, a1, b, row, col = x["a"], x["a1"], x["b"], x["row"], x["col"]
    out, out2 = np.empty_like(a1), np.empty_like(a)
    s0, s1 = np.empty(a.shape[1], np.float32), np.empty(a.shape[0], np.float32)
    total = np.empty((), np.float32)

    def softmax():
        e = np.exp(a - a.max(axis=1, keepdims=True))
        np.divide(e, e.sum(axis=1, keepdims=True), out=out2)

    def sum_all():
        total[()] = a.sum()

    k = {
        "add": Kernel(lambda: np.add(a1, b, out=out), lambda: out),
        "exp": Kernel(lambda: np.exp(a1, out=out), lambda: out),
        "exp(a)*b+tanh(a)": Kernel(lambda: np.add(np.exp(a1) * b, np.tanh(a1), out=out), lambda: out),
        "add (M,K)+(K,)": Kernel(lambda: np.add(a, row, out=out2), lambda: out2),
        "add (M,K)+(M,1)": Kernel(lambda: np.add(a, col, out=out2), lambda: out2),
        "sum axis 0": Kernel(lambda: np.sum(a, axis=0, out=s0), lambda: s0),
        "sum axis 1": Kernel(lambda: np.sum(a, axis=1, out=s1), lambda: s1),
        "sum all": Kernel(sum_all, lambda: total),
        "softmax rows": Kernel(softmax, lambda: out2),
    }
    for name in names:
        if name.startswith("matmul "):
            s = int(name.split()[1])
            ma, mb, mc = x[f"mm{s}_a"], x[f"mm{s}_b"], np.empty((s, s), np.float32)
            k[name] = Kernel(lambda ma=ma, mb=mb, mc=mc: np.matmul(ma, mb, out=mc), lambda mc=mc: mc)
    return {n: (lambda kn=k[n]: kn) for n in names if n in k}


def numexpr_cases(x, names):
    import numexpr as ne

    a, a1, b, row, col = x["a"], x["a1"], x["b"], x["row"], x["col"]
    out, out2 = np.empty_like(a1), np.empty_like(a)
    env1, env2 = {"a": a1, "b": b}, {"m": a, "row": row, "col": col}
    k = {
        "add": Kernel(lambda: ne.evaluate("a + b", env1, out=out), lambda: out),
        "exp": Kernel(lambda: ne.evaluate("exp(a)", env1, out=out), lambda: out),
        "exp(a)*b+tanh(a)": Kernel(lambda: ne.evaluate("exp(a) * b + tanh(a)", env1, out=out), lambda: out),
        "add (M,K)+(K,)": Kernel(lambda: ne.evaluate("m + row", env2, out=out2), lambda: out2),
        "add (M,K)+(M,1)": Kernel(lambda: ne.evaluate("m + col", env2, out=out2), lambda: out2),
    }
    return {n: (lambda kn=k[n]: kn) for n in names if n in k}


def blas_peak(size, reps):
    """OpenBLAS sgemm GFLOP/s on size x size: the practical peak of this machine."""
    from peers_common import median_time

    rng = np.random.default_rng(1)
    p, q = rng.uniform(-1, 1, (2, size, size)).astype(np.float32)
    c = np.empty_like(p)
    return 2 * size ** 3 / median_time(lambda: np.matmul(p, q, out=c), reps) / 1e9
