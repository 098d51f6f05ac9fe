// Tiles transposed in registers (see transpose_lane_tiles.h).
#include "lower/transpose_lane_tiles.h"

#include <map>
#include <set>
#include <unordered_set>

#include "lower/unroll_loops.h"
#include "tessera/ir/buffer.h"
#include "tessera/ir/functor.h"
#include "tessera/ir/op.h"
#include "tessera/ir/simplify.h"
#include "tessera/ir/utils.h"

namespace tessera::lower {
namespace {

using namespace ir;

// A vector access ramp(base, stride, L) whose base moves by `step` per iteration.
struct Access {
  Expr base, stride, step;
};

bool is_local(const BufferNode* b) { return b->scope == "local"; }

// How much e moves when v grows by one, where e is affine in v (sums, differences, and
// products with one factor free of v); undefined otherwise.
Expr step_of(const Expr& e, const VarNode* v) {
  if (!uses_var(e, v)) return make_const(e.type(), int64_t{0});
  if (e.get() == v) return make_const(e.type(), int64_t{1});
  const auto* b = e.as<BinaryNode>();
  if (!b || (b->op != BinaryOp::Add && b->op != BinaryOp::Sub && b->op != BinaryOp::Mul)) return Expr();
  if (b->op == BinaryOp::Mul) {
    if (!uses_var(b->b, v)) {
      Expr s = step_of(b->a, v);
      return s.defined() ? simplify(s * b->b) : s;
    }
    if (uses_var(b->a, v)) return Expr();
    Expr s = step_of(b->b, v);
    return s.defined() ? simplify(b->a * s) : s;
  }
  Expr sa = step_of(b->a, v), sb = step_of(b->b, v);
  if (!sa.defined() || !sb.defined()) return Expr();
  return simplify(b->op == BinaryOp::Add ? sa + sb : sa - sb);
}

// The accesses of a loop body over v, or `failed` when the body does not qualify.
class FindAccesses : public IRVisitor {
 public:
  FindAccesses(const Var& v, std::unordered_set<const VarNode*> bound) : v_(v), bound_(std::move(bound)) {}

  bool failed = false;
  int lanes = 0;
  std::map<const LoadNode*, Access> loads;
  std::map<const StoreNode*, Access> stores;
  std::set<const BufferNode*> loaded, stored;

 protected:
  void visit_for(const ForNode*) override { failed = true; }
  void visit_if(const IfThenElseNode*) override { failed = true; }
  void visit_allocate(const AllocateNode*) override { failed = true; }
  void visit_assert(const AssertNode*) override { failed = true; }
  void visit_evaluate(const EvaluateNode*) override { failed = true; }

  void visit_load(const LoadNode* op) override {
    IRVisitor::visit_load(op);
    if (!is_local(op->buffer.get())) loaded.insert(op->buffer.get());
    if (!depends(op->indices)) return;
    Access a;
    if (is_local(op->buffer.get()) || !match(op->indices, op->type.lanes, &a)) {
      failed = true;
      return;
    }
    loads[op] = a;
  }

  void visit_store(const StoreNode* op) override {
    IRVisitor::visit_store(op);
    if (is_local(op->buffer.get())) {
      failed = failed || depends(op->indices);
      return;
    }
    Access a;
    // A second store into one buffer: the tile would write all of the first store's
    // vectors before any of the second's, which may reorder two writes of one element.
    if (stored.count(op->buffer.get()) || !match(op->indices, op->value.type().lanes, &a)) {
      failed = true;
      return;
    }
    stores[op] = a;
    stored.insert(op->buffer.get());
  }

 private:
  bool depends(const std::vector<Expr>& indices) const {
    for (const Expr& e : indices)
      if (uses_any(e, [&](const VarNode* x) { return x == v_.get() || bound_.count(x) > 0; })) return true;
    return false;
  }

  bool match(const std::vector<Expr>& indices, int access_lanes, Access* a) {
    if (indices.size() != 1 || access_lanes < 2 || (access_lanes & (access_lanes - 1)) != 0) return false;
    if (lanes != 0 && lanes != access_lanes) return false;
    const auto* ramp = indices[0].as<RampNode>();
    if (!ramp) return false;
    auto uses_inner = [&](const Expr& e) {
      return uses_any(e, [&](const VarNode* x) { return bound_.count(x) > 0; });
    };
    if (uses_inner(ramp->base) || uses_inner(ramp->stride) || uses_var(ramp->stride, v_.get())) return false;
    Expr step = step_of(ramp->base, v_.get());
    if (!step.defined()) return false;
    lanes = access_lanes;
    *a = {ramp->base, ramp->stride, step};
    return true;
  }

