// The scan of the register-carry and tile-transpose tests (carry_read_back_test.cpp,
// transpose_lane_tiles_test.cpp): out[r, i] = (i == 0 ? 0 : state[row(r), back(i)]) + x[r, i]
// with `state` read back from `out` (lower::ReadBack), float32, the rows split by `split`
// and the scan loop serial between the row blocks (parallel) and the rows of a block, which
// are unrolled (as cumulative_sum's Rows mode), vectorized (its Lanes mode) or left serial.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <string>

#include "tessera/ir/op.h"
#include "tessera/lower/lower.h"
#include "tessera/schedule/schedule.h"
#include "tessera/te/tensor.h"
#include "test_util.h"

namespace tessera::testing {

struct RowScanProgram {
  enum class Rows { Unrolled, Vectorized, Serial };
  using Index = std::function<ir::Expr(ir::Var)>;

  ir::Var rows = te::size_var("rows"), len = te::size_var("len");
  te::Tensor x = te::placeholder({rows, len}, ir::DataType::Float(32), "x");
  te::Tensor state = te::placeholder({rows, len}, ir::DataType::Float(32), "state");
  te::Tensor out;
  schedule::Schedule s;

  static ir::Expr previous(ir::Var i) { return ir::max(i - 1, 0); }
  static ir::Expr same_row(ir::Var r) { return ir::Expr(r); }

  explicit RowScanProgram(int split, Rows kind = Rows::Unrolled, const Index& back = previous,
                          const Index& row = same_row)
      : out(te::compute(
            {rows, len},
            [&](ir::Var r, ir::Var i) {
              return ir::select(i == 0, ir::make_const(ir::DataType::Float(32), 0.0), state(row(r), back(i))) +
                     x(r, i);
            },
            "out")),
        s(schedule::create_schedule({out})) {
    auto [ro, ri] = s[out].split(s[out].axis()[0], split);
    s[out].reorder({ro, s[out].axis()[1], ri}).parallel(ro);
    if (kind == Rows::Unrolled) s[out].unroll(ri);
    if (kind == Rows::Vectorized) s[out].vectorize(ri);
  }

  std::vector<lower::Arg> args() const { return {x, out, lower::ReadBack{state, out}}; }
};

// Runs k (a RowScanProgram whose state is read `back` steps behind, in its own row) on
// random rows x len and checks every element bit for bit against the sequential loop,
// rounded to float every step; with `interpreted`, the reference interpreter's run too.
inline void expect_row_scan(const Kernel& k, int64_t rows, int64_t len, uint64_t seed, int64_t back = 1,
                            bool interpreted = false) {
  HostArray<float> a({rows, len}), got({rows, len}), interp({rows, len});
  fill_random(a, seed);
  k({a.get(), got.get()});
  std::string error;
  if (interpreted) ASSERT_EQ(interpret(k, {a.get(), interp.get()}, &error), 0) << error;
  std::vector<float> want(a.storage.size());
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t i = 0; i < len; ++i) {
      const int64_t e = r * len + i;
      want[e] = (i == 0 ? 0.0f : want[r * len + std::max<int64_t>(i - back, 0)]) + a.storage[e];
      ASSERT_EQ(std::memcmp(&got.storage[e], &want[e], 4), 0)
          << "rows " << rows << " len " << len << " at " << r << ", " << i << ": " << got.storage[e]
          << " != " << want[e];
      if (interpreted) ASSERT_EQ(std::memcmp(&interp.storage[e], &want[e], 4), 0) << "interpreted, at " << e;
    }
}

}  // namespace tessera::testing
