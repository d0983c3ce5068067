"""Grad mode and inference mode are per thread, as in torch, and inference mode behaves as
torch's: each scenario runs once on each library and both must record the same story."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

import tinygrad_lite as tg
from tinygrad_lite import _tensor

torch = pytest.importorskip("torch")

SAME_TORCH = torch.__version__.startswith("2.13")


def outcome(fn: Callable[[], Any]) -> Any:
    """What ``fn()`` returns, or the (type name, message) of what it raises."""
    try:
        return fn()
    except Exception as e:  # noqa: BLE001 - the raised error is the outcome
        return type(e).__name__, str(e) if SAME_TORCH else ""


def state(m: Any) -> tuple[bool, bool, bool]:
    """Grad mode, inference mode, and whether an operation is recorded, in this thread."""
    x = m.ones(2, requires_grad=True)
    return m.is_grad_enabled(), m.is_inference_mode_enabled(), (x * 2).requires_grad


def in_threads(*workers: Callable[[Any, threading.Barrier, list], None]) -> Callable:
    """A scenario: the workers, each in a thread of its own, share a barrier and a log."""

    def scenario(m: Any) -> list:
        barrier, log = threading.Barrier(len(workers)), []
        threads = [threading.Thread(target=w, args=(m, barrier, log)) for w in workers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return sorted(log)

    return scenario


def first_in_no_grad(m: Any, barrier: threading.Barrier, log: list) -> None:
    with m.no_grad():
        barrier.wait()  # 1: A is in no_grad
        barrier.wait()  # 2: B is in no_grad too
        log.append(("A inside", state(m)))
    barrier.wait()  # 3: A has left, B has not
    barrier.wait()  # 4: B has left
    log.append(("A after", state(m)))


def second_in_no_grad(m: Any, barrier: threading.Barrier, log: list) -> None:
    barrier.wait()  # 1
    log.append(("B while A is in no_grad", state(m)))
    with m.no_grad():
        barrier.wait()  # 2
        barrier.wait()  # 3
        log.append(("B inside, after A left", state(m)))
    barrier.wait()  # 4
    log.append(("B after", state(m)))


def switcher(m: Any, barrier: threading.Barrier, log: list) -> None:
    m.set_grad_enabled(False)  # a call, not a context manager: stays until switched back
    barrier.wait()
    log.append(("switched off", state(m)))
    barrier.wait()
    m.set_grad_enabled(True)
    log.append(("switched on", state(m)))


def bystander(m: Any, barrier: threading.Barrier, log: list) -> None:
    barrier.wait()
    log.append(("bystander", state(m)))
    barrier.wait()


def enabler(m: Any, barrier: threading.Barrier, log: list) -> None:
    with m.no_grad():
        barrier.wait()
        with m.enable_grad():
            log.append(("enable_grad in no_grad", state(m)))
            barrier.wait()
        log.append(("back in no_grad", state(m)))


def inferrer(m: Any, barrier: threading.Barrier, log: list) -> None:
    with m.inference_mode():
        barrier.wait()
        log.append(("inference", state(m), m.ones(1).is_inference()))
        barrier.wait()
    log.append(("inference left", state(m), m.ones(1).is_inference()))


def watcher(m: Any, barrier: threading.Barrier, log: list) -> None:
    barrier.wait()
    log.append(("beside inference", state(m), m.ones(1).is_inference()))
    barrier.wait()


def decorated_caller(m: Any, barrier: threading.Barrier, log: list) -> None:
    @m.no_grad()
    def f() -> tuple:
        barrier.wait()  # both threads are inside f
        result = state(m)
        barrier.wait()
        return result

    log.append(("in decorated f", f()))
    log.append(("after f", state(m)))


SCENARIOS = {
    "interleaved no_grad": in_threads(first_in_no_grad, second_in_no_grad),
    "set_grad_enabled(False) call": in_threads(switcher, bystander),
    "enable_grad inside no_grad": in_threads(enabler, bystander),
    "inference_mode": in_threads(inferrer, watcher),
    "a no_grad-decorated function in two threads": in_threads(decorated_caller,
                                                              decorated_caller),
}


@pytest.mark.parametrize("name", SCENARIOS)
def test_modes_are_per_thread(name):
    ours, theirs = SCENARIOS[name](tg), SCENARIOS[name](torch)
    assert ours == theirs
    assert _tensor._grad_enabled is True  # every thread is back to the default mode


def new_thread_state(m: Any) -> list:
    out: list = []
    t = threading.Thread(target=lambda: out.append(state(m)))
    t.start()
    t.join()
    return out


@pytest.mark.parametrize("ctx", ["no_grad", "inference_mode", "set_grad_enabled(False)"])
def test_new_threads_start_with_grad_enabled(ctx):
    def scenario(m: Any) -> tuple:
        manager = m.set_grad_enabled(False) if ctx.startswith("set") else getattr(m, ctx)()
        with manager:
            return new_thread_state(m), state(m)

    assert scenario(tg) == scenario(torch)


# ----------------------------------------------------------------------------------------
# inference_mode
# ----------------------------------------------------------------------------------------
def modes_inside(m: Any, *managers: Callable[[Any], Any]) -> tuple:
    """The state inside the nested context managers, and after them."""
    def enter(rest: tuple) -> Any:
        if not rest:
            return state(m)
        with rest[0](m):
            return enter(rest[1:])

    return enter(managers), state(m)


NESTINGS = {
    "inference_mode()": (lambda m: m.inference_mode(),),
    "inference_mode(False)": (lambda m: m.inference_mode(False),),
    "inference_mode(mode=True)": (lambda m: m.inference_mode(mode=True),),
    "enable_grad inside inference_mode": (lambda m: m.inference_mode(), lambda m: m.enable_grad()),
    "set_grad_enabled(True) inside inference_mode": (lambda m: m.inference_mode(),
                                                     lambda m: m.set_grad_enabled(True)),
    "no_grad inside inference_mode": (lambda m: m.inference_mode(), lambda m: m.no_grad()),
    "inference_mode(False) inside inference_mode": (lambda m: m.inference_mode(),
                                                    lambda m: m.inference_mode(False)),
    "inference_mode(False) inside no_grad": (lambda m: m.no_grad(),
                                             lambda m: m.inference_mode(False)),
    "inference_mode inside no_grad": (lambda m: m.no_grad(), lambda m: m.inference_mode()),
}


@pytest.mark.parametrize("name", NESTINGS)
def test_inference_mode_nesting(name):
    assert modes_inside(tg, *NESTINGS[name]) == modes_inside(torch, *NESTINGS[name])


def test_inference_mode_as_decorator():
    def scenario(m: Any) -> tuple:
        def f() -> tuple:
            return state(m)

        return (m.inference_mode(f)(), m.inference_mode()(f)(), m.inference_mode(False)(f)(),
                state(m), m.inference_mode(True).mode, m.inference_mode(False).mode)

    assert scenario(tg) == scenario(torch)


def test_is_grad_enabled_is_a_bool():
    with tg.no_grad():
        assert tg.is_grad_enabled() is False
    assert tg.is_grad_enabled() is True
    assert tg.is_inference_mode_enabled() is False


def inference_tensors(m: Any) -> dict:
    """Tensors made inside inference mode, from x (a normal leaf that requires grad)."""
    x = m.tensor([1.0, 2.0], dtype=m.float64, requires_grad=True)
    with m.inference_mode():
        made = {"y = ones": m.ones(2, dtype=m.float64),
                "w = ones, requires_grad": m.ones(2, dtype=m.float64, requires_grad=True),
                "x * 2": x * 2, "x[0] (a view of a normal tensor)": x[0],
                "x.reshape(2, 1)": x.reshape(2, 1), "tensor()": m.tensor([1.0])}
    made["x"] = x
    return made


def test_what_is_an_inference_tensor():
    ours, theirs = inference_tensors(tg), inference_tensors(torch)
    for name in ours:
        o, t = ours[name], theirs[name]
        assert o.is_inference() == t.is_inference(), name
        if "view" not in name and "reshape" not in name:  # torch's views of x made in
            assert o.requires_grad == t.requires_grad, name  # inference mode are leaves
            # that require grad, yet pass no gradient to x: not copied
    assert tg.is_inference(ours["y = ones"]) is True
    assert outcome(lambda: tg.is_inference(1)) == outcome(lambda: torch.is_inference(1))


USES = {  # y: an inference tensor, w: one that requires grad, x: a normal leaf
    "x * y (y is saved)": lambda t: t["x"] * t["y = ones"],
    "y * x": lambda t: t["y = ones"] * t["x"],
    "x / y": lambda t: t["x"] / t["y = ones"],
    "y / x": lambda t: t["y = ones"] / t["x"],
    "x @ y": lambda t: t["x"] @ t["y = ones"],
    "maximum(x, y)": lambda t: t["x"].maximum(t["y = ones"]),
    "x + y (nothing saved)": lambda t: t["x"] + t["y = ones"],
    "x - y": lambda t: t["x"] - t["y = ones"],
    "w * x": lambda t: t["w = ones, requires_grad"] * t["x"],
    "w + x": lambda t: t["w = ones, requires_grad"] + t["x"],
    "w * 2": lambda t: t["w = ones, requires_grad"] * 2,
    "w / 2": lambda t: t["w = ones, requires_grad"] / 2,
    "w + 1": lambda t: t["w = ones, requires_grad"] + 1,
    "w.exp() (only inference tensors: not recorded)": lambda t: t["w = ones, requires_grad"].exp(),
    "w.sum()": lambda t: t["w = ones, requires_grad"].sum(),
    "w ** 2": lambda t: t["w = ones, requires_grad"] ** 2,
    "w * w": lambda t: t["w = ones, requires_grad"] * t["w = ones, requires_grad"],
    "w[0] (a view: an inference tensor)": lambda t: t["w = ones, requires_grad"][0],
    "w.reshape(2, 1)": lambda t: t["w = ones, requires_grad"].reshape(2, 1),
    "w.t()": lambda t: t["w = ones, requires_grad"].t(),
    "w[[0, 1]]": lambda t: t["w = ones, requires_grad"][[0, 1]],
}


@pytest.mark.parametrize("name", USES)
def test_inference_tensors_outside_inference_mode(name):
    def scenario(m: Any) -> Any:
        r = USES[name](inference_tensors(m))
        return r.requires_grad, r.is_inference(), r.tolist()

    assert outcome(lambda: scenario(tg)) == outcome(lambda: scenario(torch))


def test_gradient_through_an_inference_tensor_that_is_not_saved():
    def scenario(m: Any) -> list:
        t = inference_tensors(m)
        (t["x"] + t["y = ones"]).sum().backward()
        return t["x"].grad.tolist()

    assert scenario(tg) == scenario(torch)


REQUIRES_GRAD = {
    "y.requires_grad = True": lambda t: setattr(t["y = ones"], "requires_grad", True),
    "y.requires_grad_()": lambda t: t["y = ones"].requires_grad_(),
    "y.requires_grad_(False)": lambda t: t["y = ones"].requires_grad_(False).requires_grad,
    "w.requires_grad_(False)": lambda t: t["w = ones, requires_grad"].requires_grad_(False)
    .requires_grad,
}


@pytest.mark.parametrize("name", REQUIRES_GRAD)
def test_requires_grad_of_inference_tensors(name):
    assert (outcome(lambda: REQUIRES_GRAD[name](inference_tensors(tg)))
            == outcome(lambda: REQUIRES_GRAD[name](inference_tensors(torch))))


def test_backward_inside_inference_mode():
    def scenario(m: Any) -> Any:
        x = m.ones(2, requires_grad=True)
        with m.inference_mode():
            return outcome(lambda: (x * 2).sum().backward())

    assert scenario(tg) == scenario(torch)
