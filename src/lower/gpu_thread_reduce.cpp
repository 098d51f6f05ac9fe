// Cross-thread reductions (see gpu_thread_reduce.h).
#include "lower/gpu_thread_reduce.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "tessera/ir/functor.h"
#include "tessera/ir/op.h"
#include "tessera/ir/utils.h"

namespace tessera::lower {
namespace {

using namespace ir;

constexpr const char* kBlockBarrier = "tessera.barrier.block";
constexpr const char* kWarpBarrier = "tessera.barrier.warp";
constexpr int64_t kWarpSize = 32;

bool is_thread_loop(const ForNode* op) {
  return op->for_kind == ForKind::ThreadBinding && op->thread_tag.rfind("threadIdx.", 0) == 0;
}

std::set<std::string> thread_tags(const Stmt& s) {
  std::set<std::string> tags;
  post_order_visit(s, [&](const Stmt& x) {
    if (const auto* f = x.as<ForNode>(); f && is_thread_loop(f)) tags.insert(f->thread_tag);
  });
  return tags;
}

bool contains_barrier(const Stmt& s) {
  bool found = false;
  post_order_visit(s, [&](const Stmt& x) { found = found || as_gpu_barrier(x) != GpuBarrier::None; });
  return found;
}

// One accumulator of the reduction and the shared partials it combines.
struct Operand {
  Buffer acc;        // local, stored at acc_index
  Expr acc_index;
  Buffer partials;   // shared, read at partial_index (a function of the loop variable)
  Expr partial_index;
};

// The accumulators and partials of a thread loop's body, or nullopt when the loop is not a
// cross-thread reduction (it stores to memory shared by threads, or at a per-thread index).
std::optional<std::vector<Operand>> reduction_operands(const ForNode* loop) {
  const VarNode* v = loop->var.get();
  std::map<std::string, std::pair<Buffer, Expr>> stores, partials;
  bool plain = true, reads_global = false;
  post_order_visit(loop->body, [&](const Stmt& x) {
    const auto* st = x.as<StoreNode>();
    if (!st) return;
    if (st->buffer->scope != "local" || st->indices.size() != 1 || uses_var(st->indices[0], v)) plain = false;
    else stores.emplace(st->buffer->name, std::make_pair(st->buffer, st->indices[0]));
  });
  if (!plain || stores.empty()) return std::nullopt;
  auto visit_loads = [&](const Expr& root) {
    post_order_visit(root, [&](const Expr& e) {
      const auto* ld = e.as<LoadNode>();
      if (!ld || ld->indices.size() != 1 || !uses_var(ld->indices[0], v)) return;
      if (ld->buffer->scope != "shared") {
        reads_global = true;
        return;
      }
      auto [it, fresh] = partials.emplace(ld->buffer->name, std::make_pair(Buffer(ld->buffer), ld->indices[0]));
      if (!fresh && !equal(it->second.second, ld->indices[0])) reads_global = true;  // not a plain reduction
    });
  };
  post_order_visit(loop->body, [&](const Stmt& x) {
    if (const auto* st = x.as<StoreNode>()) visit_loads(st->value);
    else if (const auto* l = x.as<LetStmtNode>()) visit_loads(l->value);
    else if (const auto* i = x.as<IfThenElseNode>()) visit_loads(i->condition);
  });
  if (reads_global || partials.empty() || partials.size() != stores.size()) return std::nullopt;
  std::vector<Operand> out;
  auto p = partials.begin();  // both ordered by name: acc.v0 <-> acc.rf.v0, ...
  for (auto s = stores.begin(); s != stores.end(); ++s, ++p)
    out.push_back({s->second.first, s->second.second, p->second.first, p->second.second});
  return out;
}

// Shared buffers written by threads at their own index: buffer name -> the tags and extents
// of the thread loops whose variable the stored index uses.
struct Producer {
  std::string tag;
  int64_t extent;
};
std::map<std::string, std::vector<Producer>> shared_producers(const Stmt& s) {
  std::map<std::string, std::vector<Producer>> out;
  post_order_visit(s, [&](const Stmt& x) {
    const auto* f = x.as<ForNode>();
    const int64_t* extent = f ? as_const_int(f->extent) : nullptr;
    if (!f || !is_thread_loop(f) || !extent) return;
    post_order_visit(f->body, [&](const Stmt& y) {
      const auto* st = y.as<StoreNode>();
      if (st && st->buffer->scope == "shared" && st->indices.size() == 1 && uses_var(st->indices[0], f->var.get()))
        out[st->buffer->name].push_back({f->thread_tag, *extent});
    });
  });
  return out;
}

class ThreadReduceRewriter : public IRMutator {
 public:
  ThreadReduceRewriter(std::map<std::string, std::vector<Producer>> producers, bool warp_barriers)
      : producers_(std::move(producers)), warp_barriers_(warp_barriers) {}
  bool rewrote() const { return rewrote_; }

