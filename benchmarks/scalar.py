"""The scalar workloads: scalar_chain, scalar_chain_shared, deep_chain and scalar_mlp.

Each ``run_*`` function runs in a worker process for one library and returns
``{"metrics": ..., "check": ...}``; the driver compares the checks across libraries.
"""

from __future__ import annotations

import gc
import math
import statistics
import sys
import time
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from . import libs
from .harness import MIB, peak_mib, reset_peak, rss_mib
from .libs import Pass, Scalar

CHAIN_OPS = 100 * 100 + 99  # 100 chains x 25 x (mul, add, tanh, pow2), then 99 adds
CHAIN_VALUES = [0.5 + i * 1e-3 for i in range(100)]
A, B = 1.01, 0.1  # the chain's constants: numbers in scalar_chain, leaves in the shared one


def repeat(fn: Callable[[], Any], budget_s: float, min_n: int, max_n: int) -> list[Any]:
    """Call ``fn`` at least ``min_n`` times, then again until ``budget_s`` is spent or ``max_n``."""
    out: list[Any] = []
    end = time.perf_counter() + budget_s
    while len(out) < min_n or (len(out) < max_n and time.perf_counter() < end):
        out.append(fn())
    return out


def setup(base: str, variant: str) -> Scalar:
    """Import library ``base`` and apply the variant (``gcoff``, ``deep``, ``nograd``)."""
    lib = libs.make(base)
    if variant == "gcoff":
        gc.disable()
    elif variant == "deep":
        sys.setrecursionlimit(10**8)
    elif variant == "nograd":
        lib.backprop = False
    return lib


