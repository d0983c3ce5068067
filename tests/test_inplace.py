"""In-place operations, views and version counters, against torch.

Each test is one program written once and run on both libraries (``m`` is the module:
``torch`` or ``tinygrad_lite``). The program reports what it sees through ``see``: values,
gradients, ``grad_fn`` names, ``_version`` and ``_base`` facts; the first exception ends it
and is reported too (type and message). Both reports must be equal, values within the
dtype's tolerance (float64: rtol 1e-12, atol 1e-12; float32: rtol 1e-5, atol 1e-6).

The matrix: every in-place op x {a leaf under ``no_grad``, a non-leaf, a view of a leaf, a
view of a non-leaf, the base after a write through a view} x {float32, float64} x {0-d,
vector, matrix}.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_lite as tg

torch = pytest.importorskip("torch")

TOL = {"float64": (1e-12, 1e-12), "float32": (1e-5, 1e-6)}


class Report:
    """What a program saw, in order."""

    def __init__(self, m: Any) -> None:
        self.m = m
        self.items: list[tuple[str, Any]] = []

    def __call__(self, what: str, x: Any) -> None:
        self.items.append((what, self._plain(x)))

    def _plain(self, x: Any) -> Any:
        if isinstance(x, (tg.Tensor, torch.Tensor)):
            return ("tensor", str(x.dtype).replace("torch.", ""), tuple(x.shape),
                    np.asarray(x.detach().tolist(), dtype=float), bool(x.requires_grad))
        if isinstance(x, (tuple, list)):
            return tuple(self._plain(v) for v in x)
        return x


def run(program: Callable[[Any, Report], None], m: Any) -> Report:
    rep = Report(m)
    try:
        program(m, rep)
    except Exception as e:  # noqa: BLE001 - the error is part of what is compared
        rep.items.append(("raised", (type(e).__name__, str(e))))
    return rep


def same(a: Any, b: Any, what: str) -> None:
    if isinstance(a, tuple) and a and a[0] == "tensor":
        assert isinstance(b, tuple) and b[0] == "tensor", what
        assert a[1:3] == b[1:3], f"{what}: dtype/shape {a[1:3]} vs {b[1:3]}"
        assert a[4] == b[4], f"{what}: requires_grad {a[4]} vs {b[4]}"
        rtol, atol = TOL.get(a[1], (0, 0))
        np.testing.assert_allclose(a[3], b[3], rtol=rtol, atol=atol, equal_nan=True,
                                   err_msg=what)
    elif isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{what}[{i}]")
    else:
        assert a == b, f"{what}: {a!r} vs torch's {b!r}"


def check(program: Callable[[Any, Report], None]) -> Report:
    """Run ``program`` on both libraries and compare the reports."""
    ours, theirs = run(program, tg), run(program, torch)
    names = [w for w, _ in theirs.items]
    assert [w for w, _ in ours.items] == names, (
        f"different steps: ours {ours.items[-1]} vs torch's {theirs.items[-1]}")
    for (w, a), (_, b) in zip(ours.items, theirs.items):
        same(a, b, w)
    return theirs


def name(t: Any) -> str | None:
    return None if t.grad_fn is None else type(t.grad_fn).__name__


# --------------------------------------------------------------------------------------
# The matrix
# --------------------------------------------------------------------------------------
SHAPES = {"0d": (), "vector": (3,), "matrix": (2, 3)}
DTYPES = ["float32", "float64"]


def values(shape: tuple[int, ...], start: float) -> Any:
    """Distinct positive values in (0.2, 0.9) of ``shape``, as nested lists."""
    n = int(np.prod(shape))
    flat = [round(start + 0.07 * i, 4) for i in range(n)]
    return np.asarray(flat).reshape(shape).tolist()


def leaf(m: Any, shape: tuple[int, ...], dt: str, start: float, rg: bool = True) -> Any:
    return m.tensor(values(shape, start), dtype=getattr(m, dt), requires_grad=rg)


def a_view(x: Any) -> Any:
    """A view of ``x`` that the matrix uses: all of a 0-d tensor, a slice of a vector, a
    (non-contiguous) column of a matrix."""
    if x.dim() == 0:
        return x[...]
    if x.dim() == 1:
        return x[1:]
    return x[:, 1]


# name -> (the op applied to a target t, given the module and a weight w shaped as t)
INPLACE: dict[str, Callable[[Any, Any, Any], Any]] = {
    "add_": lambda m, t, w: t.add_(w),
    "add_number": lambda m, t, w: t.add_(0.25),
    "add_alpha": lambda m, t, w: t.add_(w, alpha=2.0),
    "sub_": lambda m, t, w: t.sub_(w),
    "mul_": lambda m, t, w: t.mul_(w),
    "mul_number": lambda m, t, w: t.mul_(1.5),
    "div_": lambda m, t, w: t.div_(w),
    "iadd": lambda m, t, w: t.__iadd__(w),
    "isub_number": lambda m, t, w: t.__isub__(0.5),
    "imul": lambda m, t, w: t.__imul__(w),
    "itruediv_number": lambda m, t, w: t.__itruediv__(4.0),
    "pow_": lambda m, t, w: t.pow_(2),
    "pow_tensor": lambda m, t, w: t.pow_(w),
    "clamp_": lambda m, t, w: t.clamp_(0.35, 0.6),
    "relu_": lambda m, t, w: t.sub_(0.5).relu_(),
    "sigmoid_": lambda m, t, w: t.sigmoid_(),
    "tanh_": lambda m, t, w: t.tanh_(),
    "exp_": lambda m, t, w: t.exp_(),
    "log_": lambda m, t, w: t.log_(),
    "sin_": lambda m, t, w: t.sin_(),
    "sqrt_": lambda m, t, w: t.sqrt_(),
    "neg_": lambda m, t, w: t.neg_(),
    "zero_": lambda m, t, w: t.zero_(),
    "fill_": lambda m, t, w: t.fill_(0.5),
    "copy_": lambda m, t, w: t.copy_(w),
    "setitem": lambda m, t, w: t.__setitem__(..., w * 2),
}


def _see_leaf(see: Any, m: Any, *xs: Any) -> None:
    for i, x in enumerate(xs):
        see(f"value {i}", x)
        see(f"version {i}", x._version)
        see(f"grad {i}", x.grad)


@pytest.mark.parametrize("shape", SHAPES, ids=list(SHAPES))
@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("op", INPLACE, ids=list(INPLACE))
@pytest.mark.parametrize("case", ["leaf_no_grad", "leaf", "nonleaf", "view_of_leaf",
                                  "view_of_leaf_no_grad", "view_of_nonleaf", "base_after_view"])
def test_matrix(case: str, op: str, dt: str, shape: str) -> None:
    f = INPLACE[op]
    s = SHAPES[shape]

    def program(m: Any, see: Report) -> None:
        a = leaf(m, s, dt, 0.3)
        k = leaf(m, s, dt, 0.5, rg=False)  # a constant weighting of the loss
        if case == "leaf_no_grad":
            w = leaf(m, s, dt, 0.6, rg=False)
            before = (a * a).sum()  # saves a: backward must refuse after the change
            with m.no_grad():
                f(m, a, w)
            see("leaf", a)
            see("version", a._version)
            (a * k).sum().backward()
            _see_leaf(see, m, a)
            before.backward()
        elif case == "leaf":
            w = leaf(m, s, dt, 0.6)
            f(m, a, w)
        elif case == "nonleaf":
            w = leaf(m, s, dt, 0.6)
            b = a * 1.5
            f(m, b, w)
            see("b", b)
            see("grad_fn", name(b))
            see("version", b._version)
            (b * k).sum().backward()
            _see_leaf(see, m, a, w)
        elif case in ("view_of_leaf", "view_of_leaf_no_grad"):
            v = a_view(a)
            w = leaf(m, tuple(v.shape), dt, 0.6, rg=False)
            see("is view", v._base is a)
            if case == "view_of_leaf":
                f(m, v, w)
            else:
                with m.no_grad():
                    f(m, v, w)
                see("a", a)
                see("versions", (a._version, v._version))
                see("view grad_fn", name(v))
                (a * k).sum().backward()
                _see_leaf(see, m, a)
        elif case == "view_of_nonleaf":
            b = a * 1.5
            v = a_view(b)
            w = leaf(m, tuple(v.shape), dt, 0.6)
            f(m, v, w)
            see("b", b)
            see("v", v)
            see("names", (name(b), name(v)))
            see("versions", (b._version, v._version))
            ((b * k).sum() + (v * v).sum()).backward()
            _see_leaf(see, m, a, w)
        else:  # base_after_view: the base is changed, a view made before sees it
            b = a * 1.5
            v = a_view(b)
            w = leaf(m, s, dt, 0.6)
            f(m, b, w)
            see("v", v)
            see("names", (name(b), name(v)))
            see("versions", (b._version, v._version))
            ((v * 2).sum() + (b * k).sum()).backward()
            _see_leaf(see, m, a, w)

    check(program)


# --------------------------------------------------------------------------------------
# The version-counter error, in the variants a learner meets
# --------------------------------------------------------------------------------------
def _variant_no_grad(m: Any, see: Report) -> None:
    x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x * x).sum()
    with m.no_grad():
        x.add_(10)
    y.backward()


def _variant_detach(m: Any, see: Report) -> None:
    x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x * x).sum()
    x.detach().add_(10)
    see("version", x._version)
    y.backward()


def _variant_data(m: Any, see: Report) -> None:  # torch does not see it: .data is untracked
    x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x * x).sum()
    x.data.add_(10)
    see("version", (x._version, x.data._version))
    y.backward()
    see("grad", x.grad)


def _variant_row(m: Any, see: Report) -> None:
    x = m.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, dtype=m.float64)
    y = (x.exp() * 2).sum()
    e = x.exp()
    z = (e * e).sum()
    with m.no_grad():
        e[0].mul_(2)
    see("e", e)
    y.backward()
    see("grad", x.grad)
    z.backward()


def _variant_element(m: Any, see: Report) -> None:
    x = m.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    h = x.sigmoid()
    y = h.sum()
    with m.no_grad():
        h[1, 0] = 0.0
    y.backward()
    see("grad", x.grad)
    h2 = x.sigmoid()
    z = (h2 * 3).sum()
    h2[0, 1] = 5.0
    z.backward()


def _variant_optimizer(m: Any, see: Report) -> None:
    w = m.tensor([0.5, -0.5], requires_grad=True)
    opt = m.optim.SGD([w], lr=0.1)
    loss = (w * w).sum()
    loss.backward(retain_graph=True)
    opt.step()
    see("version", w._version)
    loss.backward()


def _variant_rnn(m: Any, see: Report) -> None:
    w = m.tensor([[0.5, -0.2], [0.1, 0.3]], requires_grad=True)
    h = m.tensor([1.0, 1.0])
    losses = []
    for _ in range(2):
        h = (w @ h).tanh()
        losses.append(h.sum())
    losses[0].backward(retain_graph=True)
    see("grad", w.grad)
    h.mul_(0.5)  # the hidden state carried on and changed in place, not detached
    losses[1].backward()


def _variant_nonleaf_saved(m: Any, see: Report) -> None:
    a = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = a * 2
    c = b * b
    b.add_(1)
    see("name", name(b))
    c.sum().backward()


def _variant_output_saved(m: Any, see: Report) -> None:
    a = m.tensor(2.0, dtype=m.float64, requires_grad=True)
    b = a.exp()
    b.add_(1)
    b.mul_(3)
    b.backward()


def _variant_view_saved(m: Any, see: Report) -> None:
    a = m.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    b = a * 1
    v = b[0]
    c = v * v
    v.mul_(3)
    c.sum().backward()


def _variant_base_saved(m: Any, see: Report) -> None:
    a = m.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    b = a * 1
    c = b * b
    b[0].mul_(3)
    c.sum().backward()


def _variant_harmless(m: Any, see: Report) -> None:  # add and sum save nothing: no error
    a = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = a + 1
    c = (b + b).sum()
    b.mul_(3)
    c.backward()
    see("grad", a.grad)
    d = a * 2  # only the number is saved for a's gradient
    e = d * 4
    with m.no_grad():
        a.add_(1)
    e.sum().backward()
    see("grad", a.grad)


def _variant_own_input(m: Any, see: Report) -> None:  # the op changes what it saved:
    a = m.tensor([-1.25, -1.5, 1.0], requires_grad=True)  # a's twin divided by a (found
    t = a.detach()  # by the fuzzer); its record is then the oldest one of the backward
    t /= a
    (t * m.tensor([0.25, 1.5, 0.25])).sum().backward(retain_graph=True)


def _variant_own_input_through_a_view(m: Any, see: Report) -> None:
    a = m.tensor([[1.5, 1.0, -1.5], [-1.0, 1.5, 1.0]], requires_grad=True)
    t = a.detach()
    t.div_(a)
    t.clone().diagonal().mean().backward()


VARIANTS = {f.__name__[9:]: f for f in [
    _variant_no_grad, _variant_detach, _variant_data, _variant_row, _variant_element,
    _variant_optimizer, _variant_rnn, _variant_nonleaf_saved, _variant_output_saved,
    _variant_view_saved, _variant_base_saved, _variant_harmless, _variant_own_input,
    _variant_own_input_through_a_view]}


@pytest.mark.parametrize("variant", VARIANTS)
def test_version_error_variants(variant: str) -> None:
    check(VARIANTS[variant])


# --------------------------------------------------------------------------------------
# Views share storage
# --------------------------------------------------------------------------------------
VIEWS: dict[str, Callable[[Any], Any]] = {
    "int": lambda x: x[1],
    "int_int": lambda x: x[1, 2],
    "slice": lambda x: x[:, 1:],
    "none": lambda x: x[None, 0],
    "ellipsis": lambda x: x[..., 0],
    "view": lambda x: x.view(6),
    "view_-1": lambda x: x.view(3, -1),
    "reshape": lambda x: x.reshape(3, 2),
    "flatten": lambda x: x.flatten(),
    "transpose": lambda x: x.transpose(0, 1),
    "permute": lambda x: x.permute(1, 0),
    "t": lambda x: x.t(),
    "T": lambda x: x.T,
    "mT": lambda x: x.mT,
    "unsqueeze": lambda x: x.unsqueeze(1),
    "squeeze": lambda x: x[None].squeeze(0),
    "unbind": lambda x: x.unbind(1)[2],
    "narrow": lambda x: x.narrow(1, 1, 2),
    "select": lambda x: x.select(1, 0),
    "diagonal": lambda x: x.diagonal(),
    "detach": lambda x: x.detach(),
    "view_of_view": lambda x: x.t()[1:],
}


@pytest.mark.parametrize("dt", ["float32", "float64", "int64", "bool"])
@pytest.mark.parametrize("kind", VIEWS, ids=list(VIEWS))
def test_views_share_storage(kind: str, dt: str) -> None:
    def program(m: Any, see: Report) -> None:
        x = m.arange(6).reshape(2, 3).to(getattr(m, dt))
        v = VIEWS[kind](x)
        see("base", v._base is x if kind != "detach" else v._base is None)
        see("contiguous", v.is_contiguous())
        v.zero_() if dt != "bool" else v.fill_(False)
        see("x after write through view", x)
        see("versions", (x._version, v._version))
        x.fill_(1 if dt != "bool" else True)
        see("view after write to base", v)
        see("versions", (x._version, v._version))

    check(program)


ZERO_D_VIEWS: dict[str, Callable[[Any], Any]] = {
    "view": lambda s: s.view(1),
    "ellipsis": lambda s: s[...],
    "reshape": lambda s: s.reshape(()),
    "none": lambda s: s[None],
    "unsqueeze": lambda s: s.unsqueeze(0),
    "expand": lambda s: s.expand(()),
    "detach": lambda s: s.detach(),
    "element": lambda s: s.view(1)[0],
}


@pytest.mark.parametrize("dt", ["float64", "float32"])
@pytest.mark.parametrize("kind", ZERO_D_VIEWS, ids=list(ZERO_D_VIEWS))
def test_zero_d_views(kind: str, dt: str) -> None:
    def program(m: Any, see: Report) -> None:
        s = m.tensor(1.5, dtype=getattr(m, dt))
        v = ZERO_D_VIEWS[kind](s)
        see("base", v._base is s if kind != "detach" else v._base is None)
        v.add_(1)
        see("s", s)
        see("version", (s._version, v._version))
        s.mul_(2)
        see("v", v)
        r = s * 3  # the fast path still computes right after the storage moved
        see("r", r)

    check(program)


def test_element_of_matrix_is_a_view() -> None:
    def program(m: Any, see: Report) -> None:
        x = m.zeros(2, 3, dtype=m.float64)
        e = x[0, 1]
        e.add_(5)
        see("x", x)
        r = x[0]
        r.add_(1)
        see("x", x)
        see("e", e)

    check(program)


def test_advanced_indexing_copies() -> None:
    def program(m: Any, see: Report) -> None:
        x = m.zeros(2, 3)
        i = x[[0, 1]]
        j = x[x == 0]
        see("bases", (i._base is None, j._base is None))
        i.add_(1)
        j.add_(1)
        see("x", x)

    check(program)


def test_view_of_non_contiguous_raises() -> None:
    def program(m: Any, see: Report) -> None:
        x = m.zeros(2, 3)
        see("reshape", x.t().reshape(6)._base is None)
        see("contiguous", x.t().contiguous().is_contiguous())
        x.t().view(6)

    check(program)


def test_expanded_write_raises() -> None:
    def program(m: Any, see: Report) -> None:
        m.zeros(3).expand(2, 3).add_(1)

    check(program)


def test_grad_fn_names_of_views() -> None:
    def program(m: Any, see: Report) -> None:
        a = m.zeros(2, 3, requires_grad=True)
        see("names", tuple(name(f(a)) for f in VIEWS.values() if f is not VIEWS["detach"]))
        see("reshape copy", name(a.t().reshape(6)))

    check(program)


# --------------------------------------------------------------------------------------
# In-place ops recorded on the tape
# --------------------------------------------------------------------------------------
def test_write_product_into_zeros() -> None:
    def program(m: Any, see: Report) -> None:
        a = m.tensor(2.0, requires_grad=True)
        b = m.tensor(3.0, requires_grad=True)
        w = m.tensor([5.0, 7.0])
        out = m.zeros(2)
        out[0] = a * b
        see("out", out)
        see("name", name(out))
        see("next", tuple(None if f is None else type(f).__name__
                          for f, _ in out.grad_fn.next_functions))
        (out * w).sum().backward()
        see("grads", (a.grad, b.grad))

    check(program)


def test_regularisation_loop() -> None:
    def program(m: Any, see: Report) -> None:
        w = m.tensor([[0.5, -1.0], [2.0, 0.25]], requires_grad=True, dtype=m.float64)
        x = m.tensor([1.0, 2.0], dtype=m.float64)
        cost = ((w @ x) ** 2).mean()
        for p in [w]:
            cost += 0.1 * (p ** 2).sum()
        see("cost", cost)
        see("name", name(cost))
        cost.backward()
        see("grad", w.grad)

    check(program)


def test_relu_inplace_in_nn() -> None:
    def program(m: Any, see: Report) -> None:
        x = m.tensor([[-1.0, 2.0], [0.5, -0.25]], requires_grad=True, dtype=m.float64)
        h = x * 2
        y = m.nn.functional.relu(h, inplace=True)
        see("same", y is h)
        see("name", name(h))
        z = m.nn.ReLU(inplace=True)(x * 3)
        (y.sum() + z.sum()).backward()
        see("grad", x.grad)
        h2 = x * 1
        h2.relu_()
        see("name", name(h2))

    check(program)


def test_advanced_setitem() -> None:
    def program(m: Any, see: Report) -> None:
        a = m.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True, dtype=m.float64)
        v = m.tensor([10.0, 20.0], requires_grad=True, dtype=m.float64)
        b = a * 1
        b[[0, 2]] = v * 2
        see("b", b)
        see("name", name(b))
        b2 = a * 1
        b2[b2 > 2.5] = 0.0
        see("b2", b2)
        (b * m.tensor([1.0, 2.0, 3.0, 4.0], dtype=m.float64)).sum().backward()
        b2.sum().backward()
        see("grads", (a.grad, v.grad))

    check(program)


def test_several_views_and_writes() -> None:
    def program(m: Any, see: Report) -> None:
        a = m.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True,
                     dtype=m.float64)
        b = a.exp()
        r0, r1 = b[0], b[1]
        c = r1 * 2  # made before the writes: through the old history
        r0.mul_(r1)  # a write that reads another view
        b[:, 2] = c[:1].sum() * 0
        r1.add_(1)
        see("b", b)
        see("names", (name(b), name(r0), name(r1)))
        (b.sum() + c.sum() + r0.sum()).backward()
        see("grad", a.grad)

    check(program)


def test_int_inplace_errors() -> None:
    for stmt in ["i.add_(1.5)", "i.mul_(0.5)", "i.__iadd__(1.5)", "i.div_(2)",
                 "i.add_(m.tensor([1.0, 2.0, 3.0]))", "i.clamp_(0.5, 2)", "i.__itruediv__(2)",
                 "m.tensor([True]).add_(1)"]:
        def program(m: Any, see: Report, stmt: str = stmt) -> None:
            i = m.tensor([1, 2, 3])
            see("i", i)
            eval(stmt, {"i": i, "m": m})

        check(program)
    for stmt in ["i.copy_(m.tensor([1.5, 2.0, 3.0]))", "i.fill_(2.5)", "i.__setitem__(0, 2.5)"]:
        def program2(m: Any, see: Report, stmt: str = stmt) -> None:
            i = m.tensor([1, 2, 3])
            eval(stmt, {"i": i, "m": m})
            see("i", i)
            see("version", i._version)

        check(program2)


def test_inplace_shape_error() -> None:
    def program(m: Any, see: Report) -> None:
        m.zeros(3).add_(m.ones(2, 3))

    check(program)


def test_double_backward_through_inplace() -> None:
    def program(m: Any, see: Report) -> None:
        x = m.tensor([0.5, 1.5], requires_grad=True, dtype=m.float64)
        y = x * 1
        y.mul_(x)  # y = x^2, in place
        y[0] = y[0] * x[1]
        (g,) = m.autograd.grad(y.sum(), x, create_graph=True)
        see("g", g)
        (gg,) = m.autograd.grad(g.sum(), x)
        see("gg", gg)

    check(program)


def test_retain_graph_and_version_after_second_backward() -> None:
    def program(m: Any, see: Report) -> None:
        x = m.tensor([0.5, 1.5], requires_grad=True)
        y = x.tanh()
        z = y.sum()
        z.backward(retain_graph=True)
        see("grad", x.grad)
        with m.no_grad():
            y.zero_()
        see("version", y._version)
        z.backward()

    check(program)


# --------------------------------------------------------------------------------------
# Grad mode is per thread
# --------------------------------------------------------------------------------------
def test_no_grad_in_another_thread_leaves_this_one_recording() -> None:
    for m in (tg, torch):
        inside, leave = threading.Event(), threading.Event()
        seen: dict[str, bool] = {}

        def worker(m: Any = m, seen: dict = seen, inside: threading.Event = inside,
                   leave: threading.Event = leave) -> None:
            with m.no_grad():
                seen["worker"] = m.is_grad_enabled()
                inside.set()
                leave.wait(5)

        th = threading.Thread(target=worker)
        th.start()
        inside.wait(5)
        x = m.ones(2, requires_grad=True)
        seen["main"] = (x * 2).requires_grad
        leave.set()
        th.join()
        assert seen == {"worker": False, "main": True}, m.__name__


def test_inference_tensors_and_in_place_changes() -> None:
    def program(m: Any, see: Report) -> None:
        y = m.ones(3)
        with m.inference_mode():
            x = m.ones(3)
            see("twins in the mode", (y.detach().is_inference(), y.data.is_inference(),
                                      y[0].is_inference()))
            x.add_(1)
        see("twins", (x.detach().is_inference(), x.data.is_inference()))
        x[0] = 2

    check(program)

    def version(m: Any, see: Report) -> None:
        with m.inference_mode():
            x = m.ones(3)
        see("version", x._version)

    check(version)


def test_clamp_of_an_integer_tensor_to_float_bounds() -> None:
    def program(m: Any, see: Report) -> None:
        i = m.tensor([1, 2, 3])
        see("float bounds", i.clamp(0.5, 2))
        see("int bounds", i.clamp(0, 2))
        see("upper only", i.clamp(max=2.5))
        i.clamp_(0.5, 2)

    check(program)


# Reads that overlap the write: torch's error where it can decide, else its loop's order.
ALIAS_SHAPES = [(3, 3), (2, 20), (3, 17), (4, 40), (2, 9), (33, 3)]
ALIAS_READS = {
    "column": lambda x: x[:, 2:3],  # one element per row: read once per row by the vectors
    "element": lambda x: x[0, 1],
    "row": lambda x: x[1:2, :],
    "transpose_or_column": lambda x: x.t() if x.shape[0] == x.shape[1] else x[:, 1:2],
    "expanded_column": lambda x: x[:, 1:2].expand(x.shape),
}


@pytest.mark.parametrize("shape", ALIAS_SHAPES, ids=str)
@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("op", ["add_", "sub_", "mul_", "div_", "copy_"])
@pytest.mark.parametrize("read", ALIAS_READS, ids=list(ALIAS_READS))
def test_reads_overlapping_the_write(read: str, op: str, dt: str, shape: tuple) -> None:
    """``a /= a[:, :1]``: later elements see earlier ones changed as torch's kernel sees
    them (rows longer than 16 float32 / 8 float64 elements go in vector blocks)."""
    start = np.arange(int(np.prod(shape))).reshape(shape) % 7 + 1.0

    def program(m: Any, see: Report) -> None:
        x = m.tensor(start.tolist(), dtype=getattr(m, dt))
        getattr(x, op)(ALIAS_READS[read](x))
        see("x", x)

    check(program)


def test_overlapping_reads_of_a_permuted_tensor_under_no_grad() -> None:
    def program(m: Any, see: Report) -> None:
        a = m.tensor([[-1.25, 1.0, -1.5], [-2.0, -1.5, -1.5]], dtype=m.float64,
                     requires_grad=True)
        t1, t2 = a.select(1, 0), a.permute(1, 0)
        with m.no_grad():
            t2 -= t1
        see("a", a)

    check(program)


@pytest.mark.parametrize("op", ["copy_", "add_"])
def test_overlap_error_comes_before_the_shape_error(op: str) -> None:
    def program(m: Any, see: Report) -> None:
        b = m.tensor([-1.5, -1.5, 0.75])
        getattr(b.unbind(0)[0], op)(b)

    assert check(program).items[-1][0] == "raised"


def test_view_step_through_a_transposed_adjoint() -> None:
    """An in-place op through ``b.flatten()``, then ``b.t()``: the adjoint reaching the
    CopySlices record is transposed, and the view of it must still be a view."""
    def program(m: Any, see: Report) -> None:
        a = m.tensor(-1.25, requires_grad=True)
        b = m.zeros(2, 3)
        b.copy_(a)
        b.flatten().pow_(2)
        (b.t() * m.tensor([[1.0, 2], [3, 4], [5, 6]])).sum().backward()
        see("a.grad", a.grad)

    check(program)


def test_record_older_than_its_inputs_rebase() -> None:
    """``t1.copy_(t2)`` where ``t2`` is a view of the storage ``t1`` writes: ``t2`` is seen
    anew after the copy, and the copy's record must still reach ``t2``'s old history."""
    def program(m: Any, see: Report) -> None:
        a = m.tensor([[-1.0, 0.5, 1.5], [-0.5, -1.0, 1.5]], requires_grad=True)
        t1, t2 = a.detach(), a.narrow(1, 2, 1)
        t1.copy_(t2)
        t2.retain_grad()  # on t2's new grad_fn, which the graph does not reach: None
        t1.clone().sigmoid().sum().backward()
        see("a.grad", a.grad)
        see("t2.grad", t2.grad)

    check(program)


# Views torch refuses to rebase: where and how each use of them raises.
def _refused_by_unbind(m: Any) -> tuple[Any, Any]:
    a = m.tensor([[2.0, 0.5, 2.0], [2.0, 1.0, -1.0]], dtype=m.float64, requires_grad=True)
    t1 = a.unbind(0)[1]
    with m.no_grad():
        a.copy_(m.tensor(2.0, dtype=m.float64))
    return a, t1


def _refused_no_grad_view_of_plain(m: Any) -> tuple[Any, Any]:
    b = m.tensor([-1.25, -1.5, -1.25], dtype=m.float64)
    t1 = b.unbind(0)[0]  # of a tensor that does not require grad: it has no grad_fn
    b.copy_(m.tensor(0.5, dtype=m.float64, requires_grad=True))
    return b, t1


REFUSED = {"unbind_of_leaf": _refused_by_unbind,
           "unbind_of_plain": _refused_no_grad_view_of_plain}
USES = {
    "matmul_second": lambda a, t: a @ t,
    "add_second": lambda a, t: a + t,
    "in_place": lambda a, t: t.add_(2),
    "copy_itself": lambda a, t: t.copy_(t),
    "retain_grad": lambda a, t: t.retain_grad(),
    "grad_fn": lambda a, t: t.grad_fn,
    "requires_grad": lambda a, t: t.requires_grad,
}


@pytest.mark.parametrize("use", USES, ids=list(USES))
@pytest.mark.parametrize("how", REFUSED, ids=list(REFUSED))
def test_refused_views(how: str, use: str) -> None:
    def program(m: Any, see: Report) -> None:
        base, t = REFUSED[how](m)
        see("result", USES[use](base, t))

    check(program)


def test_no_grad_view_of_a_plain_tensor_refuses_a_change_that_requires_grad() -> None:
    def program(m: Any, see: Report) -> None:
        c = m.tensor([0.5, -0.5, -0.5])
        with m.no_grad():
            t1 = c.narrow(0, 2, 1)
        t1.copy_(m.tensor(-0.5, requires_grad=True))

    assert check(program).items[-1][0] == "raised"


def test_refused_view_raises_before_the_kernels_dtype_error() -> None:
    def program(m: Any, see: Report) -> None:
        a = m.tensor([0.5, 1.0, 1.0], dtype=m.float64, requires_grad=True)
        t1 = a.view(3, 1)
        with m.no_grad():
            t3 = t1.squeeze(0)
            t1[0] = m.tensor([0.5], dtype=m.float64)
        m.tensor([0.5, -1.5, 0.5]) @ t3

    assert check(program).items[-1][0] == "raised"


def test_saved_refused_view_raises_its_error_in_backward() -> None:
    def program(m: Any, see: Report) -> None:
        a = m.tensor([[2.0, 2.0, 2.0], [-1.5, 1.5, -2.0]], dtype=m.float64, requires_grad=True)
        t2 = a[1:].unbind(0)[0]
        t3 = t2 @ t2
        with m.no_grad():
            a.fill_(0.5)
        (a.sum() + t3).backward()

    assert check(program).items[-1][0] == "raised"


@pytest.mark.parametrize("op", ["dot", "mv", "mm"])
def test_version_error_names_the_input_torch_checks_first(op: str) -> None:
    def program(m: Any, see: Report) -> None:
        a = m.ones(2, 3, requires_grad=True) if op != "dot" else m.ones(3, requires_grad=True)
        c = m.ones(3, 2, requires_grad=True) if op == "mm" else m.ones(3, requires_grad=True)
        b = c * 1
        t = a @ b
        with m.no_grad():
            a.add_(1)
            b.add_(1)
        t.sum().backward()

    assert check(program).items[-1][0] == "raised"


def test_version_error_through_a_view_gives_the_views_shape() -> None:
    def program(m: Any, see: Report) -> None:
        a = m.tensor([-1.0, -1.25, 0.5])
        t1 = a.narrow(0, 1, 1)
        t1.copy_(m.tensor(0.5, dtype=m.float64, requires_grad=True))
        t1.tanh_()
        t1.mul_(-1.5)
        t1[..., None].sum().backward()

    assert check(program).items[-1][0] == "raised"


def test_version_error_names_the_views_grad_fn_while_it_lives() -> None:
    # found by the fuzzer (seed 7): copy_'s own input keeps the view's node from right
    # after relu_ alive, so torch's message names it (AsStridedBackward0)
    def program(m: Any, see: Report) -> None:
        b = m.tensor([[-1.25, -1.0, 0.75], [0.5, 2.0, 0.75]], dtype=m.float64,
                     requires_grad=True)
        t2 = b - b
        t5 = t2.expand(-1, 3)
        t5.relu_()
        t5.copy_(t5)
        (t5 * 2.0).sum().backward()

    assert check(program).items[-1][0] == "raised"


def _relu_through_row(m: Any) -> tuple[Any, Any]:
    b = m.tensor([[-1.25, -1.0, 0.75], [0.5, 2.0, 0.75]], dtype=m.float64, requires_grad=True)
    t2 = b * 1
    t5 = t2[0]
    t5.relu_()  # saves its output, the row, with a weak reference to the row's new node
    return t2, t5


def _then_row_mul(m, t2, t5):  # a recorded change of the row: torch makes it a new node
    t5.mul_(2)


def _then_keep_product(m, t2, t5):  # a live record holds the row's node
    kept = t5 * 3
    t5.mul_(2)
    return kept


def _then_drop_product(m, t2, t5):  # a record that is gone holds nothing
    t5 * 3
    t5.mul_(2)


def _then_drop_row(m, t2, t5):  # nothing holds the node but the row, which is gone
    del t5
    t2.mul_(2)


def _then_base_mul(m, t2, t5):  # the row is not asked for its node: it keeps it
    t2.mul_(2)


def _then_row_mul_no_grad(m, t2, t5):
    with m.no_grad():
        t5.mul_(2)


def _then_read_grad_fn(m, t2, t5):  # reading grad_fn after a change makes a new node
    t2.mul_(2)
    assert t5.grad_fn is not None


def _then_read_grad_fn_first(m, t2, t5):  # before the change it is the same node
    assert t5.grad_fn is not None
    t2.mul_(2)


def _then_use_row(m, t2, t5):  # so does a recorded op that takes the row
    t2.mul_(2)
    return t5 * 3


def _then_print_row(m, t2, t5):  # and printing, which asks for grad_fn
    t2.mul_(2)
    repr(t5)


def _then_child_view(m, t2, t5):
    kept = t5[1:]
    t2.mul_(2)
    return kept


def _then_other_row(m, t2, t5):
    t2[1].mul_(2)


def _then_add_into_other_row(m, t2, t5):  # add_'s other input holds the node
    t2[1].add_(t5)
    t5.mul_(2)


def _then_child_view_no_grad(m, t2, t5):  # a child view holds the row's node...
    kept = t5[None]
    with m.no_grad():
        t2.mul_(2)
    return kept


def _then_child_view_asked(m, t2, t5):  # ...until it is asked for its grad_fn after the
    kept = t5[None]  # change: it gets a new node, and its old one goes (fuzzer, seed 41)
    with m.no_grad():
        t2.mul_(2)
    assert kept.grad_fn is not None and t5.grad_fn is not None
    return kept


@pytest.mark.parametrize("retain", [False, True], ids=["freed", "retain_graph"])
@pytest.mark.parametrize("then", [
    _then_row_mul, _then_keep_product, _then_drop_product, _then_drop_row, _then_base_mul,
    _then_row_mul_no_grad, _then_read_grad_fn, _then_read_grad_fn_first, _then_use_row,
    _then_print_row, _then_child_view, _then_other_row, _then_add_into_other_row,
    _then_child_view_no_grad, _then_child_view_asked,
], ids=lambda f: f.__name__[6:])
def test_version_error_names_the_views_node_as_long_as_torch_holds_it(then, retain) -> None:
    """The saved output of an in-place op through a view, changed afterwards: the error
    names the view's node made right after the op while something holds it, else the op
    (ReluBackward0); the cases are the ways torch holds or drops it. A later in-place
    change through the view holds it too, until the backward pass frees that record (it
    runs first): so ``retain_graph`` changes the wording (found by the fuzzer, seed 41)."""
    def program(m: Any, see: Report) -> None:
        t2, t5 = _relu_through_row(m)
        kept = then(m, t2, t5)  # what the program still holds (a record, or None)
        (t2 * 2.0).sum().backward(retain_graph=retain)
        see("kept", kept is not None)

    assert check(program).items[-1][0] == "raised"


def test_a_view_that_refuses_its_grad_fn_prints_invalid() -> None:
    def program(m: Any, see: Report) -> None:
        b = m.tensor([1.0, 2.0], requires_grad=True) * 1
        u = b.unbind(0)
        with m.no_grad():
            b.mul_(2)
        see("repr", repr(u[0]))

    check(program)


def test_copy_onto_the_same_elements_of_an_expanded_tensor() -> None:
    def program(m: Any, see: Report) -> None:
        b = m.tensor(0.75, dtype=m.float64)
        t3 = b.data.expand(2)
        t4 = t3.view(-1)
        t4.copy_(t3)
        see("b", b)
        see("version", b._version)

    check(program)


@pytest.mark.parametrize("how", ["split", "chunk", "split_sizes"])
@pytest.mark.parametrize("piece", [0, 1, 2])
@pytest.mark.parametrize("direct", [True, False])
def test_split_pieces_are_named_by_their_number(how, piece, direct):
    """A piece of split/chunk is one of several views: its error names it "Output k"."""
    def program(m: Any, see: Report) -> None:
        b = m.arange(6.0, dtype=m.float64).requires_grad_() * 1
        pieces = {"split": lambda: b.split(2), "chunk": lambda: b.chunk(3),
                  "split_sizes": lambda: b.split([1, 2, 3])}[how]()
        if direct:
            pieces[piece].add_(1)
        else:
            with m.no_grad():
                b.add_(1)
            see("grad_fn", pieces[piece].grad_fn)

    assert check(program).items[-1][0] == "raised"


@pytest.mark.parametrize("grad", [True, False])
def test_refused_view_raises_before_views_layout_error(grad: bool) -> None:
    # torch asks whether the input requires grad (and so rebuilds its grad_fn) before the
    # view kernel finds the layout wrong; under no_grad it does not ask (fuzzer, seed 77)
    def program(m: Any, see: Report) -> None:
        a = m.tensor([[-0.5, 0.5, -1.0], [-1.0, -0.5, -1.5]], dtype=m.float64,
                     requires_grad=True)
        t3 = m.exp(a)
        with m.no_grad():
            t4 = t3.T
        t3 -= 0.5
        with m.set_grad_enabled(grad):
            t4.view(1, 6)

    assert check(program).items[-1][0] == "raised"
