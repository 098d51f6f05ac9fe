// Intrinsic calls: unary arithmetic, float math, float predicates, integer power, and
// access to the packed kernel arguments and their DLTensor descriptors.
//
// Exact operations (sqrt, rounding, copysign, fma) use LLVM intrinsics; fmod is a vector
// trunc/fma sequence with a per-lane libm fallback for huge quotients; transcendental
// functions go through call_math (libm / libmvec). The predicates and nextafter are
// integer and float compares on the bit patterns, so they vectorize. float16 and bfloat16
// arguments are computed in float32 and rounded back.
#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/MDBuilder.h>

#include <cmath>

#include "codegen/llvm/emitter.h"
#include "tessera/dlpack.h"

namespace tessera::codegen::detail {

using ir::DataType;
using ir::Intrinsic;

namespace {

// The libm/libmvec base name of a math function that has no exact LLVM intrinsic; the IR
// names these intrinsics after libm, so the printer's name is the symbol's.
const char* math_name(Intrinsic op) {
  switch (op) {
    case Intrinsic::Exp: case Intrinsic::Exp2: case Intrinsic::Expm1: case Intrinsic::Log:
    case Intrinsic::Log2: case Intrinsic::Log10: case Intrinsic::Log1p: case Intrinsic::Sin:
    case Intrinsic::Cos: case Intrinsic::Tan: case Intrinsic::Asin: case Intrinsic::Acos:
    case Intrinsic::Atan: case Intrinsic::Sinh: case Intrinsic::Cosh: case Intrinsic::Tanh:
    case Intrinsic::Asinh: case Intrinsic::Acosh: case Intrinsic::Atanh: case Intrinsic::Atan2:
    case Intrinsic::Pow: case Intrinsic::Hypot:
      return ir::to_string(op);
    default:
      return nullptr;
  }
}

llvm::Intrinsic::ID exact_intrinsic(Intrinsic op) {
  switch (op) {
    case Intrinsic::Sqrt: return llvm::Intrinsic::sqrt;
    case Intrinsic::Floor: return llvm::Intrinsic::floor;
    case Intrinsic::Ceil: return llvm::Intrinsic::ceil;
    case Intrinsic::Trunc: return llvm::Intrinsic::trunc;
    case Intrinsic::Round: return llvm::Intrinsic::roundeven;
    case Intrinsic::Copysign: return llvm::Intrinsic::copysign;
    case Intrinsic::Fma: return llvm::Intrinsic::fma;
    default: return llvm::Intrinsic::not_intrinsic;
  }
}

// Row j of the tile `rows` (L vectors of L lanes) after the block swaps of sizes L/2, L/4,
// ..., h: the swap of size h exchanges, between rows j and j + h (bit h of j clear), the
// h-wide blocks at lanes with bit h set in row j with those at lanes with bit h clear in
// row j + h. After the swap of size 1, row i is column i of the tile. Only the L - 1
// shuffles that feed one row are emitted; LLVM's CSE shares them among the rows of a tile,
// which leaves L log2(L) two-vector shuffles per transpose.
llvm::Value* swapped_row(llvm::IRBuilderBase& b, const std::vector<llvm::Value*>& rows, int64_t j, int64_t h) {
  const auto lanes = static_cast<int64_t>(rows.size());
  if (h >= lanes) return rows[static_cast<size_t>(j)];
  llvm::Value* low = swapped_row(b, rows, j & ~h, 2 * h);
  llvm::Value* high = swapped_row(b, rows, j | h, 2 * h);
  std::vector<int> mask(static_cast<size_t>(lanes));
  for (int64_t l = 0; l < lanes; ++l) {
    const bool upper = (l & h) != 0;
    if ((j & h) == 0) mask[static_cast<size_t>(l)] = static_cast<int>(upper ? lanes + l - h : l);
    else mask[static_cast<size_t>(l)] = static_cast<int>(upper ? lanes + l : l + h);
  }
  return b.CreateShuffleVector(low, high, mask);
}

}  // namespace

llvm::Value* Emitter::emit_call(const ir::CallNode* op) {
  const DataType t = op->type;
  auto arg = [&](size_t i) {
    if (i >= op->args.size())
      throw ir::IRError(std::string("tessera codegen: too few arguments to ") + ir::to_string(op->op));
    return emit(op->args[i]);
  };
  auto arg_type = [&](size_t i) { return op->args.at(i).type(); };

  if (math_name(op->op)) return emit_math(op);
  if (llvm::Intrinsic::ID id = exact_intrinsic(op->op); id != llvm::Intrinsic::not_intrinsic) {
    if (!t.is_float()) {  // rounding keeps integers unchanged
      if (op->op == Intrinsic::Floor || op->op == Intrinsic::Ceil || op->op == Intrinsic::Trunc ||
          op->op == Intrinsic::Round)
        return arg(0);
      throw ir::IRError(std::string("tessera codegen: ") + ir::to_string(op->op) + " on " + t.str());
    }
    std::vector<llvm::Value*> args;
    for (size_t i = 0; i < op->args.size(); ++i) args.push_back(widen_half(arg(i), t));
    llvm::Value* r = b_.CreateIntrinsic(id, {args[0]->getType()}, args);
    return narrow_half(r, t);
  }

  switch (op->op) {
    case Intrinsic::Neg: {
      llvm::Value* x = arg(0);
      if (t.is_float()) return b_.CreateFNeg(x);  // keeps signed zeros, exact in 16 bits too
      if (t.is_integer()) return b_.CreateNeg(x);
      break;
    }
    case Intrinsic::Abs: {
      llvm::Value* x = arg(0);
      if (t.is_float()) return b_.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, x);
      if (t.is_int()) return b_.CreateBinaryIntrinsic(llvm::Intrinsic::abs, x, b_.getFalse());
      if (t.is_uint() || t.is_bool()) return x;
      break;
    }
    case Intrinsic::BitNot: {
      llvm::Value* x = arg(0);
      return b_.CreateXor(x, llvm::Constant::getAllOnesValue(x->getType()));
    }
    case Intrinsic::LogicalNot: {
      llvm::Value* x = emit_cast(arg(0), arg_type(0), DataType::Bool(arg_type(0).lanes));
      return b_.CreateNot(x);
    }
    case Intrinsic::Fmod: {
      if (!t.is_float()) break;
      return narrow_half(emit_fmod(widen_half(arg(0), t), widen_half(arg(1), t)), t);
    }
    case Intrinsic::Nextafter:
      if (!t.is_float()) break;
      return emit_nextafter(t, arg(0), arg(1));
    case Intrinsic::IsNan:
    case Intrinsic::IsInf:
    case Intrinsic::IsFinite:
    case Intrinsic::Signbit: return emit_predicate(op);
    case Intrinsic::IPow: {
      if (!t.is_integer()) break;
      llvm::Value* base = arg(0);
      llvm::Value* e = emit_cast(arg(1), arg_type(1), t);
      return emit_ipow(t, base, e);
    }
    case Intrinsic::ArgHandle:
    case Intrinsic::ArgInt:
    case Intrinsic::ArgFloat:
    case Intrinsic::ArgTypeCode: return emit_arg_access(op);
    case Intrinsic::FormatDType:
    case Intrinsic::FormatDevice: return arg(0);  // plain values outside Assert messages
    case Intrinsic::ArgCount:
      if (!fs_.num_args) throw ir::IRError("tessera codegen: ArgCount outside a packed kernel");
      return b_.CreateIntCast(fs_.num_args, reg_type(t), true);
    case Intrinsic::TransposeLane: {
      std::vector<llvm::Value*> rows;
      for (size_t k = 1; k < op->args.size(); ++k) rows.push_back(arg(k));
      return swapped_row(b_, rows, *ir::as_const_int(op->args[0]), 1);
    }
    case Intrinsic::Reinterpret: {
      const DataType from = arg_type(0);
      llvm::Value* bits = to_storage(arg(0), from);
      if (from.is_handle()) bits = b_.CreatePtrToInt(bits, b_.getInt64Ty());
      if (t.is_handle()) return b_.CreateIntToPtr(b_.CreateBitCast(bits, b_.getInt64Ty()), b_.getPtrTy());
      llvm::Type* st = storage_type(t);
      if (t.lanes > 1) st = llvm::FixedVectorType::get(st, t.lanes);
      if (bits->getType()->getPrimitiveSizeInBits() != st->getPrimitiveSizeInBits())
        throw ir::IRError("tessera codegen: Reinterpret between " + from.str() + " and " + t.str() +
                          " of different widths");
      return from_storage(b_.CreateBitCast(bits, st), t);
    }
    default: return emit_tensor_field(op);
  }
  throw ir::IRError(std::string("tessera codegen: ") + ir::to_string(op->op) +
                    " is not supported on " + t.str());
}

