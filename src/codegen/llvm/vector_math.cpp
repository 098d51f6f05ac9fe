// Transcendental functions: libm for scalars, glibc's libmvec for vectors on x86-64.
//
// libmvec names follow the x86-64 vector function ABI: _ZGV<isa>N<lanes><v per arg>_<name>,
// with isa b = SSE (128-bit), c = AVX (256), d = AVX2 (256), e = AVX-512 (512), and the
// float32 version named with the 'f' suffix (_ZGVeN16v_expf, _ZGVdN4vv_pow). A vector of
// any width is cut into the widest native chunks the target supports; a remainder narrower
// than the narrowest chunk is padded with zeros (a single lane calls libm). Results are
// glued back together with shuffles.
//
// Accuracy: glibc documents libmvec functions at 4 ULP or better and its scalar libm at a
// few ULP at most (most float32 functions are correctly rounded or within 1 ULP). Targets
// without libmvec (aarch64 here) call libm once per lane.
//
// float32 exp, tanh, sin, cos and log vectors are computed inline instead (on targets with FMA):
// a libmvec call costs about as much as the memory traffic of a large elementwise kernel,
// so it kept those kernels below copy bandwidth. The inline kernels are short polynomials
// fitted for relative (minimax) error, evaluated with FMA: exp reduces by n*ln2 (n nearest
// x/ln2) and scales by adding n to the exponent bits; tanh is -m/(2 + m) with
// m = expm1(-2|x|) from the same pieces; sin and cos reduce by n*pi with pi in three float parts
// and flip the sign for odd n. They stay within 2 ULP of the correctly rounded result
// (tests/cpp/vector_math_f32_test.cpp). exp, sin and cos keep a fast range (|x| < 86.5,
// |x| < 1e5); a vector with any lane outside it (including inf and NaN) also calls libmvec,
// whose results replace those lanes, so huge arguments and special values keep libmvec's
// behaviour.
//
// float32 log, log2, log10 and log1p split x (1 + x for log1p) = 2^k * z with z in
// [sqrt(1/2), sqrt(2)) by integer arithmetic on the bits, and evaluate log1p(r), r = z - 1
// (exact), as r + r^2 * P(r) with P of degree 7 (scaled by log2(e) or log10(e) for the other
// bases). The terms are added smallest first and the largest ones (k*log(2), r*log(e)) last,
// in fmas, with constants split into a float head and tail where their rounding would show:
// at most 1.3 ULP before the final rounding, 1 ULP after it, on every float of the domain.
// Lanes that are not positive normal numbers (zero, subnormal, negative, inf, NaN; for
// log1p, 1 + x outside [2^-126, 2^127)) take libmvec's result, as exp's lanes outside its
// range do; so special values and subnormals keep libmvec's (NumPy's) results.
#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/MDBuilder.h>
#include <llvm/IR/Module.h>
#include <llvm/TargetParser/Triple.h>

#include <algorithm>
#include <functional>
#include <set>

#include "codegen/llvm/emitter.h"
#include "tessera/ir/expr.h"

