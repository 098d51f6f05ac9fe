// Array dtypes: names, DLPack codes, NumPy 2 promotion and casting (the operator
// library's, ops/promotion.h, so C++ and Python agree), integer ranges, and exact
// conversions of float16/bfloat16 values.
#pragma once
#include <cstdint>

#include "tessera/dlpack.h"
#include "tessera/ir/type.h"
#include "tessera/ops/promotion.h"

namespace tessera {

using ir::DataType;

inline constexpr DataType bool_ = DataType::Bool();
inline constexpr DataType int8 = DataType::Int(8);
inline constexpr DataType int16 = DataType::Int(16);
inline constexpr DataType int32 = DataType::Int(32);
inline constexpr DataType int64 = DataType::Int(64);
inline constexpr DataType uint8 = DataType::UInt(8);
inline constexpr DataType uint16 = DataType::UInt(16);
inline constexpr DataType uint32 = DataType::UInt(32);
inline constexpr DataType uint64 = DataType::UInt(64);
inline constexpr DataType float16 = DataType::Float(16);
inline constexpr DataType bfloat16 = DataType::BFloat16();
inline constexpr DataType float32 = DataType::Float(32);
inline constexpr DataType float64 = DataType::Float(64);

// True for the scalar dtypes arrays hold (those of ir::kAllDTypes).
bool is_array_dtype(DataType t);
// DLPack codes; from_dl raises OpError(Type) for dtypes arrays do not hold.
DLDataType to_dl(DataType t);
DataType from_dl(DLDataType t);

// NumPy's result_type for two array dtypes, and its casting levels (ops/promotion.h).
inline DataType result_type(DataType a, DataType b) { return ops::result_type({a, b}); }
using ops::can_cast;
using ops::Casting;

// Representable range of an integer dtype (bool: 0 and 1).
int64_t int_min(DataType t);
uint64_t int_max(DataType t);

// IEEE binary16 and bfloat16 bit patterns, rounded to nearest even from a double (one
// rounding, no double rounding through float), and back (exact).
uint16_t float16_bits(double v);
uint16_t bfloat16_bits(double v);
double from_float16_bits(uint16_t bits);
double from_bfloat16_bits(uint16_t bits);

}  // namespace tessera
