// Compiler-core benchmark (issue: compute + schedule -> LLVM JIT), on this machine:
//   - JIT'd float32 add over 2^26 elements vs the same-run copy bandwidth,
//   - JIT'd float32 sum vs the same-run read bandwidth, with its error next to the error
//     of NumPy's pairwise summation algorithm on the same data,
//   - time to JIT-compile vadd.
// Usage: core_bench [--n N] [--json PATH]
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>

#include "bench_util.h"
#include "tessera/build.h"
#include "tessera/runtime/threads.h"
#include "tessera/schedule/schedule.h"

using namespace tessera;
using ir::DataType;
using te::Tensor;

namespace {

DLTensor view(float* data, int64_t* shape) {
  DLTensor t{};
  t.data = data;
  t.device = {kDLCPU, 0};
  t.ndim = 1;
  t.dtype = {kDLFloat, 32, 1};
  t.shape = shape;
  t.strides = nullptr;
  return t;
}

Kernel build_vadd(bool contiguous) {
  ir::Var n = te::size_var("n");
  Tensor A = te::placeholder({n}, DataType::Float(32), "A");
  Tensor B = te::placeholder({n}, DataType::Float(32), "B");
  Tensor C = te::compute({n}, [&](ir::Var i) { return A(i) + B(i); }, "C");
  auto s = schedule::create_schedule({C});
  auto [xo, xi] = s[C].split(s[C].axis()[0], 64);
  auto [xii, xv] = s[C].split(xi, 16);
  s[C].parallel(xo).vectorize(xv);
  BuildOptions opt;
  opt.lower.contiguous = contiguous;
  return build(s, {A, B, C}, contiguous ? "vadd_contiguous" : "vadd_strided", opt);
}

// sum(A) -> float32, accumulating in `acc` with partial sums:
// k -> (parallel blocks, sequential, 32 lanes), then the partials, then a cast.
Kernel build_sum(DataType acc) {
  ir::Var n = te::size_var("n");
  Tensor A = te::placeholder({n}, DataType::Float(32), "A");
  ir::IterVar k = te::reduce_axis(0, n, "k");
  Tensor S = te::compute({1}, [&](ir::Var) { return te::sum(ir::cast(acc, A(k->var)), {k}); }, "S");
  Tensor R = te::compute({1}, [&](ir::Var i) { return ir::cast(DataType::Float(32), S(i)); }, "R");
  auto s = schedule::create_schedule({R});
  auto [ko, ki] = s[S].split(k, 32);
  Tensor rf = s.rfactor(S, ki);
  auto [kp, kin] = s[rf].split(s[rf].reduce_axis()[0], 2048);
  Tensor rf2 = s.rfactor(rf, kp);
  auto st = s[rf2];
  auto ax = st.axis();
  st.reorder({ax[0], ax[2], st.reduce_axis()[0], ax[1]});
  st.parallel(ax[0]).vectorize(ax[1]);
  return build(s, {A, R}, "sum_" + acc.str());
}

// NumPy's pairwise summation as documented in numpy/core/src/umath/loops_utils.h:
// below 8 elements a plain loop, up to 128 eight accumulators, above that halves.
float pairwise_sum(const float* a, int64_t n) {
  if (n < 8) {
    float s = 0.f;
    for (int64_t i = 0; i < n; ++i) s += a[i];
    return s;
  }
  if (n <= 128) {
    float r[8];
    for (int j = 0; j < 8; ++j) r[j] = a[j];
    int64_t i = 8;
    for (; i < n - n % 8; i += 8)
      for (int j = 0; j < 8; ++j) r[j] += a[i + j];
    float s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) s += a[i];
    return s;
  }
  int64_t half = n / 2;
  half -= half % 8;
  return pairwise_sum(a, half) + pairwise_sum(a + half, n - half);
}

}  // namespace

