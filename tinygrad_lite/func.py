"""``tinygrad_lite.func``: PyTorch's function transforms (``torch.func``), on the tape.

A transform takes a function and returns a new function: ``grad(f)`` computes the gradient
of ``f``, ``vmap(f)`` maps ``f`` over a batch. They are ordinary Python functions, so they
compose: ``grad(grad(f))`` is the second derivative, ``jacrev(jacfwd(f))`` a Hessian,
``vmap(grad(loss))`` the per-example gradients of a loss.

How they work here: every transform runs ``f`` on *new* tensors that stand for its inputs
(a fresh leaf, or a differentiable alias when the input already requires grad), then sweeps
the tape back with :func:`tinygrad_lite.autograd.grad`. Where ``f``'s graph reaches a
tensor that requires grad from outside the transform (the leaves of an enclosing transform,
a parameter ``f`` captured, an input the caller made require grad), the sweep runs with
``create_graph=True``: it records itself, so the outer code can differentiate the result
again, and that is all that nesting needs. Elsewhere the results are detached, as
PyTorch's are, and the sweep records nothing. No ``.grad`` is ever filled.

PyTorch implements the same API differently: it wraps tensors in "levels" (and batched
tensors for ``vmap``) inside its dispatcher. The results, shapes and errors are what
PyTorch gives; the costs are those of the tape.

* Reverse mode: :func:`grad`, :func:`grad_and_value`, :func:`vjp`, :func:`jacrev`: one
  backward sweep per output element (a Jacobian by rows).
* Forward mode: :func:`jvp`, :func:`jacfwd`: a Jacobian-vector product taken with the
  "double-vjp trick" (the backward pass is linear in its seed ``u``, so differentiating
  ``u -> J^T u`` with respect to ``u`` gives ``J``, applied to a tangent). One recorded
  backward sweep, then one sweep per input element (a Jacobian by columns).
* :func:`hessian` is ``jacfwd(jacrev(f))``.
* :func:`vmap` is a loop over the batch (see there for what that costs).
* :func:`functional_call` makes a module a function of its parameters, for the above.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _pytree, autograd
from ._creation import get_rng_state, set_rng_state, zeros_like
from ._joining import stack
from ._tensor import Tensor, _wrap, enable_grad, inputs, is_grad_enabled

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "vmap",
           "functional_call"]

if TYPE_CHECKING:
    from .nn.module import Module

_GRAD_AUX = ("grad_and_value(f)(*args): output of function f should be a tuple: "
             "(output, aux) if has_aux is True")
_VJP = "vjp(f, *primals): "
_JVP = "jvp(f, primals, tangents): "


# ----------------------------------------------------------------------------------------
# The machinery shared with tinygrad_lite.autograd.functional
# ----------------------------------------------------------------------------------------
class _Level:
    """One application of a transform: the tensors it made to stand for its inputs.

    :meth:`lift` makes them; :meth:`lower` hands a result back to the caller, detached
    unless its graph reaches a tensor that requires grad from outside (an input the caller
    made require grad, a parameter captured by ``f``, the leaves of an outer transform).
    """

    def __init__(self) -> None:
        self.fresh: dict[int, Tensor] = {}  # id -> the leaves this level made (kept alive)
        self.recording = is_grad_enabled()  # under no_grad nothing outside sees the graph

    def lift(self, x: Tensor) -> Tensor:
        """A new tensor with ``x``'s values, for ``f`` to be differentiated at.

        A differentiable alias (``x.view_as(x)``) when ``x`` requires grad, so that whoever
        made ``x`` can still differentiate through; a fresh leaf otherwise.
        """
        if x.requires_grad:
            return x.view_as(x)
        leaf = x.detach().requires_grad_(True)
        self.fresh[id(leaf)] = leaf
        return leaf

    def zeros(self, like: Tensor) -> Tensor:
        """A fresh leaf of zeros shaped as ``like`` (the dummy seed of the double-vjp trick)."""
        return self.lift(zeros_like(like))

    def attached(self, tensors: Sequence[Any]) -> bool:
        """Whether a result computed from ``tensors`` may need a graph: some of them reach a
        tensor that requires grad from outside this level (and grad mode is on).

        If not, the results would be detached anyway, so the sweeps need not record
        themselves (``create_graph=False``): first-order uses pay for no second order.
        """
        return self.recording and self._reaches_outside(tensors)

    def lower(self, tree: Any) -> Any:
        """``tree`` with each of its tensors detached unless it reaches outside this level."""
        leaves, spec = _pytree.flatten(tree)
        return _pytree.unflatten([self._lower(t) for t in leaves], spec)

    def _lower(self, t: Any) -> Any:
        if not isinstance(t, Tensor) or not t.requires_grad:
            return t
        return t if self.attached([t]) else t.detach()

    def _reaches_outside(self, tensors: Sequence[Any]) -> bool:
        """Whether the graph of one of ``tensors`` reaches a leaf requiring grad that this
        level did not make."""
        seen: set[int] = set()
        stack_ = [t for t in tensors if isinstance(t, Tensor)]
        while stack_:
            n = stack_.pop()
            if id(n) in seen or not n._rg:
                continue
            seen.add(id(n))
            if n._op is None:
                if id(n) not in self.fresh:
                    return True
            else:
                stack_.extend(inputs(n))
        return False


def _pullback(outs: Sequence[Tensor], ins: Sequence[Tensor], cotangents: Sequence[Any],
              create_graph: bool) -> list[Tensor | None]:
    """The vector-Jacobian product ``sum_k cotangent_k . d outs_k / d ins``, one backward
    sweep; None for an input no output depends on.

    An output that does not require grad contributes nothing; a cotangent None stands for
    the seed 1 of a one-element output.
    """
    used = [k for k, o in enumerate(outs) if o.requires_grad]
    if not used:
        return [None] * len(ins)
    return list(autograd.grad([outs[k] for k in used], list(ins),
                              [cotangents[k] for k in used], retain_graph=True,
                              create_graph=create_graph, allow_unused=True))


def _filled(grads: Sequence[Tensor | None], like: Sequence[Tensor]) -> list[Tensor]:
    """``grads`` with zeros (shaped as ``like``) where a gradient is None."""
    return [zeros_like(x) if g is None else g for g, x in zip(grads, like)]


def _double_vjp(outs: Sequence[Tensor], ins: Sequence[Tensor],
                seed: Callable[[Tensor], Tensor]) -> Callable[[Sequence[Tensor], bool],
                                                             list[Tensor | None]]:
    """The Jacobian-vector product of ``ins -> outs``, by the double-vjp trick.

    One recorded backward sweep from dummy seeds ``u = seed(out)`` (zeros that require
    grad) gives ``g(u) = J^T u``, linear in ``u``; the vjp of ``g`` with cotangent ``t`` is
    ``J t``. The seeds' value does not matter (zeros keep inf and nan out).

    Returns:
        ``push(tangents, create_graph)``: one tangent per input in, one per output out
        (None where an output does not depend on the inputs). ``push.back`` holds ``g(u)``,
        one entry per input. This is the one place to change to compute the products with
        forward-mode AD instead.
    """
    seeds = [seed(o) for o in outs]
    back = _pullback(outs, ins, seeds, create_graph=True)

    def push(tangents: Sequence[Tensor], create_graph: bool) -> list[Tensor | None]:
        pairs = [(g, t) for g, t in zip(back, tangents) if g is not None]
        return _pullback([g for g, _ in pairs], seeds, [t for _, t in pairs], create_graph)

    push.back = back  # type: ignore[attr-defined]
    return push


def _seed(out: Tensor) -> Tensor:
    """Zeros shaped as ``out`` that require grad: a dummy seed for :func:`_double_vjp`."""
    return zeros_like(out, requires_grad=True)


def _rows(outs: Sequence[Tensor], ins: Sequence[Tensor], create_graph: bool,
          strict: bool = False) -> list[list[Tensor]]:
    """The Jacobian by rows: one vjp per output element, with a one-hot cotangent.

    Returns:
        ``jac[i][j]``, of shape ``outs[i].shape + ins[j].shape``.

    Raises:
        RuntimeError: with ``strict``, PyTorch's error for an output independent of an input
            (or, with ``create_graph``, whose Jacobian does not depend on the inputs).
    """
    jac = []
    for i, out in enumerate(outs):
        flat = out.reshape(-1)
        rows: list[list[Tensor]] = [[] for _ in ins]
        for k in range(out.numel()):
            for j, g in enumerate(_pullback([flat[k]], ins, [None], create_graph)):
                if strict:
                    _check_row(g, i, j, create_graph)
                rows[j].append(zeros_like(ins[j]) if g is None else g)
        jac.append([_assemble(r, out, x, 0) for r, x in zip(rows, ins)])
    return jac


def _columns(push: Callable[[Sequence[Tensor], bool], list[Tensor | None]],
             outs: Sequence[Tensor], ins: Sequence[Tensor],
             create_graph: bool) -> list[list[Tensor]]:
    """The Jacobian by columns: one jvp (``push``) per input element, with a one-hot tangent.

    Returns:
        ``jac[i][j]``, of shape ``outs[i].shape + ins[j].shape``, as :func:`_rows`.
    """
    cols: list[list[list[Tensor]]] = [[[] for _ in ins] for _ in outs]
    for j, x in enumerate(ins):
        for k in range(x.numel()):
            tangents = [zeros_like(y) for y in ins]
            tangents[j] = _one_hot(x, k)
            for i, t in enumerate(_filled(push(tangents, create_graph), outs)):
                cols[i][j].append(t)
    return [[_assemble(c, out, x, -1) for c, x in zip(cols[i], ins)]
            for i, out in enumerate(outs)]


def _assemble(pieces: list[Tensor], out: Tensor, x: Tensor, dim: int) -> Tensor:
    """Rows (``dim`` 0) or columns (``dim`` -1) stacked into a block of shape
    ``out.shape + x.shape``."""
    shape = tuple(out.shape) + tuple(x.shape)
    if not pieces:  # an empty output or input: nothing to stack
        return _wrap(np.zeros(shape, dtype=x.dtype.np))
    return stack(pieces, dim).reshape(shape)


def _one_hot(x: Tensor, k: int) -> Tensor:
    """Zeros shaped as ``x`` with a 1 at flat position ``k``: a basis vector."""
    a = np.zeros(x.numel(), dtype=x.dtype.np)
    a[k] = 1
    return _wrap(a.reshape(tuple(x.shape)))


def _check_row(g: Tensor | None, i: int, j: int, create_graph: bool) -> None:
    """PyTorch's strict-mode checks on one row of a Jacobian (output ``i``, input ``j``)."""
    if g is None:
        raise RuntimeError(f"Output {i} of the user-provided function is independent of input "
                           f"{j}. This is not allowed in strict mode.")
    if create_graph and not g.requires_grad:
        raise RuntimeError(f"The jacobian of the user-provided function is independent of input "
                           f"{i}. This is not allowed in strict mode when create_graph=True.")