  Var v_;
  std::unordered_set<const VarNode*> bound_;
};

// One iteration of a tile: loads read their column, stores write the result tile's row.
class Instance : public IRMutator {
 public:
  Instance(const std::map<const LoadNode*, std::vector<Var>>& columns,
           const std::map<const StoreNode*, Buffer>& results, int64_t i, int64_t lanes)
      : columns_(columns), results_(results), i_(i), lanes_(lanes) {}

 protected:
  Expr mutate_load(const LoadNode* op, const Expr& self) override {
    auto c = columns_.find(op);
    if (c != columns_.end()) return c->second[static_cast<size_t>(i_)];
    return IRMutator::mutate_load(op, self);
  }

  Stmt mutate_store(const StoreNode* op, const Stmt& self) override {
    auto r = results_.find(op);
    if (r == results_.end()) return IRMutator::mutate_store(op, self);
    const Expr row = RampNode::make(make_const(DataType::Index(), i_ * lanes_), make_const(DataType::Index(), int64_t{1}),
                                    static_cast<int>(lanes_));
    return StoreNode::make(r->second, mutate(op->value), {row});
  }

 private:
  const std::map<const LoadNode*, std::vector<Var>>& columns_;
  const std::map<const StoreNode*, Buffer>& results_;
  int64_t i_, lanes_;
};

Expr index(int64_t v) { return make_const(DataType::Index(), v); }

Expr contiguous(const Expr& base, int64_t lanes) { return RampNode::make(base, index(1), static_cast<int>(lanes)); }

// The columns of a tile of vectors (see Intrinsic::TransposeLane).
std::vector<Expr> transpose(const std::vector<Expr>& rows) {
  std::vector<Expr> columns;
  for (size_t i = 0; i < rows.size(); ++i) {
    std::vector<Expr> args{index(static_cast<int64_t>(i))};
    args.insert(args.end(), rows.begin(), rows.end());
    columns.push_back(CallNode::make(rows[0].type(), Intrinsic::TransposeLane, std::move(args)));
  }
  return columns;
}

// Lets in order around body.
Stmt wrap(const std::vector<std::pair<Var, Expr>>& lets, Stmt body) {
  for (auto it = lets.rbegin(); it != lets.rend(); ++it) body = LetStmtNode::make(it->first, it->second, body);
  return body;
}

int64_t node_count(const Stmt& s) {
  int64_t n = 0;
  post_order_visit(s, [&](const Stmt&) { ++n; }, [&](const Expr&) { ++n; });
  return n;
}

class TransposeLaneTiles : public IRMutator {
 protected:
  Stmt mutate_for(const ForNode* op, const Stmt& self) override {
    Stmt s = IRMutator::mutate_for(op, self);
    const auto* loop = s.as<ForNode>();
    if (!loop || loop->for_kind != ForKind::Serial) return s;
    Stmt tiled = tile(loop, s);
    return tiled.defined() ? tiled : s;
  }

