"""Views and in-place changes, as PyTorch's autograd has them.

How it works, in five sentences:

1. A view (``x[0]``, ``x.t()``, ``x.view(6)``, ``x.expand(2, 3)``, ...) holds a NumPy view of
   its base's array, so a write through either is seen by both. It remembers its base and
   the *steps* (view primitives) that lead from the base to it (see :func:`view_info`).
2. Every storage counts its in-place changes: one :class:`Version`, shared by a base, its
   views and its ``detach()``'ed twins, keeps the creation number of each change
   (``t._version`` is how many there were).
3. An in-place op is an ordinary record of the tape. The tensor's history so far moves to a
   new object (a *snapshot*), and the tensor becomes the op's record, with the snapshot as
   its first input. Records made earlier still point at the tensor itself; as they are older
   than its new creation number, :func:`at` leads them back to the snapshot they meant.
4. A change through a view rebases the base instead (``CopySlices``), and every live view of
   that base is seen again as a view of the new base (``AsStridedBackward0``).
5. During backward, a rule that reads a value (an input or its output) that was changed in
   place after its record was made raises PyTorch's error instead of using the new value
   (:func:`check_saved`). Only sweeps that reach records older than the latest in-place
   change look: a program that changes nothing in place pays nothing.
"""

from __future__ import annotations

import bisect
import gc
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from . import _dtype as D
from . import _tensor as T
from . import ops

#: The creation number of the latest in-place change or rebase anywhere: the sweep's cue.
#: A record older than it may have inputs that were changed or rebased since it was made.
changed = 0

LEAF_ERROR = "a leaf Variable that requires grad is being used in an in-place operation."
VIEW_OF_LEAF_ERROR = ("a view of a leaf Variable that requires grad is being used in an "
                      "in-place operation.")
OVERLAP_ERROR = ops.OVERLAP_ERROR
PARTIAL_OVERLAP_ERROR = ("unsupported operation: some elements of the input tensor and the "
                         "written-to tensor refer to a single memory location. Please clone() "
                         "the tensor before performing the operation.")
INFERENCE_ERROR = (
    "Inplace update to inference tensor outside InferenceMode is not allowed.You can make a "
    "clone to get a normal tensor before doing inplace update.See "
    "https://github.com/pytorch/rfcs/pull/17 for more details.")
VIEW_ERROR = ("view size is not compatible with input tensor's size and stride (at least one "
              "dimension spans across two contiguous subspaces). Use .reshape(...) instead.")


class Version:
    """The in-place changes of one storage: the creation number of each (``seqs``), the
    views made of it (``views``, weak references, or None until there is one), and whether
    it was made in inference mode (``inference``: its tensors are inference tensors).

    A tensor's ``_ver`` slot holds its storage's Version, or for a view the tuple
    ``(base, steps, kind, Version)`` (:func:`view_info`), or nothing: a tensor nobody viewed
    or changed in place carries no counter at all (its version is 0).
    """

    __slots__ = ("seqs", "views", "inference")

    def __init__(self, inference: bool = False) -> None:
        self.seqs: list[int] = []
        self.views: weakref.WeakSet | None = None
        self.inference = inference


def storage(t: T.Tensor) -> Version | None:
    """The :class:`Version` of ``t``'s storage, None if it has none yet."""
    v = getattr(t, "_ver", None)
    return v[3] if type(v) is tuple else v


def view_info(t: T.Tensor) -> tuple | None:
    """``(base, steps, kind, Version)`` for a view, None for any other tensor."""
    v = getattr(t, "_ver", None)
    return v if type(v) is tuple else None


def version_of(t: T.Tensor) -> Version:
    """The :class:`Version` of ``t``'s storage (made on first need)."""
    v = getattr(t, "_ver", None)
    if v is None:
        v = t._ver = Version()
    elif type(v) is tuple:
        v = v[3]
    return v


def version(t: T.Tensor) -> int:
    """How many times ``t``'s storage has been changed in place (``t._version``)."""
    v = storage(t)
    return len(v.seqs) if v is not None else 0


def bump(t: T.Tensor) -> None:
    """Count one in-place change of ``t``'s storage."""
    global changed
    changed = next(T._counter)
    version_of(t).seqs.append(changed)


