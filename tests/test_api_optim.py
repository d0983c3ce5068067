"""RMSprop, AdamW, Adagrad and the learning-rate schedulers against torch.

The optimizers' trajectories are compared in ``test_optim.py`` (their options are in its
``OPTIONS``); here their printing, errors and state, and the schedulers, whose rates are
compared exactly: the same formulas in the same order.
"""

from __future__ import annotations

import warnings

import pytest
from helpers import both, caught

torch = pytest.importorskip("torch")

def test_reprs_match_torch():
    def reprs(lib):
        w = lib.ones(2, requires_grad=True)
        o = lib.optim
        return [repr(o.RMSprop([w])), repr(o.RMSprop([w], lr=0.1, momentum=0.9, centered=True)),
                repr(o.AdamW([w])), repr(o.AdamW([w], lr=0.1, weight_decay=0)),
                repr(o.Adagrad([w])), repr(o.Adagrad([w], lr_decay=0.1, eps=1e-5))]

    ours, theirs = both(reprs)
    assert ours == theirs


def test_errors_match_torch():
    def cases(lib):
        w = lib.ones(2, requires_grad=True)
        o = lib.optim
        return [caught(lambda: o.RMSprop([w], lr=-1)), caught(lambda: o.RMSprop([w], alpha=-1)),
                caught(lambda: o.RMSprop([w], eps=-1)), caught(lambda: o.RMSprop([w], momentum=-1)),
                caught(lambda: o.RMSprop([w], weight_decay=-1)),
                caught(lambda: o.AdamW([w], lr=-1)), caught(lambda: o.AdamW([w], betas=(1, 0.9))),
                caught(lambda: o.Adagrad([w], lr=-1)), caught(lambda: o.Adagrad([w], lr_decay=-1)),
                caught(lambda: o.Adagrad([w], initial_accumulator_value=-1)),
                caught(lambda: o.Adagrad([w], eps=-1)),
                caught(lambda: o.Adagrad([w], weight_decay=-1))]

    ours, theirs = both(cases)
    assert ours == theirs
    assert all(c is not None for c in ours)


def test_adagrad_state_is_made_by_the_constructor_and_reloads():
    def f(lib):
        w = lib.tensor([1.0, -2.0], requires_grad=True)
        opt = lib.optim.Adagrad([w], lr=0.5, initial_accumulator_value=0.1)
        before = opt.state_dict()
        (w * w).sum().backward()
        opt.step()
        again = lib.optim.Adagrad([w], lr=0.5)
        again.load_state_dict(opt.state_dict())
        (w * w).sum().backward()
        again.step()
        return [repr(before), repr(w), repr(again.state_dict()["state"])]

    ours, theirs = both(f)
    assert ours == theirs


# -- schedulers ----------------------------------------------------------------------------
SCHEDULES = [
    ("StepLR", {"step_size": 3}),
    ("StepLR", {"step_size": 2, "gamma": 0.5}),
    ("MultiStepLR", {"milestones": [2, 5, 5, 9], "gamma": 0.3}),
    ("ExponentialLR", {"gamma": 0.9}),
    ("CosineAnnealingLR", {"T_max": 5}),
    ("CosineAnnealingLR", {"T_max": 4, "eta_min": 0.01}),
    ("LambdaLR", {"lr_lambda": lambda e: 1 / (e + 1)}),
]


def schedule(lib, name, kwargs, epochs=14, lr=0.1):
    """The rates get_last_lr() gives, and the optimizer's, over ``epochs`` epochs of two groups."""
    w, v = lib.ones(2, requires_grad=True), lib.ones(1, requires_grad=True)
    opt = lib.optim.SGD([{"params": [w]}, {"params": [v], "lr": lr / 3}], lr=lr, momentum=0.9)
    sched = getattr(lib.optim.lr_scheduler, name)(opt, **kwargs)
    rates = [sched.get_last_lr()]
    for _ in range(epochs):
        w.grad, v.grad = lib.ones(2), lib.ones(1)
        opt.step()
        sched.step()
        rates.append(sched.get_last_lr() + [g["lr"] for g in opt.param_groups])
    state = sched.state_dict()
    state.pop("lr_lambdas", None)
    return rates, state, repr(w), [g["initial_lr"] for g in opt.param_groups]


