// NEP 50 promotion with weak scalars and can_cast. The expectations are NumPy 2.4's answers
// (np.result_type / array + Python scalar / np.can_cast), written out by hand.
#include <gtest/gtest.h>

#include "tessera/ops/dispatch.h"
#include "tessera/ops/promotion.h"

namespace tessera {
namespace {

using ir::DataType;
using ops::WeakScalar;

DataType with(DataType t, WeakScalar s) { return ops::result_type({t, s}); }

TEST(Promotion, WeakScalarsKeepTheArraysDtypeWithinItsKind) {
  EXPECT_EQ(with(DataType::Int(8), WeakScalar::of(1)), DataType::Int(8));
  EXPECT_EQ(with(DataType::Int(8), WeakScalar::of(-1)), DataType::Int(8));
  EXPECT_EQ(with(DataType::Int(8), WeakScalar::of(true)), DataType::Int(8));
  EXPECT_EQ(with(DataType::UInt(64), WeakScalar::of(300)), DataType::UInt(64));
  EXPECT_EQ(with(DataType::Float(16), WeakScalar::of(1.5)), DataType::Float(16));
  EXPECT_EQ(with(DataType::Float(16), WeakScalar::of(1e300)), DataType::Float(16));
  EXPECT_EQ(with(DataType::BFloat16(), WeakScalar::of(2)), DataType::BFloat16());
  EXPECT_EQ(with(DataType::Float(32), WeakScalar::of(300)), DataType::Float(32));
}

TEST(Promotion, AHigherKindScalarTakesItsDefaultDtype) {
  EXPECT_EQ(with(DataType::Int(8), WeakScalar::of(1.5)), DataType::Float(64));
  EXPECT_EQ(with(DataType::UInt(8), WeakScalar::of(1.5)), DataType::Float(64));
  EXPECT_EQ(with(DataType::Bool(), WeakScalar::of(1)), DataType::Int(64));
  EXPECT_EQ(with(DataType::Bool(), WeakScalar::of(-1)), DataType::Int(64));
  EXPECT_EQ(with(DataType::Bool(), WeakScalar::of(1.5)), DataType::Float(64));
  EXPECT_EQ(with(DataType::Bool(), WeakScalar::of(true)), DataType::Bool());
  EXPECT_EQ(ops::result_type({WeakScalar::of(1), WeakScalar::of(2.0)}), DataType::Float(64));
  EXPECT_EQ(ops::result_type({WeakScalar::of(true)}), DataType::Bool());
}

TEST(Promotion, ArraysPromoteStronglyFirst) {
  EXPECT_EQ(ops::result_type({DataType::Int(8), DataType::UInt(8)}), DataType::Int(16));
  EXPECT_EQ(ops::result_type({DataType::Int(8), DataType::UInt(8), WeakScalar::of(1000)}), DataType::Int(16));
  EXPECT_EQ(ops::result_type({DataType::Int(64), DataType::UInt(64)}), DataType::Float(64));
  EXPECT_EQ(ops::result_type({DataType::Float(16), DataType::BFloat16()}), DataType::Float(32));
  EXPECT_EQ(ops::result_type({DataType::Int(16), DataType::Float(16)}), DataType::Float(32));
}

TEST(Promotion, IntegerScalarsOutOfRangeRaiseOverflow) {
  for (auto [t, v] : std::vector<std::pair<DataType, int64_t>>{
           {DataType::Int(8), 300}, {DataType::Int(8), -129}, {DataType::UInt(8), -1},
           {DataType::UInt(8), 256}, {DataType::UInt(64), -1}, {DataType::Int(16), 40000}}) {
    try {
      with(t, WeakScalar::of(v));
      FAIL() << t.str() << " with " << v;
    } catch (const ops::OpError& e) {
      EXPECT_EQ(e.kind(), ops::OpError::Kind::Overflow);
      EXPECT_NE(std::string(e.what()).find("out of bounds for " + t.str()), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(with(DataType::Int(8), WeakScalar::of(-128)), DataType::Int(8));
  EXPECT_EQ(with(DataType::UInt(8), WeakScalar::of(255)), DataType::UInt(8));
  EXPECT_THROW(ops::result_type({}), ops::OpError);
}

TEST(Promotion, CanCastFollowsNumPysTable) {
  using ops::Casting;
  EXPECT_TRUE(ops::can_cast(DataType::Int(64), DataType::Float(64)));
  EXPECT_TRUE(ops::can_cast(DataType::Int(8), DataType::Float(16)));
  EXPECT_FALSE(ops::can_cast(DataType::Int(16), DataType::Float(16)));
  EXPECT_TRUE(ops::can_cast(DataType::Bool(), DataType::Int(8)));
  EXPECT_FALSE(ops::can_cast(DataType::Float(32), DataType::Int(64)));
  EXPECT_FALSE(ops::can_cast(DataType::Int(8), DataType::UInt(8), Casting::SameKind));
  EXPECT_TRUE(ops::can_cast(DataType::UInt(8), DataType::Int(8), Casting::SameKind));
  EXPECT_TRUE(ops::can_cast(DataType::UInt(64), DataType::Int(64), Casting::SameKind));
  EXPECT_TRUE(ops::can_cast(DataType::Float(64), DataType::Float(16), Casting::SameKind));
  EXPECT_FALSE(ops::can_cast(DataType::Float(32), DataType::Int(64), Casting::SameKind));
  EXPECT_TRUE(ops::can_cast(DataType::Float(32), DataType::Int(64), Casting::Unsafe));
  EXPECT_FALSE(ops::can_cast(DataType::Float(32), DataType::Float(64), Casting::No));
  EXPECT_TRUE(ops::can_cast(DataType::Float(32), DataType::Float(32), Casting::No));
}

}  // namespace
}  // namespace tessera
