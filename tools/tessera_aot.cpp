// tessera-aot: compiles the registered operators ahead of time into one shared library.
//
//   tessera-aot -o libtessera_ops.so [--targets host,x86-64] [--ops add,sum,...]
//               [--dtypes float32,int64,...] [--jobs N] [--cache-dir DIR] [--cxx c++] [--progress auto|lines|off] [--list]
//
// See tessera/ops/aot.h for the variant space, the object cache and the library format.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

#include "tessera/ops/aot.h"
#include "tessera/ops/library.h"

namespace {

using tessera::ops::aot::Options;
using tessera::ops::aot::Progress;

constexpr const char* kUsage =
    "usage: tessera-aot -o OUTPUT.so [options]\n"
    "  --targets LIST   CPU targets, comma-separated: host, x86-64, x86-64-v3, x86-64-v4\n"
    "                   (default: host,x86-64)\n"
    "  --ops LIST       operators to include, comma-separated (default: all registered)\n"
    "  --dtypes LIST    keep only variants whose inputs all have these dtypes (default: all)\n"
    "  --jobs N         worker threads (default: one per core)\n"
    "  --cache-dir DIR  object cache (default: tessera-aot-cache beside the output)\n"
    "  --cxx PATH       C++ compiler driver used to link (default: $CXX or c++)\n"
    "  --progress MODE  auto (updating line on a terminal), lines, or off\n"
    "  --list           print the variants that would be compiled, and exit\n";

std::vector<std::string> split(const std::string& list) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= list.size()) {
    size_t end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    if (end > start) out.push_back(list.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

struct Command {
  Options options;
  bool list = false;
};

Command parse(int argc, char** argv) {
  Command c;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "-o" || arg == "--output") c.options.output = value();
    else if (arg == "--targets") c.options.targets = split(value());
    else if (arg == "--ops") c.options.ops = split(value());
    else if (arg == "--dtypes") {
      for (const std::string& name : split(value())) c.options.dtypes.push_back(tessera::ir::DataType::parse(name));
    } else if (arg == "--jobs") c.options.jobs = std::stoi(value());
    else if (arg == "--cache-dir") c.options.cache_dir = value();
    else if (arg == "--cxx") c.options.cxx = value();
    else if (arg == "--list") c.list = true;
    else if (arg == "--progress") {
      std::string mode = value();
      if (mode == "auto") c.options.progress = Progress::Auto;
      else if (mode == "lines") c.options.progress = Progress::Lines;
      else if (mode == "off") c.options.progress = Progress::Off;
      else throw std::invalid_argument("--progress takes auto, lines or off");
    } else if (arg == "-h" || arg == "--help") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else {
      throw std::invalid_argument("unknown argument '" + arg + "'");
    }
  }
  if (!c.list && c.options.output.empty()) throw std::invalid_argument("no output given (-o)");
  return c;
}

void list_variants(const Options& options) {
  tessera::ops::ensure_registered();
  std::vector<std::string> names = options.ops.empty() ? tessera::ops::list_ops() : options.ops;
  size_t total = 0;
  for (const std::string& name : names) {
    const tessera::ops::OpDef* op = tessera::ops::find_op(name);
    if (!op) throw std::invalid_argument("no operator named '" + name + "'");
    for (const tessera::ops::Variant& v : tessera::ops::aot::library_variants(*op, options)) {
      std::printf("%s\n", v.name(op->name).c_str());
      ++total;
    }
  }
  std::fprintf(stderr, "%zu variants\n", total);
}

}  // namespace

int main(int argc, char** argv) {
  Command command;
  try {
    command = parse(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tessera-aot: %s\n%s", e.what(), kUsage);
    return 2;
  }
  try {
    if (command.list) {
      list_variants(command.options);
      return 0;
    }
    tessera::ops::aot::Report report = tessera::ops::aot::build_library(command.options);
    return report.variants > 0 || report.failed == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tessera-aot: %s\n", e.what());
    return 1;
  }
}
