// Statement nodes of the IR. Immutable and reference counted, like expressions.
//
// Execution is sequential except where a For says otherwise:
// - Parallel: iterations may run concurrently on the runtime's thread pool; the body must
//   not carry dependencies between iterations (the schedule checks this).
// - Vectorized: the vectorize pass replaces the loop with vector operations; a code
//   generator that still meets one runs it serially.
// - Unrolled: the unroll pass replaces the loop by copies of its body.
// - ThreadBinding: a GPU grid/block dimension named by thread_tag ("blockIdx.x", ...).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "tessera/ir/buffer.h"
#include "tessera/ir/expr.h"

namespace tessera::ir {

enum class StmtKind : uint8_t { For, Store, Seq, IfThenElse, LetStmt, Allocate, Assert, Evaluate };

struct StmtNode {
  const StmtKind kind;
  explicit StmtNode(StmtKind k) : kind(k) {}
  virtual ~StmtNode() = default;
};

class Stmt {
 public:
  Stmt() = default;
  Stmt(std::shared_ptr<const StmtNode> n) : node_(std::move(n)) {}  // NOLINT
  bool defined() const { return node_ != nullptr; }
  const StmtNode* get() const { return node_.get(); }
  const StmtNode* operator->() const { return node_.get(); }
  StmtKind kind() const { return node_->kind; }
  bool same_as(const Stmt& o) const { return node_ == o.node_; }
  template <class T>
  const T* as() const {
    return node_ && node_->kind == T::kKind ? static_cast<const T*>(node_.get()) : nullptr;
  }

 private:
  std::shared_ptr<const StmtNode> node_;
};

enum class ForKind : uint8_t { Serial, Parallel, Vectorized, Unrolled, ThreadBinding };
const char* to_string(ForKind k);

struct ForNode : StmtNode {
  static constexpr StmtKind kKind = StmtKind::For;
  const Var var;
  const Expr min, extent;  // Index-typed; the loop runs var = min .. min+extent-1
  const ForKind for_kind;
  const Stmt body;
  const std::string thread_tag;  // only for ThreadBinding
  ForNode(Var v, Expr m, Expr e, ForKind k, Stmt b, std::string tag)
      : StmtNode(kKind), var(std::move(v)), min(std::move(m)), extent(std::move(e)), for_kind(k),
        body(std::move(b)), thread_tag(std::move(tag)) {}
  static Stmt make(Var var, Expr min, Expr extent, ForKind kind, Stmt body,
                   std::string thread_tag = "");
};

// How a store treats the cache. A hint never changes what a program computes.
// - Normal: an ordinary store.
// - Streaming: the stage asked for its output to bypass the cache (Stage::stream_stores).
//   Lowering keeps the hint only where it proved the store is a full vector at a 16-byte
//   aligned address (given run-time checks it inserted); code generators may then emit a
//   non-temporal (weakly ordered) store and fence after the loop nest, or treat it as Normal.
// - StreamingLines: a Streaming store that lowering proved covers whole 64-byte cache lines
//   from a 64-byte aligned address; code generators may store a line per instruction.
enum class StoreHint : uint8_t { Normal, Streaming, StreamingLines };
constexpr int64_t kStreamingPieceBytes = 16;  // what a Streaming store is aligned to
constexpr int64_t kStreamingLineBytes = 64;   // what a StreamingLines store is aligned to
const char* to_string(StoreHint h);

struct StoreNode : StmtNode {
  static constexpr StmtKind kKind = StmtKind::Store;
  const std::shared_ptr<const BufferNode> buffer;
  const Expr value;
  const std::vector<Expr> indices;  // as LoadNode
  const StoreHint hint;
  StoreNode(std::shared_ptr<const BufferNode> b, Expr v, std::vector<Expr> idx,
            StoreHint h = StoreHint::Normal)
      : StmtNode(kKind), buffer(std::move(b)), value(std::move(v)), indices(std::move(idx)), hint(h) {}
  // value's element type must be the buffer's dtype; lanes must match the index lanes.
  static Stmt make(const Buffer& buffer, Expr value, std::vector<Expr> indices,
                   StoreHint hint = StoreHint::Normal);
};

struct SeqNode : StmtNode {
  static constexpr StmtKind kKind = StmtKind::Seq;
  const std::vector<Stmt> seq;
  explicit SeqNode(std::vector<Stmt> s) : StmtNode(kKind), seq(std::move(s)) {}
  // Flattens nested Seqs and drops undefined entries; a single statement is returned as is.
  static Stmt make(std::vector<Stmt> seq);
};

struct IfThenElseNode : StmtNode {
  static constexpr StmtKind kKind = StmtKind::IfThenElse;
  const Expr condition;  // scalar Bool
  const Stmt then_case, else_case;  // else_case may be undefined
  IfThenElseNode(Expr c, Stmt t, Stmt e)
      : StmtNode(kKind), condition(std::move(c)), then_case(std::move(t)), else_case(std::move(e)) {}
  static Stmt make(Expr condition, Stmt then_case, Stmt else_case = Stmt());
};

struct LetStmtNode : StmtNode {
  static constexpr StmtKind kKind = StmtKind::LetStmt;
  const Var var;
  const Expr value;
  const Stmt body;
  LetStmtNode(Var v, Expr val, Stmt b)
      : StmtNode(kKind), var(std::move(v)), value(std::move(val)), body(std::move(b)) {}
  static Stmt make(Var var, Expr value, Stmt body);
};

// Allocates buffer (compact, product of its shape, in its scope) for the duration of body.
struct AllocateNode : StmtNode {
  static constexpr StmtKind kKind = StmtKind::Allocate;
  const Buffer buffer;
  const Stmt body;
  AllocateNode(Buffer b, Stmt s) : StmtNode(kKind), buffer(std::move(b)), body(std::move(s)) {}
  static Stmt make(Buffer buffer, Stmt body);
};

// If condition is false, the kernel stops and returns an error whose message is the
// concatenation of `message` parts (StringImm text and integer values).
struct AssertNode : StmtNode {
  static constexpr StmtKind kKind = StmtKind::Assert;
  const Expr condition;
  const std::vector<Expr> message;
  AssertNode(Expr c, std::vector<Expr> m)
      : StmtNode(kKind), condition(std::move(c)), message(std::move(m)) {}
  static Stmt make(Expr condition, std::vector<Expr> message);
};

// Evaluates an expression for its effect (reserved for calls with effects).
struct EvaluateNode : StmtNode {
  static constexpr StmtKind kKind = StmtKind::Evaluate;
  const Expr value;
  explicit EvaluateNode(Expr v) : StmtNode(kKind), value(std::move(v)) {}
  static Stmt make(Expr value);
};

}  // namespace tessera::ir
