"""PyTorch's order of additions in a float32 ``sum`` on the CPU, for its bits.

PyTorch's CPU sum (``cascade_sum`` in ``ReduceOps/SumKernel.cpp``) does not add left to
right, nor pairwise as NumPy does: it keeps four interleaved partial sums, which it adds in
chunks of at least 16 terms ("levels"), eight lanes at a time when the summed elements lie
next to each other in memory (its AVX2 kernel, which it also runs on AVX-512 machines).
Float32 additions round, so another order changes the last bits, and a training loop that
prints its losses drifts from PyTorch's print after a few steps.

:func:`torch_sum` takes that order for a C-contiguous float32 array reduced over all of its
dims, over its last dims or over its first dims (the layouts that PyTorch's iterator turns
into one 2-D loop; checked bit for bit against torch 2.13 with one thread in
``tests/test_sum_order.py``). Any other case answers None: the caller keeps NumPy's sum.
"""

from __future__ import annotations

import math

import numpy as np

_F32 = np.dtype(np.float32)
VEC = 8  # floats in one of the kernel's vectors (AVX2)
ILP = 4  # interleaved partial sums
# The order in which ``row_sum`` adds the n < 8 terms of a short row: the first of each of
# the 4 partial sums, the terms left over (added to the first), then the other 3.
_SHORT = [np.array(list(range(n)) if n < ILP else [0, *range(ILP, n), 1, 2, 3])
          for n in range(VEC)]


def _seq(terms: np.ndarray) -> np.ndarray:
    """The sum over axis 0 of ``terms`` (terms, lanes), left to right, for each lane.

    ``add.reduce`` adds whole rows in turn when the summed axis is not the innermost one of
    a C-contiguous array (checked in the tests); otherwise (one lane, a transposed view) it
    may add pairwise, and ``add.accumulate``, which never reorders, is used.
    """
    if terms.shape[1] > 1 and terms.flags.c_contiguous:
        return np.add.reduce(terms, axis=0)
    return np.add.accumulate(terms, axis=0)[-1]


