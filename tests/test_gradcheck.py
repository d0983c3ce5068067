"""``autograd.gradcheck`` and ``gradgradcheck`` against torch's: each check runs on both
libraries, with float64 inputs made from the same arrays, and must give torch's result,
or torch's error with torch's message (the Jacobians printed in it included)."""

from __future__ import annotations

import importlib
import re
import warnings

import numpy as np
import pytest
from helpers import lib

import tinygrad_lite as tg

torch = pytest.importorskip("torch")


def error_type(module):
    """``GradcheckError`` of a library (``torch.autograd.gradcheck`` itself is the
    function: the class is reached through the module, as in PyTorch)."""
    return importlib.import_module(module.__name__ + ".autograd.gradcheck").GradcheckError


def inputs(module, *arrays):
    return tuple(module.tensor(a, requires_grad=True) for a in arrays)


def outcome(fn):
    """What ``fn()`` returns, or the (type name, message) of what it raises."""
    try:
        return fn()
    except Exception as e:  # noqa: BLE001 - compared between the libraries
        return type(e).__name__, str(e)


def on_both(run):
    """``run(module)`` for tinygrad_lite and torch: the two outcomes, which must be equal."""
    ours, theirs = outcome(lambda: run(tg)), outcome(lambda: run(torch))
    assert ours == theirs
    return ours


RNG = np.random.default_rng(0)
A = RNG.uniform(-2, 2, (2, 3))
B = RNG.uniform(-2, 2, (3,))
M = RNG.uniform(-2, 2, (3, 2))
P = RNG.uniform(0.3, 2, (2, 3))

# Correct functions of many primitives: gradcheck and gradgradcheck must pass on both.
CORRECT = {
    "sin": (lambda a: a.sin(), [A]),
    "exp * cos": (lambda a: a.exp() * a.cos(), [A]),
    "tanh, sigmoid": (lambda a: (a.tanh(), a.sigmoid()), [A]),
    "a * b broadcast": (lambda a, b: a * b, [A, B]),
    "a / b": (lambda a, b: a / b, [A, P]),
    "a ** b": (lambda p, a: p ** a, [P, A]),
    "log, sqrt": (lambda p: p.log() + p.sqrt(), [P]),
    "matmul": (lambda a, m: a @ m, [A, M]),
    "sum(1), mean": (lambda a: (a.sum(1), a.mean()), [A]),
    "softmax": (lambda a: a.softmax(1), [A]),
    "log_softmax": (lambda a: a.log_softmax(0), [A]),
    "logsumexp": (lambda a: a.logsumexp(1), [A]),
    "var, std": (lambda a: (a.var(1), a.std()), [A]),
    "prod": (lambda a: a.prod(1), [A]),
    "norm": (lambda a: a.norm(), [A]),
    "cumsum": (lambda a: a.cumsum(1), [A]),
    "view ops": (lambda a: a.t().reshape(6)[1:5].unsqueeze(0).expand(2, 4) * 2, [A]),
    "cat, stack": (lambda a, b: lib(a).cat([a.reshape(-1), b]) * lib(a).stack([b, b]).sum(0)[0],
                   [A, B]),
    "index": (lambda a: a[[1, 0, 1], [2, 2, 0]], [A]),
    "gather": (lambda a: a.gather(1, lib(a).tensor([[0, 0], [2, 1]])), [A]),
    "softplus": (lambda a: lib(a).nn.functional.softplus(a), [A]),
    "0-d input": (lambda a: a * a.exp(), [np.array(0.7)]),
}


@pytest.mark.parametrize("name", CORRECT)
def test_correct_functions_pass(name):
    fn, arrays = CORRECT[name]
    assert on_both(lambda m: m.autograd.gradcheck(fn, inputs(m, *arrays))) is True


@pytest.mark.parametrize("name", CORRECT)
def test_gradgradcheck_of_correct_functions_passes(name):
    fn, arrays = CORRECT[name]

    def run(m):
        m.manual_seed(0)
        return m.autograd.gradgradcheck(fn, inputs(m, *arrays))

    assert on_both(run) is True


