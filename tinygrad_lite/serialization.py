"""``torch.save`` and ``torch.load``: objects holding tensors, pickled.

The format is this library's own (a pickle stream: each storage, the whole memory that
tensors view, stored once as raw bytes, and each tensor as where it lies in its storage),
not PyTorch's zip archive. As in PyTorch, tensors that shared memory when saved (a tensor
and its views, tied weights) share it when loaded, and a view is saved with all of its
storage. :func:`load` follows PyTorch 2.6 and later:
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
from .ops import byte_offset, storage_root

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


def _rebuild_storage(data: str, dtype: str) -> np.ndarray:
    """A storage, the flat memory that tensors view, from its saved bytes and dtype name
    (the unpickler's memo hands the same array to every tensor that views it)."""
    return np.frombuffer(data.encode("latin-1"), dtype=getattr(D, dtype).np).copy()


def _rebuild_view(storage: np.ndarray, offset: int, shape: tuple[int, ...],
                  strides: tuple[int, ...], requires_grad: bool) -> Tensor:
    """A leaf tensor that views ``storage`` from element ``offset`` with ``strides`` (in
    elements), as PyTorch's loaded tensors do: not a view in autograd's sense."""
    n = storage.itemsize
    arr = np.lib.stride_tricks.as_strided(storage[offset:], shape, [s * n for s in strides])
    return _leaf(arr if storage.size > 1 else _store(arr), requires_grad)


def _rebuild_parameter_view(storage: np.ndarray, offset: int, shape: tuple[int, ...],
                            strides: tuple[int, ...], requires_grad: bool) -> Tensor:
    """An ``nn.Parameter`` that views ``storage`` (see :func:`_rebuild_view`)."""
    from .nn.parameter import Parameter

    return Parameter(_rebuild_view(storage, offset, shape, strides, False), requires_grad)


class _Storage:
    """The flat memory of one array that saved tensors view, pickled once per save."""

    def __init__(self, flat: np.ndarray, dtype: str) -> None:
        self.flat, self.dtype = flat, dtype

    def __reduce__(self) -> Any:
        return _rebuild_storage, (self.flat.tobytes().decode("latin-1"), self.dtype)


class _Pickler(pickle.Pickler):
    """A pickler that stores each tensor as (storage, offset, shape, strides,
    requires_grad), each storage once; a tensor whose memory it cannot read as a flat
    storage (a value, not an array) as (bytes, dtype, shape, requires_grad)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._storages: dict[int, tuple[_Storage, np.ndarray]] = {}

    def reducer_override(self, obj: Any) -> Any:
        if not isinstance(obj, Tensor):
            return NotImplemented
        from .nn.parameter import Parameter

        param = isinstance(obj, Parameter)
        x = obj._data
        root = storage_root(x) if type(x) is np.ndarray else None
        if (root is not None and root.dtype == x.dtype == obj.dtype.np and x.size
                and (root.flags.c_contiguous or root.flags.f_contiguous)):
            n = x.itemsize
            offset, strides = divmod(byte_offset(x, root), n), x.strides
            if offset[1] == 0 and all(st % n == 0 and st >= 0 for st in strides):
                seen = self._storages.get(id(root))
                if seen is None:  # (root kept alive, so that its id stays its own)
                    seen = self._storages[id(root)] = (_Storage(root.reshape(-1, order="A"),
                                                                obj.dtype.name), root)
                rebuild = _rebuild_parameter_view if param else _rebuild_view
                return rebuild, (seen[0], offset[0], x.shape, tuple(st // n for st in strides),
                                 obj.requires_grad)
        arr = np.asarray(x, dtype=obj.dtype.np)  # tobytes() is in C order
        rebuild = _rebuild_parameter if param else _rebuild_tensor
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
    (__name__, "_rebuild_storage"): _rebuild_storage,
    (__name__, "_rebuild_view"): _rebuild_view,
    (__name__, "_rebuild_parameter_view"): _rebuild_parameter_view,
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
