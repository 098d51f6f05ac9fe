// The readable IR printer: Python-like statements, infix expressions with minimal parentheses.
#include "tessera/ir/printer.h"

#include <charconv>
#include <cmath>
#include <sstream>
#include <unordered_map>

namespace tessera::ir {

namespace {

// Binding strength, loosest first (C's order, so `a & b == c` needs no guessing).
// Comparisons share one level and never chain, so `(a < b) == c` keeps its parentheses.
enum Prec : int {
  kOr = 1, kAnd, kBitOr, kBitXor, kBitAnd, kComparison, kShift, kAdditive, kMultiplicative,
  kUnary, kAtom,
};

int precedence(BinaryOp op) {
  switch (op) {
    case BinaryOp::Or: return kOr;
    case BinaryOp::And: return kAnd;
    case BinaryOp::BitOr: return kBitOr;
    case BinaryOp::BitXor: return kBitXor;
    case BinaryOp::BitAnd: return kBitAnd;
    case BinaryOp::EQ: case BinaryOp::NE: case BinaryOp::LT:
    case BinaryOp::LE: case BinaryOp::GT: case BinaryOp::GE: return kComparison;
    case BinaryOp::Shl: case BinaryOp::Shr: return kShift;
    case BinaryOp::Add: case BinaryOp::Sub: return kAdditive;
    case BinaryOp::Mul: case BinaryOp::Div: case BinaryOp::Mod: return kMultiplicative;
    case BinaryOp::Min: case BinaryOp::Max: return kAtom;  // printed as min(a, b)
  }
  return kAtom;
}

// Shortest text that reads back as the same double, always recognizable as a float.
std::string format_double(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, res.ptr);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

std::string format_float(float v) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, res.ptr);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

// Concatenates in order: the parts of a braced list are evaluated left to right, which
// `a + b` does not promise, and the order matters because names are given on first use.
std::string cat(std::initializer_list<std::string> parts) {
  std::string s;
  for (const std::string& p : parts) s += p;
  return s;
}

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

// Names one kind of object; a second distinct object with a taken name gets `name#1`, ...
class NameTable {
 public:
  const std::string& name_of(const void* key, const std::string& base) {
    auto it = names_.find(key);
    if (it != names_.end()) return it->second;
    int k = uses_[base]++;
    return names_[key] = k == 0 ? base : base + "#" + std::to_string(k);
  }

 private:
  std::unordered_map<const void*, std::string> names_;
  std::unordered_map<std::string, int> uses_;
};

class Printer {
 public:
  std::string expr(const Expr& e) {
    int prec = kAtom;
    return print(e, &prec);
  }

  void stmt(const Stmt& s, int indent) {
    if (!s.defined()) return line(indent, "<undefined>");
    switch (s.kind()) {
      case StmtKind::For: return print_for(s.as<ForNode>(), indent);
      case StmtKind::Store: {
        const auto* op = s.as<StoreNode>();
        const std::string hint = op->hint == StoreHint::Normal ? "" : std::string(to_string(op->hint)) + " ";
        return line(indent, cat({hint, buffer(op->buffer.get()), "[",
                                  list(op->indices), "] = ", expr(op->value)}));
      }
      case StmtKind::Seq: {
        const auto* op = s.as<SeqNode>();
        if (op->seq.empty()) return line(indent, "pass");
        for (const Stmt& inner : op->seq) stmt(inner, indent);
        return;
      }
      case StmtKind::IfThenElse: return print_if(s.as<IfThenElseNode>(), indent, "if ");
      case StmtKind::LetStmt: {
        const auto* op = s.as<LetStmtNode>();
        line(indent, cat({"let ", var(op->var.get()), " = ", expr(op->value)}));
        return stmt(op->body, indent);
      }
      case StmtKind::Allocate: {
        const auto* op = s.as<AllocateNode>();
        const BufferNode* b = op->buffer.get();
        line(indent, cat({"allocate ", buffer(b), "[", list(b->shape), "] ", b->dtype.str(), " ", b->scope, ":"}));
        return stmt(op->body, indent + 1);
      }
      case StmtKind::Assert: {
        const auto* op = s.as<AssertNode>();
        std::string text = "assert " + expr(op->condition);
        for (size_t i = 0; i < op->message.size(); ++i) text += (i == 0 ? ", " : " ") + expr(op->message[i]);
        return line(indent, text);
      }
      case StmtKind::Evaluate: return line(indent, expr(s.as<EvaluateNode>()->value));
    }
  }

  std::string text() const { return out_.str(); }

 private:
  void line(int indent, const std::string& text) { out_ << std::string(2 * indent, ' ') << text << '\n'; }

