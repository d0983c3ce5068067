"""PyTorch's CPU random numbers, bit for bit: its generator and the kernels built on it.

``torch.manual_seed(0); torch.randn(3)`` prints here what it prints in PyTorch (its x86-64
Linux build: pip's and Colab's). The engine is one MT19937 (NumPy's ``MT19937``, seeded the
legacy way, is the same engine: its ``random_raw()`` is PyTorch's 32-bit stream); a 64-bit
draw is two 32-bit ones, the first the high word. On top of it each kernel repeats
PyTorch's arithmetic, in PyTorch's order:

- uniforms: the low 24 (float32) or 53 (float64, from a 64-bit draw) bits, times 2**-bits;
  ``uniform_(a, b)`` is ``fma(u, b - a, a)`` in the dtype;
- normals: fewer than 16 elements (or a non-contiguous tensor) take the scalar Box-Muller
  path in double precision, which caches its second normal; 16 or more take the vectorised
  path, blocks of 16 (8 pairs), whose float32 form is the AVX2 kernel of PyTorch's
  ``avx_mathfun.h`` (itself Julien Pommier's Cephes-derived ``sse_mathfun``, zlib licence),
  with the multiply-adds the compiler fuses into FMAs fused here too (:func:`_log256`,
  :func:`_sincos256`);
- ``randint``, ``randperm``, ``bernoulli``, ``exponential_``, ``multinomial``: see each one.

NumPy has no fused multiply-add: :func:`fma32` and :func:`fma64` compute one exactly.
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

from . import _dtype as D

_F32, _F64, _U64 = np.float32, np.float64, np.uint64
_DEFAULT_SEED = 67280421310721  # a fresh torch.Generator()'s seed
_STATE_SIZE = 5056  # bytes of PyTorch's CPUGeneratorImplState


# --- exact fused multiply-add --------------------------------------------------------------

def _two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(s, e) with s = a + b rounded and s + e = a + b exactly (Knuth's TwoSum)."""
    s = a + b
    v = s - a
    return s, (a - (s - v)) + (b - v)


def _round_odd(s: np.ndarray, e: np.ndarray) -> np.ndarray:
    """s + e rounded to odd, for s = round-to-nearest(s + e): where that is inexact and s's
    last bit is even, the neighbour on e's side (whose last bit is odd)."""
    fix = (e != 0) & ((s.view(np.int64) & 1) == 0)
    if fix.any():
        s = np.where(fix, np.nextafter(s, np.copysign(np.inf, e)), s)
    return s


def fma32(a: Any, b: Any, c: Any) -> np.ndarray:
    """``a * b + c`` of float32 values (an array among them) rounded once to float32.

    The product is exact in float64 and so is rounding the float64 sum to float32, except
    where that sum lands exactly halfway between two float32 values (or below float32's
    normal range): there the sum is redone rounded to odd in float64, which then rounds to
    float32 as the exact value would (53 >= 24 + 2 bits).
    """
    s = np.multiply(a, b, dtype=_F64)
    s += c
    redo = (s.view(np.uint64) & _U64(0x1FFFFFFF)) == _U64(0x10000000)
    tiny = np.abs(s) < 2.0**-126
    if tiny.any():
        redo |= tiny & (s != 0)
    if redo.any():
        x, y, z = (np.broadcast_to(np.asarray(v, _F32), s.shape)[redo].astype(_F64)
                   for v in (a, b, c))
        s[redo] = _round_odd(*_two_sum(x * y, z))
    return s.astype(_F32)


