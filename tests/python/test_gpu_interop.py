"""Arrays on CUDA devices and zero-copy exchange with PyTorch and CuPy there.

GPU tests skip without a CUDA device (CI has none) and without torch/cupy; the device
objects, error paths and the defop target check run everywhere. On the GPU machine:
scripts/gpu_python_build.sh builds the extension, then pytest runs this file.
"""
import numpy as np
import pytest

import tessera as ts
from tessera import _core

CPU = ts.Device("cpu")
HAS_GPU = _core._cuda_device_count() > 0
gpu = pytest.mark.skipif(not HAS_GPU, reason="no CUDA device")


def _torch():
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("torch has no CUDA")
    return torch


def _cupy():
    cupy = pytest.importorskip("cupy")
    try:
        if cupy.cuda.runtime.getDeviceCount() == 0:
            pytest.skip("cupy sees no device")
    except Exception as e:  # no driver
        pytest.skip(f"cupy has no CUDA: {e}")
    return cupy


# ---- everywhere -----------------------------------------------------------------------------


def test_device_objects():
    assert repr(CPU) == "Device('cpu')" and str(CPU) == "cpu"
    d = ts.Device("cuda:1")
    assert repr(d) == "Device('cuda:1')" and str(d) == "cuda:1"
    assert d.type == "cuda" and d.index == 1
    assert ts.Device("cuda", 1) == d and hash(ts.Device("cuda", 1)) == hash(d)
    assert ts.Device("cuda") == ts.Device("cuda:0") != CPU
    assert ts.Device("cpu") == CPU and CPU.index is None
    for bad in ("gpu", "cuda:x", "cuda:", "tpu:0"):
        with pytest.raises(ValueError, match="device"):
            ts.Device(bad)
    with pytest.raises(ValueError, match="device"):
        ts.zeros(3, device="metal")


def test_devices_list_the_cpu_then_cuda():
    devices = ts.__array_namespace_info__().devices()
    assert devices[0] == CPU
    assert devices[1:] == [ts.Device("cuda", i) for i in range(_core._cuda_device_count())]


def test_cpu_arrays_keep_cpu_rules():
    x = ts.arange(4)
    assert x.device == CPU
    assert x.to_device("cpu") is not None and x.to_device(CPU).device == CPU
    with pytest.raises(BufferError, match="stream"):
        x.__dlpack__(stream=1)
    assert x.__dlpack_device__() == (1, 0)


@pytest.mark.skipif(HAS_GPU, reason="a GPU is present")
def test_cuda_without_gpu_is_a_clear_error():
    with pytest.raises(ValueError):
        ts.zeros(3, device="cuda")
    with pytest.raises(ValueError):
        ts.asarray(np.ones(3), device="cuda:0")


def _define_vadd_gpu(name):
    @ts.defop(name=name, target="cuda", auto_broadcast=True, dtype=["int32", "float32", "float64"],
              ndim=list(range(1, 6)))
    def vadd_gpu(dtype, ndim):
        A = ts.te.placeholder(shape=[ts.te.var() for _ in range(ndim)], name='A', dtype=dtype)
        B = ts.te.placeholder(shape=[ts.te.var() for _ in range(ndim)], name='B', dtype=dtype)
        C = ts.te.compute(shape=[ts.te.var() for _ in range(ndim)], fcompute=lambda *index: A[index] + B[index],
                          name='C')
        s = ts.te.create_schedule(C.op)
        fused = s[C].fuse(*C.op.axis)
        bx, tx = s[C].split(fused, factor=128)
        s[C].bind(bx, "blockIdx.x")
        s[C].bind(tx, "threadIdx.x")
        return s, [A, B, C]

    return vadd_gpu


_vadd_gpu = _define_vadd_gpu("vadd_gpu_interop")


def test_defop_cuda_target_needs_cuda_operands():
    with pytest.raises(ValueError, match="target 'cuda'"):
        _vadd_gpu(np.ones(3, np.float32), np.ones(3, np.float32))
    with pytest.raises(ValueError, match="target"):
        ts.defop(name="vadd_tpu", target="tpu")


# ---- tessera arrays on the GPU ----------------------------------------------------------------


@gpu
def test_asarray_to_device_round_trip():
    rng = np.random.default_rng(0)
    for dtype in ("float32", "float64", "int32", "uint8", "bool", "float16", "int64"):
        x = (rng.standard_normal((3, 5, 7)) * 10).astype(dtype)
        d = ts.asarray(x, device="cuda")
        assert d.device == ts.Device("cuda:0") and d.__dlpack_device__() == (2, 0)
        assert d.shape == x.shape and d.dtype == getattr(ts, dtype)
        back = d.to_device("cpu")
        assert back.device == CPU
        np.testing.assert_array_equal(np.asarray(back), x)
        # A strided device view comes back through a GPU copy kernel.
        np.testing.assert_array_equal(np.asarray(d[:, ::2, 3].to_device(CPU)), x[:, ::2, 3])
    z = ts.zeros((2, 3), dtype=ts.float32, device=ts.Device("cuda", 0))
    assert z.device == ts.Device("cuda:0")
    assert ts.zeros_like(z).device == z.device and ts.ones_like(z, device="cpu").device == CPU
    np.testing.assert_array_equal(np.asarray(ts.full((2,), 7, device="cuda").to_device("cpu")), [7, 7])


