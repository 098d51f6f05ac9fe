#!/usr/bin/env bash
# Builds the Python extension on the GPU machine and prints how to use it:
#
#   scripts/gpu_python_build.sh LIB_DIR [OUT_DIR]     (OUT_DIR default: /tmp/tessera-py)
#
# The GPU machine has Python 3.12, nanobind, cmake and ninja but no LLVM, so the tessera
# libraries (libtessera_{compiler,array,runtime}.so) are built on the development machine
# and carried in LIB_DIR, with Debian's libllvm19 and libz3 in .carry/ (see
# scripts/gpu_check.sh). This compiles only python/src/*.cpp against them with the
# machine's python3, and puts the package in OUT_DIR/tessera. Then, in the same shell:
#
#   source <(scripts/gpu_python_build.sh gpu-bin-array)    # exports the variables
#   python3 -m pytest tests/python/test_gpu_interop.py
#
# Everything but the final `export` lines goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
lib=$(realpath "${1:?usage: gpu_python_build.sh LIB_DIR [OUT_DIR]}")
out=${2:-/tmp/tessera-py}
python=${PYTHON:-python3}

if ls .carry/*.deb >/dev/null 2>&1; then
  mkdir -p /opt/dl
  for f in .carry/*.deb; do dpkg -x "$f" /opt/dl; done
fi
llvm_dir=/opt/dl/usr/lib/x86_64-linux-gnu

work=$(mktemp -d)
cat >"$work/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.18)
project(tessera_python LANGUAGES CXX)
set(CMAKE_CXX_STANDARD 20)
set(CMAKE_BUILD_TYPE Release)
find_package(Python 3.8 COMPONENTS Interpreter Development.Module REQUIRED)
execute_process(COMMAND \${Python_EXECUTABLE} -m nanobind --cmake_dir
                OUTPUT_VARIABLE nanobind_ROOT OUTPUT_STRIP_TRAILING_WHITESPACE)
find_package(nanobind CONFIG REQUIRED)
file(GLOB sources $PWD/python/src/*.cpp)
nanobind_add_module(_core NB_STATIC \${sources})
target_include_directories(_core PRIVATE $PWD/include $PWD/src $PWD/python/src)
# The compiler library installs the JIT and the CUDA dispatch when loaded: keep it.
target_link_options(_core PRIVATE "LINKER:--no-as-needed" "LINKER:-rpath-link,$llvm_dir")
target_link_libraries(_core PRIVATE $lib/libtessera_compiler.so $lib/libtessera_array.so
                      $lib/libtessera_runtime.so)
EOF
cmake -S "$work" -B "$work/build" -G Ninja -DPython_EXECUTABLE="$(command -v "$python")" >&2
cmake --build "$work/build" -j "$(nproc)" >&2
mkdir -p "$out/tessera"
cp python/tessera/*.py "$out/tessera/"
cp "$work"/build/_core*.so "$out/tessera/"
echo "export TESSERA_PYTHON_DIR=$out"
echo "export PYTHONPATH=$out\${PYTHONPATH:+:\$PYTHONPATH}"
echo "export LD_LIBRARY_PATH=$lib:$llvm_dir:/usr/local/cuda/lib64\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
