/* The calling convention of every tessera kernel (C ABI, shared by the JIT, the
 * ahead-of-time library and the runtime).
 *
 *   int32_t kernel(const TesseraValue* args, const int32_t* type_codes, int32_t num_args);
 *
 * Each argument is a tensor (a DLTensor*, type code kTesseraArgTensor), an int64 scalar
 * (kTesseraArgInt) or a float64 scalar (kTesseraArgFloat). The kernel validates count,
 * kinds, ndim, dtype, device and shape relations first; on a violation it records a
 * message with tessera_error_* and returns non-zero without touching memory. The caller
 * reads the message with tessera_last_error(). */
#pragma once
#include <stdint.h>

#include "tessera/dlpack.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef union {
  int64_t v_int64;
  double v_float64;
  void* v_handle;
} TesseraValue;

enum {
  kTesseraArgInt = 0,
  kTesseraArgFloat = 2,
  kTesseraArgTensor = 7,
};

typedef int32_t (*TesseraKernelFn)(const TesseraValue* args, const int32_t* type_codes,
                                   int32_t num_args);

/* Body of a parallel loop: runs iterations [begin, end). Returns 0 or an error code. */
typedef int32_t (*TesseraParallelBody)(int64_t begin, int64_t end, void* closure);

/* Runtime services that generated code calls (defined in libtessera_runtime). */
int32_t tessera_parallel_for(TesseraParallelBody body, void* closure, int64_t extent);
void tessera_error_begin(void);
void tessera_error_str(const char* text);
void tessera_error_int(int64_t value);
/* Appends a dtype name from code | bits << 8 | lanes << 16, or a device name. */
void tessera_error_dtype(int64_t packed);
void tessera_error_device(int64_t device_type);
/* Names used by those ("float32", "cuda"); NULL for values without a name. */
const char* tessera_dtype_name(int64_t packed);
const char* tessera_device_name(int64_t device_type);
/* Message of the last failed kernel on this thread ("" if none). */
const char* tessera_last_error(void);
/* Scratch memory for stages that do not fit on the stack; 64-byte aligned. */
void* tessera_workspace_alloc(int64_t bytes);
void tessera_workspace_free(void* ptr);
/* Output size in bytes from which streaming (non-temporal) stores pay off: half the
 * last-level cache, read once. TESSERA_STREAMING_STORES overrides it: "0"/"off" = never
 * stream (returns INT64_MAX), a byte count = that threshold. */
int64_t tessera_streaming_store_bytes(void);

#ifdef __cplusplus
}
#endif
