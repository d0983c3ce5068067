"""The Tensor and the engine: a Wengert list (a tape) replayed in reverse.

How it works, in four sentences:

1. Every tensor made by a primitive while grad mode is on, from at least one input that
   requires grad, *is* a record of the tape: it keeps its primitive's rule (``_op``, an
   :class:`~tinygrad_lite.ops.Rule`), its input tensors (``_in``, ``_in2``), what the rule
   needs beyond them (``_ctx``) and its creation number (``_seq``). One object per op, and
   no record points back to its output, so a graph has no reference cycles and is freed by
   reference counting when its output is dropped.
2. Creation numbers grow, and an op's inputs always exist before it, so the records sorted
   by creation number are a valid evaluation order (the Wengert list); backward walks it in
   reverse, with no recursion and no topological sort.
3. Each record's adjoint (d output / d record) is kept on the record during the sweep
   (``_adj``); a rule from :mod:`tinygrad_lite.ops` turns it into its inputs' adjoints,
   which add up where a value was used more than once.
4. The rules run on raw floats and arrays normally, and on Tensors under
   ``create_graph=True``, so the backward pass itself is recorded (second derivatives).
"""

from __future__ import annotations

import builtins
import functools
import itertools
import math
import numbers
import operator
import threading
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from . import _dtype as D
from . import ops
from ._printing import format_tensor
from ._quiet import quiet, quiet_off, quiet_on

_counter = itertools.count(1)  # creation numbers: the order of the Wengert list
_dual = False  # whether a forward-AD level is open (see autograd.forward_ad)

# ----------------------------------------------------------------------------------------
# Grad mode and inference mode: per thread, as in PyTorch
# ----------------------------------------------------------------------------------------
class _ThreadMode(threading.local):
    """The modes of one thread. A new thread starts with these class attributes: grad
    mode on, inference mode off, and so recording."""

    grad = True
    inference = False
    recording = True  # grad and not inference


_mode = _ThreadMode()


class _Recording:
    """What :data:`_grad_enabled` is while some thread is not in the default mode: true in
    the threads that record. ``bool()`` of it reads this thread's ``_mode.recording``
    without running Python code (a ``partial`` of ``getattr``), which costs a few tens of
    nanoseconds more than the test of ``True``."""

    __slots__ = ()
    __bool__ = staticmethod(functools.partial(getattr, _mode, "recording"))

    def __repr__(self) -> str:
        return "<recording in the current thread>"


_RECORDING = _Recording()

# The hot path's test, ``x._rg and _grad_enabled``: True while every thread is in the
# default mode (grad mode on, inference mode off), _RECORDING while some thread is not.
_grad_enabled: Any = True
_deviants = 0  # the threads that do not record
_inference_threads = 0  # the threads in inference mode
_inference_used = False  # whether inference mode was ever on (inference tensors may exist)
_mode_lock = threading.Lock()


def _set_mode(grad: builtins.bool, inference: builtins.bool) -> None:
    """Set this thread's grad mode and inference mode."""
    global _grad_enabled, _deviants, _inference_threads, _inference_used
    m = _mode
    recorded, inferred = m.recording, m.inference
    m.grad, m.inference = grad, inference
    m.recording = recording = grad and not inference
    if recording is not recorded or inference is not inferred:
        with _mode_lock:
            _deviants += (recorded - recording)
            _inference_threads += (inference - inferred)
            _inference_used = _inference_used or inference
            _grad_enabled = _RECORDING if _deviants else True


def _recording() -> builtins.bool:
    """Whether operations in this thread are recorded (grad mode on, inference mode off)."""
    return _mode.recording


def is_grad_enabled() -> builtins.bool:
    """Whether grad mode is on in this thread (operations are recorded unless inference
    mode is on too)."""
    return _mode.grad


def is_inference_mode_enabled() -> builtins.bool:
    """Whether inference mode is on in this thread."""
    return _mode.inference


class set_grad_enabled:  # noqa: N801 - PyTorch's name
    """Turn recording on or off in this thread: as a call, a context manager or a decorator.

    Args:
        mode: True to record operations, False not to.
    """

    def __init__(self, mode: builtins.bool) -> None:
        self._prev = _mode.grad
        self._mode = builtins.bool(mode)
        _set_mode(self._mode, _mode.inference)

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        _set_mode(self._prev, _mode.inference)

    def __repr__(self) -> str:
        return f"torch.autograd.grad_mode.set_grad_enabled(mode={self._mode})"

    def _fresh(self) -> set_grad_enabled:
        """A new context manager of this kind, for one call of a decorated function."""
        return set_grad_enabled(self._mode)

    def __call__(self, fn: Any) -> Any:
        if type(self) is set_grad_enabled:  # decorating: undo the switch made by __init__
            _set_mode(self._prev, _mode.inference)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self._fresh():
                return fn(*args, **kwargs)

        wrapper.__name__ = getattr(fn, "__name__", "wrapper")
        wrapper.__doc__ = getattr(fn, "__doc__", None)
        return wrapper


class no_grad(set_grad_enabled):  # noqa: N801
    """Context manager (or decorator) in which this thread records nothing: for weight
    updates (``w -= lr * w.grad``) and evaluation."""

    def __init__(self) -> None:
        self._mode = False

    def __enter__(self) -> None:
        self._prev = _mode.grad
        _set_mode(False, _mode.inference)

    def _fresh(self) -> no_grad:
        return no_grad()


class enable_grad(set_grad_enabled):  # noqa: N801
    """Context manager (or decorator) that turns recording back on inside ``no_grad``."""

    def __init__(self) -> None:
        self._mode = True

    def __enter__(self) -> None:
        self._prev = _mode.grad
        _set_mode(True, _mode.inference)

    def _fresh(self) -> enable_grad:
        return enable_grad()


class inference_mode(set_grad_enabled):  # noqa: N801
    """Context manager (or decorator, with or without parentheses) in which this thread
    records nothing, even under ``enable_grad``, and the tensors made are inference tensors
    (``is_inference()``): they cannot be saved for backward by an operation recorded later.

    Args:
        mode: False to turn inference mode off instead (and grad mode on), as PyTorch.
    """

    def __new__(cls, mode: Any = True) -> Any:
        if isinstance(mode, builtins.bool):
            return super().__new__(cls)
        return cls()(mode)  # @inference_mode without parentheses: mode is the function

    def __init__(self, mode: builtins.bool = True) -> None:
        self.mode = mode

    def __enter__(self) -> None:
        self._prev_modes = (_mode.grad, _mode.inference)
        _set_mode(not self.mode, self.mode)

    def __exit__(self, *exc: object) -> None:
        _set_mode(*self._prev_modes)

    def __repr__(self) -> str:
        return object.__repr__(self)

    def _fresh(self) -> inference_mode:
        return inference_mode(self.mode)


# ----------------------------------------------------------------------------------------
# Values: a Python float for 0-d float64 (the fast path), a NumPy array otherwise
# ----------------------------------------------------------------------------------------
def _dtype_of(data: Any) -> D.dtype:
    return D.float64 if type(data) is float else D.from_numpy_dtype(data.dtype)


def _store(r: Any) -> Any:
    """Normalise a NumPy result for storage: 0-d float64 becomes a Python float, other
    NumPy scalars become 0-d arrays."""
    if type(r) is np.ndarray:
        if r.ndim == 0 and r.dtype == np.float64:
            return float(r)
        return r
    if type(r) is float:
        return r
    if type(r) is np.float64 or (isinstance(r, np.generic) and r.dtype == np.float64):
        return float(r)
    return np.asarray(r)


def _cast(data: Any, dt: D.dtype) -> Any:
    if type(data) is float:
        if dt is D.float64:
            return data
    elif data.dtype == dt.np:
        return data
    with quiet():  # 1e300 as float32 is inf, quietly, as in PyTorch
        if type(data) is float:
            return np.asarray(data, dtype=dt.np)
        return _store(data.astype(dt.np))


def _result_type(a: Any, b: Any) -> D.dtype:
    """PyTorch's type promotion for two tensors' data: within the highest category
    (bool < integer < float), tensors with dims decide before 0-d ones."""
    da, db = _dtype_of(a), _dtype_of(b)
    if da is db:
        return da
    na, nb = np.ndim(a) > 0, np.ndim(b) > 0
    if na == nb:
        return D.promote_types(da, db)
    hi, lo = (da, db) if na else (db, da)
    if hi._rank == 2 or (hi is not D.bool and lo._rank < 2):
        return hi
    return D.promote_types(hi, lo)


def _scalar_type(a: Any, c: Any) -> D.dtype:
    """The dtype of ``tensor op c`` for a Python number ``c``."""
    da = _dtype_of(a)
    if type(c) is builtins.bool or da._rank == 2:
        return da
    if isinstance(c, builtins.float):
        return D.get_default_dtype()
    return da if da._rank == 1 else D.int64


def _broadcast_error(sa: tuple, sb: tuple) -> RuntimeError:
    for i in range(1, min(len(sa), len(sb)) + 1):
        x, y = sa[-i], sb[-i]
        if x != y and x != 1 and y != 1:
            return RuntimeError(
                f"The size of tensor a ({x}) must match the size of tensor b ({y}) "
                f"at non-singleton dimension {max(len(sa), len(sb)) - i}"
            )
    return RuntimeError(f"shapes {list(sa)} and {list(sb)} cannot be broadcast together")


_LIMITS = {"float32": (3.4028234663852886e38, "float"), "float16": (65504.0, "c10::Half"),
           "int64": (2**63, "int64_t"), "int32": (2**31, "int"), "int16": (2**15, "short"),
           "int8": (2**7, "signed char")}


def _check_fits(value: Any, dt: D.dtype) -> None:
    """PyTorch refuses a number that overflows the dtype in ``fill_``, ``clamp``, ``full``.

    Raises:
        RuntimeError: with PyTorch's message, e.g. for ``zeros(2).fill_(1e300)``.
    """
    limit = _LIMITS.get(dt.name)
    if limit is None or value is None or isinstance(value, (builtins.bool, Tensor)):
        return
    if dt.is_floating_point:
        bad = math.isfinite(value) and builtins.abs(value) > limit[0]
    else:
        bad = not (math.isfinite(value) and -limit[0] <= value < limit[0])
    if bad:
        raise RuntimeError(f"value cannot be converted to type {limit[1]} without overflow")


def _type_name(v: Any) -> str:
    """The name PyTorch gives the type of ``v`` in messages (its C ``tp_name``): ``list``,
    ``Foo`` for a class defined in Python, ``numpy.ndarray`` for a type defined in C."""
    t = type(v)
    if t.__flags__ & (1 << 9) or t.__module__ == "builtins":  # Py_TPFLAGS_HEAPTYPE
        return t.__name__
    return f"{t.__module__}.{t.__qualname__}"


def _number(c: Any) -> Any:
    """A Python number from ``c``, or None if ``c`` is not a number."""
    if isinstance(c, (builtins.int, builtins.float)):
        return c
    if isinstance(c, np.generic) and c.ndim == 0:
        return c.item()
    if isinstance(c, numbers.Number) and not isinstance(c, complex):
        return builtins.float(c)
    return None


