"""``gradcheck`` and ``gradgradcheck``: a function's gradients against finite differences.

As ``torch.autograd.gradcheck``: for every input ``x`` that requires grad and every output
``y``, the Jacobian dy/dx is computed twice,

* numerically, column by column: each element of ``x`` is moved by ``-eps`` and ``+eps``
  (in place, through ``x.data``) and the central difference ``(y+ - y-) / (2 eps)`` is one
  column;
* analytically, row by row: one ``autograd.grad`` (a vjp) per element of ``y``, seeded
  with that element's unit vector, is one row;

and the two must agree as ``allclose(analytical, numerical, rtol, atol)``. A mismatch
raises :class:`GradcheckError` with PyTorch's report, which prints both Jacobians.

:func:`gradgradcheck` is :func:`gradcheck` of the function that returns the gradients
(taken with ``create_graph=True``): it checks the second derivatives.

With ``fast_mode=True`` each Jacobian ``J`` is reduced to one number, ``v^T J u`` for random
unit vectors ``u`` and ``v`` (drawn as PyTorch draws them, from a fresh ``Generator``: the
same numbers): one vjp per output and one pair of perturbed calls per input. On a mismatch
the full Jacobians are computed for the report, as in PyTorch.

With ``check_forward_ad=True`` the analytical Jacobian is also computed in forward mode
(:mod:`tinygrad_lite.autograd.forward_ad`), column by column: one pass per element of each
input, with that element's unit vector as the input's tangent (in fast mode, one pass per
input with the tangent ``u``: ``J u``, against the central difference along ``u``).
``gradgradcheck(check_fwd_over_rev=True)`` does the same for the function that returns
the gradients: forward mode through a recorded backward pass.

``check_batched_grad`` (and, with forward mode, ``check_batched_forward_grad``) compares
gradients (tangents) for two random adjoints (tangents) taken one at a time with the same
taken at once by :func:`tinygrad_lite.func.vmap`, as PyTorch's.

Differences from PyTorch, which lacks none of these:
there are no complex or sparse tensors; an "undefined" output gradient (PyTorch's
``check_undefined_grad``) is a gradient of zeros here, as tinygrad_lite has no undefined
tensors; and the two numbers fast mode prints may differ from PyTorch's in the last digit
(its sums and dot products add in NumPy's order).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import _dtype as D
from .._creation import empty as _empty
from .._creation import tensor as _tensor
from .._tensor import Tensor

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Error raised by :func:`gradcheck` and :func:`gradgradcheck`."""


FAILED_NONDET_MSG = """\n
NOTE: If your op relies on non-deterministic operations i.e., it is listed here:
https://pytorch.org/docs/stable/generated/torch.use_deterministic_algorithms.html
this failure might be expected.

If you are adding a new operator, please file an issue and then use one of the
workarounds. The workaround depends on how your test invokes gradcheck/gradgradcheck.
If the test
- manually invokes gradcheck/gradgradcheck, then call gradcheck/gradgradcheck
  with `nondet_tol=<tol>` as a keyword argument.
- is OpInfo-based (e.g., in test_ops_gradients.py), then modify the OpInfo for the test
  to have `gradcheck_nondet_tol=<tol>`.
- is a Module test (e.g., in common_nn.py), then modify the corresponding
  module_test entry to have `gradcheck_nondet_tol=<tol>`
"""

_UNDEFINED_NOTE = '"Notes about undefined output gradients" in "tools/autograd/derivatives.yaml"'


def _as_tuple(x: Any) -> tuple:
    if isinstance(x, tuple):
        return x
    return tuple(x) if isinstance(x, list) else (x,)


def _differentiable_outputs(x: Any) -> tuple[Tensor, ...]:
    return tuple(o for o in _as_tuple(x) if o.requires_grad)


def _needs_grad(x: Any) -> bool:
    return isinstance(x, Tensor) and x.requires_grad


def _refuse(*rules: tuple[bool, str]) -> None:
    """Raise PyTorch's AssertionError for the first of ``rules`` that is broken."""
    for broken, message in rules:
        if broken:
            raise AssertionError(message)


def _check_inputs(inputs: tuple) -> None:
    """Warn for inputs of less than double precision; refuse overlapping inputs and a call
    where no input requires grad (PyTorch's checks and words)."""
    any_input_requiring_grad = False
    for idx, inp in enumerate(inputs):
        if not _needs_grad(inp):
            continue
        if inp.dtype is not D.float64:
            warnings.warn(
                f"Input #{idx} requires gradient and is not a double precision floating point "
                "or complex. This check will likely fail if all the inputs are not of double "
                "precision floating point or complex. ", stacklevel=2)
        x = inp._data
        if isinstance(x, np.ndarray) and not all(s > 0 or n <= 1
                                                 for s, n in zip(x.strides, x.shape)):
            raise RuntimeError(
                f"The {idx}th input has a dimension with stride 0. gradcheck only supports "
                "inputs that are non-overlapping to be able to compute the numerical "
                "gradients correctly. You should call .contiguous on the input before "
                "passing it to gradcheck.")
        any_input_requiring_grad = True
    if not any_input_requiring_grad:
        raise ValueError(
            "gradcheck expects at least one input tensor to require gradient, but none of "
            "them have requires_grad=True.")


