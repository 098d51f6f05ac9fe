// Schedule creation and the loop-transforming primitives of a stage.
#include "tessera/schedule/schedule.h"

#include <algorithm>
#include <functional>
#include <set>

#include "schedule/stage_internal.h"

namespace tessera::schedule {
namespace {

std::string axis_name(const IterVar& iv) { return iv->var.name(); }

[[noreturn]] void fail(const StageNode& s, const std::string& msg) {
  throw ScheduleError("stage " + s.name() + ": " + msg);
}

bool contains(const std::vector<IterVar>& v, const IterVar& iv) {
  return std::find(v.begin(), v.end(), iv) != v.end();
}

// Whether `consumer` reads `producer`'s output, directly or through other stages (a stage
// inlined into the consumer, or one computed inside its loops: lowering checks where each
// reader runs). Outputs are matched by buffer, which rfactor and cache_write keep when they
// give a stage a new operation.
bool depends_on(const te::OperationNode& consumer, const te::OperationNode& producer) {
  auto produced = [&](const Tensor& t) {
    return std::any_of(producer.outputs.begin(), producer.outputs.end(),
                       [&](const ir::Buffer& b) { return b.same_as(t.buffer()); });
  };
  std::set<const te::OperationNode*> seen;
  std::function<bool(const te::OperationNode&)> visit = [&](const te::OperationNode& op) {
    for (const Tensor& t : op.inputs)
      if (produced(t) || (seen.insert(t.op().get()).second && visit(*t.op()))) return true;
    return false;
  };
  return visit(consumer);
}

void reset_iter_vars(StageNode& s) {
  s.root_iter_vars = s.op->axis;
  s.root_iter_vars.insert(s.root_iter_vars.end(), s.op->reduce_axis.begin(), s.op->reduce_axis.end());
  s.all_iter_vars = s.root_iter_vars;
  s.leaf_iter_vars = s.root_iter_vars;
  s.relations.clear();
  s.attrs.clear();
}

IterVar derived(const IterVar& from, const std::string& suffix) {
  return ir::make_iter_var(ir::Range(), from->var.name() + suffix, from->kind);
}

bool is_positive_or_symbolic(const Expr& e) {
  const int64_t* c = ir::as_const_int(e);
  return !c || *c > 0;
}

}  // namespace

StagePtr make_stage(const Operation& op) {
  auto s = std::make_shared<StageNode>();
  s->op = op;
  s->origin_op = op;
  reset_iter_vars(*s);
  return s;
}

void replace_stage_op(StageNode& s, const Operation& op, bool keep_schedule) {
  s.op = op;
  if (!keep_schedule) reset_iter_vars(s);
}

// ---- Stage -------------------------------------------------------------------------------

void Stage::check_leaf(const IterVar& iv, const char* primitive) const {
  if (!iv) fail(*node_, std::string(primitive) + ": undefined axis");
  if (contains(node_->leaf_iter_vars, iv)) return;
  if (contains(node_->all_iter_vars, iv))
    fail(*node_, std::string(primitive) + ": axis " + axis_name(iv) +
                     " is no longer a loop (it was split or fused)");
  fail(*node_, std::string(primitive) + ": axis " + axis_name(iv) + " does not belong to this stage");
}

static std::pair<IterVar, IterVar> split_impl(StageNode& s, const IterVar& parent, Expr factor,
                                              Expr nparts) {
  IterVar outer = derived(parent, ".outer"), inner = derived(parent, ".inner");
  s.relations.push_back(SplitRelation{parent, outer, inner, std::move(factor), std::move(nparts)});
  auto pos = std::find(s.leaf_iter_vars.begin(), s.leaf_iter_vars.end(), parent);
  pos = s.leaf_iter_vars.erase(pos);
  s.leaf_iter_vars.insert(pos, {outer, inner});
  s.all_iter_vars.push_back(outer);
  s.all_iter_vars.push_back(inner);
  return {outer, inner};
}

static Expr checked_amount(const StageNode& s, const IterVar& parent, Expr amount, const char* what) {
  if (!amount.defined() || !amount.type().is_integer())
    fail(s, std::string("split of ") + axis_name(parent) + ": " + what + " must be an integer");
  if (!is_positive_or_symbolic(amount))
    fail(s, std::string("split of ") + axis_name(parent) + ": " + what + " must be positive, got " +
                std::to_string(*ir::as_const_int(amount)));
  return ir::cast(ir::DataType::Index(), amount);
}

std::pair<IterVar, IterVar> Stage::split(const IterVar& parent, Expr factor) {
  check_leaf(parent, "split");
  return split_impl(*node_, parent, checked_amount(*node_, parent, std::move(factor), "factor"), Expr());
}

std::pair<IterVar, IterVar> Stage::split_nparts(const IterVar& parent, Expr nparts) {
  check_leaf(parent, "split_nparts");
  return split_impl(*node_, parent, Expr(), checked_amount(*node_, parent, std::move(nparts), "nparts"));
}

IterVar Stage::fuse(const IterVar& outer, const IterVar& inner) {
  check_leaf(outer, "fuse");
  check_leaf(inner, "fuse");
  auto& leaves = node_->leaf_iter_vars;
  auto po = std::find(leaves.begin(), leaves.end(), outer);
  auto pi = std::find(leaves.begin(), leaves.end(), inner);
  if (pi != po + 1)
    fail(*node_, "fuse: " + axis_name(outer) + " and " + axis_name(inner) +
                     " must be adjacent loops, outer first");
  if (outer->kind != inner->kind)
    fail(*node_, "fuse: cannot fuse data-parallel and reduction axes (" + axis_name(outer) + ", " +
                     axis_name(inner) + ")");
  IterVar fused = ir::make_iter_var(ir::Range(), axis_name(outer) + "." + axis_name(inner) + ".fused",
                                    outer->kind);
  node_->relations.push_back(FuseRelation{outer, inner, fused});
  *po = fused;
  leaves.erase(pi);
  node_->all_iter_vars.push_back(fused);
  return fused;
}

// Checks every pair before the first fuse: a request that throws leaves the loops unchanged.
IterVar Stage::fuse(const std::vector<IterVar>& axes_in) {
  const std::vector<IterVar> axes = axes_in;  // may alias leaf_iter_vars, which fusing changes
  if (axes.empty()) fail(*node_, "fuse: no axes given");
  for (const IterVar& iv : axes) check_leaf(iv, "fuse");
  const auto& leaves = node_->leaf_iter_vars;
  auto position = [&](const IterVar& iv) { return std::find(leaves.begin(), leaves.end(), iv) - leaves.begin(); };
  for (size_t i = 1; i < axes.size(); ++i) {
    if (position(axes[i]) != position(axes[i - 1]) + 1)
      fail(*node_, "fuse: " + axis_name(axes[i - 1]) + " and " + axis_name(axes[i]) +
                       " must be adjacent loops, outer first");
    if (axes[i]->kind != axes[0]->kind)
      fail(*node_, "fuse: cannot fuse data-parallel and reduction axes (" + axis_name(axes[0]) + ", " +
                       axis_name(axes[i]) + ")");
  }
  IterVar acc = axes[0];
  for (size_t i = 1; i < axes.size(); ++i) acc = fuse(acc, axes[i]);
  return acc;
}

Stage& Stage::reorder(const std::vector<IterVar>& order) {
  std::set<const ir::IterVarNode*> seen;
  std::vector<size_t> positions;
  for (const IterVar& iv : order) {
    check_leaf(iv, "reorder");
    if (!seen.insert(iv.get()).second) fail(*node_, "reorder: axis " + axis_name(iv) + " given twice");
    auto& leaves = node_->leaf_iter_vars;
    positions.push_back(std::find(leaves.begin(), leaves.end(), iv) - leaves.begin());
  }
  std::sort(positions.begin(), positions.end());
  for (size_t i = 0; i < order.size(); ++i) node_->leaf_iter_vars[positions[i]] = order[i];
  return *this;
}

// Checks both axes and factors first: a request that throws leaves the stage unchanged.
std::array<IterVar, 4> Stage::tile(const IterVar& x, const IterVar& y, Expr x_factor, Expr y_factor) {
  check_leaf(x, "tile");
  check_leaf(y, "tile");
  if (x == y) fail(*node_, "tile: axis " + axis_name(x) + " given twice");
  x_factor = checked_amount(*node_, x, std::move(x_factor), "factor");
  y_factor = checked_amount(*node_, y, std::move(y_factor), "factor");
  auto [xo, xi] = split_impl(*node_, x, std::move(x_factor), Expr());
  auto [yo, yi] = split_impl(*node_, y, std::move(y_factor), Expr());
  reorder({xo, yo, xi, yi});
  return {xo, yo, xi, yi};
}

Stage& Stage::annotate(const IterVar& iv, ir::ForKind kind, const char* primitive,
                       const std::string& tag) {
  check_leaf(iv, primitive);
  if (iv->kind == ir::IterKind::Reduce && kind != ir::ForKind::Unrolled)
    fail(*node_, std::string(primitive) + ": axis " + axis_name(iv) +
                     " is a reduction axis (use rfactor to make it data-parallel first)");
  auto& attr = node_->attrs[iv.get()];
  if (attr.kind != ir::ForKind::Serial && attr.kind != kind)
    fail(*node_, std::string(primitive) + ": axis " + axis_name(iv) + " is already " +
                     ir::to_string(attr.kind));
  attr.kind = kind;
  attr.thread_tag = tag;
  return *this;
}

Stage& Stage::parallel(const IterVar& iv) { return annotate(iv, ir::ForKind::Parallel, "parallel"); }
Stage& Stage::vectorize(const IterVar& iv) { return annotate(iv, ir::ForKind::Vectorized, "vectorize"); }
Stage& Stage::unroll(const IterVar& iv) { return annotate(iv, ir::ForKind::Unrolled, "unroll"); }

Stage& Stage::bind(const IterVar& iv, const std::string& tag) {
  static const std::set<std::string> kTags = {"blockIdx.x",  "blockIdx.y",  "blockIdx.z",
                                              "threadIdx.x", "threadIdx.y", "threadIdx.z"};
  if (!kTags.count(tag)) fail(*node_, "bind: unknown thread tag '" + tag + "'");
  return annotate(iv, ir::ForKind::ThreadBinding, "bind", tag);
}

Stage& Stage::compute_inline() {
  if (node_->op->kind != te::OpKind::Compute) fail(*node_, "compute_inline: not a compute stage");
  if (!node_->op->reduce_axis.empty())
    fail(*node_, "compute_inline: a reduction cannot be inlined into its consumers");
  if (node_->is_output) fail(*node_, "compute_inline: an output stage cannot be inlined");
  node_->attach = AttachKind::Inline;
  node_->attach_stage.reset();
  node_->attach_ivar.reset();
  return *this;
}

Stage& Stage::compute_at(const Stage& parent, const IterVar& iv) {
  if (node_->op->kind != te::OpKind::Compute) fail(*node_, "compute_at: not a compute stage");
  if (node_->is_output) fail(*node_, "compute_at: an output stage cannot be computed at another");
  if (parent.node_ == node_) fail(*node_, "compute_at: a stage cannot be computed at itself");
  if (!depends_on(*parent.op(), *node_->op))
    fail(*node_, "compute_at: stage " + parent.node_->name() + " does not read this stage's output");
  parent.check_leaf(iv, "compute_at");
  node_->attach = AttachKind::At;
  node_->attach_stage = parent.node_;
  node_->attach_ivar = iv;
  return *this;
}

Stage& Stage::compute_root() {
  node_->attach = AttachKind::Root;
  node_->attach_stage.reset();
  node_->attach_ivar.reset();
  return *this;
}

Stage& Stage::set_scope(const std::string& scope) {
  if (scope != "global" && scope != "local" && scope != "shared")
    fail(*node_, "set_scope: unknown scope '" + scope + "'");
  if (node_->is_output) fail(*node_, "set_scope: an output lives in its argument buffer");
  node_->scope = scope;
  return *this;
}

Stage& Stage::stream_stores() {
  if (!node_->is_output)
    fail(*node_, "stream_stores: only a kernel output's stores can stream (this stage is an intermediate)");
  if (node_->op->kind != te::OpKind::Compute)
    fail(*node_, "stream_stores: the stage computes nothing");
  if (!node_->op->reduce_axis.empty())
    fail(*node_, "stream_stores: a reduction reads its output back; cache_write it to \"local\" "
                 "and stream the copy stage");
  node_->stream_stores = true;
  return *this;
}

// ---- Schedule ----------------------------------------------------------------------------

Stage Schedule::operator[](const Operation& op) const {
  auto it = node_->stage_of.find(op.get());
  if (it == node_->stage_of.end())
    throw ScheduleError("operation " + (op ? op->name : std::string("<null>")) +
                        " is not part of this schedule");
  return Stage(it->second);
}

Stage Schedule::operator[](const Tensor& t) const { return (*this)[t.op()]; }

Tensor Schedule::current(const Tensor& t) const { return Tensor((*this)[t].op(), t.value_index()); }

Schedule create_schedule(const std::vector<Tensor>& outputs) {
  auto node = std::make_shared<ScheduleNode>();
  std::set<const te::OperationNode*> visited;
  std::function<void(const Operation&)> visit = [&](const Operation& op) {
    if (!visited.insert(op.get()).second) return;
    for (const Tensor& in : op->inputs) visit(in.op());
    StagePtr s = make_stage(op);
    node->stages.push_back(s);
    node->stage_of[op.get()] = s;
  };
  for (const Tensor& t : outputs) {
    if (!t.defined()) throw ScheduleError("create_schedule: undefined output tensor");
    if (t.op()->kind != te::OpKind::Compute)
      throw ScheduleError("create_schedule: output " + t.name() + " is a placeholder, not a compute");
    if (std::find(node->outputs.begin(), node->outputs.end(), t.op()) == node->outputs.end())
      node->outputs.push_back(t.op());
    visit(t.op());
  }
  for (const Operation& op : node->outputs) node->stage_of[op.get()]->is_output = true;
  return Schedule(node);
}

}  // namespace tessera::schedule
