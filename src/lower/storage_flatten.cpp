#include "lower/storage_flatten.h"

#include "tessera/ir/functor.h"

namespace tessera::lower {
namespace {

class Flatten : public ir::IRMutator {
 public:
  explicit Flatten(const std::map<const ir::BufferNode*, ir::Buffer>& storage) : storage_(storage) {}

 protected:
  ir::Expr mutate_load(const ir::LoadNode* op, const ir::Expr& self) override {
    ir::Expr e = IRMutator::mutate_load(op, self);
    const auto* load = e.as<ir::LoadNode>();
    const ir::Buffer& b = target(load->buffer.get());
    return ir::LoadNode::make(b, {b.flat_index(load->indices)});
  }

  ir::Stmt mutate_store(const ir::StoreNode* op, const ir::Stmt& self) override {
    ir::Stmt s = IRMutator::mutate_store(op, self);
    const auto* store = s.as<ir::StoreNode>();
    const ir::Buffer& b = target(store->buffer.get());
    return ir::StoreNode::make(b, store->value, {b.flat_index(store->indices)}, store->hint);
  }

  ir::Stmt mutate_allocate(const ir::AllocateNode* op, const ir::Stmt& self) override {
    ir::Stmt body = mutate(op->body);
    return ir::AllocateNode::make(target(op->buffer.get()), body);
  }

 private:
  const ir::Buffer& target(const ir::BufferNode* b) const {
    auto it = storage_.find(b);
    if (it == storage_.end())
      throw ir::IRError("storage_flatten: no storage for buffer " + b->name +
                        " (a tensor that is read must be a kernel argument or a stage)");
    return it->second;
  }

  const std::map<const ir::BufferNode*, ir::Buffer>& storage_;
};

}  // namespace

ir::Stmt storage_flatten(const ir::Stmt& s, const std::map<const ir::BufferNode*, ir::Buffer>& storage) {
  return Flatten(storage).mutate(s);
}

}  // namespace tessera::lower
