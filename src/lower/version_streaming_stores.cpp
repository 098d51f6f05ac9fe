#include "lower/version_streaming_stores.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <numeric>
#include <vector>

#include "tessera/ir/functor.h"
#include "tessera/ir/op.h"
#include "tessera/ir/utils.h"

namespace tessera::lower {
namespace {

using namespace ir;

constexpr int64_t kPieceBytes = kStreamingPieceBytes;
constexpr int64_t kLineBytes = kStreamingLineBytes;

// Elements per `bytes` (1 for wider elements).
int64_t alignment_elems(const BufferNode& b, int64_t bytes) { return std::max<int64_t>(1, bytes / b.dtype.bytes()); }

bool has_streaming_store(const Stmt& s) {
  struct Finder : IRVisitor {
    bool found = false;
    void visit_store(const StoreNode* op) override {
      found = found || op->hint != StoreHint::Normal;
      IRVisitor::visit_store(op);
    }
  } f;
  f.visit(s);
  return f.found;
}

// What is known to divide integer expressions: variables that the run-time condition
// checks, and lets bound to such expressions.
class Divisors {
 public:
  void set(const VarNode* v, int64_t d) { known_[v] = d; }
  void erase(const VarNode* v) { known_.erase(v); }

  // A positive number that provably divides e (1 when nothing is known), or 0 for e == 0.
  int64_t of(const Expr& e) const {
    if (!e.type().is_scalar() || !e.type().is_integer()) return 1;
    if (const int64_t* c = as_const_int(e)) return *c == INT64_MIN ? 1 : std::abs(*c);
    if (const auto* v = e.as<VarNode>()) {
      auto it = known_.find(v);
      return it == known_.end() ? 1 : it->second;
    }
    if (const auto* b = e.as<BinaryNode>()) {
      int64_t x = of(b->a), y = of(b->b);
      switch (b->op) {
        case BinaryOp::Add:
        case BinaryOp::Sub: return std::gcd(x, y);
        case BinaryOp::Mul: {
          if (x == 0 || y == 0) return 0;
          int64_t p = 0;
          return __builtin_mul_overflow(x, y, &p) ? std::max(x, y) : p;
        }
        default: return 1;
      }
    }
    return 1;
  }

  bool multiple(const Expr& e, int64_t m) const {
    int64_t d = of(e);
    return d == 0 || d % m == 0;
  }

 private:
  std::map<const VarNode*, int64_t> known_;
};

// Run-time facts that make every row of buffer b start aligned, given aligned data: the
// outer strides, or for a compact buffer its innermost extent (every outer compact stride
// is a multiple of it), are multiples of alignment_elems(b, bytes). Only variables are
// checked; the proof handles constant strides by itself.
std::vector<Expr> row_alignment_terms(const BufferNode& b) {
  std::vector<Expr> terms;
  if (b.shape.size() < 2) return terms;
  auto add = [&](const Expr& e) {
    if (e.as<VarNode>()) terms.push_back(e);
  };
  if (b.strides.empty()) {
    add(b.shape.back());
  } else {
    for (size_t d = 0; d + 1 < b.strides.size(); ++d) add(b.strides[d]);
  }
  return terms;
}

// The run-time condition under which b's stores may stream from `align`-byte boundaries.
Expr streaming_condition(const BufferNode& b, int64_t align) {
  Expr bytes = make_const(DataType::Int(64), int64_t{b.dtype.bytes()});
  for (const Expr& e : b.shape) bytes = bytes * cast(DataType::Int(64), e);
  Expr threshold = CallNode::make(DataType::Int(64), Intrinsic::StreamingStoreBytes, {});
  Expr address = CallNode::make(DataType::Int(64), Intrinsic::Reinterpret, {b.data});
  Expr cond = bytes >= threshold && (address % align) == int64_t{0};
  for (const Expr& t : row_alignment_terms(b)) cond = cond && (t % alignment_elems(b, align)) == int64_t{0};
  return cond;
}

Stmt fence() { return EvaluateNode::make(CallNode::make(DataType::Int(32), Intrinsic::StoreFence, {})); }

// The alignment a nest's streaming copy assumes of each streamed buffer's data and rows:
// none (every store turns Normal), 16 bytes (Streaming stores of 16-byte pieces), or 64
// (besides, StreamingLines stores of whole cache lines).
enum class Tier { None, Pieces, Lines };

int64_t tier_bytes(Tier t) { return t == Tier::Lines ? kLineBytes : kPieceBytes; }

// Rewrites the hints of one nest for a tier: keeps the Streaming stores it can prove (and
// fences parallel iterations that stream), upgrades them to StreamingLines where the Lines
// tier proves whole aligned lines, turns the rest Normal.
class RewriteHints : public IRMutator {
 public:
  RewriteHints(Tier tier, Divisors divisors) : tier_(tier), divisors_(std::move(divisors)) {}

