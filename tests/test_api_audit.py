"""Edge cases of issue 10's names, found by its audit (``tests/api_audit.py``), compared with
torch: the result's type, dtype, shape and values (exactly, or to float64's rounding), or
the type and message of the error torch raises."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_lite as tg

torch = pytest.importorskip("torch")


def outcome(f: Callable[[], Any]) -> Any:
    """What ``f()`` gives: type, dtype, shape and values of each tensor in it, or the error."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = f()
    except Exception as e:  # noqa: BLE001 - we compare whatever is raised
        return type(e).__name__, str(e)
    return _describe(r)


def _describe(r: Any) -> Any:
    if isinstance(r, (tg.Tensor, torch.Tensor)):
        values = np.asarray(r.detach().tolist())
        if values.dtype.kind == "f":  # (as text: nan equals nan, -0.0 differs from 0.0)
            with np.errstate(all="ignore"):  # (rounding inf)
                values = np.vectorize(repr, otypes=[object])(np.round(values, 12))
        return "Tensor", str(r.dtype), tuple(r.shape), r.requires_grad, values.tolist()
    if isinstance(r, (list, tuple)):
        return type(r).__name__, [_describe(x) for x in r]
    return type(r).__name__, repr(r)


def same(fn: Callable[[Any], Any]) -> None:
    """``fn(lib)`` gives the same outcome in both libraries."""
    assert outcome(lambda: fn(tg)) == outcome(lambda: fn(torch))


# --- NumPy interop: ``t == ndarray`` compares values (and ``!=`` does not, as in torch) -----
@pytest.mark.parametrize("fn", [
    lambda m: m.tensor([[1.0, 2.0, 3.0]]) == np.ones(3),
    lambda m: np.ones(3) == m.tensor([[1.0, 2.0, 3.0]]),
    lambda m: m.tensor([[1.0, 2.0, 3.0]]) == np.ones((2, 1)),
    lambda m: m.tensor([1, 2, 3]) == np.array([1, 0, 3]),
    lambda m: m.tensor([[1.0, 2.0, 3.0]]) == np.ones(4),
    lambda m: m.tensor([[1.0, 2.0, 3.0]]) != np.ones(3),
    lambda m: m.tensor([[1.0, 2.0, 3.0]]) < np.ones(3),
])
def test_comparison_with_an_ndarray(fn):
    same(fn)


# --- set_rng_state / Generator.set_state refuse what torch refuses --------------------------
def _edited_state(m: Any, offset: int, value: int) -> Any:
    """The default generator's state after a few draws, with the uint32 at ``offset`` set."""
    m.manual_seed(3)
    m.rand(7)
    raw = np.array(m.get_rng_state().tolist(), dtype=np.uint8)
    raw[offset:offset + 4] = np.frombuffer(np.uint32(value).tobytes(), np.uint8)
    return m.tensor(raw)


@pytest.mark.parametrize("fn", [
    lambda m: m.set_rng_state(m.zeros(3)),
    lambda m: m.set_rng_state(m.zeros(5056)),
    lambda m: m.set_rng_state([1, 2]),
    lambda m: m.Generator().set_state(m.zeros(5056, dtype=m.int64)),
    lambda m: m.set_rng_state(m.zeros(5056, dtype=m.uint8)),
    lambda m: m.Generator().set_state(m.zeros(5056, dtype=m.uint8)),
] + [
    (lambda m, o=offset, v=value: (m.set_rng_state(_edited_state(m, o, v)), m.rand(3))[1])
    for offset, value in [(8, 0), (8, 1), (8, 625), (16, 625), (12, 0), (12, 2)]
])
def test_rng_state_checks(fn):
    same(fn)


# --- linspace's steps, set_default_dtype's and set_default_device's arguments --------------
@pytest.mark.parametrize("fn", [
    lambda m: m.linspace(0, 1, -1), lambda m: m.linspace(0, 1, 0), lambda m: m.linspace(0, 1, 2.0),
    lambda m: m.linspace(0.5, 1, True), lambda m: m.linspace(m.tensor(0.0), 1, 2.5),
    lambda m: m.linspace(0, 1, None), lambda m: m.linspace(0, 1, np.int64(3)),
])
def test_linspace_steps(fn):
    same(fn)


def _with_default_dtype(m: Any, d: Any) -> Any:
    old = m.get_default_dtype()
    try:
        m.set_default_dtype(d(m) if callable(d) else d)
        return m.get_default_dtype(), m.tensor([1.5]), m.zeros(2), m.arange(3.0)
    finally:
        m.set_default_dtype(old)


