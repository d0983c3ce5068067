"""Making tensors: ``tensor``, ``ones``, ``randn`` and the rest, with PyTorch's signatures."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from . import _dtype as D
from ._quiet import quiet
from ._tensor import Tensor, _check_fits, _leaf, _shape_arg, _store, _unwrap_nested

_generator: np.random.Generator | None = None  # made on first use: numpy.random is slow to import


def _rng() -> np.random.Generator:
    """The generator behind ``rand``, ``randn`` and ``nn`` initialisation."""
    global _generator
    if _generator is None:
        _generator = np.random.default_rng()
    return _generator


def manual_seed(seed: int) -> np.random.Generator:
    """Seed the random numbers of ``rand``, ``randn`` and ``nn`` initialisation.

    The stream is NumPy's, not PyTorch's: the same seed gives other numbers than in torch.
    """
    global _generator
    _generator = np.random.default_rng(seed)
    return _generator


def _finish(data: np.ndarray, dtype: D.dtype | None, device: Any, requires_grad: bool) -> Tensor:
    D.check_device(device)
    if dtype is not None:
        with quiet():  # 1e40 as float32 is inf, quietly, as in PyTorch
            data = data.astype(dtype.np, copy=False)
    return _leaf(_store(data), requires_grad)


# The Python ints PyTorch stores into each integer dtype (uint8 lets -255..-1 wrap), and
# the floats, compared as doubles (so 2.0**63 passes for int64 and wraps, as in PyTorch)
_INT_RANGES = {"int8": (-2**7, 2**7 - 1), "int16": (-2**15, 2**15 - 1),
               "int32": (-2**31, 2**31 - 1), "int64": (-2**63, 2**63 - 1), "uint8": (-255, 255)}
_FLOAT_RANGES = {"int8": (-2.0**7, 2.0**7 - 1), "int16": (-2.0**15, 2.0**15 - 1),
                 "int32": (-2.0**31, 2.0**31 - 1), "int64": (-2.0**63, 2.0**63),
                 "uint8": (0.0, 255.0)}


def _overflow(dt: D.dtype) -> RuntimeError:
    return RuntimeError(f"value cannot be converted to type {dt.name} without overflow")


def _python_numbers(data: Any, arr: np.ndarray, dtype: D.dtype | None) -> np.ndarray:
    """``arr`` (``np.array`` of the Python numbers ``data``), checked as PyTorch stores
    each number: an int beyond int64 raises ValueError, a value beyond an integer
    ``dtype`` RuntimeError, an int too large for a float OverflowError.

    NumPy turns ints beyond int64 into uint64, floats or objects; those arrays are made
    again from the numbers themselves.
    """
    integral = dtype is not None and dtype.name in _INT_RANGES
    kind = arr.dtype.kind
    if kind == "u" or kind == "O" or (kind == "f" and (dtype is None or integral) and arr.size
                                      and type(data) is not float
                                      and np.max(np.abs(arr)) >= 2.0**63):
        return _from_objects(data, arr, dtype)
    if integral and arr.size:
        if kind == "i":
            lo, hi = _INT_RANGES[dtype.name]
            if arr.min() < lo or arr.max() > hi:
                raise _overflow(dtype)
        elif kind == "f":
            lo, hi = _FLOAT_RANGES[dtype.name]
            if not np.all((arr >= lo) & (arr <= hi)):  # nan and inf fail too
                raise _overflow(dtype)
    return arr


def _from_objects(data: Any, arr: np.ndarray, dtype: D.dtype | None) -> np.ndarray:
    """:func:`_python_numbers` number by number, in order, for ints NumPy cannot hold."""
    values = np.array(_unwrap_nested(data), dtype=object)
    flat = list(values.flat)
    if not all(isinstance(v, (int, float, np.number, np.bool_)) for v in flat):
        return arr  # not numbers: tensor() refuses them
    has_float = any(isinstance(v, (float, np.floating)) for v in flat)
    target = dtype or (D.get_default_dtype() if has_float else D.int64)
    if target.is_floating_point:
        return values.astype(np.float64)  # OverflowError: int too large to convert to float
    if target is D.bool:
        return values.astype(np.bool_)
    lo, hi = _INT_RANGES[target.name]
    flo, fhi = _FLOAT_RANGES[target.name]
    stored = []
    for v in flat:
        if isinstance(v, (float, np.floating)):
            if not flo <= v <= fhi:
                raise _overflow(target)
            with quiet():
                stored.append(np.float64(v).astype(np.int64))
        else:
            if not -2**63 <= v < 2**63:
                raise ValueError("Overflow when unpacking long long")
            if not lo <= v <= hi:
                raise _overflow(target)
            stored.append(int(v))
    return np.array(stored, dtype=np.int64).reshape(values.shape)


def tensor(data: Any, dtype: D.dtype | None = None, device: Any = None,
           requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (a number, nested lists, an array).

    Python floats become the default dtype (float32), ints int64 and bools bool; a NumPy
    array keeps its dtype.

    Raises:
        RuntimeError: ``requires_grad=True`` for a dtype that is not floating point, or a
            number that does not fit an integer ``dtype``.
        ValueError: for an int beyond int64 (when it is stored as an integer).
        OverflowError: for an int too large for a float.
        TypeError: for data that is not numbers, or a ``requires_grad`` that is not a bool.
    """
    if type(requires_grad) is not bool:
        raise TypeError("tensor(): argument 'requires_grad' must be bool, not "
                        f"{type(requires_grad).__name__}")
    if isinstance(data, Tensor):
        warnings.warn(
            "To copy construct from a tensor, it is recommended to use "
            "sourceTensor.detach().clone() or sourceTensor.detach().clone()."
            "requires_grad_(True), rather than torch.tensor(sourceTensor).",
            UserWarning, stacklevel=2)
    is_array = isinstance(data, (np.ndarray, np.generic, Tensor))
    try:
        arr = np.array(_unwrap_nested(data))
    except ValueError as e:
        raise ValueError(f"expected sequence of equal-length lists: {e}") from None
    if not is_array:
        arr = _python_numbers(data, arr, dtype)
    if dtype is None and not is_array:
        kind = arr.dtype.kind
        if kind == "f" or (kind in "iu" and arr.size == 0):
            dtype = D.get_default_dtype()
        elif kind in "iu":
            dtype = D.int64
        elif kind != "b":
            raise TypeError(f"Could not infer dtype of {type(data).__name__}")
    if dtype is None:
        dtype = D.from_numpy_dtype(arr.dtype)
    return _finish(arr, dtype, device, requires_grad)


