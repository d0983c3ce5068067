"""``DataLoader``: batches of a dataset, shuffled as PyTorch shuffles them."""

from __future__ import annotations

import collections.abc
import copy
from collections.abc import Iterator
from typing import Any

import numpy as np

from ... import _creation
from ... import _random as R
from ..._tensor import Tensor
from .sampler import BatchSampler, RandomSampler, SequentialSampler, _draw_seed


def default_collate(batch: Any) -> Any:
    """Put a list of samples together as PyTorch's ``default_collate`` does: tensors (and
    NumPy arrays) stacked along a new first dim, floats as a float64 tensor, ints as an
    int64 tensor, strings as a list, and mappings and sequences element by element (a
    tuple sample gives a list, so ``for x, y in loader`` works).

    The stacked tensor records no gradient (PyTorch's would record ``StackBackward0`` for
    samples that require grad).

    Raises:
        RuntimeError: for sequence samples of different lengths.
        TypeError: for samples of a type it cannot put together.
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        data = np.stack([np.asarray(t.detach().numpy()) for t in batch])
        return _creation.from_numpy(data)
    if isinstance(elem, np.ndarray) and elem.dtype.kind in "biuf":
        return _creation.from_numpy(np.stack(batch))
    if isinstance(elem, np.generic) and elem.dtype.kind in "biuf":
        return _creation.as_tensor(np.array(batch))
    if isinstance(elem, float):
        return _creation.tensor(batch, dtype=_creation.D.float64)
    if isinstance(elem, bool) or isinstance(elem, int):
        return _creation.tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        return {key: default_collate([d[key] for d in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # a namedtuple
        return type(elem)(*(default_collate(s) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        if any(len(e) != len(elem) for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))  # each a tuple: strings come back as one
        if isinstance(elem, tuple):
            return [default_collate(s) for s in transposed]
        if isinstance(elem, collections.abc.MutableSequence):
            clone = copy.copy(elem)
            for i, s in enumerate(transposed):
                clone[i] = default_collate(s)
            return clone
        return [default_collate(s) for s in transposed]
    raise TypeError("default_collate: batch must contain tensors, numpy arrays, numbers, "
                    f"dicts or lists; found {type(elem)}")


def default_convert(data: Any) -> Any:
    """A sample as a ``DataLoader`` without batching gives it: NumPy arrays and numbers as
    tensors, tuples as lists, mappings and sequences element by element."""
    if isinstance(data, np.ndarray) and data.dtype.kind in "biuf":
        return _creation.as_tensor(data)
    if isinstance(data, np.generic) and data.dtype.kind in "biuf":
        return _creation.as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        return {key: default_convert(data[key]) for key in data}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return [default_convert(d) for d in data]
    return data


class DataLoader:
    """Iterate over ``dataset`` in batches, as ``torch.utils.data.DataLoader``.

    Each pass (each ``iter(loader)``) first draws a base seed from ``generator`` (the
    default generator if None), as PyTorch does even without worker processes; with
    ``shuffle=True`` the sampler then draws a seed for its own generator and a ``randperm``
    per pass. So after ``manual_seed`` the batches come in PyTorch's order, and the default
    generator is left where PyTorch's is. Workers are not started: ``num_workers`` is
    accepted and the data is loaded in this process.

    Args:
        dataset: anything with ``__getitem__`` and ``__len__``.
        batch_size: samples per batch (None: no batching, the samples themselves).
        shuffle: a new random order each pass.
        sampler: the order of the indices (instead of ``shuffle``).
        batch_sampler: the batches of indices (instead of the four arguments above).
        num_workers: accepted, ignored.
        collate_fn: what puts a list of samples together (:func:`default_collate`; without
            batching :func:`default_convert` of each sample).
        drop_last: drop the last batch when it is short.
        generator: the generator of the shuffling.

    Raises:
        ValueError: PyTorch's, for arguments that exclude each other.
    """

    def __init__(self, dataset: Any, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Any = None, batch_sampler: Any = None, num_workers: int = 0,
                 collate_fn: Any = None, pin_memory: bool = False, drop_last: bool = False,
                 timeout: float = 0, worker_init_fn: Any = None,
                 multiprocessing_context: Any = None, generator: R.Generator | None = None,
                 **kwargs: Any) -> None:
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 "
                             "to disable multiprocessing.")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")
        if sampler is None:
            sampler = (RandomSampler(dataset, generator=generator) if shuffle
                       else SequentialSampler(dataset))
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.generator = generator
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.collate_fn = collate_fn if collate_fn is not None else (
            default_collate if batch_sampler is not None else default_convert)

    def __iter__(self) -> Iterator[Any]:
        _draw_seed(self.generator)  # the base seed of PyTorch's (unstarted) workers
        return self._batches()

    def _batches(self) -> Iterator[Any]:
        if self.batch_sampler is None:
            for index in self.sampler:
                yield self.collate_fn(self.dataset[index])
            return
        for indices in self.batch_sampler:
            yield self.collate_fn([self.dataset[i] for i in indices])

    def __len__(self) -> int:
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)
