"""PyTorch's CPU random streams, compared byte for byte with torch.

Each check is a sequence of calls written once as functions of the library (``lib`` plays
``torch``); :func:`stream` seeds both libraries, runs the calls in order and keeps, after
each one, the bytes, dtype and shape of what it returned and the whole
``get_rng_state()``. Equal states mean the same number of draws and the same cached normal.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from helpers import both, caught

import tinygrad_lite as tg
import tinygrad_lite.nn as tnn
import tinygrad_lite.nn.functional as tF

torch = pytest.importorskip("torch")

SEEDS = [0, 1, 42, 2**32 + 5, -1]
# below 16 elements (the scalar normal path), 16, and above with and without a tail
SIZES = [1, 2, 7, 15, 16, 17, 31, 32, 100, 1003]


def _record(x):
    if isinstance(x, (tuple, list)):
        return [_record(v) for v in x]
    if isinstance(x, (torch.Tensor, tg.Tensor)):
        a = np.ascontiguousarray(x.detach().numpy())
        return a.tobytes(), str(a.dtype), a.shape
    return x


def stream(calls, seed):
    """For each library: seed, then after each call (what it returned, the state)."""
    out = []
    for lib in (tg, torch):
        lib.manual_seed(seed)
        out.append([(_record(call(lib)), lib.get_rng_state().numpy().tobytes())
                    for call in calls])
    return out


def same_stream(calls, seeds=SEEDS):
    for seed in seeds:
        ours, theirs = stream(calls, seed)
        for i, (a, b) in enumerate(zip(ours, theirs)):
            assert a[0] == b[0], f"seed {seed}: call {i} returned other values"
            assert a[1] == b[1], f"seed {seed}: state after call {i} differs"


def dt(lib, name):
    return getattr(lib, name)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("n", SIZES)
def test_rand_randn(n, dtype):
    same_stream([lambda lib: lib.rand(n, dtype=dt(lib, dtype)),
                 lambda lib: lib.randn(n, dtype=dt(lib, dtype)),
                 lambda lib: lib.randn(n, dtype=dt(lib, dtype))])


@pytest.mark.parametrize("n", [1, 5, 15, 16, 32, 37, 100])
def test_float16(n):
    """float16 uniforms are float32's rounded; so are its normals (below 16 elements, the
    scalar path, and at multiples of 16: PyTorch's float16 tail is not reproduced)."""
    calls = [lambda lib: lib.rand(n, dtype=lib.float16),
             lambda lib: lib.empty(n, dtype=lib.float16).uniform_(-1, 1),
             lambda lib: lib.empty(n, dtype=lib.float16).uniform_(0.3, 0.7)]
    if n < 16 or n % 16 == 0:
        calls.append(lambda lib: lib.randn(n, dtype=lib.float16))
    same_stream(calls, seeds=[0, 1])


