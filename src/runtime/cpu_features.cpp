// CPU feature detection from cpuid (x86-64), under LLVM's feature names.
#include "tessera/runtime/cpu_features.h"

#include <algorithm>
#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define TESSERA_X86 1
#endif

namespace tessera::runtime {
namespace {

#ifdef TESSERA_X86

enum Reg : uint8_t { EAX, EBX, ECX, EDX };
// Register state the OS must save for the feature to be usable.
enum class State : uint8_t { None, Ymm, Zmm };

struct Feature {
  const char* name;
  uint32_t leaf, subleaf;
  Reg reg;
  uint8_t bit;
  State state;
};

constexpr Feature kFeatures[] = {
    {"cx8", 1, 0, EDX, 8, State::None},         {"cmov", 1, 0, EDX, 15, State::None},
    {"mmx", 1, 0, EDX, 23, State::None},        {"fxsr", 1, 0, EDX, 24, State::None},
    {"sse", 1, 0, EDX, 25, State::None},        {"sse2", 1, 0, EDX, 26, State::None},
    {"sse3", 1, 0, ECX, 0, State::None},        {"pclmul", 1, 0, ECX, 1, State::None},
    {"ssse3", 1, 0, ECX, 9, State::None},       {"fma", 1, 0, ECX, 12, State::Ymm},
    {"cx16", 1, 0, ECX, 13, State::None},       {"sse4.1", 1, 0, ECX, 19, State::None},
    {"sse4.2", 1, 0, ECX, 20, State::None},     {"movbe", 1, 0, ECX, 22, State::None},
    {"popcnt", 1, 0, ECX, 23, State::None},     {"aes", 1, 0, ECX, 25, State::None},
    {"xsave", 1, 0, ECX, 26, State::None},      {"avx", 1, 0, ECX, 28, State::Ymm},
    {"f16c", 1, 0, ECX, 29, State::Ymm},        {"rdrnd", 1, 0, ECX, 30, State::None},
    {"fsgsbase", 7, 0, EBX, 0, State::None},    {"bmi", 7, 0, EBX, 3, State::None},
    {"avx2", 7, 0, EBX, 5, State::Ymm},         {"bmi2", 7, 0, EBX, 8, State::None},
    {"avx512f", 7, 0, EBX, 16, State::Zmm},     {"avx512dq", 7, 0, EBX, 17, State::Zmm},
    {"rdseed", 7, 0, EBX, 18, State::None},     {"adx", 7, 0, EBX, 19, State::None},
    {"avx512ifma", 7, 0, EBX, 21, State::Zmm},  {"clflushopt", 7, 0, EBX, 23, State::None},
    {"clwb", 7, 0, EBX, 24, State::None},       {"avx512cd", 7, 0, EBX, 28, State::Zmm},
    {"sha", 7, 0, EBX, 29, State::None},        {"avx512bw", 7, 0, EBX, 30, State::Zmm},
    {"avx512vl", 7, 0, EBX, 31, State::Zmm},    {"avx512vbmi", 7, 0, ECX, 1, State::Zmm},
    {"avx512vbmi2", 7, 0, ECX, 6, State::Zmm},  {"gfni", 7, 0, ECX, 8, State::None},
    {"vaes", 7, 0, ECX, 9, State::Ymm},         {"vpclmulqdq", 7, 0, ECX, 10, State::Ymm},
    {"avx512vnni", 7, 0, ECX, 11, State::Zmm},  {"avx512bitalg", 7, 0, ECX, 12, State::Zmm},
    {"avx512vpopcntdq", 7, 0, ECX, 14, State::Zmm}, {"rdpid", 7, 0, ECX, 22, State::None},
    {"avx512fp16", 7, 0, EDX, 23, State::Zmm},  {"avxvnni", 7, 1, EAX, 4, State::Ymm},
    {"avx512bf16", 7, 1, EAX, 5, State::Zmm},   {"sahf", 0x80000001, 0, ECX, 0, State::None},
    {"lzcnt", 0x80000001, 0, ECX, 5, State::None}, {"sse4a", 0x80000001, 0, ECX, 6, State::None},
    {"prfchw", 0x80000001, 0, ECX, 8, State::None}, {"xop", 0x80000001, 0, ECX, 11, State::Ymm},
    {"fma4", 0x80000001, 0, ECX, 16, State::Ymm}, {"xsaveopt", 0xD, 1, EAX, 0, State::None},
    {"xsavec", 0xD, 1, EAX, 1, State::None},    {"xsaves", 0xD, 1, EAX, 3, State::None},
};

bool cpuid(uint32_t leaf, uint32_t subleaf, uint32_t regs[4]) {
  uint32_t max_leaf = __get_cpuid_max(leaf & 0x80000000u, nullptr);
  if (max_leaf < leaf) return false;
  __cpuid_count(leaf, subleaf, regs[0], regs[1], regs[2], regs[3]);
  return true;
}

// Which register states the OS saves on context switches (XCR0), 0 without OSXSAVE.
uint64_t os_saved_state() {
  uint32_t r[4];
  if (!cpuid(1, 0, r) || !(r[ECX] & (1u << 27))) return 0;
  uint32_t lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (uint64_t{hi} << 32) | lo;
}

bool state_enabled(State s, uint64_t xcr0) {
  constexpr uint64_t kYmm = 0x6, kZmm = 0xE6;  // SSE|AVX, plus opmask and upper ZMM
  switch (s) {
    case State::None: return true;
    case State::Ymm: return (xcr0 & kYmm) == kYmm;
    case State::Zmm: return (xcr0 & kZmm) == kZmm;
  }
  return false;
}

bool detect(const Feature& f) {
  static const uint64_t xcr0 = os_saved_state();
  uint32_t r[4];
  if (!cpuid(f.leaf, f.subleaf, r)) return false;
  return ((r[f.reg] >> f.bit) & 1u) && state_enabled(f.state, xcr0);
}

#endif  // TESSERA_X86

}  // namespace

const std::vector<std::string>& checkable_cpu_features() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
#ifdef TESSERA_X86
    for (const Feature& f : kFeatures) out.emplace_back(f.name);
#endif
    std::sort(out.begin(), out.end());
    return out;
  }();
  return names;
}

bool cpu_has_feature(const std::string& name) {
#ifdef TESSERA_X86
  for (const Feature& f : kFeatures)
    if (name == f.name) return detect(f);
#endif
  (void)name;
  return false;
}

std::vector<std::string> host_cpu_features() {
  std::vector<std::string> out;
  for (const std::string& name : checkable_cpu_features())
    if (cpu_has_feature(name)) out.push_back(name);
  return out;
}

}  // namespace tessera::runtime
