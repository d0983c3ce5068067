"""The primitives: each one's forward rule and backward rule, side by side.

This file is the chain-rule table of tinygrad_lite. A primitive is a class with

* ``name``: the ``grad_fn`` name PyTorch prints for it (``MulBackward0``, ...);
* ``saves``: whether its backward rule reads saved values (inputs or output). After a
  ``backward()`` without ``retain_graph=True`` those are freed, and a second backward
  through the record raises, as in PyTorch. Rules that need no values (add, sum, ...) can
  run again;
* ``keeps``: which values those are, as PyTorch saves them: ``"in"`` (the inputs), ``"out"``
  (the output), ``"in+out"``, or ``"cross"`` (each input only when another input needs a
  gradient: ``a * b`` keeps ``b`` for ``a``'s gradient). If one of them is changed in place
  before the backward pass, the pass raises PyTorch's error instead of using the new value
  (see :func:`saved`);
* ``forward(ctx, *xs)``: the value, computed on raw values (Python floats or NumPy arrays);
* ``backward(ctx, g, out, *xs)``: the vector-Jacobian product. ``g`` is the adjoint of the
  output, ``out`` the output, ``xs`` the inputs; it returns the adjoint contribution for
  each input (a tuple for several inputs, a bare value for one);
* ``jvp(ctx, t, out, *xs)``: the tangent rule of forward mode, the Jacobian-vector
  product (see :mod:`tinygrad_lite.autograd.forward_ad`). ``t`` is the input's tangent (a
  tuple of them for several inputs, None for an input that has none), ``out`` the output,
  ``xs`` the inputs, all raw values; it returns the output's tangent (a number or a smaller
  array is broadcast to the output's shape; None: the output has none). Many primitives
  share one of four forms:
  :func:`linear_jvp` (a primitive linear in its inputs is its own tangent rule),
  :func:`diagonal_jvp` (an elementwise one: J t = J^T t, its backward rule),
  :func:`bilinear_jvp` (a product) and :func:`reduction_jvp`.

``ctx`` holds what the call needs beyond its tensor inputs (a constant, a dim, a shape).

Every backward rule is written once, with operations that work on raw values *and* on
Tensors (``*``, ``+``, ``/``, ``@`` and the helpers below). The engine normally passes raw
values, so a backward step is plain float or NumPy arithmetic. Under
``backward(create_graph=True)`` it passes Tensors instead, and the same rule records the
backward pass on the tape: that is how second derivatives work.
"""

from __future__ import annotations

import math
import operator
import weakref
from typing import Any

import numpy as np

from . import _sleef
from ._cascade import mean_array, sum_array
from ._quiet import quiet

_RAW = (float, int, np.ndarray, np.generic)  # anything else reaching a helper is a Tensor


# --------------------------------------------------------------------------------------
# Operations on raw values and Tensors alike (what backward rules are written in)
# --------------------------------------------------------------------------------------
def _numpy_float(f: Any, *xs: float) -> float:
    """Evaluate ``f`` on float64 through NumPy, for the IEEE answer (inf, nan) where
    ``math`` would raise."""
    with quiet():
        return float(f(*(np.float64(x) for x in xs)))


def div(a: Any, b: Any) -> Any:
    """``a / b``, giving inf or nan for a zero divisor as PyTorch does."""
    try:
        return a / b
    except ZeroDivisionError:
        return _numpy_float(np.divide, a, b)


def power(a: Any, b: Any) -> Any:
    """``a ** b``, giving inf or nan where Python floats would raise or turn complex."""
    if type(a) is float or (type(a) is int and type(b) is float):  # C pow, as PyTorch's
        try:
            r = a**b
        except (ZeroDivisionError, OverflowError):
            return _numpy_float(np.power, a, b)
        return r if type(r) is not complex else math.nan
    if isinstance(a, _RAW) and isinstance(b, _RAW):
        with quiet():
            return np.power(a, b)
    return a**b


def pow_scalar(a: Any, c: float) -> Any:
    """``a ** c`` for a number ``c``, computed as PyTorch's kernel is, for the same rounding:
    ``a`` for 1, ``a * a`` for 2, ``a * a * a`` for 3, ``1 / (a * a)`` for -2, sqrt for 0.5,
    1 / sqrt for -0.5, 1 / a for -1 (floats only), ``pow`` otherwise."""
    if type(a) is float or (type(a) is np.ndarray and a.dtype.kind == "f"):
        if c == 1:
            return a if type(a) is float else a.copy()
        if c == 2:
            return a * a
        if c == 3:
            return a * a * a
        if c == -2:
            return div(1.0, a * a)
        if c == 0.5:
            return sqrt(a)
        if c == -0.5:
            return div(1.0, sqrt(a))
        if c == -1:
            return div(1.0, a)
    if not isinstance(a, _RAW):
        return a**c
    return power(a, c)


def _unary(math_f: Any, np_f: Any, method: str) -> Any:
    """Make a function that uses ``math_f`` on floats, ``np_f`` on arrays and the Tensor
    method ``method`` on Tensors."""

    def f(x: Any) -> Any:
        if type(x) is float:
            try:
                return math_f(x)
            except (ValueError, OverflowError):
                return _numpy_float(np_f, x)
        if isinstance(x, _RAW):
            with quiet():
                return np_f(x)
        return getattr(x, method)()

    f.__name__ = method
    f.__doc__ = f"Elementwise ``{method}`` of a float, an array or a Tensor."
    return f


exp = _unary(math.exp, np.exp, "exp")
log = _unary(math.log, np.log, "log")
sin = _unary(math.sin, np.sin, "sin")
cos = _unary(math.cos, np.cos, "cos")
tanh = _unary(math.tanh, np.tanh, "tanh")
sqrt = _unary(math.sqrt, np.sqrt, "sqrt")


def _sigmoid_float(x: float) -> float:
    try:  # PyTorch's scalar formula, for the same rounding
        return 1.0 / (1.0 + math.exp(-x))
    except OverflowError:
        return 0.0


def _sigmoid_array(x: np.ndarray) -> np.ndarray:
    if x.dtype == np.float32:  # PyTorch's kernel, bit for bit, where it is known
        r = _sleef.sigmoid(x)
        if r is not None:
            return r
    # exp(-|x|) never overflows; the two branches are the same function
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


sigmoid = _unary(_sigmoid_float, _sigmoid_array, "sigmoid")
sign = _unary(lambda x: float((x > 0) - (x < 0)),
              lambda x: np.where(x == x, np.sign(x), 0), "sign")  # sign(nan) = 0 in torch


def shape(x: Any) -> tuple[int, ...]:
    """The shape of a float (``()``), an array or a Tensor, as a plain tuple."""
    if type(x) is np.ndarray:
        return x.shape
    return tuple(np.shape(x)) if isinstance(x, _RAW) else tuple(x.shape)


def reshape(x: Any, s: tuple[int, ...]) -> Any:
    """``x`` reshaped to ``s`` (a float becomes a 0-d or 1-element array)."""
    if type(x) is np.ndarray and x.shape == s:
        return x
    if isinstance(x, _RAW):
        return np.reshape(x, s)
    return x.reshape(s)


def sum_dims(x: Any, dims: tuple[int, ...] | None, keepdim: bool = False) -> Any:
    """Sum over ``dims`` (all dims if None)."""
    if type(x) is np.ndarray:
        return sum_array(x, dims, keepdim)
    if isinstance(x, _RAW):
        return np.sum(x, axis=dims, keepdims=keepdim)
    return x.sum() if dims is None else x.sum(dims, keepdim=keepdim)


def sum_to(g: Any, x: Any) -> Any:
    """Sum ``g`` down to the shape of input ``x``: the adjoint of broadcasting ``x`` up to
    ``g``'s shape."""
    if type(g) is np.ndarray and type(x) is np.ndarray and g.shape == x.shape:
        return g  # the common case: nothing was broadcast
    if type(g) is float:  # a float adjoint means every input was 0-d: nothing to sum
        return g
    gs, s = shape(g), shape(x)
    if gs == s:
        return g
    if not s and not isinstance(g, _RAW):  # recorded as PyTorch's: one full sum
        return g.sum()
    lead = len(gs) - len(s)
    dims = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(s) if n == 1 and gs[lead + i] != 1
    )
    g = sum_dims(g, dims, keepdim=True)  # (dims is not empty: gs != s)
    return reshape(g, s) if lead else g  # as PyTorch's sum_to: a view only for leading dims


def expand(g: Any, s: tuple[int, ...]) -> Any:
    """Broadcast ``g`` to shape ``s``: the adjoint of summing ``s`` down to ``g``'s shape."""
    if type(g) is float:  # a fresh array: cheaper than broadcast_to
        out = np.empty(s)
        out.fill(g)
        return out
    if isinstance(g, _RAW):
        out = np.empty(s, dtype=g.dtype if type(g) is np.ndarray else np.result_type(g))
        out[...] = g
        return out
    return g.expand(s)


def mT(x: Any) -> Any:  # noqa: N802 - PyTorch's name
    """Swap the last two dims."""
    if type(x) is np.ndarray and x.ndim == 2:
        return x.T
    if isinstance(x, _RAW):
        return np.swapaxes(x, -1, -2)
    return x.transpose(-2, -1)


def matrix_t(x: Any) -> Any:
    """The transpose of a matrix (a Tensor's is recorded as PyTorch's ``t()``)."""
    return x.T if isinstance(x, _RAW) else x.t()


def times(x: Any, c: float) -> Any:
    """``x * c`` for a number ``c``, in a backward rule: for Tensors the record PyTorch's
    C++ formulas make of it (``MulBackward1``, where ``x * c`` in Python is MulBackward0)."""
    if isinstance(x, _RAW):
        return x * c
    return type(x)._apply(MulScalar, (x,), c)


def plus(x: Any, c: float) -> Any:
    """``x + c`` for a number ``c``, in a backward rule (for Tensors ``AddBackward1``, the
    record of PyTorch's ``add(Tensor, Scalar)``)."""
    if isinstance(x, _RAW):
        return x + c
    return type(x)._apply(AddScalar, (x,), c)


def over(x: Any, c: float) -> Any:
    """``x / c`` for a number ``c``, in a backward rule (for Tensors ``DivBackward1``)."""
    if isinstance(x, _RAW):
        return div(x, c)
    return type(x)._apply(DivScalar, (x,), c)


def sgn(x: Any) -> Any:
    """The sign of ``x``, in a backward rule (for Tensors ``SgnBackward0``, as PyTorch's
    rules compute it with ``sgn``)."""
    if isinstance(x, _RAW):
        return sign(x)
    return type(x)._apply(Sgn, (x,))


def value(x: Any) -> Any:
    """The raw value of a float, an array or a Tensor: what masks are computed from."""
    return x if isinstance(x, _RAW) else x._data


def like(raw: Any, g: Any) -> Any:
    """A constant (a mask, a target) in the form of ``g``: raw, or a Tensor that needs no
    gradient when ``g`` is a Tensor."""
    if isinstance(g, _RAW):
        return raw
    return type(g)._wrap(raw)


def total(x: Any) -> Any:
    """The sum of all elements (a Python number stays itself)."""
    if isinstance(x, (float, int)):
        return x
    return sum_dims(x, None)


def in_dtype(g: Any, x: Any) -> Any:
    """The adjoint ``g`` in the dtype of input ``x`` (an input that was promoted)."""
    if type(g) is float and type(x) is float:
        return g
    dx = np.result_type(value(x))
    if isinstance(g, _RAW):
        return g if np.result_type(g) == dx else np.asarray(g, dtype=dx)
    return g if g.dtype.np == dx else g.to(x.dtype)


def where(c: Any, g: Any, fill: float = 0.0) -> Any:
    """``g`` where the raw mask ``c`` is true, else ``fill`` (for Tensors PyTorch's record
    of ``where(c, g, fill)``, ``WhereBackward0``)."""
    if isinstance(g, _RAW):
        r = np.where(c, g, fill)
        return float(r) if type(g) is float and r.ndim == 0 else r
    return type(g)._apply(Where, (g, like(np.full((), fill, dtype=g.dtype.np), g)),
                          (c, g.dtype.np))


def remainder(a: Any, b: Any) -> Any:
    """``a % b`` as PyTorch computes it: ``fmod``, moved by ``b`` where the signs differ (so
    a zero keeps the sign of ``a``, where NumPy's ``remainder`` gives it ``b``'s)."""
    with quiet():
        m = np.fmod(a, b)
        return np.where(np.not_equal(m, 0) & (np.less(b, 0) != np.less(m, 0)), m + b, m)


def _same_kind(r: Any, a: Any) -> Any:
    """A NumPy result for a 0-d float64 input ``a`` as a float (what such a tensor holds)."""
    return float(r) if type(a) is float else r


# --------------------------------------------------------------------------------------
# The forms of tangent rules (forward mode) that many primitives share. They run on raw
# values only: a tangent is an array (or a float) travelling with the value.
# --------------------------------------------------------------------------------------
def tsum(*terms: Any) -> Any:
    """The sum of the tangent contributions that are not None. An input without a tangent
    contributes nothing (not a zero, which would turn an infinite partial derivative into
    nan)."""
    r = None
    for x in terms:
        if x is not None:
            r = x if r is None else r + x
    return r


def ones_of(x: Any) -> Any:
    """Ones shaped as the raw value ``x`` (1.0 for a float)."""
    return 1.0 if type(x) is float else np.ones(np.shape(x), dtype=np.result_type(x))


def _zeros_of(x: Any) -> Any:
    return 0.0 if type(x) is float else np.zeros(np.shape(x), dtype=np.result_type(x))


def linear_jvp(cls: type[Op], ctx: Any, t: Any, out: Any, *xs: Any) -> Any:
    """The tangent rule of a primitive linear in its inputs (a sum, a view, a slice, a join,
    a copy): the primitive itself, applied to the tangents (zeros for an input without
    one). A view's tangent is then a view of its input's tangent."""
    if len(xs) == 1:
        return cls.forward(ctx, t)
    return cls.forward(ctx, *(_zeros_of(x) if ti is None else ti for x, ti in zip(xs, t)))


def diagonal_jvp(cls: type[Op], ctx: Any, t: Any, out: Any, *xs: Any) -> Any:
    """The tangent rule of an elementwise primitive whose inputs have the output's shape:
    its Jacobian in each input is diagonal, hence symmetric, so ``J t = J^T t``: the
    backward rule applied to the tangent (of each input in turn, for several)."""
    if len(xs) == 1:
        return cls.backward(ctx, t, out, *xs)
    return tsum(*(None if ti is None else cls.backward(ctx, ti, out, *xs)[i]
                  for i, ti in enumerate(t)))


def bilinear_jvp(cls: type[Op], ctx: Any, t: Any, out: Any, a: Any, b: Any) -> Any:
    """The tangent rule of a product ``f(a, b)``, linear in each input (``*``, ``@``): the
    product rule, ``f(ta, b) + f(a, tb)``."""
    ta, tb = t
    return tsum(None if ta is None else cls.forward(ctx, ta, b),
                None if tb is None else cls.forward(ctx, a, tb))


def reduction_jvp(cls: type[Op], ctx: Any, t: Any, out: Any, a: Any,
                  dims: tuple[int, ...] | None, keepdim: bool) -> Any:
    """The tangent rule of a reduction over ``dims`` whose backward rule gives each reduced
    element ``g`` times a weight ``w = d out / d a`` (max, norm, variance, product, ...):
    the backward rule of ones is ``w``, and the tangent is ``sum(w * t)`` over ``dims``."""
    w = cls.backward(ctx, ones_of(out), out, a)
    if w is None:  # (the 0-norm: no derivative, a tangent of 0 as PyTorch's)
        return 0.0
    return np.sum(w * t, axis=dims, keepdims=keepdim)


def loss_jvp(cls: type[Op], ctx: Any, t: Any, out: Any, xs: tuple, reduction: str) -> Any:
    """The tangent rule of an elementwise loss, reduced by ``reduction``: the backward rule
    of ones gives each element's weight in each input (divided by N for 'mean'), and the
    tangent is the sum of weight times tangent (kept per element for 'none')."""
    ws = cls.backward(ctx, ones_of(out), out, *xs)
    ws, t = (ws, t) if len(xs) > 1 else ((ws,), (t,))
    s = tsum(*(None if ti is None else w * ti for w, ti in zip(ws, t)))
    return s if reduction == "none" else np.sum(s)


# --------------------------------------------------------------------------------------
# The primitives
# --------------------------------------------------------------------------------------
class Op:
    """A primitive: a forward rule and its backward rule (see the module docstring)."""

    name = "Backward0"
    saves = True
    keeps = "in"
    again = False  # a view seen anew after its base changed: ctx[1] is its old history
    several = False  # one output of a node with several: ctx ends with (its number, Outputs)
    backward_all: Any = None  # a rule that takes the adjoints of all of them (see Outputs)
    rule: Rule  # every subclass gets its own when it is defined
    scalar_rule: Rule  # the rule of its records made by the scalar fast path

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.rule = Rule(cls)
        scalar = cls.__dict__.get("scalar_backward")
        cls.scalar_rule = Rule(cls, backward=scalar.__func__) if scalar else cls.rule

    @staticmethod
    def forward(ctx: Any, *xs: Any) -> Any:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Any, g: Any, out: Any, *xs: Any) -> Any:
        raise NotImplementedError

    @classmethod
    def jvp(cls, ctx: Any, t: Any, out: Any, *xs: Any) -> Any:
        raise NotImplementedError(
            f"Trying to use forward AD with {cls.__name__} that does not support it.")

    @classmethod
    def inplace_rule(cls) -> Rule:
        """The rule of this primitive's in-place form (``t.mul_(2)``): the same backward,
        marked so that the sweep knows the first input's old value was copied."""
        r = cls.__dict__.get("_inplace")
        if r is None:
            r = Rule(cls, inplace=True)
            cls._inplace = r
        return r

    @classmethod
    def saved(cls, needs: tuple[bool, ...]) -> tuple[tuple[int, ...], bool]:
        """The values this primitive's backward rule reads, given which inputs need a
        gradient: ``(indices of the inputs, whether the output)``."""
        if not cls.saves:
            return (), False
        k, n = cls.keeps, len(needs)
        order = reversed(range(n))  # PyTorch checks the last input first (mv: the first)
        if k == "cross":
            return tuple(i for i in order if any(needs[:i] + needs[i + 1:])), False
        return (tuple(order) if "in" in k else ()), "out" in k


FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward."
)


def _freed_backward(*args: Any) -> Any:
    """The backward rule of a record whose saved values a backward pass freed."""
    raise RuntimeError(FREED_MESSAGE)


