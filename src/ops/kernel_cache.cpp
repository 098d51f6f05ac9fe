#include "ops/kernel_cache.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace tessera::ops::detail {
namespace {

// Everything that selects a variant, packed for hashing.
struct Key {
  const OpDef* op;
  uint64_t dtypes;  // (code, bits) of each input and output, 16 bits each
  int32_t ndim;
  Layout layout;
  std::vector<int64_t> attrs;
  std::vector<DataType> extra;  // dtypes beyond what `dtypes` can hold
  bool operator==(const Key&) const = default;
};

struct KeyHash {
  size_t operator()(const Key& k) const {
    size_t h = std::hash<const void*>()(k.op) ^ (k.dtypes * 0x9E3779B97F4A7C15ull);
    h ^= static_cast<size_t>(k.ndim) * 31 + static_cast<size_t>(k.layout);
    for (int64_t a : k.attrs) h = h * 1099511628211ull ^ static_cast<size_t>(a);
    return h;
  }
};

Key make_key(const OpDef& op, const Variant& v) {
  Key k{&op, 0, v.ndim, v.layout, v.attrs, {}};
  int slot = 0;
  auto add = [&](DataType t) {
    if (slot < 4) k.dtypes |= static_cast<uint64_t>((static_cast<int>(t.code) << 8) | t.bits) << (16 * slot++);
    else k.extra.push_back(t);
  };
  for (DataType t : v.sig.inputs) add(t);
  for (DataType t : v.sig.compute) k.extra.push_back(t);
  for (DataType t : v.sig.outputs) add(t);
  return k;
}

struct Cache {
  std::mutex mu;
  std::unordered_map<Key, std::shared_ptr<Kernel>, KeyHash> kernels;
  std::atomic<int64_t> compiled{0};
};

Cache& cache() {
  static Cache* c = new Cache();
  return *c;
}

}  // namespace

const Kernel& kernel_for(const OpDef& op, const Variant& v) {
  Cache& c = cache();
  Key key = make_key(op, v);
  {
    std::lock_guard<std::mutex> lock(c.mu);
    auto it = c.kernels.find(key);
    if (it != c.kernels.end()) return *it->second;
  }
  // Compile outside the lock so other variants proceed; the first thread to insert wins.
  Generated g = op.generate(v);
  lower::LowerOptions lo;
  lo.contiguous = v.layout == Layout::Contiguous;
  BuildOptions opts;
  opts.lower = lo;
  auto k = std::make_shared<Kernel>(build(g.sched, g.args, v.name(op.name), opts));
  ++c.compiled;
  std::lock_guard<std::mutex> lock(c.mu);
  auto [it, inserted] = c.kernels.emplace(std::move(key), std::move(k));
  return *it->second;
}

int64_t compiled_count() { return cache().compiled.load(); }

}  // namespace tessera::ops::detail
