"""Pictures of the tape: a tensor's graph as Mermaid or plain text, and plots as inline SVG.

Every function here only *reads* the graph: nothing is recorded and no ``.grad`` changes.

* :func:`to_mermaid`: the computation graph of a tensor as a Mermaid flowchart (leaves,
  records with their ``grad_fn`` names and values, optionally every record's adjoint).
* :func:`tape_mermaid`: the Wengert list itself, one node per record in creation order.
* :func:`tape_markdown`: the tape table as a Markdown table (for a web page).
* :func:`graph_text`: the graph as an indented tree of plain text (for a REPL).
* :func:`svg`: a matplotlib figure as reproducible SVG text, to print inside a web page.

Example:
    >>> import tinygrad_lite as torch
    >>> from tinygrad_lite import viz
    >>> x = torch.tensor(-2.0, requires_grad=True)
    >>> y = torch.tensor(5.0, requires_grad=True)
    >>> f = (x + y) * 3.0
    >>> print(viz.graph_text(f, x=x, y=y))
    v3 = MulBackward0(v2, 3.0) = 9
    └── v2 = AddBackward0(x, y) = 3
        ├── x (leaf) = -2
        └── y (leaf) = 5
"""

from __future__ import annotations

import io
import re
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from ._inplace import inputs_at as inputs

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from . import Tensor

__all__ = ["graph_text", "svg", "tape_markdown", "tape_mermaid", "to_mermaid"]

_DIRECTIONS = ("LR", "RL", "TB", "BT", "TD")


# ----------------------------------------------------------------------------------------
# Reading the tape
# ----------------------------------------------------------------------------------------
def _tape_of(graph: Any, names: dict[str, Tensor], adjoints: bool) -> Any:
    """The :class:`Tape` for ``graph`` (a tensor or a tape), backpropagated if asked."""
    from . import Tensor
    from . import tape as make_tape

    if isinstance(graph, Tensor):
        t = make_tape(graph, **names)
    elif hasattr(graph, "records") and hasattr(graph, "output"):
        if names:
            raise TypeError("names can only be given with a tensor, not with a tape")
        t = graph
    else:
        raise TypeError(f"expected a Tensor or a tape, got {type(graph).__name__}")
    if adjoints and not _has_adjoints(t):
        if not t.output.requires_grad:
            raise RuntimeError("the tensor does not require grad: it has no adjoints to show")
        t.backward()
    return t


def _has_adjoints(t: Any) -> bool:
    return any(r.adjoint is not None for r in t.records)


def _fmt(x: Any, digits: int) -> str:
    """A value in a few characters: a number with ``digits`` significant digits or an array."""
    if hasattr(x, "_data"):
        x = x._data
    a = np.asarray(x)
    if a.size == 1:
        v = a.item()
        if isinstance(v, bool):
            return str(v)
        if isinstance(v, int):
            return str(v)
        return f"{v:.{digits}g}"
    with np.printoptions(precision=digits, threshold=6, edgeitems=2, suppress=True):
        s = np.array2string(a, separator=", ")
    return re.sub(r"\s*\n\s*", " ", s)


def _shape(x: Any) -> str:
    shape = np.shape(x._data if hasattr(x, "_data") else x)
    return "" if shape == () else f" {tuple(shape)}"


def _parts(t: Any) -> dict[int, tuple[list[str], list[str]]]:
    """For each record: (names of its input records, constants written into its inputs)."""
    out = {}
    for r in t.records:
        n = len(inputs(r.value)) if r.op != "input" else 0
        out[r.index] = (r.inputs[:n], r.inputs[n:])
    return out


# ----------------------------------------------------------------------------------------
# Mermaid
# ----------------------------------------------------------------------------------------
def _esc(s: str) -> str:
    """Escape text for a quoted Mermaid label."""
    return (s.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;")
            .replace(">", "#gt;"))


def _fence(text: str) -> str:
    return f"```mermaid\n{text}\n```"