 protected:
  Stmt mutate_for(const ForNode* op, const Stmt& self) override {
    if (is_thread_loop(op)) {
      active_.push_back(op->thread_tag);
      Stmt out = IRMutator::mutate_for(op, self);
      active_.pop_back();
      return out;
    }
    Stmt inner = IRMutator::mutate_for(op, self);
    const auto* loop = inner.as<ForNode>();
    const int64_t* extent = as_const_int(op->extent);
    if (!loop || (op->for_kind != ForKind::Serial && op->for_kind != ForKind::Unrolled) || !extent ||
        !is_const_int(op->min, 0))
      return inner;
    std::optional<std::vector<Operand>> operands = reduction_operands(loop);
    if (!operands) return inner;
    // The tag whose threads wrote every partial, one per iteration, and that is free here.
    std::string tag;
    for (const Operand& o : *operands) {
      std::string found;
      for (const Producer& p : producers_[o.partials->name])
        if (p.extent == *extent && std::find(active_.begin(), active_.end(), p.tag) == active_.end()) found = p.tag;
      if (found.empty() || (!tag.empty() && found != tag)) return inner;
      tag = found;
    }
    rewrote_ = true;
    return tree(loop, *operands, *extent, tag);
  }

 private:
  Stmt tree(const ForNode* loop, const std::vector<Operand>& ops, int64_t n, const std::string& tag) {
    const Var& v = loop->var;
    auto at = [&](const Operand& o, const Expr& i) { return substitute(o.partial_index, VarMap{{v.get(), i}}); };
    std::vector<Stmt> seq = {gpu_barrier(GpuBarrier::Block)};  // every partial is written
    while (n > 1) {
      int64_t half = (n + 1) / 2, count = n / 2;
      Var t(v.name() + "_tree", v.type());
      Expr partner = Expr(t) + make_const(v.type(), int64_t{half});
      std::vector<Stmt> step;
      for (const Operand& o : ops) step.push_back(StoreNode::make(o.acc, o.partials.load({at(o, Expr(t))}), {o.acc_index}));
      step.push_back(substitute(loop->body, VarMap{{v.get(), partner}}));
      for (const Operand& o : ops) step.push_back(StoreNode::make(o.partials, o.acc.load({o.acc_index}), {at(o, Expr(t))}));
      seq.push_back(ForNode::make(t, make_const(v.type(), int64_t{0}), make_const(v.type(), int64_t{count}), ForKind::ThreadBinding,
                                  SeqNode::make(step), tag));
      n = half;
      bool in_warp = warp_barriers_ && tag == "threadIdx.x" && n <= kWarpSize && n > 1;  // all threads read rf[0] next
      seq.push_back(gpu_barrier(in_warp ? GpuBarrier::Warp : GpuBarrier::Block));
    }
    for (const Operand& o : ops)
      seq.push_back(StoreNode::make(o.acc, o.partials.load({at(o, make_const(v.type(), int64_t{0}))}), {o.acc_index}));
    seq.push_back(gpu_barrier(GpuBarrier::Block));  // rf may be written again after this
    return SeqNode::make(seq);
  }

  std::map<std::string, std::vector<Producer>> producers_;
  bool warp_barriers_;
  bool rewrote_ = false;
  std::vector<std::string> active_;
};

// Stores to non-local memory outside a loop of some threadIdx tag run on thread 0 of it.
class StoreOnThreadZero : public IRMutator {
 public:
  explicit StoreOnThreadZero(std::set<std::string> tags) : tags_(std::move(tags)) {}

 protected:
  Stmt mutate_for(const ForNode* op, const Stmt& self) override {
    bool bound = is_thread_loop(op);
    if (bound) active_.push_back(op->thread_tag);
    Stmt out = IRMutator::mutate_for(op, self);
    if (bound) active_.pop_back();
    return out;
  }

