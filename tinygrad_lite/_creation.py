"""Making tensors: ``tensor``, ``ones``, ``randn`` and the rest, with PyTorch's signatures."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from . import _dtype as D
from . import _inplace, ops
from . import _random as R
from ._quiet import quiet
from ._tensor import (
    _SCALAR_NAMES,
    Tensor,
    _apply,
    _check_fits,
    _leaf,
    _shape_arg,
    _store,
    _unary,
    _unwrap_nested,
)


def _finish(data: np.ndarray, dtype: D.dtype | None, device: Any, requires_grad: bool) -> Tensor:
    D.check_device(device)
    if dtype is not None:
        with quiet():  # 1e40 as float32 is inf, quietly, as in PyTorch
            data = data.astype(dtype.np, copy=False)
    return _leaf(_store(data), requires_grad)


# The Python ints PyTorch stores into each integer dtype (uint8 lets -255..-1 wrap), and
# the floats, compared as doubles (so 2.0**63 passes for int64 and wraps, as in PyTorch)
_INT_RANGES = {"int8": (-2**7, 2**7 - 1), "int16": (-2**15, 2**15 - 1),
               "int32": (-2**31, 2**31 - 1), "int64": (-2**63, 2**63 - 1), "uint8": (-255, 255)}
_FLOAT_RANGES = {"int8": (-2.0**7, 2.0**7 - 1), "int16": (-2.0**15, 2.0**15 - 1),
                 "int32": (-2.0**31, 2.0**31 - 1), "int64": (-2.0**63, 2.0**63),
                 "uint8": (0.0, 255.0)}


def _overflow(dt: D.dtype) -> RuntimeError:
    return RuntimeError(f"value cannot be converted to type {dt.name} without overflow")


def _python_numbers(data: Any, arr: np.ndarray, dtype: D.dtype | None) -> np.ndarray:
    """``arr`` (``np.array`` of the Python numbers ``data``), checked as PyTorch stores
    each number: an int beyond int64 raises ValueError, a value beyond an integer
    ``dtype`` RuntimeError, an int too large for a float OverflowError.

    NumPy turns ints beyond int64 into uint64, floats or objects; those arrays are made
    again from the numbers themselves.
    """
    integral = dtype is not None and dtype.name in _INT_RANGES
    kind = arr.dtype.kind
    if kind == "u" or kind == "O" or (kind == "f" and (dtype is None or integral) and arr.size
                                      and type(data) is not float
                                      and np.max(np.abs(arr)) >= 2.0**63):
        return _from_objects(data, arr, dtype)
    if integral and arr.size:
        if kind == "i":
            lo, hi = _INT_RANGES[dtype.name]
            if arr.min() < lo or arr.max() > hi:
                raise _overflow(dtype)
        elif kind == "f":
            lo, hi = _FLOAT_RANGES[dtype.name]
            if not np.all((arr >= lo) & (arr <= hi)):  # nan and inf fail too
                raise _overflow(dtype)
    return arr


def _from_objects(data: Any, arr: np.ndarray, dtype: D.dtype | None) -> np.ndarray:
    """:func:`_python_numbers` number by number, in order, for ints NumPy cannot hold."""
    values = np.array(_unwrap_nested(data), dtype=object)
    flat = list(values.flat)
    if not all(isinstance(v, (int, float, np.number, np.bool_)) for v in flat):
        return arr  # not numbers: tensor() refuses them
    has_float = any(isinstance(v, (float, np.floating)) for v in flat)
    target = dtype or (D.get_default_dtype() if has_float else D.int64)
    if target.is_floating_point:
        return values.astype(np.float64)  # OverflowError: int too large to convert to float
    if target is D.bool:
        return values.astype(np.bool_)
    lo, hi = _INT_RANGES[target.name]
    flo, fhi = _FLOAT_RANGES[target.name]
    stored = []
    for v in flat:
        if isinstance(v, (float, np.floating)):
            if not flo <= v <= fhi:
                raise _overflow(target)
            with quiet():
                stored.append(np.float64(v).astype(np.int64))
        else:
            if not -2**63 <= v < 2**63:
                raise ValueError("Overflow when unpacking long long")
            if not lo <= v <= hi:
                raise _overflow(target)
            stored.append(int(v))
    return np.array(stored, dtype=np.int64).reshape(values.shape)


def _not_numbers(data: Any, dtype: D.dtype | None) -> Exception:
    """PyTorch's error for data holding something other than numbers (a str, None, ...)."""
    def leaves(x: Any) -> list:
        if isinstance(x, (list, tuple)):
            return [v for item in x for v in leaves(item)]
        return [x]

    bad = next((v for v in leaves(data) if not isinstance(v, (int, float, np.number, np.bool_,
                                                              Tensor, np.ndarray))), data)
    name = type(bad).__name__
    first = data
    while isinstance(first, (list, tuple)) and first:
        first = first[0]
    if isinstance(first, str) and first is not data:  # (a str is a sequence: one dim more)
        return ValueError("too many dimensions 'str'")
    if isinstance(data, (str, bytes)) or (dtype is None and isinstance(bad, (str, bytes))):
        return TypeError(f"new(): invalid data type '{name}'")
    if dtype is not None:
        return _not_a_number(name, dtype.is_floating_point)
    return RuntimeError(f"Could not infer dtype of {name}")


