// Per-call cost of a small add through the C++ Array API: `c = a + b` on 8 float32 (a new
// result array each call) and `c += b` (in place), beside ops::call on the same data, so
// the Array layer's own share (allocation, operand packing, result planning) is visible.
// Optional argument: an operator library to load (then the kernel comes from it, not the JIT).
#include <cstdio>

#include "bench_util.h"
#include "tessera/array/all.h"
#include "tessera/ops/library.h"
#include "tessera/runtime/library.h"

using namespace tessera;

int main(int argc, char** argv) {
  if (argc > 1) runtime::load_library(argv[1]);
  ops::ensure_registered();
  Array a = asarray(std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8});
  Array b = asarray(std::vector<float>{8, 7, 6, 5, 4, 3, 2, 1});
  Array c = a + b;  // compiles or loads the kernel once
  DLTensor ta = a.dl(), tb = b.dl(), tc = c.dl();
  const ops::OpDef* add = ops::find_op("add");
  const int iters = 100000;
  auto per_call = [&](const std::function<void()>& body) {
    return bench::median_time([&] { for (int i = 0; i < iters; ++i) body(); }, 7, 1) / iters * 1e6;
  };
  double t_call = per_call([&] { ops::call(*add, {&ta, &tb}, {&tc}); });
  double t_array = per_call([&] { c = a + b; });
  double t_inplace = per_call([&] { c += b; });
  std::printf("8 float32, us per call: ops::call %.3f | Array a + b %.3f | Array c += b %.3f\n", t_call, t_array,
              t_inplace);
  return (a + b).to_vector<float>()[0] == 9.0f ? 0 : 1;
}
