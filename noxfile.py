"""Task runner: `nox -s tests` (what CI runs), `nox -s serve` (the textbook), and more.

`nox --list` shows every session with its first line.
"""

import nox

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "venv"
nox.options.sessions = ["tests", "docs"]
nox.options.reuse_venv = "yes"

PYPROJECT = nox.project.load_toml("pyproject.toml")
TEST = nox.project.dependency_groups(PYPROJECT, "test")
DOCS = nox.project.dependency_groups(PYPROJECT, "docs")
BROWSER = nox.project.dependency_groups(PYPROJECT, "browser")
# One BLAS thread: the lessons' small matrix products run 10x slower when OpenBLAS threads
# fight over a busy 2-core machine (measured on chapter 9's network).
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
DOCS_ENV = {"NO_MKDOCS_2_WARNING": "1", **ONE_THREAD}  # and quiet mkdocs-material's banner
BENCH = nox.project.dependency_groups(PYPROJECT, "bench")


@nox.session(python="3.11")
def tests(session: nox.Session) -> None:
    """The tests CI runs: unit tests, torch comparisons, the docs' snippets (about 3 min).

    The slow tests and the browser tests have sessions of their own.
    """
    session.install("-e", ".", *TEST, *DOCS)
    session.run("pytest", "-m", "not slow", "--ignore=tests/test_site_browser.py",
                *session.posargs, env=ONE_THREAD)


@nox.session(python="3.11", default=False)
def slow(session: nox.Session) -> None:
    """The slow tests: the 1,000,000-op chain."""
    session.install("-e", ".", *TEST)
    session.run("pytest", "-m", "slow", *session.posargs)


@nox.session(python="3.11", default=False)
def fuzz(session: nox.Session) -> None:
    """The differential fuzzer against torch: `nox -s fuzz -- --programs 1000 --seed 1`.

    Random programs of ops, views and in-place updates; see tests/fuzz_programs.py.
    """
    session.install("-e", ".", *TEST)
    session.run("python", "-m", "tests.fuzz_programs", *session.posargs, env=ONE_THREAD)


@nox.session(python="3.11", default=False)
def tour(session: nox.Session) -> None:
    """The terminal tour: `python -m tinygrad_lite`."""
    session.install(".")
    session.run("python", "-m", "tinygrad_lite")


@nox.session(python="3.11")
def docs(session: nox.Session) -> None:
    """Build the site with `mkdocs build --strict` into site/: a failing snippet fails it."""
    session.install("-e", ".", *DOCS)
    session.run("mkdocs", "build", "--strict", *session.posargs, env=DOCS_ENV)


@nox.session(python="3.11", default=False)
def serve(session: nox.Session) -> None:
    """Build and serve the site at http://127.0.0.1:8000, rebuilding on page or docstring edits."""
    session.install("-e", ".", *DOCS)
    session.run("mkdocs", "serve", "--dev-addr", "127.0.0.1:8000", *session.posargs,
                env=DOCS_ENV)


@nox.session(python="3.11", default=False)
def browser(session: nox.Session) -> None:
    """Build the site, then check it in Debian's chromium (`apt-get install chromium`)."""
    session.install("-e", ".", *DOCS, *BROWSER)
    session.run("mkdocs", "build", "--strict", env=DOCS_ENV)
    session.run("pytest", "-p", "no:cacheprovider", "tests/test_site_browser.py",
                *session.posargs)


@nox.session(python="3.11", default=False)
def bench(session: nox.Session) -> None:
    """Benchmarks against the peers; `nox -s bench -- --quick` (see benchmarks/README.md)."""
    session.install("-e", ".", *BENCH)
    session.run("python", "-m", "benchmarks", *session.posargs)
