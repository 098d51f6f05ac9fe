// The program half of the program fuzzer's generator (see program_fuzzer.h); the schedule
// half is schedule_fuzzer.cpp.
//
// Leaves are reads (with broadcasting, reversed, shifted, wrapped and gathered indices),
// typed constants with special values, loop variables and a float64 scalar argument;
// inner nodes are NumPy-promoting operators and math from tessera/ir/op.h, chosen among
// those valid for the operand types. Values that depend on approximate math carry the
// precision they were computed in and stay away from operations that would magnify a
// small error (see program_fuzzer.h).
#include "program_fuzzer.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <map>
#include <sstream>
#include <variant>

#include "tessera/ir/op.h"
#include "tessera/ir/printer.h"
#include "tessera/ir/utils.h"

namespace tessera::fuzz {
namespace {

using ir::DataType;
using ir::Expr;
using ir::IterVar;
using ir::Var;
using schedule::Schedule;
using schedule::ScheduleError;
using schedule::Stage;
using schedule::StagePtr;
using te::Tensor;

DataType random_type(Rng& r) { return ir::kAllDTypes[r.below(std::size(ir::kAllDTypes))]; }

std::string lower_name(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(c));
  return s;
}

// ---- expressions ---------------------------------------------------------------------------

struct Val {
  Expr e;
  int approx = 0;  // as TensorInfo::approx
};

int merge_approx(int a, int b) { return !a ? b : !b ? a : std::min(a, b); }

// The stage being generated: its loop variables with their program dimensions, and the
// intermediates it must read.
struct Ctx {
  std::vector<std::pair<int, Var>> vars;
  std::vector<TensorInfo> producers;  // intermediates this stage reads
  std::vector<TensorInfo> pending;    // producers not read yet
};

enum class Bin {
  Add, Sub, Mul, Div, Mod, Min, Max, EQ, NE, LT, LE, GT, GE, BitAnd, BitOr, BitXor, Shl, Shr,
  LogicalAnd, LogicalOr, Pow, Atan2, Fmod, TrueDiv, Copysign, Hypot, kCount
};
enum class Un {
  Neg, Abs, BitNot, LogicalNot, Exp, Log, Tanh, Sin, Expm1, Log1p, Atan, Cos, Sqrt, Floor,
  Ceil, Trunc, Round, IsNan, IsInf, IsFinite, Signbit, Cast, kCount
};

bool is_comparison(Bin b) { return b >= Bin::EQ && b <= Bin::GE; }

template <class B>
Expr apply(Bin op, const Expr& a, const B& b, bool literal_left) {
  auto go = [&](const auto& x, const auto& y) -> Expr {
    switch (op) {
      case Bin::Add: return x + y;
      case Bin::Sub: return x - y;
      case Bin::Mul: return x * y;
      case Bin::Div: return x / y;
      case Bin::Mod: return x % y;
      case Bin::Min: return ir::min(x, y);
      case Bin::Max: return ir::max(x, y);
      case Bin::EQ: return x == y;
      case Bin::NE: return x != y;
      case Bin::LT: return x < y;
      case Bin::LE: return x <= y;
      case Bin::GT: return x > y;
      case Bin::GE: return x >= y;
      case Bin::BitAnd: return x & y;
      case Bin::BitOr: return x | y;
      case Bin::BitXor: return x ^ y;
      case Bin::Shl: return x << y;
      case Bin::Shr: return x >> y;
      case Bin::LogicalAnd: return Expr(x) && Expr(y);
      case Bin::LogicalOr: return Expr(x) || Expr(y);
      case Bin::Pow: return ir::pow(x, y);
      case Bin::Atan2: return ir::atan2(x, y);
      case Bin::Fmod: return ir::fmod(x, y);
      case Bin::TrueDiv: return ir::truediv(x, y);
      case Bin::Copysign: return ir::copysign(x, y);
      case Bin::Hypot: return ir::hypot(x, y);
      default: break;
    }
    throw std::logic_error("fuzzer: unknown binary operator");
  };
  return literal_left ? go(b, a) : go(a, b);
}

// Largest finite value of a float type.
double float_max(DataType t) {
  if (t.is_bfloat16()) return std::ldexp(255.0, 120);
  if (t.bits == 16) return 65504.0;
  if (t.bits == 32) return std::numeric_limits<float>::max();
  return std::numeric_limits<double>::max();
}

// Float -> integer casts are unspecified out of range and for NaN (expr.h): clamp first.
Expr guarded_cast(DataType to, const Expr& x) {
  DataType from = x.type();
  if (!from.is_float() || !to.is_integer()) return ir::cast(to, x);
  int range_bits = to.is_int() ? to.bits - 1 : to.bits;
  double hi = std::min(std::ldexp(1.0, range_bits) * (1 - std::ldexp(1.0, -float_precision(from))), float_max(from));
  double lo = to.is_int() ? std::max(-std::ldexp(1.0, range_bits), -float_max(from)) : 0.0;
  Expr clamped = ir::min(ir::max(x, lo), hi);
  return ir::cast(to, ir::select(ir::isnan(x), ir::make_zero(from), clamped));
}

// A typed constant, special values included.
Expr random_constant(Rng& r, DataType t) {
  if (t.is_bool()) return ir::make_bool(r.chance(50));
  if (t.is_integer()) {
    switch (r.below(6)) {
      case 0: return ir::min_value(t);
      case 1: return ir::max_value(t);
      case 2: return ir::make_const(t, static_cast<int64_t>(r.raw()));
      default: return ir::make_const(t, int64_t{r.between(t.is_uint() ? 0 : -4, 9)});
    }
  }
  static const double kSpecial[] = {0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 3.0, -2.5, 0.1, 1e-3,
                                    100.0, 65504.0, 1e30, NAN, INFINITY, -INFINITY};
  return ir::make_const(t, kSpecial[r.below(std::size(kSpecial))]);
}

class ProgramBuilder {
 public:
  ProgramBuilder(uint64_t seed, const GenOptions& o) : r_(seed), opt_(o) {}

