"""The site's structure: Korean twins, the nav, lesson conventions, the API reference.

The i18n plugin falls back to the English page where a Korean one is missing, and the build
would not notice; these tests do. Conventions: docs/CONTRIBUTING-lessons.md.
"""

from __future__ import annotations

import re
import types
from pathlib import Path
from typing import Any

import pytest

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
EXCLUDED = {"CONTRIBUTING-lessons.md"}


def _pages() -> list[str]:
    return sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")
                  if p.relative_to(DOCS).as_posix() not in EXCLUDED
                  and "overrides" not in p.relative_to(DOCS).parts)


PAGES = _pages()
ENGLISH = [p for p in PAGES if not p.endswith(".ko.md")]
KOREAN = [p for p in PAGES if p.endswith(".ko.md")]
LESSONS = [p for p in ENGLISH if p.startswith("lessons/")]


class _Loader(yaml.SafeLoader):
    """mkdocs.yml with its !!python/name tags read as plain strings."""


_Loader.add_multi_constructor("tag:yaml.org,2002:python/",
                              lambda loader, suffix, node: f"python/{suffix}")


def _config() -> dict[str, Any]:
    return yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_Loader)


def _nav_files(nav: Any) -> list[str]:
    out: list[str] = []
    if isinstance(nav, str):
        out.append(nav)
    elif isinstance(nav, list):
        for item in nav:
            out += _nav_files(item)
    elif isinstance(nav, dict):
        for value in nav.values():
            out += _nav_files(value)
    return out


@pytest.mark.parametrize("page", ENGLISH)
def test_english_page_has_korean_twin(page: str) -> None:
    assert (DOCS / page.replace(".md", ".ko.md")).exists(), f"write docs/{page[:-3]}.ko.md"


@pytest.mark.parametrize("page", KOREAN)
def test_korean_page_has_english_twin(page: str) -> None:
    assert (DOCS / page.replace(".ko.md", ".md")).exists(), f"docs/{page} has no English page"


def test_nav_lists_every_page_and_only_pages_that_exist() -> None:
    nav = _nav_files(_config()["nav"])
    assert len(nav) == len(set(nav)), "a page is listed twice in the nav"
    missing = sorted(set(ENGLISH) - set(nav))
    assert not missing, f"add these pages to the nav of mkdocs.yml: {missing}"
    absent = [p for p in nav if not (DOCS / p).exists()]
    assert not absent, f"the nav lists pages that do not exist: {absent}"
    lessons = [p for p in nav if p.startswith("lessons/")]
    assert lessons == sorted(lessons), "lessons must be in the nav in chapter order"


def test_nav_sections_are_translated() -> None:
    config = _config()
    titles = [k for item in config["nav"] if isinstance(item, dict) for k in item]
    i18n = next(p["i18n"] for p in config["plugins"] if isinstance(p, dict) and "i18n" in p)
    ko = next(lang for lang in i18n["languages"] if lang["locale"] == "ko")
    untranslated = [t for t in titles if t not in ko.get("nav_translations", {})]
    assert not untranslated, f"add Korean nav_translations for {untranslated}"


SESSION = re.compile(r'^[ \t]*```(?:python|py|pycon)\b[^\n]*\bexec="(?:on|1|true)"[^\n]*$', re.M)


@pytest.mark.parametrize("page", PAGES)
def test_session_names(page: str) -> None:
    """Every executed block names a session of its own page and language."""
    text = (DOCS / page).read_text(encoding="utf-8")
    lang = "ko" if page.endswith(".ko.md") else "en"
    stem = Path(page).name.split(".")[0]
    expected = None
    m = re.match(r"(\d\d)-", stem)
    if page.startswith("lessons/") and m:
        expected = f"lesson{m.group(1)}-{lang}"
    for line in SESSION.findall(text):
        s = re.search(r'\bsession="([^"]+)"', line)
        assert s, f"{page}: an executed block without session=: {line.strip()}"
        name = s.group(1)
        assert name.endswith(f"-{lang}"), f"{page}: session {name!r} must end in -{lang}"
        if expected:
            assert name == expected, f"{page}: session {name!r}, expected {expected!r}"


def test_sessions_are_not_shared_between_pages() -> None:
    owner: dict[str, str] = {}
    for page in PAGES:
        text = (DOCS / page).read_text(encoding="utf-8")
        for name in set(re.findall(r'\bsession="([^"]+)"', text)):
            assert name not in owner, f"session {name!r} is used by {owner[name]} and {page}"
            owner[name] = page


@pytest.mark.parametrize("lesson", LESSONS)
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_lesson_conventions(lesson: str, lang: str) -> None:
    """A lesson has its number in its title, a download, a picture, PyTorch, an exercise."""
    page = lesson if lang == "en" else lesson.replace(".md", ".ko.md")
    stem = Path(lesson).stem
    assert re.fullmatch(r"\d\d-[a-z0-9-]+", stem), f"lesson file name {stem!r}: NN-name.md"
    text = (DOCS / page).read_text(encoding="utf-8")
    number = int(stem[:2])
    if not SESSION.search(text):
        assert re.match(rf"# {number}\. \S", text), f"{page}: the title must start '# {number}. '"
        pytest.skip(f"{page} is a placeholder (no executed snippet yet)")
    assert re.match(rf"# {number}\. \S", text), f"{page}: the title must start '# {number}. '"
    assert f"](code/{stem}.py)" in text, f"{page}: link the download (code/{stem}.py)"
    assert (DOCS / "lessons" / "code" / f"{stem}.py").exists(), f"write lessons/code/{stem}.py"
    assert ("```mermaid" in text or "viz.to_mermaid" in text or "viz.tape_mermaid" in text
            or "viz.svg(" in text), f"{page}: at least one picture (Mermaid or a plot)"
    assert re.search(r'^!!! torch "', text, re.M), f'{page}: a `!!! torch "..."` box'
    assert re.search(r'^\?\?\? note "', text, re.M), f'{page}: an exercise answer in ??? note'


def test_api_reference_names_every_public_name() -> None:
    """Every public name of tinygrad_lite is documented somewhere under docs/reference/."""
    import tinygrad_lite

    text = "\n".join(p.read_text(encoding="utf-8") for p in (DOCS / "reference").glob("*.md")
                     if not p.name.endswith(".ko.md"))
    documented = set(re.findall(r"tinygrad_lite\.(\w+)", text))
    junk = {"Any", "annotations", "engine", "ops", "cuda"}
    public = {n for n in tinygrad_lite.__all__
              if n not in junk and not isinstance(getattr(tinygrad_lite, n), types.ModuleType)}
    missing = sorted(public - documented)
    assert not missing, f"document these in docs/reference/tinygrad_lite.md: {missing}"
    for module in ("nn", "nn.functional", "optim", "autograd", "tape", "viz"):
        assert f"::: tinygrad_lite.{module}\n" in text, f"no API page for tinygrad_lite.{module}"
