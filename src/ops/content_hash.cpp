// ContentHash, checksum64 and compiler_identity.
#include "ops/content_hash.h"

#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <llvm/Config/llvm-config.h>
#include <sys/stat.h>

#include <cstring>

namespace tessera::ops::detail {
namespace {

constexpr uint64_t kMulA = 0x9E3779B97F4A7C15ull, kMulB = 0xC2B2AE3D27D4EB4Full;

uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

// The splitmix64 finalizer: every input bit affects every output bit.
uint64_t avalanche(uint64_t x) {
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

std::string hex64(uint64_t x) {
  static const char digits[] = "0123456789abcdef";
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i, x >>= 4) s[static_cast<size_t>(i)] = digits[x & 15];
  return s;
}

// The GNU build-id note of the loaded object that contains `address`, in hex.
std::string build_id_of(const void* address) {
  struct Search {
    uintptr_t address;
    std::string id;
  } search{reinterpret_cast<uintptr_t>(address), ""};
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* data) -> int {
        auto* s = static_cast<Search*>(data);
        bool contains = false;
        for (int i = 0; i < info->dlpi_phnum && !contains; ++i) {
          const auto& p = info->dlpi_phdr[i];
          uintptr_t lo = info->dlpi_addr + p.p_vaddr;
          contains = p.p_type == PT_LOAD && s->address >= lo && s->address < lo + p.p_memsz;
        }
        if (!contains) return 0;
        for (int i = 0; i < info->dlpi_phnum; ++i) {
          const auto& p = info->dlpi_phdr[i];
          if (p.p_type != PT_NOTE) continue;
          const auto* at = reinterpret_cast<const unsigned char*>(info->dlpi_addr + p.p_vaddr);
          const unsigned char* end = at + p.p_memsz;
          while (at + sizeof(ElfW(Nhdr)) <= end) {
            const auto* note = reinterpret_cast<const ElfW(Nhdr)*>(at);
            const unsigned char* name = at + sizeof(ElfW(Nhdr));
            const unsigned char* desc = name + ((note->n_namesz + 3) & ~3u);
            if (note->n_type == NT_GNU_BUILD_ID && note->n_namesz == 4 && std::memcmp(name, "GNU", 4) == 0) {
              static const char digits[] = "0123456789abcdef";
              for (uint32_t k = 0; k < note->n_descsz; ++k) {
                s->id += digits[desc[k] >> 4];
                s->id += digits[desc[k] & 15];
              }
              return 1;
            }
            at = desc + ((note->n_descsz + 3) & ~3u);
          }
        }
        return 1;
      },
      &search);
  return search.id;
}

std::string file_stamp_of(const void* address) {
  Dl_info info{};
  struct stat st {};
  if (!dladdr(address, &info) || !info.dli_fname || stat(info.dli_fname, &st) != 0) return "unknown";
  return std::string(info.dli_fname) + " " + std::to_string(st.st_size) + " " + std::to_string(st.st_mtime);
}

}  // namespace

void ContentHash::mix_bytes(const unsigned char* p, size_t n) {
  length_ += n;
  while (n > 0) {
    uint64_t w = 0;
    size_t k = n < 8 ? n : 8;
    std::memcpy(&w, p, k);
    w ^= static_cast<uint64_t>(k) << 59;  // a short final word differs from a padded one
    a_ = rotl((a_ ^ w) * kMulA, 29);
    b_ = rotl((b_ + w) * kMulB, 37) ^ a_;
    p += k;
    n -= k;
  }
}

ContentHash& ContentHash::add(std::string_view field) {
  add(static_cast<int64_t>(field.size()));
  mix_bytes(reinterpret_cast<const unsigned char*>(field.data()), field.size());
  return *this;
}

ContentHash& ContentHash::add(int64_t value) {
  unsigned char bytes[8];
  std::memcpy(bytes, &value, 8);
  mix_bytes(bytes, 8);
  return *this;
}

uint64_t ContentHash::digest64() const { return avalanche(a_ ^ avalanche(length_)); }

std::string ContentHash::hex() const {
  uint64_t hi = digest64();
  return hex64(hi) + hex64(avalanche(b_ + hi));
}

uint64_t checksum64(const void* data, size_t bytes) {
  return ContentHash().add(std::string_view(static_cast<const char*>(data), bytes)).digest64();
}

const std::string& compiler_identity() {
  static const std::string id = [] {
    const void* self = reinterpret_cast<const void*>(&compiler_identity);
    std::string build = build_id_of(self);
    return std::string("tessera 0.1.0, LLVM " LLVM_VERSION_STRING ", build ") +
           (build.empty() ? file_stamp_of(self) : build);
  }();
  return id;
}

}  // namespace tessera::ops::detail