def _flat_numpy(t: Tensor) -> np.ndarray:
    return np.asarray(t._data).reshape(-1)


def _central_difference(func: Callable[..., Any], inputs: tuple, entry: Tensor, delta: Any,
                        eps: float, idx: tuple | None) -> list[Tensor]:
    """``(f(x + delta) - f(x - delta)) / (2 eps)`` of each output, flattened, where
    ``entry`` (a view of an input's data) is moved by ``delta`` in place, then restored."""
    orig = entry.clone()
    entry.copy_(orig - delta)
    below = [o.clone() for o in _as_tuple(func(*inputs))]
    entry.copy_(orig + delta)
    above = [o.clone() for o in _as_tuple(func(*inputs))]
    entry.copy_(orig)
    result = []
    for a, b in zip(below, above):
        _check_same_dtype_and_shape(a, b, eps, idx)
        result.append(((b - a) / (2 * eps)).detach().reshape(-1))
    return result


def _numerical_jacobians(func: Callable[..., Any], inputs: tuple, outputs: tuple,
                         eps: float) -> list[list[Tensor]]:
    """For each input that requires grad, the Jacobian of each floating output, of shape
    (input's numel, output's numel) and the output's dtype, by central differences."""
    floats = [o for o in outputs if isinstance(o, Tensor) and o.is_floating_point()]
    result = []
    for x in inputs:
        if not _needs_grad(x):
            continue
        cols = [np.zeros((x.numel(), o.numel()), dtype=o.dtype.np) for o in floats]
        data = x.data  # shares x's storage: func sees the perturbed values
        for d, idx in enumerate(np.ndindex(*x.shape)):
            columns = _central_difference(func, inputs, data[idx], eps, eps, idx)
            for col, jvp in zip(cols, [c for c in columns if c.is_floating_point()]):
                col[d] = _flat_numpy(jvp)
        result.append([_tensor(c) for c in cols])
    return result


def _check_same_dtype_and_shape(a: Tensor, b: Tensor, eps: float, idx: tuple | None) -> None:
    on_index = f"on index {idx} " if idx is not None else ""
    if a.shape != b.shape:
        raise AssertionError(
            f"Expected `func` to return outputs with the same shape when inputs are perturbed "
            f"{on_index}by {eps}, but got: shapes {a.shape} and {b.shape}.")
    if a.dtype != b.dtype:
        raise AssertionError(
            f"Expected `func` to return outputs with the same dtype when inputs are perturbed "
            f"{on_index}by {eps}, but got: dtypes {a.dtype} and {b.dtype}.")


def _analytical_rows(output: Tensor, diff: list[Tensor],
                     v: Tensor | None = None) -> tuple[list[np.ndarray], bool, bool]:
    """The Jacobians of ``output`` with respect to each of ``diff`` (input's numel, output's
    numel, input's dtype), one vjp per element of the output (or, given ``v``, the one
    row ``v^T J``); and whether every gradient had its input's shape, and its dtype."""
    from . import grad

    rows = output.numel() if v is None else 1
    jacobians = [np.zeros((x.numel(), rows), dtype=x.dtype.np) for x in diff]
    sizes_ok = types_ok = True
    seed = np.zeros(output.numel(), dtype=output.dtype.np)
    for j in range(rows):
        seed[:] = 0
        seed[j] = 1
        adjoint = _tensor(seed.reshape(output.shape)) if v is None else v.reshape(output.shape)
        grads = grad(output, diff, adjoint, retain_graph=True, allow_unused=True)
        for jac, g, x in zip(jacobians, grads, diff):
            if g is None:
                continue
            if g.shape != x.shape:
                sizes_ok = False
            elif g.dtype != x.dtype:
                types_ok = False
            if g.numel() != x.numel():
                raise AssertionError(f"Expected out_jacobian column to have {g.numel()} "
                                     f"elements, but got {x.numel()}")
            jac[:, j] = _flat_numpy(g)
    return jacobians, sizes_ok, types_ok


