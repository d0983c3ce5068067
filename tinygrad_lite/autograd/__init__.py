"""``tinygrad_lite.autograd``: run the reverse sweep, define primitives, read the graph.

* :func:`backward` and :func:`grad` start the sweep of :mod:`tinygrad_lite.engine`.
* :class:`Function` lets you add a primitive of your own: a forward and a backward rule.
* :func:`gradcheck` and :func:`gradgradcheck` check first and second derivatives against
  finite differences (see :mod:`tinygrad_lite.autograd.gradcheck`).
* :func:`Variable` is what old PyTorch code calls; today it just returns the tensor.
* :mod:`~tinygrad_lite.autograd.functional`: Jacobians, Hessians and their products of a
  whole function (``jacobian``, ``hessian``, ``vjp``, ``jvp``, ``vhp``, ``hvp``).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from .. import _watch, engine, ops
from .._quiet import quiet, quiet_off, quiet_on
from .._tensor import Tensor, _leaf, _store, _wrap, enable_grad
from . import forward_ad, graph
from .anomaly_mode import detect_anomaly, set_detect_anomaly
from .function import Function, FunctionCtx
from .gradcheck import gradcheck, gradgradcheck  # the functions shadow the module, as torch's

__all__ = ["backward", "grad", "Variable", "Function", "FunctionCtx", "graph", "forward_ad",
           "detect_anomaly", "set_detect_anomaly", "functional", "gradcheck", "gradgradcheck"]

# The live tensors that called retain_grad(), by id: backward fills their .grad. Weak
# references, so that a dropped tensor costs later backward calls nothing.
_retaining: dict[int, weakref.ref] = {}


def retain(t: Tensor) -> None:
    """Have every later backward that reaches ``t`` fill ``t.grad`` (``retain_grad()``)."""
    key = id(t)
    _retaining[key] = weakref.ref(t, lambda _ref: _retaining.pop(key, None))


def _as_list(x: Any) -> list:
    return [x] if isinstance(x, Tensor) else list(x)


def _seeds(outputs: list[Tensor], grads: Any, create_graph: bool) -> list[Any]:
    """The starting adjoints: ones for one-element outputs, else the given ``grads``."""
    if grads is None:
        if len(outputs) == 1:  # the common case: loss.backward()
            return [_ones_seed(0, outputs[0], create_graph)]
        return [_ones_seed(i, out, create_graph) for i, out in enumerate(outputs)]
    grads = _as_list(grads)
    if len(grads) != len(outputs):
        raise RuntimeError(
            f"grad can be implicitly created only for scalar outputs (got {len(grads)} "
            f"gradients for {len(outputs)} outputs)")
    seeds = []
    for i, (out, g) in enumerate(zip(outputs, grads)):
        if g is None:
            seeds.append(_ones_seed(i, out, create_graph))
            continue
        if not out._rg:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn")
        if not isinstance(g, Tensor):
            g = _wrap(np.asarray(g, dtype=out.dtype.np))
        if g.shape != out.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and "
                f"output[{i}] has a shape of {out.shape}.")
        if create_graph:
            seeds.append(g)
            continue
        with quiet():  # a copy: the sweep may hand the seed on as a gradient
            seeds.append(_store(np.array(g._data, dtype=out.dtype.np)))
    return seeds


def _ones_seed(i: int, out: Tensor, create_graph: bool) -> Any:
    """The adjoint 1 of the one-element output ``out`` (number ``i``), for lack of a given one.

    Raises:
        RuntimeError: if ``out`` does not require grad or has several elements.
    """
    if not out._rg:
        raise RuntimeError(
            f"element {i} of tensors does not require grad and does not have a grad_fn")
    x = out._data
    if type(x) is float:
        raw = 1.0
    elif x.size == 1:
        raw = np.ones_like(x)
    else:
        raise RuntimeError("grad can be implicitly created only for scalar outputs")
    return _wrap(raw) if create_graph else raw


def _raw_like(t: Tensor, g: Any, adopted: set[int] | None = None) -> Any:
    """A fresh array (or float) of ``t``'s dtype and shape holding adjoint ``g``, in the
    form a tensor stores (see ``_store``).

    With ``adopted`` (the ids of arrays already handed out by this backward call), an
    adjoint that is a whole array of the right dtype and shape, made by a rule during the
    sweep and not yet given to another tensor, is taken as it is instead of copied.
    """
    x = t._data
    if type(g) is np.ndarray:
        if (adopted is not None and g.base is None and type(x) is np.ndarray
                and g.dtype is x.dtype and g.shape == x.shape and id(g) not in adopted):
            adopted.add(id(g))
            return g
    elif type(g) is float and type(x) is float:
        return g
    with quiet():  # a float64 adjoint of a float32 leaf may overflow
        a = np.array(g, dtype=t.dtype.np)
    if a.shape != np.shape(x):
        a = np.broadcast_to(a, np.shape(x)).copy()
    return _store(a)


def _in_dtype_of(t: Tensor, g: Any) -> Any:
    """A Tensor adjoint in ``t``'s dtype (recorded, under create_graph): PyTorch casts each
    gradient to its input's dtype."""
    if isinstance(g, Tensor) and g.dtype is not t.dtype:
        return g.to(t.dtype)
    return g


