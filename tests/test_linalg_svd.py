"""``linalg.svdvals`` and the matrix norms of singular values (``'nuc'``, 2, -2, also as
``torch.norm(x, 'nuc')``) against torch: values, gradients, second derivatives (a
Hessian-vector product), forward-mode tangents (also of the gradient: forward over
reverse), ``grad_fn`` names, dims, keepdim and errors. float64, compared to rtol 1e-10,
atol 1e-12, on matrices with distinct singular values (where the derivatives exist)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from test_func import same_error

import tinygrad_lite as tg

torch = pytest.importorskip("torch")

RTOL, ATOL = 1e-10, 1e-12
SHAPES = [(2, 2), (3, 4), (4, 3), (2, 3, 5), (1, 3), (3, 1), (2, 2, 2)]
NORMS = [("nuc", (-2, -1), False), (2, (-2, -1), False), (-2, (-2, -1), False),
         ("nuc", (0, -1), True), (2, (-1, 0), True), (-2, (0, -1), False)]


def _close(a: Any, b: Any) -> None:
    np.testing.assert_allclose(np.asarray(a.detach().tolist()), np.asarray(b.detach().tolist()),
                               rtol=RTOL, atol=ATOL)


def _data(shape: tuple[int, ...]) -> np.ndarray:
    return np.random.default_rng(sum(shape) * 7 + len(shape)).standard_normal(shape)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("ord_,dim,keepdim", NORMS, ids=str)
def test_norm_of_singular_values(shape, ord_, dim, keepdim):
    a = _data(shape)
    w = np.cos(np.arange(a.size)).reshape(shape)
    outs = []
    for m in (tg, torch):
        x = m.tensor(a, requires_grad=True)
        r = m.linalg.matrix_norm(x, ord_, dim=dim, keepdim=keepdim)
        (g,) = m.autograd.grad(r.sum(), x, create_graph=True)
        (h,) = m.autograd.grad((g * m.tensor(w)).sum(), x)
        outs.append((r, g, h, r.grad_fn.name()))
    for ours, theirs in zip(outs[0][:3], outs[1][:3]):
        _close(ours, theirs)
    assert outs[0][3] == outs[1][3]


@pytest.mark.parametrize("shape", [(3, 4), (4, 3), (2, 3, 3), (0, 3), (2, 0, 3)], ids=str)
def test_svdvals(shape):
    a = _data(shape)
    outs = [m.linalg.svdvals(m.tensor(a, requires_grad=True)) for m in (tg, torch)]
    _close(*outs)
    assert outs[0].shape == outs[1].shape
    assert outs[0].grad_fn.name() == outs[1].grad_fn.name()


@pytest.mark.parametrize("shape", [(3, 4), (4, 3), (2, 3, 3)], ids=str)
def test_tangents_and_forward_over_reverse(shape):
    a, t = _data(shape), np.sin(np.arange(np.prod(shape))).reshape(shape)
    outs = []
    for m in (tg, torch):
        fa = m.autograd.forward_ad
        with fa.dual_level():
            x = fa.make_dual(m.tensor(a), m.tensor(t))
            tangent = fa.unpack_dual(m.linalg.svdvals(x)).tangent
        x = m.tensor(a, requires_grad=True)
        with fa.dual_level():  # the tangent of the gradient: a Hessian-vector product
            xd = fa.make_dual(x, m.tensor(t))
            (g,) = m.autograd.grad(m.linalg.matrix_norm(xd, "nuc").sum(), xd,
                                 create_graph=True)
            hv = fa.unpack_dual(g).tangent
        outs.append((tangent, hv))
    for ours, theirs in zip(*outs):
        _close(ours, theirs)


@pytest.mark.parametrize("fn", [
    lambda m: m.norm(m.ones(3), p="nuc"), lambda m: m.norm(m.ones(2, 2, 3), p="nuc"),
    lambda m: m.norm(m.ones(2, 3), p="nuc", dim=0), lambda m: m.linalg.svdvals(m.ones(3)),
    lambda m: m.linalg.svdvals(m.ones(2, 3, dtype=m.int64)),
    lambda m: m.linalg.matrix_norm(m.ones(2, 3), "nuc", dim=(0, 0)),
])
def test_errors_are_torchs(fn):
    same_error(fn)


def test_torch_norm_nuc():
    a = _data((2, 3, 4))
    for dim in ((1, 2), (0, 2), None):
        if dim is None:
            a = a[0]
        outs = [m.norm(m.tensor(a), p="nuc", dim=dim) for m in (tg, torch)]
        _close(*outs)


def test_float32_and_dtype():
    a = _data((3, 4)).astype(np.float32)
    for kw in ({}, {"dtype": "float64"}):
        outs = [m.linalg.matrix_norm(m.tensor(a), "nuc",
                                     **{k: getattr(m, v) for k, v in kw.items()})
                for m in (tg, torch)]
        assert outs[0].dtype.__repr__() == outs[1].dtype.__repr__()
        np.testing.assert_allclose(outs[0].item(), outs[1].item(), rtol=1e-6)


def test_third_derivative_is_refused():
    x = tg.tensor(_data((3, 3)), requires_grad=True)
    (g,) = tg.autograd.grad(tg.linalg.matrix_norm(x, "nuc"), x, create_graph=True)
    (h,) = tg.autograd.grad(g.sum(), x, create_graph=True)
    with pytest.raises(NotImplementedError, match="third derivative"):
        h.sum().backward()
