"""``tinygrad_lite.autograd.functional``: derivatives of a whole function, as PyTorch's.

Where :mod:`tinygrad_lite.func` returns transformed functions, these take the function and
the point and return numbers: ``jacobian(f, x)`` is the matrix ``d f / d x`` at ``x``.
The inputs are a tensor or a tuple of tensors, and so are the outputs of ``f``; the result
is nested to match, as in PyTorch: for a tuple of inputs and a tuple of outputs,
``jacobian(f, (x, y))[i][j]`` is ``d f_i / d input_j``, of shape
``f_i.shape + input_j.shape``.

Everything here is one or two sweeps of :func:`tinygrad_lite.autograd.grad`:

* :func:`vjp`: ``v . J``, one backward sweep.
* :func:`jvp`: ``J . v``, by the double-vjp trick (differentiate the backward pass with
  respect to its seed), as PyTorch does here.
* :func:`jacobian`: one vjp per output element (by rows), shared with ``func.jacrev``;
  ``strategy="forward-mode"``: one jvp per input element (by columns), shared with
  ``func.jacfwd``.
* :func:`hessian`: the Jacobian of the gradient; :func:`vhp` and :func:`hvp`: a vector
  times the Hessian, without forming it.

``create_graph=True`` records the sweeps, so the results can be differentiated again;
otherwise they come back detached. ``strict=True`` raises PyTorch's errors where an output
does not depend on an input, instead of returning zeros.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import func as _func
from .._tensor import Tensor, enable_grad, is_grad_enabled, set_grad_enabled

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


# ----------------------------------------------------------------------------------------
# Inputs and outputs: a tensor or a tuple of tensors
# ----------------------------------------------------------------------------------------
def _as_tuple(x: Any, what: str, fn: str | None) -> tuple[bool, tuple]:
    """``(was it a tuple, x as a tuple)``, with PyTorch's TypeError for a non-tensor."""
    is_tuple = isinstance(x, tuple)
    items = x if is_tuple else (x,)
    for i, t in enumerate(items):
        if not isinstance(t, Tensor):
            where = f"value at index {i}" if is_tuple else f"given {what}"
            raise TypeError(f"The {what} given to {fn} must be either a Tensor or a tuple of "
                            f"Tensors but the {where} has type {type(t)}.")
    return is_tuple, items


def _lift(xs: tuple, create_graph: bool, need_graph: bool = True) -> tuple:
    """New tensors for the inputs (PyTorch's ``_grad_preprocess``): a differentiable alias
    of an input that requires grad when ``create_graph``, else a detached copy (that
    requires grad if ``need_graph``). Always new objects, so that the gradient is with
    respect to the argument, not to the same tensor captured by the function."""
    return tuple(x.view_as(x) if create_graph and x.requires_grad
                 else x.detach().requires_grad_(need_graph) for x in xs)


def _finish(tree: tuple, create_graph: bool) -> tuple:
    """The results, detached unless ``create_graph`` (nested tuples too)."""
    if create_graph:
        return tree
    return tuple(t.detach() if isinstance(t, Tensor) else _finish(t, False) for t in tree)


def _unpack(res: tuple, is_tuple: bool) -> Any:
    return res if is_tuple else res[0]


def _unpack2(res: Any, is_out_tuple: bool, is_in_tuple: bool) -> Any:
    """A tuple (per output) of tuples (per input), unnested where they were single."""
    if not is_in_tuple:
        res = tuple(row[0] for row in res)
    return _unpack(res, is_out_tuple)


def _check_v(v: tuple, like: tuple, is_tuple: bool) -> None:
    """PyTorch's errors for a vector ``v`` that does not match ``like``."""
    if len(v) != len(like):
        if is_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(like)} but got "
                               f"{len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for i, (a, b) in enumerate(zip(v, like)):
        if a.shape != b.shape:
            entry = f"Entry {i} in " if is_tuple else ""
            raise RuntimeError(f"{entry}v has invalid size: should be {b.shape} but got "
                               f"{a.shape}.")


