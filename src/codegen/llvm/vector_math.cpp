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
#include <llvm/IR/Module.h>
#include <llvm/TargetParser/Triple.h>

#include <algorithm>
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

}  // namespace

llvm::Value* call_math(Builder& b, const CpuTarget& target, const std::string& name,
                       const std::vector<llvm::Value*>& args) {
  llvm::Type* type = args.at(0)->getType();
  llvm::Type* elem = type->getScalarType();
  if (!elem->isFloatTy() && !elem->isDoubleTy())
    throw ir::IRError("tessera codegen: " + name + " needs float32 or float64 operands");
  if (!type->isVectorTy()) return call_scalar(b, name, elem, args);

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

}  // namespace tessera::codegen::detail
