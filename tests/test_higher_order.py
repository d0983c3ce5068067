"""Second and third derivatives of every primitive, against torch (float64).

For each case, :func:`helpers.check` compares values, gradients and a Hessian-vector
product: the gradient of ``sum(v * grad)`` with the first gradient taken under
``create_graph=True`` (rtol 1e-10, atol 1e-12). Elementwise cases also compare a third
derivative (:func:`third_order`, rtol 1e-9, atol 1e-11).

:func:`test_every_primitive_is_covered` enumerates the subclasses of ``ops.Op`` and fails
for one that no case records (in its forward graph or in the graph of its backward pass)
and that :data:`NOT_COVERED` does not list with a reason. The last tests compare the
``grad_fn`` names of the graph that ``create_graph=True`` records with torch's: for the
functions of :data:`GRAPHS` and for every case of :data:`CASES`, with the output numbers
of the edges (a node with several outputs, as unbind's, is one node).
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from helpers import assert_same_values, caught, check, graph_names, lib, to_numpy

import tinygrad_lite as tg
from tinygrad_lite import _tensor, ops
from tinygrad_lite.autograd.function import _FunctionOp

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

RNG = np.random.default_rng(1)
V23 = (2, 3)
POS = RNG.uniform(0.5, 2.0, V23)  # positive values, for log, sqrt, pow bases
NOTIES = np.array([[0.3, -1.2, 0.9], [1.7, -0.4, -0.8]])  # distinct values, away from 0
IDX = np.array([[0, 2], [1, 0]])
PROBS = RNG.uniform(0, 1, V23)
W3 = RNG.uniform(0.5, 2.0, 3)  # per-class weights


def _inplace(method, *args, **kw):
    """``fn(a, ...)`` that changes ``a * 1`` in place with ``method``."""
    def fn(a, *rest):
        y = a * 1
        getattr(y, method)(*rest, *args, **kw)
        return y

    return fn


def _through_view(a, b):
    y = a * 1
    y[0].mul_(b[0])  # an in-place change through a view: CopySlices
    return y


def _stale_view(a):
    y = a * 1
    v = y[1]
    y.mul_(2.0)  # the view is seen anew through its base: AsStrided
    return v * 3


def _index_put(a, b):
    y = a * 1
    y[lib(a).tensor([0, 1]), lib(a).tensor([2, 0])] = b[:2]
    return y


def _copy_from(a, b):
    y = a * 1
    y[0].copy_(b)
    return y


def _fill_tensor(a, b):
    y = a * 1
    y[1].fill_(b[0])
    return y


def _random_fill(a):
    y = a * 1
    lib(a).manual_seed(0)
    y[0].uniform_()
    return y * a


def _normal_of(a):
    lib(a).manual_seed(0)
    return lib(a).normal(a, 1.0) * a


def _normal_of_std(a):
    lib(a).manual_seed(0)
    return lib(a).normal(1.0, a.abs() + 0.1) * a


def _normal_of_both(a, p):
    lib(a).manual_seed(0)
    return lib(a).normal(a, p) * a * p


def _batch_norm(x, w, b):
    return lib(x).nn.functional.batch_norm(x, None, None, w, b, training=True)


def _batch_norm_eval(x, w, b):
    m = lib(x)
    return m.nn.functional.batch_norm(x, m.zeros(3, dtype=m.float64) + 0.1,
                                      m.ones(3, dtype=m.float64) * 1.5, w, b)


def _function(a):
    m = lib(a)

    class Cube(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x * x

    return Cube.apply(a)


def fn_of(name, *args, **kw):
    """``lib.nn.functional.<name>(a, ..., *args, **kw)``."""
    def fn(*xs):
        return getattr(lib(xs[0]).nn.functional, name)(*xs, *args, **kw)

    return fn


# name: (fn, inputs (shapes or arrays), elementwise: compare a third derivative too)
CASES = {
    "a + b": (lambda a, b: (a + b) * a * b, [V23, (3,)], True),
    "a - b": (lambda a, b: (a - b) * a * b, [V23, (3,)], True),
    "add_(alpha=)": (lambda a, b: _inplace("add_", alpha=2.0)(a, b) * b, [V23, (3,)], True),
    "sub_(alpha=)": (lambda a, b: _inplace("sub_", alpha=2.0)(a, b) * b, [V23, (3,)], True),
    "mul_": (lambda a, b: _inplace("mul_")(a, b) * b, [V23, V23], True),  # saves a's old value
    "a * b": (lambda a, b: a * b * a, [V23, (3,)], True),
    "a / b": (lambda a, b: a / b, [V23, POS[0]], True),
    "a ** b": (lambda p, b: p ** b, [POS, V23], True),
    "maximum": (lambda a, b: lib(a).maximum(a, b) * a * b, [V23, V23], True),
    "minimum": (lambda a, b: lib(a).minimum(a, b) * a * b, [V23, V23], True),
    "where": (lambda a, b: lib(a).where(a > 0, a * b, b * b) * a, [V23, V23], True),
    "linalg.solve": (lambda a, b: lib(a).linalg.solve(a, b) * b,
                     [np.array([[3.0, 1.0, -0.5], [0.4, 2.5, 0.3], [-0.2, 0.6, 4.0]]), (3,)],
                     False),
    "clamp_min(tensor)": (lambda a, b: a.clamp_min(b) * a * b, [V23, V23], True),
    "clamp_max(tensor)": (lambda a, b: a.clamp_max(b) * a * b, [V23, V23], True),
    "clamp(tensor, tensor)": (lambda a, b: a.clamp(b, b + 0.5) * a * b, [V23, V23], True),
    "clamp(max=tensor)": (lambda a, b: a.clamp(max=b) * a * b, [V23, (3,)], True),
    "remainder": (lambda a, p: lib(a).remainder(a, p) * a * p, [V23, POS], True),
    "fmod": (lambda a, p: lib(a).fmod(a, p) * a * p, [V23, POS], True),
    "a + 2": (lambda a: (a + 2) * a, [V23], True),
    "a - 2": (lambda a: (a - 2) * a, [V23], True),
    "2 - a": (lambda a: (2 - a) * a, [V23], True),
    "a * 2.5": (lambda a: (a * 2.5) * a, [V23], True),
    "a / 2.5": (lambda a: (a / 2.5) * a, [V23], True),
    "1 / a": (lambda p: 1 / p, [POS], True),
    "a ** 3": (lambda a: a ** 3, [V23], True),
    "a ** 2": (lambda a: a ** 2 * a, [V23], True),
    "a ** 2.5": (lambda p: p ** 2.5, [POS], True),
    "2 ** a": (lambda a: 2 ** a, [V23], True),
    "a % 1.5": (lambda a: (a % 1.5) * a, [V23], True),
    "fmod(a, 1.5)": (lambda a: lib(a).fmod(a, 1.5) * a, [V23], True),
    "neg": (lambda a: -a * a, [V23], True),
    "sign": (lambda a: a.sign() * a * a, [NOTIES], True),
    "exp": (lambda a: a.exp(), [V23], True),
    "log": (lambda p: p.log(), [POS], True),
    "sin": (lambda a: a.sin(), [V23], True),
    "cos": (lambda a: a.cos(), [V23], True),
    "tanh": (lambda a: a.tanh(), [V23], True),
    "sigmoid": (lambda a: a.sigmoid(), [V23], True),
    "relu": (lambda a: a.relu() * a * a, [NOTIES], True),
    "abs": (lambda a: a.abs() * a * a, [NOTIES], True),
    "sqrt": (lambda p: p.sqrt(), [POS], True),
    "clamp": (lambda a: a.clamp(-0.5, 0.5) * a * a, [NOTIES], True),
    "clamp(min=)": (lambda a: a.clamp(min=-0.5) * a * a, [NOTIES], True),
    "clamp(max=)": (lambda a: a.clamp(max=0.5) * a * a, [NOTIES], True),
    "clamp_min": (lambda a: a.clamp_min(-0.5) * a * a, [NOTIES], True),
    "clamp_max": (lambda a: a.clamp_max(0.5) * a * a, [NOTIES], True),
    "round": (lambda a: a.round() * a * a, [NOTIES], True),
    "round(decimals=)": (lambda a: a.round(decimals=1) * a * a, [NOTIES], True),
    "floor": (lambda a: a.floor() * a * a, [NOTIES], True),
    "ceil": (lambda a: a.ceil() * a * a, [NOTIES], True),
    "trunc": (lambda a: a.trunc() * a * a, [NOTIES], True),
    "log1p": (lambda p: p.log1p(), [POS], True),
    "expm1": (lambda a: a.expm1(), [V23], True),
    "logit": (lambda p: p.logit(), [PROBS], True),
    "logit(eps)": (lambda p: p.logit(0.2), [PROBS], True),
    "nan_to_num": (lambda a: a.nan_to_num() * a * a, [V23], True),
    "to(float32)": (lambda a: a.to(lib(a).float32).to(lib(a).float64) * a, [V23], True),
    "clone": (lambda a: a.clone() * a, [V23], True),
    "sum": (lambda a: a.sum() * a, [V23], False),
    "sum(dim)": (lambda a: a.sum(1, keepdim=True) * a, [V23], False),
    "mean": (lambda a: a.mean() * a, [V23], False),
    "mean(dim)": (lambda a: a.mean(0) * a, [V23], False),
    "max()": (lambda a: a.max() * a, [NOTIES], False),
    "min()": (lambda a: a.min() * a, [NOTIES], False),
    "max(dim)": (lambda a: a.max(1).values.unsqueeze(1) * a, [NOTIES], False),
    "min(dim)": (lambda a: a.min(0).values * a, [NOTIES], False),
    "var": (lambda a: a.var(1), [V23], False),
    "std": (lambda a: a.std(0), [V23], False),
    "var_mean": (lambda a: (lambda v, m: v * m.exp())(*lib(a).var_mean(a, 1, keepdim=True)),
                 [V23], False),
    "std_mean": (lambda a: (lambda s, m: s * m + s)(*lib(a).std_mean(a, 0, correction=0)),
                 [V23], False),
    "var_mean, the mean alone": (lambda a: lib(a).var_mean(a, 1)[1] ** 2, [V23], False),
    "aminmax": (lambda a: (lambda lo, hi: lo * hi.exp())(*lib(a).aminmax(a, dim=1)), [V23],
                False),
    "aminmax at ties": (lambda a: (lambda r: r.min + r.max ** 2)(a.aminmax(dim=0, keepdim=True)),
                        [np.array([[1.0, 3.0, 0.0], [1.0, 2.0, 0.0]])], False),
    "norm": (lambda a: a.norm(), [V23], False),
    "norm(p=1)": (lambda a: a.norm(p=1) * a, [NOTIES], False),
    "norm(p=3)": (lambda a: lib(a).linalg.vector_norm(a, 3, dim=1), [NOTIES], False),
    "norm(p=inf)": (lambda a: lib(a).linalg.vector_norm(a, float("inf")) * a, [NOTIES],
                    False),
    "amax": (lambda a: a.amax(1, keepdim=True) * a, [NOTIES], False),
    "amin": (lambda a: a.amin(0) * a, [NOTIES], False),
    "logsumexp": (lambda a: a.logsumexp(1), [V23], False),
    "prod": (lambda a: a.prod(), [V23], False),
    "prod(dim)": (lambda a: a.prod(1), [V23], False),
    "prod with a zero": (lambda a: a.prod(1), [np.array([[0.5, 0.0, -1.5], [2.0, 1.2, 0.7]])],
                         False),
    "cumsum": (lambda a: a.cumsum(1) * a, [V23], False),
    "cumprod": (lambda a: a.cumprod(1) * a, [V23], False),
    "cumprod with zeros": (lambda a: a.cumprod(1) * a, [np.array([[0.5, 0.0, -1.5, 2.0],
                                                              [0.0, 1.2, 0.0, 0.7]])], True),
    "view": (lambda a: a.view(3, 2) * a.view(3, 2), [V23], False),
    "squeeze": (lambda a: a.unsqueeze(0).squeeze() * a, [V23], False),
    "squeeze(dim)": (lambda a: a.unsqueeze(1).squeeze(1) * a, [V23], False),
    "view_as": (lambda a: a.view_as(a) * a, [V23], False),
    "a[...]": (lambda a: a[...] * a, [V23], False),
    "reshape of a transpose": (lambda a: a.t().reshape(6) * a.reshape(6), [V23], False),
    "reshape of a slice": (lambda a: a[:, ::2].reshape(4) ** 2, [V23], False),
    "reshape alias": (lambda a: a.t().reshape(3, 2, 1) ** 2, [V23], False),  # a view
    "permute": (lambda a: a.permute(1, 0) * a.t(), [V23], False),
    "transpose": (lambda a: a.transpose(0, 1) ** 2, [V23], False),
    "expand": (lambda a, b: b.expand(2, 3) * a * b, [V23, (3,)], False),
    "index": (lambda a: a[[1, 0, 1], [2, 2, 0]] ** 2, [V23], False),
    "select, slice": (lambda a: a[1] * a[0, 1:].sum() * a[:, 2][0], [V23], False),
    "unbind": (lambda a: a.unbind(0)[1] ** 2, [V23], False),
    "unbind, two results": (lambda a: (lambda r: r[0] * r[1] ** 2)(a.unbind(0)), [V23], False),
    "diagonal": (lambda a: a.diagonal() ** 2, [(3, 3)], False),
    "cat": (lambda a, b: lib(a).cat([a, b.unsqueeze(0)]) ** 2, [V23, (3,)], False),
    "stack": (lambda a, b: lib(a).stack([a[0], b]) ** 2, [V23, (3,)], False),
    "flip": (lambda a: a.flip(1) * a, [V23], False),
    "gather": (lambda a: a.gather(1, lib(a).tensor(IDX)) ** 2, [V23], False),
    "scatter": (lambda a, b: a.scatter(1, lib(a).tensor(IDX), b) * a * b.sum(), [V23, (2, 2)],
                False),
    "scatter(value)": (lambda a: a.scatter(1, lib(a).tensor(IDX), 0.5) * a, [V23], False),
    "split": (lambda a: a.split(2, 1)[1] * a[:, 2:], [V23], False),
    "split(sizes)": (lambda a: a.split([1, 2], 1)[1] ** 2, [V23], False),
    "chunk": (lambda a: a.chunk(3, 1)[0] ** 2, [V23], False),
    "split, two pieces": (lambda a: (lambda p: p[0] ** 2 * p[1])(a.split([2, 1], 1)), [V23],
                          False),
    "in place through a view": (_through_view, [V23, V23], False),
    "a stale view": (_stale_view, [V23], False),
    "zero_": (lambda a: _inplace("zero_")(a) + a * a, [V23], False),
    "fill_": (lambda a: _inplace("fill_", 2.0)(a) * a, [V23], False),
    "fill_(tensor)": (lambda a, b: _fill_tensor(a, b) * a * b[0], [V23, (3,)], False),
    "copy_": (lambda a, b: _copy_from(a, b) * a * b, [V23, (3,)], False),
    "index_put_": (lambda a, b: _index_put(a, b) * a, [V23, (3,)], False),
    "uniform_": (_random_fill, [V23], False),
    "normal(mean)": (_normal_of, [V23], False),
    "normal(std=)": (_normal_of_std, [V23], False),
    "normal(mean, std)": (_normal_of_both, [V23, POS], False),
    "mm": (lambda a, b: (a @ b) ** 2, [V23, (3, 2)], False),
    "mv": (lambda a, b: (a @ b) ** 2, [V23, (3,)], False),
    "dot": (lambda a, b: (a @ b) * a, [(3,), (3,)], False),
    "vecmat": (lambda a, b: (a @ b) ** 2, [(2,), V23], False),
    "bmm": (lambda a, b: (a @ b) ** 2, [(2, 2, 3), (2, 3, 2)], False),
    "matmul folded": (lambda a, b: (a @ b) ** 2, [(2, 2, 3), (3, 2)], False),
    "softmax": (lambda a: a.softmax(1), [V23], False),
    "softmax, third": (lambda a: a.softmax(1), [V23], True),  # through its rule's record
    "log_softmax": (lambda a: a.log_softmax(0), [V23], False),
    "log_softmax, third": (lambda a: a.log_softmax(1), [V23], True),
    "leaky_relu": (lambda a: fn_of("leaky_relu", 0.1)(a) * a * a, [NOTIES], True),
    "leaky_relu_": (lambda a: fn_of("leaky_relu", 0.1, inplace=True)(a * 1) * a * a,
                    [NOTIES], True),
    "softplus": (fn_of("softplus"), [V23], True),
    "softplus(beta, threshold)": (fn_of("softplus", 2.0, 1.0), [NOTIES], True),
    "logsigmoid": (fn_of("logsigmoid"), [V23], True),
    "smooth_l1_loss": (lambda a, b: fn_of("smooth_l1_loss", beta=0.5)(a, b) * (a * b).sum(),
                       [V23, V23], False),
    "huber_loss": (lambda a, b: fn_of("huber_loss", reduction="none", delta=0.5)(a, b) * a,
                   [V23, V23], False),
    "mse_loss": (lambda a, b: fn_of("mse_loss")(a, b) * (a * b).sum(), [V23, V23], False),
    "binary_cross_entropy": (lambda p, t: fn_of("binary_cross_entropy")(p.sigmoid(), t),
                             [V23, RNG.uniform(0, 1, V23)], False),
    "binary_cross_entropy, weight, sum": (
        lambda p, t: fn_of("binary_cross_entropy", reduction="sum",
                           weight=lib(p).tensor(W3, dtype=p.dtype))(p.sigmoid(), t),
        [V23, RNG.uniform(0, 1, V23)], False),
    "binary_cross_entropy, none": (
        lambda p, t: fn_of("binary_cross_entropy", reduction="none")(p.sigmoid(), t) * p,
        [V23, RNG.uniform(0, 1, V23)], True),
    "binary_cross_entropy_with_logits": (fn_of("binary_cross_entropy_with_logits"),
                                         [V23, RNG.uniform(0, 1, V23)], False),
    "nll_loss": (lambda a: fn_of("nll_loss")(a.log_softmax(1), lib(a).tensor([2, 0])),
                 [V23], False),
    "nll_loss 2d": (lambda a: fn_of("nll_loss")(a.log_softmax(1), lib(a).tensor([[2], [0]])),
                    [(2, 3, 1)], False),
    "cross_entropy": (lambda a: fn_of("cross_entropy")(a, lib(a).tensor([2, 0])), [V23],
                      False),
    "cross_entropy, probabilities": (
        lambda a: fn_of("cross_entropy")(a, lib(a).tensor(PROBS)), [V23],
        False),
    "linear": (lambda x, w, b: fn_of("linear")(x, w, b) ** 2, [V23, (2, 3), (2,)], False),
    "linear, no bias": (lambda x, w: fn_of("linear")(x, w) ** 2, [V23, (2, 3)], False),
    "linear of a vector": (lambda x, w, b: fn_of("linear")(x, w, b) ** 2, [(3,), (2, 3), (2,)],
                           False),
    "linear of a vector, no bias": (lambda x, w: fn_of("linear")(x, w) ** 2, [(3,), (2, 3)],
                                    False),
    "linear batched": (lambda x, w: fn_of("linear")(x, w) ** 2, [(2, 2, 3), (2, 3)], False),
    # times the bias, so that the bias's gradient depends on the inputs (see
    # test_batch_norm_bias_gradient_requires_grad for the case without)
    "batch_norm": (lambda x, w, b: _batch_norm(x, w, b) * b, [(4, 3), (3,), (3,)], False),
    "batch_norm eval": (lambda x, w, b: _batch_norm_eval(x, w, b) * b, [(4, 3), (3,), (3,)],
                        False),
    "embedding": (lambda w: fn_of("embedding")(lib(w).tensor([[0, 2], [2, 1]]), w) ** 2,
                  [(3, 2)], False),
    "autograd.Function": (_function, [V23], True),
}

# Primitives that no case exercises, with the reason.
NOT_COVERED = {
    "Op": "the base class",
    "SvdvalsGradAdjoint": "refuses a third derivative of singular values "
                          "(test_linalg_svd.test_third_derivative_is_refused)",
    "RuleOfOut": "the base class of the records of rules (TanhBackward, ...)",
    "PairPart": "the base class of the two results of var_mean, std_mean and aminmax",
    "_Primal": "the primal unpack_dual returns: an Alias (a view, covered above) under the "
               "name Identity; backward through it is tested in test_forward_ad "
               "(test_backward_through_the_primal_of_unpack_dual)",
    "NotDifferentiable": "no derivative in torch: backward raises, as torch's",
    "FloorDivide": "a // b has no derivative in torch: backward raises",
    "FloorDivideC": "a // c has no derivative in torch: backward raises",
    "RFloorDivideC": "c // a has no derivative in torch: backward raises",
    "RRemainderC": "c % a has no derivative in torch: backward raises",
    "AsStridedView": "the view CopySlices's recorded backward writes the view's gradient "
                     "through: met in the second derivatives of the in-place cases (copy_, "
                     "fill_(tensor), uniform_), whose backward graphs are compared with "
                     "torch's",
    "ScatterReduce": "scatter(reduce=) has no derivative in torch: backward raises "
                     "(test_api_audit.test_scatter_reduce_has_no_derivative)",
    "BrokenView": "a view torch refuses to use after its base changed: backward raises",
    "RandomFill": "the base of the per-name random fills (UniformBackward0 is tested)",
    "NormalBackward0": "normal_: the same rule as uniform_ (tested)",
    "BernoulliBackward1": "bernoulli_(p): the same rule as uniform_ (tested)",
    "BernoulliBackward2": "bernoulli_(tensor): the same rule as uniform_ (tested)",
    "ExponentialBackward0": "exponential_: the same rule as uniform_ (tested)",
    "RandomBackward0": "random_: the same rule as uniform_ (tested)",
    "RandomBackward1": "random_(to): the same rule as uniform_ (tested)",
    "RandomBackward2": "random_(from, to): the same rule as uniform_ (tested)",
}


# Primitives whose second derivative another test of this file compares.
TESTED_ELSEWHERE = {
    "Copy": "test_first_gradient_after_backward_create_graph_is_a_copy",
    "Svdvals": "test_linalg_svd: second derivatives and forward over reverse against torch",
    "SvdvalsGrad": "test_linalg_svd: second derivatives and forward over reverse",
}


def third_order(fn, specs, seed=0, rtol=1e-9, atol=1e-11):
    """Compare a third derivative: d/dx of sum(w * d/dx sum(v * d/dx <u, fn(x)>))."""
    rng = np.random.default_rng(seed)
    arrays = [s if isinstance(s, np.ndarray) else rng.uniform(-2, 2, s) for s in specs]
    out_shape = None
    results = []
    for m in (tg, torch):
        xs = [m.tensor(a, requires_grad=True) for a in arrays]
        out = fn(*xs)
        if out_shape is None:
            out_shape = tuple(out.shape)
            r2 = np.random.default_rng(seed + 1)
            u = r2.standard_normal(out_shape)
            vs = [r2.standard_normal(a.shape) for a in arrays]
            ws = [r2.standard_normal(a.shape) for a in arrays]
        g1 = m.autograd.grad(out, xs, m.tensor(u), create_graph=True)
        s2 = sum((g * m.tensor(v)).sum() for g, v in zip(g1, vs))
        g2 = m.autograd.grad(s2, xs, create_graph=True, allow_unused=True)
        pairs = [(g, w) for g, w in zip(g2, ws) if g is not None and g.requires_grad]
        if not pairs:
            results.append(None)
            continue
        s3 = sum((g * m.tensor(w)).sum() for g, w in pairs)
        results.append(m.autograd.grad(s3, xs, allow_unused=True))
    ours, theirs = results
    assert (ours is None) == (theirs is None), "third derivative: recorded on one side only"
    if theirs is not None:
        for i, (g, h) in enumerate(zip(ours, theirs)):
            assert (g is None) == (h is None), f"third derivative[{i}]: None on one side"
            if h is not None:
                assert_same_values(g, h, rtol, atol, f"third derivative[{i}]")


@pytest.mark.parametrize("name", CASES)
def test_second_derivative(name):
    fn, specs, _ = CASES[name]
    check(fn, specs, create_graph_second_order=True)


@pytest.mark.parametrize("name", [n for n, c in CASES.items() if c[2]])
def test_third_derivative(name):
    fn, specs, _ = CASES[name]
    third_order(fn, specs)


# Cases whose first gradient is recorded of the adjoint primitives (ScatterAdd, MaskedFill,
# Where, ScatterBackward1, ...), differentiated twice more through them.
THROUGH_ADJOINTS = {
    "gather": (lambda a: a.gather(1, lib(a).tensor(IDX)) ** 3, [V23]),
    "scatter": (lambda a, b: a.scatter(1, lib(a).tensor(IDX), b) ** 3, [V23, (2, 2)]),
    "maximum with ties": (lambda a: lib(a).maximum(a, a.flip(1)) ** 3, [V23]),
    "norm(dim)": (lambda a: a.norm(dim=1) ** 3, [V23]),
    "std(dim)": (lambda a: a.std(1) ** 3, [V23]),
    # (torch's double backward takes the saved mean and invstd as constants: so its third
    # derivative is not the exact one, and ours is torch's)
    "batch_norm": (lambda x, w, b: _batch_norm(x, w, b) ** 2, [(4, 3, 2), (3,), (3,)]),
    "batch_norm eval": (lambda x, w, b: _batch_norm_eval(x, w, b) ** 2, [(4, 3), (3,), (3,)]),
    "batch_norm without affine": (
        lambda x: lib(x).nn.functional.batch_norm(x, None, None, training=True) ** 2,
        [(4, 3)]),
    "mse_loss": (lambda a, b: fn_of("mse_loss")(a, b) * (a * b).sum(), [V23, V23]),
    "mse_loss, sum": (lambda a, b: fn_of("mse_loss", reduction="sum")(a, b) ** 2, [V23, V23]),
    "mse_loss, none": (lambda a, b: fn_of("mse_loss", reduction="none")(a, b) * a, [V23, V23]),
    "embedding": (lambda w: fn_of("embedding")(lib(w).tensor([[0, 2], [2, 1]]), w) ** 3,
                  [(3, 2)]),
    "embedding, padding_idx": (lambda w: fn_of("embedding", padding_idx=2)(
        lib(w).tensor([[0, 2], [2, 1]]), w) ** 3, [(3, 2)]),
    "smooth_l1_loss": (lambda a, b: fn_of("smooth_l1_loss", beta=0.5)(a, b) ** 2, [V23, V23]),
    "smooth_l1_loss, none": (lambda a, b: fn_of("smooth_l1_loss", reduction="none",
                                                beta=2.0)(a, b) * a, [V23, V23]),
    "huber_loss": (lambda a, b: fn_of("huber_loss", reduction="sum", delta=0.5)(a, b) ** 2,
                   [V23, V23]),
    "huber_loss, none": (lambda a, b: fn_of("huber_loss", reduction="none", delta=2.0)(a, b)
                         * a, [V23, V23]),
    "nll_loss": (lambda a: fn_of("nll_loss")(a.log_softmax(1), lib(a).tensor([2, 0])) ** 2,
                 [V23]),
    "nll_loss, none": (lambda a: fn_of("nll_loss", reduction="none")(
        a.log_softmax(1), lib(a).tensor([2, 0])) ** 2, [V23]),
}


@pytest.mark.parametrize("name", THROUGH_ADJOINTS)
def test_third_derivative_through_the_adjoints(name):
    third_order(*THROUGH_ADJOINTS[name])


def _primitives(outputs, into):
    """Add the primitives of the records that lead to ``outputs`` to the set ``into``."""
    stack = [t for t in outputs if t is not None and t._op is not None]
    seen = set()
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        into.add(t._op.primitive)
        if t._op.primitive is ops.CopySlices:
            into.add(t._ctx[1].primitive)
        stack.extend(x for x in _tensor.inputs(t) if x._op is not None)


def _all_primitives():
    """``ops.Op`` and its subclasses, but those made for each ``autograd.Function``."""
    found, todo = set(), [ops.Op]
    while todo:
        for c in todo.pop().__subclasses__():
            if c not in found and not issubclass(c, _FunctionOp):
                found.add(c)
                todo.append(c)
    return found | {ops.Op, _FunctionOp}


def test_every_primitive_is_covered():
    covered = set()
    rng = np.random.default_rng(0)
    for fn, specs, _ in CASES.values():
        xs = [tg.tensor(s if isinstance(s, np.ndarray) else rng.uniform(-2, 2, s),
                        requires_grad=True) for s in specs]
        out = fn(*xs)
        _primitives([out], covered)
        grads = tg.autograd.grad(out, xs, tg.ones_like(out), create_graph=True,
                                 allow_unused=True)
        _primitives(grads, covered)  # the records of the backward pass: differentiated too
    names = {c.__name__ for c in covered} | set(TESTED_ELSEWHERE)
    if any(issubclass(c, _FunctionOp) for c in covered):
        names.add(_FunctionOp.__name__)
    missing = sorted(c.__name__ for c in _all_primitives()
                     if c.__name__ not in names and c.__name__ not in NOT_COVERED)
    assert not missing, f"primitives neither tested nor listed in NOT_COVERED: {missing}"
    stale = sorted(n for n in NOT_COVERED if n in names)
    assert not stale, f"listed in NOT_COVERED but tested: {stale}"


# ----------------------------------------------------------------------------------------
# The names of the backward pass's records
# ----------------------------------------------------------------------------------------
def _names(t):
    """The grad_fn names of the graph behind ``t``, breadth first from ``t`` (a leaf's
    AccumulateGrad once, though tinygrad_lite makes a new one on each visit)."""
    return graph_names([t])


GRAPHS = {
    "sin": lambda a: a.sin(),
    "exp": lambda a: a.exp(),
    "tanh": lambda a: a.tanh(),
    "sigmoid": lambda a: a.sigmoid(),
    "relu": lambda a: a.relu(),
    "a * a": lambda a: a * a,
    "a ** 3": lambda a: a ** 3,
    "log": lambda a: (a * a + 1).log(),
    "sqrt": lambda a: (a * a + 1).sqrt(),
    "abs": lambda a: a.abs(),
    "softmax": lambda a: a.softmax(1),
    "log_softmax": lambda a: a.log_softmax(1),
    "mean": lambda a: a.mean() * a,
    "mm": lambda a: a @ a.t(),
    "index": lambda a: a[[1, 0], [2, 2]] ** 2,
    "diagonal": lambda a: a[:, :2].diagonal() ** 2,
    "leaky_relu": lambda a: lib(a).nn.functional.leaky_relu(a, 0.1) * a,
    "softplus": lambda a: lib(a).nn.functional.softplus(a),
    "logsigmoid": lambda a: lib(a).nn.functional.logsigmoid(a),
    "cumsum": lambda a: a.cumsum(1) ** 2,
    "prod": lambda a: a.prod(1),
    "select": lambda a: a[1] * a[0],
    "slice": lambda a: a[:, 1:] * a[:, :2],
    "transpose": lambda a: a.transpose(0, 1) * a.t(),
    "a / 2.5": lambda a: a / 2.5 * a,
    "2 ** a": lambda a: 2 ** a,
    "maximum": lambda a: lib(a).maximum(a, a.flip(1)) * a,
    "clamp": lambda a: a.clamp(-0.5, 0.5) * a,
    "where": lambda a: lib(a).where(a > 0, a * a, a) * a,
    "gather": lambda a: a.gather(1, lib(a).tensor(IDX)) * a[:, :2],
    "cat": lambda a: lib(a).cat([a, a * a]) * 2.0,
    "var": lambda a: a.var(1),
    "norm": lambda a: a.norm(),
    "logsumexp": lambda a: a.logsumexp(1),
    "expand": lambda a: a[0].expand(2, 3) * a,
    "a.t() @ a": lambda a: a.t() @ a,
    "minimum": lambda a: lib(a).minimum(a, a.flip(1)) * a,
    "clamp_min": lambda a: a.clamp(min=-0.5) * a,
    "scatter": lambda a: a.scatter(1, lib(a).tensor(IDX), a[:, :2] * 2) * a,
    "sum(dim)": lambda a: a.sum(1) * a[:, 0],
    "mean(dim)": lambda a: a.mean(1) * a[:, 0],
    "prod(0)": lambda a: a.prod(0) * a[0],
    "var(0)": lambda a: a.var(0) * a[0],
    "std": lambda a: a.std(1) * a[:, 0],
    "norm(dim)": lambda a: a.norm(dim=1) * a[:, 0],
    "norm(3)": lambda a: lib(a).linalg.vector_norm(a, 3) * a,
    "max(dim)": lambda a: a.max(1)[0] * a[:, 0],
    "batch_norm without affine": lambda a: lib(a).nn.functional.batch_norm(
        a, None, None, training=True) * a,
    "batch_norm": lambda a: lib(a).nn.functional.batch_norm(
        a, None, None, a[0], a[1], training=True) ** 2,
}



@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
@pytest.mark.parametrize("name", GRAPHS)
def test_grad_fn_names_of_the_backward_pass(name):
    fn = GRAPHS[name]
    a = np.random.default_rng(2).uniform(-2, 2, V23)
    names = []
    for m in (tg, torch):
        x = m.tensor(a, requires_grad=True)
        fn(x).sum().backward(create_graph=True)
        names.append(_names(x.grad))
    assert names[0] == names[1]


@pytest.mark.parametrize("name", CASES)
def test_grad_fn_names_of_the_backward_pass_of_every_case(name):
    """The graph that ``autograd.grad(out, inputs, u, create_graph=True)`` records, for every
    case of CASES: its grad_fn names, breadth first from the gradients, are torch's."""
    fn, specs, _ = CASES[name]
    rng = np.random.default_rng(0)
    arrays = [s if isinstance(s, np.ndarray) else rng.uniform(-2, 2, s) for s in specs]
    names = []
    for m in (tg, torch):
        xs = [m.tensor(a, requires_grad=True) for a in arrays]
        out = fn(*xs)
        u = m.tensor(np.random.default_rng(1).standard_normal(tuple(out.shape)))
        names.append(graph_names(m.autograd.grad(out, xs, u, create_graph=True,
                                                   allow_unused=True)))
    assert names[0] == names[1]


