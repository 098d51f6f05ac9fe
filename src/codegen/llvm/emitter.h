// Internal interface of the LLVM code generator, shared by its source files.
//
// Emitter turns packed LoweredFuncs into LLVM IR, one function per kernel with the ABI
// of tessera/runtime/kernel_abi.h. Its members are split across files by responsibility:
//   codegen_llvm.cpp    module and kernel setup, statements, loops, allocation
//   errors.cpp          asserts and error returns
//   codegen_expr.cpp    expressions: constants, arithmetic, comparisons, casts, loads
//   codegen_call.cpp    intrinsic calls: unary ops, math, predicates, argument access
//   outline.cpp         closures and outlined functions
//   parallel.cpp        outlining parallel loops into closures for tessera_parallel_for
// Free helpers live in fp16.cpp (half/bfloat16 conversions), vector_math.cpp (libm and
// libmvec calls), target.cpp (target machines), optimize.cpp (pass pipeline).
//
// Register representation of IR types: Bool is i1 (i8 in memory); float16 is LLVM half;
// bfloat16 is a float32 whose value is exactly representable in bfloat16 (i16 in memory),
// so widening is free and every producer rounds its result (see fp16.cpp).
#pragma once
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/Target/TargetMachine.h>

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "tessera/codegen/llvm.h"
#include "tessera/ir/module.h"

namespace tessera::codegen::detail {

// ---- target.cpp ---------------------------------------------------------------------------
// Registers LLVM's targets once per process (thread-safe).
void initialize_llvm();
// A fresh TargetMachine for target (PIC, small code model); throws std::runtime_error.
std::unique_ptr<llvm::TargetMachine> make_target_machine(const CpuTarget& target,
                                                         int opt_level, bool fp_contract = false);

// ---- optimize.cpp -------------------------------------------------------------------------
// Runs the function optimization pipeline; prints the result if TESSERA_DUMP_LLVM=1.
void optimize_module(llvm::Module& module, llvm::TargetMachine& tm, int opt_level);

// ---- object.cpp ---------------------------------------------------------------------------
// Builds, verifies and optimizes the module of funcs (module's context is ctx).
std::unique_ptr<llvm::Module> build_module(llvm::LLVMContext& ctx,
                                           const std::vector<ir::LoweredFunc>& funcs,
                                           llvm::TargetMachine& tm, const CpuTarget& target,
                                           const CodegenOptions& options);
// The relocatable object of funcs for target.
std::vector<uint8_t> compile_to_object(const std::vector<ir::LoweredFunc>& funcs,
                                       const CpuTarget& target, const CodegenOptions& options);

// ---- fp16.cpp -----------------------------------------------------------------------------
using Builder = llvm::IRBuilder<>;
// bfloat16: i16 bits <-> float32 register value.
llvm::Value* bf16_bits_to_float(Builder& b, llvm::Value* bits);
llvm::Value* bf16_float_to_bits(Builder& b, llvm::Value* rounded);
// Rounds float32 values to bfloat16 precision (nearest even, NaN stays a quiet NaN).
llvm::Value* round_to_bf16(Builder& b, llvm::Value* f32);
// float64 -> float32 rounding to odd, so that a second rounding to a 16-bit format is exact.
llvm::Value* fptrunc_round_to_odd(Builder& b, llvm::Value* f64);
// The bfloat16 value nearest to v (ties to even), as a double.
double round_constant_to_bf16(double v);

// ---- vector_math.cpp ----------------------------------------------------------------------
// Calls the C math function `name` ("exp", "atan2", ...) elementwise on float or double
// scalars or vectors of one type: libm for scalars, libmvec (split into native widths) for
// vectors on x86-64, per-lane libm calls elsewhere.
llvm::Value* call_math(Builder& b, const CpuTarget& target, const std::string& name,
                       const std::vector<llvm::Value*>& args);

// ---- the emitter --------------------------------------------------------------------------
class Emitter {
 public:
  Emitter(llvm::Module& module, const CpuTarget& target);
  // Emits `i32 @name(ptr args, ptr type_codes, i32 num_args)`; throws ir::IRError.
  void emit_kernel(const ir::LoweredFunc& func);

 private:
  // Per-LLVM-function state (a kernel or an outlined parallel body).
  struct FunctionState {
    llvm::Function* fn = nullptr;
    llvm::BasicBlock* alloca_block = nullptr;  // entry block, where allocas go
    llvm::Value* args = nullptr;               // TesseraValue* (nullptr if unavailable)
    llvm::Value* type_codes = nullptr;         // int32_t*
    llvm::Value* num_args = nullptr;           // int32_t
    std::vector<llvm::Value*> workspaces;      // live tessera_workspace_alloc results
    // The shared block that builds an error message from a constant table (errors.cpp).
    llvm::BasicBlock* report = nullptr;
    llvm::PHINode* report_table = nullptr;
    std::vector<llvm::PHINode*> report_values;
  };
  // One piece of an error message: text, or an integer computed at the failure site.
  enum class PartFormat : int64_t { Int = 0, DType = 1, Device = 2 };
  struct MessagePart {
    std::string text;
    llvm::Value* value = nullptr;  // i64
    PartFormat format = PartFormat::Int;
  };
  // Values an outlined function needs, stored in a struct in the caller's frame: the
  // caller's `extra` values, then the packed arguments if the body reads them, then the
  // variables the body uses.
  struct Closure {
    llvm::StructType* type = nullptr;
    llvm::Value* storage = nullptr;
    size_t num_extra = 0;
    bool arguments = false;
    std::vector<const ir::VarNode*> vars;
  };
  struct SavedFunction {
    FunctionState fs;
    std::unordered_map<const ir::VarNode*, llvm::Value*> vars;
    Builder::InsertPoint ip;
  };
  // Alias metadata of one buffer: its own scope and the scopes it cannot alias.
  struct AliasInfo {
    llvm::MDNode* scope = nullptr;
    llvm::MDNode* noalias = nullptr;
  };
  struct RampIndex {  // index = base + stride * lane
    ir::Expr base;
    int64_t stride;
  };

