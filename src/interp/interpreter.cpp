// The reference interpreter: walks a packed LoweredFunc one lane at a time.
//
// Statements return 0, or -1 once an Assert fails (the message is kept for the caller).
// Variables live in one map from Var node to Value; LetStmt, Let, For and Allocate bind
// for the extent of their body and restore what was there before. Lane semantics
// (wrapping, rounding, NaN rules) live in value.cpp and arith.cpp.
#include "tessera/interp/interpreter.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <new>
#include <string>
#include <unordered_map>
#include <vector>

#include "value.h"
#include "tessera/runtime/kernel_abi.h"

namespace tessera::interp {

namespace {

using namespace tessera::ir;

using Env = std::unordered_map<const VarNode*, Value>;

// Binds a variable until destroyed, then restores its previous binding (if any).
// Element references of an unordered_map survive rehashing, so slot() stays valid.
class Binding {
 public:
  Binding(Env& env, const VarNode* var, Value value) : env_(env), var_(var) {
    auto [it, inserted] = env.try_emplace(var);
    if (!inserted) {
      saved_ = std::move(it->second);
      had_previous_ = true;
    }
    it->second = std::move(value);
    slot_ = &it->second;
  }
  ~Binding() {
    if (had_previous_) *slot_ = std::move(saved_);
    else env_.erase(var_);
  }
  Binding(const Binding&) = delete;
  Binding& operator=(const Binding&) = delete;
  Value& slot() { return *slot_; }

 private:
  Env& env_;
  const VarNode* var_;
  Value* slot_ = nullptr;
  Value saved_;
  bool had_previous_ = false;
};

Value scalar(DataType t, Lane lane) {
  Value v(t);
  v[0] = lane;
  return v;
}

Value int_value(DataType t, int64_t i) {
  Lane lane;
  lane.i = wrap_int(i, t);
  return scalar(t, lane);
}

Value handle_value(const void* p) {
  Lane lane;
  lane.p = const_cast<void*>(p);
  return scalar(DataType::Handle(), lane);
}

std::string format_lane(const Lane& lane, DataType t) {
  char text[64];
  if (t.is_float()) {
    auto r = t.bits == 32 && !t.is_bfloat16()
                 ? std::to_chars(text, text + sizeof text, static_cast<float>(lane.f))
                 : std::to_chars(text, text + sizeof text, lane.f);
    return std::string(text, r.ptr);
  }
  if (t.is_handle()) {
    std::snprintf(text, sizeof text, "%p", lane.p);
    return text;
  }
  return t.is_uint() ? std::to_string(lane.u) : std::to_string(lane.i);
}

std::string format_value(const Value& v) {
  DataType t = v.type().element_of();
  if (v.lanes() == 1) return format_lane(v[0], t);
  std::string s = "[";
  for (int l = 0; l < v.lanes(); ++l) s += (l ? ", " : "") + format_lane(v[l], t);
  return s + "]";
}

class Interpreter {
 public:
  Interpreter(const TesseraValue* args, const int32_t* type_codes, int32_t num_args)
      : args_(args), type_codes_(type_codes), num_args_(num_args) {}

  const std::string& message() const { return message_; }

  int32_t exec(const Stmt& s) {
    if (!s.defined()) throw IRError("interpreter: undefined statement");
    switch (s.kind()) {
      case StmtKind::For: return exec_for(s.as<ForNode>());
      case StmtKind::Store: return exec_store(s.as<StoreNode>());
      case StmtKind::Seq:
        for (const Stmt& child : s.as<SeqNode>()->seq)
          if (int32_t r = exec(child)) return r;
        return 0;
      case StmtKind::IfThenElse: {
        const auto* op = s.as<IfThenElseNode>();
        if (condition(op->condition, "if condition", /*allow_vector=*/false)) return exec(op->then_case);
        return op->else_case.defined() ? exec(op->else_case) : 0;
      }
      case StmtKind::LetStmt: {
        const auto* op = s.as<LetStmtNode>();
        Binding b(env_, op->var.get(), eval(op->value));
        return exec(op->body);
      }
      case StmtKind::Allocate: return exec_allocate(s.as<AllocateNode>());
      case StmtKind::Assert: return exec_assert(s.as<AssertNode>());
      case StmtKind::Evaluate: eval(s.as<EvaluateNode>()->value); return 0;
    }
    throw IRError("interpreter: unknown statement kind " + std::to_string(int(s.kind())));
  }

