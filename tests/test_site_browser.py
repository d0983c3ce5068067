"""The built site in a real browser: `nox -s browser` (builds site/ first).

Playwright drives Debian's chromium (`apt-get install -y chromium`; never `playwright install`).
Every page loads with no console error and no request to any host but the local server, every
Mermaid diagram is drawn as SVG, the math is typeset, search works in both languages and the
language switch leads to the Korean page. Skipped when site/, chromium or playwright is missing.
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

playwright_api = pytest.importorskip("playwright.sync_api")

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "site"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage"]
# Material renders Mermaid into a *closed* shadow root: open it so the test can look inside.
OPEN_SHADOW = ("const o = Element.prototype.attachShadow;"
               "Element.prototype.attachShadow = function (i) {"
               " return o.call(this, {...i, mode: 'open'}); };")

pytestmark = [
    pytest.mark.skipif(not (SITE / "index.html").exists(),
                       reason="no site/: run `mkdocs build --strict` (nox -s browser does)"),
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason="no chromium: apt-get install -y chromium"),
]


def _pages() -> list[str]:
    """The address of every page of the built site, relative to its root."""
    if not SITE.exists():
        return []
    out = []
    for f in sorted(SITE.rglob("index.html")):
        rel = f.parent.relative_to(SITE).as_posix()
        if rel.split("/")[-1] in {"search", "assets"}:
            continue
        out.append("" if rel == "." else rel + "/")
    return out


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Watched:
    """A page with its console errors, page errors and requests to other hosts recorded."""

    def __init__(self, browser: Any, base: str, color_scheme: str = "light") -> None:
        self.context = browser.new_context(color_scheme=color_scheme)
        self.page = self.context.new_page()
        self.page.add_init_script(OPEN_SHADOW)
        self.errors: list[str] = []
        self.foreign: set[str] = set()
        local = urlsplit(base).hostname
        self.page.on("request", lambda r: self._request(r.url, local))
        self.page.on("console", self._console)
        self.page.on("response", self._response)
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))

    def _request(self, url: str, local: str | None) -> None:
        parts = urlsplit(url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname != local:
            self.foreign.add(url)

    def _response(self, response: Any) -> None:
        if response.status >= 400:  # a missing file the page asked for
            self.errors.append(f"HTTP {response.status}: {response.url}")

    def _console(self, msg: Any) -> None:
        if msg.type != "error":
            return
        url = (msg.location or {}).get("url", "")
        self.errors.append(f"console: {msg.text} ({url})")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def watched(browser: Any, base: str) -> Iterator[Watched]:
    w = Watched(browser, base)
    yield w
    w.close()


@pytest.mark.parametrize("path", _pages())
def test_page_loads_cleanly(path: str, watched: Watched, base: str) -> None:
    """No console error, nothing fetched from another host, diagrams and math drawn."""
    page = watched.page
    page.goto(f"{base}/{path}", wait_until="load")
    diagrams = page.locator("div.mermaid, pre.mermaid").count()
    if diagrams:
        page.wait_for_function(
            f"document.querySelectorAll('div.mermaid').length === {diagrams} && "
            "[...document.querySelectorAll('div.mermaid')]"
            ".every(d => d.shadowRoot && d.shadowRoot.querySelector('svg'))",
            timeout=20000)
        svg_text = page.locator("div.mermaid svg").first.text_content() or ""
        assert svg_text.strip(), "a Mermaid diagram drew an empty picture"
    if page.locator(".arithmatex").count():
        page.locator(".arithmatex .katex").first.wait_for(timeout=10000)
    page.wait_for_load_state("networkidle")
    assert not watched.errors, "\n".join(watched.errors)
    assert not watched.foreign, f"requests to other hosts: {sorted(watched.foreign)}"


def _search(page: Any, query: str) -> Any:
    page.locator("input.md-search__input").click()
    # Korean arrives from an input method as composed text, not key by key: insert it like
    # an IME commit, then press a key so the search box sees a keyup.
    page.keyboard.insert_text(query)
    page.keyboard.press("End")
    results = page.locator(".md-search-result__item")
    results.first.wait_for(timeout=10000)
    return results


def test_search_finds_backward(watched: Watched, base: str) -> None:
    page = watched.page
    page.goto(f"{base}/")
    results = _search(page, "backward")
    assert "backward" in results.first.inner_text().lower()


def test_korean_search_finds_words_with_particles(watched: Watched, base: str) -> None:
    """역전파 finds 역전파를 (the particle 를 attached): Korean words carry particles."""
    page = watched.page
    page.goto(f"{base}/ko/")
    assert page.locator("html").get_attribute("lang") == "ko"
    results = _search(page, "역전파")
    page.wait_for_timeout(500)
    texts = "\n".join(results.all_inner_texts())
    assert "역전파" in texts
    marked = page.locator(".md-search-result mark").all_inner_texts()
    assert any(re.fullmatch(r"역전파\w+", m) for m in marked), (
        f"no result shows 역전파 with a particle attached; marked: {marked[:20]}")


def test_language_switch_reaches_korean_page(watched: Watched, base: str) -> None:
    page = watched.page
    page.goto(f"{base}/lessons/01-derivatives-by-hand/")
    page.locator(".md-header__option .md-select").first.hover()
    page.locator('a.md-select__link[hreflang="ko"]').click()
    page.wait_for_url("**/ko/lessons/01-derivatives-by-hand/")
    assert page.locator("html").get_attribute("lang") == "ko"
    assert "손으로 구하는 도함수" in page.locator("h1").first.inner_text()
    report = page.locator(".tl-report a").first
    assert report.inner_text() == "이 페이지의 오류 신고하기"
    href = report.evaluate("a => a.href")
    assert href.endswith("/ko/faq/#report-a-mistake"), href


def test_dark_mode_keeps_diagrams_and_plots_readable(browser: Any, base: str) -> None:
    """In the dark scheme the diagrams still draw and plots keep their white card."""
    w = Watched(browser, base, color_scheme="dark")
    try:
        page = w.page
        page.goto(f"{base}/lessons/01-derivatives-by-hand/")
        assert page.locator("body").get_attribute("data-md-color-scheme") == "slate"
        page.locator("div.mermaid svg").first.wait_for(timeout=20000)
        plot = page.locator("svg.tl-plot").first
        plot.wait_for(state="attached")
        background = plot.evaluate("e => getComputedStyle(e).backgroundColor")
        assert background == "rgb(255, 255, 255)"
        assert not w.errors, "\n".join(w.errors)
    finally:
        w.close()


# ---- The tape player (tinygrad_lite.viz.tape_player, docs/javascripts/tape-player.js) ----
def _lesson02() -> tuple[Any, dict[str, Any]]:
    import tinygrad_lite as tl

    x = tl.tensor(-2.0, requires_grad=True)
    y = tl.tensor(5.0, requires_grad=True)
    z = tl.tensor(-4.0, requires_grad=True)
    q = x + y
    f = q * z
    return f, {"x": x, "y": y, "z": z, "q": q, "f": f}


def _lesson03() -> tuple[Any, dict[str, Any]]:
    import tinygrad_lite as tl

    t = {k: tl.tensor(v, requires_grad=True)
         for k, v in (("w0", 2.0), ("x0", -1.0), ("w1", -3.0), ("x1", -2.0), ("w2", -3.0))}
    out = tl.sigmoid(t["w0"] * t["x0"] + t["w1"] * t["x1"] + t["w2"])
    return out, {**t, "out": out}


def _lesson04() -> tuple[Any, dict[str, Any]]:
    import tinygrad_lite as tl

    a = tl.tensor(1.0, requires_grad=True)
    b = a + a
    c = b * 3
    d = b * b
    e = c + d
    return e, {"a": a, "b": b, "c": c, "d": d, "e": e}


def _home() -> tuple[Any, dict[str, Any]]:
    import tinygrad_lite as tl

    u = tl.tensor(3.0, requires_grad=True)
    w = tl.tensor(-1.5, requires_grad=True)
    h = u * w + u * u
    return h, {"u": u, "w": w, "h": h}


# Each page's example, built here again: the expected numbers come from the library's tape.
PLAYERS = {"lessons/02-computational-graphs/": _lesson02,
           "lessons/03-gates-and-patterns/": _lesson03,
           "lessons/04-wengert-list/": _lesson04, "": _home}
PLAYER_LABELS = {"en": ["Reset", "Previous", "Play", "Next"],
                 "ko": ["처음으로", "이전", "재생", "다음"]}


def test_every_tape_player_is_stepped_through() -> None:
    """Each page of the built site that has a player is one of PLAYERS, in both languages."""
    found = {f.parent.relative_to(SITE).as_posix() + "/"
             for f in SITE.rglob("index.html")
             if "<div class=\"tl-player\" data-tape-player=" in f.read_text(encoding="utf-8")}
    found = {"" if p == "./" else p for p in found}
    expected = {p for path in PLAYERS for p in (path, "ko/" + path)}
    assert found == expected


def _expected_tape(example: Any) -> Any:
    import tinygrad_lite as tl

    out, names = example()
    return tl.tape(out, **names).backward()


def _number(text: str) -> float | None:
    return float(text) if text.strip() else None


def _table(player: Any) -> list[tuple[str, float | None, float | None]]:
    """Each row of the player's table: (formula, value shown, adjoint shown)."""
    rows = player.locator("tbody tr").evaluate_all(
        "rows => rows.map(r => [r.cells[1].innerText, r.cells[2].innerText, r.cells[3].innerText])")
    return [(f, _number(v), _number(a)) for f, v, a in rows]


