// tessera_streaming_store_bytes: when kernels use non-temporal stores (see StoreHint).
//
// A streaming store skips the read-for-ownership of the output's cache lines, which pays
// off once the output no longer fits in cache anyway; for outputs that fit, a normal store
// leaves the result cached for the next operator. Half the last-level cache is the
// crossover measured on Zen 4 (the inputs share the cache with the output). The cache size
// comes from sysfs (one instance of cpu0's highest-level cache), then sysconf, then 32 MB.
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>

#include "streaming_stores.h"
#include "tessera/runtime/kernel_abi.h"

namespace {

constexpr int64_t kNever = std::numeric_limits<int64_t>::max();
constexpr int64_t kFallbackCacheBytes = int64_t{32} << 20;  // a typical server L3

// "32768K", "32M" or a plain byte count, as Linux's sysfs cache files print sizes; -1 if not.
int64_t parse_size(const char* text) {
  char* end = nullptr;
  long long v = std::strtoll(text, &end, 10);
  if (end == text || v <= 0) return -1;
  switch (*end) {
    case 'K': return v << 10;
    case 'M': return v << 20;
    case 'G': return v << 30;
    case '\0': case '\n': return v;
    default: return -1;
  }
}

// The size of one instance of cpu0's highest-level cache, from sysfs; -1 if unavailable.
// (sysconf(_SC_LEVEL3_CACHE_SIZE) can report the whole package, ten times the L3 that one
// core complex shares on some AMD EPYC virtual machines.)
int64_t sysfs_last_level_cache_bytes() {
  int best_level = 0;
  int64_t best = -1;
  for (int i = 0; i < 16; ++i) {
    std::string dir = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(i) + "/";
    std::FILE* level_file = std::fopen((dir + "level").c_str(), "r");
    if (!level_file) continue;
    int level = 0;
    bool ok = std::fscanf(level_file, "%d", &level) == 1;
    std::fclose(level_file);
    std::FILE* size_file = std::fopen((dir + "size").c_str(), "r");
    if (!size_file) continue;
    char text[64] = {};
    ok = ok && std::fgets(text, sizeof text, size_file) != nullptr;
    std::fclose(size_file);
    int64_t bytes = ok ? parse_size(text) : -1;
    if (bytes > 0 && level > best_level) {
      best_level = level;
      best = bytes;
    }
  }
  return best;
}

int64_t last_level_cache_bytes() {
  if (int64_t b = sysfs_last_level_cache_bytes(); b > 0) return b;
  long l3 = -1, l2 = -1;
#ifdef _SC_LEVEL3_CACHE_SIZE
  l3 = sysconf(_SC_LEVEL3_CACHE_SIZE);
#endif
#ifdef _SC_LEVEL2_CACHE_SIZE
  l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
#endif
  if (l3 > 0) return l3;
  if (l2 > 0) return l2;
  return kFallbackCacheBytes;
}

bool equals_ignoring_case(const char* a, const char* b) {
  for (; *a && *b; ++a, ++b)
    if (std::tolower(static_cast<unsigned char>(*a)) != std::tolower(static_cast<unsigned char>(*b))) return false;
  return *a == *b;
}

// The environment override, or -1 when unset or not understood.
int64_t from_environment() {
  const char* v = std::getenv("TESSERA_STREAMING_STORES");
  if (v == nullptr || *v == '\0') return -1;
  if (equals_ignoring_case(v, "off") || std::strcmp(v, "0") == 0) return kNever;
  char* end = nullptr;
  errno = 0;
  long long bytes = std::strtoll(v, &end, 10);
  if (errno != 0 || end == v || *end != '\0' || bytes < 0) return -1;
  return bytes;
}

int64_t compute_threshold() {
  int64_t env = from_environment();
  if (env >= 0) return env;
  return last_level_cache_bytes() / 2;
}

constexpr int64_t kUnread = -1;
std::atomic<int64_t> cached_threshold{kUnread};

}  // namespace

namespace tessera::runtime {
void reset_streaming_store_bytes() { cached_threshold.store(kUnread, std::memory_order_relaxed); }
}  // namespace tessera::runtime

extern "C" int64_t tessera_streaming_store_bytes(void) {
  int64_t t = cached_threshold.load(std::memory_order_relaxed);
  if (t == kUnread) {
    t = compute_threshold();
    cached_threshold.store(t, std::memory_order_relaxed);
  }
  return t;
}
