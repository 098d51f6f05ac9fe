// Expressions from Python: Expr, Var and IterVar with Python operators, math functions,
// casts and selects. Python's `/` is NumPy's true division (integers give float64), `//`
// floor division and `%` floor modulo; `**` is pow.
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "bindings.h"
#include "tessera/ir/printer.h"

namespace tessera::python {
namespace {

using ir::Expr;

// The expression builders of tessera/ir/op.h reject operand types with invalid_argument;
// NumPy's ufuncs raise TypeError for those.
template <class F>
Expr typed(F&& f) {
  try {
    return f();
  } catch (const std::invalid_argument& e) {
    throw nb::type_error(e.what());
  }
}

Expr binary(const Operand& a, const Operand& b, auto f) {
  return typed([&] { return apply_binary(a, b, f); });
}

// __op__(self, other) and __rop__(self, other); NotImplemented lets Python try the other side.
template <class F>
auto forward(F f) {
  return [f](nb::handle self, nb::handle other) -> nb::object {
    std::optional<Operand> b = to_operand(other);
    if (!b) return nb::not_implemented();
    return nb::cast(binary(*to_operand(self), *b, f));
  };
}
template <class F>
auto reflected(F f) {
  return [f](nb::handle self, nb::handle other) -> nb::object {
    std::optional<Operand> a = to_operand(other);
    if (!a) return nb::not_implemented();
    return nb::cast(binary(*a, *to_operand(self), f));
  };
}

// NumPy's absolute of unsigned integers and bool is the identity.
Expr absolute(const Expr& x) {
  return x.type().is_uint() || x.type().is_bool() ? x : typed([&] { return ir::abs(x); });
}

#define TESSERA_BINARY_FN(EXPR) [](const auto& x, const auto& y) -> Expr { return EXPR; }

template <class X, class Y>
bool both_bool(const X& x, const Y& y) {
  if constexpr (std::is_same_v<X, Expr> && std::is_same_v<Y, Expr>) return x.type().is_bool() && y.type().is_bool();
  return false;
}

template <class Cls>
void def_arithmetic(Cls& cls, bool equality) {
  // NumPy's add and multiply of two bools are logical or and and (the IR refuses arithmetic on bool).
  auto add = [](const auto& x, const auto& y) -> Expr { return both_bool(x, y) ? Expr(x) | Expr(y) : Expr(x + y); };
  auto sub = TESSERA_BINARY_FN(x - y);
  auto mul = [](const auto& x, const auto& y) -> Expr { return both_bool(x, y) ? Expr(x) & Expr(y) : Expr(x * y); };
  auto div = TESSERA_BINARY_FN(ir::truediv(x, y));
  auto floordiv = TESSERA_BINARY_FN(ir::floordiv(x, y));
  auto mod = TESSERA_BINARY_FN(ir::floormod(x, y));
  auto pow = TESSERA_BINARY_FN(ir::pow(x, y));
  auto band = TESSERA_BINARY_FN(x & y);
  auto bor = TESSERA_BINARY_FN(x | y);
  auto bxor = TESSERA_BINARY_FN(x ^ y);
  auto shl = TESSERA_BINARY_FN(x << y);
  auto shr = TESSERA_BINARY_FN(x >> y);
  cls.def("__add__", forward(add)).def("__radd__", reflected(add))
      .def("__sub__", forward(sub)).def("__rsub__", reflected(sub))
      .def("__mul__", forward(mul)).def("__rmul__", reflected(mul))
      .def("__truediv__", forward(div)).def("__rtruediv__", reflected(div))
      .def("__floordiv__", forward(floordiv)).def("__rfloordiv__", reflected(floordiv))
      .def("__mod__", forward(mod)).def("__rmod__", reflected(mod))
      .def("__pow__", forward(pow)).def("__rpow__", reflected(pow))
      .def("__and__", forward(band)).def("__rand__", reflected(band))
      .def("__or__", forward(bor)).def("__ror__", reflected(bor))
      .def("__xor__", forward(bxor)).def("__rxor__", reflected(bxor))
      .def("__lshift__", forward(shl)).def("__rlshift__", reflected(shl))
      .def("__rshift__", forward(shr)).def("__rrshift__", reflected(shr))
      .def("__lt__", forward(TESSERA_BINARY_FN(x < y)))
      .def("__le__", forward(TESSERA_BINARY_FN(x <= y)))
      .def("__gt__", forward(TESSERA_BINARY_FN(x > y)))
      .def("__ge__", forward(TESSERA_BINARY_FN(x >= y)))
      .def("__neg__", [](nb::handle s) { return typed([&] { return -to_expr(s); }); })
      .def("__pos__", [](nb::handle s) { return to_expr(s); })
      .def("__invert__", [](nb::handle s) { return typed([&] { return ~to_expr(s); }); })
      .def("__abs__", [](nb::handle s) { return absolute(to_expr(s)); })
      .def("astype", [](nb::handle s, nb::handle dtype) {
        return typed([&] { return ir::cast(to_dtype(dtype), to_expr(s)); });
      },
           nb::arg("dtype"), "This expression converted to dtype (NumPy's astype).");
  if (equality) {
    cls.def("__eq__", forward(TESSERA_BINARY_FN(x == y)));
    cls.def("__ne__", forward(TESSERA_BINARY_FN(x != y)));
  }
  cls.def("__bool__", [](nb::handle) -> bool {
    throw nb::type_error(
        "a tensor expression has no truth value (it is computed later); use ts.te.if_then_else, "
        "ts.te.all or ts.te.any instead of if/and/or/not");
  });
  cls.attr("__array_ufunc__") = nb::none();  // NumPy scalars defer to our reflected operators
}

using Unary = Expr (*)(const Expr&);

void def_unary(nb::module_& m, const char* name, Unary f, const char* doc) {
  m.def(name, [f](nb::handle x) { return typed([&] { return f(to_expr(x, "argument")); }); }, nb::arg("x"), doc);
}

template <class F>
void def_binary(nb::module_& m, const char* name, F f, const char* doc) {
  m.def(
      name,
      [f](nb::handle x, nb::handle y) {
        return binary(to_operand_or_throw(x), to_operand_or_throw(y), f);
      },
      nb::arg("x"), nb::arg("y"), doc);
}

}  // namespace

void register_expr(nb::module_& m) {
  auto expr = nb::class_<Expr>(m, "Expr", "An immutable scalar expression of the IR.");
  expr.def_prop_ro("dtype", [](const Expr& e) { return e.type().str(); })
      .def("__str__", [](const Expr& e) { return ir::to_string(e); })
      .def("__repr__", [](const Expr& e) { return "<Expr " + e.type().str() + ": " + ir::to_string(e) + ">"; })
      .def("__hash__", [](const Expr& e) { return reinterpret_cast<uintptr_t>(e.get()); })
      .def("same_as", &Expr::same_as, "Whether both are the same node.")
      .def_prop_ro("value", [](const Expr& e) -> nb::object {
        if (const auto* i = e.as<ir::IntImmNode>()) {
          if (e.type().is_bool()) return nb::bool_(i->value != 0);
          if (e.type().is_uint() && e.type().bits == 64) return nb::int_(static_cast<uint64_t>(i->value));
          return nb::int_(i->value);
        }
        if (const auto* f = e.as<ir::FloatImmNode>()) return nb::float_(f->value);
        return nb::none();
      }, "The Python value of a constant, None otherwise.");
  def_arithmetic(expr, true);

  nb::class_<ir::Var, Expr>(m, "Var", "A scalar variable (shape sizes, loop indices).")
      .def_prop_ro("name", [](const ir::Var& v) { return v.name(); });

  auto iv = nb::class_<IterVarRef>(m, "IterVar",
                                   "A loop axis: a variable with its domain. Usable in expressions as its variable.");
  iv.def_prop_ro("var", [](const IterVarRef& r) { return r.iv->var; })
      .def_prop_ro("name", [](const IterVarRef& r) { return r.iv->var.name(); })
      .def_prop_ro("dom", [](const IterVarRef& r) -> nb::object {
        if (!r.iv->dom.extent.defined()) return nb::none();
        return nb::make_tuple(r.iv->dom.min, r.iv->dom.extent);
      }, "(min, extent), or None for axes derived by split or fuse.")
      .def_prop_ro("kind", [](const IterVarRef& r) {
        switch (r.iv->kind) {
          case ir::IterKind::DataPar: return "data_par";
          case ir::IterKind::Reduce: return "reduce";
          default: return "opaque";
        }
      })
      .def("__eq__", [](const IterVarRef& a, nb::handle b) {
        return nb::isinstance<IterVarRef>(b) && nb::cast<const IterVarRef&>(b).iv == a.iv;
      })
      .def("__ne__", [](const IterVarRef& a, nb::handle b) {
        return !(nb::isinstance<IterVarRef>(b) && nb::cast<const IterVarRef&>(b).iv == a.iv);
      })
      .def("__hash__", [](const IterVarRef& r) { return reinterpret_cast<uintptr_t>(r.iv.get()); })
      .def("__repr__", [](const IterVarRef& r) {
        const ir::Range& d = r.iv->dom;
        std::string dom = !d.extent.defined() ? "derived"
                          : ir::is_const_int(d.min, 0)
                              ? "[0, " + ir::to_string(d.extent) + ")"
                              : "[" + ir::to_string(d.min) + ", " + ir::to_string(d.min + d.extent) + ")";
        return "<IterVar " + r.iv->var.name() + " " + dom + ">";
      });
  def_arithmetic(iv, false);

  m.def("var", [](const std::string& name, nb::handle dtype) { return te::var(name, to_dtype(dtype)); },
        nb::arg("name"), nb::arg("dtype"));
  m.def("size_var", &te::size_var, nb::arg("name"));
  m.def("const", [](nb::handle value, nb::handle dtype) {
    return typed([&] { return ir::cast(to_dtype(dtype), to_expr(value, "value")); });
  }, nb::arg("value"), nb::arg("dtype"));
  m.def("cast", [](nb::handle dtype, nb::handle x) { return typed([&] { return ir::cast(to_dtype(dtype), to_expr(x)); }); },
        nb::arg("dtype"), nb::arg("x"));
  m.def("select", [](nb::handle c, nb::handle t, nb::handle f) {
    Expr cond = typed([&] { return ir::cast(ir::DataType::Bool(), to_expr(c, "condition")); });
    return binary(to_operand_or_throw(t), to_operand_or_throw(f),
                  [&](const auto& x, const auto& y) -> Expr { return ir::select(cond, x, y); });
  }, nb::arg("cond"), nb::arg("true_value"), nb::arg("false_value"));
  m.def("logical_and", [](nb::handle a, nb::handle b) { return typed([&] { return to_expr(a) && to_expr(b); }); });
  m.def("logical_or", [](nb::handle a, nb::handle b) { return typed([&] { return to_expr(a) || to_expr(b); }); });
  m.def("logical_not", [](nb::handle a) { return typed([&] { return !to_expr(a); }); });

  struct UnaryEntry {
    const char* name;
    Unary fn;
  };
  static const UnaryEntry unary[] = {
      {"exp", &ir::exp}, {"exp2", &ir::exp2}, {"expm1", &ir::expm1}, {"log", &ir::log},
      {"log2", &ir::log2}, {"log10", &ir::log10}, {"log1p", &ir::log1p}, {"sqrt", &ir::sqrt},
      {"sin", &ir::sin}, {"cos", &ir::cos}, {"tan", &ir::tan}, {"asin", &ir::asin},
      {"acos", &ir::acos}, {"atan", &ir::atan}, {"sinh", &ir::sinh}, {"cosh", &ir::cosh},
      {"tanh", &ir::tanh}, {"asinh", &ir::asinh}, {"acosh", &ir::acosh}, {"atanh", &ir::atanh},
      {"floor", &ir::floor}, {"ceil", &ir::ceil}, {"trunc", &ir::trunc}, {"round", &ir::round},
      {"abs", &absolute}, {"isnan", &ir::isnan}, {"isinf", &ir::isinf}, {"isfinite", &ir::isfinite},
      {"signbit", &ir::signbit},
  };
  for (const UnaryEntry& u : unary) def_unary(m, u.name, u.fn, "Elementwise math (NumPy's function of that name).");

  def_binary(m, "truediv", TESSERA_BINARY_FN(ir::truediv(x, y)), "NumPy's true_divide.");
  def_binary(m, "floordiv", TESSERA_BINARY_FN(ir::floordiv(x, y)), "NumPy's floor_divide.");
  def_binary(m, "floormod", TESSERA_BINARY_FN(ir::floormod(x, y)), "NumPy's remainder.");
  def_binary(m, "maximum", TESSERA_BINARY_FN(ir::max(x, y)), "NumPy's maximum (NaN propagates).");
  def_binary(m, "minimum", TESSERA_BINARY_FN(ir::min(x, y)), "NumPy's minimum (NaN propagates).");
  def_binary(m, "atan2", TESSERA_BINARY_FN(ir::atan2(x, y)), "NumPy's arctan2.");
  def_binary(m, "pow", TESSERA_BINARY_FN(ir::pow(x, y)), "NumPy's power.");
  def_binary(m, "hypot", TESSERA_BINARY_FN(ir::hypot(x, y)), "NumPy's hypot.");
  def_binary(m, "copysign", TESSERA_BINARY_FN(ir::copysign(x, y)), "NumPy's copysign.");
  def_binary(m, "nextafter", TESSERA_BINARY_FN(ir::nextafter(x, y)), "NumPy's nextafter.");
  def_binary(m, "fmod", TESSERA_BINARY_FN(ir::fmod(x, y)), "NumPy's fmod (sign of the dividend).");
}

}  // namespace tessera::python