int main(int argc, char** argv) {
  int64_t n = int64_t{1} << 26;
  std::string json_path;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--n" && i + 1 < argc) n = std::atoll(argv[++i]);
    else if (a == "--json" && i + 1 < argc) json_path = argv[++i];
  }
  int threads = runtime::num_threads();
  std::vector<float> a(n), b(n), c(n);
  std::mt19937 rng(2026);
  std::uniform_real_distribution<float> dist(0.f, 1.f);
  for (int64_t i = 0; i < n; ++i) {
    a[i] = dist(rng);
    b[i] = dist(rng) - 0.5f;
  }
  int64_t shape[1] = {n}, one[1] = {1};
  DLTensor ta = view(a.data(), shape), tb = view(b.data(), shape), tc = view(c.data(), shape);

  // Ceilings, measured now.
  uint64_t sink = 0;
  double copy_bw = bench::copy_bandwidth(a.data(), c.data(), n, threads);
  double read_bw = bench::read_bandwidth(a.data(), n, threads, &sink);

  // JIT compile time of vadd (lowering + LLVM), median of fresh builds.
  std::vector<Kernel> keep;
  double jit_s = bench::median_time([&] { keep.push_back(build_vadd(true)); }, 7, 1);
  Kernel vadd = build_vadd(true), vadd_strided = build_vadd(false);

  double t_add = bench::median_time([&] { vadd({&ta, &tb, &tc}); });
  double t_add_strided = bench::median_time([&] { vadd_strided({&ta, &tb, &tc}); });
  for (int64_t i = 0; i < n; i += n / 97 + 1)
    if (c[i] != a[i] + b[i]) { std::fprintf(stderr, "add mismatch at %lld\n", (long long)i); return 1; }
  double add_bw = 12.0 * n / t_add, add_strided_bw = 12.0 * n / t_add_strided;

  struct SumRow { std::string name; double bw; double err; };
  std::vector<SumRow> sums;
  long double exact = 0;
  for (int64_t i = 0; i < n; ++i) exact += a[i];
  for (DataType acc : {DataType::Float(32), DataType::Float(64)}) {
    Kernel k = build_sum(acc);
    float got = 0;
    DLTensor to = view(&got, one);
    double t = bench::median_time([&] { k({&ta, &to}); });
    sums.push_back({"sum to float32 (" + acc.str() + " partials)", 4.0 * n / t, std::fabs(got - static_cast<double>(exact))});
  }
  double pairwise_err = std::fabs(pairwise_sum(a.data(), n) - static_cast<double>(exact));

  std::printf("tessera compiler core benchmark: n = %lld float32, %d threads\n\n", (long long)n, threads);
  std::printf("| case | GB/s | ceiling GB/s | of ceiling |\n|---|---|---|---|\n");
  std::printf("| copy (copy_bytes, ceiling for add) | %.1f | | |\n", copy_bw / 1e9);
  std::printf("| read (C++ sum loop, ceiling for sum) | %.1f | | |\n", read_bw / 1e9);
  std::printf("| add, contiguous kernel | %.1f | %.1f | %.0f%% |\n", add_bw / 1e9, copy_bw / 1e9, 100 * add_bw / copy_bw);
  std::printf("| add, strided kernel (any layout) | %.1f | %.1f | %.0f%% |\n", add_strided_bw / 1e9, copy_bw / 1e9,
              100 * add_strided_bw / copy_bw);
  for (const SumRow& r : sums)
    std::printf("| %s | %.1f | %.1f | %.0f%% |\n", r.name.c_str(), r.bw / 1e9, read_bw / 1e9, 100 * r.bw / read_bw);
  std::printf("\n| summation error vs exact | abs error |\n|---|---|\n");
  for (const SumRow& r : sums) std::printf("| tessera %s | %.3g |\n", r.name.c_str(), r.err);
  std::printf("| NumPy pairwise algorithm (float32) | %.3g |\n", pairwise_err);
  std::printf("\nJIT compile time of vadd (lower + LLVM, median of 7): %.2f ms\n", jit_s * 1e3);

  if (!json_path.empty()) {
    std::ofstream js(json_path);
    js << "{\n  \"n\": " << n << ",\n  \"threads\": " << threads << ",\n"
       << "  \"copy_GBps\": " << copy_bw / 1e9 << ",\n  \"read_GBps\": " << read_bw / 1e9 << ",\n"
       << "  \"add_contiguous_GBps\": " << add_bw / 1e9 << ",\n  \"add_strided_GBps\": " << add_strided_bw / 1e9 << ",\n";
    for (const SumRow& r : sums)
      js << "  \"" << r.name << " GBps\": " << r.bw / 1e9 << ",\n  \"" << r.name << " abs_error\": " << r.err << ",\n";
    js << "  \"numpy_pairwise_abs_error\": " << pairwise_err << ",\n  \"jit_vadd_ms\": " << jit_s * 1e3 << "\n}\n";
  }
  return sink == 12345 ? 1 : 0;
}
