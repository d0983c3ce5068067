"""A differential fuzzer: random small programs run on torch and on tinygrad_lite, compared.

A *program* is a list of statements over named tensors: one to three leaves, then ordinary
ops, views and in-place updates (some under ``with torch.no_grad():``), then a loss and its
``backward()`` (sometimes twice), then maybe an update of a leaf with its ``.grad``. Its
source text runs with ``torch`` bound to PyTorch and, in a second namespace, to tinygrad_lite,
one statement at a time. After every statement the two runs must agree on whether and how it
raised (exception type and message), on its warnings, and on every named tensor: values,
dtype, shape, ``requires_grad``, ``is_leaf``, ``grad_fn``, ``_version``, ``.grad``... (see
:data:`PROBES`). A program's :meth:`Result.report` is Python source that runs unchanged with
``import torch`` or ``import tinygrad_lite as torch``, with the disagreements as comments.

The generator draws every choice through a :class:`Chooser`, so the same code serves the
hypothesis strategy :func:`programs` (deterministic under hypothesis' seed, and shrinkable)
and the CLI, which draws from ``random.Random``::

    python -m tests.fuzz_programs --programs 300 --seed 0

What is compared is the set :data:`FEATURES` (every feature by default; the environment
variable ``FUZZ_DISABLE=version,is_view`` or ``--disable`` takes some out). What the
generator writes is :data:`OPS` (``FUZZ_SKIP_OPS=narrow,unbind`` or ``--skip-ops`` leaves
some out).
"""

from __future__ import annotations

import argparse
import builtins
import itertools
import os
import random
import re
import sys
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import torch
from hypothesis import strategies as st

import tinygrad_lite

# ---------------------------------------------------------------------------------------------
# What is compared
# ---------------------------------------------------------------------------------------------

#: Statement-level features: how a statement ended, and what it warned.
STATEMENT_FEATURES = ("raises", "error_message", "warnings")
#: Tensor-level features: ``names`` (same names bound, to tensors or to the same types),
#: those of :data:`PROBES`, and ``identity`` (which names are bound to the same object).
TENSOR_FEATURES = ("names", "values", "shape", "dtype", "requires_grad", "is_leaf", "grad_fn",
                   "next_functions", "version", "is_view", "retains_grad", "grad", "identity")
#: ``each_step``: compare the tensors after every statement, not only after the last one.
ALL_FEATURES = frozenset(STATEMENT_FEATURES + TENSOR_FEATURES + ("each_step",))


def _from_env(var: str) -> set[str]:
    return {s.strip() for s in os.environ.get(var, "").split(",") if s.strip()}


#: The features compared by default: all of them, less those named in $FUZZ_DISABLE.
FEATURES: set[str] = set(ALL_FEATURES) - _from_env("FUZZ_DISABLE")

#: (rtol, atol) by torch dtype. atol is scaled by max(1, max |expected|), so that a
#: cancellation in a long chain is judged against the size of what cancelled.
TOLERANCES: dict[str, tuple[float, float]] = {
    "torch.float64": (1e-12, 1e-12),
    "torch.float32": (1e-5, 1e-5),
}

#: Whether the program running now has a float32 tensor: then float64 values are compared
#: at float32's tolerance too, because what they were computed from may carry float32's
#: last-bit differences from torch's kernels (exp, tanh, sums in another order), which are
#: not what this fuzzer looks for. Set by :func:`run_program`.
_FLOAT32_INPUTS = False

#: Rewrites applied to exception and warning messages before they are compared.
MESSAGE_NORMALIZERS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"0x[0-9a-fA-F]+"), "0x..."),
    (re.compile(r" \(Triggered internally at [^)]*\)"), ""),
]

#: Warnings torch gives once per process (C++ ``TORCH_WARN_ONCE``): not compared, since
#: whether torch repeats them depends on what ran before.
WARN_ONCE: list[re.Pattern[str]] = [
    re.compile(r"The use of `x\.T` on tensors of dimension other than 2"),
    re.compile(r"Tensor\.T is deprecated on 0-D tensors"),
]

# ---------------------------------------------------------------------------------------------
# Choices: one interface for hypothesis and for random.Random
# ---------------------------------------------------------------------------------------------


class Chooser(Protocol):
    """Where the generator's choices come from."""

    def integer(self, lo: int, hi: int) -> int:
        """An integer in ``[lo, hi]`` (both included); smaller is simpler."""
        ...


class RandomChooser:
    """Choices from ``random.Random`` (the CLI)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def integer(self, lo: int, hi: int) -> int:
        """See :meth:`Chooser.integer`."""
        return self.rng.randint(lo, hi)


class DrawChooser:
    """Choices drawn by hypothesis (shrinkable)."""

    def __init__(self, draw: Callable[[st.SearchStrategy[int]], int]) -> None:
        self.draw = draw

    def integer(self, lo: int, hi: int) -> int:
        """See :meth:`Chooser.integer`."""
        return self.draw(st.integers(lo, hi))


def pick(ch: Chooser, seq: Sequence[Any]) -> Any:
    """One element of ``seq`` (the first is the simplest)."""
    return seq[ch.integer(0, len(seq) - 1)]


def coin(ch: Chooser, percent: int) -> bool:
    """True with probability ``percent`` / 100 (False is the simpler answer)."""
    return ch.integer(0, 99) >= 100 - percent


def weighted(ch: Chooser, items: Sequence[tuple[int, Any]]) -> Any:
    """One of ``items``' values, with probability proportional to its weight."""
    r = ch.integer(0, sum(w for w, _ in items) - 1)
    for w, value in items:
        if r < w:
            return value
        r -= w
    raise AssertionError("unreachable")


# ---------------------------------------------------------------------------------------------
# Programs
# ---------------------------------------------------------------------------------------------


@dataclass
class Stmt:
    """One statement: its source (maybe several lines) and a short kind for the summaries."""

    src: str
    kind: str


@dataclass
class Program:
    """A list of statements; ``source()`` is the pasteable program."""

    statements: list[Stmt]

    def source(self, import_line: str = "import torch  # or: import tinygrad_lite as torch"
               ) -> str:
        """The program as Python source, with an import line first."""
        return "\n".join([import_line] + [s.src for s in self.statements]) + "\n"

    def line_of(self, step: int) -> int:
        """The line number, in :meth:`source`, where statement ``step`` starts."""
        return 2 + sum(s.src.count("\n") + 1 for s in self.statements[:step])

    def __repr__(self) -> str:
        return "Program(\n" + self.source() + ")"


# ---------------------------------------------------------------------------------------------
# The generator's model of the tensors (approximate: it only keeps programs mostly valid)
# ---------------------------------------------------------------------------------------------