namespace tessera::codegen::detail {
namespace {

const std::set<std::string>& libmvec_functions() {
  static const std::set<std::string> names = {
      "exp",  "exp2", "expm1", "log",   "log2",  "log10", "log1p", "sin",   "cos",
      "tan",  "asin", "acos",  "atan",  "atan2", "sinh",  "cosh",  "tanh",  "asinh",
      "acosh", "atanh", "pow", "hypot"};
  return names;
}

struct VectorIsa {
  char letter;
  int bits;
};

// Vector ISAs with libmvec entry points on this target, widest first.
std::vector<VectorIsa> vector_isas(const CpuTarget& target) {
  if (llvm::Triple(target.triple).getArch() != llvm::Triple::x86_64) return {};
  std::vector<VectorIsa> isas;
  if (target.has_feature("avx512f")) isas.push_back({'e', 512});
  if (target.has_feature("avx2")) isas.push_back({'d', 256});
  else if (target.has_feature("avx")) isas.push_back({'c', 256});
  isas.push_back({'b', 128});  // SSE2 is part of x86-64
  return isas;
}

llvm::FunctionCallee declare_pure(llvm::Module& m, const std::string& name, llvm::Type* type,
                                  size_t num_args) {
  std::vector<llvm::Type*> params(num_args, type);
  if (llvm::Function* f = m.getFunction(name); f && !f->isDeclaration())
    throw ir::IRError("tessera codegen: kernel name " + name + " collides with a library function");
  llvm::FunctionCallee callee =
      m.getOrInsertFunction(name, llvm::FunctionType::get(type, params, false));
  if (auto* f = llvm::dyn_cast<llvm::Function>(callee.getCallee())) {
    f->setDoesNotThrow();
    f->setDoesNotAccessMemory();  // errno is not observed by generated code
    f->setWillReturn();
  }
  return callee;
}

unsigned lanes_of(llvm::Value* v) {
  return llvm::cast<llvm::FixedVectorType>(v->getType())->getNumElements();
}

// Lanes [start, start + n) of v, padded with zeros to width lanes.
llvm::Value* slice(Builder& b, llvm::Value* v, unsigned start, unsigned n, unsigned width) {
  unsigned total = lanes_of(v);
  if (start == 0 && n == total && width == total) return v;
  std::vector<int> mask(width);
  for (unsigned i = 0; i < width; ++i) mask[i] = i < n ? static_cast<int>(start + i) : total;
  return b.CreateShuffleVector(v, llvm::Constant::getNullValue(v->getType()), mask);
}

llvm::Value* widen(Builder& b, llvm::Value* v, unsigned width) {
  unsigned n = lanes_of(v);
  if (n == width) return v;
  std::vector<int> mask(width, llvm::PoisonMaskElem);
  for (unsigned i = 0; i < n; ++i) mask[i] = static_cast<int>(i);
  return b.CreateShuffleVector(v, mask);
}

// The first na lanes of a followed by the first nc lanes of c.
llvm::Value* concat(Builder& b, llvm::Value* a, unsigned na, llvm::Value* c, unsigned nc) {
  unsigned width = std::max(lanes_of(a), lanes_of(c));
  a = widen(b, a, width);
  c = widen(b, c, width);
  std::vector<int> mask;
  for (unsigned i = 0; i < na; ++i) mask.push_back(static_cast<int>(i));
  for (unsigned i = 0; i < nc; ++i) mask.push_back(static_cast<int>(width + i));
  return b.CreateShuffleVector(a, c, mask);
}

llvm::Value* call_scalar(Builder& b, const std::string& name, llvm::Type* elem,
                         const std::vector<llvm::Value*>& args) {
  std::string symbol = name + (elem->isFloatTy() ? "f" : "");
  llvm::Module& m = *b.GetInsertBlock()->getModule();
  return b.CreateCall(declare_pure(m, symbol, elem, args.size()), args);
}

llvm::Value* call_per_lane(Builder& b, const std::string& name,
                           const std::vector<llvm::Value*>& args) {
  auto* vt = llvm::cast<llvm::FixedVectorType>(args[0]->getType());
  llvm::Value* result = llvm::PoisonValue::get(vt);
  for (unsigned i = 0; i < vt->getNumElements(); ++i) {
    std::vector<llvm::Value*> lane_args;
    for (llvm::Value* a : args) lane_args.push_back(b.CreateExtractElement(a, i));
    result = b.CreateInsertElement(result, call_scalar(b, name, vt->getElementType(), lane_args), i);
  }
  return result;
}

llvm::Value* call_libmvec(Builder& b, VectorIsa isa, unsigned lanes, const std::string& name,
                          const std::vector<llvm::Value*>& chunk_args) {
  llvm::Type* type = chunk_args[0]->getType();
  bool f32 = type->getScalarType()->isFloatTy();
  std::string symbol = std::string("_ZGV") + isa.letter + "N" + std::to_string(lanes) +
                       std::string(chunk_args.size(), 'v') + "_" + name + (f32 ? "f" : "");
  llvm::Module& m = *b.GetInsertBlock()->getModule();
  return b.CreateCall(declare_pure(m, symbol, type, chunk_args.size()), chunk_args);
}

// Inline float32 vector kernels; see the header comment for the method.
class InlineF32 {
 public:
  InlineF32(Builder& b, llvm::Type* type)
      : b_(b), ty_(type), ity_(llvm::VectorType::getInteger(llvm::cast<llvm::VectorType>(type))) {}

