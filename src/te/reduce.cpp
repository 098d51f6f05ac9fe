// Reduction axes and reducers.
#include <cmath>
#include "tessera/ir/op.h"
#include "tessera/te/tensor.h"

namespace tessera::te {

IterVar reduce_axis(Range dom, const std::string& name) {
  if (!dom.min.defined() || !dom.extent.defined())
    throw std::invalid_argument("reduce_axis " + name + ": undefined range");
  dom.min = ir::cast(DataType::Index(), dom.min);
  dom.extent = ir::cast(DataType::Index(), dom.extent);
  return ir::make_iter_var(std::move(dom), name, ir::IterKind::Reduce);
}

std::vector<Expr> Reducer::operator()(const std::vector<Expr>& sources,
                                      const std::vector<IterVar>& axes, Expr where) const {
  if (sources.empty()) throw std::invalid_argument(name_ + ": no source expressions");
  if (axes.empty()) throw std::invalid_argument(name_ + ": no reduction axes");
  for (const IterVar& iv : axes)
    if (iv->kind != ir::IterKind::Reduce)
      throw std::invalid_argument(name_ + ": axis " + iv->var.name() +
                                  " is not a reduction axis (make it with reduce_axis)");
  auto node = std::make_shared<ir::CommReducerNode>();
  std::vector<DataType> types;
  std::vector<Expr> lhs, rhs;
  for (size_t i = 0; i < sources.size(); ++i) {
    types.push_back(sources[i].type());
    node->lhs.emplace_back("x" + std::to_string(i), types.back());
    node->rhs.emplace_back("y" + std::to_string(i), types.back());
    lhs.push_back(node->lhs.back());
    rhs.push_back(node->rhs.back());
  }
  node->result = combine_(lhs, rhs);
  node->identity = identity_(types);
  if (node->result.size() != sources.size() || node->identity.size() != sources.size())
    throw std::invalid_argument(name_ + ": combiner and identity must give one value per source");
  for (size_t i = 0; i < sources.size(); ++i) {
    node->result[i] = ir::cast(types[i], node->result[i]);
    node->identity[i] = ir::cast(types[i], node->identity[i]);
  }
  Expr cond = where.defined() ? ir::cast(DataType::Bool(), where) : ir::make_bool(true);
  ir::CommReducer combiner = node;
  std::vector<Expr> out;
  for (size_t i = 0; i < sources.size(); ++i)
    out.push_back(ir::ReduceNode::make(combiner, sources, axes, cond, static_cast<int>(i)));
  return out;
}

Reducer comm_reducer(Reducer::Combine combine, Reducer::Identity identity,
                     const std::string& name) {
  return Reducer(std::move(combine), std::move(identity), name);
}

namespace {

Expr infinity(DataType t, bool negative) {
  if (t.is_float()) return ir::make_const(t, negative ? -HUGE_VAL : HUGE_VAL);
  return negative ? ir::min_value(t) : ir::max_value(t);
}

Reducer binary_reducer(const std::string& name, Expr (*op)(const Expr&, const Expr&),
                       std::function<Expr(DataType)> identity) {
  return comm_reducer(
      [op](const std::vector<Expr>& a, const std::vector<Expr>& b) {
        return std::vector<Expr>{op(a[0], b[0])};
      },
      [identity](const std::vector<DataType>& t) { return std::vector<Expr>{identity(t[0])}; },
      name);
}

Expr add_op(const Expr& a, const Expr& b) { return a + b; }
Expr mul_op(const Expr& a, const Expr& b) { return a * b; }
Expr min_op(const Expr& a, const Expr& b) { return ir::min(a, b); }
Expr max_op(const Expr& a, const Expr& b) { return ir::max(a, b); }

}  // namespace

Expr sum(const Expr& source, const std::vector<IterVar>& axes, Expr where) {
  static const Reducer r = binary_reducer("sum", add_op, [](DataType t) { return ir::make_zero(t); });
  return r(source, axes, std::move(where));
}
Expr prod(const Expr& source, const std::vector<IterVar>& axes, Expr where) {
  static const Reducer r =
      binary_reducer("prod", mul_op, [](DataType t) { return ir::make_const(t, int64_t{1}); });
  return r(source, axes, std::move(where));
}
Expr min(const Expr& source, const std::vector<IterVar>& axes, Expr where) {
  static const Reducer r =
      binary_reducer("min", min_op, [](DataType t) { return infinity(t, false); });
  return r(source, axes, std::move(where));
}
Expr max(const Expr& source, const std::vector<IterVar>& axes, Expr where) {
  static const Reducer r =
      binary_reducer("max", max_op, [](DataType t) { return infinity(t, true); });
  return r(source, axes, std::move(where));
}

}  // namespace tessera::te
