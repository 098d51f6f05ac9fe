// Statement constructors: each make() checks the invariants stated in stmt.h.
#include "tessera/ir/stmt.h"
#include "tessera/ir/utils.h"

namespace tessera::ir {

namespace {

[[noreturn]] void fail(const std::string& node, const std::string& msg) {
  throw IRError(node + ": " + msg);
}

void require(const std::string& node, const Expr& e, const char* what) {
  if (!e.defined()) fail(node, std::string(what) + " is undefined");
}

void require(const std::string& node, const Stmt& s, const char* what) {
  if (!s.defined()) fail(node, std::string(what) + " is undefined");
}

void require_scalar_bool(const std::string& node, const Expr& e) {
  require(node, e, "condition");
  if (e.type() != DataType::Bool()) fail(node, "condition must be scalar bool, got " + e.type().str());
}

void flatten_into(const Stmt& s, std::vector<Stmt>* out) {
  if (!s.defined()) return;
  if (const auto* seq = s.as<SeqNode>()) {
    for (const Stmt& inner : seq->seq) flatten_into(inner, out);
  } else {
    out->push_back(s);
  }
}

}  // namespace

const char* to_string(ForKind k) {
  switch (k) {
    case ForKind::Serial: return "serial";
    case ForKind::Parallel: return "parallel";
    case ForKind::Vectorized: return "vectorized";
    case ForKind::Unrolled: return "unrolled";
    case ForKind::ThreadBinding: return "thread_binding";
  }
  return "?";
}

const char* to_string(StoreHint h) {
  switch (h) {
    case StoreHint::Normal: return "normal";
    case StoreHint::Streaming: return "streaming";
    case StoreHint::StreamingLines: return "streaming lines";
  }
  return "?";
}

Stmt ForNode::make(Var var, Expr min, Expr extent, ForKind kind, Stmt body, std::string thread_tag) {
  if (!var.defined()) fail("For", "loop variable is undefined");
  std::string node = "For " + var.name();
  require(node, min, "min");
  require(node, extent, "extent");
  require(node, body, "body");
  DataType t = var.type();
  if (!t.is_scalar() || !t.is_integer()) fail(node, "loop variable must be a scalar integer, got " + t.str());
  if (min.type() != t || extent.type() != t)
    fail(node, "min (" + min.type().str() + ") and extent (" + extent.type().str() +
                   ") must have the loop variable's type " + t.str());
  if (uses_var(min, var.get()) || uses_var(extent, var.get()))
    fail(node, "the loop's range must not depend on its own variable");
  if (kind == ForKind::ThreadBinding && thread_tag.empty())
    fail(node, "a thread-bound loop needs a thread tag");
  if (kind != ForKind::ThreadBinding && !thread_tag.empty())
    fail(node, "thread tag '" + thread_tag + "' on a loop that is not thread-bound");
  return Stmt(std::make_shared<const ForNode>(std::move(var), std::move(min), std::move(extent), kind,
                                              std::move(body), std::move(thread_tag)));
}

Stmt StoreNode::make(const Buffer& buffer, Expr value, std::vector<Expr> indices, StoreHint hint) {
  if (!buffer.defined()) fail("Store", "buffer is undefined");
  std::string node = "Store(" + buffer->name + ")";
  require(node, value, "value");
  size_t ndim = buffer->shape.size();
  if (indices.size() != ndim && indices.size() != 1)
    fail(node, "buffer has " + std::to_string(ndim) + " dimension(s) but got " +
                   std::to_string(indices.size()) + " index(es)");
  int lanes = 1;
  for (const Expr& i : indices) {
    require(node, i, "index");
    if (!i.type().is_integer()) fail(node, "index must be an integer, got " + i.type().str());
    int l = i.type().lanes;
    if (l == 1) continue;
    if (lanes != 1 && l != lanes) fail(node, "vector indices have different lanes");
    lanes = l;
  }
  if (value.type().element_of() != buffer->dtype)
    fail(node, "value type " + value.type().str() + " does not match buffer dtype " +
                   buffer->dtype.str());
  if (value.type().lanes != lanes)
    fail(node, "value has " + std::to_string(value.type().lanes) + " lane(s) but the index has " +
                   std::to_string(lanes));
  return Stmt(std::make_shared<const StoreNode>(buffer.ptr(), std::move(value), std::move(indices), hint));
}

Stmt SeqNode::make(std::vector<Stmt> seq) {
  std::vector<Stmt> flat;
  flat.reserve(seq.size());
  for (const Stmt& s : seq) flatten_into(s, &flat);
  if (flat.size() == 1) return flat[0];
  // An empty sequence is a valid no-op statement.
  return Stmt(std::make_shared<const SeqNode>(std::move(flat)));
}

Stmt IfThenElseNode::make(Expr condition, Stmt then_case, Stmt else_case) {
  require_scalar_bool("IfThenElse", condition);
  require("IfThenElse", then_case, "then branch");
  return Stmt(std::make_shared<const IfThenElseNode>(std::move(condition), std::move(then_case),
                                                     std::move(else_case)));
}

Stmt LetStmtNode::make(Var var, Expr value, Stmt body) {
  if (!var.defined()) fail("LetStmt", "variable is undefined");
  std::string node = "LetStmt " + var.name();
  require(node, value, "value");
  require(node, body, "body");
  if (value.type() != var.type())
    fail(node, "value type " + value.type().str() + " differs from variable type " + var.type().str());
  return Stmt(std::make_shared<const LetStmtNode>(std::move(var), std::move(value), std::move(body)));
}

Stmt AllocateNode::make(Buffer buffer, Stmt body) {
  if (!buffer.defined()) fail("Allocate", "buffer is undefined");
  std::string node = "Allocate " + buffer->name;
  require(node, body, "body");
  for (const Expr& e : buffer->shape) require(node, e, "extent");
  return Stmt(std::make_shared<const AllocateNode>(std::move(buffer), std::move(body)));
}

Stmt AssertNode::make(Expr condition, std::vector<Expr> message) {
  require_scalar_bool("Assert", condition);
  for (const Expr& m : message) {
    require("Assert", m, "message part");
    bool ok = m.as<StringImmNode>() ||
              (m.type().is_scalar() && (m.type().is_integer() || m.type().is_bool()));
    if (!ok) fail("Assert", "message parts must be strings or scalar integers, got " + m.type().str());
  }
  return Stmt(std::make_shared<const AssertNode>(std::move(condition), std::move(message)));
}

Stmt EvaluateNode::make(Expr value) {
  require("Evaluate", value, "value");
  return Stmt(std::make_shared<const EvaluateNode>(std::move(value)));
}

}  // namespace tessera::ir
