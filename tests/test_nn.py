"""``tinygrad_lite.nn`` against torch: losses, ``linear``, modules, printing, ``init``.

Most checks are written once as a function of the library (``lib`` plays ``torch``) and
run on both; :func:`helpers.check` compares values, gradients and second derivatives
(float64: rtol 1e-10, atol 1e-12).
"""

from __future__ import annotations

import copy
import math
import warnings

import numpy as np
import pytest
from helpers import both, caught, check, lib

import tinygrad_lite as tg
import tinygrad_lite.nn as nn
import tinygrad_lite.nn.functional as F

torch = pytest.importorskip("torch")

REDUCTIONS = ["mean", "sum", "none"]
RNG = np.random.default_rng(1234)


def const(x, a):
    """A tensor of ``x``'s library holding the array ``a`` (a weight: no grad)."""
    return lib(x).tensor(a)


def warned(fn):
    """The messages of the warnings ``fn()`` issues."""
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        fn()
    return [(x.category.__name__, str(x.message)) for x in w]


def probs(*shape):
    return RNG.uniform(0.05, 0.95, size=shape)


# --------------------------------------------------------------------------------------
# Losses: values, gradients w.r.t. every differentiable input, grad_fn names
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_loss(reduction):
    ours, _ = check(lambda x, y: lib(x).nn.functional.mse_loss(x, y, reduction=reduction),
                    [(4, 3), (4, 3)], create_graph_second_order=True)
    assert ours.grad_fn.name() == "MseLossBackward0"


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_loss_weight(reduction):
    w = RNG.uniform(0.1, 2.0, size=(4, 3))
    check(lambda x, y: lib(x).nn.functional.mse_loss(x, y, reduction=reduction,
                                                     weight=const(x, w)),
          [(4, 3), (4, 3)], create_graph_second_order=True)


def test_mse_loss_broadcast_warns_like_torch():
    def f(lib):
        x, y = lib.ones(3, requires_grad=True), lib.zeros(3, 1)
        out = []
        msgs = warned(lambda: out.append(lib.nn.functional.mse_loss(x, y)))
        out[0].backward()
        return msgs, repr(out[0]), repr(x.grad)

    ours, theirs = both(f)
    assert ours == theirs
    assert "This will likely lead to incorrect results due to broadcasting" in ours[0][0][1]
    with pytest.warns(UserWarning, match="different to the input size"):
        check(lambda x, y: lib(x).nn.functional.mse_loss(x, y), [(3,), (3, 1)])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy(reduction, weighted):
    w = RNG.uniform(0.1, 2.0, size=(3,)) if weighted else None

    def fn(x, y):
        weight = None if w is None else const(x, w)
        return lib(x).nn.functional.binary_cross_entropy(x, y, weight=weight,
                                                         reduction=reduction)

    ours, _ = check(fn, [probs(4, 3), probs(4, 3)], create_graph_second_order=True,
                    rtol=1e-8)
    assert ours.grad_fn.name() == "BinaryCrossEntropyBackward0"


def test_binary_cross_entropy_at_0_and_1_is_clamped_as_torch():
    x = np.array([0.0, 1.0, 0.0, 1.0, 0.5])
    y = np.array([1.0, 0.0, 0.0, 1.0, 0.5])
    for reduction in REDUCTIONS:
        ours, _ = check(lambda a, b, r=reduction: lib(a).nn.functional.binary_cross_entropy(
            a, b, reduction=r), [x, y])
    ours = F.binary_cross_entropy(tg.tensor([0.0, 1.0]), tg.tensor([1.0, 0.0]),
                                  reduction="none")
    assert repr(ours) == "tensor([100., 100.])"


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weights", ["none", "weight", "pos_weight", "both"])
def test_binary_cross_entropy_with_logits(reduction, weights):
    w = RNG.uniform(0.1, 2.0, size=(4, 3)) if weights in ("weight", "both") else None
    p = RNG.uniform(0.5, 3.0, size=(3,)) if weights in ("pos_weight", "both") else None

    def fn(x, y):
        return lib(x).nn.functional.binary_cross_entropy_with_logits(
            x, y, weight=None if w is None else const(x, w),
            pos_weight=None if p is None else const(x, p), reduction=reduction)

    ours, _ = check(fn, [(4, 3), probs(4, 3)], low=-4, high=4,
                    create_graph_second_order=True, rtol=1e-8)
    assert ours.grad_fn.name() == "BinaryCrossEntropyWithLogitsBackward0"


