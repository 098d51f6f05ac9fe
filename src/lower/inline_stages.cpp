#include "lower/inline_stages.h"

#include "tessera/ir/functor.h"
#include "tessera/ir/utils.h"

namespace tessera::lower {
namespace {

class InlineReads : public ir::IRMutator {
 public:
  explicit InlineReads(const StageGraph& g) : g_(g) {}

 protected:
  ir::Expr mutate_load(const ir::LoadNode* op, const ir::Expr& self) override {
    ir::Expr e = IRMutator::mutate_load(op, self);
    const auto* load = e.as<ir::LoadNode>();
    auto it = g_.producer.find(load->buffer.get());
    if (it == g_.producer.end() || it->second->attach != schedule::AttachKind::Inline) return e;
    const schedule::StageNode* s = it->second.get();
    int index = 0;
    while (s->op->outputs[index].get() != load->buffer.get()) ++index;
    ir::VarMap axes;
    for (size_t i = 0; i < s->op->axis.size(); ++i) axes[s->op->axis[i]->var.get()] = load->indices[i];
    return ir::substitute(g_.body.at(s)[index], axes);
  }

 private:
  const StageGraph& g_;
};

}  // namespace

void inline_stages(StageGraph* g) {
  for (const schedule::StagePtr& s : g->stages) {  // producers first: their bodies are final
    std::vector<ir::Expr> body;
    InlineReads inliner(*g);
    for (const ir::Expr& e : s->op->body) body.push_back(inliner.mutate(e));
    g->body[s.get()] = std::move(body);
  }
}

}  // namespace tessera::lower
