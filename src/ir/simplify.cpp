// The integer simplifier (simplify.h).
//
// Integer sums are flattened into linear forms, sum(atom * coefficient) + constant, whose
// atoms are simplified non-linear subexpressions; rebuilding a form gives the canonical sum
// (terms in order of first appearance, positive terms first, the constant last). Collecting
// terms is an identity in Z/2^bits, so it never changes a value, even when it wraps.
//
// Rules that need the mathematical value (splitting floor division, ordered comparisons,
// min/max) first show that no wrap-around happens, using an exact numeric interval for every
// simplified node. The exception is int64, the index type: like Halide and TVM, the
// simplifier assumes that the int64 +, -, *, negations and divisions of its input (and of the
// scope's bounds) do not overflow, so an input sum's value is its polynomial's value. Sums it
// builds itself (the remainder of a split division, the sides of a canonical comparison) are
// still checked, and canonical int64 sums never wrap a coefficient. Results can differ only
// for inputs where some int64 operation of the input overflows. Narrower and unsigned types
// are always exact.
//
// Comparisons the intervals cannot decide go to a small prover that substitutes symbolic
// loop bounds (dependent loops first) and splits min/max atoms.
#include "tessera/ir/simplify.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "tessera/ir/functor.h"
#include "tessera/ir/utils.h"

