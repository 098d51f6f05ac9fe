// Lowering: a schedule and its argument list -> a packed kernel (LoweredFunc).
//
// The passes and their order are listed in src/lower/pipeline.cpp. TESSERA_DEBUG=1 prints
// the final IR of each lowered kernel to stderr; TESSERA_DEBUG=2 prints the IR after every
// pass (or "(unchanged)") with the time each pass took.
#pragma once
#include <string>
#include <variant>
#include <vector>

#include "tessera/ir/module.h"
#include "tessera/schedule/schedule.h"

namespace tessera::lower {

// A placeholder that reads back an output of the same kernel: the state of a recurrence,
// as TVM's scan state placeholder (out[i] = f(state[i - 1], ...)). It is no kernel
// parameter: lowering gives it the output's storage, so a read of it sees every store to
// the output made before it in program order. The state has the output's dtype and shape.
// A serial loop that reads back, one iteration later, the value it stored keeps that value
// in a register instead (src/lower/carry_read_back.h).
struct ReadBack {
  te::Tensor state, output;
};

// A kernel argument: a tensor (input or output), a scalar variable (int64 or float64)
// that the compute definition uses, or a read-back binding (not a kernel parameter).
struct Arg {
  std::variant<te::Tensor, ir::Var, ReadBack> value;
  Arg(te::Tensor t) : value(std::move(t)) {}  // NOLINT
  Arg(ir::Var v) : value(std::move(v)) {}     // NOLINT
  Arg(ReadBack r) : value(std::move(r)) {}    // NOLINT
};

struct LowerOptions {
  // Tensor arguments are required to be compact row-major and are indexed without stride
  // variables (the contiguous specialization). Otherwise strides are read at run time, so
  // any layout works, including stride 0 (broadcast) and negative strides.
  bool contiguous = false;
  int device_type = 1;  // kDLCPU
  std::string target = "llvm";
};

ir::LoweredFunc lower(const schedule::Schedule& sched, const std::vector<Arg>& args,
                      const std::string& name, const LowerOptions& options = {});

// The IR after the schedule-level passes and flattening, before loop partitioning,
// vectorization and the kernel API (for golden tests of those stages).
ir::Stmt lower_to_loops(const schedule::Schedule& sched, const std::vector<Arg>& args,
                        const LowerOptions& options = {});

}  // namespace tessera::lower
