#!/usr/bin/env bash
# The full test suite (the README's test command; CI runs it through .ci/run). Sections:
#   deps      scripts/install_deps.sh
#   build     scripts/build.sh (Release, build/)
#   ctest     the C++ tests, except the program fuzzer's timed run (the fuzz section's)
#   pytest    the Python tests
#   fuzz      fuzz/run.sh: the program fuzzer for 90 s on every core and the simplifier's
#             libFuzzer harness for 45 s, from printed random seeds (alone: nothing else runs)
#   asan      scripts/sanitize.sh asan: ASan+UBSan build of the libraries and every C++ test,
#             and ctest over it
#   tsan      scripts/sanitize.sh tsan: TSan build and run of the threaded tests
# Each section prints a banner and its time, and the run ends with a table of them. A
# failing section does not stop the later ones (except deps and build); the exit status is
# non-zero if any failed. TESSERA_TEST_SKIP="fuzz asan tsan" leaves sections out locally
# ("sanitize" stands for both asan and tsan).
set -euo pipefail
cd "$(dirname "$0")/.."

names=()
results=()
seconds=()
failed=0

section() {
  local name="$1"
  shift
  local skip=" ${TESSERA_TEST_SKIP:-} "
  [[ "$skip" == *" sanitize "* ]] && skip+="asan tsan "
  if [[ "$skip" == *" $name "* ]]; then
    echo "==================== $name: skipped (TESSERA_TEST_SKIP)"
    names+=("$name") results+=("skipped") seconds+=(0)
    return 0
  fi
  echo
  echo "==================== $name ($(date +%T)) ===================="
  local start=$SECONDS status=0
  "$@" || status=$?
  local took=$((SECONDS - start))
  names+=("$name") seconds+=("$took")
  if [ "$status" -eq 0 ]; then
    results+=("passed")
    echo "==================== $name: passed in ${took} s"
  else
    results+=("FAILED")
    failed=$((failed + 1))
    echo "==================== $name: FAILED (status $status) after ${took} s"
  fi
  return "$status"
}

run_ctest() {
  ctest --test-dir build --output-on-failure -j "$(nproc)" --timeout 600 -E '^ProgramFuzz\.(RandomPrograms|GpuSchedules)ForBoundedTime$'
}
run_pytest() {
  PYTHONPATH="$PWD/build/python" .venv/bin/python -m pytest -q tests/python
}

summary() {
  echo
  echo "==================== summary"
  local total=0 passed=0 i
  for i in "${!names[@]}"; do
    printf '  %-9s %-8s %5d s\n' "${names[$i]}" "${results[$i]}" "${seconds[$i]}"
    total=$((total + seconds[i]))
    [ "${results[$i]}" = passed ] && passed=$((passed + 1))
  done
  printf '  %-9s %-8s %5d s\n' total "" "$total"
  echo "sections: $passed passed, $failed failed"
}

if ! section deps bash scripts/install_deps.sh || ! section build bash scripts/build.sh; then
  summary
  exit 1
fi
section ctest run_ctest || true
section pytest run_pytest || true
section fuzz bash fuzz/run.sh || true
section asan bash scripts/sanitize.sh asan || true
section tsan bash scripts/sanitize.sh tsan || true
summary
[ "$failed" -eq 0 ]