def _vector(v: Any, like: tuple, is_tuple: bool, fn: str, create_graph: bool,
            none_message: str) -> tuple:
    """The vector ``v`` of a product, checked; None is allowed for one one-element tensor."""
    if v is None:
        if len(like) != 1 or like[0].numel() != 1:
            raise RuntimeError(none_message)
        return (None,)
    v = _lift(_as_tuple(v, "v", fn)[1], create_graph, need_graph=False)
    _check_v(v, like, is_tuple)
    return v


_V_OUT = ("The vector v can only be None if the user-provided function returns a single Tensor "
          "with a single element.")
_V_IN = ("The vector v can only be None if the input to the user-provided function is a "
         "single Tensor with a single element.")


# ----------------------------------------------------------------------------------------
# strict=True
# ----------------------------------------------------------------------------------------
_NEEDS_GRAD = {
    "outputs": "Output {i} of the user-provided function does not require gradients. The "
               "outputs must be computed in a differentiable manner from the input when running "
               "in strict mode.",
    "grad_inputs": "The gradient with respect to input {i} is independent of the inputs of the "
                   "user-provided function. This is not allowed in strict mode.",
    "jacobian": "While computing the hessian, found that the jacobian of the user-provided "
                "function with respect to input {i} is independent of the input. This is not "
                "allowed in strict mode. You should ensure that your function is twice "
                "differentiable and that the jacobian depends on the inputs (this would be "
                "violated by a linear function for example).",
    "hessian": "The hessian of the user-provided function with respect to input {i} is "
               "independent of the input. This is not allowed in strict mode. You should ensure "
               "that your function is thrice differentiable and that the hessian depends on the "
               "inputs.",
}

_INDEPENDENT = {  # a gradient that is None
    "back": "The output of the user-provided function is independent of input {i}. This is not "
            "allowed in strict mode.",
    "back_trick": "The gradient with respect to the input is independent of entry {i} in the "
                  "grad_outputs when using the double backward trick to compute forward mode "
                  "gradients. This is not allowed in strict mode.",
    "double_back": "The jacobian of the user-provided function is independent of input {i}. "
                   "This is not allowed in strict mode.",
    "double_back_trick": "The hessian of the user-provided function is independent of entry "
                         "{i} in the grad_jacobian. This is not allowed in strict mode as it "
                         "prevents from using the double backward trick to replace forward "
                         "mode AD.",
}


def _check_strict(tensors: tuple, kind: str, strict: bool) -> None:
    """With ``strict``, PyTorch's error for an entry that is None or needs no grad."""
    if not strict:
        return
    for i, t in enumerate(tensors):
        if t is None:
            raise RuntimeError(_INDEPENDENT["back"].format(i=i))
        if not t.requires_grad:
            raise RuntimeError(_NEEDS_GRAD[kind].format(i=i))


def _zeros_for_none(grads: list, like: tuple, strict: bool, create_graph: bool,
                    stage: str) -> tuple:
    """Zeros where a gradient is None, or with ``strict`` PyTorch's error."""
    for i, g in enumerate(grads):
        if g is None and strict:
            raise RuntimeError(_INDEPENDENT[stage].format(i=i))
        if g is not None and strict and create_graph and not g.requires_grad:
            what = "hessian" if "double" in stage else "jacobian"
            raise RuntimeError(f"The {what} of the user-provided function is independent of "
                               f"input {i}. This is not allowed in strict mode when "
                               "create_graph=True.")
    return tuple(_func._filled(grads, like))


def _pulled(tensors: tuple, ins: tuple, v: tuple, strict: bool, create_graph: bool,
            stage: str) -> tuple:
    """The vjp ``v . d tensors / d ins`` (recorded if ``create_graph``), zeros or
    PyTorch's strict error (see :func:`_zeros_for_none`) where an input is not reached."""
    with set_grad_enabled(create_graph or is_grad_enabled()):
        grads = _func._pullback(tensors, ins, v, create_graph)
        return _zeros_for_none(grads, ins, strict, create_graph, stage)


def _returned(outs: tuple, is_out_tuple: bool, res: tuple, is_res_tuple: bool,
              create_graph: bool) -> tuple[Any, Any]:
    """``(output, product)`` as the caller gave them: detached unless ``create_graph``,
    unnested where they were single."""
    return (_unpack(_finish(outs, create_graph), is_out_tuple),
            _unpack(_finish(res, create_graph), is_res_tuple))


