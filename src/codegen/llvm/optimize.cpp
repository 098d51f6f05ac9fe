// The LLVM optimization pipeline for generated kernels.
//
// Our passes already produce vector IR, so kernels need clean-up more than loop
// transformation, and JIT time matters (a small elementwise kernel should compile in well
// under 20 ms). Levels 1 and 2 run a short fixed function pipeline:
//   SROA (stack buffers -> registers), EarlyCSE, InstCombine, SimplifyCFG,
//   LICM (hoisting, and promotion of accumulators kept in noalias buffers),
//   InstCombine, SimplifyCFG, DSE.
// It costs about a third of LLVM's O2 function simplification pipeline, with the same code
// in the loops we generate. Level 3 runs LLVM's O3 function simplification pipeline, for
// ahead-of-time builds where compile time does not matter.
//
// TESSERA_DUMP_LLVM=1 prints the optimized module to stderr.
#include <llvm/Analysis/CGSCCPassManager.h>
#include <llvm/Analysis/LoopAnalysisManager.h>
#include <llvm/IR/PassManager.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Transforms/InstCombine/InstCombine.h>
#include <llvm/Transforms/Scalar/DeadStoreElimination.h>
#include <llvm/Transforms/Scalar/EarlyCSE.h>
#include <llvm/Transforms/Scalar/LICM.h>
#include <llvm/Transforms/Scalar/LoopPassManager.h>
#include <llvm/Transforms/Scalar/SROA.h>
#include <llvm/Transforms/Scalar/SimplifyCFG.h>

#include <cstdlib>
#include <cstring>

#include "codegen/llvm/emitter.h"

namespace tessera::codegen::detail {
namespace {

llvm::FunctionPassManager kernel_pipeline() {
  llvm::FunctionPassManager fpm;
  fpm.addPass(llvm::SROAPass(llvm::SROAOptions::ModifyCFG));
  fpm.addPass(llvm::EarlyCSEPass(/*UseMemorySSA=*/true));
  fpm.addPass(llvm::InstCombinePass());
  fpm.addPass(llvm::SimplifyCFGPass());
  fpm.addPass(llvm::createFunctionToLoopPassAdaptor(llvm::LICMPass(llvm::LICMOptions()), /*UseMemorySSA=*/true));
  fpm.addPass(llvm::InstCombinePass());
  fpm.addPass(llvm::SimplifyCFGPass());
  fpm.addPass(llvm::DSEPass());
  return fpm;
}

}  // namespace

void optimize_module(llvm::Module& module, llvm::TargetMachine& tm, int opt_level) {
  if (opt_level > 0) {
    llvm::LoopAnalysisManager lam;
    llvm::FunctionAnalysisManager fam;
    llvm::CGSCCAnalysisManager cgam;
    llvm::ModuleAnalysisManager mam;
    llvm::PassBuilder pb(&tm);
    pb.registerModuleAnalyses(mam);
    pb.registerCGSCCAnalyses(cgam);
    pb.registerFunctionAnalyses(fam);
    pb.registerLoopAnalyses(lam);
    pb.crossRegisterProxies(lam, fam, cgam, mam);
    llvm::ModulePassManager mpm;
    if (opt_level >= 3) {
      mpm.addPass(llvm::createModuleToFunctionPassAdaptor(
          pb.buildFunctionSimplificationPipeline(llvm::OptimizationLevel::O3, llvm::ThinOrFullLTOPhase::None)));
    } else {
      mpm.addPass(llvm::createModuleToFunctionPassAdaptor(kernel_pipeline()));
    }
    mpm.run(module, mam);
  }
  const char* dump = std::getenv("TESSERA_DUMP_LLVM");
  if (dump && *dump && std::strcmp(dump, "0") != 0) {
    module.print(llvm::errs(), nullptr);
    llvm::errs().flush();
  }
}

}  // namespace tessera::codegen::detail
