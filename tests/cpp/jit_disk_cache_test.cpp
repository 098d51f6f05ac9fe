// The JIT disk cache: misses compile and store, hits load (also in a fresh process),
// corrupt or truncated entries are detected, removed and rebuilt, and threads and
// processes racing on one entry all get a working kernel.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "ops/cache_file.h"
#include "ops/jit_disk_cache.h"
#include "ops/kernel_cache.h"
#include "tessera/ops/dispatch.h"
#include "tessera/ops/library.h"

namespace {

namespace fs = std::filesystem;
using namespace tessera;
using ops::DataType;

// A fresh directory that TESSERA_CACHE_DIR points at while the object lives.
struct TempCacheDir {
  std::string path;
  TempCacheDir() {
    char tmpl[] = "/tmp/tessera-jit-cache-XXXXXX";
    path = mkdtemp(tmpl);
    setenv("TESSERA_CACHE_DIR", path.c_str(), 1);
  }
  ~TempCacheDir() {
    unsetenv("TESSERA_CACHE_DIR");
    fs::remove_all(path);
  }
};

std::vector<std::string> files_under(const std::string& dir, const std::string& suffix) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file() && e.path().string().ends_with(suffix)) out.push_back(e.path().string());
  return out;
}

std::vector<std::string> all_files(const std::string& dir) { return files_under(dir, ""); }

// The lowered kernel of float32 `op` (contiguous rank 1), as the kernel cache builds it.
ir::LoweredFunc lowered_kernel(const std::string& op_name) {
  ops::ensure_registered();
  const ops::OpDef* op = ops::find_op(op_name);
  DataType f32 = DataType::Float(32);
  ops::Variant v{*op->type_rule({f32, f32}), 1, ops::Layout::Contiguous, "llvm", {}};
  ops::Generated g = op->generate(v);
  lower::LowerOptions lo;
  lo.contiguous = true;
  return lower::lower(g.sched, g.args, v.name(op_name), lo);
}

DLTensor vector_f32(std::vector<float>& data, int64_t* shape) {
  DLTensor t{};
  t.data = data.data();
  t.device = {kDLCPU, 0};
  t.ndim = 1;
  t.dtype = {kDLFloat, 32, 1};
  t.shape = shape;
  return t;
}

// Runs a float32 binary kernel on random data and compares with `reference`.
template <class F>
::testing::AssertionResult runs_correctly(TesseraKernelFn fn, F reference, uint32_t seed = 1) {
  int64_t n = 1000 + seed % 97;
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-10, 10);
  std::vector<float> a(n), b(n), c(n, 0.0f);
  for (int64_t i = 0; i < n; ++i) a[i] = dist(rng), b[i] = dist(rng);
  DLTensor ta = vector_f32(a, &n), tb = vector_f32(b, &n), tc = vector_f32(c, &n);
  TesseraValue args[3];
  args[0].v_handle = &ta;
  args[1].v_handle = &tb;
  args[2].v_handle = &tc;
  int32_t codes[3] = {kTesseraArgTensor, kTesseraArgTensor, kTesseraArgTensor};
  if (fn(args, codes, 3) != 0) return ::testing::AssertionFailure() << "kernel failed: " << tessera_last_error();
  for (int64_t i = 0; i < n; ++i)
    if (c[i] != reference(a[i], b[i]))
      return ::testing::AssertionFailure() << "element " << i << ": " << c[i] << " != " << reference(a[i], b[i]);
  return ::testing::AssertionSuccess();
}

float add_ref(float x, float y) { return x + y; }

const codegen::CpuTarget& host() {
  static const codegen::CpuTarget t = codegen::CpuTarget::host();
  return t;
}

