"""New nn modules and functional activations and losses against torch: values, float64
gradients (first and second order, with :func:`helpers.check`), reprs, grad_fn names and
errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from helpers import both, caught, check, lib, to_numpy

torch = pytest.importorskip("torch")


def F(t):  # noqa: N802 - the functional module of the tensor's library
    return lib(t).nn.functional


# values that hit the branches: both signs, the kinks at 0 and at +-1, large magnitudes
EDGES = np.array([-30.0, -2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 25.0], dtype=np.float64)

ACTIVATIONS = {
    "leaky_relu": lambda x: F(x).leaky_relu(x),
    "leaky_relu 0.3": lambda x: F(x).leaky_relu(x, 0.3),
    "leaky_relu -2": lambda x: F(x).leaky_relu(x, negative_slope=-2.0),
    "softplus": lambda x: F(x).softplus(x),
    "softplus beta threshold": lambda x: F(x).softplus(x, beta=2.0, threshold=3.0),
    "softplus beta 0.5": lambda x: F(x).softplus(x, 0.5),
    "logsigmoid": lambda x: F(x).logsigmoid(x),
    "LeakyReLU module": lambda x: lib(x).nn.LeakyReLU(0.2)(x),
    "Softplus module": lambda x: lib(x).nn.Softplus(3, 5)(x),
    "LogSigmoid module": lambda x: lib(x).nn.LogSigmoid()(x),
    "Softmax module": lambda x: lib(x).nn.Softmax(dim=1)(x),
    "LogSoftmax module": lambda x: lib(x).nn.LogSoftmax(dim=0)(x),
}


@pytest.mark.parametrize("name", ACTIVATIONS)
@pytest.mark.parametrize("shape", [(), (3, 4)])
def test_activations_match_torch(name, shape):
    if "Softmax" in name and shape == ():
        return
    check(ACTIVATIONS[name], [shape], create_graph_second_order=True)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activations_at_the_edges(name):
    if "Softmax" in name:
        return
    check(ACTIVATIONS[name], [EDGES], create_graph_second_order=True)
    check(ACTIVATIONS[name], [EDGES.astype(np.float32)])


def test_activation_grad_fns_and_reprs_match_torch():
    def f(m):
        x = m.tensor([-1.0, 0.0, 2.0], requires_grad=True)
        nn = m.nn
        return [repr(nn.functional.leaky_relu(x)), repr(nn.functional.softplus(x)),
                repr(nn.functional.logsigmoid(x)),
                repr(nn.LeakyReLU()), repr(nn.LeakyReLU(0.2, True)), repr(nn.Softplus()),
                repr(nn.Softplus(2, 10)), repr(nn.LogSigmoid()), repr(nn.Softmax(1)),
                repr(nn.LogSoftmax(dim=-1))]

    ours, theirs = both(f)
    assert ours == theirs


def test_leaky_relu_inplace_as_torch():
    def f(m):
        x = m.tensor([-1.0, 0.5, 2.0], requires_grad=True)
        y = x * 1
        z = m.nn.functional.leaky_relu(y, 0.1, inplace=True)
        out = [z is y, repr(y)]
        z.sum().backward()
        w = m.tensor([-2.0, 3.0])
        m.nn.LeakyReLU(0.5, inplace=True)(w)
        return out + [repr(x.grad), repr(w)]

    ours, theirs = both(f)
    assert ours == theirs


def test_activation_errors_match_torch():
    def cases(m):
        i = m.tensor([1, 2])
        F = m.nn.functional
        return [caught(lambda: F.leaky_relu(i)), caught(lambda: F.softplus(i)),
                caught(lambda: F.logsigmoid(i)),
                caught(lambda: F.leaky_relu(m.ones(2, requires_grad=True), inplace=True))]

    ours, theirs = both(cases)
    assert ours == theirs
    assert all(c is not None for c in ours)


# -- losses ----------------------------------------------------------------------------------
LOSSES = {
    "l1": lambda x, y: F(x).l1_loss(x, y),
    "l1 sum": lambda x, y: F(x).l1_loss(x, y, reduction="sum"),
    "l1 none": lambda x, y: F(x).l1_loss(x, y, reduction="none"),
    "smooth_l1": lambda x, y: F(x).smooth_l1_loss(x, y),
    "smooth_l1 beta": lambda x, y: F(x).smooth_l1_loss(x, y, beta=0.5),
    "smooth_l1 beta 0": lambda x, y: F(x).smooth_l1_loss(x, y, beta=0.0),
    "smooth_l1 sum": lambda x, y: F(x).smooth_l1_loss(x, y, reduction="sum", beta=2.0),
    "smooth_l1 none": lambda x, y: F(x).smooth_l1_loss(x, y, reduction="none"),
    "huber": lambda x, y: F(x).huber_loss(x, y),
    "huber delta": lambda x, y: F(x).huber_loss(x, y, delta=0.5),
    "huber sum": lambda x, y: F(x).huber_loss(x, y, reduction="sum", delta=2.0),
    "huber none": lambda x, y: F(x).huber_loss(x, y, reduction="none"),
    "L1Loss": lambda x, y: lib(x).nn.L1Loss()(x, y),
    "SmoothL1Loss": lambda x, y: lib(x).nn.SmoothL1Loss(reduction="sum", beta=0.7)(x, y),
    "HuberLoss": lambda x, y: lib(x).nn.HuberLoss(reduction="none", delta=1.5)(x, y),
    "l1 weight": lambda x, y: F(x).l1_loss(x, y, weight=y * y),
    "huber weight": lambda x, y: F(x).huber_loss(x, y, weight=y * y),
}


@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize("shapes", [[(), ()], [(3, 4), (3, 4)]])
def test_losses_match_torch(name, shapes):
    check(LOSSES[name], shapes, create_graph_second_order=True, low=-3, high=3)


@pytest.mark.parametrize("name", LOSSES)
def test_losses_float32_and_promoted(name):
    check(LOSSES[name], [(5,), (5,)], dtype=np.float32, low=-3, high=3)
    if "huber" in name.lower() or "weight" in name:
        return  # torch's huber backward fails on mixed dtypes; weighted: division by a 0-d
        # float32 sum, whose gradient the engine rounds in float32 (outside these losses)
    rng = np.random.default_rng(1)
    x, y = rng.uniform(-3, 3, (4,)), rng.uniform(-3, 3, (4,)).astype(np.float32)
    check(LOSSES[name], [x, y])


def test_loss_reprs_grad_fns_and_errors_match_torch():
    def f(m):
        nn, F = m.nn, m.nn.functional
        x = m.tensor([-1.0, 0.0, 2.0], requires_grad=True)
        y = m.tensor([0.5, 0.0, 1.0])
        i = m.tensor([1, 2])
        with warnings.catch_warnings(record=True) as got:
            warnings.simplefilter("always")
            bad = [caught(lambda: F.l1_loss(x, y[:2])), caught(lambda: F.huber_loss(x, y[:2])),
                   caught(lambda: F.smooth_l1_loss(x, y[:2]))]
            broadcast = [repr(F.smooth_l1_loss(x, y[:1])), repr(F.l1_loss(x, y[:1]))]
            legacy = [repr(F.smooth_l1_loss(x, y, size_average=False)),
                      repr(nn.SmoothL1Loss(reduce=False)(x, y))]
        return [repr(nn.L1Loss()), repr(nn.SmoothL1Loss(beta=0.5)), repr(nn.HuberLoss(delta=2.0)),
                repr(nn.L1Loss(reduction="sum")),
                repr(F.l1_loss(x, y)), repr(F.l1_loss(x, y, reduction="sum")),
                repr(F.smooth_l1_loss(x, y)), repr(F.huber_loss(x, y, reduction="none")),
                caught(lambda: F.l1_loss(i, i)), caught(lambda: F.smooth_l1_loss(i, i)),
                caught(lambda: F.huber_loss(i, i)),
                caught(lambda: F.smooth_l1_loss(x, y, beta=-1)),
                caught(lambda: F.huber_loss(x, y, delta=0)),
                caught(lambda: F.smooth_l1_loss(x, y, reduction="foo")),
                caught(lambda: F.l1_loss(x, y, reduction="foo")),
                caught(lambda: F.huber_loss(x, y, reduction="foo")),
                caught(lambda: F.l1_loss(x, y, weight=y[:2])),
                repr(F.l1_loss(i, i, reduction="sum")),
                *bad, *broadcast, *legacy,
                [(w.category.__name__, str(w.message)) for w in got]]

    ours, theirs = both(f)
    for a, b in zip(ours, theirs):
        assert a == b


# -- batch norm and embedding ----------------------------------------------------------------
BATCH_NORM = {
    "train 2-D": lambda x, w, b: F(x).batch_norm(x, None, None, w, b, training=True),
    "train 3-D": lambda x, w, b: F(x).batch_norm(x.reshape(2, 3, 2), None, None, w, b, True),
    "train no affine": lambda x, w, b: F(x).batch_norm(x, None, None, training=True) * w,
    "eval": lambda x, w, b: F(x).batch_norm(x, (w * 0).detach() + 0.3, (w * 0).detach() + 2.0,
                                            w, b),
    "eval 3-D eps": lambda x, w, b: F(x).batch_norm(x.reshape(2, 3, 2), w.detach() * 0.1,
                                                    w.detach() ** 2, w, b, eps=0.1),
}


@pytest.mark.parametrize("name", BATCH_NORM)
def test_batch_norm_matches_torch(name):
    check(BATCH_NORM[name], [(4, 3), (3,), (3,)])
    check(BATCH_NORM[name], [(4, 3), (3,), (3,)], dtype=np.float32)
    # second derivatives in x and w (bias's first derivative, sum(g), is a constant here,
    # where torch's one double-backward node marks it as requiring grad)
    bias = np.array([0.5, -1.0, 2.0])
    check(lambda x, w: BATCH_NORM[name](x, w, lib(x).tensor(bias)), [(4, 3), (3,)],
          create_graph_second_order=True)


def batch_norm_run(lib, kwargs, shape, steps=4):
    rng = np.random.default_rng(0)
    bn = lib.nn.BatchNorm1d(3, **kwargs).double()
    out = [repr(bn)]
    for i in range(steps):
        x = lib.tensor(rng.standard_normal(shape) * (i + 1), requires_grad=True)
        y = bn(x)
        (y * y).sum().backward()
        out += [to_numpy(y), to_numpy(x.grad), y.grad_fn.name()]
    bn.eval()
    x = lib.tensor(rng.standard_normal(shape))
    out += [to_numpy(bn(x)), {k: to_numpy(v) for k, v in bn.state_dict().items()},
            [n for n, _ in bn.named_parameters()], [n for n, _ in bn.named_buffers()]]
    return out


@pytest.mark.parametrize("kwargs", [{}, {"momentum": 0.5}, {"momentum": None},
                                    {"affine": False}, {"track_running_stats": False},
                                    {"eps": 0.1, "bias": False}])
@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 2)])
def test_batch_norm_module_trains_and_evaluates_as_torch(kwargs, shape):
    ours, theirs = both(lambda lib: batch_norm_run(lib, kwargs, shape))
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        if isinstance(a, dict):
            assert list(a) == list(b)
            for k in a:
                np.testing.assert_allclose(a[k], b[k], rtol=1e-12, atol=1e-12, err_msg=k)
        elif isinstance(a, np.ndarray):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
        else:
            assert a == b


def test_batch_norm_errors_and_reprs_match_torch():
    def f(lib):
        bn = lib.nn.BatchNorm1d(3)
        return [repr(bn), repr(lib.nn.BatchNorm1d(4, momentum=None, affine=False,
                                                  track_running_stats=False)),
                repr(lib.nn.BatchNorm1d(2, eps=0.001, bias=False)),
                caught(lambda: bn(lib.ones(2, 3, 4, 5))), caught(lambda: bn(lib.ones(1, 3))),
                caught(lambda: bn(lib.ones(1, 3, 1))), caught(lambda: bn(lib.ones(4, 2))),
                repr(bn.num_batches_tracked), repr(bn(lib.ones(2, 3)).dtype)]

    ours, theirs = both(f)
    assert ours == theirs


EMBEDDING = {
    "plain": lambda w: F(w).embedding(lib(w).tensor([[0, 2], [4, 2]]), w),
    "padding": lambda w: F(w).embedding(lib(w).tensor([0, 1, 1, 3]), w, padding_idx=1),
    "negative padding": lambda w: F(w).embedding(lib(w).tensor([4, 3]), w, padding_idx=-1),
    "int32 0-d": lambda w: F(w).embedding(lib(w).tensor(3, dtype=lib(w).int32), w),
}


@pytest.mark.parametrize("name", EMBEDDING)
def test_embedding_matches_torch(name):
    check(EMBEDDING[name], [(5, 3)], create_graph_second_order=True)
    check(EMBEDDING[name], [(5, 3)], dtype=np.float32)


def test_embedding_module_as_torch():
    def f(lib):
        e = lib.nn.Embedding(6, 2, padding_idx=-2)
        with lib.no_grad():
            e.weight.copy_(lib.arange(12.0).reshape(6, 2) - 5)
        out = e(lib.tensor([[1, 4], [4, 0]]))
        out.sum().backward()
        m = lib.nn.Embedding(4, 2, max_norm=1.5)
        with lib.no_grad():
            m.weight.copy_(lib.tensor([[3.0, 4.0], [0.1, 0.2], [-1.0, 2.0], [9.0, 0.0]]))
        picked = m(lib.tensor([0, 2, 2]))
        return [repr(e), repr(out), repr(e.weight.grad), repr(lib.nn.Embedding(5, 3)),
                repr(m), repr(picked), repr(m.weight), e.weight.dtype == lib.float32,
                tuple(lib.nn.Embedding(7, 4).weight.shape),
                repr(lib.nn.Embedding(3, 2, padding_idx=0).weight[0]),
                caught(lambda: e(lib.tensor([1.0]))), caught(lambda: e(lib.tensor([6]))),
                caught(lambda: e(lib.tensor([-1]))),
                caught(lambda: lib.nn.Embedding(5, 3, padding_idx=9)),
                caught(lambda: lib.nn.Embedding(5, 3, padding_idx=-6))]

    ours, theirs = both(f)
    assert ours == theirs


# -- gradient clipping -----------------------------------------------------------------------
@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, float("inf"), "inf", 0.5])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_clip_grad_norm_as_torch(norm_type, max_norm, dtype):
    def f(lib):
        rng = np.random.default_rng(0)
        dt = getattr(lib, dtype)
        ps = [lib.tensor(rng.standard_normal(s), dtype=dt, requires_grad=True)
              for s in [(3, 2), (4,), ()]]
        skipped = lib.ones(2, requires_grad=True)  # no grad: skipped
        for p in ps:
            p.grad = lib.tensor(rng.standard_normal(tuple(p.shape)), dtype=dt)
        versions = [p.grad._version for p in ps]
        total = lib.nn.utils.clip_grad_norm_(ps + [skipped], max_norm, norm_type=norm_type)
        return ([to_numpy(total), repr(total.dtype)] + [to_numpy(p.grad) for p in ps]
                + [p.grad._version - v for p, v in zip(ps, versions)])

    ours, theirs = both(f)
    for a, b in zip(ours, theirs):
        if isinstance(a, np.ndarray):
            np.testing.assert_allclose(a, b, rtol=1e-6 if dtype == "float32" else 1e-12)
        else:
            assert a == b


def test_clip_grad_edge_cases_as_torch():
    def f(lib):
        clip = lib.nn.utils.clip_grad_norm_
        w = lib.ones(3, requires_grad=True)
        out = [repr(clip([w], 1.0)), repr(clip(w, 1.0))]
        w.grad = lib.tensor([3.0, 4.0, 0.0])
        out += [repr(clip(w, 1.0)), repr(w.grad)]
        w.grad = lib.tensor([float("inf"), 4.0, 0.0])
        out.append(caught(lambda: clip(w, 1.0, error_if_nonfinite=True)))
        out.append(repr(clip(w, 1.0)))
        w.grad = lib.tensor([3.0, -4.0, 0.5])
        out += [repr(lib.nn.utils.clip_grad_value_(w, 2.5)), repr(w.grad)]
        return out

    ours, theirs = both(f)
    assert ours == theirs


ONE_HOT = {
    "vector": lambda m: m.nn.functional.one_hot(m.tensor([0, 2, 1])),
    "matrix_4_classes": lambda m: m.nn.functional.one_hot(m.tensor([[0, 2], [1, 0]]), 4),
    "zero_d": lambda m: m.nn.functional.one_hot(m.tensor(2), 3),
    "empty_with_classes": lambda m: m.nn.functional.one_hot(m.tensor([], dtype=m.long), 3),
    "too_large": lambda m: m.nn.functional.one_hot(m.tensor([0, 2, 1]), num_classes=2),
    "negative": lambda m: m.nn.functional.one_hot(m.tensor([0, -1, 1])),
    "float_indices": lambda m: m.nn.functional.one_hot(m.tensor([0.0, 1.0])),
    "int32_indices": lambda m: m.nn.functional.one_hot(m.tensor([0, 1], dtype=m.int32)),
    "empty_without_classes": lambda m: m.nn.functional.one_hot(m.tensor([], dtype=m.long)),
    "classes_minus_two": lambda m: m.nn.functional.one_hot(m.tensor([0, 1]), -2),
    "from_pretrained": lambda m: m.nn.Embedding.from_pretrained(m.ones(2, 3)),
    "from_pretrained_trainable": lambda m: m.nn.Embedding.from_pretrained(
        m.ones(2, 3), freeze=False, padding_idx=1),
    "from_pretrained_1d": lambda m: m.nn.Embedding.from_pretrained(m.ones(3)),
}


def _shown(f, m):
    try:
        r = f(m)
    except Exception as e:  # noqa: BLE001 - the error is what is compared
        return type(e).__name__, str(e)
    if isinstance(r, m.Tensor):
        return repr(r), str(r.dtype).replace("torch.", "")
    return repr(r), r.weight.requires_grad, repr(r.weight.detach())


@pytest.mark.parametrize("name", ONE_HOT)
def test_one_hot_and_from_pretrained(name):
    import tinygrad_lite

    assert _shown(ONE_HOT[name], tinygrad_lite) == _shown(ONE_HOT[name], torch)