VALUES = (0.5, -0.5, 1.0, -1.0, 1.5, -1.5, 2.0, -2.0, 0.75, -1.25)
NUMBERS = ("2", "0.5", "-1.5", "3.0", "1")
LEAF_SHAPES = ((3,), (2, 3), ())
DTYPES = ("float32", "float64")


@dataclass(eq=False)
class Var:
    """What the generator believes about one tensor."""

    shape: tuple[int, ...]
    strides: tuple[int, ...]
    dtype: str
    requires_grad: bool
    is_leaf: bool
    base: Var | None = None  # the root tensor this is a differentiable view of
    multi: bool = False  # an output of a multi-output view (unbind)
    nograd_view: bool = False  # a view made under no_grad of a tensor that requires grad
    deps: frozenset[str] = frozenset()  # the leaves requiring grad it was computed from

    @property
    def ndim(self) -> int:
        """The number of dimensions."""
        return len(self.shape)

    @property
    def overlaps(self) -> bool:
        """Some elements share memory (an expanded dimension)."""
        return any(s == 0 and n > 1 for n, s in zip(self.shape, self.strides))


def _contiguous(shape: Sequence[int]) -> tuple[int, ...]:
    out, acc = [], 1
    for n in reversed(shape):
        out.append(acc)
        acc *= n
    return tuple(reversed(out))


def _flattenable(shape: Sequence[int], strides: Sequence[int]) -> bool:
    dims = [(n, s) for n, s in zip(shape, strides) if n != 1]
    return all(dims[i][1] == dims[i + 1][1] * dims[i + 1][0] for i in range(len(dims) - 1))


def _broadcast(a: Sequence[int], b: Sequence[int]) -> tuple[int, ...] | None:
    out = []
    for i in range(1, max(len(a), len(b)) + 1):
        x = a[-i] if i <= len(a) else 1
        y = b[-i] if i <= len(b) else 1
        if x != y and 1 not in (x, y):
            return None
        out.append(max(x, y))
    return tuple(reversed(out))


def _promote(x: Var, y: Var) -> str:
    if x.dtype == y.dtype:
        return x.dtype
    if (x.ndim == 0) == (y.ndim == 0):
        return "float64"
    return x.dtype if x.ndim else y.dtype  # a 0-dim tensor does not promote a dimensioned one


def _numel(shape: Sequence[int]) -> int:
    return int(np.prod(shape, dtype=np.int64))


def _args(shape: Sequence[int]) -> str:
    return ", ".join(str(n) for n in shape)


def literal(ch: Chooser, shape: Sequence[int], values: Sequence[float] = VALUES) -> str:
    """A nested Python list (or a number, for shape ``()``) of exactly representable values."""
    if not shape:
        return repr(pick(ch, values))
    return "[" + ", ".join(literal(ch, shape[1:], values) for _ in range(shape[0])) + "]"


OpFn = Callable[["Generator"], "tuple[str, str] | None"]


class Generator:
    """Writes one program, drawing every choice from a :class:`Chooser`.

    Args:
        ch: where the choices come from.
        ops: the names of :data:`OPS` it may write (all by default).
    """

    def __init__(self, ch: Chooser, ops: Iterable[str] | None = None) -> None:
        self.ch = ch
        self.vars: dict[str, Var] = {}
        self.count = 0
        self.grad_mode = True
        allowed = set(OPS) if ops is None else set(ops)
        self.ops = {k: v for k, v in OPS.items() if k in allowed}

    # -- helpers ---------------------------------------------------------------------------
    def fresh(self) -> str:
        """A new name t1, t2, ..."""
        self.count += 1
        return f"t{self.count}"

    def pick_name(self, names: Sequence[str] | None = None) -> str:
        """A name, more often one of the three newest."""
        names = list(self.vars) if names is None else list(names)
        if len(names) > 3 and coin(self.ch, 50):
            return pick(self.ch, names[-3:])
        return pick(self.ch, names)

    def new_var(self, shape: Sequence[int], dtype: str, inputs: Sequence[Var],
                strides: Any = None, **kw: Any) -> Var:
        """The Var of an op's result, computed from ``inputs``."""
        shape = tuple(shape)
        rg = self.grad_mode and any(v.requires_grad for v in inputs)
        deps = frozenset().union(*(v.deps for v in inputs)) if rg else frozenset()
        return Var(shape, tuple(strides) if strides is not None else _contiguous(shape), dtype,
                   rg, not rg, deps=deps, **kw)

    def view_of(self, x: Var, shape: Sequence[int], strides: Sequence[int],
                multi: bool = False) -> Var:
        """A differentiable view of ``x``."""
        root = x.base if x.base is not None else x
        v = self.new_var(shape, x.dtype, (x,), strides, base=root, multi=multi)
        v.nograd_view = not self.grad_mode and x.requires_grad or x.nograd_view
        return v

    def inplace_ok(self, v: Var) -> bool:
        """Whether torch accepts an in-place update of ``v`` (as far as the model knows)."""
        if v.overlaps or v.nograd_view or (v.multi and v.requires_grad):
            return False
        if not self.grad_mode:
            return True
        if v.is_leaf and v.requires_grad:
            return False
        return not (v.base is not None and v.base.is_leaf and v.base.requires_grad)

    def operand(self, x: Var, into: bool = False, number_percent: int = 35) -> tuple[str, Any]:
        """A right-hand side for ``x``: ``(source, Var or None)``.

        Args:
            x: the left-hand side.
            into: the result must keep x's shape (an in-place update).
            number_percent: how often a Python number.
        """
        if coin(self.ch, number_percent):
            return pick(self.ch, NUMBERS), None
        fits = [n for n, v in self.vars.items()
                if (b := _broadcast(x.shape, v.shape)) is not None and (not into or b == x.shape)]
        if coin(self.ch, 4):
            fits = list(self.vars)  # sometimes shapes that do not fit
        elif not fits:  # a new constant that fits
            return (f"torch.tensor({literal(self.ch, x.shape)}, dtype=torch.{x.dtype})",
                    None)
        n = self.pick_name(fits)
        return n, self.vars[n]

    def absorb(self, x: Var, rhs: Var | None) -> None:
        """Update ``x`` after an in-place op with right-hand side ``rhs``."""
        if self.grad_mode and rhs is not None and rhs.requires_grad:
            for v in (x, x.base):
                if v is not None:
                    v.requires_grad, v.is_leaf, v.deps = True, False, v.deps | rhs.deps

    # -- the program -------------------------------------------------------------------------
    def program(self) -> Program:
        """Leaves, 3-12 statements, the loss and its backward, maybe an update."""
        stmts: list[Stmt] = []
        for name in "abc"[: self.ch.integer(1, 3)]:
            shape, dtype = pick(self.ch, LEAF_SHAPES), pick(self.ch, DTYPES)
            rg = coin(self.ch, 85 if name == "a" else 50)
            self.vars[name] = Var(shape, _contiguous(shape), dtype, rg, True,
                                  deps=frozenset({name} if rg else ()))
            opt = ", requires_grad=True" if rg else ""
            stmts.append(Stmt(f"{name} = torch.tensor({literal(self.ch, shape)}, "
                              f"dtype=torch.{dtype}{opt})", "leaf"))
        categories = [(w, c) for w, c in ((35, "op"), (30, "view"), (30, "inplace"),
                                          (5, "grad")) if any(
                                              k.startswith(c + " ") for k in self.ops)]
        for _ in range(self.ch.integer(3, 12)):
            for _attempt in range(6):
                stmt = self.statement(weighted(self.ch, categories))
                if stmt is not None:
                    stmts.append(stmt)
                    break
        stmts += self.ending()
        return Program(stmts)

    def statement(self, category: str) -> Stmt | None:
        """One statement of ``category`` ('op', 'view', 'inplace', 'grad')."""
        names = [k for k in self.ops if k.startswith(category + " ")]
        if not names:
            return None
        kind = pick(self.ch, names)
        no_grad = coin(self.ch, 35 if category == "inplace" else 5)
        self.grad_mode = not no_grad
        try:
            made = self.ops[kind](self)
        finally:
            self.grad_mode = True
        if made is None:
            return None
        src, kind = made
        if no_grad:
            src = "with torch.no_grad():\n" + "\n".join("    " + s for s in src.split("\n"))
            kind += " [no_grad]"
        return Stmt(src, kind)

    def ending(self) -> list[Stmt]:
        """``loss = ...``, ``loss.backward()`` (maybe twice), maybe an update of a leaf."""
        rg = [n for n, v in self.vars.items() if v.requires_grad]
        graph = bool(rg)
        if not rg or coin(self.ch, 3):
            rg = list(self.vars)
        terms, deps = [], frozenset()
        for _ in range(1 + coin(self.ch, 30)):
            n = self.pick_name(rg)
            v = self.vars[n]
            deps |= v.deps
            if coin(self.ch, 65):
                w = literal(self.ch, v.shape, (0.5, -1.0, 1.5, 2.0, 0.25, -0.75))
                terms.append(f"({n} * torch.tensor({w}, dtype=torch.{v.dtype})).sum()")
            else:
                terms.append(f"{n}.sum()")
        out = [Stmt("loss = " + " + ".join(terms), "loss")]
        if not graph and not coin(self.ch, 30):
            return out  # nothing requires grad: backward() would only raise
        how = weighted(self.ch, [(70, "once"), (22, "retain"), (8, "twice")])
        if how == "once":
            out.append(Stmt("loss.backward()", "backward"))
        else:
            first = "loss.backward(retain_graph=True)" if how == "retain" else "loss.backward()"
            out.append(Stmt(first, "backward" if how == "twice" else "backward retain_graph"))
            out.append(Stmt("loss.backward()", "second backward"))
        leaves = [n for n, v in self.vars.items() if v.is_leaf and v.requires_grad and n in deps]
        for _ in range(self.ch.integer(0, 2) if leaves else 0):
            n = pick(self.ch, leaves)
            out.append(weighted(self.ch, [
                (3, Stmt(f"with torch.no_grad():\n    {n} -= 0.1 * {n}.grad", "post sgd step")),
                (1, Stmt(f"{n}.grad.zero_()", "post grad.zero_")),
                (1, Stmt(f"{n}.grad = None", "post grad = None")),
            ]))
        return out


