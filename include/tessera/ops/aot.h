// Ahead-of-time operator libraries: the registered operators' variants compiled for one or
// more CPU targets into one shared object, which the runtime loads without LLVM
// (tessera/runtime/library.h has the format; tools/tessera_aot.cpp is the command line
// and cmake/TesseraOperatorLibrary.cmake the CMake function).
//
// The variant space is each operator's OpDef::enumerate(), chosen so that the calls
// programs make most run without the JIT while the whole CPU library builds in minutes:
//   - elementwise: same-dtype signatures (of the 13 dtypes, those the operator takes),
//     contiguous rank 1 (what every compact call collapses to) and strided ranks 1-4:
//     5 kernels per signature, plus for binary operators the two rank-1 variants with one
//     input broadcast (an array and a scalar, attrs {1} and {2}): 7;
//   - reductions: 17 views per input dtype (reduction_defs.cpp), scans 5 per dtype;
//   - matmul: the 2-D and the batched kernel per dtype; vecdot: 7 per dtype (up to two
//     kept dimensions, each vector mode); tensordot runs matmul's kernels.
// That was 7712 variants, 15424 kernels for host + x86-64: about 500 CPU-seconds of LLVM
// (the SSE2 baseline costs 1.5x the host's) and a 125 MB library (measured 2026-11-23,
// before the scalar, matmul and vecdot variants, which add about a third). The full cross
// product would not build in minutes: mixed-dtype signatures alone are 13^2 per binary
// operator instead of 13. Mixed-dtype calls, other inner-broadcast variants (attrs set by
// dispatch), ranks above 4 and other reduction views are compiled by the JIT on first use
// and then come from the JIT disk cache; a program without the JIT (tessera_array only)
// gets ops::MissingKernelError naming the variant. Options::dtypes narrows a library to
// the dtypes a program uses (tessera_small_ops in CMakeLists.txt: float32, seconds).
//
// Building: worker threads (default: one per core) generate and lower each variant once,
// then compile it for every target to an object file in the cache directory, named by a
// content hash of (lowered IR, compiler identity, target triple/CPU/features, options).
// An unchanged variant is not recompiled; a new compiler build (a new identity) compiles
// everything again. The objects and a generated table source are then linked by the
// system C++ driver (`c++ -shared`), which is acceptable at build time; the library
// depends on libtessera_runtime and libmvec. Progress goes to stderr: one updating line on
// a terminal, a line every few seconds otherwise.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tessera/codegen/llvm.h"
#include "tessera/ops/defop.h"

namespace tessera::ops::aot {

// A named CPU target: "host" (the building machine's CPU: all its features), "x86-64"
// (baseline SSE2; alias "baseline"), or the levels "x86-64-v3" (AVX2, FMA) and
// "x86-64-v4" (AVX-512), which suit libraries built for other machines. `features` are
// the CPU features the code needs, as the runtime checks them (cpu_features.h).
struct Target {
  std::string name;
  codegen::CpuTarget cpu;
  std::vector<std::string> features;
};
// Throws std::invalid_argument for an unknown name.
Target target_named(const std::string& name);

enum class Progress { Auto, Lines, Off };  // Auto: an updating line on a terminal, else lines

struct Options {
  std::string output;                            // path of the shared object to write
  std::vector<std::string> targets = {"host", "x86-64"};
  std::vector<std::string> ops;                  // empty: every registered operator
  std::vector<DataType> dtypes;                  // non-empty: only variants whose inputs all have these
  // Keeps only the variants it accepts (all when unset).
  std::function<bool(const OpDef&, const Variant&)> filter = nullptr;
  int jobs = 0;                                  // worker threads; 0: one per core
  std::string cache_dir;                         // object cache; "": <output dir>/tessera-aot-cache
  std::string cxx;                               // C++ driver; "": $CXX, else "c++"
  Progress progress = Progress::Auto;
};

struct Report {
  int64_t variants = 0;  // operator variants in the library
  int64_t kernels = 0;   // variants x targets
  int64_t compiled = 0;  // object files compiled in this run
  int64_t reused = 0;    // object files found in the cache
  int64_t failed = 0;    // variants that did not compile (left to the JIT; listed on stderr)
  int64_t library_bytes = 0;
  double compile_seconds = 0, link_seconds = 0, total_seconds = 0;
};

// Builds the library. Throws std::invalid_argument for bad options (unknown operator or
// target) and std::runtime_error when linking fails.
Report build_library(const Options& options);

// The variants build_library compiles for `op` (its enumerate(), filtered).
std::vector<Variant> library_variants(const OpDef& op, const Options& options = {});

}  // namespace tessera::ops::aot
