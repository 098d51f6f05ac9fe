// Ranges and index mappings through split and fuse relations.
#include "tessera/schedule/relations.h"

#include "tessera/ir/op.h"
#include "tessera/ir/simplify.h"

namespace tessera::schedule {
namespace {

const ir::Range& range_of(const RangeMap& ranges, const IterVar& iv, const StageNode& s) {
  auto it = ranges.find(iv.get());
  if (it == ranges.end())
    throw ScheduleError("stage " + s.name() + ": no range inferred for axis " + iv->var.name());
  return it->second;
}

Expr ceildiv(const Expr& a, const Expr& b) { return ir::simplify(ir::floordiv(a + b - 1, b)); }

bool divides(const Expr& factor, const Expr& extent) {
  return ir::is_const_int(ir::simplify(ir::floormod(extent, factor)), 0);
}

Expr inner_factor(const SplitRelation& r, const Expr& parent_extent) {
  return r.factor.defined() ? r.factor : ceildiv(parent_extent, r.nparts);
}

}  // namespace

void derive_ranges(const StageNode& s, RangeMap* ranges) {
  const Expr zero(int64_t{0});
  for (const Relation& rel : s.relations) {
    if (const auto* sp = std::get_if<SplitRelation>(&rel)) {
      Expr ext = range_of(*ranges, sp->parent, s).extent;
      Expr factor = inner_factor(*sp, ext);
      Expr outer = sp->nparts.defined() ? sp->nparts : ceildiv(ext, factor);
      (*ranges)[sp->outer.get()] = ir::Range(zero, outer);
      (*ranges)[sp->inner.get()] = ir::Range(zero, factor);
    } else {
      const auto& fu = std::get<FuseRelation>(rel);
      Expr e = ir::simplify(range_of(*ranges, fu.outer, s).extent * range_of(*ranges, fu.inner, s).extent);
      (*ranges)[fu.fused.get()] = ir::Range(zero, e);
    }
  }
}

LeafMapping map_to_leaves(const StageNode& s, const RangeMap& ranges) {
  LeafMapping m;
  // Offsets from each variable's range minimum, filled from the leaves back to the roots.
  std::map<const ir::IterVarNode*, Expr> offset;
  for (const IterVar& leaf : s.leaf_iter_vars)
    offset[leaf.get()] = ir::simplify(leaf->var - range_of(ranges, leaf, s).min);
  for (auto it = s.relations.rbegin(); it != s.relations.rend(); ++it) {
    if (const auto* sp = std::get_if<SplitRelation>(&*it)) {
      Expr ext = range_of(ranges, sp->parent, s).extent;
      Expr factor = inner_factor(*sp, ext);
      Expr off = ir::simplify(offset.at(sp->outer.get()) * factor + offset.at(sp->inner.get()));
      offset[sp->parent.get()] = off;
      bool exact = sp->factor.defined() ? divides(factor, ext)
                                        : divides(sp->nparts, ext);
      if (!exact) m.predicates.push_back(off < ext);
    } else {
      const auto& fu = std::get<FuseRelation>(*it);
      Expr inner_ext = range_of(ranges, fu.inner, s).extent;
      Expr off = offset.at(fu.fused.get());
      offset[fu.outer.get()] = ir::simplify(ir::floordiv(off, inner_ext));
      offset[fu.inner.get()] = ir::simplify(ir::floormod(off, inner_ext));
    }
  }
  for (const IterVar& iv : s.all_iter_vars) {
    auto it = offset.find(iv.get());
    if (it == offset.end()) continue;
    m.value[iv.get()] = ir::simplify(range_of(ranges, iv, s).min + it->second);
  }
  return m;
}

}  // namespace tessera::schedule
