// Skips a GPU test, saying why, on machines without a usable GPU or without NVRTC.
#pragma once
#include <gtest/gtest.h>

#include <string>

#include "tessera/codegen/cuda.h"
#include "tessera/runtime/cuda.h"

#define SKIP_WITHOUT_GPU()                                                               \
  do {                                                                                   \
    std::string why;                                                                     \
    if (!::tessera::cuda::available(&why)) GTEST_SKIP() << "no GPU: " << why;            \
    if (!::tessera::codegen::nvrtc_available(&why)) GTEST_SKIP() << "no NVRTC: " << why; \
  } while (0)
