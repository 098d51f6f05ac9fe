// Kernel functions and statements: the packed signature, loops, stores, branches,
// allocations, and the alias metadata that separates temporaries from arguments.
//
// Every Allocate'd buffer gets its own alias scope and is declared not to alias any other
// buffer; argument buffers share one scope (inputs and outputs may overlap). Loads and
// stores carry the alignment of their element type only: DLPack guarantees no more.
// The exception is a Streaming store, whose 16-byte alignment lowering checked at run time.
#include <llvm/IR/IntrinsicsX86.h>
#include <llvm/IR/MDBuilder.h>
#include <llvm/TargetParser/Triple.h>

#include <algorithm>

#include "codegen/llvm/emitter.h"
#include "tessera/ir/functor.h"

namespace tessera::codegen::detail {

using ir::DataType;

namespace {

constexpr uint64_t kMaxStackAllocation = 64 * 1024;

struct AllocateCollector : ir::IRVisitor {
  std::vector<const ir::VarNode*> data_vars;
  void visit_allocate(const ir::AllocateNode* op) override {
    if (op->buffer->data.defined()) data_vars.push_back(op->buffer->data.get());
    ir::IRVisitor::visit_allocate(op);
  }
};

// Binds a Var for the lifetime of a scope and restores the previous binding.
class ScopedBinding {
 public:
  ScopedBinding(std::unordered_map<const ir::VarNode*, llvm::Value*>& vars, const ir::VarNode* v,
                llvm::Value* value)
      : vars_(vars), var_(v) {
    auto it = vars.find(v);
    if (it != vars.end()) saved_ = it->second;
    vars[v] = value;
  }
  ~ScopedBinding() {
    if (saved_) vars_[var_] = saved_; else vars_.erase(var_);
  }
  ScopedBinding(const ScopedBinding&) = delete;
  ScopedBinding& operator=(const ScopedBinding&) = delete;

