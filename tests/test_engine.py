"""The tape itself: the Wengert list, its table, freeing, depth, saved values, second order."""

from __future__ import annotations

import gc
import math
import sys
import warnings
import weakref

import numpy as np
import pytest
from helpers import lib as module_of

import tinygrad_lite as tl

torch = pytest.importorskip("torch")

F64 = {"dtype": tl.float64, "requires_grad": True}


def baydin(lib, x1, x2):
    """f(x1, x2) = ln(x1) + x1*x2 - sin(x2), the worked example of Baydin et al. 2018."""
    return lib.log(x1) + x1 * x2 - lib.sin(x2)


def test_baydin_values_and_gradients():
    x1, x2 = tl.tensor(2.0, **F64), tl.tensor(5.0, **F64)
    y = baydin(tl, x1, x2)
    y.backward()
    assert y.item() == pytest.approx(11.6520715, abs=5e-8)
    assert x1.grad.item() == pytest.approx(5.5, abs=1e-12)
    assert x2.grad.item() == pytest.approx(1.7163378, abs=5e-8)
    # and exactly torch's numbers
    t1 = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    t2 = torch.tensor(5.0, dtype=torch.float64, requires_grad=True)
    baydin(torch, t1, t2).backward()
    assert x1.grad.item() == pytest.approx(t1.grad.item(), rel=1e-15)
    assert x2.grad.item() == pytest.approx(t2.grad.item(), rel=1e-15)


def test_tape_table_lists_records_in_creation_order():
    x1, x2 = tl.tensor(2.0, **F64), tl.tensor(5.0, **F64)
    y = baydin(tl, x1, x2)
    tape = tl.tape(y, x1=x1, x2=x2)
    ops = [r.op for r in tape]
    assert ops == ["input", "input", "LogBackward0", "MulBackward0", "AddBackward0",
                   "SinBackward0", "SubBackward0"]
    assert [r.name for r in tape][:2] == ["x1", "x2"]
    assert tape[3].inputs == ["x1", "x2"]
    text = str(tape)
    assert "index" in text and "adjoint" not in text
    assert "11.65207" in text
    assert x1.grad is None  # looking at the tape computes nothing


def test_tape_backward_keeps_every_adjoint_without_touching_grad():
    x1, x2 = tl.tensor(2.0, **F64), tl.tensor(5.0, **F64)
    y = baydin(tl, x1, x2)
    tape = tl.tape(y, x1=x1, x2=x2).backward()
    adj = {r.op if r.op != "input" else r.name: r.adjoint for r in tape}
    assert adj["x1"] == pytest.approx(5.5)
    assert adj["x2"] == pytest.approx(1.7163378, abs=5e-8)
    assert adj["SinBackward0"] == -1.0
    assert adj["SubBackward0"] == 1.0
    assert tape.adjoint(x1) == pytest.approx(5.5)
    assert "adjoint" in str(tape)
    assert x1.grad is None and x2.grad is None
    y.backward()  # the graph was not freed by looking at it
    assert x1.grad.item() == pytest.approx(5.5)


def test_only_what_the_output_depends_on_is_visited():
    a = tl.tensor(1.0, **F64)
    b = tl.tensor(2.0, **F64)
    used = a * 3.0
    _unused = b * 4.0  # recorded, but y does not depend on it
    y = used + 1.0
    assert [r.op for r in tl.tape(y)] == ["input", "MulBackward0", "AddBackward0"]
    y.backward()
    assert b.grad is None and a.grad.item() == 3.0


def test_fan_out_adds_adjoints():
    x = tl.tensor(3.0, **F64)
    b = x + x  # the diamond: b used twice below
    y = b * b + b.sin()
    y.backward()
    expected = 2 * (2 * 6.0 + math.cos(6.0))
    assert x.grad.item() == pytest.approx(expected, rel=1e-15)


# Graph shapes for the sweep's order: a tree of records needs no sort (each record is
# collected after its only user); a record used twice, reached again through a first
# input, a second input, an input of three or more, or a second root, makes it sort.
ORDER_CASES = {
    "chain": lambda a, b: ((a * b + b).tanh() ** 2).sin(),
    "tree": lambda a, b: (a * b).exp() + (a - b).sin() * (b + 1.0).cos(),
    "shared first input": lambda a, b: (lambda u: (u * 2.0) * b + u.exp())(a * b),
    "shared second input": lambda a, b: (lambda u: b * (u * 2.0) + a * u)(a.sin()),
    "older shared later": lambda a, b: (lambda u: ((a * 3.0).exp() * u) * (u + b))(a * b),
    "deep reuse": lambda a, b: (lambda u: (u.tanh() * a).sin() * u)(a * b + 1.0),
    "three inputs": lambda a, b: (lambda u: module_of(a).stack([u, u * 2.0, u.sin()]))(
        a * b).sum(),
}