  std::string var(const VarNode* v) { return vars_.name_of(v, v->name); }
  std::string buffer(const BufferNode* b) { return buffers_.name_of(b, b->name); }

  std::string list(const std::vector<Expr>& es) {
    std::string s;
    for (size_t i = 0; i < es.size(); ++i) s += (i ? ", " : "") + expr(es[i]);
    return s;
  }

  // e printed so that it binds at least as tightly as min_prec.
  std::string operand(const Expr& e, int min_prec) {
    int prec = kAtom;
    std::string s = print(e, &prec);
    return prec < min_prec ? "(" + s + ")" : s;
  }

  // "[min, min + extent)"
  std::string range(const Expr& min, const Expr& extent) {
    const auto *m = min.as<IntImmNode>(), *x = extent.as<IntImmNode>();
    std::string start = expr(min), end;
    if (is_const_int(min, 0) && !min.type().is_bool()) {
      end = expr(extent);
    } else if (m && x && m->type == x->type) {
      end = expr(IntImmNode::make(m->type, static_cast<int64_t>(static_cast<uint64_t>(m->value) +
                                                                 static_cast<uint64_t>(x->value))));
    } else {
      end = cat({operand(min, kAdditive), " + ", operand(extent, kAdditive + 1)});
    }
    return cat({"[", start, ", ", end, ")"});
  }

  void print_for(const ForNode* op, int indent) {
    std::string prefix;
    switch (op->for_kind) {
      case ForKind::Serial: break;
      case ForKind::Parallel: prefix = "parallel "; break;
      case ForKind::Vectorized: prefix = "vector "; break;
      case ForKind::Unrolled: prefix = "unrolled "; break;
      case ForKind::ThreadBinding: prefix = "bind(" + op->thread_tag + ") "; break;
    }
    std::string v = var(op->var.get());
    line(indent, cat({prefix, "for ", v, " in ", range(op->min, op->extent), ":"}));
    stmt(op->body, indent + 1);
  }

  void print_if(const IfThenElseNode* op, int indent, const char* keyword) {
    line(indent, keyword + expr(op->condition) + ":");
    stmt(op->then_case, indent + 1);
    if (!op->else_case.defined()) return;
    if (const auto* chained = op->else_case.as<IfThenElseNode>()) return print_if(chained, indent, "elif ");
    line(indent, "else:");
    stmt(op->else_case, indent + 1);
  }

  std::string print(const Expr& e, int* prec) {
    *prec = kAtom;
    if (!e.defined()) return "<undefined>";
    switch (e.kind()) {
      case ExprKind::IntImm: return int_imm(e.as<IntImmNode>(), prec);
      case ExprKind::FloatImm: return float_imm(e.as<FloatImmNode>(), prec);
      case ExprKind::StringImm: return quote(e.as<StringImmNode>()->value);
      case ExprKind::Var: return var(e.as<VarNode>());
      case ExprKind::Cast: {
        const auto* op = e.as<CastNode>();
        return op->type.str() + "(" + expr(op->value) + ")";
      }
      case ExprKind::Binary: return binary(e.as<BinaryNode>(), prec);
      case ExprKind::Select: {
        const auto* op = e.as<SelectNode>();
        return cat({"select(", expr(op->cond), ", ", expr(op->true_value), ", ", expr(op->false_value), ")"});
      }
      case ExprKind::Call: return call(e.as<CallNode>(), prec);
      case ExprKind::Load: {
        const auto* op = e.as<LoadNode>();
        return cat({buffer(op->buffer.get()), "[", list(op->indices), "]"});
      }
      case ExprKind::Ramp: {
        const auto* op = e.as<RampNode>();
        return cat({"ramp(", expr(op->base), ", ", expr(op->stride), ", ", std::to_string(op->lanes), ")"});
      }
      case ExprKind::Broadcast: {
        const auto* op = e.as<BroadcastNode>();
        return "x" + std::to_string(op->lanes) + "(" + expr(op->value) + ")";
      }
      case ExprKind::Let: {
        const auto* op = e.as<LetNode>();
        std::string v = var(op->var.get());
        return cat({"(let ", v, " = ", expr(op->value), " in ", expr(op->body), ")"});
      }
      case ExprKind::Reduce: return reduce(e.as<ReduceNode>());
    }
    return "<unknown>";
  }

  std::string int_imm(const IntImmNode* op, int* prec) {
    DataType t = op->type;
    if (t.is_bool()) return op->value ? "true" : "false";
    if (op->value < 0 && t.is_int()) *prec = kUnary;
    if (t == DataType::Int(64)) return std::to_string(op->value);
    if (t.is_uint()) return std::to_string(static_cast<uint64_t>(op->value)) + "u" + std::to_string(t.bits);
    return std::to_string(op->value) + "i" + std::to_string(t.bits);
  }

