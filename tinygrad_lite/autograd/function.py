"""Primitives of your own: a forward rule and a backward rule, recorded as one record."""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from .. import ops
from .._tensor import Tensor, _record, _recording, _store, _type_name, _wrap, no_grad
from . import forward_ad


class FunctionCtx:
    """The ``ctx`` a :class:`Function`'s forward and backward share.

    Attributes:
        saved_tensors: what ``save_for_backward`` kept.
        needs_input_grad: one flag per forward argument: does it need a gradient?
    """

    def __init__(self) -> None:
        self._saved: tuple[Any, ...] = ()
        self.needs_input_grad: tuple[bool, ...] = ()

    def save_for_backward(self, *tensors: Tensor) -> None:
        """Keep tensors for the backward rule (read them as ``ctx.saved_tensors``)."""
        self._saved = tensors

    @property
    def saved_tensors(self) -> tuple[Tensor, ...]:
        """What ``save_for_backward`` kept. The tensor that ``forward`` returned comes back
        as the recorded output, as in PyTorch: under ``create_graph=True`` a rule that reads
        it is differentiated through this Function again (the sigmoid's ``s (1 - s)``).
        The ctx holds that output by a weak reference: the record holds the ctx, and a
        reference cycle would leave the graph for the garbage collector to free."""
        return tuple(t() if type(t) is weakref.ref else t for t in self._saved)

    @saved_tensors.setter
    def saved_tensors(self, tensors: tuple[Tensor, ...]) -> None:
        self._saved = tuple(tensors)

    def mark_non_differentiable(self, *tensors: Tensor) -> None:
        """Accepted for compatibility; outputs here are always differentiable."""

    def save_for_forward(self, *tensors: Tensor) -> None:
        """Keep tensors for the tangent rule ``jvp`` (there, read them as
        ``ctx.saved_tensors``)."""
        self.saved_for_forward = tensors


class Function:
    """Base class for a user-defined primitive.

    Subclass it with two static methods and call ``MyFn.apply(x, ...)``::

        class Square(Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * x

            @staticmethod
            def backward(ctx, grad):
                (x,) = ctx.saved_tensors
                return 2 * x * grad

    ``forward`` runs with recording off and its result becomes one record on the tape, named
    ``SquareBackward``; ``backward`` gets the output's gradient as a Tensor and returns one
    gradient per forward argument (None for arguments that are not tensors).
    """

    @staticmethod
    def forward(ctx: FunctionCtx, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("a Function subclass must implement forward(ctx, ...)")

    @staticmethod
    def backward(ctx: FunctionCtx, *grad_outputs: Any) -> Any:
        raise NotImplementedError("a Function subclass must implement backward(ctx, grad)")

    @staticmethod
    def jvp(ctx: FunctionCtx, *grad_inputs: Any) -> Any:
        """The tangent rule of forward mode (optional): given one tangent per forward
        argument (None where there is none), return the output's tangent."""
        raise NotImplementedError("You must implement the jvp function for custom "
                                  "autograd.Function to use it with forward mode AD.")

    @classmethod
    def apply(cls, *args: Any) -> Tensor:
        """Run ``forward`` and record it as one primitive."""
        ctx = FunctionCtx()
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a._rg for a in args)
        with no_grad(), forward_ad._tangents_off():  # forward mode: the jvp's, not forward's
            out = cls.forward(ctx, *args)
        if not isinstance(out, Tensor):
            raise TypeError(
                f"{cls.__name__}.forward must return a Tensor, got {type(out).__name__}")
        tensors = tuple(a for a in args if isinstance(a, Tensor))
        rg = any(t._rg for t in tensors) and _recording()
        inputs = tuple((t._rg, t.shape, t.dtype) if isinstance(t, Tensor) else None for t in args)
        result = _record(out._data, _op_for(cls), tensors, (ctx, inputs), rg)
        if rg and any(t is out for t in ctx._saved):  # the output saved: the record, weakly
            ref = weakref.ref(result)
            ctx._saved = tuple(ref if t is out else t for t in ctx._saved)
        return result


def _op_for(cls: type[Function]) -> type[ops.Op]:
    """The primitive that records calls of ``cls`` (made once per Function subclass)."""
    op = cls.__dict__.get("_tape_op")
    if op is None:
        op = type(f"{cls.__name__}Backward", (_FunctionOp,), {"name": f"{cls.__name__}Backward",
                                                             "function": cls})
        cls._tape_op = op
    return op


