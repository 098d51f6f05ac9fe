// Operator calls on DLTensors: resolve dtypes, broadcast, collapse, pick and run a kernel.
#include "tessera/ops/dispatch.h"

#include <algorithm>
#include <cstring>

#include "ops/kernel_cache.h"
#include "tessera/ops/library.h"
#include "tessera/runtime/kernel_abi.h"

namespace tessera::ops {
namespace {

constexpr int kMaxRank = 32;

[[noreturn]] void fail(OpError::Kind kind, const OpDef& op, const std::string& msg) {
  throw OpError(kind, op.name + ": " + msg);
}

std::string shape_str(const int64_t* shape, int ndim) {
  std::string s = "(";
  for (int d = 0; d < ndim; ++d) s += (d ? ", " : "") + std::to_string(shape[d]);
  return s + (ndim == 1 ? ",)" : ")");
}

DataType dtype_of(const OpDef& op, const DLTensor* t, const std::string& what) {
  const DLDataType& d = t->dtype;
  if (d.lanes == 1) {
    if (d.code == kDLBool && d.bits == 8) return DataType::Bool();
    if (d.code == kDLInt && (d.bits == 8 || d.bits == 16 || d.bits == 32 || d.bits == 64)) return DataType::Int(d.bits);
    if (d.code == kDLUInt && (d.bits == 8 || d.bits == 16 || d.bits == 32 || d.bits == 64)) return DataType::UInt(d.bits);
    if (d.code == kDLFloat && (d.bits == 16 || d.bits == 32 || d.bits == 64)) return DataType::Float(d.bits);
    if (d.code == kDLBfloat && d.bits == 16) return DataType::BFloat16();
  }
  fail(OpError::Kind::Type, op, what + " has an unsupported dtype (code " + std::to_string(d.code) + ", bits " +
                                    std::to_string(d.bits) + ", lanes " + std::to_string(d.lanes) + ")");
}

// One operand's view over the broadcast shape: element strides, 0 where broadcast.
struct Operand {
  const DLTensor* t;
  int64_t strides[kMaxRank];
};

void check_tensor(const OpDef& op, const DLTensor* t, const std::string& what) {
  if (!t) fail(OpError::Kind::Value, op, what + " is null");
  if (t->device.device_type != kDLCPU) fail(OpError::Kind::Value, op, what + " is not on the CPU");
  if (t->ndim < 0 || t->ndim > kMaxRank)
    fail(OpError::Kind::Value, op, what + " has " + std::to_string(t->ndim) + " dimensions (at most 32)");
  for (int d = 0; d < t->ndim; ++d)
    if (t->shape[d] < 0) fail(OpError::Kind::Value, op, what + " has a negative dimension");
  if (!t->data && t->ndim > 0) {
    int64_t n = 1;
    for (int d = 0; d < t->ndim; ++d) n *= t->shape[d];
    if (n > 0) fail(OpError::Kind::Value, op, what + " has no data");
  }
}

// Right-aligned element strides of t over `shape` (rank nd).
void broadcast_strides(const DLTensor* t, const int64_t* shape, int nd, int64_t* out) {
  int off = nd - t->ndim;
  int64_t compact = 1;
  for (int d = nd - 1; d >= 0; --d) {
    int td = d - off;
    if (td < 0) {
      out[d] = 0;
      continue;
    }
    int64_t s = t->strides ? t->strides[td] : compact;
    compact *= t->shape[td];
    out[d] = (t->shape[td] == 1 && shape[d] != 1) ? 0 : s;
  }
}

// Address range [lo, hi] in bytes that t's elements span.
std::pair<intptr_t, intptr_t> extent_of(const DLTensor* t, const int64_t* strides, const int64_t* shape, int nd) {
  intptr_t base = reinterpret_cast<intptr_t>(t->data) + static_cast<intptr_t>(t->byte_offset);
  intptr_t lo = base, hi = base;
  int64_t bytes = (t->dtype.bits + 7) / 8;
  for (int d = 0; d < nd; ++d) {
    if (shape[d] == 0) return {1, 0};
    int64_t span = strides[d] * (shape[d] - 1) * bytes;
    (span < 0 ? lo : hi) += span;
  }
  return {lo, hi + bytes - 1};
}

}  // namespace

CallPlan plan_call(const OpDef& op, const std::vector<const DLTensor*>& inputs) {
  if (static_cast<int>(inputs.size()) != op.num_inputs)
    fail(OpError::Kind::Type, op, "expects " + std::to_string(op.num_inputs) + " inputs, got " + std::to_string(inputs.size()));
  std::vector<DataType> dtypes;
  int nd = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    std::string what = "operand " + std::to_string(i);
    check_tensor(op, inputs[i], what);
    dtypes.push_back(dtype_of(op, inputs[i], what));
    nd = std::max(nd, inputs[i]->ndim);
  }
  std::optional<Signature> sig = op.type_rule(dtypes);
  if (!sig) {
    std::string list;
    for (size_t i = 0; i < dtypes.size(); ++i) list += (i ? ", " : "") + dtypes[i].str();
    fail(OpError::Kind::Type, op, "not supported for input dtypes (" + list + ")");
  }
  CallPlan plan{std::vector<int64_t>(nd, 1), *sig};
  for (const DLTensor* t : inputs) {
    for (int d = 0; d < t->ndim; ++d) {
      int64_t& s = plan.shape[nd - t->ndim + d];
      int64_t e = t->shape[d];
      if (s == 1) s = e;
      else if (e != 1 && e != s) {
        std::string shapes;
        for (const DLTensor* u : inputs) shapes += " " + shape_str(u->shape, u->ndim);
        fail(OpError::Kind::Value, op, "operands could not be broadcast together with shapes" + shapes);
      }
    }
  }
  if (!op.auto_broadcast)
    for (const DLTensor* t : inputs)
      if (t->ndim != nd || !std::equal(t->shape, t->shape + nd, plan.shape.begin()))
        fail(OpError::Kind::Value, op, "operands must have the same shape");
  return plan;
}

