// The schedule half of the program fuzzer's generator (see program_fuzzer.h): random
// schedules that should be valid, for CPUs (split, fuse, reorder, tile, vectorize,
// parallel, unroll, cache_read/write, rfactor, compute_inline/compute_at) and for GPUs (the
// same transforms, then thread bindings with every other stage inside the thread loops).
#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "program_fuzzer.h"

namespace tessera::fuzz {
namespace {

using ir::Expr;
using ir::IterVar;
using schedule::Schedule;
using schedule::ScheduleError;
using schedule::Stage;
using schedule::StagePtr;
using te::Tensor;

class ScheduleBuilder {
 public:
  ScheduleBuilder(uint64_t seed, const GenOptions& o, GeneratedProgram* out) : r_(seed), opt_(o), out_(out) {}

  Schedule build(const Program& p) {
    std::vector<Tensor> outs;
    for (const TensorInfo& t : p.outputs) outs.push_back(t.tensor);
    Schedule s = schedule::create_schedule(outs);
    sched_ = &s;
    for (const StagePtr& st : compute_stages(s)) {
      uint64_t d = r_.raw();
      if (d % 100 < 12) {
        Tensor t(st->op, 0);
        // Inside a GPU kernel only per-thread storage works for the output's cache.
        std::string scope = (d >> 8) % 3 == 0 && !opt_.gpu ? "global" : "local";
        step("s.cache_write(" + t.name() + ", \"" + scope + "\")", [&] { s.cache_write(t, scope); });
      }
    }
    if (p.has_reduction) rfactor(s, 0);
    for (const TensorInfo& t : p.placeholders) cache_read(s, t.tensor);
    for (const StagePtr& st : compute_stages(s)) loop_transforms(Stage(st));
    auto stages = compute_stages(s);
    if (opt_.gpu) {
      const int mode = r_.below(3);  // one binding pattern for every output of the kernel
      for (const StagePtr& st : stages)
        if (st->is_output) bind_threads(Stage(st), mode);
    }
    for (auto it = stages.rbegin(); it != stages.rend(); ++it)
      if (!(*it)->is_output) opt_.gpu ? gpu_attach(s, *it) : attach(s, *it);
    out_->schedule_text = log_.str();
    return s;
  }

 private:
  static std::vector<StagePtr> compute_stages(const Schedule& s) {
    std::vector<StagePtr> out;
    for (const StagePtr& st : s.stages())
      if (st->op->kind == te::OpKind::Compute) out.push_back(st);
    return out;
  }

  template <class F>
  void step(const std::string& what, F&& f) {
    int idx = next_step_++;
    if (opt_.skip_steps.count(idx)) {
      log_ << "[" << idx << "] (skipped) " << what << "\n";
      return;
    }
    ++out_->schedule_steps;
    log_ << "[" << idx << "] " << what;
    try {
      f();
      log_ << "\n";
    } catch (const ScheduleError& e) {
      out_->schedule_errors.push_back(e.what());
      log_ << "   -> ScheduleError: " << e.what() << "\n";
    } catch (...) {
      log_ << "   -> THREW\n";
      out_->schedule_text = log_.str();
      throw;
    }
  }

  static std::string name(const IterVar& iv) { return iv ? iv->var.name() : "<null>"; }

  // "s[R.rf]", or "s[R.rf#2]" for the second of several stages with one name.
  std::string label(const StagePtr& st) const {
    int same = 0, ordinal = 0;
    for (const StagePtr& o : sched_->stages()) {
      if (o->op->name != st->op->name) continue;
      ++same;
      if (o == st) ordinal = same;
    }
    return "s[" + st->op->name + (same > 1 ? "#" + std::to_string(ordinal) : "") + "]";
  }

  void split(Stage st, const IterVar& iv, int64_t amount, bool nparts, IterVar* outer, IterVar* inner) {
    std::string what = label(st.node()) + "." + (nparts ? "split_nparts(" : "split(") + name(iv) + ", " +
                       std::to_string(amount) + ")";
    step(what, [&] {
      auto [o, i] = nparts ? st.split_nparts(iv, Expr(amount)) : st.split(iv, Expr(amount));
      if (outer) *outer = o;
      if (inner) *inner = i;
    });
  }