class _FunctionOp(ops.Op):
    """Adapts a Function's backward to the engine's rule signature."""

    function: type[Function] = Function

    @staticmethod
    def forward(ctx: Any, *xs: Any) -> Any:
        raise RuntimeError("a Function's forward runs through Function.apply")

    @classmethod
    def backward(cls, ctx: Any, g: Any, out: Any, *xs: Any) -> Any:
        """Run the Function's backward and check what it returns, as PyTorch does.

        ``ctx`` is the Function's ctx and, for each forward argument, None if it is not a
        tensor, else ``(requires_grad, shape, dtype)``.

        Raises:
            RuntimeError: for a wrong number of gradients, a gradient for an argument that
                is not a tensor, a gradient that is not a tensor (or None), or one of a shape
                that the input's does not broadcast to, with PyTorch's messages.
        """
        user_ctx, inputs = ctx
        raw = not isinstance(g, Tensor)
        if raw:
            with no_grad():
                grads = cls.function.backward(user_ctx, _wrap(g))
        else:
            grads = cls.function.backward(user_ctx, g)
        specs = [spec for spec in inputs if spec is not None]
        picked = _checked_grads(cls.name, grads, inputs)
        for i, (gx, spec, x) in enumerate(zip(picked, specs, xs)):
            if gx is not None:
                picked[i] = _fit(cls.name, gx, i, spec, x, raw)
        return picked[0] if len(picked) == 1 else tuple(picked)


    @classmethod
    def jvp(cls, ctx: Any, t: Any, out: Any, *xs: Any) -> Any:
        """Run the Function's ``jvp`` on the tangents (as Tensors, with ``ctx.saved_tensors``
        those of ``save_for_forward``); without one, PyTorch's NotImplementedError."""
        user_ctx, inputs = ctx
        tangents = iter(t if len(xs) > 1 else (t,))
        args = [None if spec is None else next(tangents) for spec in inputs]
        saved = user_ctx.saved_tensors
        user_ctx.saved_tensors = getattr(user_ctx, "saved_for_forward", saved)
        try:
            with no_grad(), forward_ad._tangents_off():
                r = cls.function.jvp(user_ctx, *(None if a is None else _wrap(a) for a in args))
        finally:
            user_ctx.saved_tensors = saved
        return r._data if isinstance(r, Tensor) else r


def _checked_grads(name: str, grads: Any, inputs: tuple) -> list[Any]:
    """The gradients a Function's backward returned, one per tensor argument.

    Raises:
        RuntimeError: as described in :meth:`_FunctionOp.backward`, but for the shapes.
    """
    grads = grads if isinstance(grads, tuple) else (grads,)
    n = len(inputs)
    if len(grads) > n and all(gx is None for gx in grads[n:]):  # extra Nones are fine
        grads = grads[:n]
    if len(grads) != n:
        raise RuntimeError(f"function {name} returned an incorrect number of gradients "
                           f"(expected {n}, got {len(grads)})")
    for i, (gx, spec) in enumerate(zip(grads, inputs)):
        if spec is None and gx is not None:
            raise RuntimeError(f"function {name} returned a gradient different than None at "
                               f"position {i + 1}, but the corresponding forward input was not "
                               "a Variable")
        if gx is not None and not isinstance(gx, Tensor):
            raise RuntimeError(f"expected Variable or None (got {_type_name(gx)})")
    return [gx for gx, spec in zip(grads, inputs) if spec is not None]


def _fit(name: str, gx: Tensor, index: int, spec: tuple, x: Any, raw: bool) -> Any:
    """The gradient ``gx`` for tensor input number ``index`` (value ``x``), summed to its
    shape and cast to its dtype, raw or a Tensor (under ``create_graph``).

    Raises:
        RuntimeError: PyTorch's ``invalid gradient`` for a shape that the input's does not
            broadcast to (checked for inputs that require grad only, as PyTorch).
    """
    needs_grad, shape, dtype = spec
    if needs_grad and tuple(gx.shape) != tuple(shape):
        if not _expandable(tuple(shape), tuple(gx.shape)):
            raise RuntimeError(f"Function {name} returned an invalid gradient at index {index} "
                               f"- got {list(gx.shape)} but expected shape compatible with "
                               f"{list(shape)}")
        gx = ops.sum_to(gx if not raw else gx._data, x)
        if raw:
            return _store(np.array(gx, dtype=dtype.np))
    if raw:  # a copy: it may be a saved tensor's storage
        return _store(np.array(gx._data, dtype=dtype.np))
    return gx if gx.dtype is dtype else gx.to(dtype)


def _expandable(shape: tuple[int, ...], target: tuple[int, ...]) -> bool:
    """Whether ``shape`` broadcasts to ``target``."""
    if len(shape) > len(target):
        return False
    return all(n == m or n == 1 for n, m in zip(reversed(shape), reversed(target)))
