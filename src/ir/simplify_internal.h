// Internals shared by the integer simplifier's files; simplify.cpp describes the design.
// The Simplifier class is declared here and its members are defined by responsibility:
//   simplify_range.cpp   structural hashes and numeric ranges of simplified nodes
//   simplify_linear.cpp  linear forms and the canonical sums rebuilt from them
//   simplify_prover.cpp  the bound prover, and min/max and comparisons that rely on it
//   simplify_divmod.cpp  floor division and modulo
//   simplify_expr.cpp    constant folding and the remaining expression rules
//   simplify_stmt.cpp    statements, and the ranges that loops and conditions establish
// Private to src/ir: the public interface is tessera/ir/simplify.h.
#pragma once

#include <algorithm>
#include <functional>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "tessera/ir/functor.h"
#include "tessera/ir/simplify.h"
#include "tessera/ir/utils.h"

namespace tessera::ir::detail {

using i128 = __int128;
inline constexpr i128 kInf = static_cast<i128>(1) << 120;
inline constexpr i128 kTwo63 = static_cast<i128>(1) << 63;
inline constexpr i128 kTwo64 = static_cast<i128>(1) << 64;

inline i128 clamp_inf(i128 v) { return v > kInf ? kInf : (v < -kInf ? -kInf : v); }
inline i128 sat_add(i128 a, i128 b) { return clamp_inf(a + b); }
inline i128 sat_mul(i128 a, i128 b) {
  i128 r;
  if (__builtin_mul_overflow(a, b, &r)) return (a < 0) != (b < 0) ? -kInf : kInf;
  return clamp_inf(r);
}
inline i128 floor_div(i128 a, i128 b) {
  i128 q = a / b;
  if (a % b != 0 && ((a < 0) != (b < 0))) --q;
  return q;
}
inline i128 floor_mod(i128 a, i128 b) { return a - floor_div(a, b) * b; }
inline i128 abs128(i128 a) { return a < 0 ? -a : a; }

// ---- integer types ------------------------------------------------------------------------

inline bool is_int_scalar(DataType t) { return t.is_scalar() && t.is_integer(); }
inline bool is_intlike_scalar(DataType t) { return t.is_scalar() && (t.is_integer() || t.is_bool()); }
// int64 is the index type, whose arithmetic is assumed not to overflow (see simplify.cpp).
inline bool no_overflow_assumed(DataType t) { return t.is_int() && t.bits == 64 && t.is_scalar(); }

inline i128 type_min(DataType t) { return t.is_int() ? -(static_cast<i128>(1) << (t.bits - 1)) : 0; }
inline i128 type_max(DataType t) {
  if (t.is_bool()) return 1;
  if (t.is_uint()) return (static_cast<i128>(1) << t.bits) - 1;
  return (static_cast<i128>(1) << (t.bits - 1)) - 1;
}
// v modulo 2^bits as a signed number (the sign-extended low bits); Bool: v != 0.
inline i128 wrap_signed(DataType t, i128 v) {
  if (t.is_bool()) return v != 0;
  auto u = static_cast<uint64_t>(v);
  if (t.bits < 64) {
    int s = 64 - t.bits;
    return static_cast<int64_t>(u << s) >> s;
  }
  return static_cast<int64_t>(u);
}
// v wrapped into the type's value range.
inline i128 wrap_value(DataType t, i128 v) {
  i128 s = wrap_signed(t, v);
  if (t.is_uint() && s < 0) s += static_cast<i128>(1) << t.bits;
  return s;
}
inline std::optional<i128> int_value(const Expr& e) {
  if (const auto* n = e.as<IntImmNode>()) return wrap_value(n->type, n->value);
  return std::nullopt;
}
inline Expr make_int(DataType t, i128 v) {
  if (t.is_bool()) return make_bool(v != 0);
  return IntImmNode::make(t, static_cast<int64_t>(wrap_signed(t, v)));
}

inline Expr bin(BinaryOp op, const Expr& a, const Expr& b) { return BinaryNode::make(op, a, b); }
inline Expr logical_not(const Expr& e) {
  return CallNode::make(DataType::Bool(e.type().lanes), Intrinsic::LogicalNot, {e});
}
inline BinaryOp negate_cmp(BinaryOp op) {
  switch (op) {
    case BinaryOp::EQ: return BinaryOp::NE;
    case BinaryOp::NE: return BinaryOp::EQ;
    case BinaryOp::LT: return BinaryOp::GE;
    case BinaryOp::LE: return BinaryOp::GT;
    case BinaryOp::GT: return BinaryOp::LE;
    default: return BinaryOp::LT;  // GE
  }
}
inline BinaryOp swap_cmp(BinaryOp op) {  // a op b == b swap(op) a
  switch (op) {
    case BinaryOp::LT: return BinaryOp::GT;
    case BinaryOp::LE: return BinaryOp::GE;
    case BinaryOp::GT: return BinaryOp::LT;
    case BinaryOp::GE: return BinaryOp::LE;
    default: return op;
  }
}

// ---- intervals and linear forms -------------------------------------------------------------

// A numeric interval of mathematical integers (+-kInf: unbounded).
struct CI {
  i128 lo, hi;
};
inline CI type_range(DataType t) { return {type_min(t), type_max(t)}; }
inline bool inside(const CI& r, DataType t) { return r.lo >= type_min(t) && r.hi <= type_max(t); }
// The interval of a value of type t whose mathematical value lies in r: r itself if no
// wrap-around is possible, the whole type otherwise.
inline CI fit(DataType t, CI r) { return inside(r, t) ? r : type_range(t); }

struct Term {
  Expr atom;
  size_t hash;
  i128 coef;
};

// sum(atom * coef) + constant. Coefficients are exact integers (reduced only past 2^64), so
// the form is also a polynomial over Z whose value equals the expression when nothing wraps.
struct Linear {
  explicit Linear(DataType t) : type(t) {}
  DataType type;
  std::vector<Term> terms;
  i128 constant = 0;
  bool wrapped = false;  // a coefficient was reduced modulo 2^bits (no longer exact over Z)
  std::unordered_multimap<size_t, size_t> index;  // hash -> position, built past kIndexFrom (add_term)

