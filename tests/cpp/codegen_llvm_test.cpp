// The LLVM CPU code generator: packed kernels built by hand with the IR API, compiled with
// jit_compile and compared with plain C++ references (integer and float semantics, every
// math function within 4 ULP, float16/bfloat16 rounding, parallel loops, allocation,
// asserts), plus object emission for the host, generic x86-64 and aarch64.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstring>
#include <deque>
#include <functional>
#include <limits>
#include <random>
#include <sstream>
#include <thread>

#include "tessera/codegen/llvm.h"
#include "tessera/ir/expr.h"
#include "tessera/ir/stmt.h"
#include "tessera/runtime/kernel_abi.h"

namespace {

using namespace tessera::ir;
using tessera::codegen::CpuTarget;
using tessera::codegen::JitModule;
using tessera::codegen::jit_compile;

// ---- building packed kernels --------------------------------------------------------------

Expr idx(int64_t v) { return make_const(DataType::Index(), v); }
Expr i32(int64_t v) { return make_const(DataType::Int(32), v); }
Expr text(const std::string& s) { return StringImmNode::make(s); }
Expr call(DataType t, Intrinsic op, std::vector<Expr> args) { return CallNode::make(t, op, std::move(args)); }
Expr bin(BinaryOp op, const Expr& a, const Expr& b) { return BinaryNode::make(op, a, b); }

// A packed kernel whose first arguments are 1-D tensors; n is the length of argument 0.
class Kernel1D {
 public:
  Kernel1D(std::string name, const std::vector<DataType>& dtypes) : name_(std::move(name)) {
    for (size_t i = 0; i < dtypes.size(); ++i) {
      handles_.emplace_back("h" + std::to_string(i), DataType::Handle());
      buffers_.push_back(Buffer::make("buf" + std::to_string(i), dtypes[i], {n_}));
    }
  }
  const Var& n() const { return n_; }
  const Buffer& buf(size_t i) const { return buffers_.at(i); }
  Expr load(size_t i, const Expr& index) const { return LoadNode::make(buf(i), {index}); }
  Stmt store(size_t i, const Expr& value, const Expr& index) const { return StoreNode::make(buf(i), value, {index}); }

  LoweredFunc finish(Stmt body) const {
    for (size_t i = buffers_.size(); i-- > 0;)
      body = LetStmtNode::make(buffers_[i]->data, call(DataType::Handle(), Intrinsic::TensorData, {handles_[i]}), body);
    body = LetStmtNode::make(n_, call(DataType::Int(64), Intrinsic::TensorShape, {handles_[0], i32(0)}), body);
    for (size_t i = handles_.size(); i-- > 0;)
      body = LetStmtNode::make(handles_[i], call(DataType::Handle(), Intrinsic::ArgHandle, {i32(static_cast<int64_t>(i))}), body);
    return LoweredFunc{name_, {}, body, true, "llvm"};
  }

 private:
  std::string name_;
  Var n_{"n"};
  std::vector<Var> handles_;
  std::vector<Buffer> buffers_;
};

using ElemFn = std::function<Expr(const std::vector<Expr>&)>;

// out[i] = f(in0[i], in1[i], ...): a loop of `lanes`-wide Ramp accesses and a scalar tail.
LoweredFunc elementwise(const std::string& name, const std::vector<DataType>& ins, DataType out_type,
                        int lanes, const ElemFn& f) {
  std::vector<DataType> all = ins;
  all.push_back(out_type);
  Kernel1D k(name, all);
  const size_t out = ins.size();
  auto loads = [&](const Expr& index) {
    std::vector<Expr> v;
    for (size_t i = 0; i < out; ++i) v.push_back(k.load(i, index));
    return v;
  };
  std::vector<Stmt> seq;
  Expr tail_begin = idx(0);
  if (lanes > 1) {
    Var o("o");
    Expr blocks = bin(BinaryOp::Div, k.n(), idx(lanes));
    Expr ramp = RampNode::make(bin(BinaryOp::Mul, o, idx(lanes)), idx(1), lanes);
    seq.push_back(ForNode::make(o, idx(0), blocks, ForKind::Serial, k.store(out, f(loads(ramp)), ramp)));
    tail_begin = bin(BinaryOp::Mul, blocks, idx(lanes));
  }
  Var i("i");
  seq.push_back(ForNode::make(i, tail_begin, bin(BinaryOp::Sub, k.n(), tail_begin), ForKind::Serial,
                              k.store(out, f(loads(i)), i)));
  return k.finish(SeqNode::make(seq));
}

// ---- calling kernels ----------------------------------------------------------------------

struct Array {
  DataType dtype;
  int64_t n;
  std::vector<uint8_t> bytes;
  Array(DataType t, int64_t count) : dtype(t), n(count), bytes(static_cast<size_t>(count * t.bytes()) + 64) {}
  void* data() { return bytes.data(); }
  template <class T>
  T get(int64_t i) const {
    T v;
    std::memcpy(&v, bytes.data() + i * sizeof(T), sizeof(T));
    return v;
  }
  template <class T>
  void set(int64_t i, T v) {
    std::memcpy(bytes.data() + i * sizeof(T), &v, sizeof(T));
  }
};

template <class T>
Array make_array(DataType t, const std::vector<T>& values) {
  Array a(t, static_cast<int64_t>(values.size()));
  for (size_t i = 0; i < values.size(); ++i) a.set<T>(static_cast<int64_t>(i), values[i]);
  return a;
}

class Args {
 public:
  void tensor(Array& a) { tensor(a.data(), a.dtype, {a.n}); }
  DLTensor& tensor(void* data, DataType t, std::vector<int64_t> shape, std::vector<int64_t> strides = {},
                   uint64_t byte_offset = 0) {
    shapes_.push_back(std::move(shape));
    strides_.push_back(std::move(strides));
    DLTensor d{};
    d.data = data;
    d.device = {kDLCPU, 0};
    d.ndim = static_cast<int32_t>(shapes_.back().size());
    d.dtype = {static_cast<uint8_t>(t.code), t.bits, 1};
    d.shape = shapes_.back().data();
    d.strides = strides_.back().empty() ? nullptr : strides_.back().data();
    d.byte_offset = byte_offset;
    tensors_.push_back(d);
    TesseraValue v;
    v.v_handle = &tensors_.back();
    values_.push_back(v);
    codes_.push_back(kTesseraArgTensor);
    return tensors_.back();
  }
  void integer(int64_t x) {
    TesseraValue v;
    v.v_int64 = x;
    values_.push_back(v);
    codes_.push_back(kTesseraArgInt);
  }
  int32_t run(TesseraKernelFn fn) const {
    return fn(values_.data(), codes_.data(), static_cast<int32_t>(values_.size()));
  }

 private:
  std::deque<std::vector<int64_t>> shapes_, strides_;
  std::deque<DLTensor> tensors_;
  std::vector<TesseraValue> values_;
  std::vector<int32_t> codes_;
};

TesseraKernelFn get_kernel(const JitModule& m, const std::string& name) {
  TesseraKernelFn fn = m.lookup(name);
  if (!fn) throw std::runtime_error("kernel " + name + " not found");
  return fn;
}

// Runs the kernel on the given input arrays and a fresh output array of n elements.
Array run_elementwise(const JitModule& m, const std::string& name, std::vector<Array*> ins, DataType out_type) {
  Array out(out_type, ins.at(0)->n);
  Args args;
  for (Array* a : ins) args.tensor(*a);
  args.tensor(out);
  int32_t rc = args.run(get_kernel(m, name));
  if (rc != 0) throw std::runtime_error(name + " failed: " + tessera_last_error());
  return out;
}

template <class T>
DataType dtype_of() {
  if constexpr (std::is_same_v<T, bool>) return DataType::Bool();
  else if constexpr (std::is_floating_point_v<T>) return DataType::Float(sizeof(T) * 8);
  else if constexpr (std::is_signed_v<T>) return DataType::Int(sizeof(T) * 8);
  else return DataType::UInt(sizeof(T) * 8);
}

// Collects mismatches and reports the first few.
class Mismatches {
 public:
  explicit Mismatches(std::string what) : what_(std::move(what)) {}
  ~Mismatches() { EXPECT_EQ(count_, 0) << what_ << ": " << count_ << " mismatches, first:\n" << first_; }
  void add(const std::string& detail) {
    if (count_++ < 5) first_ += "  " + detail + "\n";
  }