namespace tessera::ir {
namespace {

using i128 = __int128;
constexpr i128 kInf = static_cast<i128>(1) << 120;
constexpr i128 kTwo63 = static_cast<i128>(1) << 63;
constexpr i128 kTwo64 = static_cast<i128>(1) << 64;

i128 clamp_inf(i128 v) { return v > kInf ? kInf : (v < -kInf ? -kInf : v); }
i128 sat_add(i128 a, i128 b) { return clamp_inf(a + b); }
i128 sat_mul(i128 a, i128 b) {
  i128 r;
  if (__builtin_mul_overflow(a, b, &r)) return (a < 0) != (b < 0) ? -kInf : kInf;
  return clamp_inf(r);
}
i128 floor_div(i128 a, i128 b) {
  i128 q = a / b;
  if (a % b != 0 && ((a < 0) != (b < 0))) --q;
  return q;
}
i128 floor_mod(i128 a, i128 b) { return a - floor_div(a, b) * b; }
i128 abs128(i128 a) { return a < 0 ? -a : a; }
i128 gcd128(i128 a, i128 b) {
  a = abs128(a);
  b = abs128(b);
  while (b != 0) {
    i128 t = a % b;
    a = b;
    b = t;
  }
  return a;
}
bool is_pow2(i128 c) { return c > 0 && (c & (c - 1)) == 0; }

// ---- integer types ------------------------------------------------------------------------

bool is_int_scalar(DataType t) { return t.is_scalar() && t.is_integer(); }
bool is_intlike_scalar(DataType t) { return t.is_scalar() && (t.is_integer() || t.is_bool()); }
// int64 is the index type, whose arithmetic is assumed not to overflow (see above).
bool no_overflow_assumed(DataType t) { return t.is_int() && t.bits == 64 && t.is_scalar(); }

i128 type_min(DataType t) { return t.is_int() ? -(static_cast<i128>(1) << (t.bits - 1)) : 0; }
i128 type_max(DataType t) {
  if (t.is_bool()) return 1;
  if (t.is_uint()) return (static_cast<i128>(1) << t.bits) - 1;
  return (static_cast<i128>(1) << (t.bits - 1)) - 1;
}
// v modulo 2^bits as a signed number (the sign-extended low bits); Bool: v != 0.
i128 wrap_signed(DataType t, i128 v) {
  if (t.is_bool()) return v != 0;
  auto u = static_cast<uint64_t>(v);
  if (t.bits < 64) {
    int s = 64 - t.bits;
    return static_cast<int64_t>(u << s) >> s;
  }
  return static_cast<int64_t>(u);
}
// v wrapped into the type's value range.
i128 wrap_value(DataType t, i128 v) {
  i128 s = wrap_signed(t, v);
  if (t.is_uint() && s < 0) s += static_cast<i128>(1) << t.bits;
  return s;
}
std::optional<i128> int_value(const Expr& e) {
  if (const auto* n = e.as<IntImmNode>()) return wrap_value(n->type, n->value);
  return std::nullopt;
}
Expr make_int(DataType t, i128 v) {
  if (t.is_bool()) return make_bool(v != 0);
  return IntImmNode::make(t, static_cast<int64_t>(wrap_signed(t, v)));
}

Expr bin(BinaryOp op, const Expr& a, const Expr& b) { return BinaryNode::make(op, a, b); }
Expr logical_not(const Expr& e) {
  return CallNode::make(DataType::Bool(e.type().lanes), Intrinsic::LogicalNot, {e});
}
BinaryOp negate_cmp(BinaryOp op) {
  switch (op) {
    case BinaryOp::EQ: return BinaryOp::NE;
    case BinaryOp::NE: return BinaryOp::EQ;
    case BinaryOp::LT: return BinaryOp::GE;
    case BinaryOp::LE: return BinaryOp::GT;
    case BinaryOp::GT: return BinaryOp::LE;
    default: return BinaryOp::LT;  // GE
  }
}
BinaryOp swap_cmp(BinaryOp op) {  // a op b == b swap(op) a
  switch (op) {
    case BinaryOp::LT: return BinaryOp::GT;
    case BinaryOp::LE: return BinaryOp::GE;
    case BinaryOp::GT: return BinaryOp::LT;
    case BinaryOp::GE: return BinaryOp::LE;
    default: return op;
  }
}

// ---- constant folding -----------------------------------------------------------------------

std::optional<Expr> fold_int(BinaryOp op, DataType t, i128 a, i128 b) {
  auto wrapped_mul = [](i128 x, i128 y) {
    return static_cast<i128>(static_cast<uint64_t>(x) * static_cast<uint64_t>(y));
  };
  bool arith = op == BinaryOp::Add || op == BinaryOp::Sub || op == BinaryOp::Mul ||
               op == BinaryOp::Div || op == BinaryOp::Mod || op == BinaryOp::Shl ||
               op == BinaryOp::Shr;
  if (t.is_bool() && arith) return std::nullopt;
  if (no_overflow_assumed(t)) {  // int64 overflow is outside the assumptions: leave it be
    std::optional<i128> exact;
    if (op == BinaryOp::Add) exact = a + b;
    if (op == BinaryOp::Sub) exact = a - b;
    if (op == BinaryOp::Mul) exact = a * b;
    if (op == BinaryOp::Div && b == -1) exact = -a;
    if (exact && (*exact < type_min(t) || *exact > type_max(t))) return std::nullopt;
  }
  switch (op) {
    case BinaryOp::Add: return make_int(t, a + b);
    case BinaryOp::Sub: return make_int(t, a - b);
    case BinaryOp::Mul: return make_int(t, wrapped_mul(a, b));
    case BinaryOp::Div: return make_int(t, b == 0 ? 0 : floor_div(a, b));
    case BinaryOp::Mod: return make_int(t, b == 0 ? 0 : floor_mod(a, b));
    case BinaryOp::Min: return make_int(t, std::min(a, b));
    case BinaryOp::Max: return make_int(t, std::max(a, b));
    case BinaryOp::EQ: return make_bool(a == b);
    case BinaryOp::NE: return make_bool(a != b);
    case BinaryOp::LT: return make_bool(a < b);
    case BinaryOp::LE: return make_bool(a <= b);
    case BinaryOp::GT: return make_bool(a > b);
    case BinaryOp::GE: return make_bool(a >= b);
    case BinaryOp::And: return make_bool(a != 0 && b != 0);
    case BinaryOp::Or: return make_bool(a != 0 || b != 0);
    case BinaryOp::BitAnd: return make_int(t, a & b);
    case BinaryOp::BitOr: return make_int(t, a | b);
    case BinaryOp::BitXor: return make_int(t, a ^ b);
    case BinaryOp::Shl:
      if (b < 0 || b >= t.bits) return make_int(t, 0);
      return make_int(t, static_cast<i128>(static_cast<uint64_t>(a) << static_cast<int>(b)));
    case BinaryOp::Shr:
      if (b < 0 || b >= t.bits) return make_int(t, t.is_int() && a < 0 ? -1 : 0);
      return make_int(t, a >> static_cast<int>(b));
  }
  return std::nullopt;
}

// Double arithmetic rounded once to float32 equals float32 arithmetic for + - * /.
std::optional<Expr> fold_float(BinaryOp op, DataType t, double x, double y) {
  if (!(t == DataType::Float(32) || t == DataType::Float(64))) return std::nullopt;
  double r;
  switch (op) {
    case BinaryOp::Add: r = x + y; break;
    case BinaryOp::Sub: r = x - y; break;
    case BinaryOp::Mul: r = x * y; break;
    case BinaryOp::Div: r = x / y; break;
    case BinaryOp::Min: r = (x <= y || std::isnan(x)) ? x : y; break;
    case BinaryOp::Max: r = (x >= y || std::isnan(x)) ? x : y; break;
    case BinaryOp::EQ: return make_bool(x == y);
    case BinaryOp::NE: return make_bool(x != y);
    case BinaryOp::LT: return make_bool(x < y);
    case BinaryOp::LE: return make_bool(x <= y);
    case BinaryOp::GT: return make_bool(x > y);
    case BinaryOp::GE: return make_bool(x >= y);
    default: return std::nullopt;
  }
  if (t.bits == 32) r = static_cast<double>(static_cast<float>(r));
  return FloatImmNode::make(t, r);
}

std::optional<Expr> fold_cast(DataType to, const Expr& v) {
  bool f32 = to == DataType::Float(32), f64 = to == DataType::Float(64);
  if (auto c = int_value(v)) {
    if (to.is_integer() || to.is_bool()) return make_int(to, *c);
    bool fits_signed = *c >= -kTwo63 && *c < kTwo63;
    auto s = static_cast<int64_t>(*c);
    auto u = static_cast<uint64_t>(*c);
    if (f64) return FloatImmNode::make(to, fits_signed ? static_cast<double>(s) : static_cast<double>(u));
    if (f32) return FloatImmNode::make(to, fits_signed ? static_cast<float>(s) : static_cast<float>(u));
    return std::nullopt;
  }
  const auto* f = v.as<FloatImmNode>();
  if (!f || !(f->type == DataType::Float(32) || f->type == DataType::Float(64))) return std::nullopt;
  double x = f->value;
  if (to.is_bool()) return make_bool(x != 0);
  if (to.is_integer()) {
    if (!std::isfinite(x)) return std::nullopt;
    double r = std::trunc(x);
    double lo = to.is_int() ? -std::ldexp(1.0, to.bits - 1) : 0.0;
    double hi = std::ldexp(1.0, to.is_int() ? to.bits - 1 : to.bits);
    if (r < lo || r >= hi) return std::nullopt;  // unspecified: leave it to the target
    return make_int(to, r < 0 ? static_cast<i128>(static_cast<int64_t>(r))
                              : static_cast<i128>(static_cast<uint64_t>(r)));
  }
  if (f64) return FloatImmNode::make(to, x);
  if (f32) return FloatImmNode::make(to, static_cast<double>(static_cast<float>(x)));
  return std::nullopt;
}

// ---- intervals and linear forms -------------------------------------------------------------

// A numeric interval of mathematical integers (+-kInf: unbounded).
struct CI {
  i128 lo, hi;
};
CI type_range(DataType t) { return {type_min(t), type_max(t)}; }
bool inside(const CI& r, DataType t) { return r.lo >= type_min(t) && r.hi <= type_max(t); }
// The interval of a value of type t whose mathematical value lies in r: r itself if no
// wrap-around is possible, the whole type otherwise.
CI fit(DataType t, CI r) { return inside(r, t) ? r : type_range(t); }
CI hull(CI a, CI b) { return {std::min(a.lo, b.lo), std::max(a.hi, b.hi)}; }
CI corners(CI a, CI b, i128 (*f)(i128, i128)) {
  i128 v[4] = {f(a.lo, b.lo), f(a.lo, b.hi), f(a.hi, b.lo), f(a.hi, b.hi)};
  return {*std::min_element(v, v + 4), *std::max_element(v, v + 4)};
}
// Floor division over intervals: monotone in each operand while the divisor keeps its sign.
CI div_range(CI x, CI y) {
  auto div = [](i128 a, i128 b) { return floor_div(a, b); };
  if (y.lo > 0 || y.hi < 0) return corners(x, y, div);
  CI r{0, 0};  // division by zero gives 0
  if (y.lo < 0) r = hull(r, corners(x, {y.lo, -1}, div));
  if (y.hi > 0) r = hull(r, corners(x, {1, y.hi}, div));
  return r;
}
CI mod_range(CI x, CI y) {
  if (y.lo == y.hi) {
    i128 c = y.lo;
    if (c == 0) return {0, 0};
    if (floor_div(x.lo, c) == floor_div(x.hi, c)) return {floor_mod(x.lo, c), floor_mod(x.hi, c)};
    return c > 0 ? CI{0, c - 1} : CI{c + 1, 0};
  }
  CI r{y.lo < 0 ? y.lo + 1 : 0, y.hi > 0 ? y.hi - 1 : 0};
  if (x.lo >= 0 && y.lo > 0) r.hi = std::min(r.hi, x.hi);
  return r;
}

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
  std::unordered_multimap<size_t, size_t> index;  // hash -> position, built past kIndexFrom

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
constexpr size_t kIndexFrom = 16;

bool has_terms(const Linear& l, DataType t) {
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
bool used_by_buffers(const Stmt& s, const Expr* e, const VarNode* v) {
  bool found = false;
  auto check = [&](const BufferNode* b) {
    if (found || !b) return;
    if (b->data.get() == v) found = true;
    for (const auto* list : {&b->shape, &b->strides})
      for (const Expr& x : *list) found = found || uses_var(x, v);
    if (b->elem_offset.defined()) found = found || uses_var(b->elem_offset, v);
  };
  auto on_expr = [&](const Expr& x) {
    if (const auto* l = x.as<LoadNode>()) check(l->buffer.get());
  };
  auto on_stmt = [&](const Stmt& x) {
    if (const auto* st = x.as<StoreNode>()) check(st->buffer.get());
    if (const auto* a = x.as<AllocateNode>()) check(a->buffer.get());
  };
  if (e) post_order_visit(*e, on_expr);
  if (s.defined()) post_order_visit(s, on_stmt, on_expr);
  return found;
}

Stmt no_op() { return SeqNode::make({}); }
bool is_no_op(const Stmt& s) {
  if (!s.defined()) return true;
  if (const auto* q = s.as<SeqNode>()) return q->seq.empty();
  if (const auto* e = s.as<EvaluateNode>()) return e->value.as<IntImmNode>() != nullptr;
  return false;
}

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
    Saved s{v, std::nullopt};
    if (auto it = overlay_.find(v); it != overlay_.end()) s.previous = it->second;
    overlay_[v] = std::move(r);
    if (clear) clear_caches();
    return s;
  }
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
  // int64 forms are rebuilt only when that keeps every coefficient (see the file comment).
  bool buildable(const Linear& l) { return !no_overflow_assumed(l.type) || in_range(l); }
  bool in_range(const Linear& l) {
    if (l.wrapped) return false;
    auto ok = [&](i128 c) { return c >= type_min(l.type) && c <= type_max(l.type); };
    return ok(l.constant) && std::all_of(l.terms.begin(), l.terms.end(), [&](const Term& t) { return ok(t.coef); });
  }

