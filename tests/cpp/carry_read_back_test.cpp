// Read-back states (lower::ReadBack) and the register carry (src/lower/carry_read_back.h):
// a scan out[r, i] = out[r, i - 1] + x[r, i] written with a state placeholder that reads
// the output back. Results are checked bit for bit against a plain sequential loop, the
// lowered IR against a golden file, loops the pass must leave alone for correctness, and
// the errors of a bad binding.
#include <gtest/gtest.h>

#include <cmath>

#include "lower_passes_util.h"
#include "row_scan_program.h"
#include "tessera/schedule/schedule.h"
#include "test_util.h"

namespace tessera {
namespace {

using ir::DataType;
using schedule::create_schedule;
using te::Tensor;
using testing::HostArray;

// Rows interleaved by 4 (unrolled) inside the serial loop over i, as reduction_scan.cpp
// schedules cumulative_sum's Rows mode (row_scan_program.h).
using RowScan = testing::RowScanProgram;
using Rows = RowScan::Rows;

void expect_running_sum(const Kernel& k) {
  uint64_t seed = 40;
  for (int64_t rows : {1, 3, 4, 5, 9})
    for (int64_t len : {1, 2, 17, 333}) testing::expect_row_scan(k, rows, len, ++seed);
}

bool holds(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(CarryReadBack, RunningSumIsTheSequentialLoopBitForBit) {
  RowScan scan(4);
  Kernel k = build(scan.s, scan.args(), "row_scan");
  expect_running_sum(k);
}

TEST(CarryReadBack, LoweredRowScanKeepsTheRunningValueInCarry) {
  RowScan scan(4);
  const std::string text = ir::to_string(lower::lower_to_loops(scan.s, scan.args()));
  lower_passes_test::expect_golden("carry_read_back", "row_scan", text);
  EXPECT_TRUE(holds(text, "out.carry")) << text;
  // The state is no kernel parameter: it reads the output's storage.
  ir::LoweredFunc f = lower::lower(scan.s, scan.args(), "row_scan");
  EXPECT_EQ(f.params.size(), 2u);
}

// One chain, no unrolled loop: the carry is a single element.
TEST(CarryReadBack, OneDimensionalScan) {
  ir::Var n = te::size_var("n");
  Tensor x = te::placeholder({n}, DataType::Int(64), "x"), state = te::placeholder({n}, DataType::Int(64), "state");
  Tensor out = te::compute(
      {n}, [&](ir::Var i) { return ir::select(i == 0, ir::Expr(int64_t{0}), state(ir::max(i - 1, 0))) + x(i); }, "out");
  auto s = create_schedule({out});
  std::vector<lower::Arg> args = {x, out, lower::ReadBack{state, out}};
  EXPECT_TRUE(holds(ir::to_string(lower::lower_to_loops(s, args)), "out.carry[0]"));
  Kernel k = build(s, args, "scan_1d");
  for (int64_t len : {0, 1, 2, 1000}) {
    HostArray<int64_t> a({len}), c({len});
    testing::fill_random(a, static_cast<uint64_t>(len));
    for (int64_t& v : a.storage) v %= 1000;
    k({a.get(), c.get()});
    int64_t run = 0;
    for (int64_t i = 0; i < len; ++i) {
      run += a.storage[i];
      ASSERT_EQ(c.storage[i], run) << "len " << len << " at " << i;
    }
  }
}

// A read two steps back, or of another row, is not the previous store: the loop keeps
// its loads (and its results).
TEST(CarryReadBack, OtherReadsStayLoads) {
  RowScan two_back(4, Rows::Unrolled, [](ir::Var i) { return ir::max(i - 2, 0); });
  EXPECT_FALSE(holds(ir::to_string(lower::lower_to_loops(two_back.s, two_back.args())), "carry"));
  RowScan other_row(4, Rows::Unrolled, RowScan::previous, [](ir::Var r) { return ir::max(r - 1, 0); });
  EXPECT_FALSE(holds(ir::to_string(lower::lower_to_loops(other_row.s, other_row.args())), "carry"));

  Kernel k = build(two_back.s, two_back.args(), "two_back");
  testing::expect_row_scan(k, 5, 40, 7, 2);
}

// Rows in a serial (not unrolled) loop inside the scan loop: neither loop qualifies, and
// the result is still the running sum.
TEST(CarryReadBack, SerialRowLoopIsLeftAlone) {
  RowScan scan(4, Rows::Serial);
  EXPECT_FALSE(holds(ir::to_string(lower::lower_to_loops(scan.s, scan.args())), "carry"));
  Kernel k = build(scan.s, scan.args(), "row_scan_serial");
  expect_running_sum(k);
}

TEST(CarryReadBack, BadBindingsAreRefused) {
  RowScan scan(4);
  Tensor wrong = te::placeholder({scan.rows, scan.len}, DataType::Float(64), "wrong");
  EXPECT_THROW(lower::lower(scan.s, {scan.x, scan.out, lower::ReadBack{wrong, scan.out}}, "bad"), std::invalid_argument);
  // The output must be a kernel argument.
  EXPECT_THROW(lower::lower(scan.s, {scan.x, lower::ReadBack{scan.state, scan.out}}, "bad"), std::invalid_argument);
  // A state is bound once, and is no argument itself.
  EXPECT_THROW(lower::lower(scan.s, {scan.x, scan.state, scan.out, lower::ReadBack{scan.state, scan.out}}, "bad"),
               std::invalid_argument);
}

}  // namespace
}  // namespace tessera
