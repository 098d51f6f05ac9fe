// CUDA C type names and the helper functions that give generated kernels the semantics of
// tessera/ir/expr.h (floor division, shifts, NaN-propagating min/max, NumPy remainder, ...).
#include "codegen/cuda/emitter.h"
#include "tessera/ir/expr.h"

namespace tessera::codegen::cuda_detail {

std::string c_type(DataType t) {
  using ir::TypeCode;
  switch (t.code) {
    case TypeCode::Bool: return "bool";
    case TypeCode::Int:
      if (t.bits == 8) return "signed char";
      if (t.bits == 16) return "short";
      if (t.bits == 32) return "int";
      if (t.bits == 64) return "long long";
      break;
    case TypeCode::UInt:
      if (t.bits == 8) return "unsigned char";
      if (t.bits == 16) return "unsigned short";
      if (t.bits == 32) return "unsigned int";
      if (t.bits == 64) return "unsigned long long";
      break;
    case TypeCode::Float:
      if (t.bits == 16) return "__half";
      if (t.bits == 32) return "float";
      if (t.bits == 64) return "double";
      break;
    case TypeCode::BFloat: return "__nv_bfloat16";
    case TypeCode::Handle: return "void*";
    case TypeCode::Complex: break;
  }
  throw ir::IRError("tessera CUDA codegen: unsupported type " + t.str());
}

std::string storage_type(DataType t) { return t.is_bool() ? "unsigned char" : c_type(t.element_of()); }

namespace {

const char* kCommon = R"(// ---- tessera prelude: the semantics of tessera/ir/expr.h ----
template <class T> __device__ __forceinline__ constexpr bool tessera_signed() { return (T)-1 < (T)0; }

// Floor division and modulo; x / 0 == x % 0 == 0, and MIN / -1 wraps to MIN.
template <class T> __device__ __forceinline__ T tessera_floordiv(T a, T b) {
  if (b == 0) return 0;
  if constexpr (sizeof(T) == 8) {  // 32-bit division is much cheaper; most indices fit
    if (((unsigned long long)a | (unsigned long long)b) < 0x80000000ull)
      return (T)((unsigned int)a / (unsigned int)b);
  }
  if constexpr (tessera_signed<T>()) {
    if (b == (T)-1) return (T)(0ull - (unsigned long long)a);
    T q = (T)(a / b), r = (T)(a % b);
    return (r != 0 && ((r < 0) != (b < 0))) ? (T)(q - 1) : q;
  } else {
    return (T)(a / b);
  }
}
template <class T> __device__ __forceinline__ T tessera_floormod(T a, T b) {
  if (b == 0) return 0;
  if constexpr (sizeof(T) == 8) {
    if (((unsigned long long)a | (unsigned long long)b) < 0x80000000ull)
      return (T)((unsigned int)a % (unsigned int)b);
  }
  if constexpr (tessera_signed<T>()) {
    if (b == (T)-1) return 0;
    T r = (T)(a % b);
    return (r != 0 && ((r < 0) != (b < 0))) ? (T)(r + b) : r;
  } else {
    return (T)(a % b);
  }
}

// NumPy shifts: an amount < 0 or >= the width gives 0 (and -1 for >> of a negative value).
template <class T> __device__ __forceinline__ bool tessera_shift_out(T b) {
  return (unsigned long long)(long long)b >= sizeof(T) * 8;
}
template <class T> __device__ __forceinline__ T tessera_shl(T a, T b) {
  return tessera_shift_out(b) ? (T)0 : (T)((unsigned long long)(long long)a << (int)b);
}
template <class T> __device__ __forceinline__ T tessera_shr(T a, T b) {
  if constexpr (tessera_signed<T>()) return (T)(a >> (tessera_shift_out(b) ? (int)(sizeof(T) * 8 - 1) : (int)b));
  else return tessera_shift_out(b) ? (T)0 : (T)(a >> (int)b);
}

// Wrapping integer power; a negative exponent gives 0, except for bases 1 and -1.
template <class T> __device__ __forceinline__ T tessera_ipow(T base, T e) {
  if constexpr (tessera_signed<T>()) {
    if (e < 0) return base == 1 ? (T)1 : base == (T)-1 ? ((e & 1) ? (T)-1 : (T)1) : (T)0;
  }
  unsigned long long r = 1, p = (unsigned long long)(long long)base, k = (unsigned long long)e;
  for (; k != 0; k >>= 1) {
    if (k & 1) r *= p;
    p *= p;
  }
  return (T)r;
}

template <class T> __device__ __forceinline__ T tessera_iabs(T x) {
  return x < 0 ? (T)(0ull - (unsigned long long)(long long)x) : x;
}

// Max(a, b) = (a >= b || isnan(a)) ? a : b; Min likewise (NaN propagates).
template <class T> __device__ __forceinline__ T tessera_max(T a, T b) { return a >= b ? a : b; }
template <class T> __device__ __forceinline__ T tessera_min(T a, T b) { return a <= b ? a : b; }
__device__ __forceinline__ float tessera_max(float a, float b) { return (a >= b || a != a) ? a : b; }
__device__ __forceinline__ float tessera_min(float a, float b) { return (a <= b || a != a) ? a : b; }
__device__ __forceinline__ double tessera_max(double a, double b) { return (a >= b || a != a) ? a : b; }
__device__ __forceinline__ double tessera_min(double a, double b) { return (a <= b || a != a) ? a : b; }

// NumPy's remainder: the sign of the divisor; a zero result takes the divisor's sign.
__device__ __forceinline__ float tessera_remainder(float a, float b) {
  float m = fmodf(a, b);
  if (m == 0.0f) return copysignf(0.0f, b);
  return ((b < 0.0f) != (m < 0.0f)) ? m + b : m;
}
__device__ __forceinline__ double tessera_remainder(double a, double b) {
  double m = fmod(a, b);
  if (m == 0.0) return copysign(0.0, b);
  return ((b < 0.0) != (m < 0.0)) ? m + b : m;
}

template <class To, class From> __device__ __forceinline__ To tessera_bitcast(From x) {
  static_assert(sizeof(To) == sizeof(From), "bit cast between types of different widths");
  To r;
  memcpy(&r, &x, sizeof(r));
  return r;
}

// N contiguous elements in one access when the address allows (16, 8, 4 or 2 bytes),
// element by element otherwise (DLPack promises only element alignment).
template <int N, class T> __device__ __forceinline__ void tessera_vload(T (&dst)[N], const T* src) {
  constexpr int kBytes = N * (int)sizeof(T);
  const unsigned long long address = (unsigned long long)src;
  if constexpr (kBytes == 16) {
    if ((address & 15) == 0) { uint4 v = *(const uint4*)src; memcpy(dst, &v, 16); return; }
  } else if constexpr (kBytes == 8) {
    if ((address & 7) == 0) { uint2 v = *(const uint2*)src; memcpy(dst, &v, 8); return; }
  } else if constexpr (kBytes == 4) {
    if ((address & 3) == 0) { unsigned int v = *(const unsigned int*)src; memcpy(dst, &v, 4); return; }
  } else if constexpr (kBytes == 2) {
    if ((address & 1) == 0) { unsigned short v = *(const unsigned short*)src; memcpy(dst, &v, 2); return; }
  }
#pragma unroll
  for (int i = 0; i < N; ++i) dst[i] = src[i];
}
template <int N, class T> __device__ __forceinline__ void tessera_vstore(T* dst, const T (&src)[N]) {
  constexpr int kBytes = N * (int)sizeof(T);
  const unsigned long long address = (unsigned long long)dst;
  if constexpr (kBytes == 16) {
    if ((address & 15) == 0) { uint4 v; memcpy(&v, src, 16); *(uint4*)dst = v; return; }
  } else if constexpr (kBytes == 8) {
    if ((address & 7) == 0) { uint2 v; memcpy(&v, src, 8); *(uint2*)dst = v; return; }
  } else if constexpr (kBytes == 4) {
    if ((address & 3) == 0) { unsigned int v; memcpy(&v, src, 4); *(unsigned int*)dst = v; return; }
  } else if constexpr (kBytes == 2) {
    if ((address & 1) == 0) { unsigned short v; memcpy(&v, src, 2); *(unsigned short*)dst = v; return; }
  }
#pragma unroll
  for (int i = 0; i < N; ++i) dst[i] = src[i];
}
)";

// PTX's cvt.f32.f16 turns every NaN into the canonical one; the CPU keeps its sign and
// payload, and signbit/copysign of a float16 NaN must see its sign (as NumPy does).
const std::string kHalfToFloat = R"(
__device__ __forceinline__ float tessera_half_to_float(__half h) {
  unsigned int b = __half_as_ushort(h);
  if ((b & 0x7c00u) == 0x7c00u && (b & 0x3ffu) != 0u)
    return __uint_as_float(((b & 0x8000u) << 16) | 0x7f800000u | ((b & 0x3ffu) << 13));
  return __half2float(h);
}
)";

