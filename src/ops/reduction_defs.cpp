// The reduction operators: their dtype rules, their tensor expressions, and their defop
// registration. Schedules live in reduction_schedule.cpp, dispatch in reduction_dispatch.cpp.
//
// A kernel reduces an input viewed as [kept..., reduced...] (dispatch permutes and
// collapses the caller's axes into that form) into an output of the kept shape, or of
// shape {1} when nothing is kept. Every kernel has one or two reduction stages that
// accumulate (in the accumulator dtype, kept in registers or local memory by the schedule)
// and an elementwise stage that turns the accumulator into the result: a cast for sum,
// the division for mean, the index for argmax, and so on.
#include <cmath>

#include "ops/gpu_reduction_schedules.h"
#include "ops/reduction_blocked.h"
#include "ops/reduction_internal.h"
#include "tessera/ir/op.h"

namespace tessera::ops::reduction_detail {

namespace {

using ir::Var;
using te::Tensor;

const DataType kF64 = DataType::Float(64);
const DataType kI64 = DataType::Int(64);

// NumPy's add/multiply reductions of bool and narrow integers use the platform integer.
DataType sum_default(DataType in) {
  if (in.is_bool() || (in.is_int() && in.bits < 64)) return kI64;
  if (in.is_uint() && in.bits < 64) return DataType::UInt(64);
  return in;
}

DataType mean_default(DataType in) { return in.is_float() ? in : kF64; }

// Floats accumulate sums in float64; integers wrap in their own width; bool is logical.
DataType sum_accumulator(DataType t) { return t.is_float() ? kF64 : t; }

struct Stages {
  std::vector<Tensor> reductions;  // accumulator stages, in order
  Tensor out;
  std::vector<lower::Arg> scalars;
  Tensor lane_part;  // argmin/argmax by lanes: the per-lane fold (see ArgKey)
  // count_nonzero of bytes (see build_byte_count): byte counters, their sum per block, tail.
  Tensor byte_counts, block_counts, tail_count;
  std::vector<BlockedSum> blocked;  // float32 var/std of rows (see build_blocked_var)
  std::vector<Tensor> blocked_rows;  // and its stages computed once per row
};

te::Reducer logical_reducer(bool is_and) {
  return te::comm_reducer(
      [is_and](const std::vector<Expr>& a, const std::vector<Expr>& b) {
        return std::vector<Expr>{is_and ? (a[0] && b[0]) : (a[0] || b[0])};
      },
      [is_and](const std::vector<DataType>&) { return std::vector<Expr>{ir::make_bool(is_and)}; },
      is_and ? "all" : "any");
}

// (value, index) reducer: the better value wins, NaN beats everything, ties keep the
// smaller index. The identity's index is the largest int64, so any element replaces it.
te::Reducer arg_reducer(bool is_max, bool is_float) {
  return te::comm_reducer(
      [=](const std::vector<Expr>& a, const std::vector<Expr>& b) {
        Expr better = is_max ? b[0] > a[0] : b[0] < a[0];
        Expr same = b[0] == a[0];
        if (is_float) {
          better = better || (ir::isnan(b[0]) && !ir::isnan(a[0]));
          same = same || (ir::isnan(a[0]) && ir::isnan(b[0]));
        }
        Expr take_b = better || (same && b[1] < a[1]);
        return std::vector<Expr>{ir::select(take_b, b[0], a[0]), ir::select(take_b, b[1], a[1])};
      },
      [=](const std::vector<DataType>& t) {
        Expr worst = t[0].is_float() ? ir::make_const(t[0], is_max ? -HUGE_VAL : HUGE_VAL)
                                     : (is_max ? ir::min_value(t[0]) : ir::max_value(t[0]));
        return std::vector<Expr>{worst, ir::max_value(t[1])};
      },
      is_max ? "argmax" : "argmin");
}

// argmin/argmax with vector lanes (CPU Inner mode, one reduced axis) compare integer keys:
// key(x) orders values as the operator prefers them, equal values (and -0.0, +0.0) get
// equal keys, NaN the largest key, and every key is above the key type's minimum, which
// is the identity. Each lane folds its elements in index order, so a later element wins
// only with a strictly larger key: one compare per step, no tie-break. The lanes are then
// merged with the tie-break (smaller index wins), and the last m % lanes elements, which
// come after all of them, are folded in order and win only with a larger key. A lane
// records the int32 vector step of its best element (dispatch takes another mode when
// m / lanes does not fit in int32), so 16 lanes of indices fill one vector register.
struct ArgKey {
  DataType type;  // int32 or int64

