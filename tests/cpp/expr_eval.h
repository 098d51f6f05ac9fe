// A reference evaluator for integer IR expressions and a random generator of expressions,
// scopes and variable assignments, shared by simplify_test.cpp and fuzz/simplify_fuzzer.cpp.
//
// The evaluator follows expr.h directly (wrapping arithmetic, floor division and modulo,
// division by zero gives 0, out-of-range shifts give 0 or -1) and shares no code with the
// simplifier. It also records whether an int64 +, -, *, negation or division overflowed,
// because the simplifier assumes that int64 (index) arithmetic does not.
//
// Choices come from a Chooser: a seeded PRNG in the test, the input bytes in the fuzzer.
#pragma once
#include <cstdint>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "tessera/ir/bounds.h"
#include "tessera/ir/expr.h"

namespace tessera::testing {

using Wide = __int128;

// ---- reference evaluator ---------------------------------------------------------------------

class RefEval {
 public:
  std::unordered_map<const ir::VarNode*, Wide> env;
  bool int64_overflow = false;

  // The value of e, in its type's range (unsigned values are non-negative).
  Wide eval(const ir::Expr& e) {
    using ir::ExprKind;
    ir::DataType t = e.type();
    if (!t.is_scalar() || !(t.is_integer() || t.is_bool()))
      throw std::invalid_argument("RefEval: only scalar integer expressions, got " + t.str());
    switch (e.kind()) {
      case ExprKind::IntImm: return wrap(t, e.as<ir::IntImmNode>()->value, true);
      case ExprKind::Var: {
        auto it = env.find(e.as<ir::VarNode>());
        if (it == env.end()) throw std::invalid_argument("RefEval: unbound variable " + e.as<ir::VarNode>()->name);
        return it->second;
      }
      case ExprKind::Cast: return wrap(t, eval(e.as<ir::CastNode>()->value));
      case ExprKind::Binary: return binary(e.as<ir::BinaryNode>());
      case ExprKind::Select: {
        const auto* s = e.as<ir::SelectNode>();
        Wide c = eval(s->cond), x = eval(s->true_value), y = eval(s->false_value);
        return c ? x : y;
      }
      case ExprKind::Let: {
        const auto* l = e.as<ir::LetNode>();
        Wide v = eval(l->value);
        auto saved = env.find(l->var.get()) != env.end() ? std::optional<Wide>(env[l->var.get()]) : std::nullopt;
        env[l->var.get()] = v;
        Wide r = eval(l->body);
        if (saved) env[l->var.get()] = *saved;
        else env.erase(l->var.get());
        return r;
      }
      case ExprKind::Call: return call(e.as<ir::CallNode>());
      default: throw std::invalid_argument("RefEval: unsupported node kind");
    }
  }

  // v modulo 2^bits, in the type's range; with `stored`, v is an IntImm's stored value.
  static Wide wrap(ir::DataType t, Wide v, bool stored = false) {
    if (t.is_bool()) return v != 0;
    if (stored && t.is_uint() && t.bits == 64) return static_cast<Wide>(static_cast<uint64_t>(v));
    Wide m = v & ((static_cast<Wide>(1) << t.bits) - 1);
    if (t.is_int() && m >= (static_cast<Wide>(1) << (t.bits - 1))) m -= static_cast<Wide>(1) << t.bits;
    return m;
  }

 private:
  static bool is_int64(ir::DataType t) { return t.is_int() && t.bits == 64; }
  static Wide floor_div(Wide a, Wide b) {
    Wide q = a / b;
    if (q * b != a && ((a < 0) != (b < 0))) q -= 1;
    return q;
  }
  Wide checked(ir::DataType t, Wide exact) {
    Wide w = wrap(t, exact);
    if (is_int64(t) && w != exact) int64_overflow = true;
    return w;
  }

