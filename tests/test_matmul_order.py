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
from helpers import MKL_AVX512, MKL_AVX512_REASON

import tinygrad_lite as tg
from tinygrad_lite import ops

torch = pytest.importorskip("torch")
# the tests that compare bits with torch: on MKL's AVX512 kernels the orders differ
avx2_kernels = pytest.mark.skipif(MKL_AVX512, reason=MKL_AVX512_REASON)

SHAPES = [(n, k, p) for n in (1, 2, 3, 4, 5, 8, 17, 32) for k in (1, 2, 3, 4, 5, 8, 16)
          for p in (1, 2, 3, 4, 8, 16) if ops._adds_in_order(n, k, p)]


def _bits(t) -> bytes:
    return (t if isinstance(t, np.ndarray) else t.detach().numpy()).tobytes()


@avx2_kernels
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


@avx2_kernels
@pytest.mark.parametrize("n,k,p", LINEAR_SHAPES)
def test_linear_adds_the_bias_after_the_products(n, k, p):
    rng = np.random.default_rng(0)
    xa = rng.standard_normal((n, k)).astype(np.float32) * 80
    wa = rng.standard_normal((p, k)).astype(np.float32)
    ba = rng.standard_normal(p).astype(np.float32)
    outs = [m.nn.functional.linear(m.tensor(xa), m.tensor(wa), m.tensor(ba)) for m in (tg, torch)]
    assert _bits(outs[0]) == _bits(outs[1])


@avx2_kernels
def test_row_times_matrix():
    rng = np.random.default_rng(1)
    xa = rng.standard_normal(4).astype(np.float32)
    wa = rng.standard_normal((4, 3)).astype(np.float32)
    assert _bits(tg.tensor(xa) @ tg.tensor(wa)) == _bits(torch.tensor(xa) @ torch.tensor(wa))