# --------------------------------------------------------------------------------------
# Views
# --------------------------------------------------------------------------------------
def view(op: type[ops.Op], t: T.Tensor, ctx: Any, kind: str | None = None,
         at: Any = None) -> T.Tensor:
    """The view primitive ``op`` applied to ``t``: a tensor sharing ``t``'s storage (a 0-d
    float64 ``t`` moves its value into an array for that, leaving its fast path).

    ``at`` is the dim an unsqueeze inserts, or the dims a squeeze removes: a shape alone
    does not tell which of several dims of size 1 they are, and their strides may differ
    (:func:`strides`).

    ``kind`` is ``"unbind"`` for one of several views returned together (PyTorch forbids
    changing those in place); a view made under ``no_grad`` of a tensor that requires grad
    is marked ``"no_grad"``: it requires grad but has no history, as in PyTorch."""
    x = t._shared_array()
    enabled = T.is_grad_enabled()
    r = T._make(op.forward(ctx, x), op.rule, t, None, ctx, enabled and t._rg)
    info = view_info(t)
    if not enabled:  # PyTorch refuses to rebase it if its base is changed with grad
        kind = "no_grad"
        if t.requires_grad:  # (a view refused since is one: the flag, not the test)
            r._rg, r._seq = True, next(T._counter)
    elif info is not None and info[2] in ("unbind", "multi"):
        kind = "multi"  # a view of one of several views is refused in-place changes too
    elif kind is None and info is not None and info[2] in ("no_grad", "no_grad_child"):
        kind = "no_grad_child"  # and so is a view of a view made under no_grad
    step = ((op, ctx, x.shape, at),)
    v = version_of(t)
    r._ver = (t, step, kind, v) if info is None else (info[0], info[1] + step, kind, v)
    if v.views is None:
        v.views = weakref.WeakSet()
    v.views.add(r)
    return r


def several_views(op: type[ops.Op], t: T.Tensor, keys: list) -> tuple[T.Tensor, ...]:
    """The views ``t[key]`` for each of ``keys``, returned together as one node's outputs
    (``unbind``, ``split``: see :class:`~tinygrad_lite.ops.Outputs`). PyTorch refuses to
    change them in place while they are in a graph."""
    outs = ops.Outputs()
    return outs.join(tuple(view(op, t, (key, i, outs), "unbind") for i, key in enumerate(keys)))


