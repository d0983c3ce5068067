"""``tinygrad_lite.utils.data``: datasets, samplers and ``DataLoader``, as ``torch.utils.data``.

The shuffled orders are PyTorch's for the same seed: each pass over a ``DataLoader`` draws
what PyTorch's draws from the default generator (or the one given), in the same order.
"""

from __future__ import annotations

from .dataloader import DataLoader, default_collate, default_convert
from .dataset import ConcatDataset, Dataset, Subset, TensorDataset, random_split
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = [
    "Dataset", "TensorDataset", "ConcatDataset", "Subset", "random_split", "DataLoader",
    "default_collate", "default_convert",
    "Sampler", "SequentialSampler", "RandomSampler", "BatchSampler",
]
