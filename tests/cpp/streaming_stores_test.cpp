// Streaming (non-temporal) stores: Stage::stream_stores, the version_streaming_stores pass
// (golden IR), LLVM code generation (!nontemporal only in the streaming version), and
// results against plain C++ loops with the run-time threshold forced both ways, for
// several dtypes, odd sizes, misaligned and strided outputs and concurrent callers.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <sstream>
#include <thread>

#include "lower/loop_partition.h"
#include "lower_passes_util.h"
#include "lower/unroll_loops.h"
#include "lower/vectorize_loops.h"
#include "lower/version_streaming_stores.h"
#include "runtime/streaming_stores.h"
#include "tessera/build.h"
#include "tessera/codegen/llvm.h"
#include "tessera/ir/op.h"
#include "tessera/ir/printer.h"
#include "tessera/ir/simplify.h"
#include "tessera/schedule/schedule.h"

namespace tessera {
namespace {

using ir::DataType;
using schedule::create_schedule;
using te::Tensor;

// ---- helpers ------------------------------------------------------------------------------

// Sets TESSERA_STREAMING_STORES while alive ("1": stream every output, "off": never).
class ThresholdOverride {
 public:
  explicit ThresholdOverride(const char* value) {
    setenv("TESSERA_STREAMING_STORES", value, 1);
    runtime::reset_streaming_store_bytes();
  }
  ~ThresholdOverride() {
    unsetenv("TESSERA_STREAMING_STORES");
    runtime::reset_streaming_store_bytes();
  }
};

int lanes_for(DataType t) { return std::max(4, 64 / t.bytes()); }

// out = f(A, B) over n elements, scheduled as ops/elementwise_def.cpp's contiguous path.
Kernel build_1d(DataType t, const std::function<ir::Expr(ir::Expr, ir::Expr)>& f, const std::string& name,
                bool stream = true) {
  ir::Var n = te::size_var("n");
  Tensor A = te::placeholder({n}, t, "A"), B = te::placeholder({n}, t, "B");
  Tensor C = te::compute({n}, [&](ir::Var i) { return ir::cast(t, f(A(i), B(i))); }, "C");
  auto s = create_schedule({C});
  auto st = s[C];
  if (stream) st.stream_stores();
  auto [blocks, block] = st.split(st.axis()[0], 4096);
  auto [vecs, lane] = st.split(block, lanes_for(t));
  st.parallel(blocks).vectorize(lane);
  BuildOptions options;
  options.lower.contiguous = true;
  return build(s, {A, B, C}, name, options);
}

// The strided rank-2 path: rows in parallel, the inner axis in vectors.
Kernel build_2d(DataType t, const std::function<ir::Expr(ir::Expr, ir::Expr)>& f, const std::string& name) {
  ir::Var m = te::size_var("m"), k = te::size_var("k");
  Tensor A = te::placeholder({m, k}, t, "A"), B = te::placeholder({m, k}, t, "B");
  Tensor C = te::compute({m, k}, [&](ir::Var i, ir::Var j) { return ir::cast(t, f(A(i, j), B(i, j))); }, "C");
  auto s = create_schedule({C});
  auto st = s[C];
  st.stream_stores();
  auto [vecs, lane] = st.split(st.axis()[1], lanes_for(t));
  st.vectorize(lane).parallel(st.axis()[0]);
  return build(s, {A, B, C}, name);
}

// Host memory whose data pointer is 64-byte aligned plus `offset_bytes`; guard bytes
// around the tensor detect stray stores.
struct HostBuffer {
  static constexpr size_t kGuard = 128;
  static constexpr unsigned char kGuardByte = 0xA5;
  std::vector<unsigned char> raw;
  unsigned char* base = nullptr;  // 64-byte aligned
  size_t offset = 0, bytes = 0;
  std::vector<int64_t> shape, strides;
  DLTensor dl{};

