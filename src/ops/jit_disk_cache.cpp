// jit_with_disk_cache: key, look up, load or compile and store.
#include "ops/jit_disk_cache.h"

#include <cstdlib>
#include <stdexcept>

#include "ops/cache_file.h"
#include "ops/content_hash.h"
#include "tessera/ir/printer.h"

namespace tessera::ops::detail {
namespace {

bool disabled_value(const std::string& v) { return v.empty() || v == "off" || v == "0" || v == "none"; }

std::string entry_path(const std::string& dir, const std::string& key) {
  return dir + "/kernels-v1/" + key.substr(0, 2) + "/" + key + ".tko";
}

}  // namespace

std::string kernel_ir_text(const ir::LoweredFunc& func) {
  std::string s = func.name + "\n" + func.target + (func.packed ? " packed\n" : "\n");
  for (const ir::KernelParam& p : func.params) {
    s += std::to_string(static_cast<int>(p.kind)) + (p.is_output ? " out " : " in ");
    if (p.buffer.defined())
      s += p.buffer->name + ":" + p.buffer->dtype.str() + "/" + std::to_string(p.buffer->shape.size());
    if (p.var.defined()) s += p.var.name() + ":" + p.var.type().str();
    s += "\n";
  }
  return s + ir::to_string(func.body);
}

std::string jit_cache_dir() {
  if (const char* dir = std::getenv("TESSERA_CACHE_DIR")) return disabled_value(dir) ? "" : std::string(dir);
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return std::string(xdg) + "/tessera";
  if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.cache/tessera";
  return "";
}

std::string jit_cache_key(const ir::LoweredFunc& func, const codegen::CpuTarget& target,
                          const codegen::CodegenOptions& options) {
  return ContentHash()
      .add("tessera jit kernel")
      .add(compiler_identity())
      .add(target.triple)
      .add(target.cpu)
      .add(target.features)
      .add(int64_t{options.opt_level})
      .add(kernel_ir_text(func))
      .hex();
}

JitKernel jit_with_disk_cache(const ir::LoweredFunc& func, const codegen::CpuTarget& target,
                              const codegen::CodegenOptions& options) {
  const std::string dir = jit_cache_dir();
  std::string key, path;
  if (!dir.empty()) {
    key = jit_cache_key(func, target, options);
    path = entry_path(dir, key);
    CacheRead entry = read_cache_entry(path, key);
    if (entry.status == CacheRead::Status::Ok) {
      try {
        std::shared_ptr<codegen::JitModule> module = codegen::jit_load_object(entry.payload, {func.name});
        return {module, module->lookup(func.name), true};
      } catch (const std::runtime_error&) {
        remove_cache_entry(path);  // intact but unusable: drop it and compile below
      }
    }
  }
  if (dir.empty()) {
    std::shared_ptr<codegen::JitModule> module = codegen::jit_compile({func}, target, options);
    return {module, module->lookup(func.name), false};
  }
  std::vector<uint8_t> object = codegen::emit_object({func}, target, options);
  std::shared_ptr<codegen::JitModule> module = codegen::jit_load_object(object, {func.name});
  write_cache_entry(path, key, object);
  return {module, module->lookup(func.name), false};
}

}  // namespace tessera::ops::detail
