"""``nn.functional``: activations, ``linear`` and the losses, with PyTorch's semantics.

``linear`` and each loss are ONE primitive of the tape, written as in
:mod:`tinygrad_lite.ops`: a class with ``name`` (the ``grad_fn`` PyTorch prints), a
``forward`` rule on raw values and a ``backward`` rule, side by side. The backward rules use
only operations that also work on Tensors, so second derivatives
(``create_graph=True``) come for free.

Notation in the docstrings: ``x`` the input, ``y`` the target, ``w`` a weight, ``g`` the
adjoint of the output and ``N`` the number of elements (reduction ``'mean'`` divides by it).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from .. import _dtype as D
from .. import _inplace, _libm, ops
from .._cascade import nll_sums
from .._tensor import _SCALAR_NAMES, Tensor, _apply, _broadcast_error, _recording, _wrap
from ..ops import Op, _reduced, div, like, log, reshape, shape, sum_to

__all__ = [
    "relu", "sigmoid", "tanh", "softmax", "log_softmax", "linear", "mse_loss",
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "nll_loss", "cross_entropy",
]

# binary_cross_entropy's floor for x (1 - x) in the gradient: PyTorch's 1e-12, a C float
_EPSILON = float(np.float32(1e-12))

# PyTorch's names for dtypes in error messages ("expected ... but got Float")
_SCALAR_TYPE = {name: pair[0] for name, pair in _SCALAR_NAMES.items()}
_C_TYPE = {"float16": "c10::Half", "float32": "float", "float64": "double"}


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------
def _get_reduction(reduction: str, size_average: bool | None = None,
                   reduce: bool | None = None, stacklevel: int = 3) -> str:
    """The reduction to use, from ``reduction`` or the deprecated ``size_average`` and
    ``reduce`` flags (with PyTorch's warning).

    Raises:
        ValueError: ``{reduction} is not a valid value for reduction``.
    """
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = "mean" if size_average and reduce else "sum" if reduce else "none"
        warnings.warn("size_average and reduce args will be deprecated, please use "
                      f"reduction='{reduction}' instead.", UserWarning, stacklevel=stacklevel)
    if reduction == "elementwise_mean":
        warnings.warn("reduction='elementwise_mean' is deprecated. Please use reduction='mean' "
                      "instead.", UserWarning, stacklevel=stacklevel)
        return "mean"
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _numel(x: Any) -> int:
    return math.prod(shape(x))


def _unreduce(grad: Any, x: Any, reduction: str) -> Any:
    """The adjoint of an elementwise loss term from ``grad``: divided by N for 'mean' (for
    Tensors ``DivBackward1``, as PyTorch's ``grad_input.div_(numel)``)."""
    return ops.over(grad, _numel(x)) if reduction == "mean" else grad


def _clamp_min(x: Any, lo: float) -> Any:
    """``max(x, lo)`` for raw values and Tensors."""
    return np.maximum(x, lo) if isinstance(x, ops._RAW) else x.clamp(min=lo)


def _log_sigmoid(x: Any) -> Any:
    """log(sigmoid(x)) = min(x, 0) - log(1 + exp(-|x|)), which never overflows.

    On Tensors (under ``create_graph``) it is recorded as ``log(sigmoid(x))``.
    """
    if isinstance(x, ops._RAW):
        return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))
    return x.sigmoid().log()


def _no_grad_args(fn: str, **tensors: Tensor | None) -> None:
    """Refuse weights that require grad, as PyTorch does (they are not differentiated).

    Raises:
        RuntimeError: with PyTorch's message.
    """
    for arg, t in tensors.items():
        if t is not None and t.requires_grad and _recording():
            raise RuntimeError(f"The function '{fn}' is not differentiable with respect to "
                               f"argument '{arg}'. This input cannot have requires_grad True.")


def _not_implemented(kernel: str, t: Tensor) -> NotImplementedError:
    """PyTorch's error for a kernel that has no version for ``t``'s dtype."""
    return NotImplementedError(f'"{kernel}" not implemented for \'{_dtype_word(t)}\'')


def _into(x: Any, dt: np.dtype) -> Any:
    """``x`` stored into dtype ``dt``: what an in-place PyTorch op (``a.mul_(b)``) keeps."""
    return x if np.result_type(x) == dt else np.asarray(x).astype(dt)


def _broadcast_shapes(*shapes: tuple[int, ...]) -> tuple[int, ...]:
    """The common shape of ``shapes``, or PyTorch's error for ``torch.broadcast_shapes``."""
    result = list(shapes[0])
    for j, s in enumerate(shapes[1:], 1):
        result = [1] * (len(s) - len(result)) + result
        for i in range(-1, -len(s) - 1, -1):
            if s[i] != result[i] and result[i] != 1 and s[i] != 1:
                raise RuntimeError(
                    f"Attempting to broadcast a dimension of length {s[i]} at {i}! Mismatching "
                    f"argument at index {j} had torch.Size({list(s)}); but expected shape "
                    f"should be broadcastable to {result}")
            if result[i] == 1:
                result[i] = s[i]
    return tuple(result)


# --------------------------------------------------------------------------------------
# Activations (Tensor methods already; here under PyTorch's functional names)
# --------------------------------------------------------------------------------------
def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(input, 0) elementwise; with ``inplace``, into ``input`` itself (recorded as
    PyTorch's ``relu_``)."""
    return input.relu_() if inplace else input.relu()


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + exp(-input)) elementwise."""
    return input.sigmoid()


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent elementwise."""
    return input.tanh()


def _softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  "to include dim=X as an argument.", UserWarning, stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype: Any = None) -> Tensor:
    """exp(input) / sum(exp(input)) along ``dim`` (chosen as PyTorch does, with its
    warning, when None); ``dtype`` converts the input first."""
    if dim is None:
        dim = _softmax_dim("softmax", input.dim(), _stacklevel)
    return (input if dtype is None else input.to(dtype)).softmax(dim)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
                dtype: Any = None) -> Tensor:
    """log(softmax(input)) along ``dim``, computed stably."""
    if dim is None:
        dim = _softmax_dim("log_softmax", input.dim(), _stacklevel)
    return (input if dtype is None else input.to(dtype)).log_softmax(dim)


