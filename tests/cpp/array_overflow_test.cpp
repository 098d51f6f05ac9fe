// Arguments whose sizes or indices overflow int64: cumulative sums and products, matmul,
// tensordot and take on broadcast views of 2^80 and more elements (a stride-0 view costs
// nothing to make) and with indices at the ends of the int64/uint64 range. Each must raise
// a clear user error (OpError, a std::invalid_argument), never crash or allocate.
#include <gtest/gtest.h>

#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "array_test_util.h"
#include "tessera/array/all.h"

namespace tessera {
namespace {

using array_testing::expect_error;

constexpr int64_t kBig = int64_t{1} << 40;
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

Array ones_view(const Shape& shape) {  // a broadcast view: one element, any extents
  Array one = asarray(std::vector<float>{1});
  return broadcast_to(one.reshape(Shape(shape.size(), 1)), shape);
}

Array int64s(std::vector<int64_t> v) { return asarray(v); }

struct Row {
  const char* name;
  std::function<void()> call;
  Error::Kind kind;
  const char* text;  // part of the message
};

TEST(ArrayOverflow, Rows) {
  Array v = asarray(std::vector<float>{1, 2, 3});
  const std::vector<Row> rows = {
      {"cumulative_sum of 2^80 elements", [] { cumulative_sum(ones_view({kBig, kBig}), 0); }, Error::Kind::Value,
       "cumulative_sum: array is too big"},
      {"cumulative_prod of 2^80 elements", [] { cumulative_prod(ones_view({kBig, kBig}), 1); }, Error::Kind::Value,
       "cumulative_prod: array is too big"},
      {"cumulative_sum include_initial past INT64_MAX",
       [] { cumulative_sum(ones_view({kMax}), 0, std::nullopt, true); }, Error::Kind::Value, "overflows int64"},
      {"matmul result of 2^120 elements", [] { matmul(ones_view({kBig, kBig, 1}), ones_view({1, kBig})); },
       Error::Kind::Value, "matmul: array is too big"},
      {"matmul batch of 2^80", [] { matmul(ones_view({kBig, kBig, 1, 1}), ones_view({1, 1})); }, Error::Kind::Value,
       "matmul: array is too big"},
      {"tensordot result of 2^120 elements", [] { tensordot(ones_view({kBig, kBig, 1}), ones_view({1, kBig}), 1); },
       Error::Kind::Value, "tensordot: array is too big"},
      {"take index INT64_MAX", [&v] { take(v, int64s({kMax})); }, Error::Kind::Index, "out of bounds"},
      {"take index INT64_MIN", [&v] { take(v, int64s({std::numeric_limits<int64_t>::min()})); }, Error::Kind::Index,
       "out of bounds"},
      {"take index UINT64_MAX", [&v] { take(v, asarray(std::vector<uint64_t>{~uint64_t{0}})); }, Error::Kind::Index,
       "out of bounds"},
      {"take 2^80 indices", [&v] { take(v, broadcast_to(int64s({0}).reshape({1, 1}), {kBig, kBig})); },
       Error::Kind::Value, "take: array is too big"},
      {"take_along_axis index INT64_MAX", [&v] { take_along_axis(v, int64s({kMax}), 0); }, Error::Kind::Index,
       "out of bounds"},
      {"take_along_axis 2^80 indices",
       [] { take_along_axis(ones_view({kBig, 1}), broadcast_to(int64s({0}).reshape({1, 1}), {kBig, kBig}), 1); },
       Error::Kind::Value, "take_along_axis: array is too big"},
      {"vecdot result of 2^80 elements", [] { vecdot(ones_view({kBig, kBig, 2}), ones_view({2})); },
       Error::Kind::Value, "vecdot: array is too big"},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.name);
    expect_error(r.call, r.kind, r.text);
  }
}

}  // namespace
}  // namespace tessera
