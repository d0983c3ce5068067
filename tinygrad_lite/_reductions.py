"""More reductions: ``var``, ``std``, ``norm`` (and :mod:`tinygrad_lite.linalg`'s
``vector_norm``), ``logsumexp``, ``prod``, ``cumsum``, ``cumprod``, ``all`` and ``any``, as
methods of :class:`~tinygrad_lite.Tensor` and as module functions, with PyTorch's dtype rules and
messages.

The primitives (forward and backward rules) are in :mod:`tinygrad_lite.ops`; this module
checks the arguments and records them. The methods are attached to the Tensor class at the
end of the module.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from . import _dtype as D
from . import _tensor as T
from . import ops
from ._tensor import _UNSET, Tensor


def _dims_or_all(dim: Any, t: Tensor) -> tuple[int, ...] | None:
    """``dim`` (an int, a sequence, or None for every dim) as a tuple of dims, None for all."""
    if dim is None or t.dim() == 0:
        if dim is not None:
            T._dims(dim, 0)  # (the range check)
        return None
    dims = T._reduction_dims(dim, t.dim())
    return dims or None


def _var(name: str, t: Tensor, dim: Any, unbiased: Any, keepdim: bool,
         correction: Any) -> Any:
    """``var``/``std``/``var_mean``/``std_mean`` (``name``) of ``t``: PyTorch's three call
    forms, ``(dim, unbiased, keepdim)``, ``(dim, *, correction, keepdim)`` and
    ``(unbiased)``."""
    if isinstance(dim, bool):  # t.var(False): the bool is ``unbiased``
        dim, unbiased = None, dim
    if not t.dtype.is_floating_point:
        raise RuntimeError(f"{'std and var' if name in ('std', 'var') else name} only support "
                           "floating point and complex dtypes")
    if correction is _UNSET or correction is None:
        correction = 1 if unbiased is _UNSET or unbiased else 0
    dims = _dims_or_all(dim, t)
    n = math.prod(t.shape) if dims is None else math.prod(t.shape[d] for d in dims)
    if n - correction <= 0:
        warnings.warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly "
                      "less than the reduction factor (input numel divided by output numel).",
                      UserWarning, stacklevel=3)
    ctx = (dims, correction, keepdim)
    if name.endswith("_mean"):  # two results, outputs of one node
        return T._apply_several((ops.VarMeanVar if name == "var_mean" else ops.StdMeanStd).pair,
                                (t,), ctx)
    return T._apply(ops.Var if name == "var" else ops.Std, (t,), ctx)


def var(input: Tensor, dim: Any = None, unbiased: Any = _UNSET,  # noqa: A002
        keepdim: bool = False, *, correction: Any = _UNSET) -> Tensor:
    """The variance over ``dim`` (every dim if None): squared deviations from the mean,
    summed and divided by ``N - correction`` (``correction=1``, i.e. ``unbiased=True``, by
    default).

    Raises:
        RuntimeError: for an integer or bool tensor.
    """
    return _var("var", input, dim, unbiased, keepdim, correction)


def std(input: Tensor, dim: Any = None, unbiased: Any = _UNSET,  # noqa: A002
        keepdim: bool = False, *, correction: Any = _UNSET) -> Tensor:
    """The standard deviation over ``dim``: the square root of :func:`var`."""
    return _var("std", input, dim, unbiased, keepdim, correction)


def var_mean(input: Tensor, dim: Any = None, unbiased: Any = _UNSET,  # noqa: A002
             keepdim: bool = False, *, correction: Any = _UNSET) -> tuple[Tensor, Tensor]:
    """``(var, mean)`` over ``dim``, in one pass: :func:`var` and the mean, two outputs of
    one node (``VarMeanBackward0``)."""
    return _var("var_mean", input, dim, unbiased, keepdim, correction)


def std_mean(input: Tensor, dim: Any = None, unbiased: Any = _UNSET,  # noqa: A002
             keepdim: bool = False, *, correction: Any = _UNSET) -> tuple[Tensor, Tensor]:
    """``(std, mean)`` over ``dim``: :func:`std` and the mean, two outputs of one node
    (``StdMeanBackward0``)."""
    return _var("std_mean", input, dim, unbiased, keepdim, correction)


def _float_input(t: Tensor, dtype: Any) -> Tensor:
    """``t`` for a norm, in ``dtype`` if given, with PyTorch's errors for other dtypes."""
    if dtype is not None:
        if not dtype.is_floating_point:
            raise RuntimeError("linalg.vector_norm: dtype should be floating point or complex, "
                               f"but got {T._SCALAR_NAMES[dtype.name][0]}")
        t = t.to(dtype)
    if not t.dtype.is_floating_point:
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {T._SCALAR_NAMES[t.dtype.name][0]}")
    return t