def _current(player: Any) -> int | None:
    cur = player.locator('tbody tr[aria-current="step"]')
    return int(cur.get_attribute("data-record")) if cur.count() else None


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("path", list(PLAYERS))
def test_tape_player_steps_through_the_tape(path: str, lang: str, watched: Watched,
                                            base: str) -> None:
    """Forward, each record's value appears in order; backward, each record is current in
    reverse order with its adjoint complete; at the end every adjoint is the tape's."""
    tape = _expected_tape(PLAYERS[path])
    values = [r.value.item() for r in tape.records]
    adjoints = [None if r.adjoint is None else float(r.adjoint) for r in tape.records]
    page = watched.page
    page.goto(f"{base}/{'ko/' if lang == 'ko' else ''}{path}")
    player = page.locator("[data-tape-player]").first
    player.locator("button").first.wait_for()
    assert player.locator("button").all_inner_texts() == PLAYER_LABELS[lang]
    assert [f.split(" ")[0] for f, _, _ in _table(player)] == [r.name for r in tape.records]
    nxt = player.locator('button[data-action="next"]')
    n = len(tape.records)
    for k in range(n):  # forward: record k's value appears, later ones are still blank
        nxt.click()
        rows = _table(player)
        assert _current(player) == k
        for i, (_, shown, adj) in enumerate(rows):
            if i <= k:
                assert shown == pytest.approx(values[i], rel=1e-3, abs=1e-4), (k, i)
            else:
                assert shown is None, (k, i)
            assert adj is None
    visited = []
    while not nxt.is_disabled():  # backward: the seed, then the rules newest first
        nxt.click()
        i = _current(player)
        visited.append(i)
        assert _table(player)[i][2] == pytest.approx(adjoints[i], rel=1e-3, abs=1e-4)
    rules = [r.index for r in tape.records if r.op != "input"]
    assert visited == [n - 1] + rules[::-1]
    for (_, _, shown), want in zip(_table(player), adjoints):
        assert shown == (None if want is None else pytest.approx(want, rel=1e-3, abs=1e-4))
    assert not watched.errors, "\n".join(watched.errors)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_tape_player_writes_the_chain_rule(lang: str, watched: Watched, base: str) -> None:
    """Lesson 2's first backward rule, written out in the page's language, in the live
    region; the fan-out sum of lesson 4 (b gets 2 + 2 from d = b * b, then 4 + 3 from c)."""
    page = watched.page
    prefix = "ko/" if lang == "ko" else ""
    page.goto(f"{base}/{prefix}lessons/02-computational-graphs/")
    player = page.locator("[data-tape-player]").first
    live = player.locator('[aria-live="polite"]')
    for _ in range(7):  # 5 forward steps, the seed, the rule of f = q * z
        player.locator('button[data-action="next"]').click()
    want = {"en": "adjoint of q += adjoint of f × ∂f/∂q = 1 × -4 = -4",
            "ko": "q의 adjoint += f의 adjoint × ∂f/∂q = 1 × -4 = -4"}[lang]
    assert want in live.inner_text()
    page.goto(f"{base}/{prefix}lessons/04-wengert-list/")
    player = page.locator("[data-tape-player]").first
    for _ in range(9):  # 5 forward, the seed, e's rule, d's rule (2 + 2), c's rule (4 + 3)
        player.locator('button[data-action="next"]').click()
    text = player.locator('[aria-live="polite"]').inner_text()
    assert "4 + 3 = 7" in text, text
    assert _table(player)[1][2] == 7.0  # b's adjoint so far, bold as just received
    weight = player.locator("tbody tr").nth(1).locator("td").nth(3).evaluate(
        "c => getComputedStyle(c).fontWeight")
    assert weight == "700"


