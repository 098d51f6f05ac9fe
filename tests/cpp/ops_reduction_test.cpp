// Reductions, cumulative sums/products, matmul, tensordot and vecdot: results against
// independent reference loops (long double or exact integer arithmetic) on random data
// with special values, over shapes, views (transposed, strided, reversed), axis sets,
// keepdims and dtypes; NumPy's dtype rules and errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <numeric>
#include <random>

#include "tessera/ops/reduction.h"

namespace tessera {
namespace {

using ir::DataType;
using ops::OpError;

const DataType kBool = DataType::Bool(), kI8 = DataType::Int(8), kI16 = DataType::Int(16), kI32 = DataType::Int(32),
               kI64 = DataType::Int(64), kU8 = DataType::UInt(8), kU16 = DataType::UInt(16), kU32 = DataType::UInt(32),
               kU64 = DataType::UInt(64), kF16 = DataType::Float(16), kBF16 = DataType::BFloat16(),
               kF32 = DataType::Float(32), kF64 = DataType::Float(64);

// ---- 16-bit floats -----------------------------------------------------------------------

uint16_t to_bf16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  if (std::isnan(f)) return static_cast<uint16_t>((x >> 16) | 0x40);
  return static_cast<uint16_t>((x + 0x7FFF + ((x >> 16) & 1)) >> 16);
}
float from_bf16(uint16_t h) {
  uint32_t x = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}
uint16_t to_f16(float f) {
  _Float16 h = static_cast<_Float16>(f);
  uint16_t b;
  std::memcpy(&b, &h, 2);
  return b;
}
float from_f16(uint16_t b) {
  _Float16 h;
  std::memcpy(&h, &b, 2);
  return static_cast<float>(h);
}

// Value of v rounded to dtype t (floats), as long double.
long double round_to(DataType t, long double v) {
  if (t == kF64) return static_cast<double>(v);
  if (t == kF32) return static_cast<float>(v);
  if (t == kF16) return from_f16(to_f16(static_cast<float>(static_cast<double>(v))));
  if (t == kBF16) return from_bf16(to_bf16(static_cast<float>(static_cast<double>(v))));
  return v;
}

// Distance to the next representable value of a float dtype at |v|.
long double ulp(DataType t, long double v) {
  int mant = t == kF64 ? 52 : t == kF32 ? 23 : t == kF16 ? 10 : 7;
  int min_exp = t == kF64 ? -1022 : t == kF32 ? -126 : t == kF16 ? -14 : -126;
  int e = v == 0 ? min_exp : std::max(min_exp, std::ilogb(static_cast<double>(std::fabs(v))));
  return std::ldexp(1.0L, e - mant);
}

// Integer v (two's complement bits) truncated to t's width, sign-extended.
uint64_t wrap(DataType t, uint64_t v) {
  if (t.is_bool()) return v != 0;
  if (t.bits == 64) return v;
  uint64_t mask = (uint64_t{1} << t.bits) - 1;
  v &= mask;
  if (t.is_int() && (v >> (t.bits - 1))) v |= ~mask;
  return v;
}

// ---- arrays of any dtype and layout ------------------------------------------------------

std::vector<int64_t> compact_strides(const std::vector<int64_t>& shape) {
  std::vector<int64_t> s(shape.size(), 1);
  for (size_t d = shape.size(); d-- > 1;) s[d - 1] = s[d] * shape[d];
  return s;
}

int64_t count(const std::vector<int64_t>& shape) {
  return std::accumulate(shape.begin(), shape.end(), int64_t{1}, std::multiplies<>());
}

DLDataType dl_of(DataType t) {
  uint8_t code = t.is_bool()       ? kDLBool
                 : t.is_int()      ? kDLInt
                 : t.is_uint()     ? kDLUInt
                 : t.is_bfloat16() ? kDLBfloat
                                   : kDLFloat;
  return {code, t.bits, 1};
}

std::vector<std::vector<int64_t>> indices(const std::vector<int64_t>& shape) {
  std::vector<std::vector<int64_t>> out;
  int64_t n = count(shape);
  for (int64_t flat = 0; flat < n; ++flat) {
    std::vector<int64_t> idx(shape.size());
    int64_t r = flat;
    for (size_t d = shape.size(); d-- > 0;) {
      idx[d] = r % shape[d];
      r /= shape[d];
    }
    out.push_back(idx);
  }
  return out;
}

struct Arr {
  DataType dtype;
  std::vector<int64_t> shape, strides;
  int64_t offset = 0;  // elements
  std::shared_ptr<std::vector<uint64_t>> mem;
  DLTensor dl{};