# ----------------------------------------------------------------------------------------
# Recording
# ----------------------------------------------------------------------------------------
def _make(data: Any, rule: ops.Rule | None, a: Tensor | None, b: Tensor | tuple | None,
          ctx: Any, rg: Any) -> Tensor:
    """A new tensor holding ``data``; if ``rg`` is true, it is also a record of the tape,
    of the primitive whose :class:`~tinygrad_lite.ops.Rule` is ``rule``.

    A record's first input is ``a``; ``b`` is None for a one-input primitive (most of
    them), the second input for a two-input one, and a tuple of the second and later
    inputs otherwise (:func:`_record` sorts that out). Sparing the common records a tuple
    spares an allocation that the garbage collector would track and walk.

    ``rg`` is only tested for truth (it may be :data:`_RECORDING`), once.
    """
    t = _new(Tensor)
    t._data = data
    t._adj = None  # (_inf, whether made in inference mode, stays unset: see _is_inf)
    if rg and not (_inference_used and (_is_inf(a) or (b is not None and (type(b) is tuple or
                                                                          _is_inf(b))))
                   and _inference_inputs(rule, a, b)):
        t._rg = True  # a record: its _grad and _fn (the grad_fn node) stay unset until needed
        t._op = rule
        t._in = a
        t._in2 = b
        t._ctx = ctx
        t._seq = next(_counter)
    else:
        t._grad = None
        t._rg = False
        t._op = None
        t._in = None
        t._in2 = None
        t._ctx = None
        t._seq = 0
        t._ver = None  # set on what is not a record: reading it then costs no AttributeError
        if _inference_used and (_inference_threads or (a is not None and _is_inf(a))):
            _mark_inference(t, rule, a)
    return t


_INFERENCE_SAVED = (
    "Inference tensors cannot be saved for backward. Please do not use Tensors created in "
    "inference mode in computation tracked by autograd. To work around this, you can make a "
    "clone to get a normal tensor and use it in autograd, or use `torch.no_grad()` instead "
    "of `torch.inference_mode()`.")


# One-input primitives that PyTorch runs with a second tensor (a number it wraps, the
# indices), and so records from an inference tensor that requires grad too.
_WITH_A_SECOND_TENSOR = frozenset((ops.AddC, ops.SubC, ops.RSubC, ops.MulC, ops.DivC, ops.Index))


_VIEW_OPS = {"SelectBackward0", "SliceBackward0", "ViewBackward0", "AliasBackward0",
             "UnsqueezeBackward0", "SqueezeBackward0", "SqueezeBackward1", "PermuteBackward0",
             "TransposeBackward0", "TBackward0", "ExpandBackward0", "UnbindBackward0",
             "DiagonalBackward0"}


def _is_inf(t: Tensor) -> builtins.bool:
    """Whether ``t`` is an inference tensor: its storage was made in inference mode (see
    :class:`~tinygrad_lite._inplace.Version`; other tensors pay nothing for the flag)."""
    v = _inplace.storage(t)
    return v is not None and v.inference


def _inference_inputs(rule: ops.Rule, a: Tensor, b: Tensor | tuple | None) -> builtins.bool:
    """For an operation about to be recorded: True if it is not, because its inputs are all
    inference tensors (PyTorch does not record those, outside inference mode too, unless a
    number is wrapped as a second input: ``w * 2``).

    Raises:
        RuntimeError: PyTorch's ``Inference tensors cannot be saved for backward``, for an
            operation of two or more inputs, one of them an inference tensor, that saves
            its inputs.
    """
    ins = (a,) if b is None else (a, *b) if type(b) is tuple else (a, b)
    flags = [_is_inf(x) for x in ins]
    if not builtins.any(flags):
        return False
    if len(ins) == 1:
        return rule.primitive not in _WITH_A_SECOND_TENSOR
    if builtins.all(flags):
        return True
    if rule.saves:
        raise RuntimeError(_INFERENCE_SAVED)
    return False


def _mark_inference(t: Tensor, rule: ops.Rule | None, a: Tensor | None) -> None:
    """Make ``t`` an inference tensor, as PyTorch: a view of ``a`` is one if ``a`` is, and
    anything else if this thread is in inference mode."""
    if _mode.inference and not (a is not None and rule.name in _VIEW_OPS):
        t._ver = _inplace.Version(inference=True)  # (a view shares its base's storage)


def _record(data: Any, op: type[ops.Op], ins: tuple[Tensor, ...], ctx: Any,
            rg: builtins.bool) -> Tensor:
    """:func:`_make` for a primitive with any number (at least one) of input tensors."""
    rest = None if len(ins) == 1 else ins[1] if len(ins) == 2 else ins[1:]
    return _make(data, op.rule, ins[0], rest, ctx, rg)


_new = object.__new__


def inputs(t: Tensor) -> tuple[Tensor, ...]:
    """The input tensors of record ``t`` (empty for a leaf)."""
    a, b = t._in, t._in2
    if a is None:
        return ()
    if b is None:
        return (a,)
    return (a, *b) if type(b) is tuple else (a, b)


def _leaf(data: Any, requires_grad: builtins.bool = False) -> Tensor:
    t = _make(data, None, None, None, None, False)
    t._seq = next(_counter)  # a place in creation order, shown by tape()
    if requires_grad:
        if not t.dtype.is_floating_point:  # PyTorch words it three ways; this is creation's
            raise RuntimeError(
                "Only Tensors of floating point and complex dtype can require gradients")
        t.requires_grad_(True)
    return t


def _apply(op: type[ops.Op], ins: tuple[Tensor, ...], ctx: Any = None) -> Tensor:
    """Run primitive ``op`` on tensors ``ins`` and record it if needed (the general path)."""
    rg = builtins.any([builtins.bool(x._rg) for x in ins]) and _grad_enabled  # tests each,
    data = _store(op.forward(ctx, *[x._data for x in ins]))  # before the kernel, as torch
    return _record(data, op, ins, ctx, rg)


def _apply_several(prims: Sequence[type[ops.Op]], ins: tuple[Tensor, ...], ctx: Any
                   ) -> tuple[Tensor, ...]:
    """One call's several results (``var_mean``, batch norm's gradients): a record of each
    of ``prims``, all outputs of one node (see :class:`~tinygrad_lite.ops.Outputs`)."""
    outs = ops.Outputs()
    return outs.join(tuple(_apply(p, ins, (*ctx, i, outs)) for i, p in enumerate(prims)))


def _either(a: Tensor, b: Tensor) -> builtins.bool:
    """Whether ``a`` or ``b`` requires grad, testing both: a view PyTorch refuses to use
    raises when it is tested (:class:`~tinygrad_lite._inplace.Refused`), in any place."""
    ra = builtins.bool(a._rg)
    return builtins.bool(b._rg) or ra


def _clamp_types(*args: Any) -> str:
    """How PyTorch names the types of a call's arguments in its TypeError."""
    return ", ".join("Tensor" if isinstance(x, Tensor) else type(x).__name__ for x in args)


def _clamp_tensor(t: Tensor, lo: Any, hi: Any) -> Tensor:
    """``t.clamp(lo, hi)`` with a tensor bound (the other a tensor or None), in the dtype
    all three promote to (ClampBackward0)."""
    if not all(b is None or isinstance(b, Tensor) for b in (lo, hi)):
        got = _clamp_types(lo, hi)
        raise TypeError(
            f"clamp() received an invalid combination of arguments - got ({got}), but "
            "expected one of:\n * (Tensor min = None, Tensor max = None)\n      didn't match "
            f"because some of the arguments have invalid types: (!{got.replace(', ', '!, !')}!)"
            "\n * (Number min = None, Number max = None)\n      didn't match because some of "
            f"the arguments have invalid types: (!{got.replace(', ', '!, !')}!)\n")
    bounds = tuple(b for b in (lo, hi) if b is not None)
    ins = (t, *bounds)
    dt = ins[0].dtype
    for b in bounds:
        dt = D.promote_types(dt, b.dtype)
    ins = tuple(x if x.dtype is dt else x.to(dt) for x in ins)
    shape: tuple = ()
    for x in ins:  # PyTorch's error names the first two shapes that do not broadcast
        try:
            shape = np.broadcast_shapes(shape, np.shape(x._data))
        except ValueError:
            raise _broadcast_error(shape, np.shape(x._data)) from None
    return _apply(ops.ClampTensor, ins, (lo is not None, hi is not None))


def _binary(op: type[ops.Op], a: Tensor, b: Tensor) -> Tensor:
    x, y = a._data, b._data
    tx, ty = type(x), type(y)
    if tx is not float or ty is not float:
        rg = _either(a, b) and _grad_enabled  # before the kernel's errors, as in PyTorch
        if tx is not np.ndarray or ty is not np.ndarray or x.dtype is not y.dtype:
            if op is ops.Sub and D.bool in (_dtype_of(x), _dtype_of(y)):
                raise RuntimeError(_BOOL_SUB)
            dt = _result_type(x, y)
            x, y = _cast(x, dt), _cast(y, dt)
        elif op is ops.Sub and x.dtype == np.bool_:
            raise RuntimeError(_BOOL_SUB)
        token = quiet_on()
        try:
            r = op.forward(None, x, y)
        except ValueError:
            raise _broadcast_error(np.shape(x), np.shape(y)) from None
        finally:
            quiet_off(token)
        if type(r) is not np.ndarray or not r.ndim:  # else _store would keep it as it is
            r = _store(r)
        return _make(r, op.rule, a, b, None, rg)
    return _make(op.forward(None, x, y), op.scalar_rule, a, b, None,
                 (a._rg or b._rg) and _grad_enabled)


def _arithmetic(op: type[ops.Op], op_number: type[ops.Op]) -> Any:
    """The operator method ``a <op> b``, for a tensor ``a`` and a tensor or a Python number
    ``b``: ``op`` records the first, ``op_number`` the second (the number kept in ctx).

    0-d float64 operands take the scalar fast path: Python float arithmetic, no NumPy. (One
    function per operator, with its primitives bound, spares every operation a call.)
    """

    forward, forward_number = op.forward, op_number.forward
    rule, rule_number = op.scalar_rule, op_number.rule

    def method(a: Tensor, b: Any) -> Tensor:
        x = a._data
        tb = type(b)
        if tb is float or tb is int:
            if type(x) is float:
                return _make(forward_number(b, x), rule_number, a, None, b, a._rg and _grad_enabled)
            return _with_number(op_number, a, b)
        if tb is Tensor or isinstance(b, Tensor):
            y = b._data
            if type(x) is float and type(y) is float:
                rg = (a._rg or b._rg) and _grad_enabled
                return _make(forward(None, x, y), rule, a, b, None, rg)
            return _binary(op, a, b)
        return _with_number(op_number, a, b)

    return method


_BOOL_SUB = ("Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
             "trying to invert a mask, use the `~` or `logical_not()` operator instead.")


