// Host/device split (see split_host_device.h).
#include "lower/split_host_device.h"

#include <algorithm>
#include <array>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "tessera/ir/functor.h"
#include "tessera/ir/op.h"
#include "tessera/ir/simplify.h"
#include "tessera/ir/utils.h"
#include "tessera/runtime/cuda.h"

namespace tessera::lower {
namespace {

using namespace ir;

constexpr std::array<const char*, 6> kLaunchTags = {"blockIdx.x",  "blockIdx.y",  "blockIdx.z",
                                                    "threadIdx.x", "threadIdx.y", "threadIdx.z"};
static_assert(kLaunchTags.size() == cuda::kLaunchDims);

bool reads_memory(const Expr& e) {
  bool found = false;
  post_order_visit(e, [&](const Expr& x) { found = found || x.kind() == ExprKind::Load; });
  return found;
}

// A statement that only checks: asserts and branches over asserts, no loads.
bool is_check(const Stmt& s) {
  bool ok = true;
  post_order_visit(
      s,
      [&](const Stmt& x) {
        StmtKind k = x.kind();
        ok = ok && k != StmtKind::For && k != StmtKind::Store && k != StmtKind::Allocate &&
             k != StmtKind::Evaluate;
      },
      [&](const Expr& x) { ok = ok && x.kind() != ExprKind::Load; });
  return ok;
}

bool is_no_op(const Stmt& s) {
  if (!s.defined()) return true;
  const auto* seq = s.as<SeqNode>();
  return seq && seq->seq.empty();
}

// What the device part reads from outside, in order of first use: free variables and the
// data pointers of the buffers it accesses. Thread-bound loop extents are the launch's
// business, not the kernel's, so they are skipped.
class DeviceUses : public IRVisitor {
 public:
  std::vector<Var> vars;
  std::unordered_map<const VarNode*, std::shared_ptr<const BufferNode>> buffer_of;
  std::unordered_set<const VarNode*> stored;

  void visit(const Expr& e) override {
    if (e.defined() && e.kind() == ExprKind::Var) current_ = e.ptr();
    IRVisitor::visit(e);
  }
  using IRVisitor::visit;

 protected:
  void visit_var(const VarNode*) override {
    note(Var(std::static_pointer_cast<const VarNode>(current_)));
  }
  void visit_load(const LoadNode* op) override {
    note_buffer(op->buffer, op->indices.size());
    IRVisitor::visit_load(op);
  }
  void visit_store(const StoreNode* op) override {
    note_buffer(op->buffer, op->indices.size());
    stored.insert(op->buffer->data.get());
    IRVisitor::visit_store(op);
  }
  void visit_for(const ForNode* op) override {
    visit(op->min);
    if (op->for_kind != ForKind::ThreadBinding) visit(op->extent);
    bound(op->var, [&] { visit(op->body); });
  }
  void visit_let_stmt(const LetStmtNode* op) override {
    visit(op->value);
    bound(op->var, [&] { visit(op->body); });
  }
  void visit_let(const LetNode* op) override {
    visit(op->value);
    bound(op->var, [&] { visit(op->body); });
  }
  void visit_allocate(const AllocateNode* op) override {
    for (const Expr& e : op->buffer->shape) visit(e);
    bound(op->buffer->data, [&] { visit(op->body); });
  }

 private:
  void note(const Var& v) {
    if (bound_.count(v.get()) || !seen_.insert(v.get()).second) return;
    vars.push_back(v);
  }
  void note_buffer(const std::shared_ptr<const BufferNode>& b, size_t num_indices) {
    if (!b->data.defined()) throw IRError("split_host_device: buffer " + b->name + " has no data variable");
    if (!bound_.count(b->data.get()) && !buffer_of.count(b->data.get())) buffer_of[b->data.get()] = b;
    note(b->data);
    if (num_indices > 1) {  // not flattened: the code generator applies strides and offset
      for (const Expr& s : Buffer(b).effective_strides()) visit(s);
      visit(b->elem_offset);
    }
  }
  template <class F>
  void bound(const Var& v, F&& body) {
    auto it = bound_.insert(v.get());
    body();
    bound_.erase(it);
  }

  std::unordered_multiset<const VarNode*> bound_;
  std::unordered_set<const VarNode*> seen_;
  std::shared_ptr<const ExprNode> current_;
};

// Gives every thread-bound loop its tag's launch extent, guarding loops that were shorter.
class LaunchExtentSetter : public IRMutator {
 public:
  explicit LaunchExtentSetter(const std::map<std::string, Expr>& extents) : extents_(extents) {}

 protected:
  Stmt mutate_for(const ForNode* op, const Stmt& self) override {
    Stmt visited = IRMutator::mutate_for(op, self);
    if (op->for_kind != ForKind::ThreadBinding) return visited;
    const auto* loop = visited.as<ForNode>();
    const Expr& launch = extents_.at(op->thread_tag);
    if (equal(loop->extent, launch)) return visited;
    Stmt guarded = IfThenElseNode::make(loop->var < loop->min + loop->extent, loop->body);
    return ForNode::make(loop->var, loop->min, launch, ForKind::ThreadBinding, guarded, loop->thread_tag);
  }

 private:
  const std::map<std::string, Expr>& extents_;
};

// The bits of a scalar value as int64, low bytes first (see the record layout).
Expr slot_bits(const Var& v) {
  DataType t = v.type();
  auto reinterpret = [](DataType to, const Expr& e) { return CallNode::make(to, Intrinsic::Reinterpret, {e}); };
  if (t.is_handle() || t == DataType::Float(64)) return reinterpret(DataType::Int(64), v);
  if (t == DataType::Float(32)) return cast(DataType::Int(64), reinterpret(DataType::Int(32), v));
  if (t.is_float()) return cast(DataType::Int(64), reinterpret(DataType::UInt(16), v));
  return cast(DataType::Int(64), v);
}

class HostDeviceSplitter {
 public:
  explicit HostDeviceSplitter(const LoweredFunc& f) : func_(f), prefix_("kernel " + f.name + ": ") {}

