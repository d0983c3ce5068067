"""Shared fixtures: the torch device the comparison tests run the oracle on."""

from __future__ import annotations

import pytest

try:
    import torch
except ImportError:  # the suites that need torch skip themselves (importorskip)
    torch = None


def _torch_devices() -> list:
    cuda_missing = torch is None or not torch.cuda.is_available()
    return [
        "cpu",
        pytest.param("cuda", marks=pytest.mark.skipif(cuda_missing, reason="CUDA not available")),
    ]


@pytest.fixture(scope="session", params=_torch_devices())
def device(request: pytest.FixtureRequest) -> str:
    """The device torch computes the expected values on: 'cpu', and 'cuda' if present.

    Session-scoped, so hypothesis tests may use it.
    """
    return request.param
