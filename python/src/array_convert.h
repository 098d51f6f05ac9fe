// Python objects <-> tessera::Array for the array bindings (bind_array.cpp, bind_array_api.cpp).
//
// Python bool/int/float are weak scalars where an operation takes operands (NEP 50) and
// strong (bool, int64, float64) where an array is built from them (asarray). NumPy arrays
// and any DLPack producer are imported without a copy; nested lists and tuples are read
// in C++. Dtype arguments accept tessera's dtype objects (ir::DataType bound as
// tessera.dtype), NumPy dtypes and names.
#pragma once
#include <nanobind/nanobind.h>

#include <optional>
#include <string>
#include <vector>

#include "tessera/array/all.h"

namespace tessera::python {

namespace nb = nanobind;

// An operand of an elementwise function: owns the array it points to.
struct HeldOperand {
  Array array;
  std::optional<Scalar> scalar;
  tessera::Operand get() const { return scalar ? tessera::Operand(*scalar) : tessera::Operand(array); }
};

// A weak scalar from a Python bool, int or float (exact types; NumPy scalars are strong),
// nullopt otherwise. Ints beyond the uint64 range raise OverflowError.
std::optional<Scalar> python_scalar(nb::handle h);
// h as an operand; false when h is neither an array-like nor a Python scalar.
bool to_operand(nb::handle h, HeldOperand* out);
// Like to_operand, raising TypeError naming fn when h cannot be an operand.
HeldOperand operand_or_throw(nb::handle h, const char* fn);
// An array operand: Arrays as they are, anything else through asarray (no weak scalars).
Array array_arg(nb::handle h, const char* fn);
// The Array held by h, or nullptr when h is not a tessera.Array.
const Array* as_array(nb::handle h);

// asarray: Arrays, DLPack producers, NumPy arrays and scalars, Python scalars and nested
// sequences. copy = false raises ValueError when a copy is needed.
Array asarray_object(nb::handle obj, std::optional<DataType> dtype, std::optional<bool> copy);

// Dtype arguments. None -> nullopt.
DataType dtype_arg(nb::handle h);
std::optional<DataType> optional_dtype(nb::handle h);
// device=None or the CPU (tessera's Device, "cpu"); anything else raises ValueError.
void check_device(nb::handle device, const char* fn);

// Devices (bind_device.cpp): None -> nullopt; tessera.Device, "cpu", "cuda", "cuda:N",
// torch.device and CuPy devices -> the DLDevice; anything else raises ValueError.
std::optional<DLDevice> device_arg(nb::handle device, const char* fn);
nb::object device_object(DLDevice device);
std::string device_name(int type, int id);  // "cpu", "cuda:0"
// a on `device` (a itself when device is None or a is there); place_like defaults to
// like's device (the *_like functions).
Array place(const Array& a, nb::handle device, const char* fn);
Array place_like(const Array& a, nb::handle device, const Array& like, const char* fn);
// The DLPack stream argument of a producer: None/-1/1 need nothing (tessera runs on the
// legacy default stream), 0 raises ValueError, another stream waits for the device;
// CPU arrays take None only (BufferError otherwise).
void sync_for_stream(const Array& x, nb::handle stream, const char* fn);
int cuda_device_count();  // 0 without a driver
// The device of an operator's inputs: 0-d CPU arrays (scalars) move to a CUDA operand's
// device; other mixes raise ValueError naming fn.
DLDevice place_inputs(const std::string& fn, std::vector<Array>* inputs);

// DLPack: a capsule for x (versioned when asked), and an Array from a producer or a capsule.
nb::object dlpack_capsule(const Array& x, bool versioned);
Array from_dlpack_object(nb::handle obj);

// Axis arguments: None -> all, int, or a tuple of ints.
Axes axes_arg(nb::handle h, const char* fn);
std::optional<int> optional_axis(nb::handle h, const char* fn);
int int_arg(nb::handle h, const char* fn, const char* what);
Shape shape_arg(nb::handle h, const char* fn);

// The hot path for binary operators on two CPU arrays of one shape (bind_array.cpp): the
// operator's index in kFastOps, or -1. fast_binary gives the general path's result.
inline constexpr const char* kFastOps[] = {"add", "subtract", "multiply", "divide", "floor_divide", "remainder",
                                           "pow", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift",
                                           "bitwise_right_shift", "equal", "not_equal", "less", "less_equal",
                                           "greater", "greater_equal"};
bool fast_eligible(const Array& x, const Array& y);
Array fast_binary(int op_index, const Array& x, const Array& y);

// A device object: the CPU (tessera.cpu) or a CUDA device (DLPack device type and id).
struct Device {
  int type = kDLCPU;
  int id = 0;
};

// x as a NumPy array sharing its memory (bfloat16 through ml_dtypes).
nb::object to_numpy(const Array& x);

}  // namespace tessera::python
