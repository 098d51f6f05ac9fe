// The GPU schedule check (see verify_gpu_schedule.h).
#include "lower/verify_gpu_schedule.h"

#include <map>
#include <set>
#include <string>
#include <vector>

#include "tessera/ir/functor.h"
#include "tessera/ir/printer.h"
#include "tessera/ir/simplify.h"
#include "tessera/schedule/schedule.h"

namespace tessera::lower {
namespace {

using namespace ir;

constexpr int64_t kMaxThreadsPerBlock = 1024;

// The name of the first buffer a statement stores to: the stage a loop belongs to.
std::string stage_of(const Stmt& s) {
  struct Finder : IRVisitor {
    std::string name;
    void visit_store(const StoreNode* op) override {
      if (name.empty()) name = op->buffer->name;
    }
  } finder;
  finder.visit(s);
  return finder.name.empty() ? "(no store)" : finder.name;
}

bool has_thread_loop(const Stmt& s) {
  struct Finder : IRVisitor {
    bool found = false;
    void visit_for(const ForNode* op) override {
      found = found || op->for_kind == ForKind::ThreadBinding;
      IRVisitor::visit_for(op);
    }
  } finder;
  finder.visit(s);
  return finder.found;
}

std::set<std::string> tags_in(const Stmt& s) {
  struct Collector : IRVisitor {
    std::set<std::string> tags;
    void visit_for(const ForNode* op) override {
      if (op->for_kind == ForKind::ThreadBinding) tags.insert(op->thread_tag);
      IRVisitor::visit_for(op);
    }
  } collector;
  collector.visit(s);
  return collector.tags;
}

[[noreturn]] void fail(const std::string& stage, const std::string& msg) {
  throw schedule::ScheduleError("GPU schedule, stage " + stage + ": " + msg);
}

// Storage a kernel allocates: per thread ("local") or per block ("shared"), of a size the
// kernel can declare. Global memory comes only from the function's arguments.
void check_kernel_storage(const Stmt& s) {
  struct Checker : IRVisitor {
    void visit_allocate(const AllocateNode* op) override {
      const Buffer& b = op->buffer;
      if (b->scope != "local" && b->scope != "shared")
        fail(b->name, "is computed inside the kernel but its scope is " + b->scope +
                          "; set_scope(\"local\") (each thread its own copy) or \"shared\"");
      for (const Expr& dim : b->shape)
        if (!as_const_int(simplify(dim)))
          fail(b->name, "needs storage of symbolic size (" + to_string(dim) +
                            ") inside the kernel; compute it at a loop whose inner loops have constant "
                            "extents (split by a constant factor)");
      IRVisitor::visit_allocate(op);
    }
  } checker;
  checker.visit(s);
}

class GpuScheduleChecker : public IRVisitor {
 public:
  explicit GpuScheduleChecker(std::set<std::string> all_tags) : all_tags_(std::move(all_tags)) {}

 protected:
  void visit_for(const ForNode* op) override {
    if (op->for_kind == ForKind::Parallel)
      fail(stage_of(op->body), "axis " + op->var.name() +
                                   " is parallel (CPU threads); bind it to blockIdx/threadIdx instead");
    if (op->for_kind != ForKind::ThreadBinding) {
      if (!active_.empty()) return IRVisitor::visit_for(op);  // runs inside a thread
      if (has_thread_loop(op->body))
        fail(stage_of(op->body), "axis " + op->var.name() +
                                     " is not bound to a GPU thread but encloses thread-bound loops; "
                                     "bind it or move it inside them");
      fail(stage_of(op->body), "axis " + op->var.name() +
                                   " runs outside the kernel's thread-bound loops; bind it (or an outer "
                                   "part split from it) to blockIdx/threadIdx");
    }
    if (active_.empty()) check_reads_of_earlier_nests(op);
    const std::string& tag = op->thread_tag;
    for (const ForNode* outer : active_)
      if (outer->thread_tag == tag)
        fail(stage_of(op->body), "axis " + op->var.name() + " is bound to " + tag +
                                     " inside axis " + outer->var.name() + ", already bound to it");
    if (tag.rfind("threadIdx.", 0) == 0) check_block_size(op);
    active_.push_back(op);
    IRVisitor::visit_for(op);
    active_.pop_back();
  }

