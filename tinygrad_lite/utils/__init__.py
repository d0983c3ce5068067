"""``tinygrad_lite.utils``: ``data`` (datasets and loaders), as ``torch.utils``."""

from __future__ import annotations

from . import data

__all__ = ["data"]
