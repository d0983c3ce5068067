"""``tinygrad_lite.func`` against ``torch.func``: every transform, its nesting, its errors.

Each case is one function of the library (``L``, tinygrad_lite or torch) run on both; the
results (nested tuples, lists and dicts of tensors) are compared value by value, with
shape, dtype and ``requires_grad`` (float64: rtol 1e-10, atol 1e-12).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from helpers import assert_same_values, caught

import tinygrad_lite as tg

torch = pytest.importorskip("torch")

RTOL, ATOL = 1e-10, 1e-12
rng = np.random.default_rng(11)
X = rng.uniform(-1.5, 1.5, 3)
Y = rng.uniform(-1.5, 1.5, (2, 3))
B = rng.uniform(-1.5, 1.5, (4, 3))  # a batch of 4 examples of 3 features
W = rng.uniform(-1.0, 1.0, (2, 3))
V = rng.uniform(-1.0, 1.0, 2)


def t(L: Any, a: np.ndarray, rg: bool = False) -> Any:
    """A float64 tensor of ``L`` holding a copy of ``a``."""
    return L.tensor(np.array(a), dtype=L.float64, requires_grad=rg)


def same(ours: Any, theirs: Any, what: str = "result", graph: bool = True) -> None:
    """The same nest (tuple, list, dict) of the same tensors, ``requires_grad`` included
    (unless ``graph`` is False)."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, tg.Tensor), f"{what}: {type(ours)}"
        assert_same_values(ours, theirs, RTOL, ATOL, what)
        if graph:
            assert ours.requires_grad == theirs.requires_grad, f"{what}: requires_grad"
    elif isinstance(theirs, (tuple, list)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs), f"{what}: {ours!r}"
        for i, (a, b) in enumerate(zip(ours, theirs)):
            same(a, b, f"{what}[{i}]", graph)
    elif isinstance(theirs, dict):
        assert isinstance(ours, dict) and list(ours) == list(theirs), f"{what}: keys"
        for k in theirs:
            same(ours[k], theirs[k], f"{what}[{k!r}]", graph)
    else:
        assert ours == theirs, what


def check(fn: Any, graph: bool = True) -> None:
    """``fn(L)`` gives the same for tinygrad_lite as for torch."""
    same(fn(tg), fn(torch), graph=graph)


def same_error(fn: Any) -> None:
    """``fn(L)`` raises the same exception type and message in both libraries."""
    theirs = caught(lambda: fn(torch))
    assert theirs is not None, "torch raised nothing: the test case is wrong"
    assert caught(lambda: fn(tg)) == theirs


def f1(x: Any) -> Any:
    return (x.sin() * x).sum()


def f2(x: Any, y: Any) -> Any:
    return (x.exp() * y).sum() + (x * x).sum() * y.sum()


def mlp(w: Any, b: Any, x: Any) -> Any:
    """A one-layer network's squared output, summed: a small MLP-like scalar function."""
    return ((x @ w.t() + b).tanh() ** 2).sum()


