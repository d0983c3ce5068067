"""``torch.save`` and ``torch.load``: objects holding tensors, pickled.

The format is this library's own (a pickle stream, each tensor stored as its raw bytes,
dtype and shape), not PyTorch's zip archive. :func:`load` follows PyTorch 2.6 and later:
by default (``weights_only=True``) it only rebuilds tensors, parameters, dtypes, sizes,
devices and the plain Python containers and numbers; any other global in the file is
refused with PyTorch's ``pickle.UnpicklingError``, unless allowed with
:func:`add_safe_globals` or :class:`safe_globals`.
"""

from __future__ import annotations

import _compat_pickle
import io
import os
import pickle
from collections import Counter, OrderedDict
from typing import Any

import numpy as np

from . import _dtype as D
from ._tensor import Tensor, _leaf, _store

__all__ = ["save", "load", "add_safe_globals", "get_safe_globals", "clear_safe_globals",
           "safe_globals"]

_user_globals: list[Any] = []

_DOC_LINK = ("Check the documentation of torch.load to learn more about types accepted by "
             "default with weights_only https://pytorch.org/docs/stable/generated/torch.load.html.")

_WEIGHTS_ONLY_FAILED = (
    "Weights only load failed. This file can still be loaded, to do so you have two options, "
    "\x1b[1mdo those steps only if you trust the source of the checkpoint\x1b[0m. \n\t(1) In "
    "PyTorch 2.6, we changed the default value of the `weights_only` argument in `torch.load` "
    "from `False` to `True`. Re-running `torch.load` with `weights_only` set to `False` will "
    "likely succeed, but it can result in arbitrary code execution. Do it only if you got the "
    "file from a trusted source.\n\t(2) Alternatively, to load with `weights_only=True` please "
    "check the recommended steps in the following error message.\n\tWeightsUnpickler error: ")


def _rebuild_tensor(data: str, dtype: str, shape: tuple[int, ...],
                    requires_grad: bool) -> Tensor:
    """A leaf tensor from its saved bytes (as a latin-1 string: a plain pickle string, so
    that no global is needed), dtype name and shape."""
    raw = data.encode("latin-1")
    arr = np.frombuffer(raw, dtype=getattr(D, dtype).np).reshape(shape).copy()
    return _leaf(_store(arr), requires_grad)


def _rebuild_parameter(data: str, dtype: str, shape: tuple[int, ...],
                       requires_grad: bool) -> Tensor:
    """An ``nn.Parameter`` from its saved bytes, dtype name and shape."""
    from .nn.parameter import Parameter

    return Parameter(_rebuild_tensor(data, dtype, shape, False), requires_grad)


class _Pickler(pickle.Pickler):
    """A pickler that stores each tensor as (bytes, dtype, shape, requires_grad)."""

    def reducer_override(self, obj: Any) -> Any:
        if not isinstance(obj, Tensor):
            return NotImplemented
        from .nn.parameter import Parameter

        arr = np.asarray(obj._data, dtype=obj.dtype.np)  # tobytes() is in C order
        rebuild = _rebuild_parameter if isinstance(obj, Parameter) else _rebuild_tensor
        data = arr.tobytes().decode("latin-1")
        return rebuild, (data, obj.dtype.name, arr.shape, obj.requires_grad)


def save(obj: Any, f: Any, pickle_module: Any = pickle, pickle_protocol: int = 2,
         _use_new_zipfile_serialization: bool = True,
         _disable_byteorder_record: bool = False) -> None:
    """Save ``obj`` (tensors, containers of them, ``state_dict()``s, modules...) to ``f``.

    Args:
        obj: what to save.
        f: a path, or a binary file object open for writing.
        pickle_module: accepted, as in PyTorch (the standard ``pickle`` is used).
        pickle_protocol: the pickle protocol.
        _use_new_zipfile_serialization: accepted, as in PyTorch.
        _disable_byteorder_record: accepted, as in PyTorch.
    """
    if isinstance(f, (str, os.PathLike)):
        with open(f, "wb") as out:
            _Pickler(out, protocol=pickle_protocol).dump(obj)
    else:
        _Pickler(f, protocol=pickle_protocol).dump(obj)


