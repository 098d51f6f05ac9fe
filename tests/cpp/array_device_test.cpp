// Arrays on CUDA devices (tessera/array/device.h): host <-> device copies, operators and
// reductions on device arrays against plain loops on the host values, DLPack of kDLCUDA
// tensors, and the mixed-device errors. GPU tests skip without a driver, a device or
// NVRTC; the error tests run everywhere (a "device" array over host memory is never read).
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "gpu_skip.h"
#include "tessera/array/all.h"
#include "tessera/array/device.h"
#include "tessera/codegen/cuda.h"
#include "tessera/runtime/cuda.h"

namespace tessera {
namespace {

std::vector<double> random_values(size_t n, int seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(-50, 50);
  std::vector<double> v(n);
  for (double& x : v) x = d(rng) / 4.0;  // exact in float16 and float32
  return v;
}

Array host_array(const std::vector<double>& v, const Shape& shape, DataType t) {
  return asarray(v, shape).astype(t);
}

// Memory that claims to be on a CUDA device; only its metadata is used.
Array fake_device_array(const Shape& shape, int device_id = 0) {
  static std::vector<double> backing(64);
  auto storage = Storage::adopt(backing.data(), cuda_device(device_id), [] {}, 64 * 8);
  Shape strides(shape.size(), 1);
  for (size_t d = shape.size(); d-- > 1;) strides[d - 1] = strides[d] * shape[d];
  return Array(storage, float64, shape, strides, 0);
}

template <class F>
Error::Kind error_kind(F&& f, std::string* msg = nullptr) {
  try {
    f();
  } catch (const Error& e) {
    if (msg) *msg = e.what();
    return e.kind();
  }
  ADD_FAILURE() << "no OpError";
  return Error::Kind::Type;
}

// ---- errors that need no GPU -------------------------------------------------------------

TEST(ArrayDeviceErrors, DeviceNames) {
  EXPECT_EQ(device_str(cpu_device()), "cpu");
  EXPECT_EQ(device_str(cuda_device(3)), "cuda:3");
  EXPECT_TRUE(same_device(cuda_device(1), cuda_device(1)));
  EXPECT_FALSE(same_device(cuda_device(1), cuda_device(0)));
}

TEST(ArrayDeviceErrors, MixedDevicesRaise) {
  Array d = fake_device_array({2, 3});
  Array c = zeros({2, 3}, float64);
  std::string msg;
  EXPECT_EQ(error_kind([&] { add(d, c); }, &msg), Error::Kind::Value);
  EXPECT_NE(msg.find("different devices"), std::string::npos) << msg;
  EXPECT_NE(msg.find("cuda:0"), std::string::npos) << msg;
  EXPECT_EQ(error_kind([&] { multiply(c, d); }), Error::Kind::Value);
  EXPECT_EQ(error_kind([&] { add(d, fake_device_array({2, 3}, 1)); }, &msg), Error::Kind::Value);
  EXPECT_NE(msg.find("cuda:1"), std::string::npos) << msg;
  EXPECT_EQ(error_kind([&] { c += d; }), Error::Kind::Value);
  EXPECT_EQ(error_kind([&] { c.assign(d); }), Error::Kind::Value);
}

TEST(ArrayDeviceErrors, HostOnlyFunctionsRaise) {
  Array d = fake_device_array({2, 3});
  std::string msg;
  EXPECT_EQ(error_kind([&] { argsort(d); }, &msg), Error::Kind::Value);
  EXPECT_NE(msg.find("CPU only"), std::string::npos) << msg;
  EXPECT_EQ(error_kind([&] { sort(d); }), Error::Kind::Value);
  EXPECT_EQ(error_kind([&] { searchsorted(zeros({3}, float64), d); }), Error::Kind::Value);
  EXPECT_EQ(error_kind([&] { getitem(d, {AdvancedIndex(asarray(std::vector<int64_t>{0}))}); }), Error::Kind::Value);
}

TEST(ArrayDeviceErrors, UnsupportedDevices) {
  Array c = zeros({2}, float32);
  EXPECT_EQ(error_kind([&] { to_device(c, DLDevice{kDLMetal, 0}); }), Error::Kind::Value);
  EXPECT_EQ(error_kind([&] { empty({2}, float32, DLDevice{kDLVulkan, 0}); }), Error::Kind::Value);
  EXPECT_EQ(error_kind([&] { to_device(c, cuda_device(-1)); }), Error::Kind::Value);
  Array same = to_device(c, cpu_device());
  EXPECT_EQ(same.storage(), c.storage());  // already there: no copy
  EXPECT_NE(to_device(c, cpu_device(), true).storage(), c.storage());
}

TEST(ArrayDeviceErrors, NoGpuIsAClearError) {
  if (cuda::available()) GTEST_SKIP() << "a GPU is present";
  EXPECT_EQ(error_kind([&] { empty({4}, float32, cuda_device(0)); }), Error::Kind::Value);
  EXPECT_EQ(error_kind([&] { to_device(zeros({4}, float32), cuda_device(0)); }), Error::Kind::Value);
}

TEST(ArrayDeviceErrors, DlpackKeepsTheDevice) {
  Array d = fake_device_array({2, 3})[{Slice{}, Slice{1, 3}}];
  DLManagedTensorVersioned* m = to_dlpack(d);
  EXPECT_EQ(m->dl_tensor.device.device_type, kDLCUDA);
  Array back = from_dlpack(m);
  EXPECT_EQ(back.device().device_type, kDLCUDA);
  EXPECT_EQ(back.data(), d.data());
  EXPECT_EQ(back.strides(), d.strides());
}

// ---- on a GPU ----------------------------------------------------------------------------

TEST(ArrayDevice, RoundTripKeepsValues) {
  SKIP_WITHOUT_GPU();
  for (DataType t : {float32, float64, float16, int32, uint8, bool_, int64}) {
    std::vector<double> v = random_values(3 * 5 * 7, 1);
    Array h = host_array(v, {3, 5, 7}, t);
    Array d = to_device(h, cuda_device(0));
    EXPECT_EQ(d.device().device_type, kDLCUDA);
    EXPECT_EQ(d.shape(), h.shape());
    EXPECT_EQ(to_device(d, cpu_device()).to_vector<double>(), h.to_vector<double>()) << t.str();
    // A strided device view copies through a GPU kernel first.
    Array view = d[{Slice{}, Slice{{}, {}, 2}, 3}];
    Array hv = h[{Slice{}, Slice{{}, {}, 2}, 3}];
    EXPECT_EQ(view.to_vector<double>(), hv.to_vector<double>()) << t.str();
  }
}

TEST(ArrayDevice, ElementwiseMatchesHostLoops) {
  SKIP_WITHOUT_GPU();
  std::vector<double> a = random_values(4 * 6, 2), b = random_values(6, 3);
  for (DataType t : {float32, float64, int32, float16}) {
    Array da = to_device(host_array(a, {4, 6}, t), cuda_device(0));
    Array db = to_device(host_array(b, {6}, t), cuda_device(0));
    // Broadcast add, a Python-style weak scalar, and a transposed operand.
    Array sum = add(da, db), scaled = multiply(da, 2), tr = subtract(da.T(), 1);
    EXPECT_EQ(sum.device().device_type, kDLCUDA);
    EXPECT_EQ(sum.dtype(), t);
    std::vector<double> s = sum.to_vector<double>(), m = scaled.to_vector<double>(), r = tr.to_vector<double>();
    auto stored = [&](double x) { return t.is_integer() ? std::trunc(x) : x; };  // astype's rounding
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 6; ++j) {
        const double ai = stored(a[i * 6 + j]), bj = stored(b[j]);
        EXPECT_EQ(s[i * 6 + j], ai + bj) << t.str();
        EXPECT_EQ(m[i * 6 + j], 2 * ai) << t.str();
        EXPECT_EQ(r[j * 4 + i], ai - 1) << t.str();
      }
    Array cmp = less(da, db);
    EXPECT_EQ(cmp.dtype(), bool_);
    EXPECT_EQ(cmp.device().device_type, kDLCUDA);
  }
}

TEST(ArrayDevice, InPlaceAssignAndReductions) {
  SKIP_WITHOUT_GPU();
  std::vector<double> a = random_values(5 * 8, 4);
  Array d = to_device(host_array(a, {5, 8}, float32), cuda_device(0));
  d += 1;
  d[{Slice{}, 0}] = 7;
  std::vector<double> got = d.to_vector<double>();
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 8; ++j) EXPECT_EQ(got[i * 8 + j], j == 0 ? 7.0 : a[i * 8 + j] + 1);
  Array rows = sum(d, Axes(1)), total = max(d);
  EXPECT_EQ(rows.device().device_type, kDLCUDA);
  std::vector<double> r = rows.to_vector<double>();
  for (int i = 0; i < 5; ++i) {
    double ref = 0;
    for (int j = 0; j < 8; ++j) ref += got[i * 8 + j];
    EXPECT_NEAR(r[i], ref, 1e-4);
  }
  double mx = -1e30;
  for (double v : got) mx = std::max(mx, v);
  EXPECT_EQ(total.item<double>(), mx);
  EXPECT_EQ(zeros({3}, int32, cuda_device(0)).to_vector<int32_t>(), std::vector<int32_t>(3, 0));
}

