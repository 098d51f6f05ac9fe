// Index expressions shared within a statement (see CudaEmitter::share_common).
//
// A strided kernel's coordinates (floor division and modulo of the fused index) appear once
// per operand; a contiguous kernel's vector base once per access. Each repeated one is
// computed into a `const` before the statement, outermost first among chains that always
// occur together, so the source stays readable and no recomputation is left to NVRTC.
#include <cstdint>
#include <unordered_set>

#include "codegen/cuda/emitter.h"
#include "tessera/ir/printer.h"
#include "tessera/ir/utils.h"

namespace tessera::codegen::cuda_detail {

void CudaEmitter::share_common(const std::vector<ir::Expr>& roots) {
  std::unordered_set<const ir::VarNode*> bound_inside;
  for (const ir::Expr& root : roots)
    ir::post_order_visit(root, [&](const ir::Expr& x) {
      if (const auto* l = x.as<ir::LetNode>()) bound_inside.insert(l->var.get());
    });
  auto eligible = [&](const ir::Expr& x) {
    if (x.kind() != ir::ExprKind::Binary || !x.type().is_integer() || x.type().is_vector()) return false;
    if (reads_memory(x)) return false;
    for (const ir::Var& v : ir::free_vars(x))
      if (bound_inside.count(v.get()) || !names_.count(v.get()) || arrays_.count(v.get())) return false;
    return true;
  };
  using Entry = std::pair<std::string, size_t>;  // bucket key, index in the bucket
  std::vector<Entry> order;                      // children before parents
  std::vector<std::pair<Entry, Entry>> child_of;  // (child, parent) occurrences
  auto entry_of = [&](const ir::Expr& x) -> Entry {
    std::string key = ir::to_string(x);
    std::vector<Shared>& bucket = shared_[key];
    for (size_t i = 0; i < bucket.size(); ++i)
      if (ir::equal(bucket[i].expr, x)) return {key, i};
    return {key, SIZE_MAX};
  };
  for (const ir::Expr& root : roots) {
    if (!root.defined()) continue;
    ir::post_order_visit(root, [&](const ir::Expr& x) {
      if (!eligible(x)) return;
      Entry e = entry_of(x);
      std::vector<Shared>& bucket = shared_[e.first];
      if (e.second == SIZE_MAX) {
        bucket.push_back({x, 0, ""});
        e.second = bucket.size() - 1;
        order.push_back(e);
      }
      ++bucket[e.second].count;
      const auto* bin = x.as<ir::BinaryNode>();
      for (const ir::Expr& child : {bin->a, bin->b})
        if (eligible(child)) child_of.emplace_back(entry_of(child), e);
    });
  }
  auto count = [&](const Entry& e) { return shared_[e.first][e.second].count; };
  for (const Entry& e : order) {
    if (count(e) < 2 || !shared_[e.first][e.second].name.empty()) continue;
    // Only the outermost of a chain that always occurs together gets a name.
    bool subsumed = false;
    for (const auto& [child, parent] : child_of)
      subsumed = subsumed || (child == e && count(parent) == count(e));
    if (subsumed) continue;
    const ir::Expr x = shared_[e.first][e.second].expr;
    std::string value = expr(x);
    std::string name = fresh("idx");
    line("const " + c_type(x.type()) + " " + name + " = " + value + ";");
    shared_[e.first][e.second].name = name;
  }
}

const std::string* CudaEmitter::shared_name(const ir::Expr& e) const {
  auto it = shared_.find(ir::to_string(e));
  if (it == shared_.end()) return nullptr;
  for (const Shared& sh : it->second)
    if (!sh.name.empty() && ir::equal(sh.expr, e)) return &sh.name;
  return nullptr;
}

}  // namespace tessera::codegen::cuda_detail