def strides(t: T.Tensor) -> tuple[int, ...]:
    """PyTorch's strides of ``t``, in elements (``t.stride()``).

    NumPy's strides are PyTorch's except along dims of size 1, where both libraries put
    what they like (NumPy gives a ``None`` index stride 0, PyTorch the next dim's extent),
    and PyTorch compares them there too (two views of the same elements with different
    strides "partially overlap"). So a view's strides are worked out as PyTorch works them
    out, step by step from its base's (:func:`_step_strides`); a tensor holding a view's
    array keeps the view's (:func:`same_strides`); a contiguous tensor's are the row-major
    ones; any other tensor's are NumPy's (so a new result of a non-contiguous tensor,
    ``x.t() * 2``, may have other strides than PyTorch's along its dims of size 1, where
    PyTorch's TensorIterator orders the dims by rules not reproduced here)."""
    info = view_info(t)
    if info is None:
        x = t._data
        kept = _kept_strides.get(id(t)) if _kept_strides else None
        if kept is not None and kept[0]() is t and kept[1] is x:
            return kept[2]
        if type(x) is not np.ndarray or x.flags.c_contiguous:
            return contiguous_strides(np.shape(x))
        return tuple(s // x.itemsize for s in x.strides)
    st = strides(info[0])
    for step in info[1]:
        st = _step_strides(step, st)
    return st


#: The strides of tensors that hold a view's array without being views (``.data`` and
#: ``detach()`` of a view), by ``id``: ``(a weak reference to the tensor, the array,
#: strides)``, valid while the tensor holds that array. Kept aside, not in a slot of every
#: tensor, as few tensors need it.
_kept_strides: dict[int, tuple] = {}


def same_strides(t: T.Tensor, src: T.Tensor) -> None:
    """``t`` now holds ``src``'s array (``.data``, ``detach()``): it keeps ``src``'s strides
    where NumPy's would not tell them (:data:`_kept_strides`)."""
    if view_info(src) is not None or (_kept_strides and id(src) in _kept_strides):
        key = id(t)
        ref = weakref.ref(t, lambda _, key=key: _kept_strides.pop(key, None))
        _kept_strides[key] = (ref, t._data, strides(src))


def contiguous_strides(shape: tuple[int, ...]) -> tuple[int, ...]:
    """Row-major strides, in elements (a dim of size 0 counts as 1, as in PyTorch)."""
    out, acc = [], 1
    for n in reversed(shape):
        out.append(acc)
        acc *= max(n, 1)
    return tuple(reversed(out))


def _step_strides(step: tuple, st: tuple[int, ...]) -> tuple[int, ...]:
    """The strides after one view step ``(op, ctx, input shape, at)``, by PyTorch's rule
    for that view."""
    op, ctx, shape, at = step
    if op is ops.Unsqueeze:
        new = 1 if at >= len(shape) else shape[at] * st[at]
        return st[:at] + (new,) + st[at:]
    if op is ops.Squeeze:
        return tuple(s for n, s in zip(shape, st) if n != 1)
    if op is ops.SqueezeDim:
        return tuple(s for i, s in enumerate(st) if i not in at)
    if op is ops.Alias:
        return st
    if op is ops.AsStridedView:  # the steps it stands for
        for inner in ctx[0]:
            st = _step_strides(inner, st)
        return st
    if issubclass(op, ops.View):  # view, reshape
        return _view_strides(shape, st, ctx)
    if issubclass(op, ops.Permute):  # permute, transpose, t
        return tuple(st[i] for i in ctx)
    if op is ops.Expand:
        return _expand_strides(shape, st, ctx)
    if op is ops.Diagonal:
        _, a, b = ctx
        return tuple(s for i, s in enumerate(st) if i not in (a, b)) + (st[a] + st[b],)
    key = ctx[0] if issubclass(op, ops.Split) else ctx  # select, slice, unbind, split
    key = key if type(key) is tuple else (key,)
    d, k = len(key) - 1, key[-1]
    if isinstance(k, slice):
        return st[:d] + (st[d] * k.indices(shape[d])[2],) + st[d + 1:]
    return st[:d] + st[d + 1:]


def _view_strides(old: tuple[int, ...], st: tuple[int, ...],
                  new: tuple[int, ...]) -> tuple[int, ...]:
    """PyTorch's strides of ``view(new)`` of a tensor shaped ``old`` with strides ``st``
    (ATen's ``computeStride``): the old dims are cut into chunks that are contiguous among
    themselves, and the new dims take strides within the chunk they fall in."""
    if not old:
        return (1,) * len(new)
    if 0 in old:
        return st if old == new else contiguous_strides(new)
    out = [0] * len(new)
    view_d, base, tensor_numel, view_numel = len(new) - 1, st[-1], 1, 1
    for d in range(len(old) - 1, -1, -1):
        tensor_numel *= old[d]
        if d == 0 or (old[d - 1] != 1 and st[d - 1] != tensor_numel * base):
            while view_d >= 0 and (view_numel < tensor_numel or new[view_d] == 1):
                out[view_d] = view_numel * base
                view_numel *= new[view_d]
                view_d -= 1
            if d > 0:
                base, tensor_numel, view_numel = st[d - 1], 1, 1
    return tuple(out)


def _expand_strides(old: tuple[int, ...], st: tuple[int, ...],
                    new: tuple[int, ...]) -> tuple[int, ...]:
    """PyTorch's strides of ``expand(new)``: 0 along each dim that grows, and a new leading
    dim of size 1 takes the extent of the dims inside it (0 for the innermost one)."""
    out = [0] * len(new)
    lead = len(new) - len(old)
    for i in range(len(new) - 1, -1, -1):
        if i >= lead:
            out[i] = st[i - lead] if old[i - lead] == new[i] else 0
        elif new[i] == 1 and i + 1 < len(new):
            out[i] = new[i + 1] * out[i + 1]
    return tuple(out)


def no_edge(t: T.Tensor) -> bool:
    """Whether ``t`` is a view made under ``no_grad`` of a tensor that requires grad: it
    requires grad too, but PyTorch gives it no gradient (no edge of the graph leads to it)."""
    info = view_info(t)
    return info is not None and info[2] == "no_grad" and bool(t._rg)


def base_of(t: T.Tensor) -> T.Tensor | None:
    """The tensor whose storage view ``t`` shares (``t._base``), None if not a view."""
    info = view_info(t)
    return None if info is None else info[0]


def reshape(t: T.Tensor, shape: tuple[int, ...], must_view: bool) -> T.Tensor:
    """``t.view(shape)`` (``must_view``) or ``t.reshape(shape)``: a view when the layout
    allows one, else a copy for reshape and PyTorch's error for view."""
    x = t._data
    if type(x) is not np.ndarray or x.flags.c_contiguous or np.size(x) <= 1:
        return view(ops.View, t, shape)
    r = np.reshape(x, shape)
    if np.may_share_memory(r, x):
        return view(ops.View if must_view else ops.ReshapeAlias, t, shape)
    if must_view:  # PyTorch asks whether t requires grad first: a refused view says so
        if T.is_grad_enabled():
            bool(t._rg)
        raise RuntimeError(VIEW_ERROR)
    c = T._unary(ops.Clone, t, "contiguous", True)  # as PyTorch: a contiguous copy, then a
    # view of it that is not a view
    return T._make(np.reshape(c._data, shape), ops.UnsafeView.rule, c, None, shape,
                   c._rg and T.is_grad_enabled())


# --------------------------------------------------------------------------------------
# Rebasing
# --------------------------------------------------------------------------------------
def snapshot(t: T.Tensor) -> T.Tensor:
    """A new object holding ``t``'s history and data as they are now; it shares ``t``'s
    version counter, so the records that saved it still see later changes."""
    s = T._new(T.Tensor)
    s._data, s._adj, s._rg, s._op = t._data, None, t._rg, t._op
    s._in, s._in2, s._ctx, s._seq = t._in, t._in2, t._ctx, t._seq
    s._fn = getattr(t, "_fn", None)
    s._grad = None
    version_of(t)
    s._ver = t._ver  # the storage's counter (and for a view, what it is a view of)
    return s


def at(x: T.Tensor, seq: int) -> T.Tensor:
    """The version of ``x`` that a record with creation number ``seq`` took as input: ``x``
    itself, unless ``x`` was rebased by an in-place change after that record was made."""
    while x._seq > seq and x._op is not None:
        x = x._ctx[1] if x._op.primitive.again else x._in
    return x


def inputs_at(n: T.Tensor) -> tuple[T.Tensor, ...]:
    """The inputs of record ``n`` as they were when ``n`` was made."""
    s = n._seq
    return tuple(at(x, s) for x in T.inputs(n))


def _become(t: T.Tensor, rule: ops.Rule, a: T.Tensor, b: Any, ctx: Any) -> None:
    """Make ``t`` a fresh record of ``rule`` (its history now starts there). Called right
    after :func:`bump` for an in-place record: :func:`check_saved` counts on that."""
    global changed
    t._op, t._in, t._in2, t._ctx = rule, a, b, ctx
    t._rg, t._fn, t._adj = True, None, None
    t._seq = changed = next(T._counter)  # records made before it may take t as input


def _refresh_views(t: T.Tensor) -> None:
    """After ``t``'s storage changed, see each live view of it whose base requires grad
    again as a view of that base, as it is now (PyTorch regenerates its ``grad_fn``)."""
    v = storage(t)
    if v is None or v.views is None:
        return
    for w in list(v.views):
        info = w._ver
        base, steps, kind, _ = info
        if not base._rg:
            continue
        if kind is not None:
            if w._op is not None and w._op.primitive is ops.BrokenView:
                continue  # refused already, with the message that names its first grad_fn
            what = "its base or another view of its base has been modified inplace"
            msg = _view_message(w, info, what)
            _become(w, ops.BrokenView.rule, base, None, (steps, snapshot(w), msg))
            w._rg = Refused(msg)
        else:
            _become(w, ops.AsStrided.rule, base, None, (steps, snapshot(w)))


class Refused:
    """The ``requires_grad`` flag of a view that PyTorch refuses to use in a recorded
    operation once its base was changed: testing it while recording raises the error
    (every recorded operation tests its inputs' flags), under ``no_grad`` it is false."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message

    def __bool__(self) -> bool:
        if T.is_grad_enabled():
            raise RuntimeError(self.message)
        return False


NO_GRAD_TAIL = (
    " Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify "
    "your code by moving both the view and the inplace either both inside the no_grad block "
    "(if you don't want the inplace to be tracked) or both outside (if you want the inplace "
    "to be tracked).")
MULTI_TAIL = (
    " This view is the output of a function that returns multiple views. Such functions do "
    "not allow the output views to be modified inplace. You should replace the inplace "
    "operation by an out-of-place one.")


def _view_message(w: T.Tensor, info: tuple, what: str) -> str:
    """PyTorch's error for an in-place change it refuses on view ``w`` (``what``: "is being
    modified inplace", or that its base was): a view made under ``no_grad`` (or a view of
    one), or one of several views returned together. The head names ``w``'s ``grad_fn`` if
    it had one (its base required grad when it was made)."""
    kind = info[2]
    op = w._op
    if op is not None and op.primitive is ops.BrokenView:
        op = w._ctx[1]._op  # refused since its base changed: what it was before
    if op is not None:
        op, ctx = info[1][-1][:2]
        n = ctx[-2] if op.several else 0
        of = " of a view which was created in no_grad mode" if kind == "no_grad_child" else ""
        head = f"Output {n} of {_short_name(op.name)} is a view{of} and {what}"
        head += " with grad mode enabled." if of else "."
    else:
        head = f"A view was created in no_grad mode and {what} with grad mode enabled."
    return head + (MULTI_TAIL if kind in ("unbind", "multi") else NO_GRAD_TAIL)


def vecmat(r: np.ndarray, a: T.Tensor, b: T.Tensor, rg: Any) -> T.Tensor:
    """The tensor of ``a @ b`` (value ``r``) for a 1-D ``a`` and a 2-D ``b``, made as PyTorch
    makes it: ``a.unsqueeze(0) @ b``, then ``squeeze_(0)`` of that product (so it is at
    version 1, and its ``grad_fn`` is the squeeze's, over the product's ``MmBackward0``)."""
    a2 = view(ops.Unsqueeze, a, (1, *a.shape), at=0) if rg or T._dual else None
    m = T._make(r.reshape(1, -1), ops.MatMul.rule, a2, b, (a._rg, b._rg), rg)
    before = snapshot(m) if rg else None
    m._data = r
    if T._dual:  # forward AD: the tangent is squeezed too
        from .autograd import forward_ad

        tangent = forward_ad._tangent_of(m)
        if tangent is not None:
            tangent._data = tangent._data.reshape(r.shape)
    bump(m)
    if rg:
        _become(m, ops.SqueezeInplace.rule, before, None, r.shape)
    return m


# --------------------------------------------------------------------------------------
# The in-place operation
# --------------------------------------------------------------------------------------
def _can_cast(src: D.dtype, dst: D.dtype) -> bool:
    """PyTorch's rule for writing a result of dtype ``src`` into a tensor of dtype ``dst``."""
    return src._rank <= dst._rank or (dst._rank == 1 and src._rank == 1)


