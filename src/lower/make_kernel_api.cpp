// The kernel-API pass (see make_kernel_api.h).
//
// The packed body is a chain of steps, outermost first: argument count, argument kinds,
// each tensor's handle (not null) with its ndim, dtype, device, extents (none negative,
// the size in bytes below 2^62) and data (not null unless empty), the scalars, the shape Vars (bound
// from the first tensor dimension that names them), the remaining shape checks, strides,
// and the data pointers. An assertion stops the kernel, so no step reads an argument that
// an earlier step has not validated.
#include "lower/make_kernel_api.h"

#include <unordered_set>
#include <utility>

#include "tessera/dlpack.h"
#include "tessera/ir/op.h"
#include "tessera/ir/printer.h"
#include "tessera/ir/simplify.h"
#include "tessera/ir/utils.h"
#include "tessera/runtime/kernel_abi.h"

namespace tessera::lower {
namespace {

using namespace ir;
using Kind = KernelParam::Kind;

Expr text(std::string s) { return StringImmNode::make(std::move(s)); }

Expr i32(int64_t v) { return make_const(DataType::Int(32), v); }

Expr intrinsic(DataType t, Intrinsic op, std::vector<Expr> args) {
  return CallNode::make(t, op, std::move(args));
}

Expr arg_type_code(int i) {
  return intrinsic(DataType::Int(32), Intrinsic::ArgTypeCode, {Expr(i)});
}

Expr tensor_field(Intrinsic op, const Var& h) {
  DataType t = op == Intrinsic::TensorHasStrides ? DataType::Bool() : DataType::Int(32);
  return intrinsic(t, op, {h});
}

Expr tensor_dim(Intrinsic op, const Var& h, int d) {
  return intrinsic(DataType::Int(64), op, {h, Expr(d)});
}

Stmt fail_with(std::vector<Expr> message) {
  return AssertNode::make(make_bool(false), std::move(message));
}

// Asserts `ok`; on failure the message is `head` followed by the name of the first case
// whose condition holds, or by `otherwise` when none does.
Stmt assert_naming(const Expr& ok, const std::string& head,
                   const std::vector<std::pair<Expr, std::string>>& cases,
                   std::vector<Expr> otherwise) {
  otherwise.insert(otherwise.begin(), text(head));
  Stmt chain = fail_with(std::move(otherwise));
  for (auto it = cases.rbegin(); it != cases.rend(); ++it)
    chain = IfThenElseNode::make(it->first, fail_with({text(head + it->second)}), chain);
  return IfThenElseNode::make(!ok, chain);
}

std::string device_name(int device_type) {
  switch (device_type) {
    case kDLCPU:
      return "cpu";
    case kDLCUDA:
      return "cuda";
    case kDLCUDAHost:
      return "cuda_host";
    case kDLCUDAManaged:
      return "cuda_managed";
    case kDLROCM:
      return "rocm";
    default:
      return "device type " + std::to_string(device_type);
  }
}

std::string describe(const Expr& e) {
  if (const auto* v = e.as<VarNode>()) return v->name;
  return to_string(e);
}

class KernelApiBuilder {
 public:
  KernelApiBuilder(const LoweredFunc& func, int device_type)
      : func_(func), device_type_(device_type), prefix_("kernel " + func.name + ": ") {}

  LoweredFunc build() {
    if (func_.packed) throw IRError(prefix_ + "make_kernel_api applied twice");
    if (!func_.body.defined()) throw IRError(prefix_ + "body is undefined");
    check_argument_count();
    for (size_t i = 0; i < func_.params.size(); ++i) check_argument_kind(i);
    handles_.resize(func_.params.size());
    for (size_t i = 0; i < func_.params.size(); ++i)
      if (is_tensor(i)) check_tensor_header(i);
    for (size_t i = 0; i < func_.params.size(); ++i)
      if (!is_tensor(i)) bind_scalar(i);
    std::vector<std::vector<bool>> bound_here(func_.params.size());
    for (size_t i = 0; i < func_.params.size(); ++i)
      if (is_tensor(i)) bound_here[i] = bind_shape_vars(i);
    for (size_t i = 0; i < func_.params.size(); ++i)
      if (is_tensor(i)) check_shapes(i, bound_here[i]);
    for (size_t i = 0; i < func_.params.size(); ++i)
      if (is_tensor(i)) bind_strides(i);
    for (size_t i = 0; i < func_.params.size(); ++i)
      if (is_tensor(i)) bind_data(i);

    LoweredFunc out = func_;
    out.body = assemble(func_.body);
    for (const Var& v : free_vars(out.body))
      throw IRError(prefix_ + "variable " + v.name() + " is not bound by any argument");
    out.packed = true;
    return out;
  }

