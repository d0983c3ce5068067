"""Nested tuples, lists and dicts of tensors ("pytrees"), flattened and rebuilt.

The transforms of :mod:`tinygrad_lite.func` take and return such nests, as PyTorch's do:
``grad(f)(params)`` with ``params`` a dict gives a dict of gradients. A tree is taken apart
into its leaves (anything that is not a tuple, list or dict) and a :class:`Spec` that
remembers the nesting; :func:`unflatten` puts leaves back into the same nest.
"""

from __future__ import annotations

from typing import Any

_NODES = (tuple, list, dict)


class Spec:
    """The shape of a tree without its leaves: PyTorch's ``TreeSpec``, printed as it is."""

    __slots__ = ("kind", "keys", "children", "size")

    def __init__(self, kind: type | None = None, keys: list | None = None,
                 children: tuple[Spec, ...] = ()) -> None:
        self.kind = kind  # None for a leaf
        self.keys = keys  # a dict's keys, in order
        self.children = children
        self.size = 1 if kind is None else sum(c.size for c in children)  # leaves under it

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Spec) and self.kind is other.kind and self.keys == other.keys
                and self.children == other.children)

    def __hash__(self) -> int:
        return hash((self.kind, len(self.children)))

    def __repr__(self, indent: int = 0) -> str:
        if self.kind is None:
            return "*"
        indent += 2
        inner = (",\n" + " " * indent).join(c.__repr__(indent) for c in self.children)
        return f"TreeSpec({self.kind.__name__}, {self.keys}, [{inner}])"

    def pretty(self) -> str:
        """The short form PyTorch's vjp prints: ``*``, ``(*, *)``, ``[*]``, ``{'a': *}``."""
        if self.kind is None:
            return "*"
        parts = [c.pretty() for c in self.children]
        if self.kind is dict:
            return "{" + ", ".join(f"{k!r}: {p}" for k, p in zip(self.keys, parts)) + "}"
        if self.kind is tuple:
            return "(" + ", ".join(parts) + (",)" if len(parts) == 1 else ")")
        return "[" + ", ".join(parts) + "]"


LEAF = Spec()


def flatten(tree: Any) -> tuple[list, Spec]:
    """The leaves of ``tree``, left to right, and its :class:`Spec`."""
    leaves: list = []
    return leaves, _flatten(tree, leaves)


def _flatten(tree: Any, leaves: list) -> Spec:
    kind = type(tree)
    if kind is dict:
        keys = list(tree)
        return Spec(dict, keys, tuple(_flatten(tree[k], leaves) for k in keys))
    if kind is tuple or kind is list:
        return Spec(kind, None, tuple(_flatten(x, leaves) for x in tree))
    leaves.append(tree)
    return LEAF


def unflatten(leaves: list, spec: Spec) -> Any:
    """The tree of shape ``spec`` holding ``leaves`` (the inverse of :func:`flatten`)."""
    it = iter(leaves)
    return _unflatten(it, spec)


def _unflatten(it: Any, spec: Spec) -> Any:
    if spec.kind is None:
        return next(it)
    items = [_unflatten(it, c) for c in spec.children]
    if spec.kind is dict:
        return dict(zip(spec.keys, items))
    return spec.kind(items)


def broadcast(prefix: Any, spec: Spec) -> list | None:
    """One entry of ``prefix`` per leaf of ``spec``: a leaf of ``prefix`` (an ``in_dims`` of
    1, say) stands for the whole subtree under it. None if ``prefix`` is not a prefix of the
    tree."""
    out: list = []
    return out if _broadcast(prefix, spec, out) else None


def _broadcast(prefix: Any, spec: Spec, out: list) -> bool:
    if type(prefix) not in _NODES:
        out.extend([prefix] * spec.size)
        return True
    if type(prefix) is not spec.kind or len(prefix) != len(spec.children):
        return False
    if spec.kind is dict:
        if list(prefix) != spec.keys:
            return False
        prefix = list(prefix.values())
    return all(_broadcast(p, c, out) for p, c in zip(prefix, spec.children))