  // Coefficients stay below 2^64 in magnitude; beyond that only their residue is kept.
  i128 reduce(i128 c) {
    if (abs128(c) < kTwo64) return c;
    wrapped = true;
    return wrap_signed(type, c);
  }
  i128 mul(i128 a, i128 b) {
    for (i128* x : {&a, &b}) {
      if (abs128(*x) <= kTwo63) continue;
      wrapped = true;
      *x = wrap_signed(type, *x);
    }
    return reduce(a * b);
  }
};

inline bool has_terms(const Linear& l, DataType t) {
  return std::any_of(l.terms.begin(), l.terms.end(),
                     [&](const Term& x) { return wrap_signed(t, x.coef) != 0; });
}

template <class V>
class NodeCache {
 public:
  std::optional<V> find(const Expr& e) const {
    auto it = map_.find(e.get());
    if (it == map_.end()) return std::nullopt;
    return it->second.second;
  }
  void put(const Expr& e, V v) { map_.insert_or_assign(e.get(), std::pair<Expr, V>(e, std::move(v))); }
  void clear() { map_.clear(); }

 private:
  std::unordered_map<const ExprNode*, std::pair<Expr, V>> map_;  // the Expr keeps the key alive
};

// Whether v appears in a buffer field (shape, strides, offset, data) that Loads, Stores or
// Allocates in s refer to: such variables must not be substituted away.
bool used_by_buffers(const Stmt& s, const Expr* e, const VarNode* v);

// ---- the simplifier ---------------------------------------------------------------------------

class Simplifier : public IRMutator {
 public:
  explicit Simplifier(const BoundsScope& scope) : base_scope_(scope) {}

