// Reads the ELF header and program headers and checks every range they name against the
// file's size.
#include "elf_check.h"

#include <elf.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <vector>

namespace tessera::runtime::detail {
namespace {

#if defined(__x86_64__)
constexpr uint16_t kMachine = EM_X86_64;
#elif defined(__aarch64__)
constexpr uint16_t kMachine = EM_AARCH64;
#else
constexpr uint16_t kMachine = EM_NONE;  // not checked
#endif

std::string range_error(const char* what, uint64_t offset, uint64_t bytes, uint64_t file_size) {
  return std::string("the file is truncated: its ") + what + " needs bytes up to " +
         std::to_string(offset + bytes) + " but the file has " + std::to_string(file_size);
}

bool within(uint64_t offset, uint64_t bytes, uint64_t size) { return offset <= size && bytes <= size - offset; }

}  // namespace

std::string check_elf_shared_object(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return "the file does not exist or cannot be read";
  const uint64_t size = static_cast<uint64_t>(in.tellg());
  Elf64_Ehdr eh{};
  if (size < sizeof eh) return "the file is too small (" + std::to_string(size) + " bytes) to be a shared object";
  in.seekg(0);
  in.read(reinterpret_cast<char*>(&eh), sizeof eh);
  if (!in || std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0) return "not an ELF file";
  if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB)
    return "not a 64-bit little-endian ELF file";
  if (eh.e_type != ET_DYN) return "not a shared object (ELF type " + std::to_string(eh.e_type) + ")";
  if (kMachine != EM_NONE && eh.e_machine != kMachine)
    return "built for another machine (ELF machine " + std::to_string(eh.e_machine) + ")";
  if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0) return "malformed ELF program headers";
  const uint64_t ph_bytes = uint64_t{eh.e_phnum} * sizeof(Elf64_Phdr);
  if (!within(eh.e_phoff, ph_bytes, size)) return range_error("program header table", eh.e_phoff, ph_bytes, size);
  if (eh.e_shoff != 0 && !within(eh.e_shoff, uint64_t{eh.e_shnum} * eh.e_shentsize, size))
    return range_error("section header table", eh.e_shoff, uint64_t{eh.e_shnum} * eh.e_shentsize, size);
  std::vector<Elf64_Phdr> ph(eh.e_phnum);
  in.seekg(static_cast<std::streamoff>(eh.e_phoff));
  in.read(reinterpret_cast<char*>(ph.data()), static_cast<std::streamsize>(ph_bytes));
  if (!in) return "cannot read the ELF program headers";
  for (const Elf64_Phdr& p : ph)
    if (p.p_type != PT_NULL && !within(p.p_offset, p.p_filesz, size))
      return range_error("segment", p.p_offset, p.p_filesz, size);
  return "";
}

}  // namespace tessera::runtime::detail