def _not_a_number(name: str, floating: bool) -> TypeError:
    """PyTorch's error for an element of type ``name`` stored as a float or an integer."""
    return TypeError(f"must be real number, not {name}" if floating else
                     f"'{name}' object cannot be interpreted as an integer")


def _ragged(data: Any, dtype: D.dtype | None) -> Exception | None:
    """PyTorch's error for nested lists of unequal lengths: the shape comes from the first
    element at each depth, and the first sequence of another length (or a number where a
    sequence belongs) is named; None if none is found."""
    shape = []
    first = data
    while isinstance(first, (list, tuple)):
        shape.append(len(first))
        first = first[0] if first else None
    if 0 in shape:  # PyTorch checks no further below an empty sequence
        return None

    def leaves(x: Any) -> list:
        return [v for item in x for v in leaves(item)] if isinstance(x, (list, tuple)) else [x]

    floating = (dtype.is_floating_point if dtype is not None else
                any(isinstance(v, float) for v in leaves(data)))

    def walk(x: Any, dim: int) -> Exception | None:
        if dim == len(shape):
            if isinstance(x, (list, tuple)):  # a sequence where a number belongs
                return _not_a_number(type(x).__name__, floating)
            return None
        if not isinstance(x, (list, tuple)):
            return TypeError("not a sequence")
        if len(x) != shape[dim]:
            return ValueError(f"expected sequence of length {shape[dim]} at dim {dim} "
                              f"(got {len(x)})")
        for item in x:
            err = walk(item, dim + 1)
            if err is not None:
                return err
        return None

    return walk(data, 0)


def tensor(data: Any, dtype: D.dtype | None = None, device: Any = None,
           requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (a number, nested lists, an array).

    Python floats become the default dtype (float32), ints int64 and bools bool; a NumPy
    array keeps its dtype.

    Raises:
        RuntimeError: ``requires_grad=True`` for a dtype that is not floating point, or a
            number that does not fit an integer ``dtype``.
        ValueError: for an int beyond int64 (when it is stored as an integer).
        OverflowError: for an int too large for a float.
        TypeError: for data that is not numbers, or a ``requires_grad`` that is not a bool.
    """
    if type(requires_grad) is not bool:
        raise TypeError("tensor(): argument 'requires_grad' must be bool, not "
                        f"{type(requires_grad).__name__}")
    if isinstance(data, Tensor):
        warnings.warn(
            "To copy construct from a tensor, it is recommended to use "
            "sourceTensor.detach().clone() or sourceTensor.detach().clone()."
            "requires_grad_(True), rather than torch.tensor(sourceTensor).",
            UserWarning, stacklevel=2)
    is_array = isinstance(data, (np.ndarray, np.generic, Tensor))
    try:
        arr = np.array(_unwrap_nested(data))
    except ValueError as e:
        error = _ragged(data, dtype)
        raise error or ValueError(f"expected sequence of equal-length lists: {e}") from None
    if not is_array:
        arr = _python_numbers(data, arr, dtype)
        if arr.dtype.kind in "USO":
            raise _not_numbers(data, dtype)
    if dtype is None and not is_array:
        kind = arr.dtype.kind
        if kind == "f" or (kind in "iu" and arr.size == 0):
            dtype = D.get_default_dtype()
        elif kind in "iu":
            dtype = D.int64
        elif kind != "b":
            raise TypeError(f"Could not infer dtype of {type(data).__name__}")
    if dtype is None:
        dtype = D.from_numpy_dtype(arr.dtype)
    return _finish(arr, dtype, device, requires_grad)


def as_tensor(data: Any, dtype: D.dtype | None = None, device: Any = None) -> Tensor:
    """Like :func:`tensor`, but a tensor of the right dtype is returned as it is."""
    if isinstance(data, Tensor) and (dtype is None or data.dtype is dtype):
        return data
    if isinstance(data, np.ndarray) and (dtype is None or data.dtype == dtype.np):
        return from_numpy(data)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(a: np.ndarray) -> Tensor:
    """A tensor sharing ``a``'s memory: changing one changes the other."""
    if not isinstance(a, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(a).__name__})")
    D.from_numpy_dtype(a.dtype)
    return _leaf(a)


