"""One measurement in a fresh process: ``python -m benchmarks.worker WORKLOAD LIBRARY PARAMS``.

PARAMS is a JSON object. The worker prints one line, ``BENCH-RESULT {json}``, with the
metrics, the check values, the library's version and whether the library left the garbage
collector's settings as it found them. An exception (a RecursionError, say) is a result too.
"""

from __future__ import annotations

import gc
import json
import platform
import sys
from typing import Any

from . import arrays, libs, random_numbers, scalar
from .harness import MARK

WORKLOADS = {
    "scalar_chain": scalar.run_scalar_chain,
    "scalar_chain_shared": scalar.run_scalar_chain_shared,
    "deep_chain": scalar.run_deep_chain,
    "scalar_mlp": scalar.run_scalar_mlp,
    "small_array_ops": arrays.run_small_array_ops,
    "two_layer_net": arrays.run_two_layer_net,
    "random": random_numbers.run_random,
}


def gc_state() -> tuple[bool, tuple[int, ...]]:
    """Whether the cyclic collector is on, and its thresholds."""
    return gc.isenabled(), gc.get_threshold()


def main(argv: list[str]) -> None:
    """Run one workload for one library and print the result line."""
    workload, name, params = argv[0], argv[1], json.loads(argv[2])
    base, _, variant = name.partition(":")
    before = gc_state()
    out: dict[str, Any] = {"error": None}
    try:
        out.update(WORKLOADS[workload](base, variant, params))
        if variant != "gcoff" and not params.get("check"):
            out["gc_untouched"] = gc_state() == before
    except Exception as e:  # noqa: BLE001  (a failing library is a result)
        out["error"] = f"{type(e).__name__}: {e}"[:300]
    out["version"] = libs.version(base)
    out["numpy"] = sys.modules["numpy"].__version__
    out["python"] = platform.python_version()
    print(MARK + json.dumps(out), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
