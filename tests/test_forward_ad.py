"""Forward mode (``autograd.forward_ad``) compared with torch's: for every primitive, the
primal and the tangent of each output (values, shape, dtype) from the same inputs and
tangents, on 0-d, vector and matrix inputs; the API's errors; a tangent rule for every
primitive; forward and reverse mode together.

:func:`check_jvp` is to forward mode what :func:`helpers.check` is to gradients: one
function, run on dual tensors of both libraries.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from helpers import TOLERANCES, _flat, _make_inputs, assert_same_values, caught, lib, to_numpy
from test_higher_order import CASES as HIGHER_ORDER_CASES
from test_ops_vs_torch import (
    BINARY,
    EDGES,
    INDEXING,
    KINKS,
    POSITIVE,
    REDUCTIONS,
    SHAPE_OPS,
    SHAPES,
    UNARY,
)

import tinygrad_lite as tg
import tinygrad_lite.autograd.forward_ad as fwad
from tinygrad_lite import ops

torch = pytest.importorskip("torch")
tfwad = torch.autograd.forward_ad


def _dual_run(module: any, fn: any, arrays: list, tangents: list, requires_grad: bool) -> list:
    """``fn`` on dual tensors of ``module``: [(primal, tangent), ...] for each output, and
    the inputs."""
    ad = module.autograd.forward_ad
    with ad.dual_level():
        ins = []
        for a, t in zip(arrays, tangents):
            x = module.tensor(a, requires_grad=requires_grad and t is not None)
            ins.append(x if t is None else ad.make_dual(x, module.tensor(t)))
        outs = _flat(fn(*ins))
        return [tuple(ad.unpack_dual(o)) for o in outs]


def check_jvp(fn: any, shapes_or_arrays: list, *, dtype: any = np.float64, low: float = -2.0,
              high: float = 2.0, seed: int = 0, rtol: float | None = None,
              atol: float | None = None, dual: list[bool] | None = None) -> list:
    """Run ``fn`` on dual tensors of tinygrad_lite and of torch, made of the same inputs
    (shapes, as :func:`helpers.check`, or arrays) and the same random tangents, and compare
    each output's primal and tangent: values, shape, dtype, and both None or neither.

    Args:
        fn: called as ``fn(*tensors)``; returns a tensor or a tuple of them.
        shapes_or_arrays: one entry per input.
        dtype, low, high, seed: as :func:`helpers.check`.
        rtol, atol: tolerances (by default those of TOLERANCES for the dtype).
        dual: which inputs get a tangent (by default every floating one).

    Returns:
        Our ``[(primal, tangent), ...]``, for further checks.
    """
    rng = np.random.default_rng(seed)
    arrays = _make_inputs(shapes_or_arrays, dtype, low, high, rng)
    dual = dual or [a.dtype.kind == "f" for a in arrays]
    tangents = [rng.standard_normal(a.shape).astype(a.dtype) if d else None
                for a, d in zip(arrays, dual)]
    ours = _dual_run(tg, fn, arrays, tangents, False)
    theirs = _dual_run(torch, fn, arrays, tangents, False)
    assert len(ours) == len(theirs), "number of outputs"
    for i, ((p, t), (q, u)) in enumerate(zip(ours, theirs)):
        r, a = TOLERANCES.get(np.dtype(to_numpy(q).dtype), (0.0, 0.0))
        r, a = (r if rtol is None else rtol), (a if atol is None else atol)
        assert_same_values(p, q, r, a, f"primal {i}")
        if u is None:
            assert t is None, f"tangent {i}: torch has None, we have {t!r}"
        else:
            assert t is not None, f"tangent {i}: torch has one, we have None"
            assert_same_values(t, u, r, a, f"tangent {i}")
    return ours


# ----------------------------------------------------------------------------------------
# Every primitive of the core, through the call forms the gradient tests use
# ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name", UNARY)
def test_unary(name, shape):
    check_jvp(UNARY[name], [shape])


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name", POSITIVE)
def test_unary_positive(name, shape):
    check_jvp(POSITIVE[name], [shape], low=0.2, high=3.0)


@pytest.mark.parametrize("name", [*UNARY, *POSITIVE])
def test_unary_float32(name):
    fn = UNARY.get(name) or POSITIVE[name]
    check_jvp(fn, [(2, 3)], dtype=np.float32, low=0.2 if name in POSITIVE else -2.0)


@pytest.mark.parametrize("shapes", [[(2, 3), (2, 3)], [(2, 3), (3,)], [(), (2, 3)],
                                    [(2, 1), (1, 3)], [(), ()]], ids=str)
@pytest.mark.parametrize("name", BINARY)
def test_binary_broadcast(name, shapes):
    rng = np.random.default_rng(1)
    a = rng.uniform(-3, 3, shapes[0])
    b = rng.uniform(0.5, 3, shapes[1])  # away from 0: it is a divisor
    check_jvp(BINARY[name], [a, b])
    check_jvp(BINARY[name], [a, b], dual=[True, False])
    check_jvp(BINARY[name], [a, b], dual=[False, True])


@pytest.mark.parametrize("name", REDUCTIONS)
def test_reduction(name):
    check_jvp(REDUCTIONS[name], [(2, 3, 4)])


@pytest.mark.parametrize("name", SHAPE_OPS)
def test_shape_ops(name):
    check_jvp(SHAPE_OPS[name], [(2, 3, 4)])


@pytest.mark.parametrize("name", INDEXING)
def test_indexing(name):
    check_jvp(INDEXING[name], [(3, 4, 2)])


@pytest.mark.parametrize("name", KINKS)
def test_kinks_and_ties(name):
    fn, x = KINKS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's own 0 ** -1 warns nothing; NumPy may
        check_jvp(fn, [np.array(x)])


def _t(a, values):
    return lib(a).tensor(values, dtype=a.dtype)


# Everything else: one lambda per primitive or call form, with its inputs.
MORE = {
    # two tensors
    "a ** b": (lambda a, b: a**b, [np.array([[0.5, 1.5, 2.0]]), np.array([[-1.0], [2.5]])]),
    "a ** b at 0": (lambda a, b: a**b, [np.array([0.0, 0.0, 2.0]), np.array([0.0, 2.0, 0.0])]),
    "maximum ties": (lambda a, b: lib(a).maximum(a, b),
                     [np.array([1.0, 2.0, 3.0]), np.array([1.0, 5.0, 0.0])]),
    "minimum ties": (lambda a, b: lib(a).minimum(a, b),
                     [np.array([1.0, 2.0, 3.0]), np.array([1.0, 5.0, 0.0])]),
    "where": (lambda a, b: lib(a).where(a > 0, a, b), [(2, 3), (3,)]),
    "where(number)": (lambda a: lib(a).where(a > 0, a, 0.0), [(2, 3)]),
    "clamp_max(tensor)": (lambda a, b: a.clamp_max(b), [(2, 3), (2, 3)]),
    "clamp_min(tensor)": (lambda a, b: a.clamp_min(b), [(2, 3), ()]),
    "clamp(tensor, tensor)": (lambda a, b: a.clamp(b, b + 0.5), [(2, 3), (3,)]),
    "clamp(min=tensor)": (lambda a, b: a.clamp(min=b), [(2, 3), (2, 3)]),
    "a % b": (lambda a, b: a % b, [(2, 3), np.array([0.7, 1.5, -1.1])]),
    "fmod(a, b)": (lambda a, b: lib(a).fmod(a, b), [(2, 3), np.array([0.7, 1.5, -1.1])]),
    "remainder(a, b)": (lambda a, b: a.remainder(b), [(3,), (3,)]),
    # a tensor and a number
    "a % 0.7": (lambda a: a % 0.7, [(2, 3)]),
    "fmod(a, 0.7)": (lambda a: a.fmod(0.7), [(2, 3)]),
    "a ** 3": (lambda a: a**3, [(2, 3)]),
    "a ** 0": (lambda a: a**0, [(2, 3)]),
    "a ** 1": (lambda a: a**1, [(3,)]),
    "2 ** a": (lambda a: 2**a, [(2, 3)]),
    "0 ** a": (lambda a: 0**a, [np.array([0.5, 0.0, -1.0])]),
    "reciprocal": (lambda a: a.reciprocal(), [np.array([0.5, -2.0, 3.0])]),
    "rsub": (lambda a: 1.5 - a, [()]),
    # one tensor, elementwise
    "floor": (lambda a: a.floor(), [(2, 3)]),
    "ceil": (lambda a: a.ceil(), [(2, 3)]),
    "trunc": (lambda a: a.trunc(), [(2, 3)]),
    "round": (lambda a: a.round(), [(2, 3)]),
    "round(decimals=1)": (lambda a: a.round(decimals=1), [(2, 3)]),
    "sign": (lambda a: a.sign(), [(2, 3)]),
    "log1p": (lambda a: a.log1p(), [(2, 3)]),
    "expm1": (lambda a: a.expm1(), [(2, 3)]),
    "logit": (lambda a: (a.tanh() * 0.4 + 0.5).logit(), [(2, 3)]),
    "logit(eps)": (lambda a: (a * 0.5 + 0.5).logit(0.2), [(2, 3)]),
    "nan_to_num": (lambda a: (a.log()).nan_to_num(), [np.array([-1.0, 0.0, 2.0])]),
    "clamp_min(number)": (lambda a: a.clamp_min(0.1), [(2, 3)]),
    "clamp_max(number)": (lambda a: a.clamp_max(0.1), [()]),
    "to(float32)": (lambda a: a.to(lib(a).float32), [(2, 3)]),
    "to(float64) of float32": (lambda a: (a * 2).float().double(), [(2, 3)]),
    "contiguous of t()": (lambda a: a.t().contiguous(), [(2, 3)]),
    "clone": (lambda a: a.clone(), [()]),
    # reductions
    "amax": (lambda a: a.amax(1), [(2, 3, 4)]),
    "amin(keepdim)": (lambda a: a.amin((0, 2), keepdim=True), [(2, 3, 4)]),
    "amax ties": (lambda a: a.amax(0), [np.array([[1.0, 2.0], [1.0, 0.0]])]),
    "var": (lambda a: a.var(), [(2, 3)]),
    "var(1)": (lambda a: a.var(1), [(2, 3)]),
    "var(0, correction=0, keepdim)": (lambda a: a.var(0, correction=0, keepdim=True),
                                      [(2, 3)]),
    "std": (lambda a: a.std(), [(2, 3)]),
    "std(1)": (lambda a: a.std(1), [(2, 3)]),
    "norm": (lambda a: a.norm(), [(2, 3)]),
    "norm(p=1, dim=1)": (lambda a: a.norm(p=1, dim=1), [(2, 3)]),
    "norm(p=3)": (lambda a: a.norm(p=3), [(2, 3)]),
    "norm(p=0.5)": (lambda a: a.norm(p=0.5), [(2, 3)]),
    "norm(p=inf)": (lambda a: a.norm(p=float("inf")), [(2, 3)]),
    "norm(p=-inf, dim=0)": (lambda a: a.norm(p=float("-inf"), dim=0), [(2, 3)]),
    "norm(p=0)": (lambda a: a.norm(p=0), [(2, 3)]),
    "linalg.vector_norm(dim=1)": (lambda a: lib(a).linalg.vector_norm(a, dim=1), [(2, 3)]),
    "logsumexp": (lambda a: a.logsumexp(1), [(2, 3)]),
    "logsumexp(all)": (lambda a: lib(a).logsumexp(a, (0, 1)), [(2, 3)]),
    "prod": (lambda a: a.prod(), [(2, 3)]),
    "prod(1)": (lambda a: a.prod(1), [(2, 3)]),
    "prod with a zero": (lambda a: a.prod(), [np.array([1.5, 0.0, 2.0])]),
    "prod(0) with zeros": (lambda a: a.prod(0), [np.array([[1.5, 0.0], [0.0, 2.0]])]),
    "prod of 0-d": (lambda a: a.prod(), [()]),
    "cumsum": (lambda a: a.cumsum(1), [(2, 3)]),
    "cumsum of 0-d": (lambda a: a.cumsum(0), [()]),
    "max() of 0-d": (lambda a: a.max(), [()]),
    "softmax of 0-d": (lambda a: a.softmax(0), [()]),
    "log_softmax of 0-d": (lambda a: a.log_softmax(0), [()]),
    # shapes, views, indexing, joining
    "t": (lambda a: a.t(), [(2, 3)]),
    "squeeze": (lambda a: a.squeeze(), [(2, 1, 3)]),
    "squeeze(1)": (lambda a: a.squeeze(1), [(2, 1, 3)]),
    "diagonal": (lambda a: a.diagonal(), [(3, 3)]),
    "diagonal(1, 0, 2)": (lambda a: a.diagonal(1, 0, 2), [(3, 2, 4)]),
    "flip": (lambda a: a.flip(0), [(2, 3)]),
    "flip(0, 1)": (lambda a: lib(a).flip(a, (0, 1)), [(2, 3)]),
    "unbind": (lambda a: a.unbind(1), [(2, 3)]),
    "split(2)": (lambda a: a.split(2), [(5, 2)]),
    "split([1, 4])": (lambda a: a.split([1, 4]), [(5, 2)]),
    "chunk(2, 1)": (lambda a: a.chunk(2, 1), [(2, 4)]),
    "narrow": (lambda a: a.narrow(1, 1, 2), [(2, 4)]),
    "gather": (lambda a: a.gather(1, lib(a).tensor([[0, 0], [2, 1]])), [(2, 3)]),
    "scatter(src)": (lambda a, s: a.scatter(1, lib(a).tensor([[0], [2]]), s),
                     [(2, 3), (2, 1)]),
    "scatter(value)": (lambda a: a.scatter(1, lib(a).tensor([[0], [2]]), 1.5), [(2, 3)]),
    "cat": (lambda a, b: lib(a).cat([a, b], 0), [(2, 3), (1, 3)]),
    "cat(dim=1) with a constant": (lambda a: lib(a).cat([a, a * 0 + 1, a], 1), [(2, 3)]),
    "stack": (lambda a, b: lib(a).stack([a, b], 1), [(2, 3), (2, 3)]),
    "expand of 0-d": (lambda a: a.expand(2, 3), [()]),
    "index of 0-d": (lambda a: a[None], [()]),
    "[mask] = (setitem)": (lambda a, b: _setitem(a, a > 0, b[0, 0]), [(2, 3), (2, 3)]),
    # products
    "mm": (lambda a, b: a.mm(b), [(2, 3), (3, 4)]),
    "matrix @ vector": (lambda a, b: a @ b, [(2, 3), (3,)]),
    "dot": (lambda a, b: a.dot(b), [(3,), (3,)]),
    "vector @ matrix": (lambda a, b: a @ b, [(3,), (3, 2)]),
    "vector @ matrix, matrix constant": (lambda a, b: a @ b, [(3,), (3, 2)]),
    "matmul 3-D @ 3-D": (lambda a, b: lib(a).matmul(a, b), [(2, 2, 3), (2, 3, 4)]),
    "matmul broadcast": (lambda a, b: a @ b, [(2, 1, 2, 3), (3, 3, 2)]),
    "matmul 3-D @ 1-D": (lambda a, b: a @ b, [(2, 2, 3), (3,)]),
    # nn.functional
    "linear": (lambda x, w, b: lib(x).nn.functional.linear(x, w, b), [(4, 3), (2, 3), (2,)]),
    "linear without bias": (lambda x, w: lib(x).nn.functional.linear(x, w), [(4, 3), (2, 3)]),
    "linear of 1-D": (lambda x, w, b: lib(x).nn.functional.linear(x, w, b), [(3,), (2, 3), (2,)]),
    "linear of 1-D without bias": (lambda x, w: lib(x).nn.functional.linear(x, w),
                                   [(3,), (2, 3)]),
    "linear of 3-D": (lambda x, w, b: lib(x).nn.functional.linear(x, w, b),
                      [(2, 4, 3), (2, 3), (2,)]),
    "linear of 3-D without bias": (lambda x, w: lib(x).nn.functional.linear(x, w),
                                   [(2, 4, 3), (2, 3)]),
    "relu": (lambda a: lib(a).nn.functional.relu(a), [(2, 3)]),
    "leaky_relu": (lambda a: lib(a).nn.functional.leaky_relu(a, 0.1), [(2, 3)]),
    "leaky_relu_": (lambda a: lib(a).nn.functional.leaky_relu(a * 1, 0.1, inplace=True),
                    [(2, 3)]),
    "softplus": (lambda a: lib(a).nn.functional.softplus(a, beta=2.0, threshold=3.0),
                 [np.array([-1.0, 0.5, 1.4, 2.0])]),
    "logsigmoid": (lambda a: lib(a).nn.functional.logsigmoid(a), [(2, 3)]),
    "mse_loss": (lambda a, b: lib(a).nn.functional.mse_loss(a, b), [(2, 3), (2, 3)]),
    "mse_loss(sum)": (lambda a, b: lib(a).nn.functional.mse_loss(a, b, reduction="sum"),
                      [(2, 3), (2, 3)]),
    "mse_loss(none)": (lambda a, b: lib(a).nn.functional.mse_loss(a, b, reduction="none"),
                       [(2, 3), (2, 3)]),
    "binary_cross_entropy": (lambda a, b: lib(a).nn.functional.binary_cross_entropy(a, b),
                             [np.array([0.2, 0.7, 0.9]), np.array([0.0, 1.0, 0.4])]),
    "binary_cross_entropy(none, weight)": (
        lambda a, b: lib(a).nn.functional.binary_cross_entropy(
            a, b, weight=_t(a, [1.0, 2.0, 0.5]), reduction="none"),
        [np.array([0.2, 0.7, 0.9]), np.array([0.0, 1.0, 0.4])]),
    "binary_cross_entropy_with_logits": (
        lambda a, b: lib(a).nn.functional.binary_cross_entropy_with_logits(a, b),
        [(2, 3), np.array([[0.0, 1.0, 0.4], [1.0, 0.5, 0.0]])]),
    "binary_cross_entropy_with_logits(pos_weight, sum)": (
        lambda a, b: lib(a).nn.functional.binary_cross_entropy_with_logits(
            a, b, pos_weight=_t(a, [1.0, 2.0, 0.5]), reduction="sum"),
        [(2, 3), np.array([[0.0, 1.0, 0.4], [1.0, 0.5, 0.0]])]),
    "nll_loss": (lambda a: lib(a).nn.functional.nll_loss(a, lib(a).tensor([0, 2, 1])),
                 [(3, 4)]),
    "nll_loss(none)": (lambda a: lib(a).nn.functional.nll_loss(a, lib(a).tensor([0, 2, 1]),
                                                               reduction="none"), [(3, 4)]),
    "nll_loss(sum, weight)": (lambda a: lib(a).nn.functional.nll_loss(
        a, lib(a).tensor([0, 2, 1]), weight=_t(a, [1.0, 2.0, 3.0, 4.0]), reduction="sum"),
        [(3, 4)]),
    "nll_loss 2-d": (lambda a: lib(a).nn.functional.nll_loss(
        a, lib(a).tensor([[0, 2], [1, 1]]), reduction="none"), [(2, 3, 2)]),
    "cross_entropy": (lambda a: lib(a).nn.functional.cross_entropy(
        a, lib(a).tensor([0, 2, 1])), [(3, 4)]),
    "cross_entropy(probabilities, label_smoothing)": (
        lambda a, b: lib(a).nn.functional.cross_entropy(a, b.softmax(1), label_smoothing=0.1),
        [(3, 4), (3, 4)]),
    "smooth_l1_loss": (lambda a, b: lib(a).nn.functional.smooth_l1_loss(a, b, beta=0.5),
                       [(2, 3), (2, 3)]),
    "huber_loss(none)": (lambda a, b: lib(a).nn.functional.huber_loss(
        a, b, reduction="none", delta=0.5), [(2, 3), (2, 3)]),
    "batch_norm (training)": (lambda x, w, b: lib(x).nn.functional.batch_norm(
        x, None, None, w, b, training=True), [(4, 3), (3,), (3,)]),
    "batch_norm (training, 3-D, no affine)": (lambda x: lib(x).nn.functional.batch_norm(
        x, None, None, training=True), [(4, 3, 2)]),
    "batch_norm (eval)": (lambda x, w, b: lib(x).nn.functional.batch_norm(
        x, _t(x, [0.1, -0.2, 0.3]), _t(x, [1.0, 2.0, 0.5]), w, b), [(4, 3), (3,), (3,)]),
    "embedding": (lambda w: lib(w).nn.functional.embedding(lib(w).tensor([[0, 2], [2, 1]]), w),
                  [(3, 2)]),
    "embedding(padding_idx)": (lambda w: lib(w).nn.functional.embedding(
        lib(w).tensor([0, 2, 1]), w, padding_idx=2), [(3, 2)]),
    "normal(mean)": (lambda m: lib(m).normal(m, 1.0) * 0 + m, [(2, 3)]),
}


def _setitem(a, key, v):
    c = a.clone()
    c[key] = v
    return c


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", MORE)
def test_more_primitives(name, dtype):
    fn, inputs = MORE[name]
    inputs = [x.astype(dtype) if isinstance(x, np.ndarray) else x for x in inputs]
    dual = [False, True] if "constant" in name else None
    check_jvp(fn, inputs, dtype=dtype, dual=dual)


# ----------------------------------------------------------------------------------------
# In-place changes: the tangent changes with the value, through views too
# ----------------------------------------------------------------------------------------
INPLACE = {
    "mul_(2)": lambda a, b: a.clone().mul_(2),
    "add_(b)": lambda a, b: a.clone().add_(b),
    "add_(b, alpha=)": lambda a, b: a.clone().add_(b, alpha=3),
    "sub_(b, alpha=)": lambda a, b: a.clone().sub_(b, alpha=-1.5),
    "a *= b": lambda a, b: _iop(a.clone(), b),
    "exp_()": lambda a, b: a.clone().exp_(),
    "relu_()": lambda a, b: a.clone().relu_(),
    "clamp_()": lambda a, b: a.clone().clamp_(-0.5, 0.5),
    "zero_()": lambda a, b: a.clone().zero_(),
    "fill_(1.5)": lambda a, b: a.clone().fill_(1.5),
    "fill_(tensor)": lambda a, b: a.clone().fill_(b[0, 1]),
    "copy_(b)": lambda a, b: a.clone().copy_(b),
    "copy_ into a constant": lambda a, b: lib(a).zeros(2, 3, dtype=a.dtype).copy_(b),
    "row[0].mul_(2) (through a view)": lambda a, b: _through_view(a.clone()),
    "c[0] = b[1] (CopySlices)": lambda a, b: _set_row(a.clone(), b[1]),
    "constant[0] = b[1]": lambda a, b: _set_row(lib(a).zeros(2, 3, dtype=a.dtype), b[1]),
    "c[:, 1].add_(b[:, 0])": lambda a, b: _add_column(a.clone(), b),
    "c[[0, 1], [2, 0]] = b[0, :2]": lambda a, b: _index_put(a.clone(), b),
    "view of the base after an in-place change": lambda a, b: _view_then_change(a.clone(), b),
    "0-d: s.mul_(s)": lambda a, b: a.sum().mul_(b.sum()),
    "uniform_(1, 1)": lambda a, b: (a * b).uniform_(1.0, 1.0),
    "normal_(0.5, 0)": lambda a, b: (a * b).normal_(0.5, 0.0),
    "bernoulli_(1)": lambda a, b: (a * b).bernoulli_(1.0),
    "random_(1, 2)": lambda a, b: (a * b).random_(1, 2),
    "normal(mean, std)": lambda a, b: lib(a).normal(a, b * 0),
    "normal(constant mean, std)": lambda a, b: lib(a).normal(a * 0 + 1, b * 0),
    "normal(0.5, std)": lambda a, b: lib(a).normal(0.5, b * 0) + a,
    "reshape of a transposed view": lambda a, b: (a * b).t().reshape(3, 2, 1),
}


def _iop(c, b):
    c *= b
    return c


def _through_view(c):
    c[0].mul_(2)
    return c


def _set_row(c, r):
    c[0] = r
    return c


def _add_column(c, b):
    c[:, 1].add_(b[:, 0])
    return c


def _index_put(c, b):
    c[[0, 1], [2, 0]] = b[0, :2]
    return c


def _view_then_change(c, b):
    v = c[1]
    c.mul_(b)
    return v, c


@pytest.mark.parametrize("name", INPLACE)
def test_inplace(name):
    check_jvp(INPLACE[name], [(2, 3), (2, 3)])
    check_jvp(INPLACE[name], [(2, 3), (2, 3)], dual=[False, True])
    check_jvp(INPLACE[name], [(2, 3), (2, 3)], dtype=np.float32)


# ----------------------------------------------------------------------------------------
# Every primitive has a tangent rule
# ----------------------------------------------------------------------------------------
# Primitives without a tangent rule of their own, and why
NO_TANGENT_RULE = {
    ops.CopySlices: "made by an in-place change through a view, never by _make: the view's "
                    "tangent is written into its base's (forward_ad._inplace_tangent)",
    ops.RuleOfOut: "the base of the backward rules recorded as one node; never made itself "
                   "(each subclass has its rule, tested in test_rules_recorded_as_one_node)",
}
# Primitives whose rule raises as PyTorch's: it has no forward derivative for them
NOT_DIFFERENTIABLE = {ops.NotDifferentiable}


def _subclasses(cls: type) -> list[type]:
    out = []
    for c in cls.__subclasses__():
        out += [c, *_subclasses(c)]
    return out


def test_every_primitive_has_a_tangent_rule():
    import tinygrad_lite.nn.functional  # noqa: F401 - its primitives too

    missing = []
    for op in _subclasses(ops.Op):
        if op in NO_TANGENT_RULE:
            continue
        owner = next(c for c in op.__mro__ if "jvp" in c.__dict__)
        if owner is ops.Op:
            missing.append(op.__name__)
        if any(issubclass(op, n) for n in NOT_DIFFERENTIABLE):
            assert owner in NOT_DIFFERENTIABLE, f"{op.__name__} overrides the error"
    assert not missing, f"primitives without a tangent rule: {missing}"


def test_not_differentiable_primitives_raise_as_torch():
    for fn in (lambda a: a // 2, lambda a: 2 // a, lambda a: 2 % a, lambda a: a // a):
        theirs, ours = (caught(lambda m=m, fn=fn: _dual_run(m, fn, [np.array([1.5, 2.5])],
                                                            [np.ones(2)], False))
                        for m in (torch, tg))
        assert theirs is not None and ours == theirs


def test_round_trip_primitives_of_backward_rules():
    """The primitives that backward rules record under create_graph (ThresholdBackward,
    IndexPut, DiagonalScatter, RoundedDivide, ...): forward mode over the reverse pass."""
    def hvp(f, shape):
        def g(x):
            (gx,) = lib(x).autograd.grad(f(x), [x], create_graph=True)
            return gx
        rng = np.random.default_rng(3)
        a, t = rng.uniform(-2, 2, shape), rng.standard_normal(shape)
        out = []
        for module in (tg, torch):
            ad = module.autograd.forward_ad
            with ad.dual_level():
                x = ad.make_dual(module.tensor(a, requires_grad=True), module.tensor(t))
                p, tt = ad.unpack_dual(g(x))
                out.append((to_numpy(p), to_numpy(tt)))
        np.testing.assert_allclose(out[0][0], out[1][0], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(out[0][1], out[1][1], rtol=1e-10, atol=1e-12)

    hvp(lambda x: (x.relu() * x).sum(), (2, 3))
    hvp(lambda x: (x[[0, 1, 1]] ** 3).sum(), (2, 3))
    hvp(lambda x: (x.diagonal() ** 2).sum() * x.sum(), (3, 3))
    hvp(lambda x: (x.remainder(x * 0 + 0.7) * x).sum(), (2, 3))
    hvp(lambda x: (lib(x).nn.functional.leaky_relu(x, 0.2) * x).sum(), (2, 3))
    hvp(lambda x: (lib(x).nn.functional.softplus(x) * x).sum(), (2, 3))
    hvp(lambda x: (lib(x).nn.functional.logsigmoid(x) * x).sum(), (2, 3))
    hvp(lambda x: (x.exp() @ x.t()).sin().sum(), (2, 3))
    hvp(lambda x: x.log_softmax(1).sum() + x.softmax(0).pow(2).sum(), (2, 3))
    hvp(lambda x: (x.clamp(-0.5, 0.5) * x).sum(), (2, 3))  # where
    hvp(lambda x: (lib(x).maximum(x, x.flip(1)) * x).sum(), (2, 3))  # where, masked_fill
    hvp(lambda x: (x.gather(1, lib(x).tensor([[0, 2], [1, 1]])) ** 3).sum(), (2, 3))
    hvp(lambda x: (x.scatter(1, lib(x).tensor([[0], [2]]), x[:, :1] ** 2) ** 3).sum(), (2, 3))
    hvp(lambda x: (lib(x).nn.functional.batch_norm(x, None, None, x[0] * 2, x[1], training=True)
                   ** 2).sum(), (4, 3))
    hvp(lambda x: (lib(x).nn.functional.batch_norm(x, x[0].detach() * 0, x[1].detach() ** 2,
                                                   x[2], x[3]) ** 2).sum(), (4, 3))


# ----------------------------------------------------------------------------------------
# Every case of test_higher_order: forward mode, and forward mode over the reverse pass
# ----------------------------------------------------------------------------------------
# Those cases record every primitive (test_higher_order.test_every_primitive_is_covered, but
# those of its NOT_COVERED) in their forward pass or in the backward pass that
# create_graph=True records: so these two tests run the tangent rule of each against torch.
NO_FORWARD_MODE = {
    "autograd.Function": "a Function without a jvp: both raise torch's error",
}
# Cases whose forward over reverse torch cannot run: compared with torch's reverse over
# reverse instead (the Hessian of <u, f> is symmetric, so its product with the tangents is
# the gradient of <grad, tangents>).
TORCH_REVERSE_OVER_REVERSE = {
    "huber_loss": "torch has no forward derivative of huber_loss_backward",
}


def _higher_order_case(name):
    fn, specs, _ = HIGHER_ORDER_CASES[name]
    rng = np.random.default_rng(0)
    arrays = [s if isinstance(s, np.ndarray) else rng.uniform(-2, 2, s) for s in specs]
    return fn, arrays, [rng.standard_normal(a.shape) for a in arrays]


@pytest.mark.parametrize("name", HIGHER_ORDER_CASES)
def test_tangent_of_every_higher_order_case(name):
    fn, arrays, _ = _higher_order_case(name)
    if name in NO_FORWARD_MODE:
        ours, theirs = (caught(lambda m=m: _dual_run(m, fn, arrays, arrays, False))
                        for m in (tg, torch))
        assert theirs is not None and ours == theirs
        return
    check_jvp(fn, arrays)


def _gradients_of(fn, u):
    def grads(*xs):
        m = lib(xs[0])
        return m.autograd.grad(fn(*xs), xs, m.tensor(u), create_graph=True, allow_unused=True)

    return grads


@pytest.mark.parametrize("name", [n for n in HIGHER_ORDER_CASES if n not in NO_FORWARD_MODE])
def test_forward_over_reverse_of_every_higher_order_case(name):
    """The tangents of the gradients (a Hessian-vector product) through the records of the
    backward pass, against torch's (float64: rtol 1e-10, atol 1e-12)."""
    fn, arrays, tangents = _higher_order_case(name)
    u = np.random.default_rng(1).standard_normal(tuple(fn(*map(tg.tensor, arrays)).shape))
    grads = _gradients_of(fn, u)
    ours = _dual_run(tg, grads, arrays, tangents, True)
    if name in TORCH_REVERSE_OVER_REVERSE:
        xs = [torch.tensor(a, requires_grad=True) for a in arrays]
        gs = grads(*xs)
        dot = sum((g * torch.tensor(t)).sum() for g, t in zip(gs, tangents))
        theirs = [(g, h) for g, h in zip(gs, torch.autograd.grad(dot, xs))]
    else:
        theirs = _dual_run(torch, grads, arrays, tangents, True)
    assert len(ours) == len(theirs)
    for i, ((p, t), (q, w)) in enumerate(zip(ours, theirs)):
        assert_same_values(p, q, 1e-10, 1e-12, f"gradient {i}")
        assert (t is None) == (w is None), f"tangent {i}: None on one side"
        if w is not None:
            assert_same_values(t, w, 1e-10, 1e-12, f"tangent {i}")


