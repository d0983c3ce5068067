"""The C library's own ``log`` and ``log1p``, one element at a time.

Some of PyTorch's CPU kernels are scalar loops that call the C library (``std::log``,
``std::log1p``: glibc's ``logf``/``log1pf`` and ``log``/``log1p`` on Linux), where NumPy's
vectorised logarithms round differently in the last bit for a few inputs in a hundred
(float32 ``log``: about one in four; measured here against this machine's glibc).
``binary_cross_entropy`` is such a kernel: its loss takes these functions for PyTorch's
bits. Where no C library can be loaded, NumPy's functions stand in.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable

import numpy as np


def _load() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("m")
    try:
        return ctypes.CDLL(name) if name else None
    except OSError:
        return None


_LIBM = _load()


def _ufunc(name: str, ctype: type) -> Callable[[np.ndarray], np.ndarray] | None:
    """The C function ``name`` over an array, or None without a C library."""
    if _LIBM is None:
        return None
    f = getattr(_LIBM, name)
    f.restype, f.argtypes = ctype, [ctype]
    return np.frompyfunc(f, 1, 1)


_FUNCS = {("log", np.float32): _ufunc("logf", ctypes.c_float),
          ("log1p", np.float32): _ufunc("log1pf", ctypes.c_float),
          ("log", np.float64): _ufunc("log", ctypes.c_double),
          ("log1p", np.float64): _ufunc("log1p", ctypes.c_double)}


def _apply(name: str, x: np.ndarray) -> np.ndarray:
    f = _FUNCS.get((name, x.dtype.type))
    if f is None or not x.size:
        return getattr(np, name)(x)
    return np.asarray(f(x), dtype=x.dtype)


def log(x: np.ndarray) -> np.ndarray:
    """``log`` of each element as the C library computes it (NumPy's for other dtypes)."""
    return _apply("log", x)


def log1p(x: np.ndarray) -> np.ndarray:
    """``log1p`` of each element as the C library computes it (NumPy's for other dtypes)."""
    return _apply("log1p", x)
