"""``nn.Parameter``: a tensor that a :class:`~tinygrad_lite.nn.Module` learns."""

from __future__ import annotations

from .._tensor import Tensor, _init_leaf


class Parameter(Tensor):
    """A leaf tensor that, assigned to a ``Module`` attribute, becomes one of its parameters.

    ``Parameter(t)`` shares ``t``'s storage (no copy) and requires grad by default. It
    prints as ``Parameter containing:`` followed by the tensor. Results of operations on a
    parameter are plain tensors.

    Args:
        data: the tensor to wrap (an empty float tensor if None).
        requires_grad: whether gradients flow to the parameter.

    Raises:
        TypeError: if ``data`` is not a tensor.
        RuntimeError: ``requires_grad=True`` for a tensor that is not floating point.
    """

    __slots__ = ()

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        if data is None:
            from .._creation import empty

            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(
                "_make_subclass(): argument 'data' (position 2) must be Tensor, not "
                f"{type(data).__name__}")
        if requires_grad and not data.is_floating_point():
            raise RuntimeError(
                "Only Tensors of floating point and complex dtype can require gradients")
        _init_leaf(self, data._shared_array(), requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__
