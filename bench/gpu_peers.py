"""Peers for bench/gpu_bench.cpp: PyTorch eager, torch.compile and CuPy on the same shapes
and dtypes (8192 x 8192 float32, 64M-element float16, matmul 1024 and 2048 float32), timed
the same way: CUDA events around single calls after warm-up, median of 30, GB/s counting
bytes read plus written (matmul rows: FLOP/s, 2 n^3; PyTorch's matmul is cuBLAS, the
ceiling of those rows). float32 matmuls run in full float32 (no TF32) in every library.

    python3 bench/gpu_peers.py peers.json
"""
import json
import statistics
import sys

import torch

M = K = 8192
N = M * K
WARMUP, REPEATS = 3, 30


def median_ms(fn):
    for _ in range(WARMUP):
        fn()
    torch.cuda.synchronize()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    times = []
    for _ in range(REPEATS):
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    return statistics.median(times)


def cases(lib):
    """(name, bytes, callable) for one library; names match gpu_bench.cpp's rows. PEERS (an
    environment variable) lists the libraries, by default "torch cupy torch.compile"."""
    if lib == "cupy":
        import cupy as xp

        def rand(shape, dtype):
            return xp.random.uniform(-2, 2, size=shape, dtype=xp.float32).astype(dtype)
    else:
        xp = torch

        def rand(shape, dtype):
            return torch.empty(shape, dtype=torch.float32, device="cuda").uniform_(-2, 2).to(dtype)

    f32 = xp.float32
    f16 = xp.float16
    a, b, c = rand((N,), f32), rand((N,), f32), rand((N,), f32)
    ha, hb = rand((N,), f16), rand((N,), f16)
    ma = a.reshape(M, K)
    row, col = rand((K,), f32), rand((M, 1), f32)
    if lib == "cupy":
        copy = lambda: c.__setitem__(Ellipsis, a)  # noqa: E731
        s0 = lambda: xp.sum(ma, axis=0)  # noqa: E731
        s1 = lambda: xp.sum(ma, axis=1)  # noqa: E731
        sall = lambda: xp.sum(a)  # noqa: E731
    else:
        copy = lambda: c.copy_(a)  # noqa: E731
        s0 = lambda: torch.sum(ma, dim=0)  # noqa: E731
        s1 = lambda: torch.sum(ma, dim=1)  # noqa: E731
        sall = lambda: torch.sum(a)  # noqa: E731
    if lib == "cupy":
        fused = lambda: xp.exp(a) * b + xp.tanh(a)  # noqa: E731

        def softmax():
            e = xp.exp(ma - ma.max(axis=1, keepdims=True))
            return e / e.sum(axis=1, keepdims=True)
    else:
        fused = lambda: torch.exp(a) * b + torch.tanh(a)  # noqa: E731
        softmax = lambda: torch.softmax(ma, dim=1)  # noqa: E731
    ops = [
        ("copy float32 (device to device)", 8 * N, copy),
        ("add float32", 12 * N, lambda: a + b),
        ("exp float32", 8 * N, lambda: xp.exp(a)),
        ("add float16", 6 * N, lambda: ha + hb),
        ("exp float16", 4 * N, lambda: xp.exp(ha)),
        ("broadcast add (M,K)+(K,)", 8 * N + 4 * K, lambda: ma + row),
        ("broadcast add (M,K)+(M,1)", 8 * N + 4 * M, lambda: ma + col),
        ("sum axis=1 (rows)", 4 * N + 4 * M, s1),
        ("sum axis=0 (columns)", 4 * N + 4 * K, s0),
        ("sum all (two stages)", 4 * N, sall),
        ("exp(a)*b+tanh(a) float32 (fused)", 12 * N, fused),
        ("softmax rows float32", 8 * N, softmax),
    ]
    for n in (1024, 2048):
        ma_n, mb_n = a[: n * n].reshape(n, n), b[: n * n].reshape(n, n)
        mm = (lambda x, y: lambda: xp.matmul(x, y))(ma_n, mb_n)
        ops.append((f"matmul {n} float32", -2 * n**3, mm))  # negative: FLOP, not bytes
    if lib == "torch.compile":
        ops = [(n, by, torch.compile(f) if not n.startswith("copy") else f) for n, by, f in ops]
    return ops


def main():
    out = {"device": torch.cuda.get_device_name(0), "torch": torch.__version__, "libs": {}}
    import os

    torch.backends.cuda.matmul.allow_tf32 = False  # full float32, as tessera's matmul
    os.environ.setdefault("CUPY_TF32", "0")

    for lib in os.environ.get("PEERS", "torch cupy torch.compile").split():
        rows = []
        try:
            for name, nbytes, fn in cases(lib):
                ms = median_ms(fn)
                if nbytes < 0:
                    flops = -nbytes
                    rows.append({"name": name, "flops": flops, "ms": ms, "tflops": flops / ms / 1e9})
                    print(f"{lib:14s} {name:34s} {ms:9.3f} ms {flops / ms / 1e9:8.2f} TFLOP/s", flush=True)
                    continue
                rows.append({"name": name, "bytes": nbytes, "ms": ms, "gb_per_s": nbytes / ms / 1e6})
                print(f"{lib:14s} {name:34s} {ms:9.3f} ms {nbytes / ms / 1e6:8.1f} GB/s", flush=True)
        except Exception as e:  # a missing or failing peer is reported, not fatal
            print(f"{lib}: {type(e).__name__}: {e}", flush=True)
            out["libs"][lib + "_error"] = f"{type(e).__name__}: {e}"
        out["libs"][lib] = rows
        torch.cuda.empty_cache()
        if len(sys.argv) > 1:  # after each library, so a timeout keeps what was measured
            with open(sys.argv[1], "w") as f:
                json.dump(out, f, indent=2)


if __name__ == "__main__":
    main()
