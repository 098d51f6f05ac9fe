// Operator calls on DLTensors: resolve dtypes, broadcast, collapse, pick and run a kernel.
//
// The hot path allocates nothing: operands live in fixed arrays on the stack, the dtype rule
// and the kernel lookup are memoized per thread (no lock), and error messages are built only
// when a check fails.
#include "tessera/ops/dispatch.h"

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <unordered_map>

#include "ops/compiler_hooks.h"
#include "ops/dispatch_new_outputs.h"
#include "ops/kernel_cache.h"
#include "tessera/ir/stmt.h"
#include "tessera/ops/elementwise.h"
#include "tessera/ops/library.h"
#include "tessera/runtime/kernel_abi.h"

namespace tessera::ops {
namespace {

constexpr int kMaxRank = 32;
constexpr int kMaxOperands = 16;

[[noreturn]] void fail(OpError::Kind kind, const OpDef& op, const std::string& msg) {
  throw OpError(kind, op.name + ": " + msg);
}

std::string operand_name(bool output, int index) {
  return (output ? "output " : "operand ") + std::to_string(index);
}

std::string shape_str(const int64_t* shape, int ndim) {
  std::string s = "(";
  for (int d = 0; d < ndim; ++d) s += (d ? ", " : "") + std::to_string(shape[d]);
  return s + (ndim == 1 ? ",)" : ")");
}

// Whether the non-zero extents times `item_bytes` fit int64 (NumPy's "array is too big"
// check: an empty array may have huge other dimensions).
bool fits_int64(const int64_t* shape, int ndim, int64_t item_bytes) {
  int64_t total = std::max<int64_t>(item_bytes, 1);
  for (int d = 0; d < ndim; ++d)
    if (shape[d] > 0 && __builtin_mul_overflow(total, shape[d], &total)) return false;
  return true;
}

bool is_supported(const DLDataType& d) {
  if (d.lanes != 1) return false;
  switch (d.code) {
    case kDLBool: return d.bits == 8;
    case kDLInt:
    case kDLUInt: return d.bits == 8 || d.bits == 16 || d.bits == 32 || d.bits == 64;
    case kDLFloat: return d.bits == 16 || d.bits == 32 || d.bits == 64;
    case kDLBfloat: return d.bits == 16;
    default: return false;
  }
}

DataType dtype_of(const OpDef& op, const DLTensor* t, bool output, int index) {
  const DLDataType& d = t->dtype;
  if (!is_supported(d))
    fail(OpError::Kind::Type, op, operand_name(output, index) + " has an unsupported dtype (code " +
                                      std::to_string(d.code) + ", bits " + std::to_string(d.bits) + ", lanes " +
                                      std::to_string(d.lanes) + ")");
  // DLPack codes are the IR's type codes (tessera/ir/type.h).
  return DataType(static_cast<ir::TypeCode>(d.code), d.bits);
}

int64_t element_bytes(const DLTensor& t) { return (t.dtype.bits + 7) / 8; }

void check_tensor(const OpDef& op, const DLTensor* t, bool output, int index) {
  if (!t) fail(OpError::Kind::Value, op, operand_name(output, index) + " is null");
  if (t->device.device_type != kDLCPU) fail(OpError::Kind::Value, op, operand_name(output, index) + " is not on the CPU");
  if (t->ndim < 0 || t->ndim > kMaxRank)
    fail(OpError::Kind::Value, op, operand_name(output, index) + " has " + std::to_string(t->ndim) +
                                       " dimensions (at most 32)");
  bool empty = false;
  for (int d = 0; d < t->ndim; ++d) {
    if (t->shape[d] < 0) fail(OpError::Kind::Value, op, operand_name(output, index) + " has a negative dimension");
    empty |= t->shape[d] == 0;
  }
  if (!fits_int64(t->shape, t->ndim, element_bytes(*t)))
    fail(OpError::Kind::Value, op, operand_name(output, index) + " has shape " + shape_str(t->shape, t->ndim) +
                                       ", whose size in bytes overflows int64");
  if (!t->data && !empty) fail(OpError::Kind::Value, op, operand_name(output, index) + " has no data");
}

// NumPy writes no output that is a broadcast view: one element would be several results.
void check_writeable(const OpDef& op, const DLTensor* t, int index) {
  if (!t->strides) return;
  for (int d = 0; d < t->ndim; ++d)
    if (t->shape[d] == 0) return;  // no elements: compact strides of an empty shape may be 0
  for (int d = 0; d < t->ndim; ++d)
    if (t->strides[d] == 0 && t->shape[d] > 1)
      fail(OpError::Kind::Value, op, operand_name(true, index) + " is a broadcast view (stride 0 along dimension " +
                                         std::to_string(d) + " of extent " + std::to_string(t->shape[d]) +
                                         "), which cannot be written");
}

// Right-aligned element strides of t over `shape` (rank nd), 0 where broadcast.
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

// Address range [lo, hi] in bytes that t's elements span; lo > hi when it has none.
std::pair<intptr_t, intptr_t> extent_of(const DLTensor* t, const int64_t* strides, const int64_t* shape, int nd) {
  intptr_t base = reinterpret_cast<intptr_t>(t->data) + static_cast<intptr_t>(t->byte_offset);
  intptr_t lo = base, hi = base;
  int64_t bytes = element_bytes(*t);
  for (int d = 0; d < nd; ++d) {
    if (shape[d] == 0) return {1, 0};
    int64_t span = strides[d] * (shape[d] - 1) * bytes;
    (span < 0 ? lo : hi) += span;
  }
  return {lo, hi + bytes - 1};
}

// ---- per-thread memo tables ---------------------------------------------------------------

// Input dtypes packed 16 bits each; only calls with at most 4 inputs are memoized.
std::optional<uint64_t> pack_dtypes(const DataType* types, int n) {
  if (n > 4) return std::nullopt;
  uint64_t key = 0;
  for (int i = 0; i < n; ++i)
    key |= static_cast<uint64_t>((static_cast<unsigned>(types[i].code) << 8) | types[i].bits) << (16 * i);
  return key;
}

struct TypeKey {
  const OpDef* op;
  uint64_t dtypes;
  bool operator==(const TypeKey&) const = default;
};
struct KernelKey {
  const OpDef* op;
  uint64_t dtypes;
  int32_t ndim;
  int32_t layout_and_mask;  // layout in bit 0, inner-broadcast mask above it
  bool operator==(const KernelKey&) const = default;
};
struct MemoHash {
  size_t operator()(const TypeKey& k) const {
    return std::hash<const void*>()(k.op) ^ (k.dtypes * 0x9E3779B97F4A7C15ull);
  }
  size_t operator()(const KernelKey& k) const {
    return (*this)(TypeKey{k.op, k.dtypes}) ^ (static_cast<size_t>(k.ndim) << 40) ^
           (static_cast<size_t>(k.layout_and_mask) * 0xBF58476D1CE4E5B9ull);
  }
};

// Operator definitions are never freed (see defop), so their addresses are stable keys.
const std::optional<Signature>& resolve_types(const OpDef& op, const DataType* in, int n) {
  thread_local std::unordered_map<TypeKey, std::optional<Signature>, MemoHash> memo;
  std::optional<uint64_t> key = pack_dtypes(in, n);
  if (key) {
    auto it = memo.find(TypeKey{&op, *key});
    if (it != memo.end()) return it->second;
  }
  std::optional<Signature> sig = op.type_rule(std::vector<DataType>(in, in + n));
  if (key) return memo.emplace(TypeKey{&op, *key}, std::move(sig)).first->second;
  thread_local std::optional<Signature> unmemoized;
  unmemoized = std::move(sig);
  return unmemoized;
}

// What selects a kernel besides the operator and its signature.
struct VariantChoice {
  int ndim;
  Layout layout;
  int32_t inner_broadcast_mask;  // inputs broadcast along the innermost dimension

