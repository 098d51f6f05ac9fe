// The bad-input table of the C++ API (see bad_input_table.h): tensor-expression definitions,
// lowering arguments, schedule primitives, compiled kernels, and the operator library
// (ops::call, ops::reduce and the other library entry points). Every row must raise its
// error with a clear message and leave outputs (and the schedule) untouched.
#include <gtest/gtest.h>

#include <iostream>
#include <sstream>

#include "bad_input_table.h"
#include "tessera/ir/printer.h"
#include "tessera/ops/dispatch.h"
#include "tessera/ops/elementwise.h"
#include "tessera/ops/reduction.h"
#include "tessera/schedule/schedule.h"

namespace tessera {
namespace {

using ir::DataType;
using ops::OpError;
using schedule::Schedule;
using te::Tensor;
using testing::BadInputRow;
using testing::Canaries;
using testing::HostArray;
using Rows = std::vector<BadInputRow>;

const DataType kF32 = DataType::Float(32);
const testing::ExpectedError kInvalidArgument = testing::exactly<std::invalid_argument>("std::invalid_argument");
const testing::ExpectedError kScheduleError = testing::error_of<schedule::ScheduleError>("schedule::ScheduleError");
const testing::ExpectedError kKernelError = testing::error_of<KernelError>("tessera::KernelError");

testing::ExpectedError op_error(OpError::Kind kind) {
  bool type = kind == OpError::Kind::Type;
  return {type ? "ops::OpError(Type)" : "ops::OpError(Value)", [kind](const std::exception& e) {
            const auto* op = dynamic_cast<const OpError*>(&e);
            return op && op->kind() == kind;
          }};
}
const testing::ExpectedError kOpType = op_error(OpError::Kind::Type);
const testing::ExpectedError kOpValue = op_error(OpError::Kind::Value);

// ---- tensor expressions and lowering arguments -------------------------------------------

Rows front_end_rows() {
  auto n = [] { return te::size_var("n"); };
  auto square = [](const ir::Var& v) { return te::placeholder({v, v}, kF32, "A"); };
  const std::string te_entry = "te", lower_entry = "lower::lower";
  return {
      {te_entry + "::placeholder", "negative constant dimension", kInvalidArgument, "dimension 0 is negative (-3)",
       [](Canaries&) { te::placeholder({-3}, kF32, "B"); }},
      {te_entry + "::placeholder", "float dimension", kInvalidArgument, "must be a scalar integer expression",
       [](Canaries&) { te::placeholder({ir::Expr(2.5)}, kF32, "B"); }},
      {te_entry + "::placeholder", "undefined dimension", kInvalidArgument, "must be a scalar integer expression",
       [](Canaries&) { te::placeholder({ir::Expr()}, kF32, "B"); }},
      {te_entry + "::placeholder", "vector dtype", kInvalidArgument, "dtype must be a scalar data type",
       [](Canaries&) { te::placeholder({4}, DataType::Float(32, 4), "B"); }},
      {te_entry + "::placeholder", "handle dtype", kInvalidArgument, "dtype must be a scalar data type",
       [](Canaries&) { te::placeholder({4}, DataType::Handle(), "B"); }},
      {"Tensor::operator()", "too few indices", kInvalidArgument, "has 2 dimensions but was indexed with 1",
       [=](Canaries&) { square(n())(0); }},
      {"Tensor::operator()", "float index", kInvalidArgument, "indices must be scalar integers",
       [=](Canaries&) { square(n())(1.5, 0); }},
      {"Tensor::operator()", "undefined tensor", kInvalidArgument, "read of an undefined tensor",
       [](Canaries&) { Tensor()(0); }},
      {te_entry + "::compute", "negative constant dimension", kInvalidArgument, "compute C: dimension 0 is negative",
       [](Canaries&) { te::compute({-1}, [](ir::Var i) { return i; }, "C"); }},
      {te_entry + "::compute", "axis names do not match the rank", kInvalidArgument, "1 axis names for 2 dimensions",
       [](Canaries&) { te::compute({2, 3}, [](ir::Var i, ir::Var) { return i; }, "C", {"x"}); }},
      {te_entry + "::compute", "undefined body", kInvalidArgument, "compute C: undefined body",
       [](Canaries&) { te::compute({2}, [](ir::Var) { return ir::Expr(); }, "C"); }},
      {te_entry + "::compute", "reduction inside an expression", kInvalidArgument, "a reduction must be the whole body",
       [=](Canaries&) {
         ir::Var v = n();
         Tensor A = square(v);
         ir::IterVar k = te::reduce_axis(0, v, "k");
         te::compute({v}, [&](ir::Var i) { return te::sum(A(i, k->var), {k}) + 1.0f; }, "C");
       }},
      {te_entry + "::compute", "tensor read outside the compute function", kInvalidArgument,
       "not a tensor read inside the compute function",
       [=](Canaries&) {
         ir::Var v = n();
         Tensor A = square(v);
         ir::Expr outside = A(0, 0);
         te::compute({v}, [&](ir::Var) { return outside; }, "C");
       }},
      {te_entry + "::compute_multi", "reductions mixed with plain values", kInvalidArgument,
       "outputs must be all reductions or none",
       [=](Canaries&) {
         ir::Var v = n();
         Tensor A = square(v);
         ir::IterVar k = te::reduce_axis(0, v, "k");
         te::compute_multi({v}, [&](const std::vector<ir::Var>& i) {
           return std::vector<ir::Expr>{te::sum(A(i[0], k->var), {k}), A(i[0], 0)};
         }, "C");
       }},
      {te_entry + "::reduce_axis", "undefined range", kInvalidArgument, "reduce_axis k: undefined range",
       [](Canaries&) { te::reduce_axis(ir::Range(), "k"); }},
      {te_entry + "::sum", "no reduction axes", kInvalidArgument, "no reduction axes",
       [](Canaries&) { te::sum(ir::Expr(1.0f), {}); }},
      {lower_entry, "an input is not an argument", kInvalidArgument, "tensor A is read but not passed as an argument",
       [=](Canaries&) {
         ir::Var v = n();
         Tensor A = square(v);
         Tensor C = te::compute({v}, [&](ir::Var i) { return A(i, i); }, "C");
         lower::lower(schedule::create_schedule({C}), {C}, "missing_input");
       }},
      {lower_entry, "the output is not an argument", kInvalidArgument, "output C is not among the arguments",
       [=](Canaries&) {
         ir::Var v = n();
         Tensor A = square(v);
         Tensor C = te::compute({v}, [&](ir::Var i) { return A(i, i); }, "C");
         lower::lower(schedule::create_schedule({C}), {A}, "missing_output");
       }},
      {lower_entry, "a tensor passed twice", kInvalidArgument, "tensor A is passed twice",
       [=](Canaries&) {
         ir::Var v = n();
         Tensor A = square(v);
         Tensor C = te::compute({v}, [&](ir::Var i) { return A(i, i); }, "C");
         lower::lower(schedule::create_schedule({C}), {A, A, C}, "twice");
       }},
      {lower_entry, "an intermediate passed as an argument", kInvalidArgument, "T is an intermediate stage",
       [=](Canaries&) {
         ir::Var v = n();
         Tensor A = square(v);
         Tensor T = te::compute({v}, [&](ir::Var i) { return A(i, i); }, "T");
         Tensor C = te::compute({v}, [&](ir::Var i) { return T(i) + 1.0f; }, "C");
         lower::lower(schedule::create_schedule({C}), {A, T, C}, "intermediate");
       }},
      {lower_entry, "a float32 scalar argument", kInvalidArgument, "scalar argument s must be int64 or float64",
       [=](Canaries&) {
         ir::Var v = n(), s("s", kF32);
         Tensor A = square(v);
         Tensor C = te::compute({v}, [&](ir::Var i) { return A(i, i) * s; }, "C");
         lower::lower(schedule::create_schedule({C}), {A, C, s}, "float_scalar");
       }},
      {"schedule::create_schedule", "a placeholder as output", kScheduleError, "output A is a placeholder",
       [=](Canaries&) { schedule::create_schedule({square(n())}); }},
      {"schedule::create_schedule", "an undefined output", kScheduleError, "undefined output tensor",
       [](Canaries&) { schedule::create_schedule({Tensor()}); }},
  };
}

// ---- schedule primitives ---------------------------------------------------------------------

// The schedule's observable state: each stage's operation, loops, attachment and scope.
std::string schedule_state(const Schedule& s) {
  std::ostringstream os;
  for (const schedule::StagePtr& st : s.stages()) {
    os << st->op->name << "{";
    for (const ir::Expr& b : st->op->body) os << ir::to_string(b) << ";";
    for (const ir::IterVar& iv : st->leaf_iter_vars) os << " " << iv->var.name();
    os << " rel " << st->relations.size() << " attrs " << st->attrs.size() << " attach "
       << static_cast<int>(st->attach) << " " << st->scope << "} ";
  }
  return os.str();
}

// P = A + 1, S = sum_k P(i, k) (its i0 split into io, ii), Q = A(i, 0) * 2; outputs S and Q.
struct ScheduleFixture {
  ir::Var n = te::size_var("n"), m = te::size_var("m");
  Tensor A = te::placeholder({n, m}, kF32, "A");
  Tensor P = te::compute({n, m}, [&](ir::Var i, ir::Var j) { return A(i, j) + 1.0f; }, "P");
  ir::IterVar k = te::reduce_axis(0, m, "k");
  Tensor S = te::compute({n}, [&](ir::Var i) { return te::sum(P(i, k->var), {k}); }, "S");
  Tensor Q = te::compute({n}, [&](ir::Var i) { return A(i, 0) * 2.0f; }, "Q");
  Schedule s = schedule::create_schedule({S, Q});
  ir::IterVar i = s[S].axis()[0], io, ii;
  ScheduleFixture() { std::tie(io, ii) = s[S].split(i, 4); }
  ir::IterVar kr() const { return s[S].reduce_axis()[0]; }
};

// A schedule row: on a fresh fixture, `setup` (valid requests) runs, then the schedule is
// watched while `request` runs.
BadInputRow schedule_row(std::string entry, std::string input, std::string fragment,
                         std::function<void(ScheduleFixture&)> request,
                         std::function<void(ScheduleFixture&)> setup = nullptr, std::string known_issue = {}) {
  return {std::move(entry), std::move(input), kScheduleError, std::move(fragment),
          [request, setup](Canaries& c) {
            auto g = std::make_shared<ScheduleFixture>();
            if (setup) setup(*g);
            c.watch("schedule", [g] { return schedule_state(g->s); });
            request(*g);
          },
          std::move(known_issue)};
}

Rows schedule_rows() {
  using F = ScheduleFixture;
  return {
      // The requests of the former ScheduleErrors.EachInvalidRequestNamesStageAndAxis.
      schedule_row("Stage::split", "an axis already split", "stage S: split: axis i0 is no longer a loop",
                   [](F& g) { g.s[g.S].split(g.i, 2); }),
      schedule_row("Stage::vectorize", "a reduction axis", "stage S: vectorize: axis k is a reduction axis",
                   [](F& g) { g.s[g.S].vectorize(g.kr()); }),
      schedule_row("Stage::parallel", "a reduction axis", "stage S: parallel: axis k is a reduction axis",
                   [](F& g) { g.s[g.S].parallel(g.kr()); }),
      schedule_row("Stage::split", "factor 0", "stage S: split of i0.outer: factor must be positive",
                   [](F& g) { g.s[g.S].split(g.io, 0); }),
      schedule_row("Stage::split", "negative factor", "stage S: split of i0.outer: factor must be positive, got -3",
                   [](F& g) { g.s[g.S].split(g.io, -3); }),
      schedule_row("Stage::fuse", "loops not adjacent in order", "stage S: fuse: i0.inner and i0.outer",
                   [](F& g) { g.s[g.S].fuse(g.ii, g.io); }),
      schedule_row("Stage::fuse", "data-parallel with reduction", "stage S: fuse: cannot fuse data-parallel and reduction",
                   [](F& g) { g.s[g.S].fuse(g.ii, g.kr()); }),
      schedule_row("Stage::reorder", "an axis twice", "stage S: reorder: axis i0.outer given twice",
                   [](F& g) { g.s[g.S].reorder({g.io, g.io}); }),
      schedule_row("Stage::reorder", "another stage's axis", "stage S: reorder: axis i0 does not belong to this stage",
                   [](F& g) { g.s[g.S].reorder({g.s[g.Q].axis()[0]}); }),
      schedule_row("Stage::compute_at", "a stage that does not read it", "stage P: compute_at: stage Q does not read",
                   [](F& g) { g.s[g.P].compute_at(g.s[g.Q], g.s[g.Q].axis()[0]); }),
      schedule_row("Stage::compute_at", "an axis that is no longer a loop", "stage S: compute_at: axis i0 is no longer a loop",
                   [](F& g) { g.s[g.P].compute_at(g.s[g.S], g.i); }),
      schedule_row("Stage::compute_inline", "a reduction", "stage S: compute_inline: a reduction cannot be inlined",
                   [](F& g) { g.s[g.S].compute_inline(); }),
      schedule_row("Stage::compute_at", "an output stage", "stage Q: compute_at: an output stage cannot be computed",
                   [](F& g) { g.s[g.Q].compute_at(g.s[g.S], g.io); }),
      schedule_row("Stage::bind", "unknown thread tag", "stage S: bind: unknown thread tag 'threadIdx.w'",
                   [](F& g) { g.s[g.S].bind(g.io, "threadIdx.w"); }),
      schedule_row("Schedule::rfactor", "a stage without reduction", "stage Q: rfactor: the stage has no reduction",
                   [](F& g) { g.s.rfactor(g.Q, g.s[g.Q].axis()[0]); }),
      schedule_row("Schedule::rfactor", "a data-parallel axis", "stage S: rfactor: axis i0.outer is not a reduction axis",
                   [](F& g) { g.s.rfactor(g.S, g.io); }),
      schedule_row("Schedule::cache_write", "after other primitives", "stage S: cache_write must come before",
                   [](F& g) { g.s.cache_write(g.S, "local"); }),
      schedule_row("Stage::parallel", "another stage's axis", "stage P: parallel: axis i0.outer does not belong",
                   [](F& g) { g.s[g.P].parallel(g.io); }),
      schedule_row("Stage::set_scope", "unknown scope", "stage P: set_scope: unknown scope 'texture'",
                   [](F& g) { g.s[g.P].set_scope("texture"); }),
      // More requests of the same kinds, and the remaining checks.
      schedule_row("Stage::split", "float factor", "stage S: split of i0.outer: factor must be an integer",
                   [](F& g) { g.s[g.S].split(g.io, ir::Expr(2.5)); }),
      schedule_row("Stage::split_nparts", "zero parts", "stage S: split of i0.inner: nparts must be positive",
                   [](F& g) { g.s[g.S].split_nparts(g.ii, 0); }),
      schedule_row("Stage::split", "undefined axis", "stage S: split: undefined axis",
                   [](F& g) { g.s[g.S].split(ir::IterVar(), 2); }),
      schedule_row("Stage::fuse", "no axes", "stage S: fuse: no axes given",
                   [](F& g) { g.s[g.S].fuse(std::vector<ir::IterVar>{}); }),
      // fuse of a list fused pair by pair and threw at the first bad pair, after fusing
      // the ones before it (found writing these rows); it now checks every pair first.
      schedule_row("Stage::fuse", "a list whose last axis is a reduction",
                   "stage S: fuse: cannot fuse data-parallel and reduction axes (i0.outer, k)",
                   [](F& g) { g.s[g.S].fuse(std::vector<ir::IterVar>{g.io, g.ii, g.kr()}); }),
      schedule_row("Stage::fuse", "a list whose last axis is not adjacent", "stage S: fuse: i0.inner and i0.outer",
                   [](F& g) { g.s[g.S].fuse(std::vector<ir::IterVar>{g.io, g.ii, g.io}); }),
      // tile and cache_read left half-applied changes when they threw (known issues until
      // they checked everything first).
      schedule_row("Stage::tile", "a second axis of another stage", "stage S: tile: axis i0 does not belong",
                   [](F& g) { g.s[g.S].tile(g.kr(), g.s[g.Q].axis()[0], 2, 2); }),
      schedule_row("Stage::tile", "one axis twice", "stage S: tile: axis i0.outer given twice",
                   [](F& g) { g.s[g.S].tile(g.io, g.io, 2, 2); }),
      schedule_row("Stage::tile", "a zero second factor", "stage S: split of k: factor must be positive, got 0",
                   [](F& g) { g.s[g.S].tile(g.io, g.kr(), 2, 0); }),
      schedule_row("Stage::vectorize", "a loop already parallel", "stage S: vectorize: axis i0.outer is already parallel",
                   [](F& g) { g.s[g.S].vectorize(g.io); }, [](F& g) { g.s[g.S].parallel(g.io); }),
      schedule_row("Stage::unroll", "a loop already vectorized", "stage Q: unroll: axis i0 is already vectorized",
                   [](F& g) { g.s[g.Q].unroll(g.s[g.Q].axis()[0]); },
                   [](F& g) { g.s[g.Q].vectorize(g.s[g.Q].axis()[0]); }),
      schedule_row("Stage::compute_at", "itself", "stage P: compute_at: a stage cannot be computed at itself",
                   [](F& g) { g.s[g.P].compute_at(g.s[g.P], g.s[g.P].axis()[0]); }),
      schedule_row("Stage::compute_inline", "an output stage", "stage Q: compute_inline: an output stage cannot be inlined",
                   [](F& g) { g.s[g.Q].compute_inline(); }),
      schedule_row("Stage::compute_inline", "a placeholder", "stage A: compute_inline: not a compute stage",
                   [](F& g) { g.s[g.A].compute_inline(); }),
      schedule_row("Stage::set_scope", "an output stage", "stage Q: set_scope: an output lives in its argument buffer",
                   [](F& g) { g.s[g.Q].set_scope("local"); }),
      schedule_row("Schedule::operator[]", "a tensor of another schedule", "operation B is not part of this schedule",
                   [](F& g) { g.s[te::compute({g.n}, [&](ir::Var i) { return g.A(i, 0); }, "B")]; }),
      schedule_row("Schedule::rfactor", "an axis that is not a loop", "stage S: rfactor: axis k.inner is not a current loop",
                   [](F& g) {
                     ScheduleFixture other;
                     auto [ko, ki] = other.s[other.S].split(other.kr(), 2);
                     g.s.rfactor(g.S, ki);
                   }),
      schedule_row("Schedule::cache_write", "a placeholder", "cache_write of A: not a compute stage",
                   [](F& g) { g.s.cache_write(g.A, "local"); }),
      schedule_row("Schedule::cache_read", "no readers", "cache_read of A: no readers given",
                   [](F& g) { g.s.cache_read(g.A, "local", {}); }),
      schedule_row("Schedule::cache_read", "a reader list with a stage that does not read it",
                   "cache_read of P: stage Q does not read it",
                   [](F& g) { g.s.cache_read(g.P, "local", {g.S, g.Q}); }),
      schedule_row("Schedule::cache_read", "one reader twice", "cache_read of A: stage P given twice",
                   [](F& g) { g.s.cache_read(g.A, "local", {g.P, g.P}); }),
      schedule_row("Schedule::cache_read", "an unknown scope", "set_scope: unknown scope 'texture'",
                   [](F& g) { g.s.cache_read(g.A, "texture", {g.P, g.Q}); }),
      schedule_row("lower::lower", "compute_at into a stage that another stage also reads", "also read by D",
                   [](F&) {
                     ir::Var n = te::size_var("n");
                     Tensor A = te::placeholder({n}, kF32, "A");
                     Tensor P = te::compute({n}, [&](ir::Var i) { return A(i) + 1.0f; }, "P");
                     Tensor C = te::compute({n}, [&](ir::Var i) { return P(i) * 2.0f; }, "C");
                     Tensor D = te::compute({n}, [&](ir::Var i) { return P(i) * 3.0f; }, "D");
                     auto s = schedule::create_schedule({C, D});
                     s[P].compute_at(s[C], s[C].axis()[0]);
                     lower::lower(s, {A, C, D}, "two_consumers");
                   }),
      schedule_row("lower::lower", "compute_at into a stage that is then inlined", "stage P: computed at T, which is inlined",
                   [](F&) {
                     ir::Var n = te::size_var("n");
                     Tensor A = te::placeholder({n}, kF32, "A");
                     Tensor P = te::compute({n}, [&](ir::Var i) { return A(i) + 1.0f; }, "P");
                     Tensor T = te::compute({n}, [&](ir::Var i) { return P(i) * 2.0f; }, "T");
                     Tensor C = te::compute({n}, [&](ir::Var i) { return T(i) - 1.0f; }, "C");
                     auto s = schedule::create_schedule({C});
                     s[P].compute_at(s[T], s[T].axis()[0]);
                     s[T].compute_inline();
                     lower::lower(s, {A, C}, "inlined_parent");
                   }),
  };
}

}  // namespace
}  // namespace tessera

#include "bad_input_table_kernels.cpp"  // NOLINT(bugprone-suspicious-include): kernel and ops rows

namespace tessera {
namespace {

TEST(BadInputTable, EveryRowIsRejectedAndLeavesOutputsUntouched) {
  Rows rows;
  std::vector<std::pair<const char*, Rows>> parts = {{"te and lower", front_end_rows()},
                                                     {"schedule", schedule_rows()},
                                                     {"kernels", kernel_rows()},
                                                     {"operator library", op_rows()}};
  for (const auto& [name, part] : parts) {
    std::cout << "bad-input rows for " << name << ": " << part.size() << std::endl;
    rows.insert(rows.end(), part.begin(), part.end());
  }
  testing::run_bad_input_table("C++ API", rows);
}

}  // namespace
}  // namespace tessera
