// Expressions: constants, variables, arithmetic with the semantics of tessera/ir/expr.h,
// comparisons, casts, vectors and loads.
//
// Integer arithmetic never has undefined behaviour: no nsw/nuw flags, divisors are made
// safe with selects before sdiv/udiv (x / 0 == 0, INT_MIN / -1 == INT_MIN), shift amounts
// are masked and out-of-range shifts selected away, and float->int conversions are frozen
// so that out-of-range inputs give some value instead of poison.
//
// Casts: float -> (u)int8/16 converts to int32 and truncates, float -> uint32 goes through
// int64 (what NumPy does on x86); float64 -> float16/bfloat16 rounds once (round-to-odd
// first step, fp16.cpp); integers -> bfloat16 go through float64, exact below 2^53.
//
// Loads and stores with one index take it as the element index into the buffer's data
// (storage_flatten has already folded strides and elem_offset in); with one index per
// dimension the codegen flattens with Buffer::flat_index. A Ramp index of stride 1 (or -1)
// is a contiguous vector access, a Broadcast index a scalar access, anything else a
// gather/scatter.
#include <llvm/IR/Intrinsics.h>

#include "codegen/llvm/emitter.h"
#include "tessera/ir/buffer.h"
#include "tessera/ir/stmt.h"

namespace tessera::codegen::detail {

using ir::BinaryOp;
using ir::DataType;
using ir::TypeCode;

// ---- types --------------------------------------------------------------------------------

llvm::Type* Emitter::reg_type(DataType t) {
  llvm::Type* elem = nullptr;
  switch (t.code) {
    case TypeCode::Bool: elem = b_.getInt1Ty(); break;
    case TypeCode::Int:
    case TypeCode::UInt:
      if (t.bits == 8 || t.bits == 16 || t.bits == 32 || t.bits == 64) elem = b_.getIntNTy(t.bits);
      break;
    case TypeCode::Float:
      if (t.bits == 16) elem = b_.getHalfTy();
      if (t.bits == 32) elem = b_.getFloatTy();
      if (t.bits == 64) elem = b_.getDoubleTy();
      break;
    case TypeCode::BFloat: elem = b_.getFloatTy(); break;
    case TypeCode::Handle: elem = b_.getPtrTy(); break;
    case TypeCode::Complex: break;
  }
  if (!elem) throw ir::IRError("tessera codegen: unsupported type " + t.str());
  return t.lanes > 1 ? llvm::FixedVectorType::get(elem, t.lanes) : elem;
}

llvm::Type* Emitter::storage_type(DataType t) {
  if (t.is_bool()) return b_.getInt8Ty();
  if (t.is_bfloat16()) return b_.getInt16Ty();
  return reg_type(t.element_of());
}

llvm::Value* Emitter::to_storage(llvm::Value* v, DataType t) {
  if (t.is_bool()) return b_.CreateZExt(v, reg_type(DataType::Int(8, t.lanes)));
  if (t.is_bfloat16()) return bf16_float_to_bits(b_, v);
  return v;
}

llvm::Value* Emitter::from_storage(llvm::Value* v, DataType t) {
  if (t.is_bool()) return b_.CreateICmpNE(v, llvm::Constant::getNullValue(v->getType()));
  if (t.is_bfloat16()) return bf16_bits_to_float(b_, v);
  return v;
}

llvm::Value* Emitter::widen_half(llvm::Value* v, DataType t) {
  return t.is_float16() ? b_.CreateFPExt(v, reg_type(DataType::Float(32, t.lanes))) : v;
}

llvm::Value* Emitter::narrow_half(llvm::Value* v, DataType t) {
  if (t.is_float16()) return b_.CreateFPTrunc(v, reg_type(t));
  if (t.is_bfloat16()) return round_to_bf16(b_, v);
  return v;
}

llvm::Value* Emitter::splat(llvm::Value* v, int lanes) {
  if (lanes <= 1 || v->getType()->isVectorTy()) return v;
  return b_.CreateVectorSplat(lanes, v);
}

llvm::Value* Emitter::lookup_var(const ir::VarNode* v) {
  auto it = vars_.find(v);
  if (it == vars_.end())
    throw ir::IRError("tessera codegen: kernel " + kernel_name_ + " uses unbound variable '" +
                      v->name + "'");
  return it->second;
}

// ---- expressions --------------------------------------------------------------------------

llvm::Value* Emitter::emit(const ir::Expr& e) {
  if (!e.defined()) throw ir::IRError("tessera codegen: undefined expression");
  switch (e.kind()) {
    case ir::ExprKind::IntImm: {
      const auto* op = e.as<ir::IntImmNode>();
      if (op->type.is_bool()) return b_.getInt1(op->value != 0);
      return llvm::ConstantInt::get(reg_type(op->type), static_cast<uint64_t>(op->value),
                                    op->type.is_int());
    }
    case ir::ExprKind::FloatImm: {
      const auto* op = e.as<ir::FloatImmNode>();
      double v = op->type.is_bfloat16() ? round_constant_to_bf16(op->value) : op->value;
      return llvm::ConstantFP::get(reg_type(op->type), v);  // rounds to nearest even
    }
    case ir::ExprKind::StringImm:
      return b_.CreateGlobalString(e.as<ir::StringImmNode>()->value, "str");
    case ir::ExprKind::Var: return lookup_var(e.as<ir::VarNode>());
    case ir::ExprKind::Cast: {
      const auto* op = e.as<ir::CastNode>();
      return emit_cast(emit(op->value), op->value.type(), op->type);
    }
    case ir::ExprKind::Binary: return emit_binary(e.as<ir::BinaryNode>());
    case ir::ExprKind::Select: {
      const auto* op = e.as<ir::SelectNode>();
      llvm::Value* c = emit(op->cond);
      llvm::Value* t = emit(op->true_value);
      llvm::Value* f = emit(op->false_value);
      return b_.CreateSelect(c, t, f);
    }
    case ir::ExprKind::Call: {
      const auto* op = e.as<ir::CallNode>();
      if (op->op == ir::Intrinsic::StreamingStoreBytes)
        return b_.CreateCall(runtime_function("tessera_streaming_store_bytes"), {});
      if (op->op == ir::Intrinsic::StoreFence) return emit_store_fence();
      return emit_call(op);
    }
    case ir::ExprKind::Load: return emit_load(e.as<ir::LoadNode>());
    case ir::ExprKind::Ramp: return emit_ramp(e.as<ir::RampNode>());
    case ir::ExprKind::Broadcast: {
      const auto* op = e.as<ir::BroadcastNode>();
      return splat(emit(op->value), op->lanes);
    }
    case ir::ExprKind::Let: {
      const auto* op = e.as<ir::LetNode>();
      llvm::Value* value = emit(op->value);
      const ir::VarNode* key = op->var.get();
      auto saved = vars_.find(key) != vars_.end() ? vars_[key] : nullptr;
      vars_[key] = value;
      llvm::Value* result = emit(op->body);
      if (saved) vars_[key] = saved; else vars_.erase(key);
      return result;
    }
    case ir::ExprKind::Reduce:
      throw ir::IRError("tessera codegen: Reduce reached code generation (lowering must remove it)");
  }
  throw ir::IRError("tessera codegen: unknown expression kind");
}

llvm::Value* Emitter::emit_ramp(const ir::RampNode* op) {
  llvm::Value* base = splat(emit(op->base), op->lanes);
  llvm::Type* elem = reg_type(op->base.type());
  std::vector<llvm::Constant*> steps;
  const int64_t* stride = ir::as_const_int(op->stride);
  for (int i = 0; i < op->lanes; ++i)
    steps.push_back(llvm::ConstantInt::get(elem, static_cast<uint64_t>(stride ? *stride * i : i)));
  llvm::Value* offsets = llvm::ConstantVector::get(steps);
  if (!stride) offsets = b_.CreateMul(offsets, splat(emit(op->stride), op->lanes));
  return b_.CreateAdd(base, offsets);
}

// ---- arithmetic ---------------------------------------------------------------------------

namespace {

// A product x * y of values widened to t from a float type whose products t holds exactly
// (float32 -> float64, float16 -> float32: twice the significand bits fit, and the
// exponents stay in range). c + x * y then equals fma(x, y, c) bit for bit, NaN, infinities
// and signed zeros included: the product is never rounded and the sum is rounded once
// either way. Float sums of widened products (dot products, vecdot) save an instruction.
const ir::BinaryNode* exact_widened_product(const ir::Expr& e, DataType t) {
  const auto* mul = e.as<ir::BinaryNode>();
  if (!mul || mul->op != BinaryOp::Mul) return nullptr;
  auto widened = [&](const ir::Expr& x) {
    const auto* c = x.as<ir::CastNode>();
    if (!c) return false;
    const DataType s = c->value.type();
    return (t.bits == 64 && s.code == TypeCode::Float && s.bits == 32) || (t.bits == 32 && s.is_float16());
  };
  return widened(mul->a) && widened(mul->b) ? mul : nullptr;
}

}  // namespace

llvm::Value* Emitter::emit_binary(const ir::BinaryNode* op) {
  const DataType t = op->a.type();
  if (op->op == BinaryOp::Add && t.code == TypeCode::Float && (t.bits == 32 || t.bits == 64)) {
    const ir::BinaryNode* mul = exact_widened_product(op->b, t);
    const ir::Expr* addend = &op->a;
    if (!mul) {
      mul = exact_widened_product(op->a, t);
      addend = &op->b;
    }
    if (mul) {
      llvm::Value* c = emit(*addend);
      llvm::Value* x = emit(mul->a);
      llvm::Value* y = emit(mul->b);
      return b_.CreateIntrinsic(llvm::Intrinsic::fma, {c->getType()}, {x, y, c});
    }
  }
  llvm::Value* a = emit(op->a);
  llvm::Value* b = emit(op->b);
  if (ir::is_comparison(op->op)) return emit_compare(op->op, t, a, b);
  switch (op->op) {
    case BinaryOp::And:
    case BinaryOp::BitAnd: return b_.CreateAnd(a, b);
    case BinaryOp::Or:
    case BinaryOp::BitOr: return b_.CreateOr(a, b);
    case BinaryOp::BitXor: return b_.CreateXor(a, b);
    case BinaryOp::Shl:
    case BinaryOp::Shr: return emit_shift(op->op, t, a, b);
    default: break;
  }
  if (t.is_bool()) {  // NumPy: + and max are "or", * and min are "and"
    switch (op->op) {
      case BinaryOp::Add:
      case BinaryOp::Max: return b_.CreateOr(a, b);
      case BinaryOp::Mul:
      case BinaryOp::Min: return b_.CreateAnd(a, b);
      case BinaryOp::Sub: return b_.CreateXor(a, b);
      default: throw ir::IRError(std::string("tessera codegen: ") + ir::to_string(op->op) +
                                 " is not defined on bool");
    }
  }
  if (t.is_integer()) {
    switch (op->op) {
      case BinaryOp::Add: return b_.CreateAdd(a, b);
      case BinaryOp::Sub: return b_.CreateSub(a, b);
      case BinaryOp::Mul: return b_.CreateMul(a, b);
      case BinaryOp::Div:
      case BinaryOp::Mod: return emit_int_div_mod(op->op, t, a, b, op->b);
      case BinaryOp::Min:
        return b_.CreateBinaryIntrinsic(t.is_int() ? llvm::Intrinsic::smin : llvm::Intrinsic::umin, a, b);
      case BinaryOp::Max:
        return b_.CreateBinaryIntrinsic(t.is_int() ? llvm::Intrinsic::smax : llvm::Intrinsic::umax, a, b);
      default: break;
    }
  }
  if (t.is_float()) {
    llvm::Value* wa = widen_half(a, t);
    llvm::Value* wb = widen_half(b, t);
    switch (op->op) {
      case BinaryOp::Add: return narrow_half(b_.CreateFAdd(wa, wb), t);
      case BinaryOp::Sub: return narrow_half(b_.CreateFSub(wa, wb), t);
      case BinaryOp::Mul: return narrow_half(b_.CreateFMul(wa, wb), t);
      case BinaryOp::Div: return narrow_half(b_.CreateFDiv(wa, wb), t);
      case BinaryOp::Mod: return narrow_half(emit_float_mod(t, wa, wb), t);
      case BinaryOp::Max:
      case BinaryOp::Min: {
        // Max(a, b) = (a >= b || isnan(a)) ? a : b, written as isnan(b) ? b : (b > a ? b : a)
        // (the same value, up to which NaN when both are NaN); Min likewise with <. The inner
        // select is x86's maxps/minps, and a reduction's accumulator `a` feeds only it and the
        // blend, not a compare and an or: a chain of two cheap steps per element.
        llvm::Value* b_wins = op->op == BinaryOp::Max ? b_.CreateFCmpOGT(wb, wa) : b_.CreateFCmpOLT(wb, wa);
        // The freeze (a no-op on values that are not poison) keeps the optimizer from merging
        // the two selects into one select of an or, which undoes the above.
        llvm::Value* pick = b_.CreateFreeze(b_.CreateSelect(b_wins, b, a));
        return b_.CreateSelect(b_.CreateFCmpUNO(wb, wb), b, pick);
      }
      default: break;
    }
  }
  throw ir::IRError(std::string("tessera codegen: ") + ir::to_string(op->op) +
                    " is not supported on " + t.str());
}

llvm::Value* Emitter::emit_int_div_mod(BinaryOp op, DataType t, llvm::Value* a, llvm::Value* b,
                                       const ir::Expr& divisor) {
  llvm::Type* ty = a->getType();
  const bool is_div = op == BinaryOp::Div;
  const bool is_signed = t.is_int();
  auto c = [&](uint64_t v) { return llvm::ConstantInt::get(ty, v); };

  const int64_t* k = ir::as_const_int(divisor);
  if (k && *k > 0) {  // constant positive divisor: no checks, shifts for powers of two
    uint64_t d = static_cast<uint64_t>(*k);
    if ((d & (d - 1)) == 0) {
      if (!is_div) return b_.CreateAnd(a, c(d - 1));
      uint64_t shift = 63 - __builtin_clzll(d);
      return is_signed ? b_.CreateAShr(a, c(shift)) : b_.CreateLShr(a, c(shift));
    }
    if (!is_signed) return is_div ? b_.CreateUDiv(a, b) : b_.CreateURem(a, b);
    llvm::Value* q = b_.CreateSDiv(a, b);
    llvm::Value* r = b_.CreateSRem(a, b);
    llvm::Value* negative = b_.CreateICmpSLT(r, c(0));
    if (is_div) return b_.CreateAdd(q, b_.CreateSExt(negative, ty));
    return b_.CreateAdd(r, b_.CreateSelect(negative, b, c(0)));
  }

  llvm::Value* zero = llvm::Constant::getNullValue(ty);
  llvm::Value* by_zero = b_.CreateICmpEQ(b, zero);
  if (!is_signed) {
    llvm::Value* safe = b_.CreateSelect(by_zero, c(1), b);
    llvm::Value* r = is_div ? b_.CreateUDiv(a, safe) : b_.CreateURem(a, safe);
    return b_.CreateSelect(by_zero, zero, r);
  }
  llvm::Value* int_min = llvm::ConstantInt::get(ty, llvm::APInt::getSignedMinValue(t.bits));
  llvm::Value* overflow = b_.CreateAnd(b_.CreateICmpEQ(a, int_min),
                                       b_.CreateICmpEQ(b, llvm::Constant::getAllOnesValue(ty)));
  // x / 1 gives INT_MIN / -1 == INT_MIN (remainder 0); the zero case is selected away.
  llvm::Value* safe = b_.CreateSelect(b_.CreateOr(by_zero, overflow), c(1), b);
  llvm::Value* q = b_.CreateSDiv(a, safe);
  llvm::Value* r = b_.CreateSRem(a, safe);
  // Truncated -> floor: adjust when the remainder is nonzero and its sign differs from b's.
  llvm::Value* adjust = b_.CreateAnd(b_.CreateICmpNE(r, zero),
                                     b_.CreateICmpSLT(b_.CreateXor(r, safe), zero));
  llvm::Value* result = is_div ? b_.CreateAdd(q, b_.CreateSExt(adjust, ty))
                               : b_.CreateAdd(r, b_.CreateSelect(adjust, safe, zero));
  return b_.CreateSelect(by_zero, zero, result);
}

llvm::Value* Emitter::emit_float_mod(DataType, llvm::Value* a, llvm::Value* b) {
  // NumPy remainder: fmod, moved into the divisor's sign; a zero result takes b's sign.
  llvm::Value* zero = llvm::ConstantFP::get(a->getType(), 0.0);
  llvm::Value* m = emit_fmod(a, b);
  llvm::Value* signs_differ = b_.CreateXor(b_.CreateFCmpOLT(b, zero), b_.CreateFCmpOLT(m, zero));
  llvm::Value* fix = b_.CreateAnd(b_.CreateFCmpUNE(m, zero), signs_differ);
  llvm::Value* moved = b_.CreateSelect(fix, b_.CreateFAdd(m, b), m);
  llvm::Value* signed_zero = b_.CreateBinaryIntrinsic(llvm::Intrinsic::copysign, zero, b);
  return b_.CreateSelect(b_.CreateFCmpOEQ(m, zero), signed_zero, moved);
}

llvm::Value* Emitter::emit_shift(BinaryOp op, DataType t, llvm::Value* a, llvm::Value* b) {
  if (!t.is_integer()) throw ir::IRError("tessera codegen: shifts need integer operands, got " + t.str());
  llvm::Type* ty = a->getType();
  llvm::Value* zero = llvm::Constant::getNullValue(ty);
  // Unsigned comparison also catches negative amounts.
  llvm::Value* out_of_range = b_.CreateICmpUGE(b, llvm::ConstantInt::get(ty, t.bits));
  llvm::Value* amount = b_.CreateAnd(b, llvm::ConstantInt::get(ty, t.bits - 1));
  if (op == BinaryOp::Shl) return b_.CreateSelect(out_of_range, zero, b_.CreateShl(a, amount));
  if (!t.is_int()) return b_.CreateSelect(out_of_range, zero, b_.CreateLShr(a, amount));
  llvm::Value* clamped = b_.CreateSelect(out_of_range, llvm::ConstantInt::get(ty, t.bits - 1), amount);
  return b_.CreateAShr(a, clamped);
}

llvm::Value* Emitter::emit_compare(BinaryOp op, DataType t, llvm::Value* a, llvm::Value* b) {
  using P = llvm::CmpInst::Predicate;
  if (t.is_float()) {
    a = widen_half(a, t);
    b = widen_half(b, t);
    P p = op == BinaryOp::EQ   ? P::FCMP_OEQ
          : op == BinaryOp::NE ? P::FCMP_UNE
          : op == BinaryOp::LT ? P::FCMP_OLT
          : op == BinaryOp::LE ? P::FCMP_OLE
          : op == BinaryOp::GT ? P::FCMP_OGT
                               : P::FCMP_OGE;
    return b_.CreateFCmp(p, a, b);
  }
  const bool s = t.is_int();
  P p = op == BinaryOp::EQ   ? P::ICMP_EQ
        : op == BinaryOp::NE ? P::ICMP_NE
        : op == BinaryOp::LT ? (s ? P::ICMP_SLT : P::ICMP_ULT)
        : op == BinaryOp::LE ? (s ? P::ICMP_SLE : P::ICMP_ULE)
        : op == BinaryOp::GT ? (s ? P::ICMP_SGT : P::ICMP_UGT)
                             : (s ? P::ICMP_SGE : P::ICMP_UGE);
  return b_.CreateICmp(p, a, b);
}

// ---- casts --------------------------------------------------------------------------------

llvm::Value* Emitter::emit_cast(llvm::Value* v, DataType from, DataType to) {
  if (from.element_of() == to.element_of()) return v;
  if (from.lanes != to.lanes)
    throw ir::IRError("tessera codegen: cast from " + from.str() + " to " + to.str() + " changes lanes");
  llvm::Type* dst = reg_type(to);
  const DataType f32 = DataType::Float(32, to.lanes);
  const DataType f64 = DataType::Float(64, to.lanes);

  if (to.is_bool()) {
    if (from.is_float()) return b_.CreateFCmpUNE(v, llvm::Constant::getNullValue(v->getType()));
    return b_.CreateICmpNE(v, llvm::Constant::getNullValue(v->getType()));  // ints, handles
  }
  if (from.is_handle() || to.is_handle()) {
    if (from.is_handle() && to.is_integer()) return b_.CreateIntCast(b_.CreatePtrToInt(v, b_.getInt64Ty()), dst, false);
    if (to.is_handle() && from.is_integer()) return b_.CreateIntToPtr(b_.CreateIntCast(v, b_.getInt64Ty(), from.is_int()), dst);
    throw ir::IRError("tessera codegen: cannot cast " + from.str() + " to " + to.str());
  }
  const bool from_signed = from.is_int();  // Bool converts as unsigned (true -> 1)
  if (!from.is_float() && to.is_integer()) return b_.CreateIntCast(v, dst, from_signed);

  if (!from.is_float()) {  // integer or bool -> float
    auto int_to = [&](llvm::Type* ty) {
      return from_signed ? b_.CreateSIToFP(v, ty) : b_.CreateUIToFP(v, ty);
    };
    if (to.bits == 32 && to.code == TypeCode::Float) return int_to(dst);
    if (to.bits == 64) return int_to(dst);
    if (to.is_float16()) return b_.CreateFPTrunc(int_to(reg_type(f32)), dst);  // exact below 2^24; larger overflow
    // bfloat16: exact via float32 up to 16 bits, via float64 (rounded to odd) above.
    if (from.bits <= 16) return round_to_bf16(b_, int_to(reg_type(f32)));
    return round_to_bf16(b_, fptrunc_round_to_odd(b_, int_to(reg_type(f64))));
  }

  if (to.is_integer()) {  // float -> integer, truncating; out of range gives a frozen value
    llvm::Value* x = widen_half(v, from);
    llvm::Value* r;
    if (to.bits <= 16) {
      r = b_.CreateTrunc(b_.CreateFreeze(b_.CreateFPToSI(x, reg_type(DataType::Int(32, to.lanes)))), dst);
    } else if (to.is_uint() && to.bits == 32) {
      r = b_.CreateTrunc(b_.CreateFreeze(b_.CreateFPToSI(x, reg_type(DataType::Int(64, to.lanes)))), dst);
    } else {
      r = b_.CreateFreeze(to.is_int() ? b_.CreateFPToSI(x, dst) : b_.CreateFPToUI(x, dst));
    }
    return r;
  }

  // float -> float
  if (from.is_float16()) {
    if (to.bits == 64) return b_.CreateFPExt(v, dst);
    llvm::Value* x = b_.CreateFPExt(v, reg_type(f32));
    return to.is_bfloat16() ? round_to_bf16(b_, x) : x;
  }
  if (from.is_bfloat16() || from.bits == 32) {  // both live in float registers
    if (to.bits == 64) return b_.CreateFPExt(v, dst);
    if (to.is_float16()) return b_.CreateFPTrunc(v, dst);
    if (to.is_bfloat16()) return round_to_bf16(b_, v);
    return v;  // bfloat16 -> float32
  }
  // float64 -> narrower
  if (to.bits == 32 && !to.is_bfloat16()) return b_.CreateFPTrunc(v, dst);
  llvm::Value* odd = fptrunc_round_to_odd(b_, v);
  return to.is_float16() ? b_.CreateFPTrunc(odd, dst) : round_to_bf16(b_, odd);
}

// ---- loads --------------------------------------------------------------------------------

ir::Expr Emitter::flat_index(const std::shared_ptr<const ir::BufferNode>& buffer,
                             const std::vector<ir::Expr>& indices) {
  if (indices.size() == 1) return indices[0];  // already flattened
  return ir::Buffer(buffer).flat_index(indices);
}

llvm::Value* Emitter::buffer_data(const std::shared_ptr<const ir::BufferNode>& buffer) {
  if (!buffer->data.defined())
    throw ir::IRError("tessera codegen: buffer " + buffer->name + " has no data variable");
  return lookup_var(buffer->data.get());
}

llvm::Value* Emitter::index_to_i64(llvm::Value* index, DataType t) {
  if (!t.is_integer()) throw ir::IRError("tessera codegen: buffer index of type " + t.str());
  return b_.CreateIntCast(index, reg_type(DataType::Int(64, t.lanes)), t.is_int());
}

bool Emitter::as_ramp(const ir::Expr& index, RampIndex* out) {
  if (const auto* r = index.as<ir::RampNode>()) {
    const int64_t* s = ir::as_const_int(r->stride);
    if (!s) return false;
    *out = {r->base, *s};
    return true;
  }
  if (const auto* add = index.as<ir::BinaryNode>(); add && add->op == BinaryOp::Add) {
    for (int swap = 0; swap < 2; ++swap) {
      const ir::Expr& x = swap ? add->b : add->a;
      const ir::Expr& y = swap ? add->a : add->b;
      const auto* bc = y.as<ir::BroadcastNode>();
      RampIndex inner;
      if (bc && as_ramp(x, &inner)) {
        *out = {ir::BinaryNode::make(BinaryOp::Add, inner.base, bc->value), inner.stride};
        return true;
      }
    }
  }
  return false;
}

llvm::Value* Emitter::emit_load(const ir::LoadNode* op) {
  const DataType t = op->type;
  const DataType elem = t.element_of();
  llvm::Type* st = storage_type(elem);
  const llvm::Align align(elem.bytes());
  const ir::VarNode* data_var = op->buffer->data.get();
  llvm::Value* data = buffer_data(op->buffer);
  ir::Expr index = flat_index(op->buffer, op->indices);

  auto scalar_load = [&](llvm::Value* i64_index) {
    llvm::Value* addr = b_.CreateInBoundsGEP(st, data, i64_index);
    llvm::LoadInst* load = b_.CreateAlignedLoad(st, addr, align);
    decorate(load, data_var);
    return load;
  };
  llvm::Value* v;
  RampIndex ramp;
  if (t.lanes == 1) {
    v = scalar_load(index_to_i64(emit(index), index.type()));
  } else if (const auto* bc = index.as<ir::BroadcastNode>()) {
    v = splat(scalar_load(index_to_i64(emit(bc->value), bc->value.type())), t.lanes);
  } else if (as_ramp(index, &ramp) && (ramp.stride == 0 || ramp.stride == 1 || ramp.stride == -1)) {
    llvm::Value* base = index_to_i64(emit(ramp.base), ramp.base.type());
    if (ramp.stride == 0) {
      v = splat(scalar_load(base), t.lanes);
    } else {
      llvm::Type* vt = llvm::FixedVectorType::get(st, t.lanes);
      if (ramp.stride == -1) base = b_.CreateSub(base, b_.getInt64(t.lanes - 1));
      llvm::LoadInst* load = b_.CreateAlignedLoad(vt, b_.CreateInBoundsGEP(st, data, base), align);
      decorate(load, data_var);
      v = ramp.stride == 1 ? static_cast<llvm::Value*>(load) : b_.CreateVectorReverse(load);
    }
  } else {
    llvm::Value* addrs = b_.CreateInBoundsGEP(st, data, index_to_i64(emit(index), index.type()));
    llvm::CallInst* gather = b_.CreateMaskedGather(llvm::FixedVectorType::get(st, t.lanes), addrs, align);
    decorate(gather, data_var);
    v = gather;
  }
  return from_storage(v, t);
}

}  // namespace tessera::codegen::detail
