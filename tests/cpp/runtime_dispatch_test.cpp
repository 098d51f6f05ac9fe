// The operator library without the compiler: this test links tessera_array (and through it
// tessera_runtime) but not tessera_compiler, so there is no LLVM and no JIT. Kernels come
// from the small ahead-of-time library the build makes (TESSERA_SMALL_OPS_FILE: float32
// add, subtract, multiply, sqrt, sum, mean, max, astype_float32, matmul, vecdot). References are plain loops.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tessera/array/all.h"
#include "tessera/ops/dispatch.h"
#include "tessera/ops/reduction.h"
#include "tessera/runtime/library.h"

namespace tessera {
namespace {

const std::string kLibrary = TESSERA_SMALL_OPS_FILE;

void load_once() {
  static std::shared_ptr<const runtime::Library> lib = runtime::load_library(kLibrary);
}

std::vector<float> random_floats(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-10, 10);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// A DLTensor over `data` with the given shape and element strides (compact when empty).
struct Tensor {
  std::vector<int64_t> shape, strides;
  DLTensor dl{};
  Tensor(void* data, std::vector<int64_t> s, std::vector<int64_t> st = {}, DLDataType dtype = {kDLFloat, 32, 1})
      : shape(std::move(s)), strides(std::move(st)) {
    dl = DLTensor{data, {kDLCPU, 0}, static_cast<int32_t>(shape.size()), dtype, shape.data(),
                  strides.empty() ? nullptr : strides.data(), 0};
  }
};

template <class F>
void expect_error(F f, const std::string& fragment) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one containing: " << fragment;
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(RuntimeDispatch, NoJitIsLinked) { EXPECT_FALSE(ops::jit_available()); }

TEST(RuntimeDispatch, LoadsTheLibrary) {
  std::shared_ptr<const runtime::Library> lib = runtime::open_library(kLibrary);
  EXPECT_EQ(lib->target(), "host");
  EXPECT_GT(lib->size(), 20);
  EXPECT_NE(lib->find("add__float32_float32__float32__r1_contig_llvm"), nullptr);
  EXPECT_NE(lib->find("add__float32_float32__float32__r1_strided_llvm_a2"), nullptr);  // x + scalar
  EXPECT_EQ(lib->find("add__float64_float64__float64__r1_contig_llvm"), nullptr);
}

TEST(RuntimeDispatch, RefusesWhatIsNotALibrary) {
  expect_error([] { runtime::open_library("/nonexistent/libnothing.so"); }, "/nonexistent/libnothing.so");
  std::string text = ::testing::TempDir() + "runtime_dispatch_not_a_library.so";
  std::ofstream(text) << "not an ELF file";
  EXPECT_THROW(runtime::open_library(text), runtime::LibraryError);
  std::remove(text.c_str());
}

TEST(RuntimeDispatch, CallsContiguousStridedAndScalarVariants) {
  load_once();
  const int64_t m = 37, n = 29;
  std::vector<float> a = random_floats(m * n, 1), b = random_floats(m * n, 2), c(m * n, -1.f);
  Tensor ta(a.data(), {m, n}), tb(b.data(), {m, n}), tc(c.data(), {m, n});
  ops::call("add", {&ta.dl, &tb.dl}, {&tc.dl});
  for (int64_t i = 0; i < m * n; ++i) ASSERT_EQ(c[i], a[i] + b[i]) << i;

  // b transposed: (n, m) with strides (1, n); the strided rank-2 variant.
  std::vector<float> t(n * m, -1.f);
  Tensor ta2(a.data(), {n, m}, {1, n}), tb2(b.data(), {n, m}), tt(t.data(), {n, m});
  ops::call("multiply", {&ta2.dl, &tb2.dl}, {&tt.dl});
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < m; ++j) ASSERT_EQ(t[i * m + j], a[j * n + i] * b[i * m + j]) << i << "," << j;

