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
  each input (a tuple for several inputs, a bare value for one).

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
from typing import Any

import numpy as np

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
    lead = len(gs) - len(s)
    dims = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(s) if n == 1 and gs[lead + i] != 1
    )
    return reshape(sum_dims(g, dims, keepdim=True), s) if dims else reshape(g, s)


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


# --------------------------------------------------------------------------------------
# The primitives
# --------------------------------------------------------------------------------------
class Op:
    """A primitive: a forward rule and its backward rule (see the module docstring)."""

    name = "Backward0"
    saves = True
    keeps = "in"
    again = False  # a view seen anew after its base changed: ctx[1] is its old history
    rule: Rule  # every subclass gets its own when it is defined

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.rule = Rule(cls)

    @staticmethod
    def forward(ctx: Any, *xs: Any) -> Any:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Any, g: Any, out: Any, *xs: Any) -> Any:
        raise NotImplementedError

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


class Rule:
    """What a record of the tape keeps of its primitive (``Tensor._op``): the backward rule,
    whether it saves values, the name PyTorch prints, and the primitive itself.

    The reverse sweep reads the first two once per record. They live in an instance of this
    one small class with slots because CPython reads a slot of objects of one class much
    faster than a class attribute of many different classes: about 8% of a sweep.
    """

    __slots__ = ("primitive", "saves", "backward", "inplace")

    def __init__(self, primitive: type[Op], inplace: bool = False) -> None:
        self.primitive = primitive
        self.saves = primitive.saves
        self.backward = primitive.backward
        self.inplace = inplace

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
    def backward(ctx, g, out, a, b):
        if type(g) is float:  # 0-d float64 all round: no broadcasting to undo
            return g, g
        return sum_to(g, a), sum_to(g, b)


class Sub(Op):
    name, saves = "SubBackward0", False

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, g, out, a, b):
        if type(g) is float:
            return g, -g
        return sum_to(g, a), sum_to(-g, b)


class AddScaled(Op):
    """``a + alpha * b`` (ctx: alpha), as ``a.add_(b, alpha=...)`` records it."""

    name, saves = "AddBackward0", False

    @staticmethod
    def forward(alpha, a, b):
        return a + alpha * b

    @staticmethod
    def backward(alpha, g, out, a, b):
        return sum_to(g, a), sum_to(g * alpha, b)


class SubScaled(Op):
    """``a - alpha * b`` (ctx: alpha)."""

    name, saves = "SubBackward0", False

    @staticmethod
    def forward(alpha, a, b):
        return a - alpha * b

    @staticmethod
    def backward(alpha, g, out, a, b):
        return sum_to(g, a), sum_to(-g * alpha, b)


class Mul(Op):
    name = "MulBackward0"
    keeps = "cross"

    @staticmethod
    def forward(ctx, a, b):
        return a * b

    @staticmethod
    def backward(ctx, g, out, a, b):
        if type(g) is float:
            return g * b, g * a
        return sum_to(g * b, a), sum_to(g * a, b)


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
            return sum_to(g * (b * power(a, b - 1)), a), sum_to(g * (out * log(a)), b)
        # torch's choices, held constant (so for second derivatives too): d/da = 0 where
        # b == 0, d/db = 0 where a == 0 and b >= 0. Those points of a move from 0 to 1, so
        # that no inf * 0 = nan arises before the mask zeroes them.
        dt = np.result_type(va)
        fb = za & np.greater_equal(vb, 0)
        ga = g * (b * power(a + like(np.asarray(za & zb, dt), g), b - 1))
        ga = ga * like(np.asarray(~zb, dt), g)
        gb = g * (out * log(a + like(np.asarray(fb, dt), g))) * like(np.asarray(~fb, dt), g)
        return sum_to(ga, a), sum_to(gb, b)


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


class Minimum(Maximum):
    name = "MinimumBackward0"
    wins = staticmethod(operator.lt)

    @staticmethod
    def forward(ctx, a, b):
        if type(a) is float and type(b) is float:
            return a if a <= b or a != a else b
        return np.minimum(a, b)


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


