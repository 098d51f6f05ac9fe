// Expression nodes of the IR.
//
// Nodes are immutable and reference counted; build them with the static make() functions,
// which check invariants and throw tessera::ir::IRError when one is violated. A Var is
// identified by its node's address, never by its name.
//
// Semantics (shared by the LLVM and CUDA code generators and the reference interpreter):
// - Integer +, -, * wrap modulo 2^bits (NumPy). Div is floor division, Mod is floor modulo
//   (the result has the divisor's sign). Integer division or modulo by zero gives 0;
//   INT_MIN / -1 wraps to INT_MIN.
// - Shl/Shr shift by the right operand; a shift amount that is negative or >= bits gives 0
//   for Shl and for Shr of unsigned or non-negative values, and -1 for Shr of negative
//   signed values (NumPy's left_shift/right_shift).
// - Float arithmetic is IEEE-754 with round-to-nearest, no fast-math reassociation.
//   Float Div is true division; float Mod is NumPy's remainder (sign of divisor).
//   Min/Max propagate NaN; Max(a, b) = (a >= b || isnan(a)) ? a : b, Min likewise.
//   Comparisons involving NaN are false except NE, which is true.
// - float16 and bfloat16 values are computed in float32 and rounded (to nearest even)
//   when cast or stored, unless the producer explicitly computes in 16 bits.
// - And/Or are logical on Bool; BitAnd/BitOr/BitXor are bitwise on integers and Bool.
// - Operands are evaluated left to right; there are no side effects in expressions.
// - Vector types (lanes > 1) only appear after vectorization: Ramp and Broadcast make
//   them, and binary operands must have equal lanes.
#pragma once
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "tessera/ir/type.h"

namespace tessera::ir {

// Thrown by make() when an invariant fails, and by passes on malformed IR.
class IRError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class ExprKind : uint8_t {
  IntImm, FloatImm, StringImm, Var, Cast, Binary, Select, Call, Load, Ramp, Broadcast, Let, Reduce,
};

struct ExprNode {
  const ExprKind kind;
  const DataType type;
  ExprNode(ExprKind k, DataType t) : kind(k), type(t) {}
  virtual ~ExprNode() = default;
};

class Expr {
 public:
  Expr() = default;
  Expr(std::shared_ptr<const ExprNode> n) : node_(std::move(n)) {}  // NOLINT
  // Literals: an int becomes an int64 constant, a double a float64 constant.
  Expr(int v);      // NOLINT
  Expr(int64_t v);  // NOLINT
  Expr(double v);   // NOLINT

  // Not `node_ != nullptr`: that instantiates shared_ptr's `!node_`, which is ambiguous
  // with tessera::ir::operator!(const Expr&) found by argument-dependent lookup.
  bool defined() const { return static_cast<bool>(node_); }
  const ExprNode* get() const { return node_.get(); }
  const ExprNode* operator->() const { return node_.get(); }
  DataType type() const { return node_->type; }
  ExprKind kind() const { return node_->kind; }
  bool same_as(const Expr& o) const { return node_ == o.node_; }
  const std::shared_ptr<const ExprNode>& ptr() const { return node_; }

  // Downcast; nullptr when the node is of another kind.
  template <class T>
  const T* as() const {
    return node_ && node_->kind == T::kKind ? static_cast<const T*>(node_.get()) : nullptr;
  }

