"""Float32 matrix products with PyTorch's bits where its CPU kernel adds in order.

PyTorch's CPU build multiplies small float32 matrices (MKL) by adding the products of each
element one after another in float32; NumPy's BLAS adds them in another order, so without
care the last bit differs and a training loop's printed losses drift apart (the
"모두를 위한 딥러닝" regression on 5 x 3 data). ``ops.matmul_arrays`` takes that order for the
shapes where it was measured to be PyTorch's; these tests compare bytes with torch there.
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_lite as tg
from tinygrad_lite import ops

torch = pytest.importorskip("torch")

SHAPES = [(n, k, p) for n in (1, 2, 3, 4, 5, 8, 17, 32) for k in (1, 2, 3, 4, 5, 8, 16)
          for p in (1, 2, 3, 4, 8, 16) if ops._adds_in_order(n, k, p)]


def _bits(t) -> bytes:
    return t.detach().numpy().tobytes()


@pytest.mark.parametrize("n,k,p", SHAPES)
def test_small_products_have_torchs_bits(n, k, p):
    rng = np.random.default_rng(n * 10000 + k * 100 + p)
    for _ in range(3):
        xa = rng.standard_normal((n, k)).astype(np.float32) * 50
        wa = rng.standard_normal((k, p)).astype(np.float32)
        x_t, w_t = torch.tensor(xa, requires_grad=True), torch.tensor(wa, requires_grad=True)
        x_l, w_l = tg.tensor(xa, requires_grad=True), tg.tensor(wa, requires_grad=True)
        out_t, out_l = x_t @ w_t, x_l @ w_l
        assert _bits(out_l) == _bits(out_t)
        g = rng.standard_normal((n, p)).astype(np.float32)
        out_t.backward(torch.tensor(g))
        out_l.backward(tg.tensor(g))
        # the gradients' products (g @ w.T, x.T @ g) take transposed operands, for which
        # torch's kernel adds in order only sometimes: compared to float32's tolerance
        np.testing.assert_allclose(x_l.grad.numpy(), x_t.grad.numpy(), rtol=1e-5, atol=1e-4)
        np.testing.assert_allclose(w_l.grad.numpy(), w_t.grad.numpy(), rtol=1e-5, atol=1e-4)


LINEAR_SHAPES = [(n, k, p) for n in (1, 2, 3, 4, 5, 8, 17, 32) for k in (1, 2, 3, 4, 5, 8)
                 for p in (1, 2, 3, 4, 8) if ops._adds_in_order(n, k, p, transposed=True)]


@pytest.mark.parametrize("n,k,p", LINEAR_SHAPES)
def test_linear_adds_the_bias_after_the_products(n, k, p):
    rng = np.random.default_rng(0)
    xa = rng.standard_normal((n, k)).astype(np.float32) * 80
    wa = rng.standard_normal((p, k)).astype(np.float32)
    ba = rng.standard_normal(p).astype(np.float32)
    outs = [m.nn.functional.linear(m.tensor(xa), m.tensor(wa), m.tensor(ba)) for m in (tg, torch)]
    assert _bits(outs[0]) == _bits(outs[1])


def test_row_times_matrix():
    rng = np.random.default_rng(1)
    xa = rng.standard_normal(4).astype(np.float32)
    wa = rng.standard_normal((4, 3)).astype(np.float32)
    assert _bits(tg.tensor(xa) @ tg.tensor(wa)) == _bits(torch.tensor(xa) @ torch.tensor(wa))