# --------------------------------------------------------------------------------------
# addmm and linear: y = x @ w.T + b
# --------------------------------------------------------------------------------------
class Addmm(Op):
    """``beta * b + alpha * (m1 @ m2)``: matrices m1 (n, k) and m2 (k, p), b broadcast to
    (n, p) (ctx: (m1 needs a gradient, m2 needs a gradient, beta, alpha)).

    d/db = beta g (summed down to b's shape);  d/dm1 = alpha g @ m2.T;
    d/dm2 = alpha m1.T @ g, each product taken in the layout PyTorch takes it (an operand
    laid out by columns, as ``nn.Linear``'s ``m2 = w.t()``, gets its gradient as the
    transpose of a product: :meth:`ops.MatMul.layout_grads`).
    """

    name = "AddmmBackward0"

    @staticmethod
    def forward(ctx, b, m1, m2):
        beta, alpha = ctx[2:]
        y = ops.matmul_arrays(m1, m2)  # (MKL's orders: m2 = w.t() is nn.Linear's layout)
        if alpha != 1:
            y = y * alpha
        if beta == 0:  # as PyTorch: b is not read (a nan in it does not show)
            return y
        return y + (b if beta == 1 else b * beta)

    @staticmethod
    def backward(ctx, g, out, b, m1, m2):
        beta, alpha = ctx[2:]
        gm1, gm2 = ops.MatMul.layout_grads(ctx[:2], g, m1, m2)
        if alpha != 1:
            gm1, gm2 = (None if x is None else ops.times(x, alpha) for x in (gm1, gm2))
        gb = sum_to(g if beta == 1 else ops.times(g, beta), b)
        return gb, gm1, gm2

    @classmethod
    def jvp(cls, ctx, t, out, b, m1, m2):  # beta db + alpha (dm1 m2 + m1 dm2)
        beta, alpha = ctx[2:]
        tb, t1, t2 = t
        prods = ops.tsum(None if t1 is None else ops.matmul_arrays(t1, m2),
                         None if t2 is None else ops.matmul_arrays(m1, t2))
        if prods is not None and alpha != 1:
            prods = prods * alpha
        if tb is not None and beta != 0:
            tb = np.broadcast_to(tb if beta == 1 else tb * beta, out.shape)
            return tb if prods is None else prods + tb
        return prods


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1,
          out: Any = None) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)``, ``input`` broadcast to the product's shape
    (with ``beta=0`` it is not read).

    Raises:
        RuntimeError: with PyTorch's messages for operands that are not matrices, sizes
            that do not multiply or broadcast, and mixed dtypes.
    """
    if out is not None:
        raise TypeError("addmm: out= is not supported by tinygrad_lite")
    for name, m in (("mat1", mat1), ("mat2", mat2)):
        if m.dim() != 2:
            raise RuntimeError(f"{name} must be a matrix, got {m.dim()}-D tensor")
    (n, k), (k2, p) = mat1.shape, mat2.shape
    if k != k2:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({n}x{k} and {k2}x{p})")
    for name, x in (("self", input), ("mat1", mat1)):
        if x.dtype is not mat2.dtype:
            raise RuntimeError(f"{name} and mat2 must have the same dtype, but got "
                               f"{_SCALAR_NAMES[x.dtype.name][0]} and "
                               f"{_SCALAR_NAMES[mat2.dtype.name][0]}")
    if tuple(input.shape) != (n, p):
        input.expand(n, p)  # PyTorch's errors for an input that does not broadcast
    return _addmm(input, mat1, mat2, beta, alpha)


def _addmm(b: Tensor, m1: Tensor, m2: Tensor, beta: Any = 1, alpha: Any = 1) -> Tensor:
    return _apply(Addmm, (b, m1, m2), (m1.requires_grad, m2.requires_grad, beta, alpha))


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias``: what ``nn.Linear`` computes, composed as PyTorch
    composes it, so that its graph has PyTorch's records: ``addmm(bias, input, weight.t())``
    for a 2-D input; a contiguous input of other ranks flattened to 2-D for that, and its
    result viewed back; otherwise (no bias, or a strided input) ``matmul(input,
    weight.t())`` with the bias added in place.

    Args:
        input: (..., in_features).
        weight: (out_features, in_features).
        bias: (out_features,), or None.

    Raises:
        RuntimeError: for mismatched shapes or dtypes, with PyTorch's messages.
    """
    if input.dtype is not weight.dtype:
        raise RuntimeError("expected m1 and m2 to have the same dtype, but got: "
                           f"{_C_TYPE.get(input.dtype.name, input.dtype.name)} != "
                           f"{_C_TYPE.get(weight.dtype.name, weight.dtype.name)}")
    xs, ws = input.shape, weight.shape
    if xs[-1] != ws[-1]:
        rows = math.prod(xs[:-1])
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{xs[-1]} and "
                           f"{ws[1]}x{ws[0]})")
    wt = weight.t()
    if bias is not None and (input.dim() == 2 or (input.is_contiguous() and (
            input.dim() > 2 or bias.dim() == 1))):
        two_d = input.dim() == 2
        flat = input if two_d else input.reshape(math.prod(xs[:-1]), xs[-1])
        try:
            np.broadcast_shapes(tuple(bias.shape), (flat.shape[0], ws[0]))
        except ValueError:
            raise _broadcast_error((*xs[:-1], ws[0]), tuple(bias.shape)) from None
        y = _addmm(bias, flat, wt)
        return y if two_d else y.view(*xs[:-1], ws[0])
    y = input.matmul(wt)
    if bias is None:
        return y
    from ..autograd import forward_ad

    if forward_ad._tangent_of(bias) is not None:  # as PyTorch: out of place for a dual
        return y + bias
    return y.add_(bias)


# --------------------------------------------------------------------------------------
# Mean squared error
# --------------------------------------------------------------------------------------
class MseLoss(Op):
    """loss = (x - y)^2, reduced, in the dtype both promote to (ctx: the reduction and
    that NumPy dtype).

    d/dx = 2 (x - y) g,  d/dy = -2 (x - y) g  (divided by N for 'mean').
    """

    name = "MseLossBackward0"

    @staticmethod
    def forward(ctx, x, y):
        reduction, dt = ctx
        d = _into(x, dt) - _into(y, dt)
        return _reduced(d * d, reduction)

    @staticmethod
    def backward(ctx, g, out, x, y):
        if not isinstance(g, ops._RAW):  # recorded as PyTorch's: mse_loss_backward(g, x, y)
            return _apply(MseLossGrad, (g, x, y), ctx), _apply(MseLossGrad, (g, y, x), ctx)
        gx = _mse_norm(ctx, x) * (x - y) * g
        return gx, -gx

    @classmethod
    def jvp(cls, ctx, t, out, x, y):
        return ops.loss_jvp(cls, ctx, t, out, (x, y), ctx[0])