  // The pieces of e^x = 2^n * (1 + s): t, whose low mantissa bits hold n = round(x / ln2)
  // (the shifter 1.5 * 2^23 added), and s = e^r - 1 for r = x - n*ln2 in [-ln2/2, ln2/2].
  std::pair<llvm::Value*, llvm::Value*> exp_parts(llvm::Value* x) {
    static constexpr double kP[] = {0.4999999403953552, 0.1666652113199234, 0.04166838899254799,
                                    0.008368710055947304, 0.0013814611593261361};
    llvm::Value* t = fma(x, f(1.4426950216293335), f(kShifter));
    llvm::Value* n = b_.CreateFSub(t, f(kShifter));
    llvm::Value* r = fma(n, f(-0.6931471824645996), x);
    r = fma(n, f(1.904654299957768e-09), r);
    return {t, fma(b_.CreateFMul(r, r), horner(r, kP), r)};
  }

  // e^x, valid for |x| < 86.5 (n in [-125, 125], so the result stays a normal float).
  llvm::Value* exp_core(llvm::Value* x) {
    auto [t, s] = exp_parts(x);
    llvm::Value* e = b_.CreateFAdd(s, f(1.0));             // in [0.7, 1.42]
    llvm::Value* exponent = b_.CreateShl(bits(t), i(23));  // n << 23
    return b_.CreateBitCast(b_.CreateAdd(bits(e), exponent), ty_);
  }

  llvm::Value* exp(llvm::Value* x, const std::function<llvm::Value*()>& library) {
    llvm::Value* outside = b_.CreateFCmpUGE(fabs(x), f(86.5));  // NaN too
    return with_fallback(exp_core(x), outside, library);
  }

  // tanh(|x|) = -m / (2 + m) with m = e^u - 1, u = -2|x| (then the sign of x). m comes from
  // exp_core's pieces as 2^n * (1 + s) - 1 = fma(2^n, s, 2^n - 1), which keeps its relative
  // accuracy near 0 (n == 0 gives m = s). |x| is clamped at 20, where tanh is 1 in float32;
  // that also maps inf to 1, while NaN passes through as NaN (no step converts to integer).
  llvm::Value* tanh(llvm::Value* x) {
    llvm::Value* a = fabs(x);
    llvm::Value* clamped = b_.CreateSelect(b_.CreateFCmpOGT(a, f(20.0)), f(20.0), a);
    llvm::Value* u = b_.CreateFMul(clamped, f(-2.0));
    auto [t, s] = exp_parts(u);
    llvm::Value* scale = b_.CreateBitCast(b_.CreateAdd(b_.CreateShl(bits(t), i(23)), bits(f(1.0))), ty_);
    llvm::Value* m = fma(scale, s, b_.CreateFSub(scale, f(1.0)));
    llvm::Value* r = b_.CreateFDiv(b_.CreateFNeg(m), b_.CreateFAdd(m, f(2.0)));
    return b_.CreateBinaryIntrinsic(llvm::Intrinsic::copysign, r, x);
  }

  // sin(x), or cos(x) = sin(x + pi/2): x - h*pi with h = n (sin) or n - 1/2 (cos), n integer,
  // is sin's argument reduced to [-pi/2, pi/2], and odd n flips the sign.
  llvm::Value* sin_cos(llvm::Value* x, bool cosine, const std::function<llvm::Value*()>& library) {
    static constexpr double kP[] = {-0.16666659712791443, 0.0083330562338233, -0.000198088469915092,
                                    2.604023165986291e-06};
    llvm::Value* t;  // its low mantissa bits hold n once the shifter is added
    if (cosine) t = b_.CreateFAdd(fma(x, f(0.31830987334251404), f(0.5)), f(kShifter));
    else t = fma(x, f(0.31830987334251404), f(kShifter));
    llvm::Value* h = b_.CreateFSub(t, f(kShifter));
    if (cosine) h = b_.CreateFSub(h, f(0.5));
    llvm::Value* r = fma(h, f(-3.1415927410125732), x);
    r = fma(h, f(8.742277657347586e-08), r);
    r = fma(h, f(3.4302490200117637e-15), r);
    llvm::Value* z = b_.CreateFMul(r, r);
    llvm::Value* s = fma(b_.CreateFMul(r, z), horner(z, kP), r);
    llvm::Value* sign = b_.CreateShl(bits(t), i(31));  // n's parity
    s = b_.CreateBitCast(b_.CreateXor(bits(s), sign), ty_);
    if (!cosine) s = b_.CreateSelect(b_.CreateFCmpOEQ(x, f(0.0)), x, s);  // sin(-0) == -0
    llvm::Value* outside = b_.CreateFCmpUGE(fabs(x), f(1e5));
    return with_fallback(s, outside, library);
  }