def to_mermaid(graph: Tensor | Any, /, *, adjoints: bool = False, values: bool = True,
               direction: str = "LR", digits: int = 4, fence: bool = False,
               **names: Tensor) -> str:
    """The computation graph of a tensor as a Mermaid flowchart.

    Leaves are rectangles (a double border for the ones that require grad, a dashed one for
    constants), each record is a rounded box with its ``grad_fn`` name, and arrows go from
    inputs to the records that use them. The output has a thick border.

    Args:
        graph: the tensor at the end of the computation, or a tape from
            ``tinygrad_lite.tape(...)`` (then its adjoints are shown if it has them).
        adjoints: also show every record's adjoint d output / d record, computed by a tape
            backward (``.grad`` is left untouched).
        values: show each node's value.
        direction: ``"LR"`` (left to right), ``"TB"`` (top to bottom), ``"RL"`` or ``"BT"``.
        digits: significant digits of the numbers shown.
        fence: wrap the text in a ```` ```mermaid ```` fence, ready to print into a
            Markdown page from an executed snippet.
        **names: names for leaves, as in ``tinygrad_lite.tape(y, x=x)``; others are
            called ``v<index>``. (``adjoints``, ``values``, ``direction``, ``digits`` and
            ``fence`` are taken by the options.)

    Returns:
        The Mermaid source, starting with ``flowchart LR``.

    Raises:
        TypeError: ``graph`` is neither a tensor nor a tape.
        ValueError: an unknown ``direction``.
        RuntimeError: ``adjoints=True`` for a tensor that does not require grad.

    Example:
        >>> import tinygrad_lite as torch
        >>> from tinygrad_lite import viz
        >>> x = torch.tensor(3.0, requires_grad=True)
        >>> print(viz.to_mermaid(x * x, x=x))
        flowchart LR
            n0["x = 3"]:::leaf
            n1(["MulBackward0<br/>v1 = 9"]):::out
            n0 --> n1
            n0 --> n1
            classDef leaf stroke-width:3px
            classDef const stroke-dasharray:4 3
            classDef out stroke-width:4px
    """
    if direction not in _DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(_DIRECTIONS)}, not {direction!r}")
    t = _tape_of(graph, names, adjoints)
    show_adj = _has_adjoints(t)
    parts = _parts(t)
    last = t.records[-1].index if t.records else -1
    lines = [f"flowchart {direction}"]
    edges = []
    ids = {r.name: f"n{r.index}" for r in t.records}
    for r in t.records:
        ins, consts = parts[r.index]
        value = f" = {_fmt(r.value, digits)}{_shape(r.value)}" if values else ""
        if r.op == "input":
            label = [r.name + value]
        else:
            label = [r.op + (" (" + ", ".join(consts) + ")" if consts else ""), r.name + value]
        if show_adj and (r.op != "input" or r.value.requires_grad):
            adj = "0" if r.adjoint is None else _fmt(r.adjoint, digits)
            label.append(f"adjoint {adj}")
        text = _esc("<br/>".join(label)).replace("#lt;br/#gt;", "<br/>")
        node = f"n{r.index}"
        if r.op == "input":
            cls = "leaf" if r.value.requires_grad else "const"
            lines.append(f'    {node}["{text}"]:::{cls}')
        else:
            cls = "out" if r.index == last else ""
            lines.append(f'    {node}(["{text}"])' + (f":::{cls}" if cls else ""))
        for name in ins:
            edges.append(f"    {ids[name]} --> {node}")
    lines += edges
    lines += ["    classDef leaf stroke-width:3px", "    classDef const stroke-dasharray:4 3",
              "    classDef out stroke-width:4px"]
    text = "\n".join(lines)
    return _fence(text) if fence else text


def tape_mermaid(graph: Tensor | Any, /, *, adjoints: bool = False, digits: int = 4,
                 fence: bool = False, **names: Tensor) -> str:
    """The Wengert list as a Mermaid flowchart: one box per record, in creation order.

    Each box reads like a line of the tape table (``v3 = AddBackward0(x, y) = 3``). Solid
    arrows follow the forward evaluation order, top to bottom; with adjoints, dotted arrows
    show the reverse replay, bottom to top, each box listing its adjoint.

    Args:
        graph: the output tensor, or a tape from ``tinygrad_lite.tape(...)``.
        adjoints: run a tape backward and show the adjoints and the reverse sweep.
        digits: significant digits of the numbers shown.
        fence: wrap the text in a ```` ```mermaid ```` fence.
        **names: names for the leaves, as in ``tinygrad_lite.tape``.

    Returns:
        The Mermaid source, starting with ``flowchart TB``.
    """
    t = _tape_of(graph, names, adjoints)
    show_adj = _has_adjoints(t)
    parts = _parts(t)
    lines = ["flowchart TB"]
    for r in t.records:
        ins, consts = parts[r.index]
        if r.op == "input":
            head = f"{r.index}: {r.name} (input)"
        else:
            head = f"{r.index}: {r.name} = {r.op}({', '.join(ins + consts)})"
        body = [head, "value " + _fmt(r.value, digits) + _shape(r.value)]
        if show_adj:
            body.append("adjoint " + ("0" if r.adjoint is None else _fmt(r.adjoint, digits)))
        text = _esc("<br/>".join(body)).replace("#lt;br/#gt;", "<br/>")
        cls = ":::leaf" if r.op == "input" and r.value.requires_grad else (
            ":::const" if r.op == "input" else "")
        lines.append(f'    n{r.index}["{text}"]{cls}')
    idx = [r.index for r in t.records]
    for a, b in zip(idx, idx[1:]):
        lines.append(f"    n{a} --> n{b}")
    if show_adj:
        for a, b in zip(idx[::-1], idx[::-1][1:]):
            lines.append(f"    n{a} -.-> n{b}")
    lines += ["    classDef leaf stroke-width:3px", "    classDef const stroke-dasharray:4 3"]
    text = "\n".join(lines)
    return _fence(text) if fence else text


