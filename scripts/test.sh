#!/usr/bin/env bash
# The full test suite: install, build, run the C++ tests (CTest) and the Python tests (pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh
bash scripts/build.sh
ctest --test-dir build --output-on-failure -j "$(nproc)" --timeout 600
PYTHONPATH="$PWD/build/python" .venv/bin/python -m pytest -q tests/python