def test_binary_cross_entropy_with_logits_is_stable_for_large_logits():
    x = np.array([-800.0, -50.0, 0.0, 50.0, 800.0])
    y = np.array([1.0, 0.0, 0.5, 1.0, 0.0])
    check(lambda a, b: lib(a).nn.functional.binary_cross_entropy_with_logits(
        a, b, reduction="none"), [x, y])


def _targets(n_classes, shape, ignore=None):
    t = RNG.integers(0, n_classes, size=shape)
    if ignore is not None:
        t.flat[::3] = ignore
    return t


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignore_index", [-100, 2])
def test_nll_loss(reduction, weighted, ignore_index):
    w = RNG.uniform(0.1, 2.0, size=(5,)) if weighted else None
    t = _targets(5, (6,), ignore_index)

    def fn(x, t):
        return lib(x).nn.functional.nll_loss(x, t, weight=None if w is None else const(x, w),
                                             ignore_index=ignore_index, reduction=reduction)

    # nll is linear in x: no second derivative to compare (torch still records one).
    ours, _ = check(fn, [(6, 5), t])
    assert ours.grad_fn.name() == "NllLossBackward0"


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss_other_ranks(reduction):
    # one sample without batch dim, and spatial dims (N, C, d1, d2) / (N, C, d)
    check(lambda x, t: lib(x).nn.functional.nll_loss(x, t, reduction=reduction),
          [(5,), np.array(3)])
    for shape in [(2, 4, 3, 2), (2, 4, 3)]:
        t = _targets(4, (shape[0], *shape[2:]))
        ours, theirs = check(lambda x, t: lib(x).nn.functional.nll_loss(
            x, t, reduction=reduction), [shape, t])
        assert ours.grad_fn.name() == theirs.grad_fn.name()


def test_nll_loss_all_ignored():
    t = np.array([-100, -100])
    for reduction in REDUCTIONS:
        check(lambda x, t, r=reduction: lib(x).nn.functional.nll_loss(x, t, reduction=r),
              [(2, 3), t])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
def test_cross_entropy_class_indices(reduction, weighted, label_smoothing):
    w = RNG.uniform(0.1, 2.0, size=(5,)) if weighted else None
    t = _targets(5, (6,), ignore=1)

    def fn(x, t):
        return lib(x).nn.functional.cross_entropy(
            x, t, weight=None if w is None else const(x, w), ignore_index=1,
            reduction=reduction, label_smoothing=label_smoothing)

    ours, theirs = check(fn, [(6, 5), t], low=-3, high=3, create_graph_second_order=True)
    assert ours.grad_fn.name() == theirs.grad_fn.name()


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_cross_entropy_class_probabilities(reduction, weighted, label_smoothing):
    w = RNG.uniform(0.1, 2.0, size=(4,)) if weighted else None
    target = RNG.dirichlet(np.ones(4), size=3)

    def fn(x, y):
        return lib(x).nn.functional.cross_entropy(
            x, y, weight=None if w is None else const(x, w), reduction=reduction,
            label_smoothing=label_smoothing)

    ours, theirs = check(fn, [(3, 4), target], create_graph_second_order=True)
    assert ours.grad_fn.name() == theirs.grad_fn.name()


def test_cross_entropy_one_sample_spatial_and_float32():
    check(lambda x, t: lib(x).nn.functional.cross_entropy(x, t), [(5,), np.array(2)])
    for reduction in REDUCTIONS:
        ours, theirs = check(lambda x, t, r=reduction: lib(x).nn.functional.cross_entropy(
            x, t, reduction=r), [(2, 3, 4), _targets(3, (2, 4))])
        assert ours.grad_fn.name() == theirs.grad_fn.name()
    check(lambda x, t: lib(x).nn.functional.cross_entropy(x, t),
          [(4, 3), _targets(3, (4,))], dtype=np.float32)
    ours, _ = check(lambda x, t: lib(x).nn.functional.cross_entropy(x, t),
                    [(4, 3), _targets(3, (4,))])
    assert ours.grad_fn.name() == "NllLossBackward0"
    assert ours.grad_fn.next_functions[0][0].name() == "LogSoftmaxBackward0"


