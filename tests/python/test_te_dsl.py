"""The Python tensor-expression DSL (ts.te, ts.lower, ts.build) against NumPy.

Kernels run on random data; expected values come from NumPy (float results exact where the
kernel computes what NumPy computes in the same order, else allclose at the dtype's
precision). Error tests check the Python exception type NumPy would raise.
"""
import numpy as np
import pytest

import tessera as ts

te = ts.te
RNG = np.random.default_rng(7)


def rand(shape, dtype="float32", lo=-10, hi=10):
    dt = np.dtype(dtype)
    if dt.kind in "iu":
        return RNG.integers(max(lo, np.iinfo(dt).min), min(hi, np.iinfo(dt).max), shape, endpoint=True).astype(dt)
    if dt == np.bool_:
        return RNG.integers(0, 2, shape).astype(bool)
    return RNG.uniform(lo, hi, shape).astype(dt)


def vadd_schedule(dtype="float32"):
    n = te.size_var("n")
    A = te.placeholder((n,), dtype, name="A")
    B = te.placeholder((n,), dtype, name="B")
    C = te.compute((n,), lambda i: A[i] + B[i], name="C")
    s = te.create_schedule(C.op)
    xo, xi = s[C].split(C.op.axis[0], factor=16)
    s[C].parallel(xo)
    s[C].vectorize(xi)
    return s, [A, B, C]


# ---- building and running kernels ----------------------------------------------------------

@pytest.mark.parametrize("n", [0, 1, 15, 16, 17, 1000])
def test_vadd_split_parallel_vectorize(n):
    s, args = vadd_schedule()
    f = ts.build(s, args, "vadd")
    a, b = rand(n), rand(n)
    c = np.full(n, np.nan, np.float32)
    f(a, b, c)
    np.testing.assert_array_equal(c, a + b)


def test_lower_prints_readable_ir():
    s, args = vadd_schedule()
    text = str(ts.lower(s, args, "vadd"))
    assert text.startswith("kernel vadd(A: float32[n], B: float32[n], C: float32[n] out):")
    assert "parallel for i.outer" in text
    assert "vector for i.inner in [0, 16)" in text
    assert "C[" in text and "A[" in text
    assert "assert" in ts.lower(s, args, "vadd").kernel_ir  # the packed kernel checks its arguments


def test_stream_stores_chooses_at_run_time_and_equals_numpy():
    s, args = vadd_schedule()
    s[args[2]].stream_stores()
    text = str(ts.lower(s, args, "vadd_stream", contiguous=True))
    assert "streaming C[" in text  # the hint; the run-time versioning is in the kernel (C++ golden tests)
    f = ts.build(s, args, "vadd_stream", contiguous=True)
    for n in [17, (1 << 22) + 5]:  # below and (with the default threshold) above it
        a, b = rand(n), rand(n)
        c = np.full(n, np.nan, np.float32)
        f(a, b, c)
        np.testing.assert_array_equal(c, a + b)


def test_stream_stores_refuses_intermediates():
    n = te.size_var("n")
    A = te.placeholder((n,), "float32", name="A")
    P = te.compute((n,), lambda i: A[i] * 2, name="P")
    C = te.compute((n,), lambda i: P[i] + 1, name="C")
    s = te.create_schedule(C.op)
    with pytest.raises(ValueError, match="only a kernel output"):
        s[P].stream_stores()


def test_strided_and_broadcast_views():
    n0, n1 = te.size_var("n0"), te.size_var("n1")
    A = te.placeholder((n0, n1), "float64", name="A")
    B = te.placeholder((n1,), "float64", name="B")
    C = te.compute((n0, n1), lambda i, j: A[i, j] * B[j] - 1.5, name="C")
    s = te.create_schedule(C.op)
    f = ts.build(s, [A, B, C], "scale_rows")
    a = rand((8, 12), "float64")[::2, ::-1]  # non-contiguous, negative strides
    b = rand(12, "float64")
    c = np.empty((4, 12))
    f(a, b, c)
    np.testing.assert_array_equal(c, a * b - 1.5)
    # The contiguous specialization refuses nothing compact and computes the same.
    g = ts.build(s, [A, B, C], "scale_rows_c", contiguous=True)
    a = np.ascontiguousarray(a)
    g(a, b, c)
    np.testing.assert_array_equal(c, a * b - 1.5)


