"""``tinygrad_lite.nn``: modules, parameters, losses, ``functional`` and ``init``.

Use it as in PyTorch::

    import tinygrad_lite.nn as nn
    import tinygrad_lite.nn.functional as F

    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1))
    loss = nn.MSELoss()(model(x), y)
"""

from __future__ import annotations

from . import functional, init, utils
from .activation import LeakyReLU, LogSigmoid, LogSoftmax, ReLU, Sigmoid, Softmax, Softplus, Tanh
from .batchnorm import BatchNorm1d
from .container import ModuleList, Sequential
from .dropout import Dropout
from .flatten import Flatten
from .linear import Identity, Linear
from .loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from .module import Module
from .parameter import Parameter
from .sparse import Embedding

__all__ = [
    "Module", "Parameter", "Sequential", "ModuleList", "Linear", "Identity", "Flatten",
    "ReLU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax",
    "Dropout",
    "MSELoss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "NLLLoss",
    "functional", "init",
]
__all__ += ["BatchNorm1d", "Embedding", "utils"]
__all__ += ["LeakyReLU", "Softplus", "LogSigmoid", "L1Loss", "SmoothL1Loss", "HuberLoss"]
