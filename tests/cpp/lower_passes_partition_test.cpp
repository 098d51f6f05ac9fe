// Tests of loop partitioning.
//
// Each transformed kernel runs in the reference interpreter (after make_kernel_api) on
// random data and is compared with a plain C++ loop; golden files pin the printed IR of
// representative cases (regenerate with TESSERA_UPDATE_GOLDEN=1 and review the diff).
#include <gtest/gtest.h>

#include "lower_passes_util.h"

namespace {

using namespace lower_passes_test;

TEST(LoopPartition, SplitGuardMovesToTail) {
  VaddKernel k = make_vadd(false);
  Stmt out = lower::partition_loops(k.func.body);
  const auto* seq = out.as<SeqNode>();
  ASSERT_NE(seq, nullptr) << out;
  ASSERT_EQ(seq->seq.size(), 2u) << out;
  // The guard is exact (no inner dependence besides the inner loop), so the tail's inner
  // loop is partitioned too: no guard remains anywhere.
  EXPECT_EQ(count_stmts(out, StmtKind::IfThenElse), 0) << out;
  EXPECT_EQ(count_unguarded_stores(out), 2) << out;
  expect_golden("loop_partition", "vadd_1d", to_string(out));
  LoweredFunc packed = pack(with_body(k.func, out));
  for (int64_t n = 0; n <= 40; ++n) check_vadd(packed, n);
  check_vadd(packed, 1000);
}

TEST(LoopPartition, ConstantExtentsFold) {
  // 30 elements in tiles of 8: three full tiles and a tail of one.
  Buffer A = Buffer::make("A", DataType::Float(32), {Expr(30)});
  Var io("io"), ii("ii");
  Expr i = io * 8 + ii;
  Stmt body =
      loop(io, 0, 4, ForKind::Serial,
           loop(ii, 0, 8, ForKind::Serial, IfThenElseNode::make(i < 30, store(A, {i}, f32(1.0)))));
  Stmt out = lower::partition_loops(body);
  const auto* seq = out.as<SeqNode>();
  ASSERT_NE(seq, nullptr) << out;
  const auto* main = seq->seq[0].as<ForNode>();
  ASSERT_NE(main, nullptr);
  EXPECT_TRUE(is_const_int(main->extent, 3)) << out;
}

// Two nested splits of one axis (blocks of 64, vectors of 8): in the last block the guard
// fails after the last vector that holds elements, so the tail stops there instead of
// walking the rest of the block (which made small calls cost hundreds of empty iterations).
TEST(LoopPartition, TailStopsWhereTheGuardsEnd) {
  Var n("n"), bo("bo"), vo("vo"), vi("vi");
  Buffer A = Buffer::make("A", DataType::Float(32), {n});
  Expr i = bo * 64 + vo * 8 + vi;
  Stmt body = loop(bo, 0, (n + 63) / 64, ForKind::Serial,
                   loop(vo, 0, 8, ForKind::Serial,
                        loop(vi, 0, 8, ForKind::Serial, IfThenElseNode::make(i < n, store(A, {i}, f32(1.0))))));
  Stmt out = lower::partition_loops(body);
  const auto* seq = out.as<SeqNode>();
  ASSERT_TRUE(seq && seq->seq.size() == 2) << out;
  // Count the iterations of the last block's vector loops for n = 9 from their bounds:
  // with the clamp only vo in {0, 1} remain (elements 0-7 and 8), not all eight.
  int64_t visited = 0;
  post_order_visit(seq->seq[1], [&](const Stmt& s) {
    const auto* f = s.as<ForNode>();
    if (!f || f->var.get() != vo.get()) return;
    Expr begin = substitute(f->min, {{n.get(), Expr(9)}, {bo.get(), Expr(0)}});
    Expr extent = substitute(f->extent, {{n.get(), Expr(9)}, {bo.get(), Expr(0)}});
    Expr b_value = simplify(begin), e_value = simplify(extent);  // as<> points into them
    const auto* b = b_value.as<IntImmNode>();
    const auto* e = e_value.as<IntImmNode>();
    ASSERT_TRUE(b && e) << out;
    visited += std::max<int64_t>(e->value, 0);
  });
  EXPECT_EQ(visited, 2) << out;
}

TEST(LoopPartition, NoPartitionWhenNotLinear) {
  Var n("n"), i("i");
  Buffer A = Buffer::make("A", DataType::Float(32), {n});
  Stmt s1 = loop(i, 0, n, ForKind::Serial, IfThenElseNode::make(i * i < n, store(A, {i}, f32(1))));
  EXPECT_TRUE(lower::partition_loops(s1).same_as(s1));
  Stmt s2 = loop(i, 0, n, ForKind::Serial, IfThenElseNode::make(i % 3 == 0, store(A, {i}, f32(1))));
  EXPECT_TRUE(lower::partition_loops(s2).same_as(s2));
  // The bound reads memory the loop writes.
  Stmt s3 = loop(
      i, 0, n, ForKind::Serial,
      IfThenElseNode::make(i < cast(DataType::Index(), load(A, {Expr(0)})), store(A, {i}, f32(1))));
  EXPECT_TRUE(lower::partition_loops(s3).same_as(s3));
  // An inner loop whose range depends on the variable does not split the outer loop (the
  // inner loop itself is split: i is fixed there).
  Var j("j"), t("t");
  Stmt s4 =
      loop(i, 0, n, ForKind::Serial,
           loop(j, 0, i, ForKind::Serial, IfThenElseNode::make(i + j < n, store(A, {j}, f32(1)))));
  Stmt out4 = lower::partition_loops(s4);
  ASSERT_NE(out4.as<ForNode>(), nullptr) << out4;
  EXPECT_EQ(count_stmts(out4, StmtKind::IfThenElse), 0) << out4;
  // A condition on a variable bound inside the loop is left alone.
  Stmt s5 =
      loop(i, 0, n, ForKind::Serial,
           LetStmtNode::make(t, i * 2, IfThenElseNode::make(i + t < n, store(A, {i}, f32(1)))));
  EXPECT_TRUE(lower::partition_loops(s5).same_as(s5));
}

TEST(LoopPartition, TriangularInnerSplit) {
  // for i in [0, n): for j in [0, i): if i + j < n: A[j] += 1
  Var n("n"), i("i"), j("j");
  Buffer A = Buffer::make("A", DataType::Float(32), {n});
  Stmt s = loop(i, 0, n, ForKind::Serial,
                loop(j, 0, i, ForKind::Serial,
                     IfThenElseNode::make(i + j < n, store(A, {j}, load(A, {j}) + f32(1)))));
  Stmt out = lower::partition_loops(s);
  EXPECT_FALSE(out.same_as(s));
  LoweredFunc packed = pack(make_func("tri", {tensor_param(A, true)}, out));
  for (int64_t nv = 0; nv <= 12; ++nv) {
    Tensor a = make_tensor({nv});
    ASSERT_EQ(run(packed, {tensor_arg(a)}), "");
    for (int64_t x = 0; x < nv; ++x) {
      int64_t want = 0;
      for (int64_t y = 0; y < nv; ++y) want += x < y && y + x < nv;
      ASSERT_EQ(a.at<float>({x}), float(want)) << "n = " << nv << ", j = " << x;
    }
  }
}

// Random guards `ci * i + cj * j + c0 cmp m` (and a second one) over a loop with a non-zero
// start and an inner loop, for many m: the partitioned kernel must count exactly the
// iterations whose guards hold.
TEST(LoopPartition, RandomLinearGuards) {
  std::mt19937 rng(1234);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const BinaryOp ops[] = {BinaryOp::LT, BinaryOp::LE, BinaryOp::GT, BinaryOp::GE};
  auto holds = [](BinaryOp op, int64_t a, int64_t b) {
    switch (op) {
      case BinaryOp::LT:
        return a < b;
      case BinaryOp::LE:
        return a <= b;
      case BinaryOp::GT:
        return a > b;
      default:
        return a >= b;
    }
  };
  int partitioned = 0;
  for (int trial = 0; trial < 150; ++trial) {
    const int64_t i0 = pick(-3, 3), extent = pick(0, 9), inner = pick(1, 4);
    struct Guard {
      int ci, cj, c0;
      BinaryOp op;
    };
    std::vector<Guard> guards;
    for (int g = 0; g < pick(1, 2); ++g)
      guards.push_back({pick(-3, 3), pick(-2, 2), pick(-5, 5), ops[pick(0, 3)]});
    // Half of the loops have a symbolic extent (a scalar argument).
    Var i("i"), j("j"), m("m"), e("e"), len("len");
    bool symbolic = trial % 2 == 1;
    Buffer C = Buffer::make("C", DataType::Int(64), {len});
    Expr cond;
    for (const Guard& g : guards) {
      Expr c = BinaryNode::make(g.op, i * g.ci + j * g.cj + g.c0, m);
      cond = cond.defined() ? (cond && c) : c;
    }
    Expr slot = (i - i0) * inner + j;
    Stmt body = loop(i, Expr(i0), symbolic ? Expr(e) : Expr(extent), ForKind::Serial,
                     loop(j, 0, inner, ForKind::Serial,
                          IfThenElseNode::make(cond, store(C, {slot}, load(C, {slot}) + 1))));
    Stmt out = lower::partition_loops(body);
    partitioned += !out.same_as(body);
    LoweredFunc packed = pack(make_func(
        "guards", {tensor_param(C, true), scalar_param(m, Kind::Int), scalar_param(e, Kind::Int)},
        out));
    for (int64_t mv = -25; mv <= 25; mv += 2) {
      Tensor c = make_tensor({extent * inner}, {}, {kDLInt, 64, 1});
      ASSERT_EQ(run(packed, {tensor_arg(c), int_arg(mv), int_arg(extent)}), "");
      for (int64_t x = 0; x < extent; ++x) {
        for (int64_t y = 0; y < inner; ++y) {
          bool want = true;
          for (const Guard& g : guards)
            want = want && holds(g.op, g.ci * (x + i0) + g.cj * y + g.c0, mv);
          ASSERT_EQ(c.at<int64_t>({x * inner + y}), want ? 1 : 0)
              << "trial " << trial << ", m = " << mv << ", i = " << x + i0 << ", j = " << y << "\n"
              << out;
        }
      }
    }
  }
  EXPECT_GT(partitioned, 100);
}

TEST(LoopPartition, GuardedVectorLoopGetsConstantMain) {
  Var i("i");
  Buffer A = Buffer::make("A", DataType::Float(32), {Expr(16)});
  Stmt s = loop(i, 0, 16, ForKind::Vectorized, IfThenElseNode::make(i < 8, store(A, {i}, f32(1))));
  Stmt out = lower::vectorize_loops(lower::partition_loops(s));
  EXPECT_EQ(count_contiguous_accesses(out), 1) << out;
  EXPECT_EQ(count_stmts(out, StmtKind::For), 0) << out;
}

// Runs the partitioned 1-D kernel C[i] = guard(i, m) ? A[i] : C[i] over a fixed extent for
// many values of the scalar m and compares with `guard` evaluated in C++.
void check_guarded_copy(const Var& i, const Var& m,
                        Stmt (*build)(const Var&, const Var&, const Buffer&, const Buffer&),
                        const std::function<bool(int64_t, int64_t)>& guard, bool expect_change) {
  const int64_t extent = 24;
  Buffer A = Buffer::make("A", DataType::Float(32), {Expr(extent)});
  Buffer C = Buffer::make("C", DataType::Float(32), {Expr(extent)});
  Stmt body = build(i, m, A, C);
  Stmt out = lower::partition_loops(body);
  EXPECT_EQ(!out.same_as(body), expect_change) << out;
  LoweredFunc f = make_func(
      "guarded", {tensor_param(A), tensor_param(C, true), scalar_param(m, Kind::Int)}, out);
  LoweredFunc packed = pack(f);
  std::mt19937 rng(3);
  for (int64_t mv = -3; mv <= extent + 3; ++mv) {
    Tensor a = make_tensor({extent}), c = make_tensor({extent});
    fill_random(&a, &rng);
    fill_random(&c, &rng);
    Tensor c0 = c;
    ASSERT_EQ(run(packed, {tensor_arg(a), tensor_arg(c), int_arg(mv)}), "");
    for (int64_t k = 0; k < extent; ++k) {
      float want = guard(k, mv) ? a.at<float>({k}) : c0.at<float>({k});
      ASSERT_EQ(c.at<float>({k}), want) << "m = " << mv << ", i = " << k << "\n" << out;
    }
  }
}

TEST(LoopPartition, LowerUpperAndConjunctions) {
  Var i("i"), m("m");
  auto lower_bound = [](const Var& i, const Var& m, const Buffer& A, const Buffer& C) {
    return loop(i, 0, 24, ForKind::Serial,
                IfThenElseNode::make(i >= m, store(C, {i}, load(A, {i}))));
  };
  check_guarded_copy(
      i, m, lower_bound, [](int64_t k, int64_t mv) { return k >= mv; }, true);
  auto negative = [](const Var& i, const Var& m, const Buffer& A, const Buffer& C) {
    return loop(i, 0, 24, ForKind::Serial,
                IfThenElseNode::make(Expr(20) - i * 2 < m, store(C, {i}, load(A, {i}))));
  };
  check_guarded_copy(
      i, m, negative, [](int64_t k, int64_t mv) { return 20 - 2 * k < mv; }, true);
  auto window = [](const Var& i, const Var& m, const Buffer& A, const Buffer& C) {
    Expr cond = i > m - 5 && (i % 3 != 1 && i <= m + 4);
    return loop(i, 0, 24, ForKind::Serial, IfThenElseNode::make(cond, store(C, {i}, load(A, {i}))));
  };
  check_guarded_copy(
      i, m, window, [](int64_t k, int64_t mv) { return k > mv - 5 && k % 3 != 1 && k <= mv + 4; },
      true);
  auto negated = [](const Var& i, const Var& m, const Buffer& A, const Buffer& C) {
    return loop(i, 0, 24, ForKind::Serial,
                IfThenElseNode::make(!(i < m), store(C, {i}, load(A, {i}))));
  };
  check_guarded_copy(
      i, m, negated, [](int64_t k, int64_t mv) { return k >= mv; }, true);
  // The guard holds in the middle only, and is exactly false at both ends: one loop stays,
  // keeping the non-linear conjunct.
  Stmt out = lower::partition_loops(window(i, m, Buffer::make("A", DataType::Float(32), {Expr(24)}),
                                           Buffer::make("C", DataType::Float(32), {Expr(24)})));
  ASSERT_NE(out.as<ForNode>(), nullptr) << out;
  EXPECT_EQ(count_stmts(out, StmtKind::IfThenElse), 1) << out;
  expect_golden("loop_partition", "window", to_string(out));
}

// C[y, x] = A[y, x] * 2 + 1 over h x w in 8x8 tiles, x vectorized.
struct TileKernel {
  Var h{"h"}, w{"w"};
  Buffer A, C;
  LoweredFunc func;
};

TileKernel make_tile(bool nested_ifs, ForKind inner_kind) {
  TileKernel k;
  k.A = Buffer::make("A", DataType::Float(32), {k.h, k.w});
  k.C = Buffer::make("C", DataType::Float(32), {k.h, k.w});
  Var yo("y.outer"), xo("x.outer"), yi("y.inner"), xi("x.inner");
  Expr y = yo * 8 + yi, x = xo * 8 + xi;
  Stmt body = store(k.C, {y, x}, load(k.A, {y, x}) * f32(2) + f32(1));
  if (nested_ifs) {
    body = IfThenElseNode::make(y < k.h, IfThenElseNode::make(x < k.w, body));
  } else {
    body = IfThenElseNode::make(y < k.h && x < k.w, body);
  }
  body = loop(xi, 0, 8, inner_kind, body);
  body = loop(yi, 0, 8, ForKind::Serial, body);
  body = loop(xo, 0, (k.w + 7) / 8, ForKind::Serial, body);
  body = loop(yo, 0, (k.h + 7) / 8, ForKind::Parallel, body);
  k.func = make_func("tile", {tensor_param(k.A), tensor_param(k.C, true)}, body);
  return k;
}

void check_tile(const LoweredFunc& packed, int64_t h, int64_t w) {
  std::mt19937 rng(static_cast<unsigned>(h * 100 + w));
  Tensor a = make_tensor({h, w}), c = make_tensor({h, w});
  fill_random(&a, &rng);
  ASSERT_EQ(run(packed, {tensor_arg(a), tensor_arg(c)}), "");
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x)
      ASSERT_EQ(c.at<float>({y, x}), a.at<float>({y, x}) * 2.0f + 1.0f)
          << h << "x" << w << " at " << y << "," << x;
}

TEST(LoopPartition, TwoDimensionalTiles) {
  for (ForKind inner : {ForKind::Serial, ForKind::Vectorized}) {
    for (bool nested : {false, true}) {
      TileKernel k = make_tile(nested, inner);
      Stmt out =
          inner == ForKind::Serial ? lower::partition_loops(k.func.body) : lower_all(k.func.body);
      EXPECT_EQ(count_stmts(out, StmtKind::IfThenElse), 0) << out;
      if (inner == ForKind::Vectorized) {  // full x tiles, in full and partial y tiles
        EXPECT_EQ(count_contiguous_accesses(out), 4) << out;
      }
      if (!nested && inner == ForKind::Serial)
        expect_golden("loop_partition", "tile_2d", to_string(out));
      LoweredFunc packed = pack(with_body(k.func, out));
      for (auto [h, w] : {std::pair<int64_t, int64_t>{0, 0},
                          {0, 5},
                          {1, 1},
                          {7, 9},
                          {8, 8},
                          {16, 3},
                          {17, 23},
                          {33, 40}})
        check_tile(packed, h, w);
    }
  }
}

}  // namespace
