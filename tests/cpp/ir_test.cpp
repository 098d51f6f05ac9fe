// IR core: make() invariants, NumPy 2 promotion, mutator identity, utilities, printer.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstring>
#include <random>

#include "tessera/ir/buffer.h"
#include "tessera/ir/expr.h"
#include "tessera/ir/functor.h"
#include "tessera/ir/op.h"
#include "tessera/ir/printer.h"
#include "tessera/ir/stmt.h"
#include "tessera/ir/utils.h"

namespace tessera::ir {
namespace {

const DataType kBool = DataType::Bool(), kI8 = DataType::Int(8), kI16 = DataType::Int(16),
               kI32 = DataType::Int(32), kI64 = DataType::Int(64), kU8 = DataType::UInt(8),
               kU16 = DataType::UInt(16), kU32 = DataType::UInt(32), kU64 = DataType::UInt(64),
               kF16 = DataType::Float(16), kBF16 = DataType::BFloat16(), kF32 = DataType::Float(32),
               kF64 = DataType::Float(64);

// Expects f() to throw IRError whose message contains every one of `parts`.
template <class F>
void expect_ir_error(F&& f, std::initializer_list<const char*> parts) {
  try {
    f();
    ADD_FAILURE() << "expected IRError";
  } catch (const IRError& e) {
    std::string msg = e.what();
    for (const char* p : parts) EXPECT_NE(msg.find(p), std::string::npos) << msg << " lacks " << p;
  }
}

// ---- types ---------------------------------------------------------------------------------

TEST(DataTypeTest, NamesRoundTrip) {
  for (DataType t : kAllDTypes) EXPECT_EQ(DataType::parse(t.str()), t) << t.str();
  EXPECT_EQ(kF32.with_lanes(16).str(), "float32x16");
  EXPECT_EQ(DataType::parse("float32x16"), kF32.with_lanes(16));
  EXPECT_EQ(kBF16.str(), "bfloat16");
  EXPECT_EQ(DataType::Handle().str(), "handle");
  EXPECT_EQ(DataType::parse("handle"), DataType::Handle());
  EXPECT_THROW(DataType::parse("int7"), std::invalid_argument);
  EXPECT_THROW(DataType::parse("floaty"), std::invalid_argument);
  EXPECT_THROW(DataType::parse(""), std::invalid_argument);
}

// ---- constants -----------------------------------------------------------------------------

TEST(ConstTest, IntImmWrapsLikeCppCasts) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 2000; ++i) {
    int64_t v = static_cast<int64_t>(rng());
    if (i % 3 == 0) v = static_cast<int64_t>(rng() % 70000) - 35000;
    auto value = [&](DataType t) { return IntImmNode::make(t, v).as<IntImmNode>()->value; };
    EXPECT_EQ(value(kI8), static_cast<int8_t>(v));
    EXPECT_EQ(value(kI16), static_cast<int16_t>(v));
    EXPECT_EQ(value(kI32), static_cast<int32_t>(v));
    EXPECT_EQ(value(kI64), v);
    EXPECT_EQ(value(kU8), static_cast<uint8_t>(v));
    EXPECT_EQ(value(kU16), static_cast<uint16_t>(v));
    EXPECT_EQ(value(kU32), static_cast<uint32_t>(v));
    EXPECT_EQ(static_cast<uint64_t>(value(kU64)), static_cast<uint64_t>(v));
    EXPECT_EQ(value(kBool), v != 0 ? 1 : 0);
  }
}

TEST(ConstTest, LiteralConstructors) {
  Expr a = 3, b = int64_t{-4}, c = 1.5;
  EXPECT_EQ(a.type(), kI64);
  EXPECT_EQ(a.as<IntImmNode>()->value, 3);
  EXPECT_EQ(b.as<IntImmNode>()->value, -4);
  EXPECT_EQ(c.type(), kF64);
  EXPECT_EQ(c.as<FloatImmNode>()->value, 1.5);
}

TEST(ConstTest, FloatImmRoundsToItsType) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> dist(-70000.0, 70000.0);
  for (int i = 0; i < 2000; ++i) {
    double v = dist(rng) * std::pow(2.0, static_cast<int>(rng() % 40) - 30);
    EXPECT_EQ(FloatImmNode::make(kF32, v).as<FloatImmNode>()->value,
              static_cast<double>(static_cast<float>(v)));
#ifdef __FLT16_MAX__
    EXPECT_EQ(FloatImmNode::make(kF16, v).as<FloatImmNode>()->value,
              static_cast<double>(static_cast<_Float16>(v)))
        << v;
#endif
    // bfloat16 reference: round a float32's bits to the upper half, nearest even.
    float f = static_cast<float>(v);
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    bits = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000u;
    float bf;
    std::memcpy(&bf, &bits, 4);
    EXPECT_EQ(FloatImmNode::make(kBF16, f).as<FloatImmNode>()->value, static_cast<double>(bf)) << f;
  }
  EXPECT_TRUE(std::isinf(FloatImmNode::make(kF16, 70000.0).as<FloatImmNode>()->value));
  EXPECT_EQ(FloatImmNode::make(kF16, 65504.0).as<FloatImmNode>()->value, 65504.0);
}

