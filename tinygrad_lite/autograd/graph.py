"""The graph as PyTorch shows it: ``grad_fn`` nodes and their ``next_functions``."""

from __future__ import annotations

from typing import Any

from .._inplace import at, inputs_at, no_edge


class Node:
    """A record of the tape seen from outside: what ``tensor.grad_fn`` returns.

    It prints as PyTorch's (``<MulBackward0 object at 0x...>``) and leads, through
    ``next_functions``, to the nodes of the record's inputs.
    """

    __slots__ = ("_op", "_in", "_seq", "_number", "metadata", "__weakref__")

    def __init__(self, t: Any) -> None:
        self._op = t._op
        self._in = inputs_at(t)  # as they were when t was made
        self._seq = t._seq
        self._number = getattr(t._op.primitive, "number_input", False)
        if t._op.primitive.name == "CopySlices":  # it lists the inputs of the op it wraps
            self._number = getattr(t._ctx[1].primitive, "number_input", False)
        self.metadata: dict = {}

    def name(self) -> str:
        """PyTorch's name for this backward function, e.g. ``"MulBackward0"`` (its
        hand-written C++ nodes are named with their namespace)."""
        name = self._op.name
        return f"torch::autograd::{name}" if name in ("CopySlices", "CopyBackwards") else name

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        """One ``(node, 0)`` per input: its ``grad_fn``, an ``AccumulateGrad`` for a leaf
        that requires grad, or None."""
        out = []
        for x in self._in:
            x = at(x, self._seq)  # an input changed in place since is seen as it was
            if x._op is not None:  # unbind's views are its node's outputs 0, 1, ...
                out.append((x.grad_fn, x._ctx[-2] if x._op.primitive.several else 0))
            elif x._rg and not no_edge(x):
                out.append((AccumulateGrad(x), 0))
            else:
                out.append((None, 0))
        if self._number:
            out.append((None, 0))
        return tuple(out)

    def __repr__(self) -> str:
        return f"<{self._op.name} object at {hex(id(self))}>"


class AccumulateGrad:
    """The node that adds a leaf's gradient into its ``.grad``."""

    __slots__ = ("variable",)

    def __init__(self, variable: Any) -> None:
        self.variable = variable

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    next_functions = ()

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {hex(id(self))}>"


_node_classes: dict[str, type[Node]] = {}


def node_for(t: Any) -> Node:
    """The ``grad_fn`` node of record ``t``, an instance of a class named as PyTorch names it
    (``type(y.grad_fn).__name__ == "MulBackward0"``, as in PyTorch)."""
    if t._op.primitive.several:  # one output of a node with several: theirs is one node
        outs = t._ctx[-1]
        if outs.node is None:
            outs.node = _new_node(t)
        return outs.node
    return _new_node(t)


def _new_node(t: Any) -> Node:
    name = t._op.name
    cls = _node_classes.get(name)
    if cls is None:
        cls = _node_classes[name] = type(name, (Node,), {"__slots__": ()})
    return cls(t)
