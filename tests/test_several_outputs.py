"""Nodes with several outputs (unbind, split, chunk, batch norm's gradients), against torch.

PyTorch gives the outputs of one such call one ``grad_fn`` node (``a.grad_fn is
b.grad_fn``); an edge to it says which output it leads to (``next_functions`` gives
``(node, 1)`` for the second), and under ``create_graph`` its backward runs once, with the
adjoints of all its outputs, recording one ``StackBackward0`` (unbind) or ``CatBackward0``
(split). Each test runs one scenario in both libraries and compares what it shows: values
(float64, rtol 1e-12, atol 1e-14), names and output numbers, hook calls.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import graph_names, lib, to_numpy

import tinygrad_lite as tg

torch = pytest.importorskip("torch")

A = np.random.default_rng(3).uniform(-2, 2, (4, 3))


def _x(m):
    return m.tensor(A, requires_grad=True)


def _same(ours, theirs):
    assert type(ours) is type(theirs) or isinstance(ours, tg.Tensor)
    if isinstance(ours, (list, tuple)):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _same(a, b)
    elif isinstance(ours, tg.Tensor):
        assert isinstance(theirs, torch.Tensor) and tuple(ours.shape) == tuple(theirs.shape)
        np.testing.assert_allclose(to_numpy(ours), to_numpy(theirs), rtol=1e-12, atol=1e-14)
    elif isinstance(ours, float):
        assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-14)
    else:
        assert ours == theirs


def _run_both(scenario):
    _same(scenario(tg), scenario(torch))


SPLITS = {
    "unbind": lambda x: x.unbind(),
    "unbind dim 1": lambda x: x.unbind(1),
    "split": lambda x: x.split(2),
    "split with sizes": lambda x: x.split([1, 0, 3]),
    "chunk": lambda x: x.chunk(3, dim=1),
}


@pytest.mark.parametrize("name", SPLITS)
def test_the_outputs_share_one_node_and_edges_name_their_output(name):
    def scenario(m):
        x = _x(m)
        outs = SPLITS[name](x)
        y = outs[-1].sum() * outs[0].sum()
        return ([o.grad_fn is outs[0].grad_fn for o in outs], type(outs[0].grad_fn).__name__,
                [i for _, i in y.grad_fn.next_functions[0][0].next_functions],
                [i for _, i in y.grad_fn.next_functions[1][0].next_functions])

    _run_both(scenario)


USES = {  # functions of the outputs
    # a tree of records: each output used once; the last one is reached first when the
    # records are collected, the first one's adjoint comes later
    "each once": lambda outs: (outs[-1] * 2).sum() + (outs[0] ** 3).sum(),
    "shared": lambda outs: ((outs[-1] * 2).sum() + (outs[0] ** 3).sum()
                            + (outs[-1].sin() * outs[0]).sum()),
}


@pytest.mark.parametrize("use", USES)
@pytest.mark.parametrize("name", SPLITS)
def test_the_recorded_backward_is_one_join_of_all_adjoints(name, use):
    def scenario(m):
        x = _x(m)
        g, = m.autograd.grad(USES[use](SPLITS[name](x)), x, create_graph=True)
        gg, = m.autograd.grad((g * g.cos()).sum(), x)
        return g, gg, graph_names([g])

    _run_both(scenario)


def _note(seen, name, returned=None):
    """A hook that notes its call (None where no adjoint reached its tensor)."""
    return lambda g: seen.append((name, None if g is None else g.tolist())) or returned


@pytest.mark.parametrize("create_graph", [False, True])
def test_the_hooks_of_a_nodes_outputs_run_together_in_the_order_registered(create_graph):
    def scenario(m):
        x = _x(m)
        a, b, c, d = x.unbind()
        seen = []
        c.register_hook(_note(seen, "c"))  # c is not used: its hooks get None
        a.register_hook(lambda g: seen.append(("a", g.tolist())) or g * 10)
        b.register_hook(_note(seen, "b"))
        a.register_hook(_note(seen, "a again"))  # sees what the first hook of a returned
        d.register_hook(_note(seen, "d"))
        c.register_hook(_note(seen, "c again"))  # runs right after c's first: output by output
        y = (a * b).sum() + b.sum()
        g, = m.autograd.grad(y, x, create_graph=create_graph)
        return g, seen, graph_names([g]) if create_graph else None

    _run_both(scenario)


def test_a_hook_may_not_replace_none_with_a_tensor():
    def scenario(m):
        x = _x(m)
        p, q = x.split(2)
        q.register_hook(lambda g: m.ones(2, 3))
        try:
            (p * 2).sum().backward()
        except RuntimeError as e:
            return str(e)
        return None

    _run_both(scenario)


def test_retain_grad_and_outputs_as_inputs_of_autograd_grad():
    def scenario(m):
        x = _x(m)
        p, q = x.split([1, 3])
        p.retain_grad()
        y = (p * q[:1]).sum() + q.exp().sum()
        gp, gq, gx = m.autograd.grad(y, (p, q, x), create_graph=True)
        y2 = (p ** 2).sum() + q.sum()
        y2.backward(create_graph=True)
        return gp, gq, gx, p.grad, x.grad, graph_names([gx])

    _run_both(scenario)


def test_a_second_backward_through_the_join_and_a_freed_graph():
    def scenario(m):
        x = _x(m)
        a, b = x.chunk(2)
        y = (a * b).sum()
        y.backward(create_graph=True, retain_graph=True)
        first = x.grad.clone()
        y.backward(create_graph=True)  # a second pass through the same node
        z = (a.exp() * b).sum()
        z.backward()
        try:
            z.backward()
        except RuntimeError as e:
            err = str(e)[:60]
        return first, x.grad, err

    _run_both(scenario)


def test_third_derivative_through_the_join():
    def scenario(m):
        x = _x(m)
        a, b, c, d = x.unbind()
        y = (a * b * c).sum() + (d ** 4).sum()
        g, = m.autograd.grad(y, x, create_graph=True)
        h, = m.autograd.grad((g ** 2).sum(), x, create_graph=True)
        t, = m.autograd.grad(h.sum(), x)
        return g, h, t

    _run_both(scenario)


@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_gradients_are_one_node(affine):
    def scenario(m):
        rng = np.random.default_rng(4)
        x = m.tensor(rng.uniform(-2, 2, (5, 3)), requires_grad=True)
        w = m.tensor(rng.uniform(0.5, 2, 3), requires_grad=True) if affine else None
        b = m.tensor(rng.uniform(-1, 1, 3), requires_grad=True) if affine else None
        y = (lib(x).nn.functional.batch_norm(x, None, None, w, b, training=True) ** 3).sum()
        gs = m.autograd.grad(y, [t for t in (x, w, b) if t is not None], create_graph=True)
        same = [g.grad_fn is gs[0].grad_fn for g in gs]
        use = sum((g * g).sum() for g in gs)
        return (same, [i for _, i in (gs[-1] * 2).grad_fn.next_functions if _ is not None],
                m.autograd.grad(use, x), graph_names([use]))

    _run_both(scenario)


PAIRS = {
    "var_mean": lambda m, x: m.var_mean(x, 1, keepdim=True),
    "std_mean": lambda m, x: m.std_mean(x, 1, keepdim=True),
    "aminmax": lambda m, x: m.aminmax(x, dim=1, keepdim=True),
}


@pytest.mark.parametrize("name", PAIRS)
@pytest.mark.parametrize("create_graph", [False, True])
def test_var_mean_std_mean_and_aminmax_are_one_node(name, create_graph):
    def scenario(m):
        x = _x(m)
        s, mean = PAIRS[name](m, x)
        seen = []
        mean.register_hook(_note(seen, "mean"))
        s.register_hook(_note(seen, "s"))
        y = (s * mean.exp()).sum()
        g, = m.autograd.grad(y, x, create_graph=create_graph, retain_graph=True)
        only_mean, = m.autograd.grad(mean.sum(), x, create_graph=create_graph)
        return (s.grad_fn is mean.grad_fn, g, only_mean, seen,
                graph_names([g]) if create_graph else None)

    _run_both(scenario)
