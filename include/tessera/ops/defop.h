// defop: operators declared once, generated per variant (dtypes x rank x layout x target).
//
// The C++ counterpart of the RFC's
//   @defop(name="vadd", target="cpu", auto_broadcast=True, dtype=AllTypes, ndim=list(range(6)))
// is
//   ops::defop({.name = "vadd", .dtypes = ops::all_types(), .ndims = ops::ranks(0, 5),
//               .generate = [](const ops::Variant& v) { ... return ops::Generated{s, {A, B, C}}; }});
// and ops::elementwise() builds the whole definition of an elementwise operator from its
// per-element expression, so a new one is a few lines:
//   ops::defop(ops::elementwise("hypot", 2, ops::float_rule(),
//                               [](const ops::Values& x) { return ir::hypot(x[0], x[1]); }));
//
// A Variant is one point of the op's variant space. Its name is deterministic
// (op, dtypes, rank, layout, target, attributes), which is what the kernel caches and the
// ahead-of-time library key on.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tessera/ir/type.h"
#include "tessera/lower/lower.h"
#include "tessera/schedule/schedule.h"

namespace tessera::ops {

using ir::DataType;
using ir::Expr;

// The dtypes of one kernel: inputs as passed (the kernel reads them so), the dtypes the
// element function computes in (NumPy's loop dtypes; inputs are cast to them), and the
// outputs as written. Mixed-dtype calls are thus one kernel, with no temporary copies.
struct Signature {
  std::vector<DataType> inputs;
  std::vector<DataType> compute;
  std::vector<DataType> outputs;
  bool operator==(const Signature&) const = default;
};

// Contiguous: every operand is compact row-major with the same shape (dispatch collapses
// such calls to rank 1). Strided: shapes and strides are read at run time.
enum class Layout : uint8_t { Contiguous, Strided };

struct Variant {
  Signature sig;
  int ndim = 1;
  Layout layout = Layout::Strided;
  std::string target = "llvm";
  std::vector<int64_t> attrs;  // op-specific (e.g. number of reduced dimensions)

  // e.g. "add__float32_float32__float32__r1_contig_llvm" (attrs appended as "_a<value>").
  std::string name(const std::string& op) const;
  bool operator==(const Variant&) const = default;
};

// What a generator returns: the schedule and the kernel's argument list (inputs, outputs,
// then scalars), exactly as lower::lower takes them.
struct Generated {
  schedule::Schedule sched;
  std::vector<lower::Arg> args;
};

// Maps input dtypes to the kernel signature (NumPy's loop selection), or nullopt when the
// operator does not support them (dispatch then raises a TypeError-like error).
using TypeRule = std::function<std::optional<Signature>(const std::vector<DataType>&)>;

struct OpDef {
  std::string name;
  int num_inputs = 1;
  int num_outputs = 1;
  TypeRule type_rule;
  std::function<Generated(const Variant&)> generate;
  bool auto_broadcast = true;
  // The variant space the ahead-of-time library enumerates; validity filters it.
  std::vector<std::vector<DataType>> aot_input_dtypes;
  std::vector<int> ndims = {1, 2, 3, 4};
  std::function<bool(const Variant&)> valid = nullptr;
  // When set, the AOT variants of each signature of aot_input_dtypes, in place of the
  // contiguous rank-1 and strided `ndims` variants: for operators whose dispatch sets
  // attrs (reductions, scans). Validity still filters them.
  std::function<std::vector<Variant>(const Signature&)> aot_variants = nullptr;

  // All variants of the AOT space (valid ones only), in a deterministic order.
  std::vector<Variant> enumerate() const;
};

// Registers (or replaces) an operator; returns a reference valid for the program's life.
const OpDef& defop(OpDef def);
// nullptr when no operator has that name.
const OpDef* find_op(const std::string& name);
std::vector<std::string> list_ops();

// ---- dtype rules -------------------------------------------------------------------------

using DTypeSet = std::vector<DataType>;
DTypeSet all_types();     // bool, integers, floats
DTypeSet numeric_types(); // integers and floats
DTypeSet integer_types(); // signed and unsigned integers
DTypeSet float_types();   // float16, bfloat16, float32, float64
std::vector<int> ranks(int lo, int hi);

// Compute and result type = NumPy promotion of the inputs, which must all lie in `allowed`.
// `out` overrides the output dtype (e.g. comparisons give bool).
TypeRule promote_rule(DTypeSet allowed, std::optional<DataType> out = std::nullopt);
// Float math: integers and bool promote to NumPy's default float for them (float16 for
// 8-bit and bool, float32 for 16-bit, float64 otherwise).
TypeRule float_rule();

// ---- elementwise operators ---------------------------------------------------------------

// The inputs of one element, already cast to the signature's compute dtypes.
using Values = std::vector<Expr>;
using ElementFn = std::function<Expr(const Values& x, DataType out)>;

// A complete elementwise OpDef: broadcasting, all ranks, contiguous and strided variants,
// schedule = fused loops split for vectors, outer loop parallel when large.
OpDef elementwise(const std::string& name, int num_inputs, TypeRule rule, ElementFn fn);

}  // namespace tessera::ops