  std::string text() const { return text_.str(); }

  Program build() {
    p_.has_reduction = r_.chance(45);
    int nF = r_.below(4);
    int nR = p_.has_reduction ? r_.between(1, 2) : 0;
    make_dims(nF + nR);
    std::vector<int> fdims, rdims;
    for (int d = 0; d < nF; ++d) fdims.push_back(d);
    for (int d = 0; d < nR; ++d) rdims.push_back(nF + d);
    if (!p_.has_reduction) {
      int chain = r_.below(100) < 35 ? 0 : (r_.chance(70) ? 1 : 2);
      std::vector<TensorInfo> producers;
      std::vector<int> consumer_ctx = fdims;
      std::vector<std::vector<int>> tdims(chain);
      for (int c = chain; c-- > 0;) {  // dims chosen from the consumer backwards
        tdims[c] = subset(consumer_ctx);
        consumer_ctx = nonliteral(tdims[c]);
      }
      std::vector<TensorInfo> earlier;  // intermediates the output may read besides the last one
      for (int c = 0; c < chain; ++c) {
        TensorInfo t = elementwise("T" + std::to_string(c), tdims[c], producers);
        maybe_extra_output(t);
        earlier.insert(earlier.end(), producers.begin(), producers.end());
        producers = {t};
      }
      for (const TensorInfo& t : earlier)
        if (r_.chance(30) && std::all_of(t.dims.begin(), t.dims.end(), [&](int d) {
              return d < 0 || std::find(fdims.begin(), fdims.end(), d) != fdims.end();
            }))
          producers.push_back(t);
      add_output(elementwise("Out", fdims, producers));
    } else {
      std::vector<int> out_dims;
      for (int d : fdims) if (r_.chance(70)) out_dims.push_back(d);
      bool post = r_.chance(50);
      if (!post) out_dims = fdims;
      std::vector<TensorInfo> producers;
      if (r_.chance(50)) {
        std::vector<int> ctx = out_dims;
        ctx.insert(ctx.end(), rdims.begin(), rdims.end());
        TensorInfo t = elementwise("T0", subset(ctx), {});
        maybe_extra_output(t);
        producers = {t};
      }
      std::vector<TensorInfo> red = reduction("R", out_dims, rdims, producers);
      if (post) {
        add_output(elementwise("Out", fdims, {red[0]}));
      } else {
        for (const TensorInfo& t : red) add_output(t);
      }
    }
    finish_args();
    return std::move(p_);
  }