@pytest.mark.parametrize("seed", range(40))
def test_many_seeds_and_sizes(seed):
    """Forty seeds (the bit patterns of each as well: 2**32 + seed, -seed - 1), each with
    its own mix of sizes (1-D and 2-D, with and without a tail of the blocks of 16) and
    dtypes, in one stream."""
    rng = np.random.default_rng(seed)
    sizes = [int(n) for n in rng.integers(1, 3000, 6)]
    shapes = [(n,) if i % 2 else (n // 7 + 1, 7) for i, n in enumerate(sizes)]
    calls = []
    for i, shape in enumerate(shapes):
        name = "float64" if i % 3 == 0 else "float32"
        calls += [lambda lib, s=shape, d=name: lib.randn(s, dtype=dt(lib, d)),
                  lambda lib, s=shape, d=name: lib.rand(s, dtype=dt(lib, d))]
    high = int(rng.integers(2, 2**40))
    calls.append(lambda lib: lib.randint(-10, high, (50,)))
    same_stream(calls, seeds=[seed, 2**32 + seed, -seed - 1])


@pytest.mark.parametrize("shape", [(), (3, 5), (4, 4), (2, 3, 7), (0, 3), (50, 20)])
def test_shapes_and_size_keyword(shape):
    same_stream([lambda lib: lib.randn(shape),
                 lambda lib: lib.rand(*shape) if shape else lib.rand(()),
                 lambda lib: lib.randn(size=shape), lambda lib: lib.rand(size=shape),
                 lambda lib: [lib.zeros(size=shape), lib.ones(size=shape),
                              tuple(lib.empty(size=shape).shape)]],
                seeds=[0, 3])


def test_interleaved_calls_share_the_cached_normal():
    """The scalar path caches its second normal for the next scalar-path call of any
    dtype; the vectorised path and the uniforms leave it alone."""
    same_stream([lambda lib: lib.randn(3),
                 lambda lib: lib.randn(20, dtype=lib.float64),
                 lambda lib: lib.rand(2),
                 lambda lib: lib.randn(1, dtype=lib.float64),
                 lambda lib: lib.randn(1),
                 lambda lib: lib.randint(0, 5, (3,)),
                 lambda lib: lib.randn(33),
                 lambda lib: lib.randperm(9),
                 lambda lib: lib.empty(5).normal_(2.0, 3.0)])


@pytest.mark.parametrize("low, high", [(0, 2), (-5, 5), (0, 2**27), (0, 2**28 - 1),
                                       (0, 2**28), (3, 2**31), (0, 2**40), (-2**50, 2**50)])
def test_randint(low, high):
    same_stream([lambda lib: lib.randint(low, high, (37,)),
                 lambda lib: lib.randint(high, size=(3, 2)),
                 lambda lib: lib.randint(low, high, (5,), dtype=lib.float64)], seeds=[0, 7])


@pytest.mark.parametrize("n", [0, 1, 2, 3, 10, 1000])
def test_randperm(n):
    same_stream([lambda lib: lib.randperm(n), lambda lib: lib.randperm(n)], seeds=[0, 9])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_like_functions(dtype):
    same_stream([lambda lib: lib.rand_like(lib.zeros(20, dtype=dt(lib, dtype))),
                 lambda lib: lib.randn_like(lib.zeros(2, 9, dtype=dt(lib, dtype))),
                 lambda lib: lib.randint_like(lib.zeros(4, dtype=dt(lib, dtype)), 10),
                 lambda lib: lib.randint_like(lib.zeros(4, dtype=dt(lib, dtype)), 3, 10)],
                seeds=[0, 5])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("n", [5, 16, 103])
def test_uniform_normal_fills(n, dtype):
    same_stream([lambda lib: lib.empty(n, dtype=dt(lib, dtype)).uniform_(-1, 1),
                 lambda lib: lib.empty(n, dtype=dt(lib, dtype)).uniform_(0.3, 0.7),
                 lambda lib: lib.empty(n, dtype=dt(lib, dtype)).uniform_(2, 2.5),
                 lambda lib: lib.empty(n, dtype=dt(lib, dtype)).normal_(-0.1, 5.5),
                 lambda lib: lib.empty(n, dtype=dt(lib, dtype)).normal_()], seeds=[0, 2])


def test_fills_follow_memory_order():
    """A transposed (non-contiguous) view is filled along its storage, with the scalar
    normal path."""
    same_stream([lambda lib: lib.zeros(6, 4).t().normal_(),
                 lambda lib: lib.zeros(5, 4).t().uniform_(),
                 lambda lib: lib.zeros(6, 4)[:, ::2].normal_()], seeds=[0, 1])


def test_normal_overloads():
    same_stream([lambda lib: lib.normal(2.0, 3.0, (20,)),
                 lambda lib: lib.normal(0.0, 1.0, size=(3,), dtype=lib.float64),
                 lambda lib: lib.normal(lib.arange(20.0), 0.5),
                 lambda lib: lib.normal(lib.arange(5.0)),
                 lambda lib: lib.normal(1.5, lib.tensor(np.linspace(0.1, 2.0, 18),
                                                        dtype=lib.float32)),
                 lambda lib: lib.normal(lib.zeros(3, 1, dtype=lib.float64),
                                        lib.ones(17, dtype=lib.float64))], seeds=[0, 3])


def test_generator_objects():
    """A Generator of its own leaves the default stream alone; its seed, state and repr."""
    def calls(lib):
        g = lib.Generator()
        return [lambda _: g.initial_seed(), lambda _: lib.rand(3, generator=g),
                lambda _: g.manual_seed(5).initial_seed(), lambda _: lib.randn(20, generator=g),
                lambda _: lib.randperm(7, generator=g), lambda _: lib.randint(9, (4,), generator=g),
                lambda _: lib.rand_like(lib.zeros(3), generator=g),
                lambda _: lib.randn_like(lib.zeros(20), generator=g),
                lambda _: lib.randint_like(lib.zeros(3), 5, generator=g),
                lambda _: lib.bernoulli(lib.full((4,), 0.5), generator=g),
                lambda _: lib.multinomial(lib.ones(5), 2, generator=g),
                lambda _: lib.normal(0.0, 1.0, (3,), generator=g),
                lambda _: lib.zeros(20).normal_(generator=g),
                lambda _: lib.zeros(20).uniform_(generator=g),
                lambda _: lib.zeros(5).exponential_(generator=g),
                lambda _: lib.zeros(5).random_(0, 9, generator=g),
                lambda _: g.get_state(), lambda _: lib.rand(2)]

    ours, theirs = (calls(tg), calls(torch))
    for seed in (0, 11):
        tg.manual_seed(seed)
        torch.manual_seed(seed)
        for a, b in zip(ours, theirs):
            assert _record(a(tg)) == _record(b(torch))
            assert tg.get_rng_state().numpy().tobytes() == \
                torch.get_rng_state().numpy().tobytes()
    assert repr(tg.manual_seed(0)).startswith("<torch._C.Generator object at 0x")
    assert tg.manual_seed(0) is tg.default_generator


@pytest.mark.parametrize("seed", [0, -1, -2**63, 2**64 - 1, 2**63, 12345678901234, 1.7, True])
def test_manual_seed_range_and_initial_seed(seed):
    tg.manual_seed(seed)
    torch.manual_seed(seed)
    assert tg.initial_seed() == torch.initial_seed()
    assert tg.rand(3).numpy().tobytes() == torch.rand(3).numpy().tobytes()


@pytest.mark.parametrize("seed", [2**64, -2**63 - 1, "a"])
def test_manual_seed_errors(seed):
    assert caught(lambda: tg.manual_seed(seed)) == caught(lambda: torch.manual_seed(seed))


def test_state_round_trip_and_exchange():
    """get_rng_state/set_rng_state restore the stream (cached normal included), and a
    state taken from torch continues torch's stream here."""
    torch.manual_seed(7)
    torch.randn(3)
    state = torch.get_rng_state()
    tg.set_rng_state(tg.tensor(state.numpy()))
    assert tg.get_rng_state().numpy().tobytes() == state.numpy().tobytes()
    assert tg.randn(1).numpy().tobytes() == torch.randn(1).numpy().tobytes()
    saved = tg.get_rng_state()
    a = tg.randn(40)
    tg.set_rng_state(saved)
    assert tg.randn(40).numpy().tobytes() == a.numpy().tobytes()
    assert caught(lambda: tg.set_rng_state(tg.zeros(3, dtype=tg.uint8))) == \
        caught(lambda: torch.set_rng_state(torch.zeros(3, dtype=torch.uint8)))


def test_seed_is_random_and_kept():
    # as torch's: a fresh int in [0, 2**64) that initial_seed() then returns (each library's
    # state put back after, so that no other test sees a reseeded generator)
    def run(m):
        saved = m.get_rng_state()
        s, again = m.seed(), m.initial_seed()
        differs = m.seed() != s
        m.set_rng_state(saved)
        return type(s).__name__, 0 <= s < 2**64, again == s, differs

    ours, theirs = both(run)
    assert ours == theirs == ("int", True, True, True)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_bernoulli_exponential_random(dtype):
    probs = np.linspace(0.0, 1.0, 30)
    same_stream([lambda lib: lib.empty(50, dtype=dt(lib, dtype)).bernoulli_(0.3),
                 lambda lib: lib.empty(5, dtype=dt(lib, dtype)).bernoulli_(),
                 lambda lib: lib.bernoulli(lib.tensor(probs, dtype=dt(lib, dtype))),
                 lambda lib: lib.tensor(probs, dtype=dt(lib, dtype)).bernoulli(),
                 lambda lib: lib.zeros(4, 30, dtype=dt(lib, dtype)).bernoulli_(
                     lib.tensor(probs, dtype=dt(lib, dtype))),
                 lambda lib: lib.empty(40, dtype=dt(lib, dtype)).exponential_(),
                 lambda lib: lib.empty(40, dtype=dt(lib, dtype)).exponential_(2.5),
                 lambda lib: lib.empty(9, dtype=dt(lib, dtype)).random_(),
                 lambda lib: lib.empty(9, dtype=dt(lib, dtype)).random_(10),
                 lambda lib: lib.empty(9, dtype=dt(lib, dtype)).random_(-3, 4)],
                seeds=[0, 1, 2])


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
def test_random_integer_dtypes(dtype):
    same_stream([lambda lib: lib.zeros(9, dtype=dt(lib, dtype)).random_()], seeds=[0, 4])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_multinomial(dtype):
    w = np.array([[0.1, 2.0, 0.0, 3.0, 0.5, 1.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0]])
    same_stream([lambda lib: lib.multinomial(lib.tensor(w[0], dtype=dt(lib, dtype)), 1),
                 lambda lib: lib.multinomial(lib.tensor(w[0], dtype=dt(lib, dtype)), 3),
                 lambda lib: lib.tensor(w, dtype=dt(lib, dtype)).multinomial(4),
                 lambda lib: lib.multinomial(lib.tensor(w, dtype=dt(lib, dtype)), 20, True),
                 lambda lib: lib.multinomial(lib.tensor(w[0], dtype=dt(lib, dtype)), 7,
                                             replacement=True)], seeds=[0, 1, 2])


RANDOM_ERRORS = [
    lambda lib: lib.rand(3, dtype=lib.int64),
    lambda lib: lib.randn(3, dtype=lib.int64),
    lambda lib: lib.randint(5, 2, (3,)),
    lambda lib: lib.randint(3),
    lambda lib: lib.rand(),
    lambda lib: lib.randn(),
    lambda lib: lib.randperm(-1),
    lambda lib: lib.normal(0, 1),
    lambda lib: lib.normal(lib.zeros(2), -1.0),
    lambda lib: lib.normal(0.0, lib.tensor([-1.0, 1.0])),
    lambda lib: lib.empty(3).normal_(0, -1),
    lambda lib: lib.empty(3).uniform_(2, 1),
    lambda lib: lib.empty(3, dtype=lib.int64).uniform_(),
    lambda lib: lib.empty(3).bernoulli_(1.5),
    lambda lib: lib.bernoulli(lib.tensor([1.5])),
    lambda lib: lib.empty(3).exponential_(-1),
    lambda lib: lib.multinomial(lib.ones(3), 4),
    lambda lib: lib.multinomial(lib.ones(3), 0),
    lambda lib: lib.multinomial(lib.ones(2, 2, 2), 1),
    lambda lib: lib.multinomial(lib.tensor([0.0, 0.0]), 1),
    lambda lib: lib.multinomial(lib.tensor([-1.0, 2.0]), 1),
    lambda lib: lib.multinomial(lib.tensor([1.0, math.inf]), 2, True),
    lambda lib: lib.multinomial(lib.tensor([1.0, -1.0]), 2, True),
    lambda lib: lib.multinomial(lib.tensor([0.0, 0.0]), 2, True),
    lambda lib: lib.multinomial(lib.ones(3, dtype=lib.int64), 1),
]


@pytest.mark.parametrize("fn", RANDOM_ERRORS)
def test_errors(fn):
    expected = caught(lambda: fn(torch))
    assert expected is not None
    assert caught(lambda: fn(tg)) == expected


# --- nn.init and the modules' default initialisation ----------------------------------------

@pytest.mark.parametrize("shape", [(128, 784), (5, 3), (3, 4), (30, 20, 3)])
@pytest.mark.parametrize("name, kwargs", [
    ("uniform_", {}), ("uniform_", {"a": -2, "b": 0.5}), ("normal_", {"std": 0.02}),
    ("xavier_uniform_", {}), ("xavier_uniform_", {"gain": 2.0}), ("xavier_normal_", {}),
    ("kaiming_uniform_", {}), ("kaiming_uniform_", {"a": math.sqrt(5)}),
    ("kaiming_uniform_", {"mode": "fan_out", "nonlinearity": "relu"}),
    ("kaiming_normal_", {}), ("kaiming_normal_", {"nonlinearity": "relu"}),
    ("trunc_normal_", {"std": 0.02}), ("trunc_normal_", {"a": -0.5, "b": 0.5}),
    ("trunc_normal_", {"a": 1.0, "b": 3.0}),
])
def test_init_functions(name, kwargs, shape):
    if name == "trunc_normal_" and shape == (128, 784):
        shape = (64, 50)  # its redraws: many rounds over a big tensor take seconds
    same_stream([lambda lib: getattr(lib.nn.init, name)(lib.empty(shape), **kwargs),
                 lambda lib: lib.rand(2)], seeds=[0, 1])


def test_init_with_generator():
    def calls(lib):
        g = lib.Generator().manual_seed(3)
        return [lambda _: lib.nn.init.kaiming_uniform_(lib.empty(4, 5), generator=g),
                lambda _: lib.nn.init.normal_(lib.empty(30), generator=g)]

    for a, b in zip(calls(tg), calls(torch)):
        assert _record(a(tg)) == _record(b(torch))


def test_orthogonal_close():
    """orthogonal_ draws PyTorch's normals; its QR is NumPy's LAPACK (last bits may differ)."""
    for lib in (tg, torch):
        lib.manual_seed(0)
    a = tg.nn.init.orthogonal_(tg.empty(6, 4), gain=2.0).numpy()
    b = torch.nn.init.orthogonal_(torch.empty(6, 4), gain=2.0).numpy()
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-5)
    assert tg.get_rng_state().numpy().tobytes() == torch.get_rng_state().numpy().tobytes()


@pytest.mark.parametrize("shape", [(784, 128), (3, 5), (1, 1), (10, 1), (4, 4)])
def test_linear_default_init(shape):
    def params(lib):
        m = lib.nn.Linear(*shape)
        return [m.weight, m.bias]

    def params_double_no_bias(lib):
        return [lib.nn.Linear(*shape, bias=False, dtype=lib.float64).weight]

    same_stream([params, params_double_no_bias, lambda lib: lib.nn.Sequential(
        lib.nn.Linear(shape[0], 7), lib.nn.ReLU(), lib.nn.Linear(7, 2)).state_dict()
        and list(lib.get_rng_state()[:1])])


# --- dropout ---------------------------------------------------------------------------------

@pytest.mark.parametrize("p", [0.0, 0.1, 0.5, 1.0])
def test_dropout_values_and_grads(p):
    x = np.linspace(-2, 2, 40).reshape(2, 20)
    grads = []
    for lib in (tg, torch):
        lib.manual_seed(0)
        t = lib.tensor(x, requires_grad=True)
        y = lib.nn.functional.dropout(t, p)
        z = lib.nn.Dropout(p)(t * 2)
        (y.sum() + (z * z).sum()).backward()
        grads.append((_record([y, z, t.grad]), type(y.grad_fn).__name__ if p not in (0.0,)
                      else y.grad_fn, lib.get_rng_state().numpy().tobytes()))
    assert grads[0] == grads[1]


def test_dropout_modes():
    x = np.ones((3, 18), np.float32)
    same_stream([lambda lib: lib.nn.functional.dropout(lib.tensor(x), 0.3, training=False),
                 lambda lib: lib.nn.Dropout(0.3).eval()(lib.tensor(x)),
                 lambda lib: lib.nn.Dropout(0.3)(lib.tensor(x)),
                 lambda lib: lib.nn.functional.dropout(lib.tensor(x), 0.25, inplace=True)])
    assert repr(tnn.Dropout(0.3)) == repr(torch.nn.Dropout(0.3))
    assert repr(tnn.Dropout(0.3, inplace=True)) == repr(torch.nn.Dropout(0.3, inplace=True))
    assert caught(lambda: tF.dropout(tg.ones(3), 1.5)) == \
        caught(lambda: torch.nn.functional.dropout(torch.ones(3), 1.5))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tF.dropout(tg.ones(3), 0.5)


# --- the exact fused multiply-adds behind the kernels ----------------------------------------

def _exact(a, b, c):
    from fractions import Fraction

    return Fraction(float(a)) * Fraction(float(b)) + Fraction(float(c))


def test_fma32_rounds_once():
    """Random triples, and ones whose float64 sum lands exactly halfway between two
    float32 values although the exact value does not (double rounding would go wrong)."""
    from tinygrad_lite._random import fma32

    rng = np.random.default_rng(0)
    n = 3000
    a = (rng.standard_normal(n) * np.exp2(rng.integers(-20, 20, n))).astype(np.float32)
    b = rng.standard_normal(n).astype(np.float32)
    c = (rng.standard_normal(n) * np.exp2(rng.integers(-20, 20, n))).astype(np.float32)
    odd = (np.float32(1) + np.arange(1, 2 * n, 2, dtype=np.float32)[:n] * np.float32(2**-23))
    sign = np.where(np.arange(n) % 2, 1, -1).astype(np.float32)
    a = np.concatenate([a, np.full(n, 1 + 2**-23, np.float32) * sign])
    b = np.concatenate([b, np.full(n, 2**-24 * (1 - 2**-23), np.float32)])
    c = np.concatenate([c, odd * sign])
    got = fma32(a, b, c)
    want = [np.float32(_exact(x, y, z)) if abs(_exact(x, y, z)) < 2**-100 else
            _round_to_f32(_exact(x, y, z)) for x, y, z in zip(a, b, c)]
    assert got.tobytes() == np.array(want, np.float32).tobytes()


def _round_to_f32(q):
    """The float32 nearest the rational ``q`` (ties to even), found without double rounding."""
    f = np.float32(float(q))
    lo, hi = (np.nextafter(f, np.float32(-np.inf)), f) if q < f else (
        f, np.nextafter(f, np.float32(np.inf)))
    from fractions import Fraction

    dl, dh = abs(q - Fraction(float(lo))), abs(Fraction(float(hi)) - q)
    if dl != dh:
        return lo if dl < dh else hi
    return lo if int(lo.view(np.int32)) % 2 == 0 else hi


def test_fma64_rounds_once():
    from tinygrad_lite._random import fma64

    rng = np.random.default_rng(1)
    n = 3000
    a = rng.standard_normal(n) * np.exp2(rng.integers(-30, 30, n))
    b = rng.standard_normal(n)
    c = rng.standard_normal(n) * np.exp2(rng.integers(-30, 30, n))
    c[:500] = -(a[:500] * b[:500])  # cancellation: the result is the product's rounding error
    got = fma64(a, b, c)
    assert [float(_exact(x, y, z)) for x, y, z in zip(a, b, c)] == got.tolist()


@pytest.mark.parametrize("fill", ["uniform_()", "normal_(1.0, 2.0)", "bernoulli_(0.5)",
                                  "exponential_()", "random_()", "random_(5)", "random_(2, 5)"])
def test_fills_record_torch_nodes_with_zero_gradient(fill):
    """An in-place random fill of a tensor in the graph records PyTorch's node; the values
    it overwrote get a gradient of 0."""
    seen = []
    for lib in (tg, torch):
        lib.manual_seed(0)
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        z = eval(f"y.{fill}", {"y": x * 2})  # noqa: S307 - the fills above
        (z * x).sum().backward()
        seen.append((type(z.grad_fn).__name__, _record(x.grad), _record(z)))
    assert seen[0] == seen[1]
    assert caught(lambda: tg.ones(2, requires_grad=True).uniform_()) == \
        caught(lambda: torch.ones(2, requires_grad=True).uniform_())


@pytest.mark.parametrize("form", [
    lambda lib, m, s: lib.normal(m, 2.0),
    lambda lib, m, s: lib.normal(1.5, s),
    lambda lib, m, s: lib.normal(m, s),
    lambda lib, m, s: lib.normal(m[:1], s),
])
def test_normal_of_tensors_records_a_zero_gradient(form):
    """torch.normal is not reparameterised: NormalBackward1/2/3, gradient 0 (broadcast
    inputs get it in their own shape)."""
    seen = []
    for lib in (tg, torch):
        lib.manual_seed(0)
        m = lib.tensor([[0.5], [1.0]], dtype=lib.float64, requires_grad=True)
        s = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64, requires_grad=True)
        y = form(lib, m, s)
        (y * y).sum().backward()
        seen.append((type(y.grad_fn).__name__, _record(y), _record(m.grad), _record(s.grad)))
    assert seen[0] == seen[1]