  // nullopt when the element dtype has no key (int64/uint64: no wider integer).
  static std::optional<ArgKey> of(DataType elem) {
    if (elem.is_float()) return ArgKey{elem.bits == 64 ? kI64 : DataType::Int(32)};
    if ((elem.is_int() || elem.is_uint() || elem.is_bool()) && elem.bits <= 32)
      return ArgKey{elem.bits == 32 ? kI64 : DataType::Int(32)};
    return std::nullopt;
  }

  Expr key(const Expr& x, bool is_max) const {
    if (!x.type().is_float()) {
      Expr k = ir::cast(type, x);
      return is_max ? k : ~k;  // ~k = -k - 1 reverses the order and stays above the minimum
    }
    Expr v = x.type().bits == 64 ? x : ir::cast(DataType::Float(32), x);  // float16: exact
    const int64_t top = type.bits - 1;
    Expr b = ir::CallNode::make(type, ir::Intrinsic::Reinterpret, {v});
    // Flip the magnitude bits of negatives: signed order of t is the order of the floats.
    Expr t = b ^ ((b >> top) & ir::max_value(type));
    Expr k = t - (t >> top);  // negatives move up by one, so -0.0 and +0.0 meet at 0
    return ir::select(ir::isnan(v), ir::max_value(type), is_max ? k : ~k);
  }

  // The in-order fold of one lane: (key, index) pairs arrive by increasing index.
  static te::Reducer ordered() {
    return te::comm_reducer(
        [](const std::vector<Expr>& a, const std::vector<Expr>& b) {
          Expr take_b = b[0] > a[0];
          return std::vector<Expr>{ir::select(take_b, b[0], a[0]), ir::select(take_b, b[1], a[1])};
        },
        [](const std::vector<DataType>& t) { return std::vector<Expr>{ir::min_value(t[0]), ir::max_value(t[1])}; },
        "arg_ordered");
  }

  // The merge of lanes: equal keys keep the smaller index.
  static te::Reducer merge() {
    return te::comm_reducer(
        [](const std::vector<Expr>& a, const std::vector<Expr>& b) {
          Expr take_b = b[0] > a[0] || (b[0] == a[0] && b[1] < a[1]);
          return std::vector<Expr>{ir::select(take_b, b[0], a[0]), ir::select(take_b, b[1], a[1])};
        },
        [](const std::vector<DataType>& t) { return std::vector<Expr>{ir::min_value(t[0]), ir::max_value(t[1])}; },
        "arg_merge");
  }
};

// The tensor expressions of one reduction variant.
class ReductionBuilder {
 public:
  ReductionBuilder(const ReduceOpInfo& op, const Variant& v) : op_(op), v_(v) {
    kept_rank_ = static_cast<int>(v.attrs[0]);
    reduced_rank_ = static_cast<int>(v.attrs[1]);
    std::vector<Expr> shape;
    for (int d = 0; d < kept_rank_; ++d) kept_.push_back(te::size_var("n" + std::to_string(d)));
    for (int d = 0; d < reduced_rank_; ++d) reduced_.push_back(te::size_var("m" + std::to_string(d)));
    shape.insert(shape.end(), kept_.begin(), kept_.end());
    shape.insert(shape.end(), reduced_.begin(), reduced_.end());
    x_ = te::placeholder(shape, v.sig.inputs[0], "x");
    out_shape_ = kept_rank_ ? kept_ : std::vector<Expr>{Expr(int64_t{1})};
  }