# -- out-of-place ops --------------------------------------------------------------------------


def _op_binary(g: Generator) -> tuple[str, str]:
    xn = g.pick_name()
    x = g.vars[xn]
    op = pick(g.ch, "+-*/")
    rhs, y = g.operand(x)
    name = g.fresh()
    if y is None:
        src = f"{name} = {rhs} {op} {xn}" if coin(g.ch, 30) else f"{name} = {xn} {op} {rhs}"
        g.vars[name] = g.new_var(x.shape, x.dtype, (x,))
    else:
        shape = _broadcast(x.shape, y.shape) or x.shape
        g.vars[name] = g.new_var(shape, _promote(x, y), (x, y))
        src = f"{name} = {xn} {op} {rhs}"
    return src, f"op {op}"


_UNARY = ("tanh", "exp", "sigmoid", "relu", "sin")


def _op_unary(g: Generator) -> tuple[str, str]:
    xn = g.pick_name()
    x = g.vars[xn]
    f = pick(g.ch, _UNARY + ("pow", "**", "neg"))
    name = g.fresh()
    if f in _UNARY:
        expr = f"torch.{f}({xn})" if coin(g.ch, 30) else f"{xn}.{f}()"
    else:
        expr = {"pow": f"{xn}.pow(2)", "**": f"{xn} ** 2", "neg": f"-{xn}"}[f]
    g.vars[name] = g.new_var(x.shape, x.dtype, (x,))
    return f"{name} = {expr}", f"op {f}"


def _op_reduce(g: Generator) -> tuple[str, str]:
    xn = g.pick_name()
    x = g.vars[xn]
    f = pick(g.ch, ("sum", "mean"))
    name = g.fresh()
    if coin(g.ch, 50):
        g.vars[name] = g.new_var((), x.dtype, (x,))
        return f"{name} = {xn}.{f}()", f"op {f}()"
    nd = max(x.ndim, 1)
    d = g.ch.integer(-nd, nd - 1)
    keep = coin(g.ch, 25)
    shape = list(x.shape)
    if x.ndim:
        if keep:
            shape[d] = 1
        else:
            del shape[d]
    g.vars[name] = g.new_var(shape, x.dtype, (x,))
    return (f"{name} = {xn}.{f}({d}{', keepdim=True' if keep else ''})",
            f"op {f}(dim{', keepdim' if keep else ''})")


def _op_clone(g: Generator) -> tuple[str, str]:
    xn = g.pick_name()
    x = g.vars[xn]
    name = g.fresh()
    g.vars[name] = g.new_var(x.shape, x.dtype, (x,))
    return f"{name} = {xn}.clone()", "op clone"


def _op_matmul(g: Generator) -> tuple[str, str] | None:
    pairs = [(a, b) for a, x in g.vars.items() for b, y in g.vars.items()
             if x.ndim in (1, 2) and y.ndim in (1, 2) and x.shape[-1] == y.shape[0]
             and (x.dtype == y.dtype or coin(g.ch, 5))]
    if not pairs:
        return None
    a, b = pick(g.ch, pairs)
    x, y = g.vars[a], g.vars[b]
    shape = x.shape[:-1] + y.shape[1:]
    name = g.fresh()
    g.vars[name] = g.new_var(shape, x.dtype, (x, y))
    return f"{name} = {a} @ {b}", f"op @ ({x.ndim}d @ {y.ndim}d)"


# -- views -----------------------------------------------------------------------------------


