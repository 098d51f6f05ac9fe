// Cache entry files: 64-byte header, then the payload.
#include "ops/cache_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>

#include "ops/content_hash.h"

namespace tessera::ops::detail {
namespace {

constexpr char kMagic[8] = {'T', 'E', 'S', 'S', 'J', 'I', 'T', '\0'};
constexpr uint32_t kFormat = 1;
constexpr size_t kKeyBytes = 32;

struct Header {
  char magic[8];
  uint32_t format;
  uint32_t header_bytes;
  uint64_t payload_bytes;
  uint64_t payload_checksum;
  char key[kKeyBytes];
};
static_assert(sizeof(Header) == 64);

Header header_for(const std::string& key, const std::vector<uint8_t>& payload) {
  Header h{};
  std::memcpy(h.magic, kMagic, sizeof kMagic);
  h.format = kFormat;
  h.header_bytes = sizeof(Header);
  h.payload_bytes = payload.size();
  h.payload_checksum = checksum64(payload.data(), payload.size());
  std::memcpy(h.key, key.data(), std::min(key.size(), kKeyBytes));
  return h;
}

bool read_all(int fd, void* data, size_t bytes) {
  auto* p = static_cast<char*>(data);
  while (bytes > 0) {
    ssize_t n = ::read(fd, p, bytes);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    bytes -= static_cast<size_t>(n);
  }
  return true;
}

bool write_all(int fd, const void* data, size_t bytes) {
  const auto* p = static_cast<const char*>(data);
  while (bytes > 0) {
    ssize_t n = ::write(fd, p, bytes);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    bytes -= static_cast<size_t>(n);
  }
  return true;
}

CacheRead corrupt(const std::string& path, const std::string& problem) {
  remove_cache_entry(path);
  CacheRead r;
  r.status = CacheRead::Status::Corrupt;
  r.problem = problem;
  return r;
}

// Unique within the machine: process id, thread, and a counter.
std::string temp_name_for(const std::string& path) {
  static std::atomic<uint64_t> counter{0};
  return path + ".tmp." + std::to_string(::getpid()) + "." +
         std::to_string(std::hash<std::thread::id>()(std::this_thread::get_id()) % 1000000) + "." +
         std::to_string(counter++);
}

}  // namespace

CacheRead read_cache_entry(const std::string& path, const std::string& key) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  struct stat st {};
  Header h{};
  bool header_ok = ::fstat(fd, &st) == 0 && static_cast<size_t>(st.st_size) >= sizeof h && read_all(fd, &h, sizeof h);
  CacheRead r;
  if (header_ok && std::memcmp(h.magic, kMagic, sizeof kMagic) == 0 && h.format == kFormat &&
      h.header_bytes == sizeof h && h.payload_bytes == static_cast<uint64_t>(st.st_size) - sizeof h) {
    r.payload.resize(h.payload_bytes);
    header_ok = read_all(fd, r.payload.data(), r.payload.size());
  } else {
    header_ok = false;
  }
  ::close(fd);
  if (!header_ok) return corrupt(path, "bad header or wrong length");
  if (key.size() != kKeyBytes || std::memcmp(h.key, key.data(), kKeyBytes) != 0)
    return corrupt(path, "entry of another key");
  if (checksum64(r.payload.data(), r.payload.size()) != h.payload_checksum) return corrupt(path, "checksum mismatch");
  r.status = CacheRead::Status::Ok;
  return r;
}

void remove_cache_entry(const std::string& path) { ::unlink(path.c_str()); }

bool write_cache_entry(const std::string& path, const std::string& key, const std::vector<uint8_t>& payload) {
  Header h = header_for(key, payload);
  return write_file_atomically(path, payload, &h, sizeof h);
}

bool write_file_atomically(const std::string& path, const std::vector<uint8_t>& bytes, const void* prefix,
                           size_t prefix_bytes) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  std::string temp = temp_name_for(path);
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  bool ok = write_all(fd, prefix, prefix_bytes) && write_all(fd, bytes.data(), bytes.size());
  ok = ::close(fd) == 0 && ok;
  if (ok && ::rename(temp.c_str(), path.c_str()) == 0) return true;
  ::unlink(temp.c_str());
  return false;
}

}  // namespace tessera::ops::detail
