"""Compare tinygrad_lite's tensor printing with torch's ``repr``."""

from __future__ import annotations

import importlib.util
import math
import pathlib
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")


def _load_printing():
    """Load ``tinygrad_lite/_printing.py`` without importing the package."""
    path = pathlib.Path(__file__).resolve().parents[1] / "tinygrad_lite" / "_printing.py"
    spec = importlib.util.spec_from_file_location("_tinygrad_lite_printing", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


_printing = _load_printing()
format_tensor = _printing.format_tensor
format_parameter = _printing.format_parameter

INF, NAN = math.inf, math.nan
TORCH_DTYPES = {
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
    "float32": torch.float32,
    "float64": torch.float64,
    "bool": torch.bool,
    "uint8": torch.uint8,
    "int8": torch.int8,
    "int16": torch.int16,
    "int32": torch.int32,
    "int64": torch.int64,
}
NUMPY_DTYPES = {
    "float16": np.float16,
    "float32": np.float32,
    "float64": np.float64,
    "bool": np.bool_,
    "uint8": np.uint8,
    "int8": np.int8,
    "int16": np.int16,
    "int32": np.int32,
    "int64": np.int64,
}


def _torch_tensor(array: np.ndarray, dtype: str, requires_grad: bool = False):
    """Build the torch tensor holding ``array``'s values in ``dtype``."""
    return torch.tensor(array, dtype=TORCH_DTYPES[dtype], requires_grad=requires_grad)


def _check(data, dtype: str) -> None:
    """Assert our text equals torch's, plain and with autograd suffixes."""
    if dtype == "bfloat16":
        array = np.asarray(data, dtype=np.float32)
    else:
        array = np.asarray(data, dtype=NUMPY_DTYPES[dtype])
    tensor = _torch_tensor(array, dtype)
    assert format_tensor(array, dtype) == repr(tensor)
    if dtype in ("float16", "bfloat16", "float32", "float64"):
        leaf = _torch_tensor(array, dtype, requires_grad=True)
        assert format_tensor(array, dtype, suffixes=["requires_grad=True"]) == repr(leaf)
        cloned = leaf.clone()
        suffixes = ["grad_fn=<CloneBackward0>"]
        assert format_tensor(array, dtype, suffixes=suffixes) == repr(cloned)


rng = np.random.default_rng(0)

CASES = [
    # 0-d
    (0.0, "float32"),
    (-0.0, "float32"),
    (1.0, "float32"),
    (-1.5, "float32"),
    (0.1, "float32"),
    (1e-5, "float32"),
    (1e10, "float32"),
    (1e8, "float32"),
    (123456789.0, "float32"),
    (INF, "float32"),
    (-INF, "float32"),
    (NAN, "float32"),
    (3.14159, "float64"),
    (1e300, "float64"),
    (5e-324, "float64"),
    (7, "int64"),
    (-7, "int32"),
    (True, "bool"),
    (False, "bool"),
    (0.5, "float16"),
    (65504.0, "float16"),
    (1.0, "bfloat16"),
    (255, "uint8"),
    # 1-d floats
    ([1.0, 2.0, 3.0], "float32"),
    ([1.0, 2.5, 3.0], "float32"),
    ([1e-5, 1.0], "float32"),
    ([1.0, 1000.0], "float32"),
    ([1.0, 1001.0], "float32"),
    ([1.0, 1000.5], "float32"),
    ([0.0001, 0.1], "float32"),
    ([0.00009, 0.001], "float32"),
    ([1e8, 1.0], "float32"),
    ([1e8, 1e6], "float32"),
    ([1.5e8, 1.2e8], "float32"),
    ([INF, 1.0], "float32"),
    ([-INF, INF, NAN], "float32"),
    ([NAN, 0.5], "float32"),
    ([-INF, 1e-8], "float32"),
    ([0.0, -0.0], "float32"),
    ([-0.0, 1.5], "float32"),
    ([0.0, 0.0, 0.0], "float32"),
    ([0.1, 0.2, 0.3], "float32"),
    ([0.1, 0.2, 0.3], "float64"),
    ([1 / 3, -2 / 3, 100.0], "float64"),
    ([1e-300, 1e300], "float64"),
    ([3.0e38, 1e-45], "float32"),
    ([0.1, 1000.0], "float16"),
    ([3.140625, 2.0], "bfloat16"),
    ([0.99999, 1.00001], "float32"),
    ([9.99995, 0.5], "float32"),
    ([-123.456, 7.0], "float32"),
    # 1-d ints and bools
    ([1, 2, 3], "int64"),
    ([-1, 10, -100], "int64"),
    ([2**62, -(2**62)], "int64"),
    ([1, 2], "int32"),
    ([0, 255], "uint8"),
    ([-128, 127], "int8"),
    ([-5, 5], "int16"),
    ([True, False], "bool"),
    # empty
    ([], "float32"),
    ([], "float64"),
    ([], "int64"),
    ([], "bool"),
    (np.zeros((0, 3)), "float32"),
    (np.zeros((2, 0)), "float64"),
    (np.zeros((2, 0, 1)), "int64"),
    (np.zeros((0, 0)), "bool"),
    # n-d
    ([[1.0, 2.0], [3.0, 4.0]], "float32"),
    ([[1.5, -2.0], [3.0, 4.0]], "float64"),
    ([[1, 2], [3, 400]], "int64"),
    ([[True], [False]], "bool"),
    (np.arange(24.0).reshape(2, 3, 4), "float32"),
    (np.arange(24.0).reshape(2, 3, 4) * 1e5, "float32"),
    (np.arange(24).reshape(2, 3, 4), "int32"),
    (np.arange(16.0).reshape(2, 2, 2, 2) / 7, "float64"),
    (np.ones((1, 1, 1)), "float32"),
    ([[INF, NAN], [-INF, 0.0]], "float32"),
    # wrapping of long rows
    (np.arange(30.0), "float32"),
    (np.arange(30.0) / 3, "float32"),
    (np.arange(100) * 12345, "int64"),
    (np.linspace(-1, 1, 50), "float64"),
    (np.arange(40.0).reshape(2, 20) * 1e-6, "float32"),
    (np.arange(60.0).reshape(2, 3, 10) / 3, "float32"),
    (np.arange(13.0) / 3, "float32"),
    (np.arange(14.0) / 3, "float32"),
    (np.arange(200) % 2 == 0, "bool"),
    # summarization
    (np.arange(1000.0), "float32"),
    (np.arange(1001.0), "float32"),
    (np.arange(2000.0) / 7, "float32"),
    (np.arange(5000), "int64"),
    (np.arange(1001) % 3 == 0, "bool"),
    (np.arange(2500.0).reshape(50, 50), "float32"),
    (np.arange(2000.0).reshape(10, 10, 20) / 3, "float64"),
    (np.arange(1200.0).reshape(2, 600), "float32"),
    (np.arange(1200.0).reshape(600, 2), "float32"),
    (np.arange(1200.0).reshape(4, 300), "float32"),
    (np.arange(1008.0).reshape(7, 144) * 1e-5, "float32"),
    # middle values hidden by summarization do not affect the format
    (np.concatenate([np.ones(3), [1e-9, 1e20], np.ones(1000)]), "float32"),
    (np.concatenate([np.ones(3), [0.5], np.full(1000, 2.0)]), "float32"),
    # random
    (rng.standard_normal(20), "float32"),
    (rng.standard_normal((3, 5)), "float64"),
    (rng.standard_normal((3, 4, 5)) * 1e4, "float32"),
    (rng.standard_normal((40, 40)), "float32"),
    (rng.integers(-(10**9), 10**9, (5, 7)), "int64"),
]


@pytest.mark.parametrize(("data", "dtype"), CASES)
def test_matches_torch(data, dtype):
    _check(data, dtype)


def test_python_scalars():
    assert format_tensor(1.0, "float32") == repr(torch.tensor(1.0))
    assert format_tensor(3, "int64") == repr(torch.tensor(3))
    assert format_tensor(True, "bool") == repr(torch.tensor(True))
    assert format_tensor(0.1, "float64") == repr(torch.tensor(0.1, dtype=torch.float64))


def test_float32_rounding_of_float64_input():
    values = np.array([0.1, 1 / 3, 16777217.0])
    assert format_tensor(values, "float32") == repr(torch.tensor(values, dtype=torch.float32))


def test_half_narrowing_goes_through_float32():
    # float64 -> float32 lands on a float16 tie, which then rounds to even
    values = np.array([1 + 2.0**-11 + 2.0**-40, -3.0])
    for dtype in ("float16", "bfloat16"):
        assert format_tensor(values, dtype) == repr(torch.tensor(values, dtype=TORCH_DTYPES[dtype]))


def test_documented_examples():
    assert format_tensor(np.array([1e-5, 1.0], np.float32), "float32") == (
        "tensor([1.0000e-05, 1.0000e+00])"
    )
    assert format_tensor(1e10, "float32") == "tensor(1.0000e+10)"
    assert format_tensor(np.zeros((0, 3)), "float32") == "tensor([], size=(0, 3))"
    assert format_tensor(np.zeros(0), "float32") == "tensor([])"


def test_suffix_wraps_to_new_line():
    # last line ends near column 80, so the suffixes move to new lines
    array = np.arange(18.0, dtype=np.float64) / 3
    leaf = torch.tensor(array, requires_grad=True)
    expected = repr(leaf)
    got = format_tensor(array, "float64", suffixes=["requires_grad=True"])
    assert got == expected
    for n in range(1, 40):
        array = np.arange(float(n)) / 7
        leaf = torch.tensor(array, requires_grad=True)
        got = format_tensor(array, "float64", suffixes=["requires_grad=True"])
        assert got == repr(leaf)
        got = format_tensor(array, "float64", suffixes=["grad_fn=<MulBackward0>"])
        assert got == repr(leaf * 1)


def test_parameter():
    array = np.arange(6.0, dtype=np.float32).reshape(2, 3)
    param = torch.nn.Parameter(torch.tensor(array))
    assert format_parameter(array, "float32") == repr(param)
    param = torch.nn.Parameter(torch.tensor(array, dtype=torch.float64), False)
    assert format_parameter(array, "float64", []) == repr(param)


def test_unknown_dtype():
    with pytest.raises(ValueError, match="unsupported dtype"):
        format_tensor(1.0, "complex64")


# --- property-based comparison -------------------------------------------------

_SPECIAL = [0.0, -0.0, INF, -INF, NAN]
_float_pool_value = st.one_of(
    st.sampled_from(_SPECIAL),
    st.integers(-(10**6), 10**6).map(float),  # integer-valued
    st.floats(-1e-3, 1e-3, allow_nan=False),  # tiny
    st.floats(-1e3, 1e3, allow_nan=False),  # moderate
    st.floats(allow_nan=False, allow_infinity=False),  # anywhere, incl. huge
    st.integers(-40, 40).map(lambda e: 10.0**e),  # powers of ten
)


@st.composite
def _shapes(draw) -> tuple[int, ...]:
    """Shapes of rank 0 to 3, including sizes 0 and up to ~1200 elements."""
    ndim = draw(st.integers(0, 3))
    if draw(st.booleans()) and ndim > 0:  # large: exercises summarization
        total = draw(st.integers(900, 1200))
        dims = [draw(st.integers(1, 12)) for _ in range(ndim - 1)]
        rest = max(1, total // max(1, math.prod(dims)))
        return (*dims, rest)
    return tuple(draw(st.integers(0, 8)) for _ in range(ndim))


@st.composite
def _arrays(draw) -> tuple[np.ndarray, str]:
    """An array and the torch dtype name it should be printed as."""
    dtype = draw(st.sampled_from(["float32", "float64", "int64", "bool", "float16"]))
    shape = draw(_shapes())
    seed = draw(st.integers(0, 2**32 - 1))
    gen = np.random.default_rng(seed)
    if dtype == "bool":
        return gen.random(shape) < 0.5, dtype
    if dtype == "int64":
        bound = draw(st.sampled_from([10, 1000, 10**12, 2**62]))
        return gen.integers(-bound, bound, size=shape, dtype=np.int64), dtype
    pool = draw(st.lists(_float_pool_value, min_size=1, max_size=6))
    values = gen.choice(np.array(pool), size=shape)
    if draw(st.booleans()):  # mix in some continuous noise at a random scale
        scale = 10.0 ** draw(st.integers(-8, 12))
        noise = gen.standard_normal(shape) * scale
        values = np.where(gen.random(shape) < 0.5, values, noise)
    with np.errstate(over="ignore"):
        return np.asarray(values, dtype=NUMPY_DTYPES[dtype]), dtype


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(_arrays())
def test_matches_torch_hypothesis(case):
    array, dtype = case
    _check(array, dtype)
