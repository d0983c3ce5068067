"""The random-number workload: PyTorch's CPU streams, here and in torch.

Each call runs after ``manual_seed(0)`` in both libraries, so the check values (sums of
what the calls made) agree exactly when the streams do.
"""

from __future__ import annotations

import importlib
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

CALLS: dict[str, Callable[[Any], Any]] = {
    "linear_us": lambda lib: lib.nn.Linear(784, 128).weight,
    "rand100_us": lambda lib: lib.rand(100),
    "randn100_us": lambda lib: lib.randn(100),
    "randn10000_us": lambda lib: lib.randn(10000),
    "randperm10000_us": lambda lib: lib.randperm(10000),
}


def run_random(base: str, variant: str, p: dict[str, Any]) -> dict[str, Any]:
    """us per call of each of :data:`CALLS` (median over batches of the per-call mean).

    Params: ``batches`` x ``iters``.
    """
    lib = importlib.import_module(base)
    metrics, check = {}, []
    for key, call in CALLS.items():
        lib.manual_seed(0)
        check.append(float(np.asarray(call(lib).detach().numpy(), np.float64).sum()))

        def batch(call: Callable[[Any], Any] = call) -> float:
            t0 = time.perf_counter()
            for _ in range(p["iters"]):
                call(lib)
            return (time.perf_counter() - t0) / p["iters"] * 1e6

        metrics[key] = statistics.median(batch() for _ in range(p["batches"]))
    return {"metrics": metrics, "check": check}
