// The tensor-expression front end: what each output element is, not how loops run.
//
//   Var n = te::size_var("n");
//   Tensor A = te::placeholder({n}, DataType::Float(32), "A");
//   Tensor B = te::placeholder({n}, DataType::Float(32), "B");
//   Tensor C = te::compute({n}, [&](Var i) { return A(i) + B(i); }, "C");
//
// A Tensor is one output of an Operation (a placeholder or a compute). Reading a tensor
// (`A(i)`) builds a Load of the tensor's buffer; an Operation remembers which tensors its
// body reads, so a schedule can walk the graph from its outputs.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "tessera/ir/buffer.h"
#include "tessera/ir/expr.h"
#include "tessera/ir/op.h"

namespace tessera::te {

using ir::DataType;
using ir::Expr;
using ir::IterVar;
using ir::Range;
using ir::Var;

struct OperationNode;
using Operation = std::shared_ptr<const OperationNode>;

class Tensor {
 public:
  Tensor() = default;
  Tensor(Operation op, int value_index) : op_(std::move(op)), value_index_(value_index) {}

  bool defined() const { return op_ != nullptr; }
  const Operation& op() const { return op_; }
  int value_index() const { return value_index_; }
  const ir::Buffer& buffer() const;
  const std::vector<Expr>& shape() const;
  DataType dtype() const;
  const std::string& name() const;
  int ndim() const { return static_cast<int>(shape().size()); }
  bool same_as(const Tensor& o) const { return op_ == o.op_ && value_index_ == o.value_index_; }

  // Element read; one Index-typed (or integer, cast to int64) expression per dimension.
  Expr operator()(std::vector<Expr> indices) const;
  template <class... I>
  Expr operator()(I... indices) const {
    return (*this)(std::vector<Expr>{Expr(indices)...});
  }

 private:
  Operation op_;
  int value_index_ = 0;
};

enum class OpKind : uint8_t { Placeholder, Compute };

struct OperationNode {
  OpKind kind;
  std::string name;
  std::vector<ir::Buffer> outputs;   // one buffer per output tensor
  std::vector<Tensor> inputs;        // tensors the body reads (compute only), first-use order
  std::vector<IterVar> axis;         // compute: one data-parallel axis per output dimension
  std::vector<IterVar> reduce_axis;  // compute: the reduction axes of the body, if any
  std::vector<Expr> body;            // compute: one expression per output
  int num_outputs() const { return static_cast<int>(outputs.size()); }
};

// A user-visible size variable (Index type). size_var is the same but documents >= 0.
Var var(const std::string& name, DataType t = DataType::Index());
Var size_var(const std::string& name);

Tensor placeholder(std::vector<Expr> shape, DataType dtype, const std::string& name = "placeholder");

using ComputeFn = std::function<std::vector<Expr>(const std::vector<Var>&)>;

// A compute operation with one output per returned expression (argmax-style tuples give
// several). The body may be a Reduce at the top (or a tuple of Reduces of one combiner).
// axis_names optionally names the axes (default i0, i1, ...).
std::vector<Tensor> compute_multi(std::vector<Expr> shape, const ComputeFn& fcompute,
                                  const std::string& name = "compute",
                                  std::vector<std::string> axis_names = {});

// Builds a compute op from an explicit axis list and body (used by schedule rewrites).
// `outputs` reuses existing buffers (a schedule rewrite keeps the tensors users hold);
// when empty, fresh buffers named after the operation are made.
Operation make_compute_op(const std::string& name, std::vector<IterVar> axis,
                          std::vector<Expr> body, std::vector<Tensor> inputs,
                          std::vector<ir::Buffer> outputs = {});

namespace detail {
template <class F, std::size_t... I>
Expr call_with_vars(F& f, const std::vector<Var>& v, std::index_sequence<I...>) {
  return Expr(f(v[I]...));
}
}  // namespace detail

// compute(shape, f): f takes either `const std::vector<Var>&` or one Var per dimension.
template <class F>
Tensor compute(std::vector<Expr> shape, F f, const std::string& name = "compute",
               std::vector<std::string> axis_names = {}) {
  if constexpr (std::is_invocable_v<F&, const std::vector<Var>&>) {
    return compute_multi(std::move(shape),
                         [&](const std::vector<Var>& v) { return std::vector<Expr>{Expr(f(v))}; },
                         name, std::move(axis_names))[0];
  } else {
    return compute_multi(
        std::move(shape),
        [&](const std::vector<Var>& v) -> std::vector<Expr> {
          if constexpr (std::is_invocable_v<F&, Var>) return {detail::call_with_vars(f, v, std::make_index_sequence<1>{})};
          else if constexpr (std::is_invocable_v<F&, Var, Var>) return {detail::call_with_vars(f, v, std::make_index_sequence<2>{})};
          else if constexpr (std::is_invocable_v<F&, Var, Var, Var>) return {detail::call_with_vars(f, v, std::make_index_sequence<3>{})};
          else if constexpr (std::is_invocable_v<F&, Var, Var, Var, Var>) return {detail::call_with_vars(f, v, std::make_index_sequence<4>{})};
          else if constexpr (std::is_invocable_v<F&, Var, Var, Var, Var, Var>) return {detail::call_with_vars(f, v, std::make_index_sequence<5>{})};
          else {
            static_assert(std::is_invocable_v<F&, Var, Var, Var, Var, Var, Var>, "compute: bad lambda signature");
            return {detail::call_with_vars(f, v, std::make_index_sequence<6>{})};
          }
        },
        name, std::move(axis_names))[0];
  }
}

// ---- reductions --------------------------------------------------------------------------

IterVar reduce_axis(Range dom, const std::string& name = "k");
inline IterVar reduce_axis(Expr min, Expr extent, const std::string& name = "k") {
  return reduce_axis(Range(std::move(min), std::move(extent)), name);
}

// A commutative reducer over tuples; calling it builds one Reduce per tuple element.
class Reducer {
 public:
  using Combine = std::function<std::vector<Expr>(const std::vector<Expr>& lhs,
                                                   const std::vector<Expr>& rhs)>;
  using Identity = std::function<std::vector<Expr>(const std::vector<DataType>& types)>;
  Reducer(Combine combine, Identity identity, std::string name)
      : combine_(std::move(combine)), identity_(std::move(identity)), name_(std::move(name)) {}

  std::vector<Expr> operator()(const std::vector<Expr>& sources, const std::vector<IterVar>& axes,
                               Expr where = Expr()) const;
  Expr operator()(const Expr& source, const std::vector<IterVar>& axes, Expr where = Expr()) const {
    return (*this)(std::vector<Expr>{source}, axes, std::move(where))[0];
  }

 private:
  Combine combine_;
  Identity identity_;
  std::string name_;
};

Reducer comm_reducer(Reducer::Combine combine, Reducer::Identity identity,
                     const std::string& name = "reduce");

// The built-in reducers. Min/max propagate NaN (IR Min/Max semantics).
Expr sum(const Expr& source, const std::vector<IterVar>& axes, Expr where = Expr());
Expr prod(const Expr& source, const std::vector<IterVar>& axes, Expr where = Expr());
Expr min(const Expr& source, const std::vector<IterVar>& axes, Expr where = Expr());
Expr max(const Expr& source, const std::vector<IterVar>& axes, Expr where = Expr());

}  // namespace tessera::te
