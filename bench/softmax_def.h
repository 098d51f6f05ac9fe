// Softmax over the rows of a matrix as TVM and Halide define it (row max, exp(x - max), row
// sum, divide): the one definition that the CPU peers benchmark (peer_cases.cpp) and the
// GPU benchmark (gpu_bench.cpp) schedule, each in its own way.
#pragma once
#include <cstdint>

#include "tessera/ir/op.h"
#include "tessera/te/tensor.h"

namespace tessera::bench {

struct SoftmaxStages {
  te::Tensor X, rowmax, e, rowsum, Y;
};

inline SoftmaxStages softmax_over_rows(int64_t rows, int64_t cols, ir::DataType t) {
  using ir::Var;
  te::Tensor X = te::placeholder({rows, cols}, t, "X");
  ir::IterVar k1 = te::reduce_axis(0, cols, "k1"), k2 = te::reduce_axis(0, cols, "k2");
  te::Tensor mx = te::compute({rows}, [&](Var i) { return te::max(X(i, k1->var), {k1}); }, "rowmax");
  te::Tensor e = te::compute({rows, cols}, [&](Var i, Var j) { return ir::exp(X(i, j) - mx(i)); }, "e");
  te::Tensor sum = te::compute({rows}, [&](Var i) { return te::sum(e(i, k2->var), {k2}); }, "rowsum");
  te::Tensor Y = te::compute({rows, cols}, [&](Var i, Var j) { return e(i, j) / sum(i); }, "Y");
  return {X, mx, e, sum, Y};
}

}  // namespace tessera::bench
