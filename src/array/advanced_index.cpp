// NumPy's advanced indexing (integer arrays, boolean masks) and nonzero, on top of basic
// indexing: the basic entries make a view, the index arrays pick element offsets in it, and
// elements move one at a time between those offsets and a compact buffer.
#include <cstring>
#include <string>

#include "tessera/array/creation.h"
#include "tessera/array/elementwise.h"
#include "tessera/array/manipulation.h"
#include "tessera/array/views.h"

namespace tessera {
namespace {

[[noreturn]] void fail(Error::Kind kind, const std::string& msg) { throw Error(kind, msg); }

std::string shape_text(const Shape& s) {
  std::string out = "(";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + (s.size() == 1 ? ",)" : ")");
}

// Where the gathered elements are: offsets (in elements) from view.data(), in the result's
// row-major order.
struct Gather {
  Array view;
  Shape shape;
  std::vector<int64_t> offsets;
};

// Row-major offsets of all positions over `axes` of v.
std::vector<int64_t> axis_offsets(const Array& v, const std::vector<int>& axes) {
  std::vector<int64_t> out{0};
  for (int a : axes) {
    std::vector<int64_t> next;
    next.reserve(out.size() * static_cast<size_t>(v.shape()[a]));
    for (int64_t base : out)
      for (int64_t i = 0; i < v.shape()[a]; ++i) next.push_back(base + i * v.strides()[a]);
    out = std::move(next);
  }
  return out;
}

bool has_array(const std::vector<AdvancedIndex>& idx) {
  for (const AdvancedIndex& i : idx)
    if (std::holds_alternative<Array>(i)) return true;
  return false;
}

std::vector<Index> basic_only(const std::vector<AdvancedIndex>& idx) {
  std::vector<Index> out;
  for (const AdvancedIndex& i : idx) {
    std::visit([&](const auto& v) {
      if constexpr (!std::is_same_v<std::decay_t<decltype(v)>, Array>) out.push_back(v);
    }, i);
  }
  return out;
}

Gather plan(const Array& x, const std::vector<AdvancedIndex>& idx) {
  // Masks become their nonzero() indices; integers become 0-d index arrays (with arrays
  // present, NumPy treats integers as advanced indices, which decides where axes go).
  struct Entry {
    AdvancedIndex index;
    int64_t mask_extent = -1;  // the mask's length along the axis it covers
  };
  std::vector<Entry> entries;
  int ellipses = 0, consumed = 0;
  for (const AdvancedIndex& i : idx) {
    if (const Array* a = std::get_if<Array>(&i)) {
      if (!a->defined()) fail(Error::Kind::Index, "index: an index array is undefined");
      if (a->dtype().is_bool()) {
        if (a->ndim() == 0) fail(Error::Kind::Index, "index: a 0-d boolean index is not supported");
        std::vector<Array> nz = nonzero(*a);
        for (int d = 0; d < a->ndim(); ++d) entries.push_back({nz[d], a->shape()[d]});
        consumed += a->ndim();
        continue;
      }
      if (!a->dtype().is_integer())
        fail(Error::Kind::Index, "index: arrays used as indices must be of integer (or boolean) type, got " +
                                     a->dtype().str());
      entries.push_back({astype(*a, int64, false)});
      ++consumed;
    } else if (const int64_t* n = std::get_if<int64_t>(&i)) {
      entries.push_back({full({}, *n, int64)});
      ++consumed;
    } else {
      if (std::holds_alternative<Ellipsis>(i)) ++ellipses;
      else if (std::holds_alternative<Slice>(i)) ++consumed;
      entries.push_back({i});
    }
  }
  if (ellipses > 1) fail(Error::Kind::Index, "index: an index can only have a single ellipsis ('...')");
  if (consumed > x.ndim())
    fail(Error::Kind::Index, "index: too many indices for array: array is " + std::to_string(x.ndim()) +
                                 "-dimensional, but " + std::to_string(consumed) + " were indexed");
  // Basic indexing with full slices at the array positions; record the view axes they keep.
  std::vector<Index> basic;
  std::vector<int> adv_axes;
  std::vector<Array> arrays;
  std::vector<int64_t> extents;
  int out_axis = 0;
  for (const Entry& e : entries) {
    if (const Array* a = std::get_if<Array>(&e.index)) {
      basic.push_back(Slice{});
      adv_axes.push_back(out_axis++);
      arrays.push_back(*a);
      extents.push_back(e.mask_extent);
    } else if (std::holds_alternative<Ellipsis>(e.index)) {
      for (int k = 0; k < x.ndim() - consumed; ++k) basic.push_back(Slice{});
      out_axis += x.ndim() - consumed;
    } else if (const Slice* sl = std::get_if<Slice>(&e.index)) {
      basic.push_back(*sl);
      ++out_axis;
    } else {
      basic.push_back(newaxis);
      ++out_axis;
    }
  }
  if (ellipses == 0)
    for (int k = 0; k < x.ndim() - consumed; ++k) basic.push_back(Slice{});
  Gather g;
  g.view = index(x, basic);
  const Array& v = g.view;
  for (size_t k = 0; k < adv_axes.size(); ++k) {
    if (extents[k] >= 0 && extents[k] != v.shape()[adv_axes[k]])
      fail(Error::Kind::Index, "index: boolean index did not match indexed array along axis " +
                                   std::to_string(adv_axes[k]) + "; size of axis is " +
                                   std::to_string(v.shape()[adv_axes[k]]) +
                                   " but size of corresponding boolean axis is " + std::to_string(extents[k]));
  }
  std::vector<Shape> shapes;
  for (const Array& a : arrays) shapes.push_back(a.shape());
  Shape bshape;
  try {
    bshape = broadcast_shapes(shapes);
  } catch (const Error&) {
    std::string text;
    for (const Shape& s : shapes) text += " " + shape_text(s);
    fail(Error::Kind::Index, "index: shape mismatch: indexing arrays could not be broadcast together with shapes" + text);
  }
  int64_t nb = 1;
  for (int64_t e : bshape) nb *= e;
  std::vector<int64_t> adv_offsets(static_cast<size_t>(nb), 0);
  for (size_t k = 0; k < arrays.size(); ++k) {
    const int axis = adv_axes[k];
    const int64_t n = v.shape()[axis], stride = v.strides()[axis];
    std::vector<int64_t> values = broadcast_to(arrays[k], bshape).to_vector<int64_t>();
    for (int64_t j = 0; j < nb; ++j) {
      int64_t i = values[static_cast<size_t>(j)];
      if (i < -n || i >= n)
        fail(Error::Kind::Index, "index " + std::to_string(i) + " is out of bounds for axis " + std::to_string(axis) +
                                     " with size " + std::to_string(n));
      adv_offsets[static_cast<size_t>(j)] += (i < 0 ? i + n : i) * stride;
    }
  }
  // Adjacent index arrays put the broadcast shape where they stand; otherwise it goes first.
  bool adjacent = true;
  for (size_t k = 1; k < adv_axes.size(); ++k) adjacent = adjacent && adv_axes[k] == adv_axes[k - 1] + 1;
  std::vector<int> pre, post;
  for (int a = 0; a < v.ndim(); ++a) {
    bool is_adv = false;
    for (int b : adv_axes) is_adv = is_adv || a == b;
    if (is_adv) continue;
    (adjacent && a < adv_axes.front() ? pre : post).push_back(a);
  }
  for (int a : pre) g.shape.push_back(v.shape()[a]);
  g.shape.insert(g.shape.end(), bshape.begin(), bshape.end());
  for (int a : post) g.shape.push_back(v.shape()[a]);
  std::vector<int64_t> pre_off = axis_offsets(v, pre), post_off = axis_offsets(v, post);
  g.offsets.reserve(pre_off.size() * adv_offsets.size() * post_off.size());
  for (int64_t p : pre_off)
    for (int64_t b : adv_offsets)
      for (int64_t q : post_off) g.offsets.push_back(p + b + q);
  return g;
}

void check_cpu(const Array& x) {
  if (x.device().device_type != kDLCPU) fail(Error::Kind::Value, "index: advanced indexing needs a CPU array");
}

}  // namespace

Array getitem(const Array& x, const std::vector<AdvancedIndex>& idx) {
  if (!x.defined()) fail(Error::Kind::Value, "index: the array is undefined");
  if (!has_array(idx)) return index(x, basic_only(idx));
  check_cpu(x);
  Gather g = plan(x, idx);
  Array out = empty(g.shape, x.dtype());
  const int64_t item = x.itemsize();
  const char* src = static_cast<const char*>(g.view.data());
  char* dst = static_cast<char*>(out.data());
  for (size_t k = 0; k < g.offsets.size(); ++k)
    std::memcpy(dst + static_cast<int64_t>(k) * item, src + g.offsets[k] * item, static_cast<size_t>(item));
  return out;
}

void setitem(const Array& x, const std::vector<AdvancedIndex>& idx, const Operand& value) {
  if (!x.defined()) fail(Error::Kind::Value, "index: the array is undefined");
  if (!x.writeable()) fail(Error::Kind::Value, "assignment destination is read-only");
  if (!has_array(idx)) {
    Array view = index(x, basic_only(idx));
    if (value.array()) view.assign(*value.array());
    else view.assign(value.scalar());
    return;
  }
  check_cpu(x);
  Gather g = plan(x, idx);
  Array values = value.array() ? astype(broadcast_to(*value.array(), g.shape), x.dtype(), false)
                               : full(g.shape, value.scalar(), x.dtype());
  const int64_t item = x.itemsize();
  std::vector<char> buf(g.offsets.size() * static_cast<size_t>(item));
  values.copy_to_host(buf.data(), x.dtype());
  char* dst = static_cast<char*>(g.view.data());
  for (size_t k = 0; k < g.offsets.size(); ++k)
    std::memcpy(dst + g.offsets[k] * item, buf.data() + static_cast<int64_t>(k) * item, static_cast<size_t>(item));
}

std::vector<Array> nonzero(const Array& x) {
  if (!x.defined()) fail(Error::Kind::Value, "nonzero: the array is undefined");
  if (x.ndim() == 0)
    fail(Error::Kind::Value, "nonzero: calling nonzero on 0d arrays is not allowed; use atleast_1d first");
  std::vector<bool> flags = x.to_vector<bool>();
  std::vector<std::vector<int64_t>> coords(static_cast<size_t>(x.ndim()));
  Shape pos(static_cast<size_t>(x.ndim()), 0);
  for (bool f : flags) {
    if (f)
      for (int d = 0; d < x.ndim(); ++d) coords[d].push_back(pos[d]);
    for (int d = x.ndim() - 1; d >= 0; --d) {
      if (++pos[d] < x.shape()[d]) break;
      pos[d] = 0;
    }
  }
  std::vector<Array> out;
  for (const auto& c : coords) out.push_back(asarray(c));
  return out;
}

}  // namespace tessera