class PowC(Op):
    """``a ** c``: d/da = c * a ** (c - 1) (zero when c == 0, as in PyTorch)."""

    name = "PowBackward0"

    @staticmethod
    def forward(c, a):
        if c == 2 and type(a) is float:  # the commonest case, as pow_scalar computes it
            return a * a
        return pow_scalar(a, c)

    @staticmethod
    def backward(c, g, out, a):
        if c == 2 and (type(a) is float or isinstance(a, _RAW)):  # a ** 1 is a: no call
            return g * (2.0 * a)  # a float 2.0: CPython multiplies two floats fastest
        return g * (c * pow_scalar(a, c - 1)) if c != 0 else g * 0


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
        return g * (out * log(float(c)))


# One tensor, elementwise.
class Neg(Op):
    name, saves = "NegBackward0", False

    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, g, out, a):
        return -g


class Sign(Op):
    """-1, 0 or 1; its derivative is 0 everywhere (a record only so that, as in torch,
    ``abs`` and ``relu`` rules stay differentiable under create_graph)."""

    name, saves = "SignBackward0", False

    @staticmethod
    def forward(ctx, a):
        return sign(a)

    @staticmethod
    def backward(ctx, g, out, a):
        return g * 0


class Exp(Op):
    name = "ExpBackward0"
    keeps = "out"

    @staticmethod
    def forward(ctx, a):
        return exp(a)

    @staticmethod
    def backward(ctx, g, out, a):
        return g * out


class Log(Op):
    name = "LogBackward0"

    @staticmethod
    def forward(ctx, a):
        return log(a)

    @staticmethod
    def backward(ctx, g, out, a):
        return div(g, a)


class Sin(Op):
    name = "SinBackward0"

    @staticmethod
    def forward(ctx, a):
        return sin(a)

    @staticmethod
    def backward(ctx, g, out, a):
        return g * cos(a)


class Cos(Op):
    name = "CosBackward0"

    @staticmethod
    def forward(ctx, a):
        return cos(a)

    @staticmethod
    def backward(ctx, g, out, a):
        return -g * sin(a)


class Tanh(Op):
    name = "TanhBackward0"
    keeps = "out"

    @staticmethod
    def forward(ctx, a):
        return math.tanh(a) if type(a) is float else tanh(a)  # math.tanh never raises

    @staticmethod
    def backward(ctx, g, out, a):
        return g * (1.0 - out * out)


class Sigmoid(Op):
    name = "SigmoidBackward0"
    keeps = "out"

    @staticmethod
    def forward(ctx, a):
        return sigmoid(a)

    @staticmethod
    def backward(ctx, g, out, a):
        return g * (1 - out) * out  # PyTorch's order of the products


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
        return threshold(gg, out), gg * 0


class Abs(Op):
    name = "AbsBackward0"

    @staticmethod
    def forward(ctx, a):
        return abs(a)

    @staticmethod
    def backward(ctx, g, out, a):
        return g * sign(a)


class Sqrt(Op):
    name = "SqrtBackward0"
    keeps = "out"

    @staticmethod
    def forward(ctx, a):
        return sqrt(a)

    @staticmethod
    def backward(ctx, g, out, a):
        return div(g, 2 * out)


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
        if lo is not None:
            g = g * (a >= lo)
        if hi is not None:
            g = g * (a <= hi)
        return g


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


class Clone(Op):
    name, saves = "CloneBackward0", False

    @staticmethod
    def forward(ctx, a):
        return a if type(a) is float else a.copy()

    @staticmethod
    def backward(ctx, g, out, a):
        return g


class Copy(Clone):
    """The copy PyTorch makes of a leaf's first gradient under ``create_graph=True``."""

    name = "CopyBackwards"


# Reductions. ctx = (dims, keepdim), dims None meaning all.
class Sum(Op):
    name, saves = "SumBackward0", False

    @staticmethod
    def forward(ctx, a):
        dims, keepdim = ctx
        return np.add.reduce(a, axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, g, out, a):
        dims, keepdim = ctx
        if dims is not None and not keepdim and type(g) is not float:  # a float fits any shape
            g = reshape(g, _keepdim_shape(shape(a), dims))
        return expand(g, shape(a))


class SumDim(Sum):
    name = "SumBackward1"


class Mean(Op):
    name, saves = "MeanBackward0", False

    @staticmethod
    def forward(ctx, a):
        dims, keepdim = ctx
        return np.mean(a, axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, g, out, a):
        dims = ctx[0]
        s = shape(a)
        n = math.prod(s) if dims is None else math.prod(s[d] for d in dims)
        return div(Sum.backward(ctx, g, out, a), n)


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
        return div(g * like(hit.astype(np.result_type(vo)), g), int(np.sum(hit)))


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
        g = reshape(g, _keepdim_shape(s, (dim,)))
        hit = np.zeros(s, dtype=bool)
        np.put_along_axis(hit, np.expand_dims(idx, dim), True, dim)
        return expand(g, s) * like(hit, g)