def _with_number(op: type[ops.Op], a: Tensor, c: Any) -> Tensor:
    x = a._data
    if type(c) is float or type(c) is int:
        if type(x) is float:
            return _make(op.forward(c, x), op.rule, a, None, c, a._rg and _grad_enabled)
        if x.dtype.kind == "f":  # a float array keeps its dtype with a Python number
            token = quiet_on()
            try:
                r = op.forward(c, x)
            finally:
                quiet_off(token)
            if type(r) is not np.ndarray or not r.ndim:  # a 0-d array gives a NumPy scalar
                r = _store(r)
            return _make(r, op.rule, a, None, c, a._rg and _grad_enabled)
    c = _number(c)
    if c is None:
        return NotImplemented
    dt = _scalar_type(x, c)
    if (op is ops.SubC or op is ops.RSubC) and _dtype_of(x) is D.bool:
        if type(c) is builtins.bool:
            raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                               "supported. Use the `^` or `logical_xor()` operator instead.")
        raise RuntimeError(_BOOL_SUB)
    with quiet():
        r = op.forward(c, _cast(x, dt))
    return _make(_store(_cast(_store(r), dt)), op.rule, a, None, c, a._rg and _grad_enabled)


def _floating(a: Tensor) -> Any:
    """``a``'s data as a float (integers and bools become the default float dtype)."""
    x = a._data
    if type(x) is float or x.dtype.kind == "f":
        return x
    return x.astype(D.get_default_dtype().np)


def _unary(op: type[ops.Op], a: Tensor, ctx: Any = None, keep_int: builtins.bool = False) -> Tensor:
    x = a._data
    if type(x) is float:
        return _make(op.forward(ctx, x), op.rule, a, None, ctx, a._rg and _grad_enabled)
    with quiet():  # inf and nan come quietly, as in PyTorch
        r = op.forward(ctx, x if keep_int else _floating(a))
    return _make(_store(r), op.rule, a, None, ctx, a._rg and _grad_enabled)


def _elementwise(op: type[ops.Op], doc: str | None = None,
                 keep_int: builtins.bool = False) -> Any:
    """The method ``t.f()`` for the one-input elementwise primitive ``op``.

    As for the operators, one function per method with its primitive bound: a 0-d float64
    tensor goes straight to the forward rule, everything else through :func:`_unary`.
    """
    forward, rule = op.forward, op.rule

    def method(self: Tensor) -> Tensor:
        x = self._data
        if type(x) is float:
            return _make(forward(None, x), rule, self, None, None, self._rg and _grad_enabled)
        return _unary(op, self, keep_int=keep_int)

    method.__doc__ = doc
    return method


def _dims(dim: Any, ndim: builtins.int) -> tuple[builtins.int, ...]:
    """Normalise ``dim`` (an int or a sequence) to a tuple of non-negative dims."""
    dims = (dim,) if isinstance(dim, builtins.int) else tuple(dim)
    n = builtins.max(ndim, 1)
    out = []
    for d in dims:
        if not -n <= d < n:
            raise IndexError(
                f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                f"but got {d})"
            )
        out.append(d % n)
    return tuple(out)


def _softmax_dtype_check(name: str, t: Tensor, d: builtins.int) -> None:
    """PyTorch's error for the (log_)softmax of integers or bools, naming its kernel."""
    if t.dtype._rank < 2:
        kernel = f"{name}_lastdim_kernel_impl" if d == builtins.max(t.dim() - 1, 0) else (
            f"{name}_kernel_impl")
        raise NotImplementedError(
            f"\"{kernel}\" not implemented for '{_SCALAR_NAMES[t.dtype.name][0]}'")


def _reduction_dims(dim: Any, ndim: builtins.int) -> tuple[builtins.int, ...]:
    """:func:`_dims` for a reduction, where a dim given twice is PyTorch's RuntimeError."""
    dims = _dims(dim, ndim)
    for i, d in enumerate(dims):
        if d in dims[:i]:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return dims


