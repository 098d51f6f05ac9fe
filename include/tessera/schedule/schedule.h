// Schedules: how the loops of each stage run, without changing what they compute.
//
//   Schedule s = create_schedule({C});
//   auto [xo, xi] = s[C].split(s[C].axis()[0], 16);
//   s[C].parallel(xo).vectorize(xi);
//
// A Schedule has one Stage per operation reachable from its outputs. A stage's loops
// start as its root axes (data-parallel axes, then reduction axes) and are transformed
// by split/fuse/reorder; the current loop order is leaf_iter_vars(). Each primitive
// checks its request and throws ScheduleError naming the stage and the axis.
//
// cache_read, cache_write and rfactor rewrite the operation graph: they add a stage and
// replace the operation of existing stages. Tensors obtained before the rewrite still
// select their stage through s[tensor].
#pragma once
#include <array>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "tessera/ir/stmt.h"
#include "tessera/te/tensor.h"

namespace tessera::schedule {

using ir::Expr;
using ir::IterVar;
using te::Operation;
using te::Tensor;

class ScheduleError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// parent -> (outer, inner) with inner extent `factor` (or outer extent `nparts`).
struct SplitRelation {
  IterVar parent, outer, inner;
  Expr factor;  // exactly one of factor/nparts is defined
  Expr nparts;
};
// (outer, inner) -> fused, fused = outer * extent(inner) + inner.
struct FuseRelation {
  IterVar outer, inner, fused;
};
using Relation = std::variant<SplitRelation, FuseRelation>;

enum class AttachKind : uint8_t { Root, Inline, At };

struct IterVarAttr {
  ir::ForKind kind = ir::ForKind::Serial;
  std::string thread_tag;  // for ThreadBinding
};

struct StageNode;
using StagePtr = std::shared_ptr<StageNode>;

struct StageNode {
  Operation op;                        // current operation
  Operation origin_op;                 // operation the stage was created for
  std::vector<IterVar> root_iter_vars; // op->axis then op->reduce_axis
  std::vector<IterVar> all_iter_vars;  // root and derived
  std::vector<IterVar> leaf_iter_vars; // current loop order, outermost first
  std::vector<Relation> relations;     // in the order applied
  std::map<const ir::IterVarNode*, IterVarAttr> attrs;
  AttachKind attach = AttachKind::Root;
  std::weak_ptr<StageNode> attach_stage;
  IterVar attach_ivar;
  std::string scope = "global";        // storage of an intermediate: "global" or "local"
  bool is_output = false;
  bool stream_stores = false;          // see Stage::stream_stores
  std::string name() const { return op->name; }
};

class Schedule;

// A handle to one stage; chaining calls return the same stage.
class Stage {
 public:
  Stage(StagePtr node) : node_(std::move(node)) {}  // NOLINT

  const StagePtr& node() const { return node_; }
  const Operation& op() const { return node_->op; }
  // Root data-parallel axes and reduction axes of the stage's operation.
  const std::vector<IterVar>& axis() const { return node_->op->axis; }
  const std::vector<IterVar>& reduce_axis() const { return node_->op->reduce_axis; }
  const std::vector<IterVar>& leaf_iter_vars() const { return node_->leaf_iter_vars; }

  std::pair<IterVar, IterVar> split(const IterVar& parent, Expr factor);        // (outer, inner)
  std::pair<IterVar, IterVar> split_nparts(const IterVar& parent, Expr nparts); // (outer, inner)
  IterVar fuse(const IterVar& outer, const IterVar& inner);
  IterVar fuse(const std::vector<IterVar>& axes);  // consecutive leaves, outermost first
  Stage& reorder(const std::vector<IterVar>& order);
  // Splits x and y and orders the loops (xo, yo, xi, yi); returns them in that order.
  std::array<IterVar, 4> tile(const IterVar& x, const IterVar& y, Expr x_factor, Expr y_factor);

  Stage& parallel(const IterVar& iv);
  Stage& vectorize(const IterVar& iv);
  Stage& unroll(const IterVar& iv);
  Stage& bind(const IterVar& iv, const std::string& thread_tag);

  Stage& compute_inline();
  Stage& compute_at(const Stage& parent, const IterVar& iv);
  Stage& compute_root();
  Stage& set_scope(const std::string& scope);  // "global" or "local"
  // Stores of this stage bypass the cache (non-temporal stores) when its output is large:
  // writing a big output then costs no read-for-ownership. Lowering decides at run time
  // (output bytes >= the runtime's threshold, aligned data) and otherwise stores normally.
  // Only for kernel outputs that are not reductions (a reduction reads its output back;
  // cache_write it to "local" and stream the copy stage instead).
  Stage& stream_stores();

 private:
  void check_leaf(const IterVar& iv, const char* primitive) const;
  Stage& annotate(const IterVar& iv, ir::ForKind kind, const char* primitive,
                  const std::string& tag = "");
  StagePtr node_;
};

struct ScheduleNode {
  std::vector<Operation> outputs;
  std::vector<StagePtr> stages;  // producers before consumers
  // Every operation a stage ever had (origin or replaced) -> that stage.
  std::map<const te::OperationNode*, StagePtr> stage_of;
};

class Schedule {
 public:
  explicit Schedule(std::shared_ptr<ScheduleNode> n) : node_(std::move(n)) {}
  const std::shared_ptr<ScheduleNode>& node() const { return node_; }

  Stage operator[](const Tensor& t) const;
  Stage operator[](const Operation& op) const;
  const std::vector<StagePtr>& stages() const { return node_->stages; }
  const std::vector<Operation>& outputs() const { return node_->outputs; }

  // A stage that copies t into `scope`, read by `readers` instead of t. Returns the copy.
  Tensor cache_read(const Tensor& t, const std::string& scope, const std::vector<Tensor>& readers);
  // Moves t's computation into a new stage in `scope`; t becomes a copy of it. Returns the
  // new stage's tensor (all outputs of a multi-output op move together; index 0 returned).
  Tensor cache_write(const Tensor& t, const std::string& scope);
  // Turns reduction axis `axis` (a leaf of t's stage derived only by splits of reduction
  // axes) into a data-parallel axis of a new stage that computes partial results; t then
  // reduces the partials. The new axis is the first dimension of the returned tensor.
  Tensor rfactor(const Tensor& t, const IterVar& axis);

  // The current tensor that replaced t (t itself if t's operation was not rewritten).
  Tensor current(const Tensor& t) const;

 private:
  std::shared_ptr<ScheduleNode> node_;
};

Schedule create_schedule(const std::vector<Tensor>& outputs);

}  // namespace tessera::schedule