def _mse_norm(ctx: Any, x: Any) -> float:
    """The factor of mse_loss's gradient: 2, over N for 'mean'."""
    return 2.0 / _numel(x) if ctx[0] == "mean" else 2.0


class MseLossGrad(Op):
    """The gradient of mse_loss in ``x`` as a record of its own, of (g, x, y): PyTorch's
    ``mse_loss_backward``, ``norm * (x - y) * g`` (ctx: MseLoss's; the gradient in ``y`` is
    the record of (g, y, x))."""

    name = "MseLossBackwardBackward0"

    @staticmethod
    def forward(ctx, g, x, y):
        dt = ctx[1]
        return _mse_norm(ctx, x) * (_into(x, dt) - _into(y, dt)) * g

    @staticmethod
    def backward(ctx, gg, out, g, x, y):
        norm = _mse_norm(ctx, x)
        gx = norm * g * gg
        return sum_to(gg * (norm * (x - y)), g), gx, -gx

    @staticmethod
    def jvp(ctx, t, out, g, x, y):
        tg, tx, ty = t
        norm = _mse_norm(ctx, x)
        d = ops.tsum(tx, None if ty is None else -ty)
        return ops.tsum(None if tg is None else norm * (x - y) * tg,
                        None if d is None else norm * d * g)


def mse_loss(input: Tensor, target: Tensor, size_average: bool | None = None,
             reduce: bool | None = None, reduction: str = "mean",
             weight: Tensor | None = None) -> Tensor:
    """Mean squared error: reduce((input - target)^2).

    Args:
        input: predictions.
        target: targets; a different shape is broadcast, with PyTorch's warning.
        size_average: deprecated (see ``reduction``).
        reduce: deprecated (see ``reduction``).
        reduction: ``'mean'``, ``'sum'`` or ``'none'``.
        weight: per-element weights (same size as input); 'mean' then divides by their sum.
    """
    x, y, reduction = _loss_inputs(input, target, reduction, size_average, reduce)
    if weight is not None:
        return _weighted((x - y) ** 2, weight, input, reduction)
    dt = D.promote_types(input.dtype, target.dtype)
    if not dt.is_floating_point:
        raise NotImplementedError(f'"mse_cpu" not implemented for \'{_SCALAR_TYPE[dt.name]}\'')
    return _apply(MseLoss, (x, y), (_get_reduction(reduction), dt.np))


# --------------------------------------------------------------------------------------
# Binary cross-entropy on probabilities
# --------------------------------------------------------------------------------------
class BinaryCrossEntropy(Op):
    """loss = -w [y log(x) + (1 - y) log(1 - x)], each log clamped at -100, so that x = 0
    or 1 gives a loss of 100, not inf (ctx: (w or None, reduction)).

    d/dx = w g (x - y) / max(x (1 - x), 1e-12);  d/dy = w g (log(1 - x) - log(x))
    (divided by N for 'mean').
    """

    name = "BinaryCrossEntropyBackward0"

    @staticmethod
    def forward(ctx, x, y):
        w, reduction = ctx
        with np.errstate(divide="ignore"):  # PyTorch's scalar kernel calls the C library
            loss = (y - 1) * np.maximum(_libm.log1p(-x), -100) - y * np.maximum(_libm.log(x), -100)
        if w is not None:
            loss = _into(loss * w, np.result_type(x))
        return _reduced(loss, reduction)

    @staticmethod
    def backward(ctx, g, out, x, y):
        w, reduction = ctx
        if isinstance(g, ops._RAW):
            gx = _bce_grad(ctx, g, x, y)
            gy = -log(div(x, 1 - x)) * g
        else:  # recorded as PyTorch's: binary_cross_entropy_backward(g, x, y) for x, and
            gx = _apply(BinaryCrossEntropyGrad, (g, x, y), ctx)  # -logit(x) * g for y
            gy = -x.logit() * g
        if w is not None:
            gy = gy * like(w, g)
        return gx, _unreduce(gy, x, reduction)

    @classmethod
    def jvp(cls, ctx, t, out, x, y):
        return ops.loss_jvp(cls, ctx, t, out, (x, y), ctx[1])


def _bce_scaled(ctx: Any, v: Any, x: Any) -> Any:
    """``v`` times the weights (if any), over N for 'mean'."""
    w, reduction = ctx
    return _unreduce(v if w is None else v * like(w, v), x, reduction)


def _bce_grad(ctx: Any, g: Any, x: Any, y: Any) -> Any:
    """d/dx of binary_cross_entropy: ``w g (x - y) / max(x (1 - x), 1e-12)`` (over N)."""
    return _bce_scaled(ctx, div(g * (x - y), _clamp_min((1 - x) * x, _EPSILON)), x)


