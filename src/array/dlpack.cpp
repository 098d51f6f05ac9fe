// DLPack export (versioned and legacy) and import with exactly-once deleters.
#include "tessera/array/dlpack.h"

#include <type_traits>

#include "array/internal.h"

namespace tessera {

using array_detail::raise;

namespace {

// What an exported tensor owns: the managed struct itself, the storage reference and the
// shape and strides its DLTensor points to. The deleter frees all of it.
template <class Managed>
struct Export {
  Managed managed{};
  std::shared_ptr<Storage> storage;
  Shape shape, strides;
};

template <class Managed>
Managed* export_array(const Array& x) {
  array_detail::check_defined("to_dlpack", x);
  auto* ctx = new Export<Managed>();
  ctx->storage = x.storage();
  ctx->shape = x.shape();
  ctx->strides = x.strides();
  DLTensor& t = ctx->managed.dl_tensor;
  const bool cpu = x.device().device_type == kDLCPU;
  t.data = cpu ? x.data() : x.storage()->data();
  t.byte_offset = cpu ? 0 : static_cast<uint64_t>(x.byte_offset());
  t.device = x.device();
  t.ndim = x.ndim();
  t.dtype = to_dl(x.dtype());
  t.shape = ctx->shape.data();
  t.strides = ctx->strides.data();
  ctx->managed.manager_ctx = ctx;
  ctx->managed.deleter = [](Managed* self) { delete static_cast<Export<Managed>*>(self->manager_ctx); };
  if constexpr (std::is_same_v<Managed, DLManagedTensorVersioned>) {
    ctx->managed.version = {DLPACK_MAJOR_VERSION, DLPACK_MINOR_VERSION};
    ctx->managed.flags = x.writeable() ? 0 : DLPACK_FLAG_BITMASK_READ_ONLY;
  }
  return &ctx->managed;
}

void check_tensor(const DLTensor& t) {
  const std::string fn = "from_dlpack";
  if (t.ndim < 0 || t.ndim > 32)
    raise(Error::Kind::Value, fn, "tensor has " + std::to_string(t.ndim) + " dimensions (0 to 32 are supported)");
  if (t.ndim > 0 && !t.shape) raise(Error::Kind::Value, fn, "tensor has no shape");
  int64_t n = 1;
  bool overflow = false;
  for (int d = 0; d < t.ndim; ++d) {
    if (t.shape[d] < 0) raise(Error::Kind::Value, fn, "tensor has a negative dimension");
    overflow |= __builtin_mul_overflow(n, t.shape[d], &n);
  }
  int64_t bytes = 0;
  if (n != 0 && (overflow || __builtin_mul_overflow(n, int64_t{(t.dtype.bits * t.dtype.lanes + 7) / 8}, &bytes)))
    raise(Error::Kind::Value, fn, "tensor's size in bytes overflows int64");
  if (n > 0 && !t.data) raise(Error::Kind::Value, fn, "tensor has no data");
  try {
    from_dl(t.dtype);
  } catch (const Error& e) {
    raise(e.kind(), fn, e.what());
  }
}

// Takes ownership of m: its deleter runs once, when the storage dies or on failure here.
template <class Managed>
Array import_tensor(Managed* m, bool read_only) {
  auto release = [m] {
    if (m->deleter) m->deleter(m);
  };
  std::shared_ptr<Storage> storage;
  try {
    check_tensor(m->dl_tensor);
    storage = Storage::adopt(m->dl_tensor.data, m->dl_tensor.device, release);
  } catch (...) {
    release();
    throw;
  }
  const DLTensor& t = m->dl_tensor;
  Shape shape(t.shape, t.shape + t.ndim);
  Shape strides = t.strides ? Shape(t.strides, t.strides + t.ndim) : array_detail::compact_strides(shape);
  // From here the storage owns m; if the Array constructor throws, the storage's
  // destruction runs the deleter.
  return Array(std::move(storage), from_dl(t.dtype), std::move(shape), std::move(strides),
               static_cast<int64_t>(t.byte_offset), !read_only);
}

}  // namespace

DLManagedTensorVersioned* to_dlpack(const Array& x) { return export_array<DLManagedTensorVersioned>(x); }
DLManagedTensor* to_dlpack_unversioned(const Array& x) { return export_array<DLManagedTensor>(x); }

Array from_dlpack(DLManagedTensorVersioned* tensor) {
  if (!tensor) raise(Error::Kind::Value, "from_dlpack", "tensor is null");
  if (tensor->version.major != DLPACK_MAJOR_VERSION) {
    // The version, manager_ctx and deleter fields keep their places across major versions,
    // so the tensor can still be released.
    const uint32_t major = tensor->version.major;
    if (tensor->deleter) tensor->deleter(tensor);
    raise(Error::Kind::Value, "from_dlpack", "unsupported DLPack major version " + std::to_string(major));
  }
  return import_tensor(tensor, (tensor->flags & DLPACK_FLAG_BITMASK_READ_ONLY) != 0);
}

Array from_dlpack(DLManagedTensor* tensor) {
  if (!tensor) raise(Error::Kind::Value, "from_dlpack", "tensor is null");
  return import_tensor(tensor, false);
}

}  // namespace tessera