@pytest.mark.parametrize("name", ORDER_CASES)
def test_sweep_order_for_trees_and_shared_records(name):
    fn = ORDER_CASES[name]
    grads = []
    for m in (tl, torch):
        a = m.tensor(0.7, dtype=m.float64, requires_grad=True)
        b = m.tensor(-1.3, dtype=m.float64, requires_grad=True)
        fn(a, b).backward()
        grads.append([a.grad.item(), b.grad.item()])
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_scalar_records_take_adjoints_from_array_ops(dtype):
    # records of the scalar fast path (0-d float64 all round) get their adjoint from an
    # array op (a 0-d NumPy value, maybe float32): their rules must give torch's gradients
    seen = []
    for m in (tl, torch):
        a = m.tensor(0.7, dtype=m.float64, requires_grad=True)
        b = m.tensor(-1.3, dtype=m.float64, requires_grad=True)
        s = (a * b - a) + b
        arr = m.tensor([0.5, -2.0, 3.0], dtype=getattr(m, dtype))
        y = (arr * s).sum() + (s * s) * 2.0
        y.backward()
        seen.append([str(a.grad.dtype), a.grad.item(), b.grad.item(), str(y.dtype)])
    assert seen[0][0] == seen[1][0] and seen[0][3] == seen[1][3]
    np.testing.assert_allclose(seen[0][1:3], seen[1][1:3], rtol=1e-6 if dtype == "float32"
                               else 1e-15)


def test_sweep_order_with_one_root_below_another():
    # backward from two roots, one an input of the other: the lower one is reached twice
    seen = []
    for m in (tl, torch):
        a = m.tensor([0.5, -2.0], dtype=m.float64, requires_grad=True)
        u = (a * a).sin()
        v = (u * 3.0).exp().sum()
        m.autograd.backward([v, u.sum()])
        seen.append(a.grad.tolist())
    np.testing.assert_allclose(seen[0], seen[1], rtol=1e-14)