 private:
  std::unordered_map<const ir::VarNode*, llvm::Value*>& vars_;
  const ir::VarNode* var_;
  llvm::Value* saved_ = nullptr;
};

}  // namespace

Emitter::Emitter(llvm::Module& module, const CpuTarget& target)
    : ctx_(module.getContext()), module_(module), target_(target), b_(module.getContext()) {}

void Emitter::emit_kernel(const ir::LoweredFunc& func) {
  if (!func.packed)
    throw ir::IRError("tessera codegen: function " + func.name + " is not packed (run make_kernel_api)");
  if (func.name.empty()) throw ir::IRError("tessera codegen: kernel without a name");
  if (llvm::Function* clash = module_.getFunction(func.name))
    throw ir::IRError("tessera codegen: kernel name " + func.name +
                      (clash->isDeclaration() ? " collides with a library function" : " is used twice"));
  if (!func.body.defined()) throw ir::IRError("tessera codegen: kernel " + func.name + " has no body");
  kernel_name_ = func.name;

  auto* fn_type = llvm::FunctionType::get(b_.getInt32Ty(), {b_.getPtrTy(), b_.getPtrTy(), b_.getInt32Ty()}, false);
  llvm::Function* fn = llvm::Function::Create(fn_type, llvm::Function::ExternalLinkage, func.name, module_);
  fn->getArg(0)->setName("args");
  fn->getArg(1)->setName("type_codes");
  fn->getArg(2)->setName("num_args");
  for (int i = 0; i < 2; ++i) {
    fn->addParamAttr(i, llvm::Attribute::NoCapture);
    fn->addParamAttr(i, llvm::Attribute::ReadOnly);
  }
  set_function_attributes(fn);

  fs_ = FunctionState{};
  fs_.fn = fn;
  fs_.alloca_block = llvm::BasicBlock::Create(ctx_, "entry", fn);
  fs_.args = fn->getArg(0);
  fs_.type_codes = fn->getArg(1);
  fs_.num_args = fn->getArg(2);
  vars_.clear();
  b_.SetInsertPoint(fs_.alloca_block);
  setup_alias_scopes(func.body);

  emit(func.body);
  b_.CreateRet(b_.getInt32(0));
  finish_function();
  vars_.clear();
  fs_ = FunctionState{};
}

void Emitter::set_function_attributes(llvm::Function* fn) {
  fn->addFnAttr("target-cpu", target_.cpu);
  fn->addFnAttr("target-features", target_.features);
  // libmvec's AVX-512 entry points take zmm registers: 512-bit vectors must stay legal.
  if (target_.has_feature("avx512f")) fn->addFnAttr("min-legal-vector-width", "512");
  fn->setDoesNotThrow();
}

// ---- statements ---------------------------------------------------------------------------

void Emitter::emit(const ir::Stmt& s) {
  if (!s.defined()) return;
  switch (s.kind()) {
    case ir::StmtKind::For: return emit_for(s.as<ir::ForNode>());
    case ir::StmtKind::Store: return emit_store(s.as<ir::StoreNode>());
    case ir::StmtKind::Seq:
      for (const ir::Stmt& child : s.as<ir::SeqNode>()->seq) emit(child);
      return;
    case ir::StmtKind::IfThenElse: return emit_if(s.as<ir::IfThenElseNode>());
    case ir::StmtKind::LetStmt: {
      const auto* op = s.as<ir::LetStmtNode>();
      ScopedBinding bind(vars_, op->var.get(), emit(op->value));
      return emit(op->body);
    }
    case ir::StmtKind::Allocate: return emit_allocate(s.as<ir::AllocateNode>());
    case ir::StmtKind::Assert: return emit_assert(s.as<ir::AssertNode>());
    case ir::StmtKind::Evaluate: emit(s.as<ir::EvaluateNode>()->value); return;
  }
  throw ir::IRError("tessera codegen: unknown statement kind");
}

void Emitter::emit_for(const ir::ForNode* op) {
  if (op->for_kind == ir::ForKind::ThreadBinding)
    throw ir::IRError("tessera codegen: loop " + op->var.name() + " is bound to " + op->thread_tag +
                      ", which the CPU backend cannot run");
  if (op->for_kind == ir::ForKind::Parallel) return emit_parallel_for(op);
  // Serial, and Vectorized/Unrolled loops the earlier passes left alone.
  const DataType vt = op->var.type();
  if (!vt.is_integer() || vt.lanes != 1)
    throw ir::IRError("tessera codegen: loop variable " + op->var.name() + " of type " + vt.str());
  llvm::Type* ty = reg_type(vt);
  llvm::Value* begin = b_.CreateIntCast(emit(op->min), ty, op->min.type().is_int());
  llvm::Value* extent = b_.CreateIntCast(emit(op->extent), ty, op->extent.type().is_int());
  emit_serial_loop(op->var, begin, b_.CreateAdd(begin, extent), op->body);
}

void Emitter::emit_serial_loop(const ir::Var& var, llvm::Value* begin, llvm::Value* end,
                               const ir::Stmt& body) {
  const bool is_signed = var.type().is_int();
  auto less = [&](llvm::Value* a, llvm::Value* b) {
    return is_signed ? b_.CreateICmpSLT(a, b) : b_.CreateICmpULT(a, b);
  };
  // Rotated form: guard, then body with the exit test at the bottom.
  llvm::BasicBlock* pre = b_.GetInsertBlock();
  llvm::BasicBlock* loop = llvm::BasicBlock::Create(ctx_, var.name() + ".loop", fs_.fn);
  llvm::BasicBlock* exit = llvm::BasicBlock::Create(ctx_, var.name() + ".exit", fs_.fn);
  b_.CreateCondBr(less(begin, end), loop, exit);
  b_.SetInsertPoint(loop);
  llvm::PHINode* i = b_.CreatePHI(begin->getType(), 2, var.name());
  i->addIncoming(begin, pre);
  {
    ScopedBinding bind(vars_, var.get(), i);
    emit(body);
  }
  // The increment cannot wrap: i < end.
  llvm::Value* next = b_.CreateAdd(i, llvm::ConstantInt::get(i->getType(), 1), "", !is_signed, is_signed);
  i->addIncoming(next, b_.GetInsertBlock());
  b_.CreateCondBr(less(next, end), loop, exit);
  b_.SetInsertPoint(exit);
}

void Emitter::emit_store(const ir::StoreNode* op) {
  const DataType vt = op->value.type();
  const DataType elem = op->buffer->dtype;
  if (vt.element_of() != elem)
    throw ir::IRError("tessera codegen: storing " + vt.str() + " into buffer " + op->buffer->name +
                      " of " + elem.str());
  llvm::Type* st = storage_type(elem);
  const llvm::Align align(elem.bytes());
  const ir::VarNode* data_var = op->buffer->data.get();
  llvm::Value* data = buffer_data(op->buffer);
  ir::Expr index = flat_index(op->buffer, op->indices);
  if (index.type().lanes != vt.lanes)
    throw ir::IRError("tessera codegen: store to " + op->buffer->name + " with " +
                      std::to_string(index.type().lanes) + " index lanes and " + std::to_string(vt.lanes) +
                      " value lanes");
  llvm::Value* value = to_storage(emit(op->value), vt);

  llvm::Instruction* inst;
  RampIndex ramp;
  // Lowering keeps a streaming hint only on stores it proved aligned (see
  // version_streaming_stores): a full dense vector of whole 16-byte pieces, or for
  // StreamingLines of whole 64-byte lines, becomes non-temporal stores of that width;
  // anything else stays normal. Instruction selection (FastISel in particular) turns a
  // non-temporal store wider than its alignment into a plain one, hence the pieces.
  const int piece_bytes = static_cast<int>(op->hint == ir::StoreHint::StreamingLines ? ir::kStreamingLineBytes
                                                                                    : ir::kStreamingPieceBytes);
  const bool streaming = op->hint != ir::StoreHint::Normal && vt.lanes > 1 && elem.bytes() <= 16 &&
                         (int64_t{vt.lanes} * elem.bytes()) % piece_bytes == 0 && as_ramp(index, &ramp) &&
                         ramp.stride == 1;
  if (streaming) {
    llvm::Value* addr = b_.CreateInBoundsGEP(st, data, index_to_i64(emit(ramp.base), ramp.base.type()));
    const int piece = piece_bytes / elem.bytes();
    llvm::MDNode* nontemporal = llvm::MDNode::get(ctx_, llvm::ConstantAsMetadata::get(b_.getInt32(1)));
    for (int first = 0; first < vt.lanes; first += piece) {
      llvm::SmallVector<int, 64> lanes;
      for (int l = 0; l < piece; ++l) lanes.push_back(first + l);
      llvm::Value* part = piece == vt.lanes ? value : b_.CreateShuffleVector(value, lanes);
      llvm::Value* at = first == 0 ? addr : b_.CreateInBoundsGEP(st, addr, b_.getInt64(first));
      llvm::StoreInst* store = b_.CreateAlignedStore(part, at, llvm::Align(piece_bytes));
      store->setMetadata(llvm::LLVMContext::MD_nontemporal, nontemporal);
      decorate(store, data_var);
    }
    return;
  } else if (vt.lanes == 1) {
    llvm::Value* addr = b_.CreateInBoundsGEP(st, data, index_to_i64(emit(index), index.type()));
    inst = b_.CreateAlignedStore(value, addr, align);
  } else if (as_ramp(index, &ramp) && (ramp.stride == 1 || ramp.stride == -1)) {
    llvm::Value* base = index_to_i64(emit(ramp.base), ramp.base.type());
    if (ramp.stride == -1) {
      base = b_.CreateSub(base, b_.getInt64(vt.lanes - 1));
      value = b_.CreateVectorReverse(value);
    }
    inst = b_.CreateAlignedStore(value, b_.CreateInBoundsGEP(st, data, base), align);
  } else {  // scatter; lanes that hit one address store in lane order
    llvm::Value* addrs = b_.CreateInBoundsGEP(st, data, index_to_i64(emit(index), index.type()));
    inst = b_.CreateMaskedScatter(value, addrs, align);
  }
  decorate(inst, data_var);
}

llvm::Value* Emitter::emit_store_fence() {
  if (llvm::Triple(target_.triple).isX86())
    b_.CreateIntrinsic(llvm::Intrinsic::x86_sse_sfence, {}, {});
  else
    b_.CreateFence(llvm::AtomicOrdering::SequentiallyConsistent);
  return b_.getInt32(0);
}

void Emitter::emit_if(const ir::IfThenElseNode* op) {
  llvm::Value* cond = emit(op->condition);
  if (cond->getType()->isVectorTy()) throw ir::IRError("tessera codegen: vector condition in If");
  llvm::BasicBlock* then_bb = llvm::BasicBlock::Create(ctx_, "then", fs_.fn);
  llvm::BasicBlock* else_bb = op->else_case.defined() ? llvm::BasicBlock::Create(ctx_, "else", fs_.fn) : nullptr;
  llvm::BasicBlock* merge = llvm::BasicBlock::Create(ctx_, "endif", fs_.fn);
  b_.CreateCondBr(cond, then_bb, else_bb ? else_bb : merge);
  b_.SetInsertPoint(then_bb);
  emit(op->then_case);
  b_.CreateBr(merge);
  if (else_bb) {
    b_.SetInsertPoint(else_bb);
    emit(op->else_case);
    b_.CreateBr(merge);
  }
  b_.SetInsertPoint(merge);
}

// ---- allocation ---------------------------------------------------------------------------

void Emitter::emit_allocate(const ir::AllocateNode* op) {
  const ir::BufferNode* buf = op->buffer.get();
  if (!buf->data.defined()) throw ir::IRError("tessera codegen: allocated buffer " + buf->name + " has no data variable");
  const uint64_t elem_bytes = buf->dtype.bytes();
  // Constant size in bytes, or 0 if symbolic or absurd.
  uint64_t const_bytes = elem_bytes;
  for (const ir::Expr& dim : buf->shape) {
    const int64_t* n = ir::as_const_int(dim);
    if (!n || *n < 0 || (*n > 0 && const_bytes > kMaxStackAllocation * 1024 / static_cast<uint64_t>(*n))) {
      const_bytes = 0;
      break;
    }
    const_bytes *= static_cast<uint64_t>(*n);
  }
  const bool on_stack = buf->scope != "global" && const_bytes > 0 && const_bytes <= kMaxStackAllocation;
  if (on_stack) {
    llvm::Value* mem = alloca_in_entry(llvm::ArrayType::get(b_.getInt8Ty(), const_bytes), 64, buf->name);
    ScopedBinding bind(vars_, buf->data.get(), mem);
    emit(op->body);
    return;
  }
  llvm::Value* bytes = b_.getInt64(elem_bytes);
  for (const ir::Expr& dim : buf->shape) bytes = b_.CreateMul(bytes, b_.CreateIntCast(emit(dim), b_.getInt64Ty(), true));
  llvm::Value* mem = b_.CreateCall(runtime_function("tessera_workspace_alloc"), {bytes}, buf->name);
  // The runtime gives a block even for 0 bytes, and nullptr for negative sizes.
  llvm::Value* failed = b_.CreateICmpEQ(mem, llvm::ConstantPointerNull::get(b_.getPtrTy()));
  emit_check(failed, {{"kernel " + kernel_name_ + ": cannot allocate "}, {"", bytes}, {" bytes for buffer " + buf->name}});
  fs_.workspaces.push_back(mem);
  {
    ScopedBinding bind(vars_, buf->data.get(), mem);
    emit(op->body);
  }
  fs_.workspaces.pop_back();
  b_.CreateCall(runtime_function("tessera_workspace_free"), {mem});
}

llvm::Value* Emitter::alloca_in_entry(llvm::Type* type, uint64_t align, const std::string& name) {
  Builder entry(fs_.alloca_block, fs_.alloca_block->begin());
  llvm::AllocaInst* a = entry.CreateAlloca(type, nullptr, name);
  a->setAlignment(llvm::Align(align));
  return a;
}

// ---- runtime functions -------------------------------------------------------------------

llvm::FunctionCallee Emitter::runtime_function(const std::string& name) {
  llvm::Type* ptr = b_.getPtrTy();
  llvm::Type* i64 = b_.getInt64Ty();
  llvm::Type* void_ty = b_.getVoidTy();
  llvm::FunctionType* type = nullptr;
  bool cold = false;
  if (name == "tessera_parallel_for") {
    type = llvm::FunctionType::get(b_.getInt32Ty(), {ptr, ptr, i64}, false);
  } else if (name == "tessera_workspace_alloc") {
    type = llvm::FunctionType::get(ptr, {i64}, false);
  } else if (name == "tessera_workspace_free") {
    type = llvm::FunctionType::get(void_ty, {ptr}, false);
  } else if (name == "tessera_streaming_store_bytes") {
    type = llvm::FunctionType::get(i64, {}, false);
  } else if (name == "tessera_error_begin") {
    type = llvm::FunctionType::get(void_ty, {}, false);
    cold = true;
  } else if (name == "tessera_error_str") {
    type = llvm::FunctionType::get(void_ty, {ptr}, false);
    cold = true;
  } else if (name == "tessera_error_int" || name == "tessera_error_dtype" || name == "tessera_error_device") {
    type = llvm::FunctionType::get(void_ty, {i64}, false);
    cold = true;
  } else {
    throw ir::IRError("tessera codegen: unknown runtime function " + name);
  }
  if (llvm::Function* f = module_.getFunction(name); f && !f->isDeclaration())
    throw ir::IRError("tessera codegen: kernel name " + name + " collides with a runtime function");
  llvm::FunctionCallee callee = module_.getOrInsertFunction(name, type);
  if (auto* f = llvm::dyn_cast<llvm::Function>(callee.getCallee())) {
    f->setDoesNotThrow();
    if (cold) f->addFnAttr(llvm::Attribute::Cold);
  }
  return callee;
}

// ---- alias metadata -----------------------------------------------------------------------

void Emitter::setup_alias_scopes(const ir::Stmt& body) {
  local_alias_.clear();
  global_alias_ = {};
  AllocateCollector collector;
  collector.visit(body);
  if (collector.data_vars.empty()) return;
  llvm::MDBuilder md(ctx_);
  llvm::MDNode* domain = md.createAnonymousAliasScopeDomain(kernel_name_);
  llvm::MDNode* global = md.createAnonymousAliasScope(domain, "arguments");
  std::vector<llvm::Metadata*> all = {global};
  std::vector<llvm::MDNode*> scopes;
  for (const ir::VarNode* v : collector.data_vars) {
    scopes.push_back(md.createAnonymousAliasScope(domain, v->name));
    all.push_back(scopes.back());
  }
  auto all_but = [&](llvm::Metadata* self) {
    std::vector<llvm::Metadata*> others;
    for (llvm::Metadata* m : all)
      if (m != self) others.push_back(m);
    return llvm::MDNode::get(ctx_, others);
  };
  global_alias_ = {llvm::MDNode::get(ctx_, {global}), all_but(global)};
  for (size_t i = 0; i < scopes.size(); ++i)
    local_alias_[collector.data_vars[i]] = {llvm::MDNode::get(ctx_, {scopes[i]}), all_but(scopes[i])};
}

void Emitter::decorate(llvm::Instruction* access, const ir::VarNode* buffer_data) {
  auto it = local_alias_.find(buffer_data);
  const AliasInfo& info = it != local_alias_.end() ? it->second : global_alias_;
  if (!info.scope) return;
  access->setMetadata(llvm::LLVMContext::MD_alias_scope, info.scope);
  access->setMetadata(llvm::LLVMContext::MD_noalias, info.noalias);
}

}  // namespace tessera::codegen::detail