# --- the audit's gaps (tests/api_audit.py): every init function, generator= everywhere ------

@pytest.mark.parametrize("shape", [(3, 2, 5), (4, 4, 3, 3), (2, 5, 3, 4), (6, 2, 3, 3, 3),
                                   (0, 2, 3)])
@pytest.mark.parametrize("groups", [1, 2, 3])
def test_dirac(shape, groups):
    def fill(lib, dtype):
        return lib.nn.init.dirac_(lib.empty(shape, dtype=dtype(lib)), groups)

    ours = caught(lambda: fill(tg, lambda m: m.float32))
    if ours is not None or caught(lambda: fill(torch, lambda m: m.float32)) is not None:
        assert ours == caught(lambda: fill(torch, lambda m: m.float32))
        return
    same_stream([lambda lib: fill(lib, lambda m: m.float32),
                 lambda lib: fill(lib, lambda m: m.int64)], seeds=[0])


@pytest.mark.parametrize("shape, sparsity, std", [
    ((5, 3), 0.3, 0.01), ((10, 4), 0.5, 1.0), ((3, 20), 0.1, 0.02), ((4, 4), 0.0, 1.0),
    ((4, 4), 1.0, 1.0), ((17, 5), 0.9, 2.0), ((1, 1), 0.5, 1.0),
])
def test_sparse(shape, sparsity, std):
    """sparse_ draws its normals from ``generator`` and its permutations from the default."""
    def with_generator(lib):
        g = lib.Generator().manual_seed(9)
        return [lib.nn.init.sparse_(lib.empty(shape, dtype=lib.float64), sparsity, std,
                                    generator=g), g.get_state()]

    same_stream([lambda lib: lib.nn.init.sparse_(lib.empty(shape), sparsity, std),
                 with_generator, lambda lib: lib.rand(3)], seeds=[0, 4])


