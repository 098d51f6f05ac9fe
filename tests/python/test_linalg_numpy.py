"""ts.linalg against numpy.linalg (NumPy 2) on random inputs: float32/float64 (and integer
inputs where NumPy accepts them), batched stacks, size 0, non-contiguous views, and bad
input (wrong ndim, non-square, singular, not positive definite, bad axis)."""
import inspect
import math

import numpy as np
import pytest

import tessera as ts

RNG = np.random.default_rng(7)
FLOATS = ["float32", "float64"]


def rand(shape, dtype):
    if np.dtype(dtype).kind in "iu":
        return RNG.integers(-5, 6, size=shape).astype(dtype)
    return RNG.standard_normal(shape).astype(dtype)


def well_conditioned(shape, dtype):
    """Random square matrices plus n * I, so that inverses and solves are accurate."""
    n = shape[-1]
    return (rand(shape, "float64") + n * np.eye(n)).astype(dtype)


def spd(shape, dtype):
    a = rand(shape, "float64")
    return (a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])).astype(dtype)


def check(got, want, rtol=None):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, (got.shape, want.shape)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    if want.dtype.kind == "f":
        tol = rtol if rtol is not None else {4: 1e-4, 8: 1e-10}[want.dtype.itemsize]
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol, equal_nan=True)
    else:
        np.testing.assert_array_equal(got, want)


def views(a):
    yield a
    if a.ndim >= 2:
        yield np.swapaxes(a, -1, -2)
    if a.ndim >= 1 and a.shape[0] > 1:
        yield a[::-1]


BATCHES = [(), (3,), (2, 2), (0,)]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("batch", BATCHES)
@pytest.mark.parametrize("n", [0, 1, 2, 5])
def test_factorizations(dtype, batch, n):
    shape = batch + (n, n)
    a = well_conditioned(shape, dtype)
    for v in views(a):
        t = ts.asarray(v)
        check(ts.linalg.inv(t), np.linalg.inv(v))
        check(ts.linalg.det(t), np.linalg.det(v), 1e-3 if dtype == "float32" else 1e-9)
        sign, logabs = ts.linalg.slogdet(t)
        want = np.linalg.slogdet(v)
        check(sign, want.sign)
        check(logabs, want.logabsdet, 1e-3 if dtype == "float32" else None)
        b = rand(batch + (n, 3), dtype)
        check(ts.linalg.solve(t, ts.asarray(b)), np.linalg.solve(v, b), 1e-3 if dtype == "float32" else None)
    s = spd(shape, dtype)
    check(ts.linalg.cholesky(ts.asarray(s)), np.linalg.cholesky(s), 1e-3 if dtype == "float32" else None)
    check(ts.linalg.cholesky(ts.asarray(s), upper=True), np.linalg.cholesky(s, upper=True),
          1e-3 if dtype == "float32" else None)


def test_solve_vector_and_broadcast():
    a = well_conditioned((2, 3, 4, 4), "float64")
    b = rand((4,), "float64")
    check(ts.linalg.solve(ts.asarray(a), ts.asarray(b)), np.linalg.solve(a, b))
    b2 = rand((3, 4, 2), "float64")
    check(ts.linalg.solve(ts.asarray(a), ts.asarray(b2)), np.linalg.solve(a, b2))
    a1 = well_conditioned((4, 4), "float32")
    b3 = rand((5, 4, 1), "float32")
    check(ts.linalg.solve(ts.asarray(a1), ts.asarray(b3)), np.linalg.solve(a1, b3), 1e-4)


@pytest.mark.parametrize("dtype", ["int32", "int64", "bool"])
def test_integer_inputs_compute_in_float64(dtype):
    a = np.array([[2, 1], [1, 3]], dtype)
    if dtype == "bool":
        a = np.array([[True, False], [True, True]])
    check(ts.linalg.det(ts.asarray(a)), np.linalg.det(a))
    check(ts.linalg.inv(ts.asarray(a)), np.linalg.inv(a))


def test_singular_and_not_positive_definite():
    sing = np.array([[1.0, 2.0], [2.0, 4.0]])
    check(ts.linalg.det(ts.asarray(sing)), np.linalg.det(sing))
    sign, logabs = ts.linalg.slogdet(ts.asarray(sing))
    assert float(sign) == 0.0 and float(logabs) == -math.inf
    for fn in (ts.linalg.inv, lambda t: ts.linalg.solve(t, ts.asarray(np.ones(2)))):
        with pytest.raises(ValueError, match="Singular"):  # NumPy: LinAlgError, a ValueError
            fn(ts.asarray(sing))
    with pytest.raises(ValueError, match="positive definite"):
        ts.linalg.cholesky(ts.asarray(np.array([[1.0, 2.0], [2.0, 1.0]])))
    assert issubclass(np.linalg.LinAlgError, ValueError)


