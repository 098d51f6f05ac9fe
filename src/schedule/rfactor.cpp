// rfactor: turn one reduction axis into a data-parallel axis of a partial-result stage.
//
//   C[i] = sum_k A[i, k],  k -> (ko, ki)  rfactor(C, ki)  gives
//   C.rf[ki, i] = sum_ko A[i, ko * f + ki]      (guarded when f does not divide)
//   C[i]        = sum_ki C.rf[ki, i]
#include <algorithm>

#include "schedule/stage_internal.h"
#include "tessera/ir/op.h"
#include "tessera/ir/utils.h"
#include "tessera/schedule/relations.h"

namespace tessera::schedule {
namespace {

std::vector<Expr> identity_of(const ir::ReduceNode* r) { return r->combiner->identity; }

}  // namespace

Tensor Schedule::rfactor(const Tensor& t, const IterVar& axis) {
  StagePtr s = (*this)[t].node();
  const Operation op = s->op;
  const std::string where = "stage " + op->name + ": rfactor";
  if (op->reduce_axis.empty()) throw ScheduleError(where + ": the stage has no reduction");
  if (std::find(s->leaf_iter_vars.begin(), s->leaf_iter_vars.end(), axis) == s->leaf_iter_vars.end())
    throw ScheduleError(where + ": axis " + (axis ? axis->var.name() : "<null>") +
                        " is not a current loop of the stage");
  if (axis->kind != ir::IterKind::Reduce)
    throw ScheduleError(where + ": axis " + axis->var.name() + " is not a reduction axis");

  RangeMap ranges;
  for (const IterVar& iv : s->root_iter_vars) ranges[iv.get()] = iv->dom;
  derive_ranges(*s, &ranges);
  LeafMapping m = map_to_leaves(*s, ranges);

  // New variables: the factored axis becomes data-parallel, other reduction leaves stay.
  IterVar rf_axis = ir::make_iter_var(ir::Range(Expr(int64_t{0}), ranges.at(axis.get()).extent),
                                      axis->var.name(), ir::IterKind::DataPar);
  std::vector<IterVar> data_axes = fresh_axes(t.shape(), op->axis);
  std::vector<IterVar> rf_reduce;
  ir::VarMap leaf_subst;
  leaf_subst[axis->var.get()] = rf_axis->var + ranges.at(axis.get()).min;
  for (const IterVar& leaf : s->leaf_iter_vars) {
    if (leaf->kind != ir::IterKind::Reduce || leaf == axis) continue;
    const ir::Range& r = ranges.at(leaf.get());
    rf_reduce.push_back(ir::make_iter_var(r, leaf->var.name(), ir::IterKind::Reduce));
    leaf_subst[leaf->var.get()] = rf_reduce.back()->var;
  }
  ir::VarMap body_subst;
  for (const IterVar& root : op->reduce_axis)
    body_subst[root->var.get()] = ir::substitute(m.value.at(root.get()), leaf_subst);
  for (size_t i = 0; i < op->axis.size(); ++i) body_subst[op->axis[i]->var.get()] = data_axes[i]->var;

  Expr cond = ir::make_bool(true);
  for (const Expr& p : m.predicates) {
    bool reduce_only = !ir::uses_any(p, [&](const ir::VarNode* v) {
      return std::any_of(s->leaf_iter_vars.begin(), s->leaf_iter_vars.end(), [&](const IterVar& l) {
        return l->var.get() == v && l->kind != ir::IterKind::Reduce;
      });
    });
    if (!reduce_only)
      throw ScheduleError(where + ": split data-parallel axes after rfactor, not before");
    cond = cond && ir::substitute(p, leaf_subst);
  }

  const auto* red = op->body[0].as<ir::ReduceNode>();
  cond = cond && ir::substitute(red->condition, body_subst);  // guards first: see build_loop_nests
  std::vector<Expr> sources;
  for (const Expr& src : red->source) sources.push_back(ir::substitute(src, body_subst));

  std::vector<Expr> rf_body;
  for (size_t j = 0; j < sources.size(); ++j) {
    if (rf_reduce.empty()) {
      rf_body.push_back(ir::select(cond, sources[j], identity_of(red)[j]));
    } else {
      rf_body.push_back(ir::ReduceNode::make(red->combiner, sources, rf_reduce, cond, static_cast<int>(j)));
    }
  }
  std::vector<IterVar> rf_axes = {rf_axis};
  rf_axes.insert(rf_axes.end(), data_axes.begin(), data_axes.end());
  Operation rf = te::make_compute_op(op->name + ".rf", rf_axes, rf_body, op->inputs);

  // The stage now reduces the partial results over the factored axis.
  std::vector<IterVar> final_axes = fresh_axes(t.shape(), op->axis);
  IterVar k = ir::make_iter_var(ir::Range(Expr(int64_t{0}), ranges.at(axis.get()).extent),
                                axis->var.name(), ir::IterKind::Reduce);
  std::vector<Expr> partials;
  std::vector<Tensor> rf_tensors;
  for (int j = 0; j < rf->num_outputs(); ++j) {
    std::vector<Expr> idx = {k->var};
    for (const IterVar& iv : final_axes) idx.push_back(iv->var);
    rf_tensors.emplace_back(rf, j);
    partials.push_back(rf_tensors.back()(idx));
  }
  std::vector<Expr> body;
  for (size_t j = 0; j < partials.size(); ++j)
    body.push_back(ir::ReduceNode::make(red->combiner, partials, {k}, ir::make_bool(true), static_cast<int>(j)));
  Operation final_op = te::make_compute_op(op->name, final_axes, body, rf_tensors, op->outputs);

  StagePtr rf_stage = make_stage(rf);
  insert_stage_before(*node(), rf_stage, s);
  node()->stage_of[rf.get()] = rf_stage;
  replace_stage_op(*s, final_op, /*keep_schedule=*/false);
  node()->stage_of[final_op.get()] = s;
  return rf_tensors[0];
}

}  // namespace tessera::schedule
