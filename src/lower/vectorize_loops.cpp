// Vectorization (see vectorize_loops.h).
//
// Loops are processed innermost first. The body of a Vectorized loop is rewritten with the
// loop variable replaced by Ramp(min, 1, L); integer +, -, * keep affine indices as Ramps
// (so contiguity stays visible), other operations widen their scalar operands with
// Broadcast. Local allocations inside the loop get one slot per lane. Anything the rewrite
// cannot express makes the loop serial instead.
//
// Stride-1 versioning: when a vector access's Ramp has a Var stride (a symbolic tensor
// stride), the loop becomes `if (s0 == 1 && s1 == 1 ...) contiguous version else gathers`,
// the contiguous version being vectorized from the body with those strides set to 1.
#include "lower/vectorize_loops.h"

#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "tessera/ir/functor.h"
#include "tessera/ir/op.h"
#include "tessera/ir/simplify.h"
#include "tessera/ir/utils.h"

namespace tessera::lower {
namespace {

using namespace ir;

bool is_vector(const Expr& e) { return e.type().lanes > 1; }

// Intrinsics that apply lane by lane (all but the kernel-argument accessors).
bool is_elementwise(Intrinsic op) {
  switch (op) {
    case Intrinsic::ArgHandle:
    case Intrinsic::ArgInt:
    case Intrinsic::ArgFloat:
    case Intrinsic::ArgTypeCode:
    case Intrinsic::ArgCount:
    case Intrinsic::TensorData:
    case Intrinsic::TensorNDim:
    case Intrinsic::TensorShape:
    case Intrinsic::TensorStride:
    case Intrinsic::TensorHasStrides:
    case Intrinsic::TensorDTypeCode:
    case Intrinsic::TensorDTypeBits:
    case Intrinsic::TensorDTypeLanes:
    case Intrinsic::TensorDeviceType:
    case Intrinsic::TensorByteOffset:
      return false;
    default:
      return true;
  }
}

// An integer vector as base + lane * stride, when it has that form.
struct Affine {
  Expr base, stride;
};

std::optional<Affine> as_affine(const Expr& e) {
  if (!is_vector(e)) return Affine{e, make_zero(e.type())};
  if (const auto* r = e.as<RampNode>()) return Affine{r->base, r->stride};
  if (const auto* b = e.as<BroadcastNode>()) return Affine{b->value, make_zero(b->value.type())};
  return std::nullopt;
}

// a op b (Add, Sub or Mul) on scalars. Constants and identities fold here so Ramp strides
// stay literal constants; anything else goes through the simplifier.
Expr fold(BinaryOp op, const Expr& a, const Expr& b) {
  const auto* ca = a.as<IntImmNode>();
  const auto* cb = b.as<IntImmNode>();
  if (ca && cb) {
    uint64_t x = static_cast<uint64_t>(ca->value), y = static_cast<uint64_t>(cb->value);
    uint64_t r = op == BinaryOp::Add ? x + y : op == BinaryOp::Sub ? x - y : x * y;
    return make_const(a.type(), static_cast<int64_t>(r));
  }
  switch (op) {
    case BinaryOp::Add:
      if (is_const_int(a, 0)) return b;
      if (is_const_int(b, 0)) return a;
      break;
    case BinaryOp::Sub:
      if (is_const_int(b, 0)) return a;
      break;
    default:
      if (is_const_int(a, 1)) return b;
      if (is_const_int(b, 1)) return a;
      if (is_const_int(a, 0) || is_const_int(b, 0)) return make_zero(a.type());
      break;
  }
  return simplify(BinaryNode::make(op, a, b));
}

class BodyVectorizer : public IRMutator {
 public:
  BodyVectorizer(const Var& var, const Expr& min, int lanes) : var_(var.get()), lanes_(lanes) {
    DataType t = min.type();
    lane_ramp_ = make_ramp(min, make_const(t, int64_t{1}));
  }

  bool failed() const { return failed_; }

  Expr mutate(const Expr& e) override { return failed_ ? e : IRMutator::mutate(e); }
  Stmt mutate(const Stmt& s) override { return failed_ ? s : IRMutator::mutate(s); }

 protected:
  Expr mutate_var(const VarNode* op, const Expr& self) override {
    if (op == var_) return lane_ramp_;
    auto it = replaced_.find(op);
    return it == replaced_.end() ? self : it->second;
  }

  Expr mutate_binary(const BinaryNode* op, const Expr& self) override {
    Expr a = mutate(op->a), b = mutate(op->b);
    if (!is_vector(a) && !is_vector(b)) {
      return a.same_as(op->a) && b.same_as(op->b) ? self : BinaryNode::make(op->op, a, b);
    }
    return vector_binary(op->op, a, b);
  }