def _check_overlap(t: T.Tensor, reads: tuple) -> None:
    """PyTorch's memory checks before an in-place kernel runs: no write into an expanded
    tensor (several elements in one place), and no read of a tensor that overlaps the one
    written without being it (``x[1:].add_(x[:-1])``), which it decides only for dense
    tensors."""
    x = t._data
    if type(x) is not np.ndarray or not x.size:
        return
    if any(s == 0 and n > 1 for s, n in zip(x.strides, x.shape)):
        raise RuntimeError(OVERLAP_ERROR)
    if not ops.dense(x):
        return
    for y in reads:
        d = y._data if isinstance(y, T.Tensor) else None
        if (type(d) is np.ndarray and d.size and np.may_share_memory(x, d) and ops.dense(d)
                and not same_layout(t, y)):
            raise RuntimeError(PARTIAL_OVERLAP_ERROR)


def same_layout(t: T.Tensor, y: T.Tensor) -> bool:
    """Whether ``y`` is ``t``, or begins and ends where ``t`` does with ``t``'s strides:
    PyTorch's "full overlap" (where it compares strides even along dims of size 1)."""
    if y is t:
        return True
    x, d = t._data, y._data
    return (d.__array_interface__["data"][0] == x.__array_interface__["data"][0]
            and d.nbytes == x.nbytes and strides(y) == strides(t))


