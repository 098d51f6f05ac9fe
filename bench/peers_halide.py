"""Halide (halide 21 from PyPI, JIT) on the cases of bench/peers_common.py, with the compute
definitions and schedules of tessera's kernels, factor for factor.

Halide numbers dimensions innermost first, so a NumPy (rows, cols) array is f[col, row], and
reorder() lists loops innermost first. Inputs are NumPy arrays wrapped without a copy (fixed
shapes, as for TVM). tessera's cache_write(C, "local") + compute_at is Halide's usual pair of
Funcs: the accumulating Func computed at the tile of the one that stores. Each function
returns {case: builder}; a builder returns the case's Kernel.
"""
import numpy as np
import halide as hl

from peers_common import BLOCK, LANES, ROW_PARTS, SUM_BLOCK, TILE_COLS, TILE_ROWS, Kernel, timed_compile


def kernel(func, out_shape, shape=None):
    """JIT-compiles func (timed) and realizes it into a preallocated NumPy array."""
    out = np.empty(out_shape, np.float32)
    buf = hl.Buffer(out)
    _, seconds = timed_compile(lambda: func.compile_jit(hl.get_jit_target_from_environment()))
    result = lambda: out.reshape(out_shape if shape is None else shape)
    return Kernel(lambda: func.realize(buf), result, seconds)


def vars_(*names):
    return [hl.Var(n) for n in names]


# ---- elementwise: tessera's elementwise operator schedules -------------------------------

def ew_1d(f, x):
    xo, xi, xv = vars_("xo", "xi", "xv")
    f.split(x, xo, xi, BLOCK).split(xi, xi, xv, LANES).parallel(xo).vectorize(xv)
    return f


def elementwise(x):
    a1, b = hl.Buffer(x["a1"]), hl.Buffer(x["b"])
    m, row, col = hl.Buffer(x["a"]), hl.Buffer(x["row"]), hl.Buffer(x["col"])
    n, shape2 = x["a1"].size, x["a"].shape

    def one(expr):
        i = hl.Var("i")
        f = hl.Func("C")
        f[i] = expr(i)
        return kernel(ew_1d(f, i), (n,))

    def two(expr):
        j, i, jv = vars_("j", "i", "jv")
        f = hl.Func("C")
        f[j, i] = expr(j, i)
        f.parallel(i).split(j, j, jv, LANES).vectorize(jv)
        return kernel(f, shape2)

    return {
        "add": lambda: one(lambda i: a1[i] + b[i]),
        "exp": lambda: one(lambda i: hl.exp(a1[i])),
        "exp(a)*b+tanh(a)": lambda: one(lambda i: hl.exp(a1[i]) * b[i] + hl.tanh(a1[i])),
        "add (M,K)+(K,)": lambda: two(lambda j, i: m[j, i] + row[j]),
        "add (M,K)+(M,1)": lambda: two(lambda j, i: m[j, i] + col[0, i]),
    }


# ---- sums: tessera's reduction schedules (float32 summed in float64) ----------------------

def sum_rows(x):  # sum axis 1 (Inner): parallel rows, vector partials along the row
    rows, cols = x["a"].shape
    m = hl.Buffer(x["a"])
    i, u = vars_("i", "u")
    r = hl.RDom([(0, cols)])
    s, o = hl.Func("S"), hl.Func("O")
    s[i] = hl.f64(0)
    s[i] += hl.f64(m[r.x, i])
    o[i] = hl.f32(s[i])
    o.parallel(i)
    s.compute_at(o, i)
    ro, ri = hl.RVar("ro"), hl.RVar("ri")
    s.update().split(r.x, ro, ri, LANES)
    rf = s.update().rfactor(ri, u)  # rf[u, i]
    rf.compute_at(o, i).vectorize(u)
    rf.update().reorder(u, ro).vectorize(u)
    return kernel(o, (rows,))


