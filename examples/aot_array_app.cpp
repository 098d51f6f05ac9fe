// An application of an ahead-of-time operator library: it links libtessera_array and
// libtessera_runtime only (no LLVM, no NVRTC) and loads a library of compiled kernels.
//
//   example_aot_array_app path/to/libexample_aot_ops.so
//
// The build makes that library, tessera_small_ops, with tessera_add_operator_library
// (CMakeLists.txt: the float32 variants of the few operators used here, for this CPU;
// about 80 kernels in a few seconds), and ctest runs this program against it. A variant the library lacks is an
// ops::MissingKernelError naming it, since no JIT is linked; the program checks that too.
#include <cmath>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "tessera/array/all.h"
#include "tessera/runtime/library.h"

using namespace tessera;

namespace {

void print(const char* label, const Array& a) {
  std::printf("%-26s shape (", label);
  for (int d = 0; d < a.ndim(); ++d) std::printf("%s%lld", d ? ", " : "", static_cast<long long>(a.shape(d)));
  std::printf("%s)  [", a.ndim() == 1 ? "," : "");
  std::vector<float> v = a.to_vector<float>();
  for (size_t i = 0; i < v.size(); ++i) std::printf("%s%g", i ? " " : "", v[i]);
  std::printf("]\n");
}

// Exits with a message when `ok` is false: the output is checked, not only printed.
void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "example_aot_array_app: wrong result: %s\n", what);
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OPERATOR_LIBRARY.so\n", argv[0]);
    return 2;
  }
  try {
    auto library = runtime::load_library(argv[1]);
    std::printf("loaded %s: target %s, %lld kernels, JIT %s\n", library->path().c_str(), library->target().c_str(),
                static_cast<long long>(library->size()), ops::jit_available() ? "linked" : "not linked");

    std::vector<float> values(12);
    for (int i = 0; i < 12; ++i) values[i] = static_cast<float>(i);
    Array a = asarray(values, Shape{3, 4});
    Array b = asarray(std::vector<float>{10, 20, 30, 40});
    print("a", a);
    print("b", b);

    Array c = a + b;  // broadcasts the row over a's rows
    print("a + b", c);
    check(c.to_vector<float>()[5] == 25, "a + b");
    Array d = (a - 1.5f) * 2.0f;  // array-scalar arithmetic
    print("(a - 1.5) * 2", d);
    check(d.to_vector<float>()[3] == 3, "(a - 1.5) * 2");
    Array e = sqrt(a.T());  // a strided view, transposed
    print("sqrt(a.T)", e);
    check(std::fabs(e.to_vector<float>()[1] - 2) < 1e-6f, "sqrt(a.T)");

    Array rows = sum(a, 1), cols = mean(a, 0), top = max(a);
    print("sum(a, axis=1)", rows);
    print("mean(a, axis=0)", cols);
    print("max(a)", top);
    check(rows.to_vector<float>() == std::vector<float>{6, 22, 38}, "sum(a, axis=1)");
    check(cols.to_vector<float>()[0] == 4, "mean(a, axis=0)");
    check(top.item<float>() == 11, "max(a)");

    Array every_other = a[{Slice{}, Slice{{}, {}, 2}}];  // a[:, ::2], a view
    every_other += 100.0f;                                // writes through into a
    print("a after a[:, ::2] += 100", a);
    check(a.to_vector<float>()[2] == 102 && a.to_vector<float>()[3] == 3, "in-place on a view");

    // float64 addition: outside the small example library (there, without a JIT, an error
    // naming the variant), inside the full one (scripts/demo.sh runs this with both).
    try {
      Array f = asarray(std::vector<double>{1, 2}) + asarray(std::vector<double>{3, 4});
      std::printf("float64 add: %g %g (the library has it)\n", f.to_vector<double>()[0], f.to_vector<double>()[1]);
    } catch (const ops::MissingKernelError& err) {
      std::printf("float64 add, not in the library: %s\n", err.what());
      check(std::string(err.what()).find("add__float64_float64__float64") != std::string::npos, "missing variant");
    }
    std::printf("ok\n");
    return 0;
  } catch (const std::exception& err) {
    std::fprintf(stderr, "example_aot_array_app: %s\n", err.what());
    return 1;
  }
}
