// A differential fuzzer of whole tensor-expression programs.
//
// From one seed it builds a random program (1-3 placeholders of random rank and dtype,
// elementwise trees with broadcasting reads, an optional reduction and intermediate
// stages), applies a random schedule that should be valid (split, fuse, reorder,
// vectorize, unroll, parallel, compute_inline, compute_at, cache_write, rfactor), builds
// it with tessera::build, runs the native kernel and the reference interpreter on the same
// lowered function and the same random inputs (special values included), and compares
// every byte of the outputs. Then it interprets the same program lowered without any
// schedule and compares that with the native result too: native code and interpreter
// share every bug of the schedule and lowering passes, the unscheduled program does not.
//
// Native against interpreter finds code generation (and interpreter) bugs; scheduled
// against unscheduled finds schedule and lowering bugs (bounds, partitioning, vectorizing,
// unrolling, simplification), also as writes into the padding of the output arrays. Float
// reductions are left out of the second comparison: a schedule may legitimately reorder
// their additions, and max(-0, +0) keeps its first operand.
//
// Comparison rules: integers and bool bit-exact; floats bit-exact (signed zeros included)
// with NaN equal to NaN, except outputs that depend on an approximate math function
// (exp, log, tanh, sin, pow, atan2: libmvec is allowed 4 ULP against the interpreter's
// correctly rounded double), which may differ by kMathUlpTolerance units in the last
// place of the output type. The generator keeps such values away from operations that
// would turn a small error into a large one (comparisons, casts to integers, rounding,
// sums, subtraction, further math).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "../../fuzz/program_fuzzer.h"

namespace tessera::fuzz {

// ULP tolerance of float outputs that depend on approximate math (see above).
inline constexpr int64_t kMathUlpTolerance = 64;

enum class Outcome {
  Passed,          // outputs matched
  Rejected,        // lowering rejected the schedule with ScheduleError (not a failure)
  TooSlow,         // the native kernel ran too long for the interpreter to follow (not compared)
  Mismatch,        // native and interpreter outputs differ
  CompilerError,   // build threw something other than ScheduleError
  KernelError,     // native kernel or interpreter returned an error status
  GeneratorError,  // building the program itself threw (a bug in the fuzzer or in te/op.h)
  Crash,           // the process running the program died (signal), see FuzzResult::message
  Timeout,         // the process running the program did not finish in time
};
const char* to_string(Outcome o);
inline bool is_failure(Outcome o) { return o != Outcome::Passed && o != Outcome::Rejected && o != Outcome::TooSlow; }

// A schedule may recompute a producer at every iteration of a deep nest (compute_at inside
// compute_at), which native code runs in milliseconds and the interpreter, some thousand
// times slower, in minutes. Programs whose native kernel uses more CPU time than this are
// not compared (Outcome::TooSlow) rather than reported as timeouts.
// Sanitizer builds interpret several times slower (the interpreter is instrumented, the
// JIT-compiled kernels are not), so there the bound is a quarter and the isolation timeout
// twice as long (an ASan run timed out on a program Release interprets in 6 s).
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr int kSanitizerSlowdown = 4;
#else
inline constexpr int kSanitizerSlowdown = 1;
#endif
// 5 ms: at 15 ms a CI program (seed 2864221114) took 23 s of CPU to interpret, against
// the 30 s timeout (the interpreter runs 1,000 to 2,000 times slower than native code).
inline constexpr double kMaxNativeSecondsToInterpret = 0.005 / kSanitizerSlowdown;
// The same on the GPU, whose kernel time (launch included) weighs the work differently: a
// program that keeps a GPU busy this long (e.g. on a single thread) is not interpreted.
inline constexpr double kMaxGpuSecondsToInterpret = 0.005;

// Where GPU schedules run (program_fuzzer_gpu.h); None: CPU schedules.
enum class GpuRun { None, Emulated, Device };

struct FuzzOptions {
  GenOptions gen;  // what the generator leaves out (used by the minimizer)
  GpuRun gpu = GpuRun::None;  // GPU schedules, run in the CPU emulator or on the device
  bool force_contiguous = false;  // compact arrays and the contiguous lowering
  bool corrupt_native_output = false;  // flip a bit of the native result (tests the checker)
};

struct FuzzResult {
  uint64_t seed = 0;
  Outcome outcome = Outcome::Passed;
  std::string program;                      // compute definitions, sizes, layouts
  std::string schedule;                     // the schedule steps, one per line
  std::vector<std::string> schedule_errors; // ScheduleError messages of skipped primitives
  int schedule_steps = 0;                   // primitives attempted
  std::string message;                      // exception / first differing element
  std::string lowered_ir;                   // ir::to_string of the lowered body (if built)
  std::string reference_ir;                 // the unscheduled reference's, when it disagrees
  int64_t elements_compared = 0;
  std::string phase;                        // what was running last (for crashes)
  // Everything needed to reproduce: seed, program, schedule, IR, message.
  std::string report() const;
};

// Generates, builds, runs and compares the program of `seed` in this process. Never
// throws, but a compiler crash (stack overflow, bad kernel) takes the process down.
FuzzResult run_program(uint64_t seed, const FuzzOptions& options = {});

// The same in a forked child process, so a crash or a hang becomes Outcome::Crash or
// Outcome::Timeout with the program and schedule that caused it. The calling process
// must not have run kernels (the runtime's thread pool does not survive fork).
// The timeout counts the child's CPU time, so a loaded machine (other jobs on the cores)
// does not turn a slow program into a timeout; wall-clock time is capped at four times it.
FuzzResult run_program_isolated(uint64_t seed, const FuzzOptions& options = {}, int timeout_seconds = 30);

// The program and schedule text of `seed` without building (for determinism checks).
std::string describe_program(uint64_t seed, const FuzzOptions& options = {});

// Shrinks a failing seed (isolated runs): lowers dimension sizes and drops schedule steps
// one at a time while the outcome stays the same failure kind. Returns the smallest
// failing variant and the options that produce it (starting from *options_out's, if given:
// a GPU seed is minimized on the GPU path).
FuzzResult minimize(uint64_t seed, FuzzOptions* options_out = nullptr);

}  // namespace tessera::fuzz