  Arr() = default;
  Arr(DataType t, std::vector<int64_t> shp) : dtype(t), shape(std::move(shp)), strides(compact_strides(shape)) {
    mem = std::make_shared<std::vector<uint64_t>>(
        static_cast<size_t>((std::max<int64_t>(1, count(shape)) * t.bytes() + 7) / 8), 0);
  }
  int64_t numel() const { return count(shape); }
  DLTensor* get() {
    dl.data = mem->data();
    dl.device = {kDLCPU, 0};
    dl.ndim = static_cast<int32_t>(shape.size());
    dl.dtype = dl_of(dtype);
    dl.shape = shape.data();
    dl.strides = strides.data();
    dl.byte_offset = static_cast<uint64_t>(offset * dtype.bytes());
    return &dl;
  }
  char* addr(const std::vector<int64_t>& idx) const {
    int64_t e = offset;
    for (size_t d = 0; d < idx.size(); ++d) e += idx[d] * strides[d];
    return reinterpret_cast<char*>(mem->data()) + e * dtype.bytes();
  }
  // Integer value sign-extended to 64 bits (bool 0/1).
  uint64_t bits(const std::vector<int64_t>& idx) const {
    uint64_t v = 0;
    std::memcpy(&v, addr(idx), static_cast<size_t>(dtype.bytes()));
    return wrap(dtype, v);
  }
  long double value(const std::vector<int64_t>& idx) const {
    const char* p = addr(idx);
    if (dtype == kF64) return *reinterpret_cast<const double*>(p);
    if (dtype == kF32) return *reinterpret_cast<const float*>(p);
    if (dtype == kF16 || dtype == kBF16) {
      uint16_t h;
      std::memcpy(&h, p, 2);
      return dtype == kF16 ? from_f16(h) : from_bf16(h);
    }
    uint64_t b = bits(idx);
    return dtype.is_int() ? static_cast<long double>(static_cast<int64_t>(b)) : static_cast<long double>(b);
  }
  void set(const std::vector<int64_t>& idx, long double v) {
    char* p = addr(idx);
    if (dtype == kF64)
      *reinterpret_cast<double*>(p) = static_cast<double>(v);
    else if (dtype == kF32)
      *reinterpret_cast<float*>(p) = static_cast<float>(v);
    else if (dtype == kF16 || dtype == kBF16) {
      uint16_t h = dtype == kF16 ? to_f16(static_cast<float>(v)) : to_bf16(static_cast<float>(v));
      std::memcpy(p, &h, 2);
    } else {
      set_bits(idx, dtype.is_bool() ? (v != 0) : static_cast<uint64_t>(static_cast<int64_t>(v)));
    }
  }
  void set_bits(const std::vector<int64_t>& idx, uint64_t v) {
    v = wrap(dtype, v);
    std::memcpy(addr(idx), &v, static_cast<size_t>(dtype.bytes()));
  }
  Arr permuted(const std::vector<int>& perm) const {
    Arr a = *this;
    for (size_t d = 0; d < perm.size(); ++d) {
      a.shape[d] = shape[perm[d]];
      a.strides[d] = strides[perm[d]];
    }
    return a;
  }
};

enum class Fill { Any, Small, NearOne };

// Random data; floats include NaN, infinities and signed zeros, integers their extremes.
void fill(Arr& a, uint64_t seed, Fill kind = Fill::Any) {
  std::mt19937_64 rng(seed);
  Arr whole = a;  // every element of the storage, whatever the view
  whole.offset = 0;
  whole.shape = {static_cast<int64_t>(a.mem->size() * 8 / a.dtype.bytes())};
  whole.strides = {1};
  for (int64_t i = 0; i < whole.shape[0]; ++i) {
    uint64_t r = rng();
    std::vector<int64_t> at = {i};
    double u = std::uniform_real_distribution<double>(-1, 1)(rng);
    if (a.dtype.is_float()) {
      double v = kind == Fill::NearOne ? 1 + 0.2 * u : kind == Fill::Small ? std::round(u * 8) : 10 * u;
      if (kind == Fill::Any && r % 23 == 0)
        v = (r >> 8) % 5 == 0   ? NAN
            : (r >> 8) % 5 == 1 ? INFINITY
            : (r >> 8) % 5 == 2 ? -INFINITY
            : (r >> 8) % 5 == 3 ? 0.0
                                : -0.0;
      whole.set(at, v);
    } else if (a.dtype.is_bool()) {
      whole.set_bits(at, r % 3 == 0);
    } else if (kind == Fill::Small || kind == Fill::NearOne) {
      whole.set_bits(at, static_cast<uint64_t>(static_cast<int64_t>(u * 5)));
    } else {
      uint64_t v = r;
      if (r % 17 == 0) v = a.dtype.is_int() ? (uint64_t{1} << (a.dtype.bits - 1)) : ~uint64_t{0};  // min / max
      if (r % 17 == 1) v = a.dtype.is_int() ? (uint64_t{1} << (a.dtype.bits - 1)) - 1 : 0;
      if (r % 5 == 2) v = r % 7;  // small values make ties
      whole.set_bits(at, v);
    }
  }
}

enum class Layout { Contig, Transposed, Strided };

// An array of `shape` viewed in `layout`: compact, the transpose of a compact array, or
// every other element with the first axis reversed.
Arr make(DataType t, const std::vector<int64_t>& shape, Layout layout, uint64_t seed, Fill kind = Fill::Any) {
  const int nd = static_cast<int>(shape.size());
  Arr a;
  if (layout == Layout::Transposed && nd > 1) {
    std::vector<int64_t> rev(shape.rbegin(), shape.rend());
    std::vector<int> perm;
    for (int d = nd - 1; d >= 0; --d) perm.push_back(d);
    a = Arr(t, rev).permuted(perm);
  } else if (layout == Layout::Strided && nd > 0) {
    std::vector<int64_t> big;
    for (int64_t e : shape) big.push_back(2 * e + 1);
    a = Arr(t, big);
    a.shape = shape;
    for (int d = 0; d < nd; ++d) a.strides[d] *= d == 0 ? -1 : 2;
    a.offset = shape[0] > 0 ? (shape[0] - 1) * -a.strides[0] : 0;
  } else {
    a = Arr(t, shape);
  }
  fill(a, seed, kind);
  return a;
}

std::string str(const std::vector<int64_t>& v) {
  std::string s = "(";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::to_string(v[i]);
  return s + ")";
}
std::string str(const std::vector<int>& v) { return str(std::vector<int64_t>(v.begin(), v.end())); }

// ---- expected values ---------------------------------------------------------------------

struct Expected {
  long double value = 0;  // floats
  uint64_t bits = 0;      // integers and bool
  long double tol = 0;    // allowed |difference| for floats
};

::testing::AssertionResult matches(const Arr& out, const std::vector<int64_t>& idx, const Expected& e) {
  if (!out.dtype.is_float()) {
    uint64_t want = wrap(out.dtype, e.bits), got = out.bits(idx);
    if (got == want) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "at " << str(idx) << ": got " << static_cast<int64_t>(got) << ", want "
                                         << static_cast<int64_t>(want);
  }
  long double got = out.value(idx), want = round_to(out.dtype, e.value);
  bool ok = std::isnan(want)   ? std::isnan(got)
            : std::isinf(want) ? got == want
                               : !std::isnan(got) && std::fabs(got - e.value) <= e.tol + ulp(out.dtype, want);
  if (ok) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "at " << str(idx) << ": got " << static_cast<double>(got) << ", want "
                                       << static_cast<double>(e.value) << " (tol " << static_cast<double>(e.tol) << ")";
}

// Element of x cast to dtype t, as NumPy's dtype= argument does before reducing.
long double cast_value(const Arr& x, const std::vector<int64_t>& idx, DataType t) {
  if (t.is_float()) return round_to(t, x.value(idx));
  if (t.is_bool()) return x.value(idx) != 0;
  if (x.dtype.is_float()) return static_cast<long double>(static_cast<int64_t>(x.value(idx)));
  return x.value(idx);
}
uint64_t cast_bits(const Arr& x, const std::vector<int64_t>& idx, DataType t) {
  if (x.dtype.is_float()) return wrap(t, static_cast<uint64_t>(static_cast<int64_t>(x.value(idx))));
  return wrap(t, x.bits(idx));
}

// The reference of one reduction over the elements `elems` of x (C order).
Expected reference(const std::string& op, const Arr& x, const std::vector<std::vector<int64_t>>& elems, DataType t,
                   double ddof) {
  Expected e;
  const long double n = static_cast<long double>(elems.size());
  const long double eps = std::ldexp(1.0L, -50);
  if (op == "sum" || op == "mean") {
    if (t.is_float()) {
      long double s = 0, mag = 0;
      for (const auto& i : elems) {
        long double v = cast_value(x, i, t);
        s += v;
        mag += std::fabs(v);
      }
      e.value = op == "mean" ? s / n : s;
      e.tol = (n + 1) * eps * (op == "mean" ? mag / std::max(n, 1.0L) : mag);
    } else {
      // Integers wrap in t, bool is logical or; mean divides that in float64 and casts back.
      uint64_t s = 0;
      bool any = false;
      for (const auto& i : elems) s += cast_bits(x, i, t), any = any || x.value(i) != 0;
      s = t.is_bool() ? any : wrap(t, s);
      if (op == "mean" && !t.is_bool())
        s = static_cast<uint64_t>(static_cast<int64_t>(static_cast<double>(static_cast<int64_t>(s)) / elems.size()));
      e.bits = s;
    }
  } else if (op == "prod") {
    if (t.is_float()) {
      long double p = 1;
      for (const auto& i : elems) p *= cast_value(x, i, t);
      e.value = p;
      e.tol = std::fabs(p) * (n + 1) * 4 * ulp(t, 1.0L);
    } else {
      uint64_t p = 1;
      bool all = true;
      for (const auto& i : elems) p *= cast_bits(x, i, t), all = all && x.value(i) != 0;
      e.bits = t.is_bool() ? all : p;
    }
  } else if (op == "min" || op == "max") {
    bool is_max = op == "max";
    size_t best = 0;
    for (size_t k = 0; k < elems.size(); ++k) {
      long double v = x.value(elems[k]), b = x.value(elems[best]);
      if (std::isnan(b)) break;
      if (std::isnan(v) || (is_max ? v > b : v < b)) best = k;
    }
    e.value = x.value(elems[best]);
    e.bits = x.bits(elems[best]);
  } else if (op == "argmin" || op == "argmax") {
    bool is_max = op == "argmax";
    size_t best = 0;
    for (size_t k = 1; k < elems.size(); ++k) {
      long double v = x.value(elems[k]), b = x.value(elems[best]);
      if (std::isnan(b)) break;
      if (std::isnan(v) || (is_max ? v > b : v < b)) best = k;
    }
    e.bits = best;
  } else if (op == "var" || op == "std") {
    long double s = 0, sq = 0;
    for (const auto& i : elems) s += cast_value(x, i, t);
    long double mean = s / n;
    for (const auto& i : elems) {
      long double d = cast_value(x, i, t) - mean;
      sq += d * d;
    }
    long double var = sq / std::max(n - static_cast<long double>(ddof), 0.0L);
    e.value = op == "var" ? var : std::sqrt(var);
    long double scale = 0;
    for (const auto& i : elems) scale += cast_value(x, i, t) * cast_value(x, i, t);
    scale /= std::max(n, 1.0L);
    e.tol = 1e-12L * (op == "var" ? scale : std::sqrt(scale)) + 1e-12L * std::fabs(e.value);
  } else if (op == "all" || op == "any" || op == "count_nonzero") {
    uint64_t nz = 0;
    for (const auto& i : elems) nz += x.value(i) != 0;
    e.bits = op == "count_nonzero" ? nz : op == "all" ? nz == elems.size() : nz > 0;
  }
  return e;
}

// Runs op and checks every output element against the reference; a reduction NumPy
// rejects (empty without identity) must throw OpError(Value) instead.
void check_reduce(const std::string& op, Arr x, const std::vector<int>& axes, bool keepdims,
                  std::optional<DataType> dtype = std::nullopt, double ddof = 0) {
  std::string ctx = op + " " + x.dtype.str() + " shape " + str(x.shape) + " strides " + str(x.strides) + " axes " +
                    str(axes) + (keepdims ? " keepdims" : "") + (dtype ? " dtype " + dtype->str() : "");
  const int nd = static_cast<int>(x.shape.size());
  std::vector<bool> reduced(nd, axes.empty());
  for (int a : axes) reduced[a < 0 ? a + nd : a] = true;
  bool empty = false;
  for (int d = 0; d < nd; ++d) empty = empty || (reduced[d] && x.shape[d] == 0);
  if (empty && (op == "min" || op == "max" || op == "argmin" || op == "argmax")) {
    try {
      ops::plan_reduce(op, x.get(), axes, keepdims, dtype);
      ADD_FAILURE() << ctx << ": expected an error";
    } catch (const OpError& err) {
      EXPECT_EQ(err.kind(), OpError::Kind::Value) << ctx;
      std::string want = op == "min"   ? "zero-size array to reduction operation minimum which has no identity"
                         : op == "max" ? "zero-size array to reduction operation maximum which has no identity"
                                       : "attempt to get " + op + " of an empty sequence";
      EXPECT_NE(std::string(err.what()).find(want), std::string::npos) << ctx << ": " << err.what();
    }
    return;
  }
  ops::ReducePlan plan = ops::plan_reduce(op, x.get(), axes, keepdims, dtype);
  Arr out(plan.dtype, plan.shape);
  ops::reduce(op, x.get(), axes, keepdims, dtype, out.get(), ddof);
  // Reference: every output position and the input elements that reduce into it.
  std::vector<int64_t> kept_shape;
  for (int d = 0; d < nd; ++d) kept_shape.push_back(reduced[d] ? 1 : x.shape[d]);
  std::vector<int64_t> red_shape;
  for (int d = 0; d < nd; ++d) red_shape.push_back(reduced[d] ? x.shape[d] : 1);
  // The dtype elements are cast to before reducing (NumPy's dtype=, or the default).
  const bool keeps_input = op == "min" || op == "max" || op == "argmin" || op == "argmax" || op == "all" ||
                           op == "any" || op == "count_nonzero";
  const DataType t = dtype ? *dtype : keeps_input ? x.dtype : plan.dtype;
  std::vector<std::vector<int64_t>> reds = indices(red_shape);
  for (const auto& k : indices(kept_shape)) {
    std::vector<std::vector<int64_t>> elems;
    for (const auto& r : reds) {
      std::vector<int64_t> i(nd);
      for (int d = 0; d < nd; ++d) i[d] = reduced[d] ? r[d] : k[d];
      elems.push_back(i);
    }
    std::vector<int64_t> o;
    for (int d = 0; d < nd; ++d)
      if (!reduced[d] || keepdims) o.push_back(k[d]);
    ASSERT_TRUE(matches(out, o, reference(op, x, elems, t, ddof))) << ctx;
  }
}

// ---- reductions over shapes, layouts and axes --------------------------------------------

const std::vector<std::vector<int64_t>> kShapes = {{},        {0},     {1},     {7},        {5, 1, 3},
                                                   {3, 0, 2}, {4, 37}, {37, 4}, {3, 5, 33}, {2, 3, 4, 5}};

// Axis sets to try for a rank: all, each axis (once negative), and pairs.
std::vector<std::vector<int>> axis_sets(int nd, bool one_axis) {
  std::vector<std::vector<int>> sets = {{}};
  for (int d = 0; d < nd; ++d) sets.push_back({d == nd - 1 ? -1 : d});
  if (!one_axis)
    for (int d = 0; d + 1 < nd; ++d) sets.push_back({d, nd - 1});
  if (!one_axis && nd == 4) sets.push_back({0, 2});
  return sets;
}

void sweep(const std::string& op, DataType t, bool all_layouts, Fill kind = Fill::Any) {
  bool one_axis = op == "argmin" || op == "argmax";
  uint64_t seed = std::hash<std::string>()(op + t.str());
  for (const auto& shape : kShapes) {
    for (Layout layout : {Layout::Contig, Layout::Transposed, Layout::Strided}) {
      if (!all_layouts && layout == Layout::Transposed) continue;
      if (shape.size() < 2 && layout == Layout::Transposed) continue;
      Arr x = make(t, shape, layout, ++seed, kind);
      for (const auto& axes : axis_sets(static_cast<int>(shape.size()), one_axis)) {
        bool keepdims = (seed + axes.size()) % 2 == 0;
        check_reduce(op, x, axes, keepdims);
        if (::testing::Test::HasFatalFailure()) return;
      }
    }
  }
}

TEST(Reduce, SumAllLayouts) {
  sweep("sum", kF32, true);
  sweep("sum", kI32, true);
  for (DataType t : {kF64, kF16, kBF16, kI8, kU16, kU64, kBool}) sweep("sum", t, false);
}

TEST(Reduce, ProdAllLayouts) {
  sweep("prod", kF64, true, Fill::NearOne);
  sweep("prod", kI16, true);
  for (DataType t : {kF32, kU32, kBool}) sweep("prod", t, false, Fill::NearOne);
  sweep("prod", kF16, false, Fill::NearOne);
}

TEST(Reduce, MinMaxPropagateNaN) {
  sweep("max", kF32, true);
  sweep("min", kF64, true);
  for (DataType t : {kI8, kU64, kI64, kBool, kF16}) {
    sweep("min", t, false);
    sweep("max", t, false);
  }
}

TEST(Reduce, MeanVarStd) {
  sweep("mean", kF32, true);
  sweep("var", kF64, true);
  sweep("std", kF32, false);
  for (DataType t : {kI32, kF16, kU8}) {
    sweep("mean", t, false);
    sweep("var", t, false);
  }
  sweep("std", kI64, false, Fill::Small);
  // ddof (NumPy's correction), including ddof >= n (division by zero: inf or NaN).
  Arr x = make(kF64, {6, 5}, Layout::Contig, 7, Fill::Small);
  for (double ddof : {1.0, 4.0, 5.0, 6.5})
    for (int axis : {0, 1}) {
      check_reduce("var", x, {axis}, false, std::nullopt, ddof);
      check_reduce("std", x, {axis}, true, std::nullopt, ddof);
    }
}

TEST(Reduce, ArgminArgmaxFirstOccurrenceAndNaN) {
  sweep("argmax", kF32, true);
  sweep("argmin", kF64, true);
  for (DataType t : {kI16, kU8, kBool, kF16}) {
    sweep("argmin", t, false);
    sweep("argmax", t, false);
  }
  // Every position of the first NaN, ties between extremes, all -inf.
  for (int64_t pos = 0; pos < 40; pos += 3) {
    Arr x = make(kF32, {40}, Layout::Contig, 1, Fill::Small);
    for (int64_t i = 0; i < 40; ++i) x.set({i}, x.value({i}) == 0 ? 0 : x.value({i}));
    x.set({pos}, NAN);
    if (pos + 5 < 40) x.set({pos + 5}, NAN);
    check_reduce("argmax", x, {}, false);
    check_reduce("argmin", x, {0}, true);
  }
  Arr inf = make(kF64, {33}, Layout::Contig, 2);
  for (int64_t i = 0; i < 33; ++i) inf.set({i}, -INFINITY);
  check_reduce("argmax", inf, {}, false);
  for (int64_t i = 0; i < 33; ++i) inf.set({i}, INFINITY);
  check_reduce("argmin", inf, {}, false);
  // A 0-d array counts as 1-d for argmax (NumPy ravels it).
  check_reduce("argmax", make(kI32, {}, Layout::Contig, 3), {}, false);
  Arr zero_d = make(kI32, {}, Layout::Contig, 3);
  ops::ReducePlan p = ops::plan_reduce("argmax", zero_d.get(), {-1}, false, std::nullopt);
  EXPECT_TRUE(p.shape.empty());
}

TEST(Reduce, AllAnyCountNonzero) {
  for (const char* op : {"all", "any", "count_nonzero"}) {
    sweep(op, kF32, true);
    for (DataType t : {kI32, kBool, kF16}) sweep(op, t, false);
  }
  // -0.0 is false, NaN is true.
  Arr x(kF64, {3});
  x.set({0}, -0.0);
  x.set({1}, NAN);
  x.set({2}, 0.0);
  check_reduce("any", x, {}, false);
  check_reduce("all", x, {}, false);
  check_reduce("count_nonzero", x, {}, false);
}

TEST(Reduce, DtypeArgument) {
  Arr ints = make(kI32, {9, 40}, Layout::Contig, 11, Fill::Small);
  check_reduce("sum", ints, {1}, false, kF32);
  check_reduce("sum", ints, {}, false, kF16);
  check_reduce("sum", make(kU8, {50, 3}, Layout::Strided, 12), {0}, false, kI8);  // wraps in int8
  check_reduce("sum", make(kF32, {5, 40}, Layout::Contig, 13), {1}, true, kF64);
  check_reduce("sum", make(kI16, {17}, Layout::Contig, 14), {}, false, kBool);  // logical or
  check_reduce("prod", make(kI8, {4, 9}, Layout::Contig, 15), {1}, false, kI8);
  check_reduce("mean", make(kI16, {6, 33}, Layout::Contig, 16), {1}, false, kF32);
  check_reduce("mean", make(kI32, {6, 7}, Layout::Contig, 17, Fill::Small), {0}, false, kI32);  // truncates
  check_reduce("var", make(kI8, {6, 7}, Layout::Contig, 18), {1}, false, kF32);
}

TEST(Reduce, LargeParallelAndVectorPaths) {
  // Blocks of the parallel full reduction, long rows (vector partials), and columns.
  Arr big = make(kF32, {3, 20011}, Layout::Contig, 21);
  check_reduce("sum", big, {}, false);
  check_reduce("sum", big, {1}, false);
  check_reduce("mean", big.permuted({1, 0}), {0}, false);
  check_reduce("argmax", big, {1}, false);
  check_reduce("max", big, {0}, false);
  check_reduce("count_nonzero", big, {}, false);
  check_reduce("sum", make(kF32, {5, 2100}, Layout::Contig, 29), {0}, false);  // several column blocks
  Arr cols = make(kF64, {200, 70}, Layout::Contig, 22);
  check_reduce("sum", cols, {0}, false);
  check_reduce("var", cols, {0}, true);
  // Tall matrices reduced over rows: parallel blocks of whole rows, then their partials.
  Arr tall = make(kF32, {1000, 70}, Layout::Contig, 24);
  check_reduce("sum", tall, {0}, false);
  check_reduce("var", tall, {0}, true);
  check_reduce("argmax", tall, {0}, false);
  check_reduce("min", make(kI16, {300, 3, 100}, Layout::Contig, 25), {0, 1}, false);
  check_reduce("any", make(kBool, {700, 130}, Layout::Contig, 26), {0}, false);
  check_reduce("all", make(kF16, {5, 130}, Layout::Contig, 27), {0}, false);
  Arr longrow = make(kI64, {50001}, Layout::Strided, 23);
  check_reduce("sum", longrow, {}, false);
  check_reduce("argmin", longrow, {}, false);
  check_reduce("min", longrow, {0}, true);
}

// NumPy's pairwise summation of float32 (numpy/_core/src/umath/loops_utils.h.src), as the
// accuracy bar: blocks of at most 128 summed with 8 accumulators, halves recursively.
float pairwise(const float* a, int64_t n) {
  if (n < 8) {
    float s = -0.0f;
    for (int64_t i = 0; i < n; ++i) s += a[i];
    return s;
  }
  if (n <= 128) {
    float r[8];
    for (int k = 0; k < 8; ++k) r[k] = a[k];
    int64_t i = 8;
    for (; i < n - n % 8; i += 8)
      for (int k = 0; k < 8; ++k) r[k] += a[i + k];
    float s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) s += a[i];
    return s;
  }
  int64_t half = n / 2;
  half -= half % 8;
  return pairwise(a, half) + pairwise(a + half, n - half);
}

