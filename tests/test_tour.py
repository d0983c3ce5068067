"""``python -m tinygrad_lite``: the tour prints the tape, matching gradients, and the way on."""

from __future__ import annotations

import contextlib
import io
import re

from tinygrad_lite.__main__ import main


def _tour() -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main()
    return out.getvalue()


def test_each_gradient_row_names_its_leaf_and_matches_the_finite_difference() -> None:
    rows = re.findall(r"^(\w)\.grad +(-?[\d.]+) +(-?[\d.]+)$", _tour(), re.M)
    assert [r[0] for r in rows] == ["x", "y", "z"]
    assert [float(r[1]) for r in rows] == [-4.0, -4.0, 3.0]  # d((x + y) z) at (-2, 5, -4)
    for _, backward, numeric in rows:
        assert abs(float(backward) - float(numeric)) < 1e-6


def test_the_tape_names_q_and_f_and_the_tour_ends_with_the_textbook() -> None:
    text = _tour()
    assert re.search(r"^3 +q +AddBackward0 +x, y", text, re.M)
    assert re.search(r"^4 +f +MulBackward0 +q, z", text, re.M)
    assert "nox -s serve" in text.splitlines()[-2] and "lesson 1" in text.splitlines()[-1]