  void rfactor(Schedule& s, int depth) {
    uint64_t d0 = r_.raw(), d1 = r_.raw(), d2 = r_.raw();
    if (d0 % 100 >= (depth == 0 ? 35 : 15)) return;
    StagePtr red;
    for (const StagePtr& st : compute_stages(s))
      if (!st->op->reduce_axis.empty()) red = st;  // the last: rf stages come first
    if (!red) return;
    Stage st(red);
    IterVar axis = st.reduce_axis()[d1 % st.reduce_axis().size()];
    int mode = static_cast<int>((d1 >> 16) % 10);
    if (mode < 9) {
      IterVar outer, inner;
      split(st, axis, 1 + static_cast<int64_t>(d2 % 9), (d2 >> 8) % 4 == 0, &outer, &inner);
      axis = mode < 6 ? inner : outer;
    }
    Tensor t(red->op, 0);
    StagePtr rf;
    step("s.rfactor(" + t.name() + ", " + name(axis) + ")", [&] { rf = s[s.rfactor(t, axis)].node(); });
    if (rf && !rf->op->reduce_axis.empty() && depth == 0) rfactor(s, 1);
  }

  // Copies t into a local (or global) stage for one or all of the stages that read it.
  void cache_read(Schedule& s, const Tensor& t) {
    uint64_t d = r_.raw();
    if (d % 100 >= 15) return;
    std::vector<Tensor> readers;
    for (const StagePtr& st : compute_stages(s))
      for (const Tensor& in : st->op->inputs)
        if (in.same_as(t)) readers.emplace_back(st->op, 0);
    if (readers.empty()) return;
    if ((d >> 8) % 2) readers = {readers[(d >> 16) % readers.size()]};
    std::string scope = (d >> 32) % 3 == 0 ? "global" : "local";
    std::string what = "s.cache_read(" + t.name() + ", \"" + scope + "\", {";
    for (size_t i = 0; i < readers.size(); ++i) what += (i ? ", " : "") + label(s[readers[i]].node());
    step(what + "})", [&] { s.cache_read(t, scope, readers); });
  }

  void loop_transforms(Stage st) {
    const std::string sn = label(st.node());
    uint64_t count = r_.raw() % 5;
    for (int j = 0; j < 4; ++j) {
      uint64_t a = r_.raw(), b = r_.raw(), c = r_.raw();
      std::vector<IterVar> leaves = st.leaf_iter_vars();
      if (static_cast<uint64_t>(j) >= count || leaves.empty()) continue;
      int kind = static_cast<int>(a % 10);
      if (kind < 5) {
        split(st, leaves[b % leaves.size()], 1 + static_cast<int64_t>(c % 9), (c >> 8) % 4 == 0, nullptr, nullptr);
      } else if (kind < 7) {
        std::vector<size_t> pairs;
        for (size_t i = 0; i + 1 < leaves.size(); ++i)
          if (leaves[i]->kind == leaves[i + 1]->kind) pairs.push_back(i);
        if (pairs.empty()) continue;
        size_t i = pairs[b % pairs.size()];
        step(sn + ".fuse(" + name(leaves[i]) + ", " + name(leaves[i + 1]) + ")",
             [&] { st.fuse(leaves[i], leaves[i + 1]); });
      } else if (kind == 9) {
        std::vector<IterVar> dp;
        for (const IterVar& iv : leaves) if (iv->kind == ir::IterKind::DataPar) dp.push_back(iv);
        if (dp.size() < 2) continue;
        size_t x = b % dp.size(), y = (x + 1 + (b >> 16) % (dp.size() - 1)) % dp.size();
        int64_t fx = 1 + static_cast<int64_t>(c % 9), fy = 1 + static_cast<int64_t>((c >> 8) % 9);
        step(sn + ".tile(" + name(dp[x]) + ", " + name(dp[y]) + ", " + std::to_string(fx) + ", " + std::to_string(fy) + ")",
             [&] { st.tile(dp[x], dp[y], Expr(fx), Expr(fy)); });
      } else {
        std::mt19937_64 g(b);
        std::vector<IterVar> order = leaves;
        for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[g() % i]);
        std::string what = sn + ".reorder({";
        for (size_t i = 0; i < order.size(); ++i) what += (i ? ", " : "") + name(order[i]);
        step(what + "})", [&] { st.reorder(order); });
      }
    }
    // Annotations go to distinct loops (annotating one loop twice is a user error).
    uint64_t a = r_.raw(), b = r_.raw(), c = r_.raw();
    std::vector<IterVar> free = st.leaf_iter_vars();
    auto data_par = [&] {
      std::vector<IterVar> out;
      for (const IterVar& iv : free) if (iv->kind == ir::IterKind::DataPar) out.push_back(iv);
      return out;
    };
    auto take = [&](const IterVar& iv) { free.erase(std::find(free.begin(), free.end(), iv)); };
    if (a % 100 < 45 && !data_par().empty()) {
      IterVar iv = (a >> 8) % 10 < 8 ? free.back() : data_par()[(a >> 16) % data_par().size()];
      if (iv->kind == ir::IterKind::DataPar) {
        if ((a >> 24) % 2 == 0) {  // the usual pattern: split by a vector width, vectorize the inner loop
          static const int64_t kWidths[] = {2, 3, 4, 4, 8, 8, 16};
          IterVar outer, inner;
          split(st, iv, kWidths[(a >> 32) % std::size(kWidths)], false, &outer, &inner);
          if (inner) {
            free.erase(std::find(free.begin(), free.end(), iv));
            free.push_back(outer);
            iv = inner;
          }
        }
        step(sn + ".vectorize(" + name(iv) + ")", [&] { st.vectorize(iv); });
        if (std::find(free.begin(), free.end(), iv) != free.end()) take(iv);
      }
    }
    if (b % 100 < 35 && !data_par().empty() && !opt_.gpu) {
      IterVar iv = (b >> 8) % 10 < 8 ? data_par().front() : data_par()[(b >> 16) % data_par().size()];
      step(sn + ".parallel(" + name(iv) + ")", [&] { st.parallel(iv); });
      take(iv);
    }
    if (c % 100 < 20 && !free.empty()) {
      IterVar iv = free[(c >> 8) % free.size()];
      step(sn + ".unroll(" + name(iv) + ")", [&] { st.unroll(iv); });
    }
  }

