"""Issue 10's audit: does each name it lists exist, and does a test compare it with torch?

Run as a pytest plugin over the whole suite; it records, for every name below, which tests
call tinygrad_lite's version and which call torch's (with which keyword arguments), then
prints a table::

    PYTHONPATH=. python -m pytest -q -p tests.api_audit -m "not slow" tests/

A name is *tested against torch* when one test calls both libraries' versions (the keyword
a row needs, such as ``size=``, given to ours). Where torch's version cannot be wrapped (a
method of a C type such as ``torch.Generator``), a test that calls ours and mentions the
name in its source counts. Programs run in subprocesses (``tests/programs``) are not seen.
"""

from __future__ import annotations

import collections
import functools
import inspect
import os
from typing import Any

import pytest

# (label, path under both modules, keyword that must be given to ours or None)
_RANDOM = [
    "manual_seed", "initial_seed", "seed", "Generator", "Generator.manual_seed",
    "Generator.get_state", "Generator.set_state", "Generator.initial_seed", "Generator.seed",
    "get_rng_state", "set_rng_state", "rand", "randn", "randint", "randperm", "rand_like",
    "randn_like", "randint_like", "normal", "Tensor.normal_", "Tensor.uniform_", "bernoulli",
    "Tensor.bernoulli", "Tensor.bernoulli_", "multinomial", "Tensor.multinomial",
    "Tensor.exponential_", "Tensor.random_", "nn.functional.dropout", "nn.Dropout",
    "nn.init.calculate_gain", "nn.init.uniform_", "nn.init.normal_", "nn.init.constant_",
    "nn.init.ones_", "nn.init.zeros_", "nn.init.eye_", "nn.init.dirac_",
    "nn.init.xavier_uniform_", "nn.init.xavier_normal_", "nn.init.kaiming_uniform_",
    "nn.init.kaiming_normal_", "nn.init.trunc_normal_", "nn.init.orthogonal_",
    "nn.init.sparse_",
]
_GENERATOR_TAKERS = [
    "rand", "randn", "randint", "randperm", "normal", "bernoulli", "multinomial",
    "Tensor.normal_", "Tensor.uniform_", "Tensor.bernoulli_", "Tensor.exponential_",
    "Tensor.random_", "nn.init.uniform_", "nn.init.normal_", "nn.init.trunc_normal_",
    "nn.init.xavier_uniform_", "nn.init.xavier_normal_", "nn.init.kaiming_uniform_",
    "nn.init.kaiming_normal_", "nn.init.orthogonal_", "nn.init.sparse_",
    "utils.data.DataLoader", "utils.data.random_split", "utils.data.RandomSampler",
]
_API = [
    "FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "BoolTensor", "ByteTensor",
    "Tensor.type", "set_default_device", "get_default_device", "set_default_dtype",
    "get_default_dtype", "norm", "Tensor.norm", "linalg.norm", "linalg.vector_norm",
    "linalg.matrix_norm", "std", "Tensor.std", "var", "Tensor.var",
    "round", "Tensor.round", "floor", "Tensor.floor", "ceil", "Tensor.ceil", "trunc",
    "Tensor.trunc", "clamp_min", "Tensor.clamp_min", "clamp_max", "Tensor.clamp_max",
    "scatter", "Tensor.scatter", "Tensor.scatter_", "gather", "Tensor.gather",
    "nn.functional.one_hot", "cat", "concat", "concatenate", "stack", "where",
    "Tensor.where", "split", "Tensor.split", "chunk", "Tensor.chunk", "flip", "Tensor.flip",
    "nn.functional.leaky_relu", "nn.LeakyReLU", "nn.functional.softplus", "nn.Softplus",
    "nn.functional.logsigmoid", "nn.LogSigmoid", "logsumexp", "Tensor.logsumexp", "log1p",
    "Tensor.log1p", "expm1", "Tensor.expm1", "prod", "Tensor.prod", "cumsum",
    "Tensor.cumsum", "all", "Tensor.all", "any", "Tensor.any", "isnan", "Tensor.isnan",
    "isinf", "Tensor.isinf", "isfinite", "Tensor.isfinite", "nan_to_num",
    "Tensor.nan_to_num", "Tensor.__floordiv__", "Tensor.__rfloordiv__", "Tensor.__mod__",
    "Tensor.__rmod__", "floor_divide", "remainder", "fmod", "Tensor.register_hook",
    "Tensor.retain_grad", "autograd.set_detect_anomaly", "autograd.detect_anomaly",
    "nn.BatchNorm1d", "nn.Embedding", "nn.Embedding.from_pretrained", "nn.Softmax",
    "nn.LogSoftmax", "nn.L1Loss", "nn.SmoothL1Loss", "nn.HuberLoss",
    "nn.functional.l1_loss", "nn.functional.smooth_l1_loss", "nn.functional.huber_loss",
    "nn.utils.clip_grad_norm_", "nn.utils.clip_grad_value_", "optim.SGD", "optim.RMSprop",
    "optim.AdamW", "optim.Adagrad", "optim.Adam", "optim.lr_scheduler.StepLR",
    "optim.lr_scheduler.MultiStepLR", "optim.lr_scheduler.ExponentialLR",
    "optim.lr_scheduler.LambdaLR", "optim.lr_scheduler.CosineAnnealingLR",
    "optim.lr_scheduler.ReduceLROnPlateau", "utils.data.Dataset",
    "utils.data.TensorDataset", "utils.data.DataLoader", "utils.data.random_split",
    "utils.data.Subset", "save", "load", "linspace",
]
# rows that need a keyword given to ours: (path, keyword)
_KEYWORDS = [
    ("randn", "size"), ("rand", "size"), ("zeros", "size"), ("ones", "size"),
    ("randint", "size"), ("empty", "size"), ("full", "size"),
    ("round", "decimals"), ("Tensor.round", "decimals"), ("Tensor.norm", "p"),
    ("Tensor.norm", "dim"), ("Tensor.norm", "keepdim"), ("norm", "dim"),
    ("Tensor.std", "dim"), ("Tensor.std", "keepdim"), ("Tensor.std", "correction"),
    ("Tensor.std", "unbiased"), ("Tensor.var", "correction"), ("Tensor.var", "unbiased"),
    ("optim.SGD", "nesterov"), ("optim.SGD", "dampening"), ("optim.SGD", "momentum"),
    ("optim.SGD", "weight_decay"), ("optim.RMSprop", "momentum"),
    ("optim.RMSprop", "centered"), ("optim.Adagrad", "lr_decay"),
    ("optim.AdamW", "amsgrad"), ("utils.data.DataLoader", "batch_size"),
    ("utils.data.DataLoader", "shuffle"), ("utils.data.DataLoader", "drop_last"),
    ("load", "weights_only"), ("load", "map_location"), ("nn.functional.one_hot", "num_classes"),
    ("nn.functional.leaky_relu", "inplace"), ("nn.functional.softplus", "beta"),
    ("nn.functional.softplus", "threshold"), ("nan_to_num", "nan"), ("nan_to_num", "posinf"),
    ("Tensor.register_hook", None), ("set_default_dtype", None),
] + [(p, "generator") for p in _GENERATOR_TAKERS]

