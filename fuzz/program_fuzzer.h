// Random tensor-expression programs and schedules from a seed: the generator of the
// program fuzzer (tests/cpp/program_fuzz_test.cpp, which checks what it generates).
//
// A program has 1-3 placeholders of rank 0-3 and any dtype, trees of elementwise
// operations with broadcasting reads, optionally a reduction (sum, prod, max, min, or an
// argmax/argmin tuple over one or two axes) and intermediate stages. Its schedule is
// random but meant to be valid: cache_write, rfactor of a split reduction axis,
// cache_read, split/split_nparts (factors 1-9, often not dividing), fuse of adjacent
// loops, reorder, tile, vectorize, parallel, unroll, then compute_inline / compute_at /
// set_scope for intermediates. A primitive that throws ScheduleError is skipped and its
// message recorded; anything else it throws propagates (it is a bug).
//
// GPU schedules (GenOptions::gpu): the same programs, with schedules a GPU can run as one
// kernel. The loop transforms are the same (parallel left out); then every output stage's
// outermost data-parallel loops are bound to blockIdx/threadIdx (a split by a thread count,
// often not dividing), and every other stage is inlined or computed at a loop at or inside
// its consumer's thread loop (so each thread computes what it reads: no cross-thread
// dependence). Reductions stay inside one thread (rfactor included).
//
// Three random streams come from one seed (program, schedule, and the checker's data),
// so leaving out a schedule step or shrinking sizes keeps the rest of the program. Each
// schedule step draws a fixed amount of randomness whether or not it applies, and picks
// loops by index modulo the loops that exist when it runs.
#pragma once
#include <cstdint>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "tessera/lower/lower.h"
#include "tessera/schedule/schedule.h"
#include "tessera/te/tensor.h"

namespace tessera::fuzz {

class Rng {
 public:
  explicit Rng(uint64_t seed) : g_(seed) {}
  uint64_t raw() { return g_(); }
  int below(size_t n) { return n <= 1 ? 0 : static_cast<int>(g_() % n); }
  int between(int lo, int hi) { return lo + below(static_cast<size_t>(hi - lo + 1)); }
  bool chance(int percent) { return below(100) < percent; }
  template <class T>
  const T& pick(const std::vector<T>& v) { return v[below(v.size())]; }

 private:
  std::mt19937_64 g_;
};

struct GenOptions {
  std::set<int> skip_steps;  // schedule steps to leave out (used by the minimizer)
  int max_dim_size = -1;     // >= 0: clamp every dimension's size (used by the minimizer)
  bool gpu = false;          // GPU schedules (thread bindings), see above
};

// A dimension of the program's index space; tensors use a subset of them.
struct Dim {
  int64_t size = 1;             // the concrete size the checker uses
  ir::Expr extent;              // size_var or constant
  std::optional<ir::Var> var;   // set when symbolic
};

struct TensorInfo {
  te::Tensor tensor;
  std::vector<int> dims;  // program dimension of each tensor dimension; -1: extent 1
  // 0: exact; else the significand bits of the narrowest approximate math (exp, log,
  // tanh, sin, pow, ...) the values depend on. Such values never reach comparisons,
  // integer casts, rounding, sums or further math, so their error stays a few ULP.
  int approx = 0;
  // Depends on a float reduction, whose result a schedule may legitimately change (the
  // order of additions; max(-0, +0) keeps its first operand).
  bool order_sensitive = false;
};

struct Program {
  std::vector<Dim> dims;
  std::vector<TensorInfo> placeholders;
  std::vector<TensorInfo> outputs;
  std::vector<lower::Arg> args;                     // placeholders, outputs, scalars
  std::vector<std::pair<ir::Var, double>> scalars;  // scalar arguments and their values
  bool has_reduction = false;
  std::string text;  // the compute definitions, one per line
};

struct GeneratedProgram {
  Program program;
  std::optional<schedule::Schedule> schedule;
  std::string schedule_text;                 // one numbered line per step
  std::vector<std::string> schedule_errors;  // ScheduleError messages of skipped steps
  int schedule_steps = 0;                    // primitives attempted
};

// Fills *out as it goes, so after an exception it holds the program and steps so far.
void generate_program(uint64_t seed, const GenOptions& options, GeneratedProgram* out);

// The schedule of a generated program (schedule_fuzzer.cpp); records its steps in *out.
schedule::Schedule random_schedule(uint64_t seed, const GenOptions& options, const Program& program,
                                   GeneratedProgram* out);

// Significand bits of a float type (11 for float16, 8 for bfloat16).
int float_precision(ir::DataType t);

}  // namespace tessera::fuzz