  // -- the prover (int64 only)
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
  VarMap subst_;
  NodeCache<Expr> memo_;
  NodeCache<CI> ranges_;
  NodeCache<size_t> hashes_;
  std::unordered_map<const VarNode*, CI> var_ranges_;
  std::unordered_set<const VarNode*> var_ranges_in_progress_;
  std::unordered_map<const VarNode*, std::vector<const VarNode*>> var_deps_;
};

// ---- analyses -------------------------------------------------------------------------------

size_t Simplifier::hash(const Expr& e) {
  if (auto hit = hashes_.find(e)) return *hit;
  size_t h = static_cast<size_t>(e.kind()) * 0x9e3779b97f4a7c15ULL;
  auto mix = [&h](size_t x) { h ^= x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2); };
  DataType t = e.type();
  mix(static_cast<size_t>(t.code) << 24 | static_cast<size_t>(t.bits) << 16 | t.lanes);
  switch (e.kind()) {
    case ExprKind::IntImm: mix(static_cast<size_t>(e.as<IntImmNode>()->value)); break;
    case ExprKind::FloatImm: {
      uint64_t bits_of;
      std::memcpy(&bits_of, &e.as<FloatImmNode>()->value, sizeof bits_of);
      mix(bits_of);
      break;
    }
    case ExprKind::StringImm: mix(std::hash<std::string>()(e.as<StringImmNode>()->value)); break;
    case ExprKind::Cast: mix(hash(e.as<CastNode>()->value)); break;
    case ExprKind::Binary: {
      const auto* b = e.as<BinaryNode>();
      mix(static_cast<size_t>(b->op));
      mix(hash(b->a));
      mix(hash(b->b));
      break;
    }
    case ExprKind::Select: {
      const auto* s = e.as<SelectNode>();
      for (const Expr* x : {&s->cond, &s->true_value, &s->false_value}) mix(hash(*x));
      break;
    }
    case ExprKind::Call: {
      const auto* c = e.as<CallNode>();
      mix(static_cast<size_t>(c->op));
      for (const Expr& a : c->args) mix(hash(a));
      break;
    }
    case ExprKind::Load: {
      const auto* l = e.as<LoadNode>();
      mix(std::hash<const void*>()(l->buffer.get()));
      for (const Expr& i : l->indices) mix(hash(i));
      break;
    }
    case ExprKind::Ramp: {
      const auto* r = e.as<RampNode>();
      mix(hash(r->base));
      mix(hash(r->stride));
      break;
    }
    case ExprKind::Broadcast: mix(hash(e.as<BroadcastNode>()->value)); break;
    case ExprKind::Let: {
      const auto* l = e.as<LetNode>();
      mix(std::hash<const void*>()(l->var.get()));
      mix(hash(l->value));
      mix(hash(l->body));
      break;
    }
    default: mix(std::hash<const void*>()(e.get())); break;  // Var, Reduce: identity
  }
  hashes_.put(e, h);
  return h;
}

CI Simplifier::range(const Expr& e) {
  DataType t = e.type();
  if (!is_intlike_scalar(t)) return {-kInf, kInf};
  if (auto hit = ranges_.find(e)) return *hit;
  CI r = compute_range(e);
  ranges_.put(e, r);
  return r;
}

CI Simplifier::var_range(const VarNode* v) {
  if (auto it = var_ranges_.find(v); it != var_ranges_.end()) return it->second;
  CI r = type_range(v->type);
  const Interval* iv = lookup(v);
  if (!iv || var_ranges_in_progress_.count(v)) return r;  // cyclic bounds: give up on them
  var_ranges_in_progress_.insert(v);
  Interval bounds = *iv;  // the scope may change while the ends are simplified
  if (bounds.min.defined() && bounds.min.type() == v->type)
    r.lo = std::max(r.lo, range(mutate(bounds.min)).lo);
  if (bounds.max.defined() && bounds.max.type() == v->type)
    r.hi = std::min(r.hi, range(mutate(bounds.max)).hi);
  var_ranges_in_progress_.erase(v);
  var_ranges_[v] = r;
  return r;
}

CI Simplifier::compute_range(const Expr& e) {
  DataType t = e.type();
  switch (e.kind()) {
    case ExprKind::IntImm: {
      i128 v = *int_value(e);
      return {v, v};
    }
    case ExprKind::Var: return var_range(e.as<VarNode>());
    case ExprKind::Cast: {
      const Expr& v = e.as<CastNode>()->value;
      if (!is_intlike_scalar(v.type())) return type_range(t);
      CI r = range(v);
      if (t.is_bool()) return {(r.lo > 0 || r.hi < 0) ? 1 : 0, (r.lo == 0 && r.hi == 0) ? 0 : 1};
      return inside(r, t) ? r : type_range(t);
    }
    case ExprKind::Binary: return binary_range(e.as<BinaryNode>());
    case ExprKind::Select: {
      const auto* s = e.as<SelectNode>();
      return hull(range(s->true_value), range(s->false_value));
    }
    case ExprKind::Call: {
      const auto* c = e.as<CallNode>();
      if (c->args.size() == 1 && is_int_scalar(c->args[0].type()) && t.is_integer()) {
        CI a = range(c->args[0]);
        if (c->op == Intrinsic::Neg) return fit(t, {-a.hi, -a.lo});
        if (c->op == Intrinsic::Abs) {
          if (a.lo >= 0) return a;
          CI r = a.hi < 0 ? CI{-a.hi, -a.lo} : CI{0, std::max(-a.lo, a.hi)};
          return fit(t, r);
        }
      }
      return type_range(t);
    }
    case ExprKind::Let: {
      const auto* l = e.as<LetNode>();
      if (!is_intlike_scalar(l->var->type)) return range(l->body);
      Saved s = bind(l->var.get(), Interval(l->value, l->value), false);
      CI r = range(l->body);
      restore(s, false);
      return r;
    }
    default: return type_range(t);
  }
}

CI Simplifier::binary_range(const BinaryNode* b) {
  DataType t = b->type;
  if (is_comparison(b->op) || b->op == BinaryOp::And || b->op == BinaryOp::Or) return {0, 1};
  if (!is_intlike_scalar(b->a.type())) return type_range(t);
  CI x = range(b->a), y = range(b->b);
  switch (b->op) {
    case BinaryOp::Add: return fit(t, {x.lo + y.lo, x.hi + y.hi});
    case BinaryOp::Sub: return fit(t, {x.lo - y.hi, x.hi - y.lo});
    case BinaryOp::Mul: return fit(t, corners(x, y, sat_mul));
    case BinaryOp::Div: return fit(t, div_range(x, y));
    case BinaryOp::Mod: return fit(t, mod_range(x, y));
    case BinaryOp::Min: return {std::min(x.lo, y.lo), std::min(x.hi, y.hi)};
    case BinaryOp::Max: return {std::max(x.lo, y.lo), std::max(x.hi, y.hi)};
    case BinaryOp::BitAnd:
      if (x.lo >= 0 && y.lo >= 0) return {0, std::min(x.hi, y.hi)};
      if (x.lo >= 0) return {0, x.hi};
      if (y.lo >= 0) return {0, y.hi};
      return type_range(t);
    case BinaryOp::BitOr:
    case BinaryOp::BitXor: {
      if (x.lo < 0 || y.lo < 0) return type_range(t);
      i128 m = 1;
      while (m <= std::max(x.hi, y.hi)) m <<= 1;
      return {b->op == BinaryOp::BitOr ? std::max(x.lo, y.lo) : 0, m - 1};
    }
    case BinaryOp::Shr:
      if (y.lo == y.hi && y.lo >= 0 && y.lo < t.bits)
        return {x.lo >> static_cast<int>(y.lo), x.hi >> static_cast<int>(y.lo)};
      if (x.lo >= 0) return {0, x.hi};
      return type_range(t);
    default: return type_range(t);
  }
}