def _multi_row_sum(rows: np.ndarray) -> np.ndarray:
    """PyTorch's ``multi_row_sum``: the sum over axis 0 of ``rows`` (terms, lanes >= 2),
    each lane by itself, in chunks of ``2**p`` terms (``p = max(4, ceil(log2(terms)) //
    4)``), whose sums are added in chunks of ``2**p`` again, for 4 levels."""
    rows = np.ascontiguousarray(rows)
    size, lanes = rows.shape
    step = 1 << max(4, (size - 1).bit_length() // 4)
    if size < step:  # one level: the others hold zeros
        return _seq(rows)
    acc = []  # acc[j]: level j's running sum as the kernel leaves it (its last chunk's)
    level = rows
    for _ in range(3):
        n = level.shape[0] // step
        if level.shape[0] > n * step:
            acc.append(_seq(level[n * step:]))
        if not n:
            break
        level = np.add.reduce(level[:n * step].reshape(n, step, lanes), axis=1)
    else:
        acc.append(_seq(level))
    total = np.zeros(lanes, _F32)
    for a in acc:
        total = total + a
    return total


def _row_sum(x: np.ndarray) -> np.ndarray:
    """PyTorch's ``row_sum``: the sum over axis 0 of ``x`` (terms, lanes), each lane by
    itself, as four interleaved partial sums (``x[0::4]``, ``x[1::4]``, ...) with the terms
    left over added to the first, then the four added in turn."""
    size, lanes = x.shape
    m = size // ILP
    if not m:
        return _seq(x)
    parts = _multi_row_sum(x[:m * ILP].reshape(m, ILP * lanes)).reshape(ILP, lanes)
    return _seq(np.concatenate((parts[:1], x[m * ILP:], parts[1:])))


def _inner_sums(x: np.ndarray) -> np.ndarray:
    """The sums of the rows of ``x`` (rows, n), each as PyTorch adds contiguous terms."""
    rows, n = x.shape
    if n < VEC:
        return _seq(x[:, _SHORT[n]].T)
    nv = n // VEC
    body = x[:, :nv * VEC].reshape(rows, nv, VEC).transpose(1, 0, 2).reshape(nv, rows * VEC)
    partials = _row_sum(body).reshape(rows, VEC)
    return _seq(np.concatenate((x[:, nv * VEC:], partials), axis=1).T)


def _outer_sums(x: np.ndarray) -> np.ndarray:
    """The sums of the columns of ``x`` (n, columns), as PyTorch adds strided terms: the
    columns in whole groups of 32 (4 when there are fewer than 8) by ``multi_row_sum``,
    the others by ``row_sum`` (each column's order depends only on which of the two)."""
    cols = x.shape[1]
    wide = ILP * VEC if cols >= VEC else ILP
    j = cols - cols % wide
    out = np.empty(cols, _F32)
    if j:
        out[:j] = _multi_row_sum(x[:, :j])
    if j < cols:
        out[j:] = _row_sum(x[:, j:])
    return out


def torch_sum(x: np.ndarray, dims: tuple[int, ...] | None) -> np.ndarray | None:
    """``x`` summed over ``dims`` (None: all) in PyTorch's float32 order, without the
    reduced dims; None where that order is not reproduced (another dtype, a layout other
    than C-contiguous, reduced dims that do not sit together at one end, or nothing to
    add: NumPy's answer is then the same or the caller's business)."""
    if x.dtype != _F32 or not x.flags.c_contiguous or not x.size:
        return None
    shape = x.shape
    if dims is None or len(dims) == len(shape):
        r = _inner_sums(x.reshape(1, x.size))[0]
        return np.asarray(r + np.float32(0))  # (the kernel adds its sum to a 0)
    nd = len(shape)
    reduced = {d % nd for d in dims}
    # PyTorch's iterator drops the dims of size 1 and merges neighbours of one kind
    kinds = [i in reduced for i in range(nd) if shape[i] != 1]
    if True not in kinds:
        return None
    out_shape = tuple(n for i, n in enumerate(shape) if i not in reduced)
    if False not in kinds:  # all the terms in one run
        return (_inner_sums(x.reshape(1, x.size))[0] + np.float32(0)).reshape(out_shape)
    split = kinds.index(not kinds[0])
    if kinds[0] in kinds[split:]:
        return None  # kept and reduced dims interleaved: another loop
    kept = math.prod(out_shape)
    if kinds[0]:  # the reduced dims lead: columns summed
        r = _outer_sums(x.reshape(x.size // kept, kept))
    else:  # the reduced dims trail: rows summed
        r = _inner_sums(x.reshape(kept, x.size // kept))
    return (r + np.float32(0)).reshape(out_shape)


def sum_array(x: np.ndarray, dims: tuple[int, ...] | None = None,
              keepdims: bool = False) -> np.ndarray:
    """``np.sum(x, axis=dims, keepdims=keepdims)``, in PyTorch's order where
    :func:`torch_sum` knows it."""
    r = torch_sum(x, dims) if x.dtype == _F32 else None
    if r is None:
        return np.add.reduce(x, axis=dims, keepdims=keepdims)
    if keepdims:
        nd = x.ndim
        reduced = range(nd) if dims is None else {d % nd for d in dims}
        r = r.reshape(tuple(1 if i in reduced else n for i, n in enumerate(x.shape)))
    return r


def mean_array(x: np.ndarray, dims: tuple[int, ...] | None = None,
               keepdims: bool = False) -> np.ndarray:
    """``np.mean(x, axis=dims, keepdims=keepdims)``; in float32, PyTorch's sum (in its
    order where :func:`torch_sum` knows it) divided by the count, as PyTorch's CPU mean."""
    if x.dtype != _F32:
        return np.mean(x, axis=dims, keepdims=keepdims)
    n = x.size if dims is None else math.prod(x.shape[d] for d in dims)
    return np.divide(sum_array(x, dims, keepdims), np.float32(n), dtype=_F32)


def nll_sums(values: np.ndarray, kept: np.ndarray,
             weights: np.ndarray | None = None) -> tuple[np.float32, np.float32]:
    """The sum of ``-values`` over the kept samples, and of their ``weights`` (None: their
    count), in the order of PyTorch's float32 ``nll_loss`` (``nll_loss_out_frame``).

    It keeps 8 partial sums ("levels"): each sample b goes into level 0, and after it,
    where b is a multiple of 16 (of 2**p for batches of more than 2**32: p = max(4,
    ceil(log2(n)) // 8)), level 0 is added into level 1 and cleared; where b is a multiple
    of 16**2, level 1 then into level 2 too, and so on (sample 0 goes up to level 7). An
    ignored sample is skipped, its index included. The levels are added in turn at the end.
    """
    n = len(values)
    power = max(4, (n - 1).bit_length() // 8) if n > 1 else 4
    mask = (1 << power) - 1
    zero = _F32.type(0)
    loss = [zero] * 8
    wsum = [zero] * 8
    for b in np.flatnonzero(kept).tolist():
        loss[0] = loss[0] - values[b]
        if weights is not None:
            wsum[0] = wsum[0] + weights[b]
        for j in range(7):
            if b & (mask << (j * power)):
                break
            loss[j + 1] = loss[j + 1] + loss[j]
            wsum[j + 1] = wsum[j + 1] + wsum[j]
            loss[j] = wsum[j] = zero
    total = zero
    for v in loss:
        total = total + v
    if weights is None:
        return total, _F32.type(int(np.count_nonzero(kept)))
    wtotal = zero
    for v in wsum:
        wtotal = wtotal + v
    return total, wtotal