TEST(ConstTest, Helpers) {
  EXPECT_TRUE(is_const_int(make_const(kI32, int64_t{5}), 5));
  EXPECT_EQ(make_const(kF32, int64_t{2}).type(), kF32);
  EXPECT_EQ(make_const(kI32.with_lanes(8), int64_t{2}).type(), kI32.with_lanes(8));
  EXPECT_TRUE(is_const_int(make_const(kI32.with_lanes(8), int64_t{2}), 2));
  EXPECT_TRUE(is_const_int(make_bool(true), 1));
  EXPECT_EQ(as_const_int(Var("x")), nullptr);
  EXPECT_EQ(as_const_int(Expr(1.0)), nullptr);
  EXPECT_EQ(max_value(kI8).as<IntImmNode>()->value, 127);
  EXPECT_EQ(min_value(kI8).as<IntImmNode>()->value, -128);
  EXPECT_EQ(max_value(kI64).as<IntImmNode>()->value, INT64_MAX);
  EXPECT_EQ(min_value(kI64).as<IntImmNode>()->value, INT64_MIN);
  EXPECT_EQ(static_cast<uint64_t>(max_value(kU64).as<IntImmNode>()->value), UINT64_MAX);
  EXPECT_EQ(max_value(kU16).as<IntImmNode>()->value, 65535);
  EXPECT_EQ(min_value(kU16).as<IntImmNode>()->value, 0);
  EXPECT_EQ(max_value(kF32).as<FloatImmNode>()->value, static_cast<double>(FLT_MAX));
  EXPECT_EQ(min_value(kF16).as<FloatImmNode>()->value, -65504.0);
  EXPECT_EQ(max_value(kBF16).as<FloatImmNode>()->value, 3.3895313892515355e38);
}

// ---- make() invariants ---------------------------------------------------------------------

TEST(MakeTest, RejectsBadTypes) {
  Var i("i", kI32), f("f", kF32), b("b", kBool), h("h", DataType::Handle());
  expect_ir_error([&] { BinaryNode::make(BinaryOp::Add, i, f); }, {"Binary(+)", "int32", "float32"});
  expect_ir_error([&] { BinaryNode::make(BinaryOp::And, i, i); }, {"&&", "int32"});
  expect_ir_error([&] { BinaryNode::make(BinaryOp::BitXor, f, f); }, {"^", "float32"});
  expect_ir_error([&] { BinaryNode::make(BinaryOp::Shl, b, b); }, {"<<", "bool"});
  expect_ir_error([&] { BinaryNode::make(BinaryOp::Add, b, b); }, {"bool"});
  expect_ir_error([&] { BinaryNode::make(BinaryOp::Add, h, h); }, {"handle"});
  expect_ir_error([&] { BinaryNode::make(BinaryOp::Add, i, Expr()); }, {"undefined"});
  EXPECT_EQ(BinaryNode::make(BinaryOp::LT, f, f).type(), kBool);
  EXPECT_EQ(BinaryNode::make(BinaryOp::EQ, h, h).type(), kBool);

  expect_ir_error([&] { IntImmNode::make(kF32, 1); }, {"IntImm", "float32"});
  expect_ir_error([&] { IntImmNode::make(kI32.with_lanes(4), 1); }, {"IntImm", "int32x4"});
  expect_ir_error([&] { FloatImmNode::make(kI32, 1.0); }, {"FloatImm", "int32"});
  expect_ir_error([&] { CastNode::make(kF32.with_lanes(4), i); }, {"Cast", "int32", "float32x4"});
  expect_ir_error([&] { CastNode::make(kI64, h); }, {"Cast", "handle"});
  expect_ir_error([&] { SelectNode::make(i, f, f); }, {"Select", "int32"});
  expect_ir_error([&] { SelectNode::make(b, i, f); }, {"Select", "int32", "float32"});
  expect_ir_error([&] { RampNode::make(i, Expr(1), 4); }, {"Ramp", "int32", "int64"});
  expect_ir_error([&] { RampNode::make(f, f, 4); }, {"Ramp", "float32"});
  expect_ir_error([&] { RampNode::make(Expr(0), Expr(1), 1); }, {"Ramp", "lanes"});
  expect_ir_error([&] { BroadcastNode::make(RampNode::make(Expr(0), Expr(1), 4), 4); }, {"Broadcast", "int64x4"});
  expect_ir_error([&] { LetNode::make(Var("x", kF32), i, i); }, {"Let x", "int32", "float32"});
  expect_ir_error([&] { Var::from(Expr(1)); }, {"not a Var"});
}

TEST(MakeTest, CallChecksArityAndTypes) {
  Var f("f", kF32), i("i", kI32), h("h", DataType::Handle());
  expect_ir_error([&] { CallNode::make(kF32, Intrinsic::Exp, {f, f}); }, {"exp", "1 argument", "got 2"});
  expect_ir_error([&] { CallNode::make(kF32, Intrinsic::Atan2, {f}); }, {"atan2", "2"});
  expect_ir_error([&] { CallNode::make(kI32, Intrinsic::Exp, {i}); }, {"exp", "int32"});
  expect_ir_error([&] { CallNode::make(kF64, Intrinsic::Exp, {f}); }, {"exp", "float64", "float32"});
  expect_ir_error([&] { CallNode::make(kF32, Intrinsic::Pow, {f, Var("d", kF64)}); }, {"pow", "float64"});
  expect_ir_error([&] { CallNode::make(kF32, Intrinsic::IsNan, {f}); }, {"isnan", "bool"});
  expect_ir_error([&] { CallNode::make(kI64, Intrinsic::TensorShape, {i, Expr(0)}); }, {"tensor_shape", "handle"});
  expect_ir_error([&] { CallNode::make(kI32, Intrinsic::TensorShape, {h, Expr(0)}); }, {"int64"});
  expect_ir_error([&] { CallNode::make(kF64, Intrinsic::IPow, {f, f}); }, {"ipow"});
  expect_ir_error([&] { CallNode::make(kI64, Intrinsic::Reinterpret, {i}); }, {"reinterpret"});
  EXPECT_EQ(CallNode::make(kBool, Intrinsic::IsNan, {f}).type(), kBool);
  EXPECT_EQ(CallNode::make(kF32, Intrinsic::Reinterpret, {i}).type(), kF32);
  EXPECT_EQ(CallNode::make(kF32, Intrinsic::Fma, {f, f, f}).type(), kF32);
  EXPECT_EQ(CallNode::make(kI64, Intrinsic::TensorStride, {h, Expr(1)}).type(), kI64);
  EXPECT_EQ(CallNode::make(DataType::Handle(), Intrinsic::ArgHandle, {Expr(0)}).type(), DataType::Handle());
}