const std::vector<const VarNode*>& Simplifier::var_deps(const VarNode* v) {
  auto it = var_deps_.find(v);
  if (it != var_deps_.end()) return it->second;
  std::vector<const VarNode*> deps;
  if (const Interval* iv = lookup(v)) {
    for (const Expr* end : {&iv->min, &iv->max})
      if (end->defined())
        for (const Var& u : free_vars(*end)) deps.push_back(u.get());
  }
  return var_deps_[v] = std::move(deps);
}

// ---- linear forms ---------------------------------------------------------------------------

void Simplifier::add_term(Linear& l, const Expr& atom, i128 coef) {
  if (coef == 0) return;
  size_t h = hash(atom);
  auto same = [&](const Term& t) { return t.hash == h && (t.atom.same_as(atom) || equal(t.atom, atom)); };
  if (l.terms.size() < kIndexFrom) {
    for (Term& t : l.terms)
      if (same(t)) {
        t.coef = l.reduce(t.coef + coef);
        return;
      }
  } else {
    if (l.index.empty())
      for (size_t i = 0; i < l.terms.size(); ++i) l.index.emplace(l.terms[i].hash, i);
    auto [lo, hi] = l.index.equal_range(h);
    for (auto it = lo; it != hi; ++it)
      if (same(l.terms[it->second])) {
        Term& t = l.terms[it->second];
        t.coef = l.reduce(t.coef + coef);
        return;
      }
    l.index.emplace(h, l.terms.size());
  }
  l.terms.push_back({atom, h, l.reduce(coef)});
}

void Simplifier::add_scaled(Linear& l, const Linear& other, i128 scale) {
  l.wrapped = l.wrapped || other.wrapped;
  for (const Term& t : other.terms) add_term(l, t.atom, l.mul(t.coef, scale));
  l.constant = l.reduce(l.constant + l.mul(other.constant, scale));
}

// Adds scale * e to l. Unsimplified leaves are simplified first; a simplified leaf that is
// itself a sum contributes its terms. Chains of + and - are walked with a work list, so long
// sums do not deepen the stack.
void Simplifier::accumulate(Linear& l, const Expr& e, i128 scale, bool simplified) {
  std::vector<std::pair<const Expr*, i128>> work{{&e, scale}};
  while (!work.empty()) {
    auto [x, s] = work.back();
    work.pop_back();
    const auto* b = x->as<BinaryNode>();
    if (b && is_int_scalar(b->type) && (b->op == BinaryOp::Add || b->op == BinaryOp::Sub)) {
      work.emplace_back(&b->b, b->op == BinaryOp::Add ? s : -s);  // the left operand goes first
      work.emplace_back(&b->a, s);
    } else {
      accumulate_leaf(l, *x, s, simplified);
    }
  }
}

void Simplifier::accumulate_leaf(Linear& l, const Expr& e, i128 scale, bool simplified) {
  DataType t = l.type;
  if (auto c = int_value(e)) {
    l.constant = l.reduce(l.constant + l.mul(*c, scale));
    return;
  }
  if (const auto* b = e.as<BinaryNode>(); b && is_int_scalar(b->type)) {
    switch (b->op) {
      case BinaryOp::Mul: {
        Linear x{t}, y{t};
        accumulate(x, b->a, 1, simplified);
        accumulate(y, b->b, 1, simplified);
        l.wrapped = l.wrapped || x.wrapped || y.wrapped;
        bool x_const = !has_terms(x, t), y_const = !has_terms(y, t);
        if (x_const || y_const) {
          add_scaled(l, x_const ? y : x, l.mul(scale, x_const ? x.constant : y.constant));
          return;
        }
        if (simplified) {  // already a product atom
          add_term(l, e, scale);
          return;
        }
        // A product of two non-constant factors is an atom; constant factors move out of it.
        auto factor = [&](Linear& f, i128* c) {
          std::vector<Term> live;
          for (const Term& term : f.terms)
            if (wrap_signed(t, term.coef) != 0) live.push_back(term);
          if (live.size() == 1 && wrap_signed(t, f.constant) == 0) {
            *c = live[0].coef;
            return live[0].atom;
          }
          *c = 1;
          l.wrapped = l.wrapped || !buildable(f);
          return to_expr(f);
        };
        i128 cx, cy;
        Expr fx = factor(x, &cx), fy = factor(y, &cy);
        add_term(l, bin(BinaryOp::Mul, fx, fy), l.mul(scale, l.mul(cx, cy)));
        return;
      }
      default: break;
    }
  }
  if (const auto* c = e.as<CallNode>();
      c && c->op == Intrinsic::Neg && c->args.size() == 1 && is_int_scalar(c->type)) {
    accumulate(l, c->args[0], -scale, simplified);
    return;
  }
  if (simplified) {
    add_term(l, e, scale);
    return;
  }
  Expr s = mutate(e);
  if (s.as<IntImmNode>() || s.as<CallNode>() ||  // a Neg, or an atom
      (s.as<BinaryNode>() && (s.as<BinaryNode>()->op == BinaryOp::Add ||
                              s.as<BinaryNode>()->op == BinaryOp::Sub ||
                              s.as<BinaryNode>()->op == BinaryOp::Mul))) {
    accumulate(l, s, scale, true);
  } else {
    add_term(l, s, scale);
  }
}

Expr Simplifier::to_expr(const Linear& l) {
  DataType t = l.type;
  i128 min_rep = -(static_cast<i128>(1) << (t.bits - 1));  // its own negation
  auto term_expr = [&](const Expr& atom, i128 c) {
    return c == 1 ? atom : bin(BinaryOp::Mul, atom, make_int(t, c));
  };
  Expr acc;
  std::vector<std::pair<const Expr*, i128>> negatives;
  for (const Term& term : l.terms) {
    i128 c = wrap_signed(t, term.coef);
    if (c == 0) continue;
    if (c < 0 && c != min_rep) {
      negatives.emplace_back(&term.atom, -c);
      continue;
    }
    Expr x = term_expr(term.atom, c);
    acc = acc.defined() ? bin(BinaryOp::Add, acc, x) : x;
  }
  i128 k = wrap_signed(t, l.constant);
  if (!acc.defined() && k != 0) {
    acc = make_int(t, k);
    k = 0;
  }
  for (const auto& [atom, c] : negatives) {
    Expr x = term_expr(*atom, c);
    acc = bin(BinaryOp::Sub, acc.defined() ? acc : make_int(t, 0), x);
  }
  if (k != 0) {
    bool negative = k < 0 && wrap_signed(t, -k) != k;
    acc = negative ? bin(BinaryOp::Sub, acc, make_int(t, -k)) : bin(BinaryOp::Add, acc, make_int(t, k));
  }
  return acc.defined() ? acc : make_int(t, 0);
}

CI Simplifier::interval(const Linear& l) {
  CI r{l.constant, l.constant};
  for (const Term& term : l.terms) {
    if (term.coef == 0) continue;
    CI a = range(term.atom);
    i128 x = sat_mul(term.coef, a.lo), y = sat_mul(term.coef, a.hi);
    r.lo = sat_add(r.lo, std::min(x, y));
    r.hi = sat_add(r.hi, std::max(x, y));
  }
  return r;
}

// ---- the prover -------------------------------------------------------------------------------

