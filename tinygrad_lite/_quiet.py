"""``with quiet():`` silences NumPy's floating-point warnings, as ``np.errstate(all="ignore")``.

inf and nan are answers in PyTorch, never warnings, so every NumPy computation of the
library runs inside ``quiet()``. ``np.errstate`` costs about a microsecond per use, more than
a small array operation itself; on NumPy 2 this sets NumPy's error-state context variable
directly, for a fraction of that. NumPy 1 falls back to ``np.errstate``.
"""

from __future__ import annotations

import numpy as np

try:
    from numpy._core._ufunc_config import _extobj_contextvar, _make_extobj

    _IGNORE = _make_extobj(all="ignore")
except ImportError:  # NumPy 1.x keeps its error state elsewhere
    _extobj_contextvar = None


class _Quiet:
    __slots__ = ("_token",)

    def __enter__(self) -> None:
        self._token = _extobj_contextvar.set(_IGNORE)

    def __exit__(self, *exc: object) -> None:
        _extobj_contextvar.reset(self._token)


def _errstate() -> np.errstate:
    return np.errstate(all="ignore")


quiet = _Quiet if _extobj_contextvar is not None else _errstate
