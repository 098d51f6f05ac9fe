#!/usr/bin/env bash
# GPU checks, run on the lent GPU machine from the repository root:
#
#   scripts/gpu_check.sh [BIN_DIR]      (default: build)
#
# BIN_DIR holds the test binaries built on the development machine (cmake --build build
# --target gpu_ops_test codegen_cuda_test codegen_cuda_emulated_test lower_gpu_test) and
# libtessera_compiler.so / libtessera_runtime.so. The GPU machine has no LLVM: the run must
# carry .carry/ (../shared/tools/device-carry.sh puts Debian's libllvm19 and libz3-4 there)
# and this script unpacks it. It runs:
#   1. gpu_ops_test: every elementwise operator on the GPU against scalar references;
#   2. codegen_cuda_test, lower_gpu_test and codegen_cuda_emulated_test (the CI tests, which
#      also pass without a GPU);
#   3. gpu_ops_test again under compute-sanitizer --tool memcheck, if it is installed and
#      supports the device (gVisor machines refuse it: reported, not counted as a failure).
# Logs go to $OUT (the device tool's output folder) or /tmp/gpu_check; the last lines are a
# summary table, and the exit status is non-zero if any step failed.
# SKIP_MEMCHECK=1 leaves step 3 out; MEMCHECK_FILTER narrows it (a --gtest_filter pattern).
set -uo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build}
logs=${OUT:-/tmp/gpu_check}
mkdir -p "$logs"

# LLVM and z3 for libtessera_compiler.so (the host half of every GPU kernel is LLVM-compiled).
if ls .carry/*.deb >/dev/null 2>&1; then
  mkdir -p /opt/dl
  for f in .carry/*.deb; do dpkg -x "$f" /opt/dl; done
  export LD_LIBRARY_PATH=/opt/dl/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}
fi
# The build tree's RPATH names the development machine's paths.
export LD_LIBRARY_PATH=$PWD/$bin:/usr/local/cuda/lib64:${LD_LIBRARY_PATH:-}
export TESSERA_CUDA_SYNC=${TESSERA_CUDA_SYNC:-0}

nvidia-smi -L 2>&1 | tee "$logs/nvidia-smi.log"
declare -a names results
status=0

step() {  # step NAME COMMAND...: runs it, logs to $logs/NAME.log, records pass/fail
  local name=$1
  shift
  echo "=== $name: $*"
  "$@" >"$logs/$name.log" 2>&1
  local rc=$?
  tail -n 25 "$logs/$name.log"
  names+=("$name")
  if [ $rc -eq 0 ] && [ "$name" = gpu_ops_test ] && grep -q "PASSED  \] 0 tests" "$logs/$name.log"; then
    results+=("FAIL (every test skipped: $(grep -m1 -o 'no GPU: .*\|no NVRTC: .*' "$logs/$name.log"))")
    status=1
  elif [ $rc -eq 0 ]; then
    results+=("pass")
  else
    results+=("FAIL (exit $rc)")
    status=1
  fi
}

for t in gpu_ops_test codegen_cuda_test lower_gpu_test codegen_cuda_emulated_test; do
  if [ -x "$bin/$t" ]; then
    step "$t" "$bin/$t" --gtest_color=no
  else
    names+=("$t")
    results+=("FAIL (missing $bin/$t)")
    status=1
  fi
done

sanitizer=$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer /usr/local/cuda/compute-sanitizer/compute-sanitizer 2>/dev/null | head -n 1 || true)
if [ "${SKIP_MEMCHECK:-0}" = 1 ]; then
  names+=("memcheck")
  results+=("not run (SKIP_MEMCHECK=1)")
elif [ -n "$sanitizer" ] && [ -x "$bin/gpu_ops_test" ]; then
  echo "=== memcheck: $sanitizer --tool memcheck $bin/gpu_ops_test"
  TESSERA_UNDER_SANITIZER=1 "$sanitizer" --tool memcheck --error-exitcode 99 --print-limit 20 \
    "$bin/gpu_ops_test" --gtest_color=no --gtest_filter="${MEMCHECK_FILTER:-*}" >"$logs/memcheck.log" 2>&1
  rc=$?
  tail -n 25 "$logs/memcheck.log"
  names+=("memcheck")
  if grep -q "Device not supported" "$logs/memcheck.log"; then
    results+=("not run (compute-sanitizer does not support this device)")
  elif [ $rc -eq 0 ]; then
    results+=("pass")
  else
    results+=("FAIL (exit $rc; see memcheck.log)")
    status=1
  fi
else
  names+=("memcheck")
  results+=("not run (no compute-sanitizer)")
fi

echo
echo "| step | result |"
echo "| --- | --- |"
for i in "${!names[@]}"; do echo "| ${names[$i]} | ${results[$i]} |"; done
echo "logs: $logs"
exit $status
