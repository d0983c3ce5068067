"""The tensor operations of issue 10 compared with torch: values, dtypes, grad_fn names,
errors, and float64 gradients (second derivatives where the rule is differentiable), on
0-d, vector and matrix inputs (see helpers.check)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from helpers import assert_same_values, both, caught, check, lib

import tinygrad_lite as tg

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

I = np.array  # noqa: E741 - short for the index arrays below
MASK = np.array([[True, False, True], [False, False, True]])


def grad_fn_name(t):
    return None if t.grad_fn is None else t.grad_fn.name()


def same_error(fn):
    """``fn(lib)`` raises the same (type, message) in both libraries."""
    ours = caught(lambda: fn(tg))
    theirs = caught(lambda: fn(torch))
    assert theirs is not None, "torch raised nothing"
    assert ours == theirs


# ----------------------------------------------------------------------------------------
# cat, stack, where
# ----------------------------------------------------------------------------------------
JOIN = {
    "cat dim 0": ([(2, 3), (1, 3)], lambda a, b: lib(a).cat([a, b])),
    "cat dim 1": ([(2, 3), (2, 1)], lambda a, b: lib(a).cat((a, b * 2), dim=1)),
    "cat dim -1 vectors": ([(3,), (2,)], lambda a, b: lib(a).cat([a, b, a], -1)),
    "concat": ([(2, 3), (2, 3)], lambda a, b: lib(a).concat([a, b], 1)),
    "cat legacy empty": ([(2, 3), (0,)], lambda a, b: lib(a).cat([a, b])),
    "stack": ([(2, 3), (2, 3)], lambda a, b: lib(a).stack([a, b])),
    "stack dim 2": ([(2, 3), (2, 3)], lambda a, b: lib(a).stack([a, b, a], dim=2)),
    "stack dim -1 vectors": ([(3,), (3,)], lambda a, b: lib(a).stack([a, b], -1)),
    "stack 0-d": ([(), ()], lambda a, b: lib(a).stack([a, b])),
    "where": ([(2, 3), (2, 3)], lambda a, b: lib(a).where(a > b, a, b)),
    "where broadcast": ([(2, 3), (3,)], lambda a, b: lib(a).where(a > 0, a, b)),
    "where 0-d other": ([(2, 3), ()], lambda a, b: lib(a).where(a > 0, a * a, b)),
    "where scalar": ([(2, 3), ()], lambda a, b: lib(a).where(a > 0, a, 0.0) + b),
    "where scalar first": ([(3,), ()], lambda a, b: lib(a).where(a > 0, -1.5, a * b)),
    "where 0-d": ([(), ()], lambda a, b: lib(a).where(a > b, a, b)),
    "Tensor.where": ([(2, 3), (2, 3)], lambda a, b: a.where(a > 0, b)),
}


@pytest.mark.parametrize("name", JOIN)
def test_join_and_where(name, device):
    shapes, fn = JOIN[name]
    check(fn, shapes, device=device, create_graph_second_order=True)
    ours, theirs = both(lambda m: fn(*[m.ones(s, dtype=m.float64, requires_grad=True)
                                       for s in shapes]))
    assert grad_fn_name(ours) == grad_fn_name(theirs)


@pytest.mark.parametrize("dtypes", [("int32", "float32"), ("int32", "int64"),
                                    ("float32", "float64"), ("bool", "int8")])
def test_cat_stack_promote(dtypes):
    for op in ("cat", "stack"):
        ours, theirs = both(lambda m, op=op: getattr(m, op)(
            [m.ones(2, dtype=getattr(m, dtypes[0])), m.ones(2, dtype=getattr(m, dtypes[1]))]))
        assert_same_values(ours, theirs, 0, 0, op)


def test_cat_mixed_float_gradients_keep_each_dtype():
    def fn(m):
        a = m.ones(2, dtype=m.float32, requires_grad=True)
        b = m.ones(3, dtype=m.float64, requires_grad=True)
        (m.cat([a, b]) * m.arange(5.0, dtype=m.float64)).sum().backward()
        return a.grad, b.grad

    for g, h in zip(*both(fn)):
        assert_same_values(g, h, 0, 0, "grad")


@pytest.mark.parametrize("cond, x, y", [
    (MASK, np.arange(6).reshape(2, 3), 5), (MASK, np.arange(6).reshape(2, 3), 5.0),
    (MASK, 1.0, 0), (MASK, 1, 0), (MASK, True, False), (MASK, np.float32(2.5), 1),
    (MASK, np.arange(3, dtype=np.int32), -1), (MASK, np.ones(3, np.float32), np.float64(2)),
])
def test_where_dtypes(cond, x, y):
    def fn(m):
        def arg(v):
            return m.tensor(v) if isinstance(v, np.ndarray) else (
                m.tensor(v) if isinstance(v, np.generic) else v)
        return m.where(m.tensor(cond), arg(x), arg(y))

    ours, theirs = both(fn)
    assert_same_values(ours, theirs, 0, 0, "where")


def test_where_one_argument_is_nonzero():
    for c in (MASK, np.array([True, False, True]), np.array(True)):
        ours, theirs = both(lambda m, c=c: m.where(m.tensor(c)))
        assert len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            assert_same_values(o, t, 0, 0, "where(c)")


@pytest.mark.parametrize("fn", [
    lambda m: m.cat([m.ones(2, 3), m.ones(3)]),
    lambda m: m.cat([m.ones(2, 3), m.ones(2, 2)]),
    lambda m: m.cat([m.ones(2, 3), m.ones(3, 2)], -1),
    lambda m: m.cat([m.ones(2, 3), m.ones(3, 2)], 1),
    lambda m: m.cat([m.tensor(1.0), m.tensor(2.0)]),
    lambda m: m.cat([]),
    lambda m: m.cat(m.ones(2, 2)),
    lambda m: m.cat([m.ones(2), m.ones(2)], dim=3),
    lambda m: m.stack([]),
    lambda m: m.stack([m.ones(2, 3), m.ones(3)]),
    lambda m: m.stack([m.ones(2), m.ones(2)], dim=2),
    lambda m: m.where(m.ones(2), m.ones(2), m.ones(2)),
    lambda m: m.where(m.ones(2) > 0, m.ones(3), 0.0),
    lambda m: m.where(m.ones(2, 1) > 0, m.ones(3), m.ones(4)),
])
def test_join_errors(fn):
    same_error(fn)


# ----------------------------------------------------------------------------------------
# norm, std, var and the other reductions
# ----------------------------------------------------------------------------------------
REDUCE = {
    "std": lambda a: a.std(),
    "std(0)": lambda a: a.std(0),
    "std(dim=-1, keepdim)": lambda a: a.std(dim=-1, keepdim=True),
    "std(unbiased=False)": lambda a: a.std(unbiased=False),
    "std(False)": lambda a: a.std(False),
    "torch.std(correction=0)": lambda a: lib(a).std(a, correction=0),
    "var": lambda a: a.var(),
    "var(0, False)": lambda a: a.var(0, False),
    "var(-1, keepdim)": lambda a: a.var(-1, keepdim=True),
    "var(correction=2)": lambda a: a.var(correction=2),
    "torch.var": lambda a: lib(a).var(a),
    "var_mean": lambda a: lib(a).var_mean(a),
    "var_mean(0, False)": lambda a: lib(a).var_mean(a, 0, False),
    "var_mean(-1, keepdim)": lambda a: lib(a).var_mean(a, -1, keepdim=True),
    "var_mean(correction=2)": lambda a: lib(a).var_mean(a, correction=2),
    "std_mean": lambda a: lib(a).std_mean(a),
    "std_mean(dim=0, unbiased=False)": lambda a: lib(a).std_mean(a, dim=0, unbiased=False),
    "std_mean(False)": lambda a: lib(a).std_mean(a, False),
    "norm": lambda a: a.norm(),
    "norm(1)": lambda a: a.norm(1),
    "norm(p=3)": lambda a: a.norm(p=3),
    "norm(p=0.5)": lambda a: a.norm(p=0.5),
    "norm(p=1.5)": lambda a: a.norm(p=1.5),
    "norm(inf)": lambda a: a.norm(float("inf")),
    "norm(-inf)": lambda a: a.norm(-float("inf")),
    "norm(p=0)": lambda a: a.norm(p=0),
    "norm(dim=-1)": lambda a: a.norm(dim=-1),
    "norm(2, 0, keepdim)": lambda a: a.norm(2, 0, keepdim=True),
    "norm('fro')": lambda a: a.norm("fro"),
    "torch.norm": lambda a: lib(a).norm(a),
    "torch.norm(p=1, dim=0)": lambda a: lib(a).norm(a, p=1, dim=0),
    "linalg.norm": lambda a: lib(a).linalg.norm(a),
    "linalg.norm(dim=0)": lambda a: lib(a).linalg.norm(a, dim=0),
    "linalg.vector_norm": lambda a: lib(a).linalg.vector_norm(a),
    "linalg.vector_norm(1)": lambda a: lib(a).linalg.vector_norm(a, 1),
    "linalg.vector_norm(inf, -1)": lambda a: lib(a).linalg.vector_norm(a, float("inf"), -1),
    "logsumexp(0)": lambda a: a.logsumexp(0),
    "logsumexp(-1, keepdim)": lambda a: a.logsumexp(-1, keepdim=True),
    "torch.logsumexp": lambda a: lib(a).logsumexp(a, 0),
    "prod": lambda a: a.prod(),
    "prod(0)": lambda a: a.prod(0),
    "prod(-1, keepdim)": lambda a: a.prod(-1, keepdim=True),
    "torch.prod": lambda a: lib(a).prod(a),
    "amax": lambda a: a.amax(),
    "amax(0)": lambda a: a.amax(0),
    "torch.amin(-1, keepdim)": lambda a: lib(a).amin(a, -1, keepdim=True),
    "aminmax": lambda a: lib(a).aminmax(a),
    "aminmax(dim=-1, keepdim)": lambda a: a.aminmax(dim=-1, keepdim=True),
    "cumsum(0)": lambda a: a.cumsum(0),
    "cumsum(-1)": lambda a: a.cumsum(-1),
    "torch.cumsum": lambda a: lib(a).cumsum(a, dim=0),
    "cumprod(0)": lambda a: a.cumprod(0),
    "cumprod(-1)": lambda a: a.cumprod(-1),
    "torch.cumprod": lambda a: lib(a).cumprod(a, dim=0),
}
NEEDS_TWO = {"std", "std(0)", "std(dim=-1, keepdim)", "var", "var(-1, keepdim)",
             "var(correction=2)", "torch.var", "var_mean", "var_mean(-1, keepdim)",
             "var_mean(correction=2)", "std_mean"}  # elements: a 0-d input warns


@pytest.mark.parametrize("shape", [(), (4,), (3, 4)])
@pytest.mark.parametrize("name", REDUCE)
def test_reductions(name, shape, device):
    fn = REDUCE[name]
    if name in NEEDS_TWO and shape == ():
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            check(fn, [shape], device=device, grad=False)
        said = name.split("(")[0].removeprefix("torch.")
        assert seen and f"{said}(): degrees of freedom is <= 0" in str(seen[0].message)
        return
    check(fn, [shape], device=device, create_graph_second_order="p=0" not in name)
    ours, theirs = both(lambda m: fn(m.ones(shape, dtype=m.float64, requires_grad=True)))
    ours, theirs = ((o if isinstance(o, tuple) else (o,)) for o in (ours, theirs))
    assert [grad_fn_name(t) for t in ours] == [grad_fn_name(t) for t in theirs]
    if len(ours) == 2:  # var_mean, std_mean: one node
        assert ours[0].grad_fn is ours[1].grad_fn and theirs[0].grad_fn is theirs[1].grad_fn


@pytest.mark.parametrize("name", ["norm", "norm(1)", "norm(p=3)", "norm(inf)", "norm(p=1.5)",
                                  "prod", "prod(0)", "cumprod(0)", "cumprod(-1)", "std",
                                  "logsumexp(0)", "amax", "amax(0)",
                                  "torch.amin(-1, keepdim)"])
def test_reductions_at_zeros_and_ties(name, device):
    x = np.array([[0.0, 2.0, -2.0], [0.0, 0.0, 1.0]])
    second = name.startswith(("prod", "cumprod"))  # (the others are not smooth there)
    check(REDUCE[name], [x], device=device, create_graph_second_order=second)
    check(REDUCE[name], [np.zeros((2, 3))], device=device, create_graph_second_order=second)
    check(REDUCE[name], [np.array([[3.0, 0.0, 2.0], [1.0, 5.0, 0.0]])], device=device,
          create_graph_second_order=second)


@pytest.mark.parametrize("name", ["std", "var(0, False)", "norm", "logsumexp(0)", "prod(0)",
                                  "cumsum(-1)", "cumprod(-1)", "norm(inf)"])
def test_reductions_float32(name, device):
    check(REDUCE[name], [(3, 4)], dtype=np.float32, device=device)


@pytest.mark.parametrize("fn", [
    lambda a: a.prod(), lambda a: a.prod(1), lambda a: a.cumsum(0), lambda a: a.logsumexp(1),
    lambda a: a.all(), lambda a: a.any(1), lambda a: a.all(0, keepdim=True),
    lambda a: lib(a).any(a), lambda a: a.all((0, 1)), lambda a: a.prod(dtype=lib(a).float32),
    lambda a: a.cumsum(1, dtype=lib(a).float64), lambda a: a.amax(), lambda a: a.amin(1),
    lambda a: a.cumprod(1), lambda a: a.cumprod(0, dtype=lib(a).float64),
    lambda a: lib(a).amax(a, (0, 1), keepdim=True),
])
@pytest.mark.parametrize("dtype", ["int64", "int32", "bool", "uint8", "float32"])
def test_reductions_dtypes(fn, dtype):
    ours, theirs = both(lambda m: fn(m.tensor([[0, 1, 2], [3, 1, 1]], dtype=getattr(m, dtype))))
    assert_same_values(ours, theirs, 1e-6, 1e-6, "value")


@pytest.mark.parametrize("fn", [
    lambda m: m.ones(3, dtype=m.int64).std(),
    lambda m: m.ones(3, dtype=m.bool).var(0),
    lambda m: m.var_mean(m.ones(3, dtype=m.int64)),
    lambda m: m.std_mean(m.ones(3, dtype=m.int32), 0),
    lambda m: m.var_mean(m.ones(3), 1),
    lambda m: m.aminmax(m.ones(0, 3), dim=0), lambda m: m.aminmax(m.ones(0, 3)),
    lambda m: m.aminmax(m.ones(2, 3), dim=(0, 1)), lambda m: m.aminmax(m.ones(2, 3), dim=2),
    lambda m: m.aminmax(m.ones(2, 3), 1), lambda m: m.ones(0, 3).aminmax(dim=-2),
    lambda m: m.ones(3, dtype=m.int64).norm(),
    lambda m: m.linalg.vector_norm(m.ones(3, dtype=m.int32)),
    lambda m: m.linalg.vector_norm(m.ones(3), "fro"),
    lambda m: m.linalg.vector_norm(m.ones(3), dtype=m.int64),
    lambda m: m.ones(2, 3).norm(p="abc"),
    lambda m: m.ones(2, 3).norm(p="fro", dim=(0, 1, 1)),
    lambda m: m.linalg.norm(m.ones(2, 2, 2), 2),
    lambda m: m.linalg.norm(m.ones(2, 2, 2), dim=(0, 1, 2)),
    lambda m: m.linalg.norm(m.ones(2), "fro"),
    lambda m: m.linalg.norm(m.ones(2, 2), 3),
    lambda m: m.ones(2).logsumexp(),
    lambda m: m.ones(2).cumsum(),
    lambda m: m.ones(2).cumsum(1),
    lambda m: m.ones(2).cumprod(),
    lambda m: m.ones(2).cumprod(1),
    lambda m: m.ones(2, 3).prod(keepdim=True),
    lambda m: m.ones(2).std(3),
    lambda m: m.tensor(1.0).amax(1),
    lambda m: m.ones(0).amax(),
])
def test_reduction_errors(fn):
    same_error(fn)


def test_linalg_norm_matrix_forms(device):
    check(lambda a: lib(a).linalg.norm(a, "fro"), [(3, 4)], device=device)
    check(lambda a: lib(a).linalg.norm(a, dim=(0, 2)), [(2, 3, 2)], device=device)
    check(lambda a: lib(a).linalg.norm(a, "fro", dim=(0, 1), keepdim=True), [(2, 3, 2)],
          device=device)
    check(lambda a: lib(a).linalg.norm(a, 3), [(4,)], device=device)
    ties = np.array([[1.0, -2.0, 3.0], [-2.0, 1.0, 0.0], [0.0, 0.0, -3.0]])
    for ord_ in (1, -1, float("inf"), -float("inf")):
        for x in ((3, 4), ties):
            check(lambda a, o=ord_: lib(a).linalg.norm(a, o), [x], device=device,
                  create_graph_second_order=True)
        check(lambda a, o=ord_: lib(a).linalg.norm(a, o, dim=(2, 0)), [(2, 3, 4)],
              device=device)
        check(lambda a, o=ord_: lib(a).linalg.norm(a, o, (0, 1), True), [(3, 2)],
              device=device)
        ours, theirs = both(lambda m, o=ord_: m.linalg.norm(m.ones(2, 2, requires_grad=True), o))
        assert grad_fn_name(ours) == grad_fn_name(theirs)
    check(lambda a: a.norm(dtype=lib(a).float64), [(4,)], dtype=np.float32, device=device,
          rtol=1e-6, atol=1e-7)


# ----------------------------------------------------------------------------------------
# gather, scatter, scatter_
# ----------------------------------------------------------------------------------------
IDX = I([[0, 2], [1, 0]])  # for a (2, 3) input along dim 1, or (3, 2) along dim 0
PICK = {
    "gather(1)": ([(2, 3), IDX], lambda a, i: a.gather(1, i)),
    "gather(-1) repeated": ([(2, 3), I([[0, 0, 0], [2, 2, 1]])], lambda a, i: a.gather(-1, i)),
    "gather(0)": ([(3, 2), IDX], lambda a, i: a.gather(0, i)),
    "gather smaller index": ([(3, 4), I([[3], [0]])], lambda a, i: lib(a).gather(a, 1, i)),
    "gather vector": ([(4,), I([3, 0, 3])], lambda a, i: a.gather(0, i)),
    "gather 0-d": ([(), I(0)], lambda a, i: a.gather(0, i)),
    "scatter value": ([(2, 3), IDX], lambda a, i: a.scatter(1, i, 2.5)),
    "scatter value=": ([(3, 2), IDX], lambda a, i: lib(a).scatter(a, 0, i, value=-1.0)),
    "scatter src": ([(2, 3), IDX, (2, 2)], lambda a, i, s: a.scatter(1, i, s)),
    "scatter src dim 0": ([(3, 2), IDX, (2, 2)], lambda a, i, s: a.scatter(0, i, s * s)),
    "scatter_ on a copy": ([(2, 3), IDX, (2, 2)], lambda a, i, s: (a * 1).scatter_(1, i, s)),
    "scatter_ value": ([(2, 3), IDX], lambda a, i: (a + 0).scatter_(1, i, 0.0) * a),
}


@pytest.mark.parametrize("name", PICK)
def test_gather_scatter(name, device):
    specs, fn = PICK[name]
    check(fn, specs, device=device, create_graph_second_order=True)


def test_scatter_one_hot_targets():
    ours, theirs = both(lambda m: m.zeros(4, 3).scatter_(1, m.tensor([[2], [0], [1], [2]]), 1))
    assert_same_values(ours, theirs, 0, 0, "one-hot")
    ours, theirs = both(lambda m: m.zeros(3, dtype=m.int64).scatter(0, m.tensor([1]), 1.7))
    assert_same_values(ours, theirs, 0, 0, "int self, float value")


def test_scatter_names_and_versions():
    def fn(m):
        a = m.ones(2, 3, requires_grad=True)
        b = a * 2
        b.scatter_(1, m.tensor([[0], [1]]), a[:, :1])
        return (b.grad_fn.name(), b._version, a.scatter(1, m.tensor([[0]]), 1.0).grad_fn.name(),
                a.gather(1, m.tensor([[0]])).grad_fn.name())

    ours, theirs = both(fn)
    assert ours == theirs


@pytest.mark.parametrize("fn", [
    lambda m: m.ones(2, 3).gather(1, m.tensor([[5]])),
    lambda m: m.ones(2, 3).gather(1, m.tensor([[-1]])),
    lambda m: m.ones(2, 3).gather(1, m.tensor([0])),
    lambda m: m.ones(2, 3).gather(1, m.zeros(3, 1, dtype=m.int64)),
    lambda m: m.ones(2, 3).gather(1, m.zeros(1, 1)),
    lambda m: m.ones(2, 3).scatter(1, m.zeros(1, 1, dtype=m.int16), 1.0),
    lambda m: m.ones(2, 3).gather(2, m.zeros(1, 1, dtype=m.int64)),
    lambda m: m.ones(2, 3).scatter(1, m.tensor([[5]]), 1.0),
    lambda m: m.ones(2, 3).scatter(1, m.tensor([[0]]), m.ones(1, 1, dtype=m.float64)),
    lambda m: m.ones(2, 3, requires_grad=True).scatter_(1, m.tensor([[0]]), 1.0),
    lambda m: m.ones(2, 3, dtype=m.int64).scatter_(1, m.tensor([[0]]), m.ones(1, 1)),
])
def test_gather_scatter_errors(fn):
    same_error(fn)


def test_scatter_src_larger_than_index_has_no_backward():
    def fn(m):
        a = m.ones(2, 3, dtype=m.float64, requires_grad=True)
        s = m.ones(3, 4, dtype=m.float64, requires_grad=True)
        a.scatter(1, m.tensor([[0], [2]]), s).sum().backward()

    same_error(fn)


# ----------------------------------------------------------------------------------------
# Rounding, one-sided clamps, log1p/expm1, nan_to_num, isnan & co
# ----------------------------------------------------------------------------------------
POINTWISE = {
    "round": lambda a: (a * 3).round() * a,
    "round(decimals=1)": lambda a: a.round(decimals=1) * a,
    "round(decimals=-1)": lambda a: (a * 30).round(decimals=-1) + a,
    "round(decimals=0)": lambda a: a.round(decimals=0) + a,
    "torch.round": lambda a: lib(a).round(a * 3, decimals=2) * a,
    "floor": lambda a: (a * 3).floor() + a * a,
    "torch.floor": lambda a: lib(a).floor(a * 3) + a,
    "ceil": lambda a: (a * 3).ceil() * a,
    "trunc": lambda a: lib(a).trunc(a * 3) * a,
    "clamp_min": lambda a: a.clamp_min(0.5),
    "clamp_max": lambda a: lib(a).clamp_max(a, -0.25),
    "clamp_min int bound": lambda a: a.clamp_min(1),
    "log1p": lambda a: (a + 2.5).log1p(),
    "torch.log1p": lambda a: lib(a).log1p(a * a),
    "expm1": lambda a: a.expm1(),
    "torch.expm1": lambda a: lib(a).expm1(a * 2),
    "logit": lambda a: (a.tanh() * 0.4 + 0.5).logit(),
    "logit(eps)": lambda a: (a * 0.5 + 0.5).logit(eps=0.2),
    "torch.logit": lambda a: lib(a).logit(a.sigmoid()),
    "nan_to_num": lambda a: (a.log() * a).nan_to_num(),
    "nan_to_num(1, 2, -3)": lambda a: (a / (a - a)).nan_to_num(1.0, 2.0, -3.0) * a,
    "torch.nan_to_num(posinf)": lambda a: lib(a).nan_to_num((1 / (a - a)) * a, posinf=5.0),
}


@pytest.mark.parametrize("shape", [(), (4,), (3, 4)])
@pytest.mark.parametrize("name", POINTWISE)
def test_pointwise(name, shape, device):
    with np.errstate(all="ignore"):
        check(POINTWISE[name], [shape], device=device, create_graph_second_order=True)
    fn = POINTWISE[name]
    ours, theirs = both(lambda m: fn(m.full(shape, 0.5, dtype=m.float64, requires_grad=True)))
    assert grad_fn_name(ours) == grad_fn_name(theirs)


# clamp with tensor bounds: ClampBackward0, broadcasting, promotion, each bound's gradient
CLAMP_TENSOR = {
    "min=": (lambda a, lo: a.clamp(min=lo), [(3, 4), (3, 4)]),
    "max=": (lambda a, hi: a.clamp(max=hi), [(3, 4), (4,)]),
    "both": (lambda a, lo: a.clamp(lo, lo + 0.5), [(3, 4), (3, 4)]),
    "both, crossed": (lambda a, lo: a.clamp(lo + 0.5, lo), [(3, 4), (4,)]),
    "torch.clamp": (lambda a, lo: lib(a).clamp(a, lo, lo.abs() + 0.1), [(3, 4), ()]),
    "clip": (lambda a, hi: a.clip(max=hi * 0.5), [(4,), (3, 4)]),
    "0-d": (lambda a, lo: a.clamp(min=lo), [(), ()]),
}


@pytest.mark.parametrize("name", CLAMP_TENSOR)
def test_clamp_with_tensor_bounds(name, device):
    fn, shapes = CLAMP_TENSOR[name]
    ours, theirs = check(fn, shapes, device=device, create_graph_second_order=True)
    assert grad_fn_name(ours) == grad_fn_name(theirs) == "ClampBackward0"


def test_clamp_with_tensor_bounds_edges():
    # NaN in the input or a bound, -0.0, ties with the bounds, a float32 bound of a float64
    # input, a detached bound: torch's values (signs of zeros too), dtypes and gradients.
    # (Not -0.0 clamped at a bound of 0.0: torch's vectorized kernel returns the bound's
    # zero, its scalar loop for the last elements the input's. Nor the sign of a NaN.)
    nan = float("nan")
    a = np.array([1.0, -2.0, 3.0, nan, -0.0, 0.5, 0.0, 2.0])
    lo = np.array([0.0, 0.0, 4.0, 0.0, -1.0, 2.0, nan, 2.0])
    hi = np.array([2.0, -1.0, 3.5, 1.0, 1.0, 1.0, 1.0, nan])
    cases = [lambda m, a, lo, hi: a.clamp(lo, hi), lambda m, a, lo, hi: a.clamp(min=lo),
             lambda m, a, lo, hi: a.clamp(max=hi), lambda m, a, lo, hi: a.clamp(hi, lo),
             lambda m, a, lo, hi: a.clamp(lo.float()), lambda m, a, lo, hi: a.clamp(lo.detach())]
    for f in cases:
        seen = []
        for m in (tg, torch):
            xs = [m.tensor(v, requires_grad=True) for v in (a, lo, hi)]
            y = f(m, *xs)
            (y * m.tensor(np.arange(1.0, 9.0))).sum().backward()
            v = y.detach().numpy()
            seen.append([str(y.dtype), (np.signbit(v) & ~np.isnan(v)).tolist(),
                         y.detach().numpy().tolist(),
                         *[None if x.grad is None else x.grad.tolist() for x in xs]])
        assert str(seen[0]) == str(seen[1])


def test_clamp_with_a_tensor_and_a_number_raises_as_torch():
    for call in (lambda m, a: a.clamp(0.5, a), lambda m, a: a.clamp(a, 2.0),
                 lambda m, a: m.clamp(a, 0.5, a), lambda m, a: a.clamp(a[:2]),
                 lambda m, a: a.clamp(a.reshape(3, 1)[:2], m.ones(4))):
        same_error(lambda m, call=call: call(m, m.tensor([1.0, -2.0, 3.0])))


def test_rounding_edges():
    x = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 1.005, 0.125, 1234.5, np.inf, -np.inf, np.nan,
                  -0.0])
    for dt in (np.float64, np.float32):
        for f in (lambda t: t.round(), lambda t: t.round(decimals=2), lambda t: t.floor(),
                  lambda t: t.round(decimals=-2), lambda t: t.ceil(), lambda t: t.trunc(),
                  lambda t: t.nan_to_num(), lambda t: t.isnan(), lambda t: t.isinf(),
                  lambda t: t.isfinite(), lambda t: t.clamp_min(0.0), lambda t: t.clamp_max(1),
                  lambda t: t.clamp_min(t.flip(0)), lambda t: t.clamp_max(t.flip(0)),
                  lambda t: t.log1p(), lambda t: t.expm1(), lambda t: t.logit(),
                  lambda t: t.logit(0.25), lambda t: t.logit(-1.0)):
            with np.errstate(all="ignore"):
                ours, theirs = both(lambda m, f=f, dt=dt: f(m.tensor(x.astype(dt))))
            assert_same_values(ours, theirs, 1e-6, 0, "edge")
            o, t = ours.numpy(), theirs.numpy()
            if o.dtype.kind == "f":  # -0.0 where torch has it (a NaN's sign is no matter)
                assert np.array_equal(np.signbit(o) & ~np.isnan(o), np.signbit(t) & ~np.isnan(t))


@pytest.mark.parametrize("eps", [None, 0.2, -1.0, -0.2, 0.6])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_logit_at_and_past_the_ends(eps, dtype):
    # values, gradients and second derivatives where p is 0, 1 or outside [0, 1]: torch's
    # rule takes the derivative only inside [eps, 1 - eps] ([0, 1] without eps), 0 outside
    # with eps, nan without; its kernels read a negative eps as none, its recorded rule
    # (create_graph) as it is; an eps over 0.5 clamps everything below it to it
    def run(m):
        p = m.tensor([-1.5, -0.5, 0.0, 0.3, 0.5, 1.0, 1.5, 3.0], dtype=getattr(m, dtype),
                     requires_grad=True)
        y = m.logit(p, eps)
        u = m.arange(8.0, dtype=y.dtype)
        g0, = m.autograd.grad((y * u).sum(), p, retain_graph=True)  # the rule on values
        g, = m.autograd.grad((y * u).sum(), p, create_graph=True)  # and recorded
        h, = m.autograd.grad(g.sum(), p)
        return y, g0, g, h

    with np.errstate(all="ignore"):
        ours, theirs = both(run)
    for o, t, what in zip(ours, theirs, ("value", "gradient", "gradient recorded",
                                         "second derivative")):
        assert_same_values(o, t, 1e-6, 0, what)


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
@pytest.mark.parametrize("fn", [
    lambda t: t.round(), lambda t: t.floor(), lambda t: t.ceil(), lambda t: t.trunc(),
    lambda t: t.round(decimals=1), lambda t: t.round(decimals=0), lambda t: t.clamp_min(1),
    lambda t: t.clamp_max(0.5), lambda t: t.log1p(), lambda t: t.expm1(), lambda t: t.logit(),
    lambda t: t.nan_to_num(), lambda t: t.isnan(), lambda t: t.isinf(), lambda t: t.isfinite(),
    lambda t: lib(t).isnan(t), lambda t: lib(t).floor(t), lambda t: lib(t).round(t),
])
def test_pointwise_integer_inputs(fn, dtype):
    def run(m):
        return fn(m.tensor([0, 1, 2], dtype=getattr(m, dtype)))

    theirs = caught(lambda: run(torch))
    if theirs is not None:
        assert caught(lambda: run(tg)) == theirs
    else:
        assert_same_values(run(tg), run(torch), 1e-6, 0, "value")


INPLACE = {
    "round_": lambda t: t.round_(),
    "round_(decimals=1)": lambda t: t.round_(decimals=1),
    "floor_": lambda t: t.floor_(),
    "ceil_": lambda t: t.ceil_(),
    "trunc_": lambda t: t.trunc_(),
    "clamp_min_": lambda t: t.clamp_min_(0.2),
    "clamp_max_": lambda t: t.clamp_max_(0.2),
    "log1p_": lambda t: t.log1p_(),
    "expm1_": lambda t: t.expm1_(),
    "logit_(eps)": lambda t: t.logit_(0.3),
    "nan_to_num_": lambda t: t.nan_to_num_(),
    "//=": lambda t: t.__ifloordiv__(0.3),
    "%=": lambda t: t.__imod__(0.3),
    "fmod_": lambda t: t.fmod_(0.3),
}


@pytest.mark.parametrize("name", INPLACE)
def test_pointwise_in_place(name, device):
    f = INPLACE[name]
    if name not in ("//=",):
        check(lambda a: f(a * 2) * a, [(2, 3)], device=device, low=0.1)

    def versions(m):
        a = m.tensor([0.5, 1.5], requires_grad=True)
        b = a * 1
        r = f(b)
        out = [r is b, b._version, str(b), caught(lambda: f(a))]
        i = m.tensor([1, 2])
        out.append(caught(lambda: f(i)) or f(i).tolist())
        return out

    ours, theirs = both(versions)
    assert ours == theirs


# ----------------------------------------------------------------------------------------
# //, %, fmod, remainder, floor_divide
# ----------------------------------------------------------------------------------------
A = np.array([[-3.5, -2.0, -0.5, 0.0], [0.5, 2.0, 3.0, 7.25]])
B = np.array([2.0, -2.0, 0.75, -1.5])
DIVISION = {
    "clamp_min(tensor)": lambda a, b: a.clamp_min(b),
    "torch.clamp_max(a, tensor)": lambda a, b: lib(a).clamp_max(a, b * 2),
    "clamp_min(0-d tensor)": lambda a, b: a.clamp_min(b[1]) * b,
    "a % b": lambda a, b: a % b,
    "a % 2": lambda a, b: a % 2 + b,
    "a % -1.5": lambda a, b: (a % -1.5) * b,
    "remainder": lambda a, b: a.remainder(b),
    "torch.remainder": lambda a, b: lib(a).remainder(a, b),
    "fmod": lambda a, b: lib(a).fmod(a, b),
    "fmod number": lambda a, b: a.fmod(-1.5) * b,
}


@pytest.mark.parametrize("name", DIVISION)
def test_remainder_and_fmod(name, device):
    check(DIVISION[name], [A, B], device=device, create_graph_second_order=True)
    ours, theirs = both(lambda m: DIVISION[name](m.tensor(A, requires_grad=True),
                                                 m.tensor(B, requires_grad=True)))
    assert grad_fn_name(ours) == grad_fn_name(theirs)


NO_GRADIENT = {
    "a // b": lambda a, b: a // b,
    "a // 2": lambda a, b: a // 2,
    "2 // a": lambda a, b: 2 // a,
    "floor_divide": lambda a, b: lib(a).floor_divide(a, b),
    "2 % a": lambda a, b: 2 % a,
    "torch.remainder(5, a)": lambda a, b: lib(a).remainder(5, a),
}


@pytest.mark.parametrize("name", NO_GRADIENT)
def test_floor_division_has_no_derivative(name):
    def fn(m):
        a, b = m.tensor(A + 0.25, requires_grad=True), m.tensor(B, requires_grad=True)
        r = NO_GRADIENT[name](a, b)
        return r, str(r), r.requires_grad, caught(lambda: r.sum().backward())

    (o, *ours), (t, *theirs) = both(fn)
    assert_same_values(o, t, 1e-12, 0, name)
    assert ours == theirs


INTS = [np.array([-7, -3, 0, 3, 7]), np.array([2, -2, 3, -3, 5])]


@pytest.mark.parametrize("fn", [
    lambda a, b: a // b, lambda a, b: a % b, lambda a, b: lib(a).fmod(a, b), lambda a, b: a // 2,
    lambda a, b: a % -3, lambda a, b: lib(a).fmod(a, -3), lambda a, b: 7 // b,
    lambda a, b: 7 % b, lambda a, b: a // 2.5, lambda a, b: a % 2.5, lambda a, b: 7.5 // b,
    lambda a, b: a // b.double(), lambda a, b: a.int() % b, lambda a, b: a.to(lib(a).uint8) // 2,
    lambda a, b: (a > 0) // 1, lambda a, b: a // (b > 0), lambda a, b: (a > 0) // (b > 0),
    lambda a, b: (a > 0) % (b > 0), lambda a, b: a // 0, lambda a, b: a % 0,
    lambda a, b: lib(a).fmod(a, 0), lambda a, b: 5 // a, lambda a, b: a.float() // 0,
    lambda a, b: a.float() % 0, lambda a, b: lib(a).remainder(7, b),
    lambda a, b: a.float()[0] // b,
])
def test_division_dtypes_and_errors(fn):
    def run(m):
        return fn(m.tensor(INTS[0]), m.tensor(INTS[1]))

    theirs = caught(lambda: run(torch))
    if theirs is not None:
        assert caught(lambda: run(tg)) == theirs
    else:
        with np.errstate(all="ignore"):
            assert_same_values(run(tg), run(torch), 0, 0, "value")


# ----------------------------------------------------------------------------------------
# NumPy interop and linspace
# ----------------------------------------------------------------------------------------
def outcome(f):
    """What ``f()`` gives: its type, dtype and values, or the error it raises."""
    try:
        r = f()
    except Exception as e:  # noqa: BLE001 - we compare whatever is raised
        return type(e).__name__, str(e)
    return type(r).__name__, str(getattr(r, "dtype", "")), np.asarray(
        r.tolist() if hasattr(r, "tolist") else r).tolist()


@pytest.mark.parametrize("fn", [
    lambda m: m.tensor([1, 2, 3]) * np.ones(3), lambda m: m.ones(3) * np.ones(3),
    lambda m: m.ones(3, dtype=m.float64) + np.ones(3, np.float32), lambda m: m.ones(3) / np.ones(3),
    lambda m: m.ones(3, requires_grad=True) * np.ones(3), lambda m: np.ones(3) * m.ones(3),
    lambda m: np.ones(3) + m.ones(3), lambda m: np.ones(3) - m.ones(3),
    lambda m: m.ones(3) > np.ones(3), lambda m: np.ones(3) > m.ones(3),
    lambda m: np.exp(m.ones(3)), lambda m: np.exp(m.tensor([1, 2])),
    lambda m: np.exp(m.tensor(1.0)),
    lambda m: np.greater(m.ones(3), 0), lambda m: np.add(m.ones(3), m.ones(3)),
    lambda m: np.exp(m.ones(3, requires_grad=True)), lambda m: np.asarray(m.ones(3)),
    lambda m: m.ones(3) * np.float64(2), lambda m: np.float32(2) * m.ones(3, dtype=m.float64),
    lambda m: m.ones(3) * np.array(2.0), lambda m: np.array(2.0) * m.ones(3),
    lambda m: m.ones(3) @ np.ones(3), lambda m: np.ones(3) @ m.ones(3),
    lambda m: m.ones(2, 3) % np.full(3, 0.75), lambda m: m.ones(3) // np.full(3, 0.75),
])
def test_numpy_interop(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # torch's __array_wrap__'s
        assert outcome(lambda: fn(tg)) == outcome(lambda: fn(torch))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_linspace_is_rounded_once(dtype):
    rng = np.random.default_rng(1)
    cases = [(-1, 1, 7), (0, 1, 11), (-3.3, 7.1, 1000), (0.5, -3.25, 13), (2, 2, 5)] + [
        (float(a), float(b), int(n)) for a, b, n in zip(rng.uniform(-10, 10, 40),
                                                       rng.uniform(-10, 10, 40),
                                                       rng.integers(2, 300, 40))]
    for a, b, n in cases:
        ours, theirs = both(lambda m, a=a, b=b, n=n: m.linspace(a, b, n, dtype=getattr(m, dtype)))
        assert ours.tolist() == theirs.tolist(), (a, b, n)
    assert tg.linspace(-1, 1, 7)[3].item() == torch.linspace(-1, 1, 7)[3].item() != 0


# ----------------------------------------------------------------------------------------
# split, chunk, flip
# ----------------------------------------------------------------------------------------
SPLIT = {
    "split(2)": ((5, 3), lambda a: a.split(2)),
    "split(1, dim=1)": ((2, 3), lambda a: a.split(1, dim=1)),
    "split([1, 3, 1])": ((5,), lambda a: a.split([1, 3, 1])),
    "split((2, 1), -1)": ((2, 3), lambda a: lib(a).split(a, (2, 1), -1)),
    "split(10)": ((4,), lambda a: a.split(10)),
    "split(split_size=3)": ((4,), lambda a: a.split(split_size=3)),
    "torch.split(split_size_or_sections=)": (
        (4,), lambda a: lib(a).split(a, split_size_or_sections=[3, 1])),
    "chunk(2)": ((5, 2), lambda a: a.chunk(2)),
    "chunk(3)": ((4,), lambda a: a.chunk(3)),
    "chunk(4)": ((5,), lambda a: lib(a).chunk(a, 4)),
    "chunk(2, dim=1)": ((2, 3), lambda a: a.chunk(2, dim=1)),
    "split_with_sizes": ((2, 4), lambda a: a.split_with_sizes([1, 3], 1)),
    "torch.split_with_sizes": ((4,), lambda a: lib(a).split_with_sizes(a, (3, 0, 1))),
    "tensor_split(3)": ((7, 2), lambda a: a.tensor_split(3)),
    "tensor_split(4, dim=1)": ((2, 6), lambda a: a.tensor_split(4, dim=1)),
    "tensor_split(8)": ((5,), lambda a: a.tensor_split(8)),
    "tensor_split(indices)": ((2, 6), lambda a: a.tensor_split([4, 1, 9, 3], 1)),
    "tensor_split(-2)": ((5,), lambda a: lib(a).tensor_split(a, (-2,))),
    "tensor_split(tensor 0-d)": ((6,), lambda a: a.tensor_split(lib(a).tensor(4))),
    "tensor_split(tensor 1-d)": ((2, 6), lambda a: lib(a).tensor_split(
        a, lib(a).tensor([2, 3]), dim=-1)),
    "hsplit(3)": ((2, 6), lambda a: a.hsplit(3)),
    "hsplit 1-d": ((6,), lambda a: lib(a).hsplit(a, [1, 4])),
    "vsplit(2)": ((4, 2), lambda a: lib(a).vsplit(a, 2)),
    "dsplit([1])": ((2, 1, 3), lambda a: a.dsplit([1])),
    "flip(0)": ((4,), lambda a: a.flip(0)),
    "flip(0, 1)": ((2, 3), lambda a: a.flip(0, 1)),
    "flip((-1,))": ((2, 3), lambda a: a.flip((-1,))),
    "torch.flip": ((2, 3), lambda a: lib(a).flip(a, [0])),
    "flip 0-d": ((), lambda a: a.flip(0)),
}


@pytest.mark.parametrize("name", SPLIT)
def test_split_chunk_flip(name, device):
    shape, fn = SPLIT[name]
    check(lambda a: tuple(p * (i + 1) for i, p in enumerate(
        fn(a) if isinstance(fn(a), tuple) else (fn(a),))), [shape], device=device,
        create_graph_second_order=True)

    def names(m):
        out = fn(m.ones(shape, requires_grad=True))
        out = out if isinstance(out, tuple) else (out,)
        return [(tuple(p.shape), grad_fn_name(p), p._is_view()) for p in out]

    ours, theirs = both(names)
    assert ours == theirs


def test_split_pieces_are_views_refused_in_place():
    def fn(m):
        a = m.arange(6.0).reshape(3, 2)
        p = a.split(2)[1]
        p[0, 0] = 10.0  # no grad: allowed, and seen through a
        b = m.ones(4, requires_grad=True) * 1
        q = b.chunk(2)[0]
        return a.tolist(), p._base is a, caught(lambda: q.mul_(2))

    ours, theirs = both(fn)
    assert ours[:2] == theirs[:2]
    assert ours[2][0] == theirs[2][0] and "returns multiple views" in ours[2][1]


@pytest.mark.parametrize("fn", [
    lambda m: m.tensor(1.0).split(1), lambda m: m.ones(4).split([1, 2]),
    lambda m: m.ones(4).split(0), lambda m: m.ones(4).split(-1), lambda m: m.ones(4).chunk(0),
    lambda m: m.tensor(1.0).chunk(1), lambda m: m.ones(2, 3).flip(0, 0),
    lambda m: m.ones(2, 3).flip(2), lambda m: m.ones(2).split(1, dim=1),
    lambda m: m.ones(2, 6).tensor_split(0), lambda m: m.ones(2, 6).tensor_split(-1),
    lambda m: m.tensor(1.0).tensor_split(2), lambda m: m.ones(2, 6).tensor_split(3, dim=2),
    lambda m: m.ones(6).tensor_split(m.tensor([1.0, 2.0])),
    lambda m: m.ones(6).tensor_split(m.tensor([[1, 2]])),
    lambda m: m.ones(6).tensor_split(2.5), lambda m: m.ones(6).tensor_split([1.5]),
    lambda m: m.tensor_split(m.ones(6), 2.5), lambda m: m.ones(2, 6).hsplit(4),
    lambda m: m.ones(2, 6).hsplit(0), lambda m: m.tensor(1.0).hsplit(2),
    lambda m: m.ones(3).vsplit(1), lambda m: m.ones(2, 6).dsplit(2),
    lambda m: m.ones(2, 6).hsplit(2.5), lambda m: m.hsplit(m.ones(2, 6), [1.5]),
    lambda m: m.ones(4).split_with_sizes([1, 2]),
])
def test_split_chunk_flip_errors(fn):
    same_error(fn)


def test_clamp_with_tensor_bounds_at_nan_and_ties(device):
    a = np.array([1.0, np.nan, 3.0, 2.0, -1.0])
    b = np.array([2.0, 2.0, np.nan, 2.0, np.nan])
    for fn in (lambda x, y: x.clamp_min(y), lambda x, y: x.clamp_max(y),
               lambda x, y: lib(x).clamp_min(y, x)):
        check(fn, [a, b], device=device)


# ----------------------------------------------------------------------------------------
# outer (a beginner's name: the gradient of x @ w is an outer product)
# ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("fn", [lambda a, b: lib(a).outer(a, b), lambda a, b: a.outer(b),
                                lambda a, b: lib(a).ger(a, b)], ids=["outer", "method", "ger"])
def test_outer(fn, device):
    check(fn, [(3,), (4,)], device=device)


def test_outer_graph_dtypes_and_errors():
    for m in (tg, torch):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        out = m.outer(x, m.tensor([3.0, 4.0, 5.0]))
        assert out.grad_fn.name() == "MulBackward0"
        assert out.grad_fn.next_functions[0][0].name() == "ViewBackward0"
    for a, b in [("float32", "float64"), ("int64", "float32"), ("int64", "int64")]:
        ours = tg.outer(tg.ones(2, dtype=getattr(tg, a)), tg.ones(3, dtype=getattr(tg, b)))
        theirs = torch.outer(torch.ones(2, dtype=getattr(torch, a)),
                             torch.ones(3, dtype=getattr(torch, b)))
        assert str(ours.dtype) == str(theirs.dtype)
    same_error(lambda m: m.outer(m.ones(2, 2), m.ones(3)))
    same_error(lambda m: m.outer(m.ones(2), m.ones(3, 1)))
    same_error(lambda m: m.outer(m.tensor(1.0), m.ones(3)))


# ----------------------------------------------------------------------------------------
# linalg.solve (Newton's method solves H p = g)
# ----------------------------------------------------------------------------------------
_WELL_POSED = np.array([[3.0, 1.0, -0.5], [0.4, 2.5, 0.3], [-0.2, 0.6, 4.0]])
SOLVE = {
    "vector": ([_WELL_POSED, (3,)], lambda a, b: lib(a).linalg.solve(a, b)),
    "matrix": ([_WELL_POSED, (3, 2)], lambda a, b: lib(a).linalg.solve(a, b)),
    "batch of vectors": ([np.stack([_WELL_POSED, _WELL_POSED.T]), (2, 3)],
                         lambda a, b: lib(a).linalg.solve(a, b)),
    "broadcast B": ([np.stack([_WELL_POSED, _WELL_POSED.T]), (3, 2)],
                    lambda a, b: lib(a).linalg.solve(a, b)),
    "left=False": ([_WELL_POSED, (2, 3)], lambda a, b: lib(a).linalg.solve(a, b, left=False)),
}


@pytest.mark.parametrize("name", SOLVE)
def test_linalg_solve(name, device):
    specs, fn = SOLVE[name]
    check(fn, specs, device=device, create_graph_second_order=True)


def test_linalg_solve_graph_and_errors():
    for m in (tg, torch):
        a = m.tensor(_WELL_POSED, requires_grad=True)
        assert m.linalg.solve(a, m.ones(3, dtype=m.float64)).grad_fn.name() == \
            "LinalgSolveExBackward0"
    same_error(lambda m: m.linalg.solve(m.ones(2, 3), m.ones(2)))
    same_error(lambda m: m.linalg.solve(m.ones(2, 2), m.ones(3)))
    same_error(lambda m: m.linalg.solve(m.ones(2, 2), m.ones(3, 1)))
    same_error(lambda m: m.linalg.solve(m.ones(2, 2, dtype=m.float64), m.ones(2)))
    same_error(lambda m: m.linalg.solve(m.ones(2, 2, dtype=m.int64), m.ones(2, dtype=m.int64)))
    same_error(lambda m: m.linalg.solve(m.ones(2), m.ones(2)))
    same_error(lambda m: m.linalg.solve(m.eye(2), m.ones(2, 3), left=False))
    same_error(lambda m: m.linalg.solve(m.zeros(2, 2), m.ones(2)))
    same_error(lambda m: m.linalg.solve(m.stack([m.eye(2), m.zeros(2, 2)]), m.ones(2, 2)))
    with pytest.raises(tg.linalg.LinAlgError):  # a RuntimeError, as torch's
        tg.linalg.solve(tg.zeros(2, 2), tg.ones(2))
    assert issubclass(tg.linalg.LinAlgError, RuntimeError)


def test_linalg_solve_checks_a_and_its_result_not_b():
    """The rule reads A and X: changing B in place afterwards is fine, changing A is not."""
    for m in (tg, torch):
        a = m.tensor(_WELL_POSED, requires_grad=True)
        b = m.ones(3, dtype=m.float64, requires_grad=True)
        b2 = b * 1
        x = m.linalg.solve(a * 1, b2)
        with m.no_grad():
            b2.add_(1)
        x.sum().backward()
    same_error(lambda m: _changed_a(m))


def _changed_a(m):
    a = m.tensor(_WELL_POSED, requires_grad=True) * 1
    x = m.linalg.solve(a, m.ones(3, dtype=m.float64))
    with m.no_grad():
        a.add_(1)
    x.sum().backward()