class Rule:
    """What a record of the tape keeps of its primitive (``Tensor._op``): the backward rule,
    whether it saves values, the name PyTorch prints, and the primitive itself.

    The reverse sweep reads ``backward`` and ``released`` once per record. They live in an
    instance of this one small class with slots because CPython reads a slot of objects of
    one class much faster than a class attribute of many different classes: about 8% of a
    sweep.

    ``backward`` is the rule the sweep runs on raw values: the primitive's ``raw_backward``
    where it has one (a rule that, on Tensors, records itself as one node, like tanh's,
    keeps its raw arithmetic free of that test), else its ``backward``. On Tensors
    (``create_graph=True``) the sweep calls ``primitive.backward``.

    A primitive may give a ``scalar_backward`` too: its rule for the records of the scalar
    fast path (every input a 0-d float64 tensor), where nothing was broadcast, so that the
    rule need not test for it. Those records get ``scalar_rule``, otherwise the same.

    ``released`` is the rule a record gets once a backward pass has freed its saved values:
    for a primitive that saves some, a twin whose ``backward`` raises PyTorch's error (its
    ``freed`` is true); for one that saves none, the rule itself, which may run again. So
    the sweep needs no test of its own for a second pass through a freed graph.
    """

    __slots__ = ("primitive", "saves", "backward", "inplace", "released", "freed")

    def __init__(self, primitive: type[Op], inplace: bool = False, freed: bool = False,
                 backward: Any = None) -> None:
        self.primitive = primitive
        self.saves = primitive.saves
        self.inplace = inplace
        self.freed = freed
        if freed:
            self.backward = _freed_backward
            self.released = self
            return
        self.backward = backward or (primitive.raw_backward if "raw_backward" in
                                     primitive.__dict__ else primitive.backward)
        self.released = Rule(primitive, inplace, freed=True) if self.saves else self

    @property
    def name(self) -> str:
        """The ``grad_fn`` name PyTorch prints, e.g. ``"MulBackward0"``."""
        return self.primitive.name

    def __repr__(self) -> str:
        return f"<rule of {self.primitive.__name__}>"


# Two tensors. Broadcasting: each adjoint is summed back to its input's shape.
class Add(Op):
    name, saves = "AddBackward0", False

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def scalar_backward(ctx, g, out, a, b):  # 0-d float64 all round: nothing broadcast
        return g, g

    @staticmethod
    def backward(ctx, g, out, a, b):
        return sum_to(g, a), sum_to(g, b)

    @staticmethod
    def jvp(ctx, t, out, a, b):
        return tsum(*t)


class Sub(Op):
    name, saves = "SubBackward0", False

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def scalar_backward(ctx, g, out, a, b):
        return g, -g

    @staticmethod
    def backward(ctx, g, out, a, b):
        return sum_to(g, a), sum_to(-g, b)

    @staticmethod
    def jvp(ctx, t, out, a, b):
        ta, tb = t
        return tsum(ta, None if tb is None else -tb)


class AddScaled(Op):
    """``a + alpha * b`` (ctx: alpha), as ``a.add_(b, alpha=...)`` records it."""

    name, saves = "AddBackward0", False

    @staticmethod
    def forward(alpha, a, b):
        return a + alpha * b

    @staticmethod
    def backward(alpha, g, out, a, b):  # torch's maybe_multiply: MulBackward1, none for 1
        return sum_to(g, a), sum_to(g if alpha == 1 else times(g, alpha), b)

    @staticmethod
    def jvp(alpha, t, out, a, b):
        ta, tb = t
        return tsum(ta, None if tb is None else tb * alpha)


class SubScaled(Op):
    """``a - alpha * b`` (ctx: alpha)."""

    name, saves = "SubBackward0", False

    @staticmethod
    def forward(alpha, a, b):
        return a - alpha * b

    @staticmethod
    def backward(alpha, g, out, a, b):  # torch's maybe_multiply(-g, alpha)
        return sum_to(g, a), sum_to(-g if alpha == 1 else times(-g, alpha), b)

    @staticmethod
    def jvp(alpha, t, out, a, b):
        ta, tb = t
        return tsum(ta, None if tb is None else -tb * alpha)


class Mul(Op):
    name = "MulBackward0"
    keeps = "cross"

    @staticmethod
    def forward(ctx, a, b):
        return a * b

    @staticmethod
    def scalar_backward(ctx, g, out, a, b):
        return g * b, g * a

    @staticmethod
    def backward(ctx, g, out, a, b):
        return sum_to(g * b, a), sum_to(g * a, b)

    jvp = classmethod(bilinear_jvp)


class Div(Op):
    name = "DivBackward0"

    @staticmethod
    def forward(ctx, a, b):
        return div(a, b)

    @staticmethod
    def backward(ctx, g, out, a, b):  # d/db as torch: -g * ((a / b) / b)
        return sum_to(div(g, b), a), sum_to(-g * div(div(a, b), b), b)

    @classmethod
    def saved(cls, needs):  # b for a's gradient; a and b for b's
        return ((1, 0) if needs[1] else (1,) if needs[0] else ()), False

    @staticmethod
    def jvp(ctx, t, out, a, b):  # (ta - tb * a / b) / b, in torch's order
        ta, tb = t
        return tsum(None if ta is None else div(ta, b),
                    None if tb is None else -tb * div(div(a, b), b))


class Pow(Op):
    """``a ** b`` with both tensors; d/db = out * log(a), taken as 0 where a == 0."""

    name = "PowBackward1"

    @staticmethod
    def forward(ctx, a, b):
        return power(a, b)

    @classmethod
    def saved(cls, needs):  # both inputs; the output too for b's gradient
        return (1, 0), needs[1]

    @staticmethod
    def backward(ctx, g, out, a, b):
        va, vb = value(a), value(b)
        za, zb = np.equal(va, 0), np.equal(vb, 0)
        if not (np.any(za) or np.any(zb)):
            if isinstance(g, _RAW):
                return sum_to(g * (b * power(a, b - 1)), a), sum_to(g * (out * log(a)), b)
            # recorded as PyTorch's rules: where(b == 0, 0, g * (b * a ** (b - 1))) and
            # g * where((a == 0) & (b >= 0), 0, out * log(a)), the masks all true here
            b1 = type(b)._apply(SubScalar, (b,), 1)
            ga = where(~zb, g * (b * power(a, b1)))
            gb = g * where(~(za & np.greater_equal(vb, 0)), out * log(a))
            return sum_to(ga, a), sum_to(gb, b)
        # torch's choices, held constant (so for second derivatives too): d/da = 0 where
        # b == 0, d/db = 0 where a == 0 and b >= 0. Those points of a move from 0 to 1, so
        # that no inf * 0 = nan arises before the mask zeroes them.
        dt = np.result_type(va)
        fb = za & np.greater_equal(vb, 0)
        ga = g * (b * power(a + like(np.asarray(za & zb, dt), g), b - 1))
        ga = ga * like(np.asarray(~zb, dt), g)
        gb = g * (out * log(a + like(np.asarray(fb, dt), g))) * like(np.asarray(~fb, dt), g)
        return sum_to(ga, a), sum_to(gb, b)

    @staticmethod
    def jvp(ctx, t, out, a, b):  # the backward rule's choices where a or b is 0
        ta, tb = t
        with quiet():
            za, zb = np.equal(a, 0), np.equal(b, 0)
            fb = za & np.greater_equal(b, 0)
            da = None if ta is None else ta * np.where(
                zb, 0.0, b * np.power(np.where(za & zb, 1.0, a), np.subtract(b, 1)))
            db = None if tb is None else tb * np.where(
                fb, 0.0, out * np.log(np.where(fb, 1.0, a)))
        return tsum(da, db)


class Maximum(Op):
    """Elementwise max, NaN if either is NaN. Each input gets the gradient except where the
    other wins, half of it at ties, as in PyTorch: so both get all of it where one is NaN."""

    name = "MaximumBackward0"
    wins = staticmethod(operator.gt)  # where a is picked over b

    @staticmethod
    def forward(ctx, a, b):
        if type(a) is float and type(b) is float:
            return a if a >= b or a != a else b
        return np.maximum(a, b)

    @classmethod
    def backward(cls, ctx, g, out, a, b):
        if not (type(g) is float or isinstance(g, _RAW)):
            return cls.recorded(g, a, b)
        va, vb = value(a), value(b)
        if type(va) is float and type(vb) is float:
            tie = 0.5 if va == vb else 1.0
            wa, wb = (0.0 if cls.wins(vb, va) else tie), (0.0 if cls.wins(va, vb) else tie)
        else:
            dt = np.result_type(value(out))
            tie = np.where(np.equal(va, vb), 0.5, 1.0)
            wa = like(np.where(cls.wins(vb, va), 0.0, tie).astype(dt), g)
            wb = like(np.where(cls.wins(va, vb), 0.0, tie).astype(dt), g)
        return sum_to(g * wa, a), sum_to(g * wb, b)

    @classmethod
    def recorded(cls, g: Any, a: Any, b: Any) -> tuple[Any, Any]:
        """The rule on a Tensor ``g``, recorded as PyTorch's formula: for ``a``,
        ``where(a == b, g / 2, g).masked_fill(b wins, 0)``, and the same for ``b``."""
        va, vb = value(a), value(b)
        tie = np.equal(va, vb)

        def share(lost: Any) -> Any:
            return masked_fill(type(g)._apply(Where, (over(g, 2), g), (tie, g.dtype.np)), lost)

        return sum_to(share(cls.wins(vb, va)), a), sum_to(share(cls.wins(va, vb)), b)

    @classmethod
    def jvp(cls, ctx, t, out, a, b):  # torch's: the winner's tangent (a's where a is NaN),
        ta, tb = t  # the mean of both at ties
        w = np.where(np.equal(a, b), 0.5, (cls.wins(a, b) | np.isnan(a)) * 1.0)
        return tsum(None if ta is None else w * ta, None if tb is None else (1 - w) * tb)


class Minimum(Maximum):
    name = "MinimumBackward0"
    wins = staticmethod(operator.lt)

    @staticmethod
    def forward(ctx, a, b):
        if type(a) is float and type(b) is float:
            return a if a <= b or a != a else b
        return np.minimum(a, b)


class Where(Op):
    """``x`` where the condition (ctx[0], a bool array) holds, else ``y``, in dtype ctx[1];
    each input gets the adjoint where it was picked."""

    name, saves = "WhereBackward0", False

    @staticmethod
    def forward(ctx, x, y):
        c, dt = ctx
        return np.where(c, x, y).astype(dt, copy=False)

    @staticmethod
    def backward(ctx, g, out, x, y):
        c = ctx[0]
        return (in_dtype(sum_to(where(c, g), x), x), in_dtype(sum_to(where(~c, g), y), y))

    jvp = classmethod(linear_jvp)


def masked_fill(g: Any, m: Any) -> Any:
    """``g`` with 0 where the raw mask ``m`` holds (for Tensors PyTorch's record of
    ``g.masked_fill(m, 0)``, ``MaskedFillBackward0``)."""
    if isinstance(g, _RAW):
        return where(np.logical_not(m), g)
    return type(g)._apply(MaskedFill, (g,), (m, 0.0))


class MaskedFill(Op):
    """``a.masked_fill(mask, value)``: ``a`` with the number ctx[1] where the raw boolean
    mask ctx[0] holds (the two broadcast together); the adjoint passes elsewhere, as
    PyTorch's ``grad.masked_fill(mask, 0)``."""

    name, saves = "MaskedFillBackward0", False

    @staticmethod
    def forward(ctx, a):
        m, v = ctx
        return np.where(m, v, a).astype(np.result_type(a), copy=False)

    @staticmethod
    def backward(ctx, g, out, a):
        return sum_to(masked_fill(g, ctx[0]), a)

    @staticmethod
    def jvp(ctx, t, out, a):  # the filled elements are constants: their tangent is 0
        return MaskedFill.forward((ctx[0], 0.0), t)


class FillWhere(Op):
    """Zeros holding the 0-d ``v`` where the raw mask ctx holds: PyTorch's
    ``zeros.masked_fill_(mask, v)`` in the rules of ``max()`` and ``min()``
    (``MaskedFillBackward1``). The adjoint of ``v`` is the sum of ``g`` over the mask."""

    name, saves = "MaskedFillBackward1", False

    @staticmethod
    def forward(m, v):
        return np.where(m, v, 0).astype(np.result_type(v), copy=False)

    @staticmethod
    def backward(m, g, out, v):
        return total(where(m, g))

    @staticmethod
    def jvp(m, t, out, v):
        return FillWhere.forward(m, t)


class NotDifferentiable(Op):
    """A primitive PyTorch has no derivative for (``a // b``, ``2 % a``): it records it as
    ``NotImplemented``, and a backward pass through the record raises."""

    name, saves = "NotImplemented", False
    aten = "floor_divide"

    @classmethod
    def backward(cls, ctx, g, out, *xs):
        raise RuntimeError(f"derivative for aten::{cls.aten} is not implemented")

    @classmethod
    def jvp(cls, ctx, t, out, *xs):
        raise NotImplementedError(
            f"Trying to use forward AD with aten::{cls.aten} that does not support it.")


class FloorDivide(NotDifferentiable):
    """``a // b``: the floor of the quotient (Python's rounding, as PyTorch's)."""

    @staticmethod
    def forward(ctx, a, b):
        return np.floor_divide(a, b)


class ScatterReduce(NotDifferentiable):
    """``a`` with ``src``'s first elements (or a number) added into (``'add'``) or multiplied
    into (``'multiply'``) the elements at ``key``, an element hit twice getting both: ctx =
    (key, the slices of ``src`` used, the reduction, the number or None). PyTorch has no
    derivative for it (``scatter(..., reduce=)``)."""

    aten = "scatter"

    @staticmethod
    def forward(ctx, a, src=None):
        key, used, reduce, number = ctx
        out = np.array(a)
        values = np.asarray(number if src is None else np.asarray(src)[used]).astype(out.dtype)
        (np.add if reduce == "add" else np.multiply).at(out, key, values)
        return out


class ClampMinTensor(Op):
    """``max(a, lo)`` for a tensor bound (NaN if either is): ``a`` gets the adjoint where
    ``a >= lo``, ``lo`` where ``a < lo`` (neither where one is NaN), as in PyTorch."""

    name = "ClampMinBackward1"
    below, stays = staticmethod(np.less), staticmethod(np.greater_equal)

    @classmethod
    def forward(cls, ctx, a, lo):
        r = np.where(cls.below(a, lo), lo, a)
        return _same_kind(np.where(np.isnan(lo), lo, r), a)

    @classmethod
    def backward(cls, ctx, g, out, a, lo):
        va, vb = value(a), value(lo)
        if isinstance(g, _RAW):  # (a recorded where broadcasts g itself, as PyTorch's)
            g = expand(g, np.broadcast_shapes(shape(g), np.shape(va), np.shape(vb)))
        return sum_to(where(cls.stays(va, vb), g), a), sum_to(where(cls.below(va, vb), g), lo)

    @classmethod
    def jvp(cls, ctx, t, out, a, lo):
        ta, tl = t
        return tsum(None if ta is None else np.where(cls.stays(a, lo), ta, 0.0),
                    None if tl is None else np.where(cls.below(a, lo), tl, 0.0))


class ClampTensor(Op):
    """``min(max(a, lo), hi)`` with tensor bounds (inputs: ``a``, then the bounds given;
    ctx: ``(has_lo, has_hi)``), NaN if any is. As PyTorch's rule: ``a`` gets the adjoint
    where ``lo <= a <= hi``; ``lo`` where ``a < lo`` (and ``lo < hi``, if both); ``hi``
    where ``a > hi`` (or ``hi < lo``, if both)."""

    name = "ClampBackward0"

    @staticmethod
    def forward(ctx, a, *bounds):
        lo, hi = ClampTensor.bounds(ctx, bounds)
        r = a
        if lo is not None:
            r = np.where(np.isnan(lo), lo, np.where(np.less(r, lo), lo, r))
        if hi is not None:
            r = np.where(np.isnan(hi), hi, np.where(np.greater(r, hi), hi, r))
        return _same_kind(r, a)

    @staticmethod
    def bounds(ctx: tuple[bool, bool], bounds: tuple) -> tuple[Any, Any]:
        """``(lo, hi)`` from the bound inputs given, None for a missing one."""
        has_lo, has_hi = ctx
        return (bounds[0] if has_lo else None), (bounds[-1] if has_hi else None)

    @staticmethod
    def masks(ctx: tuple[bool, bool], a: Any, bounds: tuple) -> list[Any]:
        """Where each input gets the adjoint (raw masks): ``a``'s, then each bound's."""
        lo, hi = ClampTensor.bounds(ctx, bounds)
        inside = True
        if lo is not None:
            inside = np.greater_equal(a, lo)
        if hi is not None:
            inside = inside & np.less_equal(a, hi)
        masks = [inside]
        if lo is not None:
            masks.append(np.less(a, lo) if hi is None else np.less(a, lo) & np.less(lo, hi))
        if hi is not None:
            masks.append(np.greater(a, hi) if lo is None
                         else np.greater(a, hi) | np.less(hi, lo))
        return masks

    @staticmethod
    def backward(ctx, g, out, a, *bounds):
        ins = (a, *bounds)
        masks = ClampTensor.masks(ctx, value(a), tuple(value(b) for b in bounds))
        if isinstance(g, _RAW):  # (a recorded where broadcasts g itself, as PyTorch's)
            g = expand(g, np.broadcast_shapes(shape(g), *(np.shape(m) for m in masks)))
        gs = tuple(sum_to(where(m, g), x) for m, x in zip(masks, ins))
        return gs if len(gs) > 1 else gs[0]

    @staticmethod
    def jvp(ctx, t, out, a, *bounds):
        t = t if bounds else (t,)
        masks = ClampTensor.masks(ctx, a, bounds)
        return tsum(*(None if ti is None else np.where(m, ti, 0.0) for m, ti in zip(masks, t)))


class ClampMaxTensor(ClampMinTensor):
    name = "ClampMaxBackward1"
    below, stays = staticmethod(np.greater), staticmethod(np.less_equal)


class Remainder(Op):
    """``a % b``, of the sign of ``b`` (Python's); d/db = -floor(a / b)."""

    name, saves = "RemainderBackward1", True

    @staticmethod
    def forward(ctx, a, b):
        return remainder(a, b)

    @staticmethod
    def backward(ctx, g, out, a, b):
        return sum_to(g, a), sum_to(-g * quotient(np.floor_divide, a, b, g), b)

    @staticmethod
    def jvp(ctx, t, out, a, b):
        ta, tb = t
        with quiet():
            return tsum(ta, None if tb is None else -tb * np.floor_divide(a, b))


class Fmod(Op):
    """``fmod(a, b)``, of the sign of ``a`` (C's); d/db = -trunc(a / b)."""

    name, saves = "FmodBackward1", True

    @staticmethod
    def forward(ctx, a, b):
        return np.fmod(a, b)

    @staticmethod
    def backward(ctx, g, out, a, b):
        return sum_to(g, a), sum_to(-g * quotient(_trunc_divide, a, b, g), b)

    @staticmethod
    def jvp(ctx, t, out, a, b):
        ta, tb = t
        with quiet():
            return tsum(ta, None if tb is None else -tb * _trunc_divide(a, b))


def _trunc_divide(a: Any, b: Any) -> Any:
    return np.trunc(np.divide(a, b))


def quotient(f: Any, a: Any, b: Any, g: Any) -> Any:
    """The rounded quotient ``f(a, b)`` that the rules of remainder and fmod read: raw, or
    for Tensors the record of :class:`RoundedDivide` (of derivative 0, as PyTorch's
    ``div(rounding_mode=...)``)."""
    if isinstance(g, _RAW):
        with quiet():
            return f(value(a), value(b))
    return type(g)._apply(RoundedDivide, (a, b), f)


class RoundedDivide(Op):
    """``a / b`` rounded by ctx (floor or trunc); a step function: its derivative is 0.
    PyTorch's ``div(a, b, rounding_mode=...)``: ``DivBackward2``."""

    name, saves = "DivBackward2", False

    @staticmethod
    def forward(f, a, b):
        with quiet():
            return f(a, b)

    @staticmethod
    def backward(f, g, out, a, b):
        return sum_to(g * 0, a), sum_to(g * 0, b)

    @staticmethod
    def jvp(f, t, out, a, b):
        return 0.0


