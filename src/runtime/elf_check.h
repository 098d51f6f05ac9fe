// Checks that a file is a complete ELF shared object for this machine before dlopen sees
// it: dlopen maps segments past the end of a truncated file and then faults on them.
#pragma once
#include <string>

namespace tessera::runtime::detail {

// Empty when `path` looks loadable, else the reason (e.g. "the file is truncated: ...").
std::string check_elf_shared_object(const std::string& path);

}  // namespace tessera::runtime::detail