ROWS: list[tuple[str, str, str | None]] = (
    [(p, p, None) for p in _RANDOM + _API]
    + [(f"{p}({k}=)", p, k) for p, k in _KEYWORDS if k is not None])

# path -> {"ours": {nodeid: set of keyword sets}, "torch": {nodeid, ...}}
_CALLS: dict[str, dict[str, dict[str, set]]] = collections.defaultdict(
    lambda: {"ours": collections.defaultdict(set), "torch": collections.defaultdict(set)})
_UNPATCHABLE: dict[str, set[str]] = {"ours": set(), "torch": set()}
_current = {"node": None}
_METAS: dict[type, dict[type, tuple[str, str]]] = {}


def _resolve(mod: Any, path: str) -> tuple[Any, str, Any] | None:
    """(owner, attribute name, value) for ``path`` under ``mod``, or None if missing."""
    parts = path.split(".")
    owner = mod
    for part in parts[:-1]:
        if part == "Tensor" and owner is mod:
            owner = mod.Tensor
            continue
        owner = getattr(owner, part, None)
        if owner is None:
            return None
    if not hasattr(owner, parts[-1]):
        return None
    return owner, parts[-1], inspect.getattr_static(owner, parts[-1], None)


def _recorder(path: str, side: str, fn: Any) -> Any:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        node = _current["node"]
        if node is not None:
            _CALLS[path][side][node].add(frozenset(kwargs))
        return fn(*args, **kwargs)
    return wrapper