@pytest.mark.parametrize(("name", "kwargs"), SCHEDULES)
def test_schedules_give_torchs_rates(name, kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # stepped in the right order: no warning
        ours, theirs = both(lambda lib: schedule(lib, name, kwargs))
    assert ours == theirs


def test_step_before_optimizer_step_warns_as_torch():
    def f(lib):
        w = lib.ones(2, requires_grad=True)
        opt = lib.optim.SGD([w], lr=0.1)
        sched = lib.optim.lr_scheduler.StepLR(opt, 1)
        with warnings.catch_warnings(record=True) as got:
            warnings.simplefilter("always")
            sched.step()
            sched.step()
            sched.get_lr()
        return [(w.category.__name__, str(w.message)) for w in got], sched.get_last_lr()

    ours, theirs = both(f)
    assert ours == theirs
    assert len(ours[0]) == 2


def test_closed_form_with_epoch_and_resume():
    def f(lib):
        w = lib.ones(2, requires_grad=True)
        opt = lib.optim.SGD([w], lr=0.1)
        s = lib.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=6)
        opt.step()
        with warnings.catch_warnings(record=True) as got:
            warnings.simplefilter("always")
            s.step(4)
        first = s.get_last_lr()
        opt2 = lib.optim.SGD([w], lr=0.1)
        err = caught(lambda: lib.optim.lr_scheduler.StepLR(opt2, 2, last_epoch=3))
        opt2.param_groups[0]["initial_lr"] = 0.2
        r = lib.optim.lr_scheduler.MultiStepLR(opt2, [5, 6], last_epoch=3)
        rates = []
        for _ in range(4):
            opt2.step()
            r.step()
            rates.append(r.get_last_lr())
        return first, [str(w.message) for w in got], err, rates

    ours, theirs = both(f)
    assert ours == theirs


def test_scheduler_state_dict_round_trip():
    def f(lib):
        w = lib.ones(2, requires_grad=True)
        opt = lib.optim.SGD([w], lr=0.1)
        s = lib.optim.lr_scheduler.StepLR(opt, 2, gamma=0.5)
        for _ in range(3):
            opt.step()
            s.step()
        saved = s.state_dict()
        opt2 = lib.optim.SGD([w], lr=0.1)
        s2 = lib.optim.lr_scheduler.StepLR(opt2, 7)
        s2.load_state_dict(saved)
        rates = []
        for _ in range(3):
            opt2.step()
            s2.step()
            rates.append(s2.get_last_lr())
        return rates, s2.state_dict()

    ours, theirs = both(f)
    assert ours == theirs


def test_reduce_lr_on_plateau_as_torch():
    metrics = [1.0, 0.9, 0.91, 0.92, 0.9, 0.95, 0.89, 0.89, 0.89, 0.89, 0.5, 0.6, 0.6, 0.6, 0.6,
               0.6, 0.6, 0.6]

    def f(lib, **kw):
        w, v = lib.ones(2, requires_grad=True), lib.ones(1, requires_grad=True)
        opt = lib.optim.SGD([{"params": [w]}, {"params": [v], "lr": 0.02}], lr=0.1)
        s = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **kw)
        rates = []
        for m in metrics:
            opt.step()
            s.step(lib.tensor(m) if m > 0.7 else m)
            rates.append(s.get_last_lr())
        return rates, s.state_dict()

    for kw in [{"patience": 1}, {"patience": 2, "factor": 0.5, "cooldown": 2},
               {"mode": "max", "patience": 0, "min_lr": [0.01, 0.001]},
               {"threshold_mode": "abs", "threshold": 0.05, "patience": 1, "eps": 0.03}]:
        ours, theirs = both(lambda lib, kw=kw: f(lib, **kw))
        assert ours == theirs, kw

    def errors(lib):
        opt = lib.optim.SGD([lib.ones(1, requires_grad=True)], lr=0.1)
        p = lib.optim.lr_scheduler.ReduceLROnPlateau
        return [caught(lambda: p(opt, factor=1.0)), caught(lambda: p(opt, mode="up")),
                caught(lambda: p(opt, threshold_mode="x")), caught(lambda: p(opt, min_lr=[1, 2])),
                caught(lambda: lib.optim.lr_scheduler.StepLR(object(), 1)),
                caught(lambda: lib.optim.lr_scheduler.LambdaLR(opt, [abs, abs]))]

    ours, theirs = both(errors)
    assert ours == theirs