  // Buffers whose stores kept a streaming hint, each with the alignment it needs.
  const std::vector<std::pair<const BufferNode*, int64_t>>& streamed() const { return streamed_; }
  bool any_lines() const { return any_lines_; }

 protected:
  Stmt mutate_store(const StoreNode* op, const Stmt& self) override {
    if (op->hint == StoreHint::Normal) return IRMutator::mutate_store(op, self);
    Stmt s = IRMutator::mutate_store(op, self);
    const auto* st = s.as<StoreNode>();
    StoreHint hint = StoreHint::Normal;
    if (tier_ == Tier::Lines && provable(*st, kLineBytes)) hint = StoreHint::StreamingLines;
    else if (tier_ != Tier::None && provable(*st, kPieceBytes)) hint = StoreHint::Streaming;
    if (hint == StoreHint::Normal) return StoreNode::make(Buffer(st->buffer), st->value, st->indices, hint);
    note_streamed(st->buffer.get(), hint == StoreHint::StreamingLines ? kLineBytes : kPieceBytes);
    any_lines_ = any_lines_ || hint == StoreHint::StreamingLines;
    return hint == st->hint ? s : StoreNode::make(Buffer(st->buffer), st->value, st->indices, hint);
  }

  Stmt mutate_let_stmt(const LetStmtNode* op, const Stmt& self) override {
    divisors_.set(op->var.get(), divisors_.of(op->value));
    Stmt s = IRMutator::mutate_let_stmt(op, self);
    divisors_.erase(op->var.get());
    return s;
  }

  Stmt mutate_for(const ForNode* op, const Stmt& self) override {
    Stmt s = IRMutator::mutate_for(op, self);
    if (tier_ == Tier::None || op->for_kind != ForKind::Parallel || !has_streaming_store(s)) return s;
    const auto* f = s.as<ForNode>();
    // Each iteration may run on another thread: its streaming stores must be visible
    // before the runtime reports the loop done.
    return ForNode::make(f->var, f->min, f->extent, f->for_kind, SeqNode::make({f->body, fence()}), f->thread_tag);
  }

 private:
  // A dense vector of whole `align`-byte pieces starting at a multiple of `align` bytes,
  // given the buffer's data and rows are aligned as the tier assumes.
  bool provable(const StoreNode& st, int64_t align) {
    const BufferNode& b = *st.buffer;
    int lanes = st.value.type().lanes;
    if (lanes < 2 || st.indices.size() != 1) return false;
    if ((int64_t{lanes} * b.dtype.bytes()) % align != 0) return false;
    const auto* ramp = st.indices[0].as<RampNode>();
    if (!ramp || !is_const_int(ramp->stride, 1)) return false;
    Divisors facts = divisors_;
    for (const Expr& t : row_alignment_terms(b)) facts.set(t.as<VarNode>(), alignment_elems(b, tier_bytes(tier_)));
    return facts.multiple(ramp->base, alignment_elems(b, align));
  }

  void note_streamed(const BufferNode* b, int64_t align) {
    for (auto& [buffer, need] : streamed_)
      if (buffer == b) {
        need = std::max(need, align);
        return;
      }
    streamed_.emplace_back(b, align);
  }

