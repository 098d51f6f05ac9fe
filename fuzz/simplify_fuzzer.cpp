// libFuzzer harness for the simplifier and bounds_of.
//
// The input bytes choose an integer expression, a scope and variable assignments inside it
// (tests/cpp/expr_eval.h). The harness traps when simplify changes the expression's value,
// when a value falls outside bounds_of, or when either throws. As the simplifier assumes,
// assignments under which the original expression overflows int64 are skipped.
//
// Divisors are often constants, negative ones included, and variables whose ranges cross
// zero, so floor division and modulo by negative numbers are exercised; with
// TESSERA_FUZZ_STATS set the harness prints how often (at 2^k inputs and at exit).
//
// Build and run (from the repository root): bash fuzz/run.sh simplify, or by hand
//   clang++-14 -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -Iinclude -Isrc \
//     -Itests/cpp src/ir/*.cpp fuzz/simplify_fuzzer.cpp -o simplify_fuzzer
//   ./simplify_fuzzer -max_total_time=60 corpus/
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "expr_eval.h"
#include "tessera/ir/bounds.h"
#include "tessera/ir/printer.h"
#include "tessera/ir/simplify.h"
#include "tessera/ir/utils.h"

namespace {

using namespace tessera;

[[noreturn]] void fail(const char* what, const ir::Expr& e, const ir::Expr& s, const testing::ExprGen& gen,
                       const std::unordered_map<const ir::VarNode*, testing::Wide>* env) {
  std::fprintf(stderr, "%s\n  input:      %s\n", what, ir::to_string(e).c_str());
  if (s.defined()) std::fprintf(stderr, "  simplified: %s\n", ir::to_string(s).c_str());
  for (const auto& [v, r] : gen.scope())
    std::fprintf(stderr, "  scope %s in [%s, %s]\n", v->name.c_str(),
                 r.min.defined() ? ir::to_string(r.min).c_str() : "-inf",
                 r.max.defined() ? ir::to_string(r.max).c_str() : "+inf");
  if (env)
    for (const ir::Var& v : gen.vars())
      std::fprintf(stderr, "  %s = %lld\n", v.name().c_str(), static_cast<long long>(env->at(v.get())));
  __builtin_trap();
}

// How many inputs divided (/ or %) by a negative constant or by a non-constant divisor.
struct DivisionStats {
  uint64_t inputs = 0, negative_div = 0, negative_mod = 0, variable_divisor = 0;

  void note(const ir::Expr& e) {
    bool div = false, mod = false, variable = false;
    ir::post_order_visit(e, [&](const ir::Expr& x) {
      const auto* b = x.as<ir::BinaryNode>();
      if (!b || (b->op != ir::BinaryOp::Div && b->op != ir::BinaryOp::Mod)) return;
      const auto* c = b->b.as<ir::IntImmNode>();
      if (!c) variable = true;
      else if (c->value < 0) (b->op == ir::BinaryOp::Div ? div : mod) = true;
    });
    ++inputs;
    negative_div += div;
    negative_mod += mod;
    variable_divisor += variable;
    if ((inputs & (inputs - 1)) == 0) print();
  }
  void print() const {
    std::fprintf(stderr,
                 "simplify fuzzer: %llu inputs; with / by a negative constant: %llu, %% by a negative constant: "
                 "%llu, / or %% by a non-constant: %llu\n",
                 static_cast<unsigned long long>(inputs), static_cast<unsigned long long>(negative_div),
                 static_cast<unsigned long long>(negative_mod), static_cast<unsigned long long>(variable_divisor));
  }
};

DivisionStats* stats() {
  static DivisionStats* s = [] {
    if (!std::getenv("TESSERA_FUZZ_STATS")) return static_cast<DivisionStats*>(nullptr);
    std::atexit([] { stats()->print(); });
    return new DivisionStats;
  }();
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  testing::ByteChooser choose(data, size);
  testing::ExprGen gen(choose);
  gen.make_scope();
  ir::DataType t = testing::ExprGen::kTypes[choose.below(testing::ExprGen::kNumTypes)];
  ir::Expr e = gen.gen(t, static_cast<int>(choose.between(1, 6)));
  if (DivisionStats* s = stats()) s->note(e);

  ir::Expr s;
  ir::Interval bounds;
  try {
    s = ir::simplify(e, gen.scope());
    bounds = ir::bounds_of(e, gen.scope());
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "exception: %s\n", ex.what());
    fail("simplify or bounds_of threw", e, s, gen, nullptr);
  }

  for (int k = 0; k < 8; ++k) {
    auto env = gen.assign();
    testing::RefEval before, after, ends;
    before.env = after.env = ends.env = env;
    testing::Wide want, got;
    try {
      want = before.eval(e);
      if (before.int64_overflow) continue;
      got = after.eval(s);
    } catch (const std::exception& ex) {
      std::fprintf(stderr, "exception: %s\n", ex.what());
      fail("the simplified expression cannot be evaluated", e, s, gen, &env);
    }
    if (got != want) {
      std::fprintf(stderr, "value %lld, simplified %lld\n", static_cast<long long>(want),
                   static_cast<long long>(got));
      fail("simplify changed the value", e, s, gen, &env);
    }
    testing::Wide lo = bounds.min.defined() ? ends.eval(bounds.min) : want;
    testing::Wide hi = bounds.max.defined() ? ends.eval(bounds.max) : want;
    if (!ends.int64_overflow && (want < lo || want > hi)) {
      auto str = [](const ir::Expr& x) { return x.defined() ? ir::to_string(x) : std::string("unbounded"); };
      std::fprintf(stderr, "value %lld outside [%s, %s]\n", static_cast<long long>(want),
                   str(bounds.min).c_str(), str(bounds.max).c_str());
      fail("bounds_of excludes a value", e, s, gen, &env);
    }
    if (choose.exhausted()) break;
  }
  return 0;
}