  Expr mutate_cast(const CastNode* op, const Expr& self) override {
    Expr v = mutate(op->value);
    if (!is_vector(v)) return v.same_as(op->value) ? self : CastNode::make(op->type, v);
    if (const auto* b = v.as<BroadcastNode>())
      return BroadcastNode::make(CastNode::make(op->type, b->value), lanes_);
    return CastNode::make(op->type.with_lanes(lanes_), v);
  }

  Expr mutate_select(const SelectNode* op, const Expr& self) override {
    Expr c = mutate(op->cond), t = mutate(op->true_value), f = mutate(op->false_value);
    if (!is_vector(c) && !is_vector(t) && !is_vector(f)) {
      if (c.same_as(op->cond) && t.same_as(op->true_value) && f.same_as(op->false_value))
        return self;
      return SelectNode::make(c, t, f);
    }
    return SelectNode::make(c, widen(t), widen(f));
  }

  Expr mutate_call(const CallNode* op, const Expr& self) override {
    std::vector<Expr> args;
    bool changed = mutate_all(op->args, &args);
    bool any_vector = false;
    for (const Expr& a : args) any_vector = any_vector || is_vector(a);
    if (!any_vector) return changed ? CallNode::make(op->type, op->op, std::move(args)) : self;
    if (!is_elementwise(op->op)) return fail(self);
    for (Expr& a : args) a = widen(a);
    return CallNode::make(op->type.with_lanes(lanes_), op->op, std::move(args));
  }

  Expr mutate_load(const LoadNode* op, const Expr& self) override {
    std::vector<Expr> indices;
    bool changed = mutate_all(op->indices, &indices);
    Buffer buffer(op->buffer);
    if (auto it = widened_.find(op->buffer.get()); it != widened_.end()) {
      if (indices.size() != 1) return fail(self);
      return LoadNode::make(it->second, {lane_slot(indices[0])});
    }
    bool any_vector = false;
    for (const Expr& i : indices) any_vector = any_vector || is_vector(i);
    if (!any_vector) return changed ? LoadNode::make(buffer, std::move(indices)) : self;
    if (indices.size() != 1) return fail(self);
    // The same element in every lane: one scalar load.
    if (auto a = as_affine(indices[0]); a && is_const_int(a->stride, 0))
      return BroadcastNode::make(LoadNode::make(buffer, {a->base}), lanes_);
    return LoadNode::make(buffer, std::move(indices));
  }

  Expr mutate_ramp(const RampNode*, const Expr& self) override { return fail(self); }
  Expr mutate_broadcast(const BroadcastNode*, const Expr& self) override { return fail(self); }
  Expr mutate_reduce(const ReduceNode*, const Expr& self) override { return fail(self); }

  Expr mutate_let(const LetNode* op, const Expr& self) override {
    Expr value = mutate(op->value);
    if (!is_vector(value)) {
      Expr body = mutate(op->body);
      if (value.same_as(op->value) && body.same_as(op->body)) return self;
      return LetNode::make(op->var, value, body);
    }
    if (inline_vector_value(op->var, value)) return mutate(op->body);
    Var lanes_var(op->var.name(), value.type());
    replaced_[op->var.get()] = lanes_var;
    Expr body = mutate(op->body);
    return LetNode::make(lanes_var, value, body);
  }

  Stmt mutate_let_stmt(const LetStmtNode* op, const Stmt& self) override {
    Expr value = mutate(op->value);
    if (!is_vector(value)) {
      Stmt body = mutate(op->body);
      if (value.same_as(op->value) && body.same_as(op->body)) return self;
      return LetStmtNode::make(op->var, value, body);
    }
    if (inline_vector_value(op->var, value)) return mutate(op->body);
    Var lanes_var(op->var.name(), value.type());
    replaced_[op->var.get()] = lanes_var;
    Stmt body = mutate(op->body);
    return LetStmtNode::make(lanes_var, value, body);
  }

  Stmt mutate_store(const StoreNode* op, const Stmt& self) override {
    Expr value = mutate(op->value);
    std::vector<Expr> indices;
    mutate_all(op->indices, &indices);
    if (failed_ || indices.size() != 1) return fail(self);
    Buffer buffer(op->buffer);
    Expr index = indices[0];
    if (auto it = widened_.find(op->buffer.get()); it != widened_.end()) {
      buffer = it->second;
      index = lane_slot(index);
    }
    // Every lane writing one element (or a store the loop only repeats) is not a vector op.
    auto a = as_affine(index);
    if (!is_vector(index) || (a && is_const_int(a->stride, 0))) return fail(self);
    return StoreNode::make(buffer, widen(value), {index}, op->hint);
  }