 private:
  void make_dims(int count) {
    std::vector<int64_t> sizes;
    std::vector<bool> symbolic;
    for (int d = 0; d < count; ++d) {
      int k = r_.below(100);
      sizes.push_back(k < 5 ? 0 : k < 20 ? 1 : k < 60 ? r_.between(2, 9) : r_.between(10, 40));
      symbolic.push_back(r_.chance(75));
    }
    auto product = [&] {
      int64_t p = 1;
      for (int64_t s : sizes) p *= std::max<int64_t>(s, 1);
      return p;
    };
    while (product() > 3000) {  // keep the interpreter fast
      auto it = std::max_element(sizes.begin(), sizes.end());
      *it = *it / 2 + 1;
    }
    for (int d = 0; d < count; ++d) {
      Dim dim;
      dim.size = opt_.max_dim_size >= 0 ? std::min<int64_t>(sizes[d], opt_.max_dim_size) : sizes[d];
      if (symbolic[d]) {
        dim.var = te::size_var("n" + std::to_string(d));
        dim.extent = *dim.var;
      } else {
        dim.extent = Expr(dim.size);
      }
      p_.dims.push_back(dim);
      text_ << "n" << d << " = " << dim.size << (symbolic[d] ? " (symbolic)" : " (constant)") << "\n";
    }
  }

  // A random ordered subset of ctx, some dimensions replaced by extent 1.
  std::vector<int> subset(std::vector<int> ctx) {
    for (size_t i = ctx.size(); i > 1; --i) std::swap(ctx[i - 1], ctx[r_.below(i)]);
    int rank = r_.below(std::min<size_t>(3, ctx.size()) + 1);
    std::vector<int> out(ctx.begin(), ctx.begin() + rank);
    for (int& d : out) if (r_.chance(15)) d = -1;
    if (out.size() < 3 && r_.chance(10)) out.insert(out.begin() + r_.below(out.size() + 1), -1);
    return out;
  }
  static std::vector<int> nonliteral(const std::vector<int>& dims) {
    std::vector<int> out;
    for (int d : dims) if (d >= 0) out.push_back(d);
    return out;
  }

  std::vector<Expr> shape_of(const std::vector<int>& dims) const {
    std::vector<Expr> shape;
    for (int d : dims) shape.push_back(d < 0 ? Expr(int64_t{1}) : p_.dims[d].extent);
    return shape;
  }
  std::vector<std::string> axis_names(const std::string& stage, size_t n, const char* prefix = "") {
    std::vector<std::string> names;
    for (size_t i = 0; i < n; ++i) names.push_back(lower_name(stage) + "_" + prefix + std::to_string(i));
    return names;
  }

  void describe_stage(const Tensor& t, const std::vector<int>& dims) {
    text_ << t.op()->name << "(";
    for (size_t i = 0; i < dims.size(); ++i) text_ << (i ? ", " : "") << (dims[i] < 0 ? "1" : "n" + std::to_string(dims[i]));
    text_ << ") ";
    for (size_t j = 0; j < t.op()->body.size(); ++j)
      text_ << (j ? "\n    , " : "") << t.op()->outputs[j]->dtype.str() << " = " << ir::to_string(t.op()->body[j]);
    text_ << "\n";
  }