def _accumulate(t: Tensor, g: Any, create_graph: bool, adopted: set[int] | None = None) -> None:
    """Add adjoint ``g`` into ``t.grad`` (in place, as PyTorch does, unless building a graph)."""
    old = getattr(t, "_grad", None)  # a record's _grad slot is unset until it gets one
    if create_graph:
        g = _in_dtype_of(t, g)
        if old is not None:
            t._grad = old + g
        elif isinstance(g, Tensor) and g._rg:  # PyTorch stores a (recorded) copy: a leaf's
            with enable_grad():  # as CopyBackwards, a retain_grad() record's as a clone
                t._grad = Tensor._apply(ops.Copy if t._op is None else ops.Clone, (g,))
        else:  # a copy too: g may be another leaf's gradient, or the caller's tensor
            t._grad = _leaf(_raw_like(t, g._data if isinstance(g, Tensor) else g))
    elif old is None:
        t._grad = _leaf(_raw_like(t, g, adopted))
    else:
        if type(old._data) is float:
            old._data = old._data + float(g)
        else:
            token = quiet_on()  # inf + -inf is nan, quietly, as in PyTorch
            try:
                np.add(old._data, g, out=old._data, casting="unsafe")
            finally:
                quiet_off(token)


def zero_grads(params: Iterable[Tensor], set_to_none: bool = True) -> None:
    """Reset the ``.grad`` of each tensor: to None, or to zeros cut from any graph (what
    ``Module.zero_grad`` and ``Optimizer.zero_grad`` do)."""
    for p in params:
        g = getattr(p, "_grad", None)
        if g is None:
            continue
        if set_to_none:
            p._grad = None
        else:
            g.detach_()
            g.zero_()


def backward(tensors: Tensor | Sequence[Tensor], grad_tensors: Any = None,
             retain_graph: bool | None = None, create_graph: bool = False,
             inputs: Sequence[Tensor] | None = None) -> None:
    """Accumulate d tensors / d leaf into each leaf's ``.grad`` (see ``Tensor.backward``)."""
    outputs = [tensors] if type(tensors) is Tensor else _as_list(tensors)
    seeds = _seeds(outputs, grad_tensors, create_graph)
    release = not (create_graph if retain_graph is None else retain_graph)
    keep = bool(_retaining) or inputs is not None  # adjoints of records are read below
    records, leaves = engine.sweep(outputs, seeds, create_graph, release, keep)
    try:
        targets = leaves if inputs is None else _as_list(inputs)
        adopted: set[int] | None = None if keep else set()
        pending = engine.PENDING
        hooked = bool(_watch.registry)
        for t in targets:
            g = t._adj
            if g is None or g is pending:
                continue
            v = getattr(t, "_ver", None)  # no_edge(t), inlined: a leaf's slot is set
            if type(v) is tuple and v[2] == "no_grad":
                continue
            if hooked and t._op is None and id(t) in _watch.registry:  # before accumulating
                _accumulate(t, _watch.run_hooks(t, g), create_graph)  # (never adopted)
                continue
            _accumulate(t, g, create_graph, adopted)
        if _retaining:  # (the targets' own .grad is filled above)
            _fill_retained(create_graph, None if inputs is None else targets,
                           () if inputs is None else targets)
    finally:
        _watch.before.clear()
        engine.clear(records if keep else (), leaves)