  Stmt mutate_for(const ForNode* op, const Stmt& self) override {
    Expr min = mutate(op->min), extent = mutate(op->extent);
    if (is_vector(min) || is_vector(extent)) return fail(self);
    return IRMutator::mutate_for(op, self);
  }

  Stmt mutate_if(const IfThenElseNode* op, const Stmt& self) override {
    if (is_vector(mutate(op->condition))) return fail(self);
    return IRMutator::mutate_if(op, self);
  }

  Stmt mutate_assert(const AssertNode* op, const Stmt& self) override {
    Stmt result = IRMutator::mutate_assert(op, self);
    if (const auto* a = result.as<AssertNode>()) {
      if (is_vector(a->condition)) return fail(self);
      for (const Expr& m : a->message)
        if (is_vector(m)) return fail(self);
    }
    return result;
  }

  Stmt mutate_evaluate(const EvaluateNode* op, const Stmt& self) override {
    Stmt result = IRMutator::mutate_evaluate(op, self);
    if (const auto* e = result.as<EvaluateNode>(); e && is_vector(e->value)) return fail(self);
    return result;
  }

  // Each lane gets its own copy of a local allocation made inside the loop.
  Stmt mutate_allocate(const AllocateNode* op, const Stmt& self) override {
    const BufferNode* b = op->buffer.get();
    if (b->scope != "local") return fail(self);
    Expr size = make_const(DataType::Index(), int64_t{lanes_});
    for (const Expr& e : b->shape) size = fold(BinaryOp::Mul, size, e);
    Buffer wide = Buffer::make(b->name, b->dtype, {size}, {}, Expr(), b->scope);
    widened_[b] = wide;
    Stmt body = mutate(op->body);
    return AllocateNode::make(wide, body);
  }

 private:
  template <class T>
  T fail(const T& self) {
    failed_ = true;
    return self;
  }

  Expr make_ramp(const Expr& base, const Expr& stride) {
    if (is_const_int(stride, 0)) return BroadcastNode::make(base, lanes_);
    return RampNode::make(base, stride, lanes_);
  }

  Expr widen(const Expr& e) { return is_vector(e) ? e : BroadcastNode::make(e, lanes_); }

  // Ramps and Broadcasts are substituted into their uses so indices stay affine.
  bool inline_vector_value(const Var& var, const Expr& value) {
    if (!value.as<RampNode>() && !value.as<BroadcastNode>()) return false;
    replaced_[var.get()] = value;
    return true;
  }

  // Element `index` of the current lane in a widened allocation: index * L + lane.
  Expr lane_slot(const Expr& index) {
    DataType t = index.type().element_of();
    Expr scaled = vector_binary(BinaryOp::Mul, index, make_const(t, int64_t{lanes_}));
    return vector_binary(BinaryOp::Add, scaled,
                         RampNode::make(make_zero(t), make_const(t, int64_t{1}), lanes_));
  }

  Expr vector_binary(BinaryOp op, const Expr& a, const Expr& b) {
    const DataType elem = a.type().element_of();
    if (elem.is_integer() && (op == BinaryOp::Add || op == BinaryOp::Sub || op == BinaryOp::Mul)) {
      auto fa = as_affine(a), fb = as_affine(b);
      if (fa && fb) {
        if (op != BinaryOp::Mul) {
          return make_ramp(fold(op, fa->base, fb->base), fold(op, fa->stride, fb->stride));
        }
        if (is_const_int(fb->stride, 0))
          return make_ramp(fold(op, fa->base, fb->base), fold(op, fa->stride, fb->base));
        if (is_const_int(fa->stride, 0))
          return make_ramp(fold(op, fa->base, fb->base), fold(op, fa->base, fb->stride));
      }
    }
    const auto* ba = a.as<BroadcastNode>();
    const auto* bb = b.as<BroadcastNode>();
    if ((ba || !is_vector(a)) && (bb || !is_vector(b))) {
      Expr sa = ba ? ba->value : a, sb = bb ? bb->value : b;
      return BroadcastNode::make(BinaryNode::make(op, sa, sb), lanes_);
    }
    return BinaryNode::make(op, widen(a), widen(b));
  }