def test_bad_shapes():
    for fn in (ts.linalg.inv, ts.linalg.det, ts.linalg.cholesky, ts.linalg.slogdet, ts.linalg.diagonal,
               ts.linalg.trace, ts.linalg.matrix_norm):
        with pytest.raises(ValueError):
            fn(ts.asarray(np.ones(3)))
        with pytest.raises(ValueError):
            fn(ts.asarray(np.float64(1.0)))
    for fn in (ts.linalg.inv, ts.linalg.det, ts.linalg.cholesky):
        with pytest.raises(ValueError):
            fn(ts.asarray(np.ones((2, 3))))
    with pytest.raises(TypeError):
        ts.linalg.inv(ts.asarray(np.eye(2, dtype=np.float16)))
    with pytest.raises(ValueError):
        ts.linalg.solve(ts.asarray(np.eye(3)), ts.asarray(np.ones(4)))
    with pytest.raises(ValueError):
        ts.linalg.outer(ts.asarray(np.ones((2, 2))), ts.asarray(np.ones(2)))
    with pytest.raises(ValueError):
        ts.linalg.cross(ts.asarray(np.ones((2, 2))), ts.asarray(np.ones((2, 2))))
    with pytest.raises(ValueError):
        ts.linalg.cross(ts.asarray(np.ones((2, 3))), ts.asarray(np.ones((2, 3))), axis=2)
    with pytest.raises(ValueError):
        ts.linalg.vector_norm(ts.asarray(np.ones((2, 3))), axis=2)
    with pytest.raises(ValueError):
        ts.linalg.matrix_norm(ts.asarray(np.ones((2, 3))), ord=3)
    with pytest.raises(ValueError):
        ts.linalg.matrix_power(ts.asarray(np.ones((2, 3))), 2)


@pytest.mark.parametrize("dtype", ["int8", "int32", "float32", "float64"])
@pytest.mark.parametrize("offset", [0, 1, -1, 2, -3, 5])
def test_diagonal_trace(dtype, offset):
    for shape in [(3, 4), (2, 4, 3), (5, 5), (0, 3), (2, 0, 0)]:
        a = rand(shape, dtype)
        for v in views(a):
            t = ts.asarray(v)
            check(ts.linalg.diagonal(t, offset=offset), np.linalg.diagonal(v, offset=offset))
            check(ts.linalg.trace(t, offset=offset), np.linalg.trace(v, offset=offset))
    a = rand((3, 3), dtype)
    check(ts.linalg.trace(ts.asarray(a), dtype=ts.float64), np.linalg.trace(a, dtype=np.float64))


@pytest.mark.parametrize("dtype", ["int16", "int64", "float32", "float64"])
def test_outer_cross(dtype):
    x, y = rand((4,), dtype), rand((3,), dtype)
    check(ts.linalg.outer(ts.asarray(x), ts.asarray(y)), np.linalg.outer(x, y))
    check(ts.linalg.outer(ts.asarray(x[:0]), ts.asarray(y)), np.linalg.outer(x[:0], y))
    a, b = rand((5, 3), dtype), rand((5, 3), dtype)
    for va in (a, a[::-1], np.asfortranarray(a)):
        check(ts.linalg.cross(ts.asarray(va), ts.asarray(b)), np.linalg.cross(va, b))
    c, d = rand((2, 3, 4), dtype), rand((3, 4), dtype)
    check(ts.linalg.cross(ts.asarray(c), ts.asarray(d), axis=-2), np.linalg.cross(c, d, axis=-2))
    check(ts.linalg.cross(ts.asarray(c[0]), ts.asarray(d), axis=0), np.linalg.cross(c[0], d, axis=0))


@pytest.mark.parametrize("dtype", ["int32", "float32", "float64"])
@pytest.mark.parametrize("ord", [2, 1, math.inf, -math.inf, 0, 3, 0.5, -1])
def test_vector_norm(dtype, ord):
    a = rand((3, 4, 5), dtype)
    rt = 1e-5 if dtype == "float32" else 1e-12
    for axis in (None, 0, -1, (0, 2), (1, 0)):
        for keepdims in (False, True):
            for v in views(a):
                with np.errstate(divide="ignore"):
                    want = np.asarray(np.linalg.vector_norm(v, axis=axis, keepdims=keepdims, ord=ord))
                check(ts.linalg.vector_norm(ts.asarray(v), axis=axis, keepdims=keepdims, ord=ord), want, rt)
    s = np.asarray(rand((), dtype))
    check(ts.linalg.vector_norm(ts.asarray(s), ord=ord), np.linalg.vector_norm(s, ord=ord), rt)