  HostBuffer(DataType t, std::vector<int64_t> shp, std::vector<int64_t> str, size_t offset_bytes)
      : offset(offset_bytes), shape(std::move(shp)), strides(std::move(str)) {
    int64_t span = 1;
    for (size_t d = 0; d < shape.size(); ++d) span += (shape[d] - 1) * (strides.empty() ? 0 : strides[d]);
    if (strides.empty()) {
      span = 1;
      for (int64_t e : shape) span *= e;
    }
    bytes = static_cast<size_t>(span) * t.bytes();
    raw.assign(bytes + offset + 2 * kGuard + 64, kGuardByte);
    auto p = reinterpret_cast<uintptr_t>(raw.data()) + kGuard;
    base = reinterpret_cast<unsigned char*>((p + 63) & ~uintptr_t{63});
    dl.data = base;
    dl.byte_offset = offset;
    dl.device = {kDLCPU, 0};
    dl.ndim = static_cast<int32_t>(shape.size());
    dl.dtype = {static_cast<uint8_t>(t.code), static_cast<uint8_t>(t.bits), 1};
    dl.shape = shape.data();
    dl.strides = strides.empty() ? nullptr : strides.data();
  }
  unsigned char* data() { return base + offset; }
  bool guards_intact() const {
    const unsigned char* begin = base + offset;
    for (const unsigned char* p = raw.data(); p < begin; ++p)
      if (*p != kGuardByte) return false;
    for (const unsigned char* p = begin + bytes; p < raw.data() + raw.size(); ++p)
      if (*p != kGuardByte) return false;
    return true;
  }
};

// One dtype under test: the te expression and its C++ reference on raw elements.
struct Case {
  const char* name;
  DataType type;
  std::function<ir::Expr(ir::Expr, ir::Expr)> f;
  std::function<void(const unsigned char*, const unsigned char*, unsigned char*)> ref;  // one element
  std::function<void(unsigned char*, std::mt19937_64&)> random;                          // one element
};

template <class T>
void random_bits(unsigned char* p, std::mt19937_64& rng) {
  uint64_t v = rng();
  std::memcpy(p, &v, sizeof(T));
}

template <class T>
std::function<void(const unsigned char*, const unsigned char*, unsigned char*)> ref_add() {
  return [](const unsigned char* a, const unsigned char* b, unsigned char* out) {
    T x, y;
    std::memcpy(&x, a, sizeof(T));
    std::memcpy(&y, b, sizeof(T));
    T r;
    if constexpr (std::is_integral_v<T>)
      r = static_cast<T>(static_cast<std::make_unsigned_t<T>>(x) + static_cast<std::make_unsigned_t<T>>(y));
    else
      r = x + y;
    std::memcpy(out, &r, sizeof(T));
  };
}

template <class T>
void random_float(unsigned char* p, std::mt19937_64& rng) {
  T v = static_cast<T>(std::uniform_real_distribution<double>(-100, 100)(rng));
  std::memcpy(p, &v, sizeof(T));
}

std::vector<Case> cases() {
  auto add = [](ir::Expr a, ir::Expr b) { return a + b; };
  return {
      {"bool", DataType::Bool(), [](ir::Expr a, ir::Expr b) { return a || b; },
       [](const unsigned char* a, const unsigned char* b, unsigned char* o) { *o = (*a || *b) ? 1 : 0; },
       [](unsigned char* p, std::mt19937_64& rng) { *p = rng() & 1; }},
      {"int8", DataType::Int(8), add, ref_add<int8_t>(), random_bits<int8_t>},
      // max is exact in float16, so the reference needs no float16 rounding
      {"float16", DataType::Float(16), [](ir::Expr a, ir::Expr b) { return ir::select(a > b, a, b); },
       [](const unsigned char* a, const unsigned char* b, unsigned char* o) {
         _Float16 x, y;
         std::memcpy(&x, a, 2);
         std::memcpy(&y, b, 2);
         _Float16 r = x > y ? x : y;
         std::memcpy(o, &r, 2);
       },
       [](unsigned char* p, std::mt19937_64& rng) {
         _Float16 v = static_cast<_Float16>(std::uniform_real_distribution<float>(-100, 100)(rng));
         std::memcpy(p, &v, 2);
       }},
      {"float32", DataType::Float(32), add, ref_add<float>(), random_float<float>},
      {"float64", DataType::Float(64), add, ref_add<double>(), random_float<double>},
      {"int64", DataType::Int(64), add, ref_add<int64_t>(), random_bits<int64_t>},
  };
}

// Runs out = f(a, b) on n elements with the output at `out_offset` bytes past alignment
// and checks every element and the guard bytes.
void check_1d(const Kernel& k, const Case& c, int64_t n, size_t out_offset, uint64_t seed) {
  const size_t eb = c.type.bytes();
  HostBuffer a(c.type, {n}, {}, 0), b(c.type, {n}, {}, eb), out(c.type, {n}, {}, out_offset);
  std::mt19937_64 rng(seed);
  for (int64_t i = 0; i < n; ++i) {
    c.random(a.data() + i * eb, rng);
    c.random(b.data() + i * eb, rng);
  }
  k({&a.dl, &b.dl, &out.dl});
  std::vector<unsigned char> want(eb);
  for (int64_t i = 0; i < n; ++i) {
    c.ref(a.data() + i * eb, b.data() + i * eb, want.data());
    ASSERT_EQ(std::memcmp(out.data() + i * eb, want.data(), eb), 0)
        << c.name << " n=" << n << " offset=" << out_offset << " i=" << i;
  }
  EXPECT_TRUE(out.guards_intact()) << c.name << " n=" << n << " offset=" << out_offset;
}

// ---- schedule primitive -------------------------------------------------------------------

TEST(StreamStores, OnlyForKernelOutputsThatAreNotReductions) {
  ir::Var n = te::size_var("n");
  Tensor A = te::placeholder({n}, DataType::Float(32), "A");
  Tensor P = te::compute({n}, [&](ir::Var i) { return A(i) * 2.0f; }, "P");
  Tensor C = te::compute({n}, [&](ir::Var i) { return P(i) + 1.0f; }, "C");
  auto s = create_schedule({C});
  auto expect_refused = [](const std::function<void()>& f, const std::string& reason) {
    try {
      f();
      ADD_FAILURE() << "stream_stores accepted a stage it must refuse (" << reason << ")";
    } catch (const schedule::ScheduleError& e) {
      EXPECT_NE(std::string(e.what()).find(reason), std::string::npos) << e.what();
    }
  };
  expect_refused([&] { s[P].stream_stores(); }, "only a kernel output");
  EXPECT_NO_THROW(s[C].stream_stores());

  ir::IterVar k = te::reduce_axis(0, n, "k");
  Tensor S = te::compute({1}, [&](ir::Var) { return te::sum(A(k->var), {k}); }, "S");
  auto r = create_schedule({S});
  expect_refused([&] { r[S].stream_stores(); }, "reduction");
}

// ---- the pass (golden IR) -----------------------------------------------------------------

// The loops just before the pass, as lower() runs them.
ir::Stmt loops_before_pass(const schedule::Schedule& s, const std::vector<lower::Arg>& args, bool contiguous) {
  lower::LowerOptions options;
  options.contiguous = contiguous;
  ir::Stmt x = lower::lower_to_loops(s, args, options);
  x = ir::simplify(lower::partition_loops(x));
  return lower::unroll_loops(lower::vectorize_loops(x));
}

// C = A + B in parallel blocks of 4096 and vectors of 16, as the elementwise operators run.
struct BlockedVadd {
  Tensor A, B, C;
  schedule::Schedule s;
};

BlockedVadd blocked_vadd(bool stream) {
  ir::Var n = te::size_var("n");
  Tensor A = te::placeholder({n}, DataType::Float(32), "A"), B = te::placeholder({n}, DataType::Float(32), "B");
  Tensor C = te::compute({n}, [&](ir::Var i) { return A(i) + B(i); }, "C");
  auto s = create_schedule({C});
  auto [blocks, block] = s[C].split(s[C].axis()[0], 4096);
  auto [vecs, lane] = s[C].split(block, 16);
  s[C].parallel(blocks).vectorize(lane);
  if (stream) s[C].stream_stores();
  return {A, B, C, s};
}

TEST(VersionStreamingStores, ContiguousVectorAdd) {
  auto [A, B, C, s] = blocked_vadd(true);
  ir::Stmt before = loops_before_pass(s, {A, B, C}, true);
  ir::Stmt after = lower::version_streaming_stores(before);
  lower_passes_test::expect_golden("version_streaming_stores", "vadd", "# before\n" + ir::to_string(before) + "# after\n" + ir::to_string(after));
}

TEST(VersionStreamingStores, StridedRowsCheckTheRowStride) {
  ir::Var m = te::size_var("m"), k = te::size_var("k");
  Tensor A = te::placeholder({m, k}, DataType::Float(64), "A");
  Tensor C = te::compute({m, k}, [&](ir::Var i, ir::Var j) { return A(i, j) * 2.0; }, "C");
  auto s = create_schedule({C});
  auto [vecs, lane] = s[C].split(s[C].axis()[1], 8);
  s[C].vectorize(lane).parallel(s[C].axis()[0]).stream_stores();
  ir::Stmt after = lower::version_streaming_stores(loops_before_pass(s, {A, C}, false));
  lower_passes_test::expect_golden("version_streaming_stores", "strided_scale", ir::to_string(after));
}

TEST(VersionStreamingStores, NothingToProveLeavesPlainStores) {
  // Scalar stores only: every hint turns Normal and nothing is versioned.
  ir::Var n = te::size_var("n");
  Tensor A = te::placeholder({n}, DataType::Float(32), "A");
  Tensor C = te::compute({n}, [&](ir::Var i) { return A(i) + 1.0f; }, "C");
  auto s = create_schedule({C});
  s[C].stream_stores();
  ir::Stmt after = lower::version_streaming_stores(loops_before_pass(s, {A, C}, true));
  std::string text = ir::to_string(after);
  EXPECT_EQ(text.find("streaming"), std::string::npos) << text;
  EXPECT_EQ(text.find("store_fence"), std::string::npos) << text;
}

TEST(VersionStreamingStores, WithoutTheHintNothingChanges) {
  ir::Var n = te::size_var("n");
  Tensor A = te::placeholder({n}, DataType::Float(32), "A");
  Tensor C = te::compute({n}, [&](ir::Var i) { return A(i) + 1.0f; }, "C");
  auto s = create_schedule({C});
  auto [o, i] = s[C].split(s[C].axis()[0], 16);
  s[C].vectorize(i);
  ir::Stmt before = loops_before_pass(s, {A, C}, true);
  EXPECT_TRUE(lower::version_streaming_stores(before).same_as(before));
}

// ---- LLVM code generation -----------------------------------------------------------------

int count(const std::string& text, const std::string& what) {
  int c = 0;
  for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++c;
  return c;
}

ir::LoweredFunc lowered_vadd(bool stream) {
  auto [A, B, C, s] = blocked_vadd(stream);
  lower::LowerOptions options;
  options.contiguous = true;
  return lower::lower(s, {A, B, C}, stream ? "vadd_stream" : "vadd_plain", options);
}

TEST(StreamingCodegen, NontemporalStoresOnlyInTheStreamingVersion) {
  codegen::CpuTarget target = codegen::CpuTarget::host();
  if (target.triple.rfind("x86_64", 0) != 0) GTEST_SKIP() << "x86-64 only";
  std::string plain = codegen::emit_llvm_ir({lowered_vadd(false)}, target);
  EXPECT_EQ(count(plain, "!nontemporal"), 0);
  EXPECT_EQ(count(plain, "sfence"), 0);
  EXPECT_EQ(count(plain, "streaming_store_bytes"), 0);

  std::string ir_text = codegen::emit_llvm_ir({lowered_vadd(true)}, target);
  EXPECT_GT(count(ir_text, "!nontemporal"), 0) << ir_text;
  EXPECT_GT(count(ir_text, "llvm.x86.sse.sfence"), 0) << ir_text;
  EXPECT_GT(count(ir_text, "tessera_streaming_store_bytes"), 0) << ir_text;
  // The normal version keeps plain vector stores. The streaming ones store the 64-byte
  // vector as one line-aligned store (the 64-byte version) or as 16-byte aligned 16-byte
  // pieces (the 16-byte version: FastISel turns those into movntps, and a wider store
  // that is only 16-byte aligned into a plain one).
  int vector_stores = 0, nontemporal = 0, lines_stores = 0, pieces = 0;
  std::istringstream lines(ir_text);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("store <") == std::string::npos) continue;
    ++vector_stores;
    if (line.find("!nontemporal") == std::string::npos) continue;
    ++nontemporal;
    const bool whole_line = line.find("store <16 x float>") != std::string::npos && line.find("align 64") != std::string::npos;
    const bool piece = line.find("store <4 x float>") != std::string::npos && line.find("align 16") != std::string::npos;
    EXPECT_TRUE(whole_line || piece) << line;
    lines_stores += whole_line;
    pieces += piece;
  }
  EXPECT_GT(lines_stores, 0) << ir_text;
  EXPECT_EQ(pieces, 4 * lines_stores) << "each line-wide store has a 16-byte version";
  EXPECT_GT(vector_stores, nontemporal) << "no normal version";
}