 private:
  // A LetStmt (var defined) or a check (stmt defined).
  struct Step {
    Var var;
    Expr value;
    Stmt check;
  };

  bool is_tensor(size_t i) const { return func_.params[i].kind == Kind::Tensor; }

  const Buffer& buffer(size_t i) const {
    const Buffer& b = func_.params[i].buffer;
    if (!b.defined())
      throw IRError(prefix_ + "tensor argument " + std::to_string(i) + " has no buffer");
    return b;
  }

  std::string arg_name(size_t i) const {
    const KernelParam& p = func_.params[i];
    std::string name = p.kind == Kind::Tensor ? buffer(i)->name : p.var.name();
    return "argument " + std::to_string(i) + " (" + name + ")";
  }

  void let(const Var& var, const Expr& value) {
    if (!bound_.insert(var.get()).second)
      throw IRError(prefix_ + "variable " + var.name() + " is bound twice");
    steps_.push_back({var, value, Stmt()});
  }

  void check(Stmt s) { steps_.push_back({Var(), Expr(), std::move(s)}); }

  bool is_unbound_var(const Expr& e) const {
    return e.as<VarNode>() && !bound_.count(static_cast<const VarNode*>(e.get()));
  }

  void check_argument_count() {
    Expr count = intrinsic(DataType::Int(32), Intrinsic::ArgCount, {});
    int64_t n = static_cast<int64_t>(func_.params.size());
    check(AssertNode::make(count == i32(n), {text(prefix_ + "expects " + std::to_string(n) +
                                                  " argument" + (n == 1 ? "" : "s") + ", got "),
                                             count}));
  }

  void check_argument_kind(size_t i) {
    Expr code = arg_type_code(static_cast<int>(i));
    std::vector<std::pair<Expr, std::string>> kinds = {
        {code == i32(kTesseraArgInt), "an int"},
        {code == i32(kTesseraArgFloat), "a float"},
        {code == i32(kTesseraArgTensor), "a tensor"}};
    Expr ok;
    std::string want;
    switch (func_.params[i].kind) {
      case Kind::Tensor:
        ok = code == i32(kTesseraArgTensor);
        want = "a tensor";
        break;
      case Kind::Int:
        ok = code == i32(kTesseraArgInt);
        want = "an int";
        break;
      case Kind::Float:  // an int converts
        ok = code == i32(kTesseraArgFloat) || code == i32(kTesseraArgInt);
        want = "a float";
        break;
    }
    // Only the kinds that fail the check get a named message.
    std::erase_if(kinds, [&](const auto& k) {
      return k.second == want || (func_.params[i].kind == Kind::Float && k.second == "an int");
    });
    check(assert_naming(ok, prefix_ + arg_name(i) + " must be " + want + ", got ", kinds,
                        {text("type code "), code}));
  }

  void check_tensor_header(size_t i) {
    const Buffer& b = buffer(i);
    Var h(b->name + ".handle", DataType::Handle());
    handles_[i] = h;
    let(h, intrinsic(DataType::Handle(), Intrinsic::ArgHandle, {Expr(static_cast<int>(i))}));
    Expr address = intrinsic(DataType::Int(64), Intrinsic::Reinterpret, {h});
    check(AssertNode::make(address != int64_t{0}, {text(prefix_ + arg_name(i) + " is a null DLTensor pointer")}));
    std::string head = prefix_ + arg_name(i) + " expects ";

    Expr ndim = tensor_field(Intrinsic::TensorNDim, h);
    check(AssertNode::make(ndim == i32(b.ndim()),
                           {text(head + "ndim " + std::to_string(b.ndim()) + ", got "), ndim}));

    Expr code = tensor_field(Intrinsic::TensorDTypeCode, h);
    Expr bits = tensor_field(Intrinsic::TensorDTypeBits, h);
    Expr lanes = tensor_field(Intrinsic::TensorDTypeLanes, h);
    auto is_dtype = [&](DataType t) {
      return code == i32(static_cast<int>(t.code)) && bits == i32(t.bits) && lanes == i32(1);
    };
    // The runtime prints the names (FormatDType/FormatDevice), so each check stays one branch.
    auto i64 = [](const Expr& e) { return cast(DataType::Int(64), e); };
    Expr packed = i64(code) + i64(bits) * int64_t{256} + i64(lanes) * int64_t{65536};
    check(AssertNode::make(is_dtype(b->dtype),
                           {text(head + "dtype " + b->dtype.str() + ", got "),
                            intrinsic(DataType::Int(64), Intrinsic::FormatDType, {packed})}));

    Expr device = tensor_field(Intrinsic::TensorDeviceType, h);
    check(AssertNode::make(device == i32(device_type_),
                           {text(head + "device " + device_name(device_type_) + ", got "),
                            intrinsic(DataType::Int(64), Intrinsic::FormatDevice, {i64(device)})}));
    check_tensor_size(i);
  }