TEST(Reduce, Float32SumAtLeastAsAccurateAsPairwise) {
  const int64_t n = int64_t{1} << 24;
  Arr x(kF32, {n});
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  float* data = reinterpret_cast<float*>(x.mem->data());
  for (int64_t i = 0; i < n; ++i) data[i] = u(rng);
  Arr out(kF32, {});
  ops::reduce("sum", x.get(), {}, false, std::nullopt, out.get());
  long double exact = 0;
  for (int64_t i = 0; i < n; ++i) exact += data[i];
  long double ours = std::fabs(out.value({}) - exact), numpy = std::fabs(pairwise(data, n) - exact);
  EXPECT_LE(ours, numpy) << "ours " << static_cast<double>(out.value({})) << " exact " << static_cast<double>(exact);
  EXPECT_LE(ours, ulp(kF32, exact));
}

TEST(Reduce, ResultDtypes) {
  struct Case {
    const char* op;
    DataType in;
    std::optional<DataType> dtype;
    DataType out;
  };
  const Case cases[] = {
      {"sum", kBool, {}, kI64},
      {"sum", kI8, {}, kI64},
      {"sum", kI32, {}, kI64},
      {"sum", kU8, {}, kU64},
      {"sum", kU32, {}, kU64},
      {"sum", kI64, {}, kI64},
      {"sum", kF16, {}, kF16},
      {"sum", kBF16, {}, kBF16},
      {"prod", kI16, {}, kI64},
      {"prod", kU16, {}, kU64},
      {"prod", kF32, {}, kF32},
      {"mean", kI8, {}, kF64},
      {"mean", kBool, {}, kF64},
      {"mean", kF16, {}, kF16},
      {"var", kU64, {}, kF64},
      {"std", kF32, {}, kF32},
      {"max", kI8, {}, kI8},
      {"min", kBool, {}, kBool},
      {"argmax", kF16, {}, kI64},
      {"argmin", kBool, {}, kI64},
      {"all", kF32, {}, kBool},
      {"any", kI64, {}, kBool},
      {"count_nonzero", kF64, {}, kI64},
      {"sum", kI8, kF32, kF32},
      {"mean", kI64, kF16, kF16},
      {"prod", kF64, kI8, kI8},
  };
  for (const Case& c : cases) {
    Arr x(c.in, {2, 3});
    ops::ReducePlan p = ops::plan_reduce(c.op, x.get(), {1}, true, c.dtype);
    EXPECT_EQ(p.dtype, c.out) << c.op << " " << c.in.str();
    EXPECT_EQ(p.shape, (std::vector<int64_t>{2, 1})) << c.op;
    EXPECT_EQ(p.axes, (std::vector<int>{1})) << c.op;
  }
  Arr x(kF32, {2, 3, 4});
  EXPECT_EQ(ops::plan_reduce("sum", x.get(), {-1, 0}, false, std::nullopt).shape, (std::vector<int64_t>{3}));
  EXPECT_EQ(ops::plan_reduce("sum", x.get(), {}, true, std::nullopt).shape, (std::vector<int64_t>{1, 1, 1}));
  EXPECT_EQ(ops::plan_reduce("argmax", x.get(), {}, true, std::nullopt).shape, (std::vector<int64_t>{1, 1, 1}));
  EXPECT_EQ(ops::plan_reduce("argmax", x.get(), {}, false, std::nullopt).shape, std::vector<int64_t>{});
}

