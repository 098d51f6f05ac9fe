// Outlined functions and their closures.
//
// An outlined function (a parallel loop body) gets its inputs through a closure: a struct
// in the caller's frame holding the values the body reads from the enclosing scope. Only
// variables the body uses are captured, and the packed argument arrays only if it reads
// them. LLVM has a sizeable fixed cost per function (about 0.5 ms even at -O0), so code is
// outlined only where the runtime needs a function.
#include <algorithm>
#include <unordered_set>

#include "codegen/llvm/emitter.h"
#include "tessera/ir/functor.h"

namespace tessera::codegen::detail {
namespace {

// Every variable the statement reads, including buffer data handles and the variables in
// buffer shapes, strides and offsets (which multi-index accesses need).
class UsedVars : public ir::IRVisitor {
 public:
  std::vector<const ir::VarNode*> order;
  bool reads_arguments = false;  // Arg* intrinsics

 protected:
  void visit_var(const ir::VarNode* op) override { add(op); }
  void visit_call(const ir::CallNode* op) override {
    switch (op->op) {
      case ir::Intrinsic::ArgHandle:
      case ir::Intrinsic::ArgInt:
      case ir::Intrinsic::ArgFloat:
      case ir::Intrinsic::ArgTypeCode:
      case ir::Intrinsic::ArgCount: reads_arguments = true; break;
      default: break;
    }
    ir::IRVisitor::visit_call(op);
  }
  void visit_load(const ir::LoadNode* op) override {
    add_buffer(*op->buffer);
    ir::IRVisitor::visit_load(op);
  }
  void visit_store(const ir::StoreNode* op) override {
    add_buffer(*op->buffer);
    ir::IRVisitor::visit_store(op);
  }
  void visit_allocate(const ir::AllocateNode* op) override {
    for (const ir::Expr& e : op->buffer->shape) visit(e);
    ir::IRVisitor::visit_allocate(op);
  }

 private:
  void add(const ir::VarNode* v) {
    if (seen_.insert(v).second) order.push_back(v);
  }
  void add_buffer(const ir::BufferNode& b) {
    if (b.data.defined()) add(b.data.get());
    for (const ir::Expr& e : b.shape) visit(e);
    for (const ir::Expr& e : b.strides) visit(e);
    if (b.elem_offset.defined()) visit(b.elem_offset);
  }
  std::unordered_set<const ir::VarNode*> seen_;
};

}  // namespace

Emitter::Closure Emitter::capture(const ir::Stmt& body, const ir::VarNode* exclude,
                                  const std::vector<llvm::Value*>& extra) {
  UsedVars used;
  used.visit(body);
  Closure c;
  c.num_extra = extra.size();
  c.arguments = used.reads_arguments && fs_.args;
  std::vector<llvm::Value*> fields = extra;
  if (c.arguments) fields.insert(fields.end(), {fs_.args, fs_.type_codes, fs_.num_args});
  for (const ir::VarNode* v : used.order) {
    auto it = vars_.find(v);
    if (v == exclude || it == vars_.end()) continue;
    c.vars.push_back(v);
    fields.push_back(it->second);
  }
  std::vector<llvm::Type*> types;
  for (llvm::Value* f : fields) types.push_back(f->getType());
  c.type = llvm::StructType::get(ctx_, types);
  const uint64_t align = std::max<uint64_t>(16, module_.getDataLayout().getABITypeAlign(c.type).value());
  c.storage = alloca_in_entry(c.type, align, "closure");
  for (size_t i = 0; i < fields.size(); ++i)
    b_.CreateStore(fields[i], b_.CreateStructGEP(c.type, c.storage, static_cast<unsigned>(i)));
  return c;
}

std::vector<llvm::Value*> Emitter::open_closure(const Closure& c, llvm::Value* ptr) {
  std::vector<llvm::Value*> loaded;
  for (unsigned i = 0; i < c.type->getNumElements(); ++i)
    loaded.push_back(b_.CreateLoad(c.type->getElementType(i), b_.CreateStructGEP(c.type, ptr, i)));
  size_t next = c.num_extra;
  if (c.arguments) {
    fs_.args = loaded[next++];
    fs_.type_codes = loaded[next++];
    fs_.num_args = loaded[next++];
  }
  for (const ir::VarNode* v : c.vars) vars_[v] = loaded[next++];
  return std::vector<llvm::Value*>(loaded.begin(), loaded.begin() + static_cast<std::ptrdiff_t>(c.num_extra));
}

llvm::Function* Emitter::new_outlined_function(const std::string& kind, llvm::FunctionType* type) {
  llvm::Function* fn = llvm::Function::Create(type, llvm::Function::InternalLinkage,
                                              kernel_name_ + "." + kind + "." + std::to_string(outlined_count_++),
                                              module_);
  set_function_attributes(fn);
  const unsigned closure_arg = type->getNumParams() - 1;  // the closure comes last
  fn->addParamAttr(closure_arg, llvm::Attribute::NoCapture);
  fn->addParamAttr(closure_arg, llvm::Attribute::ReadOnly);
  fn->addParamAttr(closure_arg, llvm::Attribute::NoAlias);
  return fn;
}

Emitter::SavedFunction Emitter::enter_function(llvm::Function* fn) {
  SavedFunction saved{std::move(fs_), std::move(vars_), b_.saveIP()};
  fs_ = FunctionState{};
  fs_.fn = fn;
  fs_.alloca_block = llvm::BasicBlock::Create(ctx_, "entry", fn);
  vars_.clear();
  b_.SetInsertPoint(fs_.alloca_block);
  return saved;
}

void Emitter::leave_function(SavedFunction saved) {
  fs_ = std::move(saved.fs);
  vars_ = std::move(saved.vars);
  b_.restoreIP(saved.ip);
}

}  // namespace tessera::codegen::detail
