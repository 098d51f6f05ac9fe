// The per-thread error message that kernels build when a check fails at entry:
// tessera_error_begin(), then text and integers appended in order, read back by the
// caller with tessera_last_error() on the same thread.
#include <string>

#include "tessera/runtime/kernel_abi.h"

namespace {
thread_local std::string tl_last_error;
}

extern "C" {

void tessera_error_begin(void) { tl_last_error.clear(); }

void tessera_error_str(const char* text) {
  if (text != nullptr) tl_last_error += text;
}

void tessera_error_int(int64_t value) { tl_last_error += std::to_string(value); }

const char* tessera_last_error(void) { return tl_last_error.c_str(); }

}  // extern "C"
