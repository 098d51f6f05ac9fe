// Tests of loop partitioning, vectorization, unrolling and the kernel-API pass.
//
// Each transformed kernel runs in the reference interpreter (after make_kernel_api) on
// random data and is compared with a plain C++ loop; golden files pin the printed IR of
// representative cases (regenerate with TESSERA_UPDATE_GOLDEN=1 and review the diff).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>

#include "lower/loop_partition.h"
#include "lower/make_kernel_api.h"
#include "lower/unroll_loops.h"
#include "lower/vectorize_loops.h"
#include "tessera/interp/interpreter.h"
#include "tessera/ir/op.h"
#include "tessera/ir/printer.h"
#include "tessera/ir/simplify.h"
#include "tessera/ir/utils.h"

namespace {

using namespace tessera;
using namespace tessera::ir;
using Kind = KernelParam::Kind;

// ---- host tensors and calls ----------------------------------------------------------------

struct Tensor {
  std::vector<unsigned char> bytes;
  std::vector<int64_t> shape, strides;  // strides empty: DLTensor::strides is NULL
  DLDataType dtype{kDLFloat, 32, 1};
  DLDevice device{kDLCPU, 0};
  DLTensor dl{};

  TesseraValue arg() {
    dl.data = bytes.data();
    dl.device = device;
    dl.ndim = static_cast<int32_t>(shape.size());
    dl.dtype = dtype;
    dl.shape = shape.data();
    dl.strides = strides.empty() ? nullptr : strides.data();
    dl.byte_offset = 0;
    TesseraValue v;
    v.v_handle = &dl;
    return v;
  }

  // Element offset of a multi-index.
  int64_t offset(const std::vector<int64_t>& idx) const {
    int64_t off = 0, compact = 1;
    for (size_t d = shape.size(); d-- > 0;) {
      off += idx[d] * (strides.empty() ? compact : strides[d]);
      compact *= shape[d];
    }
    return off;
  }