 private:
  Value eval(const Expr& e) {
    if (!e.defined()) throw IRError("interpreter: undefined expression");
    switch (e.kind()) {
      case ExprKind::IntImm: return int_value(e.type(), e.as<IntImmNode>()->value);
      case ExprKind::FloatImm: {
        Lane lane;
        lane.f = round_float(e.as<FloatImmNode>()->value, e.type());
        return scalar(e.type(), lane);
      }
      case ExprKind::StringImm: return handle_value(e.as<StringImmNode>()->value.c_str());
      case ExprKind::Var: {
        auto it = env_.find(e.as<VarNode>());
        if (it == env_.end()) throw IRError("interpreter: unbound variable '" + e.as<VarNode>()->name + "'");
        return it->second;
      }
      case ExprKind::Cast: return cast(e.type(), eval(e.as<CastNode>()->value));
      case ExprKind::Binary: {
        const auto* op = e.as<BinaryNode>();
        Value a = eval(op->a);
        return binary(op->op, a, eval(op->b));
      }
      case ExprKind::Select: return eval_select(e.as<SelectNode>());
      case ExprKind::Call: return eval_call(e.as<CallNode>());
      case ExprKind::Load: return eval_load(e.as<LoadNode>());
      case ExprKind::Ramp: return eval_ramp(e.as<RampNode>());
      case ExprKind::Broadcast: {
        Value v = eval(e.as<BroadcastNode>()->value);
        Value out(e.type());
        for (int l = 0; l < out.lanes(); ++l) out[l] = v[0];
        return out;
      }
      case ExprKind::Let: {
        const auto* op = e.as<LetNode>();
        Binding b(env_, op->var.get(), eval(op->value));
        return eval(op->body);
      }
      case ExprKind::Reduce:
        throw IRError("interpreter: Reduce must be lowered to loops before interpretation");
    }
    throw IRError("interpreter: unknown expression kind " + std::to_string(int(e.kind())));
  }

  int64_t scalar_int(const Expr& e, const char* what) {
    Value v = eval(e);
    DataType t = v.type();
    if (!t.is_scalar() || !(t.is_integer() || t.is_bool()))
      throw IRError(std::string("interpreter: ") + what + " must be a scalar integer, got " + t.str());
    return v[0].i;
  }

  // True when every lane is non-zero.
  bool condition(const Expr& e, const char* what, bool allow_vector) {
    Value v = eval(e);
    DataType t = v.type();
    if (!(t.is_bool() || t.is_integer()) || (!allow_vector && !t.is_scalar()))
      throw IRError(std::string("interpreter: ") + what + " must be a scalar bool, got " + t.str());
    for (int l = 0; l < v.lanes(); ++l)
      if (v[l].i == 0) return false;
    return true;
  }

  Value eval_select(const SelectNode* op) {
    Value c = eval(op->cond);  // both values are evaluated (expr.h)
    Value t = eval(op->true_value);
    Value f = eval(op->false_value);
    Value out(op->type);
    for (int l = 0; l < out.lanes(); ++l) out[l] = c.at_or_scalar(l).i ? t[l] : f[l];
    return out;
  }

  Value eval_ramp(const RampNode* op) {
    Value base = eval(op->base);
    Value stride = eval(op->stride);
    DataType t = base.type();
    Value out(op->type);
    for (int l = 0; l < out.lanes(); ++l) {
      if (t.is_float()) {
        out[l].f = round_float(base[0].f + l * stride[0].f, t);
      } else {
        uint64_t v = base[0].u + static_cast<uint64_t>(l) * stride[0].u;
        out[l].i = wrap_int(static_cast<int64_t>(v), t);
      }
    }
    return out;
  }

  // ---- memory ---------------------------------------------------------------------------

  unsigned char* buffer_base(const BufferNode* buffer) {
    auto it = env_.find(buffer->data.get());
    if (it == env_.end())
      throw IRError("interpreter: data of buffer '" + buffer->name + "' is not bound");
    if (!it->second.type().is_handle())
      throw IRError("interpreter: data of buffer '" + buffer->name + "' is not a handle");
    void* p = it->second[0].p;
    if (p == nullptr) throw IRError("interpreter: buffer '" + buffer->name + "' has a null data pointer");
    return static_cast<unsigned char*>(p);
  }

  const Expr& flat_index(const BufferNode* buffer, const std::vector<Expr>& indices) {
    if (indices.size() != 1)
      throw IRError("interpreter: access to '" + buffer->name + "' has " +
                    std::to_string(indices.size()) + " indices; it runs flattened IR (one element index)");
    return indices[0];
  }

