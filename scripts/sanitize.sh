#!/usr/bin/env bash
# Sanitizer builds of the C++ tests, each in its own build directory (scripts/test.sh runs
# them as its asan and tsan sections, after the plain build):
#
#   asan  build-asan: AddressSanitizer + UndefinedBehaviorSanitizer (-DTESSERA_SANITIZE=address)
#         over the libraries and every C++ test (tests/cpp/*_test.cpp); the program fuzzer's
#         timed test runs for $TESSERA_ASAN_FUZZ_SECONDS (default 15) instead of the fuzz
#         section's minutes in the plain build. The reference interpreter is instrumented,
#         so an out-of-bounds access in lowered code shows up here even though JIT-compiled
#         code is not instrumented.
#   tsan  build-tsan: ThreadSanitizer over the libraries, concurrency_test (eight threads
#         calling ops::call and ops::reduce and JIT-compiling new operators at once),
#         array_concurrency_test and runtime_test (the thread pool).
#
# The build is most of the time these sections take, so only the test executables and the
# libraries they link are built (no Python module, benchmarks or examples), without debug
# information (reports still name functions), the libraries at -O1 and the tests at -O0
# (TESSERA_TEST_COMPILE_OPTIONS): instrumented -O1 code of the large GoogleTest bodies
# compiles at half the speed of -O0, while the time tests run goes to the libraries and to
# LLVM. Tests whose executables are not built here (the example application) are left out.
#
# Debian's libLLVM-19 is not instrumented; scripts/sanitizers/*.supp lists the reports that
# its code causes, each entry with the reason. Nothing of tessera's own code is suppressed.
#
#   bash scripts/sanitize.sh [asan|tsan|all]      (default all)
#
# TESSERA_BUILD_DIR=dir puts the builds in dir-asan and dir-tsan instead.
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-all}"
asan_dir="${TESSERA_BUILD_DIR:-build}-asan"
tsan_dir="${TESSERA_BUILD_DIR:-build}-tsan"
jobs="$(nproc)"
supp="$PWD/scripts/sanitizers"
# See above: -O1 libraries, -O0 tests, no debug information.
configure=(-G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g0 -DNDEBUG"
           -DTESSERA_TEST_COMPILE_OPTIONS=-O0 -DTESSERA_PYTHON=OFF)
# Every executable that runs (test discovery at build time included) uses the same options.
export ASAN_OPTIONS="detect_leaks=1:strict_string_checks=1:check_initialization_order=1"
export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$supp/ubsan.supp"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$supp/tsan.supp"

# Runs a step and prints its time (the sections of scripts/test.sh time this script whole).
step() {
  local name="$1" start=$SECONDS status=0
  shift
  echo "---- $name"
  "$@" || status=$?
  echo "---- $name: $([ "$status" -eq 0 ] && echo done || echo "FAILED ($status)") in $((SECONDS - start)) s"
  return "$status"
}

run_asan() {
  local tests=()
  for f in tests/cpp/*_test.cpp; do tests+=("$(basename "$f" .cpp)"); done
  cmake -S . -B "$asan_dir" "${configure[@]}" -DTESSERA_SANITIZE=address >/dev/null
  step "ASan+UBSan build (${#tests[@]} test executables and their libraries)" \
    cmake --build "$asan_dir" -j "$jobs" --target "${tests[@]}" || return 1
  # Left out: the NVRTC compile sweeps (NvrtcCompiles*: every GPU variant through NVRTC,
  # whose time is NVRTC's own and which the Release ctest runs), about 2.5 of the section's
  # minutes; the tests that emulate those kernels on the CPU stay in.
  step "ASan+UBSan tests" env TESSERA_FUZZ_SECONDS="${TESSERA_ASAN_FUZZ_SECONDS:-15}" \
    ctest --test-dir "$asan_dir" --output-on-failure -j "$jobs" --timeout 900 -E '^example_|NvrtcCompiles'
}

run_tsan() {
  local tests=(concurrency_test array_concurrency_test runtime_test) present=() t
  for t in "${tests[@]}"; do [ -f "tests/cpp/$t.cpp" ] && present+=("$t"); done
  cmake -S . -B "$tsan_dir" "${configure[@]}" -DTESSERA_SANITIZE=thread >/dev/null
  step "TSan build (${present[*]})" cmake --build "$tsan_dir" -j "$jobs" --target "${present[@]}" || return 1
  local status=0
  for t in "${present[@]}"; do
    step "TSan $t" "./$tsan_dir/$t" || status=1
  done
  return "$status"
}

case "$what" in
  asan) run_asan ;;
  tsan) run_tsan ;;
  all)
    status=0
    run_asan || status=1
    run_tsan || status=1
    exit "$status"
    ;;
  *) echo "usage: scripts/sanitize.sh [asan|tsan|all]" >&2; exit 2 ;;
esac