  Variant variant(const Signature& sig) const {
    Variant v{sig, ndim, layout, "llvm", {}};
    if (inner_broadcast_mask) v.attrs = {inner_broadcast_mask};
    return v;
  }
};

TesseraKernelFn kernel_fn(const OpDef& op, const Signature& sig, std::optional<uint64_t> dtypes,
                          const VariantChoice& choice) {
  if (!dtypes) return detail::kernel_for(op, choice.variant(sig)).fn();
  thread_local std::unordered_map<KernelKey, TesseraKernelFn, MemoHash> memo;
  KernelKey key{&op, *dtypes, choice.ndim,
                (choice.inner_broadcast_mask << 1) | (choice.layout == Layout::Contiguous ? 1 : 0)};
  auto it = memo.find(key);
  if (it != memo.end()) return it->second;
  TesseraKernelFn fn = detail::kernel_for(op, choice.variant(sig)).fn();
  memo.emplace(key, fn);
  return fn;
}

// ---- one call -------------------------------------------------------------------------------

struct Call {
  const OpDef& op;
  int n_in = 0, n_out = 0, nd = 0;
  DataType in_types[kMaxOperands];
  const Signature* sig = nullptr;
  int64_t shape[kMaxRank];
  const DLTensor* operands[kMaxOperands];  // inputs, then outputs
  int64_t strides[kMaxOperands][kMaxRank];

