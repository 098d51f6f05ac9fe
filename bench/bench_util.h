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

// Read bandwidth: a sum with independent accumulators that the compiler vectorizes.
inline double read_bandwidth(const float* src, int64_t n, int threads, double* sink) {
  std::vector<double> partial(threads);
  double t = median_time([&] {
    split_threads(threads, n, [&](int64_t b, int64_t e) {
      float acc[16] = {};
      int64_t i = b;
      for (; i + 16 <= e; i += 16)
        for (int l = 0; l < 16; ++l) acc[l] += src[i + l];
      double s = 0;
      for (int l = 0; l < 16; ++l) s += acc[l];
      for (; i < e; ++i) s += src[i];
      partial[(b * threads) / std::max<int64_t>(1, n)] = s;
    });
  });
  for (double p : partial) *sink += p;
  return n * sizeof(float) / t;
}

}  // namespace tessera::bench