llvm::Value* Emitter::emit_math(const ir::CallNode* op) {
  const DataType t = op->type;
  if (!t.is_float())
    throw ir::IRError(std::string("tessera codegen: ") + ir::to_string(op->op) +
                      " needs float arguments, got " + t.str());
  std::vector<llvm::Value*> args;
  for (const ir::Expr& a : op->args) {
    if (a.type() != t)
      throw ir::IRError(std::string("tessera codegen: ") + ir::to_string(op->op) +
                        " argument of type " + a.type().str() + ", expected " + t.str());
    args.push_back(widen_half(emit(a), t));
  }
  return narrow_half(call_math(b_, target_, math_name(op->op), args), t);
}

llvm::Value* Emitter::emit_predicate(const ir::CallNode* op) {
  const DataType at = op->args.at(0).type();
  llvm::Value* x = emit(op->args[0]);
  llvm::Type* bool_ty = reg_type(DataType::Bool(at.lanes));
  if (!at.is_float()) {  // integers and bools are finite numbers
    if (op->op == Intrinsic::IsFinite) return llvm::ConstantInt::getTrue(bool_ty);
    if (op->op == Intrinsic::Signbit && at.is_int())
      return b_.CreateICmpSLT(x, llvm::Constant::getNullValue(x->getType()));
    return llvm::ConstantInt::getFalse(bool_ty);
  }
  if (op->op == Intrinsic::Signbit) {  // on the stored bits, so NaN signs count too
    llvm::Type* int_ty = llvm::IntegerType::get(ctx_, x->getType()->getScalarSizeInBits());
    if (at.lanes > 1) int_ty = llvm::FixedVectorType::get(int_ty, at.lanes);
    llvm::Value* bits = b_.CreateBitCast(x, int_ty);
    return b_.CreateICmpSLT(bits, llvm::Constant::getNullValue(int_ty));
  }
  x = widen_half(x, at);
  llvm::Value* inf = llvm::ConstantFP::getInfinity(x->getType());
  switch (op->op) {
    case Intrinsic::IsNan: return b_.CreateFCmpUNO(x, x);
    case Intrinsic::IsInf: return b_.CreateFCmpOEQ(b_.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, x), inf);
    default: return b_.CreateFCmpOLT(b_.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, x), inf);
  }
}