@pytest.mark.parametrize("fn", [
    lambda lib: lib.nn.init.dirac_(lib.empty(3, 3)),
    lambda lib: lib.nn.init.dirac_(lib.empty(3, 3, 3), 2),
    lambda lib: lib.nn.init.sparse_(lib.empty(3), 0.5),
    lambda lib: lib.nn.init.sparse_(lib.empty(2, 2, 2), 0.5),
    lambda lib: lib.nn.init.eye_(lib.empty(2, 2, 2)),
    lambda lib: lib.nn.init.eye_(lib.empty(3)),
])
def test_init_errors(fn):
    expected = caught(lambda: fn(torch))
    assert expected is not None
    assert caught(lambda: fn(tg)) == expected


@pytest.mark.parametrize("fill", [
    lambda lib, t: lib.nn.init.constant_(t, 0.3), lambda lib, t: lib.nn.init.constant_(t, -2),
    lambda lib, t: lib.nn.init.ones_(t), lambda lib, t: lib.nn.init.zeros_(t),
    lambda lib, t: lib.nn.init.eye_(t.reshape(t.shape[0], -1)),
])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_deterministic_inits(fill, dtype):
    """They fill in place, keep requires_grad, record nothing and draw nothing."""
    def run(lib):
        t = lib.empty(3, 4, dtype=dt(lib, dtype), requires_grad=dtype != "int64")
        r = fill(lib, t)
        return [r, t, t.requires_grad, r.grad_fn is None]

    same_stream([run], seeds=[0])