def _patch(mod: Any, path: str, side: str) -> None:
    found = _resolve(mod, path)
    if found is None:
        return
    owner, name, value = found
    try:
        meta = type(value)
        if isinstance(value, type) and meta is not type and "__call__" in vars(meta):
            # a class its metaclass makes (the typed constructors): wrap the metaclass's call
            if meta not in _METAS:
                _METAS[meta] = {}
                call = meta.__call__

                def meta_call(cls: Any, *args: Any, **kwargs: Any) -> Any:
                    node, where = _current["node"], _METAS[meta].get(cls)
                    if node is not None and where is not None:
                        _CALLS[where[0]][where[1]][node].add(frozenset(kwargs))
                    return call(cls, *args, **kwargs)
                meta.__call__ = meta_call
            _METAS[meta][value] = (path, side)
        elif isinstance(value, type):
            init = value.__init__
            wrapped = _recorder(path, side, init)
            value.__init__ = wrapped
        elif isinstance(value, (staticmethod, classmethod)):
            kind = type(value)
            setattr(owner, name, kind(_recorder(path, side, value.__func__)))
        elif callable(value) or inspect.ismethoddescriptor(value):
            setattr(owner, name, _recorder(path, side, getattr(owner, name)
                                           if inspect.ismodule(owner) else value))
        else:
            _UNPATCHABLE[side].add(path)
    except (TypeError, AttributeError):
        _UNPATCHABLE[side].add(path)


def pytest_configure(config: pytest.Config) -> None:
    import torch
    import torch.utils.data  # noqa: F401

    import tinygrad_lite as tg
    import tinygrad_lite.nn.init  # noqa: F401
    import tinygrad_lite.utils.data  # noqa: F401

    for path in sorted({p for _label, p, _k in ROWS}):
        _patch(tg, path, "ours")
        _patch(torch, path, "torch")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Any:
    _current["node"] = item.nodeid
    yield
    _current["node"] = None


def _source_mentions(nodeid: str, name: str, cache: dict[str, str]) -> bool:
    path = nodeid.split("::")[0]
    if path not in cache:
        with open(path, encoding="utf-8") as f:
            cache[path] = f.read()
    return name in cache[path]


def pytest_unconfigure(config: pytest.Config) -> None:
    import torch

    import tinygrad_lite as tg
    cache: dict[str, str] = {}
    lines = [f"{'name':48} {'exists':7} {'tests(ours)':12} {'vs torch':9}"]
    for label, path, kw in ROWS:
        exists = _resolve(tg, path) is not None
        in_torch = _resolve(torch, path) is not None
        ours = {n for n, kws in _CALLS[path]["ours"].items()
                if kw is None or any(kw in k for k in kws)}
        theirs = set(_CALLS[path]["torch"])
        if path in _UNPATCHABLE["torch"] or not in_torch:
            last = path.split(".")[-1]
            both = {n for n in ours if _source_mentions(n, last, cache)}
        else:
            both = ours & theirs
        ex = "yes" if exists else "NO"
        if not in_torch:
            ex += "(not in torch)"
        lines.append(f"{label:48} {ex:7} {len(ours):<12} {len(both):<9}"
                     + ("" if both else "   <-- GAP"))
    out = os.environ.get("API_AUDIT_OUT", "api_audit.txt")
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
