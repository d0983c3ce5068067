"""Forward-mode automatic differentiation on dual numbers, as ``torch.autograd.forward_ad``.

A *dual number* is a pair ``x + x' ε`` with the rule ``ε² = 0``: its first part is a value
(the *primal*), its second a direction of change (the *tangent*). Any function of it
expands as ``f(x + x' ε) = f(x) + f'(x) x' ε``, the higher powers of ``ε`` vanishing, so
computing with dual numbers carries the derivative along with the value: the tangent of
the result is the Jacobian of the function times the input's tangent (a Jacobian-vector
product, *jvp*). A dual tensor is the same pair with a tensor in each part::

    import tinygrad_lite as torch
    import tinygrad_lite.autograd.forward_ad as fwAD

    with fwAD.dual_level():
        x = fwAD.make_dual(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 0.0]))
        y = (x * x).sin()
        primal, tangent = fwAD.unpack_dual(y)  # tangent = cos(x * x) * 2 x * [1, 0]

**No tape is needed.** The reverse mode records every operation (the Wengert list of
:mod:`tinygrad_lite._tensor`) because the chain rule is applied from the output back, after
the forward pass. Forward mode applies it in the order the program runs: each primitive's
tangent rule (its ``jvp``, beside its forward and backward rules in
:mod:`tinygrad_lite.ops`) turns its inputs' tangents into its output's as the op runs, and
the tangent travels with the value. Nothing is kept for later; one forward pass gives one
Jacobian-vector product, whatever the number of outputs. Recording still works alongside:
a function of dual tensors that require grad is recorded as usual, and ``backward()`` of
it gives the usual gradients.

How it costs nothing outside a level: every tensor a primitive makes is created by
:func:`tinygrad_lite._tensor._make`. While a level is open, that module-level function (and
every other module's binding of it) is replaced by :func:`_make_dual`, which also computes
the tangent; leaving the level puts the plain one back. The engine's hot path never tests
for tangents.
"""

from __future__ import annotations

import contextlib
import sys
import weakref
from collections.abc import Iterator
from typing import Any, NamedTuple

import numpy as np

from .. import _tensor as T
from .. import ops
from .._quiet import quiet
from .._tensor import Tensor

__all__ = ["UnpackedDualTensor", "dual_level", "enter_dual_level", "exit_dual_level",
           "make_dual", "unpack_dual"]

_current_level = -1  # -1: no level open
_plain_make = T._make
# The tangents of the open level, by the id of their tensor: (a weak reference to the
# tensor, which drops the entry when the tensor goes, and the tangent, a Tensor). A table
# beside the tensors, not a slot in them: a tensor stays as small and as fast to make.
_tangents: dict[int, tuple[weakref.ref, Tensor]] = {}


_bound: list[Any] = []  # the modules whose ``_make`` is rebound while the level is open


def _package_modules(bound_to: Any) -> list[Any]:
    """The modules of the package whose ``_make`` is ``bound_to``: ``_tensor`` itself, and
    those that imported it by name."""
    return [m for name, m in list(sys.modules.items())
            if (name == "tinygrad_lite" or name.startswith("tinygrad_lite."))
            and getattr(m, "_make", None) is bound_to]


def _rebind(new: Any) -> None:
    """Bind ``_make`` to ``new`` in the modules found when the level opened."""
    if not _bound:
        _bound.extend(_package_modules(_plain_make))
    for module in _bound:
        module._make = new


def enter_dual_level() -> int:
    """Open a forward-AD level; tangents given by :func:`make_dual` live until it is left.

    Returns:
        The new level's number (0: only one level can be open at a time, as in PyTorch).

    Raises:
        RuntimeError: if a level is open already (nested forward AD is not supported).
    """
    global _current_level
    if _current_level >= 0:
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    _current_level = 0
    T._dual = True
    _rebind(_make_dual)
    return _current_level


def exit_dual_level(*, level: int | None = None) -> None:
    """Leave the open level: every tangent given or computed in it is dropped.

    Args:
        level: the level to leave (the open one by default).

    Raises:
        RuntimeError: for a level that is not the open one, with PyTorch's messages.
    """
    global _current_level
    if level is None:
        level = _current_level
    if level != _current_level:
        raise RuntimeError("Trying to exit a forward AD level that was not the last one that "
                           "was created. This is not supported.")
    if level < 0:
        raise RuntimeError("Dual level must be a positive number.")
    _rebind(_plain_make)
    _bound.clear()
    for module in _package_modules(_make_dual):  # one imported while the level was open
        module._make = _plain_make
    T._dual = False
    _tangents.clear()
    _current_level = level - 1


