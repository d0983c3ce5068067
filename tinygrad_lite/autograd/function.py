"""Primitives of your own: a forward rule and a backward rule, recorded as one record."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import ops
from .._tensor import Tensor, _record, _recording, _store, _wrap, no_grad


class FunctionCtx:
    """The ``ctx`` a :class:`Function`'s forward and backward share.

    Attributes:
        saved_tensors: what ``save_for_backward`` kept.
        needs_input_grad: one flag per forward argument: does it need a gradient?
    """

    def __init__(self) -> None:
        self.saved_tensors: tuple[Tensor, ...] = ()
        self.needs_input_grad: tuple[bool, ...] = ()

    def save_for_backward(self, *tensors: Tensor) -> None:
        """Keep tensors for the backward rule (read them as ``ctx.saved_tensors``)."""
        self.saved_tensors = tensors

    def mark_non_differentiable(self, *tensors: Tensor) -> None:
        """Accepted for compatibility; outputs here are always differentiable."""


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

    @classmethod
    def apply(cls, *args: Any) -> Tensor:
        """Run ``forward`` and record it as one primitive."""
        ctx = FunctionCtx()
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a._rg for a in args)
        with no_grad():
            out = cls.forward(ctx, *args)
        if not isinstance(out, Tensor):
            raise TypeError(
                f"{cls.__name__}.forward must return a Tensor, got {type(out).__name__}")
        tensors = tuple(a for a in args if isinstance(a, Tensor))
        positions = tuple(i for i, a in enumerate(args) if isinstance(a, Tensor))
        rg = any(t._rg for t in tensors) and _recording()
        return _record(out._data, _op_for(cls), tensors, (ctx, positions), rg)


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
        user_ctx, positions = ctx
        raw = not isinstance(g, Tensor)
        if raw:
            with no_grad():
                grads = cls.function.backward(user_ctx, _wrap(g))
        else:
            grads = cls.function.backward(user_ctx, g)
        if not isinstance(grads, tuple):
            grads = (grads,)
        picked = []
        for p in positions:
            gx = grads[p] if p < len(grads) else None
            if raw and isinstance(gx, Tensor):  # a copy: it may be a saved tensor's storage
                gx = _store(np.array(gx._data))
            picked.append(gx)
        return picked[0] if len(picked) == 1 else tuple(picked)
