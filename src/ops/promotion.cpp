// NEP 50 promotion over dtypes and weak scalars; NumPy's can_cast table.
#include "tessera/ops/promotion.h"

#include <limits>
#include <string>

#include "tessera/ir/op.h"
#include "tessera/ops/dispatch.h"

namespace tessera::ops {
namespace {

// Kinds in NumPy's order: bool < integer < float.
int kind_rank(DataType t) { return t.is_bool() ? 0 : t.is_float() ? 2 : 1; }
int kind_rank(WeakScalar::Kind k) { return k == WeakScalar::Kind::Bool ? 0 : k == WeakScalar::Kind::Int ? 1 : 2; }

bool fits(int64_t v, DataType t) {
  if (t.is_bool() || t.is_float()) return true;
  if (t.is_uint()) return v >= 0 && (t.bits == 64 || v < (int64_t{1} << t.bits));
  if (t.bits == 64) return true;
  int64_t lim = int64_t{1} << (t.bits - 1);
  return v >= -lim && v < lim;
}

}  // namespace

DataType weak_scalar_dtype(const WeakScalar& s, DataType other) {
  DataType t = other;
  if (kind_rank(s.kind) > kind_rank(other))
    t = s.kind == WeakScalar::Kind::Int ? DataType::Int(64) : DataType::Float(64);
  if (s.kind == WeakScalar::Kind::Int && !fits(s.int_value, t))
    throw OpError(OpError::Kind::Overflow,
                  "Python integer " + std::to_string(s.int_value) + " out of bounds for " + t.str());
  return t;
}

DataType result_type(const std::vector<PromotionOperand>& operands) {
  if (operands.empty()) throw OpError(OpError::Kind::Type, "result_type: at least one array or dtype is required");
  // Arrays first: weak scalars only join once the strong dtype is known.
  std::optional<DataType> strong;
  for (const PromotionOperand& o : operands)
    if (const DataType* t = std::get_if<DataType>(&o)) strong = strong ? ir::promote_types(*strong, *t) : *t;
  if (!strong) {  // only scalars: their default dtypes, as NumPy's result_type(1, 2.0)
    int rank = 0;
    for (const PromotionOperand& o : operands) rank = std::max(rank, kind_rank(std::get<WeakScalar>(o).kind));
    strong = rank == 0 ? DataType::Bool() : rank == 1 ? DataType::Int(64) : DataType::Float(64);
  }
  DataType t = *strong;
  for (const PromotionOperand& o : operands)
    if (const WeakScalar* s = std::get_if<WeakScalar>(&o)) t = weak_scalar_dtype(*s, t);
  return t;
}

bool can_cast(DataType from, DataType to, Casting casting) {
  from = from.element_of();
  to = to.element_of();
  if (from == to || casting == Casting::Unsafe) return true;
  if (casting == Casting::No || casting == Casting::Equiv) return false;
  bool safe = from.is_bool() || ir::promote_types(from, to) == to;
  if (safe || casting == Casting::Safe) return safe;
  // same_kind: within a kind or to a higher one, NumPy's kinds ordered b < u < i < f.
  auto cast_kind = [](DataType t) { return t.is_bool() ? 0 : t.is_uint() ? 1 : t.is_int() ? 2 : 3; };
  return cast_kind(from) <= cast_kind(to);
}

}  // namespace tessera::ops