def _filled(value: Any, size: tuple, dtype: D.dtype | None, device: Any,
            requires_grad: bool) -> Tensor:
    shape = _shape_arg(size)
    if dtype is None:
        dtype = D.get_default_dtype() if isinstance(value, float) else (
            D.bool if isinstance(value, bool) else D.int64)
    _check_fits(value, dtype)
    return _finish(np.full(shape, value, dtype=dtype.np), dtype, device, requires_grad)


def ones(*size: Any, dtype: D.dtype | None = None, device: Any = None,
         requires_grad: bool = False, **kw: Any) -> Tensor:
    """A tensor of ones of the given shape."""
    return _filled(1.0, (_size(size, kw, "ones", False),), dtype, device, requires_grad)


def zeros(*size: Any, dtype: D.dtype | None = None, device: Any = None,
          requires_grad: bool = False, **kw: Any) -> Tensor:
    """A tensor of zeros of the given shape."""
    return _filled(0.0, (_size(size, kw, "zeros", False),), dtype, device, requires_grad)


def empty(*size: Any, dtype: D.dtype | None = None, device: Any = None,
          requires_grad: bool = False, **kw: Any) -> Tensor:
    """A tensor of the given shape (filled with zeros here)."""
    return _filled(0.0, (_size(size, kw, "empty", False),), dtype, device, requires_grad)


