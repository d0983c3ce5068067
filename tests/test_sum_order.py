"""Float32 sums with PyTorch's bits: ``_cascade.torch_sum`` against torch's CPU sum.

PyTorch adds the terms of a float32 sum in its own order (four interleaved partial sums,
chunks of 16 or more, eight lanes over contiguous terms); NumPy adds pairwise, so without
care the last bit differs, and a float32 training loop's printed losses drift apart. These
tests compare bytes with torch (one thread) for every layout :func:`torch_sum` claims, and
check that it declines the others.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import tinygrad_lite as tg
from tinygrad_lite import _cascade

torch = pytest.importorskip("torch")


@pytest.fixture(autouse=True)
def one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)  # (a parallel sum splits the terms otherwise)
    yield
    torch.set_num_threads(n)


def _bits(x) -> bytes:
    return np.asarray(x.detach().numpy() if hasattr(x, "detach") else x).tobytes()


SHAPES = ([(n,) for n in (1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100,
                          255, 256, 257, 640, 1000, 4096, 5000)]
          + [(a, b) for a in (1, 2, 3, 5, 8, 9, 17, 40, 64) for b in (1, 2, 3, 4, 5, 7, 8, 9,
                                                                      16, 31, 32, 33, 65)]
          + [(2, 3, 4), (4, 1, 6), (64, 10, 3)])
CASES = [(s, d) for s in SHAPES
         for d in [None] + [c for r in range(1, len(s) + 1)
                            for c in itertools.combinations(range(len(s)), r)]]


@pytest.mark.parametrize(("shape", "dims"), CASES)
def test_sums_have_torchs_bits(shape, dims):
    rng = np.random.default_rng(len(shape) * 1000 + sum(shape))
    for scale in (1.0, 100.0, 1e-3):
        x = (rng.standard_normal(shape) * scale).astype(np.float32)
        theirs = torch.tensor(x).sum() if dims is None else torch.tensor(x).sum(dims)
        ours = _cascade.torch_sum(x, dims)
        if ours is None:  # declined: only where nothing is added or dims interleave
            kinds = [i in dims for i, n in enumerate(shape) if n != 1]
            if True not in kinds:  # a copy: NumPy's answer is torch's
                assert _bits(np.sum(x, axis=dims)) == _bits(theirs)
            else:
                assert sum(a != b for a, b in itertools.pairwise(kinds)) > 1
            continue
        assert ours.shape == tuple(theirs.shape)
        assert _bits(ours) == _bits(theirs)


@pytest.mark.parametrize("shape", [(70000,), (300000,), (5000, 3), (3, 5000), (4097, 33),
                                   (20000, 8), (256, 4096), (1000, 100)])
def test_long_sums_go_through_every_level(shape):
    """Long sums add chunk sums of chunk sums (4 levels of 16 or more terms)."""
    x = (np.random.default_rng(7).standard_normal(shape) * 10).astype(np.float32)
    for dims in [None, (0,), (len(shape) - 1,)]:
        theirs = torch.tensor(x).sum() if dims is None else torch.tensor(x).sum(dims)
        assert _bits(_cascade.torch_sum(x, dims)) == _bits(theirs)


def test_declines_other_dtypes_and_layouts():
    x = np.ones((4, 5), np.float64)
    assert _cascade.torch_sum(x, None) is None
    assert _cascade.torch_sum(np.ones((5, 4), np.float32).T, None) is None
    assert _cascade.torch_sum(np.ones((2, 3, 4), np.float32), (0, 2)) is None
    # float64 sums stay NumPy's
    y = np.random.default_rng(0).standard_normal((7, 9))
    assert _bits(_cascade.sum_array(y, (1,))) == _bits(np.add.reduce(y, axis=1))
    assert _bits(_cascade.mean_array(y)) == _bits(np.mean(y))


def test_tensor_sum_mean_and_losses_have_torchs_bits():
    rng = np.random.default_rng(3)
    x = (rng.standard_normal((13, 6)) * 30).astype(np.float32)
    y = (rng.standard_normal((13, 6)) * 30).astype(np.float32)
    for m in (tg, torch):
        m.xt, m.yt = m.tensor(x), m.tensor(y)
    pairs = [(lambda m: m.xt.sum()), (lambda m: m.xt.sum(0)), (lambda m: m.xt.sum(1, keepdim=True)),
             (lambda m: m.xt.mean()), (lambda m: m.xt.mean(0)), (lambda m: m.xt.mean(1)),
             (lambda m: m.nn.functional.mse_loss(m.xt, m.yt)),
             (lambda m: m.nn.functional.l1_loss(m.xt, m.yt, reduction="sum"))]
    for f in pairs:
        assert _bits(f(tg)) == _bits(f(torch))
    del tg.xt, tg.yt, torch.xt, torch.yt


def test_broadcast_gradients_are_summed_in_torchs_order():
    """The gradient of a broadcast bias: a sum over the batch in the backward."""
    rng = np.random.default_rng(4)
    for n, p in [(5, 1), (40, 1), (64, 32), (64, 2), (17, 9)]:
        x = (rng.standard_normal((n, p)) * 50).astype(np.float32)
        b = rng.standard_normal(p).astype(np.float32)
        grads = []
        for m in (tg, torch):
            bt = m.tensor(b, requires_grad=True)
            ((m.tensor(x) + bt) ** 2).sum().backward()
            grads.append(_bits(bt.grad))
        assert grads[0] == grads[1]
