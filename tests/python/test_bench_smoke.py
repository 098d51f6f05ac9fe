"""bench/ops_vs_numpy.py runs every case on small arrays, and its copy and read ceilings
copy and read."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from tessera._core import oplib

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def test_copy_seconds_copies_the_bytes():
    rng = np.random.default_rng()
    src = rng.standard_normal(100_003).astype(np.float32)
    dst = np.zeros_like(src)
    t = oplib.copy_seconds(src.ctypes.data, dst.ctypes.data, src.nbytes, 2)
    assert t > 0
    np.testing.assert_array_equal(dst, src)


def test_read_seconds_reads_without_writing():
    src = np.random.default_rng().standard_normal(100_003).astype(np.float32)
    before = src.copy()
    for threads in (1, 2, 3):
        assert oplib.read_seconds(src.ctypes.data, src.nbytes, threads) > 0
    np.testing.assert_array_equal(src, before)


@pytest.mark.parametrize("nbytes, threads", [(-1, 1), (16, 0)])
def test_copy_and_read_seconds_refuse_bad_sizes(nbytes, threads):
    buf = np.zeros(4, np.float32)
    with pytest.raises(ValueError):
        oplib.copy_seconds(buf.ctypes.data, buf.ctypes.data, nbytes, threads)
    with pytest.raises(ValueError):
        oplib.read_seconds(buf.ctypes.data, nbytes, threads)


def test_ops_vs_numpy_reports_every_case(tmp_path):
    out = tmp_path / "r.json"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    subprocess.run([sys.executable, os.path.join(ROOT, "bench", "ops_vs_numpy.py"), "--n", "65536",
                    "--rounds", "2", "--json", str(out)], check=True, env=env, capture_output=True, timeout=600)
    report = json.loads(out.read_text())
    names = [r["case"] for r in report["results"]]
    assert len(names) == len(set(names)) >= 24
    for r in report["results"]:
        for key in ("tessera_GBps", "numpy_GBps", "copy_GBps", "ratio_numpy", "ratio_copy", "warm_ratio_numpy",
                    "warm_ratio_copy"):
            assert np.isfinite(r[key]) and r[key] > 0, (r["case"], key)
        if r["family"] == "reduction":  # each has its read ceiling
            for key in ("ratio_read", "read_ratio_copy"):
                assert np.isfinite(r[key]) and r[key] > 0, (r["case"], key)