def test_tape_player_keyboard_and_play(watched: Watched, base: str) -> None:
    """Arrow keys step when the player has focus, Home and End jump; Play advances on its
    own and pauses; buttons are disabled where they cannot act."""
    tape = _expected_tape(_lesson02)
    total = len(tape.records) + 1 + sum(r.op != "input" for r in tape.records)
    page = watched.page
    page.goto(f"{base}/lessons/02-computational-graphs/")
    player = page.locator("[data-tape-player]").first
    counter = player.locator(".tl-player__counter")
    assert player.evaluate("p => p.tagName") == "DIV"
    assert player.locator("button").evaluate_all("bs => bs.every(b => b.type === 'button')")
    assert player.locator('button[data-action="prev"]').is_disabled()
    player.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert counter.inner_text() == f"Step 3 of {total}"
    page.keyboard.press("ArrowLeft")
    assert counter.inner_text() == f"Step 2 of {total}"
    page.keyboard.press("End")
    assert counter.inner_text() == f"Step {total} of {total}"
    assert player.locator('button[data-action="next"]').is_disabled()
    assert "x.grad = -4, y.grad = -4, z.grad = 3" in player.inner_text()
    player.locator('button[data-action="next"]').evaluate("b => b.blur()")
    player.locator('button[data-action="prev"]').focus()  # keys work from a button too
    page.keyboard.press("Home")
    assert counter.inner_text() == f"Step 0 of {total}"
    play = player.locator('button[data-action="play"]')
    play.click()
    assert play.get_attribute("aria-pressed") == "true" and play.inner_text() == "Pause"
    page.wait_for_function(
        "c => c.textContent.startsWith('Step 1 ')", arg=counter.element_handle(), timeout=5000)
    play.click()
    assert play.get_attribute("aria-pressed") == "false" and play.inner_text() == "Play"
    stopped = counter.inner_text()
    page.wait_for_timeout(1600)
    assert counter.inner_text() == stopped
    player.locator('button[data-action="reset"]').click()
    assert counter.inner_text() == f"Step 0 of {total}"
    assert not watched.errors, "\n".join(watched.errors)


