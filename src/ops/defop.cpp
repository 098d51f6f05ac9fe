// The operator registry, variant naming and enumeration, and the dtype rules.
#include "tessera/ops/defop.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "tessera/ir/op.h"

namespace tessera::ops {
namespace {

struct Registry {
  std::mutex mu;
  std::map<std::string, std::unique_ptr<OpDef>> ops;
  // Bumped by every defop: find_op's per-thread memo is valid for one generation.
  std::atomic<uint64_t> generation{0};
  // Replaced definitions stay alive: callers may hold references, and dispatch memoizes by
  // address, so an address is never reused for another definition.
  std::vector<std::unique_ptr<OpDef>> replaced;
};

Registry& registry() {
  static Registry* r = new Registry();  // never destroyed: kernels may outlive static teardown
  return *r;
}

void append_types(std::string* out, const std::vector<DataType>& types) {
  for (size_t i = 0; i < types.size(); ++i) *out += (i ? "_" : "") + types[i].str();
}

bool contains(const DTypeSet& set, DataType t) {
  for (DataType s : set)
    if (s == t) return true;
  return false;
}

}  // namespace

std::string Variant::name(const std::string& op) const {
  std::string s = op + "__";
  append_types(&s, sig.inputs);
  if (sig.compute != sig.inputs) {
    s += "__c_";
    append_types(&s, sig.compute);
  }
  s += "__";
  append_types(&s, sig.outputs);
  s += "__r" + std::to_string(ndim) + (layout == Layout::Contiguous ? "_contig_" : "_strided_") + target;
  for (int64_t a : attrs) s += "_a" + std::to_string(a);
  return s;
}

std::vector<Variant> OpDef::enumerate() const {
  std::vector<Variant> out;
  for (const auto& dtypes : aot_input_dtypes) {
    std::optional<Signature> sig = type_rule(dtypes);
    if (!sig) continue;
    if (aot_variants) {
      for (const Variant& v : aot_variants(*sig))
        if (!valid || valid(v)) out.push_back(v);
      continue;
    }
    for (Layout layout : {Layout::Contiguous, Layout::Strided}) {
      for (int nd : ndims) {
        if (layout == Layout::Contiguous && nd != 1) continue;
        Variant v{*sig, nd, layout, "llvm", {}};
        if (!valid || valid(v)) out.push_back(v);
      }
    }
    // x + scalar and scalar + x: dispatch collapses them to rank 1 with one input
    // broadcast along it (Variant::attrs = {inner-broadcast mask}); with these in the
    // library, arithmetic with Python/C++ scalars needs no JIT.
    if (num_inputs == 2 && auto_broadcast && std::find(ndims.begin(), ndims.end(), 1) != ndims.end())
      for (int64_t mask : {1, 2}) {
        Variant v{*sig, 1, Layout::Strided, "llvm", {mask}};
        if (!valid || valid(v)) out.push_back(v);
      }
  }
  return out;
}

const OpDef& defop(OpDef def) {
  if (def.name.empty()) throw std::invalid_argument("defop: an operator needs a name");
  if (!def.type_rule || !def.generate)
    throw std::invalid_argument("defop " + def.name + ": type_rule and generate are required");
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  auto& slot = r.ops[def.name];
  if (slot) r.replaced.push_back(std::move(slot));
  slot = std::make_unique<OpDef>(std::move(def));
  r.generation.fetch_add(1, std::memory_order_release);
  return *slot;
}

// Lookups by name are on every Array operation's path: a per-thread memo answers them
// without the lock until the next defop.
const OpDef* find_op(const std::string& name) {
  struct Memo {
    uint64_t generation = ~uint64_t{0};
    std::unordered_map<std::string, const OpDef*> ops;
  };
  thread_local Memo memo;
  Registry& r = registry();
  const uint64_t generation = r.generation.load(std::memory_order_acquire);
  if (memo.generation != generation) {
    memo.ops.clear();
    memo.generation = generation;
  }
  if (auto hit = memo.ops.find(name); hit != memo.ops.end()) return hit->second;
  std::lock_guard<std::mutex> lock(r.mu);
  auto it = r.ops.find(name);
  if (it == r.ops.end()) return nullptr;
  memo.ops.emplace(name, it->second.get());
  return it->second.get();
}

std::vector<std::string> list_ops() {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  std::vector<std::string> names;
  for (const auto& [name, def] : r.ops) names.push_back(name);
  return names;
}

DTypeSet integer_types() {
  return {DataType::Int(8), DataType::Int(16), DataType::Int(32), DataType::Int(64),
          DataType::UInt(8), DataType::UInt(16), DataType::UInt(32), DataType::UInt(64)};
}
DTypeSet float_types() { return {DataType::Float(16), DataType::BFloat16(), DataType::Float(32), DataType::Float(64)}; }
DTypeSet numeric_types() {
  DTypeSet s = integer_types();
  for (DataType f : float_types()) s.push_back(f);
  return s;
}
DTypeSet all_types() {
  DTypeSet s = {DataType::Bool()};
  for (DataType t : numeric_types()) s.push_back(t);
  return s;
}
std::vector<int> ranks(int lo, int hi) {
  std::vector<int> r;
  for (int i = lo; i <= hi; ++i) r.push_back(i);
  return r;
}

TypeRule promote_rule(DTypeSet allowed, std::optional<DataType> out) {
  return [allowed, out](const std::vector<DataType>& in) -> std::optional<Signature> {
    if (in.empty()) return std::nullopt;
    DataType t = in[0];
    for (size_t i = 1; i < in.size(); ++i) t = ir::promote_types(t, in[i]);
    for (DataType d : in)
      if (!contains(allowed, d)) return std::nullopt;
    if (!contains(allowed, t)) return std::nullopt;
    return Signature{in, std::vector<DataType>(in.size(), t), {out.value_or(t)}};
  };
}

// NumPy's float for integer inputs of math functions: float16 for 8-bit and bool,
// float32 for 16-bit, float64 for wider.
DataType default_float_for(DataType t) {
  if (t.is_float()) return t;
  if (t.bits <= 8) return DataType::Float(16);
  if (t.bits <= 16) return DataType::Float(32);
  return DataType::Float(64);
}

TypeRule float_rule() {
  return [](const std::vector<DataType>& in) -> std::optional<Signature> {
    if (in.empty()) return std::nullopt;
    // Each input's own float first, then promotion: atan2(int8, uint8) is float16 in NumPy.
    DataType t = default_float_for(in[0]);
    for (size_t i = 1; i < in.size(); ++i) t = ir::promote_types(t, default_float_for(in[i]));
    return Signature{in, std::vector<DataType>(in.size(), t), {t}};
  };
}

}  // namespace tessera::ops
