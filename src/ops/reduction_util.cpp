// Tensor checks, views, temporaries and kernel calls shared by the reduction, scan and
// linear-algebra operators.
#include <algorithm>
#include <cstring>

#include "ops/reduction_internal.h"
#include "tessera/runtime/kernel_abi.h"

namespace tessera::ops::reduction_detail {

void fail(OpError::Kind kind, const std::string& op, const std::string& msg) { throw OpError(kind, op + ": " + msg); }

DataType checked_dtype(const std::string& op, const DLTensor* t, const std::string& what) {
  if (!t) fail(OpError::Kind::Value, op, what + " is null");
  if (t->device.device_type != kDLCPU) fail(OpError::Kind::Value, op, what + " is not on the CPU");
  if (t->ndim < 0 || t->ndim > 32)
    fail(OpError::Kind::Value, op, what + " has " + std::to_string(t->ndim) + " dimensions (at most 32)");
  int64_t n = 1;
  bool overflow = false;
  for (int d = 0; d < t->ndim; ++d) {
    if (t->shape[d] < 0) fail(OpError::Kind::Value, op, what + " has a negative dimension");
    overflow |= __builtin_mul_overflow(n, t->shape[d], &n);
  }
  int64_t bytes = 0;
  if (n != 0 && (overflow || __builtin_mul_overflow(n, int64_t{(t->dtype.bits + 7) / 8}, &bytes)))
    fail(OpError::Kind::Value, op, what + " has a shape whose size in bytes overflows int64");
  if (!t->data && n > 0) fail(OpError::Kind::Value, op, what + " has no data");
  const DLDataType& d = t->dtype;
  if (d.lanes == 1) {
    if (d.code == kDLBool && d.bits == 8) return DataType::Bool();
    if (d.code == kDLInt && (d.bits == 8 || d.bits == 16 || d.bits == 32 || d.bits == 64)) return DataType::Int(d.bits);
    if (d.code == kDLUInt && (d.bits == 8 || d.bits == 16 || d.bits == 32 || d.bits == 64))
      return DataType::UInt(d.bits);
    if (d.code == kDLFloat && (d.bits == 16 || d.bits == 32 || d.bits == 64)) return DataType::Float(d.bits);
    if (d.code == kDLBfloat && d.bits == 16) return DataType::BFloat16();
  }
  fail(OpError::Kind::Type, op,
       what + " has an unsupported dtype (code " + std::to_string(d.code) + ", bits " + std::to_string(d.bits) +
           ", lanes " + std::to_string(d.lanes) + ")");
}

DLDataType to_dl(DataType t) {
  uint8_t code = kDLInt;
  switch (t.code) {
    case ir::TypeCode::Bool:
      code = kDLBool;
      break;
    case ir::TypeCode::Int:
      code = kDLInt;
      break;
    case ir::TypeCode::UInt:
      code = kDLUInt;
      break;
    case ir::TypeCode::Float:
      code = kDLFloat;
      break;
    case ir::TypeCode::BFloat:
      code = kDLBfloat;
      break;
    default:
      throw std::invalid_argument("to_dl: no DLPack dtype for " + t.str());
  }
  return {code, t.bits, 1};
}

std::vector<int64_t> shape_of(const DLTensor* t) { return std::vector<int64_t>(t->shape, t->shape + t->ndim); }

std::vector<int64_t> strides_of(const DLTensor* t) {
  std::vector<int64_t> s(t->ndim);
  int64_t compact = 1;
  for (int d = t->ndim - 1; d >= 0; --d) {
    s[d] = t->strides ? t->strides[d] : compact;
    compact *= t->shape[d];
  }
  return s;
}

int64_t numel(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t e : shape) n *= e;
  return n;
}

