"""``optim.Optimizer``: parameter groups, per-parameter state, ``zero_grad`` and saving.

A subclass defines ``step()``: for every parameter of every group that has a gradient, it
updates the parameter's values in place, using the group's hyperparameters
(``group["lr"]``, ...) and the parameter's state (``self.state[p]``, e.g. a momentum
buffer).
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable
from itertools import chain
from typing import Any

import numpy as np

from .. import _inplace
from .._tensor import Tensor, _store, _wrap
from ..autograd import zero_grads
from ..nn.module import _typename


class _RequiredParameter:
    """The marker of a hyperparameter without default (e.g. an ``lr`` a subclass needs)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


def _to_scalar(x: Any) -> Any:
    """A hyperparameter given as a one-element tensor, as a Python number."""
    return x.item() if isinstance(x, Tensor) else x


def _write(t: Tensor, value: Any) -> None:
    """Store ``value`` into ``t``'s storage in place (as PyTorch's ``param.add_(...)``)."""
    if type(t._data) is float:
        t._data = float(value)
    else:
        np.copyto(t._data, value, casting="unsafe")
    _inplace.bump(t)  # counted, as every in-place change


def _check_nonnegative(*named: tuple[str, float]) -> None:
    """PyTorch's ``ValueError: Invalid <what>: <value>`` for the first negative value."""
    for what, v in named:
        if not 0.0 <= v:
            raise ValueError(f"Invalid {what}: {v}")


def _zero_step() -> Tensor:
    """A new step counter: a 0-d zero of PyTorch's scalar dtype (float64 if that is the
    default dtype, else float32)."""
    from .. import _dtype as D

    step_dtype = np.float64 if D.get_default_dtype() is D.float64 else np.float32
    return _wrap(np.array(0.0, dtype=step_dtype))


def _copy(value: Any) -> Tensor:
    """A new tensor holding a copy of the raw ``value`` (``grad.detach().clone()``)."""
    return _wrap(_store(np.array(value)))


class Optimizer:
    """Base class of the optimizers.

    Args:
        params: tensors to optimize (a list, or a generator such as
            ``model.parameters()``), or a list of dicts, each a parameter group with its own
            hyperparameters (``{"params": [...], "lr": 0.1}``).
        defaults: default hyperparameters, used where a group does not set them.

    Attributes:
        param_groups: list of dicts, each with ``"params"`` and the hyperparameters.
        state: per-parameter state (a dict for each parameter), keyed by the tensor.

    Raises:
        TypeError, ValueError: for bad ``params``, with PyTorch's messages.
    """

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            f"Tensors or dicts, but got {_typename(params)}")
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters (a dict with ``"params"`` and optional
        hyperparameters); missing hyperparameters take the defaults.

        Raises:
            TypeError: for params that are not tensors, or given as a set.
            ValueError: for non-leaf tensors, or a parameter already in another group.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]  # from named_parameters()
        params = [p[1] if isinstance(p, tuple) else p for p in params]
        param_group["params"] = params
        if names:
            if len(names) != len(params):
                raise ValueError("all optimizer params should be with/without names. Some param "
                                 "names are missing")
            param_group["param_names"] = names
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + _typename(p))
            if not self.defaults.get("differentiable") and not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError("parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            param_group.setdefault(name, default)
        if len(params) != len(set(params)):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in "
                          "future, this will cause an error; see "
                          "github.com/pytorch/pytorch/issues/40967 for more information",
                          UserWarning, stacklevel=3)
        taken = set(chain.from_iterable(g["params"] for g in self.param_groups))
        if not taken.isdisjoint(params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all optimized tensors.

        Args:
            set_to_none: set ``.grad`` to None (the default) instead of filling with zeros.
        """
        zero_grads(chain.from_iterable(g["params"] for g in self.param_groups), set_to_none)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update the parameters once (subclasses define it)."""
        raise NotImplementedError

    def _closure_loss(self, closure: Callable[[], Any] | None) -> Any:
        """Run ``closure`` (which recomputes the loss) with grad mode on; None without one."""
        if closure is None:
            return None
        from .._tensor import enable_grad

        with enable_grad():
            return closure()

    # -- saving and loading ---------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """The state and hyperparameters, with parameters replaced by their positions
        (0, 1, ... across the groups); the state tensors are the live ones, not copies."""
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {(index[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the state and hyperparameters saved by :meth:`state_dict`.

        Raises:
            ValueError: if the groups do not match this optimizer's, as PyTorch says.
        """
        saved_groups = [dict(g) for g in state_dict["param_groups"]]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"])
               for g, s in zip(self.param_groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match "
                             "the size of optimizer's group")
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in self.param_groups)))
        state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                p = id_map[k]
                state[p] = {name: _cast_state(p, name, value) for name, value in v.items()}
            else:
                state[k] = v
        for group, saved in zip(self.param_groups, saved_groups):
            saved["params"] = group["params"]
            if "param_names" in group:
                saved.setdefault("param_names", group["param_names"])
        self.state = state
        self.param_groups = saved_groups

    def __repr__(self) -> str:
        text = type(self).__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"


def _cast_state(p: Tensor, name: str, value: Any) -> Any:
    """A loaded state value in ``p``'s dtype (``step`` counters keep theirs)."""
    if isinstance(value, Tensor) and name != "step" and p.is_floating_point():
        return value.to(p.dtype)
    return value