def _split(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    c = a * 134217729.0  # 2**27 + 1: Veltkamp's split into two 26-bit halves
    h = c - (c - a)
    return h, a - h


def fma64(a: Any, b: Any, c: Any) -> np.ndarray:
    """``a * b + c`` of doubles rounded once (Boldo and Melquiond's emulation: the exact
    product as two doubles, then a sum of three with one step rounded to odd)."""
    a, b, c = (np.asarray(v, _F64) for v in (a, b, c))
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    pe = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    th, tl = _two_sum(c, p)
    s, e = _two_sum(tl, pe)
    return th + _round_odd(s, e)


# --- the generator ---------------------------------------------------------------------------

def _seed_arg(seed: Any) -> int:
    """PyTorch's reading of a seed: int() of it, kept mod 2**64 (negatives wrap).

    Raises:
        ValueError: beyond [-2**63, 2**64 - 1], or for what int() refuses, as in PyTorch.
    """
    seed = int(seed)
    if not -2**63 <= seed < 2**64:
        raise ValueError("Overflow when unpacking long long")
    return seed % 2**64


class Generator:
    """A random number generator with PyTorch's stream (``torch.Generator``).

    Attributes:
        device: always the CPU.
    """

    def __init__(self, device: Any = "cpu") -> None:
        D.check_device(device)
        self.device = D.device("cpu")
        self._mt: Any = None  # NumPy's MT19937, made on first use (numpy.random is slow to load)
        self._seed = _DEFAULT_SEED
        self._fresh = True  # seeded and not drawn from since (PyTorch's state says next = 0)
        self._normal: float | None = None  # the second normal of the scalar path

    def __repr__(self) -> str:
        # PyTorch's own text, module included: a learner comparing printed output sees the
        # same words (only the address differs, as it does between two PyTorch runs).
        return f"<torch._C.Generator object at {id(self):#x}>"

    def manual_seed(self, seed: Any) -> Generator:
        """Seed the generator (any int in [-2**63, 2**64 - 1]); return it."""
        self._seed = _seed_arg(seed)
        if self._mt is not None:
            self._mt._legacy_seeding(self._seed & 0xFFFFFFFF)
        self._fresh = True
        self._normal = None
        return self

    def initial_seed(self) -> int:
        """The seed last given (or drawn by :meth:`seed`)."""
        return self._seed

    def seed(self) -> int:
        """Seed from the operating system's randomness; return that seed."""
        self.manual_seed(int.from_bytes(os.urandom(8), "little"))
        return self._seed

    def _engine(self) -> Any:
        if self._mt is None:
            import numpy.random

            self._mt = numpy.random.MT19937(0)
            self._mt._legacy_seeding(self._seed & 0xFFFFFFFF)
        self._fresh = False
        return self._mt

    def u32(self, n: int) -> np.ndarray:
        """``n`` 32-bit draws (as uint64)."""
        if n == 0:  # no draw: the state stays as it is
            return np.empty(0, _U64)
        return self._engine().random_raw(n)

    def u64(self, n: int) -> np.ndarray:
        """``n`` 64-bit draws, each two 32-bit ones, the first the high word."""
        r = self.u32(2 * n)
        return (r[0::2] << _U64(32)) | r[1::2]

    def get_state(self) -> Any:
        """The state as PyTorch lays it out: a uint8 tensor of 5056 bytes (the seed, the
        Mersenne Twister's position and 624 words, the cached normal)."""
        from ._creation import _finish
        from ._dtype import uint8

        mt, fresh = self._mt, self._fresh
        buf = bytearray(_STATE_SIZE)
        if mt is None:  # never drawn from: the key the seed gives
            import numpy.random

            mt = numpy.random.MT19937(0)
            mt._legacy_seeding(self._seed & 0xFFFFFFFF)
        st = mt.state["state"]
        pos = int(st["pos"])
        head = np.array([self._seed, (625 - pos) | (1 << 32), 0 if fresh else pos], _U64)
        buf[0:24] = head.tobytes()
        buf[24:5016] = st["key"].astype(_U64).tobytes()
        if self._normal is not None:
            buf[5024:5032] = np.float64(self._normal).tobytes()
            buf[5040] = 1
        return _finish(np.frombuffer(bytes(buf), np.uint8).copy(), uint8, None, False)

    def set_state(self, new_state: Any) -> Generator:
        """Restore a state from :meth:`get_state` (also one from PyTorch).

        Raises:
            TypeError: for anything but a uint8 tensor, as PyTorch.
            RuntimeError: for a tensor of another size, or one that holds no valid state
                (``left`` outside 1..624, ``next`` beyond 624, not seeded), as PyTorch.
        """
        if not hasattr(new_state, "numpy") or not hasattr(new_state, "dtype"):
            raise TypeError(f"expected a torch.ByteTensor, but got {type(new_state).__name__}")
        if str(new_state.dtype) != "torch.uint8":  # ours or PyTorch's
            raise TypeError("RNG state must be a torch.ByteTensor")
        data = np.ascontiguousarray(new_state.numpy(), np.uint8)
        if data.size != _STATE_SIZE:
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {_STATE_SIZE} but "
                               f"found the input RNG state size to be {data.size}")
        raw = data.tobytes()
        seed, left_seeded, nxt = np.frombuffer(raw[0:24], _U64)
        left = int(left_seeded) & 0xFFFFFFFF
        seeded = raw[12] != 0
        if not (1 <= left <= 624 and int(nxt) <= 624 and seeded):
            raise RuntimeError("Invalid mt19937 state")
        mt = self._engine()
        mt.state = {"bit_generator": "MT19937",
                    "state": {"key": np.frombuffer(raw[24:5016], _U64).astype(np.uint32),
                              "pos": 625 - left}}
        self._seed = int(seed)
        self._fresh = int(nxt) == 0
        valid = raw[5040] != 0
        self._normal = float(np.frombuffer(raw[5024:5032], _F64)[0]) if valid else None
        return self