def test_tape_player_in_dark_mode_uses_the_theme(browser: Any, base: str) -> None:
    """In the dark scheme the player's text takes the theme's light foreground colour."""
    w = Watched(browser, base, color_scheme="dark")
    try:
        page = w.page
        page.goto(f"{base}/ko/lessons/04-wengert-list/")
        player = page.locator("[data-tape-player]").first
        player.locator("button").first.wait_for()
        player.locator('button[data-action="next"]').click()
        colours = player.evaluate(
            "p => [getComputedStyle(document.querySelector('.md-typeset')).color,"
            " getComputedStyle(p.querySelector('.tl-player__value')).color,"
            " getComputedStyle(p.querySelector('.tl-player__explain')).color]")
        assert colours[1] == colours[0] and colours[2] == colours[0], colours
        r, g, b = (int(v) for v in re.findall(r"\d+", colours[0])[:3])
        assert min(r, g, b) > 150, f"not a light text colour in dark mode: {colours[0]}"
        assert not w.errors, "\n".join(w.errors)
    finally:
        w.close()
# ---- end of the tape player ----

# ==== Readable pictures and outputs (issue 12, item 1) ====================================

WIDTHS = [1280, 390]  # a desktop and a phone
MIN_TEXT_PX = 11
# Lays out everything (every tab shown, every fold open), then measures what a reader sees:
# the size of each piece of diagram text as drawn (its font size times the scale the diagram
# is drawn at), each output block whose lines are wider than the block (cut at its edge) and
# each display equation that is wider than its block without scrolling, or runs off the screen,
# and whether the page itself is wider than the screen.
MEASURE = """() => {
  for (const d of document.querySelectorAll("details")) d.open = true;
  const style = document.createElement("style");
  style.textContent = ".tabbed-set > .tabbed-content > .tabbed-block { display: block !important }";
  document.head.append(style);
  const hosts = [...document.querySelectorAll("div.mermaid")];
  const out = { diagrams: hosts.length, diagramText: [], outputs: 0, cut: [], math: [] };
  const snippet = el => JSON.stringify(el.textContent.trim().slice(0, 40));
  for (const [k, host] of hosts.entries()) {
    for (const el of host.shadowRoot.querySelectorAll("svg *")) {
      const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
      const box = el.getBoundingClientRect();
      if (!own || !box.width || !box.height) continue;
      const m = (el.closest("foreignObject") || el.closest("text")).getScreenCTM();
      const px = parseFloat(getComputedStyle(el).fontSize) * Math.hypot(m.a, m.b);
      out.diagramText.push([px, `diagram ${k + 1}, ${snippet(el)}`]);
    }
  }
  for (const code of document.querySelectorAll(".language-text pre > code")) {
    if (!code.clientWidth) continue;
    out.outputs += 1;
    if (code.scrollWidth > code.clientWidth + 1)
      out.cut.push(`${snippet(code)}: ${code.scrollWidth} px of lines in ${code.clientWidth} px`);
  }
  for (const math of document.querySelectorAll(".katex-display")) {
    const box = math.getBoundingClientRect();
    if (!box.width) continue;
    const scrolls = [math, math.parentElement].some(
      e => ["auto", "scroll"].includes(getComputedStyle(e).overflowX));
    if ((math.scrollWidth > math.clientWidth + 1 && !scrolls) || box.right > innerWidth + 1)
      out.math.push(`${snippet(math)}: ${math.scrollWidth} px in ${math.clientWidth} px`);
  }
  out.pageWidth = [document.documentElement.scrollWidth, innerWidth];
  return out;
}"""


