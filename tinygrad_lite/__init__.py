"""tinygrad_lite: a pure-Python reverse-mode autograd with PyTorch's names and printing.

Use it where a PyTorch lesson says ``import torch``::

    import tinygrad_lite as torch

The engine records every primitive on a Wengert list (a tape) and replays it in reverse:
see :mod:`tinygrad_lite._tensor`, :mod:`tinygrad_lite.ops` and :mod:`tinygrad_lite.engine`.
"""

from __future__ import annotations

import builtins
import functools
import typing
from typing import Any

from . import _dtype, _tensor, ops
from ._creation import (
    Generator,
    arange,
    as_tensor,
    bernoulli,
    default_generator,
    empty,
    eye,
    from_numpy,
    full,
    full_like,
    get_rng_state,
    initial_seed,
    linspace,
    manual_seed,
    multinomial,
    normal,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    seed,
    set_rng_state,
    tensor,
    zeros,
    zeros_like,
)
from ._dtype import (
    Size,
    bool,
    device,
    double,
    float,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    set_default_dtype,
    short,
    uint8,
)
from ._dtype import dtype as dtype
from ._tensor import (
    _UNSET,
    Tensor,
    _make,
    _without_dim,
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    matmul,
    maximum,
    minimum,
    mm,
    no_grad,
    set_grad_enabled,
)

if typing.TYPE_CHECKING:  # kept out of the public names
    from collections.abc import Callable

# Imported after the Tensor, to which they attach their methods:
from . import _pointwise, _reductions  # noqa: E402
from ._joining import (  # noqa: E402
    cat,
    chunk,
    concat,
    concatenate,
    dsplit,
    flip,
    gather,
    hsplit,
    scatter,
    split,
    split_with_sizes,
    stack,
    tensor_split,
    vsplit,
    where,
)

__version__ = "0.1.0"

_HEAP_TYPE = 1 << 9  # Py_TPFLAGS_HEAPTYPE: the type was made by a class statement


def _not_tensor(name: str, t: Any) -> TypeError:
    """PyTorch's error for a non-tensor first argument of ``torch.<name>``.

    The type is named as C names it (``tp_name``): a class defined in Python or a builtin by
    its bare name, any other C type with its module (``numpy.ndarray``).
    """
    kind = type(t)
    heap = kind.__flags__ & _HEAP_TYPE
    shown = kind.__name__ if heap or kind.__module__ == "builtins" else (
        f"{kind.__module__}.{kind.__qualname__}")
    return TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {shown}")


def _takes_tensor(f: Any) -> Any:
    """Give ``f`` PyTorch's TypeError when its first argument is not a tensor."""

    @functools.wraps(f)
    def checked(t: Any, *args: Any, **kwargs: Any) -> Any:
        if not isinstance(t, Tensor):
            raise _not_tensor(f.__name__, t)
        return f(t, *args, **kwargs)

    return checked