# ----------------------------------------------------------------------------------------
# Text
# ----------------------------------------------------------------------------------------
def tape_markdown(graph: Tensor | Any, /, *, adjoints: bool = False, digits: int = 7,
                  **names: Tensor) -> str:
    """The tape table as a Markdown table: index, name, op, inputs, value (and adjoint).

    The same rows as ``print(tinygrad_lite.tape(y))``, for a web page where a table reads
    better than fixed-width text.

    Args:
        graph: the output tensor, or a tape.
        adjoints: run a tape backward and add the adjoint column.
        digits: significant digits of the numbers shown.
        **names: names for the leaves, as in ``tinygrad_lite.tape``.

    Returns:
        Markdown text, one table row per record.
    """
    t = _tape_of(graph, names, adjoints)
    show_adj = _has_adjoints(t)
    head = ["index", "name", "op", "inputs", "value"] + (["adjoint"] if show_adj else [])
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in t.records:
        cells = [str(r.index), f"`{r.name}`", f"`{r.op}`" if r.op != "input" else "input",
                 ", ".join(f"`{i}`" for i in r.inputs), _fmt(r.value, digits)]
        if show_adj:
            cells.append("0" if r.adjoint is None else _fmt(r.adjoint, digits))
        rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(rows)


def graph_text(graph: Tensor | Any, /, *, adjoints: bool = False, digits: int = 4,
               **names: Tensor) -> str:
    """The graph as an indented tree of plain text, output first, for a terminal.

    A record used twice is drawn once; later uses say ``(see above)``.

    Args:
        graph: the output tensor, or a tape.
        adjoints: run a tape backward and show each node's adjoint.
        digits: significant digits of the numbers shown.
        **names: names for the leaves, as in ``tinygrad_lite.tape``.

    Returns:
        The tree, one node per line.
    """
    t = _tape_of(graph, names, adjoints)
    show_adj = _has_adjoints(t)
    by_name = {r.name: r for r in t.records}
    parts = _parts(t)
    lines: list[str] = []
    seen: set[int] = set()

    def line(r: Any) -> str:
        ins, consts = parts[r.index]
        if r.op == "input":
            s = f"{r.name} ({'leaf' if r.value.requires_grad else 'constant'})"
        else:
            s = f"{r.name} = {r.op}({', '.join(ins + consts)})"
        s += " = " + _fmt(r.value, digits)
        if show_adj and (r.op != "input" or r.value.requires_grad):
            s += ", adjoint " + ("0" if r.adjoint is None else _fmt(r.adjoint, digits))
        return s

    def walk(r: Any, prefix: str, tail: str) -> None:
        again = r.index in seen and r.op != "input"
        lines.append(prefix + (f"{r.name} (see above)" if again else line(r)))
        if again:
            return
        seen.add(r.index)
        ins = parts[r.index][0]
        for k, name in enumerate(ins):
            end = k == len(ins) - 1
            walk(by_name[name], tail + ("└── " if end else "├── "),
                 tail + ("    " if end else "│   "))

    if t.records:
        walk(t.records[-1], "", "")
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------
# Plots
# ----------------------------------------------------------------------------------------
def svg(fig: Figure, *, alt: str | None = None, salt: str = "tinygrad_lite",
        close: bool = True) -> str:
    """A matplotlib figure as SVG text that is the same on every run, for inline HTML.

    Text stays text (``svg.fonttype = "none"``), so labels in any language are drawn by
    the browser's fonts and can be searched; the date and creator metadata are left out
    and element ids come from a fixed salt, so two builds give the same bytes. The XML
    prolog is dropped, so the result can be printed straight into a page from an executed
    snippet (``html="on"``). The figure keeps its own background (white by default), so it
    stays readable in a dark theme.

    matplotlib is imported only by the caller's figure: it is not a dependency of
    tinygrad_lite.

    Args:
        fig: a matplotlib ``Figure``.
        alt: a text description, set as the image's ``aria-label`` and ``<title>``.
        salt: the seed of the element ids; give two figures on one page different salts
            if they draw identical elements (the ids would repeat otherwise).
        close: close the figure afterwards (frees its memory in pyplot).

    Returns:
        The ``<svg ...>...</svg>`` element as a string.
    """
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": salt, "svg.fonttype": "none"}), \
            warnings.catch_warnings():
        # Text is kept as text, so a glyph missing from matplotlib's font (Korean, say) is
        # only a layout estimate here: the browser draws it with its own fonts.
        warnings.filterwarnings("ignore", message="Glyph .* missing from")
        fig.savefig(buf, format="svg", bbox_inches="tight",
                    metadata={"Date": None, "Creator": None})
    if close:
        import matplotlib.pyplot as plt

        plt.close(fig)
    text = buf.getvalue()
    text = text[text.index("<svg"):].strip()
    attrs = ' class="tl-plot" role="img"'
    if alt:
        attrs += f' aria-label="{_xml(alt)}"'
    text = text.replace("<svg", "<svg" + attrs, 1)
    if alt:
        head_end = text.index(">") + 1
        text = text[:head_end] + f"\n <title>{_xml(alt)}</title>" + text[head_end:]
    return text


def _xml(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
