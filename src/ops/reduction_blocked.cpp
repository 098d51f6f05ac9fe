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

// Element-wise folds of tuples of values (see BlockedFold). Stages with this combiner are
// only folded in order (never rfactored), so it need not be a sum of its sources.
te::Reducer tuple_sum(const std::vector<BlockedFold>& folds) {
  return te::comm_reducer(
      [folds](const std::vector<Expr>& a, const std::vector<Expr>& b) {
        std::vector<Expr> out;
        for (size_t i = 0; i < a.size(); ++i) {
          switch (folds[i]) {
            case BlockedFold::Sum: out.push_back(a[i] + b[i]); break;
            case BlockedFold::Square:
              out.push_back(ir::CallNode::make(a[i].type(), ir::Intrinsic::Fma, {b[i], b[i], a[i]}));
              break;
            case BlockedFold::Compensated: {  // Kahan: a[i + 1] is the excess added so far
              Expr y = b[i] - a[i + 1], t = a[i] + y;
              out.push_back(t);
              out.push_back((t - a[i]) - y);
              ++i;
              break;
            }
            case BlockedFold::Compensation: throw ir::IRError("blocked_sum: a compensation must follow its sum");
          }
        }
        return out;
      },
      [](const std::vector<DataType>& t) {
        std::vector<Expr> zeros;
        for (const DataType& d : t) zeros.push_back(ir::make_const(d, 0.0));
        return zeros;
      },
      "blocked_sum");
}

std::vector<Expr> cast_all(DataType t, std::vector<Expr> v) {
  for (Expr& e : v) e = ir::cast(t, e);
  return v;
}

// One stage of the sums of every term: body(kept, data-parallel rest) gives the summands
// and their reduction axes.
template <class F>
std::vector<Tensor> sums(std::vector<Expr> shape, size_t rank, const std::vector<BlockedFold>& folds,
                         const std::string& name, F body) {
  return te::compute_multi(
      std::move(shape),
      [&](const std::vector<Var>& idx) {
        auto [values, axes] = body(kept_of(idx, rank), std::vector<Var>(idx.begin() + rank, idx.end()));
        return tuple_sum(folds)(values, axes);
      },
      name);
}

}  // namespace

BlockedSum blocked_sum(const std::vector<Expr>& kept_shape, const Expr& len, const BlockedTerms& terms,
                       const std::string& name, const std::vector<BlockedFold>& fold_terms) {
  const size_t rank = kept_shape.size();
  const size_t count = terms(kept_shape, Expr(int64_t{0})).size();
  // float32 blocks fold as asked; float64 stages add (squares still squared).
  std::vector<BlockedFold> folds = fold_terms, plain(count, BlockedFold::Sum), wide_folds(count, BlockedFold::Sum);
  folds.resize(count, BlockedFold::Sum);
  for (size_t i = 0; i < count; ++i)
    if (folds[i] == BlockedFold::Square) wide_folds[i] = BlockedFold::Square;
  const Expr whole = floordiv(len, kBlock);
  using Axes = std::vector<ir::IterVar>;
  BlockedSum b;
  b.blocks = sums(with(kept_shape, {whole, Expr(kBlockLanes)}), rank, folds, name + ".blocks",
                  [&](const std::vector<Expr>& kept, const std::vector<Var>& rest) {
                    ir::IterVar j = te::reduce_axis(0, Expr(kBlockSteps), "j");
                    Expr pos = rest[0] * kBlock + j->var * kBlockLanes + rest[1];
                    return std::pair{cast_all(kF32, terms(kept, pos)), Axes{j}};
                  });
  // The blocks' lanes q, q + kWideLanes, ... into lane q.
  b.wide = sums(with(kept_shape, {Expr(kWideLanes)}), rank, plain, name + ".wide",
                [&](const std::vector<Expr>& kept, const std::vector<Var>& rest) {
                  ir::IterVar blk = te::reduce_axis(0, whole, "b");
                  ir::IterVar r = te::reduce_axis(0, Expr(kBlockLanes / kWideLanes), "r");
                  std::vector<Expr> values;
                  for (const Tensor& t : b.blocks)
                    values.push_back(ir::cast(kF64, t(with(kept, {blk->var, r->var * kWideLanes + rest[0]}))));
                  return std::pair{values, Axes{blk, r}};
                });
  // After the whole blocks: float64 vectors of kWideLanes terms, then single terms.
  const Expr rest_len = len - whole * kBlock, vectors = floordiv(rest_len, kWideLanes);
  b.tail_wide = sums(with(kept_shape, {Expr(kWideLanes)}), rank, wide_folds, name + ".tail_wide",
                     [&](const std::vector<Expr>& kept, const std::vector<Var>& rest) {
                       ir::IterVar t = te::reduce_axis(0, vectors, "t");
                       Expr pos = whole * kBlock + t->var * kWideLanes + rest[0];
                       return std::pair{cast_all(kF64, terms(kept, pos)), Axes{t}};
                     });
  b.tail = sums(kept_shape, rank, wide_folds, name + ".tail", [&](const std::vector<Expr>& kept, const std::vector<Var>&) {
    ir::IterVar t = te::reduce_axis(0, rest_len - vectors * kWideLanes, "t");
    Expr pos = whole * kBlock + vectors * kWideLanes + t->var;
    return std::pair{cast_all(kF64, terms(kept, pos)), Axes{t}};
  });
  b.total = sums(kept_shape, rank, plain, name, [&](const std::vector<Expr>& kept, const std::vector<Var>&) {
    ir::IterVar q = te::reduce_axis(0, Expr(kWideLanes), "q");
    std::vector<Expr> values;
    for (size_t i = 0; i < count; ++i)
      values.push_back(b.wide[i](with(kept, {q->var})) + b.tail_wide[i](with(kept, {q->var})));
    return std::pair{values, Axes{q}};
  });
  return b;
}

void schedule_blocked_sum(schedule::Schedule& s, const BlockedSum& b, const schedule::Stage& at,
                          const ir::IterVar& axis) {
  for (const Tensor& t : {b.total[0], b.tail[0]}) s[t].compute_at(at, axis).set_scope("local");
  for (const Tensor& wide : {b.wide[0], b.tail_wide[0]}) {
    // (kept..., [block], steps, lanes): vector steps over the float64 lanes.
    schedule::Stage ws = s[wide];
    ws.compute_at(at, axis).set_scope("local");
    const std::vector<ir::IterVar> wa = ws.axis(), wr = ws.reduce_axis();
    std::vector<ir::IterVar> order(wa.begin(), wa.end() - 1);
    order.insert(order.end(), wr.begin(), wr.end());
    order.push_back(wa.back());
    ws.reorder(order).vectorize(wa.back());
  }
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

void schedule_blocked_rows(schedule::Schedule& s, const std::vector<BlockedSum>& sums, const te::Tensor& out) {
  schedule::Stage os = s[out];
  const std::vector<ir::IterVar> kept = os.axis();
  const ir::IterVar rows = kept.size() > 1 ? os.fuse(kept) : kept[0];
  os.parallel(rows);
  for (const BlockedSum& b : sums) schedule_blocked_sum(s, b, os, rows);
}

}  // namespace tessera::ops::reduction_detail
