"""``tinygrad_lite.optim``: optimizers that update parameters from their ``.grad``.

Use it as in PyTorch::

    optimizer = optim.SGD(model.parameters(), lr=0.1)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

The updates follow PyTorch's arithmetic in the same order, so float32 trajectories match
PyTorch's (see :mod:`tinygrad_lite.optim._kernels`).
"""

from __future__ import annotations

from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "lr_scheduler"]
