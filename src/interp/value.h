// Lane values of the reference interpreter and the scalar semantics of tessera/ir/expr.h.
//
// A Value holds one Lane per vector lane. Int lanes are kept sign-extended and UInt lanes
// zero-extended from the type's width (so int64 comparisons and uint64 comparisons on the
// stored words are right), Bool lanes are 0 or 1, float lanes are doubles already rounded
// to the lane type (float32, float16, bfloat16 or float64), and handles are pointers.
// Every operation wraps or rounds its result to the type, so a value never holds
// anything its type cannot represent.
#pragma once
#include <cstdint>
#include <vector>

#include "tessera/ir/expr.h"

namespace tessera::interp {

union Lane {
  int64_t i;
  uint64_t u;
  double f;
  void* p;
};

class Value {
 public:
  // All lanes zero.
  Value() : Value(ir::DataType()) {}
  explicit Value(ir::DataType type) : type_(type) {
    if (type.lanes > kInline) heap_.resize(type.lanes);
    for (Lane& l : inline_) l.u = 0;
  }
  ir::DataType type() const { return type_; }
  int lanes() const { return type_.lanes; }
  Lane& operator[](int lane) { return data()[lane]; }
  const Lane& operator[](int lane) const { return data()[lane]; }
  // Lane `lane`, or lane 0 of a scalar (scalars broadcast against vectors).
  const Lane& at_or_scalar(int lane) const { return data()[type_.lanes == 1 ? 0 : lane]; }

 private:
  static constexpr int kInline = 16;  // covers float32x16 without a heap allocation
  Lane* data() { return type_.lanes > kInline ? heap_.data() : inline_; }
  const Lane* data() const { return type_.lanes > kInline ? heap_.data() : inline_; }

  ir::DataType type_;
  Lane inline_[kInline];
  std::vector<Lane> heap_;
};

// ---- scalar conversions ----------------------------------------------------------------

// v wrapped to an Int/UInt type's width (Bool: v != 0).
int64_t wrap_int(int64_t v, ir::DataType t);
// v rounded to nearest-even in a float type; bfloat16 goes through float32 first.
double round_float(double v, ir::DataType t);
// IEEE binary16: correctly rounded from double (ties to even, overflow to inf, NaN kept).
uint16_t float16_bits(double v);
double float16_value(uint16_t bits);
// bfloat16: the float32 bits rounded to nearest-even; NaN stays a (quiet) NaN.
uint16_t bfloat16_bits(float v);
double bfloat16_value(uint16_t bits);
// A lane as a double (integers converted exactly where possible).
double to_double(const Lane& lane, ir::DataType t);

// ---- memory ----------------------------------------------------------------------------

// Element of scalar type t at src (Bool is one byte); throws IRError for widths the
// interpreter cannot store.
Lane load_lane(ir::DataType t, const void* src);
void store_lane(ir::DataType t, const Lane& lane, void* dst);

// ---- operations (lane-wise; operand lanes already match) ---------------------------------

Value cast(ir::DataType to, const Value& v);
Value reinterpret(ir::DataType to, const Value& v);
Value binary(ir::BinaryOp op, const Value& a, const Value& b);
// Pure intrinsics (math, predicates, Neg/Abs/BitNot/LogicalNot, IPow, Reinterpret) with
// result type `result`; throws IRError for the argument and tensor intrinsics.
Value call_pure(ir::Intrinsic op, ir::DataType result, const std::vector<Value>& args);

}  // namespace tessera::interp