  // x - a 0-d array: the rank-1 variant with the second input broadcast.
  float s = 2.5f;
  Tensor ts(&s, {});
  ops::call("subtract", {&ta.dl, &ts.dl}, {&tc.dl});
  for (int64_t i = 0; i < m * n; ++i) ASSERT_EQ(c[i], a[i] - s) << i;
}

TEST(RuntimeDispatch, Reduces) {
  load_once();
  const int64_t m = 13, n = 300;
  std::vector<float> x = random_floats(m * n, 3), rows(m), cols(n);
  Tensor tx(x.data(), {m, n}), tr(rows.data(), {m}), tcol(cols.data(), {n});
  ops::reduce("sum", &tx.dl, {1}, false, std::nullopt, &tr.dl);
  ops::reduce("max", &tx.dl, {0}, false, std::nullopt, &tcol.dl);
  for (int64_t i = 0; i < m; ++i) {
    double ref = 0;
    for (int64_t j = 0; j < n; ++j) ref += x[i * n + j];
    EXPECT_NEAR(rows[i], ref, 1e-4 * (1 + std::fabs(ref))) << i;
  }
  for (int64_t j = 0; j < n; ++j) {
    float ref = x[j];
    for (int64_t i = 1; i < m; ++i) ref = std::max(ref, x[i * n + j]);
    EXPECT_EQ(cols[j], ref) << j;
  }
}

TEST(RuntimeDispatch, ArrayApi) {
  load_once();
  std::vector<float> av = random_floats(24, 4), bv = random_floats(6, 5);
  Array a = asarray(av, Shape{4, 6}), b = asarray(bv);
  std::vector<float> sum_ab = (a + b).to_vector<float>();
  std::vector<float> scaled = (a * 3.0f).to_vector<float>();
  std::vector<float> col_means = mean(a, 0).to_vector<float>();
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 6; ++j) {
      EXPECT_EQ(sum_ab[i * 6 + j], av[i * 6 + j] + bv[j]);
      EXPECT_EQ(scaled[i * 6 + j], av[i * 6 + j] * 3.0f);
    }
  for (int j = 0; j < 6; ++j) {
    double ref = 0;
    for (int i = 0; i < 4; ++i) ref += av[i * 6 + j];
    EXPECT_NEAR(col_means[j], ref / 4, 1e-5);
  }
}

// matmul, tensordot and vecdot pick variants the library enumerates (aot_variants).
TEST(RuntimeDispatch, LinearAlgebraFromTheLibrary) {
  load_once();
  const int64_t m = 5, k = 7, n = 3;
  std::vector<float> av = random_floats(m * k, 6), bv = random_floats(k * n, 7), batch = random_floats(2 * m * k, 8);
  Array a = asarray(av, Shape{m, k}), b = asarray(bv, Shape{k, n});
  std::vector<float> c = matmul(a, b).to_vector<float>();
  std::vector<float> cb = matmul(asarray(batch, Shape{2, m, k}), b).to_vector<float>();
  std::vector<float> t = tensordot(a, b, 1).to_vector<float>();
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double ref = 0, ref1 = 0;
      for (int64_t p = 0; p < k; ++p) {
        ref += double(av[i * k + p]) * bv[p * n + j];
        ref1 += double(batch[(m + i) * k + p]) * bv[p * n + j];
      }
      EXPECT_NEAR(c[i * n + j], ref, 1e-4);
      EXPECT_NEAR(t[i * n + j], ref, 1e-4);
      EXPECT_NEAR(cb[(m + i) * n + j], ref1, 1e-4);
    }
  std::vector<float> d = vecdot(a, a).to_vector<float>();  // one row each
  std::vector<float> col = vecdot(a, a, 0).to_vector<float>();  // strided
  for (int64_t i = 0; i < m; ++i) {
    double ref = 0;
    for (int64_t p = 0; p < k; ++p) ref += double(av[i * k + p]) * av[i * k + p];
    EXPECT_NEAR(d[i], ref, 1e-3);
  }
  for (int64_t p = 0; p < k; ++p) {
    double ref = 0;
    for (int64_t i = 0; i < m; ++i) ref += double(av[i * k + p]) * av[i * k + p];
    EXPECT_NEAR(col[p], ref, 1e-3);
  }
}