def summary(grads: list[Any]) -> list[float]:
    """A few numbers that pin a gradient vector down: first, middle, last, sum of |g|."""
    g = np.concatenate([np.ravel(x) for x in grads]) if grads else np.zeros(0)
    if not len(g):
        return []
    return [float(g[0]), float(g[len(g) // 2]), float(g[-1]), float(np.abs(g).sum())]


# --- scalar_chain --------------------------------------------------------------------------


def tree_sum(outs: list[Any]) -> Any:
    """Pairwise sum of ``outs`` (len - 1 adds)."""
    while len(outs) > 1:
        pairs = [outs[i] + outs[i + 1] for i in range(0, len(outs) - 1, 2)]
        outs = pairs + outs[len(pairs) * 2:]
    return outs[0]


def chain_forward(xs: list[Any], lib: Scalar) -> Any:
    """100 chains of 25 x ``tanh(y * 1.01 + 0.1) ** 2``, summed as a tree: 10,099 ops."""
    tanh = lib.tanh
    outs = []
    for x in xs:
        y = x
        for _ in range(25):
            y = tanh(y * A + B) ** 2
        outs.append(y)
    return tree_sum(outs)


def chain_shared_forward(leaves: list[Any], lib: Scalar) -> Any:
    """The same chains with ``a`` and ``b`` shared leaves (the last two) and the library's
    module function for tanh (``torch.tanh``; micrograd has only the method): 10,099 ops."""
    *xs, a, b = leaves
    tanh = lib.tanh_function or lib.tanh
    outs = []
    for x in xs:
        y = x
        for _ in range(25):
            y = tanh(y * a + b) ** 2
        outs.append(y)
    return tree_sum(outs)


def chain_hand(values: list[float], keep: bool = False) -> Pass:
    """The same chain on floats with a flat hand-written tape.

    Op ``k`` of the chains writes value ``n0 + k`` and records its input and local derivative
    in two parallel lists; the 99 tree adds record (out, in, in). Backward is one reverse loop.
    """
    t0 = time.perf_counter()
    n0 = n = len(values)
    ins: list[int] = []
    ds: list[float] = []
    put_in, put_d = ins.append, ds.append
    outs = []
    for i, y in enumerate(values):
        yi = i
        for _ in range(25):
            t = math.tanh(y * A + B)
            y = t * t
            put_in(yi)
            put_d(A)
            put_in(n)
            put_d(1.0)
            put_in(n + 1)
            put_d(1.0 - y)
            put_in(n + 2)
            put_d(2.0 * t)
            yi = n + 3
            n += 4
        outs.append((yi, y))
    tree = []
    while len(outs) > 1:
        pairs = []
        for (ia, a), (ib, b) in zip(outs[0::2], outs[1::2]):
            tree.append((n, ia, ib))
            pairs.append((n, a + b))
            n += 1
        outs = pairs + outs[len(pairs) * 2:]
    t1 = time.perf_counter()
    g = [0.0] * n
    g[-1] = 1.0
    for o, ia, ib in reversed(tree):
        g[ia] += g[o]
        g[ib] += g[o]
    for o, i, d in zip(range(n0 + len(ins) - 1, n0 - 1, -1), reversed(ins), reversed(ds)):
        g[i] += d * g[o]
    t2 = time.perf_counter()
    out, grads = (outs[0][1], g[:n0]) if keep else (None, [])
    t3 = time.perf_counter()
    del ins, ds, tree, g
    t4 = time.perf_counter()
    return Pass(t1 - t0, t2 - t1, t2 - t0 + t4 - t3, out, grads)


def chain_shared_hand(values: list[float], keep: bool = False) -> Pass:
    """The shared chain on floats with a flat hand-written tape.

    ``values`` are the 100 inputs, then ``a`` and ``b``. Every local derivative is one entry
    of three parallel lists (output, input, derivative): ``y * a`` and ``u + b`` record one
    entry per input. Backward is one reverse loop over the entries.
    """
    t0 = time.perf_counter()
    *xs, a, b = values
    ia, ib = len(xs), len(xs) + 1
    n = len(values)
    out_ix: list[int] = []
    ins: list[int] = []
    ds: list[float] = []
    put_o, put_in, put_d = out_ix.append, ins.append, ds.append
    outs = []
    for i, y in enumerate(xs):
        yi = i
        for _ in range(25):
            u = y * a
            t = math.tanh(u + b)
            put_o(n)  # u = y * a
            put_in(yi)
            put_d(a)
            put_o(n)
            put_in(ia)
            put_d(y)
            put_o(n + 1)  # v = u + b
            put_in(n)
            put_d(1.0)
            put_o(n + 1)
            put_in(ib)
            put_d(1.0)
            y = t * t
            put_o(n + 2)  # t = tanh(v)
            put_in(n + 1)
            put_d(1.0 - y)
            put_o(n + 3)  # y = t ** 2
            put_in(n + 2)
            put_d(2.0 * t)
            yi = n + 3
            n += 4
        outs.append((yi, y))
    while len(outs) > 1:
        pairs = []
        for (i0, y0), (i1, y1) in zip(outs[0::2], outs[1::2]):
            for i in (i0, i1):
                put_o(n)
                put_in(i)
                put_d(1.0)
            pairs.append((n, y0 + y1))
            n += 1
        outs = pairs + outs[len(pairs) * 2:]
    t1 = time.perf_counter()
    g = [0.0] * n
    g[-1] = 1.0
    for o, i, d in zip(reversed(out_ix), reversed(ins), reversed(ds)):
        g[i] += d * g[o]
    t2 = time.perf_counter()
    out, grads = (outs[0][1], g[:len(values)]) if keep else (None, [])
    t3 = time.perf_counter()
    del out_ix, ins, ds, g
    t4 = time.perf_counter()
    return Pass(t1 - t0, t2 - t1, t2 - t0 + t4 - t3, out, grads)


def run_scalar_chain(base: str, variant: str, p: dict[str, Any]) -> dict[str, Any]:
    """us/op of the scalar chain: forward and backward, and the loop (see :func:`run_chain`)."""
    return run_chain(base, variant, p, chain_forward, chain_hand, CHAIN_VALUES)


def run_scalar_chain_shared(base: str, variant: str, p: dict[str, Any]) -> dict[str, Any]:
    """us/op of the chain with shared leaves ``a`` and ``b`` (see :func:`run_chain`).

    The check holds the gradients of ``a`` and ``b`` after the summary of the others.
    """
    return run_chain(base, variant, p, chain_shared_forward, chain_shared_hand,
                     [*CHAIN_VALUES, A, B])


def run_chain(base: str, variant: str, p: dict[str, Any],
              forward: Callable[[list[Any], Scalar], Any],
              hand: Callable[[list[float], bool], Pass], values: list[float]) -> dict[str, Any]:
    """us/op of a chain workload: forward and backward, and the loop.

    Forward and backward are medians over passes that each start from a clean heap
    (``gc.collect()`` untimed before each), as in the shared notes; the loop is the mean
    over passes run back to back, so the collector's work on earlier graphs counts.

    Args:
        base: The library (``floats_hand`` runs ``hand``).
        variant: The library's variant (``gcoff``, ``nograd``, ...).
        p: ``budget_s`` (split between the two), ``min_reps``, ``max_reps``.
        forward: The workload's forward over the leaves.
        hand: The same on floats, with its backward by hand.
        values: The leaves' values: the 100 chain inputs, then any shared leaves.

    Returns:
        The metrics, and the check: the output, a summary of the 100 inputs' gradients, then
        the gradients of any shared leaves.
    """
    if base == "floats_hand":
        step = hand
    else:
        lib = setup(base, variant)

        def step(vals: list[float], keep: bool = False) -> Pass:
            return lib.run(forward, vals, keep)

    first = step(values, keep=True)

    def clean() -> Pass:
        gc.collect()
        return step(values)

    half = p["budget_s"] / 2
    passes = repeat(clean, half, p["min_reps"], p["max_reps"])
    gc.collect()
    loops = repeat(lambda: step(values), half, p["min_reps"], p["max_reps"])
    us = 1e6 / CHAIN_OPS
    metrics = {"fwd_us_op": statistics.median(r.fwd_s for r in passes) * us,
               "loop_us_op": sum(r.loop_s for r in loops) / len(loops) * us}
    if first.bwd_s is not None:
        metrics["bwd_us_op"] = statistics.median(r.bwd_s for r in passes) * us
    n = len(CHAIN_VALUES)
    grads = first.grads
    check = [first.out, *summary(grads[:n]), *(float(g) for g in grads[n:])]
    return {"metrics": metrics, "check": check,
            "extra": {"reps": len(passes), "loop_reps": len(loops)}}


# --- deep_chain ----------------------------------------------------------------------------


def deep_forward(depth: int) -> Callable[[list[Any], Scalar], Any]:
    """``y = y * 1.0001 + 0.0001`` for ``depth`` steps (2 x depth ops); keeps a weak probe."""

    def fn(xs: list[Any], lib: Scalar) -> Any:
        y = xs[0] * 1.0001 + 0.0001
        try:
            lib.probe = weakref.ref(y)
        except TypeError:  # no weak references to this library's values
            lib.probe = None
        for _ in range(depth - 1):
            y = y * 1.0001 + 0.0001
        return y

    return fn


def deep_hand(depth: int) -> Pass:
    """Floats by hand: the forward loop, then the gradient as a reverse product."""
    t0 = time.perf_counter()
    y = 1.0
    for _ in range(depth):
        y = y * 1.0001 + 0.0001
    t1 = time.perf_counter()
    g = 1.0
    for _ in range(depth):
        g *= 1.0001
    t2 = time.perf_counter()
    return Pass(t1 - t0, t2 - t1, t2 - t0, y, [g])


def run_deep_chain(base: str, variant: str, p: dict[str, Any]) -> dict[str, Any]:
    """One deep chain of ``p["depth"]`` steps: times, peak RSS and bytes per recorded op.

    With ``p["check"]`` the collector is disabled first, and the run reports whether dropping
    the output freed the graph: the weak probe on its first op, RSS, and what ``gc.collect()``
    then finds (the cyclic garbage, which without a collector would never be freed).
    """
    depth = p["depth"]
    lib = None if base == "floats" else setup(base, variant)
    if p.get("check"):
        gc.collect()
        gc.disable()
    rss0 = rss_mib()
    exact_peak = reset_peak()
    if lib is None:
        first = deep_hand(depth)
    else:
        first = lib.run(deep_forward(depth), [1.0], keep=not p.get("check"))
    peak = peak_mib()
    metrics = {"fwd_s": first.fwd_s, "bwd_s": first.bwd_s, "peak_mib": peak,
               "bytes_per_op": max(peak - rss0, 0.0) * MIB / (2 * depth)}
    if p.get("check"):
        probe = getattr(lib, "probe", None)
        metrics["graph_alive_after_drop"] = None if probe is None else int(probe() is not None)
        metrics["rss_kept_mib"] = rss_mib() - rss0
        metrics["cyclic_garbage"] = gc.collect()
        metrics["rss_after_collect_mib"] = rss_mib() - rss0
        return {"metrics": metrics, "check": []}
    return {"metrics": metrics, "check": [first.out, *first.grads],
            "extra": {"rss_before_mib": rss0, "exact_peak": exact_peak}}


# --- scalar_mlp ----------------------------------------------------------------------------

SIZES = [(2, 16), (16, 16), (16, 1)]  # micrograd's demo MLP: 337 parameters
ALPHA = 1e-4


def moons(n: int = 100, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved half circles with Gaussian noise (like sklearn's make_moons); labels +-1."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0, np.pi, n // 2)
    outer = np.column_stack([np.cos(t), np.sin(t)])
    inner = np.column_stack([1 - np.cos(t), 1 - np.sin(t) - 0.5])
    x = np.vstack([outer, inner]) + rng.normal(scale=noise, size=(n, 2))
    y = np.hstack([-np.ones(n // 2), np.ones(n // 2)])
    return x, y


def init_params(seed: int = 0) -> list[float]:
    """micrograd's order and init: per neuron its weights ~ U(-1, 1), then its bias 0."""
    rng = np.random.default_rng(seed)
    flat: list[float] = []
    for nin, nout in SIZES:
        for _ in range(nout):
            flat += rng.uniform(-1, 1, nin).tolist() + [0.0]
    return flat


X, Y = moons()
XL, YL = X.tolist(), Y.tolist()


def mlp_forward(ps: list[Any], lib: Scalar) -> Any:
    """micrograd's demo loss on scalars: mean hinge loss over 100 points + 1e-4 * sum(p**2)."""
    relu = lib.relu
    layers, k = [], 0
    for nin, nout in SIZES:
        layers.append([(ps[k + j * (nin + 1):k + j * (nin + 1) + nin], ps[k + j * (nin + 1) + nin])
                       for j in range(nout)])
        k += nout * (nin + 1)
    last = len(layers) - 1
    losses = []
    for x, yi in zip(XL, YL):
        h = x
        for li, layer in enumerate(layers):
            acts = [sum((wi * hi for wi, hi in zip(w, h)), b) for w, b in layer]
            h = acts if li == last else [relu(a) for a in acts]
        losses.append(relu(1 + -yi * h[0]))
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = ALPHA * sum(p * p for p in ps)
    return data_loss + reg_loss


def mlp_hand(ps: list[float]) -> Pass:
    """The same loss and its gradient on floats, backpropagated by hand."""
    t0 = time.perf_counter()
    layers, k = [], 0
    for nin, nout in SIZES:
        layers.append([(list(range(k + j * (nin + 1), k + j * (nin + 1) + nin)),
                        k + j * (nin + 1) + nin) for j in range(nout)])
        k += nout * (nin + 1)
    g = [2 * ALPHA * p for p in ps]
    loss = ALPHA * sum(p * p for p in ps)
    n = len(XL)
    for x, yi in zip(XL, YL):
        hs = [x]
        for li, layer in enumerate(layers):
            acts = [ps[b] + sum(ps[w] * h for w, h in zip(ws, hs[-1])) for ws, b in layer]
            hs.append(acts if li == len(layers) - 1 else [a if a > 0 else 0.0 for a in acts])
        margin = 1 - yi * hs[-1][0]
        if margin <= 0:
            continue
        loss += margin / n
        d = [-yi / n]
        for li in range(len(layers) - 1, -1, -1):
            h_in = hs[li]
            d_in = [0.0] * len(h_in)
            for (ws, b), dj in zip(layers[li], d):
                if dj == 0.0:
                    continue
                g[b] += dj
                for m, (w, h) in enumerate(zip(ws, h_in)):
                    g[w] += dj * h
                    d_in[m] += dj * ps[w]
            d = [dm if h > 0 else 0.0 for dm, h in zip(d_in, h_in)]
    t1 = time.perf_counter()
    return Pass(t1 - t0, None, t1 - t0, loss, g)


def to_blocks(flat: list[float]) -> list[np.ndarray]:
    """Flat micrograd-ordered parameters as [W1, b1, W2, b2, W3, b3] arrays."""
    out, k = [], 0
    for nin, nout in SIZES:
        blk = np.array(flat[k:k + nout * (nin + 1)]).reshape(nout, nin + 1)
        out += [blk[:, :nin].copy(), blk[:, nin].copy()]
        k += nout * (nin + 1)
    return out


def from_blocks(blocks: list[Any]) -> list[float]:
    """The inverse of :func:`to_blocks`."""
    return np.concatenate([np.column_stack([w, b]).ravel()
                           for w, b in zip(blocks[0::2], blocks[1::2])]).tolist()


def mlp_numpy(ps: list[np.ndarray]) -> Pass:
    """The loss and gradient vectorised with NumPy, backpropagated by hand."""
    t0 = time.perf_counter()
    w1, b1, w2, b2, w3, b3 = ps
    z1 = X @ w1.T + b1
    h1 = np.maximum(z1, 0)
    z2 = h1 @ w2.T + b2
    h2 = np.maximum(z2, 0)
    s = (h2 @ w3.T + b3)[:, 0]
    m = 1 - Y * s
    loss = np.maximum(m, 0).mean() + ALPHA * sum((p * p).sum() for p in ps)
    ds = -Y * (m > 0) / len(Y)
    dz2 = np.outer(ds, w3[0]) * (z2 > 0)
    dz1 = (dz2 @ w2) * (z1 > 0)
    grads = [dz1.T @ X, dz1.sum(0), dz2.T @ h1, dz2.sum(0), (ds @ h2)[None, :],
             ds.sum(keepdims=True)]
    grads = [g + 2 * ALPHA * p for g, p in zip(grads, ps)]
    t1 = time.perf_counter()
    return Pass(t1 - t0, None, t1 - t0, float(loss), grads)


def mlp_vec_forward(ps: list[Any], lib: Scalar) -> Any:
    """The same loss on float64 tensors (torch, tinygrad_lite): one matmul per layer."""
    if not hasattr(lib, "data"):
        T = lib.T  # type: ignore[attr-defined]
        lib.data = (T.tensor(X, dtype=T.float64), T.tensor(Y, dtype=T.float64))
    x, y = lib.data
    w1, b1, w2, b2, w3, b3 = ps
    h = (x @ w1.T + b1).relu()
    h = (h @ w2.T + b2).relu()
    s = (h @ w3.T + b3)[:, 0]
    return (1 - y * s).relu().mean() + ALPHA * sum((p * p).sum() for p in ps)


def run_scalar_mlp(base: str, variant: str, p: dict[str, Any]) -> dict[str, Any]:
    """ms per SGD step (leaves, forward, backward, update) of micrograd's demo MLP.

    Every step rebuilds the leaves from the current parameter values, so each library's
    update is the same float (or array) arithmetic. The first step is the check and warm-up.
    """
    flat = init_params()
    vec = variant == "vec" or base == "numpy_hand"
    if base == "floats_hand":
        step = mlp_hand
    elif base == "numpy_hand":
        step = mlp_numpy
    else:
        lib = setup(base, "" if variant == "vec" else variant)
        fwd = mlp_vec_forward if vec else mlp_forward

        def step(ps: list[Any]) -> Pass:
            return lib.run(fwd, ps, keep=True)

    params: list[Any] = to_blocks(flat) if vec else flat
    state = {"k": 0, "params": params}

    def one() -> tuple[float, Pass]:
        t0 = time.perf_counter()
        r = step(state["params"])
        lr = 1.0 - 0.9 * (state["k"] % 100) / 100
        state["params"] = [w - lr * g for w, g in zip(state["params"], r.grads)]
        state["k"] += 1
        return time.perf_counter() - t0, r

    _, first = one()
    steps = repeat(one, p["budget_s"], p["min_reps"], p["max_reps"])
    grads = from_blocks(first.grads) if vec else first.grads
    metrics = {"step_ms": statistics.median(s for s, _ in steps) * 1e3,
               "fwd_ms": statistics.median(r.fwd_s for _, r in steps) * 1e3}
    if first.bwd_s is not None:
        metrics["bwd_ms"] = statistics.median(r.bwd_s for _, r in steps) * 1e3
    return {"metrics": metrics, "check": [first.out, *summary(grads)],
            "extra": {"steps": len(steps)}}
