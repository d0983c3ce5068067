"""``clip_grad_norm_`` and ``clip_grad_value_``: rescale or clip the ``.grad`` of
parameters in place, between ``backward()`` and ``optimizer.step()``."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from ..._tensor import Tensor, _store, _wrap
from ...optim.optimizer import _write


def _grads(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return [p.grad for p in params if p.grad is not None]


def _norm(x: np.ndarray, p: float) -> np.ndarray:
    """The p-norm of all of ``x``'s elements, in ``x``'s dtype."""
    a = np.abs(x)
    if p == math.inf:
        return a.max() if a.size else np.zeros((), dtype=x.dtype)
    if p == -math.inf:
        return a.min()
    if p == 0:
        return np.asarray(np.count_nonzero(x), dtype=x.dtype)
    if p == 1:
        return a.sum()
    if p == 2:
        return np.sqrt((a * a).sum())
    return np.power(np.power(a, p).sum(), 1.0 / p).astype(x.dtype)


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                    norm_type: float | str = 2.0, error_if_nonfinite: bool = False,
                    foreach: bool | None = None) -> Tensor:
    """Scale the gradients so that their total ``norm_type``-norm (that of all their
    elements together) is at most ``max_norm``: each is multiplied by
    ``min(max_norm / (total + 1e-6), 1)``, as PyTorch does.

    Args:
        parameters: a tensor or tensors whose ``.grad`` to clip (those without are skipped).
        max_norm: the largest total norm.
        norm_type: p of the norm (``inf`` or ``'inf'`` for the largest magnitude).
        error_if_nonfinite: raise if the total norm is nan or inf.
        foreach: accepted, as in PyTorch.

    Returns:
        The total norm before clipping, a 0-d tensor.

    Raises:
        RuntimeError: a non-finite total norm with ``error_if_nonfinite``, as PyTorch.
    """
    p = float(norm_type)
    grads = _grads(parameters)
    if not grads:
        return _wrap(np.array(0.0, dtype=np.float32))
    with np.errstate(all="ignore"):
        norms = [_norm(np.asarray(g._data), p) for g in grads]
        total = _norm(np.stack([np.asarray(n, dtype=np.result_type(*norms)) for n in norms]), p)
        if error_if_nonfinite and not np.isfinite(total):
            raise RuntimeError(
                f"The total norm of order {p} for gradients from `parameters` is non-finite, so "
                "it cannot be clipped. To disable this error and scale the gradients by the "
                "non-finite norm anyway, set `error_if_nonfinite=False`")
        coef = np.minimum(total.dtype.type(max_norm) / (total + total.dtype.type(1e-6)), 1.0)
        for g in grads:
            _write(g, np.asarray(g._data) * coef.astype(np.asarray(g._data).dtype))
    return _wrap(_store(np.asarray(total)))


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float,
                     foreach: bool | None = None) -> None:
    """Clip every gradient element to [-clip_value, clip_value], in place.

    Args:
        parameters: a tensor or tensors whose ``.grad`` to clip.
        clip_value: the largest magnitude.
        foreach: accepted, as in PyTorch.
    """
    c = float(clip_value)
    for g in _grads(parameters):
        _write(g, np.clip(g._data, -c, c))


