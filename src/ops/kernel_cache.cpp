#include "ops/kernel_cache.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "ops/compiler_hooks.h"
#include "tessera/ops/dispatch.h"
#include "tessera/runtime/library.h"

namespace tessera::ops::detail {
namespace {

// Everything that selects a variant, packed for hashing.
struct Key {
  const OpDef* op;
  uint64_t dtypes;  // (code, bits) of each input and output, 16 bits each
  int32_t ndim;
  Layout layout;
  std::vector<int64_t> attrs;
  std::vector<DataType> extra;  // dtypes beyond what `dtypes` can hold
  bool operator==(const Key&) const = default;
};

struct KeyHash {
  size_t operator()(const Key& k) const {
    size_t h = std::hash<const void*>()(k.op) ^ (k.dtypes * 0x9E3779B97F4A7C15ull);
    h ^= static_cast<size_t>(k.ndim) * 31 + static_cast<size_t>(k.layout);
    for (int64_t a : k.attrs) h = h * 1099511628211ull ^ static_cast<size_t>(a);
    return h;
  }
};

Key make_key(const OpDef& op, const Variant& v) {
  Key k{&op, 0, v.ndim, v.layout, v.attrs, {}};
  int slot = 0;
  auto add = [&](DataType t) {
    if (slot < 4) k.dtypes |= static_cast<uint64_t>((static_cast<int>(t.code) << 8) | t.bits) << (16 * slot++);
    else k.extra.push_back(t);
  };
  for (DataType t : v.sig.inputs) add(t);
  for (DataType t : v.sig.compute) k.extra.push_back(t);
  for (DataType t : v.sig.outputs) add(t);
  return k;
}

struct Cache {
  std::mutex mu;
  std::unordered_map<Key, std::shared_ptr<Kernel>, KeyHash> kernels;
  std::atomic<int64_t> compiled{0}, disk_cache{0}, library{0};
};

Cache& cache() {
  static Cache* c = new Cache();
  return *c;
}

// A kernel of an ahead-of-time library, seen through the JitModule interface Kernel owns.
class LibraryModule final : public codegen::JitModule {
 public:
  explicit LibraryModule(std::shared_ptr<const runtime::Library> library) : library_(std::move(library)) {}
  TesseraKernelFn lookup(const std::string& name) const override { return library_->find(name); }

 private:
  std::shared_ptr<const runtime::Library> library_;
};

void load_libraries_from_environment() {
  static std::once_flag once;
  std::call_once(once, [] {
    const char* list = std::getenv("TESSERA_OPS_LIBRARY");
    std::string paths = list ? list : "";
    size_t start = 0;
    while (start <= paths.size()) {
      size_t end = paths.find(':', start);
      if (end == std::string::npos) end = paths.size();
      std::string path = paths.substr(start, end - start);
      start = end + 1;
      if (path.empty()) continue;
      try {
        runtime::load_library(path);
      } catch (const runtime::LibraryError& e) {
        std::fprintf(stderr, "tessera: TESSERA_OPS_LIBRARY: %s; using the JIT instead\n", e.what());
      }
    }
  });
}

std::shared_ptr<Kernel> resolve(const OpDef& op, const Variant& v, Cache& c) {
  std::string name = v.name(op.name);
  load_libraries_from_environment();
  if (runtime::LibraryKernel lk = runtime::find_library_kernel(name); lk.fn) {
    ++c.library;
    ir::LoweredFunc func;  // an ahead-of-time kernel carries no IR
    func.name = name;
    func.packed = true;
    return std::make_shared<Kernel>(std::move(func), std::make_shared<LibraryModule>(lk.owner), lk.fn);
  }
  JitFn jit = detail::jit();
  if (!jit) {
    size_t libraries = runtime::loaded_libraries().size();
    throw MissingKernelError(
        "kernel " + name + " is in none of the " + std::to_string(libraries) +
        " loaded operator libraries, and no JIT is linked (link tessera_compiler to compile it on first use, "
        "or build a library that holds it with tessera-aot)");
  }
  JitResult r = jit(op, v, name);
  ++(r.from_disk ? c.disk_cache : c.compiled);
  return std::move(r.kernel);
}

}  // namespace

const Kernel& kernel_for(const OpDef& op, const Variant& v) {
  Cache& c = cache();
  Key key = make_key(op, v);
  {
    std::lock_guard<std::mutex> lock(c.mu);
    auto it = c.kernels.find(key);
    if (it != c.kernels.end()) return *it->second;
  }
  // Resolve outside the lock so other variants proceed; the first thread to insert wins.
  std::shared_ptr<Kernel> k = resolve(op, v, c);
  std::lock_guard<std::mutex> lock(c.mu);
  auto [it, inserted] = c.kernels.emplace(std::move(key), std::move(k));
  return *it->second;
}

int64_t compiled_count() { return cache().compiled.load(); }

KernelSources kernel_sources() {
  Cache& c = cache();
  return {c.compiled.load(), c.disk_cache.load(), c.library.load()};
}

}  // namespace tessera::ops::detail