  // The DLTensor's own extents (ndim is checked): none negative, a size in bytes below
  // 2^62 (so no element index or byte offset overflows int64), and data unless it is empty.
  void check_tensor_size(size_t i) {
    const Buffer& b = buffer(i);
    const Var& h = handles_[i];
    std::vector<Expr> dims;
    for (int d = 0; d < b.ndim(); ++d) dims.push_back(tensor_dim(Intrinsic::TensorShape, h, d));
    for (int d = 0; d < b.ndim(); ++d)
      check(AssertNode::make(dims[d] >= int64_t{0}, {text(prefix_ + "dim " + std::to_string(d) + " of " +
                                                           b->name + " is negative ("),
                                                      dims[d], text(")")}));
    Expr data = intrinsic(DataType::Int(64), Intrinsic::Reinterpret,
                          {intrinsic(DataType::Handle(), Intrinsic::TensorData, {h})});
    Expr has_data = data != int64_t{0};
    std::vector<Expr> no_data = {text(prefix_ + arg_name(i) + " has no data (a null pointer) but is not empty")};
    if (dims.empty()) {  // 0-d: one element
      check(AssertNode::make(has_data, std::move(no_data)));
      return;
    }
    // The product in float64 cannot overflow (it saturates to inf), and it is exact far
    // beyond any real allocation; an empty tensor passes whatever its other extents are.
    Expr empty, bytes = make_const(DataType::Float(64), static_cast<double>(b->dtype.bytes()));
    std::vector<Expr> message = {text(prefix_ + arg_name(i) + " of shape (")};
    for (int d = 0; d < b.ndim(); ++d) {
      Expr zero = dims[d] == int64_t{0};
      empty = empty.defined() ? (empty || zero) : zero;
      bytes = bytes * cast(DataType::Float(64), dims[d]);
      if (d > 0) message.push_back(text(", "));
      message.push_back(dims[d]);
    }
    message.push_back(text(") is too large: its size in bytes does not fit in 62 bits"));
    check(AssertNode::make(empty || bytes < make_const(DataType::Float(64), 0x1p62), std::move(message)));
    check(AssertNode::make(empty || has_data, std::move(no_data)));
  }

  void bind_scalar(size_t i) {
    const KernelParam& p = func_.params[i];
    if (!p.var.defined())
      throw IRError(prefix_ + "scalar argument " + std::to_string(i) + " has no variable");
    Expr index(static_cast<int>(i));
    Expr as_int = intrinsic(DataType::Int(64), Intrinsic::ArgInt, {index});
    if (p.kind == Kind::Int) {
      let(p.var, cast(p.var.type(), as_int));
    } else {
      Expr as_float = intrinsic(DataType::Float(64), Intrinsic::ArgFloat, {index});
      Expr is_int = arg_type_code(static_cast<int>(i)) == i32(kTesseraArgInt);
      Expr value = SelectNode::make(is_int, cast(DataType::Float(64), as_int), as_float);
      let(p.var, cast(p.var.type(), value));
    }
  }

  // Binds each dimension that is a not yet bound Var; returns which dimensions did.
  std::vector<bool> bind_shape_vars(size_t i) {
    const Buffer& b = buffer(i);
    std::vector<bool> bound_here(b.ndim(), false);
    for (int d = 0; d < b.ndim(); ++d) {
      if (!is_unbound_var(b->shape[d])) continue;
      let(Var::from(b->shape[d]), tensor_dim(Intrinsic::TensorShape, handles_[i], d));
      bound_here[d] = true;
    }
    return bound_here;
  }