def function(module, forward, backward):
    """``apply`` of a ``module.autograd.Function`` computing ``forward(x)``, whose backward
    rule is ``backward(x, g)``."""

    class Fn(module.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return forward(x)

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return backward(x, g)

    return Fn.apply


def wrong_sin(module, factor=2.0, detached=False):
    """sin with a deliberately wrong backward: the derivative times ``factor``, or (with
    ``detached``) the right one computed from a detached input, so that its own derivative
    is lost."""
    return function(module, lambda x: x.sin(),
                    lambda x, g: g * (x.detach() if detached else x).cos() * factor)


def test_wrong_backward_is_caught_with_torchs_report():
    def run(m):
        return m.autograd.gradcheck(wrong_sin(m), inputs(m, A))

    kind, message = on_both(run)  # the same text, Jacobians included
    assert kind == "GradcheckError"
    assert message.startswith("Jacobian mismatch for output 0 with respect to input 0,\n"
                              "numerical:tensor([[")
    assert "\nanalytical:tensor([[" in message
    with pytest.raises(error_type(tg)) as caught:
        run(tg)
    assert isinstance(caught.value, RuntimeError)


def test_mismatch_names_the_output_and_the_input():
    # the second output is wrong in its second input only (0-based, among those checked)
    def run(m):
        f = wrong_sin(m, factor=3.0)
        return m.autograd.gradcheck(lambda a, b: (a.exp(), a.sum() * f(b)), inputs(m, A, B))

    kind, message = on_both(run)
    assert kind == "GradcheckError"
    assert message.startswith("Jacobian mismatch for output 1 with respect to input 1,")


def test_raise_exception_false_returns_false():
    assert on_both(lambda m: m.autograd.gradcheck(wrong_sin(m), inputs(m, A),
                                                  raise_exception=False)) is False
    assert on_both(lambda m: m.autograd.gradcheck(wrong_sin(m, factor=1.0), inputs(m, A),
                                                  raise_exception=False)) is True


def test_tolerances_decide():
    # a derivative off by 1% passes with rtol=0.05 and fails with the default 1e-3
    def run(m, rtol):
        return m.autograd.gradcheck(wrong_sin(m, factor=1.01), inputs(m, P), rtol=rtol,
                                    raise_exception=False)

    assert on_both(lambda m: run(m, 0.05)) is True
    assert on_both(lambda m: run(m, 1e-3)) is False


def test_gradgradcheck_catches_a_wrong_second_derivative():
    # backward right, but computed from a detached input: gradcheck passes, gradgradcheck
    # sees the second derivative missing; its report prints torch's random grad_outputs
    assert on_both(lambda m: m.autograd.gradcheck(wrong_sin(m, 1.0, True), inputs(m, A)))

    def run(m):
        m.manual_seed(3)
        return m.autograd.gradgradcheck(wrong_sin(m, 1.0, True), inputs(m, A))

    kind, message = on_both(run)
    assert kind == "GradcheckError"
    assert message.startswith("Jacobian mismatch for output 0 with respect to input 0,")


def test_gradgradcheck_with_given_and_noncontiguous_grad_outputs():
    def given(m):
        f = wrong_sin(m, 1.0, True)
        return m.autograd.gradgradcheck(f, inputs(m, A), (m.tensor(P, requires_grad=True),))

    assert on_both(given)[0] == "GradcheckError"

    def noncontiguous(m):
        m.manual_seed(1)
        return m.autograd.gradgradcheck(lambda a: a.tanh() * a, inputs(m, A),
                                        gen_non_contig_grad_outputs=True)

    assert on_both(noncontiguous) is True


def test_float32_input_warns_as_torch():
    def run(m):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            r = m.autograd.gradcheck(lambda a: a * 2, (m.ones(2, requires_grad=True),),
                                     eps=1e-2, atol=1e-2, rtol=1e-2)
        return r, [(type(x.message).__name__, str(x.message)) for x in w]

    result, caught = on_both(run)
    assert result is True
    assert caught[0][1].startswith("Input #0 requires gradient and is not a double precision")


def test_backward_not_multiplied_by_grad_output():
    # the right Jacobian of a sum, but the adjoint ignored: gradcheck's zero-adjoint check
    def run(m):
        f = function(m, lambda x: x.sum(), lambda x, g: m.ones_like(x))
        return m.autograd.gradcheck(f, inputs(m, A))

    assert on_both(run) == ("GradcheckError", "backward not multiplied by grad_output")


def test_backward_not_reentrant():
    def run(m):
        calls = [0]

        def drifting(x, g):
            calls[0] += 1
            return g * 2 + calls[0] * 1e-12

        return m.autograd.gradcheck(function(m, lambda x: x * 2, drifting), inputs(m, B))

    kind, message = on_both(run)
    assert (kind, message.split(",")[0]) == ("GradcheckError", "Backward is not reentrant")


def test_nan_jacobians_are_a_mismatch():
    # a negative base to a fractional power: nan in both Jacobians, which never match
    kind, message = on_both(lambda m: m.autograd.gradcheck(lambda a, b: a ** b,
                                                           inputs(m, A, P)))
    assert kind == "GradcheckError" and "nan" in message


def test_no_differentiable_output():
    # an output that does not require grad but depends on the input
    assert on_both(lambda m: m.autograd.gradcheck(lambda a: a.detach() * 2,
                                                  inputs(m, A))) == (
        "GradcheckError", "Numerical gradient for function expected to be zero")
    assert on_both(lambda m: m.autograd.gradcheck(lambda a: a.detach() * 0, inputs(m, A)))


def test_input_errors():
    kind, _ = on_both(lambda m: m.autograd.gradcheck(lambda a: a, (m.ones(2),)))
    assert kind == "ValueError"
    kind, _ = on_both(lambda m: m.autograd.gradcheck(
        lambda a: a * 1, (m.ones(2, 1, dtype=m.float64).expand(2, 3).requires_grad_(),)))
    assert kind == "RuntimeError"
    kind, _ = on_both(lambda m: m.autograd.gradcheck(lambda a: a, inputs(m, A),
                                                     check_backward_ad=False))
    assert kind == "AssertionError"


def test_other_arguments_and_single_tensor_input():
    def run(m):
        x = m.tensor(A, requires_grad=True)
        return m.autograd.gradcheck(lambda a, k, c: (a * c).sum(k), (x, 1, 2.5), eps=1e-7,
                                    atol=1e-6, nondet_tol=1e-9, check_undefined_grad=False,
                                    check_grad_dtypes=True)

    assert on_both(run) is True
    assert on_both(lambda m: m.autograd.gradcheck(lambda a: a.cos(),
                                                  m.tensor(B, requires_grad=True))) is True


def test_names_as_torchs():
    from tinygrad_lite.autograd.gradcheck import GradcheckError

    assert callable(tg.autograd.gradcheck) and callable(tg.autograd.gradgradcheck)
    assert GradcheckError.__mro__[1] is RuntimeError
    assert GradcheckError.__module__ == "tinygrad_lite.autograd.gradcheck"


@pytest.mark.parametrize("forward", [False, True], ids=["reverse", "forward"])
@pytest.mark.parametrize("name", CORRECT)
def test_batched_checks_pass_correct_functions(name, forward):
    # the adjoints (tangents) drawn from the global generator, as torch's: the same state after
    fn, arrays = CORRECT[name]

    def run(m):
        m.manual_seed(3)
        kw = {"check_forward_ad": True, "check_batched_forward_grad": True} if forward else {}
        ok = m.autograd.gradcheck(fn, inputs(m, *arrays), check_batched_grad=True, **kw)
        return ok, m.rand(2).tolist()

    ok, after = on_both(run)
    assert ok is True


def test_batched_grad_of_gradgradcheck():
    def run(m):
        m.manual_seed(1)
        return m.autograd.gradgradcheck(lambda a: (a * a).sin(), inputs(m, A),
                                        check_batched_grad=True)

    assert on_both(run) is True


@pytest.mark.parametrize("forward", [False, True], ids=["reverse", "forward"])
def test_batched_checks_catch_a_vmap_that_differs(monkeypatch, forward):
    # the check itself: with a vmap that doubles every result, the batched gradients differ
    # from those taken one at a time, and the report is PyTorch's
    import tinygrad_lite.func as tl_func

    real = tl_func.vmap
    monkeypatch.setattr(tl_func, "vmap", lambda f: lambda v: tuple(r * 2 for r in real(f)(v)))
    kw = {"check_forward_ad": True, "check_batched_forward_grad": True} if forward else {
        "check_batched_grad": True}
    with pytest.raises(error_type(tg)) as caught:
        tg.autograd.gradcheck(lambda a: a.sin(), inputs(tg, A), **kw)
    message = str(caught.value)
    assert message.startswith("For output 0 and input 0:\n\n")
    assert message.split("\n\n", 1)[1].lstrip("\n").startswith("gradcheck ")
    assert ("with forward-mode AD" in message) == forward
    assert "\n\nGot:\ntensor(" in message and "\n\nExpected:\ntensor(" in message


# ----------------------------------------------------------------------------------------
# check_forward_ad: the Jacobians computed in forward mode too
# ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("backward_too", [True, False], ids=["both", "forward"])
@pytest.mark.parametrize("fast", [False, True], ids=["slow", "fast"])
@pytest.mark.parametrize("name", CORRECT)
def test_forward_ad_check_passes_correct_functions(name, fast, backward_too):
    fn, arrays = CORRECT[name]
    assert on_both(lambda m: m.autograd.gradcheck(
        fn, inputs(m, *arrays), check_forward_ad=True, check_backward_ad=backward_too,
        fast_mode=fast)) is True


def with_tangent_rule(module, jvp_factor=1.0, backward=lambda x, g: g * x.cos(), jvp=True):
    """``apply`` of a Function computing sin with the backward rule ``backward(x, g)`` and
    (if ``jvp``) a tangent rule that is the derivative times ``jvp_factor``."""

    class Sin(module.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            ctx.save_for_forward(x)
            return x.sin()

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return backward(x, g)

    if jvp:  # ctx.saved_tensors: what save_for_forward kept
        Sin.jvp = staticmethod(lambda ctx, t: t * ctx.saved_tensors[0].cos() * jvp_factor)
    return Sin.apply


@pytest.mark.parametrize("fast", [False, True], ids=["slow", "fast"])
def test_forward_ad_check_catches_a_wrong_tangent_rule_with_torchs_report(fast):
    def run(m, factor, forward_too):
        return outcome(lambda: m.autograd.gradcheck(
            with_tangent_rule(m, factor), inputs(m, A), check_forward_ad=forward_too,
            fast_mode=fast))

    assert run(tg, 3.0, False) is True and run(torch, 3.0, False) is True  # reverse: right
    assert run(tg, 1.0, True) is True and run(torch, 1.0, True) is True
    ours, theirs = run(tg, 3.0, True), run(torch, 3.0, True)
    assert_same_report(ours, theirs)
    assert ours[0] == "GradcheckError"
    assert ours[1].startswith("Jacobian computed with forward mode mismatch for output 0 "
                              "with respect to input 0,\nnumerical:tensor(")


def test_forward_ad_check_of_several_inputs_and_outputs_names_them():
    def run(m):
        f = with_tangent_rule(m, 2.0)
        return outcome(lambda: m.autograd.gradcheck(
            lambda a, b: (a * 2.0, a.sum() + f(b)), inputs(m, A, B), check_forward_ad=True,
            check_backward_ad=False))

    ours = run(tg)
    assert ours == run(torch)
    assert ours[1].startswith("Jacobian computed with forward mode mismatch for output 1 "
                              "with respect to input 1,")


def test_forward_ad_check_no_differentiable_output():
    assert on_both(lambda m: m.autograd.gradcheck(
        lambda a: a.detach() * 2, inputs(m, A), check_forward_ad=True,
        check_backward_ad=False)) == ("GradcheckError",
                                     "Numerical gradient for function expected to be zero")


@pytest.mark.parametrize("name", ["sin", "exp * cos", "a * b broadcast", "matmul", "softmax",
                                  "var, std", "0-d input"])
def test_gradgradcheck_forward_over_reverse(name):
    fn, arrays = CORRECT[name]

    def run(m):
        m.manual_seed(0)
        return m.autograd.gradgradcheck(fn, inputs(m, *arrays), check_fwd_over_rev=True)

    assert on_both(run) is True


def test_gradgradcheck_forward_over_reverse_catches_a_lost_second_derivative():
    # the Function's tangent rule is right, and so is the value of its backward, but the
    # backward's own derivative is off by -0.5 g (a term that is 0, made of a detached
    # copy): forward mode over that backward pass sees it, as in torch
    def run(m, jvp):
        f = with_tangent_rule(m, backward=lambda x, g: g * (x.cos() + 0.5 * (x.detach() - x)),
                              jvp=jvp)
        m.manual_seed(0)
        return outcome(lambda: m.autograd.gradgradcheck(
            f, inputs(m, A), check_fwd_over_rev=True, check_rev_over_rev=False,
            check_undefined_grad=False))

    ours, theirs = run(tg, True), run(torch, True)
    # two known differences: torch's tangents of a recorded backward pass require grad (its
    # Jacobian, copied from them, prints a grad_fn), tinygrad_lite's never do; and some of
    # the Jacobian's zeros have the other sign (forward mode alone gives torch's signs)
    theirs = (theirs[0], theirs[1].replace(", grad_fn=<CopySlices>)", ")"))
    ours, theirs = ((r[0], r[1].replace("-0.0000", " 0.0000")) for r in (ours, theirs))
    assert_same_report(ours, theirs)
    assert ours[1].startswith("Jacobian computed with forward mode mismatch")
    assert run(tg, False) == run(torch, False) == (
        "NotImplementedError", "You must implement the jvp function for custom "
        "autograd.Function to use it with forward mode AD.")


# ----------------------------------------------------------------------------------------
# fast_mode: one random projection v^T J u of each Jacobian
# ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", CORRECT)
def test_fast_mode_passes_correct_functions(name):
    fn, arrays = CORRECT[name]
    assert on_both(lambda m: m.autograd.gradcheck(fn, inputs(m, *arrays),
                                                  fast_mode=True)) is True


NUMBER = re.compile(r"-?\d+\.\d+(?:e-?\d+)?")


def assert_same_report(ours, theirs):
    """The same text, but the numbers printed in full (the projections and the largest
    difference), which may differ from torch's in the last bit: the sums and the dot
    product of fast mode add in NumPy's order, not in torch's kernels' (rel. 1e-12)."""
    assert ours[0] == theirs[0]
    assert NUMBER.sub("#", ours[1]) == NUMBER.sub("#", theirs[1])
    a, b = NUMBER.findall(ours[1]), NUMBER.findall(theirs[1])
    np.testing.assert_allclose([float(x) for x in a], [float(x) for x in b], rtol=1e-12)


def test_fast_mode_catches_a_wrong_backward_with_torchs_report():
    def run(m, f, args):
        return outcome(lambda: m.autograd.gradcheck(f(m), inputs(m, *args), fast_mode=True))

    cases = [(lambda m: wrong_sin(m), [A]),
             (lambda m: (lambda a, b: (a.exp(), a.sum() * wrong_sin(m, 3.0)(b))), [A, B])]
    for f, args in cases:
        ours, theirs = run(tg, f, args), run(torch, f, args)
        assert_same_report(ours, theirs)
        assert ours[0] == "GradcheckError"
        assert "Below, we recompute numerical and analytical jacobians in slow mode" in ours[1]


def test_fast_mode_failing_where_slow_mode_passes_says_so():
    # J = diag(1, -k) with k chosen so that the projection v^T J u is 0 for fast mode's
    # vectors (the first draws of a fresh Generator): an error of 5e-4 in J[0, 0] is
    # within slow mode's tolerances, not within fast mode's
    g = torch.Generator()
    u, v = torch.rand(2, generator=g).double(), torch.rand(2, generator=g).double()
    u, v = u / u.norm(), v / v.norm()
    c = np.array([1.0, float(u[0] * v[0] / (u[1] * v[1]))])

    def run(m):
        f = function(m, lambda x: x * m.tensor(c * [1, -1]),
                     lambda x, g: g * m.tensor(c * [1, -1] + [5e-4, 0]))
        return outcome(lambda: m.autograd.gradcheck(f, inputs(m, B[:2]), fast_mode=True))

    ours, theirs = run(tg), run(torch)
    assert_same_report(ours, theirs)
    assert "Fast gradcheck failed but element-wise differences are small" in ours[1]


def test_fast_mode_gradgradcheck():
    def run(m, f):
        m.manual_seed(0)
        return outcome(lambda: m.autograd.gradgradcheck(f(m), inputs(m, A), fast_mode=True))

    assert on_both(lambda m: run(m, lambda m: (lambda a: a.tanh() * a))) is True
    ours, theirs = (run(m, lambda m: wrong_sin(m, 1.0, True)) for m in (tg, torch))
    assert_same_report(ours, theirs)
    assert ours[0] == "GradcheckError"


def test_fast_mode_no_differentiable_output():
    assert on_both(lambda m: m.autograd.gradcheck(lambda a: a.detach() * 2, inputs(m, A),
                                                  fast_mode=True)) == (
        "GradcheckError", "Numerical gradient for function expected to be zero")


def test_batched_grad_reports_are_torchs_words():
    ours, theirs = error_module(tg), error_module(torch)
    for name in ("FAILED_BATCHED_GRAD_MSG", "FAILED_BATCHED_GRAD_MSG_FWD_AD",
                 "FAST_FAIL_SLOW_OK_MSG", "FAILED_NONDET_MSG"):
        assert getattr(ours, name) == getattr(theirs, name)


def error_module(module):
    return importlib.import_module(module.__name__ + ".autograd.gradcheck")