  Value eval_load(const LoadNode* op) {
    const BufferNode* buffer = op->buffer.get();
    Value index = eval(flat_index(buffer, op->indices));
    unsigned char* base = buffer_base(buffer);
    int bytes = buffer->dtype.bytes();
    Value out(op->type);
    if (index.lanes() != 1 && index.lanes() != out.lanes())
      throw IRError("interpreter: load from '" + buffer->name + "' has mismatched index lanes");
    for (int l = 0; l < out.lanes(); ++l)
      out[l] = load_lane(buffer->dtype, base + index.at_or_scalar(l).i * bytes);
    return out;
  }

  int32_t exec_store(const StoreNode* op) {
    const BufferNode* buffer = op->buffer.get();
    Value value = eval(op->value);
    Value index = eval(flat_index(buffer, op->indices));
    if (value.type().element_of() != buffer->dtype)
      throw IRError("interpreter: store of " + value.type().str() + " into '" + buffer->name + "' of " +
                    buffer->dtype.str());
    if (index.lanes() != value.lanes())
      throw IRError("interpreter: store into '" + buffer->name + "' has " +
                    std::to_string(index.lanes()) + " index lanes for " + std::to_string(value.lanes()) +
                    " value lanes");
    unsigned char* base = buffer_base(buffer);
    int bytes = buffer->dtype.bytes();
    for (int l = 0; l < value.lanes(); ++l) store_lane(buffer->dtype, value[l], base + index[l].i * bytes);
    return 0;
  }

  int32_t exec_allocate(const AllocateNode* op) {
    const BufferNode* buffer = op->buffer.get();
    int64_t bytes = buffer->dtype.bytes();
    for (const Expr& extent : buffer->shape) {
      int64_t n = scalar_int(extent, "allocation extent");
      if (n < 0 || __builtin_mul_overflow(bytes, n, &bytes))
        throw IRError("interpreter: allocation of '" + buffer->name + "' has a negative or huge size");
    }
    std::vector<unsigned char> storage;
    try {
      storage.assign(static_cast<size_t>(std::max<int64_t>(bytes, 1)), 0);
    } catch (const std::bad_alloc&) {
      throw IRError("interpreter: out of memory allocating " + std::to_string(bytes) + " bytes for '" +
                    buffer->name + "'");
    }
    Binding b(env_, buffer->data.get(), handle_value(storage.data()));
    return exec(op->body);
  }

  int32_t exec_assert(const AssertNode* op) {
    if (condition(op->condition, "assert condition", /*allow_vector=*/true)) return 0;
    std::string text;
    for (const Expr& part : op->message) {
      const auto* call = part.as<CallNode>();
      if (const auto* s = part.as<StringImmNode>()) {
        text += s->value;
      } else if (call && (call->op == Intrinsic::FormatDType || call->op == Intrinsic::FormatDevice)) {
        int64_t v = std::stoll(format_value(eval(call->args[0])));
        const char* name = call->op == Intrinsic::FormatDType ? tessera_dtype_name(v) : tessera_device_name(v);
        if (name) text += name;
        else if (call->op == Intrinsic::FormatDType)  // as the runtime prints it
          text += "(code " + std::to_string(v & 0xff) + ", bits " + std::to_string((v >> 8) & 0xff) +
                  ", lanes " + std::to_string((v >> 16) & 0xffff) + ")";
        else text += "device type " + std::to_string(v);
      } else {
        text += format_value(eval(part));
      }
    }
    message_ = std::move(text);
    return -1;
  }

  int32_t exec_for(const ForNode* op) {
    DataType t = op->var->type;
    if (!t.is_scalar() || !t.is_integer())
      throw IRError("interpreter: loop variable '" + op->var->name + "' must be a scalar integer");
    int64_t min = scalar_int(op->min, "loop min");
    int64_t extent = scalar_int(op->extent, "loop extent");
    // Every ForKind runs serially here, in order.
    Binding b(env_, op->var.get(), Value(t));
    for (int64_t k = 0; k < extent; ++k) {
      b.slot()[0].i = wrap_int(static_cast<int64_t>(static_cast<uint64_t>(min) + k), t);
      if (int32_t r = exec(op->body)) return r;
    }
    return 0;
  }

  // ---- arguments ------------------------------------------------------------------------