def as_tensor(data: Any, dtype: D.dtype | None = None, device: Any = None) -> Tensor:
    """Like :func:`tensor`, but a tensor of the right dtype is returned as it is."""
    if isinstance(data, Tensor) and (dtype is None or data.dtype is dtype):
        return data
    if isinstance(data, np.ndarray) and (dtype is None or data.dtype == dtype.np):
        return from_numpy(data)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(a: np.ndarray) -> Tensor:
    """A tensor sharing ``a``'s memory: changing one changes the other."""
    if not isinstance(a, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(a).__name__})")
    D.from_numpy_dtype(a.dtype)
    return _leaf(a)


def _filled(value: Any, size: tuple, dtype: D.dtype | None, device: Any,
            requires_grad: bool) -> Tensor:
    shape = _shape_arg(size)
    if dtype is None:
        dtype = D.get_default_dtype() if isinstance(value, float) else (
            D.bool if isinstance(value, bool) else D.int64)
    _check_fits(value, dtype)
    return _finish(np.full(shape, value, dtype=dtype.np), dtype, device, requires_grad)


def ones(*size: Any, dtype: D.dtype | None = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """A tensor of ones of the given shape."""
    return _filled(1.0, size, dtype, device, requires_grad)


def zeros(*size: Any, dtype: D.dtype | None = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    """A tensor of zeros of the given shape."""
    return _filled(0.0, size, dtype, device, requires_grad)


def empty(*size: Any, dtype: D.dtype | None = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    """A tensor of the given shape (filled with zeros here)."""
    return _filled(0.0, size, dtype, device, requires_grad)


def full(size: Any, fill_value: Any, dtype: D.dtype | None = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """A tensor of the given shape filled with ``fill_value``."""
    return _filled(fill_value, (size,), dtype, device, requires_grad)


def ones_like(t: Tensor, dtype: D.dtype | None = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    """Ones with ``t``'s shape and dtype."""
    return _filled(1.0, (t.shape,), dtype or t.dtype, device, requires_grad)


def zeros_like(t: Tensor, dtype: D.dtype | None = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    """Zeros with ``t``'s shape and dtype."""
    return _filled(0.0, (t.shape,), dtype or t.dtype, device, requires_grad)


def full_like(t: Tensor, fill_value: Any, dtype: D.dtype | None = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    return _filled(fill_value, (t.shape,), dtype or t.dtype, device, requires_grad)


def eye(n: int, m: int | None = None, dtype: D.dtype | None = None, device: Any = None,
        requires_grad: bool = False) -> Tensor:
    """The n x m identity matrix."""
    dtype = dtype or D.get_default_dtype()
    return _finish(np.eye(n, m, dtype=dtype.np), dtype, device, requires_grad)


def arange(start: Any, end: Any = None, step: Any = 1, dtype: D.dtype | None = None,
           device: Any = None, requires_grad: bool = False) -> Tensor:
    """Evenly spaced values in [start, end): int64 for ints, the default float otherwise."""
    if end is None:
        start, end = 0, start
    if dtype is None:
        ints = all(isinstance(v, int) for v in (start, end, step))
        dtype = D.int64 if ints else D.get_default_dtype()
    return _finish(np.arange(start, end, step), dtype, device, requires_grad)


def linspace(start: float, end: float, steps: int, dtype: D.dtype | None = None,
             device: Any = None, requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive.

    Computed as PyTorch's kernel does: the step in the dtype, then ``start + step * i`` up to
    the middle and ``end - step * (steps - 1 - i)`` after it, each product and sum done
    wider and rounded once to the dtype (as a fused multiply-add: so ``linspace(-1, 1, 7)[3]``
    is -2.98e-08 in float32, not 0).
    """
    dtype = dtype or D.get_default_dtype()
    if steps == 1:
        return _finish(np.full(1, start), dtype, device, requires_grad)
    if dtype.is_floating_point:
        t = dtype.np.type
        s, e = t(start), t(end)
        wide = np.longdouble if dtype.itemsize == 8 else np.float64
    else:  # the ends are cast to the dtype first, the step is a double
        t = wide = np.float64
        s, e = t(dtype.np.type(start)), t(dtype.np.type(end))
    step = wide((e - s) / t(max(steps - 1, 1)))
    i = np.arange(steps)
    values = np.where(i < steps // 2, wide(s) + step * i.astype(wide),
                      wide(e) - step * (steps - 1 - i).astype(wide))
    return _finish(values, dtype, device, requires_grad)


def rand(*size: Any, dtype: D.dtype | None = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """Uniform random numbers in [0, 1) (NumPy's stream, see :func:`manual_seed`)."""
    dtype = dtype or D.get_default_dtype()
    return _finish(_rng().random(_shape_arg(size)), dtype, device, requires_grad)


def randn(*size: Any, dtype: D.dtype | None = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    """Standard normal random numbers (NumPy's stream, see :func:`manual_seed`)."""
    dtype = dtype or D.get_default_dtype()
    return _finish(_rng().standard_normal(_shape_arg(size)), dtype, device, requires_grad)


def randint(low: int, high: int | None = None, size: tuple = (), dtype: D.dtype | None = None,
            device: Any = None) -> Tensor:
    """Random integers in [low, high)."""
    if high is None:
        low, high = 0, low
    return _finish(_rng().integers(low, high, size=_shape_arg((size,))),
                   dtype or D.int64, device, False)