TEST(MakeTest, BuffersLoadsStores) {
  Var n("n");
  expect_ir_error([&] { Buffer::make("A", kF32, {Var("m", kI32)}); }, {"Buffer A", "int32"});
  expect_ir_error([&] { Buffer::make("A", kF32.with_lanes(4), {n}); }, {"Buffer A", "float32x4"});
  expect_ir_error([&] { Buffer::make("A", kF32, {n, n}, {Expr(1)}); }, {"Buffer A", "stride"});
  Buffer A = Buffer::make("A", kF32, {n, Expr(8)});
  expect_ir_error([&] { A.load({Expr(0), Expr(0), Expr(0)}); }, {"Load(A)", "2 dimension", "3 index"});
  expect_ir_error([&] { A.load({Expr(0), Expr(0.5)}); }, {"Load(A)", "float64"});
  EXPECT_EQ(A.load({Expr(0), Expr(1)}).type(), kF32);
  EXPECT_EQ(A.load({RampNode::make(Expr(0), Expr(1), 8)}).type(), kF32.with_lanes(8));
  expect_ir_error([&] { StoreNode::make(A, Expr(1.0), {Expr(0), Expr(0)}); }, {"Store(A)", "float64", "float32"});
  expect_ir_error([&] { StoreNode::make(A, make_const(kF32, 1.0), {RampNode::make(Expr(0), Expr(1), 8)}); },
                  {"Store(A)", "lane"});
  Var i("i"), f("f", kF32);
  Stmt store = StoreNode::make(A, make_const(kF32, 1.0), {i, Expr(0)});
  expect_ir_error([&] { ForNode::make(Var("x", kF32), make_const(kF32, 0.0), make_const(kF32, 1.0), ForKind::Serial, store); },
                  {"For x", "float32"});
  expect_ir_error([&] { ForNode::make(i, Expr(0), make_const(kI32, int64_t{4}), ForKind::Serial, store); },
                  {"For i", "int32"});
  expect_ir_error([&] { ForNode::make(i, Expr(0), Expr(4), ForKind::ThreadBinding, store); }, {"thread tag"});
  expect_ir_error([&] { ForNode::make(i, Expr(0), Expr(4), ForKind::Serial, Stmt()); }, {"body"});
  expect_ir_error([&] { IfThenElseNode::make(i, store); }, {"IfThenElse", "int64"});
  expect_ir_error([&] { AssertNode::make(i < 3, {f}); }, {"Assert", "float32"});
  expect_ir_error([&] { LetStmtNode::make(Var("x", kF32), Expr(1), store); }, {"LetStmt x", "int64", "float32"});
}

TEST(MakeTest, SeqFlattens) {
  Buffer A = Buffer::make("A", kI64, {Expr(4)});
  Stmt s0 = StoreNode::make(A, Expr(0), {Expr(0)}), s1 = StoreNode::make(A, Expr(1), {Expr(1)}),
       s2 = StoreNode::make(A, Expr(2), {Expr(2)});
  Stmt nested = SeqNode::make({s0, SeqNode::make({s1, Stmt(), s2})});
  const auto* seq = nested.as<SeqNode>();
  ASSERT_NE(seq, nullptr);
  ASSERT_EQ(seq->seq.size(), 3u);
  EXPECT_TRUE(seq->seq[1].same_as(s1));
  EXPECT_TRUE(SeqNode::make({Stmt(), s2}).same_as(s2));
  Stmt nothing = SeqNode::make({});
  const auto* empty = nothing.as<SeqNode>();
  ASSERT_NE(empty, nullptr);
  EXPECT_TRUE(empty->seq.empty());
}

CommReducer sum_reducer(DataType t) {
  Var x("x", t), y("y", t);
  return std::make_shared<const CommReducerNode>(
      CommReducerNode{{x}, {y}, {BinaryNode::make(BinaryOp::Add, x, y)}, {make_zero(t)}});
}

TEST(MakeTest, ReduceChecksSources) {
  Buffer A = Buffer::make("A", kF32, {Expr(16)});
  IterVar k = make_iter_var(Range(Expr(0), Expr(16)), "k", IterKind::Reduce);
  Expr src = A.load({k->var});
  expect_ir_error([&] { ReduceNode::make(sum_reducer(kF32), {src, src}, {k}, Expr(), 0); },
                  {"Reduce", "1 value", "2 source"});
  expect_ir_error([&] { ReduceNode::make(sum_reducer(kF64), {src}, {k}, Expr(), 0); },
                  {"Reduce", "float32", "float64"});
  expect_ir_error([&] { ReduceNode::make(sum_reducer(kF32), {src}, {k}, Expr(1), 0); },
                  {"Reduce", "condition", "int64"});
  Expr r = ReduceNode::make(sum_reducer(kF32), {src}, {k}, Expr(), 0);
  EXPECT_EQ(r.type(), kF32);
  EXPECT_TRUE(is_const_int(r.as<ReduceNode>()->condition, 1));
}

// ---- promotion -----------------------------------------------------------------------------