  Wide binary(const ir::BinaryNode* op) {
    using ir::BinaryOp;
    ir::DataType t = op->a.type();
    Wide a = eval(op->a), b = eval(op->b);
    switch (op->op) {
      case BinaryOp::Add: return checked(t, a + b);
      case BinaryOp::Sub: return checked(t, a - b);
      case BinaryOp::Mul: {
        if (is_int64(t)) return checked(t, a * b);  // |a|, |b| <= 2^63: exact in 128 bits
        uint64_t low = static_cast<uint64_t>(a) * static_cast<uint64_t>(b);
        return wrap(t, static_cast<Wide>(low));
      }
      case BinaryOp::Div: return b == 0 ? 0 : checked(t, floor_div(a, b));
      case BinaryOp::Mod: return b == 0 ? 0 : wrap(t, a - floor_div(a, b) * b);
      case BinaryOp::Min: return a < b ? a : b;
      case BinaryOp::Max: return a > b ? a : b;
      case BinaryOp::EQ: return a == b;
      case BinaryOp::NE: return a != b;
      case BinaryOp::LT: return a < b;
      case BinaryOp::LE: return a <= b;
      case BinaryOp::GT: return a > b;
      case BinaryOp::GE: return a >= b;
      case BinaryOp::And: return a && b;
      case BinaryOp::Or: return a || b;
      case BinaryOp::BitAnd: return wrap(t, a & b);
      case BinaryOp::BitOr: return wrap(t, a | b);
      case BinaryOp::BitXor: return wrap(t, a ^ b);
      case BinaryOp::Shl:
        if (b < 0 || b >= t.bits) return 0;
        return wrap(t, static_cast<Wide>(static_cast<uint64_t>(a) << static_cast<int>(b)));
      case BinaryOp::Shr:
        if (b < 0 || b >= t.bits) return t.is_int() && a < 0 ? -1 : 0;
        return a >> static_cast<int>(b);
    }
    throw std::invalid_argument("RefEval: unknown binary op");
  }

  Wide call(const ir::CallNode* op) {
    ir::DataType t = op->type;
    if (op->args.size() != 1) throw std::invalid_argument("RefEval: unsupported call");
    Wide a = eval(op->args[0]);
    switch (op->op) {
      case ir::Intrinsic::Neg: return checked(t, -a);
      case ir::Intrinsic::Abs: return wrap(t, a < 0 ? -a : a);
      case ir::Intrinsic::BitNot: return wrap(t, ~a);
      case ir::Intrinsic::LogicalNot: return a == 0;
      default: throw std::invalid_argument("RefEval: unsupported intrinsic");
    }
  }
};

// ---- sources of choices ----------------------------------------------------------------------

class Chooser {
 public:
  virtual ~Chooser() = default;
  virtual uint8_t byte() = 0;
  uint64_t bits64() {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = v << 8 | byte();
    return v;
  }
  // Uniform-ish in [0, n); one byte for small n keeps fuzzer inputs compact.
  uint64_t below(uint64_t n) {
    if (n <= 1) return 0;
    return (n <= 256 ? byte() : bits64()) % n;
  }
  int64_t between(int64_t lo, int64_t hi) {  // inclusive
    return lo + static_cast<int64_t>(below(static_cast<uint64_t>(hi - lo) + 1));
  }
  bool percent(int p) { return static_cast<int>(below(100)) < p; }
};

class RngChooser : public Chooser {
 public:
  explicit RngChooser(uint64_t seed) : rng_(seed) {}
  uint8_t byte() override { return static_cast<uint8_t>(rng_()); }

