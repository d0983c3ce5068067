"""Lesson 13 of the tinygrad_lite site: performance.

Read the benchmark results (benchmarks/results/latest.json, written by `nox -s bench`),
count the Python calls behind one recorded op with cProfile, forward and backward, see that
a tape without reference cycles is freed on drop while micrograd-style closures are not, and
count the objects the garbage collector tracks per op.

Run: python 13-performance.py   (needs tinygrad_lite and numpy; the results tables need the
repository's benchmarks/results/latest.json, found from the working directory or this file).
"""

import cProfile
import gc
import json
import statistics
import weakref
from pathlib import Path

import numpy as np

import tinygrad_lite as torch


# -- The results -------------------------------------------------------------------------------
def find_results():
    """benchmarks/results/latest.json, in the working directory, this file's folder, or above."""
    starts = [Path.cwd().resolve()]
    if "__file__" in globals():
        starts.append(Path(__file__).resolve().parent)
    for start in starts:
        for folder in (start, *start.parents):
            path = folder / "benchmarks" / "results" / "latest.json"
            if path.is_file():
                return path
    return None


def fmt(v):
    """A figure to about three significant digits, or '-'."""
    if v is None:
        return "-"
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}"


path = find_results()
run = json.loads(path.read_text(encoding="utf-8")) if path else None

if run is None:
    print("benchmarks/results/latest.json not found: run this inside the tinygrad_lite "
          "repository to see the results.")
else:
    meta, summary = run["meta"], run["summary"]
    machine = meta["machine"]
    print(f"Run of {meta['started'][:10]} ({meta['mode']} mode) of tinygrad_lite at commit "
          f"{meta['git']}, on a {machine['cores']}-core {machine['cpu']} with "
          f"{machine['mem_gib']} GiB, CPython {meta['python']}.\n")
    for v in run["verdicts"]:
        verdict = {True: "met", False: "NOT MET"}.get(v["met"], "unknown")
        print(f"{verdict:8} {v['target']}: {v['measured']}")

    def by_round(workload, config, library, metric):
        """{round: value} of one library's metric in one setting of a workload."""
        return {r["round"]: r["metrics"][metric] for r in run["results"]
                if (r["workload"], r["config"], r["library"]) == (workload, config, library)
                and r["ok"] and r["metrics"].get(metric) is not None}

    def ratio(workload, config, a, b, metric):
        """Median over rounds of a / b, each ratio taken within one round."""
        ra, rb = by_round(workload, config, a, metric), by_round(workload, config, b, metric)
        rs = [ra[k] / rb[k] for k in ra if rb.get(k)]
        return statistics.median(rs) if rs else None

    def table(workload, columns, libraries, vs="tinygrad_lite"):
        """One row per library: the median of each (config, metric, title) column, then the
        per-round ratio of the first column to `vs`."""
        if workload not in summary:
            return f"{workload}: not in this run"
        config0, metric0, _ = columns[0]
        head = ["library", *[title for _, _, title in columns]] + ([f"x {vs}"] if vs else [])
        rows = [head]
        for lib in libraries:
            cells = [summary[workload].get(config, {}).get(lib) for config, _, _ in columns]
            if all(c is None for c in cells):
                continue
            row = [lib]
            for cell, (_, metric, _) in zip(cells, columns):
                if cell and cell.get("error"):
                    row.append("fails: " + cell["error"].split(":")[0])
                else:
                    row.append(fmt(cell.get(metric) if cell else None))
            if vs:
                row.append(fmt(ratio(workload, config0, lib, vs, metric0)))
            rows.append(row)
        widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
        return "\n".join("  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in rows)

    print("\nscalar_chain")
    print(table("scalar_chain",
                [("", "fwd_us_op", "forward us/op"), ("", "bwd_us_op", "backward us/op"),
                 ("", "loop_us_op", "loop us/op")],
                ["floats", "floats_hand", "tinygrad_lite", "tinygrad_lite:nograd", "micrograd",
                 "micrograd:gcoff", "torch", "torch:nograd"]))
    print("\nscalar_mlp")
    print(table("scalar_mlp",
                [("", "step_ms", "step ms"), ("", "fwd_ms", "forward ms"),
                 ("", "bwd_ms", "backward ms")],
                ["numpy_hand", "floats_hand", "tinygrad_lite", "tinygrad_lite:vec", "micrograd",
                 "micrograd:gcoff", "torch", "torch:vec"]))
    print("\nsmall_array_ops (3,)")
    print(table("small_array_ops",
                [("(3,)", "iter_us", "iteration us"), ("(3,)", "fwd_us", "forward us")],
                ["numpy_hand", "tinygrad_lite", "torch"]))
    print("\ntwo_layer_net, one thread")
    print(table("two_layer_net",
                [("float32 1thr", "step_ms", "float32 ms"), ("float64 1thr", "step_ms", "float64 ms")],
                ["numpy_hand", "tinygrad_lite", "torch"]))
    deep_runs = summary.get("deep_chain", {"-": {}})
    deep = max(deep_runs, key=lambda c: (len(deep_runs[c]), c))  # the depth most libraries ran
    print(f"\ndeep_chain at {deep}")
    print(table("deep_chain",
                [(deep, "fwd_s", "forward s"), (deep, "bwd_s", "backward s"),
                 (deep, "bytes_per_op", "bytes/op"), (deep, "wall_s", "process s")],
                ["floats", "tinygrad_lite", "micrograd", "micrograd:deep", "torch"]))
    print("\nimport")
    print(table("import", [("", "wall_ms", "import ms")],
                ["python", "numpy", "tinygrad_lite", "micrograd", "torch"], vs=None))


# -- One op, forward and backward: count the calls -----------------------------------------------
def chain(x, steps):
    """The benchmark's scalar chain: each step is 4 ops (mul, add, tanh, pow)."""
    y = x
    for _ in range(steps):
        y = (y * 1.01 + 0.1).tanh() ** 2
    return y


def calls(fn, *args):
    """Run fn(*args) under cProfile: ({function: calls}, set of built-ins, result)."""
    profiler = cProfile.Profile()
    profiler.enable()
    result = fn(*args)
    profiler.disable()
    counts, builtins = {}, set()
    for entry in profiler.getstats():
        code = entry.code  # a code object, or a string for a function written in C
        if isinstance(code, str):
            if "Profiler" in code:
                continue  # profiler.disable() itself
            name = code.split(" at 0x")[0].rstrip(">") + ">"  # no memory addresses
            builtins.add(name)
        else:
            name = code.co_qualname
        counts[name] = counts.get(name, 0) + entry.callcount
    return counts, builtins, result


def compare(small, large, builtins, ops):
    """Call counts at `ops` and 2 x `ops` ops, and the calls per op."""
    print(f"{'function':50} {ops:>6} ops {2 * ops:>6} ops  per op")
    for name in sorted(large, key=lambda n: (-large[n], n)):
        a, b = small.get(name, 0), large[name]
        print(f"{name:50} {a:>10} {b:>10}  {(b - a) / ops:g}")
    python = sum(large[n] - small.get(n, 0) for n in large if n not in builtins)
    print(f"Python function calls per op: {python / ops:g}; functions written in C: "
          f"{sum(large[n] - small.get(n, 0) for n in builtins) / ops:g}")


x = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
chain(x, 2).backward()  # warm up: first calls may fill caches
fwd_small, b1, y_small = calls(chain, x, 25)  # 100 ops
fwd_large, b2, y_large = calls(chain, x, 50)  # 200 ops
print("\nforward")
compare(fwd_small, fwd_large, b1 | b2, 100)

x.grad = None
bwd_small, b1, _ = calls(y_small.backward)
x.grad = None
bwd_large, b2, _ = calls(y_large.backward)
print("\nbackward")
compare(bwd_small, bwd_large, b1 | b2, 100)

a, b, c = (torch.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True) for _ in range(3))
(a * b + c).sum().backward()  # warm up
s = (a * b + c).sum()
small_calls, small_builtins, _ = calls(s.backward)
print(f"\none backward() of sum(a*b + c) (3 ops): {sum(small_calls.values())} function calls, "
      f"{sum(n for k, n in small_calls.items() if k not in small_builtins)} of them Python "
      "functions")