@pytest.mark.parametrize("call", [
    lambda lib, g: lib.nn.init.uniform_(lib.empty(5, 4), -1, 2, generator=g),
    lambda lib, g: lib.nn.init.normal_(lib.empty(5, 4), 1, 3, generator=g),
    lambda lib, g: lib.nn.init.trunc_normal_(lib.empty(5, 4), std=0.5, generator=g),
    lambda lib, g: lib.nn.init.xavier_uniform_(lib.empty(5, 4), generator=g),
    lambda lib, g: lib.nn.init.xavier_normal_(lib.empty(5, 4), 2.0, generator=g),
    lambda lib, g: lib.nn.init.kaiming_uniform_(lib.empty(5, 4), math.sqrt(5), generator=g),
    lambda lib, g: lib.nn.init.kaiming_normal_(lib.empty(5, 4), mode="fan_out", generator=g),
    lambda lib, g: lib.empty(17).bernoulli_(0.3, generator=g),
    lambda lib, g: lib.empty(17, dtype=lib.float64).bernoulli_(lib.full((17,), 0.6),
                                                                generator=g),
    lambda lib, g: lib.empty(17).exponential_(2.0, generator=g),
])
def test_generator_argument(call):
    """The draws come from ``generator``: its state moves, the default one's does not."""
    def run(lib):
        g = lib.Generator().manual_seed(11)
        return [call(lib, g), g.get_state(), call(lib, g), g.get_state(), g.initial_seed()]

    same_stream([run, lambda lib: lib.rand(3)], seeds=[0, 5])