def test_second_backward_through_a_loss_needs_retain_graph():
    def f(lib):
        x = lib.tensor([[0.5, -1.0, 2.0]], requires_grad=True)
        loss = lib.nn.functional.cross_entropy(x, lib.tensor([2]))
        loss.backward()
        return caught(loss.backward)

    ours, theirs = both(f)
    assert ours == theirs and ours[0] == "RuntimeError"


def test_loss_errors_match_torch():
    def cases(lib):
        F_ = lib.nn.functional
        x, t = lib.zeros(3, 5), lib.tensor([1, 2, 0])
        return [
            caught(lambda: F_.mse_loss(lib.ones(3), lib.ones(2))),
            caught(lambda: F_.mse_loss(lib.ones(3), lib.ones(3), reduction="bad")),
            caught(lambda: F_.binary_cross_entropy(lib.ones(3) / 2, lib.ones(3, 1))),
            caught(lambda: F_.binary_cross_entropy(lib.tensor([1.5]), lib.ones(1))),
            caught(lambda: F_.binary_cross_entropy(lib.tensor([0.5]), lib.tensor([1.5]))),
            caught(lambda: F_.binary_cross_entropy(lib.ones(3) / 2, lib.ones(3) / 2,
                                                   weight=lib.ones(2))),
            caught(lambda: F_.binary_cross_entropy(lib.ones(3) / 2, lib.ones(3) / 2,
                                                   weight=lib.ones(3, requires_grad=True))),
            caught(lambda: F_.binary_cross_entropy_with_logits(lib.ones(3), lib.ones(3, 1))),
            caught(lambda: F_.binary_cross_entropy_with_logits(
                lib.ones(3), lib.ones(3), pos_weight=lib.ones(3, requires_grad=True))),
            caught(lambda: F_.cross_entropy(x, lib.tensor([1.0, 2.0, 0.0]))),
            caught(lambda: F_.cross_entropy(x, lib.tensor([1, 2, 0], dtype=lib.int32))),
            caught(lambda: F_.cross_entropy(x, lib.tensor([1, 2, 7]))),
            caught(lambda: F_.cross_entropy(x, lib.tensor([1, 2]))),
            caught(lambda: F_.cross_entropy(x, lib.zeros(3, 5, dtype=lib.int64))),
            caught(lambda: F_.cross_entropy(x, t, label_smoothing=1.5)),
            caught(lambda: F_.nll_loss(x, t, weight=lib.ones(3))),
            caught(lambda: F_.nll_loss(x, lib.tensor([[1, 2, 0]]))),
            caught(lambda: F_.nll_loss(x, t, weight=lib.ones(5, requires_grad=True))),
            caught(lambda: F_.linear(lib.ones(3, 4), lib.ones(5, 3))),
            caught(lambda: F_.linear(lib.ones(3), lib.ones(5, 4))),
            caught(lambda: F_.linear(lib.ones(3, 4), lib.ones(5, 4, dtype=lib.float64))),
        ]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs = both(cases)
    for o, t in zip(ours, theirs):
        assert o == t


def test_legacy_reduction_flags_warn_as_torch():
    def f(lib):
        x, y = lib.tensor([1.0, 2.0]), lib.tensor([0.0, 0.0])
        out = []
        msgs = warned(lambda: out.append(lib.nn.functional.mse_loss(x, y, size_average=False)))
        msgs += warned(lambda: out.append(lib.nn.MSELoss(reduce=False)))
        return msgs, repr(out[0]), out[1].reduction

    ours, theirs = both(f)
    assert ours == theirs


