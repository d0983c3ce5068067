"""tinygrad_lite.viz: pictures of the tape (Mermaid, Markdown, text) and reproducible SVG."""

from __future__ import annotations

import re

import pytest

import tinygrad_lite as torch
from tinygrad_lite import viz


def circuit():
    """CS231n's q = x + y, f = q * z at x = -2, y = 5, z = -4."""
    x = torch.tensor(-2.0, requires_grad=True)
    y = torch.tensor(5.0, requires_grad=True)
    z = torch.tensor(-4.0, requires_grad=True)
    return x, y, z, (x + y) * z


def test_to_mermaid_nodes_edges_and_values():
    x, y, z, f = circuit()
    text = viz.to_mermaid(f, x=x, y=y, z=z)
    assert text.splitlines()[0] == "flowchart LR"
    assert '    n0["x = -2"]:::leaf' in text
    assert '    n3(["AddBackward0<br/>v3 = 3"])' in text
    assert '    n4(["MulBackward0<br/>v4 = -12"]):::out' in text
    edges = re.findall(r"^    (n\d) --> (n\d)$", text, re.M)
    assert sorted(edges) == [("n0", "n3"), ("n1", "n3"), ("n2", "n4"), ("n3", "n4")]
    assert "adjoint" not in text


def test_to_mermaid_adjoints_leave_grad_alone():
    x, y, z, f = circuit()
    text = viz.to_mermaid(f, adjoints=True, x=x, y=y, z=z)
    assert "x = -2<br/>adjoint -4" in text
    assert "z = -4<br/>adjoint 3" in text
    assert "v4 = -12<br/>adjoint 1" in text
    assert x.grad is None and z.grad is None
    f.backward()  # the graph is still whole: a tape backward keeps saved values
    assert x.grad.item() == -4.0


def test_to_mermaid_of_a_tape_and_options():
    x, y, z, f = circuit()
    t = torch.tape(f, x=x, y=y, z=z).backward()
    text = viz.to_mermaid(t, values=False, direction="TB")
    assert text.startswith("flowchart TB")
    assert '["x<br/>adjoint -4"]' in text
    fenced = viz.to_mermaid(t, fence=True)
    assert fenced.startswith("```mermaid\nflowchart LR") and fenced.endswith("\n```")
    with pytest.raises(ValueError, match="direction"):
        viz.to_mermaid(f, direction="sideways")
    with pytest.raises(TypeError):
        viz.to_mermaid(3.0)
    with pytest.raises(TypeError, match="names"):
        viz.to_mermaid(t, x=x)


def test_constants_and_number_inputs():
    x = torch.tensor(-2.0, requires_grad=True)
    h = (x**2 + torch.tensor([1.0, 2.0])).sum()
    text = viz.to_mermaid(h, adjoints=True, x=x)
    assert "PowBackward0 (2)" in text
    assert re.search(r'n\d\["v\d = \[1\., 2\.\] \(2,\)"\]:::const', text)  # no adjoint shown
    assert "x = -2<br/>adjoint -8" in text


def test_labels_are_escaped():
    x = torch.tensor(1.0, requires_grad=True)
    text = viz.to_mermaid(x * 2.0, **{'a"b<c>': x})
    assert 'a#quot;b#lt;c#gt; = 1' in text


def test_tape_mermaid_order_and_reverse_sweep():
    x, y, z, f = circuit()
    text = viz.tape_mermaid(f, x=x, y=y, z=z)
    assert text.startswith("flowchart TB")
    assert "3: v3 = AddBackward0(x, y)<br/>value 3" in text
    assert re.findall(r"^    (n\d) --> (n\d)$", text, re.M) == [
        ("n0", "n1"), ("n1", "n2"), ("n2", "n3"), ("n3", "n4")]
    assert "-.->" not in text
    back = viz.tape_mermaid(f, adjoints=True, x=x, y=y, z=z)
    assert "    n4 -.-> n3" in back and "adjoint -4" in back


def test_tape_markdown_table():
    x, y, z, f = circuit()
    table = viz.tape_markdown(f, adjoints=True, x=x, y=y, z=z)
    lines = table.splitlines()
    assert lines[0] == "| index | name | op | inputs | value | adjoint |"
    assert lines[1] == "|---|---|---|---|---|---|"
    assert lines[5] == "| 3 | `v3` | `AddBackward0` | `x`, `y` | 3 | -4 |"
    assert len(lines) == 2 + 5


def test_graph_text_tree_and_shared_nodes():
    x = torch.tensor(3.0, requires_grad=True)
    a = x * 2.0
    out = a * a
    text = viz.graph_text(out, adjoints=True, x=x)
    assert text.splitlines() == [
        "v2 = MulBackward0(v1, v1) = 36, adjoint 1",
        "├── v1 = MulBackward0(x, 2.0) = 6, adjoint 12",
        "│   └── x (leaf) = 3, adjoint 24",
        "└── v1 (see above)",
    ]


def test_tensor_without_grad():
    t = torch.tensor([1.0, 2.0])
    assert viz.graph_text(t) == "v0 (constant) = [1., 2.]"
    with pytest.raises(RuntimeError, match="does not require grad"):
        viz.to_mermaid(t, adjoints=True)


def test_svg_is_reproducible_inline_text():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def draw() -> str:
        fig, ax = plt.subplots(figsize=(3, 2))
        ax.plot([0, 1, 2], [3, 1, 2], label="손실")
        ax.set_title("loss & <steps>")
        ax.legend()
        return viz.svg(fig, alt='The "loss" falls')

    first, second = draw(), draw()
    assert first == second
    assert first.startswith("<svg") and first.rstrip().endswith("</svg>")
    assert "<?xml" not in first and "<!DOCTYPE" not in first
    assert "dc:date" not in first and "Matplotlib v" not in first
    assert 'class="tl-plot" role="img" aria-label="The &quot;loss&quot; falls"' in first
    assert "<title>The &quot;loss&quot; falls</title>" in first
    assert "손실" in first  # text kept as text, not glyph paths
    assert "\n\n" not in first  # a blank line would end an HTML block in Markdown
    assert plt.get_fignums() == []  # closed