TEST(StreamingCodegen, GenericX86AndAarch64Compile) {
  // Other targets: sfence needs SSE (baseline x86-64 has it); AArch64 gets a fence.
  EXPECT_NO_THROW(codegen::emit_llvm_ir({lowered_vadd(true)}, codegen::CpuTarget::generic_x86_64()));
  std::string arm = codegen::emit_llvm_ir({lowered_vadd(true)}, codegen::CpuTarget::generic_aarch64());
  EXPECT_EQ(count(arm, "sfence"), 0);
  EXPECT_GT(count(arm, "fence"), 0);
}

// ---- results ------------------------------------------------------------------------------

class StreamingResults : public ::testing::TestWithParam<const char*> {};

TEST_P(StreamingResults, ContiguousAllDtypesSizesAndOffsets) {
  ThresholdOverride threshold(GetParam());
  for (const Case& c : cases()) {
    Kernel k = build_1d(c.type, c.f, std::string("s1d_") + c.name);
    const size_t eb = c.type.bytes();
    for (int64_t n : {int64_t{1}, int64_t{63}, int64_t{4096}, int64_t{3 * 4096 + 77}, int64_t{40001}})
      for (size_t offset : {size_t{0}, eb, size_t{16}}) check_1d(k, c, n, offset, static_cast<uint64_t>(n) + offset);
  }
}