  // log_b(x) for base 0 (e), 2 or 10; see the header comment for the method.
  llvm::Value* log(llvm::Value* x, int base, const std::function<llvm::Value*()>& library) {
    // P times log2(e) and log10(e) (rounded to float).
    static constexpr double kP2[] = {-0.7213473916053772, 0.4809071719646454, -0.3606993854045868,
                                     0.28799423575401306, -0.23905909061431885, 0.21519750356674194,
                                     -0.2064168006181717, 0.12607420980930328};
    static constexpr double kP10[] = {-0.21714720129966736, 0.14476747810840607, -0.10858133435249329,
                                      0.08669490367174149,  -0.07196395844221115, 0.06478090584278107,
                                      -0.06213764846324921, 0.03795211762189865};
    auto [k, r, k_bits] = log_parts(x);
    llvm::Value* result;
    if (base == 2) {  // k + r*log2(e) + r*(tail of log2(e) + r*P2)
      llvm::Value* q = fma(r, horner(r, kP2), f(1.925963033500011e-08));
      result = b_.CreateFAdd(k, fma(r, f(1.4426950216293335), b_.CreateFMul(r, q)));
    } else if (base == 10) {  // k*log10(2) + r*log10(e) + r*(tail of log10(e) + r*P10) + k*(tail of log10(2))
      llvm::Value* q = fma(r, horner(r, kP10), f(-1.0103049952192578e-08));
      llvm::Value* tail = fma(r, q, b_.CreateFMul(k, f(-1.432098883924482e-08)));
      result = fma(k, f(0.3010300099849701), fma(r, f(0.4342944920063019), tail));
    } else {  // k*ln(2) + r + r^2*P
      result = fma(k, f(0.6931471824645996), fma(b_.CreateFMul(r, r), horner(r, kLogP), r));
    }
    // Not a positive normal float: zero, subnormal, negative, inf or NaN.
    llvm::Value* outside = b_.CreateICmpUGE(b_.CreateSub(bits(x), i(0x00800000)), i(0x7f000000));
    return with_fallback(result, outside, library);
  }

  // log1p(x) = log(u) for u = 1 + x, except that u's rounding error c = x - (u - 1) is put
  // back: log(u + c) = k*ln(2) + log1p(r + d), d = c * 2^-k, and log1p(r + d) is
  // log1p(r) + d/(1 + r) with d/(1 + r) ~ d - d*r (d is below an ulp of r). c is exact
  // while u < 2^24 (above, d is too small to matter). Near 0 this returns x itself (u = 1,
  // r = 0, d = x); +-0 are passed through for the sign of -0.
  llvm::Value* log1p(llvm::Value* x, const std::function<llvm::Value*()>& library) {
    llvm::Value* u = b_.CreateFAdd(x, f(1.0));
    llvm::Value* c = b_.CreateFSub(x, b_.CreateFSub(u, f(1.0)));
    auto [k, r, k_bits] = log_parts(u);
    llvm::Value* scale = b_.CreateBitCast(b_.CreateSub(i(0x3f800000), k_bits), ty_);  // 2^-k; 0 for k = 127
    llvm::Value* d = b_.CreateFMul(c, scale);
    llvm::Value* small = fma(b_.CreateFMul(r, r), horner(r, kLogP), fma(b_.CreateFNeg(d), r, d));
    llvm::Value* result = fma(k, f(0.6931471824645996), b_.CreateFAdd(r, small));
    result = b_.CreateSelect(b_.CreateFCmpOEQ(x, f(0.0)), x, result);
    // u not in [2^-126, 2^127): x <= -1, inf, NaN, or so large that 2^-k would underflow.
    llvm::Value* outside = b_.CreateICmpUGE(b_.CreateSub(bits(u), i(0x00800000)), i(0x7e800000));
    return with_fallback(result, outside, library);
  }

