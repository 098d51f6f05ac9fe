// Per-call cost of a small contiguous add: the kernel alone (packed call with argument
// checks) and through ops::call (dtype rules, broadcasting, collapsing, kernel cache).
#include <cstdio>

#include "bench_util.h"
#include "tessera/ops/dispatch.h"
#include "tessera/ops/library.h"

using namespace tessera;

int main() {
  ops::ensure_registered();
  float a[8] = {1, 2, 3, 4, 5, 6, 7, 8}, b[8] = {8, 7, 6, 5, 4, 3, 2, 1}, c[8];
  int64_t shape[1] = {8};
  auto view = [&](float* p) { return DLTensor{p, {kDLCPU, 0}, 1, {kDLFloat, 32, 1}, shape, nullptr, 0}; };
  DLTensor ta = view(a), tb = view(b), tc = view(c);
  const ops::OpDef* add = ops::find_op("add");
  ops::call(*add, {&ta, &tb}, {&tc});  // compile once
  const int iters = 200000;
  double t_call = bench::median_time([&] {
    for (int i = 0; i < iters; ++i) ops::call(*add, {&ta, &tb}, {&tc});
  }, 7, 1) / iters;
  std::printf("ops::call(add) on 8 float32: %.3f us per call (dispatch + kernel)\n", t_call * 1e6);
  return c[0] == 9.0f ? 0 : 1;
}
