"""The driver: runs every workload for every library, interleaved, and reports.

One process per library per round, in an order rotated each round; tables of medians with
their spread and per-round ratios; the checks compared across libraries; the targets of
issue 5; the results as JSON; the plots. ``python -m benchmarks --help`` for the options.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .harness import ROOT, machine, run_child
from .libs import version

TL = "tinygrad_lite"
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
IMPORT_CODE = {"python": "pass", "dezero": "import numpy; numpy.int = int; import dezero"}
# After the import, the child prints its own peak RSS (VmHWM), importing nothing more.
PRINT_PEAK = ("print('BENCH-RESULT {\"hwm_kib\": %s}' % [ln.split()[1] for ln in "
              "open('/proc/self/status') if ln.startswith('VmHWM')][0])")


@dataclass
class Config:
    """One setting of a workload: its label, worker params, extra env, libraries, rounds."""

    label: str
    params: dict[str, Any] = field(default_factory=dict)
    env: dict[str, str] | None = None
    libs: list[str] | None = None
    rounds: int | None = None
    rtol: float = 1e-9


@dataclass
class Workload:
    """A workload: what to run, which metrics to show, and against which baseline."""

    name: str
    title: str
    libs: list[str]
    configs: list[Config]
    metrics: list[tuple[str, str]]  # (key, column header)
    ratios: list[str]  # the metrics that get "x baseline" and "x tinygrad_lite" columns
    baseline: str
    rounds: int
    lib_rounds: dict[str, int] = field(default_factory=dict)  # a slow library runs fewer


def plan(quick: bool, rounds: int | None) -> list[Workload]:
    """The workloads of the shared notes, sized for quick or full mode."""
    n = rounds or (3 if quick else 5)
    chain = {"budget_s": 1.0 if quick else 3.0, "min_reps": 3, "max_reps": 100}
    mlp = {"budget_s": 1.5 if quick else 6.0, "min_reps": 1 if quick else 2, "max_reps": 200}
    small = {"batches": 5, "iters": 1000} if quick else {"batches": 15, "iters": 2000}
    tln = {"warmup": 10, "steps": 50} if quick else {"warmup": 20, "steps": 200}
    depths = [10**3, 10**4, 10**5] + ([] if quick else [10**6])
    deep = [Config(f"depth={d:.0e}", {"depth": d}) for d in depths]
    deep += ([Config("depth=1e+06", {"depth": 10**6}, libs=["floats", TL], rounds=1)] if quick
             else [])
    deep[-1].rounds = 1
    deep_libs = ["floats", TL, "micrograd", "micrograd:deep", "torch", "autograd", "mygrad",
                 "dezero"]
    peers = deep_libs[2:]
    peers.remove("micrograd")
    gc_check = [Config("depth=1e+06", {"depth": 10**6, "check": True}, libs=[TL]),
                Config("depth=1e+05", {"depth": 10**5, "check": True}, libs=peers)]
    arrays = ["numpy_hand", TL, "torch", "autograd", "mygrad", "dezero"]
    return [
        Workload("import", "import time, whole process (ms, MiB)",
                 ["python", "numpy", TL, "micrograd", "torch", "autograd", "mygrad", "dezero"],
                 [Config("")], [("wall_ms", "wall ms"), ("peak_mib", "peak MiB")],
                 ["wall_ms"], "numpy", rounds or (5 if quick else 10)),
        Workload("scalar_chain", "scalar_chain: 10,099 ops on 0-d float64 (us/op)",
                 ["floats", "floats_hand", TL, f"{TL}:nograd", "micrograd", "micrograd:gcoff",
                  "torch", "torch:nograd", "autograd", "mygrad", "dezero"],
                 [Config("", chain)],
                 [("fwd_us_op", "fwd"), ("bwd_us_op", "bwd"), ("loop_us_op", "loop")],
                 ["fwd_us_op", "bwd_us_op", "loop_us_op"], "floats_hand", n),
        Workload("scalar_chain_shared", "scalar_chain_shared: the chain with shared leaves "
                 "a and b, tanh as torch.tanh (us/op)",
                 ["floats", "floats_hand", TL, "micrograd", "torch", "autograd", "mygrad",
                  "dezero"],
                 [Config("", chain)],
                 [("fwd_us_op", "fwd"), ("bwd_us_op", "bwd"), ("loop_us_op", "loop")],
                 ["fwd_us_op", "bwd_us_op", "loop_us_op"], "floats_hand", n),
        Workload("scalar_mlp", "scalar_mlp: MLP 2-16-16-1, 100 points, hinge, SGD (ms/step)",
                 ["numpy_hand", "floats_hand", TL, f"{TL}:vec", "micrograd", "micrograd:gcoff",
                  "torch", "torch:vec", "autograd", "mygrad", "dezero"],
                 [Config("", mlp)], [("step_ms", "step"), ("fwd_ms", "fwd"), ("bwd_ms", "bwd")],
                 ["step_ms"], "numpy_hand", n,
                 {"autograd": 1, "mygrad": 1, "dezero": 0} if quick else {"dezero": 1}),
        Workload("small_array_ops", "small_array_ops: sum(a*b + c) + backward, float64 (us)",
                 arrays, [Config("(3,)", {"shape": [3], **small}),
                          Config("(10, 10)", {"shape": [10, 10], **small})],
                 [("iter_us", "iteration"), ("fwd_us", "forward")], ["iter_us", "fwd_us"],
                 "numpy_hand", n),
        Workload("two_layer_net", "two_layer_net: 64 x 1000 -> 100 -> 10, SGD (ms/step)",
                 arrays,
                 [Config(f"{dt} {th}", {"dtype": dt, **tln}, ONE_THREAD if th == "1thr"
                         else None, rounds=2 if quick and th == "default" else None,
                         rtol=1e-3 if dt == "float32" else 1e-9)
                  for dt in ("float32", "float64") for th in ("1thr", "default")],
                 [("step_ms", "step")], ["step_ms"], "numpy_hand", n),
        Workload("random", "random: PyTorch's CPU streams, after manual_seed(0) (us/call)",
                 [TL, "torch"],
                 [Config("", {"batches": 3 if quick else 7, "iters": 20 if quick else 50},
                         ONE_THREAD)],
                 [("linear_us", "Linear(784, 128)"), ("rand100_us", "rand(100)"),
                  ("randn100_us", "randn(100)"), ("randn10000_us", "randn(10000)"),
                  ("randperm10000_us", "randperm(10000)")],
                 ["linear_us", "randn100_us", "randn10000_us"], "torch", n),
        Workload("deep_chain", "deep_chain: y = y*1.0001 + 0.0001 (2 ops a step)",
                 deep_libs, deep,
                 [("fwd_s", "fwd s"), ("bwd_s", "bwd s"), ("wall_s", "wall s"),
                  ("peak_mib", "peak MiB"), ("bytes_per_op", "B/op")], [], "floats",
                 1 if quick else 3),
        Workload("deep_chain_gc", "deep_chain with the collector off: is the graph freed "
                 "when the output is dropped?", [TL, *peers], gc_check,
                 [("cyclic_garbage", "gc.collect() found"),
                  ("graph_alive_after_drop", "alive after drop"),
                  ("rss_kept_mib", "RSS kept MiB"), ("rss_after_collect_mib", "after collect")],
                 [], TL, 1),
    ]


# --- running -------------------------------------------------------------------------------


def git_rev() -> str | None:
    """The commit of the work tree, with ``+dirty`` if tinygrad_lite/ has local changes."""
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                             capture_output=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "tinygrad_lite"], cwd=ROOT,
                               text=True, capture_output=True, check=True).stdout.strip()
        return rev + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return None


def run_one(w: Workload, cfg: Config, lib: str) -> dict[str, Any]:
    """One process: the worker, or for ``import`` just the interpreter importing the library."""
    if w.name == "import":
        code = IMPORT_CODE.get(lib, f"import {lib}")
        child = run_child(["-c", f"{code}\n{PRINT_PEAK}"], cfg.env)
        peak = int(child.result["hwm_kib"]) / 1024 if child.ok else None
        child.result = {"version": version(lib), "numpy": version("numpy"),
                        "python": platform.python_version()}
        metrics = {"wall_ms": child.wall_s * 1e3, "peak_mib": peak}
    else:
        child = run_child(["-m", "benchmarks.worker", w.name.removesuffix("_gc"), lib,
                           json.dumps(cfg.params)], cfg.env)
        metrics = dict(child.result.get("metrics", {}))
        metrics["wall_s"] = child.wall_s
    return {"ok": child.ok, "error": child.error, "metrics": metrics,
            **{k: v for k, v in child.result.items() if k not in ("metrics", "error")}}


def execute(w: Workload, env: dict[str, Any], log: Callable[[str], None]) -> list[dict[str, Any]]:
    """All rounds of one workload; each round runs every library once per config, rotated."""
    records = []
    for r in range(w.rounds):
        t0 = time.perf_counter()
        env = {**env, "git": git_rev()}  # the engine may change between rounds: say which
        for cfg in w.configs:
            if cfg.rounds is not None and r >= cfg.rounds:
                continue
            libs = [lib for lib in cfg.libs or w.libs if r < w.lib_rounds.get(lib, w.rounds)]
            if not libs:
                continue
            k = r % len(libs)
            for pos, lib in enumerate(libs[k:] + libs[:k]):
                rec = {"workload": w.name, "config": cfg.label, "library": lib, "round": r,
                       "position": pos, **run_one(w, cfg, lib), **env}
                if not rec["ok"]:
                    log(f"  {w.name} {cfg.label} {lib}: {rec['error']}")
                records.append(rec)
        log(f"{w.name}: round {r + 1}/{w.rounds} in {time.perf_counter() - t0:.0f} s")
    return records


# --- summarising ---------------------------------------------------------------------------


class Results:
    """The records of one run, indexed for medians and per-round ratios."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.records = records

    def rows(self, w: str, cfg: str, lib: str) -> list[dict[str, Any]]:
        """The records of one library in one config, all rounds."""
        return [r for r in self.records
                if r["workload"] == w and r["config"] == cfg and r["library"] == lib]

    def by_round(self, w: str, cfg: str, lib: str, m: str) -> dict[int, float]:
        """Metric ``m`` of one library per round (successful rounds that measured it)."""
        return {r["round"]: r["metrics"][m] for r in self.rows(w, cfg, lib)
                if r["ok"] and r["metrics"].get(m) is not None}

    def median(self, w: str, cfg: str, lib: str, m: str) -> float | None:
        """Median over rounds, or None."""
        v = list(self.by_round(w, cfg, lib, m).values())
        return statistics.median(v) if v else None

    def ratio(self, w: str, cfg: str, a: str, b: str, m: str) -> float | None:
        """Median over rounds of a / b, each ratio taken within one round."""
        va, vb = self.by_round(w, cfg, a, m), self.by_round(w, cfg, b, m)
        rs = [va[r] / vb[r] for r in va if r in vb and vb[r]]
        return statistics.median(rs) if rs else None

    def diff(self, w: str, cfg: str, a: str, b: str, m: str) -> float | None:
        """Median over rounds of a - b, each difference taken within one round."""
        va, vb = self.by_round(w, cfg, a, m), self.by_round(w, cfg, b, m)
        ds = [va[r] - vb[r] for r in va if r in vb]
        return statistics.median(ds) if ds else None