template <class F>
void expect_error(F f, OpError::Kind kind, std::vector<std::string> parts) {
  try {
    f();
    ADD_FAILURE() << "expected an error mentioning " << parts[0];
  } catch (const OpError& e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
    for (const std::string& p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
  }
}

TEST(Reduce, Errors) {
  Arr x(kF32, {2, 3});
  Arr out(kF32, {2});
  auto plan = [&](const std::string& op, std::vector<int> axes, std::optional<DataType> dt = std::nullopt) {
    return [&, op, axes, dt] { ops::plan_reduce(op, x.get(), axes, false, dt); };
  };
  expect_error(plan("sum", {2}), OpError::Kind::Value, {"sum", "axis 2 is out of bounds for array of dimension 2"});
  expect_error(plan("mean", {-3}), OpError::Kind::Value, {"mean", "out of bounds"});
  expect_error(plan("max", {1, -1}), OpError::Kind::Value, {"max", "duplicate value in 'axis'"});
  expect_error(plan("argmax", {0, 1}), OpError::Kind::Type, {"argmax"});
  expect_error(plan("max", {0}, kF64), OpError::Kind::Type, {"max", "dtype"});
  expect_error(plan("var", {0}, kI32), OpError::Kind::Type, {"var", "floating"});
  expect_error(plan("median", {0}), OpError::Kind::Value, {"median"});
  Arr scalar(kF32, {});
  expect_error([&] { ops::plan_reduce("sum", scalar.get(), {0}, false, std::nullopt); }, OpError::Kind::Value,
               {"sum", "axis 0 is out of bounds for array of dimension 0"});
  // The output must have the planned shape and dtype; nothing is written otherwise.
  Arr wrong_shape(kF32, {3}), wrong_dtype(kF64, {2});
  expect_error([&] { ops::reduce("sum", x.get(), {1}, false, std::nullopt, wrong_shape.get()); }, OpError::Kind::Value,
               {"sum", "shape"});
  expect_error([&] { ops::reduce("sum", x.get(), {1}, false, std::nullopt, wrong_dtype.get()); }, OpError::Kind::Type,
               {"sum", "dtype"});
  Arr empty(kI32, {0, 4});
  Arr eout(kI32, {4});
  expect_error([&] { ops::reduce("min", empty.get(), {0}, false, std::nullopt, eout.get()); }, OpError::Kind::Value,
               {"zero-size array to reduction operation minimum which has no identity"});
  Arr eout2(kI32, {0});
  ops::reduce("max", empty.get(), {1}, false, std::nullopt, eout2.get());  // nothing reduced empty: fine
}

TEST(Reduce, BroadcastInput) {
  // A stride-0 axis (a broadcast view): every row is the same memory.
  Arr x = make(kF32, {4, 50}, Layout::Contig, 28);
  x.strides = {0, 1};
  for (const auto& axes : std::vector<std::vector<int>>{{}, {0}, {1}}) {
    check_reduce("sum", x, axes, false);
    check_reduce("argmax", x, axes.size() == 2 ? std::vector<int>{} : axes, false);
    check_reduce("var", x, axes, false);
  }
}

TEST(Reduce, OutputOverlappingInput) {
  // The output is a column of the input itself: computed into a temporary first.
  Arr x = make(kF64, {6, 5}, Layout::Contig, 31);
  Arr copy(kF64, {6, 5});
  for (const auto& i : indices({6, 5})) copy.set(i, x.value(i));
  Arr col = x;
  col.shape = {6};
  col.strides = {5};
  ops::reduce("sum", x.get(), {1}, false, std::nullopt, col.get());
  for (int64_t r = 0; r < 6; ++r) {
    std::vector<std::vector<int64_t>> elems;
    for (int64_t c = 0; c < 5; ++c) elems.push_back({r, c});
    Expected e = reference("sum", copy, elems, kF64, 0);
    Arr got = x;
    EXPECT_TRUE(matches(got, {r, 0}, e));
  }
}

TEST(Reduce, RegisteredAsOperators) {
  ops::register_reduction_ops();  // also done when the library loads; idempotent
  std::vector<std::string> names = ops::list_ops();
  for (const std::string& op : ops::reduction_ops())
    EXPECT_NE(std::find(names.begin(), names.end(), op), names.end()) << op;
  for (const char* op : {"cumulative_sum", "cumulative_prod", "matmul", "vecdot"})
    EXPECT_NE(std::find(names.begin(), names.end(), op), names.end()) << op;
  EXPECT_EQ(ops::find_op("sum")->type_rule({kI8})->outputs[0], kI64);
}

// ---- cumulative sums and products ---------------------------------------------------------

// NumPy's accumulate: the running value is rounded to the result dtype at every step.
void check_cumulative(const std::string& op, Arr x, std::optional<int> axis, bool include_initial,
                      std::optional<DataType> dtype = std::nullopt) {
  std::string ctx = op + " " + x.dtype.str() + " shape " + str(x.shape) + " strides " + str(x.strides) +
                    (axis ? " axis " + std::to_string(*axis) : "") + (include_initial ? " initial" : "");
  ops::OutputPlan plan = ops::plan_cumulative(op, x.get(), axis, dtype, include_initial);
  Arr out(plan.dtype, plan.shape);
  ops::cumulative(op, x.get(), axis, dtype, include_initial, out.get());
  if (x.shape.empty()) {  // 0-d: viewed as (1,)
    x.shape = {1};
    x.strides = {1};
  }
  const int nd = static_cast<int>(x.shape.size());
  const int ax = axis ? (*axis < 0 ? *axis + nd : *axis) : 0;
  const DataType t = plan.dtype;
  const bool is_sum = op == "cumulative_sum";
  std::vector<int64_t> lines = x.shape;
  lines[ax] = 1;
  for (const auto& base : indices(lines)) {
    long double f = is_sum ? 0 : 1;
    uint64_t u = is_sum ? 0 : 1;
    bool first = true;
    int64_t shift = include_initial ? 1 : 0;
    if (include_initial) {
      std::vector<int64_t> o = base;
      o[ax] = 0;
      ASSERT_TRUE(matches(out, o, Expected{f, u, 0})) << ctx << " (initial)";
    }
    for (int64_t i = 0; i < x.shape[ax]; ++i) {
      std::vector<int64_t> at = base;
      at[ax] = i;
      if (t.is_float()) {
        long double v = round_to(t, x.value(at));
        // Computed as the IR does: 16-bit floats in float32, then rounded.
        if (t == kF64)
          f = first ? v
                    : static_cast<double>(is_sum ? static_cast<double>(f) + static_cast<double>(v)
                                                 : static_cast<double>(f) * static_cast<double>(v));
        else
          f = first ? v
                    : round_to(t, static_cast<float>(is_sum ? static_cast<float>(f) + static_cast<float>(v)
                                                            : static_cast<float>(f) * static_cast<float>(v)));
      } else if (t.is_bool()) {
        bool v = x.value(at) != 0;
        u = first ? v : is_sum ? (u || v) : (u && v);
      } else {
        uint64_t v = cast_bits(x, at, t);
        u = first ? v : is_sum ? u + v : u * v;
      }
      first = false;
      std::vector<int64_t> o = base;
      o[ax] = i + shift;
      ASSERT_TRUE(matches(out, o, Expected{f, u, 0})) << ctx;
      if (t.is_float() && f == 0) ASSERT_EQ(std::signbit(out.value(o)), std::signbit(f)) << ctx << " at " << str(o);
    }
  }
}

TEST(Cumulative, SumAndProdEveryAxisAndLayout) {
  uint64_t seed = 100;
  for (const char* op : {"cumulative_sum", "cumulative_prod"}) {
    bool is_sum = std::string(op) == "cumulative_sum";
    for (DataType t : {kF32, kI32, kF16, kU8, kF64, kBool}) {
      bool many = t == kF32 || t == kI32;
      for (const auto& shape :
           std::vector<std::vector<int64_t>>{{}, {0}, {1}, {9}, {4, 0}, {3, 40}, {33, 5}, {2, 3, 17}}) {
        for (Layout layout : {Layout::Contig, Layout::Transposed, Layout::Strided}) {
          if (!many && layout == Layout::Transposed) continue;
          Arr x = make(t, shape, layout, ++seed, is_sum ? Fill::Any : Fill::NearOne);
          const int nd = static_cast<int>(shape.size());
          if (nd <= 1) check_cumulative(op, x, std::nullopt, seed % 2 == 0);
          for (int a = 0; a < nd && (many || nd > 1); ++a)
            check_cumulative(op, x, a == nd - 1 ? -1 : a, (seed + a) % 2 == 1);
          if (::testing::Test::HasFatalFailure()) return;
        }
      }
    }
  }
}

TEST(Cumulative, DtypesInPlaceAndErrors) {
  Arr small = make(kI8, {4, 30}, Layout::Contig, 41);
  check_cumulative("cumulative_sum", small, 1, false);      // int64 result
  check_cumulative("cumulative_sum", small, 0, true, kI8);  // wraps in int8
  check_cumulative("cumulative_prod", make(kU16, {25}, Layout::Contig, 42), 0, true);
  check_cumulative("cumulative_sum", make(kF32, {50}, Layout::Contig, 43), 0, false, kF64);
  check_cumulative("cumulative_sum", make(kF32, {5, 2100}, Layout::Contig, 45), 0, false);  // column blocks
  check_cumulative("cumulative_prod", make(kF64, {3, 40, 20}, Layout::Contig, 46, Fill::NearOne), 1, true);
  EXPECT_EQ(ops::plan_cumulative("cumulative_sum", small.get(), 0, std::nullopt, false).dtype, kI64);
  EXPECT_EQ(ops::plan_cumulative("cumulative_prod", make(kU8, {3}, Layout::Contig, 1).get(), {}, {}, false).dtype,
            kU64);
  EXPECT_EQ(ops::plan_cumulative("cumulative_sum", small.get(), 1, std::nullopt, true).shape,
            (std::vector<int64_t>{4, 31}));
  // In place (out is x): NumPy allows it; the result is the same.
  Arr x = make(kF64, {5, 6}, Layout::Contig, 44);
  Arr ref(kF64, {5, 6});
  ops::cumulative("cumulative_sum", x.get(), 1, std::nullopt, false, ref.get());
  ops::cumulative("cumulative_sum", x.get(), 1, std::nullopt, false, x.get());
  for (const auto& i : indices({5, 6})) ASSERT_TRUE(matches(x, i, Expected{ref.value(i), 0, 0}));
  expect_error([&] { ops::plan_cumulative("cumulative_sum", x.get(), std::nullopt, std::nullopt, false); },
               OpError::Kind::Value, {"cumulative_sum", "axis"});
  expect_error([&] { ops::plan_cumulative("cumulative_prod", x.get(), 2, std::nullopt, false); }, OpError::Kind::Value,
               {"cumulative_prod", "out of bounds"});
}

// ---- matmul, tensordot, vecdot -------------------------------------------------------------

// Reference contraction: out[o] = sum over pairs (ia, ib) of a[ia] * b[ib].
Expected dot_reference(const Arr& a, const Arr& b,
                       const std::vector<std::pair<std::vector<int64_t>, std::vector<int64_t>>>& terms, DataType t) {
  Expected e;
  if (t.is_float()) {
    long double s = 0, mag = 0;
    for (const auto& [ia, ib] : terms) {
      long double p = round_to(t, a.value(ia)) * round_to(t, b.value(ib));
      s += p;
      mag += std::fabs(p);
    }
    e.value = s;
    long double acc_eps = (t == kF64) ? std::ldexp(1.0L, -52) : std::ldexp(1.0L, -23);
    e.tol = (terms.size() + 2) * acc_eps * mag;
  } else if (t.is_bool()) {
    bool any = false;
    for (const auto& [ia, ib] : terms) any = any || (a.value(ia) != 0 && b.value(ib) != 0);
    e.bits = any;
  } else {
    uint64_t s = 0;
    for (const auto& [ia, ib] : terms) s += cast_bits(a, ia, t) * cast_bits(b, ib, t);
    e.bits = s;
  }
  return e;
}

void check_matmul(Arr a, Arr b) {
  std::string ctx =
      "matmul " + a.dtype.str() + str(a.shape) + str(a.strides) + " @ " + b.dtype.str() + str(b.shape) + str(b.strides);
  ops::OutputPlan plan = ops::plan_matmul(a.get(), b.get());
  Arr out(plan.dtype, plan.shape);
  ops::matmul(a.get(), b.get(), out.get());
  // NumPy's rules, written out: promote 1-D operands, broadcast the batch dimensions.
  std::vector<int64_t> as = a.shape, bs = b.shape;
  if (as.size() == 1) as.insert(as.begin(), 1);
  if (bs.size() == 1) bs.push_back(1);
  const int64_t M = as[as.size() - 2], K = as.back(), N = bs.back();
  const size_t nb = std::max(as.size(), bs.size()) - 2;
  std::vector<int64_t> batch(nb);
  for (size_t d = 0; d < nb; ++d) {
    int64_t ea = d + as.size() - 2 >= nb ? as[d + as.size() - 2 - nb] : 1;
    int64_t eb = d + bs.size() - 2 >= nb ? bs[d + bs.size() - 2 - nb] : 1;
    batch[d] = std::max(ea, eb);
  }
  for (const auto& bi : indices(batch))
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) {
        std::vector<std::pair<std::vector<int64_t>, std::vector<int64_t>>> terms;
        for (int64_t k = 0; k < K; ++k) {
          std::vector<int64_t> ia, ib;
          for (size_t d = 0; d + 2 < as.size(); ++d) {
            size_t bd = d + nb - (as.size() - 2);
            ia.push_back(as[d] == 1 ? 0 : bi[bd]);
          }
          if (a.shape.size() > 1) ia.push_back(i);
          ia.push_back(k);
          for (size_t d = 0; d + 2 < bs.size(); ++d) {
            size_t bd = d + nb - (bs.size() - 2);
            ib.push_back(bs[d] == 1 ? 0 : bi[bd]);
          }
          ib.push_back(k);
          if (b.shape.size() > 1) ib.push_back(j);
          terms.emplace_back(ia, ib);
        }
        std::vector<int64_t> o = bi;
        if (a.shape.size() > 1) o.push_back(i);
        if (b.shape.size() > 1) o.push_back(j);
        ASSERT_TRUE(matches(out, o, dot_reference(a, b, terms, plan.dtype))) << ctx;
      }
}

