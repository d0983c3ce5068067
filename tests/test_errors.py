"""Mistakes raise what torch raises: the same exception type (torch is run on the spot) and,
for torch 2.13, the same message."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from helpers import both, caught

import tinygrad_lite as tg

torch = pytest.importorskip("torch")

SAME_TORCH = torch.__version__.startswith("2.13")  # messages are compared for this one


def _builtin(kind: type) -> type:
    """The exception class a user would catch: torch's own classes map to their builtin
    base (``torch.OutOfMemoryError`` is a RuntimeError, ...)."""
    return next(k for k in kind.__mro__ if k.__module__ == "builtins")


def same_error(fn, *, message=True):
    """``fn(torch)`` and ``fn(tinygrad_lite)`` both raise, with the same type (and message)."""
    try:
        fn(torch)
    except Exception as e:  # noqa: BLE001 - whatever torch raises is the reference
        theirs = e
    else:
        pytest.fail("torch raised nothing: the test case is wrong")
    with pytest.raises(Exception) as info:
        fn(tg)
    ours = info.value
    assert _builtin(type(ours)) is _builtin(type(theirs)), (ours, theirs)
    assert str(ours), "an empty message"
    if message and SAME_TORCH:
        assert str(ours) == str(theirs).split("\n")[0]
    return ours, theirs


def leaf(m, value=((1.0, 2.0, 3.0),), **kw):
    return m.tensor(value, requires_grad=True, **kw)


# ----------------------------------------------------------------------------------------
# backward
# ----------------------------------------------------------------------------------------
def twice(m, f, **kw):
    x = leaf(m, [1.0, 2.0, 3.0])
    y = f(x)
    y.backward(**kw)
    y.backward()
    return x


SAVING = {
    "x * x": lambda x: (x * x).sum(),
    "exp": lambda x: x.exp().sum(),
    "x @ x": lambda x: x @ x,
    "sigmoid then sum": lambda x: x.sigmoid().sum(),
    "pow": lambda x: (x**2).mean(),
    "max": lambda x: x.max(),
    "x / 2 * x": lambda x: (x / 2 * x).sum(),
    "x * 2 (the number is saved)": lambda x: (x * 2).sum(),
    "x / 2": lambda x: (x / 2).sum(),
    "x[[0, 0]] (the indices are saved)": lambda x: x[[0, 0]].sum(),
    "x[x > 1]": lambda x: x[x > 1].sum(),
}
NOT_SAVING = {
    "sum": lambda x: x.sum(),
    "x + 1": lambda x: (x + 1).sum(),
    "x - x": lambda x: (x - x + x).sum(),
    "mean": lambda x: x.mean(),
    "-x": lambda x: (-x).sum(),
    "1 - x": lambda x: (1 - x).sum(),
    "reshape, slice, select, expand": lambda x: x.reshape(3, 1)[1:, 0].expand(2, 2).sum(),
}


@pytest.mark.parametrize("name", SAVING)
def test_second_backward_through_freed_values_raises(name):
    same_error(lambda m: twice(m, SAVING[name]))


@pytest.mark.parametrize("name", [*SAVING, *NOT_SAVING])
def test_second_backward_works_with_retain_graph_or_without_saved_values(name):
    f = SAVING.get(name) or NOT_SAVING[name]
    kw = {"retain_graph": True} if name in SAVING else {}
    ours, theirs = twice(tg, f, **kw), twice(torch, f, **kw)
    np.testing.assert_allclose(ours.grad.tolist(), theirs.grad.tolist(), rtol=1e-6)


def test_autograd_grad_frees_too():
    def f(m):
        x = leaf(m, 2.0)
        y = x * x
        m.autograd.grad(y, x)
        m.autograd.grad(y, x)

    same_error(f)


def test_backward_of_non_scalar_needs_gradient():
    same_error(lambda m: (leaf(m) * 2).backward())


def test_backward_of_tensor_without_grad():
    same_error(lambda m: m.tensor([1.0, 2.0]).sum().backward())
    same_error(lambda m: (m.tensor(1.0) * 2).backward())


def test_backward_with_gradient_of_wrong_shape():
    same_error(lambda m: (leaf(m) * 2).backward(m.ones(3)))
    same_error(lambda m: (leaf(m) * 2).backward(gradient=m.ones(1, 4)))


def test_grad_of_unused_input():
    def f(m):
        x, z = leaf(m, 1.0), leaf(m, 2.0)
        m.autograd.grad(x * 2, [x, z])

    same_error(f)


def test_grad_of_input_without_grad():
    same_error(lambda m: m.autograd.grad(leaf(m, 1.0) * 2, m.tensor(1.0)))


def test_requires_grad_of_non_leaf():
    def f(m):
        (leaf(m) * 2).requires_grad = False

    same_error(f)


# ----------------------------------------------------------------------------------------
# shapes
# ----------------------------------------------------------------------------------------
MATMUL_MISMATCH = [
    ((3,), (4,)),
    ((2, 3), (4,)),
    ((3,), (4, 5)),
    ((2, 3), (4, 5)),
    ((5, 2, 3), (5, 4, 5)),
    ((5, 2, 3), (4, 5)),
    ((2, 3), (5, 4, 5)),
    ((3,), (5, 4, 5)),
    ((5, 2, 3), (4,)),
    ((5, 2, 3), (4, 3, 2)),  # batch dims that do not broadcast
    ((), (3,)),
    ((3,), ()),
]


@pytest.mark.parametrize("sa, sb", MATMUL_MISMATCH, ids=str)
def test_matmul_shape_mismatch(sa, sb):
    same_error(lambda m: m.ones(sa) @ m.ones(sb))
    same_error(lambda m: m.ones(sa, requires_grad=True) @ m.ones(sb))
    same_error(lambda m: m.matmul(m.ones(sa), m.ones(sb, requires_grad=True)))


def test_mm_and_dot_need_their_ranks():
    same_error(lambda m: m.mm(m.ones(3), m.ones(3, 2)))
    same_error(lambda m: m.mm(m.ones(2, 3), m.ones(3)))
    same_error(lambda m: m.ones(2, 3).mm(m.ones(4, 2)))
    same_error(lambda m: m.ones(2, 3).dot(m.ones(3)))
    same_error(lambda m: m.dot(m.ones(3), m.ones(4)))


@pytest.mark.parametrize("sa, sb", [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)),
                                    ((2, 3), (3, 2)), ((2, 2, 3), (2, 3, 2)),
                                    ((2, 2, 3), (3,)), ((2, 2, 3), (3, 2)), ((2, 3), (2, 3, 2)),
                                    ((3,), (2, 3, 2))], ids=str)
@pytest.mark.parametrize("dtypes", [("float32", "float64"), ("float64", "float32"),
                                    ("float32", "int64"), ("int32", "float32")], ids=str)
def test_matmul_dtype_mismatch(sa, sb, dtypes):
    da, db = dtypes
    same_error(lambda m: m.ones(sa, dtype=getattr(m, da)) @ m.ones(sb, dtype=getattr(m, db)))
    if da.startswith("float"):
        same_error(lambda m: m.ones(sa, dtype=getattr(m, da), requires_grad=True)
                   @ m.ones(sb, dtype=getattr(m, db)))


BROADCAST_MISMATCH = [((2, 3), (4,)), ((2, 3), (3, 2)), ((3,), (4,)), ((2, 1, 3), (4, 2))]


@pytest.mark.parametrize("sa, sb", BROADCAST_MISMATCH, ids=str)
@pytest.mark.parametrize("op", ["+", "-", "*", "/", "**", "maximum", "<"])
def test_broadcast_mismatch(op, sa, sb):
    f = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
         "/": lambda a, b: a / b, "**": lambda a, b: a**b, "<": lambda a, b: a < b,
         "maximum": lambda a, b: a.maximum(b)}[op]
    same_error(lambda m: f(m.ones(*sa, requires_grad=True), m.ones(*sb)))


@pytest.mark.parametrize("size", [(2, 4), (3, 2, 2), (-1, -1, 4), (3,), (4, -1), (4, 1),
                                  (-1, 2, 3)], ids=str)
def test_expand_to_incompatible_shape(size):
    same_error(lambda m: m.ones(2, 3).expand(*size), message=len(size) > 1)


@pytest.mark.parametrize("shape", [(4,), (4, -1), (-1, -1), (2, 2)], ids=str)
def test_reshape_to_invalid_shape(shape):
    same_error(lambda m: m.ones(2, 3).reshape(shape), message=shape != (-1, -1))
    same_error(lambda m: m.ones(2, 3).view(*shape), message=shape != (-1, -1))


DIMS = {
    "sum(2)": lambda t: t.sum(2),
    "sum(-3)": lambda t: t.sum(-3),
    "sum((0, 5))": lambda t: t.sum((0, 5)),
    "mean(2)": lambda t: t.mean(2),
    "max(2)": lambda t: t.max(2),
    "min(dim=-3)": lambda t: t.min(dim=-3),
    "argmax(2)": lambda t: t.argmax(2),
    "softmax(2)": lambda t: t.softmax(2),
    "log_softmax(-3)": lambda t: t.log_softmax(-3),
    "transpose(0, 2)": lambda t: t.transpose(0, 2),
    "unsqueeze(3)": lambda t: t.unsqueeze(3),
    "unsqueeze(-4)": lambda t: t.unsqueeze(-4),
    "squeeze(2)": lambda t: t.squeeze(2),
    "size(2)": lambda t: t.size(2),
    "flatten(0, 2)": lambda t: t.flatten(0, 2),
    "permute(0, 2)": lambda t: t.permute(0, 2),
    "t() of 3-D": lambda t: t.unsqueeze(0).t(),
    "[2]": lambda t: t[2],
    "[0, 3]": lambda t: t[0, 3],
    "[:, -4]": lambda t: t[:, -4],
    "[0, 0, 0]": lambda t: t[0, 0, 0],
    "[[0, 2]]": lambda t: t[[0, 2]],
}


@pytest.mark.parametrize("name", DIMS)
def test_out_of_range_dims_and_indices(name):
    same_error(lambda m: DIMS[name](m.ones(2, 3, requires_grad=True)),
               message=name not in ("permute(0, 2)", "[[0, 2]]"))


# ----------------------------------------------------------------------------------------
# in-place changes and conversions
# ----------------------------------------------------------------------------------------
INPLACE = {
    "w += 1": lambda w: w.__iadd__(1),
    "w -= 1": lambda w: w.__isub__(1),
    "w *= 2": lambda w: w.__imul__(2),
    "w /= 2": lambda w: w.__itruediv__(2),
    "w.add_(1)": lambda w: w.add_(1),
    "w.sub_(w.grad)": lambda w: w.sub_(lib_ones(w)),
    "w.mul_(2)": lambda w: w.mul_(2),
    "w.zero_()": lambda w: w.zero_(),
    "w.fill_(1)": lambda w: w.fill_(1),
    "w.copy_(...)": lambda w: w.copy_(lib_ones(w)),
    "w[0] = 1": lambda w: w.__setitem__(0, 1.0),
    "w[:, 1] = 0": lambda w: w.__setitem__((slice(None), 1), 0.0),
    "w.clamp_(0, 1)": lambda w: w.clamp_(0, 1),
}


def lib_ones(w):
    return (torch if isinstance(w, torch.Tensor) else tg).ones(w.shape)


@pytest.mark.parametrize("name", INPLACE)
def test_inplace_on_leaf_that_requires_grad(name):
    same_error(lambda m: INPLACE[name](leaf(m)))


@pytest.mark.parametrize("name", INPLACE)
def test_inplace_on_leaf_under_no_grad_is_fine(name):
    results = []
    for m in (tg, torch):
        w = leaf(m)
        with m.no_grad():
            INPLACE[name](w)
        results.append((w.tolist(), w.requires_grad, w.is_leaf, w.grad_fn is None))
    assert results[0] == results[1]


@pytest.mark.filterwarnings("ignore:__array__ implementation")  # torch's own __array__
def test_numpy_of_tensor_that_requires_grad():
    same_error(lambda m: leaf(m).numpy())
    same_error(lambda m: np.array(leaf(m)))
    same_error(lambda m: np.asarray(leaf(m) * 2))
    for m in (tg, torch):  # the documented way out
        assert leaf(m).detach().numpy().tolist() == [[1.0, 2.0, 3.0]]


def test_grad_of_non_leaf_warns_and_retain_grad_fills_it():
    got = []
    for m in (tg, torch):
        x = leaf(m)
        y = x * 2
        y.sum().backward(retain_graph=True)
        with pytest.warns(UserWarning) as record:
            assert y.grad is None
        z = x * 3
        z.retain_grad()
        z.sum().backward()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            got.append((str(record[0].message), z.grad.tolist(), z.retains_grad,
                        y.retains_grad))
    assert got[1][0].startswith(got[0][0])  # torch adds "(Triggered internally at ...)"
    assert got[0][1:] == got[1][1:]


def test_requires_grad_on_integer_tensor():
    same_error(lambda m: m.tensor([1, 2], requires_grad=True))
    same_error(lambda m: m.tensor([1, 2]).requires_grad_())
    same_error(lambda m: m.arange(3, requires_grad=True))

    def setter(m):
        m.tensor([True]).requires_grad = True

    same_error(setter)


CUDA = {
    "tensor(device='cuda')": lambda m: m.tensor([1.0], device="cuda"),
    "ones(device=device('cuda'))": lambda m: m.ones(2, device=m.device("cuda")),
    "zeros(device='cuda:0')": lambda m: m.zeros(2, device="cuda:0"),
    ".cuda()": lambda m: m.ones(2).cuda(),
    ".to('cuda')": lambda m: m.ones(2).to("cuda"),
    "randn(device='cuda')": lambda m: m.randn(2, device="cuda"),
}


@pytest.mark.parametrize("name", CUDA)
def test_cuda_device_on_a_cpu_build(name):
    if torch.cuda.is_available():  # torch would not raise: the CPU build's type it is
        with pytest.raises(AssertionError, match="CUDA"):
            CUDA[name](tg)
    else:
        same_error(CUDA[name], message=False)
    assert tg.cuda.is_available() is False


def test_unknown_device():
    same_error(lambda m: m.ones(2, device="gpu"), message=False)


CONVERSIONS = {
    "item() of 3 elements": lambda m: m.ones(3).item(),
    "item() of none": lambda m: m.ones(0).item(),
    "float() of 3 elements": lambda m: float(m.ones(3)),
    "int() of 2-D": lambda m: int(m.ones(2, 2)),
    "bool() of 3 elements": lambda m: bool(m.ones(3)),
    "if tensor": lambda m: 1 if m.tensor([1.0, 2.0]) > 0 else 0,
    "len() of 0-d": lambda m: len(m.tensor(1.0)),
    "iter() of 0-d": lambda m: iter(m.tensor(1.0)),
    "index with a float tensor": lambda m: [1, 2][m.tensor(1.0)],
    "mean of int64": lambda m: m.tensor([1, 2]).mean(),
    "clamp without bounds": lambda m: m.ones(2).clamp(),
    "max() of empty": lambda m: m.ones(0).max(),
    "tensor of ragged lists": lambda m: m.tensor([[1.0, 2.0], [3.0]]),
    "tensor of a string": lambda m: m.tensor("abc"),
    "tensor + string": lambda m: m.ones(2) + "a",
    "string * tensor": lambda m: "a" * m.ones(2),
    "matmul with a list": lambda m: m.ones(2) @ [1.0, 2.0],
    "set_default_dtype(int64)": lambda m: m.set_default_dtype(m.int64),
    "format(1-D, '.3f')": lambda m: format(m.ones(2), ".3f"),
    "float32 clamp(min=huge)": lambda m: m.ones(2).clamp(min=1e300),
    "float32 clamp_(max=-huge)": lambda m: m.ones(2).clamp_(max=-1e300),
    "float32 fill_(huge)": lambda m: m.zeros(2).fill_(1e300),
    "float16 fill_(1e5)": lambda m: m.zeros(2, dtype=m.float16).fill_(1e5),
    "int64 fill_(1e30)": lambda m: m.zeros(2, dtype=m.int64).fill_(1e30),
    "full((2,), 1e300)": lambda m: m.full((2,), 1e300),
    "f-string of 2-D with a spec": lambda m: f"{m.ones(2, 2):>10}",
    "bool - 1": lambda m: m.tensor([True]) - 1,
    "1.5 - bool": lambda m: 1.5 - m.tensor([True]),
    "float - bool tensor": lambda m: m.ones(2) - m.tensor([True, False]),
    "bool 0-d - float 0-d": lambda m: m.tensor(True) - m.tensor(1.0, dtype=m.float64),
    "bool - True": lambda m: m.tensor([True]) - True,
    "-bool": lambda m: -m.tensor([True, False]),
}


@pytest.mark.parametrize("name", CONVERSIONS)
def test_conversion_errors(name):
    exact = any(word in name for word in ("bool", "format", "fill_", "clamp", "item", "full",
                                          "float()", "if tensor", "mean of"))
    same_error(CONVERSIONS[name], message=exact)


@pytest.mark.parametrize("fn", [
    lambda m: m.ones(3, 1, 1).permute(1, 0), lambda m: m.ones(3, 1).permute(0, 0),
    lambda m: m.ones(3, 1).permute(0, 2), lambda m: m.ones(2, 3).permute(1, 0, 2),
    lambda m: m.ones(2, 3).permute(), lambda m: m.ones(2, 3).permute(()),
    lambda m: m.ones(2, 3).permute(-1, -1), lambda m: m.ones(()).permute(()).shape,
    lambda m: m.ones(2, 3).permute([1, 0]).shape,
    lambda m: m.permute(m.ones(2, 3, 4), (2, 0, 1)).shape,
])
def test_permute_checks_as_torch(fn):
    # the length first, then each dim's range, then duplicates (fuzzer, seed 99)
    ours, theirs = both(lambda m: caught(lambda: fn(m)) or repr(fn(m)))
    assert ours == theirs
