#!/usr/bin/env bash
# The GPU benchmark in one command, on the lent GPU machine from the repository root:
#
#   bash bench/gpu_bench.sh [BIN_DIR] [NAME]     (default: gpu-bin, 2026-11-24-h100-gpu-s4)
#
# BIN_DIR holds gpu_bench (built on the development machine: cmake --build build --target
# gpu_bench) and libtessera_{compiler,array,runtime}.so; the run must carry .carry/ (LLVM
# for the host half of each kernel, see scripts/gpu_check.sh). Runs gpu_bench (tessera and
# the copy ceiling) and bench/gpu_peers.py (PyTorch eager, torch.compile, CuPy) one after
# the other on the same GPU, then bench/gpu_report.py writes NAME.md and NAME.json to $OUT
# (or /tmp/gpu_bench). About 4 minutes on an H100; PEERS_TIMEOUT (seconds, default 420) bounds
# the peers, which write what they measured so far if it runs out.
set -uo pipefail
cd "$(dirname "$0")/.."
bin=${1:-gpu-bin}
name=${2:-2026-11-24-h100-gpu-s4}
out=${OUT:-/tmp/gpu_bench}
mkdir -p "$out"
if ls .carry/*.deb >/dev/null 2>&1 && [ ! -d /opt/dl/usr ]; then
  mkdir -p /opt/dl
  for f in .carry/*.deb; do dpkg -x "$f" /opt/dl; done
fi
export LD_LIBRARY_PATH=$PWD/$bin:/opt/dl/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64:${LD_LIBRARY_PATH:-}
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem,temperature.gpu,power.draw --format=csv 2>&1 | tee "$out/nvidia-smi-bench.log"
"$bin/gpu_bench" "$out/tessera.json" 2>&1 | tee "$out/gpu_bench.log"
PYTHONUNBUFFERED=1 timeout ${PEERS_TIMEOUT:-420} python3 bench/gpu_peers.py "$out/peers.json" 2>&1 | tee "$out/gpu_peers.log"
python3 bench/gpu_report.py "$out/tessera.json" "$out/peers.json" "$out/$name.md" "$out/$name.json" \
  "GPU benchmark, $(date -u +%Y-%m-%d), $(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -n 1)"