# -- No reference cycles ---------------------------------------------------------------------------
class Value:
    """micrograd's design, for one op: the closure refers to `out`, `out` to the closure."""

    def __init__(self, data, children=()):
        self.data, self.grad = data, 0.0
        self._backward = lambda: None
        self._prev = set(children)

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other))

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out


def freed_when_dropped(first):
    """Build 1,000 ops on top of `first` with the collector off, drop them: is `first` gone?"""
    gc.disable()
    try:
        probe = weakref.ref(first)
        y = first
        for _ in range(1000):
            y = y * 1.01
        del first, y
        dropped = probe() is None
        gc.collect()
        return dropped, probe() is None
    finally:
        gc.enable()


print()
print("tinygrad_lite   freed on drop: %s, after gc.collect(): %s" % freed_when_dropped(x * 1.01))
print("micrograd-style freed on drop: %s, after gc.collect(): %s"
      % freed_when_dropped(Value(0.5) * 1.01))


# -- Exercise: objects the collector tracks, per op ------------------------------------------------
def tracked_per_op(step, start, n=1000):
    """Objects the collector tracks, kept per op, over n ops of `step`."""
    gc.collect()
    gc.disable()
    try:
        before = gc.get_count()[0]
        y = start
        for _ in range(n):
            y = step(y)
        return round((gc.get_count()[0] - before) / n, 1)
    finally:
        gc.enable()


print()
print("tinygrad_lite, y * 1.01:", tracked_per_op(lambda y: y * 1.01, x))
with torch.no_grad():
    print("under no_grad:          ", tracked_per_op(lambda y: y * 1.01, x))
print("tinygrad_lite, y * x:   ", tracked_per_op(lambda y: y * x, x))
print("micrograd-style Value:  ", tracked_per_op(lambda y: y * 1.01, Value(0.5)))
print("threshold:", gc.get_threshold()[0])
