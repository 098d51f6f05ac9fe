"""Every public function of the array namespace has the Array API standard's signature.

The reference is array_api_strict (an independent implementation of the standard): for every
function name the standard defines (its __all__), tessera must have the function, and the
parameters must agree in name, kind (positional-only, keyword-only, ...) and default.
array_api_strict follows a newer revision in a few places; those differences from 2024.12
are listed in REVISION_DIFFERENCES with the 2024.12 text they come from.
"""
import inspect

import pytest

import tessera as ts

xp = pytest.importorskip("array_api_strict")

# Names the standard defines that tessera does not provide (complex dtypes are out of scope;
# the fft extension), and array_api_strict's own helpers. isin is from revision 2025.12 and
# provided. The linalg extension is tested in test_linalg_numpy.py (it lacks the SVD and
# eigensolver functions).
NOT_YET = {"complex64", "complex128", "conj", "imag", "real", "fft", "linalg"}
STRICT_ONLY = {"Device", "set_array_api_strict_flags", "get_array_api_strict_flags", "reset_array_api_strict_flags",
               "ArrayAPIStrictFlags", "__version__"}

# 2024.12 signatures where array_api_strict (2025.12) differs: {name: {param: 2024.12 default}}.
# expand_dims(x, /, axis=0) in 2024.12 (axis became required in 2025.12).
REVISION_DIFFERENCES = {"expand_dims": {"axis": 0}}


def _functions():
    names = []
    for name in xp.__all__:
        if name in NOT_YET or name in STRICT_ONLY or name.startswith("__array_api_version"):
            continue
        obj = getattr(xp, name)
        if callable(obj) and not isinstance(obj, type) and not hasattr(obj, "dtype"):
            names.append(name)
    return names


FUNCTIONS = _functions()


def _default(p):
    d = p.default
    # array_api_strict marks "not given" with its own sentinel where the standard says None.
    if type(d).__name__ == "Undef":
        return None
    return d


def test_coverage():
    assert len(FUNCTIONS) >= 120, FUNCTIONS
    missing = [n for n in FUNCTIONS if not hasattr(ts, n)]
    assert not missing


@pytest.mark.parametrize("name", FUNCTIONS)
def test_signature(name):
    ours = inspect.signature(getattr(ts, name))
    ref = inspect.signature(getattr(xp, name))
    ours_params = [(p.name, p.kind) for p in ours.parameters.values()]
    ref_params = [(p.name, p.kind) for p in ref.parameters.values()]
    assert ours_params == ref_params
    overrides = REVISION_DIFFERENCES.get(name, {})
    for p, r in zip(ours.parameters.values(), ref.parameters.values()):
        want = overrides.get(p.name, _default(r)) if r.default is not inspect.Parameter.empty or p.name in overrides \
            else inspect.Parameter.empty
        assert p.default == want or (p.default is want), (name, p.name, p.default, want)


@pytest.mark.parametrize("name", ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                                  "float32", "float64"])
def test_dtypes_and_constants(name):
    dt = getattr(ts, name)
    assert dt == getattr(ts, name) and hash(dt) == hash(getattr(ts, name))
    assert str(dt) == name


def test_constants_and_info():
    import math
    assert ts.e == math.e and ts.pi == math.pi and ts.inf == math.inf and math.isnan(ts.nan)
    assert ts.newaxis is None
    assert ts.__array_api_version__ == "2024.12"
    info = ts.__array_namespace_info__()
    for method in ("capabilities", "default_device", "default_dtypes", "devices", "dtypes"):
        assert callable(getattr(info, method))
    assert info.default_device() in info.devices()
    assert info.default_dtypes()["real floating"] == ts.float64
    assert set(info.dtypes(kind="integral")) == {"int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
                                                 "uint64"}


def test_array_methods_exist():
    a = ts.asarray([[1.0, 2.0]])
    for attr in ("shape", "ndim", "size", "dtype", "device", "T", "mT"):
        getattr(a, attr)
    for method in ("__array_namespace__", "__dlpack__", "__dlpack_device__", "to_device", "__bool__", "__int__",
                   "__float__", "__index__", "__complex__", "__getitem__", "__setitem__", "__matmul__", "__rmatmul__",
                   "__imatmul__", "__pow__", "__rpow__", "__ipow__", "__lshift__", "__rlshift__", "__invert__"):
        assert hasattr(a, method), method
    assert a.__array_namespace__() is ts
