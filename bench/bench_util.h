// Timing helpers for benchmarks: medians of repeated runs, and the machine's ceilings
// (copy and read bandwidth with all threads) measured in the same run.
#pragma once
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <thread>
#include <vector>

#include "tessera/runtime/kernel_abi.h"
#include "tessera/runtime/threads.h"

namespace tessera::bench {

inline double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Median wall time of `reps` runs after `warmup` runs, in seconds.
inline double median_time(const std::function<void()>& f, int reps = 15, int warmup = 3) {
  for (int i = 0; i < warmup; ++i) f();
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    double t0 = now_s();
    f();
    t.push_back(now_s() - t0);
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

// Runs body(begin, end) over [0, n) in `threads` slices. With as many threads as tessera's
// pool has, the slices run on the pool (tessera_parallel_for), as tessera's kernels do: the
// same threads, woken the same way, so that a ceiling is neither slowed by threads competing
// with the pool's idle workers for a CPU nor charged for starting threads of its own.
// Otherwise on threads started for the call, the calling thread taking the first slice.
inline void split_threads(int threads, int64_t n, const std::function<void(int64_t, int64_t)>& body) {
  auto slice = [&](int64_t t) { body(n * t / threads, n * (t + 1) / threads); };
  if (threads == runtime::num_threads()) {
    const auto run = [](int64_t begin, int64_t end, void* closure) -> int32_t {
      for (int64_t t = begin; t < end; ++t) (*static_cast<decltype(slice)*>(closure))(t);
      return 0;
    };
    tessera_parallel_for(run, &slice, threads);
    return;
  }
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back([=, &slice] { slice(t); });
  slice(0);
  for (auto& th : pool) th.join();
}

// Copies n bytes: `rep movsb` on x86-64, memcpy elsewhere. On the 2-vCPU Zen 4 VM of
// bench/results, rep movsb copied 64 MB 21-23% faster than glibc's memcpy (which streams
// with non-temporal stores), so it is the stricter ceiling. It is also what GCC makes of
// memcpy at -Os, the Python module's optimization level, where the ceiling used to come
// from by accident.
inline void copy_bytes(void* dst, const void* src, size_t n) {
#if defined(__x86_64__)
  asm volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
#else
  std::memcpy(dst, src, n);
#endif
}

// One copy of `nbytes` (copy_bytes) on `threads` threads, in seconds (the buffers are the
// caller's, so a benchmark can time one copy between the calls it compares).
inline double copy_seconds(const void* src, void* dst, int64_t nbytes, int threads) {
  const auto* s = static_cast<const char*>(src);
  auto* d = static_cast<char*>(dst);
  double t0 = now_s();
  split_threads(threads, nbytes, [&](int64_t b, int64_t e) { copy_bytes(d + b, s + b, static_cast<size_t>(e - b)); });
  return now_s() - t0;
}

// Copy bandwidth (bytes read + written per second) with copy_bytes on `threads` threads.
inline double copy_bandwidth(const float* src, float* dst, int64_t n, int threads) {
  const int64_t nbytes = n * static_cast<int64_t>(sizeof(float));
  double t = median_time([&] { copy_seconds(src, dst, nbytes, threads); });
  return 2.0 * static_cast<double>(nbytes) / t;
}

// One read of `nbytes` on `threads` threads, in seconds (the ceiling of a reduction): each
// 64-byte step adds four 16-byte vectors of words into independent accumulators, written with
// vector types so that the loop is vector code at any optimization level (the Python module
// is built with -Os, where the earlier scalar loop read 10-25% slower). The sum goes to *sink
// so that the reads are not optimized away; a tail of less than 64 bytes is not read.
inline double read_seconds(const void* src, int64_t nbytes, int threads, uint64_t* sink) {
  typedef uint64_t Words __attribute__((vector_size(16)));
  const auto* bytes = static_cast<const char*>(src);
  const auto load = [](const char* p) {  // any address
    Words w;
    std::memcpy(&w, p, sizeof w);
    return w;
  };
  const int64_t steps = nbytes / 64;
  std::vector<uint64_t> partial(threads);
  double t0 = now_s();
  split_threads(threads, steps, [&](int64_t b, int64_t e) {
    Words a0 = {}, a1 = {}, a2 = {}, a3 = {};
    for (const char* p = bytes + 64 * b; p < bytes + 64 * e; p += 64) {
      a0 += load(p);
      a1 += load(p + 16);
      a2 += load(p + 32);
      a3 += load(p + 48);
    }
    Words s = (a0 + a1) + (a2 + a3);
    partial[(b * threads) / std::max<int64_t>(1, steps)] = s[0] + s[1];
  });
  double t = now_s() - t0;
  for (uint64_t p : partial) *sink += p;
  return t;
}

// Read bandwidth (bytes per second) of n float32 on `threads` threads.
inline double read_bandwidth(const float* src, int64_t n, int threads, uint64_t* sink) {
  const int64_t nbytes = n * static_cast<int64_t>(sizeof(float));
  return static_cast<double>(nbytes) / median_time([&] { read_seconds(src, nbytes, threads, sink); });
}

}  // namespace tessera::bench
