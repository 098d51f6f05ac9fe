// The runtime services generated kernels call: parallel_for, the error channel, workspace.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#if defined(__linux__)
#include <sched.h>
#endif

#include "tessera/runtime/kernel_abi.h"
#include "tessera/runtime/threads.h"

namespace {

// Restores the pool size after a test changes it.
struct PoolSize {
  int saved = tessera::runtime::num_threads();
  explicit PoolSize(int n) { tessera::runtime::set_num_threads(n); }
  ~PoolSize() { tessera::runtime::set_num_threads(saved); }
};

struct Coverage {
  std::vector<std::atomic<int>> hits;
  explicit Coverage(int64_t n) : hits(n) {}
  static int32_t body(int64_t begin, int64_t end, void* closure) {
    auto* self = static_cast<Coverage*>(closure);
    for (int64_t i = begin; i < end; ++i) self->hits[i].fetch_add(1);
    return 0;
  }
  bool each_once() const {
    for (const auto& h : hits)
      if (h.load() != 1) return false;
    return true;
  }
};

// Records each chunk with the thread that ran it.
struct ChunkLog {
  std::mutex mutex;
  std::map<std::pair<int64_t, int64_t>, std::thread::id> chunks;
  static int32_t body(int64_t begin, int64_t end, void* closure) {
    auto* self = static_cast<ChunkLog*>(closure);
    std::lock_guard<std::mutex> lock(self->mutex);
    self->chunks[{begin, end}] = std::this_thread::get_id();
    return 0;
  }
};

TEST(ParallelFor, CoversEveryIndexOnce) {
  for (int threads : {1, 2, 3, 8}) {
    PoolSize size(threads);
    for (int64_t extent : {0, 1, 2, 3, 7, 8, 9, 64, 1000, 1000003}) {
      Coverage c(extent);
      ASSERT_EQ(tessera_parallel_for(Coverage::body, &c, extent), 0);
      EXPECT_TRUE(c.each_once()) << "threads " << threads << " extent " << extent;
    }
  }
}

// Loops further apart than the workers spin (2 ms by default, TESSERA_SPIN_US): every loop
// after the first wakes sleeping workers, the path a spinning pool does not take.
TEST(ParallelFor, LoopsAfterTheWorkersSleptCoverEveryIndexOnce) {
  PoolSize size(3);
  for (int round = 0; round < 6; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(round % 2 == 0 ? 5 : 1));
    Coverage c(100003);
    ASSERT_EQ(tessera_parallel_for(Coverage::body, &c, 100003), 0);
    EXPECT_TRUE(c.each_once()) << "round " << round;
  }
}

TEST(ParallelFor, NonPositiveExtentRunsNothing) {
  auto never = [](int64_t, int64_t, void*) -> int32_t { return 99; };
  EXPECT_EQ(tessera_parallel_for(never, nullptr, 0), 0);
  EXPECT_EQ(tessera_parallel_for(never, nullptr, -5), 0);
}

TEST(ParallelFor, DynamicGrainsTileTheRange) {
  PoolSize size(4);
  for (int64_t extent : {2, 4, 10, 1001, 100000}) {
    ChunkLog log;
    ASSERT_EQ(tessera_parallel_for(ChunkLog::body, &log, extent), 0);
    // Grains of extent / (4 * threads) iterations (at least one), in claim order they tile
    // [0, extent) exactly once, whichever thread ran each.
    const int64_t grain = std::max<int64_t>(1, extent / (4 * std::min<int64_t>(4, extent)));
    int64_t next = 0;
    for (const auto& [range, id] : log.chunks) {
      EXPECT_EQ(range.first, next);
      EXPECT_LE(range.second - range.first, grain);
      EXPECT_GT(range.second, range.first);
      next = range.second;
    }
    EXPECT_EQ(next, extent);
  }
}

TEST(ParallelFor, HugeExtentDoesNotOverflow) {
  PoolSize size(3);
  ChunkLog log;
  ASSERT_EQ(tessera_parallel_for(ChunkLog::body, &log, INT64_MAX), 0);
  int64_t next = 0;
  for (const auto& [range, id] : log.chunks) {
    EXPECT_EQ(range.first, next);
    next = range.second;
  }
  EXPECT_EQ(next, INT64_MAX);
}

struct Nested {
  int64_t inner_extent;
  std::vector<std::atomic<int>> hits;
  std::atomic<int> inner_on_other_thread{0};
  std::atomic<int> inner_failures{0};
  Nested(int64_t outer, int64_t inner) : inner_extent(inner), hits(outer * inner) {}