 private:
  std::shared_ptr<const ExprNode> node_;
};

// ---- leaves ------------------------------------------------------------------------------

struct IntImmNode : ExprNode {
  static constexpr ExprKind kKind = ExprKind::IntImm;
  const int64_t value;  // uint64 values are stored as their bit pattern
  IntImmNode(DataType t, int64_t v) : ExprNode(kKind, t), value(v) {}
  // Type must be scalar Int, UInt or Bool; the value is wrapped to the type's width.
  static Expr make(DataType t, int64_t value);
};

struct FloatImmNode : ExprNode {
  static constexpr ExprKind kKind = ExprKind::FloatImm;
  const double value;
  FloatImmNode(DataType t, double v) : ExprNode(kKind, t), value(v) {}
  static Expr make(DataType t, double value);
};

// Only used for messages (Assert) and call attributes.
struct StringImmNode : ExprNode {
  static constexpr ExprKind kKind = ExprKind::StringImm;
  const std::string value;
  StringImmNode(std::string v) : ExprNode(kKind, DataType::Handle()), value(std::move(v)) {}
  static Expr make(std::string value);
};

struct VarNode : ExprNode {
  static constexpr ExprKind kKind = ExprKind::Var;
  const std::string name;
  VarNode(DataType t, std::string n) : ExprNode(kKind, t), name(std::move(n)) {}
};

// A variable handle. Two Vars are the same variable iff they share a node.
class Var : public Expr {
 public:
  Var() = default;
  explicit Var(std::string name, DataType t = DataType::Index());
  explicit Var(std::shared_ptr<const VarNode> n) : Expr(std::move(n)) {}
  const VarNode* get() const { return static_cast<const VarNode*>(Expr::get()); }
  const VarNode* operator->() const { return get(); }
  const std::string& name() const { return get()->name; }
  // The Var an Expr holds; throws IRError if the Expr is not a Var.
  static Var from(const Expr& e);
};

// ---- operators ---------------------------------------------------------------------------

struct CastNode : ExprNode {
  static constexpr ExprKind kKind = ExprKind::Cast;
  const Expr value;
  CastNode(DataType t, Expr v) : ExprNode(kKind, t), value(std::move(v)) {}
  // Lanes of t and value must match. Float->int casts truncate toward zero; out-of-range
  // and NaN give an unspecified (but never trapping) value. Any->Bool is "!= 0".
  static Expr make(DataType t, Expr value);
};

enum class BinaryOp : uint8_t {
  Add, Sub, Mul, Div, Mod, Min, Max,
  EQ, NE, LT, LE, GT, GE,
  And, Or,
  BitAnd, BitOr, BitXor, Shl, Shr,
};
const char* to_string(BinaryOp op);
bool is_comparison(BinaryOp op);

struct BinaryNode : ExprNode {
  static constexpr ExprKind kKind = ExprKind::Binary;
  const BinaryOp op;
  const Expr a, b;
  BinaryNode(DataType t, BinaryOp o, Expr x, Expr y)
      : ExprNode(kKind, t), op(o), a(std::move(x)), b(std::move(y)) {}
  // Operand types must be equal. Comparisons give Bool with the operands' lanes;
  // And/Or need Bool operands; bit operations need integer or Bool operands.
  static Expr make(BinaryOp op, Expr a, Expr b);
};

struct SelectNode : ExprNode {
  static constexpr ExprKind kKind = ExprKind::Select;
  const Expr cond, true_value, false_value;
  SelectNode(DataType t, Expr c, Expr tv, Expr fv)
      : ExprNode(kKind, t), cond(std::move(c)), true_value(std::move(tv)), false_value(std::move(fv)) {}
  // cond is Bool (scalar, or with the values' lanes). Both values are evaluated.
  static Expr make(Expr cond, Expr true_value, Expr false_value);
};

// Pure built-in functions. Math functions take and return floats of one type; the
// predicates (IsNan, ...) return Bool.
enum class Intrinsic : uint8_t {
  // unary arithmetic
  Neg, Abs, BitNot, LogicalNot,
  // float math
  Exp, Exp2, Expm1, Log, Log2, Log10, Log1p, Sqrt,
  Sin, Cos, Tan, Asin, Acos, Atan, Sinh, Cosh, Tanh, Asinh, Acosh, Atanh,
  Floor, Ceil, Trunc, Round,  // Round is half-to-even
  Atan2, Pow, Hypot, Copysign, Nextafter, Fmod, Fma,
  IsNan, IsInf, IsFinite, Signbit,
  // integer power with wrapping (exponent >= 0; negative exponent gives 0 except base +-1)
  IPow,
  // Kernel-argument access, produced by the kernel-API pass and consumed by codegen:
  // ArgHandle(i) -> handle, ArgInt(i) -> int64, ArgFloat(i) -> float64, ArgTypeCode(i) -> int32,
  // ArgCount() -> int32 (the call's num_args; no operands)
  ArgHandle, ArgInt, ArgFloat, ArgTypeCode, ArgCount,
  // DLTensor field access on a handle: TensorData(h) -> handle, TensorNDim(h) -> int32,
  // TensorShape(h, i) -> int64, TensorStride(h, i) -> int64 (0 when strides is NULL),
  // TensorHasStrides(h) -> bool, TensorDTypeCode/Bits/Lanes(h) -> int32,
  // TensorDeviceType(h) -> int32, TensorByteOffset(h) -> int64
  TensorData, TensorNDim, TensorShape, TensorStride, TensorHasStrides,
  TensorDTypeCode, TensorDTypeBits, TensorDTypeLanes, TensorDeviceType, TensorByteOffset,
  // Assert message parts that print names: FormatDType(code | bits << 8 | lanes << 16) prints
  // "float32", FormatDevice(device_type) prints "cuda"; both are int64 values elsewhere.
  FormatDType, FormatDevice,
  Reinterpret,  // bit cast between types of equal total width
  // Streaming (non-temporal) stores, see StoreHint (no operands):
  // StreamingStoreBytes() -> int64: output size in bytes from which streaming pays off on
  //   this machine (the runtime's tessera_streaming_store_bytes(); INT64_MAX means never).
  // StoreFence() -> int32 (always 0): orders earlier streaming stores before later memory
  //   operations; an effect, used as an Evaluate statement.
  StreamingStoreBytes, StoreFence,
  // TransposeLane(i, v_0, ..., v_{L-1}) -> the vector whose lane k is lane i of v_k: column i
  // of the L x L tile whose rows are the L vectors (each of L lanes, one type; i a constant).
  // The L calls of one tile are its transpose; the LLVM code generator emits each as a tree
  // of two-vector shuffles that the calls share (L log2 L shuffles per tile, L a power of 2).
  TransposeLane,
};
const char* to_string(Intrinsic op);

struct CallNode : ExprNode {
  static constexpr ExprKind kKind = ExprKind::Call;
  const Intrinsic op;
  const std::vector<Expr> args;
  CallNode(DataType t, Intrinsic o, std::vector<Expr> a)
      : ExprNode(kKind, t), op(o), args(std::move(a)) {}
  // Checks arity and operand types of op; t is the result type.
  static Expr make(DataType t, Intrinsic op, std::vector<Expr> args);
};

class Buffer;  // buffer.h

// Reads buffer[indices...]. Before flattening there is one index per buffer dimension;
// after flattening a single element index into the 1-D buffer (vector index -> lanes > 1).
struct LoadNode : ExprNode {
  static constexpr ExprKind kKind = ExprKind::Load;
  const std::shared_ptr<const struct BufferNode> buffer;
  const std::vector<Expr> indices;
  LoadNode(DataType t, std::shared_ptr<const BufferNode> b, std::vector<Expr> idx)
      : ExprNode(kKind, t), buffer(std::move(b)), indices(std::move(idx)) {}
  static Expr make(const Buffer& buffer, std::vector<Expr> indices);
};

// base, base+stride, ..., base+(lanes-1)*stride
struct RampNode : ExprNode {
  static constexpr ExprKind kKind = ExprKind::Ramp;
  const Expr base, stride;
  const int lanes;
  RampNode(DataType t, Expr b, Expr s, int l)
      : ExprNode(kKind, t), base(std::move(b)), stride(std::move(s)), lanes(l) {}
  static Expr make(Expr base, Expr stride, int lanes);
};

struct BroadcastNode : ExprNode {
  static constexpr ExprKind kKind = ExprKind::Broadcast;
  const Expr value;
  const int lanes;
  BroadcastNode(DataType t, Expr v, int l) : ExprNode(kKind, t), value(std::move(v)), lanes(l) {}
  static Expr make(Expr value, int lanes);
};

struct LetNode : ExprNode {
  static constexpr ExprKind kKind = ExprKind::Let;
  const Var var;
  const Expr value, body;
  LetNode(DataType t, Var v, Expr val, Expr b)
      : ExprNode(kKind, t), var(std::move(v)), value(std::move(val)), body(std::move(b)) {}
  static Expr make(Var var, Expr value, Expr body);
};

// ---- reductions (front-end only: lowering replaces them with loops) -----------------------

struct Range {
  Expr min, extent;
  Range() = default;
  Range(Expr m, Expr e) : min(std::move(m)), extent(std::move(e)) {}
};

enum class IterKind : uint8_t { DataPar, Reduce, Opaque };

// A loop axis of a compute stage: a variable with its domain.
struct IterVarNode {
  Var var;
  Range dom;
  IterKind kind;
};
using IterVar = std::shared_ptr<const IterVarNode>;
IterVar make_iter_var(Range dom, const std::string& name, IterKind kind);

// A commutative, associative combiner over a tuple of values, e.g. sum: (x, y) -> x + y,
// identity 0; argmax: ((v0, i0), (v1, i1)) -> v1 > v0 ? (v1, i1) : (v0, i0).
struct CommReducerNode {
  std::vector<Var> lhs, rhs;
  std::vector<Expr> result;    // in terms of lhs and rhs
  std::vector<Expr> identity;  // one per tuple element
};
using CommReducer = std::shared_ptr<const CommReducerNode>;

struct ReduceNode : ExprNode {
  static constexpr ExprKind kKind = ExprKind::Reduce;
  const CommReducer combiner;
  const std::vector<Expr> source;  // one per tuple element
  const std::vector<IterVar> axes;
  const Expr condition;            // Bool; elements where it is false are skipped
  const int value_index;           // which tuple element this expression yields
  ReduceNode(DataType t, CommReducer c, std::vector<Expr> s, std::vector<IterVar> ax, Expr cond,
             int vi)
      : ExprNode(kKind, t), combiner(std::move(c)), source(std::move(s)), axes(std::move(ax)),
        condition(std::move(cond)), value_index(vi) {}
  static Expr make(CommReducer combiner, std::vector<Expr> source, std::vector<IterVar> axes,
                   Expr condition, int value_index);
};

// ---- helpers -----------------------------------------------------------------------------

Expr make_const(DataType t, int64_t v);   // IntImm or FloatImm (or Broadcast of one)
Expr make_const(DataType t, double v);
Expr make_zero(DataType t);
Expr make_bool(bool v);
// Constant value if e is an integer/bool constant (or a Broadcast of one).
const int64_t* as_const_int(const Expr& e);
bool is_const_int(const Expr& e, int64_t v);
// Largest and smallest finite/representable values of a scalar type, as an Expr.
Expr max_value(DataType t);
Expr min_value(DataType t);

// Operators and math functions that build expressions live in tessera/ir/op.h.

}  // namespace tessera::ir