  Stages build() {
    const DataType elem = v_.sig.compute[0], acc = v_.sig.compute[1], out = v_.sig.outputs[0];
    auto element = [&](const Index& at) { return ir::cast(elem, read(at)); };
    Stages st;
    switch (op_.kind) {
      case ReduceKind::Sum:
      case ReduceKind::Prod: {
        bool is_sum = op_.kind == ReduceKind::Sum;
        Tensor a = reduction("acc", [&](const Index& at, const std::vector<ir::IterVar>& rs) {
          Expr src = ir::cast(acc, element(at));
          if (acc.is_bool()) return logical_reducer(!is_sum)(src, rs);
          return is_sum ? te::sum(src, rs) : te::prod(src, rs);
        });
        st.reductions = {a};
        st.out = finish([&](const std::vector<Expr>& k) { return ir::cast(out, a(k)); });
        break;
      }
      case ReduceKind::Min:
      case ReduceKind::Max: {
        bool is_max = op_.kind == ReduceKind::Max;
        Tensor a = reduction("acc", [&](const Index& at, const std::vector<ir::IterVar>& rs) {
          Expr src = ir::cast(acc, element(at));
          return is_max ? te::max(src, rs) : te::min(src, rs);
        });
        st.reductions = {a};
        st.out = finish([&](const std::vector<Expr>& k) { return ir::cast(out, a(k)); });
        break;
      }
      case ReduceKind::Mean: {
        Tensor a = reduction("acc", [&](const Index& at, const std::vector<ir::IterVar>& rs) {
          Expr src = ir::cast(acc, element(at));
          return acc.is_bool() ? logical_reducer(false)(src, rs) : te::sum(src, rs);
        });
        st.reductions = {a};
        st.out = finish([&](const std::vector<Expr>& k) { return ir::cast(out, ir::cast(kF64, a(k)) / count()); });
        break;
      }
      case ReduceKind::Var:
      case ReduceKind::Std: {
        if (blocked_var_applies()) {
          build_blocked_var(st, op_.kind == ReduceKind::Std);
          break;
        }
        // Two passes, as NumPy: the mean, then the sum of squared deviations from it.
        Tensor total = reduction("sum", [&](const Index& at, const std::vector<ir::IterVar>& rs) {
          return te::sum(ir::cast(kF64, element(at)), rs);
        });
        Tensor sq = reduction("sqdev", [&](const Index& at, const std::vector<ir::IterVar>& rs) {
          Expr d = ir::cast(kF64, element(at)) - total(at.kept) / count();
          return te::sum(d * d, rs);
        });
        Var correction("correction", kF64);
        bool is_std = op_.kind == ReduceKind::Std;
        st.reductions = {total, sq};
        st.out = finish([&](const std::vector<Expr>& k) {
          Expr var = sq(k) / ir::max(count() - correction, 0.0);
          return ir::cast(out, is_std ? ir::sqrt(var) : var);
        });
        st.scalars.emplace_back(correction);
        break;
      }
      case ReduceKind::Argmin:
      case ReduceKind::Argmax: {
        const bool is_max = op_.kind == ReduceKind::Argmax;
        std::optional<ArgKey> key = ArgKey::of(acc);
        if (key && v_.target != "cuda" && reduced_rank_ == 1 && static_cast<VecMode>(v_.attrs[2]) == VecMode::Inner) {
          build_lane_fold(st, *key, is_max, element);
          break;
        }
        te::Reducer r = arg_reducer(op_.kind == ReduceKind::Argmax, acc.is_float());
        std::vector<Tensor> a = te::compute_multi(
            out_shape_,
            [&](const std::vector<Var>& k) {
              std::vector<ir::IterVar> rs = reduce_axes();
              Index at = index(k, rs);
              return r({ir::cast(acc, element(at)), flat_reduced_index(rs)}, rs);
            },
            "acc");
        st.reductions = {a[0]};
        st.out = finish([&](const std::vector<Expr>& k) { return a[1](k); });
        break;
      }
      case ReduceKind::All:
      case ReduceKind::Any: {
        bool is_all = op_.kind == ReduceKind::All;
        Tensor a = reduction("acc", [&](const Index& at, const std::vector<ir::IterVar>& rs) {
          return logical_reducer(is_all)(ir::cast(DataType::Bool(), read(at)), rs);
        });
        st.reductions = {a};
        st.out = finish([&](const std::vector<Expr>& k) { return ir::cast(out, a(k)); });
        break;
      }
      case ReduceKind::CountNonzero: {
        if (v_.target != "cuda" && kept_rank_ == 0 && reduced_rank_ == 1 && v_.sig.inputs[0].bits == 8 &&
            static_cast<VecMode>(v_.attrs[2]) == VecMode::Inner) {
          build_byte_count(st);
          break;
        }
        Tensor a = reduction("acc", [&](const Index& at, const std::vector<ir::IterVar>& rs) {
          return te::sum(ir::cast(kI64, ir::cast(DataType::Bool(), read(at))), rs);
        });
        st.reductions = {a};
        st.out = finish([&](const std::vector<Expr>& k) { return ir::cast(out, a(k)); });
        break;
      }
    }
    return st;
  }

