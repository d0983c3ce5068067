"""The scalar autograds under test, behind one small interface.

A library name may carry a variant after a colon: ``micrograd:gcoff`` (cyclic collector
disabled), ``micrograd:deep`` (recursion limit raised so its recursive topological sort
survives deep graphs), ``torch:nograd`` (forward only, recording off). The workloads add
their own (``:vec``, the vectorised form). The worker applies the variants; this module
only imports and wraps.
"""

from __future__ import annotations

import contextlib
import importlib
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

DIST = {"floats": None, "floats_hand": None, "python": None, "tinygrad_lite": "tinygrad_lite",
        "torch": "torch", "micrograd": "micrograd", "autograd": "autograd", "mygrad": "mygrad",
        "dezero": "dezero", "numpy": "numpy", "numpy_hand": "numpy"}


@dataclass
class Pass:
    """One build + backward + drop of a graph, timed."""

    fwd_s: float
    bwd_s: float | None
    loop_s: float
    out: float | None = None
    grads: list[Any] = field(default_factory=list)


class Scalar:
    """An operator-overloading autograd: leaves, ``tanh``/``relu``, backward, gradients.

    Subclasses set ``tanh`` and ``relu`` (functions of one value) and override the
    hooks; a library whose ``tanh`` is a method also sets ``tanh_function`` to its module
    function (``torch.tanh``). ``backprop = False`` runs the forward only, with recording off.
    """

    tanh: Callable[[Any], Any]
    relu: Callable[[Any], Any]
    tanh_function: Callable[[Any], Any] | None = None
    backprop = True

    def leaf(self, v: Any) -> Any:
        """A differentiable input holding ``v``."""
        raise NotImplementedError

    def backward(self, y: Any) -> None:
        """Backpropagate from the scalar output ``y``."""
        y.backward()

    def grad(self, x: Any) -> Any:
        """The gradient accumulated in leaf ``x``: a float, or an array for array leaves."""
        raise NotImplementedError

    def value(self, y: Any) -> float:
        """The value of the scalar output ``y`` as a float."""
        return float(y.item())

    def no_grad(self) -> contextlib.AbstractContextManager[Any]:
        """A context in which operations are not recorded."""
        return contextlib.nullcontext()

    def run(self, fn: Callable[[list[Any], Scalar], Any], values: Sequence[Any],
            keep: bool = False) -> Pass:
        """Build ``fn(leaves, self)``, backpropagate, drop the graph; time each part.

        Args:
            fn: The workload's forward pass over leaves.
            values: The leaves' values.
            keep: Also return the output value and the gradients (read outside the timings).

        Returns:
            The timings; ``loop_s`` is build + backward + drop.
        """
        xs = [self.leaf(v) for v in values]
        ctx = contextlib.nullcontext() if self.backprop else self.no_grad()
        t0 = time.perf_counter()
        with ctx:
            y = fn(xs, self)
        t1 = time.perf_counter()
        if self.backprop:
            self.backward(y)
        t2 = time.perf_counter()
        out = self.value(y) if keep else None
        grads = [self.grad(x) for x in xs] if keep and self.backprop else []
        t3 = time.perf_counter()
        del y
        t4 = time.perf_counter()
        return Pass(t1 - t0, t2 - t1 if self.backprop else None, t2 - t0 + t4 - t3, out, grads)


class Floats(Scalar):
    """Plain Python floats: the forward with no recording at all."""

    backprop = False

    def __init__(self) -> None:
        self.tanh = math.tanh
        self.relu = lambda x: x if x > 0.0 else 0.0

    def leaf(self, v: Any) -> Any:
        return v

    def value(self, y: Any) -> float:
        return float(y)


class TorchLike(Scalar):
    """torch, or tinygrad_lite through the same API, on float64 tensors (0-d for scalars)."""

    def __init__(self, module: str) -> None:
        self.T = importlib.import_module(module)
        self.tanh = self.T.Tensor.tanh
        self.tanh_function = self.T.tanh
        self.relu = self.T.Tensor.relu

    def leaf(self, v: Any) -> Any:
        return self.T.tensor(v, dtype=self.T.float64, requires_grad=True)

    def grad(self, x: Any) -> Any:
        g = x.grad
        return g.item() if g.dim() == 0 else g.numpy()

    def no_grad(self) -> contextlib.AbstractContextManager[Any]:
        return self.T.no_grad()


