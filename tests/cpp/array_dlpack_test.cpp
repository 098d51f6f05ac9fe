// DLPack export and import (versioned and legacy): fields, shared memory, read-only flags,
// deleters called exactly once (also on every error path), other devices; and the dtype
// helpers (16-bit float rounding checked exhaustively, casting levels).
#include <cmath>

#include "tessera/runtime/cuda.h"
#include "array_test_util.h"

namespace tessera {
namespace {

using array_testing::expect_error;
using array_testing::expect_values;
using array_testing::values;

// A producer's tensor over its own buffer; counts deleter calls.
template <class Managed>
struct Producer {
  std::vector<float> buffer;
  std::vector<int64_t> shape, strides;
  int deletes = 0;
  Managed managed{};

  Producer(std::vector<float> data, std::vector<int64_t> shp, std::vector<int64_t> str)
      : buffer(std::move(data)), shape(std::move(shp)), strides(std::move(str)) {
    DLTensor& t = managed.dl_tensor;
    t.data = buffer.data();
    t.device = {kDLCPU, 0};
    t.ndim = static_cast<int32_t>(shape.size());
    t.dtype = {kDLFloat, 32, 1};
    t.shape = shape.data();
    t.strides = strides.empty() ? nullptr : strides.data();
    managed.manager_ctx = this;
    managed.deleter = [](Managed* self) { ++static_cast<Producer*>(self->manager_ctx)->deletes; };
    if constexpr (std::is_same_v<Managed, DLManagedTensorVersioned>) managed.version = {1, 0};
  }
};

TEST(ArrayDLPack, ExportDescribesTheViewAndKeepsStorageAlive) {
  DLManagedTensorVersioned* m;
  std::weak_ptr<Storage> storage;
  {
    Array a = arange(0, 12, 1, int16).reshape({3, 4});
    storage = a.storage();
    Array view = a[{Slice{{}, {}, -1}, Slice{1, {}, 2}}];  // rows reversed, columns 1 and 3
    m = to_dlpack(view);
    EXPECT_EQ(m->version.major, 1u);
    EXPECT_EQ(m->flags, 0u);
    const DLTensor& t = m->dl_tensor;
    EXPECT_EQ(t.ndim, 2);
    EXPECT_EQ(t.dtype.code, kDLInt);
    EXPECT_EQ(t.dtype.bits, 16);
    EXPECT_EQ(t.shape[0], 3);
    EXPECT_EQ(t.shape[1], 2);
    EXPECT_EQ(t.strides[0], -4);
    EXPECT_EQ(t.strides[1], 2);
    EXPECT_EQ(t.byte_offset, 0u);
    EXPECT_EQ(t.data, view.data());
  }
  // The arrays are gone; the exported tensor still owns the memory.
  ASSERT_FALSE(storage.expired());
  const int16_t* p = static_cast<const int16_t*>(m->dl_tensor.data);
  EXPECT_EQ(p[0], 9);   // a[2, 1]
  EXPECT_EQ(p[-4 + 2], 7);  // a[1, 3]
  m->deleter(m);
  EXPECT_TRUE(storage.expired());

  Array ro = zeros({2}).readonly();
  DLManagedTensorVersioned* r = to_dlpack(ro);
  EXPECT_EQ(r->flags & DLPACK_FLAG_BITMASK_READ_ONLY, DLPACK_FLAG_BITMASK_READ_ONLY);
  r->deleter(r);
  DLManagedTensor* legacy = to_dlpack_unversioned(full({}, 2.5, float16));
  EXPECT_EQ(legacy->dl_tensor.ndim, 0);
  EXPECT_EQ(legacy->dl_tensor.dtype.code, kDLFloat);
  legacy->deleter(legacy);
}

TEST(ArrayDLPack, ImportSharesMemoryAndDeletesOnce) {
  Producer<DLManagedTensorVersioned> prod({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, {3, 2}, {1, 3});  // transposed
  prod.managed.dl_tensor.byte_offset = 4;  // starts at element 1
  Array keep;
  {
    Array a = from_dlpack(&prod.managed);
    EXPECT_TRUE(a.writeable());
    expect_values(values(a), {1, 4, 2, 5, 3, 6});
    expect_values(values(sum(a, 0)), {6, 15});
    a[{0, 0}] = 100.0;
    EXPECT_EQ(prod.buffer[1], 100);
    keep = a.T()[1];  // a view outlives `a`
  }
  EXPECT_EQ(prod.deletes, 0);
  expect_values(values(keep), {4, 5, 6});
  keep = Array();
  EXPECT_EQ(prod.deletes, 1);

  Producer<DLManagedTensor> legacy({1, 2, 3, 4}, {2, 2}, {});  // NULL strides: compact
  {
    Array b = from_dlpack(&legacy.managed);
    expect_values(values(b.T()), {1, 3, 2, 4});
    Array c = b * 2;  // a new array; b's memory is released when b goes
  }
  EXPECT_EQ(legacy.deletes, 1);
}

TEST(ArrayDLPack, ReadOnlyImportsRefuseWrites) {
  Producer<DLManagedTensorVersioned> prod({1, 2, 3}, {3}, {1});
  prod.managed.flags = DLPACK_FLAG_BITMASK_READ_ONLY;
  {
    Array a = from_dlpack(&prod.managed);
    EXPECT_FALSE(a.writeable());
    expect_error([&] { a[0] = 5.0; }, Error::Kind::Value, "read-only");
    expect_error([&] { a += 1; }, Error::Kind::Value, "read-only");
    expect_error([&] { a.fill(0); }, Error::Kind::Value, "read-only");
    expect_error([&] { a[{Slice{{}, {}, -1}}].assign(zeros({3})); }, Error::Kind::Value, "read-only");
    expect_values(values(a + 1), {2, 3, 4});
    expect_values(values(a.copy() += 1), {2, 3, 4});
    DLManagedTensorVersioned* again = to_dlpack(a);  // stays read-only when passed on
    EXPECT_NE(again->flags & DLPACK_FLAG_BITMASK_READ_ONLY, 0u);
    again->deleter(again);
  }
  EXPECT_EQ(prod.buffer, (std::vector<float>{1, 2, 3}));
  EXPECT_EQ(prod.deletes, 1);
}

TEST(ArrayDLPack, BadTensorsAreReleasedExactlyOnce) {
  auto expect_rejected = [](auto mutate, Error::Kind kind, const std::string& text) {
    Producer<DLManagedTensorVersioned> prod({1, 2}, {2}, {1});
    mutate(prod.managed);
    expect_error([&] { from_dlpack(&prod.managed); }, kind, text);
    EXPECT_EQ(prod.deletes, 1) << text;
  };
  expect_rejected([](DLManagedTensorVersioned& m) { m.version.major = 2; }, Error::Kind::Value, "major version 2");
  expect_rejected([](DLManagedTensorVersioned& m) { m.dl_tensor.dtype = {kDLComplex, 64, 1}; }, Error::Kind::Type,
                  "unsupported DLPack dtype");
  expect_rejected([](DLManagedTensorVersioned& m) { m.dl_tensor.dtype = {kDLFloat, 32, 4}; }, Error::Kind::Type,
                  "lanes 4");
  expect_rejected([](DLManagedTensorVersioned& m) { m.dl_tensor.ndim = -1; }, Error::Kind::Value, "dimensions");
  expect_rejected([](DLManagedTensorVersioned& m) { m.dl_tensor.data = nullptr; }, Error::Kind::Value, "no data");
  expect_rejected([](DLManagedTensorVersioned& m) { m.dl_tensor.shape[0] = -2; }, Error::Kind::Value, "negative");
  expect_error([] { from_dlpack(static_cast<DLManagedTensorVersioned*>(nullptr)); }, Error::Kind::Value, "null");
  // A null deleter is allowed (nothing to release).
  Producer<DLManagedTensorVersioned> no_deleter({5}, {1}, {1});
  no_deleter.managed.deleter = nullptr;
  EXPECT_EQ(from_dlpack(&no_deleter.managed).item<float>(), 5);
}

TEST(ArrayDLPack, RoundTripAndOtherDevices) {
  Array a = array_testing::random_array(bfloat16, {4, 5}, 1);
  Array b = from_dlpack(to_dlpack(a.T()));
  EXPECT_EQ(b.dtype(), bfloat16);
  expect_values(values(b), values(a.T()));
  b[{0, 0}] = 1.0;  // same memory
  EXPECT_EQ(array_testing::load(a, {0, 0}), 1.0);
  Array c = from_dlpack(to_dlpack_unversioned(a));
  EXPECT_EQ(c.data(), a.data());

  // A CUDA tensor (host memory posing as one): views work without touching memory.
  static float fake_device_memory[16];
  Producer<DLManagedTensorVersioned> gpu({}, {4, 4}, {4, 1});
  gpu.managed.dl_tensor.data = fake_device_memory;
  gpu.managed.dl_tensor.device = {kDLCUDA, 0};
  {
    Array g = from_dlpack(&gpu.managed);
    EXPECT_EQ(g.device().device_type, kDLCUDA);
    EXPECT_EQ((g.T()[{Slice{1, 3}}].shape()), Shape({2, 4}));
    // Operators run on the operands' device; without a driver that is a clear error.
    if (!cuda::available()) {
      try {
        g + 1;
        ADD_FAILURE() << "an operator on a CUDA array ran without a CUDA driver";
      } catch (const std::exception& e) {
        EXPECT_NE(std::string(e.what()).find("libcuda"), std::string::npos) << e.what();
      }
    }
    DLManagedTensorVersioned* out = to_dlpack(g[1]);
    EXPECT_EQ(out->dl_tensor.device.device_type, kDLCUDA);
    EXPECT_EQ(out->dl_tensor.byte_offset, 16u);
    out->deleter(out);
  }
  EXPECT_EQ(gpu.deletes, 1);
}

TEST(ArrayDType, SixteenBitFloatsRoundToNearestEven) {
  for (int exp_bits : {5, 8}) {
    auto encode = exp_bits == 5 ? float16_bits : bfloat16_bits;
    auto decode = exp_bits == 5 ? from_float16_bits : from_bfloat16_bits;
    for (uint32_t bits = 0; bits < 65536; ++bits) {
      double want = array_testing::decode16(static_cast<uint16_t>(bits), exp_bits), got = decode(static_cast<uint16_t>(bits));
      if (std::isnan(want)) {
        ASSERT_TRUE(std::isnan(got));
        ASSERT_TRUE(std::isnan(decode(encode(want))));
        continue;
      }
      ASSERT_EQ(got, want) << bits;
      ASSERT_EQ(encode(want), want == 0 && bits == 0x8000 ? 0x8000 : bits) << bits;
    }
    // Random doubles: the nearest of the two neighbours, ties to the even pattern.
    std::mt19937_64 rng(exp_bits);
    for (int i = 0; i < 200000; ++i) {
      double v = std::ldexp(std::uniform_real_distribution<double>(-1, 1)(rng), static_cast<int>(rng() % 40) - 30);
      uint16_t b = encode(v);
      double r = decode(b);
      if (std::isinf(r)) continue;
      for (int step : {-1, 1}) {
        double n = array_testing::decode16(static_cast<uint16_t>(b + step), exp_bits);
        if (std::isnan(n) || (b & 0x7FFF) == 0) continue;
        ASSERT_TRUE(std::fabs(r - v) < std::fabs(n - v) || (std::fabs(r - v) == std::fabs(n - v) && (b & 1) == 0))
            << v << " -> " << r << " but " << n;
      }
    }
  }
  EXPECT_EQ(float16_bits(65520.0), 0x7C00);  // halfway above the largest finite value: inf
  EXPECT_EQ(float16_bits(65519.0), 0x7BFF);
  EXPECT_EQ(float16_bits(std::ldexp(1.0, -25)), 0x0000);  // half the smallest subnormal: ties to even (0)
  EXPECT_EQ(float16_bits(std::ldexp(1.5, -25)), 0x0001);
  EXPECT_EQ(float16_bits(-0.0), 0x8000);
}

TEST(ArrayDType, CastingLevelsMatchNumPy) {
  EXPECT_TRUE(can_cast(int8, int16));
  EXPECT_TRUE(can_cast(uint8, int16));
  EXPECT_FALSE(can_cast(int8, uint64));
  EXPECT_TRUE(can_cast(int16, float32));
  EXPECT_FALSE(can_cast(int32, float32));
  EXPECT_TRUE(can_cast(bool_, float16));
  EXPECT_FALSE(can_cast(float16, bfloat16));
  EXPECT_TRUE(can_cast(float16, bfloat16, Casting::SameKind));
  EXPECT_TRUE(can_cast(float64, float16, Casting::SameKind));
  EXPECT_TRUE(can_cast(uint8, int8, Casting::SameKind));
  EXPECT_FALSE(can_cast(int8, uint8, Casting::SameKind));
  EXPECT_FALSE(can_cast(float32, int64, Casting::SameKind));
  EXPECT_FALSE(can_cast(int8, bool_, Casting::SameKind));
  EXPECT_TRUE(can_cast(float64, bool_, Casting::Unsafe));
  EXPECT_FALSE(can_cast(int8, int16, Casting::No));
  for (DataType t : array_testing::all_dtypes()) EXPECT_EQ(from_dl(to_dl(t)), t);
  EXPECT_EQ(int_min(int8), -128);
  EXPECT_EQ(int_max(uint64), ~uint64_t{0});
}

}  // namespace
}  // namespace tessera
