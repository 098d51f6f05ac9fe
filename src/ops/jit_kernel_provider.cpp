// The JIT for the operator library: lowers a variant's schedule and compiles it with LLVM
// (through the JIT disk cache). Installed into the LLVM-free kernel cache when
// libtessera_compiler loads; see ops/compiler_hooks.h.
#include <stdexcept>

#include "ops/compiler_hooks.h"
#include "ops/jit_disk_cache.h"
#include "tessera/ops/jit.h"
#include "tessera/lower/lower.h"

namespace tessera::ops::detail {
namespace {

const codegen::CpuTarget& host_target() {
  static const codegen::CpuTarget host = codegen::CpuTarget::host();
  return host;
}

JitResult compile_variant(const OpDef& op, const Variant& v, const std::string& name) {
  Generated g = op.generate(v);
  lower::LowerOptions lo;
  lo.contiguous = v.layout == Layout::Contiguous;
  ir::LoweredFunc func = lower::lower(g.sched, g.args, name, lo);
  JitKernel jit = jit_with_disk_cache(func, host_target());
  if (!jit.fn) throw std::runtime_error("kernel " + name + " missing from its JIT module");
  return {std::make_shared<Kernel>(std::move(func), std::move(jit.module), jit.fn), jit.from_disk};
}

// Runs when the shared library loads, before any user code can call an operator.
[[maybe_unused]] const bool installed = (set_jit(&compile_variant), true);

}  // namespace
}  // namespace tessera::ops::detail

namespace tessera::ops {

void install_jit() { detail::set_jit(&detail::compile_variant); }

}  // namespace tessera::ops