@gpu
def test_device_arrays_need_an_explicit_copy_to_numpy():
    d = ts.asarray(np.arange(6.0), device="cuda")
    with pytest.raises(TypeError, match="to_device"):
        np.asarray(d)
    with pytest.raises(TypeError, match="to_device"):
        d.__array__()
    assert "device='cuda:0'" in repr(d)
    assert float(d[2]) == 2.0 and d[3].item() == 3.0 and d.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]


@gpu
def test_operators_on_device_match_numpy():
    rng = np.random.default_rng(1)
    for dtype in ("float32", "float64", "int32", "float16"):
        a = (rng.standard_normal((4, 6)) * 8).astype(dtype)
        b = (rng.standard_normal((6,)) * 8).astype(dtype)
        da, db = ts.asarray(a, device="cuda"), ts.asarray(b, device="cuda")
        cases = [(da + db, a + b), (da * 2, a * 2), (da.T - 1, a.T - 1), (da[:, ::2] * db[::2], a[:, ::2] * b[::2]),
                 (ts.maximum(da, db), np.maximum(a, b)), (da < db, a < b), (-da, -a)]
        for got, want in cases:
            assert got.device == da.device
            assert got.dtype == ts.asarray(want).dtype
            np.testing.assert_array_equal(np.asarray(got.to_device("cpu")), want)
        np.testing.assert_allclose(np.asarray(ts.sum(da, axis=1).to_device("cpu")), a.sum(axis=1),
                                   rtol=1e-2 if dtype == "float16" else 1e-5)
        assert float(ts.max(da)) == a.max()
    x = ts.asarray(np.arange(8, dtype=np.float32), device="cuda")
    x += 1
    x[0] = 100
    np.testing.assert_array_equal(np.asarray(x.to_device("cpu")), [100, 2, 3, 4, 5, 6, 7, 8])


@gpu
def test_mixed_devices_raise():
    d = ts.asarray(np.ones(3), device="cuda")
    with pytest.raises(ValueError, match="different devices"):
        d + ts.ones(3)
    with pytest.raises(ValueError, match="different devices"):
        d + np.ones(3)
    np.testing.assert_array_equal(np.asarray((d + ts.asarray(2.0)).to_device("cpu")), [3, 3, 3])


@gpu
def test_dlpack_arguments_of_device_arrays():
    d = ts.asarray(np.arange(4, dtype=np.float32), device="cuda")
    with pytest.raises(ValueError, match="stream 0"):
        d.__dlpack__(stream=0)
    for stream in (None, -1, 1, 2):
        assert ts.from_dlpack(d.__dlpack__(stream=stream)).device == d.device
    host = ts.from_dlpack(d.__dlpack__(dl_device=(1, 0)))
    assert host.device == CPU
    np.testing.assert_array_equal(np.asarray(host), [0, 1, 2, 3])
    with pytest.raises(BufferError):
        d.__dlpack__(dl_device=(1, 0), copy=False)
    assert ts.from_dlpack(d, device="cpu").device == CPU
    with pytest.raises(BufferError):
        ts.from_dlpack(d, device="cpu", copy=False)
    with pytest.raises(ValueError, match="copy=False"):
        ts.asarray(np.ones(2), device="cuda", copy=False)


@gpu
def test_defop_vadd_with_a_gpu_schedule_matches_numpy():
    rng = np.random.default_rng(2)
    for dtype in ("float32", "int32", "float64"):
        for sa, sb in (((1000,), (1000,)), ((3, 1, 70), (5, 1)), ((33, 65), (65,))):
            a = (rng.standard_normal(sa) * 100).astype(dtype)
            b = (rng.standard_normal(sb) * 100).astype(dtype)
            got = _vadd_gpu(ts.asarray(a, device="cuda"), ts.asarray(b, device="cuda"))
            assert got.device == ts.Device("cuda:0")
            np.testing.assert_array_equal(np.asarray(got.to_device("cpu")), a + b)
    # Non-contiguous operands take the strided variant.
    a = rng.standard_normal((40, 30)).astype(np.float32)
    got = _vadd_gpu(ts.asarray(a, device="cuda").T, ts.asarray(a, device="cuda")[::-1].T)
    np.testing.assert_array_equal(np.asarray(got.to_device("cpu")), a.T + a[::-1].T)


