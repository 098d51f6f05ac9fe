// Operator libraries: validate the file, dlopen it, validate the table, choose the target
// the CPU runs, and keep a process-wide registry of kernels by variant name.
#include <dlfcn.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "elf_check.h"
#include "tessera/runtime/cpu_features.h"
#include "tessera/runtime/library.h"

namespace tessera::runtime {

struct Library::Impl {
  std::string path, compiler_version, triple, target;
  void* handle = nullptr;
  std::unordered_map<std::string, TesseraKernelFn> kernels;
};

namespace {

constexpr int64_t kMaxTargets = 64;
constexpr int64_t kMaxFeatures = 4096;
constexpr int64_t kMaxKernels = int64_t{1} << 26;

[[noreturn]] void refuse(const std::string& path, const std::string& why) {
  throw LibraryError("cannot load operator library '" + path + "': " + why);
}

std::string text_or_empty(const char* s) { return s ? s : ""; }

std::string join(const std::vector<std::string>& names) {
  std::string s;
  for (const std::string& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

void check_table(const std::string& path, const TesseraLibraryTable* t) {
  if (std::memcmp(t->magic, TESSERA_LIBRARY_MAGIC, sizeof t->magic) != 0)
    refuse(path, std::string("its ") + TESSERA_LIBRARY_SYMBOL + " symbol is not a tessera library table");
  if (t->format_version != TESSERA_LIBRARY_FORMAT)
    refuse(path, "library format version " + std::to_string(t->format_version) + ", this runtime reads version " +
                     std::to_string(TESSERA_LIBRARY_FORMAT));
  if (t->header_size != sizeof(TesseraLibraryTable))
    refuse(path, "table header of " + std::to_string(t->header_size) + " bytes, expected " +
                     std::to_string(sizeof(TesseraLibraryTable)));
  if (t->num_targets < 1 || t->num_targets > kMaxTargets || !t->targets) refuse(path, "the table lists no targets");
  for (int64_t i = 0; i < t->num_targets; ++i) {
    const TesseraLibraryTarget& g = t->targets[i];
    if (!g.name || g.num_features < 0 || g.num_features > kMaxFeatures || (g.num_features && !g.features) ||
        g.num_kernels < 0 || g.num_kernels > kMaxKernels || (g.num_kernels && !g.kernels))
      refuse(path, "target " + std::to_string(i) + " of the table is malformed");
  }
}

std::vector<std::string> missing_features(const TesseraLibraryTarget& g, const LoadOptions& options) {
  std::vector<std::string> missing;
  for (int64_t i = 0; i < g.num_features; ++i) {
    std::string f = text_or_empty(g.features[i]);
    bool has = options.cpu_features ? std::find(options.cpu_features->begin(), options.cpu_features->end(), f) !=
                                          options.cpu_features->end()
                                    : cpu_has_feature(f);
    if (!has) missing.push_back(f);
  }
  return missing;
}

// The first target whose features the CPU has; LibraryError naming what is missing otherwise.
const TesseraLibraryTarget& choose_target(const std::string& path, const TesseraLibraryTable* t,
                                          const LoadOptions& options) {
  std::string report;
  for (int64_t i = 0; i < t->num_targets; ++i) {
    std::vector<std::string> missing = missing_features(t->targets[i], options);
    if (missing.empty()) return t->targets[i];
    report += std::string(report.empty() ? "" : "; ") + "target '" + t->targets[i].name + "' needs " + join(missing);
  }
  refuse(path, "this CPU lacks features the library's code needs (" + report +
                   "), and the library has no baseline target this CPU runs");
}

struct Registry {
  std::mutex mu;
  std::vector<std::shared_ptr<const Library>> libraries;
  std::unordered_map<std::string, LibraryKernel> kernels;
};

Registry& registry() {
  static Registry* r = new Registry();  // never destroyed: kernels may run during teardown
  return *r;
}

}  // namespace

Library::Library(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Library::~Library() {
  if (impl_ && impl_->handle) dlclose(impl_->handle);
}
const std::string& Library::path() const { return impl_->path; }
const std::string& Library::compiler_version() const { return impl_->compiler_version; }
const std::string& Library::triple() const { return impl_->triple; }
const std::string& Library::target() const { return impl_->target; }
int64_t Library::size() const { return static_cast<int64_t>(impl_->kernels.size()); }

std::vector<std::string> Library::kernel_names() const {
  std::vector<std::string> names;
  for (const auto& [name, fn] : impl_->kernels) names.push_back(name);
  std::sort(names.begin(), names.end());
  return names;
}

TesseraKernelFn Library::find(const std::string& variant_name) const {
  auto it = impl_->kernels.find(variant_name);
  return it == impl_->kernels.end() ? nullptr : it->second;
}

std::shared_ptr<const Library> open_library(const std::string& path, const LoadOptions& options) {
  if (std::string why = detail::check_elf_shared_object(path); !why.empty()) refuse(path, why);
  // A relative name without a slash would make dlopen search the library path instead.
  std::string open_name = path.find('/') == std::string::npos ? "./" + path : path;
  dlerror();
  struct Handle {
    void* h;
    ~Handle() {
      if (h) dlclose(h);
    }
  } handle{dlopen(open_name.c_str(), RTLD_NOW | RTLD_LOCAL)};
  if (!handle.h) refuse(path, text_or_empty(dlerror()));
  const auto* table = static_cast<const TesseraLibraryTable*>(dlsym(handle.h, TESSERA_LIBRARY_SYMBOL));
  if (!table) refuse(path, std::string("not a tessera operator library (no ") + TESSERA_LIBRARY_SYMBOL + " symbol)");
  check_table(path, table);
  const TesseraLibraryTarget& target = choose_target(path, table, options);
  auto lib = std::make_unique<Library::Impl>();
  lib->path = path;
  lib->compiler_version = text_or_empty(table->compiler_version);
  lib->triple = text_or_empty(table->triple);
  lib->target = target.name;
  lib->kernels.reserve(static_cast<size_t>(target.num_kernels));
  for (int64_t i = 0; i < target.num_kernels; ++i) {
    const TesseraLibraryKernel& k = target.kernels[i];
    if (!k.name || !k.fn) refuse(path, "kernel " + std::to_string(i) + " of target '" + lib->target + "' is malformed");
    lib->kernels.emplace(k.name, k.fn);
  }
  lib->handle = std::exchange(handle.h, nullptr);
  return std::make_shared<Library>(std::move(lib));
}

std::shared_ptr<const Library> load_library(const std::string& path, const LoadOptions& options) {
  std::shared_ptr<const Library> library = open_library(path, options);
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  r.libraries.push_back(library);
  for (const std::string& name : library->kernel_names()) r.kernels[name] = LibraryKernel{library->find(name), library};
  return library;
}

LibraryKernel find_library_kernel(const std::string& variant_name) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  auto it = r.kernels.find(variant_name);
  return it == r.kernels.end() ? LibraryKernel{} : it->second;
}

std::vector<std::shared_ptr<const Library>> loaded_libraries() {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  return r.libraries;
}

void unload_libraries() {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  r.libraries.clear();
  r.kernels.clear();
}

}  // namespace tessera::runtime
