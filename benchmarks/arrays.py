"""The array workloads: small_array_ops and two_layer_net.

Each library gets a ``make_*`` factory that returns closures over its own tensors, so the
timed loops hold nothing but the library's calls.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from .scalar import setup

Step = Callable[[], Any]


def _np(x: Any) -> np.ndarray:
    """Any library's array, tensor or variable as a NumPy array."""
    if isinstance(x, (np.ndarray, np.generic, float)):
        return np.asarray(x)
    if hasattr(x, "detach"):  # torch, tinygrad_lite
        return np.asarray(x.detach().numpy())
    return np.asarray(x.data)  # mygrad Tensor, dezero Variable


# --- small_array_ops -----------------------------------------------------------------------


def make_small(base: str, a: np.ndarray, b: np.ndarray, c: np.ndarray
               ) -> tuple[Step, Step, Step]:
    """Closures for ``sum(a*b + c)``: (iteration = forward + backward, forward only, check).

    The check returns the loss and the three gradients.
    """
    if base == "numpy_hand":

        def it() -> Any:
            s = (a * b + c).sum()
            g = np.ones_like(a)
            return s, g * b, g * a, g

        return it, lambda: (a * b + c).sum(), it
    lib = setup(base, "")
    if base == "autograd":
        import autograd.numpy as anp
        from autograd import make_vjp

        vjp_of = make_vjp(lambda x, y, z: anp.sum(x * y + z), argnum=(0, 1, 2))

        def it() -> Any:
            vjp, ans = vjp_of(a, b, c)
            return (ans, *vjp(1.0))

        return it, lambda: vjp_of(a, b, c), it
    A, B, C = lib.leaf(a), lib.leaf(b), lib.leaf(c)
    if base in ("torch", "tinygrad_lite"):

        def it() -> Any:
            A.grad = B.grad = C.grad = None
            s = (A * B + C).sum()
            s.backward()
            return s

        def fwd() -> Any:
            return (A * B + C).sum()

    elif base == "mygrad":
        mg = lib.mg  # type: ignore[attr-defined]

        def it() -> Any:  # mygrad clears old gradients itself when a new graph is built
            s = mg.sum(A * B + C)
            s.backward()
            return s

        def fwd() -> Any:
            return mg.sum(A * B + C)

    else:  # dezero
        F = lib.dezero.functions  # type: ignore[attr-defined]

        def it() -> Any:
            A.cleargrad()
            B.cleargrad()
            C.cleargrad()
            s = F.sum(A * B + C)
            s.backward()
            return s

        def fwd() -> Any:
            return F.sum(A * B + C)

    def check() -> Any:
        s = it()
        return (s, *(lib.grad(x) for x in (A, B, C)))

    return it, fwd, check


