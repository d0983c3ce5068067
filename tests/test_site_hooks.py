"""The site's build hooks (docs/overrides/hooks.py) on their own: the Korean tab titles and
the plain text that the search previews show for math."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytest.importorskip("mkdocs")

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("site_hooks", ROOT / "docs/overrides/hooks.py")
hooks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hooks)


@pytest.mark.parametrize(("tex", "plain"), [
    (r"\frac{\partial L}{\partial w}", "∂L/∂w"),
    (r"\frac{dL}{dw} = \frac{1}{N} \sum_{i=1}^{N} 2 x_i", "dL/dw = 1/N Σ_(i=1)^N 2 x_i"),
    (r"L(w) = (w x_i - y_i)^{2}", "L(w) = (w x_i - y_i)²"),
    (r"\sigma(z) \cdot (1 - \sigma(z))", "σ(z) · (1 - σ(z))"),
    (r"w_\text{new} = w - \eta \, g", "w_new = w - η g"),
    (r"\hat{y} \approx \bar{x}", "y\u0302 ≈ x\u0304"),
    (r"\left\lVert g \right\rVert", "‖ g ‖"),
    (r"\max(\lvert a \rvert, \tanh x)", "max(| a |, tanh x)"),
    (r"\frac{\frac{a}{b}}{c + d}", "a/b/(c + d)"),
    (r"\begin{aligned} a &= b \\ c &= d \end{aligned}", "a = b; c = d"),
    (r"10\% \text{ of } \{x\}", "10% of x"),
    (r"\sqrt{x + 1}", "√(x + 1)"),
])
def test_plain_math(tex: str, plain: str) -> None:
    assert hooks.plain_math(tex) == plain


def test_search_text_leaves_code_alone() -> None:
    text = (r"<p>The loss \(L = \frac{1}{N}\) and</p> \[ x^{2} \] "
            r"<pre><code>re.sub(r'\(x\)', s)</code></pre> <code>\(y\)</code>")
    assert hooks.search_text(text) == (
        r"<p>The loss L = 1/N and</p> x² <pre><code>re.sub(r'\(x\)', s)</code></pre> "
        r"<code>\(y\)</code>")


def test_korean_tabs() -> None:
    page = ('```python exec="on" source="tabbed-right" session="s"\nprint(1)\n```\n'
            '    ```python exec="on" source="tabbed-left" tabs="A|B"\n    print(2)\n    ```\n'
            '```python exec="on" source="above" result="text"\nprint(3)\n```\n')
    assert hooks.korean_tabs(page) == page.replace(
        'session="s"', 'session="s" tabs="코드|결과"', 1)
