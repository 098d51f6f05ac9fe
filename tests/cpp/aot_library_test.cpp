// Ahead-of-time operator libraries: build a small one with the builder API, load it, run
// operators through it without the JIT, and refuse bad files with clear errors.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "ops/aot_link.h"
#include "ops/kernel_cache.h"
#include "tessera/ops/aot.h"
#include "tessera/ops/dispatch.h"
#include "tessera/ops/reduction.h"
#include "tessera/runtime/cpu_features.h"
#include "tessera/runtime/library.h"

namespace {

namespace fs = std::filesystem;
using namespace tessera;
using ops::DataType;
using runtime::LibraryError;

const DataType kF32 = DataType::Float(32), kI32 = DataType::Int(32);

// Built once for the whole file: add, sqrt, sum and cumulative_sum of float32 and int32.
struct Fixture {
  std::string dir, library;
  ops::aot::Report report;
};

Fixture& fixture() {
  static Fixture* f = [] {
    auto* fx = new Fixture();
    char tmpl[] = "/tmp/tessera-aot-test-XXXXXX";
    fx->dir = mkdtemp(tmpl);
    fx->library = fx->dir + "/libsmall_ops.so";
    ops::aot::Options o;
    o.output = fx->library;
    o.ops = {"add", "sqrt", "sum", "cumulative_sum"};
    o.filter = [](const ops::OpDef&, const ops::Variant& v) { return v.sig.inputs[0] == kF32 || v.sig.inputs[0] == kI32; };
    o.jobs = 2;
    o.progress = ops::aot::Progress::Off;
    fx->report = ops::aot::build_library(o);
    return fx;
  }();
  return *f;
}

// Removes the fixture's directory after the last test.
class RemoveFixtureDir : public ::testing::Environment {
 public:
  void TearDown() override {
    if (!std::getenv("TESSERA_AOT_CHILD")) fs::remove_all(fixture().dir);
  }
};
[[maybe_unused]] ::testing::Environment* const kCleanup = ::testing::AddGlobalTestEnvironment(new RemoveFixtureDir);

// A compact host array seen as a DLTensor (any strides may be set afterwards).
template <class T>
struct Array {
  std::vector<T> data;
  std::vector<int64_t> shape, strides;
  DLTensor dl{};
  explicit Array(std::vector<int64_t> s) : shape(std::move(s)) {
    int64_t n = 1;
    strides.assign(shape.size(), 1);
    for (size_t d = shape.size(); d-- > 0;) strides[d] = n, n *= shape[d];
    data.assign(static_cast<size_t>(n), T{});
    dl.data = data.data();
    dl.device = {kDLCPU, 0};
    dl.ndim = static_cast<int32_t>(shape.size());
    dl.dtype = std::is_floating_point_v<T> ? DLDataType{kDLFloat, uint8_t(8 * sizeof(T)), 1}
                                           : DLDataType{kDLInt, uint8_t(8 * sizeof(T)), 1};
    dl.shape = shape.data();
    dl.strides = strides.data();
  }
  T& at(int64_t i, int64_t j) { return data[static_cast<size_t>(i * strides[0] + j * strides[1])]; }
};

template <class T>
void fill_random(Array<T>& a, uint32_t seed) {
  std::mt19937 rng(seed);
  for (T& x : a.data) x = std::is_floating_point_v<T> ? static_cast<T>(std::uniform_real_distribution<double>(0, 9)(rng))
                                                      : static_cast<T>(rng() % 2001) - 1000;
}

// Writes C source and compiles it into a shared object (for files that are not real libraries).
std::string compile_shared(const std::string& name, const std::string& source) {
  std::string c = fixture().dir + "/" + name + ".c", so = fixture().dir + "/" + name + ".so";
  std::ofstream(c) << source;
  std::string cmd = "cc -shared -fPIC -o " + so + " " + c;
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  return so;
}

// A library whose kernel `fake` returns 7, with the given targets' features.
std::string fake_library(const std::string& name, const std::vector<std::vector<std::string>>& target_features,
                         const std::string& edit_from = "", const std::string& edit_to = "") {
  std::vector<ops::aot::detail::TableTarget> targets;
  for (size_t t = 0; t < target_features.size(); ++t)
    targets.push_back({"target" + std::to_string(t), "generic", target_features[t], {{0, "tk_fake"}}});
  std::string source = "#include <stdint.h>\nint32_t tk_fake(const void* a, const int32_t* c, int32_t n) { return 7; }\n" +
                       ops::aot::detail::table_source({"fake__variant"}, targets, "test", "x86_64-pc-linux-gnu");
  if (!edit_from.empty()) {
    size_t at = source.find(edit_from);
    EXPECT_NE(at, std::string::npos) << edit_from;
    if (at != std::string::npos) source.replace(at, edit_from.size(), edit_to);
  }
  return compile_shared(name, source);
}

// The loader's message for `path`, or "" when it loads.
std::string load_error(const std::string& path, const runtime::LoadOptions& options = {}) {
  try {
    runtime::open_library(path, options);
    return "";
  } catch (const LibraryError& e) {
    return e.what();
  }
}

// Runs this binary again with only the child test and the given environment; its status.
int run_child(const std::string& library_env, const std::string& expect) {
  pid_t pid = fork();
  if (pid == 0) {
    setenv("TESSERA_OPS_LIBRARY", library_env.c_str(), 1);
    setenv("TESSERA_CACHE_DIR", "off", 1);
    setenv("TESSERA_AOT_CHILD", expect.c_str(), 1);
    execl("/proc/self/exe", "aot_library_test", "--gtest_filter=AotLibraryChild.*", "--gtest_brief=1",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(AotLibraryChild, AddFromTheEnvironmentsLibrary) {
  const char* expect = std::getenv("TESSERA_AOT_CHILD");
  if (!expect) GTEST_SKIP() << "runs as a child of AotLibrary.EnvironmentVariableLoadsLibraries";
  Array<float> a({5000}), b({5000}), c({5000});
  fill_random(a, 11);
  fill_random(b, 12);
  ops::call("add", {&a.dl, &b.dl}, {&c.dl});
  for (size_t i = 0; i < c.data.size(); ++i) ASSERT_EQ(c.data[i], a.data[i] + b.data[i]);
  ops::detail::KernelSources s = ops::detail::kernel_sources();
  EXPECT_EQ(s.library, std::string(expect) == "library" ? 1 : 0);
  EXPECT_EQ(s.compiled, std::string(expect) == "library" ? 0 : 1);
}

TEST(AotLibrary, EnvironmentVariableLoadsLibraries) {
  if (std::getenv("TESSERA_AOT_CHILD")) GTEST_SKIP();
  EXPECT_EQ(run_child(fixture().library, "library"), 0);
  EXPECT_EQ(run_child("/no/such/dir/libops.so::" + fixture().library, "library"), 0) << "bad entries are skipped";
  EXPECT_EQ(run_child(fixture().dir + "/missing.so", "jit"), 0) << "a library that cannot load leaves the JIT";
}

TEST(AotLibrary, BuildsEveryVariantForBothTargets) {
  const ops::aot::Report& r = fixture().report;
  EXPECT_EQ(r.failed, 0);
  EXPECT_GT(r.variants, 0);
  EXPECT_EQ(r.kernels, 2 * r.variants);
  EXPECT_EQ(r.compiled + r.reused, r.kernels);
  EXPECT_GT(r.library_bytes, 0);
  std::printf("[ aot ] %lld variants, %lld kernels, %.0f KB, %.1f s\n", static_cast<long long>(r.variants),
              static_cast<long long>(r.kernels), r.library_bytes / 1e3, r.total_seconds);
}

TEST(AotLibrary, DispatchRunsLibraryKernelsWithoutTheJit) {
  setenv("TESSERA_CACHE_DIR", "off", 1);  // anything not in the library is compiled (and counted)
  std::shared_ptr<const runtime::Library> lib = runtime::load_library(fixture().library);
  EXPECT_EQ(lib->target(), "host");
  const int64_t compiled_before = ops::compiled_kernel_count();
  const int64_t library_before = ops::detail::kernel_sources().library;

  // add: contiguous (rank 1) and a transposed view (strided rank 2).
  Array<float> a({37, 70}), b({37, 70}), c({37, 70});
  fill_random(a, 1);
  fill_random(b, 2);
  ops::call("add", {&a.dl, &b.dl}, {&c.dl});
  for (size_t i = 0; i < c.data.size(); ++i) ASSERT_EQ(c.data[i], a.data[i] + b.data[i]) << i;
  Array<float> bt({70, 37}), ct({37, 70});
  fill_random(bt, 3);
  std::swap(bt.shape[0], bt.shape[1]);
  std::swap(bt.strides[0], bt.strides[1]);
  ops::call("add", {&a.dl, &bt.dl}, {&ct.dl});
  for (int64_t i = 0; i < 37; ++i)
    for (int64_t j = 0; j < 70; ++j) ASSERT_EQ(ct.at(i, j), a.at(i, j) + bt.at(i, j));

  // sqrt of int32 computes in float64.
  Array<int32_t> x({1000});
  Array<double> y({1000});
  for (int32_t i = 0; i < 1000; ++i) x.data[i] = i * 7;
  ops::call("sqrt", {&x.dl}, {&y.dl});
  for (int32_t i = 0; i < 1000; ++i) ASSERT_EQ(y.data[i], std::sqrt(static_cast<double>(i * 7)));

  // sum over each axis and over all, and cumulative sums along each axis (int32: exact).
  Array<int32_t> m({64, 300});
  fill_random(m, 4);
  Array<int64_t> rows({300}), cols({64}), all({});
  ops::reduce("sum", &m.dl, {0}, false, std::nullopt, &rows.dl);
  ops::reduce("sum", &m.dl, {1}, false, std::nullopt, &cols.dl);
  ops::reduce("sum", &m.dl, {}, false, std::nullopt, &all.dl);
  int64_t total = 0;
  for (int64_t j = 0; j < 300; ++j) {
    int64_t s = 0;
    for (int64_t i = 0; i < 64; ++i) s += m.at(i, j);
    ASSERT_EQ(rows.data[j], s);
  }
  for (int64_t i = 0; i < 64; ++i) {
    int64_t s = 0;
    for (int64_t j = 0; j < 300; ++j) s += m.at(i, j);
    ASSERT_EQ(cols.data[i], s);
    total += s;
  }
  EXPECT_EQ(all.data[0], total);
  for (int axis : {0, 1}) {
    Array<int64_t> cum({64, 300});
    ops::cumulative("cumulative_sum", &m.dl, axis, std::nullopt, false, &cum.dl);
    for (int64_t i = 0; i < 64; ++i)
      for (int64_t j = 0; j < 300; ++j) {
        int64_t prev = axis == 0 ? (i ? cum.at(i - 1, j) : 0) : (j ? cum.at(i, j - 1) : 0);
        ASSERT_EQ(cum.at(i, j), prev + m.at(i, j)) << axis << " " << i << " " << j;
      }
  }
  EXPECT_EQ(ops::compiled_kernel_count(), compiled_before) << "no kernel was compiled";
  EXPECT_GE(ops::detail::kernel_sources().library - library_before, 8);

  // A mixed-dtype call is not in the library: the JIT compiles it.
  Array<float> f({1000});
  Array<double> g({1000});
  ops::call("add", {&f.dl, &y.dl}, {&g.dl});
  EXPECT_EQ(ops::compiled_kernel_count(), compiled_before + 1);
  unsetenv("TESSERA_CACHE_DIR");
}

TEST(AotLibrary, BaselineTargetRunsWhereHostFeaturesAreMissing) {
  runtime::LoadOptions sse2_only;
  sse2_only.cpu_features = std::vector<std::string>{"cx8", "fxsr", "mmx", "sse", "sse2"};
  std::shared_ptr<const runtime::Library> lib = runtime::open_library(fixture().library, sse2_only);
  EXPECT_EQ(lib->target(), "x86-64");
  const ops::OpDef* add = ops::find_op("add");
  ops::Variant v{*add->type_rule({kF32, kF32}), 1, ops::Layout::Contiguous, "llvm", {}};
  TesseraKernelFn fn = lib->find(v.name("add"));
  ASSERT_NE(fn, nullptr);
  Array<float> a({999}), b({999}), c({999});
  fill_random(a, 5);
  fill_random(b, 6);
  TesseraValue args[3];
  args[0].v_handle = &a.dl;
  args[1].v_handle = &b.dl;
  args[2].v_handle = &c.dl;
  int32_t codes[3] = {kTesseraArgTensor, kTesseraArgTensor, kTesseraArgTensor};
  ASSERT_EQ(fn(args, codes, 3), 0) << tessera_last_error();
  for (size_t i = 0; i < c.data.size(); ++i) ASSERT_EQ(c.data[i], a.data[i] + b.data[i]);
}

TEST(AotLibrary, RefusesACpuWithoutTheFeatures) {
  runtime::LoadOptions none;
  none.cpu_features = std::vector<std::string>{};
  std::string e = load_error(fixture().library, none);
  EXPECT_NE(e.find("lacks features"), std::string::npos) << e;
  EXPECT_NE(e.find("sse2"), std::string::npos) << e;
  if (runtime::cpu_has_feature("avx2")) {
    EXPECT_NE(e.find("avx2"), std::string::npos) << e;
  }

  std::string only = fake_library("needs_imaginary", {{"sse2", "imaginary-feature"}});
  e = load_error(only);
  EXPECT_NE(e.find("imaginary-feature"), std::string::npos) << e;
  EXPECT_EQ(e.find("sse2"), std::string::npos) << "only missing features are named: " << e;
  std::string with_baseline = fake_library("with_baseline", {{"imaginary-feature"}, {}});
  std::shared_ptr<const runtime::Library> lib = runtime::open_library(with_baseline);
  EXPECT_EQ(lib->target(), "target1");
  ASSERT_NE(lib->find("fake__variant"), nullptr);
  EXPECT_EQ(lib->find("fake__variant")(nullptr, nullptr, 0), 7);
}

TEST(AotLibrary, BadFilesGiveClearErrors) {
  const std::string dir = fixture().dir;
  EXPECT_NE(load_error(dir + "/missing.so").find("does not exist"), std::string::npos);

  std::ofstream(dir + "/text.so") << "This is a text file and not a library; it is long enough to hold an ELF header.\n";
  EXPECT_NE(load_error(dir + "/text.so").find("not an ELF file"), std::string::npos) << load_error(dir + "/text.so");
  std::ofstream(dir + "/tiny.so") << "tiny\n";
  EXPECT_NE(load_error(dir + "/tiny.so").find("too small"), std::string::npos) << load_error(dir + "/tiny.so");

  std::vector<char> noise(100000);
  std::mt19937 rng(9);
  for (char& c : noise) c = static_cast<char>(rng());
  std::ofstream(dir + "/random.so", std::ios::binary).write(noise.data(), static_cast<std::streamsize>(noise.size()));
  EXPECT_NE(load_error(dir + "/random.so").find("not an ELF file"), std::string::npos);

  for (double fraction : {0.5, 0.9, 0.0001}) {
    std::string cut = dir + "/truncated.so";
    fs::copy_file(fixture().library, cut, fs::copy_options::overwrite_existing);
    fs::resize_file(cut, static_cast<uintmax_t>(static_cast<double>(fs::file_size(cut)) * fraction));
    std::string e = load_error(cut);
    EXPECT_TRUE(e.find("truncated") != std::string::npos || e.find("too small") != std::string::npos) << e;
    if (fraction == 0.5) std::printf("[ aot ] %s\n", e.c_str());
  }

  std::string plain = compile_shared("plain", "int answer(void) { return 42; }\n");
  EXPECT_NE(load_error(plain).find("no tessera_library_v1 symbol"), std::string::npos) << load_error(plain);

  std::string magic = fake_library("bad_magic", {{}}, "\"TESSLIB\"", "\"NOTLIB\"");
  EXPECT_NE(load_error(magic).find("not a tessera library table"), std::string::npos) << load_error(magic);
  std::string version = fake_library("bad_version", {{}}, "\"TESSLIB\", 1,", "\"TESSLIB\", 99,");
  EXPECT_NE(load_error(version).find("format version 99"), std::string::npos) << load_error(version);
  EXPECT_THROW(runtime::load_library(version), LibraryError);
}

TEST(AotLibrary, UnchangedKernelsAreNotRecompiled) {
  ops::aot::Options o;
  o.output = fixture().dir + "/libagain.so";
  o.cache_dir = fixture().dir + "/tessera-aot-cache";
  o.ops = {"add", "sqrt", "sum", "cumulative_sum"};
  o.filter = [](const ops::OpDef&, const ops::Variant& v) { return v.sig.inputs[0] == kF32 || v.sig.inputs[0] == kI32; };
  o.progress = ops::aot::Progress::Off;
  ops::aot::Report r = ops::aot::build_library(o);
  EXPECT_EQ(r.compiled, 0);
  EXPECT_EQ(r.reused, fixture().report.kernels);
  EXPECT_EQ(runtime::open_library(o.output)->size(), fixture().report.variants);
}

TEST(AotLibrary, BuilderRejectsUnknownNames) {
  ops::aot::Options o;
  o.output = fixture().dir + "/libnever.so";
  o.ops = {"no_such_operator"};
  EXPECT_THROW(ops::aot::build_library(o), std::invalid_argument);
  o.ops = {"add"};
  o.targets = {"pdp-11"};
  EXPECT_THROW(ops::aot::build_library(o), std::invalid_argument);
}

}  // namespace
