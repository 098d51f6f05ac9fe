"""TVM (apache-tvm 0.27, TensorIR schedules) on the cases of bench/peers_common.py, with the
compute definitions and schedules of tessera's kernels (bench/peer_cases.cpp and the
schedules of tessera's elementwise and reduction operators), factor for factor.

TVM 0.27 has no te.create_schedule: a te compute becomes a PrimFunc (te.create_prim_func)
that tvm.s_tir.Schedule transforms; its primitives map one to one onto tessera's (split,
reorder, parallel, vectorize, unroll, rfactor, compute_at, cache_write). Shapes are static
(TVM's symbolic-shape tails scalarize vector loops); tessera's built-in operators take any
shape. Each function returns {case: builder}; a builder returns the case's Kernel.
"""
import numpy as np
import tvm
from tvm import te
from tvm.s_tir import Schedule
from tvm.target import codegen

from peers_common import BLOCK, LANES, ROW_PARTS, SUM_BLOCK, TILE_COLS, TILE_ROWS, Kernel, timed_compile

F32, F64 = "float32", "float64"


def target():
    return tvm.target.Target({"kind": "llvm", "mcpu": codegen.llvm_get_system_cpu()})


def compile_(tensors, schedule):
    sch = Schedule(te.create_prim_func(tensors))
    schedule(sch)
    return tvm.compile(sch.mod, target=target())["main"]


def kernel(tensors, schedule, args, out, shape=None):
    """Compiles (timed) and binds the arguments; `shape` reshapes the result for checking."""
    fn, seconds = timed_compile(lambda: compile_(tensors, schedule))
    dev = [tvm.runtime.tensor(a) for a in args] + [tvm.runtime.tensor(np.empty(out[0], out[1]))]
    result = lambda: dev[-1].numpy().reshape(out[0] if shape is None else shape)
    return Kernel(lambda: fn(*dev), result, seconds)


def lanes_rfactor(sch, block):
    """rfactor of the LANES-wide inner split of the block's last (reduction) loop: a stage of
    partial results, one vector per output element."""
    _, ki = sch.split(sch.get_loops(block)[-1], [None, LANES])
    return sch.rfactor(ki, factor_axis=0)


def vector_partials(sch, rf, at_loop):
    """The partials of lanes_rfactor computed at at_loop, reduction outside the vector lanes."""
    sch.compute_at(rf, at_loop)
    lane, k = sch.get_loops(rf)[-2:]
    sch.reorder(k, lane)
    sch.vectorize(lane)
    sch.vectorize(sch.get_loops(sch.decompose_reduction(rf, k))[-1])
    sch.set_scope(rf, 0, "local")


# ---- elementwise: tessera's elementwise operator schedules -------------------------------