  void attach(Schedule& s, const StagePtr& sp) {
    uint64_t a = r_.raw(), b = r_.raw(), c = r_.raw();
    Stage st(sp);
    const std::string sn = label(st.node());
    std::vector<StagePtr> consumers;
    for (const StagePtr& other : compute_stages(s)) {
      if (other == sp || inlined_.count(other.get())) continue;
      for (const Tensor& in : other->op->inputs)
        if (in.op() == sp->op) { consumers.push_back(other); break; }
    }
    int r = static_cast<int>(a % 10);
    if (r < 3 && sp->op->reduce_axis.empty()) {
      step(sn + ".compute_inline()", [&] { st.compute_inline(); });
      if (sp->attach == schedule::AttachKind::Inline) inlined_.insert(sp.get());
      return;
    }
    if (r < 7 && !consumers.empty()) {
      Stage parent(consumers[b % consumers.size()]);
      const auto& leaves = parent.leaf_iter_vars();
      if (!leaves.empty()) {
        IterVar iv = leaves[(b >> 16) % leaves.size()];
        step(sn + ".compute_at(" + label(parent.node()) + ", " + name(iv) + ")", [&] { st.compute_at(parent, iv); });
        if (c % 2 == 0) step(sn + ".set_scope(\"local\")", [&] { st.set_scope("local"); });
        return;
      }
    }
    if (c % 5 == 0) step(sn + ".set_scope(\"local\")", [&] { st.set_scope("local"); });
  }

  // ---- GPU schedules ----