def test_graph_is_freed_by_reference_counting_alone():
    """No reference cycles: with the cyclic collector off, dropping the output frees all."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        x = tl.tensor(0.5, **F64)
        w = tl.tensor(np.ones((3, 3)), requires_grad=True)
        y = x
        probes = []
        for _ in range(50):
            y = (y * 1.5 + 0.1).tanh()
            probes.append(weakref.ref(y))
        z = (w @ w).sum() * y
        probes.append(weakref.ref(z))
        _ = z.grad_fn.next_functions  # cached grad_fn objects must not make cycles
        z.backward()
        del y, z, _
        assert all(p() is None for p in probes)
        assert gc.isenabled() is False  # the library never touches gc settings
    finally:
        if was_enabled:
            gc.enable()


def test_library_never_changes_gc_settings():
    before = (gc.isenabled(), gc.get_threshold())
    x = tl.tensor(1.0, **F64)
    (x * x).backward()
    assert (gc.isenabled(), gc.get_threshold()) == before


def test_backward_is_iterative_deep_chain():
    """Far deeper than the recursion limit (micrograd fails near 500)."""
    depth = 20 * sys.getrecursionlimit()
    x = tl.tensor(1.0, **F64)
    y = x
    for _ in range(depth):
        y = y * 1.0001 + 0.0001
    y.backward()
    assert x.grad.item() == pytest.approx(1.0001**depth, rel=1e-9)


@pytest.mark.slow
def test_million_op_chain():
    x = tl.tensor(1.0, **F64)
    y = x
    for _ in range(500_000):  # 1,000,000 recorded ops
        y = y * 1.0001 + 0.0001
    y.backward()
    assert x.grad.item() == pytest.approx(1.0001**500_000, rel=1e-9)


def test_second_backward_needs_retain_graph_only_for_saved_values():
    x = tl.tensor(2.0, **F64)
    y = x * x
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()
    # adds and sums save nothing: torch lets them run twice, so do we
    a = tl.tensor([1.0, 2.0], requires_grad=True)
    s = (a + 2).sum()
    s.backward()
    s.backward()
    assert a.grad.tolist() == [2.0, 2.0]
    # retain_graph keeps saved values; gradients accumulate
    x = tl.tensor(2.0, **F64)
    y = x * x
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.item() == 8.0


def test_freed_record_raises_in_every_kind_of_pass():
    # a record released by a plain backward() raises torch's error (the same text) in a
    # later pass of any kind (retain_graph, create_graph, autograd.grad, through a record
    # that saves nothing first), and its grad_fn names stay torch's
    for second in ("plain", "retain", "create_graph", "grad"):
        seen = []
        for m in (tl, torch):
            x = m.tensor([1.0, 2.0], requires_grad=True)
            y = ((x * x) + 1.0).sum()
            y.backward()
            names = [y.grad_fn.name(),
                     y.grad_fn.next_functions[0][0].next_functions[0][0].name()]
            with pytest.raises(RuntimeError) as e:
                if second == "plain":
                    y.backward()
                elif second == "retain":
                    y.backward(retain_graph=True)
                elif second == "create_graph":
                    y.backward(create_graph=True)
                else:
                    m.autograd.grad(y, x)
            seen.append((names, str(e.value)))
        assert seen[0] == seen[1]
        assert "backward through the graph a second time" in seen[0][1]


def test_retain_graph_keeps_every_rule_for_the_next_pass():
    seen = []
    for m in (tl, torch):
        x = m.tensor([0.3, -1.2], dtype=m.float64, requires_grad=True)
        y = ((x.sin() * x).exp() + x * x).sum()
        y.backward(retain_graph=True)
        y.backward(retain_graph=True)
        y.backward()
        with pytest.raises(RuntimeError, match="backward through the graph a second time"):
            y.backward()
        seen.append(x.grad.tolist())
    np.testing.assert_allclose(seen[0], seen[1], rtol=1e-14)


def test_retain_graph_pass_into_a_freed_part_raises_as_torch():
    for m in (tl, torch):
        a = m.tensor([0.5, 2.0], dtype=m.float64, requires_grad=True)
        z = a * a
        z.sin().sum().backward()  # frees z's record
        with pytest.raises(RuntimeError, match="backward through the graph a second time"):
            (z * 2.0).sum().backward(retain_graph=True)
        w = (a * 3.0).sum()  # a fresh graph still runs
        w.backward()
        assert a.grad.tolist() == pytest.approx([2 * 0.5 * math.cos(0.25) + 3.0,
                                                 2 * 2.0 * math.cos(4.0) + 3.0])


def test_freed_error_leaves_no_stale_state():
    x = tl.tensor(3.0, **F64)
    y = x.exp()
    y.backward()
    with pytest.raises(RuntimeError):
        y.backward()
    z = x * 2.0
    z.backward()
    assert x.grad.item() == pytest.approx(math.exp(3.0) + 2.0)


def test_second_derivative_of_baydin_matches_torch():
    x1, x2 = tl.tensor(2.0, **F64), tl.tensor(5.0, **F64)
    g1, g2 = tl.autograd.grad(baydin(tl, x1, x2), (x1, x2), create_graph=True)
    t1 = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    t2 = torch.tensor(5.0, dtype=torch.float64, requires_grad=True)
    h1, h2 = torch.autograd.grad(baydin(torch, t1, t2), (t1, t2), create_graph=True)
    for ours, theirs in ((g1, h1), (g2, h2)):
        assert ours.item() == pytest.approx(theirs.item(), rel=1e-15)
        row = tl.autograd.grad(ours, (x1, x2), allow_unused=True)
        trow = torch.autograd.grad(theirs, (t1, t2), allow_unused=True)
        for a, b in zip(row, trow):
            assert (a is None) == (b is None)
            if a is not None:
                assert a.item() == pytest.approx(b.item(), rel=1e-14, abs=1e-15)


@pytest.mark.parametrize("name", ["exp", "log", "sin", "cos", "tanh", "sigmoid", "sqrt"])
def test_second_derivatives_of_scalar_ops(name):
    x = tl.tensor(0.7, **F64)
    t = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    (g,) = tl.autograd.grad(getattr(x, name)() * x, x, create_graph=True)
    (tg,) = torch.autograd.grad(getattr(t, name)() * t, t, create_graph=True)
    g.backward()
    tg.backward()
    assert g.item() == pytest.approx(tg.item(), rel=1e-14)
    assert x.grad.item() == pytest.approx(t.grad.item(), rel=1e-13)


def test_backward_create_graph_fills_grad_with_a_graph():
    x = tl.tensor(3.0, **F64)
    y = x**3
    y.backward(create_graph=True)
    assert x.grad.grad_fn is not None
    (h,) = tl.autograd.grad(x.grad, x)
    assert h.item() == pytest.approx(18.0)


def test_autograd_grad_does_not_touch_dot_grad_and_handles_unused():
    x = tl.tensor(1.0, **F64)
    u = tl.tensor(2.0, **F64)
    (g,) = tl.autograd.grad(x * 4.0, x)
    assert g.item() == 4.0 and x.grad is None
    with pytest.raises(RuntimeError, match="not have been used"):
        tl.autograd.grad(x * 4.0, [x, u])
    g, gu = tl.autograd.grad(x * 4.0, [x, u], allow_unused=True)
    assert gu is None


def test_retain_grad_fills_non_leaf_grad():
    x = tl.tensor(-2.0, requires_grad=True)
    y = tl.tensor(5.0, requires_grad=True)
    q = x + y
    q.retain_grad()
    f = q * tl.tensor(-4.0, requires_grad=True)
    f.backward()
    assert q.grad.item() == -4.0


def test_backward_inputs_fills_only_those_grads_as_torch():
    """backward(inputs=...) with a leaf, a non-leaf and a constant among the graph's inputs."""
    got = {}
    for lib in (tl, torch):
        x = lib.tensor([0.5, -1.5, 2.0], dtype=lib.float64, requires_grad=True)
        w = lib.tensor([1.5, 0.25, -2.0], dtype=lib.float64, requires_grad=True)
        c = lib.tensor([3.0, 1.0, 0.5], dtype=lib.float64)  # a constant input
        h = (x * w).tanh()
        loss = ((h * c + x) ** 2).sum()
        loss.backward(inputs=[w, h])
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # h has a .grad now: no non-leaf warning, as torch
            got[lib] = (x.grad, w.grad.detach().numpy().copy(), h.grad.detach().numpy().copy(),
                        c.grad)
    ours, theirs = got[tl], got[torch]
    assert ours[0] is None and theirs[0] is None  # x is not in inputs
    assert ours[3] is None and theirs[3] is None  # the constant never gets a gradient
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-12, atol=0)
    np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-12, atol=0)


