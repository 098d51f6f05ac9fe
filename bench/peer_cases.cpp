// tessera's side of bench/peers.py: the cases NumPy, numexpr, TVM and Halide also run, on
// the inputs peers.py writes, plus this machine's ceilings measured in the same run.
//
//   peer_cases --data DIR --rows R --cols C --mm 1024,2048 --check   run each case once and
//       write DIR/out_<case>.f32, which peers.py compares with NumPy before any timing
//   peer_cases --data DIR --rows R --cols C --mm 1024,2048 [--reps N]  time each case and
//       print JSON: median seconds, JIT milliseconds, copy/read GB/s, FMA-loop GFLOP/s
//
// DIR holds a.f32 and b.f32 (R*C float32 each; `a` is also the R x C matrix), row.f32 (C),
// col.f32 (R) and mm<n>_a.f32, mm<n>_b.f32 (n x n). Built-in operators run through
// ops::call / ops::reduce; the fused expression is a new elementwise operator; softmax and
// matmul are tensor expressions with their own schedules, mirrored in bench/peers_tvm.py
// and bench/peers_halide.py with the same split factors.
#include <cctype>
#include <cstdio>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

#include "bench_util.h"
#include "tessera/build.h"
#include "tessera/ir/op.h"
#include "tessera/ops/defop.h"
#include "tessera/ops/dispatch.h"
#include "tessera/ops/library.h"
#include "softmax_def.h"
#include "tessera/ops/reduction.h"
#include "tessera/runtime/threads.h"

using namespace tessera;
using ir::DataType;
using ir::Var;
using te::Tensor;

namespace {

const DataType F32 = DataType::Float(32);
constexpr int64_t kLanes = 16;      // float32 lanes of one AVX-512 register
constexpr int64_t kTileCols = 32;   // matmul: columns of a register tile (two vectors)
constexpr int64_t kTileRows = 8;    // matmul: rows of a register tile

// ---- kernels written as tensor expressions -------------------------------------------------

// Kernels for compact row-major operands (as TVM's and Halide's here): no stride arguments.
BuildOptions compact() {
  BuildOptions o;
  o.lower.contiguous = true;
  return o;
}

// softmax over rows: max, exp, sum, divide; parallel over rows, all four steps of a row
// together (exp inlined into the sum and the divide); the reductions keep 16 partials in a vector.
Kernel build_softmax(int64_t rows, int64_t cols) {
  auto [X, mx, e, sum, Y] = bench::softmax_over_rows(rows, cols, F32);

  // One parallel pass over rows: the row max, the row sum and the divide of a row run
  // together at the row loop (the max has two readers there, the sum's partials and Y).
  auto s = schedule::create_schedule({Y});
  auto y = s[Y];
  y.parallel(y.axis()[0]).vectorize(y.split(y.axis()[1], kLanes).second);
  s[e].compute_inline();
  for (const Tensor& t : {mx, sum}) {
    Tensor rf = s.rfactor(t, s[t].split(s[t].reduce_axis()[0], kLanes).second);
    auto r = s[rf];  // rf[lane, i] reduces over the vectors of the row
    r.reorder({r.axis()[1], r.reduce_axis()[0], r.axis()[0]}).vectorize(r.axis()[0]);
    r.compute_at(s[t], s[t].axis()[0]).set_scope("local");
  }
  s[mx].compute_at(y, y.axis()[0]).set_scope("local");
  s[sum].compute_at(y, y.axis()[0]).set_scope("local");
  return build(s, {X, Y}, "peer_softmax", compact());
}

// C = A B in the style of TVM's CPU GEMM tutorial: B packed into column panels, C computed
// in kTileRows x kTileCols register tiles (a local cache_write stage computed at the tile),
// the k loop outside the unrolled rows and vectorized columns, parallel over row tiles.
// C is written as (n, n / kTileCols, kTileCols), the same bytes as n x n: indexing the panel
// with j / 32 and j % 32 would leave a vector division that the simplifier does not fold.
Kernel build_matmul(int64_t n) {
  const int64_t panels = n / kTileCols;
  Tensor A = te::placeholder({n, n}, F32, "A");
  Tensor B = te::placeholder({n, n}, F32, "B");
  Tensor PB = te::compute({panels, n, kTileCols},
                          [&](Var jo, Var k, Var jl) { return B(k, jo * kTileCols + jl); }, "packedB");
  ir::IterVar k = te::reduce_axis(0, n, "k");
  Tensor C = te::compute({n, panels, kTileCols}, [&](Var i, Var jo, Var jl) {
    return te::sum(A(i, k->var) * PB(jo, k->var, jl), {k});
  }, "C");

  auto s = schedule::create_schedule({C});
  Tensor CC = s.cache_write(C, "local");
  auto c = s[C];
  auto [io, ii] = c.split(c.axis()[0], kTileRows);
  c.reorder({io, c.axis()[1], ii, c.axis()[2]}).parallel(io).unroll(ii).vectorize(c.axis()[2]);
  auto cc = s[CC];
  cc.compute_at(c, c.axis()[1]);
  cc.reorder({cc.reduce_axis()[0], cc.axis()[0], cc.axis()[1], cc.axis()[2]});
  cc.unroll(cc.axis()[0]).vectorize(cc.axis()[2]);
  auto p = s[PB];
  p.parallel(p.axis()[0]).vectorize(p.axis()[2]);
  BuildOptions o = compact();
  o.codegen.fp_contract = true;  // multiply-adds fused, as in BLAS and TVM's and Halide's defaults
  return build(s, {A, B, C}, "peer_matmul_" + std::to_string(n), o);
}

// The fused expression as a new operator: one line of math, everything else from defop.
const ops::OpDef& fused_op() {
  static const ops::OpDef& def = ops::defop(ops::elementwise(
      "peer_exp_mul_add_tanh", 2, ops::float_rule(),
      [](const ops::Values& x, DataType) { return ir::exp(x[0]) * x[1] + ir::tanh(x[0]); }));
  return def;
}

// ---- ceilings ----------------------------------------------------------------------------

// FLOP/s of independent fused multiply-adds on `threads` threads (the machine's vector peak).
double fma_peak(int threads) {
  constexpr int64_t kIters = int64_t{1} << 22;
#if defined(__AVX512F__)
  constexpr double kFlopsPerIter = 16 * 16 * 2;  // 16 vectors x 16 lanes x (mul + add)
#else
  constexpr double kFlopsPerIter = 16 * 8 * 2;
#endif
  std::vector<float> sink(threads);
  double t = bench::median_time([&] {
    bench::split_threads(threads, threads, [&](int64_t b, int64_t) {
#if defined(__AVX512F__)
      __m512 acc[16], x = _mm512_set1_ps(0.999999f), y = _mm512_set1_ps(1e-3f);
      for (auto& a : acc) a = _mm512_set1_ps(static_cast<float>(b));
      for (int64_t i = 0; i < kIters; ++i)
        for (auto& a : acc) a = _mm512_fmadd_ps(a, x, y);
      alignas(64) float lanes[16];
      float s = 0;
      for (auto& a : acc) {
        _mm512_store_ps(lanes, a);
        for (float v : lanes) s += v;
      }
#else
      float acc[16 * 8], s = 0;
      for (float& a : acc) a = static_cast<float>(b);
      for (int64_t i = 0; i < kIters; ++i)
        for (float& a : acc) a = __builtin_fmaf(a, 0.999999f, 1e-3f);
      for (float a : acc) s += a;
#endif
      sink[b] = s;
    });
  }, 5, 1);
  return threads * kIters * kFlopsPerIter / t + (sink[0] == 1.5f ? 1 : 0);
}

// ---- data ---------------------------------------------------------------------------------

struct Data {
  std::string dir;
  std::deque<std::vector<float>> storage;
  std::deque<std::vector<int64_t>> shapes;
  std::deque<DLTensor> views;