# A tensor and a Python number ``c`` (kept in ctx, so it has no gradient).
class AddC(Op):
    name, saves = "AddBackward0", False
    number_input = True  # PyTorch lists the number as a (None, 0) input in next_functions

    @staticmethod
    def forward(c, a):
        return a + c

    @staticmethod
    def backward(c, g, out, a):
        return g

    jvp = classmethod(diagonal_jvp)


class SubC(AddC):
    name, saves = "SubBackward0", False

    @staticmethod
    def forward(c, a):
        return a - c


class RSubC(Op):
    """``c - a``."""

    name, saves = "RsubBackward1", False

    @staticmethod
    def forward(c, a):
        return c - a

    @staticmethod
    def backward(c, g, out, a):
        return -g

    jvp = classmethod(diagonal_jvp)


class MulC(Op):
    name = "MulBackward0"
    number_input = True
    keeps = ""  # the number only

    @staticmethod
    def forward(c, a):
        return a * c

    @staticmethod
    def backward(c, g, out, a):
        return g * c

    jvp = classmethod(diagonal_jvp)


class DivC(Op):
    name = "DivBackward0"
    number_input = True
    keeps = ""  # the number only

    @staticmethod
    def forward(c, a):
        return div(a, c)

    @staticmethod
    def backward(c, g, out, a):
        return div(g, c)

    jvp = classmethod(diagonal_jvp)


class SubScalar(SubC):
    """A difference with a number inside a backward rule (``SubBackward1``)."""

    name = "SubBackward1"
    number_input = False


class AddScalar(AddC):
    """A sum with a number inside a backward rule (:func:`plus`)."""

    name = "AddBackward1"
    number_input = False


class MulScalar(MulC):
    """A product by a number inside a backward rule (:func:`times`)."""

    name = "MulBackward1"
    number_input = False


class DivScalar(DivC):
    """A quotient by a number inside a rule (:func:`over`; also cross-entropy's mean)."""

    name = "DivBackward1"
    number_input = False


class Reciprocal(Op):
    """``1 / a``. PyTorch computes ``c / a`` as ``a.reciprocal() * c``, and so does
    ``Tensor.__rtruediv__``: the same rounding, and the same two records."""

    name = "ReciprocalBackward0"
    keeps = "out"

    @staticmethod
    def forward(ctx, a):
        if type(a) is float:
            return div(1.0, a)
        with quiet():
            return np.reciprocal(a)

    @staticmethod
    def backward(ctx, g, out, a):
        return -g * (out * out)

    jvp = classmethod(diagonal_jvp)


class PowC(Op):
    """``a ** c``: d/da = c * a ** (c - 1) (zero when c == 0, as in PyTorch)."""

    name = "PowBackward0"

    @staticmethod
    def forward(c, a):
        if c == 2 and type(a) is float:  # the commonest case, as pow_scalar computes it
            return a * a
        return pow_scalar(a, c)

    @staticmethod
    def raw_backward(c, g, out, a):  # what the sweep runs on floats and arrays
        return g * (2.0 * a) if c == 2 else PowC.backward(c, g, out, a)

    @staticmethod
    def backward(c, g, out, a):
        if c == 2 and (type(a) is float or isinstance(a, _RAW)):  # a ** 1 is a: no call
            return g * (2.0 * a)  # a float 2.0: CPython multiplies two floats fastest
        return g * times(pow_scalar(a, c - 1), c) if c != 0 else zeros(g)

    jvp = classmethod(diagonal_jvp)


class RPowC(Op):
    """``c ** a``: d/da = c ** a * log(c)."""

    name = "PowBackward2"
    keeps = "in+out"

    @staticmethod
    def forward(c, a):
        return power(c, a)

    @staticmethod
    def backward(c, g, out, a):
        if c == 0:  # torch: 0 where a >= 0, else out * log(0) (-inf, or nan for nan)
            vo = value(out)
            with np.errstate(invalid="ignore"):
                d = np.where(np.greater_equal(value(a), 0), 0.0, np.multiply(vo, -math.inf))
            return g * like(d.astype(np.result_type(vo)), g)
        return g * times(out, log(float(c)))

    jvp = classmethod(diagonal_jvp)


class FloorDivideC(NotDifferentiable):
    """``a // c`` (``kernel(a, c)``; ``kernel(c, a)`` for the ``reflected`` ones)."""

    kernel = staticmethod(np.floor_divide)
    reflected = False

    @classmethod
    def forward(cls, c, a):
        return _same_kind(cls.kernel(c, a) if cls.reflected else cls.kernel(a, c), a)


class RFloorDivideC(FloorDivideC):
    """``c // a``."""

    reflected = True


class RRemainderC(FloorDivideC):
    """``c % a``."""

    aten, kernel, reflected = "remainder", staticmethod(remainder), True


class RemainderC(Op):
    """``a % c`` (``kernel``): the gradient passes unchanged."""

    name, saves = "RemainderBackward0", False
    kernel = staticmethod(remainder)

    @classmethod
    def forward(cls, c, a):
        return _same_kind(cls.kernel(a, c), a)

    @staticmethod
    def backward(c, g, out, a):
        return g

    jvp = classmethod(diagonal_jvp)


class FmodC(RemainderC):
    name, kernel = "FmodBackward0", staticmethod(np.fmod)


# One tensor, elementwise.
class Neg(Op):
    name, saves = "NegBackward0", False

    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, g, out, a):
        return -g

    jvp = classmethod(diagonal_jvp)


class Sign(Op):
    """-1, 0 or 1; its derivative is 0 everywhere (a record only so that, as in torch,
    ``abs`` and ``relu`` rules stay differentiable under create_graph)."""

    name, saves = "SignBackward0", False

    @staticmethod
    def forward(ctx, a):
        return sign(a)

    @staticmethod
    def backward(ctx, g, out, a):
        return zeros(g)  # torch's zeros_like(grad): nothing recorded

    jvp = classmethod(diagonal_jvp)


class Sgn(Sign):
    """The sign as abs's rule records it (:func:`sgn`)."""

    name = "SgnBackward0"


class Exp(Op):
    name = "ExpBackward0"
    keeps = "out"

    @staticmethod
    def forward(ctx, a):
        return exp(a)

    @staticmethod
    def backward(ctx, g, out, a):
        return g * out

    jvp = classmethod(diagonal_jvp)


class Log(Op):
    name = "LogBackward0"

    @staticmethod
    def forward(ctx, a):
        return log(a)

    @staticmethod
    def backward(ctx, g, out, a):
        return div(g, a)

    jvp = classmethod(diagonal_jvp)


class Sin(Op):
    name = "SinBackward0"

    @staticmethod
    def forward(ctx, a):
        return sin(a)

    @staticmethod
    def backward(ctx, g, out, a):
        return g * cos(a)

    jvp = classmethod(diagonal_jvp)


class Cos(Op):
    name = "CosBackward0"

    @staticmethod
    def forward(ctx, a):
        return cos(a)

    @staticmethod
    def backward(ctx, g, out, a):  # recorded as torch's: g * -sin(a)
        return g * -sin(a)

    jvp = classmethod(diagonal_jvp)


class Tanh(Op):
    name = "TanhBackward0"
    keeps = "out"

    @staticmethod
    def forward(ctx, a):
        return math.tanh(a) if type(a) is float else tanh(a)  # math.tanh never raises

    @staticmethod
    def raw_backward(ctx, g, out, a):  # what the sweep runs on floats and arrays
        return g * (1.0 - out * out)

    @staticmethod
    def backward(ctx, g, out, a):
        if type(g) is float or isinstance(g, _RAW):
            return g * (1.0 - out * out)
        return type(g)._apply(TanhBackward, (g, out))

    jvp = classmethod(diagonal_jvp)


class RuleOfOut(Op):
    """The backward rule of the primitive ``of``, a rule of ``g`` and the output ``out``, as
    a record of its own (what PyTorch records for it under create_graph): inputs
    ``(g, out)``; each subclass gives its derivatives."""

    of: type[Op]

    @classmethod
    def forward(cls, ctx, g, out):
        return cls.of.backward(ctx, g, out, None)


class TanhBackward(RuleOfOut):
    """Tanh's rule, ``g (1 - out^2)``, as a record; its derivative in ``out`` is
    ``-2 out g``."""

    name, of = "TanhBackwardBackward0", Tanh

    @staticmethod
    def backward(ctx, gg, res, g, out):
        return Tanh.backward(ctx, gg, out, None), gg * (times(out, -2.0) * g)

    jvp = classmethod(diagonal_jvp)


class Sigmoid(Op):
    name = "SigmoidBackward0"
    keeps = "out"

    @staticmethod
    def forward(ctx, a):
        return sigmoid(a)

    @staticmethod
    def raw_backward(ctx, g, out, a):  # what the sweep runs on floats and arrays
        return g * (1 - out) * out  # PyTorch's order of the products

    @staticmethod
    def backward(ctx, g, out, a):
        if type(g) is float or isinstance(g, _RAW):
            return g * (1 - out) * out
        return type(g)._apply(SigmoidBackward, (g, out))

    jvp = classmethod(diagonal_jvp)


class SigmoidBackward(RuleOfOut):
    """Sigmoid's rule, ``g (1 - out) out``, as a record; its derivative in ``out`` is
    ``g (1 - 2 out)``."""

    name, of = "SigmoidBackwardBackward0", Sigmoid

    @staticmethod
    def backward(ctx, gg, res, g, out):
        return Sigmoid.backward(ctx, gg, out, None), gg * g * (times(out, -2.0) + 1)

    jvp = classmethod(diagonal_jvp)


class Relu(Op):
    """max(a, 0); its derivative at 0 is taken as 0, as in PyTorch."""

    name = "ReluBackward0"
    keeps = "out"

    @staticmethod
    def forward(ctx, a):
        return (0.0 if a <= 0 else a) if type(a) is float else np.maximum(a, 0)  # nan stays

    @staticmethod
    def backward(ctx, g, out, a):
        if type(g) is float:  # a 0-d float64 record: out is a float too
            return 0.0 if out <= 0 else g
        return threshold(g, out)

    jvp = classmethod(diagonal_jvp)


def threshold(g: Any, out: Any) -> Any:
    """``g`` where ``out > 0``, else 0 (nan passes ``g``): relu's rule, on raw values or, as
    the primitive :class:`ThresholdBackward`, on Tensors."""
    if isinstance(g, _RAW):
        if type(g) is float and type(out) is float:
            return 0.0 if out <= 0 else g
        return np.where(np.less_equal(out, 0), 0, g)
    return type(g)._apply(ThresholdBackward, (g, out))


class ThresholdBackward(Op):
    """Relu's rule as a record (what PyTorch records for it under create_graph); its
    derivative in ``out`` is 0."""

    name = "ThresholdBackwardBackward0"

    @staticmethod
    def forward(ctx, g, out):
        return threshold(g, out)

    @staticmethod
    def backward(ctx, gg, res, g, out):
        return threshold(gg, out), zeros(gg)

    jvp = classmethod(diagonal_jvp)


class Abs(Op):
    name = "AbsBackward0"

    @staticmethod
    def forward(ctx, a):
        return abs(a)

    @staticmethod
    def backward(ctx, g, out, a):
        return g * sgn(a)

    jvp = classmethod(diagonal_jvp)


class Sqrt(Op):
    name = "SqrtBackward0"
    keeps = "out"

    @staticmethod
    def forward(ctx, a):
        return sqrt(a)

    @staticmethod
    def backward(ctx, g, out, a):
        return div(g, times(out, 2))

    jvp = classmethod(diagonal_jvp)


class Clamp(Op):
    """Clip to [lo, hi] (ctx); the gradient passes where lo <= a <= hi, bounds included."""

    name = "ClampBackward1"

    @staticmethod
    def forward(ctx, a):
        lo, hi = ctx
        if type(a) is float:
            if lo is not None and a < lo:
                a = float(lo)
            if hi is not None and a > hi:
                a = float(hi)
            return a
        if lo is not None:  # np.clip's own wrapper costs more than the arithmetic
            a = np.maximum(a, lo)
        return a if hi is None else np.minimum(a, hi)

    @staticmethod
    def backward(ctx, g, out, a):
        lo, hi = ctx
        if type(g) is float or isinstance(g, _RAW):
            if lo is not None:
                g = g * (a >= lo)
            if hi is not None:
                g = g * (a <= hi)
            return g
        va = value(a)  # recorded as PyTorch's: where(lo <= a <= hi, g, 0)
        inside = np.ones(np.shape(va), dtype=bool)
        if lo is not None:
            inside &= np.greater_equal(va, lo)
        if hi is not None:
            inside &= np.less_equal(va, hi)
        return where(inside, g)

    jvp = classmethod(diagonal_jvp)


class ClampMin(Op):
    """``max(a, lo)`` (ctx: lo); the gradient passes where a >= lo."""

    name = "ClampMinBackward0"

    @staticmethod
    def forward(lo, a):  # (a where not below lo: -0.0 and nan stay, as in PyTorch)
        return _same_kind(np.where(np.less(a, lo), lo, a).astype(np.result_type(a)), a)

    @staticmethod
    def backward(lo, g, out, a):
        return where(np.greater_equal(value(a), lo), g)

    jvp = classmethod(diagonal_jvp)


class ClampMax(Op):
    """``min(a, hi)`` (ctx: hi); the gradient passes where a <= hi."""

    name = "ClampMaxBackward0"

    @staticmethod
    def forward(hi, a):
        return _same_kind(np.where(np.greater(a, hi), hi, a).astype(np.result_type(a)), a)

    @staticmethod
    def backward(hi, g, out, a):
        return where(np.less_equal(value(a), hi), g)

    jvp = classmethod(diagonal_jvp)


class Round(Op):
    """To the nearest integer, halves to even (``kernel``; its subclasses round the other
    ways); a step function: its derivative is 0."""

    name, saves = "RoundBackward0", False
    kernel = staticmethod(np.round)

    @classmethod
    def forward(cls, ctx, a):
        return _same_kind(cls.kernel(a), a)

    @staticmethod
    def backward(ctx, g, out, a):
        return zeros(g)  # torch's zeros_like(grad): nothing recorded

    jvp = classmethod(diagonal_jvp)


class RoundDecimals(Round):
    """To ``ctx`` decimals, as PyTorch computes it: ``rint(a * 10**d) / 10**d`` (for d < 0,
    ``rint(a / 10**-d) * 10**-d``), in the input's dtype."""

    name = "RoundBackward1"

    @staticmethod
    def forward(d, a):
        x = np.asarray(a)
        p = x.dtype.type(10.0 ** abs(d))
        r = np.rint(x * p) / p if d >= 0 else np.rint(x / p) * p
        return _same_kind(r, a)


class Floor(Round):
    name, kernel = "FloorBackward0", staticmethod(np.floor)


class Ceil(Round):
    name, kernel = "CeilBackward0", staticmethod(np.ceil)


class Trunc(Round):
    name, kernel = "TruncBackward0", staticmethod(np.trunc)


class Log1p(Op):
    name = "Log1PBackward0"

    @staticmethod
    def forward(ctx, a):
        return _same_kind(np.log1p(a), a)

    @staticmethod
    def backward(ctx, g, out, a):
        return div(g, plus(a, 1))  # torch's g / (a + 1): AddBackward1

    jvp = classmethod(diagonal_jvp)


class Logit(Op):
    """``log(a / (1 - a))``, with ``a`` first clamped to [eps, 1 - eps] when ``eps`` (ctx)
    is given and not negative (PyTorch's kernels take a negative eps as none). Its
    derivative ``1 / (a (1 - a))`` is taken only inside [0, 1] (nan outside) without eps,
    or inside [eps, 1 - eps] (0 outside) with it: PyTorch's rule, which under create_graph
    it records as ``where(inside, g / (a * (1 - a)), fill)`` and there reads a negative
    eps as it is."""

    name = "LogitBackward0"

    @staticmethod
    def forward(eps, a):
        x = a  # clamped as PyTorch's kernel does (x < lo ? lo : x > hi ? hi : x, which
        if eps is not None and eps >= 0:  # differs from clip when eps > 0.5)
            x = np.where(np.less(a, eps), eps, np.where(np.greater(a, 1.0 - eps), 1.0 - eps, a))
            x = _same_kind(x.astype(np.result_type(a), copy=False), a)
        with quiet():
            return _same_kind(np.log(np.divide(x, np.subtract(1.0, x, dtype=np.result_type(x)))),
                              a)

    @staticmethod
    def backward(eps, g, out, a):
        raw = isinstance(g, _RAW)
        if raw and eps is not None and eps < 0:
            eps = None  # the kernel's reading (the recorded rule keeps eps as it is)
        x = value(a)
        lo = 0.0 if eps is None else eps
        with quiet():
            inside = (np.greater_equal(x, lo)) & (np.less_equal(x, 1.0 - lo))
        if isinstance(a, _RAW):
            d = div(g, a * (1.0 - a))
        else:  # PyTorch's 1.0 - self in C++ is a subtraction of tensors: SubBackward0
            d = div(g, a * (like(np.ones((), dtype=a.dtype.np), a) - a))
        return where(inside, d, 0.0 if eps is not None else math.nan)

    jvp = classmethod(diagonal_jvp)


class Expm1(Op):
    name = "Expm1Backward0"
    keeps = "out"

    @staticmethod
    def forward(ctx, a):
        return _same_kind(np.expm1(a), a)

    @staticmethod
    def backward(ctx, g, out, a):
        return g * plus(out, 1)  # torch's g * (result + 1): AddBackward1

    jvp = classmethod(diagonal_jvp)


class NanToNum(Op):
    """NaN, inf and -inf replaced by the numbers of ctx; the gradient passes where ``a`` is
    finite."""

    name = "NanToNumBackward0"

    @staticmethod
    def forward(ctx, a):
        nan, posinf, neginf = ctx
        return _same_kind(np.nan_to_num(a, nan=nan, posinf=posinf, neginf=neginf), a)

    @staticmethod
    def backward(ctx, g, out, a):
        if isinstance(g, _RAW):
            return where(np.isfinite(value(a)), g)
        return g * _mask(np.isfinite(value(a)), g)  # PyTorch's: grad * isfinite(self)

    @staticmethod
    def jvp(ctx, t, out, a):  # a product with the mask, as PyTorch's (inf * 0 is nan)
        with quiet():
            return t * np.isfinite(a)


class ToCopy(Op):
    """A change of dtype (ctx: the NumPy dtype); the gradient goes back in the input's."""

    name, saves = "ToCopyBackward0", False

    @staticmethod
    def forward(ctx, a):
        with quiet():  # 1e300 -> float32 inf, nan -> int: as PyTorch
            return np.asarray(a, dtype=ctx)

    @staticmethod
    def backward(ctx, g, out, a):
        if isinstance(g, _RAW):
            return np.asarray(g, dtype=np.result_type(a))
        return g.to(a.dtype)

    jvp = classmethod(linear_jvp)


OVERLAP_ERROR = ("unsupported operation: more than one element of the written-to tensor refers "
                 "to a single memory location. Please clone() the tensor before performing "
                 "the operation.")


def dense(a: np.ndarray) -> bool:
    """Whether ``a``'s elements fill its span of memory exactly, in some order of dims (no
    gaps, no element in two places): PyTorch's "non-overlapping and dense"."""
    span = sum((n - 1) * abs(s) for n, s in zip(a.shape, a.strides) if n > 1)
    return all(s or n == 1 for n, s in zip(a.shape, a.strides)) and span == (a.size - 1) * \
        a.itemsize