_ALLOWED = {
    ("collections", "OrderedDict"): OrderedDict,
    ("collections", "Counter"): Counter,
    ("builtins", "set"): set,
    ("builtins", "complex"): complex,
    ("builtins", "bytearray"): bytearray,
    ("_codecs", "encode"): __import__("codecs").encode,
    (__name__, "_rebuild_tensor"): _rebuild_tensor,
    (__name__, "_rebuild_parameter"): _rebuild_parameter,
    ("tinygrad_lite._dtype", "Size"): D.Size,
    ("tinygrad_lite._dtype", "device"): D.device,
}
_ALLOWED.update({("tinygrad_lite._dtype", d.name): d for d in D._BY_NP.values()})



def _shown(module: str, name: str) -> str:
    return name if module == "builtins" else f"{module}.{name}"


class _WeightsUnpickler(pickle.Unpickler):
    """An unpickler that rebuilds only the allowed globals (PyTorch's ``weights_only``)."""

    def find_class(self, module: str, name: str) -> Any:
        # the Python 2 names that protocol 2 writes, mapped back as pickle maps them
        module, name = _compat_pickle.NAME_MAPPING.get((module, name), (module, name))
        module = _compat_pickle.IMPORT_MAPPING.get(module, module)
        found = _ALLOWED.get((module, name))
        if found is not None:
            return found
        for g in _user_globals:
            if (getattr(g, "__module__", None), getattr(g, "__qualname__", None)) == (module,
                                                                                       name):
                return g
        shown = _shown(module, name)
        raise pickle.UnpicklingError(
            f"{_WEIGHTS_ONLY_FAILED}Unsupported global: GLOBAL {shown} was not an allowed "
            f"global by default. Please use `torch.serialization.add_safe_globals([{shown}])` "
            f"or the `torch.serialization.safe_globals([{shown}])` context manager to allowlist "
            f"this global if you trust this class/function.\n\n{_DOC_LINK}")


def load(f: Any, map_location: Any = None, pickle_module: Any = None, *,
         weights_only: bool | None = None, mmap: bool | None = None,
         **pickle_load_args: Any) -> Any:
    """Load what :func:`save` saved.

    Args:
        f: a path, or a binary file object open for reading.
        map_location: where to put the tensors: only the CPU (or None) here.
        pickle_module: accepted, as in PyTorch.
        weights_only: only rebuild tensors, containers and numbers (the default, as in
            PyTorch 2.6 and later); False unpickles anything (only for trusted files).
        mmap: accepted, as in PyTorch.
        **pickle_load_args: passed to the unpickler (``encoding=``...).

    Raises:
        pickle.UnpicklingError: with ``weights_only``, for a global that is not allowed, with
            PyTorch's message.
        FileNotFoundError: for a path that does not exist.
    """
    if map_location is not None and not callable(map_location) and not isinstance(
            map_location, dict):
        D.check_device(map_location)
    unpickler = pickle.Unpickler if weights_only is False else _WeightsUnpickler
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as src:
            return unpickler(io.BytesIO(src.read()), **pickle_load_args).load()
    return unpickler(f, **pickle_load_args).load()


def add_safe_globals(safe_globals: list[Any]) -> None:
    """Allow these classes and functions in :func:`load` with ``weights_only=True``."""
    _user_globals.extend(safe_globals)


def get_safe_globals() -> list[Any]:
    """The globals :func:`add_safe_globals` allowed."""
    return list(_user_globals)


def clear_safe_globals() -> None:
    """Forget the globals :func:`add_safe_globals` allowed."""
    _user_globals.clear()


class safe_globals:  # noqa: N801 - PyTorch's name
    """A context manager allowing ``safe_globals`` in :func:`load` within its block."""

    def __init__(self, safe_globals: list[Any]) -> None:
        self.safe_globals = list(safe_globals)

    def __enter__(self) -> None:
        self._before = list(_user_globals)
        _user_globals.extend(self.safe_globals)

    def __exit__(self, *exc: object) -> None:
        _user_globals[:] = self._before