def _analytical_jacobians(inputs: tuple, output: Tensor, nondet_tol: float,
                          check_grad_dtypes: bool, v: Tensor | None = None) -> list[Tensor]:
    """:func:`_analytical_rows`, computed twice to check that backward gives the same."""
    diff = [x for x in inputs if _needs_grad(x)]
    first, sizes_ok, types_ok = _analytical_rows(output, diff, v)
    again, _, _ = _analytical_rows(output, diff, v)
    reentrant = not any(j1.size and np.max(np.abs(j1 - j2)) > nondet_tol  # nan passes
                        for j1, j2 in zip(first, again))
    # PyTorch's two flags are swapped where it reads them back: a gradient of the wrong
    # shape is reported as a dtype mismatch (with check_grad_dtypes only), one of the wrong
    # dtype as of the wrong size. Kept, for its errors.
    if not sizes_ok and check_grad_dtypes:
        raise GradcheckError("Gradient has dtype mismatch")
    if not types_ok:
        raise GradcheckError("Analytical gradient has incorrect size")
    if not reentrant:
        raise GradcheckError(
            "Backward is not reentrant, i.e., running backward with same input and "
            "grad_output multiple times gives different values, although analytical gradient "
            f"matches numerical gradient.The tolerance for nondeterminism was {nondet_tol}."
            + FAILED_NONDET_MSG)
    return [_tensor(j) for j in first]


def _allclose(a: Tensor, b: Tensor, rtol: float, atol: float) -> bool:
    """``allclose`` after promoting both to a common dtype, as PyTorch's gradcheck."""
    dt = D.promote_types(a.dtype, b.dtype)
    return a.to(dt).allclose(b.to(dt), rtol, atol)


def _expect_zero(numerical: list[list[Tensor]]) -> None:
    """Without a differentiable output, every numerical Jacobian must be zero."""
    for per_input in numerical:
        for jac in per_input:
            if bool((jac != 0).any()):
                raise GradcheckError("Numerical gradient for function expected to be zero")


def _slow_gradcheck(func: Callable[..., Any], func_out: Any, inputs: tuple, outputs: tuple,
                    eps: float, rtol: float, atol: float, check_grad_dtypes: bool,
                    nondet_tol: float) -> None:
    """Compare the full Jacobians; raise :class:`GradcheckError` at the first mismatch."""
    by_output = _numerical_by_output(func, func_out, inputs, outputs, eps)
    for i, o in enumerate(outputs):
        analytical = _analytical_jacobians(inputs, o, nondet_tol, check_grad_dtypes)
        for j, (a, n) in enumerate(zip(analytical, by_output[i])):
            if not _allclose(a, n, rtol, atol):
                raise GradcheckError(_mismatch("", i, j, n, a))


def _numerical_by_output(func: Callable[..., Any], func_out: Any, inputs: tuple,
                         outputs: tuple, eps: float) -> list[tuple[Tensor, ...]]:
    """The numerical Jacobians of each output that requires grad, one per checked input
    (none if no output requires grad: then they must all be zero)."""
    func_out = _as_tuple(func_out)
    numerical = _numerical_jacobians(func, inputs, func_out, eps)
    if not outputs:
        _expect_zero(numerical)
        return []
    floats = [o for o in func_out if isinstance(o, Tensor) and o.is_floating_point()]
    return [nj for o, nj in zip(floats, zip(*numerical)) if o.requires_grad]


def _mismatch(mode: str, i: int, j: int, n: Tensor, a: Tensor) -> str:
    """PyTorch's report of a mismatch of output ``i``'s Jacobian in input ``j``."""
    return (f"Jacobian {mode}mismatch for output {i:d} with respect to input {j:d},\n"
            f"numerical:{n}\nanalytical:{a}\n")


FAST_FAIL_SLOW_OK_MSG = """
Fast gradcheck failed but element-wise differences are small. This means that the
test might've passed in slow_mode!

If you are adding a new operator, please file an issue and then use one of the
workarounds. The workaround depends on how your test invokes gradcheck/gradgradcheck:

If the test
- manually invokes gradcheck/gradgradcheck, then call gradcheck/gradgradcheck
  with `fast_mode=False` as a keyword argument.
- is OpInfo-based (e.g., in test_ops_gradients.py), then modify the OpInfo for the test
  to have `gradcheck_fast_mode=False`
- is a Module test (e.g., in common_nn.py), then modify the corresponding
  module_test entry to have `gradcheck_fast_mode=False`
""".strip()


def _unit_vector(x: Tensor, g: Any) -> Tensor:
    """A random vector of ``x``'s numel and dtype, of norm 1 (PyTorch's draw)."""
    from .._creation import rand

    u = rand(x.numel(), generator=g).to(dtype=x.dtype)
    return u / u.norm()


def _slow_mode_report(func: Callable[..., Any], inputs: tuple, outputs: tuple, i: int, j: int,
                      rtol: float, atol: float, eps: float) -> str:
    """The full Jacobians of output ``j`` with respect to (checked) input ``i``, for the
    report of a fast-mode mismatch."""
    n = _numerical_jacobians(func, inputs, outputs, eps)[i][j]
    a = _analytical_jacobians(inputs, outputs[j], float("inf"), False)[i]
    return _slow_report_text(n, a, rtol, atol)


