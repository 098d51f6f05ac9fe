// Invalid schedules are refused with a message naming the stage and the axis; kernels
// given bad arguments return an error and write nothing.
#include <gtest/gtest.h>

#include "tessera/schedule/schedule.h"
#include "test_util.h"

namespace tessera {
namespace {

using ir::DataType;
using schedule::create_schedule;
using schedule::ScheduleError;
using te::Tensor;
using testing::HostArray;

// Runs f and returns the ScheduleError message ("" if none was thrown).
template <class F>
std::string schedule_error(F f) {
  try {
    f();
  } catch (const ScheduleError& e) {
    return e.what();
  }
  return "";
}

struct Graph {
  ir::Var n = te::size_var("n"), m = te::size_var("m");
  Tensor A = te::placeholder({n, m}, DataType::Float(32), "A");
  Tensor P = te::compute({n, m}, [&](ir::Var i, ir::Var j) { return A(i, j) + 1.0f; }, "P");
  ir::IterVar k = te::reduce_axis(0, m, "k");
  Tensor S = te::compute({n}, [&](ir::Var i) { return te::sum(P(i, k->var), {k}); }, "S");
  Tensor Q = te::compute({n}, [&](ir::Var i) { return A(i, 0) * 2.0f; }, "Q");
};

TEST(ScheduleErrors, EachInvalidRequestNamesStageAndAxis) {
  Graph g;
  auto s = create_schedule({g.S, g.Q});
  ir::IterVar i = s[g.S].axis()[0];
  auto [io, ii] = s[g.S].split(i, 4);

  auto has = [](const std::string& msg, std::vector<std::string> parts) {
    for (const auto& p : parts)
      if (msg.find(p) == std::string::npos) return ::testing::AssertionFailure() << "'" << msg << "' lacks '" << p << "'";
    return ::testing::AssertionSuccess();
  };
  EXPECT_TRUE(has(schedule_error([&] { s[g.S].split(i, 2); }), {"stage S", "i0", "split"}));
  EXPECT_TRUE(has(schedule_error([&] { s[g.S].vectorize(s[g.S].reduce_axis()[0]); }), {"stage S", "k", "reduction"}));
  EXPECT_TRUE(has(schedule_error([&] { s[g.S].parallel(s[g.S].reduce_axis()[0]); }), {"stage S", "k"}));
  EXPECT_TRUE(has(schedule_error([&] { s[g.S].split(io, 0); }), {"stage S", "positive"}));
  EXPECT_TRUE(has(schedule_error([&] { s[g.S].split(io, -3); }), {"stage S", "positive"}));
  EXPECT_TRUE(has(schedule_error([&] { s[g.S].fuse(ii, io); }), {"stage S", "adjacent"}));
  EXPECT_TRUE(has(schedule_error([&] { s[g.S].fuse(ii, s[g.S].reduce_axis()[0]); }), {"stage S", "reduction"}));
  EXPECT_TRUE(has(schedule_error([&] { s[g.S].reorder({io, io}); }), {"stage S", "twice"}));
  EXPECT_TRUE(has(schedule_error([&] { s[g.S].reorder({s[g.Q].axis()[0]}); }), {"stage S", "does not belong"}));
  EXPECT_TRUE(has(schedule_error([&] { s[g.P].compute_at(s[g.Q], s[g.Q].axis()[0]); }), {"stage P", "does not read"}));
  EXPECT_TRUE(has(schedule_error([&] { s[g.P].compute_at(s[g.S], i); }), {"stage S", "i0"}));
  EXPECT_TRUE(has(schedule_error([&] { s[g.S].compute_inline(); }), {"stage S"}));
  EXPECT_TRUE(has(schedule_error([&] { s[g.Q].compute_at(s[g.S], io); }), {"stage Q", "output"}));
  EXPECT_TRUE(has(schedule_error([&] { s[g.S].bind(io, "threadIdx.w"); }), {"stage S", "threadIdx.w"}));
  EXPECT_TRUE(has(schedule_error([&] { s.rfactor(g.Q, s[g.Q].axis()[0]); }), {"stage Q", "rfactor"}));
  EXPECT_TRUE(has(schedule_error([&] { s.rfactor(g.S, io); }), {"stage S", "not a reduction axis"}));
  EXPECT_TRUE(has(schedule_error([&] { s.cache_write(g.S, "local"); }), {"stage S", "cache_write"}));
  EXPECT_TRUE(has(schedule_error([&] { s[g.P].parallel(io); }), {"stage P", "does not belong"}));
  EXPECT_TRUE(has(schedule_error([&] { s[g.P].set_scope("texture"); }), {"stage P", "texture"}));
}

TEST(ScheduleErrors, ComputeAtIntoStageAlsoReadElsewhereIsRefusedAtLowering) {
  ir::Var n = te::size_var("n");
  Tensor A = te::placeholder({n}, DataType::Float(32), "A");
  Tensor P = te::compute({n}, [&](ir::Var i) { return A(i) + 1.0f; }, "P");
  Tensor C = te::compute({n}, [&](ir::Var i) { return P(i) * 2.0f; }, "C");
  Tensor D = te::compute({n}, [&](ir::Var i) { return P(i) * 3.0f; }, "D");
  auto s = create_schedule({C, D});
  s[P].compute_at(s[C], s[C].axis()[0]);
  std::string msg = schedule_error([&] { build(s, {A, C, D}, "two_consumers"); });
  EXPECT_NE(msg.find("also read by D"), std::string::npos) << msg;
}

TEST(FrontEndErrors, BadDefinitionsThrow) {
  ir::Var n = te::size_var("n");
  Tensor A = te::placeholder({n, n}, DataType::Float(32), "A");
  EXPECT_THROW(A(0), std::invalid_argument);                            // wrong index count
  EXPECT_THROW(A(1.5, 0), std::invalid_argument);                       // float index
  EXPECT_THROW(te::placeholder({-3}, DataType::Float(32), "B"), std::invalid_argument);
  ir::IterVar k = te::reduce_axis(0, n, "k");
  EXPECT_THROW(te::compute({n}, [&](ir::Var i) { return te::sum(A(i, k->var), {k}) + 1.0f; }, "C"),
               std::invalid_argument);  // reduction not at the top
  Tensor C = te::compute({n}, [&](ir::Var i) { return A(i, i); }, "C");
  EXPECT_THROW(lower::lower(create_schedule({C}), {C}, "missing_input"), std::invalid_argument);
}

class KernelArgs : public ::testing::Test {
 protected:
  void SetUp() override {
    n = te::size_var("n");
    A = te::placeholder({n, 3}, DataType::Float(32), "A");
    B = te::compute({n, 3}, [&](ir::Var i, ir::Var j) { return A(i, j) * 2.0f; }, "B");
    kernel = std::make_unique<Kernel>(build(create_schedule({B}), {A, B}, "twice"));
  }
  // Expects the call to fail with a message containing `text` and B untouched.
  void expect_rejected(const std::vector<KernelArgValue>& args, HostArray<float>& out, const std::string& text) {
    std::vector<float> before = out.storage;
    try {
      (*kernel)(args);
      ADD_FAILURE() << "kernel accepted bad arguments (" << text << ")";
    } catch (const KernelError& e) {
      EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("twice"), std::string::npos) << e.what();
    }
    EXPECT_EQ(out.storage, before);
  }
  ir::Var n;
  Tensor A, B;
  std::unique_ptr<Kernel> kernel;
};

TEST_F(KernelArgs, EachViolationIsReported) {
  HostArray<float> a({4, 3}), b({4, 3});
  testing::fill_random(a, 1);
  testing::fill_random(b, 2);
  expect_rejected({a.get()}, b, "argument");                      // count
  expect_rejected({a.get(), int64_t{3}}, b, "tensor");            // kind
  HostArray<float> wrong_ndim({4, 3, 1});
  expect_rejected({wrong_ndim.get(), b.get()}, b, "ndim");
  HostArray<double> wrong_dtype({4, 3});
  expect_rejected({wrong_dtype.get(), b.get()}, b, "float32");
  HostArray<float> wrong_cols({4, 5});
  expect_rejected({wrong_cols.get(), b.get()}, b, "3");
  HostArray<float> wrong_rows({5, 3});
  expect_rejected({wrong_rows.get(), b.get()}, b, "n");
  HostArray<float> on_gpu({4, 3});
  on_gpu.get()->device = {kDLCUDA, 0};
  on_gpu.dl.device = {kDLCUDA, 0};
  DLTensor gpu_view = on_gpu.dl;
  expect_rejected({&gpu_view, b.get()}, b, "device");
  // And a good call still works afterwards.
  (*kernel)({a.get(), b.get()});
  for (size_t i = 0; i < a.storage.size(); ++i) ASSERT_EQ(b.storage[i], a.storage[i] * 2.0f);
}

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

}  // namespace
}  // namespace tessera
