// Rows in vector lanes (src/lower/transpose_lane_tiles.h, Intrinsic::TransposeLane): the
// scan out[r, i] = out[r, i - 1] + x[r, i] with its rows vectorized, as reduction_scan.cpp
// schedules cumulative_sum's Lanes mode. Results are checked bit for bit against a plain
// sequential loop, natively and in the reference interpreter; the lowered IR of a 4-lane
// scan against a golden file; loops the pass must leave alone; and the intrinsic's checks.
#include <gtest/gtest.h>

#include "lower/transpose_lane_tiles.h"
#include "lower_passes_util.h"
#include "row_scan_program.h"

namespace tessera {
namespace {

using ir::DataType;
using schedule::create_schedule;
using te::Tensor;

// The scan with its rows split by `lanes` and vectorized (row_scan_program.h).
using LaneScan = testing::RowScanProgram;
using Rows = LaneScan::Rows;

bool holds(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string lowered(const LaneScan& scan) { return ir::to_string(lower::lower(scan.s, scan.args(), "scan").body); }

TEST(TransposeLaneTiles, RunningSumIsTheSequentialLoopBitForBit) {
  for (int lanes : {4, 16}) {
    LaneScan scan(lanes, Rows::Vectorized);
    Kernel k = build(scan.s, scan.args(), "lane_scan_" + std::to_string(lanes));
    uint64_t seed = 90;
    for (int64_t rows : {1, lanes - 1, lanes, lanes + 1, 3 * lanes + 2})
      for (int64_t len : {0, 1, lanes - 1, lanes, lanes + 1, 5 * lanes + 3})
        testing::expect_row_scan(k, rows, len, ++seed, 1, true);
  }
}

TEST(TransposeLaneTiles, LoweredScanTransposesTiles) {
  LaneScan scan(4, Rows::Vectorized);
  const std::string text = lowered(scan);
  lower_passes_test::expect_golden("transpose_lane_tiles", "lane_scan", text);
  // Four row loads and a transpose per tile in, a transpose and four row stores out.
  EXPECT_TRUE(holds(text, "transpose_lane(3, x.row, x.row#1, x.row#2, x.row#3)")) << text;
  EXPECT_TRUE(holds(text, "out.tile[16]")) << text;
  // Contiguous steps along the scan are checked at run time; otherwise the gathers stay.
  EXPECT_TRUE(holds(text, "x.stride1 == 1 && out.stride1 == 1")) << text;
  // The scan's loop starts at column 1 (column 0 is split off): columns 1 to 3 run before
  // the tiles, which start at column 4, so that their rows' vectors are aligned as the rows
  // are (and may stream).
  EXPECT_TRUE(holds(text, "for i1 in [1, 1 + min(len - 1, 3)):")) << text;
  EXPECT_TRUE(holds(text, "x[ramp(i0.outer * x.stride0 * 4 + i1.tile * 4 + 4, 1, 4)]")) << text;
}

// With streaming stores asked for (as cumulative_sum's Lanes mode does), the tiles' row
// stores are provably aligned once the row stride is checked, so they stream: before the
// tiles started at column 4 they started at column 1, and no store could.
TEST(TransposeLaneTiles, TileStoresStream) {
  LaneScan scan(4, Rows::Vectorized);
  scan.s[scan.out].stream_stores();
  const std::string text = lowered(scan);
  EXPECT_TRUE(holds(text, "streaming out[ramp(i0.outer * out.stride0 * 4 + i1.tile * 4 + 4, 1, 4)]")) << text;
  EXPECT_TRUE(holds(text, "out.stride0 % 4 == 0")) << text;
}

// The carried rows unrolled (Rows mode): no vectors across rows, nothing to transpose.
TEST(TransposeLaneTiles, UnrolledRowsAreLeftAlone) {
  LaneScan scan(4, Rows::Unrolled);
  EXPECT_FALSE(holds(lowered(scan), "transpose_lane")) << lowered(scan);
}

// A read two steps back is a load of the output the loop stores: moving the tile's stores
// after its loads would change what it reads, so the loop keeps its gathers.
TEST(TransposeLaneTiles, ALoopThatReadsWhatItStoresIsLeftAlone) {
  LaneScan scan(4, Rows::Vectorized, [](ir::Var i) { return ir::max(i - 2, 0); });
  EXPECT_FALSE(holds(lowered(scan), "transpose_lane")) << lowered(scan);
  Kernel k = build(scan.s, scan.args(), "two_back");
  testing::expect_row_scan(k, 9, 23, 5, 2, true);
}

// Lanes along the contiguous axis (an ordinary vectorized loop) need no transpose.
TEST(TransposeLaneTiles, ContiguousLanesAreLeftAlone) {
  ir::Var n = te::size_var("n"), m = te::size_var("m");
  Tensor a = te::placeholder({n, m}, DataType::Float(32), "a");
  Tensor b = te::compute({n, m}, [&](ir::Var i, ir::Var j) { return a(i, j) * 2.0f; }, "b");
  auto s = create_schedule({b});
  auto [jo, ji] = s[b].split(s[b].axis()[1], 8);
  s[b].vectorize(ji);
  (void)jo;
  EXPECT_FALSE(holds(ir::to_string(lower::lower(s, {a, b}, "double").body), "transpose_lane"));
}

// Hand-built loop bodies, through the pass alone: for i: out[ramp(i, S, 4)] = x[ramp(i, S, 4)]
// is tiled; a second store into `out` (one column on) must keep the loop as it is, since the
// tile would write all of the first store's vectors before the second's.
TEST(TransposeLaneTiles, TwoStoresIntoOneBufferAreLeftAlone) {
  using namespace ir;
  Var i("i"), len("len"), stride("S");
  Buffer x = Buffer::make("x", DataType::Float(32), {len}), out = Buffer::make("out", DataType::Float(32), {len});
  auto lanes = [&](const Expr& base) { return std::vector<Expr>{RampNode::make(base, stride, 4)}; };
  Stmt copy = StoreNode::make(out, LoadNode::make(x, lanes(i)), lanes(i));
  Stmt again = StoreNode::make(out, LoadNode::make(x, lanes(i)) * 2.0f, lanes(i + 1));
  auto tiled = [&](const Stmt& body) {
    Stmt s = lower::transpose_lane_tiles(ForNode::make(i, Expr(int64_t{0}), len, ForKind::Serial, body));
    return holds(ir::to_string(s), "transpose_lane");
  };
  EXPECT_TRUE(tiled(copy));
  EXPECT_FALSE(tiled(SeqNode::make({copy, again})));
}

TEST(TransposeLaneTiles, TheIntrinsicChecksItsOperands) {
  auto vec = [](int lanes, DataType t = DataType::Float(32)) {
    return ir::BroadcastNode::make(ir::make_const(t, 1.0), lanes);
  };
  auto call = [](DataType t, std::vector<ir::Expr> args) {
    return ir::CallNode::make(t, ir::Intrinsic::TransposeLane, std::move(args));
  };
  const DataType f4 = DataType::Float(32, 4);
  ir::Expr lane = ir::make_const(DataType::Int(32), int64_t{3});
  EXPECT_NO_THROW(call(f4, {lane, vec(4), vec(4), vec(4), vec(4)}));
  EXPECT_THROW(call(f4, {lane, vec(4), vec(4), vec(4)}), ir::IRError);                        // 3 vectors
  EXPECT_THROW(call(f4, {ir::make_const(DataType::Int(32), int64_t{4}), vec(4), vec(4), vec(4), vec(4)}),
               ir::IRError);                                                                  // lane out of range
  EXPECT_THROW(call(f4, {te::size_var("k"), vec(4), vec(4), vec(4), vec(4)}), ir::IRError);  // not a constant
  EXPECT_THROW(call(f4, {lane, vec(8), vec(8), vec(8), vec(8)}), ir::IRError);                // 8 lanes, 4 rows
  EXPECT_THROW(call(f4, {lane, vec(4), vec(4), vec(4), vec(4, DataType::Float(64))}), ir::IRError);
  EXPECT_THROW(call(DataType::Float(64, 4), {lane, vec(4), vec(4), vec(4), vec(4)}), ir::IRError);
}

}  // namespace
}  // namespace tessera