  Stmt mutate_store(const StoreNode* op, const Stmt& self) override {
    if (op->buffer->scope == "local") return self;
    Stmt out = self;
    for (const std::string& tag : tags_) {
      if (std::find(active_.begin(), active_.end(), tag) != active_.end()) continue;
      Var t0("thread0", DataType::Int(64));
      out = ForNode::make(t0, make_const(t0.type(), int64_t{0}), make_const(t0.type(), int64_t{1}), ForKind::ThreadBinding, out, tag);
    }
    return out;
  }

 private:
  std::set<std::string> tags_;
  std::vector<std::string> active_;
};

// Inside a thread, a serial loop that accumulates into one element of shared memory (the
// partials rf[t] += x[...]) accumulates in a register instead: the element is loaded before
// the loop and stored after it. Valid because no other thread may touch that element
// before the next barrier; it saves a shared-memory round trip per step (and lets loads
// of later steps start early).
class PromoteSharedAccumulators : public IRMutator {
 protected:
  Stmt mutate_for(const ForNode* op, const Stmt& self) override {
    bool bound = is_thread_loop(op);
    if (bound) ++threads_;
    Stmt s = IRMutator::mutate_for(op, self);
    if (bound) --threads_;
    const auto* f = s.as<ForNode>();
    if (!f || bound || threads_ == 0 || f->for_kind == ForKind::ThreadBinding || contains_barrier(f->body)) return s;
    // Shared buffers the loop stores to, each at one index free of the loop's own variables.
    std::set<const VarNode*> inner = {f->var.get()};
    post_order_visit(f->body, [&](const Stmt& x) {
      if (const auto* l = x.as<ForNode>()) inner.insert(l->var.get());
      if (const auto* l = x.as<LetStmtNode>()) inner.insert(l->var.get());
    });
    std::map<const BufferNode*, std::pair<Buffer, Expr>> cells;
    std::set<const BufferNode*> rejected;
    auto note = [&](const std::shared_ptr<const BufferNode>& b, const std::vector<Expr>& idx) {
      if (b->scope != "shared") return;
      bool ok = idx.size() == 1 && !uses_any(idx[0], [&](const VarNode* v) { return inner.count(v) > 0; });
      auto [it, fresh] = cells.emplace(b.get(), std::make_pair(Buffer(b), ok ? idx[0] : Expr()));
      if (!ok || (!fresh && !equal(it->second.second, idx[0]))) rejected.insert(b.get());
    };
    std::set<const BufferNode*> stored;
    post_order_visit(f->body, [&](const Stmt& x) {
      auto loads = [&](const Expr& root) {
        post_order_visit(root, [&](const Expr& e) {
          if (const auto* ld = e.as<LoadNode>()) note(ld->buffer, ld->indices);
        });
      };
      if (const auto* st = x.as<StoreNode>()) {
        note(st->buffer, st->indices);
        if (st->buffer->scope == "shared") stored.insert(st->buffer.get());
        loads(st->value);
        for (const Expr& i : st->indices) loads(i);
      } else if (const auto* l = x.as<LetStmtNode>()) {
        loads(l->value);
      } else if (const auto* i = x.as<IfThenElseNode>()) {
        loads(i->condition);
      } else if (const auto* l = x.as<ForNode>()) {
        loads(l->min);
        loads(l->extent);
      }
    });
    Stmt body = f->body;
    std::vector<std::pair<Buffer, std::pair<Buffer, Expr>>> promoted;  // register, (shared, index)
    for (const auto& [node, cell] : cells) {
      if (!stored.count(node) || rejected.count(node)) continue;
      Buffer reg = Buffer::make(node->name + ".acc", node->dtype, {make_const(DataType::Index(), int64_t{1})}, {},
                                Expr(), "local");
      body = RedirectCell(node, reg).mutate(body);
      promoted.push_back({reg, cell});
    }
    if (promoted.empty()) return s;
    Expr zero = make_const(DataType::Index(), int64_t{0});
    std::vector<Stmt> before, after;
    for (const auto& [reg, cell] : promoted) {
      before.push_back(StoreNode::make(reg, cell.first.load({cell.second}), {zero}));
      after.push_back(StoreNode::make(cell.first, reg.load({zero}), {cell.second}));
    }
    std::vector<Stmt> seq = before;
    seq.push_back(ForNode::make(f->var, f->min, f->extent, f->for_kind, body, f->thread_tag));
    seq.insert(seq.end(), after.begin(), after.end());
    Stmt out = SeqNode::make(seq);
    for (const auto& [reg, cell] : promoted) out = AllocateNode::make(reg, out);
    return out;
  }

