"""``optim.Adagrad``: each coordinate's step scaled by its accumulated squared gradients."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .. import _creation
from . import _kernels as K
from .optimizer import Optimizer, _check_nonnegative, _to_scalar, _write, _zero_step


class Adagrad(Optimizer):
    """Adagrad, step by step as PyTorch computes it (t counts the steps)::

        g = grad (negated if maximize), plus weight_decay * p if weight_decay != 0
        clr = lr / (1 + (t - 1) lr_decay)
        s = s + g^2                                      # sum, from initial_accumulator_value
        p = p - clr g / (sqrt(s) + eps)

    The state (``step`` and ``sum``) of every parameter is made by the constructor, as in
    PyTorch.

    Args:
        params: tensors or parameter groups (see :class:`Optimizer`).
        lr: learning rate.
        lr_decay: learning rate decay.
        weight_decay: L2 penalty.
        initial_accumulator_value: the starting value of the sums.
        eps: added to the denominator for stability.
        foreach: accepted and shown, as in PyTorch (one code path here).
        maximize: maximize the objective instead of minimizing.
        differentiable: only False is supported.
        fused: accepted and shown, as in PyTorch (one code path here).

    Raises:
        ValueError: for invalid hyperparameters, with PyTorch's messages.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10, foreach: bool | None = None, *, maximize: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        _check_nonnegative(("learning rate", lr), ("lr_decay value", lr_decay),
                           ("weight_decay value", weight_decay),
                           ("initial_accumulator_value value", initial_accumulator_value),
                           ("epsilon value", eps))
        if differentiable:
            raise NotImplementedError("differentiable=True is not supported by tinygrad_lite")
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value,
                    "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                state["step"] = _zero_step()
                state["sum"] = _creation.full_like(p, group["initial_accumulator_value"])

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; return ``closure()`` if given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr = _to_scalar(group["lr"])
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                step_t, s = state["step"], state["sum"]
                _write(step_t, step_t._data + 1)
                g = p.grad._data
                if group["maximize"]:
                    g = -g
                if group["weight_decay"] != 0:
                    g = K.add(g, p._data, group["weight_decay"])
                clr = lr / (1 + (float(step_t._data) - 1) * group["lr_decay"])
                _write(s, K.addcmul(s._data, g, g, 1))
                std = K.sqrt(s._data)
                std = std + K.scalar(group["eps"], std)
                _write(p, K.addcdiv(p._data, g, std, -clr))
        return loss