  // Binds the outermost data-parallel loops of an output stage: mode 0 or 1, a split of the
  // outermost loop by a thread count, outer on blockIdx.x, inner on threadIdx.x; mode 2
  // (with two data-parallel loops), blockIdx.x over the outermost loop and the next one
  // split over blockIdx.y and threadIdx.x. A stage without data-parallel loops (rank 0)
  // runs on one thread.
  void bind_threads(Stage st, int mode) {
    static const int64_t kThreads[] = {1, 2, 7, 32, 64, 100, 128, 256};
    const std::string sn = label(st.node());
    uint64_t a = r_.raw();
    std::vector<IterVar> leaves = st.leaf_iter_vars(), order;
    for (const IterVar& iv : leaves) if (iv->kind == ir::IterKind::DataPar) order.push_back(iv);
    if (order.empty()) return;
    if (leaves[0]->kind != ir::IterKind::DataPar) {  // data-parallel loops first
      for (const IterVar& iv : leaves) if (iv->kind != ir::IterKind::DataPar) order.push_back(iv);
      std::string what = sn + ".reorder({";
      for (size_t i = 0; i < order.size(); ++i) what += (i ? ", " : "") + name(order[i]);
      step(what + "})", [&] { st.reorder(order); });
      leaves = st.leaf_iter_vars();
    }
    const int64_t threads = kThreads[a % std::size(kThreads)];
    auto bind = [&](const IterVar& iv, const char* tag) {
      step(sn + ".bind(" + name(iv) + ", \"" + tag + "\")", [&] { st.bind(iv, tag); });
    };
    IterVar outer, inner;
    if (mode == 2 && leaves.size() >= 2 && leaves[1]->kind == ir::IterKind::DataPar) {
      split(st, leaves[1], threads, false, &outer, &inner);
      bind(leaves[0], "blockIdx.x");
      if (outer) bind(outer, "blockIdx.y");
      if (inner) bind(inner, "threadIdx.x");
    } else {
      split(st, leaves[0], threads, false, &outer, &inner);
      if (outer) bind(outer, "blockIdx.x");
      if (inner) bind(inner, "threadIdx.x");
    }
    // Other stages attach at the innermost bound loop or inside it.
    leaves = st.leaf_iter_vars();
    size_t first = 0;
    for (size_t i = 0; i < leaves.size(); ++i)
      if (is_bound(st, leaves[i])) first = i;
    first_attach_[st.node().get()] = first;
  }

  static bool is_bound(Stage st, const IterVar& iv) {
    auto it = st.node()->attrs.find(iv.get());
    return it != st.node()->attrs.end() && !it->second.thread_tag.empty();
  }

  // A stage that is not an output: inlined, or computed at a loop of a consumer that lies
  // inside the consumer's thread loops, so that each thread computes what it reads.
  void gpu_attach(Schedule& s, const StagePtr& sp) {
    uint64_t a = r_.raw(), b = r_.raw(), c = r_.raw();
    Stage st(sp);
    const std::string sn = label(st.node());
    const bool can_inline = sp->op->reduce_axis.empty();
    auto inline_stage = [&] {
      step(sn + ".compute_inline()", [&] { st.compute_inline(); });
      if (sp->attach == schedule::AttachKind::Inline) inlined_.insert(sp.get());
    };
    std::vector<StagePtr> consumers;
    for (const StagePtr& other : compute_stages(s)) {
      if (other == sp || inlined_.count(other.get())) continue;
      for (const Tensor& in : other->op->inputs)
        if (in.op() == sp->op) { consumers.push_back(other); break; }
    }
    if (can_inline && (a % 10 < 4 || consumers.empty())) return inline_stage();
    if (!consumers.empty()) {
      Stage parent(consumers[b % consumers.size()]);
      const auto leaves = parent.leaf_iter_vars();
      auto it = first_attach_.find(parent.node().get());
      const size_t first = it == first_attach_.end() ? 0 : it->second;
      if (first < leaves.size()) {
        IterVar iv = leaves[first + (b >> 16) % (leaves.size() - first)];
        step(sn + ".compute_at(" + label(parent.node()) + ", " + name(iv) + ")", [&] { st.compute_at(parent, iv); });
        // Mostly per-thread storage; the rest checks that "global" is refused clearly.
        if (c % 10 != 0) step(sn + ".set_scope(\"local\")", [&] { st.set_scope("local"); });
        return;
      }
    }
    if (can_inline) inline_stage();
  }

  Rng r_;
  const GenOptions& opt_;
  GeneratedProgram* out_;
  std::ostringstream log_;
  int next_step_ = 0;
  std::set<const schedule::StageNode*> inlined_;
  std::map<const schedule::StageNode*, size_t> first_attach_;  // GPU: first leaf to attach at
  const Schedule* sched_ = nullptr;
};

}  // namespace

schedule::Schedule random_schedule(uint64_t seed, const GenOptions& options, const Program& program,
                                   GeneratedProgram* out) {
  return ScheduleBuilder(seed, options, out).build(program);
}

}  // namespace tessera::fuzz
