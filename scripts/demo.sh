#!/usr/bin/env bash
# The main job: install, build, compile the whole CPU operator library ahead of time (with
# tessera-aot's progress line), a short demonstration, then benchmark tables against NumPy
# and the machine's copy bandwidth. Results go to bench/results/<date>-<host>-demo-*.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh
bash scripts/build.sh
export PYTHONPATH="$PWD/build/python"
py=.venv/bin/python

echo
echo "== 1. The CPU operator library, ahead of time (every operator x dtype x rank x layout)"
start=$SECONDS
cmake --build build --target tessera_ops
echo "built build/libtessera_ops.so ($(du -h build/libtessera_ops.so | cut -f1)) in $((SECONDS - start)) s"

echo
echo "== 2. A C++ program that links only the runtime and libtessera_array (no LLVM) and loads it"
./build/example_aot_array_app build/libtessera_ops.so

echo
echo "== 3. A new operator written in Python, compared with NumPy"
$py examples/python_new_operator.py

echo
echo "== 4. Every operator family against NumPy (4M float32 elements, interleaved rounds)"
mkdir -p bench/results
out="bench/results/$(date +%Y-%m-%d)-$(hostname -s)-demo"
$py bench/ops_vs_numpy.py --n 4194304 --rounds 9 --json "$out-ops-vs-numpy.json"

echo
echo "== 5. The compiler core: generated kernels against copy and read bandwidth"
./build/core_bench --json "$out-core.json"