# ----------------------------------------------------------------------------------------
# grad, grad_and_value
# ----------------------------------------------------------------------------------------
GRAD_CASES = {
    "one input": lambda L: L.func.grad(f1)(t(L, X)),
    "0-d input": lambda L: L.func.grad(lambda x: x.sin() * x)(t(L, X[0])),
    "argnums=1": lambda L: L.func.grad(f2, argnums=1)(t(L, X), t(L, X[::-1])),
    "argnums=-2": lambda L: L.func.grad(f2, argnums=-2)(t(L, X), t(L, X[::-1])),
    "argnums=(0, 1)": lambda L: L.func.grad(f2, argnums=(0, 1))(t(L, X), t(L, X[::-1])),
    "argnums=(1, 0)": lambda L: L.func.grad(f2, argnums=(1, 0))(t(L, X), t(L, X[::-1])),
    "has_aux": lambda L: L.func.grad(lambda x: (f1(x), {"s": x.sin()}), has_aux=True)(t(L, X)),
    "dict input": lambda L: L.func.grad(lambda p: (p["w"] * p["b"]).sum())(
        {"w": t(L, X), "b": t(L, X[::-1])}),
    "tuple input": lambda L: L.func.grad(lambda p: (p[0] * p[1].exp()).sum())(
        (t(L, X), t(L, X[::-1]))),
    "unused input": lambda L: L.func.grad(lambda x, y: (y * 2).sum())(t(L, X), t(L, X)),
    "constant output": lambda L: L.func.grad(lambda x: L.ones((), dtype=L.float64))(t(L, X)),
    "kwargs": lambda L: L.func.grad(lambda x, scale=1.0: (x * scale).sin().sum())(
        t(L, X), scale=3.0),
    "mlp, argnums=(0, 1)": lambda L: L.func.grad(mlp, argnums=(0, 1))(
        t(L, W), t(L, V), t(L, B)),
    "grad_and_value": lambda L: L.func.grad_and_value(f1)(t(L, X)),
    "grad_and_value, has_aux": lambda L: L.func.grad_and_value(
        lambda x: (f1(x), x.cos()), has_aux=True)(t(L, X)),
    "grad_and_value, argnums=(0, 1)": lambda L: L.func.grad_and_value(f2, argnums=(0, 1))(
        t(L, X), t(L, X[::-1])),
}


@pytest.mark.parametrize("name", GRAD_CASES)
def test_grad(name: str) -> None:
    check(GRAD_CASES[name])


def test_grad_of_an_input_that_requires_grad_leaves_grad_alone() -> None:
    """torch.func never fills ``.grad``; the result can still be differentiated by the
    caller (here: a second derivative through ``backward``)."""
    def run(L: Any) -> tuple:
        x = t(L, X, rg=True)
        g = L.func.grad(f1)(x)
        untouched = x.grad is None
        g.sum().backward()
        return g.detach(), untouched, x.grad

    check(run)


def test_grad_of_a_function_capturing_a_parameter() -> None:
    """A tensor captured by the function keeps the result attached to the caller's graph."""
    def run(L: Any) -> tuple:
        w = t(L, W[0], rg=True)
        g = L.func.grad(lambda x: (x.sin() * w).sum())(t(L, X))
        (g * g).sum().backward()
        return g, w.grad

    check(run)


def test_grad_under_no_grad() -> None:
    """An outer no_grad does not stop the transform, but its result has no graph."""
    def run(L: Any) -> Any:
        x = t(L, X, rg=True)
        with L.no_grad():
            return L.func.grad(lambda x: (x**3).sum())(x)

    check(run)


def test_grad_of_grad_of_grad() -> None:
    check(lambda L: [L.func.grad(L.func.grad(L.func.grad(lambda x: x.sin() * x.exp())))(
        t(L, X[i])) for i in range(3)])


def test_grad_leaves_an_argument_it_does_not_differentiate_alone() -> None:
    """The gradient is with respect to the argument only, not to the same tensor captured
    by the function (torch.func makes new tensors for the arguments)."""
    def run(L: Any) -> Any:
        x = t(L, X, rg=True)
        return L.func.grad(lambda y: (y * x).sum())(x)

    check(run)


# ----------------------------------------------------------------------------------------
# vjp, jvp
# ----------------------------------------------------------------------------------------
def _vjp_twice(L: Any) -> tuple:
    out, fn = L.func.vjp(lambda x, y: (x.sin() * y, x.exp().sum()), t(L, X), t(L, X[::-1]))
    first = fn((t(L, X * 0 + 1), t(L, 2.0)))
    return out, first, fn((t(L, X), t(L, -1.0)))


