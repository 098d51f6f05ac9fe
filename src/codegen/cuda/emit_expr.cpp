// Scalar expressions (see emitter.h). 16-bit floats compute in float and round after
// every operation, as tessera/ir/expr.h says and the LLVM backend does.
#include <cmath>
#include <cstdint>
#include <cstdio>

#include "codegen/cuda/emitter.h"
#include "tessera/ir/buffer.h"
#include "tessera/ir/printer.h"
#include "tessera/ir/utils.h"

namespace tessera::codegen::cuda_detail {
namespace {

using ir::BinaryOp;
using ir::Intrinsic;

bool is_half(DataType t) { return t.is_float16() || t.is_bfloat16(); }

std::string widen(const std::string& x, DataType t) {
  if (t.is_float16()) return "tessera_half_to_float(" + x + ")";
  if (t.is_bfloat16()) return "__bfloat162float(" + x + ")";
  return x;
}

std::string narrow(const std::string& x, DataType t) {
  if (t.is_float16()) return "__float2half_rn(" + x + ")";
  if (t.is_bfloat16()) return "__float2bfloat16_rn(" + x + ")";
  return x;
}

// The C math function for a float type: expf for float (and 16-bit floats), exp for double.
std::string math(const char* name, DataType t) { return t.bits == 64 ? name : std::string(name) + "f"; }

const char* math_name(Intrinsic op) {
  switch (op) {
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
    case Intrinsic::Round: return "rint";  // half to even
    case Intrinsic::Atan2: return "atan2";
    case Intrinsic::Pow: return "pow";
    case Intrinsic::Hypot: return "hypot";
    case Intrinsic::Copysign: return "copysign";
    case Intrinsic::Fmod: return "fmod";
    case Intrinsic::Fma: return "fma";
    default: return nullptr;
  }
}

// The unsigned type integer arithmetic of t wraps in (C promotes narrower types to int).
std::string wrap_type(DataType t) { return t.bits == 64 ? "unsigned long long" : "unsigned int"; }

std::string parens(const std::string& a, const char* op, const std::string& b) {
  return "(" + a + " " + op + " " + b + ")";
}

const char* c_operator(BinaryOp op) {
  switch (op) {
    case BinaryOp::Add: return "+";
    case BinaryOp::Sub: return "-";
    case BinaryOp::Mul: return "*";
    case BinaryOp::EQ: return "==";
    case BinaryOp::NE: return "!=";
    case BinaryOp::LT: return "<";
    case BinaryOp::LE: return "<=";
    case BinaryOp::GT: return ">";
    case BinaryOp::GE: return ">=";
    case BinaryOp::BitAnd: return "&";
    case BinaryOp::BitOr: return "|";
    case BinaryOp::BitXor: return "^";
    default: return nullptr;
  }
}

}  // namespace

bool CudaEmitter::reads_memory(const ir::Expr& e) const {
  bool found = false;
  ir::post_order_visit(e, [&](const ir::Expr& x) {
    if (x.kind() == ir::ExprKind::Load) found = true;
    if (const auto* v = x.as<ir::VarNode>(); v && from_memory_.count(v)) found = true;
  });
  return found;
}

std::string CudaEmitter::expr(const ir::Expr& e) {
  if (!e.defined()) throw ir::IRError("tessera CUDA codegen: undefined expression in " + kernel_);
  if (!shared_.empty() && e.kind() == ir::ExprKind::Binary && e.type().is_integer() && !e.type().is_vector()) {
    if (const std::string* name = shared_name(e)) return *name;
  }
  note_type(e.type());
  if (e.type().is_vector() && !lane_)
    throw ir::IRError("tessera CUDA codegen: vector expression outside a vector statement in " + kernel_);
  switch (e.kind()) {
    case ir::ExprKind::IntImm: return int_imm(e.as<ir::IntImmNode>());
    case ir::ExprKind::FloatImm: return float_imm(e.as<ir::FloatImmNode>());
    case ir::ExprKind::StringImm:
      throw ir::IRError("tessera CUDA codegen: string constant outside an assertion in " + kernel_);
    case ir::ExprKind::Var: return var(e.as<ir::VarNode>());
    case ir::ExprKind::Cast: {
      const auto* op = e.as<ir::CastNode>();
      return cast(expr(op->value), op->value.type().element_of(), op->type.element_of());
    }
    case ir::ExprKind::Binary: return binary(e.as<ir::BinaryNode>());
    case ir::ExprKind::Select: {
      const auto* op = e.as<ir::SelectNode>();
      std::string c = expr(op->cond), t = expr(op->true_value), f = expr(op->false_value);
      return "(" + c + " ? " + t + " : " + f + ")";
    }
    case ir::ExprKind::Call: return call(e.as<ir::CallNode>());
    case ir::ExprKind::Load: return load(e.as<ir::LoadNode>());
    case ir::ExprKind::Ramp: return ramp(e.as<ir::RampNode>());
    case ir::ExprKind::Broadcast: return expr(e.as<ir::BroadcastNode>()->value);
    case ir::ExprKind::Let: return let(e.as<ir::LetNode>());
    case ir::ExprKind::Reduce:
      throw ir::IRError("tessera CUDA codegen: Reduce reached code generation in " + kernel_);
  }
  throw ir::IRError("tessera CUDA codegen: unknown expression kind in " + kernel_);
}

std::string CudaEmitter::int_imm(const ir::IntImmNode* op) {
  const DataType t = op->type;
  const int64_t v = op->value;
  if (t.is_bool()) return v ? "true" : "false";
  if (t.is_uint()) {
    uint64_t u = static_cast<uint64_t>(v);
    if (t.bits == 64) return std::to_string(u) + "ull";
    if (t.bits == 32) return std::to_string(u) + "u";
    return "((" + c_type(t) + ")" + std::to_string(u) + "u)";
  }
  std::string digits = v == INT64_MIN ? "(-9223372036854775807ll - 1)" : std::to_string(v);
  if (t.bits == 64) return v == INT64_MIN ? digits : v < 0 ? "(" + digits + "ll)" : digits + "ll";
  if (t.bits == 32) return v == INT32_MIN ? "(-2147483647 - 1)" : v < 0 ? "(" + digits + ")" : digits;
  return "((" + c_type(t) + ")" + digits + ")";
}

std::string CudaEmitter::float_imm(const ir::FloatImmNode* op) {
  const DataType t = op->type;
  const double v = op->value;
  char buf[64];
  if (std::isnan(v) || std::isinf(v)) {
    bool neg = std::signbit(v);
    std::string bits = t.bits == 64 ? std::isnan(v) ? "0x7ff8000000000000ull" : "0x7ff0000000000000ull"
                                    : std::isnan(v) ? "0x7fc00000u" : "0x7f800000u";
    std::string f = t.bits == 64 ? "__longlong_as_double((long long)" + bits + ")" : "__uint_as_float(" + bits + ")";
    if (neg) f = "(-" + f + ")";
    if (t.is_float16()) return "__float2half_rn(" + f + ")";
    if (t.is_bfloat16()) return "__float2bfloat16_rn(" + f + ")";
    return f;
  }
  if (t.bits == 32 && !t.is_bfloat16()) {
    std::snprintf(buf, sizeof buf, "%.9g", static_cast<float>(v));
  } else {
    std::snprintf(buf, sizeof buf, "%.17g", v);
  }
  std::string s = buf;
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  if (t.bits == 32 && !t.is_bfloat16()) return v < 0 ? "(" + s + "f)" : s + "f";
  if (v < 0) s = "(" + s + ")";
  // One rounding from the exact (double) constant, as the LLVM backend does.
  if (t.is_float16()) return "__double2half(" + s + ")";
  if (t.is_bfloat16()) return "__double2bfloat16(" + s + ")";
  return s;
}

std::string CudaEmitter::var(const ir::VarNode* op) {
  auto it = names_.find(op);
  if (it == names_.end())
    throw ir::IRError("tessera CUDA codegen: kernel " + kernel_ + " uses unbound variable '" + op->name + "'");
  if (arrays_.count(op)) return it->second + "[" + lane_ + "]";
  return it->second;
}

std::string CudaEmitter::let(const ir::LetNode* op) {
  const DataType t = op->value.type();
  if (t.is_handle()) throw ir::IRError("tessera CUDA codegen: handle Let in " + kernel_);
  std::string value = expr(op->value);
  if (reads_memory(op->value)) from_memory_.insert(op->var.get());
  // In a lane loop a vector Let holds this lane's value: a scalar.
  line("const " + c_type(t.element_of()) + " " + bind_name(op->var, op->var.name()) + " = " + value + ";");
  arrays_.erase(op->var.get());
  return expr(op->body);
}

std::string CudaEmitter::binary(const ir::BinaryNode* op) {
  const DataType t = op->a.type().element_of();
  std::string a = expr(op->a), b = expr(op->b);
  if (ir::is_comparison(op->op)) return parens(widen(a, t), c_operator(op->op), widen(b, t));
  switch (op->op) {
    case BinaryOp::And: return parens(a, "&&", b);
    case BinaryOp::Or: return parens(a, "||", b);
    default: break;
  }
  if (t.is_bool()) {  // NumPy: + and max are "or", * and min are "and", - is "xor"
    switch (op->op) {
      case BinaryOp::Add: case BinaryOp::Max: case BinaryOp::BitOr: return parens(a, "||", b);
      case BinaryOp::Mul: case BinaryOp::Min: case BinaryOp::BitAnd: return parens(a, "&&", b);
      case BinaryOp::Sub: case BinaryOp::BitXor: return parens(a, "!=", b);
      default:
        throw ir::IRError(std::string("tessera CUDA codegen: ") + ir::to_string(op->op) + " is not defined on bool");
    }
  }
  if (t.is_integer()) return int_arith(op, t, a, b);
  if (!t.is_float())
    throw ir::IRError(std::string("tessera CUDA codegen: ") + ir::to_string(op->op) + " on " + t.str());
  switch (op->op) {
    case BinaryOp::Add: case BinaryOp::Sub: case BinaryOp::Mul:
      return narrow(parens(widen(a, t), c_operator(op->op), widen(b, t)), t);
    case BinaryOp::Div: return narrow(parens(widen(a, t), "/", widen(b, t)), t);
    case BinaryOp::Mod: return narrow("tessera_remainder(" + widen(a, t) + ", " + widen(b, t) + ")", t);
    case BinaryOp::Max: return "tessera_max(" + a + ", " + b + ")";
    case BinaryOp::Min: return "tessera_min(" + a + ", " + b + ")";
    default: break;
  }
  throw ir::IRError(std::string("tessera CUDA codegen: ") + ir::to_string(op->op) + " is not supported on " + t.str());
}

std::string CudaEmitter::int_arith(const ir::BinaryNode* op, DataType t, const std::string& a, const std::string& b) {
  const std::string T = c_type(t);
  switch (op->op) {
    case BinaryOp::Add: case BinaryOp::Sub: case BinaryOp::Mul: {
      const char* o = c_operator(op->op);
      // Index arithmetic (no loads) is assumed not to overflow; data arithmetic wraps.
      bool wraps_natively = t.is_uint() && t.bits >= 32;
      bool index_math = t.is_int() && t.bits >= 32 && !reads_memory(op->a) && !reads_memory(op->b);
      if (wraps_natively || index_math) return parens(a, o, b);
      if (t.is_int() && t.bits < 32 && op->op != BinaryOp::Mul) return "(" + T + ")" + parens(a, o, b);
      return "(" + T + ")" + parens("(" + wrap_type(t) + ")" + a, o, "(" + wrap_type(t) + ")" + b);
    }
    case BinaryOp::Div: case BinaryOp::Mod: {
      const bool div = op->op == BinaryOp::Div;
      if (const int64_t* k = ir::as_const_int(op->b); k && *k > 0) {
        const uint64_t d = static_cast<uint64_t>(*k);
        if ((d & (d - 1)) == 0) {  // a power of two: an arithmetic shift or a mask is the floor
          int shift = 63 - __builtin_clzll(d);
          std::string r = div ? parens(a, ">>", std::to_string(shift)) : parens(a, "&", std::to_string(d - 1));
          return t.bits < 32 ? "(" + T + ")" + r : r;
        }
        if (t.is_uint()) return "(" + T + ")" + parens(a, div ? "/" : "%", b);
      }
      return std::string(div ? "tessera_floordiv" : "tessera_floormod") + "(" + a + ", " + b + ")";
    }
    case BinaryOp::Min: return "tessera_min(" + a + ", " + b + ")";
    case BinaryOp::Max: return "tessera_max(" + a + ", " + b + ")";
    case BinaryOp::BitAnd: case BinaryOp::BitOr: case BinaryOp::BitXor:
      return "(" + T + ")" + parens(a, c_operator(op->op), b);
    case BinaryOp::Shl: return "tessera_shl(" + a + ", " + b + ")";
    case BinaryOp::Shr: return "tessera_shr(" + a + ", " + b + ")";
    default: break;
  }
  throw ir::IRError(std::string("tessera CUDA codegen: ") + ir::to_string(op->op) + " is not supported on " + t.str());
}

std::string CudaEmitter::cast(const std::string& x, DataType from, DataType to) {
  if (from == to) return x;
  const std::string T = c_type(to);
  if (to.is_bool()) return parens(widen(x, from), "!=", from.is_float() && from.bits != 64 ? "0.0f" : "0");
  if (from.is_handle() || to.is_handle())
    throw ir::IRError("tessera CUDA codegen: cast between " + from.str() + " and " + to.str() + " in " + kernel_);
  if (from.is_bool()) {
    if (is_half(to)) return narrow("(" + x + " ? 1.0f : 0.0f)", to);
    return "(" + T + ")" + x;
  }
  if (!from.is_float()) {  // integer source
    if (to.is_integer()) return "(" + T + ")" + x;
    if (to.is_float16()) return "__float2half_rn((float)" + x + ")";
    if (to.is_bfloat16())  // exact through float up to 16 bits, one rounding from double above
      return from.bits <= 16 ? "__float2bfloat16_rn((float)" + x + ")" : "__double2bfloat16((double)" + x + ")";
    return "(" + T + ")" + x;
  }
  if (to.is_integer()) {  // truncation; out of range saturates (the IR leaves it unspecified)
    const bool dbl = from.bits == 64;
    std::string w = widen(x, from);
    auto conv = [&](const char* suffix) { return std::string(dbl ? "__double2" : "__float2") + suffix + "_rz(" + w + ")"; };
    if (to.bits <= 32 && (to.is_int() || to.bits < 32)) return "(" + T + ")" + conv("int");
    if (to.bits == 32) return "(" + T + ")" + conv("ll");  // uint32: through int64, as on x86
    return to.is_int() ? conv("ll") : conv("ull");
  }
  // float -> float
  if (to.bits == 64) return "(double)" + widen(x, from);
  if (from.bits == 64) {
    if (to.is_float16()) return "__double2half(" + x + ")";
    if (to.is_bfloat16()) return "__double2bfloat16(" + x + ")";
    return "(float)" + x;
  }
  return narrow(widen(x, from), to);  // among float32, float16 and bfloat16
}

std::string CudaEmitter::call(const ir::CallNode* op) {
  const DataType t = op->type.element_of();
  std::vector<std::string> args;
  for (const ir::Expr& a : op->args) args.push_back(expr(a));
  auto arg_t = [&](size_t i) { return op->args.at(i).type().element_of(); };
  auto widened = [&](size_t i) { return widen(args.at(i), arg_t(i)); };

  if (const char* name = math_name(op->op)) {
    if (!t.is_float()) {
      if (op->op == Intrinsic::Floor || op->op == Intrinsic::Ceil || op->op == Intrinsic::Trunc ||
          op->op == Intrinsic::Round)
        return args.at(0);  // integers are already whole
      throw ir::IRError(std::string("tessera CUDA codegen: ") + ir::to_string(op->op) + " on " + t.str());
    }
    std::string call = math(name, t) + "(";
    for (size_t i = 0; i < args.size(); ++i) call += (i ? ", " : "") + widened(i);
    return narrow(call + ")", t);
  }
  switch (op->op) {
    case Intrinsic::Neg:
      if (is_half(t)) return "tessera_neg(" + args[0] + ")";
      if (t.is_float()) return "(-" + args[0] + ")";
      if (t.is_int() && t.bits >= 32 && !reads_memory(op->args[0])) return "(-" + args[0] + ")";
      return "(" + c_type(t) + ")(0u - (" + wrap_type(t) + ")" + args[0] + ")";
    case Intrinsic::Abs:
      if (is_half(t)) return "tessera_fabs(" + args[0] + ")";
      if (t.is_float()) return math("fabs", t) + "(" + args[0] + ")";
      if (t.is_int()) return "tessera_iabs(" + args[0] + ")";
      return args[0];
    case Intrinsic::BitNot:
      if (t.is_bool()) return "(!" + args[0] + ")";
      return "(" + c_type(t) + ")~" + args[0];
    case Intrinsic::LogicalNot: return "(!" + args[0] + ")";
    case Intrinsic::Nextafter:
      if (is_half(t)) return "tessera_nextafter(" + args[0] + ", " + args[1] + ")";
      return math("nextafter", t) + "(" + args[0] + ", " + args[1] + ")";
    // CUDA's classifiers may return any non-zero int for true; bools must be 0 or 1.
    case Intrinsic::IsNan: return "(isnan(" + widened(0) + ") != 0)";
    case Intrinsic::IsInf: return "(isinf(" + widened(0) + ") != 0)";
    case Intrinsic::IsFinite: return "(isfinite(" + widened(0) + ") != 0)";
    case Intrinsic::Signbit:  // on the bits, so the sign of a NaN counts too
      if (is_half(arg_t(0))) return "tessera_signbit(" + args[0] + ")";
      return "(signbit(" + args[0] + ") != 0)";
    case Intrinsic::IPow: return "tessera_ipow(" + args[0] + ", " + cast(args[1], arg_t(1), t) + ")";
    case Intrinsic::Reinterpret: {
      const DataType from = arg_t(0);
      if (from.is_handle() || t.is_handle() || from.is_bool() || t.is_bool())
        throw ir::IRError("tessera CUDA codegen: reinterpret between " + from.str() + " and " + t.str());
      return "tessera_bitcast<" + c_type(t) + ">(" + args[0] + ")";
    }
    // Streaming stores are a CPU notion (lowering drops the hint for CUDA): never stream.
    case Intrinsic::StreamingStoreBytes: return "((long long)0x7fffffffffffffffLL)";
    case Intrinsic::StoreFence: return "0";
    case Intrinsic::TransposeLane:  // made by the CPU-only pass transpose_lane_tiles
      throw ir::IRError("tessera CUDA codegen: transpose_lane in kernel " + kernel_ + " (a CPU lowering)");
    default: break;
  }
  throw ir::IRError(std::string("tessera CUDA codegen: intrinsic ") + ir::to_string(op->op) + " in kernel " +
                    kernel_ + " (kernel-argument access belongs to the host part; see split_host_device)");
}

ir::Expr CudaEmitter::flat_index(const std::shared_ptr<const ir::BufferNode>& buffer,
                                 const std::vector<ir::Expr>& indices) {
  if (indices.size() == 1) return indices[0];
  return ir::Buffer(buffer).flat_index(indices);
}

std::string CudaEmitter::pointer(const std::shared_ptr<const ir::BufferNode>& buffer) {
  auto it = pointers_.find(buffer->data.get());
  if (it == pointers_.end())
    throw ir::IRError("tessera CUDA codegen: buffer " + buffer->name + " is not a parameter or allocation of " + kernel_);
  if (it->second.dtype == buffer->dtype) return it->second.name;
  return "((" + storage_type(buffer->dtype) + "*)" + it->second.name + ")";
}

std::string CudaEmitter::load(const ir::LoadNode* op) {
  if (op->type.is_vector()) return lane_expr_of_load(op);
  std::string value = pointer(op->buffer) + "[" + expr(flat_index(op->buffer, op->indices)) + "]";
  return op->type.is_bool() ? "(" + value + " != 0)" : value;
}

}  // namespace tessera::codegen::cuda_detail
