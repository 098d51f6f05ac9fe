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
// squared (fused multiply-add, see BlockedFold).
// Used by var/std (blocked_var below) and vecdot (reduction_vecdot.cpp) for float32 rows
// reduced along their contiguous last axis (Inner mode, at least one kept axis); the
// caller's output stage runs the rows in parallel and schedule_blocked_rows places the
// stages inside that loop. Errors on hard inputs are well below NumPy's
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
  std::vector<te::Tensor> tail_wide;  // [kept..., W] float64: the terms after them (W lanes)
  std::vector<te::Tensor> tail;       // [kept...] float64: the last (len - whole) % W
  // (In float64 lanes, SumLanes::Float64, there are no blocks: blocks and wide are empty,
  // tail_wide adds all but the last len % W terms, and W is kFloat64Lanes.)
  std::vector<te::Tensor> total;      // [kept...] float64: the lanes added (pairwise)
  Expr value(const std::vector<Expr>& kept, size_t i = 0) const { return total[i](kept) + tail[i](kept); }
};

// Where the terms are added: in float32 blocks (above), or every term widened and added in
// float64 lanes, kFloat64Lanes of them (two AVX-512 vectors, so that consecutive additions
// do not wait on one another). The float64 lanes cost a conversion per term, but the loop is simpler;
// var/std take them (see BlockedVar).
enum class SumLanes : uint8_t { Float32Blocks, Float64 };
constexpr int64_t kFloat64Lanes = 16;

// How a term is added into its float32 block lanes: Sum, or Square (the term's square, by a
// fused multiply-add: one rounding). Terms after the whole blocks are added (or squared) in
// float64.
enum class BlockedFold : uint8_t { Sum, Square };

// term(kept index, position in the row) gives the float32 terms at that position; `len`
// positions per row. kept_shape is the caller's output shape ({1} when nothing is kept).
// row_len(kept), when given, is the length summed in row `kept` (at most len; loops run
// over it, so a row may skip its sum at run time).
using BlockedTerms = std::function<std::vector<Expr>(const std::vector<Expr>& kept, const Expr& pos)>;
using RowLength = std::function<Expr(const std::vector<Expr>& kept)>;
BlockedSum blocked_sum(const std::vector<Expr>& kept_shape, const Expr& len, const BlockedTerms& terms,
                       const std::string& name, const std::vector<BlockedFold>& folds = {},
                       const RowLength& row_len = nullptr, SumLanes lanes = SumLanes::Float32Blocks);

// Computes the sum's stages at loop `axis` of stage `at` (the caller's loop over rows,
// where every kept index is fixed), in local memory.
void schedule_blocked_sum(schedule::Schedule& s, const BlockedSum& b, const schedule::Stage& at,
                          const ir::IterVar& axis);

// The usual caller: `out` (of the kept shape) runs its fused kept loop in parallel, and
// every per-row stage (of the kept shape) and every sum is computed inside it.
void schedule_blocked_rows(schedule::Schedule& s, const std::vector<BlockedSum>& sums, const te::Tensor& out,
                           const std::vector<te::Tensor>& per_row = {});

// The sum of squared deviations of float32 rows, M2 = sum((x - mean)^2), in one pass over
// most rows. (The two-pass algorithm, the mean and then the squares about it, reads each
// row twice, and its second pass, from L1, cost about as much as the first.) The pass is
// shifted by c, a float32 estimate of the mean (the mean of the row's first kShiftTerms
// elements), and adds S = sum(x - c) and Q = sum((x - c)^2) side by side in float64 lanes
// (SumLanes::Float64): per element one float32 subtraction, a conversion, an addition and
// a fused multiply-add. Then M2 = Q - S^2 / n. Its error grows with
// rho = (mean - c)^2 / var (bound in reduction_blocked.cpp), which the pass measures:
// rho = (S^2 / n) / M2. Where it exceeds kMaxShiftRatio, a second pass adds S and Q
// about c2 = float32(c + S / n), the mean to a float32 rounding, as the two-pass algorithm
// would; elsewhere that pass's loops run zero times. Rows of independent data take the
// second pass about 5% of the time (|z| > 2 for the mean of 8 elements); sorted rows always
// do. Measured 2026-11-24 on a Zen 4 VM, in
// float32 blocks: in cache (1024 x 1024, one thread) 0.10 ns per element against 0.095 for
// sum (the two-pass algorithm: 0.18); 4096 x 4096 on two threads 26 GB/s against sum's 28
// (two-pass: 22). On a Zen 5 VM (2026-11-24, bench/results/2026-11-24-vm-s9-notes.md) the
// float32 blocks read rows of 4096 from memory at about 80% of sum's speed and float64 lanes
// at 88-96% (rows of 1024 stay slower: each row's sums wait on its first load; see there).
constexpr int64_t kShiftTerms = 8;
constexpr double kMaxShiftRatio = 0.5;

struct BlockedVar {
  te::Tensor shift;          // [kept...] float32: c
  BlockedSum first;          // (S, Q) about c
  te::Tensor shift2, len2;   // [kept...]: c2, and the second pass's length (0 or the row's)
  BlockedSum second;         // (S, Q) about c2 (zeros where the first pass is kept)
  Expr len;
  Expr m2(const std::vector<Expr>& kept) const;  // float64
  std::vector<BlockedSum> sums() const { return {first, second}; }
  std::vector<te::Tensor> per_row() const { return {shift, shift2, len2}; }
};

// x(kept, pos) reads the row's element at pos, as float32; `len` elements per row.
using RowElement = std::function<Expr(const std::vector<Expr>& kept, const Expr& pos)>;
BlockedVar blocked_var(const std::vector<Expr>& kept_shape, const Expr& len, const RowElement& x);

}  // namespace tessera::ops::reduction_detail