def _slow_report_text(n: Tensor, a: Tensor, rtol: float, atol: float) -> str:
    """The tail of a fast-mode mismatch's report: the Jacobians in slow mode."""
    msg = ("\nThe above quantities relating the numerical and analytical jacobians are "
           "computed \nin fast mode. See: https://github.com/pytorch/pytorch/issues/53876 for "
           "more background \nabout fast mode. Below, we recompute numerical and analytical "
           f"jacobians in slow mode:\n\nNumerical:\n {n}\nAnalytical:\n{a}\n\n"
           f"The max per-element difference (slow mode) is: {(n - a).abs().max()}.\n")
    return msg + FAST_FAIL_SLOW_OK_MSG if a.allclose(n, rtol, atol) else msg


def _fast_gradcheck(func: Callable[..., Any], func_out: Any, inputs: tuple, outputs: tuple,
                    eps: float, rtol: float, atol: float, check_grad_dtypes: bool,
                    nondet_tol: float) -> None:
    """Compare ``v^T J u`` of each Jacobian, numerical (one perturbation along ``u``) and
    analytical (one vjp with ``v``), with ``atol`` scaled by ``sum(u) * sum(v)``."""
    from .._random import Generator

    g = Generator()  # a fresh one, as PyTorch's: the same vectors every call
    checked = [x for x in inputs if _needs_grad(x)]
    all_u = [_unit_vector(x, g) for x in checked]
    all_v = [_unit_vector(o, g) for o in outputs]
    numerical = []  # [input][output]: the central difference along u, dotted with v
    for jvps in _numerical_along(func, func_out, inputs, checked, all_u, eps):
        if not outputs:
            for jvp in jvps:
                if jvp.numel() and float(jvp.abs().max()) > nondet_tol:
                    raise GradcheckError("Numerical gradient for function expected to be zero")
        numerical.append([(v * jvp).sum() for v, jvp in zip(all_v, jvps)])
    for j, (o, v) in enumerate(zip(outputs, all_v)):
        rows = _analytical_jacobians(inputs, o, nondet_tol, check_grad_dtypes, v)
        for i, (row, u) in enumerate(zip(rows, all_u)):
            a, n = row.T.squeeze(0).dot(u), numerical[i][j]
            if not _allclose(a, n, rtol, atol * float(u.sum()) * float(v.sum())):
                raise GradcheckError(_mismatch("", j, i, n, a) + _slow_mode_report(
                    func, inputs, outputs, i, j, rtol, atol, eps))


def _numerical_along(func: Callable[..., Any], func_out: Any, inputs: tuple,
                     checked: list[Tensor], all_u: list[Tensor], eps: float) -> list[list]:
    """For each checked input, the central difference of each floating output along that
    input's vector ``u``: ``J u``, numerically."""
    floats = [o.is_floating_point() for o in _as_tuple(func_out)]
    result = []
    for x, u in zip(checked, all_u):
        data = x.data
        jvps = _central_difference(func, inputs, data, u.reshape(data.shape) * eps, eps, None)
        result.append([jvp for jvp, f in zip(jvps, floats) if f])
    return result


def _forward_jacobians(func: Callable[..., Any], inputs: tuple,
                       all_u: list[Tensor] | None = None) -> list[list[Tensor]]:
    """For each input that requires grad, the Jacobian of each floating output computed in
    forward mode, of shape (input's numel, output's numel): one pass per element of the
    input, its unit vector as the tangent (the other inputs get none, which counts as zero).
    Given ``all_u`` (one vector per such input), one pass per input instead, with the
    tangent ``u``: each "Jacobian" is then the output's ``J u``, flattened."""
    from . import forward_ad as fwad

    result = []
    for k, x in enumerate(inputs):
        if not _needs_grad(x):
            continue
        if all_u is not None:
            tangents = [all_u[len(result)].reshape(x.shape).to(dtype=x.dtype)]
        else:
            tangents = []
            for idx in np.ndindex(*x.shape):
                one = np.zeros(x.shape, dtype=x.dtype.np)
                one[idx] = 1
                tangents.append(_tensor(one))
        columns: list[list[np.ndarray]] = []
        for t in tangents:
            with fwad.dual_level():
                args = list(inputs)
                args[k] = fwad.make_dual(x.detach(), t)
                outs = [o for o in _as_tuple(func(*args))
                        if isinstance(o, Tensor) and o.is_floating_point()]
                cols = []
                for o in outs:
                    tangent = fwad.unpack_dual(o).tangent
                    cols.append(np.zeros(o.numel(), dtype=o.dtype.np) if tangent is None
                                else _flat_numpy(tangent.detach()).copy())
            columns.append(cols)
        per_output = [np.stack(c) for c in zip(*columns)] if columns and columns[0] else []
        result.append([_tensor(j[0] if all_u is not None else j) for j in per_output])
    return result