llvm::Value* Emitter::emit_nextafter(DataType t, llvm::Value* x, llvm::Value* y) {
  // Step x's bit pattern by one unit toward y (bfloat16's unit is bit 16 of its float32).
  const int bits = t.is_float16() ? 16 : t.bits == 64 ? 64 : 32;
  llvm::Type* int_ty = llvm::IntegerType::get(ctx_, bits);
  if (t.lanes > 1) int_ty = llvm::FixedVectorType::get(int_ty, t.lanes);
  auto c = [&](uint64_t v) { return llvm::ConstantInt::get(int_ty, v); };
  const uint64_t unit = t.is_bfloat16() ? 1u << 16 : 1u;

  llvm::Value* wx = widen_half(x, t);
  llvm::Value* wy = widen_half(y, t);
  llvm::Value* zero = llvm::ConstantFP::get(wx->getType(), 0.0);
  llvm::Value* xb = b_.CreateBitCast(x, int_ty);
  llvm::Value* yb = b_.CreateBitCast(y, int_ty);
  // Away from zero when moving toward y increases |x|.
  llvm::Value* grow = b_.CreateICmpEQ(b_.CreateFCmpOLT(wx, wy), b_.CreateFCmpOGT(wx, zero));
  llvm::Value* stepped = b_.CreateSelect(grow, b_.CreateAdd(xb, c(unit)), b_.CreateSub(xb, c(unit)));
  llvm::Value* tiny = b_.CreateOr(c(unit), b_.CreateAnd(yb, c(uint64_t{1} << (bits - 1))));
  llvm::Value* r = b_.CreateSelect(b_.CreateFCmpOEQ(wx, zero), tiny, stepped);
  r = b_.CreateBitCast(r, x->getType());
  r = b_.CreateSelect(b_.CreateFCmpOEQ(wx, wy), y, r);
  r = b_.CreateSelect(b_.CreateFCmpUNO(wx, wx), x, r);
  return b_.CreateSelect(b_.CreateFCmpUNO(wy, wy), y, r);
}

