// The bad-input table of files and shared libraries (see bad_input_table.h): operator
// libraries that are missing, truncated, corrupted or foreign; JIT disk-cache entries that
// are truncated, corrupted or another kernel's; and a missing NVRTC or CUDA driver. Each
// row must give a clear error and crash nothing. A damaged cache entry is not the user's
// error: the cache reports it (CacheRead::problem), removes it and compiles the kernel
// again, so its rows check the report and that the rebuilt kernel runs correctly.
#include <dlfcn.h>
#include <elf.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "bad_input_table.h"
#include "ops/cache_file.h"
#include "ops/jit_disk_cache.h"
#include "tessera/codegen/cuda.h"
#include "tessera/lower/lower.h"
#include "tessera/runtime/cuda.h"
#include "tessera/runtime/kernel_abi.h"
#include "tessera/runtime/library.h"
#include "tessera/schedule/schedule.h"
#include "tessera/te/tensor.h"

namespace tessera {
namespace {

namespace fs = std::filesystem;
using testing::BadInputRow;
using testing::Canaries;
using Rows = std::vector<BadInputRow>;

const testing::ExpectedError kLibraryError = testing::error_of<runtime::LibraryError>("runtime::LibraryError");
const testing::ExpectedError kRuntimeError = testing::exactly<std::runtime_error>("std::runtime_error");
const testing::ExpectedError kCudaError = testing::error_of<cuda::CudaError>("cuda::CudaError");

// A scratch directory for one test process, removed at exit.
const std::string& scratch() {
  // Never destroyed: the atexit handler runs after static destructors registered later.
  static const std::string* dir = [] {
    auto* d = new std::string((fs::temp_directory_path() / ("tessera_bad_files_" + std::to_string(getpid()))).string());
    fs::create_directories(*d);
    std::atexit([] { fs::remove_all(scratch()); });
    return d;
  }();
  return *dir;
}

std::vector<char> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string write_bytes(const std::string& name, const std::vector<char>& bytes) {
  std::string path = scratch() + "/" + name;
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return path;
}

// libtessera_runtime.so: a real ELF shared object of this machine, without a library table.
std::string runtime_library() {
  Dl_info info{};
  if (!dladdr(reinterpret_cast<void*>(&tessera_last_error), &info) || !info.dli_fname)
    throw std::runtime_error("cannot find libtessera_runtime.so");
  return info.dli_fname;
}

// The runtime library with `edit` applied to its bytes, under `name`.
std::string edited_runtime(const std::string& name, const std::function<void(std::vector<char>&)>& edit) {
  std::vector<char> bytes = read_bytes(runtime_library());
  edit(bytes);
  return write_bytes(name, bytes);
}

BadInputRow library_row(std::string input, std::string fragment, std::function<std::string()> make_file) {
  return {"runtime::open_library", std::move(input), kLibraryError, std::move(fragment),
          [make_file](Canaries&) { runtime::open_library(make_file()); }};
}

Rows library_rows() {
  auto noise = [](size_t n) {
    std::vector<char> bytes(n);
    std::mt19937 rng(11);
    for (char& c : bytes) c = static_cast<char>(rng());
    return bytes;
  };
  return {
      library_row("a missing file", "does not exist", [] { return scratch() + "/missing.so"; }),
      library_row("a directory", "not an ELF file", [] { return scratch(); }),
      library_row("an empty file", "too small (0 bytes)", [] { return write_bytes("empty.so", {}); }),
      library_row("a text file", "not an ELF file", [] {
        std::string text = "This is a text file and not a library; it is long enough to hold an ELF header.\n";
        return write_bytes("text.so", {text.begin(), text.end()});
      }),
      library_row("random bytes", "not an ELF file", [=] { return write_bytes("random.so", noise(100000)); }),
      library_row("an ELF header and nothing else", "the file is truncated: its program header table needs bytes", [] {
        return edited_runtime("header_only.so", [](std::vector<char>& b) { b.resize(64); });
      }),
      library_row("a shared object truncated to half", "truncated", [] {
        return edited_runtime("half.so", [](std::vector<char>& b) { b.resize(b.size() / 2); });
      }),
      library_row("a shared object missing its last byte", "truncated", [] {
        return edited_runtime("short.so", [](std::vector<char>& b) { b.pop_back(); });
      }),
      library_row("a 32-bit ELF file", "not a 64-bit little-endian ELF file", [] {
        return edited_runtime("elf32.so", [](std::vector<char>& b) { b[EI_CLASS] = ELFCLASS32; });
      }),
      library_row("a big-endian ELF file", "not a 64-bit little-endian ELF file", [] {
        return edited_runtime("big_endian.so", [](std::vector<char>& b) { b[EI_DATA] = ELFDATA2MSB; });
      }),
      library_row("an ELF executable, not a shared object", "not a shared object (ELF type 2)", [] {
        return edited_runtime("executable.so", [](std::vector<char>& b) { b[16] = ET_EXEC; b[17] = 0; });
      }),
      library_row("a shared object of another machine (AArch64)", "built for another machine (ELF machine 183)", [] {
        return edited_runtime("aarch64.so", [](std::vector<char>& b) { b[18] = static_cast<char>(EM_AARCH64); b[19] = 0; });
      }),
      library_row("no program headers", "malformed ELF program headers", [] {
        return edited_runtime("no_phdrs.so", [](std::vector<char>& b) { b[56] = 0; b[57] = 0; });
      }),
      library_row("a shared object without a library table", "not a tessera operator library (no tessera_library_v1",
                  [] { return runtime_library(); }),
  };
}

// ---- the JIT disk cache ----------------------------------------------------------------------

// C(n) = A(n) + B(n), lowered and packed.
ir::LoweredFunc add_kernel(const std::string& name) {
  ir::Var n = te::size_var("n");
  te::Tensor A = te::placeholder({n}, ir::DataType::Float(32), "A");
  te::Tensor B = te::placeholder({n}, ir::DataType::Float(32), "B");
  te::Tensor C = te::compute({n}, [&](ir::Var i) { return A(i) + B(i); }, "C");
  return lower::lower(schedule::create_schedule({C}), {A, B, C}, name);
}

bool adds_correctly(TesseraKernelFn fn) {
  testing::HostArray<float> a({5}), b({5}), c({5});
  testing::fill_random(a, 1);
  testing::fill_random(b, 2);
  TesseraValue args[3];
  args[0].v_handle = a.get();
  args[1].v_handle = b.get();
  args[2].v_handle = c.get();
  int32_t codes[3] = {kTesseraArgTensor, kTesseraArgTensor, kTesseraArgTensor};
  if (fn(args, codes, 3) != 0) return false;
  for (int64_t i = 0; i < 5; ++i)
    if (c.at({i}) != a.at({i}) + b.at({i})) return false;
  return true;
}

// Stores kernel `name` in a fresh cache directory, damages its entry, then reads it back:
// the read must report the damage and remove the entry, and the next lookup must compile
// the kernel again and run it correctly. The row's error is the reported problem.
BadInputRow cache_row(std::string input, std::string fragment,
                      std::function<void(std::vector<char>& entry, const std::string& dir)> damage) {
  return {"JIT disk cache entry", std::move(input), kRuntimeError, std::move(fragment), [damage](Canaries&) {
            static int serial = 0;
            std::string dir = scratch() + "/cache" + std::to_string(++serial);
            const char* before = std::getenv("TESSERA_CACHE_DIR");
            std::shared_ptr<void> restore(nullptr, [saved = std::string(before ? before : ""), had = before != nullptr](void*) {
              if (had) setenv("TESSERA_CACHE_DIR", saved.c_str(), 1);
              else unsetenv("TESSERA_CACHE_DIR");
            });
            setenv("TESSERA_CACHE_DIR", dir.c_str(), 1);
            ir::LoweredFunc f = add_kernel("bad_cache_add" + std::to_string(serial));
            codegen::CpuTarget host = codegen::CpuTarget::host();
            ops::detail::jit_with_disk_cache(f, host);
            std::string key = ops::detail::jit_cache_key(f, host, {});
            std::string path = dir + "/kernels-v1/" + key.substr(0, 2) + "/" + key + ".tko";
            std::vector<char> bytes = read_bytes(path);
            if (bytes.empty()) throw std::logic_error("the cache stored no entry at " + path);
            damage(bytes, dir);
            std::ofstream(path, std::ios::binary | std::ios::trunc)
                .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
            ops::detail::CacheRead r = ops::detail::read_cache_entry(path, key);
            ops::detail::JitKernel k = ops::detail::jit_with_disk_cache(f, host);
            if (r.status == ops::detail::CacheRead::Status::Ok) throw std::logic_error("the damaged entry was accepted");
            if (k.from_disk || !k.fn || !adds_correctly(k.fn))
              throw std::logic_error("the kernel was not rebuilt correctly after the damage");
            throw std::runtime_error("cache entry: " + r.problem);
          }};
}

Rows cache_rows() {
  auto flip = [](size_t from_end) {
    return [from_end](std::vector<char>& b, const std::string&) { b[b.size() - from_end] ^= 0x10; };
  };
  return {
      cache_row("an empty entry", "cache entry: bad header or wrong length", [](std::vector<char>& b, const std::string&) { b.clear(); }),
      cache_row("truncated inside the header", "cache entry: bad header or wrong length", [](std::vector<char>& b, const std::string&) { b.resize(10); }),
      cache_row("truncated to half", "cache entry: bad header or wrong length", [](std::vector<char>& b, const std::string&) { b.resize(b.size() / 2); }),
      cache_row("one byte short", "cache entry: bad header or wrong length", [](std::vector<char>& b, const std::string&) { b.pop_back(); }),
      cache_row("trailing garbage", "cache entry: bad header or wrong length", [](std::vector<char>& b, const std::string&) { b.insert(b.end(), 16, 'x'); }),
      cache_row("a bit flipped in the object", "cache entry: checksum mismatch", flip(100)),
      cache_row("a bit flipped in the magic", "cache entry: bad header or wrong length", [](std::vector<char>& b, const std::string&) { b[0] ^= 0x01; }),
      cache_row("random bytes of the same size", "cache entry: bad header or wrong length", [](std::vector<char>& b, const std::string&) {
        std::mt19937 rng(5);
        for (char& c : b) c = static_cast<char>(rng());
      }),
      cache_row("another kernel's entry under this key", "cache entry: entry of another key", [](std::vector<char>& b, const std::string&) {
        ir::LoweredFunc other = add_kernel("bad_cache_other");
        codegen::CpuTarget host = codegen::CpuTarget::host();
        ops::detail::jit_with_disk_cache(other, host);
        std::string key = ops::detail::jit_cache_key(other, host, {});
        std::string dir = std::getenv("TESSERA_CACHE_DIR");
        b = read_bytes(dir + "/kernels-v1/" + key.substr(0, 2) + "/" + key + ".tko");
      }),
  };
}

// ---- NVRTC and the CUDA driver ---------------------------------------------------------------

Rows cuda_rows() {
  Rows rows = {
      {"codegen::compile_cuda", "NVRTC missing (TESSERA_NVRTC names a file that does not exist)", kRuntimeError,
       "NVRTC (the CUDA runtime compiler) cannot be loaded; tried /nonexistent/libnvrtc.so",
       [](Canaries&) { codegen::compile_cuda("extern \"C\" __global__ void k() {}"); }},
      {"codegen::nvrtc_available", "NVRTC missing", kRuntimeError, "set TESSERA_NVRTC", [](Canaries&) {
         std::string why;
         if (!codegen::nvrtc_available(&why)) throw std::runtime_error(why);
       }},
  };
  // libcuda.so.1 is opened by name; there is no variable to point it elsewhere, so its rows
  // apply where no driver is installed (CI, the build machine).
  if (void* driver = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL)) {
    dlclose(driver);
    std::cout << "libcuda.so.1 is present: the missing-driver rows do not apply here" << std::endl;
    return rows;
  }
  auto driver_row = [](std::string entry, std::function<void()> call) {
    return BadInputRow{std::move(entry), "libcuda.so.1 missing", kCudaError,
                       "the CUDA driver (libcuda.so.1) cannot be loaded", [call](Canaries&) { call(); }};
  };
  rows.push_back(driver_row("cuda::device_alloc", [] { cuda::device_alloc(64); }));
  rows.push_back(driver_row("cuda::compute_capability", [] { cuda::compute_capability(); }));
  rows.push_back(driver_row("cuda::create_stream", [] { cuda::create_stream(); }));
  rows.push_back(driver_row("cuda::synchronize", [] { cuda::synchronize(); }));
  rows.push_back({"cuda::available", "libcuda.so.1 missing", kCudaError, "the CUDA driver (libcuda.so.1) cannot be loaded",
                  [](Canaries&) {
                    std::string why;
                    if (cuda::available(&why) || cuda::device_count() != 0) throw std::logic_error("a device was found");
                    throw cuda::CudaError(why);
                  }});
  return rows;
}

TEST(BadInputTable, EveryFileRowGivesAClearError) {
  // Before anything loads NVRTC: point it at a library that does not exist.
  setenv("TESSERA_NVRTC", "/nonexistent/libnvrtc.so", 1);
  Rows rows;
  for (Rows part : {library_rows(), cache_rows(), cuda_rows()}) rows.insert(rows.end(), part.begin(), part.end());
  testing::run_bad_input_table("files and libraries", rows);
}

}  // namespace
}  // namespace tessera
