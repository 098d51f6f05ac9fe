// Asserts and error returns.
//
// A packed kernel starts with argument validation: dozens of checks, each with a message
// chosen by nested ifs. Emitting three or four runtime calls per failure site made the
// validation cost more JIT time than the kernel itself (and moving each failure into its
// own function cost more still: LLVM spends about 0.5 ms per function). So a failure site
// only computes its integer values and branches to one report block per function, passing
// a pointer to a constant table that describes the message:
//
//   { kind, text }...  kind -1: text; kind -2: end; kind >= 0: value k = kind & 0xffffffff,
//                      printed as an integer, a dtype or a device name by kind >> 32
//
// The report block walks the table with tessera_error_begin/str/int and returns -1. A site
// with live workspaces frees them first, so it records its message inline instead.
#include <llvm/IR/MDBuilder.h>

#include "codegen/llvm/emitter.h"

namespace tessera::codegen::detail {

namespace {
constexpr int64_t kTextPart = -1;
constexpr int64_t kEndOfMessage = -2;

// The runtime function that prints a value in the given PartFormat.
const char* formatter(int64_t format) {
  switch (format) {
    case 1: return "tessera_error_dtype";
    case 2: return "tessera_error_device";
    default: return "tessera_error_int";
  }
}
}  // namespace

void Emitter::emit_assert(const ir::AssertNode* op) {
  llvm::Value* cond = emit(op->condition);
  if (cond->getType()->isVectorTy()) cond = b_.CreateAndReduce(cond);
  if (!cond->getType()->isIntegerTy(1)) throw ir::IRError("tessera codegen: Assert condition is not Bool");
  llvm::BasicBlock* fail = llvm::BasicBlock::Create(ctx_, "assert.fail", fs_.fn);
  llvm::BasicBlock* ok = llvm::BasicBlock::Create(ctx_, "assert.ok", fs_.fn);
  b_.CreateCondBr(cond, ok, fail, llvm::MDBuilder(ctx_).createLikelyBranchWeights());
  b_.SetInsertPoint(fail);
  std::vector<MessagePart> parts;  // integer parts are evaluated only on failure
  for (const ir::Expr& part : op->message) {
    const auto* call = part.as<ir::CallNode>();
    if (const auto* s = part.as<ir::StringImmNode>()) {
      parts.push_back({s->value});
    } else if (call && (call->op == ir::Intrinsic::FormatDType || call->op == ir::Intrinsic::FormatDevice)) {
      parts.push_back({"", b_.CreateIntCast(emit(call->args[0]), b_.getInt64Ty(), true),
                       call->op == ir::Intrinsic::FormatDType ? PartFormat::DType : PartFormat::Device});
    } else if ((part.type().is_integer() || part.type().is_bool()) && part.type().lanes == 1) {
      parts.push_back({"", b_.CreateIntCast(emit(part), b_.getInt64Ty(), part.type().is_int())});
    } else {
      throw ir::IRError("tessera codegen: Assert message parts must be strings or scalar integers, got " +
                        part.type().str());
    }
  }
  emit_failure(parts);
  b_.SetInsertPoint(ok);
}

void Emitter::emit_check(llvm::Value* failed, const std::vector<MessagePart>& message) {
  llvm::BasicBlock* fail = llvm::BasicBlock::Create(ctx_, "check.fail", fs_.fn);
  llvm::BasicBlock* ok = llvm::BasicBlock::Create(ctx_, "check.ok", fs_.fn);
  b_.CreateCondBr(failed, fail, ok, llvm::MDBuilder(ctx_).createUnlikelyBranchWeights());
  b_.SetInsertPoint(fail);
  emit_failure(message);
  b_.SetInsertPoint(ok);
}

void Emitter::emit_failure(const std::vector<MessagePart>& message) {
  if (!fs_.workspaces.empty()) {
    b_.CreateCall(runtime_function("tessera_error_begin"), {});
    for (const MessagePart& part : message) {
      if (part.value) b_.CreateCall(runtime_function(formatter(static_cast<int64_t>(part.format))), {part.value});
      else b_.CreateCall(runtime_function("tessera_error_str"), {b_.CreateGlobalString(part.text)});
    }
    emit_error_return(b_.getInt32(-1));
    return;
  }
  // The message table.
  llvm::Type* i64 = b_.getInt64Ty();
  llvm::StructType* entry_type = llvm::StructType::get(ctx_, {i64, b_.getPtrTy()});
  llvm::Constant* no_text = llvm::ConstantPointerNull::get(b_.getPtrTy());
  std::vector<llvm::Constant*> entries;
  std::vector<llvm::Value*> values;
  for (const MessagePart& part : message) {
    if (part.value) {
      int64_t kind = static_cast<int64_t>(values.size()) | (static_cast<int64_t>(part.format) << 32);
      entries.push_back(llvm::ConstantStruct::get(entry_type, {b_.getInt64(kind), no_text}));
      values.push_back(part.value);
    } else if (!part.text.empty()) {
      entries.push_back(llvm::ConstantStruct::get(entry_type, {b_.getInt64(kTextPart), b_.CreateGlobalString(part.text)}));
    }
  }
  entries.push_back(llvm::ConstantStruct::get(entry_type, {b_.getInt64(kEndOfMessage), no_text}));
  auto* table_type = llvm::ArrayType::get(entry_type, entries.size());
  auto* table = new llvm::GlobalVariable(module_, table_type, true, llvm::GlobalValue::PrivateLinkage,
                                         llvm::ConstantArray::get(table_type, entries), "message");
  table->setUnnamedAddr(llvm::GlobalValue::UnnamedAddr::Global);

  // Branch to the report block with the table and the values.
  llvm::BasicBlock* site = b_.GetInsertBlock();
  if (!fs_.report) {
    fs_.report = llvm::BasicBlock::Create(ctx_, "error.report", fs_.fn);
    Builder phis(fs_.report);
    fs_.report_table = phis.CreatePHI(b_.getPtrTy(), 4, "message");
  }
  while (fs_.report_values.size() < values.size()) {
    Builder phis(fs_.report, fs_.report->getFirstNonPHIIt());
    llvm::PHINode* phi = phis.CreatePHI(i64, 4, "message.value");
    for (llvm::BasicBlock* earlier : fs_.report_table->blocks()) phi->addIncoming(llvm::PoisonValue::get(i64), earlier);
    fs_.report_values.push_back(phi);
  }
  fs_.report_table->addIncoming(table, site);
  for (size_t k = 0; k < fs_.report_values.size(); ++k)
    fs_.report_values[k]->addIncoming(k < values.size() ? values[k] : llvm::PoisonValue::get(i64), site);
  b_.CreateBr(fs_.report);
}

void Emitter::emit_error_return(llvm::Value* code) {
  for (auto it = fs_.workspaces.rbegin(); it != fs_.workspaces.rend(); ++it)
    b_.CreateCall(runtime_function("tessera_workspace_free"), {*it});
  b_.CreateRet(code);
}

void Emitter::finish_function() {
  if (!fs_.report) return;
  llvm::Type* i64 = b_.getInt64Ty();
  llvm::StructType* entry_type = llvm::StructType::get(ctx_, {i64, b_.getPtrTy()});
  b_.SetInsertPoint(fs_.report);
  b_.CreateCall(runtime_function("tessera_error_begin"), {});
  llvm::Value* values = nullptr;
  if (!fs_.report_values.empty()) {
    values = alloca_in_entry(llvm::ArrayType::get(i64, fs_.report_values.size()), 8, "message.values");
    for (size_t k = 0; k < fs_.report_values.size(); ++k)
      b_.CreateStore(fs_.report_values[k], b_.CreateConstInBoundsGEP1_64(i64, values, k));
  }
  llvm::BasicBlock* entry_bb = b_.GetInsertBlock();
  llvm::BasicBlock* part_bb = llvm::BasicBlock::Create(ctx_, "error.part", fs_.fn);
  llvm::BasicBlock* dispatch_bb = llvm::BasicBlock::Create(ctx_, "error.dispatch", fs_.fn);
  llvm::BasicBlock* text_bb = llvm::BasicBlock::Create(ctx_, "error.text", fs_.fn);
  llvm::BasicBlock* int_bb = llvm::BasicBlock::Create(ctx_, "error.int", fs_.fn);
  llvm::BasicBlock* next_bb = llvm::BasicBlock::Create(ctx_, "error.next", fs_.fn);
  llvm::BasicBlock* done_bb = llvm::BasicBlock::Create(ctx_, "error.done", fs_.fn);
  b_.CreateBr(part_bb);

  b_.SetInsertPoint(part_bb);
  llvm::PHINode* entry = b_.CreatePHI(b_.getPtrTy(), 2, "part");
  entry->addIncoming(fs_.report_table, entry_bb);
  llvm::Value* kind = b_.CreateLoad(i64, b_.CreateStructGEP(entry_type, entry, 0));
  b_.CreateCondBr(b_.CreateICmpEQ(kind, b_.getInt64(kEndOfMessage)), done_bb, dispatch_bb);
  b_.SetInsertPoint(dispatch_bb);
  b_.CreateCondBr(b_.CreateICmpEQ(kind, b_.getInt64(kTextPart)), text_bb, int_bb);
  b_.SetInsertPoint(text_bb);
  b_.CreateCall(runtime_function("tessera_error_str"), {b_.CreateLoad(b_.getPtrTy(), b_.CreateStructGEP(entry_type, entry, 1))});
  b_.CreateBr(next_bb);
  b_.SetInsertPoint(int_bb);
  if (values) {
    llvm::Value* index = b_.CreateAnd(kind, b_.getInt64(0xffffffff));
    llvm::Value* format = b_.CreateLShr(kind, b_.getInt64(32));
    llvm::Value* v = b_.CreateLoad(i64, b_.CreateInBoundsGEP(i64, values, index));
    llvm::BasicBlock* plain_bb = llvm::BasicBlock::Create(ctx_, "error.plain", fs_.fn);
    llvm::BasicBlock* named_bb = llvm::BasicBlock::Create(ctx_, "error.named", fs_.fn);
    llvm::BasicBlock* dtype_bb = llvm::BasicBlock::Create(ctx_, "error.dtype", fs_.fn);
    llvm::BasicBlock* device_bb = llvm::BasicBlock::Create(ctx_, "error.device", fs_.fn);
    b_.CreateCondBr(b_.CreateICmpEQ(format, b_.getInt64(0)), plain_bb, named_bb);
    b_.SetInsertPoint(plain_bb);
    b_.CreateCall(runtime_function("tessera_error_int"), {v});
    b_.CreateBr(next_bb);
    b_.SetInsertPoint(named_bb);
    b_.CreateCondBr(b_.CreateICmpEQ(format, b_.getInt64(1)), dtype_bb, device_bb);
    b_.SetInsertPoint(dtype_bb);
    b_.CreateCall(runtime_function("tessera_error_dtype"), {v});
    b_.CreateBr(next_bb);
    b_.SetInsertPoint(device_bb);
    b_.CreateCall(runtime_function("tessera_error_device"), {v});
  }
  b_.CreateBr(next_bb);
  b_.SetInsertPoint(next_bb);
  llvm::Value* next = b_.CreateConstInBoundsGEP1_64(entry_type, entry, 1);
  entry->addIncoming(next, next_bb);
  b_.CreateBr(part_bb);
  b_.SetInsertPoint(done_bb);
  b_.CreateRet(b_.getInt32(-1));
}

}  // namespace tessera::codegen::detail
