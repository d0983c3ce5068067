"""Render tensors as text exactly the way PyTorch's ``repr`` does.

Only NumPy is used. The rules reproduced here are those of torch's default
print options: precision 4, threshold 1000, edgeitems 3, linewidth 80 and an
automatically chosen scientific mode.

Outline of torch's algorithm:

* One formatter is built for the whole tensor (or, above the threshold, for
  the edge items that will actually be shown). It fixes a common column width
  and, for floating dtypes, one of three styles: integer style (``1.``),
  fixed style (``1.2500``) or scientific style (``1.2500e+10``).
* Rows are laid out recursively; 1-D rows wrap to the line width and nested
  rows are indented to sit under the opening bracket.
* Items such as ``dtype=torch.float64`` or ``requires_grad=True`` follow the
  data, each moved to a new line when it would overflow the line width.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

PRECISION = 4
THRESHOLD = 1000
EDGEITEMS = 3
LINEWIDTH = 80

# torch dtype name -> NumPy dtype used to hold the values (bfloat16 is held
# as float32 after rounding, since NumPy has no bfloat16).
_NUMPY_DTYPES: dict[str, Any] = {
    "float16": np.float16,
    "bfloat16": np.float32,
    "float32": np.float32,
    "float64": np.float64,
    "bool": np.bool_,
    "uint8": np.uint8,
    "uint16": np.uint16,
    "uint32": np.uint32,
    "uint64": np.uint64,
    "int8": np.int8,
    "int16": np.int16,
    "int32": np.int32,
    "int64": np.int64,
}
_ALIASES = {
    "half": "float16",
    "float": "float32",
    "double": "float64",
    "short": "int16",
    "int": "int32",
    "long": "int64",
}
_FLOATING = {"float16", "bfloat16", "float32", "float64"}


def _round_to_bfloat16(values: np.ndarray) -> np.ndarray:
    """Round float32 values to the nearest bfloat16 (ties to even).

    Args:
        values: A float32 array.

    Returns:
        A float32 array holding only bfloat16-representable values.
    """
    bits = np.array(values, dtype=np.float32).view(np.uint32)
    rounding = np.uint32(0x7FFF) + ((bits >> np.uint32(16)) & np.uint32(1))
    rounded = ((bits + rounding) & np.uint32(0xFFFF0000)).view(np.float32)
    return np.where(np.isnan(values), values, rounded)


def _as_array(data: Any, dtype: str) -> np.ndarray:
    """Convert ``data`` to an array holding exactly the values torch stores.

    Floating values are widened to float64 afterwards, because torch formats
    each element as a Python float (a double).

    Args:
        data: An ndarray or a Python scalar.
        dtype: A torch dtype name, e.g. ``'float32'``.

    Returns:
        A float64 array for floating dtypes, otherwise an array of the dtype.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        array = np.asarray(data)
        if dtype in ("float16", "bfloat16"):
            # torch narrows doubles to half types through float32.
            array = array.astype(np.float32)
        array = array.astype(_NUMPY_DTYPES[dtype])
        if dtype == "bfloat16":
            array = _round_to_bfloat16(array)
        if dtype in _FLOATING:
            array = array.astype(np.float64)
    return array


def _edge_indices(size: int) -> list[int]:
    """Indices that a summarized dimension of length ``size`` shows."""
    if size > 2 * EDGEITEMS:
        return [*range(EDGEITEMS), *range(size - EDGEITEMS, size)]
    return list(range(size))


class _Formatter:
    """Formats single elements with a style and width shared by a tensor.

    Attributes:
        floating: Whether the dtype is a floating dtype.
        int_mode: Whether every finite non-zero value is integer-valued.
        sci_mode: Whether scientific notation is used.
        width: Column width every element is right-aligned to.
    """

    def __init__(self, values: np.ndarray, floating: bool) -> None:
        """Choose the style and width from the values that will be shown.

        Args:
            values: The elements shown (already summarized when needed).
            floating: Whether the dtype is a floating dtype.
        """
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.width = 1
        if not floating:
            texts = [str(v) for v in values.ravel().tolist()]
            self.width = max([self.width, *map(len, texts)])
            return
        shown = values[np.isfinite(values) & (values != 0)]
        if shown.size == 0:
            return
        magnitudes = np.abs(shown)
        smallest, largest = float(magnitudes.min()), float(magnitudes.max())
        self.int_mode = bool(np.all(shown == np.ceil(shown)))
        self.sci_mode = largest / smallest > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4
        if self.sci_mode:
            spec, extra = f".{PRECISION}e", 0
        elif self.int_mode:
            spec, extra = ".0f", 1  # room for the trailing "."
        else:
            spec, extra = f".{PRECISION}f", 0
        texts = [format(v, spec) for v in shown.tolist()]
        self.width = max([self.width, *(len(t) + extra for t in texts)])

    def format(self, value: float) -> str:
        """Format one element, right-aligned to the shared width.

        Args:
            value: A Python scalar (float, int or bool) taken from the tensor.

        Returns:
            The element's text.
        """
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = format(value, f"{self.width}.{PRECISION}e")
        elif self.int_mode:
            text = format(value, ".0f")
            if math.isfinite(value):
                text += "."
        else:
            text = format(value, f".{PRECISION}f")
        return text.rjust(self.width)