def run_small_array_ops(base: str, variant: str, p: dict[str, Any]) -> dict[str, Any]:
    """us per iteration of ``sum(a*b + c)`` + backward, and of the forward alone (float64).

    Params: ``shape``, ``batches`` x ``iters`` (median over batches of the per-batch mean).
    """
    rng = np.random.default_rng(0)
    a, b, c = (rng.standard_normal(p["shape"]) for _ in range(3))
    it, fwd, check = make_small(base, a, b, c)
    first = [_np(x) for x in check()]

    def batch(f: Step) -> float:
        t0 = time.perf_counter()
        for _ in range(p["iters"]):
            f()
        return (time.perf_counter() - t0) / p["iters"] * 1e6

    fwd_us = statistics.median(batch(fwd) for _ in range(max(p["batches"] // 3, 2)))
    it_us = statistics.median(batch(it) for _ in range(p["batches"]))
    return {"metrics": {"iter_us": it_us, "fwd_us": fwd_us},
            "check": [float(first[0]), *(float(g.sum()) for g in first[1:])]}


# --- two_layer_net -------------------------------------------------------------------------

LR = 1e-6


def make_two_layer(base: str, dtype: str) -> Step:
    """One SGD step of the 64 x 1000 -> 100 -> 10 ReLU net with a squared-error loss.

    Returns a closure giving (loss, grad w1, grad w2) of the step, taken before the update.
    """
    rng = np.random.default_rng(0)
    x, y, w1, w2 = (rng.standard_normal(s).astype(dtype)
                    for s in ((64, 1000), (64, 10), (1000, 100), (100, 10)))
    if base == "numpy_hand":
        # The update goes through a preallocated buffer: a fresh 800 KB temporary per step
        # makes glibc hand pages back and fault them in again (x2 at float64 on this box).
        buf = np.empty_like(w1)

        def step() -> Any:
            nonlocal w1, w2
            h = x @ w1
            hr = np.maximum(h, 0)
            d = hr @ w2 - y
            loss = (d * d).sum()
            gy = 2.0 * d
            gw2 = hr.T @ gy
            gh = gy @ w2.T
            gh[h < 0] = 0
            gw1 = x.T @ gh
            w1 -= np.multiply(gw1, LR, out=buf)
            w2 -= LR * gw2
            return loss, gw1, gw2

        return step
    lib = setup(base, "")
    if base == "autograd":
        import autograd.numpy as anp
        from autograd import value_and_grad

        vg = value_and_grad(lambda a, b: anp.sum((anp.maximum(x @ a, 0) @ b - y) ** 2),
                            argnum=(0, 1))

        def step() -> Any:
            nonlocal w1, w2
            loss, (g1, g2) = vg(w1, w2)
            w1 -= LR * g1
            w2 -= LR * g2
            return loss, g1, g2

        return step
    if base in ("torch", "tinygrad_lite"):
        T = lib.T  # type: ignore[attr-defined]
        dt = getattr(T, dtype)
        X, Y = T.tensor(x, dtype=dt), T.tensor(y, dtype=dt)
        W1 = T.tensor(w1, dtype=dt, requires_grad=True)
        W2 = T.tensor(w2, dtype=dt, requires_grad=True)

        def step() -> Any:
            loss = ((X @ W1).relu() @ W2 - Y).pow(2).sum()
            loss.backward()
            g1, g2 = W1.grad, W2.grad
            with T.no_grad():
                W1.sub_(LR * g1)
                W2.sub_(LR * g2)
            W1.grad = W2.grad = None
            return loss, g1, g2

        return step
    if base == "mygrad":
        mg = lib.mg  # type: ignore[attr-defined]
        from mygrad.nnet import relu

        W1, W2 = mg.tensor(w1), mg.tensor(w2)

        def step() -> Any:
            loss = mg.sum((mg.matmul(relu(mg.matmul(x, W1)), W2) - y) ** 2)
            loss.backward()
            g1, g2 = W1.grad, W2.grad
            W1.data -= LR * g1
            W2.data -= LR * g2
            return loss, g1, g2

        return step
    F = lib.dezero.functions  # type: ignore[attr-defined]
    W1, W2 = lib.dezero.Variable(w1), lib.dezero.Variable(w2)  # type: ignore[attr-defined]

    def step() -> Any:
        W1.cleargrad()
        W2.cleargrad()
        loss = F.sum((F.matmul(F.relu(F.matmul(x, W1)), W2) - y) ** 2)
        loss.backward()
        g1, g2 = W1.grad.data, W2.grad.data
        W1.data -= LR * g1
        W2.data -= LR * g2
        return loss, g1, g2

    return step


def run_two_layer_net(base: str, variant: str, p: dict[str, Any]) -> dict[str, Any]:
    """ms per SGD step (median after warm-up). Params: ``dtype``, ``warmup``, ``steps``.

    The thread count is set by the driver in the environment (OMP/OPENBLAS/MKL_NUM_THREADS).
    """
    step = make_two_layer(base, p["dtype"])
    loss, g1, g2 = (_np(v) for v in step())
    for _ in range(p["warmup"]):
        step()
    times = []
    for _ in range(p["steps"]):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    assert g1.dtype == np.dtype(p["dtype"]), f"gradient dtype {g1.dtype}"
    return {"metrics": {"step_ms": statistics.median(times) * 1e3},
            "check": [float(loss), float(np.abs(g1).sum()), float(np.abs(g2).sum()),
                      float(g1.flat[0]), float(g2.flat[0])]}
