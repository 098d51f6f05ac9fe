// DataType names: "float32", "uint8", "bool", "bfloat16", "handle", "float32x16".
#include "tessera/ir/type.h"

#include <stdexcept>

namespace tessera::ir {

std::string DataType::str() const {
  std::string s;
  switch (code) {
    case TypeCode::Bool: s = "bool"; break;
    case TypeCode::Int: s = "int" + std::to_string(bits); break;
    case TypeCode::UInt: s = "uint" + std::to_string(bits); break;
    case TypeCode::Float: s = "float" + std::to_string(bits); break;
    case TypeCode::BFloat: s = "bfloat" + std::to_string(bits); break;
    case TypeCode::Handle: s = "handle"; break;
    case TypeCode::Complex: s = "complex" + std::to_string(bits); break;
    default: s = "unknown" + std::to_string(static_cast<int>(code)); break;
  }
  if (lanes != 1) s += "x" + std::to_string(lanes);
  return s;
}

namespace {

int parse_int(const std::string& text, const std::string& whole) {
  if (text.empty() || text.size() > 5) throw std::invalid_argument("unknown dtype '" + whole + "'");
  int v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') throw std::invalid_argument("unknown dtype '" + whole + "'");
    v = v * 10 + (c - '0');
  }
  return v;
}

DataType parse_scalar(const std::string& name, const std::string& whole) {
  if (name == "bool") return DataType::Bool();
  if (name == "handle") return DataType::Handle();
  if (name == "bfloat16") return DataType::BFloat16();
  struct Prefix {
    const char* text;
    TypeCode code;
  };
  // Longest prefixes first so "uint" is not read as "int".
  static const Prefix prefixes[] = {{"uint", TypeCode::UInt}, {"int", TypeCode::Int},
                                    {"float", TypeCode::Float}, {"complex", TypeCode::Complex}};
  for (const Prefix& p : prefixes) {
    std::string prefix = p.text;
    if (name.rfind(prefix, 0) != 0) continue;
    int bits = parse_int(name.substr(prefix.size()), whole);
    bool ok = false;
    switch (p.code) {
      case TypeCode::Int:
      case TypeCode::UInt: ok = bits == 8 || bits == 16 || bits == 32 || bits == 64; break;
      case TypeCode::Float: ok = bits == 16 || bits == 32 || bits == 64; break;
      case TypeCode::Complex: ok = bits == 64 || bits == 128; break;
      default: break;
    }
    if (ok) return DataType(p.code, bits);
  }
  throw std::invalid_argument("unknown dtype '" + whole + "'");
}

}  // namespace

DataType DataType::parse(const std::string& name) {
  // Accept the vector form "float32x16" too, so str() round-trips.
  size_t x = name.rfind('x');
  if (x != std::string::npos && x + 1 < name.size() && name.compare(0, 6, "handle") != 0) {
    DataType t = parse_scalar(name.substr(0, x), name);
    int lanes = parse_int(name.substr(x + 1), name);
    if (lanes < 1 || lanes > 65535) throw std::invalid_argument("bad lane count in '" + name + "'");
    return t.with_lanes(lanes);
  }
  return parse_scalar(name, name);
}

}  // namespace tessera::ir