def full(size: Any, fill_value: Any, dtype: D.dtype | None = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """A tensor of the given shape filled with ``fill_value``."""
    return _filled(fill_value, (size,), dtype, device, requires_grad)


def ones_like(t: Tensor, dtype: D.dtype | None = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    """Ones with ``t``'s shape and dtype."""
    return _filled(1.0, (t.shape,), dtype or t.dtype, device, requires_grad)


def zeros_like(t: Tensor, dtype: D.dtype | None = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    """Zeros with ``t``'s shape and dtype."""
    return _filled(0.0, (t.shape,), dtype or t.dtype, device, requires_grad)


def full_like(t: Tensor, fill_value: Any, dtype: D.dtype | None = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    return _filled(fill_value, (t.shape,), dtype or t.dtype, device, requires_grad)


def eye(n: int, m: int | None = None, dtype: D.dtype | None = None, device: Any = None,
        requires_grad: bool = False) -> Tensor:
    """The n x m identity matrix."""
    dtype = dtype or D.get_default_dtype()
    return _finish(np.eye(n, m, dtype=dtype.np), dtype, device, requires_grad)


def arange(start: Any, end: Any = None, step: Any = 1, dtype: D.dtype | None = None,
           device: Any = None, requires_grad: bool = False) -> Tensor:
    """Evenly spaced values in [start, end): int64 for ints, the default float otherwise."""
    if end is None:
        start, end = 0, start
    if dtype is None:
        ints = all(isinstance(v, int) for v in (start, end, step))
        dtype = D.int64 if ints else D.get_default_dtype()
    return _finish(np.arange(start, end, step), dtype, device, requires_grad)


_LINSPACE_KEYWORDS = ("Tensor out = None, torch.dtype dtype = None, torch.layout layout = None, "
                      "torch.device device = None, bool pin_memory = False, bool requires_grad = "
                      "False")


def linspace(start: float, end: float, steps: int, dtype: D.dtype | None = None,
             device: Any = None, requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive.

    Computed as PyTorch's kernel does: the step in the dtype, then ``start + step * i`` up to
    the middle and ``end - step * (steps - 1 - i)`` after it, each product and sum done
    wider and rounded once to the dtype (as a fused multiply-add: so ``linspace(-1, 1, 7)[3]``
    is -2.98e-08 in float32, not 0).

    Raises:
        TypeError: PyTorch's, for ``steps`` that is not an int.
        RuntimeError: for negative ``steps``.
    """
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)):
        got = ", ".join("Tensor" if isinstance(a, Tensor) else type(a).__name__
                        for a in (start, end, steps))
        forms = "".join(f" * ({a} start, {b} end, int steps, *, {_LINSPACE_KEYWORDS})\n"
                        for b in ("Tensor", "Number") for a in ("Tensor", "Number"))
        raise TypeError(f"linspace() received an invalid combination of arguments - got ({got}), "
                        f"but expected one of:\n{forms}")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dtype = dtype or D.get_default_dtype()
    if steps == 1:
        return _finish(np.full(1, start), dtype, device, requires_grad)
    if dtype.is_floating_point:
        t = dtype.np.type
        s, e = t(start), t(end)
        wide = np.longdouble if dtype.itemsize == 8 else np.float64
    else:  # the ends are cast to the dtype first, the step is a double
        t = wide = np.float64
        s, e = t(dtype.np.type(start)), t(dtype.np.type(end))
    step = wide((e - s) / t(max(steps - 1, 1)))
    i = np.arange(steps)
    values = np.where(i < steps // 2, wide(s) + step * i.astype(wide),
                      wide(e) - step * (steps - 1 - i).astype(wide))
    return _finish(values, dtype, device, requires_grad)


# ----------------------------------------------------------------------------------------
# Random numbers: PyTorch's stream (see tinygrad_lite._random)
# ----------------------------------------------------------------------------------------
Generator = R.Generator
default_generator = R.default_generator


def manual_seed(seed: Any) -> R.Generator:
    """Seed the default generator (``rand``, ``randn``, ``nn`` initialisation, ...) and
    return it: the same seed gives the same numbers as in PyTorch.

    Raises:
        ValueError: for a seed beyond [-2**63, 2**64 - 1].
    """
    return R.default_generator.manual_seed(seed)


def initial_seed() -> int:
    """The default generator's seed."""
    return R.default_generator.initial_seed()


def seed() -> int:
    """Seed the default generator from the operating system's randomness; return the seed."""
    return R.default_generator.seed()


def get_rng_state() -> Tensor:
    """The default generator's state, a uint8 tensor laid out as PyTorch's."""
    return R.default_generator.get_state()


def set_rng_state(new_state: Tensor) -> None:
    """Restore the default generator's state from :func:`get_rng_state` (or PyTorch's)."""
    R.default_generator.set_state(new_state)


_SIZE_FORMS = (
    " * (tuple of ints size, *, torch.Generator generator, Tensor out = None, torch.dtype "
    "dtype = None, torch.layout layout = None, torch.device device = None, bool pin_memory = "
    "False, bool requires_grad = False)\n"
    " * (tuple of ints size, *, Tensor out = None, torch.dtype dtype = None, torch.layout "
    "layout = None, torch.device device = None, bool pin_memory = False, bool requires_grad "
    "= False)\n")


def _int_like(n: Any) -> bool:
    """Whether PyTorch takes ``n`` as one int of a size: an int (not a bool), a NumPy
    integer, or a one-element integer tensor."""
    if isinstance(n, Tensor):
        return not n.dtype.is_floating_point and n.dtype is not D.bool and n.numel() == 1
    return (type(n) is int or isinstance(n, np.integer)) and not isinstance(n, bool)


def _kind(x: Any) -> str:
    return "Tensor" if isinstance(x, Tensor) else type(x).__name__


def _size(size: tuple, kw: dict, name: str, required: bool = True) -> tuple[int, ...]:
    """The shape of ``f(2, 3)``, ``f((2, 3))`` or ``f(size=(2, 3))`` (``kw``: the other
    keywords, which must hold nothing but ``size``), checked as PyTorch's argument parser
    checks it (``required``: ``f()`` is an invalid combination, as for rand; else a missing
    argument, as for zeros).

    Raises:
        TypeError: PyTorch's, for no size, a size that is not ints, a size given twice, or
            another keyword.
        RuntimeError: PyTorch's, for a negative size.
    """
    has_keyword = "size" in kw
    keyword = kw.pop("size", None)
    if kw:
        raise TypeError(f"{name}() got an unexpected keyword argument '{next(iter(kw))}'")
    sequences = (tuple, list, D.Size)
    if has_keyword:
        if size:
            if not required:
                raise TypeError(f"{name}() got multiple values for argument 'size'")
            got = ", ".join([_kind(a) for a in size] + [f"size={_kind(keyword)}"])
            raise TypeError(f"{name}() received an invalid combination of arguments - got "
                            f"({got}), but expected one of:\n{_SIZE_FORMS}")
        if not isinstance(keyword, sequences) or not all(
                _int_like(n) or (i and isinstance(n, bool)) for i, n in enumerate(keyword)):
            raise TypeError(f"{name}(): argument 'size' must be tuple of ints, not "
                            f"{_kind(keyword)}")
        shape = keyword
    elif not size:
        if required:
            raise TypeError(f"{name}() received an invalid combination of arguments - got (), "
                            f"but expected one of:\n{_SIZE_FORMS}")
        raise TypeError(f'{name}() missing 1 required positional arguments: "size"')
    elif len(size) == 1 and not isinstance(size[0], sequences):
        if not _int_like(size[0]):
            raise TypeError(f"{name}(): argument 'size' (position 1) must be tuple of ints, "
                            f"not {_kind(size[0])}")
        shape = size
    else:
        shape = size[0] if len(size) == 1 else size
        if len(size) > 1 and (any(isinstance(n, sequences) for n in size)
                              or isinstance(size[0], bool)):
            if not required:
                raise TypeError(f"{name}() takes 1 positional argument but {len(size)} were "
                                "given")
            raise TypeError(f"{name}() received an invalid combination of arguments - got "
                            f"({', '.join(_kind(a) for a in size)}), but expected one of:\n"
                            f"{_SIZE_FORMS}")
        for i, n in enumerate(shape):
            if i == 0 and isinstance(n, bool):  # (a bool counts as an int after the first)
                raise TypeError(f"{name}(): argument 'size' (position 1) must be tuple of ints, "
                                "but found element of type bool at pos 0")
            if not _int_like(n) and not isinstance(n, bool):
                raise TypeError(f"{name}(): argument 'size' failed to unpack the object at pos "
                                f"{i + 1} with error \"type must be tuple of ints,but got "
                                f"{_kind(n)}\"")
    shape = tuple(int(n) for n in shape)
    if any(n < 0 for n in shape):
        if name == "zeros":
            raise RuntimeError("zeros: Dimension size must be non-negative.")
        raise RuntimeError(f"Trying to create tensor with negative dimension "
                           f"{next(n for n in shape if n < 0)}: {list(shape)}")
    return shape


def _float_dtype(dtype: D.dtype | None, kernel: str) -> D.dtype:
    """``dtype`` (the default dtype for None), which must be floating point.

    Raises:
        NotImplementedError: PyTorch's, naming ``kernel``, for other dtypes.
    """
    dtype = dtype or D.get_default_dtype()
    if not dtype.is_floating_point:
        raise NotImplementedError(
            f"\"{kernel}\" not implemented for '{_SCALAR_NAMES[dtype.name][0]}'")
    return dtype


def rand(*size: Any, generator: R.Generator | None = None, dtype: D.dtype | None = None,
         device: Any = None, requires_grad: bool = False, **kw: Any) -> Tensor:
    """Uniform random numbers in [0, 1), PyTorch's for the same seed.

    Args:
        *size: the shape, as numbers or one sequence (or ``size=`` by name).
        generator: the generator to draw from (the default one if None).
        dtype: a floating dtype (the default dtype if None).
    """
    shape = _size(size, kw, "rand")
    dtype = _float_dtype(dtype, "check_uniform_bounds")
    data = R.uniform(R.gen(generator), math.prod(shape), dtype.np).reshape(shape)
    return _finish(data, dtype, device, requires_grad)


def randn(*size: Any, generator: R.Generator | None = None, dtype: D.dtype | None = None,
          device: Any = None, requires_grad: bool = False, **kw: Any) -> Tensor:
    """Standard normal random numbers, PyTorch's for the same seed (see :func:`rand`)."""
    shape = _size(size, kw, "randn")
    dtype = _float_dtype(dtype, "normal_kernel_cpu")
    data = R.normal(R.gen(generator), math.prod(shape), dtype.np).reshape(shape)
    return _finish(data, dtype, device, requires_grad)


_RANDINT_FORMS = (
    " * (int high, tuple of ints size, *, torch.Generator generator, Tensor out = None, "
    "torch.dtype dtype = None, torch.layout layout = None, torch.device device = None, bool "
    "pin_memory = False, bool requires_grad = False)\n"
    " * (int high, tuple of ints size, *, Tensor out = None, torch.dtype dtype = None, "
    "torch.layout layout = None, torch.device device = None, bool pin_memory = False, bool "
    "requires_grad = False)\n"
    " * (int low, int high, tuple of ints size, *, torch.Generator generator, Tensor out = "
    "None, torch.dtype dtype = None, torch.layout layout = None, torch.device device = None, "
    "bool pin_memory = False, bool requires_grad = False)\n"
    " * (int low, int high, tuple of ints size, *, Tensor out = None, torch.dtype dtype = "
    "None, torch.layout layout = None, torch.device device = None, bool pin_memory = False, "
    "bool requires_grad = False)\n")


def _randint_range(low: int, high: int) -> None:
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} "
                           f">= to={high}")


def randint(*args: Any, low: Any = None, high: Any = None, size: Any = None,
            generator: R.Generator | None = None, dtype: D.dtype | None = None,
            device: Any = None, requires_grad: bool = False) -> Tensor:
    """Random integers in [low, high): ``randint(high, size)`` or ``randint(low, high, size)``
    (any of them by name too: ``randint(high=10, size=(3,))``).

    Raises:
        TypeError: PyTorch's, for arguments that fit neither form.
        RuntimeError: for ``low >= high``.
    """
    if low is not None or high is not None:  # fill the named ones in, the rest in order
        rest = list(args)
        if low is None:
            low = rest.pop(0) if rest and high is not None and len(rest) + (
                size is not None) >= 2 else 0
        if high is None and rest:
            high = rest.pop(0)
        if size is None and rest:
            size = rest.pop(0)
        args = tuple(v for v in (low, high, size) if v is not None) + tuple(rest)
    elif size is not None:
        args = (*args, size)
    if len(args) not in (2, 3) or not isinstance(args[-1], (tuple, list, D.Size)):
        got = ", ".join(type(a).__name__ for a in args)
        raise TypeError("randint() received an invalid combination of arguments - got "
                        f"({got}), but expected one of:\n{_RANDINT_FORMS}")
    low, high = (0, args[0]) if len(args) == 2 else args[:2]
    low, high = int(low), int(high)
    _randint_range(low, high)
    shape = _shape_arg((args[-1],))
    dtype = dtype or D.int64
    data = R.randint(R.gen(generator), math.prod(shape), low, high).reshape(shape)
    return _finish(data, dtype, device, requires_grad)


def randperm(n: int, *, generator: R.Generator | None = None, dtype: D.dtype = D.int64,
             device: Any = None, requires_grad: bool = False) -> Tensor:
    """A random permutation of 0..n-1, PyTorch's for the same seed.

    Raises:
        RuntimeError: for a negative ``n``.
    """
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    return _finish(R.randperm(R.gen(generator), int(n)), dtype, device, requires_grad)


def rand_like(input: Tensor, *, generator: R.Generator | None = None,  # noqa: A002
              dtype: D.dtype | None = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    """:func:`rand` with ``input``'s shape and dtype."""
    return rand(input.shape, generator=generator, dtype=dtype or input.dtype, device=device,
                requires_grad=requires_grad)


def randn_like(input: Tensor, *, generator: R.Generator | None = None,  # noqa: A002
               dtype: D.dtype | None = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    """:func:`randn` with ``input``'s shape and dtype."""
    return randn(input.shape, generator=generator, dtype=dtype or input.dtype, device=device,
                 requires_grad=requires_grad)


def randint_like(input: Tensor, low: int = 0, high: int | None = None, *,  # noqa: A002
                 generator: R.Generator | None = None, dtype: D.dtype | None = None,
                 device: Any = None, requires_grad: bool = False) -> Tensor:
    """:func:`randint` with ``input``'s shape and dtype (``randint_like(x, high)`` too)."""
    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(input.shape), generator=generator,
                   dtype=dtype or input.dtype, device=device, requires_grad=requires_grad)


_NORMAL_FORMS = (
    " * (Tensor mean, Tensor std, *, torch.Generator generator = None, Tensor out = None)\n"
    " * (Tensor mean, float std = 1, *, torch.Generator generator = None, Tensor out = None)\n"
    " * (float mean, Tensor std, *, torch.Generator generator = None, Tensor out = None)\n"
    " * (float mean, float std, tuple of ints size, *, torch.Generator generator = None, "
    "Tensor out = None, torch.dtype dtype = None, torch.layout layout = None, torch.device "
    "device = None, bool pin_memory = False, bool requires_grad = False)\n")
_STD_ERROR = "normal expects all elements of std >= 0.0"


def _check_std(std: float) -> None:
    if not std >= 0.0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")


def normal(mean: Any, std: Any = 1.0, size: Any = None, *,
           generator: R.Generator | None = None, dtype: D.dtype | None = None,
           device: Any = None, requires_grad: bool = False) -> Tensor:
    """Normal random numbers, in PyTorch's four forms: ``normal(mean, std, size)`` of two
    numbers, or one value per element of a tensor ``mean`` and/or ``std`` (broadcast).

    A tensor form draws standard normals of the result's shape, then multiplies by ``std``
    and adds ``mean``, in the dtype of the tensor given (of ``mean`` if both are), as
    PyTorch does. As in PyTorch, tensor inputs get a gradient of 0 (``NormalBackward1``).

    Raises:
        TypeError: PyTorch's, for two numbers without ``size``.
        RuntimeError: for a negative ``std``.
    """
    g = R.gen(generator)
    m_t, s_t = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not m_t and not s_t:
        if size is None:
            got = ", ".join(type(a).__name__ for a in (mean, std))
            raise TypeError("normal() received an invalid combination of arguments - got "
                            f"({got}), but expected one of:\n{_NORMAL_FORMS}")
        _check_std(std)
        shape = _shape_arg((size,))
        dtype = _float_dtype(dtype, "normal_kernel_cpu")
        data = R.normal(g, math.prod(shape), dtype.np, mean, std).reshape(shape)
        return _finish(data, dtype, device, requires_grad)
    if not s_t:
        _check_std(std)
        m = np.asarray(mean._data)
        z = R.normal(g, m.size, m.dtype, 0.0, std).reshape(m.shape)
        return _apply(ops.NormalOf, (mean,), z + m)
    s = np.asarray(std._data)
    if s.size and not np.all(s >= 0):
        raise RuntimeError(_STD_ERROR)
    m = np.asarray(mean._data) if m_t else np.asarray(mean, s.dtype)
    shape = np.broadcast_shapes(m.shape, s.shape)
    z = R.normal(g, math.prod(shape), m.dtype, 0.0, 1.0).reshape(shape)
    with quiet():
        values = z * s.astype(m.dtype) + m
    if m_t:
        return _apply(ops.NormalOfBoth, (mean, std), values)
    return _apply(ops.NormalOfStd, (std,), values)


def _fill_random(t: Tensor, draw: Any, node: str) -> Tensor:
    """Fill ``t`` in place with ``draw(n, np_dtype, contiguous)``, n numbers written in
    ``t``'s memory order (a transposed view is filled along its storage, as in PyTorch),
    recorded as PyTorch's ``node`` (``"UniformBackward0"``: a gradient of 0)."""
    x = t._data
    shape, dt = np.shape(x), t.dtype.np
    contiguous = type(x) is not np.ndarray or x.flags.c_contiguous
    flat = draw(math.prod(shape), dt, contiguous)
    if contiguous:
        values = flat.reshape(shape)
    else:
        order = sorted(range(len(shape)), key=lambda i: -abs(x.strides[i]))
        values = np.empty(shape, dt)
        values.transpose(order)[...] = flat.reshape([shape[i] for i in order])
    return _inplace.apply(t, lambda s: _unary(ops.RANDOM_FILLS[node], s, values, keep_int=True))


def _floating_kernel(t: Tensor, kernel: str) -> None:
    if not t.dtype.is_floating_point:
        raise NotImplementedError(
            f"\"{kernel}\" not implemented for '{_SCALAR_NAMES[t.dtype.name][0]}'")


def uniform_(t: Tensor, a: float = 0.0, b: float = 1.0, *,
             generator: R.Generator | None = None) -> Tensor:
    """``t.uniform_(a, b)``: fill with uniform numbers in [a, b).

    Raises:
        RuntimeError: for ``a > b``; NotImplementedError for a dtype that is not floating.
    """
    _floating_kernel(t, "check_uniform_bounds")
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a:g}"
                           f" > to={b:g}")
    g = R.gen(generator)
    return _fill_random(t, lambda n, dt, _: R.uniform_from_to(g, n, dt, a, b),
                        "UniformBackward0")


def normal_(t: Tensor, mean: float = 0.0, std: float = 1.0, *,
            generator: R.Generator | None = None) -> Tensor:
    """``t.normal_(mean, std)``: fill with numbers from N(mean, std**2)."""
    _floating_kernel(t, "normal_kernel_cpu")
    _check_std(std)
    g = R.gen(generator)
    return _fill_random(t, lambda n, dt, c: R.normal(g, n, dt, mean, std, c),
                        "NormalBackward0")


def bernoulli_(t: Tensor, p: Any = 0.5, *, generator: R.Generator | None = None) -> Tensor:
    """``t.bernoulli_(p)``: 1 with probability ``p`` (a number, or a tensor broadcast to
    ``t``), else 0.

    Raises:
        RuntimeError: for a number ``p`` outside [0, 1].
    """
    g = R.gen(generator)
    if isinstance(p, Tensor):
        probs = np.asarray(p._data)
        if probs.size and not np.all((probs >= 0) & (probs <= 1)):
            raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  "
                               "(Could this error message be improved?  If so, please report "
                               "an enhancement request to PyTorch.)")
        probs = np.broadcast_to(probs, t.shape)
        return _fill_random(t, lambda n, dt, _: R.bernoulli_tensor(g, probs.ravel()).astype(dt),
                            "BernoulliBackward1")
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p:g}")
    return _fill_random(t, lambda n, dt, _: R.bernoulli_scalar(g, n, p).astype(dt),
                        "BernoulliBackward2")