TEST(Linalg, MatmulShapesAndDtypes) {
  uint64_t seed = 200;
  auto mk = [&](DataType t, std::vector<int64_t> s, Layout l = Layout::Contig) {
    return make(t, s, l, ++seed, Fill::Small);
  };
  for (DataType t : {kF32, kF64}) {
    check_matmul(mk(t, {7}), mk(t, {7}));
    check_matmul(mk(t, {5}), mk(t, {5, 3}));
    check_matmul(mk(t, {4, 6}), mk(t, {6}));
    check_matmul(mk(t, {13, 9}), mk(t, {9, 37}));
    check_matmul(mk(t, {13, 9}, Layout::Transposed), mk(t, {9, 37}, Layout::Strided));
    check_matmul(mk(t, {2, 1, 3, 4}), mk(t, {5, 4, 2}));
    check_matmul(mk(t, {3, 4, 0}), mk(t, {0, 5}));  // K = 0: zeros
    check_matmul(mk(t, {0, 4}), mk(t, {4, 5}));
  }
  check_matmul(make(kF32, {33, 70}, Layout::Contig, 1), make(kF32, {70, 45}, Layout::Contig, 2));  // special values
  for (DataType t : {kF16, kBF16, kI8, kI32, kU8, kI64, kBool}) {
    check_matmul(mk(t, {6, 5}), mk(t, {5, 19}));
    check_matmul(mk(t, {2, 3, 4}, Layout::Strided), mk(t, {4}));
  }
  check_matmul(make(kI32, {9, 17}, Layout::Contig, 3), make(kI32, {17, 4}, Layout::Contig, 4));  // wrapping
  check_matmul(mk(kI8, {4, 3}), mk(kF32, {3, 2}));                                               // mixed: float32
  check_matmul(mk(kU8, {4, 3}), mk(kI8, {3, 5}));                                                // int16
  // Batch axes that do not merge (a sliced batch): looped.
  Arr a = mk(kF64, {3, 4, 5, 6});
  a.shape = {3, 2, 5, 6};
  check_matmul(a, mk(kF64, {6, 2}));
}

