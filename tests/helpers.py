"""Run one function on tinygrad_lite and on torch, and compare everything observable.

In the spirit of tinygrad's ``helper_test_op``, but with ONE function: since
``tinygrad_lite`` mirrors torch's API, ``fn`` is written once and called with tensors of
either library. A function that needs the module (``torch.maximum``) gets it with
:func:`lib`: ``lambda a, b: lib(a).maximum(a, b)``.

:func:`check` compares, with tolerances that depend on the dtype (float64: rtol 1e-10,
atol 1e-12; float32: rtol 1e-5, atol 1e-6):

* every output's values, shape, dtype and ``requires_grad``;
* every input's gradient, from a random upstream gradient (``autograd.grad`` with
  ``grad_outputs=``, then ``out.backward(gradient=...)`` into ``.grad``) and, accumulated
  on top, from ``out.sum().backward()``;
* optionally second derivatives: the gradient of ``sum(v * grad)`` for a random ``v``,
  with the first gradients taken under ``create_graph=True``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest

import tinygrad_lite as tg

torch = pytest.importorskip("torch")

TOLERANCES = {
    np.dtype(np.float64): (1e-10, 1e-12),
    np.dtype(np.float32): (1e-5, 1e-6),
}


def _mkl_runs_avx512_kernels() -> bool:
    """Whether torch's BLAS (MKL) multiplies float32 matrices with its AVX512 kernels here.

    MKL picks its kernels by the CPU's vendor as well as its flags: on Intel CPUs with
    AVX512 it runs AVX512 kernels, elsewhere (AMD CPUs, even those with ``avx512f``, and
    Intel CPUs without AVX512) its AVX2 kernels. ``ops._torch_order``'s orders of additions
    were measured under the AVX2 kernels (on AMD EPYC machines, with and without
    ``avx512f``); on an Intel Xeon with AVX512 they held for few shapes. Linux only (reads
    ``/proc/cpuinfo``); elsewhere False.
    """
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            info = f.read(20000)
    except OSError:
        return False
    flags = re.search(r"^flags\s*:(.*)$", info, re.M)
    return "GenuineIntel" in info and flags is not None and " avx512f" in flags.group(1)


MKL_AVX512 = _mkl_runs_avx512_kernels()
MKL_AVX512_REASON = ("torch's MKL runs its AVX512 kernels on this Intel CPU; the float32 "
                     "orders of additions reproduced were measured under its AVX2 kernels "
                     "(AMD CPUs and Intel CPUs without AVX512)")


def lib(t: Any) -> Any:
    """The module a tensor comes from: ``torch`` or ``tinygrad_lite``."""
    return torch if isinstance(t, torch.Tensor) else tg


def to_numpy(t: Any) -> np.ndarray:
    """The values of a tensor of either library, without touching its graph or storage."""
    if isinstance(t, torch.Tensor):
        return t.detach().cpu().numpy(force=True)  # force: ZeroTensors too
    return np.asarray(t.tolist(), dtype=t.dtype.np).reshape(tuple(t.shape))  # () and 0-size


def assert_same_values(ours: Any, theirs: Any, rtol: float, atol: float, what: str) -> None:
    """Same shape, dtype and values (nan where torch has nan, inf where it has inf)."""
    assert tuple(ours.shape) == tuple(theirs.shape), f"{what}: shape"
    assert repr(ours.dtype) == repr(theirs.dtype), f"{what}: dtype"
    a, b = to_numpy(ours), to_numpy(theirs)
    if a.dtype.kind == "f":
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, equal_nan=True, err_msg=what)
    else:
        np.testing.assert_array_equal(a, b, err_msg=what)


def _flat(out: Any) -> list:
    return list(out) if isinstance(out, (tuple, list)) else [out]


def _make_inputs(specs: Sequence[Any], dtype: Any, low: float, high: float,
                 rng: np.random.Generator) -> list[np.ndarray]:
    arrays = []
    for s in specs:
        if isinstance(s, np.ndarray):
            arrays.append(s)
        else:  # a shape
            arrays.append(rng.uniform(low, high, size=tuple(s)).astype(dtype))
    return arrays


def _grads_match(ours: Sequence[Any], theirs: Sequence[Any], rtol: float, atol: float,
                 what: str) -> None:
    for i, (g, h) in enumerate(zip(ours, theirs)):
        if h is None:
            assert g is None, f"{what}[{i}]: torch has None, we have {g!r}"
        else:
            assert g is not None, f"{what}[{i}]: torch has a gradient, we have None"
            assert_same_values(g, h, rtol, atol, f"{what}[{i}]")


def check(fn: Callable[..., Any], shapes_or_arrays: Sequence[Any], *,
          dtype: Any = np.float64, device: str = "cpu", rtol: float | None = None,
          atol: float | None = None, grad: bool = True,
          create_graph_second_order: bool = False, low: float = -2.0, high: float = 2.0,
          seed: int = 0) -> tuple[Any, Any]:
    """Run ``fn`` on tinygrad_lite tensors and on torch tensors made from the same arrays.

    Args:
        fn: called as ``fn(*tensors)``; returns a tensor or a tuple of tensors.
        shapes_or_arrays: one entry per input: a shape (values uniform in [low, high) of
            ``dtype``) or a NumPy array (used as it is). Floating inputs require grad.
        dtype: NumPy dtype of the inputs made from shapes.
        device: where torch computes ('cpu' or 'cuda').
        rtol, atol: tolerances; by default those of TOLERANCES for the output's dtype.
        grad: also compare gradients (from a random upstream gradient, then accumulated
            with those of ``out.sum().backward()``).
        create_graph_second_order: also compare second derivatives.
        low, high: range of the random input values.
        seed: seed of the input values and upstream gradients.

    Returns:
        ``(ours, theirs)``: the outputs of both sides, for further checks.
    """
    rng = np.random.default_rng(seed)
    arrays = _make_inputs(shapes_or_arrays, dtype, low, high, rng)
    ours_in = [tg.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    theirs_in = [torch.tensor(a, device=device, requires_grad=grad and a.dtype.kind == "f")
                 for a in arrays]
    ours_out, theirs_out = fn(*ours_in), fn(*theirs_in)
    outs, touts = _flat(ours_out), _flat(theirs_out)
    assert len(outs) == len(touts), "number of outputs"

    def tol(t: Any) -> tuple[float, float]:
        r, a = TOLERANCES.get(np.dtype(to_numpy(t).dtype), (0.0, 0.0))
        return (r if rtol is None else rtol), (a if atol is None else atol)

    for i, (o, t) in enumerate(zip(outs, touts)):
        assert_same_values(o, t, *tol(t), f"output {i}")
        assert o.requires_grad == t.requires_grad, f"output {i}: requires_grad"
    diff = [i for i, t in enumerate(touts) if t.requires_grad]
    if not grad or not diff:
        return ours_out, theirs_out
    gin = [i for i, a in enumerate(arrays) if a.dtype.kind == "f"]
    r, a = tol(touts[diff[0]])
    ups = [rng.standard_normal(tuple(touts[i].shape)).astype(to_numpy(touts[i]).dtype)
           for i in diff]

    def grads(outputs: list, inputs: list, module: Any, **kw: Any) -> tuple:
        kind = torch.tensor if module is torch else tg.tensor
        extra = {"device": device} if module is torch else {}
        return module.autograd.grad([outputs[i] for i in diff], [inputs[i] for i in gin],
                                    grad_outputs=[kind(u, **extra) for u in ups],
                                    allow_unused=True, **kw)

    if create_graph_second_order:
        g1, h1 = (grads(outs, ours_in, tg, create_graph=True),
                  grads(touts, theirs_in, torch, create_graph=True))
        _grads_match(g1, h1, r, a, "first derivative (create_graph)")
        for g, h in zip(g1, h1):
            if h is not None:
                assert g.requires_grad == h.requires_grad, "first derivative: requires_grad"
        pairs = [(g, h, rng.standard_normal(tuple(h.shape)))
                 for g, h in zip(g1, h1) if h is not None and h.requires_grad]
        if pairs:
            s = sum((g * tg.tensor(v.astype(to_numpy(h).dtype))).sum() for g, h, v in pairs)
            u = sum((h * torch.tensor(v, dtype=h.dtype, device=device)).sum()
                    for g, h, v in pairs)
            g2 = tg.autograd.grad(s, [ours_in[i] for i in gin], retain_graph=True,
                                  allow_unused=True)
            h2 = torch.autograd.grad(u, [theirs_in[i] for i in gin], retain_graph=True,
                                     allow_unused=True)
            _grads_match(g2, h2, r, a, "second derivative")

    _grads_match(grads(outs, ours_in, tg, retain_graph=True),
                 grads(touts, theirs_in, torch, retain_graph=True), r, a, "gradient")
    if len(diff) == 1:
        o, t = outs[diff[0]], touts[diff[0]]
        o.backward(gradient=tg.tensor(ups[0]), retain_graph=True)
        t.backward(gradient=torch.tensor(ups[0], device=device), retain_graph=True)
        _grads_match([ours_in[i].grad for i in gin], [theirs_in[i].grad for i in gin], r, a,
                     ".grad after out.backward(gradient=...)")
        o.sum().backward()  # accumulates
        t.sum().backward()
        _grads_match([ours_in[i].grad for i in gin], [theirs_in[i].grad for i in gin], r, a,
                     ".grad after out.sum().backward() too")
    return ours_out, theirs_out


def both(fn: Callable[[Any], Any]) -> tuple[Any, Any]:
    """``fn(lib)`` for tinygrad_lite and for torch."""
    import torch

    return fn(tg), fn(torch)


def caught(fn: Callable[[], Any]) -> tuple[str, str] | None:
    """The (type name, message) of what ``fn()`` raises, or None."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - we compare whatever is raised
        return type(e).__name__, str(e)
    return None


def graph_names(tensors: Sequence[Any]) -> list[tuple]:
    """The grad_fn names of the graph behind all ``tensors`` together, breadth first (a
    leaf's AccumulateGrad once, though tinygrad_lite makes a new one on each visit), each
    with the output numbers its edges lead to (a node with several outputs is met once)."""
    out, todo, seen = [], [t.grad_fn for t in tensors if t is not None], set()
    while todo:
        n = todo.pop(0)
        key = id(getattr(n, "variable", n))
        if n is None or key in seen:
            continue
        seen.add(key)
        out.append((n.name(), *(i for f, i in n.next_functions if f is not None)))
        todo.extend(f for f, _ in n.next_functions)
    return out
