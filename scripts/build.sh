#!/usr/bin/env bash
# Configures and builds everything into build/ (Release), the Python extension included.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DPython_EXECUTABLE="$PWD/.venv/bin/python" >/dev/null
cmake --build build -j "$(nproc)"
