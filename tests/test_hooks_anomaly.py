"""``Tensor.register_hook`` (with ``retain_grad`` and ``autograd.grad``) and anomaly
detection against torch: the gradients the hooks see, what they change, the order, errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from helpers import both, caught, to_numpy

import tinygrad_lite as tg

torch = pytest.importorskip("torch")


def seen(lib, create_graph=False):
    """What every hook sees and what backward leaves, on a small graph with a shared leaf."""
    log = []

    def hook(name, f=None):
        def h(g):
            log.append((name, to_numpy(g).round(12).tolist()))
            return None if f is None else f(g)
        return h

    x = lib.tensor([1.0, -2.0, 0.5], dtype=lib.float64, requires_grad=True)
    w = lib.tensor([0.5, 3.0, -1.0], dtype=lib.float64, requires_grad=True)
    x.register_hook(hook("x1", lambda g: g * 10))
    x.register_hook(hook("x2"))
    removed = w.register_hook(hook("w-removed", lambda g: g * 0))
    removed.remove()
    removed.remove()
    w.register_hook(hook("w"))
    y = x * w
    y.retain_grad()
    y.register_hook(hook("y", lambda g: g + 1))
    z = (y * y + x).sum()
    z.register_hook(hook("z", lambda g: g * 2))
    z.backward(create_graph=create_graph)
    out = [to_numpy(x.grad).tolist(), to_numpy(w.grad).tolist(), to_numpy(y.grad).tolist()]
    y2 = x * w
    y2.register_hook(hook("y2", lambda g: -g))
    gx, gy = lib.autograd.grad((y2 * y2).sum(), [x, y2])
    return log, out, to_numpy(gx).tolist(), to_numpy(gy).tolist()


@pytest.mark.parametrize("create_graph", [False, True])
def test_hooks_see_and_replace_gradients_as_torchs(create_graph):
    ours, theirs = both(lambda lib: seen(lib, create_graph))
    assert ours[0] == theirs[0]  # the same hooks, in the same order, seeing the same values
    for a, b in zip(ours[1:], theirs[1:]):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_leaf_hook_runs_before_accumulation_and_on_0d():
    def f(lib):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        w.grad = lib.ones(2)
        log = []
        w.register_hook(lambda g: log.append((repr(g), repr(w.grad))))
        (w * 2).sum().backward()
        r = lib.tensor(2.0, dtype=lib.float64, requires_grad=True)
        r.register_hook(lambda g: g * 5)
        r.backward()
        s = lib.tensor(3.0, dtype=lib.float64, requires_grad=True)
        s.register_hook(lambda g: g + 1)
        (s * s).backward()
        return log, repr(w.grad), repr(r.grad), repr(s.grad)

    ours, theirs = both(f)
    assert ours == theirs


def test_hook_errors_and_handle_as_torch():
    def cases(lib):
        def run(hook):
            x = lib.tensor([1.0, 2.0], requires_grad=True)
            x.register_hook(hook)
            return caught(lambda: (x * 2).sum().backward())

        handle = lib.ones(1, requires_grad=True).register_hook(lambda g: None)
        return [caught(lambda: lib.ones(2).register_hook(lambda g: g)),
                run(lambda g: g[:1]), run(lambda g: g.double()), run(lambda g: 3),
                type(handle).__module__ + "." + type(handle).__name__]

    ours, theirs = both(cases)
    assert ours == theirs


def test_a_dropped_tensor_unregisters_its_hooks():
    from tinygrad_lite import _watch

    before = len(_watch.registry)
    x = tg.ones(2, requires_grad=True)
    x.register_hook(lambda g: g)
    assert len(_watch.registry) == before + 1
    del x
    assert len(_watch.registry) == before


def nan_backward(lib, mode):
    x = lib.tensor([0.0, 1.0], requires_grad=True)
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        if mode == "context":
            with lib.autograd.detect_anomaly():
                err = caught(lambda: (x / x).sum().backward())
        elif mode == "set":
            y = (x.sqrt() * 0).sum()  # MulBackward0 then SqrtBackward0: 0 / (2 * 0) is nan
            lib.autograd.set_detect_anomaly(True)
            try:
                err = caught(lambda: y.backward())
            finally:
                lib.autograd.set_detect_anomaly(False)
        elif mode == "check_nan off":
            with lib.autograd.set_detect_anomaly(True, check_nan=False):
                err = caught(lambda: (x / x).sum().backward())
        else:  # off: nan flows quietly
            err = caught(lambda: (x / x).sum().backward())
    msgs = [str(w.message).split(" (Triggered internally")[0] for w in got]
    return err, [m for m in msgs if "Traceback" not in m], lib.is_anomaly_enabled(), repr(x.grad)


@pytest.mark.parametrize("mode", ["context", "set", "check_nan off", "off"])
def test_detect_anomaly_names_the_rule_as_torch(mode):
    ours, theirs = both(lambda lib: nan_backward(lib, mode))
    assert ours[0] == theirs[0]
    assert ours[2:] == theirs[2:]
    if mode == "set":  # torch had no forward trace either: the same warning
        assert ours[1] == theirs[1]
    else:  # (torch also warns with the forward traceback, which is not recorded here)
        assert set(ours[1]) <= set(theirs[1]) | {
            "Error detected in DivBackward0. No forward pass information available. Enable "
            "detect anomaly during forward pass for more information."}


def _retained(lib, create_graph):
    """What ``retain_grad()`` leaves after ``autograd.grad`` and ``backward(inputs=...)``:
    PyTorch fills the ``.grad`` of a retained tensor that leads to one of the inputs, or is
    one, and leaves the others alone (their nodes do not run)."""
    x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
    z = lib.tensor([3.0, 4.0], dtype=lib.float64, requires_grad=True)
    h, h2 = x * 2, z * 3
    h.retain_grad()
    h2.retain_grad()
    y = (h * h2).sum()
    log = []

    def note(what):
        log.append((what, [None if t.grad is None else to_numpy(t.grad).tolist()
                           for t in (h, h2, x, z)],
                    None if h.grad is None or h.grad.grad_fn is None
                    else h.grad.grad_fn.name()))

    lib.autograd.grad(y, x, retain_graph=True, create_graph=create_graph)
    note("grad to x")
    lib.autograd.grad(y, h, retain_graph=True, create_graph=create_graph)
    note("grad to h itself")
    y.backward(inputs=[x], retain_graph=True, create_graph=create_graph)
    note("backward to x")
    y.backward(inputs=[h], create_graph=create_graph)
    note("backward to h: filled once")
    return log


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
@pytest.mark.parametrize("create_graph", [False, True])
def test_retain_grad_under_autograd_grad_and_backward_inputs(create_graph):
    ours, theirs = both(lambda m: _retained(m, create_graph))
    assert ours == theirs
