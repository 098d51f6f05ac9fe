"""Zero-copy exchange with NumPy (both directions), DLPack capsules (versioned and legacy),
read-only memory, and PyTorch/JAX on the CPU when they are installed."""
import gc

import numpy as np
import pytest

import tessera as ts
from tessera import _core


def test_numpy_to_tessera_shares_memory():
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    for t in (ts.asarray(x), ts.from_dlpack(x)):
        assert t.shape == (3, 4) and t.dtype == ts.float32
        t[1, 2] = -1.0
        assert x[1, 2] == -1.0
    strided = x[:, ::2]
    t = ts.asarray(strided)
    np.testing.assert_array_equal(np.asarray(t), strided)
    assert np.shares_memory(np.asarray(t), x)


def test_tessera_to_numpy_shares_memory():
    t = ts.arange(10, dtype=ts.int32)
    for n in (np.asarray(t), np.from_dlpack(t), np.array(t, copy=False)):
        n[3] = 99
        assert int(t[3]) == 99
    c = np.array(t, copy=True)
    c[0] = 5
    assert int(t[0]) == 0
    assert np.asarray(t, dtype=np.float64).dtype == np.float64


def test_numpy_roundtrip_all_dtypes():
    for name in ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float16",
                 "float32", "float64"):
        x = (np.arange(6) % 2).astype(name).reshape(2, 3)
        t = ts.asarray(x)
        assert t.dtype == getattr(ts, name)
        back = np.from_dlpack(t)
        assert back.dtype == x.dtype
        np.testing.assert_array_equal(back, x)


def test_bfloat16_through_ml_dtypes():
    ml_dtypes = pytest.importorskip("ml_dtypes")
    x = np.array([1.5, -2.0, 3.25], dtype=ml_dtypes.bfloat16)
    t = ts.asarray(x)
    assert t.dtype == ts.bfloat16
    np.testing.assert_array_equal(np.asarray(t).astype(np.float32), x.astype(np.float32))


def test_read_only_is_honoured():
    x = np.arange(4.0)
    x.flags.writeable = False
    t = ts.asarray(x)
    with pytest.raises(ValueError, match="read-only"):
        t[0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        t += 1
    assert not np.asarray(t).flags.writeable
    d = ts.from_dlpack(x)  # NumPy's versioned capsule carries the read-only flag
    with pytest.raises(ValueError, match="read-only"):
        d[1] = 2.0
    b = ts.broadcast_to(ts.asarray([1.0, 2.0]), (3, 2))  # broadcast views are read-only
    assert not np.from_dlpack(b).flags.writeable
    with pytest.raises(ValueError):
        b[0, 0] = 3.0


def test_dlpack_capsules():
    t = ts.asarray([1.0, 2.0, 3.0])
    versioned = t.__dlpack__(max_version=(1, 0))
    legacy = t.__dlpack__()
    assert "dltensor_versioned" in repr(versioned) and '"dltensor"' in repr(legacy)
    a, b = ts.from_dlpack(versioned), ts.from_dlpack(legacy)
    np.testing.assert_array_equal(np.asarray(a), [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(np.asarray(b), [1.0, 2.0, 3.0])
    with pytest.raises(BufferError, match="consumed"):
        ts.from_dlpack(versioned)
    assert t.__dlpack_device__() == (1, 0)
    unused = t.__dlpack__(max_version=(1, 0))
    del unused  # the capsule's destructor frees the export
    gc.collect()


def test_dlpack_copy_and_device():
    t = ts.asarray([1, 2, 3])
    c = ts.from_dlpack(t.__dlpack__(max_version=(1, 0), copy=True))
    c[0] = 7
    assert int(t[0]) == 1
    if _core._cuda_device_count() == 0:  # with a GPU these copy (test_gpu_interop.py)
        with pytest.raises(BufferError):
            t.__dlpack__(dl_device=(2, 0))
        with pytest.raises(BufferError):
            ts.from_dlpack(t, device="cuda")
    with pytest.raises(BufferError):
        t.__dlpack__(stream=1)
    ro = ts.broadcast_to(t, (2, 3))
    with pytest.raises(BufferError):
        ro.__dlpack__(copy=False)  # a legacy capsule cannot carry the read-only flag
    np.testing.assert_array_equal(np.from_dlpack(ro), np.broadcast_to([1, 2, 3], (2, 3)))


def test_array_namespace_and_to_device():
    t = ts.ones(3)
    assert t.__array_namespace__(api_version="2024.12") is ts
    assert t.to_device("cpu") is not None and t.to_device(ts.__array_namespace_info__().default_device()) is not None


def test_torch_interop():
    torch = pytest.importorskip("torch")
    x = torch.arange(6, dtype=torch.float32).reshape(2, 3)
    t = ts.from_dlpack(x)
    t[0, 0] = 10.0
    assert x[0, 0].item() == 10.0
    y = torch.from_dlpack(t)
    y[1, 1] = -5.0
    assert float(t[1, 1]) == -5.0
    np.testing.assert_array_equal(np.asarray(ts.asarray(x) * 2), (x * 2).numpy())


def test_jax_interop():
    jnp = pytest.importorskip("jax.numpy")
    x = jnp.arange(4.0)
    t = ts.from_dlpack(x)  # on the GPU where JAX has one: copy to the host explicitly
    np.testing.assert_array_equal(np.asarray(t.to_device("cpu")), np.arange(4.0))