  TensorInfo elementwise(const std::string& name, const std::vector<int>& dims,
                         const std::vector<TensorInfo>& producers) {
    int approx = 0;
    order_sensitive_ = false;
    Tensor t = te::compute(shape_of(dims), [&](const std::vector<Var>& v) {
      Ctx ctx = context(dims, v, producers);
      Val body = gen(ctx, r_.between(1, 4));
      body = flush_pending(ctx, body);
      if (r_.chance(30)) body = cast_to(random_type(r_), body);
      approx = body.approx;
      return body.e;
    }, name, axis_names(name, dims.size()));
    describe_stage(t, dims);
    return TensorInfo{t, dims, approx, order_sensitive_};
  }

  std::vector<TensorInfo> reduction(const std::string& name, const std::vector<int>& out_dims,
                                    const std::vector<int>& red_dims, const std::vector<TensorInfo>& producers) {
    enum Kind { Sum, Prod, Max, Min, ArgMax, ArgMin };
    int k = r_.below(100);
    Kind kind = k < 30 ? Sum : k < 35 ? Prod : k < 55 ? Max : k < 70 ? Min : k < 85 ? ArgMax : ArgMin;
    std::vector<IterVar> axes;
    auto names = axis_names(name, red_dims.size(), "k");
    for (size_t j = 0; j < red_dims.size(); ++j)
      axes.push_back(te::reduce_axis(Expr(int64_t{0}), p_.dims[red_dims[j]].extent, names[j]));
    int approx = 0;
    order_sensitive_ = false;
    auto outs = te::compute_multi(shape_of(out_dims), [&](const std::vector<Var>& v) -> std::vector<Expr> {
      std::vector<int> ctx_dims = out_dims;
      std::vector<Var> ctx_vars = v;
      for (size_t j = 0; j < red_dims.size(); ++j) {
        ctx_dims.push_back(red_dims[j]);
        ctx_vars.push_back(axes[j]->var);
      }
      Ctx ctx = context(ctx_dims, ctx_vars, producers);
      Val src = gen(ctx, r_.between(1, 4));
      src = flush_pending(ctx, src);
      if (src.approx && kind != Max && kind != Min) kind = Max;  // sums would amplify errors
      approx = src.approx;
      if (src.e.type().is_float() && kind != ArgMax && kind != ArgMin) order_sensitive_ = true;
      Expr where;
      if (r_.chance(20)) where = reduce_condition(ctx, v, axes);
      switch (kind) {
        case Sum: return {te::sum(src.e, axes, where)};
        case Prod: return {te::prod(src.e, axes, where)};
        case Max: return {te::max(src.e, axes, where)};
        case Min: return {te::min(src.e, axes, where)};
        default: break;
      }
      Expr index = axes[0]->var;
      if (axes.size() == 2) index = index * p_.dims[red_dims[1]].extent + axes[1]->var;
      return arg_reducer(kind == ArgMax)({src.e, index}, axes, where);
    }, name, axis_names(name, out_dims.size()));
    describe_stage(outs[0], out_dims);
    std::vector<TensorInfo> infos;
    for (const Tensor& t : outs) infos.push_back(TensorInfo{t, out_dims, infos.empty() ? approx : 0, order_sensitive_});
    return infos;
  }

