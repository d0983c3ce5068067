"""What watches the reverse sweep: tensor hooks (``t.register_hook``) and anomaly detection.

Both are off the engine's hot path: while no hook is registered and anomaly detection is off,
the sweep tests two module-level values once per call, and nothing per record. Otherwise it
runs the careful per-record loop (``engine._run_rules_general``), which calls
:func:`run_hooks` on each record's adjoint before its rule and :func:`check_nan` on the
rule's results.
"""

from __future__ import annotations

import itertools
import warnings
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

# id(tensor) -> (a weak reference to it, {handle id: hook}), for the live hooked tensors
registry: dict[int, tuple[weakref.ref, dict[int, Callable]]] = {}
before: dict[int, Any] = {}  # id(record) -> its adjoint before its hooks, during a sweep
anomaly = False  # torch.autograd.set_detect_anomaly's flag
check_nan_enabled = True

_ids = itertools.count()


class RemovableHandle:
    """What ``register_hook`` returns: ``remove()`` unregisters the hook."""

    __module__ = "torch.utils.hooks"

    def __init__(self, key: int, hooks: dict[int, Callable]) -> None:
        self.id = key
        self._hooks = hooks
        self._owner: int | None = None

    def remove(self) -> None:
        """Unregister the hook (a second call does nothing)."""
        self._hooks.pop(self.id, None)
        if not self._hooks and self._owner is not None:
            entry = registry.get(self._owner)
            if entry is not None and entry[1] is self._hooks:
                del registry[self._owner]

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def register(t: Any, hook: Callable) -> RemovableHandle:
    """Register ``hook`` on tensor ``t`` (see ``Tensor.register_hook``)."""
    key = id(t)
    entry = registry.get(key)
    if entry is None or entry[0]() is not t:
        entry = registry[key] = (weakref.ref(t, lambda _r, reg=registry: reg.pop(key, None)), {})
    handle = RemovableHandle(next(_ids), entry[1])
    handle._owner = key
    entry[1][handle.id] = hook
    return handle


def _type_name(t: Any) -> str:
    from ._legacy import type_of

    return type_of(t)


def run_hooks(t: Any, g: Any) -> Any:
    """``t``'s adjoint ``g`` passed through its hooks, in the order they were registered;
    a hook returning a tensor replaces the adjoint.

    Raises:
        TypeError, RuntimeError: PyTorch's errors for a hook that returns something that is
            not a tensor, or one of another size or dtype.
    """
    entry = registry.get(id(t))
    if entry is None or entry[0]() is not t:
        return g
    return run_node_hooks([t], [g])[0]


def run_node_hooks(outputs: list[Any], grads: list[Any]) -> list[Any]:
    """The adjoints of a node's outputs (None for one that none reached) passed through
    their hooks. PyTorch runs the hooks of all the outputs of a node when the node runs:
    output after output, in the order of each one's first hook, and each one's hooks in the
    order they were registered; an output that no adjoint reached gives its hooks None.

    Raises:
        TypeError, RuntimeError: PyTorch's errors for a hook that returns something that is
            not a tensor, one of another size or dtype, or a tensor for None.
    """
    from ._tensor import Tensor, _wrap

    hooked = []  # (the first hook's handle id, the output's number, its hooks)
    for i, t in enumerate(outputs):
        entry = None if t is None else registry.get(id(t))
        if entry is not None and entry[0]() is t and entry[1]:
            hooked.append((min(entry[1]), i, list(entry[1].values())))
    raw = [g is not None and not isinstance(g, Tensor) for g in grads]
    grads = [_wrap(_as_array(t, g)) if r else g for t, g, r in zip(outputs, grads, raw)]
    for _, i, hook in [(k, i, h) for k, i, hs in sorted(hooked) for h in hs]:
        grad = grads[i]
        r = hook(grad)
        if r is None:
            continue
        if grad is None:
            raise RuntimeError("can't replace a None gradient with a non-None value")
        name = getattr(hook, "__name__", type(hook).__name__)
        if not isinstance(r, Tensor):
            raise TypeError(f"expected Variable, but hook returned '{type(r).__name__}'")
        if r.shape != grad.shape:
            raise RuntimeError(f"hook '{name}' has changed the size of value")
        if r.dtype is not grad.dtype:
            raise RuntimeError(f"hook '{name}' has changed the type of value (was "
                               f"{_type_name(grad)} got {_type_name(r)})")
        grads[i] = r
    return [g._data if r else g for g, r in zip(grads, raw)]


def _as_array(t: Any, g: Any) -> Any:
    """A raw adjoint as ``t`` stores its values (a float, or an array of its dtype)."""
    from ._tensor import _store

    x = t._data
    if type(x) is float:
        return float(np.asarray(g))
    a = np.array(g, dtype=x.dtype)
    return _store(a if a.shape == x.shape else np.broadcast_to(a, x.shape).copy())


def check_nan(n: Any, grads: tuple) -> None:
    """PyTorch's anomaly error if one of the results of ``n``'s backward rule has a nan.

    Raises:
        RuntimeError: ``Function 'DivBackward0' returned nan values in its 1th output.``,
            after PyTorch's warning naming the function.
    """
    if not check_nan_enabled:
        return
    for i, gx in enumerate(grads):
        if gx is None:
            continue
        v = gx if isinstance(gx, (float, int, np.ndarray, np.generic)) else gx._data
        if np.isnan(v).any():
            name = n._op.name
            warnings.warn(f"Error detected in {name}. No forward pass information available. "
                          "Enable detect anomaly during forward pass for more information.",
                          UserWarning, stacklevel=5)
            raise RuntimeError(f"Function '{name}' returned nan values in its {i}th output.")


def reaches(t: Any, others: list[Any]) -> bool:
    """Whether one of ``others`` is an input of ``t``'s history (then PyTorch runs ``t``'s
    rule in ``autograd.grad``, and returns ``t``'s gradient as it was before its hooks)."""
    from ._tensor import inputs

    wanted = {id(o) for o in others if o is not t}
    stack, seen = list(inputs(t)), set()
    while stack:
        x = stack.pop()
        if id(x) in wanted:
            return True
        if id(x) not in seen:
            seen.add(id(x))
            stack.extend(inputs(x))
    return False