default_generator = Generator()


def gen(generator: Generator | None) -> Generator:
    """``generator``, or the default one for None."""
    return default_generator if generator is None else generator


# --- uniforms --------------------------------------------------------------------------------

_BITS = {"float16": 11, "float32": 24, "float64": 53}  # the mantissa digits of each dtype


def uniform(g: Generator, n: int, np_dtype: Any) -> np.ndarray:
    """``n`` uniforms in [0, 1) of ``np_dtype`` (float16: float32's, rounded to it, as
    PyTorch's ``rand``; float32; float64)."""
    dt = np.dtype(np_dtype)
    if dt == np.float16:
        return uniform(g, n, _F32).astype(dt)
    bits = _BITS[dt.name]
    if bits == 53:
        r = g.u64(n) & _U64((1 << 53) - 1)
        return r.view(np.int64).astype(_F64) * 2.0**-53
    r = g.u32(n).astype(np.int32) & np.int32((1 << bits) - 1)  # the low bits survive the cast
    return r.astype(dt) * dt.type(2.0**-bits)


def uniform_from_to(g: Generator, n: int, np_dtype: Any, a: float, b: float) -> np.ndarray:
    """``uniform_(a, b)``: ``fma(u, b - a, a)`` in the dtype; a result equal to ``b`` is ``a``."""
    u = uniform(g, n, _F32 if np.dtype(np_dtype) == np.float16 else np_dtype)
    if np.dtype(np_dtype) == _F64:
        lo, hi = _F64(a), _F64(b)
        v = fma64(u, hi - lo, lo)
    else:
        lo, hi = _F32(a), _F32(b)
        v = fma32(u, hi - lo, lo)
    v = v.astype(np_dtype)
    return np.where(v == np.asarray(hi, np_dtype), np.asarray(lo, np_dtype), v)


# --- normals ---------------------------------------------------------------------------------

def _scalar_normals(g: Generator, n: int) -> np.ndarray:
    """``n`` standard normals of the scalar path (doubles), using and refilling the cache."""
    out = np.empty(n)
    log1p, sqrt, sin, cos = math.log1p, math.sqrt, math.sin, math.cos
    two_pi = 2.0 * math.pi
    for i in range(n):
        if g._normal is not None:
            out[i] = g._normal
            g._normal = None
            continue
        r64 = g.u64(2) & _U64((1 << 53) - 1)
        u1, u2 = float(r64[0]) * 2.0**-53, float(r64[1]) * 2.0**-53
        r = sqrt(-2.0 * log1p(-u2))
        theta = two_pi * u1
        g._normal = r * sin(theta)
        out[i] = r * cos(theta)
    return out