def fmt(v: float | None, ratio: bool = False) -> str:
    """About three significant figures (whole numbers as such unless a ratio), or '-'."""
    if v is None:
        return "-"
    a = abs(v)
    if not ratio and float(v).is_integer() and a < 1e15:
        return str(int(v))
    if a >= 100 or a == 0:
        return f"{v:.0f}"
    if a >= 0.01:
        return f"{v:.{1 if a >= 10 else 2 if a >= 1 else 3}f}"
    return f"{v:.2g}"


def render(header: list[str], body: list[list[str]]) -> str:
    """A plain-text table: first column left-aligned, the rest right-aligned."""
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
    lines = []
    for row in [header, *body]:
        cells = [row[0].ljust(widths[0])] + [c.rjust(wd) for c, wd in zip(row[1:], widths[1:])]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "  ".join("-" * wd for wd in widths))
    return "\n".join(lines)


def table(res: Results, w: Workload) -> str:
    """One table per config: median (min-max) per metric, ratios per round for some."""
    out = []
    for cfg in w.configs:
        libs = cfg.libs or w.libs
        if not any(res.rows(w.name, cfg.label, lib) for lib in libs):
            continue
        base = w.baseline if w.baseline in libs else None
        rounds = max(r["round"] for lib in libs for r in res.rows(w.name, cfg.label, lib)) + 1
        header = ["library"]
        for key, label in w.metrics:
            header += [label, "min-max"] if rounds > 1 else [label]
            if key in w.ratios:
                header += [f"x {base}" if base else "x base", f"x {TL}"]
        body, failed = [], []
        for lib in libs:
            rows = res.rows(w.name, cfg.label, lib)
            ok = [r for r in rows if r["ok"]]
            if rows and not ok:
                failed.append(f"{lib}: FAILED, {rows[0]['error']}")
            if not ok:
                continue
            line = [lib + (f" ({len(rows) - len(ok)} failed)" if len(ok) < len(rows) else "")]
            for key, _ in w.metrics:
                vals = list(res.by_round(w.name, cfg.label, lib, key).values())
                line.append(fmt(res.median(w.name, cfg.label, lib, key)))
                if rounds > 1:
                    line.append(f"{fmt(min(vals))}-{fmt(max(vals))}" if len(vals) > 1 else "")
                if key in w.ratios:
                    rb = res.ratio(w.name, cfg.label, lib, base, key) if base else None
                    rt = res.ratio(w.name, cfg.label, lib, TL, key) if TL in libs else None
                    line += [fmt(rb, ratio=True), fmt(rt, ratio=True)]
            body.append(line)
        title = f"{w.title}{' ' + cfg.label if cfg.label else ''}; {rounds} round(s)"
        out.append("\n".join([title, render(header, body), *failed]))
    return "\n\n".join(out)


