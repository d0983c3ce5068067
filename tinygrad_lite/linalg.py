"""``torch.linalg``'s norms: :func:`vector_norm`, and :func:`norm` for vector norms and the
Frobenius norm of matrices."""

from __future__ import annotations

import math
from typing import Any

from ._reductions import vector_norm
from ._tensor import Tensor

__all__ = ["norm", "vector_norm"]


def norm(A: Tensor, ord: Any = None, dim: Any = None, keepdim: bool = False, *,  # noqa: A002, N803
         dtype: Any = None) -> Tensor:
    """The vector norm of ``A`` over ``dim`` (an int), or the matrix norm over two dims.

    With ``ord=None`` this is the 2-norm of all the elements (over ``dim`` if given);
    ``ord='fro'`` is the Frobenius norm of matrices (the 2-norm of their elements). A
    number ``ord`` is a vector norm of a 1-D ``A`` or over one dim.

    Raises:
        RuntimeError: with PyTorch's message for arguments it refuses.
        NotImplementedError: for the matrix norms other than ``'fro'`` (``'nuc'``, 1, 2,
            inf, ...), which tinygrad_lite does not have.
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
    if ord != "fro":
        if ord not in ("nuc", 1, -1, 2, -2, math.inf, -math.inf):
            raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
        raise NotImplementedError(f"linalg.norm: the matrix norm of order {ord!r} is not "
                                  "available in tinygrad_lite (only 'fro' is)")
    return vector_norm(A, 2, dims if dims is not None else (-2, -1), keepdim, dtype=dtype)
