// The bad-input table of the C++ Array (see bad_input_table.h): views, creation, joining,
// gathering, assignment, in-place operators and DLPack import, given wrong shapes, dtypes,
// ranks, devices, negative or overflowing sizes, 0-d and zero-size arrays. Each row must
// raise tessera::Error (ops::OpError) of NumPy's kind with a clear message and leave the
// arrays it was given unchanged (their elements are watched).
#include <gtest/gtest.h>

#include <limits>

#include "bad_input_table.h"
#include "tessera/array/all.h"
#include "tessera/codegen/llvm.h"

namespace tessera {
namespace {

using testing::BadInputRow;
using testing::Canaries;
using Rows = std::vector<BadInputRow>;

constexpr int64_t kHuge = int64_t{1} << 62;

testing::ExpectedError error_kind(Error::Kind kind, const char* name) {
  return {name, [kind](const std::exception& e) {
            const auto* op = dynamic_cast<const Error*>(&e);
            return op && op->kind() == kind;
          }};
}
const testing::ExpectedError kValue = error_kind(Error::Kind::Value, "Error(Value)");
const testing::ExpectedError kType = error_kind(Error::Kind::Type, "Error(Type)");
const testing::ExpectedError kIndex = error_kind(Error::Kind::Index, "Error(Index)");
const testing::ExpectedError kOverflow = error_kind(Error::Kind::Overflow, "Error(Overflow)");

// 0, 1, 2, ... as float32 of `shape`, watched: a row must not change its elements.
Array watched(Canaries& c, const Shape& shape, DataType dtype = float32) {
  int64_t n = 1;
  for (int64_t e : shape) n *= e;
  Array a = astype(reshape(arange(n), shape), dtype);
  c.watch("array " + a.describe(), [a] {
    std::string s;
    for (double v : a.to_vector<double>()) s += std::to_string(v) + ",";
    return s;
  });
  return a;
}

BadInputRow row(std::string entry, std::string input, testing::ExpectedError error, std::string fragment,
                std::function<void(Canaries&)> call, std::string known_issue = {}) {
  return {std::move(entry), std::move(input), std::move(error), std::move(fragment), std::move(call),
          std::move(known_issue)};
}

Rows view_rows() {
  return {
      row("reshape", "a size that does not match", kValue, "reshape: cannot reshape array of size 6 into shape (4,)",
          [](Canaries& c) { reshape(watched(c, {2, 3}), {4}); }),
      row("reshape", "two unknown dimensions", kValue, "reshape: can only specify one unknown dimension",
          [](Canaries& c) { reshape(watched(c, {2, 3}), {-1, -1}); }),
      row("reshape", "a negative dimension other than -1", kValue, "reshape: negative dimensions not allowed",
          [](Canaries& c) { reshape(watched(c, {2, 3}), {-2, -3}); }),
      row("reshape", "-1 beside a zero dimension", kValue, "reshape: cannot reshape array of size 0",
          [](Canaries& c) { reshape(watched(c, {0, 3}), {0, -1}); }),
      row("reshape", "dimensions whose product overflows int64", kValue, "reshape",
          [](Canaries& c) { reshape(watched(c, {2, 3}), {kHuge, 4, 0, 6}); }),
      row("reshape", "dimensions whose product overflows int64, none zero", kValue, "cannot reshape array of size 6",
          [](Canaries& c) { reshape(watched(c, {2, 3}), {kHuge, 4, 6}); }),
      row("reshape", "copy=false for a view that needs a copy", kValue, "reshape",
          [](Canaries& c) { reshape(watched(c, {2, 3}).T(), {6}, false); }),
      row("Array::operator[]", "an index past the end", kIndex, "index 2 is out of bounds for axis 0 with size 2",
          [](Canaries& c) { watched(c, {2, 3})[2]; }),
      row("Array::operator[]", "a negative index past the start", kIndex,
          "index -4 is out of bounds for axis 1 with size 3", [](Canaries& c) { watched(c, {2, 3})[{0, -4}]; }),
      row("Array::operator[]", "the smallest int64 as index", kIndex, "is out of bounds for axis 0",
          [](Canaries& c) { watched(c, {2, 3})[std::numeric_limits<int64_t>::min()]; }),
      row("Array::operator[]", "an index into a 0-d array", kIndex, "too many indices for array: array is 0-dimensional",
          [](Canaries& c) { watched(c, {})[0]; }),
      row("Array::operator[]", "an index into a zero-size axis", kIndex, "index 0 is out of bounds for axis 0 with size 0",
          [](Canaries& c) { watched(c, {0, 3})[0]; }),
      row("Array::operator[]", "too many indices", kIndex, "too many indices for array: array is 2-dimensional, but 3",
          [](Canaries& c) { watched(c, {2, 3})[{0, 0, 0}]; }),
      row("Array::operator[]", "two ellipses", kIndex, "an index can only have a single ellipsis",
          [](Canaries& c) { watched(c, {2, 3})[{ellipsis, 0, ellipsis}]; }),
      row("Array::operator[]", "a slice step of 0", kValue, "slice step cannot be zero",
          [](Canaries& c) { watched(c, {2, 3})[{Slice{{}, {}, 0}}]; }),
      row("broadcast_to", "a shape the array does not broadcast to", kValue,
          "broadcast_to: array of shape (2, 3) cannot be broadcast to shape (2, 4)",
          [](Canaries& c) { broadcast_to(watched(c, {2, 3}), {2, 4}); }),
      row("broadcast_to", "fewer dimensions than the array", kValue, "broadcast_to: array of shape (2, 3) cannot be",
          [](Canaries& c) { broadcast_to(watched(c, {2, 3}), {3}); }),
      row("broadcast_to", "a negative dimension", kValue, "broadcast_to: negative dimensions are not allowed",
          [](Canaries& c) { broadcast_to(watched(c, {3}), {-1, 3}); }),
      row("permute_dims", "an axis twice", kValue, "permute_dims",
          [](Canaries& c) { permute_dims(watched(c, {2, 3}), {0, 0}); }),
      row("permute_dims", "too few axes", kValue, "permute_dims", [](Canaries& c) { permute_dims(watched(c, {2, 3}), {0}); }),
      row("matrix_transpose", "a 1-d array", kValue, "matrix_transpose: needs at least 2 dimensions",
          [](Canaries& c) { matrix_transpose(watched(c, {3})); }),
      row("swapaxes", "an axis out of range", kValue, "axis 2 is out of bounds for array of dimension 2",
          [](Canaries& c) { swapaxes(watched(c, {2, 3}), 0, 2); }),
      row("moveaxis", "source and destination of different lengths", kValue,
          "moveaxis: source and destination must have the same number of elements",
          [](Canaries& c) { moveaxis(watched(c, {2, 3}), {0, 1}, {0}); }),
      row("expand_dims", "Axes::all()", kValue, "expand_dims: axes must be given",
          [](Canaries& c) { expand_dims(watched(c, {2, 3}), Axes::all()); }),
      row("expand_dims", "an axis beyond the result's rank", kValue, "out of bounds",
          [](Canaries& c) { expand_dims(watched(c, {2, 3}), 3); }),
      row("squeeze", "an axis of length 3", kValue, "squeeze", [](Canaries& c) { squeeze(watched(c, {2, 3}), 1); }),
      row("flip", "an axis out of range", kValue, "out of bounds", [](Canaries& c) { flip(watched(c, {2, 3}), -3); }),
      row("unstack", "a 0-d array", kValue, "out of bounds", [](Canaries& c) { unstack(watched(c, {}), 0); }),
      row("Array::shape(int)", "an axis out of range", kValue, "axis 2 is out of bounds",
          [](Canaries& c) { watched(c, {2, 3}).shape(2); }),
      row("Array::item", "a 2-element array", kValue, "can only convert an array of size 1",
          [](Canaries& c) { watched(c, {2}).item<float>(); }),
      row("index", "an undefined array", kValue, "is undefined (a default-constructed Array)",
          [](Canaries&) { index(Array(), {int64_t{0}}); }),
  };
}

Rows construction_rows() {
  auto storage = [] { return Storage::allocate(64); };
  return {
      row("Array::Array", "a null storage", kValue, "Array: storage is null",
          [](Canaries&) { Array(nullptr, float32, {2}, {1}, 0); }),
      row("Array::Array", "shape and strides of different lengths", kValue, "Array: shape and strides differ in length",
          [=](Canaries&) { Array(storage(), float32, {2, 2}, {1}, 0); }),
      row("Array::Array", "a negative dimension", kValue, "Array: negative dimension in shape (-2,)",
          [=](Canaries&) { Array(storage(), float32, {-2}, {1}, 0); }),
      row("Array::Array", "a view past the end of its storage", kValue, "lies outside its storage of 64 bytes",
          [=](Canaries&) { Array(storage(), float32, {17}, {1}, 0); }),
      row("Array::Array", "a byte offset before the storage", kValue, "lies outside its storage",
          [=](Canaries&) { Array(storage(), float32, {2}, {1}, -4); }),
      row("Array::Array", "a negative stride reaching before the storage", kValue, "lies outside its storage",
          [=](Canaries&) { Array(storage(), float32, {4}, {-1}, 8); }),
      row("Array::Array", "an extent whose span overflows int64", kValue, "lies outside its storage",
          [=](Canaries&) { Array(storage(), float32, {kHuge, 4}, {4, 1}, 0); }),
      row("Array::Array", "33 dimensions", kValue, "Array: at most 32 dimensions are supported",
          [=](Canaries&) { Array(storage(), float32, Shape(33, 1), Shape(33, 0), 0); }),
      row("Array::Array", "a dtype arrays do not hold", kType, "Array: unsupported dtype",
          [=](Canaries&) { Array(storage(), DataType::Float(32, 4), {2}, {1}, 0); }),
      row("empty", "a negative dimension", kValue, "empty: negative dimensions are not allowed",
          [](Canaries&) { empty({2, -1}); }),
      row("zeros", "dimensions whose size overflows int64", kValue, "array is too big",
          [](Canaries&) { zeros({kHuge, 4}, float32); }),
      row("ones", "a size in bytes that overflows int64", kValue, "array is too big",
          [](Canaries&) { ones({int64_t{1} << 61}, float64); }),
      row("full", "an int out of the dtype's range", kOverflow, "full", [](Canaries&) { full({2}, 300, int8); }),
      row("asarray", "too few values for the shape", kValue, "asarray: 3 values do not fill the shape",
          [](Canaries&) { asarray(std::vector<float>{1, 2, 3}, Shape{2, 2}); }),
      row("asarray", "copy=false with a dtype change", kValue, "needs a copy",
          [](Canaries& c) { asarray(watched(c, {3}), float64, false); }),
      row("arange", "a zero step", kValue, "arange: step must not be zero", [](Canaries&) { arange(0, 4, 0); }),
      row("arange", "a length beyond 2^48", kValue, "arange: maximum allowed size exceeded",
          [](Canaries&) { arange(0.0, 1e300, 1.0); }),
      row("arange", "NaN bounds", kValue, "arange: cannot compute length",
          [](Canaries&) { arange(0.0, std::numeric_limits<double>::quiet_NaN(), 1.0); }),
      row("linspace", "a negative count", kValue, "linspace: number of samples, -1, must be non-negative",
          [](Canaries&) { linspace(0, 1, -1); }),
      row("eye", "a negative size", kValue, "negative dimensions", [](Canaries&) { eye(-2); }),
      row("meshgrid", "an unknown indexing", kValue, "meshgrid: indexing must be 'xy' or 'ij', not 'ji'",
          [](Canaries& c) { meshgrid({watched(c, {2}), watched(c, {3})}, "ji"); }),
  };
}

Rows joining_rows() {
  return {
      row("concat", "no arrays", kValue, "concat: need at least one array to concatenate", [](Canaries&) { concat({}); }),
      row("concat", "0-d arrays", kValue, "concat: zero-dimensional arrays cannot be concatenated",
          [](Canaries& c) { concat({watched(c, {}), watched(c, {})}); }),
      row("concat", "ranks that differ", kValue, "concat",
          [](Canaries& c) { concat({watched(c, {2, 3}), watched(c, {3})}); }),
      row("concat", "other extents that differ", kValue, "concat",
          [](Canaries& c) { concat({watched(c, {2, 3}), watched(c, {2, 4})}, 0); }),
      row("concat", "an axis out of range", kValue, "out of bounds",
          [](Canaries& c) { concat({watched(c, {2, 3}), watched(c, {2, 3})}, 2); }),
      row("stack", "shapes that differ", kValue, "stack", [](Canaries& c) { stack({watched(c, {2}), watched(c, {3})}); }),
      row("stack", "no arrays", kValue, "stack: need at least one array to stack", [](Canaries&) { stack({}); }),
      row("roll", "shifts and axes of different lengths", kValue, "roll: shift and axis must have the same length",
          [](Canaries& c) { roll(watched(c, {2, 3}), std::vector<int64_t>{1, 2}, std::vector<int>{0}); }),
      row("tile", "a negative repetition count", kValue, "tile: negative repetition count -1",
          [](Canaries& c) { tile(watched(c, {2}), {-1}); }),
      row("repeat", "a negative count", kValue, "repeat: negative repeat count -2",
          [](Canaries& c) { repeat(watched(c, {2}), -2); }),
      row("repeat", "float counts", kType, "repeat: repeats must be integers, not float32",
          [](Canaries& c) { repeat(watched(c, {2}), watched(c, {2})); }),
      row("repeat", "counts of the wrong length", kValue, "repeat",
          [](Canaries& c) { repeat(watched(c, {2}), asarray(std::vector<int64_t>{1, 2, 3}), 0); }),
      row("broadcast_shapes", "shapes that do not broadcast", kValue, "shapes could not be broadcast together",
          [](Canaries&) { broadcast_shapes({{2, 3}, {4}}); }),
      row("broadcast_arrays", "arrays that do not broadcast", kValue, "could not be broadcast",
          [](Canaries& c) { broadcast_arrays({watched(c, {2, 3}), watched(c, {2})}); }),
      row("take", "an index past the end", kIndex, "out of bounds",
          [](Canaries& c) { take(watched(c, {4}), asarray(std::vector<int64_t>{0, 4})); }),
      row("take", "an index before the start", kIndex, "out of bounds",
          [](Canaries& c) { take(watched(c, {2, 3}), asarray(std::vector<int64_t>{-4}), 1); }),
      row("take", "float indices", kType, "take", [](Canaries& c) { take(watched(c, {4}), watched(c, {2})); }),
      row("take", "an index into a zero-size axis", kIndex, "take: cannot do a non-empty take from an empty axis",
          [](Canaries& c) { take(watched(c, {0}), asarray(std::vector<int64_t>{0})); }),
      row("take", "an axis out of range", kValue, "out of bounds",
          [](Canaries& c) { take(watched(c, {2, 3}), asarray(std::vector<int64_t>{0}), 2); }),
      row("take_along_axis", "indices of another rank", kValue, "take_along_axis",
          [](Canaries& c) { take_along_axis(watched(c, {2, 3}), asarray(std::vector<int64_t>{0}), 1); }),
      row("take_along_axis", "an index past the end", kIndex, "out of bounds",
          [](Canaries& c) {
            take_along_axis(watched(c, {2, 3}), asarray(std::vector<int64_t>{0, 3}, Shape{2, 1}), 1);
          }),
  };
}

Rows write_rows() {
  return {
      row("Array::assign", "a read-only array", kValue, "assign: assignment destination is read-only",
          [](Canaries& c) { watched(c, {3}).readonly().assign(1); }),
      row("Array::assign", "a broadcast view (read-only)", kValue, "assignment destination is read-only",
          [](Canaries& c) { broadcast_to(watched(c, {3}), {2, 3}).assign(watched(c, {2, 3})); }),
      row("Array::assign", "values that do not broadcast", kValue,
          "assign: could not broadcast input array from shape (4,) into shape (3,)",
          [](Canaries& c) { watched(c, {3}).assign(watched(c, {4})); }),
      row("Array::assign", "an int out of the dtype's range", kOverflow, "assign",
          [](Canaries& c) { watched(c, {3}, int8).assign(1000); }),
      row("Array::assign", "an undefined source", kValue, "is undefined", [](Canaries& c) { watched(c, {3}).assign(Array()); }),
      row("Array::operator+=", "a float result into an int array", kType,
          "add: cannot cast ufunc 'add' output from float64 to int32 with casting rule 'same_kind'",
          [](Canaries& c) {
            Array a = watched(c, {3}, int32);
            a += watched(c, {3});
          }),
      row("Array::operator+=", "a result shape larger than the array", kValue,
          "add: non-broadcastable output operand with shape (3,) doesn't match the broadcast shape (2, 3)",
          [](Canaries& c) {
            Array a = watched(c, {3});
            a += watched(c, {2, 3});
          }),
      row("Array::operator-=", "a read-only array", kValue, "read-only",
          [](Canaries& c) {
            Array a = watched(c, {3}).readonly();
            a -= 1.0;
          }),
      row("apply_op", "an unknown operator", kValue, "no operator with this name is registered",
          [](Canaries& c) { apply_op("no_such_op", {watched(c, {3})}); }),
      row("add", "shapes that do not broadcast", kValue, "could not be broadcast",
          [](Canaries& c) { add(watched(c, {2, 3}), watched(c, {2})); }),
      row("bitwise_and", "float operands", kType, "bitwise_and",
          [](Canaries& c) { bitwise_and(watched(c, {3}), watched(c, {3})); }),
      row("add", "an int8 array and an out-of-range int", kOverflow, "add: Python integer 1000 out of bounds for int8",
          [](Canaries& c) { add(watched(c, {3}, int8), 1000); }),
      row("sum", "an axis out of range", kValue, "axis 2 is out of bounds", [](Canaries& c) { sum(watched(c, {2, 3}), 2); }),
      row("max", "an empty array", kValue, "zero-size array to reduction operation maximum",
          [](Canaries& c) { max(watched(c, {0})); }),
  };
}

// DLPack import: each row makes a managed tensor over its own storage; from_dlpack takes
// ownership and must run the deleter once whether it accepts or refuses the tensor.
struct ImportCase {
  int64_t shape[2] = {2, 3};
  int64_t strides[2] = {3, 1};
  float data[6] = {};
  DLManagedTensorVersioned managed{};
  int deleted = 0;
  ImportCase() {
    managed.version = {DLPACK_MAJOR_VERSION, DLPACK_MINOR_VERSION};
    managed.manager_ctx = this;
    managed.deleter = [](DLManagedTensorVersioned* m) { ++static_cast<ImportCase*>(m->manager_ctx)->deleted; };
    DLTensor& t = managed.dl_tensor;
    t.data = data;
    t.device = {kDLCPU, 0};
    t.ndim = 2;
    t.dtype = {kDLFloat, 32, 1};
    t.shape = shape;
    t.strides = strides;
  }
};

BadInputRow import_row(std::string input, testing::ExpectedError error, std::string fragment,
                       std::function<void(ImportCase&)> edit) {
  return row("from_dlpack", std::move(input), std::move(error), std::move(fragment), [edit](Canaries& c) {
    auto k = std::make_shared<ImportCase>();
    edit(*k);
    try {
      from_dlpack(&k->managed);
    } catch (...) {
      if (k->deleted != 1) ADD_FAILURE() << "from_dlpack: the deleter ran " << k->deleted << " times, expected once";
      throw;
    }
  });
}

Rows dlpack_rows() {
  return {
      row("from_dlpack", "a null tensor", kValue, "from_dlpack: tensor is null",
          [](Canaries&) { from_dlpack(static_cast<DLManagedTensorVersioned*>(nullptr)); }),
      import_row("an unsupported major version", kValue, "unsupported DLPack major version 9",
                 [](ImportCase& k) { k.managed.version.major = 9; }),
      import_row("negative ndim", kValue, "tensor has -1 dimensions", [](ImportCase& k) { k.managed.dl_tensor.ndim = -1; }),
      import_row("33 dimensions", kValue, "tensor has 33 dimensions", [](ImportCase& k) { k.managed.dl_tensor.ndim = 33; }),
      import_row("no shape", kValue, "tensor has no shape", [](ImportCase& k) { k.managed.dl_tensor.shape = nullptr; }),
      import_row("a negative dimension", kValue, "tensor has a negative dimension", [](ImportCase& k) { k.shape[0] = -2; }),
      import_row("no data", kValue, "tensor has no data", [](ImportCase& k) { k.managed.dl_tensor.data = nullptr; }),
      import_row("a complex dtype", kType, "from_dlpack",
                 [](ImportCase& k) { k.managed.dl_tensor.dtype = {kDLComplex, 64, 1}; }),
      import_row("a vector dtype", kType, "from_dlpack", [](ImportCase& k) { k.managed.dl_tensor.dtype = {kDLFloat, 32, 4}; }),
      row("from_dlpack", "dimensions whose element count overflows int64", kValue, "from_dlpack", [](Canaries&) {
            ImportCase k;
            k.shape[0] = kHuge;
            from_dlpack(&k.managed);
          }),
  };
}

// Import of a read-only tensor: the array is read-only and writing it is refused.
Rows readonly_rows() {
  return {row("from_dlpack", "writing an array imported read-only", kValue, "assignment destination is read-only",
              [](Canaries& c) {
                auto k = std::make_shared<ImportCase>();
                k->managed.flags = DLPACK_FLAG_BITMASK_READ_ONLY;
                Array a = from_dlpack(&k->managed);
                c.watch("imported data", [k] { return std::to_string(k->data[0]) + std::to_string(k->data[5]); });
                a.assign(7);
              }),
          row("to_dlpack", "an undefined array", kValue, "is undefined", [](Canaries&) { to_dlpack(Array()); })};
}

TEST(BadInputTable, EveryArrayRowIsRejectedAndLeavesArraysUntouched) {
  // The Array API runs without the compiler, whose library installs the JIT when it loads;
  // a reference to it keeps the linker (--as-needed) from dropping it.
  static void* volatile keep_compiler = reinterpret_cast<void*>(&codegen::CpuTarget::host);
  (void)keep_compiler;
  Rows rows;
  for (Rows part : {view_rows(), construction_rows(), joining_rows(), write_rows(), dlpack_rows(), readonly_rows()})
    rows.insert(rows.end(), part.begin(), part.end());
  testing::run_bad_input_table("C++ Array", rows);
}

}  // namespace
}  // namespace tessera