class _Unset:
    """The default of an argument whose absence PyTorch tells apart from None."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<unset>"


_UNSET: Any = _Unset()


# ----------------------------------------------------------------------------------------
# The tensor
# ----------------------------------------------------------------------------------------
class Tensor:
    """An n-dimensional array that can record the operations applied to it.

    Made with :func:`tinygrad_lite._tensor` and the other creation functions (the legacy
    form ``Tensor([1.0])`` gives a float32 tensor, as in PyTorch). A tensor with
    ``requires_grad=True`` is a *leaf* of the tape; tensors computed from it are records of
    the tape, and :meth:`backward` fills the leaves' ``.grad``.
    """

    __slots__ = ("_data", "_rg", "_op", "_in", "_in2", "_ctx", "_seq", "_adj", "_grad", "_fn",
                 "_retain", "_ver", "__weakref__")
    __array_priority__ = 1000  # ndarray <op> Tensor defers to Tensor's reflected operator

    def __init__(self, *args: Any, dtype: D.dtype | None = None,
                 device: Any = None, requires_grad: builtins.bool = False) -> None:
        D.check_device(device)
        if len(args) == 1 and not isinstance(args[0], builtins.int):
            data = np.array(_unwrap_nested(args[0]), dtype=(dtype or D.get_default_dtype()).np)
        else:
            data = np.zeros(tuple(args), dtype=(dtype or D.get_default_dtype()).np)
        _init_leaf(self, _store(data), requires_grad)

    # -- what the tensor holds ------------------------------------------------------------
    @property
    def dtype(self) -> D.dtype:
        """The element type, e.g. ``torch.float32``."""
        return _dtype_of(self._data)

    @property
    def shape(self) -> D.Size:
        """The shape, a ``torch.Size``."""
        return D.Size(np.shape(self._data))

    def size(self, dim: builtins.int | None = None) -> D.Size | builtins.int:
        """The shape (or its length along ``dim``)."""
        s = self.shape
        return s if dim is None else s[_dims(dim, len(s))[0]]

    def stride(self, dim: builtins.int | None = None) -> tuple[builtins.int, ...] | builtins.int:
        """How many elements apart in memory the neighbours along each dim are (or along
        ``dim``), as PyTorch counts them (``_inplace.strides``)."""
        st = _inplace.strides(self)
        if dim is None:
            return st
        if not isinstance(dim, builtins.int) or isinstance(dim, builtins.bool):
            raise TypeError(f"stride(): argument 'dim' (position 1) must be int, not "
                            f"{type(dim).__name__}")
        if not st:
            raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
        return st[_dims(dim, len(st))[0]]

    def dim(self) -> builtins.int:
        """The number of dimensions."""
        return np.ndim(self._data)

    ndim = property(dim)

    def numel(self) -> builtins.int:
        """The number of elements."""
        return np.size(self._data)

    nelement = numel

    @property
    def device(self) -> D.device:
        """Always the CPU in this build."""
        return D.CPU

    @property
    def is_cuda(self) -> builtins.bool:
        return False

    def is_floating_point(self) -> builtins.bool:
        return self.dtype.is_floating_point

    def item(self) -> builtins.float | builtins.int | builtins.bool:
        """The value of a one-element tensor as a Python number."""
        if self.numel() != 1:
            raise RuntimeError(
                f"a Tensor with {self.numel()} elements cannot be converted to Scalar"
            )
        x = self._data
        return x if type(x) is float else x.item()

    def tolist(self) -> Any:
        """The values as (nested) Python lists."""
        x = self._data
        return x if type(x) is float else x.tolist()

    def numpy(self) -> np.ndarray:
        """The values as a NumPy array sharing this tensor's memory.

        Raises:
            RuntimeError: if the tensor requires grad (use ``detach().numpy()``).
        """
        if self._rg:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. "
                "Use tensor.detach().numpy() instead."
            )
        return self._shared_array()

    def _shared_array(self) -> np.ndarray:
        """The storage as an ndarray; a float is moved into a 0-d array so it can be shared."""
        if type(self._data) is not np.ndarray:  # a float (or a NumPy number)
            self._data = np.array(self._data)
        return self._data

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        a = self.numpy()
        return a if dtype is None else a.astype(dtype)

    def __array_wrap__(self, array: np.ndarray, context: Any = None,
                       return_scalar: builtins.bool = False) -> Tensor:
        """A NumPy function's result on tensors, as a tensor (``np.exp(t)``, and ``t * a`` for
        an ndarray ``a``, which NumPy computes), as in PyTorch: a bool result becomes uint8."""
        array = np.asarray(array)
        return _leaf(_store(array.astype(np.uint8) if array.dtype == np.bool_ else array))

    # -- autograd attributes ----------------------------------------------------------------
    @property
    def requires_grad(self) -> builtins.bool:
        """Whether gradients flow to this tensor."""
        rg = self._rg
        return rg if type(rg) is builtins.bool else True  # (see _inplace.Refused)

    @requires_grad.setter
    def requires_grad(self, flag: builtins.bool) -> None:
        if type(flag) is not builtins.bool:
            raise RuntimeError("requires_grad must be a bool")
        if self._op is not None:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to "
                "use a computed variable in a subgraph that doesn't require differentiation "
                "use var_no_grad = var.detach()."
            )
        if flag and not self.dtype.is_floating_point:
            raise RuntimeError(
                "only Tensors of floating point and complex dtype can require gradients"
            )
        if flag and _is_inf(self) and not _mode.inference:
            raise RuntimeError("Setting requires_grad=True on inference tensor outside "
                               "InferenceMode is not allowed.")
        self._rg = flag
        if flag and not self._seq:
            self._seq = next(_counter)  # a leaf's place in the Wengert list

    @requires_grad.deleter
    def requires_grad(self) -> None:
        raise RuntimeError("requires_grad must be a bool")

    def requires_grad_(self, requires_grad: builtins.bool = True) -> Tensor:
        """Set ``requires_grad`` in place and return self."""
        if type(requires_grad) is not builtins.bool:
            raise TypeError("requires_grad_(): argument 'requires_grad' (position 1) must be "
                            f"bool, not {type(requires_grad).__name__}")
        if requires_grad and not self.dtype.is_floating_point:
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self.requires_grad = requires_grad
        return self

    def is_inference(self) -> builtins.bool:
        """Whether this tensor was made in inference mode (see :class:`inference_mode`)."""
        return _is_inf(self)

    @property
    def is_leaf(self) -> builtins.bool:
        """True for tensors not made by a recorded operation."""
        if self._op is not None and self._op.primitive.name == "BrokenView":
            raise RuntimeError(self._ctx[2])
        return self._op is None

    @property
    def grad(self) -> Tensor | None:
        """The gradient accumulated by :meth:`backward` (None before the first one).

        For a non-leaf this is None, with PyTorch's warning, unless :meth:`retain_grad`
        was called or a ``backward(inputs=...)`` named it.
        """
        g = getattr(self, "_grad", None)
        if g is None and self._op is not None and not self._retains():
            warnings.warn(_NONLEAF_GRAD_WARNING, UserWarning, stacklevel=2)
        return g

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            _check_grad(self, value)
        self._grad = value

    @grad.deleter
    def grad(self) -> None:
        self._grad = None

    def _retains(self) -> builtins.bool:
        return getattr(self, "_retain", False)

    def retain_grad(self) -> None:
        """Keep this non-leaf's gradient in ``.grad`` during backward."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        op = self._op
        if op is not None and op.primitive is ops.BrokenView and self._ctx[1]._op is None:
            return  # a refused view that never had a grad_fn: a leaf to PyTorch's C++ check
        if op is not None and not self._retains():
            self.grad_fn  # noqa: B018 - as PyTorch's, it raises for a view it refuses
            self._retain = True
            self._grad = getattr(self, "_grad", None)
            autograd.retain(self)

    def register_hook(self, hook: Any) -> Any:
        """Call ``hook(grad)`` each time this tensor's gradient is computed; a tensor it
        returns replaces the gradient (a leaf's hooks run before it is accumulated).

        Returns:
            A handle whose ``remove()`` unregisters the hook.

        Raises:
            RuntimeError: if this tensor does not require grad, as PyTorch.
        """
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        from . import _watch

        return _watch.register(self, hook)

    @property
    def retains_grad(self) -> builtins.bool:
        return self._op is not None and self._retains()

    @property
    def grad_fn(self) -> Any:
        """The record's node (``<MulBackward0 object at 0x...>``), None for leaves.

        The same object is returned on every access; its ``next_functions`` lead to the
        inputs' nodes.
        """
        if self._op is None:
            return None
        if self._op.primitive.name == "BrokenView":
            raise RuntimeError(self._ctx[2])
        fn = getattr(self, "_fn", None)
        if fn is None:
            fn = self._fn = autograd.graph.node_for(self)
        return fn

    @property
    def data(self) -> Tensor:
        """A tensor sharing this one's storage, outside the graph (``requires_grad=False``).

        As in PyTorch, it has a version counter of its own: a change made through it is not
        seen by the checks of backward (``detach()`` is the safe way)."""
        t = _leaf(self._shared_array())
        if _inference_used:  # a counter of its own, but an inference tensor's twin is one
            t._ver = _inplace.Version(inference=_is_inf(self))
        _inplace.same_strides(t, self)
        return t

    @data.setter
    def data(self, value: Tensor) -> None:
        _check_data(self, value)
        self._data = value._shared_array() if isinstance(value, Tensor) else _store(
            np.asarray(value))
        if isinstance(value, Tensor):
            _inplace.same_strides(self, value)

    @data.deleter
    def data(self) -> None:
        raise RuntimeError("Deleting tensor data is not allowed. Delete tensor instead!")

    def detach(self) -> Tensor:
        """A tensor sharing this one's storage (and its version counter), cut from the
        graph."""
        t = _leaf(self._shared_array())
        t._ver = _inplace.version_of(self)  # and so whether it is an inference tensor
        _inplace.same_strides(t, self)
        return t

    @property
    def _version(self) -> builtins.int:
        """How many times this tensor's storage has been changed in place."""
        if _inference_used and _is_inf(self):
            raise RuntimeError("Inference tensors do not track version counter.")
        return _inplace.version(self)

    def _is_view(self) -> builtins.bool:
        """Whether this tensor is a view of another one's storage."""
        return _inplace.base_of(self) is not None

    @property
    def _base(self) -> Tensor | None:
        """The tensor this view shares its storage with (None if it is not a view)."""
        return _inplace.base_of(self)

    def is_contiguous(self) -> builtins.bool:
        """Whether the elements lie in memory in row-major order without gaps."""
        x = self._data
        return type(x) is float or x.flags.c_contiguous

    def detach_(self) -> Tensor:
        """Cut this tensor from the graph, in place."""
        self._op, self._in, self._in2, self._ctx, self._fn = None, None, None, None, None
        self._rg = False
        return self

    def backward(self, gradient: Tensor | None = None, retain_graph: builtins.bool | None = None,
                 create_graph: builtins.bool = False, inputs: Sequence[Tensor] | None = None
                 ) -> None:
        """Backpropagate from this tensor: add d self / d leaf to every leaf's ``.grad``.

        Args:
            gradient: the adjoint to start from; needed when self has more than one
                element (the vector of a vector-Jacobian product).
            retain_graph: keep saved values so that the graph can be backpropagated again.
                Defaults to ``create_graph``.
            create_graph: record the backward pass, so the gradients can be differentiated.
            inputs: only accumulate into these tensors' ``.grad``.

        Raises:
            RuntimeError: as PyTorch: the tensor does not require grad, a non-scalar without
                ``gradient``, or a second backward through freed saved values.
        """
        autograd.backward(self, gradient, retain_graph, create_graph, inputs)

    # -- printing ------------------------------------------------------------------------
    def __repr__(self) -> str:
        return format_tensor(self._data, self.dtype.name, suffixes=self._repr_suffixes(),
                             default_dtype=D.get_default_dtype().name)

    def _repr_suffixes(self) -> list[str]:
        if self._op is not None:  # PyTorch's asks for the node (a view seen anew makes one)
            try:  # and words a view that refuses to give it "Invalid"
                _ = self.grad_fn
                s = [f"grad_fn=<{self._op.name}>"]
            except RuntimeError:
                s = ["grad_fn=<Invalid>"]
        else:
            s = ["requires_grad=True"] if self._rg else []
        if not _dual:
            return s
        from .autograd.forward_ad import _tangent_of

        tangent = _tangent_of(self)  # a dual tensor's (see autograd.forward_ad)
        return s if tangent is None else [*s, f"tangent={tangent}"]

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        if self.dim() == 0:
            return format(self.item(), spec)
        if spec:  # as object.__format__, which PyTorch falls back to
            raise TypeError("unsupported format string passed to Tensor.__format__")
        return repr(self)

    # -- conversions ------------------------------------------------------------------------
    def __float__(self) -> builtins.float:
        if self.numel() != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return builtins.float(self.item())

    def __int__(self) -> builtins.int:
        if self.numel() != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return builtins.int(self.item())

    def __index__(self) -> builtins.int:
        if self.dtype._rank == 2:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return builtins.int(self.item())

    def __bool__(self) -> builtins.bool:
        if self.numel() != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return builtins.bool(self.item())

    def __len__(self) -> builtins.int:
        if self.dim() == 0:
            raise TypeError("len() of a 0-d tensor")
        return np.shape(self._data)[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self.dim() == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self)))

    __hash__ = object.__hash__

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """Convert to a dtype (and/or device: only the CPU exists here)."""
        dt = kwargs.get("dtype")
        for a in args:
            if isinstance(a, D.dtype):
                dt = a
            elif isinstance(a, Tensor):
                dt = a.dtype
            else:
                D.check_device(a)
        D.check_device(kwargs.get("device"))
        if dt is None or dt is self.dtype:
            return self
        if not dt.is_floating_point:  # integers and bools never require grad, as in PyTorch
            return _make(_store(ops.ToCopy.forward(dt.np, self._data)), None, None, None, None,
                         False)
        return _unary(ops.ToCopy, self, dt.np, keep_int=True)

    def type(self, dtype: Any = None, non_blocking: builtins.bool = False) -> Any:
        """The type's name (``'torch.FloatTensor'``), or this tensor converted to ``dtype``
        (a dtype, ``torch.DoubleTensor`` or ``'torch.DoubleTensor'``; ``non_blocking`` does
        nothing on the CPU)."""
        from ._legacy import type_of

        return type_of(self, dtype)

    def float(self) -> Tensor:
        """This tensor as float32."""
        return self.to(D.float32)

    def double(self) -> Tensor:
        """This tensor as float64."""
        return self.to(D.float64)

    def long(self) -> Tensor:
        return self.to(D.int64)

    def int(self) -> Tensor:
        return self.to(D.int32)

    def bool(self) -> Tensor:
        return self.to(D.bool)

    def half(self) -> Tensor:
        """This tensor as float16."""
        return self.to(D.float16)

    def short(self) -> Tensor:
        """This tensor as int16."""
        return self.to(D.int16)

    def char(self) -> Tensor:
        """This tensor as int8."""
        return self.to(D.int8)

    def byte(self) -> Tensor:
        """This tensor as uint8."""
        return self.to(D.uint8)

    def cpu(self) -> Tensor:
        return self

    def cuda(self, *args: Any, **kwargs: Any) -> Tensor:
        D.check_device("cuda")
        return self

    def clone(self) -> Tensor:
        """A copy, recorded (gradient flows through it)."""
        return _unary(ops.Clone, self, keep_int=True)

    def contiguous(self) -> Tensor:
        """This tensor if it is contiguous, else a contiguous copy (recorded)."""
        return self if self.is_contiguous() else _unary(ops.Clone, self, "contiguous", True)

    # -- arithmetic ---------------------------------------------------------------------------
    __add__ = __radd__ = _arithmetic(ops.Add, ops.AddC)
    __sub__ = _arithmetic(ops.Sub, ops.SubC)

    def __rsub__(self, other: Any) -> Tensor:
        return _with_number(ops.RSubC, self, other)

    __mul__ = __rmul__ = _arithmetic(ops.Mul, ops.MulC)

    _float_div = _arithmetic(ops.Div, ops.DivC)

    def __truediv__(self, other: Any) -> Tensor:
        if type(self._data) is float:
            return self._float_div(other)
        if isinstance(other, Tensor):
            return _binary(ops.Div, _as_float_for_div(self, other), other)
        if self.dtype._rank < 2:
            return _with_number(ops.DivC, self.to(D.get_default_dtype()), other)
        return _with_number(ops.DivC, self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        if _number(other) is None:
            return NotImplemented
        return _with_number(ops.MulC, self.reciprocal(), other)  # as torch: 1 / a, then * c

    def reciprocal(self) -> Tensor:
        """1 / self."""
        return _unary(ops.Reciprocal, self)

    __pow__ = _arithmetic(ops.Pow, ops.PowC)

    def __rpow__(self, other: Any) -> Tensor:
        return _with_number(ops.RPowC, self, other)  # 2 ** int tensor stays an integer

    def __neg__(self) -> Tensor:
        try:
            return _unary(ops.Neg, self, keep_int=True)
        except TypeError:  # NumPy refuses -bool_array; PyTorch's type and words:
            raise RuntimeError(
                "Negation, the `-` operator, on a bool tensor is not supported. If you are "
                "trying to invert a mask, use the `~` or `logical_not()` operator "
                "instead.") from None

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return self.abs()

    def __matmul__(self, other: Tensor) -> Tensor:
        if type(other) is np.ndarray:  # NumPy computes it (see __array_wrap__), as in PyTorch
            return NotImplemented
        return matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        if type(other) is np.ndarray:  # ndarray @ tensor: a TypeError, as in PyTorch
            return NotImplemented
        return matmul(_wrap(np.asarray(other)), self)

    add = __add__
    sub = __sub__
    mul = __mul__
    div = __truediv__
    pow = __pow__
    neg = __neg__
    matmul = __matmul__

    def mm(self, other: Tensor) -> Tensor:
        """Matrix product of two 2-D tensors."""
        return mm(self, other)

    def dot(self, other: Tensor) -> Tensor:
        """Dot product of two 1-D tensors."""
        if self.dim() != 1 or other.dim() != 1:
            raise RuntimeError(
                f"1D tensors expected, but got {self.dim()}D and {other.dim()}D tensors")
        return matmul(self, other)

    def addmm(self, mat1: Tensor, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        """``beta * self + alpha * (mat1 @ mat2)`` (see ``tinygrad_lite.addmm``)."""
        from .nn.functional import addmm

        return addmm(self, mat1, mat2, beta=beta, alpha=alpha)

    def outer(self, vec2: Tensor) -> Tensor:
        """Outer product of two 1-D tensors: ``out[i, j] = self[i] * vec2[j]``, computed as
        PyTorch does, as ``self`` viewed as a column times ``vec2`` (``MulBackward0``)."""
        for name, t in (("self", self), ("vec2", vec2)):
            if t.dim() != 1:
                raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {t.dim()}-D")
        return self.reshape(-1, 1) * vec2

    ger = outer

    # -- comparisons (no gradient) ------------------------------------------------------------
    def _compare(self, other: Any, f: Any) -> Tensor:
        if type(other) is np.ndarray:  # PyTorch refuses to compare with an ndarray
            return NotImplemented
        y = other._data if isinstance(other, Tensor) else other
        try:
            r = f(self._data, y)
        except ValueError:
            raise _broadcast_error(self.shape, np.shape(y)) from None
        return _leaf(np.asarray(r))

    def __lt__(self, other: Any) -> Tensor:
        return self._compare(other, np.less)

    def __le__(self, other: Any) -> Tensor:
        return self._compare(other, np.less_equal)

    def __gt__(self, other: Any) -> Tensor:
        return self._compare(other, np.greater)

    def __ge__(self, other: Any) -> Tensor:
        return self._compare(other, np.greater_equal)

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        if type(other) is np.ndarray:  # == (alone) compares with an ndarray's values, as torch
            other = _wrap(other)
        return self._compare(other, np.equal)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.not_equal)

    lt, le, gt, ge, eq, ne = __lt__, __le__, __gt__, __ge__, __eq__, __ne__

    def __and__(self, other: Any) -> Tensor:
        return self._compare(other, np.logical_and if self.dtype is D.bool else np.bitwise_and)

    def __or__(self, other: Any) -> Tensor:
        return self._compare(other, np.logical_or if self.dtype is D.bool else np.bitwise_or)

    def __invert__(self) -> Tensor:
        return _leaf(np.asarray(~self._shared_array().copy()))

    def equal(self, other: Tensor) -> builtins.bool:
        """True if both have the same shape and values."""
        return builtins.bool(np.array_equal(self._data, other._data))

    def allclose(self, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08) -> builtins.bool:
        return builtins.bool(np.allclose(self._data, other._data, rtol=rtol, atol=atol))

    def sign(self) -> Tensor:
        """-1, 0 or 1 elementwise (its gradient is 0)."""
        return _unary(ops.Sign, self, keep_int=True)

    # -- elementwise functions ------------------------------------------------------------------
    exp = _elementwise(ops.Exp, "``e ** self``.")
    log = _elementwise(ops.Log, "Natural logarithm (log(0) = -inf, log(-1) = nan).")
    sin = _elementwise(ops.Sin)
    cos = _elementwise(ops.Cos)
    tanh = _elementwise(ops.Tanh)
    sigmoid = _elementwise(ops.Sigmoid, "``1 / (1 + exp(-self))``.")
    relu = _elementwise(ops.Relu, "``max(self, 0)``; its gradient at 0 is 0.", keep_int=True)
    abs = _elementwise(ops.Abs, keep_int=True)
    sqrt = _elementwise(ops.Sqrt)

    def square(self) -> Tensor:
        return self * self

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        """Clip to [min, max] (numbers, or tensors that broadcast with self); the gradient
        passes where min <= self <= max (to a tensor bound where the bound is the result)."""
        if min is None and max is None:
            raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
        if isinstance(min, Tensor) or isinstance(max, Tensor):
            return _clamp_tensor(self, min, max)
        _check_fits(min, self.dtype)
        _check_fits(max, self.dtype)
        t = self  # an integer tensor clipped to a float bound gives the default float dtype
        if self.dtype._rank < 2 and any(isinstance(b, builtins.float) for b in (min, max)):
            t = self.to(D.get_default_dtype())
        return _unary(ops.Clamp, t, (min, max), keep_int=True)

    clip = clamp

    def maximum(self, other: Tensor) -> Tensor:
        return maximum(self, other)

    def minimum(self, other: Tensor) -> Tensor:
        return minimum(self, other)

    # -- reductions -------------------------------------------------------------------------------
    def sum(self, dim: Any = _UNSET, keepdim: builtins.bool = False, *, dtype: Any = None,
            axis: Any = None) -> Tensor:
        """Sum of all elements, or along ``dim`` (an int or a tuple)."""
        x = self._data
        if dim is _UNSET and axis is None:
            if not keepdim and dtype is None and type(x) is np.ndarray and x.dtype.kind == "f":
                return _reduce_all(ops.Sum, self)
            if keepdim:
                raise _without_dim("sum", dtype)
            dim = None
        if dtype is not None and not dtype.is_floating_point and self._rg and _recording():
            raise RuntimeError(f"Autograd not support dtype: {_SCALAR_NAMES[dtype.name][0]}")
        t = self.to(dtype) if dtype is not None else self if self.dtype._rank == 2 \
            else self.to(D.int64)
        return _reduce(ops.Sum, ops.SumDim, t, dim if axis is None else axis, keepdim)

    def mean(self, dim: Any = _UNSET, keepdim: builtins.bool = False, *, dtype: Any = None,
             axis: Any = None) -> Tensor:
        """Mean of all elements, or along ``dim``."""
        x = self._data
        if dim is _UNSET and axis is None:
            if not keepdim and dtype is None and type(x) is np.ndarray and x.dtype.kind == "f":
                return _reduce_all(ops.Mean, self)
            if keepdim:
                raise _without_dim("mean", dtype)
            dim = None
        if dtype is not None and not dtype.is_floating_point:
            raise RuntimeError(
                "mean(): could not infer output dtype. Optional dtype must be either a floating "
                f"point or complex dtype. Got: {_SCALAR_NAMES[dtype.name][0]}")
        if self.dtype._rank < 2 and dtype is None:
            raise RuntimeError(
                "mean(): could not infer output dtype. Input dtype must be either a floating "
                f"point or complex dtype. Got: {_SCALAR_NAMES[self.dtype.name][0]}")
        t = self if dtype is None else self.to(dtype)
        return _reduce(ops.Mean, ops.MeanDim, t, dim if axis is None else axis, keepdim)

    def max(self, dim: Any = _UNSET, keepdim: builtins.bool = False) -> Any:
        """The largest element; with ``dim``, ``(values, indices)`` along it; with a tensor,
        the elementwise maximum."""
        return _max_min(self, dim, keepdim, "max")

    def min(self, dim: Any = _UNSET, keepdim: builtins.bool = False) -> Any:
        """The smallest element; with ``dim``, ``(values, indices)`` along it."""
        return _max_min(self, dim, keepdim, "min")

    def argmax(self, dim: builtins.int | None = None, keepdim: builtins.bool = False) -> Tensor:
        """Index of the largest element (of the flattened tensor if ``dim`` is None)."""
        return _arg(self, dim, keepdim, np.argmax)

    def argmin(self, dim: builtins.int | None = None, keepdim: builtins.bool = False) -> Tensor:
        return _arg(self, dim, keepdim, np.argmin)

    def softmax(self, dim: builtins.int) -> Tensor:
        d = _dims(dim, self.dim())[0]
        _softmax_dtype_check("softmax", self, d)
        if self.dim() == 0:  # NumPy has no axis 0 there: reduce over everything
            return _apply(ops.Softmax, (_floating_tensor(self),), None)
        return _unary(ops.Softmax, self, d)

    def log_softmax(self, dim: builtins.int) -> Tensor:
        d = _dims(dim, self.dim())[0]
        _softmax_dtype_check("log_softmax", self, d)
        if self.dim() == 0:
            return _apply(ops.LogSoftmax, (_floating_tensor(self),), None)
        return _unary(ops.LogSoftmax, self, d)

    # -- shapes ---------------------------------------------------------------------------------
    def reshape(self, *shape: Any) -> Tensor:
        """The same elements in a new shape (one dim may be -1)."""
        return _inplace.reshape(self, self._new_shape(shape), False)

    def view(self, *shape: Any) -> Tensor:
        """The same storage seen in a new shape (one dim may be -1).

        Raises:
            RuntimeError: if the elements' layout allows no such view (use reshape).
        """
        return _inplace.reshape(self, self._new_shape(shape), True)

    def _new_shape(self, shape: tuple) -> tuple[builtins.int, ...]:
        s = _shape_arg(shape)
        try:
            return np.empty(np.shape(self._data), dtype=np.bool_).reshape(s).shape
        except ValueError:
            raise RuntimeError(
                f"shape '{list(s)}' is invalid for input of size {self.numel()}") from None

    def view_as(self, other: Tensor) -> Tensor:
        return self.view(other.shape)

    def reshape_as(self, other: Tensor) -> Tensor:
        return self.reshape(other.shape)

    def flatten(self, start_dim: builtins.int = 0, end_dim: builtins.int = -1) -> Tensor:
        s = self.shape
        if not s:
            return self.reshape(1)
        a, b = _dims((start_dim, end_dim), len(s))
        if a == b:  # nothing to merge: the tensor itself, as in PyTorch
            return self
        return self.reshape(*s[:a], -1, *s[b + 1:])

    def permute(self, *dims: Any) -> Tensor:
        """Reorder the dims.

        Raises:
            RuntimeError: for as many dims as the tensor's or a dim given twice, and
                IndexError for one out of range, with PyTorch's messages (in its order).
        """
        if not dims:
            raise TypeError('permute() missing 1 required positional arguments: "dims"')
        order = _shape_arg(dims)
        if len(order) != self.dim():
            raise RuntimeError(
                "permute(sparse_coo): number of dimensions in the tensor input does not match "
                "the length of the desired ordering of dimensions i.e. input.dim() = "
                f"{self.dim()} is not equal to len(dims) = {len(order)}")
        order = _dims(order, self.dim())
        if len(set(order)) != len(order):
            raise RuntimeError("permute(): duplicate dims are not allowed.")
        return _inplace.view(ops.Permute, self, order)

    def transpose(self, dim0: builtins.int, dim1: builtins.int) -> Tensor:
        """Swap two dims."""
        perm = list(range(self.dim()))
        a, b = _dims((dim0, dim1), self.dim())
        perm[a], perm[b] = perm[b], perm[a]
        return _inplace.view(ops.Transpose, self, tuple(perm))

    def t(self) -> Tensor:
        """Transpose of a tensor with at most 2 dims."""
        if self.dim() > 2:
            raise RuntimeError(
                f"t() expects a tensor with <= 2 dimensions, but self is {self.dim()}D")
        return _inplace.view(ops.T, self, tuple(range(self.dim()))[::-1])

    @property
    def T(self) -> Tensor:  # noqa: N802
        """All dims reversed."""
        return _inplace.view(ops.Permute, self, tuple(range(self.dim()))[::-1])

    @property
    def mT(self) -> Tensor:  # noqa: N802
        """The last two dims swapped."""
        return self.transpose(-2, -1)

    def unsqueeze(self, dim: builtins.int) -> Tensor:
        """Insert a dim of size 1 at ``dim``."""
        d = _dims(dim, self.dim() + 1)[0]
        s = list(self.shape)
        s.insert(d, 1)
        return _inplace.view(ops.Unsqueeze, self, tuple(s), at=d)

    def squeeze(self, dim: Any = None) -> Tensor:
        """Remove dims of size 1 (only ``dim``, if given)."""
        s = self.shape
        if dim is None:
            return _inplace.view(ops.Squeeze, self, tuple(n for n in s if n != 1))
        drop = {i for i in _dims(dim, len(s)) if i < len(s) and s[i] == 1}
        new = tuple(n for i, n in enumerate(s) if i not in drop)
        return _inplace.view(ops.SqueezeDim, self, new, at=drop)

    def expand(self, *sizes: Any) -> Tensor:
        """Broadcast to a larger shape (-1 keeps a dim)."""
        given = _shape_arg(sizes)
        if len(given) < self.dim():
            raise RuntimeError(
                f"expand({self.type()}{{{list(self.shape)}}}, size={list(given)}): the "
                f"number of sizes provided ({len(given)}) must be greater or equal to the "
                f"number of dimensions in the tensor ({self.dim()})")
        lead = len(given) - self.dim()
        own = (1,) * lead + tuple(self.shape)
        s = tuple(o if n == -1 else n for n, o in zip(given, own))
        for i in reversed(range(len(s))):  # PyTorch checks from the last dim
            n, o = s[i], own[i]
            if given[i] == -1 and i < lead:
                raise RuntimeError(f"The expanded size of the tensor (-1) isn't allowed in a "
                                   f"leading, non-existing dimension {i}")
            if n != o and o != 1:
                raise RuntimeError(
                    f"The expanded size of the tensor ({n}) must match the existing size ({o}) "
                    f"at non-singleton dimension {i}.  Target sizes: {list(given)}.  Tensor "
                    f"sizes: {list(self.shape)}")
        return _inplace.view(ops.Expand, self, s)

    def expand_as(self, other: Tensor) -> Tensor:
        return self.expand(other.shape)

    def __getitem__(self, key: Any) -> Tensor:
        key = _index_key(key)
        try:
            if type(key) is builtins.int:
                return _inplace.view(ops.Select, self, key)
            if type(key) is slice:  # a lone slice is recorded even when it takes everything
                return _inplace.view(ops.Slice, self, key)
            return _getitem(self, key if type(key) is tuple else (key,))
        except IndexError as e:
            raise IndexError(str(e).replace("axis", "dimension")) from None

    def __setitem__(self, key: Any, value: Any) -> None:
        """``t[key] = value``, recorded as PyTorch records it (``CopySlices``, or
        ``IndexPutBackward0`` for integer arrays and masks in the key)."""
        _inplace.setitem(self, key, value)

    # -- views (the same storage, seen differently: tinygrad_lite/_inplace.py) ----------------
    def narrow(self, dim: builtins.int, start: builtins.int, length: builtins.int) -> Tensor:
        """The view of ``length`` elements from ``start`` along ``dim``."""
        d = _dims(dim, self.dim())[0]
        n = self.shape[d]
        if start < 0:
            start += n
        if not 0 <= start <= n or length < 0 or start + length > n:
            raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size "
                               f"({n}).")
        key = (slice(None),) * d + (slice(start, start + length),)
        return _inplace.view(ops.Slice, self, key)

    def select(self, dim: builtins.int, index: builtins.int) -> Tensor:
        """The view of index ``index`` along ``dim`` (that dim removed)."""
        d = _dims(dim, self.dim())[0]
        n = self.shape[d]
        if not -n <= index < n:
            raise IndexError(f"select(): index {index} out of range for tensor of size "
                             f"{list(self.shape)} at dimension {dim}")
        return _inplace.view(ops.Select, self, (slice(None),) * d + (index % n,))

    def unbind(self, dim: builtins.int = 0) -> tuple[Tensor, ...]:
        """The views of each index along ``dim``."""
        d = _dims(dim, self.dim())[0]
        return _inplace.several_views(ops.Unbind, self, [(slice(None),) * d + (i,)
                                                         for i in range(self.shape[d])])

    def diagonal(self, offset: builtins.int = 0, dim1: builtins.int = 0,
                 dim2: builtins.int = 1) -> Tensor:
        """The view of a diagonal (the one ``offset`` above the main one) of dims ``dim1``
        and ``dim2``, which are removed; it becomes the last dim."""
        a, b = _dims((dim1, dim2), self.dim())
        if a == b:
            raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
        return _inplace.view(ops.Diagonal, self, (offset, a, b))

    # -- in-place changes: recorded on the tape as PyTorch records them -----------------------
    def _arith_(self, f: Any, other: Any = None) -> Tensor:
        return _inplace.apply(self, f, (other,), cast=False)

    def __iadd__(self, other: Any) -> Tensor:
        return self._arith_(lambda s: s + other, other)

    def __isub__(self, other: Any) -> Tensor:
        return self._arith_(lambda s: s - other, other)

    def __imul__(self, other: Any) -> Tensor:
        return self._arith_(lambda s: s * other, other)

    def __itruediv__(self, other: Any) -> Tensor:
        return self._arith_(lambda s: s / other, other)

    def __ipow__(self, other: Any) -> Tensor:
        return self._arith_(lambda s: s ** other, other)

    def add_(self, other: Any, alpha: Any = 1) -> Tensor:
        """``self += alpha * other``, in place."""
        if alpha == 1:
            return self._arith_(lambda s: s + other, other)
        return self._arith_(lambda s: _scaled(ops.AddScaled, s, other, alpha), other)

    def sub_(self, other: Any, alpha: Any = 1) -> Tensor:
        """``self -= alpha * other``, in place."""
        if alpha == 1:
            return self._arith_(lambda s: s - other, other)
        return self._arith_(lambda s: _scaled(ops.SubScaled, s, other, alpha), other)

    def mul_(self, other: Any) -> Tensor:
        return self._arith_(lambda s: s * other, other)

    def div_(self, other: Any) -> Tensor:
        return self._arith_(lambda s: s / other, other)

    def pow_(self, exponent: Any) -> Tensor:
        return self._arith_(lambda s: s ** exponent, exponent)

    def neg_(self) -> Tensor:
        return self._arith_(lambda s: -s)

    def exp_(self) -> Tensor:
        return self._arith_(Tensor.exp)

    def log_(self) -> Tensor:
        return self._arith_(Tensor.log)

    def sin_(self) -> Tensor:
        return self._arith_(Tensor.sin)

    def cos_(self) -> Tensor:
        return self._arith_(Tensor.cos)

    def tanh_(self) -> Tensor:
        return self._arith_(Tensor.tanh)

    def sigmoid_(self) -> Tensor:
        return self._arith_(Tensor.sigmoid)

    def relu_(self) -> Tensor:
        return self._arith_(Tensor.relu)

    def abs_(self) -> Tensor:
        return self._arith_(Tensor.abs)

    def sqrt_(self) -> Tensor:
        return self._arith_(Tensor.sqrt)

    def reciprocal_(self) -> Tensor:
        return self._arith_(Tensor.reciprocal)

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        """Clip to [min, max] in place."""
        return _inplace.apply(self, lambda s: s.clamp(min, max), cast=False, kernel="clamp")

    clip_ = clamp_

    def copy_(self, src: Any) -> Tensor:
        """Overwrite the values with ``src``'s (broadcast to this shape, in this dtype)."""
        if not isinstance(src, Tensor):
            src = _wrap(np.asarray(src))

        def copy(s: Tensor) -> Tensor:  # its shape is checked after the memory, as torch's
            try:
                shape = np.broadcast_shapes(self.shape, src.shape)
            except ValueError:
                raise _broadcast_error(self.shape, src.shape) from None
            if shape != self.shape:
                raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the "
                                   f"broadcast shape {list(shape)}")
            return _apply(ops.CopyFrom, (s, src))

        x, y = self._data, src._data
        same = (type(x) is np.ndarray and type(y) is np.ndarray and x.dtype == y.dtype
                and x.shape == y.shape and _inplace.same_layout(self, src))  # the same
        # elements in the same layout: nothing to copy (and no memory checks), as PyTorch
        return _inplace.apply(self, copy, (src,), checks=not same)

    def fill_(self, value: Any) -> Tensor:
        """Set every element to ``value`` (a number, or a 0-d tensor)."""
        if isinstance(value, Tensor):
            if value.dim():
                raise RuntimeError("fill_ only supports 0-dimension value tensor but got "
                                   f"tensor with {value.dim()} dimensions.")
            return _inplace.apply(self, lambda s: _apply(ops.FillTensor, (s, value)),
                                  others=(value,))  # (a copy_ of the value, in PyTorch)
        _check_fits(value, self.dtype)  # fill_ with a number has no memory checks: an
        # expanded tensor may be filled
        return _inplace.apply(self, lambda s: _unary(ops.Fill, s, value, keep_int=True),
                              checks=False)

    def zero_(self) -> Tensor:
        """Set every element to 0 (e.g. ``w.grad.zero_()`` between steps)."""
        return _inplace.apply(self, lambda s: _unary(ops.Zero, s, keep_int=True),
                              checks=False)

    # The random fills: PyTorch's stream, see tinygrad_lite._creation and _random
    def uniform_(self, a: builtins.float = 0.0, b: builtins.float = 1.0, *,
                 generator: Any = None) -> Tensor:
        """Fill with uniform random numbers in [a, b)."""
        from ._creation import uniform_

        return uniform_(self, a, b, generator=generator)

    def normal_(self, mean: builtins.float = 0.0, std: builtins.float = 1.0, *,
                generator: Any = None) -> Tensor:
        """Fill with random numbers from N(mean, std**2)."""
        from ._creation import normal_

        return normal_(self, mean, std, generator=generator)

    def bernoulli_(self, p: Any = 0.5, *, generator: Any = None) -> Tensor:
        """Fill with 1 (probability ``p``, a number or a tensor) or 0."""
        from ._creation import bernoulli_

        return bernoulli_(self, p, generator=generator)

    def bernoulli(self, p: Any = None, *, generator: Any = None) -> Tensor:
        """0 or 1 per element, 1 with the probability the element gives (or ``p``)."""
        from ._creation import bernoulli

        return bernoulli(self, p, generator=generator)

    def exponential_(self, lambd: builtins.float = 1.0, *, generator: Any = None) -> Tensor:
        """Fill with random numbers from Exp(lambd)."""
        from ._creation import exponential_

        return exponential_(self, lambd, generator=generator)

    def random_(self, low: builtins.int = 0, high: builtins.int | None = None, *,
                generator: Any = None) -> Tensor:
        """Fill with random integers in [low, high) (every exact value from 0 without bounds)."""
        from ._creation import random_

        return random_(self, low, high, generator=generator)

    def multinomial(self, num_samples: builtins.int, replacement: builtins.bool = False, *,
                    generator: Any = None) -> Tensor:
        """Indices drawn from the distribution each row gives (see ``torch.multinomial``)."""
        from ._creation import multinomial

        return multinomial(self, num_samples, replacement, generator=generator)


_NONLEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
    "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. "
    "If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor "
    "instead. See github.com/pytorch/pytorch/pull/30531 for more information."
)


def _check_grad(t: Tensor, g: Any) -> None:
    """PyTorch's errors for ``t.grad = g`` (a Tensor of t's dtype and shape, or None).

    Raises:
        TypeError: if ``g`` is not a tensor.
        RuntimeError: if ``g`` is ``t``, or of another dtype or shape.
    """
    if not isinstance(g, Tensor):
        raise TypeError("assigned grad expected to be a Tensor or None but got grad of type "
                        f"{_type_name(g)}")
    if g is t:
        raise RuntimeError("can't assign Variable as its own grad")
    if g.dtype is not t.dtype:
        raise RuntimeError(
            f"attempting to assign a gradient with dtype '{_SCALAR_NAMES[g.dtype.name][1]}' to "
            f"a tensor with grad_dtype '{_SCALAR_NAMES[t.dtype.name][0]}'. The gradient must "
            "match the tensor's grad_dtype (defaults to the tensor's dtype). You can set the "
            "tensor's grad_dtype attribute with a specific dtype, or None to allow any dtype. "
            "Set grad_dtype with caution. Diverging the dtypes of a tensor and its gradient "
            "may break downstream systems that assume they match.")
    if g.shape != t.shape:
        raise RuntimeError(f"attempting to assign a gradient of size '{list(g.shape)}' to a "
                           f"tensor of size '{list(t.shape)}'. Please ensure that the gradient "
                           "and the tensor are the same size")


