"""`pip install .` into a fresh virtual environment, then `import tessera as ts` there.

This rebuilds the whole C++ library, so it runs only when TESSERA_TEST_INSTALL=1. The wheel
is built with the running interpreter's scikit-build-core and nanobind (no network), then
installed without dependencies into a new venv; that venv sees NumPy through a .pth file
placed after its own site-packages, so `tessera` can only come from the installed wheel.
CMAKE_BUILD_PARALLEL_LEVEL (default 2) limits the build's jobs.
"""
import os
import subprocess
import sys
import sysconfig
import textwrap
import zipfile

import pytest

pytestmark = pytest.mark.skipif(os.environ.get("TESSERA_TEST_INSTALL") != "1",
                                reason="set TESSERA_TEST_INSTALL=1 to build and install the wheel")

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

SMOKE = textwrap.dedent("""
    import os, numpy as np, tessera as ts
    assert ts.__file__.startswith(os.environ["EXPECT_SITE"]), ts.__file__
    pkg = os.path.dirname(ts.__file__)
    libs = sorted(f for f in os.listdir(pkg) if f.endswith(".so"))
    assert any(f.startswith("_core") for f in libs) and "libtessera_compiler.so" in libs, libs
    a, b = np.arange(12.0).reshape(3, 4), np.arange(4.0)
    np.testing.assert_array_equal(ts.ops.add(a, b), a + b)
    t = ts.asarray(a)  # the array namespace: ts.Array, operators, NumPy interop
    np.testing.assert_array_equal(np.asarray(t + ts.asarray(b)), a + b)
    assert float(ts.sum(t)) == a.sum() and np.shares_memory(np.asarray(t), a)

    @ts.defop(name="vadd", dtype=ts.AllTypes, ndim=list(range(6)))
    def vadd(dtype, ndim):
        A = ts.te.placeholder(shape=[ts.te.var() for _ in range(ndim)], name="A", dtype=dtype)
        B = ts.te.placeholder(shape=[ts.te.var() for _ in range(ndim)], name="B", dtype=dtype)
        C = ts.te.compute(shape=[ts.te.var() for _ in range(ndim)], fcompute=lambda *i: A[i] + B[i], name="C")
        s = ts.te.create_schedule(C.op)
        s[C].parallel(s[C].fuse(*C.op.axis))
        return s, [A, B, C]

    x = np.arange(6, dtype=np.int16).reshape(2, 3)
    np.testing.assert_array_equal(ts.ops.vadd(x, x[0]), x + x[0])
    print("installed tessera OK")
""")


def run(cmd, **kw):
    print("+", " ".join(cmd))
    subprocess.run(cmd, check=True, **kw)


def test_pip_install_into_fresh_venv(tmp_path):
    env = dict(os.environ, CMAKE_BUILD_PARALLEL_LEVEL=os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", "2"))
    wheels = tmp_path / "wheels"
    run([sys.executable, "-m", "pip", "wheel", REPO, "--no-build-isolation", "--no-deps", "-w", str(wheels),
         "-C", f"build-dir={tmp_path / 'build'}"], env=env)
    (wheel,) = wheels.glob("tessera-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "tessera/__init__.py" in names and "tessera/te.py" in names
    assert "tessera/libtessera_runtime.so" in names and "tessera/libtessera_compiler.so" in names
    # Only the package: no test or benchmark binaries, no other top-level files.
    assert all(n.startswith(("tessera/", "tessera-")) for n in names), names
    libs = sorted(n for n in names if ".so" in n)
    assert len(libs) == 3 and any(n.startswith("tessera/_core") for n in libs), libs

    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)])
    py = venv / "bin" / "python"
    run([str(py), "-m", "pip", "install", "--no-deps", "--no-index", str(wheel)])
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    with open(os.path.join(site, "zz_host_numpy.pth"), "w") as f:  # NumPy (and ml_dtypes) from this env
        f.write(sysconfig.get_paths()["purelib"] + "\n")
    smoke_env = {k: v for k, v in env.items() if k != "PYTHONPATH"}
    smoke_env["EXPECT_SITE"] = site
    run([str(py), "-c", SMOKE], cwd=str(tmp_path), env=smoke_env)

    readelf = subprocess.run(["readelf", "-d", os.path.join(site, "tessera", "libtessera_compiler.so")],
                             capture_output=True, text=True).stdout
    assert "$ORIGIN" in readelf, readelf