class BinaryCrossEntropyGrad(Op):
    """The gradient of binary_cross_entropy in ``x`` as a record of its own, of (g, x, y):
    PyTorch's ``binary_cross_entropy_backward`` (ctx: BinaryCrossEntropy's). Its
    derivatives are PyTorch's double-backward formulas, with 1e-12 added where they add
    it: in g, ``w (x - y) / ((x + e)(1 - x + e))``; in x, ``w g (x^2 - 2xy + y) /
    ((x + e)^2 (1 - x + e)^2)``; in y, ``-w g / max(x (1 - x), e)`` (each over N)."""

    name = "BinaryCrossEntropyBackwardBackward0"

    @staticmethod
    def forward(ctx, g, x, y):
        return _bce_grad(ctx, g, x, y)

    @staticmethod
    def factors(ctx: Any, g: Any, x: Any, y: Any) -> tuple[Any, Any, Any]:
        """What the adjoint (or tangent) of the gradient is multiplied by, for g, x, y."""
        e = 1e-12
        dg = _bce_scaled(ctx, div(x - y, (x + e) * (1 - x + e)), x)
        dx = _bce_scaled(ctx, div((x * x - x * y * 2 + y) * g,
                                  ((x + e) * (x + e)) * ((1 - x + e) * (1 - x + e))), x)
        dy = _bce_scaled(ctx, div(-g, _clamp_min((1 - x) * x, _EPSILON)), x)
        return dg, dx, dy

    @staticmethod
    def backward(ctx, gg, out, g, x, y):
        dg, dx, dy = BinaryCrossEntropyGrad.factors(ctx, g, x, y)
        return sum_to(gg * dg, g), gg * dx, gg * dy

    @staticmethod
    def jvp(ctx, t, out, g, x, y):
        fs = BinaryCrossEntropyGrad.factors(ctx, g, x, y)
        return ops.tsum(*(None if ti is None else f * ti for f, ti in zip(fs, t)))


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         size_average: bool | None = None, reduce: bool | None = None,
                         reduction: str = "mean") -> Tensor:
    """Binary cross-entropy between probabilities ``input`` and targets in [0, 1].

    Args:
        input: probabilities in [0, 1] (e.g. the output of a sigmoid).
        target: same shape as input, values in [0, 1].
        weight: rescales each element's loss (broadcast to the input's shape).
        size_average: deprecated (see ``reduction``).
        reduce: deprecated (see ``reduction``).
        reduction: ``'mean'``, ``'sum'`` or ``'none'``.

    Raises:
        ValueError: if target and input sizes differ.
        RuntimeError: for values outside [0, 1].
    """
    reduction = _get_reduction(reduction, size_average, reduce)
    if target.shape != input.shape:
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input "
                         f"size ({input.shape}) is deprecated. Please ensure they have the same "
                         "size.")
    _no_grad_args("binary_cross_entropy", weight=weight)
    if target.dtype is not input.dtype:
        raise RuntimeError(f"Found dtype {_dtype_word(target)} but expected {_dtype_word(input)}")
    if not input.dtype.is_floating_point:
        raise _not_implemented("binary_cross_entropy", input)
    x, y = input._data, target._data
    if not np.all((np.asarray(x) >= 0) & (np.asarray(x) <= 1)):
        raise RuntimeError("all elements of input should be between 0 and 1")
    if not np.all((np.asarray(y) >= 0) & (np.asarray(y) <= 1)):
        raise RuntimeError("all elements of target should be between 0 and 1")
    w = None
    if weight is not None:
        w = np.broadcast_to(weight._data, _broadcast_shapes(target.shape, weight.shape))
    return _apply(BinaryCrossEntropy, (input, target), (w, reduction))


# --------------------------------------------------------------------------------------
# Binary cross-entropy on logits
# --------------------------------------------------------------------------------------
class BinaryCrossEntropyWithLogits(Op):
    """loss = w [(1 - y) x - (1 + (p - 1) y) log_sigmoid(x)], the binary cross-entropy of
    sigmoid(x), computed without overflow; p is ``pos_weight`` (1 if absent).
    ctx = (w or None, p or None, reduction).

    d/dx = w g [(p y + 1 - y) sigmoid(x) - p y]  (= w g (sigmoid(x) - y) when p = 1);
    d/dy = w g [log_sigmoid(-x) - p log_sigmoid(x)]  (= -w g x when p = 1);
    both divided by N for 'mean'.
    """

    name = "BinaryCrossEntropyWithLogitsBackward0"

    @staticmethod
    def forward(ctx, x, y):  # as PyTorch's, whose in-place steps keep the target's dtype
        w, p, reduction = ctx
        dt = np.result_type(y)
        log_sig = _log_sigmoid(x)
        if p is not None:
            log_sig = _into(log_sig * ((p - 1) * y + 1), np.result_type(x))
        loss = _into(_into((1 - y) * x, dt) - log_sig, dt)
        if w is not None:
            loss = _into(loss * w, dt)
        return _reduced(loss, reduction)

    @staticmethod
    def backward(ctx, g, out, x, y):
        w, p, reduction = ctx
        if p is None:
            gx = (ops.sigmoid(x) - y) * g
            gy = -x * g
        else:
            p = like(p, g)
            t = p * y
            gx = ((t + 1 - y) * ops.sigmoid(x) - t) * g
            gy = (_log_sigmoid(-x) - p * _log_sigmoid(x)) * g
        if w is not None:
            gx, gy = gx * like(w, g), gy * like(w, g)
        return _unreduce(gx, x, reduction), _unreduce(gy, x, reduction)

    @classmethod
    def jvp(cls, ctx, t, out, x, y):
        return ops.loss_jvp(cls, ctx, t, out, (x, y), ctx[2])


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor,
                                     weight: Tensor | None = None,
                                     size_average: bool | None = None,
                                     reduce: bool | None = None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """Binary cross-entropy of ``sigmoid(input)``, computed stably from the logits.

    Args:
        input: logits.
        target: same shape as input, values in [0, 1].
        weight: rescales each element's loss (broadcast).
        size_average: deprecated (see ``reduction``).
        reduce: deprecated (see ``reduction``).
        reduction: ``'mean'``, ``'sum'`` or ``'none'``.
        pos_weight: weight of the positive term, per class (broadcast along the last dim).

    Raises:
        ValueError: if target and input sizes differ.
    """
    reduction = _get_reduction(reduction, size_average, reduce)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size "
                         f"({input.shape})")
    _no_grad_args("binary_cross_entropy_with_logits", weight=weight, pos_weight=pos_weight)
    if not input.dtype.is_floating_point:
        raise _not_implemented("log_sigmoid_cpu", input)
    if target.dtype is D.bool:  # PyTorch computes 1 - target
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                           "supported. Use the `^` or `logical_xor()` operator instead.")
    if not target.dtype.is_floating_point:  # then (1 - target).mul_(input)
        raise RuntimeError(f"result type {_dtype_word(input)} can't be cast to the desired "
                           f"output type {_dtype_word(target)}")
    w = None if weight is None else weight._data
    p = None if pos_weight is None else pos_weight._data
    return _apply(BinaryCrossEntropyWithLogits, (input, target), (w, p, reduction))


