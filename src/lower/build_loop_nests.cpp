#include "lower/build_loop_nests.h"

#include <algorithm>

#include "tessera/ir/op.h"
#include "tessera/ir/utils.h"

namespace tessera::lower {
namespace {

using schedule::StageNode;
using schedule::StagePtr;

class NestBuilder {
 public:
  explicit NestBuilder(const StageGraph& g) : g_(g) {}

  ir::Stmt build() {
    std::vector<ir::Stmt> seq;
    std::vector<StagePtr> intermediates;
    for (const StagePtr& s : g_.stages) {
      if (!is_loop_stage(*s) || s->attach != schedule::AttachKind::Root) continue;
      seq.push_back(stage_nest(*s));
      if (!s->is_output) intermediates.push_back(s);
    }
    ir::Stmt body = ir::SeqNode::make(seq);
    for (auto it = intermediates.rbegin(); it != intermediates.rend(); ++it) body = allocate(**it, body);
    return body;
  }

 private:
  static bool is_loop_stage(const StageNode& s) {
    return s.op->kind == te::OpKind::Compute && s.attach != schedule::AttachKind::Inline;
  }

  // Storage of a non-output stage around `body` (regions of compute_at stages come from
  // storage_flatten; here the op's own buffers are declared).
  ir::Stmt allocate(const StageNode& s, ir::Stmt body) const {
    for (const ir::Buffer& b : s.op->outputs) body = ir::AllocateNode::make(b, body);
    return body;
  }

  ir::Stmt stage_nest(const StageNode& s) {
    schedule::LeafMapping m = schedule::map_to_leaves(s, g_.ranges);
    ir::VarMap roots;
    for (const ir::IterVar& iv : s.root_iter_vars) roots[iv->var.get()] = m.value.at(iv.get());
    std::vector<ir::Expr> out_index;
    for (const ir::IterVar& iv : s.op->axis) out_index.push_back(m.value.at(iv.get()));

    const auto& leaves = s.leaf_iter_vars;
    const std::vector<ir::Expr>& body = g_.body.at(&s);
    const auto* red = body[0].as<ir::ReduceNode>();
    if (!red) {
      std::vector<ir::Stmt> stores;
      for (size_t j = 0; j < body.size(); ++j)
        stores.push_back(ir::StoreNode::make(s.op->outputs[j], ir::substitute(body[j], roots), out_index,
                                             s.stream_stores ? ir::StoreHint::Streaming : ir::StoreHint::Normal));
      return loops(s, 0, leaves.size(), guard(m.predicates, ir::SeqNode::make(stores)));
    }

    size_t first_reduce = 0;
    while (first_reduce < leaves.size() && leaves[first_reduce]->kind != ir::IterKind::Reduce) ++first_reduce;
    auto uses_reduce_leaf = [&](const ir::Expr& e) {
      return ir::uses_any(e, [&](const ir::VarNode* v) {
        return std::any_of(leaves.begin(), leaves.end(), [&](const ir::IterVar& l) {
          return l->kind == ir::IterKind::Reduce && l->var.get() == v;
        });
      });
    };
    std::vector<ir::Expr> data_preds;
    for (const ir::Expr& p : m.predicates)
      if (!uses_reduce_leaf(p)) data_preds.push_back(p);

    std::vector<ir::Stmt> init;
    for (size_t j = 0; j < body.size(); ++j)
      init.push_back(ir::StoreNode::make(s.op->outputs[j], red->combiner->identity[j], out_index));
    ir::Stmt init_nest = guard(data_preds, ir::SeqNode::make(init));
    for (size_t i = leaves.size(); i-- > first_reduce;)
      if (leaves[i]->kind != ir::IterKind::Reduce) init_nest = loop(s, i, init_nest, /*with_children=*/false);

    ir::Stmt update = guard(m.predicates, update_body(s, red, roots, out_index));
    ir::Stmt update_nest = loops(s, first_reduce, leaves.size(), update);
    return loops(s, 0, first_reduce, ir::SeqNode::make({init_nest, update_nest}));
  }

