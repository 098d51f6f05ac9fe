// The lowering pipeline, in order. Each pass lives in its own file.
#include <chrono>
#include <cstdlib>
#include <iostream>

#include "lower/build_loop_nests.h"
#include "lower/carry_read_back.h"
#include "lower/gpu_thread_reduce.h"
#include "lower/guard_vector_lanes.h"
#include "lower/infer_bounds.h"
#include "lower/inline_stages.h"
#include "lower/loop_partition.h"
#include "lower/make_kernel_api.h"
#include "lower/plan_storage.h"
#include "lower/storage_flatten.h"
#include "lower/transpose_lane_tiles.h"
#include "lower/unroll_loops.h"
#include "lower/vectorize_loops.h"
#include "lower/verify_gpu_schedule.h"
#include "lower/version_streaming_stores.h"
#include "tessera/dlpack.h"
#include "tessera/ir/printer.h"
#include "tessera/ir/simplify.h"
#include "tessera/lower/lower.h"

namespace tessera::lower {
namespace {

int debug_level() {
  const char* v = std::getenv("TESSERA_DEBUG");
  return v ? std::atoi(v) : 0;
}

// Runs statement passes, printing the IR after each one when TESSERA_DEBUG >= 2.
class PassRunner {
 public:
  explicit PassRunner(std::string kernel) : kernel_(std::move(kernel)), level_(debug_level()) {}

  template <class F>
  ir::Stmt run(const char* pass, const ir::Stmt& in, F&& f) {
    auto t0 = std::chrono::steady_clock::now();
    ir::Stmt out = f(in);
    if (level_ >= 2) {
      double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      std::cerr << "=== " << kernel_ << ": after " << pass << " (" << ms << " ms)\n";
      if (in.same_as(out)) std::cerr << "(unchanged)\n";
      else std::cerr << out << "\n";
    }
    return out;
  }

  int level() const { return level_; }

 private:
  std::string kernel_;
  int level_;
};

// Tensor extents are never negative: the kernel binds them from DLTensor shapes.
ir::BoundsScope extent_facts(const std::vector<ir::KernelParam>& params) {
  ir::BoundsScope scope;
  for (const ir::KernelParam& p : params) {
    if (p.kind != ir::KernelParam::Kind::Tensor) continue;
    for (const ir::Expr& e : p.buffer->shape)
      if (const auto* v = e.as<ir::VarNode>()) scope[v] = ir::Interval(ir::Expr(int64_t{0}), ir::Expr());
  }
  return scope;
}

struct Loops {
  ir::Stmt body;
  StoragePlan plan;
};

Loops schedule_to_loops(PassRunner& run, const schedule::Schedule& sched, const std::vector<Arg>& args,
                        const LowerOptions& options) {
  StageGraph graph(*sched.node());
  inline_stages(&graph);
  infer_bounds(&graph);
  StoragePlan plan = plan_storage(graph, args, options);
  ir::Stmt s = run.run("build_loop_nests", ir::Stmt(), [&](const ir::Stmt&) { return build_loop_nests(graph); });
  s = run.run("carry_read_back", s, [&](const ir::Stmt& x) { return carry_read_back(x, &plan); });
  s = run.run("storage_flatten", s, [&](const ir::Stmt& x) { return storage_flatten(x, plan.storage); });
  ir::BoundsScope facts = extent_facts(plan.params);
  s = run.run("simplify", s, [&](const ir::Stmt& x) { return ir::simplify(x, facts); });
  return {s, std::move(plan)};
}

}  // namespace

ir::Stmt lower_to_loops(const schedule::Schedule& sched, const std::vector<Arg>& args,
                        const LowerOptions& options) {
  PassRunner run("lower_to_loops");
  return schedule_to_loops(run, sched, args, options).body;
}

ir::LoweredFunc lower(const schedule::Schedule& sched, const std::vector<Arg>& args,
                      const std::string& name, const LowerOptions& options) {
  PassRunner run(name);
  Loops loops = schedule_to_loops(run, sched, args, options);
  ir::Stmt s = loops.body;
  ir::BoundsScope facts = extent_facts(loops.plan.params);
  auto simplify_pass = [&](const ir::Stmt& x) { return ir::simplify(x, facts); };
  if (options.device_type == kDLCUDA) {
    s = run.run("lower_thread_reduce", s, lower_thread_reduce);
    s = run.run("verify_gpu_schedule", s, verify_gpu_schedule);
    s = run.run("guard_vector_lanes", s, guard_vector_lanes);
  }
  s = run.run("partition_loops", s, partition_loops);
  s = run.run("simplify", s, simplify_pass);
  s = run.run("vectorize_loops", s, vectorize_loops);
  if (options.device_type != kDLCUDA) s = run.run("transpose_lane_tiles", s, transpose_lane_tiles);
  s = run.run("unroll_loops", s, unroll_loops);
  if (options.device_type == kDLCUDA) s = run.run("drop_streaming_hints", s, drop_streaming_hints);
  else s = run.run("version_streaming_stores", s, version_streaming_stores);
  s = run.run("simplify", s, simplify_pass);

  ir::LoweredFunc func{name, loops.plan.params, s, false, options.target};
  func = make_kernel_api(func, options.device_type);
  if (run.level() >= 1) std::cerr << "=== " << name << ": lowered\n" << func.body << "\n";
  return func;
}

}  // namespace tessera::lower
