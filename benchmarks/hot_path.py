"""A quick guard on the per-op cost of the tape (the full suite comes with the benchmarks).

scalar_chain: 100 chains x 100 ops (mul, add, tanh, pow2) on 0-d float64 tensors, then a
tree of 99 adds: 10,099 recorded ops. Prints median us/op for forward and backward.

    python benchmarks/hot_path.py
"""

from __future__ import annotations

import statistics
import time

import tinygrad_lite as tl

OPS = 100 * 100 + 99


def scalar_chain() -> tuple[float, float]:
    xs = [tl.tensor(0.5 + i * 1e-3, dtype=tl.float64, requires_grad=True) for i in range(100)]
    t0 = time.perf_counter()
    outs = []
    for x in xs:
        y = x
        for _ in range(25):
            y = (y * 1.01 + 0.1).tanh() ** 2
        outs.append(y)
    while len(outs) > 1:
        pairs = [outs[i] + outs[i + 1] for i in range(0, len(outs) - 1, 2)]
        outs = pairs + outs[len(pairs) * 2:]
    t1 = time.perf_counter()
    outs[0].backward()
    t2 = time.perf_counter()
    return (t1 - t0) / OPS * 1e6, (t2 - t1) / OPS * 1e6


def main() -> None:
    runs = [scalar_chain() for _ in range(15)]
    fwd = statistics.median(r[0] for r in runs)
    bwd = statistics.median(r[1] for r in runs)
    print(f"scalar_chain: forward {fwd:.3f} us/op, backward {bwd:.3f} us/op (median of 15)")


if __name__ == "__main__":
    main()
