"""``nn.BatchNorm1d``: batch normalization with running statistics."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, _wrap
from . import functional as F
from .module import Module
from .parameter import Parameter


class BatchNorm1d(Module):
    """Normalize each channel of a (N, C) or (N, C, L) input by the batch's statistics in
    training (and update the running ones), by the running statistics in eval.

    Args:
        num_features: C.
        eps: added to the variance.
        momentum: the weight of a batch in the running statistics (None: a plain average
            of all batches so far).
        affine: learn a per-channel scale ``weight`` (ones) and shift ``bias`` (zeros).
        track_running_stats: keep ``running_mean``, ``running_var`` and
            ``num_batches_tracked`` (buffers); without them eval uses the batch's.
        device: only the CPU.
        dtype: the dtype of the parameters and buffers.
        bias: learn the shift (with ``affine``).

    Raises:
        ValueError: for an input that is not 2-D or 3-D, as PyTorch.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device: Any = None,
                 dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__()
        D.check_device(device)
        dt = (dtype or D.get_default_dtype()).np
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        self.bias_enabled = affine and bias
        if affine:
            self.weight = Parameter(_wrap(np.ones(num_features, dtype=dt)))
        else:
            self.register_parameter("weight", None)
        if self.bias_enabled:
            self.bias = Parameter(_wrap(np.zeros(num_features, dtype=dt)))
        else:
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", _wrap(np.zeros(num_features, dtype=dt)))
            self.register_buffer("running_var", _wrap(np.ones(num_features, dtype=dt)))
            self.register_buffer("num_batches_tracked", _wrap(np.array(0, dtype=np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def forward(self, input: Tensor) -> Tensor:
        if input.dim() not in (2, 3):
            raise ValueError(f"expected 2D or 3D input (got {input.dim()}D input)")
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            from ..optim.optimizer import _write

            n = self.num_batches_tracked
            _write(n, n._data + 1)
            factor = 1.0 / float(n._data) if self.momentum is None else self.momentum
        use_batch = self.training or (self.running_mean is None and self.running_var is None)
        keep = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if keep else None,
                            self.running_var if keep else None, self.weight, self.bias,
                            use_batch, factor, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias_enabled}, "
                f"track_running_stats={self.track_running_stats}")