class Clone(Op):
    """A copy. ctx None: PyTorch's ``preserve_format`` (a dense tensor keeps its layout, a
    transposed one stays transposed; others become contiguous); ``"contiguous"``: always
    row-major, as ``contiguous()``."""

    name, saves = "CloneBackward0", False

    @staticmethod
    def forward(ctx, a):
        if type(a) is float:
            return a
        return a.copy(order="K" if ctx is None and dense(a) else "C")

    @staticmethod
    def backward(ctx, g, out, a):
        return g

    jvp = classmethod(linear_jvp)


class Copy(Clone):
    """The copy PyTorch makes of a leaf's first gradient under ``create_graph=True``."""

    name = "CopyBackwards"

    @staticmethod
    def forward(ctx, a):
        return a if type(a) is float else a.copy()


# Reductions. ctx = (dims, keepdim), dims None meaning all.
class Sum(Op):
    name, saves = "SumBackward0", False

    @staticmethod
    def forward(ctx, a):
        dims, keepdim = ctx
        if type(a) is np.ndarray:
            return sum_array(a, dims, keepdim)
        return np.add.reduce(a, axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, g, out, a):
        dims, keepdim = ctx
        if dims is not None and not keepdim and type(g) is not float:  # a float fits any shape
            g = kept(g, shape(a), dims, False)
        return expand(g, shape(a))

    jvp = classmethod(linear_jvp)


class SumDim(Sum):
    name = "SumBackward1"


class Mean(Op):
    name, saves = "MeanBackward0", False

    @staticmethod
    def forward(ctx, a):
        dims, keepdim = ctx
        if type(a) is np.ndarray:
            return mean_array(a, dims, keepdim)
        return np.mean(a, axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, g, out, a):
        dims = ctx[0]
        s = shape(a)
        n = math.prod(s) if dims is None else math.prod(s[d] for d in dims)
        return over(Sum.backward(ctx, g, out, a), n)

    jvp = classmethod(linear_jvp)


class MeanDim(Mean):
    name = "MeanBackward1"


def _keepdim_shape(s: tuple[int, ...], dims: tuple[int, ...]) -> tuple[int, ...]:
    """The shape ``s`` reduced over ``dims`` with ``keepdim=True``."""
    return tuple(1 if i in dims else n for i, n in enumerate(s))


class MaxAll(Op):
    """The largest element (NaN if there is one); the elements equal to it share the
    gradient evenly, as in PyTorch: the NaNs, if the result is NaN."""

    name = "MaxBackward1"
    keeps = "in+out"

    @staticmethod
    def forward(ctx, a):
        return np.max(a)

    @staticmethod
    def backward(ctx, g, out, a):
        va, vo = value(a), value(out)
        if type(va) is float:  # one element, the largest
            return g
        hit = np.isnan(va) if np.isnan(vo) else np.equal(va, vo)
        if not isinstance(g, _RAW):  # recorded as PyTorch's: zeros.masked_fill_(hit, g / n)
            n = like(np.asarray(np.sum(hit), dtype=g.dtype.np), g)
            return type(g)._apply(FillWhere, (div(g, n),), hit)
        return div(g * like(hit.astype(np.result_type(vo)), g), int(np.sum(hit)))

    @classmethod
    def jvp(cls, ctx, t, out, a):
        return reduction_jvp(cls, ctx, t, out, a, None, False)


class MinAll(MaxAll):
    name = "MinBackward1"

    @staticmethod
    def forward(ctx, a):
        return np.min(a)


class MaxDim(Op):
    """Max along one dim; ctx = (dim, keepdim, indices). The first maximum gets it all."""

    name = "MaxBackward0"
    keeps = ""  # the indices only

    @staticmethod
    def forward(ctx, a):
        dim, keepdim, idx = ctx
        return np.take_along_axis(a, np.expand_dims(idx, dim), dim).reshape(
            idx.shape if not keepdim else _keepdim_shape(a.shape, (dim,))
        )

    @staticmethod
    def backward(ctx, g, out, a):
        dim, keepdim, idx = ctx
        s = shape(a)
        if s and not (type(g) is float or isinstance(g, _RAW)):  # as PyTorch records it:
            ik = np.expand_dims(idx, dim)  # zeros.scatter(dim, indices, g unsqueezed)
            key = list(np.indices(ik.shape, sparse=True))
            key[dim] = ik
            z = like(np.zeros(s, dtype=g.dtype.np), g)
            used = tuple(slice(0, n) for n in ik.shape)
            return type(g)._apply(Scatter, (z, kept(g, s, (dim,), keepdim)), (tuple(key), used))
        g = reshape(g, _keepdim_shape(s, (dim,)))
        hit = np.zeros(s, dtype=bool)
        np.put_along_axis(hit, np.expand_dims(idx, dim), True, dim)
        return expand(g, s) * like(hit, g)

    jvp = classmethod(linear_jvp)


class MinDim(MaxDim):
    name = "MinBackward0"


def _count(s: tuple[int, ...], dims: tuple[int, ...] | None) -> int:
    """How many elements of shape ``s`` each result of a reduction over ``dims`` sums."""
    return math.prod(s) if dims is None else math.prod(s[d] for d in dims)


def kept(x: Any, s: tuple[int, ...], dims: tuple[int, ...] | None, keepdim: bool) -> Any:
    """A reduction's result ``x`` (or its adjoint) with the reduced dims of ``s`` kept as 1,
    so that it broadcasts against the input. A Tensor is recorded as PyTorch's rules make
    it (``unsqueeze_multiple``): unsqueezed at each reduced dim in turn, from the first."""
    if keepdim or type(x) is float or dims is None:  # a 0-d value broadcasts as it is
        return x
    if isinstance(x, _RAW):
        return np.reshape(x, _keepdim_shape(s, dims))
    if s:  # (a 0-d input: nothing was reduced)
        for d in sorted(dims):
            x = x.unsqueeze(d)
    return x


def restored(x: Any, s: tuple[int, ...], dims: tuple[int, ...] | None,
             keepdim: bool) -> Any:
    """:func:`kept` by a reshape, as PyTorch's ``restore_reduced_dims`` (amax, amin)
    records it (``ViewBackward0``)."""
    if keepdim or type(x) is float or dims is None:
        return x
    return reshape(x, _keepdim_shape(s, dims))


def _mean_kept(a: Any, dims: tuple[int, ...] | None) -> Any:
    if not isinstance(a, _RAW):  # recorded as PyTorch's rules: a mean
        return a.mean() if dims is None else a.mean(dims, keepdim=True)
    return div(sum_dims(a, dims, keepdim=True), _count(shape(a), dims))


class Var(Op):
    """Variance over ctx = (dims, correction, keepdim): the squared deviations from the mean
    summed, divided by ``N - correction`` (inf or nan where that is not positive)."""

    name = "VarBackward0"

    @staticmethod
    def forward(ctx, a):
        dims, c, keepdim = ctx
        x = np.asarray(a)
        d = x - np.mean(x, axis=dims, keepdims=True)
        n = max(_count(x.shape, dims) - c, 0)
        with quiet():
            return np.divide(np.sum(d * d, axis=dims, keepdims=keepdim), n, dtype=x.dtype)

    @staticmethod
    def backward(ctx, g, out, a):  # torch's: (2 / (N - c)) * g * (a - mean), g unsqueezed
        dims, c, keepdim = ctx  # for an input of 2 dims or more
        s = shape(a)
        if len(s) > 1:
            g = kept(g, s, dims, keepdim)
        return times(g, div(2.0, _count(s, dims) - c)) * (a - _mean_kept(a, dims))

    @classmethod
    def jvp(cls, ctx, t, out, a):
        return reduction_jvp(cls, ctx, t, out, a, ctx[0], ctx[2])


class Std(Var):
    """The square root of :class:`Var`; its rule is Var's with ``g / (2 * out)``."""

    name = "StdBackward0"
    keeps = "in+out"

    @staticmethod
    def forward(ctx, a):
        return np.sqrt(Var.forward(ctx, a))

    @staticmethod
    def backward(ctx, g, out, a):  # torch's: g / (out * 2), 0 where out is 0, to Var's rule
        gv = quotient_or_0(g, times(out, 2), np.equal(value(out), 0))
        return Var.backward(ctx, gv, None, a)


class PairPart(Op):
    """One of the two results of ``torch.var_mean``, ``std_mean`` or ``aminmax``: outputs
    of one node (ctx: the reduction's, then the output's number and their
    :class:`Outputs`). Each output's rule is that of its reduction (``part``, with
    ``part_ctx``); the node's rule (``backward_all``) is PyTorch's: the first output's part,
    then the second's added."""

    several, keeps = True, "in+out"
    part: type[Op]
    pair: tuple[type[PairPart], type[PairPart]]  # the first and the second output

    @classmethod
    def part_ctx(cls, ctx: Any) -> Any:
        return ctx[:-2]

    @classmethod
    def forward(cls, ctx, a):
        return cls.part.forward(cls.part_ctx(ctx), a)

    @classmethod
    def backward(cls, ctx, g, out, a):
        return cls.part.backward(cls.part_ctx(ctx), g, out, a)

    @classmethod
    def jvp(cls, ctx, t, out, a):
        return cls.part.jvp(cls.part_ctx(ctx), t, out, a)

    @classmethod
    def backward_all(cls, ctx, gs, a):
        r = None
        for kind, g, ref in zip(cls.pair, gs, ctx[-1].outputs):
            if g is not None:  # (an output that has an adjoint is alive; std reads it)
                out = ref()
                part = kind.backward(ctx, g, value(out) if isinstance(g, _RAW) else out, a)
                r = part if r is None else r + part
        return r


class VarMeanVar(PairPart):
    """The variance of ``torch.var_mean`` (ctx: Var's, then as :class:`PairPart`)."""

    name, part = "VarMeanBackward0", Var


class VarMeanMean(VarMeanVar):
    """The mean of ``torch.var_mean``."""

    part = Mean

    @classmethod
    def part_ctx(cls, ctx: Any) -> Any:
        return ctx[0], ctx[2]


class StdMeanStd(PairPart):
    """The standard deviation of ``torch.std_mean`` (ctx: Std's, then as :class:`PairPart`)."""

    name, part = "StdMeanBackward0", Std


class StdMeanMean(StdMeanStd):
    """The mean of ``torch.std_mean``."""

    part, part_ctx = Mean, VarMeanMean.part_ctx


VarMeanVar.pair = VarMeanMean.pair = (VarMeanVar, VarMeanMean)
StdMeanStd.pair = StdMeanMean.pair = (StdMeanStd, StdMeanMean)


def quotient_or_0(n: Any, d: Any, zero: Any) -> Any:
    """``n / d`` with 0 where the raw mask ``zero`` holds (a NaN or an inf there too), as
    PyTorch's ``(n / d).masked_fill_(zero, 0)``, which is what Tensors record."""
    if isinstance(n, _RAW) and isinstance(d, _RAW):
        if type(n) is float and type(d) is float:
            return 0.0 if zero else n / d
        with quiet():
            return np.where(zero, 0, np.divide(n, d))
    return masked_fill(div(n, d), zero)


class VectorNorm(Op):
    """The ``p``-norm over ctx = (p, dims, keepdim), as ``torch.linalg.vector_norm``: 0
    counts the nonzeros, inf and -inf take the largest or smallest ``|a|`` (ties share the
    gradient), any other ``p`` is ``sum(|a| ** p) ** (1 / p)``."""

    name = "LinalgVectorNormBackward0"
    keeps = "in+out"

    @staticmethod
    def forward(ctx, a):
        p, dims, keepdim = ctx
        x = np.asarray(a)
        with quiet():
            if p == 2:
                return np.sqrt(np.sum(x * x, axis=dims, keepdims=keepdim))
            m = np.abs(x)
            if p == 1:
                return np.sum(m, axis=dims, keepdims=keepdim)
            if p == math.inf:
                return np.max(m, axis=dims, keepdims=keepdim)
            if p == -math.inf:
                return np.min(m, axis=dims, keepdims=keepdim)
            if p == 0:
                return np.sum(m != 0, axis=dims, keepdims=keepdim).astype(x.dtype)
            s = np.sum(m ** x.dtype.type(p), axis=dims, keepdims=keepdim)
            return s ** x.dtype.type(1.0 / p)

    @staticmethod
    def backward(ctx, g, out, a):  # PyTorch's norm_backward, in its order of operations
        p, dims, keepdim = ctx
        s = shape(a)
        g, out = kept(g, s, dims, keepdim), kept(out, s, dims, keepdim)
        if p == 0:
            return None  # PyTorch's rule gives no gradient at all
        if p == 1:
            return sgn(a) * g
        zero = np.equal(value(out), 0)  # where the gradient is taken as 0
        if p == 2:
            return g * quotient_or_0(a, out, zero)
        if p in (math.inf, -math.inf):
            hit = np.equal(abs(value(a)), value(out)).astype(np.result_type(value(a)))
            n = np.sum(hit, axis=dims, keepdims=True)
            return sgn(a) * (div(g, like(n, g)) * like(hit, g))
        with quiet():  # (|a| ** (p - 1) is inf where a is 0, for p < 1: then made 0)
            if p < 1:
                m = masked_fill(pow_scalar(abs(a), p - 1), np.equal(value(a), 0))
                return sgn(a) * m * g * pow_scalar(out, 1 - p)
            scaled = sgn(a) * pow_scalar(abs(a), p - 1) if p < 2 else a * pow_scalar(abs(a), p - 2)
            return scaled * quotient_or_0(g, pow_scalar(out, p - 1), zero)

    @classmethod
    def jvp(cls, ctx, t, out, a):
        return reduction_jvp(cls, ctx, t, out, a, ctx[1], ctx[2])


class Amax(Op):
    """The largest element over ctx = (dims, keepdim); the elements equal to it share the
    gradient evenly, as in PyTorch."""

    name = "AmaxBackward0"
    keeps = "in+out"
    reduce = staticmethod(np.max)

    @classmethod
    def forward(cls, ctx, a):
        dims, keepdim = ctx
        return cls.reduce(a, axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, g, out, a):
        dims, keepdim = ctx
        s = shape(a)
        va = value(a)
        hit = np.equal(va, value(restored(out, s, dims, keepdim))).astype(np.result_type(va))
        n = np.sum(hit, axis=dims, keepdims=True)
        return div(restored(g, s, dims, keepdim), like(n, g)) * like(hit, g)

    @classmethod
    def jvp(cls, ctx, t, out, a):
        return reduction_jvp(cls, ctx, t, out, a, ctx[0], ctx[1])


class Amin(Amax):
    name = "AminBackward0"
    reduce = staticmethod(np.min)


class AminmaxMin(PairPart):
    """The smallest element of ``torch.aminmax`` (ctx: Amin's, then as :class:`PairPart`)."""

    name, part = "AminmaxBackward0", Amin


class AminmaxMax(AminmaxMin):
    """The largest element of ``torch.aminmax``."""

    part = Amax


AminmaxMin.pair = AminmaxMax.pair = (AminmaxMin, AminmaxMax)


class LogSumExp(Op):
    """``log(sum(exp(a)))`` over ctx = (dims, keepdim), computed stably; d/da = exp(a - out)."""

    name = "LogsumexpBackward0"
    keeps = "in+out"

    @staticmethod
    def forward(ctx, a):
        dims, keepdim = ctx
        x = np.asarray(a)
        with quiet():
            m = np.max(x, axis=dims, keepdims=True, initial=-np.inf)  # (-inf if empty)
            m = np.where(np.isinf(m), 0, m).astype(x.dtype)
            r = np.log(np.sum(np.exp(x - m), axis=dims, keepdims=True)) + m
        return r if keepdim else np.squeeze(r, axis=dims)

    @staticmethod
    def backward(ctx, g, out, a):
        dims, keepdim = ctx
        s = shape(a)
        return kept(g, s, dims, keepdim) * exp(a - kept(out, s, dims, keepdim))

    @classmethod
    def jvp(cls, ctx, t, out, a):
        return reduction_jvp(cls, ctx, t, out, a, ctx[0], ctx[1])


def _others(x: np.ndarray, d: int) -> np.ndarray:
    """For each element, the product of the others along dim ``d`` (zeros allowed)."""
    one = np.ones_like(np.take(x, [0], axis=d))
    before = np.cumprod(np.concatenate([one, np.take(x, range(x.shape[d] - 1), axis=d)], d), d)
    rev = np.flip(x, d)
    after = np.cumprod(np.concatenate([one, np.take(rev, range(x.shape[d] - 1), axis=d)], d), d)
    return before * np.flip(after, d)


def _others_recorded(x: Any, d: int) -> Any:
    """:func:`_others` of a Tensor ``x``, recorded as PyTorch's
    ``prod_safe_zeros_backward`` computes it: exclusive running products from each end
    (``cat`` of ones and a narrow, ``cumprod``, ``flip``), multiplied."""
    n = shape(x)[d]
    ones = like(np.ones(_keepdim_shape(shape(x), (d,)), dtype=x.dtype.np), x)
    cat = type(x)._apply
    before = cat(Cat, (ones, x.narrow(d, 0, n - 1)), (d, x.dtype.np)).cumprod(d)
    after = cat(Cat, (ones, x.narrow(d, 1, n - 1).flip(d)), (d, x.dtype.np)).cumprod(d).flip(d)
    return before * after


class Prod(Op):
    """The product of all elements; d/da = out / a, or, where ``a`` has zeros, the product
    of the other elements."""

    name = "ProdBackward0"
    keeps = "in+out"

    @staticmethod
    def forward(ctx, a):
        dims, keepdim = ctx
        return np.prod(a, axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, g, out, a):
        dims, keepdim = ctx
        s = shape(a)
        if not s:  # one element: the adjoint itself, as PyTorch
            return g
        g = kept(g, s, dims, keepdim)
        va = value(a)
        if not np.any(np.equal(va, 0)):
            return g * div(kept(out, s, dims, keepdim), a)
        if not isinstance(g, _RAW):  # under create_graph: the products of the others, recorded
            if dims is None:  # (as PyTorch: of the flattened input, viewed back)
                return reshape(g * _others_recorded(a.contiguous().view(-1), 0), s)
            return g * _others_recorded(a, dims[0])
        x = np.asarray(va)
        if dims is None:
            return g * _others(x.reshape(-1), 0).reshape(s)
        return g * _others(x, dims[0])

    @classmethod
    def jvp(cls, ctx, t, out, a):
        return reduction_jvp(cls, ctx, t, out, a, ctx[0], ctx[1])


class ProdDim(Prod):
    name = "ProdBackward1"


def reversed_cumsum(g: Any, d: int) -> Any:
    """The running sums of ``g`` along ``d`` taken from the other end (for Tensors recorded
    as PyTorch's: flip, cumsum, flip)."""
    if isinstance(g, _RAW):
        return np.flip(np.cumsum(np.flip(g, d), axis=d), d).copy()
    return g.flip(d).cumsum(d).flip(d)


def _moved(x: Any, d: int) -> list[Any]:
    """The slices of ``x`` along dim ``d``, in order (arrays or recorded selects)."""
    if isinstance(x, _RAW):
        return list(np.moveaxis(np.asarray(x), d, 0))
    return [x.select(d, i) for i in range(shape(x)[d])]