TEST(Linalg, MatmulErrors) {
  Arr s(kF32, {}), m(kF32, {3, 4}), v(kF32, {3});
  expect_error([&] { ops::plan_matmul(s.get(), m.get()); }, OpError::Kind::Value,
               {"matmul", "Input operand 0", "enough dimensions"});
  expect_error([&] { ops::plan_matmul(m.get(), v.get()); }, OpError::Kind::Value,
               {"matmul", "mismatch in its core dimension 0"});
  Arr b1(kF32, {2, 3, 4}), b2(kF32, {3, 4, 5});
  expect_error([&] { ops::plan_matmul(b1.get(), b2.get()); }, OpError::Kind::Value, {"matmul", "broadcast"});
  EXPECT_EQ(ops::plan_matmul(v.get(), v.get()).shape, std::vector<int64_t>{});
  Arr i8(kI8, {3}), u8(kU8, {3});
  EXPECT_EQ(ops::plan_matmul(i8.get(), u8.get()).dtype, kI16);
}

void check_tensordot(Arr a, Arr b, const std::vector<int>& axes_a, const std::vector<int>& axes_b) {
  std::string ctx =
      "tensordot " + str(a.shape) + str(a.strides) + " " + str(b.shape) + " axes " + str(axes_a) + str(axes_b);
  ops::OutputPlan plan = ops::plan_tensordot(a.get(), b.get(), axes_a, axes_b);
  Arr out(plan.dtype, plan.shape);
  ops::tensordot(a.get(), b.get(), axes_a, axes_b, out.get());
  const int na = static_cast<int>(a.shape.size()), nb = static_cast<int>(b.shape.size());
  std::vector<bool> sa(na), sb(nb);
  std::vector<int64_t> sum_shape;
  for (size_t i = 0; i < axes_a.size(); ++i) {
    sa[(axes_a[i] + na) % na] = true;
    sb[(axes_b[i] + nb) % nb] = true;
    sum_shape.push_back(a.shape[(axes_a[i] + na) % na]);
  }
  for (const auto& o : indices(plan.shape)) {
    std::vector<std::pair<std::vector<int64_t>, std::vector<int64_t>>> terms;
    for (const auto& s : indices(sum_shape)) {
      std::vector<int64_t> ia(na), ib(nb);
      size_t pos = 0;
      for (int d = 0; d < na; ++d)
        if (!sa[d]) ia[d] = o[pos++];
      for (int d = 0; d < nb; ++d)
        if (!sb[d]) ib[d] = o[pos++];
      for (size_t i = 0; i < axes_a.size(); ++i) {
        ia[(axes_a[i] + na) % na] = s[i];
        ib[(axes_b[i] + nb) % nb] = s[i];
      }
      terms.emplace_back(ia, ib);
    }
    ASSERT_TRUE(matches(out, o, dot_reference(a, b, terms, plan.dtype))) << ctx;
  }
}