  Value eval_call(const CallNode* op) {
    switch (op->op) {
      case Intrinsic::ArgHandle: case Intrinsic::ArgInt: case Intrinsic::ArgFloat:
      case Intrinsic::ArgTypeCode: return eval_arg(op);
      case Intrinsic::ArgCount: return int_value(op->type, num_args_);
      case Intrinsic::StreamingStoreBytes: return int_value(op->type, tessera_streaming_store_bytes());
      case Intrinsic::StoreFence: return int_value(op->type, 0);  // stores here are ordered
      case Intrinsic::TensorData: case Intrinsic::TensorNDim: case Intrinsic::TensorShape:
      case Intrinsic::TensorStride: case Intrinsic::TensorHasStrides: case Intrinsic::TensorDTypeCode:
      case Intrinsic::TensorDTypeBits: case Intrinsic::TensorDTypeLanes:
      case Intrinsic::TensorDeviceType: case Intrinsic::TensorByteOffset: return eval_tensor(op);
      default: break;
    }
    std::vector<Value> args;
    args.reserve(op->args.size());
    for (const Expr& a : op->args) args.push_back(eval(a));
    return call_pure(op->op, op->type, args);
  }

  Value eval_arg(const CallNode* op) {
    if (op->args.size() != 1) throw IRError(std::string("interpreter: ") + to_string(op->op) + " takes one index");
    int64_t i = scalar_int(op->args[0], "argument index");
    if (i < 0 || i >= num_args_ || args_ == nullptr)
      throw IRError(std::string("interpreter: ") + to_string(op->op) + "(" + std::to_string(i) +
                    ") out of range: the call has " + std::to_string(num_args_) + " argument(s)");
    Lane lane;
    lane.u = 0;
    switch (op->op) {
      case Intrinsic::ArgHandle: lane.p = args_[i].v_handle; break;
      case Intrinsic::ArgInt: lane.i = args_[i].v_int64; break;
      case Intrinsic::ArgFloat: lane.f = args_[i].v_float64; break;
      default:
        if (type_codes_ == nullptr) throw IRError("interpreter: type codes are null");
        lane.i = type_codes_[i];
        break;
    }
    return scalar(op->type, lane);
  }

  Value eval_tensor(const CallNode* op) {
    if (op->args.empty()) throw IRError(std::string("interpreter: ") + to_string(op->op) + " needs a tensor");
    Value h = eval(op->args[0]);
    if (!h.type().is_handle() || h[0].p == nullptr)
      throw IRError(std::string("interpreter: ") + to_string(op->op) + " on a null or non-handle DLTensor");
    const auto* t = static_cast<const DLTensor*>(h[0].p);
    auto dim = [&]() {
      if (op->args.size() != 2) throw IRError(std::string("interpreter: ") + to_string(op->op) + " needs a dimension");
      int64_t d = scalar_int(op->args[1], "dimension");
      if (d < 0 || d >= t->ndim)
        throw IRError(std::string("interpreter: ") + to_string(op->op) + " dimension " + std::to_string(d) +
                      " out of range for ndim " + std::to_string(t->ndim));
      return d;
    };
    switch (op->op) {
      case Intrinsic::TensorData:
        return handle_value(reinterpret_cast<void*>(reinterpret_cast<uintptr_t>(t->data) + t->byte_offset));
      case Intrinsic::TensorNDim: return int_value(op->type, t->ndim);
      case Intrinsic::TensorShape: {
        int64_t d = dim();
        if (t->shape == nullptr) throw IRError("interpreter: DLTensor has a null shape");
        return int_value(op->type, t->shape[d]);
      }
      case Intrinsic::TensorStride: {
        int64_t d = dim();
        return int_value(op->type, t->strides ? t->strides[d] : 0);
      }
      case Intrinsic::TensorHasStrides: return int_value(op->type, t->strides != nullptr);
      case Intrinsic::TensorDTypeCode: return int_value(op->type, t->dtype.code);
      case Intrinsic::TensorDTypeBits: return int_value(op->type, t->dtype.bits);
      case Intrinsic::TensorDTypeLanes: return int_value(op->type, t->dtype.lanes);
      case Intrinsic::TensorDeviceType: return int_value(op->type, t->device.device_type);
      default: return int_value(op->type, static_cast<int64_t>(t->byte_offset));
    }
  }

  const TesseraValue* args_;
  const int32_t* type_codes_;
  int32_t num_args_;
  Env env_;
  std::string message_;
};

}  // namespace

int32_t run(const ir::LoweredFunc& func, const TesseraValue* args, const int32_t* type_codes,
            int32_t num_args, std::string* error) {
  if (!func.packed)
    throw IRError("interpreter: function '" + func.name + "' is not packed; run the kernel-API pass first");
  if (!func.body.defined()) throw IRError("interpreter: function '" + func.name + "' has no body");
  Interpreter interpreter(args, type_codes, num_args);
  int32_t result = interpreter.exec(func.body);
  if (error != nullptr) *error = result != 0 ? interpreter.message() : std::string();
  return result;
}

}  // namespace tessera::interp