class MinDim(MaxDim):
    name = "MinBackward0"


# Shapes. The rule moves the adjoint back to the input's shape.
class View(Op):
    name, saves = "ViewBackward0", False

    @staticmethod
    def forward(ctx, a):
        return np.reshape(a, ctx)

    @staticmethod
    def backward(ctx, g, out, a):
        return reshape(g, shape(a))


class Squeeze(View):
    name = "SqueezeBackward0"


class SqueezeDim(View):
    name = "SqueezeBackward1"


class Unsqueeze(View):
    name = "UnsqueezeBackward0"


class Alias(View):
    name = "AliasBackward0"


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
        inverse = tuple(np.argsort(ctx))
        if isinstance(g, _RAW):
            return np.transpose(g, inverse)
        return g.permute(*inverse)


class Transpose(Permute):
    name = "TransposeBackward0"


class T(Permute):
    name = "TBackward0"


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


class Index(Op):
    """``a[key]``; the adjoint is scattered back (repeated indices add up)."""

    name = "IndexBackward0"  # saves the indices: a second backward raises, as in PyTorch
    keeps = ""  # but no tensor: changing the input in place afterwards is harmless

    @staticmethod
    def forward(ctx, a):
        return (np.asarray(a) if type(a) is float else a)[ctx]  # a 0-d float64 is a float

    @staticmethod
    def backward(ctx, g, out, a):
        return scatter(g, shape(a), ctx)


class Select(Index):
    """``a[i]`` (ctx: the key, ints and slices): a view, even when it has 0 dims."""

    name, saves = "SelectBackward0", False

    @staticmethod
    def forward(ctx, a):  # the Ellipsis makes NumPy return a 0-d view, not a number
        return a[(*ctx, ...) if type(ctx) is tuple else (ctx, ...)]


class Slice(Index):
    name, saves = "SliceBackward0", False


class Unbind(Select):
    name = "UnbindBackward0"


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


class IndexPut(Op):
    """Zeros of shape ctx[0] with ``a`` added at ``ctx[1]``: Index's adjoint, as a primitive
    so that it too can be differentiated."""

    name, saves = "IndexPutBackward0", False

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


def scatter(g: Any, s: tuple[int, ...], key: Any) -> Any:
    """Zeros of shape ``s`` with ``g`` added at ``key``."""
    if isinstance(g, _RAW):
        return IndexPut.forward((s, key), g)
    return type(g)._apply(IndexPut, (g,), (s, key))


# Views of a base, and in-place changes. A view's ``steps`` are the view primitives that
# lead from its base to it: ``((op, ctx, input shape), ...)``.
def zeros(g: Any) -> Any:
    """Zeros shaped as ``g`` (not ``g * 0``, which is nan where ``g`` is inf)."""
    if type(g) is float:
        return 0.0
    z = np.zeros(shape(g), dtype=np.result_type(value(g)))
    return z if isinstance(g, _RAW) else like(z, g)


def zero_at(g: Any, clear: Any) -> Any:
    """``g`` with some elements set to 0: those that ``clear(x)`` zeroes in an array ``x``."""
    if isinstance(g, _RAW):
        out = np.array(g)
        clear(out)
        return out
    keep = np.ones(shape(g), dtype=np.result_type(value(g)))
    clear(keep)
    return g * like(keep, g)


def view_steps(x: Any, steps: tuple) -> Any:
    """The view of ``x`` that ``steps`` lead to (a NumPy view of an array; recorded views of
    a Tensor)."""
    raw = isinstance(x, _RAW)
    for op, ctx, _ in steps:
        x = op.forward(ctx, x) if raw else type(x)._apply(op, (x,), ctx)
    return x


