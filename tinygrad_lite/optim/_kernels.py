"""The arithmetic of PyTorch's in-place tensor kernels, on raw values (floats, arrays).

Optimizers update parameters with calls such as ``param.add_(grad, alpha=-lr)``. To follow
a float32 trajectory bit for bit we must round exactly as those kernels do:

* a Python number passed to a kernel is first rounded to the tensor's dtype
  (``float32(-lr)``), then the kernel computes in that dtype;
* ``add(x, y, alpha)``, ``lerp`` and ``addcmul`` use a fused multiply-add, rounding once.
  For float32 we get the same single rounding by computing in float64 (exact products of
  two float32 numbers) and rounding the result to float32 once.

For float64 (a Python float or a float64 array) plain NumPy arithmetic is used; it can
differ from PyTorch's fused operations in the last bit. So can float32 ``sqrt`` (Adam):
PyTorch's comes from MKL on the CPU and is not always correctly rounded, NumPy's is.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _narrow(x: Any) -> bool:
    """True for NumPy values narrower than float64 (float32, float16)."""
    dt = getattr(x, "dtype", None)
    return dt is not None and dt.itemsize < 8


def scalar(c: float, x: Any) -> Any:
    """The number ``c`` as a kernel working on ``x`` sees it (rounded to x's dtype)."""
    dt = getattr(x, "dtype", None)
    return c if dt is None else dt.type(c)


def add(x: Any, y: Any, alpha: float = 1.0) -> Any:
    """``x.add(y, alpha=alpha)``: x + alpha * y, rounded once."""
    if _narrow(x):
        a = np.float64(scalar(alpha, x))
        return (x.astype(np.float64) + a * np.asarray(y, dtype=np.float64)).astype(x.dtype)
    return x + alpha * y


def mul(x: Any, c: float) -> Any:
    """``x.mul(c)``."""
    return x * scalar(c, x)


def div(x: Any, c: float) -> Any:
    """``x.div(c)`` for a number ``c``."""
    return x / scalar(c, x)


def lerp(x: Any, y: Any, w: float) -> Any:
    """``x.lerp(y, w)``: x + w (y - x), in PyTorch's two-branch form, rounded once."""
    wx = scalar(w, x)
    if not _narrow(x):
        return x + wx * (y - x) if abs(w) < 0.5 else y - (y - x) * (1 - wx)
    d = (y - x).astype(np.float64)
    if abs(w) < 0.5:
        r = x.astype(np.float64) + np.float64(wx) * d
    else:
        r = y.astype(np.float64) - d * np.float64(x.dtype.type(1) - wx)
    return r.astype(x.dtype)


def addcmul(x: Any, y: Any, z: Any, value: float) -> Any:
    """``x.addcmul(y, z, value=value)``: x + (value * y) * z, the last two steps fused."""
    vy = scalar(value, x) * y
    if _narrow(x):
        return (x.astype(np.float64) + vy.astype(np.float64) * z).astype(x.dtype)
    return x + vy * z


def addcdiv(x: Any, y: Any, z: Any, value: float) -> Any:
    """``x.addcdiv(y, z, value=value)``: x + value * y / z."""
    return x + scalar(value, x) * y / z


def sqrt(x: Any) -> Any:
    """Elementwise square root."""
    return np.sqrt(x)


def maximum(x: Any, y: Any) -> Any:
    """Elementwise maximum."""
    return np.maximum(x, y)
