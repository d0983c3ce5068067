"""Task runner: `nox -s tests` (what CI runs), `nox -s slow`, `nox -s tour`."""

import nox

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "venv"
nox.options.sessions = ["tests"]
nox.options.reuse_venv = "yes"

PYPROJECT = nox.project.load_toml("pyproject.toml")
TEST = nox.project.dependency_groups(PYPROJECT, "test")


@nox.session(python="3.11")
def tests(session: nox.Session) -> None:
    """Unit tests and the comparisons with torch (slow tests excluded)."""
    session.install("-e", ".", *TEST)
    session.run("pytest", "-m", "not slow", *session.posargs)


@nox.session(python="3.11", default=False)
def slow(session: nox.Session) -> None:
    """The slow tests: the 1,000,000-op chain."""
    session.install("-e", ".", *TEST)
    session.run("pytest", "-m", "slow", *session.posargs)


@nox.session(python="3.11", default=False)
def tour(session: nox.Session) -> None:
    """The terminal tour: `python -m tinygrad_lite`."""
    session.install(".")
    session.run("python", "-m", "tinygrad_lite")