// An upper bound of l's value: its interval, improved by splitting a min/max atom
// (c * min(x, y) <= c * x and <= c * y for c > 0), by replacing a variable with its symbolic
// bound (variables whose bounds mention no other present variable's bound first), and by
// c * (x / d) <= (c / d) * x.
i128 Simplifier::upper_bound(const Linear& l, int& budget) {
  if (l.wrapped) return kInf;  // no longer the polynomial's value
  i128 best = interval(l).hi;
  if (!no_overflow_assumed(l.type) || budget <= 0) return best;
  --budget;
  for (size_t i = 0; i < l.terms.size(); ++i) {
    const Term& term = l.terms[i];
    const auto* mm = term.atom.as<BinaryNode>();
    if (term.coef == 0 || !mm || (mm->op != BinaryOp::Min && mm->op != BinaryOp::Max)) continue;
    i128 ua = upper_bound(replace_term(l, i, mm->a), budget);
    i128 ub = upper_bound(replace_term(l, i, mm->b), budget);
    bool both_bound = (mm->op == BinaryOp::Min) == (term.coef > 0);
    return std::min(best, both_bound ? std::min(ua, ub) : std::max(ua, ub));
  }
  for (size_t i = 0; i < l.terms.size(); ++i) {
    const Term& term = l.terms[i];
    const auto* v = term.atom.as<VarNode>();
    const Interval* iv = v && term.coef != 0 ? lookup(v) : nullptr;
    if (!iv) continue;
    Interval bounds = *iv;
    Expr end = term.coef > 0 ? bounds.max : bounds.min;
    if (!end.defined() || end.type() != v->type) continue;
    end = mutate(end);
    if (end.as<IntImmNode>()) continue;  // already in the interval
    bool needed_by_other = false;
    for (const Term& other : l.terms) {
      const auto* u = other.atom.as<VarNode>();
      if (!u || u == v || other.coef == 0) continue;
      const auto& deps = var_deps(u);
      needed_by_other = needed_by_other || std::find(deps.begin(), deps.end(), v) != deps.end();
    }
    if (needed_by_other) continue;
    return std::min(best, upper_bound(replace_term(l, i, end), budget));
  }
  for (size_t i = 0; i < l.terms.size(); ++i) {
    const Term& term = l.terms[i];
    const auto* d = term.atom.as<BinaryNode>();
    if (!d || d->op != BinaryOp::Div) continue;
    auto c = int_value(d->b);
    if (!c || *c <= 0 || term.coef % *c != 0) continue;
    Linear r = l;
    r.terms[i].coef = 0;
    Linear x = linear_of(d->a);
    if (term.coef < 0) x.constant -= *c - 1;
    add_scaled(r, x, term.coef / *c);
    return std::min(best, upper_bound(r, budget));
  }
  return best;
}

bool Simplifier::proves_le(const Linear& d, i128 bound) {
  if (d.wrapped) return false;
  if (interval(d).hi <= bound) return true;
  int budget = 24;
  return no_overflow_assumed(d.type) && upper_bound(d, budget) <= bound;
}

bool Simplifier::proves_ge(const Linear& d, i128 bound) {
  if (d.wrapped) return false;
  if (interval(d).lo >= bound) return true;
  if (!no_overflow_assumed(d.type)) return false;
  Linear n{d.type};
  add_scaled(n, d, -1);
  int budget = 24;
  return -upper_bound(n, budget) >= bound;
}

// ---- expressions ----------------------------------------------------------------------------

Expr Simplifier::mutate_var(const VarNode* op, const Expr& self) {
  if (auto it = subst_.find(op); it != subst_.end()) return it->second;
  if (is_intlike_scalar(op->type) && lookup(op)) {
    CI r = var_range(op);
    if (r.lo == r.hi) return make_int(op->type, r.lo);
  }
  return self;
}

Expr Simplifier::mutate_cast(const CastNode* op, const Expr& self) {
  Expr v = mutate(op->value);
  DataType to = op->type, from = v.type();
  if (to == from) return v;
  if (to.is_scalar()) {
    if (auto folded = fold_cast(to, v)) return *folded;
    // cast(T, cast(U, y)) is cast(T, y) when U holds every value of y.
    const auto* inner = v.as<CastNode>();
    if (inner && is_intlike_scalar(to) && !to.is_bool() && is_intlike_scalar(from) &&
        is_intlike_scalar(inner->value.type()) && inside(range(inner->value), from)) {
      const Expr& y = inner->value;
      return y.type() == to ? y : mutate(CastNode::make(to, y));
    }
  }
  return v.same_as(op->value) ? self : CastNode::make(to, v);
}

// The recursion into children happens here; the rules live in combine(), whose large frame
// is then not on the stack of deep expressions.
Expr Simplifier::mutate_binary(const BinaryNode* op, const Expr& self) {
  bool linear_op = op->op == BinaryOp::Add || op->op == BinaryOp::Sub || op->op == BinaryOp::Mul;
  if (linear_op && is_int_scalar(op->a.type()))
    if (auto sum = canonical_sum(self)) return *sum;
  Expr a = mutate(op->a), b = mutate(op->b);
  return combine(op, self, a, b);
}

// Rebuilding an int64 sum whose coefficients left the type would hide wrap-around.
std::optional<Expr> Simplifier::canonical_sum(const Expr& e) {
  Linear l = linearize(e);
  if (!buildable(l)) return std::nullopt;
  return to_expr(l);
}

Expr Simplifier::combine(const BinaryNode* op, const Expr& self, const Expr& a, const Expr& b) {
  DataType t = op->a.type();
  std::function<Expr()> rebuild = [&] {
    return a.same_as(op->a) && b.same_as(op->b) ? self : bin(op->op, a, b);
  };
  if (!t.is_scalar()) return vector_binary(op->op, a, b, rebuild);
  auto ca = int_value(a), cb = int_value(b);
  if (ca && cb)
    if (auto r = fold_int(op->op, t, *ca, *cb)) return *r;
  if (t.is_float()) {
    const auto *fa = a.as<FloatImmNode>(), *fb = b.as<FloatImmNode>();
    if (fa && fb)
      if (auto r = fold_float(op->op, t, fa->value, fb->value)) return *r;
    // Exact identities only: x * 1 and x / 1 are x for every x, NaN included.
    if (fb && fb->value == 1.0 && (op->op == BinaryOp::Mul || op->op == BinaryOp::Div)) return a;
    if (fa && fa->value == 1.0 && op->op == BinaryOp::Mul) return b;
    return rebuild();
  }
  switch (op->op) {
    case BinaryOp::Div:
    case BinaryOp::Mod:
      return is_int_scalar(t) ? div_mod(op->op, a, b, rebuild) : rebuild();
    case BinaryOp::Min:
    case BinaryOp::Max:
      return is_int_scalar(t) ? min_max(op->op, a, b, rebuild) : rebuild();
    case BinaryOp::And:
      if (ca) return *ca ? b : make_bool(false);
      if (cb) return *cb ? a : make_bool(false);
      return equal(a, b) ? a : rebuild();
    case BinaryOp::Or:
      if (ca) return *ca ? make_bool(true) : b;
      if (cb) return *cb ? make_bool(true) : a;
      return equal(a, b) ? a : rebuild();
    case BinaryOp::BitAnd:
    case BinaryOp::BitOr:
    case BinaryOp::BitXor:
    case BinaryOp::Shl:
    case BinaryOp::Shr:
      return bits(op->op, a, b, rebuild);
    default:
      return is_comparison(op->op) ? compare(op->op, a, b, rebuild) : rebuild();
  }
}

