"""The site's executed snippets, one pytest item per page (quick feedback, the page named).

`nox -s docs` (`mkdocs build --strict`) remains the gate; this runs the same snippets through
markdown-exec's own engine without building the site. Also here: every lesson's download runs,
and every "Same in PyTorch" output printed on a page is what PyTorch prints.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest

markdown = pytest.importorskip("markdown")
markdown_exec = pytest.importorskip("markdown_exec")

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
EXCLUDED = {"CONTRIBUTING-lessons.md"}
PAGES = sorted(p for p in DOCS.rglob("*.md")
               if p.relative_to(DOCS).as_posix() not in EXCLUDED
               and "overrides" not in p.relative_to(DOCS).parts)
DOWNLOADS = sorted((DOCS / "lessons" / "code").glob("*.py"))


def _render(text: str) -> str:
    """Markdown to HTML with the site's extensions; markdown-exec runs the python fences."""
    fences = [{"name": lang, "class": lang, "validator": markdown_exec.validator,
               "format": markdown_exec.formatter} for lang in ("python", "py", "pycon")]
    fences.append({"name": "mermaid", "class": "mermaid",
                   "format": __import__("pymdownx.superfences").superfences.fence_code_format})
    md = markdown.Markdown(
        extensions=["abbr", "admonition", "attr_list", "def_list", "footnotes", "md_in_html",
                    "tables", "toc", "pymdownx.arithmatex", "pymdownx.details",
                    "pymdownx.superfences", "pymdownx.tabbed"],
        extension_configs={"pymdownx.superfences": {"custom_fences": fences},
                           "pymdownx.tabbed": {"alternate_style": True},
                           "pymdownx.arithmatex": {"generic": True}})
    return md.convert(text)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(DOCS).as_posix())
def test_page_snippets_run(page: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Every executed block of the page runs without an exception."""
    caplog.set_level(logging.WARNING)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph .* missing from")
        _render(page.read_text(encoding="utf-8"))
    problems = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert not problems, "\n\n".join(problems)


@pytest.mark.parametrize("script", DOWNLOADS, ids=lambda p: p.name)
def test_lesson_download_runs(script: Path, tmp_path: Path) -> None:
    """The lesson's code, as a reader downloads it, runs to the end."""
    pytest.importorskip("matplotlib")
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONWARNINGS": "ignore"}
    r = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-4000:]


# ```python title="PyTorch"  followed by  ```text title="PyTorch output"  (possibly indented,
# inside a `!!! torch` admonition).
TORCH_PAIR = re.compile(
    r'^(?P<i>[ \t]*)```python title="PyTorch"\n(?P<code>.*?)^(?P=i)```\n\s*'
    r'^(?P=i)```text title="PyTorch output"\n(?P<out>.*?)^(?P=i)```',
    re.M | re.S)


def torch_examples() -> list:
    out = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for k, m in enumerate(TORCH_PAIR.finditer(text)):
            code = textwrap.dedent(m["code"])
            expected = textwrap.dedent(m["out"])
            rel = page.relative_to(DOCS).as_posix()
            out.append(pytest.param(code, expected, id=f"{rel}#{k}"))
    return out


@pytest.mark.parametrize(("code", "expected"), torch_examples())
def test_same_in_pytorch(code: str, expected: str, tmp_path: Path) -> None:
    """A page's "Same in PyTorch" output is what the pinned PyTorch prints for its code."""
    pytest.importorskip("torch")
    r = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-4000:]
    assert r.stdout.rstrip() == expected.rstrip()
