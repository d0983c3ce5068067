"""Joining, splitting and picking: ``cat``, ``stack``, ``split``, ``chunk``,
``tensor_split`` (``hsplit``, ``vsplit``, ``dsplit``), ``flip``,
``where``, ``gather`` and ``scatter``, as methods of :class:`~tinygrad_lite.Tensor` and as
module functions, with PyTorch's argument checks and messages.

The primitives (their forward and backward rules) are in :mod:`tinygrad_lite.ops`; this
module checks the arguments, works out the result's dtype and records them. The methods are
attached to the Tensor class at the end of the module.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import _dtype as D
from . import _inplace, ops
from . import _tensor as T
from ._tensor import Tensor


def _tensor_list(name: str, tensors: Any) -> list[Tensor]:
    """The tensors of ``cat``/``stack``'s first argument, with PyTorch's TypeError for
    anything but a sequence of tensors."""
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, "
                        f"not {T._type_name(tensors)}")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{T._type_name(t)}")
    return list(tensors)


def _common_dtype(ts: Sequence[Tensor]) -> D.dtype:
    dt = ts[0].dtype
    for t in ts[1:]:
        dt = D.promote_types(dt, t.dtype)
    return dt


def _dim_or_axis(name: str, dim: Any, axis: Any) -> Any:
    """``dim``, or NumPy's name for it, ``axis`` (0 if neither); not both, as PyTorch."""
    if axis is T._UNSET:
        return 0 if dim is T._UNSET else dim
    if dim is not T._UNSET:
        raise TypeError(f"{name}() got an unexpected keyword argument 'axis'")
    return axis


def cat(tensors: Sequence[Tensor], dim: Any = T._UNSET, *, axis: Any = T._UNSET) -> Tensor:
    """Join tensors along an existing dim ``dim`` (or ``axis``, 0 by default; their dtypes
    promoted).

    Raises:
        RuntimeError: for 0-d tensors, or shapes that differ outside ``dim``.
        ValueError: for an empty list.
    """
    dim = _dim_or_axis("cat", dim, axis)
    ts = _tensor_list("cat", tensors)
    if not ts:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(ts):
        if t.dim() == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be "
                               "concatenated")
    real = [(i, t) for i, t in enumerate(ts) if t.shape != (0,)]  # 1-D empties are skipped
    first = real[0][1] if real else ts[0]
    d = T._dims(dim, first.dim())[0]
    for i, t in real:
        if t.dim() != first.dim():
            raise RuntimeError(f"Tensors must have same number of dimensions: got "
                               f"{first.dim()} and {t.dim()}")
        for k, (m, n) in enumerate(zip(first.shape, t.shape)):
            if k != d and m != n:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. "
                                   f"Expected size {m} but got size {n} for tensor number {i} "
                                   "in the list.")
    return T._apply(ops.Cat, tuple(ts), (d, _common_dtype(ts).np))


concat = concatenate = cat


def stack(tensors: Sequence[Tensor], dim: Any = T._UNSET, *, axis: Any = T._UNSET) -> Tensor:
    """Join tensors of one shape along a new dim ``dim`` (or ``axis``, 0 by default).

    Raises:
        RuntimeError: for an empty list or tensors of different shapes.
    """
    dim = _dim_or_axis("stack", dim, axis)
    ts = _tensor_list("stack", tensors)
    if not ts:
        raise RuntimeError("stack expects a non-empty TensorList")
    d = T._dims(dim, ts[0].dim() + 1)[0]
    for i, t in enumerate(ts):
        if t.shape != ts[0].shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(ts[0].shape)} at entry 0 and {list(t.shape)} at entry "
                               f"{i}")
    return T._apply(ops.Stack, tuple(ts), (d, _common_dtype(ts).np))


def where(condition: Tensor, input: Any = T._UNSET, other: Any = T._UNSET) -> Any:  # noqa: A002
    """``input`` where ``condition`` holds, else ``other`` (tensors or numbers, broadcast);
    with the condition alone, the indices of its true elements (``nonzero(as_tuple=True)``).

    Raises:
        RuntimeError: for a condition that is not a bool tensor, or shapes that do not
            broadcast.
    """
    if input is T._UNSET and other is T._UNSET:
        c = np.atleast_1d(np.asarray(condition._data))
        return tuple(T._leaf(i.astype(np.int64)) for i in np.nonzero(c))
    if condition.dtype is not D.bool:
        raise RuntimeError("where expected condition to be a boolean tensor, but got a tensor "
                           f"with dtype {T._SCALAR_NAMES[condition.dtype.name][0]}")
    x, y = (v if isinstance(v, Tensor) else None for v in (input, other))
    if x is not None and y is not None:
        dt = T._result_type(x._data, y._data)
    elif x is not None or y is not None:
        t, c = (x, other) if x is not None else (y, input)
        dt = T._scalar_type(t._data, T._number(c))
    else:
        kinds = [bool if isinstance(v, bool) else float if isinstance(v, float) else int
                 for v in (input, other)]
        dt = (D.get_default_dtype() if float in kinds else D.int64 if int in kinds else D.bool)
    x = x if x is not None else T._wrap(np.asarray(input, dtype=dt.np))
    y = y if y is not None else T._wrap(np.asarray(other, dtype=dt.np))
    c = np.asarray(condition._data)
    s = c.shape
    for t in (x, y):  # broadcast in turn, as PyTorch: its message counts the dims so far
        try:
            s = np.broadcast_shapes(s, tuple(t.shape))
        except ValueError:
            raise T._broadcast_error(s, tuple(t.shape)) from None
    return T._apply(ops.Where, (x, y), (c, dt.np))


