"""The differential fuzzer (tests/fuzz_programs.py): random programs agree on both libraries.

``test_random_programs_agree`` is the fuzzer itself, under hypothesis (derandomized, so CI
draws the same programs every run); on a failure it prints the shrunk program as source that
runs with ``import torch`` or ``import tinygrad_lite as torch``. The other tests check the
fuzzer: it reports nothing when torch runs against itself, its programs are mostly valid, its
reports can be pasted, and it catches a planted bug.

``FUZZ_EXAMPLES=1000`` draws more programs; ``FUZZ_DISABLE=version,is_view`` compares less;
``FUZZ_SKIP_OPS=narrow,unbind`` writes less (see tests/fuzz_programs.py).
"""

from __future__ import annotations

import os
import random
import types
from typing import Any

import fuzz_programs as fp
import pytest
from hypothesis import HealthCheck, given, note, settings

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.fuzz

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "300"))


def _random_programs(n: int, seed: int = 0) -> list[fp.Program]:
    return [fp.generate(fp.RandomChooser(random.Random(seed * 10**6 + i)), set(fp.OPS))
            for i in range(n)]


# Every feature compared; `nox -s fuzz -- --programs N` runs more programs than CI does.
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(program=fp.programs())
def test_random_programs_agree(program: fp.Program) -> None:
    result = fp.run_program(program)
    if not result.ok:
        note(result.report())
        pytest.fail("\n" + result.report(), pytrace=False)


def test_torch_agrees_with_itself() -> None:
    """No false alarms: identity, warn-once warnings, messages and values are stable."""
    for program in _random_programs(80, seed=1):
        result = fp.run_program(program, fp.ALL_FEATURES, libs=(torch, torch))
        assert result.ok, "\n" + result.report()


def test_programs_are_mostly_valid_torch_programs() -> None:
    """Most programs run to the end on torch; a few raise where torch means to."""
    programs = _random_programs(150, seed=2)
    clean = sum(not fp.run_program(p, libs=(torch, torch)).torch_errors for p in programs)
    assert clean >= 0.6 * len(programs), clean
    kinds = {s.kind.split(" ")[0] for p in programs for s in p.statements}
    assert {"leaf", "op", "view", "inplace", "retain_grad", "loss", "backward"} <= kinds


def test_every_op_is_written() -> None:
    programs = _random_programs(150, seed=3)
    text = "\n".join(p.source() for p in programs)
    for needle in (".narrow(", ".unbind(0)", ".diagonal()", ".select(", ".expand(", ".data",
                   ".detach()", ".t()", ".T", ".transpose(", ".view(", ".reshape(", "[..., None]",
                   ".add_(", ".sub_(", ".mul_(", ".div_(", "+=", "-=", "*=", "/=", ".pow_(",
                   ".clamp_(", ".relu_()", ".sigmoid_()", ".tanh_()", ".exp_()", ".zero_()",
                   ".fill_(", ".copy_(", "] = ", "torch.no_grad()", "retain_graph=True", " @ ",
                   ".sum(", ".mean(", ".clone()", "retain_grad()", ".grad"):
        assert needle in text, needle


def test_report_is_a_program_both_libraries_run() -> None:
    """The report runs as a whole, with torch or tinygrad_lite, as it did statement by
    statement (the first error is the same one)."""
    for program in _random_programs(40, seed=4):
        result = fp.run_program(program, libs=(torch, torch))
        source = result.report()
        ns: dict[str, Any] = {}
        try:
            exec(compile(source, "<report>", "exec"), ns)  # noqa: S102
            error = None
        except Exception as e:
            error = (type(e).__name__, fp.normalize(str(e)))
        assert error == (result.torch_errors[0][1] if result.torch_errors else None), source
        compile(source.replace("import torch ", "import tinygrad_lite as torch "), "<r>", "exec")


def _perturbed_torch() -> types.ModuleType:
    """torch, except that ``torch.tensor`` adds 1e-3 to every value."""
    module = types.ModuleType("perturbed_torch")
    module.__getattr__ = lambda name: getattr(torch, name)  # type: ignore[method-assign]

    def tensor(data: Any, **kw: Any) -> Any:
        return torch.tensor(data, **kw).detach().add(1e-3).requires_grad_(
            kw.get("requires_grad", False))

    module.tensor = tensor  # type: ignore[attr-defined]
    return module


def test_a_planted_bug_is_caught_and_features_switch_off() -> None:
    program = fp.Program([
        fp.Stmt("a = torch.tensor([0.5, 1.0], dtype=torch.float64, requires_grad=True)", "leaf"),
        fp.Stmt("t1 = a.exp()", "op exp"),
        fp.Stmt("loss = t1.sum()", "loss"),
        fp.Stmt("loss.backward()", "backward"),
    ])
    result = fp.run_program(program, fp.ALL_FEATURES, libs=(torch, _perturbed_torch()))
    assert {(m.feature, m.name) for m in result.mismatches} == {
        ("values", "a"), ("values", "t1"), ("values", "loss"), ("grad", "a")}
    assert "values differs after `leaf`" in result.categories()
    assert "a = torch.tensor([0.5, 1.0]" in result.report()
    quiet = fp.ALL_FEATURES - {"values", "grad"}
    assert fp.run_program(program, quiet, libs=(torch, _perturbed_torch())).ok


def test_a_statement_that_raises_on_one_side_only_stops_both() -> None:
    program = fp.Program([
        fp.Stmt("a = torch.tensor([0.5, 1.0])", "leaf"),
        fp.Stmt("b = torch.no_such_function(a)", "op"),
        fp.Stmt("c = a + 1", "op +"),
    ])
    module = types.ModuleType("torch_with_one_more_function")
    module.__getattr__ = lambda name: getattr(torch, name)  # type: ignore[method-assign]
    module.no_such_function = lambda t: t * 2  # type: ignore[attr-defined]
    result = fp.run_program(program, fp.ALL_FEATURES, libs=(torch, module))
    assert result.steps_run == 2
    assert [(m.step, m.feature) for m in result.mismatches] == [(1, "raises")]
    assert result.categories() == ["raises at `op`: torch AttributeError: module 'torch' has no "
                                   "attribute 'no_such_function' | tinygrad_lite OK"]
    both = fp.run_program(program, fp.ALL_FEATURES, libs=(torch, torch))
    assert both.ok and both.steps_run == 2  # the same error on both sides: agreed, stopped


def test_minimize_keeps_the_category() -> None:
    program = fp.Program([
        fp.Stmt("a = torch.tensor([0.5, 1.0], dtype=torch.float64)", "leaf"),
        fp.Stmt("b = torch.tensor(2.0, dtype=torch.float64)", "leaf"),
        fp.Stmt("t1 = b * 2", "op *"),
        fp.Stmt("t2 = a.exp()", "op exp"),
    ])
    category = "values differs after `leaf`"
    small = fp.minimize(program, category, fp.ALL_FEATURES, libs=(torch, _perturbed_torch()))
    assert len(small.statements) == 1 and small.statements[0].kind == "leaf"