class dual_level:  # noqa: N801 - PyTorch's name
    """Context manager (or decorator) that opens a forward-AD level for its block.

    Example::

        with dual_level():
            y = f(make_dual(x, v))
            jvp = unpack_dual(y).tangent  # J(x) @ v
        # here the tangents are gone: unpack_dual(y).tangent is None
    """

    def __enter__(self) -> int:
        return enter_dual_level()

    def __exit__(self, *exc: Any) -> None:
        exit_dual_level()

    def __call__(self, f: Any) -> Any:
        import functools

        @functools.wraps(f)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            with self:
                return f(*args, **kwargs)

        return wrapped


class UnpackedDualTensor(NamedTuple):
    """What :func:`unpack_dual` returns: the primal and the tangent (None if it has none)."""

    primal: Tensor
    tangent: Tensor | None


def _check_level(level: int | None, what: str) -> int:
    """The level to use (the open one by default)."""
    if level is None:
        return _current_level
    if level != _current_level:
        raise RuntimeError(f"Invalid level given to {what}")
    return level


def make_dual(tensor: Tensor, tangent: Tensor, *, level: int | None = None) -> Tensor:
    """A dual tensor: a new view of ``tensor`` that carries ``tangent`` (kept as it is,
    not copied) in the open level.

    Args:
        tensor: the primal (floating point).
        tangent: its tangent, of the same shape (floating point; it is cast to the primal's
            dtype where they differ, so the results' tangents have the results' dtypes).
        level: the level (the open one by default).

    Returns:
        A tensor with ``tensor``'s values (a view of it, recorded if it requires grad) whose
        operations compute tangents too.

    Raises:
        RuntimeError: outside a level, for a tangent of another size, or for a tensor that
            has a tangent already; ValueError: for a primal or a tangent that is not
            floating point (PyTorch's messages).
    """
    if level is None:
        level = _current_level
    if level < 0:
        raise RuntimeError("Trying to create a dual Tensor for forward AD but no level "
                           "exists, make sure to enter_dual_level() first.")
    if not tensor.is_floating_point():
        raise ValueError(f"Expected primal to be floating point or complex, but got: "
                         f"{tensor.dtype}")
    if not tangent.is_floating_point():
        raise ValueError(f"Expected tangent to be floating point or complex, but got: "
                         f"{tangent.dtype}")
    if level != _current_level:
        raise RuntimeError("Invalid level given to _make_dual")
    if _tangent_of(tensor) is not None:
        raise RuntimeError(f"Making a dual Tensor based on a Tensor that already has a forward "
                           f"gradient at the same level {level} is not supported.")
    if tuple(tangent.shape) != tuple(tensor.shape):
        raise RuntimeError(f"Trying to set a forward gradient that has a different size than "
                           f"that of the original Tensor, this is not supported. Tensor is of "
                           f"size {list(tensor.shape)} while the given forward gradient is of "
                           f"size {list(tangent.shape)}.")
    from .. import _inplace

    dual = _inplace.view(ops.View, tensor, tuple(tensor.shape))  # ViewBackward0, as PyTorch
    if tangent.dtype is not tensor.dtype:
        tangent = tangent.to(tensor.dtype)
    _attach(dual, tangent if type(tangent._data) is type(dual._data) else  # noqa: E721
            _as_tensor(_fit(tangent._data, dual._data)))
    return dual


def unpack_dual(tensor: Tensor, *, level: int | None = None) -> UnpackedDualTensor:
    """The primal and the tangent of ``tensor``.

    Args:
        tensor: a tensor, dual or not.
        level: the level (the open one by default).

    Returns:
        ``UnpackedDualTensor(primal, tangent)``: ``primal`` a view of ``tensor`` without a
        tangent, ``tangent`` the tangent as it is stored (None for a tensor that has none,
        and outside a level, where ``primal`` is ``tensor`` itself).

    Raises:
        TypeError: if ``tensor`` is not a tensor (PyTorch's message).
        RuntimeError: for a level that is not the open one.
    """
    if _current_level < 0 and level is None:
        return UnpackedDualTensor(tensor, None)
    if not isinstance(tensor, Tensor):
        raise TypeError(f"_unpack_dual(): argument 'dual' (position 1) must be Tensor, not "
                        f"{T._type_name(tensor)}")
    from .. import _inplace

    tangent = _tangent_of(tensor)
    if tangent is None:
        return UnpackedDualTensor(tensor, None)
    _check_level(level, "_fw_primal")
    with _tangents_off():  # the primal is a view without a tangent
        primal = _inplace.view(_Primal, tensor, tuple(tensor.shape))
    return UnpackedDualTensor(primal, tangent)


class _Primal(ops.Alias):
    """The primal :func:`unpack_dual` returns: a view of the dual tensor, recorded under
    the name PyTorch prints for it."""

    name = "Identity"


@contextlib.contextmanager
def _tangents_off() -> Iterator[None]:
    """Compute no tangents in this block (a custom Function's forward and jvp, as PyTorch,
    and the primal :func:`unpack_dual` returns)."""
    if _current_level < 0 or T._make is not _make_dual:
        yield
        return
    _rebind(_plain_make)
    try:
        yield
    finally:
        _rebind(_make_dual)