  Expr mutate(const Expr& e) override {
    if (!e.defined()) return e;
    if (auto hit = memo_.find(e)) return *hit;
    Expr r = IRMutator::mutate(e);
    memo_.put(e, r);
    if (!r.same_as(e)) memo_.put(r, r);
    return r;
  }
  Stmt mutate(const Stmt& s) override { return s.defined() ? IRMutator::mutate(s) : s; }

 protected:
  Expr mutate_var(const VarNode* op, const Expr& self) override;
  Expr mutate_cast(const CastNode* op, const Expr& self) override;
  Expr mutate_binary(const BinaryNode* op, const Expr& self) override;
  Expr mutate_select(const SelectNode* op, const Expr& self) override;
  Expr mutate_call(const CallNode* op, const Expr& self) override;
  Expr mutate_ramp(const RampNode* op, const Expr& self) override;
  Expr mutate_let(const LetNode* op, const Expr& self) override;

  Stmt mutate_for(const ForNode* op, const Stmt& self) override;
  Stmt mutate_seq(const SeqNode* op, const Stmt& self) override;
  Stmt mutate_if(const IfThenElseNode* op, const Stmt& self) override;
  Stmt mutate_let_stmt(const LetStmtNode* op, const Stmt& self) override;
  Stmt mutate_allocate(const AllocateNode* op, const Stmt& self) override;
  Stmt mutate_assert(const AssertNode* op, const Stmt& self) override;
  Stmt mutate_evaluate(const EvaluateNode* op, const Stmt& self) override;

 private:
  // -- scope: the caller's ranges plus loops, lets and if-conditions entered here
  struct Saved {
    const VarNode* var;
    std::optional<Interval> previous;
  };
  const Interval* lookup(const VarNode* v) const {
    if (auto it = overlay_.find(v); it != overlay_.end()) return &it->second;
    if (auto it = base_scope_.find(v); it != base_scope_.end()) return &it->second;
    return nullptr;
  }
  // Rebinding clears the caches unless the variable is fresh (a Let's), so nothing cached
  // can depend on it.
  Saved bind(const VarNode* v, Interval r, bool clear = true) {
    if (!clear && !first_binding(v)) clear = true;
    Saved s{v, std::nullopt};
    if (auto it = overlay_.find(v); it != overlay_.end()) s.previous = it->second;
    overlay_[v] = std::move(r);
    if (clear) clear_caches();
    return s;
  }
  // Whether a Let's variable is bound here for the first time. Sibling Lets may bind the
  // same Var (loops of extent 1 become Lets of their variable), and what was cached under
  // one binding is wrong under the next, so only a first binding may keep the caches.
  bool first_binding(const VarNode* v) { return let_vars_.insert(v).second && !lookup(v); }
  void restore(const Saved& s, bool clear = true) {
    if (s.previous) overlay_[s.var] = *s.previous;
    else overlay_.erase(s.var);
    if (clear) clear_caches();
  }
  void clear_caches() {
    memo_.clear();
    ranges_.clear();
    var_ranges_.clear();
    var_deps_.clear();
  }

  // -- analyses
  size_t hash(const Expr& e);
  CI range(const Expr& e);
  [[gnu::noinline]] CI compute_range(const Expr& e);
  [[gnu::noinline]] CI binary_range(const BinaryNode* b);
  CI var_range(const VarNode* v);
  const std::vector<const VarNode*>& var_deps(const VarNode* v);