  // codegen_llvm.cpp
  void emit(const ir::Stmt& s);
  void emit_for(const ir::ForNode* op);
  void emit_serial_loop(const ir::Var& var, llvm::Value* begin, llvm::Value* end,
                        const ir::Stmt& body);
  void emit_store(const ir::StoreNode* op);
  // Orders earlier non-temporal stores (sfence on x86); returns i32 0.
  llvm::Value* emit_store_fence();
  void emit_if(const ir::IfThenElseNode* op);
  void emit_allocate(const ir::AllocateNode* op);
  void set_function_attributes(llvm::Function* fn);
  void setup_alias_scopes(const ir::Stmt& body);
  void decorate(llvm::Instruction* access, const ir::VarNode* buffer_data);
  llvm::Value* alloca_in_entry(llvm::Type* type, uint64_t align, const std::string& name);
  llvm::FunctionCallee runtime_function(const std::string& name);

  // codegen_expr.cpp
  llvm::Value* emit(const ir::Expr& e);
  llvm::Value* emit_binary(const ir::BinaryNode* op);
  llvm::Value* emit_int_div_mod(ir::BinaryOp op, ir::DataType t, llvm::Value* a,
                                llvm::Value* b, const ir::Expr& divisor);
  llvm::Value* emit_float_mod(ir::DataType t, llvm::Value* a, llvm::Value* b);
  llvm::Value* emit_shift(ir::BinaryOp op, ir::DataType t, llvm::Value* a, llvm::Value* b);
  llvm::Value* emit_compare(ir::BinaryOp op, ir::DataType t, llvm::Value* a, llvm::Value* b);
  llvm::Value* emit_cast(llvm::Value* v, ir::DataType from, ir::DataType to);
  llvm::Value* emit_load(const ir::LoadNode* op);
  llvm::Value* emit_ramp(const ir::RampNode* op);
  // Address computations shared by loads and stores.
  ir::Expr flat_index(const std::shared_ptr<const ir::BufferNode>& buffer,
                      const std::vector<ir::Expr>& indices);
  llvm::Value* buffer_data(const std::shared_ptr<const ir::BufferNode>& buffer);
  llvm::Value* index_to_i64(llvm::Value* index, ir::DataType t);
  static bool as_ramp(const ir::Expr& index, RampIndex* out);

  // codegen_call.cpp
  llvm::Value* emit_call(const ir::CallNode* op);
  llvm::Value* emit_math(const ir::CallNode* op);
  llvm::Value* emit_predicate(const ir::CallNode* op);
  llvm::Value* emit_nextafter(ir::DataType t, llvm::Value* x, llvm::Value* y);
  // C fmod on float32/float64 scalars or vectors, exact (see codegen_call.cpp).
  llvm::Value* emit_fmod(llvm::Value* a, llvm::Value* b);
  llvm::Value* emit_ipow(ir::DataType t, llvm::Value* base, llvm::Value* exponent);
  llvm::Value* emit_arg_access(const ir::CallNode* op);
  llvm::Value* emit_tensor_field(const ir::CallNode* op);

  // errors.cpp
  void emit_assert(const ir::AssertNode* op);
  // Branches on failed; the failure side records the message and returns -1.
  void emit_check(llvm::Value* failed, const std::vector<MessagePart>& message);
  // Records the message and returns -1 from the current function (ends the block).
  void emit_failure(const std::vector<MessagePart>& message);
  // Frees live workspaces and returns code from the current function.
  void emit_error_return(llvm::Value* code);
  // Completes the current function's shared error-report block, if it has one.
  void finish_function();

  // outline.cpp
  Closure capture(const ir::Stmt& body, const ir::VarNode* exclude, const std::vector<llvm::Value*>& extra);
  llvm::Function* new_outlined_function(const std::string& kind, llvm::FunctionType* type);
  // Switches emission to fn (entry block created); leave_function switches back.
  SavedFunction enter_function(llvm::Function* fn);
  void leave_function(SavedFunction saved);
  // In the outlined function: loads the closure at ptr, binds its variables and
  // arguments, and returns the extra values.
  std::vector<llvm::Value*> open_closure(const Closure& closure, llvm::Value* ptr);

  // parallel.cpp
  void emit_parallel_for(const ir::ForNode* op);

  // Types and small helpers (codegen_expr.cpp).
  llvm::Type* reg_type(ir::DataType t);      // register representation
  llvm::Type* storage_type(ir::DataType t);  // memory representation
  llvm::Value* to_storage(llvm::Value* v, ir::DataType t);
  llvm::Value* from_storage(llvm::Value* v, ir::DataType t);
  // float16/bfloat16 compute in float32: widen before and round after each operation.
  llvm::Value* widen_half(llvm::Value* v, ir::DataType t);
  llvm::Value* narrow_half(llvm::Value* v, ir::DataType t);
  llvm::Value* splat(llvm::Value* v, int lanes);
  llvm::Value* lookup_var(const ir::VarNode* v);

  llvm::LLVMContext& ctx_;
  llvm::Module& module_;
  const CpuTarget& target_;
  Builder b_;
  FunctionState fs_;
  std::string kernel_name_;
  std::unordered_map<const ir::VarNode*, llvm::Value*> vars_;
  std::unordered_map<const ir::VarNode*, AliasInfo> local_alias_;
  AliasInfo global_alias_;
  int outlined_count_ = 0;
};

}  // namespace tessera::codegen::detail
