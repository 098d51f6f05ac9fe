// Buffer construction and index flattening.
#include "tessera/ir/buffer.h"

#include <algorithm>

#include "tessera/ir/op.h"

namespace tessera::ir {

namespace {

[[noreturn]] void fail(const std::string& name, const std::string& msg) {
  throw IRError("Buffer " + name + ": " + msg);
}

void require_index(const std::string& name, const Expr& e, const char* what) {
  if (!e.defined()) fail(name, std::string(what) + " is undefined");
  if (e.type() != DataType::Index())
    fail(name, std::string(what) + " must be " + DataType::Index().str() + ", got " + e.type().str());
}

// a * b and a + b that skip multiplying by 1 and adding 0 and fold two constants, so
// flattened indices read well before the simplifier runs.
Expr mul_folded(const Expr& a, const Expr& b) {
  if (is_const_int(a, 1)) return b;
  if (is_const_int(b, 1)) return a;
  const int64_t* ca = a.as<IntImmNode>() ? as_const_int(a) : nullptr;
  const int64_t* cb = b.as<IntImmNode>() ? as_const_int(b) : nullptr;
  if (ca && cb && a.type() == b.type()) {
    return make_const(a.type(), static_cast<int64_t>(static_cast<uint64_t>(*ca) * static_cast<uint64_t>(*cb)));
  }
  return a * b;
}

Expr add_folded(const Expr& a, const Expr& b) {
  if (!a.defined() || is_const_int(a, 0)) return b;
  if (is_const_int(b, 0)) return a;
  return a + b;
}

}  // namespace

Buffer Buffer::make(std::string name, DataType dtype, std::vector<Expr> shape,
                    std::vector<Expr> strides, Expr elem_offset, std::string scope) {
  if (name.empty()) throw IRError("Buffer: name is empty");
  if (!dtype.is_scalar()) fail(name, "dtype must be scalar, got " + dtype.str());
  for (const Expr& e : shape) require_index(name, e, "extent");
  if (!strides.empty() && strides.size() != shape.size())
    fail(name, "has " + std::to_string(shape.size()) + " dimension(s) but " +
                   std::to_string(strides.size()) + " stride(s)");
  for (const Expr& e : strides) require_index(name, e, "stride");
  if (!elem_offset.defined()) elem_offset = make_zero(DataType::Index());
  require_index(name, elem_offset, "elem_offset");
  if (scope.empty()) fail(name, "scope is empty");
  auto node = std::make_shared<BufferNode>();
  node->name = name;
  node->dtype = dtype;
  node->shape = std::move(shape);
  node->strides = std::move(strides);
  node->elem_offset = std::move(elem_offset);
  node->data = Var(name, DataType::Handle());
  node->scope = std::move(scope);
  return Buffer(std::move(node));
}

std::vector<Expr> Buffer::effective_strides() const {
  if (!node_->strides.empty()) return node_->strides;
  std::vector<Expr> strides(node_->shape.size());
  Expr running = make_const(DataType::Index(), int64_t{1});
  for (size_t i = strides.size(); i-- > 0;) {
    strides[i] = running;
    running = mul_folded(node_->shape[i], running);
  }
  return strides;
}

Expr Buffer::flat_index(const std::vector<Expr>& indices) const {
  if (static_cast<int>(indices.size()) != ndim())
    fail(node_->name, "flat_index got " + std::to_string(indices.size()) + " index(es) for " +
                          std::to_string(ndim()) + " dimension(s)");
  std::vector<Expr> strides = effective_strides();
  Expr sum;
  int lanes = 1;
  for (size_t i = 0; i < indices.size(); ++i) {
    if (!indices[i].defined()) fail(node_->name, "flat_index got an undefined index");
    lanes = std::max(lanes, static_cast<int>(indices[i].type().lanes));
    Expr idx = cast(DataType::Index().with_lanes(indices[i].type().lanes), indices[i]);
    if (is_const_int(idx, 0) || is_const_int(strides[i], 0)) continue;
    sum = add_folded(sum, mul_folded(idx, strides[i]));
  }
  sum = add_folded(sum, node_->elem_offset);
  if (!sum.defined()) sum = make_zero(DataType::Index());
  // Every vector index met a zero stride: the address is still one per lane.
  if (lanes > 1 && sum.type().lanes == 1) sum = BroadcastNode::make(sum, lanes);
  return sum;
}

Expr Buffer::load(std::vector<Expr> indices) const { return LoadNode::make(*this, std::move(indices)); }

}  // namespace tessera::ir