  // (value, index) reducer: the better value wins, NaN wins, ties keep the smaller index.
  static te::Reducer arg_reducer(bool is_max) {
    return te::comm_reducer(
        [is_max](const std::vector<Expr>& a, const std::vector<Expr>& b) {
          Expr better = is_max ? (b[0] > a[0]) : (b[0] < a[0]);
          Expr take_b = better || (ir::isnan(b[0]) && !ir::isnan(a[0])) ||
                        ((b[0] == a[0] || (ir::isnan(a[0]) && ir::isnan(b[0]))) && b[1] < a[1]);
          return std::vector<Expr>{ir::select(take_b, b[0], a[0]), ir::select(take_b, b[1], a[1])};
        },
        [is_max](const std::vector<DataType>& t) {
          Expr worst = t[0].is_float() ? ir::make_const(t[0], is_max ? -HUGE_VAL : HUGE_VAL)
                                       : (is_max ? ir::min_value(t[0]) : ir::max_value(t[0]));
          return std::vector<Expr>{worst, ir::make_const(t[1], int64_t{-1})};
        },
        is_max ? "argmax" : "argmin");
  }

  Expr reduce_condition(Ctx& ctx, const std::vector<Var>& out_vars, const std::vector<IterVar>& axes) {
    const Var& k = axes[r_.below(axes.size())]->var;
    switch (r_.below(3)) {
      case 0: return (k % 2) == 0;
      case 1:
        if (!out_vars.empty()) return k <= out_vars[r_.below(out_vars.size())];
        return k < 3;
      default: {
        Val c = gen(ctx, 1);
        return c.approx ? ir::isnan(c.e) : ir::cast(DataType::Bool(), c.e);
      }
    }
  }

  void maybe_extra_output(const TensorInfo& t) {
    if (r_.chance(10)) add_output(t);
  }
  void add_output(const TensorInfo& t) { p_.outputs.push_back(t); }

  void finish_args() {
    std::vector<const ir::VarNode*> bound;
    auto note_shape = [&](const Tensor& t) {
      for (const Expr& e : t.shape())
        if (const auto* v = e.as<ir::VarNode>()) bound.push_back(v);
    };
    text_ << "args:";
    for (const TensorInfo& t : p_.placeholders) {
      p_.args.emplace_back(t.tensor);
      note_shape(t.tensor);
      text_ << " " << t.tensor.name();
    }
    for (const TensorInfo& t : p_.outputs) {
      p_.args.emplace_back(t.tensor);
      note_shape(t.tensor);
      text_ << " " << t.tensor.name() << (t.approx ? "(approx)" : "") << (t.order_sensitive ? "(order-sensitive)" : "");
    }
    for (const Dim& d : p_.dims) {
      if (!d.var || std::find(bound.begin(), bound.end(), d.var->get()) != bound.end()) continue;
      p_.scalars.push_back({*d.var, static_cast<double>(d.size)});
    }
    if (alpha_) p_.scalars.push_back({*alpha_, alpha_value_});
    for (const auto& [v, value] : p_.scalars) {
      p_.args.emplace_back(v);
      text_ << " " << v.name() << "=" << value;
    }
    text_ << "\n";
    p_.text = text_.str();
  }

  Ctx context(const std::vector<int>& dims, const std::vector<Var>& vars, const std::vector<TensorInfo>& producers) {
    Ctx ctx;
    for (size_t i = 0; i < dims.size(); ++i)
      if (dims[i] >= 0) ctx.vars.push_back({dims[i], vars[i]});
    ctx.producers = producers;
    ctx.pending = producers;
    return ctx;
  }

  // ---- reads ----

  bool readable(const TensorInfo& t, const Ctx& ctx) const {
    for (int d : t.dims) {
      if (d < 0) continue;
      if (std::none_of(ctx.vars.begin(), ctx.vars.end(), [&](const auto& p) { return p.first == d; })) return false;
    }
    return true;
  }

  TensorInfo new_placeholder(const Ctx& ctx) {
    std::vector<int> avail;
    for (const auto& [d, v] : ctx.vars) avail.push_back(d);
    std::vector<int> dims = subset(avail);
    static const char* kNames[] = {"A", "B", "C"};
    std::string name = kNames[p_.placeholders.size()];
    DataType t = random_type(r_);
    Tensor ph = te::placeholder(shape_of(dims), t, name);
    text_ << name << "(";
    for (size_t i = 0; i < dims.size(); ++i) text_ << (i ? ", " : "") << (dims[i] < 0 ? "1" : "n" + std::to_string(dims[i]));
    text_ << ") " << t.str() << " placeholder\n";
    p_.placeholders.push_back(TensorInfo{ph, dims, 0});
    return p_.placeholders.back();
  }