  const Tensor& input() const { return x_; }

 private:
  // Where one element of a reduction is read: output (kept) index and reduction axes.
  struct Index {
    std::vector<Expr> kept;  // the output index (the dummy {0} when nothing is kept)
    std::vector<Expr> x;     // the input index
  };

  std::vector<ir::IterVar> reduce_axes() const {
    std::vector<ir::IterVar> rs;
    for (int d = 0; d < reduced_rank_; ++d) rs.push_back(te::reduce_axis(0, reduced_[d], "r" + std::to_string(d)));
    return rs;
  }

  Index index(const std::vector<Var>& k, const std::vector<ir::IterVar>& rs) const {
    Index at;
    at.kept.assign(k.begin(), k.end());
    if (kept_rank_) at.x.assign(k.begin(), k.end());
    for (const ir::IterVar& r : rs) at.x.push_back(r->var);
    return at;
  }

  Expr read(const Index& at) const { return x_(at.x); }

  // C-order position within the reduced axes (argmin/argmax report it).
  Expr flat_reduced_index(const std::vector<ir::IterVar>& rs) const {
    Expr flat = Expr(int64_t{0});
    for (int d = 0; d < reduced_rank_; ++d) flat = flat * reduced_[d] + rs[d]->var;
    return flat;
  }

  // float32 var/std of rows along their contiguous last axis, by blocked float32 sums
  // about an estimate of the mean, in one pass over most rows (blocked_var in
  // reduction_blocked.h) instead of float64 conversions of every element.
  bool blocked_var_applies() const {
    return v_.target != "cuda" && v_.sig.compute[0] == DataType::Float(32) && kept_rank_ >= 1 &&
           reduced_rank_ == 1 && static_cast<VecMode>(v_.attrs[2]) == VecMode::Inner;
  }

  void build_blocked_var(Stages& st, bool is_std) {
    const DataType f32 = DataType::Float(32), out = v_.sig.outputs[0];
    BlockedVar bv = blocked_var(out_shape_, reduced_[0], [&](const std::vector<Expr>& kept, const Expr& pos) {
      std::vector<Expr> at = kept;
      at.push_back(pos);
      return ir::cast(f32, x_(at));
    });
    Var correction("correction", kF64);
    st.blocked = bv.sums();
    st.blocked_rows = bv.per_row();
    st.out = finish([&](const std::vector<Expr>& k) {
      Expr var = bv.m2(k) / ir::max(count() - correction, 0.0);
      return ir::cast(out, is_std ? ir::sqrt(var) : var);
    });
    st.scalars.emplace_back(correction);
  }

