"""``torch.tanh(x)`` and the other elementwise module functions against the methods and torch.

The module functions inline the methods' fast path (see ``_elementwise`` in
``tinygrad_lite/__init__.py``); these tests hold them to the methods: the same tensors out,
the same graph, the same Python calls, and PyTorch's TypeError for a non-tensor argument.
"""

from __future__ import annotations

import gc
import inspect
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_lite as tg

torch = pytest.importorskip("torch")

NAMES = ["tanh", "sigmoid", "exp", "relu", "log", "sin", "cos", "abs", "sqrt"]
SAME_TORCH = torch.__version__.startswith("2.13")  # messages are compared for this one

# (value, dtype, requires_grad); every value is positive, for log and sqrt
INPUTS = {
    "0-d float64": (0.5, "float64", True),
    "0-d float64, no grad": (0.5, "float64", False),
    "(3,) float64": ([0.5, 1.5, 2.5], "float64", True),
    "0-d float32": (0.5, "float32", True),
    "(2, 2) float32": ([[0.5, 1.5], [2.5, 3.5]], "float32", True),
    "(3,) int64": ([1, 2, 3], "int64", False),
}


def make(m: Any, case: str) -> Any:
    value, dtype, rg = INPUTS[case]
    return m.tensor(value, dtype=getattr(m, dtype), requires_grad=rg)


def observed(t: Any) -> tuple:
    """What a user can see of a result: values, shape, dtype, requires_grad, grad_fn, leaf."""
    fn = t.grad_fn
    return (t.tolist(), tuple(t.shape), repr(t.dtype), t.requires_grad,
            None if fn is None else type(fn).__name__, t.is_leaf)


def grad_of(m: Any, f: Callable[[Any], Any], case: str) -> list | None:
    """The gradient of sum(f(x)) in x (None if x needs no gradient)."""
    x = make(m, case)
    y = f(x)
    if not y.requires_grad:
        return None
    y.sum().backward()
    return x.grad.tolist()


@pytest.mark.parametrize("case", INPUTS)
@pytest.mark.parametrize("name", NAMES)
def test_function_gives_what_the_method_and_torch_give(name: str, case: str) -> None:
    function = getattr(tg, name)
    method = getattr(tg.Tensor, name)
    ours = observed(function(make(tg, case)))
    assert ours == observed(method(make(tg, case)))
    theirs = observed(getattr(torch, name)(make(torch, case)))
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-6)
    assert ours[1:] == theirs[1:]
    assert grad_of(tg, function, case) == grad_of(tg, method, case)


@pytest.mark.parametrize("name", NAMES)
def test_function_under_no_grad_and_on_a_parameter(name: str) -> None:
    function = getattr(tg, name)
    x = tg.tensor(0.5, dtype=tg.float64, requires_grad=True)
    with tg.no_grad():
        assert observed(function(x)) == observed(getattr(x, name)())
    p = tg.nn.Parameter(tg.tensor([0.5, 1.5]))
    assert observed(function(p)) == observed(getattr(p, name)())
    p0 = tg.nn.Parameter(tg.tensor(0.5, dtype=tg.float64))
    assert observed(function(p0)) == observed(getattr(p0, name)())


@pytest.mark.parametrize("name", NAMES)
def test_function_takes_input_by_keyword_as_torch_does(name: str) -> None:
    x = tg.tensor(0.5, dtype=tg.float64, requires_grad=True)
    assert observed(getattr(tg, name)(input=x)) == observed(getattr(x, name)())
    getattr(torch, name)(input=torch.tensor(0.5))  # torch takes it too
    assert list(inspect.signature(getattr(tg, name)).parameters) == ["input"]
    assert getattr(tg, name).__doc__ and getattr(tg, name).__name__ == name


NOT_TENSORS = {"float": 3.0, "int": 3, "bool": True, "None": None, "list": [1.0],
               "ndarray": np.ones(3), "numpy float64": np.float64(1.0), "a class": object()}


@pytest.mark.parametrize("value", NOT_TENSORS.values(), ids=NOT_TENSORS)
@pytest.mark.parametrize("name", NAMES)
def test_non_tensor_raises_torchs_type_error(name: str, value: Any) -> None:
    with pytest.raises(TypeError) as theirs:
        getattr(torch, name)(value)
    with pytest.raises(TypeError) as ours:
        getattr(tg, name)(value)
    if SAME_TORCH:
        assert str(ours.value) == str(theirs.value)
    with pytest.raises(TypeError):  # torch leaves "(position 1)" out here; we don't
        getattr(tg, name)(input=value)


def python_calls(f: Callable[[], Any]) -> list[str]:
    """The Python functions that ``f()`` calls, in order (builtins are not counted)."""
    calls: list[str] = []

    def profile(frame: Any, event: str, arg: Any) -> None:
        if event == "call":
            calls.append(frame.f_code.co_qualname)

    enabled = gc.isenabled()
    gc.disable()  # a collection would add its callbacks' calls (hypothesis registers one)
    sys.setprofile(profile)
    try:
        f()
    finally:
        sys.setprofile(None)
        if enabled:
            gc.enable()
    return calls[1:]  # not f itself


@pytest.mark.parametrize("name", NAMES)
def test_function_makes_the_methods_calls(name: str) -> None:
    """A 0-d float64 tensor: the module function makes the method's own calls (its fast
    path is inlined); anything else costs one call more than the method, the method."""
    x = tg.tensor(0.5, dtype=tg.float64, requires_grad=True)
    function, method = python_calls(lambda: getattr(tg, name)(x)), python_calls(
        lambda: getattr(x, name)())
    assert function[1:] == method[1:]
    a = tg.tensor([0.5, 1.5], requires_grad=True)
    function, method = python_calls(lambda: getattr(tg, name)(a)), python_calls(
        lambda: getattr(a, name)())
    assert function[1:] == method
