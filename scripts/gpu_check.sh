#!/usr/bin/env bash
# GPU checks, run on the lent GPU machine from the repository root:
#
#   scripts/gpu_check.sh [BIN_DIR]      (default: build)
#
# BIN_DIR holds the test binaries built on the development machine (cmake --build build
# --target gpu_ops_test gpu_reduction_test codegen_cuda_test codegen_cuda_reduction_test
# codegen_cuda_emulated_test lower_gpu_test) and libtessera_{compiler,array,runtime}.so. The GPU machine has no LLVM: the run must
# carry .carry/ (../shared/tools/device-carry.sh puts Debian's libllvm19 and libz3-4 there)
# and this script unpacks it. It runs:
#   1. gpu_ops_test: every elementwise operator on the GPU against scalar references;
#      gpu_reduction_test: every reduction operator and GPU mode against the CPU kernels;
#   2. codegen_cuda_test, codegen_cuda_reduction_test, lower_gpu_test and
#      codegen_cuda_emulated_test (the CI tests, which also pass without a GPU);
#   3. gpu_ops_test and gpu_reduction_test again under compute-sanitizer --tool memcheck,
#      and part of gpu_reduction_test under --tool racecheck (shared-memory races of the
#      cross-thread trees), if compute-sanitizer is installed and supports the device
#      (gVisor machines refuse it: reported, not counted as a failure).
# Logs go to $OUT (the device tool's output folder) or /tmp/gpu_check; the last lines are a
# summary table, and the exit status is non-zero if any step failed.
# SKIP_MEMCHECK=1 leaves step 3 out; MEMCHECK_FILTER narrows it (a --gtest_filter pattern;
# MEMCHECK_FILTER_<binary> for one binary), RACECHECK_FILTER the racecheck step,
# MEMCHECK_TESTS names the binaries (default: gpu_ops_test gpu_reduction_test); PLAIN_TESTS
# those of steps 1 and 2 (PLAIN_TESTS= runs only step 3, whose tests check results too).
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
  stdbuf -oL "$@" >"$logs/$name.log" 2>&1
  local rc=$?
  tail -n 25 "$logs/$name.log"
  names+=("$name")
  if [ $rc -eq 0 ] && [[ "$name" = gpu_*_test ]] && grep -q "PASSED  \] 0 tests" "$logs/$name.log"; then
    results+=("FAIL (every test skipped: $(grep -m1 -o 'no GPU: .*\|no NVRTC: .*' "$logs/$name.log"))")
    status=1
  elif [ $rc -eq 0 ]; then
    results+=("pass")
  else
    results+=("FAIL (exit $rc)")
    status=1
  fi
}

for t in ${PLAIN_TESTS-gpu_ops_test gpu_reduction_test codegen_cuda_test codegen_cuda_reduction_test lower_gpu_test
         codegen_cuda_emulated_test}; do
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
elif [ -n "$sanitizer" ]; then
  sanitize() {  # sanitize NAME TOOL BINARY FILTER
    local name=$1 tool=$2 test=$3 filter=$4
    echo "=== $name: $sanitizer --tool $tool $bin/$test --gtest_filter=$filter"
    TESSERA_UNDER_SANITIZER=1 stdbuf -oL "$sanitizer" --tool "$tool" --error-exitcode 99 --print-limit 20 \
      "$bin/$test" --gtest_color=no --gtest_filter="$filter" >"$logs/$name.log" 2>&1
    local rc=$?
    tail -n 15 "$logs/$name.log"
    names+=("$name")
    if grep -q "Device not supported" "$logs/$name.log"; then
      results+=("not run (compute-sanitizer does not support this device)")
    elif [ $rc -eq 0 ]; then
      results+=("pass ($(grep -m1 -o 'ERROR SUMMARY: [0-9]* error[s]*\|RACECHECK SUMMARY: [0-9]* hazard[s]*[^\n]*' "$logs/$name.log"))")
    else
      results+=("FAIL (exit $rc; see $name.log)")
      status=1
    fi
  }
  for t in ${MEMCHECK_TESTS:-gpu_ops_test gpu_reduction_test}; do
    filter_var="MEMCHECK_FILTER_$t"
    [ -x "$bin/$t" ] && sanitize "memcheck_$t" memcheck "$t" "${!filter_var:-${MEMCHECK_FILTER:-*}}"
  done
  [ -x "$bin/gpu_reduction_test" ] && sanitize racecheck_gpu_reduction_test racecheck gpu_reduction_test \
    "${RACECHECK_FILTER:-GpuReductions.MatchPlainLoops:GpuReductions.EmptyKeptAxisLaunchesNothing}"
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