# --------------------------------------------------------------------------------------
# Negative log-likelihood (class-index targets)
# --------------------------------------------------------------------------------------
class NllLoss(Op):
    """loss_i = -w[t_i] x[i, t_i] (0 where t_i is ``ignore_index``); 'sum' adds them up,
    'mean' divides the sum by the total weight sum_i w[t_i] (over kept samples).

    d/dx[i, c] = -w[t_i] g_i (divided by the total weight for 'mean') where c == t_i, 0
    elsewhere. ctx = (t with ignored entries set to 0, w[t] (0 where ignored), kept-sample
    mask, class dim, reduction).
    """

    name = "NllLossBackward0"

    @staticmethod
    def forward(ctx, x):
        t, wt, keep, cd, reduction = ctx
        picked = np.take_along_axis(np.asarray(x), np.expand_dims(t, cd), cd).squeeze(cd)
        with np.errstate(invalid="ignore", divide="ignore"):
            if reduction != "none" and _torch_sums(x):  # PyTorch's order, for its bits
                total, weight = nll_sums((picked * wt).reshape(-1), keep.reshape(-1),
                                         wt.reshape(-1))
                return np.asarray(total if reduction == "sum" else total / weight)
            loss = np.where(keep, -wt * picked, 0)
            if reduction == "none":
                return loss
            total = np.sum(loss)
            return total if reduction == "sum" else total / np.sum(wt)

    @classmethod
    def backward(cls, ctx, g, out, x):
        if not isinstance(g, ops._RAW):  # recorded as PyTorch's nll_loss_backward(g, x)
            return _apply(cls.grad, (g, x), ctx)
        return _nll_grad(ctx, g, x)

    @classmethod
    def jvp(cls, ctx, t, out, x):  # 'none': each sample's loss reads its row only
        w = cls.backward(ctx, ops.ones_of(out), out, x) * t
        return np.sum(w, axis=ctx[3]) if ctx[4] == "none" else np.sum(w)


def _nll_grad(ctx: Any, g: Any, x: Any) -> Any:
    """d/dx of nll_loss (ctx: NllLoss's) from ``g``, for the input ``x`` (its shape; and
    for float32, the total weight summed in PyTorch's order)."""
    t, wt, keep, cd, reduction = ctx
    m = np.zeros(np.shape(x), dtype=wt.dtype)
    if reduction != "none" and _torch_sums(x) and isinstance(g, np.ndarray | np.generic):
        # PyTorch's rule: -(g / total weight) (or -g), times each sample's weight
        grad = -g if reduction == "sum" else -(g / nll_sums(wt.reshape(-1), keep.reshape(-1),
                                                           wt.reshape(-1))[1])
        np.put_along_axis(m, np.expand_dims(t, cd),
                          np.expand_dims(np.where(keep, wt * grad, 0), cd), cd)
        return m
    coef = -wt
    if reduction == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):
            coef = np.where(keep, coef / np.sum(wt), 0)
    else:
        g = reshape(g, np.shape(np.expand_dims(t, cd))) if reduction == "none" else g
    np.put_along_axis(m, np.expand_dims(t, cd), np.expand_dims(coef, cd), cd)
    return g * like(m, g)


class NllLossGrad(Op):
    """The gradient of nll_loss as a record of its own, of (g, x), as PyTorch's
    ``nll_loss_backward`` (ctx: NllLoss's): linear in ``g``, whose gradient is nll_loss of
    the incoming ``gg``; it reads only the shape of ``x``, whose gradient is 0."""

    name, saves = "NllLossBackwardBackward0", False
    loss = NllLoss

    @staticmethod
    def forward(ctx, g, x):
        return _nll_grad(ctx, g, x)

    @classmethod
    def backward(cls, ctx, gg, out, g, x):
        if isinstance(gg, ops._RAW):
            return cls.loss.forward(ctx, gg), ops.zeros(x)
        return _apply(cls.loss, (gg,), ctx), ops.zeros(x)

    @classmethod
    def jvp(cls, ctx, t, out, g, x):
        tg = t[0]
        return None if tg is None else _nll_grad(ctx, tg, x)


def _torch_sums(x: Any) -> bool:
    """Whether ``nll_loss`` of ``x`` reduces in PyTorch's float32 order here (the (N, C)
    and (C,) inputs; the spatial kernel is not reproduced)."""
    return isinstance(x, np.ndarray) and x.dtype == np.float32 and x.ndim <= 2


class NllLoss2d(NllLoss):
    name = "NllLoss2DBackward0"  # PyTorch's record for inputs with spatial dims


class NllLoss2dGrad(NllLossGrad):
    name, loss = "NllLoss2DBackwardBackward0", NllLoss2d


NllLoss.grad, NllLoss2d.grad = NllLossGrad, NllLoss2dGrad


def _dtype_word(t: Tensor) -> str:
    return _SCALAR_TYPE.get(t.dtype.name, t.dtype.name)


