// The runtime's persistent thread pool behind tessera_parallel_for.
//
// Static schedule: [0, extent) is cut into min(threads, extent) contiguous chunks of equal
// size (+-1); the caller runs chunk 0 and worker k always runs chunk k + 1, so a thread
// touches the same part of the data on every call (kernels here are bandwidth-bound).
//
// Dispatch is a store to each participating worker's epoch counter. Waiters spin for a
// few tens of microseconds and then sleep on a condition variable, so back-to-back
// kernels see microsecond latency and an idle pool costs nothing.
//
// Reentrancy: a parallel_for from a pool worker, or from a thread that is running its
// own chunk of a parallel_for, runs serially in the caller (no oversubscription, no
// deadlock). Concurrent calls from several user threads are safe: one of them owns the
// pool, the others find it busy and run their loop serially on their own thread.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tessera/runtime/kernel_abi.h"
#include "tessera/runtime/threads.h"

namespace {

constexpr auto kSpinTime = std::chrono::microseconds(50);
constexpr int kMaxThreads = 4096;
constexpr uint64_t kStopEpoch = ~uint64_t{0};

// True on pool workers, and on a caller while it runs a parallel loop.
thread_local bool tl_inside_parallel = false;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// A wake-up channel with one waiter. The notifier first makes the waiter's condition true
// with a seq_cst store, then calls notify(); the waiter publishes `sleeping` under the
// mutex before re-checking the condition, so a wake-up is never lost.
class Signal {
 public:
  template <class Ready>
  void wait(Ready ready) {
    auto deadline = std::chrono::steady_clock::now() + kSpinTime;
    for (unsigned i = 1; !ready(); ++i) {
      cpu_relax();
      if (i % 64 == 0 && std::chrono::steady_clock::now() > deadline) {
        std::unique_lock<std::mutex> lock(mutex_);
        sleeping_.store(true);
        cv_.wait(lock, ready);
        sleeping_.store(false, std::memory_order_relaxed);
        return;
      }
    }
  }
  void notify() {
    if (sleeping_.load()) {
      std::lock_guard<std::mutex> lock(mutex_);
      cv_.notify_one();
    }
  }

 private:
  std::atomic<bool> sleeping_{false};
  std::mutex mutex_;
  std::condition_variable cv_;
};

struct InsideParallel {
  bool saved = tl_inside_parallel;
  InsideParallel() { tl_inside_parallel = true; }
  ~InsideParallel() { tl_inside_parallel = saved; }
};

int default_num_threads() {
  if (const char* env = std::getenv("TESSERA_NUM_THREADS")) {
    char* end = nullptr;
    long n = std::strtol(env, &end, 10);
    if (end != env && *end == '\0' && n >= 1) return static_cast<int>(std::min<long>(n, kMaxThreads));
  }
  unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(std::min<unsigned>(hw, kMaxThreads));
}

// Runs one chunk; a C++ exception escaping the body becomes an error code.
int32_t run_chunk(TesseraParallelBody body, void* closure, int64_t begin, int64_t end) {
  try {
    return body(begin, end, closure);
  } catch (const std::exception& e) {
    tessera_error_begin();
    tessera_error_str("exception in parallel loop body: ");
    tessera_error_str(e.what());
  } catch (...) {
    tessera_error_begin();
    tessera_error_str("exception in parallel loop body");
  }
  return -1;
}

class ThreadPool {
 public:
  static ThreadPool& get() {
    static ThreadPool* pool = new ThreadPool();  // never destroyed: usable during exit
    return *pool;
  }

  int num_threads() const { return size_.load(); }

  void set_num_threads(int n) {
    if (tl_inside_parallel)
      throw std::logic_error("tessera::runtime::set_num_threads called inside a parallel loop");
    std::lock_guard<std::mutex> lock(dispatch_mutex_);
    stop_workers();
    size_.store(n < 1 ? default_num_threads() : std::min(n, kMaxThreads));
  }