# ----------------------------------------------------------------------------------------
# The API: levels, make_dual, unpack_dual, printing, and torch's errors
# ----------------------------------------------------------------------------------------
def _both(fn):
    """``fn(module)`` for both libraries, each inside a fresh level (what it raises, if it
    raises)."""
    out = []
    for m in (tg, torch):
        ad = m.autograd.forward_ad
        with ad.dual_level():
            out.append(caught(lambda m=m, ad=ad: fn(m, ad)))
    return out


def _f64(m, values):
    return m.tensor(values, dtype=m.float64)


API_ERRORS = {
    "tangent of another size": lambda m, ad: ad.make_dual(_f64(m, [1.0, 2.0]), _f64(m, [1.0])),
    "integer primal": lambda m, ad: ad.make_dual(m.tensor([1, 2]), _f64(m, [1.0, 2.0])),
    "integer tangent": lambda m, ad: ad.make_dual(_f64(m, [1.0, 2.0]), m.tensor([1, 2])),
    "already dual": lambda m, ad: ad.make_dual(ad.make_dual(_f64(m, [1.0]), _f64(m, [1.0])),
                                               _f64(m, [1.0])),
    "make_dual(level=5)": lambda m, ad: ad.make_dual(_f64(m, [1.0]), _f64(m, [1.0]), level=5),
    "unpack_dual(level=3)": lambda m, ad: ad.unpack_dual(
        ad.make_dual(_f64(m, [1.0]), _f64(m, [1.0])), level=3),
    "unpack_dual(array)": lambda m, ad: ad.unpack_dual(np.zeros(2)),
    "nested level": lambda m, ad: ad.enter_dual_level(),
    "exit another level": lambda m, ad: ad.exit_dual_level(level=3),
    "Function without jvp": lambda m, ad: _double(m).apply(
        ad.make_dual(_f64(m, [1.0]), _f64(m, [1.0]))),
}


