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


# ----------------------------------------------------------------------------------------
# The tape player
# ----------------------------------------------------------------------------------------
def player_data(element: str) -> dict:
    """The JSON data of a ``viz.tape_player`` element."""
    import html
    import json

    m = re.fullmatch(r'<div class="tl-player" data-tape-player="([^"]*)"></div>', element)
    assert m, element[:80]
    return json.loads(html.unescape(m.group(1)))




def named_program(m, dtype):
    """q is used twice (by v and by g), x twice (by q and by s): adjoints add up."""
    leaves = {k: m.tensor(v, dtype=dtype, requires_grad=True)
              for k, v in (("x", -2.0), ("y", 5.0), ("z", -4.0))}
    q = leaves["x"] + leaves["y"]
    v = q * leaves["z"]
    g = v * q
    s = m.sigmoid(leaves["x"])
    h = s * 2.0
    return {**leaves, "q": q, "v": v, "g": g, "s": s, "h": h, "f": g + h}


def test_tape_player_values_and_adjoints_are_torchs():
    """Every record's value and adjoint, at 15 digits, against torch's float64 (retain_grad
    for the intermediates, .grad for the leaves)."""
    pt = pytest.importorskip("torch")
    ours = named_program(torch, torch.float64)
    theirs = named_program(pt, pt.float64)
    for t in theirs.values():
        if not t.is_leaf:
            t.retain_grad()
    theirs["f"].backward()
    data = player_data(viz.tape_player(ours["f"], digits=15, **ours))
    names = [r["name"] for r in data["records"]]
    assert sorted(names) == sorted(ours)
    for r in data["records"]:
        want = theirs[r["name"]]
        assert float(r["value"]) == pytest.approx(want.item(), rel=1e-13)
        assert float(r["adjoint"]) == pytest.approx(want.grad.item(), rel=1e-13), r["name"]
    assert all(t.grad is None for t in ours.values() if t.is_leaf)  # .grad untouched
    ours["f"].backward()  # and the graph is still whole
    assert ours["x"].grad.item() == pytest.approx(theirs["x"].grad.item(), rel=1e-13)


def test_tape_player_steps_forward_then_reverse_with_fan_out_sums():
    ours = named_program(torch, torch.float64)
    data = player_data(viz.tape_player(ours["f"], digits=15, **ours))
    records, steps = data["records"], data["steps"]
    n = len(records)
    assert [s["phase"] for s in steps[:n]] == ["forward"] * n
    assert [s["record"] for s in steps[:n]] == list(range(n))
    assert steps[n] == {"phase": "seed", "record": n - 1}
    back = steps[n + 1:]
    rules = [r["index"] for r in records if r["op"] is not None]
    assert [s["record"] for s in back] == rules[::-1]  # the Wengert list in reverse
    running: dict[int, float] = {}
    for s in back:
        adjoint = float(records[s["record"]]["adjoint"])
        if s["record"] != n - 1:  # complete before its rule runs
            assert running[s["record"]] == pytest.approx(adjoint, rel=1e-13)
        for term in s["terms"]:
            j, add = term["to"], float(term["add"])
            assert float(term["partial"]) * adjoint == pytest.approx(add, rel=1e-13)
            if j in running:  # fan-out: the contribution adds to what arrived before
                assert float(term["before"]) == pytest.approx(running[j], rel=1e-13)
            else:
                assert term["before"] is None
            running[j] = running.get(j, 0.0) + add
            assert float(term["after"]) == pytest.approx(running[j], rel=1e-13)
    by_name = {r["name"]: r["index"] for r in records}
    fan_in = {}
    for s in back:
        for term in s["terms"]:
            fan_in.setdefault(term["to"], []).append(s["record"])
    assert len(fan_in[by_name["q"]]) == 2 and len(fan_in[by_name["x"]]) == 2
    for r in records:
        if r["index"] != n - 1:
            assert running[r["index"]] == pytest.approx(float(r["adjoint"]), rel=1e-13)


def test_tape_player_chain_rule_of_the_circuit():
    """CS231n's circuit: adjoint of q += adjoint of f × ∂f/∂q = 1 × -4."""
    x, y, z, f = circuit()
    data = player_data(viz.tape_player(f, x=x, y=y, z=z))
    rec = {r["name"]: r for r in data["records"]}
    assert rec["v4"] == {"index": 4, "name": "v4", "op": "MulBackward0", "args": ["v3", "z"],
                         "value": "-12", "grad": True, "adjoint": "1"}
    assert rec["x"]["op"] is None and rec["x"]["args"] == []
    first = data["steps"][6]
    assert first["record"] == 4
    assert first["terms"] == [
        {"to": 3, "partial": "-4", "add": "-4", "before": None, "after": "-4"},
        {"to": 2, "partial": "3", "add": "3", "before": None, "after": "3"}]


def test_tape_player_vectors_constants_and_errors():
    """Vectors: the contribution is a vector-Jacobian product, with no single partial;
    constants are listed but get no adjoint; a tape works as well as a tensor."""
    pt = pytest.importorskip("torch")

    def program(m):
        w = m.tensor([1.0, -2.0, 3.0], dtype=m.float64, requires_grad=True)
        c = m.tensor([0.5, 0.5, 0.5], dtype=m.float64)
        return w, (w * c * w).sum()

    w, loss = program(torch)
    data = player_data(viz.tape_player(torch.tape(loss, w=w)))
    rec = {r["name"]: r for r in data["records"]}
    assert rec["v1"]["grad"] is False and rec["v1"]["adjoint"] is None
    terms = [t for s in data["steps"] if s["phase"] == "backward" for t in s["terms"]]
    assert all(t["partial"] is None for t in terms if t["to"] == 0)
    tw, tloss = program(pt)
    tloss.backward()
    assert rec["w"]["adjoint"] == viz._fmt(tw.grad.numpy(), 4)
    assert [t["to"] for t in terms].count(0) == 2  # w is used twice
    with pytest.raises(RuntimeError, match="does not require grad"):
        viz.tape_player(torch.tensor(1.0))
    with pytest.raises(TypeError):
        viz.tape_player(1.0)
