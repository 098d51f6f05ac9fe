// The runtime's persistent thread pool behind tessera_parallel_for.
//
// Dynamic schedule: [0, extent) is handed out in grains of about extent / (4 * threads)
// iterations from one atomic cursor; the caller and every worker that wakes in time claim
// grains until none are left. The machines tessera runs on are often shared, so a worker
// that is not scheduled must not hold the loop up: the caller waits only for workers that
// joined the loop (they hold claimed grains), never for one that has not woken yet.
//
// Joining goes through one state word (epoch, closed flag, active count): a worker joins
// the loop of its epoch only while it is open; the caller closes it once every grain is
// claimed and then waits for the joined workers to finish theirs. A late worker finds the
// loop closed (or a newer epoch) and touches nothing of it.
//
// Workers are kept off the CPU the caller runs on (their affinity is the process's CPUs
// less that one, updated when the caller moves). Without it, a sleeping worker was often
// woken onto the caller's own CPU and queued behind the caller for the whole loop: on a
// 2-vCPU VM, in a third of the 4 ms loops that followed 5 ms of idling no worker joined
// (with the affinity, a worker joined every one, after 30-80 us).
//
// Dispatch is a store to each worker's epoch counter. A waiter spins, then sleeps on a
// condition variable, so loops close together see microsecond latency and an idle pool
// costs nothing. The spin lasts 2 ms by default (TESSERA_SPIN_US): on the 2-vCPU VM of
// bench/results a sleeping worker joined a loop 30-80 us after it was woken, which is most
// of a loop over 1M float32, and a Python program's calls are seldom 2 ms apart. After the
// first 50 us the spinner yields its CPU between checks, so another thread that wants its
// CPU gets it (the policy of OpenMP runtimes, whose waits spin for milliseconds by default).
//
// Reentrancy: a parallel_for from a pool worker, or from a thread that is running its
// own part of a parallel_for, runs serially in the caller (no oversubscription, no
// deadlock). Concurrent calls from several user threads are safe: one of them owns the
// pool, the others find it busy and run their loop serially on their own thread.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#if defined(__linux__)
#include <pthread.h>
#include <sched.h>
#endif

#include "tessera/runtime/kernel_abi.h"
#include "tessera/runtime/threads.h"

