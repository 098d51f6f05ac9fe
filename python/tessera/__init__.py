"""tessera: a NumPy-compatible array library whose operators are compiled tensor expressions.

This package currently exposes the operator library for tests and benchmarks
(`tessera._testing`); the NumPy-style namespace is built on top of it.
"""