TEST_P(StreamingResults, StridedRowsAndPaddedOutputs) {
  ThresholdOverride threshold(GetParam());
  for (const Case& c : cases()) {
    Kernel k = build_2d(c.type, c.f, std::string("s2d_") + c.name);
    const size_t eb = c.type.bytes();
    for (int64_t cols : {int64_t{64}, int64_t{67}, int64_t{256}})
      for (int64_t pad : {int64_t{0}, int64_t{1}, int64_t{16}})
        for (size_t offset : {size_t{0}, eb, size_t{16}}) {
          const int64_t rows = 37, row = cols + pad;
          HostBuffer a(c.type, {rows, cols}, {cols, 1}, 0), b(c.type, {rows, cols}, {cols, 1}, 0);
          HostBuffer out(c.type, {rows, cols}, {row, 1}, offset);
          std::mt19937_64 rng(static_cast<uint64_t>(cols * 131 + pad * 7) + offset);
          for (int64_t i = 0; i < rows * cols; ++i) {
            c.random(a.data() + i * eb, rng);
            c.random(b.data() + i * eb, rng);
          }
          // Padding between rows must keep its contents.
          std::vector<unsigned char> padding_before(out.data(), out.data() + out.bytes);
          k({&a.dl, &b.dl, &out.dl});
          std::vector<unsigned char> want(eb);
          for (int64_t i = 0; i < rows; ++i)
            for (int64_t j = 0; j < row; ++j) {
              size_t at = static_cast<size_t>(i * row + j) * eb;
              if (at >= out.bytes) continue;
              if (j >= cols) {
                ASSERT_EQ(std::memcmp(out.data() + at, padding_before.data() + at, eb), 0) << "padding clobbered";
                continue;
              }
              size_t in = static_cast<size_t>(i * cols + j) * eb;
              c.ref(a.data() + in, b.data() + in, want.data());
              ASSERT_EQ(std::memcmp(out.data() + at, want.data(), eb), 0)
                  << c.name << " cols=" << cols << " pad=" << pad << " offset=" << offset << " (" << i << ", " << j << ")";
            }
          EXPECT_TRUE(out.guards_intact()) << c.name;
        }
  }
}