def _cumprod_grad(g: Any, a: Any, d: int) -> Any:
    """``dL/da_i = sum_{k >= i} g_k prod_{j <= k, j != i} a_j`` on arrays, as ``P_i S_i``:
    ``P_i`` the product of the elements before ``i``, ``S_i = g_i + a_{i+1} S_{i+1}``
    summed from the end. No division, so zeros need no special case."""
    xs, gs = _moved(a, d), _moved(g, d)
    n = len(xs)
    sums = [gs[-1]]
    for i in range(n - 2, -1, -1):
        sums.append(gs[i] + xs[i + 1] * sums[-1])
    sums.reverse()
    before, out = None, []
    for i in range(n):
        out.append(sums[i] if before is None else before * sums[i])
        before = xs[i] if before is None else before * xs[i]
    return np.moveaxis(np.stack(out), 0, d)


def _cumprod_grad_recorded(g: Any, a: Any, d: int) -> Any:
    """The same gradient on Tensors, recorded as PyTorch records it when it is to be
    differentiated again (its O(n^2) ``cumprod_backward``): for each ``k``, the products
    ``prod_{i <= j, i != k} a_i`` for ``j >= k`` are the product of the elements before
    ``k`` times the running products of those after it; their sum against ``g`` is
    copied into element ``k`` of zeros."""
    n, dt = shape(a)[d], g.dtype.np
    ones = like(np.ones(_keepdim_shape(shape(a), (d,)), dtype=dt), g)
    out = like(np.zeros(shape(a), dtype=dt), g)
    for k in range(n):
        before = a.narrow(d, 0, k).prod(d, keepdim=True) if k else ones
        if k == n - 1:
            omitted = before
        else:
            after = a.narrow(d, k + 1, n - k - 1).cumprod(d)
            omitted = type(g)._apply(Cat, (before, before.expand_as(after) * after if k
                                           else after), (d, dt))
        out.select(d, k).copy_((g.narrow(d, k, n - k) * omitted).sum(d))
    return out


class Cumprod(Op):
    """Running products along dim ctx (None for a 0-d input).

    Backward: ``reversed_cumsum(g * out) / a`` (PyTorch's formula) where no element is 0,
    else :func:`_cumprod_grad` (:func:`_cumprod_grad_recorded` on Tensors). Tangent:
    ``dy_k = dy_{k-1} a_k + y_{k-1} t_k``.
    """

    name = "CumprodBackward0"
    keeps = "in+out"

    @staticmethod
    def forward(d, a):
        return np.array(a) if d is None else np.cumprod(a, axis=d)

    @staticmethod
    def backward(d, g, out, a):
        if d is None or shape(a)[d] <= 1:
            return g
        if np.any(np.equal(value(a), 0)):
            return _cumprod_grad(g, a, d) if isinstance(g, _RAW) else _cumprod_grad_recorded(
                g, a, d)
        return div(reversed_cumsum(g * out, d), a)

    @staticmethod
    def jvp(d, t, out, a):
        if d is None:
            return t
        xs, ts, ys = _moved(a, d), _moved(t, d), _moved(out, d)
        dys = [ts[0]]
        for k in range(1, len(xs)):
            dys.append(dys[-1] * xs[k] + ys[k - 1] * ts[k])
        return np.moveaxis(np.stack(dys), 0, d)


class Cumsum(Op):
    """Running sums along dim ctx (None for a 0-d input); the adjoint is the running sum of
    ``g`` taken from the other end."""

    name, saves = "CumsumBackward0", False

    @staticmethod
    def forward(d, a):
        return np.array(a) if d is None else np.cumsum(a, axis=d)

    @staticmethod
    def backward(d, g, out, a):
        return g if d is None else reversed_cumsum(g, d)

    jvp = classmethod(linear_jvp)


# Shapes. The rule moves the adjoint back to the input's shape.
class View(Op):
    name, saves = "ViewBackward0", False

    @staticmethod
    def forward(ctx, a):
        return np.reshape(a, ctx)

    @staticmethod
    def backward(ctx, g, out, a):
        return reshape(g, shape(a))

    jvp = classmethod(linear_jvp)


def _unit_dims(small: tuple[int, ...], big: tuple[int, ...]) -> list[int]:
    """The dims of shape ``big`` that ``small`` lacks: dims of size 1 (a squeeze's)."""
    dims, i = [], 0
    for d, n in enumerate(big):
        if i < len(small) and small[i] == n:
            i += 1
        else:
            dims.append(d)
    return dims


class Squeeze(View):
    """Dims of size 1 removed; the adjoint puts them back, for Tensors one ``unsqueeze``
    each (PyTorch's ``unsqueeze_to``: ``UnsqueezeBackward0``)."""

    name = "SqueezeBackward0"

    @staticmethod
    def backward(ctx, g, out, a):
        if isinstance(g, _RAW):
            return reshape(g, shape(a))
        for d in _unit_dims(shape(g), shape(a)):
            g = g.unsqueeze(d)
        return g


class SqueezeDim(Squeeze):
    name = "SqueezeBackward1"


class Unsqueeze(View):
    """A dim of size 1 inserted; the adjoint, for Tensors, is ``squeeze(dim)`` as PyTorch's
    (``SqueezeBackward1``)."""

    name = "UnsqueezeBackward0"

    @staticmethod
    def backward(ctx, g, out, a):
        if isinstance(g, _RAW):
            return reshape(g, shape(a))
        for d in reversed(_unit_dims(shape(a), shape(g))):
            g = g.squeeze(d)
        return g


class Alias(View):
    """The same elements (``a[...]``); the adjoint is ``g`` itself, as PyTorch's."""

    name = "AliasBackward0"

    @staticmethod
    def backward(ctx, g, out, a):
        return g


class ReshapeAlias(View):
    """A reshape of a tensor that is not contiguous but whose layout allows a view."""

    name = "ReshapeAliasBackward0"


class UnsafeView(View):
    """A reshape that had to copy (no view of the input's layout has the new shape)."""

    name = "UnsafeViewBackward0"


class Permute(Op):
    """Reorder dims (ctx: the permutation); the adjoint takes the inverse permutation."""

    name, saves = "PermuteBackward0", False

    @staticmethod
    def forward(ctx, a):
        return np.transpose(a, ctx)

    @staticmethod
    def backward(ctx, g, out, a):
        inverse = ctx if len(ctx) == 2 else tuple(np.argsort(ctx))  # (a swap is its own)
        if isinstance(g, _RAW):
            return np.transpose(g, inverse)
        return g.permute(*inverse)

    jvp = classmethod(linear_jvp)


class Transpose(Permute):
    name = "TransposeBackward0"

    @staticmethod
    def backward(ctx, g, out, a):
        if isinstance(g, _RAW):
            return Permute.backward(ctx, g, out, a)
        swapped = [i for i, p in enumerate(ctx) if p != i] or [0, 0]
        return g.transpose(*swapped)  # recorded as PyTorch's rule: a transpose


class T(Permute):
    name = "TBackward0"

    @staticmethod
    def backward(ctx, g, out, a):
        return Permute.backward(ctx, g, out, a) if isinstance(g, _RAW) else g.t()


class Expand(Op):
    name, saves = "ExpandBackward0", False

    @staticmethod
    def forward(ctx, a):
        if np.size(a) == math.prod(ctx):  # no element repeated
            return np.reshape(a, ctx)
        a = np.asarray(a)  # a view with stride 0 along the repeated dims, writable as
        lead = len(ctx) - a.ndim  # PyTorch's (its in-place ops refuse to write to it)
        strides = (0,) * lead + tuple(0 if n == 1 and m != 1 else s
                                      for s, n, m in zip(a.strides, a.shape, ctx[lead:]))
        return np.lib.stride_tricks.as_strided(a, ctx, strides, writeable=a.flags.writeable)

    @staticmethod
    def backward(ctx, g, out, a):
        return sum_to(g, a)

    jvp = classmethod(linear_jvp)


class Index(Op):
    """``a[key]``; the adjoint is scattered back (repeated indices add up)."""

    name = "IndexBackward0"  # saves the indices: a second backward raises, as in PyTorch
    keeps = ""  # but no tensor: changing the input in place afterwards is harmless
    adjoint: type[Op]  # what the rule records under create_graph (set after IndexPut)

    @staticmethod
    def forward(ctx, a):
        return (np.asarray(a) if type(a) is float else a)[ctx]  # a 0-d float64 is a float

    @classmethod
    def backward(cls, ctx, g, out, a):
        return scatter(g, shape(a), ctx, cls.adjoint)

    jvp = classmethod(linear_jvp)


class Select(Index):
    """``a[i]`` (ctx: the key, ints and slices): a view, even when it has 0 dims."""

    name, saves = "SelectBackward0", False

    @staticmethod
    def forward(ctx, a):  # the Ellipsis makes NumPy return a 0-d view, not a number
        return a[(*ctx, ...) if type(ctx) is tuple else (ctx, ...)]


class Slice(Index):
    name, saves = "SliceBackward0", False


class Outputs:
    """What the outputs of one call that returns several records share: ``unbind``'s views,
    ``split``'s pieces, batch norm's three gradients under create_graph. PyTorch makes one
    node for all of them (``a.grad_fn is b.grad_fn``), whose backward runs once, with the
    adjoints of all its outputs; so does this.

    Each output's ``ctx`` ends with its number and this object. ``node`` is the shared
    ``grad_fn``, made when one of them is first asked for it. ``outputs`` (weak references,
    in order) and ``shapes`` serve a primitive with a ``backward_all`` rule: under
    create_graph (and whenever the sweep watches its records: hooks, anomaly detection)
    the sweep gives it the adjoints of all the outputs at once, None for those none reached
    (``engine._all_outputs``), and on Tensors it records what PyTorch's node records.
    Otherwise each output's own rule runs, and their results add up to the same values.
    """

    __slots__ = ("node", "outputs", "shapes")

    def __init__(self) -> None:
        self.node: Any = None
        self.outputs: tuple = ()
        self.shapes: tuple = ()

    def join(self, results: tuple) -> tuple:
        """Make ``results`` (made with this object at the end of their ctx) its outputs."""
        self.outputs = tuple(map(weakref.ref, results))
        self.shapes = tuple(shape(r) for r in results)
        return results

    def zeros_for(self, gs: list, g: Any) -> list:
        """``gs`` with zeros (constants) for the outputs none reached, in the dtype of
        ``g``, one of the adjoints that came."""
        dt = np.result_type(value(g))
        return [like(np.zeros(s, dtype=dt), g) if x is None else x
                for x, s in zip(gs, self.shapes)]


class Split(Slice):
    """One piece of ``a.split(n)`` or ``a.chunk(k)``: a view. ctx = (the key, the piece's
    number, which PyTorch's errors name: "Output 1 of SplitBackward0", the pieces'
    :class:`Outputs`)."""

    name, several = "SplitBackward0", True
    join: type[Op]  # how the pieces' gradients are put together (set below: Cat; Stack)

    @staticmethod
    def forward(ctx, a):
        return Slice.forward(ctx[0], a)

    @staticmethod
    def backward(ctx, g, out, a):  # on raw values: this piece's adjoint, in zeros
        return Slice.backward(ctx[0], g, out, a)

    @classmethod
    def backward_all(cls, ctx, gs, a):
        """The rule of the pieces' node: their gradients joined by one cat (stack), zeros
        for those none reached; on Tensors, PyTorch's split_backward (unbind_backward)."""
        g = next(x for x in gs if x is not None)
        d, dt = len(ctx[0]) - 1, np.result_type(value(g))
        gs = ctx[-1].zeros_for(gs, g)
        if isinstance(g, _RAW):
            return cls.join.forward((d, dt), *gs)
        return type(g)._apply(cls.join, tuple(gs), (d, dt))


class SplitWithSizes(Split):
    """One piece of ``a.split([n1, n2, ...])``: a view (ctx as :class:`Split`'s)."""

    name = "SplitWithSizesBackward0"


class Unbind(Split):
    """One result of ``a.unbind(d)``: ``a[..., i]`` with ``d`` full slices before ``i`` (ctx
    as :class:`Split`'s, with that key)."""

    name = "UnbindBackward0"

    @staticmethod
    def forward(ctx, a):
        return Select.forward(ctx[0], a)

    @staticmethod
    def backward(ctx, g, out, a):
        return Select.backward(ctx[0], g, out, a)


class Diagonal(Op):
    """``a.diagonal(offset, dim1, dim2)`` (ctx), a view of the diagonal."""

    name, saves = "DiagonalBackward0", False

    @staticmethod
    def forward(ctx, a):
        d = np.diagonal(a, *ctx)
        d.flags.writeable = a.flags.writeable  # NumPy hands it out read-only
        return d

    @staticmethod
    def backward(ctx, g, out, a):
        if isinstance(g, _RAW):
            return DiagonalScatter.forward((ctx, shape(a)), g)
        return type(g)._apply(DiagonalScatter, (g,), (ctx, shape(a)))

    jvp = classmethod(linear_jvp)


class DiagonalScatter(Op):
    """Zeros of shape ctx[1] with ``g`` on the diagonal ctx[0]: Diagonal's adjoint, as a
    primitive so that it too can be differentiated."""

    name, saves = "DiagonalBackwardBackward0", False

    @staticmethod
    def forward(ctx, g):
        z = np.zeros(ctx[1], dtype=np.result_type(g))
        Diagonal.forward(ctx[0], z)[...] = g
        return z

    @staticmethod
    def backward(ctx, gg, out, g):
        if isinstance(gg, _RAW):
            return Diagonal.forward(ctx[0], gg).copy()
        return type(gg)._apply(Diagonal, (gg,), ctx[0])

    jvp = classmethod(linear_jvp)


class IndexPut(Op):
    """Zeros of shape ctx[0] with ``a`` added at ``ctx[1]``: Index's adjoint, as a primitive
    so that it too can be differentiated."""

    name, saves = "IndexPutImplBackward0", False

    @staticmethod
    def forward(ctx, a):
        s, key = ctx
        z = np.zeros(s, dtype=np.result_type(a))
        np.add.at(z, key, a)
        return z

    @staticmethod
    def backward(ctx, g, out, a):
        r = g[ctx[1]]
        return r

    jvp = classmethod(linear_jvp)


class SelectAdjoint(IndexPut):
    """Select's adjoint, named as PyTorch records it."""

    name = "SelectBackwardBackward0"


class SliceAdjoint(IndexPut):
    """Slice's adjoint, named as PyTorch records it."""

    name = "SliceBackwardBackward0"


Index.adjoint, Select.adjoint, Slice.adjoint = IndexPut, SelectAdjoint, SliceAdjoint


def scatter(g: Any, s: tuple[int, ...], key: Any, op: type[IndexPut] = IndexPut) -> Any:
    """Zeros of shape ``s`` with ``g`` added at ``key`` (recorded as ``op`` for Tensors)."""
    if isinstance(g, _RAW):
        return IndexPut.forward((s, key), g)
    return type(g)._apply(op, (g,), (s, key))


def _piece(g: Any, d: int, key: Any) -> Any:
    """``g[key]`` along dim ``d`` (an index or a slice), the other dims whole."""
    return g[(slice(None),) * d + (key,)]


class Cat(Op):
    """Tensors joined along an existing dim; ctx = (dim, NumPy dtype). Each input's adjoint
    is its slice of ``g``. (A 1-D input with no elements is skipped, as in PyTorch.)"""

    name, saves = "CatBackward0", False

    @staticmethod
    def forward(ctx, *xs):
        d, dt = ctx
        kept = [x for x in xs if np.shape(x) != (0,)] or [xs[0]]
        return np.concatenate([np.asarray(x, dtype=dt) for x in kept], axis=d)

    @staticmethod
    def backward(ctx, g, out, *xs):
        d, start, grads = ctx[0], 0, []
        for x in xs:
            s = shape(x)
            if s == (0,) and len(shape(g)) != 1:
                grads.append(like(np.zeros(0, dtype=np.result_type(value(x))), g))
                continue
            grads.append(in_dtype(_piece(g, d, slice(start, start + s[d])), x))
            start += s[d]
        return tuple(grads) if len(grads) > 1 else grads[0]  # the engine's form for one input

    jvp = classmethod(linear_jvp)


class Stack(Op):
    """Tensors of one shape joined along a new dim; ctx = (dim, NumPy dtype)."""

    name, saves = "StackBackward0", False

    @staticmethod
    def forward(ctx, *xs):
        d, dt = ctx
        return np.stack([np.asarray(x, dtype=dt) for x in xs], axis=d)

    @staticmethod
    def backward(ctx, g, out, *xs):
        grads = tuple(in_dtype(_piece(g, ctx[0], i), x) for i, x in enumerate(xs))
        return grads if len(grads) > 1 else grads[0]  # the engine's form for one input

    jvp = classmethod(linear_jvp)


Split.join, Unbind.join = Cat, Stack


class Flip(Op):
    """The order of the elements along dims ctx reversed (a copy, as in PyTorch)."""

    name, saves = "FlipBackward0", False

    @staticmethod
    def forward(ctx, a):
        return np.flip(np.asarray(a), ctx).copy()

    @staticmethod
    def backward(ctx, g, out, a):
        if isinstance(g, _RAW):
            return Flip.forward(ctx, g)
        return g.flip(ctx)

    jvp = classmethod(linear_jvp)


class Gather(Index):
    """``a.gather(dim, index)``: ``a[key]`` for the full NumPy index ``key`` (ctx) that the
    method builds; the adjoint is added back at ``key``."""

    name = "GatherBackward0"


class ScatterAdd(IndexPut):
    """Gather's adjoint, as PyTorch records it: ``g`` added at ``ctx[1]`` into zeros of
    shape ``ctx[0]`` (``scatter_add``); its own adjoint is a gather again."""

    name = "ScatterAddBackward0"

    @staticmethod
    def backward(ctx, g, out, a):
        return gathered(g, ctx[1])


Gather.adjoint = ScatterAdd


def gathered(g: Any, key: Any) -> Any:
    """``g[key]`` for the full NumPy index ``key`` of a gather (for Tensors recorded as
    PyTorch's ``gather``, ``GatherBackward0``)."""
    return g[key] if isinstance(g, _RAW) else type(g)._apply(Gather, (g,), key)


def outside(key: Any, g: Any) -> Any:
    """``g`` with zeros at ``key``: the adjoint of what a scatter left in place (for
    Tensors PyTorch's ``g.scatter(dim, index, 0)``, ``ScatterBackward1``)."""
    if not isinstance(g, _RAW):
        return type(g)._apply(ScatterValue, (g,), (key, 0.0))
    hit = np.zeros(shape(g), dtype=bool)
    hit[key] = True
    return where(~hit, g)


class Scatter(Op):
    """``a`` with the elements at ``key`` replaced by ``src``'s first ones; ctx = (key, the
    slices of ``src`` used). ``a`` gets the adjoint elsewhere, ``src`` the adjoint at
    ``key`` (PyTorch's rule: so ``src`` must be of the index's shape for a backward)."""

    name = "ScatterBackward0"
    keeps = ""  # the index only

    @staticmethod
    def forward(ctx, a, src):
        key, used = ctx
        out = np.array(a)
        out[key] = np.asarray(src)[used]
        return out

    @staticmethod
    def backward(ctx, g, out, a, src):
        key, used = ctx
        gs = gathered(g, key)
        if shape(gs) != shape(src):
            raise RuntimeError(
                f"Function ScatterBackward0 returned an invalid gradient at index 1 - got "
                f"{list(shape(gs))} but expected shape compatible with {list(shape(src))}")
        return outside(key, g), gs

    jvp = classmethod(linear_jvp)


