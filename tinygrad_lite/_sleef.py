"""PyTorch's float32 CPU sigmoid, softmax and log_softmax, bit for bit.

PyTorch's CPU kernels for these work on ``Vectorized<float>``: 16 lanes under its AVX512
capability, 8 under AVX2 (``torch.backends.cpu.get_cpu_capability()``; the environment
variable ``ATEN_CPU_CAPABILITY`` lowers it). Their ``exp`` and ``log`` are SLEEF's
vectorised ``expf_u10`` and ``logf_u10`` (SLEEF, Naoki Shibata and contributors, Boost
licence; the algorithms, its polynomials and their constants, are re-implemented here from
SLEEF's published ``sleefsimdsp.c``), which round differently from NumPy's ``exp`` and
``log`` in about one result of ten. The elements a kernel leaves to scalar code take
glibc's ``expf`` (re-implemented too, :func:`glibc_expf`: not always correctly rounded).
The order of the additions in their sums is the vector kernels' order, too (lanes added in
a butterfly at the end).

What is reproduced (checked against torch 2.13 in ``tests/test_float32_transcendentals.py``,
under AVX512 and AVX2):

* :func:`sigmoid`: ``1 / (exp(0 - x) + 1)`` in whole pairs of vectors from the start of the
  (contiguous) array, ``1 / (1 + expf(-x))`` for the rest (``cpu_kernel_vec``'s loop);
* :func:`softmax_lastdim`, :func:`log_softmax_lastdim` and their backward rules
  (:func:`softmax_backward_lastdim`, :func:`log_softmax_backward_lastdim`): PyTorch's
  ``SoftMaxKernel.cpp`` kernels over the last dim, whose maps run the vector code on a
  short last vector too (``vec::map``, ``vec::reduce_all``...);
* over another dim, :func:`log_softmax_dim` and the backward rules
  :func:`log_softmax_backward_dim` and :func:`softmax_backward_dim` (their vectors run
  across the columns after the dim; softmax's forward there, which PyTorch splits among
  its threads in small pieces, is not reproduced).

Off x86-64 (PyTorch runs other vector code there) and in PyTorch's default capability,
:func:`supported` is False and the callers keep NumPy's functions. ``exp`` and ``log``
themselves are not routed here: PyTorch computes those with MKL's vector maths.
"""

from __future__ import annotations

import decimal
import functools
import math
import os
import platform

import numpy as np

from ._random import fma32

_F32 = np.float32
_I32 = np.int32
# SLEEF's constants for expf: 1/log(2), and log(2) split into a short upper part and the rest
_R_LN2 = _F32(1.442695040888963407359924681001892137426645954152985934135449406931)
_L2U, _L2L = _F32(-0.693145751953125), _F32(-1.428606765330187045e-06)
_EXP_POLY = [_F32(c) for c in (0.000198527617612853646278381, 0.00139304355252534151077271,
                                0.00833336077630519866943359, 0.0416664853692054748535156,
                                0.166666671633720397949219, 0.5)]
# logf_u10: log(2) as two floats, and the polynomial in x**2 of (log(m) - 2x) / x**3
_LN2_HI, _LN2_LO = _F32(0.69314718246459960938), _F32(-1.904654323148236017e-09)
_LOG_POLY = [_F32(c) for c in (0.3027294874, 0.3996108174, 0.6666694880)]
_ONE, _TWO = _F32(1), _F32(2)


@functools.lru_cache(maxsize=1)
def capability() -> str | None:
    """PyTorch's CPU capability as it picks it: ``"avx512"``, ``"avx2"`` or ``"default"``
    (``ATEN_CPU_CAPABILITY`` first, else the CPU's flags); None off x86-64."""
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return None
    env = os.environ.get("ATEN_CPU_CAPABILITY", "").lower()
    if env in ("avx512", "avx2", "default"):
        return env
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            flags = next((line.split(":", 1)[1].split() for line in f
                          if line.startswith("flags")), [])
    except OSError:
        return None
    if {"avx512vl", "avx512bw", "avx512dq", "fma"} <= set(flags):
        return "avx512"
    if {"avx2", "fma"} <= set(flags):
        return "avx2"
    return "default"


def width() -> int:
    """Floats in one of PyTorch's vectors: 16 under AVX512, else 8."""
    return 16 if capability() == "avx512" else 8


# --------------------------------------------------------------------------------------
# The two functions, lane by lane (every lane's result depends on its own input only)
# --------------------------------------------------------------------------------------
_MID_MASK, _MID = np.uint64(0x1FFFFFFF), np.uint64(0x10000000)


