// ops::elementwise: the definition and schedules shared by every elementwise operator.
#include "ops/gpu_schedules.h"
#include "tessera/ir/op.h"
#include "tessera/ops/defop.h"

namespace tessera::ops {
namespace {

// Elements per vector: one 64-byte register's worth of the widest operand.
int vector_lanes(const Signature& sig) {
  int bytes = 1;
  for (DataType t : sig.inputs) bytes = std::max(bytes, t.bytes());
  for (DataType t : sig.outputs) bytes = std::max(bytes, t.bytes());
  return std::max(4, 64 / bytes);
}

// Contiguous rank 1: blocks of 4096 elements run in parallel, vectors inside.
// Strided rank k: the outer loop runs in parallel, the inner one in vectors (the vectorizer
// adds a contiguous fast path when the inner strides turn out to be 1).
// Both stream their stores: a large output then skips the read-for-ownership.
void schedule_elementwise(schedule::Schedule& s, const te::Tensor& out, const Variant& v) {
  if (v.target == "cuda") return schedule_elementwise_gpu(s, out, v);
  if (v.ndim == 0) return;
  auto st = s[out];
  const auto& axes = st.axis();
  int lanes = vector_lanes(v.sig);
  st.stream_stores();
  if (v.ndim == 1) {
    auto [blocks, block] = st.split(axes[0], 4096);
    auto [vecs, lane] = st.split(block, lanes);
    st.parallel(blocks).vectorize(lane);
    return;
  }
  auto [vecs, lane] = st.split(axes[v.ndim - 1], lanes);
  st.vectorize(lane).parallel(axes[0]);
}

}  // namespace

OpDef elementwise(const std::string& name, int num_inputs, TypeRule rule, ElementFn fn) {
  OpDef def;
  def.name = name;
  def.num_inputs = num_inputs;
  def.num_outputs = 1;
  def.type_rule = std::move(rule);
  for (DataType t : all_types()) def.aot_input_dtypes.push_back(std::vector<DataType>(num_inputs, t));
  def.generate = [name, fn](const Variant& v) {
    std::vector<ir::Expr> shape;
    for (int d = 0; d < v.ndim; ++d) shape.push_back(te::size_var("n" + std::to_string(d)));
    std::vector<te::Tensor> inputs;
    for (size_t i = 0; i < v.sig.inputs.size(); ++i)
      inputs.push_back(te::placeholder(shape, v.sig.inputs[i], std::string(1, static_cast<char>('A' + i))));
    DataType out_type = v.sig.outputs[0];
    te::Tensor out = te::compute(shape, [&](const std::vector<ir::Var>& idx) {
      std::vector<ir::Expr> index(idx.begin(), idx.end());
      Values x;
      // attrs[0], when present, marks inputs broadcast along the innermost dimension (stride
      // 0): reading them at index 0 there makes the vectorizer load one scalar per row
      // instead of gathering.
      int64_t inner_broadcast = v.attrs.empty() ? 0 : v.attrs[0];
      for (size_t i = 0; i < inputs.size(); ++i) {
        std::vector<ir::Expr> at = index;
        if ((inner_broadcast >> i) & 1) at.back() = ir::Expr(int64_t{0});
        x.push_back(ir::cast(v.sig.compute[i], inputs[i](at)));
      }
      return ir::cast(out_type, fn(x, out_type));
    }, "out");
    schedule::Schedule s = schedule::create_schedule({out});
    schedule_elementwise(s, out, v);
    std::vector<lower::Arg> args(inputs.begin(), inputs.end());
    args.emplace_back(out);
    return Generated{s, args};
  };
  return def;
}

}  // namespace tessera::ops