def test_leaky_relu_inplace_saves_its_result_as_torch():
    # leaky_relu_'s rule reads the result: changing it afterwards makes backward raise
    # torch's error (and under create_graph the rule's record reads the result, as torch's)
    def fn(m):
        a = m.tensor(np.array([0.3, -1.2]), requires_grad=True)
        y = m.nn.functional.leaky_relu(a * 1, 0.1, inplace=True)
        y.mul_(2)
        y.sum().backward()

    theirs = caught(lambda: fn(torch))
    assert theirs is not None and caught(lambda: fn(tg)) == theirs


def test_first_gradient_after_backward_create_graph_is_a_copy():
    # a leaf's first .grad under create_graph is a recorded copy (torch's CopyBackwards),
    # and differentiating it gives torch's second derivative
    seen = {}
    for m in (tg, torch):
        x = m.tensor([0.5, -1.0], dtype=m.float64, requires_grad=True)
        (x.sin() * x).sum().backward(create_graph=True)
        h = m.autograd.grad(x.grad.sum(), x)[0]
        seen[m] = (x.grad.grad_fn.name(), to_numpy(h))
    assert seen[tg][0] == seen[torch][0] == "torch::autograd::CopyBackwards"
    np.testing.assert_allclose(seen[tg][1], seen[torch][1], rtol=1e-12, atol=1e-14)