def sum_cols(x):  # sum axis 0 (OuterRows): ROW_PARTS parallel blocks of whole rows, then add
    rows, cols = x["a"].shape
    m = hl.Buffer(x["a"])
    j, p, jv, jl = vars_("j", "p", "jv", "jl")
    r = hl.RDom([(0, rows)])
    s, o = hl.Func("S"), hl.Func("O")
    s[j] = hl.f64(0)
    s[j] += hl.f64(m[j, r.x])
    o[j] = hl.f32(s[j])
    ro, ri = hl.RVar("ro"), hl.RVar("ri")
    s.update().split(r.x, ro, ri, rows // ROW_PARTS)
    rf = s.update().rfactor(ro, p)  # rf[j, p] sums block p of the rows
    rf.compute_root().parallel(p).vectorize(j, LANES)
    rf.update().split(j, jv, jl, LANES).reorder(jl, jv, ri, p).parallel(p).vectorize(jl)
    s.compute_root().vectorize(j, LANES)
    s.update().split(j, jv, jl, LANES).reorder(jl, ro, jv).parallel(jv).vectorize(jl)
    o.split(j, jv, jl, LANES).parallel(jv).vectorize(jl)
    return kernel(o, (cols,))


def sum_all(x):  # full sum (Inner): vector partials of parallel blocks, then in order
    n = x["a1"].size
    a = hl.Buffer(x["a1"])
    z, b, lane = vars_("z", "b", "lane")
    r = hl.RDom([(0, n)])
    s, o = hl.Func("S"), hl.Func("O")
    s[z] = hl.f64(0)
    s[z] += hl.f64(a[r.x])
    o[z] = hl.f32(s[z])
    rb, rk, rl = hl.RVar("rb"), hl.RVar("rk"), hl.RVar("rl")
    s.update().split(r.x, rb, rk, SUM_BLOCK).split(rk, rk, rl, LANES)
    rf = s.update().rfactor([(rb, b), (rl, lane)])  # rf[b, lane, z] sums lane of block b
    rf.compute_root().parallel(b).vectorize(lane)
    rf.update().reorder(lane, rk, b).parallel(b).vectorize(lane)
    s.compute_root()
    return kernel(o, (1,), ())


# ---- softmax and matmul: bench/peer_cases.cpp's schedules -------------------------------

def lane_partials(f, rdom, at, at_var):
    """rfactor of f's reduction into LANES partials, computed at (at, at_var), vectorized."""
    ro, ri = hl.RVar("ro"), hl.RVar("ri")
    u = hl.Var("u")
    f.update().split(rdom.x, ro, ri, LANES)
    rf = f.update().rfactor(ri, u)
    rf.compute_at(at, at_var).vectorize(u)
    rf.update().reorder(u, ro).vectorize(u)


def softmax(x):
    rows, cols = x["a"].shape
    m = hl.Buffer(x["a"])
    j, i, jv = vars_("j", "i", "jv")
    r1, r2 = hl.RDom([(0, cols)]), hl.RDom([(0, cols)])
    mx, e, sm, y = hl.Func("rowmax"), hl.Func("e"), hl.Func("rowsum"), hl.Func("Y")
    mx[i] = hl.Float(32).min()
    mx[i] = hl.max(mx[i], m[r1.x, i])
    e[j, i] = hl.exp(m[j, i] - mx[i])
    sm[i] = hl.f32(0)
    sm[i] += e[r2.x, i]
    y[j, i] = e[j, i] / sm[i]
    y.parallel(i).split(j, j, jv, LANES).vectorize(jv)
    mx.compute_at(y, i)
    lane_partials(mx, r1, y, i)
    sm.compute_at(y, i)
    lane_partials(sm, r2, y, i)
    return kernel(y, (rows, cols))


def matmul(x, n):
    panels = n // TILE_COLS
    a, b = hl.Buffer(x[f"mm{n}_a"]), hl.Buffer(x[f"mm{n}_b"])
    jl, k, jo, i, io, ii = vars_("jl", "k", "jo", "i", "io", "ii")
    r = hl.RDom([(0, n)])
    pb, cc, c = hl.Func("packedB"), hl.Func("CC"), hl.Func("C")
    pb[jl, k, jo] = b[jo * TILE_COLS + jl, k]
    cc[jl, jo, i] = hl.f32(0)
    cc[jl, jo, i] += a[r.x, i] * pb[jl, r.x, jo]
    c[jl, jo, i] = cc[jl, jo, i]  # C is (n, n / 32, 32), as in peer_cases.cpp
    c.split(i, io, ii, TILE_ROWS).reorder(jl, ii, jo, io).vectorize(jl).unroll(ii).parallel(io)
    cc.compute_at(c, jo).vectorize(jl).unroll(i)
    cc.update().reorder(jl, i, jo, r.x).vectorize(jl).unroll(i)
    pb.compute_root().bound(jl, 0, TILE_COLS).parallel(jo).vectorize(jl)
    c.bound(jl, 0, TILE_COLS)
    return kernel(c, (n, panels, TILE_COLS), (n, n))


def halide_cases(x, names):
    i, warm = hl.Var("i"), hl.Func("warm")  # untimed: one-time start-up is no kernel's JIT time
    warm[i] = i + 1
    warm.compile_jit(hl.get_jit_target_from_environment())
    builders = elementwise(x)
    builders.update({"sum axis 0": lambda: sum_cols(x), "sum axis 1": lambda: sum_rows(x),
                     "sum all": lambda: sum_all(x), "softmax rows": lambda: softmax(x)})
    for name in names:
        if name.startswith("matmul "):
            builders[name] = lambda n=int(name.split()[1]): matmul(x, n)
    return {n: builders[n] for n in names if n in builders}
