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

// Runs body(begin, end) on `threads` threads over [0, n); the calling thread takes the
// first slice, so one thread is started fewer.
inline void split_threads(int threads, int64_t n, const std::function<void(int64_t, int64_t)>& body) {
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) {
    int64_t b = n * t / threads, e = n * (t + 1) / threads;
    pool.emplace_back([=, &body] { body(b, e); });
  }
  body(0, n / threads);
  for (auto& th : pool) th.join();
}

// One copy of `nbytes` with memcpy on `threads` threads, in seconds (the buffers are the
// caller's, so a benchmark can time one copy between the calls it compares).
inline double copy_seconds(const void* src, void* dst, int64_t nbytes, int threads) {
  const auto* s = static_cast<const char*>(src);
  auto* d = static_cast<char*>(dst);
  double t0 = now_s();
  split_threads(threads, nbytes, [&](int64_t b, int64_t e) { std::memcpy(d + b, s + b, e - b); });
  return now_s() - t0;
}

// Copy bandwidth (bytes read + written per second) with memcpy on `threads` threads.
inline double copy_bandwidth(const float* src, float* dst, int64_t n, int threads) {
  const int64_t nbytes = n * static_cast<int64_t>(sizeof(float));
  double t = median_time([&] { copy_seconds(src, dst, nbytes, threads); });
  return 2.0 * static_cast<double>(nbytes) / t;
}

// One read of `nbytes` on `threads` threads, in seconds: the 8-byte words are summed in
// independent accumulators that the compiler vectorizes (the ceiling of a reduction); the
// sum goes to *sink so that the reads are not optimized away.
inline double read_seconds(const void* src, int64_t nbytes, int threads, uint64_t* sink) {
  const auto* words = static_cast<const uint64_t*>(src);
  const int64_t n = nbytes / 8;
  std::vector<uint64_t> partial(threads);
  double t0 = now_s();
  split_threads(threads, n, [&](int64_t b, int64_t e) {
    uint64_t acc[8] = {};
    int64_t i = b;
    for (; i + 8 <= e; i += 8)
      for (int l = 0; l < 8; ++l) acc[l] += words[i + l];
    for (; i < e; ++i) acc[0] += words[i];
    uint64_t s = 0;
    for (uint64_t a : acc) s += a;
    partial[(b * threads) / std::max<int64_t>(1, n)] = s;
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
