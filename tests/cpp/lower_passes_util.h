// Shared helpers of the lower_passes_*_test.cpp files: host tensors and calls through the
// reference interpreter, IR construction and inspection, golden files (tests/golden/<pass>,
// or TESSERA_GOLDEN_DIR; TESSERA_UPDATE_GOLDEN=1 regenerates) and the vadd kernel.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>

#include "lower/loop_partition.h"
#include "lower/make_kernel_api.h"
#include "lower/unroll_loops.h"
#include "lower/vectorize_loops.h"
#include "tessera/interp/interpreter.h"
#include "tessera/ir/op.h"
#include "tessera/ir/printer.h"
#include "tessera/ir/simplify.h"
#include "tessera/ir/utils.h"

namespace lower_passes_test {

using namespace tessera;
using namespace tessera::ir;
using Kind = KernelParam::Kind;

// ---- host tensors and calls ----------------------------------------------------------------

struct Tensor {
  std::vector<unsigned char> bytes;
  std::vector<int64_t> shape, strides;  // strides empty: DLTensor::strides is NULL
  DLDataType dtype{kDLFloat, 32, 1};
  DLDevice device{kDLCPU, 0};
  DLTensor dl{};

  TesseraValue arg() {
    dl.data = bytes.data();
    dl.device = device;
    dl.ndim = static_cast<int32_t>(shape.size());
    dl.dtype = dtype;
    dl.shape = shape.data();
    dl.strides = strides.empty() ? nullptr : strides.data();
    dl.byte_offset = 0;
    TesseraValue v;
    v.v_handle = &dl;
    return v;
  }

  // Element offset of a multi-index.
  int64_t offset(const std::vector<int64_t>& idx) const {
    int64_t off = 0, compact = 1;
    for (size_t d = shape.size(); d-- > 0;) {
      off += idx[d] * (strides.empty() ? compact : strides[d]);
      compact *= shape[d];
    }
    return off;
  }

