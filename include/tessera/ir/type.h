// Scalar and vector data types of the IR.
//
// A DataType is (code, bits, lanes). Lanes > 1 only appears after vectorization.
// The codes mirror DLPack's so a kernel argument's dtype maps one-to-one; Complex is
// reserved so complex64/complex128 can be added later without changing the IR's shape.
#pragma once
#include <cstdint>
#include <string>

namespace tessera::ir {

enum class TypeCode : uint8_t {
  Int = 0,     // two's complement, arithmetic wraps
  UInt = 1,    // unsigned, arithmetic wraps
  Float = 2,   // IEEE-754 binary16/32/64
  Handle = 3,  // opaque pointer (buffer data, DLTensor*, argument arrays)
  BFloat = 4,  // bfloat16
  Complex = 5, // reserved
  Bool = 6,    // stored as one byte, values 0 and 1
};

struct DataType {
  TypeCode code = TypeCode::Int;
  uint8_t bits = 32;
  uint16_t lanes = 1;

  constexpr DataType() = default;
  constexpr DataType(TypeCode c, int b, int l = 1)
      : code(c), bits(static_cast<uint8_t>(b)), lanes(static_cast<uint16_t>(l)) {}

  static constexpr DataType Bool(int lanes = 1) { return {TypeCode::Bool, 8, lanes}; }
  static constexpr DataType Int(int bits, int lanes = 1) { return {TypeCode::Int, bits, lanes}; }
  static constexpr DataType UInt(int bits, int lanes = 1) { return {TypeCode::UInt, bits, lanes}; }
  static constexpr DataType Float(int bits, int lanes = 1) { return {TypeCode::Float, bits, lanes}; }
  static constexpr DataType BFloat16(int lanes = 1) { return {TypeCode::BFloat, 16, lanes}; }
  static constexpr DataType Handle() { return {TypeCode::Handle, 64, 1}; }
  // The type of loop variables, shapes, strides and indices.
  static constexpr DataType Index() { return Int(64); }

  constexpr bool is_bool() const { return code == TypeCode::Bool; }
  constexpr bool is_int() const { return code == TypeCode::Int; }
  constexpr bool is_uint() const { return code == TypeCode::UInt; }
  // Int or UInt (not Bool).
  constexpr bool is_integer() const { return is_int() || is_uint(); }
  // Float or BFloat.
  constexpr bool is_float() const { return code == TypeCode::Float || code == TypeCode::BFloat; }
  constexpr bool is_float16() const { return code == TypeCode::Float && bits == 16; }
  constexpr bool is_bfloat16() const { return code == TypeCode::BFloat; }
  constexpr bool is_handle() const { return code == TypeCode::Handle; }
  constexpr bool is_scalar() const { return lanes == 1; }
  constexpr bool is_vector() const { return lanes > 1; }
  constexpr int bytes() const { return (bits + 7) / 8; }

  constexpr DataType element_of() const { return {code, bits, 1}; }
  constexpr DataType with_lanes(int l) const { return {code, bits, l}; }
  constexpr DataType with_bits(int b) const { return {code, b, lanes}; }

  constexpr bool operator==(const DataType& o) const {
    return code == o.code && bits == o.bits && lanes == o.lanes;
  }
  constexpr bool operator!=(const DataType& o) const { return !(*this == o); }

  // "float32", "int8", "bool", "bfloat16", "float32x16", "handle".
  std::string str() const;
  // Inverse of str() for scalar names; throws std::invalid_argument on an unknown name.
  static DataType parse(const std::string& name);
};

// Every scalar dtype tessera generates kernels for, in a fixed order.
inline constexpr DataType kAllDTypes[] = {
    DataType::Bool(),    DataType::Int(8),    DataType::Int(16),   DataType::Int(32),
    DataType::Int(64),   DataType::UInt(8),   DataType::UInt(16),  DataType::UInt(32),
    DataType::UInt(64),  DataType::Float(16), DataType::BFloat16(), DataType::Float(32),
    DataType::Float(64),
};

}  // namespace tessera::ir