 private:
  std::string what_, first_;
  int count_ = 0;
};

template <class T>
std::string show(T v) {
  if constexpr (sizeof(T) == 1) return std::to_string(static_cast<int>(v));
  else {
    std::ostringstream os;
    os.precision(17);
    os << v;
    return os.str();
  }
}

// Kernel-name-friendly operator names.
const char* op_name(BinaryOp op) {
  static const char* names[] = {"add", "sub", "mul", "div", "mod", "min", "max", "eq", "ne", "lt",
                                "le", "gt", "ge", "and", "or", "bitand", "bitor", "bitxor", "shl", "shr"};
  return names[static_cast<int>(op)];
}

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

// ---- float semantics ----------------------------------------------------------------------

template <class F>
bool same_float(F a, F b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::memcmp(&a, &b, sizeof(F)) == 0;
}

template <class F>
F ref_float(BinaryOp op, F a, F b) {
  switch (op) {
    case BinaryOp::Add: return a + b;
    case BinaryOp::Sub: return a - b;
    case BinaryOp::Mul: return a * b;
    case BinaryOp::Div: return a / b;
    case BinaryOp::Mod: {  // NumPy remainder
      F m = std::fmod(a, b);
      if (b == 0) return m;
      if (m != 0) {
        if ((b < 0) != (m < 0)) m += b;
      } else {
        m = std::copysign(F(0), b);
      }
      return m;
    }
    case BinaryOp::Max: return (a >= b || std::isnan(a)) ? a : b;
    case BinaryOp::Min: return (a <= b || std::isnan(a)) ? a : b;
    default: throw std::logic_error("not a float op");
  }
}

bool ref_compare(BinaryOp op, double a, double b) {
  switch (op) {
    case BinaryOp::EQ: return a == b;
    case BinaryOp::NE: return a != b;
    case BinaryOp::LT: return a < b;
    case BinaryOp::LE: return a <= b;
    case BinaryOp::GT: return a > b;
    default: return a >= b;
  }
}

template <class F>
std::vector<F> float_specials() {
  const F inf = std::numeric_limits<F>::infinity();
  return {F(0), -F(0), F(1), F(-1), F(0.5), F(-0.5), F(1.5), F(2.5), F(-2.5), F(3), F(-7.25), inf, -inf,
          std::numeric_limits<F>::quiet_NaN(), std::numeric_limits<F>::denorm_min(),
          -std::numeric_limits<F>::denorm_min(), std::numeric_limits<F>::max(), -std::numeric_limits<F>::max(),
          std::numeric_limits<F>::min(), F(1e10), F(-3.5)};
}

// Pairs of specials, then random values of varied magnitude.
template <class F>
void float_pairs(std::vector<F>* a, std::vector<F>* b, uint64_t seed, int random_count = 2000) {
  for (F x : float_specials<F>())
    for (F y : float_specials<F>()) {
      a->push_back(x);
      b->push_back(y);
    }
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> mant(-10, 10);
  std::uniform_int_distribution<int> expo(-20, 20);
  for (int i = 0; i < random_count; ++i) {
    a->push_back(static_cast<F>(std::ldexp(mant(rng), expo(rng))));
    b->push_back(static_cast<F>(i % 3 ? std::ldexp(mant(rng), expo(rng)) : mant(rng)));
  }
}

template <class F>
void check_float_semantics() {
  const DataType t = dtype_of<F>();
  const std::vector<BinaryOp> arith = {BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Div,
                                       BinaryOp::Mod, BinaryOp::Min, BinaryOp::Max};
  const std::vector<BinaryOp> cmps = {BinaryOp::EQ, BinaryOp::NE, BinaryOp::LT,
                                      BinaryOp::LE, BinaryOp::GT, BinaryOp::GE};
  std::vector<LoweredFunc> funcs;
  for (int lanes : {1, 8}) {
    for (BinaryOp op : arith)
      funcs.push_back(elementwise(std::string(op_name(op)) + "_" + std::to_string(lanes), {t, t}, t, lanes,
                                  [op](const std::vector<Expr>& x) { return bin(op, x[0], x[1]); }));
    for (BinaryOp op : cmps)
      funcs.push_back(elementwise(std::string(op_name(op)) + "_" + std::to_string(lanes), {t, t}, DataType::Bool(), lanes,
                                  [op](const std::vector<Expr>& x) { return bin(op, x[0], x[1]); }));
  }
  auto jit = jit_compile(funcs);
  std::vector<F> a, b;
  float_pairs(&a, &b, 3);
  Array A = make_array(t, a), B = make_array(t, b);
  for (int lanes : {1, 8}) {
    for (BinaryOp op : arith) {
      Array out = run_elementwise(*jit, std::string(op_name(op)) + "_" + std::to_string(lanes), {&A, &B}, t);
      Mismatches bad(t.str() + " " + op_name(op) + " lanes " + std::to_string(lanes));
      for (size_t i = 0; i < a.size(); ++i)
        if (!same_float(out.get<F>(i), ref_float(op, a[i], b[i])))
          bad.add(show(a[i]) + " " + op_name(op) + " " + show(b[i]) + " = " + show(out.get<F>(i)) + ", want " +
                  show(ref_float(op, a[i], b[i])));
    }
    for (BinaryOp op : cmps) {
      Array out = run_elementwise(*jit, std::string(op_name(op)) + "_" + std::to_string(lanes), {&A, &B}, DataType::Bool());
      Mismatches bad(t.str() + " " + op_name(op) + " lanes " + std::to_string(lanes));
      for (size_t i = 0; i < a.size(); ++i)
        if (out.get<uint8_t>(i) != (ref_compare(op, a[i], b[i]) ? 1 : 0))
          bad.add(show(a[i]) + " " + op_name(op) + " " + show(b[i]) + " = " + std::to_string(out.get<uint8_t>(i)));
    }
  }
}

TEST(CodegenLLVM, FloatSemanticsFloat32) { check_float_semantics<float>(); }
TEST(CodegenLLVM, FloatSemanticsFloat64) { check_float_semantics<double>(); }

// Operations with exact results: compared bit for bit with <cmath>.
template <class F>
void check_exact_float_ops() {
  const DataType t = dtype_of<F>();
  struct Op {
    std::string name;
    Intrinsic op;
    int arity;
    std::function<F(F, F, F)> ref;
  };
  const std::vector<Op> ops = {
      {"sqrt", Intrinsic::Sqrt, 1, [](F x, F, F) { return std::sqrt(x); }},
      {"floor", Intrinsic::Floor, 1, [](F x, F, F) { return std::floor(x); }},
      {"ceil", Intrinsic::Ceil, 1, [](F x, F, F) { return std::ceil(x); }},
      {"trunc", Intrinsic::Trunc, 1, [](F x, F, F) { return std::trunc(x); }},
      {"round", Intrinsic::Round, 1, [](F x, F, F) { return std::nearbyint(x); }},
      {"abs", Intrinsic::Abs, 1, [](F x, F, F) { return std::fabs(x); }},
      {"neg", Intrinsic::Neg, 1, [](F x, F, F) { return -x; }},
      {"copysign", Intrinsic::Copysign, 2, [](F x, F y, F) { return std::copysign(x, y); }},
      {"nextafter", Intrinsic::Nextafter, 2, [](F x, F y, F) { return std::nextafter(x, y); }},
      {"fmod", Intrinsic::Fmod, 2, [](F x, F y, F) { return std::fmod(x, y); }},
      {"fma", Intrinsic::Fma, 3, [](F x, F y, F z) { return std::fma(x, y, z); }},
  };
  const std::vector<std::pair<Intrinsic, std::function<bool(F)>>> predicates = {
      {Intrinsic::IsNan, [](F x) { return std::isnan(x); }},
      {Intrinsic::IsInf, [](F x) { return std::isinf(x); }},
      {Intrinsic::IsFinite, [](F x) { return std::isfinite(x); }},
      {Intrinsic::Signbit, [](F x) { return std::signbit(x); }}};
  std::vector<LoweredFunc> funcs;
  for (int lanes : {1, 8}) {
    for (const Op& op : ops)
      funcs.push_back(elementwise(op.name + std::to_string(lanes), {t, t, t}, t, lanes, [&](const std::vector<Expr>& x) {
        return call(x[0].type(), op.op, std::vector<Expr>(x.begin(), x.begin() + op.arity));
      }));
    for (size_t p = 0; p < predicates.size(); ++p)
      funcs.push_back(elementwise("pred" + std::to_string(p) + "_" + std::to_string(lanes), {t}, DataType::Bool(), lanes,
                                  [&](const std::vector<Expr>& x) {
                                    return call(DataType::Bool(x[0].type().lanes), predicates[p].first, {x[0]});
                                  }));
  }
  auto jit = jit_compile(funcs);
  std::vector<F> a, b, c;
  float_pairs(&a, &b, 11);
  std::mt19937_64 rng(5);
  for (size_t i = 0; i < a.size(); ++i) c.push_back(static_cast<F>(std::uniform_real_distribution<double>(-100, 100)(rng)));
  // Rounding ties and a NaN with its sign bit set.
  for (double v : {0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 4503599627370497.0}) {
    a.push_back(static_cast<F>(v));
    b.push_back(1);
    c.push_back(0);
  }
  a.push_back(-std::numeric_limits<F>::quiet_NaN());
  b.push_back(1);
  c.push_back(0);
  // fmod with quotients around the precision limit, just beside a multiple of b.
  const int digits = std::numeric_limits<F>::digits;
  for (int k = 0; k < 200; ++k) {
    F divisor = static_cast<F>(std::uniform_real_distribution<double>(0.1, 10)(rng));
    double q = std::ldexp(1.0, digits - 2 + k % 4) + (k % 3) - 1;
    F dividend = static_cast<F>(q * divisor);
    for (F v : {dividend, std::nextafter(dividend, F(0)), std::nextafter(dividend, F(INFINITY))}) {
      a.push_back(k % 2 ? -v : v);
      b.push_back(k % 5 ? divisor : -divisor);
      c.push_back(0);
    }
  }
  Array A = make_array(t, a), B = make_array(t, b), C = make_array(t, c);
  for (int lanes : {1, 8}) {
    for (const Op& op : ops) {
      Array out = run_elementwise(*jit, op.name + std::to_string(lanes), {&A, &B, &C}, t);
      Mismatches bad(t.str() + " " + op.name + " lanes " + std::to_string(lanes));
      for (size_t i = 0; i < a.size(); ++i) {
        F want = op.ref(a[i], b[i], c[i]);
        if (!same_float(out.get<F>(i), want))
          bad.add(op.name + "(" + show(a[i]) + ", " + show(b[i]) + ", " + show(c[i]) + ") = " + show(out.get<F>(i)) +
                  ", want " + show(want));
      }
    }
    for (size_t p = 0; p < predicates.size(); ++p) {
      Array out = run_elementwise(*jit, "pred" + std::to_string(p) + "_" + std::to_string(lanes), {&A}, DataType::Bool());
      Mismatches bad(t.str() + " predicate " + to_string(predicates[p].first));
      for (size_t i = 0; i < a.size(); ++i)
        if (out.get<uint8_t>(i) != (predicates[p].second(a[i]) ? 1 : 0)) bad.add(show(a[i]));
    }
  }
}

TEST(CodegenLLVM, ExactFloatOpsFloat32) { check_exact_float_ops<float>(); }
TEST(CodegenLLVM, ExactFloatOpsFloat64) { check_exact_float_ops<double>(); }

// ---- math functions -----------------------------------------------------------------------

template <class F>
double ulp_distance(F got, F want) {
  if (std::isnan(got) || std::isnan(want)) return std::isnan(got) && std::isnan(want) ? 0 : INFINITY;
  if (got == want) return 0;
  using I = std::conditional_t<sizeof(F) == 4, int32_t, int64_t>;
  auto ordered = [](F x) {
    I i = std::bit_cast<I>(x);
    return static_cast<long double>(i < 0 ? std::numeric_limits<I>::min() - i : i);
  };
  return static_cast<double>(std::fabs(ordered(got) - ordered(want)));
}

struct MathFn {
  const char* name;
  Intrinsic op;
  int arity;
  double lo, hi;              // random inputs (first and second argument)
  double lo64, hi64;          // for float64, where the range differs
  long double (*ref)(long double, long double);
};

const std::vector<MathFn>& math_functions() {
  using L = long double;
  static const std::vector<MathFn> fns = {
      {"exp", Intrinsic::Exp, 1, -87, 87, -700, 700, [](L x, L) { return std::exp(x); }},
      {"exp2", Intrinsic::Exp2, 1, -125, 125, -1000, 1000, [](L x, L) { return std::exp2(x); }},
      {"expm1", Intrinsic::Expm1, 1, -10, 10, -10, 10, [](L x, L) { return std::expm1(x); }},
      {"log", Intrinsic::Log, 1, 1e-6, 1e6, 1e-6, 1e6, [](L x, L) { return std::log(x); }},
      {"log2", Intrinsic::Log2, 1, 1e-6, 1e6, 1e-6, 1e6, [](L x, L) { return std::log2(x); }},
      {"log10", Intrinsic::Log10, 1, 1e-6, 1e6, 1e-6, 1e6, [](L x, L) { return std::log10(x); }},
      {"log1p", Intrinsic::Log1p, 1, -0.99, 10, -0.99, 10, [](L x, L) { return std::log1p(x); }},
      {"sin", Intrinsic::Sin, 1, -10, 10, -10, 10, [](L x, L) { return std::sin(x); }},
      {"cos", Intrinsic::Cos, 1, -10, 10, -10, 10, [](L x, L) { return std::cos(x); }},
      {"tan", Intrinsic::Tan, 1, -10, 10, -10, 10, [](L x, L) { return std::tan(x); }},
      {"asin", Intrinsic::Asin, 1, -1, 1, -1, 1, [](L x, L) { return std::asin(x); }},
      {"acos", Intrinsic::Acos, 1, -1, 1, -1, 1, [](L x, L) { return std::acos(x); }},
      {"atan", Intrinsic::Atan, 1, -100, 100, -100, 100, [](L x, L) { return std::atan(x); }},
      {"sinh", Intrinsic::Sinh, 1, -80, 80, -700, 700, [](L x, L) { return std::sinh(x); }},
      {"cosh", Intrinsic::Cosh, 1, -80, 80, -700, 700, [](L x, L) { return std::cosh(x); }},
      {"tanh", Intrinsic::Tanh, 1, -10, 10, -10, 10, [](L x, L) { return std::tanh(x); }},
      {"asinh", Intrinsic::Asinh, 1, -1000, 1000, -1000, 1000, [](L x, L) { return std::asinh(x); }},
      {"acosh", Intrinsic::Acosh, 1, 1, 1000, 1, 1000, [](L x, L) { return std::acosh(x); }},
      {"atanh", Intrinsic::Atanh, 1, -0.999, 0.999, -0.999, 0.999, [](L x, L) { return std::atanh(x); }},
      {"atan2", Intrinsic::Atan2, 2, -10, 10, -10, 10, [](L y, L x) { return std::atan2(y, x); }},
      {"pow", Intrinsic::Pow, 2, 0.01, 10, 0.01, 10, [](L x, L y) { return std::pow(x, y); }},
      {"hypot", Intrinsic::Hypot, 2, -1000, 1000, -1000, 1000, [](L x, L y) { return std::hypot(x, y); }},
  };
  return fns;
}

template <class F>
void check_math_functions(int lanes) {
  const DataType t = dtype_of<F>();
  const bool f64 = sizeof(F) == 8;
  std::vector<LoweredFunc> funcs;
  for (const MathFn& fn : math_functions())
    funcs.push_back(elementwise(std::string("k_") + fn.name, {t, t}, t, lanes, [&](const std::vector<Expr>& x) {
      return call(x[0].type(), fn.op, std::vector<Expr>(x.begin(), x.begin() + fn.arity));
    }));
  auto jit = jit_compile(funcs);
  std::mt19937_64 rng(lanes * 1000 + sizeof(F));
  for (const MathFn& fn : math_functions()) {
    const double lo = f64 ? fn.lo64 : fn.lo, hi = f64 ? fn.hi64 : fn.hi;
    const bool log_scale = lo > 0 && hi / lo > 1e3;
    std::uniform_real_distribution<double> dist(log_scale ? std::log(lo) : lo, log_scale ? std::log(hi) : hi);
    std::vector<F> x, y;
    x.push_back(std::numeric_limits<F>::quiet_NaN());  // NaN propagates
    y.push_back(F(2.5));
    for (int i = 0; i < 997; ++i) {
      double u = dist(rng), v = std::uniform_real_distribution<double>(-10, 10)(rng);
      x.push_back(static_cast<F>(log_scale ? std::exp(u) : u));
      y.push_back(static_cast<F>(fn.op == Intrinsic::Atan2 || fn.op == Intrinsic::Hypot ? dist(rng) : v));
    }
    Array X = make_array(t, x), Y = make_array(t, y);
    Array out = run_elementwise(*jit, std::string("k_") + fn.name, {&X, &Y}, t);
    double worst = 0;
    std::string worst_case;
    for (size_t i = 0; i < x.size(); ++i) {
      F want = static_cast<F>(fn.ref(x[i], y[i]));
      double d = ulp_distance(out.get<F>(i), want);
      if (d > worst) {
        worst = d;
        worst_case = std::string(fn.name) + "(" + show(x[i]) + (fn.arity == 2 ? ", " + show(y[i]) : "") + ") = " +
                     show(out.get<F>(i)) + ", want " + show(want);
      }
    }
    EXPECT_LE(worst, 4.0) << t.str() << " lanes " << lanes << ": " << worst_case;
  }
}

TEST(CodegenLLVM, MathFloat32Scalar) { check_math_functions<float>(1); }
TEST(CodegenLLVM, MathFloat32Native) { check_math_functions<float>(CpuTarget::host().vector_bits() / 32); }
TEST(CodegenLLVM, MathFloat32OddWidths) {
  check_math_functions<float>(5);
  check_math_functions<float>(37);
}
TEST(CodegenLLVM, MathFloat64Scalar) { check_math_functions<double>(1); }
TEST(CodegenLLVM, MathFloat64Native) { check_math_functions<double>(CpuTarget::host().vector_bits() / 64); }
TEST(CodegenLLVM, MathFloat64OddWidths) {
  check_math_functions<double>(3);
  check_math_functions<double>(19);
}

TEST(CodegenLLVM, VectorMathCallsLibmvec) {
  CpuTarget host = CpuTarget::host();
  if (!host.has_feature("avx512f")) GTEST_SKIP() << "host has no AVX-512";
  std::string ir = tessera::codegen::emit_llvm_ir({elementwise("vexp", {DataType::Float(32)}, DataType::Float(32), 32,
                                                               [](const std::vector<Expr>& x) {
                                                                 return call(x[0].type(), Intrinsic::Exp, {x[0]});
                                                               })});
  EXPECT_NE(ir.find("_ZGVeN16v_expf"), std::string::npos) << ir;
  EXPECT_NE(ir.find("define i32 @vexp(ptr"), std::string::npos);
}

// ---- float16 and bfloat16 -----------------------------------------------------------------

uint16_t half_bits(_Float16 h) { return std::bit_cast<uint16_t>(h); }
_Float16 half_from(uint16_t b) { return std::bit_cast<_Float16>(b); }
float bf16_to_float(uint16_t b) { return std::bit_cast<float>(static_cast<uint32_t>(b) << 16); }

// Round to nearest even, written with an explicit tie test.
uint16_t ref_float_to_bf16(float f) {
  uint32_t bits = std::bit_cast<uint32_t>(f);
  if (std::isnan(f)) return static_cast<uint16_t>((bits >> 16) | 0x40);
  uint32_t hi = bits >> 16, lo = bits & 0xFFFF;
  if (lo > 0x8000 || (lo == 0x8000 && (hi & 1))) ++hi;
  return static_cast<uint16_t>(hi);
}

uint16_t ref_double_to_bf16(double d) {
  if (std::isnan(d)) return std::signbit(d) ? 0xFFC0 : 0x7FC0;
  float f = static_cast<float>(d);
  if (std::fabs(static_cast<double>(f)) > std::fabs(d)) f = std::nextafter(f, 0.0f);  // toward zero
  uint16_t down = static_cast<uint16_t>(std::bit_cast<uint32_t>(f) >> 16);
  uint16_t up = static_cast<uint16_t>(down + 1);
  double dd = std::fabs(d - static_cast<double>(bf16_to_float(down)));
  if (std::isinf(bf16_to_float(down))) return down;
  // Past the largest finite value the next step up is 2^128 (which rounds to infinity).
  double up_value = std::isinf(bf16_to_float(up)) ? std::copysign(std::ldexp(1.0, 128), d)
                                                  : static_cast<double>(bf16_to_float(up));
  double du = std::fabs(up_value - d);
  if (dd < du || (dd == du && (down & 1) == 0)) return down;
  return up;
}

TEST(CodegenLLVM, Float16Conversions) {
  const DataType f16 = DataType::Float(16), f32 = DataType::Float(32), f64 = DataType::Float(64);
  std::vector<LoweredFunc> funcs;
  for (int lanes : {1, 8, 16}) {
    auto cast_to = [](DataType to) {
      return [to](const std::vector<Expr>& x) { return CastNode::make(to.with_lanes(x[0].type().lanes), x[0]); };
    };
    funcs.push_back(elementwise("h2f_" + std::to_string(lanes), {f16}, f32, lanes, cast_to(f32)));
    funcs.push_back(elementwise("f2h_" + std::to_string(lanes), {f32}, f16, lanes, cast_to(f16)));
    funcs.push_back(elementwise("d2h_" + std::to_string(lanes), {f64}, f16, lanes, cast_to(f16)));
    funcs.push_back(elementwise("h2d_" + std::to_string(lanes), {f16}, f64, lanes, cast_to(f64)));
  }
  auto jit = jit_compile(funcs);

  std::vector<uint16_t> all_bits(65536);
  for (int i = 0; i < 65536; ++i) all_bits[i] = static_cast<uint16_t>(i);
  Array H = make_array(f16, all_bits);
  // Midpoints between neighbouring halves (exact in float), and a float ulp around them.
  std::vector<float> floats;
  std::vector<double> doubles;
  for (int i = 0; i < 0x7C00; i += 7) {
    for (int sign : {0, 0x8000}) {
      double lo = static_cast<double>(half_from(static_cast<uint16_t>(i | sign)));
      double hi = static_cast<double>(half_from(static_cast<uint16_t>((i + 1) | sign)));
      float mid = static_cast<float>((lo + hi) / 2);
      floats.insert(floats.end(), {mid, std::nextafter(mid, 0.0f), std::nextafter(mid, 1e30f), static_cast<float>(lo)});
      double dmid = (lo + hi) / 2;
      doubles.insert(doubles.end(), {dmid, std::nextafter(dmid, 0.0), std::nextafter(dmid, 1e300), dmid * (1 + 1e-12)});
    }
  }
  floats.insert(floats.end(), {65504.f, 65519.f, 65520.f, 1e10f, -1e10f, INFINITY, -INFINITY, NAN, 1e-10f, -0.0f});
  doubles.insert(doubles.end(), {65519.99999, 65520.0, 1e300, -1e-300, NAN, -INFINITY});
  Array F = make_array(f32, floats), D = make_array(f64, doubles);

  for (int lanes : {1, 8, 16}) {
    const std::string l = std::to_string(lanes);
    {
      Array out = run_elementwise(*jit, "h2f_" + l, {&H}, f32);
      Mismatches bad("float16->float32 lanes " + l);
      for (int i = 0; i < 65536; ++i)
        if (!same_float(out.get<float>(i), static_cast<float>(half_from(all_bits[i])))) bad.add(std::to_string(i));
      Array out64 = run_elementwise(*jit, "h2d_" + l, {&H}, f64);
      Mismatches bad64("float16->float64 lanes " + l);
      for (int i = 0; i < 65536; ++i)
        if (!same_float(out64.get<double>(i), static_cast<double>(half_from(all_bits[i])))) bad64.add(std::to_string(i));
    }
    {
      Array out = run_elementwise(*jit, "f2h_" + l, {&F}, f16);
      Mismatches bad("float32->float16 lanes " + l);
      for (size_t i = 0; i < floats.size(); ++i) {
        _Float16 want = static_cast<_Float16>(floats[i]);
        _Float16 got = half_from(out.get<uint16_t>(i));
        if (!(half_bits(got) == half_bits(want) || (std::isnan(floats[i]) && got != got)))
          bad.add(show(floats[i]) + " -> " + std::to_string(half_bits(got)) + ", want " + std::to_string(half_bits(want)));
      }
    }
    {
      Array out = run_elementwise(*jit, "d2h_" + l, {&D}, f16);
      Mismatches bad("float64->float16 lanes " + l);
      for (size_t i = 0; i < doubles.size(); ++i) {
        _Float16 want = static_cast<_Float16>(doubles[i]);
        _Float16 got = half_from(out.get<uint16_t>(i));
        if (!(half_bits(got) == half_bits(want) || (std::isnan(doubles[i]) && got != got)))
          bad.add(show(doubles[i]) + " -> " + std::to_string(half_bits(got)) + ", want " + std::to_string(half_bits(want)));
      }
    }
  }
}

TEST(CodegenLLVM, BFloat16Conversions) {
  const DataType bf = DataType::BFloat16(), f32 = DataType::Float(32), f64 = DataType::Float(64);
  std::vector<LoweredFunc> funcs;
  for (int lanes : {1, 8, 16}) {
    auto cast_to = [](DataType to) {
      return [to](const std::vector<Expr>& x) { return CastNode::make(to.with_lanes(x[0].type().lanes), x[0]); };
    };
    funcs.push_back(elementwise("b2f_" + std::to_string(lanes), {bf}, f32, lanes, cast_to(f32)));
    funcs.push_back(elementwise("f2b_" + std::to_string(lanes), {f32}, bf, lanes, cast_to(bf)));
    funcs.push_back(elementwise("d2b_" + std::to_string(lanes), {f64}, bf, lanes, cast_to(bf)));
  }
  auto jit = jit_compile(funcs);

  std::vector<uint16_t> all_bits(65536);
  for (int i = 0; i < 65536; ++i) all_bits[i] = static_cast<uint16_t>(i);
  Array B = make_array(bf, all_bits);
  std::vector<float> floats;
  std::vector<double> doubles;
  std::mt19937_64 rng(9);
  for (int i = 0; i < 20000; ++i) {
    uint32_t r = static_cast<uint32_t>(rng());
    floats.push_back(std::bit_cast<float>(r));
    // Exact ties, their float neighbours, and doubles just beside a tie.
    uint32_t tie = (r & 0xFFFF0000u) | 0x8000u;
    floats.push_back(std::bit_cast<float>(tie));
    floats.push_back(std::bit_cast<float>(tie + 1));
    double dtie = static_cast<double>(std::bit_cast<float>(tie));
    doubles.insert(doubles.end(), {dtie, std::nextafter(dtie, 0.0), std::nextafter(dtie, INFINITY),
                                   static_cast<double>(std::bit_cast<float>(r))});
  }
  floats.insert(floats.end(), {INFINITY, -INFINITY, NAN, -NAN, 3.4028235e38f, -0.0f});
  doubles.insert(doubles.end(), {1e300, -1e300, 3.4e38, 1e-300, -1e-40, NAN});
  Array F = make_array(f32, floats), D = make_array(f64, doubles);
  for (int lanes : {1, 8, 16}) {
    const std::string l = std::to_string(lanes);
    {
      Array out = run_elementwise(*jit, "b2f_" + l, {&B}, f32);
      Mismatches bad("bfloat16->float32 lanes " + l);
      for (int i = 0; i < 65536; ++i)
        if (std::bit_cast<uint32_t>(out.get<float>(i)) != static_cast<uint32_t>(i) << 16) bad.add(std::to_string(i));
    }
    {
      Array out = run_elementwise(*jit, "f2b_" + l, {&F}, bf);
      Mismatches bad("float32->bfloat16 lanes " + l);
      for (size_t i = 0; i < floats.size(); ++i)
        if (out.get<uint16_t>(i) != ref_float_to_bf16(floats[i]))
          bad.add(show(floats[i]) + " -> " + std::to_string(out.get<uint16_t>(i)) + ", want " +
                  std::to_string(ref_float_to_bf16(floats[i])));
    }
    {
      Array out = run_elementwise(*jit, "d2b_" + l, {&D}, bf);
      Mismatches bad("float64->bfloat16 lanes " + l);
      for (size_t i = 0; i < doubles.size(); ++i)
        if (out.get<uint16_t>(i) != ref_double_to_bf16(doubles[i]) &&
            !(std::isnan(doubles[i]) && std::isnan(bf16_to_float(out.get<uint16_t>(i))) &&
              (out.get<uint16_t>(i) & 0x8040) == (ref_double_to_bf16(doubles[i]) & 0x8040)))  // any quiet NaN
          bad.add(show(doubles[i]) + " -> " + std::to_string(out.get<uint16_t>(i)) + ", want " +
                  std::to_string(ref_double_to_bf16(doubles[i])));
    }
  }
}

// Arithmetic on 16-bit floats is float32 arithmetic rounded after every operation.
TEST(CodegenLLVM, SixteenBitArithmetic) {
  const DataType f16 = DataType::Float(16), bf = DataType::BFloat16();
  std::vector<LoweredFunc> funcs;
  for (DataType t : {f16, bf})
    for (int lanes : {1, 8}) {
      const std::string s = (t.is_bfloat16() ? "bf_" : "h_") + std::to_string(lanes);
      funcs.push_back(elementwise("add_" + s, {t, t}, t, lanes, [](const std::vector<Expr>& x) { return bin(BinaryOp::Add, x[0], x[1]); }));
      funcs.push_back(elementwise("mul_" + s, {t, t}, t, lanes, [](const std::vector<Expr>& x) { return bin(BinaryOp::Mul, x[0], x[1]); }));
      funcs.push_back(elementwise("div_" + s, {t, t}, t, lanes, [](const std::vector<Expr>& x) { return bin(BinaryOp::Div, x[0], x[1]); }));
      funcs.push_back(elementwise("max_" + s, {t, t}, t, lanes, [](const std::vector<Expr>& x) { return bin(BinaryOp::Max, x[0], x[1]); }));
      funcs.push_back(elementwise("sqrt_" + s, {t, t}, t, lanes, [](const std::vector<Expr>& x) { return call(x[0].type(), Intrinsic::Sqrt, {x[0]}); }));
      funcs.push_back(elementwise("exp_" + s, {t, t}, t, lanes, [](const std::vector<Expr>& x) { return call(x[0].type(), Intrinsic::Exp, {x[0]}); }));
      funcs.push_back(elementwise("next_" + s, {t, t}, t, lanes, [](const std::vector<Expr>& x) { return call(x[0].type(), Intrinsic::Nextafter, {x[0], x[1]}); }));
      funcs.push_back(elementwise("lit_" + s, {t, t}, t, lanes, [](const std::vector<Expr>& x) { return bin(BinaryOp::Add, x[0], make_const(x[0].type(), 0.1)); }));
    }
  auto jit = jit_compile(funcs);
  std::mt19937_64 rng(17);
  std::vector<uint16_t> a, b;
  for (int i = 0; i < 5000; ++i) {
    a.push_back(static_cast<uint16_t>(rng()));
    b.push_back(static_cast<uint16_t>(rng()));
  }
  for (DataType t : {f16, bf}) {
    auto to_f = [&](uint16_t v) { return t.is_bfloat16() ? bf16_to_float(v) : static_cast<float>(half_from(v)); };
    auto round = [&](float v) { return t.is_bfloat16() ? ref_float_to_bf16(v) : half_bits(static_cast<_Float16>(v)); };
    auto same = [&](uint16_t x, uint16_t y) { return x == y || (std::isnan(to_f(x)) && std::isnan(to_f(y))); };
    // nextafter steps in the 16-bit format itself.
    auto next16 = [&](uint16_t x, uint16_t y) -> uint16_t {
      float fx = to_f(x), fy = to_f(y);
      if (std::isnan(fx)) return x;
      if (std::isnan(fy)) return y;
      if (fx == fy) return y;
      if (fx == 0) return static_cast<uint16_t>((y & 0x8000) | 1);
      return (fx < fy) == (fx > 0) ? static_cast<uint16_t>(x + 1) : static_cast<uint16_t>(x - 1);
    };
    Array A = make_array(t, a), B = make_array(t, b);
    for (int lanes : {1, 8}) {
      const std::string s = (t.is_bfloat16() ? "bf_" : "h_") + std::to_string(lanes);
      const std::vector<std::pair<std::string, std::function<uint16_t(uint16_t, uint16_t)>>> cases = {
          {"add_", [&](uint16_t x, uint16_t y) { return round(to_f(x) + to_f(y)); }},
          {"mul_", [&](uint16_t x, uint16_t y) { return round(to_f(x) * to_f(y)); }},
          {"div_", [&](uint16_t x, uint16_t y) { return round(to_f(x) / to_f(y)); }},
          {"max_", [&](uint16_t x, uint16_t y) { return (to_f(x) >= to_f(y) || std::isnan(to_f(x))) ? x : y; }},
          {"sqrt_", [&](uint16_t x, uint16_t) { return round(std::sqrt(to_f(x))); }},
          {"next_", next16},
          {"lit_", [&](uint16_t x, uint16_t) {
             float c = t.is_bfloat16() ? bf16_to_float(ref_double_to_bf16(0.1)) : static_cast<float>(static_cast<_Float16>(0.1));
             return round(to_f(x) + c);
           }},
      };
      for (const auto& [name, ref] : cases) {
        Array out = run_elementwise(*jit, name + s, {&A, &B}, t);
        Mismatches bad(name + s);
        for (size_t i = 0; i < a.size(); ++i)
          if (!same(out.get<uint16_t>(i), ref(a[i], b[i])))
            bad.add(show(to_f(a[i])) + ", " + show(to_f(b[i])) + " -> " + show(to_f(out.get<uint16_t>(i))) + ", want " +
                    show(to_f(ref(a[i], b[i]))));
      }
      // exp goes through float32 libm/libmvec (<= 4 ULP there): within one 16-bit ULP.
      Array out = run_elementwise(*jit, "exp_" + s, {&A, &B}, t);
      Mismatches bad("exp_" + s);
      for (size_t i = 0; i < a.size(); ++i) {
        uint16_t want = round(static_cast<float>(std::exp(static_cast<double>(to_f(a[i])))));
        uint16_t got = out.get<uint16_t>(i);
        if (!same(got, want) && std::abs(static_cast<int>(got) - static_cast<int>(want)) > 1)
          bad.add(show(to_f(a[i])) + " -> " + show(to_f(got)) + ", want " + show(to_f(want)));
      }
    }
  }
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

// ---- vectors, memory and control flow -----------------------------------------------------

TEST(CodegenLLVM, GatherScatterReverseAndSelect) {
  const DataType f32 = DataType::Float(32), i32t = DataType::Int(32);
  // buf0: source (3n floats), buf1: int32 indices (n), buf2: output (2n floats)
  Kernel1D k("memory", {f32, i32t, f32});
  Var o("o");
  const int L = 8;
  Expr base = bin(BinaryOp::Mul, o, idx(L));
  Expr gathered = k.load(0, k.load(1, RampNode::make(base, idx(1), L)));             // a[idx[i]]
  Expr strided = k.load(0, RampNode::make(bin(BinaryOp::Mul, base, idx(3)), idx(3), L));  // a[3i]
  Expr reversed = k.load(0, RampNode::make(bin(BinaryOp::Add, base, idx(L - 1)), idx(-1), L));
  Expr positive = bin(BinaryOp::GT, strided, make_const(f32.with_lanes(L), 0.0));
  Var sum("sum", f32.with_lanes(L));
  Expr value = LetNode::make(sum, bin(BinaryOp::Add, gathered, SelectNode::make(positive, strided, reversed)),
                             bin(BinaryOp::Mul, sum, make_const(f32.with_lanes(L), 2.0)));
  // Scatter to the even slots of the output, and the broadcast of lane 0 to the odd ones.
  Stmt body = SeqNode::make({k.store(2, value, RampNode::make(bin(BinaryOp::Mul, base, idx(2)), idx(2), L)),
                             k.store(2, BroadcastNode::make(k.load(0, base), L),
                                     RampNode::make(bin(BinaryOp::Add, bin(BinaryOp::Mul, base, idx(2)), idx(1)), idx(2), L))});
  auto jit = jit_compile({k.finish(ForNode::make(o, idx(0), bin(BinaryOp::Div, k.n(), idx(3 * L)), ForKind::Serial, body))});
  const int64_t n = 3 * 64;
  std::mt19937_64 rng(1);
  std::vector<float> a(n);
  for (float& v : a) v = static_cast<float>(std::uniform_real_distribution<double>(-5, 5)(rng));
  std::vector<int32_t> index(n);
  for (int32_t& v : index) v = static_cast<int32_t>(rng() % n);
  std::vector<float> out(2 * n, -1), want(2 * n, -1);
  Args args;
  args.tensor(a.data(), f32, {n});
  args.tensor(index.data(), i32t, {n});
  args.tensor(out.data(), f32, {2 * n});
  ASSERT_EQ(args.run(get_kernel(*jit, "memory")), 0) << tessera_last_error();
  for (int64_t blk = 0; blk < n / (3 * L); ++blk)
    for (int j = 0; j < L; ++j) {
      int64_t i = blk * L + j;
      float s = a[3 * i] > 0 ? a[3 * i] : a[blk * L + (L - 1 - j)];
      want[2 * i] = (a[index[i]] + s) * 2;
      want[2 * i + 1] = a[blk * L];
    }
  EXPECT_EQ(out, want);
}

TEST(CodegenLLVM, StridesByteOffsetAndIf) {
  // out[i * cols + j] = a[i * s0 + j * s1] with strides and byte_offset from the DLTensor,
  // plus the stride values themselves (0 for NULL strides) in out2.
  const DataType f64 = DataType::Float(64), i64 = DataType::Int(64);
  Var h0("h0", DataType::Handle()), h1("h1", DataType::Handle()), h2("h2", DataType::Handle());
  Var rows("rows"), cols("cols"), s0("s0"), s1("s1");
  Buffer a = Buffer::make("a", f64, {rows, cols});
  Buffer out = Buffer::make("out", f64, {bin(BinaryOp::Mul, rows, cols)});
  Buffer out2 = Buffer::make("out2", i64, {idx(4)});
  Var i("i"), j("j");
  Expr src = LoadNode::make(a, {bin(BinaryOp::Add, bin(BinaryOp::Mul, i, s0), bin(BinaryOp::Mul, j, s1))});
  Stmt copy = ForNode::make(i, idx(0), rows, ForKind::Serial,
                            ForNode::make(j, idx(0), cols, ForKind::Serial,
                                          IfThenElseNode::make(bin(BinaryOp::LT, j, idx(2)),
                                                               StoreNode::make(out, src, {bin(BinaryOp::Add, bin(BinaryOp::Mul, i, cols), j)}),
                                                               StoreNode::make(out, bin(BinaryOp::Sub, make_const(f64, 0.0), src),
                                                                               {bin(BinaryOp::Add, bin(BinaryOp::Mul, i, cols), j)}))));
  auto stride = [](const Var& h, int d) { return call(DataType::Int(64), Intrinsic::TensorStride, {h, i32(d)}); };
  Stmt strides_out = SeqNode::make({StoreNode::make(out2, stride(h0, 0), {idx(0)}), StoreNode::make(out2, stride(h0, 1), {idx(1)}),
                                    StoreNode::make(out2, stride(h1, 0), {idx(2)}),
                                    StoreNode::make(out2, CastNode::make(i64, call(DataType::Bool(), Intrinsic::TensorHasStrides, {h1})), {idx(3)})});
  Stmt body = SeqNode::make({copy, strides_out});
  body = LetStmtNode::make(out2->data, call(DataType::Handle(), Intrinsic::TensorData, {h2}), body);
  body = LetStmtNode::make(out->data, call(DataType::Handle(), Intrinsic::TensorData, {h1}), body);
  body = LetStmtNode::make(a->data, call(DataType::Handle(), Intrinsic::TensorData, {h0}), body);
  body = LetStmtNode::make(s1, stride(h0, 1), body);
  body = LetStmtNode::make(s0, stride(h0, 0), body);
  body = LetStmtNode::make(cols, call(DataType::Int(64), Intrinsic::TensorShape, {h0, i32(1)}), body);
  body = LetStmtNode::make(rows, call(DataType::Int(64), Intrinsic::TensorShape, {h0, i32(0)}), body);
  for (auto [h, n] : {std::pair{h2, 2}, {h1, 1}, {h0, 0}})
    body = LetStmtNode::make(h, call(DataType::Handle(), Intrinsic::ArgHandle, {i32(n)}), body);
  auto jit = jit_compile({LoweredFunc{"strided", {}, body, true, "llvm"}});

  // A transposed 3x5 view of a 5x3 row-major matrix, starting at element 2.
  std::vector<double> storage(40);
  for (size_t e = 0; e < storage.size(); ++e) storage[e] = static_cast<double>(e) * 1.5;
  std::vector<double> result(15, 0);
  std::vector<int64_t> strides_seen(4, -7);
  Args args;
  args.tensor(storage.data(), f64, {3, 5}, {1, 3}, 2 * sizeof(double));
  args.tensor(result.data(), f64, {15});
  args.tensor(strides_seen.data(), i64, {4});
  ASSERT_EQ(args.run(get_kernel(*jit, "strided")), 0) << tessera_last_error();
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 5; ++c) {
      double v = storage[2 + r * 1 + c * 3];
      EXPECT_EQ(result[r * 5 + c], c < 2 ? v : -v) << r << "," << c;
    }
  EXPECT_EQ(strides_seen, (std::vector<int64_t>{1, 3, 0, 0}));
}

TEST(CodegenLLVM, LocalAndWorkspaceAllocations) {
  const DataType f32 = DataType::Float(32);
  Kernel1D k("alloc", {f32, f32});
  // Stack: tmp[16] per block holds a*2; the block's output is tmp reversed.
  Buffer tmp = Buffer::make("tmp", f32, {idx(16)}, {}, Expr(), "local");
  Var o("o"), j("j");
  Expr block = bin(BinaryOp::Mul, o, idx(16));
  Stmt fill = ForNode::make(j, idx(0), idx(16), ForKind::Serial,
                            StoreNode::make(tmp, bin(BinaryOp::Mul, k.load(0, bin(BinaryOp::Add, block, j)), make_const(f32, 2.0)), {j}));
  Stmt drain = k.store(1, LoadNode::make(tmp, {RampNode::make(idx(15), idx(-1), 16)}), RampNode::make(block, idx(1), 16));
  Stmt stack_part = ForNode::make(o, idx(0), bin(BinaryOp::Div, k.n(), idx(16)), ForKind::Serial,
                                  AllocateNode::make(tmp, SeqNode::make({fill, drain})));
  // Workspace: big[n] (symbolic size) holds out + 1; then out[i] = big[n - 1 - i].
  Buffer big = Buffer::make("big", f32, {k.n()}, {}, Expr(), "local");
  Var i("i"), m("m");
  Stmt ws_part = AllocateNode::make(
      big, SeqNode::make({ForNode::make(i, idx(0), k.n(), ForKind::Serial,
                                        StoreNode::make(big, bin(BinaryOp::Add, k.load(1, i), make_const(f32, 1.0)), {i})),
                          ForNode::make(m, idx(0), k.n(), ForKind::Serial,
                                        k.store(1, LoadNode::make(big, {bin(BinaryOp::Sub, bin(BinaryOp::Sub, k.n(), idx(1)), m)}), m))}));
  auto jit = jit_compile({k.finish(SeqNode::make({stack_part, ws_part}))});
  // Before optimization: a 64-byte aligned stack slot, a workspace, alias scopes. With
  // LLVM's full pipeline (which unrolls the fill loop) the stack buffer lives in registers.
  tessera::codegen::CodegenOptions unoptimized, full;
  unoptimized.opt_level = 0;
  full.opt_level = 3;
  std::string ir = tessera::codegen::emit_llvm_ir({k.finish(SeqNode::make({stack_part, ws_part}))}, CpuTarget::host(), unoptimized);
  EXPECT_NE(ir.find("alloca [64 x i8], align 64"), std::string::npos) << ir;
  EXPECT_NE(ir.find("tessera_workspace_alloc"), std::string::npos);
  EXPECT_NE(ir.find("!noalias"), std::string::npos);
  std::string optimized = tessera::codegen::emit_llvm_ir({k.finish(SeqNode::make({stack_part, ws_part}))}, CpuTarget::host(), full);
  EXPECT_EQ(optimized.find("= alloca"), std::string::npos) << optimized;

  const int64_t n = 16 * 40;
  std::vector<float> a(n), out(n);
  for (int64_t e = 0; e < n; ++e) a[e] = static_cast<float>(e % 97) - 30.f;
  Args args;
  args.tensor(a.data(), f32, {n});
  args.tensor(out.data(), f32, {n});
  ASSERT_EQ(args.run(get_kernel(*jit, "alloc")), 0) << tessera_last_error();
  for (int64_t e = 0; e < n; ++e) {
    int64_t src = n - 1 - e;  // after the workspace pass
    int64_t blk = src / 16, lane = src % 16;
    float stacked = a[blk * 16 + (15 - lane)] * 2;
    ASSERT_EQ(out[e], stacked + 1) << e;
  }
}

TEST(CodegenLLVM, AssertFailureReportsMessage) {
  const DataType f32 = DataType::Float(32);
  Kernel1D k("checked", {f32});
  Buffer big = Buffer::make("scratch", f32, {k.n()}, {}, Expr(), "local");
  Stmt check = AssertNode::make(bin(BinaryOp::LT, k.n(), idx(5)),
                                {text("checked: n is "), k.n(), text(", expected < "), i32(5), text(" (bool "),
                                 bin(BinaryOp::GT, k.n(), idx(0)), text(")")});
  // The failing assert sits inside a workspace allocation, so the error path frees it.
  auto jit = jit_compile({k.finish(AllocateNode::make(big, check))});
  std::vector<float> a(10);
  Args args;
  args.tensor(a.data(), f32, {10});
  EXPECT_EQ(args.run(get_kernel(*jit, "checked")), -1);
  EXPECT_STREQ(tessera_last_error(), "checked: n is 10, expected < 5 (bool 1)");
  Args ok;
  ok.tensor(a.data(), f32, {3});
  EXPECT_EQ(ok.run(get_kernel(*jit, "checked")), 0);
}

// ---- parallel loops -----------------------------------------------------------------------

TEST(CodegenLLVM, ParallelLoops) {
  const DataType i64 = DataType::Int(64), f32 = DataType::Float(32);
  // out[i] = a[i] * 3 + i + k (k a scalar argument), over a parallel loop.
  Kernel1D k1("par_scalar", {i64, i64});
  Var i("i"), kv("k");
  Stmt body1 = ForNode::make(i, idx(0), k1.n(), ForKind::Parallel,
                             k1.store(1, bin(BinaryOp::Add, bin(BinaryOp::Add, bin(BinaryOp::Mul, k1.load(0, i), idx(3)), i), kv), i));
  LoweredFunc f1 = k1.finish(LetStmtNode::make(kv, call(i64, Intrinsic::ArgInt, {i32(2)}), body1));

  // Parallel blocks of 16 lanes with a per-block stack buffer, plus a serial tail.
  Kernel1D k2("par_vector", {f32, f32});
  Var o("o"), t("t");
  Buffer tmp = Buffer::make("tmp", f32, {idx(16)}, {}, Expr(), "local");
  Expr ramp = RampNode::make(bin(BinaryOp::Mul, o, idx(16)), idx(1), 16);
  Expr blocks = bin(BinaryOp::Div, k2.n(), idx(16));
  Stmt block = AllocateNode::make(
      tmp, SeqNode::make({StoreNode::make(tmp, bin(BinaryOp::Add, bin(BinaryOp::Mul, k2.load(0, ramp), make_const(f32.with_lanes(16), 2.0)),
                                                   make_const(f32.with_lanes(16), 1.0)),
                                          {RampNode::make(idx(0), idx(1), 16)}),
                          k2.store(1, LoadNode::make(tmp, {RampNode::make(idx(0), idx(1), 16)}), ramp)}));
  Expr tail = bin(BinaryOp::Mul, blocks, idx(16));
  Stmt body2 = SeqNode::make({ForNode::make(o, idx(0), blocks, ForKind::Parallel, block),
                              ForNode::make(t, tail, bin(BinaryOp::Sub, k2.n(), tail), ForKind::Serial,
                                            k2.store(1, bin(BinaryOp::Add, bin(BinaryOp::Mul, k2.load(0, t), make_const(f32, 2.0)),
                                                            make_const(f32, 1.0)), t))});
  LoweredFunc f2 = k2.finish(body2);

  // A parallel loop whose body fails at one element, on whichever thread runs it.
  Kernel1D k3("par_fail", {i64});
  Var p("p");
  Stmt body3 = ForNode::make(p, idx(0), k3.n(), ForKind::Parallel,
                             AssertNode::make(bin(BinaryOp::NE, k3.load(0, p), idx(-1)), {text("bad element "), p}));
  LoweredFunc f3 = k3.finish(body3);

  auto jit = jit_compile({f1, f2, f3});
  const int64_t n = 1000003;
  std::vector<int64_t> a(n), out(n, 0);
  for (int64_t e = 0; e < n; ++e) a[e] = (e * 7919) % 10007 - 5000;
  Args args1;
  args1.tensor(a.data(), i64, {n});
  args1.tensor(out.data(), i64, {n});
  args1.integer(42);
  ASSERT_EQ(args1.run(get_kernel(*jit, "par_scalar")), 0) << tessera_last_error();
  int64_t wrong = 0;
  for (int64_t e = 0; e < n; ++e) wrong += out[e] != a[e] * 3 + e + 42;
  EXPECT_EQ(wrong, 0);

  std::vector<float> fa(n), fout(n, 0);
  for (int64_t e = 0; e < n; ++e) fa[e] = static_cast<float>(e % 1013) * 0.25f;
  Args args2;
  args2.tensor(fa.data(), f32, {n});
  args2.tensor(fout.data(), f32, {n});
  ASSERT_EQ(args2.run(get_kernel(*jit, "par_vector")), 0) << tessera_last_error();
  wrong = 0;
  for (int64_t e = 0; e < n; ++e) wrong += fout[e] != fa[e] * 2 + 1;
  EXPECT_EQ(wrong, 0);

  std::vector<int64_t> marks(n, 0);
  marks[777777] = -1;
  Args args3;
  args3.tensor(marks.data(), i64, {n});
  EXPECT_EQ(args3.run(get_kernel(*jit, "par_fail")), -1);
  EXPECT_STREQ(tessera_last_error(), "bad element 777777");
}

// ---- compilation --------------------------------------------------------------------------

LoweredFunc small_add(const std::string& name) {
  const DataType f32 = DataType::Float(32);
  return elementwise(name, {f32, f32}, f32, 16, [](const std::vector<Expr>& x) { return bin(BinaryOp::Add, x[0], x[1]); });
}

TEST(CodegenLLVM, JitTimeOfSmallKernel) {
  jit_compile({small_add("warm")});  // LLVM's one-time initialization
  std::vector<double> ms;
  for (int r = 0; r < 5; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    auto m = jit_compile({small_add("add" + std::to_string(r))});
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    ASSERT_NE(m->lookup("add" + std::to_string(r)), nullptr);
  }
  std::sort(ms.begin(), ms.end());
  std::cout << "[ info ] jit_compile of a float32 add kernel: median " << ms[2] << " ms\n";
  RecordProperty("jit_ms_median", std::to_string(ms[2]));
}

TEST(CodegenLLVM, JitFromSeveralThreads) {
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([t, &ok] {
      auto m = jit_compile({small_add("t" + std::to_string(t))});
      std::vector<float> a(100, static_cast<float>(t)), b(100, 1.0f), c(100, 0);
      Args args;
      args.tensor(a.data(), DataType::Float(32), {100});
      args.tensor(b.data(), DataType::Float(32), {100});
      args.tensor(c.data(), DataType::Float(32), {100});
      ok[t] = args.run(m->lookup("t" + std::to_string(t))) == 0 && c[99] == static_cast<float>(t) + 1;
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok, std::vector<int>(4, 1));
}

// A module that exercises most of the backend, for object emission.
std::vector<LoweredFunc> feature_module() {
  const DataType f32 = DataType::Float(32), f64 = DataType::Float(64), f16 = DataType::Float(16), bf = DataType::BFloat16();
  std::vector<LoweredFunc> funcs;
  funcs.push_back(elementwise("math32", {f32, f32}, f32, 16, [](const std::vector<Expr>& x) {
    return bin(BinaryOp::Add, call(x[0].type(), Intrinsic::Exp, {x[0]}), call(x[0].type(), Intrinsic::Pow, {x[0], x[1]}));
  }));
  funcs.push_back(elementwise("math64", {f64}, f64, 8, [](const std::vector<Expr>& x) { return call(x[0].type(), Intrinsic::Tanh, {x[0]}); }));
  funcs.push_back(elementwise("half", {f16, bf}, f16, 8, [f16](const std::vector<Expr>& x) {
    return bin(BinaryOp::Mul, x[0], CastNode::make(f16.with_lanes(x[1].type().lanes), x[1]));
  }));
  funcs.push_back(elementwise("div64", {DataType::Int(64), DataType::Int(64)}, DataType::Int(64), 4,
                              [](const std::vector<Expr>& x) { return bin(BinaryOp::Mod, x[0], x[1]); }));
  Kernel1D k("par", {f32});
  Var i("i");
  funcs.push_back(k.finish(ForNode::make(i, idx(0), k.n(), ForKind::Parallel,
                                         k.store(0, call(f32, Intrinsic::Sin, {k.load(0, i)}), i))));
  return funcs;
}

void expect_elf(const std::vector<uint8_t>& obj, uint16_t machine) {
  ASSERT_GT(obj.size(), 64u);
  EXPECT_EQ(std::memcmp(obj.data(), "\x7f" "ELF", 4), 0);
  uint16_t e_machine;
  std::memcpy(&e_machine, obj.data() + 18, 2);
  EXPECT_EQ(e_machine, machine);
}

TEST(CodegenLLVM, EmitObjectForHostAndGenericTargets) {
  constexpr uint16_t kX86_64 = 62, kAArch64 = 183;
  expect_elf(tessera::codegen::emit_object(feature_module()), kX86_64);
  expect_elf(tessera::codegen::emit_object(feature_module(), CpuTarget::generic_x86_64()), kX86_64);
  expect_elf(tessera::codegen::emit_object(feature_module(), CpuTarget::generic_aarch64()), kAArch64);
  std::string arm_ir = tessera::codegen::emit_llvm_ir(feature_module(), CpuTarget::generic_aarch64());
  EXPECT_EQ(arm_ir.find("_ZGV"), std::string::npos);  // no libmvec there: per-lane libm
  EXPECT_NE(arm_ir.find("expf"), std::string::npos);
}

TEST(CodegenLLVM, HostTargetDescription) {
  CpuTarget host = CpuTarget::host();
  EXPECT_FALSE(host.triple.empty());
  EXPECT_FALSE(host.cpu.empty());
  EXPECT_TRUE(host.has_feature("sse2"));
  EXPECT_GE(host.vector_bits(), 128);
  EXPECT_EQ(CpuTarget::generic_x86_64().vector_bits(), 128);
  EXPECT_FALSE(CpuTarget::generic_x86_64().has_feature("avx"));
}

TEST(CodegenLLVM, RejectsBadInput) {
  LoweredFunc unpacked = small_add("unpacked");
  unpacked.packed = false;
  EXPECT_THROW(jit_compile({unpacked}), IRError);
  Kernel1D k("unbound", {DataType::Float(32)});
  Var stray("stray");
  EXPECT_THROW(jit_compile({k.finish(k.store(0, make_const(DataType::Float(32), 1.0), stray))}), IRError);
  EXPECT_THROW(jit_compile({small_add("twice"), small_add("twice")}), IRError);
  EXPECT_THROW(jit_compile({small_add("arm")}, CpuTarget::generic_aarch64()), std::runtime_error);
  // A kernel may not take the name of a C math function it calls.
  EXPECT_THROW(jit_compile({elementwise("expf", {DataType::Float(32)}, DataType::Float(32), 1,
                                        [](const std::vector<Expr>& x) { return call(x[0].type(), Intrinsic::Exp, {x[0]}); })}),
               IRError);
}

}  // namespace
