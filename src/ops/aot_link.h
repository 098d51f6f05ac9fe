// The last step of an ahead-of-time library: the table's C source and the link.
#pragma once
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace tessera::ops::aot::detail {

struct TableTarget {
  std::string name, cpu;
  std::vector<std::string> features;
  std::vector<std::pair<size_t, std::string>> kernels;  // (index into the variant names, symbol)
};

// The kernel's symbol in the library: target and variant, as a C identifier.
std::string kernel_symbol(const std::string& target_name, const std::string& variant_name);

// C source defining TESSERA_LIBRARY_SYMBOL (the layout of tessera/runtime/library.h).
std::string table_source(const std::vector<std::string>& variant_names, const std::vector<TableTarget>& targets,
                         const std::string& compiler_version, const std::string& triple);

// Links objects and the table into `output` (written under a temporary name, then
// renamed). Scratch files go to work_dir. Throws std::runtime_error when the driver fails.
void link_library(const std::string& cxx, const std::string& output, const std::vector<std::string>& objects,
                  const std::string& table, const std::string& work_dir);

}  // namespace tessera::ops::aot::detail
