// The reference interpreter on packed functions built by hand with the IR API, checked
// against plain C++ and independently written expectations for the semantics of expr.h.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <deque>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "tessera/interp/interpreter.h"
#include "tessera/ir/op.h"
#include "tessera/ir/stmt.h"
#include "interp/value.h"

namespace {

using namespace tessera::ir;
namespace interp = tessera::interp;

// ---- building packed functions -----------------------------------------------------------

Expr arg_handle(int i) { return CallNode::make(DataType::Handle(), Intrinsic::ArgHandle, {Expr(i)}); }
Expr arg_int(int i) { return CallNode::make(DataType::Int(64), Intrinsic::ArgInt, {Expr(i)}); }
Expr arg_float(int i) { return CallNode::make(DataType::Float(64), Intrinsic::ArgFloat, {Expr(i)}); }
Expr arg_type_code(int i) { return CallNode::make(DataType::Int(32), Intrinsic::ArgTypeCode, {Expr(i)}); }
Expr tensor_field(Intrinsic op, DataType t, int arg) { return CallNode::make(t, op, {arg_handle(arg)}); }
Expr tensor_dim(Intrinsic op, int arg, int dim) {
  return CallNode::make(DataType::Int(64), op, {arg_handle(arg), Expr(dim)});
}
Expr call(Intrinsic op, DataType t, std::vector<Expr> args) { return CallNode::make(t, op, std::move(args)); }
Expr fimm(DataType t, double v) { return FloatImmNode::make(t, v); }
Expr iimm(DataType t, int64_t v) { return IntImmNode::make(t, v); }
Expr str(const std::string& s) { return StringImmNode::make(s); }

// Binds buffer b's data to the data of tensor argument `arg`.
Stmt bind_data(const Buffer& b, int arg, Stmt body) {
  return LetStmtNode::make(b->data, CallNode::make(DataType::Handle(), Intrinsic::TensorData, {arg_handle(arg)}),
                           std::move(body));
}

LoweredFunc packed(Stmt body, std::string name = "k") {
  LoweredFunc f;
  f.name = std::move(name);
  f.body = std::move(body);
  f.packed = true;
  return f;
}

DLDataType dl(DataType t) { return {static_cast<uint8_t>(t.code), t.bits, t.lanes}; }

// Arguments in the kernel ABI's layout; tensors are 1-D views of caller-owned vectors.
class Args {
 public:
  template <class T>
  Args& tensor(std::vector<T>& data, DataType dtype, int64_t byte_offset = 0) {
    shapes_.push_back({static_cast<int64_t>(data.size()) - byte_offset / static_cast<int64_t>(sizeof(T))});
    DLTensor t{};
    t.data = data.data();
    t.device = {kDLCPU, 0};
    t.ndim = 1;
    t.dtype = dl(dtype);
    t.shape = shapes_.back().data();
    t.strides = nullptr;
    t.byte_offset = static_cast<uint64_t>(byte_offset);
    return tensor(t);
  }
  Args& tensor(const DLTensor& t) {
    tensors_.push_back(t);
    TesseraValue v;
    v.v_handle = &tensors_.back();
    values_.push_back(v);
    codes_.push_back(kTesseraArgTensor);
    return *this;
  }
  Args& integer(int64_t i) {
    TesseraValue v;
    v.v_int64 = i;
    values_.push_back(v);
    codes_.push_back(kTesseraArgInt);
    return *this;
  }
  Args& real(double f) {
    TesseraValue v;
    v.v_float64 = f;
    values_.push_back(v);
    codes_.push_back(kTesseraArgFloat);
    return *this;
  }
  int32_t run(const LoweredFunc& f, std::string* error = nullptr) {
    return interp::run(f, values_.data(), codes_.data(), static_cast<int32_t>(values_.size()), error);
  }