def split(tensor: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Views of consecutive pieces along ``dim``: of ``split_size_or_sections`` elements
    each (the last may be shorter), or of the sizes in that list.

    Raises:
        RuntimeError: for a 0-d tensor, a size of 0, or sizes that do not add up.
    """
    if tensor.dim() == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = T._dims(dim, tensor.dim())[0]
    n = tensor.shape[d]
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != n or any(s < 0 for s in sizes):
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} "
                               f"(input tensor's size at dimension {d}), but got "
                               f"split_sizes={sizes}")
        op: type[ops.Op] = ops.SplitWithSizes
    else:
        size = int(split_size_or_sections)
        if size < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got "
                               f"split_size={size}")
        if size == 0 and n != 0:
            raise RuntimeError("split_size can only be 0 if dimension size is 0, but got "
                               f"dimension size of {n}")
        sizes = [min(size, n - s) for s in range(0, n, size)] if size else [0]
        op = ops.Split
    starts = [sum(sizes[:i]) for i in range(len(sizes))]
    return _inplace.several_views(op, tensor, [(slice(None),) * d + (slice(a, a + s),)
                                               for a, s in zip(starts, sizes)])


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    """At most ``chunks`` views of (nearly) equal pieces along ``dim``: ``split`` with pieces
    of ``ceil(size / chunks)`` elements.

    Raises:
        RuntimeError: for ``chunks`` below 1 or a 0-d tensor.
    """
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    if input.dim() == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    n = input.shape[T._dims(dim, input.dim())[0]]
    return split(input, max(math.ceil(n / chunks), 1) if n else 0, dim)


_TENSOR_SPLIT_FORMS = ("tuple of ints indices", "Tensor tensor_indices_or_sections",
                       "int sections")


def _split_points(name: str, how: Any, method: bool) -> Any:
    """``tensor_split``'s second argument as an int (sections) or a list of indices; a
    tensor of integers gives either. ``name`` and ``method`` word PyTorch's TypeError.

    Raises:
        TypeError: for anything but an int, a sequence of ints or an integer tensor.
        RuntimeError: for a tensor of another dtype or of two dims or more.
    """
    if isinstance(how, Tensor):
        if how.dtype is not D.int64:
            raise RuntimeError(f"tensor_split expected tensor_indices_or_sections to have "
                               f"dtype of long, but got {T._SCALAR_NAMES[how.dtype.name][0]}")
        if how.dim() > 1:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to be a "
                               "zero-dimensional or one-dimensional tensor, but got a tensor "
                               f"with {how.dim()} dims")
        return how.item() if how.dim() == 0 else how.tolist()
    if isinstance(how, (int, np.integer)) and not isinstance(how, bool):
        return int(how)
    if isinstance(how, (list, tuple)) and all(isinstance(i, (int, np.integer))
                                              and not isinstance(i, bool) for i in how):
        return [int(i) for i in how]
    got = T._type_name(how)
    if name == "tensor_split":
        forms = [("Tensor input, " if not method else "") + f for f in _TENSOR_SPLIT_FORMS]
        raise TypeError(f"tensor_split() received an invalid combination of arguments - got "
                        f"({'' if method else 'Tensor, '}{got}), but expected one of:\n"
                        + "".join(f" * ({f}, int dim = 0)\n" for f in forms))
    what = got if not isinstance(how, (list, tuple)) else (
        f"{got} of [{', '.join(sorted({T._type_name(i) for i in how}))}]")
    prefix = "" if method else "Tensor input, "
    raise TypeError(f"{name}() received an invalid combination of arguments - got "
                    f"({'' if method else 'Tensor, '}{got}), but expected one of:\n"
                    + "".join(f" * ({prefix}{f})\n      didn't match because some of the "
                              f"arguments have invalid types: ({'' if method else 'Tensor, '}"
                              f"!{what}!)\n" for f in ("int sections", "tuple of ints indices")))


def tensor_split(input: Tensor, indices_or_sections: Any, dim: int = 0  # noqa: A002
                 ) -> tuple[Tensor, ...]:
    """Views of pieces along ``dim``: ``n`` pieces as equal as can be (the first ``size % n``
    one element longer) for an int ``n``, or the pieces between the given indices (each
    one a Python slice, so out-of-range and decreasing indices give short or empty pieces).
    Each piece is a view of its own (``SliceBackward0``), as in PyTorch.

    Raises:
        RuntimeError: for a 0-d tensor, sections below 1, or a tensor of indices that is
            not of integers or has two dims or more.
        TypeError: for a float or a sequence of floats.
    """
    return _tensor_split(input, indices_or_sections, dim, False)


def _tensor_split(input: Tensor, indices_or_sections: Any, dim: int,  # noqa: A002
                  method: bool) -> tuple[Tensor, ...]:
    """:func:`tensor_split`; ``method``: called as ``t.tensor_split``, which PyTorch's
    TypeError words otherwise."""
    how = _split_points("tensor_split", indices_or_sections, method)
    if input.dim() == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a "
                           "tensor with 0 dims")
    d = T._dims(dim, input.dim())[0]
    if isinstance(how, int):
        if how <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {how}")
        size, extra = divmod(input.shape[d], how)
        bounds = [i * size + min(i, extra) for i in range(how + 1)]
        cuts = list(zip(bounds[:-1], bounds[1:]))
    else:
        cuts = list(zip([0, *how], [*how, None]))
    pre = (slice(None),) * d
    return tuple(_inplace.view(ops.Slice, input, pre + (slice(a, b),)) for a, b in cuts)


def _split_along(name: str, dim: int, least: int, input: Tensor,  # noqa: A002
                 indices_or_sections: Any, method: bool) -> tuple[Tensor, ...]:
    """``hsplit``, ``vsplit``, ``dsplit``: :func:`tensor_split` along ``dim``, for a tensor
    of at least ``least`` dims, sections dividing the dim exactly."""
    how = _split_points(name, indices_or_sections, method)
    if input.dim() < least:
        raise RuntimeError(f"torch.{name} requires a tensor with at least {least} dimension, "
                           f"but got a tensor with {input.dim()} dimensions!")
    if isinstance(how, int) and (how == 0 or input.shape[dim] % how):
        raise RuntimeError(f"torch.{name} attempted to split along dimension {dim}, but the "
                           f"size of the dimension {input.shape[dim]} is not divisible by the "
                           f"split_size {how}!")
    return tensor_split(input, how, dim)


def hsplit(input: Tensor, indices_or_sections: Any) -> tuple[Tensor, ...]:  # noqa: A002
    """:func:`tensor_split` along dim 1 (dim 0 of a 1-D tensor), into equal pieces."""
    return _split_along("hsplit", 0 if input.dim() == 1 else 1, 1, input,
                        indices_or_sections, False)


def vsplit(input: Tensor, indices_or_sections: Any) -> tuple[Tensor, ...]:  # noqa: A002
    """:func:`tensor_split` along dim 0 of a tensor of 2 dims or more, into equal pieces."""
    return _split_along("vsplit", 0, 2, input, indices_or_sections, False)


def dsplit(input: Tensor, indices_or_sections: Any) -> tuple[Tensor, ...]:  # noqa: A002
    """:func:`tensor_split` along dim 2 of a tensor of 3 dims or more, into equal pieces."""
    return _split_along("dsplit", 2, 3, input, indices_or_sections, False)


def split_with_sizes(input: Tensor, split_sizes: Sequence[int], dim: int = 0  # noqa: A002
                     ) -> tuple[Tensor, ...]:
    """:func:`split` into pieces of the given sizes."""
    return split(input, list(split_sizes), dim)


def flip(input: Tensor, dims: Any) -> Tensor:  # noqa: A002
    """A copy with the elements' order reversed along each of ``dims``.

    Raises:
        RuntimeError: for a dim given twice.
    """
    ds = T._dims(dims, input.dim())
    for i, d in enumerate(ds):
        if d in ds[:i]:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return T._apply(ops.Flip, (input,), ds if input.dim() else ())


def _gather_key(name: str, t: Tensor, dim: int, index: Tensor) -> tuple[int, tuple]:
    """The dim and the NumPy index of ``t.gather(dim, index)``/``scatter``, after
    PyTorch's checks of ``index``."""
    if not isinstance(index, Tensor) or index.dtype not in (D.int32, D.int64):
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index")
    d = T._dims(dim, t.dim())[0]
    if index.dim() != t.dim() and index.numel():
        raise RuntimeError("Index tensor must have the same number of dimensions as input "
                           "tensor")
    idx = np.asarray(index._data)
    for k in range(idx.ndim):
        if k != d and idx.shape[k] > t.shape[k]:
            raise RuntimeError(f"Size does not match at dimension {k} expected index "
                               f"{list(idx.shape)} to be no larger than self {list(t.shape)} "
                               f"apart from dimension {d}")
    size = t.shape[d] if t.dim() else 1
    bad = idx[(idx < 0) | (idx >= size)]
    if bad.size:
        raise RuntimeError(f"index {bad.flat[0]} is out of bounds for dimension {d} with "
                           f"size {size}")
    if t.dim() == 0:
        return d, ()
    grid = list(np.indices(idx.shape, sparse=True))
    grid[d] = idx
    return d, tuple(grid)


def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:  # noqa: A002
    """``out[i][j] = input[i][index[i][j]]`` (for ``dim=1``): the elements picked along
    ``dim`` by ``index``, of ``index``'s shape."""
    _, key = _gather_key("gather", input, dim, index)
    return T._apply(ops.Gather, (input,), key)


def scatter(input: Tensor, dim: int, index: Tensor, src: Any = T._UNSET, *,  # noqa: A002
            value: Any = T._UNSET, reduce: str | None = None) -> Tensor:
    """A copy of ``input`` with ``out[i][index[i][j]] = src[i][j]`` (for ``dim=1``);
    ``src`` may be a tensor or a number (``value=``). ``reduce='add'`` or ``'multiply'``
    adds or multiplies ``src`` into those elements instead (with no derivative, as PyTorch).

    Raises:
        RuntimeError: for another ``reduce``, or index and dtype errors, as PyTorch.
    """
    if src is T._UNSET:
        src = value
    if reduce is not None:  # (PyTorch checks the dtypes, then reduce, then the index)
        if isinstance(src, Tensor) and src.dtype is not input.dtype:
            raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
        if reduce not in ("add", "multiply"):
            raise RuntimeError("reduce argument must be either add or multiply.")
        _, key = _gather_key("scatter", input, dim, index)
        used = tuple(slice(0, n) for n in np.shape(index._data))
        if isinstance(src, Tensor):
            return T._apply(ops.ScatterReduce, (input, src), (key, used, reduce, None))
        return T._apply(ops.ScatterReduce, (input,), (key, used, reduce, src))
    _, key = _gather_key("scatter", input, dim, index)
    if isinstance(src, Tensor):
        if src.dtype is not input.dtype:
            raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
        used = tuple(slice(0, n) for n in np.shape(index._data))
        return T._apply(ops.Scatter, (input, src), (key, used))
    return T._apply(ops.ScatterValue, (input,), (key, src))


def _scatter_(self: Tensor, dim: int, index: Tensor, src: Any = T._UNSET, *,
              value: Any = T._UNSET, reduce: str | None = None) -> Tensor:
    """``scatter`` in place (e.g. one-hot rows: ``zeros(n, k).scatter_(1, y[:, None], 1)``)."""
    if src is T._UNSET:
        src = value
    reads = (src,) if isinstance(src, Tensor) else ()
    return _inplace.apply(self, lambda s: scatter(s, dim, index, src, reduce=reduce), reads,
                          cast=False)


def _split(self: Tensor, split_size: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Views of consecutive pieces along ``dim`` (see :func:`split`)."""
    return split(self, split_size, dim)


def _where(self: Tensor, condition: Tensor, other: Any) -> Tensor:
    """``self`` where ``condition`` holds, else ``other``."""
    return where(condition, self, other)


def _flip(self: Tensor, *dims: Any) -> Tensor:
    """A copy with the order reversed along ``dims`` (``t.flip(0)``, ``t.flip((0, 1))``)."""
    return flip(self, T._shape_arg(dims) if dims else dims)


Tensor.split = _split
Tensor.split_with_sizes = split_with_sizes
Tensor.tensor_split = lambda self, indices_or_sections, dim=0: _tensor_split(
    self, indices_or_sections, dim, True)
Tensor.hsplit = lambda self, indices_or_sections: _split_along(
    "hsplit", 0 if self.dim() == 1 else 1, 1, self, indices_or_sections, True)
Tensor.vsplit = lambda self, indices_or_sections: _split_along(
    "vsplit", 0, 2, self, indices_or_sections, True)
Tensor.dsplit = lambda self, indices_or_sections: _split_along(
    "dsplit", 2, 3, self, indices_or_sections, True)
Tensor.chunk = chunk
Tensor.flip = _flip
Tensor.gather = gather
Tensor.scatter = scatter
Tensor.scatter_ = _scatter_
Tensor.where = _where
