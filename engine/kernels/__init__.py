"""Numba kernels on plain arrays, each with a plain-numpy twin.

Kernels know nothing of units, xarray or files. ``_compile`` owns the numba policy.
"""

from engine.kernels._compile import dispatch, jit, numba_enabled, use_numba

__all__ = ["dispatch", "jit", "numba_enabled", "use_numba"]