def _same_place(x: np.ndarray, d: np.ndarray) -> bool:
    """Whether ``d`` is ``x``'s elements, in the same places (``t *= t``)."""
    return (d.__array_interface__["data"] == x.__array_interface__["data"]
            and d.shape == x.shape
            and all(n == 1 or a == b for n, a, b in zip(x.shape, x.strides, d.strides)))


def _aliased(t: T.Tensor, reads: tuple) -> bool:
    """Whether an in-place op on ``t`` reads elements of ``t`` other than the one it writes
    (a case PyTorch allows when it cannot tell, as ``a /= a[:, :1]``)."""
    x = t._data
    return type(x) is np.ndarray and any(
        isinstance(y, T.Tensor) and type(y._data) is np.ndarray and y._data.size
        and np.shares_memory(x, y._data) and not _same_place(x, y._data) for y in reads)


def _write(t: T.Tensor, data: Any) -> None:
    """Store ``data`` (same shape) into ``t``'s storage."""
    x = t._data
    if type(x) is not np.ndarray:  # a float (or a NumPy number): nothing shares it
        t._data = float(data)
        return
    with ops.quiet():
        np.copyto(x, data, casting="unsafe")


def _write_in_order(t: T.Tensor, compute: Callable[[T.Tensor], T.Tensor], reads: tuple) -> None:
    """Store ``compute(t)`` into ``t`` as PyTorch's elementwise loop does when what it reads
    overlaps what it writes, so that later elements may see earlier ones changed.

    The loop (PyTorch's TensorIterator with ``cpu_kernel_vec``): dims ordered by the output's
    strides, smallest innermost, and merged where every operand allows; one call of the
    inner loop per row. Where every operand's row is contiguous, or one input is a single
    element (stride 0), it goes in blocks of two AVX2 vectors (16 float32, 8 float64): each
    block reads all its inputs, then writes, and the single element is read once, when the
    row starts. The rest of a row, and every row of other layouts, goes element by element.
    """
    x = t._data
    tensors = [y for y in reads if isinstance(y, T.Tensor)]
    seen = [x] + [np.broadcast_to(y._data, x.shape) for y in tensors]
    dims = sorted((k for k in range(x.ndim) if x.shape[k] > 1), key=lambda k: x.strides[k])
    row = 1  # the inner loop's length: the innermost dim, merged with those that follow it
    for i, k in enumerate(dims):
        if i and not all(a.strides[k] == a.strides[dims[i - 1]] * x.shape[dims[i - 1]]
                         for a in seen):
            break
        row *= x.shape[k]
    order = [k for k in range(x.ndim) if k not in dims] + dims[::-1]  # innermost last
    where = np.indices(x.shape).transpose(0, *[k + 1 for k in order]).reshape(x.ndim, -1)
    inner = dims[0] if dims else 0
    size = x.itemsize
    steps = [a.strides[inner] if dims else size for a in seen]
    single = [i for i, st in enumerate(steps[1:]) if st == 0]
    vector = all(st == size for st in steps) or (
        len(single) == 1 and all(st == size for i, st in enumerate(steps[1:]) if st))
    block = 2 * 32 // size if vector else 1
    live = T._leaf(x)
    with T.no_grad(), ops.quiet():
        for start in range(0, where.shape[1], row):
            cut = start + (row - row % block if block > 1 else 0)
            held = tensors[single[0]] if vector and single else None
            if held is not None:  # the single element, as the row's start loaded it
                now, held._data = held._data, held._data.copy()
            for b in range(start, cut, block):
                at = tuple(where[:, b:b + block])
                x[at] = compute(live)._data[at]
            if held is not None:
                held._data = now
            for b in range(cut, start + row):
                at = tuple(where[:, b:b + 1])
                x[at] = compute(live)._data[at]