  // argmin/argmax by lanes (see ArgKey): stages part[lane, kept...] (the lane folds), the
  // merge of the lanes (int32 keys: best and its first lane; wider keys: merged), tail, out.
  template <class Element>
  void build_lane_fold(Stages& st, const ArgKey& key, bool is_max, const Element& element) {
    const DataType acc = v_.sig.compute[1];
    const int64_t lanes = reduce_lanes(v_.sig);
    const Expr m = reduced_[0];
    const Expr full = floordiv(m, lanes) * lanes;  // elements in whole vectors
    auto at_position = [&](const std::vector<Var>& k, const Expr& pos) {
      Index at;
      at.kept.assign(k.begin(), k.end());
      if (kept_rank_) at.x.assign(k.begin(), k.end());
      at.x.push_back(pos);
      return at;
    };
    auto keyed = [&](const Index& at) { return key.key(ir::cast(acc, element(at)), is_max); };
    std::vector<Expr> part_shape = {Expr(lanes)};
    part_shape.insert(part_shape.end(), out_shape_.begin(), out_shape_.end());
    std::vector<Tensor> part = te::compute_multi(
        part_shape,
        [&](const std::vector<Var>& lk) {
          ir::IterVar ro = te::reduce_axis(0, floordiv(m, lanes), "r0");
          Expr pos = ro->var * lanes + lk[0];
          std::vector<Var> k(lk.begin() + 1, lk.end());
          // The lane keeps the int32 step of its best element (one vector of indices).
          return ArgKey::ordered()({keyed(at_position(k, pos)), ir::cast(DataType::Int(32), ro->var)}, {ro});
        },
        "acc.lanes");
    std::vector<Tensor> tail = te::compute_multi(
        out_shape_,
        [&](const std::vector<Var>& k) {
          ir::IterVar r = te::reduce_axis(0, m - full, "r0");
          Expr pos = full + r->var;
          return ArgKey::ordered()({keyed(at_position(k, pos)), pos}, {r});
        },
        "acc.tail");
    st.lane_part = part[0];
    auto lane_index = [&](const ir::IterVar& lane, const std::vector<Var>& k) {
      std::vector<Expr> idx = {lane->var};
      idx.insert(idx.end(), k.begin(), k.end());
      return idx;
    };
    if (key.type.bits == 32) {
      // int32 keys: (key, step) packs into one int64 that is larger for a larger key, then
      // for a smaller step, so the lanes merge with one max (no tie-break branches), and
      // the first lane holding that maximum is the winner.
      const Expr shift(int64_t{1} << 32), top(int64_t{INT32_MAX});
      auto packed = [&](const std::vector<Expr>& idx) {
        return ir::cast(kI64, part[0](idx)) * shift + (top - ir::cast(kI64, part[1](idx)));
      };
      Tensor best = te::compute(
          out_shape_,
          [&](const std::vector<Var>& k) {
            ir::IterVar lane = te::reduce_axis(0, Expr(lanes), "lane");
            return te::max(packed(lane_index(lane, k)), {lane});
          },
          "acc");
      Tensor first = te::compute(
          out_shape_,
          [&](const std::vector<Var>& k) {
            ir::IterVar lane = te::reduce_axis(0, Expr(lanes), "lane");
            Expr top_here = best(std::vector<Expr>(k.begin(), k.end()));
            return te::min(ir::select(packed(lane_index(lane, k)) == top_here, lane->var, Expr(lanes)), {lane});
          },
          "acc.lane");
      st.reductions = {best, first, tail[0]};
      st.out = finish([&](const std::vector<Expr>& k) {
        Expr best_key = floordiv(best(k), shift);
        Expr step = top - (best(k) - best_key * shift);
        return ir::select(ir::cast(kI64, tail[0](k)) > best_key, tail[1](k), step * lanes + first(k));
      });
      return;
    }
    std::vector<Tensor> merged = te::compute_multi(
        out_shape_,
        [&](const std::vector<Var>& k) {
          ir::IterVar lane = te::reduce_axis(0, Expr(lanes), "lane");
          std::vector<Expr> idx = lane_index(lane, k);
          return ArgKey::merge()({part[0](idx), ir::cast(kI64, part[1](idx)) * lanes + lane->var}, {lane});
        },
        "acc");
    st.reductions = {merged[0], tail[0]};
    st.out = finish([&](const std::vector<Expr>& k) {
      return ir::select(tail[0](k) > merged[0](k), tail[1](k), merged[1](k));
    });
  }

