"""The run behind bench/peers.py: tessera through its binary, then each Python peer, each
case checked against NumPy before it is timed; then the report."""
import json
import os
import re
import shutil
import subprocess
import tempfile
import time

import numpy as np

from peers_common import Sizes, case_names, make_inputs, median_time, reference

PEERS = {
    "numpy": ("peers_numpy", "numpy_cases"),
    "numexpr": ("peers_numpy", "numexpr_cases"),
    "tvm": ("peers_tvm", "tvm_cases"),
    "halide": ("peers_halide", "halide_cases"),
}


def check(name, got, refs):
    ref, compare = refs[name]
    got = np.asarray(got)
    if got.shape != ref.shape:
        raise AssertionError(f"shape {got.shape}, expected {ref.shape}")
    compare(got, ref)


def run_tessera(binary, x, sizes, names, refs):
    """{case: {seconds, jit_ms} or {error}}, and the ceilings the binary measured."""
    if not os.path.exists(binary):
        raise FileNotFoundError(f"{binary} not found; build it with `cmake --build build --target peer_cases`")
    tmp = tempfile.mkdtemp(prefix="tessera-peers-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    try:
        for key in ["a", "b", "row", "col"] + [f"mm{s}_{t}" for s in sizes.mm for t in "ab"]:
            x[key].tofile(os.path.join(tmp, key + ".f32"))
        cmd = [binary, "--data", tmp, "--rows", str(sizes.rows), "--cols", str(sizes.cols),
               "--mm", ",".join(map(str, sizes.mm))]
        subprocess.run(cmd + ["--check"], check=True)
        results = {}
        for name in names:
            path = os.path.join(tmp, "out_" + re.sub(r"[^0-9A-Za-z]", "_", name) + ".f32")
            got = np.fromfile(path, np.float32).reshape(refs[name][0].shape)
            try:
                check(name, got, refs)
            except AssertionError as e:
                results[name] = {"error": "wrong result: " + str(e).strip().splitlines()[0]}
        # The timed run compiles every kernel afresh: with the disk cache on, its first call
        # would load what the --check run cached, and jit_ms would time a file load.
        env = dict(os.environ, TESSERA_CACHE_DIR="off")
        timing = json.loads(subprocess.run(cmd + ["--reps", str(sizes.reps)], check=True, env=env,
                                           capture_output=True, text=True).stdout)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for row in timing.pop("cases"):
        results.setdefault(row["case"], {"seconds": row["seconds"], "jit_ms": row["jit_ms"]})
    return results, timing


def run_peer(peer, x, names, refs, reps):
    """{case: {seconds, jit_ms} or {error}}; raises when the peer cannot be imported."""
    module, function = PEERS[peer]
    builders = getattr(__import__(module), function)(x, names)
    results = {}
    for name, build in builders.items():
        try:
            kernel = build()
            kernel.run()
            check(name, kernel.result(), refs)
        except AssertionError as e:
            results[name] = {"error": "wrong result: " + str(e).strip().splitlines()[0]}
            continue
        except Exception as e:  # a schedule the peer rejects: recorded, the run goes on
            results[name] = {"error": f"{type(e).__name__}: {str(e).strip().splitlines()[-1][:300]}"}
            continue
        r = {"seconds": median_time(kernel.run, reps)}
        if kernel.compile_s is not None:
            r["jit_ms"] = kernel.compile_s * 1e3
        results[name] = r
        print(f"  {peer:8s} {name:20s} {r['seconds'] * 1e3:9.3f} ms", flush=True)
    return results


def versions():
    import importlib.metadata as md

    out = {}
    for pkg in ["numpy", "numexpr", "apache-tvm", "halide", "matplotlib"]:
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            out[pkg] = None
    return out


def commit():
    try:
        return subprocess.run(["git", "-C", os.path.dirname(os.path.abspath(__file__)), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def run_all(args):
    import platform

    from peers_numpy import blas_peak
    from peers_report import write_report

    sizes = Sizes(1024, 1024, [256, 512], 5) if args.quick else Sizes(4096, 4096, [1024, 2048], 15)
    names = case_names(sizes)
    x = make_inputs(sizes)
    refs = {n: reference(n, x) for n in names}
    systems, unavailable = {}, {}
    print(f"tessera: {args.binary}", flush=True)
    systems["tessera"], ceilings = run_tessera(args.binary, x, sizes, names, refs)
    for peer in [p for p in args.peers.split(",") if p]:
        print(f"{peer}:", flush=True)
        try:
            systems[peer] = run_peer(peer, x, names, refs, sizes.reps)
        except ImportError as e:
            unavailable[peer] = f"{type(e).__name__}: {e}"
            print(f"  not available: {unavailable[peer]}", flush=True)
    ceilings["blas_GFLOPs"] = blas_peak(max(sizes.mm) * 2, max(3, sizes.reps // 3))
    machine = args.machine or platform.node() or "machine"
    out_dir = args.out or ("/tmp" if args.quick else os.path.join(os.path.dirname(__file__), "results"))
    meta = {
        "date": time.strftime("%Y-%m-%d"), "machine": machine, "cpu": platform.processor() or platform.machine(),
        "threads": args.threads, "quick": args.quick, "rows": sizes.rows, "cols": sizes.cols, "mm": sizes.mm,
        "reps": sizes.reps, "commit": commit(), "note": args.note, "versions": versions(), "unavailable": unavailable, "ceilings": ceilings,
    }
    paths = write_report(out_dir, meta, names, sizes, systems)
    print("wrote " + ", ".join(paths))