 private:
  // The rewritten loop, or an undefined Stmt when it does not qualify.
  static Stmt tile(const ForNode* loop, const Stmt& original) {
    FindAccesses f(loop->var, vars_bound_in(loop->body));
    f.visit(loop->body);
    if (f.failed || f.lanes == 0) return Stmt();
    for (const BufferNode* b : f.stored)
      if (f.loaded.count(b)) return Stmt();
    const int64_t lanes = f.lanes;
    if (node_count(loop->body) * lanes > kMaxUnrolledNodes) return Stmt();
    Expr unit_steps = make_bool(true);
    bool strided = false;
    bool unit = true;  // every step is 1, or a symbolic stride that may be 1
    auto note = [&](const Access& a) {
      const Expr one = a.step == make_const(a.step.type(), int64_t{1});
      unit = unit && (can_prove(one) || a.step.as<VarNode>());
      unit_steps = unit_steps && one;
      strided = strided || !can_prove(a.stride == make_const(a.stride.type(), int64_t{1}));
    };
    for (const auto& [load, a] : f.loads) note(a);
    for (const auto& [store, a] : f.stores) note(a);
    unit_steps = simplify(unit_steps);
    if (!strided || !unit) return Stmt();

    const Var& v = loop->var;
    // The tiles start at a multiple of L when the loop starts at a constant (a scan's loop
    // starts at 1, its first column split off): their vectors are then as aligned as the
    // rows, which streaming stores need. The iterations before run as they were.
    // (count may be negative when the loop is shorter than the head: then no tile runs and
    // neither does the rest.)
    int64_t head = 0;
    if (const int64_t* m = as_const_int(loop->min)) head = (lanes - *m % lanes) % lanes;
    const Expr start = simplify(loop->min + index(head)), count = simplify(loop->extent - index(head));
    const Var t(v->name + ".tile", v.type());
    const Expr first = simplify(start + t * index(lanes));
    auto at_first = [&](const Expr& e) { return simplify(substitute(e, VarMap{{v.get(), first}})); };
    // Loads: the L rows of each access, then its L columns.
    std::vector<std::pair<Var, Expr>> lets;
    std::map<const LoadNode*, std::vector<Var>> columns;
    for (const auto& [load, a] : f.loads) {
      std::vector<Expr> rows;
      for (int64_t k = 0; k < lanes; ++k) {
        Var row(load->buffer->name + ".row", load->type);
        lets.emplace_back(row, LoadNode::make(Buffer(load->buffer), {contiguous(at_first(a.base + a.stride * index(k)), lanes)}));
        rows.push_back(row);
      }
      std::vector<Expr> cols = transpose(rows);
      for (int64_t i = 0; i < lanes; ++i) {
        Var col(load->buffer->name + ".column", load->type);
        lets.emplace_back(col, cols[static_cast<size_t>(i)]);
        columns[load].push_back(col);
      }
    }
    // The L iterations, their stored vectors kept as rows of a local tile per store.
    std::map<const StoreNode*, Buffer> results;
    for (const auto& [store, a] : f.stores)
      results[store] = Buffer::make(store->buffer->name + ".tile", store->buffer->dtype, {index(lanes * lanes)}, {},
                                    index(0), "local");
    std::vector<Stmt> steps;
    for (int64_t i = 0; i < lanes; ++i) {
      Stmt step = Instance(columns, results, i, lanes).mutate(loop->body);
      steps.push_back(substitute(step, VarMap{{v.get(), simplify(first + index(i))}}));
    }
    // Each result tile, transposed back: one contiguous vector per lane.
    for (const auto& [store, a] : f.stores) {
      const Buffer& tile = results[store];
      std::vector<std::pair<Var, Expr>> kept;
      std::vector<Expr> rows;
      for (int64_t i = 0; i < lanes; ++i) {
        Var row(store->buffer->name + ".result", store->value.type());
        kept.emplace_back(row, LoadNode::make(tile, {contiguous(index(i * lanes), lanes)}));
        rows.push_back(row);
      }
      std::vector<Expr> cols = transpose(rows);
      std::vector<Stmt> writes;
      for (int64_t k = 0; k < lanes; ++k)
        writes.push_back(StoreNode::make(Buffer(store->buffer), cols[static_cast<size_t>(k)],
                                         {contiguous(at_first(a.base + a.stride * index(k)), lanes)}, store->hint));
      steps.push_back(wrap(kept, SeqNode::make(std::move(writes))));
    }
    const Expr tiles = simplify(max(count, index(0)) / index(lanes));
    Stmt tiled = ForNode::make(t, index(0), tiles, ForKind::Serial, wrap(lets, SeqNode::make(std::move(steps))));
    for (const auto& [store, tile] : results) tiled = AllocateNode::make(tile, tiled);
    const Expr done = simplify(tiles * index(lanes));
    Stmt rest = ForNode::make(v, simplify(start + done), simplify(count - done), ForKind::Serial, loop->body);
    Stmt both = SeqNode::make({tiled, rest});
    if (head > 0) {
      Stmt before = ForNode::make(v, loop->min, simplify(min(loop->extent, index(head))), ForKind::Serial, loop->body);
      both = SeqNode::make({before, both});
    }
    return can_prove(unit_steps) ? both : IfThenElseNode::make(unit_steps, both, original);
  }
};

}  // namespace

ir::Stmt transpose_lane_tiles(const ir::Stmt& s) { return TransposeLaneTiles().mutate(s); }

}  // namespace tessera::lower
