// Tensors, placeholders and compute operations.
#include "tessera/te/tensor.h"

#include <algorithm>

#include "tessera/ir/utils.h"

namespace tessera::te {
namespace {

// Tensors read while a compute body is being built, so the operation knows its inputs.
thread_local std::vector<std::vector<Tensor>*> g_read_collectors;

void record_read(const Tensor& t) {
  if (g_read_collectors.empty()) return;
  auto& reads = *g_read_collectors.back();
  for (const Tensor& r : reads)
    if (r.same_as(t)) return;
  reads.push_back(t);
}

std::string default_axis_name(size_t i) { return "i" + std::to_string(i); }

ir::Buffer make_output_buffer(const std::string& name, DataType dtype, std::vector<Expr> shape) {
  return ir::Buffer::make(name, dtype.element_of(), std::move(shape));
}

void check_shape(const std::vector<Expr>& shape, const std::string& what) {
  for (size_t i = 0; i < shape.size(); ++i) {
    if (!shape[i].defined() || !shape[i].type().is_integer() || !shape[i].type().is_scalar())
      throw std::invalid_argument(what + ": dimension " + std::to_string(i) +
                                  " must be a scalar integer expression");
    if (const int64_t* c = ir::as_const_int(shape[i]); c && *c < 0)
      throw std::invalid_argument(what + ": dimension " + std::to_string(i) + " is negative (" +
                                  std::to_string(*c) + ")");
  }
}

std::vector<Expr> to_index(std::vector<Expr> shape) {
  for (Expr& e : shape) e = ir::cast(DataType::Index(), e);
  return shape;
}

// Reads of buffers that no recorded input owns mean the body captured a tensor read made
// outside compute(); we cannot schedule what we cannot see, so refuse it.
void check_inputs_cover_body(const std::string& name, const std::vector<Expr>& body,
                             const std::vector<Tensor>& inputs) {
  for (const Expr& e : body) {
    ir::post_order_visit(e, [&](const Expr& x) {
      const auto* load = x.as<ir::LoadNode>();
      if (!load) return;
      bool known = std::any_of(inputs.begin(), inputs.end(), [&](const Tensor& t) {
        return t.buffer().ptr() == load->buffer;
      });
      if (!known)
        throw std::invalid_argument("compute " + name + ": reads buffer " + load->buffer->name +
                                    " that is not a tensor read inside the compute function");
    });
  }
}

// A body is either free of reductions or a tuple of Reduces sharing combiner and axes.
std::vector<IterVar> check_reductions(const std::string& name, const std::vector<Expr>& body) {
  const ir::ReduceNode* first = body.empty() ? nullptr : body[0].as<ir::ReduceNode>();
  for (size_t i = 0; i < body.size(); ++i) {
    const auto* r = body[i].as<ir::ReduceNode>();
    if (static_cast<bool>(r) != static_cast<bool>(first))
      throw std::invalid_argument("compute " + name +
                                  ": outputs must be all reductions or none");
    if (r && (r->combiner != first->combiner || r->axes != first->axes))
      throw std::invalid_argument("compute " + name +
                                  ": tuple outputs must come from one reducer call");
    const Expr& inner = r ? Expr() : body[i];
    auto nested = [&](const Expr& root) {
      ir::post_order_visit(root, [&](const Expr& x) {
        if (x.as<ir::ReduceNode>())
          throw std::invalid_argument(
              "compute " + name +
              ": a reduction must be the whole body; compute the rest in a separate stage");
      });
    };
    if (inner.defined()) nested(inner);
    if (r)
      for (const Expr& s : r->source) nested(s);
  }
  return first ? first->axes : std::vector<IterVar>{};
}

}  // namespace

const ir::Buffer& Tensor::buffer() const { return op_->outputs.at(value_index_); }
const std::vector<Expr>& Tensor::shape() const { return buffer()->shape; }
DataType Tensor::dtype() const { return buffer()->dtype; }
const std::string& Tensor::name() const { return buffer()->name; }

Expr Tensor::operator()(std::vector<Expr> indices) const {
  if (!defined()) throw std::invalid_argument("read of an undefined tensor");
  if (static_cast<int>(indices.size()) != ndim())
    throw std::invalid_argument("tensor " + name() + " has " + std::to_string(ndim()) +
                                " dimensions but was indexed with " +
                                std::to_string(indices.size()));
  for (Expr& i : indices) {
    if (!i.defined() || !(i.type().is_integer()) || !i.type().is_scalar())
      throw std::invalid_argument("tensor " + name() + ": indices must be scalar integers");
    i = ir::cast(DataType::Index(), i);
  }
  record_read(*this);
  return buffer().load(std::move(indices));
}

Var var(const std::string& name, DataType t) { return Var(name, t); }
Var size_var(const std::string& name) { return Var(name, DataType::Index()); }

Tensor placeholder(std::vector<Expr> shape, DataType dtype, const std::string& name) {
  check_shape(shape, "placeholder " + name);
  if (!dtype.is_scalar() || dtype.is_handle())
    throw std::invalid_argument("placeholder " + name + ": dtype must be a scalar data type");
  auto op = std::make_shared<OperationNode>();
  op->kind = OpKind::Placeholder;
  op->name = name;
  op->outputs.push_back(make_output_buffer(name, dtype, to_index(std::move(shape))));
  return Tensor(op, 0);
}

Operation make_compute_op(const std::string& name, std::vector<IterVar> axis,
                          std::vector<Expr> body, std::vector<Tensor> inputs,
                          std::vector<ir::Buffer> outputs) {
  if (body.empty()) throw std::invalid_argument("compute " + name + ": empty body");
  auto op = std::make_shared<OperationNode>();
  op->kind = OpKind::Compute;
  op->name = name;
  op->reduce_axis = check_reductions(name, body);
  check_inputs_cover_body(name, body, inputs);
  std::vector<Expr> shape;
  for (const IterVar& iv : axis) shape.push_back(iv->dom.extent);
  if (!outputs.empty()) {
    if (outputs.size() != body.size())
      throw std::invalid_argument("compute " + name + ": output buffer count mismatch");
    for (size_t i = 0; i < body.size(); ++i)
      if (outputs[i]->dtype != body[i].type() || outputs[i]->shape.size() != shape.size())
        throw std::invalid_argument("compute " + name + ": output buffer does not match body");
    op->outputs = std::move(outputs);
  }
  for (size_t i = 0; i < body.size() && op->outputs.size() < body.size(); ++i) {
    std::string out_name = body.size() == 1 ? name : name + ".v" + std::to_string(i);
    op->outputs.push_back(make_output_buffer(out_name, body[i].type(), shape));
  }
  op->axis = std::move(axis);
  op->body = std::move(body);
  op->inputs = std::move(inputs);
  return op;
}

std::vector<Tensor> compute_multi(std::vector<Expr> shape, const ComputeFn& fcompute,
                                  const std::string& name, std::vector<std::string> axis_names) {
  check_shape(shape, "compute " + name);
  shape = to_index(std::move(shape));
  if (!axis_names.empty() && axis_names.size() != shape.size())
    throw std::invalid_argument("compute " + name + ": " + std::to_string(axis_names.size()) +
                                " axis names for " + std::to_string(shape.size()) + " dimensions");
  std::vector<IterVar> axis;
  std::vector<Var> vars;
  for (size_t i = 0; i < shape.size(); ++i) {
    axis.push_back(ir::make_iter_var(Range(Expr(int64_t{0}), shape[i]),
                                     axis_names.empty() ? default_axis_name(i) : axis_names[i],
                                     ir::IterKind::DataPar));
    vars.push_back(axis.back()->var);
  }
  std::vector<Tensor> reads;
  g_read_collectors.push_back(&reads);
  std::vector<Expr> body;
  try {
    body = fcompute(vars);
  } catch (...) {
    g_read_collectors.pop_back();
    throw;
  }
  g_read_collectors.pop_back();
  for (const Expr& e : body)
    if (!e.defined()) throw std::invalid_argument("compute " + name + ": undefined body");
  Operation op = make_compute_op(name, std::move(axis), std::move(body), std::move(reads));
  std::vector<Tensor> outs;
  for (int i = 0; i < op->num_outputs(); ++i) outs.emplace_back(op, i);
  return outs;
}

}  // namespace tessera::te
