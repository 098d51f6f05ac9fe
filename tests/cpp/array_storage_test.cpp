// Dims (an Array's inline shape and strides) against std::vector, Storage's allocation
// (alignment, sizes around the inline threshold, release exactly once), and Arrays built
// on both kinds of storage.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <utility>
#include <vector>

#include "tessera/array/all.h"

namespace tessera {
namespace {

// Dims after a random sequence of edits equals a vector after the same edits.
TEST(ArrayStorage, DimsMatchesVector) {
  std::mt19937 rng(7);
  for (int round = 0; round < 200; ++round) {
    Dims d;
    std::vector<int64_t> v;
    const int steps = static_cast<int>(rng() % 40);
    for (int s = 0; s < steps; ++s) {
      const int64_t x = static_cast<int64_t>(rng() % 1000) - 500;
      switch (rng() % 4) {
        case 0:
        case 1:
          d.push_back(x);
          v.push_back(x);
          break;
        case 2:
          if (!v.empty()) {
            d.pop_back();
            v.pop_back();
          }
          break;
        default: {
          const size_t n = rng() % 20;
          d.resize(n, x);
          v.resize(n, x);
        }
      }
      ASSERT_EQ(d.size(), v.size());
      ASSERT_TRUE(d == v);
      ASSERT_TRUE(std::equal(d.begin(), d.end(), v.begin(), v.end()));
    }
    // Copies and moves, inline (<= kInline) and on the heap alike.
    Dims copy = d;
    ASSERT_TRUE(copy == v);
    Dims moved = std::move(copy);
    ASSERT_TRUE(moved == v);
    EXPECT_TRUE(copy.empty());  // NOLINT: a moved-from Dims is empty
    Dims assigned{1, 2, 3};
    assigned = moved;
    ASSERT_TRUE(assigned == v);
    assigned = Dims(40, 9);
    ASSERT_EQ(assigned.size(), 40u);
    assigned = std::move(moved);
    ASSERT_TRUE(assigned == v);
    // Round trips through Shape.
    Shape back = assigned;
    ASSERT_EQ(back, v);
    Dims from_shape = back;
    ASSERT_TRUE(from_shape == assigned);
  }
}

TEST(ArrayStorage, DimsReadsLikeShape) {
  Dims d{2, 3, 4};
  EXPECT_EQ(d, Shape({2, 3, 4}));
  EXPECT_NE(d, Shape({2, 3}));
  EXPECT_EQ(Shape({2, 3, 4}), d);
  EXPECT_EQ(d.front(), 2);
  EXPECT_EQ(d.back(), 4);
  EXPECT_EQ(std::vector<int64_t>(d.rbegin(), d.rend()), Shape({4, 3, 2}));
  Dims big(Dims::kInline * 3, 5);
  big[0] = 1;
  EXPECT_EQ(big.size(), Dims::kInline * 3);
  EXPECT_EQ(big[0], 1);
  EXPECT_EQ(big[big.size() - 1], 5);
}

TEST(ArrayStorage, AllocateAlignsAndKeepsSize) {
  for (int64_t n : {int64_t{0}, int64_t{1}, int64_t{7}, int64_t{63}, int64_t{64}, int64_t{65}, int64_t{255},
                    Storage::kInlineBytes, Storage::kInlineBytes + 1, int64_t{4096}, int64_t{1} << 20}) {
    std::vector<std::shared_ptr<Storage>> keep;
    for (int i = 0; i < 8; ++i) {
      auto s = Storage::allocate(n);
      ASSERT_EQ(reinterpret_cast<uintptr_t>(s->data()) % 64, 0u) << n;
      ASSERT_EQ(s->nbytes(), n);
      ASSERT_EQ(s->device().device_type, kDLCPU);
      std::memset(s->data(), 0xAB, static_cast<size_t>(std::max<int64_t>(n, 1)));  // all of it is writable
      keep.push_back(std::move(s));
    }
    for (size_t i = 0; i < keep.size(); ++i)  // distinct blocks that do not overlap
      for (size_t j = i + 1; j < keep.size(); ++j) {
        auto a = reinterpret_cast<uintptr_t>(keep[i]->data()), b = reinterpret_cast<uintptr_t>(keep[j]->data());
        const auto len = static_cast<uintptr_t>(std::max<int64_t>(n, 1));
        ASSERT_TRUE(a + len <= b || b + len <= a) << n;
      }
  }
}

// Blocks from 32 MiB on come whole huge pages at a time: 2 MiB aligned, all writable, and
// an Array on one computes like any other (values checked against a plain loop).
TEST(ArrayStorage, LargeBlocksAreHugePageAligned) {
  for (int64_t n : {(int64_t{32} << 20) - 64, int64_t{32} << 20, (int64_t{32} << 20) + 4, int64_t{40} << 20}) {
    auto s = Storage::allocate(n);
    const auto address = reinterpret_cast<uintptr_t>(s->data());
    ASSERT_EQ(address % 64, 0u) << n;
    if (n >= (int64_t{32} << 20)) EXPECT_EQ(address % (uintptr_t{2} << 20), 0u) << n;
    ASSERT_EQ(s->nbytes(), n);
    ASSERT_EQ(s->device().device_type, kDLCPU);
    std::memset(s->data(), 0x5A, static_cast<size_t>(n));
  }
  std::mt19937 rng(11);
  const int64_t n = (int64_t{33} << 20) / 4;  // 33 MiB of float32
  std::vector<float> x(static_cast<size_t>(n));
  for (auto& e : x) e = static_cast<float>(rng() % 1000) / 8.0f;
  Array c = asarray(x) * 2.0f + 1.0f;
  EXPECT_EQ(reinterpret_cast<uintptr_t>(c.data()) % (uintptr_t{2} << 20), 0u);
  std::vector<float> got = c.to_vector<float>();
  for (size_t i = 0; i < x.size(); i += 997) ASSERT_EQ(got[i], x[i] * 2.0f + 1.0f) << i;
  ASSERT_EQ(got.back(), x.back() * 2.0f + 1.0f);
}

// A freed huge block serves the next request of its size (no fresh page faults), and
// blocks of other sizes or still in use are never handed out twice.
TEST(ArrayStorage, FreedHugeBlockIsReused) {
  const int64_t n = int64_t{40} << 20;
  void* first = nullptr;
  {
    auto s = Storage::allocate(n);
    first = s->data();
    std::memset(first, 1, static_cast<size_t>(n));
  }
  auto again = Storage::allocate(n);
  EXPECT_EQ(again->data(), first);
  auto other = Storage::allocate(n + (int64_t{4} << 20));  // another rounded size
  auto second = Storage::allocate(n);                      // the first is still in use
  EXPECT_NE(other->data(), first);
  EXPECT_NE(second->data(), first);
  std::memset(second->data(), 2, static_cast<size_t>(n));
  EXPECT_EQ(static_cast<unsigned char*>(first)[n - 1], 1);  // untouched by the second block
  // Freeing more than the cache keeps runs its eviction (watched by the sanitizer builds).
  for (int i = 0; i < 12; ++i) Storage::allocate(n + (int64_t{i} << 21));
}

TEST(ArrayStorage, WeakPointerOutlivesStorage) {
  std::weak_ptr<Storage> w;
  {
    auto s = Storage::allocate(32);
    w = s;
    EXPECT_FALSE(w.expired());
  }
  EXPECT_TRUE(w.expired());
  EXPECT_EQ(w.lock(), nullptr);
}

TEST(ArrayStorage, AdoptReleasesOnce) {
  int released = 0;
  std::vector<float> memory(12, 1.5f);
  {
    auto s = Storage::adopt(memory.data(), DLDevice{kDLCPU, 0}, [&released] { ++released; },
                            static_cast<int64_t>(memory.size() * sizeof(float)));
    Array a(s, float32, {3, 4}, {4, 1}, 0);
    Array view = a[{Slice{}, 1}];
    s.reset();
    EXPECT_EQ(released, 0);
    a = Array();
    EXPECT_EQ(released, 0);  // the view still holds the memory
    EXPECT_EQ(view.to_vector<float>(), std::vector<float>(3, 1.5f));
  }
  EXPECT_EQ(released, 1);
}

// Arrays on inline (small) and separate (large) storage compute the same as plain loops.
TEST(ArrayStorage, SmallAndLargeArraysAdd) {
  std::mt19937 rng(3);
  for (int64_t n : {int64_t{1}, int64_t{8}, int64_t{63}, int64_t{64}, int64_t{65}, int64_t{1000}}) {
    std::vector<float> x(static_cast<size_t>(n)), y(static_cast<size_t>(n));
    for (auto& e : x) e = static_cast<float>(rng() % 100) / 7.0f;
    for (auto& e : y) e = static_cast<float>(rng() % 100) / 3.0f;
    Array a = asarray(x), b = asarray(y);
    Array c = a + b;
    c += b;
    c -= 1;
    std::vector<float> got = c.to_vector<float>();
    for (size_t i = 0; i < x.size(); ++i) ASSERT_EQ(got[i], x[i] + y[i] + y[i] - 1.0f) << n << " " << i;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(c.data()) % 64, 0u);
  }
}

// More dimensions than Dims holds inline: views, copies and arithmetic still agree with
// index arithmetic done by hand.
TEST(ArrayStorage, ManyDimensions) {
  const Shape shape = {2, 1, 3, 1, 2, 2, 1, 3, 2};  // 9 dims, 144 elements
  std::vector<double> x(144);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<double>(i) * 0.5 - 7;
  Array a = asarray(x).reshape(shape);
  ASSERT_EQ(a.ndim(), 9);
  EXPECT_EQ(a.shape(), shape);
  Array t = a.T();  // strides reversed, heap-held Dims copied through views
  Array twice = t + t;
  Array back = twice.T().copy();
  Array moved = std::move(back);
  ASSERT_EQ(moved.shape(), shape);
  std::vector<double> got = moved.to_vector<double>();
  for (size_t i = 0; i < x.size(); ++i) ASSERT_EQ(got[i], x[i] + x[i]) << i;
  Array flat = moved.reshape({-1});
  flat -= asarray(x);  // (x + x) - x is x exactly for these values
  std::vector<double> diff = flat.to_vector<double>();
  for (size_t i = 0; i < x.size(); ++i) ASSERT_EQ(diff[i], x[i]) << i;
}

}  // namespace
}  // namespace tessera
