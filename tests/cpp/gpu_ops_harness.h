// Checks elementwise operators run as CUDA kernels against scalar references: the GPU
// test (gpu_ops_test.cpp) runs them on a device, the emulated test
// (codegen_cuda_emulated_test.cpp) on the CPU through cuda_emulator.h.
//
// A Backend owns "device" memory and runs an operator variant on DLTensors whose device is
// {kDLCUDA, 0}. check() picks the variant as dispatch would (contiguous rank 1 when every
// operand is compact with the output's shape, otherwise the strided variant of the output's
// rank, broadcast dimensions given stride 0), fills the output's storage with a poison
// pattern first, and afterwards compares every element with the reference and checks that
// storage outside the output view still holds the poison.
//
// The references are in gpu_references.h.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <array>
#include <cstring>
#include <functional>
#include <memory>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "gpu_references.h"
#include "ops_elementwise_harness.h"
#include "tessera/ops/defop.h"

namespace tessera::gpu_test {

using ew::Array;
using ew::Num;
using ew::Tol;
using ir::DataType;

class Backend {
 public:
  virtual ~Backend() = default;
  virtual void* alloc(size_t bytes) = 0;
  virtual void release(void* ptr) = 0;
  virtual void upload(void* dst, const void* src, size_t bytes) = 0;
  virtual void download(void* dst, const void* src, size_t bytes) = 0;
  // Runs the variant (compiling it on first use); throws with the kernel's message.
  virtual void run(const ops::OpDef& op, const ops::Variant& v, const std::vector<DLTensor*>& args) = 0;
};

// ---- running and checking ----------------------------------------------------------------------

// A device copy of an Array, viewed through a DLTensor with the given shape and strides.
struct DeviceArray {
  Backend* backend;
  void* data = nullptr;
  std::vector<int64_t> shape, strides;
  DLTensor dl{};
  DeviceArray(Backend* b, const Array& a, std::vector<int64_t> shp, std::vector<int64_t> str)
      : backend(b), shape(std::move(shp)), strides(std::move(str)) {
    data = b->alloc(a.bytes.size());
    b->upload(data, a.bytes.data(), a.bytes.size());
    dl = *const_cast<Array&>(a).get();
    dl.data = data;
    dl.device = {kDLCUDA, 0};
    dl.ndim = static_cast<int32_t>(shape.size());
    dl.shape = shape.data();
    dl.strides = strides.data();
  }
  ~DeviceArray() { backend->release(data); }
  DeviceArray(const DeviceArray&) = delete;
  DeviceArray& operator=(const DeviceArray&) = delete;
};

// Compact strides with out's shape (any offset: dispatch runs those contiguously too).
inline bool compact(const Array& a, const std::vector<int64_t>& out_shape) {
  if (a.shape != out_shape) return false;
  int64_t s = 1;
  for (size_t d = a.shape.size(); d-- > 0;) {
    if (a.shape[d] != 1 && a.strides[d] != s) return false;
    s *= a.shape[d];
  }
  return true;
}

// The strides of `a` broadcast to `shape` (0 along broadcast and missing dimensions).
inline std::vector<int64_t> broadcast_strides(const Array& a, const std::vector<int64_t>& shape) {
  std::vector<int64_t> s(shape.size(), 0);
  size_t lead = shape.size() - a.shape.size();
  for (size_t d = 0; d < a.shape.size(); ++d) s[lead + d] = a.shape[d] == 1 ? 0 : a.strides[d];
  return s;
}

constexpr uint8_t kPoison = 0xA5;

// An array whose view starts `offset` elements into its storage (1-D shapes only).
inline Array offset_array(DataType t, const std::vector<int64_t>& shape, ew::Layout layout, int64_t offset) {
  if (offset == 0 || shape.size() != 1) return Array(t, shape, layout);
  Array a(t, {shape[0] + offset}, layout);
  a.shape = shape;
  a.offset = offset;
  return a;
}

// The variant dispatch would choose: contiguous rank 1 when every operand is compact with
// the output's shape, otherwise the strided variant of the output's rank.
inline ops::Variant variant_for(const ops::Signature& sig, const std::vector<Array*>& ins, const Array& out) {
  bool contiguous = compact(out, out.shape);
  for (Array* a : ins) contiguous = contiguous && compact(*a, out.shape);
  return ops::Variant{sig, contiguous ? 1 : static_cast<int>(out.shape.size()),
                      contiguous ? ops::Layout::Contiguous : ops::Layout::Strided, "cuda", {}};
}

inline std::optional<ops::Signature> signature_of(const std::string& op_name, const std::vector<Array*>& ins) {
  const ops::OpDef* op = ops::find_op(op_name);
  if (!op) return std::nullopt;
  std::vector<DataType> dtypes;
  for (Array* a : ins) dtypes.push_back(a->dt);
  return op->type_rule(dtypes);
}

// Runs `op` (signature from its type rule on the inputs' dtypes) and checks every element.
inline void check(Backend& backend, const std::string& op_name, const RefFn& reference, const Tol& tol,
                  const std::vector<Array*>& ins, ew::Layout out_layout = ew::Layout::Compact,
                  int64_t out_offset = 0) {
  const ops::OpDef* op = ops::find_op(op_name);
  ASSERT_NE(op, nullptr) << op_name;
  std::optional<ops::Signature> sig = signature_of(op_name, ins);
  ASSERT_TRUE(sig.has_value()) << op_name << " refuses " << ins[0]->dt.str();
  std::vector<int64_t> shape = ew::broadcast_shape(ins);
  Array out = offset_array(sig->outputs[0], shape, out_layout, out_offset);
  std::fill(out.bytes.begin(), out.bytes.end(), kPoison);
  ops::Variant v = variant_for(*sig, ins, out);
  const bool contiguous = v.layout == ops::Layout::Contiguous;
  const int64_t numel = out.numel();
  std::vector<std::unique_ptr<DeviceArray>> device;
  auto add = [&](const Array& a, const std::vector<int64_t>& strides) {
    if (contiguous) device.push_back(std::make_unique<DeviceArray>(&backend, a, std::vector<int64_t>{numel}, std::vector<int64_t>{1}));
    else device.push_back(std::make_unique<DeviceArray>(&backend, a, shape, strides));
  };
  for (Array* a : ins) add(*a, broadcast_strides(*a, shape));
  add(out, out.strides);
  std::vector<DLTensor*> args;
  for (auto& d : device) args.push_back(&d->dl);

  std::string sig_text = v.name(op_name) + " shape " + ::testing::PrintToString(shape);
  try {
    backend.run(*op, v, args);
  } catch (const std::exception& e) {
    ADD_FAILURE() << sig_text << " threw: " << e.what();
    return;
  }
  std::vector<uint8_t> before = out.bytes;
  backend.download(out.bytes.data(), device.back()->data, out.bytes.size());

  std::vector<bool> in_view(out.storage_elems(), false);
  int failures = 0;
  for (const auto& idx : ew::indices_of(shape)) {
    int64_t e = out.elem_at(idx);
    in_view[e] = true;
    std::vector<Num> nums;
    for (Array* a : ins) nums.push_back(ew::decode(a->dt, a->raw(a->elem_at(idx))));
    std::optional<uint64_t> expected = op_name == "where" ? where_reference(*sig, nums) : reference(*sig, nums);
    if (!expected) continue;
    uint64_t actual = out.raw(e);
    double scale = 0;
    for (const Num& n : nums)
      if (n.kind == Num::Float && std::isfinite(n.f)) scale = std::max(scale, std::fabs(n.f));
    bool ok = ew::close_enough(out.dt, actual, *expected, tol, scale);
    if (out.dt.is_bool()) ok = ok && actual <= 1;  // written, and as 0 or 1
    if (!ok && ++failures <= 4) {
      std::string in_text;
      for (size_t k = 0; k < nums.size(); ++k) in_text += (k ? ", " : "") + nums[k].str();
      ADD_FAILURE() << sig_text << " at " << ::testing::PrintToString(idx) << ", inputs (" << in_text
                    << "): expected " << ew::decode(out.dt, *expected).str() << ", got "
                    << ew::decode(out.dt, actual).str() << " (raw 0x" << std::hex << actual << std::dec << ")";
    }
  }
  const int bytes = out.dt.bytes();
  for (int64_t e = 0; e < out.storage_elems(); ++e)
    if (!in_view[e] && std::memcmp(&out.bytes[e * bytes], &before[e * bytes], bytes) != 0 && ++failures <= 6)
      ADD_FAILURE() << sig_text << ": storage element " << e << " outside the output view was written";
  if (failures > 4) ADD_FAILURE() << sig_text << ": " << failures << " mismatches in all";
}

// Whether case c applies to inputs of dtype t (its type rule accepts them and its
// reference covers them).
inline bool applies(const OpCase& c, DataType t) {
  const ops::OpDef* op = ops::find_op(c.op);
  if (!op) return false;
  std::optional<ops::Signature> sig = op->type_rule(std::vector<DataType>(c.arity, t));
  if (!sig) return false;
  bool is_float = sig->compute[0].is_float();
  return c.covers == Covers::All || (c.covers == Covers::Floats) == is_float;
}

inline uint64_t seed_for(const std::string& op, DataType t, size_t k) {
  return std::hash<std::string>()(op) ^ (static_cast<uint64_t>(t.code) << 40) ^ (uint64_t{t.bits} << 48) ^
         (k * 0x9E3779B97F4A7C15ull);
}

// One check: a case on inputs of one dtype, given shapes (the last repeats) and layouts.
struct Scenario {
  const OpCase* c;
  DataType t;
  std::vector<std::vector<int64_t>> shapes;
  ew::Layout in_layout = ew::Layout::Compact;
  ew::Layout out_layout = ew::Layout::Compact;
  uint64_t salt = 0;    // varies the random inputs between scenarios of one case
  int64_t offset = 0;   // elements before each 1-D view (misaligns vector accesses)
};

inline std::vector<Array> inputs_of(const Scenario& s) {
  std::vector<Array> arrays;
  for (int k = 0; k < s.c->arity; ++k) {
    arrays.push_back(offset_array(s.t, s.shapes[std::min<size_t>(k, s.shapes.size() - 1)], s.in_layout,
                                  s.offset * (k + 1)));
    ew::fill(arrays.back(), seed_for(s.c->op, s.t, k) ^ s.salt);
  }
  return arrays;
}

inline std::vector<Array*> pointers(std::vector<Array>& arrays) {
  std::vector<Array*> p;
  for (Array& a : arrays) p.push_back(&a);
  return p;
}

// The operator and variant a scenario runs (for backends that compile ahead).
inline std::pair<const ops::OpDef*, ops::Variant> planned(const Scenario& s) {
  std::vector<Array> arrays = inputs_of(s);
  std::vector<Array*> ins = pointers(arrays);
  std::optional<ops::Signature> sig = signature_of(s.c->op, ins);
  Array out = offset_array(sig->outputs[0], ew::broadcast_shape(ins), s.out_layout, s.offset);
  return {ops::find_op(s.c->op), variant_for(*sig, ins, out)};
}

inline void run(Backend& backend, const Scenario& s) {
  std::vector<Array> arrays = inputs_of(s);
  SCOPED_TRACE(s.c->op + " on " + s.t.str());
  check(backend, s.c->op, s.c->reference, s.c->tol, pointers(arrays), s.out_layout, s.offset);
}

// Every case on every dtype it applies to, as contiguous arrays of n elements.
inline std::vector<Scenario> sweep(const std::vector<OpCase>& cases, int64_t n) {
  std::vector<Scenario> out;
  for (const OpCase& c : cases)
    for (DataType t : ir::kAllDTypes)
      if (applies(c, t)) out.push_back({&c, t, {{n}}});
  return out;
}

// Broadcasting, transposed, reversed and step-2 views, 0-d and empty arrays, for a case on
// each dtype in `dtypes` it applies to.
inline std::vector<Scenario> layouts(const OpCase& c, const std::vector<DataType>& dtypes) {
  using L = ew::Layout;
  std::vector<Scenario> out;
  for (DataType t : dtypes) {
    if (!applies(c, t)) continue;
    out.push_back({&c, t, {{7, 1, 5}, {1, 3, 5}, {7, 3, 1}}, L::Compact, L::Compact, 1});  // broadcast rank 3
    out.push_back({&c, t, {{33, 17}}, L::Transposed, L::Compact, 2});
    out.push_back({&c, t, {{6, 5, 4}}, L::Reversed, L::Reversed, 3});
    out.push_back({&c, t, {{301}}, L::Step2, L::Step2, 4});
    out.push_back({&c, t, {{9, 40}}, L::Compact, L::Transposed, 5});
    out.push_back({&c, t, {{}}, L::Compact, L::Compact, 6});   // 0-d
    out.push_back({&c, t, {{0}}, L::Compact, L::Compact, 7});  // empty
    out.push_back({&c, t, {{4, 0, 3}}, L::Compact, L::Transposed, 8});
    out.push_back({&c, t, {{1001}}, L::Compact, L::Compact, 9, 1});  // contiguous, misaligned
  }
  return out;
}

inline const OpCase& find_case(const std::vector<OpCase>& cases, const std::string& op) {
  for (const OpCase& c : cases)
    if (c.op == op) return c;
  throw std::invalid_argument("no reference for " + op);
}

}  // namespace tessera::gpu_test
