// Parallel loops: the body is outlined into `i32 body(i64 begin, i64 end, ptr closure)` and
// run by the runtime's tessera_parallel_for(body, closure, extent).
//
// The closure is a struct on the caller's stack holding every value the body reads from
// the enclosing scope (variables, buffer data pointers, the loop's min, and the packed
// argument arrays). The body runs iterations [begin, end) serially; an Assert failing in
// it returns -1, and the caller returns whatever non-zero code tessera_parallel_for
// passes back (after freeing its own workspaces).
#include "codegen/llvm/emitter.h"

namespace tessera::codegen::detail {

void Emitter::emit_parallel_for(const ir::ForNode* op) {
  const ir::DataType vt = op->var.type();
  if (!vt.is_integer() || vt.lanes != 1)
    throw ir::IRError("tessera codegen: loop variable " + op->var.name() + " of type " + vt.str());
  llvm::Type* ty = reg_type(vt);
  llvm::Type* i64 = b_.getInt64Ty();
  llvm::Value* min = b_.CreateIntCast(emit(op->min), ty, op->min.type().is_int());
  llvm::Value* extent = b_.CreateIntCast(emit(op->extent), i64, op->extent.type().is_int());
  Closure closure = capture(op->body, op->var.get(), {min});

  auto* type = llvm::FunctionType::get(b_.getInt32Ty(), {i64, i64, b_.getPtrTy()}, false);
  llvm::Function* body = new_outlined_function("parallel", type);
  SavedFunction saved = enter_function(body);
  llvm::Value* loop_min = open_closure(closure, body->getArg(2)).at(0);
  llvm::Value* begin = b_.CreateAdd(loop_min, b_.CreateIntCast(body->getArg(0), ty, true));
  llvm::Value* end = b_.CreateAdd(loop_min, b_.CreateIntCast(body->getArg(1), ty, true));
  emit_serial_loop(op->var, begin, end, op->body);
  b_.CreateRet(b_.getInt32(0));
  finish_function();
  leave_function(std::move(saved));

  // The call, skipped for empty loops; a failing body's code is passed on.
  llvm::BasicBlock* run = llvm::BasicBlock::Create(ctx_, "parallel.run", fs_.fn);
  llvm::BasicBlock* fail = llvm::BasicBlock::Create(ctx_, "parallel.fail", fs_.fn);
  llvm::BasicBlock* done = llvm::BasicBlock::Create(ctx_, "parallel.done", fs_.fn);
  b_.CreateCondBr(b_.CreateICmpSGT(extent, b_.getInt64(0)), run, done);
  b_.SetInsertPoint(run);
  llvm::Value* code = b_.CreateCall(runtime_function("tessera_parallel_for"), {body, closure.storage, extent});
  b_.CreateCondBr(b_.CreateICmpNE(code, b_.getInt32(0)), fail, done);
  b_.SetInsertPoint(fail);
  emit_error_return(code);
  b_.SetInsertPoint(done);
}

}  // namespace tessera::codegen::detail