Expr Simplifier::div_mod(BinaryOp op, const Expr& a, const Expr& b,
                         const std::function<Expr()>& rebuild) {
  DataType t = a.type();
  bool is_div = op == BinaryOp::Div;
  if (auto ca = int_value(a); ca && *ca == 0) return make_int(t, 0);
  auto cb = int_value(b);
  if (!cb) return rebuild();
  i128 c = *cb;
  if (c == 0) return make_int(t, 0);
  if (c == 1) return is_div ? a : make_int(t, 0);
  if (t.is_int() && c == -1) {  // x / -1 == -x, wrapping like INT_MIN / -1
    if (!is_div) return make_int(t, 0);
    Linear n{t};
    add_scaled(n, linear_of(a), -1);
    return buildable(n) ? to_expr(n) : rebuild();
  }
  CI ra = range(a);
  i128 q = floor_div(ra.lo, c);
  if (q == floor_div(ra.hi, c)) {  // one period: a / c is constant, a % c is a - q * c
    if (is_div) return make_int(t, q);
    Linear r = linear_of(a);
    r.constant -= q * c;
    return buildable(r) ? to_expr(r) : rebuild();
  }
  if (const auto* inner = a.as<BinaryNode>(); inner && c > 0) {
    auto ci = int_value(inner->b);
    // (x / c1) / c2 == x / (c1 * c2) and (x % c1) % c2 == x % c2 when c2 divides c1.
    if (ci && *ci > 0 && is_div && inner->op == BinaryOp::Div && *ci * c <= type_max(t))
      return mutate(bin(BinaryOp::Div, inner->a, make_int(t, *ci * c)));
    if (ci && *ci > 0 && !is_div && inner->op == BinaryOp::Mod && *ci % c == 0)
      return mutate(bin(BinaryOp::Mod, inner->a, b));
  }
  Linear l = linear_of(a);
  std::optional<Expr> r = is_div ? (c > 0 ? divide(l, c) : std::nullopt) : modulo(l, c);
  return r ? *r : rebuild();
}

// (c * m + r) / c == m + r / c when nothing wraps; r / c folds when r's range allows.
std::optional<Expr> Simplifier::divide(const Linear& l, i128 c) {
  DataType t = l.type;
  if (!fits(l)) return std::nullopt;
  Linear m{t}, r{t};
  for (const Term& term : l.terms) {
    if (term.coef % c == 0) add_term(m, term.atom, term.coef / c);
    else add_term(r, term.atom, term.coef);
  }
  m.constant = floor_div(l.constant, c);
  r.constant = l.constant - m.constant * c;
  if (!has_terms(r, t)) return to_expr(m);
  if (!fits_exactly(r)) return std::nullopt;
  CI rr = interval(r);
  if (floor_div(rr.lo, c) == floor_div(rr.hi, c)) {
    m.constant += floor_div(rr.lo, c);
    return to_expr(m);
  }
  // (g * x) / c == x / (c / g) when g divides c.
  i128 g = gcd128(c, r.constant);
  for (const Term& term : r.terms) g = gcd128(g, term.coef);
  if (g > 1) {
    Linear reduced{t};
    for (const Term& term : r.terms) add_term(reduced, term.atom, term.coef / g);
    reduced.constant = r.constant / g;
    r = reduced;
    c /= g;
  } else if (!has_terms(m, t) && m.constant == 0) {
    return std::nullopt;  // nothing to split off
  }
  add_term(m, bin(BinaryOp::Div, to_expr(r), make_int(t, c)), 1);
  return to_expr(m);
}

// Terms whose coefficient c divides drop out of a % c. That holds in Z/2^bits only when c is
// a power of two; otherwise nothing may wrap.
std::optional<Expr> Simplifier::modulo(const Linear& l, i128 c) {
  DataType t = l.type;
  bool pow2 = is_pow2(abs128(c));
  if (!pow2 && !fits(l)) return std::nullopt;
  Linear r{t};
  bool changed = false;
  for (const Term& term : l.terms) {
    if (term.coef % c == 0) changed = changed || term.coef != 0;
    else add_term(r, term.atom, term.coef);
  }
  r.constant = floor_mod(l.constant, abs128(c));
  changed = changed || r.constant != l.constant;
  if (!pow2 && !fits_exactly(r)) return std::nullopt;
  if (!has_terms(r, t)) return make_int(t, floor_mod(r.constant, c));
  CI rr = fit(t, interval(r));
  i128 q = floor_div(rr.lo, c);
  if (q == floor_div(rr.hi, c)) {
    r.constant -= q * c;
    return buildable(r) ? std::optional<Expr>(to_expr(r)) : std::nullopt;
  }
  if (!changed) return std::nullopt;
  return bin(BinaryOp::Mod, to_expr(r), make_int(t, c));
}

Expr Simplifier::min_max(BinaryOp op, Expr a, Expr b, const std::function<Expr()>& rebuild) {
  DataType t = a.type();
  bool is_min = op == BinaryOp::Min;
  bool swapped = false;
  if (int_value(a) && !int_value(b)) {  // constants go right
    std::swap(a, b);
    swapped = true;
  }
  Linear la = linear_of(a), lb = linear_of(b);
  Linear d = minus(la, lb);
  if (!has_terms(d, t) && wrap_signed(t, d.constant) == 0) return a;
  if (fits(la) && fits(lb)) {
    if (proves_le(d, 0)) return is_min ? a : b;
    if (proves_ge(d, 0)) return is_min ? b : a;
  }
  // min(min(x, c1), c2) == min(x, min(c1, c2))
  if (auto cb = int_value(b)) {
    const auto* inner = a.as<BinaryNode>();
    if (inner && inner->op == op)
      if (auto ci = int_value(inner->b))
        return bin(op, inner->a, make_int(t, is_min ? std::min(*ci, *cb) : std::max(*ci, *cb)));
  }
  return swapped ? bin(op, a, b) : rebuild();
}

// Folds what the ranges decide; otherwise rewrites to `positive terms op negative terms`,
// which cancels common terms and moves the constant right.
Expr Simplifier::compare(BinaryOp op, const Expr& a, const Expr& b,
                         const std::function<Expr()>& rebuild) {
  DataType t = a.type();
  bool eq_ne = op == BinaryOp::EQ || op == BinaryOp::NE;
  if (!is_int_scalar(t)) {
    if (t.is_bool() && equal(a, b)) return make_bool(op == BinaryOp::EQ || op == BinaryOp::LE || op == BinaryOp::GE);
    return rebuild();
  }
  Linear la = linear_of(a), lb = linear_of(b);
  Linear d = minus(la, lb);
  if (!has_terms(d, t)) {  // a - b is a constant in Z/2^bits
    i128 k = wrap_signed(t, d.constant);
    if (k == 0) return make_bool(op == BinaryOp::EQ || op == BinaryOp::LE || op == BinaryOp::GE);
    if (eq_ne) return make_bool(op == BinaryOp::NE);
  }
  bool exact = fits(la) && fits(lb);
  if (exact) {
    switch (op) {
      case BinaryOp::LT:
        if (proves_le(d, -1)) return make_bool(true);
        if (proves_ge(d, 0)) return make_bool(false);
        break;
      case BinaryOp::LE:
        if (proves_le(d, 0)) return make_bool(true);
        if (proves_ge(d, 1)) return make_bool(false);
        break;
      case BinaryOp::GT:
        if (proves_ge(d, 1)) return make_bool(true);
        if (proves_le(d, 0)) return make_bool(false);
        break;
      case BinaryOp::GE:
        if (proves_ge(d, 0)) return make_bool(true);
        if (proves_le(d, -1)) return make_bool(false);
        break;
      default:  // EQ, NE
        if (proves_ge(d, 1) || proves_le(d, -1)) return make_bool(op == BinaryOp::NE);
        break;
    }
  }
  // Canonical form: P op N - k where d = P - N + k. Valid in Z/2^bits for == and !=; for
  // ordered comparisons only when neither side wraps.
  Linear p{t}, n{t};
  for (const Term& term : d.terms) {
    if (wrap_signed(t, term.coef) == 0) continue;
    if (term.coef > 0) add_term(p, term.atom, term.coef);
    else add_term(n, term.atom, -term.coef);
  }
  if (p.terms.empty() && n.terms.empty()) return rebuild();
  Expr lhs, rhs;
  BinaryOp cmp = op;
  if (p.terms.empty()) {  // k op N: put the constant right
    if (!eq_ne && !(exact && fits_exactly(n) && inside({d.constant, d.constant}, t))) return rebuild();
    if (!buildable(n) || (no_overflow_assumed(t) && !inside({d.constant, d.constant}, t))) return rebuild();
    lhs = to_expr(n);
    rhs = make_int(t, d.constant);
    cmp = swap_cmp(op);
  } else {
    n.constant = -d.constant;
    if (!eq_ne && !(exact && fits_exactly(p) && fits_exactly(n))) return rebuild();
    if (!buildable(p) || !buildable(n)) return rebuild();
    lhs = to_expr(p);
    rhs = to_expr(n);
  }
  if (cmp == op && equal(lhs, a) && equal(rhs, b)) return rebuild();
  return bin(cmp, lhs, rhs);
}