@pytest.mark.parametrize("dtype", ["int32", "float32", "float64"])
@pytest.mark.parametrize("ord", ["fro", 1, -1, math.inf, -math.inf])
def test_matrix_norm(dtype, ord):
    rt = 1e-5 if dtype == "float32" else 1e-12
    for shape in [(3, 4), (2, 3, 3), (4, 1)]:
        a = rand(shape, dtype)
        for v in views(a):
            for keepdims in (False, True):
                want = np.asarray(np.linalg.matrix_norm(v, keepdims=keepdims, ord=ord))
                check(ts.linalg.matrix_norm(ts.asarray(v), keepdims=keepdims, ord=ord), want, rt)


@pytest.mark.parametrize("ord", [2, -2, "nuc"])
def test_matrix_norm_needs_svd(ord):
    with pytest.raises(NotImplementedError, match="SVD"):
        ts.linalg.matrix_norm(ts.asarray(np.eye(3)), ord=ord)


@pytest.mark.parametrize("n", [0, 1, 2, 5, -1, -3])
def test_matrix_power(n):
    a = well_conditioned((2, 3, 3), "float64")
    check(ts.linalg.matrix_power(ts.asarray(a), n), np.linalg.matrix_power(a, n), 1e-8)
    if n >= 0:
        i = rand((3, 3), "int32")
        check(ts.linalg.matrix_power(ts.asarray(i), n), np.linalg.matrix_power(i, n))


def test_main_namespace_functions_in_linalg():
    a, b = rand((2, 3, 4), "float64"), rand((4, 5), "float64")
    check(ts.linalg.matmul(ts.asarray(a), ts.asarray(b)), np.linalg.matmul(a, b))
    check(ts.linalg.matrix_transpose(ts.asarray(a)), np.linalg.matrix_transpose(a))
    check(ts.linalg.tensordot(ts.asarray(a), ts.asarray(b), axes=1), np.linalg.tensordot(a, b, axes=1))
    check(ts.linalg.vecdot(ts.asarray(a), ts.asarray(a)), np.linalg.vecdot(a, a))


def test_signatures_and_coverage():
    xps = pytest.importorskip("array_api_strict")
    for name in ts.linalg.__all__:
        ours, ref = inspect.signature(getattr(ts.linalg, name)), inspect.signature(getattr(xps.linalg, name))
        assert [(p.name, p.kind) for p in ours.parameters.values()] == \
               [(p.name, p.kind) for p in ref.parameters.values()], name
        for p, r in zip(ours.parameters.values(), ref.parameters.values()):
            if r.default is not inspect.Parameter.empty and type(r.default).__name__ != "Undef":
                assert p.default == r.default, (name, p.name)
    # What is missing is absent, never a stub (the extension tells the truth).
    standard_2024 = {"cholesky", "cross", "det", "diagonal", "eigh", "eigvalsh", "inv", "matmul", "matrix_norm",
                     "matrix_power", "matrix_rank", "matrix_transpose", "outer", "pinv", "qr", "slogdet", "solve",
                     "svd", "svdvals", "tensordot", "trace", "vecdot", "vector_norm"}
    assert set(ts.linalg.__all__) | set(ts.linalg.NOT_IMPLEMENTED) == standard_2024
    for name in ts.linalg.NOT_IMPLEMENTED:
        assert not hasattr(ts.linalg, name)


def test_array_api_strict_comparison():
    xps = pytest.importorskip("array_api_strict")
    a = well_conditioned((3, 4, 4), "float64")
    for name in ("inv", "det"):
        np.testing.assert_allclose(np.asarray(getattr(ts.linalg, name)(ts.asarray(a))),
                                   np.asarray(getattr(xps.linalg, name)(xps.asarray(a))._array), rtol=1e-10)
    np.testing.assert_allclose(np.asarray(ts.linalg.vector_norm(ts.asarray(a), axis=(0, 1))),
                               np.asarray(xps.linalg.vector_norm(xps.asarray(a), axis=(0, 1))._array), rtol=1e-12)