  template <class T>
  T& at(const std::vector<int64_t>& idx) {
    return reinterpret_cast<T*>(bytes.data())[offset(idx)];
  }
};

// A tensor of `elem_bytes`-sized elements with storage for every addressed element.
Tensor make_tensor(std::vector<int64_t> shape, std::vector<int64_t> strides = {},
                   DLDataType dtype = {kDLFloat, 32, 1}) {
  Tensor t;
  t.shape = std::move(shape);
  t.strides = std::move(strides);
  t.dtype = dtype;
  int64_t span = 1;
  for (size_t d = 0; d < t.shape.size(); ++d) {
    if (t.shape[d] == 0) span = 0;
  }
  if (span != 0) {
    int64_t compact = 1;
    for (size_t d = t.shape.size(); d-- > 0;) {
      int64_t stride = t.strides.empty() ? compact : std::abs(t.strides[d]);
      span += (t.shape[d] - 1) * stride;
      compact *= t.shape[d];
    }
  }
  t.bytes.assign(static_cast<size_t>(std::max<int64_t>(span, 1)) * (dtype.bits / 8) + 64, 0);
  return t;
}

void fill_random(Tensor* t, std::mt19937* rng) {
  std::uniform_real_distribution<float> dist(-10.0f, 10.0f);
  float* p = reinterpret_cast<float*>(t->bytes.data());
  for (size_t i = 0; i < t->bytes.size() / sizeof(float); ++i) p[i] = dist(*rng);
}

struct CallArg {
  int32_t code;
  TesseraValue value;
};
CallArg tensor_arg(Tensor& t) { return {kTesseraArgTensor, t.arg()}; }
CallArg int_arg(int64_t v) {
  TesseraValue x;
  x.v_int64 = v;
  return {kTesseraArgInt, x};
}
CallArg float_arg(double v) {
  TesseraValue x;
  x.v_float64 = v;
  return {kTesseraArgFloat, x};
}

// Runs a packed function in the interpreter; returns its error message ("" on success).
std::string run(const LoweredFunc& f, const std::vector<CallArg>& args) {
  std::vector<TesseraValue> values;
  std::vector<int32_t> codes;
  for (const CallArg& a : args) {
    values.push_back(a.value);
    codes.push_back(a.code);
  }
  std::string error;
  int32_t rc =
      interp::run(f, values.data(), codes.data(), static_cast<int32_t>(values.size()), &error);
  if (rc != 0 && error.empty()) return "<failed without a message>";
  return rc == 0 ? std::string() : error;
}

// ---- IR construction -----------------------------------------------------------------------

KernelParam tensor_param(const Buffer& b, bool output = false) {
  KernelParam p;
  p.kind = Kind::Tensor;
  p.buffer = b;
  p.is_output = output;
  return p;
}

KernelParam scalar_param(const Var& v, Kind kind) {
  KernelParam p;
  p.kind = kind;
  p.var = v;
  return p;
}

LoweredFunc make_func(std::string name, std::vector<KernelParam> params, Stmt body) {
  LoweredFunc f;
  f.name = std::move(name);
  f.params = std::move(params);
  f.body = std::move(body);
  return f;
}

LoweredFunc with_body(LoweredFunc f, Stmt body) {
  f.body = std::move(body);
  return f;
}

LoweredFunc pack(const LoweredFunc& f) { return lower::make_kernel_api(f, kDLCPU); }

// The passes in the order of lower/pipeline.cpp, with its simplifications or without.
Stmt lower_all(const Stmt& s, bool simplify_between = true) {
  auto simp = [&](const Stmt& x) { return simplify_between ? simplify(x) : x; };
  Stmt partitioned = simp(lower::partition_loops(s));
  return simp(lower::unroll_loops(lower::vectorize_loops(partitioned)));
}

Expr load(const Buffer& b, const std::vector<Expr>& idx) {
  return LoadNode::make(b, {b.flat_index(idx)});
}

Stmt store(const Buffer& b, const std::vector<Expr>& idx, const Expr& value) {
  return StoreNode::make(b, value, {b.flat_index(idx)});
}

Stmt loop(const Var& v, Expr min, Expr extent, ForKind kind, Stmt body) {
  return ForNode::make(v, std::move(min), std::move(extent), kind, std::move(body));
}

Expr f32(double v) { return make_const(DataType::Float(32), v); }

// C[i] = A[i] + B[i] split by `factor`, the inner loop vectorized and guarded.
struct VaddKernel {
  Var n{"n"};
  Buffer A, B, C;
  LoweredFunc func;
};

VaddKernel make_vadd(bool symbolic_strides, int factor = 16) {
  VaddKernel k;
  auto buffer = [&](const std::string& name) {
    std::vector<Expr> strides;
    if (symbolic_strides) strides.push_back(Var(name + ".stride0"));
    return Buffer::make(name, DataType::Float(32), {k.n}, strides);
  };
  k.A = buffer("A");
  k.B = buffer("B");
  k.C = buffer("C");
  Var io("i.outer"), ii("i.inner");
  Expr i = io * factor + ii;
  Stmt body = IfThenElseNode::make(i < k.n, store(k.C, {i}, load(k.A, {i}) + load(k.B, {i})));
  body = loop(ii, 0, factor, ForKind::Vectorized, body);
  body = loop(io, 0, (k.n + (factor - 1)) / factor, ForKind::Parallel, body);
  k.func = make_func("vadd", {tensor_param(k.A), tensor_param(k.B), tensor_param(k.C, true)}, body);
  return k;
}

// ---- IR inspection -------------------------------------------------------------------------

int count_stmts(const Stmt& s, StmtKind kind) {
  int n = 0;
  post_order_visit(s, [&](const Stmt& x) { n += x.kind() == kind; });
  return n;
}

int count_exprs(const Stmt& s, const std::function<bool(const Expr&)>& pred) {
  int n = 0;
  post_order_visit(
      s, [](const Stmt&) {}, [&](const Expr& e) { n += pred(e); });
  return n;
}

int count_loops(const Stmt& s, ForKind kind) {
  int n = 0;
  post_order_visit(s, [&](const Stmt& x) {
    if (const auto* f = x.as<ForNode>()) n += f->for_kind == kind;
  });
  return n;
}

bool is_unit_ramp(const Expr& e) {
  const auto* r = e.as<RampNode>();
  return r && is_const_int(r->stride, 1);
}

// Vector loads and stores whose index is a stride-1 Ramp.
int count_contiguous_accesses(const Stmt& s) {
  int n = 0;
  post_order_visit(
      s,
      [&](const Stmt& x) {
        if (const auto* st = x.as<StoreNode>()) n += is_unit_ramp(st->indices[0]);
      },
      [&](const Expr& e) {
        if (const auto* ld = e.as<LoadNode>()) n += is_unit_ramp(ld->indices[0]);
      });
  return n;
}

// Stores that no If encloses.
int count_unguarded_stores(const Stmt& s, int depth = 0) {
  if (!s.defined()) return 0;
  switch (s.kind()) {
    case StmtKind::Store:
      return depth == 0;
    case StmtKind::For:
      return count_unguarded_stores(s.as<ForNode>()->body, depth);
    case StmtKind::LetStmt:
      return count_unguarded_stores(s.as<LetStmtNode>()->body, depth);
    case StmtKind::Allocate:
      return count_unguarded_stores(s.as<AllocateNode>()->body, depth);
    case StmtKind::IfThenElse: {
      const auto* op = s.as<IfThenElseNode>();
      return count_unguarded_stores(op->then_case, depth + 1) +
             count_unguarded_stores(op->else_case, depth + 1);
    }
    case StmtKind::Seq: {
      int n = 0;
      for (const Stmt& x : s.as<SeqNode>()->seq) n += count_unguarded_stores(x, depth);
      return n;
    }
    default:
      return 0;
  }
}

// ---- golden files --------------------------------------------------------------------------

std::filesystem::path golden_dir() {
  if (const char* dir = std::getenv("TESSERA_GOLDEN_DIR")) return dir;
  return std::filesystem::path(__FILE__).parent_path().parent_path() / "golden";
}

void expect_golden(const std::string& pass, const std::string& name, const std::string& text) {
  std::filesystem::path path = golden_dir() / pass / (name + ".txt");
  if (std::getenv("TESSERA_UPDATE_GOLDEN")) {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << text;
    return;
  }
  std::ifstream in(path);
  if (!in) {
    ADD_FAILURE() << "missing golden file " << path << " (run with TESSERA_UPDATE_GOLDEN=1)\n"
                  << text;
    return;
  }
  std::stringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(expected.str(), text) << "golden " << path;
}

// ---- element-wise kernels ------------------------------------------------------------------

const int64_t kSizes[] = {0, 1, 7, 15, 16, 17, 31, 32, 33, 1000};

// Runs `func` (packed) as vadd on n elements with the given strides; checks C = A + B.
void check_vadd(const LoweredFunc& packed, int64_t n, std::vector<int64_t> sa = {},
                std::vector<int64_t> sb = {}, std::vector<int64_t> sc = {}) {
  std::mt19937 rng(static_cast<unsigned>(n * 7 + sa.size()));
  Tensor a = make_tensor({n}, sa), b = make_tensor({n}, sb), c = make_tensor({n}, sc);
  fill_random(&a, &rng);
  fill_random(&b, &rng);
  fill_random(&c, &rng);
  Tensor before = c;
  ASSERT_EQ(run(packed, {tensor_arg(a), tensor_arg(b), tensor_arg(c)}), "") << "n = " << n;
  for (int64_t i = 0; i < n; ++i) {
    float want = a.at<float>({i}) + b.at<float>({i});
    ASSERT_EQ(c.at<float>({i}), want) << "n = " << n << ", i = " << i;
  }
  // Nothing outside the tensor's elements was written.
  std::vector<bool> element(c.bytes.size() / 4, false);
  for (int64_t i = 0; i < n; ++i) element[c.offset({i})] = true;
  for (size_t k = 0; k < element.size(); ++k) {
    if (!element[k]) {
      ASSERT_EQ(std::memcmp(&c.bytes[k * 4], &before.bytes[k * 4], 4), 0) << "stray write at " << k;
    }
  }
}

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

// ---- kernel API ----------------------------------------------------------------------------

TEST(KernelApi, GoldenAndValidArguments) {
  VaddKernel k = make_vadd(true);
  LoweredFunc packed = pack(k.func);
  EXPECT_TRUE(packed.packed);
  EXPECT_TRUE(free_vars(packed.body).empty());
  expect_golden("make_kernel_api", "vadd_strided", to_string(packed.body));
  check_vadd(packed, 5);
  check_vadd(packed, 0);
}

struct ApiCase {
  VaddKernel k = make_vadd(false);
  LoweredFunc packed = pack(k.func);
  Tensor a = make_tensor({7}), b = make_tensor({7}), c = make_tensor({7});
  std::string call() { return run(packed, {tensor_arg(a), tensor_arg(b), tensor_arg(c)}); }
};

TEST(KernelApi, ArgumentErrors) {
  {
    ApiCase t;
    EXPECT_EQ(t.call(), "");
    EXPECT_EQ(run(t.packed, {tensor_arg(t.a), tensor_arg(t.b)}),
              "kernel vadd: expects 3 arguments, got 2");
    EXPECT_EQ(run(t.packed, {int_arg(3), tensor_arg(t.b), tensor_arg(t.c)}),
              "kernel vadd: argument 0 (A) must be a tensor, got an int");
    EXPECT_EQ(run(t.packed, {tensor_arg(t.a), float_arg(1.5), tensor_arg(t.c)}),
              "kernel vadd: argument 1 (B) must be a tensor, got a float");
  }
  {
    ApiCase t;
    t.b = make_tensor({7, 1});
    EXPECT_EQ(t.call(), "kernel vadd: argument 1 (B) expects ndim 1, got 2");
  }
  {
    ApiCase t;
    t.b = make_tensor({7}, {}, {kDLInt, 64, 1});
    EXPECT_EQ(t.call(), "kernel vadd: argument 1 (B) expects dtype float32, got int64");
    t.b = make_tensor({7}, {}, {kDLFloat, 32, 4});
    EXPECT_EQ(t.call(),
              "kernel vadd: argument 1 (B) expects dtype float32, got (code 2, bits 32, lanes 4)");
  }
  {
    ApiCase t;
    t.c.device = {kDLCUDA, 0};
    EXPECT_EQ(t.call(), "kernel vadd: argument 2 (C) expects device cpu, got cuda");
  }
  {
    ApiCase t;
    t.b = make_tensor({5});
    EXPECT_EQ(t.call(), "kernel vadd: dim 0 of B (5) must equal n (7)");
  }
  {
    ApiCase t;  // the contiguous specialization rejects strided views...
    t.a = make_tensor({7}, {2});
    EXPECT_EQ(t.call(), "kernel vadd: argument 0 (A) must be contiguous, got strides (2)");
    t.a = make_tensor({7}, {1});  // ...but accepts explicit compact strides
    EXPECT_EQ(t.call(), "");
  }
}

TEST(KernelApi, DtypesScalarsAndRanks) {
  // out[i, j] = select(mask[i, j], x[i, j] * alpha, bf[...] as float) + float(k) with a 0-d
  // tensor `bias` added; exercises bool, bfloat16, 0-d, int and float scalars.
  Var r("r"), c("c"), k("k"), alpha("alpha", DataType::Float(64));
  Buffer mask = Buffer::make("mask", DataType::Bool(), {r, c});
  Buffer x = Buffer::make("x", DataType::Float(32), {r, c}, {Var("x.s0"), Var("x.s1")});
  Buffer bf = Buffer::make("bf", DataType::BFloat16(), {r, Expr(3)});
  Buffer bias = Buffer::make("bias", DataType::Float(32), {});
  Buffer out = Buffer::make("out", DataType::Float(32), {r, c});
  Var i("i"), j("j");
  Expr value = select(load(mask, {i, j}), load(x, {i, j}) * cast(DataType::Float(32), alpha),
                      cast(DataType::Float(32), load(bf, {i, Expr(0)}))) +
               cast(DataType::Float(32), k) + LoadNode::make(bias, {Expr(0)});
  Stmt body =
      loop(i, 0, r, ForKind::Serial, loop(j, 0, c, ForKind::Serial, store(out, {i, j}, value)));
  LoweredFunc f = make_func(
      "mix",
      {tensor_param(mask), tensor_param(x), tensor_param(bf), tensor_param(bias),
       scalar_param(k, Kind::Int), scalar_param(alpha, Kind::Float), tensor_param(out, true)},
      body);
  LoweredFunc packed = pack(f);
  const int64_t R = 2, C = 3;
  Tensor tm = make_tensor({R, C}, {}, {kDLBool, 8, 1});
  Tensor tx = make_tensor({R, C}, {1, 2});  // column-major view
  Tensor tb = make_tensor({R, 3}, {}, {kDLBfloat, 16, 1});
  Tensor tbias = make_tensor({});
  Tensor to = make_tensor({R, C});
  tbias.at<float>({}) = 0.5f;
  for (int64_t y = 0; y < R; ++y) {
    for (int64_t z = 0; z < C; ++z) {
      tm.at<uint8_t>({y, z}) = (y + z) % 2;
      tx.at<float>({y, z}) = float(y * 10 + z);
    }
    tb.at<uint16_t>({y, 0}) = 0x4000;  // bfloat16 2.0
  }
  auto args = [&](CallArg alpha_arg) {
    return std::vector<CallArg>{tensor_arg(tm), tensor_arg(tx), tensor_arg(tb), tensor_arg(tbias),
                                int_arg(3),     alpha_arg,      tensor_arg(to)};
  };
  ASSERT_EQ(run(packed, args(float_arg(1.5))), "");
  for (int64_t y = 0; y < R; ++y)
    for (int64_t z = 0; z < C; ++z) {
      float want = ((y + z) % 2 ? float(y * 10 + z) * 1.5f : 2.0f) + 3.0f + 0.5f;
      EXPECT_EQ(to.at<float>({y, z}), want) << y << "," << z;
    }
  ASSERT_EQ(run(packed, args(int_arg(2))), "");  // an int converts to a float parameter
  EXPECT_EQ(to.at<float>({0, 1}), 1.0f * 2.0f + 3.5f);
  // Errors.
  std::vector<CallArg> bad = args(float_arg(1));
  bad[4] = float_arg(3);
  EXPECT_EQ(run(packed, bad), "kernel mix: argument 4 (k) must be an int, got a float");
  tm.dtype = {kDLUInt, 8, 1};
  EXPECT_EQ(run(packed, args(float_arg(1))),
            "kernel mix: argument 0 (mask) expects dtype bool, got uint8");
  tm.dtype = {kDLBool, 8, 1};
  tb.shape = {R, 4};
  EXPECT_EQ(run(packed, args(float_arg(1))), "kernel mix: dim 1 of bf (4) must equal 3");
  tb.shape = {R, 3};
  tbias.shape = {1};
  EXPECT_EQ(run(packed, args(float_arg(1))), "kernel mix: argument 3 (bias) expects ndim 0, got 1");
}

TEST(KernelApi, RejectsUnboundVariables) {
  Var n("n"), m("m"), i("i");
  Buffer A = Buffer::make("A", DataType::Float(32), {n});
  Stmt body = loop(i, 0, m, ForKind::Serial, store(A, {i}, f32(0)));
  LoweredFunc f = make_func("unbound", {tensor_param(A, true)}, body);
  try {
    pack(f);
    FAIL() << "expected an IRError";
  } catch (const IRError& e) {
    EXPECT_NE(std::string(e.what()).find("variable m is not bound"), std::string::npos) << e.what();
  }
  LoweredFunc packed = pack(make_func("ok", {tensor_param(A, true)}, store(A, {Expr(0)}, f32(0))));
  EXPECT_THROW(pack(packed), IRError);
}

}  // namespace