 private:
  std::deque<DLTensor> tensors_;
  std::deque<std::vector<int64_t>> shapes_;
  std::vector<TesseraValue> values_;
  std::vector<int32_t> codes_;
};

// Evaluates e (scalar or vector) by storing it into a buffer of its element type, whose
// host storage is T (uint16_t for float16/bfloat16, uint8_t for bool).
template <class T>
std::vector<T> eval_lanes(const Expr& e) {
  int lanes = e.type().lanes;
  Buffer out = Buffer::make("out", e.type().element_of(), {Expr(lanes)});
  Expr index = lanes == 1 ? Expr(0) : RampNode::make(Expr(0), Expr(1), lanes);
  std::vector<T> storage(lanes);
  Args args;
  args.tensor(storage, e.type().element_of());
  EXPECT_EQ(args.run(packed(bind_data(out, 0, StoreNode::make(out, e, {index})))), 0);
  return storage;
}

template <class T>
T eval1(const Expr& e) {
  return eval_lanes<T>(e)[0];
}

uint32_t bits_of(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}
float float_of(uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}
uint16_t bits_of(_Float16 h) {
  uint16_t b;
  std::memcpy(&b, &h, 2);
  return b;
}

// ---- whole kernels ---------------------------------------------------------------------------

// C[i] = A[i] * 2 + B[i] over n = shape(A)[0], float32.
TEST(Interp, ElementwiseKernelMatchesCpp) {
  Var n("n"), i("i");
  DataType f32 = DataType::Float(32);
  Buffer a = Buffer::make("A", f32, {n}), b = Buffer::make("B", f32, {n}), c = Buffer::make("C", f32, {n});
  Stmt loop = ForNode::make(i, Expr(0), n, ForKind::Parallel,
                            StoreNode::make(c, a.load({i}) * 2 + b.load({i}), {i}));
  Stmt body = LetStmtNode::make(n, tensor_dim(Intrinsic::TensorShape, 0, 0),
                                bind_data(a, 0, bind_data(b, 1, bind_data(c, 2, loop))));
  for (int size : {0, 1, 17, 1000}) {
    std::mt19937 rng(size);
    std::uniform_real_distribution<float> dist(-100, 100);
    std::vector<float> av(size), bv(size), cv(size, -1.0f);
    for (int k = 0; k < size; ++k) av[k] = dist(rng), bv[k] = dist(rng);
    Args args;
    args.tensor(av, f32).tensor(bv, f32).tensor(cv, f32);
    std::string error = "stale";
    ASSERT_EQ(args.run(packed(body), &error), 0);
    EXPECT_EQ(error, "");
    for (int k = 0; k < size; ++k) EXPECT_EQ(cv[k], av[k] * 2.0f + bv[k]) << k;
  }
}

// out[i] = cast(float32, i) * scale + offset, with scalar arguments and a byte offset.
TEST(Interp, ScalarArgumentsAndByteOffset) {
  Var i("i");
  DataType f32 = DataType::Float(32);
  Buffer out = Buffer::make("out", f32, {Expr(8)});
  Expr value = cast(f32, cast(DataType::Float(64), i) * arg_float(1) + cast(DataType::Float(64), arg_int(2)));
  Stmt body = bind_data(out, 0, ForNode::make(i, Expr(0), Expr(8), ForKind::Serial, StoreNode::make(out, value, {i})));
  std::vector<float> storage(10, -7.0f);
  Args args;
  args.tensor(storage, f32, /*byte_offset=*/2 * sizeof(float)).real(0.5).integer(3);
  ASSERT_EQ(args.run(packed(body)), 0);
  EXPECT_EQ(storage[0], -7.0f);
  EXPECT_EQ(storage[1], -7.0f);
  for (int k = 0; k < 8; ++k) EXPECT_EQ(storage[2 + k], k * 0.5f + 3.0f);
}

// A failing assert stops the kernel before it stores anything and reports its message.
TEST(Interp, FailingAssertReturnsMessage) {
  Var n("n"), i("i");
  DataType i32 = DataType::Int(32);
  Buffer a = Buffer::make("A", i32, {n});
  Expr shape0 = tensor_dim(Intrinsic::TensorShape, 0, 0);
  Expr arg_count = CallNode::make(DataType::Int(32), Intrinsic::ArgCount, {});
  Stmt checks = SeqNode::make({
      AssertNode::make(arg_count == 1, {str("k: expected 1 argument, got "), arg_count}),
      AssertNode::make(arg_type_code(0) == kTesseraArgTensor,
                       {str("k: argument 0 must be a tensor, got type code "), arg_type_code(0)}),
      AssertNode::make(shape0 == 4, {str("k: A.shape[0] is "), shape0, str(", expected "), Expr(4)}),
  });
  Stmt fill = ForNode::make(i, Expr(0), n, ForKind::Serial, StoreNode::make(a, cast(i32, i) + 100, {i}));
  Stmt body = SeqNode::make({checks, LetStmtNode::make(n, shape0, bind_data(a, 0, fill))});

  std::vector<int32_t> good(4, 0), bad(7, 0);
  std::string error;
  Args ok;
  ok.tensor(good, i32);
  EXPECT_EQ(ok.run(packed(body), &error), 0);
  EXPECT_EQ(good, (std::vector<int32_t>{100, 101, 102, 103}));

  Args wrong_shape;
  wrong_shape.tensor(bad, i32);
  EXPECT_EQ(wrong_shape.run(packed(body), &error), -1);
  EXPECT_EQ(error, "k: A.shape[0] is 7, expected 4");
  EXPECT_EQ(bad, std::vector<int32_t>(7, 0));

  Args wrong_kind;
  wrong_kind.integer(5);
  EXPECT_EQ(wrong_kind.run(packed(body), &error), -1);
  EXPECT_EQ(error, "k: argument 0 must be a tensor, got type code 0");

  Args too_many;
  too_many.tensor(good, i32).integer(1);
  EXPECT_EQ(too_many.run(packed(body), &error), -1);
  EXPECT_EQ(error, "k: expected 1 argument, got 2");
}

TEST(Interp, TensorFields) {
  DataType i64 = DataType::Int(64);
  std::vector<int64_t> shape = {2, 3, 5}, strides = {15, 5, 1};
  std::vector<double> data(40);
  DLTensor strided{data.data(), {kDLCPU, 0}, 3, {kDLFloat, 64, 1}, shape.data(), strides.data(), 16};
  DLTensor compact = strided;
  compact.strides = nullptr;
  Buffer out = Buffer::make("out", i64, {Expr(12)});
  std::vector<Expr> fields = {
      cast(i64, tensor_field(Intrinsic::TensorNDim, DataType::Int(32), 1)),
      tensor_dim(Intrinsic::TensorShape, 1, 0),
      tensor_dim(Intrinsic::TensorShape, 1, 2),
      tensor_dim(Intrinsic::TensorStride, 1, 0),
      tensor_dim(Intrinsic::TensorStride, 2, 1),  // NULL strides read as 0
      cast(i64, tensor_field(Intrinsic::TensorHasStrides, DataType::Bool(), 1)),
      cast(i64, tensor_field(Intrinsic::TensorHasStrides, DataType::Bool(), 2)),
      cast(i64, tensor_field(Intrinsic::TensorDTypeCode, DataType::Int(32), 1)),
      cast(i64, tensor_field(Intrinsic::TensorDTypeBits, DataType::Int(32), 1)),
      cast(i64, tensor_field(Intrinsic::TensorDTypeLanes, DataType::Int(32), 1)),
      cast(i64, tensor_field(Intrinsic::TensorDeviceType, DataType::Int(32), 1)),
      tensor_field(Intrinsic::TensorByteOffset, i64, 1),
  };
  std::vector<Stmt> stores;
  for (size_t k = 0; k < fields.size(); ++k) stores.push_back(StoreNode::make(out, fields[k], {Expr(int(k))}));
  std::vector<int64_t> result(12, -1);
  Args args;
  args.tensor(result, i64).tensor(strided).tensor(compact);
  ASSERT_EQ(args.run(packed(bind_data(out, 0, SeqNode::make(stores)))), 0);
  EXPECT_EQ(result, (std::vector<int64_t>{3, 2, 5, 15, 0, 1, 0, kDLFloat, 64, 1, kDLCPU, 16}));

  // TensorData includes the byte offset.
  Buffer d = Buffer::make("d", DataType::Float(64), {Expr(1)});
  data[2] = 42.5;
  Buffer o = Buffer::make("o", DataType::Float(64), {Expr(1)});
  std::vector<double> one(1);
  Args a2;
  a2.tensor(one, DataType::Float(64)).tensor(strided);
  ASSERT_EQ(a2.run(packed(bind_data(o, 0, bind_data(d, 1, StoreNode::make(o, d.load({Expr(0)}), {Expr(0)}))))), 0);
  EXPECT_EQ(one[0], 42.5);
}

// Every loop kind runs serially and in order: out = ((0*10 + 1)*10 + 2)*10 + 3 ...
TEST(Interp, AllLoopKindsRunSeriallyInOrder) {
  DataType i64 = DataType::Int(64);
  for (ForKind kind : {ForKind::Serial, ForKind::Parallel, ForKind::Vectorized, ForKind::Unrolled,
                       ForKind::ThreadBinding}) {
    Var i("i");
    Buffer out = Buffer::make("out", i64, {Expr(1)});
    Stmt step = StoreNode::make(out, out.load({Expr(0)}) * 10 + i, {Expr(0)});
    Stmt loop = ForNode::make(i, Expr(1), Expr(5), kind, step, kind == ForKind::ThreadBinding ? "threadIdx.x" : "");
    std::vector<int64_t> result(1, 0);
    Args args;
    args.tensor(result, i64);
    ASSERT_EQ(args.run(packed(bind_data(out, 0, loop))), 0);
    EXPECT_EQ(result[0], 12345) << to_string(kind);
  }
}

// A zero-initialized local buffer, reversed through it.
TEST(Interp, AllocateGivesZeroedScratch) {
  Var n("n"), i("i");
  DataType f64 = DataType::Float(64);
  Buffer a = Buffer::make("A", f64, {n}), zeros = Buffer::make("Z", f64, {n}), rev = Buffer::make("R", f64, {n});
  Buffer tmp = Buffer::make("T", f64, {n}, {}, Expr(), "local");
  auto loop = [&](Stmt s) { return ForNode::make(i, Expr(0), n, ForKind::Serial, s); };
  Stmt use = SeqNode::make({
      loop(StoreNode::make(zeros, tmp.load({i}), {i})),
      loop(StoreNode::make(tmp, a.load({i}) * a.load({i}), {i})),
      loop(StoreNode::make(rev, tmp.load({n - 1 - i}), {i})),
  });
  Stmt body = LetStmtNode::make(n, tensor_dim(Intrinsic::TensorShape, 0, 0),
                                bind_data(a, 0, bind_data(zeros, 1, bind_data(rev, 2, AllocateNode::make(tmp, use)))));
  std::vector<double> av = {1.5, -2, 3, 4.25, 5}, z(5, 9.0), r(5);
  Args args;
  args.tensor(av, f64).tensor(z, f64).tensor(r, f64);
  ASSERT_EQ(args.run(packed(body)), 0);
  EXPECT_EQ(z, std::vector<double>(5, 0.0));
  for (int k = 0; k < 5; ++k) EXPECT_EQ(r[k], av[4 - k] * av[4 - k]);
}

// Vector loads and stores: contiguous (Ramp), gathers and scatters (vector indices).
TEST(Interp, VectorLoadsGathersAndScatters) {
  DataType i32 = DataType::Int(32), i64 = DataType::Int(64);
  Var o("o");
  Buffer src = Buffer::make("src", i32, {Expr(32)}), idx = Buffer::make("idx", i64, {Expr(8)});
  Buffer dst = Buffer::make("dst", i32, {Expr(32)}), gat = Buffer::make("gat", i32, {Expr(8)});
  Expr ramp = RampNode::make(o * 8, Expr(1), 8);
  Stmt copy = ForNode::make(o, Expr(0), Expr(4), ForKind::Serial,
                            StoreNode::make(dst, src.load({ramp}) + BroadcastNode::make(iimm(i32, 1000), 8), {ramp}));
  Expr gathered_index = idx.load({RampNode::make(Expr(0), Expr(1), 8)});
  Stmt gather = StoreNode::make(gat, src.load({gathered_index}), {RampNode::make(Expr(0), Expr(1), 8)});
  // Scatter src[0..8) to dst[31 - 3k].
  Stmt scatter = StoreNode::make(dst, src.load({RampNode::make(Expr(0), Expr(1), 8)}),
                                 {RampNode::make(Expr(31), Expr(-3), 8)});
  Stmt body = bind_data(src, 0, bind_data(idx, 1, bind_data(dst, 2, bind_data(gat, 3, SeqNode::make({copy, gather, scatter})))));
  std::vector<int32_t> s(32), d(32), g(8);
  for (int k = 0; k < 32; ++k) s[k] = k * k - 50;
  std::vector<int64_t> ix = {5, 0, 31, 7, 7, 12, 1, 30};
  Args args;
  args.tensor(s, i32).tensor(ix, i64).tensor(d, i32).tensor(g, i32);
  ASSERT_EQ(args.run(packed(body)), 0);
  std::vector<int32_t> want(32);
  for (int k = 0; k < 32; ++k) want[k] = s[k] + 1000;
  for (int k = 0; k < 8; ++k) want[31 - 3 * k] = s[k];
  EXPECT_EQ(d, want);
  for (int k = 0; k < 8; ++k) EXPECT_EQ(g[k], s[ix[k]]);
}

TEST(Interp, BoolIsStoredAsOneByte) {
  DataType f32 = DataType::Float(32);
  Var i("i");
  Buffer a = Buffer::make("A", f32, {Expr(6)}), m = Buffer::make("M", DataType::Bool(), {Expr(6)});
  Buffer back = Buffer::make("back", DataType::Int(32), {Expr(6)});
  Stmt body = bind_data(a, 0, bind_data(m, 1, bind_data(back, 2, ForNode::make(i, Expr(0), Expr(6), ForKind::Serial,
      SeqNode::make({StoreNode::make(m, a.load({i}) > 0.0f, {i}),
                     StoreNode::make(back, cast(DataType::Int(32), m.load({i})) * 7, {i})})))));
  float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> av = {1, -1, 0, -0.0f, nan, 1e-40f};
  std::vector<uint8_t> mask(6, 0xAA);
  std::vector<int32_t> b(6);
  Args args;
  args.tensor(av, f32).tensor(mask, DataType::Bool()).tensor(b, DataType::Int(32));
  ASSERT_EQ(args.run(packed(body)), 0);
  EXPECT_EQ(mask, (std::vector<uint8_t>{1, 0, 0, 0, 0, 1}));
  EXPECT_EQ(b, (std::vector<int32_t>{7, 0, 0, 0, 0, 7}));
}

// ---- integer semantics: exhaustive for 8 bits, edges and random values for wider types ------

using I128 = __int128;
using U128 = unsigned __int128;

// Floor modulo written from its definition: the representative in [0, b) or (b, 0].
I128 ref_floor_mod(I128 a, I128 b) { return b > 0 ? ((a % b) + b) % b : -ref_floor_mod(-a, -b); }
I128 ref_floor_div(I128 a, I128 b) { return (a - ref_floor_mod(a, b)) / b; }

template <class T>
int64_t wrap_to(I128 v) {
  return static_cast<int64_t>(static_cast<T>(static_cast<U128>(v)));
}

template <class T>
int64_t ref_binary(BinaryOp op, T ta, T tb) {
  constexpr int bits = sizeof(T) * 8;
  constexpr bool is_signed = std::is_signed_v<T>;
  I128 a = ta, b = tb;
  bool shift_out = is_signed ? (b < 0 || b >= bits) : b >= bits;
  switch (op) {
    case BinaryOp::Add: return wrap_to<T>(a + b);
    case BinaryOp::Sub: return wrap_to<T>(a - b);
    case BinaryOp::Mul: return wrap_to<T>(static_cast<I128>(static_cast<U128>(a) * static_cast<U128>(b)));
    case BinaryOp::Div: return b == 0 ? 0 : wrap_to<T>(ref_floor_div(a, b));
    case BinaryOp::Mod: return b == 0 ? 0 : wrap_to<T>(ref_floor_mod(a, b));
    case BinaryOp::Min: return wrap_to<T>(a < b ? a : b);
    case BinaryOp::Max: return wrap_to<T>(a > b ? a : b);
    case BinaryOp::BitAnd: return wrap_to<T>(a & b);
    case BinaryOp::BitOr: return wrap_to<T>(a | b);
    case BinaryOp::BitXor: return wrap_to<T>(a ^ b);
    case BinaryOp::Shl:
      if (shift_out) return 0;
      return wrap_to<T>(static_cast<I128>(static_cast<U128>(a) * (U128{1} << static_cast<int>(b))));
    case BinaryOp::Shr:
      if (shift_out) return a < 0 ? -1 : 0;
      return wrap_to<T>(ref_floor_div(a, I128{1} << static_cast<int>(b)));
    case BinaryOp::EQ: return a == b;
    case BinaryOp::NE: return a != b;
    case BinaryOp::LT: return a < b;
    case BinaryOp::LE: return a <= b;
    case BinaryOp::GT: return a > b;
    case BinaryOp::GE: return a >= b;
    default: return 0;
  }
}

constexpr BinaryOp kIntegerOps[] = {
    BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Div, BinaryOp::Mod, BinaryOp::Min,
    BinaryOp::Max, BinaryOp::BitAnd, BinaryOp::BitOr, BinaryOp::BitXor, BinaryOp::Shl,
    BinaryOp::Shr, BinaryOp::EQ, BinaryOp::NE, BinaryOp::LT, BinaryOp::LE, BinaryOp::GT, BinaryOp::GE,
};

// Runs C[i] = A[i] op B[i] and returns C as int64 words.
template <class T>
std::vector<int64_t> run_binary(DataType t, BinaryOp op, std::vector<T> av, std::vector<T> bv) {
  Var n("n"), i("i");
  Buffer a = Buffer::make("A", t, {n}), b = Buffer::make("B", t, {n});
  Expr value = BinaryNode::make(op, a.load({i}), b.load({i}));
  Buffer c = Buffer::make("C", value.type(), {n});
  Stmt body = LetStmtNode::make(n, tensor_dim(Intrinsic::TensorShape, 0, 0),
      bind_data(a, 0, bind_data(b, 1, bind_data(c, 2,
          ForNode::make(i, Expr(0), n, ForKind::Serial, StoreNode::make(c, value, {i}))))));
  std::vector<int64_t> result(av.size());
  Args args;
  args.tensor(av, t).tensor(bv, t);
  if (value.type().is_bool()) {
    std::vector<uint8_t> out(av.size());
    args.tensor(out, value.type());
    EXPECT_EQ(args.run(packed(body)), 0);
    for (size_t k = 0; k < out.size(); ++k) result[k] = out[k];
  } else {
    std::vector<T> out(av.size());
    args.tensor(out, t);
    EXPECT_EQ(args.run(packed(body)), 0);
    for (size_t k = 0; k < out.size(); ++k) result[k] = static_cast<int64_t>(out[k]);
  }
  return result;
}

template <class T>
void check_integer_ops(DataType t, const std::vector<T>& av, const std::vector<T>& bv) {
  for (BinaryOp op : kIntegerOps) {
    std::vector<int64_t> got = run_binary(t, op, av, bv);
    int failures = 0;
    for (size_t k = 0; k < av.size() && failures < 5; ++k) {
      int64_t want = ref_binary<T>(op, av[k], bv[k]);
      if (got[k] != want) {
        ++failures;
        ADD_FAILURE() << t.str() << " " << int64_t(av[k]) << " " << to_string(op) << " " << int64_t(bv[k])
                      << ": got " << got[k] << ", want " << want;
      }
    }
  }
}

template <class T>
void check_exhaustive(DataType t) {
  std::vector<T> av, bv;
  for (int x = 0; x < 256; ++x)
    for (int y = 0; y < 256; ++y) av.push_back(static_cast<T>(x)), bv.push_back(static_cast<T>(y));
  check_integer_ops(t, av, bv);
}

template <class T>
void check_edges_and_random(DataType t) {
  constexpr int bits = sizeof(T) * 8;
  using L = std::numeric_limits<T>;
  std::vector<T> edges = {0, 1, 2, 3, 7, static_cast<T>(-1), static_cast<T>(-2), static_cast<T>(-3),
                          L::min(), static_cast<T>(L::min() + 1), L::max(), static_cast<T>(L::max() - 1),
                          static_cast<T>(bits - 1), static_cast<T>(bits), static_cast<T>(bits + 1),
                          static_cast<T>(-bits), 63, 64, 65};
  std::vector<T> av, bv;
  for (T x : edges)
    for (T y : edges) av.push_back(x), bv.push_back(y);
  std::mt19937_64 rng(bits);
  for (int k = 0; k < 3000; ++k) {
    T x = static_cast<T>(rng()), y = static_cast<T>(rng());
    if (k % 3 == 1) y = static_cast<T>(static_cast<int64_t>(rng() % 41) - 20);  // small divisors/shifts
    if (k % 3 == 2) x = static_cast<T>(static_cast<int64_t>(rng() % 2001) - 1000);
    av.push_back(x), bv.push_back(y);
  }
  check_integer_ops(t, av, bv);
}

TEST(InterpInteger, Int8Exhaustive) { check_exhaustive<int8_t>(DataType::Int(8)); }
TEST(InterpInteger, UInt8Exhaustive) { check_exhaustive<uint8_t>(DataType::UInt(8)); }
TEST(InterpInteger, WiderTypes) {
  check_edges_and_random<int16_t>(DataType::Int(16));
  check_edges_and_random<int32_t>(DataType::Int(32));
  check_edges_and_random<int64_t>(DataType::Int(64));
  check_edges_and_random<uint16_t>(DataType::UInt(16));
  check_edges_and_random<uint32_t>(DataType::UInt(32));
  check_edges_and_random<uint64_t>(DataType::UInt(64));
}

TEST(InterpInteger, HandPickedEdges) {
  DataType i32 = DataType::Int(32), i64 = DataType::Int(64), u8 = DataType::UInt(8);
  EXPECT_EQ(eval1<int32_t>(iimm(i32, -7) / iimm(i32, 2)), -4);
  EXPECT_EQ(eval1<int32_t>(iimm(i32, -7) % iimm(i32, 2)), 1);
  EXPECT_EQ(eval1<int32_t>(iimm(i32, 7) % iimm(i32, -2)), -1);
  EXPECT_EQ(eval1<int32_t>(iimm(i32, 7) / iimm(i32, 0)), 0);
  EXPECT_EQ(eval1<int32_t>(iimm(i32, 7) % iimm(i32, 0)), 0);
  EXPECT_EQ(eval1<int32_t>(iimm(i32, INT32_MIN) / iimm(i32, -1)), INT32_MIN);
  EXPECT_EQ(eval1<int64_t>(iimm(i64, INT64_MIN) / iimm(i64, -1)), INT64_MIN);
  EXPECT_EQ(eval1<int64_t>(iimm(i64, INT64_MIN) % iimm(i64, -1)), 0);
  EXPECT_EQ(eval1<int32_t>(iimm(i32, INT32_MAX) + iimm(i32, 1)), INT32_MIN);
  EXPECT_EQ(eval1<uint8_t>(iimm(u8, 3) - iimm(u8, 5)), 254);
  EXPECT_EQ(eval1<int32_t>(iimm(i32, -8) >> iimm(i32, 40)), -1);
  EXPECT_EQ(eval1<int32_t>(iimm(i32, 8) >> iimm(i32, 32)), 0);
  EXPECT_EQ(eval1<int32_t>(iimm(i32, 1) << iimm(i32, 31)), INT32_MIN);
  EXPECT_EQ(eval1<int32_t>(iimm(i32, 1) << iimm(i32, -1)), 0);
  EXPECT_EQ(eval1<int32_t>(call(Intrinsic::Abs, i32, {iimm(i32, INT32_MIN)})), INT32_MIN);
  EXPECT_EQ(eval1<int32_t>(call(Intrinsic::Neg, i32, {iimm(i32, INT32_MIN)})), INT32_MIN);
  EXPECT_EQ(eval1<uint8_t>(call(Intrinsic::BitNot, u8, {iimm(u8, 5)})), 250);
}

TEST(InterpInteger, IntegerPower) {
  DataType i32 = DataType::Int(32), i8 = DataType::Int(8), u64 = DataType::UInt(64);
  auto ipow = [](DataType t, int64_t a, int64_t b) { return call(Intrinsic::IPow, t, {iimm(t, a), iimm(t, b)}); };
  EXPECT_EQ(eval1<int32_t>(ipow(i32, 3, 5)), 243);
  EXPECT_EQ(eval1<int32_t>(ipow(i32, 0, 0)), 1);
  EXPECT_EQ(eval1<int8_t>(ipow(i8, 3, 5)), static_cast<int8_t>(243));
  EXPECT_EQ(eval1<int32_t>(ipow(i32, 2, 31)), INT32_MIN);
  EXPECT_EQ(eval1<int32_t>(ipow(i32, 2, -1)), 0);
  EXPECT_EQ(eval1<int32_t>(ipow(i32, 1, -5)), 1);
  EXPECT_EQ(eval1<int32_t>(ipow(i32, -1, -3)), -1);
  EXPECT_EQ(eval1<int32_t>(ipow(i32, -1, -4)), 1);
  for (int e : {41, 100, 1000}) {  // wraps modulo 2^64; reference by repeated multiplication
    uint64_t want = 1;
    for (int k = 0; k < e; ++k) want *= 3;
    EXPECT_EQ(eval1<uint64_t>(ipow(u64, 3, e)), want) << e;
  }
}

// ---- float semantics ------------------------------------------------------------------------

TEST(InterpFloat, Float16RoundingKnownPatterns) {
  DataType f16 = DataType::Float(16);
  // CastNode::make, not cast(): cast() folds constants, and the interpreter is under test.
  auto to_half = [&](double v) { return eval1<uint16_t>(CastNode::make(f16, fimm(DataType::Float(64), v))); };
  EXPECT_EQ(to_half(1.0 / 3.0), 0x3555);
  EXPECT_EQ(to_half(1.0), 0x3C00);
  EXPECT_EQ(to_half(-2.0), 0xC000);
  EXPECT_EQ(to_half(65504.0), 0x7BFF);
  EXPECT_EQ(to_half(65519.99), 0x7BFF);
  EXPECT_EQ(to_half(65520.0), 0x7C00);  // the tie rounds to the even 2^16: infinity
  EXPECT_EQ(to_half(1e10), 0x7C00);
  EXPECT_EQ(to_half(-INFINITY), 0xFC00);
  EXPECT_EQ(to_half(-0.0), 0x8000);
  EXPECT_EQ(to_half(std::ldexp(1.0, -24)), 0x0001);  // smallest subnormal
  EXPECT_EQ(to_half(std::ldexp(1.0, -25)), 0x0000);  // tie to even: zero
  EXPECT_EQ(to_half(std::ldexp(3.0, -25)), 0x0002);  // tie to even: 2 units
  EXPECT_EQ(to_half(std::ldexp(1.0, -14)), 0x0400);  // smallest normal
  EXPECT_EQ(to_half(1.0 + std::ldexp(1.0, -11)), 0x3C00);      // tie, even stays
  EXPECT_EQ(to_half(1.0 + 3 * std::ldexp(1.0, -11)), 0x3C02);  // tie, odd rounds up
  uint16_t nan = to_half(NAN);
  EXPECT_EQ(nan & 0x7C00, 0x7C00);
  EXPECT_NE(nan & 0x03FF, 0);
  // Loading float16 bits back.
  Buffer in = Buffer::make("in", f16, {Expr(1)});
  Buffer out = Buffer::make("out", DataType::Float(32), {Expr(1)});
  std::vector<uint16_t> bits = {0x3555};
  std::vector<float> back(1);
  Args args;
  args.tensor(bits, f16).tensor(back, DataType::Float(32));
  ASSERT_EQ(args.run(packed(bind_data(in, 0, bind_data(out, 1,
      StoreNode::make(out, cast(DataType::Float(32), in.load({Expr(0)})), {Expr(0)}))))), 0);
  EXPECT_EQ(back[0], 0.333251953125f);
}

// float64 -> float16 against the compiler's _Float16 conversion, on random doubles.
TEST(InterpFloat, Float16MatchesCompilerConversion) {
  std::mt19937_64 rng(7);
  Var i("i");
  constexpr int kCount = 4000;
  Buffer in = Buffer::make("in", DataType::Float(64), {Expr(kCount)});
  Buffer out = Buffer::make("out", DataType::Float(16), {Expr(kCount)});
  Stmt body = bind_data(in, 0, bind_data(out, 1, ForNode::make(i, Expr(0), Expr(kCount), ForKind::Serial,
      StoreNode::make(out, cast(DataType::Float(16), in.load({i})), {i}))));
  std::vector<double> values(kCount);
  for (int k = 0; k < kCount; ++k) {
    // Random magnitudes across the half range, including subnormals, overflow and exact ties.
    double v = std::ldexp(std::uniform_real_distribution<double>(1, 2)(rng), int(rng() % 44) - 28);
    if (k % 4 == 0) v = std::ldexp(double(rng() % 4096) + 0.5, int(rng() % 30) - 35);
    values[k] = (rng() & 1) ? -v : v;
  }
  std::vector<uint16_t> bits(kCount);
  Args args;
  args.tensor(values, DataType::Float(64)).tensor(bits, DataType::Float(16));
  ASSERT_EQ(args.run(packed(body)), 0);
  for (int k = 0; k < kCount; ++k)
    ASSERT_EQ(bits[k], bits_of(static_cast<_Float16>(values[k]))) << values[k];
}

TEST(InterpFloat, Float16BitsRoundTrip) {
  for (uint32_t b = 0; b < 0x10000; ++b) {
    double v = interp::float16_value(static_cast<uint16_t>(b));
    _Float16 h;
    uint16_t b16 = static_cast<uint16_t>(b);
    std::memcpy(&h, &b16, 2);
    if (std::isnan(v)) {
      ASSERT_TRUE(std::isnan(static_cast<double>(h)));
      continue;
    }
    ASSERT_EQ(v, static_cast<double>(h)) << b;
    ASSERT_EQ(interp::float16_bits(v), b);
  }
}

TEST(InterpFloat, BFloat16RoundingKnownPatterns) {
  DataType bf16 = DataType::BFloat16();
  auto to_bf16 = [&](uint32_t f32_bits) {
    return eval1<uint16_t>(CastNode::make(bf16, fimm(DataType::Float(32), float_of(f32_bits))));
  };
  EXPECT_EQ(to_bf16(0x3F808000), 0x3F80);  // tie, even stays
  EXPECT_EQ(to_bf16(0x3F818000), 0x3F82);  // tie, odd rounds up
  EXPECT_EQ(to_bf16(0x3F808001), 0x3F81);
  EXPECT_EQ(to_bf16(0x3F807FFF), 0x3F80);
  EXPECT_EQ(to_bf16(0xBF808001), 0xBF81);
  EXPECT_EQ(to_bf16(0x7F7FFFFF), 0x7F80);  // rounds up to infinity
  EXPECT_EQ(to_bf16(0xFF800000), 0xFF80);
  EXPECT_EQ(to_bf16(0x00000001), 0x0000);
  uint16_t nan = to_bf16(0x7FC00000);
  EXPECT_EQ(nan & 0x7F80, 0x7F80);
  EXPECT_NE(nan & 0x007F, 0);
  // A signaling NaN whose payload is all in the low bits must not round to infinity.
  Buffer in = Buffer::make("in", DataType::Float(32), {Expr(1)});
  Buffer out = Buffer::make("out", bf16, {Expr(1)});
  std::vector<uint32_t> snan = {0x7F800001};
  std::vector<uint16_t> result(1);
  Args args;
  args.tensor(snan, DataType::Float(32)).tensor(result, bf16);
  ASSERT_EQ(args.run(packed(bind_data(in, 0, bind_data(out, 1,
      StoreNode::make(out, cast(bf16, in.load({Expr(0)})), {Expr(0)}))))), 0);
  EXPECT_EQ(result[0] & 0x7F80, 0x7F80);
  EXPECT_NE(result[0] & 0x007F, 0);
}

TEST(InterpFloat, MinMaxAndComparisonsWithNaN) {
  DataType f32 = DataType::Float(32);
  Expr nan = fimm(f32, NAN), one = fimm(f32, 1.0);
  EXPECT_TRUE(std::isnan(eval1<float>(max(nan, one))));
  EXPECT_TRUE(std::isnan(eval1<float>(max(one, nan))));
  EXPECT_TRUE(std::isnan(eval1<float>(min(nan, one))));
  EXPECT_TRUE(std::isnan(eval1<float>(min(one, nan))));
  EXPECT_EQ(eval1<float>(max(fimm(f32, 2.0), one)), 2.0f);
  EXPECT_EQ(eval1<float>(min(fimm(f32, 2.0), one)), 1.0f);
  EXPECT_TRUE(std::signbit(eval1<float>(max(fimm(f32, -0.0), fimm(f32, 0.0)))));  // a >= b keeps a
  for (BinaryOp op : {BinaryOp::EQ, BinaryOp::LT, BinaryOp::LE, BinaryOp::GT, BinaryOp::GE}) {
    EXPECT_EQ(eval1<uint8_t>(BinaryNode::make(op, nan, one)), 0) << to_string(op);
    EXPECT_EQ(eval1<uint8_t>(BinaryNode::make(op, one, nan)), 0) << to_string(op);
    EXPECT_EQ(eval1<uint8_t>(BinaryNode::make(op, nan, nan)), 0) << to_string(op);
  }
  EXPECT_EQ(eval1<uint8_t>(BinaryNode::make(BinaryOp::NE, nan, nan)), 1);
  EXPECT_EQ(eval1<uint8_t>(BinaryNode::make(BinaryOp::NE, nan, one)), 1);
  EXPECT_EQ(eval1<uint8_t>(BinaryNode::make(BinaryOp::EQ, fimm(f32, -0.0), fimm(f32, 0.0))), 1);
}

// Elementwise float32 arithmetic against C++ float arithmetic on random and special values.
TEST(InterpFloat, Float32ArithmeticMatchesCpp) {
  std::vector<float> special = {0.0f, -0.0f, 1.0f, -1.0f, 3.0f, -3.0f, 0.1f, 1e-45f, -1e-40f, 3.4e38f,
                                INFINITY, -INFINITY, NAN};
  std::vector<float> av, bv;
  for (float x : special)
    for (float y : special) av.push_back(x), bv.push_back(y);
  std::mt19937 rng(3);
  for (int k = 0; k < 2000; ++k)
    av.push_back(std::ldexp(std::uniform_real_distribution<float>(-1, 1)(rng), int(rng() % 40) - 20)),
        bv.push_back(std::ldexp(std::uniform_real_distribution<float>(-1, 1)(rng), int(rng() % 40) - 20));
  auto numpy_remainder = [](float a, float b) {
    // fmod, moved into the divisor's sign; an exact zero takes the divisor's sign.
    float r = std::fmod(a, b);
    if (b == 0 || std::isnan(r)) return r;
    if (r == 0) return std::copysign(0.0f, b);
    return (r < 0) != (b < 0) ? r + b : r;
  };
  struct Case {
    BinaryOp op;
    std::function<float(float, float)> ref;
  };
  std::vector<Case> cases = {
      {BinaryOp::Add, [](float a, float b) { return a + b; }},
      {BinaryOp::Sub, [](float a, float b) { return a - b; }},
      {BinaryOp::Mul, [](float a, float b) { return a * b; }},
      {BinaryOp::Div, [](float a, float b) { return a / b; }},
      {BinaryOp::Mod, numpy_remainder},
  };
  DataType f32 = DataType::Float(32);
  Var n("n"), i("i");
  Buffer a = Buffer::make("A", f32, {n}), b = Buffer::make("B", f32, {n}), c = Buffer::make("C", f32, {n});
  for (const Case& cs : cases) {
    Stmt body = LetStmtNode::make(n, tensor_dim(Intrinsic::TensorShape, 0, 0),
        bind_data(a, 0, bind_data(b, 1, bind_data(c, 2, ForNode::make(i, Expr(0), n, ForKind::Serial,
            StoreNode::make(c, BinaryNode::make(cs.op, a.load({i}), b.load({i})), {i}))))));
    std::vector<float> out(av.size());
    Args args;
    args.tensor(av, f32).tensor(bv, f32).tensor(out, f32);
    ASSERT_EQ(args.run(packed(body)), 0);
    for (size_t k = 0; k < av.size(); ++k) {
      float want = cs.ref(av[k], bv[k]);
      if (std::isnan(want)) {
        EXPECT_TRUE(std::isnan(out[k])) << av[k] << " " << to_string(cs.op) << " " << bv[k];
      } else {
        EXPECT_EQ(bits_of(out[k]), bits_of(want)) << av[k] << " " << to_string(cs.op) << " " << bv[k];
      }
    }
  }
}

TEST(InterpFloat, RemainderSigns) {
  DataType f64 = DataType::Float(64);
  auto rem = [&](double a, double b) { return eval1<double>(fimm(f64, a) % fimm(f64, b)); };
  EXPECT_EQ(rem(-1, 3), 2);
  EXPECT_EQ(rem(1, -3), -2);
  EXPECT_EQ(rem(5.5, 2), 1.5);
  EXPECT_TRUE(std::signbit(rem(3, -3)));
  EXPECT_FALSE(std::signbit(rem(-3, 3)));
  EXPECT_TRUE(std::isnan(rem(1, 0)));
  EXPECT_EQ(rem(-1, INFINITY), INFINITY);  // NumPy: remainder(-1, inf) == inf
  EXPECT_EQ(eval1<double>(call(Intrinsic::Fmod, f64, {fimm(f64, -1), fimm(f64, 3)})), -1);
}

// float16 arithmetic: computed exactly and rounded once, as (float16)((float)a op (float)b).
TEST(InterpFloat, Float16Arithmetic) {
  DataType f16 = DataType::Float(16);
  std::mt19937 rng(11);
  for (int k = 0; k < 300; ++k) {
    uint16_t xa = rng() & 0x7BFF, xb = rng() & 0xFBFF;  // finite
    _Float16 ha, hb;
    std::memcpy(&ha, &xa, 2);
    std::memcpy(&hb, &xb, 2);
    Expr a = fimm(f16, static_cast<double>(ha)), b = fimm(f16, static_cast<double>(hb));
    EXPECT_EQ(eval1<uint16_t>(a + b), bits_of(static_cast<_Float16>(float(ha) + float(hb))));
    EXPECT_EQ(eval1<uint16_t>(a * b), bits_of(static_cast<_Float16>(float(ha) * float(hb))));
    if (float(hb) != 0) {
      EXPECT_EQ(eval1<uint16_t>(a / b), bits_of(static_cast<_Float16>(float(ha) / float(hb))));
    }
  }
}

TEST(InterpFloat, RoundingFunctions) {
  DataType f64 = DataType::Float(64);
  auto un = [&](Intrinsic op, double v) { return eval1<double>(call(op, f64, {fimm(f64, v)})); };
  EXPECT_EQ(un(Intrinsic::Round, 2.5), 2.0);
  EXPECT_EQ(un(Intrinsic::Round, 3.5), 4.0);
  EXPECT_EQ(un(Intrinsic::Round, -2.5), -2.0);
  EXPECT_TRUE(std::signbit(un(Intrinsic::Round, -0.5)));
  EXPECT_EQ(un(Intrinsic::Round, 0.5000000000000001), 1.0);
  EXPECT_EQ(un(Intrinsic::Floor, -1.5), -2.0);
  EXPECT_EQ(un(Intrinsic::Ceil, -1.5), -1.0);
  EXPECT_EQ(un(Intrinsic::Trunc, -1.7), -1.0);
  EXPECT_TRUE(std::signbit(un(Intrinsic::Neg, 0.0)));
  EXPECT_EQ(un(Intrinsic::Abs, -3.0), 3.0);
}

TEST(InterpFloat, MathMatchesLibmWithinOneUlp) {
  DataType f32 = DataType::Float(32), f64 = DataType::Float(64);
  struct M {
    Intrinsic op;
    float (*f)(float);
    double (*d)(double);
  };
  std::vector<M> ms = {{Intrinsic::Exp, expf, exp}, {Intrinsic::Log, logf, log}, {Intrinsic::Sin, sinf, sin},
                       {Intrinsic::Tanh, tanhf, tanh}, {Intrinsic::Sqrt, sqrtf, sqrt}, {Intrinsic::Atan, atanf, atan},
                       {Intrinsic::Expm1, expm1f, expm1}, {Intrinsic::Log1p, log1pf, log1p}};
  for (const M& m : ms) {
    for (double x : {0.3, 1.7, 2.5, 10.0}) {
      float got = eval1<float>(call(m.op, f32, {fimm(f32, x)}));
      float ref = m.f(static_cast<float>(x));
      EXPECT_LE(std::abs(int64_t(bits_of(got)) - int64_t(bits_of(ref))), 1) << to_string(m.op) << "(" << x << ")";
      EXPECT_EQ(eval1<double>(call(m.op, f64, {fimm(f64, x)})), m.d(x)) << to_string(m.op);
    }
  }
  EXPECT_EQ(eval1<float>(call(Intrinsic::Sqrt, f32, {fimm(f32, 2.0)})), std::sqrt(2.0f));
  EXPECT_EQ(eval1<float>(call(Intrinsic::Hypot, f32, {fimm(f32, 3), fimm(f32, 4)})), 5.0f);
  EXPECT_EQ(eval1<float>(call(Intrinsic::Pow, f32, {fimm(f32, 2), fimm(f32, 10)})), 1024.0f);
  EXPECT_EQ(eval1<float>(call(Intrinsic::Copysign, f32, {fimm(f32, 2), fimm(f32, -0.0)})), -2.0f);
  EXPECT_EQ(eval1<float>(call(Intrinsic::Atan2, f32, {fimm(f32, 1), fimm(f32, 1)})), static_cast<float>(M_PI / 4));
  EXPECT_EQ(eval1<uint8_t>(call(Intrinsic::IsNan, DataType::Bool(), {fimm(f32, NAN)})), 1);
  EXPECT_EQ(eval1<uint8_t>(call(Intrinsic::IsInf, DataType::Bool(), {fimm(f32, -INFINITY)})), 1);
  EXPECT_EQ(eval1<uint8_t>(call(Intrinsic::IsFinite, DataType::Bool(), {fimm(f32, INFINITY)})), 0);
  EXPECT_EQ(eval1<uint8_t>(call(Intrinsic::Signbit, DataType::Bool(), {fimm(f32, -0.0)})), 1);
}

TEST(InterpFloat, NextafterPerWidth) {
  DataType f16 = DataType::Float(16), bf16 = DataType::BFloat16(), f32 = DataType::Float(32),
           f64 = DataType::Float(64);
  auto next = [](DataType t, double a, double b) { return call(Intrinsic::Nextafter, t, {fimm(t, a), fimm(t, b)}); };
  EXPECT_EQ(eval1<double>(next(f64, 1, 2)), 1 + std::ldexp(1.0, -52));
  EXPECT_EQ(eval1<float>(next(f32, 1, 2)), 1 + std::ldexp(1.0f, -23));
  EXPECT_EQ(eval1<float>(next(f32, 1, 0)), 1 - std::ldexp(1.0f, -24));
  EXPECT_EQ(eval1<uint16_t>(next(f16, 1, 2)), 0x3C01);
  EXPECT_EQ(eval1<uint16_t>(next(f16, 1, 0)), 0x3BFF);
  EXPECT_EQ(eval1<uint16_t>(next(f16, -1, -2)), 0xBC01);
  EXPECT_EQ(eval1<uint16_t>(next(f16, 0, -1)), 0x8001);
  EXPECT_EQ(eval1<uint16_t>(next(f16, 65504, INFINITY)), 0x7C00);
  EXPECT_EQ(eval1<uint16_t>(next(bf16, 1, 0)), 0x3F7F);
  EXPECT_EQ(eval1<uint16_t>(next(bf16, 1, 1)), 0x3F80);
  EXPECT_EQ(eval1<uint16_t>(next(bf16, 0, 1)), 0x0001);
}

TEST(InterpFloat, FusedMultiplyAdd) {
  DataType f32 = DataType::Float(32), f64 = DataType::Float(64);
  float a = 1 + std::ldexp(1.0f, -12), b = a, c = -1;  // a * b rounds away its last bit
  EXPECT_EQ(eval1<float>(call(Intrinsic::Fma, f32, {fimm(f32, a), fimm(f32, b), fimm(f32, c)})), std::fmaf(a, b, c));
  EXPECT_NE(std::fmaf(a, b, c), a * b + c);  // the case distinguishes fused from unfused
  double x = 1 + std::ldexp(1.0, -30), y = 1 - std::ldexp(1.0, -30);
  EXPECT_EQ(eval1<double>(call(Intrinsic::Fma, f64, {fimm(f64, x), fimm(f64, y), fimm(f64, -1)})), std::fma(x, y, -1.0));
}

TEST(InterpCast, Conversions) {
  DataType f32 = DataType::Float(32), f64 = DataType::Float(64), i8 = DataType::Int(8), i32 = DataType::Int(32),
           i64 = DataType::Int(64), u8 = DataType::UInt(8), u64 = DataType::UInt(64);
  // CastNode::make, not cast(): cast() folds constants, and the interpreter is under test.
  EXPECT_EQ(eval1<int32_t>(CastNode::make(i32, fimm(f64, -2.7))), -2);
  EXPECT_EQ(eval1<int32_t>(CastNode::make(i32, fimm(f64, 2.7))), 2);
  EXPECT_EQ(eval1<int8_t>(CastNode::make(i8, iimm(i64, 300))), 44);
  EXPECT_EQ(eval1<int8_t>(CastNode::make(i8, iimm(u8, 200))), -56);
  EXPECT_EQ(eval1<uint8_t>(CastNode::make(u8, iimm(i8, -1))), 255);
  EXPECT_EQ(eval1<uint64_t>(CastNode::make(u64, iimm(i8, -1))), UINT64_MAX);
  EXPECT_EQ(eval1<int64_t>(CastNode::make(i64, iimm(u64, -1))), -1);
  int64_t big = (int64_t{1} << 53) + 1;
  EXPECT_EQ(eval1<float>(CastNode::make(f32, iimm(i64, big))), static_cast<float>(big));
  int64_t odd = (int64_t{1} << 62) + (int64_t{1} << 38) + 1;  // direct vs via-double rounding differ
  EXPECT_EQ(eval1<float>(CastNode::make(f32, iimm(i64, odd))), static_cast<float>(odd));
  EXPECT_EQ(eval1<double>(CastNode::make(f64, iimm(u64, -1))), 18446744073709551616.0);
  EXPECT_EQ(eval1<uint8_t>(CastNode::make(DataType::Bool(), fimm(f64, 0.5))), 1);
  EXPECT_EQ(eval1<uint8_t>(CastNode::make(DataType::Bool(), fimm(f64, NAN))), 1);
  EXPECT_EQ(eval1<uint8_t>(CastNode::make(DataType::Bool(), fimm(f64, -0.0))), 0);
  EXPECT_EQ(eval1<uint8_t>(CastNode::make(DataType::Bool(), iimm(i32, 256))), 1);
  EXPECT_EQ(eval1<float>(CastNode::make(f32, fimm(f64, 0.1))), 0.1f);
  EXPECT_EQ(eval1<uint16_t>(CastNode::make(DataType::Float(16), iimm(i32, 2049))), 0x6800);  // 2048, tie to even
}

TEST(InterpCast, Reinterpret) {
  DataType f32 = DataType::Float(32), i32 = DataType::Int(32);
  EXPECT_EQ(eval1<int32_t>(call(Intrinsic::Reinterpret, i32, {fimm(f32, 1.0)})), 0x3F800000);
  EXPECT_EQ(eval1<float>(call(Intrinsic::Reinterpret, f32, {iimm(i32, 0x40490FDB)})), float_of(0x40490FDB));
  // Four int8 lanes become one little-endian int32.
  Expr bytes = cast(DataType::Int(8, 4), RampNode::make(iimm(i32, 1), iimm(i32, 1), 4));
  EXPECT_EQ(eval1<int32_t>(call(Intrinsic::Reinterpret, i32, {bytes})), 0x04030201);
  std::vector<int16_t> halves = eval_lanes<int16_t>(call(Intrinsic::Reinterpret, DataType::Int(16, 2), {iimm(i32, -2)}));
  EXPECT_EQ(halves, (std::vector<int16_t>{-2, -1}));
}

TEST(InterpVector, LanewiseOpsSelectAndLet) {
  Expr ramp = RampNode::make(iimm(DataType::Int(32), -2), iimm(DataType::Int(32), 3), 4);  // -2 1 4 7
  Expr three = BroadcastNode::make(iimm(DataType::Int(32), 3), 4);
  EXPECT_EQ(eval_lanes<int32_t>(ramp / three), (std::vector<int32_t>{-1, 0, 1, 2}));
  EXPECT_EQ(eval_lanes<int32_t>(ramp % three), (std::vector<int32_t>{1, 1, 1, 1}));
  EXPECT_EQ(eval_lanes<int32_t>(SelectNode::make(ramp > three, ramp, three)), (std::vector<int32_t>{3, 3, 4, 7}));
  EXPECT_EQ(eval_lanes<int32_t>(SelectNode::make(make_bool(false), ramp, three)), (std::vector<int32_t>{3, 3, 3, 3}));
  Var x("x", DataType::Int(32, 4));
  EXPECT_EQ(eval_lanes<int32_t>(LetNode::make(x, ramp, x * x + x)), (std::vector<int32_t>{2, 2, 20, 56}));
  EXPECT_EQ(eval_lanes<uint8_t>((ramp > three) && (ramp < BroadcastNode::make(iimm(DataType::Int(32), 7), 4))),
            (std::vector<uint8_t>{0, 0, 1, 0}));
}

// ---- errors ---------------------------------------------------------------------------------

TEST(InterpErrors, RejectsWhatItCannotRun) {
  Buffer out = Buffer::make("out", DataType::Int(64), {Expr(2), Expr(2)});
  std::vector<int64_t> storage(4);
  Args args;
  args.tensor(storage, DataType::Int(64));
  Stmt store = bind_data(out, 0, StoreNode::make(out, Expr(int64_t{1}), {Expr(0)}));

  LoweredFunc unpacked = packed(store);
  unpacked.packed = false;
  EXPECT_THROW(args.run(unpacked), IRError);

  // Unflattened (two indices) access.
  EXPECT_THROW(args.run(packed(bind_data(out, 0, StoreNode::make(out, Expr(int64_t{1}), {Expr(0), Expr(1)})))), IRError);
  // Unbound variable.
  Var ghost("ghost");
  EXPECT_THROW(args.run(packed(bind_data(out, 0, StoreNode::make(out, ghost, {Expr(0)})))), IRError);
  // Buffer whose data was never bound.
  EXPECT_THROW(args.run(packed(StoreNode::make(out, Expr(int64_t{1}), {Expr(0)}))), IRError);
  // Argument index out of range.
  EXPECT_THROW(args.run(packed(bind_data(out, 0, StoreNode::make(out, arg_int(3), {Expr(0)})))), IRError);
  // Dimension out of range.
  EXPECT_THROW(args.run(packed(bind_data(out, 0, StoreNode::make(out, tensor_dim(Intrinsic::TensorShape, 0, 1), {Expr(0)})))),
               IRError);
  // A Reduce node must be lowered first.
  auto sum = std::make_shared<CommReducerNode>();
  Var l("l"), r("r");
  sum->lhs = {l};
  sum->rhs = {r};
  sum->result = {l + r};
  sum->identity = {Expr(int64_t{0})};
  IterVar k = make_iter_var(Range(Expr(0), Expr(4)), "k", IterKind::Reduce);
  Expr reduce = ReduceNode::make(sum, {k->var}, {k}, make_bool(true), 0);
  EXPECT_THROW(args.run(packed(bind_data(out, 0, StoreNode::make(out, reduce, {Expr(0)})))), IRError);
  // Still usable afterwards.
  EXPECT_EQ(args.run(packed(store)), 0);
  EXPECT_EQ(storage[0], 1);
}

}  // namespace
