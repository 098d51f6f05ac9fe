// Eight threads at once: each JIT-compiles its own kernels while others run shared ones.
// Under ThreadSanitizer (scripts/sanitize.sh) this is the data-race check of the JIT,
// the runtime thread pool and kernel error reporting.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

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

}  // namespace
}  // namespace tessera
