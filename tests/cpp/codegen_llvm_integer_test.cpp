// The LLVM CPU code generator on integers: every binary operator and integer power against
// plain C++ references over edge values for each integer type, and casts between all types.
#include <gtest/gtest.h>

#include "codegen_llvm_util.h"

namespace {

using namespace codegen_llvm_test;

// ---- integer semantics --------------------------------------------------------------------

template <class T>
T ref_int(BinaryOp op, T a, T b) {
  constexpr int bits = sizeof(T) * 8;
  constexpr bool is_signed = std::is_signed_v<T>;
  const T min = std::numeric_limits<T>::min();
  const bool shift_out_of_range = (is_signed && b < T(0)) || static_cast<uint64_t>(b) >= static_cast<uint64_t>(bits);
  switch (op) {
    case BinaryOp::Add: return static_cast<T>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
    case BinaryOp::Sub: return static_cast<T>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
    case BinaryOp::Mul: return static_cast<T>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
    case BinaryOp::Div: {
      if (b == 0) return 0;
      if (is_signed && a == min && b == static_cast<T>(-1)) return min;
      T q = static_cast<T>(a / b);
      if (a % b != 0 && ((a < T(0)) != (b < T(0)))) q = static_cast<T>(q - 1);
      return q;
    }
    case BinaryOp::Mod: {
      if (b == 0) return 0;
      if (is_signed && a == min && b == static_cast<T>(-1)) return 0;
      T r = static_cast<T>(a % b);
      if (r != 0 && ((r < T(0)) != (b < T(0)))) r = static_cast<T>(r + b);
      return r;
    }
    case BinaryOp::Min: return std::min(a, b);
    case BinaryOp::Max: return std::max(a, b);
    case BinaryOp::BitAnd: return static_cast<T>(a & b);
    case BinaryOp::BitOr: return static_cast<T>(a | b);
    case BinaryOp::BitXor: return static_cast<T>(a ^ b);
    case BinaryOp::Shl:
      if (shift_out_of_range) return 0;
      return static_cast<T>(static_cast<uint64_t>(a) << static_cast<int>(b));
    case BinaryOp::Shr:
      if (shift_out_of_range) return (is_signed && a < T(0)) ? static_cast<T>(-1) : T(0);
      return static_cast<T>(a >> static_cast<int>(b));
    default: throw std::logic_error("not an integer op");
  }
}

template <class T>
std::vector<T> integer_edges() {
  constexpr int bits = sizeof(T) * 8;
  const T lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
  return {T(0), T(1), static_cast<T>(-1), T(2), static_cast<T>(-2), lo, hi, static_cast<T>(lo + 1),
          static_cast<T>(hi - 1), T(7), static_cast<T>(-7), T(8), static_cast<T>(-8), T(bits),
          T(bits - 1), T(bits + 1), T(3), static_cast<T>(-3)};
}

template <class T>
void check_integer_semantics() {
  const DataType t = dtype_of<T>();
  const std::vector<BinaryOp> ops = {BinaryOp::Add, BinaryOp::Sub,    BinaryOp::Mul,   BinaryOp::Div,
                                     BinaryOp::Mod, BinaryOp::Min,    BinaryOp::Max,   BinaryOp::BitAnd,
                                     BinaryOp::BitOr, BinaryOp::BitXor, BinaryOp::Shl, BinaryOp::Shr};
  std::vector<int64_t> divisors = {0, 1, 2, 8, 7, 3, 100};
  if (std::is_signed_v<T>) divisors.insert(divisors.end(), {-1, -3, -8});
  std::vector<LoweredFunc> funcs;
  for (int lanes : {1, 8}) {
    for (BinaryOp op : ops)
      funcs.push_back(elementwise(std::string(op_name(op)) + "_" + std::to_string(lanes), {t, t}, t, lanes,
                                  [op](const std::vector<Expr>& x) { return bin(op, x[0], x[1]); }));
    for (int64_t d : divisors)
      for (BinaryOp op : {BinaryOp::Div, BinaryOp::Mod})
        funcs.push_back(elementwise(std::string(op_name(op)) + "_by" + (d < 0 ? "m" + std::to_string(-d) : std::to_string(d)) + "_" + std::to_string(lanes),
                                    {t}, t, lanes, [op, d](const std::vector<Expr>& x) {
                                      return bin(op, x[0], make_const(x[0].type(), d));
                                    }));
  }
  auto jit = jit_compile(funcs);

  // Every pair of edge values, then random pairs (half with small shift-sized b).
  std::vector<T> a, b;
  std::vector<T> edges = integer_edges<T>();
  for (T x : edges)
    for (T y : edges) {
      a.push_back(x);
      b.push_back(y);
    }
  std::mt19937_64 rng(42);
  for (int i = 0; i < 3001; ++i) {
    a.push_back(static_cast<T>(rng()));
    b.push_back(i % 2 ? static_cast<T>(static_cast<int64_t>(rng() % (sizeof(T) * 8 + 7)) - 3) : static_cast<T>(rng()));
  }
  Array A = make_array(t, a), B = make_array(t, b);
  for (int lanes : {1, 8}) {
    for (BinaryOp op : ops) {
      std::string name = std::string(op_name(op)) + "_" + std::to_string(lanes);
      Array out = run_elementwise(*jit, name, {&A, &B}, t);
      Mismatches bad(t.str() + " " + name);
      for (size_t i = 0; i < a.size(); ++i) {
        T want = ref_int(op, a[i], b[i]), got = out.get<T>(i);
        if (want != got) bad.add(show(a[i]) + " " + op_name(op) + " " + show(b[i]) + " = " + show(got) + ", want " + show(want));
      }
    }
    for (int64_t d : divisors) {
      for (BinaryOp op : {BinaryOp::Div, BinaryOp::Mod}) {
        std::string name = std::string(op_name(op)) + "_by" + (d < 0 ? "m" + std::to_string(-d) : std::to_string(d)) + "_" + std::to_string(lanes);
        Array out = run_elementwise(*jit, name, {&A}, t);
        Mismatches bad(t.str() + " " + name);
        for (size_t i = 0; i < a.size(); ++i) {
          T want = ref_int(op, a[i], static_cast<T>(d)), got = out.get<T>(i);
          if (want != got) bad.add(show(a[i]) + " " + op_name(op) + " " + std::to_string(d) + " = " + show(got) + ", want " + show(want));
        }
      }
    }
  }
}

TEST(CodegenLLVM, IntegerSemanticsInt8) { check_integer_semantics<int8_t>(); }
TEST(CodegenLLVM, IntegerSemanticsInt16) { check_integer_semantics<int16_t>(); }
TEST(CodegenLLVM, IntegerSemanticsInt32) { check_integer_semantics<int32_t>(); }
TEST(CodegenLLVM, IntegerSemanticsInt64) { check_integer_semantics<int64_t>(); }
TEST(CodegenLLVM, IntegerSemanticsUInt8) { check_integer_semantics<uint8_t>(); }
TEST(CodegenLLVM, IntegerSemanticsUInt32) { check_integer_semantics<uint32_t>(); }
TEST(CodegenLLVM, IntegerSemanticsUInt64) { check_integer_semantics<uint64_t>(); }

template <class T>
T ref_ipow(T base, T e) {
  if (std::is_signed_v<T> && e < T(0)) {
    if (base == T(1)) return 1;
    if (base == static_cast<T>(-1)) return (e % 2) ? static_cast<T>(-1) : T(1);
    return 0;
  }
  uint64_t r = 1, p = static_cast<uint64_t>(base);
  for (uint64_t k = static_cast<uint64_t>(e); k; k >>= 1, p *= p)
    if (k & 1) r *= p;
  return static_cast<T>(r);
}

template <class T>
void check_ipow() {
  const DataType t = dtype_of<T>();
  std::vector<LoweredFunc> funcs;
  for (int lanes : {1, 8})
    funcs.push_back(elementwise("ipow_" + std::to_string(lanes), {t, t}, t, lanes, [&](const std::vector<Expr>& x) {
      return call(x[0].type(), Intrinsic::IPow, {x[0], x[1]});
    }));
  auto jit = jit_compile(funcs);
  std::vector<T> a, b;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 2000; ++i) {
    a.push_back(static_cast<T>(static_cast<int64_t>(rng() % 11) - 5));
    b.push_back(static_cast<T>(static_cast<int64_t>(rng() % 70) - (std::is_signed_v<T> ? 4 : 0)));
  }
  Array A = make_array(t, a), B = make_array(t, b);
  for (int lanes : {1, 8}) {
    Array out = run_elementwise(*jit, "ipow_" + std::to_string(lanes), {&A, &B}, t);
    Mismatches bad(t.str() + " ipow");
    for (size_t i = 0; i < a.size(); ++i)
      if (out.get<T>(i) != ref_ipow(a[i], b[i]))
        bad.add(show(a[i]) + " ** " + show(b[i]) + " = " + show(out.get<T>(i)) + ", want " + show(ref_ipow(a[i], b[i])));
  }
}

