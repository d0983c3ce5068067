"""MkDocs hooks of the textbook site (listed under ``hooks:`` in mkdocs.yml).

* matplotlib's warnings about Korean glyphs missing from its font are silenced.
* Every lesson (``docs/lessons/*.md``) gets a "tested with" line under its title: the
  tinygrad_lite version that ran its snippets in this build, and the PyTorch version the
  test suite compares every result with (installed here, or pinned in pyproject.toml).
* Korean pages get Korean interface words where an extension writes English ones (the tabs
  of markdown-exec, the headings' "Permanent link", the "PyTorch output" title).
"""

from __future__ import annotations

import json
import re
import unicodedata
import warnings
from importlib import metadata
from pathlib import Path
from typing import Any

from mkdocs.plugins import event_priority

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
    return text + "\n{ .tl-tested data-search-exclude }\n"


def on_config(config: Any) -> Any:
    """Quiet matplotlib's "Glyph missing" warning for Korean labels in plots.

    Plots keep their text as text (``tinygrad_lite.viz.svg``), so the browser draws Korean
    with its own fonts; matplotlib's font only estimates the layout.
    """
    warnings.filterwarnings("ignore", message=r"Glyph .* missing from")
    return config


def _language(page: Any, config: Any) -> str:
    """The language of a page: "en" or "ko"."""
    return getattr(page.file, "locale", None) or config.theme.get("language") or "en"


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Put the "tested with" line under the title of every lesson; on a Korean page, name
    markdown-exec's tabs in Korean."""
    language = _language(page, config)
    if language == "ko":
        markdown = korean_tabs(markdown)
    if not page.file.src_uri.startswith("lessons/"):
        return markdown
    lines = markdown.split("\n")
    for i, line in enumerate(lines):
        if line.startswith("# "):
            lines.insert(i + 1, "\n" + tested_with(language))
            break
    return "\n".join(lines)


# ==== Korean interface (issue 12, item 5) ==================================================

# The tabs of markdown-exec's `source="tabbed-left"` / `"tabbed-right"` (its "Source|Result").
KOREAN_TABS = "코드|결과"
# Interface words that the Markdown extensions write in English, as they appear in the HTML.
# "PyTorch output" stays in the Markdown (tests/test_docs_snippets.py finds the box by it)
# and is shown in Korean.
KOREAN_HTML = {
    'title="Permanent link"': 'title="이 부분의 고유 링크"',
    '<span class="filename">PyTorch output</span>': '<span class="filename">PyTorch 출력</span>',
}
_TABBED_FENCE = re.compile(r'^[ \t]*(`{3,}|~{3,}).*\bsource="tabbed-[^"\n]*".*$', re.M)


def korean_tabs(markdown: str) -> str:
    """Give every markdown-exec fence with tabs (``source="tabbed-*"``) Korean tab titles,
    unless it names its own with ``tabs="..."``."""
    def name(m: re.Match[str]) -> str:
        line = m[0]
        return line if " tabs=" in line else f'{line} tabs="{KOREAN_TABS}"'
    return _TABBED_FENCE.sub(name, markdown)


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    """On a Korean page, the extensions' English interface words in Korean."""
    if _language(page, config) == "ko":
        for english, korean in KOREAN_HTML.items():
            html = html.replace(english, korean)
    return html


# ==== Search: an index per language, previews without LaTeX (issue 12, item 5) =============

# TeX commands in the site's math, as plain text for the search previews (Greek letters are
# found by their Unicode names).
TEX_SYMBOLS = {
    "partial": "∂", "cdot": "·", "times": "×", "sum": "Σ", "prod": "∏", "approx": "≈",
    "in": "∈", "to": "→", "rightarrow": "→", "leftarrow": "←", "gets": "←", "top": "⊤",
    "pm": "±", "dots": "…", "ldots": "…", "cdots": "⋯", "infty": "∞", "nabla": "∇",
    "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "ne": "≠", "neq": "≠", "mid": "|",
    "lVert": "‖", "rVert": "‖", "lvert": "|", "rvert": "|", "varepsilon": "ε", "lambda": "λ",
}
_TEX_SPACE = re.compile(r"\\[,;:! ]|\\q?quad\b|\\(?:left|right|[bB]ig[lr]?)\b|&")
_TEX_WRAPPER = re.compile(r"\\(text|mathrm|mathbf|operatorname|underbrace|hat|bar|sqrt)"
                          r"\{([^{}]*)\}")
