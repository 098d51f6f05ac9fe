// defop and dispatch: variant naming, broadcasting, collapsing, layouts, errors.
#include <gtest/gtest.h>

#include "tessera/ir/op.h"
#include "tessera/ops/dispatch.h"
#include "test_util.h"

namespace tessera {
namespace {

using ir::DataType;
using testing::HostArray;

const ops::OpDef& test_add() {
  static const ops::OpDef& def = ops::defop(ops::elementwise(
      "test_add", 2, ops::promote_rule(ops::numeric_types()),
      [](const ops::Values& x, DataType) { return x[0] + x[1]; }));
  return def;
}

TEST(Defop, VariantNamesAreDeterministic) {
  ops::Variant v{{{DataType::Float(32), DataType::Int(8)}, {DataType::Float(32), DataType::Float(32)}, {DataType::Float(32)}},
                 2, ops::Layout::Strided, "llvm", {}};
  EXPECT_EQ(v.name("add"), "add__float32_int8__c_float32_float32__float32__r2_strided_llvm");
  EXPECT_FALSE(test_add().enumerate().empty());
}

TEST(Dispatch, BroadcastCollapseAndMixedDtypes) {
  const ops::OpDef& add = test_add();
  HostArray<float> a({4, 5, 6});
  HostArray<int8_t> b({5, 1});
  HostArray<float> c({4, 5, 6});
  testing::fill_random(a, 1);
  testing::fill_random(b, 2);
  ops::call(add, {a.get(), b.get()}, {c.get()});
  for (const auto& idx : testing::all_indices({4, 5, 6}))
    ASSERT_EQ(c.at(idx), a.at(idx) + static_cast<float>(b.at({idx[1], 0})));
  // Contiguous operands collapse to the rank-1 variant; a transposed one keeps rank 2.
  HostArray<double> x({3, 7}), y({3, 7}), z({3, 7});
  testing::fill_random(x, 3);
  testing::fill_random(y, 4);
  ops::call(add, {x.get(), y.get()}, {z.get()});
  for (size_t i = 0; i < x.storage.size(); ++i) ASSERT_EQ(z.storage[i], x.storage[i] + y.storage[i]);
  HostArray<double> yt = y;
  yt.shape = {3, 7};
  yt.strides = {1, 3};
  ops::call(add, {x.get(), yt.get()}, {z.get()});
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t j = 0; j < 7; ++j) ASSERT_EQ(z.at({i, j}), x.at({i, j}) + y.storage[j * 3 + i]);
}

TEST(Dispatch, InPlaceAndErrors) {
  const ops::OpDef& add = test_add();
  HostArray<int32_t> a({10}), b({10});
  testing::fill_random(a, 5);
  testing::fill_random(b, 6);
  std::vector<int32_t> a0 = a.storage;
  ops::call(add, {a.get(), b.get()}, {a.get()});
  for (int i = 0; i < 10; ++i) ASSERT_EQ(a.storage[i], static_cast<int32_t>(static_cast<uint32_t>(a0[i]) + static_cast<uint32_t>(b.storage[i])));

  HostArray<int32_t> c({3}), d({4}), out({4});
  EXPECT_THROW(ops::call(add, {c.get(), d.get()}, {out.get()}), ops::OpError);
  HostArray<float> wrong({10});
  try {
    ops::call(add, {a.get(), b.get()}, {wrong.get()});
    FAIL();
  } catch (const ops::OpError& e) {
    EXPECT_EQ(e.kind(), ops::OpError::Kind::Type);
    EXPECT_NE(std::string(e.what()).find("test_add"), std::string::npos);
  }
  HostArray<bool> p({10}), q({10}), r({10});
  EXPECT_THROW(ops::call(add, {p.get(), q.get()}, {r.get()}), ops::OpError);  // bool not numeric here
}

// NumPy computes an output that partially overlaps an input as if every input were read
// first: out = a[1:] with inputs a[:-1] and a reversed view of a.
TEST(Dispatch, PartiallyOverlappingOutputGivesNumPysResult) {
  const ops::OpDef& add = test_add();
  const int64_t n = 37;
  HostArray<int64_t> a({n});
  testing::fill_random(a, 7);
  const std::vector<int64_t> a0 = a.storage;
  auto view = [&](int64_t offset, int64_t stride) {
    DLTensor t = *a.get();
    t.shape = new int64_t[1]{n - 1};
    t.strides = new int64_t[1]{stride};
    t.byte_offset = static_cast<uint64_t>(offset) * sizeof(int64_t);
    return t;
  };
  DLTensor head = view(0, 1), reversed = view(n - 1, -1), tail = view(1, 1);
  ops::call(add, {&head, &reversed}, {&tail});
  for (int64_t i = 0; i < n - 1; ++i)
    ASSERT_EQ(a.storage[i + 1], static_cast<int64_t>(static_cast<uint64_t>(a0[i]) + static_cast<uint64_t>(a0[n - 1 - i])))
        << "element " << i + 1;  // wrapping, as the kernel adds
  ASSERT_EQ(a.storage[0], a0[0]);
  for (DLTensor* t : {&head, &reversed, &tail}) {
    delete[] t->shape;
    delete[] t->strides;
  }
}

}  // namespace
}  // namespace tessera
