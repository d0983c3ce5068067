"""A short tour in the terminal: ``python -m tinygrad_lite``.

Builds CS231n's circuit q = x + y, f = q * z, prints its Wengert list, backpropagates,
checks every gradient against a central finite difference, and says where to go next.
"""

from __future__ import annotations

import tinygrad_lite as torch


def f_of(x: float, y: float, z: float) -> float:
    """The circuit on plain floats, for the finite differences."""
    return (x + y) * z


def main() -> None:
    print("tinygrad_lite tour: f = (x + y) * z at x = -2, y = 5, z = -4\n")
    x = torch.tensor(-2.0, dtype=torch.float64, requires_grad=True)
    y = torch.tensor(5.0, dtype=torch.float64, requires_grad=True)
    z = torch.tensor(-4.0, dtype=torch.float64, requires_grad=True)
    q = x + y
    f = q * z
    print(">>> q = x + y; f = q * z")
    print(f"q = {q!r}\nf = {f!r}\n")

    tape = torch.tape(f, x=x, y=y, z=z, q=q, f=f)
    print("The Wengert list (the tape) f depends on, in creation order:")
    print(tape, "\n")
    tape.backward()
    print("Replayed in reverse: each record's adjoint df/dv:")
    print(tape, "\n")

    f.backward()
    print(">>> f.backward()")
    h = 1e-6
    point = {"x": -2.0, "y": 5.0, "z": -4.0}
    print(f"{'':<8}{'backward':>10}{'finite difference':>20}")
    for name, leaf in (("x", x), ("y", y), ("z", z)):
        up, down = dict(point), dict(point)
        up[name] += h
        down[name] -= h
        numeric = (f_of(**up) - f_of(**down)) / (2 * h)
        print(f"{name + '.grad':<8}{leaf.grad.item():>10.6f}{numeric:>20.6f}")
    print("\nq is not a leaf, so q.grad stays None (call q.retain_grad() to keep it);")
    print(f"its adjoint is on the tape: df/dq = {tape.adjoint(q)}")
    print("\nNext: the textbook. From a clone, `pip install nox && nox -s serve` builds it and")
    print("serves it at http://127.0.0.1:8000; start with lesson 1, derivatives by hand.")


if __name__ == "__main__":
    main()
