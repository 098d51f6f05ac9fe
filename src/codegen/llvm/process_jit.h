// The process's one ORC JIT, shared by JIT compilation (jit.cpp) and loading cached kernel
// objects (jit_object.cpp).
#pragma once
#include <llvm/ExecutionEngine/Orc/LLJIT.h>

namespace tessera::codegen::detail {

// Created on first use and never destroyed (kernels may outlive static destructors); throws
// std::runtime_error when LLVM cannot create it.
llvm::orc::LLJIT& process_jit();
// The runtime functions kernels call, bound as absolute addresses (so kernels link inside
// any host, a Python extension included).
llvm::orc::SymbolMap runtime_symbols(llvm::orc::LLJIT& jit);

}  // namespace tessera::codegen::detail