  DLTensor* view(float* p, std::vector<int64_t> shape) {
    shapes.push_back(std::move(shape));
    views.push_back(DLTensor{p, {kDLCPU, 0}, static_cast<int32_t>(shapes.back().size()), {kDLFloat, 32, 1},
                             shapes.back().empty() ? nullptr : shapes.back().data(), nullptr, 0});
    return &views.back();
  }
  DLTensor* array(std::vector<int64_t> shape) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    storage.emplace_back(n);
    return view(storage.back().data(), std::move(shape));
  }
  DLTensor* load(const std::string& name, std::vector<int64_t> shape) {
    DLTensor* t = array(std::move(shape));
    std::string path = dir + "/" + name + ".f32";
    std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), std::fclose);
    size_t n = storage.back().size();
    if (!f || std::fread(storage.back().data(), sizeof(float), n, f.get()) != n)
      throw std::runtime_error("cannot read " + std::to_string(n) + " float32 from " + path);
    return t;
  }
};

int64_t elements(const DLTensor* t) {
  int64_t n = 1;
  for (int i = 0; i < t->ndim; ++i) n *= t->shape[i];
  return n;
}

void save(const std::string& path, const DLTensor* t) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "wb"), std::fclose);
  size_t n = elements(t);
  if (!f || std::fwrite(t->data, sizeof(float), n, f.get()) != n) throw std::runtime_error("cannot write " + path);
}

struct Case {
  std::string name;
  std::function<void()> compile;  // JIT ahead of the first call (te kernels); ops JIT on first call
  std::function<void()> run;
  DLTensor* out;
};