# ---- PyTorch ----------------------------------------------------------------------------------

_TORCH_DTYPES = ("float32", "float64", "float16", "int32", "int64", "uint8", "bool", "bfloat16")


@gpu
def test_torch_cuda_round_trip_is_zero_copy():
    torch = _torch()
    for name in _TORCH_DTYPES:
        t = (torch.arange(12, device="cuda") % 3).to(getattr(torch, name)).reshape(3, 4)
        for a in (ts.from_dlpack(t), ts.asarray(t)):
            assert a.device == ts.Device("cuda:0") and a.shape == (3, 4) and a.dtype == getattr(ts, name)
            back = torch.from_dlpack(a)
            assert back.data_ptr() == t.data_ptr() and back.device == t.device
    t = torch.zeros(3, 4, device="cuda")
    a = ts.from_dlpack(t[:, 1:])
    assert a.strides == (16, 4)
    a[1, 0] = 5  # writes through to torch's memory
    assert t[1, 1].item() == 5
    assert torch.from_dlpack(a).data_ptr() == t[:, 1:].data_ptr()


@gpu
def test_ops_on_torch_tensors_match_torch():
    torch = _torch()
    gen = torch.Generator(device="cuda").manual_seed(3)
    for name in ("float32", "float64", "float16", "int32", "int64"):
        dt = getattr(torch, name)
        if dt.is_floating_point:
            a = torch.randn(64, 33, device="cuda", generator=gen).to(dt)
            b = torch.randn(33, device="cuda", generator=gen).to(dt)
        else:
            a = torch.randint(-50, 50, (64, 33), device="cuda", generator=gen).to(dt)
            b = torch.randint(1, 50, (33,), device="cuda", generator=gen).to(dt)
        ta, tb = ts.from_dlpack(a), ts.from_dlpack(b)
        pairs = [(ta + tb, a + b), (ta * tb, a * b), (ta - 3, a - 3), (ts.maximum(ta, tb), torch.maximum(a, b)),
                 (ta.T + 1, a.T + 1), (ta[::2, 1::3] * tb[1::3], a[::2, 1::3] * b[1::3]), (ta >= tb, a >= b)]
        if dt.is_floating_point:
            pairs.append((ts.exp(ta / 8), torch.exp(a / 8)))
        for got, want in pairs:
            res = torch.from_dlpack(got)
            assert res.device == want.device and res.dtype == want.dtype, (name, res.dtype, want.dtype)
            torch.testing.assert_close(res, want, rtol=2e-3 if name == "float16" else 1e-6, atol=1e-6)
        s = torch.from_dlpack(ts.sum(ta, axis=1))
        torch.testing.assert_close(s, a.sum(dim=1), rtol=2e-2 if name == "float16" else 1e-5, atol=1e-2)


# ---- CuPy -------------------------------------------------------------------------------------


@gpu
def test_cupy_round_trip_is_zero_copy():
    cp = _cupy()
    for name in ("float32", "float64", "float16", "int32", "int8", "uint16", "bool"):
        c = (cp.arange(24) % 5).astype(name).reshape(4, 6)
        for a in (ts.from_dlpack(c), ts.asarray(c)):
            assert a.device == ts.Device("cuda:0") and a.dtype == getattr(ts, name)
            back = cp.from_dlpack(a)
            assert back.data.ptr == c.data.ptr
    c = cp.zeros((4, 6), dtype=cp.float32)
    v = ts.from_dlpack(c[::2, 1:])
    v[1, 0] = 9
    assert float(c[2, 1]) == 9


@gpu
def test_ops_on_cupy_arrays_match_cupy():
    cp = _cupy()
    rs = cp.random.RandomState(4)
    for name in ("float32", "float64", "int32", "uint8"):
        if name.startswith("float"):
            a = rs.standard_normal((17, 40)).astype(name)
            b = rs.standard_normal((17, 1)).astype(name)
        else:
            a = rs.randint(0, 100, (17, 40)).astype(name)
            b = rs.randint(1, 100, (17, 1)).astype(name)
        ta, tb = ts.from_dlpack(a), ts.from_dlpack(b)
        pairs = [(ta + tb, a + b), (ta * tb, a * b), (ta[:, ::3] - tb, a[:, ::3] - b), (ta.T // tb.T, a.T // b.T),
                 (ts.minimum(ta, tb), cp.minimum(a, b))]
        for got, want in pairs:
            res = cp.from_dlpack(got)
            assert res.dtype == want.dtype, (name, res.dtype, want.dtype)
            cp.testing.assert_allclose(res, want, rtol=1e-6)
        cp.testing.assert_allclose(cp.from_dlpack(ts.max(ta, axis=1)), a.max(axis=1))
