#!/usr/bin/env bash
# Installs what tessera needs on Debian 12 (run as root or with sudo available):
# LLVM 19, CMake, Ninja, GoogleTest, and a Python venv in .venv for the Python tests;
# clang-14 with its runtime (libFuzzer, sanitizers) for the simplifier fuzzer (fuzz/run.sh).
# --peers also installs bench/requirements-peers.txt (NumPy, numexpr, TVM, Halide) for
# bench/peers.py.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for pkg in llvm-19-dev cmake ninja-build g++ libgtest-dev python3-venv python3-dev zlib1g-dev libzstd-dev \
           clang-14 libclang-rt-14-dev; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "installing: ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check numpy nanobind pytest ml_dtypes array-api-strict
if [ "${1:-}" = "--peers" ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check -r bench/requirements-peers.txt
fi
