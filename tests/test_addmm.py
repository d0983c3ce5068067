"""``torch.addmm`` (and ``Tensor.addmm``) against torch: values, gradients of the three
inputs (with ``beta`` and ``alpha``), second derivatives, tangents, the records of the
graph, and errors. float64, rtol 1e-12; ``nn.Linear``'s graph, composed of ``t()`` and
``addmm`` as torch composes it, is checked in test_higher_order."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from test_func import same_error

import tinygrad_lite as tg

torch = pytest.importorskip("torch")

SHAPES = [((3,), (2, 4), (4, 3)), ((2, 3), (2, 4), (4, 3)), ((1,), (3, 2), (2, 5)),
          ((2, 1), (2, 3), (3, 4)), ((), (2, 2), (2, 2))]
SCALES = [(1, 1), (0.5, 2.0), (0, 1), (2, 0)]


def _run(m: Any, arrays: list[np.ndarray], beta: float, alpha: float, method: bool) -> list:
    b, m1, m2 = (m.tensor(a, requires_grad=True) for a in arrays)
    y = b.addmm(m1, m2, beta=beta, alpha=alpha) if method else m.addmm(b, m1, m2, beta=beta,
                                                                         alpha=alpha)
    u = m.tensor(np.cos(np.arange(y.numel())).reshape(tuple(y.shape)))
    grads = m.autograd.grad((y * y * u).sum(), (b, m1, m2), create_graph=True)
    second = m.autograd.grad(sum((g * g).sum() for g in grads), (b, m1, m2), allow_unused=True)
    return [y, *grads, *second, y.grad_fn.name()]


@pytest.mark.parametrize("shapes", SHAPES, ids=str)
@pytest.mark.parametrize("beta,alpha", SCALES, ids=str)
def test_addmm(shapes, beta, alpha):
    rng = np.random.default_rng(len(shapes[0]) + 10 * shapes[1][0])
    arrays = [rng.standard_normal(s) for s in shapes]
    for method in (False, True):
        ours, theirs = (_run(m, arrays, beta, alpha, method) for m in (tg, torch))
        assert ours[-1] == theirs[-1]
        for a, b in zip(ours[:-1], theirs[:-1]):
            if b is None:
                assert a is None or not np.any(a.detach().numpy())
                continue
            np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12,
                                       atol=1e-12)


def test_beta_zero_does_not_read_the_input():
    outs = [m.addmm(m.tensor(float("nan")), m.ones(2, 3), m.ones(3, 2), beta=0)
            for m in (tg, torch)]
    assert outs[0].tolist() == outs[1].tolist()


def test_tangents():
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal(s) for s in ((3,), (2, 4), (4, 3))]
    tangents = [rng.standard_normal(a.shape) for a in arrays]
    outs = []
    for m in (tg, torch):
        fa = m.autograd.forward_ad
        with fa.dual_level():
            duals = [fa.make_dual(m.tensor(a), m.tensor(t)) for a, t in zip(arrays, tangents)]
            outs.append(fa.unpack_dual(m.addmm(*duals, beta=0.5, alpha=3.0)).tangent.numpy())
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-12)


@pytest.mark.parametrize("fn", [
    lambda m: m.addmm(m.ones(3), m.ones(2, 3), m.ones(4, 5)),
    lambda m: m.addmm(m.ones(3), m.ones(3), m.ones(3, 3)),
    lambda m: m.addmm(m.ones(3), m.ones(2, 3), m.ones(3)),
    lambda m: m.addmm(m.ones(4), m.ones(2, 3), m.ones(3, 3)),
    lambda m: m.addmm(m.ones(3), m.ones(2, 3), m.ones(3, 3, dtype=m.float64)),
    lambda m: m.addmm(m.ones(3, dtype=m.float64), m.ones(2, 3), m.ones(3, 3)),
    lambda m: m.addmm(m.ones(3), m.ones(2, 3, dtype=m.float64), m.ones(3, 3)),
])
def test_errors_are_torchs(fn):
    same_error(fn)


def test_linear_grad_fn_chain_is_torchs():
    # what a learner sees walking the graph: addmm of the bias, the input, and w.t()
    names = []
    for m in (tg, torch):
        lin = m.nn.Linear(3, 2)
        y = lin(m.ones(4, 3))
        names.append([(f.name() if f is not None else None) for f, _ in
                      y.grad_fn.next_functions] + [y.grad_fn.name()])
    assert names[0] == names[1]