  // An index into program dimension d, always in [0, n) while the loop over d runs:
  // the loop variable, reversed, shifted and clamped, wrapped, or gathered from data.
  Expr index_for(int d, const Ctx& ctx, bool allow_gather) {
    if (d < 0) return Expr(int64_t{0});
    Var v;
    for (const auto& [dim, var] : ctx.vars) if (dim == d) v = var;
    const Expr& n = p_.dims[d].extent;
    int k = r_.below(100);
    if (k < 64) return v;
    if (k < 74) return n - 1 - v;
    if (k < 82) return ir::min(v + r_.between(1, 3), n - 1);
    if (k < 88) return ir::max(v - r_.between(1, 3), 0);
    if (k < 94) return (v * r_.between(2, 5) + r_.between(0, 3)) % n;
    std::vector<TensorInfo> sources;
    for (const TensorInfo& t : p_.placeholders) if (readable(t, ctx)) sources.push_back(t);
    if (!allow_gather || sources.empty()) return v;
    Expr value = read(r_.pick(sources), ctx, false).e;
    return ir::min(ir::max(guarded_cast(DataType::Index(), value), 0), n - 1);
  }

  Val read(const TensorInfo& t, const Ctx& ctx, bool allow_gather = true) {
    std::vector<Expr> idx;
    for (int d : t.dims) idx.push_back(index_for(d, ctx, allow_gather));
    order_sensitive_ |= t.order_sensitive;
    return {t.tensor(idx), t.approx};
  }

  Val leaf(Ctx& ctx) {
    if (!ctx.pending.empty()) {
      TensorInfo t = ctx.pending.back();
      ctx.pending.pop_back();
      return read(t, ctx);
    }
    int k = r_.below(100);
    if (k < 58) {
      std::vector<TensorInfo> cands = ctx.producers;
      for (const TensorInfo& t : p_.placeholders) if (readable(t, ctx)) cands.push_back(t);
      bool fresh = p_.placeholders.size() < 3 && (cands.empty() || r_.chance(25));
      if (fresh) return read(new_placeholder(ctx), ctx);
      if (!cands.empty()) return read(r_.pick(cands), ctx);
    }
    if (k >= 75 && k < 88 && !ctx.vars.empty()) {
      Expr v = ctx.vars[r_.below(ctx.vars.size())].second;
      if (r_.chance(50)) v = ir::cast(random_type(r_), v);
      return {v, 0};
    }
    if (k >= 88 && k < 92) {
      if (!alpha_) {
        static const double kAlpha[] = {0.5, -2.0, 3.25, 0.0, -0.0, 1e300, NAN, INFINITY};
        alpha_ = Var("alpha", DataType::Float(64));
        alpha_value_ = kAlpha[r_.below(std::size(kAlpha))];
      }
      Expr a = *alpha_;
      if (r_.chance(50)) a = ir::cast(r_.chance(50) ? DataType::Float(32) : DataType::Float(16), a);
      return {a, 0};
    }
    return {random_constant(r_, random_type(r_)), 0};
  }

  // Reads every producer the body does not load (never read, or folded away, as in
  // `int8 < 40000`), combined into the body.
  Val flush_pending(Ctx& ctx, Val body) {
    for (const TensorInfo& t : ctx.producers) {
      bool loaded = false;
      ir::post_order_visit(body.e, [&](const Expr& x) {
        if (const auto* load = x.as<ir::LoadNode>()) loaded |= load->buffer == t.tensor.buffer().ptr();
      });
      bool pending = std::any_of(ctx.pending.begin(), ctx.pending.end(), [&](const TensorInfo& p) { return p.tensor.same_as(t.tensor); });
      if (!loaded && !pending) ctx.pending.push_back(t);
    }
    while (!ctx.pending.empty()) {
      Val p = leaf(ctx);
      Bin op = r_.chance(50) ? Bin::Max : Bin::Mul;
      body = {apply(op, body.e, p.e, false), merge_approx(body.approx, p.approx)};
    }
    return body;
  }