def _view_index(g: Generator) -> tuple[str, str] | None:
    xn = g.pick_name()
    x = g.vars[xn]
    options = ["[..., None]", "[None]"]
    if x.ndim >= 1:
        options += ["[0]", "[-1]"]
        if x.shape[0] >= 2:
            options.append("[1:]")
    if x.ndim >= 2:
        options.append("[:, 0]")
        if x.shape[1] >= 2:
            options.append("[:, 1:]")
    key = pick(g.ch, options)
    shape, strides = list(x.shape), list(x.strides)
    if key == "[..., None]":
        shape.append(1)
        strides.append(1)
    elif key == "[None]":
        shape.insert(0, 1)
        strides.insert(0, strides[0] * shape[1] if x.ndim else 1)
    elif key in ("[0]", "[-1]"):
        del shape[0], strides[0]
    elif key == "[1:]":
        shape[0] -= 1
    elif key == "[:, 0]":
        del shape[1], strides[1]
    else:
        shape[1] -= 1
    name = g.fresh()
    g.vars[name] = g.view_of(x, shape, strides)
    return f"{name} = {xn}{key}", f"view {key}"


def _reshape_targets(shape: Sequence[int]) -> list[tuple[int, ...]]:
    n = _numel(shape)
    out = [(n,)]
    for a in range(1, n + 1):
        if n % a == 0:
            out.append((a, n // a))
    if n == 1:
        out.append(())
    return out


def _view_reshape(g: Generator) -> tuple[str, str] | None:
    xn = g.pick_name()
    x = g.vars[xn]
    method = pick(g.ch, ("view", "reshape", "flatten"))
    viewable = _flattenable(x.shape, x.strides)
    if method == "view" and not viewable and not coin(g.ch, 10):
        return None
    target = pick(g.ch, _reshape_targets(x.shape))
    if method == "flatten":
        target = (_numel(x.shape),) if x.ndim else ()
        expr = f"{xn}.flatten()"
    elif target == (_numel(x.shape),) and coin(g.ch, 60):
        expr = f"{xn}.{method}(-1)"
    elif target == ():
        expr = f"{xn}.{method}(())"
    elif coin(g.ch, 30):
        expr = f"{xn}.{method}({target[0]}, -1)"
    else:
        expr = f"{xn}.{method}({_args(target)})"
    name = g.fresh()
    if viewable:
        g.vars[name] = g.view_of(x, target, _contiguous(target))
    else:  # reshape copies
        g.vars[name] = g.new_var(target, x.dtype, (x,))
    return f"{name} = {expr}", f"view {method}"


def _view_transpose(g: Generator) -> tuple[str, str] | None:
    xn = g.pick_name()
    x = g.vars[xn]
    options = ["t()", "T"] if x.ndim <= 2 else ["T"] if coin(g.ch, 10) else []
    if x.ndim >= 2:
        options += ["transpose(0, 1)", "transpose(-1, 0)", "permute"]
    if not options:
        return None
    f = pick(g.ch, options)
    if f == "permute":
        perm = list(pick(g.ch, list(itertools.permutations(range(x.ndim)))[1:]))
        expr = f"{xn}.permute({_args(perm)})"
    else:
        perm = list(range(x.ndim))[::-1] if f in ("t()", "T") else None
        if perm is None:
            perm = list(range(x.ndim))
            perm[0], perm[-1 if "-1" in f else 1] = perm[-1 if "-1" in f else 1], perm[0]
        expr = f"{xn}.{f}"
    name = g.fresh()
    g.vars[name] = g.view_of(x, [x.shape[i] for i in perm], [x.strides[i] for i in perm])
    return f"{name} = {expr}", f"view {f}"


def _view_squeeze(g: Generator) -> tuple[str, str] | None:
    xn = g.pick_name()
    x = g.vars[xn]
    name = g.fresh()
    f = pick(g.ch, ("unsqueeze", "squeeze()", "squeeze(d)"))
    shape, strides = list(x.shape), list(x.strides)
    if f == "unsqueeze":
        d = g.ch.integer(-x.ndim - 1, x.ndim)
        pos = d if d >= 0 else d + x.ndim + 1
        shape.insert(pos, 1)
        strides.insert(pos, 1)
        expr = f"{xn}.unsqueeze({d})"
    elif f == "squeeze()":
        keep = [i for i, n in enumerate(shape) if n != 1]
        shape, strides = [shape[i] for i in keep], [strides[i] for i in keep]
        expr = f"{xn}.squeeze()"
    else:
        nd = max(x.ndim, 1)
        d = g.ch.integer(-nd, nd - 1)
        if x.ndim and shape[d] == 1:
            del shape[d], strides[d]
        expr = f"{xn}.squeeze({d})"
    g.vars[name] = g.view_of(x, shape, strides)
    return f"{name} = {expr}", f"view {f}"


def _view_expand(g: Generator) -> tuple[str, str]:
    xn = g.pick_name()
    x = g.vars[xn]
    shape = [pick(g.ch, (1, 2, 3)) if n == 1 else n for n in x.shape]
    strides = [0 if n == 1 else s for n, s in zip(x.shape, x.strides)]
    if not x.ndim or coin(g.ch, 40):
        shape.insert(0, pick(g.ch, (2, 3)))
        strides.insert(0, 0)
    args = [("-1" if i >= len(shape) - x.ndim and x.shape[i - len(shape) + x.ndim] == n
             and coin(g.ch, 30) else str(n)) for i, n in enumerate(shape)]
    name = g.fresh()
    g.vars[name] = g.view_of(x, shape, strides)
    return f"{name} = {xn}.expand({', '.join(args)})", "view expand"


def _view_detach(g: Generator) -> tuple[str, str]:
    xn = g.pick_name()
    x = g.vars[xn]
    f = pick(g.ch, ("detach()", "data"))
    name = g.fresh()
    g.vars[name] = Var(x.shape, x.strides, x.dtype, False, True)
    return f"{name} = {xn}.{f}", f"view {f}"


def _view_narrow(g: Generator) -> tuple[str, str] | None:
    dims = [(n, d) for n, v in g.vars.items() for d in range(v.ndim) if v.shape[d] >= 1]
    if not dims:
        return None
    xn, d = pick(g.ch, dims)
    x = g.vars[xn]
    start = g.ch.integer(0, x.shape[d] - 1)
    length = g.ch.integer(1, x.shape[d] - start)
    shape = list(x.shape)
    shape[d] = length
    name = g.fresh()
    g.vars[name] = g.view_of(x, shape, x.strides)
    return f"{name} = {xn}.narrow({d}, {start}, {length})", "view narrow"


def _view_select(g: Generator) -> tuple[str, str] | None:
    dims = [(n, d) for n, v in g.vars.items() for d in range(v.ndim) if v.shape[d] >= 1]
    if not dims:
        return None
    xn, d = pick(g.ch, dims)
    x = g.vars[xn]
    i = g.ch.integer(-x.shape[d], x.shape[d] - 1)
    shape, strides = list(x.shape), list(x.strides)
    del shape[d], strides[d]
    name = g.fresh()
    g.vars[name] = g.view_of(x, shape, strides)
    return f"{name} = {xn}.select({d}, {i})", "view select"


def _view_unbind(g: Generator) -> tuple[str, str] | None:
    names = [n for n, v in g.vars.items() if v.ndim >= 1 and v.shape[0] >= 1]
    if not names:
        return None
    xn = g.pick_name(names)
    x = g.vars[xn]
    i = g.ch.integer(0, x.shape[0] - 1)
    name = g.fresh()
    g.vars[name] = g.view_of(x, x.shape[1:], x.strides[1:], multi=True)
    return f"{name} = {xn}.unbind(0)[{i}]", "view unbind"


def _view_diagonal(g: Generator) -> tuple[str, str] | None:
    names = [n for n, v in g.vars.items() if v.ndim >= 2]
    if not names:
        return None
    xn = g.pick_name(names)
    x = g.vars[xn]
    name = g.fresh()
    g.vars[name] = g.view_of(x, x.shape[2:] + (min(x.shape[:2]),),
                             x.strides[2:] + (x.strides[0] + x.strides[1],))
    return f"{name} = {xn}.diagonal()", "view diagonal"


# -- in-place ops ------------------------------------------------------------------------------


def _target(g: Generator) -> tuple[str, Var] | None:
    """The tensor to update: usually one torch accepts, sometimes (1 in 25) any; None
    (another statement) most of the times no tensor may be updated."""
    legal = [n for n, v in g.vars.items() if g.inplace_ok(v)]
    if not legal and not coin(g.ch, 10):
        return None
    n = g.pick_name(legal) if legal and not coin(g.ch, 4) else g.pick_name()
    return n, g.vars[n]


def _maybe_alias(g: Generator, xn: str, expr: str) -> str:
    if coin(g.ch, 15):
        name = g.fresh()
        g.vars[name] = g.vars[xn]  # the very same object
        return f"{name} = {expr}"
    return expr


def _inplace_arith(g: Generator) -> tuple[str, str] | None:
    if (target := _target(g)) is None:
        return None
    xn, x = target
    f = pick(g.ch, ("add_", "sub_", "mul_", "div_"))
    rhs, y = g.operand(x, into=True)
    alpha = ", alpha=2" if f in ("add_", "sub_") and coin(g.ch, 20) else ""
    g.absorb(x, y)
    return _maybe_alias(g, xn, f"{xn}.{f}({rhs}{alpha})"), f"inplace {f}"


def _inplace_augmented(g: Generator) -> tuple[str, str] | None:
    if (target := _target(g)) is None:
        return None
    xn, x = target
    op = pick(g.ch, ("+=", "-=", "*=", "/="))
    rhs, y = g.operand(x, into=True)
    g.absorb(x, y)
    return f"{xn} {op} {rhs}", f"inplace {op}"


def _inplace_unary(g: Generator) -> tuple[str, str] | None:
    if (target := _target(g)) is None:
        return None
    xn, x = target
    f = pick(g.ch, ("pow_(2)", "clamp_(min=-1.0, max=1.0)", "clamp_(min=0.0)",
                    "clamp_(max=0.5)", "relu_()", "sigmoid_()", "tanh_()", "exp_()",
                    "neg_()", "zero_()", "fill_(v)"))
    call = f.replace("v", pick(g.ch, ("0.5", "-2.0", "3")))
    return _maybe_alias(g, xn, f"{xn}.{call}"), f"inplace {f.split('(')[0]}"


def _inplace_copy(g: Generator) -> tuple[str, str] | None:
    if (target := _target(g)) is None:
        return None
    xn, x = target
    rhs, y = g.operand(x, into=True, number_percent=0)
    g.absorb(x, y)
    return _maybe_alias(g, xn, f"{xn}.copy_({rhs})"), "inplace copy_"


def _inplace_setitem(g: Generator) -> tuple[str, str] | None:
    if (target := _target(g)) is None:
        return None
    xn, x = target
    options: list[tuple[str, tuple[int, ...]]] = [("...", x.shape)]
    if x.ndim >= 1:
        options += [("0", x.shape[1:]), ("-1", x.shape[1:])]
        if x.shape[0] >= 2:
            options.append(("1:", (x.shape[0] - 1,) + x.shape[1:]))
    if x.ndim >= 2:
        options += [(":, 0", x.shape[:1] + x.shape[2:]), ("0, 1", x.shape[2:])]
    key, shape = pick(g.ch, options)
    rhs, y = g.operand(Var(shape, _contiguous(shape), x.dtype, False, True), into=True)
    g.absorb(x, y)
    return f"{xn}[{key}] = {rhs}", f"inplace x[{key}] ="


def _retain_grad(g: Generator) -> tuple[str, str] | None:
    names = [n for n, v in g.vars.items() if not v.is_leaf and v.requires_grad]
    if not names:
        return None
    return f"{g.pick_name(names)}.retain_grad()", "retain_grad"


#: What the generator may write, by name; the part before the space is its category.
OPS: dict[str, OpFn] = {
    "op binary": _op_binary,
    "op unary": _op_unary,
    "op reduce": _op_reduce,
    "op clone": _op_clone,
    "op matmul": _op_matmul,
    "view index": _view_index,
    "view reshape": _view_reshape,
    "view transpose": _view_transpose,
    "view squeeze": _view_squeeze,
    "view expand": _view_expand,
    "view detach": _view_detach,
    "view narrow": _view_narrow,
    "view select": _view_select,
    "view unbind": _view_unbind,
    "view diagonal": _view_diagonal,
    "inplace arith": _inplace_arith,
    "inplace augmented": _inplace_augmented,
    "inplace unary": _inplace_unary,
    "inplace copy": _inplace_copy,
    "inplace setitem": _inplace_setitem,
    "grad retain_grad": _retain_grad,
}

#: The ops written by default: all of them, less those named in $FUZZ_SKIP_OPS (by the name
#: after the category, e.g. ``narrow``, or the whole key, e.g. ``view narrow``).
DEFAULT_OPS: set[str] = {k for k in OPS if not ({k, k.split(" ", 1)[1]}
                                                 & _from_env("FUZZ_SKIP_OPS"))}


def generate(ch: Chooser, ops: Iterable[str] | None = None) -> Program:
    """One random program.

    Args:
        ch: where the choices come from.
        ops: the names of :data:`OPS` it may use (default :data:`DEFAULT_OPS`).

    Returns:
        The program.
    """
    return Generator(ch, DEFAULT_OPS if ops is None else ops).program()


def programs(ops: Iterable[str] | None = None) -> st.SearchStrategy[Program]:
    """The hypothesis strategy of programs (see :func:`generate`)."""

    @st.composite
    def _programs(draw: Callable[[st.SearchStrategy[int]], int]) -> Program:
        return generate(DrawChooser(draw), ops)

    return _programs()


# ---------------------------------------------------------------------------------------------
# Running and comparing
# ---------------------------------------------------------------------------------------------


def normalize(message: str) -> str:
    """A message with the :data:`MESSAGE_NORMALIZERS` applied."""
    for pattern, repl in MESSAGE_NORMALIZERS:
        message = pattern.sub(repl, message)
    return message


@dataclass
class Outcome:
    """How one statement ended on one side."""

    error: tuple[str, str] | None  # (type name, message)
    warned: list[tuple[str, str]]  # (category name, message)


def execute(stmt: Stmt, step: int, ns: dict[str, Any]) -> Outcome:
    """Run one statement in namespace ``ns``, catching its exception and warnings."""
    error = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            exec(compile(stmt.src, f"<fuzz statement {step}>", "exec"), ns)  # noqa: S102
        except Exception as e:  # the library's error is what is compared
            error = (type(e).__name__, normalize(str(e)))
    warned = [(w.category.__name__, normalize(str(w.message))) for w in caught]
    return Outcome(error, [w for w in warned if not any(p.match(w[1]) for p in WARN_ONCE)])


@dataclass
class Probe:
    """One thing compared on every named tensor.

    Attributes:
        feature: its name in :data:`FEATURES`.
        get: reads it from a tensor of either library.
        same: whether torch's value and tinygrad_lite's agree (given torch's dtype name).
    """

    feature: str
    get: Callable[[Any], Any]
    same: Callable[[Any, Any, str], bool] = lambda a, b, dtype: a == b


@dataclass(frozen=True, eq=False)
class Values:
    """A tensor's values, as float64, with its shape and dtype name."""

    shape: tuple[int, ...]
    dtype: str
    array: np.ndarray

    @classmethod
    def of(cls, t: Any) -> Values:
        """The values of ``t`` (read with ``tolist()``, which both libraries have)."""
        return cls(tuple(t.shape), repr(t.dtype), np.array(t.tolist(), dtype=np.float64))

    def __repr__(self) -> str:
        text = np.array2string(self.array, precision=17, separator=", ").replace("\n", "")
        return f"{text} ({self.dtype.removeprefix('torch.')})"


@dataclass(frozen=True)
class Raised:
    """A probe that raised (a missing attribute, say): a value to compare like any other."""

    error: str

    def __repr__(self) -> str:
        return f"<raised {self.error}>"


def _close(a: Values, b: Values, dtype: str) -> bool:
    """Same shape and values within :data:`TOLERANCES` for torch's dtype (nan where nan)."""
    if a.shape != b.shape or a.array.shape != b.array.shape:
        return False
    if _FLOAT32_INPUTS and dtype == "torch.float64":
        dtype = "torch.float32"
    rtol, atol = TOLERANCES.get(dtype, (0.0, 0.0))
    finite = np.abs(a.array[np.isfinite(a.array)])
    scale = max(1.0, float(finite.max())) if finite.size else 1.0
    return bool(np.allclose(b.array, a.array, rtol=rtol, atol=atol * scale, equal_nan=True))


def _grad(t: Any) -> Values | None:
    g = t.grad
    return None if g is None else Values.of(g)


def _same_grad(a: Values | None, b: Values | None, dtype: str) -> bool:
    if a is None or b is None:
        return a is b
    return a.dtype == b.dtype and _close(a, b, a.dtype)


def _node_name(f: Any) -> str | None:
    return None if f is None else type(f).__name__


def _next_functions(t: Any) -> tuple[tuple[str | None, int], ...] | None:
    f = t.grad_fn
    return None if f is None else tuple((_node_name(n), i) for n, i in f.next_functions)


#: The tensor probes, in order. ``grad`` is read only where torch's tensor is a leaf or
#: retains its grad (elsewhere reading it warns). To compare something more, append a Probe
#: and add its feature to FEATURES (``FEATURES.add("strides")``).
PROBES: list[Probe] = [
    Probe("values", Values.of, _close),
    Probe("shape", lambda t: tuple(t.shape)),
    Probe("dtype", lambda t: repr(t.dtype)),
    Probe("requires_grad", lambda t: t.requires_grad),
    Probe("is_leaf", lambda t: t.is_leaf),
    Probe("grad_fn", lambda t: _node_name(t.grad_fn)),
    Probe("next_functions", _next_functions),
    Probe("version", lambda t: t._version),
    Probe("is_view", lambda t: t._is_view()),
    Probe("retains_grad", lambda t: t.retains_grad),
    Probe("grad", _grad, _same_grad),
]


def _read(probe: Probe, t: Any) -> Any:
    try:
        return probe.get(t)
    except Exception as e:  # a missing attribute is a difference, not a crash
        return Raised(f"{type(e).__name__}: {normalize(str(e))}")


def snapshot(ns: dict[str, Any], lib: Any, grads: set[str], features: set[str]
             ) -> dict[str, dict[str, Any]]:
    """Every probe of every name in ``ns``: ``{name: {feature: value}}``.

    Args:
        ns: the namespace the program ran in.
        lib: its ``torch`` (to tell tensors from other values).
        grads: the names whose ``.grad`` is read.
        features: the features to read.

    Returns:
        One row per name; a name that is not a tensor has only ``names`` (its type).
    """
    out: dict[str, dict[str, Any]] = {}
    first: dict[int, str] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, obj in ns.items():
            if name == "torch" or name.startswith("__"):  # __builtins__, __warningregistry__
                continue
            if not isinstance(obj, lib.Tensor):
                out[name] = {"names": type(obj).__name__}
                continue
            # identity: the first name bound to the very same object (t2 = t1.add_(1))
            row: dict[str, Any] = {"names": "Tensor", "identity": first.setdefault(id(obj), name)}
            for probe in PROBES:
                if probe.feature in features and (probe.feature != "grad" or name in grads):
                    row[probe.feature] = _read(probe, obj)
            out[name] = row
    return out


def _shared_grads(ns: dict[str, Any], names: set[str]) -> set[str]:
    """The names whose ``.grad`` shares its storage with another name's ``.grad`` in torch.

    torch's AccumulateGrad keeps an incoming gradient without copying it when nothing else
    holds it; after ``(a.sum() + b.sum()).backward()`` with 0-d leaves, ``a.grad`` and
    ``b.grad`` are views of one number, so ``a.grad.zero_()`` zeroes ``b.grad`` and a second
    backward adds twice (``a.grad`` becomes 3 where 2 is right). tinygrad_lite gives each
    leaf its own ``.grad`` (deliberately: see tests/test_torch_divergences.py); those grads
    are not compared.
    """
    seen: dict[Any, list[str]] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for n in names:
            g = getattr(ns[n], "grad", None)
            if g is not None and hasattr(g, "data_ptr") and g.numel():
                seen.setdefault(g.data_ptr(), []).append(n)
    return {n for group in seen.values() if len(group) > 1 for n in group}


def _wants_grad(t: Any) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return bool(t.is_leaf or t.retains_grad)
        except Exception:  # torch: e.g. a no_grad view whose base was modified in place
            return False


@dataclass
class Mismatch:
    """One disagreement.

    Attributes:
        step: the statement after which (or at which) it was seen.
        feature: what disagreed.
        name: the tensor, or None for a statement-level feature.
        theirs: torch's value (for ``raises``: None or (type, message)).
        ours: tinygrad_lite's value.
    """

    step: int
    feature: str
    name: str | None
    theirs: Any
    ours: Any

    @property
    def probe_failed(self) -> bool:
        """A probe that raised on tinygrad_lite only: the same on every tensor."""
        return isinstance(self.ours, Raised) and not isinstance(self.theirs, Raised)

    def describe(self, program: Program) -> str:
        """One line for a report."""
        what = self.feature if self.name is None else f"{self.feature} of {self.name}"
        show = _outcome if self.feature in ("raises", "error_message") else _show
        return (f"line {program.line_of(self.step)}: {what}: torch {show(self.theirs)} | "
                f"tinygrad_lite {show(self.ours)}")


def _show(v: Any, width: int = 300) -> str:
    return repr(v)[:width]


def _outcome(v: tuple[str, str] | None, width: int = 300) -> str:
    return "OK" if v is None else f"{v[0]}: {v[1]}"[:width]


@dataclass
class Result:
    """The outcome of one program on both sides."""

    program: Program
    mismatches: list[Mismatch] = field(default_factory=list)
    steps_run: int = 0
    torch_errors: list[tuple[int, tuple[str, str]]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Both sides agreed on everything compared."""
        return not self.mismatches

    def _groups(self) -> list[tuple[str, list[Mismatch]]]:
        """The mismatches grouped into categories, first seen first.

        A probe that fails on tinygrad_lite alone is one category per feature (wherever
        seen); a statement-level mismatch is one per statement kind and messages; the
        features of one tensor that differ after one statement are one category together.
        """
        groups: dict[str, list[Mismatch]] = {}
        by_tensor: dict[tuple[int, str], list[Mismatch]] = {}
        for m in self.mismatches:
            kind = self.program.statements[m.step].kind
            if m.probe_failed:
                groups.setdefault(f"{m.feature}: tinygrad_lite raised {m.ours.error[:100]}",
                                  []).append(m)
            elif m.name is None:
                if m.feature == "warnings":
                    c = f"warnings at `{kind}`: torch {m.theirs!r:.120} | tinygrad_lite " \
                        f"{m.ours!r:.120}"
                else:
                    c = (f"{m.feature} at `{kind}`: torch {_outcome(m.theirs, 100)} | "
                         f"tinygrad_lite {_outcome(m.ours, 100)}")
                groups.setdefault(c, []).append(m)
            else:
                key = (m.step, m.name)
                if key not in by_tensor:
                    by_tensor[key] = []
                    groups[f"\0{len(by_tensor)}"] = by_tensor[key]  # placeholder, named below
                by_tensor[key].append(m)
        out: dict[str, list[Mismatch]] = {}
        for c, ms in groups.items():
            if c.startswith("\0"):
                c = self._tensor_category(ms)
            out.setdefault(c, []).extend(ms)
        return list(out.items())

    def _tensor_category(self, ms: list[Mismatch]) -> str:
        kind = self.program.statements[ms[0].step].kind
        feats = [m.feature for m in ms]
        c = f"{', '.join(feats)} differ{'s' if len(feats) == 1 else ''} after `{kind}`"
        details = []
        for m in ms:
            if m.feature == "grad_fn" and m.ours is not None:  # ours, whatever it is, in the
                details.append(f"grad_fn torch {m.theirs!r}")  # example: fewer categories
            elif m.feature in ("grad_fn", "dtype", "names") or isinstance(m.theirs, Raised):
                details.append(f"{m.feature} torch {_show(m.theirs, 60)} | tinygrad_lite "
                               f"{_show(m.ours, 60)}")
        return c + (f" ({'; '.join(details)})" if details else "")

    def categories(self) -> list[str]:
        """The distinct categories of its mismatches, first seen first."""
        return [c for c, _ in self._groups()]

    def primary_categories(self) -> list[str]:
        """The categories that are not consequences of an earlier disagreement.

        Those of a probe that fails on tinygrad_lite alone (a missing attribute: seen on every
        tensor), and those seen at the first statement where some other mismatch is (later
        ones may only follow from it: a tensor made from one whose values already differ has
        different values too).
        """
        groups = self._groups()
        first = min((m.step for _, ms in groups for m in ms if not m.probe_failed),
                    default=None)
        return [c for c, ms in groups if ms[0].probe_failed or ms[0].step == first]

    def report(self, limit: int = 12) -> str:
        """The program as pasteable source, its mismatches as comments first."""
        lines = [f"# {len(self.mismatches)} mismatch(es) between torch and tinygrad_lite:"]
        shown = 0
        for c, ms in self._groups():
            if ms[0].probe_failed:
                names = ", ".join(dict.fromkeys(str(m.name) for m in ms))
                lines.append(f"#   {c} (on {names})")
                continue
            for m in ms:
                if shown < limit:
                    lines.append(f"#   {m.describe(self.program)}")
                shown += 1
        if shown > limit:
            lines.append(f"#   ... and {shown - limit} more")
        return "\n".join(lines) + "\n" + self.program.source()


def _compare_rows(step: int, theirs: dict[str, dict[str, Any]], ours: dict[str, dict[str, Any]],
                  features: set[str], seen: set[tuple[str, str]], out: list[Mismatch]) -> None:
    """Append to ``out`` the first disagreement of each (feature, name) not in ``seen``."""
    probes = {p.feature: p for p in PROBES}
    order = ["names", *probes, "identity"]
    for name in sorted(set(theirs) | set(ours)):
        a, b = theirs.get(name, {"names": None}), ours.get(name, {"names": None})
        both_tensors = a["names"] == b["names"] == "Tensor"
        for feature in order:
            if feature not in features or (feature, name) in seen:
                continue
            if feature not in a and feature not in b or feature != "names" and not both_tensors:
                continue
            va, vb = a.get(feature), b.get(feature)
            probe = probes.get(feature)
            if probe is None or isinstance(va, Raised) or isinstance(vb, Raised):
                same = va == vb
            else:
                try:
                    same = probe.same(va, vb, a.get("dtype", ""))
                except Exception:  # an odd value on our side is a difference
                    same = False
            if not same:
                seen.add((feature, name))
                out.append(Mismatch(step, feature, name, va, vb))


def run_program(program: Program, features: Iterable[str] | None = None,
                libs: tuple[Any, Any] = (torch, tinygrad_lite)) -> Result:
    """Run ``program`` statement by statement on both libraries and compare.

    Both runs stop after the first statement that raises on either side. Each disagreement
    on a tensor is reported once, at the first statement after which it is seen.

    Args:
        program: the program.
        features: what to compare (default :data:`FEATURES`).
        libs: the oracle and the library under test (e.g. ``(torch, torch)`` to check that
            the fuzzer itself reports nothing).

    Returns:
        The :class:`Result`.
    """
    global _FLOAT32_INPUTS
    _FLOAT32_INPUTS = "float32" in program.source()
    features = set(FEATURES if features is None else features)
    oracle, tested = libs
    ns_t: dict[str, Any] = {"torch": oracle, "__builtins__": builtins}
    ns_l: dict[str, Any] = {"torch": tested, "__builtins__": builtins}
    result = Result(program)
    seen: set[tuple[str, str]] = set()
    last = len(program.statements) - 1
    for step, stmt in enumerate(program.statements):
        ot, ol = execute(stmt, step, ns_t), execute(stmt, step, ns_l)
        result.steps_run = step + 1
        if ot.error is not None:
            result.torch_errors.append((step, ot.error))
        et, el = ot.error, ol.error
        if "raises" in features and ((et is None) != (el is None) or (
                et is not None and el is not None and et[0] != el[0])):
            result.mismatches.append(Mismatch(step, "raises", None, et, el))
        elif "error_message" in features and et != el:
            result.mismatches.append(Mismatch(step, "error_message", None, et, el))
        if "warnings" in features and ot.warned != ol.warned:
            result.mismatches.append(Mismatch(step, "warnings", None, ot.warned, ol.warned))
        stop = et is not None or el is not None
        if (et is None) != (el is None):
            break  # the tensors differ because one side did not run it: nothing to learn
        if "each_step" in features or stop or step == last:
            grads = {n for n, v in ns_t.items() if isinstance(v, oracle.Tensor) and _wants_grad(v)}
            grads -= _shared_grads(ns_t, grads)
            feats = features
            if et is not None and el is not None and "backward" in stmt.src:
                # both refused the backward pass; what torch had accumulated into .grad
                # before it reached the failing node depends on its engine's order
                feats = features - {"grad"}
            _compare_rows(step, snapshot(ns_t, oracle, grads, feats),
                          snapshot(ns_l, tested, grads, feats), feats, seen,
                          result.mismatches)
        if stop:
            break
    return result


# ---------------------------------------------------------------------------------------------
# Minimizing
# ---------------------------------------------------------------------------------------------


def minimize(program: Program, category: str, features: Iterable[str] | None = None,
             libs: tuple[Any, Any] = (torch, tinygrad_lite), budget: int = 300) -> Program:
    """A shorter program that still shows ``category`` (statements removed one at a time).

    A candidate in which torch raises NameError (a removed definition) is rejected.

    Args:
        program: a program whose result shows ``category``.
        category: a :meth:`Mismatch.category`.
        features: what to compare.
        libs: the oracle and the library under test.
        budget: the most programs to run.

    Returns:
        The smallest program found.
    """
    current = program
    changed = True
    while changed and budget > 0:
        changed = False
        for i in reversed(range(len(current.statements))):
            if budget <= 0:
                break
            candidate = Program(current.statements[:i] + current.statements[i + 1:])
            budget -= 1
            r = run_program(candidate, features, libs)
            if category in r.categories() and not any(
                    e[0] == "NameError" for _, e in r.torch_errors):
                current, changed = candidate, True
    return current


# ---------------------------------------------------------------------------------------------
# The CLI
# ---------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m tests.fuzz_programs --programs N [--seed S]``: run, summarize.

    Returns:
        0 if every program agreed, 1 otherwise.
    """
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz_programs",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--programs", type=int, default=100, help="how many programs")
    parser.add_argument("--seed", type=int, default=0, help="program i uses seed S*10**6+i")
    parser.add_argument("--show", type=int, default=5,
                        help="print an example program for this many categories")
    parser.add_argument("--no-minimize", action="store_true", help="print examples as drawn")
    parser.add_argument("--all-categories", action="store_true",
                        help="count every mismatch, not only each program's first ones")
    parser.add_argument("--torch-vs-torch", action="store_true",
                        help="check the fuzzer: run torch against itself (expect no mismatch)")
    parser.add_argument("--disable", default="", help="features not to compare, a,b,c "
                        f"(of: {', '.join(sorted(ALL_FEATURES))})")
    parser.add_argument("--skip-ops", default="", help="ops not to write, a,b,c "
                        f"(of: {', '.join(k.split(' ', 1)[1] for k in OPS)})")
    args = parser.parse_args(argv)
    features = FEATURES - {s for s in args.disable.split(",") if s}
    skip = {s for s in args.skip_ops.split(",") if s}
    ops = {k for k in DEFAULT_OPS if not ({k, k.split(" ", 1)[1]} & skip)}
    libs = (torch, torch) if args.torch_vs_torch else (torch, tinygrad_lite)

    t0 = time.perf_counter()
    agreed, raised = 0, 0
    by_category: dict[str, list[Result]] = {}
    for i in range(args.programs):
        program = generate(RandomChooser(random.Random(args.seed * 10**6 + i)), ops)
        r = run_program(program, features, libs)
        agreed += r.ok
        raised += bool(r.torch_errors)
        for c in r.categories() if args.all_categories else r.primary_categories():
            by_category.setdefault(c, []).append(r)
    elapsed = time.perf_counter() - t0
    n = max(args.programs, 1)
    print(f"{args.programs} programs in {elapsed:.1f} s ({1000 * elapsed / n:.1f} ms each): "
          f"{agreed} agreed, {args.programs - agreed} disagreed "
          f"({raised} stopped at a statement where torch raised)")
    if by_category:
        which = "all" if args.all_categories else "first (not consequences of earlier ones)"
        print(f"\nmismatch categories, {which}; number of programs showing each:")
        ranked = sorted(by_category.items(), key=lambda kv: -len(kv[1]))
        for c, rs in ranked:
            print(f"  {len(rs):5d}  {c}")
        for c, rs in ranked[: args.show]:
            r = min(rs, key=lambda r: len(r.program.statements))
            program = r.program if args.no_minimize else minimize(r.program, c, features, libs)
            print(f"\n# ---- {c}")
            print(run_program(program, features, libs).report(), end="")
    return 0 if agreed == args.programs else 1


if __name__ == "__main__":
    sys.exit(main())