def test_batch_norm_bias_gradient_requires_grad():
    # torch's batch norm backward is one node (NativeBatchNormBackwardBackward0) of (g, x,
    # w) for all three gradients, so the bias's gradient, sum(g), requires grad there too
    check(_batch_norm, [(4, 3), (3,), (3,)], create_graph_second_order=True)


ZERO_ROW = np.array([[0.0, 0.0, 0.0], [0.0, 2.0, -3.0]])  # a row whose std and norms are 0


@pytest.mark.parametrize("fn", [
    lambda a: a.std(1),
    lambda a: lib(a).linalg.vector_norm(a, dim=1),
    lambda a: lib(a).linalg.vector_norm(a, 3, dim=1),
    lambda a: lib(a).linalg.vector_norm(a, 1.5, dim=1),
    lambda a: lib(a).linalg.vector_norm(a, 0.5, dim=1),
], ids=["std", "norm 2", "norm 3", "norm 1.5", "norm 0.5"])
def test_second_derivative_where_the_result_is_0(fn):
    # the rules divide by the result and masked_fill where it is 0: the second pass meets
    # the quotient's inf * 0 = nan there, which the rule's own masked_fill makes 0, as torch's
    check(fn, [ZERO_ROW], create_graph_second_order=True)


# Cases whose gradgradcheck fails in torch too, for a reason of their own.
GRADGRADCHECK_FAILS = {
    "to(float32)": "the float32 round trip is too coarse for finite differences of 1e-6",
    "normal(mean)": "a draw is not reparameterised: its gradient is 0 by definition, the "
                    "finite difference of the same draw is not",
    "normal(std=)": "the same: a draw's gradient is 0 by definition",
    "normal(mean, std)": "the same: a draw's gradient is 0 by definition",
}


