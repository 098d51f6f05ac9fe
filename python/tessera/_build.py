"""ts.lower and ts.build: a schedule and its arguments -> readable IR, or a callable kernel."""
import numpy as np

from . import _arrays, _core


def _check(s, args, name):
    if not isinstance(s, _core.Schedule):
        raise TypeError(f"expected a Schedule (ts.te.create_schedule), got {type(s).__name__}")
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"kernel name must be an identifier, got {name!r}")
    return list(args)


def lower(s, args, name="main", contiguous=False):
    """The lowered kernel; str() of the result is its readable IR.

    args lists the kernel's tensors (inputs, then outputs) and scalar variables. With
    contiguous=True tensors must be compact row-major (no stride arithmetic in the kernel).
    """
    return _core.lower(s, _check(s, args, name), name, bool(contiguous))


class Kernel:
    """A JIT-compiled kernel. Call it with one array per tensor argument (outputs are
    written in place) and a Python number per scalar argument, in the order of `args`."""

    def __init__(self, kernel):
        self._kernel = kernel
        self._params = kernel.params

    @property
    def name(self):
        return self._kernel.name

    @property
    def kernel_ir(self):
        return self._kernel.kernel_ir

    def __call__(self, *args):
        if len(args) != len(self._params):
            raise TypeError(f"kernel {self.name} takes {len(self._params)} arguments, got {len(args)}")
        keep, values = [], []
        for i, ((kind, pname, _dtype, _ndim, is_output), x) in enumerate(zip(self._params, args)):
            what = f"kernel {self.name}: argument {i} ({pname})"
            if kind != "tensor":
                values.append(x.item() if isinstance(x, np.generic) else x)
                continue
            a = _arrays.output_array(x, what) if is_output else _arrays.as_array(x, what)
            keep.append(a)
            values.append(_arrays.spec(a, what))
        self._kernel.call(values)

    def __repr__(self):
        names = ", ".join(p[1] for p in self._params)
        return f"<Kernel {self.name}({names})>"


def build(s, args, name="main", contiguous=False):
    """Lowers and JIT-compiles the schedule into a kernel callable with NumPy arrays."""
    return Kernel(_core.build(s, _check(s, args, name), name, bool(contiguous)))
