// Scalar: value access and printing.
#include <cstdio>

#include "tessera/array/scalar.h"

namespace tessera {

double Scalar::as_double() const {
  if (kind_ == Kind::Float) return float_;
  return big_ ? static_cast<double>(as_uint64()) : static_cast<double>(int_);
}

std::string Scalar::str() const {
  if (kind_ == Kind::Bool) return int_ ? "True" : "False";
  if (kind_ == Kind::Int) return big_ ? std::to_string(as_uint64()) : std::to_string(int_);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", float_);
  return buf;
}

}  // namespace tessera
