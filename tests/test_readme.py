"""README.md's Python blocks run as pasted, in order, and print what it says they print."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_python_blocks_run_in_order_and_print_the_tape_shown() -> None:
    blocks = re.findall(r"```python\n(.*?)```", README, re.S)
    assert len(blocks) >= 2
    namespace: dict = {}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for block in blocks:
            exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102
    shown = re.search(r"The printed tape:\n\n```text\n(.*?)```", README, re.S).group(1)
    assert shown.strip() in out.getvalue()
    assert "tensor(-4.) tensor(-4.) tensor(3.)" in out.getvalue()