llvm::Value* Emitter::emit_fmod(llvm::Value* a, llvm::Value* b) {
  // Vector fast path: q = trunc(a / b) and r = fma(-q, b, a), which is exact whenever q is
  // the true truncated quotient and |q| < 2^precision (the remainder is representable and
  // q * b fits the fma's exact product). A rounded-up quotient shows as a remainder of the
  // wrong sign and is redone with q - 1. Lanes with larger quotients (rare) send the whole
  // vector to frem, which LLVM lowers to libm fmod per lane.
  llvm::Type* ty = a->getType();
  const int precision = ty->getScalarType()->isFloatTy() ? 24 : 53;
  auto c = [&](double v) { return llvm::ConstantFP::get(ty, v); };
  auto fabs = [&](llvm::Value* v) { return b_.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, v); };
  auto fma = [&](llvm::Value* x, llvm::Value* y, llvm::Value* z) {
    return b_.CreateIntrinsic(llvm::Intrinsic::fma, {ty}, {x, y, z});
  };
  llvm::Value* quotient = b_.CreateFDiv(a, b);
  llvm::Value* q = b_.CreateUnaryIntrinsic(llvm::Intrinsic::trunc, quotient);
  llvm::Value* r = fma(b_.CreateFNeg(q), b, a);
  llvm::Value* overshot = b_.CreateAnd(b_.CreateFCmpUNE(r, c(0)),
                                       b_.CreateXor(b_.CreateFCmpOLT(r, c(0)), b_.CreateFCmpOLT(a, c(0))));
  llvm::Value* q1 = b_.CreateFSub(q, b_.CreateBinaryIntrinsic(llvm::Intrinsic::copysign, c(1), q));
  r = b_.CreateSelect(overshot, fma(b_.CreateFNeg(q1), b, a), r);
  r = b_.CreateBinaryIntrinsic(llvm::Intrinsic::copysign, r, a);  // zero takes a's sign
  llvm::Value* inf = llvm::ConstantFP::getInfinity(ty);
  llvm::Value* finite_a = b_.CreateFCmpOLT(fabs(a), inf);
  // fmod(finite, +-inf) == a; NaN, infinite a and zero b already give NaN above.
  llvm::Value* fast = b_.CreateSelect(b_.CreateAnd(finite_a, b_.CreateFCmpOEQ(fabs(b), inf)), a, r);
  llvm::Value* big = b_.CreateAnd(b_.CreateAnd(finite_a, b_.CreateFCmpONE(b, c(0))),
                                  b_.CreateAnd(b_.CreateFCmpOLT(fabs(b), inf),
                                               b_.CreateFCmpUGE(fabs(quotient), c(std::ldexp(1.0, precision - 1)))));
  llvm::Value* any_big = ty->isVectorTy() ? b_.CreateOrReduce(big) : big;

  llvm::BasicBlock* from = b_.GetInsertBlock();
  llvm::BasicBlock* slow = llvm::BasicBlock::Create(ctx_, "fmod.slow", fs_.fn);
  llvm::BasicBlock* done = llvm::BasicBlock::Create(ctx_, "fmod.done", fs_.fn);
  b_.CreateCondBr(any_big, slow, done, llvm::MDBuilder(ctx_).createUnlikelyBranchWeights());
  b_.SetInsertPoint(slow);
  llvm::Value* exact = b_.CreateFRem(a, b);
  b_.CreateBr(done);
  b_.SetInsertPoint(done);
  llvm::PHINode* result = b_.CreatePHI(ty, 2);
  result->addIncoming(fast, from);
  result->addIncoming(exact, slow);
  return result;
}

