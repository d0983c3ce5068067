"""``with quiet():`` silences NumPy's floating-point warnings, as ``np.errstate(all="ignore")``.

inf and nan are answers in PyTorch, never warnings, so every NumPy computation of the
library runs inside ``quiet()``. ``np.errstate`` costs about a microsecond per use, more than
a small array operation itself; on NumPy 2 this sets NumPy's error-state context variable
directly, for a fraction of that. NumPy 1 falls back to ``np.errstate``.

The hottest array paths use the two halves directly, without a context manager's two
Python calls (a third of a microsecond)::

    token = quiet_on()
    try:
        r = np.multiply(x, y)
    finally:
        quiet_off(token)
"""

from __future__ import annotations

from functools import partial
from typing import Any

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


def _seterr_on() -> dict[str, str]:
    return np.seterr(all="ignore")


def _seterr_off(old: dict[str, str]) -> None:
    np.seterr(**old)


# quiet_on() silences the warnings and returns a token; quiet_off(token) restores the state.
# On NumPy 2 both are C calls: the context variable's set and reset.
quiet: Any
quiet_on: Any
quiet_off: Any
if _extobj_contextvar is not None:
    quiet, quiet_on, quiet_off = _Quiet, partial(_extobj_contextvar.set, _IGNORE), \
        _extobj_contextvar.reset
else:
    quiet, quiet_on, quiet_off = _errstate, _seterr_on, _seterr_off