def test_custom_function_is_one_record():
    class Sigmoid(tl.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            out = 1 / (1 + (-x).exp())
            ctx.save_for_backward(out)
            return out

        @staticmethod
        def backward(ctx, grad):
            (out,) = ctx.saved_tensors
            return grad * out * (1 - out)

    x = tl.tensor([0.3, -1.2], **F64)
    y = Sigmoid.apply(x)
    assert repr(y.grad_fn).startswith("<SigmoidBackward object at 0x")
    assert [r.op for r in tl.tape(y)] == ["input", "SigmoidBackward"]
    y.sum().backward()
    t = torch.tensor([0.3, -1.2], dtype=torch.float64, requires_grad=True)
    torch.sigmoid(t).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-14)


def test_grad_mode_switches():
    x = tl.tensor(1.0, requires_grad=True)
    with tl.no_grad():
        assert not tl.is_grad_enabled()
        assert (x * 2).requires_grad is False
        with tl.enable_grad():
            assert (x * 2).requires_grad is True
    assert tl.is_grad_enabled()
    with tl.set_grad_enabled(False):
        assert (x * 2).grad_fn is None
    tl.set_grad_enabled(False)
    assert not tl.is_grad_enabled()
    tl.set_grad_enabled(True)

    @tl.no_grad()
    def f(t):
        return t * 2

    assert f(x).requires_grad is False


def test_variable_returns_a_new_leaf_sharing_storage_as_torch():
    for lib in (tl, torch):
        t = lib.tensor([1.0, 2.0])
        v = lib.autograd.Variable(t, requires_grad=True)
        assert v is not t and v.is_leaf and v.requires_grad and not t.requires_grad
        (v * v).sum().backward()
        assert v.grad.tolist() == [2.0, 4.0] and t.grad is None
        with lib.no_grad():
            v.mul_(10)
        assert t.tolist() == [10.0, 20.0]  # the same storage
        y = lib.tensor(1.0, requires_grad=True) * 2
        u = lib.autograd.Variable(y)  # a computed tensor: cut from its graph
        assert u.is_leaf and not u.requires_grad and u.grad_fn is None


@pytest.mark.parametrize("call", [
    lambda lib: lib.sigmoid(1.0),
    lambda lib: lib.exp([1.0]),
    lambda lib: lib.sum(3.0),
    lambda lib: lib.maximum(lib.ones(1), 5.0),
    lambda lib: lib.max(lib.ones(1), 5.0),
])
def test_non_tensor_arguments_raise_torchs_type_error(call):
    messages = []
    for lib in (tl, torch):
        with pytest.raises(TypeError) as e:
            call(lib)
        messages.append(str(e.value))
    assert messages[0] == messages[1]


def test_grad_fn_class_is_named_as_torchs():
    y = tl.ones(1, requires_grad=True) * 2
    t = torch.ones(1, requires_grad=True) * 2
    assert type(y.grad_fn).__name__ == type(t.grad_fn).__name__ == "MulBackward0"


def test_in_place_on_a_view_of_a_leaf_raises_torchs_error():
    texts = []
    for lib in (tl, torch):
        x = lib.ones(3, requires_grad=True)
        with pytest.raises(RuntimeError) as e:
            x[0] += 1
        texts.append(str(e.value).split("\n")[0])
    assert texts[0] == texts[1]
