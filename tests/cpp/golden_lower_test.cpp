// Golden tests of lowered IR: the printed IR of representative schedules after the
// schedule-level passes (loops) and after the full pipeline (kernel). The expected text
// lives in tests/golden/lower/; each file was read and checked by hand when it was
// written. Regenerate with TESSERA_UPDATE_GOLDEN=1 and review the diff.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "tessera/ir/printer.h"
#include "tessera/lower/lower.h"
#include "tessera/schedule/schedule.h"

namespace tessera {
namespace {

using ir::DataType;
using schedule::create_schedule;
using te::Tensor;

std::string golden_dir() {
  const char* d = std::getenv("TESSERA_GOLDEN_DIR");
  return std::string(d ? d : "tests/golden") + "/lower/";
}

void expect_golden(const std::string& name, const std::string& actual) {
  std::string path = golden_dir() + name + ".txt";
  if (std::getenv("TESSERA_UPDATE_GOLDEN")) {
    std::ofstream(path) << actual;
    return;
  }
  std::ifstream in(path);
  ASSERT_TRUE(in.good()) << "missing golden file " << path;
  std::stringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(actual, expected.str()) << "golden " << path << " differs; actual:\n" << actual;
}

TEST(GoldenLower, SplitParallelVectorize) {
  ir::Var n = te::size_var("n");
  Tensor A = te::placeholder({n}, DataType::Float(32), "A");
  Tensor B = te::placeholder({n}, DataType::Float(32), "B");
  Tensor C = te::compute({n}, [&](ir::Var i) { return A(i) + B(i); }, "C");
  auto s = create_schedule({C});
  auto [xo, xi] = s[C].split(s[C].axis()[0], 16);
  s[C].parallel(xo).vectorize(xi);
  expect_golden("vadd_loops", ir::to_string(lower::lower_to_loops(s, {A, B, C})));
  lower::LowerOptions contiguous;
  contiguous.contiguous = true;
  expect_golden("vadd_kernel", ir::to_string(lower::lower(s, {A, B, C}, "vadd", contiguous).body));
}

TEST(GoldenLower, RowSumWithSplitReduction) {
  ir::Var n = te::size_var("n"), m = te::size_var("m");
  Tensor A = te::placeholder({n, m}, DataType::Float(64), "A");
  ir::IterVar k = te::reduce_axis(0, m, "k");
  Tensor S = te::compute({n}, [&](ir::Var i) { return te::sum(A(i, k->var), {k}); }, "S");
  auto s = create_schedule({S});
  s[S].split(k, 4);
  expect_golden("rowsum_loops", ir::to_string(lower::lower_to_loops(s, {A, S})));
}

TEST(GoldenLower, ComputeAtRegion) {
  ir::Var n = te::size_var("n");
  Tensor A = te::placeholder({n + 2}, DataType::Float(32), "A");
  Tensor P = te::compute({n + 2}, [&](ir::Var i) { return A(i) * 2.0f; }, "P");
  Tensor C = te::compute({n}, [&](ir::Var i) { return P(i) + P(i + 2); }, "C");
  auto s = create_schedule({C});
  auto [xo, xi] = s[C].split(s[C].axis()[0], 8);
  s[P].compute_at(s[C], xo).set_scope("local");
  expect_golden("compute_at_loops", ir::to_string(lower::lower_to_loops(s, {A, C})));
}

TEST(GoldenLower, MatmulTile) {
  Tensor A = te::placeholder({64, 32}, DataType::Float(32), "A");
  Tensor B = te::placeholder({32, 48}, DataType::Float(32), "B");
  ir::IterVar k = te::reduce_axis(0, 32, "k");
  Tensor C = te::compute({64, 48}, [&](ir::Var i, ir::Var j) { return te::sum(A(i, k->var) * B(k->var, j), {k}); }, "C");
  auto s = create_schedule({C});
  auto [io, jo, ii, ji] = s[C].tile(s[C].axis()[0], s[C].axis()[1], 4, 16);
  s[C].reorder({io, jo, k, ii, ji});
  s[C].vectorize(ji).parallel(io);
  lower::LowerOptions contiguous;
  contiguous.contiguous = true;
  expect_golden("matmul_kernel", ir::to_string(lower::lower(s, {A, B, C}, "matmul", contiguous).body));
}

}  // namespace
}  // namespace tessera