def unview(g: Any, steps: tuple) -> Any:
    """The adjoint of :func:`view_steps`: ``g`` (shaped as the view) put back in place in
    zeros shaped as the base, each step's own backward rule undoing it."""
    for op, ctx, s in reversed(steps):
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
    (steps, the op's rule, the op's ctx, the view's value before the change).
    """

    name = "CopySlices"  # it saves: a second backward through it raises, as in PyTorch

    @classmethod
    def saved(cls, needs):  # what the wrapped op saves, but its first input's old value
        return (), False  # (replaced by the sweep's check with the wrapped op's own)

    @staticmethod
    def backward(ctx, g, out, base, *others):
        steps, rule, op_ctx, before = ctx
        gv = view_steps(g, steps)
        if not isinstance(g, _RAW):
            before, out = like(before, g), view_steps(out, steps)
        else:
            out = view_steps(out, steps)
        grads = rule.backward(op_ctx, gv, out, before, *others)
        if not others:
            grads = (grads,)
        def clear(z):  # where the view is, the base's old value is gone
            view_steps(z, steps)[...] = 0

        gb = zero_at(g, clear)
        if grads[0] is not None:
            gb = gb + unview(grads[0], steps)
        return (gb, *grads[1:]) if others else gb


class Zero(Op):
    """``t.zero_()``: the old values are gone, so their gradient is 0."""

    name, saves = "ZeroBackward0", False

    @staticmethod
    def forward(ctx, a):
        return np.zeros_like(a) if type(a) is not float else 0.0

    @staticmethod
    def backward(ctx, g, out, a):
        return zeros(g)


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

        return zero_at(g, clear), sum_to(g[ctx], v)


# Linear algebra.
class MatMul(Op):
    """``a @ b`` for every rank, 1-D operands taken as a row (left) or a column (right).

    ctx = (a needs a gradient, b needs a gradient): the unneeded product is skipped.
    """

    name = "MmBackward0"
    keeps = "cross"

    @staticmethod
    def forward(ctx, a, b):
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx, g, out, a, b):
        sa, sb = shape(a), shape(b)
        if len(sa) == 2 and len(sb) == 2:  # the common case: two matrices
            return g @ matrix_t(b) if ctx[0] else None, matrix_t(a) @ g if ctx[1] else None
        a2 = reshape(a, (1,) + sa) if len(sa) == 1 else a
        b2 = reshape(b, sb + (1,)) if len(sb) == 1 else b
        sa2, sb2 = shape(a2), shape(b2)
        g2 = reshape(g, np.broadcast_shapes(sa2[:-2], sb2[:-2]) + (sa2[-2], sb2[-1]))
        ga = reshape(sum_to(g2 @ mT(b2), a2), sa) if ctx[0] else None
        gb = reshape(sum_to(mT(a2) @ g2, b2), sb) if ctx[1] else None
        return ga, gb


class Dot(MatMul):
    name = "DotBackward0"


class Mv(MatMul):
    name = "MvBackward0"

    @classmethod
    def saved(cls, needs):  # the matrix is checked first
        return tuple(i for i in (0, 1) if needs[1 - i]), False


class SqueezeInplace(View):
    """``t.squeeze_(dim)``: the same storage with one dim of size 1 less."""

    name = "SqueezeBackward4"


class BatchedMatMul(MatMul):
    name = "UnsafeViewBackward0"


def matmul_op(da: int, db: int) -> type[MatMul]:
    """The record PyTorch names for ``a @ b`` with operands of ranks ``da`` and ``db`` (but
    1 and 2: see :func:`tinygrad_lite._inplace.vecmat`)."""
    if da == 1 and db == 1:
        return Dot
    if da == 2 and db == 1:
        return Mv
    if da == 2 and db == 2:
        return MatMul
    return BatchedMatMul


class Softmax(Op):
    """exp(a) / sum(exp(a)) along dim ctx, computed from a - max(a) for safety."""

    name = "SoftmaxBackward0"
    keeps = "out"

    @staticmethod
    def forward(ctx, a):
        e = np.exp(a - np.max(a, axis=ctx, keepdims=True))
        return e / np.sum(e, axis=ctx, keepdims=True)

    @staticmethod
    def backward(ctx, g, out, a):
        return out * (g - sum_dims(g * out, None if ctx is None else (ctx,), keepdim=True))


class LogSoftmax(Op):
    """a - log(sum(exp(a))) along dim ctx."""

    name = "LogSoftmaxBackward0"
    keeps = "out"

    @staticmethod
    def forward(ctx, a):
        m = np.max(a, axis=ctx, keepdims=True)
        return a - m - np.log(np.sum(np.exp(a - m), axis=ctx, keepdims=True))

    @staticmethod
    def backward(ctx, g, out, a):
        return g - exp(out) * sum_dims(g, None if ctx is None else (ctx,), keepdim=True)