@pytest.mark.parametrize("d", [
    lambda m: m.float64, lambda m: m.float16, lambda m: m.int64, lambda m: m.bool, "float64",
    None, float, 3,
])
def test_set_default_dtype_arguments(d):
    same(lambda m: _with_default_dtype(m, d))


@pytest.mark.parametrize("d", ["cpu", "cpu:0", None, lambda m: m.device("cpu"),
                               lambda m: m.device("cpu:0")])
def test_set_default_device_keeps_what_was_set(d):
    def run(m):
        try:
            m.set_default_device(d(m) if callable(d) else d)
            return repr(m.get_default_device()), repr(m.zeros(1).device)
        finally:
            m.set_default_device(None)
    same(run)
    assert repr(tg.get_default_device()) == "device(type='cpu')"


# --- logsumexp of an empty tensor, huber_loss's dtype ---------------------------------------
@pytest.mark.parametrize("fn", [
    lambda m: m.logsumexp(m.zeros(0, 3), 0), lambda m: m.logsumexp(m.zeros(0, 3), 1),
    lambda m: m.logsumexp(m.zeros(0), 0), lambda m: m.logsumexp(m.zeros(0, 3), 0, keepdim=True),
    lambda m: m.logsumexp(m.zeros(0, 3, dtype=m.float64), (0, 1)),
])
def test_logsumexp_of_nothing_is_minus_inf(fn):
    same(fn)


_A = [1.5, -2.0, 3.0, 0.25]
_B = [1.0, 2.0, 0.1, 0.3]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("dtypes", [("float32", "float64"), ("float64", "float32"),
                                    ("float32", "float32"), ("float16", "float32")])
@pytest.mark.parametrize("delta", [1.0, 0.7])
def test_huber_loss_gives_the_input_dtype(reduction, dtypes, delta):
    """PyTorch's result has the input's dtype, even where the target's is wider."""
    same(lambda m: m.nn.functional.huber_loss(
        m.tensor(_A, dtype=getattr(m, dtypes[0])), m.tensor(_B, dtype=getattr(m, dtypes[1])),
        reduction=reduction, delta=delta))
    same(lambda m: m.nn.HuberLoss(reduction=reduction, delta=delta)(
        m.tensor(_A, dtype=getattr(m, dtypes[0])), m.tensor(_B, dtype=getattr(m, dtypes[1]))))


# --- a dim given twice; norms with no identity over an empty dim ----------------------------
_M = [[1.5, -2.25, 3.0], [0.5, 4.0, -1.0]]


@pytest.mark.parametrize("name", ["sum", "mean", "amax", "amin", "logsumexp", "std", "var",
                                  "norm", "all", "any"])
@pytest.mark.parametrize("dims", [(0, 0), (1, -1), (-2, 0, 1)])
def test_a_dim_given_twice(name, dims):
    same(lambda m: getattr(m, name)(m.tensor(_M), dims))
    same(lambda m: m.linalg.vector_norm(m.tensor(_M), dim=dims))


@pytest.mark.parametrize("ord", [math.inf, -math.inf, -1, -1.0, -0.5, -2.5e-7, 0, 1, 2, 3.5])
@pytest.mark.parametrize("shape, dim", [((0,), None), ((0, 2), 0), ((0, 2), (0, 1)),
                                        ((0, 2), (1, 0)), ((2, 0), (0, 1)), ((0, 2), 1),
                                        ((2, 0), None), ((0, 2), (0,))])
def test_vector_norm_of_an_empty_dim(ord, shape, dim):
    same(lambda m: m.linalg.vector_norm(m.zeros(shape), ord, dim))
    same(lambda m: m.zeros(shape).norm(ord, dim))


