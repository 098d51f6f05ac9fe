// Basic indexing (NumPy's): integers, slices, newaxis and one ellipsis. The result is a
// view of the same memory.
//
//   a[{0}]                                  a[0]
//   a[{Slice{1, 5, 2}}]                     a[1:5:2]
//   a[{Slice{{}, {}, -1}, 2}]               a[::-1, 2]
//   a[{ellipsis, newaxis, Slice{{}, 3}}]    a[..., None, :3]
//
// A Slice's fields are optional; an absent field takes NumPy's default for the step's sign.
//
// Axes is the `axis` argument of reductions and shape functions: Axes::all() is NumPy's
// None, an int or a braced list names axes (negative ones count from the end), and an empty
// list `{}` is NumPy's axis=() (no axis).
#pragma once
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <variant>
#include <vector>

namespace tessera {

struct Slice {
  std::optional<int64_t> start = std::nullopt, stop = std::nullopt, step = std::nullopt;
};

struct NewAxis {};
struct Ellipsis {};
inline constexpr NewAxis newaxis{};
inline constexpr Ellipsis ellipsis{};

using Index = std::variant<int64_t, Slice, NewAxis, Ellipsis>;

class Axes {
 public:
  static Axes all() { return Axes(std::nullopt); }
  Axes(int axis) : list_(std::vector<int>{axis}) {}  // NOLINT
  Axes(std::initializer_list<int> axes) : list_(std::vector<int>(axes)) {}
  Axes(std::vector<int> axes) : list_(std::move(axes)) {}  // NOLINT
  bool is_all() const { return !list_.has_value(); }
  // The axes as given (empty for all()).
  const std::vector<int>& list() const {
    static const std::vector<int> none;
    return list_ ? *list_ : none;
  }

 private:
  explicit Axes(std::nullopt_t) {}
  std::optional<std::vector<int>> list_;
};

}  // namespace tessera