def _call(func: Callable, xs: tuple, fn: str, strict: bool) -> tuple[bool, tuple]:
    """``func(*xs)`` as a tuple of tensors, checked."""
    is_tuple, outs = _as_tuple(func(*xs), "outputs of the user-provided function", fn)
    _check_strict(outs, "outputs", strict)
    return is_tuple, outs


def _single(outs: tuple, is_tuple: bool, fn: str) -> None:
    """PyTorch's errors for a function that should return one one-element tensor."""
    if is_tuple:
        raise RuntimeError(f"The function given to {fn} should return a single Tensor")
    if outs[0].numel() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {fn} should contain "
                           "a single element")


# ----------------------------------------------------------------------------------------
# The products
# ----------------------------------------------------------------------------------------
def vjp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """The vector-Jacobian product ``v . d func / d inputs`` at ``inputs``: one backward sweep.

    Args:
        func: takes the input tensors, returns a tensor or a tuple of tensors.
        inputs: a tensor or a tuple of tensors.
        v: the vector, shaped as ``func``'s output; may be left out when the output is a
            single one-element tensor (then it is 1).
        create_graph: record the sweep, so that the results can be differentiated again.
        strict: raise an error, not return zeros, when the output does not depend on an
            input.

    Returns:
        ``(func(inputs), vjp)``; ``vjp`` is shaped as ``inputs``.

    Example:
        >>> import tinygrad_lite as torch
        >>> torch.autograd.functional.vjp(lambda x: x ** 2, torch.tensor([1., 2.]),
        ...                               torch.tensor([1., 1.]))
        (tensor([1., 4.]), tensor([2., 4.]))
    """
    with enable_grad():
        is_in_tuple, ins = _as_tuple(inputs, "inputs", "vjp")
        ins = _lift(ins, create_graph)
        is_out_tuple, outs = _call(func, ins, "vjp", strict)
        v = _vector(v, outs, is_out_tuple, "vjp", create_graph, _V_OUT)
    res = _pulled(outs, ins, v, strict, create_graph, "back")
    return _returned(outs, is_out_tuple, res, is_in_tuple, create_graph)


def jvp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """The Jacobian-vector product ``d func / d inputs . v`` at ``inputs``.

    Computed as PyTorch does here, with the double-vjp trick: a recorded backward sweep
    from a dummy seed ``u`` gives ``J^T u``; the vjp of that with respect to ``u`` is
    ``J v``. Two backward sweeps.

    Args:
        func: takes the input tensors, returns a tensor or a tuple of tensors.
        inputs: a tensor or a tuple of tensors.
        v: the vector, shaped as ``inputs``; may be left out for a single one-element input.
        create_graph: record the sweeps, so that the results can be differentiated again.
        strict: raise PyTorch's errors, not return zeros, where an output does not depend
            on the inputs.

    Returns:
        ``(func(inputs), jvp)``; ``jvp`` is shaped as the output.
    """
    with enable_grad():
        is_in_tuple, ins = _as_tuple(inputs, "inputs", "jvp")
        ins = _lift(ins, create_graph)
        v = _vector(v, ins, is_in_tuple, "jvp", create_graph, _V_IN)
        is_out_tuple, outs = _call(func, ins, "jvp", strict)
        push = _func._double_vjp(outs, ins, _func._seed)
        _check_strict(tuple(push.back), "grad_inputs", strict)
    with set_grad_enabled(create_graph or is_grad_enabled()):
        res = _zeros_for_none(push(v, create_graph), outs, strict, create_graph, "back_trick")
    return _returned(outs, is_out_tuple, res, is_out_tuple, create_graph)


def _second(func: Callable, inputs: Any, v: Any, create_graph: bool, strict: bool,
            fn: str) -> tuple[bool, tuple, tuple, tuple, bool, tuple]:
    """What :func:`vhp` and :func:`hvp` share: the inputs, ``v``, the output and the
    gradient (recorded), all checked."""
    is_in_tuple, ins = _as_tuple(inputs, "inputs", fn)
    ins = _lift(ins, create_graph)
    v = _vector(v, ins, is_in_tuple, fn, create_graph, _V_IN)
    is_out_tuple, outs = _call(func, ins, fn, strict)
    _single(outs, is_out_tuple, fn)
    jac = tuple(_func._pullback(outs, ins, [None], True))
    _check_strict(jac, "jacobian", strict)
    return is_in_tuple, ins, v, outs, is_out_tuple, jac


