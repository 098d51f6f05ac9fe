// CPU features of the running machine, by LLVM's names ("avx2", "avx512f", "sse4.2", ...).
//
// Operator libraries list the features their code needs under these names; the loader
// checks them here, so the runtime needs neither LLVM nor __builtin_cpu_supports (which
// only takes string literals). On x86-64 the answer comes from cpuid, and the AVX and
// AVX-512 families also require the OS to save their registers (xgetbv), as a running
// program needs. Features this file cannot check are reported as absent; the library
// builder lists only checkable features, so a library never requires an uncheckable one.
// On other architectures nothing is checkable yet and libraries list no features.
#pragma once
#include <string>
#include <vector>

namespace tessera::runtime {

// Every feature name cpu_has_feature() can answer, sorted.
const std::vector<std::string>& checkable_cpu_features();

// True when the running CPU (and OS) support `name`; false for unknown names.
bool cpu_has_feature(const std::string& name);

// The checkable features the running CPU has, sorted.
std::vector<std::string> host_cpu_features();

}  // namespace tessera::runtime
