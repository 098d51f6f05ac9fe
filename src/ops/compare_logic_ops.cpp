// Comparisons (equal not_equal less less_equal greater greater_equal) and logical
// operators (logical_and logical_or logical_xor logical_not). All give bool.
//
// Comparisons with NaN are false except not_equal. A signed integer beside uint64 is
// compared exactly (NumPy 2), not through float64 as promotion would.
#include "ops/elementwise_internal.h"

namespace tessera::ops::detail {
namespace {

enum class Cmp { EQ, NE, LT, LE, GT, GE };

Expr same_type_compare(Cmp c, const Expr& a, const Expr& b) {
  switch (c) {
    case Cmp::EQ: return a == b;
    case Cmp::NE: return a != b;
    case Cmp::LT: return a < b;
    case Cmp::LE: return a <= b;
    case Cmp::GT: return a > b;
    case Cmp::GE: return a >= b;
  }
  return Expr();
}

// `c` with the operands swapped: a < b is b > a.
Cmp mirrored(Cmp c) {
  switch (c) {
    case Cmp::LT: return Cmp::GT;
    case Cmp::LE: return Cmp::GE;
    case Cmp::GT: return Cmp::LT;
    case Cmp::GE: return Cmp::LE;
    default: return c;
  }
}

// s (int64) against u (uint64): a negative s is below every u; otherwise compare as uint64.
Expr signed_vs_unsigned(Cmp c, const Expr& s, const Expr& u) {
  Expr negative = s < 0;
  Expr as_unsigned = same_type_compare(c, ir::cast(u.type(), s), u);
  switch (c) {
    case Cmp::LT:
    case Cmp::LE:
    case Cmp::NE: return negative || as_unsigned;
    default: return !negative && as_unsigned;
  }
}

Expr compare(Cmp c, const Expr& a, const Expr& b) {
  if (a.type() == b.type()) return same_type_compare(c, a, b);
  if (a.type().is_int()) return signed_vs_unsigned(c, a, b);
  return signed_vs_unsigned(mirrored(c), b, a);
}

void comparison(const std::string& name, Cmp c) {
  defop(elementwise(name, 2, compare_rule(), [c](const Values& x, DataType) { return compare(c, x[0], x[1]); }));
}

}  // namespace

void register_compare_logic_ops() {
  comparison("equal", Cmp::EQ);
  comparison("not_equal", Cmp::NE);
  comparison("less", Cmp::LT);
  comparison("less_equal", Cmp::LE);
  comparison("greater", Cmp::GT);
  comparison("greater_equal", Cmp::GE);

  // The rule reads every input as bool, so the element functions see bools.
  defop(elementwise("logical_and", 2, logical_rule(), [](const Values& x, DataType) { return x[0] && x[1]; }));
  defop(elementwise("logical_or", 2, logical_rule(), [](const Values& x, DataType) { return x[0] || x[1]; }));
  defop(elementwise("logical_xor", 2, logical_rule(), [](const Values& x, DataType) { return x[0] != x[1]; }));
  defop(elementwise("logical_not", 1, logical_rule(), [](const Values& x, DataType) { return !x[0]; }));
}

}  // namespace tessera::ops::detail
