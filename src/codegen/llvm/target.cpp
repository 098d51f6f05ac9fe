// CpuTarget detection and TargetMachine construction.
//
// The feature string of host() lists every feature LLVM reports for the running CPU,
// enabled ('+') or not ('-'), so code for host() uses exactly what the CPU has (AVX-512
// here). Generated functions carry the target's cpu and features as attributes, which is
// what the backend and the libmvec calling convention look at.
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/TargetParser/Host.h>
#include <llvm/TargetParser/Triple.h>

#include <algorithm>
#include <mutex>
#include <stdexcept>

#include "codegen/llvm/emitter.h"

namespace tessera::codegen {

int CpuTarget::vector_bits() const {
  if (has_feature("avx512f")) return 512;
  if (has_feature("avx")) return 256;
  return 128;  // SSE2 on x86-64, NEON on aarch64
}

bool CpuTarget::has_feature(const std::string& f) const {
  const std::string needle = "+" + f;
  size_t pos = 0;
  while ((pos = features.find(needle, pos)) != std::string::npos) {
    size_t end = pos + needle.size();
    if (end == features.size() || features[end] == ',') return true;
    pos = end;
  }
  return false;
}

CpuTarget CpuTarget::host() {
  CpuTarget t;
  t.triple = llvm::sys::getProcessTriple();
  t.cpu = llvm::sys::getHostCPUName().str();
  std::vector<std::string> feats;
  for (const auto& f : llvm::sys::getHostCPUFeatures())
    feats.push_back((f.getValue() ? "+" : "-") + f.getKey().str());
  std::sort(feats.begin(), feats.end());  // StringMap order is unspecified
  for (const auto& f : feats) t.features += (t.features.empty() ? "" : ",") + f;
  return t;
}

CpuTarget CpuTarget::generic_x86_64() {
  return {"x86_64-pc-linux-gnu", "x86-64", "+sse,+sse2,+cx8,+fxsr,+mmx"};
}

CpuTarget CpuTarget::generic_aarch64() {
  return {"aarch64-unknown-linux-gnu", "generic", "+neon,+fp-armv8"};
}

namespace detail {

void initialize_llvm() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeAllTargetInfos();
    llvm::InitializeAllTargets();
    llvm::InitializeAllTargetMCs();
    llvm::InitializeAllAsmPrinters();
  });
}

std::unique_ptr<llvm::TargetMachine> make_target_machine(const CpuTarget& target,
                                                         int opt_level, bool fp_contract) {
  initialize_llvm();
  std::string error;
  const llvm::Target* t = llvm::TargetRegistry::lookupTarget(target.triple, error);
  if (!t) throw std::runtime_error("tessera: no LLVM target for '" + target.triple + "': " + error);
  llvm::TargetOptions options;  // IEEE floats, no fast-math, FMA contraction only on request
  if (fp_contract) options.AllowFPOpFusion = llvm::FPOpFusion::Fast;
  // FastISel selects the many small blocks of argument validation several times faster
  // than SelectionDAG and falls back to it for what it cannot handle (most vector code).
  // FastISel never fuses a multiply and an add, so kernels that ask for contraction skip it.
  options.EnableFastISel = opt_level < 3 && !fp_contract;
  auto level = opt_level <= 0   ? llvm::CodeGenOptLevel::None
               : opt_level == 1 ? llvm::CodeGenOptLevel::Less
               : opt_level == 2 ? llvm::CodeGenOptLevel::Default
                                : llvm::CodeGenOptLevel::Aggressive;
  std::unique_ptr<llvm::TargetMachine> tm(t->createTargetMachine(
      target.triple, target.cpu, target.features, options, llvm::Reloc::PIC_,
      llvm::CodeModel::Small, level));
  if (!tm) throw std::runtime_error("tessera: cannot create a target machine for " + target.triple);
  return tm;
}

}  // namespace detail
}  // namespace tessera::codegen
