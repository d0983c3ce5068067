"""What a lesson prints: ``repr`` of results (values and ``grad_fn=<...>``), the graph seen
through ``grad_fn.next_functions``, and the printing of sizes, dtypes, devices and grads.

Printing is compared on torch's CPU (a CUDA tensor prints ``device='cuda:0'``).
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pytest
from helpers import lib

import tinygrad_lite as tg

torch = pytest.importorskip("torch")

# grad_fn names and texts are those of torch 2.13, the version tinygrad_lite mirrors
pytestmark = pytest.mark.skipif(not torch.__version__.startswith("2.13"),
                                reason="texts are compared with torch 2.13's")

A = [[1.5, -2.0, 0.25], [3.0, 0.5, -1.0]]
B = [0.5, 2.0, -1.5]
POS = [[0.5, 2.0, 4.0], [1.25, 3.0, 0.1]]
BATCH = np.arange(24.0).reshape(2, 3, 4) / 10 - 1


def inputs(m):
    """The same leaves in either library (all require grad)."""
    return SimpleNamespace(
        a=m.tensor(A, requires_grad=True),
        b=m.tensor(B, requires_grad=True),
        p=m.tensor(POS, requires_grad=True),
        s=m.tensor(1.5, requires_grad=True),
        d=m.tensor(A, dtype=m.float64, requires_grad=True),
        d0=m.tensor(0.75, dtype=m.float64, requires_grad=True),
        x=m.tensor(BATCH, dtype=m.float32, requires_grad=True),
        c=m.tensor([1.0, 2.0, 3.0]),  # no grad
    )


FORMS = {
    # arithmetic, with tensors and numbers on both sides
    "a + b": lambda t: t.a + t.b,
    "a + 2": lambda t: t.a + 2,
    "2.5 + a": lambda t: 2.5 + t.a,
    "a - b": lambda t: t.a - t.b,
    "a - 2": lambda t: t.a - 2,
    "2 - a": lambda t: 2 - t.a,
    "a * b": lambda t: t.a * t.b,
    "a * 3": lambda t: t.a * 3,
    "3 * a": lambda t: 3 * t.a,
    "a / b": lambda t: t.a / t.b,
    "a / 4": lambda t: t.a / 4,
    "4 / a": lambda t: 4 / t.a,
    "a ** 2": lambda t: t.a**2,
    "p ** 0.5": lambda t: t.p**0.5,
    "2 ** a": lambda t: 2**t.a,
    "p ** b": lambda t: t.p**t.b,
    "-a": lambda t: -t.a,
    "a * c (c needs no grad)": lambda t: t.a * t.c,
    "c + a": lambda t: t.c + t.a,
    "s * s": lambda t: t.s * t.s,
    "d0 * 2 + d0": lambda t: t.d0 * 2 + t.d0,
    "d * s (float64 * float32 0-d)": lambda t: t.d * t.s,
    "a.add(b)": lambda t: t.a.add(t.b),
    "a.mul(2)": lambda t: t.a.mul(2),
    "a.pow(3)": lambda t: t.a.pow(3),
    # elementwise functions
    "exp": lambda t: t.a.exp(),
    "log": lambda t: t.p.log(),
    "sin": lambda t: t.a.sin(),
    "cos": lambda t: t.a.cos(),
    "tanh": lambda t: t.a.tanh(),
    "sigmoid": lambda t: t.a.sigmoid(),
    "torch.sigmoid": lambda t: lib(t.a).sigmoid(t.a),
    "relu": lambda t: t.a.relu(),
    "torch.relu": lambda t: lib(t.a).relu(t.a),
    "abs": lambda t: t.a.abs(),
    "sqrt": lambda t: t.p.sqrt(),
    "sign": lambda t: t.a.sign(),
    "reciprocal": lambda t: t.p.reciprocal(),
    "clamp(min=)": lambda t: t.a.clamp(min=0.0),
    "clamp(max=)": lambda t: t.a.clamp(max=0.0),
    "clamp(-1, 1)": lambda t: t.a.clamp(-1, 1),
    "torch.clamp": lambda t: lib(t.a).clamp(t.a, -1.0, 1.0),
    "clone": lambda t: t.a.clone(),
    "float() of float64": lambda t: t.d.float(),
    "double()": lambda t: t.a.double(),
    "float() of float32 (itself)": lambda t: t.a.float(),
    "to(float64)": lambda t: t.a.to(lib(t.a).float64),
    # matrix products
    "dot": lambda t: t.b @ t.b,
    "torch.dot": lambda t: lib(t.b).dot(t.b, t.b),
    "mv": lambda t: t.a @ t.b,
    "vector @ matrix": lambda t: t.b @ t.a.t(),
    "mm": lambda t: t.a @ t.p.t(),
    "torch.mm": lambda t: lib(t.a).mm(t.a, t.p.T),
    "batched @ matrix": lambda t: t.x @ t.x[0].t(),
    "batched @ batched": lambda t: t.x @ t.x.transpose(1, 2),
    "1-D @ batched": lambda t: t.b @ t.x,
    # reductions
    "sum()": lambda t: t.a.sum(),
    "sum(0)": lambda t: t.a.sum(0),
    "sum(dim=1, keepdim)": lambda t: t.a.sum(dim=1, keepdim=True),
    "sum((0, 1))": lambda t: t.a.sum((0, 1)),
    "torch.sum": lambda t: lib(t.a).sum(t.a),
    "mean()": lambda t: t.a.mean(),
    "mean(-1)": lambda t: t.a.mean(-1),
    "max()": lambda t: t.a.max(),
    "min()": lambda t: t.a.min(),
    "max(1)": lambda t: t.a.max(1),
    "min(0, keepdim)": lambda t: t.a.min(0, keepdim=True),
    "max(1).values": lambda t: t.a.max(1).values,
    "max(1).indices": lambda t: t.a.max(1).indices,
    "torch.max(a, 1)": lambda t: lib(t.a).max(t.a, 1),
    "torch.max(a, p)": lambda t: lib(t.a).max(t.a, t.p),
    "maximum": lambda t: lib(t.a).maximum(t.a, t.p),
    "minimum": lambda t: lib(t.a).minimum(t.a, t.p),
    "argmax()": lambda t: t.a.argmax(),
    "argmax(1)": lambda t: t.a.argmax(1),
    "softmax": lambda t: t.a.softmax(1),
    "log_softmax": lambda t: t.a.log_softmax(-1),
    # shapes
    "reshape": lambda t: t.a.reshape(3, 2),
    "reshape(-1)": lambda t: t.a.reshape(-1),
    "view": lambda t: t.a.view(6),
    "flatten": lambda t: t.x.flatten(),
    "flatten(1)": lambda t: t.x.flatten(1),
    "transpose": lambda t: t.a.transpose(0, 1),
    "t()": lambda t: t.a.t(),
    "t() of 1-D": lambda t: t.b.t(),
    ".T": lambda t: t.a.T,
    "mT": lambda t: t.x.mT,
    "permute": lambda t: t.x.permute(2, 0, 1),
    "unsqueeze": lambda t: t.a.unsqueeze(0),
    "squeeze()": lambda t: t.a.unsqueeze(1).squeeze(),
    "squeeze(1)": lambda t: t.a.unsqueeze(1).squeeze(1),
    "expand": lambda t: t.b.expand(2, 3),
    "expand_as": lambda t: t.b.expand_as(t.a),
    # indexing
    "a[0]": lambda t: t.a[0],
    "a[-1]": lambda t: t.a[-1],
    "a[0, 1]": lambda t: t.a[0, 1],
    "a[0][1]": lambda t: t.a[0][1],
    "a[:, 1]": lambda t: t.a[:, 1],
    "a[1:]": lambda t: t.a[1:],
    "a[:, :2]": lambda t: t.a[:, :2],
    "a[::2]": lambda t: t.a[::2],
    "a[..., 0]": lambda t: t.a[..., 0],
    "a[None]": lambda t: t.a[None],
    "a[:, None]": lambda t: t.a[:, None],
    "a[[0, 0, 1]]": lambda t: t.a[[0, 0, 1]],
    "a[a > 0]": lambda t: t.a[t.a > 0],
    "a[[0, 1], [2, 0]]": lambda t: t.a[[0, 1], [2, 0]],
    "a[:]": lambda t: t.a[:],
    "a[...]": lambda t: t.a[...],
    "a[:, :]": lambda t: t.a[:, :],
    "a[0:2, 1] (full slice skipped)": lambda t: t.a[0:2, 1],
    "a[1, ..., None]": lambda t: t.a[1, ..., None],
    "x[0, :, [1, 1]] (ints first)": lambda t: t.x[0, :, [1, 1]],
    "x[[0, 1], 1:, 0]": lambda t: t.x[[0, 1], 1:, 0],
    "x[..., [0, 3]]": lambda t: t.x[..., [0, 3]],
    "x[None, 1, ::2]": lambda t: t.x[None, 1, ::2],
    "a[tensor(1)]": lambda t: t.a[lib(t.a).tensor(1)],
    "a[tensor([1, 0])]": lambda t: t.a[lib(t.a).tensor([1, 0])],
    "s (a 0-d leaf)": lambda t: t.s,
    "b (a 1-d leaf)": lambda t: t.b,
    "c (no grad)": lambda t: t.c,
    "a > 0": lambda t: t.a > 0,
    "a.detach()": lambda t: t.a.detach(),
    "(a * 2).detach()": lambda t: (t.a * 2).detach(),
    "a.data": lambda t: t.a.data,
    "a * 2 under no_grad": lambda t: no_grad_mul(t.a),
    "a * 2 under set_grad_enabled(False)": lambda t: no_grad_mul(t.a, "set_grad_enabled"),
}


def restore_grad_mode(m, mode):
    m.set_grad_enabled(True)
    return mode


def no_grad_mul(a, how="no_grad"):
    m = lib(a)
    with m.no_grad() if how == "no_grad" else m.set_grad_enabled(False):
        return a * 2


@pytest.mark.parametrize("name", FORMS)
def test_repr_matches_torch(name):
    ours, theirs = FORMS[name](inputs(tg)), FORMS[name](inputs(torch))
    assert repr(ours) == repr(theirs)
    assert str(ours) == str(theirs)


def graph(node, depth=100):
    """A grad_fn graph as nested (name, [(input graph, output index), ...]) tuples."""
    if node is None:
        return None
    if depth == 0:
        return node.name()
    return (node.name(), [(graph(n, depth - 1), i) for n, i in node.next_functions])


# torch runs these matmuls as several records (unsqueeze, mm, view, expand, bmm, ...,
# varying between versions); tinygrad_lite records one, with the name of the last
OPAQUE = {"vector @ matrix", "batched @ matrix", "batched @ batched", "1-D @ batched"}


@pytest.mark.parametrize("name", FORMS)
def test_grad_fn_graph_matches_torch(name):
    ours, theirs = FORMS[name](inputs(tg)), FORMS[name](inputs(torch))
    depth = 0 if name in OPAQUE else 100
    for o, t in zip(ours if isinstance(ours, tuple) else [ours],
                    theirs if isinstance(theirs, tuple) else [theirs]):
        assert (o.grad_fn is None) == (t.grad_fn is None)
        assert graph(o.grad_fn, depth) == graph(t.grad_fn, depth)
        assert o.is_leaf == t.is_leaf
        assert o.requires_grad == t.requires_grad


GRAD_FN_REPR = re.compile(r"<(\w+) object at 0x[0-9a-f]+>")


@pytest.mark.parametrize("name", ["a * b", "sum()", "a[0]", "max(1).values", "mv"])
def test_grad_fn_repr_and_identity(name):
    ours, theirs = FORMS[name](inputs(tg)), FORMS[name](inputs(torch))
    m, n = GRAD_FN_REPR.fullmatch(repr(ours.grad_fn)), GRAD_FN_REPR.fullmatch(repr(theirs.grad_fn))
    assert m and n and m.group(1) == n.group(1)
    assert (ours.grad_fn is ours.grad_fn) == (theirs.grad_fn is theirs.grad_fn)
    assert type(ours.grad_fn).__name__ != "NoneType"
    leaf_fn = ours.grad_fn.next_functions[0][0]
    assert GRAD_FN_REPR.fullmatch(repr(leaf_fn)).group(1) == "AccumulateGrad"
    assert leaf_fn.name() == theirs.grad_fn.next_functions[0][0].name()


def test_accumulate_grad_holds_the_leaf():
    for m in (tg, torch):
        t = inputs(m)
        y = t.a * 2
        assert y.grad_fn.next_functions[0][0].variable is t.a


def test_leaf_has_no_grad_fn():
    for m in (tg, torch):
        t = inputs(m)
        assert t.a.grad_fn is None and t.a.is_leaf and t.c.is_leaf


# ----------------------------------------------------------------------------------------
# Sizes, dtypes, devices, numbers
# ----------------------------------------------------------------------------------------
PRINTED = {
    "shape": lambda m: m.zeros(2, 3).shape,
    "size()": lambda m: m.zeros(2, 3).size(),
    "size(1)": lambda m: m.zeros(2, 3).size(1),
    "size(-1)": lambda m: m.zeros(2, 3).size(-1),
    "0-d shape": lambda m: m.tensor(1.0).shape,
    "Size([4])": lambda m: m.Size([4]),
    "Size slice": lambda m: m.zeros(2, 3, 4).shape[1:],
    "Size + tuple": lambda m: m.zeros(2, 3).shape + (4,),
    "Size[-1]": lambda m: m.zeros(2, 3).shape[-1],
    "set_grad_enabled(False)": lambda m: restore_grad_mode(m, m.set_grad_enabled(False)),
    "dtype float32": lambda m: m.zeros(1).dtype,
    "dtype float64": lambda m: m.float64,
    "torch.double": lambda m: m.double,
    "torch.long": lambda m: m.long,
    "dtype int64": lambda m: m.tensor([1]).dtype,
    "dtype bool": lambda m: (m.tensor([1]) > 0).dtype,
    "device": lambda m: m.zeros(1).device,
    "torch.device('cpu')": lambda m: m.device("cpu"),
    "str(device)": lambda m: str(m.device("cpu")),
    "is_leaf": lambda m: m.zeros(1).is_leaf,
    "requires_grad": lambda m: m.zeros(1, requires_grad=True).requires_grad,
    "tensor float32 1-D": lambda m: m.tensor([1.0, 2.5, -3.0]),
    "tensor float32 0-d": lambda m: m.tensor(3.14159),
    "tensor float64 0-d": lambda m: m.tensor(3.14159, dtype=m.float64),
    "float64 requires_grad": lambda m: m.tensor([1.0, 2.0], dtype=m.float64,
                                                requires_grad=True),
    "float64 0-d requires_grad": lambda m: m.tensor(2.0, dtype=m.float64,
                                                    requires_grad=True),
    "int": lambda m: m.tensor([1, 2, 3]),
    "int32": lambda m: m.tensor([1, 2, 3], dtype=m.int32),
    "bool": lambda m: m.tensor([True, False]),
    "2-D": lambda m: m.tensor([[1.0, 2.0], [3.5, -4.25]]),
    "3-D": lambda m: m.tensor(BATCH),
    "2-D float64 grad_fn": lambda m: m.tensor([[1.0, 2.0], [3.5, -4.25]], dtype=m.float64,
                                              requires_grad=True) * 3,
    "scientific": lambda m: m.tensor([1e-5, 1.0, 1e5]),
    "scientific 0-d": lambda m: m.tensor(1.5e-7),
    "large": lambda m: m.tensor([1e10, 2.0]),
    "integral floats": lambda m: m.tensor([1.0, 2.0, 300.0]),
    "inf and nan": lambda m: m.tensor([float("inf"), float("nan"), -1.0]) * 1,
    "empty": lambda m: m.zeros(0),
    "long 1-D": lambda m: m.arange(2000) * 0.5,
    "item": lambda m: m.tensor(2.5).item(),
    "tolist": lambda m: m.tensor([[1.5, 2.0]]).tolist(),
    "float64 item": lambda m: m.tensor(0.1, dtype=m.float64).item(),
    "float32 item": lambda m: m.tensor(0.1).item(),
    "format .3f": lambda m: format(m.tensor(3.14159), ".3f"),
    "format .3f float64": lambda m: format(m.tensor(2.0 / 3, dtype=m.float64), ".3f"),
    "f-string 0-d": lambda m: f"{m.tensor(1.25):.2e} {m.tensor(7)}",
    "f-string 1-D": lambda m: f"{m.tensor([1.0, 2.0])}",
    "requires_grad leaf in a list": lambda m: [m.tensor(1.0, requires_grad=True)],
    "dict of tensors": lambda m: {"w": m.tensor([0.5])},
    "type()": lambda m: m.tensor([1.0]).type(),
    "type() float64": lambda m: m.tensor([1.0], dtype=m.float64).type(),
    "is_floating_point": lambda m: m.tensor([1]).is_floating_point(),
}


@pytest.mark.parametrize("name", PRINTED)
def test_printing_matches_torch(name):
    assert repr(PRINTED[name](tg)) == repr(PRINTED[name](torch))
    assert str(PRINTED[name](tg)) == str(PRINTED[name](torch))


def test_default_dtype_float64_printing():
    for m in (tg, torch):
        m.set_default_dtype(m.float64)
    try:
        for fn in [lambda m: m.tensor([1.5]), lambda m: m.tensor([1.5], dtype=m.float32),
                   lambda m: m.ones(2, requires_grad=True) * 2]:
            assert repr(fn(tg)) == repr(fn(torch))
    finally:
        for m in (tg, torch):
            m.set_default_dtype(m.float32)


# ----------------------------------------------------------------------------------------
# .grad after backward
# ----------------------------------------------------------------------------------------
BACKWARDS = {
    "(a * b).sum()": lambda t: (t.a * t.b).sum(),
    "(a @ b).mean()": lambda t: (t.a @ t.b).mean(),
    "s ** 3": lambda t: t.s**3,
    "d0.exp() * d0": lambda t: t.d0.exp() * t.d0,
    "d.sum() * s": lambda t: t.d.sum() * t.s,
    "a.max()": lambda t: t.a.max(),
    "a.softmax(1)[0, 0]": lambda t: t.a.softmax(1)[0, 0],
    "p.log().sum()": lambda t: t.p.log().sum(),
}


@pytest.mark.parametrize("name", BACKWARDS)
def test_grad_printing_after_backward(name):
    ours, theirs = inputs(tg), inputs(torch)
    BACKWARDS[name](ours).backward()
    BACKWARDS[name](theirs).backward()
    for leaf in vars(theirs):
        assert repr(getattr(ours, leaf).grad) == repr(getattr(theirs, leaf).grad), leaf
    # a second backward accumulates
    BACKWARDS[name](ours).backward()
    BACKWARDS[name](theirs).backward()
    for leaf in vars(theirs):
        assert repr(getattr(ours, leaf).grad) == repr(getattr(theirs, leaf).grad), leaf


# ----------------------------------------------------------------------------------------
# Derivatives as tensors: create_graph=True
# ----------------------------------------------------------------------------------------
# (the grad_fn of a derivative is the last op of the backward rule; torch uses fused
# backward kernels for tanh, sigmoid, relu, softmax, mean, max, indexing, ... whose names,
# TanhBackwardBackward0 and the like, tinygrad_lite does not mirror)
DERIVATIVES = {
    "x ** 3": lambda x: x**3,
    "x * x": lambda x: x * x,
    "exp": lambda x: x.exp(),
    "sin": lambda x: x.sin(),
    "cos": lambda x: x.cos(),
    "log": lambda x: x.log(),
    "sqrt": lambda x: x.sqrt(),
    "1 / x": lambda x: 1 / x,
    "2 ** x": lambda x: 2**x,
    "x ** x": lambda x: x**x,
    "exp(x) * x": lambda x: x.exp() * x,
    "x + 1 (constant derivative)": lambda x: x + 1,
    "3 * x": lambda x: 3 * x,
    "x.double() ** 2": lambda x: x.double() ** 2,
}


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
@pytest.mark.parametrize("shape", ["0-d", "1-D"])
@pytest.mark.parametrize("name", DERIVATIVES)
def test_printing_of_derivatives_under_create_graph(name, shape):
    got = []
    for m in (tg, torch):
        x = m.tensor(1.5 if shape == "0-d" else [0.5, 1.5], requires_grad=True)
        (g,) = m.autograd.grad(DERIVATIVES[name](x).sum(), x, create_graph=True)
        DERIVATIVES[name](x).sum().backward(create_graph=True)
        first = repr(x.grad)  # a copy of the derivative (CopyBackwards) ...
        DERIVATIVES[name](x).sum().backward(create_graph=True)
        got.append((repr(g), first, repr(x.grad)))  # ... then a sum (AddBackward0)
    assert got[0] == got[1]



MATMUL_SHAPES = [((1, 1, 1), (1, 1, 1)), ((2, 3, 4), (2, 4, 5)), ((1, 3, 4), (2, 4, 5)),
                 ((2, 3, 4), (1, 4, 5)), ((2, 3, 4), (4, 5)), ((3, 4), (2, 4, 5)),
                 ((2, 3, 4), (4,)), ((4,), (2, 4, 5)), ((2, 2, 3, 4), (2, 4, 5)),
                 ((2, 1, 3, 4), (3, 4, 2)), ((2, 3, 4), (3, 2, 1, 4, 2))]


def _graph(t, depth=5):
    """The names met walking ``grad_fn.next_functions``, depth first, with their depths."""
    out = []

    def walk(f, d):
        if f is not None and d < depth:
            out.append((d, type(f).__name__))
            for g, _ in f.next_functions:
                walk(g, d + 1)
    walk(t.grad_fn, 0)
    return out


@pytest.mark.parametrize("grads", ["both", "left", "right"])
@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_batched_matmul_graph_and_gradients(shapes, grads):
    """``a @ b`` with an operand of 3 or more dims takes torch's steps: the larger one folded
    into a matrix (mm/mv, transposed back when it is the right one) or both expanded to one
    batch (bmm); its graph and its gradients are torch's."""
    rng = np.random.default_rng(0)
    xa, xb = rng.standard_normal(shapes[0]), rng.standard_normal(shapes[1])

    def run(m):
        a = m.tensor(xa, dtype=m.float64, requires_grad=grads != "right")
        b = m.tensor(xb, dtype=m.float64, requires_grad=grads != "left")
        out = a @ b
        out.backward(m.ones_like(out))
        return out, [t.grad for t in (a, b)], _graph(out)

    (ours, our_grads, our_graph), (theirs, grads_t, graph_t) = run(tg), run(torch)
    assert our_graph == graph_t
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12)
    for g, gt in zip(our_grads, grads_t):
        assert (g is None) == (gt is None)
        if g is not None:
            np.testing.assert_allclose(g.numpy(), gt.numpy(), rtol=1e-12, atol=1e-12)