namespace {

constexpr auto kPauseSpinTime = std::chrono::microseconds(50);  // then yield between checks
constexpr long kDefaultSpinMicroseconds = 2000;
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

// The value of an environment variable that is a whole decimal number of at least `min`.
std::optional<long> env_number(const char* name, long min) {
  const char* env = std::getenv(name);
  if (env == nullptr) return std::nullopt;
  char* end = nullptr;
  long n = std::strtol(env, &end, 10);
  if (end == env || *end != '\0' || n < min) return std::nullopt;
  return n;
}

// How long a waiter spins before it sleeps: TESSERA_SPIN_US (at most 1 s), or 2 ms.
std::chrono::microseconds spin_time() {
  static const std::chrono::microseconds time(
      std::min(env_number("TESSERA_SPIN_US", 0).value_or(kDefaultSpinMicroseconds), 1000000L));
  return time;
}

// A wake-up channel with one waiter. The notifier first makes the waiter's condition true
// with a seq_cst store, then calls notify(); the waiter publishes `sleeping` under the
// mutex before re-checking the condition, so a wake-up is never lost.
class Signal {
 public:
  template <class Ready>
  void wait(Ready ready) {
    const auto start = std::chrono::steady_clock::now();
    const auto yield_from = start + std::min(kPauseSpinTime, spin_time());
    const auto deadline = start + spin_time();
    bool yielding = false;
    for (unsigned i = 1; !ready(); ++i) {
      cpu_relax();
      if (yielding) std::this_thread::yield();
      if (i % 64 != 0) continue;
      const auto now = std::chrono::steady_clock::now();
      yielding = now > yield_from;
      if (now > deadline) {
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
  if (auto n = env_number("TESSERA_NUM_THREADS", 1)) return static_cast<int>(std::min<long>(*n, kMaxThreads));
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
    const int threads = static_cast<int>(std::min<int64_t>(size_.load(), extent));
    if (threads == 1) return run_chunk(body, closure, 0, extent);
    start_workers();
    keep_workers_off_caller_cpu();

    body_ = body;
    closure_ = closure;
    extent_ = extent;
    grain_ = std::max<int64_t>(1, extent / (4 * static_cast<int64_t>(threads)));
    next_.store(0, std::memory_order_relaxed);
    error_code_.store(0, std::memory_order_relaxed);
    ++epoch_;
    state_.store(epoch_ << kEpochShift);  // open, nobody joined
    for (int k = 0; k + 1 < threads; ++k) {
      workers_[k]->epoch.store(epoch_);
      workers_[k]->wake.notify();
    }
    drain();
    // Every grain is claimed: close the loop, then wait for the workers that joined it.
    uint64_t s = state_.fetch_or(kClosed);
    if ((s & kActiveMask) != 0) done_.wait([this] { return (state_.load() & kActiveMask) == 0; });
    int32_t result = error_code_.load();
    if (result != 0) {  // the message was recorded on the thread that failed
      tessera_error_begin();
      tessera_error_str(error_message_.c_str());
    }
    return result;
  }

 private:
  struct alignas(64) Worker {
    std::thread thread;
    std::atomic<uint64_t> epoch{0};  // the loop posted to this worker last
    Signal wake;
  };

  static constexpr int kEpochShift = 32;
  static constexpr uint64_t kClosed = uint64_t{1} << 31;
  static constexpr uint64_t kActiveMask = kClosed - 1;

  ThreadPool() : size_(default_num_threads()) {}

  // Claims and runs grains until none are left; of the chunks that fail, the one that starts
  // first in the iteration space gives the error, whatever the timing (every chunk runs).
  void drain() {
    for (;;) {
      // Unsigned: claims past the end of an extent near INT64_MAX must not wrap negative.
      uint64_t claimed = next_.fetch_add(static_cast<uint64_t>(grain_));
      if (claimed >= static_cast<uint64_t>(extent_)) return;
      int64_t begin = static_cast<int64_t>(claimed);
      int64_t end = begin + std::min(grain_, extent_ - begin);
      tessera_error_begin();
      int32_t r = run_chunk(body_, closure_, begin, end);
      if (r != 0) {
        std::lock_guard<std::mutex> guard(error_mutex_);
        if (error_code_.load(std::memory_order_relaxed) == 0 || begin < error_begin_) {
          error_code_.store(r);
          error_begin_ = begin;
          error_message_ = tessera_last_error();
        }
      }
    }
  }

  // A worker joins the loop of `epoch` if it is still open.
  bool join(uint64_t epoch) {
    uint64_t s = state_.load();
    while ((s >> kEpochShift) == (epoch & 0xffffffffu) && !(s & kClosed))
      if (state_.compare_exchange_weak(s, s + 1)) return true;
    return false;
  }

  void leave() {
    uint64_t s = state_.fetch_sub(1) - 1;
    if ((s & kActiveMask) == 0 && (s & kClosed)) done_.notify();
  }

  void start_workers() {
    int want = size_.load() - 1;
    if (static_cast<int>(workers_.size()) == want) return;
    stop_workers();
    for (int k = 0; k < want; ++k) workers_.push_back(std::make_unique<Worker>());
    for (int k = 0; k < want; ++k) workers_[k]->thread = std::thread([this, k] { worker_loop(k); });
#if defined(__linux__)
    if (sched_getaffinity(0, sizeof process_cpus_, &process_cpus_) != 0) CPU_ZERO(&process_cpus_);
    workers_cpu_excluded_ = -1;
#endif
  }

  // Workers may run on any CPU the process may use except the one the caller is on, so a
  // woken worker is never queued behind the caller (see the file comment).
  void keep_workers_off_caller_cpu() {
#if defined(__linux__)
    const int cpu = sched_getcpu();
    if (cpu < 0 || cpu == workers_cpu_excluded_) return;
    workers_cpu_excluded_ = cpu;
    cpu_set_t mask = process_cpus_;
    // Only where every thread can have a CPU of its own: an oversubscribed pool is left to
    // the kernel to spread.
    if (cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &mask) || CPU_COUNT(&mask) <= static_cast<int>(workers_.size()))
      return;
    CPU_CLR(cpu, &mask);
    for (auto& w : workers_) pthread_setaffinity_np(w->thread.native_handle(), sizeof mask, &mask);
#endif
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
      if (!join(seen)) continue;  // too late: the caller did the work
      drain();
      leave();
    }
  }

  std::atomic<int> size_;
  std::mutex dispatch_mutex_;  // held by the thread that owns the pool for one loop
  std::vector<std::unique_ptr<Worker>> workers_;
  uint64_t epoch_ = 0;
#if defined(__linux__)
  cpu_set_t process_cpus_{};        // the CPUs the thread that started the workers may use
  int workers_cpu_excluded_ = -1;  // the caller's CPU the workers were last kept off
#endif
  // The loop in flight; written before it opens, read only by threads that joined it.
  TesseraParallelBody body_ = nullptr;
  void* closure_ = nullptr;
  int64_t extent_ = 0;
  int64_t grain_ = 1;
  alignas(64) std::atomic<uint64_t> next_{0};  // the first unclaimed iteration
  alignas(64) std::atomic<uint64_t> state_{0};  // epoch << 32 | closed | active workers
  std::atomic<int32_t> error_code_{0};
  std::mutex error_mutex_;
  int64_t error_begin_ = 0;  // first iteration of the chunk error_code_ came from
  std::string error_message_;
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