  // ---- expressions ----

  Val gen(Ctx& ctx, int depth) {
    if (depth <= 0 || r_.chance(20)) return leaf(ctx);
    int k = r_.below(100);
    if (k < 50) return binary(ctx, depth);
    if (k < 85) return unary(ctx, depth);
    Val c = gen(ctx, depth - 1);
    if (c.approx) c = {ir::isnan(c.e), 0};  // NaN-ness survives small math errors
    Val a = gen(ctx, depth - 1), b = gen(ctx, depth - 1);
    return {ir::select(c.e, a.e, b.e), merge_approx(a.approx, b.approx)};
  }

  static bool allowed(Bin op, DataType p, bool inexact) {
    switch (op) {
      case Bin::Add: return !inexact;
      case Bin::Sub: return !inexact && !p.is_bool();
      case Bin::Mul: case Bin::Div: case Bin::Min: case Bin::Max: case Bin::TrueDiv: return true;
      case Bin::BitAnd: case Bin::BitOr: case Bin::BitXor: case Bin::Shl: case Bin::Shr:
        return p.is_integer() || p.is_bool();
      default: return !inexact;  // comparisons, logic, Mod, Pow, Atan2, Fmod, Copysign, Hypot
    }
  }

  Val binary(Ctx& ctx, int depth) {
    Val a = gen(ctx, depth - 1);
    std::variant<Val, int64_t, double> b;
    int lit = r_.below(100);
    static const int64_t kInts[] = {0, 1, 2, 3, -1, 5, 7, 100, -128, 255, 1 << 20, 40000};
    static const double kDoubles[] = {0.5, 2.0, -1.5, 0.1, 1e10, 3.0, -0.0, 1e-40};
    if (lit < 12) b = kInts[r_.below(std::size(kInts))];
    else if (lit < 20) b = kDoubles[r_.below(std::size(kDoubles))];
    else b = gen(ctx, depth - 1);
    bool literal_left = r_.chance(25);
    int approx = merge_approx(a.approx, b.index() == 0 ? std::get<0>(b).approx : 0);
    bool inexact = approx != 0;
    DataType t = a.e.type();
    DataType p = b.index() == 0 ? ir::promote_types(t, std::get<0>(b).e.type())
               : b.index() == 1 ? (t.is_bool() ? DataType::Int(64) : t)
                                : (t.is_float() ? t : DataType::Float(64));
    std::vector<Bin> ops;
    for (int o = 0; o < static_cast<int>(Bin::kCount); ++o) {
      Bin op = static_cast<Bin>(o);
      if (b.index() != 0 && (op == Bin::LogicalAnd || op == Bin::LogicalOr)) continue;
      if (op == Bin::Copysign && b.index() == 0 && std::get<0>(b).approx) continue;
      if (op == Bin::Copysign && literal_left) continue;  // the sign operand is sanitized below
      if (allowed(op, p, inexact)) ops.push_back(op);
    }
    Bin op = r_.pick(ops);
    // The sign of a NaN made by arithmetic is unspecified: never copy it.
    if (op == Bin::Copysign && b.index() == 0) std::get<0>(b).e = nan_free(std::get<0>(b).e);
    Expr e;
    if (b.index() == 0) e = apply(op, a.e, std::get<0>(b).e, literal_left);
    else if (b.index() == 1) e = apply(op, a.e, std::get<1>(b), literal_left);
    else e = apply(op, a.e, std::get<2>(b), literal_left);
    if (op == Bin::Atan2 || op == Bin::Hypot || (op == Bin::Pow && e.type().is_float()))
      approx = float_precision(e.type());
    if (is_comparison(op) || op == Bin::LogicalAnd || op == Bin::LogicalOr) approx = 0;
    return {e, approx};
  }

