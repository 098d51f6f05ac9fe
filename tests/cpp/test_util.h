// Test helpers: host arrays exposed as DLTensors (any strides), random data, and running
// a kernel both natively and through the reference interpreter.
#pragma once
#include <cstdint>
#include <cstring>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "tessera/build.h"
#include "tessera/interp/interpreter.h"

namespace tessera::testing {

template <class T>
DLDataType dl_dtype() {
  if constexpr (std::is_same_v<T, bool>) return {kDLBool, 8, 1};
  else if constexpr (std::is_floating_point_v<T>) return {kDLFloat, uint8_t(sizeof(T) * 8), 1};
  else if constexpr (std::is_signed_v<T>) return {kDLInt, uint8_t(sizeof(T) * 8), 1};
  else return {kDLUInt, uint8_t(sizeof(T) * 8), 1};
}

// Owns storage; the DLTensor views it with the given shape/strides/offset (in elements).
template <class T>
struct HostArray {
  // bool elements are stored as bytes (std::vector<bool> has no data()).
  using Elem = std::conditional_t<std::is_same_v<T, bool>, uint8_t, T>;
  std::vector<Elem> storage;
  std::vector<int64_t> shape, strides;
  int64_t offset = 0;
  DLTensor dl{};

  HostArray() = default;
  explicit HostArray(std::vector<int64_t> shp) : shape(std::move(shp)) {
    strides.assign(shape.size(), 1);
    for (size_t d = shape.size(); d-- > 1;) strides[d - 1] = strides[d] * shape[d];
    storage.assign(std::max<int64_t>(1, numel()), Elem{});
    refresh();
  }
  int64_t numel() const {
    return std::accumulate(shape.begin(), shape.end(), int64_t{1}, std::multiplies<>());
  }
  DLTensor* get() {
    refresh();
    return &dl;
  }
  void refresh() {
    dl.data = storage.data();
    dl.device = {kDLCPU, 0};
    dl.ndim = static_cast<int32_t>(shape.size());
    dl.dtype = dl_dtype<T>();
    dl.shape = shape.data();
    dl.strides = strides.data();
    dl.byte_offset = offset * sizeof(T);
  }
  // Element at a multi-index.
  Elem& at(const std::vector<int64_t>& idx) {
    int64_t e = offset;
    for (size_t d = 0; d < idx.size(); ++d) e += idx[d] * strides[d];
    return storage[e];
  }
};

template <class T>
void fill_random(HostArray<T>& a, uint64_t seed, double lo = -10, double hi = 10) {
  std::mt19937_64 rng(seed);
  for (auto& v : a.storage) {
    if constexpr (std::is_same_v<T, bool>) v = rng() & 1;
    else if constexpr (std::is_floating_point_v<T>) v = static_cast<T>(std::uniform_real_distribution<double>(lo, hi)(rng));
    else v = static_cast<typename HostArray<T>::Elem>(rng());
  }
}

// Runs a lowered kernel through the interpreter; returns its status, message in *error.
inline int32_t interpret(const tessera::Kernel& k, const std::vector<KernelArgValue>& args, std::string* error) {
  PackedArgs packed(args);
  return interp::run(k.lowered(), packed.values.data(), packed.codes.data(),
                     static_cast<int32_t>(args.size()), error);
}

// Multi-indices of a shape in row-major order.
inline std::vector<std::vector<int64_t>> all_indices(const std::vector<int64_t>& shape) {
  std::vector<std::vector<int64_t>> out;
  int64_t n = std::accumulate(shape.begin(), shape.end(), int64_t{1}, std::multiplies<>());
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

}  // namespace tessera::testing