class ScatterValue(Op):
    """``a`` with the elements at ``key`` set to a number; ctx = (key, number)."""

    name = "ScatterBackward1"
    keeps = ""

    @staticmethod
    def forward(ctx, a):
        key, v = ctx
        out = np.array(a)
        out[key] = v
        return out

    @staticmethod
    def backward(ctx, g, out, a):
        return outside(ctx[0], g)

    @staticmethod
    def jvp(ctx, t, out, a):  # the tangent where the number was written is 0
        return ScatterValue.forward((ctx[0], 0.0), t)


# Views of a base, and in-place changes. A view's ``steps`` are the view primitives that
# lead from its base to it: ``((op, ctx, input shape, at), ...)`` (``at``: see
# ``_inplace.view``).
def zeros(g: Any) -> Any:
    """Zeros shaped as ``g`` (not ``g * 0``, which is nan where ``g`` is inf)."""
    if type(g) is float:
        return 0.0
    z = np.zeros(shape(g), dtype=np.result_type(value(g)))
    return z if isinstance(g, _RAW) else like(z, g)


def zero_at(g: Any, clear: Any, layout: Any = None) -> Any:
    """``g`` with some elements set to 0: those that ``clear(x)`` zeroes in an array ``x``.

    ``clear`` may reach the elements through views; a view of a reshape is a view only on
    some layouts, so ``x`` takes the strides of ``layout`` (the base the views were made of)
    when one is given, else those of ``g``."""
    like_ = layout if isinstance(layout, np.ndarray) else value(g)
    if isinstance(g, _RAW):
        out = np.empty_like(like_, dtype=np.result_type(g))
        out[...] = g
        clear(out)
        return out
    keep = np.ones_like(like_, dtype=np.result_type(value(g)))
    clear(keep)
    return g * like(keep, g)


def view_steps(x: Any, steps: tuple) -> Any:
    """The view of ``x`` that ``steps`` lead to (a NumPy view of an array; recorded views of
    a Tensor)."""
    raw = isinstance(x, _RAW)
    for op, ctx, *_ in steps:
        x = op.forward(ctx, x) if raw else type(x)._apply(op, (x,), ctx)
    return x


def unview(g: Any, steps: tuple) -> Any:
    """The adjoint of :func:`view_steps`: ``g`` (shaped as the view) put back in place in
    zeros shaped as the base, each step's own backward rule undoing it."""
    for op, ctx, s, _ in reversed(steps):
        g = op.backward(ctx, g, None, np.broadcast_to(np.float64(0), s))
    return g


class AsStrided(Op):
    """A view whose base was changed in place afterwards, seen again as a view of the new
    base (PyTorch's ``AsStridedBackward0``). ctx = (steps, the view's earlier history)."""

    name, saves = "AsStridedBackward0", False
    again = True

    @staticmethod
    def forward(ctx, base):
        return view_steps(base, ctx[0])

    @staticmethod
    def backward(ctx, g, out, base):
        return unview(g, ctx[0])

    jvp = classmethod(linear_jvp)


class BrokenView(AsStrided):
    """A view PyTorch will not see anew after its base changed (one of several views
    returned together, or one made under ``no_grad``): its ``grad_fn`` and its backward
    raise PyTorch's error (ctx[2])."""

    name = "BrokenView"

    @staticmethod
    def backward(ctx, g, out, base):
        raise RuntimeError(ctx[2])


class CopySlices(Op):
    """A base after an in-place change through one of its views: the values outside the
    view pass on unchanged, those inside go through the in-place op's own rule.

    Inputs: the base before the change, then the op's inputs other than the view. ctx =
    (steps, the op's rule, the op's ctx, the view's value before the change, a weak
    reference to the view, for the wording of a version error).
    """

    name = "CopySlices"  # it saves: a second backward through it raises, as in PyTorch

    @classmethod
    def saved(cls, needs):  # what the wrapped op saves, but its first input's old value
        return (), False  # (replaced by the sweep's check with the wrapped op's own)

    @staticmethod
    def backward(ctx, g, out, base, *others):
        steps, rule, op_ctx, before = ctx[:4]
        base_now = value(out)
        if not isinstance(g, _RAW):  # recorded (create_graph)
            return CopySlices.recorded(ctx, g, out, base, others)
        gv = view_steps(g, steps)
        grads = rule.backward(op_ctx, gv, view_steps(out, steps), before, *others)
        if not others:
            grads = (grads,)
        CopySlices.check_overlap(grads[0], base_now, steps)

        def clear(z):  # where the view is, the base's old value is gone
            view_steps(z, steps)[...] = 0

        gb = zero_at(g, clear, base_now)
        if grads[0] is not None:
            gb = gb + unview(grads[0], steps)
        return (gb, *grads[1:]) if others else gb

    @staticmethod
    def check_overlap(grad: Any, base_now: np.ndarray, steps: tuple) -> None:
        """PyTorch copies the view's gradient into the view's place: refused where that
        place is expanded (several elements in one place)."""
        seen = view_steps(base_now, steps)
        if grad is not None and any(st == 0 and n > 1 for n, st in
                                    zip(np.shape(seen), getattr(seen, "strides", ()))):
            raise RuntimeError(OVERLAP_ERROR)

    @staticmethod
    def recorded(ctx: Any, g: Any, out: Any, base: Any, others: tuple) -> Any:
        """The backward recorded, as PyTorch records it: the gradient copied into a new
        tensor shaped as the base (CopyBackwards), the view's part of that seen through an
        as_strided view (AsStridedBackward0) and cloned (CloneBackward0) for the in-place
        op's rule, whose gradient for the view is then copied into that part (CopySlices).
        The rule reads the view of the old base, recorded: its gradients depend on it
        (second derivatives)."""
        from . import _inplace
        from . import _tensor as T

        steps, rule, op_ctx = ctx[:3]
        result = T._leaf(np.empty(np.shape(value(g)), dtype=np.result_type(value(g))))
        result.copy_(g)
        part = _inplace.view(AsStridedView, result, (steps, None))
        grads = rule.primitive.backward(op_ctx, part.clone(), view_steps(out, steps),
                                        view_steps(base, steps).clone(), *others)
        if not others:
            grads = (grads,)
        CopySlices.check_overlap(grads[0], value(out), steps)
        if grads[0] is None:
            part.zero_()
        else:
            part.copy_(grads[0])
        return (result, *grads[1:]) if others else result


class AsStridedView(AsStrided):
    """The view that :meth:`CopySlices.recorded` writes the view's gradient through, named
    as PyTorch's as_strided view there. ctx = (the steps from the base, None): a view
    made now, with no earlier history."""

    again = False


class Zero(Op):
    """``t.zero_()``: the old values are gone, so their gradient is 0."""

    name, saves = "ZeroBackward0", False

    @staticmethod
    def forward(ctx, a):
        return np.zeros_like(a) if type(a) is not float else 0.0

    @staticmethod
    def backward(ctx, g, out, a):
        return zeros(g)

    jvp = classmethod(diagonal_jvp)


class Fill(Zero):
    """``t.fill_(number)`` (ctx: the number)."""

    name = "FillBackward2"

    @staticmethod
    def forward(ctx, a):
        if type(a) is float:
            return float(ctx)
        r = np.empty_like(a)
        r.fill(ctx)
        return r


class RandomFill(Zero):
    """An in-place random fill (``uniform_``, ``normal_``, ...; ctx: the values drawn, in
    the tensor's dtype): the old values are gone, so their gradient is 0."""

    name = "UniformBackward0"

    @staticmethod
    def forward(ctx, a):
        return float(ctx) if type(a) is float else ctx


# One primitive per node name PyTorch records for its random fills
RANDOM_FILLS = {n: type(n, (RandomFill,), {"name": n, "__doc__": RandomFill.__doc__})
                for n in ("UniformBackward0", "NormalBackward0", "BernoulliBackward1",
                          "BernoulliBackward2", "ExponentialBackward0", "RandomBackward0",
                          "RandomBackward1", "RandomBackward2")}


class NormalOf(Op):
    """``torch.normal(mean, std)`` with a tensor ``mean`` (this class), ``std`` or both
    (ctx: the values drawn). PyTorch does not reparameterise it: each tensor input gets a
    gradient of 0."""

    name, saves = "NormalBackward1", False

    @staticmethod
    def forward(ctx, *xs):
        return ctx

    @staticmethod
    def backward(ctx, g, out, *xs):
        zero = zeros(g)
        grads = tuple(sum_to(zero, x) for x in xs)
        return grads if len(grads) > 1 else grads[0]

    @staticmethod
    def jvp(ctx, t, out, *xs):  # not reparameterised: as PyTorch, a tangent of 0
        return 0.0


class NormalOfStd(NormalOf):
    name = "NormalBackward2"


class NormalOfBoth(NormalOf):
    name = "NormalBackward3"

    @staticmethod
    def jvp(ctx, t, out, mean, std):  # PyTorch's: 0 if the mean has a tangent, else none
        return None if t[0] is None else 0.0


class FillTensor(Op):
    """``t.fill_(value)`` for a 0-d tensor ``value``: every element becomes it."""

    name, saves = "FillBackward3", False

    @staticmethod
    def forward(ctx, a, v):
        if type(a) is float:
            return float(v)
        r = np.empty_like(a)
        r[...] = v
        return r

    @staticmethod
    def backward(ctx, g, out, a, v):
        return zeros(g), total(g)

    jvp = classmethod(linear_jvp)


class CopyFrom(Op):
    """``t.copy_(src)``: ``src`` broadcast to ``t``'s shape, in ``t``'s dtype. ctx: that
    dtype. The old values get no gradient; ``src`` gets it summed back to its shape."""

    name, saves = "CopyBackwards", False

    @staticmethod
    def forward(ctx, a, src):
        if type(a) is float:
            return float(src)
        r = np.empty_like(a)
        with quiet():
            np.copyto(r, src, casting="unsafe")
        return r

    @staticmethod
    def backward(ctx, g, out, a, src):
        gs = sum_to(g, src)
        if isinstance(gs, _RAW):
            gs = np.asarray(gs, dtype=np.result_type(src))
        elif gs.dtype != src.dtype:
            gs = gs.to(src.dtype)
        return zeros(g), gs

    jvp = classmethod(linear_jvp)


class IndexPutInplace(Op):
    """``t[key] = values`` with integer arrays or masks in the key (ctx): the written
    places get their gradient from ``values``, the others keep theirs."""

    name, saves = "IndexPutBackward0", False

    @staticmethod
    def forward(ctx, a, v):
        r = np.array(a)
        with quiet():
            r[ctx] = v
        return r

    @staticmethod
    def backward(ctx, g, out, a, v):
        def clear(z):
            z[ctx] = 0

        if isinstance(g, _RAW):
            return zero_at(g, clear), sum_to(g[ctx], v)
        # recorded as PyTorch's: g.index_put(key, zeros) and g[key]
        z = like(np.zeros(shape(v), dtype=g.dtype.np), g)
        return type(g)._apply(IndexPutInplace, (g, z), ctx), sum_to(g[ctx], v)

    jvp = classmethod(linear_jvp)


# Linear algebra.
def _adds_in_order(n: int, k: int, p: int, transposed: bool = False) -> bool:
    """Whether PyTorch's CPU kernel (MKL) multiplies float32 matrices of shapes (n, k) and
    (k, p) by adding the k products of each element one after another, in float32, as
    measured bit for bit against torch 2.13 on this project's x86-64 machine (small shapes
    only: larger ones, column vectors of 5 or more terms and, when an operand is
    transposed, as ``nn.Linear``'s weight is, more than 3 terms, go through its blocked
    kernels, whose order is not reproduced)."""
    if transposed and (k > 5 or (k > 3 and p > 3)):
        return False
    if p == 1 and n >= 2 and (k >= 9 or (k >= 5 and n >= 4)):
        return False
    return n <= 32 and k <= 16 and (p <= 8 or (p <= 16 and n <= 3))


def _torch_order(n: int, k: int, p: int, a_t: bool, b_t: bool) -> str | None:
    """How PyTorch's CPU kernel (MKL) adds the k products of each element of a float32
    product of shapes (n, k) and (k, p), where it was measured bit for bit against torch
    2.13 on this project's x86-64 machine (``tests/test_matmul_order.py``): ``'seq'`` one
    after another; ``'fma'`` one after another by fused multiply-adds; ``'dot4'`` as
    :func:`_dot4`, ``'seq_split'`` as :func:`_seq_split` (MKL's kernel for small products:
    at least 2 rows, at least 2 columns, and at most 11 columns or at most 3 rows);
    ``'gemv'`` as :func:`_gemv` (``x @ w.T`` for ``w`` a single row); None
    elsewhere. ``a_t``/``b_t``: the operand is a transposed view (PyTorch's kernels differ
    by layout)."""
    if n >= 2 and p >= 2 and (p <= 11 or n <= 3) and not (a_t and b_t):
        return "dot4" if b_t else "seq_split"
    if p == 1 and b_t and not a_t and (n % 4 == 0 or k < 20):
        return "gemv"  # nn.Linear with one output
    if p == 1 and k <= 4 and n <= 256:
        return "seq"
    if n == 1 and not b_t and k <= 256 and p <= 8:  # a row times a matrix
        return "seq"
    if p % 16 == 0 and p <= 48 and k <= 64 and (n >= 16 or (n in (4, 8, 12) and not a_t)):
        return "fma"
    return "seq" if _adds_in_order(n, k, p, a_t or b_t) else None


def _in_turn(terms: np.ndarray) -> np.ndarray:
    """``terms[0] + terms[1] + ...``, one after another: NumPy adds along the leading axis
    of a C-contiguous array element by element, a whole slice at a time, in turn (but a
    single column it sums pairwise, so one is given a twin)."""
    flat = terms.reshape(len(terms), -1)
    if flat.shape[1] == 1:
        flat = np.concatenate([flat, flat], axis=1)
    total = np.add.reduce(np.ascontiguousarray(flat), axis=0)
    return total[:math.prod(terms.shape[1:])].reshape(terms.shape[1:])


