#!/usr/bin/env bash
# The main job: install, build, then the compiler-core benchmark table.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh
bash scripts/build.sh
mkdir -p bench/results
out="bench/results/$(date +%Y-%m-%d)-$(hostname -s)-core"
./build/core_bench --json "$out.json" | tee "$out.md"