Expr Simplifier::bits(BinaryOp op, const Expr& a, const Expr& b,
                      const std::function<Expr()>& rebuild) {
  DataType t = a.type();
  auto cb = int_value(b), ca = int_value(a);
  auto all_ones = [&](std::optional<i128> c) { return c && wrap_signed(t, *c) == (t.is_bool() ? 1 : -1); };
  switch (op) {
    case BinaryOp::BitAnd:
      if ((ca && *ca == 0) || (cb && *cb == 0)) return make_int(t, 0);
      if (all_ones(cb)) return a;
      if (all_ones(ca)) return b;
      return equal(a, b) ? a : rebuild();
    case BinaryOp::BitOr:
      if (cb && *cb == 0) return a;
      if (ca && *ca == 0) return b;
      if (all_ones(cb)) return b;
      if (all_ones(ca)) return a;
      return equal(a, b) ? a : rebuild();
    case BinaryOp::BitXor:
      if (cb && *cb == 0) return a;
      if (ca && *ca == 0) return b;
      return equal(a, b) ? make_int(t, 0) : rebuild();
    default:  // shifts
      return cb && *cb == 0 ? a : rebuild();
  }
}

Expr Simplifier::ramp(const Expr& base, const Expr& stride, int lanes) {
  Expr b = mutate(base), s = mutate(stride);
  if (auto c = int_value(s); c && *c == 0) return BroadcastNode::make(b, lanes);
  return RampNode::make(b, s, lanes);
}

// Broadcasts fold lane-wise; integer ramps absorb + - * with broadcasts (exact in Z/2^bits).
Expr Simplifier::vector_binary(BinaryOp op, const Expr& a, const Expr& b,
                               const std::function<Expr()>& rebuild) {
  const auto *ba = a.as<BroadcastNode>(), *bb = b.as<BroadcastNode>();
  if (ba && bb) return BroadcastNode::make(mutate(bin(op, ba->value, bb->value)), ba->lanes);
  if (!a.type().is_integer()) return rebuild();
  const auto *ra = a.as<RampNode>(), *rb = b.as<RampNode>();
  switch (op) {
    case BinaryOp::Add:
      if (ra && bb) return ramp(bin(op, ra->base, bb->value), ra->stride, ra->lanes);
      if (ba && rb) return ramp(bin(op, ba->value, rb->base), rb->stride, rb->lanes);
      if (ra && rb) return ramp(bin(op, ra->base, rb->base), bin(op, ra->stride, rb->stride), ra->lanes);
      break;
    case BinaryOp::Sub:
      if (ra && bb) return ramp(bin(op, ra->base, bb->value), ra->stride, ra->lanes);
      if (ba && rb)
        return ramp(bin(op, ba->value, rb->base), bin(op, make_int(rb->stride.type(), 0), rb->stride), rb->lanes);
      if (ra && rb) return ramp(bin(op, ra->base, rb->base), bin(op, ra->stride, rb->stride), ra->lanes);
      break;
    case BinaryOp::Mul:
      if (ra && bb) return ramp(bin(op, ra->base, bb->value), bin(op, ra->stride, bb->value), ra->lanes);
      if (ba && rb) return ramp(bin(op, ba->value, rb->base), bin(op, ba->value, rb->stride), rb->lanes);
      break;
    default: break;
  }
  return rebuild();
}

Expr Simplifier::mutate_select(const SelectNode* op, const Expr& self) {
  Expr c = mutate(op->cond), tv = mutate(op->true_value), fv = mutate(op->false_value);
  auto cv = int_value(c);
  if (const auto* bc = c.as<BroadcastNode>(); !cv && bc) cv = int_value(bc->value);
  if (cv) return *cv ? tv : fv;
  if (equal(tv, fv)) return tv;
  if (op->type == DataType::Bool() && c.type() == DataType::Bool()) {
    auto t1 = int_value(tv), f1 = int_value(fv);
    if (t1 && f1) return *t1 ? c : mutate(logical_not(c));
  }
  if (c.same_as(op->cond) && tv.same_as(op->true_value) && fv.same_as(op->false_value)) return self;
  return SelectNode::make(c, tv, fv);
}

Expr Simplifier::mutate_call(const CallNode* op, const Expr& self) {
  if (op->op == Intrinsic::Neg && is_int_scalar(op->type))
    if (auto sum = canonical_sum(self)) return *sum;
  Expr r = IRMutator::mutate_call(op, self);
  const auto* c = r.as<CallNode>();
  if (!c || c->args.size() != 1) return r;
  const Expr& x = c->args[0];
  DataType t = c->type;
  auto iv = int_value(x);
  const auto* fv = x.as<FloatImmNode>();
  bool exact_float = fv && (fv->type == DataType::Float(32) || fv->type == DataType::Float(64));
  switch (c->op) {
    case Intrinsic::Neg:
      if (fv) return FloatImmNode::make(t, -fv->value);
      break;
    case Intrinsic::Abs:
      if (iv && t.is_integer()) return make_int(t, abs128(*iv));
      if (exact_float) return FloatImmNode::make(t, std::fabs(fv->value));
      break;
    case Intrinsic::BitNot:
      if (iv && t.is_integer()) return make_int(t, ~*iv);
      break;
    case Intrinsic::LogicalNot: {
      if (iv) return make_bool(*iv == 0);
      if (const auto* inner = x.as<CallNode>(); inner && inner->op == Intrinsic::LogicalNot)
        return inner->args[0];
      const auto* cmp = x.as<BinaryNode>();
      bool eq_ne = cmp && (cmp->op == BinaryOp::EQ || cmp->op == BinaryOp::NE);
      // !(a < b) is a >= b except for NaN operands.
      if (cmp && is_comparison(cmp->op) && (eq_ne || !cmp->a.type().is_float()))
        return mutate(bin(negate_cmp(cmp->op), cmp->a, cmp->b));
      break;
    }
    default: break;
  }
  return r;
}

Expr Simplifier::mutate_ramp(const RampNode* op, const Expr& self) {
  Expr r = IRMutator::mutate_ramp(op, self);
  const auto* n = r.as<RampNode>();
  if (auto c = int_value(n->stride); c && *c == 0) return BroadcastNode::make(n->base, n->lanes);
  return r;
}

// Let- and loop-bound variables are replaced only when nothing but expressions refer to them.
bool Simplifier::substitutable(const Var& v, const Expr& value, const Stmt& body, const Expr* body_expr) {
  if (v->type.is_handle()) return false;
  if (!(value.as<IntImmNode>() || value.as<FloatImmNode>() || value.as<VarNode>())) return false;
  return !used_by_buffers(body, body_expr, v.get());
}

Expr Simplifier::mutate_let(const LetNode* op, const Expr& self) {
  Expr value = mutate(op->value);
  if (substitutable(op->var, value, Stmt(), &op->body)) {
    subst_[op->var.get()] = value;
    Expr body = mutate(op->body);
    subst_.erase(op->var.get());
    return body;
  }
  std::optional<Saved> saved;
  if (is_intlike_scalar(op->var->type)) saved = bind(op->var.get(), Interval(value, value), false);
  Expr body = mutate(op->body);
  if (saved) restore(*saved, false);
  if (!uses_var(body, op->var.get()) && !used_by_buffers(Stmt(), &body, op->var.get())) return body;
  if (value.same_as(op->value) && body.same_as(op->body)) return self;
  return LetNode::make(op->var, value, body);
}