def _check_inplace(t: T.Tensor, info: tuple | None) -> None:
    """PyTorch's checks before an in-place change whose result requires grad: a view it
    refuses to rebase (made under ``no_grad``, or one of several views), then a view of a
    leaf that requires grad, then such a leaf itself."""
    if info is not None and info[2] is not None:
        raise RuntimeError(_view_message(t, info, "is being modified inplace"))
    if t._rg and info is not None and info[0]._op is None and info[0]._rg:
        raise RuntimeError(VIEW_OF_LEAF_ERROR)
    if t._rg and info is None and t._op is None:
        raise RuntimeError(LEAF_ERROR)


def apply(t: T.Tensor, compute: Callable[[T.Tensor], T.Tensor], reads: tuple = (),
          cast: bool = True, kernel: str | None = None, others: tuple = (),
          checks: bool = True) -> T.Tensor:
    """Change ``t`` in place to ``compute(t)``, recorded as PyTorch records it.

    Args:
        t: the tensor to change.
        compute: the out-of-place form: one primitive whose first input is the tensor it is
            given (``lambda s: s * 2`` for ``mul_(2)``).
        reads: what else it reads (PyTorch refuses a tensor that overlaps ``t``).
        others: what else it reads once, before it writes (the value of ``fill_``).
        checks: whether PyTorch's memory checks run (``copy_`` from the same elements
            returns before its kernel, and before them).
        cast: whether the result may have a dtype ``t`` cannot hold (``copy_``, ``fill_``
            and ``t[i] = v`` convert; arithmetic raises, as in PyTorch).
        kernel: the C type names of PyTorch's message for a kernel that words it so
            (``clamp_``).

    Raises:
        RuntimeError: with PyTorch's message, for a leaf that requires grad (or a view of
            one) outside ``no_grad``, a result of a dtype or shape ``t`` cannot hold, or a
            write into an expanded tensor.
    """
    enabled = T.is_grad_enabled()
    info = view_info(t)
    if T._inference_used and T._is_inf(t) and not T.is_inference_mode_enabled():
        raise RuntimeError(INFERENCE_ERROR)
    tensors = [y for y in reads + others if isinstance(y, T.Tensor)]
    if enabled and (t.requires_grad or any(y.requires_grad for y in tensors)):
        _check_inplace(t, info)  # the result will require grad: PyTorch's checks, then
        for y in tensors:  # it asks each input for its grad_fn (a refused view raises)
            bool(y._rg)
    if checks:
        _check_overlap(t, reads)
    if info is None:
        before = snapshot(t)
    else:  # the view's value, standing in for it: CopySlices routes its gradient
        before = T._leaf(t._data)
        before._rg = t._rg
    if T._dual:  # forward AD: the result's tangent is computed from t's
        from .autograd import forward_ad

        forward_ad._attach(before, forward_ad._tangent_of(t))
    r = compute(before)
    if T._dual:  # the old value keeps its tangent as it is now, for the rules that read it
        _keep_tangent(before, before)  # (forward over reverse)
    if r.shape != t.shape:
        raise RuntimeError(f"output with shape {list(t.shape)} doesn't match the broadcast "
                           f"shape {list(r.shape)}")
    if not cast and not _can_cast(r.dtype, t.dtype):
        names = 1 if kernel else 0
        raise RuntimeError(f"result type {T._SCALAR_NAMES[r.dtype.name][0]} can't be cast to "
                           f"the desired output type {T._SCALAR_NAMES[t.dtype.name][names]}")
    recorded = r._op is not None
    if recorded and type(before._data) is not float:
        before._data = before._data.copy()  # the rule reads the old value, as PyTorch's clone
    if recorded and info is not None:  # the base before the change, with the values it had
        old = snapshot(info[0])  # (as the tape shows them)
        if type(old._data) is np.ndarray:
            old._data = old._data.copy()
        if T._dual:
            _keep_tangent(old, info[0])
    if _aliased(t, reads):
        _write_in_order(t, compute, reads)
    else:
        _write(t, r._data)
    bump(t)
    if recorded:
        if info is None:
            _become(t, r._op.primitive.inplace_rule(), before, _instead(r._in2, t, before),
                    r._ctx)
            _refresh_views(t)
        else:
            base, steps, _, _ = info
            _become(base, ops.CopySlices.rule, old, _instead(r._in2, base, old),
                    (steps, r._op, r._ctx, before._data, weakref.ref(t)))
            _refresh_views(base)
    else:
        _refresh_views(t if info is None else info[0])
    if T._dual:
        forward_ad._inplace_tangent(t, r, info)
    return t