def vector_norm(x: Tensor, ord: Any = 2, dim: Any = None, keepdim: bool = False, *,  # noqa: A002
                dtype: Any = None) -> Tensor:
    """The ``ord``-norm of the elements over ``dim`` (all if None): ``sum(|x| ** ord) **
    (1 / ord)``; ``inf`` and ``-inf`` give the largest and smallest ``|x|``, 0 the number of
    nonzeros.

    Raises:
        TypeError: for an ``ord`` that is not a number.
        RuntimeError: for an integer tensor or dtype, or a negative or infinite ``ord`` over
            an empty dim.
    """
    if isinstance(ord, str) or T._number(ord) is None:
        raise TypeError("linalg_vector_norm(): argument 'ord' (position 2) must be Number, "
                        f"not {T._type_name(ord)}")
    x = _float_input(x, dtype)
    dims = _dims_or_all(dim, x)
    if (ord < 0 or ord == math.inf) and x.numel() == 0:  # max, min, 1 / sum: no identity
        empty = [d for d in dims if x.shape[d] == 0] if dims is not None else [None]
        if empty:
            where = ("an empty tensor because" if empty[0] is None else
                     f"the dimension {empty[0]}because this dimension is empty and")
            raise RuntimeError(f"linalg.vector_norm cannot compute the {float(ord):g} norm on "
                               f"{where} the operation does not have an identity")
    return T._apply(ops.VectorNorm, (x,), (float(ord), dims, keepdim))


def norm(input: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False,  # noqa: A002
         dtype: Any = None) -> Tensor:
    """``torch.norm``: the vector ``p``-norm over ``dim`` (every dim if None); ``'fro'`` is
    the 2-norm, ``'nuc'`` the nuclear norm of the matrices over two dims.

    Raises:
        RuntimeError: for another string, ``'fro'`` over more than two dims, ``'nuc'`` over
            other than two, or an integer tensor, with PyTorch's messages.
    """
    if isinstance(p, str):
        dims = None if dim is None else (dim,) if isinstance(dim, int) else tuple(dim)
        if p == "nuc":  # the nuclear norm over two dims (all, if None: matrix_norm checks)
            from .linalg import matrix_norm

            dims = tuple(range(input.dim())) if dims is None else dims
            return matrix_norm(input, "nuc", dims, keepdim, dtype=dtype)
        if p != "fro" or (dims is not None and len(dims) > 2):
            if p == "fro":
                shown = " ".join(str(d) for d in dims) if dims else ""
                raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {shown}")
            raise RuntimeError(f"linalg.matrix_norm: Order {p} not supported.")
        p = 2
    return vector_norm(input, p, dim, keepdim, dtype=dtype)


def _amax_amin(op: type[ops.Op], t: Tensor, dim: Any, keepdim: bool) -> Tensor:
    if t.numel() == 0 and not dim:
        raise RuntimeError(f"{op.__name__.lower()}(): Expected reduction dim to be specified "
                           "for input.numel() == 0. Specify the reduction dim with the 'dim' "
                           "argument.")
    dims = _dims_or_all(dim if dim != () else None, t)
    return T._apply(op, (t,), (dims, keepdim if t.dim() else False))