def _check_data(t: Tensor, value: Any) -> None:
    """PyTorch's errors for ``t.data = value``.

    Raises:
        TypeError: if ``value`` is not a tensor.
        RuntimeError: for an integer or bool ``value`` when ``t`` requires grad.
    """
    if not isinstance(value, Tensor):
        raise TypeError(f"Variable data has to be a tensor, but got {_type_name(value)}")
    if t._rg and not value.dtype.is_floating_point:
        raise RuntimeError("data set to a tensor that requires gradients must be floating "
                           "point or complex dtype")


def _init_leaf(t: Tensor, data: Any, requires_grad: builtins.bool) -> None:
    t._data, t._adj, t._grad, t._fn, t._ver = data, None, None, None, None
    t._rg, t._op, t._in, t._in2, t._ctx, t._seq = False, None, None, None, None, 0
    if _inference_threads:
        _mark_inference(t, None, None)
    if requires_grad:
        t.requires_grad_(True)


def _wrap(data: Any) -> Tensor:
    """A tensor (needing no grad) around raw data."""
    return _leaf(_store(data))


Tensor._wrap = staticmethod(_wrap)
Tensor._apply = staticmethod(_apply)
Tensor._apply_several = staticmethod(_apply_several)


def _unwrap_nested(x: Any) -> Any:
    """Data for ``np.array`` from numbers, arrays, tensors and lists of them."""
    if isinstance(x, Tensor):
        return x._data
    if isinstance(x, (list, tuple)):
        return [_unwrap_nested(v) for v in x]
    return x


