"""``optim.RMSprop``: gradients scaled by a running root mean square."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .. import _creation
from . import _kernels as K
from .optimizer import Optimizer, _check_nonnegative, _to_scalar, _write, _zero_step


class RMSprop(Optimizer):
    """RMSprop, step by step as PyTorch computes it::

        g = grad (negated if maximize), plus weight_decay * p if weight_decay != 0
        v = alpha v + (1 - alpha) g^2                    # square_avg
        m = m + (1 - alpha) (g - m)                      # grad_avg, if centered (a lerp)
        avg = sqrt(v - m^2) if centered, else sqrt(v); then avg = avg + eps
        buf = momentum buf + g / avg; p = p - lr buf     if momentum > 0
        p = p - lr g / avg                               otherwise

    Args:
        params: tensors or parameter groups (see :class:`Optimizer`).
        lr: learning rate.
        alpha: smoothing constant of the running average of g^2.
        eps: added to the denominator for stability.
        weight_decay: L2 penalty.
        momentum: momentum factor.
        centered: normalize by an estimate of the gradient's variance instead.
        capturable: accepted and shown, as in PyTorch.
        foreach: accepted and shown, as in PyTorch (one code path here).
        maximize: maximize the objective instead of minimizing.
        differentiable: only False is supported.

    Raises:
        ValueError: for invalid hyperparameters, with PyTorch's messages.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0, momentum: float = 0,
                 centered: bool = False, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        _check_nonnegative(("learning rate", lr), ("epsilon value", eps),
                           ("momentum value", momentum), ("weight_decay value", weight_decay),
                           ("alpha value", alpha))
        if differentiable:
            raise NotImplementedError("differentiable=True is not supported by tinygrad_lite")
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps,
                    "centered": centered, "weight_decay": weight_decay,
                    "capturable": capturable, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; return ``closure()`` if given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, alpha, momentum = _to_scalar(group["lr"]), group["alpha"], group["momentum"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["step"] = _zero_step()
                    state["square_avg"] = _creation.zeros_like(p)
                    if momentum > 0:
                        state["momentum_buffer"] = _creation.zeros_like(p)
                    if group["centered"]:
                        state["grad_avg"] = _creation.zeros_like(p)
                _write(state["step"], state["step"]._data + 1)
                g = p.grad._data
                if group["maximize"]:
                    g = -g
                if group["weight_decay"] != 0:
                    g = K.add(g, p._data, group["weight_decay"])
                sq = state["square_avg"]
                _write(sq, K.addcmul(K.mul(sq._data, alpha), g, g, 1 - alpha))
                if group["centered"]:
                    m = state["grad_avg"]
                    _write(m, K.lerp(m._data, g, 1 - alpha))
                    avg = K.sqrt(K.addcmul(sq._data, m._data, m._data, -1))
                else:
                    avg = K.sqrt(sq._data)
                avg = avg + K.scalar(group["eps"], avg)
                if momentum > 0:
                    buf = state["momentum_buffer"]
                    _write(buf, K.addcdiv(K.mul(buf._data, momentum), g, avg, 1))
                    _write(p, K.add(p._data, buf._data, -lr))
                else:
                    _write(p, K.addcdiv(p._data, g, avg, -lr))
        return loss