  explicit Call(const OpDef& o) : op(o) {}

  void plan(const DLTensor* const* inputs, int n) {
    if (n != op.num_inputs)
      fail(OpError::Kind::Type, op, "expects " + std::to_string(op.num_inputs) + " inputs, got " + std::to_string(n));
    if (n + op.num_outputs > kMaxOperands)
      fail(OpError::Kind::Value, op, "has more than " + std::to_string(kMaxOperands) + " operands");
    n_in = n;
    for (int i = 0; i < n; ++i) {
      check_tensor(op, inputs[i], false, i);
      in_types[i] = dtype_of(op, inputs[i], false, i);
      nd = std::max(nd, inputs[i]->ndim);
      operands[i] = inputs[i];
    }
    const std::optional<Signature>& resolved = resolve_types(op, in_types, n);
    if (!resolved) {
      std::string list;
      for (int i = 0; i < n; ++i) list += (i ? ", " : "") + in_types[i].str();
      fail(OpError::Kind::Type, op, "not supported for input dtypes (" + list + ")");
    }
    sig = &*resolved;
    broadcast_shape(inputs);
  }

  void broadcast_shape(const DLTensor* const* inputs) {
    std::fill(shape, shape + nd, 1);
    for (int i = 0; i < n_in; ++i) {
      const DLTensor* t = inputs[i];
      for (int d = 0; d < t->ndim; ++d) {
        int64_t& s = shape[nd - t->ndim + d];
        int64_t e = t->shape[d];
        if (s == 1) s = e;
        else if (e != 1 && e != s) {
          std::string shapes;
          for (int j = 0; j < n_in; ++j) shapes += " " + shape_str(inputs[j]->shape, inputs[j]->ndim);
          fail(OpError::Kind::Value, op, "operands could not be broadcast together with shapes" + shapes);
        }
      }
    }
    if (!fits_int64(shape, nd, 1))
      fail(OpError::Kind::Value, op, "the broadcast shape " + shape_str(shape, nd) + " of the operands overflows int64");
    if (!op.auto_broadcast)
      for (int i = 0; i < n_in; ++i)
        if (inputs[i]->ndim != nd || !std::equal(inputs[i]->shape, inputs[i]->shape + nd, shape))
          fail(OpError::Kind::Value, op, "operands must have the same shape");
  }

  void check_outputs(DLTensor* const* outputs, int n) {
    if (n != op.num_outputs)
      fail(OpError::Kind::Type, op, "expects " + std::to_string(op.num_outputs) + " outputs, got " + std::to_string(n));
    n_out = n;
    for (int j = 0; j < n; ++j) {
      check_tensor(op, outputs[j], true, j);
      check_writeable(op, outputs[j], j);
      if (outputs[j]->ndim != nd || !std::equal(shape, shape + nd, outputs[j]->shape))
        fail(OpError::Kind::Value, op, operand_name(true, j) + " has shape " +
                                           shape_str(outputs[j]->shape, outputs[j]->ndim) + ", expected " +
                                           shape_str(shape, nd));
      DataType t = dtype_of(op, outputs[j], true, j);
      if (t != sig->outputs[j])
        fail(OpError::Kind::Type, op, operand_name(true, j) + " has dtype " + t.str() + ", expected " +
                                          sig->outputs[j].str());
      operands[n_in + j] = outputs[j];
    }
    for (int i = 0; i < n_in + n_out; ++i) broadcast_strides(operands[i], shape, nd, strides[i]);
  }

  int64_t size() const {  // the broadcast shape was checked to fit int64
    int64_t total = 1;
    for (int d = 0; d < nd; ++d) total *= shape[d];
    return total;
  }

  // Output j overlaps an input other than exactly (element for element, as in-place calls
  // do), so writing it directly could change inputs before they are read.
  bool needs_temporary(int j) const {
    const int o = n_in + j;
    auto [olo, ohi] = extent_of(operands[o], strides[o], shape, nd);
    for (int i = 0; i < n_in; ++i) {
      auto [ilo, ihi] = extent_of(operands[i], strides[i], shape, nd);
      if (ilo > ohi || olo > ihi) continue;
      bool same = operands[i]->data == operands[o]->data && operands[i]->byte_offset == operands[o]->byte_offset &&
                  std::equal(strides[i], strides[i] + nd, strides[o]) &&
                  operands[i]->dtype.bits == operands[o]->dtype.bits;
      if (!same) return true;
    }
    return false;
  }