def _drawn(page: Any) -> None:
    """Wait until every Mermaid diagram of the page is an SVG."""
    if page.locator("div.mermaid, pre.mermaid").count():
        page.wait_for_function(
            "[...document.querySelectorAll('div.mermaid, pre.mermaid')]"
            ".every(d => d.shadowRoot && d.shadowRoot.querySelector('svg'))", timeout=20000)


@pytest.mark.parametrize("path", _pages())
def test_pictures_and_outputs_readable(path: str, browser: Any, base: str) -> None:
    """At a desktop's and a phone's width, no diagram text is drawn under 11 px (a wide
    graph scrolls instead of shrinking), no output line is cut at its block's edge (outputs
    wrap) and display math that is too wide scrolls inside its block."""
    context = browser.new_context(viewport={"width": WIDTHS[0], "height": 900})
    try:
        page = context.new_page()
        page.add_init_script(OPEN_SHADOW)
        page.goto(f"{base}/{path}", wait_until="load")
        _drawn(page)
        if page.locator(".arithmatex").count():
            page.locator(".arithmatex .katex").first.wait_for(timeout=10000)
        for width in WIDTHS:  # one load, measured at each width
            page.set_viewport_size({"width": width, "height": 900})
            page.evaluate("() => new Promise(r => requestAnimationFrame(() => r()))")
            _check_readable(page.evaluate(MEASURE), f"{path} at {width} px")
    finally:
        context.close()


def _check_readable(got: dict[str, Any], where: str) -> None:
    small = [f"{text} at {px:.1f} px" for px, text in got["diagramText"] if px < MIN_TEXT_PX]
    assert not small, f"{where}: diagram text too small to read:\n" + "\n".join(small)
    assert not got["cut"], f"{where}: output lines cut at the block's edge:\n" + "\n".join(
        got["cut"])
    assert not got["math"], f"{where}: display math cut off:\n" + "\n".join(got["math"])
    wide, screen = got["pageWidth"]
    assert wide <= screen + 1, f"{where}: the page is {wide} px wide, wider than the screen"
    if "lessons/" in where:  # every lesson prints outputs: they must be found to be measured
        assert got["outputs"], f"{where}: no output block (.language-text) found"
    assert got["diagramText"] or not got["diagrams"], f"{where}: no text found in its diagrams"


# ==== end: readable pictures and outputs ==================================================


# ==== Korean interface and search per language (issue 12, item 5) ========================

# English interface words that the theme or an extension would show on a Korean page.
ENGLISH_UI = {"Source", "Result", "Permanent link", "Dark mode", "Light mode", "PyTorch output"}
# The boilerplate first line of every lesson, in both languages.
TESTED_WITH = ("Every snippet on this page was run", "이 페이지의 모든 코드를 실행한 버전")


def _interface_words(page: Any) -> list[str]:
    """The tooltips, labels and code-block titles of the page (all but the prose)."""
    return page.evaluate("""() => [
      ...[...document.querySelectorAll("[title], [aria-label]")].flatMap(
        e => [e.getAttribute("title"), e.getAttribute("aria-label")]),
      ...[...document.querySelectorAll("label, .filename")].map(e => e.textContent.trim()),
    ].filter(Boolean)""")


