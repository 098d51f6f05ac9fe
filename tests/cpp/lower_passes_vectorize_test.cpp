// Tests of vectorization and unrolling.
//
// Each transformed kernel runs in the reference interpreter (after make_kernel_api) on
// random data and is compared with a plain C++ loop; golden files pin the printed IR of
// representative cases (regenerate with TESSERA_UPDATE_GOLDEN=1 and review the diff).
#include <gtest/gtest.h>

#include "lower_passes_util.h"

namespace {

using namespace lower_passes_test;

// ---- vectorization -------------------------------------------------------------------------

TEST(Vectorize, ContiguousElementwise) {
  VaddKernel k = make_vadd(false);
  for (bool simplified : {true, false}) {
    Stmt out = lower_all(k.func.body, simplified);
    EXPECT_EQ(count_contiguous_accesses(out), 3) << out;
    EXPECT_EQ(count_loops(out, ForKind::Vectorized), 0) << out;
    if (simplified) expect_golden("vectorize_loops", "vadd_contiguous", to_string(out));
    LoweredFunc packed = pack(with_body(k.func, out));
    for (int64_t n : kSizes) check_vadd(packed, n);
  }
}

TEST(Vectorize, SymbolicStridesAreVersioned) {
  VaddKernel k = make_vadd(true);
  Stmt raw = lower_all(k.func.body, false);
  for (int64_t n : kSizes) check_vadd(pack(with_body(k.func, raw)), n, {2}, {0}, {1});
  Stmt out = lower_all(k.func.body);
  // One contiguous version (3 accesses) and one with gathers.
  EXPECT_EQ(count_contiguous_accesses(out), 3) << out;
  EXPECT_GT(count_exprs(out,
                        [](const Expr& e) {
                          const auto* r = e.as<RampNode>();
                          return r && r->stride.as<VarNode>();
                        }),
            0)
      << out;
  expect_golden("vectorize_loops", "vadd_strided", to_string(out));
  LoweredFunc packed = pack(with_body(k.func, out));
  LoweredFunc reference = pack(k.func);
  for (int64_t n : kSizes) {
    check_vadd(packed, n);                 // NULL strides
    check_vadd(packed, n, {1}, {1}, {1});  // explicit unit strides
    check_vadd(packed, n, {2}, {0}, {1});  // strided A, broadcast B
    check_vadd(packed, n, {1}, {1}, {3});  // strided output
    check_vadd(reference, n, {3}, {0}, {2});
  }
}

TEST(Vectorize, BroadcastScalarLoad) {
  Var n("n"), io("i.outer"), ii("i.inner");
  Buffer A = Buffer::make("A", DataType::Float(32), {n});
  Buffer B = Buffer::make("B", DataType::Float(32), {Expr(1)});
  Buffer C = Buffer::make("C", DataType::Float(32), {n});
  Expr i = io * 8 + ii;
  Stmt body =
      loop(io, 0, n / 8, ForKind::Serial,
           loop(ii, 0, 8, ForKind::Vectorized, store(C, {i}, load(A, {i}) * load(B, {Expr(0)}))));
  Stmt out = lower::vectorize_loops(body);
  EXPECT_EQ(count_exprs(out,
                        [](const Expr& e) {
                          const auto* b = e.as<BroadcastNode>();
                          return b && b->value.as<LoadNode>();
                        }),
            1)
      << out;
  LoweredFunc packed =
      pack(make_func("scale", {tensor_param(A), tensor_param(B), tensor_param(C, true)}, out));
  std::mt19937 rng(5);
  for (int64_t nv : {0, 8, 64}) {
    Tensor a = make_tensor({nv}), b = make_tensor({1}), c = make_tensor({nv});
    fill_random(&a, &rng);
    fill_random(&b, &rng);
    ASSERT_EQ(run(packed, {tensor_arg(a), tensor_arg(b), tensor_arg(c)}), "");
    for (int64_t x = 0; x < nv; ++x)
      ASSERT_EQ(c.at<float>({x}), a.at<float>({x}) * b.at<float>({0}));
  }
}

// sum over axis 0: C[j] = sum_k A[k, j], j split by 8 and vectorized.
enum class ReduceForm { InitOutside, LoopInside, LocalAccumulator };

LoweredFunc make_column_sum(ReduceForm form) {
  Var m("m"), n("n"), jo("j.outer"), ji("j.inner"), k("k");
  Buffer A = Buffer::make("A", DataType::Float(32), {m, n}, {Var("A.stride0"), Var("A.stride1")});
  Buffer C = Buffer::make("C", DataType::Float(32), {n}, {Var("C.stride0")});
  Expr j = jo * 8 + ji;
  auto guard = [&](Stmt s) { return IfThenElseNode::make(j < n, s); };
  Stmt body;
  switch (form) {
    case ReduceForm::InitOutside:
      body =
          SeqNode::make({loop(ji, 0, 8, ForKind::Vectorized, guard(store(C, {j}, f32(0)))),
                         loop(k, 0, m, ForKind::Serial,
                              loop(ji, 0, 8, ForKind::Vectorized,
                                   guard(store(C, {j}, load(C, {j}) + load(A, {Expr(k), j})))))});
      break;
    case ReduceForm::LoopInside:
      body =
          loop(ji, 0, 8, ForKind::Vectorized,
               guard(SeqNode::make({store(C, {j}, f32(0)),
                                    loop(k, 0, m, ForKind::Serial,
                                         store(C, {j}, load(C, {j}) + load(A, {Expr(k), j})))})));
      break;
    case ReduceForm::LocalAccumulator: {
      Buffer acc = Buffer::make("acc", DataType::Float(32), {Expr(1)}, {}, Expr(), "local");
      Stmt inner =
          SeqNode::make({store(acc, {Expr(0)}, f32(0)),
                         loop(k, 0, m, ForKind::Serial,
                              store(acc, {Expr(0)}, load(acc, {Expr(0)}) + load(A, {Expr(k), j}))),
                         store(C, {j}, load(acc, {Expr(0)}))});
      body = loop(ji, 0, 8, ForKind::Vectorized, guard(AllocateNode::make(acc, inner)));
      break;
    }
  }
  body = loop(jo, 0, (n + 7) / 8, ForKind::Parallel, body);
  return make_func("column_sum", {tensor_param(A), tensor_param(C, true)}, body);
}

void check_column_sum(const LoweredFunc& packed, int64_t m, int64_t n) {
  std::mt19937 rng(static_cast<unsigned>(m * 31 + n));
  Tensor a = make_tensor({m, n}), c = make_tensor({n});
  fill_random(&a, &rng);
  fill_random(&c, &rng);
  ASSERT_EQ(run(packed, {tensor_arg(a), tensor_arg(c)}), "");
  for (int64_t j = 0; j < n; ++j) {
    float want = 0;
    for (int64_t k = 0; k < m; ++k) want += a.at<float>({k, j});
    ASSERT_EQ(c.at<float>({j}), want) << m << "x" << n << " column " << j;
  }
}

TEST(Vectorize, Reductions) {
  for (ReduceForm form :
       {ReduceForm::InitOutside, ReduceForm::LoopInside, ReduceForm::LocalAccumulator}) {
    LoweredFunc f = make_column_sum(form);
    check_column_sum(pack(with_body(f, lower_all(f.body, false))), 5, 13);
    Stmt out = lower_all(f.body);
    EXPECT_GT(count_contiguous_accesses(out), 0) << out;
    if (form == ReduceForm::LocalAccumulator) {
      EXPECT_EQ(count_exprs(
                    out, [](const Expr& e) { return e.as<LoadNode>() && e.type().lanes == 8; }) > 0,
                true);
      expect_golden("vectorize_loops", "column_sum_accumulator", to_string(out));
    }
    LoweredFunc packed = pack(with_body(f, out));
    for (auto [m, n] :
         {std::pair<int64_t, int64_t>{0, 5}, {3, 0}, {1, 1}, {4, 8}, {5, 13}, {9, 40}})
      check_column_sum(packed, m, n);
  }
}

// C[i] = body(A[i], B[i]) over [0, 8) with the loop vectorized; compares with `reference`.
void check_vectorized_elementwise(const std::string& name, DataType in, DataType out_type,
                                  const std::function<Expr(Expr, Expr)>& body,
                                  const std::function<double(double, double)>& reference,
                                  bool expect_vector) {
  const int64_t n = 8;
  Var i("i");
  Buffer A = Buffer::make("A", in, {Expr(n)}), B = Buffer::make("B", in, {Expr(n)});
  Buffer C = Buffer::make("C", out_type, {Expr(n)});
  Stmt s = loop(i, 0, n, ForKind::Vectorized, store(C, {i}, body(load(A, {i}), load(B, {i}))));
  Stmt out = lower::vectorize_loops(s);
  EXPECT_EQ(count_loops(out, ForKind::Vectorized), 0) << out;
  EXPECT_EQ(count_stmts(out, StmtKind::For) == 0, expect_vector) << name << "\n" << out;
  LoweredFunc packed =
      pack(make_func(name, {tensor_param(A), tensor_param(B), tensor_param(C, true)}, out));
  std::mt19937 rng(11);
  auto code_of = [](DataType t) {
    return DLDataType{static_cast<uint8_t>(t.code), static_cast<uint8_t>(t.bits), 1};
  };
  Tensor a = make_tensor({n}, {}, code_of(in)), b = make_tensor({n}, {}, code_of(in));
  Tensor c = make_tensor({n}, {}, code_of(out_type));
  std::uniform_real_distribution<double> dist(-4, 4);
  auto put = [](Tensor& t, int64_t k, DataType ty, double v) {
    if (ty == DataType::Float(32))
      t.at<float>({k}) = static_cast<float>(v);
    else if (ty == DataType::Int(32))
      t.at<int32_t>({k}) = static_cast<int32_t>(v);
  };
  auto get = [](Tensor& t, int64_t k, DataType ty) -> double {
    if (ty == DataType::Float(32)) return t.at<float>({k});
    if (ty == DataType::Int(32)) return t.at<int32_t>({k});
    return t.at<uint8_t>({k});
  };
  for (int64_t k = 0; k < n; ++k) {
    put(a, k, in, std::round(dist(rng) * 4) / 4);
    put(b, k, in, std::round(dist(rng) * 4) / 4);
  }
  ASSERT_EQ(run(packed, {tensor_arg(a), tensor_arg(b), tensor_arg(c)}), "");
  for (int64_t k = 0; k < n; ++k) {
    double want = reference(get(a, k, in), get(b, k, in));
    EXPECT_NEAR(get(c, k, out_type), want, 1e-5 * (1 + std::abs(want))) << name << " lane " << k;
  }
}

TEST(Vectorize, OperationsWiden) {
  DataType f = DataType::Float(32), i32 = DataType::Int(32);
  check_vectorized_elementwise(
      "exp", f, f, [](Expr a, Expr b) { return exp(a) + b; },
      [](double a, double b) { return float(std::exp(float(a))) + b; }, true);
  check_vectorized_elementwise(
      "select", f, f, [](Expr a, Expr b) { return select(a > b, a - b, b * f32(0.5)); },
      [](double a, double b) { return a > b ? a - b : b * 0.5; }, true);
  check_vectorized_elementwise(
      "let", f, f,
      [](Expr a, Expr b) {
        Var t("t", DataType::Float(32));
        return LetNode::make(t, a * b, t + t);
      },
      [](double a, double b) { return 2 * float(a * b); }, true);
  check_vectorized_elementwise(
      "cast", i32, f, [](Expr a, Expr b) { return cast(DataType::Float(32), a * b); },
      [](double a, double b) { return int(a) * int(b); }, true);
  check_vectorized_elementwise(
      "compare", f, DataType::Bool(), [](Expr a, Expr b) { return a < b; },
      [](double a, double b) { return a < b ? 1 : 0; }, true);
}

TEST(Vectorize, UnsupportedBodiesStaySerial) {
  Var i("i"), n("n");
  Buffer A = Buffer::make("A", DataType::Float(32), {n});
  Buffer C = Buffer::make("C", DataType::Float(32), {n});
  // A guard on the vectorized variable.
  Stmt guarded =
      loop(i, 0, 8, ForKind::Vectorized, IfThenElseNode::make(i < n, store(C, {i}, load(A, {i}))));
  Stmt out = lower::vectorize_loops(guarded);
  EXPECT_EQ(count_loops(out, ForKind::Serial), 1) << out;
  EXPECT_EQ(count_exprs(out, [](const Expr& e) { return e.type().lanes > 1; }), 0) << out;
  // A symbolic extent.
  Stmt symbolic = loop(i, 0, n, ForKind::Vectorized, store(C, {i}, load(A, {i})));
  out = lower::vectorize_loops(symbolic);
  EXPECT_EQ(count_loops(out, ForKind::Serial), 1) << out;
  // A store every lane would make to one element (a reduction over the vectorized axis).
  Stmt reduce =
      loop(i, 0, 8, ForKind::Vectorized, store(C, {Expr(0)}, load(C, {Expr(0)}) + load(A, {i})));
  out = lower::vectorize_loops(reduce);
  EXPECT_EQ(count_loops(out, ForKind::Serial), 1) << out;
  LoweredFunc packed = pack(make_func("sum8", {tensor_param(A), tensor_param(C, true)}, out));
  Tensor a = make_tensor({8}), c = make_tensor({8});
  std::mt19937 rng(2);
  fill_random(&a, &rng);
  ASSERT_EQ(run(packed, {tensor_arg(a), tensor_arg(c)}), "");
  float want = 0;
  for (int64_t k = 0; k < 8; ++k) want += a.at<float>({k});
  EXPECT_EQ(c.at<float>({0}), want);
}

// ---- unrolling -----------------------------------------------------------------------------

TEST(Unroll, ConstantExtentsUnroll) {
  Var a("a"), b("b"), n("n");
  Buffer C = Buffer::make("C", DataType::Int(64), {Expr(9)});
  // Triangular: the inner extent depends on the outer unrolled variable.
  Stmt tri = loop(a, 0, 3, ForKind::Unrolled,
                  loop(b, 0, a + 1, ForKind::Unrolled, store(C, {a * 3 + b}, a * 10 + b)));
  Stmt out = lower::unroll_loops(tri);
  EXPECT_EQ(count_stmts(out, StmtKind::For), 0) << out;
  EXPECT_EQ(count_stmts(out, StmtKind::Store), 6) << out;
  expect_golden("unroll_loops", "triangular", to_string(out));
  LoweredFunc packed = pack(make_func("tri", {tensor_param(C, true)}, out));
  Tensor c = make_tensor({9}, {}, {kDLInt, 64, 1});
  for (int64_t k = 0; k < 9; ++k) c.at<int64_t>({k}) = -1;
  ASSERT_EQ(run(packed, {tensor_arg(c)}), "");
  for (int64_t x = 0; x < 3; ++x)
    for (int64_t y = 0; y < 3; ++y) EXPECT_EQ(c.at<int64_t>({x * 3 + y}), y <= x ? x * 10 + y : -1);

  // Symbolic extents stay loops (serial), extent 0 disappears.
  Stmt symbolic = loop(a, 0, n, ForKind::Unrolled, store(C, {a}, Expr(1)));
  out = lower::unroll_loops(symbolic);
  ASSERT_NE(out.as<ForNode>(), nullptr);
  EXPECT_EQ(out.as<ForNode>()->for_kind, ForKind::Serial);
  out = lower::unroll_loops(loop(a, 0, 0, ForKind::Unrolled, store(C, {a}, Expr(1))));
  EXPECT_EQ(count_stmts(out, StmtKind::Store), 0) << out;
  // Other loops are untouched.
  Stmt serial = loop(a, 0, 4, ForKind::Serial, store(C, {a}, Expr(1)));
  EXPECT_TRUE(lower::unroll_loops(serial).same_as(serial));
}

TEST(Unroll, CodeSizeBudgetKeepsHugeNestsAsLoops) {
  // unroll(i) over unroll(j) of 300 x 300 stores would be 90,000 copies: over the budget, so
  // the outer loop stays a serial loop and only the inner one (300 copies) is unrolled.
  Var i("i"), j("j");
  Buffer C = Buffer::make("C", DataType::Int(64), {Expr(300 * 300)});
  Stmt nest = loop(i, 0, 300, ForKind::Unrolled,
                   loop(j, 0, 300, ForKind::Unrolled, store(C, {i * 300 + j}, i - j)));
  Stmt out = lower::unroll_loops(nest);
  ASSERT_NE(out.as<ForNode>(), nullptr) << out;
  EXPECT_EQ(out.as<ForNode>()->for_kind, ForKind::Serial);
  EXPECT_EQ(count_stmts(out, StmtKind::For), 1);
  EXPECT_EQ(count_stmts(out, StmtKind::Store), 300);
  LoweredFunc packed = pack(make_func("big", {tensor_param(C, true)}, out));
  Tensor c = make_tensor({300 * 300}, {}, {kDLInt, 64, 1});
  ASSERT_EQ(run(packed, {tensor_arg(c)}), "");
  for (int64_t x : {0, 7, 299})
    for (int64_t y : {0, 150, 299}) EXPECT_EQ(c.at<int64_t>({x * 300 + y}), x - y);
  // Within the budget: 8 x 8 unrolls completely.
  Stmt small = loop(i, 0, 8, ForKind::Unrolled,
                    loop(j, 0, 8, ForKind::Unrolled, store(C, {i * 300 + j}, i - j)));
  EXPECT_EQ(count_stmts(lower::unroll_loops(small), StmtKind::For), 0);
}

TEST(Unroll, InsideVectorizedTiles) {
  // vadd with the outer loop unrolled by 4 inside: i = (io * 4 + u) * 8 + ii.
  Var n("n"), io("io"), u("u"), ii("ii");
  Buffer A = Buffer::make("A", DataType::Float(32), {n}),
         B = Buffer::make("B", DataType::Float(32), {n});
  Buffer C = Buffer::make("C", DataType::Float(32), {n});
  Expr i = (io * 4 + u) * 8 + ii;
  Stmt body = IfThenElseNode::make(i < n, store(C, {i}, load(A, {i}) + load(B, {i})));
  body = loop(io, 0, (n + 31) / 32, ForKind::Serial,
              loop(u, 0, 4, ForKind::Unrolled, loop(ii, 0, 8, ForKind::Vectorized, body)));
  LoweredFunc f =
      make_func("vadd4", {tensor_param(A), tensor_param(B), tensor_param(C, true)}, body);
  Stmt out = lower_all(body);
  EXPECT_EQ(count_loops(out, ForKind::Unrolled), 0) << out;
  EXPECT_GE(count_contiguous_accesses(out), 12) << out;
  LoweredFunc packed = pack(with_body(f, out));
  for (int64_t nv : kSizes) check_vadd(packed, nv);
}

}  // namespace