  void run() const {
    const int n_ops = n_in + n_out;
    // Collapse: drop size-1 dimensions, merge neighbours contiguous in every operand.
    int64_t cshape[kMaxRank];
    int64_t cstrides[kMaxOperands][kMaxRank];
    int cd = 0;
    for (int d = 0; d < nd; ++d) {
      if (shape[d] == 1) continue;
      bool merge = cd > 0;
      for (int i = 0; i < n_ops && merge; ++i) merge = cstrides[i][cd - 1] == strides[i][d] * shape[d];
      if (merge) {
        cshape[cd - 1] *= shape[d];
        for (int i = 0; i < n_ops; ++i) cstrides[i][cd - 1] = strides[i][d];
      } else {
        cshape[cd] = shape[d];
        for (int i = 0; i < n_ops; ++i) cstrides[i][cd] = strides[i][d];
        ++cd;
      }
    }
    bool contiguous = cd <= 1;
    for (int i = 0; i < n_ops && contiguous; ++i) contiguous = cd == 0 || cstrides[i][0] == 1;
    if (cd == 0) {
      cshape[0] = 1;
      for (int i = 0; i < n_ops; ++i) cstrides[i][0] = 1;
    }
    VariantChoice choice{contiguous ? 1 : cd, contiguous ? Layout::Contiguous : Layout::Strided, 0};
    if (!contiguous)  // inputs broadcast along the innermost dimension get their own variant
      for (int i = 0; i < n_in; ++i)
        if (cstrides[i][cd - 1] == 0) choice.inner_broadcast_mask |= 1 << i;
    TesseraKernelFn fn = kernel_fn(op, *sig, pack_dtypes(in_types, n_in), choice);

    if (contiguous) {
      const int64_t head = elements_before_line(cshape[0]);
      if (head > 0) {  // the head alone, then the rest from the output's first cache line
        int64_t rest = cshape[0] - head;
        launch(fn, choice.ndim, &head, cstrides, 0);
        launch(fn, choice.ndim, &rest, cstrides, head);
        return;
      }
    }
    launch(fn, choice.ndim, cshape, cstrides, 0);
  }

 private:
  // Contiguous kernels stream large outputs with non-temporal stores, a cache line per store
  // when the output starts on a line (lower/version_streaming_stores.h). An output off a
  // line boundary, as NumPy's 16-byte aligned arrays are, would go out in 16-byte pieces
  // instead, and on the Zen 5 VM where() ran at 84-86% of the copy that way against 97-99%
  // from a line boundary. The number of elements before the first output's first line
  // boundary when the call is large enough to stream and the others would start on it; 0
  // otherwise.
  int64_t elements_before_line(int64_t n) const {
    constexpr int64_t kLineBytes = ir::kStreamingLineBytes;
    const DLTensor& out = *operands[n_in];
    const int64_t bytes = element_bytes(out);
    if (bytes == 0 || n * bytes < tessera_streaming_store_bytes()) return 0;
    const auto address = reinterpret_cast<uintptr_t>(out.data) + out.byte_offset;
    const int64_t gap = static_cast<int64_t>((kLineBytes - address % kLineBytes) % kLineBytes);
    return gap % bytes == 0 && gap / bytes < n ? gap / bytes : 0;
  }