  int32_t parallel_for(TesseraParallelBody body, void* closure, int64_t extent) {
    if (extent <= 0) return 0;
    if (body == nullptr) {
      tessera_error_begin();
      tessera_error_str("tessera_parallel_for: null loop body");
      return -1;
    }
    if (tl_inside_parallel) return run_chunk(body, closure, 0, extent);
    InsideParallel inside;
    std::unique_lock<std::mutex> lock(dispatch_mutex_, std::try_to_lock);
    if (!lock.owns_lock()) return run_chunk(body, closure, 0, extent);  // pool busy
    int chunks = static_cast<int>(std::min<int64_t>(size_.load(), extent));
    if (chunks == 1) return run_chunk(body, closure, 0, extent);
    start_workers();

    body_ = body;
    closure_ = closure;
    extent_ = extent;
    chunks_ = chunks;
    pending_.store(chunks - 1);
    ++epoch_;
    for (int k = 0; k + 1 < chunks; ++k) {
      workers_[k]->epoch.store(epoch_);
      workers_[k]->wake.notify();
    }
    int32_t result = run_chunk(body, closure, chunk_begin(0), chunk_begin(1));
    done_.wait([this] { return pending_.load() == 0; });
    if (result != 0) return result;
    for (int k = 0; k + 1 < chunks; ++k) {
      Worker& w = *workers_[k];
      if (w.result == 0) continue;
      if (!w.error.empty()) {  // the message was recorded on the worker's thread
        tessera_error_begin();
        tessera_error_str(w.error.c_str());
      }
      return w.result;
    }
    return 0;
  }

 private:
  struct alignas(64) Worker {
    std::thread thread;
    std::atomic<uint64_t> epoch{0};  // the job posted to this worker last
    Signal wake;
    int32_t result = 0;
    std::string error;
  };

  ThreadPool() : size_(default_num_threads()) {}

  int64_t chunk_begin(int chunk) const {
    int64_t base = extent_ / chunks_, rest = extent_ % chunks_;
    return chunk * base + std::min<int64_t>(chunk, rest);
  }

  void start_workers() {
    int want = size_.load() - 1;
    if (static_cast<int>(workers_.size()) == want) return;
    stop_workers();
    for (int k = 0; k < want; ++k) workers_.push_back(std::make_unique<Worker>());
    for (int k = 0; k < want; ++k) workers_[k]->thread = std::thread([this, k] { worker_loop(k); });
  }

  void stop_workers() {
    for (auto& w : workers_) {
      w->epoch.store(kStopEpoch);
      w->wake.notify();
    }
    for (auto& w : workers_) w->thread.join();
    workers_.clear();
  }

  void worker_loop(int k) {
    tl_inside_parallel = true;
    Worker& w = *workers_[k];
    uint64_t seen = 0;
    for (;;) {
      w.wake.wait([&] { return w.epoch.load() != seen; });
      seen = w.epoch.load();
      if (seen == kStopEpoch) return;
      tessera_error_begin();
      w.result = run_chunk(body_, closure_, chunk_begin(k + 1), chunk_begin(k + 2));
      if (w.result != 0) w.error = tessera_last_error();
      if (pending_.fetch_sub(1) == 1) done_.notify();
    }
  }

  std::atomic<int> size_;
  std::mutex dispatch_mutex_;  // held by the thread that owns the pool for one loop
  std::vector<std::unique_ptr<Worker>> workers_;
  uint64_t epoch_ = 0;
  // The job in flight; written before the workers' epochs are bumped.
  TesseraParallelBody body_ = nullptr;
  void* closure_ = nullptr;
  int64_t extent_ = 0;
  int chunks_ = 1;
  std::atomic<int> pending_{0};  // worker chunks not yet finished
  Signal done_;
};

}  // namespace

namespace tessera::runtime {
int num_threads() { return ThreadPool::get().num_threads(); }
void set_num_threads(int n) { ThreadPool::get().set_num_threads(n); }
}  // namespace tessera::runtime

extern "C" int32_t tessera_parallel_for(TesseraParallelBody body, void* closure, int64_t extent) {
  return ThreadPool::get().parallel_for(body, closure, extent);
}