def _keep_tangent(old: T.Tensor, t: T.Tensor) -> None:
    """Give ``old``, the value of ``t`` before an in-place change, a copy of ``t``'s tangent
    as it is now (forward AD changes ``t``'s tangent in place next)."""
    from .autograd import forward_ad

    tangent = forward_ad._tangent_of(t)
    if tangent is not None and type(tangent._data) is np.ndarray:
        tangent = T._leaf(tangent._data.copy())
    forward_ad._attach(old, tangent)


def _instead(rest: Any, t: T.Tensor, old: T.Tensor) -> Any:
    """The other inputs ``rest`` of an in-place op on ``t``, with ``t`` itself (``t *= t``)
    taken as ``old``, its value before the change."""
    if type(rest) is tuple:
        return tuple(old if x is t else x for x in rest)
    return old if rest is t else rest


def setitem(t: T.Tensor, key: Any, value: Any) -> None:
    """``t[key] = value``: a copy into the view ``t[key]``, or for integer arrays and masks
    in the key, PyTorch's ``index_put_``."""
    if not isinstance(value, T.Tensor):  # a number becomes a 0-d tensor of t's dtype
        value = T._wrap(np.asarray(T._unwrap_nested(value), dtype=t.dtype.np))
    key = T._index_key(key)
    if T._basic_key(key) is None:
        apply(t, lambda s: T._apply(ops.IndexPutInplace, (s, value), key))
        return
    target = t if key is Ellipsis else t[key]  # t[...] = v writes into t itself
    if target.shape == value.shape:  # PyTorch's copy_to: copy_, or fill_ from a 0-d value
        target.copy_(value)
    elif value.dim() == 0:
        apply(target, lambda s: T._apply(ops.FillTensor, (s, value)), others=(value,))
    else:  # PyTorch drops the value's leading dims of size 1, expands it (with its error
        lead = 0  # if it does not fit), then copies
        while lead < value.dim() and value.shape[lead] == 1:
            lead += 1
        if lead:
            value = value.view(value.shape[lead:])
        if value.shape != target.shape:
            value = value.expand(target.shape)
        target.copy_(value)


# --------------------------------------------------------------------------------------
# The check of the sweep
# --------------------------------------------------------------------------------------
_CPP_NODES = {"CopySlices", "CopyBackwards", "AccumulateGrad"}


def _short_name(name: str) -> str:
    """How PyTorch's message names a node: ``MulBackward0`` -> ``Mul``, ``SumBackward1`` ->
    ``Sum1``."""
    if name in _CPP_NODES:
        return f"torch::autograd::{name}"
    head, sep, tail = name.rpartition("Backward")
    return head + tail.lstrip("0") if sep and tail.isdigit() else name


def check_saved(n: T.Tensor, held: tuple[T.Tensor, ...], ins: tuple[T.Tensor, ...],
                live: dict[int, T.Tensor]) -> None:
    """Raise PyTorch's error if a value that record ``n``'s rule reads was changed in place
    after ``n`` was made. ``held`` are ``n``'s inputs as it points at them, ``ins`` the
    versions it took (:func:`inputs_at`); ``live`` maps the id of a snapshot the sweep
    reached to the tensor it is an earlier version of (the message names that tensor's
    ``grad_fn`` as it is now, as PyTorch's does). The sweep fills it, newest record first.

    Raises:
        RuntimeError: "one of the variables needed for gradient computation has been
            modified by an inplace operation: ..."
    """
    rule = n._op
    needs = tuple(bool(x._rg) and not no_edge(x) for x in ins)
    copied = rule.inplace  # the old value was copied, as PyTorch's original_self
    if rule.primitive is ops.CopySlices:  # what the op it wraps saves (the view is copied;
        rule, copied = n._ctx[1], True  # it needs a gradient as its base, the first input)
    which, out = rule.primitive.saved(needs)
    seq = n._seq
    # An in-place record is made right after its change (creation number seq - 1): it
    # saved its other inputs before that change, its output after.
    before = seq - 1 if copied else seq
    for i in which:
        if i == 0 and copied:
            continue
        x = ins[i]
        v = storage(x)
        if v is not None and v.seqs and v.seqs[-1] >= before:
            now = n if copied and held[i] is held[0] else held[i]  # t itself, as it is now
            now = live.get(id(now), now)
            if now._op is not None and now._op.primitive is ops.BrokenView:
                raise RuntimeError(now._ctx[2])  # torch asks a saved view for its grad_fn
            owner = None if now._op is None else now._op.name
            _raise_modified(x, owner, len(v.seqs), bisect.bisect_left(v.seqs, before))
    if out:  # through a view (CopySlices) the op saved the view's result, not the base
        v = storage(n)
        shape = np.shape(n._ctx[3]) if n._op.primitive is ops.CopySlices else n.shape
        if v is not None and v.seqs and v.seqs[-1] > seq:
            owner = rule.name
            if n._op.primitive is ops.CopySlices and _view_node_lives(n):
                owner = ops.AsStrided.name
            _raise_modified(n, owner, len(v.seqs), bisect.bisect(v.seqs, seq), shape)


