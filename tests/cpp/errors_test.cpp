// Valid but unusual kernel arguments that must work. The error cases (invalid schedules,
// bad tensor-expression definitions, lowering arguments and kernel arguments) are rows of
// the bad-input table, tests/cpp/bad_input_table_test.cpp, which also checks that outputs
// stay untouched.
#include <gtest/gtest.h>

#include "tessera/schedule/schedule.h"
#include "test_util.h"

namespace tessera {
namespace {

using ir::DataType;
using schedule::create_schedule;
using te::Tensor;
using testing::HostArray;

class KernelArgs : public ::testing::Test {
 protected:
  void SetUp() override {
    n = te::size_var("n");
    A = te::placeholder({n, 3}, DataType::Float(32), "A");
    B = te::compute({n, 3}, [&](ir::Var i, ir::Var j) { return A(i, j) * 2.0f; }, "B");
    kernel = std::make_unique<Kernel>(build(create_schedule({B}), {A, B}, "twice"));
  }
  ir::Var n;
  Tensor A, B;
  std::unique_ptr<Kernel> kernel;
};

TEST_F(KernelArgs, ZeroSizeAndNullStridesAreFine) {
  HostArray<float> a({0, 3}), b({0, 3});
  (*kernel)({a.get(), b.get()});
  HostArray<float> c({2, 3}), d({2, 3});
  testing::fill_random(c, 5);
  DLTensor cv = *c.get(), dv = *d.get();
  cv.strides = nullptr;  // compact by DLPack convention
  dv.strides = nullptr;
  (*kernel)({&cv, &dv});
  for (size_t i = 0; i < 6; ++i) ASSERT_EQ(d.storage[i], c.storage[i] * 2.0f);
}

// After a rejected call, a good call on the same kernel still works.
TEST_F(KernelArgs, AGoodCallAfterARejectedOneWorks) {
  HostArray<float> a({4, 3}), b({4, 3}), wrong({5, 3});
  testing::fill_random(a, 1);
  EXPECT_THROW((*kernel)({a.get(), wrong.get()}), KernelError);
  (*kernel)({a.get(), b.get()});
  for (size_t i = 0; i < a.storage.size(); ++i) ASSERT_EQ(b.storage[i], a.storage[i] * 2.0f);
}

}  // namespace
}  // namespace tessera