def _class_weights(weight: Tensor | None, n_classes: int, prefix: str = "") -> None:
    if weight is not None and (weight.dim() != 1 or weight.numel() != n_classes):
        raise RuntimeError(f"{prefix}weight tensor should be defined either for all {n_classes} "
                           f"classes or no classes but got weight tensor of shape: "
                           f"{list(weight.shape)}")


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,
             size_average: bool | None = None, ignore_index: int = -100,
             reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of class indices: -input[i, target[i]], weighted and reduced.

    Args:
        input: log-probabilities, (N, C), (C,) or (N, C, d1, ...).
        target: class indices (int64), (N,), () or (N, d1, ...).
        weight: one weight per class.
        size_average: deprecated (see ``reduction``).
        ignore_index: samples with this target contribute nothing.
        reduce: deprecated (see ``reduction``).
        reduction: ``'mean'`` (divides by the total weight), ``'sum'`` or ``'none'``.

    Raises:
        RuntimeError, ValueError, IndexError: for wrong dtypes, shapes or targets, with
            PyTorch's messages.
    """
    reduction = _get_reduction(reduction, size_average, reduce)
    if input.dim() < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.dim()})")
    if input.dim() != 1 and target.dim() > 0 and input.shape[0] != target.shape[0]:
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target "
                         f"batch_size ({target.shape[0]}).")
    if target.dtype.name not in ("int64", "uint8"):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got "
                           f"{_dtype_word(target)}")
    cd = 0 if input.dim() == 1 else 1
    if input.dim() <= 2 and target.dim() != input.dim() - 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if input.dim() > 2:
        expected = (input.shape[0], *input.shape[2:])
        if tuple(target.shape) != expected:
            raise RuntimeError(f"Expected target size {list(expected)}, got {list(target.shape)}")
    n_classes = input.shape[cd]
    _class_weights(weight, n_classes)
    _no_grad_args("nll_loss_forward", weight=weight)
    if not input.dtype.is_floating_point:
        raise _not_implemented("nll_loss_out_frame" if input.dim() <= 2
                               else "nll_loss2d_forward_out_frame", input)
    if weight is not None and weight.dtype is not input.dtype:
        raise RuntimeError(f"expected scalar type {_dtype_word(input)} but found "
                           f"{_dtype_word(weight)}")
    t = np.asarray(target._data).astype(np.int64)
    keep = t != ignore_index
    bad = keep & ((t < 0) | (t >= n_classes))
    if np.any(bad):
        raise IndexError(f"Target {t[bad].flat[0]} is out of bounds.")
    t = np.where(keep, t, 0)
    dt = np.asarray(input._data).dtype
    w = np.ones(n_classes, dtype=dt) if weight is None else np.asarray(weight._data, dtype=dt)
    wt = np.where(keep, w[t], 0).astype(dt)
    op = NllLoss if input.dim() <= 2 else NllLoss2d
    if input.dim() == 3 or input.dim() > 4:  # PyTorch's nll_loss2d takes 4 dims: the
        n, c = input.shape[:2]  # spatial dims are viewed as one (ViewBackward0)
        out_shape = (n, *input.shape[2:])
        flat = (1, -1) if input.numel() else (0, 0)
        input = input.contiguous().view(n, c, *flat)
        t, wt, keep = (np.reshape(a, (n, 1, -1) if t.size else (n, 0, 0))
                       for a in (t, wt, keep))
        out = _apply(op, (input,), (t, wt, keep, cd, reduction))
        return out.view(out_shape) if reduction == "none" else out  # and the result back
    return _apply(op, (input,), (t, wt, keep, cd, reduction))


# --------------------------------------------------------------------------------------
# Cross-entropy: log_softmax, then nll_loss (or the class-probability form)
# --------------------------------------------------------------------------------------
def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                  size_average: bool | None = None, ignore_index: int = -100,
                  reduce: bool | None = None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy between the logits ``input`` and the target.

    With class indices (int64, shape (N,)) it is ``nll_loss(log_softmax(input, 1), target)``;
    with class probabilities (float, same shape as input) it is
    ``-sum(target * log_softmax(input, 1))`` per sample.

    Args:
        input: logits, (N, C), (C,) or (N, C, d1, ...).
        target: class indices or class probabilities.
        weight: one weight per class.
        size_average: deprecated (see ``reduction``).
        ignore_index: with class indices, samples with this target contribute nothing.
        reduce: deprecated (see ``reduction``).
        reduction: ``'mean'``, ``'sum'`` or ``'none'``.
        label_smoothing: in [0, 1]: mix the target with the uniform distribution.

    Raises:
        RuntimeError: for a target of the wrong dtype, with PyTorch's message.
    """
    reduction = _get_reduction(reduction, size_average, reduce)
    cd = 0 if input.dim() == 1 else 1
    n_classes = input.shape[cd]
    if input.shape == target.shape:
        if not target.dtype.is_floating_point:
            raise RuntimeError("Expected floating point type for target with class "
                               f"probabilities, got {_dtype_word(target)}")
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        _check_smoothing(label_smoothing)
        _class_weights(weight, n_classes, "cross_entropy: ")
        return _cross_entropy_probs(input, target, weight, reduction, label_smoothing, cd)
    logp = input.log_softmax(cd)
    loss = nll_loss(logp, target, weight, ignore_index=ignore_index, reduction=reduction)
    if label_smoothing <= 0.0:
        return loss
    _check_smoothing(label_smoothing)
    # The smoothing term: the mean over classes of -log p, PyTorch's way.
    keep = np.asarray(target._data) != ignore_index
    keep_t = _wrap(keep.astype(np.asarray(logp._data).dtype))
    per_class = logp if weight is None else logp * weight.reshape(_class_shape(input, cd))
    smooth = -per_class.sum(cd) * keep_t
    if reduction == "sum":
        smooth = smooth.sum()
    elif reduction == "mean":
        t = np.asarray(target._data)[keep]
        denom = keep.sum() if weight is None else np.asarray(weight._data)[t].sum()
        smooth = smooth.sum() / _wrap(np.asarray(denom, dtype=np.asarray(logp._data).dtype))
    return (1 - label_smoothing) * loss + smooth * (label_smoothing / n_classes)


def _check_smoothing(label_smoothing: float) -> None:
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")


def _class_shape(input: Tensor, cd: int) -> tuple[int, ...]:
    """The shape that broadcasts a per-class vector along ``input``'s class dim."""
    s = [1] * input.dim()
    s[cd] = input.shape[cd]
    return tuple(s)


