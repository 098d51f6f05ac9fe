// The elementwise library's registration, its shared type rules and helpers, and the two
// operators outside any family: where and astype.
#include <algorithm>
#include <mutex>

#include "ops/elementwise_internal.h"
#include "tessera/ops/dispatch.h"
#include "tessera/ops/elementwise.h"

namespace tessera::ops {
namespace detail {
namespace {

DataType promote_all(const std::vector<DataType>& in) {
  DataType t = in[0];
  for (size_t i = 1; i < in.size(); ++i) t = ir::promote_types(t, in[i]);
  return t;
}

Signature uniform(const std::vector<DataType>& in, DataType compute, DataType out) {
  return Signature{in, std::vector<DataType>(in.size(), compute), {out}};
}

DataType default_float(DataType t) {
  if (t.is_float()) return t;
  if (t.bits <= 8) return DataType::Float(16);
  return DataType::Float(t.bits <= 16 ? 32 : 64);
}

}  // namespace

TypeRule math_float_rule() {
  return [](const std::vector<DataType>& in) -> std::optional<Signature> {
    if (in.empty()) return std::nullopt;
    bool any_float = std::any_of(in.begin(), in.end(), [](DataType t) { return t.is_float(); });
    DataType t = any_float ? promote_all(in) : default_float(in[0]);
    if (!any_float)
      for (DataType d : in) t = ir::promote_types(t, default_float(d));
    return uniform(in, t, t);
  };
}

TypeRule promote_bool_as(std::optional<DataType> bool_as) {
  return [bool_as](const std::vector<DataType>& in) -> std::optional<Signature> {
    if (in.empty()) return std::nullopt;
    DataType t = promote_all(in);
    if (t.is_bool() && bool_as) t = *bool_as;
    return uniform(in, t, t);
  };
}

TypeRule promote_no_bool() {
  return [](const std::vector<DataType>& in) -> std::optional<Signature> {
    if (in.empty()) return std::nullopt;
    DataType t = promote_all(in);
    if (t.is_bool()) return std::nullopt;
    return uniform(in, t, t);
  };
}

TypeRule true_divide_rule() {
  return [](const std::vector<DataType>& in) -> std::optional<Signature> {
    if (in.empty()) return std::nullopt;
    DataType t = promote_all(in);
    if (!t.is_float()) t = DataType::Float(64);
    return uniform(in, t, t);
  };
}

TypeRule predicate_rule() {
  return [](const std::vector<DataType>& in) -> std::optional<Signature> {
    if (in.size() != 1) return std::nullopt;
    return Signature{in, in, {DataType::Bool()}};
  };
}

TypeRule logical_rule() {
  return [](const std::vector<DataType>& in) -> std::optional<Signature> {
    if (in.empty()) return std::nullopt;
    return uniform(in, DataType::Bool(), DataType::Bool());
  };
}

TypeRule compare_rule() {
  return [](const std::vector<DataType>& in) -> std::optional<Signature> {
    if (in.size() != 2) return std::nullopt;
    const DataType u64 = DataType::UInt(64), i64 = DataType::Int(64);
    if (in[0].is_int() && in[1] == u64) return Signature{in, {i64, u64}, {DataType::Bool()}};
    if (in[0] == u64 && in[1].is_int()) return Signature{in, {u64, i64}, {DataType::Bool()}};
    return uniform(in, promote_all(in), DataType::Bool());
  };
}

TypeRule integer_rule(std::optional<DataType> bool_as) {
  return [bool_as](const std::vector<DataType>& in) -> std::optional<Signature> {
    if (in.empty()) return std::nullopt;
    for (DataType t : in)
      if (!t.is_integer() && !t.is_bool()) return std::nullopt;
    DataType t = promote_all(in);
    if (t.is_float()) return std::nullopt;  // int64 with uint64
    if (t.is_bool() && bool_as) t = *bool_as;
    return uniform(in, t, t);
  };
}

Expr np_maximum(const Expr& a, const Expr& b) {
  DataType t = a.type();
  if (!t.is_float() || t.is_float16()) return ir::max(a, b);
  return ir::select((a > b) || ir::isnan(a), a, b);
}

Expr np_minimum(const Expr& a, const Expr& b) {
  DataType t = a.type();
  if (!t.is_float() || t.is_float16()) return ir::min(a, b);
  return ir::select((a < b) || ir::isnan(a), a, b);
}

Expr in_float32(const std::vector<Expr>& x, const std::function<Expr(const std::vector<Expr>&)>& f) {
  DataType t = x[0].type();
  if (!t.is_float() || t.bits != 16) return f(x);
  std::vector<Expr> wide;
  for (const Expr& e : x) wide.push_back(ir::cast(DataType::Float(32, t.lanes), e));
  return ir::cast(t, f(wide));
}

namespace {

void register_where() {
  TypeRule rule = [](const std::vector<DataType>& in) -> std::optional<Signature> {
    if (in.size() != 3) return std::nullopt;
    DataType t = ir::promote_types(in[1], in[2]);
    return Signature{in, {DataType::Bool(), t, t}, {t}};
  };
  defop(elementwise("where", 3, rule, [](const Values& x, DataType) { return ir::select(x[0], x[1], x[2]); }));
}

// The input is cast to the target as the kernel reads it (the compute dtype), so the
// element function is the identity.
void register_astype() {
  for (DataType to : ir::kAllDTypes) {
    TypeRule rule = [to](const std::vector<DataType>& in) -> std::optional<Signature> {
      if (in.size() != 1) return std::nullopt;
      return Signature{in, {to}, {to}};
    };
    defop(elementwise(astype_op_name(to), 1, rule, [](const Values& x, DataType) { return x[0]; }));
  }
}

std::once_flag registered;

}  // namespace
}  // namespace detail

void register_elementwise_ops() {
  std::call_once(detail::registered, [] {
    detail::register_arithmetic_ops();
    detail::register_math_ops();
    detail::register_compare_logic_ops();
    detail::register_bitwise_ops();
    detail::register_where();
    detail::register_astype();
  });
}

const std::vector<std::string>& elementwise_op_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v = {
        "abs", "acos", "acosh", "add", "asin", "asinh", "atan", "atan2", "atanh",
        "bitwise_and", "bitwise_invert", "bitwise_left_shift", "bitwise_or", "bitwise_right_shift",
        "bitwise_xor", "ceil", "clip", "copysign", "cos", "cosh", "divide", "equal", "exp", "expm1",
        "floor", "floor_divide", "greater", "greater_equal", "hypot", "isfinite", "isinf", "isnan",
        "less", "less_equal", "log", "log10", "log1p", "log2", "logaddexp", "logical_and",
        "logical_not", "logical_or", "logical_xor", "maximum", "minimum", "multiply", "negative",
        "nextafter", "not_equal", "positive", "pow", "reciprocal", "remainder", "round", "sign",
        "signbit", "sin", "sinh", "sqrt", "square", "subtract", "tan", "tanh", "trunc", "where"};
    std::sort(v.begin(), v.end());
    return v;
  }();
  return names;
}

std::string astype_op_name(ir::DataType to) { return "astype_" + to.element_of().str(); }

void astype(const DLTensor* x, DLTensor* out) {
  if (!out) throw OpError(OpError::Kind::Value, "astype: output is null");
  const DLDataType& d = out->dtype;
  std::string name;
  for (DataType t : ir::kAllDTypes) {
    bool code_matches = (t.is_bool() && d.code == kDLBool) || (t.is_int() && d.code == kDLInt) ||
                        (t.is_uint() && d.code == kDLUInt) || (t.is_bfloat16() && d.code == kDLBfloat) ||
                        (t.code == ir::TypeCode::Float && d.code == kDLFloat);
    if (code_matches && d.bits == t.bits && d.lanes == 1) name = astype_op_name(t);
  }
  if (name.empty())
    throw OpError(OpError::Kind::Type, "astype: unsupported output dtype (code " + std::to_string(d.code) +
                                           ", bits " + std::to_string(d.bits) + ", lanes " +
                                           std::to_string(d.lanes) + ")");
  call(name, {x}, {out});  // by name: registers the library first
}

}  // namespace tessera::ops
