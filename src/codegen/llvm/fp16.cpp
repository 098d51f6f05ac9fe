// float16 and bfloat16 conversions with integer operations.
//
// bfloat16 is converted by hand rather than with LLVM's bfloat type: on x86 without
// AVX512-BF16 LLVM lowers the rounding to a libgcc call (__truncsfbf2) that GCC 12 lacks,
// and the integer sequence below vectorizes. A bfloat16 value lives in a float32
// register; widening is free and rounding is round-to-nearest-even on the float32 bits.
//
// Narrowing float64 to a 16-bit format in two steps (float64 -> float32 -> 16 bits) can
// round twice. Rounding the first step to odd (keep the truncation, set the last bit if
// inexact) makes the second rounding give the correctly rounded result, because float32
// carries more than two extra bits beyond either 16-bit format.
#include <bit>
#include <cmath>
#include <cstdint>

#include "codegen/llvm/emitter.h"

namespace tessera::codegen::detail {
namespace {

llvm::Type* with_elem(llvm::Type* like, llvm::Type* elem) {
  if (auto* vt = llvm::dyn_cast<llvm::FixedVectorType>(like))
    return llvm::FixedVectorType::get(elem, vt->getNumElements());
  return elem;
}

llvm::Constant* int_const(llvm::Type* t, uint64_t v) { return llvm::ConstantInt::get(t, v); }

}  // namespace

llvm::Value* bf16_bits_to_float(Builder& b, llvm::Value* bits) {
  llvm::Type* i32 = with_elem(bits->getType(), b.getInt32Ty());
  llvm::Value* wide = b.CreateShl(b.CreateZExt(bits, i32), int_const(i32, 16));
  return b.CreateBitCast(wide, with_elem(bits->getType(), b.getFloatTy()));
}

llvm::Value* bf16_float_to_bits(Builder& b, llvm::Value* rounded) {
  llvm::Type* i32 = with_elem(rounded->getType(), b.getInt32Ty());
  llvm::Value* bits = b.CreateLShr(b.CreateBitCast(rounded, i32), int_const(i32, 16));
  return b.CreateTrunc(bits, with_elem(rounded->getType(), b.getInt16Ty()));
}

llvm::Value* round_to_bf16(Builder& b, llvm::Value* f32) {
  llvm::Type* i32 = with_elem(f32->getType(), b.getInt32Ty());
  llvm::Value* bits = b.CreateBitCast(f32, i32);
  llvm::Value* lsb = b.CreateAnd(b.CreateLShr(bits, int_const(i32, 16)), int_const(i32, 1));
  llvm::Value* biased = b.CreateAdd(b.CreateAdd(bits, int_const(i32, 0x7FFF)), lsb);
  llvm::Value* rounded = b.CreateAnd(biased, int_const(i32, 0xFFFF0000u));
  llvm::Value* quiet_nan =
      b.CreateOr(b.CreateAnd(bits, int_const(i32, 0xFFFF0000u)), int_const(i32, 0x00400000));
  llvm::Value* is_nan = b.CreateFCmpUNO(f32, f32);
  return b.CreateBitCast(b.CreateSelect(is_nan, quiet_nan, rounded), f32->getType());
}

llvm::Value* fptrunc_round_to_odd(Builder& b, llvm::Value* f64) {
  llvm::Type* f32_ty = with_elem(f64->getType(), b.getFloatTy());
  llvm::Type* i32 = with_elem(f64->getType(), b.getInt32Ty());
  llvm::Value* nearest = b.CreateFPTrunc(f64, f32_ty);
  llvm::Value* back = b.CreateFPExt(nearest, f64->getType());
  llvm::Value* inexact = b.CreateFCmpONE(back, f64);
  llvm::Value* bits = b.CreateBitCast(nearest, i32);
  llvm::Value* even = b.CreateICmpEQ(b.CreateAnd(bits, int_const(i32, 1)), int_const(i32, 0));
  // The odd neighbour lies toward f64: one step down in magnitude if we rounded away.
  llvm::Value* rounded_away = b.CreateFCmpOGT(b.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, back),
                                              b.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, f64));
  llvm::Value* odd = b.CreateSelect(rounded_away, b.CreateSub(bits, int_const(i32, 1)),
                                    b.CreateAdd(bits, int_const(i32, 1)));
  llvm::Value* result = b.CreateSelect(b.CreateAnd(inexact, even), odd, bits);
  return b.CreateBitCast(result, f32_ty);
}

double round_constant_to_bf16(double v) {
  if (std::isnan(v)) return std::nan("");
  float f = static_cast<float>(v);
  if (static_cast<double>(f) != v) {  // round to odd
    uint32_t fb = std::bit_cast<uint32_t>(f);
    if ((fb & 1) == 0) fb = std::fabs(static_cast<double>(f)) > std::fabs(v) ? fb - 1 : fb + 1;
    f = std::bit_cast<float>(fb);
  }
  uint32_t bits = std::bit_cast<uint32_t>(f);
  bits = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000u;
  return static_cast<double>(std::bit_cast<float>(bits));
}

}  // namespace tessera::codegen::detail