  static Expr nan_free(const Expr& e) {
    return e.type().is_float() ? ir::select(ir::isnan(e), ir::make_const(e.type(), 1.0), e) : e;
  }

  static Val math(const Expr& e) { return {e, float_precision(e.type())}; }

  Val cast_to(DataType to, const Val& v) {
    if (v.approx && !to.is_float()) return v;
    return {guarded_cast(to, v.e), v.approx};
  }

  Val unary(Ctx& ctx, int depth) {
    Val a = gen(ctx, depth - 1);
    DataType t = a.e.type();
    std::vector<Un> ops;
    for (int o = 0; o < static_cast<int>(Un::kCount); ++o) {
      Un op = static_cast<Un>(o);
      bool ok = true;
      switch (op) {
        case Un::Neg: ok = !t.is_bool(); break;
        case Un::Abs: case Un::Sqrt: case Un::Cast: ok = true; break;
        case Un::BitNot: ok = t.is_integer() || t.is_bool(); break;
        case Un::IsNan: case Un::IsInf: case Un::IsFinite: case Un::Signbit:
          ok = !a.approx && t.is_float(); break;
        default: ok = !a.approx; break;
      }
      if (ok) ops.push_back(op);
    }
    Un op = r_.pick(ops);
    switch (op) {
      case Un::Neg: return {-a.e, a.approx};
      case Un::Abs: return {ir::abs(a.e), a.approx};
      case Un::BitNot: return {~a.e, 0};
      case Un::LogicalNot: return {!a.e, 0};
      case Un::Exp: return math(ir::exp(a.e));
      case Un::Log: return math(ir::log(a.e));
      case Un::Tanh: return math(ir::tanh(a.e));
      case Un::Sin: return math(ir::sin(a.e));
      case Un::Expm1: return math(ir::expm1(a.e));
      case Un::Log1p: return math(ir::log1p(a.e));
      case Un::Atan: return math(ir::atan(a.e));
      case Un::Cos: return math(ir::cos(a.e));
      case Un::Sqrt: return {ir::sqrt(a.e), a.approx};
      case Un::Floor: return {ir::floor(a.e), 0};
      case Un::Ceil: return {ir::ceil(a.e), 0};
      case Un::Trunc: return {ir::trunc(a.e), 0};
      case Un::Round: return {ir::round(a.e), 0};
      case Un::IsNan: return {ir::isnan(a.e), 0};
      case Un::IsInf: return {ir::isinf(a.e), 0};
      case Un::IsFinite: return {ir::isfinite(a.e), 0};
      case Un::Signbit: return {ir::signbit(nan_free(a.e)), 0};
      case Un::Cast: return cast_to(random_type(r_), a);
      default: break;
    }
    throw std::logic_error("fuzzer: unknown unary operator");
  }

  Rng r_;
  const GenOptions& opt_;
  Program p_;
  std::ostringstream text_;
  std::optional<Var> alpha_;
  double alpha_value_ = 0;
  bool order_sensitive_ = false;  // of the stage being generated
};

}  // namespace

int float_precision(DataType t) {
  if (t.is_bfloat16()) return 8;
  if (t.bits == 16) return 11;
  return t.bits == 32 ? 24 : 53;
}

void generate_program(uint64_t seed, const GenOptions& options, GeneratedProgram* out) {
  ProgramBuilder builder(seed * 0x9E3779B97F4A7C15ull + 1, options);
  try {
    out->program = builder.build();
  } catch (...) {
    out->program.text = builder.text();
    throw;
  }
  out->schedule = random_schedule(seed * 0xBF58476D1CE4E5B9ull + 2, options, out->program, out);
}

}  // namespace tessera::fuzz