_SQRTHF = _F32(0.707106781186547524)
_LOG_P = [_F32(v) for v in (7.0376836292E-2, -1.1514610310E-1, 1.1676998740E-1,
                            -1.2420140846E-1, 1.4249322787E-1, -1.6668057665E-1,
                            2.0000714765E-1, -2.4999993993E-1, 3.3333331174E-1)]
_LOG_Q1, _LOG_Q2 = _F32(-2.12194440e-4), _F32(0.693359375)


def _log256(x: np.ndarray) -> np.ndarray:
    """``log256_ps`` of ``avx_mathfun.h`` for float32 ``x`` in (0, 1], its FMAs fused."""
    bits = x.view(np.int32)
    e = ((bits >> 23) - 0x7F).astype(_F32) + _F32(1)
    m = ((bits & ~0x7F800000) | np.int32(0x3F000000)).view(_F32)  # mantissa in [0.5, 1)
    small = m < _SQRTHF
    e = e - small.astype(_F32)
    m = (m - _F32(1)) + np.where(small, m, _F32(0))
    z = m * m
    y = fma32(_LOG_P[0], m, _LOG_P[1])
    for p in _LOG_P[2:]:
        y = fma32(y, m, p)
    y = y * m
    y = fma32(y, z, e * _LOG_Q1)
    y = y - z * _F32(0.5)
    return fma32(e, _LOG_Q2, m + y)


_FOPI = _F32(1.27323954473516)  # 4 / pi
_DP = [_F32(v) for v in (-0.78515625, -2.4187564849853515625e-4, -3.77489497744594108e-8)]
_SINCOF = [_F32(v) for v in (-1.9515295891E-4, 8.3321608736E-3, -1.6666654611E-1)]
_COSCOF = [_F32(v) for v in (2.443315711809948E-005, -1.388731625493765E-003,
                             4.166664568298827E-002)]