def test_scalar_arguments():
    n = te.size_var("n")
    alpha = te.var("alpha", "float64")
    shift = te.var("shift")
    X = te.placeholder((n,), "float64", name="X")
    Y = te.compute((n,), lambda i: X[i] * alpha + shift, name="Y")
    f = ts.build(te.create_schedule(Y.op), [X, Y, alpha, shift], "axpb")
    x = rand(50, "float64")
    y = np.empty_like(x)
    f(x, y, 2.5, 3)
    np.testing.assert_array_equal(y, x * 2.5 + np.float64(3))


def test_dlpack_inputs():
    class OnlyDLPack:  # an array that speaks DLPack only (like a framework tensor)
        def __init__(self, a):
            self._a = a

        def __dlpack__(self, **kwargs):
            return self._a.__dlpack__(**kwargs)

        def __dlpack_device__(self):
            return self._a.__dlpack_device__()

    s, args = vadd_schedule()
    f = ts.build(s, args, "vadd_dl")
    a, b, c = rand(40), rand(40), np.empty(40, np.float32)
    f(OnlyDLPack(a), OnlyDLPack(b), OnlyDLPack(c))
    np.testing.assert_array_equal(c, a + b)


# ---- expressions: promotion, math, selects, casts --------------------------------------------

DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float16", "float32", "float64"]


@pytest.mark.parametrize("da", DTYPES)
def test_binary_promotion_is_numpy(da):
    A = te.placeholder((4,), da, name="A")
    for db in DTYPES:
        B = te.placeholder((4,), db, name="B")
        want = np.result_type(np.dtype(da), np.dtype(db)).name
        assert (A[0] * B[0]).dtype == want, (da, db)
        assert te.maximum(A[0], B[0]).dtype == want


@pytest.mark.parametrize("dtype", ["int8", "uint16", "float16", "float32"])
def test_python_scalars_are_weak(dtype):
    A = te.placeholder((4,), dtype, name="A")
    assert (A[0] * 2).dtype == dtype
    assert (3 - A[0]).dtype == dtype
    assert (A[0] + 1.5).dtype == np.result_type(np.dtype(dtype), 1.5).name
    assert (A[0] / A[0]).dtype == np.result_type(np.true_divide(np.ones(1, dtype), np.ones(1, dtype))).name
    assert (A[0] + np.float64(1)).dtype == np.result_type(np.dtype(dtype), np.float64).name  # NumPy scalars are strong


def run_unary(fexpr, x, out_dtype=None):
    n = te.size_var("n")
    X = te.placeholder((n,), x.dtype.name, name="X")
    Y = te.compute((n,), lambda i: fexpr(X[i]), name="Y")
    f = ts.build(te.create_schedule(Y.op), [X, Y], "unary")
    y = np.empty(x.shape, out_dtype or Y.dtype)
    f(x, y)
    return y


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "tanh", "sin", "cos", "expm1", "log1p", "atan", "sinh"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_math_functions(name, dtype):
    x = rand(257, dtype, 0.01, 4.0)
    got = run_unary(getattr(te, name), x)
    want = getattr(np, name)(x.astype(np.float64)).astype(dtype)
    rtol = 8 * np.finfo(dtype).eps  # libmvec: at most 4 ULP
    np.testing.assert_allclose(got, want, rtol=rtol, atol=0)