def _products(rows: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The products of ``rows @ b`` laid out (k, rows, columns), C-contiguous (einsum
    multiplies without summing here, faster than a broadcast multiply)."""
    return np.einsum("ik,kj->kij", rows, b, order="C")


def _split_sums(prods: np.ndarray) -> np.ndarray:
    """The sums over the leading axis of ``prods`` (k, ...) in 4-term groups taken in
    pairs: the first group of a pair added one by one to the running total, the second
    summed on its own and then added; the terms left over, one by one."""
    k, j = len(prods), len(prods) // 8
    pairs = prods[:8 * j].reshape((j, 8) + prods.shape[1:])
    second = ((pairs[:, 4] + pairs[:, 5]) + pairs[:, 6]) + pairs[:, 7]
    run = np.concatenate([pairs[:, :4], second[:, None]], axis=1)
    return _in_turn(np.concatenate([run.reshape((5 * j,) + prods.shape[1:]), prods[8 * j:k]]))


def _seq_split(rows: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``rows @ b`` as MKL's kernel for small products adds when ``b`` is not a transposed
    view (``x @ w``; ``g.T @ x`` for a weight's gradient): each element's products one
    after another, except the first elements of an output row that starts inside a
    16-byte block of the (fresh, 64-byte aligned) result, when at least 4 elements of that
    row follow them; those add by :func:`_split_sums`. (Measured bit for bit against
    torch 2.13 here; each order read off as in FPRev, Xie et al., 2024: a sum of ones
    with one pair of huge terms of opposite sign tells how large the subtree that joins
    the pair is.)"""
    n, k = rows.shape
    p = b.shape[1]
    acc = np.empty((n, p), np.float32)
    step = 4 // math.gcd(p, 4)  # every step-th row starts at the same place in its block
    block = 4 * _row_block(4 * p * k)
    splits = [(r0, -(r0 * p) % 4) for r0 in range(1, min(step, n))] if k >= 8 else []
    for s in range(0, n, block):
        acc[s:s + block] = _in_turn(_products(rows[s:s + block], b))
        for r0, q in splits:  # row r0 (and every step-th after it) starts q before a block
            if p - q >= 4:
                part = _products(rows[s + r0:s + block:step], b[:, :q])
                acc[s + r0:s + block:step, :q] = _split_sums(part)
    return acc


def storage_root(a: np.ndarray) -> np.ndarray:
    """The array that owns the memory ``a`` views (through the holders that NumPy's
    ``as_strided`` and ``broadcast_to`` put between a view and its base): the storage."""
    while True:
        b = a.base
        if not isinstance(b, np.ndarray):
            b = getattr(b, "base", None)
            if not isinstance(b, np.ndarray):
                return a
        a = b


def byte_offset(a: np.ndarray, root: np.ndarray) -> int:
    """How many bytes into the memory of ``root`` (its storage) the array ``a`` starts."""
    return 0 if a is root else a.__array_interface__["data"][0] - root.__array_interface__[
        "data"][0]


def _row_peels(rows: np.ndarray) -> np.ndarray:
    """For each row of ``rows``, how many of its first elements lie before a 16-byte
    boundary of its storage (0 to 3 float32s), counted from the storage's start, which
    PyTorch aligns to 64 bytes: the leading terms that :func:`_dot4` adds one by one."""
    start = byte_offset(rows, storage_root(rows)) // 4
    return -(start + np.arange(rows.shape[0]) * (rows.strides[0] // 4)) % 4


def _lane_sums(x: np.ndarray, w: np.ndarray, peel: int, lanes: int,
               unit: int = 0) -> np.ndarray:
    """``x @ w.T`` for rows ``x`` (m, k) and ``w`` (c, k), each element's products added
    as one dot product of MKL's kernel adds them: the first ``peel`` terms one after
    another into lane 0; then ``lanes`` interleaved partial sums over the chunks of
    ``lanes`` terms that fill whole steps of ``unit`` terms (``lanes`` unless given; lane
    ``i`` adds the terms ``i``, ``i + lanes``, ... in turn); 8 lanes folded to 4 as
    ``i + (i + 4)``; the 4 added as ``(0 + 2) + (1 + 3)``; then the last terms, one by one.
    Large products are laid out chunk by chunk, (chunk, lane, column, row), so that NumPy
    adds whole chunks at once along rows; small ones are taken all at once, (column, row,
    term), fewer NumPy calls. The sums come back transposed, (m, c)."""
    k = x.shape[1]
    peel = min(peel, k)
    unit = unit or lanes
    whole = (k - peel) // unit * (unit // lanes)
    end = peel + whole * lanes

    small = len(x) * len(w) * k <= 4096
    if small:  # all the products at once, (c, m, k)
        prods = w[:, None, :] * x[None, :, :]

        def term(i: int) -> np.ndarray:  # (c, m)
            return prods[..., i]
    else:
        def term(i: int) -> np.ndarray:
            return w[:, i, None] * x[None, :, i]

    total = term(0)
    if not whole:  # the terms one after another
        for i in range(1, k):
            total = total + term(i)
        return total.T
    for i in range(1, peel):
        total = total + term(i)
    if small:  # (c, m, chunk, lane)
        chunks = np.array(prods[..., peel:end]).reshape(prods.shape[:2] + (whole, lanes))
        if peel:
            chunks[..., 0, 0] = total + chunks[..., 0, 0]
        acc = np.add.reduce(chunks, axis=2).transpose(2, 0, 1)  # chunk after chunk
    else:  # (chunk, lane, c, m), C-contiguous
        xs = np.ascontiguousarray(x[:, peel:end].reshape(len(x), whole, lanes).transpose(1, 2, 0))
        ws = np.ascontiguousarray(w[:, peel:end].reshape(len(w), whole, lanes).transpose(1, 2, 0))
        chunks = xs[:, :, None, :] * ws[:, :, :, None]
        if peel:
            chunks[0, 0] = total + chunks[0, 0]
        acc = np.add.reduce(chunks, axis=0)  # chunk after chunk
    if lanes == 8:  # acc: (lane, c, m)
        acc = acc[:4] + acc[4:]
    total = (acc[0] + acc[2]) + (acc[1] + acc[3])
    for i in range(end, k):
        total = total + term(i)
    return total.T


def _row_block(terms: int) -> int:
    """How many rows (of ``terms`` products each) to take at once: about 2**22 products."""
    return max(1, (1 << 22) // max(1, terms))


def _dot4(rows: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``rows @ b`` for ``b`` a transposed (p, k) matrix, as ``nn.Linear`` multiplies, in
    the order MKL's kernel adds (measured as :func:`_seq_split`'s, also for inputs that
    start inside their storage): by :func:`_lane_sums` with 4 lanes for the first
    ``4 * (p // 4)`` columns, 8 lanes for the others, after a peel that depends on where
    the row starts (:func:`_row_peels`; the rows with one peel are every 1st, 2nd or 4th)."""
    n, k = rows.shape
    w = b.T
    p = w.shape[0]
    main = 4 * (p // 4)
    out = np.empty((n, p), np.float32)
    peels = _row_peels(rows)
    step = 1 if (peels == peels[0]).all() else 2 if (peels[2:] == peels[:-2]).all() else 4
    block = _row_block(p * k)
    for r0 in range(min(step, n)):
        group, into = rows[r0::step], out[r0::step]
        for s in range(0, len(group), block):
            part, o = group[s:s + block], into[s:s + block]
            if main:
                o[:, :main] = _lane_sums(part, w[:main], int(peels[r0]), 4)
            if main < p:
                o[:, main:] = _lane_sums(part, w[main:], int(peels[r0]), 8)
    return out


def _gemv(rows: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``rows @ b`` for ``b`` the transpose of a (1, k) row, in the order MKL's kernel
    adds (measured as :func:`_seq_split`'s): the rows in whole blocks of 4 by
    :func:`_lane_sums` with 4 lanes after a peel of ``k % 4`` terms (4 when that is 0),
    the last ``n % 4`` rows with 4 lanes over steps of 8 terms after a peel of 4 (as
    measured for ``k`` below 20 only)."""
    n, k = rows.shape
    m = 4 * (n // 4)
    out = np.empty((n, 1), np.float32)
    block = 4 * _row_block(4 * k)
    for s in range(0, m, block):
        out[s:min(s + block, m)] = _lane_sums(rows[s:min(s + block, m)], b.T, k % 4 or 4, 4)
    if m < n:
        out[m:] = _lane_sums(rows[m:], b.T, 4, 4, 8)
    return out


def matmul_arrays(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.matmul(a, b)``, except for float32 products of a row, a matrix or a stack of
    rows (folded as PyTorch folds them) by a matrix of the shapes where PyTorch's order of
    additions is known (:func:`_torch_order`): those take that order, for PyTorch's bits.
    (NumPy's BLAS multiplies C-contiguous float32 operands of those shapes by fused
    multiply-adds in order, as the tests check: ``'fma'`` is NumPy's product of copies.)"""
    if a.dtype != np.float32 or b.dtype != np.float32 or b.ndim != 2 or not a.shape[-1]:
        return np.matmul(a, b)
    rows = a.reshape(-1, a.shape[-1])
    # a transposed view steps along its rows faster than along its columns
    order = _torch_order(rows.shape[0], rows.shape[1], b.shape[1],
                         rows.strides[0] < rows.strides[1], b.strides[0] < b.strides[1])
    if order is None:
        return np.matmul(a, b)
    if order == "fma":
        acc = np.matmul(np.ascontiguousarray(rows), np.ascontiguousarray(b))
    elif order == "dot4":
        acc = _dot4(rows, b)
    elif order == "seq_split":
        acc = _seq_split(rows, b)
    elif order == "gemv":
        acc = _gemv(rows, b)
    else:  # 'seq': the products one after another
        acc = _in_turn(_products(rows, b))
    # PyTorch's kernel adds the products to accumulators that start at +0, so a sum of
    # zeros is never -0 (0 * -2 gives -0 here): adding +0 changes nothing else
    acc = acc + np.float32(0.0)
    return acc.reshape(a.shape[:-1] + (b.shape[1],))


def mm(a: Any, b: Any) -> Any:
    """``a @ b`` of matrices in a backward rule: raw arrays through
    :func:`matmul_arrays` (PyTorch's bits for most of the small products of its backward:
    for ``x.grad`` and ``w.grad`` of ``x @ w`` in 707 and 1,104 of 1,136 cases measured,
    where NumPy's order gave 332 and 281), Tensors recorded."""
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        return matmul_arrays(a, b)
    return a @ b


def _by_columns(x: Any) -> bool:
    """Whether the matrix ``x`` is laid out by columns (strides (1, rows) in elements): for
    such an operand PyTorch's mm rule takes the gradient as the transpose of a product,
    ``(b @ g.t()).t()`` for ``a`` and ``(g.t() @ a).t()`` for ``b``, so that it has the
    same layout."""
    v = value(x)
    n = v.itemsize
    return v.strides[0] == n and v.strides[1] == v.shape[0] * n


class MatMul(Op):
    """``a @ b`` for every rank, 1-D operands taken as a row (left) or a column (right).

    ctx = (a needs a gradient, b needs a gradient): the unneeded product is skipped.
    """

    name = "MmBackward0"
    keeps = "cross"

    @staticmethod
    def forward(ctx, a, b):
        return matmul_arrays(a, b)

    @staticmethod
    def backward(ctx, g, out, a, b):
        sa, sb = shape(a), shape(b)
        if len(sa) == 2 and len(sb) == 2:  # the common case: two matrices
            return MatMul.layout_grads(ctx, g, a, b)
        a2 = reshape(a, (1,) + sa) if len(sa) == 1 else a
        b2 = reshape(b, sb + (1,)) if len(sb) == 1 else b
        sa2, sb2 = shape(a2), shape(b2)
        g2 = reshape(g, np.broadcast_shapes(sa2[:-2], sb2[:-2]) + (sa2[-2], sb2[-1]))
        ga = reshape(sum_to(g2 @ mT(b2), a2), sa) if ctx[0] else None
        gb = reshape(sum_to(mT(a2) @ g2, b2), sb) if ctx[1] else None
        return ga, gb

    @staticmethod
    def layout_grads(needs: Any, g: Any, a: Any, b: Any) -> tuple[Any, Any]:
        """The rule for two matrices (``g @ b.T`` and ``a.T @ g``, the unneeded skipped),
        taken as PyTorch takes it: an operand laid out by columns gets its gradient as a
        transposed product (:func:`_by_columns`), so raw arrays get PyTorch's bits and
        Tensors its records."""
        ga = gb = None
        if needs[0]:
            ga = matrix_t(mm(b, matrix_t(g))) if _by_columns(a) else mm(g, matrix_t(b))
        if needs[1]:
            gb = matrix_t(mm(matrix_t(g), a)) if _by_columns(b) else mm(matrix_t(a), g)
        return ga, gb

    jvp = classmethod(bilinear_jvp)


class Mv(MatMul):
    name = "MvBackward0"

    @classmethod
    def saved(cls, needs):  # the first input is checked first
        return tuple(i for i in (0, 1) if needs[1 - i]), False

    @staticmethod
    def backward(ctx, g, out, a, b):
        if isinstance(g, _RAW):
            return MatMul.backward(ctx, g, out, a, b)
        # recorded as PyTorch's: g.ger(b) (a reshape times b) and a.t().mv(g)
        return (reshape(g, (shape(g)[0], 1)) * b if ctx[0] else None,
                matrix_t(a) @ g if ctx[1] else None)


class Dot(Mv):
    name = "DotBackward0"

    @staticmethod
    def backward(ctx, g, out, a, b):
        if isinstance(g, _RAW):
            return MatMul.backward(ctx, g, out, a, b)
        return (g * b if ctx[0] else None, g * a if ctx[1] else None)  # as PyTorch's


class SqueezeInplace(Squeeze):
    """``t.squeeze_(dim)``: the same storage with one dim of size 1 less."""

    name = "SqueezeBackward4"


class Bmm(MatMul):
    """A batch of matrix products: two 3-D tensors with the same first dim."""

    name = "BmmBackward0"

    @staticmethod
    def backward(ctx, g, out, a, b):
        if isinstance(g, _RAW):
            return MatMul.backward(ctx, g, out, a, b)

        def bmm(x: Any, y: Any) -> Any:  # one record, as PyTorch's g.bmm(b.mT), a.mT.bmm(g)
            return type(g)._apply(Bmm, (x, y), (x.requires_grad, y.requires_grad))

        return (bmm(g, b.transpose(1, 2)) if ctx[0] else None,
                bmm(a.transpose(1, 2), g) if ctx[1] else None)


def matmul_op(da: int, db: int) -> type[MatMul]:
    """The record PyTorch makes for ``a @ b`` with operands of ranks ``da`` and ``db`` of at
    most 2 (1 and 2: see :func:`tinygrad_lite._inplace.vecmat`; higher ranks are folded or
    batched into these and :class:`Bmm`, see :func:`tinygrad_lite._tensor.matmul`)."""
    if da == 1 and db == 1:
        return Dot
    if da == 2 and db == 1:
        return Mv
    return MatMul


class Softmax(Op):
    """exp(a) / sum(exp(a)) along dim ctx, computed from a - max(a) for safety."""

    name = "SoftmaxBackward0"
    keeps = "out"

    @staticmethod
    def forward(ctx, a):
        if _lastdim_f32(ctx, a):
            return _sleef.softmax_lastdim(a)
        e = np.exp(a - np.max(a, axis=ctx, keepdims=True))
        return e / np.sum(e, axis=ctx, keepdims=True)

    @staticmethod
    def backward(ctx, g, out, a):
        if isinstance(g, _RAW):
            kernel = _f32_kernel(ctx, out, g)
            if kernel == "last":
                return _sleef.softmax_backward_lastdim(g, out)
            if kernel == "other":
                return _sleef.softmax_backward_dim(g, out, ctx)
            return out * (g - sum_dims(g * out, _dim_tuple(ctx), keepdim=True))
        return type(g)._apply(SoftmaxBackward, (g, out), ctx)

    @staticmethod
    def jvp(ctx, t, out, a):  # the Jacobian diag(s) - s s^T is symmetric: J t = J^T t
        return Softmax.backward(ctx, t, out, a)


def _dim_tuple(d: int | None) -> tuple[int, ...] | None:
    return None if d is None else (d,)


def _f32_kernel(dim: int | None, x: Any, g: Any = None) -> str | None:
    """Which of PyTorch's float32 softmax kernels reproduced in :mod:`tinygrad_lite._sleef`
    a softmax over ``dim`` of ``x`` (and its gradient ``g``) takes: ``"last"`` (over the
    last dim), ``"other"`` (over another one), or None (NumPy's functions then)."""
    if (type(x) is not np.ndarray or x.dtype != np.float32 or dim is None or not x.ndim
            or not _sleef.supported()):
        return None
    if g is not None and (type(g) is not np.ndarray or g.dtype != np.float32
                          or g.shape != x.shape):
        return None
    return "last" if dim == x.ndim - 1 else "other"


def _lastdim_f32(dim: int | None, x: Any, g: Any = None) -> bool:
    """Whether a softmax over ``dim`` of ``x`` (and its gradient ``g``) takes PyTorch's
    float32 last-dim kernel, reproduced in :mod:`tinygrad_lite._sleef`."""
    return _f32_kernel(dim, x, g) == "last"


class SoftmaxBackward(RuleOfOut):
    """Softmax's rule, ``out (g - sum(g out))``, as a record (PyTorch's
    ``_softmax_backward_data``); its derivative in ``out`` is
    ``gg g - sum(out g) gg - g sum(out gg)``."""

    name, of = "SoftmaxBackwardDataBackward0", Softmax

    @staticmethod
    def backward(ctx, gg, res, g, out):
        d = _dim_tuple(ctx)
        return (Softmax.backward(ctx, gg, out, None),
                g * gg - sum_dims(out * g, d, keepdim=True) * gg
                - g * sum_dims(out * gg, d, keepdim=True))

    @staticmethod
    def jvp(ctx, t, res, g, out):  # d[out (g - sum(g out))], in g and in out
        tg, to = t
        return tsum(
            None if tg is None else out * (tg - np.sum(tg * out, axis=ctx, keepdims=True)),
            None if to is None else to * (g - np.sum(g * out, axis=ctx, keepdims=True))
            - out * np.sum(g * to, axis=ctx, keepdims=True))


class LogSoftmax(Op):
    """a - log(sum(exp(a))) along dim ctx."""

    name = "LogSoftmaxBackward0"
    keeps = "out"

    @staticmethod
    def forward(ctx, a):
        kernel = _f32_kernel(ctx, a)
        if kernel == "last":
            return _sleef.log_softmax_lastdim(a)
        if kernel == "other":
            return _sleef.log_softmax_dim(a, ctx)
        m = np.max(a, axis=ctx, keepdims=True)
        return a - m - np.log(np.sum(np.exp(a - m), axis=ctx, keepdims=True))

    @staticmethod
    def backward(ctx, g, out, a):
        if isinstance(g, _RAW):
            kernel = _f32_kernel(ctx, out, g)
            if kernel == "last":
                return _sleef.log_softmax_backward_lastdim(g, out)
            if kernel == "other":
                return _sleef.log_softmax_backward_dim(g, out, ctx)
            return g - exp(out) * sum_dims(g, _dim_tuple(ctx), keepdim=True)
        return type(g)._apply(LogSoftmaxBackward, (g, out), ctx)

    @staticmethod
    def jvp(ctx, t, out, a):  # J = I - 1 s^T, with s = exp(out)
        return t - np.sum(np.exp(out) * t, axis=ctx, keepdims=True)


class LogSoftmaxBackward(RuleOfOut):
    """LogSoftmax's rule, ``g - exp(out) sum(g)``, as a record (PyTorch's
    ``_log_softmax_backward_data``). The rule is not symmetric in ``g``: its own vjp is
    ``gg - sum(gg exp(out))``; in ``out`` it is ``-gg exp(out) sum(g)``."""

    name, of = "LogSoftmaxBackwardDataBackward0", LogSoftmax

    @staticmethod
    def backward(ctx, gg, res, g, out):
        d = _dim_tuple(ctx)
        return (gg - sum_dims(gg * exp(out), d, keepdim=True),
                -gg * exp(out) * sum_dims(g, d, keepdim=True))

    @staticmethod
    def jvp(ctx, t, res, g, out):  # d[g - exp(out) sum(g)], in g and in out
        tg, to = t
        e = np.exp(out)
        return tsum(None if tg is None else tg - e * np.sum(tg, axis=ctx, keepdims=True),
                    None if to is None else -e * to * np.sum(g, axis=ctx, keepdims=True))


# --------------------------------------------------------------------------------------
# Activations and losses of nn.functional.
# --------------------------------------------------------------------------------------
def _mask(cond: Any, g: Any) -> Any:
    """The boolean array ``cond`` as 1/0 in ``g``'s dtype, in the form of ``g`` (raw, or a
    Tensor that needs no gradient)."""
    dt = g.dtype.np if not isinstance(g, _RAW) else np.result_type(g)
    return like(np.asarray(cond, dtype=dt), g)


def _where(cond: Any, a: Any, b: Any) -> Any:
    """``a`` where ``cond`` (a raw boolean), else ``b``: ``np.where`` on raw values, and a
    sum of masked terms on Tensors (so that both are recorded)."""
    if isinstance(a, _RAW) and isinstance(b, _RAW):
        if type(a) is float and type(b) is float:
            return a if cond else b
        return np.where(cond, a, b)
    m = _mask(cond, a if not isinstance(a, _RAW) else b)
    return a * m + b * (1 - m)


class LeakyRelu(Op):
    """x if x > 0 else slope * x (ctx: the slope); the gradient is 1 or slope, slope at 0."""

    name = "LeakyReluBackward0"

    @staticmethod
    def forward(ctx, a):
        if type(a) is float:
            return a if a > 0 else a * ctx
        return np.where(a > 0, a, a * ctx)

    @staticmethod
    def backward(ctx, g, out, a):
        if isinstance(g, _RAW):
            return _where(value(a) > 0, g, g * ctx)
        return type(g)._apply(LeakyReluBackward, (g, a), ctx)

    jvp = classmethod(diagonal_jvp)


class LeakyReluInplace(LeakyRelu):
    """``leaky_relu_``: PyTorch names its record differently, and its rule reads the result
    (of the same sign as the input: the slope is not negative), which it saves."""

    name = "LeakyReluBackward1"
    keeps = "out"

    @staticmethod
    def backward(ctx, g, out, a):
        return LeakyRelu.backward(ctx, g, None, out)


class LeakyReluBackward(Op):
    """LeakyRelu's rule as a record (what PyTorch records under create_graph): ``g`` scaled
    where ``a <= 0``; its derivative in ``a`` is 0."""

    name = "LeakyReluBackwardBackward0"

    @staticmethod
    def forward(ctx, g, a):
        return LeakyRelu.backward(ctx, g, None, a)

    @staticmethod
    def backward(ctx, gg, res, g, a):
        return LeakyRelu.backward(ctx, gg, None, a), zeros(gg)

    jvp = classmethod(diagonal_jvp)


class Softplus(Op):
    """log(1 + exp(beta x)) / beta, or x where beta x > threshold (ctx: (beta, threshold)).

    d/dx = sigmoid(beta x), or 1 where beta x > threshold, computed as PyTorch's kernel does:
    z / (z + 1) with z = exp(beta x).
    """

    name = "SoftplusBackward0"

    @staticmethod
    def forward(ctx, a):
        beta, threshold = ctx
        with quiet():
            return _where(a * beta > threshold, a, np.log1p(np.exp(a * beta)) / beta)

    @staticmethod
    def backward(ctx, g, out, a):
        if not isinstance(g, _RAW):
            return type(g)._apply(SoftplusBackward, (g, a), ctx)
        beta, threshold = ctx
        with quiet():
            z = np.exp(a * beta)
            return _where(value(a) * beta > threshold, g, g * z / (z + 1))

    jvp = classmethod(diagonal_jvp)


class SoftplusBackward(Op):
    """Softplus's rule as a record (create_graph): its derivative in ``a`` is
    ``g beta s (1 - s)`` with s = sigmoid(beta a), where beta a < threshold, as PyTorch's."""

    name = "SoftplusBackwardBackward0"

    @staticmethod
    def forward(ctx, g, a):
        return Softplus.backward(ctx, g, None, a)

    @staticmethod
    def backward(ctx, gg, res, g, a):
        beta, threshold = ctx
        s = sigmoid(a * beta)
        small = _mask(value(a) * beta < threshold, gg)
        return Softplus.backward(ctx, gg, None, a), s * (1 - s) * gg * g * beta * small

    jvp = classmethod(diagonal_jvp)


class LogSigmoid(Op):
    """log(sigmoid(x)) = min(x, 0) - log(1 + exp(-|x|)), which never overflows.

    d/dx = 1 - sigmoid(x) = sigmoid(-x), computed as PyTorch's kernel does.
    """

    name = "LogSigmoidBackward0"

    @staticmethod
    def forward(ctx, a):
        with quiet():
            return np.minimum(a, 0) - np.log1p(np.exp(-np.abs(a)))

    @staticmethod
    def backward(ctx, g, out, a):
        if not isinstance(g, _RAW):
            return type(g)._apply(LogSigmoidBackward, (g, a))
        with quiet():
            z = np.exp(-np.abs(a))
            return g * _where(a < 0, 1 - z / (1 + z), z / (1 + z))

    jvp = classmethod(diagonal_jvp)


class LogSigmoidBackward(Op):
    """LogSigmoid's rule as a record (create_graph): its derivative in ``a`` is
    ``g (s - 1) s`` with s = sigmoid(a), as PyTorch's."""

    name = "LogSigmoidBackwardBackward0"

    @staticmethod
    def forward(ctx, g, a):
        return LogSigmoid.backward(ctx, g, None, a)

    @staticmethod
    def backward(ctx, gg, res, g, a):
        s = sigmoid(a)
        return LogSigmoid.backward(ctx, gg, None, a), gg * g * (s - 1) * s

    jvp = classmethod(diagonal_jvp)


def _clip(x: Any, lo: float, hi: float) -> Any:
    """``x`` clipped to [lo, hi], for raw values and Tensors."""
    return np.clip(x, lo, hi) if isinstance(x, _RAW) else x.clamp(lo, hi)


def _reduced(loss: Any, reduction: str) -> Any:
    """Elementwise losses (raw) as they are (``'none'``), summed or averaged."""
    if reduction == "none":
        return loss
    if type(loss) is np.ndarray:  # (in PyTorch's order of additions, in float32)
        return sum_array(loss) if reduction == "sum" else mean_array(loss)
    return np.sum(loss) if reduction == "sum" else np.mean(loss)


def _loss_adjoint(g: Any, x: Any, reduction: str) -> Any:
    """The adjoint of each element of a loss: ``g`` divided by N for ``'mean'``."""
    if reduction == "mean":
        n = math.prod(shape(x))
        return div(g, n)
    return g


class SmoothL1Loss(Op):
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta, with d = x - y, reduced
    (ctx: (reduction, beta)).

    d/dx = clip(d / beta, -1, 1) g = -d/dy.
    """

    name = "SmoothL1LossBackward0"

    @staticmethod
    def forward(ctx, x, y):
        reduction, beta = ctx
        z = np.abs(x - y)
        return _reduced(np.where(z < beta, 0.5 * z * z / beta, z - 0.5 * beta), reduction)

    scale = staticmethod(lambda beta: (beta, 1.0))  # d/dx = clip(d / s, -c, c) g: (s, c)

    @staticmethod
    def backward(ctx, g, out, x, y):
        if not isinstance(g, _RAW):  # recorded as PyTorch's: smooth_l1_loss_backward
            return _clipped_loss_grads(SmoothL1LossGrad, ctx, g, x, y)
        reduction, beta = ctx
        gx = _clip((x - y) / beta, -1.0, 1.0) * _loss_adjoint(g, x, reduction)
        return gx, -gx

    @classmethod
    def jvp(cls, ctx, t, out, x, y):
        return loss_jvp(cls, ctx, t, out, (x, y), ctx[0])


class HuberLoss(Op):
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta), with d = x - y, reduced
    (ctx: (reduction, delta)).

    d/dx = clip(d, -delta, delta) g = -d/dy.
    """

    name = "HuberLossBackward0"

    @staticmethod
    def forward(ctx, x, y):
        reduction, delta = ctx
        z = np.abs(x - y)
        return _reduced(np.where(z < delta, 0.5 * z * z, delta * (z - 0.5 * delta)), reduction)

    scale = staticmethod(lambda delta: (1.0, delta))

    @staticmethod
    def backward(ctx, g, out, x, y):
        if not isinstance(g, _RAW):  # recorded as PyTorch's: huber_loss_backward
            return _clipped_loss_grads(HuberLossGrad, ctx, g, x, y)
        reduction, delta = ctx
        gx = _clip(x - y, -delta, delta) * _loss_adjoint(g, x, reduction)
        return gx, -gx

    @classmethod
    def jvp(cls, ctx, t, out, x, y):
        return loss_jvp(cls, ctx, t, out, (x, y), ctx[0])


def _clipped_loss_grads(op: type[Op], ctx: Any, g: Any, x: Any, y: Any) -> tuple[Any, Any]:
    """The gradients of smooth_l1_loss or huber_loss in x and in y on Tensors: records of
    ``op`` of (g, x, y) and of (g, y, x), as PyTorch's two ``*_loss_backward`` calls."""
    return type(g)._apply(op, (g, x, y), ctx), type(g)._apply(op, (g, y, x), ctx)


class SmoothL1LossGrad(Op):
    """The gradient in ``x`` of smooth_l1_loss as a record of (g, x, y) (ctx: the loss's),
    ``clip(d / s, -c, c) g`` with d = x - y (over N for 'mean'); its derivative in x is
    ``g / s`` where ``|d| < s c`` (0 elsewhere), in g the clipped factor."""

    name = "SmoothL1LossBackwardBackward0"
    loss = SmoothL1Loss

    @classmethod
    def forward(cls, ctx, g, x, y):
        return cls.loss.backward(ctx, g, None, x, y)[0]

    @classmethod
    def _inside(cls, ctx: Any, x: Any, y: Any) -> tuple[Any, float, float, float]:
        """The raw mask of |d| < s c, 1 / s (0 for s = 0, where the mask is all false),
        s and c."""
        s, c = cls.loss.scale(ctx[1])
        return np.abs(value(x) - value(y)) < s * c, (1.0 / s if s else 0.0), s, c

    @classmethod
    def backward(cls, ctx, gg, out, g, x, y):
        inside, k, s, c = cls._inside(ctx, x, y)
        gx = where(inside, gg * _loss_adjoint(g, x, ctx[0]))
        gx = gx if k == 1.0 else times(gx, k)
        d = x - y if s == 1.0 else over(x - y, s)
        return _loss_adjoint(sum_to(gg * _clip(d, -c, c), g), x, ctx[0]), gx, -gx

    @classmethod
    def jvp(cls, ctx, t, out, g, x, y):
        tg, tx, ty = t
        inside, k, _, _ = cls._inside(ctx, x, y)
        d = tsum(tx, None if ty is None else -ty)
        return tsum(None if tg is None else cls.forward(ctx, tg, x, y),
                    None if d is None else np.where(inside, d, 0.0) * k
                    * _loss_adjoint(g, x, ctx[0]))


class HuberLossGrad(SmoothL1LossGrad):
    name, loss = "HuberLossBackwardBackward0", HuberLoss


class NativeBatchNorm(Op):
    """Batch normalization of ``x`` (N, C) or (N, C, L) per channel, then ``* w + b`` if
    given (inputs: x, then w and b when affine). ctx: ``(training, eps, mean, var, affine)``:
    in training the statistics are the batch's (``mean``, ``var`` None), in eval the running
    ones.

    With xhat = (x - mean) * invstd, n values per channel and gy = g * w:
    d/dx = invstd / n * (n gy - sum(gy) - xhat sum(gy xhat)) in training, gy * invstd in eval;
    d/dw = sum(g xhat), d/db = sum(g).
    """

    name = "NativeBatchNormBackward0"

    @staticmethod
    def forward(ctx, x, w=None, b=None):
        xhat, _ = _batch_norm_xhat(ctx, x)
        return _batch_norm_affine(ctx, xhat, w, b, x)

    @staticmethod
    def backward(ctx, g, out, x, w=None, b=None):
        affine = ctx[4]
        if not (type(g) is float or isinstance(g, _RAW)):  # a record per gradient, all
            ins = (g, x, w) if affine else (g, x)  # outputs of one node
            kinds = (BatchNormGradInput, BatchNormGradWeight, BatchNormGradBias)[:1 + 2 * affine]
            grads = type(g)._apply_several(kinds, ins, ctx)
            return grads if affine else grads[0]
        xhat, invstd = _batch_norm_xhat(ctx, x)
        gx = _batch_norm_grad_input(ctx, g, x, w, (xhat, invstd))
        if not affine:
            return gx
        dims = _channel_dims(x)[0]
        return gx, reshape(sum_dims(g * xhat, dims), shape(w)), reshape(sum_dims(g, dims),
                                                                        shape(w))

    @staticmethod
    def jvp(ctx, t, out, x, w=None, b=None):
        """With u = tx - mean(tx): d xhat = invstd (u - xhat mean(xhat u)) in training
        (the statistics move with x), tx invstd in eval; d out = d xhat w + xhat tw + tb."""
        training, affine = ctx[0], ctx[4]
        tx, tw, tb = t if affine else (t, None, None)
        dims, s = _channel_dims(x)
        xhat, invstd = _batch_norm_xhat(ctx, x)
        dx = None
        if tx is not None and training:
            u = tx - np.mean(tx, axis=dims, keepdims=True)
            dx = invstd * (u - xhat * np.mean(xhat * u, axis=dims, keepdims=True))
        elif tx is not None:
            dx = tx * invstd
        if not affine:
            return dx
        return tsum(None if dx is None else dx * reshape(w, s),
                    None if tw is None else xhat * reshape(tw, s),
                    None if tb is None else reshape(tb, s))


def _batch_norm_grad_input(ctx: Any, g: Any, x: Any, w: Any, stats: Any = None) -> Any:
    """The gradient of batch norm in ``x``: ``invstd / n (n gy - sum(gy) - xhat sum(gy
    xhat))`` with ``gy = g w`` in training, ``gy invstd`` in eval (``stats``: ``(xhat,
    invstd)`` if already known)."""
    dims, s = _channel_dims(x)
    xhat, invstd = stats if stats is not None else _batch_norm_xhat(ctx, x)
    gy = g * reshape(w, s) if ctx[4] else g
    if not ctx[0]:
        return gy * invstd
    n = math.prod(shape(x)) // shape(x)[1]
    return invstd / n * (n * gy - sum_dims(gy, dims, True)
                         - xhat * sum_dims(gy * xhat, dims, True))


class BatchNormGradInput(Op):
    """NativeBatchNorm's gradient in ``x`` as a record of its own (inputs ``g``, ``x`` and
    ``w`` when affine; ctx: NativeBatchNorm's, then the output's number and
    :class:`Outputs`). PyTorch records the three gradients of its batch norm under
    create_graph as one node, ``NativeBatchNormBackwardBackward0``, of ``(g, x, w)``; here
    each gradient is a record of those inputs, all three outputs of one such node, and each
    one's rule is that gradient's part of PyTorch's ``batchnorm_double_backward``."""

    name, several = "NativeBatchNormBackwardBackward0", True

    @staticmethod
    def forward(ctx, g, x, w=None):
        return _batch_norm_grad_input(ctx, g, x, w)

    @staticmethod
    def backward(ctx, gg, out, g, x, w=None):
        training, affine = ctx[0], ctx[4]
        dims, s = _channel_dims(x)
        xhat, invstd = _batch_norm_saved(ctx, x)
        ws = reshape(w, s) if affine else 1.0
        dg = _batch_norm_grad_input(ctx, gg, x, w, (xhat, invstd))  # linear in g
        gi = gw = None
        if training:
            n = math.prod(shape(x)) // shape(x)[1]

            def mean(v: Any) -> Any:
                return sum_dims(v, dims, True) / n

            a, bg, cg, cgg = mean(gg), mean(g), mean(g * xhat), mean(gg * xhat)
            gi = ws * (invstd * invstd) * (xhat * (a * bg - mean(g * gg) + 3 * cg * cgg)
                                           + cgg * (bg - g) + cg * (a - gg))
            if affine:  # the rule without w, against gg
                gw = sum_dims(gg * (invstd * (g - bg - xhat * cg)), dims)
        elif affine:
            gw = sum_dims(gg * g * invstd, dims)
        if not affine:
            return dg, gi
        return dg, gi, reshape(gw, shape(w))

    @staticmethod
    def jvp(ctx, t, out, g, x, w=None):
        """Linear in ``g`` and in ``w``; in ``x`` (training), with ``u = tx - mean(tx)``:
        d xhat = invstd (u - xhat mean(xhat u)), d invstd = -invstd^2 mean(xhat u)."""
        tg, tx, tw = (*t, None)[:3]
        r = [None if tg is None else BatchNormGradInput.forward(ctx, tg, x, w),
             None if tw is None else BatchNormGradInput.forward(ctx, g, x, tw)]
        if tx is not None and ctx[0]:
            dims, s = _channel_dims(x)
            xhat, invstd = _batch_norm_xhat(ctx, x)
            gy = g * reshape(w, s) if ctx[4] else g
            u = tx - np.mean(tx, axis=dims, keepdims=True)
            m_xu = np.mean(xhat * u, axis=dims, keepdims=True)
            dxhat = invstd * (u - xhat * m_xu)
            m_gx = np.mean(gy * xhat, axis=dims, keepdims=True)
            p = gy - np.mean(gy, axis=dims, keepdims=True) - xhat * m_gx
            r.append(-invstd * invstd * m_xu * p - invstd * (
                dxhat * m_gx + xhat * np.mean(gy * dxhat, axis=dims, keepdims=True)))
        return tsum(*r)


class BatchNormGradWeight(BatchNormGradInput):
    """NativeBatchNorm's gradient in ``w``, ``sum(g xhat)``, as a record (see
    :class:`BatchNormGradInput`)."""

    @staticmethod
    def forward(ctx, g, x, w):
        dims = _channel_dims(x)[0]
        return np.reshape(sum_dims(g * _batch_norm_xhat(ctx, x)[0], dims), np.shape(w))

    @staticmethod
    def backward(ctx, gg, out, g, x, w):
        dims, s = _channel_dims(x)
        xhat, invstd = _batch_norm_saved(ctx, x)
        gs = reshape(gg, s)
        if ctx[0]:
            n = math.prod(shape(x)) // shape(x)[1]
            gi = gs * (invstd * (g - sum_dims(g, dims, True) / n
                                 - xhat * (sum_dims(g * xhat, dims, True) / n)))
        else:
            gi = gs * invstd * g
        return gs * xhat, gi, None

    @staticmethod
    def jvp(ctx, t, out, g, x, w):
        tg, tx, _ = t
        dims, s = _channel_dims(x)
        xhat, invstd = _batch_norm_xhat(ctx, x)
        r = [None if tg is None else np.sum(tg * xhat, axis=dims)]
        if tx is not None and ctx[0]:
            u = tx - np.mean(tx, axis=dims, keepdims=True)
            dxhat = invstd * (u - xhat * np.mean(xhat * u, axis=dims, keepdims=True))
            r.append(np.sum(g * dxhat, axis=dims))
        elif tx is not None:
            r.append(np.sum(g * (tx * invstd), axis=dims))
        return tsum(*r)


class BatchNormGradBias(BatchNormGradInput):
    """NativeBatchNorm's gradient in ``b``, ``sum(g)``, as a record of ``(g, x, w)`` (see
    :class:`BatchNormGradInput`): so it requires grad with ``x`` or ``w``, as PyTorch's,
    though its derivative in them is 0 (none)."""

    @staticmethod
    def forward(ctx, g, x, w):
        return np.reshape(sum_dims(g, _channel_dims(x)[0]), np.shape(w))

    @staticmethod
    def backward(ctx, gg, out, g, x, w):
        return expand(reshape(gg, _channel_dims(x)[1]), shape(g)), None, None

    @staticmethod
    def jvp(ctx, t, out, g, x, w):
        return None if t[0] is None else np.sum(t[0], axis=_channel_dims(x)[0])


def _channel_dims(x: Any) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The dims a per-channel statistic reduces over (all but dim 1), and the shape that
    broadcasts a per-channel vector along dim 1."""
    nd = len(shape(x))
    dims = (0,) + tuple(range(2, nd))
    return dims, (1, shape(x)[1]) + (1,) * (nd - 2)


def _batch_norm_xhat(ctx: Any, x: Any) -> tuple[Any, Any]:
    """(x - mean) * invstd and invstd, from the batch (training) or the running statistics."""
    training, eps, mean, var = ctx[:4]
    dims, s = _channel_dims(x)
    if training:
        n = math.prod(shape(x)) // shape(x)[1]
        mean = sum_dims(x, dims, True) / n
        d = x - mean
        invstd = div(1.0, sqrt(sum_dims(d * d, dims, True) / n + eps))
        return d * invstd, invstd
    invstd = like(np.reshape(1.0 / np.sqrt(var + eps), s), x)
    return (x - like(np.reshape(mean, s), x)) * invstd, invstd


def _batch_norm_saved(ctx: Any, x: Any) -> tuple[Any, Any]:
    """(xhat, invstd) as PyTorch's double backward of batch norm has them: from the mean and
    invstd the forward saved, which it does not differentiate (constants), so that only
    ``x - mean`` follows ``x`` (a third derivative is torch's, not the exact one)."""
    if isinstance(x, _RAW) or not ctx[0]:
        return _batch_norm_xhat(ctx, x)
    vx = value(x)
    dims = _channel_dims(vx)[0]
    mean = np.sum(vx, axis=dims, keepdims=True) / (math.prod(vx.shape) // vx.shape[1])
    invstd = like(_batch_norm_xhat(ctx, vx)[1], x)
    return (x - like(mean, x)) * invstd, invstd


def _batch_norm_affine(ctx: Any, xhat: Any, w: Any, b: Any, x: Any) -> Any:
    if not ctx[4]:
        return xhat
    s = _channel_dims(x)[1]
    return xhat * reshape(w, s) + reshape(b, s)


class Embedding(Op):
    """Rows of the weight (the only input) picked by integer indices (ctx: (indices,
    padding_idx)); the gradient of each row is the sum of the adjoints of the places that
    picked it, zero for the padding row."""

    name = "EmbeddingBackward0"
    keeps = ""  # the indices only

    @staticmethod
    def forward(ctx, w):
        return w[ctx[0]]

    @staticmethod
    def backward(ctx, g, out, w):
        if isinstance(g, _RAW):
            return EmbeddingGrad.forward((*ctx, shape(w)[0]), g)
        # recorded as PyTorch's embedding_dense_backward
        return type(g)._apply(EmbeddingGrad, (g,), (*ctx, shape(w)[0]))

    jvp = classmethod(linear_jvp)


class EmbeddingGrad(Op):
    """The gradient of embedding's weight as a record of its own (ctx: (indices,
    padding_idx, rows)), as PyTorch's ``embedding_dense_backward``: each row the sum of the
    adjoints of the places that picked it, 0 for the padding row. Linear in ``g``: its
    adjoint gives each place the incoming gradient of the row it picked (0 for padding)."""

    name, saves = "EmbeddingDenseBackwardBackward0", False

    @staticmethod
    def forward(ctx, g):
        idx, pad, rows = ctx
        dim = np.shape(g)[-1]
        gw = np.zeros((rows, dim), dtype=np.result_type(g))
        np.add.at(gw, np.reshape(idx, -1), np.reshape(g, (-1, dim)))
        if pad is not None:
            gw[pad] = 0
        return gw

    @staticmethod
    def backward(ctx, gg, out, g):
        idx, pad, _ = ctx
        picked = gg[idx] if isinstance(gg, _RAW) else type(gg)._apply(Embedding, (gg,),
                                                                       (idx, pad))
        return picked if pad is None else where(np.expand_dims(idx != pad, -1), picked)

    jvp = classmethod(linear_jvp)