// Runs this test binary again with only `test` and the given cache directory; returns
// its exit status.
pid_t spawn_child(const std::string& test, const std::string& cache_dir) {
  pid_t pid = fork();
  if (pid == 0) {
    setenv("TESSERA_CACHE_DIR", cache_dir.c_str(), 1);
    setenv("TESSERA_JIT_CACHE_CHILD", "1", 1);
    std::string filter = "--gtest_filter=" + test;
    execl("/proc/self/exe", "jit_disk_cache_test", filter.c_str(), "--gtest_brief=1", static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

int wait_child(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool in_child() { return std::getenv("TESSERA_JIT_CACHE_CHILD") != nullptr; }

TEST(JitDiskCache, DirectoryFromEnvironmentAndOff) {
  setenv("TESSERA_CACHE_DIR", "/some/where", 1);
  EXPECT_EQ(ops::detail::jit_cache_dir(), "/some/where");
  for (const char* off : {"off", "0", "none", ""}) {
    setenv("TESSERA_CACHE_DIR", off, 1);
    EXPECT_EQ(ops::detail::jit_cache_dir(), "") << off;
  }
  unsetenv("TESSERA_CACHE_DIR");
  setenv("XDG_CACHE_HOME", "/xdg", 1);
  EXPECT_EQ(ops::detail::jit_cache_dir(), "/xdg/tessera");
  unsetenv("XDG_CACHE_HOME");
}

TEST(JitDiskCache, OffWritesNothing) {
  TempCacheDir dir;
  setenv("TESSERA_CACHE_DIR", "off", 1);
  ops::detail::JitKernel k = ops::detail::jit_with_disk_cache(lowered_kernel("add"), host());
  EXPECT_FALSE(k.from_disk);
  EXPECT_TRUE(runs_correctly(k.fn, add_ref));
  EXPECT_TRUE(all_files(dir.path).empty());
}

TEST(JitDiskCache, MissStoresThenHitLoads) {
  TempCacheDir dir;
  ir::LoweredFunc f = lowered_kernel("add");
  ops::detail::JitKernel miss = ops::detail::jit_with_disk_cache(f, host());
  EXPECT_FALSE(miss.from_disk);
  EXPECT_TRUE(runs_correctly(miss.fn, add_ref));
  ASSERT_EQ(files_under(dir.path, ".tko").size(), 1u);

  // Loads: the median over a few, printed (timing is not asserted on a shared machine).
  std::vector<double> micros;
  for (int i = 0; i < 15; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    ops::detail::JitKernel hit = ops::detail::jit_with_disk_cache(f, host());
    auto t1 = std::chrono::steady_clock::now();
    ASSERT_TRUE(hit.from_disk);
    EXPECT_TRUE(runs_correctly(hit.fn, add_ref, i + 2));
    micros.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  std::sort(micros.begin(), micros.end());
  std::printf("[ disk cache ] load of a cached kernel (key, read, verify, link): median %.0f us, min %.0f us\n",
              micros[micros.size() / 2], micros[0]);
}

TEST(JitDiskCache, KeyDependsOnKernelAndTarget) {
  ir::LoweredFunc add = lowered_kernel("add"), sub = lowered_kernel("subtract");
  codegen::CpuTarget base = codegen::CpuTarget::generic_x86_64();
  EXPECT_EQ(ops::detail::jit_cache_key(add, host(), {}), ops::detail::jit_cache_key(lowered_kernel("add"), host(), {}));
  EXPECT_NE(ops::detail::jit_cache_key(add, host(), {}), ops::detail::jit_cache_key(sub, host(), {}));
  EXPECT_NE(ops::detail::jit_cache_key(add, host(), {}), ops::detail::jit_cache_key(add, base, {}));
  codegen::CodegenOptions o1;
  o1.opt_level = 1;
  EXPECT_NE(ops::detail::jit_cache_key(add, host(), {}), ops::detail::jit_cache_key(add, host(), o1));
}

// Each damage is detected on the next lookup: the entry is removed and rebuilt.
TEST(JitDiskCache, CorruptOrTruncatedEntriesAreRebuilt) {
  TempCacheDir dir;
  ir::LoweredFunc f = lowered_kernel("add");
  ops::detail::jit_with_disk_cache(f, host());
  const std::string entry = files_under(dir.path, ".tko").at(0);
  const auto good_size = fs::file_size(entry);

  auto damage_and_check = [&](const std::string& what, auto damage) {
    SCOPED_TRACE(what);
    damage();
    std::string key = ops::detail::jit_cache_key(f, host(), {});
    ops::detail::CacheRead r = ops::detail::read_cache_entry(entry, key);
    EXPECT_EQ(r.status, ops::detail::CacheRead::Status::Corrupt);
    EXPECT_FALSE(fs::exists(entry)) << "a corrupt entry is removed";
    damage();  // again, for the lookup through the cache
    ops::detail::JitKernel k = ops::detail::jit_with_disk_cache(f, host());
    EXPECT_FALSE(k.from_disk);
    EXPECT_TRUE(runs_correctly(k.fn, add_ref));
    ASSERT_TRUE(fs::exists(entry));
    EXPECT_EQ(fs::file_size(entry), good_size);
    EXPECT_TRUE(ops::detail::jit_with_disk_cache(f, host()).from_disk) << "rebuilt entry is used";
  };
  std::vector<char> original(good_size);
  std::ifstream(entry, std::ios::binary).read(original.data(), static_cast<std::streamsize>(good_size));
  auto write = [&](const std::vector<char>& bytes) {
    std::ofstream(entry, std::ios::binary | std::ios::trunc).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  };
  damage_and_check("truncated to half", [&] { write({original.begin(), original.begin() + good_size / 2}); });
  damage_and_check("truncated inside the header", [&] { write({original.begin(), original.begin() + 10}); });
  damage_and_check("empty", [&] { write({}); });
  damage_and_check("payload bit flip", [&] {
    std::vector<char> flipped = original;
    flipped[good_size - 100] ^= 0x10;
    write(flipped);
  });
  damage_and_check("random bytes", [&] {
    std::vector<char> noise(good_size);
    std::mt19937 rng(7);
    for (char& c : noise) c = static_cast<char>(rng());
    write(noise);
  });
  damage_and_check("trailing garbage", [&] {
    std::vector<char> longer = original;
    longer.insert(longer.end(), 16, 'x');
    write(longer);
  });
}

TEST(JitDiskCache, EntryOfAnotherKeyIsNotServed) {
  TempCacheDir dir;
  ir::LoweredFunc add = lowered_kernel("add"), sub = lowered_kernel("subtract");
  ops::detail::jit_with_disk_cache(add, host());
  ops::detail::jit_with_disk_cache(sub, host());
  std::vector<std::string> entries = files_under(dir.path, ".tko");
  ASSERT_EQ(entries.size(), 2u);
  // Put subtract's object under add's name: the key inside the header tells them apart.
  std::string add_key = ops::detail::jit_cache_key(add, host(), {});
  std::string add_entry = entries[0].find(add_key) != std::string::npos ? entries[0] : entries[1];
  std::string sub_entry = add_entry == entries[0] ? entries[1] : entries[0];
  fs::copy_file(sub_entry, add_entry, fs::copy_options::overwrite_existing);
  ops::detail::JitKernel k = ops::detail::jit_with_disk_cache(add, host());
  EXPECT_FALSE(k.from_disk);
  EXPECT_TRUE(runs_correctly(k.fn, add_ref));
}

TEST(JitDiskCache, EightThreadsOnOneEntry) {
  TempCacheDir dir;
  ir::LoweredFunc f = lowered_kernel("add");
  for (int round = 0; round < 2; ++round) {  // racing writers, then racing readers
    std::vector<std::thread> threads;
    std::atomic<int> ok{0};
    for (int t = 0; t < 8; ++t)
      threads.emplace_back([&, t] {
        ops::detail::JitKernel k = ops::detail::jit_with_disk_cache(f, host());
        if (runs_correctly(k.fn, add_ref, static_cast<uint32_t>(t + 10))) ++ok;
      });
    for (std::thread& t : threads) t.join();
    EXPECT_EQ(ok.load(), 8);
    EXPECT_EQ(files_under(dir.path, ".tko").size(), 1u);
    EXPECT_EQ(all_files(dir.path).size(), 1u) << "no temporary files are left behind";
  }
  EXPECT_TRUE(ops::detail::jit_with_disk_cache(f, host()).from_disk);
}

// Child side of the multi-process tests: a fresh process calls add through dispatch.
TEST(JitDiskCacheChild, AddThroughDispatch) {
  if (!in_child()) GTEST_SKIP() << "runs as a child of the tests below";
  // One call first, timed: generate and lower the variant, then compile or load it.
  int64_t n1 = 100;
  std::vector<float> x(n1, 1.0f), y(n1, 2.0f), z(n1);
  DLTensor tx = vector_f32(x, &n1), ty = vector_f32(y, &n1), tz = vector_f32(z, &n1);
  auto t0 = std::chrono::steady_clock::now();
  ops::call("add", {&tx, &ty}, {&tz});
  double first_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(z[0], 3.0f);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      int64_t n = 4096;
      std::vector<float> a(n), b(n), c(n);
      for (int64_t i = 0; i < n; ++i) a[i] = static_cast<float>(i * 0.5 + t), b[i] = static_cast<float>(3 - i);
      DLTensor ta = vector_f32(a, &n), tb = vector_f32(b, &n), tc = vector_f32(c, &n);
      ops::call("add", {&ta, &tb}, {&tc});
      bool same = true;
      for (int64_t i = 0; i < n; ++i) same = same && c[i] == a[i] + b[i];
      ok += same;
    });
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok.load(), 4);
  ops::detail::KernelSources s = ops::detail::kernel_sources();
  std::printf("[ child ] compiled %lld, from disk %lld; first call %.1f ms\n", static_cast<long long>(s.compiled),
              static_cast<long long>(s.disk_cache), first_ms);
  if (std::getenv("TESSERA_JIT_CACHE_EXPECT_HIT")) {  // threads racing on a miss may each load it
    EXPECT_EQ(s.compiled, 0);
    EXPECT_GE(s.disk_cache, 1);
  }
}

TEST(JitDiskCache, HitInAFreshProcess) {
  if (in_child()) GTEST_SKIP();
  TempCacheDir dir;
  ASSERT_EQ(wait_child(spawn_child("JitDiskCacheChild.*", dir.path)), 0) << "first process (miss)";
  ASSERT_EQ(files_under(dir.path, ".tko").size(), 1u);
  setenv("TESSERA_JIT_CACHE_EXPECT_HIT", "1", 1);
  int status = wait_child(spawn_child("JitDiskCacheChild.*", dir.path));
  unsetenv("TESSERA_JIT_CACHE_EXPECT_HIT");
  EXPECT_EQ(status, 0) << "second process (hit, nothing compiled)";
}

TEST(JitDiskCache, SeveralProcessesOnOneEntry) {
  if (in_child()) GTEST_SKIP();
  TempCacheDir dir;
  for (int round = 0; round < 2; ++round) {  // racing writers, then racing readers
    std::vector<pid_t> children;
    for (int p = 0; p < 4; ++p) children.push_back(spawn_child("JitDiskCacheChild.*", dir.path));
    for (pid_t pid : children) EXPECT_EQ(wait_child(pid), 0);
    EXPECT_EQ(files_under(dir.path, ".tko").size(), 1u);
    EXPECT_EQ(all_files(dir.path).size(), 1u) << "no temporary files are left behind";
  }
}

}  // namespace