def _slow_forward_check(func: Callable[..., Any], func_out: Any, inputs: tuple,
                        outputs: tuple, eps: float, rtol: float, atol: float) -> None:
    """:func:`_slow_gradcheck` with the analytical Jacobians of forward mode."""
    by_output = _numerical_by_output(func, func_out, inputs, outputs, eps)
    analytical = _forward_jacobians(func, inputs) if by_output else []
    for i, per_input in enumerate(by_output):
        for j, n in enumerate(per_input):
            a = analytical[j][i]
            if not _allclose(a, n, rtol, atol):
                raise GradcheckError(_mismatch("computed with forward mode ", i, j, n, a))


def _fast_forward_check(func: Callable[..., Any], func_out: Any, inputs: tuple,
                        outputs: tuple, eps: float, rtol: float, atol: float) -> None:
    """:func:`_fast_gradcheck` in forward mode: ``J u`` by one forward-mode pass per input
    against the central difference along ``u`` (no ``v``: atol is scaled by ``sum(u)``)."""
    from .._random import Generator

    g = Generator()  # a fresh one, as PyTorch's: the same vectors every call
    checked = [x for x in inputs if _needs_grad(x)]
    all_u = [_unit_vector(x, g) for x in checked]
    numerical = _numerical_along(func, func_out, inputs, checked, all_u, eps)
    analytical = _forward_jacobians(func, inputs, all_u)
    for i, (per_input, u) in enumerate(zip(numerical, all_u)):
        for j, n in enumerate(per_input):
            a = analytical[i][j]
            if not _allclose(a, n, rtol, atol * float(u.sum())):
                raise GradcheckError(_mismatch("computed with forward mode ", j, i, n, a)
                                     + _slow_forward_report(func, inputs, outputs, i, j, rtol,
                                                            atol, eps))


def _slow_forward_report(func: Callable[..., Any], inputs: tuple, outputs: tuple, i: int,
                         j: int, rtol: float, atol: float, eps: float) -> str:
    """The full Jacobians of output ``j`` with respect to (checked) input ``i``, numerical
    and by forward mode, for the report of a fast-mode mismatch."""
    n = _numerical_jacobians(func, inputs, outputs, eps)[i][j]
    a = _forward_jacobians(func, inputs)[i][j]
    return _slow_report_text(n, a, rtol, atol)


def _test_undefined_forward_mode(func: Callable[..., Any], inputs: tuple) -> None:
    """PyTorch's check that an input without a tangent counts as one of zeros: each output's
    tangent must be the same either way."""
    from .._random import Generator
    from . import forward_ad as fwad

    g = Generator()
    checked = [k for k, x in enumerate(inputs) if _needs_grad(x)]
    all_u = {k: _unit_vector(inputs[k], g).reshape(inputs[k].shape) for k in checked}
    for k in checked:
        results = []
        for zero in (True, False):
            with fwad.dual_level():
                args = [fwad.make_dual(x.detach(), all_u[m]) if m in all_u else x
                        for m, x in enumerate(inputs)]
                x = inputs[k].detach()
                args[k] = fwad.make_dual(x, _zeros_like(x)) if zero else x
                outs = [o for o in _as_tuple(func(*args))
                        if isinstance(o, Tensor) and o.is_floating_point()]
                results.append([fwad.unpack_dual(o).tangent for o in outs])
        for index, (t1, t2) in enumerate(zip(*results)):
            if t1 is not None and t2 is not None and not bool(t1.allclose(t2)):
                raise GradcheckError(
                    "Mismatch in tangent values for output with index: ", index,
                    " when input: ", inputs[k], " has an undefined tangent value. ",
                    " Got: ", t1, " but expected: ", t2)


_WORKAROUNDS = (  # the part of PyTorch's two messages below that is the same
    "If you are adding a new operator, please file an issue and then use one of the\n"
    "workarounds. The workaround depends on how your test invokes gradcheck/gradgradcheck.\n"
    "If the test\n"
    "- manually invokes gradcheck/gradgradcheck, then call gradcheck/gradgradcheck\n"
    "  with `{flag}=False` as a keyword argument.\n"
    "- is OpInfo-based (e.g., in test_ops_gradients.py), then modify the OpInfo for the test\n"
    "  to have `{opinfo}")

FAILED_BATCHED_GRAD_MSG = (
    "gradcheck or gradgradcheck failed while testing batched gradient computation.\n"
    "This could have been invoked in a number of ways (via a test that calls\n"
    "gradcheck/gradgradcheck directly or via an autogenerated test).\n\n"
    + _WORKAROUNDS.format(flag="check_batched_grad", opinfo="check_batched_grad=False` "
                          "and/or `check_batched_gradgrad=False`.")
    + "\n\nIf you're modifying an existing operator that supports batched grad computation,\n"
    "or wish to make a new operator work with batched grad computation, please read\n"
    "the following.\n\n"
    "To compute batched grads (e.g., jacobians, hessians), we vmap over the backward\n"
    "computation. The most common failure case is if there is a 'vmap-incompatible\n"
    "operation' in the backward pass. Please see\n"
    "NOTE: [How to write vmap-compatible backward formulas]\n"
    "in the codebase for an explanation of how to fix this.")