def _sincos256(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``sincos256_ps`` of ``avx_mathfun.h`` for float32 ``x >= 0``, its FMAs fused."""
    j = (x * _FOPI).astype(np.int32)
    j = (j + 1) & ~1
    y = j.astype(_F32)
    sin_negative = (j & 4) != 0
    cos_negative = ((j - 2) & 4) == 0
    sin_poly = (j & 2) == 0
    for dp in _DP:  # the extended-precision reduction x - y * pi/4
        x = fma32(y, dp, x)
    z = x * x
    yc = fma32(fma32(_COSCOF[0], z, _COSCOF[1]), z, _COSCOF[2]) * z
    yc = fma32(yc, z, -(z * _F32(0.5))) + _F32(1)
    ys = fma32(fma32(_SINCOF[0], z, _SINCOF[1]), z, _SINCOF[2]) * z
    ys = fma32(ys, x, x)
    s = np.where(sin_poly, ys, yc) + _F32(0)  # the kernel adds the masked halves
    c = np.where(sin_poly, yc, ys) + _F32(0)
    return np.where(sin_negative, -s, s), np.where(cos_negative, -c, c)


def _blocks(u: np.ndarray, mean: float, std: float) -> np.ndarray:
    """Box-Muller on each block of 16 uniforms: pairs (j, j + 8), j < 8, of float32 or
    float64 ``u`` (shape (blocks, 16))."""
    u1, u2 = u[:, :8], u[:, 8:]
    if u.dtype == _F32:
        r = np.sqrt(_F32(-2) * _log256(_F32(1) - u1))
        s, c = _sincos256(_F32(2.0 * math.pi) * u2)
        mean32, std32 = _F32(mean), _F32(std)
        return np.concatenate([fma32(r * c, std32, mean32), fma32(r * s, std32, mean32)], 1)
    flat = (1.0 - u1).ravel().tolist()
    r = np.sqrt(-2.0 * np.array(list(map(math.log, flat)))).reshape(u1.shape)
    theta = ((2.0 * math.pi) * u2).ravel().tolist()
    c = np.array(list(map(math.cos, theta))).reshape(u1.shape)
    s = np.array(list(map(math.sin, theta))).reshape(u1.shape)
    return np.concatenate([fma64(r * c, std, mean), fma64(r * s, std, mean)], 1)


def normal(g: Generator, n: int, np_dtype: Any, mean: float = 0.0, std: float = 1.0,
           contiguous: bool = True) -> np.ndarray:
    """``n`` normals N(mean, std**2) of ``np_dtype`` as ``randn``/``normal_`` draw them."""
    np_dtype = np.dtype(np_dtype)
    if n < 16 or not contiguous or np_dtype not in (_F32, _F64, np.float16):
        return fma64(_scalar_normals(g, n), std, mean).astype(np_dtype)
    if np_dtype == np.float16:  # float32's, rounded (PyTorch's tail of 16 differs, though)
        return normal(g, n, _F32, mean, std).astype(np_dtype)
    whole = n // 16 * 16
    u = uniform(g, n, np_dtype)[:whole].reshape(-1, 16)
    if n != whole:  # the last 16 again, from 16 fresh uniforms: one more block
        u = np.concatenate([u, uniform(g, 16, np_dtype).reshape(1, 16)])
    z = _blocks(u, mean, std)
    out = np.empty(n, np_dtype)
    out[:whole] = z[:whole // 16].ravel()
    if n != whole:
        out[n - 16:] = z[-1]
    return out


# --- integers and the rest -----------------------------------------------------------------

def randint(g: Generator, n: int, low: int, high: int) -> np.ndarray:
    """``n`` integers in [low, high) as int64: a draw modulo the range, plus low (64-bit
    draws for ranges of 2**28 and more, 32-bit ones below)."""
    span = high - low
    r = g.u64(n) if span >= 1 << 28 else g.u32(n)
    return (r % _U64(span)).astype(np.int64) + np.int64(low)


def randperm(g: Generator, n: int) -> np.ndarray:
    """A permutation of 0..n-1 as PyTorch's CPU kernel shuffles it (Fisher-Yates forwards
    with 32-bit draws; inside-out with 64-bit draws for n of 214,748,364 and more)."""
    if n < 214748364:
        if n < 2:
            return np.arange(n, dtype=np.int64)
        z = (np.arange(n - 1) + (g.u32(n - 1) % np.arange(n, 1, -1, dtype=_U64))
             .astype(np.int64)).tolist()
        a = list(range(n))
        for i, k in enumerate(z):
            a[i], a[k] = a[k], a[i]
        return np.array(a, np.int64)
    z = (g.u64(n) % np.arange(1, n + 1, dtype=_U64)).astype(np.int64).tolist()
    a = [0] * n
    for i, k in enumerate(z):
        a[i] = a[k]
        a[k] = i
    return np.array(a, np.int64)


def random_full(g: Generator, n: int, np_dtype: Any) -> np.ndarray:
    """``random_()`` without bounds: [0, 2**digits] for floats, [0, max] for integers."""
    dt = np.dtype(np_dtype)
    if dt == np.bool_:
        return (g.u32(n) & _U64(1)).astype(np.bool_)
    if dt.kind == "f":
        span = (1 << _BITS[dt.name]) + 1
        r = g.u64(n) if dt == _F64 else g.u32(n)
    else:
        span = int(np.iinfo(dt).max) + 1
        r = g.u64(n) if dt == np.int64 else g.u32(n)
    return (r % _U64(span)).astype(dt)


def bernoulli_scalar(g: Generator, n: int, p: float) -> np.ndarray:
    """``n`` draws of 1 with probability ``p`` (a number): a 53-bit uniform below ``p``."""
    return uniform(g, n, _F64) < p


def bernoulli_tensor(g: Generator, p: np.ndarray) -> np.ndarray:
    """One draw per element of the probability array ``p``: a uniform of ``p``'s dtype (a
    32-bit draw for float32, 64-bit for float64) below it."""
    return uniform(g, p.size, p.dtype if p.dtype in (_F32, _F64) else _F64).reshape(
        p.shape) < p


def exponential(g: Generator, n: int, lambd: float) -> np.ndarray:
    """``n`` draws of Exp(lambd) as doubles: ``(-1 / lambd) * log1p(-u)``, 53-bit ``u``."""
    u = (-uniform(g, n, _F64)).tolist()
    return (-1.0 / lambd) * np.array(list(map(math.log1p, u)))