VJP_CASES = {
    "one output": lambda L: (lambda o, fn: (o, fn(t(L, X[::-1]))))(
        *L.func.vjp(lambda x: x.sin() * x, t(L, X))),
    "two primals, two outputs, called twice": _vjp_twice,
    "has_aux": lambda L: (lambda o, fn, aux: (o, fn(t(L, X)), aux))(
        *L.func.vjp(lambda x: (x.exp(), x.cos()), t(L, X), has_aux=True)),
    "dict output": lambda L: (lambda o, fn: (o, fn({"a": t(L, Y)})))(
        *L.func.vjp(lambda x: {"a": x.tanh() * 2}, t(L, Y))),
    "input requires grad": lambda L: (lambda o, fn: (o, fn(t(L, X))))(
        *L.func.vjp(lambda x: x.sin(), t(L, X, rg=True))),
    "linear, input requires grad": lambda L: (lambda o, fn: (o, fn(t(L, X))))(
        *L.func.vjp(lambda x: x * 2, t(L, X, rg=True))),
    "jvp": lambda L: L.func.jvp(lambda x: x.sin() * x, (t(L, X),), (t(L, X[::-1]),)),
    "jvp, two primals": lambda L: L.func.jvp(f2, (t(L, X), t(L, X[::-1])),
                                             (t(L, X * 0 + 1), t(L, X))),
    "jvp, two outputs": lambda L: L.func.jvp(lambda x: (x.exp(), x.sum() * x), (t(L, Y),),
                                             (t(L, Y[::-1]),)),
    "jvp, has_aux": lambda L: L.func.jvp(lambda x: (x.exp(), x.cos()), (t(L, X),),
                                         (t(L, X),), has_aux=True),
    "jvp, input requires grad": lambda L: L.func.jvp(lambda x: x.sin(), (t(L, X, rg=True),),
                                                     (t(L, X),)),
    "jvp, output independent of input": lambda L: L.func.jvp(
        lambda x, y: y * 2, (t(L, X), t(L, X)), (t(L, X), t(L, X))),
}


@pytest.mark.parametrize("name", VJP_CASES)
def test_vjp_jvp(name: str) -> None:
    check(VJP_CASES[name])


# ----------------------------------------------------------------------------------------
# jacrev, jacfwd, hessian
# ----------------------------------------------------------------------------------------
JAC_CASES = {
    "vector to vector": lambda L, jac: jac(lambda x: x.sin() * x.sum())(t(L, X)),
    "matrix to vector": lambda L, jac: jac(lambda x: x.exp().sum(1))(t(L, Y)),
    "vector to 0-d": lambda L, jac: jac(f1)(t(L, X)),
    "0-d to matrix": lambda L, jac: jac(lambda x: x * t(L, Y))(t(L, X[0])),
    "argnums=1": lambda L, jac: jac(f2, argnums=1)(t(L, X), t(L, X[::-1])),
    "argnums=(0, 1)": lambda L, jac: jac(lambda x, y: x * y.exp(), argnums=(0, 1))(
        t(L, X), t(L, X[::-1])),
    "two outputs, argnums=(0, 1)": lambda L, jac: jac(
        lambda x, y: (x.sin(), (x * y).sum()), argnums=(0, 1))(t(L, X), t(L, X[::-1])),
    "dict output": lambda L, jac: jac(lambda x: {"a": x.cos(), "b": x[:2] * 3})(t(L, X)),
    "has_aux": lambda L, jac: jac(lambda x: (x.sin(), x.cos()), has_aux=True)(t(L, X)),
    "input requires grad": lambda L, jac: jac(lambda x: x.sin())(t(L, X, rg=True)),
    "linear, input requires grad": lambda L, jac: jac(lambda x: x * 2)(t(L, X, rg=True)),
    "unused input": lambda L, jac: jac(lambda x, y: y * 2, argnums=(0, 1))(
        t(L, X), t(L, X)),
}