# --------------------------------------------------------------------------------------
# linear
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("x_shape", [(3,), (4, 3), (2, 4, 3)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear(x_shape, bias):
    def fn(x, w, b):
        return lib(x).nn.functional.linear(x, w, b if bias else None)

    ours, theirs = check(fn, [x_shape, (5, 3), (5,)], create_graph_second_order=True)
    assert ours.grad_fn.name() == theirs.grad_fn.name()
    assert ours.grad_fn.name() == {
        (1, True): "ViewBackward0", (2, True): "AddmmBackward0", (3, True): "ViewBackward0",
        (1, False): "SqueezeBackward4", (2, False): "MmBackward0",
        (3, False): "UnsafeViewBackward0"}[(len(x_shape), bias)]


def test_linear_float32():
    check(lambda x, w, b: lib(x).nn.functional.linear(x, w, b), [(4, 3), (2, 3), (2,)],
          dtype=np.float32)


# --------------------------------------------------------------------------------------
# Activations
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh"])
def test_elementwise_activations(name):
    ours, theirs = check(lambda x: getattr(lib(x).nn.functional, name)(x), [(3, 4)])
    assert ours.grad_fn.name() == theirs.grad_fn.name()


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_functions(name, dim):
    check(lambda x: getattr(lib(x).nn.functional, name)(x, dim), [(3, 4)])


def test_softmax_implicit_dim_warns_as_torch():
    def f(lib):
        out = []
        msgs = warned(lambda: out.append(lib.nn.Softmax()(lib.tensor([[1.0, 2.0]]))))
        return msgs, repr(out[0])

    ours, theirs = both(f)
    assert ours == theirs


@pytest.mark.parametrize("make", [
    lambda nn: nn.ReLU(), lambda nn: nn.Sigmoid(), lambda nn: nn.Tanh(),
    lambda nn: nn.Softmax(dim=1), lambda nn: nn.LogSoftmax(dim=0), lambda nn: nn.Identity(),
    lambda nn: nn.Flatten(), lambda nn: nn.Flatten(0, 1)])
def test_activation_modules(make):
    check(lambda x: make(lib(x).nn)(x), [(2, 3, 2)])


# --------------------------------------------------------------------------------------
# Modules: reprs, parameters, state_dict, modes
# --------------------------------------------------------------------------------------
def test_module_reprs_match_torch():
    def reprs(lib):
        nn_ = lib.nn
        return [
            repr(nn_.Sequential(nn_.Linear(2, 16), nn_.ReLU(), nn_.Linear(16, 1),
                                nn_.Sigmoid())),
            repr(nn_.Sequential(nn_.Sequential(nn_.Linear(2, 2, bias=False), nn_.Tanh()),
                                nn_.Softmax(dim=1), nn_.LogSoftmax(1), nn_.Identity(),
                                nn_.Flatten(), nn_.ReLU(inplace=True))),
            repr(nn_.ModuleList([nn_.Linear(2, 2), nn_.Linear(2, 2), nn_.ReLU(),
                                 nn_.Linear(2, 2)])),
            repr(nn_.ModuleList()), repr(nn_.Sequential()),
            repr([nn_.MSELoss(), nn_.BCELoss(), nn_.BCEWithLogitsLoss(),
                  nn_.CrossEntropyLoss(label_smoothing=0.1), nn_.NLLLoss(), nn_.Softmax()]),
        ]

    ours, theirs = both(reprs)
    assert ours == theirs
    assert ours[0] == ("Sequential(\n  (0): Linear(in_features=2, out_features=16, bias=True)\n"
                       "  (1): ReLU()\n  (2): Linear(in_features=16, out_features=1, "
                       "bias=True)\n  (3): Sigmoid()\n)")


class TwoLayer(nn.Module):
    """A user-defined module, as lessons write them."""

    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(3, 4)
        self.act = nn.Tanh()
        self.out = nn.Linear(4, 2)

    def forward(self, x):
        return self.out(self.act(self.hidden(x)))


class TorchTwoLayer(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = torch.nn.Linear(3, 4)
        self.act = torch.nn.Tanh()
        self.out = torch.nn.Linear(4, 2)

    def forward(self, x):
        return self.out(self.act(self.hidden(x)))


def _load_from_torch(ours, theirs):
    """Copy torch's parameters into ours through load_state_dict."""
    result = ours.load_state_dict(
        {k: tg.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    assert repr(result) == "<All keys matched successfully>"


def test_custom_module_repr_names_and_parameters():
    ours, theirs = TwoLayer(), TorchTwoLayer()
    assert repr(ours) == repr(theirs).replace("TorchTwoLayer", "TwoLayer")
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [type(m).__name__ for m in ours.children()] == ["Linear", "Tanh", "Linear"]
    assert sum(p.numel() for p in ours.parameters()) == 26
    assert all(isinstance(p, nn.Parameter) for p in ours.parameters())
    _load_from_torch(ours, theirs)
    assert repr(ours.state_dict()) == repr(theirs.state_dict())
    assert repr(list(ours.parameters())) == repr(list(theirs.parameters()))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_sequential_forward_and_gradients_with_torch_weights(dtype):
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.ReLU(), torch.nn.Linear(5, 2),
                                 torch.nn.Sigmoid()).to(dtype)
    ours = nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 2), nn.Sigmoid())
    ours.to(tg.float64 if dtype == torch.float64 else tg.float32)
    _load_from_torch(ours, theirs)
    x = RNG.standard_normal((4, 3))
    y = RNG.uniform(0, 1, size=(4, 2))
    lo = nn.BCELoss()(ours(tg.tensor(x).to(ours[0].weight.dtype)),
                      tg.tensor(y).to(ours[0].weight.dtype))
    lt = torch.nn.BCELoss()(theirs(torch.tensor(x, dtype=dtype)), torch.tensor(y, dtype=dtype))
    lo.backward()
    lt.backward()
    rtol, atol = (1e-10, 1e-12) if dtype == torch.float64 else (1e-5, 1e-6)
    np.testing.assert_allclose(lo.item(), lt.item(), rtol=rtol)
    assert repr(lo) == repr(lt)
    for (n, p), (m, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert n == m
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=rtol, atol=atol)
        assert repr(p.grad.dtype) == repr(q.grad.dtype)


def test_custom_module_gradients_match_torch():
    ours, theirs = TwoLayer().double(), TorchTwoLayer().double()
    _load_from_torch(ours, theirs)
    x = RNG.standard_normal((5, 3))
    t = RNG.integers(0, 2, size=5)
    nn.CrossEntropyLoss()(ours(tg.tensor(x)), tg.tensor(t)).backward()
    torch.nn.CrossEntropyLoss()(theirs(torch.tensor(x)), torch.tensor(t)).backward()
    for p, q in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_parameter_repr_and_semantics():
    def f(lib):
        P = lib.nn.Parameter
        p = P(lib.tensor([1.0, 2.0]))
        q = p * 2
        return [repr(p), str(p), repr(P(lib.tensor([1.0, 2.0]), requires_grad=False)),
                repr(P(lib.tensor([1, 2]), requires_grad=False)), repr(P()), repr(q),
                type(q).__name__, p.is_leaf, repr(p.detach()), repr(p.data),
                caught(lambda: P(lib.tensor([1, 2])))]

    ours, theirs = both(f)
    assert ours == theirs
    t = tg.tensor([1.0, 2.0])
    p = nn.Parameter(t)
    with tg.no_grad():
        p[0] = 5.0
    assert t.tolist() == [5.0, 2.0]  # shares the tensor's storage


def test_state_dict_shares_storage_and_round_trips():
    a, b = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)), nn.Sequential(
        nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    sd = a.state_dict()
    assert list(sd) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert not sd["0.weight"].requires_grad and type(sd["0.weight"]) is tg.Tensor
    with tg.no_grad():
        a[0].weight[0, 0] = 7.0
    assert sd["0.weight"][0, 0].item() == 7.0
    b.load_state_dict(sd)
    assert all(p.equal(q) for p, q in zip(a.parameters(), b.parameters()))
    assert b[0].weight is not a[0].weight and b[0].weight.requires_grad
    with tg.no_grad():
        b[0].weight[0, 0] = 1.0  # a copy, not shared
    assert a[0].weight[0, 0].item() == 7.0
    losses = nn.CrossEntropyLoss(weight=tg.ones(3))
    assert list(losses.state_dict()) == ["weight"]


def test_load_state_dict_errors_match_torch():
    def f(lib):
        m = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.ReLU(), lib.nn.Linear(3, 1))
        good = m.state_dict()
        return [
            caught(lambda: m.load_state_dict({"0.weight": lib.ones(3, 2), "foo": lib.ones(1)})),
            repr(m.load_state_dict({"0.weight": lib.ones(3, 2), "foo": lib.ones(1)},
                                   strict=False)),
            caught(lambda: m.load_state_dict({**good, "0.weight": lib.ones(2, 2)})),
            caught(lambda: m.load_state_dict({**good, "0.weight": [1.0]})),
            repr(m.load_state_dict(good)),
        ]

    ours, theirs = both(f)
    assert ours == theirs


