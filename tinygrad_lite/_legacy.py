"""The legacy typed constructors (``torch.FloatTensor``, ...), ``Tensor.type()`` and the
default device.

Old PyTorch code makes tensors with ``torch.FloatTensor([1, 2])`` or
``torch.LongTensor(3, 4)`` and tests them with ``isinstance(t, torch.FloatTensor)``. In
PyTorch these names are classes whose metaclass (``torch.tensortype``) makes ``isinstance``
compare the dtype; the same here, with :class:`tensortype`.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from . import _dtype as D
from . import _inplace, ops
from ._tensor import Tensor, _leaf, _store

__all__ = ["FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor",
           "ShortTensor", "CharTensor", "ByteTensor", "BoolTensor", "set_default_device",
           "get_default_device"]

_CUDA_MISSING = (
    "Cannot initialize CUDA without ATen_cuda library. PyTorch splits its backend into two "
    "shared libraries: a CPU library and a CUDA library; this error has occurred because you "
    "are trying to use some CUDA functionality, but the CUDA library has not been loaded by "
    "the dynamic linker for some reason.  The CUDA library MUST be loaded, EVEN IF you don't "
    "directly use any symbols from the CUDA library! One common culprit is a lack of "
    "-Wl,--no-as-needed in your link arguments; many dynamic linkers will delete dynamic "
    "library dependencies if you don't depend on any of their symbols.  You can check if this "
    "has occurred by using ldd on your binary to see if there is a dependency on *_cuda.so "
    "library.")

_C_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
            "int32": "int", "int16": "short int", "int8": "signed char",
            "uint8": "unsigned char", "bool": "bool"}


class tensortype(type):  # noqa: N801 - PyTorch's name
    """The metaclass of the typed constructors: ``isinstance(t, FloatTensor)`` is true for
    a CPU tensor of dtype float32, and calling the class makes such a tensor."""

    dtype: D.dtype

    def __instancecheck__(cls, obj: Any) -> builtins.bool:
        return isinstance(obj, Tensor) and obj.dtype is cls.dtype

    def __repr__(cls) -> str:
        return f"<class 'torch.{cls.__name__}'>"

    def __call__(cls, *args: Any, **kwargs: Any) -> Tensor:
        """``FloatTensor()`` (empty), ``FloatTensor(2, 3)`` or ``FloatTensor(torch.Size)``
        (a shape, zero-filled here where PyTorch leaves memory uninitialized),
        ``FloatTensor([1, 2])`` (data) or ``FloatTensor(t)`` (``t`` itself, of this dtype).

        Raises:
            TypeError: for data that is not numbers, a tensor of another dtype, or other
                arguments, as PyTorch.
        """
        dt = cls.dtype
        device = kwargs.pop("device", None)
        if len(args) > 1 and not kwargs and _is_int(args[0]):
            for i, a in enumerate(args):
                if not _is_int(a):
                    raise TypeError(f"new(): argument 'size' failed to unpack the object at pos "
                                    f"{i + 1} with error \"type must be tuple of ints,but got "
                                    f"{type(a).__name__}\"")
        if kwargs or (args and not _all_ints(args) and len(args) > 1):
            raise _bad_arguments(args, kwargs)
        D.check_device(device)
        if not args or _all_ints(args) or isinstance(args[0], D.Size):
            size = tuple(int(n) for n in (args[0] if isinstance(args[0], D.Size) else args)
                         ) if args else (0,)
            if builtins.any(n < 0 for n in size):
                raise RuntimeError(f"Trying to create tensor with negative dimension "
                                   f"{next(n for n in size if n < 0)}: {list(size)}")
            return _leaf(_store(np.zeros(size, dtype=dt.np)))
        data = args[0]
        if not isinstance(data, (list, tuple, np.ndarray, Tensor, str, bytes)):
            kind = type(data)
            name = kind.__name__ if kind.__module__ == "builtins" else (
                f"{kind.__module__}.{kind.__qualname__}")
            raise TypeError(f"new(): data must be a sequence (got {name})")
        if isinstance(data, Tensor):
            if data.dtype is not dt:
                raise TypeError(f"expected {_options(dt)} (got {_options(data.dtype)})")
            return _inplace.view(ops.Alias, data, data.shape)  # as torch: an alias
        if isinstance(data, (str, bytes)):
            raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
        from ._creation import tensor

        return tensor(data, dtype=dt)


def _is_int(a: Any) -> builtins.bool:
    return type(a) is builtins.int or isinstance(a, np.integer)


def _all_ints(args: tuple) -> builtins.bool:
    return all(_is_int(a) for a in args)


def _options(dt: D.dtype) -> str:
    return (f"TensorOptions(dtype={_C_NAMES[dt.name]}, device=cpu, layout=Strided, "
            "requires_grad=false (default), pinned_memory=false (default), "
            "memory_format=(nullopt))")


def _bad_arguments(args: tuple, kwargs: dict) -> TypeError:
    """PyTorch's error for arguments no form of ``new()`` takes (without the lines saying why
    each form did not match)."""
    got = [type(a).__name__ for a in args] + [f"{k}={_kind(v)}" for k, v in kwargs.items()]
    return TypeError(
        f"new() received an invalid combination of arguments - got ({', '.join(got)}), but "
        "expected one of:\n * (*, torch.device device = None)\n * (torch.Storage storage)\n"
        " * (Tensor other)\n * (tuple of ints size, *, torch.device device = None)\n"
        " * (object data, *, torch.device device = None)\n")


def _kind(v: Any) -> str:
    return "torch.dtype" if isinstance(v, D.dtype) else type(v).__name__


def _typed(name: str, dt: D.dtype) -> tensortype:
    cls = tensortype(name, (), {"dtype": dt, "is_cuda": False, "is_sparse": False,
                                "__doc__": f"The legacy constructor of {dt!r} CPU tensors."})
    cls.__module__ = "torch"
    return cls


FloatTensor = _typed("FloatTensor", D.float32)
DoubleTensor = _typed("DoubleTensor", D.float64)
HalfTensor = _typed("HalfTensor", D.float16)
LongTensor = _typed("LongTensor", D.int64)
IntTensor = _typed("IntTensor", D.int32)
ShortTensor = _typed("ShortTensor", D.int16)
CharTensor = _typed("CharTensor", D.int8)
ByteTensor = _typed("ByteTensor", D.uint8)
BoolTensor = _typed("BoolTensor", D.bool)

_BY_DTYPE = {c.dtype: c for c in (FloatTensor, DoubleTensor, HalfTensor, LongTensor, IntTensor,
                                  ShortTensor, CharTensor, ByteTensor, BoolTensor)}
_BY_NAME = {f"torch.{c.__name__}": c for c in _BY_DTYPE.values()}


def type_of(t: Tensor, dtype: Any = None) -> Any:
    """``t.type()``: the name of ``t``'s type (``'torch.FloatTensor'``); ``t.type(x)``:
    ``t`` converted to ``x``, a dtype, a typed constructor or its name.

    Raises:
        ValueError: ``invalid type: '...'`` for a name that is no tensor type.
        RuntimeError: for a CUDA type, as PyTorch's CPU build.
    """
    if dtype is None:
        return f"torch.{_BY_DTYPE[t.dtype].__name__}"
    if isinstance(dtype, str):
        cls = _BY_NAME.get(dtype)
        if cls is None:
            if dtype.startswith("torch.cuda.") and dtype[11:] in [c[6:] for c in _BY_NAME]:
                raise RuntimeError(_CUDA_MISSING)
            raise ValueError(f"invalid type: '{dtype}'")
        dtype = cls
    if isinstance(dtype, tensortype):
        dtype = dtype.dtype
    elif isinstance(dtype, type):  # a class that is no tensor type (``float``)
        raise ValueError(f"invalid type: '{dtype.__name__}'")
    elif not isinstance(dtype, D.dtype):
        raise TypeError("dtype must be a type, str, or dtype object")
    return t.to(dtype)


_default_device = D.device("cpu")


def set_default_device(device: Any) -> None:
    """Set the device that creation functions use: only the CPU exists here.

    Raises:
        RuntimeError: for a string that names no device type, as PyTorch.
        AssertionError: for ``'cuda'`` and the other devices, at once (PyTorch's CPU build
            accepts them here and raises when the next tensor is made).
    """
    global _default_device
    if device is None:
        _default_device = D.device("cpu")
        return
    D.check_device(device)
    _default_device = device if isinstance(device, D.device) else D.device(device)


def get_default_device() -> D.device:
    """The default device: ``device(type='cpu')``, or the CPU as it was set (``'cpu:0'``)."""
    return _default_device
