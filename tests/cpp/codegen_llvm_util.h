// Shared helpers of the codegen_llvm_*_test.cpp files: building packed 1-D kernels with the
// IR API, calling them through the kernel ABI, and float16/bfloat16 reference conversions.
#pragma once
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

namespace codegen_llvm_test {

using namespace tessera::ir;
using tessera::codegen::CpuTarget;
using tessera::codegen::JitModule;
using tessera::codegen::jit_compile;

// ---- building packed kernels --------------------------------------------------------------

inline Expr idx(int64_t v) { return make_const(DataType::Index(), v); }
inline Expr i32(int64_t v) { return make_const(DataType::Int(32), v); }
inline Expr text(const std::string& s) { return StringImmNode::make(s); }
inline Expr call(DataType t, Intrinsic op, std::vector<Expr> args) { return CallNode::make(t, op, std::move(args)); }
inline Expr bin(BinaryOp op, const Expr& a, const Expr& b) { return BinaryNode::make(op, a, b); }

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
inline LoweredFunc elementwise(const std::string& name, const std::vector<DataType>& ins, DataType out_type,
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

inline TesseraKernelFn get_kernel(const JitModule& m, const std::string& name) {
  TesseraKernelFn fn = m.lookup(name);
  if (!fn) throw std::runtime_error("kernel " + name + " not found");
  return fn;
}

// Runs the kernel on the given input arrays and a fresh output array of n elements.
inline Array run_elementwise(const JitModule& m, const std::string& name, std::vector<Array*> ins, DataType out_type) {
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
inline const char* op_name(BinaryOp op) {
  static const char* names[] = {"add", "sub", "mul", "div", "mod", "min", "max", "eq", "ne", "lt",
                                "le", "gt", "ge", "and", "or", "bitand", "bitor", "bitxor", "shl", "shr"};
  return names[static_cast<int>(op)];
}

// ---- float16 and bfloat16 -----------------------------------------------------------------

inline uint16_t half_bits(_Float16 h) { return std::bit_cast<uint16_t>(h); }
inline _Float16 half_from(uint16_t b) { return std::bit_cast<_Float16>(b); }
inline float bf16_to_float(uint16_t b) { return std::bit_cast<float>(static_cast<uint32_t>(b) << 16); }

// Round to nearest even, written with an explicit tie test.
inline uint16_t ref_float_to_bf16(float f) {
  uint32_t bits = std::bit_cast<uint32_t>(f);
  if (std::isnan(f)) return static_cast<uint16_t>((bits >> 16) | 0x40);
  uint32_t hi = bits >> 16, lo = bits & 0xFFFF;
  if (lo > 0x8000 || (lo == 0x8000 && (hi & 1))) ++hi;
  return static_cast<uint16_t>(hi);
}

inline uint16_t ref_double_to_bf16(double d) {
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

}  // namespace codegen_llvm_test