def _vector_str(row: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    """Lay out a 1-D row, wrapping it to the line width.

    Args:
        row: A 1-D array.
        indent: Column of the row's opening bracket.
        summarize: Whether to elide middle elements.
        fmt: The tensor's formatter.

    Returns:
        The row's text, bracketed.
    """
    values = row.tolist()
    if summarize and len(values) > 2 * EDGEITEMS:
        items = [fmt.format(v) for v in values[:EDGEITEMS]]
        items += [" ..."] + [fmt.format(v) for v in values[-EDGEITEMS:]]
    else:
        items = [fmt.format(v) for v in values]
    per_line = max(1, (LINEWIDTH - indent) // (fmt.width + 2))
    lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _body_str(array: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    """Lay out an array of any rank recursively.

    Args:
        array: The array (or sub-array) to lay out.
        indent: Column of the array's opening bracket.
        summarize: Whether to elide middle slices.
        fmt: The tensor's formatter.

    Returns:
        The array's text.
    """
    if array.ndim == 0:
        return fmt.format(array.item())
    if array.ndim == 1:
        return _vector_str(array, indent, summarize, fmt)
    size = array.shape[0]
    if summarize and size > 2 * EDGEITEMS:
        head = [_body_str(array[i], indent + 1, summarize, fmt) for i in range(EDGEITEMS)]
        tail = [
            _body_str(array[i], indent + 1, summarize, fmt) for i in range(size - EDGEITEMS, size)
        ]
        slices = [*head, "...", *tail]
    else:
        slices = [_body_str(sub, indent + 1, summarize, fmt) for sub in array]
    separator = "," + "\n" * (array.ndim - 1) + " " * (indent + 1)
    return "[" + separator.join(slices) + "]"


def _append_items(text: str, items: Sequence[str], indent: int) -> str:
    """Append ``, item`` entries and the closing parenthesis.

    An item moves to a new line, indented to ``indent``, when it would pass
    the line width. The width of the last line is measured the way torch
    measures it, which counts two more columns than are present when the text
    has no newline.

    Args:
        text: The prefix and the data text.
        items: Extra items, e.g. ``['dtype=torch.float64']``.
        indent: Indentation for items moved to a new line.

    Returns:
        The complete repr.
    """
    parts = [text]
    last_line = len(text) - text.rfind("\n") + 1
    for item in items:
        if last_line + len(item) + 2 > LINEWIDTH:
            parts.append(",\n" + " " * indent + item)
            last_line = indent + len(item)
        else:
            parts.append(", " + item)
            last_line += len(item) + 2
    return "".join(parts) + ")"


def format_tensor(
    data: Any,
    dtype: str,
    *,
    suffixes: Sequence[str] = (),
    prefix: str = "tensor(",
    default_dtype: str = "float32",
) -> str:
    """Return the text torch prints for a tensor.

    Args:
        data: A NumPy ndarray (any shape, including 0-d) or a Python
            float/int/bool (0-d). It is cast to ``dtype`` first.
        dtype: torch's dtype name without ``'torch.'``, e.g. ``'float32'``,
            ``'float64'``, ``'int64'``, ``'bool'``, ``'float16'``.
        suffixes: Extra items already formatted, appended after the data and
            the dtype item, e.g. ``['requires_grad=True']``.
        prefix: The opening text, ``'tensor('`` normally.
        default_dtype: The current default dtype, which the text leaves out.

    Returns:
        The same text as ``repr`` of the equivalent torch tensor.

    Raises:
        ValueError: If ``dtype`` is not a supported dtype name.
    """
    dtype = _ALIASES.get(dtype, dtype)
    if dtype not in _NUMPY_DTYPES:
        raise ValueError(f"unsupported dtype: {dtype!r}")
    array = _as_array(data, dtype)
    indent = len(prefix)
    items: list[str] = []
    if array.size == 0:
        if array.ndim != 1:
            items.append(f"size={tuple(array.shape)}")
        if dtype != default_dtype:
            items.append(f"dtype=torch.{dtype}")
        body = "[]"
    else:
        if dtype not in (default_dtype, "int64", "bool"):
            items.append(f"dtype=torch.{dtype}")
        summarize = array.size > THRESHOLD
        shown = array[np.ix_(*map(_edge_indices, array.shape))] if summarize else array
        fmt = _Formatter(shown, dtype in _FLOATING)
        body = _body_str(array, indent, summarize, fmt)
    return _append_items(prefix + body, [*items, *suffixes], indent)


def format_parameter(
    data: Any,
    dtype: str,
    suffixes: Sequence[str] = ("requires_grad=True",),
) -> str:
    """Return the text torch prints for an ``nn.Parameter``.

    Args:
        data: As for :func:`format_tensor`.
        dtype: As for :func:`format_tensor`.
        suffixes: Extra items; a parameter that requires grad (the default)
            shows ``requires_grad=True``.

    Returns:
        ``'Parameter containing:\\n'`` followed by the tensor's repr.
    """
    return "Parameter containing:\n" + format_tensor(data, dtype, suffixes=suffixes)