def test_operators_and_floor_semantics():
    x = rand(200, "int32", -50, 50)
    x[x == 0] = 7
    got = run_unary(lambda v: (v // 3) * 1000 + (v % 7), x)
    np.testing.assert_array_equal(got, (x // 3) * 1000 + (x % 7))
    got = run_unary(lambda v: v / 4, x)  # true division of integers is float64
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, x / 4)
    got = run_unary(lambda v: -(v ** 2) + abs(v) - (~v), x)
    np.testing.assert_array_equal(got, -(x ** 2) + abs(x) - (~x))
    u = rand(50, "uint8", 0, 255)
    np.testing.assert_array_equal(run_unary(lambda v: abs(v) + (v >> 1), u), np.abs(u) + (u >> 1))


def test_select_if_then_else_and_logic():
    x = rand(300, "float32")
    x[:4] = [np.nan, 0.0, -0.0, np.inf]
    relu = run_unary(lambda v: te.if_then_else(v > 0, v, 0.0), x)
    np.testing.assert_array_equal(relu, np.where(x > 0, x, np.float32(0)))
    band = run_unary(lambda v: te.select(te.all(v > -2, v < 2), v, -v), x)
    np.testing.assert_array_equal(band, np.where((x > -2) & (x < 2), x, -x))
    outside = run_unary(lambda v: te.any(v < -5, v > 5, te.isnan(v)), x)
    np.testing.assert_array_equal(outside, (x < -5) | (x > 5) | np.isnan(x))


def test_casts_astype():
    x = rand(100, "float32", -300, 300)
    got = run_unary(lambda v: v.astype("int16"), x)
    np.testing.assert_array_equal(got, x.astype(np.int16))
    got = run_unary(lambda v: te.cast(v, np.float64) * 3, x)
    np.testing.assert_array_equal(got, x.astype(np.float64) * 3)


# ---- reductions ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["sum", "max", "min", "prod"])
def test_row_reductions(name):
    n, m = te.size_var("n"), te.size_var("m")
    A = te.placeholder((n, m), "float64", name="A")
    k = te.reduce_axis(m, name="k")
    R = te.compute((n,), lambda i: getattr(te, name)(A[i, k], axis=k), name="R")
    f = ts.build(te.create_schedule(R.op), [A, R], "rows")
    a = rand((7, 13), "float64", 0.5, 1.5)
    r = np.empty(7)
    f(a, r)
    np.testing.assert_allclose(r, getattr(np, name)(a, axis=1), rtol=1e-13)


def test_reduction_with_where_and_range():
    n = te.size_var("n")
    A = te.placeholder((n,), "int64", name="A")
    k = te.reduce_axis((2, 10), name="k")  # [2, 10)
    S = te.compute((1,), lambda _: te.sum(A[k], axis=k, where=A[k] > 0), name="S")
    f = ts.build(te.create_schedule(S.op), [A, S], "partial")
    a = rand(12, "int64", -5, 5)
    s = np.zeros(1, np.int64)
    f(a, s)
    part = a[2:10]
    assert s[0] == part[part > 0].sum()


def test_matmul_with_tile_reorder_and_two_axes():
    n = 24
    A = te.placeholder((n, n), "float32", name="A")
    B = te.placeholder((n, n), "float32", name="B")
    k = te.reduce_axis(n, name="k")
    C = te.compute((n, n), lambda i, j: te.sum(A[i, k].astype("float64") * B[k, j], axis=k), name="C")
    s = te.create_schedule(C.op)
    io, jo, ii, ji = s[C].tile(C.op.axis[0], C.op.axis[1], 8, 8)
    s[C].reorder(io, jo, k, ii, ji)
    s[C].parallel(io)
    s[C].unroll(ii)
    f = ts.build(s, [A, B, C], "mm")
    a, b = rand((n, n), lo=-1, hi=1), rand((n, n), lo=-1, hi=1)
    c = np.empty((n, n))
    f(a, b, c)
    np.testing.assert_allclose(c, a.astype(np.float64) @ b.astype(np.float64), rtol=1e-12, atol=1e-12)


def test_comm_reducer_argmax_tuple():
    def combine(x, y):
        take = y[1] > x[1]
        return te.select(take, y[0], x[0]), te.select(take, y[1], x[1])

    def identity(t0, t1):
        return te.const(-1, t0), te.const(-np.inf, t1)

    argmax = te.comm_reducer(combine, identity, name="argmax")
    n, m = te.size_var("n"), te.size_var("m")
    A = te.placeholder((n, m), "float32", name="A")
    k = te.reduce_axis(m, name="k")
    idx, val = te.compute((n,), lambda i: argmax((k.var, A[i, k]), axis=k), name="R")
    f = ts.build(te.create_schedule(idx.op), [A, idx, val], "argmax")
    a = rand((9, 31))
    i_out, v_out = np.empty(9, np.int64), np.empty(9, np.float32)
    f(a, i_out, v_out)
    np.testing.assert_array_equal(i_out, a.argmax(axis=1))
    np.testing.assert_array_equal(v_out, a.max(axis=1))


def test_custom_single_reducer_and_elementwise_combine():
    mysum = te.comm_reducer(lambda x, y: x + y, lambda t: te.const(0, t), name="mysum")
    n = te.size_var("n")
    A = te.placeholder((n,), "int32", name="A")
    assert mysum(A[0], A[1]).dtype == "int32"  # two expressions: the combiner itself
    k = te.reduce_axis(n)
    S = te.compute((1,), lambda _: mysum(A[k], axis=k), name="S")
    f = ts.build(te.create_schedule(S.op), [A, S], "mysum")
    a = rand(100, "int32")
    s = np.empty(1, np.int32)
    f(a, s)
    assert s[0] == a.sum(dtype=np.int32)


def test_rfactor_split_reduction():
    n = te.size_var("n")
    A = te.placeholder((n,), "float64", name="A")
    k = te.reduce_axis(n, name="k")
    S = te.compute((1,), lambda _: te.sum(A[k], axis=k), name="S")
    s = te.create_schedule(S.op)
    ko, ki = s[S].split(k, factor=8)
    partial = s.rfactor(S, ki)
    assert partial.ndim == 2
    f = ts.build(s, [A, S], "rsum")
    a = rand(1001, "float64")
    out = np.empty(1)
    f(a, out)
    np.testing.assert_allclose(out[0], a.sum(), rtol=1e-12)


# ---- multi-stage schedules -------------------------------------------------------------------

def two_stage():
    n = te.size_var("n")
    A = te.placeholder((n,), "float32", name="A")
    T = te.compute((n,), lambda i: A[i] * 2, name="T")
    C = te.compute((n,), lambda i: T[i] + 1, name="C")
    return A, T, C


@pytest.mark.parametrize("how", ["inline", "root", "at", "cache_read", "cache_write"])
def test_stage_placement(how):
    A, T, C = two_stage()
    s = te.create_schedule(C.op)
    if how == "cache_write":  # before C's other primitives
        CL = s.cache_write(C, "local")
    xo, xi = s[C].split(s[C].op.axis[0], factor=8)  # C's stage may have a rewritten operation
    if how == "inline":
        s[T].compute_inline()
    elif how == "root":
        s[T].compute_root()
    elif how == "at":
        s[T].compute_at(s[C], xo)
    elif how == "cache_read":
        AA = s.cache_read(A, "local", [T])
        assert s[T].op.input_tensors == [AA] and s[AA].scope == "local"
        s[T].compute_at(s[C], xo)
    else:
        s[CL].compute_at(s[C], xo)
    f = ts.build(s, [A, C], "two_" + how)
    a = rand(37)
    c = np.empty_like(a)
    f(a, c)
    np.testing.assert_array_equal(c, a * 2 + 1)
    text = str(ts.lower(s, [A, C], "two"))
    assert ("T[" in text) == (how != "inline")


def test_multi_output_compute():
    n = te.size_var("n")
    A = te.placeholder((n,), "int32", name="A")
    B = te.placeholder((n,), "int32", name="B")
    S, D = te.compute((n,), lambda i: (A[i] + B[i], A[i] - B[i]), name="SD")
    assert S.op == D.op and (S.value_index, D.value_index) == (0, 1)
    s = te.create_schedule(S.op)
    s[S].parallel(s[S].fuse(*S.op.axis))
    f = ts.build(s, [A, B, S, D], "sumdiff")
    a, b = rand(64, "int32"), rand(64, "int32")
    out_s, out_d = np.empty(64, np.int32), np.empty(64, np.int32)
    f(a, b, out_s, out_d)
    np.testing.assert_array_equal(out_s, a + b)
    np.testing.assert_array_equal(out_d, a - b)


def test_zero_dim_and_fuse_of_no_axes():
    A = te.placeholder((), "float64", name="A")
    C = te.compute((), lambda *i: A[i] * 3, name="C")
    s = te.create_schedule(C.op)
    fused = s[C].fuse(*C.op.axis)  # no axes: the unit axis, annotations do nothing
    s[C].parallel(fused)
    f = ts.build(s, [A, C], "scalar")
    a, c = np.array(2.5), np.array(0.0)
    f(a, c)
    assert c == 7.5


def test_introspection():
    n = te.size_var("n")
    A = te.placeholder((n, 4), "float32", name="A")
    C = te.compute((n, 4), lambda i, j: A[i, j] + 1, name="C")
    assert [str(e) for e in C.shape] == ["n", "4"] and C.dtype == "float32" and C.ndim == 2
    assert [ax.name for ax in C.op.axis] == ["i", "j"]
    assert C.op.input_tensors == [A] and A.op.kind == "placeholder"
    s = te.create_schedule(C.op)
    xo, xi = s[C].split(C.op.axis[1], nparts=2)
    assert [iv.name for iv in s[C].leaf_iter_vars] == ["i", "j.outer", "j.inner"]
    assert {st.name for st in s.stages} == {"A", "C"}


# ---- errors ----------------------------------------------------------------------------------

def test_index_errors():
    A = te.placeholder((3, 4), "float32", name="A")
    with pytest.raises(IndexError):
        te.compute((3,), lambda i: A[i], name="C")
    with pytest.raises(IndexError):
        te.compute((3, 4), lambda i, j: A[i, 1.5], name="C")
    with pytest.raises(IndexError):
        A.op.output(1)


def test_type_errors_in_expressions():
    A = te.placeholder((3,), "float32", name="A")
    with pytest.raises(TypeError):
        A[0] & A[1]  # bitwise on floats
    with pytest.raises(TypeError):
        bool(A[0] > 1)
    with pytest.raises(TypeError):
        if A[0] > 0:  # noqa: expressions have no truth value
            pass
    with pytest.raises(TypeError):
        A[0] + "x"
    with pytest.raises(TypeError):
        te.placeholder((3,), "complex512", name="Z")
    with pytest.raises(TypeError):
        te.reduce_axis(2.5)
    with pytest.raises(TypeError):
        te.exp(object())
    with pytest.raises(OverflowError):
        A[0] + 2 ** 80


def test_schedule_errors_name_stage_and_axis():
    A, T, C = two_stage()
    s = te.create_schedule(C.op)
    with pytest.raises(ValueError, match="stage C"):
        s[C].parallel(T.op.axis[0])  # an axis of another stage
    xo, xi = s[C].split(C.op.axis[0], factor=4)
    with pytest.raises(ValueError, match="C"):
        s[C].split(C.op.axis[0], factor=4)  # already split
    with pytest.raises(TypeError):
        s[C].split(xo)  # neither factor nor nparts
    with pytest.raises(ValueError):
        te.create_schedule(A.op)  # a placeholder is not a compute
    with pytest.raises(TypeError):
        s[object()]
    s2 = te.create_schedule(C.op)
    s2[C].bind(s2[C].op.axis[0], "threadIdx.x")
    with pytest.raises(ValueError, match="threadIdx.x"):
        ts.build(s2, [A, C], "gpu_loop_on_cpu")  # a GPU binding the CPU backend cannot run


def test_compute_errors():
    n = te.size_var("n")
    A = te.placeholder((n,), "float32", name="A")
    outside = A[0]
    with pytest.raises(ValueError):
        te.compute((n,), lambda i: outside, name="C")  # a read made outside compute
    with pytest.raises(ZeroDivisionError):
        te.compute((n,), lambda i: 1 / 0, name="C")  # the function's own error propagates
    with pytest.raises(ValueError):
        te.placeholder((-1,), "float32", name="B")


def test_kernel_call_errors():
    s, args = vadd_schedule()
    f = ts.build(s, args, "vadd_err")
    a = rand(8)
    with pytest.raises(TypeError):
        f(a, a)  # too few arguments
    with pytest.raises(TypeError):
        f(a, a.astype(np.float64), np.empty(8, np.float32))  # dtype
    with pytest.raises(ValueError):
        f(a, a.reshape(2, 4), np.empty(8, np.float32))  # rank
    with pytest.raises(ValueError):
        f(a, rand(9), np.empty(8, np.float32))  # shapes differ (the kernel's own check)
    ro = np.empty(8, np.float32)
    ro.flags.writeable = False
    with pytest.raises(ValueError):
        f(a, a, ro)
    with pytest.raises(TypeError):
        f(a, a, [0.0] * 8)  # outputs must be arrays
    with pytest.raises(ValueError):
        ts.build(s, args, "not an identifier")
