// Storage: array memory behind a shared_ptr. Small arrays live in the same heap block as
// the shared_ptr control block and the Storage object (one allocation per array). Blocks
// of kHugeBytes and up are 2 MiB aligned and, on Linux, advised to use transparent huge
// pages (NumPy advises from 4 MiB): glibc maps every block that large afresh (its mmap
// threshold adapts up to 32 MiB, no further), so each such result is faulted in anew, and a
// 64 MB one then takes 32 faults instead of 16,384. On a VM that made `x + y` of 16M
// float32 2.5x faster (0.37x NumPy before, 1.4x after; 2.4x with the cache below). Smaller
// blocks stay with the heap, which reuses a freed block without faults; huge pages from
// 4 MiB lost that reuse and were 2x slower at 16 MB. Freed huge blocks go to a small cache
// (HugeBlockCache) for the same reuse: a loop making a 64 MB result per step then faults
// nothing in after its first step.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <new>
#include <vector>

#ifdef __linux__
#include <sys/mman.h>
#endif

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

constexpr size_t kHugePage = size_t{2} << 20;
constexpr int64_t kHugeBytes = int64_t{32} << 20;  // glibc's largest mmap threshold

constexpr size_t kCacheBytes = size_t{256} << 20;  // freed huge blocks kept at most

// Freed huge blocks kept for reuse, newest last; a request takes a kept block of exactly
// its rounded size, and the oldest are freed once more than kCacheBytes are kept.
class HugeBlockCache {
 public:
  static HugeBlockCache& get() {
    static auto* cache = new HugeBlockCache();  // never destroyed: arrays may die at exit
    return *cache;
  }

  void* take(size_t bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (size_t i = blocks_.size(); i-- > 0;) {
      if (blocks_[i].bytes != bytes) continue;
      void* p = blocks_[i].data;
      kept_ -= bytes;
      blocks_.erase(blocks_.begin() + static_cast<std::ptrdiff_t>(i));
      return p;
    }
    return nullptr;
  }

  void give(void* p, size_t bytes) {
    std::vector<void*> freed;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      blocks_.push_back({p, bytes});
      kept_ += bytes;
      while (kept_ > kCacheBytes) {
        freed.push_back(blocks_.front().data);
        kept_ -= blocks_.front().bytes;
        blocks_.erase(blocks_.begin());
      }
    }
    for (void* q : freed) std::free(q);
  }

 private:
  struct Block {
    void* data;
    size_t bytes;
  };
  std::mutex mutex_;
  std::vector<Block> blocks_;
  size_t kept_ = 0;
};

// A Storage of nbytes (>= kHugeBytes) in whole huge pages, from the cache when it has a
// block of that size; the advice is a hint, so its failure is not.
std::shared_ptr<Storage> allocate_huge(int64_t nbytes) {
  const size_t rounded = (static_cast<size_t>(nbytes) + kHugePage - 1) / kHugePage * kHugePage;
  void* p = HugeBlockCache::get().take(rounded);
  if (p == nullptr) {
    p = std::aligned_alloc(kHugePage, rounded);
    if (p == nullptr) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
    madvise(p, rounded, MADV_HUGEPAGE);
#endif
  }
  try {
    return Storage::adopt(p, DLDevice{kDLCPU, 0}, [p, rounded] { HugeBlockCache::get().give(p, rounded); }, nbytes);
  } catch (...) {
    std::free(p);
    throw;
  }
}

}  // namespace

std::shared_ptr<Storage> Storage::allocate(int64_t nbytes) {
  if (nbytes >= kHugeBytes) return allocate_huge(nbytes);
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
