"""``tinygrad_lite.autograd.functional`` against ``torch.autograd.functional``.

Every function with a single tensor and a tuple of inputs and outputs (the nesting of the
result follows them), ``create_graph`` (whether the result requires grad, and its
derivative), ``strict`` and the errors. float64, rtol 1e-10, atol 1e-12 (see test_func).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from test_func import B, V, W, X, f1, f2, mlp, same, same_error, t

import tinygrad_lite as tg

torch = pytest.importorskip("torch")


def AF(L: Any) -> Any:  # noqa: N802 - reads as the module
    return L.autograd.functional


def g2(x: Any, y: Any) -> tuple:
    """Two inputs, two outputs."""
    return x.exp() * y.sum(), (x * y).sin()


def xs(L: Any, rg: bool = False) -> tuple:
    return t(L, X, rg), t(L, X[::-1] * 0.5, rg)


JACOBIANS = {
    "tensor -> tensor": lambda L, **kw: AF(L).jacobian(lambda x: x.sin() * x.sum(), t(L, X),
                                                       **kw),
    "tensor -> 0-d": lambda L, **kw: AF(L).jacobian(f1, t(L, X), **kw),
    "tuple -> tensor": lambda L, **kw: AF(L).jacobian(lambda x, y: x * y.exp(), xs(L), **kw),
    "tensor -> tuple": lambda L, **kw: AF(L).jacobian(lambda x: (x.sin(), x.sum()), t(L, X),
                                                      **kw),
    "tuple -> tuple": lambda L, **kw: AF(L).jacobian(g2, xs(L), **kw),
    "1-tuple -> 1-tuple": lambda L, **kw: AF(L).jacobian(lambda x: (x.sin(),), (t(L, X),),
                                                         **kw),
    "unused input": lambda L, **kw: AF(L).jacobian(lambda x, y: y * 2, xs(L), **kw),
    "linear": lambda L, **kw: AF(L).jacobian(lambda x: x * 3, t(L, X), **kw),
    "input requires grad": lambda L, **kw: AF(L).jacobian(lambda x: x.sin(), t(L, X, True),
                                                          **kw),
    "mlp": lambda L, **kw: AF(L).jacobian(lambda w, b: (t(L, B) @ w.t() + b).tanh(),
                                          (t(L, W), t(L, V)), **kw),
}

OPTIONS = {
    "default": {},
    "create_graph": {"create_graph": True},
    "vectorize": {"vectorize": True},
    "forward-mode": {"vectorize": True, "strategy": "forward-mode"},
}


HESSIANS = {
    "tensor": lambda L, **kw: AF(L).hessian(f1, t(L, X), **kw),
    "tuple": lambda L, **kw: AF(L).hessian(f2, xs(L), **kw),
    "1-element output": lambda L, **kw: AF(L).hessian(lambda x: f1(x).reshape(1, 1), t(L, X),
                                                      **kw),
    "mlp": lambda L, **kw: AF(L).hessian(lambda w, b: mlp(w, b, t(L, B)), (t(L, W), t(L, V)),
                                         **kw),
    "input requires grad": lambda L, **kw: AF(L).hessian(f1, t(L, X, True), **kw),
    "quadratic": lambda L, **kw: AF(L).hessian(lambda x: (x * x).sum(), t(L, X), **kw),
}

HESSIAN_OPTIONS = {
    "default": {},
    "create_graph": {"create_graph": True},
    "vectorize": {"vectorize": True},
    "forward-mode": {"vectorize": True, "outer_jacobian_strategy": "forward-mode"},
}


TABLES = {"jacobian": (JACOBIANS, OPTIONS), "hessian": (HESSIANS, HESSIAN_OPTIONS)}

# Where only the values are compared, not requires_grad. torch's forward-mode formulas
# multiply by zero tangents (mul: t_a * b + a * t_b), so its Jacobian of a function linear
# in an input that requires grad, and its forward-over-reverse Hessian of a quadratic (the
# inputs are marked as requiring grad there), require grad; ours do not.
VALUES_ONLY = {("jacobian", "input requires grad", "forward-mode"),
               ("hessian", "quadratic", "forward-mode")}


@pytest.mark.parametrize(("kind", "name", "option"), [
    (kind, name, option) for kind, (cases, options) in TABLES.items() for name in cases
    for option in options])
def test_jacobian_and_hessian(kind: str, name: str, option: str) -> None:
    cases, options = TABLES[kind]
    same(cases[name](tg, **options[option]), cases[name](torch, **options[option]),
         graph=(kind, name, option) not in VALUES_ONLY)


PRODUCTS = {
    "vjp": lambda L, **kw: AF(L).vjp(lambda x: x.sin() * x, t(L, X), t(L, X[::-1]), **kw),
    "vjp, 0-d output, v None": lambda L, **kw: AF(L).vjp(f1, t(L, X), **kw),
    "vjp, tuples": lambda L, **kw: AF(L).vjp(g2, xs(L), (t(L, X), t(L, X * 2)), **kw),
    "vjp, unused input": lambda L, **kw: AF(L).vjp(lambda x, y: y.exp(), xs(L), t(L, X),
                                                   **kw),
    "vjp, input requires grad": lambda L, **kw: AF(L).vjp(lambda x: x.exp(), t(L, X, True),
                                                          t(L, X), **kw),
    "jvp": lambda L, **kw: AF(L).jvp(lambda x: x.sin() * x, t(L, X), t(L, X[::-1]), **kw),
    "jvp, tuples": lambda L, **kw: AF(L).jvp(g2, xs(L), (t(L, X), t(L, X * 2)), **kw),
    "jvp, 1-element input, v None": lambda L, **kw: AF(L).jvp(lambda x: x.exp() * 2,
                                                              t(L, X[:1]), **kw),
    "jvp, unused input": lambda L, **kw: AF(L).jvp(lambda x, y: y.exp(), xs(L),
                                                   (t(L, X), t(L, X)), **kw),
    "vhp": lambda L, **kw: AF(L).vhp(f1, t(L, X), t(L, X[::-1]), **kw),
    "vhp, tuple": lambda L, **kw: AF(L).vhp(f2, xs(L), (t(L, X), t(L, X * 2)), **kw),
    "vhp, 0-d input, v None": lambda L, **kw: AF(L).vhp(lambda x: x.sin() * x, t(L, X[0]),
                                                        **kw),
    "hvp": lambda L, **kw: AF(L).hvp(f1, t(L, X), t(L, X[::-1]), **kw),
    "hvp, tuple": lambda L, **kw: AF(L).hvp(f2, xs(L), (t(L, X), t(L, X * 2)), **kw),
    "hvp, mlp": lambda L, **kw: AF(L).hvp(lambda w, b: mlp(w, b, t(L, B)), (t(L, W), t(L, V)),
                                          (t(L, W[::-1]), t(L, V)), **kw),
    "hvp, input requires grad": lambda L, **kw: AF(L).hvp(f1, t(L, X, True), t(L, X), **kw),
}


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("name", PRODUCTS)
def test_products(name: str, create_graph: bool) -> None:
    same(PRODUCTS[name](tg, create_graph=create_graph),
         PRODUCTS[name](torch, create_graph=create_graph))


def test_create_graph_result_can_be_differentiated() -> None:
    """The Hessian with create_graph=True, differentiated again: third derivatives."""
    def run(L: Any) -> Any:
        x = t(L, X, True)
        h = AF(L).hessian(f1, x, create_graph=True)
        return L.autograd.grad((h * t(L, np.outer(X, X))).sum(), x)

    same(run(tg), run(torch))


def test_under_no_grad() -> None:
    def run(L: Any) -> Any:
        with L.no_grad():
            return (AF(L).jacobian(lambda x: x.sin(), t(L, X, True), create_graph=True),
                    AF(L).vjp(lambda x: x.exp(), t(L, X, True), t(L, X)))

    same(run(tg), run(torch))


def test_forward_mode_hessian_leaves_its_input_alone() -> None:
    def run(L: Any) -> Any:
        x = t(L, X)
        AF(L).hessian(f1, x, vectorize=True, outer_jacobian_strategy="forward-mode")
        return x.requires_grad

    same(run(tg), run(torch))


# ----------------------------------------------------------------------------------------
# strict=True and errors
# ----------------------------------------------------------------------------------------
ERRORS = {
    "inputs a list": lambda L: AF(L).jacobian(lambda x: x, [t(L, X)]),
    "inputs an int": lambda L: AF(L).jacobian(lambda x: x, 3),
    "inputs with an int": lambda L: AF(L).jacobian(lambda x, y: x, (t(L, X), 3)),
    "output a list": lambda L: AF(L).jacobian(lambda x: [x], t(L, X)),
    "output a float": lambda L: AF(L).vjp(lambda x: 3.0, t(L, X)),
    "unknown strategy": lambda L: AF(L).jacobian(lambda x: x, t(L, X), strategy="fwd"),
    "forward-mode without vectorize": lambda L: AF(L).jacobian(lambda x: x, t(L, X),
                                                               strategy="forward-mode"),
    "forward-mode with create_graph": lambda L: AF(L).jacobian(
        lambda x: x, t(L, X), create_graph=True, vectorize=True, strategy="forward-mode"),
    "forward-mode with strict": lambda L: AF(L).jacobian(
        lambda x: x, t(L, X), strict=True, vectorize=True, strategy="forward-mode"),
    "forward-mode with a list output": lambda L: AF(L).jacobian(
        lambda x: [x], t(L, X), vectorize=True, strategy="forward-mode"),
    "vectorize with strict": lambda L: AF(L).jacobian(lambda x: x.sin(), t(L, X), strict=True,
                                                      vectorize=True),
    "hessian, unknown strategy": lambda L: AF(L).hessian(f1, t(L, X),
                                                         outer_jacobian_strategy="x"),
    "hessian, forward-mode without vectorize": lambda L: AF(L).hessian(
        f1, t(L, X), outer_jacobian_strategy="forward-mode"),
    "hessian of a vector": lambda L: AF(L).hessian(lambda x: x * x, t(L, X)),
    "hessian of a tuple": lambda L: AF(L).hessian(lambda x: (f1(x),), t(L, X)),
    "hessian strict, vectorize": lambda L: AF(L).hessian(f1, t(L, X), strict=True,
                                                         vectorize=True),
    "vjp, v None for a vector": lambda L: AF(L).vjp(lambda x: x * 2, t(L, X)),
    "vjp, v of the wrong shape": lambda L: AF(L).vjp(lambda x: x * 2, t(L, X), t(L, X[:2])),
    "vjp, v of the wrong shape in a tuple": lambda L: AF(L).vjp(
        g2, xs(L), (t(L, X), t(L, X[:2]))),
    "vjp, v too short": lambda L: AF(L).vjp(g2, xs(L), (t(L, X),)),
    "vjp, v a tuple for one output": lambda L: AF(L).vjp(lambda x: x, t(L, X),
                                                         (t(L, X), t(L, X))),
    "vjp, v a list": lambda L: AF(L).vjp(lambda x: x, t(L, X), [t(L, X)]),
    "jvp, v None for a vector": lambda L: AF(L).jvp(lambda x: x * 2, t(L, X)),
    "jvp, v of the wrong shape": lambda L: AF(L).jvp(lambda x: x * 2, t(L, X), t(L, X[:2])),
    "hvp of a vector": lambda L: AF(L).hvp(lambda x: x * x, t(L, X), t(L, X)),
    "hvp of a tuple": lambda L: AF(L).hvp(lambda x: (f1(x),), t(L, X), t(L, X)),
    "vhp of a vector": lambda L: AF(L).vhp(lambda x: x * x, t(L, X), t(L, X)),
    "vhp, v None": lambda L: AF(L).vhp(f1, t(L, X)),
    # strict
    "strict: output needs no grad": lambda L: AF(L).jacobian(lambda x: t(L, X), t(L, X),
                                                             strict=True),
    "strict: jacobian, output 1 independent of input 1": lambda L: AF(L).jacobian(
        lambda x, y: (x * y, x.sin()), (t(L, X), t(L, X)), strict=True),
    "strict: jacobian, output 0 independent of input 0": lambda L: AF(L).jacobian(
        lambda x, y: (y.sin(), y * x), (t(L, X), t(L, X)), strict=True),
    "strict: jacobian, output 1 linear with create_graph": lambda L: AF(L).jacobian(
        lambda x, y: (x * y, x * 2), (t(L, X), t(L, X)), strict=True, create_graph=True),
    "strict: jacobian, linear with create_graph": lambda L: AF(L).jacobian(
        lambda x: x * 2, t(L, X), strict=True, create_graph=True),
    "strict: vjp, independent": lambda L: AF(L).vjp(lambda x, y: x * 2 + L.ones(3), (
        t(L, X), t(L, X)), t(L, X), strict=True),
    "strict: vjp, linear with create_graph": lambda L: AF(L).vjp(
        lambda x: x * 2, t(L, X), t(L, X), strict=True, create_graph=True),
    "strict: jvp, input 1 unused": lambda L: AF(L).jvp(
        lambda x, y: (x.sin(), x.sin() * 2), (t(L, X), t(L, X)), (t(L, X), t(L, X)),
        strict=True),
    "strict: jvp, output 1 constant": lambda L: AF(L).jvp(
        lambda x, y: (x.sin() * y, L.ones(2)), (t(L, X), t(L, X)), (t(L, X), t(L, X)),
        strict=True),
    "strict: hessian of a linear function": lambda L: AF(L).hessian(
        lambda x: x.sum() * 2, t(L, X), strict=True),
    "strict: hessian, an input unused": lambda L: AF(L).hessian(
        lambda x, y: (x ** 3).sum(), (t(L, X), t(L, X)), strict=True),
    "strict: vhp of a linear function": lambda L: AF(L).vhp(lambda x: x.sum() * 2, t(L, X),
                                                            t(L, X), strict=True),
    "strict: vhp of a quadratic, create_graph": lambda L: AF(L).vhp(
        lambda x: (x * x).sum(), t(L, X), t(L, X), strict=True, create_graph=True),
    "strict: vhp, an input unused by the gradient": lambda L: AF(L).vhp(
        lambda x, y: (x ** 3).sum() + y.sum(), (t(L, X), t(L, X)), (t(L, X), t(L, X)),
        strict=True),
    "strict: hvp of a linear function": lambda L: AF(L).hvp(lambda x: x.sum() * 2, t(L, X),
                                                            t(L, X), strict=True),
}


@pytest.mark.parametrize("name", ERRORS)
def test_errors(name: str) -> None:
    same_error(ERRORS[name])


STRICT_FINE = {
    "jacobian": lambda L: AF(L).jacobian(g2, xs(L), strict=True),
    "jacobian, create_graph": lambda L: AF(L).jacobian(g2, xs(L), strict=True,
                                                       create_graph=True),
    "hessian": lambda L: AF(L).hessian(lambda x, y: (x.exp() * y.exp()).sum(), xs(L),
                                       strict=True),
    "jvp, linear": lambda L: AF(L).jvp(lambda x: x * 2, t(L, X), t(L, X), strict=True),
    "hvp of a quadratic": lambda L: AF(L).hvp(lambda x: (x * x).sum(), t(L, X),
                                                      t(L, X), strict=True),
    "hvp, an input unused by the gradient": lambda L: AF(L).hvp(
        lambda x, y: (x ** 3).sum() + (y ** 2).sum(), (t(L, X), t(L, X)), (t(L, X), t(L, X)),
        strict=True, create_graph=True),
    "vjp": lambda L: AF(L).vjp(g2, xs(L), (t(L, X), t(L, X)), strict=True),
    "jvp": lambda L: AF(L).jvp(g2, xs(L), (t(L, X), t(L, X)), strict=True),
    "hvp": lambda L: AF(L).hvp(f2, xs(L), (t(L, X), t(L, X)), strict=True),
    "vhp": lambda L: AF(L).vhp(f2, xs(L), (t(L, X), t(L, X)), strict=True),
}


@pytest.mark.parametrize("name", STRICT_FINE)
def test_strict_where_it_holds(name: str) -> None:
    same(STRICT_FINE[name](tg), STRICT_FINE[name](torch))


def test_reachable_as_in_torch() -> None:
    import tinygrad_lite.autograd.functional as functional

    assert functional is tg.autograd.functional
    assert set(functional.__all__) == set(torch.autograd.functional.__all__)