  // count_nonzero of a 1-D byte array (bool, int8, uint8): vectors of kByteLanes uint8
  // counters each count kByteSteps bytes (at most 255, so they never wrap), then are added
  // up in int64 once per block; the bytes after the last whole block are counted last.
  static constexpr int64_t kByteLanes = 64, kByteSteps = 255, kByteBlock = kByteLanes * kByteSteps;
  void build_byte_count(Stages& st) {
    const Expr m = reduced_[0];
    auto nonzero = [&](const Expr& pos) { return ir::cast(DataType::Bool(), x_({pos})); };
    Tensor counts = te::compute(
        {floordiv(m, kByteBlock), Expr(kByteLanes)},
        [&](const std::vector<Var>& bl) {
          ir::IterVar j = te::reduce_axis(0, Expr(kByteSteps), "j");
          Expr pos = bl[0] * kByteBlock + j->var * kByteLanes + bl[1];
          return te::sum(ir::cast(DataType::UInt(8), nonzero(pos)), {j});
        },
        "acc.bytes");
    Tensor blocks = te::compute(
        {floordiv(m, kByteBlock)},
        [&](const std::vector<Var>& b) {
          ir::IterVar l = te::reduce_axis(0, Expr(kByteLanes), "lane");
          return te::sum(ir::cast(kI64, counts(b[0], l->var)), {l});
        },
        "acc.blocks");
    Tensor total = te::compute(
        out_shape_,
        [&](const std::vector<Var>&) {
          ir::IterVar b = te::reduce_axis(0, floordiv(m, kByteBlock), "b");
          return te::sum(blocks(b->var), {b});
        },
        "acc");
    Tensor tail = te::compute(
        out_shape_,
        [&](const std::vector<Var>&) {
          const Expr full = floordiv(m, kByteBlock) * kByteBlock;
          ir::IterVar r = te::reduce_axis(0, m - full, "r0");
          return te::sum(ir::cast(kI64, nonzero(full + r->var)), {r});
        },
        "acc.tail");
    st.byte_counts = counts;
    st.block_counts = blocks;
    st.tail_count = tail;
    st.reductions = {total, tail};
    st.out = finish([&](const std::vector<Expr>& k) { return total(k) + tail(k); });
  }

  // Number of reduced elements, as float64.
  Expr count() const {
    Expr n = Expr(int64_t{1});
    for (const Expr& m : reduced_) n = n * m;
    return ir::cast(kF64, n);
  }

  template <class F>
  Tensor reduction(const std::string& name, F body) {
    return te::compute(
        out_shape_,
        [&](const std::vector<Var>& k) {
          std::vector<ir::IterVar> rs = reduce_axes();
          return body(index(k, rs), rs);
        },
        name);
  }

  template <class F>
  Tensor finish(F body) {
    return te::compute(
        out_shape_, [&](const std::vector<Var>& k) { return body(std::vector<Expr>(k.begin(), k.end())); }, "out");
  }

