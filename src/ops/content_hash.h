// Content hashes for the kernel caches (JIT disk cache, ahead-of-time object cache) and the
// identity of this compiler build, which every cache key includes.
//
// The hash is a fast 128-bit non-cryptographic hash: cache keys only need to tell apart
// different inputs from one trusted source, not resist an adversary. Fields are added
// with their length, so ("ab", "c") and ("a", "bc") differ.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tessera::ops::detail {

class ContentHash {
 public:
  ContentHash& add(std::string_view field);
  ContentHash& add(int64_t value);
  std::string hex() const;  // 32 hex digits
  uint64_t digest64() const;  // the first 16 of them, as a number

 private:
  void mix_bytes(const unsigned char* p, size_t n);
  uint64_t a_ = 0x243F6A8885A308D3ull, b_ = 0x13198A2E03707344ull, length_ = 0;
};

// 64-bit checksum of a byte range (cache entries carry it to detect corruption).
uint64_t checksum64(const void* data, size_t bytes);

// "tessera 0.1.0, LLVM 19.x, build <GNU build-id of the compiler library>": any rebuild of
// the compiler changes it, so a cache never serves code from another compiler (a change
// to code generation need not change the lowered IR). Without a build-id, the library's
// size and modification time stand in.
const std::string& compiler_identity();

}  // namespace tessera::ops::detail