@pytest.mark.slow
@pytest.mark.parametrize("name", CASES)
def test_gradgradcheck_of_every_case(name):
    # second derivatives against finite differences of the first (gradgradcheck), on both
    # libraries: torch's outcome, its report text included where it fails
    fn, specs, _ = CASES[name]
    rng = np.random.default_rng(0)
    arrays = [s if isinstance(s, np.ndarray) else rng.uniform(-2, 2, s) for s in specs]
    outcomes = []
    for m in (tg, torch):
        xs = tuple(m.tensor(a, requires_grad=True) for a in arrays)
        m.manual_seed(0)
        try:
            outcomes.append(m.autograd.gradgradcheck(fn, xs))
        except Exception as e:  # noqa: BLE001 - compared between the libraries
            # the sign of a zero may differ: the zero gradient of a draw meets another
            # term in another order (-0. + 0. is 0., 0. + -0. too, -0. + -0. is -0.);
            # it changes the widths of the printed columns too
            text = re.sub(r" +", " ", re.sub(r"-0\.(?!\d)", "0.", str(e)))
            outcomes.append((type(e).__name__, text))
    assert outcomes[0] == outcomes[1]
    assert (outcomes[0] is True) == (name not in GRADGRADCHECK_FAILS)


def _sigmoid_function(m):
    """A Function that saves its output, as lesson 11's sigmoid does."""

    class Sigmoid(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            s = 1 / (1 + m.exp(-x))
            ctx.save_for_backward(s)
            return s

        @staticmethod
        def backward(ctx, grad_output):
            (s,) = ctx.saved_tensors
            return grad_output * s * (1 - s)

    return Sigmoid


def test_function_that_saves_its_output_has_torchs_second_derivative():
    """The saved output is the recorded output, so d/dx of the rule goes through the
    Function again (it was a constant: a second derivative of 0, silently)."""
    x0 = np.array([0.5, -1.0, 2.0])
    hs = []
    for m in (torch, tg):
        x = m.tensor(x0, requires_grad=True)
        (g,) = m.autograd.grad(_sigmoid_function(m).apply(x).sum(), x, create_graph=True)
        (h,) = m.autograd.grad((g * m.tensor([1.0, 2.0, 3.0], dtype=m.float64)).sum(), x)
        hs.append(h.numpy())
        assert m.autograd.gradgradcheck(_sigmoid_function(m).apply, (x,))
    np.testing.assert_allclose(hs[1], hs[0], rtol=1e-12)


def test_function_output_saved_weakly_no_reference_cycle():
    import gc
    import weakref

    x = tg.tensor([0.5, -1.0], dtype=tg.float64, requires_grad=True)
    gc.disable()
    try:
        y = _sigmoid_function(tg).apply(x * 1)
        probe = weakref.ref(y)
        del y
        assert probe() is None  # freed by reference counting alone
    finally:
        gc.enable()