def amax(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:  # noqa: A002
    """The largest element over ``dim`` (every dim by default); ties share the gradient."""
    return _amax_amin(ops.Amax, input, dim, keepdim)


def amin(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:  # noqa: A002
    """The smallest element over ``dim`` (every dim by default); ties share the gradient."""
    return _amax_amin(ops.Amin, input, dim, keepdim)


def aminmax(input: Tensor, *, dim: int | None = None, keepdim: bool = False  # noqa: A002
            ) -> Any:
    """``(min, max)`` over ``dim`` (every element if None), as ``torch.return_types.aminmax``:
    two outputs of one node (``AminmaxBackward0``); ties share the gradient, as in
    :func:`amin` and :func:`amax`.

    Raises:
        TypeError: for a ``dim`` that is not an int.
        RuntimeError, IndexError: for an empty tensor, or an empty reduced dim.
    """
    from .return_types import Aminmax

    if dim is not None and (not isinstance(dim, int) or isinstance(dim, bool)):
        raise TypeError(f"aminmax(): argument 'dim' must be int, not {T._type_name(dim)}")
    if dim is None and input.numel() == 0:
        raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the "
                           "operation has no identity.")
    dims = _dims_or_all(dim, input)
    if dims is not None and input.shape[dims[0]] == 0:
        raise IndexError(f"aminmax: Expected reduction dim {dims[0]} to have non-zero size.")
    ctx = (dims, keepdim if input.dim() else False)
    return Aminmax(*T._apply_several(ops.AminmaxMin.pair, (input,), ctx))


def logsumexp(input: Tensor, dim: Any = _UNSET, keepdim: bool = False) -> Tensor:  # noqa: A002
    """``log(sum(exp(input)))`` over ``dim``, computed without overflow (integers give the
    default float dtype)."""
    if dim is _UNSET:
        raise TypeError('logsumexp() missing 1 required positional arguments: "dim"')
    t = T._floating_tensor(input)
    dims = _dims_or_all(dim, t)
    if t.dim() == 0:
        return T._apply(ops.LogSumExp, (t,), (None, False))
    return T._apply(ops.LogSumExp, (t,), (dims, keepdim))


def _integer_to_long(t: Tensor, dtype: Any) -> Tensor:
    """``t`` in ``dtype`` if given, else with integers and bools as int64 (PyTorch's rule for
    sums and products)."""
    if dtype is not None:
        return t.to(dtype)
    return t if t.dtype._rank == 2 or t.dtype is D.int64 else t.to(D.int64)


def prod(input: Tensor, dim: Any = _UNSET, keepdim: bool = False, *,  # noqa: A002
         dtype: Any = None) -> Tensor:
    """The product of all elements, or along the one dim ``dim``."""
    if dim is _UNSET and keepdim:
        raise TypeError("prod() received an invalid combination of arguments - got (keepdim="
                        "bool, ), but expected one of:\n * (*, torch.dtype dtype = None)\n * "
                        "(int dim, bool keepdim = False, *, torch.dtype dtype = None)\n")
    t = _integer_to_long(input, dtype)
    if dim is _UNSET:
        return T._apply(ops.Prod, (t,), (None, False))
    d = T._dims(dim, t.dim())[0]
    return T._apply(ops.ProdDim, (t,), (None if t.dim() == 0 else (d,), keepdim))


def _running(op: type[ops.Op], name: str, input: Tensor, dim: Any,  # noqa: A002
             dtype: Any) -> Tensor:
    """The running ``op`` (sums, products) along ``dim``, integers and bools as int64."""
    if dim is _UNSET:
        raise TypeError(f'{name}() missing 1 required positional arguments: "dim"')
    t = _integer_to_long(input, dtype)
    d = T._dims(dim, t.dim())[0]
    return T._apply(op, (t,), d if t.dim() else None)


def cumsum(input: Tensor, dim: Any = _UNSET, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """Running sums along ``dim`` (integers and bools summed as int64)."""
    return _running(ops.Cumsum, "cumsum", input, dim, dtype)


def cumprod(input: Tensor, dim: Any = _UNSET, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """Running products along ``dim`` (integers and bools multiplied as int64); zeros
    allowed, in the gradient too."""
    return _running(ops.Cumprod, "cumprod", input, dim, dtype)


def _all_any(f: Any, t: Tensor, dim: Any, keepdim: bool) -> Tensor:
    x = np.asarray(t._data)
    dims = _dims_or_all(dim, t)
    r = np.asarray(f(x, axis=dims, keepdims=keepdim if t.dim() else False))
    return T._leaf(r.astype(np.uint8) if x.dtype == np.uint8 else r)


def all(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001, A002
    """Whether every element (along ``dim``) is nonzero: a bool tensor (uint8 for uint8)."""
    return _all_any(np.all, input, dim, keepdim)


def any(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001, A002
    """Whether some element (along ``dim``) is nonzero: a bool tensor (uint8 for uint8)."""
    return _all_any(np.any, input, dim, keepdim)


Tensor.var = var
Tensor.std = std
Tensor.norm = norm
Tensor.logsumexp = logsumexp
Tensor.amax = amax
Tensor.amin = amin
Tensor.aminmax = aminmax
Tensor.prod = prod
Tensor.cumsum = cumsum
Tensor.cumprod = cumprod
Tensor.all = all
Tensor.any = any