def _view_node_lives(n: T.Tensor) -> bool:
    """Whether PyTorch would still hold the node it made for the view right after the
    in-place change through it that CopySlices record ``n`` is (``AsStridedBackward0``).

    PyTorch saves an in-place op's output through a view with a *weak* reference to that
    node, and its error names the node while it lives, else the op. The node lives while
    (a) the view still holds it as its ``grad_fn``: PyTorch makes the view a new node only
    when asked for it (a recorded op taking the view, a recorded in-place change of the
    view, reading ``grad_fn``) after the storage changed; or (b) a record that took the view
    before that change lives (a record holds its inputs' nodes; an in-place op through a
    view drops its edge to the view itself). This asks the same questions of the view's
    states (:func:`_refresh_views` makes them at once, where PyTorch waits to be asked) and
    of the live records that took it as an input (found by the garbage collector: this runs
    only to word an error); or (c) the next in-place change went through the view: the op
    that CopySlices wraps holds it, until a backward pass without ``retain_graph`` frees
    that record (which it runs before this one)."""
    w = n._ctx[4]()
    if w is None:  # the view is gone, and with it every record that took it
        return False
    states = []  # the view's states after n, newest first: the node made for n is last
    s = w
    while s._seq > n._seq and s._op is not None and s._op.primitive.again:
        states.append(s)
        s = s._ctx[1]
    if len(states) < 2:  # not seen anew since: it is still the view's grad_fn
        return True
    made = states[-1]._seq
    seqs = version_of(w).seqs
    change = seqs[bisect.bisect(seqs, made)]  # the storage's first change after the node
    takers = [r._seq for r in _takers(w) if not _dropped(r)]
    if any(made < s <= change + 1 for s in takers):  # (b); an in-place record is made
        return True  # right after its change, having taken its inputs' nodes before it
    first = at(base_of(w), change + 1)
    through_w = (first._seq == change + 1 and first._op is not None
                 and first._op.primitive is ops.CopySlices and first._ctx[4]() is w)
    if through_w and not first._op.freed:  # (c) the in-place op through the view right
        return True  # after: the op it wraps holds the view's node until a backward frees it
    asked = (any(st._fn is not None for st in states[:-1])
             or any(s > change + 1 for s in takers)
             or through_w)
    return not asked


def _dropped(r: T.Tensor) -> bool:
    """Whether PyTorch has let go of the node of ``r``, an earlier state of another view
    (kept in the ``ctx`` of that view's ``AsStridedBackward0`` state) when that view was
    asked for its ``grad_fn`` after its storage changed (PyTorch then gives it a new node)
    and no live record took it before."""
    for o in gc.get_referrers(r):
        if type(o) is tuple and len(o) == 2 and o[1] is r:
            for s in gc.get_referrers(o):
                if (isinstance(s, T.Tensor) and s._ctx is o and s._op is not None
                        and s._op.primitive.again and s._fn is not None):
                    return not any(x._seq < s._seq for x in _takers(s))
    return False


def _takers(w: T.Tensor) -> list[T.Tensor]:
    """The live records (and earlier states of records) that took ``w`` as an input."""
    out = []
    for o in gc.get_referrers(w):
        if type(o) is tuple:
            out += [r for r in gc.get_referrers(o) if isinstance(r, T.Tensor) and r._in2 is o]
        elif isinstance(o, T.Tensor) and (o._in is w or o._in2 is w):
            out.append(o)
    return [r for r in out if r._op is not None]


def _raise_modified(x: T.Tensor, owner: str | None, now: int, then: int,
                    shape: tuple[int, ...] | None = None) -> None:
    shape = ", ".join(str(s) for s in (x.shape if shape is None else shape))
    which = f", which is output 0 of {_short_name(owner)}," if owner else ""
    raise RuntimeError(
        "one of the variables needed for gradient computation has been modified by an "
        f"inplace operation: [{x.type()} [{shape}]]{which} is at version {now}; expected "
        f"version {then} instead. Hint: enable anomaly detection to find the operation that "
        "failed to compute its gradient, with torch.autograd.set_detect_anomaly(True, "
        "check_nan=False).")
