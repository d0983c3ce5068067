"""Process-level plumbing shared by the driver and the worker: memory, machine, child runs."""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MARK = "BENCH-RESULT "
MIB = 1024 * 1024


def _status_kib(key: str) -> int | None:
    try:
        text = Path("/proc/self/status").read_text()
    except OSError:
        return None
    m = re.search(rf"^{key}:\s+(\d+) kB", text, re.M)
    return int(m.group(1)) if m else None


def rss_mib() -> float:
    """Resident set size of this process now, in MiB (0 where /proc is missing)."""
    kib = _status_kib("VmRSS")
    return kib / 1024 if kib is not None else 0.0


def reset_peak() -> bool:
    """Reset this process's peak RSS (Linux ``clear_refs``); False if the kernel refuses."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def peak_mib() -> float:
    """Peak RSS since the last :func:`reset_peak` (or since start), in MiB."""
    kib = _status_kib("VmHWM")
    if kib is None:
        import resource

        kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib / 1024


def machine() -> dict[str, Any]:
    """CPU model, core count, memory and OS of this machine, for every result line."""
    cpu = platform.processor() or platform.machine()
    try:
        m = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
        cpu = m.group(1).strip() if m else cpu
    except OSError:
        pass
    mem = None
    try:
        m = re.search(r"^MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text(), re.M)
        mem = round(int(m.group(1)) / MIB, 1) if m else None
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "mem_gib": mem, "os": platform.platform()}


@dataclass
class Child:
    """What one child process gave back."""

    ok: bool
    result: dict[str, Any]
    wall_s: float
    error: str | None


def run_child(argv: list[str], env: dict[str, str] | None = None) -> Child:
    """Run ``python *argv`` in the repository root and read its result line, if any.

    The wall time is the whole process, measured here. (Its ``wait4`` peak RSS is not used:
    Linux carries the parent's peak across ``exec`` into the child's ``ru_maxrss``.)

    Args:
        argv: Arguments for the interpreter, e.g. ``["-m", "benchmarks.worker", ...]``.
        env: Extra environment variables for the child.

    Returns:
        The parsed result line (empty if the child printed none); ``ok=False`` with the
        error the child reported, or the last line of its stderr if it died.
    """
    full_env = {**os.environ, **(env or {})}
    # Cached bytecode, as on a user's machine: without it every import recompiles the sources
    # of an editable install (this project's machines set PYTHONDONTWRITEBYTECODE=1).
    full_env.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, *argv], cwd=ROOT, env=full_env,
                                stdout=out, stderr=err, text=True)
        _, status, _ = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        lines = [ln for ln in out.read().splitlines() if ln.startswith(MARK)]
        stderr = err.read().strip()
    result = json.loads(lines[-1][len(MARK):]) if lines else {}
    error = result.get("error")
    if proc.returncode != 0 and error is None:
        error = stderr.splitlines()[-1] if stderr else f"exit status {proc.returncode}"
    return Child(error is None, result, wall, error)
