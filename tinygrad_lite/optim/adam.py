"""``optim.Adam``: adaptive moment estimation (with AMSGrad and decoupled weight decay)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .. import _creation
from . import _kernels as K
from .optimizer import Optimizer, _to_scalar, _write, _zero_step


class Adam(Optimizer):
    """Adam, step by step as PyTorch computes it (t counts the steps)::

        g = grad (negated if maximize), plus weight_decay * p if weight_decay != 0
            (with decoupled_weight_decay, p = p * (1 - lr * weight_decay) instead: AdamW)
        m = m + (1 - beta1) (g - m)                     # first moment (a lerp)
        v = beta2 v + (1 - beta2) g^2                   # second moment
        v_max = max(v_max, v)                           if amsgrad (used instead of v)
        denom = sqrt(v) / sqrt(1 - beta2^t) + eps
        p = p - lr / (1 - beta1^t) * m / denom

    Args:
        params: tensors or parameter groups (see :class:`Optimizer`).
        lr: learning rate.
        betas: decay rates of the first and second moments.
        eps: added to the denominator for stability.
        weight_decay: L2 penalty.
        amsgrad: use the maximum of past second moments.
        foreach: accepted and shown, as in PyTorch (one code path here).
        maximize: maximize the objective instead of minimizing.
        capturable: accepted and shown, as in PyTorch.
        differentiable: only False is supported.
        fused: accepted and shown, as in PyTorch (one code path here).
        decoupled_weight_decay: apply weight decay to the parameter directly (AdamW).

    Raises:
        ValueError: for invalid hyperparameters, with PyTorch's messages.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None,
                 decoupled_weight_decay: bool = False) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if differentiable:
            raise NotImplementedError("differentiable=True is not supported by tinygrad_lite")
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "amsgrad": amsgrad, "maximize": maximize, "foreach": foreach,
                    "capturable": capturable, "differentiable": differentiable, "fused": fused,
                    "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; return ``closure()`` if given."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    self._update(p, group)
        return loss

    def _init_state(self, p: Any, amsgrad: bool) -> dict[str, Any]:
        """The state of a parameter's first step: a step counter and zero moments."""
        state = self.state[p]
        if not state:
            state["step"] = _zero_step()
            state["exp_avg"] = _creation.zeros_like(p)
            state["exp_avg_sq"] = _creation.zeros_like(p)
            if amsgrad:
                state["max_exp_avg_sq"] = _creation.zeros_like(p)
        return state

    def _update(self, p: Any, group: dict[str, Any]) -> None:
        lr, (beta1, beta2), eps = _to_scalar(group["lr"]), group["betas"], group["eps"]
        wd = group["weight_decay"]
        state = self._init_state(p, group["amsgrad"])
        step_t, exp_avg, exp_avg_sq = state["step"], state["exp_avg"], state["exp_avg_sq"]
        _write(step_t, step_t._data + 1)
        g = p.grad._data
        if group["maximize"]:
            g = -g
        if wd != 0:
            if group["decoupled_weight_decay"]:
                _write(p, K.mul(p._data, 1 - lr * wd))
            else:
                g = K.add(g, p._data, wd)
        _write(exp_avg, K.lerp(exp_avg._data, g, 1 - beta1))
        _write(exp_avg_sq, K.addcmul(K.mul(exp_avg_sq._data, beta2), g, g, 1 - beta2))
        step = float(step_t._data)
        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        step_size = lr / bias_correction1
        bias_correction2_sqrt = bias_correction2**0.5
        second = exp_avg_sq._data
        if group["amsgrad"]:
            max_sq = state["max_exp_avg_sq"]
            _write(max_sq, K.maximum(max_sq._data, second))
            second = max_sq._data
        denom = K.div(K.sqrt(second), bias_correction2_sqrt)
        denom = denom + K.scalar(eps, denom)
        _write(p, K.addcdiv(p._data, exp_avg._data, denom, -step_size))


class AdamW(Adam):
    """Adam with decoupled weight decay (``p = p * (1 - lr * weight_decay)`` before the
    update), as PyTorch's ``AdamW``: :class:`Adam` with ``decoupled_weight_decay=True`` and
    a default ``weight_decay`` of 0.01.

    Args:
        params: tensors or parameter groups (see :class:`Optimizer`).
        lr: learning rate.
        betas: decay rates of the first and second moments.
        eps: added to the denominator for stability.
        weight_decay: the decoupled weight decay.
        amsgrad: use the maximum of past second moments.
        maximize: maximize the objective instead of minimizing.
        foreach: accepted and shown, as in PyTorch (one code path here).
        capturable: accepted and shown, as in PyTorch.
        differentiable: only False is supported.
        fused: accepted and shown, as in PyTorch (one code path here).

    Raises:
        ValueError: for invalid hyperparameters, with PyTorch's messages.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)