# ----------------------------------------------------------------------------------------
# Arguments
# ----------------------------------------------------------------------------------------
def _check_argnums(argnums: Any, n: int) -> None:
    """PyTorch's errors for an ``argnums`` that names no positional argument."""
    if isinstance(argnums, tuple):
        if not argnums:
            raise RuntimeError("argnums must be non-empty")
        for a in argnums:
            if not isinstance(a, int):
                raise RuntimeError(f"argnum must be int, got: {type(a)}")
            _check_argnum(a, n)
    elif isinstance(argnums, int):
        _check_argnum(argnums, n)
    else:
        raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")


def _check_argnum(a: int, n: int) -> None:
    if type(a) is bool or not -n <= a < n:
        raise RuntimeError(f"Got argnum={a}, but only {n} positional inputs")


def _lift_args(level: _Level, args: tuple, argnums: Any,
               forward: bool = False) -> tuple[tuple, list[Tensor], _pytree.Spec]:
    """``args`` with the arguments named by ``argnums`` lifted by ``level``.

    With ``forward`` (the transform pushes tangents), PyTorch's ValueError for an argument
    that is not floating point.

    Returns:
        ``(new_args, lifted, spec)``: the arguments to call ``f`` with, the lifted tensors
        (the leaves of the chosen arguments) and the tree they came in (one argument for an
        int ``argnums``, a tuple of them for a tuple).
    """
    _check_argnums(argnums, len(args))
    picked = args[argnums] if isinstance(argnums, int) else tuple(args[a] for a in argnums)
    leaves, spec = _pytree.flatten(picked)
    for x in leaves:
        _tensor_arg(x, forward)
    lifted = [level.lift(x) for x in leaves]
    tree = _pytree.unflatten(lifted, spec)
    new = list(args)
    for a, v in ([(argnums, tree)] if isinstance(argnums, int) else zip(argnums, tree)):
        new[a] = v
    return tuple(new), lifted, spec


