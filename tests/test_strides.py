"""``Tensor.stride()`` as PyTorch's, along chains of views, and the memory checks that read it.

NumPy and PyTorch agree on strides except along dims of size 1, where each puts what it
likes; PyTorch's in-place memory checks compare strides there too. So the tests walk random
chains of views (each step one of PyTorch's view functions, picked among those that fit the
shape) on both libraries from the same tensor, and compare the strides after every step,
and the errors where PyTorch refuses a step. (New results of non-contiguous tensors,
``x.t() * 2`` or ``clone()``, are left out: along dims of size 1 they take NumPy's strides,
not the ones PyTorch's TensorIterator picks; see ``_inplace.strides``.)
"""

from __future__ import annotations

import random

import pytest

import tinygrad_lite as tg

torch = pytest.importorskip("torch")

SHAPES = [(), (1,), (3,), (1, 1), (2, 1), (1, 3), (2, 3), (3, 1, 2), (1, 2, 1), (2, 1, 1, 3)]


def _factorise(n: int, rng: random.Random) -> tuple[int, ...]:
    """A random shape with ``n`` elements, with some dims of size 1."""
    dims = []
    while n > 1:
        f = rng.choice([d for d in range(2, n + 1) if n % d == 0])
        dims.append(f)
        n //= f
    dims += [1] * rng.randint(0, 2)
    rng.shuffle(dims)
    return tuple(dims)


def _step(rng: random.Random, shape: tuple[int, ...]):
    """A random view step that fits ``shape``: (its text, a function of a tensor)."""
    n = len(shape)
    pre = (slice(None),) * rng.randint(0, max(n - 1, 0))
    d = len(pre)
    k, new, other = rng.randint(-n - 1, n), _factorise(_numel(shape), rng), _factorise(
        _numel(shape), rng)
    steps = [("unsqueeze", lambda t: t.unsqueeze(k)),
             ("[None]", lambda t: t[pre + (None,)]),
             ("squeeze()", lambda t: t.squeeze()),
             ("data", lambda t: t.data), ("detach", lambda t: t.detach()),
             ("contiguous", lambda t: t.contiguous()),
             ("view", lambda t: t.view(new)), ("reshape", lambda t: t.reshape(other))]
    if n:
        j = rng.randrange(n)
        grown = (1,) + tuple(rng.choice([m, 3]) if m == 1 else m for m in shape)
        perm = tuple(rng.sample(range(n), n))
        steps += [("squeeze(d)", lambda t: t.squeeze(j)),
                  ("expand", lambda t: t.expand(grown)),
                  ("permute", lambda t: t.permute(perm))]
        if shape[d]:
            i, step = rng.randrange(shape[d]), rng.randint(1, 3)
            steps += [("[i]", lambda t: t[pre + (i,)]),
                      ("[a:b:s]", lambda t: t[pre + (slice(i, None, step),)]),
                      ("unbind", lambda t: t.unbind(d)[i]),
                      ("split", lambda t: t.split(1, d)[i]),
                      ("narrow", lambda t: t.narrow(d, i, shape[d] - i))]
    if n >= 2:
        a, b = rng.sample(range(n), 2)
        offset = rng.randint(-1, 1)
        steps += [("transpose", lambda t: t.transpose(a, b)), ("mT", lambda t: t.mT),
                  ("diagonal", lambda t: t.diagonal(offset, a, b))]
    if n <= 2:
        steps.append(("t", lambda t: t.t()))
    return rng.choice(steps)


def caught(f, *args):
    """``f(*args)``, or the exception it raises."""
    try:
        return f(*args)
    except Exception as e:  # noqa: BLE001 - compared with torch's, whatever it is
        return e


def _numel(shape: tuple[int, ...]) -> int:
    out = 1
    for m in shape:
        out *= m
    return out


@pytest.mark.parametrize("seed", range(300))
def test_strides_along_chains_of_views_are_torchs(seed):
    rng = random.Random(seed)
    shape = rng.choice(SHAPES)
    ts = [m.arange(_numel(shape), dtype=m.float64).reshape(shape) for m in (tg, torch)]
    done = []
    for _ in range(8):
        name, f = _step(rng, tuple(ts[1].shape))
        done.append(name)
        outs = [caught(f, t) for t in ts]
        if isinstance(outs[1], BaseException):  # torch refuses: so must we, with its words
            assert type(outs[0]) is type(outs[1]) and str(outs[0]) == str(outs[1]), done
            continue
        ts = outs
        assert ts[0].stride() == ts[1].stride(), (done, tuple(ts[1].shape))
        assert ts[0].is_contiguous() == ts[1].is_contiguous(), done


@pytest.mark.parametrize("dim", [0, 1, -1, -2, 2, -3])
def test_stride_of_one_dim(dim):
    outs = [caught(lambda t: t.stride(dim), m.ones(2, 3).t()) for m in (tg, torch)]
    assert repr(outs[0]) == repr(outs[1])


@pytest.mark.parametrize("arg", [0, -1, "a", None])
def test_stride_of_a_0d_tensor(arg):
    outs = [caught(lambda t: t.stride(arg), m.tensor(1.0)) for m in (tg, torch)]
    assert type(outs[0]) is type(outs[1]) and str(outs[0]) == str(outs[1])


def _overlap_programs():
    """In-place writes between two views of the same elements whose strides differ only
    along dims of size 1: PyTorch calls that a partial overlap (found by the fuzzer)."""
    def row_into_diagonal(m):
        a = m.tensor([1.0, 0.75, 1.5], dtype=m.float64, requires_grad=True)
        t4 = a.sin()[None]
        t4[:, 0] = t4.diagonal()
        return t4

    def into_an_expanded_column(m):
        a = m.tensor(-1.5, requires_grad=True)
        t1 = a.expand(3)
        t7 = t1.data.view(3, 1)
        with m.no_grad():
            t7[...] = t1.t()[..., None]
        return t7

    def copy_into_itself(m):  # the same layout: nothing to copy, no check
        x = m.zeros(3).expand(2, 3)
        return x.copy_(x.detach())

    def same_elements_other_size_one_stride(m):
        x = m.arange(3.0)
        return x[None].add_(x.view(1, 3))

    return [row_into_diagonal, into_an_expanded_column, copy_into_itself,
            same_elements_other_size_one_stride]


@pytest.mark.parametrize("program", _overlap_programs(), ids=lambda f: f.__name__)
def test_overlap_checks_compare_strides_as_torch(program):
    outs = [caught(program, m) for m in (tg, torch)]
    if isinstance(outs[1], BaseException):
        assert type(outs[0]) is type(outs[1]) and str(outs[0]) == str(outs[1])
    else:
        assert outs[0].tolist() == outs[1].tolist()
