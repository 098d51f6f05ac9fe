#!/usr/bin/env bash
# The fuzzers, as CI runs them (scripts/test.sh calls this after the plain build):
#
#  1. The program fuzzer (tests/cpp/program_fuzz_test.cpp, built in build/) for
#     $TESSERA_FUZZ_SECONDS (default 90) in $TESSERA_FUZZ_JOBS processes (default: one per
#     core), from a random base seed that is printed first. scripts/test.sh runs this
#     section alone, so the processes have the cores to themselves.
#     When a program fails, its seed is run again through TESSERA_FUZZ_REPRO to check that
#     the failure reproduces, and the report says how to rerun it. A 3-second run with
#     corrupted results (TESSERA_FUZZ_CORRUPT=1) checks that this failure path works.
#     Then GPU schedules (thread bindings) of the same kind of programs for
#     $TESSERA_FUZZ_GPU_SECONDS (default 60), in the CPU emulator (each program's CUDA C
#     is also compiled by NVRTC when it is installed), or on the GPU where there is one.
#  2. The simplifier's libFuzzer harness (fuzz/simplify_fuzzer.cpp), built with clang-14
#     into build-libfuzzer/, for $TESSERA_SIMPLIFY_FUZZ_SECONDS (default 45), also from a
#     printed seed.
#
#   bash fuzz/run.sh                      # all three
#   TESSERA_FUZZ_SEED=123 bash fuzz/run.sh program
#   bash fuzz/run.sh gpu                  # GPU schedules only
#   bash fuzz/run.sh simplify
#
# TESSERA_BUILD_DIR (default build) names the plain build; the libFuzzer build goes to
# <it>-libfuzzer when it is not build.
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-all}"
status=0
build="${TESSERA_BUILD_DIR:-build}"
libfuzzer_build="$([ "$build" = build ] && echo build-libfuzzer || echo "$build-libfuzzer")"

random_seed() { od -An -N4 -tu4 /dev/urandom | tr -d ' '; }

# run_program_fuzzer [TAG [gpu]]: CPU schedules, or GPU schedules with "gpu".
run_program_fuzzer() {
  local tag="${1:-}" gpu="${2:-}" seed="${TESSERA_FUZZ_SEED:-$(random_seed)}"
  local seconds="${TESSERA_FUZZ_SECONDS:-90}" test=ProgramFuzz.RandomProgramsForBoundedTime what=program
  if [ -n "$gpu" ]; then
    seconds="${TESSERA_FUZZ_GPU_SECONDS:-60}" test=ProgramFuzz.GpuSchedulesForBoundedTime what=gpu
  fi
  local jobs="${TESSERA_FUZZ_JOBS:-$(nproc)}" pids=() failed=0 i
  echo "program fuzzer${gpu:+ (GPU schedules)}: base seed $seed, $jobs processes for $seconds s, process i from seed $seed + i * 1000003"
  echo "  (rerun: TESSERA_FUZZ_SEED=$seed TESSERA_FUZZ_JOBS=$jobs TESSERA_FUZZ_SECONDS=$seconds TESSERA_FUZZ_GPU_SECONDS=$seconds bash fuzz/run.sh $what)"
  for ((i = 0; i < jobs; i++)); do
    TESSERA_FUZZ_SEED=$((seed + i * 1000003)) TESSERA_FUZZ_SECONDS="$seconds" TESSERA_FUZZ_GPU_SECONDS="$seconds" \
      ./$build/program_fuzz_test --gtest_filter=$test >"$build/program_fuzz$tag.$i.log" 2>&1 &
    pids+=("$!")
  done
  for i in "${!pids[@]}"; do wait "${pids[$i]}" || failed=1; done
  local total=0 n
  for ((i = 0; i < jobs; i++)); do
    local log="$build/program_fuzz$tag.$i.log"
    [ "$failed" -eq 0 ] || cat "$log"  # the failure reports, with programs, schedules and IR
    grep -E "^program fuzzer: [0-9]|^  [a-zA-Z ]+: [0-9]+$|^slowest program|^schedule primitives applied|^program fuzzer summary" "$log" || true
    n="$(sed -n 's/^program fuzzer summary: \([0-9]*\) programs.*/\1/p' "$log")"
    total=$((total + ${n:-0}))
  done
  echo "program fuzzer: $total programs checked in $seconds s by $jobs processes"
  [ "$failed" -eq 0 ] && return 0
  # Check that the first failing seed fails again alone.
  local failing
  failing="$(cat "$build"/program_fuzz"$tag".*.log | sed -n '/^failing seeds:/,/^program fuzzer summary/p' |
    sed -n 's/^  \([0-9][0-9]*\): .*/\1/p' | head -1)"
  if [ -n "$failing" ]; then
    local repro_log="$build/program_fuzz_repro$tag.log"
    echo "---- reproducing seed $failing: ${gpu:+TESSERA_FUZZ_GPU=auto }TESSERA_FUZZ_REPRO=$failing ./$build/program_fuzz_test --gtest_filter=ProgramFuzz.Repro"
    if TESSERA_FUZZ_GPU="${gpu:+auto}" TESSERA_FUZZ_REPRO="$failing" ./$build/program_fuzz_test --gtest_filter=ProgramFuzz.Repro >"$repro_log" 2>&1; then
      echo "seed $failing did NOT fail when run alone (flaky or dependent on earlier programs): see $repro_log"
    else
      echo "seed $failing reproduces; minimize with TESSERA_FUZZ_MINIMIZE=1 and the same command"
    fi
  fi
  return 1
}

