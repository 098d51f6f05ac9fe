// Expression constructors: each make() checks the invariants stated in expr.h.
#include "tessera/ir/expr.h"

#include <cfloat>
#include <cmath>
#include <limits>

#include "tessera/ir/buffer.h"

namespace tessera::ir {

namespace {

[[noreturn]] void fail(const std::string& node, const std::string& msg) {
  throw IRError(node + ": " + msg);
}

void require_defined(const std::string& node, const Expr& e, const char* what) {
  if (!e.defined()) fail(node, std::string(what) + " is undefined");
}

std::string ty(const Expr& e) { return e.type().str(); }

// Rounds v to a binary float with `digits` significant bits, subnormal spacing
// 2^min_exp and largest finite value max_finite (round to nearest even, overflow -> inf).
double round_to_format(double v, int digits, int min_exp, double max_finite) {
  if (!std::isfinite(v) || v == 0) return v;
  int e = 0;
  std::frexp(v, &e);
  double quantum = std::ldexp(1.0, std::max(e - digits, min_exp));
  double r = std::nearbyint(v / quantum) * quantum;
  if (std::fabs(r) > max_finite) return std::copysign(INFINITY, v);
  return r;
}

int64_t wrap_int(DataType t, int64_t v) {
  if (t.is_bool()) return v != 0 ? 1 : 0;
  if (t.bits >= 64) return v;
  uint64_t mask = (uint64_t{1} << t.bits) - 1;
  uint64_t u = static_cast<uint64_t>(v) & mask;
  if (t.is_int() && (u >> (t.bits - 1)) != 0) u |= ~mask;  // sign-extend
  return static_cast<int64_t>(u);
}

}  // namespace

// ---- literals and leaves ----------------------------------------------------------------

Expr::Expr(int v) : Expr(IntImmNode::make(DataType::Int(64), v)) {}
Expr::Expr(int64_t v) : Expr(IntImmNode::make(DataType::Int(64), v)) {}
Expr::Expr(double v) : Expr(FloatImmNode::make(DataType::Float(64), v)) {}

Expr IntImmNode::make(DataType t, int64_t value) {
  if (!t.is_scalar() || !(t.is_integer() || t.is_bool()))
    fail("IntImm", "type must be a scalar int, uint or bool, got " + t.str());
  return Expr(std::make_shared<const IntImmNode>(t, wrap_int(t, value)));
}

Expr FloatImmNode::make(DataType t, double value) {
  if (!t.is_scalar() || !t.is_float())
    fail("FloatImm", "type must be a scalar float, got " + t.str());
  double v = value;
  if (t.is_bfloat16()) {
    v = round_to_format(value, 8, -133, 3.3895313892515355e38);
  } else if (t.bits == 16) {
    v = round_to_format(value, 11, -24, 65504.0);
  } else if (t.bits == 32) {
    v = static_cast<double>(static_cast<float>(value));
  } else if (t.bits != 64) {
    fail("FloatImm", "unsupported float width " + t.str());
  }
  return Expr(std::make_shared<const FloatImmNode>(t, v));
}

Expr StringImmNode::make(std::string value) {
  return Expr(std::make_shared<const StringImmNode>(std::move(value)));
}

Var::Var(std::string name, DataType t) : Expr(std::make_shared<const VarNode>(t, std::move(name))) {}

Var Var::from(const Expr& e) {
  if (!e.as<VarNode>()) {
    throw IRError("Var::from: expression is not a Var" +
                  std::string(e.defined() ? " (kind " + std::to_string(int(e.kind())) + ")" : ""));
  }
  return Var(std::static_pointer_cast<const VarNode>(e.ptr()));
}

// ---- operators --------------------------------------------------------------------------

Expr CastNode::make(DataType t, Expr value) {
  require_defined("Cast", value, "value");
  if (t.lanes != value.type().lanes)
    fail("Cast", "lanes differ: cannot cast " + ty(value) + " to " + t.str());
  if (t.is_handle() != value.type().is_handle())
    fail("Cast", "cannot cast " + ty(value) + " to " + t.str() + " (use Reinterpret)");
  if (t.code == TypeCode::Complex || value.type().code == TypeCode::Complex)
    fail("Cast", "complex types are not supported yet");
  return Expr(std::make_shared<const CastNode>(t, std::move(value)));
}

const char* to_string(BinaryOp op) {
  switch (op) {
    case BinaryOp::Add: return "+";
    case BinaryOp::Sub: return "-";
    case BinaryOp::Mul: return "*";
    case BinaryOp::Div: return "/";
    case BinaryOp::Mod: return "%";
    case BinaryOp::Min: return "min";
    case BinaryOp::Max: return "max";
    case BinaryOp::EQ: return "==";
    case BinaryOp::NE: return "!=";
    case BinaryOp::LT: return "<";
    case BinaryOp::LE: return "<=";
    case BinaryOp::GT: return ">";
    case BinaryOp::GE: return ">=";
    case BinaryOp::And: return "&&";
    case BinaryOp::Or: return "||";
    case BinaryOp::BitAnd: return "&";
    case BinaryOp::BitOr: return "|";
    case BinaryOp::BitXor: return "^";
    case BinaryOp::Shl: return "<<";
    case BinaryOp::Shr: return ">>";
  }
  return "?";
}

bool is_comparison(BinaryOp op) {
  switch (op) {
    case BinaryOp::EQ: case BinaryOp::NE: case BinaryOp::LT:
    case BinaryOp::LE: case BinaryOp::GT: case BinaryOp::GE: return true;
    default: return false;
  }
}

Expr BinaryNode::make(BinaryOp op, Expr a, Expr b) {
  std::string node = std::string("Binary(") + to_string(op) + ")";
  require_defined(node, a, "left operand");
  require_defined(node, b, "right operand");
  DataType t = a.type();
  if (t != b.type()) fail(node, "operand types differ: " + ty(a) + " vs " + ty(b));
  if (t.code == TypeCode::Complex) fail(node, "complex operands are not supported yet");
  if (t.is_handle() && op != BinaryOp::EQ && op != BinaryOp::NE)
    fail(node, "handle operands only support == and !=");
  DataType result = t;
  switch (op) {
    case BinaryOp::Add: case BinaryOp::Sub: case BinaryOp::Mul:
    case BinaryOp::Div: case BinaryOp::Mod:
      if (t.is_bool()) fail(node, "arithmetic on bool operands (" + t.str() + ")");
      break;
    case BinaryOp::Min: case BinaryOp::Max: break;
    case BinaryOp::EQ: case BinaryOp::NE: case BinaryOp::LT:
    case BinaryOp::LE: case BinaryOp::GT: case BinaryOp::GE:
      result = DataType::Bool(t.lanes);
      break;
    case BinaryOp::And: case BinaryOp::Or:
      if (!t.is_bool()) fail(node, "needs bool operands, got " + t.str());
      break;
    case BinaryOp::BitAnd: case BinaryOp::BitOr: case BinaryOp::BitXor:
      if (!t.is_integer() && !t.is_bool()) fail(node, "needs integer or bool operands, got " + t.str());
      break;
    case BinaryOp::Shl: case BinaryOp::Shr:
      if (!t.is_integer()) fail(node, "needs integer operands, got " + t.str());
      break;
  }
  return Expr(std::make_shared<const BinaryNode>(result, op, std::move(a), std::move(b)));
}

Expr SelectNode::make(Expr cond, Expr true_value, Expr false_value) {
  require_defined("Select", cond, "condition");
  require_defined("Select", true_value, "true value");
  require_defined("Select", false_value, "false value");
  DataType t = true_value.type();
  if (t != false_value.type())
    fail("Select", "value types differ: " + ty(true_value) + " vs " + ty(false_value));
  DataType c = cond.type();
  if (!c.is_bool() || (c.lanes != 1 && c.lanes != t.lanes))
    fail("Select", "condition must be bool with 1 or " + std::to_string(t.lanes) + " lanes, got " +
                       c.str());
  return Expr(std::make_shared<const SelectNode>(t, std::move(cond), std::move(true_value),
                                                 std::move(false_value)));
}

const char* to_string(Intrinsic op) {
  switch (op) {
    case Intrinsic::Neg: return "neg";
    case Intrinsic::Abs: return "abs";
    case Intrinsic::BitNot: return "bitnot";
    case Intrinsic::LogicalNot: return "logical_not";
    case Intrinsic::Exp: return "exp";
    case Intrinsic::Exp2: return "exp2";
    case Intrinsic::Expm1: return "expm1";
    case Intrinsic::Log: return "log";
    case Intrinsic::Log2: return "log2";
    case Intrinsic::Log10: return "log10";
    case Intrinsic::Log1p: return "log1p";
    case Intrinsic::Sqrt: return "sqrt";
    case Intrinsic::Sin: return "sin";
    case Intrinsic::Cos: return "cos";
    case Intrinsic::Tan: return "tan";
    case Intrinsic::Asin: return "asin";
    case Intrinsic::Acos: return "acos";
    case Intrinsic::Atan: return "atan";
    case Intrinsic::Sinh: return "sinh";
    case Intrinsic::Cosh: return "cosh";
    case Intrinsic::Tanh: return "tanh";
    case Intrinsic::Asinh: return "asinh";
    case Intrinsic::Acosh: return "acosh";
    case Intrinsic::Atanh: return "atanh";
    case Intrinsic::Floor: return "floor";
    case Intrinsic::Ceil: return "ceil";
    case Intrinsic::Trunc: return "trunc";
    case Intrinsic::Round: return "round";
    case Intrinsic::Atan2: return "atan2";
    case Intrinsic::Pow: return "pow";
    case Intrinsic::Hypot: return "hypot";
    case Intrinsic::Copysign: return "copysign";
    case Intrinsic::Nextafter: return "nextafter";
    case Intrinsic::Fmod: return "fmod";
    case Intrinsic::Fma: return "fma";
    case Intrinsic::IsNan: return "isnan";
    case Intrinsic::IsInf: return "isinf";
    case Intrinsic::IsFinite: return "isfinite";
    case Intrinsic::Signbit: return "signbit";
    case Intrinsic::IPow: return "ipow";
    case Intrinsic::ArgHandle: return "arg_handle";
    case Intrinsic::ArgInt: return "arg_int";
    case Intrinsic::ArgFloat: return "arg_float";
    case Intrinsic::ArgTypeCode: return "arg_type_code";
    case Intrinsic::ArgCount: return "arg_count";
    case Intrinsic::TensorData: return "tensor_data";
    case Intrinsic::TensorNDim: return "tensor_ndim";
    case Intrinsic::TensorShape: return "tensor_shape";
    case Intrinsic::TensorStride: return "tensor_stride";
    case Intrinsic::TensorHasStrides: return "tensor_has_strides";
    case Intrinsic::TensorDTypeCode: return "tensor_dtype_code";
    case Intrinsic::TensorDTypeBits: return "tensor_dtype_bits";
    case Intrinsic::TensorDTypeLanes: return "tensor_dtype_lanes";
    case Intrinsic::TensorDeviceType: return "tensor_device_type";
    case Intrinsic::TensorByteOffset: return "tensor_byte_offset";
    case Intrinsic::Reinterpret: return "reinterpret";
    case Intrinsic::FormatDType: return "dtype_name";
    case Intrinsic::FormatDevice: return "device_name";
    case Intrinsic::StreamingStoreBytes: return "streaming_store_bytes";
    case Intrinsic::StoreFence: return "store_fence";
    case Intrinsic::TransposeLane: return "transpose_lane";
  }
  return "?";
}

namespace {

// Operand and result rules of one intrinsic.
enum class CallShape {
  SameNumeric,   // all args one numeric type, result that type
  SameInteger,   // all args one integer (or bool) type, result that type
  SameBool,      // bool -> bool
  SameFloat,     // all args one float type, result that type
  FloatPredicate,  // float -> bool of the same lanes
  IntPower,      // two integers of one type
  ArgAccess,     // (scalar integer index) -> fixed result type
  NoOperand,     // () -> fixed result type
  TensorField,   // (handle) -> fixed result type
  TensorDim,     // (handle, scalar integer) -> fixed result type
  Reinterpret,
  TransposeLane,  // (constant lane, L vectors of L lanes and one type) -> that type
};

struct CallRule {
  CallShape shape;
  int arity;  // -1: checked by the shape
  DataType fixed_result;  // for ArgAccess/TensorField/TensorDim
};

CallRule rule_of(Intrinsic op) {
  using I = Intrinsic;
  switch (op) {
    case I::Neg: case I::Abs: return {CallShape::SameNumeric, 1, {}};
    case I::BitNot: return {CallShape::SameInteger, 1, {}};
    case I::LogicalNot: return {CallShape::SameBool, 1, {}};
    case I::Atan2: case I::Pow: case I::Hypot: case I::Copysign: case I::Nextafter: case I::Fmod:
      return {CallShape::SameFloat, 2, {}};
    case I::Fma: return {CallShape::SameFloat, 3, {}};
    case I::IsNan: case I::IsInf: case I::IsFinite: case I::Signbit:
      return {CallShape::FloatPredicate, 1, {}};
    case I::IPow: return {CallShape::IntPower, 2, {}};
    case I::ArgHandle: return {CallShape::ArgAccess, 1, DataType::Handle()};
    case I::ArgInt: return {CallShape::ArgAccess, 1, DataType::Int(64)};
    case I::ArgFloat: return {CallShape::ArgAccess, 1, DataType::Float(64)};
    case I::ArgTypeCode: return {CallShape::ArgAccess, 1, DataType::Int(32)};
    case I::ArgCount: return {CallShape::NoOperand, 0, DataType::Int(32)};
    case I::TensorData: return {CallShape::TensorField, 1, DataType::Handle()};
    case I::TensorNDim: return {CallShape::TensorField, 1, DataType::Int(32)};
    case I::TensorShape: return {CallShape::TensorDim, 2, DataType::Int(64)};
    case I::TensorStride: return {CallShape::TensorDim, 2, DataType::Int(64)};
    case I::TensorHasStrides: return {CallShape::TensorField, 1, DataType::Bool()};
    case I::TensorDTypeCode: case I::TensorDTypeBits: case I::TensorDTypeLanes:
    case I::TensorDeviceType:
      return {CallShape::TensorField, 1, DataType::Int(32)};
    case I::TensorByteOffset: return {CallShape::TensorField, 1, DataType::Int(64)};
    case I::Reinterpret: return {CallShape::Reinterpret, 1, {}};
    case I::FormatDType: case I::FormatDevice: return {CallShape::ArgAccess, 1, DataType::Int(64)};
    case I::StreamingStoreBytes: return {CallShape::NoOperand, 0, DataType::Int(64)};
    case I::StoreFence: return {CallShape::NoOperand, 0, DataType::Int(32)};
    case I::TransposeLane: return {CallShape::TransposeLane, -1, {}};
    default: return {CallShape::SameFloat, 1, {}};  // the unary float math functions
  }
}

}  // namespace

Expr CallNode::make(DataType t, Intrinsic op, std::vector<Expr> args) {
  std::string node = std::string("Call(") + to_string(op) + ")";
  CallRule rule = rule_of(op);
  if (rule.arity >= 0 && static_cast<int>(args.size()) != rule.arity)
    fail(node, "expects " + std::to_string(rule.arity) + " argument(s), got " +
                   std::to_string(args.size()));
  for (const Expr& a : args) require_defined(node, a, "argument");
  auto all_same = [&] {
    for (const Expr& a : args)
      if (a.type() != args[0].type())
        fail(node, "argument types differ: " + ty(args[0]) + " vs " + ty(a));
  };
  auto result_is = [&](DataType want) {
    if (t != want) fail(node, "result type must be " + want.str() + ", got " + t.str());
  };
  auto scalar_integer = [&](const Expr& e, const char* what) {
    if (!e.type().is_scalar() || !e.type().is_integer())
      fail(node, std::string(what) + " must be a scalar integer, got " + ty(e));
  };
  if (rule.shape == CallShape::NoOperand) {
    result_is(rule.fixed_result);
    return Expr(std::make_shared<const CallNode>(t, op, std::move(args)));
  }
  DataType a0 = args[0].type();
  switch (rule.shape) {
    case CallShape::NoOperand: break;
    case CallShape::SameNumeric:
      if (!(a0.is_integer() || a0.is_float())) fail(node, "needs a numeric argument, got " + a0.str());
      result_is(a0);
      break;
    case CallShape::SameInteger:
      if (!(a0.is_integer() || a0.is_bool()))
        fail(node, "needs an integer or bool argument, got " + a0.str());
      result_is(a0);
      break;
    case CallShape::SameBool:
      if (!a0.is_bool()) fail(node, "needs a bool argument, got " + a0.str());
      result_is(a0);
      break;
    case CallShape::SameFloat:
      all_same();
      if (!a0.is_float()) fail(node, "needs float arguments, got " + a0.str());
      result_is(a0);
      break;
    case CallShape::FloatPredicate:
      if (!a0.is_float()) fail(node, "needs a float argument, got " + a0.str());
      result_is(DataType::Bool(a0.lanes));
      break;
    case CallShape::IntPower:
      all_same();
      if (!a0.is_integer()) fail(node, "needs integer arguments, got " + a0.str());
      result_is(a0);
      break;
    case CallShape::ArgAccess:
      scalar_integer(args[0], "argument index");
      result_is(rule.fixed_result);
      break;
    case CallShape::TensorDim:
      scalar_integer(args[1], "dimension");
      [[fallthrough]];
    case CallShape::TensorField:
      if (!a0.is_handle()) fail(node, "needs a handle (DLTensor*) argument, got " + a0.str());
      result_is(rule.fixed_result);
      break;
    case CallShape::Reinterpret:
      if (t.bits * t.lanes != a0.bits * a0.lanes)
        fail(node, "total widths differ: " + a0.str() + " to " + t.str());
      break;
    case CallShape::TransposeLane: {
      const int64_t lanes = static_cast<int64_t>(args.size()) - 1;
      if (lanes < 2 || (lanes & (lanes - 1)) != 0)
        fail(node, "needs a power of two (at least 2) of vectors, got " + std::to_string(lanes));
      const int64_t* lane = as_const_int(args[0]);
      if (!lane || !a0.is_scalar() || *lane < 0 || *lane >= lanes)
        fail(node, "lane must be a constant in [0, " + std::to_string(lanes) + "), got " + ty(args[0]));
      const DataType row = args[1].type();
      if (row.lanes != lanes) fail(node, "vectors must have as many lanes as there are vectors, got " + row.str());
      for (size_t k = 2; k < args.size(); ++k)
        if (args[k].type() != row) fail(node, "vector types differ: " + row.str() + " vs " + ty(args[k]));
      result_is(row);
      break;
    }
  }
  return Expr(std::make_shared<const CallNode>(t, op, std::move(args)));
}

namespace {

// Lanes of a list of indices: all scalar, or vectors of one width (scalars allowed beside).
int index_lanes(const std::string& node, const std::vector<Expr>& indices) {
  int lanes = 1;
  for (const Expr& i : indices) {
    require_defined(node, i, "index");
    if (!i.type().is_integer()) fail(node, "index must be an integer, got " + ty(i));
    int l = i.type().lanes;
    if (l == 1) continue;
    if (lanes != 1 && l != lanes)
      fail(node, "vector indices have different lanes (" + std::to_string(lanes) + " vs " +
                     std::to_string(l) + ")");
    lanes = l;
  }
  return lanes;
}

void check_index_count(const std::string& node, const BufferNode* b, size_t count) {
  size_t ndim = b->shape.size();
  if (count != ndim && count != 1)
    fail(node, "buffer " + b->name + " has " + std::to_string(ndim) + " dimension(s) but got " +
                   std::to_string(count) + " index(es)");
}

}  // namespace

Expr LoadNode::make(const Buffer& buffer, std::vector<Expr> indices) {
  if (!buffer.defined()) fail("Load", "buffer is undefined");
  std::string node = "Load(" + buffer->name + ")";
  check_index_count(node, buffer.get(), indices.size());
  int lanes = index_lanes(node, indices);
  return Expr(std::make_shared<const LoadNode>(buffer->dtype.with_lanes(lanes), buffer.ptr(),
                                               std::move(indices)));
}

Expr RampNode::make(Expr base, Expr stride, int lanes) {
  require_defined("Ramp", base, "base");
  require_defined("Ramp", stride, "stride");
  if (base.type() != stride.type())
    fail("Ramp", "base and stride types differ: " + ty(base) + " vs " + ty(stride));
  if (!base.type().is_scalar() || !base.type().is_integer())
    fail("Ramp", "base must be a scalar integer, got " + ty(base));
  if (lanes < 2 || lanes > 65535) fail("Ramp", "lanes must be in [2, 65535], got " + std::to_string(lanes));
  DataType t = base.type().with_lanes(lanes);
  return Expr(std::make_shared<const RampNode>(t, std::move(base), std::move(stride), lanes));
}

Expr BroadcastNode::make(Expr value, int lanes) {
  require_defined("Broadcast", value, "value");
  if (!value.type().is_scalar()) fail("Broadcast", "value must be scalar, got " + ty(value));
  if (value.type().is_handle()) fail("Broadcast", "cannot broadcast a handle");
  if (lanes < 2 || lanes > 65535)
    fail("Broadcast", "lanes must be in [2, 65535], got " + std::to_string(lanes));
  DataType t = value.type().with_lanes(lanes);
  return Expr(std::make_shared<const BroadcastNode>(t, std::move(value), lanes));
}

Expr LetNode::make(Var var, Expr value, Expr body) {
  if (!var.defined()) fail("Let", "variable is undefined");
  require_defined("Let " + var.name(), value, "value");
  require_defined("Let " + var.name(), body, "body");
  if (value.type() != var.type())
    fail("Let " + var.name(), "value type " + ty(value) + " differs from variable type " + ty(var));
  DataType t = body.type();
  return Expr(std::make_shared<const LetNode>(t, std::move(var), std::move(value), std::move(body)));
}

IterVar make_iter_var(Range dom, const std::string& name, IterKind kind) {
  DataType t = dom.min.defined() ? dom.min.type() : DataType::Index();
  if (dom.min.defined() && dom.extent.defined() && dom.min.type() != dom.extent.type())
    throw IRError("IterVar " + name + ": min and extent types differ: " + ty(dom.min) + " vs " +
                  ty(dom.extent));
  if (!t.is_scalar() || !t.is_integer())
    throw IRError("IterVar " + name + ": domain must be a scalar integer, got " + t.str());
  return std::make_shared<const IterVarNode>(IterVarNode{Var(name, t), std::move(dom), kind});
}

Expr ReduceNode::make(CommReducer combiner, std::vector<Expr> source, std::vector<IterVar> axes,
                      Expr condition, int value_index) {
  if (!combiner) fail("Reduce", "combiner is null");
  size_t n = combiner->lhs.size();
  if (combiner->rhs.size() != n || combiner->result.size() != n || combiner->identity.size() != n)
    fail("Reduce", "combiner has inconsistent tuple sizes (lhs " + std::to_string(n) + ", rhs " +
                       std::to_string(combiner->rhs.size()) + ", result " +
                       std::to_string(combiner->result.size()) + ", identity " +
                       std::to_string(combiner->identity.size()) + ")");
  if (source.size() != n)
    fail("Reduce", "combiner takes " + std::to_string(n) + " value(s) but got " +
                       std::to_string(source.size()) + " source(s)");
  for (size_t i = 0; i < n; ++i) {
    require_defined("Reduce", source[i], "source");
    require_defined("Reduce", combiner->result[i], "combiner result");
    require_defined("Reduce", combiner->identity[i], "combiner identity");
    DataType t = combiner->lhs[i].type();
    if (combiner->rhs[i].type() != t || combiner->result[i].type() != t ||
        combiner->identity[i].type() != t)
      fail("Reduce", "combiner element " + std::to_string(i) + " mixes types (lhs " + t.str() +
                         ", rhs " + ty(combiner->rhs[i]) + ", result " + ty(combiner->result[i]) +
                         ", identity " + ty(combiner->identity[i]) + ")");
    if (source[i].type() != t)
      fail("Reduce", "source " + std::to_string(i) + " has type " + ty(source[i]) +
                         " but the combiner expects " + t.str());
  }
  if (value_index < 0 || value_index >= static_cast<int>(n))
    fail("Reduce", "value_index " + std::to_string(value_index) + " out of range");
  for (const IterVar& iv : axes)
    if (!iv || !iv->var.defined()) fail("Reduce", "axis is undefined");
  if (!condition.defined()) condition = make_bool(true);
  if (condition.type() != DataType::Bool()) fail("Reduce", "condition must be bool, got " + ty(condition));
  DataType t = source[value_index].type();
  return Expr(std::make_shared<const ReduceNode>(t, std::move(combiner), std::move(source),
                                                 std::move(axes), std::move(condition), value_index));
}

// ---- helpers ----------------------------------------------------------------------------

Expr make_const(DataType t, int64_t v) {
  if (t.is_vector()) return BroadcastNode::make(make_const(t.element_of(), v), t.lanes);
  if (t.is_integer() || t.is_bool()) return IntImmNode::make(t, v);
  if (t.is_float()) return FloatImmNode::make(t, static_cast<double>(v));
  throw IRError("make_const: no constants of type " + t.str());
}

Expr make_const(DataType t, double v) {
  if (t.is_vector()) return BroadcastNode::make(make_const(t.element_of(), v), t.lanes);
  if (t.is_float()) return FloatImmNode::make(t, v);
  if (t.is_bool()) return IntImmNode::make(t, v != 0);
  if (t.is_integer()) {
    if (!std::isfinite(v)) throw IRError("make_const: non-finite value for " + t.str());
    double r = std::trunc(v);
    if (t.is_uint() && r >= 9223372036854775808.0 && r < 18446744073709551616.0)
      return IntImmNode::make(t, static_cast<int64_t>(static_cast<uint64_t>(r)));
    if (r < -9223372036854775808.0 || r >= 9223372036854775808.0)
      throw IRError("make_const: value out of range for " + t.str());
    return IntImmNode::make(t, static_cast<int64_t>(r));
  }
  throw IRError("make_const: no constants of type " + t.str());
}

Expr make_zero(DataType t) { return make_const(t, int64_t{0}); }

Expr make_bool(bool v) { return IntImmNode::make(DataType::Bool(), v ? 1 : 0); }

const int64_t* as_const_int(const Expr& e) {
  if (const auto* b = e.as<BroadcastNode>()) return as_const_int(b->value);
  if (const auto* i = e.as<IntImmNode>()) return &i->value;
  return nullptr;
}

bool is_const_int(const Expr& e, int64_t v) {
  const int64_t* c = as_const_int(e);
  return c && *c == v;
}

namespace {

Expr extreme_value(DataType t, bool largest) {
  if (t.is_vector()) return BroadcastNode::make(extreme_value(t.element_of(), largest), t.lanes);
  if (t.is_bool()) return make_bool(largest);
  if (t.is_int()) {
    int64_t hi = t.bits >= 64 ? std::numeric_limits<int64_t>::max()
                              : (int64_t{1} << (t.bits - 1)) - 1;
    return IntImmNode::make(t, largest ? hi : -hi - 1);
  }
  if (t.is_uint()) return IntImmNode::make(t, largest ? -1 : 0);  // -1 wraps to all ones
  if (t.is_float()) {
    double hi = t.is_bfloat16() ? 3.3895313892515355e38
                : t.bits == 16  ? 65504.0
                : t.bits == 32  ? static_cast<double>(FLT_MAX)
                                : DBL_MAX;
    return FloatImmNode::make(t, largest ? hi : -hi);
  }
  throw IRError(std::string(largest ? "max_value" : "min_value") + ": no values of type " + t.str());
}

}  // namespace

Expr max_value(DataType t) { return extreme_value(t, true); }
Expr min_value(DataType t) { return extreme_value(t, false); }

}  // namespace tessera::ir