// NumPy 2's np.result_type for pairs of array dtypes, written out by hand (rows and
// columns in the order of `types`).
TEST(PromoteTest, MatchesNumPyTable) {
  const DataType types[] = {kBool, kI8, kI16, kI32, kI64, kU8, kU16, kU32, kU64, kF16, kF32, kF64};
  const char* table[12][12] = {
      // b      i1      i2      i4      i8      u1      u2      u4      u8      f2      f4      f8
      {"b", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8"},    // b
      {"i1", "i1", "i2", "i4", "i8", "i2", "i4", "i8", "f8", "f2", "f4", "f8"},   // i1
      {"i2", "i2", "i2", "i4", "i8", "i2", "i4", "i8", "f8", "f4", "f4", "f8"},   // i2
      {"i4", "i4", "i4", "i4", "i8", "i4", "i4", "i8", "f8", "f8", "f8", "f8"},   // i4
      {"i8", "i8", "i8", "i8", "i8", "i8", "i8", "i8", "f8", "f8", "f8", "f8"},   // i8
      {"u1", "i2", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8"},   // u1
      {"u2", "i4", "i4", "i4", "i8", "u2", "u2", "u4", "u8", "f4", "f4", "f8"},   // u2
      {"u4", "i8", "i8", "i8", "i8", "u4", "u4", "u4", "u8", "f8", "f8", "f8"},   // u4
      {"u8", "f8", "f8", "f8", "f8", "u8", "u8", "u8", "u8", "f8", "f8", "f8"},   // u8
      {"f2", "f2", "f4", "f8", "f8", "f2", "f4", "f8", "f8", "f2", "f4", "f8"},   // f2
      {"f4", "f4", "f4", "f8", "f8", "f4", "f4", "f8", "f8", "f4", "f4", "f8"},   // f4
      {"f8", "f8", "f8", "f8", "f8", "f8", "f8", "f8", "f8", "f8", "f8", "f8"},   // f8
  };
  auto decode = [](const std::string& c) {  // NumPy's short codes: kind + bytes
    if (c == "b") return kBool;
    int bits = (c[1] - '0') * 8;
    if (c[0] == 'i') return DataType::Int(bits);
    if (c[0] == 'u') return DataType::UInt(bits);
    return DataType::Float(bits);
  };
  for (int r = 0; r < 12; ++r) {
    for (int c = 0; c < 12; ++c) {
      std::string code = table[r][c];
      DataType want = decode(code);
      EXPECT_EQ(promote_types(types[r], types[c]), want)
          << types[r].str() << " + " << types[c].str() << " gave "
          << promote_types(types[r], types[c]).str() << ", NumPy gives " << want.str();
    }
  }
}

TEST(PromoteTest, SpotChecks) {
  EXPECT_EQ(promote_types(kI8, kU8), kI16);
  EXPECT_EQ(promote_types(kI64, kU64), kF64);
  EXPECT_EQ(promote_types(kF16, kI16), kF32);
  EXPECT_EQ(promote_types(kBool, kI8), kI8);
  EXPECT_EQ(promote_types(kF16, kBF16), kF32);
  EXPECT_EQ(promote_types(kBF16, kBF16), kBF16);
  EXPECT_EQ(promote_types(kBF16, kI8), kBF16);
  EXPECT_EQ(promote_types(kBF16, kF64), kF64);
  EXPECT_EQ(promote_types(kI8.with_lanes(4), kU8.with_lanes(4)), kI16.with_lanes(4));
  EXPECT_THROW(promote_types(kI8.with_lanes(4), kU8), IRError);
  EXPECT_THROW(promote_types(kI8, DataType::Handle()), IRError);
}

TEST(PromoteTest, OperatorsPromote) {
  Var a("a", kI8), b("b", kU8), h("h", kF16), s("s", kI16);
  EXPECT_EQ((a + b).type(), kI16);
  EXPECT_EQ((h * s).type(), kF32);
  EXPECT_EQ((a < b).type(), kBool);
  EXPECT_EQ((Var("x", kI64) + Var("y", kU64)).type(), kF64);
}

TEST(PromoteTest, WeakLiterals) {
  Var f32("f", kF32), i32("i", kI32), u8("u", kU8), f16("h", kF16), b("b", kBool), i64("n");
  EXPECT_EQ((f32 * 2).type(), kF32);
  EXPECT_EQ((2 * f32).type(), kF32);
  EXPECT_EQ((f32 * 2.5).type(), kF32);
  EXPECT_EQ((i32 + 1).type(), kI32);
  EXPECT_EQ((1 - i32).type(), kI32);
  EXPECT_EQ((i32 * 1.5).type(), kF64);
  EXPECT_EQ((u8 + 1).type(), kU8);
  EXPECT_EQ((f16 * 3).type(), kF16);
  EXPECT_EQ((b + 1).type(), kI64);
  EXPECT_EQ((i64 * 4 + i64).type(), kI64);
  EXPECT_EQ((i32 < 2.5).type(), kBool);
  EXPECT_EQ((u8 << 2).type(), kU8);
  EXPECT_THROW(f32 << 1, std::invalid_argument);
  // The functions take weak literals too.
  EXPECT_EQ(max(f32, 0.0).type(), kF32);
  EXPECT_EQ(min(i32, 0).type(), kI32);
  EXPECT_EQ(pow(f16, 2).type(), kF16);
  EXPECT_EQ(pow(u8, 3).as<CallNode>()->op, Intrinsic::IPow);
  EXPECT_EQ(select(b, f32, 0.0).type(), kF32);
  EXPECT_EQ(select(b, 1, i32).type(), kI32);
  EXPECT_EQ(truediv(i32, 2).type(), kF64);
  // Comparisons with a literal outside the type's range are answered exactly (NumPy 2).
  EXPECT_TRUE(is_const_int(u8 < 300, 1));
  EXPECT_TRUE(is_const_int(u8 == -1, 0));
  EXPECT_TRUE(is_const_int(-1 < u8, 1));
  // The literal becomes a constant of the operand's type.
  Expr plus_one = i32 + 1;
  const auto* sum = plus_one.as<BinaryNode>();
  ASSERT_NE(sum, nullptr);
  EXPECT_EQ(sum->b.type(), kI32);
  EXPECT_TRUE(is_const_int(sum->b, 1));
}

TEST(OpTest, MathResultTypes) {
  Var i8("a", kI8), i16("b", kI16), u16("c", kU16), i32("d", kI32), b("e", kBool), f16("f", kF16),
      bf("g", kBF16), f32("h", kF32), i64("n");
  // NumPy 2: np.exp(np.int8(1)).dtype == float16, np.exp(np.int16(1)).dtype == float32.
  EXPECT_EQ(exp(i8).type(), kF16);
  EXPECT_EQ(exp(i16).type(), kF32);
  EXPECT_EQ(sqrt(u16).type(), kF32);
  EXPECT_EQ(log(b).type(), kF16);
  EXPECT_EQ(exp(i32).type(), kF64);
  EXPECT_EQ(exp(i64).type(), kF64);
  EXPECT_EQ(exp(f32).type(), kF32);
  // 16-bit floats compute in float32 and round back.
  Expr e16 = exp(f16);
  EXPECT_EQ(e16.type(), kF16);
  ASSERT_NE(e16.as<CastNode>(), nullptr);
  EXPECT_EQ(e16.as<CastNode>()->value.type(), kF32);
  EXPECT_EQ(tanh(bf).type(), kBF16);
  EXPECT_EQ(atan2(i8, i8).type(), kF16);
  EXPECT_EQ(atan2(i8, u16).type(), kF32);  // each operand's float, then promotion
  EXPECT_EQ(hypot(f32, i32).type(), kF64);
  // Rounding keeps integers; abs/pow on integers use integer intrinsics.
  EXPECT_TRUE(floor(i32).same_as(i32));
  EXPECT_TRUE(round(i8).same_as(i8));
  EXPECT_EQ(floor(f16).type(), kF16);
  EXPECT_EQ(abs(i32).as<CallNode>()->op, Intrinsic::Abs);
  EXPECT_EQ(pow(i32, i32).as<CallNode>()->op, Intrinsic::IPow);
  EXPECT_EQ(pow(f32, f32).as<CallNode>()->op, Intrinsic::Pow);
  EXPECT_EQ(pow(i32, f32).type(), kF64);
  EXPECT_TRUE(is_const_int(isnan(i32), 0));
  EXPECT_TRUE(is_const_int(isinf(i32), 0));
  EXPECT_TRUE(is_const_int(isfinite(i32), 1));
  EXPECT_EQ(isnan(f32).type(), kBool);
  EXPECT_EQ(isnan(BroadcastNode::make(f32, 8)).type(), DataType::Bool(8));
  EXPECT_EQ((-f32).as<CallNode>()->op, Intrinsic::Neg);
  EXPECT_EQ((!i32).type(), kBool);
  EXPECT_EQ((i32 && f32).type(), kBool);
  EXPECT_EQ(truediv(i32, i32).type(), kF64);
  EXPECT_EQ(truediv(f32, f32).type(), kF32);
  EXPECT_EQ((i32 << i8).type(), kI32);
  EXPECT_THROW(f32 << i32, std::invalid_argument);
  EXPECT_THROW(-b, std::invalid_argument);
  EXPECT_THROW(~f32, std::invalid_argument);
  EXPECT_THROW(Var("h", DataType::Handle()) + 1, std::invalid_argument);
}

TEST(OpTest, CastFoldsConstantsAndKeepsIdentity) {
  Var x("x", kI32);
  EXPECT_TRUE(cast(kI32, x).same_as(x));
  EXPECT_EQ(cast(kF32, x).as<CastNode>()->value.get(), x.get());
  Expr c = cast(kI8, Expr(300));
  EXPECT_TRUE(c.as<IntImmNode>() && c.as<IntImmNode>()->value == 44);
  EXPECT_EQ(cast(kF32, Expr(2)).as<FloatImmNode>()->value, 2.0);
  EXPECT_EQ(cast(kI32, Expr(-2.7)).as<IntImmNode>()->value, -2);
  EXPECT_NE(cast(kI8, Expr(1e10)).as<CastNode>(), nullptr);  // out of range: left to the target
}

// Evaluates integer expressions built from constants, one variable, Binary and Select.
int64_t eval_int(const Expr& e, const VarNode* v, int64_t value) {
  if (const auto* c = e.as<IntImmNode>()) return c->value;
  if (e.as<VarNode>() == v) return value;
  if (const auto* s = e.as<SelectNode>())
    return eval_int(s->cond, v, value) ? eval_int(s->true_value, v, value) : eval_int(s->false_value, v, value);
  const auto* b = e.as<BinaryNode>();
  if (!b) throw std::runtime_error("eval_int: unsupported node");
  int64_t x = eval_int(b->a, v, value), y = eval_int(b->b, v, value);
  switch (b->op) {
    case BinaryOp::Sub: return x - y;
    case BinaryOp::Mod: return y == 0 ? 0 : ((x % y) + y) % y;
    case BinaryOp::LT: return x < y;
    case BinaryOp::NE: return x != y;
    case BinaryOp::And: return x && y;
    default: throw std::runtime_error("eval_int: unsupported op");
  }
}

TEST(OpTest, IntegerFmodTakesTheDividendSign) {
  Var a("a", kI8);
  for (int d = -128; d < 128; ++d) {
    Expr e = fmod(a, make_const(kI8, int64_t{d}));
    EXPECT_EQ(e.type(), kI8);
    for (int x = -128; x < 128; ++x) {
      int64_t want = d == 0 ? 0 : x % d;  // C's remainder: sign of the dividend
      ASSERT_EQ(eval_int(e, a.get(), x), want) << x << " fmod " << d;
    }
  }
}

// ---- buffers -------------------------------------------------------------------------------

TEST(BufferTest, CompactStridesAndFlatIndex) {
  Var n("n"), m("m");
  Buffer A = Buffer::make("A", kF32, {Expr(4), n, m});
  std::vector<Expr> st = A.effective_strides();
  ASSERT_EQ(st.size(), 3u);
  EXPECT_EQ(to_string(st[0]), "n * m");
  EXPECT_EQ(to_string(st[1]), "m");
  EXPECT_TRUE(is_const_int(st[2], 1));
  Var i("i"), j("j"), k("k");
  EXPECT_EQ(to_string(A.flat_index({i, j, k})), "i * (n * m) + j * m + k");
  Buffer B = Buffer::make("B", kF32, {Expr(3), Expr(5)});
  EXPECT_EQ(to_string(B.flat_index({i, j})), "i * 5 + j");
  Buffer C = Buffer::make("C", kF32, {n, m}, {Var("s0"), Expr(0)}, Var("off"));
  EXPECT_EQ(to_string(C.flat_index({i, j})), "i * s0 + off");
  EXPECT_EQ(to_string(C.flat_index({Expr(0), Expr(0)})), "off");
}

// ---- mutator, substitute, free_vars, equal -------------------------------------------------

Stmt sample_program(const Var& i, const Var& n, const Buffer& A, const Buffer& B,
                    const Var& t = Var("t", kF32)) {
  Stmt body = LetStmtNode::make(t, A.load({i}) * 2,
                                IfThenElseNode::make(t > 0, StoreNode::make(B, exp(t), {i}),
                                                     StoreNode::make(B, -t, {i})));
  return ForNode::make(i, Expr(0), n, ForKind::Parallel, SeqNode::make({body, AssertNode::make(n > 0, {StringImmNode::make("n="), n})}));
}

TEST(MutatorTest, ReturnsSameNodeWhenNothingChanges) {
  Var i("i"), n("n");
  Buffer A = Buffer::make("A", kF32, {n}), B = Buffer::make("B", kF32, {n});
  Stmt s = sample_program(i, n, A, B);
  IRMutator identity;
  EXPECT_TRUE(identity.mutate(s).same_as(s));
  Expr e = select(i < n, A.load({i}), 1.0) + cast(kF32, i);
  Expr v = A.load({RampNode::make(i * 4, Expr(1), 4)}) * BroadcastNode::make(cast(kF32, n), 4);
  EXPECT_TRUE(identity.mutate(e).same_as(e));
  EXPECT_TRUE(identity.mutate(v).same_as(v));
}

TEST(MutatorTest, RebuildsOnlyChangedPath) {
  Var i("i"), n("n");
  Buffer A = Buffer::make("A", kF32, {n}), B = Buffer::make("B", kF32, {n});
  Stmt s = sample_program(i, n, A, B);
  // Replace the assert's message constant only.
  struct RenameString : IRMutator {
    Expr mutate_string_imm(const StringImmNode*, const Expr&) override { return StringImmNode::make("N="); }
  } m;
  Stmt out = m.mutate(s);
  ASSERT_FALSE(out.same_as(s));
  const auto *before = s.as<ForNode>(), *after = out.as<ForNode>();
  EXPECT_TRUE(after->min.same_as(before->min));
  EXPECT_TRUE(after->extent.same_as(before->extent));
  const auto *seq0 = before->body.as<SeqNode>(), *seq1 = after->body.as<SeqNode>();
  EXPECT_TRUE(seq1->seq[0].same_as(seq0->seq[0]));  // the untouched LetStmt is shared
  EXPECT_FALSE(seq1->seq[1].same_as(seq0->seq[1]));
}

TEST(MutatorTest, AllocateExtentChangeRetargetsAccesses) {
  Var n("n"), i("i");
  Buffer T = Buffer::make("T", kF32, {n}, {}, Expr(), "local");
  Stmt s = AllocateNode::make(T, ForNode::make(i, Expr(0), n, ForKind::Serial,
                                               StoreNode::make(T, T.load({i}) + 1, {i})));
  VarMap map{{n.get(), Expr(8)}};
  Stmt out = substitute(s, map);
  const auto* alloc = out.as<AllocateNode>();
  ASSERT_NE(alloc, nullptr);
  EXPECT_TRUE(is_const_int(alloc->buffer->shape[0], 8));
  const auto* store = alloc->body.as<ForNode>()->body.as<StoreNode>();
  EXPECT_EQ(store->buffer.get(), alloc->buffer.get());
  EXPECT_EQ(store->value.as<BinaryNode>()->a.as<LoadNode>()->buffer.get(), alloc->buffer.get());
}

TEST(UtilsTest, Substitute) {
  Var i("i"), j("j"), n("n");
  Expr e = i * 4 + j;
  Expr out = substitute(e, {{i.get(), j + 1}});
  EXPECT_TRUE(equal(out, (j + 1) * 4 + j));
  EXPECT_FALSE(uses_var(out, i.get()));
  EXPECT_TRUE(uses_var(out, j.get()));
  EXPECT_TRUE(substitute(e, {{n.get(), Expr(3)}}).same_as(e));
  Buffer A = Buffer::make("A", kF32, {n}), B = Buffer::make("B", kF32, {n});
  Stmt s = sample_program(i, n, A, B);
  Stmt s8 = substitute(s, {{n.get(), Expr(8)}});
  EXPECT_FALSE(uses_var(s8, n.get()));
  EXPECT_TRUE(uses_var(s, n.get()));
  EXPECT_TRUE(is_const_int(s8.as<ForNode>()->extent, 8));
}

TEST(UtilsTest, FreeVars) {
  Var i("i"), n("n"), m("m"), x("x");
  Buffer A = Buffer::make("A", kF32, {n});
  Stmt s = ForNode::make(i, Expr(0), n, ForKind::Serial,
                         LetStmtNode::make(x, i * m, StoreNode::make(A, cast(kF32, x + m), {i})));
  std::vector<Var> fv = free_vars(s);
  ASSERT_EQ(fv.size(), 2u);
  EXPECT_TRUE(fv[0].same_as(n));
  EXPECT_TRUE(fv[1].same_as(m));
  // A Let binds its variable only in its body.
  Var y("y");
  Expr e = LetNode::make(y, y + m, y * n);
  std::vector<Var> fe = free_vars(e);
  ASSERT_EQ(fe.size(), 3u);
  EXPECT_TRUE(fe[0].same_as(y));
  EXPECT_TRUE(fe[1].same_as(m));
  EXPECT_TRUE(fe[2].same_as(n));
  // Reduction axes are bound inside the reduction.
  IterVar k = make_iter_var(Range(Expr(0), m), "k", IterKind::Reduce);
  Expr r = ReduceNode::make(sum_reducer(kF32), {A.load({k->var + i})}, {k}, Expr(), 0);
  std::vector<Var> fr = free_vars(r);
  ASSERT_EQ(fr.size(), 2u);
  EXPECT_TRUE(fr[0].same_as(m));
  EXPECT_TRUE(fr[1].same_as(i));
}

TEST(UtilsTest, StructuralEquality) {
  Var i("i"), j("j"), other_i("i");
  EXPECT_TRUE(equal(i * 4 + j, i * 4 + j));
  EXPECT_FALSE(equal(i * 4 + j, other_i * 4 + j));
  EXPECT_FALSE(equal(i * 4 + j, i * 4 - j));
  EXPECT_FALSE(equal(cast(kI32, i), cast(kI16, i)));
  EXPECT_FALSE(equal(Expr(0.0), Expr(-0.0)));
  EXPECT_TRUE(equal(Expr(NAN), Expr(NAN)));
  EXPECT_FALSE(equal(Expr(1), make_const(kI32, int64_t{1})));
  Var n("n");
  Buffer A = Buffer::make("A", kF32, {n}), B = Buffer::make("B", kF32, {n});
  Var t("t", kF32);
  EXPECT_TRUE(equal(sample_program(i, n, A, B, t), sample_program(i, n, A, B, t)));
  EXPECT_FALSE(equal(sample_program(i, n, A, B, t), sample_program(i, n, B, A, t)));
  EXPECT_FALSE(equal(sample_program(i, n, A, B), sample_program(i, n, A, B)));  // distinct t
}

TEST(UtilsTest, PostOrderVisitsChildrenFirst) {
  Var i("i"), j("j");
  Expr e = i + j * 2;
  std::vector<std::string> order;
  post_order_visit(e, [&](const Expr& x) { order.push_back(to_string(x)); });
  std::vector<std::string> want = {"i", "j", "2", "j * 2", "i + j * 2"};
  EXPECT_EQ(order, want);
  Buffer A = Buffer::make("A", kI64, {Expr(4)});
  Stmt s = ForNode::make(i, Expr(0), Expr(4), ForKind::Serial, StoreNode::make(A, i, {i}));
  std::vector<StmtKind> kinds;
  int exprs = 0;
  post_order_visit(s, [&](const Stmt& x) { kinds.push_back(x.kind()); }, [&](const Expr&) { ++exprs; });
  EXPECT_EQ(kinds, (std::vector<StmtKind>{StmtKind::Store, StmtKind::For}));
  EXPECT_EQ(exprs, 4);  // 0, 4, i (value), i (index)
}

// ---- printer -------------------------------------------------------------------------------

TEST(PrinterTest, SplitLoop) {
  Var n("n"), io("i.outer"), ii("i.inner");
  Buffer A = Buffer::make("A", kF32, {n}), B = Buffer::make("B", kF32, {n}), C = Buffer::make("C", kF32, {n});
  Expr idx = io * 16 + ii;
  Stmt s = ForNode::make(io, Expr(0), (n + 15) / 16, ForKind::Parallel,
                         ForNode::make(ii, Expr(0), Expr(16), ForKind::Vectorized,
                                       StoreNode::make(C, A.load({idx}) + B.load({idx}), {idx})));
  EXPECT_EQ(to_string(s),
            "parallel for i.outer in [0, (n + 15) / 16):\n"
            "  vector for i.inner in [0, 16):\n"
            "    C[i.outer * 16 + i.inner] = A[i.outer * 16 + i.inner] + B[i.outer * 16 + i.inner]\n");
}

TEST(PrinterTest, Statements) {
  Var i("i"), n("n"), x("x", kF32), tx("tx");
  Buffer A = Buffer::make("A", kF32, {n});
  Buffer T = Buffer::make("T", kF32, {Expr(4), n}, {}, Expr(), "local");
  Stmt body = SeqNode::make({
      LetStmtNode::make(x, A.load({i}), StoreNode::make(T, x * 2, {Expr(0), i})),
      IfThenElseNode::make(i < 3, StoreNode::make(A, make_const(kF32, 1.5), {i}),
                           IfThenElseNode::make(i == 3, StoreNode::make(A, make_const(kF32, 0.0), {i}),
                                                StoreNode::make(A, max(x, 0.0), {i}))),
  });
  Stmt s = AssertNode::make(n >= 4, {StringImmNode::make("n too small: \"n\"="), n});
  Stmt loops = ForNode::make(tx, Expr(0), Expr(32), ForKind::ThreadBinding,
                             ForNode::make(i, Expr(1), n, ForKind::Unrolled, AllocateNode::make(T, body)),
                             "threadIdx.x");
  EXPECT_EQ(to_string(SeqNode::make({s, loops})),
            "assert n >= 4, \"n too small: \\\"n\\\"=\" n\n"
            "bind(threadIdx.x) for tx in [0, 32):\n"
            "  unrolled for i in [1, 1 + n):\n"
            "    allocate T[4, n] float32 local:\n"
            "      let x = A[i]\n"
            "      T[0, i] = x * 2.0f\n"
            "      if i < 3:\n"
            "        A[i] = 1.5f\n"
            "      elif i == 3:\n"
            "        A[i] = 0.0f\n"
            "      else:\n"
            "        A[i] = max(x, 0.0f)\n");
}

TEST(PrinterTest, Constants) {
  EXPECT_EQ(to_string(Expr(3)), "3");
  EXPECT_EQ(to_string(Expr(-3)), "-3");
  EXPECT_EQ(to_string(make_const(kI32, int64_t{3})), "3i32");
  EXPECT_EQ(to_string(make_const(kU8, int64_t{7})), "7u8");
  EXPECT_EQ(to_string(max_value(kU64)), "18446744073709551615u64");
  EXPECT_EQ(to_string(make_bool(true)), "true");
  EXPECT_EQ(to_string(make_bool(false)), "false");
  EXPECT_EQ(to_string(Expr(1.5)), "1.5");
  EXPECT_EQ(to_string(Expr(2.0)), "2.0");
  EXPECT_EQ(to_string(Expr(0.1)), "0.1");
  EXPECT_EQ(to_string(make_const(kF32, 1.5)), "1.5f");
  EXPECT_EQ(to_string(make_const(kF32, 0.1)), "0.1f");
  EXPECT_EQ(to_string(make_const(kF16, 1.5)), "float16(1.5)");
  EXPECT_EQ(to_string(make_const(kBF16, 2.0)), "bfloat16(2.0)");
  EXPECT_EQ(to_string(Expr(INFINITY)), "inf");
  EXPECT_EQ(to_string(make_const(kF32, -INFINITY)), "float32(-inf)");
  EXPECT_EQ(to_string(StringImmNode::make("a\nb")), "\"a\\nb\"");
}

TEST(PrinterTest, Expressions) {
  Var a("a"), b("b"), c("c"), f("f", kF32), p("p", kBool), q("q", kBool);
  EXPECT_EQ(to_string((a + b) * c), "(a + b) * c");
  EXPECT_EQ(to_string(a + b * c), "a + b * c");
  EXPECT_EQ(to_string(a - (b - c)), "a - (b - c)");
  EXPECT_EQ(to_string((a - b) - c), "a - b - c");
  EXPECT_EQ(to_string(a / b % c), "a / b % c");
  EXPECT_EQ(to_string(a * -3), "a * -3");
  EXPECT_EQ(to_string(-(a + b)), "-(a + b)");
  EXPECT_EQ(to_string(-a * b), "-a * b");
  EXPECT_EQ(to_string(-Expr(3)), "-(3)");
  EXPECT_EQ(to_string((a & b) == c), "(a & b) == c");
  EXPECT_EQ(to_string((a < b) == (b < c)), "(a < b) == (b < c)");
  EXPECT_EQ(to_string((a < b && b < c) || p), "a < b && b < c || p");
  EXPECT_EQ(to_string(p && (q || p)), "p && (q || p)");
  EXPECT_EQ(to_string(!(a < b)), "!(a < b)");
  EXPECT_EQ(to_string(cast(kF32, a) + f), "float32(a) + f");
  EXPECT_EQ(to_string(exp(f)), "exp(f)");
  EXPECT_EQ(to_string(exp(Var("h", kF16))), "float16(exp(float32(h)))");
  EXPECT_EQ(to_string(min(a, b + 1)), "min(a, b + 1)");
  EXPECT_EQ(to_string(select(a < b, f, 0.0)), "select(a < b, f, 0.0f)");
  EXPECT_EQ(to_string(RampNode::make(a * 16, Expr(1), 16)), "ramp(a * 16, 1, 16)");
  EXPECT_EQ(to_string(BroadcastNode::make(f, 16)), "x16(f)");
  EXPECT_EQ(to_string(BroadcastNode::make(f, 16) * 2), "x16(f) * x16(2.0f)");
  Var t("t");
  EXPECT_EQ(to_string(LetNode::make(t, a + 1, t * t)), "(let t = a + 1 in t * t)");
  EXPECT_EQ(to_string(CallNode::make(kI64, Intrinsic::TensorShape, {Var("h", DataType::Handle()), Expr(0)})),
            "tensor_shape(h, 0)");
}

TEST(PrinterTest, SameNamedVarsAreDisambiguated) {
  Var i1("i"), i2("i"), i3("i");
  EXPECT_EQ(to_string(i1 + i2 * i3 + i1), "i + i#1 * i#2 + i");
  EXPECT_EQ(to_string(i2 + i1), "i + i#1");  // numbering follows first appearance
}

TEST(PrinterTest, Reductions) {
  Var i("i"), n("n");
  Buffer A = Buffer::make("A", kF32, {n, n});
  IterVar k = make_iter_var(Range(Expr(0), n), "k", IterKind::Reduce);
  Expr sum = ReduceNode::make(sum_reducer(kF32), {A.load({i, k->var})}, {k}, Expr(), 0);
  EXPECT_EQ(to_string(sum), "reduce sum(A[i, k] for k in [0, n))");
  Expr masked = ReduceNode::make(sum_reducer(kF32), {A.load({i, k->var})}, {k}, k->var < i, 0);
  EXPECT_EQ(to_string(masked), "reduce sum(A[i, k] for k in [0, n) if k < i)");
  // argmax-style tuple combiner prints in full.
  Var v0("v0", kF32), i0("i0"), v1("v1", kF32), i1("i1");
  Expr take = v1 > v0;
  auto argmax = std::make_shared<const CommReducerNode>(CommReducerNode{
      {v0, i0}, {v1, i1}, {select(take, v1, v0), select(take, i1, i0)}, {min_value(kF32), Expr(-1)}});
  Expr r = ReduceNode::make(argmax, {A.load({i, k->var}), k->var}, {k}, Expr(), 1);
  EXPECT_EQ(r.type(), kI64);
  EXPECT_EQ(to_string(r),
            "reduce[((v0, i0), (v1, i1)) -> (select(v1 > v0, v1, v0), select(v1 > v0, i1, i0)), "
            "identity (-3.4028235e+38f, -1)]((A[i, k], k) for k in [0, n))[1]");
}

TEST(PrinterTest, EmptySeqAndUndefined) {
  EXPECT_EQ(to_string(SeqNode::make({})), "pass\n");
  EXPECT_EQ(to_string(Expr()), "<undefined>");
}

}  // namespace
}  // namespace tessera::ir