TEST(RuntimeDispatch, MissingVariantWithoutJitNamesIt) {
  load_once();
  std::vector<double> a = {1, 2, 3}, b = {4, 5, 6}, c = {-1, -1, -1};
  DLDataType f64{kDLFloat, 64, 1};
  Tensor ta(a.data(), {3}, {}, f64), tb(b.data(), {3}, {}, f64), tc(c.data(), {3}, {}, f64);
  for (int attempt = 0; attempt < 2; ++attempt) {  // a failed lookup is not remembered as a kernel
    try {
      ops::call("add", {&ta.dl, &tb.dl}, {&tc.dl});
      ADD_FAILURE() << "float64 add ran without a kernel";
    } catch (const ops::MissingKernelError& e) {
      std::string msg = e.what();
      EXPECT_NE(msg.find("add__float64_float64__float64__r1_contig_llvm"), std::string::npos) << msg;
      EXPECT_NE(msg.find("no JIT is linked"), std::string::npos) << msg;
    }
  }
  EXPECT_EQ(c, (std::vector<double>{-1, -1, -1}));
  // Through the Array API and reductions too.
  expect_error([] { (void)(asarray(std::vector<double>{1, 2}) * 2.0); }, "no JIT is linked");
  expect_error([] { (void)sum(asarray(std::vector<int32_t>{1, 2})); }, "sum__int32");
}

TEST(RuntimeDispatch, EightThreadsConcurrently) {
  load_once();
  constexpr int kThreads = 8, kIterations = 60;
  std::vector<std::string> failures(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([t, &failures] {
      try {
        const int64_t n = 100 + 17 * t;
        std::vector<float> a = random_floats(n, 10 + t), b = random_floats(n, 50 + t), c(n), s(1);
        Tensor ta(a.data(), {n}), tb(b.data(), {n}), tc(c.data(), {n}), ts(s.data(), {});
        for (int it = 0; it < kIterations; ++it) {
          ops::call(it % 2 ? "add" : "multiply", {&ta.dl, &tb.dl}, {&tc.dl});
          for (int64_t i = 0; i < n; ++i)
            if (c[i] != (it % 2 ? a[i] + b[i] : a[i] * b[i])) throw std::runtime_error("wrong element");
          ops::reduce("sum", &tc.dl, {}, false, std::nullopt, &ts.dl);
          double ref = 0;
          for (float v : c) ref += v;
          if (std::fabs(s[0] - ref) > 1e-3 * (1 + std::fabs(ref))) throw std::runtime_error("wrong sum");
          Array x = asarray(a) + asarray(b);
          if (x.to_vector<float>()[n - 1] != a[n - 1] + b[n - 1]) throw std::runtime_error("wrong Array add");
        }
      } catch (const std::exception& e) {
        failures[t] = e.what();
      }
    });
  for (std::thread& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(failures[t], "") << "thread " << t;
}

// Bad inputs are refused before any kernel is looked up, with nothing written.
TEST(RuntimeDispatch, RefusesSizesThatOverflowAndBroadcastOutputs) {
  load_once();
  std::vector<float> a(16, 1.f), b(16, 2.f), c(16, -1.f);
  const int64_t huge = int64_t{1} << 62;
  Tensor ta(a.data(), {huge, 4}), tb(b.data(), {huge, 4}), tc(c.data(), {huge, 4});
  expect_error([&] { ops::call("add", {&ta.dl, &tb.dl}, {&tc.dl}); }, "operand 0 has shape");
  // Each operand fits, the broadcast shape does not.
  const int64_t big = int64_t{1} << 40;
  Tensor tcol(a.data(), {big, 1}), trow(b.data(), {1, big});
  expect_error([&] { ops::call("add", {&tcol.dl, &trow.dl}, {&tc.dl}); }, "broadcast shape (1099511627776, 1099511627776) of the operands overflows int64");
  Tensor x(a.data(), {huge, 4}), out(c.data(), {4});
  expect_error([&] { ops::reduce("sum", &x.dl, {0}, false, std::nullopt, &out.dl); }, "sum: input has shape");

  Tensor a4(a.data(), {4}), b4(b.data(), {4}), broadcast_out(c.data(), {4}, {0});
  expect_error([&] { ops::call("add", {&a4.dl, &b4.dl}, {&broadcast_out.dl}); }, "output 0 is a broadcast view");
  Tensor x2(a.data(), {4, 4}), broadcast_sum(c.data(), {4}, {0});
  expect_error([&] { ops::reduce("sum", &x2.dl, {1}, false, std::nullopt, &broadcast_sum.dl); }, "broadcast view");
  for (float v : c) EXPECT_EQ(v, -1.f);
  // Stride 0 on an extent-1 dimension is an ordinary output.
  Tensor one_a(a.data(), {1}), one_b(b.data(), {1}), one_out(c.data(), {1}, {0});
  ops::call("add", {&one_a.dl, &one_b.dl}, {&one_out.dl});
  EXPECT_EQ(c[0], 3.f);
}

}  // namespace
}  // namespace tessera