@pytest.mark.parametrize("mode", ["jacrev", "jacfwd"])
@pytest.mark.parametrize("name", JAC_CASES)
def test_jacobian(name: str, mode: str) -> None:
    # torch's forward-mode formulas multiply by zero tangents (mul: t_a * b + a * t_b), so
    # the Jacobian of x * 2 at an x that requires grad requires grad there; ours does not.
    graph = not (mode == "jacfwd" and name == "linear, input requires grad")
    check(lambda L: JAC_CASES[name](L, getattr(L.func, mode)), graph)


HESSIAN_CASES = {
    "vector": lambda L: L.func.hessian(f1)(t(L, X)),
    "mlp, argnums=(0, 1)": lambda L: L.func.hessian(mlp, argnums=(0, 1))(
        t(L, W), t(L, V), t(L, B)),
    "mlp, weights": lambda L: L.func.hessian(mlp)(t(L, W), t(L, V), t(L, B)),
    "vector output": lambda L: L.func.hessian(lambda x: x.sin() * x.prod())(t(L, X)),
    "jacrev(jacfwd)": lambda L: L.func.jacrev(L.func.jacfwd(f1))(t(L, X)),
    "jacfwd(jacfwd)": lambda L: L.func.jacfwd(L.func.jacfwd(f1))(t(L, X)),
    "jacrev(jacrev)": lambda L: L.func.jacrev(L.func.jacrev(f1))(t(L, X)),
    "jacrev(grad)": lambda L: L.func.jacrev(L.func.grad(f2, argnums=1), argnums=0)(
        t(L, X), t(L, X[::-1])),
    "input requires grad": lambda L: L.func.hessian(f1)(t(L, X, rg=True)),
}


@pytest.mark.parametrize("name", HESSIAN_CASES)
def test_hessian(name: str) -> None:
    check(HESSIAN_CASES[name])


# ----------------------------------------------------------------------------------------
# vmap
# ----------------------------------------------------------------------------------------
VMAP_CASES = {
    "dot": lambda L: L.func.vmap(L.dot)(t(L, B), t(L, B[::-1])),
    "in_dims=1": lambda L: L.func.vmap(lambda x: x.sin().sum(), in_dims=1)(t(L, B)),
    "in_dims=-1": lambda L: L.func.vmap(lambda x: x * 2, in_dims=-1)(t(L, B)),
    "in_dims=(0, None)": lambda L: L.func.vmap(lambda x, w: w @ x, in_dims=(0, None))(
        t(L, B), t(L, W)),
    "in_dims=(None, 1)": lambda L: L.func.vmap(lambda w, x: w * x, in_dims=(None, 1))(
        t(L, X), t(L, B.T)),
    "out_dims=1": lambda L: L.func.vmap(lambda x: x.exp(), out_dims=1)(t(L, B)),
    "two outputs, out_dims=(0, 1)": lambda L: L.func.vmap(
        lambda x: (x.sum(), x * 3), out_dims=(0, 1))(t(L, B)),
    "out_dims=(0, None)": lambda L: L.func.vmap(lambda x: (x * 2, 3), out_dims=(0, None))(
        t(L, B)),
    "dict input, nested in_dims": lambda L: L.func.vmap(
        lambda d: d["a"] * d["b"], in_dims=({"a": 0, "b": None},))(
        {"a": t(L, B), "b": t(L, X)}),
    "dict input, in_dims=0": lambda L: L.func.vmap(lambda d: d["a"].sum() * d["b"])(
        {"a": t(L, B), "b": t(L, B[::-1])}),
    "non-tensor argument": lambda L: L.func.vmap(lambda x, n: x * n, in_dims=(0, None))(
        t(L, B), 2),
    "list output": lambda L: L.func.vmap(lambda x: [x.sin(), x.cos()])(t(L, B)),
    "output independent of the batch": lambda L: L.func.vmap(lambda x: t(L, X))(t(L, B)),
    "kwargs": lambda L: L.func.vmap(lambda x, scale=1.0: x * scale)(t(L, B), scale=2.5),
    "input requires grad": lambda L: L.func.vmap(lambda x: x.sin())(t(L, B, rg=True)),
    "nested vmap": lambda L: L.func.vmap(L.func.vmap(lambda a, b: a * b))(
        t(L, Y), t(L, Y[::-1])),
    "vmap(jacrev)": lambda L: L.func.vmap(L.func.jacrev(lambda x: x.sin() * x.sum()))(t(L, B)),
    "vmap(hessian)": lambda L: L.func.vmap(L.func.hessian(f1))(t(L, B)),
    "jacrev(vmap)": lambda L: L.func.jacrev(L.func.vmap(lambda x: x.sin().sum()))(t(L, Y)),
    "same randomness": lambda L: (L.manual_seed(3), L.func.vmap(
        lambda x: x + L.rand(3, dtype=L.float64), randomness="same")(t(L, B)),
                                 L.rand(2, dtype=L.float64))[1:],
}


