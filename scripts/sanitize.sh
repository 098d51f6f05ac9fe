#!/usr/bin/env bash
# Sanitizer builds of the C++ tests: AddressSanitizer + UndefinedBehaviorSanitizer over the
# whole suite, then ThreadSanitizer over the tests that use threads.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTESSERA_SANITIZE=address -DTESSERA_PYTHON=OFF >/dev/null
cmake --build build-asan -j "$jobs"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs" --timeout 900

cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTESSERA_SANITIZE=thread -DTESSERA_PYTHON=OFF >/dev/null
cmake --build build-tsan -j "$jobs" --target concurrency_test runtime_test
TSAN_OPTIONS=halt_on_error=1 ./build-tsan/concurrency_test
TSAN_OPTIONS=halt_on_error=1 ./build-tsan/runtime_test
