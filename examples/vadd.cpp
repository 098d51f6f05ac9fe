// The RFC's vadd, in C++: one kernel per ndim over symbolic shapes, all loops fused and
// run in parallel, broadcasting through stride-0 dimensions. Prints the lowered IR of the
// 2-D kernel and adds a (3, 4) array to a broadcast (1, 4) row.
#include <cstdio>

#include "tessera/build.h"
#include "tessera/ir/printer.h"
#include "tessera/schedule/schedule.h"

using namespace tessera;

Kernel vadd(ir::DataType dtype, int ndim) {
  std::vector<ir::Expr> shape;
  for (int d = 0; d < ndim; ++d) shape.push_back(te::size_var("n" + std::to_string(d)));
  te::Tensor A = te::placeholder(shape, dtype, "A");
  te::Tensor B = te::placeholder(shape, dtype, "B");
  te::Tensor C = te::compute(shape, [&](const std::vector<ir::Var>& i) {
    std::vector<ir::Expr> idx(i.begin(), i.end());
    return A(idx) + B(idx);
  }, "C");
  auto s = schedule::create_schedule({C});
  if (ndim > 0) s[C].parallel(s[C].fuse(s[C].leaf_iter_vars()));
  return build(s, {A, B, C}, "vadd_" + dtype.str() + "_" + std::to_string(ndim));
}

int main() {
  std::vector<Kernel> kernels;
  for (int ndim = 0; ndim < 6; ++ndim) kernels.push_back(vadd(ir::DataType::Float(32), ndim));
  std::printf("%s\n", ir::to_string(kernels[2].lowered().body).c_str());

  float a[12], b[4], c[12];
  for (int i = 0; i < 12; ++i) a[i] = static_cast<float>(i);
  for (int j = 0; j < 4; ++j) b[j] = 100.f * static_cast<float>(j);
  int64_t shape[2] = {3, 4}, a_strides[2] = {4, 1}, b_strides[2] = {0, 1};
  DLTensor ta{a, {kDLCPU, 0}, 2, {kDLFloat, 32, 1}, shape, a_strides, 0};
  DLTensor tb{b, {kDLCPU, 0}, 2, {kDLFloat, 32, 1}, shape, b_strides, 0};
  DLTensor tc{c, {kDLCPU, 0}, 2, {kDLFloat, 32, 1}, shape, a_strides, 0};
  kernels[2]({&ta, &tb, &tc});
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 4; ++j) std::printf("%7.1f", c[i * 4 + j]);
    std::printf("\n");
  }
  return 0;
}