FAILED_BATCHED_GRAD_MSG_FWD_AD = (  # (PyTorch's words, its spelling included)
    "\ngradcheck failed while testing batched gradient computation with forward-mode AD.\n"
    "This test is enabled automatically when both `check_batched_grad=True`\n"
    "and `check_forward_ad=True`, but can be disabled in the following ways\n"
    "dependong on how the test was invoked (via a test that calls gradcheck\n"
    "directly or via an autogenerated test).\n\n"
    + _WORKAROUNDS.format(flag="check_batched_forward_grad",
                          opinfo="check_batched_forward_grad=False`") + "\n")


def _compare_batched(fn: Callable[..., Any], vectors: list[Tensor], note: str, out_idx: Any,
                     ) -> None:
    """``fn`` of each of ``vectors`` in turn, stacked, against ``vmap(fn)`` of them stacked;
    a difference raises PyTorch's report (``out_idx`` None: named by the input's index)."""
    from .._joining import stack
    from ..func import vmap

    expected = [stack(list(shards)) for shards in zip(*[fn(v) for v in vectors])]
    try:
        result = vmap(fn)(stack(vectors))
    except RuntimeError as ex:
        raise GradcheckError(f"While computing batched gradients, got: {ex}\n\n{note}") from ex
    for i, (res, exp) in enumerate(zip(result, expected)):
        if not bool(res.allclose(exp)):
            raise GradcheckError(
                f"For output {i if out_idx is None else out_idx} and input {i}:\n\n{note}"
                f"\n\nGot:\n{res}\n\nExpected:\n{exp}".strip())


def _test_batched_grad(inputs: tuple, output: Tensor, output_idx: int) -> None:
    """PyTorch's check that the gradients of ``output`` for two random adjoints (drawn from
    the global generator, as PyTorch draws them) are the same one at a time and vmapped."""
    from .._creation import randn_like
    from . import grad

    diff = [x for x in inputs if _needs_grad(x)]

    def vjp(v: Tensor) -> tuple:
        gs = grad(output, diff, v, retain_graph=True, allow_unused=True)
        return tuple(_zeros_like(x) if g is None else g for g, x in zip(gs, diff))

    vectors = [randn_like(output) for _ in range(2)]
    _compare_batched(vjp, vectors, FAILED_BATCHED_GRAD_MSG, output_idx)


def _test_batched_grad_forward_ad(func: Callable[..., Any], inputs: tuple) -> None:
    """The same in forward mode: the output tangents for two random tangents of each input
    that requires grad, one at a time and vmapped."""
    from .._creation import randn_like
    from . import forward_ad as fwad

    for k, x in enumerate(inputs):
        if not (_needs_grad(x) and x.is_floating_point()):
            continue

        def jvp(t: Tensor, k: int = k, x: Tensor = x) -> tuple:
            with fwad.dual_level():
                args = tuple(fwad.make_dual(x.detach(), t) if m == k
                             else (y.detach() if isinstance(y, Tensor) else y)
                             for m, y in enumerate(inputs))
                outs = [o for o in _as_tuple(func(*args)) if o is not None]
                return tuple(_zeros_like(o) if (tt := fwad.unpack_dual(o).tangent) is None
                             else tt for o in outs)

        vectors = [randn_like(x) for _ in range(2)]
        _compare_batched(jvp, vectors, FAILED_BATCHED_GRAD_MSG_FWD_AD, None)


def _zeros_like(o: Tensor) -> Tensor:
    return _tensor(np.zeros(o.shape, dtype=o.dtype.np))


def _test_backward_mul_by_grad_output(outputs: tuple, inputs: tuple) -> None:
    """A zero adjoint of every output must give zero gradients, of the inputs' dtype and
    shape."""
    from . import grad

    diff = [x for x in inputs if _needs_grad(x)]
    grads = grad(outputs, diff, [_zeros_like(o) for o in outputs], allow_unused=True)
    for gi, di in zip(grads, diff):
        if gi is None:
            continue
        if not bool((gi == 0).all()):
            raise GradcheckError("backward not multiplied by grad_output")
        if gi.dtype != di.dtype:
            raise GradcheckError("grad is incorrect type")
        if gi.shape != di.shape:
            raise GradcheckError("grad is incorrect size")


def _warn_bc_breaking() -> None:
    warnings.warn(
        "Backwards compatibility: New undefined gradient support checking feature is "
        "enabled by default, but it may break existing callers of this function. If this is "
        'true for you, you can call this function with "check_undefined_grad=False" to '
        "disable the feature", stacklevel=2)


