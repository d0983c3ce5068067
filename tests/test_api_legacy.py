"""The legacy typed constructors (``torch.FloatTensor``, ...), ``t.type()`` and the default
device, against torch."""

from __future__ import annotations

import pytest
from helpers import assert_same_values, both, caught

import tinygrad_lite as tg

torch = pytest.importorskip("torch")

NAMES = ["FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor",
         "ShortTensor", "CharTensor", "ByteTensor", "BoolTensor"]


@pytest.mark.parametrize("name", NAMES)
def test_typed_constructors_make_what_torch_makes(name):
    def made(lib):
        c = getattr(lib, name)
        return [c([1, 2]), c([[0.0, 2.7], [1.2, 3.9]]), c(2, 3), c(), c(lib.Size([4, 1])),
                c((2, 3)), c(0)]

    for ours, theirs in zip(*both(made)):
        assert tuple(ours.shape) == tuple(theirs.shape)
        assert repr(ours.dtype) == repr(theirs.dtype)
    ours, theirs = both(made)
    for i in (0, 1, 5):  # the data forms (the size forms are uninitialized in torch)
        assert_same_values(ours[i], theirs[i], 0, 0, name)
        assert repr(ours[i]) == repr(theirs[i])


@pytest.mark.parametrize("name", NAMES)
def test_isinstance_and_type_names(name):
    def f(lib):
        c = getattr(lib, name)
        t = c([1, 0])
        return ([isinstance(t, getattr(lib, n)) for n in NAMES] + [repr(c), t.type(),
                isinstance(t, lib.Tensor), isinstance(1.0, c), c.dtype == t.dtype, c.is_cuda])

    ours, theirs = both(f)
    assert ours == theirs
    assert ours[NAMES.index(name)] is True


def test_type_converts_as_torch():
    def f(lib):
        x = lib.tensor([1.5, -2.0], requires_grad=True)
        outs = [x.type(lib.DoubleTensor), x.type("torch.DoubleTensor"), x.type(lib.float64),
                x.type("torch.LongTensor"), x.type(lib.IntTensor), x.type(lib.FloatTensor),
                x.type("torch.FloatTensor")]
        return [repr(o) for o in outs] + [outs[-1] is x, isinstance(x.double(), lib.DoubleTensor)]

    ours, theirs = both(f)
    assert ours == theirs


def test_errors_match_torch():
    def cases(lib):
        x = lib.tensor([1.0, 2.0])
        return [
            caught(lambda: x.type("foo")),
            caught(lambda: x.type("torch.cuda.FloatTensor")),
            caught(lambda: lib.FloatTensor("abc")),
            caught(lambda: lib.FloatTensor(lib.tensor([1.0], dtype=lib.float64))),
            caught(lambda: lib.LongTensor(lib.tensor([1.0]))),
            caught(lambda: lib.ByteTensor([-2.5])),
            caught(lambda: lib.set_default_device("foo")),
        ]

    ours, theirs = both(cases)
    assert ours[:6] == theirs[:6]
    assert ours[6][0] == theirs[6][0] == "RuntimeError"  # (torch names more device types)
    assert all(c is not None for c in ours)


def test_constructor_of_the_same_dtype_aliases_the_tensor():
    def f(lib):
        t = lib.tensor([1.0, 2.0], requires_grad=True)
        u = lib.FloatTensor(t)
        with lib.no_grad():
            t[0] = 5.0
        return [u is t, repr(u)]

    ours, theirs = both(f)
    assert ours == theirs


def test_default_device_cpu_and_default_dtype():
    def f(lib):
        lib.set_default_device("cpu")
        d = str(lib.get_default_device())
        lib.set_default_device(None)  # (torch's device mode, left on, changes l1_loss's result)
        d += str(lib.get_default_device())
        old = lib.get_default_dtype()
        lib.set_default_dtype(lib.float64)
        try:
            made = [lib.FloatTensor([1.5]).dtype, lib.tensor([1.5]).dtype,
                    lib.get_default_dtype()]
        finally:
            lib.set_default_dtype(old)
        return [d] + [repr(m) for m in made] + [repr(lib.get_default_dtype())]

    ours, theirs = both(f)
    assert ours == theirs


def test_set_default_device_cuda_is_refused():
    with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
        tg.set_default_device("cuda")