TEST_P(StreamingResults, ConcurrentCallersSeeTheirResults) {
  ThresholdOverride threshold(GetParam());
  const Case c = cases()[3];  // float32
  Kernel k = build_1d(c.type, c.f, "s1d_concurrent");
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t)
    threads.emplace_back([&, t] {
      for (int r = 0; r < 3; ++r) check_1d(k, c, 100000 + 17 * t, t == 1 ? 4 : 0, static_cast<uint64_t>(t * 10 + r));
    });
  for (std::thread& th : threads) th.join();
}

INSTANTIATE_TEST_SUITE_P(Threshold, StreamingResults, ::testing::Values("1", "off"),
                         [](const auto& info) { return std::string(info.param[0] == '1' ? "always" : "never"); });

TEST(StreamingThreshold, EnvironmentOverrides) {
  {
    ThresholdOverride t("off");
    EXPECT_EQ(tessera_streaming_store_bytes(), INT64_MAX);
  }
  {
    ThresholdOverride t("0");
    EXPECT_EQ(tessera_streaming_store_bytes(), INT64_MAX);
  }
  {
    ThresholdOverride t("12345");
    EXPECT_EQ(tessera_streaming_store_bytes(), 12345);
  }
  {
    ThresholdOverride t("garbage");  // ignored: the cache-based default
    EXPECT_GT(tessera_streaming_store_bytes(), 0);
    EXPECT_LT(tessera_streaming_store_bytes(), INT64_MAX);
  }
}

}  // namespace
}  // namespace tessera
