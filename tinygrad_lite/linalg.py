"""``torch.linalg``: the norms (:func:`vector_norm`, :func:`matrix_norm`, and :func:`norm`
for both), the singular values (:func:`svdvals`) and :func:`solve` for linear systems."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import _tensor as T
from . import ops
from ._reductions import amax, amin, vector_norm
from ._tensor import _SCALAR_NAMES, Tensor, _apply

__all__ = ["norm", "vector_norm", "matrix_norm", "svdvals", "solve", "LinAlgError"]


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

    Matrix norms: ``'fro'``; 1, -1, inf, -inf (the largest or smallest column or row sum
    of absolute values); ``'nuc'``, 2, -2 (the sum, the largest or the smallest of the
    singular values, :func:`svdvals`).

    Raises:
        RuntimeError: with PyTorch's message for arguments it refuses.
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
    # as PyTorch: the two dims moved last, the singular values, then their sum, largest
    # or smallest; keepdim puts the two dims back
    nd = A.dim()
    d0, d1 = (d % nd for d in (d0, d1))
    order = [d for d in range(nd) if d not in (d0, d1)] + [d0, d1]
    sv = svdvals(A.permute(*order) if dtype is None else A.permute(*order).to(dtype))
    r = sv.sum(-1) if ord == "nuc" else (amax if ord == 2 else amin)(sv, -1)
    if keepdim:
        back = [order.index(d) for d in range(nd)]
        r = r.unsqueeze(-1).unsqueeze(-1).permute(*back)
    return r


def matrix_norm(A: Tensor, ord: Any = "fro", dim: Any = (-2, -1),  # noqa: A002, N803
                keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """The matrix norm of ``A`` (of each matrix over the two dims ``dim``): ``'fro'``,
    ``'nuc'``, 1, -1, 2, -2, inf, -inf (see :func:`norm`).

    Raises:
        RuntimeError: with PyTorch's message for arguments it refuses (other orders, a
            ``dim`` that is not two different dims, fewer than 2 dims, integers).
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
# Singular values
# --------------------------------------------------------------------------------------
# The reduced SVD A = U S V^T (U: m x k, V: n x k, k = min(m, n)), with P = U^T dA V and
# F_ij = 1 / (s_j^2 - s_i^2) off the diagonal, 0 on it, moves by (Townsend, "Differentiating
# the Singular Value Decomposition", 2016):
#   dS = diag(P)
#   dU = U (F o (P S + S P^T)) + (I - U U^T) dA V S^-1
#   dV = V (F o (S P + P^T S)) + (I - V V^T) dA^T U S^-1
# and the adjoint of the singular vectors' part, for adjoints gU and gV, is
#   gA = U [(F o (U^T gU - gU^T U)) S + S (F o (V^T gV - gV^T V))] V^T
#        + (I - U U^T) gU S^-1 V^T + U S^-1 gV^T (I - V V^T).
# Every quantity below is a product U diag(.) V^T or comes from P, so the signs NumPy
# picks for the singular vectors cancel.
def _svd(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """U, S and V (not V^T) of the reduced SVD of each matrix of ``a``."""
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return u, s, ops.mT(vh)


def _gaps(s: np.ndarray) -> np.ndarray:
    """F: 1 / (s_j^2 - s_i^2) off the diagonal, 0 on it (inf for equal singular values)."""
    s2 = s * s
    with np.errstate(divide="ignore"):
        f = 1 / (s2[..., None, :] - s2[..., :, None])
    k = s.shape[-1]
    f[..., range(k), range(k)] = 0
    return f


def _u_g_vt(u: np.ndarray, g: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``U diag(g) V^T`` for each matrix of the stacks."""
    return (u * g[..., None, :]) @ ops.mT(v)


class Svdvals(ops.Op):
    """``S``: the singular values of ``A``, largest first.

    Backward: ``gA = U diag(g) V^T`` (each singular value moves by ``u_i^T dA v_i``),
    recorded for a second derivative as :class:`SvdvalsGrad`. Tangent: ``dS = diag(P)``.
    """

    name = "LinalgSvdBackward0"

    @staticmethod
    def forward(ctx, a):
        if 0 in a.shape[-2:]:
            return np.zeros(a.shape[:-2] + (0,), a.dtype)
        return np.linalg.svd(a, compute_uv=False)

    @staticmethod
    def backward(ctx, g, out, a):
        if isinstance(g, ops._RAW):
            return SvdvalsGrad.forward(ctx, g, a)
        return _apply(SvdvalsGrad, (g, a), ctx)

    @staticmethod
    def jvp(ctx, t, out, a):
        u, s, v = _svd(a)
        return np.einsum("...mi,...mn,...ni->...i", u, t, v)


def _svdvals_grad_adjoints(y: np.ndarray, g: np.ndarray, a: np.ndarray
                           ) -> tuple[np.ndarray, np.ndarray]:
    """The adjoints of g and of A for an adjoint ``y`` of :class:`SvdvalsGrad`'s result:
    ``diag(U^T Y V)``, and the singular vectors' part for ``gU = Y V diag(g)``,
    ``gV = Y^T U diag(g)``."""
    u, s, v = _svd(a)
    gg = np.einsum("...mi,...mn,...ni->...i", u, y, v)
    gu, gv = (y @ v) * g[..., None, :], (ops.mT(y) @ u) * g[..., None, :]
    f = _gaps(s)
    ut_gu, vt_gv = ops.mT(u) @ gu, ops.mT(v) @ gv
    core = (f * (ut_gu - ops.mT(ut_gu))) * s[..., None, :] + s[..., :, None] * (
        f * (vt_gv - ops.mT(vt_gv)))
    with np.errstate(divide="ignore", invalid="ignore"):
        ga = u @ core @ ops.mT(v) + ((gu - u @ ut_gu) / s[..., None, :]) @ ops.mT(v) + u @ (
            ops.mT(gv - v @ vt_gv) / s[..., :, None])
    return ops.sum_to(gg, g), ga


_THIRD = ("the third derivative of singular values (linalg.svdvals and the 'nuc', 2 and -2 "
          "matrix norms) is not available in tinygrad_lite")


class SvdvalsGradAdjoint(ops.Op):
    """One of :func:`_svdvals_grad_adjoints` (ctx: 0 for g's, 1 for A's) of (y, g, A), as
    a record: a second derivative taken with ``create_graph=True`` works, and a third,
    which would need it differentiated, is refused."""

    name = "LinalgSvdBackwardBackward0"

    @staticmethod
    def forward(ctx, y, g, a):
        return _svdvals_grad_adjoints(y, g, a)[ctx]

    @staticmethod
    def backward(ctx, z, out, y, g, a):
        raise NotImplementedError(_THIRD)

    @classmethod
    def jvp(cls, ctx, t, out, y, g, a):
        raise NotImplementedError(_THIRD)


class SvdvalsGrad(ops.Op):
    """``U diag(g) V^T`` for the SVD of ``A``: the gradient of the singular values, of
    (g, A), as a record of its own (its derivatives are those of the singular vectors: see
    the comment above :func:`_svd`; a third derivative is refused,
    :class:`SvdvalsGradAdjoint`)."""

    name = "LinalgSvdBackwardBackward0"

    @staticmethod
    def forward(ctx, g, a):
        if 0 in a.shape[-2:]:
            return np.zeros(a.shape, a.dtype)
        u, s, v = _svd(a)
        return _u_g_vt(u, g, v)

    @staticmethod
    def backward(ctx, y, out, g, a):
        if isinstance(y, ops._RAW):
            return _svdvals_grad_adjoints(y, g, a)
        return tuple(_apply(SvdvalsGradAdjoint, (y, g, a), i) for i in (0, 1))

    @staticmethod
    def jvp(ctx, t, out, g, a):
        tg, ta = t
        u, s, v = _svd(a)
        d = None if tg is None else _u_g_vt(u, tg, v)
        if ta is not None:
            f = _gaps(s)
            p = ops.mT(u) @ ta @ v
            with np.errstate(divide="ignore", invalid="ignore"):
                du = u @ (f * (p * s[..., None, :] + s[..., :, None] * ops.mT(p))) + (
                    ta @ v - u @ p) / s[..., None, :]
                dv = v @ (f * (s[..., :, None] * p + ops.mT(p) * s[..., None, :])) + (
                    ops.mT(ta) @ u - v @ ops.mT(p)) / s[..., None, :]
            dd = _u_g_vt(du, g, v) + _u_g_vt(u, g, dv)
            d = dd if d is None else d + dd
        return d


def svdvals(A: Tensor, *, driver: Any = None, out: Any = None) -> Tensor:  # noqa: N803
    """The singular values of each matrix of ``A`` (its last two dims), largest first.

    Raises:
        RuntimeError: with PyTorch's messages for fewer than 2 dims or an integer ``A``.
    """
    if out is not None:
        raise TypeError("linalg.svdvals: out= is not supported by tinygrad_lite")
    if A.dim() < 2:
        raise RuntimeError("linalg.svd: The input tensor A must have at least 2 dimensions.")
    if not A.dtype.is_floating_point:
        raise RuntimeError("linalg.svd: Expected a floating point or complex tensor as input. "
                           f"Got {_SCALAR_NAMES[A.dtype.name][0]}")
    return _apply(Svdvals, (A,), None)


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