  Tier tier_;
  Divisors divisors_;
  std::vector<std::pair<const BufferNode*, int64_t>> streamed_;
  bool any_lines_ = false;
};

// Finds the loop nests below the kernel's top-level statements and versions each one;
// consecutive nests with equal conditions (a main loop and its partitioned tail) share
// one branch.
class Versioner : public IRMutator {
 protected:
  Stmt mutate_for(const ForNode*, const Stmt& self) override {
    if (!has_streaming_store(self)) return self;
    Version v;
    for (Tier tier : {Tier::Lines, Tier::Pieces}) {
      RewriteHints fast(tier, divisors_);
      Stmt nest = fast.mutate(self);
      if (fast.streamed().empty() || (tier == Tier::Lines && !fast.any_lines())) continue;
      Expr cond;
      for (const auto& [b, align] : fast.streamed())
        cond = cond.defined() ? cond && streaming_condition(*b, align) : streaming_condition(*b, align);
      v.tiers.push_back({cond, {nest}});
    }
    v.slow = {RewriteHints(Tier::None, divisors_).mutate(self)};
    if (v.tiers.empty()) return v.slow[0];
    return remember(std::move(v));
  }

  Stmt mutate_seq(const SeqNode* op, const Stmt& self) override {
    Stmt s = IRMutator::mutate_seq(op, self);
    const auto* seq = s.as<SeqNode>();
    if (!seq) return s;
    std::vector<Stmt> out;
    bool merged = false;
    for (const Stmt& x : seq->seq) {
      const Version* prev = out.empty() ? nullptr : find(out.back());
      const Version* cur = find(x);
      if (prev && cur && same_conditions(*prev, *cur)) {
        Version joined = *prev;
        for (size_t t = 0; t < joined.tiers.size(); ++t)
          joined.tiers[t].body.insert(joined.tiers[t].body.end(), cur->tiers[t].body.begin(), cur->tiers[t].body.end());
        joined.slow.insert(joined.slow.end(), cur->slow.begin(), cur->slow.end());
        out.back() = remember(std::move(joined));
        merged = true;
      } else {
        out.push_back(x);
      }
    }
    return merged ? SeqNode::make(out) : s;
  }

  Stmt mutate_store(const StoreNode* op, const Stmt& self) override {  // outside any loop
    if (op->hint == StoreHint::Normal) return self;
    return StoreNode::make(Buffer(op->buffer), op->value, op->indices, StoreHint::Normal);
  }

  Stmt mutate_let_stmt(const LetStmtNode* op, const Stmt& self) override {
    divisors_.set(op->var.get(), divisors_.of(op->value));
    Stmt s = IRMutator::mutate_let_stmt(op, self);
    divisors_.erase(op->var.get());
    return s;
  }

 private:
  struct Branch {
    Expr cond;
    std::vector<Stmt> body;
  };
  struct Version {
    std::vector<Branch> tiers;  // the Lines tier first, where there is one
    std::vector<Stmt> slow;
    Stmt branch;  // the If made from them: holding it keeps its address a unique key
  };

  static bool same_conditions(const Version& a, const Version& b) {
    if (a.tiers.size() != b.tiers.size()) return false;
    for (size_t t = 0; t < a.tiers.size(); ++t)
      if (!equal(a.tiers[t].cond, b.tiers[t].cond)) return false;
    return true;
  }

  // if (cond1) { tier1...; store_fence() } else if (cond2) { ... } else { slow... },
  // remembered for merging.
  Stmt remember(Version v) {
    Stmt s = SeqNode::make(v.slow);
    for (auto t = v.tiers.rbegin(); t != v.tiers.rend(); ++t) {
      std::vector<Stmt> fast = t->body;
      fast.push_back(fence());
      s = IfThenElseNode::make(t->cond, SeqNode::make(fast), s);
    }
    v.branch = s;
    versions_[s.get()] = std::move(v);
    return s;
  }
  const Version* find(const Stmt& s) const {
    auto it = versions_.find(s.get());
    return it == versions_.end() ? nullptr : &it->second;
  }

  Divisors divisors_;
  std::map<const StmtNode*, Version> versions_;  // the branches this pass made
};

}  // namespace

Stmt version_streaming_stores(const Stmt& s) {
  if (!s.defined() || !has_streaming_store(s)) return s;
  return Versioner().mutate(s);
}

Stmt drop_streaming_hints(const Stmt& s) {
  if (!s.defined() || !has_streaming_store(s)) return s;
  return RewriteHints(Tier::None, Divisors()).mutate(s);
}

}  // namespace tessera::lower