def _tensor_arg(x: Any, forward: bool = False) -> Tensor:
    """``x``, checked to be a tensor (a floating-point one, ``forward``)."""
    if not isinstance(x, Tensor):
        raise ValueError(f"Thing passed to transform API must be Tensor, got {type(x)}")
    if forward and not x.dtype.is_floating_point:
        raise ValueError(f"Expected primal to be floating point or complex, but got: {x.dtype}")
    return x


def _split_aux(out: Any, has_aux: bool, message: str) -> tuple[Any, Any]:
    """``(output, aux)`` of a function's result, as ``has_aux`` says."""
    if not has_aux:
        return out, None
    if not (isinstance(out, tuple) and len(out) == 2):
        raise RuntimeError(message)
    return out


def _tensor_outputs(out: Any, where: str) -> tuple[list[Tensor], _pytree.Spec]:
    """The leaves of a function's output, checked to be tensors."""
    leaves, spec = _pytree.flatten(out)
    for o in leaves:
        if not isinstance(o, Tensor):
            raise RuntimeError(f"{where}expected f(*primals) to return only tensors, got "
                               f"unsupported type {type(o)}")
    return leaves, spec


def _lower_aux(level: _Level, aux: Any) -> Any:
    for a in _pytree.flatten(aux)[0]:
        if not isinstance(a, Tensor):
            raise RuntimeError(f"Expected tensors, got unsupported type {type(a)}")
    return level.lower(aux)