def test_zero_grad_train_eval_and_misc():
    def f(lib):
        m = lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.Tanh())
        m(lib.ones(1, 2)).sum().backward()
        out = [m[0].weight.grad is not None]
        m.zero_grad(set_to_none=False)
        out.append(repr(m[0].bias.grad))
        m.zero_grad()
        out.append(m[0].bias.grad is None)
        out += [m.training, m[1].training, m.eval() is m, m.training, m[1].training]
        m.train()
        out += [m.training, m[0].training, caught(lambda: m.train("x"))]
        m.requires_grad_(False)
        out.append([p.requires_grad for p in m.parameters()])
        seen = []
        m.apply(lambda mod: seen.append(type(mod).__name__))
        out += [seen, len(m), [type(x).__name__ for x in m], type(m[-1]).__name__,
                repr(m[1:]), caught(lambda: m[5]), caught(lambda: m.nope),
                caught(lambda: setattr(m, "0", 5)),
                caught(lambda: setattr(m[0], "weight", lib.ones(2, 2))),
                caught(lambda: m.to(lib.int64)), repr(m.double()[0].weight.dtype),
                repr(m.float()[0].weight.dtype)]
        return out

    ours, theirs = both(f)
    assert ours == theirs


def test_module_bookkeeping():
    m = TwoLayer()
    w = m.hidden.weight
    m.double()
    assert m.hidden.weight is w and w.dtype is tg.float64
    m.register_buffer("scale", tg.ones(2))
    m.register_buffer("tmp", tg.ones(1), persistent=False)
    assert "scale" in m.state_dict() and "tmp" not in m.state_dict()
    assert [n for n, _ in m.named_buffers()] == ["scale", "tmp"]
    m.extra = nn.Linear(1, 1)
    assert "extra.weight" in dict(m.named_parameters())
    del m.extra
    assert "extra.weight" not in dict(m.named_parameters())
    shared = nn.Linear(2, 2)
    seq = nn.Sequential(shared, shared)
    assert len(list(seq.parameters())) == 2 and len(seq.state_dict()) == 4
    ml = nn.ModuleList([nn.Linear(1, 1)]).append(nn.ReLU()).extend([nn.Tanh()])
    assert [type(x).__name__ for x in ml] == ["Linear", "ReLU", "Tanh"] and len(ml) == 3
    assert len(list(ml.parameters())) == 2
    with pytest.raises(NotImplementedError, match='missing the required "forward"'):
        nn.Module()(1)
    clone = copy.deepcopy(m)
    assert clone.hidden.weight is not m.hidden.weight
    assert clone.hidden.weight.equal(m.hidden.weight)
    assert isinstance(clone.hidden.weight, nn.Parameter)