def _test_undefined_backward_mode(func: Callable[..., Any], inputs: tuple) -> None:
    """PyTorch's check that backward copes with undefined output gradients. tinygrad_lite
    has no undefined tensors: zeros stand for them, and the gradients must be zeros."""
    from . import grad

    diff = [x for x in inputs if _needs_grad(x)]
    outputs = [o for o in _differentiable_outputs(func(*inputs)) if isinstance(o, Tensor)]
    try:
        grads = grad(outputs, diff, [_zeros_like(o) for o in outputs], allow_unused=True)
    except RuntimeError as e:
        _warn_bc_breaking()
        raise GradcheckError(
            f"Expected backward function to handle undefined output grads. Please look at "
            f"{_UNDEFINED_NOTE}") from e
    for gi in grads:
        if gi is not None and not bool((gi == 0).all()):
            _warn_bc_breaking()
            raise GradcheckError(
                "Expected all input grads to be undefined or zero when all output grads are "
                f"undefined or zero. Please look at {_UNDEFINED_NOTE}")


def gradcheck(func: Callable[..., Any], inputs: Any, *, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, raise_exception: bool = True, nondet_tol: float = 0.0,
              check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
              check_batched_grad: bool = False, check_batched_forward_grad: bool = False,
              check_forward_ad: bool = False, check_backward_ad: bool = True,
              fast_mode: bool = False, masked: bool | None = None) -> bool:
    """Check the gradients of ``func`` at ``inputs`` against finite differences.

    For each input that requires grad and each output that does, the analytical Jacobian
    (one vjp per output element) must be ``allclose`` to the numerical one (central
    differences, one per input element): ``|a - n| <= atol + rtol * |n|``.

    Args:
        func: called as ``func(*inputs)``; returns a tensor or a tuple of tensors.
        inputs: a tensor or a tuple of them (and other arguments); those that require
            grad are checked. The defaults suit float64: float32 inputs warn.
        eps: the perturbation of the finite differences.
        atol: absolute tolerance.
        rtol: relative tolerance.
        raise_exception: raise :class:`GradcheckError` on a mismatch (else return False).
        nondet_tol: how far two backward passes with the same inputs may differ.
        check_undefined_grad: check that zero output gradients give zero input gradients
            (PyTorch's check with undefined gradients; tinygrad_lite has none).
        check_grad_dtypes: also check the gradients' dtypes.
        check_batched_grad: check that gradients computed for a batch of adjoints with
            :func:`tinygrad_lite.func.vmap` are those computed one at a time.
        check_batched_forward_grad: the same for the tangents of forward mode.
        check_forward_ad: also check the Jacobians computed in forward mode.
        check_backward_ad: check the Jacobians computed in reverse mode.
        fast_mode: compare one random projection ``v^T J u`` of each Jacobian instead of
            the whole Jacobian (see the module's docstring).
        masked: for sparse tensors in PyTorch; ignored.

    Returns:
        True if every Jacobian matches (False on a mismatch, with ``raise_exception=False``).

    Raises:
        GradcheckError: a Jacobian mismatch, or a backward that is not multiplied by the
            output's gradient, not reentrant, or of the wrong dtype or shape.
        ValueError: if no input requires grad.
    """
    _refuse((not (check_forward_ad or check_backward_ad),
             "Expected at least one of check_forward_ad or check_backward_ad to be True"),
            (check_batched_grad and not check_backward_ad,
             "Setting check_batched_grad=True requires check_backward_ad to be True"),
            (check_batched_forward_grad and not check_forward_ad,
             "Setting check_batched_forward_grad=True requires check_forward_ad to be True"))
    try:
        tupled_inputs = _as_tuple(inputs)
        _check_inputs(tupled_inputs)
        func_out = func(*tupled_inputs)
        outputs = _differentiable_outputs(func_out)
        if check_backward_ad:
            check = _fast_gradcheck if fast_mode else _slow_gradcheck
            check(func, func_out, tupled_inputs, outputs, eps, rtol, atol, check_grad_dtypes,
                  nondet_tol)
        if check_forward_ad:
            check = _fast_forward_check if fast_mode else _slow_forward_check
            check(func, func_out, tupled_inputs, outputs, eps, rtol, atol)
            if check_undefined_grad:
                _test_undefined_forward_mode(func, tupled_inputs)
        if check_batched_forward_grad:
            _test_batched_grad_forward_ad(func, tupled_inputs)
        if check_backward_ad:
            if check_batched_grad:
                for i, o in enumerate(outputs):
                    _test_batched_grad(tupled_inputs, o, i)
            _test_backward_mul_by_grad_output(outputs, tupled_inputs)
            if check_undefined_grad:
                _test_undefined_backward_mode(func, tupled_inputs)
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def _random_grad_output(x: Tensor, noncontiguous: bool) -> Tensor:
    """PyTorch's ``torch.testing.make_tensor(x.shape, low=-1, high=1, requires_grad=True)``
    for a floating ``x``: uniform draws from the global generator, the same numbers."""
    shape = tuple(x.shape)
    noncontiguous = noncontiguous and int(np.prod(shape)) > 1
    if noncontiguous:  # every other element of a tensor twice as long in its last dim
        shape = (*shape[:-1], 2 * shape[-1])
    dt = x.dtype if x.is_floating_point() else D.float64
    r = _empty(shape, dtype=dt).uniform_(-1, 1)
    if noncontiguous:
        r = r[..., 1::2]
    return r.requires_grad_(True)


