// cache_read and cache_write: stages that stage data through another storage scope.
#include <algorithm>

#include "schedule/stage_internal.h"
#include "tessera/ir/functor.h"

namespace tessera::schedule {
namespace {

class ReadReplacer : public ir::IRMutator {
 public:
  ReadReplacer(const ir::BufferNode* from, ir::Buffer to) : from_(from), to_(std::move(to)) {}

 protected:
  Expr mutate_load(const ir::LoadNode* op, const Expr& self) override {
    Expr e = IRMutator::mutate_load(op, self);
    const auto* load = e.as<ir::LoadNode>();
    if (load->buffer.get() != from_) return e;
    return to_.load(load->indices);
  }

 private:
  const ir::BufferNode* from_;
  ir::Buffer to_;
};

std::vector<Tensor> outputs_of(const Operation& op) {
  std::vector<Tensor> out;
  for (int i = 0; i < op->num_outputs(); ++i) out.emplace_back(op, i);
  return out;
}

}  // namespace

Expr replace_reads(const Expr& e, const ir::BufferNode* from, const ir::Buffer& to) {
  return ReadReplacer(from, to).mutate(e);
}

void insert_stage_before(ScheduleNode& s, const StagePtr& stage, const StagePtr& before) {
  auto pos = std::find(s.stages.begin(), s.stages.end(), before);
  s.stages.insert(pos, stage);
}

std::vector<IterVar> fresh_axes(const std::vector<Expr>& shape, const std::vector<IterVar>& like) {
  std::vector<IterVar> axes;
  for (size_t i = 0; i < shape.size(); ++i) {
    std::string name = i < like.size() ? like[i]->var.name() : "ax" + std::to_string(i);
    axes.push_back(ir::make_iter_var(ir::Range(Expr(int64_t{0}), shape[i]), name, ir::IterKind::DataPar));
  }
  return axes;
}

// Every check, and every new operation, comes before the first change to the schedule, so
// a request that throws leaves the schedule as it was.
Tensor Schedule::cache_read(const Tensor& t, const std::string& scope,
                            const std::vector<Tensor>& readers) {
  (*this)[t];  // t belongs to this schedule
  Tensor src = current(t);
  if (readers.empty()) throw ScheduleError("cache_read of " + src.name() + ": no readers given");
  auto reads_src = [&](const Tensor& in) { return in.buffer().same_as(src.buffer()); };
  std::vector<StagePtr> reader_stages;
  for (const Tensor& r : readers) {
    StagePtr rs = (*this)[r].node();
    const Operation& op = rs->op;
    if (std::find(reader_stages.begin(), reader_stages.end(), rs) != reader_stages.end())
      throw ScheduleError("cache_read of " + src.name() + ": stage " + op->name + " given twice");
    if (std::none_of(op->inputs.begin(), op->inputs.end(), reads_src))
      throw ScheduleError("cache_read of " + src.name() + ": stage " + op->name + " does not read it");
    reader_stages.push_back(rs);
  }

  std::vector<IterVar> axes = fresh_axes(src.shape());
  std::vector<Expr> idx;
  for (const IterVar& iv : axes) idx.push_back(iv->var);
  Operation copy = te::make_compute_op(src.name() + "." + scope, axes, {src(idx)}, {src});
  StagePtr copy_stage = make_stage(copy);
  Stage(copy_stage).set_scope(scope);
  std::vector<Operation> replaced;
  for (const StagePtr& rs : reader_stages) {
    const Operation& op = rs->op;
    std::vector<Expr> body;
    for (const Expr& b : op->body) body.push_back(replace_reads(b, src.buffer().get(), copy->outputs[0]));
    std::vector<Tensor> inputs = op->inputs;
    *std::find_if(inputs.begin(), inputs.end(), reads_src) = Tensor(copy, 0);
    replaced.push_back(te::make_compute_op(op->name, op->axis, body, inputs, op->outputs));
  }

  auto position = [&](const StagePtr& st) { return std::find(node()->stages.begin(), node()->stages.end(), st); };
  StagePtr first_reader;
  for (size_t i = 0; i < reader_stages.size(); ++i) {
    const StagePtr& rs = reader_stages[i];
    replace_stage_op(*rs, replaced[i], /*keep_schedule=*/true);
    node()->stage_of[replaced[i].get()] = rs;
    if (!first_reader || position(rs) < position(first_reader)) first_reader = rs;
  }
  insert_stage_before(*node(), copy_stage, first_reader);
  node()->stage_of[copy.get()] = copy_stage;
  return Tensor(copy, 0);
}

Tensor Schedule::cache_write(const Tensor& t, const std::string& scope) {
  StagePtr s = (*this)[t].node();
  const Operation old = s->op;
  if (old->kind != te::OpKind::Compute)
    throw ScheduleError("cache_write of " + t.name() + ": not a compute stage");
  if (!s->relations.empty() || !s->attrs.empty())
    throw ScheduleError("stage " + old->name +
                        ": cache_write must come before other schedule primitives on this stage");
  Operation inner = te::make_compute_op(old->name + "." + scope, old->axis, old->body, old->inputs);
  std::vector<IterVar> axes = fresh_axes(t.shape(), old->axis);
  std::vector<Expr> idx;
  for (const IterVar& iv : axes) idx.push_back(iv->var);
  std::vector<Expr> body;
  for (const Tensor& out : outputs_of(inner)) body.push_back(out(idx));
  Operation outer = te::make_compute_op(old->name, axes, body, outputs_of(inner), old->outputs);

  StagePtr inner_stage = make_stage(inner);
  Stage(inner_stage).set_scope(scope);
  insert_stage_before(*node(), inner_stage, s);
  node()->stage_of[inner.get()] = inner_stage;
  replace_stage_op(*s, outer, /*keep_schedule=*/false);
  node()->stage_of[outer.get()] = s;
  return Tensor(inner, 0);
}

}  // namespace tessera::schedule