// The 16-bit float helpers are written once as a template over the type's pieces.
const char* kHalfLike = R"(
__device__ __forceinline__ HALF tessera_max(HALF a, HALF b) {
  float x = TO_FLOAT(a), y = TO_FLOAT(b);
  return (x >= y || x != x) ? a : b;
}
__device__ __forceinline__ HALF tessera_min(HALF a, HALF b) {
  float x = TO_FLOAT(a), y = TO_FLOAT(b);
  return (x <= y || x != x) ? a : b;
}
__device__ __forceinline__ HALF tessera_neg(HALF x) { return FROM_BITS((unsigned short)(AS_BITS(x) ^ 0x8000u)); }
__device__ __forceinline__ HALF tessera_fabs(HALF x) { return FROM_BITS((unsigned short)(AS_BITS(x) & 0x7fffu)); }
__device__ __forceinline__ bool tessera_signbit(HALF x) { return (AS_BITS(x) & 0x8000u) != 0; }
// One step of the bit pattern toward y (NaNs propagate, y when equal, the smallest
// subnormal with y's sign from zero).
__device__ __forceinline__ HALF tessera_nextafter(HALF x, HALF y) {
  float fx = TO_FLOAT(x), fy = TO_FLOAT(y);
  if (fy != fy) return y;
  if (fx != fx) return x;
  if (fx == fy) return y;
  unsigned short bx = AS_BITS(x);
  if (fx == 0.0f) return FROM_BITS((unsigned short)(1u | (AS_BITS(y) & 0x8000u)));
  return FROM_BITS((unsigned short)(((fx < fy) == (fx > 0.0f)) ? bx + 1u : bx - 1u));
}
)";

std::string half_like(const std::string& type, const std::string& to_float, const std::string& as_bits,
                      const std::string& from_bits) {
  std::string s = kHalfLike;
  auto replace_all = [&](const std::string& from, const std::string& to) {
    for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
  };
  replace_all("HALF", type);
  replace_all("TO_FLOAT", to_float);
  replace_all("AS_BITS", as_bits);
  replace_all("FROM_BITS", from_bits);
  return s;
}

}  // namespace

std::string prelude(bool fp16, bool bf16) {
  std::string s;
  if (fp16) s += "#include <cuda_fp16.h>\n";
  if (bf16) s += "#include <cuda_bf16.h>\n";
  s += kCommon;
  if (fp16) s += kHalfToFloat + half_like("__half", "__half2float", "__half_as_ushort", "__ushort_as_half");
  if (bf16) s += half_like("__nv_bfloat16", "__bfloat162float", "__bfloat16_as_ushort", "__ushort_as_bfloat16");
  return s + "// ---- end of prelude ----\n\n";
}

}  // namespace tessera::codegen::cuda_detail