TEST(Linalg, Tensordot) {
  uint64_t seed = 300;
  auto mk = [&](DataType t, std::vector<int64_t> s, Layout l = Layout::Contig) {
    return make(t, s, l, ++seed, Fill::Small);
  };
  Arr a = mk(kF32, {3, 4, 5}), b = mk(kF32, {4, 5, 2});
  check_tensordot(a, b, {1, 2}, {0, 1});
  check_tensordot(a, b, {2, 1}, {1, 0});  // permuted pairs
  check_tensordot(a, mk(kF32, {3, 2}), {0}, {-2});
  check_tensordot(mk(kF32, {3, 4, 5}, Layout::Strided), mk(kF32, {4, 2}), {1},
                  {0});  // a's free axes do not merge: copied
  check_tensordot(mk(kF64, {3, 4, 5}, Layout::Strided), mk(kF64, {5, 4}, Layout::Transposed), {-1, 1}, {0, 1});
  check_tensordot(mk(kI32, {3, 2}), mk(kI32, {4}), {}, {});  // outer product
  check_tensordot(mk(kBool, {6, 7}), mk(kBool, {7, 3}), {1}, {0});
  Arr x = mk(kF32, {2, 3, 4}), y = mk(kF32, {3, 4, 5});
  ops::OutputPlan p = ops::plan_tensordot(x.get(), y.get(), 2);
  EXPECT_EQ(p.shape, (std::vector<int64_t>{2, 5}));
  Arr out(kF32, {2, 5});
  ops::tensordot(x.get(), y.get(), 2, out.get());
  Arr ref(kF32, {2, 5});
  ops::tensordot(x.get(), y.get(), {1, 2}, {0, 1}, ref.get());
  for (const auto& i : indices({2, 5})) EXPECT_EQ(out.value(i), ref.value(i));
  // A strided output whose axes do not merge: computed compactly, then copied.
  Arr z = mk(kI16, {2, 3, 2}), w = mk(kI16, {2, 3, 4});
  Arr compact(kI16, {2, 2, 2, 4}), strided = make(kI16, {2, 2, 2, 4}, Layout::Strided, 1);
  ops::tensordot(z.get(), w.get(), {1}, {1}, compact.get());
  ops::tensordot(z.get(), w.get(), {1}, {1}, strided.get());
  for (const auto& i : indices({2, 2, 2, 4})) EXPECT_EQ(strided.value(i), compact.value(i));
  check_tensordot(z, w, {1}, {1});
  expect_error([&] { ops::plan_tensordot(x.get(), y.get(), {0}, {0}); }, OpError::Kind::Value,
               {"tensordot", "shape-mismatch"});
  expect_error([&] { ops::plan_tensordot(x.get(), y.get(), 4); }, OpError::Kind::Value, {"tensordot"});
  expect_error(
      [&] {
        ops::plan_tensordot(x.get(), y.get(), {1, 1}, {0, 0});
      },
      OpError::Kind::Value, {"tensordot", "repeated"});
}