 private:
  std::mt19937_64 rng_;
};

class ByteChooser : public Chooser {
 public:
  ByteChooser(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint8_t byte() override { return pos_ < size_ ? data_[pos_++] : 0; }
  bool exhausted() const { return pos_ >= size_; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

// ---- generator -------------------------------------------------------------------------------

// Random integer expressions over three int64 and three int32 variables, with a scope that
// bounds some of them (by constants, or around another variable), and assignments that
// respect the scope.
class ExprGen {
 public:
  explicit ExprGen(Chooser& c) : c_(c) {
    for (const char* n : {"x", "y", "z"}) vars_.push_back(ir::Var(n, ir::DataType::Int(64)));
    for (const char* n : {"a", "b", "c"}) vars_.push_back(ir::Var(n, ir::DataType::Int(32)));
  }

  const std::vector<ir::Var>& vars() const { return vars_; }
  const ir::BoundsScope& scope() const { return scope_; }

  // A random scope: each variable unbounded, in a constant range, or near an earlier one.
  void make_scope() {
    scope_.clear();
    ranges_.clear();
    for (size_t i = 0; i < vars_.size(); ++i) {
      const ir::Var& v = vars_[i];
      ir::DataType t = v.type();
      Range r;
      int kind = static_cast<int>(c_.below(10));
      if (kind < 4) {
        r.kind = Range::Constant;
        r.lo = c_.percent(80) ? c_.between(-40, 40) : c_.between(-100000, 100000);
        r.hi = r.lo + c_.between(0, c_.percent(50) ? 20 : 300);
        scope_[v.get()] = ir::Interval(ir::make_const(t, r.lo), ir::make_const(t, r.hi));
      } else if (kind < 6 && t.bits == 64) {
        std::vector<size_t> anchors;
        for (size_t j = 0; j < i; ++j)
          if (ranges_[j].kind == Range::Constant && vars_[j].type() == t) anchors.push_back(j);
        if (!anchors.empty()) {
          r.kind = Range::Around;
          r.anchor = anchors[c_.below(anchors.size())];
          r.lo = c_.between(-20, 10);
          r.hi = r.lo + c_.between(0, 20);
          const ir::Var& u = vars_[r.anchor];
          scope_[v.get()] = ir::Interval(ir::BinaryNode::make(ir::BinaryOp::Add, u, ir::make_const(t, r.lo)),
                                         ir::BinaryNode::make(ir::BinaryOp::Add, u, ir::make_const(t, r.hi)));
        }
      }
      ranges_.push_back(r);
    }
  }

  // Values for all variables, inside the scope.
  std::unordered_map<const ir::VarNode*, Wide> assign() {
    std::unordered_map<const ir::VarNode*, Wide> env;
    for (size_t i = 0; i < vars_.size(); ++i) {
      const ir::Var& v = vars_[i];
      const Range& r = i < ranges_.size() ? ranges_[i] : Range{};
      Wide value;
      if (r.kind == Range::Constant) value = c_.between(r.lo, r.hi);
      else if (r.kind == Range::Around) value = env[vars_[r.anchor].get()] + c_.between(r.lo, r.hi);
      else value = free_value(v.type());
      env[v.get()] = value;
    }
    return env;
  }

  ir::Expr gen(ir::DataType t, int depth) {
    using ir::BinaryOp;
    if (t.is_bool()) return gen_bool(depth);
    if (depth <= 0 || c_.percent(20)) return leaf(t);
    static const BinaryOp kArith[] = {BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Div,
                                      BinaryOp::Mod, BinaryOp::Min, BinaryOp::Max};
    int k = static_cast<int>(c_.below(100));
    if (k < 62) {
      BinaryOp op = kArith[c_.below(7)];
      ir::Expr a = gen(t, depth - 1);
      // Divisors are often constants (including 0 and negatives), as in index arithmetic.
      ir::Expr b = (op == BinaryOp::Div || op == BinaryOp::Mod || op == BinaryOp::Mul) && c_.percent(60)
                       ? constant(t)
                       : gen(t, depth - 1);
      return ir::BinaryNode::make(op, a, b);
    }
    if (k < 70) return ir::SelectNode::make(gen_bool(depth - 1), gen(t, depth - 1), gen(t, depth - 1));
    if (k < 77) {
      ir::DataType from = kTypes[c_.below(kNumTypes)];
      return ir::CastNode::make(t, gen(from, depth - 1));
    }
    if (k < 83) {  // Let
      ir::DataType vt = c_.percent(50) ? t : kTypes[c_.below(kNumTypes)];
      ir::Var v("let" + std::to_string(let_vars_.size()), vt);
      ir::Expr value = gen(vt, depth - 1);
      let_vars_.push_back(v);
      ir::Expr body = gen(t, depth - 1);
      let_vars_.pop_back();
      return ir::LetNode::make(v, value, body);
    }
    if (k < 88) {
      static const ir::Intrinsic kUnary[] = {ir::Intrinsic::Neg, ir::Intrinsic::Neg, ir::Intrinsic::Abs,
                                             ir::Intrinsic::BitNot};
      return ir::CallNode::make(t, kUnary[c_.below(4)], {gen(t, depth - 1)});
    }
    static const BinaryOp kBits[] = {BinaryOp::BitAnd, BinaryOp::BitOr, BinaryOp::BitXor,
                                     BinaryOp::Shl, BinaryOp::Shr};
    BinaryOp op = kBits[c_.below(5)];
    ir::Expr b = (op == BinaryOp::Shl || op == BinaryOp::Shr) && c_.percent(70)
                     ? ir::make_const(t, c_.between(-1, t.bits))
                     : gen(t, depth - 1);
    return ir::BinaryNode::make(op, gen(t, depth - 1), b);
  }

  ir::Expr gen_bool(int depth) {
    using ir::BinaryOp;
    if (depth <= 0 || c_.percent(10)) return ir::make_bool(c_.percent(50));
    int k = static_cast<int>(c_.below(100));
    if (k < 70) {
      static const BinaryOp kCmp[] = {BinaryOp::EQ, BinaryOp::NE, BinaryOp::LT,
                                      BinaryOp::LE, BinaryOp::GT, BinaryOp::GE};
      ir::DataType t = c_.percent(70) ? kTypes[c_.below(2)] : kTypes[c_.below(kNumTypes)];
      return ir::BinaryNode::make(kCmp[c_.below(6)], gen(t, depth - 1), gen(t, depth - 1));
    }
    if (k < 90)
      return ir::BinaryNode::make(c_.percent(50) ? BinaryOp::And : BinaryOp::Or, gen_bool(depth - 1),
                                  gen_bool(depth - 1));
    return ir::CallNode::make(ir::DataType::Bool(), ir::Intrinsic::LogicalNot, {gen_bool(depth - 1)});
  }

  ir::Expr constant(ir::DataType t) {
    static const int64_t kSpecial[] = {0, 1, -1, 2, 3, 4, 7, 8, 15, 16, 17, 31, 32, 64, 100, 1000, -16, -3};
    int k = static_cast<int>(c_.below(10));
    if (k < 5) return ir::make_const(t, c_.between(-20, 20));
    if (k < 8) return ir::make_const(t, kSpecial[c_.below(sizeof kSpecial / sizeof kSpecial[0])]);
    if (k < 9) return extreme(t);
    return ir::make_const(t, static_cast<int64_t>(c_.bits64()));
  }

  static constexpr ir::DataType kTypes[] = {ir::DataType::Int(64), ir::DataType::Int(32),
                                            ir::DataType::UInt(32), ir::DataType::Int(8),
                                            ir::DataType::UInt(8), ir::DataType::UInt(64)};
  static constexpr size_t kNumTypes = sizeof kTypes / sizeof kTypes[0];

 private:
  struct Range {
    enum Kind { None, Constant, Around } kind = None;
    int64_t lo = 0, hi = 0;
    size_t anchor = 0;
  };

  ir::Expr leaf(ir::DataType t) {
    if (c_.percent(45)) return constant(t);
    std::vector<ir::Expr> same;
    for (const ir::Var& v : let_vars_)
      if (v.type() == t) same.push_back(v);
    for (const ir::Var& v : vars_)
      if (v.type() == t) same.push_back(v);
    if (!same.empty() && c_.percent(85)) return same[c_.below(same.size())];
    const ir::Var& v = vars_[c_.below(vars_.size())];
    return v.type() == t ? ir::Expr(v) : ir::CastNode::make(t, v);
  }

  ir::Expr extreme(ir::DataType t) {
    int k = static_cast<int>(c_.below(4));
    Wide lo = t.is_int() ? -(static_cast<Wide>(1) << (t.bits - 1)) : 0;
    Wide hi = (static_cast<Wide>(1) << (t.is_int() ? t.bits - 1 : t.bits)) - 1;
    Wide v = k == 0 ? lo : k == 1 ? hi : k == 2 ? lo + 1 : hi - 1;
    return ir::make_const(t, static_cast<int64_t>(static_cast<uint64_t>(v)));
  }

  Wide free_value(ir::DataType t) {
    int k = static_cast<int>(c_.below(10));
    Wide v;
    if (k < 6) v = c_.between(-40, 40);
    else if (k < 8) v = c_.between(-70000, 70000);
    else if (k < 9) v = static_cast<int64_t>(c_.bits64());
    else v = c_.percent(50) ? -(static_cast<Wide>(1) << (t.bits - 1)) : (static_cast<Wide>(1) << (t.bits - 1)) - 1;
    return RefEval::wrap(t, v);
  }

  Chooser& c_;
  std::vector<ir::Var> vars_;
  std::vector<ir::Var> let_vars_;
  std::vector<Range> ranges_;
  ir::BoundsScope scope_;
};

}  // namespace tessera::testing
