"""The tensor operations of issue 10 compared with torch: values, dtypes, grad_fn names,
errors, and float64 gradients (second derivatives where the rule is differentiable), on
0-d, vector and matrix inputs (see helpers.check)."""

from __future__ import annotations

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