def test_orthogonal_with_generator_draws_from_it():
    gens = [lib.Generator().manual_seed(2) for lib in (tg, torch)]
    for lib in (tg, torch):
        lib.manual_seed(0)
    a = tg.nn.init.orthogonal_(tg.empty(3, 5), generator=gens[0]).numpy()
    b = torch.nn.init.orthogonal_(torch.empty(3, 5), generator=gens[1]).numpy()
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-5)
    assert gens[0].get_state().numpy().tobytes() == gens[1].get_state().numpy().tobytes()
    assert tg.get_rng_state().numpy().tobytes() == torch.get_rng_state().numpy().tobytes()


def test_seed_then_the_same_stream_as_torch():
    """seed() picks a fresh seed (kept by initial_seed()); torch seeded with it agrees."""
    for make in (lambda lib: lib.default_generator, lambda lib: lib.Generator()):
        g = make(tg)
        s = g.seed()
        assert g.initial_seed() == s
        tg_draw = tg.rand(20, generator=g)
        theirs = torch.Generator().manual_seed(s)
        assert _record(tg_draw) == _record(torch.rand(20, generator=theirs))
        assert g.get_state().numpy().tobytes() == theirs.get_state().numpy().tobytes()
    s = tg.seed()
    assert tg.initial_seed() == s and tg.seed() != s


