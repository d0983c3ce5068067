"""More elementwise operations: rounding (``round``, ``floor``, ``ceil``, ``trunc``),
one-sided clamps, ``log1p``/``expm1``/``logit``, ``nan_to_num``, the ``isnan`` family, and floor
division and remainders (``//``, ``%``, ``fmod``), with their in-place forms, as PyTorch
has them (dtypes, messages, and which of them have a gradient).

The primitives are in :mod:`tinygrad_lite.ops`; the methods are attached to the Tensor
class at the end of the module.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _dtype as D
from . import _inplace, ops
from . import _tensor as T
from ._tensor import Tensor


def _not_for(kernel: str, t: Tensor) -> NotImplementedError:
    """PyTorch's error for a kernel that has no version for ``t``'s dtype."""
    return NotImplementedError(f'"{kernel}" not implemented for '
                               f"'{T._SCALAR_NAMES[t.dtype.name][0]}'")


def _rounding(op: type[ops.Op], kernel: str) -> Any:
    """The method for a rounding primitive: integers come back as they are (a copy), bools
    are refused, as in PyTorch."""

    def method(self: Tensor) -> Tensor:
        if self.dtype is D.bool:
            raise _not_for(kernel, self)
        if not self.dtype.is_floating_point:
            return self.clone()
        return T._unary(op, self)

    method.__name__ = op.__name__.lower()
    method.__doc__ = f"``{method.__name__}`` of each element (its gradient is 0)."
    return method


floor = _rounding(ops.Floor, "floor_vml_cpu")
ceil = _rounding(ops.Ceil, "ceil_vml_cpu")
trunc = _rounding(ops.Trunc, "trunc_vml_cpu")
_round = _rounding(ops.Round, "round_vml_cpu")


def round(self: Tensor, *, decimals: Any = None) -> Tensor:  # noqa: A001
    """To the nearest integer (halves to even), or to ``decimals`` decimal places."""
    if decimals is None:
        return _round(self)
    if not isinstance(decimals, int) or isinstance(decimals, bool):
        raise TypeError(f"round(): argument 'decimals' must be int, not "
                        f"{T._type_name(decimals)}")
    if not self.dtype.is_floating_point:
        raise _not_for("round_vml_cpu" if decimals == 0 else "round_cpu", self)
    return T._unary(ops.RoundDecimals, self, decimals)


def _one_sided(op: type[ops.Op], self: Tensor, bound: Any) -> Tensor:
    if isinstance(bound, Tensor):
        op = ops.ClampMinTensor if op is ops.ClampMin else ops.ClampMaxTensor
        return T._binary(op, self, bound)
    T._check_fits(bound, self.dtype)
    dt = T._scalar_type(self._data, bound)  # PyTorch's promotion with a number
    t = self if dt is self.dtype else self.to(dt)
    return T._unary(op, t, bound, keep_int=True)


def clamp_min(self: Tensor, min: Any) -> Tensor:  # noqa: A002
    """``max(self, min)``; the gradient passes where ``self >= min``."""
    return _one_sided(ops.ClampMin, self, min)


def clamp_max(self: Tensor, max: Any) -> Tensor:  # noqa: A002
    """``min(self, max)``; the gradient passes where ``self <= max``."""
    return _one_sided(ops.ClampMax, self, max)


def log1p(self: Tensor) -> Tensor:
    """``log(1 + self)``, accurate near 0."""
    return T._unary(ops.Log1p, self)


def logit(self: Tensor, eps: float | None = None) -> Tensor:
    """``log(p / (1 - p))``, the inverse of ``sigmoid``; with ``eps``, ``p`` is first clamped
    to [eps, 1 - eps] (so 0 and 1 give finite values)."""
    return T._unary(ops.Logit, self, None if eps is None else float(eps))


def expm1(self: Tensor) -> Tensor:
    """``exp(self) - 1``, accurate near 0."""
    return T._unary(ops.Expm1, self)


def nan_to_num(self: Tensor, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None) -> Tensor:
    """NaN, inf and -inf replaced by ``nan``, ``posinf`` and ``neginf`` (by default 0 and
    the dtype's largest and smallest numbers); integers come back as they are."""
    if not self.dtype.is_floating_point:
        return self.clone()
    info = np.finfo(self.dtype.np)
    ctx = (nan, info.max if posinf is None else posinf, info.min if neginf is None else neginf)
    return T._unary(ops.NanToNum, self, ctx)


def _test(f: Any, doc: str) -> Any:
    def method(self: Tensor) -> Tensor:
        return T._leaf(np.asarray(f(self._data)))

    method.__doc__ = doc
    return method


isnan = _test(np.isnan, "True where the element is NaN.")
isinf = _test(np.isinf, "True where the element is inf or -inf.")
isfinite = _test(np.isfinite, "True where the element is neither NaN nor infinite.")


# -- floor division and remainders ---------------------------------------------------------------
def _division(name: str, op: type[ops.Op], op_number: type[ops.Op], kernel: str) -> Any:
    """The method ``a <op> b`` for a tensor or a number ``b``, with PyTorch's errors: a bool
    tensor has no such kernel, an integer division by zero raises."""

    def method(self: Tensor, other: Any) -> Tensor:
        if isinstance(other, Tensor):
            if self.dtype is D.bool and other.dtype is D.bool:
                raise _not_for(kernel, self)
            if T._result_type(self._data, other._data)._rank < 2 and np.any(
                    np.equal(other._data, 0)):
                raise RuntimeError("ZeroDivisionError")
            return T._binary(op, self, other)
        c = T._number(other)
        if c is None:
            return NotImplemented
        if self.dtype is D.bool and isinstance(c, bool):
            raise _not_for(kernel, self)
        if T._scalar_type(self._data, c)._rank < 2 and c == 0:
            raise RuntimeError("ZeroDivisionError")
        return T._with_number(op_number, self, c)

    method.__name__ = name
    return method


def _reflected(name: str, op: type[ops.Op]) -> Any:
    """The method ``c <op> a`` for a number ``c`` (PyTorch has no gradient for it)."""

    def method(self: Tensor, other: Any) -> Tensor:
        c = T._number(other)
        if c is None:
            return NotImplemented
        if T._scalar_type(self._data, c)._rank < 2 and np.any(np.equal(self._data, 0)):
            raise RuntimeError("ZeroDivisionError")
        return T._with_number(op, self, c)

    method.__name__ = name
    return method


floor_divide = _division("floor_divide", ops.FloorDivide, ops.FloorDivideC, "div_floor_cpu")
remainder = _division("remainder", ops.Remainder, ops.RemainderC, "remainder_cpu")
fmod = _division("fmod", ops.Fmod, ops.FmodC, "fmod_cpu")
_rfloordiv = _reflected("__rfloordiv__", ops.RFloorDivideC)
_rmod = _reflected("__rmod__", ops.RRemainderC)


def remainder_function(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``torch.remainder(input, other)``: ``input % other``, either of them a number."""
    if not isinstance(input, Tensor):
        return _rmod(other, input)
    return remainder(input, other)


def _in_place(f: Any) -> Any:
    """The in-place form ``t.f_(...)`` of the method ``f``."""
    kernel = "clamp" if f.__name__.startswith("clamp") else None  # its message's C names

    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        return _inplace.apply(self, lambda s: f(s, *args, **kwargs), cast=False, kernel=kernel)

    method.__name__ = f"{f.__name__}_"
    method.__doc__ = f"``{f.__name__}``, in place."
    return method


_METHODS = {"round": round, "floor": floor, "ceil": ceil, "trunc": trunc,
            "clamp_min": clamp_min, "clamp_max": clamp_max, "log1p": log1p, "expm1": expm1,
            "logit": logit, "nan_to_num": nan_to_num, "floor_divide": floor_divide,
            "remainder": remainder, "fmod": fmod}
for _name, _f in _METHODS.items():
    setattr(Tensor, _name, _f)
    setattr(Tensor, f"{_name}_", _in_place(_f))
Tensor.isnan = isnan
Tensor.isinf = isinf
Tensor.isfinite = isfinite
Tensor.__floordiv__ = floor_divide
Tensor.__rfloordiv__ = _rfloordiv
Tensor.__mod__ = remainder
Tensor.__rmod__ = _rmod
Tensor.__ifloordiv__ = Tensor.floor_divide_
Tensor.__imod__ = Tensor.remainder_