  struct Inner {
    Nested* self;
    int64_t row;
    std::thread::id owner;
  };
  static int32_t inner_body(int64_t begin, int64_t end, void* closure) {
    auto* in = static_cast<Inner*>(closure);
    if (std::this_thread::get_id() != in->owner) in->self->inner_on_other_thread++;
    for (int64_t j = begin; j < end; ++j) in->self->hits[in->row * in->self->inner_extent + j]++;
    return 0;
  }
  static int32_t outer_body(int64_t begin, int64_t end, void* closure) {
    auto* self = static_cast<Nested*>(closure);
    for (int64_t i = begin; i < end; ++i) {
      Inner in{self, i, std::this_thread::get_id()};
      if (tessera_parallel_for(inner_body, &in, self->inner_extent) != 0) self->inner_failures++;
    }
    return 0;
  }
};

TEST(ParallelFor, NestedCallsRunSeriallyInTheCaller) {
  for (int threads : {2, 4}) {
    PoolSize size(threads);
    Nested n(13, 37);
    ASSERT_EQ(tessera_parallel_for(Nested::outer_body, &n, 13), 0);
    for (const auto& h : n.hits) ASSERT_EQ(h.load(), 1);
    EXPECT_EQ(n.inner_on_other_thread.load(), 0);
    EXPECT_EQ(n.inner_failures.load(), 0);
  }
}

TEST(ParallelFor, ConcurrentCallersFromEightThreads) {
  PoolSize size(3);
  std::atomic<int> failures{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 8; ++t) {
    callers.emplace_back([t, &failures] {
      for (int rep = 0; rep < 200; ++rep) {
        int64_t extent = 1 + (t * 7919 + rep * 104729) % 5000;
        Coverage c(extent);
        if (tessera_parallel_for(Coverage::body, &c, extent) != 0 || !c.each_once()) failures++;
      }
    });
  }
  for (auto& th : callers) th.join();
  EXPECT_EQ(failures.load(), 0);
}

// Fails in every chunk that contains one of `bad`, with code 10 + index.
struct Failing {
  std::vector<int64_t> bad;
  static int32_t body(int64_t begin, int64_t end, void* closure) {
    auto* self = static_cast<Failing*>(closure);
    for (int64_t b : self->bad) {
      if (b >= begin && b < end) {
        tessera_error_begin();
        tessera_error_str("bad index ");
        tessera_error_int(b);
        return static_cast<int32_t>(10 + b);
      }
    }
    return 0;
  }
};

TEST(ParallelFor, ErrorFromAWorkerReachesTheCaller) {
  PoolSize size(4);
  tessera_error_begin();
  Failing last{{99}};  // the last chunk runs on a worker thread
  EXPECT_EQ(tessera_parallel_for(Failing::body, &last, 100), 109);
  EXPECT_STREQ(tessera_last_error(), "bad index 99");

  Failing two{{80, 30}};  // the first failing chunk wins
  EXPECT_EQ(tessera_parallel_for(Failing::body, &two, 100), 40);
  EXPECT_STREQ(tessera_last_error(), "bad index 30");

  Failing caller{{0, 60}};
  EXPECT_EQ(tessera_parallel_for(Failing::body, &caller, 100), 10);
  EXPECT_STREQ(tessera_last_error(), "bad index 0");

  Failing none{{}};
  EXPECT_EQ(tessera_parallel_for(Failing::body, &none, 100), 0);
}

TEST(ParallelFor, ExceptionInBodyBecomesAnError) {
  PoolSize size(2);
  auto throwing = [](int64_t begin, int64_t, void*) -> int32_t {
    if (begin > 0) throw std::runtime_error("boom");
    return 0;
  };
  EXPECT_NE(tessera_parallel_for(throwing, nullptr, 10), 0);
  EXPECT_NE(std::string(tessera_last_error()).find("boom"), std::string::npos);
}

TEST(Threads, SetNumThreadsAndEnvironment) {
  int saved = tessera::runtime::num_threads();
  tessera::runtime::set_num_threads(5);
  EXPECT_EQ(tessera::runtime::num_threads(), 5);
  ChunkLog log;
  ASSERT_EQ(tessera_parallel_for(ChunkLog::body, &log, 1000), 0);
  EXPECT_EQ(log.chunks.size(), 20u);  // grains of 1000 / (4 * 5)

  const char* old_env = std::getenv("TESSERA_NUM_THREADS");
  std::string old_value = old_env ? old_env : "";
  setenv("TESSERA_NUM_THREADS", "3", 1);
  tessera::runtime::set_num_threads(0);  // back to the default, which reads the variable
  EXPECT_EQ(tessera::runtime::num_threads(), 3);
  setenv("TESSERA_NUM_THREADS", "zero", 1);
  tessera::runtime::set_num_threads(-1);
  unsigned hw = std::thread::hardware_concurrency();
  EXPECT_EQ(tessera::runtime::num_threads(), hw == 0 ? 1 : static_cast<int>(hw));
  if (old_env) setenv("TESSERA_NUM_THREADS", old_value.c_str(), 1);
  else unsetenv("TESSERA_NUM_THREADS");

  tessera::runtime::set_num_threads(1);
  ChunkLog serial;
  ASSERT_EQ(tessera_parallel_for(ChunkLog::body, &serial, 1000), 0);
  ASSERT_EQ(serial.chunks.size(), 1u);
  EXPECT_EQ(serial.chunks.begin()->second, std::this_thread::get_id());
  tessera::runtime::set_num_threads(saved);
}