def _fma(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """``fma32(a, b, c)`` (exact) for the FMAs of these two functions, faster: their exact
    results are never below float32's normal range unless representable (the operands'
    last bits lie far above it), so only a float64 sum at a float32 halfway point (as good
    as never) is redone."""
    s = np.multiply(a, b, dtype=np.float64)
    s += c
    if ((s.view(np.uint64) & _MID_MASK) == _MID).any():
        return fma32(a, b, c)
    return s.astype(_F32)


def _pow2i(q: np.ndarray) -> np.ndarray:
    """2**q as a float32 built from its bits (q in float32's normal exponent range)."""
    return ((q + _I32(0x7F)) << _I32(23)).view(_F32)


def expf_u10(d: np.ndarray) -> np.ndarray:
    """SLEEF's ``expf_u10`` of float32 ``d``: d = q log(2) + s with q an integer, e**s by
    a polynomial of degree 7 (Horner's scheme in FMAs), times 2**q; 0 below -104 and inf
    above 100."""
    with np.errstate(all="ignore"):
        qf = np.rint(d * _R_LN2)
        q = np.where(np.abs(qf) < 2.0**31, qf, -2.0**31).astype(_I32)  # cvtps: INT_MIN
        fq = q.astype(_F32)
        s = _fma(fq, _L2U, d)
        s = _fma(fq, _L2L, s)
        u = np.full(s.shape, _EXP_POLY[0])
        for c in _EXP_POLY[1:]:
            u = _fma(u, s, c)
        u = _ONE + _fma(s * s, u, s)
        half = q >> 1
        u = u * _pow2i(half) * _pow2i(q - half)
        u = np.where(d < _F32(-104), _F32(0), u)
        return np.where(d > _F32(100), _F32(np.inf), u)


def _two_sum(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """SLEEF's ``dfadd2``: x + y as a float32 pair (Knuth's TwoSum)."""
    s = x + y
    v = s - x
    return s, (x - (s - v)) + (y - v)


def logf_u10(d: np.ndarray, avx512: bool | None = None) -> np.ndarray:
    """SLEEF's ``logf_u10`` of float32 ``d`` (its AVX512 form, or its AVX2 form, which
    finds the exponent another way): d = m 2**e with m in [0.75, 1.5), then
    log(m) = 2 atanh(x) with x = (m - 1) / (m + 1), in float32 pairs for 1-ulp accuracy."""
    if avx512 is None:
        avx512 = capability() == "avx512"
    with np.errstate(all="ignore"):
        if avx512:  # getexp(d / 0.75) and getmant(d) in [0.75, 1.5), independently
            scaled = d * _F32(1.0 / 0.75)
            _, ex = np.frexp(scaled)
            e = np.where(scaled == np.inf, _F32(128), (ex - 1).astype(_F32))
            mant, _ = np.frexp(d)
            m = mant * _TWO
            m = np.where(m >= _F32(1.5), mant, m)
        else:  # the exponent of d / 0.75 from its bits, d scaled into the normal range
            tiny = d < _F32(np.finfo(_F32).tiny)
            d2 = np.where(tiny, d * _F32(2.0**64), d)
            ei = ((((d2 * _F32(1.0 / 0.75)).view(_I32)) >> 23) & 0xFF) - 0x7F
            m = (d2.view(_I32) - (ei << 23)).view(_F32)
            e = np.where(tiny, ei - 64, ei).astype(_F32)
        # x = (m - 1) / (m + 1) as a float32 pair (SLEEF's dfdiv, with FMAs)
        nx, ny = _two_sum(_F32(-1), m)
        dx, dy = _two_sum(_ONE, m)
        t = _ONE / dx
        xs = nx * t
        u = _fma(t, nx, -xs)
        v = _fma(-dy, t, _fma(-dx, t, _ONE))
        xy = _fma(xs, v, _fma(ny, t, u))
        x2 = xs * xs
        p = np.full(x2.shape, _LOG_POLY[0])
        for c in _LOG_POLY[1:]:
            p = _fma(p, x2, c)
        # s = e log(2) (a pair, dfmul), + 2x (dfadd of pairs), + x**3 p (dfadd of a float)
        sx = _LN2_HI * e
        sy = _fma(_LN2_LO, e, _fma(_LN2_HI, e, -sx))
        x2x, x2y = xs * _TWO, xy * _TWO
        hi = sx + x2x
        lo = (((sx - hi) + x2x) + sy) + x2y
        w = x2 * xs * p
        hi2 = hi + w
        lo = ((hi - hi2) + w) + lo
        r = hi2 + lo
        r = np.where(d == np.inf, _F32(np.inf), r)
        r = np.where((d < 0) | np.isnan(d), _F32(np.nan), r)
        return np.where(d == 0, _F32(-np.inf), r)


def _glibc_table() -> np.ndarray:
    """The bits of 2**(i/32), i < 32 (correctly rounded doubles), less i << 47: glibc's
    ``__exp2f_data`` table, to which the integer part of x 32/log(2) is added as bits."""
    with decimal.localcontext() as ctx:
        ctx.prec = 40
        ln2 = decimal.Decimal(2).ln()
        t = np.array([float((ln2 * i / 32).exp()) for i in range(32)])
    return t.view(np.uint64) - (np.arange(32, dtype=np.uint64) << np.uint64(47))


_EXP2F_T = _glibc_table()
_INV_LN2_N = float.fromhex("0x1.71547652b82fep+0") * 32
_SHIFT = float.fromhex("0x1.8p+52")
_EXPF_MAX, _EXPF_MIN = float.fromhex("0x1.62e42ep6"), float.fromhex("-0x1.9fe368p6")
_EXP2F_C = (float.fromhex("0x1.c6af84b912394p-5") / 32**3,
            float.fromhex("0x1.ebfce50fac4f3p-3") / 32**2,
            float.fromhex("0x1.62e42ff0c52d6p-1") / 32)


def glibc_expf(x: np.ndarray) -> np.ndarray:
    """glibc's scalar ``expf`` (what PyTorch's scalar code calls; Szabolcs Nagy's
    algorithm, re-implemented): in double, x 32/log(2) = k + r, 2**(k/32) from a table of
    32 and the exponent bits, times a cubic in r, rounded once to float32 (within 0.502
    ulp: not always the correctly rounded value)."""
    with np.errstate(all="ignore"):
        xd = x.astype(np.float64)
        z = _INV_LN2_N * xd
        kd = z + _SHIFT
        ki = kd.view(np.uint64)
        r = z - (kd - _SHIFT)
        scale = (_EXP2F_T[ki % np.uint64(32)] + (ki << np.uint64(47))).view(np.float64)
        c0, c1, c2 = _EXP2F_C
        y = ((c0 * r + c1) * (r * r) + (c2 * r + 1.0)) * scale
        # glibc's early exits: overflow to inf, underflow to 0 (also for infinities)
        y = np.where(xd > _EXPF_MAX, np.inf, np.where(xd < _EXPF_MIN, 0.0, y))
        return y.astype(_F32)


def supported() -> bool:
    """Whether PyTorch's kernels here are the ones reproduced: its AVX512 or AVX2 ones (in
    its default capability, and off x86-64, the callers keep NumPy's functions)."""
    return capability() in ("avx512", "avx2")


_vec_exp = expf_u10  # Vectorized<float>::exp
_vec_log = logf_u10


# --------------------------------------------------------------------------------------
# The kernels
# --------------------------------------------------------------------------------------
_GRAIN = 32768  # at::internal::GRAIN_SIZE: below it an elementwise kernel runs in one piece


@functools.lru_cache(maxsize=1)
def torch_threads() -> int:
    """The number of threads PyTorch's CPU kernels use by default: ``OMP_NUM_THREADS``,
    else the CPU's physical cores (counted in ``/proc/cpuinfo``), else ``os.cpu_count()``."""
    env = os.environ.get("OMP_NUM_THREADS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            text = f.read()
    except OSError:
        text = ""
    cores = set()
    for block in text.split("\n\n"):
        fields = dict(line.split(":", 1) for line in block.splitlines() if ":" in line)
        fields = {k.strip(): v.strip() for k, v in fields.items()}
        if "core id" in fields:
            cores.add((fields.get("physical id"), fields["core id"]))
    return len(cores) or os.cpu_count() or 1


def _pieces(n: int) -> list[tuple[int, int]]:
    """How ``at::parallel_for`` splits n elements among the threads: into
    min(threads, ceil(n / 32768)) pieces of ceil(n / pieces) (the last one shorter)."""
    k = min(torch_threads(), -(-n // _GRAIN))
    step = -(-n // k) if k else n
    return [(i, min(i + step, n)) for i in range(0, n, step)] if n else []


def _inner_run(x: np.ndarray) -> int:
    """The number of elements PyTorch's iterator runs through in one inner loop over
    ``x`` (no dims of size 1, dims in decreasing order of strides): the trailing dims
    that lie back to back in memory merged; 1 where the innermost steps over gaps (its
    loop is then scalar)."""
    if not x.ndim:
        return 1
    if x.strides[-1] != x.itemsize:
        return 1
    run = x.shape[-1]
    for axis in range(x.ndim - 2, -1, -1):
        if x.strides[axis] != run * x.itemsize:
            break
        run *= x.shape[axis]
    return run


def sigmoid(x: np.ndarray) -> np.ndarray | None:
    """PyTorch's float32 sigmoid of ``x``; None off x86-64, and for a tensor of 32768
    elements or more with gaps between them (split among threads mid-row: not followed).

    PyTorch runs through the elements in memory order (dims sorted by stride), in inner
    loops over the dims that lie back to back; each inner loop (each thread's piece of it,
    for a dense tensor of 32768 elements or more) takes its whole pairs of vectors first,
    then the rest in scalar code."""
    if not supported():
        return None
    if not x.size:
        return np.empty(x.shape, _F32)
    xs = np.squeeze(x)
    perm = tuple(int(i) for i in np.argsort([-st for st in xs.strides], kind="stable"))
    y = xs.transpose(perm)
    run = _inner_run(y)
    if y.size >= _GRAIN and run != y.size:
        return None
    flat = np.ascontiguousarray(y).reshape(-1)
    out = np.empty(flat.shape, _F32)
    pair = 2 * width()
    pieces = _pieces(flat.size) if run == flat.size else [(0, flat.size)]
    with np.errstate(all="ignore"):
        for a, b in pieces:
            rows = flat[a:b].reshape(-1, min(run, b - a))
            body = rows.shape[1] - rows.shape[1] % pair
            part = out[a:b].reshape(rows.shape)
            if body:
                part[:, :body] = _ONE / (_vec_exp(_F32(0) - rows[:, :body]) + _ONE)
            if body < rows.shape[1]:
                part[:, body:] = _ONE / (_ONE + glibc_expf(-rows[:, body:]))
    res = out.reshape(y.shape).transpose(np.argsort(perm))
    return res.reshape(x.shape)


def _butterfly(acc: np.ndarray) -> np.ndarray:
    """``vec_reduce_all`` with ``+`` of the vectors ``acc`` (rows, lanes): lane i added to
    lane i ^ (lanes / 2), then to i ^ (lanes / 4)... (the AVX shuffles); lane 0's sum."""
    lanes = acc.shape[1]
    h = lanes // 2
    while h:
        acc = acc + acc[:, np.arange(lanes) ^ h]
        h //= 2
    return acc[:, 0]


def _row_sums(v: np.ndarray) -> np.ndarray:
    """``vec::reduce_all`` with ``+`` over each row of ``v`` (rows, n): a vector
    accumulator over the row's whole vectors, the short last vector added into its first
    lanes, then the butterfly; a row shorter than a vector is added left to right."""
    rows, n = v.shape
    lanes = width()
    if n < lanes:
        r = v[:, 0]
        for i in range(1, n):
            r = r + v[:, i]
        return r
    nv = n // lanes
    acc = v[:, :lanes].copy()
    for b in range(1, nv):
        acc += v[:, b * lanes:(b + 1) * lanes]
    rest = n - nv * lanes
    if rest:
        acc[:, :rest] += v[:, nv * lanes:]
    return _butterfly(acc)


def _rows(x: np.ndarray) -> np.ndarray:
    """``x`` as C-contiguous rows along its last dim (a 0-d value as one row of one)."""
    if not x.ndim:
        return np.asarray(x, _F32).reshape(1, 1)
    return np.ascontiguousarray(x, _F32).reshape(math.prod(x.shape[:-1]), x.shape[-1])


def _row_max(x: np.ndarray) -> np.ndarray:
    """The largest of each row (nan where one is nan), as ``vec::maximum`` finds it."""
    with np.errstate(invalid="ignore"):
        return np.max(x, axis=1, keepdims=True)


def softmax_lastdim(x: np.ndarray) -> np.ndarray:
    """PyTorch's float32 softmax over the last dim: e = exp(x - max), then e * (1 / sum(e))."""
    r = _rows(x)
    if not r.size:
        return np.empty(x.shape, _F32)
    with np.errstate(all="ignore"):
        e = _vec_exp(r - _row_max(r))
        inv = _ONE / _row_sums(e)
        return (e * inv[:, None]).reshape(x.shape)


def log_softmax_lastdim(x: np.ndarray) -> np.ndarray:
    """PyTorch's float32 log_softmax over the last dim: x - max - log(sum(exp(x - max)))."""
    r = _rows(x)
    if not r.size:
        return np.empty(x.shape, _F32)
    with np.errstate(all="ignore"):
        m = _row_max(r)
        lse = _vec_log(_row_sums(_vec_exp(r - m)))
        return (r - m - lse[:, None]).reshape(x.shape)


def softmax_backward_lastdim(g: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Softmax's gradient as PyTorch's last-dim kernel computes it: (g - sum(g out)) out.

    The order of the sum is the one PyTorch's threads take on pieces of rows (measured with
    2 threads). When PyTorch runs the kernel in one piece (one thread, or a single row), a
    row that leaves a tail past its last whole vector is summed in another order, not
    reproduced: the last bits may then differ."""
    gr, o = _rows(g), _rows(out)
    with np.errstate(all="ignore"):
        s = _row_sums(gr * o) if gr.size else np.zeros(len(gr), _F32)
        return ((gr - s[:, None]) * o).reshape(out.shape)


def log_softmax_backward_lastdim(g: np.ndarray, out: np.ndarray) -> np.ndarray:
    """LogSoftmax's gradient as PyTorch's last-dim kernel computes it:
    g - exp(out) sum(g), the product and difference fused."""
    gr, o = _rows(g), _rows(out)
    with np.errstate(all="ignore"):
        s = _row_sums(gr) if gr.size else np.zeros(len(gr), _F32)
        # the compiler fuses the product and the difference into one FMA
        return fma32(-_vec_exp(o), s[:, None], gr).reshape(out.shape)


# --------------------------------------------------------------------------------------
# Over another dim than the last: vectors across the dims after it ("inner" columns)
# --------------------------------------------------------------------------------------
def _split3(x: np.ndarray, dim: int) -> np.ndarray:
    """``x`` as a C-contiguous (outer, dim size, inner) array."""
    return np.ascontiguousarray(x, _F32).reshape(
        math.prod(x.shape[:dim]), x.shape[dim], math.prod(x.shape[dim + 1:]))


def _whole_vectors(inner: int) -> int:
    """How many of the inner columns PyTorch's kernels take in whole vectors (the rest
    run in scalar code). They take the columns in blocks of a multiple of the lanes, so
    the blocks leave the split where one block would."""
    return inner - inner % width()


def _exp_cols(z: np.ndarray, nv: int) -> np.ndarray:
    """exp of a block of columns: SLEEF's on the first ``nv`` columns, glibc's after."""
    return np.concatenate((_vec_exp(z[..., :nv]), glibc_expf(z[..., nv:])), -1)


def log_softmax_dim(x: np.ndarray, dim: int) -> np.ndarray:
    """PyTorch's float32 log_softmax over ``dim`` (not the last): per column the
    max (``data > max``, from -inf: a nan is passed over), the sum of exp(x - max) along
    ``dim`` in order, its log (SLEEF's, every column), then x - max - log(sum)."""
    a = _split3(x, dim)
    out = np.empty(a.shape, _F32)
    if not a.size:
        return out.reshape(x.shape)
    with np.errstate(all="ignore"):
        nv = _whole_vectors(a.shape[2])
        m = np.full((a.shape[0], a.shape[2]), -np.inf, _F32)
        for d in range(a.shape[1]):
            m = np.where(a[:, d] > m, a[:, d], m)
        s = np.zeros(m.shape, _F32)
        for d in range(a.shape[1]):
            s = s + _exp_cols(a[:, d] - m, nv)
        out[...] = a - m[:, None] - _vec_log(s)[:, None]
    return out.reshape(x.shape)


def log_softmax_backward_dim(g: np.ndarray, out: np.ndarray, dim: int) -> np.ndarray:
    """LogSoftmax's gradient over ``dim`` (not the last) as PyTorch's kernel: the sum of g
    along ``dim`` in order, then g - exp(out) sum fused (SLEEF's exp on the whole vectors,
    glibc's on the rest)."""
    gr, o = _split3(g, dim), _split3(out, dim)
    with np.errstate(all="ignore"):
        s = np.zeros((o.shape[0], o.shape[2]), _F32)
        for d in range(o.shape[1]):
            s = s + gr[:, d]
        e = _exp_cols(o, _whole_vectors(o.shape[2]))
        return fma32(-e, s[:, None], gr).reshape(out.shape)


def softmax_backward_dim(g: np.ndarray, out: np.ndarray, dim: int) -> np.ndarray:
    """Softmax's gradient over ``dim`` (not the last) as PyTorch's kernel: the sum of
    g out along ``dim`` in order by FMAs, then out (g - sum)."""
    gr, o = _split3(g, dim), _split3(out, dim)
    with np.errstate(all="ignore"):
        s = np.zeros((o.shape[0], o.shape[2]), _F32)
        for d in range(o.shape[1]):
            s = fma32(gr[:, d], o[:, d], s)
        return (o * (gr - s[:, None])).reshape(out.shape)