std::string shape_str(const std::vector<int64_t>& shape) {
  std::string s = "(";
  for (size_t d = 0; d < shape.size(); ++d) s += (d ? ", " : "") + std::to_string(shape[d]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

int normalize_axis(const std::string& op, int axis, int ndim) {
  if (axis < -ndim || axis >= ndim)
    fail(OpError::Kind::Value, op,
         "axis " + std::to_string(axis) + " is out of bounds for array of dimension " + std::to_string(ndim));
  return axis < 0 ? axis + ndim : axis;
}

void check_output(const std::string& op, const DLTensor* out, const std::vector<int64_t>& shape, DataType dtype) {
  DataType t = checked_dtype(op, out, "output");
  if (shape_of(out) != shape)
    fail(OpError::Kind::Value, op, "output has shape " + shape_str(shape_of(out)) + ", expected " + shape_str(shape));
  if (t != dtype) fail(OpError::Kind::Type, op, "output has dtype " + t.str() + ", expected " + dtype.str());
}

namespace {

// Byte range [lo, hi] the tensor's elements span; empty (lo > hi) for size 0.
std::pair<intptr_t, intptr_t> byte_range(const DLTensor* t) {
  intptr_t base = reinterpret_cast<intptr_t>(t->data) + static_cast<intptr_t>(t->byte_offset);
  intptr_t lo = base, hi = base;
  int64_t bytes = (t->dtype.bits + 7) / 8;
  std::vector<int64_t> st = strides_of(t);
  for (int d = 0; d < t->ndim; ++d) {
    if (t->shape[d] == 0) return {1, 0};
    intptr_t span = static_cast<intptr_t>(st[d] * (t->shape[d] - 1) * bytes);
    (span < 0 ? lo : hi) += span;
  }
  return {lo, hi + static_cast<intptr_t>(bytes) - 1};
}

}  // namespace

bool may_overlap(const DLTensor* a, const DLTensor* b) {
  auto [alo, ahi] = byte_range(a);
  auto [blo, bhi] = byte_range(b);
  return alo <= ahi && blo <= bhi && alo <= bhi && blo <= ahi;
}

DLTensor* View::get() {
  dl.data = data;
  dl.device = {kDLCPU, 0};
  dl.ndim = static_cast<int32_t>(shape.size());
  dl.dtype = dtype;
  dl.shape = shape.data();
  dl.strides = strides.data();
  dl.byte_offset = byte_offset;
  return &dl;
}

View view_of(const DLTensor* t) {
  View v;
  v.data = t->data;
  v.byte_offset = t->byte_offset;
  v.dtype = t->dtype;
  v.shape = shape_of(t);
  v.strides = strides_of(t);
  return v;
}

Scratch::Scratch(const std::vector<int64_t>& shp, DataType dtype) : shape(shp) {
  strides.assign(shape.size(), 1);
  for (size_t d = shape.size(); d-- > 1;) strides[d - 1] = strides[d] * shape[d];
  storage.assign(static_cast<size_t>((std::max<int64_t>(1, numel(shape)) * dtype.bytes() + 7) / 8), 0);
  dl.data = storage.data();
  dl.device = {kDLCPU, 0};
  dl.ndim = static_cast<int32_t>(shape.size());
  dl.dtype = to_dl(dtype);
  dl.shape = shape.data();
  dl.strides = strides.data();
  dl.byte_offset = 0;
}

void copy_elements(const DLTensor* src, DLTensor* dst) {
  const int nd = src->ndim;
  const int64_t bytes = (src->dtype.bits + 7) / 8;
  std::vector<int64_t> shape = shape_of(src), ss = strides_of(src), ds = strides_of(dst);
  const int64_t n = numel(shape);
  const char* s = static_cast<const char*>(src->data) + src->byte_offset;
  char* d = static_cast<char*>(dst->data) + dst->byte_offset;
  std::vector<int64_t> idx(nd, 0);
  for (int64_t flat = 0; flat < n; ++flat) {
    int64_t so = 0, dof = 0;
    for (int k = 0; k < nd; ++k) {
      so += idx[k] * ss[k];
      dof += idx[k] * ds[k];
    }
    std::memcpy(d + dof * bytes, s + so * bytes, static_cast<size_t>(bytes));
    for (int k = nd - 1; k >= 0 && ++idx[k] == shape[k]; --k) idx[k] = 0;
  }
}

void run_kernel(const Kernel& k, const std::vector<DLTensor*>& tensors, const std::vector<double>& scalars) {
  std::vector<TesseraValue> args;
  std::vector<int32_t> codes;
  for (DLTensor* t : tensors) {
    TesseraValue v;
    v.v_handle = t;
    args.push_back(v);
    codes.push_back(kTesseraArgTensor);
  }
  for (double x : scalars) {
    TesseraValue v;
    v.v_float64 = x;
    args.push_back(v);
    codes.push_back(kTesseraArgFloat);
  }
  if (k.call(args.data(), codes.data(), static_cast<int32_t>(args.size())) != 0)
    throw OpError(OpError::Kind::Value, tessera_last_error());
}

std::vector<StridedDim> collapse_dims(const std::vector<StridedDim>& dims) {
  std::vector<StridedDim> out;
  for (const StridedDim& d : dims) {
    if (d.extent == 1) continue;
    bool merge = !out.empty();
    for (size_t i = 0; merge && i < d.strides.size(); ++i) merge = out.back().strides[i] == d.strides[i] * d.extent;
    if (merge) {
      out.back().extent *= d.extent;
      out.back().strides = d.strides;
    } else {
      out.push_back(d);
    }
  }
  return out;
}

void merge_contiguous(std::vector<ReduceDim>& dims, bool with_out) {
  size_t n = 0;  // dims[0, n) are merged so far; merging in place allocates nothing
  for (const ReduceDim& d : dims) {
    if (n > 0 && dims[n - 1].x_stride == d.x_stride * d.extent &&
        (!with_out || dims[n - 1].out_stride == d.out_stride * d.extent)) {
      dims[n - 1].extent *= d.extent;
      dims[n - 1].x_stride = d.x_stride;
      dims[n - 1].out_stride = d.out_stride;
    } else {
      dims[n++] = d;
    }
  }
  dims.resize(n);
}

std::vector<int64_t> broadcast_shapes(const std::string& op, const std::vector<int64_t>& x,
                                      const std::vector<int64_t>& y) {
  size_t nd = std::max(x.size(), y.size());
  std::vector<int64_t> out(nd, 1);
  for (size_t d = 0; d < nd; ++d) {
    int64_t ex = d + x.size() >= nd ? x[d + x.size() - nd] : 1;
    int64_t ey = d + y.size() >= nd ? y[d + y.size() - nd] : 1;
    if (ex != ey && ex != 1 && ey != 1)
      fail(OpError::Kind::Value, op,
           "operands could not be broadcast together with shapes " + shape_str(x) + " " + shape_str(y));
    out[d] = ex == 1 ? ey : ex;
  }
  return out;
}

std::vector<int64_t> broadcast_strides(const std::vector<int64_t>& t_shape, const std::vector<int64_t>& t_strides,
                                       const std::vector<int64_t>& shape) {
  std::vector<int64_t> out(shape.size(), 0);
  size_t off = shape.size() - t_shape.size();
  for (size_t d = 0; d < t_shape.size(); ++d) out[off + d] = t_shape[d] == 1 ? 0 : t_strides[d];
  return out;
}

}  // namespace tessera::ops::reduction_detail