llvm::Value* Emitter::emit_ipow(DataType t, llvm::Value* base, llvm::Value* exponent) {
  // Square-and-multiply over the exponent's bits; vector lanes loop until all are done.
  llvm::Type* ty = base->getType();
  auto c = [&](int64_t v) { return llvm::ConstantInt::get(ty, static_cast<uint64_t>(v), true); };
  llvm::Value* zero = c(0);
  llvm::Value* negative = t.is_int() ? b_.CreateICmpSLT(exponent, zero)
                                     : llvm::ConstantInt::getFalse(reg_type(DataType::Bool(t.lanes)));
  llvm::Value* e0 = b_.CreateSelect(negative, zero, exponent);

  llvm::BasicBlock* pre = b_.GetInsertBlock();
  llvm::BasicBlock* header = llvm::BasicBlock::Create(ctx_, "ipow.header", fs_.fn);
  llvm::BasicBlock* body = llvm::BasicBlock::Create(ctx_, "ipow.body", fs_.fn);
  llvm::BasicBlock* exit = llvm::BasicBlock::Create(ctx_, "ipow.exit", fs_.fn);
  b_.CreateBr(header);
  b_.SetInsertPoint(header);
  llvm::PHINode* result = b_.CreatePHI(ty, 2);
  llvm::PHINode* power = b_.CreatePHI(ty, 2);
  llvm::PHINode* e = b_.CreatePHI(ty, 2);
  llvm::Value* pending = b_.CreateICmpNE(e, zero);
  if (t.lanes > 1) pending = b_.CreateOrReduce(pending);
  b_.CreateCondBr(pending, body, exit);
  b_.SetInsertPoint(body);
  llvm::Value* odd = b_.CreateICmpNE(b_.CreateAnd(e, c(1)), zero);
  llvm::Value* next_result = b_.CreateSelect(odd, b_.CreateMul(result, power), result);
  llvm::Value* next_power = b_.CreateMul(power, power);
  llvm::Value* next_e = b_.CreateLShr(e, c(1));
  b_.CreateBr(header);
  result->addIncoming(c(1), pre);
  result->addIncoming(next_result, body);
  power->addIncoming(base, pre);
  power->addIncoming(next_power, body);
  e->addIncoming(e0, pre);
  e->addIncoming(next_e, body);
  b_.SetInsertPoint(exit);
  if (!t.is_int()) return result;
  // Negative exponent: 1 for base 1, +-1 for base -1, 0 otherwise.
  llvm::Value* exp_odd = b_.CreateICmpNE(b_.CreateAnd(exponent, c(1)), zero);
  llvm::Value* minus_one = b_.CreateSelect(exp_odd, c(-1), c(1));
  llvm::Value* special = b_.CreateSelect(b_.CreateICmpEQ(base, c(1)), c(1),
                                         b_.CreateSelect(b_.CreateICmpEQ(base, c(-1)), minus_one, zero));
  return b_.CreateSelect(negative, special, result);
}

llvm::Value* Emitter::emit_arg_access(const ir::CallNode* op) {
  if (!fs_.args) throw ir::IRError("tessera codegen: argument access outside a packed kernel");
  llvm::Value* i = emit(op->args.at(0));
  i = index_to_i64(i, op->args[0].type());
  if (op->op == Intrinsic::ArgTypeCode) {
    llvm::Value* code = b_.CreateAlignedLoad(b_.getInt32Ty(), b_.CreateInBoundsGEP(b_.getInt32Ty(), fs_.type_codes, i), llvm::Align(4));
    return b_.CreateIntCast(code, reg_type(op->type), true);
  }
  llvm::Type* slot = op->op == Intrinsic::ArgHandle ? static_cast<llvm::Type*>(b_.getPtrTy())
                     : op->op == Intrinsic::ArgInt  ? static_cast<llvm::Type*>(b_.getInt64Ty())
                                                    : static_cast<llvm::Type*>(b_.getDoubleTy());
  llvm::Value* addr = b_.CreateInBoundsGEP(b_.getInt64Ty(), fs_.args, i);  // TesseraValue is 8 bytes
  llvm::Value* v = b_.CreateAlignedLoad(slot, addr, llvm::Align(8));
  return emit_cast(v, op->op == Intrinsic::ArgHandle ? DataType::Handle()
                      : op->op == Intrinsic::ArgInt  ? DataType::Int(64)
                                                     : DataType::Float(64),
                   op->type);
}