_TEX_FRAC = re.compile(r"\\[dt]?frac\{([^{}]*)\}\{([^{}]*)\}")
_TEX_SCRIPT = re.compile(r"([_^])\{([^{}]*)\}")
_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_MATH = re.compile(r"\\\((.*?)\\\)|\\\[(.*?)\\\]", re.S)
_CODE = re.compile(r"(<pre>.*?</pre>|<code>.*?</code>)", re.S)


def _tex_word(name: str) -> str:
    if name in TEX_SYMBOLS:
        return TEX_SYMBOLS[name]
    case = "CAPITAL" if name[0].isupper() else "SMALL"
    try:
        return unicodedata.lookup(f"GREEK {case} LETTER {name.upper()}")
    except KeyError:
        return name  # \log, \max, \tanh: the function's name


def _grouped(text: str) -> str:
    """``text`` in parentheses when it has more than one term."""
    return f"({text})" if re.search(r"[\s+\-−=·×,]", text) else text


def plain_math(tex: str) -> str:
    """A TeX formula as plain text, for a search preview: ``\\frac{\\partial L}{\\partial w}``
    becomes ``∂L/∂w``, ``x^{2}`` becomes ``x²``."""
    text = re.sub(r"\\(begin|end)\{\w+\*?\}", " ", tex)
    text = re.sub(r"\s*\\\\\s*", "; ", text)  # a line break
    text = re.sub(r"\\partial\s*", "∂", text)  # ∂L, not ∂ L
    text = _TEX_SPACE.sub(" ", text)
    marks = {"hat": "\u0302", "bar": "\u0304"}
    while True:
        text, n = _TEX_WRAPPER.subn(
            lambda m: ("√" + _grouped(m[2]) if m[1] == "sqrt" else m[2] + marks.get(m[1], "")),
            text)
        text, k = _TEX_FRAC.subn(lambda m: f"{_grouped(m[1].strip())}/{_grouped(m[2].strip())}",
                                 text)
        if not n + k:
            break
    text = re.sub(r"\\([A-Za-z]+)", lambda m: _tex_word(m[1]), text)
    text = re.sub(r"\\(.)", r"\1", text)  # \% \{ \} \|
    text = _TEX_SCRIPT.sub(lambda m: m[1] + _grouped(m[2].strip()), text)
    text = re.sub(r"\^(\d)", lambda m: m[1].translate(_SUPERSCRIPTS), text)
    text = text.replace("{", "").replace("}", "")
    return re.sub(r"\s+", " ", text).strip()


def search_text(text: str) -> str:
    """A page section's text in the search index with its math (``\\(...\\)`` and
    ``\\[...\\]``, outside code) as plain text."""
    parts = _CODE.split(text)
    for i in range(0, len(parts), 2):  # the even parts are outside <pre> and <code>
        parts[i] = _MATH.sub(lambda m: plain_math(m[1] if m[1] is not None else m[2]),
                             parts[i])
    return "".join(parts)


@event_priority(-110)  # after mkdocs-static-i18n (-100) has written the index of all languages
def on_post_build(config: Any) -> None:
    """Split the search index by language: ``search/search_index.json`` keeps the pages of
    the default language and ``<locale>/search/search_index.json`` those of each other one
    (with addresses relative to its root, where main.html points the Korean pages' search),
    with the math of every preview as plain text."""
    site = Path(config.site_dir)
    path = site / "search" / "search_index.json"
    if not path.exists():
        return
    index = json.loads(path.read_text(encoding="utf-8"))
    i18n = config.plugins.get("i18n")
    others = [lang.locale for lang in i18n.config.languages if not lang.default] if i18n else []
    by_language: dict[str, list[dict[str, Any]]] = {"": []}
    by_language.update({locale: [] for locale in others})
    for doc in index["docs"]:
        doc["text"] = search_text(doc["text"])
        root = doc["location"].split("/")[0]
        if root in others:
            doc["location"] = doc["location"][len(root) + 1:]
            by_language[root].append(doc)
        else:
            by_language[""].append(doc)
    for locale, docs in by_language.items():
        out = site / locale / "search" / "search_index.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({**index, "docs": docs}, ensure_ascii=False,
                                  separators=(",", ":")), encoding="utf-8")