def test_korean_pages_have_a_korean_interface(watched: Watched, base: str) -> None:
    """The tabs of markdown-exec, the dark-mode toggle, the headings' links and the "PyTorch
    output" title are in Korean on a Korean page (and still in English on the English one)."""
    page = watched.page
    page.goto(f"{base}/ko/lessons/07-weight-updates/")
    words = _interface_words(page)
    assert not ENGLISH_UI & set(words), sorted(ENGLISH_UI & set(words))
    for korean in ("코드", "결과", "다크 모드로 전환", "이 부분의 고유 링크", "PyTorch 출력"):
        assert korean in words, f"{korean!r} not among the page's interface words"
    page.goto(f"{base}/lessons/07-weight-updates/")
    assert {"Source", "Result", "Dark mode", "Permanent link", "PyTorch output"} <= set(
        _interface_words(page))


def test_no_korean_page_shows_english_interface_words() -> None:
    """Every built Korean page, read as HTML: none of the English interface words."""
    patterns = [r'title="Permanent link"', r'title="(Dark|Light) mode"',
                r"<label[^>]*>(Source|Result)</label>", r'"filename">PyTorch output<']
    found = []
    for f in sorted((SITE / "ko").rglob("index.html")):
        html = f.read_text(encoding="utf-8")
        found += [f"{f.relative_to(SITE)}: {p}" for p in patterns if re.search(p, html)]
    assert not found, "\n".join(found)


def _result_links(page: Any) -> list[str]:
    page.wait_for_timeout(500)  # let the list fill in
    return page.locator(".md-search-result__link").evaluate_all("a => a.map(e => e.href)")


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_search_lists_pages_of_the_page_language(lang: str, watched: Watched, base: str) -> None:
    """"backward" searched on a Korean page lists Korean pages only, on an English page
    English pages only; the result links lead to pages that exist."""
    page = watched.page
    root = f"{base}/" if lang == "en" else f"{base}/ko/"
    page.goto(f"{root}lessons/02-computational-graphs/")
    _search(page, "backward")
    links = _result_links(page)
    assert links
    korean = [u for u in links if u.startswith(f"{base}/ko/")]
    assert korean == (links if lang == "ko" else []), links
    assert any("/lessons/" in u for u in links), links
    first = links[0].split("#")[0].split("?")[0]
    assert page.request.get(first).ok, first


def test_search_previews_are_plain_text(watched: Watched, base: str) -> None:
    """Previews show no raw LaTeX and do not open with the "tested with" line."""
    page = watched.page
    for root, query in ((f"{base}/", "derivative"), (f"{base}/ko/", "도함수")):
        page.goto(root)
        _search(page, query)
        page.wait_for_timeout(500)
        previews = page.locator(".md-search-result__article").all_inner_texts()
        assert previews
        raw = [p[:80] for p in previews if re.search(r"\\[(\[a-zA-Z]", p)]
        assert not raw, f"raw LaTeX in search previews: {raw}"
        boiler = [p[:80] for p in previews if any(t in p for t in TESTED_WITH)]
        assert not boiler, f"previews with the 'tested with' line: {boiler}"


def test_search_indexes_hold_plain_text_of_one_language() -> None:
    """The built indexes: one per language, no page of the other language in it, no LaTeX
    outside code and no "tested with" line in any entry."""
    import json

    indexes = {"en": SITE / "search" / "search_index.json",
               "ko": SITE / "ko" / "search" / "search_index.json"}
    for lang, path in indexes.items():
        docs = json.loads(path.read_text(encoding="utf-8"))["docs"]
        assert docs, path
        assert not [d["location"] for d in docs if d["location"].startswith("ko/")]
        for d in docs:
            prose = re.sub(r"<pre>.*?</pre>|<code>.*?</code>", "", d["text"], flags=re.S)
            assert not re.search(r"\\[(\[]|\\frac|\\partial", prose), (lang, d["location"])
            assert not any(t in d["text"] for t in TESTED_WITH), (lang, d["location"])
    ko_titles = {d["title"] for d in json.loads(indexes["ko"].read_text("utf-8"))["docs"]}
    assert "1. 손으로 구하는 도함수" in ko_titles
    assert "1. Derivatives by hand" not in ko_titles


# ==== end: Korean interface and search per language ======================================
