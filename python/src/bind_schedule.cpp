// Schedules from Python: s[C] selects a stage; its primitives mirror schedule::Stage.
//
// fuse() of no axes (the RFC's vadd at ndim 0 fuses the axes of a 0-d output) returns the
// unit axis: a loop of extent 1 that does not exist in the lowered code, so parallel,
// vectorize, unroll, bind and reorder accept it and do nothing.
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "bindings.h"

namespace tessera::python {
namespace {

using schedule::Schedule;
using schedule::Stage;

const ir::IterVar& unit_axis() {
  static const ir::IterVar* iv = new ir::IterVar(
      ir::make_iter_var(ir::Range(ir::Expr(int64_t{0}), ir::Expr(int64_t{1})), "unit", ir::IterKind::DataPar));
  return *iv;
}

bool is_unit(const IterVarRef& r) { return r.iv == unit_axis(); }

Stage stage_of(const Schedule& s, nb::handle key) {
  if (nb::isinstance<te::Tensor>(key)) return s[nb::cast<const te::Tensor&>(key)];
  if (nb::isinstance<OperationRef>(key)) return s[nb::cast<const OperationRef&>(key).op];
  throw nb::type_error("a schedule is indexed by a Tensor or an Operation");
}

// An annotation primitive that ignores the unit axis.
template <class F>
auto annotation(F f) {
  return [f](Stage& st, const IterVarRef& iv) -> Stage {
    if (!is_unit(iv)) f(st, iv.iv);
    return st;
  };
}

std::vector<ir::IterVar> without_unit(const nb::args& axes) {
  std::vector<ir::IterVar> out;
  for (nb::handle h : axes) {
    // reorder(*axes) and reorder([axes]) both work.
    for (const ir::IterVar& iv : to_iter_vars(h, "reorder axes"))
      if (iv != unit_axis()) out.push_back(iv);
  }
  return out;
}

}  // namespace

void register_schedule(nb::module_& m) {
  nb::class_<Stage>(m, "Stage", "One stage of a schedule: how the loops of one operation run.")
      .def_prop_ro("op", [](const Stage& s) { return OperationRef{s.op()}; })
      .def_prop_ro("name", [](const Stage& s) { return s.node()->name(); })
      .def_prop_ro("axis", [](const Stage& s) { return iter_var_refs(s.axis()); })
      .def_prop_ro("reduce_axis", [](const Stage& s) { return iter_var_refs(s.reduce_axis()); })
      .def_prop_ro("leaf_iter_vars", [](const Stage& s) { return iter_var_refs(s.leaf_iter_vars()); },
                   "The current loops, outermost first.")
      .def_prop_ro("all_iter_vars", [](const Stage& s) { return iter_var_refs(s.node()->all_iter_vars); })
      .def_prop_ro("scope", [](const Stage& s) { return s.node()->scope; })
      .def_prop_ro("attach", [](const Stage& s) {
        switch (s.node()->attach) {
          case schedule::AttachKind::Root: return "root";
          case schedule::AttachKind::Inline: return "inline";
          default: return "at";
        }
      })
      .def("split", [](Stage& st, const IterVarRef& parent, nb::handle factor, nb::handle nparts) {
        if (is_unit(parent)) throw nb::value_error(("stage " + st.node()->name() + ": split: the unit axis of "
                                                    "an empty fuse() cannot be split").c_str());
        if (factor.is_none() == nparts.is_none())
          throw nb::type_error("split: give exactly one of factor and nparts");
        auto [outer, inner] = factor.is_none() ? st.split_nparts(parent.iv, to_expr(nparts, "nparts"))
                                               : st.split(parent.iv, to_expr(factor, "factor"));
        return std::make_pair(IterVarRef{outer}, IterVarRef{inner});
      }, nb::arg("parent"), nb::arg("factor").none() = nb::none(), nb::arg("nparts").none() = nb::none(),
         "Splits parent into (outer, inner), inner of extent factor (or outer of extent nparts).")
      .def("fuse", [](Stage& st, nb::args axes) {
        std::vector<ir::IterVar> ivs;
        for (nb::handle h : axes)
          for (const ir::IterVar& iv : to_iter_vars(h, "fuse axes")) ivs.push_back(iv);
        if (ivs.empty()) return IterVarRef{unit_axis()};
        return IterVarRef{st.fuse(ivs)};
      }, "Fuses consecutive loops (outermost first) into one; no axes gives the unit axis.")
      .def("reorder", [](Stage& st, nb::args axes) -> Stage { return st.reorder(without_unit(axes)); })
      .def("tile", [](Stage& st, const IterVarRef& x, const IterVarRef& y, nb::handle xf, nb::handle yf) {
        auto t = st.tile(x.iv, y.iv, to_expr(xf, "x_factor"), to_expr(yf, "y_factor"));
        return nb::make_tuple(IterVarRef{t[0]}, IterVarRef{t[1]}, IterVarRef{t[2]}, IterVarRef{t[3]});
      }, nb::arg("x_parent"), nb::arg("y_parent"), nb::arg("x_factor"), nb::arg("y_factor"),
         "Splits both axes and orders the loops (xo, yo, xi, yi); returns them in that order.")
      .def("parallel", annotation([](Stage& s, const ir::IterVar& iv) { s.parallel(iv); }), nb::arg("axis"))
      .def("vectorize", annotation([](Stage& s, const ir::IterVar& iv) { s.vectorize(iv); }), nb::arg("axis"))
      .def("unroll", annotation([](Stage& s, const ir::IterVar& iv) { s.unroll(iv); }), nb::arg("axis"))
      .def("bind", [](Stage& st, const IterVarRef& iv, const std::string& tag) -> Stage {
        if (!is_unit(iv)) st.bind(iv.iv, tag);
        return st;
      }, nb::arg("axis"), nb::arg("thread_tag"))
      .def("compute_inline", [](Stage& st) -> Stage { return st.compute_inline(); })
      .def("compute_root", [](Stage& st) -> Stage { return st.compute_root(); })
      .def("compute_at", [](Stage& st, const Stage& parent, const IterVarRef& iv) -> Stage {
        if (is_unit(iv)) throw nb::value_error("compute_at: the unit axis of an empty fuse() is not a loop");
        return st.compute_at(parent, iv.iv);
      }, nb::arg("parent"), nb::arg("axis"))
      .def("set_scope", [](Stage& st, const std::string& scope) -> Stage { return st.set_scope(scope); },
           nb::arg("scope"))
      .def("stream_stores", [](Stage& st) -> Stage { return st.stream_stores(); },
           "Non-temporal stores for this output when it is larger than the cache (chosen at run time).")
      .def("__repr__", [](const Stage& s) { return "<Stage " + s.node()->name() + ">"; });

  nb::class_<Schedule>(m, "Schedule", "How every stage reachable from the outputs runs.")
      .def("__getitem__", &stage_of, nb::arg("key"))
      .def_prop_ro("stages", [](const Schedule& s) {
        std::vector<Stage> out;
        for (const auto& n : s.stages()) out.emplace_back(n);
        return out;
      })
      .def_prop_ro("outputs", [](const Schedule& s) {
        std::vector<OperationRef> out;
        for (const auto& op : s.outputs()) out.push_back({op});
        return out;
      })
      .def("cache_read", [](Schedule& s, const te::Tensor& t, const std::string& scope,
                            const std::vector<te::Tensor>& readers) { return s.cache_read(t, scope, readers); },
           nb::arg("tensor"), nb::arg("scope"), nb::arg("readers"))
      .def("cache_write", &Schedule::cache_write, nb::arg("tensor"), nb::arg("scope"))
      .def("rfactor", [](Schedule& s, const te::Tensor& t, const IterVarRef& axis) { return s.rfactor(t, axis.iv); },
           nb::arg("tensor"), nb::arg("axis"))
      .def("current", &Schedule::current, nb::arg("tensor"));

  m.def("create_schedule", [](const std::vector<te::Tensor>& outputs) { return schedule::create_schedule(outputs); },
        nb::arg("outputs"));
}

}  // namespace tessera::python