 private:
  static constexpr double kShifter = 12582912.0;  // 1.5 * 2^23
  // log1p(r) ~ r + r^2 * P(r) for r in [sqrt(1/2) - 1, sqrt(2) - 1], relative error 3e-8.
  static constexpr double kLogP[] = {-0.49999991059303284, 0.3333394527435303, -0.25001776218414307,
                                     0.19962239265441895,  -0.16570313274860382, 0.14916354417800903,
                                     -0.14307722449302673, 0.08738797903060913};

  struct LogParts {
    llvm::Value* k;       // float
    llvm::Value* r;       // z - 1, exact
    llvm::Value* k_bits;  // k << 23
  };
  // x = 2^k * z with z in [sqrt(1/2), sqrt(2)), for positive normal x.
  LogParts log_parts(llvm::Value* x) {
    llvm::Value* ix = bits(x);
    llvm::Value* shifted = b_.CreateSub(ix, i(0x3f3504f3));  // bits of sqrt(1/2)
    llvm::Value* k_bits = b_.CreateAnd(shifted, i(0xff800000));
    llvm::Value* k = b_.CreateSIToFP(b_.CreateAShr(shifted, i(23)), ty_);
    llvm::Value* z = b_.CreateBitCast(b_.CreateSub(ix, k_bits), ty_);
    return {k, b_.CreateFSub(z, f(1.0)), k_bits};
  }

  llvm::Value* f(double v) { return llvm::ConstantFP::get(ty_, v); }
  llvm::Value* i(uint64_t v) { return llvm::ConstantInt::get(ity_, v); }
  llvm::Value* bits(llvm::Value* v) { return b_.CreateBitCast(v, ity_); }
  llvm::Value* fabs(llvm::Value* v) { return b_.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, v); }
  llvm::Value* fma(llvm::Value* x, llvm::Value* y, llvm::Value* z) {
    return b_.CreateIntrinsic(llvm::Intrinsic::fma, {ty_}, {x, y, z});
  }
  template <size_t N>
  llvm::Value* horner(llvm::Value* x, const double (&c)[N]) {
    llvm::Value* p = f(c[N - 1]);
    for (size_t k = N - 1; k-- > 0;) p = fma(p, x, f(c[k]));
    return p;
  }

  // `fast`, except in `outside` lanes, which take `library`'s result; `library` runs only
  // for vectors with such a lane (rare), and the other lanes keep the fast result, so
  // accuracy does not depend on the neighbours.
  llvm::Value* with_fallback(llvm::Value* fast, llvm::Value* outside,
                             const std::function<llvm::Value*()>& library) {
    llvm::Function* fn = b_.GetInsertBlock()->getParent();
    llvm::LLVMContext& ctx = fn->getContext();
    llvm::BasicBlock* from = b_.GetInsertBlock();
    llvm::BasicBlock* slow = llvm::BasicBlock::Create(ctx, "math.slow", fn);
    llvm::BasicBlock* done = llvm::BasicBlock::Create(ctx, "math.done", fn);
    b_.CreateCondBr(b_.CreateOrReduce(outside), slow, done, llvm::MDBuilder(ctx).createUnlikelyBranchWeights());
    b_.SetInsertPoint(slow);
    llvm::Value* exact = b_.CreateSelect(outside, library(), fast);
    llvm::BasicBlock* slow_end = b_.GetInsertBlock();
    b_.CreateBr(done);
    b_.SetInsertPoint(done);
    llvm::PHINode* result = b_.CreatePHI(ty_, 2);
    result->addIncoming(fast, from);
    result->addIncoming(exact, slow_end);
    return result;
  }