# --------------------------------------------------------------------------------------
# Tangents of results
# --------------------------------------------------------------------------------------
def _as_tensor(raw: Any) -> Tensor:
    """A tangent's raw value (stored as a value is: see :func:`_fit`) as a Tensor that
    needs no grad."""
    return _plain_make(raw, None, None, None, None, False)


def _tangent_of(t: Tensor) -> Tensor | None:
    """The tangent of ``t`` in the open level, None if it has none."""
    entry = _tangents.get(id(t))
    return None if entry is None else entry[1]


def _attach(t: Tensor, tangent: Tensor | None) -> None:
    """Give ``t`` the tangent ``tangent`` (a Tensor; None: none) in the open level."""
    key = id(t)
    if tangent is None:
        _tangents.pop(key, None)
        return

    def forget(ref: weakref.ref) -> None:  # t is going: its id may be reused
        if _tangents.get(key, (None,))[0] is ref:
            del _tangents[key]

    _tangents[key] = (weakref.ref(t, forget), tangent)


def _fit(tangent: Any, data: Any) -> Any:
    """A tangent a rule computed, as the output's value ``data`` is stored: a float for a
    0-d float64 value, else an array of its shape (broadcast: a rule may give 0 or a
    smaller array) and dtype."""
    if type(data) is float:
        return float(tangent)
    r = np.asarray(tangent, dtype=data.dtype)
    if r.shape != data.shape:
        r = np.broadcast_to(r, data.shape).copy()
    return r


def _inputs(a: Tensor, b: Any) -> tuple[Tensor, ...]:
    return (a,) if b is None else (a, *b) if type(b) is tuple else (a, b)


def _make_dual(data: Any, rule: Any, a: Tensor | None, b: Any, ctx: Any, rg: Any) -> Tensor:
    """:func:`tinygrad_lite._tensor._make`, plus the result's tangent when an input has
    one: the primitive's ``jvp`` rule applied to the inputs' tangents (raw values, None
    for an input without one). What this module puts in ``_make``'s place while a level is
    open."""
    t = _plain_make(data, rule, a, b, ctx, rg)
    if rule is None or a is None:
        return t
    ins = _inputs(a, b)
    tangents = [_tangent_of(x) for x in ins]
    if all(x is None for x in tangents):
        return t
    if type(data) is not float and data.dtype.kind != "f":
        return t  # integers and booleans carry no tangent
    raw = [None if x is None else x._data for x in tangents]
    xs = [x._data for x in ins]
    with quiet():  # inf and nan come quietly, as in the forward rules
        tan = rule.primitive.jvp(ctx, raw[0] if len(ins) == 1 else tuple(raw), data, *xs)
    if tan is None:  # the rule says the output has no tangent
        return t
    tan = _fit(tan, data)
    if type(tan) is np.ndarray:
        for x, r in zip(ins, raw):
            # a tangent shares an input tangent's memory only where the value is a view of
            # that input's value (then a change in place reaches both, as in PyTorch)
            if (type(r) is np.ndarray and np.may_share_memory(tan, r)
                    and not (type(x._data) is np.ndarray and np.may_share_memory(data, x._data))):
                tan = tan.copy()
                break
    _attach(t, _as_tensor(tan))
    return t


def _inplace_tangent(t: Tensor, r: Tensor, info: Any) -> None:
    """After ``t`` was changed in place to the value of ``r`` (the out-of-place result,
    computed with tangents): ``t``'s tangent becomes ``r``'s, written into ``t``'s own
    tangent, so that its base and its views, whose tangents are views of one array as
    their values are, see it too. A tensor that had no tangent gets one first (zeros, for
    the whole base of a view), and so do the views of it that had none, as in PyTorch."""
    new = _tangent_of(r)
    if new is None and _tangent_of(t) is None:
        return
    base = t if info is None else info[0]
    if _tangent_of(base) is None:
        if info is None:  # r's tangent is fresh: t takes it
            _attach(t, new)
            _share_with_views(t)
            return
        _attach(base, _as_tensor(_fit(0.0, base._shared_array())))
        _share_with_views(base)
    old = _tangent_of(t)
    if type(old._data) is not np.ndarray:  # a 0-d float64 tensor: nothing shares it
        old._data = _fit(new._data if new is not None else 0.0, t._data)
        return
    np.copyto(old._data, new._data if new is not None else 0.0, casting="unsafe")


def _share_with_views(base: Tensor) -> None:
    """Give each live view of ``base`` without a tangent the view of ``base``'s tangent."""
    from .. import _inplace

    v = _inplace.storage(base)
    if v is None or v.views is None:
        return
    tangent = _tangent_of(base)
    if type(tangent._data) is not np.ndarray:
        tangent._data = np.array(tangent._data)
    for w in list(v.views):
        info = _inplace.view_info(w)
        if info is not None and info[0] is base and _tangent_of(w) is None:
            _attach(w, _as_tensor(ops.view_steps(tangent._data, info[1])))
