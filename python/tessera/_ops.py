"""The operator library's low-level entry points (kept for bench/ and older scripts).

Prefer tessera._testing (NumPy in, NumPy out) or ts.ops.<name>.
"""
from ._core import oplib as _oplib

call = _oplib.call
plan = _oplib.plan
list_ops = _oplib.list_ops
compiled_kernel_count = _oplib.compiled_kernel_count
copy_bandwidth = _oplib.copy_bandwidth