std::vector<Case> make_cases(Data& d, int64_t rows, int64_t cols, const std::vector<int64_t>& mm_sizes) {
  int64_t n = rows * cols;
  DLTensor* m = d.load("a", {rows, cols});
  DLTensor* a = d.view(static_cast<float*>(m->data), {n});
  DLTensor* b = d.load("b", {n});
  DLTensor* row = d.load("row", {cols});
  DLTensor* col = d.load("col", {rows, 1});
  DLTensor* out = d.array({n});
  DLTensor* out2 = d.view(static_cast<float*>(out->data), {rows, cols});
  auto call = [](const std::string& op, std::vector<const DLTensor*> in, DLTensor* o) {
    return [op, in, o] { ops::call(op, in, {o}); };
  };
  auto sum = [](DLTensor* x, std::vector<int> axes, DLTensor* o) {
    return [x, axes, o] { ops::reduce("sum", x, axes, false, std::nullopt, o); };
  };
  std::vector<Case> cases = {
      {"add", {}, call("add", {a, b}, out), out},
      {"exp", {}, call("exp", {a}, out), out},
      {"exp(a)*b+tanh(a)", {}, [a, b, out] { ops::call(fused_op(), {a, b}, {out}); }, out},
      {"add (M,K)+(K,)", {}, call("add", {m, row}, out2), out2},
      {"add (M,K)+(M,1)", {}, call("add", {m, col}, out2), out2},
  };
  DLTensor* s0 = d.array({cols});
  DLTensor* s1 = d.array({rows});
  DLTensor* s_all = d.array({});
  cases.push_back({"sum axis 0", {}, sum(m, {0}, s0), s0});
  cases.push_back({"sum axis 1", {}, sum(m, {1}, s1), s1});
  cases.push_back({"sum all", {}, sum(m, {}, s_all), s_all});

  auto softmax = std::make_shared<std::optional<Kernel>>();
  cases.push_back({"softmax rows", [=] { softmax->emplace(build_softmax(rows, cols)); },
                   [=] { (**softmax)({m, out2}); }, out2});
  for (int64_t size : mm_sizes) {
    std::string tag = "mm" + std::to_string(size);
    DLTensor* ma = d.load(tag + "_a", {size, size});
    DLTensor* mb = d.load(tag + "_b", {size, size});
    DLTensor* mc = d.array({size, size / kTileCols, kTileCols});
    auto k = std::make_shared<std::optional<Kernel>>();
    cases.push_back({"matmul " + std::to_string(size), [=] { k->emplace(build_matmul(size)); },
                     [=] { (**k)({ma, mb, mc}); }, mc});
  }
  return cases;
}

std::vector<int64_t> parse_list(const std::string& s) {
  std::vector<int64_t> v;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, ',');)
    if (!item.empty()) v.push_back(std::stoll(item));
  return v;
}

std::string file_name(std::string name) {
  for (char& ch : name)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return name;
}

}  // namespace

int main(int argc, char** argv) try {
  Data d;
  int64_t rows = 4096, cols = 4096;
  std::vector<int64_t> mm_sizes = {1024, 2048};
  int reps = 15;
  bool check = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--data") d.dir = next();
    else if (arg == "--rows") rows = std::stoll(next());
    else if (arg == "--cols") cols = std::stoll(next());
    else if (arg == "--mm") mm_sizes = parse_list(next());
    else if (arg == "--reps") reps = std::stoi(next());
    else if (arg == "--check") check = true;
    else throw std::invalid_argument("unknown argument " + arg);
  }
  if (d.dir.empty()) throw std::invalid_argument("--data DIR is required");
  for (int64_t size : mm_sizes)
    if (size % kTileCols || size % kTileRows)
      throw std::invalid_argument("matmul sizes must be multiples of 32");
  ops::ensure_registered();
  std::vector<Case> cases = make_cases(d, rows, cols, mm_sizes);

  if (check) {
    for (Case& c : cases) {
      if (c.compile) c.compile();
      c.run();
      save(d.dir + "/out_" + file_name(c.name) + ".f32", c.out);
    }
    return 0;
  }

  int threads = runtime::num_threads();
  std::vector<float> src(rows * cols, 1.0f), dst(rows * cols);
  uint64_t sink = 0;
  double copy_bw = bench::copy_bandwidth(src.data(), dst.data(), rows * cols, threads);
  double read_bw = bench::read_bandwidth(static_cast<float*>(d.views.front().data), rows * cols, threads, &sink);
  double peak = fma_peak(threads);

  std::printf("{\n  \"threads\": %d,\n  \"copy_GBps\": %.3f,\n  \"read_GBps\": %.3f,\n  \"fma_peak_GFLOPs\": %.2f,\n",
              threads, copy_bw / 1e9, read_bw / 1e9, peak / 1e9);
  build_softmax(kLanes, kLanes);  // untimed: LLVM's one-time start-up is no kernel's JIT time
  std::printf("  \"cases\": [\n");
  for (size_t i = 0; i < cases.size(); ++i) {
    Case& c = cases[i];
    double t0 = bench::now_s();
    if (c.compile) c.compile();
    c.run();
    double first = bench::now_s() - t0;
    double median = bench::median_time(c.run, reps, 2);
    std::printf("    {\"case\": \"%s\", \"seconds\": %.9g, \"jit_ms\": %.3f}%s\n", c.name.c_str(), median,
                std::max(0.0, first - median) * 1e3, i + 1 < cases.size() ? "," : "");
  }
  std::printf("  ]\n}\n");
  return sink == 12345 ? 1 : 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "peer_cases: %s\n", e.what());
  return 2;
}