def vhp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """The vector-Hessian product ``v . H`` of a scalar function, without forming ``H``.

    Two backward sweeps: the gradient (recorded), then its vjp with ``v``.

    Args:
        func: takes the input tensors, returns a one-element tensor.
        inputs: a tensor or a tuple of tensors.
        v: the vector, shaped as ``inputs``; may be left out for a single one-element input.
        create_graph: record the sweeps, so that the results can be differentiated again.
        strict: raise PyTorch's errors, not return zeros, where the gradient does not
            depend on an input.

    Returns:
        ``(func(inputs), vhp)``; ``vhp`` is shaped as ``inputs``.
    """
    with enable_grad():
        is_in_tuple, ins, v, outs, is_out_tuple, jac = _second(func, inputs, v, create_graph,
                                                               strict, "vhp")
    res = _pulled(jac, ins, v, strict, create_graph, "double_back")
    return _returned(outs, is_out_tuple, res, is_in_tuple, create_graph)


def hvp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """The Hessian-vector product ``H . v`` of a scalar function, without forming ``H``.

    As PyTorch, with the double-vjp trick on the gradient: three backward sweeps. For the
    symmetric Hessian of a twice continuously differentiable function it equals
    :func:`vhp`, which takes the same arguments and returns ``(func(inputs), hvp)`` in the
    same way.
    """
    with enable_grad():
        is_in_tuple, ins, v, outs, is_out_tuple, jac = _second(func, inputs, v, create_graph,
                                                               strict, "hvp")
        push = _func._double_vjp(jac, ins, _func._seed)
        _check_strict(jac, "hessian", strict)
    with set_grad_enabled(create_graph or is_grad_enabled()):
        res = _zeros_for_none(push(v, create_graph), ins, strict, create_graph,
                              "double_back_trick")
    return _returned(outs, is_out_tuple, res, is_in_tuple, create_graph)