  std::string float_imm(const FloatImmNode* op, int* prec) {
    DataType t = op->type;
    double v = op->value;
    if (t == DataType::Float(64)) {
      if (std::signbit(v) && !std::isnan(v)) *prec = kUnary;
      return format_double(v);
    }
    if (t == DataType::Float(32) && std::isfinite(v)) {
      if (std::signbit(v)) *prec = kUnary;
      return format_float(static_cast<float>(v)) + "f";
    }
    return t.str() + "(" + format_double(v) + ")";
  }

  std::string binary(const BinaryNode* op, int* prec) {
    if (op->op == BinaryOp::Min || op->op == BinaryOp::Max)
      return cat({to_string(op->op), "(", expr(op->a), ", ", expr(op->b), ")"});
    int p = precedence(op->op);
    *prec = p;
    // Left-associative, except comparisons, which never chain without parentheses.
    int left_min = is_comparison(op->op) ? p + 1 : p;
    return cat({operand(op->a, left_min), " ", to_string(op->op), " ", operand(op->b, p + 1)});
  }

  std::string call(const CallNode* op, int* prec) {
    const char* unary = op->op == Intrinsic::Neg        ? "-"
                        : op->op == Intrinsic::BitNot    ? "~"
                        : op->op == Intrinsic::LogicalNot ? "!"
                                                          : nullptr;
    if (unary) {
      *prec = kUnary;
      const Expr& x = op->args[0];
      // -(3) rather than -3, which would read as the constant.
      bool constant = x.as<IntImmNode>() || x.as<FloatImmNode>();
      return unary + (constant ? "(" + expr(x) + ")" : operand(x, kAtom));
    }
    std::string s = to_string(op->op);
    if (op->op == Intrinsic::Reinterpret) s += "<" + op->type.str() + ">";
    return s + "(" + list(op->args) + ")";
  }

  // "reduce sum(A[i, k] for k in [0, n) if cond)" for the common combiners, otherwise
  // "reduce[(x), (y) -> (x + y), identity (0)](source for axes if cond)[value_index]".
  std::string reduce(const ReduceNode* op) {
    const CommReducerNode& c = *op->combiner;
    std::string head;
    if (c.result.size() == 1) {
      const auto* b = c.result[0].as<BinaryNode>();
      if (b && b->a.same_as(c.lhs[0]) && b->b.same_as(c.rhs[0])) {
        switch (b->op) {
          case BinaryOp::Add: head = "sum"; break;
          case BinaryOp::Mul: head = "prod"; break;
          case BinaryOp::Min: head = "min"; break;
          case BinaryOp::Max: head = "max"; break;
          case BinaryOp::And: head = "all"; break;
          case BinaryOp::Or: head = "any"; break;
          default: break;
        }
      }
    }
    bool tuple = c.result.size() != 1;
    if (head.empty()) {
      auto vars = [&](const std::vector<Var>& vs) {
        std::string s;
        for (size_t i = 0; i < vs.size(); ++i) s += (i ? ", " : "") + var(vs[i].get());
        return tuple ? "(" + s + ")" : s;
      };
      auto exprs = [&](const std::vector<Expr>& es) { return tuple ? "(" + list(es) + ")" : list(es); };
      head = cat({"[(", vars(c.lhs), ", ", vars(c.rhs), ") -> ", exprs(c.result), ", identity ",
                  exprs(c.identity), "]"});
    }
    std::string body = tuple ? "(" + list(op->source) + ")" : list(op->source);
    std::string axes;
    for (size_t i = 0; i < op->axes.size(); ++i) {
      const IterVar& iv = op->axes[i];
      std::string v = var(iv->var.get());
      axes += cat({i ? ", " : "", v, " in ", range(iv->dom.min, iv->dom.extent)});
    }
    std::string s = "reduce" + std::string(head[0] == '[' ? "" : " ") + head + "(" + body;
    if (!axes.empty()) s += " for " + axes;
    if (!is_const_int(op->condition, 1)) s += " if " + expr(op->condition);
    s += ")";
    if (tuple) s += "[" + std::to_string(op->value_index) + "]";
    return s;
  }

  std::ostringstream out_;
  NameTable vars_, buffers_;
};

}  // namespace

std::string to_string(const Expr& e) { return Printer().expr(e); }

std::string to_string(const Stmt& s) {
  Printer p;
  p.stmt(s, 0);
  return p.text();
}

std::ostream& operator<<(std::ostream& os, const Expr& e) { return os << to_string(e); }
std::ostream& operator<<(std::ostream& os, const Stmt& s) { return os << to_string(s); }

}  // namespace tessera::ir