def test_linear_init_is_seeded_and_in_torch_bounds():
    tg.manual_seed(0)
    a = nn.Linear(4, 3)
    tg.manual_seed(0)
    b = nn.Linear(4, 3)
    assert a.weight.equal(b.weight) and a.bias.equal(b.bias)
    big = nn.Linear(100, 50)
    bound = 1 / math.sqrt(100)
    for p in (big.weight, big.bias):
        v = p.detach().numpy()
        assert v.dtype == np.float32 and np.all(np.abs(v) <= bound)
        assert np.abs(v).max() > 0.9 * bound
    assert nn.Linear(2, 2, dtype=tg.float64).weight.dtype is tg.float64
    assert nn.Linear(2, 2, bias=False).bias is None


def test_init_functions():
    w = nn.Parameter(tg.empty(30, 20))
    nn.init.zeros_(w)
    assert w.abs().sum().item() == 0 and w.requires_grad
    nn.init.ones_(w)
    assert w.sum().item() == 600
    nn.init.constant_(w, 0.5)
    assert w.mean().item() == 0.5
    a = math.sqrt(6 / 50)
    nn.init.xavier_uniform_(w)
    assert w.abs().max().item() <= a and w.abs().max().item() > 0.9 * a
    nn.init.kaiming_uniform_(w, nonlinearity="relu")
    assert w.abs().max().item() <= math.sqrt(6 / 20)
    nn.init.uniform_(w, -0.1, 0.1)
    assert w.abs().max().item() <= 0.1
    nn.init.normal_(w, 1.0, 0.01)
    assert abs(w.mean().item() - 1.0) < 0.01
    assert nn.init.calculate_gain("tanh") == torch.nn.init.calculate_gain("tanh")
    assert nn.init.calculate_gain("leaky_relu", 0.2) == torch.nn.init.calculate_gain(
        "leaky_relu", 0.2)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        nn.init.xavier_uniform_(tg.empty(3))
