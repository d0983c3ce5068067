"""``binary_cross_entropy`` with PyTorch's bits: its CPU kernel is a scalar loop over the C
library's ``log`` and ``log1p`` (``tinygrad_lite._libm``), whose results NumPy's vectorised
logarithms miss in the last bit for some inputs. Bytes compared with torch: float32 with
every reduction, float64 elementwise (float64 sums add in NumPy's order here, so those are
compared to 1e-14), with soft targets, weights, and inputs of 0 and 1 (the logs clamped at
-100)."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_lite as tg
from tinygrad_lite import _libm

torch = pytest.importorskip("torch")


def _bits(t) -> bytes:
    return t.detach().numpy().tobytes()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("n", [1, 4, 37, 1000])
def test_binary_cross_entropy_has_torchs_bits(dtype, reduction, n):
    rng = np.random.default_rng(n)
    x = rng.uniform(0, 1, n).astype(dtype)
    x[: n // 10] = rng.choice([0.0, 1.0, 1e-30, 1 - 1e-7], n // 10)
    y = np.where(rng.random(n) < 0.8, rng.integers(0, 2, n), rng.random(n)).astype(dtype)
    w = rng.uniform(0.5, 2, n).astype(dtype)
    for weight in (None, w):
        outs = [m.nn.functional.binary_cross_entropy(
            m.tensor(x), m.tensor(y), None if weight is None else m.tensor(weight),
            reduction=reduction) for m in (tg, torch)]
        if dtype == "float64" and reduction != "none":
            np.testing.assert_allclose(outs[0].item(), outs[1].item(), rtol=1e-14)
        else:
            assert _bits(outs[0]) == _bits(outs[1])


def test_numpys_logs_do_differ_from_the_c_librarys():
    # what makes the C library's functions needed (were they the same, _libm could go)
    if _libm._LIBM is None:
        pytest.skip("no C library loaded")
    x = np.random.default_rng(0).uniform(0.001, 0.999, 2000).astype(np.float32)
    assert (_libm.log(x) != np.log(x)).any() or (_libm.log1p(-x) != np.log1p(-x)).any()