@pytest.mark.parametrize("name", VMAP_CASES)
def test_vmap(name: str) -> None:
    check(VMAP_CASES[name])


def test_vmap_grad_gives_per_example_gradients() -> None:
    """``vmap(grad(loss), in_dims=(None, None, 0, 0))``: one gradient per example, equal to
    torch's, and to a loop in torch over the examples, one ``autograd.grad`` each."""
    ys = rng.uniform(-1.0, 1.0, (4, 2))

    def loss(w: Any, b: Any, x: Any, y: Any) -> Any:
        return (((w @ x + b).tanh() - y) ** 2).mean()

    def per_example(L: Any) -> Any:
        grads = L.func.vmap(L.func.grad(loss, argnums=(0, 1)), in_dims=(None, None, 0, 0))
        return grads(t(L, W), t(L, V), t(L, B), t(L, ys))

    ours = per_example(tg)
    same(ours, per_example(torch))
    w, b = t(torch, W, rg=True), t(torch, V, rg=True)
    loop = [torch.autograd.grad(loss(w, b, t(torch, B[i]), t(torch, ys[i])), (w, b))
            for i in range(len(B))]
    for k in range(2):
        assert_same_values(ours[k], torch.stack([g[k] for g in loop]), RTOL, ATOL, f"grad {k}")


@pytest.mark.parametrize("transform", ["vmap", "jacfwd"])
def test_a_random_function_raises_in_error_mode(transform: str) -> None:
    same_error(lambda L: getattr(L.func, transform)(lambda x: x + L.rand(3))(L.ones(3)))


def test_jacfwd_of_a_random_function() -> None:
    """randomness="same": one draw, as torch's. (With "different" torch draws anew for each
    column; we do not: see jacfwd's docstring.)"""
    def run(L: Any) -> Any:
        L.manual_seed(5)
        jac = L.func.jacfwd(lambda x: x * L.rand(3, dtype=L.float64), randomness="same")
        return jac(t(L, X)), L.rand(2, dtype=L.float64)

    check(run)