def _shape_arg(shape: tuple) -> tuple[builtins.int, ...]:
    """Accept ``f(2, 3)`` and ``f((2, 3))`` alike."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list, D.Size)):
        shape = tuple(shape[0])
    return tuple(builtins.int(n) for n in shape)


def _as_float_for_div(a: Tensor, b: Tensor) -> Tensor:
    """True division of two integer tensors gives the default float dtype."""
    if a.dtype._rank < 2 and b.dtype._rank < 2:
        return a.to(D.get_default_dtype())
    return a


def _floating_tensor(a: Tensor) -> Tensor:
    return a if a.dtype._rank == 2 else a.to(D.get_default_dtype())


_ALL_DIMS = (None, False)  # a reduction's ctx: every dim, keepdim=False

# The overloads PyTorch lists when keepdim comes without dim: of the methods (True) and of
# the functions (False)
_OVERLOADS = {
    ("sum", True): " * (*, torch.dtype dtype = None)\n * (tuple of ints dim, bool keepdim = "
                   "False, *, torch.dtype dtype = None)\n",
    ("sum", False): " * (Tensor input, *, torch.dtype dtype = None)\n * (Tensor input, tuple of "
                    "ints dim, bool keepdim = False, *, torch.dtype dtype = None, Tensor out = "
                    "None)\n",
    ("mean", False): " * (Tensor input, *, torch.dtype dtype = None, Tensor out = None)\n * "
                     "(Tensor input, tuple of ints dim, bool keepdim = False, *, torch.dtype "
                     "dtype = None, Tensor out = None)\n",
    ("max", True): " * ()\n      didn't match because some of the keywords were incorrect: "
                   "keepdim\n * (Tensor other)\n      didn't match because some of the keywords "
                   "were incorrect: keepdim\n * (int dim, bool keepdim = False)\n",
    ("max", False): " * (Tensor input, *, Tensor out = None)\n * (Tensor input, Tensor other, *, "
                    "Tensor out = None)\n * (Tensor input, int dim, bool keepdim = False, *, "
                    "tuple of Tensors out = None)\n",
}


def _without_dim(name: str, dtype: Any = None, method: builtins.bool = True) -> TypeError:
    """PyTorch's error for ``t.<name>(keepdim=...)`` without ``dim`` (no overload takes it)."""
    if dtype is not None:
        return TypeError(f'{name}() missing 1 required positional arguments: "dim"')
    overloads = _OVERLOADS.get((name, method)) or _OVERLOADS[
        ("sum" if name == "mean" else "max", method)]
    got = "keepdim=bool, " if method else "Tensor, keepdim=bool"
    return TypeError(f"{name}() received an invalid combination of arguments - got ({got}), but "
                     f"expected one of:\n{overloads}")


def _reduce_all(op: type[ops.Op], t: Tensor) -> Tensor:
    """Reduce the float array of ``t`` over every dim (the common case, made short)."""
    token = quiet_on()
    try:
        r = op.forward(_ALL_DIMS, t._data)
    finally:
        quiet_off(token)
    return _make(_store(r), op.rule, t, None, _ALL_DIMS, t._rg and _grad_enabled)


def _reduce(op: type[ops.Op], op_dim: type[ops.Op], t: Tensor, dim: Any,
            keepdim: builtins.bool) -> Tensor:
    if dim is None and not keepdim:
        return _unary(op, t, (None, False), keep_int=True)
    dims = None if dim is None else _reduction_dims(dim, t.dim())
    if t.dim() == 0 or not dims:  # dim=() or None with keepdim: every dim, as in PyTorch
        return _unary(op_dim, t, (None, keepdim), keep_int=True)
    return _unary(op_dim, t, (dims, keepdim), keep_int=True)


def _max_min(t: Tensor, dim: Any, keepdim: builtins.bool, which: str) -> Any:
    if isinstance(dim, Tensor):
        return (maximum if which == "max" else minimum)(t, dim)
    if dim is _UNSET:
        if keepdim:
            raise _without_dim(which)
        dim = None
    elif dim is None:
        raise TypeError(f"{which}(): argument 'dim' must be int, not NoneType")
    if dim is not None and not _is_int(dim):
        raise TypeError(
            f"{which}() received an invalid combination of arguments - got (Tensor, "
            f"{type(dim).__name__}), but expected one of:\n * (Tensor input, *, Tensor out = None)"
            f"\n * (Tensor input, Tensor other, *, Tensor out = None)\n * (Tensor input, int dim, "
            "bool keepdim = False, *, tuple of Tensors out = None)\n")
    if dim is None:
        if t.numel() == 0:
            raise RuntimeError(
                f"{which}(): Expected reduction dim to be specified for input.numel() == 0. "
                "Specify the reduction dim with the 'dim' argument.")
        return _unary(ops.MaxAll if which == "max" else ops.MinAll, t, keep_int=True)
    d = _dims(dim, t.dim())[0]
    x = t._data if t.dim() > 0 else np.reshape(t._data, (1,))
    idx = (np.argmax if which == "max" else np.argmin)(x, axis=d)
    if t.dim() == 0:
        idx = np.asarray(0)
    op = ops.MaxDim if which == "max" else ops.MinDim
    if t.dim() == 0:
        values = t.clone() if t._rg else t
    else:
        values = _unary(op, t, (d, keepdim, idx), keep_int=True)
    indices = _leaf(np.expand_dims(idx, d) if keepdim and t.dim() > 0 else np.asarray(idx))
    from .return_types import MaxMin

    return MaxMin(values, indices, which)


def _arg(t: Tensor, dim: Any, keepdim: builtins.bool, f: Any) -> Tensor:
    if dim is None:
        if t.numel() == 0:
            raise IndexError(f"{f.__name__}(): Expected reduction dim to be specified for "
                             "input.numel() == 0.")
        r = np.asarray(f(t._data)).astype(np.int64)
        return _leaf(r.reshape((1,) * t.dim()) if keepdim else r)
    d = _dims(dim, t.dim())[0]
    if t.dim() and t.shape[d] == 0:
        raise IndexError(f"{f.__name__}(): Expected reduction dim {d} to have non-zero size.")
    r = f(t._data, axis=d)
    keep = keepdim and t.dim() > 0
    return _leaf(np.asarray(np.expand_dims(r, d) if keep else r).astype(np.int64))


def _index_key(key: Any) -> Any:
    """Turn tensors inside an index into arrays.

    Raises:
        ValueError: for a slice with a step below 1, as PyTorch.
    """
    if type(key) is slice:
        if key.step is not None:
            _check_step(key.step)
        return key
    if isinstance(key, Tensor):
        return key._shared_array() if key.dim() else key.item()
    if isinstance(key, tuple):
        return tuple(_index_key(k) for k in key)
    if isinstance(key, list):
        return np.asarray(_unwrap_nested(key))
    return key


def _scaled(op: type[ops.Op], a: Tensor, b: Any, alpha: Any) -> Tensor:
    """``a + alpha * b`` (or ``-``) as one record, as ``add_(b, alpha=...)`` is in PyTorch."""
    if not isinstance(b, Tensor):
        return a + b * alpha if op is ops.AddScaled else a - b * alpha
    x, y = a._data, b._data
    rg = _either(a, b) and _grad_enabled
    dt = _result_type(x, y)
    try:
        with quiet():
            r = op.forward(alpha, _cast(x, dt), _cast(y, dt))
    except ValueError:
        raise _broadcast_error(np.shape(x), np.shape(y)) from None
    return _record(_store(r), op, (a, b), alpha, rg)


def _basic_key(key: Any) -> Any:
    """``key`` if it holds only ints, slices, None and Ellipsis (``t[key]`` is then a view),
    else None."""
    for k in key if type(key) is tuple else (key,):
        if not (k is None or k is Ellipsis or type(k) is slice or _is_int(k)):
            return None
    return key


def _check_step(step: Any) -> None:
    """PyTorch's errors for a slice step that is not a positive integer."""
    try:
        n = operator.index(step)
    except TypeError:
        raise TypeError("slice indices must be integers or None or have an __index__ method"
                        ) from None
    if n == 0:
        raise ValueError("slice step cannot be zero")
    if n < 0:
        raise ValueError("step must be greater than zero")


def _is_int(k: Any) -> builtins.bool:
    return isinstance(k, (builtins.int, np.integer)) and not isinstance(k, builtins.bool)