def agreement(res: Results, workloads: list[Workload]) -> list[str]:
    """Every library's check values against the baseline's (or the first that has them).

    Returns:
        One line per disagreement (empty when all agree).
    """
    bad = []
    for w in workloads:
        for cfg in w.configs:
            libs = cfg.libs or w.libs
            order = [w.baseline, *[lib for lib in libs if lib != w.baseline]]
            checks = {lib: [r["check"] for r in res.rows(w.name, cfg.label, lib)
                            if r["ok"] and r.get("check")] for lib in order}
            ref_lib = next((lib for lib in order if checks.get(lib)), None)
            if ref_lib is None:
                continue
            ref = checks[ref_lib][0]
            for lib, cs in checks.items():
                for c in cs:
                    pairs = list(zip(c, ref))
                    if not all(math.isclose(a, b, rel_tol=cfg.rtol, abs_tol=1e-300)
                               for a, b in pairs):
                        bad.append(f"{w.name} {cfg.label} {lib}: {c} != {ref_lib}'s {ref}")
                        break
    return bad


# --- the targets of issue 5 ----------------------------------------------------------------


def verdicts(res: Results) -> list[dict[str, Any]]:
    """Each target of issue 5: met or not, with what was measured."""
    out = []

    def add(target: str, ok: bool | None, measured: str) -> None:
        out.append({"target": target, "met": ok, "measured": measured})

    def le(v: float | None, limit: float) -> bool | None:
        return None if v is None else v <= limit

    def both(*oks: bool | None) -> bool | None:
        return None if any(o is None for o in oks) else all(oks)

    for m, abs_lim, rel_lim in (("fwd_us_op", 0.5, 0.35), ("bwd_us_op", 0.3, 0.5)):
        v = res.median("scalar_chain", "", TL, m)
        r = res.ratio("scalar_chain", "", TL, "micrograd", m)
        name = "forward" if m.startswith("fwd") else "backward"
        add(f"scalar_chain {name} <= {abs_lim} us/op and <= {rel_lim}x micrograd",
            both(le(v, abs_lim), le(r, rel_lim)), f"{fmt(v)} us/op, {fmt(r)}x micrograd")
    for m, rel_lim in (("fwd_us_op", 0.45), ("bwd_us_op", 0.45)):
        v = res.median("scalar_chain_shared", "", TL, m)
        r = res.ratio("scalar_chain_shared", "", TL, "micrograd", m)
        name = "forward" if m.startswith("fwd") else "backward"
        add(f"scalar_chain_shared {name} <= {rel_lim}x micrograd", le(r, rel_lim),
            f"{fmt(v)} us/op, {fmt(r)}x micrograd")
    mg = res.ratio("scalar_mlp", "", "micrograd", TL, "step_ms")
    th = res.ratio("scalar_mlp", "", "torch", TL, "step_ms")
    add("scalar_mlp step >= 10x faster than micrograd, faster than torch 0-d",
        both(None if mg is None else mg >= 10, None if th is None else th > 1),
        f"{fmt(mg)}x faster than micrograd, {fmt(th)}x faster than torch 0-d")
    deep = res.rows("deep_chain", "depth=1e+06", TL)
    gcr = res.rows("deep_chain_gc", "depth=1e+06", TL)
    bpo = res.median("deep_chain", "depth=1e+06", TL, "bytes_per_op")
    untouched = all(r.get("gc_untouched", True) for r in res.records if r["library"] == TL)
    garbage = gcr[0]["metrics"].get("cyclic_garbage") if gcr and gcr[0]["ok"] else None
    alive = gcr[0]["metrics"].get("graph_alive_after_drop") if gcr and gcr[0]["ok"] else None
    ok_deep = None if not deep else all(r["ok"] for r in deep)
    add("deep_chain 1e6 completes, <= 400 B/op, no cyclic garbage, gc settings untouched",
        both(ok_deep, le(bpo, 400), None if garbage is None else garbage <= 100 and not alive,
             untouched),
        f"{'completes' if ok_deep else 'FAILS' if deep else 'not run'}, {fmt(bpo)} B/op, "
        f"gc.collect() after drop found {garbage} objects, graph "
        f"{'freed' if alive == 0 else 'alive' if alive else '?'} on drop, "
        f"gc settings {'untouched' if untouched else 'CHANGED'}")
    r = res.ratio("small_array_ops", "(3,)", "torch", TL, "iter_us")
    add("small_array_ops (3,) iteration >= 5x faster than torch",
        None if r is None else r >= 5, f"{fmt(r)}x faster than torch")
    r = res.ratio("two_layer_net", "float32 1thr", TL, "numpy_hand", "step_ms")
    add("two_layer_net float32 1 thread <= 1.15x NumPy by hand", le(r, 1.15),
        f"{fmt(r)}x NumPy by hand")
    d = res.diff("import", "", TL, "numpy", "wall_ms")
    add("import tinygrad_lite <= import numpy + 30 ms", le(d, 30), f"numpy + {fmt(d)} ms")
    return out