def _elementwise(op: type[ops.Op]) -> Callable[[Callable[[Tensor], Tensor]],
                                               Callable[[Tensor], Tensor]]:
    """Make ``torch.f(input)``, the decorated function, cost what the method ``input.f()`` costs.

    The decorated function gives the name, the docstring and the signature, and its body says
    what the result does; the result itself checks the argument (PyTorch's TypeError for a
    non-tensor), then does what the method does, with the method's fast path inlined: a 0-d
    float64 tensor goes straight to the forward rule of ``op``, bound here; anything else goes
    to the method, called as a function.

    Args:
        op: The primitive behind the method ``Tensor.f``.

    Returns:
        The decorator.
    """
    forward, rule = op.forward, op.rule
    py_float = builtins.float  # here ``float`` is the dtype

    def decorate(f: Callable[[Tensor], Tensor]) -> Callable[[Tensor], Tensor]:
        name = f.__name__
        method = getattr(Tensor, name)

        def function(input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name, for input=
            if type(input) is not Tensor and not isinstance(input, Tensor):
                raise _not_tensor(name, input)
            x = input._data
            if type(x) is py_float:
                rg = input._rg and _tensor._grad_enabled
                return _make(forward(None, x), rule, input, None, None, rg)
            return method(input)

        return functools.update_wrapper(function, f)

    return decorate


def is_tensor(obj: Any) -> bool:
    """True if ``obj`` is a tensor."""
    return isinstance(obj, Tensor)


@_takes_tensor
def numel(t: Tensor) -> int:
    """The number of elements of ``t``."""
    return t.numel()


@_elementwise(ops.Sigmoid)
def sigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """1 / (1 + exp(-input)), elementwise."""
    return input.sigmoid()


@_elementwise(ops.Tanh)
def tanh(input: Tensor) -> Tensor:  # noqa: A002
    """Hyperbolic tangent, elementwise."""
    return input.tanh()


@_elementwise(ops.Relu)
def relu(input: Tensor) -> Tensor:  # noqa: A002
    """max(input, 0), elementwise."""
    return input.relu()


@_elementwise(ops.Exp)
def exp(input: Tensor) -> Tensor:  # noqa: A002
    """e ** input, elementwise."""
    return input.exp()


@_elementwise(ops.Log)
def log(input: Tensor) -> Tensor:  # noqa: A002
    """Natural logarithm, elementwise."""
    return input.log()


@_elementwise(ops.Sin)
def sin(input: Tensor) -> Tensor:  # noqa: A002
    """Sine, elementwise."""
    return input.sin()


@_elementwise(ops.Cos)
def cos(input: Tensor) -> Tensor:  # noqa: A002
    """Cosine, elementwise."""
    return input.cos()


@_elementwise(ops.Abs)
def abs(input: Tensor) -> Tensor:  # noqa: A001, A002
    """Absolute value, elementwise."""
    return input.abs()


@_elementwise(ops.Sqrt)
def sqrt(input: Tensor) -> Tensor:  # noqa: A002
    """Square root, elementwise."""
    return input.sqrt()


@_takes_tensor
def square(t: Tensor) -> Tensor:
    return t * t


def pow(t: Any, exponent: Any) -> Tensor:  # noqa: A001
    """``t ** exponent``."""
    return t**exponent


@_takes_tensor
def clamp(t: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    """Clip ``t`` to [min, max]: numbers, or tensors that broadcast with ``t``."""
    if isinstance(min, Tensor) != isinstance(max, Tensor) and min is not None and max is not None:
        raise TypeError(
            f"clamp() received an invalid combination of arguments - got "
            f"({_tensor._clamp_types(t, min, max)}), but expected one of:\n"
            " * (Tensor input, Tensor min = None, Tensor max = None, *, Tensor out = None)\n"
            " * (Tensor input, Number min = None, Number max = None, *, Tensor out = None)\n")
    return t.clamp(min, max)


clip = clamp


def _reduction(name: str, doc: str) -> Any:
    """The function ``torch.<name>(t, dim, keepdim, ...)`` of the method ``t.<name>``, with
    PyTorch's error for ``keepdim`` without ``dim``."""

    def f(t: Tensor, dim: Any = _UNSET, keepdim: bool = False, **kw: Any) -> Any:
        if dim is _UNSET and keepdim:
            raise _without_dim(name, kw.get("dtype"), method=False)
        return getattr(t, name)(dim, keepdim, **kw)

    f.__name__ = f.__qualname__ = name
    f.__doc__ = doc
    return _takes_tensor(f)


sum = _reduction("sum", "Sum of all elements, or along ``dim``.")  # noqa: A001
mean = _reduction("mean", "Mean of all elements, or along ``dim``.")
max = _reduction("max", "The largest element; ``max(t, dim)`` gives (values, indices); "  # noqa: A001
                 "``max(a, b)`` is the elementwise maximum.")
min = _reduction("min", "The smallest element; ``min(t, dim)`` gives (values, indices).")  # noqa: A001


@_takes_tensor
def is_inference(t: Tensor) -> bool:
    """Whether ``t`` was made in inference mode."""
    return t.is_inference()


@_takes_tensor
def argmax(t: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Index of the largest element."""
    return t.argmax(dim, keepdim)


@_takes_tensor
def argmin(t: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    return t.argmin(dim, keepdim)


@_takes_tensor
def softmax(t: Tensor, dim: int) -> Tensor:
    """exp(t) / sum(exp(t)) along ``dim``."""
    return t.softmax(dim)


@_takes_tensor
def log_softmax(t: Tensor, dim: int) -> Tensor:
    """log(softmax(t)) along ``dim``, computed stably."""
    return t.log_softmax(dim)


@_takes_tensor
def reshape(t: Tensor, shape: Any) -> Tensor:
    return t.reshape(shape)


@_takes_tensor
def transpose(t: Tensor, dim0: int, dim1: int) -> Tensor:
    return t.transpose(dim0, dim1)


@_takes_tensor
def t(x: Tensor) -> Tensor:
    return x.t()


@_takes_tensor
def permute(input: Tensor, dims: Any) -> Tensor:  # noqa: A002 - PyTorch's name
    """``input.permute(dims)``: the dims reordered (a view)."""
    return input.permute(dims)


@_takes_tensor
def squeeze(x: Tensor, dim: Any = None) -> Tensor:
    return x.squeeze(dim)


@_takes_tensor
def unsqueeze(x: Tensor, dim: int) -> Tensor:
    return x.unsqueeze(dim)


@_takes_tensor
def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    return x.flatten(start_dim, end_dim)


@_takes_tensor
def dot(a: Tensor, b: Tensor) -> Tensor:
    return a.dot(b)


@_takes_tensor
def outer(input: Tensor, vec2: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
    """Outer product of two 1-D tensors (see :meth:`Tensor.outer`); ``ger`` is its old name."""
    return input.outer(vec2)


ger = outer


def allclose(a: Tensor, b: Tensor, rtol: float = 1e-05, atol: float = 1e-08) -> bool:
    return a.allclose(b, rtol, atol)


def equal(a: Tensor, b: Tensor) -> bool:
    return a.equal(b)


std = _takes_tensor(_reductions.std)
var = _takes_tensor(_reductions.var)
var_mean = _takes_tensor(_reductions.var_mean)
std_mean = _takes_tensor(_reductions.std_mean)
norm = _takes_tensor(_reductions.norm)
logsumexp = _takes_tensor(_reductions.logsumexp)
amax = _takes_tensor(_reductions.amax)
amin = _takes_tensor(_reductions.amin)
aminmax = _takes_tensor(_reductions.aminmax)
prod = _takes_tensor(_reductions.prod)
cumsum = _takes_tensor(_reductions.cumsum)
cumprod = _takes_tensor(_reductions.cumprod)
all = _takes_tensor(_reductions.all)  # noqa: A001
any = _takes_tensor(_reductions.any)  # noqa: A001

round = _takes_tensor(_pointwise.round)  # noqa: A001
floor = _takes_tensor(_pointwise.floor)
ceil = _takes_tensor(_pointwise.ceil)
trunc = _takes_tensor(_pointwise.trunc)
clamp_min = _takes_tensor(_pointwise.clamp_min)
clamp_max = _takes_tensor(_pointwise.clamp_max)
log1p = _takes_tensor(_pointwise.log1p)
logit = _takes_tensor(_pointwise.logit)
expm1 = _takes_tensor(_pointwise.expm1)
nan_to_num = _takes_tensor(_pointwise.nan_to_num)
isnan = _takes_tensor(_pointwise.isnan)
isinf = _takes_tensor(_pointwise.isinf)
isfinite = _takes_tensor(_pointwise.isfinite)
floor_divide = _takes_tensor(_pointwise.floor_divide)
fmod = _takes_tensor(_pointwise.fmod)
remainder = _pointwise.remainder_function


# The subpackages, importable as in PyTorch (``tinygrad_lite.nn.MSELoss`` after a bare
# ``import tinygrad_lite``).
from . import (  # noqa: E402
    autograd,
    cuda,
    func,
    linalg,
    nn,
    optim,
    serialization,
    utils,
    viz,
)
from ._legacy import (  # noqa: E402
    BoolTensor,
    ByteTensor,
    CharTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    ShortTensor,
    get_default_device,
    set_default_device,
)
from ._tape import tape  # noqa: E402
from .autograd.anomaly_mode import is_anomaly_check_nan_enabled, is_anomaly_enabled  # noqa: E402
from .nn.functional import addmm  # noqa: E402
from .serialization import load, save  # noqa: E402

__all__ = [n for n in dir() if not n.startswith("_")]
