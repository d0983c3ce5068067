"""Looking at the Wengert list: ``tape(y)`` shows the records ``y`` depends on, as a table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import engine
from ._inplace import inputs_at as inputs
from ._tensor import Tensor
from .autograd import _seeds


@dataclass
class Record:
    """One row of the tape.

    Attributes:
        index: position in the Wengert list (creation order).
        name: the input's name for a leaf, else ``v<index>``.
        op: the primitive's ``grad_fn`` name, or ``"input"`` for a leaf.
        inputs: the names of the inputs (constants shown by value).
        value: the tensor computed there.
        adjoint: d output / d this record, after :meth:`Tape.backward` (else None).
    """

    index: int
    name: str
    op: str
    inputs: list[str]
    value: Tensor
    adjoint: Any = None


class Tape:
    """The Wengert list of a tensor: its records in creation order.

    Printing it shows a table of index, op, inputs and value; after :meth:`backward`,
    each record's adjoint too. It only reads the graph: ``.grad`` is left untouched.
    """

    def __init__(self, output: Tensor, names: dict[str, Tensor]) -> None:
        self.output = output
        found: list[Tensor] = []
        seen = {id(output)}
        stack = [output]
        while stack:
            t = stack.pop()
            found.append(t)
            for x in inputs(t):
                if id(x) not in seen:
                    seen.add(id(x))
                    stack.append(x)
        # leaves first (in creation order), then the records: the evaluation order
        found.sort(key=lambda t: (t._op is not None, t._seq))
        label = {id(t): n for n, t in names.items()}
        self.records: list[Record] = []
        for i, t in enumerate(found):
            name = label.get(id(t), f"v{i}")
            label[id(t)] = name
            ins = [label[id(x)] for x in inputs(t)]
            if t._op is not None and not isinstance(t._ctx, tuple) and t._ctx is not None \
                    and getattr(t._op.primitive, "number_input",
                            t._op.name.startswith(("Pow", "Rsub"))):
                ins.append(repr(t._ctx))
            self.records.append(Record(i, name, t._op.name if t._op else "input", ins, t))

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self):
        return iter(self.records)

    def __getitem__(self, i: int) -> Record:
        return self.records[i]

    def backward(self, gradient: Any = None) -> Tape:
        """Replay the list in reverse and keep every record's adjoint (``.grad`` untouched)."""
        out = self.output
        seeds = _seeds([out], gradient, False)
        records, leaves = engine.sweep([out], seeds, create_graph=False, release=False)
        try:
            for r in self.records:
                a = r.value._adj
                if a is not None and a is not engine.PENDING:
                    r.adjoint = a
        finally:
            engine.clear(records, leaves)
        return self

    def adjoint(self, t: Tensor) -> Any:
        """The adjoint kept for tensor ``t`` by :meth:`backward`."""
        for r in self.records:
            if r.value is t:
                return r.adjoint
        raise KeyError("that tensor is not on this tape")

    def __str__(self) -> str:
        header = ["index", "name", "op", "inputs", "value"]
        has_adj = any(r.adjoint is not None for r in self.records)
        if has_adj:
            header.append("adjoint")
        rows = [header]
        for r in self.records:
            row = [str(r.index), r.name, r.op, ", ".join(r.inputs), _short(r.value._data)]
            if has_adj:
                row.append(_short(r.adjoint) if r.adjoint is not None else "0")
            rows.append(row)
        widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
        lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)

    __repr__ = __str__


def _short(x: Any) -> str:
    """A compact rendering of a value: a number with 7 significant digits, or an array."""
    a = np.asarray(x)
    if a.size == 1:
        return f"{a.item():.7g}"
    s = np.array2string(a, precision=4, separator=", ", threshold=6, edgeitems=2)
    return s.replace("\n", "")  # one table row per record, also for 2-D values


def tape(output: Tensor, **names: Tensor) -> Tape:
    """The Wengert list ``output`` depends on, in creation order.

    Args:
        output: the tensor at the end of the computation.
        **names: optional names for the leaves, e.g. ``tape(y, x1=x1, x2=x2)``.

    Returns:
        A :class:`Tape`; print it for the table, call ``.backward()`` to add adjoints.
    """
    return Tape(output, names)