def verdict_lines(vs: list[dict[str, Any]]) -> str:
    """The verdicts as text, one line each."""
    word = {True: "MET    ", False: "NOT MET", None: "UNKNOWN"}
    return "\n".join(f"{word[v['met']]}  {v['target']}: {v['measured']}" for v in vs)


def summary(res: Results, workloads: list[Workload]) -> dict[str, Any]:
    """Medians per workload, config, library and metric (what the plots draw)."""
    out: dict[str, Any] = {}
    for w in workloads:
        for cfg in w.configs:
            for lib in cfg.libs or w.libs:
                rows = res.rows(w.name, cfg.label, lib)
                if not rows:
                    continue
                cell = {k: res.median(w.name, cfg.label, lib, k) for k, _ in w.metrics}
                cell["error"] = None if any(r["ok"] for r in rows) else rows[0]["error"]
                out.setdefault(w.name, {}).setdefault(cfg.label, {})[lib] = cell
    return out


# --- main ----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Run the suite; returns 1 if the libraries disagree on a check, else 0."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    ap.add_argument("--quick", action="store_true",
                    help="fewer rounds and reps; deep_chain to 1e5 (1e6 for tinygrad_lite only)")
    ap.add_argument("--rounds", type=int, help="rounds for the interleaved workloads")
    ap.add_argument("--only", help="comma-separated workloads to run (default: all)")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "latest.json")
    ap.add_argument("--plots", type=Path, default=ROOT / "docs" / "assets" / "bench",
                    help="folder for the SVG plots")
    ap.add_argument("--no-plots", action="store_true")
    ap.add_argument("--replot", action="store_true",
                    help="only redraw the plots from the results file (--out)")
    args = ap.parse_args(argv)
    if args.replot:
        from .plots import draw

        draw(json.loads(args.out.read_text())["summary"], args.plots)
        return 0
    workloads = plan(args.quick, args.rounds)
    if args.only:
        keep = set(args.only.split(","))
        workloads = [w for w in workloads if w.name in keep]
    env = {"python": platform.python_version(), "machine": machine(), "git": git_rev()}
    started = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    log(f"machine: {env['machine']['cpu']}, {env['machine']['cores']} cores; "
        f"Python {env['python']}; tinygrad_lite at {env['git']}")
    records: list[dict[str, Any]] = []
    t0 = time.perf_counter()
    for w in workloads:
        records += execute(w, env, log)
    res = Results(records)
    print()
    for w in workloads:
        print(table(res, w) + "\n")
    bad = agreement(res, workloads)
    print("\n".join(["DISAGREEMENT: " + b for b in bad]) if bad else
          "All libraries agree on the loss/gradient checks of every workload.")
    vs = verdicts(res)
    print("\nTargets of issue 5 (ratios are medians of per-round ratios):")
    print(verdict_lines(vs))
    summ = summary(res, workloads)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    meta = {"started": started, "mode": "quick" if args.quick else "full",
            "duration_s": round(time.perf_counter() - t0), **env,
            "workloads": [w.name for w in workloads]}
    args.out.write_text(json.dumps({"meta": meta, "verdicts": vs, "disagreements": bad,
                                    "summary": summ, "results": records}, indent=1) + "\n")
    print(f"\nresults: {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    if not args.no_plots:
        from .plots import draw

        for path in draw(summ, args.plots):
            print(f"plot: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 1 if bad else 0