def test_generator_state_round_trip_and_exchange_with_torch():
    """A Generator's get_state/set_state restore its stream (cached normal included), and
    each library accepts the other's state."""
    def run(lib):
        g = lib.Generator().manual_seed(6)
        lib.randn(3, generator=g)  # a normal cached for the next scalar draw
        saved = g.get_state()
        first = [lib.randn(1, generator=g), lib.rand(5, generator=g)]
        g.set_state(saved)
        again = [lib.randn(1, generator=g), lib.rand(5, generator=g)]
        return [first, again, saved, g.set_state(saved) is g]

    same_stream([run], seeds=[0])
    g, h = tg.Generator().manual_seed(8), torch.Generator().manual_seed(8)
    tg.randn(5, generator=g)
    h.set_state(torch.tensor(g.get_state().numpy()))
    assert _record(torch.rand(9, generator=h)) == _record(tg.rand(9, generator=g))


# Every module with parameters (or buffers) that tinygrad_lite has, and a few arguments each
_MODULES = {
    "Linear": [(3, 2), (1, 1), (30, 20, False)],
    "Embedding": [(5, 3), (10, 4, 1), (7, 2, -1)],
    "BatchNorm1d": [(3,), (4, 1e-3, 0.5, False)],
}


@pytest.mark.parametrize("name, args", [(n, a) for n, forms in _MODULES.items() for a in forms])
def test_every_module_default_init(name, args):
    """Each module's parameters and buffers after construction, and the stream after it."""
    same_stream([lambda lib: list(getattr(lib.nn, name)(*args).state_dict().values()),
                 lambda lib: lib.rand(2)], seeds=[0, 3])