# ----------------------------------------------------------------------------------------
# Errors: PyTorch's type and message
# ----------------------------------------------------------------------------------------
ERRORS = {
    "grad of a vector": lambda L: L.func.grad(lambda x: x * 2)(t(L, X)),
    "grad of a 1-element vector": lambda L: L.func.grad(lambda x: x[:1] * 2)(t(L, X)),
    "grad of a float": lambda L: L.func.grad(lambda x: 3.0)(t(L, X)),
    "argnums out of range": lambda L: L.func.grad(f1, argnums=1)(t(L, X)),
    "argnums negative out of range": lambda L: L.func.grad(f1, argnums=-2)(t(L, X)),
    "argnums in a tuple out of range": lambda L: L.func.grad(f1, argnums=(0, 1))(t(L, X)),
    "argnums empty": lambda L: L.func.grad(f1, argnums=())(t(L, X)),
    "argnums a float": lambda L: L.func.grad(f1, argnums=1.0)(t(L, X)),
    "argnums a float in a tuple": lambda L: L.func.grad(f2, argnums=(0, 1.0))(t(L, X), t(L, X)),
    "argnums a bool": lambda L: L.func.grad(f1, argnums=True)(t(L, X)),
    "no arguments": lambda L: L.func.grad(f1)(),
    "has_aux without a pair": lambda L: L.func.grad(f1, has_aux=True)(t(L, X)),
    "has_aux with a triple": lambda L: L.func.grad(lambda x: (f1(x), 1, 2), has_aux=True)(
        t(L, X)),
    "aux not a tensor": lambda L: L.func.grad(lambda x: (f1(x), 1), has_aux=True)(t(L, X)),
    "grad of a float argument": lambda L: L.func.grad(f1)(3.0),
    "grad of an integer tensor": lambda L: L.func.grad(f1)(L.arange(3)),
    "vjp of a float": lambda L: L.func.vjp(lambda x: 3.0, t(L, X)),
    "vjp at a float": lambda L: L.func.vjp(lambda x: x, 3.0),
    "vjp has_aux without a pair": lambda L: L.func.vjp(lambda x: x, t(L, X), has_aux=True),
    "vjp_fn, cotangent of the wrong shape": lambda L: L.func.vjp(lambda x: x * 2, t(L, X))[1](
        t(L, X[:2])),
    "vjp_fn, cotangents nested wrong": lambda L: L.func.vjp(lambda x: x * 2, t(L, X))[1](
        (t(L, X),)),
    "vjp_fn, cotangents nested wrong (two outputs)": lambda L: L.func.vjp(
        lambda x: (x * 2, x), t(L, X))[1](t(L, X)),
    "jvp, primals not a tuple": lambda L: L.func.jvp(lambda x: x, t(L, X), t(L, X)),
    "jvp, primals a list": lambda L: L.func.jvp(lambda x: x, [t(L, X)], [t(L, X)]),
    "jvp, tangents not a tuple": lambda L: L.func.jvp(lambda x: x, (t(L, X),), t(L, X)),
    "jvp, tangents too many": lambda L: L.func.jvp(lambda x: x, (t(L, X),),
                                                   (t(L, X), t(L, X))),
    "jvp, tangent of the wrong shape": lambda L: L.func.jvp(lambda x: x, (t(L, X),),
                                                            (t(L, X[:2]),)),
    "jvp, float tangent": lambda L: L.func.jvp(lambda x: x, (t(L, X),), (3.0,)),
    "jvp, float primal": lambda L: L.func.jvp(lambda x: x, (3.0,), (1.0,)),
    "jvp, integer primal": lambda L: L.func.jvp(lambda x: x, (L.arange(3),), (L.arange(3),)),
    "jvp of a float": lambda L: L.func.jvp(lambda x: 3.0, (t(L, X),), (t(L, X),)),
    "jvp has_aux without a pair": lambda L: L.func.jvp(lambda x: x, (t(L, X),), (t(L, X),),
                                                       has_aux=True),
    "jacrev of a float": lambda L: L.func.jacrev(lambda x: 3.0)(t(L, X)),
    "jacfwd of a float": lambda L: L.func.jacfwd(lambda x: 3.0)(t(L, X)),
    "jacrev argnums out of range": lambda L: L.func.jacrev(lambda x: x, argnums=2)(t(L, X)),
    "jacfwd argnums out of range": lambda L: L.func.jacfwd(lambda x: x, argnums=2)(t(L, X)),
    "jacrev has_aux without a pair": lambda L: L.func.jacrev(lambda x: x, has_aux=True)(
        t(L, X)),
    "jacfwd has_aux without a pair": lambda L: L.func.jacfwd(lambda x: x, has_aux=True)(
        t(L, X)),
    "jacrev of an integer tensor": lambda L: L.func.jacrev(lambda x: x.sum())(L.arange(3)),
    "jacfwd of an integer tensor": lambda L: L.func.jacfwd(lambda x: x.sum())(L.arange(3)),
    "vmap, in_dim too large": lambda L: L.func.vmap(lambda x: x, in_dims=2)(L.ones(2, 3)),
    "vmap, 0-d input": lambda L: L.func.vmap(lambda x: x)(L.ones(())),
    "vmap, nothing batched": lambda L: L.func.vmap(lambda x: x, in_dims=(None,))(L.ones(2)),
    "vmap, in_dims too long": lambda L: L.func.vmap(lambda x: x, in_dims=(0, 0))(L.ones(2)),
    "vmap, in_dims None": lambda L: L.func.vmap(lambda x: x, in_dims=None)(L.ones(2)),
    "vmap, in_dims a float": lambda L: L.func.vmap(lambda x: x, in_dims=1.0)(L.ones(2)),
    "vmap, in_dims a list": lambda L: L.func.vmap(lambda x: x, in_dims=[0])(L.ones(2)),
    "vmap, in_dim a float": lambda L: L.func.vmap(lambda x: x, in_dims=(1.0,))(L.ones(2)),
    "vmap, sizes differ": lambda L: L.func.vmap(lambda x, y: x + y)(L.ones(2, 3),
                                                                    L.ones(3, 3)),
    "vmap, float input batched": lambda L: L.func.vmap(lambda x: x)(3.0),
    "vmap, int input batched": lambda L: L.func.vmap(lambda x, n: x * n, in_dims=(0, 0))(
        L.ones(2), 2),
    "vmap, no inputs": lambda L: L.func.vmap(lambda: L.ones(2))(),
    "vmap, float output": lambda L: L.func.vmap(lambda x: 3.0)(L.ones(2)),
    "vmap, out_dims too short": lambda L: L.func.vmap(lambda x: (x, x), out_dims=(0,))(
        L.ones(2, 3)),
    "vmap, out_dims a float": lambda L: L.func.vmap(lambda x: x, out_dims=1.0)(L.ones(2, 3)),
    "vmap, out_dim too large": lambda L: L.func.vmap(lambda x: x, out_dims=2)(L.ones(2, 3)),
    "vmap, randomness unknown": lambda L: L.func.vmap(lambda x: x, randomness="foo"),
    "jacfwd, randomness unknown": lambda L: L.func.jacfwd(lambda x: x, randomness="foo")(
        t(L, X)),
}