def _fill_retained(create_graph: bool, inputs: list[Tensor] | None, filled: Any) -> None:
    """Add its adjoint to the ``.grad`` of each tensor that called ``retain_grad()`` and that
    the sweep just made reached (but those in ``filled``): of all of them when every leaf is
    a target. With ``inputs`` (``autograd.grad``, ``backward(inputs=...)``) PyTorch runs
    only the nodes that lead to one of the inputs, and takes the inputs' own gradients:
    those tensors only."""
    for ref in list(_retaining.values()):
        n = ref()
        if (n is None or n._adj is None or n._adj is engine.PENDING
                or any(n is t for t in filled)):
            continue
        if inputs is None or any(n is t for t in inputs) or _watch.reaches(n, inputs):
            _accumulate(n, n._adj, create_graph)


def grad(outputs: Tensor | Sequence[Tensor], inputs: Tensor | Sequence[Tensor],
         grad_outputs: Any = None, retain_graph: bool | None = None, create_graph: bool = False,
         allow_unused: bool | None = None, materialize_grads: bool = False) -> tuple:
    """The gradients of ``outputs`` with respect to ``inputs``, returned, not accumulated.

    Args:
        outputs: what to differentiate.
        inputs: the tensors to differentiate with respect to (leaves or not).
        grad_outputs: the starting adjoints, needed for outputs with several elements.
        retain_graph: keep saved values for another backward (default: ``create_graph``).
        create_graph: record the computation, so the result can be differentiated again.
        allow_unused: return None for an input the outputs do not depend on, instead of
            raising.
        materialize_grads: return zeros instead of None for such inputs.

    Returns:
        A tuple with one gradient per input.

    Raises:
        RuntimeError: if an input was not used and ``allow_unused`` is not set.
    """
    outs = _as_list(outputs)
    ins = _as_list(inputs)
    for t in ins:
        if not t._rg:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    seeds = _seeds(outs, grad_outputs, create_graph)
    release = not (create_graph if retain_graph is None else retain_graph)
    keep = bool(_retaining) or any(t._op is not None for t in ins)  # (records' adjoints
    records, leaves = engine.sweep(outs, seeds, create_graph, release, keep)  # read below)
    try:
        if _retaining:
            _fill_retained(create_graph, ins, ())
        result = []
        for i, t in enumerate(ins):
            g = t._adj
            if g is None or g is engine.PENDING:
                if not (allow_unused or materialize_grads):
                    raise RuntimeError(
                        f"The differentiated Tensor at index {i} appears to not have been used "
                        "in the graph. Set allow_unused=True if this is the desired behavior.")
                result.append(_wrap(np.zeros_like(np.asarray(t._data)))
                              if materialize_grads else None)
            else:
                if t._op is None and _watch.registry:  # a leaf's hooks (a record's ran)
                    g = _watch.run_hooks(t, g)
                elif id(t) in _watch.before and _watch.reaches(t, ins):
                    g = _watch.before[id(t)]  # PyTorch's quirk: captured before its hooks
                result.append(_in_dtype_of(t, g) if create_graph else _wrap(_raw_like(t, g)))
        return tuple(result)
    finally:
        _watch.before.clear()
        engine.clear(records if keep else (), leaves)


def Variable(data: Any, requires_grad: bool = False, volatile: bool = False) -> Tensor:  # noqa: N802
    """Old PyTorch's wrapper: today it returns a plain tensor.

    ``Variable(t, requires_grad=True)`` is ``t.detach().requires_grad_(True)``: a new leaf
    sharing ``t``'s storage, while ``t`` itself is left as it was, as in PyTorch.
    """
    t = data.detach() if isinstance(data, Tensor) else _wrap(np.asarray(data))
    if requires_grad:
        t.requires_grad_(True)
    return t


from . import functional  # noqa: E402 - it builds on grad, above (through tinygrad_lite.func)