def test_the_modules_listed_are_all_that_have_parameters():
    import inspect
    with_params = sorted(
        n for n in dir(tnn) if inspect.isclass(getattr(tnn, n))
        and issubclass(getattr(tnn, n), tnn.Module) and n not in ("Module", "Sequential",
                                                                  "ModuleList")
        and list(getattr(tnn, n)(*_sample_args(n)).state_dict()))
    assert with_params == sorted(_MODULES)


def _sample_args(name):
    return _MODULES[name][0] if name in _MODULES else ()


_DEPRECATED_INITS = {"uniform": (), "normal": (), "constant": (0.5,), "eye": (),
                     "dirac": (), "xavier_uniform": (), "xavier_normal": (),
                     "kaiming_uniform": (), "kaiming_normal": (), "orthogonal": (),
                     "sparse": (0.5,)}


def test_every_init_function_of_torch_exists():
    names = {n for n in dir(torch.nn.init) if not n.startswith("_")
             and callable(getattr(torch.nn.init, n)) and n[0].islower()}
    assert names <= set(dir(tnn.init)), names - set(dir(tnn.init))
    assert set(_DEPRECATED_INITS) == {n for n in names if n + "_" in names}


@pytest.mark.parametrize("name", sorted(_DEPRECATED_INITS))
def test_deprecated_init_names_warn_and_fill(name):
    """``nn.init.uniform`` (no underscore): PyTorch's FutureWarning, then ``uniform_``."""
    shape = (3, 2, 3) if name == "dirac" else (3, 4)
    outs = []
    for lib in (tg, torch):
        lib.manual_seed(2)
        t = lib.empty(shape)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            r = getattr(lib.nn.init, name)(t, *_DEPRECATED_INITS[name])
        outs.append(([(x.category, str(x.message)) for x in w], r is t,
                     getattr(lib.nn.init, name).__name__, _record(r) if name != "orthogonal"
                     else r.shape, lib.get_rng_state().numpy().tobytes()))
    assert outs[0] == outs[1]
