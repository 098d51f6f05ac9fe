// C++ exceptions -> the Python exception types NumPy users expect.
//
//   ops::OpError          Type -> TypeError, Value -> ValueError, Index -> IndexError,
//                         Overflow -> OverflowError
//   schedule::ScheduleError    -> ValueError (an invalid schedule request)
//   ir::IRError                -> TypeError (expressions whose operand types do not fit)
//   KernelError                -> ValueError (a kernel rejected its arguments)
//   std::invalid_argument      -> ValueError, std::out_of_range -> IndexError (nanobind's own)
#include "bindings.h"

#include "tessera/build.h"
#include "tessera/ops/dispatch.h"
#include "tessera/schedule/schedule.h"

namespace tessera::python {
namespace {

// Kinds newer than Type/Value (Index, Overflow) map to NumPy's types where the header has them.
template <class Kind>
PyObject* python_type(Kind kind) {
  if constexpr (requires { Kind::Index; })
    if (kind == Kind::Index) return PyExc_IndexError;
  if constexpr (requires { Kind::Overflow; })
    if (kind == Kind::Overflow) return PyExc_OverflowError;
  return kind == Kind::Type ? PyExc_TypeError : PyExc_ValueError;
}

void translate(const std::exception_ptr& p, void*) {
  try {
    std::rethrow_exception(p);
  } catch (const ops::OpError& e) {
    PyErr_SetString(python_type(e.kind()), e.what());
  } catch (const schedule::ScheduleError& e) {
    PyErr_SetString(PyExc_ValueError, e.what());
  } catch (const ir::IRError& e) {
    PyErr_SetString(PyExc_TypeError, e.what());
  } catch (const KernelError& e) {
    PyErr_SetString(PyExc_ValueError, e.what());
  }
}

}  // namespace

void register_errors(nb::module_&) { nb::register_exception_translator(translate); }

}  // namespace tessera::python