  // -- linear forms
  void add_term(Linear& l, const Expr& atom, i128 coef);
  void add_scaled(Linear& l, const Linear& other, i128 scale);
  void accumulate(Linear& l, const Expr& e, i128 scale, bool simplified);
  void accumulate_leaf(Linear& l, const Expr& e, i128 scale, bool simplified);
  Linear linearize(const Expr& e) {  // e unsimplified
    Linear l{e.type()};
    accumulate(l, e, 1, false);
    return l;
  }
  Linear linear_of(const Expr& e) {  // e simplified
    Linear l{e.type()};
    accumulate(l, e, 1, true);
    return l;
  }
  Linear minus(const Linear& a, const Linear& b) {
    Linear r = a;
    add_scaled(r, b, -1);
    return r;
  }
  Expr to_expr(const Linear& l);
  CI interval(const Linear& l);
  // Whether l's value is its polynomial's value: assumed for int64 sums of the input (whose
  // coefficients are int64 values), checked otherwise.
  bool fits(const Linear& l) { return no_overflow_assumed(l.type) ? in_range(l) : fits_exactly(l); }
  bool fits_exactly(const Linear& l) { return inside(interval(l), l.type); }
  // int64 forms are rebuilt only when that keeps every coefficient (see simplify.cpp).
  bool buildable(const Linear& l) { return !no_overflow_assumed(l.type) || in_range(l); }
  bool in_range(const Linear& l) {
    if (l.wrapped) return false;
    auto ok = [&](i128 c) { return c >= type_min(l.type) && c <= type_max(l.type); };
    return ok(l.constant) && std::all_of(l.terms.begin(), l.terms.end(), [&](const Term& t) { return ok(t.coef); });
  }

  // -- the prover (int64 only)
  // Substituting a bound simplifies it, which can ask the prover again (through min/max and
  // comparisons), and cyclic bounds would then recurse without end. So queries nested in
  // one share its allowance of steps, nest only so deep, and give up (answer the plain
  // interval) when either runs out.
  i128 bounded_upper_bound(const Linear& l);
  i128 upper_bound(const Linear& l, int& budget);
  bool proves_le(const Linear& d, i128 bound);
  bool proves_ge(const Linear& d, i128 bound);
  Linear replace_term(const Linear& l, size_t i, const Expr& by) {
    Linear r = l;
    i128 c = r.terms[i].coef;
    r.terms[i].coef = 0;
    add_scaled(r, linear_of(by), c);
    return r;
  }

  // -- rules
  [[gnu::noinline]] std::optional<Expr> canonical_sum(const Expr& e);
  [[gnu::noinline]] Expr combine(const BinaryNode* op, const Expr& self, const Expr& a, const Expr& b);
  Expr div_mod(BinaryOp op, const Expr& a, const Expr& b, const std::function<Expr()>& rebuild);
  std::optional<Expr> divide(const Linear& l, i128 c);
  std::optional<Expr> modulo(const Linear& l, i128 c);
  Expr min_max(BinaryOp op, Expr a, Expr b, const std::function<Expr()>& rebuild);
  Expr compare(BinaryOp op, const Expr& a, const Expr& b, const std::function<Expr()>& rebuild);
  Expr bits(BinaryOp op, const Expr& a, const Expr& b, const std::function<Expr()>& rebuild);
  Expr vector_binary(BinaryOp op, const Expr& a, const Expr& b, const std::function<Expr()>& rebuild);
  Expr ramp(const Expr& base, const Expr& stride, int lanes);
  void assume(const Expr& cond, bool truth, std::vector<Saved>* undo);
  void narrow(const VarNode* v, BinaryOp op, const Expr& e, std::vector<Saved>* undo);
  bool substitutable(const Var& v, const Expr& value, const Stmt& body, const Expr* body_expr);

  const BoundsScope& base_scope_;
  std::unordered_map<const VarNode*, Interval> overlay_;
  std::unordered_set<const VarNode*> let_vars_;  // Let variables bound or substituted so far
  VarMap subst_;
  NodeCache<Expr> memo_;
  NodeCache<CI> ranges_;
  NodeCache<size_t> hashes_;
  std::unordered_map<const VarNode*, CI> var_ranges_;
  std::unordered_set<const VarNode*> var_ranges_in_progress_;
  std::unordered_map<const VarNode*, std::vector<const VarNode*>> var_deps_;
  int prover_nesting_ = 0;     // prover queries in progress
  int prover_steps_left_ = 0;  // of the outermost query in progress
};

}  // namespace tessera::ir::detail
