// build_library: variants -> lowered kernels -> cached object files per target -> link.
#include <elf.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "ops/aot_link.h"
#include "ops/aot_progress.h"
#include "ops/cache_file.h"
#include "ops/content_hash.h"
#include "ops/jit_disk_cache.h"
#include "tessera/ops/aot.h"
#include "tessera/ops/library.h"
#include "tessera/runtime/cpu_features.h"

namespace tessera::ops::aot {
namespace {

namespace fs = std::filesystem;
using detail::format_seconds;

constexpr int kMaxListedFailures = 10;

// The enabled features of an LLVM feature string that the runtime can check.
std::vector<std::string> checkable_features(const std::string& llvm_features) {
  const std::vector<std::string>& known = runtime::checkable_cpu_features();
  std::set<std::string> out;
  size_t start = 0;
  while (start < llvm_features.size()) {
    size_t end = llvm_features.find(',', start);
    if (end == std::string::npos) end = llvm_features.size();
    std::string f = llvm_features.substr(start, end - start);
    start = end + 1;
    if (f.size() > 1 && f[0] == '+' && std::binary_search(known.begin(), known.end(), f.substr(1)))
      out.insert(f.substr(1));
  }
  return {out.begin(), out.end()};
}

// A complete relocatable ELF object: the header's section table lies within the file.
bool usable_object(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return false;
  const uint64_t size = static_cast<uint64_t>(in.tellg());
  Elf64_Ehdr eh{};
  in.seekg(0);
  if (size < sizeof eh || !in.read(reinterpret_cast<char*>(&eh), sizeof eh)) return false;
  return std::equal(eh.e_ident, eh.e_ident + SELFMAG, ELFMAG) && eh.e_type == ET_REL &&
         eh.e_shoff + uint64_t{eh.e_shnum} * eh.e_shentsize <= size;
}

struct Item {
  const OpDef* op;
  Variant variant;
  std::string name;
  std::vector<std::string> objects;  // per target; empty when the variant failed
};

class Builder {
 public:
  explicit Builder(const Options& options) : options_(options) {
    if (options.output.empty()) throw std::invalid_argument("tessera-aot: no output path given");
    for (const std::string& t : options.targets) targets_.push_back(target_named(t));
    if (targets_.empty()) throw std::invalid_argument("tessera-aot: no target given");
    // Best first: the loader takes the first target the CPU runs.
    std::stable_sort(targets_.begin(), targets_.end(),
                     [](const Target& a, const Target& b) { return a.features.size() > b.features.size(); });
    cache_dir_ = options.cache_dir.empty()
                     ? (fs::absolute(options.output).parent_path() / "tessera-aot-cache").string()
                     : options.cache_dir;
    collect_items();
  }

  Report run() {
    Report report;
    const int64_t total = static_cast<int64_t>(items_.size() * targets_.size());
    unsigned jobs = options_.jobs > 0 ? static_cast<unsigned>(options_.jobs) : std::thread::hardware_concurrency();
    jobs = std::max(1u, std::min<unsigned>(jobs, static_cast<unsigned>(std::max<size_t>(items_.size(), 1))));
    std::fprintf(stderr, "[tessera-aot] %zu variants x %zu targets, %u threads, cache %s\n", items_.size(),
                 targets_.size(), jobs, cache_dir_.c_str());
    detail::ProgressLine progress(total, options_.progress);
    std::vector<std::thread> workers;
    for (unsigned w = 0; w < jobs; ++w)
      workers.emplace_back([&] {
        for (size_t i; (i = next_++) < items_.size();) compile(items_[i], progress);
      });
    for (std::thread& w : workers) w.join();
    progress.finish();
    report.compile_seconds = progress.elapsed();
    report.compiled = compiled_;
    report.reused = total - compiled_ - static_cast<int64_t>(failures_.size() * targets_.size());
    report.failed = static_cast<int64_t>(failures_.size());
    for (size_t f = 0; f < failures_.size() && f < kMaxListedFailures; ++f)
      std::fprintf(stderr, "[tessera-aot] skipped (left to the JIT): %s\n", failures_[f].c_str());

    auto link_start = std::chrono::steady_clock::now();
    link(report);
    report.link_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - link_start).count();
    report.total_seconds = report.compile_seconds + report.link_seconds;
    report.library_bytes = static_cast<int64_t>(fs::file_size(options_.output));
    return report;
  }

 private:
  void collect_items() {
    ensure_registered();
    std::vector<std::string> names = options_.ops.empty() ? list_ops() : options_.ops;
    for (const std::string& name : names) {
      const OpDef* op = find_op(name);
      if (!op) throw std::invalid_argument("tessera-aot: no operator named '" + name + "'");
      for (const Variant& v : library_variants(*op, options_)) items_.push_back({op, v, v.name(op->name), {}});
    }
  }