def _double(m):
    class Double(m.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    return Double


@pytest.mark.parametrize("name", API_ERRORS)
def test_api_errors_as_torch(name):
    ours, theirs = _both(API_ERRORS[name])
    assert theirs is not None, "torch raises"
    assert ours == theirs


def test_errors_outside_a_level_as_torch():
    for fn in (lambda m: m.autograd.forward_ad.make_dual(_f64(m, [1.0]), _f64(m, [1.0])),
               lambda m: m.autograd.forward_ad.exit_dual_level()):
        ours, theirs = caught(lambda fn=fn: fn(tg)), caught(lambda fn=fn: fn(torch))
        assert theirs is not None and ours == theirs


def test_levels_and_what_they_keep():
    assert tg.autograd.forward_ad is fwad
    for m in (tg, torch):
        ad = m.autograd.forward_ad
        x, v = _f64(m, [1.0, 2.0]), _f64(m, [0.5, -1.0])
        assert ad.unpack_dual(x).tangent is None and ad.unpack_dual(x).primal is x
        with ad.dual_level() as level:
            assert level == 0
            d = ad.make_dual(x, v)
            y = d * 3
            u = ad.unpack_dual(y)
            assert type(u).__name__ == "UnpackedDualTensor" and u._fields == ("primal", "tangent")
            assert ad.unpack_dual(d).tangent is v  # kept as it is, not copied
            assert d._base is x  # a view of the primal
            assert ad.unpack_dual(u.primal).tangent is None  # the primal has none
            assert ad.unpack_dual(x).tangent is None
            with m.no_grad():  # no_grad does not stop forward mode
                np.testing.assert_array_equal(to_numpy(ad.unpack_dual(d * 2).tangent), [1, -2])
            assert ad.unpack_dual(d.detach()).tangent is None
            assert ad.unpack_dual(d > 1).tangent is None
            assert ad.unpack_dual(d.argmax()).tangent is None
            np.testing.assert_array_equal(to_numpy(u.tangent), [1.5, -3.0])
        assert ad.unpack_dual(y).tangent is None  # gone with the level
        assert ad.enter_dual_level() == 0
        ad.exit_dual_level()

        @ad.dual_level()
        def inside(ad=ad, x=x, v=v):
            return ad.unpack_dual(ad.make_dual(x, v) ** 2).tangent

        np.testing.assert_array_equal(to_numpy(inside()), [1.0, -4.0])


def test_leaving_a_level_restores_the_plain_make():
    """Outside a level the engine pays nothing for forward mode: every module's ``_make``
    is the plain one again, even after an error inside the level."""
    import sys

    plain = tg._tensor._make
    with pytest.raises(ZeroDivisionError), fwad.dual_level():
        assert tg._tensor._make is not plain and tg._make is tg._tensor._make
        raise ZeroDivisionError
    for name, m in list(sys.modules.items()):
        if name.startswith("tinygrad_lite") and hasattr(m, "_make"):
            assert m._make is plain, name
    assert fwad._tangents == {} and not tg._tensor._dual


def test_a_tangent_of_another_dtype_is_cast_in_results():
    ours, theirs = _both(lambda m, ad: ad.unpack_dual(
        ad.make_dual(_f64(m, [1.0, 2.0]), m.tensor([1.0, 0.5])) * 2).tangent.dtype)
    assert ours == theirs


def test_printing_shows_the_tangent():
    def show(m, ad):
        x = _f64(m, [1.0, 2.0, 3.0])
        return [repr(ad.make_dual(x, _f64(m, [1.0, 1.0, 1.0]))),
                repr(ad.make_dual(m.tensor(2.0), m.tensor(3.0))),
                repr(ad.make_dual(x.clone().requires_grad_(), x * 2) * 2),
                str(ad.make_dual(m.ones(2, 3), m.zeros(2, 3))),
                repr(ad.unpack_dual(ad.make_dual(x.clone().requires_grad_(), x) * 2).primal)]

    ours, theirs = (_dual_value(m, show) for m in (tg, torch))
    assert ours[:2] == theirs[:2] and ours[3:] == theirs[3:]
    # torch records its tangent computation (grad_fn=<...> in the tangent): not ours
    assert ours[2] == ("tensor([2., 4., 6.], dtype=torch.float64, grad_fn=<MulBackward0>,\n"
                       "       tangent=tensor([ 4.,  8., 12.], dtype=torch.float64))")


def _dual_value(m, fn):
    ad = m.autograd.forward_ad
    with ad.dual_level():
        return fn(m, ad)


# ----------------------------------------------------------------------------------------
# Forward and reverse mode together; Functions with a jvp
# ----------------------------------------------------------------------------------------
def test_backward_through_dual_tensors():
    rng = np.random.default_rng(5)
    a, t, w = rng.standard_normal((2, 3)), rng.standard_normal((2, 3)), rng.standard_normal(3)
    out = []
    for m in (tg, torch):
        ad = m.autograd.forward_ad
        x = m.tensor(a, requires_grad=True)
        with ad.dual_level():
            y = (ad.make_dual(x, m.tensor(t)).sin() * m.tensor(w)).sum(1).exp().sum()
            tangent = ad.unpack_dual(y).tangent
            y.backward()
        out.append((to_numpy(y), to_numpy(tangent), to_numpy(x.grad)))
    for ours, theirs in zip(*out):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def test_forward_over_backward_create_graph():
    """A tangent through the recorded backward pass (``backward(create_graph=True)``): the
    tangent of ``x.grad`` is the Hessian-vector product."""
    rng = np.random.default_rng(6)
    a, v = rng.standard_normal(3), rng.standard_normal(3)
    out = []
    for m in (tg, torch):
        ad = m.autograd.forward_ad
        with ad.dual_level():
            x = ad.make_dual(m.tensor(a, requires_grad=True), m.tensor(v))
            y = (x.exp() * x).sum() * x.sum()
            (g,) = m.autograd.grad(y, [x], create_graph=True)
            out.append((to_numpy(g), to_numpy(ad.unpack_dual(g).tangent)))
    np.testing.assert_allclose(out[0][0], out[1][0], rtol=1e-10)
    np.testing.assert_allclose(out[0][1], out[1][1], rtol=1e-10)


def _cube(m):
    class Cube(m.autograd.Function):
        @staticmethod
        def forward(ctx, a, k):
            ctx.save_for_backward(a)
            ctx.save_for_forward(a)
            ctx.k = k
            return a**3 * k

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            return 3 * a**2 * g * ctx.k, None

        @staticmethod
        def jvp(ctx, ta, tk):
            (a,) = ctx.saved_tensors
            return 3 * a**2 * ta * ctx.k

    return Cube


def test_function_with_a_jvp():
    rng = np.random.default_rng(7)
    check_jvp(lambda a: _cube(lib(a)).apply(a, 2.0).sin(), [(2, 3)], seed=int(rng.integers(9)))
    check_jvp(lambda a, b: _cube(lib(a)).apply(a * b, 0.5), [(3,), (3,)])


@pytest.mark.parametrize("form", ["0-d float64", "float64 array", "float32 array"])
@pytest.mark.parametrize("name", EDGES)
def test_math_edge_values(name, form):
    fn, x = EDGES[name]
    dtype = np.float32 if "float32" in form else np.float64
    x = 1e30 if dtype == np.float32 and abs(x) > 1e30 else x
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no NumPy warning leaks out
        check_jvp(fn, [np.array(x if form.startswith("0-d") else [x, 0.5], dtype=dtype)])


@pytest.mark.parametrize("name", ["tanh", "sigmoid", "softmax", "log_softmax"])
def test_rules_recorded_as_one_node(name):
    """Forward over reverse through the records these rules make under create_graph
    (TanhBackwardBackward0, ...): the tangent of the gradient is a Hessian-vector product."""
    rng = np.random.default_rng(3)
    x0, t0, w0 = rng.normal(size=(2, 3)), rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    results = []
    for m in (torch, tg):
        fn = {"tanh": lambda v: v.tanh(), "sigmoid": lambda v: v.sigmoid(),
              "softmax": lambda v: v.softmax(1), "log_softmax": lambda v: v.log_softmax(1)}[name]
        with m.autograd.forward_ad.dual_level():
            x = m.autograd.forward_ad.make_dual(m.tensor(x0, requires_grad=True), m.tensor(t0))
            y = (fn(x) * m.tensor(w0)).sum()
            (g,) = m.autograd.grad(y, x, create_graph=True)
            results.append(m.autograd.forward_ad.unpack_dual(g).tangent.detach().numpy())
    np.testing.assert_allclose(results[1], results[0], rtol=1e-10, atol=1e-12)


def test_linalg_solve_tangent():
    a0 = np.array([[3.0, 1.0, -0.5], [0.4, 2.5, 0.3], [-0.2, 0.6, 4.0]])
    rng = np.random.default_rng(4)
    ta0, b0, tb0 = rng.normal(size=(3, 3)), rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    for vector in (False, True):
        outs = []
        for m in (torch, tg):
            b, tb = (b0[:, 0], tb0[:, 0]) if vector else (b0, tb0)
            with m.autograd.forward_ad.dual_level():
                a = m.autograd.forward_ad.make_dual(m.tensor(a0), m.tensor(ta0))
                bb = m.autograd.forward_ad.make_dual(m.tensor(b), m.tensor(tb))
                outs.append(m.autograd.forward_ad.unpack_dual(m.linalg.solve(a, bb)).tangent
                            .numpy())
        np.testing.assert_allclose(outs[1], outs[0], rtol=1e-10, atol=1e-12)


def test_backward_through_the_primal_of_unpack_dual():
    grads = []
    for m in (torch, tg):
        a = m.tensor([0.5, -1.5], dtype=m.float64, requires_grad=True)
        with m.autograd.forward_ad.dual_level():
            x = m.autograd.forward_ad.make_dual(a * 1, m.tensor([1.0, 2.0], dtype=m.float64))
            p = m.autograd.forward_ad.unpack_dual(x).primal
            (p * p * a).sum().backward()
        grads.append(a.grad.numpy())
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-12)