TEST(ArrayDevice, MixedWithCpuArraysRaises) {
  SKIP_WITHOUT_GPU();
  Array d = zeros({3}, float32, cuda_device(0));
  std::string msg;
  EXPECT_EQ(error_kind([&] { add(d, zeros({3}, float32)); }, &msg), Error::Kind::Value);
  EXPECT_NE(msg.find("different devices"), std::string::npos) << msg;
  // A 0-d CPU array is a scalar and moves to the device.
  EXPECT_EQ(add(d, full({}, 2, float32)).to_vector<float>(), std::vector<float>(3, 2.0f));
}

TEST(ArrayDevice, DlpackExportImportIsZeroCopy) {
  SKIP_WITHOUT_GPU();
  Array d = to_device(host_array(random_values(12, 5), {3, 4}, float32), cuda_device(0));
  Array v = d.T();
  DLManagedTensorVersioned* m = to_dlpack(v);
  EXPECT_EQ(m->dl_tensor.device.device_type, kDLCUDA);
  EXPECT_EQ(m->dl_tensor.device.device_id, 0);
  Array back = from_dlpack(m);
  EXPECT_EQ(back.data(), v.data());
  EXPECT_EQ(back.to_vector<float>(), v.to_vector<float>());
}

}  // namespace
}  // namespace tessera
