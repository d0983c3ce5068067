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
_Loader.add_constructor("!ENV", lambda loader, node: None)  # mkdocs reads the environment


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


# One Korean word per idea (the glossary's): for each idea that has one, the other words in
# use for it. A page may give one of them once, in parentheses right after the glossary's
# word, as the word a reader may know from elsewhere ("계산 그래프(연산 그래프)"); anywhere
# else it is a second word for the same idea, which the glossary rules out.
KOREAN_TERMS = {
    "변화도 확인": ("기울기 확인", "그래디언트 확인", "경사 확인"),
    "역방향 모드": ("역전파 모드", "리버스 모드", "후진 모드"),
    "순방향 모드": ("순전파 모드", "포워드 모드", "전진 모드"),
    "바꿔치기": ("제자리 연산", "제자리에서", "인플레이스", "인-플레이스"),
    "야코비안 행렬": ("자코비안",),
    "헤시안 행렬": ("헤시언",),
    "가중치 갱신": ("가중치 업데이트",),
    "학습률": ("러닝 레이트", "학습 속도"),
    "연쇄 법칙": ("연쇄법칙", "체인 룰"),
    "자동 미분": ("자동미분", "오토그래드"),
    "옵티마이저": ("최적화기",),
    "에폭": ("에포크",),
    "은닉층": ("히든 레이어", "숨은층", "은닉 계층"),
    "중앙 차분": ("중심 차분",),
    "국소적 미분": ("지역 기울기", "로컬 그래디언트", "국소 미분"),
    "위상 정렬": ("토폴로지 정렬",),
    "경사하강법": ("경사 하강법", "그래디언트 디센트"),
    "계산 그래프": ("연산 그래프",),
}


def test_korean_terms_are_the_glossarys() -> None:
    glossary = (DOCS / "glossary.ko.md").read_text(encoding="utf-8")
    missing = [term for term in KOREAN_TERMS if term not in glossary]
    assert not missing, f"not in docs/glossary.ko.md: {missing}"


def _second_words(text: str) -> list[str]:
    """The words of ``KOREAN_TERMS`` that ``text`` uses for an idea beside the glossary's
    (line breaks count as spaces; one gloss in parentheses after the term is allowed)."""
    text = re.sub(r"\s+", " ", text)
    wrong = []
    for term, others in KOREAN_TERMS.items():
        for other in others:
            glossed = re.search(re.escape(term) + r"\**\s*\(" + re.escape(other), text)
            used = text.count(other) - (glossed is not None)
            if used:
                wrong.append(f"{other!r} for {term!r} ({used} times)")
    return wrong


@pytest.mark.parametrize("page", KOREAN)
def test_korean_page_uses_one_word_per_idea(page: str) -> None:
    wrong = _second_words((DOCS / page).read_text(encoding="utf-8"))
    assert not wrong, f"docs/{page}: " + "; ".join(wrong)


def test_the_term_check_can_fail() -> None:
    """The check on made-up text: a second word fails it, one gloss does not."""
    assert _second_words("기울기 확인을 합니다") == ["'기울기 확인' for '변화도 확인' (1 times)"]
    assert _second_words("**계산\n그래프**(연산 그래프)를 그립니다") == []
    assert len(_second_words("계산 그래프(연산 그래프). 연산 그래프")) == 1
