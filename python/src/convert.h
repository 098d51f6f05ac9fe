// Conversions between Python objects and the compiler's C++ values, shared by the binding
// files of tessera._core.
//
// Python literals stay *weak* in binary operations (NEP 50, as the C++ operators in
// tessera/ir/op.h treat C++ literals): `A[i] * 2` keeps A's dtype. Everywhere else a
// literal becomes a strong constant: int64, float64 or bool. NumPy scalars are always
// strong constants of their own dtype.
#pragma once
#include <nanobind/nanobind.h>

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "tessera/dlpack.h"
#include "tessera/ir/op.h"
#include "tessera/te/tensor.h"

namespace tessera::python {

namespace nb = nanobind;

// Python-side handles of shared IR nodes. IterVar and Operation are shared_ptrs to const
// nodes; wrapping them keeps identity (two wrappers of one node compare equal).
struct IterVarRef {
  ir::IterVar iv;
};
struct OperationRef {
  te::Operation op;
};

// A dtype from a name ("float32"), a NumPy dtype or a scalar type (np.float32, bool, float).
// Raises TypeError("data type ... not understood") like NumPy.
ir::DataType to_dtype(nb::handle h);

// One operand of a binary operation: an expression or a weak Python literal.
using Operand = std::variant<ir::Expr, int64_t, double>;
// nullopt when h is neither an expression, an IterVar, a Python number nor a NumPy scalar.
std::optional<Operand> to_operand(nb::handle h);
// Like to_operand, raising TypeError naming `what` instead of returning nullopt.
Operand to_operand_or_throw(nb::handle h, const char* what = "argument");
// A strong expression; raises TypeError naming `what` when h cannot be one.
ir::Expr to_expr(nb::handle h, const char* what = "value");
// A shape or index list: one int / expression, or a sequence of them.
std::vector<ir::Expr> to_expr_list(nb::handle h, const char* what);
std::vector<ir::IterVar> to_iter_vars(nb::handle h, const char* what);
std::vector<IterVarRef> iter_var_refs(const std::vector<ir::IterVar>& ivs);

// Applies f to two operands, picking the C++ overload that keeps literals weak. Two
// literals (e.g. te.max(1, 2.5)) make the first one a strong constant.
template <class F>
ir::Expr apply_binary(const Operand& a, const Operand& b, F&& f) {
  return std::visit(
      [&](const auto& x, const auto& y) -> ir::Expr {
        using X = std::decay_t<decltype(x)>;
        using Y = std::decay_t<decltype(y)>;
        if constexpr (!std::is_same_v<X, ir::Expr> && !std::is_same_v<Y, ir::Expr>)
          return f(ir::Expr(x), y);
        else
          return f(x, y);
      },
      a, b);
}

// ---- arrays ------------------------------------------------------------------------------

// An array as the Python layer describes it from __array_interface__:
// (address, shape, byte strides, dtype name).
using ArraySpec = std::tuple<uintptr_t, std::vector<int64_t>, std::vector<int64_t>, std::string>;

// A DLTensor over an ArraySpec; owns the shape and element-stride storage it points to.
class TensorView {
 public:
  explicit TensorView(const ArraySpec& spec);
  TensorView(const TensorView&) = delete;
  TensorView& operator=(const TensorView&) = delete;
  DLTensor* get() { return &t_; }
  const DLTensor* get() const { return &t_; }

 private:
  DLTensor t_{};
  std::vector<int64_t> shape_, strides_;
};

DLDataType to_dl_dtype(ir::DataType t);

}  // namespace tessera::python