  void compile(Item& item, detail::ProgressLine& progress) {
    size_t finished = 0;
    try {
      Generated g = item.op->generate(item.variant);
      lower::LowerOptions lo;
      lo.contiguous = item.variant.layout == Layout::Contiguous;
      ir::LoweredFunc func = lower::lower(g.sched, g.args, item.name, lo);
      std::vector<std::string> objects;
      for (const Target& t : targets_) {
        func.name = detail::kernel_symbol(t.name, item.name);  // error messages keep the variant name
        std::string key = ops::detail::ContentHash()
                              .add("tessera aot object")
                              .add(ops::detail::compiler_identity())
                              .add(t.cpu.triple)
                              .add(t.cpu.cpu)
                              .add(t.cpu.features)
                              .add(ops::detail::kernel_ir_text(func))
                              .hex();
        std::string path = cache_dir_ + "/" + key.substr(0, 2) + "/" + key + ".o";
        bool compile_now = !usable_object(path);
        if (compile_now && !ops::detail::write_file_atomically(path, codegen::emit_object({func}, t.cpu)))
          throw std::runtime_error("cannot write " + path);
        objects.push_back(path);
        compiled_ += compile_now;
        progress.done(compile_now);
        ++finished;
      }
      item.objects = std::move(objects);
    } catch (const std::exception& e) {
      std::lock_guard<std::mutex> lock(mu_);
      failures_.push_back(item.name + ": " + e.what());
      for (; finished < targets_.size(); ++finished) progress.done(false);
    }
  }

  void link(Report& report) {
    std::vector<std::string> names, objects;
    std::vector<detail::TableTarget> tables;
    for (const Target& t : targets_) tables.push_back({t.name, t.cpu.cpu, t.features, {}});
    for (const Item& item : items_) {
      if (item.objects.empty()) continue;
      for (size_t t = 0; t < targets_.size(); ++t)
        tables[t].kernels.emplace_back(names.size(), detail::kernel_symbol(targets_[t].name, item.name));
      names.push_back(item.name);
      objects.insert(objects.end(), item.objects.begin(), item.objects.end());
    }
    report.variants = static_cast<int64_t>(names.size());
    report.kernels = static_cast<int64_t>(objects.size());
    std::string table = detail::table_source(names, tables, ops::detail::compiler_identity(), targets_[0].cpu.triple);
    std::string cxx = options_.cxx;
    if (cxx.empty()) cxx = std::getenv("CXX") && *std::getenv("CXX") ? std::getenv("CXX") : "c++";
    detail::link_library(cxx, options_.output, objects, table,
                         cache_dir_ + "/link-" + fs::path(options_.output).filename().string() + "-" +
                             std::to_string(::getpid()));
  }

  const Options& options_;
  std::vector<Target> targets_;
  std::string cache_dir_;
  std::vector<Item> items_;
  std::atomic<size_t> next_{0};
  std::atomic<int64_t> compiled_{0};
  std::mutex mu_;
  std::vector<std::string> failures_;
};

}  // namespace

Target target_named(const std::string& name) {
  codegen::CpuTarget cpu;
  std::string canonical = name;
  if (name == "host") {
    cpu = codegen::CpuTarget::host();
  } else if (name == "x86-64" || name == "baseline") {
    cpu = codegen::CpuTarget::generic_x86_64();
    canonical = "x86-64";
  } else if (name == "x86-64-v3" || name == "x86-64-v4") {
    // The x86-64 micro-architecture levels: AVX2 machines, AVX-512 machines.
    cpu = codegen::CpuTarget::generic_x86_64();
    cpu.cpu = name;
    cpu.features += ",+sse3,+ssse3,+sse4.1,+sse4.2,+popcnt,+cx16,+sahf,+avx,+avx2,+bmi,+bmi2,+f16c,+fma,+lzcnt,+movbe,+xsave";
    if (name == "x86-64-v4") cpu.features += ",+avx512f,+avx512bw,+avx512cd,+avx512dq,+avx512vl,+evex512";
  } else {
    throw std::invalid_argument("tessera-aot: unknown target '" + name +
                                "' (known: host, x86-64, x86-64-v3, x86-64-v4)");
  }
  return {canonical, cpu, checkable_features(cpu.features)};
}

std::vector<Variant> library_variants(const OpDef& op, const Options& options) {
  std::vector<Variant> out;
  auto dtypes_kept = [&](const Variant& v) {
    if (options.dtypes.empty()) return true;
    for (DataType t : v.sig.inputs)
      if (std::find(options.dtypes.begin(), options.dtypes.end(), t) == options.dtypes.end()) return false;
    return true;
  };
  for (const Variant& v : op.enumerate())
    if (dtypes_kept(v) && (!options.filter || options.filter(op, v))) out.push_back(v);
  return out;
}

Report build_library(const Options& options) {
  Builder builder(options);
  Report report = builder.run();
  std::fprintf(stderr, "[tessera-aot] %s: %lld kernels (%lld variants), %lld compiled, %lld cached, %lld failed; "
               "%.1f MB; %s (compile %s, link %s)\n",
               options.output.c_str(), static_cast<long long>(report.kernels), static_cast<long long>(report.variants),
               static_cast<long long>(report.compiled), static_cast<long long>(report.reused),
               static_cast<long long>(report.failed), static_cast<double>(report.library_bytes) / 1e6,
               format_seconds(report.total_seconds).c_str(), format_seconds(report.compile_seconds).c_str(),
               format_seconds(report.link_seconds).c_str());
  return report;
}

}  // namespace tessera::ops::aot
