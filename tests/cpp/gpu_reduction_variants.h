// The GPU variants of the reduction operators that tests compile and run: every mode of
// src/ops/gpu_reduction_schedules.h at the kept/reduced ranks dispatch_cuda uses.
#pragma once
#include <string>
#include <vector>

#include "ops/gpu_reduction_schedules.h"
#include "ops/reduction_internal.h"
#include "tessera/lower/lower.h"
#include "tessera/ops/defop.h"
#include "tessera/ops/library.h"

namespace tessera::gpu_test {

struct ReductionShape {
  int kept, reduced;
  ops::GpuReduceMode mode;
};

inline const std::vector<ReductionShape>& gpu_reduction_shapes() {
  using M = ops::GpuReduceMode;
  static const std::vector<ReductionShape> shapes = {
      {0, 1, M::Rows}, {1, 1, M::Rows}, {2, 2, M::Rows}, {1, 1, M::Columns},
      {1, 2, M::Columns}, {2, 1, M::Columns}, {1, 1, M::Serial}, {0, 2, M::Serial}, {2, 1, M::Serial},
  };
  return shapes;
}

inline ops::Variant gpu_reduction_variant(const ops::Signature& sig, const ReductionShape& s) {
  return ops::Variant{sig, s.kept + s.reduced, ops::Layout::Strided, "cuda",
                      {s.kept, s.reduced, static_cast<int64_t>(s.mode)}};
}

inline const ops::OpDef& reduction_op(const std::string& name) {
  ops::ensure_registered();
  const auto* info = ops::reduction_detail::find_reduction(name);
  if (!info) throw std::invalid_argument("not a reduction: " + name);
  return ops::reduction_detail::reduction_opdef(*info);
}

inline ir::LoweredFunc lower_gpu_reduction(const std::string& op, const ops::Variant& v) {
  ops::Generated g = reduction_op(op).generate(v);
  lower::LowerOptions lo;
  lo.device_type = kDLCUDA;
  lo.target = "cuda";
  return lower::lower(g.sched, g.args, v.name(op), lo);
}

}  // namespace tessera::gpu_test
