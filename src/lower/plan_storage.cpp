#include "lower/plan_storage.h"

#include "tessera/ir/op.h"
#include "tessera/ir/simplify.h"
#include "tessera/ir/utils.h"

namespace tessera::lower {
namespace {

ir::Buffer param_buffer(const ir::Buffer& b, bool contiguous) {
  std::vector<ir::Expr> strides;
  if (!contiguous)
    for (int d = 0; d < b.ndim(); ++d) strides.push_back(ir::Var(b->name + ".stride" + std::to_string(d)));
  return ir::Buffer::make(b->name, b->dtype, b->shape, strides, ir::Expr(int64_t{0}), "global");
}

// Compact storage of `extents`, addressed with the region's original indices.
ir::Buffer region_buffer(const ir::Buffer& b, const Realize& r, const std::string& scope) {
  ir::Expr offset(int64_t{0}), stride(int64_t{1});
  for (size_t d = r.alloc_extent.size(); d-- > 0;) {
    offset = offset - r.min[d] * stride;
    stride = stride * r.alloc_extent[d];
  }
  return ir::Buffer::make(b->name, b->dtype, r.alloc_extent, {}, ir::simplify(offset), scope);
}

// The state takes the storage of its output, which must be a tensor argument.
void bind_read_back(const ReadBack& r, const StageGraph& g, StoragePlan* plan) {
  if (!r.state.defined() || !r.output.defined()) throw std::invalid_argument("lower: undefined read-back tensor");
  const std::string what = "lower: read-back state " + r.state.name() + " of " + r.output.name();
  if (r.state.op()->kind != te::OpKind::Placeholder) throw std::invalid_argument(what + " is not a placeholder");
  auto out = plan->storage.find(r.output.buffer().get());
  auto prod = g.producer.find(r.output.buffer().get());
  if (out == plan->storage.end() || prod == g.producer.end() || prod->second->op->kind != te::OpKind::Compute)
    throw std::invalid_argument(what + ": the output is not a computed tensor argument");
  if (plan->storage.count(r.state.buffer().get()))
    throw std::invalid_argument(what + ": the state is bound twice or passed as an argument");
  const ir::Buffer& state = r.state.buffer();
  const ir::Buffer& output = r.output.buffer();
  bool same = state->dtype == output->dtype && state.ndim() == output.ndim();
  for (int d = 0; same && d < state.ndim(); ++d) same = ir::equal(state->shape[d], output->shape[d]);
  if (!same) throw std::invalid_argument(what + ": the state must have the output's dtype and shape");
  plan->storage[state.get()] = out->second;
  plan->read_backs[state.get()] = output.get();
}

}  // namespace

StoragePlan plan_storage(const StageGraph& g, const std::vector<Arg>& args, const LowerOptions& options) {
  StoragePlan plan;
  std::vector<const ReadBack*> read_backs;
  for (const Arg& a : args) {
    if (const auto* r = std::get_if<ReadBack>(&a.value)) {
      read_backs.push_back(r);
      continue;
    }
    ir::KernelParam p;
    if (const auto* t = std::get_if<te::Tensor>(&a.value)) {
      if (!t->defined()) throw std::invalid_argument("lower: undefined tensor argument");
      if (plan.storage.count(t->buffer().get()))
        throw std::invalid_argument("lower: tensor " + t->name() + " is passed twice");
      p.kind = ir::KernelParam::Kind::Tensor;
      p.buffer = param_buffer(t->buffer(), options.contiguous);
      auto prod = g.producer.find(t->buffer().get());
      p.is_output = prod != g.producer.end() && prod->second->op->kind == te::OpKind::Compute;
      plan.storage[t->buffer().get()] = p.buffer;
    } else {
      const ir::Var& v = std::get<ir::Var>(a.value);
      if (v.type() == ir::DataType::Int(64)) p.kind = ir::KernelParam::Kind::Int;
      else if (v.type() == ir::DataType::Float(64)) p.kind = ir::KernelParam::Kind::Float;
      else
        throw std::invalid_argument("lower: scalar argument " + v.name() + " must be int64 or float64, not " +
                                    v.type().str());
      p.var = v;
    }
    plan.params.push_back(p);
  }
  for (const ReadBack* r : read_backs) bind_read_back(*r, g, &plan);
  for (const schedule::StagePtr& s : g.stages) {
    if (s->op->kind == te::OpKind::Placeholder && !plan.storage.count(s->op->outputs[0].get()))
      throw std::invalid_argument("lower: tensor " + s->op->name + " is read but not passed as an argument");
    if (s->op->kind != te::OpKind::Compute || s->attach == schedule::AttachKind::Inline) continue;
    for (const ir::Buffer& b : s->op->outputs) {
      if (s->is_output) {
        if (!plan.storage.count(b.get()))
          throw std::invalid_argument("lower: output " + b->name + " is not among the arguments");
        continue;
      }
      if (plan.storage.count(b.get()))
        throw std::invalid_argument("lower: " + b->name + " is an intermediate stage, not an argument");
      if (s->attach == schedule::AttachKind::At)
        plan.storage[b.get()] = region_buffer(b, g.realize.at(s.get()), s->scope);
      else
        plan.storage[b.get()] = ir::Buffer::make(b->name, b->dtype, b->shape, {}, ir::Expr(int64_t{0}), s->scope);
    }
  }
  return plan;
}

}  // namespace tessera::lower
