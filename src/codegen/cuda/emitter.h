// The CUDA C writer behind tessera/codegen/cuda.h (internal to codegen/cuda).
//
// Statements become C statements, expressions C expressions; a Let inside an expression
// becomes a `const` declaration before the statement that needs it, under a fresh name.
// Vector code (lanes > 1, from vectorize_loops) is written lane by lane: a vector value is
// computed in an unrolled `for (int lane ...)` loop into a small array, its contiguous
// loads are hoisted in front as one 16-byte access where aligned (tessera_vload), and a
// contiguous store is one tessera_vstore. Integer arithmetic that reads memory wraps
// (computed in unsigned types); index arithmetic (no loads) is written as plain signed C,
// under the simplifier's assumption that it does not overflow (tessera/ir/simplify.h).
// Index expressions repeated within a statement are computed once into a named `const`.
#pragma once
#include <sstream>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "tessera/ir/module.h"

namespace tessera::codegen::cuda_detail {

using ir::DataType;

// C names of scalar types: registers and memory (bool is stored as one byte).
std::string c_type(DataType t);
std::string storage_type(DataType t);

// Helper functions every kernel may call; `fp16`/`bf16` add the 16-bit float ones and
// their headers.
std::string prelude(bool fp16, bool bf16);

class CudaEmitter {
 public:
  // Appends one __global__ function for a device function (split_host_device's device part).
  void emit_kernel(const ir::LoweredFunc& device);
  bool uses_fp16() const { return uses_fp16_; }
  bool uses_bf16() const { return uses_bf16_; }
  std::string kernels() const { return out_.str(); }

 private:
  struct Pointer {
    std::string name;
    DataType dtype;
  };
  struct Hoisted {
    const ir::LoadNode* load;
    std::string array;
  };

  // ---- statements (emit_stmt.cpp)
  void stmt(const ir::Stmt& s);
  void for_loop(const ir::ForNode* op);
  void store(const ir::StoreNode* op);
  void allocate(const ir::AllocateNode* op);
  void let_stmt(const ir::LetStmtNode* op);
  void line(const std::string& text);
  std::string signature(const ir::LoweredFunc& device);

  // ---- scalar expressions (emit_expr.cpp)
  std::string expr(const ir::Expr& e);
  std::string int_imm(const ir::IntImmNode* op);
  std::string float_imm(const ir::FloatImmNode* op);
  std::string var(const ir::VarNode* op);
  std::string binary(const ir::BinaryNode* op);
  std::string int_arith(const ir::BinaryNode* op, DataType t, const std::string& a, const std::string& b);
  std::string cast(const std::string& x, DataType from, DataType to);
  std::string call(const ir::CallNode* op);
  std::string load(const ir::LoadNode* op);
  std::string let(const ir::LetNode* op);
  std::string pointer(const std::shared_ptr<const ir::BufferNode>& buffer);
  ir::Expr flat_index(const std::shared_ptr<const ir::BufferNode>& buffer, const std::vector<ir::Expr>& indices);
  bool reads_memory(const ir::Expr& e) const;

  // ---- shared index expressions (emit_shared.cpp)
  // Index arithmetic that occurs more than once in `roots` (the coordinates of a fused
  // loop, say) becomes one `const` before the statement; expr() then uses its name.
  void share_common(const std::vector<ir::Expr>& roots);
  void note_type(DataType t);

  // ---- vectors (emit_vector.cpp)
  std::string lane_expr_of_load(const ir::LoadNode* op);
  std::string ramp(const ir::RampNode* op);
  // Computes a vector value into a fresh array `T name[lanes]`; returns the name.
  // for_memory: the array has the storage type (bytes for bool), ready for tessera_vstore.
  std::string vector_to_array(const ir::Expr& value, bool for_memory);
  void vector_store(const ir::StoreNode* op);
  void hoist_loads(const ir::Expr& e);
  bool lane_invariant(const ir::Expr& e) const;

  // ---- names
  std::string bind_name(const ir::Var& v, const std::string& hint);
  std::string fresh(const std::string& hint);

  std::ostringstream out_;
  std::ostringstream body_;
  int indent_ = 0;
  std::string kernel_;
  std::unordered_map<const ir::VarNode*, std::string> names_;
  std::unordered_set<const ir::VarNode*> arrays_;        // vector values held as arrays
  std::unordered_set<const ir::VarNode*> from_memory_;   // Let/LetStmt values that read memory
  std::unordered_map<const ir::VarNode*, Pointer> pointers_;
  std::unordered_set<std::string> used_;
  std::vector<Hoisted> hoisted_;
  struct Shared {
    ir::Expr expr;
    int count;
    std::string name;  // empty until hoisted
  };
  // Shared index expressions by printed text (then compared structurally: two variables
  // may print alike).
  std::unordered_map<std::string, std::vector<Shared>> shared_;
  const std::string* shared_name(const ir::Expr& e) const;
  const char* lane_ = nullptr;  // the lane loop's variable while writing a vector lane by lane
  bool uses_fp16_ = false, uses_bf16_ = false;
};

}  // namespace tessera::codegen::cuda_detail