  const ReduceOpInfo& op_;
  const Variant& v_;
  int kept_rank_ = 0, reduced_rank_ = 0;
  std::vector<Expr> kept_, reduced_, out_shape_;
  Tensor x_;
};

Generated generate_reduction(const ReduceOpInfo& op, const Variant& v) {
  if (v.attrs.size() != 3 || v.attrs[1] < 1 || v.attrs[0] < 0)
    throw OpError(OpError::Kind::Value, std::string(op.name) +
                                            ": reductions run through ops::reduce, which sets the "
                                            "kept and reduced ranks of a variant");
  ReductionBuilder b(op, v);
  Stages st = b.build();
  schedule::Schedule s = schedule::create_schedule({st.out});
  if (v.target == "cuda")
    schedule_reduction_gpu(s, st.reductions, st.out, static_cast<int>(v.attrs[0]), static_cast<int>(v.attrs[1]),
                           static_cast<GpuReduceMode>(v.attrs[2]));
  else if (st.byte_counts.defined())
    schedule_byte_count(s, st.byte_counts, st.block_counts, st.tail_count);
  else if (!st.blocked.empty())
    schedule_blocked_rows(s, st.blocked, st.out, st.blocked_rows);
  else if (st.lane_part.defined())
    schedule_lane_fold(s, st.lane_part, st.reductions, st.out, static_cast<int>(v.attrs[0]));
  else
    schedule_reduction(s, st.reductions, st.out, static_cast<int>(v.attrs[0]), static_cast<int>(v.attrs[1]),
                       static_cast<VecMode>(v.attrs[2]), reduce_lanes(v.sig));
  std::vector<lower::Arg> args = {b.input(), st.out};
  args.insert(args.end(), st.scalars.begin(), st.scalars.end());
  return Generated{s, args};
}

}  // namespace

const std::vector<ReduceOpInfo>& reduction_table() {
  static const std::vector<ReduceOpInfo> table = {
      {ReduceKind::Sum, "sum", true, false, false},
      {ReduceKind::Prod, "prod", true, false, false},
      {ReduceKind::Min, "min", false, false, false},
      {ReduceKind::Max, "max", false, false, false},
      {ReduceKind::Mean, "mean", true, false, false},
      {ReduceKind::Var, "var", true, false, false},
      {ReduceKind::Std, "std", true, false, false},
      {ReduceKind::Argmin, "argmin", false, true, true},
      {ReduceKind::Argmax, "argmax", false, true, true},
      {ReduceKind::All, "all", false, false, false},
      {ReduceKind::Any, "any", false, false, false},
      {ReduceKind::CountNonzero, "count_nonzero", false, false, false},
  };
  return table;
}

const ReduceOpInfo* find_reduction(const std::string& name) {
  for (const ReduceOpInfo& r : reduction_table())
    if (name == r.name) return &r;
  return nullptr;
}

Signature reduce_signature(const ReduceOpInfo& op, DataType in, std::optional<DataType> dtype) {
  if (dtype && !op.takes_dtype) fail(OpError::Kind::Type, op.name, "does not take a dtype argument");
  if (dtype && (dtype->lanes != 1 || dtype->is_handle() || dtype->code == ir::TypeCode::Complex))
    fail(OpError::Kind::Type, op.name, "unsupported dtype " + dtype->str());
  DataType t = in, acc = in, out = in;
  switch (op.kind) {
    case ReduceKind::Sum:
      t = out = dtype.value_or(sum_default(in));
      acc = sum_accumulator(t);
      break;
    case ReduceKind::Prod:  // float16/bfloat16 multiply in float32 and round once
      t = out = dtype.value_or(sum_default(in));
      acc = t.is_float16() || t.is_bfloat16() ? DataType::Float(32) : t;
      break;
    case ReduceKind::Mean:
      t = out = dtype.value_or(mean_default(in));
      acc = sum_accumulator(t);
      break;
    case ReduceKind::Var:
    case ReduceKind::Std:
      t = out = dtype.value_or(mean_default(in));
      if (!t.is_float()) fail(OpError::Kind::Type, op.name, "dtype must be a floating type, not " + t.str());
      acc = kF64;
      break;
    case ReduceKind::Min:
    case ReduceKind::Max:
      acc = in.is_bool() ? DataType::UInt(8) : in;
      break;
    case ReduceKind::Argmin:
    case ReduceKind::Argmax:
      acc = in.is_bool() ? DataType::UInt(8) : in;
      out = kI64;
      break;
    case ReduceKind::All:
    case ReduceKind::Any:
      acc = out = DataType::Bool();
      break;
    case ReduceKind::CountNonzero:
      acc = out = kI64;
      break;
  }
  return Signature{{in}, {t, acc}, {out}};
}

int reduce_lanes(const Signature& sig) {
  int bytes = std::max(sig.compute[1].bytes(), sig.outputs[0].bytes());
  return std::clamp(128 / bytes, 16, 64);
}

namespace {

// The ahead-of-time variants of one signature: the views dispatch makes of compact inputs
// reduced over any axes of up to 4 dimensions. After collapsing, such an input is blocks
// of kept (K) and reduced (R) axes: R and KR are contiguous, RK, KRK, RKR, KRKR and RKRK
// strided; each comes with the vector modes choose_mode picks for it at different
// extents. Full and last-axis reductions of strided inputs (slices) are added. Rarer
// views (three kept blocks, reversed strides, ...) are compiled on first use.
std::vector<Variant> aot_reduction_variants(const Signature& sig) {
  using M = VecMode;
  struct View {
    int kept, reduced;
    Layout layout;
    std::vector<M> modes;
  };
  static const View views[] = {
      {0, 1, Layout::Contiguous, {M::Inner}},
      {0, 1, Layout::Strided, {M::Inner}},
      {1, 1, Layout::Contiguous, {M::Inner, M::None}},
      {1, 1, Layout::Strided, {M::Outer, M::OuterRows, M::OuterRowByRow, M::None, M::Inner}},
      {2, 1, Layout::Strided, {M::Outer, M::None}},
      {1, 2, Layout::Strided, {M::Inner, M::None}},
      {2, 2, Layout::Strided, {M::Inner, M::Outer, M::None}},
      {0, 2, Layout::Strided, {M::Inner, M::None}},
  };
  std::vector<Variant> out;
  for (const View& w : views)
    for (M mode : w.modes)
      out.push_back(Variant{sig, w.kept + w.reduced, w.layout, "llvm", {w.kept, w.reduced, static_cast<int64_t>(mode)}});
  return out;
}

const std::vector<const OpDef*>& registered() {
  static const std::vector<const OpDef*> defs = [] {
    std::vector<const OpDef*> out;
    for (const ReduceOpInfo& info : reduction_table()) {
      OpDef def;
      def.name = info.name;
      def.num_inputs = 1;
      def.auto_broadcast = false;
      const ReduceOpInfo* p = &info;
      def.type_rule = [p](const std::vector<DataType>& in) -> std::optional<Signature> {
        if (in.size() != 1) return std::nullopt;
        return reduce_signature(*p, in[0], std::nullopt);
      };
      def.generate = [p](const Variant& v) { return generate_reduction(*p, v); };
      for (DataType t : all_types()) def.aot_input_dtypes.push_back({t});
      def.aot_variants = aot_reduction_variants;
      def.valid = [](const Variant& v) { return v.attrs.size() == 3; };
      out.push_back(&defop(std::move(def)));
    }
    return out;
  }();
  return defs;
}

// Also registers when the library loads, so list_ops shows the operators without a call.
[[maybe_unused]] const bool kRegisteredAtLoad = (registered(), true);

}  // namespace

void register_reductions() { registered(); }

const OpDef& reduction_opdef(const ReduceOpInfo& op) {
  const auto& defs = registered();
  return *defs.at(static_cast<size_t>(&op - reduction_table().data()));
}

}  // namespace tessera::ops::reduction_detail