  template <class T>
  T& at(const std::vector<int64_t>& idx) {
    return reinterpret_cast<T*>(bytes.data())[offset(idx)];
  }
};

// A tensor of `elem_bytes`-sized elements with storage for every addressed element.
inline Tensor make_tensor(std::vector<int64_t> shape, std::vector<int64_t> strides = {},
                   DLDataType dtype = {kDLFloat, 32, 1}) {
  Tensor t;
  t.shape = std::move(shape);
  t.strides = std::move(strides);
  t.dtype = dtype;
  int64_t span = 1;
  for (size_t d = 0; d < t.shape.size(); ++d) {
    if (t.shape[d] == 0) span = 0;
  }
  if (span != 0) {
    int64_t compact = 1;
    for (size_t d = t.shape.size(); d-- > 0;) {
      int64_t stride = t.strides.empty() ? compact : std::abs(t.strides[d]);
      span += (t.shape[d] - 1) * stride;
      compact *= t.shape[d];
    }
  }
  t.bytes.assign(static_cast<size_t>(std::max<int64_t>(span, 1)) * (dtype.bits / 8) + 64, 0);
  return t;
}

inline void fill_random(Tensor* t, std::mt19937* rng) {
  std::uniform_real_distribution<float> dist(-10.0f, 10.0f);
  float* p = reinterpret_cast<float*>(t->bytes.data());
  for (size_t i = 0; i < t->bytes.size() / sizeof(float); ++i) p[i] = dist(*rng);
}

struct CallArg {
  int32_t code;
  TesseraValue value;
};
inline CallArg tensor_arg(Tensor& t) { return {kTesseraArgTensor, t.arg()}; }
inline CallArg int_arg(int64_t v) {
  TesseraValue x;
  x.v_int64 = v;
  return {kTesseraArgInt, x};
}
inline CallArg float_arg(double v) {
  TesseraValue x;
  x.v_float64 = v;
  return {kTesseraArgFloat, x};
}

// Runs a packed function in the interpreter; returns its error message ("" on success).
inline std::string run(const LoweredFunc& f, const std::vector<CallArg>& args) {
  std::vector<TesseraValue> values;
  std::vector<int32_t> codes;
  for (const CallArg& a : args) {
    values.push_back(a.value);
    codes.push_back(a.code);
  }
  std::string error;
  int32_t rc =
      interp::run(f, values.data(), codes.data(), static_cast<int32_t>(values.size()), &error);
  if (rc != 0 && error.empty()) return "<failed without a message>";
  return rc == 0 ? std::string() : error;
}

// ---- IR construction -----------------------------------------------------------------------

inline KernelParam tensor_param(const Buffer& b, bool output = false) {
  KernelParam p;
  p.kind = Kind::Tensor;
  p.buffer = b;
  p.is_output = output;
  return p;
}

inline KernelParam scalar_param(const Var& v, Kind kind) {
  KernelParam p;
  p.kind = kind;
  p.var = v;
  return p;
}

inline LoweredFunc make_func(std::string name, std::vector<KernelParam> params, Stmt body) {
  LoweredFunc f;
  f.name = std::move(name);
  f.params = std::move(params);
  f.body = std::move(body);
  return f;
}

inline LoweredFunc with_body(LoweredFunc f, Stmt body) {
  f.body = std::move(body);
  return f;
}

inline LoweredFunc pack(const LoweredFunc& f) { return lower::make_kernel_api(f, kDLCPU); }

// The passes in the order of lower/pipeline.cpp, with its simplifications or without.
inline Stmt lower_all(const Stmt& s, bool simplify_between = true) {
  auto simp = [&](const Stmt& x) { return simplify_between ? simplify(x) : x; };
  Stmt partitioned = simp(lower::partition_loops(s));
  return simp(lower::unroll_loops(lower::vectorize_loops(partitioned)));
}

inline Expr load(const Buffer& b, const std::vector<Expr>& idx) {
  return LoadNode::make(b, {b.flat_index(idx)});
}

inline Stmt store(const Buffer& b, const std::vector<Expr>& idx, const Expr& value) {
  return StoreNode::make(b, value, {b.flat_index(idx)});
}

inline Stmt loop(const Var& v, Expr min, Expr extent, ForKind kind, Stmt body) {
  return ForNode::make(v, std::move(min), std::move(extent), kind, std::move(body));
}

inline Expr f32(double v) { return make_const(DataType::Float(32), v); }

// C[i] = A[i] + B[i] split by `factor`, the inner loop vectorized and guarded.
struct VaddKernel {
  Var n{"n"};
  Buffer A, B, C;
  LoweredFunc func;
};

inline VaddKernel make_vadd(bool symbolic_strides, int factor = 16) {
  VaddKernel k;
  auto buffer = [&](const std::string& name) {
    std::vector<Expr> strides;
    if (symbolic_strides) strides.push_back(Var(name + ".stride0"));
    return Buffer::make(name, DataType::Float(32), {k.n}, strides);
  };
  k.A = buffer("A");
  k.B = buffer("B");
  k.C = buffer("C");
  Var io("i.outer"), ii("i.inner");
  Expr i = io * factor + ii;
  Stmt body = IfThenElseNode::make(i < k.n, store(k.C, {i}, load(k.A, {i}) + load(k.B, {i})));
  body = loop(ii, 0, factor, ForKind::Vectorized, body);
  body = loop(io, 0, (k.n + (factor - 1)) / factor, ForKind::Parallel, body);
  k.func = make_func("vadd", {tensor_param(k.A), tensor_param(k.B), tensor_param(k.C, true)}, body);
  return k;
}

// ---- IR inspection -------------------------------------------------------------------------

inline int count_stmts(const Stmt& s, StmtKind kind) {
  int n = 0;
  post_order_visit(s, [&](const Stmt& x) { n += x.kind() == kind; });
  return n;
}

inline int count_exprs(const Stmt& s, const std::function<bool(const Expr&)>& pred) {
  int n = 0;
  post_order_visit(
      s, [](const Stmt&) {}, [&](const Expr& e) { n += pred(e); });
  return n;
}

inline int count_loops(const Stmt& s, ForKind kind) {
  int n = 0;
  post_order_visit(s, [&](const Stmt& x) {
    if (const auto* f = x.as<ForNode>()) n += f->for_kind == kind;
  });
  return n;
}

inline bool is_unit_ramp(const Expr& e) {
  const auto* r = e.as<RampNode>();
  return r && is_const_int(r->stride, 1);
}

// Vector loads and stores whose index is a stride-1 Ramp.
inline int count_contiguous_accesses(const Stmt& s) {
  int n = 0;
  post_order_visit(
      s,
      [&](const Stmt& x) {
        if (const auto* st = x.as<StoreNode>()) n += is_unit_ramp(st->indices[0]);
      },
      [&](const Expr& e) {
        if (const auto* ld = e.as<LoadNode>()) n += is_unit_ramp(ld->indices[0]);
      });
  return n;
}

// Stores that no If encloses.
inline int count_unguarded_stores(const Stmt& s, int depth = 0) {
  if (!s.defined()) return 0;
  switch (s.kind()) {
    case StmtKind::Store:
      return depth == 0;
    case StmtKind::For:
      return count_unguarded_stores(s.as<ForNode>()->body, depth);
    case StmtKind::LetStmt:
      return count_unguarded_stores(s.as<LetStmtNode>()->body, depth);
    case StmtKind::Allocate:
      return count_unguarded_stores(s.as<AllocateNode>()->body, depth);
    case StmtKind::IfThenElse: {
      const auto* op = s.as<IfThenElseNode>();
      return count_unguarded_stores(op->then_case, depth + 1) +
             count_unguarded_stores(op->else_case, depth + 1);
    }
    case StmtKind::Seq: {
      int n = 0;
      for (const Stmt& x : s.as<SeqNode>()->seq) n += count_unguarded_stores(x, depth);
      return n;
    }
    default:
      return 0;
  }
}

// ---- golden files --------------------------------------------------------------------------

inline std::filesystem::path golden_dir() {
  if (const char* dir = std::getenv("TESSERA_GOLDEN_DIR")) return dir;
  return std::filesystem::path(__FILE__).parent_path().parent_path() / "golden";
}

inline void expect_golden(const std::string& pass, const std::string& name, const std::string& text) {
  std::filesystem::path path = golden_dir() / pass / (name + ".txt");
  if (std::getenv("TESSERA_UPDATE_GOLDEN")) {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << text;
    return;
  }
  std::ifstream in(path);
  if (!in) {
    ADD_FAILURE() << "missing golden file " << path << " (run with TESSERA_UPDATE_GOLDEN=1)\n"
                  << text;
    return;
  }
  std::stringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(expected.str(), text) << "golden " << path;
}

// ---- element-wise kernels ------------------------------------------------------------------

inline const int64_t kSizes[] = {0, 1, 7, 15, 16, 17, 31, 32, 33, 1000};

// Runs `func` (packed) as vadd on n elements with the given strides; checks C = A + B.
inline void check_vadd(const LoweredFunc& packed, int64_t n, std::vector<int64_t> sa = {},
                std::vector<int64_t> sb = {}, std::vector<int64_t> sc = {}) {
  std::mt19937 rng(static_cast<unsigned>(n * 7 + sa.size()));
  Tensor a = make_tensor({n}, sa), b = make_tensor({n}, sb), c = make_tensor({n}, sc);
  fill_random(&a, &rng);
  fill_random(&b, &rng);
  fill_random(&c, &rng);
  Tensor before = c;
  ASSERT_EQ(run(packed, {tensor_arg(a), tensor_arg(b), tensor_arg(c)}), "") << "n = " << n;
  for (int64_t i = 0; i < n; ++i) {
    float want = a.at<float>({i}) + b.at<float>({i});
    ASSERT_EQ(c.at<float>({i}), want) << "n = " << n << ", i = " << i;
  }
  // Nothing outside the tensor's elements was written.
  std::vector<bool> element(c.bytes.size() / 4, false);
  for (int64_t i = 0; i < n; ++i) element[c.offset({i})] = true;
  for (size_t k = 0; k < element.size(); ++k) {
    if (!element[k]) {
      ASSERT_EQ(std::memcmp(&c.bytes[k * 4], &before.bytes[k * 4], 4), 0) << "stray write at " << k;
    }
  }
}

}  // namespace lower_passes_test