// ---- statements ------------------------------------------------------------------------------

Stmt Simplifier::mutate_for(const ForNode* op, const Stmt& self) {
  Expr min = mutate(op->min), extent = mutate(op->extent);
  auto ce = int_value(extent);
  if (ce && *ce <= 0) return no_op();
  if (ce && *ce == 1 && op->for_kind != ForKind::ThreadBinding) {  // substitute any min
    if (used_by_buffers(op->body, nullptr, op->var.get()))
      return mutate(LetStmtNode::make(op->var, min, op->body));
    subst_[op->var.get()] = min;
    clear_caches();
    Stmt body = mutate(op->body);
    subst_.erase(op->var.get());
    clear_caches();
    return body;
  }
  Expr max = mutate(bin(BinaryOp::Sub, bin(BinaryOp::Add, min, extent), make_int(extent.type(), 1)));
  Saved saved = bind(op->var.get(), Interval(min, max));
  Stmt body = mutate(op->body);
  restore(saved);
  if (is_no_op(body)) return no_op();
  if (min.same_as(op->min) && extent.same_as(op->extent) && body.same_as(op->body)) return self;
  return ForNode::make(op->var, min, extent, op->for_kind, body, op->thread_tag);
}

Stmt Simplifier::mutate_seq(const SeqNode* op, const Stmt& self) {
  std::vector<Stmt> out;
  bool changed = false;
  for (const Stmt& s : op->seq) {
    Stmt r = mutate(s);
    changed = changed || !r.same_as(s);
    if (is_no_op(r)) changed = true;
    else out.push_back(r);
  }
  if (!changed) return self;
  return out.empty() ? no_op() : SeqNode::make(std::move(out));
}

void Simplifier::narrow(const VarNode* v, BinaryOp op, const Expr& e, std::vector<Saved>* undo) {
  DataType t = v->type;
  auto ce = int_value(e);
  if (!no_overflow_assumed(t) && !ce) return;  // e - 1 might wrap
  auto offset = [&](int d) -> Expr {
    if (ce) {
      i128 x = *ce + d;
      return x >= type_min(t) && x <= type_max(t) ? make_int(t, x) : Expr();
    }
    return mutate(bin(BinaryOp::Add, e, make_int(t, d)));
  };
  Expr lo, hi;
  switch (op) {
    case BinaryOp::LT: hi = offset(-1); break;
    case BinaryOp::LE: hi = e; break;
    case BinaryOp::GT: lo = offset(1); break;
    case BinaryOp::GE: lo = e; break;
    case BinaryOp::EQ: lo = hi = e; break;
    default: return;
  }
  if (!lo.defined() && !hi.defined()) return;
  const Interval* old = lookup(v);
  Interval r = old ? *old : Interval();
  if (lo.defined()) r.min = r.min.defined() ? mutate(bin(BinaryOp::Max, r.min, lo)) : lo;
  if (hi.defined()) r.max = r.max.defined() ? mutate(bin(BinaryOp::Min, r.max, hi)) : hi;
  undo->push_back(bind(v, r));
}

// Narrows the ranges of variables compared against in a condition known to be `truth`.
void Simplifier::assume(const Expr& cond, bool truth, std::vector<Saved>* undo) {
  if (const auto* c = cond.as<CallNode>(); c && c->op == Intrinsic::LogicalNot) {
    assume(c->args[0], !truth, undo);
    return;
  }
  const auto* b = cond.as<BinaryNode>();
  if (!b) return;
  if ((b->op == BinaryOp::And && truth) || (b->op == BinaryOp::Or && !truth)) {
    assume(b->a, truth, undo);
    assume(b->b, truth, undo);
    return;
  }
  if (!is_comparison(b->op) || !is_int_scalar(b->a.type())) return;
  BinaryOp op = truth ? b->op : negate_cmp(b->op);
  if (const auto* v = b->a.as<VarNode>(); v && !uses_var(b->b, v)) narrow(v, op, b->b, undo);
  else if (const auto* w = b->b.as<VarNode>(); w && !uses_var(b->a, w)) narrow(w, swap_cmp(op), b->a, undo);
}

Stmt Simplifier::mutate_if(const IfThenElseNode* op, const Stmt& self) {
  Expr cond = mutate(op->condition);
  if (auto c = int_value(cond)) {
    if (*c) return mutate(op->then_case);
    return op->else_case.defined() ? mutate(op->else_case) : no_op();
  }
  auto in_branch = [&](const Stmt& s, bool truth) {
    if (!s.defined()) return s;
    std::vector<Saved> undo;
    assume(cond, truth, &undo);
    Stmt r = mutate(s);
    for (auto it = undo.rbegin(); it != undo.rend(); ++it) restore(*it);
    return r;
  };
  Stmt then_case = in_branch(op->then_case, true);
  Stmt else_case = in_branch(op->else_case, false);
  bool then_empty = is_no_op(then_case), else_empty = is_no_op(else_case);
  if (then_empty && else_empty) return no_op();
  if (then_empty) return IfThenElseNode::make(mutate(logical_not(cond)), else_case);
  if (else_empty) else_case = Stmt();
  if (cond.same_as(op->condition) && then_case.same_as(op->then_case) &&
      else_case.same_as(op->else_case))
    return self;
  return IfThenElseNode::make(cond, then_case, else_case);
}

Stmt Simplifier::mutate_let_stmt(const LetStmtNode* op, const Stmt& self) {
  Expr value = mutate(op->value);
  if (substitutable(op->var, value, op->body, nullptr)) {
    subst_[op->var.get()] = value;
    Stmt body = mutate(op->body);
    subst_.erase(op->var.get());
    return body;
  }
  std::optional<Saved> saved;
  if (is_intlike_scalar(op->var->type)) saved = bind(op->var.get(), Interval(value, value), false);
  Stmt body = mutate(op->body);
  if (saved) restore(*saved, false);
  if (is_no_op(body)) return no_op();
  if (!op->var->type.is_handle() && !uses_var(body, op->var.get()) &&
      !used_by_buffers(body, nullptr, op->var.get()))
    return body;
  if (value.same_as(op->value) && body.same_as(op->body)) return self;
  return LetStmtNode::make(op->var, value, body);
}

Stmt Simplifier::mutate_allocate(const AllocateNode* op, const Stmt& self) {
  Stmt r = IRMutator::mutate_allocate(op, self);
  const auto* a = r.as<AllocateNode>();
  return a && is_no_op(a->body) ? no_op() : r;
}

Stmt Simplifier::mutate_assert(const AssertNode* op, const Stmt& self) {
  Stmt r = IRMutator::mutate_assert(op, self);
  auto c = int_value(r.as<AssertNode>()->condition);
  return c && *c ? no_op() : r;
}

Stmt Simplifier::mutate_evaluate(const EvaluateNode* op, const Stmt& self) {
  Stmt r = IRMutator::mutate_evaluate(op, self);
  const Expr& v = r.as<EvaluateNode>()->value;
  return v.as<IntImmNode>() || v.as<FloatImmNode>() ? no_op() : r;
}

}  // namespace

Expr simplify(const Expr& e, const BoundsScope& scope) { return Simplifier(scope).mutate(e); }

Stmt simplify(const Stmt& s, const BoundsScope& scope) { return Simplifier(scope).mutate(s); }

bool can_prove(const Expr& cond, const BoundsScope& scope) {
  Expr r = simplify(cond, scope);
  if (const auto* b = r.as<BroadcastNode>()) r = b->value;
  auto v = int_value(r);
  return v && *v != 0;
}

}  // namespace tessera::ir