  void visit_store(const StoreNode* op) override {
    // Local memory is per thread: each thread computes its own copy (an accumulator).
    if (op->buffer->scope == "local") return IRVisitor::visit_store(op);
    for (const std::string& tag : all_tags_) {
      bool bound = false;
      for (const ForNode* f : active_) bound = bound || f->thread_tag == tag;
      if (!bound)
        fail(op->buffer->name, "stores outside any loop bound to " + tag +
                                   ", which the kernel uses, so every such thread would write it");
    }
    IRVisitor::visit_store(op);
  }

 private:
  void check_block_size(const ForNode* op) {
    const int64_t* extent = as_const_int(op->extent);
    if (!extent)
      fail(stage_of(op->body), "axis " + op->var.name() + " is bound to " + op->thread_tag +
                                   " with a symbolic extent; thread extents must be constants "
                                   "(split it by a constant factor first)");
    int64_t threads = *extent;
    for (const ForNode* f : active_)
      if (f->thread_tag.rfind("threadIdx.", 0) == 0) threads *= *as_const_int(f->extent);
    if (threads > kMaxThreadsPerBlock)
      fail(stage_of(op->body), "binding axis " + op->var.name() + " to " + op->thread_tag + " makes " +
                                   std::to_string(threads) + " threads per block; at most " +
                                   std::to_string(kMaxThreadsPerBlock) + " are allowed");
  }

  // The thread nests of a kernel run at the same time, not one after another: a nest may
  // not read memory that an earlier nest writes (threads of one kernel do not wait for
  // each other). Such a producer must be computed inside its reader's thread loops.
  void check_reads_of_earlier_nests(const ForNode* nest) {
    struct Access : IRVisitor {
      std::map<const VarNode*, std::string> stored, loaded;
      void visit_store(const StoreNode* op) override {
        if (op->buffer->scope != "local" && op->buffer->scope != "shared")
          stored.emplace(op->buffer->data.get(), op->buffer->name);
        IRVisitor::visit_store(op);
      }
      void visit_load(const LoadNode* op) override {
        loaded.emplace(op->buffer->data.get(), op->buffer->name);
        IRVisitor::visit_load(op);
      }
    } access;
    access.visit(nest->body);
    for (const auto& [data, name] : access.loaded)
      if (written_.count(data))
        fail(stage_of(nest->body), "reads " + name + ", which an earlier part of the kernel writes from other "
                                   "GPU threads (they do not wait for each other); compute " + name +
                                   " inside this stage's thread loops (compute_at or compute_inline) or "
                                   "build it as a separate kernel");
    written_.insert(access.stored.begin(), access.stored.end());
  }

  std::set<std::string> all_tags_;
  std::vector<const ForNode*> active_;
  std::map<const VarNode*, std::string> written_;  // global memory stored by earlier nests
};

}  // namespace

ir::Stmt verify_gpu_schedule(const ir::Stmt& s) {
  std::set<std::string> tags = tags_in(s);
  if (tags.empty()) {
    // No thread-bound loop: acceptable only without loops (one thread runs it all).
    struct AnyLoop : IRVisitor {
      const ForNode* loop = nullptr;
      void visit_for(const ForNode* op) override {
        if (!loop) loop = op;
      }
    } any;
    any.visit(s);
    if (any.loop)
      fail(stage_of(any.loop->body), "no axis is bound to a GPU thread; bind axis " +
                                          any.loop->var.name() + " (or parts split from it) to blockIdx/threadIdx");
    check_kernel_storage(s);
    return s;
  }
  GpuScheduleChecker(std::move(tags)).visit(s);
  check_kernel_storage(s);
  return s;
}

}  // namespace tessera::lower