  void check_shapes(size_t i, const std::vector<bool>& bound_here) {
    const Buffer& b = buffer(i);
    for (int d = 0; d < b.ndim(); ++d) {
      if (bound_here[d]) continue;
      const Expr& want = b->shape[d];
      Expr actual = tensor_dim(Intrinsic::TensorShape, handles_[i], d);
      std::string head = prefix_ + "dim " + std::to_string(d) + " of " + b->name + " (";
      std::vector<Expr> message = {text(head), actual};
      if (as_const_int(want)) {
        message.push_back(text(") must equal " + describe(want)));
      } else {
        message.push_back(text(") must equal " + describe(want) + " ("));
        message.push_back(want);
        message.push_back(text(")"));
      }
      check(AssertNode::make(actual == want, std::move(message)));
    }
  }

  // Compact row-major stride of dimension d: the product of the later extents.
  static Expr compact_stride(const Buffer& b, int d) {
    Expr stride = make_const(DataType::Index(), int64_t{1});
    for (int k = d + 1; k < b.ndim(); ++k) stride = stride * b->shape[k];
    return simplify(stride);
  }

  void bind_strides(size_t i) {
    const Buffer& b = buffer(i);
    const Var& h = handles_[i];
    Expr has_strides = tensor_field(Intrinsic::TensorHasStrides, h);
    if (b->strides.empty()) {
      if (b.ndim() == 0) return;
      // A dimension of extent 1 may have any stride, and so may an empty tensor.
      Expr compact, empty;
      std::vector<Expr> message = {
          text(prefix_ + arg_name(i) + " must be contiguous, got strides (")};
      for (int d = 0; d < b.ndim(); ++d) {
        Expr stride = tensor_dim(Intrinsic::TensorStride, h, d);
        Expr ok = stride == compact_stride(b, d) || b->shape[d] == 1;
        compact = compact.defined() ? (compact && ok) : ok;
        Expr zero = b->shape[d] == int64_t{0};
        empty = empty.defined() ? (empty || zero) : zero;
        if (d > 0) message.push_back(text(", "));
        message.push_back(stride);
      }
      message.push_back(text(")"));
      check(AssertNode::make(simplify(!has_strides || compact || empty), std::move(message)));
      return;
    }
    for (int d = 0; d < b.ndim(); ++d) {
      Expr actual = SelectNode::make(has_strides, tensor_dim(Intrinsic::TensorStride, h, d),
                                     compact_stride(b, d));
      const Expr& want = b->strides[d];
      if (is_unbound_var(want)) {
        let(Var::from(want), actual);
        continue;
      }
      std::string head = prefix_ + "stride of dim " + std::to_string(d) + " of " + b->name + " (";
      check(AssertNode::make(
          actual == want || b->shape[d] == 1,
          {text(head), actual, text(") must equal " + describe(want) + " ("), want, text(")")}));
    }
  }

  void bind_data(size_t i) {
    const Buffer& b = buffer(i);
    if (!b->data.defined()) throw IRError(prefix_ + "buffer " + b->name + " has no data variable");
    let(b->data, intrinsic(DataType::Handle(), Intrinsic::TensorData, {handles_[i]}));
    // TensorData already includes the DLTensor's byte_offset.
    if (b->elem_offset.defined() && is_unbound_var(b->elem_offset))
      let(Var::from(b->elem_offset), make_zero(b->elem_offset.type()));
  }

  Stmt assemble(Stmt body) const {
    for (auto it = steps_.rbegin(); it != steps_.rend(); ++it) {
      body = it->var.defined() ? LetStmtNode::make(it->var, it->value, body)
                               : SeqNode::make({it->check, body});
    }
    return body;
  }

  const LoweredFunc& func_;
  int device_type_;
  std::string prefix_;
  std::vector<Var> handles_;
  std::vector<Step> steps_;
  std::unordered_set<const VarNode*> bound_;
};

}  // namespace

ir::LoweredFunc make_kernel_api(const ir::LoweredFunc& func, int device_type) {
  return KernelApiBuilder(func, device_type).build();
}

}  // namespace tessera::lower
