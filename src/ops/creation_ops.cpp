// arange, linspace, eye, tril and triu: kernels whose elements depend on their position.
//
// Each is a defop with its own small dispatch: the output (and tril/triu's input) keep
// their rank, so the kernel's loop variables are the element's indices. tril/triu merge
// the batch dimensions that are contiguous in both operands first. Scalar parameters are
// kernel arguments (int64 or float64), so one kernel serves every value.
#include "ops/kernel_cache.h"
#include "ops/reduction_internal.h"
#include "tessera/ir/op.h"
#include "tessera/ops/creation.h"

namespace tessera::ops {
namespace {

using ir::Var;
using reduction_detail::fail;

int vector_lanes(DataType t) { return std::max(4, 64 / t.bytes()); }

// Positional kernels: the leading axes fused and parallel, the last one in vectors;
// large outputs stream their stores.
void schedule_positional(schedule::Schedule& s, const te::Tensor& out, DataType t) {
  schedule::Stage st = s[out];
  std::vector<ir::IterVar> axes = st.axis();
  st.stream_stores();
  if (axes.size() == 1) {
    auto [blocks, block] = st.split(axes[0], 4096);
    auto [vecs, lane] = st.split(block, vector_lanes(t));
    st.parallel(blocks).vectorize(lane);
    return;
  }
  auto [vecs, lane] = st.split(axes.back(), vector_lanes(t));
  std::vector<ir::IterVar> outer(axes.begin(), axes.end() - 1);
  st.vectorize(lane).parallel(outer.size() > 1 ? st.fuse(outer) : outer[0]);
}

// The arange fill's arithmetic dtype (NumPy's @NAME@_fill).
DataType fill_compute(DataType out) {
  if (out.is_float()) return DataType::Float(out.bits == 64 ? 64 : 32);
  return DataType::Int(64);
}

// For the registry and ahead-of-time enumeration, the one "input" dtype of these
// operators' variant space is the output dtype (they read no tensor of their own dtype).
OpDef positional_def(const std::string& name, int ndim, DataType (*compute)(DataType),
                     std::function<Generated(const Variant&)> generate) {
  OpDef def;
  def.name = name;
  def.num_inputs = 0;
  def.auto_broadcast = false;
  def.type_rule = [compute](const std::vector<DataType>& in) -> std::optional<Signature> {
    if (in.size() != 1) return std::nullopt;
    return Signature{{}, {compute(in[0])}, {in[0]}};
  };
  def.generate = std::move(generate);
  for (DataType t : all_types()) def.aot_input_dtypes.push_back({t});
  def.ndims = {ndim};
  return def;
}

Generated generate_arange(const Variant& v) {
  const DataType out_t = v.sig.outputs[0], c = v.sig.compute[0];
  Var n = te::size_var("n");
  Var start = te::var("start", c.is_float() ? DataType::Float(64) : DataType::Int(64));
  Var delta = te::var("delta", start.type());
  te::Tensor out = te::compute(
      {n}, [&](Var i) { return ir::cast(out_t, ir::cast(c, start) + ir::cast(c, i) * ir::cast(c, delta)); }, "out");
  schedule::Schedule s = schedule::create_schedule({out});
  schedule_positional(s, out, out_t);
  return Generated{s, {out, start, delta}};
}

Generated generate_linspace(const Variant& v) {
  const DataType out_t = v.sig.outputs[0], f64 = DataType::Float(64);
  Var n = te::size_var("n");
  Var start = te::var("start", f64), stop = te::var("stop", f64), scale = te::var("scale", f64);
  Var pre_div = te::var("pre_div", f64), last = te::var("last");
  te::Tensor out = te::compute(
      {n},
      [&](Var i) {
        Expr y = ir::cast(f64, i) / pre_div * scale + start;
        y = ir::select(i == last, stop, y);
        if (out_t.is_integer()) y = ir::floor(y);
        return ir::cast(out_t, y);
      },
      "out");
  schedule::Schedule s = schedule::create_schedule({out});
  schedule_positional(s, out, out_t);
  return Generated{s, {out, start, stop, scale, pre_div, last}};
}

Generated generate_eye(const Variant& v) {
  const DataType out_t = v.sig.outputs[0];
  Var rows = te::size_var("n"), cols = te::size_var("m"), k = te::var("k");
  te::Tensor out = te::compute(
      {rows, cols},
      [&](Var i, Var j) {
        return ir::select(j - i == k, ir::make_const(out_t, int64_t{1}), ir::make_zero(out_t));
      },
      "out");
  schedule::Schedule s = schedule::create_schedule({out});
  schedule_positional(s, out, out_t);
  return Generated{s, {out, k}};
}

// attrs: {lower} (1 = tril, 0 = triu); ndim = merged batch dimensions + 2.
Generated generate_triangle(const Variant& v) {
  const DataType t = v.sig.outputs[0];
  const bool lower = !v.attrs.empty() && v.attrs[0] != 0;
  std::vector<Expr> shape;
  for (int d = 0; d < v.ndim; ++d) shape.push_back(te::size_var("n" + std::to_string(d)));
  Var k = te::var("k");
  te::Tensor x = te::placeholder(shape, v.sig.inputs[0], "x");
  te::Tensor out = te::compute(
      shape,
      [&](const std::vector<Var>& idx) {
        Expr diff = idx[idx.size() - 1] - idx[idx.size() - 2];
        Expr keep = lower ? diff <= k : diff >= k;
        return ir::select(keep, x(std::vector<Expr>(idx.begin(), idx.end())), ir::make_zero(t));
      },
      "out");
  schedule::Schedule s = schedule::create_schedule({out});
  schedule_positional(s, out, t);
  return Generated{s, {x, out, k}};
}

DataType same_dtype(DataType t) { return t; }

struct Defs {
  const OpDef* arange;
  const OpDef* linspace;
  const OpDef* eye;
  const OpDef* triangle;
};

const Defs& defs() {
  static const Defs d = [] {
    Defs r;
    r.arange = &defop(positional_def("arange", 1, fill_compute, generate_arange));
    r.linspace = &defop(positional_def("linspace", 1, [](DataType) { return DataType::Float(64); }, generate_linspace));
    r.eye = &defop(positional_def("eye", 2, same_dtype, generate_eye));
    OpDef tri;
    tri.name = "triangle";
    tri.num_inputs = 1;
    tri.auto_broadcast = false;
    tri.type_rule = [](const std::vector<DataType>& in) -> std::optional<Signature> {
      if (in.size() != 1) return std::nullopt;
      return Signature{in, in, in};
    };
    tri.generate = generate_triangle;
    for (DataType t : all_types()) tri.aot_input_dtypes.push_back({t});
    tri.ndims = {2, 3, 4};
    tri.valid = [](const Variant& v) { return v.attrs.size() == 1; };
    r.triangle = &defop(std::move(tri));
    return r;
  }();
  return d;
}

bool compact(const std::vector<int64_t>& shape, const std::vector<int64_t>& strides) {
  int64_t expect = 1;
  for (size_t d = shape.size(); d-- > 0;) {
    if (shape[d] != 1 && strides[d] != expect) return false;
    expect *= shape[d];
  }
  return true;
}

void run(const OpDef& op, const Variant& v, const std::vector<KernelArgValue>& args) {
  const Kernel& k = detail::kernel_for(op, v);
  try {
    k(args);
  } catch (const KernelError& e) {
    throw OpError(OpError::Kind::Value, e.what());
  }
}

// Checks a positional output of rank `ndim` and returns its view (nullopt when empty).
reduction_detail::View output_view(const std::string& op, DLTensor* out, int ndim, DataType* dtype) {
  *dtype = reduction_detail::checked_dtype(op, out, "output");
  if (out->ndim != ndim)
    fail(OpError::Kind::Value, op,
         "output must have " + std::to_string(ndim) + " dimension" + (ndim == 1 ? "" : "s") + ", not " +
             std::to_string(out->ndim));
  return reduction_detail::view_of(out);
}

Variant positional_variant(const OpDef& op, DataType out_t, const reduction_detail::View& ov) {
  Signature sig = *op.type_rule({out_t});
  return Variant{sig, static_cast<int>(ov.shape.size()),
                 compact(ov.shape, ov.strides) ? Layout::Contiguous : Layout::Strided, "llvm", {}};
}

void triangle(const char* name, bool lower, const DLTensor* x, int64_t k, DLTensor* out) {
  const DataType t = reduction_detail::checked_dtype(name, x, "input");
  if (x->ndim < 2) fail(OpError::Kind::Value, name, "input must be at least 2-dimensional");
  reduction_detail::check_output(name, out, reduction_detail::shape_of(x), t);
  std::vector<int64_t> shape = reduction_detail::shape_of(x);
  if (reduction_detail::numel(shape) == 0) return;
  reduction_detail::with_output(shape, t, out, {x}, [&](DLTensor* dst) {
    reduction_detail::View xv = reduction_detail::view_of(x), ov = reduction_detail::view_of(dst);
    const int nd = x->ndim;
    std::vector<reduction_detail::StridedDim> batch;
    for (int d = 0; d < nd - 2; ++d) batch.push_back({shape[d], {xv.strides[d], ov.strides[d]}});
    batch = reduction_detail::collapse_dims(batch);
    reduction_detail::View xk = xv, ok = ov;
    xk.shape.clear();
    xk.strides.clear();
    ok.shape.clear();
    ok.strides.clear();
    for (const auto& b : batch) {
      xk.shape.push_back(b.extent);
      xk.strides.push_back(b.strides[0]);
      ok.shape.push_back(b.extent);
      ok.strides.push_back(b.strides[1]);
    }
    for (int d = nd - 2; d < nd; ++d) {
      xk.shape.push_back(shape[d]);
      xk.strides.push_back(xv.strides[d]);
      ok.shape.push_back(shape[d]);
      ok.strides.push_back(ov.strides[d]);
    }
    bool contiguous = compact(xk.shape, xk.strides) && compact(ok.shape, ok.strides);
    Variant v{Signature{{t}, {t}, {t}}, static_cast<int>(xk.shape.size()),
              contiguous ? Layout::Contiguous : Layout::Strided, "llvm", {lower ? 1 : 0}};
    run(*defs().triangle, v, {xk.get(), ok.get(), k});
  });
}

}  // namespace

void arange(double start, double delta, DLTensor* out) {
  DataType t;
  reduction_detail::View ov = output_view("arange", out, 1, &t);
  if (!t.is_float()) fail(OpError::Kind::Type, "arange", "float start and delta need a float output, not " + t.str());
  if (ov.shape[0] == 0) return;
  run(*defs().arange, positional_variant(*defs().arange, t, ov), {ov.get(), start, delta});
}

void arange(int64_t start, int64_t delta, DLTensor* out) {
  DataType t;
  reduction_detail::View ov = output_view("arange", out, 1, &t);
  if (t.is_float()) fail(OpError::Kind::Type, "arange", "integer start and delta need an integer or bool output");
  if (ov.shape[0] == 0) return;
  run(*defs().arange, positional_variant(*defs().arange, t, ov), {ov.get(), start, delta});
}

void linspace(double start, double stop, bool endpoint, DLTensor* out) {
  DataType t;
  reduction_detail::View ov = output_view("linspace", out, 1, &t);
  const int64_t num = ov.shape[0];
  if (num == 0) return;
  const int64_t div = endpoint ? num - 1 : num;
  const double delta = stop - start;
  double scale = delta, pre_div = 1.0;
  if (div > 0) {
    double step = delta / static_cast<double>(div);
    if (step == 0) pre_div = static_cast<double>(div);
    else scale = step;
  }
  const int64_t last = endpoint && num > 1 ? num - 1 : -1;
  run(*defs().linspace, positional_variant(*defs().linspace, t, ov), {ov.get(), start, stop, scale, pre_div, last});
}

void eye(int64_t k, DLTensor* out) {
  DataType t;
  reduction_detail::View ov = output_view("eye", out, 2, &t);
  if (reduction_detail::numel(ov.shape) == 0) return;
  run(*defs().eye, positional_variant(*defs().eye, t, ov), {ov.get(), k});
}

void tril(const DLTensor* x, int64_t k, DLTensor* out) { triangle("tril", true, x, k, out); }
void triu(const DLTensor* x, int64_t k, DLTensor* out) { triangle("triu", false, x, k, out); }

void register_creation_ops() { defs(); }

}  // namespace tessera::ops