def gradgradcheck(func: Callable[..., Any], inputs: Any, grad_outputs: Any = None, *,
                  eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                  gen_non_contig_grad_outputs: bool = False, raise_exception: bool = True,
                  nondet_tol: float = 0.0, check_undefined_grad: bool = True,
                  check_grad_dtypes: bool = False, check_batched_grad: bool = False,
                  check_fwd_over_rev: bool = False, check_rev_over_rev: bool = True,
                  fast_mode: bool = False, masked: bool = False) -> bool:
    """Check the second derivatives of ``func``: :func:`gradcheck` of the function that
    maps ``(*inputs, *grad_outputs)`` to the gradients of ``func``'s outputs with respect to
    its inputs, taken with ``create_graph=True`` and the adjoints ``grad_outputs``.

    Args:
        func: as for :func:`gradcheck`.
        inputs: as for :func:`gradcheck`.
        grad_outputs: the adjoints of the outputs; by default uniform in [-1, 1), drawn
            from the global generator as PyTorch's ``make_tensor`` draws them (so the same
            numbers after the same ``manual_seed``), and requiring grad.
        eps: as for :func:`gradcheck`.
        atol: as for :func:`gradcheck`.
        rtol: as for :func:`gradcheck`.
        gen_non_contig_grad_outputs: make the drawn adjoints non-contiguous views.
        raise_exception: as for :func:`gradcheck`.
        nondet_tol: as for :func:`gradcheck`.
        check_undefined_grad: as for :func:`gradcheck`.
        check_grad_dtypes: as for :func:`gradcheck`.
        check_batched_grad: as for :func:`gradcheck`.
        check_fwd_over_rev: check the second derivatives in forward mode over the
            recorded backward pass.
        check_rev_over_rev: check them in reverse mode over it.
        fast_mode: as for :func:`gradcheck`.
        masked: ignored.

    Returns:
        True if every Jacobian matches (False on a mismatch, with ``raise_exception=False``).

    Raises:
        GradcheckError: as :func:`gradcheck`.
    """
    from . import grad

    _refuse((not (check_fwd_over_rev or check_rev_over_rev),
             "Expected at least one of check_fwd_over_rev or check_rev_over_rev to be True"),
            (check_undefined_grad and not check_rev_over_rev,
             "Setting check_undefined_grad=True requires check_rev_over_rev to be True"),
            (check_batched_grad and not check_rev_over_rev,
             "Setting check_batched_grad=True requires check_rev_over_rev to be True"))
    tupled_inputs = _as_tuple(inputs)
    if grad_outputs is None:
        tupled_grad_outputs = tuple(
            _random_grad_output(x, gen_non_contig_grad_outputs)
            for x in _differentiable_outputs(func(*tupled_inputs)))
    else:
        tupled_grad_outputs = _as_tuple(grad_outputs)
    n = len(tupled_grad_outputs)
    diff_inputs = {i for i, x in enumerate(tupled_inputs) if _needs_grad(x)}
    diff_grad_outputs = {i for i, x in enumerate(tupled_grad_outputs) if x.requires_grad}

    def new_func(*args: Any) -> tuple:
        input_args = tuple(x.requires_grad_() if i in diff_inputs else x
                           for i, x in enumerate(args[:-n]))
        outputs = _differentiable_outputs(func(*input_args))
        grad_outs = tuple(x.requires_grad_() if i in diff_grad_outputs else x
                          for i, x in enumerate(args[-n:]))
        diff_args = tuple(x for i, x in enumerate(input_args) if i in diff_inputs)
        grads = grad(outputs, diff_args, grad_outs, create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(new_func, tupled_inputs + tupled_grad_outputs, eps=eps, atol=atol,
                     rtol=rtol, raise_exception=raise_exception, nondet_tol=nondet_tol,
                     check_undefined_grad=check_undefined_grad,
                     check_grad_dtypes=check_grad_dtypes,
                     check_batched_grad=check_batched_grad, fast_mode=fast_mode,
                     check_forward_ad=check_fwd_over_rev,
                     check_backward_ad=check_rev_over_rev, masked=masked)