#if defined(__linux__)
// What the workers of a loop saw of the caller's CPU: whether their affinity allowed it.
struct AffinityLog {
  std::thread::id caller = std::this_thread::get_id();
  int caller_cpu = -1;
  std::atomic<int> worker_chunks{0}, allowed_caller_cpu{0};
  static int32_t body(int64_t, int64_t, void* closure) {
    auto* self = static_cast<AffinityLog*>(closure);
    if (std::this_thread::get_id() == self->caller) {  // hold the caller up so workers join
      auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(200);
      while (std::chrono::steady_clock::now() < until) {
      }
      return 0;
    }
    cpu_set_t mine;
    CPU_ZERO(&mine);
    sched_getaffinity(0, sizeof mine, &mine);
    self->worker_chunks++;
    if (CPU_ISSET(self->caller_cpu, &mine)) self->allowed_caller_cpu++;
    return 0;
  }
};

// Gives the thread back its CPU set when the test ends, however it ends.
struct RestoreAffinity {
  cpu_set_t saved;
  RestoreAffinity() {
    CPU_ZERO(&saved);
    sched_getaffinity(0, sizeof saved, &saved);
  }
  ~RestoreAffinity() { sched_setaffinity(0, sizeof saved, &saved); }
};

TEST(Threads, WorkersAreKeptOffTheCallersCpu) {
  RestoreAffinity restore;
  const cpu_set_t& saved = restore.saved;
  if (CPU_COUNT(&saved) < 2) GTEST_SKIP() << "the process may use one CPU: nothing to keep the workers off";
  PoolSize size(2);
  Coverage start(64);  // the workers start now, with the test's whole CPU set
  ASSERT_EQ(tessera_parallel_for(Coverage::body, &start, 64), 0);
  for (int cpu = 0, pinned = 0; cpu < CPU_SETSIZE && pinned < 2; ++cpu) {
    if (!CPU_ISSET(cpu, &saved)) continue;
    ++pinned;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    ASSERT_EQ(sched_setaffinity(0, sizeof one, &one), 0);  // the caller now runs on `cpu`
    AffinityLog log;
    log.caller_cpu = cpu;
    for (int attempt = 0; attempt < 200 && log.worker_chunks.load() == 0; ++attempt)
      ASSERT_EQ(tessera_parallel_for(AffinityLog::body, &log, 64), 0);
    EXPECT_GT(log.worker_chunks.load(), 0) << "no worker joined a loop on CPU " << cpu;
    EXPECT_EQ(log.allowed_caller_cpu.load(), 0) << "a worker could run on the caller's CPU " << cpu;
  }
}
#endif

TEST(Threads, SetNumThreadsInsideALoopThrows) {
  PoolSize size(2);
  std::atomic<int> threw{0};
  auto body = [](int64_t, int64_t, void* closure) -> int32_t {
    try {
      tessera::runtime::set_num_threads(3);
    } catch (const std::logic_error&) {
      ++*static_cast<std::atomic<int>*>(closure);
    }
    return 0;
  };
  ASSERT_EQ(tessera_parallel_for(body, &threw, 2), 0);
  EXPECT_EQ(threw.load(), 2);
  EXPECT_EQ(tessera::runtime::num_threads(), 2);
}

TEST(Error, MessageIsBuiltPerThread) {
  tessera_error_begin();
  EXPECT_STREQ(tessera_last_error(), "");
  tessera_error_str("argument ");
  tessera_error_int(-3);
  tessera_error_str(" has ndim ");
  tessera_error_int(INT64_MIN);
  tessera_error_str(nullptr);
  EXPECT_STREQ(tessera_last_error(), "argument -3 has ndim -9223372036854775808");
  std::string other = "unset";
  std::thread([&] { other = tessera_last_error(); }).join();
  EXPECT_EQ(other, "");
  tessera_error_begin();
  EXPECT_STREQ(tessera_last_error(), "");
}

TEST(Workspace, AlignedAndFreeable) {
  for (int64_t bytes : {0, 1, 63, 64, 65, 1000, 1 << 20}) {
    auto* p = static_cast<unsigned char*>(tessera_workspace_alloc(bytes));
    ASSERT_NE(p, nullptr) << bytes;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 64, 0u);
    for (int64_t i = 0; i < bytes; ++i) p[i] = static_cast<unsigned char>(i);
    tessera_workspace_free(p);
  }
  EXPECT_EQ(tessera_workspace_alloc(-1), nullptr);
  EXPECT_EQ(tessera_workspace_alloc(INT64_MAX), nullptr);
  tessera_workspace_free(nullptr);
}

}  // namespace
