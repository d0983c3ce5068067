"""``torch.linalg``: the norms (:func:`vector_norm`, and :func:`norm` for vector norms and
the matrix norms ``'fro'``, 1, -1, inf and -inf) and :func:`solve` for linear systems."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import _tensor as T
from . import ops
from ._reductions import amax, amin, vector_norm
from ._tensor import _SCALAR_NAMES, Tensor, _apply

__all__ = ["norm", "vector_norm", "matrix_norm", "solve", "LinAlgError"]


class _LinAlgError(RuntimeError):
    """What PyTorch raises for a matrix it cannot factor (a singular one, for ``solve``);
    PyTorch's class has this name, ``torch.linalg.LinAlgError`` is the same class."""


LinAlgError = _LinAlgError


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


def matrix_norm(A: Tensor, ord: Any = "fro", dim: Any = (-2, -1),  # noqa: A002, N803
                keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """The matrix norm of ``A`` (of each matrix over the two dims ``dim``): ``'fro'``, and
    1, -1, inf, -inf (see :func:`norm`).

    Raises:
        RuntimeError: with PyTorch's message for arguments it refuses (other orders, a
            ``dim`` that is not two different dims, fewer than 2 dims, integers).
        NotImplementedError: for the orders of singular values (``'nuc'``, 2, -2).
    """
    if A.dim() < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 "
                           "dimensions.")
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    if len(dims) != 2:
        raise RuntimeError("linalg.matrix_norm: dim must be a 2-tuple. Got "
                           + " ".join(str(d) for d in dims))
    d0, d1 = (T._dims(d, A.dim())[0] for d in dims)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dims[0]}, "
                           f"{dims[1]})")
    if ord not in ("fro", "nuc", 1, -1, 2, -2, math.inf, -math.inf):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    if dtype is None and not A.dtype.is_floating_point:
        raise RuntimeError("linalg.matrix_norm: Expected a floating point or complex tensor as "
                           f"input. Got {_SCALAR_NAMES[A.dtype.name][0]}")
    return norm(A, ord, dims, keepdim, dtype=dtype)


# --------------------------------------------------------------------------------------
# Linear systems
# --------------------------------------------------------------------------------------
def _solve_raw(a: np.ndarray, b: np.ndarray, vector: bool) -> np.ndarray:
    """``A^-1 B`` on arrays, ``B`` a stack of vectors if ``vector`` else of matrices."""
    if vector:
        return np.linalg.solve(a, b[..., None])[..., 0]
    return np.linalg.solve(a, b)


def _outer_last(u: object, v: object) -> object:
    """``u[..., i] * v[..., j]``: the outer product of the last dims, on arrays or Tensors."""
    if isinstance(u, np.ndarray):
        return u[..., :, None] * v[..., None, :]
    return u.unsqueeze(-1) * v.unsqueeze(-2)


class Solve(ops.Op):
    """``X = A^-1 B``, the solution of ``A X = B`` (ctx: whether B is a stack of vectors).

    Backward: the adjoint of ``B`` solves the transposed system, ``gB = A^-T g``, and
    ``gA = -gB X^T`` (an outer product for vectors). Tangent: ``dX = A^-1 (dB - dA X)``.
    The rule reads ``A`` and ``X``, as PyTorch's saves its factors and result.
    """

    name = "LinalgSolveExBackward0"
    keeps = "in+out"

    @classmethod
    def saved(cls, needs: tuple[bool, ...]) -> tuple[tuple[int, ...], bool]:
        return (0,), True

    @staticmethod
    def forward(vector, a, b):
        return _solve_raw(a, b, vector)

    @staticmethod
    def backward(vector, g, out, a, b):
        if isinstance(g, np.ndarray):
            gb = _solve_raw(ops.mT(a), g, vector)
            ga = -_outer_last(gb, out) if vector else -(gb @ ops.mT(out))
        elif vector:  # recorded as PyTorch's: the vectors taken as columns
            gb = solve(a.mT, g.unsqueeze(-1))
            ga, gb = -(gb @ out.unsqueeze(-1).mT), gb.squeeze(-1)
        else:
            gb = solve(a.mT, g)
            ga = -(gb @ out.mT)
        return ops.sum_to(ga, a), ops.sum_to(gb, b)

    @staticmethod
    def jvp(vector, t, out, a, b):  # dX = A^-1 (dB - dA X)
        ta, tb = t
        da_x = None if ta is None else (ta @ out[..., None])[..., 0] if vector else ta @ out
        return _solve_raw(a, ops.tsum(tb, None if da_x is None else -da_x), vector)


def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:  # noqa: N803 - PyTorch's names
    """The solution ``X`` of ``A X = B`` (``X A = B`` with ``left=False``), as PyTorch's.

    ``A`` is a square matrix or a batch of them; ``B`` a matrix or a vector (a 1-D ``B``, or
    one with ``A``'s batch shape and ``n`` elements), batches broadcast.

    Raises:
        RuntimeError: with PyTorch's messages for shapes and dtypes it refuses.
        LinAlgError: for a singular ``A``, with PyTorch's message.
    """
    if not left:  # X A = B is A^T X^T = B^T
        if A.dim() >= 2 and B.dim() >= 2 and A.shape[-1] != B.shape[-1]:
            raise RuntimeError("linalg.solve: Incompatible shapes of A and B for the equation "
                               f"XA = B ({A.shape[-2]}x{A.shape[-1]} and "
                               f"{B.shape[-2]}x{B.shape[-1]})")
        return solve(A.mT, B.mT).mT
    if A.dim() < 2:
        raise RuntimeError("linalg.solve: The input tensor A must have at least 2 dimensions.")
    if not A.dtype.is_floating_point:
        raise RuntimeError("linalg.solve: Expected a floating point or complex tensor as input. "
                           f"Got {_SCALAR_NAMES[A.dtype.name][0]}")
    n, m = A.shape[-2], A.shape[-1]
    if n != m:
        raise RuntimeError(f"linalg.solve: A must be batches of square matrices, but they are "
                           f"{n} by {m} matrices")
    if A.dtype is not B.dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found A "
                           f"of type {_SCALAR_NAMES[A.dtype.name][0]} and B of type "
                           f"{_SCALAR_NAMES[B.dtype.name][0]} instead")
    vector = B.dim() == 1 or (B.dim() == A.dim() - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    rows = B.shape[-1] if vector else B.shape[-2] if B.dim() >= 2 else None
    if rows != n:
        cols = 1 if vector or B.dim() < 2 else B.shape[-1]
        raise RuntimeError("linalg.solve: Incompatible shapes of A and B for the equation AX = B "
                           f"({n}x{n} and {B.shape[-1] if B.dim() < 2 else rows}x{cols})")
    np.broadcast_shapes(A.shape[:-2], B.shape[:-1] if vector else B.shape[:-2])  # torch's error
    try:
        return _apply(Solve, (A, B), vector)
    except np.linalg.LinAlgError:
        _singular_error(np.asarray(A._data))
        raise


def _singular_error(a: np.ndarray) -> None:
    """Raise PyTorch's LinAlgError for the first singular matrix of the stack ``a`` (NumPy
    says only that one is)."""
    flat = a.reshape(-1, *a.shape[-2:])
    for k, m in enumerate(flat):
        try:
            np.linalg.solve(m, np.zeros(m.shape[-1], m.dtype))
        except np.linalg.LinAlgError:
            where = f"(Batch element {k}): " if a.ndim > 2 else ""
            raise _LinAlgError(f"torch.linalg.solve: {where}The solver failed because the input "
                              "matrix is singular.") from None
