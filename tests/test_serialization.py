"""``torch.save`` / ``torch.load`` against torch: what comes back, weights_only's refusals
(the same error type and message), and training resumed from saved state dicts."""

from __future__ import annotations

import collections
import io
import pickle

import numpy as np
import pytest
from helpers import both, caught, to_numpy

import tinygrad_lite as tg

torch = pytest.importorskip("torch")


class Custom:  # a class no weights_only load allows
    pass


def round_trip(lib, obj, **kw):
    buf = io.BytesIO()
    lib.save(obj, buf)
    buf.seek(0)
    return lib.load(buf, **kw)


def test_tensors_and_containers_come_back_as_torchs():
    def f(lib):
        w = lib.tensor([[1.5, -2.0], [0.25, 3.0]], requires_grad=True)
        obj = {"w": w, "i": lib.tensor([1, 2, 3]), "b": lib.tensor(True), "d": lib.tensor(2.5,
               dtype=lib.float64), "h": lib.ones(2, dtype=lib.float16),
               "nested": [(1, "a"), {3, 4}, 2 + 1j, None, 1.5, b"xy", bytearray(b"z")],
               "od": collections.OrderedDict(a=lib.zeros(0)), "c": collections.Counter("aab"),
               "meta": [lib.float64, lib.int32, lib.Size([2, 3]), lib.device("cpu")],
               "p": lib.nn.Parameter(lib.ones(3))}
        back = round_trip(lib, obj)
        shared = round_trip(lib, [w, w])
        return [repr(back), type(back["od"]).__name__, type(back["p"]).__name__,
                back["w"].is_leaf, shared[0] is shared[1], back["w"] is w]

    ours, theirs = both(f)
    assert ours == theirs


def test_path_and_map_location(tmp_path):
    def f(lib):
        path = tmp_path / f"{lib.__name__}.pt"
        lib.save({"x": lib.arange(4)}, path)
        return [repr(lib.load(path)), repr(lib.load(str(path), map_location="cpu")),
                repr(lib.load(path, map_location=lib.device("cpu"), weights_only=True)),
                caught(lambda: lib.load(tmp_path / "missing.pt"))]

    ours, theirs = both(f)
    assert ours[:3] == theirs[:3]
    assert ours[3][0] == theirs[3][0] == "FileNotFoundError"


@pytest.mark.parametrize("obj", [Custom(), frozenset([1]), slice(1, 2), range(3),
                                 collections.defaultdict(list), np.float64(1.0), np.zeros(2)],
                         ids=lambda o: type(o).__name__)
def test_weights_only_refuses_what_torch_refuses(obj):
    def f(lib):
        buf = io.BytesIO()
        lib.save({"a": obj}, buf)
        buf.seek(0)
        refused = caught(lambda: lib.load(buf))
        buf.seek(0)
        loaded = lib.load(buf, weights_only=False)
        return refused, type(loaded["a"]).__name__

    ours, theirs = both(f)
    assert ours == theirs
    assert ours[0][0] == "UnpicklingError"
    with pytest.raises(pickle.UnpicklingError):
        round_trip(tg, obj)


def test_safe_globals_allow_a_class():
    def f(lib):
        buf = io.BytesIO()
        lib.save([Custom()], buf)
        buf.seek(0)
        with lib.serialization.safe_globals([Custom]):
            inside = type(lib.load(buf)[0]).__name__
        buf.seek(0)
        after = caught(lambda: lib.load(buf))
        return inside, after[0]

    assert both(f)[0] == both(f)[1] == ("Custom", "UnpicklingError")


def make(lib, name, seed=0):
    lib.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.Tanh(), lib.nn.Linear(4, 1)).double()
    model.load_state_dict({k: lib.tensor(rng.standard_normal(tuple(v.shape)))
                           for k, v in model.state_dict().items()})
    opt = getattr(lib.optim, name)(model.parameters(), lr=0.05)
    return model, opt


def train(lib, model, opt, steps):
    rng = np.random.default_rng(7)
    x, y = lib.tensor(rng.standard_normal((6, 3))), lib.tensor(rng.standard_normal((6, 1)))
    for _ in range(steps):
        opt.zero_grad()
        loss = lib.nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
    return loss.item()


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_training_resumes_from_saved_state_dicts(name):
    def f(lib):
        model, opt = make(lib, name)
        train(lib, model, opt, 3)
        buf = io.BytesIO()
        lib.save({"model": model.state_dict(), "opt": opt.state_dict()}, buf)
        buf.seek(0)
        ckpt = lib.load(buf)
        model2, opt2 = make(lib, name, seed=1)
        result = model2.load_state_dict(ckpt["model"])
        opt2.load_state_dict(ckpt["opt"])
        a, b = train(lib, model, opt, 4), train(lib, model2, opt2, 4)
        return (a, b, repr(result), [to_numpy(p) for p in model2.parameters()],
                repr(ckpt["opt"]["param_groups"]), sorted(ckpt["opt"]["state"]))

    ours, theirs = both(f)
    assert ours[0] == ours[1]  # resuming gives what continuing gives
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
    assert ours[2] == theirs[2] and ours[4] == theirs[4] and ours[5] == theirs[5]
    for p, q in zip(ours[3], theirs[3]):
        np.testing.assert_allclose(p, q, rtol=1e-12, atol=1e-14)


def test_whole_module_needs_weights_only_false():
    def f(lib):
        model = lib.nn.Linear(2, 1)
        buf = io.BytesIO()
        lib.save(model, buf)
        buf.seek(0)
        refused = caught(lambda: lib.load(buf))[0]
        buf.seek(0)
        back = lib.load(buf, weights_only=False)
        return refused, repr(back), lib.equal(back.weight, model.weight)

    ours, theirs = both(f)
    assert ours == theirs


def test_tensors_that_share_memory_share_it_when_loaded():
    # a tensor and its views (a slice, a transpose, every other column, an element, an
    # expansion) come back as views of one storage: a write through one shows in the others
    def f(lib):
        x = lib.arange(12.0).view(3, 4)
        obj = {"x": x, "rows": x[1:], "t": x.t(), "cols": x[:, ::2], "one": x[1, 2],
               "wide": x[0].expand(2, 4), "alone": lib.tensor(5.0), "flat": x.view(-1)}
        back = round_trip(lib, obj)
        back["x"][1, 2] = 100.0
        back["rows"][1, 0] = -1.0
        return ([(k, v.tolist(), v.stride(), v.is_leaf) for k, v in sorted(back.items())],
                back["t"].is_contiguous(), back["cols"].is_contiguous())

    ours, theirs = both(f)
    assert ours == theirs


def test_tied_weights_stay_tied():
    def f(lib):
        lib.manual_seed(0)
        a, b = lib.nn.Linear(3, 3), lib.nn.Linear(3, 3)
        b.weight = a.weight
        model = lib.nn.Sequential(a, b)
        sd = round_trip(lib, model.state_dict())
        with lib.no_grad():
            sd["0.weight"][0, 0] = 7.0
        return sd["1.weight"][0, 0].item(), type(sd["0.weight"]).__name__, sd["0.bias"].tolist()

    ours, theirs = both(f)
    assert ours == theirs
