// NVRTC, loaded with dlopen: compile_cuda and nvrtc_available (tessera/codegen/cuda.h).
#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <stdexcept>

#include "tessera/codegen/cuda.h"
#include "tessera/runtime/cuda.h"

namespace tessera::codegen {
namespace {

using nvrtcResult = int;
using nvrtcProgram = struct _nvrtcProgram*;

struct Nvrtc {
  nvrtcResult (*nvrtcVersion)(int*, int*);
  nvrtcResult (*nvrtcGetNumSupportedArchs)(int*);
  nvrtcResult (*nvrtcGetSupportedArchs)(int*);
  nvrtcResult (*nvrtcCreateProgram)(nvrtcProgram*, const char*, const char*, int, const char* const*,
                                    const char* const*);
  nvrtcResult (*nvrtcDestroyProgram)(nvrtcProgram*);
  nvrtcResult (*nvrtcCompileProgram)(nvrtcProgram, int, const char* const*);
  nvrtcResult (*nvrtcGetPTXSize)(nvrtcProgram, size_t*);
  nvrtcResult (*nvrtcGetPTX)(nvrtcProgram, char*);
  nvrtcResult (*nvrtcGetCUBINSize)(nvrtcProgram, size_t*);
  nvrtcResult (*nvrtcGetCUBIN)(nvrtcProgram, char*);
  nvrtcResult (*nvrtcGetProgramLogSize)(nvrtcProgram, size_t*);
  nvrtcResult (*nvrtcGetProgramLog)(nvrtcProgram, char*);
  const char* (*nvrtcGetErrorString)(nvrtcResult);
  std::string library;        // the path it was loaded from
  std::string include_dir;    // holds cuda_fp16.h; empty when not found
  std::vector<int> archs;     // supported sm_ numbers, ascending
};

struct Loaded {
  Nvrtc api{};
  bool ok = false;
  std::string why;
};

bool is_file(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string parent(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

std::string find_include_dir(const std::string& library) {
  std::vector<std::string> candidates;
  for (const char* env : {"TESSERA_CUDA_INCLUDE", "CUDA_HOME", "CUDA_PATH"}) {
    const char* v = std::getenv(env);
    if (!v || !*v) continue;
    candidates.push_back(std::string(v) + (std::string(env) == "TESSERA_CUDA_INCLUDE" ? "" : "/include"));
  }
  if (!library.empty()) {
    std::string lib_dir = parent(library);
    for (const char* rel : {"/../include", "/../../include", "/../targets/x86_64-linux/include",
                            "/../../cuda_runtime/include"})
      candidates.push_back(lib_dir + rel);
  }
  candidates.push_back("/usr/local/cuda/include");
  for (const std::string& dir : candidates)
    if (is_file(dir + "/cuda_fp16.h")) return dir;
  return "";
}

template <class F>
bool resolve(void* lib, const char* symbol, F** slot, std::string* why) {
  *slot = reinterpret_cast<F*>(dlsym(lib, symbol));
  if (!*slot) *why = std::string("NVRTC has no entry point ") + symbol;
  return *slot != nullptr;
}

Loaded load() {
  Loaded d;
  std::vector<std::string> names;
  if (const char* env = std::getenv("TESSERA_NVRTC"); env && *env) {
    names.push_back(env);  // an explicit choice: nothing else
  } else {
    for (const char* n : {"libnvrtc.so", "libnvrtc.so.13", "libnvrtc.so.12", "/usr/local/cuda/lib64/libnvrtc.so",
                          "/usr/local/cuda/lib64/libnvrtc.so.13", "/usr/local/cuda/lib64/libnvrtc.so.12"})
      names.push_back(n);
  }
  void* lib = nullptr;
  std::string tried;
  for (const std::string& n : names) {
    lib = dlopen(n.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (lib) break;
    tried += (tried.empty() ? "" : ", ") + n;
  }
  if (!lib) {
    d.why = "NVRTC (the CUDA runtime compiler) cannot be loaded; tried " + tried +
            " (install the CUDA toolkit's NVRTC or set TESSERA_NVRTC to libnvrtc.so's path)";
    return d;
  }
  Nvrtc& a = d.api;
  bool ok = resolve(lib, "nvrtcVersion", &a.nvrtcVersion, &d.why) &&
            resolve(lib, "nvrtcGetNumSupportedArchs", &a.nvrtcGetNumSupportedArchs, &d.why) &&
            resolve(lib, "nvrtcGetSupportedArchs", &a.nvrtcGetSupportedArchs, &d.why) &&
            resolve(lib, "nvrtcCreateProgram", &a.nvrtcCreateProgram, &d.why) &&
            resolve(lib, "nvrtcDestroyProgram", &a.nvrtcDestroyProgram, &d.why) &&
            resolve(lib, "nvrtcCompileProgram", &a.nvrtcCompileProgram, &d.why) &&
            resolve(lib, "nvrtcGetPTXSize", &a.nvrtcGetPTXSize, &d.why) &&
            resolve(lib, "nvrtcGetPTX", &a.nvrtcGetPTX, &d.why) &&
            resolve(lib, "nvrtcGetCUBINSize", &a.nvrtcGetCUBINSize, &d.why) &&
            resolve(lib, "nvrtcGetCUBIN", &a.nvrtcGetCUBIN, &d.why) &&
            resolve(lib, "nvrtcGetProgramLogSize", &a.nvrtcGetProgramLogSize, &d.why) &&
            resolve(lib, "nvrtcGetProgramLog", &a.nvrtcGetProgramLog, &d.why) &&
            resolve(lib, "nvrtcGetErrorString", &a.nvrtcGetErrorString, &d.why);
  if (!ok) return d;
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(a.nvrtcVersion), &info) && info.dli_fname) {
    char real[PATH_MAX];
    a.library = realpath(info.dli_fname, real) ? real : info.dli_fname;
  }
  a.include_dir = find_include_dir(a.library);
  int n = 0;
  if (a.nvrtcGetNumSupportedArchs(&n) == 0 && n > 0) {
    a.archs.resize(n);
    a.nvrtcGetSupportedArchs(a.archs.data());
    std::sort(a.archs.begin(), a.archs.end());
  }
  d.ok = true;
  return d;
}

const Nvrtc& nvrtc() {
  static const Loaded loaded = load();
  if (!loaded.ok) throw std::runtime_error(loaded.why);
  return loaded.api;
}

// The requested architecture, or the first GPU's (90 without one), clamped to what NVRTC
// knows: a newer GPU then runs the PTX.
int choose_arch(const Nvrtc& api, int requested) {
  int arch = requested;
  if (arch <= 0) arch = cuda::available() ? cuda::compute_capability(0) : 90;
  if (api.archs.empty() || std::find(api.archs.begin(), api.archs.end(), arch) != api.archs.end()) return arch;
  int best = 0;
  for (int a : api.archs)
    if (a <= arch) best = a;
  if (best == 0)
    throw std::runtime_error("NVRTC cannot compile for sm_" + std::to_string(arch) + "; its oldest target is sm_" +
                             std::to_string(api.archs.front()));
  return best;
}

std::string program_log(const Nvrtc& api, nvrtcProgram prog) {
  size_t size = 0;
  if (api.nvrtcGetProgramLogSize(prog, &size) != 0 || size <= 1) return "";
  std::string log(size, '\0');
  api.nvrtcGetProgramLog(prog, log.data());
  log.resize(size - 1);
  return log;
}

}  // namespace

bool nvrtc_available(std::string* why) {
  try {
    nvrtc();
    return true;
  } catch (const std::exception& e) {
    if (why) *why = e.what();
    return false;
  }
}

CudaBinary compile_cuda(const std::string& source, const CudaTarget& target, const std::string& name) {
  const Nvrtc& api = nvrtc();
  if (const char* dump = std::getenv("TESSERA_DUMP_CUDA"); dump && *dump && *dump != '0')
    std::cerr << "=== CUDA source " << name << "\n" << source << std::flush;
  CudaBinary out;
  out.arch = choose_arch(api, target.arch);
  std::vector<std::string> options = {"--gpu-architecture=sm_" + std::to_string(out.arch), "-std=c++17",
                                      "--fmad=false"};
  if (target.line_info) options.push_back("-lineinfo");
  if (target.fast_compile) options.push_back("--Ofast-compile=max");
  if (!api.include_dir.empty()) options.push_back("-I" + api.include_dir);
  std::vector<const char*> argv;
  for (const std::string& o : options) argv.push_back(o.c_str());

  nvrtcProgram prog = nullptr;
  if (nvrtcResult r = api.nvrtcCreateProgram(&prog, source.c_str(), name.c_str(), 0, nullptr, nullptr); r != 0)
    throw std::runtime_error("NVRTC cannot create a program for " + name + ": " + api.nvrtcGetErrorString(r));
  struct Destroy {
    const Nvrtc& api;
    nvrtcProgram* prog;
    ~Destroy() { api.nvrtcDestroyProgram(prog); }
  } destroy{api, &prog};

  nvrtcResult r = api.nvrtcCompileProgram(prog, static_cast<int>(argv.size()), argv.data());
  out.log = program_log(api, prog);
  if (r != 0) {
    std::string msg = "NVRTC failed to compile " + name + " for sm_" + std::to_string(out.arch) + " (" +
                      api.nvrtcGetErrorString(r) + "):\n" + out.log;
    if (api.include_dir.empty())
      msg += "\n(no CUDA include folder with cuda_fp16.h was found; set TESSERA_CUDA_INCLUDE)";
    throw std::runtime_error(msg);
  }
  size_t size = 0;
  if (api.nvrtcGetCUBINSize(prog, &size) == 0 && size > 0) {
    out.cubin.resize(size);
    api.nvrtcGetCUBIN(prog, reinterpret_cast<char*>(out.cubin.data()));
  }
  if (api.nvrtcGetPTXSize(prog, &size) == 0 && size > 0) {
    out.ptx.resize(size);
    api.nvrtcGetPTX(prog, out.ptx.data());
    out.ptx.resize(size - 1);  // drop the terminating NUL
  }
  return out;
}

}  // namespace tessera::codegen
