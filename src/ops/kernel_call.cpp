// Calling a Kernel with packed arguments. It lives with the operators (LLVM-free), not with
// tessera::build (src/driver), so that dispatch can run library kernels without the compiler.
#include "tessera/build.h"

namespace tessera {

PackedArgs::PackedArgs(const std::vector<KernelArgValue>& args) {
  for (const KernelArgValue& a : args) {
    TesseraValue v{};
    if (const auto* t = std::get_if<DLTensor*>(&a)) {
      v.v_handle = *t;
      codes.push_back(kTesseraArgTensor);
    } else if (const auto* i = std::get_if<int64_t>(&a)) {
      v.v_int64 = *i;
      codes.push_back(kTesseraArgInt);
    } else {
      v.v_float64 = std::get<double>(a);
      codes.push_back(kTesseraArgFloat);
    }
    values.push_back(v);
  }
}

void Kernel::operator()(const std::vector<KernelArgValue>& args) const {
  PackedArgs packed(args);
  if (call(packed.values.data(), packed.codes.data(), static_cast<int32_t>(args.size())) != 0)
    throw KernelError(tessera_last_error());
}

}  // namespace tessera