def _named_float(x: Any) -> float:
    return 3.0


ERRORS["vmap, a named function returning a float"] = (
    lambda L: L.func.vmap(_named_float)(L.ones(2)))


@pytest.mark.parametrize("name", ERRORS)
def test_errors(name: str) -> None:
    same_error(ERRORS[name])


# ----------------------------------------------------------------------------------------
# functional_call
# ----------------------------------------------------------------------------------------
def net(L: Any) -> Any:
    """A small float64 network with buffers (batch norm's running statistics), the same
    in both libraries (the same seed)."""
    L.manual_seed(0)
    return L.nn.Sequential(L.nn.Linear(3, 2), L.nn.Tanh(), L.nn.BatchNorm1d(2).eval(),
                           L.nn.Linear(2, 1)).double()


def doubled(L: Any, m: Any) -> dict:
    return {k: v.detach() * 2 for k, v in m.state_dict().items()
            if v.dtype.is_floating_point}


FUNCTIONAL_CALLS = {
    "all parameters and buffers": lambda L, m: L.func.functional_call(m, doubled(L, m),
                                                                      (t(L, B),)),
    "one parameter, args not a tuple": lambda L, m: L.func.functional_call(
        m, {"0.weight": t(L, W)}, t(L, B)),
    "two dicts": lambda L, m: L.func.functional_call(
        m, ({"0.weight": t(L, W)}, {"0.bias": t(L, V)}), (t(L, B),)),
    "kwargs": lambda L, m: L.func.functional_call(m, {"0.bias": t(L, V)}, (),
                                                  {"input": t(L, B)}),
    "strict, all given": lambda L, m: L.func.functional_call(
        m, dict(doubled(L, m), **{"2.num_batches_tracked": L.tensor(0)}), (t(L, B),),
        strict=True),
    "unexpected name, not strict": lambda L, m: L.func.functional_call(
        m, {"zzz": t(L, W)}, (t(L, B),)),
    "the module afterwards": lambda L, m: (L.func.functional_call(m, doubled(L, m),
                                                                  (t(L, B),)),
                                           m.state_dict()),
    "grad with respect to the parameters": lambda L, m: L.func.grad(
        lambda p: L.func.functional_call(m, p, (t(L, B),)).sum())(
        {k: v.detach() * 2 for k, v in m.named_parameters()}),
    "per-example gradients": lambda L, m: L.func.vmap(L.func.grad(
        lambda p, x: (L.func.functional_call(m, p, (x.unsqueeze(0),)) ** 2).sum()),
        in_dims=(None, 0))(
        {k: v.detach() for k, v in m.named_parameters()}, t(L, B)),
}


