// Blocked float32 sums: a row of float32 terms summed about as fast as a float32 sum, and
// at least as accurately as NumPy's pairwise float32 sum, for long rows too.
//
// The row is cut into blocks of kBlockLanes * kBlockSteps terms. A vector of kBlockLanes
// float32 lanes adds each block's terms (every lane folds kBlockSteps terms in order), and
// the block's lanes are then widened and added into float64 accumulators; the terms after
// the last whole block are widened one by one (vectors of kWideLanes). Each term thus sees
// at most kBlockSteps float32 roundings (NumPy's pairwise sum: about 16 + log2(n / 128))
// before everything continues in float64, and the float32 steps cost one vector add per
// kBlockLanes terms instead of a conversion and a float64 add per 8.
//
// Several sums of one pass share the loads (a multi-output stage), and a term may be
// squared (fused multiply-add) or summed with Kahan compensation (see BlockedFold).
// Used by var/std (reduction_defs.cpp) and vecdot (reduction_vecdot.cpp) for float32 rows
// reduced along their contiguous last axis (Inner mode, at least one kept axis); the
// caller's output stage runs the rows in parallel and schedule_blocked_sum places the
// stages inside that loop. Measured on Zen 4 (2026-11-24): var(axis=1) of 4096 x 4096
// float32 from 60% to about 80% of copy bandwidth; errors on hard inputs well below NumPy's
// (tests/python/test_blocked_sum_accuracy.py).
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "tessera/build.h"
#include "tessera/ops/dispatch.h"

namespace tessera::ops::reduction_detail {

constexpr int64_t kBlockLanes = 64;  // float32 lanes of a block step (four AVX-512 vectors)
constexpr int64_t kBlockSteps = 8;   // terms each lane folds in float32
constexpr int64_t kWideLanes = 8;    // float64 lanes the blocks are added into

// The stages of blocked sums over kept rows, of one or more terms per position that are
// added side by side in one pass. value(k, i) is the float64 sum of term i over row k.
// Each stage holds one tensor per term (a multi-output stage).
struct BlockedSum {
  std::vector<te::Tensor> blocks;     // [kept..., len / B, kBlockLanes] float32: whole blocks
  std::vector<te::Tensor> wide;       // [kept..., kWideLanes] float64: the blocks' lanes added
  std::vector<te::Tensor> tail_wide;  // [kept..., kWideLanes] float64: the terms after them
  std::vector<te::Tensor> tail;       // [kept...] float64: the last (len - whole) % kWideLanes
  std::vector<te::Tensor> total;      // [kept...] float64: the lanes added
  Expr value(const std::vector<Expr>& kept, size_t i = 0) const { return total[i](kept) + tail[i](kept); }
};

// How a term is added into its float32 block lanes: Sum; Square (the term's square, by a
// fused multiply-add: one rounding); Compensated, a Kahan sum whose running compensation
// (the excess added so far) is the next term, marked Compensation (its source is unused:
// pass 0). The sum of a Compensated term i is then value(k, i) - value(k, i + 1). Terms
// after the whole blocks are added (or squared) in float64.
enum class BlockedFold : uint8_t { Sum, Square, Compensated, Compensation };

// term(kept index, position in the row) gives the float32 terms at that position; `len`
// positions per row. kept_shape is the caller's output shape ({1} when nothing is kept).
using BlockedTerms = std::function<std::vector<Expr>(const std::vector<Expr>& kept, const Expr& pos)>;
BlockedSum blocked_sum(const std::vector<Expr>& kept_shape, const Expr& len, const BlockedTerms& terms,
                       const std::string& name, const std::vector<BlockedFold>& folds = {});

// Computes the sum's stages at loop `axis` of stage `at` (the caller's loop over rows,
// where every kept index is fixed), in local memory.
void schedule_blocked_sum(schedule::Schedule& s, const BlockedSum& b, const schedule::Stage& at,
                          const ir::IterVar& axis);

// The usual caller: `out` (of the kept shape) runs its fused kept loop in parallel, and
// every sum, in order, is computed inside it.
void schedule_blocked_rows(schedule::Schedule& s, const std::vector<BlockedSum>& sums, const te::Tensor& out);

}  // namespace tessera::ops::reduction_detail