def bernoulli(input: Tensor, p: Any = None, *,  # noqa: A002
              generator: R.Generator | None = None) -> Tensor:
    """0 or 1 for each element: 1 with the probability the element gives (or ``p``)."""
    out = _finish(np.zeros(input.shape, input.dtype.np), None, None, False)
    return bernoulli_(out, input if p is None else p, generator=generator)


def exponential_(t: Tensor, lambd: float = 1.0, *,
                 generator: R.Generator | None = None) -> Tensor:
    """``t.exponential_(lambd)``: fill with numbers from Exp(lambd)."""
    _floating_kernel(t, "exponential_cpu")
    if not lambd > 0.0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd:g}")
    g = R.gen(generator)
    return _fill_random(t, lambda n, dt, _: R.exponential(g, n, lambd).astype(dt),
                        "ExponentialBackward0")


def random_(t: Tensor, low: int = 0, high: int | None = None, *,
            generator: R.Generator | None = None) -> Tensor:
    """``t.random_()`` (every value the dtype holds exactly, from 0), ``t.random_(high)`` or
    ``t.random_(low, high)`` (integers in [low, high))."""
    g = R.gen(generator)
    if high is None and low == 0:
        return _fill_random(t, lambda n, dt, _: R.random_full(g, n, dt),
                            "RandomBackward2")
    node = "RandomBackward0"
    if high is None:
        low, high, node = 0, low, "RandomBackward1"
    _randint_range(low, high)
    return _fill_random(t, lambda n, dt, _: R.randint(g, n, low, high).astype(dt), node)


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,  # noqa: A002
                generator: R.Generator | None = None) -> Tensor:
    """Indices drawn from the distribution each row of ``input`` gives (weights, not
    necessarily summing to 1), PyTorch's for the same seed.

    Raises:
        RuntimeError: with PyTorch's messages for a bad dtype, shape, count or distribution.
    """
    g = R.gen(generator)
    p = np.asarray(input._data)
    if not input.dtype.is_floating_point:
        raise RuntimeError("multinomial only supports floating-point dtypes for input, got: "
                           f"{_SCALAR_NAMES[input.dtype.name][0]}")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    if p.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if not replacement and num_samples > p.shape[-1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    rows = p.reshape(-1, p.shape[-1])
    out_shape = (*p.shape[:-1], num_samples)
    if not replacement or num_samples == 1:
        if not (rows.max() < np.inf and rows.min() >= 0):
            raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
        if np.any(rows.sum(1) == 0):
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        q = R.exponential(g, rows.size, 1.0).astype(p.dtype).reshape(rows.shape)
        with quiet():
            keys = rows / q
        picked = np.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
        return _finish(picked.reshape(out_shape), D.int64, None, False)
    if not np.all(np.isfinite(rows)):
        raise RuntimeError("invalid multinomial distribution (encountering probability entry "
                           "= infinity or NaN)")
    if np.any(rows < 0):
        raise RuntimeError("invalid multinomial distribution (encountering probability entry "
                           "< 0)")
    total = rows.sum(1, keepdims=True, dtype=p.dtype)
    if np.any(total <= 0):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    u = R.uniform(g, rows.shape[0] * num_samples, np.float64).reshape(-1, num_samples)
    picked = np.empty(u.shape, np.int64)
    for i, row in enumerate(rows):
        cum = np.cumsum(row, dtype=p.dtype)
        cum = cum / cum[-1]
        cum[-1] = 1
        picked[i] = np.searchsorted(cum.astype(np.float64), u[i], side="left")
    return _finish(picked.reshape(out_shape), D.int64, None, False)


# ----------------------------------------------------------------------------------------
# Tensor.new_*: new tensors of this tensor's dtype (by default)
# ----------------------------------------------------------------------------------------
_UNSET_FILL: Any = object()


def _new_filled(name: str, value: float) -> Any:
    def new(self: Tensor, *size: Any, dtype: D.dtype | None = None, device: Any = None,
            requires_grad: bool = False, **kw: Any) -> Tensor:
        shape = _size(size, kw, name, False)
        return _finish(np.full(shape, value, dtype=(dtype or self.dtype).np), dtype or self.dtype,
                       device, requires_grad)

    new.__name__ = new.__qualname__ = name
    new.__doc__ = (f"A tensor of {'zeros' if value == 0 else 'ones'} of the given shape, of this "
                   "tensor's dtype unless ``dtype`` is given"
                   + (" (zero-filled here)." if name == "new_empty" else "."))
    return new


def _new_full(self: Tensor, size: Any, fill_value: Any = _UNSET_FILL, *,
              dtype: D.dtype | None = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    """A tensor of the shape ``size`` (a sequence) filled with ``fill_value``, of this
    tensor's dtype unless ``dtype`` is given.

    Raises:
        TypeError: PyTorch's, for a size that is not a sequence or no ``fill_value``.
    """
    if not isinstance(size, (tuple, list, D.Size)):
        raise TypeError("new_full(): argument 'size' (position 1) must be tuple of ints, not "
                        f"{_kind(size)}")
    if fill_value is _UNSET_FILL:
        raise TypeError('new_full() missing 1 required positional arguments: "fill_value"')
    return full(_size((size,), {}, "new_full", False), fill_value, dtype=dtype or self.dtype,
                device=device, requires_grad=requires_grad)


def _new_tensor(self: Tensor, data: Any = _UNSET_FILL, dtype: D.dtype | None = None,
                device: Any = None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data``, of this tensor's dtype unless ``dtype`` is
    given (a tensor ``data`` with PyTorch's warning).

    Raises:
        TypeError: PyTorch's, for no ``data``.
    """
    if data is _UNSET_FILL:
        raise TypeError('new_tensor() missing 1 required positional arguments: "data"')
    if isinstance(data, Tensor):
        warnings.warn(
            "To copy construct from a tensor, it is recommended to use "
            "sourceTensor.detach().clone() or sourceTensor.detach().clone()."
            "requires_grad_(True), rather than tensor.new_tensor(sourceTensor).",
            UserWarning, stacklevel=2)
        data = data.detach()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return tensor(data, dtype=dtype or self.dtype, device=device,
                      requires_grad=requires_grad)


Tensor.new_zeros = _new_filled("new_zeros", 0.0)
Tensor.new_ones = _new_filled("new_ones", 1.0)
Tensor.new_empty = _new_filled("new_empty", 0.0)
Tensor.new_full = _new_full
Tensor.new_tensor = _new_tensor