@pytest.mark.parametrize("name", FUNCTIONAL_CALLS)
def test_functional_call(name: str) -> None:
    check(lambda L: FUNCTIONAL_CALLS[name](L, net(L)))


@pytest.mark.parametrize("tie_weights", [True, False])
def test_functional_call_of_tied_weights(tie_weights: bool) -> None:
    def run(L: Any) -> Any:
        L.manual_seed(0)
        m = L.nn.Sequential(L.nn.Linear(2, 2, bias=False), L.nn.Linear(2, 2, bias=False))
        m = m.double()
        m[1].weight = m[0].weight
        return L.func.functional_call(m, {"0.weight": t(L, W[:, :2])}, (t(L, B[:, :2]),),
                                      tie_weights=tie_weights)

    check(run)


@pytest.mark.parametrize("case", ["missing", "unexpected", "both", "in two dicts"])
def test_functional_call_errors(case: str) -> None:
    given = {"missing": lambda L: {"0.weight": t(L, W)},
             "unexpected": lambda L: dict(doubled(L, net(L)), zzz=t(L, W),
                                          **{"2.num_batches_tracked": L.tensor(0)}),
             "both": lambda L: {"0.weight": t(L, W), "yy": t(L, W)},
             "in two dicts": lambda L: ({"0.weight": t(L, W)}, {"0.weight": t(L, W)})}[case]
    same_error(lambda L: L.func.functional_call(net(L), given(L), (t(L, B),), strict=True))


def test_import_forms() -> None:
    import tinygrad_lite.func as func_module
    from tinygrad_lite.func import grad, vmap

    assert func_module is tg.func
    assert grad is tg.func.grad and vmap is tg.func.vmap
    assert set(func_module.__all__) <= set(dir(torch.func))


def test_stack_and_cat_of_one_tensor_differentiate() -> None:
    """jacrev stacks one row for a 0-d output: ``stack([x])`` and ``cat([x])`` must
    backpropagate (their rule returned a tuple for a single input)."""
    for op in ("stack", "cat"):
        for create_graph in (False, True):
            def run(L: Any, op: str = op, cg: bool = create_graph) -> Any:
                x = t(L, X, rg=True)
                y = getattr(L, op)([x.sin()]).sum()
                return L.autograd.grad(y, x, create_graph=cg)

            check(run)


@pytest.mark.parametrize("module", ["tinygrad_lite.func", "tinygrad_lite.autograd.functional"])
def test_docstring_examples(module: str) -> None:
    """The examples in the docstrings (shown on the API pages) print what they say."""
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module),
                             optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
