#include "lower/infer_bounds.h"

#include <algorithm>

#include "tessera/ir/bounds.h"
#include "tessera/ir/op.h"
#include "tessera/ir/simplify.h"
#include "tessera/ir/utils.h"

namespace tessera::lower {
namespace {

using schedule::ScheduleError;
using schedule::StageNode;
using schedule::StagePtr;

bool is_output_buffer(const StageNode& s, const ir::BufferNode* b) {
  return std::any_of(s.op->outputs.begin(), s.op->outputs.end(),
                     [&](const ir::Buffer& o) { return o.get() == b; });
}

bool reads_memory(const ir::Expr& e) {
  bool found = false;
  ir::post_order_visit(e, [&](const ir::Expr& x) { found = found || x.as<ir::LoadNode>() != nullptr; });
  return found;
}

// Every index tuple with which `exprs` read the outputs of `producer`.
std::vector<std::vector<ir::Expr>> reads_of(const StageNode& producer, const std::vector<ir::Expr>& exprs) {
  std::vector<std::vector<ir::Expr>> reads;
  for (const ir::Expr& e : exprs)
    ir::post_order_visit(e, [&](const ir::Expr& x) {
      if (const auto* load = x.as<ir::LoadNode>(); load && is_output_buffer(producer, load->buffer.get()))
        reads.push_back(load->indices);
    });
  return reads;
}

ir::Interval loop_interval(const ir::Range& r) {
  return {r.min, ir::simplify(r.min + r.extent - 1)};
}

// The stages from `o` up to `parent` along compute_at links (o first, parent excluded), when
// `o` runs within one iteration of parent's loop `at`: attached there, or at a loop inside
// it, directly or through stages that are. Empty when `o` runs elsewhere.
std::vector<const StageNode*> chain_within(const StageNode& o, const StageNode& parent, const ir::IterVar& at) {
  const auto& leaves = parent.leaf_iter_vars;
  std::vector<const StageNode*> chain;
  for (const StageNode* cur = &o; cur->attach == schedule::AttachKind::At;) {
    chain.push_back(cur);
    StagePtr up = cur->attach_stage.lock();
    if (up.get() == &parent) {
      auto pos_at = std::find(leaves.begin(), leaves.end(), at);
      auto pos_cur = std::find(leaves.begin(), leaves.end(), cur->attach_ivar);
      return pos_cur >= pos_at ? chain : std::vector<const StageNode*>{};
    }
    cur = up.get();
  }
  return {};
}

// Index tuples with which `s` is read inside one iteration of its attach point, each with
// the scope its variables range over there. The parent reads it at its own leaves; other
// readers must run inside the attach point (TVM's rule), and read it at their own leaves,
// which range over intervals that may depend on the enclosing loops (all in the scope).
struct Reads {
  std::vector<std::vector<ir::Expr>> indices;
  std::vector<ir::BoundsScope> scopes;
};

void add_leaf_ranges(const StageGraph& g, const StageNode& st, ir::BoundsScope* scope) {
  for (const ir::IterVar& leaf : st.leaf_iter_vars) (*scope)[leaf->var.get()] = loop_interval(g.ranges.at(leaf.get()));
}

Reads reads_at_attach_point(const StageGraph& g, const StageNode& s, const StageNode& parent,
                            const ir::BoundsScope& inner) {
  Reads r;
  auto add = [&](const StageNode& reader, const ir::BoundsScope& scope) {
    schedule::LeafMapping m = schedule::map_to_leaves(reader, g.ranges);
    ir::VarMap to_leaves;
    for (const ir::IterVar& root : reader.root_iter_vars) to_leaves[root->var.get()] = m.value.at(root.get());
    for (auto& idx : reads_of(s, g.body.at(&reader))) {
      for (ir::Expr& e : idx) e = ir::substitute(e, to_leaves);
      r.indices.push_back(std::move(idx));
      r.scopes.push_back(scope);
    }
  };
  add(parent, inner);
  for (const StagePtr& other : g.stages) {
    if (other.get() == &parent || other.get() == &s || other->attach == schedule::AttachKind::Inline) continue;
    if (reads_of(s, g.body.at(other.get())).empty()) continue;
    std::vector<const StageNode*> chain = chain_within(*other, parent, s.attach_ivar);
    if (chain.empty())
      throw ScheduleError("stage " + s.name() + ": computed at " + parent.name() + " but also read by " +
                          other->name() + ", which does not run inside that loop; compute it at root instead");
    ir::BoundsScope scope = inner;
    for (const StageNode* st : chain) add_leaf_ranges(g, *st, &scope);
    add(*other, scope);
  }
  return r;
}

void infer_attached(StageGraph* g, const StageNode& s) {
  StagePtr parent = s.attach_stage.lock();
  if (parent->attach == schedule::AttachKind::Inline)
    throw ScheduleError("stage " + s.name() + ": computed at " + parent->name() +
                        ", which is inlined into its readers and has no loops; compute it at root instead");
  // Loops inside the attach point vary within one iteration; everything outside is fixed.
  ir::BoundsScope inner = g->extent_facts, all = g->extent_facts;
  bool inside = false;
  for (const ir::IterVar& leaf : parent->leaf_iter_vars) {
    ir::Interval iv = loop_interval(g->ranges.at(leaf.get()));
    if (inside) inner[leaf->var.get()] = iv;
    all[leaf->var.get()] = iv;
    if (leaf == s.attach_ivar) inside = true;
  }
  Reads reads = reads_at_attach_point(*g, s, *parent, inner);
  Realize realize;
  for (size_t d = 0; d < s.op->axis.size(); ++d) {
    const ir::Range& dom = s.op->axis[d]->dom;
    ir::Expr dom_last = dom.min + dom.extent - 1;
    ir::Expr lo, hi;
    bool whole = false;  // an index read from memory or without bounds: cover the domain
    for (size_t k = 0; k < reads.indices.size(); ++k) {
      const ir::Expr& index = reads.indices[k][d];
      ir::Interval b = reads_memory(index) ? ir::Interval() : ir::bounds_of(index, reads.scopes[k]);
      if (!b.is_bounded() || reads_memory(b.min) || reads_memory(b.max)) {
        whole = true;
        break;
      }
      lo = lo.defined() ? ir::min(lo, b.min) : b.min;
      hi = hi.defined() ? ir::max(hi, b.max) : b.max;
    }
    if (whole) {
      lo = dom.min;
      hi = dom_last;
    } else if (!lo.defined()) {  // never read: an empty region
      lo = dom.min;
      hi = dom.min - 1;
    }
    ir::Expr clipped_lo = ir::simplify(ir::max(lo, dom.min));
    ir::Expr clipped_hi = ir::simplify(ir::min(hi, dom_last));
    // Clipping can leave hi < lo (an empty tensor, a tile past the end): extent 0 then.
    ir::Expr extent = ir::simplify(ir::max(clipped_hi - clipped_lo + 1, ir::Expr(int64_t{0})), g->extent_facts);
    g->ranges[s.op->axis[d].get()] = ir::Range(clipped_lo, extent);
    ir::Interval size = ir::bounds_of(ir::simplify(ir::max(hi - lo + 1, ir::Expr(int64_t{1}))), all);
    // A constant bound lets the buffer live on the stack; otherwise never exceed the domain.
    ir::Expr alloc = !size.max.defined()           ? dom.extent
                     : ir::as_const_int(size.max) ? size.max
                                                  : ir::simplify(ir::min(size.max, dom.extent));
    realize.min.push_back(clipped_lo);
    realize.alloc_extent.push_back(alloc);
  }
  for (const ir::IterVar& r : s.op->reduce_axis) g->ranges[r.get()] = r->dom;
  g->realize[&s] = std::move(realize);
}

}  // namespace

void infer_bounds(StageGraph* g) {
  for (auto it = g->stages.rbegin(); it != g->stages.rend(); ++it) {  // consumers first
    const StageNode& s = **it;
    if (s.op->kind != te::OpKind::Compute || s.attach == schedule::AttachKind::Inline) continue;
    if (s.attach == schedule::AttachKind::At) {
      infer_attached(g, s);
    } else {
      for (const ir::IterVar& iv : s.root_iter_vars) g->ranges[iv.get()] = iv->dom;
    }
    schedule::derive_ranges(s, &g->ranges);
  }
}

}  // namespace tessera::lower
