// Arrays used from 8 threads at once: shared read-only inputs viewed and reduced
// concurrently, kernels compiled on first use by racing threads, DLPack export/import of
// one storage from every thread; each thread checks its results against plain loops.
#include <atomic>
#include <thread>

#include "array_test_util.h"

namespace tessera {
namespace {

using array_testing::load;
using array_testing::values;

TEST(ArrayConcurrency, EightThreads) {
  constexpr int kThreads = 8;
  const std::vector<double> base = array_testing::random_values(float64, 12 * 10, 1);
  const Array shared = array_testing::make_array(base, float64, {12, 10}).readonly();
  std::atomic<int> failures{0};
  auto work = [&](int tid) {
    try {
      for (int iter = 0; iter < 10; ++iter) {
        // Views of the shared array, arithmetic with a thread-local array.
        const int64_t row = (tid + iter) % 12;
        Array local = arange(0, 10, 1, kThreads % 2 ? int32 : DataType::Int(16 + 16 * (tid % 2)));
        Array r = shared[row] * 2 + local;
        for (int64_t j = 0; j < 10; ++j)
          if (load(r, {j}) != base[row * 10 + j] * 2 + j) ++failures;
        // A reduction over a transposed view, a matmul and a gather.
        Array s = sum(shared.T(), 0);
        for (int64_t i = 0; i < 12; i += 5) {
          double want = 0;
          for (int64_t j = 0; j < 10; ++j) want += base[i * 10 + j];
          if (std::fabs(load(s, {i}) - want) > 1e-9) ++failures;
        }
        Array m = matmul(shared[{Slice{{}, 2}}], ones({10, 3}, float64));
        if (std::fabs(load(m, {1, 2}) - load(s, {1})) > 1e-9) ++failures;
        Array g = take(shared, asarray(std::vector<int64_t>{tid, -1}), 0);
        if (load(g, {0, 3}) != base[tid * 10 + 3] || load(g, {1, 0}) != base[110]) ++failures;
        // Creation kernels and in-place updates on thread-local arrays.
        Array t = tril(eye(5, 5, 0, tid % 2 ? float32 : int8) + 1, -1);
        if (load(t, {3, 1}) != 1 || load(t, {1, 3}) != 0 || load(t, {2, 2}) != 0) ++failures;
        t += 2;
        if (load(t, {4, 0}) != 3) ++failures;
        // DLPack export/import of the shared storage from every thread.
        Array back = from_dlpack(to_dlpack(shared[{Slice{tid}}]));
        if (back.writeable() || load(back, {0, 0}) != base[tid * 10]) ++failures;
      }
    } catch (const std::exception& e) {
      ADD_FAILURE() << "thread " << tid << ": " << e.what();
      ++failures;
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(work, t);
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(shared.storage().use_count(), 1);
  array_testing::expect_values(values(shared), base);
}

}  // namespace
}  // namespace tessera