void call(const OpDef& op, const std::vector<const DLTensor*>& inputs, const std::vector<DLTensor*>& outputs) {
  CallPlan plan = plan_call(op, inputs);
  const int nd = static_cast<int>(plan.shape.size());
  if (static_cast<int>(outputs.size()) != op.num_outputs)
    fail(OpError::Kind::Type, op, "expects " + std::to_string(op.num_outputs) + " outputs, got " + std::to_string(outputs.size()));
  for (size_t j = 0; j < outputs.size(); ++j) {
    std::string what = "output " + std::to_string(j);
    check_tensor(op, outputs[j], what);
    if (outputs[j]->ndim != nd || !std::equal(plan.shape.begin(), plan.shape.end(), outputs[j]->shape))
      fail(OpError::Kind::Value, op, what + " has shape " + shape_str(outputs[j]->shape, outputs[j]->ndim) +
                                         ", expected " + shape_str(plan.shape.data(), nd));
    DataType t = dtype_of(op, outputs[j], what);
    if (t != plan.sig.outputs[j])
      fail(OpError::Kind::Type, op, what + " has dtype " + t.str() + ", expected " + plan.sig.outputs[j].str());
  }

  // Strides of every operand over the broadcast shape.
  const size_t n_ops = inputs.size() + outputs.size();
  std::vector<Operand> ops(n_ops);
  for (size_t i = 0; i < n_ops; ++i) {
    ops[i].t = i < inputs.size() ? inputs[i] : outputs[i - inputs.size()];
    broadcast_strides(ops[i].t, plan.shape.data(), nd, ops[i].strides);
  }
  int64_t total = 1;
  for (int64_t e : plan.shape) total *= e;
  if (total == 0) return;

  // An output that partially overlaps an input would see its own writes: refuse rather than
  // corrupt (exact aliasing, the in-place case, is fine).
  for (size_t j = inputs.size(); j < n_ops; ++j)
    for (size_t i = 0; i < inputs.size(); ++i) {
      auto [ilo, ihi] = extent_of(ops[i].t, ops[i].strides, plan.shape.data(), nd);
      auto [olo, ohi] = extent_of(ops[j].t, ops[j].strides, plan.shape.data(), nd);
      bool overlap = ilo <= ohi && olo <= ihi;
      bool same = ops[i].t->data == ops[j].t->data && ops[i].t->byte_offset == ops[j].t->byte_offset &&
                  std::equal(ops[i].strides, ops[i].strides + nd, ops[j].strides) &&
                  ops[i].t->dtype.bits == ops[j].t->dtype.bits;
      if (overlap && !same)
        fail(OpError::Kind::Value, op, "output " + std::to_string(j - inputs.size()) +
                                           " partially overlaps operand " + std::to_string(i) +
                                           "; pass a separate output");
    }

  // Collapse: drop size-1 dimensions, merge neighbours contiguous in every operand.
  int64_t shape[kMaxRank];
  std::vector<std::array<int64_t, kMaxRank>> strides(n_ops);
  int cd = 0;
  for (int d = 0; d < nd; ++d) {
    if (plan.shape[d] == 1) continue;
    bool merge = cd > 0;
    for (size_t i = 0; i < n_ops && merge; ++i)
      merge = strides[i][cd - 1] == ops[i].strides[d] * plan.shape[d];
    if (merge) {
      shape[cd - 1] *= plan.shape[d];
      for (size_t i = 0; i < n_ops; ++i) strides[i][cd - 1] = ops[i].strides[d];
    } else {
      shape[cd] = plan.shape[d];
      for (size_t i = 0; i < n_ops; ++i) strides[i][cd] = ops[i].strides[d];
      ++cd;
    }
  }
  bool contiguous = cd <= 1;
  for (size_t i = 0; i < n_ops && contiguous; ++i) contiguous = cd == 0 || strides[i][0] == 1;
  if (cd == 0) {
    shape[0] = 1;
    for (size_t i = 0; i < n_ops; ++i) strides[i][0] = 1;
  }
  Variant v{plan.sig, contiguous ? 1 : cd, contiguous ? Layout::Contiguous : Layout::Strided, "llvm", {}};
  if (!contiguous) {  // inputs broadcast along the innermost dimension get their own variant
    int64_t mask = 0;
    for (size_t i = 0; i < inputs.size(); ++i)
      if (strides[i][cd - 1] == 0) mask |= int64_t{1} << i;
    if (mask) v.attrs = {mask};
  }
  const Kernel& k = detail::kernel_for(op, v);

  std::vector<DLTensor> views(n_ops);
  TesseraValue args[2 * kMaxRank];
  int32_t codes[2 * kMaxRank];
  for (size_t i = 0; i < n_ops; ++i) {
    views[i] = *ops[i].t;
    views[i].ndim = v.ndim;
    views[i].shape = shape;
    views[i].strides = strides[i].data();
    args[i].v_handle = &views[i];
    codes[i] = kTesseraArgTensor;
  }
  if (k.call(args, codes, static_cast<int32_t>(n_ops)) != 0)
    throw OpError(OpError::Kind::Value, tessera_last_error());
}

void call(const std::string& name, const std::vector<const DLTensor*>& inputs, const std::vector<DLTensor*>& outputs) {
  ensure_registered();
  const OpDef* op = find_op(name);
  if (!op) throw OpError(OpError::Kind::Value, "no operator named '" + name + "'");
  call(*op, inputs, outputs);
}

int64_t compiled_kernel_count() { return detail::compiled_count(); }

}  // namespace tessera::ops
