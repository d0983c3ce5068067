"""Pictures of the tape: a tensor's graph as Mermaid or plain text, and plots as inline SVG.

Every function here only *reads* the graph: nothing is recorded and no ``.grad`` changes.

* :func:`to_mermaid`: the computation graph of a tensor as a Mermaid flowchart (leaves,
  records with their ``grad_fn`` names and values, optionally every record's adjoint).
* :func:`tape_mermaid`: the Wengert list itself, one node per record in creation order.
* :func:`tape_markdown`: the tape table as a Markdown table (for a web page).
* :func:`graph_text`: the graph as an indented tree of plain text (for a REPL).
* :func:`tape_player`: the tape as a web page's player that steps through the forward pass
  and the reverse sweep, record by record, writing out each chain-rule product.
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

import html
import io
import json
import re
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from ._inplace import inputs_at as inputs

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from . import Tensor

__all__ = ["graph_text", "svg", "tape_markdown", "tape_mermaid", "tape_player", "to_mermaid"]

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
# The tape player
# ----------------------------------------------------------------------------------------
def tape_player(graph: Tensor | Any, /, *, digits: int = 4, **names: Tensor) -> str:
    """The Wengert list as an HTML player that replays it, record by record.

    Forward, each record's value appears in creation order; backward, from the output's
    seed, each record's rule runs in reverse order and the player writes out what it adds
    to each input's adjoint (``adjoint of q += adjoint of f × ∂f/∂q = 1 × -4``). Where a
    value is used twice (fan-out), the sum of its contributions is shown as it grows. The
    values and adjoints are the tape's own (a tape backward, as in
    :func:`tape_markdown` with ``adjoints=True``; ``.grad`` is left untouched); each
    contribution is what the record's backward rule returns for the record's adjoint.

    Print the result from an executed snippet with ``html="on"``; the site's
    ``docs/javascripts/tape-player.js`` draws the table and the Prev / Next / Play / Reset
    buttons, in the page's language. Call it **before** ``.backward()`` (or after
    ``.backward(retain_graph=True)``): the rules need their saved values.

    Args:
        graph: the output tensor (a scalar that requires grad), or a tape from
            ``tinygrad_lite.tape(...)``, backpropagated or not.
        digits: significant digits of the numbers shown.
        **names: names for the tensors, as in ``tinygrad_lite.tape(y, x=x)``; others are
            called ``v<index>``.

    Returns:
        A ``<div data-tape-player="...">`` element whose attribute holds the player's data
        as JSON: ``records`` (index, name, op, args, value, adjoint, grad) and ``steps``
        (``forward`` per record, then ``seed``, ``backward`` per record that passes an
        adjoint on, with its ``terms``: the input ``to``, the ``partial`` derivative for
        scalars, the contribution ``add`` and the input's adjoint ``before``/``after``).

    Raises:
        TypeError: ``graph`` is neither a tensor nor a tape.
        RuntimeError: the tensor does not require grad, or its graph was freed by a
            backward pass.

    Example:
        >>> import tinygrad_lite as torch
        >>> from tinygrad_lite import viz
        >>> x = torch.tensor(3.0, requires_grad=True)
        >>> print(viz.tape_player(x * x, x=x)[:39])
        <div class="tl-player" data-tape-player
    """
    t = _tape_of(graph, names, True)
    parts = _parts(t)
    where = {id(r.value): r.index for r in t.records}

    def fmt(v: Any) -> str:
        return _fmt(v, digits)

    records = []
    for r in t.records:
        ins, consts = parts[r.index]
        records.append({"index": r.index, "name": r.name,
                        "op": None if r.op == "input" else r.op, "args": ins + consts,
                        "value": fmt(r.value), "grad": bool(r.value.requires_grad),
                        "adjoint": None if r.adjoint is None else fmt(r.adjoint)})
    steps: list[dict[str, Any]] = [{"phase": "forward", "record": r.index} for r in t.records]
    if t.records:
        steps.append({"phase": "seed", "record": t.records[-1].index})
    running: dict[int, Any] = {}
    for r in reversed(t.records):
        if r.op == "input" or r.adjoint is None:
            continue
        terms = []
        for x, add, partial in _contributions(r):
            j = where[id(x)]
            before = running.get(j)
            running[j] = add if before is None else before + add
            terms.append({"to": j, "partial": None if partial is None else fmt(partial),
                          "add": fmt(add), "before": None if before is None else fmt(before),
                          "after": fmt(running[j])})
        steps.append({"phase": "backward", "record": r.index, "terms": terms})
    data = json.dumps({"records": records, "steps": steps}, ensure_ascii=False,
                      separators=(",", ":"))
    return f'<div class="tl-player" data-tape-player="{html.escape(data)}"></div>'


def _contributions(r: Any) -> list[tuple[Tensor, Any, Any]]:
    """What record ``r``'s backward rule adds to its inputs' adjoints, given its adjoint.

    Returns ``(input, contribution, partial)`` for each input that requires grad, in the
    order the engine adds them; ``partial`` is the local derivative d r / d input when both
    are single numbers (the rule applied to an adjoint of 1), else None.
    """
    n = r.value
    ins = inputs(n)
    datas = [x._data for x in ins]

    def rule(g: Any) -> tuple[Any, ...]:
        gs = n._op.backward(n._ctx, g, n._data, *datas)
        return (gs,) if len(ins) == 1 else tuple(gs)

    adds = rule(r.adjoint)
    scalar = np.size(n._data) == 1
    ones = rule(np.ones_like(np.asarray(r.adjoint))) if scalar else (None,) * len(ins)
    return [(x, add, one if scalar and np.size(x._data) == 1 else None)
            for x, add, one in zip(ins, adds, ones) if x.requires_grad and add is not None]


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