  // Runs fn over `shape` (collapsed to `ndim` dimensions) from flat element `first` of
  // every operand; only contiguous calls start past 0.
  void launch(TesseraKernelFn fn, int ndim, const int64_t* cshape, int64_t (*cstrides)[kMaxRank],
              int64_t first) const {
    const int n_ops = n_in + n_out;
    DLTensor views[kMaxOperands];
    TesseraValue args[kMaxOperands];
    int32_t codes[kMaxOperands];
    for (int i = 0; i < n_ops; ++i) {
      views[i] = *operands[i];
      views[i].ndim = ndim;
      views[i].shape = const_cast<int64_t*>(cshape);
      views[i].strides = cstrides[i];
      views[i].byte_offset += static_cast<uint64_t>(first * element_bytes(views[i]));
      args[i].v_handle = &views[i];
      codes[i] = kTesseraArgTensor;
    }
    if (fn(args, codes, n_ops) != 0) throw OpError(OpError::Kind::Value, tessera_last_error());
  }
};

// A compact temporary for output j, freed when the call ends.
struct Temporary {
  std::unique_ptr<char[]> bytes;
  DLTensor tensor;
};

}  // namespace

// Runs a planned and checked call.
static void execute(Call& c, DLTensor* const* outputs) {
  const int64_t total = c.size();
  if (total == 0) return;

  // NumPy's rule for overlapping operands: the result is as if the inputs were read first.
  // Outputs that overlap an input partially are computed into temporaries, then copied.
  Temporary temps[kMaxOperands];
  bool any_temp = false;
  for (int j = 0; j < c.n_out; ++j) {
    if (!c.needs_temporary(j)) continue;
    Temporary& t = temps[j];
    const DLTensor* out = outputs[j];
    t.bytes.reset(new char[static_cast<size_t>(total) * element_bytes(*out)]);
    t.tensor = DLTensor{t.bytes.get(), out->device, c.nd, out->dtype, c.shape, nullptr, 0};
    c.operands[c.n_in + j] = &t.tensor;
    broadcast_strides(&t.tensor, c.shape, c.nd, c.strides[c.n_in + j]);
    any_temp = true;
  }
  c.run();
  if (!any_temp) return;
  for (int j = 0; j < c.n_out; ++j)
    if (temps[j].bytes) astype(&temps[j].tensor, outputs[j]);
}

CallPlan plan_call(const OpDef& op, const std::vector<const DLTensor*>& inputs) {
  Call c(op);
  c.plan(inputs.data(), static_cast<int>(inputs.size()));
  return CallPlan{std::vector<int64_t>(c.shape, c.shape + c.nd), *c.sig};
}

static bool any_on_cuda(const std::vector<const DLTensor*>& inputs, const std::vector<DLTensor*>& outputs) {
  for (const DLTensor* t : inputs)
    if (t && t->device.device_type == kDLCUDA) return true;
  for (const DLTensor* t : outputs)
    if (t && t->device.device_type == kDLCUDA) return true;
  return false;
}

void call(const OpDef& op, const std::vector<const DLTensor*>& inputs, const std::vector<DLTensor*>& outputs) {
  // GPU hook point: CUDA operands go to the GPU dispatch tessera_compiler installs
  // (ops/compiler_hooks.h); without it they fail below as "not on the CPU".
  if (detail::DeviceCallFn gpu = detail::cuda_call(); gpu && any_on_cuda(inputs, outputs))
    return gpu(op, inputs, outputs);
  Call c(op);
  c.plan(inputs.data(), static_cast<int>(inputs.size()));
  c.check_outputs(outputs.data(), static_cast<int>(outputs.size()));
  execute(c, outputs.data());
}

void call_with_new_outputs(const OpDef& op, const DLTensor* const* inputs, int num_inputs,
                           const OutputFactory& make_output) {
  bool on_cuda = false;  // checked without a vector: CPU calls allocate nothing here
  for (int i = 0; i < num_inputs && !on_cuda; ++i) on_cuda = inputs[i] && inputs[i]->device.device_type == kDLCUDA;
  if (on_cuda && detail::cuda_call()) {  // the GPU hook takes vectors; outputs follow the inputs' device
    std::vector<const DLTensor*> in(inputs, inputs + num_inputs);
    CallPlan plan = plan_call(op, in);
    std::vector<DLTensor*> out;
    for (int j = 0; j < op.num_outputs; ++j)
      out.push_back(make_output(j, plan.shape.data(), static_cast<int>(plan.shape.size()), plan.sig.outputs[j]));
    return call(op, in, out);
  }
  Call c(op);
  c.plan(inputs, num_inputs);
  DLTensor* outputs[kMaxOperands];
  for (int j = 0; j < op.num_outputs; ++j) outputs[j] = make_output(j, c.shape, c.nd, c.sig->outputs[j]);
  c.check_outputs(outputs, op.num_outputs);
  execute(c, outputs);
}

void call(const std::string& name, const std::vector<const DLTensor*>& inputs, const std::vector<DLTensor*>& outputs) {
  ensure_registered();
  const OpDef* op = find_op(name);
  if (!op) throw OpError(OpError::Kind::Value, "no operator named '" + name + "'");
  call(*op, inputs, outputs);
}

int64_t compiled_kernel_count() { return detail::compiled_count(); }

bool jit_available() { return detail::jit() != nullptr; }

}  // namespace tessera::ops