  HostDeviceSplit run() {
    if (!func_.packed) throw IRError(prefix_ + "split_host_device needs a packed function");
    HostDeviceSplit out;
    out.host = func_;
    out.host.name = func_.name + "_launch";
    out.host.target = "llvm";
    out.host.body = host_part(func_.body);
    out.device = LoweredFunc{func_.name, std::move(device_params_), device_body_, false, "cuda"};
    return out;
  }

 private:
  Stmt host_part(const Stmt& s) {
    if (const auto* let = s.as<LetStmtNode>(); let && !reads_memory(let->value)) {
      host_bound_.insert(let->var.get());
      return LetStmtNode::make(let->var, let->value, host_part(let->body));
    }
    if (const auto* seq = s.as<SeqNode>(); seq && seq->seq.size() > 1 && is_check(seq->seq[0])) {
      std::vector<Stmt> rest(seq->seq.begin() + 1, seq->seq.end());
      return SeqNode::make({seq->seq[0], host_part(SeqNode::make(rest))});
    }
    if (is_check(s) && !is_no_op(s)) return SeqNode::make({s, launch(Stmt())});
    return launch(s);
  }

  Stmt launch(const Stmt& device) {
    std::map<std::string, Expr> extents;
    if (!is_no_op(device)) {
      post_order_visit(device, [&](const Stmt& x) {
        const auto* loop = x.as<ForNode>();
        if (!loop || loop->for_kind != ForKind::ThreadBinding) return;
        check_host_computable(loop);
        Expr& e = extents[loop->thread_tag];
        e = !e.defined() || equal(e, loop->extent) ? loop->extent : simplify(max(e, loop->extent));
      });
      device_body_ = LaunchExtentSetter(extents).mutate(device);
      DeviceUses uses;
      uses.visit(device_body_);
      // The tensors in the kernel's argument order, then the rest in order of first use.
      std::vector<Var> order;
      for (const KernelParam& p : func_.params)
        if (p.kind == KernelParam::Kind::Tensor && uses.buffer_of.count(p.buffer->data.get()))
          order.push_back(p.buffer->data);
      for (const Var& v : uses.vars)
        if (std::find_if(order.begin(), order.end(), [&](const Var& o) { return o.same_as(v); }) == order.end())
          order.push_back(v);
      for (const Var& v : order) device_params_.push_back(param_for(v, uses));
    }

    const int64_t slots = static_cast<int64_t>(device_params_.size()) + cuda::kLaunchDims;
    Buffer record = Buffer::make("launch_record", DataType::Int(64), {make_const(DataType::Index(), slots)});
    std::vector<Stmt> stores;
    auto store = [&](int64_t slot, const Expr& value) {
      stores.push_back(StoreNode::make(record, cast(DataType::Int(64), value),
                                       {make_const(DataType::Index(), slot)}));
    };
    for (size_t i = 0; i < device_params_.size(); ++i) {
      const KernelParam& p = device_params_[i];
      store(static_cast<int64_t>(i), slot_bits(p.kind == KernelParam::Kind::Tensor ? p.buffer->data : p.var));
    }
    int64_t base = static_cast<int64_t>(device_params_.size());
    for (size_t d = 0; d < kLaunchTags.size(); ++d) {
      auto it = extents.find(kLaunchTags[d]);
      Expr dim = is_no_op(device) ? Expr(int64_t{0}) : it == extents.end() ? Expr(int64_t{1}) : it->second;
      store(base + static_cast<int64_t>(d), dim);
    }
    Expr record_address = CallNode::make(DataType::Handle(), Intrinsic::ArgHandle,
                                         {Expr(static_cast<int>(func_.params.size()))});
    return LetStmtNode::make(record->data, record_address, SeqNode::make(std::move(stores)));
  }

  void check_host_computable(const ForNode* loop) const {
    for (const Var& v : free_vars(loop->extent))
      if (!host_bound_.count(v.get()))
        throw IRError(prefix_ + "the extent of loop " + loop->var.name() + " (bound to " + loop->thread_tag +
                      ") uses " + v.name() + ", which is only known inside the kernel");
  }

  KernelParam param_for(const Var& v, const DeviceUses& uses) const {
    KernelParam p{};
    if (!host_bound_.count(v.get()))
      throw IRError(prefix_ + "variable " + v.name() + " is used inside the kernel but never bound");
    if (auto it = uses.buffer_of.find(v.get()); it != uses.buffer_of.end()) {
      p.kind = KernelParam::Kind::Tensor;
      p.buffer = Buffer(it->second);
      p.is_output = uses.stored.count(v.get()) > 0;
      return p;
    }
    if (v.type().is_handle())
      throw IRError(prefix_ + "handle " + v.name() + " is read inside the kernel but is no buffer's data");
    p.kind = v.type().is_float() ? KernelParam::Kind::Float : KernelParam::Kind::Int;
    p.var = v;
    return p;
  }

  const LoweredFunc& func_;
  std::string prefix_;
  std::unordered_set<const VarNode*> host_bound_;
  std::vector<KernelParam> device_params_;
  Stmt device_body_;
};

}  // namespace

HostDeviceSplit split_host_device(const ir::LoweredFunc& packed) {
  return HostDeviceSplitter(packed).run();
}

}  // namespace tessera::lower
