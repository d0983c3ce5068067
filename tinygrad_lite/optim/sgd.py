"""``optim.SGD``: stochastic gradient descent, with momentum, weight decay and Nesterov."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from . import _kernels as K
from .optimizer import Optimizer, _copy, _to_scalar, _write


class SGD(Optimizer):
    """Stochastic gradient descent, step by step as PyTorch computes it::

        g = grad (negated if maximize)
        g = g + weight_decay * p                         if weight_decay != 0
        buf = g (first step), else momentum * buf + (1 - dampening) * g
        g = g + momentum * buf (nesterov), else g = buf  if momentum != 0
        p = p - lr * g

    Args:
        params: tensors or parameter groups (see :class:`Optimizer`).
        lr: learning rate.
        momentum: momentum factor.
        dampening: dampening of the momentum.
        weight_decay: L2 penalty.
        nesterov: use Nesterov momentum.
        maximize: maximize the objective instead of minimizing.
        foreach: accepted and shown, as in PyTorch (one code path here).
        differentiable: only False is supported.
        fused: accepted and shown, as in PyTorch (one code path here).

    Raises:
        ValueError: for invalid hyperparameters, with PyTorch's messages.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float = 0, nesterov: bool = False, *,
                 maximize: bool = False, foreach: bool | None = None,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if differentiable:
            raise NotImplementedError("differentiable=True is not supported by tinygrad_lite")
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize,
                    "foreach": foreach, "differentiable": differentiable, "fused": fused}
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; return ``closure()`` if given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, momentum = _to_scalar(group["lr"]), group["momentum"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad._data
                if group["maximize"]:
                    g = -g
                if group["weight_decay"] != 0:
                    g = K.add(g, p._data, group["weight_decay"])
                if momentum != 0:
                    state = self.state[p]
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        buf = state["momentum_buffer"] = _copy(g)
                    else:
                        _write(buf, K.add(K.mul(buf._data, momentum), g,
                                          1 - group["dampening"]))
                    g = K.add(g, buf._data, momentum) if group["nesterov"] else buf._data
                _write(p, K.add(p._data, g, -lr))
        return loss
