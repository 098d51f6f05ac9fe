/* Ahead-of-time operator libraries: shared objects holding compiled kernels (the ABI of
 * kernel_abi.h) and one exported table that names them, loaded without LLVM.
 *
 * The table (symbol TESSERA_LIBRARY_SYMBOL) lists one or more targets, best first, e.g.
 * the build machine's CPU and a baseline x86-64. Each target names the CPU features its
 * code needs (LLVM's names, see cpu_features.h) and its kernels by the variant name that
 * ops::Variant::name() produces, which is what the kernel cache asks for. The loader takes
 * the first target the running CPU supports; when none fits it refuses with a message that
 * names the missing features. header_size guards against a table laid out by a different
 * version of this header.
 *
 * Loading checks the file before dlopen (present, an ELF shared object for this machine,
 * every segment inside the file), because dlopen of a truncated object can fault rather
 * than fail. Errors are LibraryError with the path and the reason; nothing crashes.
 *
 * Loaded libraries register their kernels by name; ops dispatch consults them before the
 * JIT. A library stays loaded while it is registered or any kernel found in it is held
 * (LibraryKernel::owner). Libraries registered later shadow earlier ones. */
#pragma once
#include <stdint.h>

#include "tessera/runtime/kernel_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TESSERA_LIBRARY_SYMBOL "tessera_library_v1"
#define TESSERA_LIBRARY_MAGIC "TESSLIB" /* 7 characters and the terminating zero */
#define TESSERA_LIBRARY_FORMAT 1

typedef struct {
  const char* name; /* the variant name, e.g. "add__float32_float32__float32__r1_contig_llvm" */
  TesseraKernelFn fn;
} TesseraLibraryKernel;

typedef struct {
  const char* name;                  /* "host", "x86-64", ... */
  const char* cpu;                   /* LLVM CPU name the code was built for */
  const char* const* features;       /* required CPU features */
  int64_t num_features;
  const TesseraLibraryKernel* kernels;
  int64_t num_kernels;
} TesseraLibraryTarget;

typedef struct {
  char magic[8];                 /* TESSERA_LIBRARY_MAGIC */
  uint32_t format_version;       /* TESSERA_LIBRARY_FORMAT */
  uint32_t header_size;          /* sizeof(TesseraLibraryTable) */
  const char* compiler_version;  /* the tessera compiler that built it */
  const char* triple;            /* e.g. "x86_64-pc-linux-gnu" */
  const TesseraLibraryTarget* targets;
  int64_t num_targets;
} TesseraLibraryTable;

#ifdef __cplusplus
}  // extern "C"

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace tessera::runtime {

class LibraryError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct LoadOptions {
  // The CPU features to check the targets against; unset = the running CPU's. Tests use
  // it to stand for other CPUs, and it can force the baseline target.
  std::optional<std::vector<std::string>> cpu_features;
};

class Library {
 public:
  struct Impl;
  explicit Library(std::unique_ptr<Impl> impl);
  ~Library();  // dlclose
  Library(const Library&) = delete;
  Library& operator=(const Library&) = delete;

  const std::string& path() const;
  const std::string& compiler_version() const;
  const std::string& triple() const;
  const std::string& target() const;  // the chosen target's name
  int64_t size() const;               // kernels of the chosen target
  std::vector<std::string> kernel_names() const;
  // nullptr when the chosen target has no kernel of that name.
  TesseraKernelFn find(const std::string& variant_name) const;

 private:
  std::unique_ptr<Impl> impl_;
};

// Opens and validates a library without registering it. Throws LibraryError.
std::shared_ptr<const Library> open_library(const std::string& path, const LoadOptions& options = {});
// open_library, then registers its kernels for dispatch.
std::shared_ptr<const Library> load_library(const std::string& path, const LoadOptions& options = {});

struct LibraryKernel {
  TesseraKernelFn fn = nullptr;          // nullptr when no registered library has the name
  std::shared_ptr<const Library> owner;  // keeps the code loaded
};
LibraryKernel find_library_kernel(const std::string& variant_name);

// The registered libraries, oldest first.
std::vector<std::shared_ptr<const Library>> loaded_libraries();
// Forgets every registered library; kernels already found keep theirs loaded.
void unload_libraries();

}  // namespace tessera::runtime
#endif  // __cplusplus
