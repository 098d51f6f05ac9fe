// A Buffer is a typed, strided region of memory that Load and Store address.
//
// Kernel arguments get buffers whose strides are variables bound from the DLTensor at
// kernel entry, so one kernel serves any layout (stride 0 = broadcast, negative strides
// = reversed views); the contiguous specialization uses compact strides instead.
// Temporaries (intermediate stages, cache stages) are compact and live in `scope`.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "tessera/ir/expr.h"

namespace tessera::ir {

struct BufferNode {
  std::string name;
  DataType dtype;             // element type (scalar)
  std::vector<Expr> shape;    // Index-typed extents
  std::vector<Expr> strides;  // Index-typed, in elements; empty means compact row-major
  Expr elem_offset;           // Index-typed offset of element 0, in elements
  Var data;                   // Handle variable holding the base address
  std::string scope;          // "global" (argument), "local" (stack), "shared" (GPU block)
};

class Buffer {
 public:
  Buffer() = default;
  explicit Buffer(std::shared_ptr<const BufferNode> n) : node_(std::move(n)) {}
  // Checks: scalar dtype, Index-typed shape/strides, strides empty or one per dimension.
  static Buffer make(std::string name, DataType dtype, std::vector<Expr> shape,
                     std::vector<Expr> strides = {}, Expr elem_offset = Expr(),
                     std::string scope = "global");

  bool defined() const { return node_ != nullptr; }
  const BufferNode* get() const { return node_.get(); }
  const BufferNode* operator->() const { return node_.get(); }
  const std::shared_ptr<const BufferNode>& ptr() const { return node_; }
  bool same_as(const Buffer& o) const { return node_ == o.node_; }
  int ndim() const { return static_cast<int>(node_->shape.size()); }

  // Strides to use when flattening: the explicit ones, or compact row-major ones.
  std::vector<Expr> effective_strides() const;
  // Element index of indices (sum of index * stride, plus elem_offset).
  Expr flat_index(const std::vector<Expr>& indices) const;

  Expr load(std::vector<Expr> indices) const;  // LoadNode::make(*this, indices)

 private:
  std::shared_ptr<const BufferNode> node_;
};

}  // namespace tessera::ir
