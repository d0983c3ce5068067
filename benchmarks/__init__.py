"""The benchmark suite: tinygrad_lite against the peer autograds (`nox -s bench`).

Run ``python -m benchmarks --help`` from the repository root, or read ``benchmarks/README.md``.
"""