  // C[i] = combine(C[i], source): new values are bound first, since a tuple's results
  // may read every old element.
  ir::Stmt update_body(const StageNode& s, const ir::ReduceNode* red, const ir::VarMap& roots,
                       const std::vector<ir::Expr>& out_index) const {
    const auto& c = *red->combiner;
    ir::VarMap args;
    for (size_t j = 0; j < c.lhs.size(); ++j) {
      args[c.lhs[j].get()] = s.op->outputs[j].load(out_index);
      args[c.rhs[j].get()] = ir::substitute(red->source[j], roots);
    }
    if (c.result.size() == 1)
      return wrap_condition(red, roots,
                            ir::StoreNode::make(s.op->outputs[0], ir::substitute(c.result[0], args), out_index));
    std::vector<ir::Var> tmp;
    std::vector<ir::Stmt> stores;
    for (size_t j = 0; j < c.result.size(); ++j) {
      tmp.emplace_back(s.op->outputs[j]->name + ".new", c.result[j].type());
      stores.push_back(ir::StoreNode::make(s.op->outputs[j], tmp.back(), out_index));
    }
    ir::Stmt st = ir::SeqNode::make(stores);
    for (size_t j = c.result.size(); j-- > 0;)
      st = ir::LetStmtNode::make(tmp[j], ir::substitute(c.result[j], args), st);
    return wrap_condition(red, roots, st);
  }

  static ir::Stmt wrap_condition(const ir::ReduceNode* red, const ir::VarMap& roots, ir::Stmt st) {
    if (ir::is_const_int(red->condition, 1)) return st;
    return nest_conjuncts(ir::substitute(red->condition, roots), st);
  }

  // `a && b` becomes `if a: if b:`, so b is evaluated only where a holds: && evaluates both
  // sides, and rfactor puts the guards of uneven splits first, before a condition that
  // may read the input at indices only those guards keep in bounds.
  static ir::Stmt nest_conjuncts(const ir::Expr& cond, ir::Stmt st) {
    if (const auto* b = cond.as<ir::BinaryNode>(); b && b->op == ir::BinaryOp::And)
      return nest_conjuncts(b->a, nest_conjuncts(b->b, st));
    return ir::IfThenElseNode::make(cond, st);
  }

  static ir::Stmt guard(const std::vector<ir::Expr>& preds, ir::Stmt body) {
    if (preds.empty()) return body;
    ir::Expr cond = preds[0];
    for (size_t i = 1; i < preds.size(); ++i) cond = cond && preds[i];
    return ir::IfThenElseNode::make(cond, body);
  }

  ir::Stmt loops(const StageNode& s, size_t begin, size_t end, ir::Stmt body) {
    for (size_t i = end; i-- > begin;) body = loop(s, i, body, /*with_children=*/true);
    return body;
  }

  // The loop of leaf i around body, with the stages computed at it placed first.
  ir::Stmt loop(const StageNode& s, size_t i, ir::Stmt body, bool with_children) {
    const ir::IterVar& leaf = s.leaf_iter_vars[i];
    if (with_children) {
      std::vector<StagePtr> children;
      for (const StagePtr& c : g_.attached_to(&s))
        if (c->attach_ivar == leaf) children.push_back(c);
      if (!children.empty()) {
        std::vector<ir::Stmt> seq;
        for (const StagePtr& c : children) seq.push_back(stage_nest(*c));
        seq.push_back(body);
        body = ir::SeqNode::make(seq);
        for (auto it = children.rbegin(); it != children.rend(); ++it) body = allocate(**it, body);
      }
    }
    const ir::Range& r = g_.ranges.at(leaf.get());
    auto attr = s.attrs.find(leaf.get());
    ir::ForKind kind = attr == s.attrs.end() ? ir::ForKind::Serial : attr->second.kind;
    std::string tag = attr == s.attrs.end() ? "" : attr->second.thread_tag;
    return ir::ForNode::make(leaf->var, r.min, r.extent, kind, body, tag);
  }

  const StageGraph& g_;
};

}  // namespace

ir::Stmt build_loop_nests(const StageGraph& graph) {
  for (const StagePtr& s : graph.stages) {
    if (s->attach != schedule::AttachKind::At) continue;
    StagePtr parent = s->attach_stage.lock();
    if (!parent || parent->attach == schedule::AttachKind::Inline)
      throw schedule::ScheduleError("stage " + s->name() + ": computed at a stage that is inlined or gone");
  }
  return NestBuilder(graph).build();
}

}  // namespace tessera::lower
