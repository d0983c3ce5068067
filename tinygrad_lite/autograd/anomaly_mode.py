"""``torch.autograd.detect_anomaly`` and ``set_detect_anomaly``: stop a backward pass at the
first rule that returns nan, with PyTorch's error naming it.

Forward tracebacks are not recorded here (that would slow down every operation): the
warning says, as PyTorch's does when anomaly detection was off during the forward pass,
that no forward pass information is available.
"""

from __future__ import annotations

import warnings
from typing import Any

from .. import _watch

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled",
           "is_anomaly_check_nan_enabled"]


def is_anomaly_enabled() -> bool:
    """Whether anomaly detection is on."""
    return _watch.anomaly


def is_anomaly_check_nan_enabled() -> bool:
    """Whether anomaly detection checks the backward rules' results for nan."""
    return _watch.check_nan_enabled


def _set(mode: bool, check_nan: bool) -> None:
    _watch.anomaly, _watch.check_nan_enabled = bool(mode), bool(check_nan)


class detect_anomaly:  # noqa: N801 - PyTorch's name
    """A context manager (or decorator) that turns anomaly detection on in its block, with
    PyTorch's warning that it slows things down.

    Args:
        check_nan: raise when a backward rule returns nan.
    """

    def __init__(self, check_nan: bool = True) -> None:
        self.prev = _watch.anomaly
        self.check_nan = check_nan
        self.prev_check_nan = _watch.check_nan_enabled
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime "
                      "and should only be enabled for debugging.", UserWarning, stacklevel=2)

    def __enter__(self) -> None:
        _set(True, self.check_nan)

    def __exit__(self, *exc: object) -> None:
        _set(self.prev, self.prev_check_nan)

    def __call__(self, fn: Any) -> Any:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            with self.__class__(self.check_nan):
                return fn(*args, **kwargs)

        return wrapped


class set_detect_anomaly:  # noqa: N801 - PyTorch's name
    """Turn anomaly detection on or off now; used as a context manager, the previous setting
    comes back at the end of the block.

    Args:
        mode: on (True) or off.
        check_nan: raise when a backward rule returns nan.
    """

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.prev = _watch.anomaly
        self.prev_check_nan = _watch.check_nan_enabled
        _set(mode, check_nan)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: object) -> None:
        _set(self.prev, self.prev_check_nan)