# ----------------------------------------------------------------------------------------
# The transforms
# ----------------------------------------------------------------------------------------
def grad(func: Callable, argnums: int | tuple[int, ...] = 0, has_aux: bool = False) -> Callable:
    """The function that returns the gradient of ``func`` (a function to a 0-d tensor).

    ``grad(f)(x)`` is what ``autograd.grad(f(x), x)`` gives, without touching ``x.grad``;
    it can be differentiated again, so ``grad(grad(f))`` is the second derivative.

    Args:
        func: returns a 0-d tensor (or, with ``has_aux``, a pair ``(that, aux)``).
        argnums: which positional argument(s) to differentiate with respect to (an int or
            a tuple of ints; see :func:`grad_and_value`).
        has_aux: ``func`` returns ``(output, aux)``; the result is then ``(gradient, aux)``.

    Returns:
        A function with ``func``'s arguments, returning the gradient.

    Raises:
        RuntimeError: as PyTorch, for an output that is not a 0-d tensor, or an ``argnums``
            out of range.

    Example:
        >>> import tinygrad_lite as torch
        >>> from tinygrad_lite.func import grad
        >>> x = torch.tensor(0.5)
        >>> grad(torch.sin)(x), grad(grad(torch.sin))(x)  # cos(x), -sin(x)
        (tensor(0.8776), tensor(-0.4794))
    """
    gv = grad_and_value(func, argnums, has_aux)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        g, value = gv(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return wrapper


def grad_and_value(func: Callable, argnums: int | tuple[int, ...] = 0,
                   has_aux: bool = False) -> Callable:
    """The function that returns the gradient of ``func`` together with ``func``'s value.

    Args:
        func: returns a 0-d tensor (or, with ``has_aux``, a pair ``(that, aux)``).
        argnums: which positional argument(s) to differentiate with respect to: an int, or a
            tuple of them (then the gradient is a tuple too). An argument may be a tensor or
            a nest (tuple, list, dict) of tensors; its gradient comes in the same nest.
        has_aux: ``func`` returns ``(output, aux)``; ``aux`` is handed back untouched.

    Returns:
        A function returning ``(gradient, value)``, or ``(gradient, (value, aux))``.

    Example:
        >>> import tinygrad_lite as torch
        >>> g, v = torch.func.grad_and_value(lambda x: (x ** 2).sum())(torch.tensor([1., 2.]))
        >>> g, v
        (tensor([2., 4.]), tensor(5.))
    """

    def wrapper(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        level = _Level()
        with enable_grad():
            new_args, lifted, spec = _lift_args(level, args, argnums)
            out, aux = _split_aux(func(*new_args, **kwargs), has_aux, _GRAD_AUX)
            if not isinstance(out, Tensor):
                raise RuntimeError("grad_and_value(f)(*args): Expected f(*args) to return a "
                                   f"Tensor, got {type(out)}")
            if out.dim() != 0:
                raise RuntimeError(
                    "grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, "
                    f"got tensor with {out.dim()} dims. Maybe you wanted to use the vjp or "
                    "jacrev APIs instead?")
            grads = _filled(_pullback([out], lifted, [None], level.attached([out])),
                            lifted)
        result = level.lower(_pytree.unflatten(grads, spec))
        value = level.lower(out)
        return (result, (value, _lower_aux(level, aux))) if has_aux else (result, value)

    return wrapper


def vjp(func: Callable, *primals: Any, has_aux: bool = False) -> tuple:
    """Run ``func`` at ``primals`` and return its output with a function for vjps.

    ``vjp_fn(cotangents)``, with ``cotangents`` shaped as the output (the same nest of
    tensors of the same shapes), gives ``cotangents . d output / d primals``: a tuple with
    one entry per primal. It can be called many times; each call is one backward sweep.

    Args:
        func: a function of tensors (or nests of them) returning tensors.
        *primals: the point to differentiate at.
        has_aux: ``func`` returns ``(output, aux)``; ``aux`` comes back as a third result.

    Returns:
        ``(output, vjp_fn)``, or ``(output, vjp_fn, aux)``.

    Example:
        >>> import tinygrad_lite as torch
        >>> out, vjp_fn = torch.func.vjp(torch.sin, torch.tensor([0., 1.]))
        >>> vjp_fn(torch.tensor([1., 1.]))  # cos at the primals
        (tensor([1.0000, 0.5403]),)
    """
    level = _Level()
    with enable_grad():
        leaves, spec = _pytree.flatten(primals)
        lifted = [level.lift(_tensor_arg(x)) for x in leaves]
        out, aux = _split_aux(func(*_pytree.unflatten(lifted, spec)), has_aux,
                              _VJP + "output of function f should be a tuple: (output, aux) "
                              "if has_aux is True")
        outs, out_spec = _tensor_outputs(out, _VJP)

    def vjp_fn(cotangents: Any) -> tuple:
        cots, cot_spec = _pytree.flatten(cotangents)
        if cot_spec != out_spec:
            raise RuntimeError(
                "Expected pytree structure of cotangents to be the same as pytree structure "
                f"of outputs to the function. cotangents: {cot_spec.pretty()}, primal output: "
                f"{out_spec.pretty()}")
        with enable_grad():
            graph = level.attached(outs) or level.attached(cots)
            grads = _filled(_pullback(outs, lifted, cots, graph), lifted)
        return level.lower(_pytree.unflatten(grads, spec))

    result = level.lower(out)
    return (result, vjp_fn, _lower_aux(level, aux)) if has_aux else (result, vjp_fn)


def jvp(func: Callable, primals: Any, tangents: Any, *, strict: bool = False,
        has_aux: bool = False) -> tuple:
    """Run ``func`` at ``primals`` and push ``tangents`` forward: ``J . tangents``.

    Computed with the double-vjp trick (see the module's docstring): one recorded backward
    sweep, and one more for the product. PyTorch uses forward-mode AD; the results agree.

    Args:
        func: a function of tensors returning tensors.
        primals: a tuple: ``func(*primals)`` is called.
        tangents: a tuple of the same structure, tensors of the primals' shapes.
        strict: accepted for PyTorch's signature; it changes nothing (as in PyTorch).
        has_aux: ``func`` returns ``(output, aux)``; ``aux`` comes back as a third result.

    Returns:
        ``(output, tangent of the output)``, or with ``aux`` a third entry.

    Example:
        >>> import tinygrad_lite as torch
        >>> torch.func.jvp(torch.sin, (torch.tensor([0., 1.]),), (torch.tensor([1., 2.]),))
        (tensor([0.0000, 0.8415]), tensor([1.0000, 1.0806]))
    """
    if not isinstance(primals, tuple):
        raise RuntimeError(_JVP + "Expected primals to be a tuple. E.g. it should be valid to "
                           "call f(*primals).")
    leaves, spec = _pytree.flatten(primals)
    tans, tan_spec = _pytree.flatten(tangents)
    if tan_spec != spec:
        raise RuntimeError(
            _JVP + "Expected primals and tangents to have the same python structure. For "
            "example, if primals is a tuple of 3 tensors, tangents also must be. Got primals "
            f"with structure {spec!r} and tangents with structure {tan_spec!r}")
    for what, items in (("primals", leaves), ("tangents", tans)):
        for x in items:
            if not isinstance(x, Tensor):
                raise RuntimeError(f"{_JVP}Expected {what} to only contain Tensors, got "
                                   f"{type(x)}")
    for x, t in zip(leaves, tans):
        _tensor_arg(x, forward=True)
        if t.shape != x.shape:
            raise RuntimeError(
                "Trying to set a forward gradient that has a different size than that of the "
                f"original Tensor, this is not supported. Tensor is of size {list(x.shape)} "
                f"while the given forward gradient is of size {list(t.shape)}.")
    level = _Level()
    with enable_grad():
        lifted = [level.lift(x) for x in leaves]
        out, aux = _split_aux(func(*_pytree.unflatten(lifted, spec)), has_aux,
                              _JVP + "output of function f should be a tuple: (output, aux) "
                              "if has_aux is True")
        outs, out_spec = _tensor_outputs(out, _JVP)
        graph = level.attached(outs) or level.attached(tans)
        pushed = _filled(_double_vjp(outs, lifted, level.zeros)(tans, graph), outs)
    result = (level.lower(out), level.lower(_pytree.unflatten(pushed, out_spec)))
    return (*result, _lower_aux(level, aux)) if has_aux else result


def _jacobian(func: Callable, argnums: Any, has_aux: bool, randomness: str | None) -> Callable:
    """:func:`jacrev` (``randomness`` None) or :func:`jacfwd`."""
    forward = randomness is not None
    where = _JVP if forward else _VJP

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        level = _Level()
        if forward:  # PyTorch's jacfwd is a vmap over the columns
            _check_randomness(randomness)
        state = get_rng_state() if randomness == "error" else None
        with enable_grad():
            new_args, lifted, spec = _lift_args(level, args, argnums, forward)
            out, aux = _split_aux(func(*new_args, **kwargs), has_aux,
                                  where + "output of function f should be a tuple: "
                                  "(output, aux) if has_aux is True")
            if state is not None:
                _no_draws(state)
            outs, out_spec = _tensor_outputs(out, where)
            if forward:
                jac = _columns(_double_vjp(outs, lifted, level.zeros), outs, lifted,
                               level.attached(outs))
            else:
                jac = _rows(outs, lifted, level.attached(outs))
        tree = _pytree.unflatten([_pytree.unflatten(row, spec) for row in jac], out_spec)
        result = level.lower(tree)
        return (result, _lower_aux(level, aux)) if has_aux else result

    return wrapper


def jacrev(func: Callable, argnums: int | tuple[int, ...] = 0, *, has_aux: bool = False,
           chunk_size: int | None = None) -> Callable:
    """The function that returns the Jacobian of ``func``, computed by rows (reverse mode).

    One backward sweep per element of the output: cheap for functions with few outputs.
    For an output of shape ``O`` and an input of shape ``I`` the Jacobian has shape
    ``O + I``. With a tuple ``argnums`` each output gets a tuple of Jacobians, one per
    argument; an output that is a nest of tensors gives the same nest of Jacobians.

    Args:
        func: a function of tensors returning tensors.
        argnums: which positional argument(s) to differentiate with respect to.
        has_aux: ``func`` returns ``(output, aux)``; the result is then ``(jacobian, aux)``.
        chunk_size: accepted for PyTorch's signature; the rows are always taken one by one.

    Returns:
        A function with ``func``'s arguments, returning the Jacobian.

    Example:
        >>> import tinygrad_lite as torch
        >>> torch.func.jacrev(lambda x: x ** 2)(torch.tensor([1., 2.]))
        tensor([[2., 0.],
                [0., 4.]])
    """
    return _jacobian(func, argnums, has_aux, None)


def jacfwd(func: Callable, argnums: int | tuple[int, ...] = 0, has_aux: bool = False, *,
           randomness: str = "error") -> Callable:
    """The function that returns the Jacobian of ``func``, computed by columns (forward mode).

    One Jacobian-vector product per element of the input: cheap for functions with few
    inputs. The products are taken with the double-vjp trick (one recorded backward sweep,
    then one sweep per column). Shapes and nesting as :func:`jacrev`.

    The values are PyTorch's. So is ``requires_grad`` of the result, but for one case:
    where the Jacobian does not depend on an input that requires grad (``x * 2``),
    PyTorch's forward-mode formulas still multiply by that input (``t_a * b + a * t_b``
    with a zero tangent), and its result requires grad; this one does not.

    Args:
        func: a function of tensors returning tensors.
        argnums: which positional argument(s) to differentiate with respect to.
        has_aux: ``func`` returns ``(output, aux)``; the result is then ``(jacobian, aux)``.
        randomness: as in :func:`vmap`: ``"error"`` (the default) raises PyTorch's error if
            ``func`` draws random numbers; ``"same"`` lets it, with PyTorch's numbers.
            ``"different"`` is the same here (``func`` runs once), where PyTorch draws anew
            for each column.

    Returns:
        A function with ``func``'s arguments, returning the Jacobian.
    """
    return _jacobian(func, argnums, has_aux, randomness)


def hessian(func: Callable, argnums: int | tuple[int, ...] = 0) -> Callable:
    """The function that returns the Hessian of ``func``: ``jacfwd(jacrev(func))``.

    Args:
        func: a function of tensors returning a tensor (a 0-d one for the usual Hessian;
            an output of shape ``O`` gives shape ``O + I + I``).
        argnums: which positional argument(s) to differentiate with respect to.

    Returns:
        A function with ``func``'s arguments, returning the Hessian.

    Example:
        >>> import tinygrad_lite as torch
        >>> torch.func.hessian(lambda x: (x ** 3).sum())(torch.tensor([1., 2.]))
        tensor([[ 6.,  0.],
                [ 0., 12.]])
    """
    return jacfwd(jacrev(func, argnums), argnums)


def _name(func: Any) -> str:
    return getattr(func, "__name__", repr(func))


def vmap(func: Callable, in_dims: Any = 0, out_dims: Any = 0, randomness: str = "error", *,
         chunk_size: int | None = None) -> Callable:
    """The function that maps ``func`` over a dimension of its inputs.

    ``vmap(f)(x)`` is ``stack([f(x[0]), f(x[1]), ...])``: ``f`` is written for one example
    and sees one example at a time. ``vmap(grad(loss), in_dims=(None, 0, 0))(w, x, y)``
    gives per-example gradients.

    Each example is a real tensor here, so ``.item()`` and Python ``if`` on its values work
    inside ``func``, where PyTorch's vmap raises an error.

    Cost: this is a Python loop over the batch. ``func`` runs once per example, so the tape
    holds ``B`` copies of its graph plus a ``select`` per input and a ``stack`` per output:
    about ``B`` times the work of one call, where PyTorch's vmap runs ``func`` once on
    batched tensors. A hand-batched function (written for the whole batch) is faster.

    Args:
        func: a function of tensors (or nests of them) returning tensors.
        in_dims: the batch dimension of each positional argument: an int for all of them,
            or a tuple with an int or None (not batched) per argument, possibly nested to
            match nested arguments. Keyword arguments are never batched.
        out_dims: where the batch dimension goes in each output: an int, or a nest matching
            the output; None for an output that does not depend on the batch (then the
            first example's value is returned).
        randomness: ``"error"`` (the default) raises PyTorch's error if ``func`` draws
            random numbers from the default generator; ``"same"`` gives every example the
            same random numbers; ``"different"`` draws them one example after the other
            (not the numbers PyTorch draws for the whole batch at once).
        chunk_size: accepted for PyTorch's signature; the loop is one example at a time.

    Returns:
        The mapped function. (A batch of size 0 is an error here, where PyTorch returns
        empty outputs: with no example to run, the loop cannot know their shapes.)

    Example:
        >>> import tinygrad_lite as torch
        >>> torch.func.vmap(torch.dot)(torch.ones(3, 2), torch.ones(3, 2))
        tensor([2., 2., 2.])
    """
    _check_randomness(randomness)
    name = _name(func)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        dims, batched = _batched_inputs(name, in_dims, args)
        size = batched[0][1].shape[dims[batched[0][0]]]
        state = get_rng_state() if randomness != "different" else None
        leaves, spec = _pytree.flatten(args)
        results = []
        for b in range(size):
            if randomness == "same":
                set_rng_state(state)
            picked = list(leaves)
            for k, x in batched:
                picked[k] = x.select(dims[k], b)
            results.append(_pytree.flatten(func(*_pytree.unflatten(picked, spec), **kwargs)))
        if randomness == "error":
            _no_draws(state)
        return _stacked(name, out_dims, results)

    return wrapper


def _check_randomness(randomness: str) -> None:
    if randomness not in ("error", "different", "same"):
        raise RuntimeError("Only allowed values for randomness are 'error', 'different', or "
                           f"'same'. Got {randomness}")


def _no_draws(state: Tensor) -> None:
    """PyTorch's error for random numbers drawn in randomness="error" mode: the default
    generator has moved on from ``state``."""
    if not get_rng_state().equal(state):
        raise RuntimeError(
            "vmap: called random operation while in randomness error mode. Please either use "
            "the 'same' or 'different' randomness flags on vmap or perform the randomness "
            "operation out of vmap")


def _batched_inputs(name: str, in_dims: Any, args: tuple) -> tuple[list, list]:
    """Check ``in_dims`` against ``args`` as PyTorch's vmap does.

    Returns:
        ``(dims, batched)``: the in_dim of each leaf of ``args``, and ``(index, tensor)``
        for the leaves that are mapped over.
    """
    head = f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): "
    if not isinstance(in_dims, (int, tuple)):
        raise ValueError(head + "expected `in_dims` to be int or a (potentially nested) tuple "
                         f"matching the structure of inputs, got: {type(in_dims)}.")
    if not args:
        raise ValueError(f"vmap({name})(<inputs>): got no inputs. Maybe you forgot to add "
                         "inputs, or you are trying to vmap over a function with no inputs. "
                         "The latter is unsupported.")
    leaves, spec = _pytree.flatten(args)
    dims = _pytree.broadcast(in_dims if isinstance(in_dims, tuple) else (in_dims,) * len(args),
                             spec)
    if dims is None:
        raise ValueError(head + "in_dims is not compatible with the structure of `inputs`. "
                         f"in_dims has structure {_pytree.flatten(in_dims)[1]!r} but inputs "
                         f"has structure {spec!r}.")
    batched = []
    for k, (d, x) in enumerate(zip(dims, leaves)):
        if d is None:
            continue
        if type(d) is not int:
            raise ValueError(head + f"Got in_dim={d} for an input but in_dim must be either an "
                             "integer dimension or None.")
        if not isinstance(x, Tensor):
            raise ValueError(head + f"Got in_dim={d} for an input but the input is of type "
                             f"{type(x)}. We cannot vmap over non-Tensor arguments, please use "
                             "None as the respective in_dim")
        n = x.dim()
        if not -n <= d < n:
            raise ValueError(head + f"Got in_dim={d} for some input, but that input is a Tensor "
                             f"of dimensionality {n} so expected in_dim to satisfy -{n} <= "
                             f"in_dim < {n}.")
        batched.append((k, x))
    if not batched:
        raise ValueError("vmap: Expected at least one Tensor to vmap over")
    sizes = [x.shape[dims[k]] for k, x in batched]
    if len(set(sizes)) > 1:
        raise ValueError("vmap: Expected all tensors to have the same size in the mapped "
                         f"dimension, got sizes {sizes} for the mapped dimension")
    return dims, batched


def _stacked(name: str, out_dims: Any, results: list) -> Any:
    """The outputs of the examples (flattened) stacked along ``out_dims``, as one tree."""
    spec = results[0][1] if results else _pytree.LEAF
    if type(out_dims) in (tuple, list, dict):
        dims = _pytree.broadcast(out_dims, spec)
        if dims is None:
            raise ValueError(
                f"vmap({name}, ..., out_dims={out_dims})(<inputs>): out_dims is not compatible "
                f"with the structure of `outputs`. out_dims has structure "
                f"{_pytree.flatten(out_dims)[1]!r} but outputs has structure {spec!r}.")
    elif out_dims is None or type(out_dims) is int:
        dims = [out_dims] * spec.size
    else:
        raise ValueError(
            f"vmap({name}, ..., out_dims={out_dims}): `out_dims` must be an int, None or a "
            "python collection of ints representing where in the outputs the vmapped "
            "dimension should appear.")
    out = []
    for k, d in enumerate(dims):
        column = [leaves[k] for leaves, _ in results]
        if d is None:
            out.append(column[0])
            continue
        if not all(isinstance(o, Tensor) for o in column):
            kind = next(type(o) for o in column if not isinstance(o, Tensor))
            raise ValueError(f"vmap({name}, ...): `{name}` must only return Tensors, got type "
                             f"{kind}. Did you mean to set out_dims= to None for output?")
        out.append(stack(column, d))
    return _pytree.unflatten(out, spec)


# ----------------------------------------------------------------------------------------
# Modules as functions of their parameters
# ----------------------------------------------------------------------------------------
def functional_call(module: Module, parameter_and_buffer_dicts: dict | Sequence[dict],
                    args: Any = None, kwargs: dict | None = None, *, tie_weights: bool = True,
                    strict: bool = False) -> Any:
    """Call ``module`` with some of its parameters and buffers replaced by the given tensors.

    This turns a module into a function of its parameters, which is what the transforms
    need: ``grad(lambda p, x: loss(functional_call(model, p, (x,))))(params, x)``, or with
    :func:`vmap` for per-example gradients. The module is left as it was afterwards.

    Args:
        module: the module to call.
        parameter_and_buffer_dicts: ``{name: tensor}`` with the names of
            ``module.named_parameters()`` and ``named_buffers()`` (``"0.weight"``); or a
            sequence of such dicts, which may not share a name. Names not given keep the
            module's own tensors.
        args: the positional arguments of the call (one that is not a tuple is the only
            one).
        kwargs: its keyword arguments.
        tie_weights: a tensor given for one name of a parameter registered under several
            names (tied weights) replaces it under all of them.
        strict: the names given must be exactly the module's parameters and buffers.

    Returns:
        What ``module(*args, **kwargs)`` returns.

    Raises:
        ValueError: if a name is in several of the dicts.
        RuntimeError: with ``strict``, for missing or unexpected names (PyTorch's message).
    """
    dicts = ([parameter_and_buffer_dicts] if isinstance(parameter_and_buffer_dicts, dict)
             else list(parameter_and_buffer_dicts))
    given: dict[str, Any] = {}
    for d in dicts:
        shared = [k for k in d if k in given]
        if shared:
            raise ValueError(f"{shared} appeared in multiple dictionaries; behavior of "
                             "functional call is ambiguous")
        given.update(d)
    slots = {name: t for name, t in module.named_parameters(remove_duplicate=False)}
    slots.update(module.named_buffers(remove_duplicate=False))
    if strict:
        _check_names(module, given, slots)
    if tie_weights:  # a tied tensor's other names get the same replacement
        for name, t in slots.items():
            if name not in given:
                tied = next((k for k in given if k in slots and slots[k] is t), None)
                if tied is not None:
                    given[name] = given[tied]
    swapped = []
    try:
        for name, value in given.items():
            if name in slots:
                slot, store = _slot(module, name)
                swapped.append((store, slot, store[slot]))
                store[slot] = value
        call_args = args if isinstance(args, tuple) else () if args is None else (args,)
        return module(*call_args, **(kwargs or {}))
    finally:
        for store, slot, old in reversed(swapped):
            store[slot] = old


def _slot(module: Module, name: str) -> tuple[str, dict]:
    """The last part of the dotted ``name`` and the dict (of parameters or buffers) of the
    submodule that holds it under that key."""
    *path, slot = name.split(".")
    owner = module
    for part in path:
        owner = owner._modules[part]
    return slot, owner._parameters if slot in owner._parameters else owner._buffers


def _check_names(module: Module, given: dict, slots: dict) -> None:
    """PyTorch's error, with ``strict``, for names given that the module lacks or lacks not."""
    unexpected = sorted(k for k in given if k not in slots)
    missing = sorted(k for k in slots if k not in given)
    errors = []
    if unexpected:
        errors.append(f"Unexpected key(s): {', '.join(map(repr, unexpected))}.")
    if missing:
        errors.append(f"Missing key(s): {', '.join(map(repr, missing))}.")
    if errors:
        raise RuntimeError(f"Error(s) in reparametrizing for {type(module).__name__}:\n\t"
                           + "\n\t".join(errors))