def _cross_entropy_probs(input: Tensor, target: Tensor, weight: Tensor | None,
                         reduction: str, label_smoothing: float, cd: int) -> Tensor:
    """Cross-entropy with class-probability targets, composed as PyTorch composes it."""
    n_classes = input.shape[cd]
    logp = input.log_softmax(cd)
    if label_smoothing > 0.0:
        target = target * (1 - label_smoothing) + label_smoothing / n_classes
    terms = logp * target
    if weight is not None:
        terms = terms * (weight.reshape(_class_shape(input, cd)) if input.dim() > 1 else weight)
    if reduction == "none":
        return -terms.sum(cd)
    if reduction == "sum":
        return -terms.sum()
    return _apply(ops.DivScalar, (-terms.sum(),), input.numel() // n_classes)


# --------------------------------------------------------------------------------------
# dropout (PyTorch's random stream: see tinygrad_lite._random)
# --------------------------------------------------------------------------------------
__all__ += ["dropout"]


def dropout(input: Tensor, p: float = 0.5, training: bool = True,
            inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)``.

    As PyTorch's CPU kernel: a noise tensor of ``input``'s dtype is ``bernoulli_(1 - p)``,
    divided by ``1 - p``, and multiplied into the input (so the tape shows ``MulBackward0``);
    ``p == 0``, evaluation mode (``training=False``) and an empty input return ``input``
    itself, ``p == 1`` multiplies by zero.

    Raises:
        ValueError: for ``p`` outside [0, 1].
    """
    from .. import _creation

    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if p == 0 or not training or input.numel() == 0:
        return input
    if p == 1:
        noise = _creation.zeros((), dtype=input.dtype)
    else:
        noise = _creation.empty(tuple(input.shape), dtype=input.dtype).bernoulli_(1 - p)
        noise = noise.div_(1 - p)
    return input.mul_(noise) if inplace else input * noise


# --------------------------------------------------------------------------------------
# More activations and losses: leaky_relu, softplus, logsigmoid, l1, smooth_l1, huber
# --------------------------------------------------------------------------------------
__all__ += ["leaky_relu", "softplus", "logsigmoid", "l1_loss", "smooth_l1_loss", "huber_loss"]


def _floating_input(kernel: str, input: Tensor) -> None:
    """Refuse an integer or bool input, as PyTorch's kernel ``kernel`` does.

    Raises:
        NotImplementedError: ``"<kernel>" not implemented for 'Long'``.
    """
    if not input.dtype.is_floating_point:
        raise _not_implemented(kernel, input)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x where x > 0, else ``negative_slope * x``, elementwise; with ``inplace``, into
    ``input`` itself.

    Raises:
        NotImplementedError: for an integer input, as PyTorch.
    """
    _floating_input("leaky_relu_cpu", input)
    slope = float(negative_slope)
    if inplace:
        return _inplace.apply(input, lambda s: _apply(ops.LeakyReluInplace, (s,), slope),
                              cast=False)
    return _apply(ops.LeakyRelu, (input,), slope)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta * x)) / beta elementwise, or x itself where beta * x > threshold.

    Raises:
        NotImplementedError: for an integer input, as PyTorch.
    """
    _floating_input("softplus_cpu", input)
    return _apply(ops.Softplus, (input,), (beta, threshold))


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x)) elementwise, computed without overflow.

    Raises:
        NotImplementedError: for an integer input, as PyTorch.
    """
    _floating_input("log_sigmoid_cpu", input)
    return _apply(ops.LogSigmoid, (input,))


def _expanded(input: Tensor, target: Tensor, stacklevel: int = 3) -> tuple[Tensor, Tensor]:
    """``input`` and ``target`` broadcast to their common shape, with PyTorch's warning
    when the shapes differ (what the elementwise losses do first).

    Raises:
        RuntimeError: PyTorch's error for shapes that do not broadcast.
    """
    if target.shape != input.shape:
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input "
                      f"size ({input.shape}). This will likely lead to incorrect results due "
                      "to broadcasting. Please ensure they have the same size.",
                      UserWarning, stacklevel=stacklevel)
    try:
        s = tuple(np.broadcast_shapes(input.shape, target.shape))
    except ValueError:
        raise _broadcast_error(input.shape, target.shape) from None
    return (input if input.shape == s else input.expand(s),
            target if target.shape == s else target.expand(s))


def _loss_inputs(input: Tensor, target: Tensor, reduction: str, size_average: bool | None,
                 reduce: bool | None) -> tuple[Tensor, Tensor, str]:
    """What an elementwise loss starts with: ``input`` and ``target`` broadcast (see
    :func:`_expanded`), and the reduction the deprecated flags ask for, if given (the
    warnings point at the loss's caller)."""
    x, y = _expanded(input, target, 4)
    if size_average is not None or reduce is not None:
        reduction = _get_reduction(reduction, size_average, reduce, stacklevel=4)
    return x, y, reduction


def l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None,
            reduce: bool | None = None, reduction: str = "mean",
            weight: Tensor | None = None) -> Tensor:
    """Mean absolute error: reduce(|input - target|), composed as PyTorch composes it (its
    ``grad_fn`` is ``MeanBackward0``, ``SumBackward0`` or ``AbsBackward0``).

    Args:
        input: predictions.
        target: targets; a different shape is broadcast, with PyTorch's warning.
        size_average: deprecated (see ``reduction``).
        reduce: deprecated (see ``reduction``).
        reduction: ``'mean'``, ``'sum'`` or ``'none'``.
        weight: per-element weights (same size as input); 'mean' then divides by their sum.
    """
    x, y, reduction = _loss_inputs(input, target, reduction, size_average, reduce)
    loss = (x - y).abs()
    if weight is not None:
        return _weighted(loss, weight, input, reduction)
    reduction = _get_reduction(reduction)
    return loss if reduction == "none" else loss.sum() if reduction == "sum" else loss.mean()


def _pointwise_loss(op: type[Op], kernel: str, input: Tensor, target: Tensor, reduction: str,
                    param: float) -> Tensor:
    """One primitive ``op`` of ``input`` and ``target`` (broadcast, promoted) with ctx
    ``(reduction, param)``."""
    x, y = _expanded(input, target, 4)
    reduction = _get_reduction(reduction)
    dt = D.promote_types(input.dtype, target.dtype)
    if not dt.is_floating_point:
        raise NotImplementedError(f'"{kernel}" not implemented for \'{_SCALAR_TYPE[dt.name]}\'')
    x, y = x.to(dt), y.to(dt)
    return _apply(op, (x, y), (reduction, float(param)))


