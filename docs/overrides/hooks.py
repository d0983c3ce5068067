"""MkDocs hooks of the textbook site (listed under ``hooks:`` in mkdocs.yml).

* matplotlib's warnings about Korean glyphs missing from its font are silenced.
* Every lesson (``docs/lessons/*.md``) gets a "tested with" line under its title: the
  tinygrad_lite version that ran its snippets in this build, and the PyTorch version the
  test suite compares every result with (installed here, or pinned in pyproject.toml).
"""

from __future__ import annotations

import re
import warnings
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def _torch_version() -> tuple[str, bool]:
    """(version, installed): torch's version in this environment, else the test suite's pin."""
    try:
        return metadata.version("torch").split("+")[0], True
    except metadata.PackageNotFoundError:
        pass
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    m = re.search(r"^test\s*=\s*\[[^\]]*?[\"']torch\s*==\s*([\w.]+)[\"']", text, re.M | re.S)
    if m:
        return m.group(1), False
    return "?", False


def tested_with(language: str) -> str:
    """The "tested with" line of a lesson, as Markdown, in ``language`` ("en" or "ko")."""
    import tinygrad_lite

    ours = tinygrad_lite.__version__
    torch, installed = _torch_version()
    if language == "ko":
        where = ("이 빌드에 설치된 버전" if installed
                 else "테스트 스위트가 모든 결과를 비교하는 버전, `nox -s tests`")
        text = (f":material-check-decagram: 이 페이지의 모든 코드를 실행한 버전: "
                f"**tinygrad_lite {ours}** · 비교 기준: **PyTorch {torch}** ({where})")
    else:
        where = ("installed in this build" if installed
                 else "the version the test suite compares every result with, `nox -s tests`")
        text = (f":material-check-decagram: Every snippet on this page was run with "
                f"**tinygrad_lite {ours}** · checked against **PyTorch {torch}** ({where})")
    return text + "\n{ .tl-tested }\n"


def on_config(config: Any) -> Any:
    """Quiet matplotlib's "Glyph missing" warning for Korean labels in plots.

    Plots keep their text as text (``tinygrad_lite.viz.svg``), so the browser draws Korean
    with its own fonts; matplotlib's font only estimates the layout.
    """
    warnings.filterwarnings("ignore", message=r"Glyph .* missing from")
    return config


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Put the "tested with" line under the title of every lesson."""
    if not page.file.src_uri.startswith("lessons/"):
        return markdown
    language = getattr(page.file, "locale", None) or config.theme.get("language") or "en"
    lines = markdown.split("\n")
    for i, line in enumerate(lines):
        if line.startswith("# "):
            lines.insert(i + 1, "\n" + tested_with(language))
            break
    return "\n".join(lines)
