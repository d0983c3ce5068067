"""Data types, shapes and devices, named and printed as PyTorch names and prints them."""

from __future__ import annotations

import builtins

import numpy as np

__all__ = ["dtype", "Size", "device", "get_default_dtype", "set_default_dtype"]


class dtype:  # noqa: N801 - the name PyTorch uses
    """A tensor element type, such as `float32`; prints as `torch.float32`.

    Attributes:
        name: PyTorch's name without the module, e.g. ``"float64"``.
        np: the NumPy dtype that stores it.
        is_floating_point: whether gradients can flow through it.
        itemsize: bytes per element.
    """

    __slots__ = ("name", "np", "is_floating_point", "itemsize", "_rank")

    def __init__(self, name: str, np_dtype: type, rank: int) -> None:
        self.name = name
        self.np = np.dtype(np_dtype)
        self.is_floating_point = self.np.kind == "f"
        self.itemsize = self.np.itemsize
        self._rank = rank  # 0 bool, 1 integers, 2 floats: the promotion categories

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    def __reduce__(self) -> str:
        return self.name


bool = dtype("bool", np.bool_, 0)  # noqa: A001 - PyTorch's public name
uint8 = dtype("uint8", np.uint8, 1)
int8 = dtype("int8", np.int8, 1)
int16 = dtype("int16", np.int16, 1)
int32 = dtype("int32", np.int32, 1)
int64 = dtype("int64", np.int64, 1)
float16 = dtype("float16", np.float16, 2)
float32 = dtype("float32", np.float32, 2)
float64 = dtype("float64", np.float64, 2)
short, int, long = int16, int32, int64  # noqa: A001
half, float, double = float16, float32, float64  # noqa: A001

_BY_NP = {d.np: d for d in (bool, uint8, int8, int16, int32, int64, float16, float32, float64)}

_default = float32


def get_default_dtype() -> dtype:
    """The dtype of tensors made from Python floats (``float32``, as PyTorch's)."""
    return _default


def set_default_dtype(d: dtype) -> None:
    """Set the dtype that Python floats become (``float32`` or ``float64``).

    Raises:
        TypeError: if ``d`` is not a floating-point dtype.
    """
    global _default
    if not isinstance(d, dtype):
        raise TypeError("invalid dtype object: only floating-point types are supported as the "
                        "default type")
    if not d.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _default = d


def from_numpy_dtype(np_dtype: np.dtype) -> dtype:
    """The tensor dtype stored as ``np_dtype``.

    Raises:
        TypeError: for NumPy types PyTorch has no twin of here (strings, objects, ...).
    """
    try:
        return _BY_NP[np.dtype(np_dtype)]
    except KeyError:
        raise TypeError(
            f"can't convert np.ndarray of type {np.dtype(np_dtype)}. The only supported types "
            "are: float64, float32, float16, int64, int32, int16, int8, uint8, and bool."
        ) from None


def promote_types(a: dtype, b: dtype) -> dtype:
    """PyTorch's promotion of two dtypes: a float beats an integer, wider beats narrower."""
    if a is b:
        return a
    if a._rank != b._rank:
        return a if a._rank > b._rank else b
    return _BY_NP[np.promote_types(a.np, b.np)]


class Size(tuple):
    """A tensor's shape: a tuple that prints as ``torch.Size([2, 3])``."""

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"

    def __getitem__(self, i: builtins.int | slice) -> builtins.int | Size:
        r = tuple.__getitem__(self, i)
        return Size(r) if type(i) is slice else r  # a slice of a Size is a Size

    def __add__(self, other: tuple) -> Size:
        return Size(tuple.__add__(self, other))

    def numel(self) -> builtins.int:
        """The number of elements a tensor of this shape holds."""
        n = 1
        for s in self:
            n *= s
        return n


class device:  # noqa: N801 - the name PyTorch uses
    """Where a tensor lives. This build computes on the CPU only.

    Args:
        type: ``"cpu"``; ``"cuda"`` and the like are recognised but not available.
        index: device index (ignored on the CPU).

    Raises:
        RuntimeError: for a device string PyTorch does not know.
    """

    __slots__ = ("type", "index")
    _KNOWN = ("cpu", "cuda", "mps", "xpu", "meta", "hip", "xla", "ipu", "mtia", "hpu")

    def __init__(self, type: str | device, index: builtins.int | None = None) -> None:  # noqa: A002
        if isinstance(type, device):
            type, index = type.type, type.index
        name, _, idx = str(type).partition(":")
        if name not in self._KNOWN:
            raise RuntimeError(
                "Expected one of cpu, cuda, mps, xpu, meta, hip, xla device type at start of "
                f"device string: {type}"
            )
        self.type = name
        self.index = builtins.int(idx) if idx else index

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other: object) -> builtins.bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> builtins.int:
        return hash((self.type, self.index))


CPU = device("cpu")


def check_device(d: str | device | None) -> None:
    """Accept the CPU; refuse any other device the way PyTorch's CPU-only build does.

    Raises:
        AssertionError: for ``cuda`` (PyTorch's CPU build raises the same type).
        RuntimeError: for other devices and unknown names.
    """
    if d is None:
        return
    d = device(d)
    if d.type == "cpu":
        return
    if d.type == "cuda":
        raise AssertionError(
            "Torch not compiled with CUDA enabled: tinygrad_lite computes on the CPU with NumPy "
            "and has no CUDA backend; use device='cpu'."
        )
    raise RuntimeError(
        f"tinygrad_lite computes on the CPU with NumPy and has no '{d.type}' backend; "
        "use device='cpu'."
    )