  const VarNode* var_;
  int lanes_;
  Expr lane_ramp_;
  bool failed_ = false;
  std::unordered_map<const VarNode*, Expr> replaced_;
  std::unordered_map<const BufferNode*, Buffer> widened_;
};

bool has_vectors(const Stmt& s) {
  bool found = false;
  post_order_visit(
      s, [](const Stmt&) {}, [&](const Expr& e) { found = found || is_vector(e); });
  return found;
}

// The Var strides of the Ramps that vector loads and stores of s index with.
std::vector<Var> symbolic_ramp_strides(const Stmt& s) {
  std::vector<Var> strides;
  std::unordered_set<const VarNode*> seen;
  auto note = [&](const std::vector<Expr>& indices) {
    if (indices.size() != 1) return;
    const auto* r = indices[0].as<RampNode>();
    if (!r || !r->stride.as<VarNode>()) return;
    Var v = Var::from(r->stride);
    if (seen.insert(v.get()).second) strides.push_back(v);
  };
  post_order_visit(
      s,
      [&](const Stmt& x) {
        if (const auto* st = x.as<StoreNode>()) note(st->indices);
      },
      [&](const Expr& x) {
        if (const auto* ld = x.as<LoadNode>()) note(ld->indices);
      });
  return strides;
}


class LoopVectorizer : public IRMutator {
 protected:
  Stmt mutate_for(const ForNode* op, const Stmt& self) override {
    Stmt inner = IRMutator::mutate_for(op, self);
    const auto* loop = inner.as<ForNode>();
    if (op->for_kind != ForKind::Vectorized) return hoist_version(loop, inner);
    Expr simplified_extent = simplify(loop->extent);
    const int64_t* extent = as_const_int(simplified_extent);
    if (extent && *extent >= 2 && *extent <= 65535 && !has_vectors(loop->body)) {
      int lanes = static_cast<int>(*extent);
      if (Stmt v = vectorize(loop->var, loop->min, lanes, loop->body); v.defined()) {
        return version_unit_strides(loop, lanes, v);
      }
    }
    return ForNode::make(loop->var, loop->min, loop->extent, ForKind::Serial, loop->body);
  }

 private:
  static Stmt vectorize(const Var& var, const Expr& min, int lanes, const Stmt& body) {
    BodyVectorizer v(var, min, lanes);
    Stmt result = v.mutate(body);
    return v.failed() ? Stmt() : result;
  }

  // A loop whose whole body is a stride version check runs the check once, outside:
  // `for: if (c) A else B` becomes `if (c) for: A else for: B`. The check reads no memory,
  // so evaluating it when the loop has no iterations is harmless.
  Stmt hoist_version(const ForNode* loop, const Stmt& self) {
    const auto* version = loop->body.as<IfThenElseNode>();
    if (!version || !versions_.count(version) || uses_var(version->condition, loop->var.get()))
      return self;
    auto with_body = [&](const Stmt& body) {
      return ForNode::make(loop->var, loop->min, loop->extent, loop->for_kind, body,
                           loop->thread_tag);
    };
    return remember(IfThenElseNode::make(version->condition, with_body(version->then_case),
                                         with_body(version->else_case)));
  }

  Stmt remember(const Stmt& version) {
    versions_.insert(version.as<IfThenElseNode>());
    kept_.push_back(version);
    return version;
  }

  Stmt version_unit_strides(const ForNode* loop, int lanes, const Stmt& strided) {
    std::unordered_set<const VarNode*> local = vars_bound_in(loop->body);
    VarMap unit;
    Expr all_unit;
    for (const Var& s : symbolic_ramp_strides(strided)) {
      if (local.count(s.get())) continue;
      unit[s.get()] = make_const(s.type(), int64_t{1});
      Expr is_unit = BinaryNode::make(BinaryOp::EQ, s, make_const(s.type(), int64_t{1}));
      all_unit = all_unit.defined() ? BinaryNode::make(BinaryOp::And, all_unit, is_unit) : is_unit;
    }
    if (unit.empty()) return strided;
    Stmt contiguous = vectorize(loop->var, loop->min, lanes, substitute(loop->body, unit));
    if (!contiguous.defined()) return strided;
    return remember(IfThenElseNode::make(all_unit, contiguous, strided));
  }

  // The checks made here. kept_ holds them alive: a check replaced by its hoisted copy would
  // otherwise be freed, and a new IfThenElse at the same address taken for a check
  // (program fuzzer seed 1794509789: an `if` without else "hoisted" into a loop with no body).
  std::unordered_set<const IfThenElseNode*> versions_;
  std::vector<Stmt> kept_;
};

}  // namespace

ir::Stmt vectorize_loops(const ir::Stmt& s) { return LoopVectorizer().mutate(s); }

}  // namespace tessera::lower