class Micrograd(Scalar):
    """micrograd 0.1.0, with a ``tanh`` attached in its own closure style (PyPI has none)."""

    def __init__(self) -> None:
        from micrograd.engine import Value

        def tanh(self: Value) -> Value:
            t = math.tanh(self.data)
            out = Value(t, (self,), "tanh")

            def _backward() -> None:
                self.grad += (1 - t**2) * out.grad

            out._backward = _backward
            return out

        Value.tanh = tanh
        self.Value = Value
        self.tanh = Value.tanh
        self.relu = Value.relu

    def leaf(self, v: Any) -> Any:
        return self.Value(v)

    def grad(self, x: Any) -> Any:
        return x.grad

    def value(self, y: Any) -> float:
        return y.data


class Autograd(Scalar):
    """HIPS autograd: the forward is traced by ``make_vjp`` over an array of the inputs.

    The leaves are the items of that array, so each costs one recorded indexing op.
    """

    def __init__(self) -> None:
        import autograd.numpy as anp
        from autograd import make_vjp

        self.make_vjp = make_vjp
        self.tanh = anp.tanh
        self.relu = lambda x: anp.maximum(x, 0.0)

    def run(self, fn: Callable[[list[Any], Scalar], Any], values: Sequence[Any],
            keep: bool = False) -> Pass:
        n = len(values)

        def f(a: Any) -> Any:
            return fn([a[i] for i in range(n)], self)

        arr = np.array(values, dtype=np.float64)
        t0 = time.perf_counter()
        vjp, ans = self.make_vjp(f)(arr)
        t1 = time.perf_counter()
        g = vjp(1.0)
        t2 = time.perf_counter()
        out, grads = (float(ans), g.tolist()) if keep else (None, [])
        t3 = time.perf_counter()
        del vjp, ans, g
        t4 = time.perf_counter()
        return Pass(t1 - t0, t2 - t1, t2 - t0 + t4 - t3, out, grads)


class MyGrad(Scalar):
    """MyGrad 2.x: Tensor and Operation objects over NumPy arrays."""

    def __init__(self) -> None:
        import mygrad as mg
        from mygrad.nnet import relu

        self.mg = mg
        self.tanh = mg.tanh
        self.relu = relu

    def leaf(self, v: Any) -> Any:
        return self.mg.tensor(v)

    def grad(self, x: Any) -> Any:
        g = x.grad
        return float(g) if g.ndim == 0 else g

    def no_grad(self) -> contextlib.AbstractContextManager[Any]:
        return self.mg.no_autodiff


class DeZero(Scalar):
    """DeZero 0.0.13 ("Deep Learning from Scratch 3"): Variable and Function over arrays."""

    def __init__(self) -> None:
        if not hasattr(np, "int"):
            np.int = int  # type: ignore[attr-defined]  # dezero 0.0.13 uses the removed alias
        import dezero
        import dezero.functions as F

        self.dezero = dezero
        self.tanh = F.tanh
        self.relu = F.relu

    def leaf(self, v: Any) -> Any:
        return self.dezero.Variable(np.asarray(v, dtype=np.float64))

    def grad(self, x: Any) -> Any:
        g = x.grad.data
        return float(g) if g.ndim == 0 else g

    def value(self, y: Any) -> float:
        return float(y.data)

    def no_grad(self) -> contextlib.AbstractContextManager[Any]:
        return self.dezero.no_grad()


def make(base: str) -> Scalar:
    """The adapter for library ``base`` (the part of a name before any ``:variant``)."""
    if base in ("torch", "tinygrad_lite"):
        return TorchLike(base)
    return {"floats": Floats, "micrograd": Micrograd, "autograd": Autograd,
            "mygrad": MyGrad, "dezero": DeZero}[base]()


def version(base: str) -> str | None:
    """The installed version of library ``base`` (None for plain Python)."""
    dist = DIST.get(base)
    if dist is None:
        return None
    if dist == "tinygrad_lite":
        import tinygrad_lite

        return tinygrad_lite.__version__
    from importlib.metadata import version as v

    return v(dist)