# --- the typed constructors, tensor() of what is not numbers, t.type(x) ---------------------
_TYPED = ["FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "BoolTensor", "ByteTensor"]


@pytest.mark.parametrize("name", _TYPED)
@pytest.mark.parametrize("args", [
    "2.5", "True", "None", "np.float64(1.5)", "[1, 'a']", "[[1], ['a']]", "[[1, 2], [3]]",
    "[1, [2]]", "[[1], 2]", "[1.5, [2]]", "3, 2.0", "2, 'a'", "-1", "2, -3",
    "m.Size([2, -1])", "(1.5, 2)", "[np.float64(2.5)]", "np.ones(2)", "[]", "()",
])
def test_typed_constructor_arguments(name, args):
    same(lambda m: eval(f"m.{name}({args})", {"m": m, "np": np}))


@pytest.mark.parametrize("name", _TYPED)
@pytest.mark.parametrize("args", ["2, 3", "np.int64(2), 3", "np.int64(3)", "m.Size([2, 0])"])
def test_typed_constructor_shapes(name, args):
    """A shape (PyTorch leaves the memory uninitialised: shapes and dtypes compared)."""
    same(lambda m: (lambda r: (tuple(r.shape), r.dtype))(
        eval(f"m.{name}({args})", {"m": m, "np": np})))


@pytest.mark.parametrize("data", [
    [1, "a"], ["a"], "a", [1, None], None, [[1, 2], [3]], [[1, 2], [3, 4, 5]],
    [[[1, 2], [3, 4]], [[1, 2], [3]]], [1, [2]], [[1], 2], [1.5, [2]], [True, [2]],
    [[1], [[2]]], [(1, 2), [3]],
])
@pytest.mark.parametrize("dtype", [None, "float32", "int64", "bool"])
def test_tensor_of_what_is_not_numbers(data, dtype):
    same(lambda m: m.tensor(data, dtype=None if dtype is None else getattr(m, dtype)))


@pytest.mark.parametrize("fn", [
    lambda m: m.ones(2).type(3), lambda m: m.ones(2).type(float), lambda m: m.ones(2).type(int),
    lambda m: m.ones(2).type(m.float64, non_blocking=True),
    lambda m: m.ones(2).type(m.LongTensor, True), lambda m: m.ones(2).type(dtype=m.int32),
    lambda m: m.ones(2).type("torch.float"), lambda m: m.ones(2).type(None),
    lambda m: m.ones(2).type([1]),
])
def test_type_arguments(fn):
    same(fn)


# --- a size given by number, sequence or ``size=``, as torch's argument parser takes it -----
@pytest.mark.parametrize("name", ["zeros", "ones", "empty", "rand", "randn"])
@pytest.mark.parametrize("args", [
    "size=3", "size=(2.0, 3)", "(2, 3), size=(2,)", "size=(2, -1)", "", "2.0", "2, 3.0",
    "(2, 3.0)", "-1", "2, -3", "[2, -1]", "size=[2, np.int64(3)]", "np.int64(2)", "True",
    "size=None", "None", "'a'", "(2,), (3,)", "size=(2,), dtype=m.float64", "m.tensor(3)",
    "m.tensor([2, 3])", "m.Size([2, 3])", "size=m.Size([0, 2])", "2, m.tensor(3)", "(2, True)",
    "size=()", "()", "2, True", "size=(2, True)", "True, 2", "(True,)", "size=(True, 2)",
    "(True, 2)", "(2, 2.5, True)",
])
def test_size_arguments(name, args):
    same(lambda m: (lambda r: (tuple(r.shape), r.dtype))(
        eval(f"m.{name}({args})", {"m": m, "np": np})))


# --- softmax of integers and bools: torch's error, naming its kernel ------------------------
@pytest.mark.parametrize("fn", [
    lambda m, x: m.nn.functional.softmax(x, 1), lambda m, x: m.nn.functional.softmax(x, 0),
    lambda m, x: m.nn.functional.log_softmax(x, -1), lambda m, x: m.softmax(x, -2),
    lambda m, x: x.log_softmax(0), lambda m, x: m.nn.Softmax(1)(x),
    lambda m, x: m.nn.LogSoftmax(0)(x), lambda m, x: m.nn.functional.softmax(x, 1, dtype=m.float64),
    lambda m, x: m.nn.functional.softmax(x.bool(), 1), lambda m, x: m.softmax(x[0, 0], 0),
    lambda m, x: m.nn.functional.softmax(x.double(), 1),
])
def test_softmax_of_integers(fn):
    same(lambda m: fn(m, m.tensor([[1, 2, 3], [4, 5, 6]])))


# --- scatter(..., reduce='add' | 'multiply'): accumulated, with no derivative ----------------
_IDX = [[0, 1, 0], [2, 2, 1]]


@pytest.mark.parametrize("reduce", ["add", "multiply", "max", "mean"])
@pytest.mark.parametrize("fn", [
    lambda m, r: m.ones(2, 3).scatter_(1, m.tensor(_IDX), m.arange(6.0).reshape(2, 3), reduce=r),
    lambda m, r: m.ones(2, 3).scatter_(1, m.tensor(_IDX), 2.0, reduce=r),
    lambda m, r: m.ones(2, 3).scatter(1, m.tensor(_IDX), m.arange(6.0).reshape(2, 3), reduce=r),
    lambda m, r: m.ones(2, 3, dtype=m.long).scatter(1, m.tensor(_IDX), 3, reduce=r),
    lambda m, r: m.ones(2, 3, dtype=m.long).scatter(1, m.tensor(_IDX), 2.5, reduce=r),
    lambda m, r: m.ones(2, 3).scatter(1, m.tensor(_IDX)[:, :2], m.arange(6.0).reshape(2, 3),
                                      reduce=r),
    lambda m, r: m.ones(3, 3).scatter(0, m.tensor([[0, 1, 2], [2, 2, 0]]),
                                      m.arange(6.0).reshape(2, 3), reduce=r),
    lambda m, r: m.ones(2, 3).scatter(1, m.tensor(_IDX), m.ones(2, 3).double(), reduce=r),
    lambda m, r: m.ones(2, 3).scatter(1, m.tensor(_IDX) + 2, 1.0, reduce=r),
    lambda m, r: m.ones(2, 3, dtype=m.float64).scatter(-1, m.tensor(_IDX).int(), 0.5, reduce=r),
])
def test_scatter_reduce(reduce, fn):
    same(lambda m: fn(m, reduce))


@pytest.mark.parametrize("reduce", ["add", "multiply"])
def test_scatter_reduce_has_no_derivative(reduce):
    def run(m):
        x = m.ones(2, 3, requires_grad=True)
        y = x.scatter(1, m.tensor(_IDX), 2.0, reduce=reduce)
        return y.grad_fn.name(), y.requires_grad, y.is_leaf, y.sum().backward()

    same(run)
    same(lambda m: m.ones(2, 3).scatter(1, m.tensor(_IDX), m.ones(2, 3, requires_grad=True),
                                        reduce=reduce).sum().backward())


# --- the conversions that go with the typed constructors: half, short, char, byte ----------
@pytest.mark.parametrize("name", ["half", "short", "char", "byte", "float", "double", "long",
                                  "int", "bool"])
@pytest.mark.parametrize("data", [[1.5, -2.7, 300.0, 0.0], [1, -2, 255, 0], [True, False]])
def test_dtype_conversion_methods(name, data):
    def run(m):
        t = getattr(m.tensor(data), name)()
        return t, t.type(), isinstance(t, getattr(m, t.type().split(".")[1]))
    same(run)
    if isinstance(data[0], float):
        same(lambda m: (lambda x: (getattr(x, name)(), getattr(x, name)().grad_fn.name()
                                   if getattr(x, name)().grad_fn else None))(
            m.tensor(data, requires_grad=True)))


# --- linalg.matrix_norm ----------------------------------------------------------------------
@pytest.mark.parametrize("fn", [
    lambda m, a: m.linalg.matrix_norm(a), lambda m, a: m.linalg.matrix_norm(a, 1),
    lambda m, a: m.linalg.matrix_norm(a, -math.inf, keepdim=True),
    lambda m, a: m.linalg.matrix_norm(a, math.inf, dim=(1, 0)),
    lambda m, a: m.linalg.matrix_norm(a, -1, dim=(-1, -2), keepdim=True),
    lambda m, a: m.linalg.matrix_norm(a, 3), lambda m, a: m.linalg.matrix_norm(a, "abc"),
    lambda m, a: m.linalg.matrix_norm(a[0]), lambda m, a: m.linalg.matrix_norm(a, dim=(0,)),
    lambda m, a: m.linalg.matrix_norm(a, dim=(0, 0)), lambda m, a: m.linalg.matrix_norm(a.long()),
    lambda m, a: m.linalg.matrix_norm(a, dtype=m.float64),
    lambda m, a: m.linalg.matrix_norm(a, ord=1, dim=(0, 2)),
    lambda m, a: m.linalg.matrix_norm(m.stack([a, a * 2]), "fro", dim=(0, 2)),
    lambda m, a: m.linalg.matrix_norm(m.stack([a, -a]), 1),
])
def test_matrix_norm(fn):
    same(lambda m: fn(m, m.tensor(_M)))


def test_matrix_norm_gradient():
    def run(m):
        a = m.tensor(_M, dtype=m.float64, requires_grad=True)
        (m.linalg.matrix_norm(a) + m.linalg.matrix_norm(a, 1)).backward()
        return a.grad
    same(run)


# --- Tensor.new_zeros / new_ones / new_empty / new_full / new_tensor --------------------------
@pytest.mark.parametrize("fn", [
    lambda x: x.new_zeros(2, 3), lambda x: x.new_zeros((2,)), lambda x: x.new_ones(size=(1,)),
    lambda x: x.new_full((2,), 3), lambda x: x.new_full([2, 1], 1.5, dtype=x.new_tensor(1).dtype),
    lambda x: x.new_tensor([1, 2]), lambda x: x.new_tensor([1, 2], requires_grad=True),
    lambda x: x.new_zeros(2, requires_grad=True), lambda x: x.new_empty(2).shape,
    lambda x: x.new_ones(2, dtype=x.new_tensor([1]).long().dtype), lambda x: x.new_tensor(x),
    lambda x: x.new_zeros(), lambda x: x.new_full(2, 3), lambda x: x.new_full((2,)),
    lambda x: x.new_tensor(), lambda x: x.new_ones(-1), lambda x: x.new_zeros(size=3),
])
@pytest.mark.parametrize("dtype", ["float64", "int32", "bool"])
def test_new_tensor_methods(fn, dtype):
    same(lambda m: fn(m.tensor([[1, 0]], dtype=getattr(m, dtype))))


# --- the audit's last gaps: axis=, function forms, keywords ----------------------------------
@pytest.mark.parametrize("fn", [
    lambda m, a: m.concatenate([a, a], axis=1), lambda m, a: m.concatenate([a, a], 1),
    lambda m, a: m.cat([a, a], axis=-1), lambda m, a: m.concat([a, a], axis=0),
    lambda m, a: m.cat([a, a], 1, axis=0), lambda m, a: m.cat([a, a], dim=1, axis=0),
    lambda m, a: m.stack([a, a], axis=1), lambda m, a: m.cat(tensors=[a, a], axis=-1),
    lambda m, a: m.stack([a, a], 2, axis=1), lambda m, a: m.cat([a, a]),
])
def test_cat_and_stack_take_axis(fn):
    same(lambda m: fn(m, m.tensor(_M)))


_SPECIALS = [1.5, -1.5, 0.0, -0.0, math.nan, math.inf, -math.inf, -0.7, 2.0]


@pytest.mark.parametrize("name", ["ceil", "floor", "trunc", "isinf", "isfinite", "isnan",
                                  "nan_to_num"])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool"])
def test_function_forms_of_pointwise_ops(name, dtype):
    values = _SPECIALS if dtype.startswith("float") else [1, 0, 1, 0]
    same(lambda m: getattr(m, name)(m.tensor(values).to(getattr(m, dtype))))


@pytest.mark.parametrize("kwargs", [{"nan": 1.0}, {"nan": -2.5, "posinf": 9.0},
                                    {"neginf": -9.0}, {"nan": 0.0, "posinf": None}])
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_nan_to_num_keywords(kwargs, dtype):
    same(lambda m: m.nan_to_num(m.tensor(_SPECIALS, dtype=getattr(m, dtype)), **kwargs))
    same(lambda m: m.tensor(_SPECIALS, dtype=getattr(m, dtype)).nan_to_num(**kwargs))


@pytest.mark.parametrize("fn", [
    lambda m: m.full(size=(2, 3), fill_value=1.5), lambda m: m.full(size=[2], fill_value=7),
    lambda m: m.full(size=(2,), fill_value=True), lambda m: m.full((2, 1), 2.0, dtype=m.int32),
])
def test_full_size_keyword(fn):
    same(fn)


@pytest.mark.parametrize("name", ["std", "var"])
@pytest.mark.parametrize("kwargs", [{"correction": 0}, {"correction": 2}, {"unbiased": False},
                                    {"unbiased": True, "dim": 1}, {"dim": 0, "correction": 0,
                                                                   "keepdim": True},
                                    {"dim": -1, "unbiased": False, "keepdim": True}])
def test_std_var_method_keywords(name, kwargs):
    def run(m):
        x = m.tensor(_M, dtype=m.float64, requires_grad=True)
        y = getattr(x, name)(**kwargs)
        y.sum().backward()
        return y, x.grad, y.grad_fn.name()
    same(run)
