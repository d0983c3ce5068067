"""``tinygrad_lite.utils.data`` against ``torch.utils.data``: the batches (values, dtypes,
structure), their order with ``shuffle=True`` after ``manual_seed``, and the generator's
state after each pass, compared byte for byte."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import caught

import tinygrad_lite as tg

torch = pytest.importorskip("torch")


def _plain(x):
    """Batches as comparable Python values: tensors by bytes, dtype and shape."""
    if isinstance(x, (tg.Tensor, torch.Tensor)):
        a = np.ascontiguousarray(x.detach().numpy())
        return "tensor", a.tobytes(), str(a.dtype), a.shape
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x).__name__, [_plain(v) for v in x]
    return x


def passes(lib, make, epochs=2, seed=0):
    lib.manual_seed(seed)
    loader = make(lib)
    out = [len(loader)]
    for _ in range(epochs):
        out.append([_plain(b) for b in loader])
        out.append(lib.get_rng_state().numpy().tobytes())
    return out


def tensors(lib, n=10):
    return lib.utils.data.TensorDataset(lib.arange(float(n)).reshape(n, 1), lib.arange(n) * 2)


LOADERS = [
    lambda lib: lib.utils.data.DataLoader(tensors(lib), batch_size=3),
    lambda lib: lib.utils.data.DataLoader(tensors(lib), batch_size=3, shuffle=True),
    lambda lib: lib.utils.data.DataLoader(tensors(lib, 17), batch_size=4, shuffle=True,
                                          drop_last=True),
    lambda lib: lib.utils.data.DataLoader(tensors(lib), batch_size=3, shuffle=True,
                                          generator=lib.Generator().manual_seed(5)),
    lambda lib: lib.utils.data.DataLoader(tensors(lib), batch_size=None, shuffle=True),
    lambda lib: lib.utils.data.DataLoader(tensors(lib, 40), batch_size=7, sampler=lib.utils.data
                                          .RandomSampler(range(40), replacement=True)),
    lambda lib: lib.utils.data.DataLoader(tensors(lib), sampler=lib.utils.data.RandomSampler(
        range(10), num_samples=23), batch_size=5),
    lambda lib: lib.utils.data.DataLoader([(1.5, 2, "a"), (2.5, 3, "b"), (0.5, 1, "c")],
                                          batch_size=2, shuffle=True),
    lambda lib: lib.utils.data.DataLoader([{"x": np.ones(3) * i, "y": [i, i + 1]}
                                           for i in range(5)], batch_size=2),
    lambda lib: lib.utils.data.DataLoader(list(range(7)), batch_sampler=lib.utils.data
                                          .BatchSampler(range(7), 3, False)),
]


@pytest.mark.parametrize("make", LOADERS)
@pytest.mark.parametrize("seed", [0, 3])
def test_loaders(make, seed):
    assert passes(tg, make, seed=seed) == passes(torch, make, seed=seed)


def test_interleaved_with_other_draws():
    def run(lib):
        lib.manual_seed(1)
        loader = lib.utils.data.DataLoader(tensors(lib, 12), batch_size=5, shuffle=True)
        out = []
        for _ in range(2):
            it = iter(loader)
            out.append(_plain(lib.randn(2)))
            out.extend(_plain(b) for b in it)
            out.append(_plain(lib.nn.Linear(3, 2).weight))
        return out

    assert run(tg) == run(torch)


@pytest.mark.parametrize("lengths", [[7, 3], [0.7, 0.3], [0.5, 0.25, 0.25], [0.34, 0.33, 0.33],
                                     [10, 0]])
def test_random_split(lengths):
    def run(lib):
        lib.manual_seed(0)
        parts = lib.utils.data.random_split(tensors(lib), lengths)
        g = lib.Generator().manual_seed(2)
        again = lib.utils.data.random_split(range(10), lengths, generator=g)
        return ([list(p.indices) for p in parts + again], [_plain(p[0]) for p in parts if len(p)],
                lib.get_rng_state().numpy().tobytes())

    assert run(tg) == run(torch)


ERRORS = [
    lambda lib: lib.utils.data.random_split(range(10), [3, 3]),
    lambda lib: lib.utils.data.random_split(range(10), [1.5, -0.5]),
    lambda lib: lib.utils.data.TensorDataset(lib.zeros(3), lib.zeros(4)),
    lambda lib: lib.utils.data.DataLoader(range(3), sampler=range(3), shuffle=True),
    lambda lib: lib.utils.data.DataLoader(range(3), batch_sampler=[[0]], batch_size=2),
    lambda lib: lib.utils.data.DataLoader(range(3), batch_size=None, drop_last=True),
    lambda lib: lib.utils.data.BatchSampler(range(3), 0, False),
    lambda lib: lib.utils.data.RandomSampler(range(3), num_samples=0),
    lambda lib: lib.utils.data.Dataset()[0],
    lambda lib: list(lib.utils.data.DataLoader([[1, 2], [1]], batch_size=2)),
]


@pytest.mark.parametrize("fn", ERRORS)
def test_errors(fn):
    expected = caught(lambda: fn(torch))
    assert expected is not None
    assert caught(lambda: fn(tg)) == expected


# --- ConcatDataset and ``a + b`` ---------------------------------------------------------------
def _concat_outcome(lib, fn):
    try:
        r = fn(lib)
    except Exception as e:  # noqa: BLE001 - we compare whatever is raised
        return type(e).__name__, str(e)
    return _as_lists(r)


def _as_lists(r):
    if isinstance(r, (tuple, list)):
        return [_as_lists(x) for x in r]
    if isinstance(r, (tg.Tensor, torch.Tensor)):
        return r.tolist(), str(r.dtype)
    return r


@pytest.mark.parametrize("fn", [
    lambda lib: (lambda c: (len(c), c[5], c[-1], c[0], c.cumulative_sizes))(
        lib.utils.data.ConcatDataset([lib.utils.data.TensorDataset(lib.arange(5)), [10, 11]])),
    lambda lib: (lambda c: [c[i] for i in range(len(c))])(
        lib.utils.data.TensorDataset(lib.arange(3)) + lib.utils.data.TensorDataset(lib.ones(2))),
    lambda lib: lib.utils.data.ConcatDataset([]),
    lambda lib: lib.utils.data.ConcatDataset([[1, 2], [3]])[-4],
    lambda lib: lib.utils.data.ConcatDataset([[1, 2], [3]])[5],
    lambda lib: lib.utils.data.ConcatDataset([[1, 2], [], [3]])[2],
    lambda lib: (lib.manual_seed(3), list(lib.utils.data.DataLoader(
        lib.utils.data.ConcatDataset([lib.utils.data.TensorDataset(lib.arange(4.0)),
                                      lib.utils.data.TensorDataset(-lib.arange(3.0))]),
        batch_size=2, shuffle=True)))[1],
])
def test_concat_dataset(fn):
    assert _concat_outcome(tg, fn) == _concat_outcome(torch, fn)
