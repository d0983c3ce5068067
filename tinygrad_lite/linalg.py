"""``torch.linalg``'s norms: :func:`vector_norm`, and :func:`norm` for vector norms and the
matrix norms ``'fro'``, 1, -1, inf and -inf."""

from __future__ import annotations

import math
from typing import Any

from ._reductions import amax, amin, vector_norm
from ._tensor import Tensor

__all__ = ["norm", "vector_norm"]


def norm(A: Tensor, ord: Any = None, dim: Any = None, keepdim: bool = False, *,  # noqa: A002, N803
         dtype: Any = None) -> Tensor:
    """The vector norm of ``A`` over ``dim`` (an int), or the matrix norm over two dims.

    With ``ord=None`` this is the 2-norm of all the elements (over ``dim`` if given);
    ``ord='fro'`` is the Frobenius norm of matrices (the 2-norm of their elements). A
    number ``ord`` is a vector norm of a 1-D ``A`` or over one dim, a matrix norm of a 2-D
    ``A`` or over two dims.

    Matrix norms: ``'fro'``, and 1, -1, inf, -inf (the largest or smallest column or row
    sum of absolute values).

    Raises:
        RuntimeError: with PyTorch's message for arguments it refuses.
        NotImplementedError: for the matrix norms of singular values (``'nuc'``, 2, -2),
            which tinygrad_lite does not have.
    """
    dims = None if dim is None else (dim,) if isinstance(dim, int) else tuple(dim)
    if dims is not None and len(dims) not in (1, 2):
        raise RuntimeError("linalg.norm: If dim is specified, it must be of length 1 or 2. "
                           f"Got {list(dims)}")
    if ord is None:
        return vector_norm(A, 2, dims, keepdim, dtype=dtype)
    matrix = isinstance(ord, str) or (dims is None and A.dim() == 2) or (
        dims is not None and len(dims) == 2)
    if dims is None and not isinstance(ord, str) and A.dim() not in (1, 2):
        raise RuntimeError("linalg.norm: If dim is not specified but ord is, the input must be "
                           f"1D or 2D. Got {A.dim()}D.")
    if not matrix:
        return vector_norm(A, ord, dims, keepdim, dtype=dtype)
    if A.dim() < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 "
                           "dimensions.")
    d0, d1 = dims if dims is not None else (-2, -1)
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim, dtype=dtype)
    if ord in (1, -1, math.inf, -math.inf):  # as PyTorch: column (row) 1-norms, then the
        if ord in (math.inf, -math.inf):  # largest or smallest of them
            d0, d1 = d1, d0
        d0, d1 = (d % A.dim() for d in (d0, d1))
        if not keepdim and d0 < d1:
            d1 -= 1
        sums = vector_norm(A, 1, d0, keepdim, dtype=dtype)
        return (amax if ord > 0 else amin)(sums, d1, keepdim)
    if ord not in ("nuc", 2, -2):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    raise NotImplementedError(f"linalg.norm: the matrix norm of order {ord!r} (singular "
                              "values) is not available in tinygrad_lite")
