"""SVG plots of a run's medians for the site's appendix (reproducible bytes).

Text stays text (``svg.fonttype='none'``), element ids come from a fixed ``svg.hashsalt``, and
the date metadata is left out, so the same medians always give the same files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

TL = "tinygrad_lite"


def _setup() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "tinygrad_lite-bench",
                         "font.size": 9, "axes.spines.top": False, "axes.spines.right": False})
    return plt


def _hbars(ax: Any, cells: dict[str, dict[str, Any]], series: list[tuple[str, str]],
           unit: str) -> None:
    """Horizontal bars, one group per library, one bar per (metric, legend label), log axis."""
    libs = [lib for lib, c in cells.items() if any(c.get(k) for k, _ in series)]
    height = 0.8 / len(series)
    for i, (key, label) in enumerate(series):
        ys = [j + i * height for j in range(len(libs))]
        vals = [cells[lib].get(key) or 0 for lib in libs]
        bars = ax.barh(ys, vals, height, label=label)
        for bar, lib in zip(bars, libs):
            if lib.startswith(TL):
                bar.set_edgecolor("black")
                bar.set_linewidth(1.2)
        for y, v in zip(ys, vals):
            if v:
                ax.text(v * 1.05, y, f"{v:.3g}", va="center", fontsize=7)
    ax.set_yticks([j + height * (len(series) - 1) / 2 for j in range(len(libs))], libs)
    for tick in ax.get_yticklabels():
        if tick.get_text().startswith(TL):
            tick.set_fontweight("bold")
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel(unit)
    if len(series) > 1:
        ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))


def _save(plt: Any, fig: Any, path: Path) -> Path:
    fig.savefig(path, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    return path


def draw(summ: dict[str, Any], out: Path) -> list[Path]:
    """Draw one SVG per workload present in ``summ`` into folder ``out``.

    Args:
        summ: Medians as ``summ[workload][config][library][metric]``.
        out: The folder (created if missing).

    Returns:
        The paths written.
    """
    plt = _setup()
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    bars = {
        "scalar_chain": ("", [("fwd_us_op", "forward"), ("bwd_us_op", "backward")],
                         "us per op (log)", "scalar_chain: 10,099 scalar ops"),
        "scalar_chain_shared": ("", [("fwd_us_op", "forward"), ("bwd_us_op", "backward")],
                                "us per op (log)",
                                "scalar_chain_shared: 10,099 scalar ops, shared leaves a and b"),
        "scalar_mlp": ("", [("step_ms", "step")], "ms per SGD step (log)",
                       "scalar_mlp: MLP 2-16-16-1 on 100 points"),
        "import": ("", [("wall_ms", "wall")], "ms, whole process (log)", "import time"),
    }
    for name, (cfg, series, unit, title) in bars.items():
        if name not in summ:
            continue
        cells = summ[name][cfg]
        fig, ax = plt.subplots(figsize=(6.4, 0.32 * len(cells) * len(series) + 1.2))
        _hbars(ax, cells, series, unit)
        ax.set_title(title, loc="left")
        paths.append(_save(plt, fig, out / f"{name}.svg"))
    grouped = {
        "small_array_ops": ("iter_us", "us per iteration (log)",
                            "small_array_ops: sum(a*b + c) + backward, float64"),
        "two_layer_net": ("step_ms", "ms per SGD step (log)",
                          "two_layer_net: 64 x 1000 -> 100 -> 10, one thread"),
    }
    for name, (key, unit, title) in grouped.items():
        if name not in summ:
            continue
        # Default threading on a small shared machine is dominated by threads waiting on
        # busy cores (see the tables); the plot keeps the single-thread settings.
        configs = [c for c in summ[name] if not c.endswith("default")]
        libs = list(dict.fromkeys(lib for c in configs for lib in summ[name][c]))
        cells = {lib: {c: summ[name][c].get(lib, {}).get(key) for c in configs} for lib in libs}
        fig, ax = plt.subplots(figsize=(6.4, 0.3 * len(libs) * len(configs) + 1.2))
        _hbars(ax, cells, [(c, c) for c in configs], unit)
        ax.set_title(title, loc="left")
        paths.append(_save(plt, fig, out / f"{name}.svg"))
    if "deep_chain" in summ:
        paths.append(_deep(plt, summ["deep_chain"], out / "deep_chain.svg"))
    return paths


def _deep(plt: Any, deep: dict[str, Any], path: Path) -> Path:
    """Wall time and bytes per op against depth, one line per library; failures listed."""
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(8, 3.4))
    libs = list(dict.fromkeys(lib for c in deep.values() for lib in c))
    colors = dict(zip(libs, plt.rcParams["axes.prop_cycle"].by_key()["color"] * 2))
    failed = set()
    for lib in libs:
        pts = sorted((int(float(c.split("=")[1])), cells[lib]) for c, cells in deep.items()
                     if lib in cells)
        ok = [(d, cell) for d, cell in pts if not cell["error"]]
        failed |= {lib for _, cell in pts if cell["error"]}
        if not ok:
            continue
        style = {"linewidth": 2.2 if lib == TL else 1,
                 "color": "black" if lib == TL else colors[lib]}
        xs = [d for d, _ in ok]
        ax1.plot(xs, [c["wall_s"] for _, c in ok], marker="o", ms=3, label=lib, **style)
        if lib != "floats":
            ax2.plot(xs, [c["bytes_per_op"] for _, c in ok], marker="o", ms=3, label=lib,
                     **style)
    ax1.set(xscale="log", yscale="log", xlabel="steps (2 ops each)", ylabel="wall s, whole process")
    ax2.set(xscale="log", xlabel="steps", ylabel="peak bytes per recorded op")
    ax2.axhline(400, color="grey", linestyle=":", linewidth=1)
    ax1.legend(frameon=False, fontsize=7)
    title = "deep_chain: y = y*1.0001 + 0.0001"
    if failed:
        title += f" (failed at some depth: {', '.join(sorted(failed))})"
    fig.suptitle(title, x=0.02, ha="left", fontsize=9)
    return _save(plt, fig, path)