# The failure path itself: with every native result corrupted, the fuzzer must fail and
# its first failing seed must fail again alone.
check_failure_path() {
  local log=$build/program_fuzz_selfcheck.log
  if TESSERA_FUZZ_CORRUPT=1 TESSERA_FUZZ_SECONDS=3 run_program_fuzzer _selfcheck >"$log" 2>&1; then
    echo "fuzzer self-check FAILED: corrupted results were not reported (see $log)"
    return 1
  fi
  if ! grep -q "reproduces;" "$log"; then
    echo "fuzzer self-check FAILED: a failing seed did not reproduce through TESSERA_FUZZ_REPRO (see $log)"
    return 1
  fi
  echo "fuzzer self-check: with corrupted results, $(grep -c '^==== program fuzzer seed' "$log") failure reports; $(grep 'reproduces;' "$log" | cut -d';' -f1)"
}

run_simplify_fuzzer() {
  local seconds="${TESSERA_SIMPLIFY_FUZZ_SECONDS:-45}" seed="${TESSERA_FUZZ_SEED:-$(random_seed)}"
  cmake -S . -B $libfuzzer_build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-14 \
    -DCMAKE_C_COMPILER=clang-14 -DTESSERA_LIBFUZZER=ON -DTESSERA_BUILD_TESTS=OFF -DTESSERA_PYTHON=OFF >/dev/null
  cmake --build $libfuzzer_build -j "$(nproc)" --target simplify_fuzzer
  mkdir -p $libfuzzer_build/corpus
  echo "simplifier fuzzer: seed $seed for $seconds s (rerun: ./$libfuzzer_build/simplify_fuzzer -seed=$seed -max_total_time=$seconds $libfuzzer_build/corpus)"
  # The harness prints how many expressions divided or took a modulo by a negative number.
  TESSERA_FUZZ_STATS=1 ./$libfuzzer_build/simplify_fuzzer -seed="$seed" -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix=$libfuzzer_build/ $libfuzzer_build/corpus 2>&1 | grep -vE '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse)|^"|^###### |NEW_FUNC\[|^INFO: ' || return 1
}

# Runs a step and prints its time.
step() {
  local name="$1" start=$SECONDS result=0
  shift
  echo "---- $name"
  "$@" || result=$?
  echo "---- $name: $([ "$result" -eq 0 ] && echo passed || echo FAILED) in $((SECONDS - start)) s"
  return "$result"
}

case "$what" in
  program) run_program_fuzzer || status=1 ;;
  gpu) run_program_fuzzer _gpu gpu || status=1 ;;
  simplify) run_simplify_fuzzer || status=1 ;;
  selfcheck) check_failure_path || status=1 ;;
  all)
    step "program fuzzer" run_program_fuzzer || status=1
    step "program fuzzer, GPU schedules" run_program_fuzzer _gpu gpu || status=1
    step "program fuzzer self-check" check_failure_path || status=1
    step "simplifier fuzzer (build and run)" run_simplify_fuzzer || status=1
    ;;
  *) echo "usage: fuzz/run.sh [program|gpu|simplify|selfcheck|all]" >&2; exit 2 ;;
esac
exit "$status"