def ew_1d(sch):  # rank 1: parallel blocks of BLOCK elements, vectors inside
    (i,) = sch.get_loops(sch.get_sblock("C"))
    blocks, _, lane = sch.split(i, [None, BLOCK // LANES, LANES])
    sch.parallel(blocks)
    sch.vectorize(lane)


def ew_2d(sch):  # rank 2 (strided in tessera): parallel rows, vectors along the row
    i, j = sch.get_loops(sch.get_sblock("C"))
    sch.parallel(i)
    sch.vectorize(sch.split(j, [None, LANES])[1])


def elementwise(x, names):
    n, (r, c) = x["a1"].size, x["a"].shape
    A, B = te.placeholder((n,), F32, "A"), te.placeholder((n,), F32, "B")
    M, Row, Col = te.placeholder((r, c), F32, "M"), te.placeholder((c,), F32, "Row"), te.placeholder((r, 1), F32, "Col")
    one = lambda f, *ins: te.compute((n,), lambda i: f(*(t[i] for t in ins)), name="C")
    return {
        "add": lambda: kernel([A, B, one(lambda a, b: a + b, A, B)], ew_1d, [x["a1"], x["b"]], ((n,), F32)),
        "exp": lambda: kernel([A, one(te.exp, A)], ew_1d, [x["a1"]], ((n,), F32)),
        "exp(a)*b+tanh(a)": lambda: kernel([A, B, one(lambda a, b: te.exp(a) * b + te.tanh(a), A, B)], ew_1d,
                                           [x["a1"], x["b"]], ((n,), F32)),
        "add (M,K)+(K,)": lambda: kernel([M, Row, te.compute((r, c), lambda i, j: M[i, j] + Row[j], name="C")], ew_2d,
                                         [x["a"], x["row"]], ((r, c), F32)),
        "add (M,K)+(M,1)": lambda: kernel([M, Col, te.compute((r, c), lambda i, j: M[i, j] + Col[i, 0], name="C")],
                                          ew_2d, [x["a"], x["col"]], ((r, c), F32)),
    }


# ---- sums: tessera's reduction schedules (float32 summed in float64) ----------------------

def sum_rows(x):  # sum axis 1 (Inner): parallel rows, vector partials along the row
    r, c = x["a"].shape
    X = te.placeholder((r, c), F32, "X")
    k = te.reduce_axis((0, c), "k")
    S = te.compute((r,), lambda i: te.sum(X[i, k].astype(F64), axis=k), name="S")
    O = te.compute((r,), lambda i: S[i].astype(F32), name="O")

    def schedule(sch):
        s = sch.get_sblock("S")
        rf = lanes_rfactor(sch, s)
        (i,) = sch.get_loops(sch.get_sblock("O"))
        sch.parallel(i)
        sch.compute_at(s, i)
        sch.set_scope(s, 0, "local")
        vector_partials(sch, rf, i)

    return kernel([X, O], schedule, [x["a"]], ((r,), F32))


def sum_cols(x):  # sum axis 0 (OuterRows): ROW_PARTS parallel blocks of whole rows, then add
    r, c = x["a"].shape
    X = te.placeholder((r, c), F32, "X")
    k = te.reduce_axis((0, r), "k")
    S = te.compute((c,), lambda j: te.sum(X[k, j].astype(F64), axis=k), name="S")
    O = te.compute((c,), lambda j: S[j].astype(F32), name="O")

    def schedule(sch):
        s = sch.get_sblock("S")
        j, kk = sch.get_loops(s)
        part, _ = sch.split(kk, [ROW_PARTS, None])
        rf = sch.rfactor(part, factor_axis=0)  # rf[part, j] sums its block of rows
        jj, p, ki = sch.get_loops(rf)
        jv, jl = sch.split(jj, [None, LANES])
        sch.reorder(p, ki, jv, jl)
        sch.parallel(p)
        sch.vectorize(jl)
        sch.decompose_reduction(rf, ki)
        j, p = sch.get_loops(s)
        jv, jl = sch.split(j, [None, LANES])
        sch.reorder(jv, p, jl)
        sch.parallel(jv)
        sch.vectorize(jl)
        sch.decompose_reduction(s, p)
        (o,) = sch.get_loops(sch.get_sblock("O"))
        ov, ol = sch.split(o, [None, LANES])
        sch.parallel(ov)
        sch.vectorize(ol)

    return kernel([X, O], schedule, [x["a"]], ((c,), F32))


def sum_all(x):  # full sum (Inner): vector partials of parallel blocks, then in order
    n = x["a1"].size
    X = te.placeholder((n,), F32, "X")
    k = te.reduce_axis((0, n), "k")
    S = te.compute((1,), lambda _: te.sum(X[k].astype(F64), axis=k), name="S")
    O = te.compute((1,), lambda _: S[0].astype(F32), name="O")  # 0-d breaks TVM's rfactor

    def schedule(sch):
        s = sch.get_sblock("S")
        _, kk = sch.get_loops(s)
        blk, k, lane = sch.split(kk, [None, SUM_BLOCK // LANES, LANES])
        sch.reorder(blk, lane, k)
        # TVM cannot rfactor an rfactor stage, so (block, lane) is one fused partial axis.
        part = sch.rfactor(sch.fuse(blk, lane), factor_axis=0)  # part[b * LANES + l]
        p, k = sch.get_loops(part)[-2:]
        b, l = sch.split(p, [None, LANES])
        sch.reorder(b, k, l)
        sch.parallel(b)
        sch.vectorize(l)
        sch.vectorize(sch.get_loops(sch.decompose_reduction(part, k))[-1])

    return kernel([X, O], schedule, [x["a1"]], ((1,), F32), ())


# ---- softmax and matmul: bench/peer_cases.cpp's schedules -------------------------------

def softmax(x):
    r, c = x["a"].shape
    X = te.placeholder((r, c), F32, "X")
    k1, k2 = te.reduce_axis((0, c), "k1"), te.reduce_axis((0, c), "k2")
    mx = te.compute((r,), lambda i: te.max(X[i, k1], axis=k1), name="rowmax")
    e = te.compute((r, c), lambda i, j: te.exp(X[i, j] - mx[i]), name="e")
    sm = te.compute((r,), lambda i: te.sum(e[i, k2], axis=k2), name="rowsum")
    Y = te.compute((r, c), lambda i, j: e[i, j] / sm[i], name="Y")

    def schedule(sch):
        sch.compute_inline(sch.get_sblock("e"))
        i, j = sch.get_loops(sch.get_sblock("Y"))
        sch.parallel(i)
        sch.vectorize(sch.split(j, [None, LANES])[1])
        m, s = sch.get_sblock("rowmax"), sch.get_sblock("rowsum")
        rf_m, rf_s = lanes_rfactor(sch, m), lanes_rfactor(sch, s)
        sch.compute_at(s, i)  # TVM moves a block only once every reader is under the loop
        sch.set_scope(s, 0, "local")
        vector_partials(sch, rf_s, i)
        sch.compute_at(m, i)
        sch.set_scope(m, 0, "local")
        vector_partials(sch, rf_m, i)

    return kernel([X, Y], schedule, [x["a"]], ((r, c), F32))


def matmul(x, n):
    panels = n // TILE_COLS
    A, B = te.placeholder((n, n), F32, "A"), te.placeholder((n, n), F32, "B")
    PB = te.compute((panels, n, TILE_COLS), lambda jo, k, jl: B[k, jo * TILE_COLS + jl], name="packedB")
    k = te.reduce_axis((0, n), "k")
    C = te.compute((n, panels, TILE_COLS), lambda i, jo, jl: te.sum(A[i, k] * PB[jo, k, jl], axis=k), name="C")

    def schedule(sch):
        c = sch.get_sblock("C")
        out = sch.cache_write(c, 0, "local")  # c now accumulates in local memory
        i, jo, jl, kk = sch.get_loops(c)
        io, ii = sch.split(i, [None, TILE_ROWS])
        sch.reorder(io, jo, kk, ii, jl)
        sch.parallel(io)
        sch.unroll(ii)
        sch.vectorize(jl)
        sch.reverse_compute_at(out, jo)
        oi, oj = sch.get_loops(out)[-2:]  # the tile's rows and columns (jo's extent-1 loop folds)
        sch.unroll(oi)
        sch.vectorize(oj)
        sch.decompose_reduction(c, kk)
        ii_init, jl_init = sch.get_loops(sch.get_sblock("C_init"))[-2:]
        sch.unroll(ii_init)
        sch.vectorize(jl_init)
        p, _, pl = sch.get_loops(sch.get_sblock("packedB"))
        sch.parallel(p)
        sch.vectorize(pl)

    return kernel([A, B, C], schedule, [x[f"mm{n}_a"], x[f"mm{n}_b"]], ((n, panels, TILE_COLS), F32),
                  (n, n))


def tvm_cases(x, names):
    A = te.placeholder((LANES,), F32, "A")  # untimed: one-time start-up is no kernel's JIT time
    compile_([A, te.compute((LANES,), lambda i: A[i] + 1, name="C")], lambda sch: None)
    builders = elementwise(x, names)
    builders.update({"sum axis 0": lambda: sum_cols(x), "sum axis 1": lambda: sum_rows(x),
                     "sum all": lambda: sum_all(x), "softmax rows": lambda: softmax(x)})
    for name in names:
        if name.startswith("matmul "):
            builders[name] = lambda n=int(name.split()[1]): matmul(x, n)
    return {n: builders[n] for n in names if n in builders}