 private:
  // Loads and stores of one shared buffer become those of element 0 of a local one.
  class RedirectCell : public IRMutator {
   public:
    RedirectCell(const BufferNode* from, Buffer to) : from_(from), to_(std::move(to)) {}

   protected:
    Expr mutate_load(const LoadNode* op, const Expr& self) override {
      if (op->buffer.get() != from_) return IRMutator::mutate_load(op, self);
      return to_.load({make_const(DataType::Index(), int64_t{0})});
    }
    Stmt mutate_store(const StoreNode* op, const Stmt& self) override {
      if (op->buffer.get() != from_) return IRMutator::mutate_store(op, self);
      return StoreNode::make(to_, mutate(op->value), {make_const(DataType::Index(), int64_t{0})});
    }

   private:
    const BufferNode* from_;
    Buffer to_;
  };

  int threads_ = 0;
};

// if (c) {a; barrier; b} -> if (c) a; barrier; if (c) b (through loops, lets and allocations).
Stmt distribute(const Expr& cond, const Stmt& s) {
  if (!contains_barrier(s)) return IfThenElseNode::make(cond, s);
  if (as_gpu_barrier(s) != GpuBarrier::None) return s;
  if (const auto* seq = s.as<SeqNode>()) {
    std::vector<Stmt> out;
    for (const Stmt& x : seq->seq) out.push_back(distribute(cond, x));
    return SeqNode::make(out);
  }
  if (const auto* f = s.as<ForNode>())
    return ForNode::make(f->var, f->min, f->extent, f->for_kind, distribute(cond, f->body), f->thread_tag);
  if (const auto* a = s.as<AllocateNode>()) return AllocateNode::make(a->buffer, distribute(cond, a->body));
  if (const auto* l = s.as<LetStmtNode>()) {
    bool reads = false;
    post_order_visit(l->value, [&](const Expr& e) { reads = reads || e.as<LoadNode>() != nullptr; });
    if (reads) throw IRError("GPU barrier under a condition, after a value read from memory (" + l->var.name() + ")");
    return LetStmtNode::make(l->var, l->value, distribute(cond, l->body));
  }
  if (const auto* i = s.as<IfThenElseNode>()) {
    Stmt then_case = distribute(cond && i->condition, i->then_case);
    if (!i->else_case.defined()) return then_case;
    return SeqNode::make({then_case, distribute(cond && !i->condition, i->else_case)});
  }
  throw IRError("GPU barrier inside an unexpected statement");
}

class HoistBarriers : public IRMutator {
 protected:
  Stmt mutate_if(const IfThenElseNode* op, const Stmt& self) override {
    Stmt s = IRMutator::mutate_if(op, self);
    const auto* i = s.as<IfThenElseNode>();
    if (!i || !contains_barrier(s)) return s;
    Stmt then_case = distribute(i->condition, i->then_case);
    if (!i->else_case.defined()) return then_case;
    return SeqNode::make({then_case, distribute(!i->condition, i->else_case)});
  }
};

}  // namespace

Stmt gpu_barrier(GpuBarrier kind) {
  return EvaluateNode::make(StringImmNode::make(kind == GpuBarrier::Warp ? kWarpBarrier : kBlockBarrier));
}

GpuBarrier as_gpu_barrier(const Stmt& s) {
  const auto* ev = s.as<EvaluateNode>();
  const auto* text = ev ? ev->value.as<StringImmNode>() : nullptr;
  if (!text) return GpuBarrier::None;
  if (text->value == kBlockBarrier) return GpuBarrier::Block;
  if (text->value == kWarpBarrier) return GpuBarrier::Warp;
  return GpuBarrier::None;
}

Stmt lower_thread_reduce(const Stmt& s) {
  std::set<std::string> tags = thread_tags(s);
  if (tags.empty()) return s;
  ThreadReduceRewriter rewriter(shared_producers(s), /*warp_barriers=*/tags == std::set<std::string>{"threadIdx.x"});
  Stmt out = rewriter.mutate(s);
  if (!rewriter.rewrote()) return s;
  out = StoreOnThreadZero(tags).mutate(out);
  out = PromoteSharedAccumulators().mutate(out);
  return HoistBarriers().mutate(out);
}

}  // namespace tessera::lower
