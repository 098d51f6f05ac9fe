// Storage: array memory behind a shared_ptr. Small arrays live in the same heap block as
// the shared_ptr control block and the Storage object (one allocation per array).
#include <algorithm>
#include <cstdint>
#include <new>

#include "tessera/array/array.h"

namespace tessera {
namespace {

constexpr std::align_val_t kAlign{64};

// An allocator for std::allocate_shared that places `extra` bytes after the object it
// allocates (the control block holding the Storage), at the next 64-byte boundary, and
// reports where they start through `trailing`. It takes the block from plain operator new
// (16-byte aligned) and aligns by hand: aligned new is memalign, which glibc serves outside
// its per-thread cache, several times slower for blocks this small. allocate_shared rebinds
// and copies the allocator; every copy frees the block with the size it was allocated with.
template <class T>
struct TrailingBytes {
  using value_type = T;
  static_assert(alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__);

  size_t extra;
  void** trailing;  // written by allocate() only

  TrailingBytes(size_t extra_bytes, void** trailing_out) : extra(extra_bytes), trailing(trailing_out) {}
  template <class U>
  TrailingBytes(const TrailingBytes<U>& o) : extra(o.extra), trailing(o.trailing) {}  // NOLINT: rebinding

  size_t block_bytes(size_t n) const { return sizeof(T) * n + 63 + extra; }
  T* allocate(size_t n) {
    char* block = static_cast<char*>(::operator new(block_bytes(n)));
    const auto end_of_object = reinterpret_cast<uintptr_t>(block + sizeof(T) * n);
    *trailing = block + ((end_of_object + 63) / 64 * 64 - reinterpret_cast<uintptr_t>(block));
    return reinterpret_cast<T*>(block);
  }
  void deallocate(T* p, size_t n) { ::operator delete(p, block_bytes(n)); }

  template <class U>
  bool operator==(const TrailingBytes<U>& o) const {
    return extra == o.extra;
  }
};

}  // namespace

std::shared_ptr<Storage> Storage::allocate(int64_t nbytes) {
  const size_t n = static_cast<size_t>(std::max<int64_t>(nbytes, 1));
  std::shared_ptr<Storage> s;
  if (nbytes <= kInlineBytes) {
    void* bytes = nullptr;
    s = std::allocate_shared<Storage>(TrailingBytes<Storage>(n, &bytes), Key{});
    s->data_ = bytes;
  } else {
    s = std::make_shared<Storage>(Key{});
    s->data_ = s->owned_ = ::operator new(n, kAlign);  // if this throws, s frees itself
  }
  s->nbytes_ = nbytes;
  return s;
}

std::shared_ptr<Storage> Storage::adopt(void* data, DLDevice device, std::function<void()> release, int64_t nbytes) {
  auto s = std::make_shared<Storage>(Key{});
  s->data_ = data;
  s->device_ = device;
  s->nbytes_ = nbytes;
  s->release_ = std::move(release);
  return s;
}

Storage::~Storage() {
  if (owned_) ::operator delete(owned_, kAlign);
  if (release_) release_();
}

}  // namespace tessera
