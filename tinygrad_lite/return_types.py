"""The named pairs that ``max(dim)``, ``min(dim)`` and ``aminmax`` return."""

from __future__ import annotations

from typing import Any, NamedTuple


class MaxMin(NamedTuple):
    """``(values, indices)``, printed as ``torch.return_types.max(...)``."""

    values: Any
    indices: Any
    kind: str = "max"

    def __repr__(self) -> str:
        return (f"torch.return_types.{self.kind}(\n"
                f"values={self.values!r},\nindices={self.indices!r})")

    def __iter__(self):  # unpack as a pair: values, indices = t.max(0)
        return iter((self.values, self.indices))

    def __len__(self) -> int:
        return 2

    def __getitem__(self, i: Any) -> Any:
        return (self.values, self.indices)[i]


class Aminmax(NamedTuple):
    """``(min, max)``, printed as ``torch.return_types.aminmax(...)``."""

    min: Any
    max: Any

    def __repr__(self) -> str:
        return f"torch.return_types.aminmax(\nmin={self.min!r},\nmax={self.max!r})"
