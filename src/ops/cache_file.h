// One file of a kernel cache: a header (magic, format, payload length, payload checksum,
// key) and the payload (an object file).
//
// Writes are atomic: the entry is written to a temporary file in the same directory and
// renamed over the final name, so another thread or process sees either no entry or a
// whole one. Reads verify the header against the file and the expected key; an entry that
// fails (truncated, overwritten, another key's) is removed, so the caller rebuilds it.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace tessera::ops::detail {

struct CacheRead {
  enum class Status { Missing, Ok, Corrupt } status = Status::Missing;
  std::vector<uint8_t> payload;  // Ok
  std::string problem;           // Corrupt: what was wrong (the entry has been removed)
};

CacheRead read_cache_entry(const std::string& path, const std::string& key);
void remove_cache_entry(const std::string& path);

// Creates the directory when needed. False when the entry could not be written (a cache
// is best effort: a read-only or full disk must not fail the kernel).
bool write_cache_entry(const std::string& path, const std::string& key, const std::vector<uint8_t>& payload);

// The atomic write itself (temporary file, then rename), for files without the header.
bool write_file_atomically(const std::string& path, const std::vector<uint8_t>& bytes, const void* prefix = nullptr,
                           size_t prefix_bytes = 0);

}  // namespace tessera::ops::detail
