// Blocked float32 sums (see reduction_blocked.h).
#include "ops/reduction_blocked.h"

#include "tessera/ir/op.h"

namespace tessera::ops::reduction_detail {

namespace {

using ir::Var;
using te::Tensor;

const DataType kF32 = DataType::Float(32);
const DataType kF64 = DataType::Float(64);
constexpr int64_t kBlock = kBlockLanes * kBlockSteps;

std::vector<Expr> with(std::vector<Expr> kept, std::initializer_list<Expr> more) {
  kept.insert(kept.end(), more);
  return kept;
}

std::vector<Expr> kept_of(const std::vector<Var>& idx, size_t rank) { return {idx.begin(), idx.begin() + rank}; }

// Element-wise folds of tuples of values (see BlockedFold), from `start`. Stages with this
// combiner are only folded in order (never rfactored). A start of -0.0 (the identity of
// addition, unlike 0.0 when x is -0.0) lets LLVM drop the first addition.
te::Reducer tuple_sum(const std::vector<BlockedFold>& folds, double start) {
  return te::comm_reducer(
      [folds](const std::vector<Expr>& a, const std::vector<Expr>& b) {
        std::vector<Expr> out;
        for (size_t i = 0; i < a.size(); ++i)
          out.push_back(folds[i] == BlockedFold::Square
                            ? ir::CallNode::make(a[i].type(), ir::Intrinsic::Fma, {b[i], b[i], a[i]})
                            : a[i] + b[i]);
        return out;
      },
      [start](const std::vector<DataType>& t) {
        std::vector<Expr> zeros;
        for (const DataType& d : t) zeros.push_back(ir::make_const(d, start));
        return zeros;
      },
      "blocked_sum");
}

// Pairwise: a chain of log2(n) additions instead of n - 1 (the loads are independent).
Expr tree_sum(std::vector<Expr> v) {
  while (v.size() > 1) {
    std::vector<Expr> next;
    for (size_t i = 0; i + 1 < v.size(); i += 2) next.push_back(v[i] + v[i + 1]);
    if (v.size() % 2) next.push_back(v.back());
    v = std::move(next);
  }
  return v[0];
}

std::vector<Expr> cast_all(DataType t, std::vector<Expr> v) {
  for (Expr& e : v) e = ir::cast(t, e);
  return v;
}

// One stage of the sums of every term: body(kept, data-parallel rest) gives the summands
// and their reduction axes.
template <class F>
std::vector<Tensor> sums(std::vector<Expr> shape, size_t rank, const std::vector<BlockedFold>& folds,
                         const std::string& name, F body, double start = 0.0) {
  return te::compute_multi(
      std::move(shape),
      [&](const std::vector<Var>& idx) {
        auto [values, axes] = body(kept_of(idx, rank), std::vector<Var>(idx.begin() + rank, idx.end()));
        return tuple_sum(folds, start)(values, axes);
      },
      name);
}

}  // namespace

BlockedSum blocked_sum(const std::vector<Expr>& kept_shape, const Expr& len, const BlockedTerms& terms,
                       const std::string& name, const std::vector<BlockedFold>& fold_terms,
                       const RowLength& row_len, SumLanes layout) {
  const size_t rank = kept_shape.size();
  const bool blocks = layout == SumLanes::Float32Blocks;
  const int64_t wide_lanes = blocks ? kWideLanes : kFloat64Lanes;
  const size_t count = terms(kept_shape, Expr(int64_t{0})).size();
  // The blocks and the terms after them fold as asked; the lanes of blocks add.
  std::vector<BlockedFold> folds = fold_terms, plain(count, BlockedFold::Sum);
  folds.resize(count, BlockedFold::Sum);
  // The blocks' shape: the most any row has (none in float64 lanes).
  const Expr whole = blocks ? floordiv(len, kBlock) : Expr(int64_t{0});
  // Per row: its whole blocks, then the float64 vectors of wide_lanes terms, then the rest.
  struct Parts {
    Expr whole, vectors, singles;
  };
  auto parts = [&](const std::vector<Expr>& kept) {
    Expr m = row_len ? row_len(kept) : len;
    // (min: bound inference then sees that a row's blocks are among the stage's.)
    Expr w = row_len ? ir::min(floordiv(m, kBlock), whole) : whole, rest = m - w * kBlock, v = floordiv(rest, wide_lanes);
    return Parts{w, v, rest - v * wide_lanes};
  };
  using Axes = std::vector<ir::IterVar>;
  BlockedSum b;
  if (blocks) {
    b.blocks = sums(with(kept_shape, {whole, Expr(kBlockLanes)}), rank, folds, name + ".blocks",
                    [&](const std::vector<Expr>& kept, const std::vector<Var>& rest) {
                      ir::IterVar j = te::reduce_axis(0, Expr(kBlockSteps), "j");
                      Expr pos = rest[0] * kBlock + j->var * kBlockLanes + rest[1];
                      return std::pair{cast_all(kF32, terms(kept, pos)), Axes{j}};
                    },
                    -0.0);
    // The blocks' lanes q, q + kWideLanes, ... into lane q.
    b.wide = sums(with(kept_shape, {Expr(kWideLanes)}), rank, plain, name + ".wide",
                  [&](const std::vector<Expr>& kept, const std::vector<Var>& rest) {
                    ir::IterVar blk = te::reduce_axis(0, parts(kept).whole, "b");
                    ir::IterVar r = te::reduce_axis(0, Expr(kBlockLanes / kWideLanes), "r");
                    std::vector<Expr> values;
                    for (const Tensor& t : b.blocks)
                      values.push_back(ir::cast(kF64, t(with(kept, {blk->var, r->var * kWideLanes + rest[0]}))));
                    return std::pair{values, Axes{blk, r}};
                  });
  }
  // After the whole blocks: float64 vectors of wide_lanes terms, then single terms.
  b.tail_wide = sums(with(kept_shape, {Expr(wide_lanes)}), rank, folds, name + ".tail_wide",
                     [&](const std::vector<Expr>& kept, const std::vector<Var>& rest) {
                       Parts p = parts(kept);
                       ir::IterVar t = te::reduce_axis(0, p.vectors, "t");
                       Expr pos = p.whole * kBlock + t->var * wide_lanes + rest[0];
                       return std::pair{cast_all(kF64, terms(kept, pos)), Axes{t}};
                     });
  b.tail = sums(kept_shape, rank, folds, name + ".tail", [&](const std::vector<Expr>& kept, const std::vector<Var>&) {
    Parts p = parts(kept);
    ir::IterVar t = te::reduce_axis(0, p.singles, "t");
    Expr pos = p.whole * kBlock + p.vectors * wide_lanes + t->var;
    return std::pair{cast_all(kF64, terms(kept, pos)), Axes{t}};
  });
  b.total = te::compute_multi(
      kept_shape,
      [&](const std::vector<Var>& idx) {
        std::vector<Expr> kept = kept_of(idx, rank), values;
        for (size_t i = 0; i < count; ++i) {
          std::vector<Expr> lanes;
          for (int64_t q = 0; q < wide_lanes; ++q) {
            Expr lane = b.tail_wide[i](with(kept, {Expr(q)}));
            lanes.push_back(blocks ? b.wide[i](with(kept, {Expr(q)})) + lane : lane);
          }
          values.push_back(tree_sum(lanes));
        }
        return values;
      },
      name);
  return b;
}

void schedule_blocked_sum(schedule::Schedule& s, const BlockedSum& b, const schedule::Stage& at,
                          const ir::IterVar& axis) {
  for (const Tensor& t : {b.total[0], b.tail[0]}) s[t].compute_at(at, axis).set_scope("local");
  std::vector<Tensor> wide_stages = {b.tail_wide[0]};
  if (!b.blocks.empty()) wide_stages.push_back(b.wide[0]);
  for (const Tensor& wide : wide_stages) {
    // (kept..., [block], steps, lanes): vector steps over the float64 lanes.
    schedule::Stage ws = s[wide];
    ws.compute_at(at, axis).set_scope("local");
    const std::vector<ir::IterVar> wa = ws.axis(), wr = ws.reduce_axis();
    std::vector<ir::IterVar> order(wa.begin(), wa.end() - 1);
    order.insert(order.end(), wr.begin(), wr.end());
    order.push_back(wa.back());
    ws.reorder(order).vectorize(wa.back());
  }
  if (b.blocks.empty()) return;
  // A block's float32 lanes are computed inside the loop over blocks, and widened at once.
  schedule::Stage ws = s[b.wide[0]];
  ws.unroll(ws.reduce_axis()[1]);
  schedule::Stage ls = s[b.blocks[0]];
  ls.compute_at(ws, ws.reduce_axis()[0]).set_scope("local");
  const std::vector<ir::IterVar> la = ls.axis();
  std::vector<ir::IterVar> lorder(la.begin(), la.end() - 1);
  lorder.push_back(ls.reduce_axis()[0]);
  lorder.push_back(la.back());
  ls.reorder(lorder).vectorize(la.back()).unroll(ls.reduce_axis()[0]);
}

void schedule_blocked_rows(schedule::Schedule& s, const std::vector<BlockedSum>& sums, const te::Tensor& out,
                           const std::vector<te::Tensor>& per_row) {
  schedule::Stage os = s[out];
  const std::vector<ir::IterVar> kept = os.axis();
  const ir::IterVar rows = kept.size() > 1 ? os.fuse(kept) : kept[0];
  os.parallel(rows);
  for (const te::Tensor& t : per_row) s[t].compute_at(os, rows).set_scope("local");
  for (const BlockedSum& b : sums) schedule_blocked_sum(s, b, os, rows);
}

// Error bound of blocked_var (u = 2^-24, the float32 unit roundoff; rho as in the header).
// With d_i = fl(x_i - c) = (x_i - c)(1 + a_i), |a_i| <= u, the pass computes M2 of the
// data c + d_i, which moved each x_i by at most u |x_i - c|: a relative change of M2 of at
// most 2u sqrt(1 + rho) (Cauchy-Schwarz; sum (x_i - c)^2 = M2 (1 + rho)). The sums run in
// float64 lanes, whose roundings are far below those of float32 blocks; the bound below is
// the looser one for blocks (kBlockSteps = 8 terms per lane in float32), which covers them:
// Q (positive terms) is good to 8u Q = 8u M2 (1 + rho), and S to 8u sum |d_i| <=
// 8u sqrt(n Q); then S^2 / n errs by
// 2 |S / n| 8u sqrt(n Q) = 16u M2 sqrt(rho (1 + rho)). Kept where rho <= 1/2 (as computed;
// the true rho differs by O(u)): at most (2.5 + 12 + 14)u, about 14 float32 eps in the
// worst case, and far less in practice (the roundings are not all of one sign: measured
// errors are those of the result's own rounding, under 1 eps, for rho up to 1/2 and means
// 1e5 spreads away). The two-pass bound is about 10u; NumPy's grows with log2(n) and with
// the mean over the spread. Where rho > 1/2, the second pass's c2 misses the mean by a
// float32 rounding of it plus 8u sqrt(1 + rho) sqrt(var), and rho <= n (c is a weighted
// mean of row elements, so (c - mean)^2 <= M2): rho2 is as small as the two-pass
// algorithm's. (When the spread is below an ulp of the mean, rho2 may exceed 1, but then
// each x - c2 is a small multiple of that ulp, exact, and so are the sums.)
BlockedVar blocked_var(const std::vector<Expr>& kept_shape, const Expr& len, const RowElement& x) {
  const size_t rank = kept_shape.size();
  auto kept = [rank](const std::vector<Var>& idx) { return kept_of(idx, rank); };
  BlockedVar v;
  v.len = len;
  const Expr n = ir::cast(kF64, len);
  // c: the mean of the first kShiftTerms elements (the last one repeated in shorter rows),
  // added pairwise (terms scaled first: no overflow); a loop of one step, none when n = 0.
  v.shift = te::compute(
      kept_shape,
      [&](const std::vector<Var>& idx) {
        ir::IterVar once = te::reduce_axis(0, ir::min(len, Expr(int64_t{1})), "once");
        std::vector<Expr> terms;
        for (int64_t i = 0; i < kShiftTerms; ++i)
          terms.push_back(x(kept(idx), ir::min(Expr(i), len - 1) + once->var) * (1.0 / kShiftTerms));
        return te::sum(tree_sum(terms), {once});
      },
      "var.shift");
  auto about = [&](const Tensor& c) {
    return [&x, c](const std::vector<Expr>& k, const Expr& pos) {
      Expr d = x(k, pos) - c(k);
      return std::vector<Expr>{d, d};
    };
  };
  const std::vector<BlockedFold> folds = {BlockedFold::Sum, BlockedFold::Square};
  v.first = blocked_sum(kept_shape, len, about(v.shift), "var.first", folds, nullptr, SumLanes::Float64);
  // Far: the computed rho = (S^2 / n) / (Q - S^2 / n) above kMaxShiftRatio (false for NaN).
  auto far = [&, first = v.first](const std::vector<Expr>& k) {
    Expr s1 = first.value(k, 0), q1 = first.value(k, 1);
    return s1 * s1 * (1 + kMaxShiftRatio) > kMaxShiftRatio * n * q1;
  };
  v.shift2 = te::compute(
      kept_shape,
      [&, first = v.first](const std::vector<Var>& idx) {
        std::vector<Expr> k = kept(idx);
        return ir::cast(kF32, ir::cast(kF64, v.shift(k)) + first.value(k, 0) / n);
      },
      "var.shift2");
  v.len2 = te::compute(
      kept_shape, [&](const std::vector<Var>& idx) { return ir::select(far(kept(idx)), len, ir::make_zero(len.type())); },
      "var.len2");
  v.second = blocked_sum(kept_shape, len, about(v.shift2), "var.second", folds,
                         [len2 = v.len2](const std::vector<Expr>& k) { return len2(k); }, SumLanes::Float64);
  return v;
}

Expr BlockedVar::m2(const std::vector<Expr>& k) const {
  const Expr n = ir::cast(kF64, len);
  auto about = [&](const BlockedSum& b) { return ir::max(b.value(k, 1) - b.value(k, 0) * b.value(k, 0) / n, 0.0); };
  return ir::select(len2(k) > 0, about(second), about(first));
}

}  // namespace tessera::ops::reduction_detail