void check_vecdot(Arr a, Arr b, int axis) {
  std::string ctx =
      "vecdot " + a.dtype.str() + str(a.shape) + str(a.strides) + " " + str(b.shape) + " axis " + std::to_string(axis);
  ops::OutputPlan plan = ops::plan_vecdot(a.get(), b.get(), axis);
  Arr out(plan.dtype, plan.shape);
  ops::vecdot(a.get(), b.get(), axis, out.get());
  const int na = static_cast<int>(a.shape.size()), nb = static_cast<int>(b.shape.size());
  const int xa = axis < 0 ? axis + na : axis, xb = axis < 0 ? axis + nb : axis;
  for (const auto& o : indices(plan.shape)) {
    // o indexes the broadcast of a and b without their axes, right-aligned.
    std::vector<std::pair<std::vector<int64_t>, std::vector<int64_t>>> terms;
    for (int64_t k = 0; k < a.shape[xa]; ++k) {
      auto pick = [&](const Arr& t, int ax) {
        std::vector<int64_t> idx;
        int rest = static_cast<int>(t.shape.size()) - 1, off = static_cast<int>(o.size()) - rest;
        for (int d = 0, r = 0; d < static_cast<int>(t.shape.size()); ++d) {
          if (d == ax) {
            idx.push_back(k);
            continue;
          }
          idx.push_back(t.shape[d] == 1 ? 0 : o[off + r]);
          ++r;
        }
        return idx;
      };
      terms.emplace_back(pick(a, xa), pick(b, xb));
    }
    ASSERT_TRUE(matches(out, o, dot_reference(a, b, terms, plan.dtype))) << ctx;
  }
}

TEST(Linalg, Vecdot) {
  uint64_t seed = 400;
  auto mk = [&](DataType t, std::vector<int64_t> s, Layout l = Layout::Contig) {
    return make(t, s, l, ++seed, Fill::Small);
  };
  check_vecdot(mk(kF32, {100}), mk(kF32, {100}), -1);
  check_vecdot(mk(kF64, {5, 40}), mk(kF64, {40}), -1);
  check_vecdot(mk(kF32, {3, 1, 7}, Layout::Strided), mk(kF32, {4, 7}), -1);
  check_vecdot(mk(kF64, {6, 40}), mk(kF64, {6, 40}, Layout::Transposed), 0);  // axis 0: columns
  check_vecdot(mk(kI16, {4, 9}), mk(kI16, {4, 9}), 1);
  check_vecdot(mk(kBool, {5, 6}), mk(kBool, {5, 6}), -1);
  check_vecdot(mk(kF16, {3, 0}), mk(kF16, {3, 0}), -1);  // empty sum: zeros
  check_vecdot(mk(kU8, {2, 70}), mk(kI8, {70}), -1);     // int16
  Arr a(kF32, {3, 4}), b(kF32, {3, 5});
  expect_error([&] { ops::plan_vecdot(a.get(), b.get(), -1); }, OpError::Kind::Value, {"vecdot", "mismatch"});
  expect_error([&] { ops::plan_vecdot(a.get(), b.get(), 2); }, OpError::Kind::Value, {"vecdot", "out of bounds"});
}

}  // namespace
}  // namespace tessera
