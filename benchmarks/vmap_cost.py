"""What ``func.vmap`` costs: per-example gradients by ``vmap(grad(loss))`` against the same
gradients computed hand-batched, for tinygrad_lite (and torch, for scale).

The model is one tanh layer, ``loss(w, b, x, y) = mean((tanh(w @ x + b) - y) ** 2)``, with
``w`` of shape (16, 32). Hand-batched: the weights repeated once per example as one leaf of
shape (B, 16, 32), the whole batch through one batched matmul, and one backward of the summed
losses; example ``i``'s gradient lands in row ``i``. tinygrad_lite's vmap is a loop over the
batch, so its time grows as ``B`` times one example's; the hand-batched time grows far more
slowly. Both give the same gradients (checked, rtol 1e-10).

    python benchmarks/vmap_cost.py
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import tinygrad_lite as tl

OUT, IN = 16, 32


def loss(w: Any, b: Any, x: Any, y: Any) -> Any:
    return (((w @ x + b).tanh() - y) ** 2).mean()


def by_vmap(L: Any, w: Any, b: Any, x: Any, y: Any) -> tuple:
    return L.func.vmap(L.func.grad(loss, argnums=(0, 1)), in_dims=(None, None, 0, 0))(w, b, x, y)


def by_hand(L: Any, w: Any, b: Any, x: Any, y: Any) -> tuple:
    n = x.shape[0]
    ws = w.detach().expand(n, OUT, IN).clone().requires_grad_(True)
    bs = b.detach().expand(n, OUT).clone().requires_grad_(True)
    out = (ws @ x.unsqueeze(-1)).squeeze(-1) + bs
    per_example = ((out.tanh() - y) ** 2).mean(1)
    return L.autograd.grad(per_example.sum(), (ws, bs))


def timed(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    libs: list[Any] = [tl]
    try:
        import torch

        torch.set_num_threads(1)  # a small problem: threads only add overhead
        libs.append(torch)
    except ImportError:
        pass
    rng = np.random.default_rng(0)
    print(f"per-example gradients of a ({OUT}, {IN}) tanh layer, median ms per batch")
    print(f"{'library':<14}{'B':>6}{'vmap(grad)':>12}{'by hand':>10}{'ratio':>8}")
    for batch in (8, 32, 128):
        arrays = [rng.standard_normal(s) for s in ((OUT, IN), (OUT,), (batch, IN), (batch, OUT))]
        for L in libs:
            w, b, x, y = (L.tensor(a, dtype=L.float64) for a in arrays)
            mapped, hand = by_vmap(L, w, b, x, y), by_hand(L, w, b, x, y)
            for m, h in zip(mapped, hand):
                np.testing.assert_allclose(np.asarray(m.tolist()), np.asarray(h.tolist()),
                                           rtol=1e-10, atol=1e-12)
            repeat = 5 if batch > 32 else 15
            tv = timed(lambda L=L, w=w, b=b, x=x, y=y: by_vmap(L, w, b, x, y), repeat)
            th = timed(lambda L=L, w=w, b=b, x=x, y=y: by_hand(L, w, b, x, y), repeat)
            name = L.__name__
            print(f"{name:<14}{batch:>6}{tv * 1e3:>12.2f}{th * 1e3:>10.2f}{tv / th:>8.1f}")


if __name__ == "__main__":
    main()
