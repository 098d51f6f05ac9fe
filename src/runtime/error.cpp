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

const char* tessera_dtype_name(int64_t packed) {
  int64_t code = packed & 0xff, bits = (packed >> 8) & 0xff, lanes = (packed >> 16) & 0xffff;
  if (lanes != 1) return nullptr;
  switch (code) {
    case kDLBool: return bits == 8 ? "bool" : nullptr;
    case kDLInt: return bits == 8 ? "int8" : bits == 16 ? "int16" : bits == 32 ? "int32" : bits == 64 ? "int64" : nullptr;
    case kDLUInt: return bits == 8 ? "uint8" : bits == 16 ? "uint16" : bits == 32 ? "uint32" : bits == 64 ? "uint64" : nullptr;
    case kDLFloat: return bits == 16 ? "float16" : bits == 32 ? "float32" : bits == 64 ? "float64" : nullptr;
    case kDLBfloat: return bits == 16 ? "bfloat16" : nullptr;
    case kDLComplex: return bits == 64 ? "complex64" : bits == 128 ? "complex128" : nullptr;
    default: return nullptr;
  }
}

const char* tessera_device_name(int64_t device_type) {
  switch (device_type) {
    case kDLCPU: return "cpu";
    case kDLCUDA: return "cuda";
    case kDLCUDAHost: return "cuda_host";
    case kDLCUDAManaged: return "cuda_managed";
    case kDLROCM: return "rocm";
    case kDLOpenCL: return "opencl";
    case kDLVulkan: return "vulkan";
    case kDLMetal: return "metal";
    default: return nullptr;
  }
}

void tessera_error_dtype(int64_t packed) {
  if (const char* name = tessera_dtype_name(packed)) {
    tl_last_error += name;
    return;
  }
  tl_last_error += "(code " + std::to_string(packed & 0xff) + ", bits " + std::to_string((packed >> 8) & 0xff) +
                   ", lanes " + std::to_string((packed >> 16) & 0xffff) + ")";
}

void tessera_error_device(int64_t device_type) {
  if (const char* name = tessera_device_name(device_type)) tl_last_error += name;
  else tl_last_error += "device type " + std::to_string(device_type);
}

}  // extern "C"
