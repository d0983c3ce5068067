"""Behaviours where tinygrad_lite used to differ from torch silently, each run on both
libraries: values, dtypes, shapes, requires_grad, gradients, and the type and message of
what is raised (messages compared for torch 2.13)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from helpers import check, lib, to_numpy

import tinygrad_lite as tg

torch = pytest.importorskip("torch")

SAME_TORCH = torch.__version__.startswith("2.13")
NAN = math.nan


def _builtin(kind: type) -> type:
    """The builtin exception class a user would catch (torch's own map to their base)."""
    return next(k for k in kind.__mro__ if k.__module__ == "builtins")


def describe(r: Any) -> Any:
    """What can be compared of a result: for a tensor its shape, dtype, requires_grad,
    whether it has a grad_fn, and its values (NaN as the string 'nan')."""
    if isinstance(r, (tg.Tensor, torch.Tensor)):
        values = to_numpy(r).tolist()
        values = np.where(np.isnan(values), "nan", values).tolist() if r.is_floating_point() \
            else values
        return (tuple(r.shape), repr(r.dtype), r.requires_grad, r.grad_fn is None, values)
    if isinstance(r, (tuple, list)):
        return type(r).__name__, [describe(v) for v in r]
    if isinstance(r, (tg.dtype, torch.dtype)):
        return repr(r)
    return r


def outcome(fn: Callable[[Any], Any], m: Any) -> Any:
    """``describe(fn(m))``, or the builtin type and message of what it raises."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return describe(fn(m))
    except Exception as e:  # noqa: BLE001 - what is raised is the outcome
        return "raised", _builtin(type(e)).__name__, str(e) if SAME_TORCH else ""


def same(fn: Callable[[Any], Any]) -> None:
    """``fn(tinygrad_lite)`` and ``fn(torch)`` give the same outcome."""
    assert outcome(fn, tg) == outcome(fn, torch)


def leaf(m: Any, values: Any = (1.0, 2.0), dtype: Any = None, **kw: Any) -> Any:
    return m.tensor(list(values) if isinstance(values, tuple) else values,
                    dtype=dtype or m.float64, requires_grad=True, **kw)


# ----------------------------------------------------------------------------------------
# backward(create_graph=True): leaves never share a .grad, a given gradient is not aliased
# ----------------------------------------------------------------------------------------
def shared_then_changed(m: Any) -> list:
    a, b = leaf(m), leaf(m, (3.0, 4.0))
    (a + b).backward(m.ones(2, dtype=m.float64), create_graph=True)
    alias = a.grad is b.grad
    with m.no_grad():
        a.grad.mul_(10)
    return [alias, a.grad, b.grad]


def scalar_sum_shared(m: Any) -> list:
    a, b = leaf(m, 1.0), leaf(m, 2.0)
    (a + b).backward(create_graph=True)
    alias = a.grad is b.grad
    with m.no_grad():
        a.grad.add_(1)
    return [alias, a.grad, b.grad]


def given_gradient_kept(m: Any, root: Callable[[Any], Any]) -> list:
    a, g = leaf(m), m.ones(2, dtype=m.float64)
    root(a).backward(g, create_graph=True)
    first_is_g = a.grad is g
    root(a).backward(g)  # accumulates into a.grad in place
    return [first_is_g, g, a.grad]


def given_gradient_kept_by_grad(m: Any) -> list:
    a, g = leaf(m), m.ones(2, dtype=m.float64)
    (gx,) = m.autograd.grad(a * 1, a, g, create_graph=True)
    a.backward(g, create_graph=True)
    a.backward(g)
    return [g, gx, a.grad]


ALIASING = {
    "a + b: two leaves, two tensors": shared_then_changed,
    "0-d a + b": scalar_sum_shared,
    "(a + 0).backward(g) twice": lambda m: given_gradient_kept(m, lambda a: a + 0),
    "(a * 1).backward(g) twice": lambda m: given_gradient_kept(m, lambda a: a * 1),
    "a.backward(g) twice (a leaf)": lambda m: given_gradient_kept(m, lambda a: a),
    "autograd.grad then backward": given_gradient_kept_by_grad,
}


@pytest.mark.parametrize("name", ALIASING)
def test_create_graph_gradients_are_not_shared(name):
    same(ALIASING[name])


def test_create_graph_gradient_that_requires_grad_is_copied():
    def f(m: Any) -> list:
        a, b = leaf(m), leaf(m, (3.0, 4.0))
        g = m.ones(2, dtype=m.float64, requires_grad=True)
        (a + b).backward(g, create_graph=True)
        return [a.grad is g, a.grad is b.grad, type(a.grad.grad_fn).__name__, a.grad, b.grad]

    same(f)


def test_zero_d_leaves_do_not_share_a_grad_the_one_deliberate_divergence():
    """torch 2.13 keeps the incoming gradient of a leaf without copying it when nothing else
    holds it; the two 0-d ``expand``s of SumBackward0 are views of one number, so ``a.grad``
    and ``b.grad`` share it, and a second backward adds into it twice: 3 where 2 is right.
    tinygrad_lite gives each leaf its own ``.grad`` and the right sum. (If this test fails
    on torch's side, torch changed: then match it.)"""
    def run(m: Any) -> tuple:
        a = m.tensor(1.0, requires_grad=True)
        b = m.tensor(2.0, requires_grad=True)
        loss = a.sum() + b.sum()
        loss.backward(retain_graph=True)
        loss.backward()
        return float(a.grad), float(b.grad)

    assert run(torch) == (3.0, 3.0)  # torch's aliasing
    assert run(tg) == (2.0, 2.0)  # d loss / da, accumulated twice


# ----------------------------------------------------------------------------------------
# A custom Function whose backward returns the wrong things
# ----------------------------------------------------------------------------------------
def two_inputs(m: Any, backward: Callable[[Any, Any], Any]) -> Any:
    class MyFn(m.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, g):
            return backward(m, g)

    return MyFn


def run_two(backward: Callable[[Any, Any], Any], y_requires_grad: bool = True,
            create_graph: bool = False) -> Callable[[Any], Any]:
    def f(m: Any) -> list:
        x = leaf(m)
        y = leaf(m, (3.0, 4.0)) if y_requires_grad else m.tensor([3.0, 4.0], dtype=m.float64)
        out = two_inputs(m, backward).apply(x, y).sum()
        if create_graph:
            return list(m.autograd.grad(out, [x, y] if y_requires_grad else [x],
                                        create_graph=True))
        out.backward()
        return [x.grad, y.grad]

    return f


def ones(m: Any, *shape: int, dtype: Any = None) -> Any:
    return m.ones(*shape, dtype=dtype or m.float64)


BACKWARDS = {
    "too few": (lambda m, g: g,),
    "too few, a tuple": (lambda m, g: (g,),),
    "too many": (lambda m, g: (g, g, g),),
    "too many, the extra ones None": (lambda m, g: (g, g, None),),
    "None for two inputs": (lambda m, g: None,),
    "(None, None)": (lambda m, g: (None, None),),
    "a list": (lambda m, g: [g, g],),
    "wrong shape at index 0": (lambda m, g: (ones(m, 3), g),),
    "wrong shape at index 1": (lambda m, g: (g, ones(m, 3)),),
    "[1] for [2] (the input's shape must broadcast to the gradient's)": (
        lambda m, g: (ones(m, 1), g),),
    "[3, 2] for [2]: summed": (lambda m, g: (ones(m, 3, 2), g),),
    "[2, 1] for [2]": (lambda m, g: (ones(m, 2, 1), g),),
    "0-d for [2]": (lambda m, g: (m.tensor(1.0, dtype=m.float64), g),),
    "a float": (lambda m, g: (1.0, g),),
    "a list of floats": (lambda m, g: ([1.0, 1.0], g),),
    "a string": (lambda m, g: ("a", g),),
    "a NumPy array": (lambda m, g: (np.ones(2), g),),
    "a NumPy scalar": (lambda m, g: (np.float64(1.0), g),),
    "float32 for float64: cast": (lambda m, g: (g.float(), g),),
    "int64: cast": (lambda m, g: (ones(m, 2, dtype=m.int64), g),),
    "a float for an input that needs no grad": (lambda m, g: (g, 1.0), False),
    "a wrong shape for an input that needs no grad: ignored": (
        lambda m, g: (g, ones(m, 3)), False),
    "too few, with create_graph": (lambda m, g: (g,), True, True),
    "right, with create_graph": (lambda m, g: (g * 2, g), True, True),
    "[3, 2] for [2], with create_graph": (lambda m, g: (ones(m, 3, 2), g), True, True),
    "wrong shape, with create_graph": (lambda m, g: (ones(m, 3), g), True, True),
    "float32, with create_graph": (lambda m, g: (g.float(), g), True, True),
}


@pytest.mark.parametrize("name", BACKWARDS)
def test_function_backward_returns(name):
    same(run_two(*BACKWARDS[name]))


def with_a_number(m: Any, backward: Callable[[Any, Any], Any]) -> list:
    class Scaled(m.autograd.Function):
        @staticmethod
        def forward(ctx, k, x, y):
            return x * y * k

        @staticmethod
        def backward(ctx, g):
            return backward(m, g)

    x, y = leaf(m), leaf(m, (3.0, 4.0))
    Scaled.apply(2.0, x, y).sum().backward()
    return [x.grad, y.grad]


NUMBER_ARGUMENT = {
    "None for the number": lambda m, g: (None, g, g),
    "a gradient for the number": lambda m, g: (1.0, g, g),
    "a tensor for the number": lambda m, g: (ones(m, 1), g, g),
    "too few": lambda m, g: (g, g),
    "a wrong shape after the number: index among tensors": lambda m, g: (None, g, ones(m, 3)),
    "a non-tensor after the number": lambda m, g: (None, g, 5),
}


@pytest.mark.parametrize("name", NUMBER_ARGUMENT)
def test_function_with_a_number_argument(name):
    same(lambda m: with_a_number(m, NUMBER_ARGUMENT[name]))


def test_function_gradient_of_another_class():
    class Foo:
        pass

    same(run_two(lambda m, g: (Foo(), g)))


# ----------------------------------------------------------------------------------------
# Integer and bool results never require grad
# ----------------------------------------------------------------------------------------
INTEGER_RESULTS = {
    "x.long()": lambda m, x: x.long(),
    "x.int()": lambda m, x: x.int(),
    "x.bool()": lambda m, x: x.bool(),
    "x.to(int64)": lambda m, x: x.to(m.int64),
    "x.to(bool)": lambda m, x: x.to(m.bool),
    "x.to(uint8)": lambda m, x: x.to(m.uint8),
    "x.to(int8)": lambda m, x: x.to(m.int8),
    "x.type(int32)": lambda m, x: x.type(m.int32),
    "x.to(x.long())": lambda m, x: x.to(x.long()),
    "x.long() * 2": lambda m, x: x.long() * 2,
    "x.long().float()": lambda m, x: x.long().float(),
    "x.int().max()": lambda m, x: x.int().max(),
    "x.bool().sum()": lambda m, x: x.bool().sum(),
    "x.long().clone()": lambda m, x: x.long().clone(),
    "x > 0": lambda m, x: x > 0,
    "x == x": lambda m, x: x == x,
    "x.argmax()": lambda m, x: x.argmax(),
    "x.argmin(0)": lambda m, x: x.argmin(0),
    "x.max(0)": lambda m, x: x.max(0),
    "x.sign() (float: recorded)": lambda m, x: x.sign(),
    "x.double() (float: recorded)": lambda m, x: x.double(),
    "x.to(float16) (float: recorded)": lambda m, x: x.to(m.float16),
    "x.sum(dtype=int64)": lambda m, x: x.sum(dtype=m.int64),
    "x.sum(0, dtype=int64)": lambda m, x: x.sum(0, dtype=m.int64),
    "x.sum(dtype=bool)": lambda m, x: x.sum(dtype=m.bool),
    "x.sum(dtype=int64) under no_grad": lambda m, x: _in_no_grad(m, lambda: x.sum(dtype=m.int64)),
    "x.sum(dtype=float64)": lambda m, x: x.sum(dtype=m.float64),
    "x.mean(dtype=int64)": lambda m, x: x.mean(dtype=m.int64),
    "x.mean(dtype=float64)": lambda m, x: x.mean(dtype=m.float64),
}


def _in_no_grad(m: Any, f: Callable[[], Any]) -> Any:
    with m.no_grad():
        return f()


@pytest.mark.parametrize("name", INTEGER_RESULTS)
def test_integer_results_do_not_require_grad(name):
    same(lambda m: INTEGER_RESULTS[name](m, m.tensor([1.5, -2.0, 3.0], requires_grad=True)))


# ----------------------------------------------------------------------------------------
# max and min over NaN
# ----------------------------------------------------------------------------------------
NAN_ARRAYS = {
    "[1, nan, 3]": [1.0, NAN, 3.0],
    "[nan, nan, 1]": [NAN, NAN, 1.0],
    "[3, 3, nan]": [3.0, 3.0, NAN],
    "[nan, 1, nan]": [NAN, 1.0, NAN],
    "[1, 2, 2] (no nan, a tie)": [1.0, 2.0, 2.0],
}
REDUCTIONS = {
    "max()": lambda a: a.max(),
    "min()": lambda a: a.min(),
    "max(0)": lambda a: a.max(0),
    "min(0)": lambda a: a.min(0),
    "argmax()": lambda a: a.argmax(),
    "argmin()": lambda a: a.argmin(),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("values", NAN_ARRAYS)
@pytest.mark.parametrize("name", REDUCTIONS)
def test_max_min_with_nan(name, values, dtype):
    check(REDUCTIONS[name], [np.array(NAN_ARRAYS[values], dtype=dtype)])


@pytest.mark.parametrize("name", ["max()", "min()"])
def test_max_min_with_nan_second_order(name):
    check(lambda a: REDUCTIONS[name](a) * a.sum(), [np.array([1.0, NAN, NAN, 2.0])],
          create_graph_second_order=True)


MATRIX = np.array([[1.0, NAN, 3.0], [4.0, 2.0, 6.0], [NAN, NAN, 0.0]])


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("which", ["max", "min"])
def test_max_min_along_a_dim_with_nan(which, dim):
    check(lambda a: getattr(a, which)(dim, keepdim=True), [MATRIX])


PAIRS = {
    "nan in each, and both": (np.array([1.0, NAN, NAN, 2.0, 3.0]),
                              np.array([NAN, 1.0, NAN, 2.0, 1.0])),
    "broadcast": (np.array([[1.0], [NAN]]), np.array([NAN, 0.0, 5.0])),
    "0-d float64 (the fast path)": (np.array(2.0), np.array(NAN)),
    "0-d float64, nan first": (np.array(NAN), np.array(2.0)),
    "0-d float64, a tie": (np.array(2.0), np.array(2.0)),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("pair", PAIRS)
@pytest.mark.parametrize("which", ["maximum", "minimum"])
def test_maximum_minimum_with_nan(which, pair, dtype):
    a, b = (x.astype(dtype) for x in PAIRS[pair])
    check(lambda x, y: getattr(lib(x), which)(x, y), [a, b],
          create_graph_second_order=dtype is np.float64)
    check(lambda x, y: lib(x).max(x, y), [a, b])


# ----------------------------------------------------------------------------------------
# Loss dtypes
# ----------------------------------------------------------------------------------------
X = np.array([0.3, 0.6, 0.2])
Y = np.array([0.0, 1.0, 0.5])
LOSSES = {
    "binary_cross_entropy_with_logits": lambda F, x, y, r: F.binary_cross_entropy_with_logits(
        x, y, reduction=r),
    "mse_loss": lambda F, x, y, r: F.mse_loss(x, y, reduction=r),
    "cross_entropy (probabilities)": lambda F, x, y, r: F.cross_entropy(x, y, reduction=r),
}
FLOAT_PAIRS = [(np.float64, np.float32), (np.float32, np.float64), (np.float32, np.float16)]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("dtypes", FLOAT_PAIRS, ids=lambda d: f"{d[0].__name__}-{d[1].__name__}")
@pytest.mark.parametrize("name", LOSSES)
def test_loss_of_mixed_float_dtypes(name, dtypes, reduction):
    dx, dy = dtypes  # float32 kernels differ from NumPy's by an ulp here and there
    tol = 1e-3 if np.float16 in dtypes else 1e-6
    check(lambda x, y: LOSSES[name](lib(x).nn.functional, x, y, reduction),
          [X.astype(dx), Y.astype(dy)], rtol=tol, atol=tol)


@pytest.mark.parametrize("dtypes", [(np.float64, np.float32, np.float64),
                                    (np.float32, np.float32, np.float64),
                                    (np.float64, np.float64, np.float32)],
                         ids=lambda d: "-".join(t.__name__ for t in d))
def test_loss_with_pos_weight_and_weight_of_other_dtypes(dtypes):
    dx, dy, dw = dtypes
    w, p = np.array([0.5, 2.0, 1.0], dtype=dw), np.array([1.7, 0.3, 1.0], dtype=dw)
    check(lambda x, y: lib(x).nn.functional.binary_cross_entropy_with_logits(
        x, y, weight=_like(x, w), pos_weight=_like(x, p)),
        [X.astype(dx), Y.astype(dy)], rtol=1e-6 if np.float32 in dtypes else None)


def _like(t: Any, a: np.ndarray) -> Any:
    """``a`` as a tensor of the library of ``t``."""
    return lib(t).tensor(a)


def loss_outcome(name: str, dx: Any, dy: Any, **kw: Any) -> Callable[[Any], Any]:
    """A loss of inputs of the given dtypes (names of dtypes, or None: the default)."""
    def f(m: Any) -> Any:
        F = m.nn.functional
        x = m.tensor([0.3, 0.6], dtype=getattr(m, dx), requires_grad=dx.startswith("float"))
        y = m.tensor([1, 0], dtype=getattr(m, dy))
        extra = {k: m.tensor(v[1], dtype=getattr(m, v[0])) for k, v in kw.items()}
        out = getattr(F, name)(x, y, **extra)
        return out.dtype, out.requires_grad

    return f


LOSS_ERRORS = {
    "bcewl, int64 target": ("binary_cross_entropy_with_logits", "float64", "int64"),
    "bcewl, int32 target, float32 input": ("binary_cross_entropy_with_logits", "float32",
                                          "int32"),
    "bcewl, bool target": ("binary_cross_entropy_with_logits", "float32", "bool"),
    "bcewl, int64 input": ("binary_cross_entropy_with_logits", "int64", "float32"),
    "bcewl, bool input": ("binary_cross_entropy_with_logits", "bool", "float32"),
    "bcewl, int target and a weight": ("binary_cross_entropy_with_logits", "float32", "int64"),
    "bce, float32 target for float64": ("binary_cross_entropy", "float64", "float32"),
    "bce, float64 target for float32": ("binary_cross_entropy", "float32", "float64"),
    "bce, float16 target for float32": ("binary_cross_entropy", "float32", "float16"),
    "bce, int64 target": ("binary_cross_entropy", "float32", "int64"),
    "bce, bool target": ("binary_cross_entropy", "float32", "bool"),
    "bce, int64 both": ("binary_cross_entropy", "int64", "int64"),
    "bce, int32 both": ("binary_cross_entropy", "int32", "int32"),
    "bce, bool both": ("binary_cross_entropy", "bool", "bool"),
    "bce, same dtype": ("binary_cross_entropy", "float32", "float32"),
    "mse, float32 input, int64 target": ("mse_loss", "float32", "int64"),
    "mse, float64 input, bool target": ("mse_loss", "float64", "bool"),
    "mse, int64 input, float32 target": ("mse_loss", "int64", "float32"),
    "mse, int64 input, float64 target": ("mse_loss", "int64", "float64"),
    "mse, int64 both": ("mse_loss", "int64", "int64"),
    "mse, int32 both": ("mse_loss", "int32", "int32"),
    "mse, bool both": ("mse_loss", "bool", "bool"),
}


@pytest.mark.parametrize("name", LOSS_ERRORS)
def test_loss_dtype_errors(name):
    same(loss_outcome(*LOSS_ERRORS[name]))


def weighted(name: str, dx: str, dw: str, **kw: Any) -> Callable[[Any], Any]:
    def f(m: Any) -> Any:
        F = m.nn.functional
        x = m.tensor([[0.1, 0.2, 0.7], [0.3, 0.3, 0.4]], dtype=getattr(m, dx),
                     requires_grad=dx.startswith("float"))
        t = m.tensor([2, 0])
        w = m.tensor([0.5, 1.0, 2.0], dtype=getattr(m, dw))
        out = getattr(F, name)(x, t, weight=w, **kw)
        out.backward()
        return out, x.grad

    return f


WEIGHTS = {
    "nll_loss, float32 weight for float64": ("nll_loss", "float64", "float32"),
    "nll_loss, float64 weight for float32": ("nll_loss", "float32", "float64"),
    "nll_loss, int64 weight": ("nll_loss", "float64", "int64"),
    "nll_loss, same dtype": ("nll_loss", "float64", "float64"),
    "nll_loss, int64 input": ("nll_loss", "int64", "float32"),
    "cross_entropy, float32 weight for float64": ("cross_entropy", "float64", "float32"),
    "cross_entropy, float64 weight for float32": ("cross_entropy", "float32", "float64"),
    "cross_entropy, smoothing, float64 weight for float32": ("cross_entropy", "float32",
                                                             "float64"),
}


@pytest.mark.parametrize("name", WEIGHTS)
def test_class_weight_dtype(name):
    kw = {"label_smoothing": 0.1} if "smoothing" in name else {}
    same(weighted(*WEIGHTS[name], **kw))


def test_nll_loss_errors_in_torch_order():
    F = {m: m.nn.functional for m in (tg, torch)}
    lp = {m: m.tensor([[0.1, 0.2, 0.7], [0.3, 0.3, 0.4]], dtype=m.float64) for m in F}
    same(lambda m: F[m].nll_loss(lp[m], m.tensor([0, 5]), weight=m.ones(3)))  # dtype first
    same(lambda m: F[m].nll_loss(lp[m], m.tensor([0, 1]), weight=m.ones(2)))  # size first
    same(lambda m: F[m].nll_loss(m.ones(1, 2, 1, 1, dtype=m.int64), m.zeros(1, 1, 1,
                                                                            dtype=m.int64)))
    same(lambda m: F[m].nll_loss(lp[m].reshape(2, 3, 1, 1), m.tensor([[[1]], [[0]]]),
                                 weight=m.ones(3)))


def test_binary_cross_entropy_errors_in_torch_order():
    def bce(x: list, y: list, **kw: Any) -> Callable[[Any], Any]:
        return lambda m: m.nn.functional.binary_cross_entropy(
            m.tensor(x, dtype=m.float64), m.tensor(y), **kw)

    same(bce([0.3, 0.6], [0.5, 0.5, 0.5]))  # the size first
    same(bce([0.3, 0.6], [0.5, 1.5]))  # the dtype before the values
    same(bce([0.3, 1.6], [0.5, 0.5]))


def test_binary_cross_entropy_weight_of_another_dtype():
    check(lambda x, y: lib(x).nn.functional.binary_cross_entropy(
        x, y, weight=_like(x, np.array([0.1, 0.7, 2.0]))),
        [X.astype(np.float32), Y.astype(np.float32)])


# ----------------------------------------------------------------------------------------
# Integer tensors from Python ints out of range
# ----------------------------------------------------------------------------------------
CREATIONS = {
    "[2**63]": lambda m: m.tensor([2**63]),
    "2**63": lambda m: m.tensor(2**63),
    "2**64": lambda m: m.tensor(2**64),
    "-2**63 (fits)": lambda m: m.tensor(-2**63),
    "[2**63 - 1] (fits)": lambda m: m.tensor([2**63 - 1]),
    "-2**63 - 1": lambda m: m.tensor(-2**63 - 1),
    "[1, 2**70]": lambda m: m.tensor([1, 2**70]),
    "[[1], [2**70]]": lambda m: m.tensor([[1], [2**70]]),
    "[True, 2**64]": lambda m: m.tensor([True, 2**64]),
    "[1.5, 2**70] (a float: float32)": lambda m: m.tensor([1.5, 2**70]),
    "[2**70, 1.5]": lambda m: m.tensor([2**70, 1.5]),
    "[10**400]": lambda m: m.tensor([10**400]),
    "[1.5, 10**400]": lambda m: m.tensor([1.5, 10**400]),
    "[10**400], float64": lambda m: m.tensor([10**400], dtype=m.float64),
    "[2**64], float32": lambda m: m.tensor([2**64], dtype=m.float32),
    "[2**63, 1], float64": lambda m: m.tensor([2**63, 1], dtype=m.float64),
    "2**63, bool": lambda m: m.tensor(2**63, dtype=m.bool),
    "2**64, bool": lambda m: m.tensor([2**64, 0], dtype=m.bool),
    "2**63, int64": lambda m: m.tensor(2**63, dtype=m.int64),
    "2**63, uint8": lambda m: m.tensor(2**63, dtype=m.uint8),
    "2**40, int32": lambda m: m.tensor(2**40, dtype=m.int32),
    "[2**40], int32": lambda m: m.tensor([2**40], dtype=m.int32),
    "2**31, int32": lambda m: m.tensor(2**31, dtype=m.int32),
    "-2**31, int32 (fits)": lambda m: m.tensor(-2**31, dtype=m.int32),
    "70000, int16": lambda m: m.tensor([1, 70000], dtype=m.int16),
    "300, int8": lambda m: m.tensor(300, dtype=m.int8),
    "-129, int8": lambda m: m.tensor(-129, dtype=m.int8),
    "300, uint8": lambda m: m.tensor(300, dtype=m.uint8),
    "-1, uint8 (wraps)": lambda m: m.tensor([-1, -255], dtype=m.uint8),
    "-256, uint8": lambda m: m.tensor(-256, dtype=m.uint8),
    "[True, 2**20], int16": lambda m: m.tensor([True, 2**20], dtype=m.int16),
    "1e10, int32": lambda m: m.tensor(1e10, dtype=m.int32),
    "1e20, int64": lambda m: m.tensor(1e20, dtype=m.int64),
    "[1.0, 2.0**63], int64 (wraps)": lambda m: m.tensor([1.0, 2.0**63], dtype=m.int64),
    "-2.0**63, int64 (fits)": lambda m: m.tensor([-2.0**63], dtype=m.int64),
    "2**31 - 0.5, int32": lambda m: m.tensor([2**31 - 0.5], dtype=m.int32),
    "-2**31 - 0.5, int32": lambda m: m.tensor([-2**31 - 0.5], dtype=m.int32),
    "nan, int64": lambda m: m.tensor(NAN, dtype=m.int64),
    "inf, int32": lambda m: m.tensor([math.inf], dtype=m.int32),
    "-1.5, uint8": lambda m: m.tensor(-1.5, dtype=m.uint8),
    "1.7, int32 (truncates)": lambda m: m.tensor([1.7, -1.7], dtype=m.int32),
    "1e40, float32 (inf)": lambda m: m.tensor(1e40, dtype=m.float32),
    "1e40, float16 (inf)": lambda m: m.tensor(1e40, dtype=m.float16),
    "[1.5, 2**70], int64": lambda m: m.tensor([1.5, 2**70], dtype=m.int64),
    "[1e20, 2**70], int64 (the first one raises)": lambda m: m.tensor([1e20, 2**70],
                                                                      dtype=m.int64),
    "np.int64 in a list, int32": lambda m: m.tensor([np.int64(2**40)], dtype=m.int32),
    "as_tensor([2**63])": lambda m: m.as_tensor([2**63]),
    "as_tensor([2**40], int32)": lambda m: m.as_tensor([2**40], dtype=m.int32),
    "NumPy array, int32 (wraps: no check)": lambda m: m.tensor(np.array([2**40]),
                                                               dtype=m.int32),
    "Tensor([2**63]) (float32)": lambda m: m.Tensor([2**63]),
    "requires_grad=1": lambda m: m.tensor([1.0], requires_grad=1),
    "requires_grad=None": lambda m: m.tensor([1.0], requires_grad=None),
}


@pytest.mark.parametrize("name", CREATIONS)
def test_tensor_from_python_numbers(name):
    same(CREATIONS[name])


# ----------------------------------------------------------------------------------------
# keepdim without dim, negative steps
# ----------------------------------------------------------------------------------------
def matrix(m: Any) -> Any:
    return m.tensor([[1.0, 5.0, 3.0], [4.0, 6.0, 6.0]], dtype=m.float64, requires_grad=True)


SHAPES = {
    "argmax(keepdim=True)": lambda m: matrix(m).argmax(keepdim=True),
    "argmin(keepdim=True)": lambda m: matrix(m).argmin(keepdim=True),
    "argmax(dim=None, keepdim=True)": lambda m: matrix(m).argmax(dim=None, keepdim=True),
    "torch.argmax(t, keepdim=True)": lambda m: m.argmax(matrix(m), keepdim=True),
    "int argmax(keepdim=True)": lambda m: m.tensor([[1, 2]]).argmax(keepdim=True),
    "0-d argmax(keepdim=True)": lambda m: m.tensor(3.0).argmax(keepdim=True),
    "empty argmax()": lambda m: m.zeros(0).argmax(),
    "empty argmax(keepdim=True)": lambda m: m.zeros(0).argmax(keepdim=True),
    "argmax(0) of an empty dim": lambda m: m.zeros(0, 3).argmax(0),
    "argmin(1) of [0, 3]": lambda m: m.zeros(0, 3).argmin(1),
    "sum(keepdim=True)": lambda m: matrix(m).sum(keepdim=True),
    "sum(keepdim=True, dtype=...)": lambda m: matrix(m).sum(keepdim=True, dtype=m.float64),
    "mean(keepdim=True)": lambda m: matrix(m).mean(keepdim=True),
    "max(keepdim=True)": lambda m: matrix(m).max(keepdim=True),
    "min(keepdim=True)": lambda m: matrix(m).min(keepdim=True),
    "0-d sum(keepdim=True)": lambda m: m.tensor(3.0).sum(keepdim=True),
    "int sum(keepdim=True)": lambda m: m.tensor([[1, 2]]).sum(keepdim=True),
    "torch.sum(t, keepdim=True)": lambda m: m.sum(matrix(m), keepdim=True),
    "torch.mean(t, keepdim=True)": lambda m: m.mean(matrix(m), keepdim=True),
    "torch.max(t, keepdim=True)": lambda m: m.max(matrix(m), keepdim=True),
    "torch.min(t, keepdim=True)": lambda m: m.min(matrix(m), keepdim=True),
    "min(dim=None, keepdim=True)": lambda m: matrix(m).min(dim=None, keepdim=True),
    "sum(dim=None, keepdim=True)": lambda m: matrix(m).sum(dim=None, keepdim=True),
    "mean(dim=None, keepdim=True)": lambda m: matrix(m).mean(dim=None, keepdim=True),
    "sum(dim=(), keepdim=True)": lambda m: matrix(m).sum(dim=(), keepdim=True),
    "torch.sum(t, dim=None, keepdim=True)": lambda m: m.sum(matrix(m), dim=None, keepdim=True),
    "max()": lambda m: matrix(m).max(),
    "sum()": lambda m: matrix(m).sum(),
}


@pytest.mark.parametrize("name", SHAPES)
def test_keepdim_without_dim(name):
    same(SHAPES[name])


INDICES = {
    "t[::-1]": lambda t: t[::-1],
    "t[::-2]": lambda t: t[::-2],
    "t[:, ::-1]": lambda t: t[:, ::-1],
    "t[0, ::-1]": lambda t: t[0, ::-1],
    "t[..., ::-1]": lambda t: t[..., ::-1],
    "t[-1:0:-1]": lambda t: t[-1:0:-1],
    "t[[0, 1], ::-1]": lambda t: t[[0, 1], ::-1],
    "t[::-1, 0]": lambda t: t[::-1, 0],
    "t[None, ::-1]": lambda t: t[None, ::-1],
    "t[::0]": lambda t: t[::0],
    "t[:, ::0]": lambda t: t[:, ::0],
    "t[::np.int64(-1)]": lambda t: t[::np.int64(-1)],
    "t[::1.5]": lambda t: t[::1.5],
    "t[::True] (a step of 1)": lambda t: t[::True],
    "t[::2]": lambda t: t[::2],
    "t[3:1] (empty)": lambda t: t[3:1],
    "0-d t[::-1]": lambda t: t.sum()[::-1],
}


@pytest.mark.parametrize("name", INDICES)
def test_slice_steps(name):
    same(lambda m: INDICES[name](matrix(m)))


@pytest.mark.parametrize("step", [-1, 0])
def test_slice_steps_in_assignment(step):
    def f(m: Any) -> Any:
        t = m.zeros(3)
        t[::step] = 1.0

    same(f)


def test_slice_step_of_a_tensor():
    same(lambda m: matrix(m)[::m.tensor(-1)])


# ----------------------------------------------------------------------------------------
# Assigning .grad, .data and .requires_grad
# ----------------------------------------------------------------------------------------
def assign(attr: str, value: Callable[[Any], Any],
           target: Callable[[Any], Any] = lambda m: m.zeros(2, 3, requires_grad=True)
           ) -> Callable[[Any], Any]:
    def f(m: Any) -> Any:
        t = target(m)
        setattr(t, attr, value(m))
        return getattr(t, attr)

    return f


ASSIGNMENTS = {
    "grad of a wrong shape": assign("grad", lambda m: m.zeros(3, 2)),
    "grad of a broadcastable shape": assign("grad", lambda m: m.zeros(1, 3)),
    "0-d grad": assign("grad", lambda m: m.tensor(1.0)),
    "float64 grad for float32": assign("grad", lambda m: m.zeros(2, 3, dtype=m.float64)),
    "int64 grad": assign("grad", lambda m: m.zeros(2, 3, dtype=m.int64)),
    "bool grad": assign("grad", lambda m: m.zeros(2, 3, dtype=m.bool)),
    "float16 grad": assign("grad", lambda m: m.zeros(2, 3, dtype=m.float16)),
    "dtype and shape wrong: the dtype first": assign("grad", lambda m: m.zeros(3,
                                                                               dtype=m.float64)),
    "a list as grad": assign("grad", lambda m: [[0.0] * 3] * 2),
    "a float as grad": assign("grad", lambda m: 1.0),
    "a NumPy array as grad": assign("grad", lambda m: np.zeros((2, 3), dtype=np.float32)),
    "a string as grad": assign("grad", lambda m: "a"),
    "None as grad": assign("grad", lambda m: None),
    "a right grad": assign("grad", lambda m: m.ones(2, 3)),
    "a right grad that requires grad": assign("grad", lambda m: m.ones(2, 3,
                                                                       requires_grad=True)),
    "int grad of an int tensor": assign("grad", lambda m: m.ones(2, dtype=m.int64),
                                        lambda m: m.zeros(2, dtype=m.int64)),
    "float grad of an int tensor": assign("grad", lambda m: m.ones(2),
                                          lambda m: m.zeros(2, dtype=m.int64)),
    "wrong shape, a non-leaf": assign("grad", lambda m: m.zeros(3),
                                      lambda m: m.zeros(2, 3, requires_grad=True) * 2),
    "wrong shape, no requires_grad": assign("grad", lambda m: m.zeros(3),
                                            lambda m: m.zeros(2, 3)),
    "data = a list": assign("data", lambda m: [1.0, 2.0]),
    "data = a float": assign("data", lambda m: 1.0),
    "data = a NumPy array": assign("data", lambda m: np.zeros(2)),
    "data = None": assign("data", lambda m: None),
    "data = another shape": assign("data", lambda m: m.ones(4)),
    "data = another float dtype": assign("data", lambda m: m.ones(2, dtype=m.float64)),
    "data = an int tensor, requires grad": assign("data", lambda m: m.ones(2, dtype=m.int64)),
    "data = an int tensor, no grad": assign("data", lambda m: m.ones(2, dtype=m.int64),
                                            lambda m: m.zeros(2)),
    "requires_grad = 1": assign("requires_grad", lambda m: 1),
    "requires_grad = 0": assign("requires_grad", lambda m: 0),
    "requires_grad = None": assign("requires_grad", lambda m: None),
    "requires_grad = 'a'": assign("requires_grad", lambda m: "a"),
    "requires_grad = np.bool_": assign("requires_grad", lambda m: np.bool_(True)),
    "requires_grad = a tensor": assign("requires_grad", lambda m: m.tensor(True)),
    "requires_grad = 1, an int tensor": assign("requires_grad", lambda m: 1,
                                               lambda m: m.zeros(2, dtype=m.int64)),
    "requires_grad = 1, a non-leaf": assign("requires_grad", lambda m: 1,
                                            lambda m: m.zeros(2, requires_grad=True) * 2),
    "requires_grad = False, a non-leaf": assign("requires_grad", lambda m: False,
                                                lambda m: m.zeros(2, requires_grad=True) * 2),
    "requires_grad = True": assign("requires_grad", lambda m: True, lambda m: m.zeros(2)),
}


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_assignments(name):
    same(ASSIGNMENTS[name])


@pytest.mark.parametrize("value", [1, "a", None, True, False])
def test_requires_grad_method_takes_a_bool(value):
    same(lambda m: m.zeros(2).requires_grad_(value).requires_grad)


def test_grad_cannot_be_the_tensor_itself():
    def f(m: Any) -> None:
        t = m.zeros(2, requires_grad=True)
        t.grad = t

    same(f)


def test_deleting_attributes():
    def delete(attr: str) -> Callable[[Any], Any]:
        def f(m: Any) -> Any:
            t = m.ones(2, requires_grad=True)
            t.sum().backward()
            delattr(t, attr)
            return t.grad

        return f

    for attr in ("grad", "data", "requires_grad"):
        same(delete(attr))