def _fma_chain(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` by fused multiply-adds in turn (``acc = fl(a_i b_i + acc)``), each
    rounded once: the float64 sum of the exact product and ``acc``, nudged to odd when
    inexact (round-to-odd), rounds to float32 as the exact value would."""
    acc = np.zeros((a.shape[0], b.shape[1]))
    for i in range(a.shape[1]):
        prod = np.multiply.outer(a[:, i].astype(np.float64), b[i].astype(np.float64))
        s = prod + acc
        t = s - prod
        err = (prod - (s - t)) + (acc - t)
        odd = (s.view(np.int64) & 1) == 1
        s = np.where((err != 0) & ~odd, np.nextafter(s, np.where(err > 0, np.inf, -np.inf)), s)
        acc = s.astype(np.float32).astype(np.float64)
    return acc.astype(np.float32)


# (n, k, p, layout): "nn" a @ b, "nt" a @ w.T as nn.Linear (w a (p, k) array), "tn" a.T @ b
# as a weight's gradient (a (k, n) array); only where _torch_order claims an order
ORDER_CASES = [(n, k, p, lay) for lay in ("nn", "nt", "tn")
               for n in (1, 2, 4, 5, 7, 8, 12, 16, 33, 64, 128, 200)
               for k in (1, 2, 3, 4, 6, 8, 16, 24, 32, 40, 64)
               for p in (1, 2, 16, 32, 48)
               if ops._torch_order(n, k, p, lay == "tn" and n > 1, lay == "nt" and k > 1)
               and not ops._adds_in_order(n, k, p, lay != "nn")]


def _operands(rng, n, k, p, lay):
    a = rng.standard_normal((k, n) if lay == "tn" else (n, k)).astype(np.float32)
    b = rng.standard_normal((p, k) if lay == "nt" else (k, p)).astype(np.float32)
    return a, b


@avx2_kernels
@pytest.mark.parametrize("n,k,p,lay", ORDER_CASES)
def test_measured_orders_have_torchs_bits(n, k, p, lay):
    rng = np.random.default_rng(n * 10000 + k * 100 + p)
    for _ in range(4):
        a, b = _operands(rng, n, k, p, lay)
        if lay == "nn":
            ours, theirs = ops.matmul_arrays(a, b), torch.tensor(a) @ torch.tensor(b)
        elif lay == "nt":
            bias = rng.standard_normal(p).astype(np.float32)
            ours = tg.nn.functional.linear(tg.tensor(a), tg.tensor(b), tg.tensor(bias))
            theirs = torch.nn.functional.linear(torch.tensor(a), torch.tensor(b),
                                                torch.tensor(bias))
        else:
            ours, theirs = ops.matmul_arrays(a.T, b), torch.tensor(a).t() @ torch.tensor(b)
        assert _bits(ours) == _bits(theirs)


@pytest.mark.parametrize("n,k,p", sorted({(n, k, p) for n, k, p, lay in ORDER_CASES
                                          if ops._torch_order(n, k, p, lay == "tn" and n > 1,
                                                              lay == "nt" and k > 1) == "fma"}))
def test_numpys_products_of_copies_are_fma_chains(n, k, p):
    """The 'fma' order is computed as NumPy's product of C-contiguous copies: its BLAS
    must then add by fused multiply-adds in turn, as an exact emulation does."""
    rng = np.random.default_rng(k)
    a = (rng.standard_normal((n, k)) * 20).astype(np.float32)
    b = rng.standard_normal((k, p)).astype(np.float32)
    assert _bits(np.matmul(a, b)) == _bits(_fma_chain(a, b))


@avx2_kernels
def test_the_linear_layers_of_a_small_mlp_have_torchs_bits():
    """nn.Linear 6 -> 32 -> 16 -> 2 on 64 rows: FMA chains, then 8 lanes."""
    rng = np.random.default_rng(5)
    h = rng.standard_normal((64, 6)).astype(np.float32)
    for k, p in ((6, 32), (32, 16), (16, 2)):
        w = rng.standard_normal((p, k)).astype(np.float32)
        bias = rng.standard_normal(p).astype(np.float32)
        outs = [m.nn.functional.linear(m.tensor(h), m.tensor(w), m.tensor(bias))
                for m in (tg, torch)]
        assert _bits(outs[0]) == _bits(outs[1])
        h = outs[1].numpy()


@pytest.mark.parametrize("shapes", [((1,), (1, 3)), ((2, 3), (3, 2)), ((4, 8), (8, 2)),
                                    ((5, 3), (3, 16)), ((3,), (3, 4)), ((6, 2), (2, 1))],
                         ids=str)
def test_a_sum_of_zero_products_is_plus_zero(shapes):
    # torch's kernels add the products to accumulators that start at +0: 0 * -2 = -0 alone
    # still sums to +0 (and 1 / +0 is inf where 1 / -0 is -inf), found by the fuzzer
    rng = np.random.default_rng(len(shapes[0]))
    a = np.zeros(shapes[0], np.float32)
    b = np.where(rng.random(shapes[1]) < 0.5, -1, 1).astype(np.float32)
    assert _bits(tg.tensor(a) @ tg.tensor(b)) == _bits(torch.tensor(a) @ torch.tensor(b))
    assert _bits(tg.tensor(-a) @ tg.tensor(b)) == _bits(torch.tensor(-a) @ torch.tensor(b))


# MKL's kernel for small products (2 or more rows and columns, at most 11 columns or at
# most 3 rows): orders that depend on where each input row (x @ w.T) or output row (x @ w,
# g.T @ x) starts within its 16-byte block, so odd sizes, and inputs that start inside
# their storage, are the cases that tell
SMALL_KERNEL_CASES = [(n, k, p) for n in (2, 3, 5, 7, 64)
                      for k in (4, 7, 8, 9, 10, 13, 17, 33, 100)
                      for p in (2, 3, 5, 6, 7, 9, 10, 11)]
SMALL_KERNEL_CASES += [(3, 10, 17), (2, 33, 64), (64, 784, 10)]


@avx2_kernels
@pytest.mark.parametrize("n,k,p", SMALL_KERNEL_CASES)
def test_the_small_kernels_orders_have_torchs_bits(n, k, p):
    rng = np.random.default_rng(n * 10000 + k * 100 + p)
    x = rng.standard_normal((n, k)).astype(np.float32)
    w = rng.standard_normal((p, k)).astype(np.float32)
    m = rng.standard_normal((k, p)).astype(np.float32)
    bias = rng.standard_normal(p).astype(np.float32)
    xt = np.ascontiguousarray(x.T)
    for f in (lambda t, a, b, c: t.nn.functional.linear(t.tensor(a), t.tensor(b), t.tensor(c)),
              lambda t, a, b, c: t.nn.functional.linear(t.tensor(a), t.tensor(b)),
              lambda t, a, b, c: t.tensor(a) @ t.tensor(m),
              lambda t, a, b, c: t.tensor(xt).t() @ t.tensor(m)):
        assert _bits(f(tg, x, w, bias)) == _bits(f(torch, x, w, bias))


@avx2_kernels
@pytest.mark.parametrize("start", [0, 1, 2, 3])
def test_linear_of_an_input_inside_its_storage_has_torchs_bits(start):
    rng = np.random.default_rng(start)
    big = rng.standard_normal((6, 15)).astype(np.float32)
    w = rng.standard_normal((10, 11)).astype(np.float32)
    outs = [m.nn.functional.linear(m.tensor(big)[1:, start:start + 11], m.tensor(w))
            for m in (tg, torch)]
    assert _bits(outs[0]) == _bits(outs[1])


@avx2_kernels
@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 8, 13, 64])
def test_linear_with_one_output_has_torchs_bits(n):
    rng = np.random.default_rng(n)
    for k in (1, 3, 4, 5, 8, 10, 12, 17, 19) + ((20, 33, 100, 784) if n % 4 == 0 else ()):
        x = rng.standard_normal((n, k)).astype(np.float32)
        w = rng.standard_normal((1, k)).astype(np.float32)
        bias = rng.standard_normal(1).astype(np.float32)
        outs = [m.nn.functional.linear(m.tensor(x), m.tensor(w), m.tensor(bias))
                for m in (tg, torch)]
        assert _bits(outs[0]) == _bits(outs[1]), k