def _getitem(t: Tensor, key: tuple) -> Tensor:
    """``t[key]`` as PyTorch records it: one select, slice or unsqueeze per item of the key,
    left to right (slices that take a whole dim are skipped), then one index for the
    arrays and masks, if any; an alias if nothing else. Ints are thus applied before the
    arrays, which decides where the indexed dims go, as in PyTorch (not as in NumPy)."""
    used = builtins.sum(np.ndim(k) if isinstance(k, (np.ndarray, builtins.bool, np.bool_))
                        and np.asarray(k).dtype == np.bool_
                        else 0 if k is None or k is Ellipsis else 1 for k in key)
    if used > t.dim():
        raise IndexError(f"too many indices for tensor of dimension {t.dim()}")
    out, dim, rest = t, 0, []  # rest: what the final index applies, one entry per dim
    src = 0  # the dim of t the item applies to
    for k in key:
        pre = (slice(None),) * dim
        if k is None:
            out = _inplace.view(ops.Unsqueeze, out, out.shape[:dim] + (1,) + out.shape[dim:],
                                at=dim)
            rest.append(slice(None))
            dim += 1
        elif k is Ellipsis:
            n = t.dim() - used
            rest += [slice(None)] * n
            dim += n
            src += n
        elif _is_int(k):
            size = out.shape[dim]
            if not -size <= k < size:
                raise IndexError(f"index {k} is out of bounds for dimension {src} with size "
                                 f"{size}")
            out = _inplace.view(ops.Select, out, pre + (builtins.int(k),))
            src += 1
        elif isinstance(k, slice):
            if k.indices(out.shape[dim]) != (0, out.shape[dim], 1):
                out = _inplace.view(ops.Slice, out, pre + (k,))
            rest.append(slice(None))
            dim += 1
            src += 1
        else:  # an array of indices or a mask
            k = np.asarray(k)
            rest.append(k)
            n = k.ndim if k.dtype == np.bool_ else 1
            dim += n
            src += n
    if builtins.any(type(k) is not slice for k in rest):
        return _unary(ops.Index, out, tuple(rest), keep_int=True)
    if out is t:
        return _inplace.view(ops.Alias, t, t.shape)
    return out


# ----------------------------------------------------------------------------------------
# Functions on tensors that the module exposes
# ----------------------------------------------------------------------------------------
def matmul(a: Tensor, b: Tensor) -> Tensor:
    """Matrix product for every rank PyTorch supports (1-D, 2-D and batched, broadcast).

    Raises:
        RuntimeError: when the inner sizes differ, with PyTorch's message.
    """
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError(
            f"matmul(): argument 'other' (position 1) must be Tensor, not {type(b).__name__}")
    x, y = a._data, b._data
    sa = () if type(x) is float else x.shape  # a float is a 0-d float64 tensor's value
    sb = () if type(y) is float else y.shape
    da, db = len(sa), len(sb)
    if da == 0 or db == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {da}D and {db}D")
    rg = _either(a, b) and _grad_enabled  # before the kernel's errors, as in PyTorch
    if sa[-1] != (sb[0] if db == 1 else sb[-2]) or x.dtype != y.dtype:
        _matmul_error(a, b)
    if da > 2 or db > 2:
        try:
            np.broadcast_shapes(sa[:-2], sb[:-2])
        except ValueError:
            raise _broadcast_error(sa[:-2], sb[:-2]) from None
        return _matmul_batched(a, b)
    token = quiet_on()
    try:
        r = ops.matmul_arrays(x, y)
    except ValueError:
        raise _broadcast_error(sa[:-2], sb[:-2]) from None
    finally:
        quiet_off(token)
    if type(r) is not np.ndarray or not r.ndim:  # a dot product gives a NumPy scalar
        r = _store(r)
    if da == 1 and db == 2:  # as PyTorch: unsqueeze, mm, then squeeze_ of the product
        return _inplace.vecmat(r, a, b, rg)
    return _make(r, ops.matmul_op(da, db).rule, a, b, (a._rg, b._rg), rg)


def _product(op: type[ops.MatMul], a: Tensor, b: Tensor) -> Tensor:
    """One mm, mv or bmm record."""
    with quiet():
        r = ops.matmul_arrays(a._data, b._data)
    return _make(r, op.rule, a, b, (a._rg, b._rg), _either(a, b) and _grad_enabled)


def _unsafe_view(t: Tensor, shape: tuple[builtins.int, ...]) -> Tensor:
    """PyTorch's ``_unsafe_view``: a reshape of a fresh result, recorded but not a view."""
    return _make(np.reshape(t._data, shape), ops.UnsafeView.rule, t, None, shape,
                 t._rg and _grad_enabled)


def _should_fold(a: Tensor, b: Tensor) -> builtins.bool:
    """Whether PyTorch's matmul folds the operand of 3 or more dims into a matrix (one mm or
    mv) rather than batching both (bmm): when the other one has at most 2 dims and requires
    grad, or when the fold needs no copy."""
    larger = a.dim() >= b.dim()
    t1 = a._data if larger else np.swapaxes(b._data, -1, -2)
    if not (t1.ndim >= 3 and min(a.dim(), b.dim()) <= 2):
        return False
    if (b if larger else a).requires_grad:
        return True
    if a.dim() == 2:
        return False
    st = [s // t1.itemsize for s in t1.strides]
    return t1.size == 0 or all(st[i] == st[i + 1] * t1.shape[i + 1]
                               for i in range(t1.ndim - 2))


def _matmul_batched(a: Tensor, b: Tensor) -> Tensor:
    """``a @ b`` when an operand has more than 2 dims, in the steps PyTorch takes (its graph
    shows them): fold the larger operand into a matrix for one mm or mv, or expand both to a
    common batch, flatten it, and make one bmm."""
    da, db = a.dim(), b.dim()
    if _should_fold(a, b):
        transpose = db > da  # then b^T @ a^T, transposed back
        t1 = b.mT if transpose else a
        t2 = (a.t() if da == 2 else a) if transpose else b
        rows = t1.shape[:-1]
        folded = t1.reshape(math.prod(rows), t1.shape[-1])
        if t2.dim() == 1:
            return _unsafe_view(_product(ops.Mv, folded, t2), rows)
        out = _unsafe_view(_product(ops.MatMul, folded, t2), (*rows, t2.shape[1]))
        return out.mT.contiguous() if transpose else out
    n, m1, ba = a.shape[-2] if da > 1 else 1, a.shape[-1], a.shape[:-2]
    m2, p, bb = b.shape[-2] if db > 1 else b.shape[0], b.shape[-1] if db > 1 else 1, b.shape[:-2]
    if da == 3 and db == 3 and ba[0] != bb[0]:  # a batch of one that requires grad: dropped
        if ba[0] == 1 and a.requires_grad:
            return matmul(a.squeeze(0), b)
        if bb[0] == 1 and b.requires_grad:
            return matmul(a, b.squeeze(0))
    batch = np.broadcast_shapes(ba, bb)
    k = math.prod(batch)
    a3 = a.expand(*batch, n, m1).reshape(k, n, m1)
    if db == 1:
        b3 = b.expand(*batch, m2).reshape(k, m2).unsqueeze(2)
    else:
        b3 = b.expand(*batch, m2, p).reshape(k, m2, p)
    shape = batch + ((n,) if da > 1 else ()) + ((p,) if db > 1 else ())
    out = _product(ops.Bmm, a3, b3)
    return _unsafe_view(out.squeeze(-1) if db == 1 else out, shape)


# PyTorch's names for dtypes in kernel messages: ScalarType names and C++ type names
_SCALAR_NAMES = {"float32": ("Float", "float"), "float64": ("Double", "double"),
                 "float16": ("Half", "c10::Half"), "int64": ("Long", "long int"),
                 "int32": ("Int", "int"), "int16": ("Short", "short int"),
                 "int8": ("Char", "signed char"), "uint8": ("Byte", "unsigned char"),
                 "bool": ("Bool", "bool")}


def _matmul_error(a: Tensor, b: Tensor) -> None:
    """Raise PyTorch's error for ``a @ b`` with inner sizes or dtypes that differ (matmul
    does not promote). The message is that of the kernel PyTorch picks for the ranks: dot,
    mv or mm (batch dims folded into the rows; when only the left operand is at most 2-D and
    requires grad, PyTorch computes ``(b^T @ a^T)^T``), or bmm."""
    da, db, sa, sb = a.dim(), b.dim(), a.shape, b.shape
    (sa_name, ca), (sb_name, cb) = _SCALAR_NAMES[a.dtype.name], _SCALAR_NAMES[b.dtype.name]
    ka, kb = sa[-1], (sb[0] if db == 1 else sb[-2])
    if da == 1 and db == 1:
        if a.dtype is not b.dtype:
            raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                               f"{sa_name} and {sb_name}")
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{ka}] and src [{kb}] to "
                           f"have the same number of elements, but got {ka} and {kb} elements "
                           "respectively")
    if db <= 2 or (da <= 2 and a._rg):  # one mv or mm, on the folded operands
        if db <= 2:
            rows, k1, k2, n2, vec = math.prod(sa[:-1]), ka, kb, sb[-1], db == 1
        else:
            rows, k1, k2, vec = math.prod(sb[:-2]) * sb[-1], kb, ka, da == 1
            n2 = sa[0]
            (sa_name, ca), (sb_name, cb) = (sb_name, cb), (sa_name, ca)
        if vec and k1 != k2:
            raise RuntimeError(f"size mismatch, got input ({rows}), mat ({rows}x{k1}), vec ({k2})")
        if k1 != k2:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{k1} and "
                               f"{k2}x{n2})")
        if vec:
            raise RuntimeError(f"addmv input tensors must have the same dtype, but got {sb_name}, "
                               f"{sa_name}, and {sb_name}")
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {ca} != {cb}")
    try:
        batch = math.prod(np.broadcast_shapes(tuple(sa[:-2]), tuple(sb[:-2])))
    except ValueError:
        raise _broadcast_error(tuple(sa[:-2]), tuple(sb[:-2])) from None
    if ka != kb:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{batch}, {ka}] but got: [{batch}, {kb}].")
    raise RuntimeError(f"expected scalar type {sa_name} but found {sb_name}")


def mm(a: Tensor, b: Tensor) -> Tensor:
    """Matrix product of two 2-D tensors."""
    if a.dim() != 2:
        raise RuntimeError("self must be a matrix")
    if b.dim() != 2:
        raise RuntimeError("mat2 must be a matrix")
    return matmul(a, b)


def maximum(a: Tensor, b: Tensor) -> Tensor:
    """Elementwise maximum (ties share the gradient)."""
    for pos, (arg, v) in enumerate((("input", a), ("other", b)), 1):
        if not isinstance(v, Tensor):
            raise TypeError(f"maximum(): argument '{arg}' (position {pos}) must be Tensor, "
                            f"not {type(v).__name__}")
    return _binary(ops.Maximum, a, b)


def minimum(a: Tensor, b: Tensor) -> Tensor:
    """Elementwise minimum (ties share the gradient)."""
    for pos, (arg, v) in enumerate((("input", a), ("other", b)), 1):
        if not isinstance(v, Tensor):
            raise TypeError(f"minimum(): argument '{arg}' (position {pos}) must be Tensor, "
                            f"not {type(v).__name__}")
    return _binary(ops.Minimum, a, b)


from . import _inplace, autograd  # noqa: E402 - last: they build on the Tensor defined above
