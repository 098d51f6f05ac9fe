// Shared by the reduction, scan and linear-algebra files: tensor checks, strided views,
// kernel calls, and the reduction operators' table and kernel generator.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "tessera/build.h"
#include "tessera/dlpack.h"
#include "tessera/ops/dispatch.h"

namespace tessera::ops::reduction_detail {

[[noreturn]] void fail(OpError::Kind kind, const std::string& op, const std::string& msg);

// Checks a CPU tensor and returns its dtype (OpError naming `op` and `what` otherwise).
DataType checked_dtype(const std::string& op, const DLTensor* t, const std::string& what);
DLDataType to_dl(DataType t);
std::vector<int64_t> shape_of(const DLTensor* t);
std::vector<int64_t> strides_of(const DLTensor* t);  // in elements, compact when NULL
int64_t numel(const std::vector<int64_t>& shape);
std::string shape_str(const std::vector<int64_t>& shape);
// NumPy's AxisError text: "<op>: axis 3 is out of bounds for array of dimension 2".
int normalize_axis(const std::string& op, int axis, int ndim);
// Requires `out` to have exactly this shape and dtype.
void check_output(const std::string& op, const DLTensor* out, const std::vector<int64_t>& shape, DataType dtype);
// True when the byte ranges the two tensors span intersect.
bool may_overlap(const DLTensor* a, const DLTensor* b);

// A strided view of a tensor's memory: what kernels receive.
struct View {
  void* data = nullptr;
  uint64_t byte_offset = 0;
  DLDataType dtype{};
  std::vector<int64_t> shape, strides;
  DLTensor dl{};
  DLTensor* get();
};
View view_of(const DLTensor* t);

// A compact temporary with the shape and dtype of a result.
struct Scratch {
  std::vector<uint64_t> storage;  // 8-byte aligned
  std::vector<int64_t> shape, strides;
  DLTensor dl{};
  Scratch(const std::vector<int64_t>& shape, DataType dtype);
};
// Element copy between two tensors of one shape and dtype.
void copy_elements(const DLTensor* src, DLTensor* dst);

// Runs a kernel on tensors then float64 scalars; a kernel error becomes OpError(Value).
void run_kernel(const Kernel& k, const std::vector<DLTensor*>& tensors, const std::vector<double>& scalars = {});

// ---- reductions --------------------------------------------------------------------------

enum class ReduceKind : uint8_t { Sum, Prod, Min, Max, Mean, Var, Std, Argmin, Argmax, All, Any, CountNonzero };

struct ReduceOpInfo {
  ReduceKind kind;
  const char* name;
  bool takes_dtype;    // sum, prod, mean, var, std
  bool one_axis;       // argmin, argmax
  bool order_matters;  // the result depends on element order (argmin, argmax)
};
// nullptr when `name` is not a reduction.
const ReduceOpInfo* find_reduction(const std::string& name);
const std::vector<ReduceOpInfo>& reduction_table();

// Kernel signature: inputs {x}, compute {element dtype, accumulator dtype}, outputs {result}.
// Throws OpError(Type) for dtypes the operator does not take.
Signature reduce_signature(const ReduceOpInfo& op, DataType in, std::optional<DataType> dtype);

// How a reduction kernel walks its input, chosen by dispatch and stored in Variant::attrs
// as {kept rank, reduced rank, vector mode}. The kernel's input is [kept..., reduced...].
enum class VecMode : int64_t {
  None = 0,   // parallel over kept elements, scalar reduction loops
  Inner = 1,  // vector partial accumulators along the last reduced axis (rfactor)
  Outer = 2,  // reduction loops outside, vectors across the last kept axis
  // Outer, for many reduced rows: parallel blocks of rows each sum whole rows into
  // partial results, which are then added up (the rows stream through memory in order).
  // Each step adds a group of rows, one from each band of the block, into a vector of
  // partials while it is in registers.
  OuterRows = 3,
  // OuterRows one row at a time, for short rows: the partials stay in L1 beside the row,
  // and the input is read as one stream instead of a group of streams a band apart.
  OuterRowByRow = 4,
};
// Schedules reduction stages (each with the kept axes of `out`, or {1} when kept_rank is 0,
// and `reduced_rank` reduction axes) and the elementwise stage `out` that reads them.
void schedule_reduction(schedule::Schedule& s, const std::vector<te::Tensor>& reductions, const te::Tensor& out,
                        int kept_rank, int reduced_rank, VecMode mode, int lanes);
// argmin/argmax by lanes: `part` [lanes, kept...] folds each lane (vectorized across lanes),
// `finals` (each of the kept shape) merge the lanes and fold the tail, `out` reads them.
void schedule_lane_fold(schedule::Schedule& s, const te::Tensor& part, const std::vector<te::Tensor>& finals,
                        const te::Tensor& out, int kept_rank);
// count_nonzero of bytes: `counts` [blocks, lanes] of uint8 (vectorized across lanes, computed
// in the parallel loop of `blocks`, their int64 sums), and `tail` (the bytes after the blocks).
void schedule_byte_count(schedule::Schedule& s, const te::Tensor& counts, const te::Tensor& blocks,
                         const te::Tensor& tail);
// Lanes of a vectorized reduction loop for this signature.
int reduce_lanes(const Signature& sig);
// Registers the reduction OpDefs (idempotent) and returns the one named by `op`.
const OpDef& reduction_opdef(const ReduceOpInfo& op);
// Each registers its file's OpDefs (idempotent).
void register_reductions();
void register_scans();
void register_matmul();
void register_vecdot();

// ---- contractions (matmul, tensordot, vecdot) ---------------------------------------------

// One dimension of several operands viewed together: its extent and each operand's stride.
struct StridedDim {
  int64_t extent;
  std::vector<int64_t> strides;
};
// Drops size-1 dimensions and merges neighbours contiguous in every operand.
std::vector<StridedDim> collapse_dims(const std::vector<StridedDim>& dims);

// One dimension of a reduction's input and output (the output stride is 0 on reduced
// axes); the CPU and CUDA reduction dispatchers share it, without collapse_dims's vectors.
struct ReduceDim {
  int64_t extent, x_stride, out_stride;
};
// Merges neighbours contiguous in the input (and, with with_out, in the output too).
void merge_contiguous(std::vector<ReduceDim>& dims, bool with_out);
// NumPy's broadcast of two shapes (OpError(Value) naming `op` when they do not broadcast).
std::vector<int64_t> broadcast_shapes(const std::string& op, const std::vector<int64_t>& x,
                                      const std::vector<int64_t>& y);
// Strides of a tensor of t_shape broadcast (right-aligned) to `shape`: 0 where broadcast.
std::vector<int64_t> broadcast_strides(const std::vector<int64_t>& t_shape, const std::vector<int64_t>& t_strides,
                                       const std::vector<int64_t>& shape);

// The dtypes of a contraction: inputs {a, b}, compute {promoted, accumulator}, output {promoted}.
struct Operands {
  DataType a, b;
  Signature sig;
};
Operands contraction_operands(const std::string& op, const DLTensor* a, const DLTensor* b,
                              DataType (*accumulator)(DataType));
// One term a * b in the accumulator dtype (logical and for bool) and their sum (logical or).
Expr contraction_term(const Expr& a, const Expr& b, DataType t, DataType acc);
Expr contraction_sum(const Expr& term, const std::vector<ir::IterVar>& axes, DataType acc);
int contraction_lanes(DataType acc);

// Runs f(out), or f(temporary) and then copies it to out when out overlaps an input.
template <class F>
void with_output(const std::vector<int64_t>& shape, DataType dtype, DLTensor* out,
                 std::initializer_list<const DLTensor*> inputs, F f) {
  bool overlap = false;
  for (const DLTensor* t : inputs) overlap = overlap || may_overlap(t, out);
  if (!overlap) return f(out);
  Scratch tmp(shape, dtype);
  f(&tmp.dl);
  copy_elements(&tmp.dl, out);
}

}  // namespace tessera::ops::reduction_detail