TEST(CodegenLLVM, IntegerPower) {
  check_ipow<int32_t>();
  check_ipow<int64_t>();
  check_ipow<uint8_t>();
}

// ---- casts --------------------------------------------------------------------------------

// Writes the value v (an integer, or a multiple of 1/2 for floats) in type t's representation.
void write_value(DataType t, void* p, double v) {
  if (t.is_bool()) {
    uint8_t b = v != 0;
    std::memcpy(p, &b, 1);
  } else if (t.is_integer()) {
    int64_t i = static_cast<int64_t>(v);  // two's complement: the low bytes wrap
    std::memcpy(p, &i, t.bytes());
  } else if (t.is_float16()) {
    _Float16 h = static_cast<_Float16>(v);
    std::memcpy(p, &h, 2);
  } else if (t.is_bfloat16()) {
    uint16_t b = ref_float_to_bf16(static_cast<float>(v));
    std::memcpy(p, &b, 2);
  } else if (t.bits == 32) {
    float f = static_cast<float>(v);
    std::memcpy(p, &f, 4);
  } else {
    std::memcpy(p, &v, 8);
  }
}

TEST(CodegenLLVM, CastBetweenAllTypes) {
  std::vector<LoweredFunc> funcs;
  for (DataType from : kAllDTypes)
    for (DataType to : kAllDTypes)
      for (int lanes : {1, 8})
        funcs.push_back(elementwise("cast_" + from.str() + "_" + to.str() + "_" + std::to_string(lanes), {from}, to, lanes,
                                    [to](const std::vector<Expr>& x) {
                                      return CastNode::make(to.with_lanes(x[0].type().lanes), x[0]);
                                    }));
  auto jit = jit_compile(funcs);
  std::mt19937_64 rng(23);
  for (DataType from : kAllDTypes) {
    for (DataType to : kAllDTypes) {
      // Values every type holds: small integers, halves for float sources (truncated on
      // the way to integers), nothing negative from a float into an unsigned type.
      std::vector<double> values;
      for (int i = 0; i < 301; ++i) {
        double v = static_cast<double>(static_cast<int64_t>(rng() % 201) - 100);
        if (from.is_float()) v += (rng() % 2) * 0.5;
        if (from.is_bool()) v = static_cast<double>(rng() % 2);
        if (from.is_uint() || (from.is_float() && to.is_uint())) v = std::fabs(v);
        values.push_back(v);
      }
      Array in(from, static_cast<int64_t>(values.size()));
      for (size_t i = 0; i < values.size(); ++i) write_value(from, in.bytes.data() + i * from.bytes(), values[i]);
      for (int lanes : {1, 8}) {
        std::string name = "cast_" + from.str() + "_" + to.str() + "_" + std::to_string(lanes);
        Array out = run_elementwise(*jit, name, {&in}, to);
        Mismatches bad(name);
        for (size_t i = 0; i < values.size(); ++i) {
          double want = to.is_bool() ? (values[i] != 0) : to.is_integer() ? std::trunc(values[i]) : values[i];
          std::vector<uint8_t> expected(to.bytes());
          write_value(to, expected.data(), want);
          if (std::memcmp(expected.data(), out.bytes.data() + i * to.bytes(), to.bytes()) != 0) bad.add(show(values[i]));
        }
      }
    }
  }
}

}  // namespace