def smooth_l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None,
                   reduce: bool | None = None, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """Smooth L1 loss: 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = input -
    target), reduced; ``beta=0`` is :func:`l1_loss`.

    Raises:
        RuntimeError: for a negative ``beta``, as PyTorch.
        NotImplementedError: for integer tensors, as PyTorch.
    """
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if size_average is not None or reduce is not None:
        reduction = _get_reduction(reduction, size_average, reduce)
    if beta == 0.0:
        return l1_loss(input, target, reduction=reduction)
    return _pointwise_loss(ops.SmoothL1Loss, "smooth_l1_cpu", input, target, reduction, beta)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    """Huber loss: 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta) (d = input -
    target), reduced.

    Raises:
        RuntimeError: for a ``delta`` that is not positive, as PyTorch.
        NotImplementedError: for integer tensors, as PyTorch.
    """
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    if weight is not None:
        loss = _pointwise_loss(ops.HuberLoss, "huber_cpu", input, target, "none", delta)
        return _weighted(loss, weight, input, reduction, by_weights=False)
    if D.promote_types(input.dtype, target.dtype) != input.dtype and input.dtype.is_floating_point:
        # PyTorch's huber_loss writes into a tensor like ``input``: the elementwise losses,
        # computed in the promoted dtype, are rounded to input's dtype, then reduced
        loss = _pointwise_loss(ops.HuberLoss, "huber_cpu", input, target, "none", delta)
        loss, reduction = loss.to(input.dtype), _get_reduction(reduction)
        return loss if reduction == "none" else loss.sum() if reduction == "sum" else loss.mean()
    return _pointwise_loss(ops.HuberLoss, "huber_cpu", input, target, reduction, delta)


def _weighted(loss: Tensor, weight: Tensor, input: Tensor, reduction: str,
              by_weights: bool = True) -> Tensor:
    """Elementwise ``loss`` times ``weight``, reduced; ``'mean'`` divides by the sum of the
    weights (``by_weights``, as mse_loss and l1_loss) or by N (huber_loss).

    Raises:
        ValueError: for weights not of the input's size, or an unknown reduction.
    """
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    weighted = loss * weight
    if reduction == "none":
        return weighted
    if reduction == "sum":
        return weighted.sum()
    if reduction == "mean":
        return weighted.sum() / weight.sum() if by_weights else weighted.mean()
    raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', "
                     "'mean', 'sum'.")


# --------------------------------------------------------------------------------------
# batch_norm and embedding
# --------------------------------------------------------------------------------------
__all__ += ["batch_norm", "embedding"]


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalize each channel (dim 1) of ``input``, then scale by ``weight`` and shift by
    ``bias``: one primitive, ``NativeBatchNormBackward0``.

    In training the batch's statistics are used and the running ones (if given) updated in
    place: ``running = (1 - momentum) * running + momentum * batch`` (the variance unbiased);
    in eval the running statistics are used.

    Raises:
        ValueError: training on one value per channel, as PyTorch.
        RuntimeError: running statistics of the wrong size, as PyTorch.
    """
    c = input.shape[1] if input.dim() > 1 else 1
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and t.numel() != c:
            raise RuntimeError(f"{name} should contain {c} elements not {t.numel()}")
    if training and input.numel() // c <= 1:
        raise ValueError("Expected more than 1 value per channel when training, got input "
                         f"size {input.shape}")
    if weight is not None and bias is None:
        bias = _wrap(np.zeros(c, dtype=weight.dtype.np))
    elif bias is not None and weight is None:
        weight = _wrap(np.ones(c, dtype=bias.dtype.np))
    affine = weight is not None
    if training:
        ctx = (True, eps, None, None, affine)
        if running_mean is not None or running_var is not None:
            _update_running(input, running_mean, running_var, momentum)
    else:
        ctx = (False, eps, np.asarray(running_mean._data), np.asarray(running_var._data),
               affine)
    ins = (input, weight, bias) if affine else (input,)
    return _apply(ops.NativeBatchNorm, ins, ctx)


def _update_running(x: Tensor, mean: Tensor | None, var: Tensor | None,
                    momentum: float) -> None:
    """Move the running statistics towards the batch's, in place (version counted)."""
    from ..optim.optimizer import _write

    data = np.asarray(x._data)
    dims = (0,) + tuple(range(2, data.ndim))
    n = data.size // data.shape[1]
    if mean is not None:
        _write(mean, (1 - momentum) * mean._data + momentum * data.mean(axis=dims))
    if var is not None:
        unbiased = data.var(axis=dims) * (n / (n - 1))
        _write(var, (1 - momentum) * var._data + momentum * unbiased)


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """The rows of ``weight`` that the integer tensor ``input`` picks (``EmbeddingBackward0``);
    the ``padding_idx`` row gets no gradient. With ``max_norm``, the picked rows whose
    ``norm_type``-norm exceeds it are first scaled down to it, in place, as PyTorch does.

    Raises:
        RuntimeError: for indices that are not integers, as PyTorch.
        IndexError: for an index out of range, as PyTorch.
    """
    if input.dtype.name not in ("int64", "int32"):
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar "
            f"types: Long, Int; but got {input.type()} instead (while checking arguments for "
            "embedding)")
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding's scale_grad_by_freq and sparse are not supported "
                                  "by tinygrad_lite")
    idx = np.asarray(input._data)
    rows = weight.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= rows):
        raise IndexError("index out of range in self")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += rows
    if max_norm is not None:
        _renorm_rows(weight, np.unique(idx), max_norm, norm_type)
    return _apply(ops.Embedding, (weight,), (idx, padding_idx))


def _renorm_rows(weight: Tensor, rows: np.ndarray, max_norm: float, norm_type: float) -> None:
    """Scale the given rows of ``weight`` to a norm of at most ``max_norm``, in place."""
    from ..optim.optimizer import _write

    w = weight._data.copy()
    norms = np.linalg.norm(w[rows], ord=norm_type, axis=1)
    big = norms > max_norm
    w[rows[big]] *= (max_norm / (norms[big] + 1e-7))[:, None].astype(w.dtype)
    _write(weight, w)


# --------------------------------------------------------------------------------------
# one_hot
# --------------------------------------------------------------------------------------
__all__ += ["one_hot"]


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """Class indices as one-hot rows: an int64 tensor of shape ``(*tensor.shape,
    num_classes)`` with a 1 at each index (``num_classes=-1``: the largest index plus one).

    Raises:
        RuntimeError: with PyTorch's messages, for indices that are not int64, negative or
            not below ``num_classes``, and for an empty tensor without ``num_classes``.
    """
    if tensor.dtype is not D.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    x = np.asarray(tensor._data)
    if x.size == 0 and num_classes == -1:
        raise RuntimeError("Can not infer total number of classes from empty tensor.")
    if x.size and x.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        num_classes = int(x.max()) + 1
    elif x.size and x.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = np.zeros(x.shape + (num_classes,), dtype=np.int64)
    np.put_along_axis(out, x[..., None], 1, axis=-1)
    return _wrap(out)