  Builder& b_;
  llvm::Type* ty_;
  llvm::Type* ity_;
};

bool has_fast_fma(const CpuTarget& target) {
  llvm::Triple::ArchType arch = llvm::Triple(target.triple).getArch();
  return arch == llvm::Triple::aarch64 || (arch == llvm::Triple::x86_64 && target.has_feature("fma"));
}

// The libmvec path for vectors (per-lane libm where there is no libmvec); also the inline
// kernels' fallback.
llvm::Value* call_vector_library(Builder& b, const CpuTarget& target, const std::string& name,
                                 const std::vector<llvm::Value*>& args) {
  llvm::Type* elem = args[0]->getType()->getScalarType();
  std::vector<VectorIsa> isas = vector_isas(target);
  if (isas.empty() || !libmvec_functions().count(name)) return call_per_lane(b, name, args);

  const unsigned total = lanes_of(args[0]);
  const unsigned elem_bits = elem->getPrimitiveSizeInBits();
  llvm::Value* result = nullptr;
  unsigned done = 0;
  while (done < total) {
    unsigned remaining = total - done;
    // The widest native chunk that fits; otherwise pad up to the narrowest one.
    VectorIsa isa = isas.back();
    unsigned width = isa.bits / elem_bits;
    for (const VectorIsa& candidate : isas) {
      if (candidate.bits / elem_bits <= remaining) {
        isa = candidate;
        width = candidate.bits / elem_bits;
        break;
      }
    }
    unsigned used = std::min(width, remaining);
    llvm::Value* piece;
    if (used == 1 && width > 1) {  // one lane left: a scalar libm call is cheaper
      std::vector<llvm::Value*> lane_args;
      for (llvm::Value* a : args) lane_args.push_back(b.CreateExtractElement(a, done));
      piece = b.CreateInsertElement(llvm::PoisonValue::get(llvm::FixedVectorType::get(elem, 1)),
                                    call_scalar(b, name, elem, lane_args), uint64_t{0});
    } else {
      std::vector<llvm::Value*> chunk_args;
      for (llvm::Value* a : args) chunk_args.push_back(slice(b, a, done, used, width));
      piece = call_libmvec(b, isa, width, name, chunk_args);
    }
    result = result ? concat(b, result, done, piece, used) : slice(b, piece, 0, used, used);
    done += used;
  }
  return result;
}

// The inline float32 kernel for `name`, or null when there is none for these arguments.
llvm::Value* try_inline_f32(Builder& b, const CpuTarget& target, const std::string& name,
                            const std::vector<llvm::Value*>& args) {
  llvm::Type* type = args[0]->getType();
  if (!type->isVectorTy() || !type->getScalarType()->isFloatTy() || !has_fast_fma(target)) return nullptr;
  static const std::set<std::string> names = {"exp", "tanh", "sin", "cos", "log", "log2", "log10", "log1p"};
  if (!names.count(name)) return nullptr;
  if (!b.GetInsertBlock() || !b.GetInsertBlock()->getParent()) return nullptr;
  InlineF32 k(b, type);
  auto library = [&] { return call_vector_library(b, target, name, args); };
  if (name == "exp") return k.exp(args[0], library);
  if (name == "tanh") return k.tanh(args[0]);
  if (name == "log") return k.log(args[0], 0, library);
  if (name == "log2") return k.log(args[0], 2, library);
  if (name == "log10") return k.log(args[0], 10, library);
  if (name == "log1p") return k.log1p(args[0], library);
  return k.sin_cos(args[0], name == "cos", library);
}

}  // namespace

llvm::Value* call_math(Builder& b, const CpuTarget& target, const std::string& name,
                       const std::vector<llvm::Value*>& args) {
  llvm::Type* type = args.at(0)->getType();
  llvm::Type* elem = type->getScalarType();
  if (!elem->isFloatTy() && !elem->isDoubleTy())
    throw ir::IRError("tessera codegen: " + name + " needs float32 or float64 operands");
  if (!type->isVectorTy()) return call_scalar(b, name, elem, args);
  if (llvm::Value* inline_result = try_inline_f32(b, target, name, args)) return inline_result;
  return call_vector_library(b, target, name, args);
}

}  // namespace tessera::codegen::detail