llvm::Value* Emitter::emit_tensor_field(const ir::CallNode* op) {
  // Field offsets of DLTensor (tessera/dlpack.h), checked at compile time.
  static_assert(offsetof(DLTensor, data) == 0 && offsetof(DLTensor, device) == 8 &&
                offsetof(DLTensor, ndim) == 16 && offsetof(DLTensor, dtype) == 20 &&
                offsetof(DLTensor, shape) == 24 && offsetof(DLTensor, strides) == 32 &&
                offsetof(DLTensor, byte_offset) == 40);
  llvm::Value* h = emit(op->args.at(0));
  auto field = [&](llvm::Type* ty, uint64_t offset, uint64_t align) {
    return b_.CreateAlignedLoad(ty, b_.CreateConstInBoundsGEP1_64(b_.getInt8Ty(), h, offset), llvm::Align(align));
  };
  auto as_result = [&](llvm::Value* v, bool is_signed) {
    return b_.CreateIntCast(v, reg_type(op->type), is_signed);
  };
  auto dim_index = [&]() { return index_to_i64(emit(op->args.at(1)), op->args[1].type()); };
  switch (op->op) {
    case Intrinsic::TensorData:
      return b_.CreateInBoundsGEP(b_.getInt8Ty(), field(b_.getPtrTy(), 0, 8), field(b_.getInt64Ty(), 40, 8));
    case Intrinsic::TensorDeviceType: return as_result(field(b_.getInt32Ty(), 8, 4), true);
    case Intrinsic::TensorNDim: return as_result(field(b_.getInt32Ty(), 16, 4), true);
    case Intrinsic::TensorDTypeCode: return as_result(field(b_.getInt8Ty(), 20, 1), false);
    case Intrinsic::TensorDTypeBits: return as_result(field(b_.getInt8Ty(), 21, 1), false);
    case Intrinsic::TensorDTypeLanes: return as_result(field(b_.getInt16Ty(), 22, 2), false);
    case Intrinsic::TensorByteOffset: return as_result(field(b_.getInt64Ty(), 40, 8), false);
    case Intrinsic::TensorShape: {
      llvm::Value* shape = field(b_.getPtrTy(), 24, 8);
      llvm::Value* addr = b_.CreateInBoundsGEP(b_.getInt64Ty(), shape, dim_index());
      return as_result(b_.CreateAlignedLoad(b_.getInt64Ty(), addr, llvm::Align(8)), true);
    }
    case Intrinsic::TensorHasStrides: {
      llvm::Value* strides = field(b_.getPtrTy(), 32, 8);
      return b_.CreateICmpNE(strides, llvm::ConstantPointerNull::get(b_.getPtrTy()));
    }
    case Intrinsic::TensorStride: {
      // NULL strides read 0 from a constant, so the load needs no branch.
      llvm::Value* strides = field(b_.getPtrTy(), 32, 8);
      llvm::Value* is_null = b_.CreateICmpEQ(strides, llvm::ConstantPointerNull::get(b_.getPtrTy()));
      llvm::GlobalVariable* zero = module_.getGlobalVariable("tessera.zero_i64", true);
      if (!zero) {
        zero = new llvm::GlobalVariable(module_, b_.getInt64Ty(), true, llvm::GlobalValue::PrivateLinkage,
                                        b_.getInt64(0), "tessera.zero_i64");
        zero->setAlignment(llvm::Align(8));
      }
      llvm::Value* addr = b_.CreateSelect(is_null, zero, b_.CreateInBoundsGEP(b_.getInt64Ty(), strides, dim_index()));
      return as_result(b_.CreateAlignedLoad(b_.getInt64Ty(), addr, llvm::Align(8)), true);
    }
    default: break;
  }
  throw ir::IRError(std::string("tessera codegen: intrinsic ") + ir::to_string(op->op) +
                    " is not supported by the LLVM backend");
}

}  // namespace tessera::codegen::detail
