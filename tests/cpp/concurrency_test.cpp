// Eight threads at once: each JIT-compiles its own kernels while others run shared ones,
// and calls library operators (ops::call, ops::reduce) whose variants the kernel cache
// compiles on first use, while defining new operators with defop. Under ThreadSanitizer
// (scripts/sanitize.sh) this is the data-race check of the JIT, the operator registry, the
// kernel cache, the runtime thread pool and kernel error reporting.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <latch>
#include <thread>

#include "tessera/ops/dispatch.h"
#include "tessera/ops/reduction.h"
#include "tessera/schedule/schedule.h"
#include "test_util.h"

namespace tessera {
namespace {

using ir::DataType;
using te::Tensor;
using testing::HostArray;

Kernel build_scale(float factor, const std::string& name) {
  ir::Var n = te::size_var("n");
  Tensor A = te::placeholder({n}, DataType::Float(32), "A");
  Tensor B = te::compute({n}, [&](ir::Var i) { return A(i) * factor + 1.0f; }, "B");
  auto s = schedule::create_schedule({B});
  auto [xo, xi] = s[B].split(s[B].axis()[0], 8);
  s[B].parallel(xo).vectorize(xi);
  return build(s, {A, B}, name);
}

TEST(Concurrency, EightThreadsCompileAndRunKernels) {
  Kernel shared = build_scale(3.0f, "shared_scale");
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 3; ++round) {
        float factor = static_cast<float>(t * 10 + round);
        Kernel own = build_scale(factor, "scale_" + std::to_string(t) + "_" + std::to_string(round));
        HostArray<float> a({1000 + t}), b({1000 + t}), c({1000 + t});
        testing::fill_random(a, t * 7 + round);
        own({a.get(), b.get()});
        shared({a.get(), c.get()});
        for (size_t i = 0; i < a.storage.size(); ++i)
          if (b.storage[i] != a.storage[i] * factor + 1.0f || c.storage[i] != a.storage[i] * 3.0f + 1.0f) ++failures;
        // A failing call on this thread reports its own message.
        HostArray<float> wrong({3});
        try {
          shared({a.get(), wrong.get()});
          ++failures;
        } catch (const KernelError& e) {
          if (std::string(e.what()).find("shared_scale") == std::string::npos) ++failures;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

// One thread's work on library operators; returns the number of wrong results. The first
// calls of every thread hit the same uncompiled variants at the same time.
int call_library_operators(int t, int round) {
  int wrong = 0;
  const int64_t n = 257 + t;
  HostArray<float> a({n}), b({1}), sum({n});
  testing::fill_random(a, t * 100 + round);
  b.storage[0] = 0.5f * static_cast<float>(t);
  ops::call("add", {a.get(), b.get()}, {sum.get()});  // broadcasting
  for (int64_t i = 0; i < n; ++i) wrong += sum.storage[i] != a.storage[i] + b.storage[0];

  HostArray<int32_t> x({3, n}), y({n}), prod({3, n});
  testing::fill_random(x, t + 7);
  testing::fill_random(y, t + 8);
  ops::call("multiply", {x.get(), y.get()}, {prod.get()});
  for (int64_t r = 0; r < 3; ++r)
    for (int64_t i = 0; i < n; ++i)
      wrong += prod.at({r, i}) != static_cast<int32_t>(static_cast<uint32_t>(x.at({r, i})) *
                                                        static_cast<uint32_t>(y.storage[i]));

  HostArray<double> m({4, n}), row_sums({4}), col_max({n});
  testing::fill_random(m, t + 9);
  ops::reduce("sum", m.get(), {1}, false, std::nullopt, row_sums.get());
  ops::reduce("max", m.get(), {0}, false, std::nullopt, col_max.get());
  for (int64_t r = 0; r < 4; ++r) {
    double want = 0;
    for (int64_t i = 0; i < n; ++i) want += m.at({r, i});
    wrong += std::abs(row_sums.storage[r] - want) > 1e-9 * (1 + std::abs(want));
  }
  for (int64_t i = 0; i < n; ++i) {
    double want = m.at({0, i});
    for (int64_t r = 1; r < 4; ++r) want = std::max(want, m.at({r, i}));
    wrong += col_max.storage[i] != want;
  }
  return wrong;
}

// A new operator per thread and round (compiled on its first call), and one that every
// thread (re)defines under the same name at the same time.
int define_and_call_operators(int t, int round) {
  int wrong = 0;
  const float k = static_cast<float>(t * 10 + round);
  std::string own = "conc_axpb_" + std::to_string(t) + "_" + std::to_string(round);
  ops::defop(ops::elementwise(own, 1, ops::promote_rule(ops::float_types()),
                              [k](const ops::Values& x, ir::DataType) { return x[0] * k + 1.0f; }));
  ops::defop(ops::elementwise("conc_shared_hypot", 2, ops::float_rule(),
                              [](const ops::Values& x, ir::DataType) { return ir::hypot(x[0], x[1]); }));
  HostArray<float> a({100 + t}), out({100 + t}), h({100 + t});
  testing::fill_random(a, t * 31 + round);
  ops::call(own, {a.get()}, {out.get()});
  for (size_t i = 0; i < a.storage.size(); ++i) wrong += out.storage[i] != a.storage[i] * k + 1.0f;
  ops::call("conc_shared_hypot", {a.get(), a.get()}, {h.get()});
  for (size_t i = 0; i < a.storage.size(); ++i)
    wrong += std::abs(h.storage[i] - std::hypot(a.storage[i], a.storage[i])) > 1e-6f * (1 + std::abs(h.storage[i]));
  // A bad call reports its own error on this thread.
  HostArray<float> short_out({3});
  try {
    ops::call(own, {a.get()}, {short_out.get()});
    ++wrong;
  } catch (const ops::OpError& e) {
    wrong += std::string(e.what()).find(own) == std::string::npos;
  }
  return wrong;
}

TEST(Concurrency, EightThreadsCallReduceAndDefineOperators) {
  constexpr int kThreads = 8;
  std::atomic<int> failures{0};
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int round = 0; round < 2; ++round) {
        try {
          failures += call_library_operators(t, round);
          failures += define_and_call_operators(t, round);
        } catch (const std::exception& e) {
          ADD_FAILURE() << "thread " << t << ": " << e.what();
          ++failures;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace tessera