# ----------------------------------------------------------------------------------------
# Jacobian and Hessian
# ----------------------------------------------------------------------------------------
def jacobian(func: Callable, inputs: Any, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode") -> Any:
    """The Jacobian of ``func`` at ``inputs``.

    ``"reverse-mode"`` takes it by rows, one backward sweep per output element (cheap when
    the output is small); ``"forward-mode"`` by columns, one Jacobian-vector product per
    input element (cheap when the input is small). The results are the same.

    Args:
        func: takes the input tensors, returns a tensor or a tuple of tensors.
        inputs: a tensor or a tuple of tensors.
        create_graph: record the sweeps, so that the result can be differentiated again.
        strict: raise PyTorch's errors, not return zeros, where an output does not depend
            on an input.
        vectorize: PyTorch's batched computation; here the same loop, the same result.
            PyTorch requires it for ``strategy="forward-mode"``, and so does this.
        strategy: ``"reverse-mode"`` or ``"forward-mode"``.

    Returns:
        For one input and one output a tensor of shape ``output.shape + input.shape``; a
        tuple over the inputs or the outputs where they were a tuple; a tuple (per output)
        of tuples (per input) where both were.

    Example:
        >>> import tinygrad_lite as torch
        >>> torch.autograd.functional.jacobian(lambda x, y: x * y,
        ...                                    (torch.tensor([1., 2.]), torch.tensor([3., 4.])))
        (tensor([[3., 0.],
                [0., 4.]]), tensor([[1., 0.],
                [0., 2.]]))
    """
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError(
            'Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your '
            'function has more outputs than inputs, "forward-mode" tends to be more performant. '
            'Otherwise, prefer to use "reverse-mode".')
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError(
                "torch.autograd.functional.jacobian: `create_graph=True` and "
                '`strategy="forward-mode"` are not supported together (yet). Please either set '
                '`create_graph=False` or `strategy="reverse-mode"`.')
        return _jacobian_by_columns(func, inputs, strict, vectorize, keep_graph=False)
    with enable_grad():
        is_in_tuple, ins = _as_tuple(inputs, "inputs", "jacobian")
        ins = _lift(ins, create_graph)
        is_out_tuple, outs = _call(func, ins, "jacobian", strict)
        if vectorize and strict:
            raise RuntimeError(
                "torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are "
                "not supported together. Please either set `strict=False` or "
                "`vectorize=False`.")
        jac = tuple(tuple(row) for row in _func._rows(outs, ins, create_graph, strict))
    return _unpack2(_finish(jac, create_graph), is_out_tuple, is_in_tuple)


def _jacobian_by_columns(func: Callable, inputs: Any, strict: bool, vectorize: bool,
                         keep_graph: bool) -> Any:
    """``jacobian(..., strategy="forward-mode")``: one jvp (double-vjp trick) per column.

    PyTorch runs ``func`` on its inputs themselves (dual tensors); its result keeps a graph
    where those inputs require grad. Here ``func`` runs on lifted stand-ins, and the result
    keeps its graph where it reaches outside them, or always with ``keep_graph`` (PyTorch's
    forward-over-reverse Hessian, whose inner function marks its inputs as requiring grad).
    """
    if strict:
        raise RuntimeError(
            "torch.autograd.functional.jacobian: `strict=True` and "
            '`strategy="forward-mode"` are not supported together (yet). Please either set '
            '`strict=False` or `strategy="reverse-mode"`.')
    is_in_tuple, ins = _as_tuple(inputs, "inputs", "jacobian")
    if not vectorize:
        raise NotImplementedError(
            "Computing Jacobian using forward-AD or forward-over-reverse Hessian is"
            "only implemented for `vectorize=True`.")
    level = _func._Level()
    with enable_grad():
        lifted = [level.lift(x) for x in ins]
        is_out_tuple, outs = _as_tuple(func(*lifted), "outputs", None)
        push = _func._double_vjp(outs, lifted, level.zeros)
        jac = _func._columns(push, outs, lifted, create_graph=True)
    # lists of lists, not tuples: what PyTorch's forward mode returns
    return _unpack2(jac if keep_graph else level.lower(jac), is_out_tuple, is_in_tuple)


def hessian(func: Callable, inputs: Any, create_graph: bool = False, strict: bool = False,
            vectorize: bool = False, outer_jacobian_strategy: str = "reverse-mode") -> Any:
    """The Hessian of a scalar function at ``inputs``: the Jacobian of its gradient.

    The gradient is taken by a recorded backward sweep; its Jacobian by rows
    (``"reverse-mode"``, reverse-over-reverse) or by columns (``"forward-mode"``,
    forward-over-reverse, which PyTorch allows only with ``vectorize=True``).

    Args:
        func: takes the input tensors, returns a one-element tensor.
        inputs: a tensor or a tuple of tensors.
        create_graph: record the sweeps, so that the result can be differentiated again.
        strict: raise PyTorch's errors where the gradient does not depend on an input.
        vectorize: as in :func:`jacobian`.
        outer_jacobian_strategy: how the outer Jacobian is taken.

    Returns:
        For one input of shape ``I`` a tensor of shape ``I + I``; for a tuple of inputs a
        tuple of tuples: ``hessian(f, (x, y))[i][j]`` is ``d^2 f / d input_i d input_j``.

    Example:
        >>> import tinygrad_lite as torch
        >>> torch.autograd.functional.hessian(lambda x: (x ** 3).sum(), torch.tensor([1., 2.]))
        tensor([[ 6.,  0.],
                [ 0., 12.]])
    """
    is_in_tuple, ins = _as_tuple(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')
    forward = outer_jacobian_strategy == "forward-mode"

    def scalar(*xs: Tensor) -> Tensor:
        is_tuple, outs = _call(func, xs, "hessian", strict)
        _single(outs, is_tuple, "hessian")
        return outs[0].squeeze()

    def gradient(*xs: Tensor) -> tuple:
        jac = jacobian(scalar, xs, create_graph=True)
        _check_strict(jac, "jacobian", strict)
        return jac

    if forward:
        if create_graph:
            return jacobian(gradient, ins, create_graph, strict, vectorize, "forward-mode")
        res = _jacobian_by_columns(gradient, ins, strict, vectorize, keep_graph=True)
    else:
        res = jacobian(gradient, ins, create_graph, strict, vectorize)
    return _unpack2(res, is_in_tuple, is_in_tuple)
