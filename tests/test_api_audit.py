"""Edge cases of issue 10's names, found by its audit (``tests/api_audit.py``), compared with
torch: the result's type, dtype, shape and values (exactly, or to float64's rounding), or
the type and message of the error torch raises."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_lite as tg

torch = pytest.importorskip("torch")


def outcome(f: Callable[[], Any]) -> Any:
    """What ``f()`` gives: type, dtype, shape and values of each tensor in it, or the error."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = f()
    except Exception as e:  # noqa: BLE001 - we compare whatever is raised
        return type(e).__name__, str(e)
    return _describe(r)


def _describe(r: Any) -> Any:
    if isinstance(r, (tg.Tensor, torch.Tensor)):
        values = np.asarray(r.detach().tolist())
        return ("Tensor", str(r.dtype), tuple(r.shape), r.requires_grad,
                np.round(values, 12).tolist() if values.dtype.kind == "f" else values.tolist())
    if isinstance(r, (list, tuple)):
        return type(r).__name__, [_describe(x) for x in r]
    return type(r).__name__, repr(r)


def same(fn: Callable[[Any], Any]) -> None:
    """``fn(lib)`` gives the same outcome in both libraries."""
    assert outcome(lambda: fn(tg)) == outcome(lambda: fn(torch))


# --- NumPy interop: ``t == ndarray`` compares values (and ``!=`` does not, as in torch) -----
@pytest.mark.parametrize("fn", [
    lambda m: m.tensor([[1.0, 2.0, 3.0]]) == np.ones(3),
    lambda m: np.ones(3) == m.tensor([[1.0, 2.0, 3.0]]),
    lambda m: m.tensor([[1.0, 2.0, 3.0]]) == np.ones((2, 1)),
    lambda m: m.tensor([1, 2, 3]) == np.array([1, 0, 3]),
    lambda m: m.tensor([[1.0, 2.0, 3.0]]) == np.ones(4),
    lambda m: m.tensor([[1.0, 2.0, 3.0]]) != np.ones(3),
    lambda m: m.tensor([[1.0, 2.0, 3.0]]) < np.ones(3),
])
def test_comparison_with_an_ndarray(fn):
    same(fn)
